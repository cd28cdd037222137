#!/usr/bin/env bash
# TCP streams numbered as tshark numbers them (tcp.stream) when one pair of ports carries
# several connections: a Python client bound to one source port connects to s_server,
# resets (SO_LINGER 0) and connects again, twice, then closes cleanly; then it tries a
# closed port twice (SYN, RST). A second capture is the first with the resets removed
# (editcap), so that each new SYN follows an unclosed connection with another ISN. For
# both, every connection's stream number and the flow count must equal tshark's.
. "$(dirname "$0")/../cli/lib.sh"
for tool in openssl python3 tcpdump jq editcap tshark; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: tcpdump on lo needs root"; exit 77; }
. "$(dirname "$0")/analyze_capture.sh"
cert rsa localhost rsa:2048
for s in tls closed cport; do PORT[$s]=$(free_port); done
srv tls -cert rsa.pem -key rsa.key
wait_port "${PORT[tls]}" || { finish; exit; }
capture_start "tcp port ${PORT[cport]}"
python3 - "${PORT[tls]}" "${PORT[cport]}" "${PORT[closed]}" <<'PY'
import socket, ssl, struct, sys, time
port, cport, closed = (int(a) for a in sys.argv[1:4])
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
def conn(reset, to=port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", cport))
    try:
        s.connect(("127.0.0.1", to))
    except OSError:
        s.close()
        return
    t = ctx.wrap_socket(s)
    if reset:
        t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        t.unwrap()
    t.close()
conn(True); conn(True); conn(False)
time.sleep(0.2)
conn(False, closed); conn(False, closed)
PY
capture_stop "tcp port ${PORT[cport]} and tcp[tcpflags] & tcp-rst != 0" 4

# compare FILE: tlsdiag's stream of each connection (by its first frame) and flow count
# against tshark's tcp.stream.
compare() {
  local f=$1 streams flows got want
  streams=$(tshark -n -r "$f" -T fields -e frame.number -e tcp.stream 2>/dev/null)
  want=$(awk '{print $2}' <<<"$streams" | sort -u | wc -l)
  run analyze --json "$f"
  expect_rc 0 "$f: analyze"
  flows=$(jq -r '.summary.totals.tcp_flows' <<<"$OUT")
  [ "$flows" = "$want" ] && ok || bad "$f: $flows TCP flows, tshark $want streams"
  got=$(jq -r '.connections[] | "\(.first_frame) \(.stream)"' <<<"$OUT")
  [ -n "$got" ] && ok || bad "$f: no TLS connection"
  want=$(while read -r frame _; do awk -v f="$frame" '$1 == f {print $1, $2}' <<<"$streams"; done <<<"$got")
  [ "$got" = "$want" ] && ok || bad "$f: streams (first frame, stream) [$got], tshark [$want]"
}
compare cap.pcap
# The same without the resets: new SYNs with other ISNs on a connection never closed.
# At least the two SO_LINGER closes; the kernel may add a reset when the server's last
# bytes reach a closed socket (in the clean close too). All of them are cut.
rsts=$(tshark -n -r cap.pcap -Y "tcp.flags.reset == 1 && tcp.dstport == ${PORT[tls]}" -T fields -e frame.number 2>/dev/null | paste -sd' ')
[ "$(wc -w <<<"$rsts")" -ge 2 ] && ok || bad "want 2 client resets or more, got [$rsts]"
# shellcheck disable=SC2086 # one frame number a word
editcap cap.pcap noreset.pcap $rsts 2>/dev/null
compare noreset.pcap
got=$(jq '[.connections[] | select(.outcome != "tcp_refused")] | length' <<<"$OUT")
[ "$got" = 3 ] && ok || bad "noreset: $got TLS connections, want 3"
# The closed port's two SYNs, each answered by a reset, are connections refused before TLS.
got=$(jq '[.connections[] | select(.outcome == "tcp_refused")] | length' <<<"$OUT")
[ "$got" = 2 ] && ok || bad "noreset: $got refused connections, want 2"
finish
