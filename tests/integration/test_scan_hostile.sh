#!/usr/bin/env bash
# Hostile peers: a name that does not resolve, a refused port, a server that
# never answers, one that answers garbage, one that closes mid-record, one
# that announces a 16 MB message, one that resets, three whose Certificate
# message never ends (a byte a second, 16 MB announced, cut) — scanned together
# with a real server. Each bad target gets a clear error, the good one is scanned
# completely, and the run ends within its time limits.
. "$(dirname "$0")/../cli/lib.sh"
here=$(dirname "$0")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
for m in silent garbage midrecord huge reset cert_drip cert_huge cert_cut; do
  python3 "$here/hostile_server.py" "$m" "$WORK/port.$m" & pids+=($!)
done
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 \
  -subj /CN=localhost >/dev/null 2>&1
good=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
openssl s_server -accept "$good" -cert "$WORK/c.pem" -key "$WORK/k.pem" -quiet -naccept 100000 \
  </dev/null >/dev/null 2>&1 & pids+=($!)
for i in $(seq 100); do
  [ -s "$WORK/port.reset" ] && [ -s "$WORK/port.silent" ] && [ -s "$WORK/port.garbage" ] &&
    [ -s "$WORK/port.midrecord" ] && [ -s "$WORK/port.huge" ] && [ -s "$WORK/port.cert_drip" ] &&
    [ -s "$WORK/port.cert_huge" ] && [ -s "$WORK/port.cert_cut" ] &&
    (exec 3<>/dev/tcp/127.0.0.1/$good) 2>/dev/null && break
  sleep 0.1
done
targets=(no-such-host.invalid 127.0.0.1:1)
for m in silent garbage midrecord huge reset cert_drip cert_huge cert_cut; do targets+=("127.0.0.1:$(cat "$WORK/port.$m")"); done
targets+=("localhost:$good")

start=$(date +%s)
timeout -k 10 120 "$TLSDIAG" scan --jsonl -q --timeout 1000 --retries 0 --target-timeout 30 \
  "${targets[@]}" >"$WORK/out" 2>"$WORK/err"
RC=$?; ERR=$(cat "$WORK/err")
elapsed=$(( $(date +%s) - start ))
[ "$RC" -lt 86 ] || { bad "crash or sanitizer report (rc=$RC)"; cat "$WORK/err" >&2; }
expect_rc 1 "a scan with failing targets exits 1"
[ "$(wc -l <"$WORK/out")" -eq "${#targets[@]}" ] && ok || bad "one JSON line per target"
check() { # target, python condition on d (the target's JSON), message
  python3 - "$WORK/out" "$1" "$2" <<'PY' && ok || bad "$1: $3"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
d = [r for r in rows if r["target"] == sys.argv[2]][0]
sys.exit(0 if eval(sys.argv[3]) else 1)
PY
}
check no-such-host.invalid '"cannot resolve" in d.get("error","")' "unresolvable name"
check 127.0.0.1:1 '"cannot connect" in d.get("error","") and "refused" in d["error"]' "refused port"
check "127.0.0.1:$(cat "$WORK/port.silent")" '"no answer" in d.get("error","")' "silent server"
check "127.0.0.1:$(cat "$WORK/port.garbage")" '"does not speak TLS" in d.get("error","")' "garbage"
check "127.0.0.1:$(cat "$WORK/port.midrecord")" '"cuts every answer short: closed after 8 bytes" in d.get("error","")' "mid-record close"
check "127.0.0.1:$(cat "$WORK/port.huge")" '"does not speak TLS" in d.get("error","") and "MSG_TOO_LARGE" in d["error"]' "16 MB message"
check "127.0.0.1:$(cat "$WORK/port.reset")" '"resets every connection" in d.get("error","")' "reset"
# A ServerHello and then a Certificate message that never ends: the suites are accepted,
# the result says what is not known (not certificates: [] and nothing else).
for m in cert_drip cert_huge cert_cut; do
  check "127.0.0.1:$(cat "$WORK/port.$m")" '"error" not in d and d["versions"][4]["accepted"] and d["incomplete"] and any("did not end" in u for u in d["undecided"])' "$m: an unfinished Certificate message is not reported"
done
check "localhost:$good" '"error" not in d and [v for v in d["versions"] if v["version"]=="TLSv1.2"][0]["accepted"] and len(d["certificates"])==1' "the good server next to them"
# Probes time out after 1 s; with the hostile targets in parallel the whole
# run stays far inside the 30 s target limit (a hang guard, not a benchmark).
[ "$elapsed" -lt 60 ] && ok || bad "run took ${elapsed}s"
finish
