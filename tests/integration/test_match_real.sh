#!/usr/bin/env bash
# Prediction against reality: each of the 162 testssl.sh ClientHellos is sent as raw
# bytes (tests/integration/hello_probe.c, codec record reader) to real openssl s_server
# and gnutls-serv configurations on loopback; the answer (ServerHello version + suite +
# HelloRetryRequest, or the alert number / close) must equal what `tlsdiag match` predicts for that client profile
# against a server profile describing the configuration. Every disagreement is listed;
# any fails the test.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/probe_setup.sh"

openssl_server ossl-rsa-client rsa 'DEFAULT:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" client
openssl_server ossl-rsa-server rsa 'HIGH:MEDIUM:!aNULL:!PSK:!SRP:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
openssl_server ossl-ecdsa-client ec 'DEFAULT:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" client
openssl_server ossl-ecdsa-server ec 'ECDHE:!aNULL:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
openssl_server ossl-rsa-legacy rsa 'AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0' "$T13" TLSv1 TLSv1.2 "$G" server
openssl_server ossl-tls12-p384 rsa 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' "$T13" TLSv1.2 TLSv1.2 P-384 server
openssl_server ossl-tls13-p384 rsa 'DEFAULT' TLS_AES_128_GCM_SHA256 TLSv1.3 TLSv1.3 P-384 client
openssl_server ossl-chacha rsa 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:@SECLEVEL=0' "$T13" TLSv1.2 TLSv1.3 "$G" server -prioritize_chacha
# A TLS 1.0/1.1-only server (OpenSSL reads supported_versions anyway: protocol_version
# from the server to clients that list only newer versions), a DHE-only TLS 1.2 server
# with finite-field groups, an ECDSA P-384 TLS 1.2 server.
openssl_server ossl-tls11-only rsa 'ECDHE-RSA-AES128-SHA:AES128-SHA:@SECLEVEL=0' "$T13" TLSv1 TLSv1.1 "$G" server
openssl_server ossl-dhe-only rsa 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384' "$T13" TLSv1.2 TLSv1.2 ffdhe2048 server
openssl_server ossl-ecdsa-p384 ec384 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384' "$T13" TLSv1.2 TLSv1.2 P-256:P-384 server
# OpenSSL 3 as it comes: no -cipher, default security level 1 (TLS 1.0/1.1 hellos get
# internal_error: it cannot sign them).
openssl_server ossl-default rsa - "$T13" TLSv1 TLSv1.3 "$G" client
gnutls_server gnutls-rsa-normal rsa NORMAL
gnutls_server gnutls-ecdsa-server ec 'NORMAL:%SERVER_PRECEDENCE'

# Probe every server in parallel and predict each column.
PROBES=()
while read -r name port; do
  wait_port "$port" || { bad "$name did not start: $(head -3 "$WORK/$name.log")"; continue; }
  probe_and_predict "$name" "$port" "$WORK/$name.profile"
done <"$WORK/servers"
wait "${PROBES[@]}"
agreement "the predictions"

# check_fixes WHAT SERVER WANT REAL: each "CLIENT ANSWER | CHANGE" line of WANT against
# the probe's line for CLIENT in REAL; sets tried and worked.
check_fixes() {
  tried=0; worked=0
  while read -r client want; do
    tried=$((tried + 1))
    got=$(awk -v c="$client" '$1 == c {$1 = ""; print substr($0, 2)}' "$4")
    if [ "$got" = "${want%% |*}" ]; then worked=$((worked + 1)); ok
    else bad "$1 for $client x $2 (${want#*| }) did not work: real [$got], predicted [${want%% |*}]"; fi
  done <"$3"
}

# Advice on the client side: for every refused pair, the top client fix becomes the
# client profile it describes (the fix's profile_after); the hello 'tlsdiag connect --as'
# builds for that profile (hello_probe @FILE) goes to the server in its own
# configuration, which must answer with the version, suite and group the fix predicts.
cfixed=0; cfixed_ok=0
while read -r name port; do
  "$TLSDIAG" match --clients-from testssl --server "$WORK/$name.profile" --json --fixes 1 \
    >"$WORK/$name.fix.json" 2>/dev/null
  mkdir -p "$WORK/$name.cfix"
  python3 - "$WORK" "$name" <<'PY' || bad "$name: the client fixes could not be read (script failed)"
import json, sys
work, name = sys.argv[1], sys.argv[2]
names = {"TLSv1.0": 0x301, "TLSv1.1": 0x302, "TLSv1.2": 0x303, "TLSv1.3": 0x304}
real = {l.split()[0]: l.split()[1:] for l in open(f"{work}/{name}.real")}
with open(f"{work}/{name}.cfix.want", "w") as want, open(f"{work}/{name}.cfix.hellos", "w") as hellos:
    for r in json.load(open(f"{work}/{name}.fix.json"))["results"]:
        if r["outcome"]["ok"] or real.get(r["client"], ["?"])[0] == "OK":
            continue
        fixes = r.get("client_fixes", {}).get("fixes", [])
        if not fixes:
            open(f"{work}/{name}.nocfix", "a").write(f"{r['client']} x {name}: {r['outcome']['failure']}\n")
            continue
        f, o = fixes[0], fixes[0]["result"]
        path = f"{work}/{name}.cfix/{r['client']}.profile"
        open(path, "w").write(f["profile_after"])
        hellos.write(f"{r['client']} @{path}\n")
        want.write("%s OK 0x%04X %s%s G=%s | %s\n" % (
            r["client"], names[o["version"]], o["suite_code"],
            " HRR" if o.get("hello_retry_request") else "", o.get("group_code", "-"), f["change"]))
PY
  timeout 120 "$PROBE" "$port" <"$WORK/$name.cfix.hellos" >"$WORK/$name.cfix.real"
  check_fixes "client advice" "$name" "$WORK/$name.cfix.want" "$WORK/$name.cfix.real"
  cfixed=$((cfixed + tried)); cfixed_ok=$((cfixed_ok + worked))
done <"$WORK/servers"
cat "$WORK"/*.nocfix 2>/dev/null | sed 's/^/no client fix: /'
echo "client advice: $cfixed refused (client, server) pairs with a top client fix: it worked for $cfixed_ok"
[ "$cfixed" -gt 0 ] && ok || bad "client advice: no client fix was tried at all"

# Advice that works: for every client a server refuses (as predicted), apply
# the top-ranked server fix to the real server and send the same hello again: the
# server must now answer with the version and suite the fix predicts. Clients sharing
# the same fix are probed together, so each distinct fix restarts the server once.
fixed=0; fixed_ok=0
while read -r name port; do
  python3 - "$WORK" "$name" "$(dirname "$0")" <<'PY' || bad "$name: the fixes could not be grouped (script failed)"
import json, sys
sys.path.insert(0, sys.argv[3])
from apply_fix import fix_args
work, name = sys.argv[1], sys.argv[2]
real = {l.split()[0]: l.split()[1:] for l in open(f"{work}/{name}.real")}
hellos = {l.split()[0]: l for l in open(f"{work}/hellos")}
groups = {}
for r in json.load(open(f"{work}/{name}.fix.json"))["results"]:
    if r["outcome"]["ok"] or real.get(r["client"], ["?"])[0] == "OK":
        continue
    fixes = r.get("server_fixes", {}).get("fixes", [])
    want, args = fix_args(fixes[0], work, name) if fixes else (None, None)
    if not want:
        open(f"{work}/{name}.nofix", "a").write(f"{r['client']} x {name}: {r['outcome']['failure']}\n")
        continue
    groups.setdefault("\n".join(args), []).append((r["client"], want, fixes[0]["change"]))
for k, (args, members) in enumerate(groups.items()):
    open(f"{work}/{name}.fix{k}.args", "w").write(args + "\n")
    with open(f"{work}/{name}.fix{k}.hellos", "w") as h, open(f"{work}/{name}.fix{k}.want", "w") as w:
        for client, want, change in members:
            h.write(hellos[client])
            w.write(f"{client} {want} | {change}\n")
PY
  for argsf in "$WORK/$name".fix*.args; do
    [ -f "$argsf" ] || continue
    k=${argsf%.args}
    mapfile -t newargs <"$argsf"
    if [ -f "$WORK/$name.prio" ]; then
      start_gnutls "$name" "$port" "${newargs[@]}" || { bad "$name did not restart with $k"; continue; }
    else
      start_openssl "$name" "$port" "${newargs[@]}" || { bad "$name did not restart with $k"; continue; }
    fi
    timeout 60 "$PROBE" "$port" <"$k.hellos" >"$k.real"
    check_fixes "server advice" "$name" "$k.want" "$k.real"
    fixed=$((fixed + tried)); fixed_ok=$((fixed_ok + worked))
  done
done <"$WORK/servers"
nofix=$(cat "$WORK"/*.nofix 2>/dev/null | wc -l)
cat "$WORK"/*.nofix 2>/dev/null | sed 's/^/no server fix: /' 
echo "advice: $nofix refused (client, server) pairs have no server fix (see the report: SSLv3/RC4/3DES not built, or a malformed hello)"
echo "advice: $fixed refused (client, server) pairs with a top server fix: it worked for $fixed_ok"
echo "fixes applied for real: $((fixed + cfixed)) ($fixed server, $cfixed client), worked: $((fixed_ok + cfixed_ok))"
[ "$fixed" -gt 0 ] && ok || bad "advice: no server fix was tried at all"
finish
