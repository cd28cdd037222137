#!/usr/bin/env bash
# Robustness of `tlsdiag serve`: 200 clients at once (serve_storm.py: garbage, hellos cut
# in the middle, silent connections, megabyte floods, real TLS clients). Serve must stay
# up, close every hostile connection within its limits (no connection hangs), complete a
# well-behaved handshake during the storm in reasonable time, complete another one after
# it, keep its memory bounded (VmRSS growth < 100 MB), and refuse clients beyond
# --max-clients at once instead of queueing them. (No time limit is asserted: the time of
# the handshake during the storm is printed.)
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null || exit 77
SERVE_PIDS=()
cleanup() { for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT

# start_serve NAME ARGS...: sets PORT and SPID (the tlsdiag process itself).
start_serve() {
  local name=$1; shift
  timeout 120 "$TLSDIAG" serve --port 0 --bind 127.0.0.1 --jsonl --fixes 0 "$@" \
    >"$WORK/$name.jsonl" 2>"$WORK/$name.err" &
  SERVE_PIDS+=($!)
  PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' "$WORK/$name.err")
    [ -n "$PORT" ] && break; sleep 0.05
  done
  SPID=$(pgrep -P "${SERVE_PIDS[-1]}" | head -1)
  [ -n "$PORT" ] && [ -n "$SPID" ] || bad "$name: serve did not start: $(cat "$WORK/$name.err")"
}
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
handshake() {
  timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -brief </dev/null 2>&1 | grep -q 'CONNECTION ESTABLISHED'
}

hello=$(awk '/^name = testssl-chrome/{f=1} f && /^client_hello = /{print $3; exit}' \
  "$TLSD_SRCDIR/data/profiles/testssl.profiles")
[ -n "$hello" ] && ok || bad "no testssl hello"

# One address sends the whole storm here: --max-per-address is raised with --max-clients so
# that this test sees every kind of client handled (test_serve_slow_storm.sh checks the
# default limits, eviction and the per-address limit).
start_serve storm --profile windows-2025 --max-clients 400 --max-per-address 400 \
  --handshake-timeout 3 --idle-timeout 3
if [ -n "$PORT" ]; then
  handshake && ok || bad "no handshake before the storm"
  rss0=$(rss "$SPID")
  timeout 60 python3 "$(dirname "$0")/serve_storm.py" "$PORT" "$hello" 200 >"$WORK/storm.json" &
  storm=$!
  sleep 0.5
  t0=$(date +%s%N)
  handshake && ok || bad "a well-behaved client failed during the storm"
  ms=$((($(date +%s%N) - t0) / 1000000))
  echo "handshake during the storm: ${ms} ms"
  rss_peak=$(rss "$SPID")
  wait "$storm"; rc=$?
  [ "$rc" -eq 0 ] && ok || bad "storm generator failed (rc $rc)"
  rss1=$(rss "$SPID")
  echo "storm: $(cat "$WORK/storm.json")"
  echo "VmRSS: ${rss0} kB before, ${rss_peak} kB during, ${rss1} kB after"
  kill -0 "$SPID" 2>/dev/null && ok || bad "serve died in the storm: $(tail -5 "$WORK/storm.err")"
  handshake && ok || bad "no handshake after the storm"
  growth=$(( ${rss_peak:-0} > ${rss1:-0} ? ${rss_peak:-0} - ${rss0:-0} : ${rss1:-0} - ${rss0:-0} ))
  [ "$growth" -lt 102400 ] && ok || bad "memory grew by ${growth} kB"
  python3 - "$WORK/storm.json" <<'PY' && ok || bad "storm outcomes wrong"
import json, sys
s = json.load(open(sys.argv[1]))
total = sum(k["n"] for k in s.values())
hung = sum(k.get("hung", 0) for k in s.values())
assert total == 200, total
assert hung == 0, f"{hung} connections hung"
assert s["tls"].get("closed", 0) == s["tls"]["n"], s["tls"]
assert s["tls_idle"].get("closed", 0) == s["tls_idle"]["n"], s["tls_idle"]
for kind in ("tls", "garbage", "mid_hello", "silent", "flood", "tls_idle"):
    assert s.get(kind, {}).get("n", 0) > 0, (kind, "not tried")
PY
  # serve accounted for the hostile ones.
  for want in '"ending":"not_tls"' '"ending_detail":"timeout"' '"ending_detail":"too_large"' '"ending":"success"'; do
    n=$(grep -c "$want" "$WORK/storm.jsonl")
    echo "serve reported $n clients as $want"
    [ "$n" -gt 0 ] && ok || bad "serve reported no $want client"
  done
fi

# Beyond --max-clients, with every slot held by a client that did send its hello (none to
# evict), new clients are reset at once, and served again once the slots are free.
start_serve cap --profile openssl-3 --max-clients 5 --handshake-timeout 2 --idle-timeout 2
if [ -n "$PORT" ]; then
  python3 - "$PORT" <<'PY' >"$WORK/cap.out"
import socket, ssl, sys, time
port = int(sys.argv[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
held = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", port))) for _ in range(5)]
time.sleep(0.3)
refused = 0
for _ in range(5):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(2)
    try:
        refused += s.recv(1) == b""
    except (ConnectionResetError, OSError):
        refused += 1
    s.close()
print(refused)
PY
  [ "$(cat "$WORK/cap.out")" = 5 ] && ok || bad "clients beyond --max-clients not refused: $(cat "$WORK/cap.out")"
  sleep 2.5
  handshake && ok || bad "no handshake once the held connections timed out"
  grep -q '"ending_detail":"over_capacity"' "$WORK/cap.jsonl" && ok || bad "serve did not report over_capacity"
fi
finish
