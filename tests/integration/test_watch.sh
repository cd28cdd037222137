#!/usr/bin/env bash
# `tlsdiag watch` live on lo: started as root with a BPF filter for a free port, it must
# print one failing handshake (client offers only ECDHE-RSA-AES256-GCM in TLS 1.2, the
# server only AES128-SHA there: alert 40) and one successful one (TLS 1.3), as they
# complete, and must no longer run as root once the capture is open (/proc/PID/status).
. "$(dirname "$0")/../cli/lib.sh"
for tool in openssl timeout python3 jq; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: live capture needs root"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK" || exit 3
chmod 755 "$WORK"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout k.pem -out c.pem 2>/dev/null
openssl s_server -accept "127.0.0.1:$port" -www -cert c.pem -key k.pem -cipher AES128-SHA >server.log 2>&1 </dev/null & PIDS+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# LeakSanitizer cannot inspect a process that changed its user (it is no longer
# dumpable); leaks are checked by the analyze tests, which share all the code.
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" timeout 30 "$TLSDIAG" watch -i lo --jsonl --count 2 "tcp port $port" >watch.out 2>watch.err &
WATCH=$!; PIDS+=($WATCH)
for _ in $(seq 100); do grep -q 'capturing on lo' watch.err 2>/dev/null && break; sleep 0.1; done
grep -q 'capturing on lo' watch.err && ok || bad "watch did not start: $(cat watch.err)"
sleep 0.3
TPID=$(pgrep -P "$WATCH" | head -1) # tlsdiag itself, under timeout
uids=$(awk '/^Uid:/{print $2, $3, $4, $5}' "/proc/$TPID/status" 2>/dev/null)
nobody=$(id -u nobody)
[ "$uids" = "$nobody $nobody $nobody $nobody" ] && ok || bad "watch runs with uids [$uids], want $nobody"
gids=$(awk '/^Groups:/{$1=""; print}' "/proc/$TPID/status" | tr -d ' ')
[ -z "$gids" ] && ok || bad "watch keeps supplementary groups [$gids]"

timeout 5 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 </dev/null >/dev/null 2>&1
timeout 5 openssl s_client -connect "127.0.0.1:$port" -tls1_3 </dev/null >/dev/null 2>&1
wait "$WATCH"; rc=$?
[ "$rc" -eq 0 ] && ok || bad "watch exit $rc: $(head -c 400 watch.err)"
[ "$(wc -l <watch.out)" -eq 2 ] && ok || bad "watch printed $(wc -l <watch.out) lines, want 2"
outcomes=$(jq -r '.outcome' watch.out | sort | tr '\n' ' ')
[ "$outcomes" = "server_alert success " ] && ok || bad "outcomes [$outcomes]"
jq -s -e 'map(select(.outcome == "server_alert"))[0].diagnosis.causes[0].id == "no-common-cipher"' watch.out >/dev/null && ok || bad "failure not explained: $(cat watch.out)"

# Text output, stopped by SIGINT: still prints what it saw, then the summary.
timeout 30 "$TLSDIAG" watch -i lo --no-color "tcp port $port" >text.out 2>text.err &
W2=$!; PIDS+=($W2)
for _ in $(seq 100); do grep -q 'capturing on lo' text.err 2>/dev/null && break; sleep 0.1; done
timeout 5 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 </dev/null >/dev/null 2>&1
# the signal once the connection is printed (a loaded machine may take a while to read it)
for _ in $(seq 100); do grep -q 'outcome' text.out 2>/dev/null && break; sleep 0.1; done
kill -INT "$W2"; wait "$W2"
grep -q 'outcome  FAILED: the server refused with a fatal alert' text.out && ok || bad "text: $(head -c 300 text.out)"
grep -q '^Summary: 1 connection with TLS' text.out && ok || bad "text summary: $(tail -5 text.out)"
run watch
expect_rc 2 "watch without -i"
run watch -i nosuch0 port 1
expect_rc 3 "watch on a missing interface"
finish
