#!/usr/bin/env bash
# Failures whose outcome or cause tlsdiag analyze used to get wrong (issue 14), made for
# real: tcpdump records loopback while openssl s_client / s_server and a Python listener
# fail; each case is checked on `analyze --json` (and the text report where it matters).
#   certreq     TLS 1.3 server wants a client certificate, gets none: one encrypted alert
#               after the client's Finished, then FIN   -> server_alert, certificate_required
#   untrusted   the same with a client certificate the server does not trust -> unknown_ca
#   silent      a server that reads and never answers; the client gives up -> no_answer
#   version     TLS 1.0-only server, TLS 1.2-only client -> "TLS 1.2 on the server", no SSL 3.0
#   proven      TLS 1.0 server that completed TLS 1.0 with one client refuses another's
#               suites -> a suite problem, not a version problem
#   keyshare    TLS 1.3 server on P-384 only, client x25519 only -> "no suitable key share"
#   sigalg      TLS 1.3 RSA server, client offering ECDSA schemes only -> signature scheme
#   hostname    TLS 1.2 certificate for other.example, client verifies "localhost" -> names
#   names       SNI and ALPN bytes that are not UTF-8, with ESC sequences -> valid UTF-8
#               JSON (\u00XX), no raw control character in the text report
#   late        the server closes (FIN) right after its flight; the client's unknown_ca
#               comes after the FIN -> in the record as in the summary
#               (certreq and untrusted again with s_client's key log: --keylog reads the
#               real alert, the CertificateRequest and the server's certificate)
#   duphello    a client that sends its TLS 1.3 ClientHello again after the server's flight;
#               the server answers with an encrypted alert -> server_alert, the repeated
#               hello named, unexpected_message likely (with a key log: the real code, 10)
#   midconn     a capture cut to start at a lone encrypted alert from a low (service) port
#               -> truncated, and the low port is the server
. "$(dirname "$0")/../cli/lib.sh"
for tool in openssl python3 timeout tcpdump jq editcap tshark; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: tcpdump on lo needs root"; exit 77; }
. "$(dirname "$0")/analyze_capture.sh"
# A free port below 1024, where services listen (the side a mid-connection capture must
# take for the server).
free_low_port() {
  python3 -c '
import random, socket
for p in random.sample(range(600, 1000), 400):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass'
}
cert rsa localhost rsa:2048
cert other other.example rsa:2048
cert ca ca.example rsa:2048
[ -s rsa.pem ] && [ -s other.pem ] && [ -s ca.pem ] || { bad "could not make certificates"; finish; exit; }

for s in certreq untrusted silent version proven keyshare sigalg hostname names late lateback duphello; do PORT[$s]=$(free_port); done
PORT[midconn]=$(free_low_port)
srv certreq -cert rsa.pem -key rsa.key -tls1_3 -Verify 1
srv untrusted -cert rsa.pem -key rsa.key -tls1_3 -Verify 1 -CAfile ca.pem -verify_return_error
srv version -cert rsa.pem -key rsa.key -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
srv proven -cert rsa.pem -key rsa.key -tls1 -cipher 'AES128-SHA:@SECLEVEL=0'
srv keyshare -cert rsa.pem -key rsa.key -tls1_3 -groups P-384
srv sigalg -cert rsa.pem -key rsa.key -tls1_3
srv hostname -cert other.pem -key other.key -tls1_2
srv names -cert rsa.pem -key rsa.key -tls1_2
srv lateback -cert rsa.pem -key rsa.key -tls1_2
srv duphello -cert rsa.pem -key rsa.key -tls1_3 -keylogfile duphello.keys
# A server that sends its TLS 1.2 flight and closes at once (FIN): a proxy in front of
# s_server that forwards the hello and the answer up to ServerHelloDone, then shuts its
# side; the client, which distrusts the certificate, answers with its alert after the FIN.
python3 - "${PORT[late]}" "${PORT[lateback]}" <<'PY' >/dev/null 2>&1 & PIDS+=($!)
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept()
    hello = c.recv(65536)
    if not hello:  # a port probe
        c.close()
        continue
    b = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    b.sendall(hello)
    flight = b""
    while not flight.endswith(b"\x0e\x00\x00\x00"):  # ServerHelloDone
        chunk = b.recv(65536)
        if not chunk:
            break
        flight += chunk
    c.sendall(flight)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    c.close(); b.close()
PY
srv midconn -cert rsa.pem -key rsa.key -tls1_2
python3 - "${PORT[silent]}" <<'PY' >/dev/null 2>&1 & PIDS+=($!)
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:  # reads the hello, answers nothing; closes only after the client did
    c, _ = s.accept()
    while c.recv(65536):
        pass
    c.close()
PY
capture_start || { finish; exit; }
# A TLS 1.3 ClientHello built field by field (RFC 8446 4.1.2: supported_versions, groups,
# an x25519 key share, signature_algorithms), sent again after the server's flight.
python3 - "${PORT[duphello]}" <<'PY' 2>/dev/null
import os, socket, struct, sys, time
def vec(n, b): return len(b).to_bytes(n, "big") + b
def ext(t, b): return struct.pack("!H", t) + vec(2, b)
exts = (ext(43, vec(1, b"\x03\x04")) + ext(10, vec(2, b"\x00\x1d"))
        + ext(51, vec(2, b"\x00\x1d" + vec(2, os.urandom(32))))
        + ext(13, vec(2, struct.pack("!4H", 0x0804, 0x0403, 0x0401, 0x0805))))
body = (b"\x03\x03" + os.urandom(32) + vec(1, os.urandom(32))
        + vec(2, struct.pack("!3H", 0x1301, 0x1302, 0x1303)) + vec(1, b"\x00") + vec(2, exts))
hello = b"\x16\x03\x01" + vec(2, b"\x01" + vec(3, body))
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(hello)
time.sleep(0.3)
s.recv(65536)
s.sendall(hello)
s.settimeout(3)
while s.recv(65536):
    pass
PY
sc "${PORT[certreq]}" -keylogfile keylog.txt
sc "${PORT[untrusted]}" -cert other.pem -key other.key -keylogfile keylog.txt
# The client waits 1 s for an answer, then gives up (timeout ends it; the kernel sends FIN).
timeout 1 openssl s_client -connect "127.0.0.1:${PORT[silent]}" < <(sleep 3) >/dev/null 2>&1
sc "${PORT[version]}" -tls1_2
sc "${PORT[proven]}" -tls1 -cipher 'AES128-SHA:@SECLEVEL=0'
sleep 0.2
sc "${PORT[proven]}" -tls1 -cipher 'ECDHE-RSA-AES256-SHA:@SECLEVEL=0'
sc "${PORT[keyshare]}" -groups P-384
sleep 0.2
sc "${PORT[keyshare]}" -groups X25519
sc "${PORT[sigalg]}" -groups X25519
sleep 0.2
sc "${PORT[sigalg]}" -groups X25519 -sigalgs ECDSA+SHA256:ECDSA+SHA384
sc "${PORT[hostname]}" -servername localhost -verify_hostname localhost -CAfile other.pem -verify_return_error
sc "${PORT[late]}" -tls1_2 -verify_return_error -CAfile ca.pem
# Names that are not UTF-8 and hold terminal escapes; then a UTF-8 one.
sc "${PORT[names]}" -servername $'b\xbad\x1b[31m.example' -alpn $'h\xff2,\x1b]0;x\x07'
sc "${PORT[names]}" -servername $'caf\xc3\xa9.example'
# A whole TLS 1.2 connection with data; the test later keeps only its end.
(printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1) |
  timeout 5 openssl s_client -connect "127.0.0.1:${PORT[midconn]}" -ign_eof >/dev/null 2>&1
capture_stop "tcp port ${PORT[midconn]} and tcp[tcpflags] & tcp-fin != 0" 2
analyze_json || { finish; exit; }
# conns NAME JQ: JQ over the connections to the port of NAME, diagnoses resolved.
conns() { jq -r --argjson p "${PORT[$1]}" ".diagnoses as \$d | [.connections[] | select(.server.port == \$p) | .diagnosis |= (if type == \"number\" then \$d[.] else . end)] | $2" analysis.json; }
expect() { # NAME JQ WANT WHAT
  local got; got=$(conns "$1" "$2")
  [ "$got" = "$3" ] && ok || bad "$1: $4: got [$got], want [$3]"
}
why_has() { # NAME INDEX REGEX
  local got; got=$(conns "$1" ".[$2].diagnosis.text")
  grep -qE -- "$3" <<<"$got" && ok || bad "$1: diagnosis [$got] lacks /$3/"
}
why_lacks() { # NAME INDEX REGEX
  local got; got=$(conns "$1" ".[$2].diagnosis.text")
  grep -qE -- "$3" <<<"$got" && bad "$1: diagnosis [$got] has /$3/" || ok
}

# TLS 1.3 refusals after the client's Finished: never success.
expect certreq '[.[].outcome] | join(",")' server_alert "outcome"
expect certreq '.[0].alerts | map(select(.side == "server")) | .[0].encrypted' true "encrypted server alert"
why_has certreq 0 "refused the client's Finished.*certificate_required \(116\).*CertificateRequest"
expect certreq '[.[0].diagnosis.causes[].id] | index("client-cert") != null' true "cause client-cert"
expect untrusted '[.[].outcome] | join(",")' server_alert "outcome"
why_has untrusted 0 "refused the client's Finished.*unknown_ca \(48\).*the client sent a certificate"
# With the client's key log, the real alert, the CertificateRequest and the certificate.
run analyze --json --keylog keylog.txt cap.pcap
expect_rc 0 "analyze --keylog"
echo "$OUT" >keylog.json
kl() { jq -r --argjson p "${PORT[$1]}" ".diagnoses as \$d | [.connections[] | select(.server.port == \$p) | .diagnosis |= (if type == \"number\" then \$d[.] else . end)] | $2" keylog.json; }
for c in "certreq 116 without one" "untrusted 48 with a certificate"; do
  read -r name code answer <<<"$c"
  got=$(kl "$name" '[.[0].alerts[] | select(.side == "server") | .code] | join(",")')
  [ "$got" = "$code" ] && ok || bad "$name --keylog: server alert [$got], want $code"
  got=$(kl "$name" '.[0].diagnosis.text')
  grep -q "CertificateRequest and the client answered $answer" <<<"$got" && ok || bad "$name --keylog: diagnosis [$got]"
  got=$(kl "$name" '.[0].certificates[0].subject')
  [ "$got" = "CN=localhost" ] && ok || bad "$name --keylog: server certificate [$got]"
done
run analyze --keylog nosuch.txt cap.pcap
expect_rc 2 "--keylog with a missing file"
# A ClientHello sent again after the server's TLS 1.3 hello: refused, not a Finished refused.
expect duphello '[.[].outcome] | join(",")' server_alert "outcome"
expect duphello '.[0].duplicate_hello_frame != null and .[0].counts.client_hellos == 2' true "the repeated hello recorded"
why_has duphello 0 "sent its ClientHello again \(frame [0-9]+\).*unexpected_message \(10\)"
why_lacks duphello 0 "Finished"
# The server's key log (s_server -keylogfile) reads the real alert.
run analyze --json --keylog duphello.keys cap.pcap
got=$(jq -r --argjson p "${PORT[duphello]}" '[.connections[] | select(.server.port == $p) | .alerts[] | select(.side == "server") | .code] | join(",")' <<<"$OUT")
[ "$got" = 10 ] && ok || bad "duphello --keylog: server alert [$got], want 10"
# Who gave up: the client closed first.
expect silent '[.[].outcome] | join(",")' no_answer "outcome"
why_has silent 0 'the client gave up after [0-9.]+ s'
# Version advice that fits both sides; a hello without supported_versions is "up to".
expect version '[.[].outcome] | join(",")' client_alert "outcome"
why_has version 0 'enable TLS 1\.2 on the server or TLS 1\.0 on the client'
why_lacks version 0 'SSL 3\.0'
run analyze --no-summary --server "127.0.0.1:${PORT[version]}" cap.pcap
expect_grep 'offered  up to TLS 1\.2,' "$OUT" "version: offered text"
grep -q 'SSL 3\.0' <<<"$OUT" && bad "version: text report names SSL 3.0" || ok
# A refusal by a server that did the same version with another client: suites, not version.
expect proven '[.[].outcome] | join(",")' success,server_alert "outcomes"
why_has proven 1 'completed TLS 1\.0 handshakes with other clients.*no suite in common'
why_lacks proven 1 'TLS 1\.0 disabled'
expect proven '.[1].diagnosis.causes[0].id' no-common-cipher "first cause"
# TLS 1.3: the group and the signature scheme, not the suites.
expect keyshare '[.[].outcome] | join(",")' success,server_alert "outcomes"
why_has keyshare 1 'no suitable key share: .* secp384r1 and the client offers only x25519'
why_lacks keyshare 1 'no suite in common'
expect sigalg '[.[].outcome] | join(",")' success,server_alert "outcomes"
why_has sigalg 1 'no signature scheme .*ecdsa_secp256r1_sha256'
why_lacks sigalg 1 'no suite in common'
expect sigalg '.[1].diagnosis.causes[0].id' no-common-group-sigalg "first cause"
# Host name mismatch, with the names on both sides.
expect hostname '[.[].outcome] | join(",")' client_alert "outcome"
why_has hostname 0 "host name mismatch: the client asked for 'localhost' \(SNI\).*DNS:other\.example"
expect hostname '.[0].diagnosis.causes[0].id' name-mismatch "first cause"
# The summary says what it covers when a filter chose what is listed.
run analyze --failed cap.pcap
expect_grep 'The summary covers the whole capture, not only the [0-9]+ connections listed' "$OUT" "--failed summary scope"
got=$(jq -r '"\(.connections_listed == (.connections | length)) \(.summary_scope)"' analysis.json)
[ "$got" = "true capture" ] && ok || bad "JSON connections_listed / summary_scope: $got"

# An alert after the peer's FIN: in the connection's record, and counted alike.
expect late '[.[].outcome] | join(",")' client_alert "outcome"
expect late '[.[0].alerts[] | "\(.side) \(.code)"] | join(",")' "client 48" "the late alert in the record"
got=$(jq '[.connections[].counts.alerts] | add' analysis.json)
[ "$got" = "$(jq '.summary.totals.alerts' analysis.json)" ] && ok || bad "alerts in the records ($got) and in the summary ($(jq '.summary.totals.alerts' analysis.json)) differ"

# Bytes that are not UTF-8 are escaped as \u00XX; UTF-8 passes; the text has no raw ESC.
python3 - "${PORT[names]}" <<'PY' && ok || bad "names: JSON is not valid UTF-8 or the names differ"
import json, sys
doc = json.loads(open("analysis.json", "rb").read().decode("utf-8", errors="strict"))
c = [c for c in doc["connections"] if c["server"]["port"] == int(sys.argv[1])]
assert [x["sni"] for x in c] == ["b\u00bad\u001b[31m.example", "caf\u00e9.example"], [x["sni"] for x in c]
assert c[0]["client_hello"]["alpn"] == ["h\u00ff2", "\u001b]0;x\u0007"], c[0]["client_hello"]["alpn"]
PY
run analyze --server "127.0.0.1:${PORT[names]}" cap.pcap
grep -qa $'\x1b' <<<"$OUT" && bad "names: the text report writes ESC raw" || ok
grep -qa $'\x07' <<<"$OUT" && bad "names: the text report writes BEL raw" || ok
expect_grep '\(b\\xbad\\x1b\[31m\.example\)' "$OUT" "names: escaped server name in the text"
expect_grep $'\\(caf\xc3\xa9\\.example\\)' "$OUT" "names: UTF-8 server name kept"

# Mid-connection: keep only the frames from the server's last encrypted alert on.
first=$(tshark -n -r cap.pcap -d "tcp.port==${PORT[midconn]},tls" -Y "tcp.srcport == ${PORT[midconn]} && tls.record.content_type == 21" \
  -T fields -e frame.number 2>/dev/null | tail -1)
[ -n "$first" ] || { bad "midconn: no encrypted alert from the server in the capture"; finish; exit; }
last=$(tshark -n -r cap.pcap 2>/dev/null | wc -l)
editcap -r cap.pcap mid.pcap "$first-$last" 2>/dev/null
run analyze --json mid.pcap
echo "$OUT" >mid.json
mid=$(jq -r --argjson p "${PORT[midconn]}" '[.connections[] | select(.server.port == $p or .client.port == $p)]' mid.json)
[ "$(jq 'length' <<<"$mid")" = 1 ] && ok || bad "midconn: $(jq length <<<"$mid") connections"
[ "$(jq -r '.[0].server.port' <<<"$mid")" = "${PORT[midconn]}" ] && ok || bad "midconn: server port $(jq -r '.[0].server.port' <<<"$mid"), want ${PORT[midconn]}"
[ "$(jq -r '.[0].outcome' <<<"$mid")" = truncated ] && ok || bad "midconn: outcome $(jq -r '.[0].outcome' <<<"$mid")"
[ "$(jq -r '.[0].alerts[0].side' <<<"$mid")" = server ] && ok || bad "midconn: alert side $(jq -r '.[0].alerts[0].side' <<<"$mid")"
finish
