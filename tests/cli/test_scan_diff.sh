#!/usr/bin/env bash
# scan --diff OLD.json, and match given two scans of one server: what changed between two
# scans ("did my GPO change do anything?"). Real openssl s_server on loopback, restarted
# with another configuration on the same port.
. "$(dirname "$0")/lib.sh"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 \
  -subj /CN=localhost 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
server() { # server ARGS...: (re)starts s_server on $port
  [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  timeout 300 openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/c.pem" -key "$WORK/k.pem" \
    -quiet "$@" </dev/null >/dev/null 2>&1 &
  SPID=$!; PIDS+=($SPID)
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.1; done
}
t="127.0.0.1:$port"
server -cipher 'ECDHE+AESGCM:AES128-SHA' -serverpref -groups X25519:P-256
"$TLSDIAG" scan --json "$t" >"$WORK/before.json" 2>/dev/null
# The same server again: nothing changed.
run scan --diff "$WORK/before.json" "$t"
expect_rc 0 "scan --diff, same server"
expect_grep "^  Changes since $WORK/before.json:$" "$OUT" "the diff section"
expect_grep '^  nothing changed' "$OUT" "nothing changed"
# TLS 1.3 off, AES128-SHA gone, a group gone.
server -cipher 'ECDHE+AESGCM' -serverpref -groups X25519 -max_protocol TLSv1.2
run scan --diff "$WORK/before.json" "$t"
expect_grep '^  TLSv1\.3: no longer accepted$' "$OUT" "a version no longer accepted"
expect_grep '^  TLSv1\.2 cipher suites: -TLS_RSA_WITH_AES_128_CBC_SHA$' "$OUT" "a suite removed"
expect_grep '^    \+TLS 1\.3 is not enabled$' "$OUT" "a new finding"
expect_grep '^    -TLSv1\.2 TLS_RSA_WITH_AES_128_CBC_SHA: ' "$OUT" "a finding gone"
"$TLSDIAG" scan --json "$t" >"$WORK/after.json" 2>/dev/null
# Only the server's order changed.
server -cipher 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' -serverpref -groups X25519 -max_protocol TLSv1.2
"$TLSDIAG" scan --json "$t" >"$WORK/order1.json" 2>/dev/null
server -cipher 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256' -serverpref -groups X25519 -max_protocol TLSv1.2
run scan --diff "$WORK/order1.json" "$t"
expect_grep '^  TLSv1\.2 cipher suites: the same, in another order$' "$OUT" "order changed"
# match with the two scans of one server shows the same changes, columns named by file.
run match --client java-8 --client legacy-printer --server "$WORK/before.json" --server "$WORK/after.json"
expect_grep "^What changed on $t between $WORK/before.json and $WORK/after.json:\$" "$OUT" "match: the changes"
expect_grep '^  TLSv1\.3: no longer accepted$' "$OUT" "match: a version no longer accepted"
expect_grep '^CLIENT \\ SERVER +before\.json +after\.json$' "$OUT" "match: columns named by file"
# A target not in the old scan; JSON output; a file that is not there.
run scan --diff "$WORK/before.json" "localhost:$port"
expect_grep "^  Changes since $WORK/before.json: localhost:$port is not in it\$" "$OUT" "a target not in the old scan"
# JSON and JSON lines carry the same changes as records (changes_since).
run scan --diff "$WORK/before.json" --json "$t" "localhost:$port"
expect_rc 0 "--diff with --json"
python3 - "$WORK/out" "$WORK/before.json" "$t" <<'PY' && ok || bad "--diff --json: changes_since"
import json, sys
doc = json.load(open(sys.argv[1]))
a, b = doc["targets"]
d = a["changes_since"]
assert d["file"] == sys.argv[2] and d["in_file"] is True, d
ch = {c["what"]: c for c in d["changes"]}
assert ch["version"] == {"what": "version", "version": "TLSv1.3", "accepted": False}, ch
s12 = ch["TLSv1.2 cipher suites"]
assert s12["added"] == [] and s12["removed"] == ["TLS_RSA_WITH_AES_128_CBC_SHA"], s12
assert "TLS 1.3 is not enabled" in ch["findings"]["added"], ch["findings"]
assert b["changes_since"] == {"file": sys.argv[2], "in_file": False}, b["changes_since"]
PY
run scan --diff "$WORK/order1.json" --jsonl "$t"
python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline())["changes_since"]
assert d["changes"] == [{"what": "TLSv1.2 cipher suites", "reordered": True}], d
' "$WORK/out" && ok || bad "--diff --jsonl: only the order changed"
run scan --diff "$WORK/none.json" "$t"; expect_rc 3 "--diff of a missing file"
expect_grep 'none.json' "$ERR" "names the file"
finish
