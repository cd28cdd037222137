#!/usr/bin/env bash
# Options anywhere on the line, as GNU tools take them; "--" ends them; a word that looks
# like an option is a usage error, never a host to resolve or a file to open.
. "$(dirname "$0")/lib.sh"
pcap="$TLSD_SHARED/pcaps/FlowTest/tls12.pcap"
[ -f "$pcap" ] || { echo "shared captures missing"; exit 77; }

check() { # check NAME "options-first command" "options-last command"
  local name=$1 a=$2 b=$3
  # shellcheck disable=SC2086
  run $a; local oa=$OUT ra=$RC
  # shellcheck disable=SC2086
  run $b; local ob=$OUT rb=$RC
  [ "$ra" -eq "$rb" ] && [ "$oa" = "$ob" ] && [ -n "$oa" ] && ok ||
    bad "$name: options after operands differ (rc $ra/$rb): [${ob:0:200}]"
}
check "explain --json" "explain --json 36874" "explain 36874 --json"
check "explain -n" "explain -n 1 36888 40" "explain 36888 40 -n 1"
check "ciphers -o" "ciphers -o openssl TLS_AES_128_GCM_SHA256" "ciphers TLS_AES_128_GCM_SHA256 -o openssl"
check "ciphers --format=" "ciphers --format=hex AES128-SHA" "ciphers AES128-SHA --format=hex"
check "profiles --json" "profiles --json windows-2025" "profiles windows-2025 --json"
check "analyze --failed --json" "analyze --failed --json $pcap" "analyze $pcap --failed --json"
check "match" "match --json --client legacy-printer --server windows-2025" \
  "match --client legacy-printer --server windows-2025 --json"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run scan "127.0.0.1:$port" --json --timeout 2
expect_grep '"targets"' "$OUT" "scan HOST --json writes JSON"
# A negative number is an operand (an SSPI code), also after options.
run explain --json -2146893018
expect_rc 0 "explain --json -2146893018"; expect_grep 'SEC_E_ILLEGAL_MESSAGE' "$OUT" "negative code read"
# "--" ends the options: what follows is an operand even when it starts with '-'.
run ciphers -o hex -- TLS_AES_128_GCM_SHA256
expect_rc 0 "-- before an operand"; expect_out '0x1301' "-- keeps the operand"
# Unknown option words are usage errors wherever they stand, not hosts or files.
run scan "127.0.0.1:$port" --jsno
expect_rc 2 "scan with a misspelt option"
if grep -q 'resolve\|jsno:' <<<"$OUT$ERR" && ! grep -q "unrecognized\|unknown" <<<"$ERR"; then
  bad "scan sent --jsno somewhere: $ERR"; else ok; fi
check "connect --json" "connect --json --timeout 2 127.0.0.1:$port" "connect 127.0.0.1:$port --json --timeout 2"
evtx="$TLSD_SHARED/evtx/system.evtx"
[ -f "$evtx" ] && check "events --json" "events --json $evtx" "events $evtx --json"
for cmd in "connect 127.0.0.1:$port" "events $evtx" "watch -i lo" "serve --profile windows-2025 --port 0"; do
  # shellcheck disable=SC2086
  run $cmd --jsno
  expect_rc 2 "$cmd with a misspelt option"
  if grep -q 'resolve\|No such file' <<<"$OUT$ERR"; then bad "$cmd used --jsno as an operand"; else ok; fi
done
run analyze "$pcap" --faild
expect_rc 2 "analyze with a misspelt option"
if grep -q 'No such file' <<<"$ERR"; then bad "analyze opened --faild as a file"; else ok; fi
finish
