#!/usr/bin/env bash
# The hostile-peer harness, clients' side (issue 19): `tlsdiag serve` against clients that
# stay silent, drip a hello a byte a second, send garbage, claim a 2^24-byte ClientHello,
# send the same ClientHello again after each HelloRetryRequest, send alerts of an undefined
# code or level, close right after the ClientHello, reset in the middle of it, offer SSLv2
# only, or connect and flood (hostile_client.py). Serve keeps answering a real client
# (openssl s_client) during and after, gives each hostile connection a precise note in its
# --jsonl record, and its peak memory stays bounded.
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null || exit 77
here=$(dirname "$0")
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16" # the peak is serve's, not ASan's
SERVE_PID=""
cleanup() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
modes=(silent drip garbage huge hrr_loop alert255 alert_level7 close_hello rst_midrecord sslv2 flood)

# windows-2025 answers a hello without a usable key share with a HelloRetryRequest.
timeout 120 "$TLSDIAG" serve --profile windows-2025 --port 0 --bind 127.0.0.1 --jsonl --fixes 0 \
  --hello-timeout 2 --handshake-timeout 4 >"$WORK/serve.jsonl" 2>"$WORK/serve.err" &
SERVE_PID=$!
PORT=$(serve_port "$WORK/serve.err")
SPID=$(pgrep -P "$SERVE_PID" | head -1)
[ -n "$PORT" ] && [ -n "$SPID" ] || { bad "serve did not start: $(cat "$WORK/serve.err")"; finish; exit; }
handshake() {
  timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -brief </dev/null 2>&1 | grep -q 'CONNECTION ESTABLISHED'
}
handshake && ok || bad "no handshake before the hostile clients"
timeout 90 python3 "$here/hostile_client.py" "$PORT" "${modes[@]}" >"$WORK/clients.json" &
clients=$!
sleep 0.5
during=0
for _ in 1 2 3; do handshake && during=$((during + 1)); sleep 0.3; done
[ "$during" -eq 3 ] && ok || bad "real handshakes during the hostile clients: $during of 3"
wait "$clients" && ok || bad "hostile_client.py failed"
kill -0 "$SPID" 2>/dev/null && ok || bad "serve died"
handshake && ok || bad "no handshake after the hostile clients"
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$SPID/status" 2>/dev/null || echo 0)
echo "serve peak RSS (VmHWM): ${hwm} kB"
[ "${hwm:-0}" -gt 0 ] && [ "$hwm" -lt 204800 ] && ok || bad "serve peak RSS ${hwm} kB (bound 200 MB)"
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=""

# check MODE 'ENDING DETAIL' NOTE_CONDITION MESSAGE (detail - for none): the record of that client's connection (found by its
# port); NOTE_CONDITION is Python on n (the note) and d (the record).
check() {
  python3 - "$WORK/clients.json" "$WORK/serve.jsonl" "$1" "$2" "$3" <<'PY' && ok || bad "serve, $1 client: $4"
import json, sys
clients = json.load(open(sys.argv[1]))
port = clients[sys.argv[3]]["port"]
rows = [r for r in map(json.loads, open(sys.argv[2])) if r["peer"].endswith(f":{port}")]
if len(rows) != 1:
    print("records:", rows, clients[sys.argv[3]])
    sys.exit(1)
d = rows[0]
n = d.get("note", "")
if f'{d["ending"]} {d["ending_detail"] or "-"}' != sys.argv[4] or not eval(sys.argv[5]):
    print(json.dumps(d)[:800])
    sys.exit(1)
PY
}
check silent 'no_client_hello timeout' 'n == "no whole ClientHello within 2.0 s (0 bytes received)"' "silence"
check drip 'no_client_hello timeout' 'n.startswith("no whole ClientHello within 2.0 s (") and d["bytes_in"] > 0' "a byte a second"
check garbage 'not_tls -' 'n.startswith("the first bytes are no ClientHello: BAD_CONTENT_TYPE")' "garbage"
check huge 'no_client_hello too_large' '"MSG_TOO_LARGE" in n and "handshake message length" in n' "2^24-byte claim"
check hrr_loop 'server_alert -' 'n == "after the server'"'"'s HelloRetryRequest the client'"'"'s ClientHello number 2 was refused (bad key share)"' "ClientHellos after a HelloRetryRequest"
check alert255 'client_alert -' 'n == "the client sent an alert 255 (no alert TLS defines)" and d["real"]["alert"]["name"] == "undefined"' "alert 255"
check alert_level7 'client_alert -' 'n == "the client sent an alert handshake_failure (40) of level 7 (neither warning 1 nor fatal 2)"' "alert of level 7"
check close_hello 'aborted closed' 'n == "the client closed the connection after its ClientHello, once the server had answered"' "close after the ClientHello"
check rst_midrecord 'no_client_hello reset' 'n.startswith("the client reset the connection after ") and n.endswith(" bytes, in the middle of its ClientHello")' "reset mid-record"
check sslv2 'server_alert -' 'n.startswith("the client offered SSLv2 only (an SSLv2 CLIENT-HELLO): refused")' "SSLv2-only hello"
check flood 'no_client_hello too_large' '"first flight larger than the recorder keeps" in n' "connect-then-flood"
python3 - "$WORK/clients.json" <<'PY' && ok || bad "a hostile client was left hanging by serve"
import json, sys
c = json.load(open(sys.argv[1]))
hung = [m for m, v in c.items() if v["end"] == "hung"]
assert not hung, hung
PY
finish
