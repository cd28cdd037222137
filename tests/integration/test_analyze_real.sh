#!/usr/bin/env bash
# Failures made for real: tcpdump records loopback while real clients (openssl s_client,
# gnutls-cli, curl) fail against real servers (openssl s_server, Python listeners); then
# `tlsdiag analyze --json` must give each connection the right outcome and name the cause.
#   old client vs new server   s_client TLS 1.0 only        -> server alert protocol_version (70)
#   new client vs old server   gnutls-cli TLS 1.2/1.3       -> server (TLS 1.0 only) alert 70
#   no common suite            curl ECDHE-RSA-AES256-GCM    -> server (AES128-SHA only) alert 40
#   certificate type           s_client ECDHE-ECDSA only    -> RSA-certificate server, alert 40
#                              (after one good handshake that shows the server's RSA certificate)
#   unknown CA                 curl TLS 1.2, self-signed    -> client alert unknown_ca (48)
#   unknown CA, TLS 1.3        gnutls-cli, self-signed      -> client's encrypted alert
#   SNI refused                s_server -servername_fatal   -> server alert unrecognized_name (112)
#   plain-text port            curl https:// to http.server -> not TLS
#   reset after ClientHello    Python: read, SO_LINGER 0    -> RST from the server
. "$(dirname "$0")/../cli/lib.sh"
for tool in openssl gnutls-cli curl python3 timeout tcpdump jq; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: tcpdump on lo needs root"; exit 77; }
. "$(dirname "$0")/analyze_capture.sh"
cert rsa localhost rsa:2048
cert other other.example rsa:2048
[ -s rsa.pem ] && [ -s other.pem ] || { bad "could not make certificates"; finish; exit; }

for s in oldclient oldserver cipher certtype unknown unknown13 sni plain reset; do PORT[$s]=$(free_port); done
srv oldclient -cert rsa.pem -key rsa.key -tls1_2
srv oldserver -cert rsa.pem -key rsa.key -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
srv cipher -cert rsa.pem -key rsa.key -cipher AES128-SHA -no_tls1_3
srv certtype -cert rsa.pem -key rsa.key -no_tls1_3
srv unknown -cert rsa.pem -key rsa.key
srv unknown13 -cert rsa.pem -key rsa.key
srv sni -cert rsa.pem -key rsa.key -servername localhost -cert2 other.pem -key2 other.key -servername_fatal
python3 -m http.server "${PORT[plain]}" --bind 127.0.0.1 >/dev/null 2>&1 & PIDS+=($!)
python3 - "${PORT[reset]}" <<'PY' >/dev/null 2>&1 & PIDS+=($!)
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:  # what Schannel does when nothing matches: read the hello, reset
    c, _ = s.accept(); c.recv(65536)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
PY
capture_start || { finish; exit; }
sc "${PORT[oldclient]}" -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
timeout 5 gnutls-cli --insecure --port "${PORT[oldserver]}" --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2' 127.0.0.1 </dev/null >/dev/null 2>&1
timeout 5 curl -sk --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384 "https://127.0.0.1:${PORT[cipher]}/" >/dev/null 2>&1
sc "${PORT[certtype]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
sleep 0.2
sc "${PORT[certtype]}" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
timeout 5 curl -s --tls-max 1.2 "https://localhost:${PORT[unknown]}/" >/dev/null 2>&1
timeout 5 gnutls-cli --port "${PORT[unknown13]}" localhost </dev/null >/dev/null 2>&1
sc "${PORT[sni]}" -servername nosuch.example
timeout 5 curl -sk "https://127.0.0.1:${PORT[plain]}/" >/dev/null 2>&1
timeout 5 curl -sk "https://127.0.0.1:${PORT[reset]}/" >/dev/null 2>&1
capture_stop "tcp port ${PORT[reset]} and tcp[tcpflags] & tcp-rst != 0" 1
analyze_json || { finish; exit; }
# field NAME JQ: the value of JQ over the failing connections to the port of NAME
# (a --json document holds each distinct diagnosis once: .diagnosis is an index into .diagnoses)
field() { jq -r --argjson p "${PORT[$1]}" ".diagnoses as \$d | [.connections[] | select(.server.port == \$p and .outcome != \"success\" and .client_hello != null) | .diagnosis |= (if type == \"number\" then \$d[.] else . end)] | $2" analysis.json; }
check() { # NAME OUTCOME ALERT CAUSE TEXT-REGEX
  local name=$1
  [ "$(field "$name" 'length > 0')" = true ] && ok || { bad "$name: no failed connection"; return; }
  local got; got=$(field "$name" '.[0].outcome'); [ "$got" = "$2" ] && ok || bad "$name: outcome $got, want $2"
  if [ -n "$3" ]; then
    got=$(field "$name" '[.[0].alerts[] | select(.level == "fatal" or .encrypted) | .code // "enc"] | first | tostring')
    [ "$got" = "$3" ] && ok || bad "$name: alert $got, want $3"
  fi
  got=$(field "$name" '[.[0].diagnosis.causes[].id] | join(",")')
  grep -q -- "$4" <<<"$got" && ok || bad "$name: causes [$got] lack $4"
  got=$(field "$name" '.[0].diagnosis.text')
  grep -qE -- "$5" <<<"$got" && ok || bad "$name: diagnosis [$got] lacks /$5/"
}
check oldclient server_alert 70 no-common-version 'offers only TLS 1\.0; the server answered protocol_version \(70\): enable TLS 1\.2 on the client or TLS 1\.0 on the server'
check oldserver server_alert 70 no-common-version 'offers only TLS 1\.2 to TLS 1\.3; the server answered protocol_version \(70\).*enable TLS 1\.2 on the server or TLS 1\.0 on the client'
check cipher server_alert 40 no-common-cipher 'no suite in common.*would bridge them.*TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 \(recommended\)'
check certtype server_alert 40 cert-key-type "the server's certificate is RSA .*only suites for ECDSA certificates"
check unknown client_alert 48 untrusted-ca 'unknown_ca \(48\).*issued by'
check unknown13 client_alert enc untrusted-ca 'encrypted alert'
check sni server_alert 112 sni-unknown "no site for the name 'nosuch\.example'"
check plain not_tls "" not-tls "does not speak TLS on port ${PORT[plain]}: it answered in plain text .*(HTTP|DOCTYPE)"
check reset reset_after_client_hello "" no-common 'reset the connection right after the ClientHello'
# The Schannel events an administrator finds for each.
[ "$(field reset '[.[0].diagnosis.schannel_events[].id] | join(",")')" = "36874,36888" ] && ok || bad "reset: events"
[ "$(field cipher '[.[0].diagnosis.schannel_events[] | "\(.id)/\(.alert)@\(.logged_on)"] | join(",")')" = "36888/40@server,36887/40@client" ] && ok || bad "cipher: events"
# The good handshake before the certificate-type failure, and the per-client summary.
[ "$(jq -r --argjson p "${PORT[certtype]}" '[.connections[] | select(.server.port == $p and .outcome == "success")] | length' analysis.json)" = 1 ] && ok || bad "certtype: the good handshake"
[ "$(jq -r '.summary.by_client[] | select(.address == "127.0.0.1") | .failures' analysis.json)" -ge 9 ] && ok || bad "summary by client"
# Text report and filters.
run analyze --failed --server "127.0.0.1:${PORT[cipher]}" --no-summary cap.pcap
expect_grep 'outcome  FAILED: the server refused with a fatal alert' "$OUT" "text report"
[ "$(grep -c '^127.0.0.1:' <<<"$OUT")" = 1 ] && ok || bad "--server filter: $(grep -c '^127' <<<"$OUT") connections"
run analyze --jsonl cap.pcap
[ "$(wc -l <<<"$OUT")" -ge 10 ] && ok || bad "--jsonl lines"
finish
