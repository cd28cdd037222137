#!/usr/bin/env bash
# Failures before TLS (issue 21), made for real on loopback while tcpdump records them;
# analyze must tell each as TCP shows it, and connect/scan must name the same endings.
#   refused    a port nothing listens on: python and tlsdiag connect get a RST to the SYN
#              -> tcp_refused (connect/scan JSON: ending tcp_refused)
#   noanswer   a listener whose queue is full (listen(0), filled before the capture): the
#              kernel drops the SYN, the client retransmits it and gives up -> tcp_no_answer
#              with the SYN count (connect/scan: ending tcp_no_answer, "no answer to the SYN")
#   silent     a client that connects to s_server and closes without a word -> no_client_hello
#   plain      a client that speaks HTTP to the s_server port (TLS seen there before)
#              -> no_client_hello, the client's first bytes shown
#   banner     an SMTP-like server that greets first: after one TLS client (not_tls, which
#              makes the port a TLS port in the capture), a plain client that only listens
#              -> server_spoke_first, the banner shown, --starttls suggested
#   echo       a plain-text exchange on a port where no TLS was ever seen -> not reported
# (No nftables or iptables on the test machines: the dropped SYN comes from a full listen
# queue, which the kernel answers exactly as a DROP rule does: not at all.)
. "$(dirname "$0")/../cli/lib.sh"
for tool in openssl python3 timeout tcpdump jq tshark; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: tcpdump on lo needs root"; exit 77; }
. "$(dirname "$0")/analyze_capture.sh"
cert rsa localhost rsa:2048
[ -s rsa.pem ] || { bad "could not make a certificate"; finish; exit; }

for s in refused tls banner echo; do PORT[$s]=$(free_port); done
srv tls -cert rsa.pem -key rsa.key
python3 - "${PORT[banner]}" <<'PY' >/dev/null 2>&1 & PIDS+=($!)
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:  # greets, then reads until the client closes
    c, _ = s.accept()
    c.sendall(b"220 mail.example ESMTP ready\r\n")
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()
PY
python3 - "${PORT[echo]}" <<'PY' >/dev/null 2>&1 & PIDS+=($!)
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept()
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
PY
# The full listener: listen(0) and connections that fill its queue, made before the
# capture starts (their SYNs are not in it); it prints its port when full.
python3 - >full.port 2>/dev/null <<'PY' & PIDS+=($!)
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
port, fill = l.getsockname()[1], []
for _ in range(3):
    s = socket.socket(); s.settimeout(0.5)
    try:
        s.connect(("127.0.0.1", port)); fill.append(s)
    except OSError:
        s.close()
print(port, flush=True)
time.sleep(600)
PY
for _ in $(seq 50); do [ -s full.port ] && break; sleep 0.1; done
PORT[noanswer]=$(cat full.port)
[ -n "${PORT[noanswer]}" ] || { bad "the full listener did not start"; finish; exit; }
for s in tls banner echo; do wait_port "${PORT[$s]}" || { finish; exit; }; done
filter=$(for s in "${PORT[@]}"; do printf 'port %s or ' "$s"; done)
capture_start "tcp and (${filter% or })"

# noanswer: three clients at once, each gives up after about 3 s (SYN, then its
# retransmissions at 1 s and 3 s).
python3 - "${PORT[noanswer]}" >noanswer.py.out 2>&1 <<'PY' &
import socket, sys
s = socket.socket(); s.settimeout(3.5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); print("connected")
except OSError as e:
    print("failed:", e)
PY
PY_NOANSWER=$!
"$TLSDIAG" connect --json --timeout 3 "127.0.0.1:${PORT[noanswer]}" >connect.noanswer 2>&1 &
CONNECT_NOANSWER=$!
"$TLSDIAG" scan --json --timeout 1500 "127.0.0.1:${PORT[noanswer]}" >scan.noanswer 2>scan.noanswer.err &
SCAN_NOANSWER=$!

# refused: a plain connect, then tlsdiag connect and scan.
python3 -c '
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2); print("connected")
except ConnectionRefusedError:
    print("refused")' "${PORT[refused]}" >refused.py.out
run connect --json "127.0.0.1:${PORT[refused]}"
expect_rc 1 "connect to a closed port"
got=$(jq -r '"\(.ending) \(.ending_detail)"' <<<"$OUT")
[ "$got" = "tcp_refused no_connection" ] && ok || bad "connect to a closed port: ending/detail [$got], want [tcp_refused no_connection]"
run connect "127.0.0.1:${PORT[refused]}"
expect_grep 'refused \(a reset answered the SYN\)' "$OUT" "connect text: the refused SYN"
expect_grep "findstr :${PORT[refused]}" "$OUT" "connect text: what to check, with the port"
run scan --json "127.0.0.1:${PORT[refused]}"
got=$(jq -r '.targets[0].ending' <<<"$OUT")
[ "$got" = tcp_refused ] && ok || bad "scan of a closed port: ending [$got], want tcp_refused"

# silent: connects to s_server, says nothing, closes after 0.3 s; a TLS client first makes
# it a port with TLS.
sc "${PORT[tls]}" -tls1_2
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(0.3); s.close()' "${PORT[tls]}"
# plain: an HTTP request to the TLS port; reads what comes back until the server closes.
python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(b"GET / HTTP/1.1\r\nHost: printer\r\n\r\n")
try:
    while s.recv(65536):
        pass
except OSError:
    pass
s.close()' "${PORT[tls]}"
# banner: a TLS client first (the banner answers it: not_tls), then one that waits for
# the greeting and leaves.
sc "${PORT[banner]}"
python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.recv(100); s.close()' "${PORT[banner]}"
# echo: plain text where TLS never was.
python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(b"hello\r\n"); s.recv(100); s.close()' "${PORT[echo]}"

wait "$PY_NOANSWER" "$CONNECT_NOANSWER" "$SCAN_NOANSWER"
capture_stop "tcp port ${PORT[echo]} and tcp[tcpflags] & tcp-fin != 0" 2
analyze_json || { finish; exit; }

[ "$(cat refused.py.out)" = refused ] && ok || bad "refused: the plain client got [$(cat refused.py.out)]"
grep -q '^failed' noanswer.py.out && ok || bad "noanswer: the plain client got [$(cat noanswer.py.out)] (was the listen queue full?)"
got=$(jq -r '"\(.ending) \(.ending_detail) \(.error)"' connect.noanswer)
[ "$got" = "tcp_no_answer timeout no answer to the SYN (TCP connect) before the time limit" ] && ok ||
  bad "connect to a full listener: [$got]"
got=$(jq -r '.targets[0] | "\(.ending) \(.error)"' scan.noanswer)
expect_grep '^tcp_no_answer cannot connect: no answer to the SYN' "$got" "scan of a full listener"

# conns NAME JQ: the connections to NAME's port (diagnosis resolved), through JQ.
conns() { jq -r --argjson p "${PORT[$1]}" ".diagnoses as \$d | [.connections[] | select(.server.port == \$p) | .diagnosis |= (if type == \"number\" then \$d[.] else . end)] | $2" analysis.json; }
# refused: python's and tlsdiag connect's and scan's SYNs, each answered by a reset.
got=$(conns refused '[.[].outcome] | unique | join(",")')
[ "$got" = tcp_refused ] && ok || bad "refused: outcomes [$got]"
got=$(conns refused 'length')
[ "$got" -ge 3 ] && ok || bad "refused: $got connections, want at least 3 (python, connect, scan)"
got=$(conns refused '[.[] | "\(.tcp.syns) \(.tcp.syn_answer) \(.client_hello) \(.tcp.syn_answer_usec >= 0)"] | unique | join(",")')
[ "$got" = "1 rst null true" ] && ok || bad "refused: tcp [$got], want one SYN answered by rst, no hello"
got=$(conns refused '.[0].diagnosis.causes[0].id')
[ "$got" = port-closed ] && ok || bad "refused: first cause [$got], want port-closed"
# noanswer: every connection unanswered; the python client's SYN was sent 3 times over ~3 s.
got=$(conns noanswer '[.[].outcome] | unique | join(",")')
[ "$got" = tcp_no_answer ] && ok || bad "noanswer: outcomes [$got]"
got=$(conns noanswer '[.[] | select(.tcp.syn_answer == null)] | length')
[ "$got" = "$(conns noanswer length)" ] && [ "$got" -ge 3 ] && ok || bad "noanswer: $got unanswered of $(conns noanswer length)"
got=$(conns noanswer '[.[].tcp.syns] | max')
[ "$got" -ge 3 ] && ok || bad "noanswer: at most $got SYNs per connection, want the retransmissions (>= 3)"
got=$(conns noanswer '[.[] | select(.tcp.syns >= 2) | .tcp.last_syn_usec] | "\(min) \(max)"')
[ "${got% *}" -ge 900000 ] && [ "${got#* }" -le 4000000 ] && ok ||
  bad "noanswer: retransmitted SYNs after [$got] us, want 1 to 4 s (the kernel's SYN timeouts)"
got=$(conns noanswer '.[0].diagnosis.text')
expect_grep 'SYN' "$got" "noanswer: the diagnosis names the SYN"
# silent and plain on the s_server port: one success, then the two without a hello.
got=$(conns tls '[.[].outcome] | join(",")')
[ "$got" = "success,no_client_hello,no_client_hello" ] && ok || bad "tls port: outcomes [$got]"
got=$(conns tls '.[1].diagnosis.text')
expect_grep 'the client sent nothing: the client closed the connection' "$got" "silent: who closed"
got=$(conns tls '.[1].diagnosis.causes[0].id')
[ "$got" = client-silent ] && ok || bad "silent: first cause [$got], want client-silent"
got=$(conns tls '.[2].diagnosis.text')
expect_grep "another protocol .*'GET / HTTP/1.1" "$got" "plain: the client's first bytes"
got=$(conns tls '[.[1,2].tcp.syn_answer] | join(",")')
[ "$got" = "syn_ack,syn_ack" ] && ok || bad "silent/plain: syn answers [$got]"
# banner: not_tls for the TLS client, then the server speaking first.
got=$(conns banner '[.[].outcome] | join(",")')
[ "$got" = "not_tls,server_spoke_first" ] && ok || bad "banner: outcomes [$got]"
got=$(conns banner '.[1].diagnosis.text')
expect_grep "spoke first .*'220 mail.example ESMTP ready.*--starttls smtp" "$got" "banner: the greeting and STARTTLS for SMTP"
# echo: not a TLS connection at all.
got=$(conns echo 'length')
[ "$got" = 0 ] && ok || bad "echo: $got connections reported, want none"
got=$(jq '.summary.totals.flows_without_tls' analysis.json)
[ "$got" -ge 1 ] && ok || bad "echo: flows_without_tls $got"
# Totals and the summary by port.
want=$(conns refused length); want=$((want + $(conns noanswer length) + 3))
got=$(jq '.summary.totals.connections_before_tls' analysis.json)
[ "$got" = "$want" ] && ok || bad "connections_before_tls $got, want $want"
got=$(jq -r --argjson p "${PORT[refused]}" '.summary.before_tls_by_port[] | select(.port == $p) | .outcomes.tcp_refused' analysis.json)
[ "$got" = "$(conns refused length)" ] && ok || bad "before_tls_by_port: refused port has [$got]"
got=$(jq -r --argjson p "${PORT[banner]}" '.summary.before_tls_by_port[] | select(.port == $p) | .outcomes | keys | join(",")' analysis.json)
[ "$got" = server_spoke_first ] && ok || bad "before_tls_by_port: banner port has [$got]"
# Every TCP flow counted as tshark counts streams.
got=$(jq '.summary.totals.tcp_flows' analysis.json)
want=$(tshark -r cap.pcap -T fields -e tcp.stream 2>/dev/null | sort -u | grep -c .)
[ "$got" = "$want" ] && ok || bad "tcp_flows $got, tshark $want streams"
# The plain client's request lost from the capture (editcap): its FIN's sequence number
# shows bytes were sent, so it is no silent client; it is not told at all.
# (found by its bytes: whether tshark dissects it as HTTP depends on the random port)
lost=$(tshark -r cap.pcap -Y "tcp.dstport == ${PORT[tls]} && frame contains \"GET / HTTP/1.1\"" -T fields -e frame.number 2>/dev/null | head -1)
if [ -n "$lost" ] && editcap cap.pcap lost.pcap "$lost" 2>/dev/null; then
  run analyze --json lost.pcap
  got=$(jq -r --argjson p "${PORT[tls]}" '[.connections[] | select(.server.port == $p) | .outcome] | join(",")' <<<"$OUT")
  [ "$got" = "success,no_client_hello" ] && ok || bad "lost request: outcomes on the TLS port [$got], want success,no_client_hello (the plain client not told)"
else
  bad "lost request: no HTTP request frame to cut [$lost]"
fi
# The text report: the TCP line and the summary by port.
run analyze cap.pcap
expect_rc 0 "analyze text"
expect_grep 'FAILED: the server refused the TCP connection' "$OUT" "text: refused outcome"
expect_grep '[0-9] SYNs over [0-9.]+ s, no answer' "$OUT" "text: SYN retransmissions"
expect_grep 'FIN from the client, frame [0-9]+, 0\.[3-9] s after connecting' "$OUT" "text: the silent client left after 0.3 s"
expect_grep 'before TLS: [0-9]+ connections failed, by server port' "$OUT" "text: summary by port"
expect_grep "^ +${PORT[refused]} .*tcp_refused" "$OUT" "text: the refused port in the summary"
finish
