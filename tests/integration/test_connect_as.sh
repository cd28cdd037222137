#!/usr/bin/env bash
# `tlsdiag connect --as` against real servers: each of the 162 testssl.sh client hellos
# (their captured bytes, from the built-in profiles) is sent by `connect --as` to an
# openssl s_server (RSA, server order) and a gnutls-serv (ECDSA, NORMAL: client order);
# the answer connect reports (ServerHello version + suite + HelloRetryRequest, or a
# refusal) must equal what `tlsdiag match --clients-from testssl` predicts against a
# profile of that server, and connect's own prediction (--server) must be match's.
# Then the 162 again, and the hellos built from the 26 non-testssl client profiles,
# against `tlsdiag serve` (windows-2025): connect agrees with the prediction from a saved
# scan of serve (--server-scan) resp. the profile, and serve's own report agrees with its
# model for every client. Every disagreement is listed; any fails the test.
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null && command -v gnutls-serv >/dev/null || exit 77
. "$(dirname "$0")/servers.sh"

awk '/^name = /{print $3}' "$TLSD_SRCDIR/data/profiles/testssl.profiles" >"$WORK/clients"
[ "$(wc -l <"$WORK/clients")" -eq 162 ] && ok || bad "expected 162 testssl clients"

openssl_server ossl-rsa-server rsa 'HIGH:MEDIUM:!aNULL:!PSK:!SRP:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
gnutls_server gnutls-ecdsa-normal ec NORMAL

while read -r name port; do
  wait_port "$port" || { bad "$name did not start: $(head -3 "$WORK/$name.log")"; continue; }
  "$TLSDIAG" match --clients-from testssl --server "$WORK/$name.profile" --json --fixes 0 \
    >"$WORK/$name.pred" 2>/dev/null
  mkdir -p "$WORK/$name.d"
  # s_server answers one connection at a time: one client after the other.
  while read -r client; do
    timeout 20 "$TLSDIAG" connect "127.0.0.1:$port" --as "$client" --server "$WORK/$name.profile" \
      --json --timeout 4 >"$WORK/$name.d/$client" 2>"$WORK/$name.d/$client.err"
    rc=$?
    [ "$rc" -le 1 ] || bad "$name $client: connect exited $rc: $(head -3 "$WORK/$name.d/$client.err")"
  done <"$WORK/clients"
done <"$WORK/servers"

python3 - "$WORK" <<'PY' >"$WORK/report"
import json, os, sys
work = sys.argv[1]
total = disagree = 0
for line in open(work + "/servers"):
    name, _ = line.split()
    pred = {r["client"]: r["outcome"] for r in json.load(open(f"{work}/{name}.pred"))["results"]}
    counts = {"ok": 0, "refused": 0, "hrr": 0}
    for client in open(work + "/clients").read().split():
        total += 1
        try:
            r = json.load(open(f"{work}/{name}.d/{client}"))
        except Exception as e:
            print(f"DISAGREE {name} {client}: no connect result ({e})"); disagree += 1; continue
        o = pred.get(client)
        if o is None:
            print(f"DISAGREE {name} {client}: match has no prediction"); disagree += 1; continue
        if r["ok"]:
            counts["ok"] += 1
            counts["hrr"] += r["hello_retry_request"]
            got = ["OK", r["version"], r["suite_code"], r["hello_retry_request"]]
        elif r["ending"] == "client_alert" and r["ending_detail"] is None:
            # the server answered; the client (Java 6: a DHE prime over 1024 bits) ends it
            counts["refused"] += 1
            got = ["CLIENT-REFUSES", r.get("version"), r.get("suite_code")]
        else:
            counts["refused"] += 1
            got = ["FAIL" if r["ending"] == "server_alert" or r["ending_detail"] in ("closed", "reset")
                   else r["ending_detail"] or r["ending"]]
        want = (["OK", o["version"], o["suite_code"], o["hello_retry_request"]] if o["ok"]
                else ["CLIENT-REFUSES", o.get("version"), o.get("suite_code")]
                if o.get("failure") == "client-refuses" else ["FAIL"])
        problems = []
        if got != want:
            problems.append(f"server answered {got}, match predicts {want} {o.get('failure', '')}")
        p = r.get("predicted", {})
        if (p.get("ok"), p.get("version"), p.get("suite_code")) != (o.get("ok"), o.get("version"), o.get("suite_code")):
            problems.append(f"connect's prediction {p} differs from match's {o}")
        if r.get("agree") is not (got == want):
            problems.append(f"connect says agree={r.get('agree')}")
        if problems:
            disagree += 1
            print(f"DISAGREE {name} {client}: " + "; ".join(problems))
    print(f"{name}: {counts['ok']} ServerHellos ({counts['hrr']} HelloRetryRequests), {counts['refused']} refused")
print(f"{total} hellos sent, {disagree} disagreements")
PY
cat "$WORK/report"
n=$(tail -1 "$WORK/report" | awk '{print $4}')
[ "$(tail -1 "$WORK/report" | awk '{print $1}')" = $((162 * 2)) ] && ok || bad "not every hello was sent"
[ "$n" = 0 ] && ok || bad "$n disagreements between connect --as and match"

# The same 162 hellos against `tlsdiag serve` with the Windows Server 2025 profile, the
# prediction taken from a saved `tlsdiag scan --json` of it (--server-scan): connect must
# agree with that prediction, and serve must report every client as agreeing with its own
# model of the profile (Schannel resets included).
: >"$WORK/serve.err"
timeout 120 "$TLSDIAG" serve --profile windows-2025 --port 0 --bind 127.0.0.1 --jsonl --fixes 0 \
  >"$WORK/serve.jsonl" 2>"$WORK/serve.err" &
PIDS+=($!)
sport=""
for _ in $(seq 100); do
  sport=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' "$WORK/serve.err"); [ -n "$sport" ] && break; sleep 0.05
done
timeout 60 "$TLSDIAG" scan --json "127.0.0.1:$sport" >"$WORK/serve.scan" 2>/dev/null
: >"$WORK/serve.agree"
nlines=$(wc -l <"$WORK/serve.jsonl")
mkdir -p "$WORK/serve.d"
while read -r client; do
  timeout 20 "$TLSDIAG" connect "127.0.0.1:$sport" --as "$client" --server-scan "$WORK/serve.scan" \
    --json --timeout 4 >"$WORK/serve.d/$client" 2>/dev/null
done <"$WORK/clients"
python3 - "$WORK/serve.d" "$WORK/clients" >"$WORK/serve.agree" <<'PY'
import json, sys
for client in open(sys.argv[2]).read().split():
    try:
        r = json.load(open(f"{sys.argv[1]}/{client}"))
        print(client, r["agree"], r["ending"], r["ending_detail"])
    except Exception as e:
        print(client, "no result", e)
PY
n_ok=$(grep -c ' True ' "$WORK/serve.agree")
echo "serve (windows-2025): connect --as agrees with the scan-based prediction for $n_ok of 162 clients"
grep -v ' True ' "$WORK/serve.agree" | sed 's/^/DISAGREE serve: /'
[ "$n_ok" -eq 162 ] && ok || bad "$((162 - n_ok)) disagreements with --server-scan"

# Hellos built with the codec from the Windows, Java, OpenSSL and device profiles (no
# captured bytes): the server's answer must be the model's prediction for that profile.
"$TLSDIAG" profiles | awk '$2 != "testssl" && $3 != "server" {print $1}' >"$WORK/built"
mkdir -p "$WORK/built.d"
while read -r client; do
  timeout 20 "$TLSDIAG" connect "127.0.0.1:$sport" --as "$client" --server windows-2025 \
    --json --timeout 4 >"$WORK/built.d/$client" 2>"$WORK/built.d/$client.err"
done <"$WORK/built"
python3 - "$WORK/built.d" "$WORK/built" >"$WORK/built.agree" <<'PY'
import json, sys
for client in open(sys.argv[2]).read().split():
    try:
        r = json.load(open(f"{sys.argv[1]}/{client}"))
        ok = r["agree"] is True and r["hello_captured"] is False
        print("AGREE" if ok else "DISAGREE", client, r["ending"], r["ending_detail"], r.get("suite", "-"))
    except Exception as e:
        print("DISAGREE", client, "no result:", e, open(f"{sys.argv[1]}/{client}.err").read()[:200])
PY
nb=$(wc -l <"$WORK/built"); nb_ok=$(grep -c '^AGREE' "$WORK/built.agree")
grep '^DISAGREE' "$WORK/built.agree" | sed 's/^DISAGREE/DISAGREE built hello/'
echo "built hellos: $nb_ok of $nb agree with the model against serve (windows-2025)"
[ "$nb" -ge 20 ] && [ "$nb_ok" -eq "$nb" ] && ok || bad "built hellos: $((nb - nb_ok)) disagreements"
sleep 0.3
python3 - "$WORK/serve.jsonl" "$nlines" <<'PY' && ok || bad "serve's own report disagrees"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
hellos = [r for r in rows if "offered" in r]
off = [(r["id"], r["ending"], r["predicted"].get("failure")) for r in hellos if not r.get("agree")]
ends = {}
for r in hellos:
    ends[r["ending"]] = ends.get(r["ending"], 0) + 1
print(f"serve (windows-2025): {len(hellos)} hellos recorded, {ends}; {len(off)} disagree with its model {off[:5]}")
sys.exit(0 if len(hellos) >= 162 and not off else 1)
PY
finish
