#!/usr/bin/env bash
# The hostile-peer harness, servers' side (issue 19): scan and connect against servers that
# stay silent, drip a byte a second, answer garbage, claim a 2^24-byte message, answer
# every ClientHello (the retried one too) with a HelloRetryRequest, send alerts of an
# undefined code or level, close right after a real ServerHello, reset in the middle of a
# record, speak SSLv2 only, or flood HelloRequests without end (hostile_server.py).
# Each: the command ends (a hang guard only, no time threshold), exits with its documented
# code, names what happened in its note; a real server scanned in the same run gets the
# same report as when scanned alone; the peak memory of tlsdiag stays bounded.
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null || exit 77
here=$(dirname "$0")
# The peak reflects what tlsdiag holds, not ASan's quarantine of freed blocks (256 MB).
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
modes=(silent drip garbage huge hrr alert255 alert_level7 sh_close midrecord_rst sslv2 flood)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 \
  -subj /CN=localhost >/dev/null 2>&1
for m in "${modes[@]}"; do
  python3 "$here/hostile_server.py" "$m" "$WORK/port.$m" "$WORK/c.pem" & pids+=($!)
done
good=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
openssl s_server -accept "$good" -cert "$WORK/c.pem" -key "$WORK/k.pem" -quiet -naccept 100000 \
  </dev/null >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do
  n=0; for m in "${modes[@]}"; do [ -s "$WORK/port.$m" ] && n=$((n + 1)); done
  [ "$n" -eq "${#modes[@]}" ] && (exec 3<>/dev/tcp/127.0.0.1/$good) 2>/dev/null && break
  sleep 0.1
done
port() { cat "$WORK/port.$1"; }
# guarded NAME LIMIT_S CMD...: runs tlsdiag under the hang guard, peak RSS in $WORK/NAME.rss.
guarded() {
  local name=$1 limit=$2; shift 2
  python3 "$here/peak_rss.py" "$WORK/$name.rss" "$limit" "$@"
}
# A probe time limit and a retry that a loaded machine still meets for the real server.
scan_args=(scan --jsonl -q --timeout 3000 --retries 1 --target-timeout 60)

# ---- scan: every hostile server and the real one in one run, and the real one alone --------
targets=(); for m in "${modes[@]}"; do targets+=("127.0.0.1:$(port "$m")"); done
targets+=("localhost:$good")
guarded scan 120 "$TLSDIAG" "${scan_args[@]}" "${targets[@]}" >"$WORK/scan.jsonl" 2>"$WORK/scan.err"
RC=$?; ERR=$(cat "$WORK/scan.err")
[ "$RC" -ne 124 ] && ok || bad "scan did not end (hang guard)"
[ "$RC" -lt 86 ] || bad "scan: crash or sanitizer report (rc=$RC)"
expect_rc 1 "a scan with failing targets exits 1"
"$TLSDIAG" "${scan_args[@]}" "localhost:$good" >"$WORK/alone.jsonl" 2>/dev/null
python3 - "$WORK/scan.jsonl" "$WORK/alone.jsonl" "localhost:$good" <<'PY' && ok || bad "the real server's report differs when hostile targets share the run"
import json, sys
def clean(d):  # timing and counters of how the run went, not what the server is
    if isinstance(d, dict):
        return {k: clean(v) for k, v in d.items()
                if k not in ("seconds", "probes", "probes_retried", "connections", "handshakes")}
    if isinstance(d, list):
        return [clean(v) for v in d]
    return d
mixed = [json.loads(l) for l in open(sys.argv[1])]
alone = [json.loads(l) for l in open(sys.argv[2])]
a = clean([r for r in mixed if r["target"] == sys.argv[3]][0])
b = clean(alone[0])
if a != b:
    print("mixed run:", a.get("error"), a.get("undecided"))
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("differs:", k, json.dumps(a.get(k))[:300], "|", json.dumps(b.get(k))[:300])
    sys.exit(1)
PY
rss=$(cat "$WORK/scan.rss"); echo "scan of ${#targets[@]} targets: peak RSS ${rss} kB"
[ "$rss" -lt 307200 ] && ok || bad "scan peak RSS ${rss} kB (bound 300 MB)"

# scan_check MODE CONDITION MESSAGE: CONDITION is Python on d (the target's JSON) and v
# (its versions by name).
scan_check() {
  python3 - "$WORK/scan.jsonl" "127.0.0.1:$(port "$1")" "$2" <<'PY' && ok || bad "scan $1: $3"
import json, sys
d = [r for r in map(json.loads, open(sys.argv[1])) if r["target"] == sys.argv[2]][0]
v = {x["version"]: x for x in d.get("versions", [])}
if not eval(sys.argv[3]):
    print(json.dumps({"error": d.get("error"), "notes": {k: x.get("note") for k, x in v.items()},
                      "undecided": d.get("undecided")})[:1500])
    sys.exit(1)
PY
}
scan_check silent '"no answer: the server accepts the connection but never answers" in d["error"]' "silence"
scan_check drip '"never with a whole ServerHello in time: no ServerHello within 3000 ms, after" in d["error"] and "record" in d["error"]' "a byte a second"
scan_check garbage '"does not speak TLS" in d["error"] and "BAD_CONTENT_TYPE" in d["error"]' "garbage"
scan_check huge '"MSG_TOO_LARGE" in d["error"] and "handshake message length" in d["error"]' "2^24-byte message"
scan_check hrr 'v["TLSv1.3"]["accepted"] is None and "HelloRetryRequest, the retried one too" in v["TLSv1.3"]["note"] and v["TLSv1.2"]["note"] == "answered with a HelloRetryRequest for TLSv1.3" and any("RFC 8446 4.1.4" in u for u in d["undecided"])' "endless HelloRetryRequests"
scan_check alert255 'all(v[n]["note"] == "alert 255 (no alert TLS defines)" and not v[n]["accepted"] for n in ("SSLv3", "TLSv1.0", "TLSv1.2", "TLSv1.3"))' "alert 255"
scan_check alert_level7 'all(v[n]["note"] == "alert handshake_failure (40) of level 7 (neither warning 1 nor fatal 2)" for n in ("TLSv1.2", "TLSv1.3"))' "alert of level 7"
scan_check sh_close 'v["TLSv1.2"]["accepted"] and any("did not end (closed before ServerHelloDone)" in u for u in d["undecided"])' "close after the ServerHello"
scan_check midrecord_rst 'd["error"] == "the server cuts every answer short: reset after 8 bytes: a record of 69 bytes begun, 8 of them came"' "reset mid-record"
scan_check sslv2 'v["SSLv2"]["accepted"] and "an SSLv2 SERVER-HELLO in answer to a TLS ClientHello" in v["TLSv1.2"]["note"]' "SSLv2 only"
scan_check flood '"the server does not speak TLS: more than 65536 bytes and no ServerHello" in d["error"] and "hello_request messages, which a client ignores" in d["error"]' "HelloRequest flood"

# ---- connect, and connect --as (the codec reads the answer), against each -------------------
for m in "${modes[@]}"; do
  echo "guarded conn.$m 120 $TLSDIAG connect 127.0.0.1:$(port "$m") --timeout 2 --json"
  echo "guarded conna.$m 120 $TLSDIAG connect 127.0.0.1:$(port "$m") --timeout 2 --json --as testssl-openssl-303"
done >"$WORK/jobs"
export -f guarded; export here WORK
conn_pids=()
while read -r line; do
  name=$(awk '{print $2}' <<<"$line")
  ( eval "$line" >"$WORK/$name.json" 2>"$WORK/$name.err"; echo $? >"$WORK/$name.rc" ) &
  conn_pids+=($!)
  if [ "${#conn_pids[@]}" -ge 4 ]; then wait "${conn_pids[@]}"; conn_pids=(); fi
done <"$WORK/jobs"
wait "${conn_pids[@]}"
# conn_check NAME RC CONDITION MESSAGE: CONDITION is Python on d (the JSON).
conn_check() {
  local rc; rc=$(cat "$WORK/$1.rc")
  [ "$rc" = "$2" ] && ok || bad "$1: exit $rc, want $2 ($(head -c 300 "$WORK/$1.err"))"
  python3 - "$WORK/$1.json" "$3" <<'PY' && ok || bad "$1: $4"
import json, sys
d = json.load(open(sys.argv[1]))
if not eval(sys.argv[2]):
    print({k: d.get(k) for k in ("ending", "ending_detail", "note", "error", "alert")})
    sys.exit(1)
PY
  local kb; kb=$(cat "$WORK/$1.rss")
  [ "$kb" -lt 204800 ] && ok || bad "$1: peak RSS $kb kB (bound 200 MB)"
}
conn_check conn.silent 1 'd["ending"] == "no_answer" and "no answer within 2000 ms" in d["error"]' "silence"
conn_check conn.drip 1 'd["ending"] is None and d["ending_detail"] == "timeout" and d["note"] == "the server sent bytes but no ServerHello in time" and "no ServerHello within 2000 ms, after" in d["error"]' "a byte a second"
conn_check conn.garbage 1 'd["note"].startswith("the answer is not TLS: BAD_CONTENT_TYPE")' "garbage"
conn_check conn.huge 1 '"claims 16777215 bytes" in d["note"]' "2^24-byte message"
conn_check conn.hrr 1 '"second HelloRetryRequest" in d["note"] and d["alert"]["code"] == 10' "endless HelloRetryRequests"
conn_check conn.alert255 1 'd["note"] == "the server sent an alert 255 (no alert TLS defines)"' "alert 255"
conn_check conn.alert_level7 1 'd["note"] == "the server sent an alert handshake_failure (40) of level 7 (neither warning 1 nor fatal 2)"' "alert of level 7"
conn_check conn.sh_close 1 'd["ending"] == "aborted" and d["ending_detail"] == "closed" and d["note"] == "the server closed the connection after its ServerHello, before the handshake ended"' "close after the ServerHello"
conn_check conn.midrecord_rst 1 'd["ending_detail"] == "reset" and d["note"] == "the server reset the connection after 8 bytes: a record of 69 bytes begun, 8 of them came"' "reset mid-record"
conn_check conn.sslv2 1 '"SSLv2 SERVER-HELLO" in d["note"]' "SSLv2 only"
conn_check conn.flood 1 'd["ending_detail"] == "timeout" and "hello_request messages, which a client ignores" in d["error"]' "HelloRequest flood"
conn_check conna.silent 1 'd["ending"] == "no_answer"' "silence"
conn_check conna.drip 1 'd["ending"] is None and d["note"].startswith("no ServerHello within 2000 ms, after")' "a byte a second"
conn_check conna.garbage 1 'd["note"].startswith("the answer is not TLS: BAD_CONTENT_TYPE")' "garbage"
conn_check conna.huge 1 '"MSG_TOO_LARGE" in d["note"]' "2^24-byte message"
conn_check conna.hrr 0 'd["hello_retry_request"] is True' "a HelloRetryRequest is the answer to one hello"
conn_check conna.alert255 1 'd["note"] == "the server sent an alert 255 (no alert TLS defines)"' "alert 255"
conn_check conna.alert_level7 1 'd["note"] == "the server sent an alert handshake_failure (40) of level 7 (neither warning 1 nor fatal 2)"' "alert of level 7"
conn_check conna.sh_close 1 'd["ending"] == "aborted" and d["note"] == "the server'"'"'s ServerHello (TLSv1.2) came, then: closed before ServerHelloDone"' "close after the ServerHello"
conn_check conna.midrecord_rst 1 'd["note"] == "reset after 8 bytes: a record of 69 bytes begun, 8 of them came"' "reset mid-record"
conn_check conna.sslv2 1 '"SSLv2 SERVER-HELLO in answer to a TLS ClientHello" in d["note"]' "SSLv2 only"
conn_check conna.flood 1 'd["note"].startswith("the answer is not TLS: more than 65536 bytes and no ServerHello") and "hello_request messages, which a client ignores" in d["note"]' "HelloRequest flood"
finish
