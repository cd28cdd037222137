#!/usr/bin/env bash
# `tlsdiag analyze` end to end on shared captures: golden outputs
# (tests/golden/analyze/NAME.args, one argument a line, paths relative to ../shared/pcaps
# -> NAME.out; TLSD_UPDATE_GOLDEN=1 rewrites them after an intended change), filters,
# JSON shapes and exit codes.
. "$(dirname "$0")/lib.sh"
pcaps="$TLSD_SHARED/pcaps"
[ -d "$pcaps" ] || { echo "SKIP: no shared captures"; exit 77; }
cd "$pcaps" || exit 3
for args in "$TLSD_SRCDIR"/tests/golden/analyze/*.args; do
  mapfile -t a <"$args"
  run analyze "${a[@]}"; expect_rc 0 "golden $(basename "$args")"
  want="${args%.args}.out"
  [ -n "${TLSD_UPDATE_GOLDEN:-}" ] && printf '%s\n' "$OUT" >"$want"
  if diff -u "$want" <(printf '%s\n' "$OUT") >"$WORK/diff"; then ok; else
    bad "golden $(basename "$want") differs:"; head -20 "$WORK/diff" >&2
  fi
done

# Filters: by client, by server (with and without port), failed only.
run analyze --jsonl --client 192.168.4.149 zeek/tls-1.2-handshake-failure.pcap zeek/tls-early-alert.pcap
[ "$(jq -s length <<<"$OUT")" = 1 ] && grep -q '"address":"192.168.4.149"' <<<"$OUT" && ok || bad "--client: $(jq -s length <<<"$OUT") objects"
run analyze --jsonl --server 67.207.128.99:64132 zeek/tls-1.2-handshake-failure.pcap zeek/tls-early-alert.pcap
expect_grep '"outcome":"success"' "$OUT" "--server ADDR:PORT"
run analyze --jsonl --server 67.207.128.99:443 zeek/tls-early-alert.pcap
expect_out "" "--server with another port"
run analyze --jsonl --failed zeek/tls-early-alert.pcap
expect_out "" "--failed on a success"
# IPv6 server filter, in brackets.
run analyze --jsonl --server '[fd42:496a:d659:bb85:216:3eff:fe6a:a257]:3000' zeek/certificate-request-failed.pcap
[ "$RC" -eq 0 ] && [ "$(jq -s length <<<"$OUT")" = 1 ] && ok || bad "IPv6 --server: rc $RC, [${OUT:0:200}]"
run analyze --jsonl --server '[fd42:496a:d659:bb85:216:3eff:fe6a:a257]:3001' zeek/certificate-request-failed.pcap
expect_out "" "IPv6 --server with another port"
# --json is one document; --jsonl one object a line; text has the summaries.
run analyze --json nDPI/alexa-app.pcapng
jq -e '(.connections | length) == .summary.totals.connections and .summary.by_outcome.success > 0' <<<"$OUT" >/dev/null && ok || bad "--json document"
run analyze --jsonl nDPI/alexa-app.pcapng
[ "$(jq -s length <<<"$OUT")" -gt 50 ] && ok || bad "--jsonl objects"
# Big outputs leave in 1 MB chunks through a writer thread: the same file given 12 times
# (about 4.7 MB of JSON lines) prints exactly 12 copies of its own output, in order; the
# document around them stays whole.
run analyze --jsonl zeek/tls-fragmented-handshake.pcap
one="$OUT"
mapfile -t twelve < <(for i in $(seq 12); do echo zeek/tls-fragmented-handshake.pcap; done)
run analyze --jsonl "${twelve[@]}"
[ "$OUT" = "$(for i in $(seq 12); do printf '%s\n' "$one"; done)" ] && ok || bad "--jsonl in chunks: not 12 copies in order"
run analyze --json "${twelve[@]}"
jq -e '(.connections | length) == .summary.totals.connections and (.files | length) == 12 and ([.connections[].diagnosis | select(type == "number")] | max) < (.diagnoses | length)' <<<"$OUT" >/dev/null && ok || bad "--json in chunks"
run analyze --color zeek/tls-1.2-handshake-failure.pcap
expect_grep $'\033\\[' "$OUT" "--color"
run analyze zeek/tls-1.2-handshake-failure.pcap
grep -q $'\033' <<<"$OUT" && bad "colour without a terminal" || ok

# Standard input ("-"): the same analysis as from the file (but for the names), and each
# connection comes out as soon as it is decided, before the input ends (tcpdump -w -).
run_in <(cat zeek/tls-early-alert.pcap) analyze --json -
one=$(jq -c 'del(.files) | .connections[].source = "x"' <<<"$OUT")
run analyze --json zeek/tls-early-alert.pcap
[ "$one" = "$(jq -c 'del(.files) | .connections[].source = "x"' <<<"$OUT")" ] && ok || bad "stdin: not the file's analysis"
python3 - "$TLSDIAG" FlowTest/tls12.pcap <<'PY' && ok || bad "stdin: no connection printed before the input ended"
import select, subprocess, sys
p = subprocess.Popen([sys.argv[1], "analyze", "--jsonl", "-"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
p.stdin.write(open(sys.argv[2], "rb").read())
p.stdin.flush()  # the input stays open
ready, _, _ = select.select([p.stdout], [], [], 30)
line = p.stdout.readline() if ready else b""
p.stdin.close()
p.wait()
sys.exit(0 if b'"stream":0' in line else 1)
PY
# A HelloRetryRequest that is not in the capture (its frame cut out) is inferred from the
# client's second ClientHello with the same random, and said to be inferred.
if command -v editcap >/dev/null; then
  editcap zeek/hrr.pcap "$WORK/nohrr.pcap" 6 2>/dev/null
  for f in zeek/hrr.pcap "$WORK/nohrr.pcap"; do
    run analyze --json "$f"
    expect_rc 0 "$f"
    want=$([ "$f" = zeek/hrr.pcap ] && echo false || echo true)
    got=$(jq -c '.connections[0] | [.hello_retry_request.group, .hello_retry_request.inferred, .counts.client_hellos]' <<<"$OUT")
    [ "$got" = "[\"secp256r1\",$want,2]" ] && ok || bad "$f: HelloRetryRequest $got, want secp256r1 inferred $want"
  done
  run analyze --no-summary "$WORK/nohrr.pcap"
  expect_grep 'retry    HelloRetryRequest for secp256r1 \(inferred' "$OUT" "inferred HRR in the text"
fi
gzip -c zeek/tls-early-alert.pcap >"$WORK/in.pcap.gz"
run_in "$WORK/in.pcap.gz" analyze -
expect_rc 3 "compressed standard input"
expect_grep "not a pcap or pcapng" "$ERR" "compressed standard input: the reason"
# Each connection's time: local time with its offset in the text (here Berlin, summer
# time), RFC 3339 UTC in JSON; certificate dates in JSON as RFC 3339 beside the Unix times.
TZ=Europe/Berlin run analyze FlowTest/tls12.pcap
expect_grep '^10\.100\.50\.48:46588 -> 10\.100\.50\.139:7001  2023-04-21 09:06:48\.588 \+02:00  ' "$OUT" \
  "text: local time with offset"
TZ=America/New_York run analyze FlowTest/tls12.pcap
expect_grep '  2023-04-21 03:06:48\.588 -04:00  ' "$OUT" "text: a negative offset"
run analyze --json FlowTest/tls12.pcap
got=$(jq -c '.connections[0] | [.start_time, .certificates[0].not_before_time, .certificates[0].not_after_time, .certificates[0].not_before]' <<<"$OUT")
[ "$got" = '["2023-04-21T07:06:48.588381Z","2023-03-24T08:50:30Z","2023-04-23T08:50:30Z",1679647830]' ] \
  && ok || bad "JSON times: $got"
run analyze --jsonl FlowTest/tls12.pcap
expect_grep '"start_time":"2023-04-21T07:06:48.588381Z"' "$OUT" "JSON lines: start_time"
# The summary's "by diagnosis": each distinct diagnosis once, with its count and clients;
# and per client what it offered (versions, suites, groups).
run analyze FlowTest/tls_version_error.pcap FlowTest/tls_cipher_error.pcap FlowTest/tls12.pcap
expect_rc 0 "analyze of captures with failures (exit 0: the captures were read)"
expect_grep '^  by diagnosis:$' "$OUT" "text: by diagnosis section"
expect_grep '^    1 connection: no suite in common \(the server answered handshake_failure \(40\)\)' "$OUT" \
  "text: a diagnosis with its count"
expect_grep '^      client 192\.168\.1\.29$' "$OUT" "text: the diagnosis names its client"
expect_grep '^    10\.100\.50\.48 .*offers up to TLS 1\.2, 86 suites, groups secp256r1,secp521r1,secp384r1,secp256k1, JA4 ' \
  "$OUT" "text: per-client inventory with groups"
run analyze --json FlowTest/tls_version_error.pcap FlowTest/tls_cipher_error.pcap FlowTest/tls12.pcap
got=$(jq -c '[.summary.by_diagnosis | length, (.[] | .connections), (.[0].clients)], .summary.other_diagnoses, (.summary.by_client[] | select(.address == "10.100.50.48") | .groups_offered)' <<<"$OUT" | paste -sd' ')
[ "$got" = '[2,1,1,["192.168.1.29"]] 0 ["secp256r1","secp521r1","secp384r1","secp256k1"]' ] && ok ||
  bad "JSON by_diagnosis / groups_offered: $got"
# Many connections, one diagnosis: counted once, not listed per connection.
n=$(run analyze FlowTest/tls_cipher_error.pcap FlowTest/tls_cipher_error.pcap FlowTest/tls_cipher_error.pcap; grep -c '^    3 connections: no suite in common' <<<"$OUT")
[ "$n" = 1 ] && ok || bad "three identical failures: one diagnosis line with 3 ($n)"
finish
