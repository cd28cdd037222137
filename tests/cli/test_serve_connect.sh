#!/usr/bin/env bash
# serve and connect end to end on loopback: usage errors, --record-only, a given
# certificate verified by connect --cafile, the start-up list of suites the local OpenSSL
# cannot serve (and the disagreement it causes, reported as such), the legacy printer
# refused by a Windows profile with a reset, connect to a closed port, --json shapes.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || exit 77
wait_lines() { for _ in $(seq 100); do [ "$(wc -l <"$1")" -ge "$2" ] && return; sleep 0.05; done; }

run serve; expect_rc 2 "serve without --profile"
run serve --profile nosuchprofile; expect_rc 3 "serve with an unknown profile"
run serve --profile windows-2025 --json --jsonl; expect_rc 2 "serve --json --jsonl"
run connect; expect_rc 2 "connect without a host"
run connect 127.0.0.1 --server windows-2025; expect_rc 2 "connect --server without --as"
run connect 127.0.0.1:443 --as nosuchprofile; expect_rc 3 "connect --as unknown"
run connect 127.0.0.1:1 --timeout 2; expect_rc 1 "connect to a closed port"
expect_grep 'the TCP connection was refused \(a reset answered the SYN\).*\[tcp_refused\]' "$(tr -s ' \n' ' ' <<<"$OUT")" "closed port explained"

# --record-only: the client gets handshake_failure, the hello is kept and match reads it.
start_serve rec --profile windows-2022 --record-only --jsonl --count 1
timeout 10 openssl s_client -connect "127.0.0.1:$PORT" </dev/null >"$WORK/rec.client" 2>&1
expect_grep 'alert handshake failure|sslv3 alert handshake' "$(cat "$WORK/rec.client")" "record-only alert seen by s_client"
wait_lines "$WORK/rec.out" 1
rec=$(cat "$WORK/rec.out")
expect_grep '"ending":"server_alert","ending_detail":"recorded"' "$rec" "record-only report"
hex=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["offered"]["hello_hex"])' <<<"$rec")
run match --client "hex:$hex" --server windows-2022 --json --fixes 0
expect_rc 0 "match on the recorded hello"
expect_grep '"ok": true' "$OUT" "the recorded s_client hello would connect to windows-2022"

# A given certificate; connect verifies it with --cafile and checks the name.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/k.pem" \
  -out "$WORK/c.pem" -days 2 -subj /CN=print.example.test \
  -addext subjectAltName=DNS:print.example.test 2>/dev/null
start_serve cert --profile openssl-3 --cert "$WORK/c.pem" --key "$WORK/k.pem" --jsonl
expect_grep "certificate: from $WORK/c.pem" "$(cat "$WORK/cert.err")" "serve names the given certificate"
run connect "127.0.0.1:$PORT" --sni print.example.test --cafile "$WORK/c.pem" --json
expect_rc 0 "connect with --cafile"
expect_grep '"trusted": true' "$OUT" "chain trusted with --cafile"
expect_grep '"name_matches": true' "$OUT" "name matches"
expect_grep '"key_type": "EC"' "$OUT" "ECDSA certificate reported"
run connect "127.0.0.1:$PORT" --sni other.example.test
expect_rc 1 "a chain that does not verify for the name is a failure (exit 1)"
expect_grep 'NOT trusted' "$OUT" "untrusted without --cafile"
expect_grep 'does NOT match' "$OUT" "name mismatch reported"
run connect "127.0.0.1:$PORT" --sni other.example.test --cafile "$WORK/c.pem"
expect_rc 1 "trusted but for another name: exit 1"
run connect "127.0.0.1:$PORT" --sni other.example.test --no-verify
expect_rc 0 "--no-verify: the handshake completing is enough"
expect_grep 'does NOT match' "$OUT" "--no-verify still reports the mismatch"

# Suites the local OpenSSL cannot serve are listed, and a client needing them shows the
# disagreement between the model (accepts) and reality (refused).
start_serve legacy --profile 'list:TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_RSA_WITH_AES_128_CBC_SHA' --jsonl
if openssl ciphers 'DES-CBC3-SHA:@SECLEVEL=0' >/dev/null 2>&1; then
  echo "local OpenSSL has 3DES: the unservable check does not apply"
else
  expect_grep 'cannot serve 1 of the profile' "$(cat "$WORK/legacy.err")" "unservable suites announced"
  expect_grep 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' "$(cat "$WORK/legacy.err")" "3DES listed"
  run connect "127.0.0.1:$PORT" --as legacy-printer --server 'list:TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_RSA_WITH_AES_128_CBC_SHA'
  expect_rc 1 "legacy printer refused by the local OpenSSL"
  expect_grep 'DISAGREE' "$OUT" "connect shows the model/reality disagreement"
  wait_lines "$WORK/legacy.out" 1
  expect_grep '"agree":false' "$(cat "$WORK/legacy.out")" "serve reports the disagreement"
fi

# The legacy printer against Windows Server 2025: reset, explained, as predicted.
start_serve win --profile windows-2025 --json --count 2
run connect "127.0.0.1:$PORT" --as legacy-printer --server windows-2025 --json
expect_rc 1 "legacy printer refused"
expect_grep '"ending": "reset_after_client_hello"' "$OUT" "refused by a reset"
expect_grep '"agree": true' "$OUT" "as the model predicts"
expect_grep '"key": "status:' "$OUT" "the reset explained"
run connect "127.0.0.1:$PORT" --as testssl-chrome-101-win10 --server windows-2025
expect_rc 0 "a modern client gets a ServerHello"
expect_grep 'agree' "$OUT" "modern client agrees"
for _ in $(seq 100); do kill -0 "${SERVE_PIDS[-1]}" 2>/dev/null || break; sleep 0.05; done
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
ends = [(c["ending"], c["ending_detail"]) for c in a]
assert ends == [("reset_after_client_hello", "reset"), ("aborted", "closed")], ends
assert a[0]["real"]["reset"] and a[0]["agree"] and a[1]["agree"]
assert a[1]["real"]["suite_code"] == a[1]["predicted"]["suite_code"]
' "$WORK/win.out" && ok || bad "serve --json --count 2: $(head -c 300 "$WORK/win.out")"

# STARTTLS (SMTP and IMAP servers of the scan tests): the local OpenSSL's handshake and a
# --as hello both go through the plain-text dialogue first.
for proto in smtp imap; do
  python3 "$TLSD_SRCDIR/tests/integration/starttls_server.py" "$proto" "$WORK/c.pem" "$WORK/k.pem" \
    "$WORK/port.$proto" & SERVE_PIDS+=($!)
  for _ in $(seq 100); do [ -s "$WORK/port.$proto" ] && break; sleep 0.05; done
  sp=$(cat "$WORK/port.$proto")
  run connect "127.0.0.1:$sp" --starttls "$proto" --sni print.example.test --cafile "$WORK/c.pem" --timeout 5
  expect_rc 0 "connect --starttls $proto"
  expect_grep 'Verification: trusted' "$OUT" "$proto: chain verified through STARTTLS"
  run connect "127.0.0.1:$sp" --starttls "$proto" --as testssl-firefox-100-win10 --timeout 5
  expect_rc 0 "connect --starttls $proto --as"
  expect_grep 'Result: handshake succeeds: TLSv1.3' "$OUT" "$proto: ServerHello for the --as hello"
done
# Text output: a disagreement says why on that client's lines, and serve prints a summary
# when it stops (clients, outcomes, agreement, the distinct hellos).
start_serve summary --profile windows-8.1 --count 3
if [ -n "$PORT" ]; then
  run connect --as legacy-printer --no-verify "127.0.0.1:$PORT"
  run connect --no-verify "127.0.0.1:$PORT"
  run connect --no-verify "127.0.0.1:$PORT"
  for _ in $(seq 100); do grep -q '^Summary' "$WORK/summary.out" && break; sleep 0.05; done
  sum=$(cat "$WORK/summary.out")
  expect_grep 'DISAGREE: the local OpenSSL cannot serve TLS_RSA_WITH_3DES_EDE_CBC_SHA, which the real server would choose' \
    "$(tr '\n' ' ' <<<"$sum" | sed 's/  */ /g')" "the disagreement says why"
  expect_grep '^Summary: 3 clients$' "$sum" "summary: clients seen"
  expect_grep '^  outcomes: success 2, reset_after_client_hello 1$' "$sum" "summary: outcomes"
  expect_grep '^  the model and the real handshake: 2 agree, 1 disagree$' "$sum" "summary: agreement"
  expect_grep '^  distinct hellos: 2$' "$sum" "summary: distinct hellos"
  expect_grep '^    JA4 t13[^ ]*  2 clients, first 127\.0\.0\.1:' "$sum" "summary: a hello sent twice"
fi
finish
