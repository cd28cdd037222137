#!/usr/bin/env bash
# Valgrind memcheck over a representative part of the suite, on a build without sanitizers
# (made here once per build directory, only the tlsdiag target): every command on real input,
# scan/connect against s_server, serve answering s_client. No memcheck error and no definite
# or indirect leak may remain (--error-exitcode). The normal test build already runs with
# ASan, UBSan and LeakSanitizer; this catches what they do not (uninitialised reads).
. "$(dirname "$0")/../cli/lib.sh"
command -v valgrind >/dev/null && command -v openssl >/dev/null || exit 77
plain="$TLSD_BUILD/valgrind-build"
if ! cmake -S "$TLSD_SRCDIR" -B "$plain" -DCMAKE_BUILD_TYPE=Debug -DTLSD_SANITIZE=OFF \
     >"$WORK/cmake.log" 2>&1 ||
   ! nice cmake --build "$plain" --target tlsdiag -j "$(nproc)" >>"$WORK/cmake.log" 2>&1; then
  bad "the build without sanitizers failed: $(tail -5 "$WORK/cmake.log")"; finish; exit
fi
BIN="$plain/tlsdiag"
VG=(valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --track-origins=yes)
unset ASAN_OPTIONS UBSAN_OPTIONS
vg() { # vg NAME ARGS...: one command under memcheck
  local name=$1; shift
  timeout 300 "${VG[@]}" "$BIN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
  local rc=$?
  if [ "$rc" -eq 99 ] || grep -q '==[0-9]*== ' "$WORK/$name.err"; then
    bad "memcheck: $name (rc $rc): $(grep '==[0-9]*==' "$WORK/$name.err" | head -12)"
  else ok; fi
}
pcaps="$TLSD_SHARED/pcaps"
vg ciphers-table ciphers 'HIGH:!aNULL'
vg ciphers-ps ciphers --format powershell --filter kx=ECDHE,class=recommended
vg explain explain 36888 40
vg explain-text explain 'SSL routines::unsupported protocol'
vg profiles profiles windows-2025
vg match match --client legacy-printer --server windows-2025
vg match-matrix match --json --clients-from java --servers windows-2019,windows-2025
for f in FlowTest/tls13.pcap FlowTest/tls_version_error.pcap FlowTest/ssl-v2.pcap; do
  [ -f "$pcaps/$f" ] && vg "analyze-$(basename "$f")" analyze --json "$pcaps/$f"
done
[ -f "$pcaps/FlowTest/tls12_alpn.pcap" ] && vg analyze-text analyze "$pcaps/FlowTest/tls12_alpn.pcap"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 \
  -subj /CN=localhost >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
timeout 300 openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/c.pem" -key "$WORK/k.pem" \
  -quiet -naccept 1000 </dev/null >/dev/null 2>&1 &
srv=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
vg scan scan --json --timeout 20 "127.0.0.1:$port"
vg connect connect "127.0.0.1:$port"
vg connect-as connect --as legacy-printer --timeout 10 "127.0.0.1:$port"
kill "$srv" 2>/dev/null

# A given key: generating one under memcheck takes minutes.
timeout 180 "${VG[@]}" "$BIN" serve --profile openssl-3 --port 0 --bind 127.0.0.1 --count 2 \
  --fixes 1 --cert "$WORK/c.pem" --key "$WORK/k.pem" >"$WORK/serve.out" 2>"$WORK/serve.err" &
vpid=$!
sport=""
for _ in $(seq 600); do
  sport=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' "$WORK/serve.err"); [ -n "$sport" ] && break; sleep 0.1
done
for v in -tls1_3 -tls1_2; do
  timeout 30 openssl s_client -connect "127.0.0.1:$sport" "$v" </dev/null >/dev/null 2>&1
done
wait "$vpid"; rc=$?
[ "$rc" -eq 0 ] && ok || bad "serve under memcheck: exit $rc: $(tail -3 "$WORK/serve.err")"
if [ "$rc" -eq 99 ] || grep -q '==[0-9]*== ' "$WORK/serve.err"; then
  bad "memcheck: serve (rc $rc): $(grep '==[0-9]*==' "$WORK/serve.err" | head -12)"
else ok; fi
finish
