#!/usr/bin/env bash
# Prediction against reality: each of the 162 testssl.sh ClientHellos is sent as raw
# bytes (tests/integration/hello_probe.c, codec record reader) to real openssl s_server
# and gnutls-serv configurations on loopback; the answer (ServerHello version + suite +
# HelloRetryRequest, or the alert number / close) must equal what `tlsdiag match` predicts for that client profile
# against a server profile describing the configuration. Every disagreement is listed;
# any fails the test.
. "$(dirname "$0")/../cli/lib.sh"
PROBE="${TLSD_BUILD:?}/tests/hello_probe"
[ -x "$PROBE" ] || { echo "no $PROBE"; exit 77; }
command -v openssl >/dev/null && command -v gnutls-serv >/dev/null || exit 77

. "$(dirname "$0")/servers.sh"

# The 162 hellos: "name hex" from the built-in profile data.
awk '/^name = /{n=$3} /^client_hello = /{print n, $3}' \
  "$TLSD_SRCDIR/data/profiles/testssl.profiles" >"$WORK/hellos"
[ "$(wc -l <"$WORK/hellos")" -eq 162 ] && ok || bad "expected 162 hellos"

openssl_server ossl-rsa-client rsa 'DEFAULT:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" client
openssl_server ossl-rsa-server rsa 'HIGH:MEDIUM:!aNULL:!PSK:!SRP:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
openssl_server ossl-ecdsa-client ec 'DEFAULT:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" client
openssl_server ossl-ecdsa-server ec 'ECDHE:!aNULL:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
openssl_server ossl-rsa-legacy rsa 'AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0' "$T13" TLSv1 TLSv1.2 "$G" server
openssl_server ossl-tls12-p384 rsa 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' "$T13" TLSv1.2 TLSv1.2 P-384 server
openssl_server ossl-tls13-p384 rsa 'DEFAULT' TLS_AES_128_GCM_SHA256 TLSv1.3 TLSv1.3 P-384 client
openssl_server ossl-chacha rsa 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:@SECLEVEL=0' "$T13" TLSv1.2 TLSv1.3 "$G" server -prioritize_chacha
gnutls_server gnutls-rsa-normal rsa NORMAL
gnutls_server gnutls-ecdsa-server ec 'NORMAL:%SERVER_PRECEDENCE'

# Probe every server in parallel and predict each column.
PROBES=()
while read -r name port; do
  wait_port "$port" || { bad "$name did not start: $(head -3 "$WORK/$name.log")"; continue; }
  (timeout 120 "$PROBE" "$port" <"$WORK/hellos" >"$WORK/$name.real") &
  PROBES+=($!)
  "$TLSDIAG" match --clients-from testssl --server "$WORK/$name.profile" --json --fixes 0 \
    >"$WORK/$name.pred" 2>"$WORK/$name.prederr"
  [ $? -le 1 ] || bad "$name: match failed: $(head -3 "$WORK/$name.prederr")"
done <"$WORK/servers"
wait "${PROBES[@]}"

python3 - "$WORK" <<'PY' >"$WORK/report"
import json, sys
work = sys.argv[1]
total = disagree = alerts_total = 0
stats, alerts_off = {}, {}
for line in open(work + "/servers"):
    name, _ = line.split()
    try:
        pred = {r["client"]: r["outcome"] for r in json.load(open(f"{work}/{name}.pred"))["results"]}
    except Exception as e:
        print(f"DISAGREE {name}: no prediction ({e})"); disagree += 1; continue
    real = {}
    for l in open(f"{work}/{name}.real"):
        parts = l.split()
        real[parts[0]] = parts[1:]
    names = {"SSLv3": 0x300, "TLSv1.0": 0x301, "TLSv1.1": 0x302, "TLSv1.2": 0x303, "TLSv1.3": 0x304}
    for client, o in pred.items():
        total += 1
        r = real.get(client, ["MISSING"])
        if o["ok"]:
            want = ["OK", "0x%04X" % names.get(o.get("version"), 0), o["suite_code"]]
            if o.get("hello_retry_request"):
                want.append("HRR")
            got = r[:4]
        else:
            want, got = ["FAIL"], ["FAIL" if r[0] in ("ALERT", "CLOSED") else " ".join(r)]
        k = stats.setdefault(name, {"ok": 0, "fail": 0, "hrr": 0})
        k["ok" if r[0] == "OK" else "fail"] += 1
        k["hrr"] += "HRR" in r
        if not o["ok"] and r[0] in ("ALERT", "CLOSED"):
            # The alert (or reset) must be the predicted one too.
            pa = str(o.get("alert", {}).get("code", "none")) if not o.get("reset") else "reset"
            ra = r[1] if r[0] == "ALERT" else "reset"
            alerts_total += 1
            if pa != ra:
                alerts_off.setdefault((name, pa, ra), []).append(client)
        if want != got:
            disagree += 1
            print(f"DISAGREE {name} {client}: predicted {' '.join(want)} "
                  f"({o.get('failure', '')} {o.get('detail', '')}), real {' '.join(r)}")
for name, k in stats.items():
    print(f"{name}: {k['ok']} handshakes, {k['fail']} refused, {k['hrr']} HelloRetryRequests")
for (name, pa, ra), cl in sorted(alerts_off.items()):
    print(f"alert differs on {name}: predicted {pa}, real {ra} for {len(cl)} clients, e.g. {cl[0]}")
off = sum(map(len, alerts_off.values()))
print(f"alerts: {alerts_total - off} of {alerts_total} refusals with the predicted alert")
print(f"{total} predictions, {disagree + off} disagreements")
PY
cat "$WORK/report"
n=$(tail -1 "$WORK/report" | awk '{print $3}')
[ "$n" = 0 ] && ok || bad "$n disagreements between prediction and real servers"

# Advice that works: for every client a server refuses (as predicted), apply
# the top-ranked server fix to the real server and send the same hello again: the
# server must now answer with the version and suite the fix predicts. Clients sharing
# the same fix are probed together, so each distinct fix restarts the server once.
fixed=0; fixed_ok=0
while read -r name port; do
  "$TLSDIAG" match --clients-from testssl --server "$WORK/$name.profile" --json --fixes 1 \
    >"$WORK/$name.fix.json" 2>/dev/null
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
    while read -r client want; do
      fixed=$((fixed + 1))
      got=$(awk -v c="$client" '$1 == c {$1 = ""; print substr($0, 2)}' "$k.real")
      if [ "$got" = "${want%% |*}" ]; then fixed_ok=$((fixed_ok + 1)); ok
      else bad "advice for $client x $name (${want#*| }) did not work: real [$got], predicted [${want%% |*}]"; fi
    done <"$k.want"
  done
done <"$WORK/servers"
nofix=$(cat "$WORK"/*.nofix 2>/dev/null | wc -l)
cat "$WORK"/*.nofix 2>/dev/null | sed 's/^/no server fix: /' 
echo "advice: $nofix refused (client, server) pairs have no server fix (see the report: SSLv3/RC4/3DES not built, or a malformed hello)"
echo "advice: $fixed refused (client, server) pairs with a top server fix: it worked for $fixed_ok"
[ "$fixed" -gt 0 ] && ok || bad "advice: no server fix was tried at all"
finish
