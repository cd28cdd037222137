#!/usr/bin/env bash
# A time limit is judged after one more look at the socket, in the blocking code too
# (connect, on its own thread): a process held past its limit (here stopped by SIGSTOP, as a
# loaded machine or a suspended terminal can hold it) while the server's answer came in
# time must read that answer, not report "no answer". The answer comes through
# bench/delay_proxy.py 300 ms after the hello; connect is stopped before it comes and
# continued after its 2 s limit has passed.
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null || exit 77
top=$(cd "$(dirname "$0")/../.." && pwd)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/k.pem" \
  -out "$WORK/c.pem" -days 2 -subj /CN=localhost >/dev/null 2>&1
srv=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
openssl s_server -accept "$srv" -cert "$WORK/c.pem" -key "$WORK/k.pem" -quiet -naccept 100 \
  </dev/null >/dev/null 2>&1 & pids+=($!)
python3 "$top/bench/delay_proxy.py" 0 "$srv" 150 "$WORK/proxy.port" 2>"$WORK/proxy.err" &
proxy=$!; pids+=($proxy)
for _ in $(seq 100); do
  [ -s "$WORK/proxy.port" ] && (exec 3<>/dev/tcp/127.0.0.1/$srv) 2>/dev/null && break
  sleep 0.1
done
port=$(cat "$WORK/proxy.port")
# what the proxy has seen: "connections" accepted or "client-bytes" read from clients (it
# prints both on SIGUSR1)
seen() {
  kill -USR1 "$proxy"; sleep 0.02
  sed -n "s/^$1 //p" "$WORK/proxy.err" | tail -1
}
before=$(seen client-bytes)
"$TLSDIAG" connect "127.0.0.1:$port" --no-verify --timeout 2 >"$WORK/out" 2>"$WORK/err" &
tool=$!
# stopped once the proxy has read its hello, before the answer (150 ms later at the earliest);
# stopped before the hello had gone out (a slow start on a loaded machine), it could not be
# answered in time and "no answer" would be true
sent=
for _ in $(seq 1000); do
  [ "$(seen client-bytes)" != "$before" ] && { sent=1; break; }
  sleep 0.005
done
kill -STOP "$tool"
sleep 3
kill -CONT "$tool"
wait "$tool"; RC=$?
[ -n "$sent" ] || bad "the proxy never read the hello"
OUT=$(cat "$WORK/out"); ERR=$(cat "$WORK/err")
expect_rc 0 "connect held past its limit with the answer in the socket"
expect_grep 'handshake succeeds' "$OUT" "the answer that came in time is read"
if grep -q 'no answer' <<<"$OUT"; then bad "a false 'no answer': $OUT"; else ok; fi
finish
