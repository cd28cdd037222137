#!/usr/bin/env bash
# tlsdiag.exe under Wine on the network, against real peers on loopback run on Linux:
# scan and connect report what the Linux build reports on the same OpenSSL servers; serve
# under Wine answers a Linux openssl s_client as the Linux serve does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../integration/servers.sh"

# JSON without what differs from one run to the next (probe counts and times, the
# client's own port, the client's hello bytes: its random and key shares).
norm() { python3 -c '
import json, sys
VOLATILE = {"stats", "seconds", "peer", "bytes_in", "bytes_out", "hello_hex"}
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in VOLATILE}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
print(json.dumps(strip(json.loads(sys.stdin.read() or "null")), indent=1, sort_keys=True))'; }

# same_json WHAT CMD...: both builds' JSON are equal once normalised.
same_json() {
  local what=$1; shift
  run "$@"; wrun "$@"
  local a b
  a=$(norm <<<"$OUT"); b=$(norm <<<"$WOUT")
  if [ "$RC" != "$WRC" ]; then bad "$what: exit $RC on Linux, $WRC under Wine (${WERR:0:300})"
  elif [ -z "$a" ] || [ "$a" = null ]; then bad "$what: no JSON from the Linux build"
  elif [ "$a" != "$b" ]; then bad "$what: JSON differs"; diff <(echo "$a") <(echo "$b") | head -20 >&2
  else ok; fi
}

# Three servers: TLS 1.2+1.3 RSA in server order, TLS 1.0-1.2 ECDSA in client order,
# TLS 1.3 only.
openssl_server mixed rsa 'ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:AES128-SHA' "$T13" TLSv1.2 TLSv1.3 "$G" server
openssl_server legacy ec 'ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0' "$T13" TLSv1 TLSv1.2 P-256:P-384 client
openssl_server only13 rsa 'AES128-SHA' TLS_AES_128_GCM_SHA256 TLSv1.3 TLSv1.3 X25519 server
for name in mixed legacy only13; do
  port=$(sed -n 's/^127\.0\.0\.1://p' "$WORK/$name.args")
  cert=$(grep -A1 -x -- -cert "$WORK/$name.args" | tail -n 1)
  [ -n "$port" ] && ok || bad "$name: no port"
  same_json "scan $name" scan -q --json --cafile "$cert" "127.0.0.1:$port"
  same_json "connect $name" connect --json --cafile "$cert" "127.0.0.1:$port"
  same_json "connect --as windows-7 $name" connect --json --as windows-7 "127.0.0.1:$port"
  same_json "connect --as legacy-printer $name" connect --json --as legacy-printer "127.0.0.1:$port"
done
# Nothing listening: the same answer, not a hang or a crash.
closed=$(free_port)
same_json "connect to a closed port" connect --json --timeout 3 "127.0.0.1:$closed"

# serve under Wine (and on Linux) answering openssl s_client: the client's handshake
# succeeds with the profile's choice, and both builds record the same.
# serve_once BIN...: serves one client as windows-2022 and prints its JSON record.
serve_once() {
  local port; port=$(free_port)
  "$@" serve --profile windows-2022 --bind 127.0.0.1 --port "$port" --count 1 --json \
    >"$WORK/serve.out" 2>"$WORK/serve.err" </dev/null &
  local pid=$!
  PIDS+=($pid)
  # Ready once it says so (a probe connection would be its one client).
  for _ in $(seq 600); do
    grep -q 'listening on' "$WORK/serve.err" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q 'listening on' "$WORK/serve.err"; then
    bad "serve via $1: not listening on $port ($(head -c 300 "$WORK/serve.err"))"
    return
  fi
  timeout 20 openssl s_client -connect "127.0.0.1:$port" -brief </dev/null >"$WORK/sc.out" 2>&1
  grep -q 'CONNECTION ESTABLISHED' "$WORK/sc.out" && grep -q 'Protocol version: TLSv1.3' "$WORK/sc.out" &&
    ok || bad "s_client against serve via $1: $(head -c 300 "$WORK/sc.out")"
  wait "$pid" || bad "serve via $1 exited with $?"
  tr -d '\r' <"$WORK/serve.out" | norm
}
linux=$(serve_once "$TLSDIAG")
wine=$(serve_once "$WINE" "$TLSD_WINEXE")
expect_grep '"ending": "success"' "$wine" "serve under Wine: handshake ok"
expect_grep '"agree": true' "$wine" "serve under Wine: prediction agrees"
[ -n "$linux" ] && [ "$linux" = "$wine" ] && ok ||
  { bad "serve records differ"; diff <(echo "$linux") <(echo "$wine") | head -20 >&2; }

# watch on Windows: no live capture; it says so and how to capture with pktmon instead.
wrun watch -i eth0 port 443
[ "$WRC" -eq 3 ] && ok || bad "watch under Wine: exit $WRC, want 3"
expect_grep 'pktmon etl2pcap' "$WERR" "watch under Wine points to pktmon"
wrun watch --help
[ "$WRC" -eq 0 ] && ok || bad "watch --help under Wine: exit $WRC"
finish
