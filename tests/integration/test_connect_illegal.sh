#!/usr/bin/env bash
# `connect --as` judges the server's answer as a real client does: a ServerHello that chose a
# version, suite or key share group the hello never offered (or an HRR asking for a share the
# hello already sent) is an illegal answer (exit 1, ending client_alert with detail illegal_answer, the reason named),
# never "handshake succeeds". A legal answer to the same hello still succeeds. And the
# certificate names a server sends (here a subjectAltName with an ESC sequence and a byte that
# is not UTF-8) reach neither connect's nor scan's output raw; their JSON stays valid UTF-8.
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null || exit 77
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT

start() { # start MODE: sets PORT
  python3 "$(dirname "$0")/illegal_server.py" "$1" "$WORK/$1.port" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$WORK/$1.port" ] && break; sleep 0.05; done
  PORT=$(cat "$WORK/$1.port")
}

# legacy-printer offers TLS 1.0 only, RSA suites with 3DES/RC4; testssl-chrome-101 offers
# TLS 1.3 with an x25519 key share.
for case in "legal legacy-printer 0" "suite legacy-printer 1" "version legacy-printer 1" \
            "keyshare testssl-chrome-101-win10 1" "hrr_sent testssl-chrome-101-win10 1"; do
  read -r mode client want <<<"$case"
  start "$mode"
  run connect "127.0.0.1:$PORT" --as "$client" --timeout 4
  expect_rc "$want" "connect --as $client vs a server answering '$mode'"
  if [ "$want" = 0 ]; then
    expect_grep 'Result: handshake succeeds' "$OUT" "$mode: a legal answer succeeds"
  else
    expect_grep 'answered illegally' "$OUT" "$mode: called illegal"
    expect_grep 'illegal_parameter' "$OUT" "$mode: what a real client does"
    run connect "127.0.0.1:$PORT" --as "$client" --timeout 4 --json
    expect_grep '"ending_detail": "illegal_answer"' "$OUT" "$mode: JSON detail"
  fi
done
run connect "127.0.0.1:$(cat "$WORK/suite.port")" --as legacy-printer --timeout 4
expect_grep 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 \(0xC02F\), which the hello did not offer' "$OUT" "the suite is named"
run connect "127.0.0.1:$(cat "$WORK/version.port")" --as legacy-printer --timeout 4
expect_grep 'chose TLSv1.2, which the hello did not offer' "$OUT" "the version is named"

# An ALPN protocol from the network (the ServerHello read by tlsdiag's own parser) reaches
# neither the text nor the JSON raw.
start alpn
for fmt in "" --json; do
  # shellcheck disable=SC2086
  run connect $fmt --as legacy-printer --timeout 4 "127.0.0.1:$PORT"
  expect_rc 0 "connect --as $fmt: a legal answer with a hostile ALPN"
  if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/out"; then
    bad "connect --as $fmt: a control character from the ALPN reached the output"
  else ok; fi
  expect_grep '\\?\\x1B\[2Jh\\?\\xFF2' "$OUT" "connect --as $fmt shows the ALPN escaped"
done
python3 -c 'import sys,json; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$WORK/out" \
  && ok || bad "connect --as --json with a hostile ALPN: not valid UTF-8 JSON"

# Certificate names from the network, through connect and scan.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/e.key" \
  -out "$WORK/e.pem" -days 2 -subj "/CN=evil" \
  -addext "subjectAltName=DNS:a$(printf '\033')[2Jb.example,DNS:caf$(printf '\351').example" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
timeout 120 openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/e.pem" -key "$WORK/e.key" \
  -quiet -naccept 2000 </dev/null >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
for cmd in connect scan; do
  for fmt in "" --json; do
    # shellcheck disable=SC2086
    run $cmd $fmt "127.0.0.1:$port"
    if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/out"; then
      bad "$cmd $fmt: a control character from the certificate reached the output"
    else ok; fi
    if [ -n "$fmt" ]; then
      python3 -c 'import sys,json; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$WORK/out" \
        && ok || bad "$cmd --json: not valid UTF-8 JSON: $(head -c 300 "$WORK/out") $(head -c 300 "$WORK/err")"
    fi
    # connect's text report does not list the names; its JSON and scan's reports do.
    [ "$cmd$fmt" = connect ] ||
      expect_grep 'a\\\\?x1B\[2Jb\.example' "$OUT" "$cmd $fmt shows the escaped name"
  done
done
finish
