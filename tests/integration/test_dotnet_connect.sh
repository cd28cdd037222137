#!/usr/bin/env bash
# The .NET fixes checked for real: an openssl s_server on loopback that allows only TLS 1.2
# and 1.3 (MinProtocol TLSv1.2) refuses the ClientHello `tlsdiag connect --as` builds from a
# .NET profile without the registry values, and accepts the hello of the same profile after
# each client fix `tlsdiag match` proposes (its "profile_after" in the JSON: registry values,
# AppContext switches, retarget, the Schannel TLS 1.2 Client key) and of the built-in
# profile "with keys"; the answer is the version and suite match predicted for that fix.
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null || exit 77
. "$(dirname "$0")/servers.sh"

openssl_server tls12only rsa 'HIGH:!aNULL:!PSK:!SRP' "$T13" TLSv1.2 TLSv1.3 "$G" server
read -r _ port <"$WORK/servers"
wait_port "$port" || { bad "s_server did not start: $(head -3 "$WORK/tls12only.log")"; finish; exit; }

# connect_as NAME PROFILE: one handshake as PROFILE; the JSON in $WORK/NAME.json
connect_as() {
  timeout 30 "$TLSDIAG" connect "127.0.0.1:$port" --as "$2" --json --timeout 5 \
    >"$WORK/$1.json" 2>"$WORK/$1.err"
  local rc=$?
  [ "$rc" -le 1 ] || bad "$1: connect exited $rc: $(head -3 "$WORK/$1.err")"
}
field() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r.get(sys.argv[2]))' "$@"; }

for client in dotnet-4.5-win2019 dotnet-3.5-win2016 dotnet-4.5-win7 dotnet-4.8-win7; do
  # without the fix: refused (the client offers TLS 1.0 at most)
  connect_as "$client.before" "$client"
  [ "$(field "$WORK/$client.before.json" ok)" = False ] && ok ||
    bad "$client: the TLS 1.2-only server accepted it: $(head -c 300 "$WORK/$client.before.json")"
  # every client fix match proposes (registry, AppContext, retarget, Schannel key), applied,
  # is accepted with the answer match predicted for it
  "$TLSDIAG" match --client "$client" --server "$WORK/tls12only.profile" --json \
    >"$WORK/$client.match" 2>"$WORK/$client.match.err"
  python3 - "$WORK/$client.match" "$WORK/$client.after" <<'PY' || bad "$client: no client fix in match's JSON"
import json, sys
m = json.load(open(sys.argv[1]))
assert not m["outcome"]["ok"], "match predicts success"
fixes = m["client_fixes"]["fixes"]
assert fixes
for i, f in enumerate(fixes):
    open("%s.%d.profile" % (sys.argv[2], i), "w").write(f["profile_after"])
    open("%s.%d.want" % (sys.argv[2], i), "w").write(
        "%s %s\n%s\n" % (f["result"]["version"], f["result"]["suite_code"], f["change"]))
PY
  for prof in "$WORK/$client".after.*.profile; do
    [ -e "$prof" ] || continue
    i=${prof%.profile}; i=${i##*.}
    connect_as "$client.after.$i" "$prof"
    got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["version"], r["suite_code"]) if r["ok"] else print("refused", r.get("status"))' "$WORK/$client.after.$i.json" 2>&1)
    want=$(head -1 "$WORK/$client.after.$i.want")
    [ "$got" = "$want" ] && ok || bad "$client after '$(sed -n 2p "$WORK/$client.after.$i.want")': server answered [$got], match predicted [$want]"
    echo "$client fix $i: $(sed -n 2p "$WORK/$client.after.$i.want") -> $got"
  done
done
# the kind of fix each needs
grep -q 'SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1 (.NET registry)' "$WORK/dotnet-4.5-win2019.after.0.want" && ok || bad "4.5 on 2019: registry fix not first"
grep -q 'SchUseStrongCrypto=1 (.NET registry)' "$WORK/dotnet-4.5-win7.after.0.want" && ok || bad "4.5 on 7: SchUseStrongCrypto fix not first"
grep -q '^enable TLSv1.2' "$WORK/dotnet-4.8-win7.after.0.want" && ok || bad "4.8 on 7: Schannel TLS 1.2 client key not first"
grep -q 'AppContext' "$WORK/dotnet-4.5-win2019.after.1.want" && ok || bad "4.5 on 2019: AppContext fix not second"
grep -q '^retarget' "$WORK/dotnet-4.5-win2019.after.2.want" && ok || bad "4.5 on 2019: retarget not third"

# the built-in profile "with keys" is accepted too
connect_as keys dotnet-4.5-keys-win2019
[ "$(field "$WORK/keys.json" version)" = TLSv1.2 ] && ok || bad "dotnet-4.5-keys-win2019: $(head -c 300 "$WORK/keys.json")"
finish
