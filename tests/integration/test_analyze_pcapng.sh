#!/usr/bin/env bash
# pcapng whose interfaces have different link types, read packet by packet with its own
# interface's type: dumpcap records one TLS connection on `any` (Linux cooked v2) and `lo`
# (Ethernet) at once; tcpdump records a second one, cut to raw IP (editcap -C 14 -T
# rawip); mergecap puts both in one pcapng with three interfaces. Every frame must decode
# (none skipped for its link type, as many as tshark reads) and both handshakes be found.
. "$(dirname "$0")/../cli/lib.sh"
for tool in openssl python3 tcpdump dumpcap editcap mergecap tshark jq; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: capturing on lo needs root"; exit 77; }
. "$(dirname "$0")/analyze_capture.sh"
cert rsa localhost rsa:2048
for s in two raw; do PORT[$s]=$(free_port); done
srv two -cert rsa.pem -key rsa.key
srv raw -cert rsa.pem -key rsa.key -tls1_2
for s in two raw; do wait_port "${PORT[$s]}" || { finish; exit; }; done

f="tcp port ${PORT[two]}"
dumpcap -q -i any -f "$f" -i lo -f "$f" -w two.pcapng 2>dumpcap.err & DUMPCAP=$!; PIDS+=($DUMPCAP)
for _ in $(seq 50); do [ "$(grep -c -i capturing dumpcap.err 2>/dev/null)" -ge 1 ] && break; sleep 0.1; done
sleep 0.5
sc "${PORT[two]}"
for _ in $(seq 50); do [ "$(tshark -n -r two.pcapng -Y "tcp.flags.fin == 1" 2>/dev/null | wc -l)" -ge 4 ] && break; sleep 0.1; done
kill -INT "$DUMPCAP"; wait "$DUMPCAP" 2>/dev/null
capture_start "tcp port ${PORT[raw]}"
sc "${PORT[raw]}"
capture_stop "tcp port ${PORT[raw]} and tcp[tcpflags] & tcp-fin != 0" 2
editcap -C 14 -T rawip cap.pcap raw.pcap 2>/dev/null
mergecap -F pcapng -w mixed.pcapng two.pcapng raw.pcap 2>/dev/null

types=$(tshark -n -r mixed.pcapng -T fields -e frame.encap_type 2>/dev/null | sort -u | paste -sd,)
[ "$(tr ',' '\n' <<<"$types" | wc -l)" -ge 3 ] && ok || bad "want three link types in mixed.pcapng, have [$types]"
run analyze --json mixed.pcapng
expect_rc 0 "analyze mixed.pcapng"
frames=$(tshark -n -r mixed.pcapng 2>/dev/null | wc -l)
[ "$(jq -r '.summary.totals.frames' <<<"$OUT")" = "$frames" ] && ok || bad "frames $(jq -r '.summary.totals.frames' <<<"$OUT"), tshark $frames"
[ "$(jq -r '.summary.totals.frames_skipped | add // 0' <<<"$OUT")" = 0 ] && ok || bad "frames skipped: $(jq -c '.summary.totals.frames_skipped' <<<"$OUT")"
for s in two raw; do
  got=$(jq -r --argjson p "${PORT[$s]}" '[.connections[] | select(.server.port == $p) | .outcome] | unique | join(",")' <<<"$OUT")
  [ "$got" = success ] && ok || bad "$s: outcomes [$got], want success"
done
finish
