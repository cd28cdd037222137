#!/usr/bin/env bash
# `tlsdiag serve` with its DEFAULT limits under a storm of 500 slow connections (silent,
# dripping a hello a byte a second, half a hello): real clients from the storm's own address
# and from another one still complete their handshakes while the storm is held open
# (stalled connections are evicted first, one address cannot take every slot, the hello has
# a short deadline). Also: serve gives up root once listening, and --json stays one valid
# document written as clients come (nothing kept until exit).
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null || exit 77
ulimit -n 4096 2>/dev/null || true
SERVE_PID=""
cleanup() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

hello=$(awk '/^name = testssl-chrome/{f=1} f && /^client_hello = /{print $3; exit}' \
  "$TLSD_SRCDIR/data/profiles/testssl.profiles")
[ -n "$hello" ] || { bad "no testssl hello"; finish; exit; }

timeout 120 "$TLSDIAG" serve --profile openssl-3 --port 0 --bind 127.0.0.1 --json --fixes 0 \
  >"$WORK/serve.json" 2>"$WORK/serve.err" &
SERVE_PID=$!
PORT=""
for _ in $(seq 100); do
  PORT=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' "$WORK/serve.err")
  [ -n "$PORT" ] && break; sleep 0.05
done
[ -n "$PORT" ] || { bad "serve did not start: $(cat "$WORK/serve.err")"; finish; exit; }
SPID=$(pgrep -P "$SERVE_PID" | head -1)

# Root is given up once the port is open (the tests run as root in CI).
if [ "$(id -u)" -eq 0 ] && [ -n "$SPID" ]; then
  uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$SPID/status")
  [ -n "$uid" ] && [ "$uid" != "0000" ] && ok || bad "serve still runs as root (Uid: $uid)"
fi

timeout 90 python3 "$(dirname "$0")/serve_slow_storm.py" "$PORT" "$hello" 500 >"$WORK/storm.json"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "storm generator failed (rc $rc)"
echo "storm: $(cat "$WORK/storm.json")"
python3 - "$WORK/storm.json" <<'PY' && ok || bad "real clients were kept out by the storm"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["storm_opened"] >= 400, s            # the storm really happened
assert s["handshakes"]["127.0.0.2"] == 5, s   # another address is never kept out
assert s["handshakes"]["127.0.0.1"] == 5, s   # nor the storm's own, stalled ones go first
PY
kill -0 "$SPID" 2>/dev/null && ok || bad "serve died in the storm"
# One client dripping its hello a byte a second is closed at the hello deadline.
python3 - "$PORT" "$hello" <<'PY' && ok || bad "a dripping client was not closed"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1.0)
for b in bytes.fromhex(sys.argv[2])[:60]:
    try:
        s.send(bytes([b]))
        if s.recv(100) == b"":
            sys.exit(0)
    except socket.timeout:
        continue
    except OSError:
        sys.exit(0)
sys.exit(1)
PY
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=""
python3 - "$WORK/serve.json" <<'PY' && ok || bad "serve --json output wrong: $(tail -c 300 "$WORK/serve.json")"
import json, sys, collections
d = json.load(open(sys.argv[1]))
ends = collections.Counter(c["ending_detail"] or c["ending"] for c in d)
print("serve reported:", dict(ends))
assert ends["success"] >= 10, ends
assert ends["evicted"] > 0, ends            # room was made by evicting stalled clients
assert ends["timeout"] >= 1, ends           # the dripping hello hit the hello deadline
assert any("no whole ClientHello" in c.get("hello_error", "") for c in d), d[-3:]
for c in d:
    if c["ending_detail"] in ("evicted", "timeout"):
        assert c.get("hello_error"), c      # each says why
PY

# Peer text never reaches the terminal raw, and JSON stays valid UTF-8: a server_name with an
# ESC sequence and one with a byte that is not UTF-8, in text and in --jsonl.
for fmt in text jsonl; do
  args=(); [ "$fmt" = jsonl ] && args=(--jsonl)
  timeout 60 "$TLSDIAG" serve --profile openssl-3 --port 0 --bind 127.0.0.1 --count 2 \
    --fixes 0 "${args[@]}" >"$WORK/sni.$fmt" 2>"$WORK/sni.err" &
  SERVE_PID=$!
  PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' "$WORK/sni.err")
    [ -n "$PORT" ] && break; sleep 0.05
  done
  for name in $'evil\e[2J\e]0;pwned\aname' $'caf\xe9.example'; do
    timeout 5 openssl s_client -connect "127.0.0.1:$PORT" -servername "$name" </dev/null >/dev/null 2>&1
  done
  wait "$SERVE_PID"; SERVE_PID=""
  if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/sni.$fmt"; then
    bad "serve $fmt: a control character from the network reached the output"
  else ok; fi
done
expect_grep 'server name: evil\\x1B\[2J\\x1B\]0;pwned\\x07name' "$(cat "$WORK/sni.text")" "serve text shows the escaped name"
expect_grep 'server name: caf\\xE9\.example' "$(cat "$WORK/sni.text")" "serve text shows a non-UTF-8 byte as hex"
python3 - "$WORK/sni.jsonl" <<'PY' && ok || bad "serve --jsonl: server_name not valid UTF-8 or missing"
import json, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")  # strict: valid UTF-8
names = [json.loads(l)["offered"]["server_name"] for l in raw.decode().splitlines()]
assert names == ["evil\x1b[2J\x1b]0;pwned\x07name", "caf\u00e9.example"], names
PY
finish
