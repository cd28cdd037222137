#!/usr/bin/env bash
# A fleet is scanned a few targets at a time (issue 20): each target's time limit starts
# when its own scan does. 60 targets of one openssl s_server with one probe in flight
# (--concurrency 1) take about 60 times one target's scan, far longer than the 3 s
# --target-timeout; each target alone takes a fraction of a second. Every target must be
# scanned completely and alike (when all started at once, every timer ran from the start
# and the later targets ended at their limit with the results "incomplete"). A SIGINT in
# the middle tells the targets never started that they were not scanned.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/loopback.sh" # free_port, wait_port
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/k.pem" \
  -out "$WORK/c.pem" -days 2 -subj /CN=localhost >/dev/null 2>&1
port=$(free_port)
openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/c.pem" -key "$WORK/k.pem" -quiet \
  </dev/null >/dev/null 2>&1 & pids+=($!)
wait_port "$port" || { bad "s_server did not start"; finish; exit; }

n=60
for _ in $(seq $n); do echo "127.0.0.1:$port"; done >"$WORK/fleet.txt"
timeout 600 "$TLSDIAG" scan --jsonl -q --concurrency 1 --target-timeout 3s -iL "$WORK/fleet.txt" \
  >"$WORK/fleet.jsonl" 2>"$WORK/fleet.err"
rc=$?
[ "$rc" = 0 ] && ok || bad "scan of $n targets: exit $rc: $(head -3 "$WORK/fleet.err")"
python3 - "$WORK/fleet.jsonl" "$n" <<'PY' && ok || bad "the $n targets were not all scanned completely and alike"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == int(sys.argv[2]), len(rows)
cut = [r["target"] for r in rows if r.get("error") or r.get("incomplete")]
assert not cut, "%d cut short, e.g. %s" % (len(cut), [r.get("error") for r in rows if r.get("error")][:1])
def facts(r):
    return json.dumps({k: r.get(k) for k in ("versions", "groups", "certificates")}, sort_keys=True)
assert len({facts(r) for r in rows}) == 1, "targets differ"
PY

# A target's time limit is its own time: not the time its probes waited for a slot held by
# other targets' slow probes. Six silent listeners (connected, never answered) come first
# in the list and hold the 4 slots of --concurrency 4 for their 1 s probe limits (about 18 s
# in all); the TLS target after them needs a fraction of a second and must be scanned
# completely within its 5 s --target-timeout (it was cut at its limit, "incomplete").
# A target that is slow itself is still cut: see test_scan_hostile's drip peers.
SERVE_PIDS=()
sport=$(free_port)
if start_silent 120 "$sport" 77 6; then
  for i in $(seq 6); do echo "127.0.77.$i:$sport"; done >"$WORK/starve.txt"
  echo "127.0.0.1:$port" >>"$WORK/starve.txt"
  timeout 300 "$TLSDIAG" scan --jsonl -q --concurrency 4 --timeout 1s --target-timeout 5s \
    -iL "$WORK/starve.txt" >"$WORK/starve.jsonl" 2>"$WORK/starve.err"
  python3 - "$WORK/starve.jsonl" "$WORK/fleet.jsonl" <<'PY' && ok || bad "a target was cut by the time it waited for slots"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 7, len(rows)
tls = [r for r in rows if r["host"] == "127.0.0.1"][0]
assert not tls.get("error") and not tls.get("incomplete"), tls.get("error")
assert all("no answer" in (r.get("error") or "") for r in rows if r["host"] != "127.0.0.1")
one = json.loads(open(sys.argv[2]).readline())
assert tls["versions"] == one["versions"] and tls["certificates"] == one["certificates"]
PY
else
  bad "silent listeners did not start: $(cat "$WORK/silent.out")"
fi
kill "${SERVE_PIDS[@]}" 2>/dev/null

# Interrupted: targets never started are reported as such, one line each, exit 130.
timeout 600 "$TLSDIAG" scan --jsonl -q --concurrency 1 -iL "$WORK/fleet.txt" \
  >"$WORK/int.jsonl" 2>"$WORK/int.err" & spid=$!
for _ in $(seq 100); do [ -s "$WORK/int.jsonl" ] && break; sleep 0.05; done
kill -INT "$spid"; wait "$spid"; rc=$?
[ "$rc" = 130 ] && ok || bad "interrupted scan: exit $rc, want 130 (interrupted): $(head -3 "$WORK/int.err")"
python3 - "$WORK/int.jsonl" "$n" <<'PY' && ok || bad "interrupted: not one line per target with why"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == int(sys.argv[2]), len(rows)
never = [r for r in rows if "before the scan of this target began" in (r.get("error") or "")]
assert never, "no target reported as never started"
PY
finish
