#!/usr/bin/env bash
# Real error messages, made here: misconfigured servers on loopback (OpenSSL s_server and a plain
# HTTP listener), and openssl s_client, gnutls-cli, curl and Python's ssl module failing against
# them. Each tool's exact output goes to `tlsdiag explain`; the best candidate must name the cause.
# The servers' own error logs are explained too (OpenSSL as server: no shared cipher, unsupported
# protocol, and plain HTTP sent to its TLS port).
#   no common suite     server AES128-SHA only (TLS 1.2)  vs client ECDHE-RSA-AES256-GCM-SHA384
#   no common version   server TLS 1.3 only               vs client TLS 1.2 at most
#   unknown CA          self-signed certificate           vs client trusting the system store
#   host-name mismatch  certificate for other.example     vs client checking the name it used
#   plain-text port     an HTTP server                    vs a TLS client
#   reset               a listener that resets the connection after the ClientHello (as
#                       Schannel does when nothing is in common)
#   unclean close       a listener that closes (FIN, no alert) after the ClientHello
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/loopback.sh" # free_port, wait_addr
for tool in openssl gnutls-cli curl python3 timeout; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

wait_port() { wait_addr 127.0.0.1 "$1" || { bad "nothing listens on port $1"; return 1; }; }

# Certificates: a self-signed one for localhost; a CA and a leaf for other.example signed by it.
cd "$WORK" || exit 3
subj() { openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" -addext "subjectAltName=DNS:$1" "${@:2}" 2>/dev/null; }
subj localhost -keyout self.key -out self.pem
subj "tlsdiag test CA" -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE
openssl req -newkey rsa:2048 -nodes -subj /CN=other.example -keyout leaf.key -out leaf.csr 2>/dev/null
printf 'subjectAltName=DNS:other.example\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem 2>/dev/null
[ -s self.pem ] && [ -s leaf.pem ] || { bad "could not make certificates"; finish; exit; }

declare -A PORT
serve_tls() { # NAME OPTIONS...: s_server on a free port, its messages in out.server.NAME
  local name=$1; shift; PORT[$name]=$(free_port)
  openssl s_server -accept "127.0.0.1:${PORT[$name]}" -www "$@" >"$WORK/out.server.$name" 2>&1 &
  PIDS+=($!)
}
serve_tls cipher -cert self.pem -key self.key -cipher AES128-SHA -no_tls1_3
serve_tls version -cert self.pem -key self.key -tls1_3
serve_tls unknown -cert self.pem -key self.key
serve_tls name -cert leaf.pem -key leaf.key
serve_tls http -cert self.pem -key self.key
PORT[plain]=$(free_port)
python3 -m http.server "${PORT[plain]}" --bind 127.0.0.1 >/dev/null 2>&1 & PIDS+=($!)
# drop MODE PORT: reads the ClientHello, then resets (SO_LINGER 0) or closes the connection.
drop() {
  python3 - "$@" <<'PY' &
import socket, struct, sys
mode, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", port)); s.listen(8)
while True:
    c, _ = s.accept()
    c.settimeout(3)
    try:
        c.recv(65536)
    except OSError:
        pass
    if mode == "reset":
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
PY
  PIDS+=($!)
}
PORT[reset]=$(free_port); drop reset "${PORT[reset]}"
PORT[eof]=$(free_port); drop eof "${PORT[eof]}"
for s in cipher version unknown name plain http reset eof; do wait_port "${PORT[$s]}" || { finish; exit; }; done

# The client side of each case, per tool (extra options; the name case trusts our CA).
declare -A OSSL=([cipher]="-cipher ECDHE-RSA-AES256-GCM-SHA384 -no_tls1_3" [version]="-tls1_2" [reset]="" [eof]=""
  [unknown]="-verify_return_error -verify_hostname localhost"
  [name]="-verify_return_error -verify_hostname localhost -CAfile ca.pem" [plain]="")
declare -A GNUTLS=([cipher]="--priority NORMAL:-CIPHER-ALL:+AES-256-GCM:-RSA"
  [version]="--priority NORMAL:-VERS-ALL:+VERS-TLS1.2" [unknown]="" [name]="--x509cafile ca.pem" [plain]=""
  [reset]="" [eof]="")
declare -A CURL=([cipher]="--ciphers ECDHE-RSA-AES256-GCM-SHA384 --tls-max 1.2" [version]="--tls-max 1.2"
  [unknown]="" [name]="--cacert ca.pem" [plain]="" [reset]="" [eof]="")
declare -A CAUSE=([cipher]=no-common-cipher [version]=no-common-version [unknown]=untrusted-ca
  [name]=name-mismatch [plain]=not-tls [http]=not-tls [reset]=connection-dropped [eof]=connection-dropped)

PY='
import socket, ssl, sys
case, port = sys.argv[1], int(sys.argv[2])
ctx = ssl.create_default_context()
if case == "cipher":
    ctx.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384"); ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if case == "version":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if case == "name":
    ctx.load_verify_locations("ca.pem")
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    ctx.wrap_socket(s, server_hostname="localhost")
'

# check TOOL CASE: explain the output in $WORK/out.TOOL.CASE; the best candidate names the cause.
check() {
  local f="$WORK/out.$1.$2" got
  [ -s "$f" ] || { bad "$1 $2: no output"; return; }
  run_in "$f" explain --json
  got=$(python3 -c 'import json,sys; m=json.load(sys.stdin)["matches"][0]; print(m["causes"][0]["id"], m["key"])' <<<"$OUT" 2>/dev/null)
  if [ "${got%% *}" = "${CAUSE[$2]}" ]; then ok; else
    bad "$1 $2: best candidate [$got], want cause ${CAUSE[$2]}; output was:"; sed 's/^/    | /' "$f" | head -20 >&2
  fi
  [ -n "${VERBOSE:-}" ] && echo "$1 $2 -> $got"
}

for c in cipher version unknown name plain reset eof; do
  p=${PORT[$c]}
  # shellcheck disable=SC2086
  timeout 10 openssl s_client -connect "127.0.0.1:$p" -servername localhost ${OSSL[$c]} </dev/null >"$WORK/out.openssl.$c" 2>&1
  # shellcheck disable=SC2086
  timeout 10 gnutls-cli -p "$p" ${GNUTLS[$c]} localhost </dev/null >"$WORK/out.gnutls.$c" 2>&1
  host=localhost; [ "$c" = name ] && host=printer.example
  # shellcheck disable=SC2086
  timeout 10 curl -sS ${CURL[$c]} --resolve "$host:$p:127.0.0.1" "https://$host:$p/" -o /dev/null 2>"$WORK/out.curl.$c"
  timeout 10 python3 -c "$PY" "$c" "$p" >/dev/null 2>"$WORK/out.python.$c"
  for t in openssl gnutls curl python; do check "$t" "$c"; done
done
# Plain HTTP to a TLS port, seen from the server.
timeout 10 curl -sS "http://127.0.0.1:${PORT[http]}/" -o /dev/null 2>/dev/null
sleep 0.2 # let the servers write their logs
for c in cipher version http; do check server "$c"; done
finish
