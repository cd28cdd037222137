#!/usr/bin/env bash
# A server that limits the connections one address may hold open (here 28, between the 16
# probes a scan has in flight and the 32 it holds once it opens connections ahead of need,
# lib/scan/scan_sched.c) resets the connections past its limit: the scan gives the same
# answers as without the limit, complete, exit 0, never a refusal, an undecided item or a
# "flaky" server from its own idle connections. The server is `tlsdiag serve` with the
# Windows Server 2025 profile (it refuses with a reset, as Schannel does: the hardest case,
# since a reset is also its real answer), behind tests/integration/fault_proxy.py in mode
# limit:28:MS, whose held hellos (MS ms) make the answers slow enough for connections ahead.
# Each scan is checked against the direct one, field by field (statistics aside). Below the
# 16 probes in flight (a limit of 8) the scan is incomplete and names a lower --per-target,
# which then gives the direct scan's answers: advice that comes true.
. "$(dirname "$0")/../cli/lib.sh"
proxy_py=$(dirname "$0")/fault_proxy.py
pids=() # serve and the proxies, stopped at the end
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

: >"$WORK/serve.err"
# serve's own limit per address (32) lifted: the proxy's is the one under test, and a loaded
# serve counts the proxy's closed connections a while longer.
timeout 600 "$TLSDIAG" serve --profile windows-2025 --port 0 --bind 127.0.0.1 --fixes 0 \
  --max-per-address 512 --max-clients 1024 \
  >/dev/null 2>"$WORK/serve.err" & pids+=($!)
srv=""
for _ in $(seq 600); do # a loaded machine generates keys slowly
  srv=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' "$WORK/serve.err"); [ -n "$srv" ] && break; sleep 0.05
done
[ -n "$srv" ] || { bad "serve did not start: $(head -3 "$WORK/serve.err")"; finish; exit; }

scan() { # NAME PORT: scan --json into $WORK/NAME.json, RC
  timeout 300 "$TLSDIAG" scan --json -q "127.0.0.1:$2" >"$WORK/$1.json" 2>"$WORK/$1.err"
  RC=$?
  [ "$RC" -lt 86 ] || { bad "$1: crash or sanitizer report (rc=$RC)"; sed -n 1,20p "$WORK/$1.err" >&2; }
}
same() { # FILE: every field of the scan in FILE but the statistics equals the direct scan's
  python3 - "$WORK/direct.json" "$1" <<'PY'
import json, sys
def facts(path):
    t = json.load(open(path))["targets"][0]
    for k in ("target", "port", "address", "stats", "probes_retried", "resets_confirmed"):
        t.pop(k, None)
    return t
d, x = facts(sys.argv[1]), facts(sys.argv[2])
diff = sorted(k for k in set(d) | set(x) if d.get(k) != x.get(k))
for k in diff[:6]:
    print("%s: direct %s, limited %s" % (k, json.dumps(d.get(k))[:300], json.dumps(x.get(k))[:300]))
sys.exit(1 if diff else 0)
PY
}
scan direct "$srv"
[ "$RC" = 0 ] && ok || bad "direct scan of serve: exit $RC: $(head -3 "$WORK/direct.err")"

for ms in 40 80; do
  rm -f "$WORK/port.$ms"
  python3 "$proxy_py" "limit:28:$ms" "$srv" "$WORK/port.$ms" & pids+=($!)
  for _ in $(seq 100); do [ -s "$WORK/port.$ms" ] && break; sleep 0.1; done
  for run in 1 2; do
    scan "limit$ms.$run" "$(cat "$WORK/port.$ms")"
    [ "$RC" = 0 ] && ok || bad "limit 28, answers $ms ms late, run $run: exit $RC"
    same "$WORK/limit$ms.$run.json" && ok || bad "limit 28, answers $ms ms late, run $run: not the direct scan's answers"
  done
done

# Below the 16 probes in flight (a limit of 8): the scan cannot tell the server's resets from
# its refusals and says so (incomplete, exit 1), with a lower --per-target to try; scanned
# again with it, the answers are the direct scan's, complete.
rm -f "$WORK/port.8"
python3 "$proxy_py" "limit:8:40" "$srv" "$WORK/port.8" & pids+=($!)
for _ in $(seq 100); do [ -s "$WORK/port.8" ] && break; sleep 0.1; done
scan limit8 "$(cat "$WORK/port.8")"
[ "$RC" = 1 ] && ok || bad "limit 8: exit $RC, want 1 (incomplete)"
fewer=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"][0]; print(t["suggested_per_target"] if t["incomplete"] else "complete")' "$WORK/limit8.json")
[[ "$fewer" =~ ^[0-9]+$ ]] && [ "$fewer" -lt 16 ] && ok || bad "limit 8: no lower --per-target suggested ($fewer)"
text=$(COLUMNS=80 timeout 300 "$TLSDIAG" scan "127.0.0.1:$(cat "$WORK/port.8")" 2>&1)
expect_grep "Scan again with fewer at once: --per-target $fewer" "$(tr -s ' \n' ' ' <<<"$text")" "limit 8: the text names the option"
timeout 300 "$TLSDIAG" scan --json -q --per-target "${fewer:-1}" "127.0.0.1:$(cat "$WORK/port.8")" \
  >"$WORK/limit8.again.json" 2>/dev/null
RC=$?
[ "$RC" = 0 ] && ok || bad "limit 8 with --per-target $fewer: exit $RC"
same "$WORK/limit8.again.json" && ok || bad "limit 8 with --per-target $fewer: not the direct scan's answers"
finish
