#!/usr/bin/env bash
# connect exits 1 when the certificate does not verify or is not for the name (a real
# client would refuse), unless --no-verify; a real openssl s_server on loopback.
. "$(dirname "$0")/lib.sh"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
timeout 300 openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/c.pem" -key "$WORK/k.pem" \
  -quiet </dev/null >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
run connect "127.0.0.1:$port"; expect_rc 1 "self-signed certificate"
expect_grep 'not trusted|NOT|untrusted|self' "$OUT" "says the certificate does not verify"
run connect --json "127.0.0.1:$port"; expect_rc 1 "self-signed certificate, JSON"
# Certificate dates in JSON: Unix times and the same as RFC 3339 UTC.
want=$(date -u -d "$(openssl x509 -in "$WORK/c.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
got=$(jq -r '.chain[0] | "\(.not_after_time) \(.not_after | todate)"' <<<"$OUT")
[ "$got" = "$want $want" ] && ok || bad "connect JSON not_after_time: [$got], want $want"
# (a loaded machine can make a probe of the single-threaded s_server time out: up to 3 tries)
found=no
for _ in 1 2 3; do
  "$TLSDIAG" scan --json "127.0.0.1:$port" 2>/dev/null >"$WORK/scan.json"
  grep -q "\"not_after_time\": \"$want\"" "$WORK/scan.json" && { found=yes; break; }
done
[ "$found" = yes ] && ok || bad "scan JSON not_after_time: $(grep -o '"not_after[^,]*' "$WORK/scan.json" | head -2)"
run connect --no-verify "127.0.0.1:$port"; expect_rc 0 "--no-verify"
run connect --cafile "$WORK/c.pem" "localhost:$port"; expect_rc 0 "trusted and the name matches"
run connect --cafile "$WORK/c.pem" "127.0.0.1:$port"; expect_rc 1 "trusted, name does not match"
expect_grep 'does NOT match' "$OUT" "says the name does not match"
run connect --cafile "$WORK/c.pem" --sni other.example "127.0.0.1:$port"
expect_rc 1 "SNI names another host"
finish
