#!/usr/bin/env bash
# The limits of analyze and watch (docs/limits.md, issue 19). --max-flows, --max-buffer,
# --max-flow-buffer and --idle-timeout go through the one number parser: a bad value is a
# usage error naming the option. Captures made by synth_pcap.py, analysed with small caps:
# connections finished before a flood of half-open ones are reported exactly as without
# caps; the flood is cut short, counted per cap in the summary and never told as a TCP or TLS
# failure; the peak memory of a flood 20 times larger grows by no more than the caps allow;
# ClientHellos split out of order past --max-buffer are given up and counted, never
# misdiagnosed.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 3
synth_dir="$TLSD_SRCDIR/tests/integration"

# ---- usage: every limit option, both commands ----
for bad in "--max-flows abc" "--max-flows 0" "--max-flows 1e3" "--max-buffer 12X" \
  "--max-buffer 0" "--max-buffer 4KB" "--max-flow-buffer -1" "--max-flow-buffer 1.5M" \
  "--idle-timeout 0" "--idle-timeout 10x" "--idle-timeout 1.5s"; do
  read -r opt val <<<"$bad"
  run analyze "$opt" "$val" x.pcap
  expect_rc 2 "analyze $bad"
  expect_grep "^tlsdiag analyze: $opt '" "$ERR" "analyze $bad names the option"
  run watch -i lo "$opt" "$val"
  expect_rc 2 "watch $bad"
  expect_grep "^tlsdiag watch: $opt '" "$ERR" "watch $bad names the option"
done

# ---- captures ----
python3 - "$synth_dir" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import synth_pcap as s


def flood(w, t, n, hello, clients=16):
    """n half-open connections from a few clients (the client summary stays small)."""
    for i in range(n):
        s.half_open(w, t + i * 10, (10, 9, 0, i % clients), 1024 + i // clients, hello)


# 300 finished connections (reset, close, alert in turn), then 3,000 half-open ones.
with open("mixed.pcap", "wb") as f:
    w = s.Writer(f)
    for i in range(300):
        s.flow(w, s.T0 + i * 2000, (10, 1, 0, i % 50), (192, 0, 2, 1 + i % 5), 20000 + i,
               b"host%d.example" % (i % 5), s.ENDS[i % 3])
    flood(w, s.T0 + 300 * 2000, 3000, hello=True)
for name, n in (("flood1k.pcap", 1000), ("flood20k.pcap", 20000)):
    with open(name, "wb") as f:
        flood(s.Writer(f), s.T0, n, hello=True)
s.write_half_open("syn.pcap", 2000)
s.write_split_hellos("ooo.pcap", 2000, in_order=False, padding=1000)
PY
[ -s mixed.pcap ] && [ -s ooo.pcap ] && ok || { bad "synth_pcap.py wrote no captures"; finish; exit; }

# ---- connections before the cap: as without caps; the flood: cut short and counted ----
run analyze --json mixed.pcap
expect_rc 0 "mixed, default caps"
jq -c '.connections[:300]' <<<"$OUT" >free.json
jq -e '[.connections[] | select(.limit)] | length == 0' <<<"$OUT" >/dev/null && ok ||
  bad "default caps: no connection of mixed.pcap is cut short"
run analyze --json --max-buffer 256K --max-flows 400 mixed.pcap
expect_rc 0 "mixed, small caps"
jq -c '.connections[:300]' <<<"$OUT" >capped.json
cmp -s free.json capped.json && ok || bad "the 300 connections before the flood differ under the caps"
jq -e '.summary.totals.connections == 3300
  and ([.connections[300:][] | select(.outcome != "truncated")] | length) == 0' <<<"$OUT" \
  >/dev/null && ok || bad "the flood: every connection truncated, none told as a failure"
cut=$(jq '[.connections[] | select(.limit)] | length' <<<"$OUT")
counted=$(jq '[.summary.limits[]? | .connections] | add // 0' <<<"$OUT")
[ "$cut" -gt 2000 ] && [ "$cut" = "$counted" ] && ok ||
  bad "connections cut short ($cut) should be most of the flood and what the summary counts ($counted)"
jq -e '[.connections[] | select(.limit) | .diagnosis] | unique | length == 1' <<<"$OUT" \
  >/dev/null && ok || bad "one diagnosis for the connections cut short"
jq -e '.diagnoses[[.connections[] | select(.limit)][0].diagnosis].text
  | test("not analysed to the end.*--max-buffer")' <<<"$OUT" >/dev/null && ok ||
  bad "the diagnosis names the cap: $(jq -c '.diagnoses[-1]' <<<"$OUT" | head -c 300)"
run analyze --max-buffer 256K --max-flows 400 mixed.pcap
expect_grep 'cut short: [0-9]+ connections and 0 flows without TLS yet at --max-buffer 262144' \
  "$OUT" "text summary counts the flood cut short"
expect_grep '^  outcome  CUT SHORT: not analysed to the end \(--max-buffer\)$' "$OUT" \
  "text: a connection cut short says so, not FAILED"

# A SYN flood past --max-flows: the evicted connections are cut short, not "no answer".
run analyze --json --max-flows 500 syn.pcap
jq -e '.summary.limits.max_flows == {"value": 500, "connections": 1500, "flows_without_tls": 0}
  and .summary.by_outcome == {"tcp_no_answer": 500, "truncated": 1500}
  and ([.connections[] | select(.limit == "max_flows")] | length) == 1500' <<<"$OUT" \
  >/dev/null && ok || bad "SYN flood past --max-flows: $(jq -c '.summary.limits, .summary.by_outcome' <<<"$OUT")"

# ---- out-of-order hellos past --max-buffer ----
run analyze --json ooo.pcap
jq -e '.summary.by_outcome == {"reset_after_client_hello": 2000}' <<<"$OUT" >/dev/null && ok ||
  bad "ooo.pcap within the default caps: $(jq -c '.summary.by_outcome' <<<"$OUT")"
run analyze --json --max-buffer 512K ooo.pcap
jq -e '(.summary.limits.max_buffer.connections + .summary.limits.max_buffer.flows_without_tls) > 0
  and .summary.totals.connections + .summary.limits.max_buffer.flows_without_tls == 2000
  and ([.connections[] | select(.outcome != "reset_after_client_hello"
        and (.outcome != "truncated" or .limit != "max_buffer"))] | length) == 0' <<<"$OUT" \
  >/dev/null && ok || bad "ooo.pcap past --max-buffer: $(jq -c '.summary.limits, .summary.by_outcome' <<<"$OUT")"
run analyze --json --max-flow-buffer 500 ooo.pcap
jq -e '.summary.limits.max_flow_buffer.flows_without_tls == 2000' <<<"$OUT" >/dev/null && ok ||
  bad "ooo.pcap past --max-flow-buffer: $(jq -c '.summary.limits' <<<"$OUT")"

# ---- peak memory: bounded by the caps, not by the capture ----
# A sanitizer build holds freed memory in quarantine: none here, so that the peak is what
# the analyser keeps.
peak_kb() {
  ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0" python3 - "$TLSDIAG" "$@" <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
caps=(--max-flows 1000 --max-buffer 1M)
read -r rc1 small < <(peak_kb analyze --json "${caps[@]}" flood1k.pcap)
read -r rc2 big < <(peak_kb analyze --json "${caps[@]}" flood20k.pcap)
read -r rc3 free < <(peak_kb analyze --json flood20k.pcap)
echo "peak RSS: 1,000 half-open $small KB, 20,000 half-open $big KB with ${caps[*]}; $free KB without"
[ "$rc1$rc2$rc3" = 000 ] && ok || bad "flood runs: exit $rc1 $rc2 $rc3"
# The caps allow 1,000 TCP flows (well under 1 KB each) and 1 MiB held for connections: the
# bigger flood may take a few MB more (allocator and sanitizer overhead), never its own size.
[ $((big - small)) -lt 8192 ] && ok ||
  bad "peak RSS grew by $((big - small)) KB from 1,000 to 20,000 half-open connections"
[ $((free - small)) -gt $(((big - small) * 4 + 16384)) ] && ok ||
  bad "without caps the flood should take far more ($free KB): the measure shows nothing"
finish
