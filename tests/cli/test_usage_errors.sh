#!/usr/bin/env bash
# Bad values are told, never silently turned into an empty or different answer: a filter
# value no suite has (a typo) is an error naming the known values; a --sni longer than a
# server_name can carry is a usage error (OpenSSL would silently send none); a --cafile that
# cannot be read is an error, not "the system store".
. "$(dirname "$0")/lib.sh"

for f in kx=BOGUS auth=RSAA cert=rsa2 mac=SHA999 cipher=AES512 status=ietf 'kx=ECDHE|ECDHEE'; do
  run ciphers --filter "$f"
  expect_rc 2 "ciphers --filter $f"
  expect_grep "unknown ${f%%=*} '" "$ERR" "ciphers --filter $f names the bad value"
  expect_grep 'known:' "$ERR" "ciphers --filter $f lists the known values"
done
# Real values still filter (case-insensitive, alternatives, substrings for the cipher).
run ciphers -o hex --filter 'kx=ecdhe|DHE,cipher=chacha'
expect_rc 0 "good filter"; expect_grep '^0xCCA8$' "$OUT" "good filter finds CCA8"

long=$(printf 'a%.0s' $(seq 256))
run connect --sni "$long" 127.0.0.1:1
expect_rc 2 "connect --sni of 256 bytes"; expect_grep 'server_name holds 1 to 255' "$ERR" "says the limit"
run connect --sni "" 127.0.0.1:1
expect_rc 2 "connect --sni empty"
run connect --cafile "$WORK/none.pem" 127.0.0.1:1
expect_rc 3 "connect --cafile unreadable"; expect_grep 'none.pem: No such file' "$ERR" "names the file"
run scan --sni "$long" 127.0.0.1:1
expect_rc 2 "scan --sni of 256 bytes"; expect_grep 'server_name holds 1 to 255' "$ERR" "scan says the limit"
run scan --cafile "$WORK/none.pem" 127.0.0.1:1
expect_rc 3 "scan --cafile unreadable"; expect_grep 'none.pem: No such file' "$ERR" "scan names the file"
# A mistyped profile name: the nearest built-in one is suggested.
run profiles win2022; expect_rc 1 "profiles win2022"
expect_grep "did you mean 'windows-2022'" "$ERR" "win2022 suggests windows-2022"
run match --client legacy-printr --server windows-2025
expect_grep "did you mean 'legacy-printer'" "$ERR" "legacy-printr suggests legacy-printer"
run profiles xyzzy; expect_rc 1 "profiles xyzzy"
if grep -q 'did you mean' <<<"$ERR"; then bad "xyzzy got a suggestion: $ERR"; else ok; fi
# scan -iL: a list saved on Windows (CRLF) gives the same targets, no CR in a name.
printf '127.0.0.1:1\r\n\r\n127.0.0.1:2\r\n' >"$WORK/crlf.txt"
run scan -iL "$WORK/crlf.txt" --timeout 1000
expect_grep '^127\.0\.0\.1:1  \(127\.0\.0\.1:1\)$' "$OUT" "scan -iL: CR stripped"
expect_grep '^127\.0\.0\.1:2  \(127\.0\.0\.1:2\)$' "$OUT" "scan -iL: second target"
if grep -q $'\r' <<<"$OUT$ERR"; then bad "scan -iL kept a CR"; else ok; fi
# --fixes N: a number, not silently 0.
run match --client legacy-printer --server windows-2025 --fixes abc
expect_rc 2 "match --fixes abc"; expect_grep "a number from 0 to" "$ERR" "match --fixes says why"
run connect 127.0.0.1:1 --fixes -1
expect_rc 2 "connect --fixes -1"
run match --client legacy-printer --server windows-2025 --fixes 2
expect_rc 1 "match --fixes 2"
[ "$(grep -cE '^  [0-9]+\. ' <<<"$OUT")" = 3 ] && ok || bad "--fixes 2: 2 client fixes + the 1 server fix"
# Durations and counts: one parser. A bad, zero or too large value is a usage error that
# names the option and its range, never silently 0 (connect --timeout abc was 0 before);
# a unit suffix (ms, s, m, h) is accepted wherever a duration is.
for bad in "connect --timeout abc 127.0.0.1:1" "connect --timeout 0 127.0.0.1:1" \
  "connect --timeout 2h 127.0.0.1:1" "scan --timeout 5q 127.0.0.1:1" \
  "scan --target-timeout -1 127.0.0.1:1" "scan --retries 101 127.0.0.1:1" \
  "scan --port 70000 127.0.0.1" "serve --max-bytes 2X" "serve --hello-timeout 0" \
  "serve --idle-timeout 1.5s" "explain --max -1 alert-40" "watch --count x -i lo" \
  "analyze --idle-timeout 0 x.pcap"; do
  read -r cmd opt val rest <<<"$bad"
  # shellcheck disable=SC2086 # rest is the operands, split on purpose
  run "$cmd" "$opt" "$val" $rest
  expect_rc 2 "$bad"
  expect_grep "^tlsdiag $cmd: $opt '$val': a (duration|number|size) from " "$ERR" "$bad: names the option and range"
  [ "$(grep -c "^Try 'tlsdiag $cmd --help'\.$" <<<"$ERR")" = 1 ] && ok || bad "$bad: one 'Try' line: $ERR"
done
for good in "connect --timeout 2s 127.0.0.1:1" "connect --timeout 1500ms 127.0.0.1:1" \
  "scan --timeout 2s 127.0.0.1:1" "scan --target-timeout 1m 127.0.0.1:1"; do
  # shellcheck disable=SC2086
  run $good
  [ "$RC" != 2 ] && ok || bad "$good: refused as a usage error: $ERR"
done
# Every command takes the common options, colour included.
run match --no-color --client legacy-printer --server windows-2025
expect_rc 1 "match --no-color"
run profiles --color windows-2022
expect_rc 0 "profiles --color"
finish
