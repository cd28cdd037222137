#!/usr/bin/env bash
# Faults between scan and a real server (tests/integration/fault_proxy.py in front of
# openssl s_server): a reset is the server's refusal only when that is shown, never
# because a probe was lost. Through every proxy, each version and suite the direct scan
# accepts is reported accepted or listed as undecided (never "not accepted"), nothing is
# invented, no finding appears that the direct scan does not make, and a scan that could
# not decide everything says so (incomplete, exit 1). A proxy that turns the server's
# alerts into resets (as Windows schannel refuses) gives the direct scan's answers exactly,
# each reset confirmed. Running out of file descriptors (ulimit -n) is never "not
# accepted" either.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/loopback.sh" # free_port, wait_port
here=$(dirname "$0")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 \
  -subj /CN=localhost >/dev/null 2>&1
srv=$(free_port)
openssl s_server -accept "127.0.0.1:$srv" -www -cert "$WORK/c.pem" -key "$WORK/k.pem" \
  -cipher 'DEFAULT:@SECLEVEL=0' -min_protocol TLSv1 </dev/null >/dev/null 2>&1 & pids+=($!)
wait_port "$srv" || { bad "s_server did not start"; finish; exit; }

proxy() { # MODE NAME: starts a proxy, sets PORT
  rm -f "$WORK/port.$2"
  python3 "$here/fault_proxy.py" "$1" "$srv" "$WORK/port.$2" & pids+=($!)
  for _ in $(seq 100); do [ -s "$WORK/port.$2" ] && break; sleep 0.1; done
  PORT=$(cat "$WORK/port.$2")
}
scan() { # NAME TARGET...: scan --json into $WORK/NAME.json, RC
  timeout 300 "$TLSDIAG" scan --json -q --target-timeout 240 "${@:2}" >"$WORK/$1.json" 2>"$WORK/$1.err"
  RC=$?
  [ "$RC" -lt 86 ] || { bad "$1: crash or sanitizer report (rc=$RC)"; sed -n 1,20p "$WORK/$1.err" >&2; }
}
# compare DIRECT.json FAULTY.json EXACT(0/1): the rules above; prints the problems.
compare() {
  python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["targets"][0]
x = json.load(open(sys.argv[2]))["targets"][0]
exact = sys.argv[3] == "1"
probs = []
und = " ".join(x.get("undecided", []))
if "versions" not in x:
    probs.append("no versions: %s" % x.get("error"))
    x["versions"] = [{"version": v["version"], "accepted": None, "suites": []} for v in d["versions"]]
for vd, vx in zip(d["versions"], x["versions"]):
    if vd["accepted"] and vx["accepted"] is False:
        probs.append("%s reported not accepted" % vd["version"])
    sd = [s["name"] for s in vd["suites"]]
    sx = [s["name"] for s in vx["suites"]]
    if set(sx) - set(sd):
        probs.append("%s suites invented: %s" % (vd["version"], set(sx) - set(sd)))
    for n in set(sd) - set(sx):
        if vx["accepted"] is not None and n not in und:
            probs.append("%s %s neither found nor undecided" % (vd["version"], n))
    if exact and (vd["accepted"] != vx["accepted"] or sd != sx):
        probs.append("%s differs: %s %s vs %s %s" % (vd["version"], vd["accepted"], sd, vx["accepted"], sx))
for k in ("groups", "groups_tls12", "signature_schemes", "signature_schemes_tls13"):
    for n in set(d.get(k, [])) - set(x.get(k, [])):
        if n not in und or exact:
            probs.append("%s: %s missing" % (k, n))
    if set(x.get(k, [])) - set(d.get(k, [])):
        probs.append("%s invented: %s" % (k, set(x[k]) - set(d[k])))
fd = {f["text"] for f in d.get("findings", [])}
for f in x.get("findings", []):
    t = f["text"]
    if t not in fd and not (t.startswith("at least ") and not exact):
        probs.append("finding not in the direct scan: " + t)
complete = all(v["accepted"] is not None for v in x["versions"]) and not x.get("undecided")
if x.get("incomplete") != (not complete) or x.get("incomplete") != bool(x.get("undecided")):
    probs.append("incomplete=%s but undecided=%d" % (x.get("incomplete"), len(x.get("undecided", []))))
for p in probs[:12]:
    print(p)
sys.exit(1 if probs else 0)
PY
}
incomplete() { python3 -c 'import json,sys;sys.exit(0 if json.load(open(sys.argv[1]))["targets"][0]["incomplete"] else 1)' "$1"; }

scan direct "127.0.0.1:$srv"
expect_rc 0 "direct scan"

proxy pass pass
scan pass "127.0.0.1:$PORT"
expect_rc 0 "through a proxy that forwards everything"
compare "$WORK/direct.json" "$WORK/pass.json" 1 && ok || bad "pass-through proxy changed the answers"

proxy schannel schannel
scan schannel "127.0.0.1:$PORT"
expect_rc 0 "a server that refuses by reset (schannel style)"
compare "$WORK/direct.json" "$WORK/schannel.json" 1 && ok || bad "refusals by reset: not the direct scan's answers"
python3 -c 'import json,sys;sys.exit(0 if json.load(open(sys.argv[1]))["targets"][0]["resets_confirmed"] > 0 else 1)' \
  "$WORK/schannel.json" && ok || bad "schannel proxy: no reset was confirmed as a refusal"

# A server that serves one connection at a time (s_server; its answers 30 ms late, so the
# scan notices it and half-closes its probes) and drops a connection whose client
# half-closed: every such probe is asked again whole, and the answers are the direct scan's.
proxy fin:30 fin
scan fin "127.0.0.1:$PORT"
expect_rc 0 "a one-at-a-time server that drops half-closed connections"
compare "$WORK/direct.json" "$WORK/fin.json" 1 && ok || bad "half-closes dropped: not the direct scan's answers"
[ -s "$WORK/port.fin.fin" ] && ok || bad "fin:30: the scan never half-closed (nothing to test)"

for mode in random:0.3:7 random:0.5:11 after:30 stop:30; do
  name=${mode//:/_}
  proxy "$mode" "$name"
  scan "$name" "127.0.0.1:$PORT"
  compare "$WORK/direct.json" "$WORK/$name.json" 0 && ok || bad "$mode: a lost probe became an answer"
  if incomplete "$WORK/$name.json"; then
    expect_rc 1 "$mode: an incomplete scan exits 1"
  else
    compare "$WORK/direct.json" "$WORK/$name.json" 1 && ok || bad "$mode: complete but not the direct answers"
  fi
done
# after:N and stop:N lose most probes: the scan must say it is incomplete.
incomplete "$WORK/after_30.json" && ok || bad "after:30 not marked incomplete"
incomplete "$WORK/stop_30.json" && ok || bad "stop:30 not marked incomplete"

# The text report says what was not decided and never "no" for an undecided version.
"$TLSDIAG" scan -q --target-timeout 240 "127.0.0.1:$(cat "$WORK/port.after_30")" >"$WORK/text" 2>&1
grep -q "Incomplete: not decided" "$WORK/text" && ok || bad "text: no 'Incomplete' section"
python3 - "$WORK/direct.json" "$WORK/text" <<'PY' && ok || bad "text: an accepted version shown as 'no'"
import json, re, sys
d = json.load(open(sys.argv[1]))["targets"][0]
text = open(sys.argv[2]).read()
for v in d["versions"]:
    if v["accepted"] and re.search(r"^\s+%s\s+no\b" % re.escape(v["version"]), text, re.M):
        sys.exit(1)
PY

# Out of file descriptors: four targets at 64 probes in flight under ulimit -n 40.
(ulimit -n 40; scan emfile "127.0.0.1:$srv" "localhost:$srv" "127.0.0.1:$(cat "$WORK/port.pass")" \
  "localhost:$(cat "$WORK/port.pass")"; exit $RC)
RC=$?
python3 - "$WORK/direct.json" "$WORK/emfile.json" <<'PY' && ok || bad "EMFILE turned into answers"
import json, sys
d = json.load(open(sys.argv[1]))["targets"][0]
for x in json.load(open(sys.argv[2]))["targets"]:
    for vd, vx in zip(d["versions"], x.get("versions", [])):
        if vd["accepted"] and vx["accepted"] is False:
            print(x["target"], vd["version"], "not accepted")
            sys.exit(1)
        if vx["accepted"] and [s["name"] for s in vd["suites"]] != [s["name"] for s in vx["suites"]] \
                and not x["incomplete"]:
            print(x["target"], vd["version"], "suites differ")
            sys.exit(1)
    if "versions" not in x and "descriptor" not in (x.get("error", "") + " ".join(x["undecided"])):
        print(x["target"], x.get("error"))
        sys.exit(1)
PY
# ... nor a fact silently lost: the libssl handshakes (renegotiation, resumption, client
# certificates, certificates) that could not connect are retried, and what one never
# learnt is listed as undecided (a complete result has every fact of the direct scan).
python3 - "$WORK/direct.json" "$WORK/emfile.json" <<'PY' && ok || bad "EMFILE lost a fact silently"
import json, sys
d = json.load(open(sys.argv[1]))["targets"][0]
keys = ("resumption_session_id", "resumption_ticket_tls12", "resumption_ticket_tls13",
        "client_renegotiation")
for x in json.load(open(sys.argv[2]))["targets"]:
    if x.get("incomplete") or "versions" not in x:
        continue
    lost = [k for k in keys if x["features"].get(k) != d["features"].get(k)]
    if lost or len(x["certificates"]) != len(d["certificates"]):
        print(x["target"], "complete, but differs from the direct scan in", lost or "certificates")
        sys.exit(1)
PY
# A server that stalls every full handshake after its first flight (the probes, which send
# no second flight, pass): the libssl handshakes run out of time, and what they were for
# is listed as undecided, never left a silent null in a complete result.
proxy stall2 stall2
scan stall2 --timeout 1s "127.0.0.1:$PORT"
expect_rc 1 "a scan whose full handshakes all stalled is incomplete"
python3 - "$WORK/direct.json" "$WORK/stall2.json" <<'PY' && ok || bad "stalled handshakes lost a fact silently"
import json, sys
d = json.load(open(sys.argv[1]))["targets"][0]
x = json.load(open(sys.argv[2]))["targets"][0]
und = " ".join(x.get("undecided", []))
keys = {"resumption_session_id": "session ID resumption",
        "client_renegotiation": "renegotiation"}
probs = [k for k, q in keys.items() if d["features"].get(k) is not None and
         x["features"].get(k) is None and q not in und]
if not x.get("incomplete") or probs:
    print("incomplete:", x.get("incomplete"), "unknown but not listed:", probs, "undecided:", und)
    sys.exit(1)
PY
# A server that goes silent right after its Finished (the libssl handshakes complete, what
# the server sends after them is held): the TLS 1.3 tickets, the answer to a renegotiation
# and (when it asks for a client certificate) its verdict on none never come. Each is
# unknown and listed as undecided with the reason, never "no"; the target is incomplete
# (exit 1) and every other fact is the direct scan's.
# held DIRECT HELD WANT: WANT is a JSON object {"section.key": "start of its undecided note"}.
held() {
  python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["targets"][0]
x = json.load(open(sys.argv[2]))["targets"][0]
want = json.loads(sys.argv[3])
probs = []
for path, note in want.items():
    sec, key = path.split(".")
    if d[sec][key] is None:
        probs.append("the direct scan does not know %s (nothing to test)" % path)
    if x[sec][key] is not None:
        probs.append("%s: %s" % (path, x[sec][key]))
    if sum(u.startswith(note) for u in x["undecided"]) != 1:
        probs.append("no undecided note %r" % note)
    d[sec].pop(key)
    x[sec].pop(key)
if len(x["undecided"]) != len(want) or not x["incomplete"]:
    probs.append("incomplete %s, undecided %s" % (x["incomplete"], x["undecided"]))
for f in x["findings"]:  # an incomplete result counts "at least" so many
    f["text"] = f["text"][len("at least "):] if f["text"].startswith("at least ") else f["text"]
for k in set(d) | set(x):
    if k not in ("target", "port", "address", "stats", "undecided", "incomplete",
                 "probes_retried") and d.get(k) != x.get(k):
        probs.append("%s differs: %.300s vs %.300s" % (k, d.get(k), x.get(k)))
print("\n".join(probs))
sys.exit(1 if probs else 0)
PY
}
tickets='"features.resumption_ticket_tls13": "TLS 1.3 session tickets and resumption with them not decided (nothing within "'
reneg='"features.client_renegotiation": "client-initiated renegotiation not decided (no answer within 5000 ms after the renegotiation'"'"'s ClientHello)"'
# The connection that made the session never saw the server's answer to close_notify: the
# server may have dropped the session (OpenSSL does, for a connection it saw cut), so a
# resumption it refuses tells nothing.
sid='"features.resumption_session_id": "session ID resumption not decided (the connection that made the session ended without the server'"'"'s answer: "'
proxy hold hold
scan hold "127.0.0.1:$PORT"
expect_rc 1 "a server silent after its Finished: incomplete"
held "$WORK/direct.json" "$WORK/hold.json" "{$tickets, $reneg, $sid}" && ok ||
  bad "a server silent after its Finished: wrong answers"
"$TLSDIAG" scan -q --target-timeout 240 "127.0.0.1:$PORT" >"$WORK/hold.text" 2>&1
grep -q "by ticket: TLS 1.2 yes, TLS 1.3 unknown" "$WORK/hold.text" &&
  grep -q "client-initiated renegotiation unknown" "$WORK/hold.text" &&
  grep -q "TLS 1.3 session tickets and resumption with them not decided" "$WORK/hold.text" &&
  ok || { bad "text: tickets or renegotiation not shown unknown"; cat "$WORK/hold.text" >&2; }
# The same cut by a reset (200 ms after the Finished) instead of a stall: unknown as well,
# and the scan lives on (a close_notify written after the reset is EPIPE, not a SIGPIPE
# that ended the whole scan).
proxy holdreset holdreset
scan holdreset "127.0.0.1:$PORT"
expect_rc 1 "a server that resets after its Finished: incomplete"
cut='the connection ended (Connection reset by peer) after'
held "$WORK/direct.json" "$WORK/holdreset.json" "{\"features.resumption_ticket_tls13\": \"TLS 1.3 session tickets and resumption with them not decided ($cut\", \"features.client_renegotiation\": \"client-initiated renegotiation not decided ($cut\", $sid}" &&
  ok || bad "a server that resets after its Finished: wrong answers"
# The same asking for a client certificate (optional, so it goes on without one): its
# verdict on none is not seen either.
cv=$(free_port)
openssl s_server -accept "127.0.0.1:$cv" -www -cert "$WORK/c.pem" -key "$WORK/k.pem" \
  -verify 1 </dev/null >/dev/null 2>&1 & pids+=($!)
wait_port "$cv" || bad "s_server -verify did not start"
scan certreq "127.0.0.1:$cv"
expect_rc 0 "direct scan of a server asking for a client certificate"
srv=$cv proxy hold holdcv
scan holdcv "127.0.0.1:$PORT"
expect_rc 1 "asking for a client certificate, silent after its Finished: incomplete"
required='"client_certificate.required": "whether a client certificate is required not decided (nothing within "'
held "$WORK/certreq.json" "$WORK/holdcv.json" "{$tickets, $reneg, $required, $sid}" && ok ||
  bad "asking for a client certificate, silent after its Finished: wrong answers"
# A server that sends no TLS 1.3 ticket and answers close_notify: "no", a complete result
# (gnutls-serv, which serves connections side by side: s_server serves one at a time, and
# the wait for tickets would hold up the scan's other handshakes).
nt=$(free_port)
gnutls-serv -p "$nt" --x509certfile "$WORK/c.pem" --x509keyfile "$WORK/k.pem" --http -q \
  --noticket </dev/null >/dev/null 2>&1 & pids+=($!)
wait_port "$nt" || bad "gnutls-serv --noticket did not start"
scan noticket "127.0.0.1:$nt"
expect_rc 0 "a server that sends no TLS 1.3 ticket"
python3 -c 'import json,sys;x=json.load(open(sys.argv[1]))["targets"][0]
sys.exit(0 if x["features"]["resumption_ticket_tls13"] is False and not x["incomplete"] else 1)' \
  "$WORK/noticket.json" && ok || bad "no TLS 1.3 ticket sent: not a plain \"no\""
# A server that keeps answering a full handshake, a byte every 200 ms, past the handshake's
# whole time limit (4 x --timeout): each read gets a byte well within its own limit of
# 1000 ms, so the handshake the server serves ran out of its whole limit ("not finished
# within 4 s"), never "no answer within 1000 ms". (s_server without TLS 1.3: the handshake
# itself trickles, not only the tickets after it; the other handshakes wait behind it,
# unanswered, and say so.)
t12=$(free_port)
openssl s_server -accept "127.0.0.1:$t12" -www -cert "$WORK/c.pem" -key "$WORK/k.pem" \
  -no_tls1_3 </dev/null >/dev/null 2>&1 & pids+=($!)
wait_port "$t12" || bad "s_server -no_tls1_3 did not start"
srv=$t12 proxy trickle:200 trickle
scan trickle --timeout 1s "127.0.0.1:$PORT"
expect_rc 1 "a handshake answered slower than its whole time limit: incomplete"
python3 - "$WORK/trickle.json" <<'PY' && ok || bad "a handshake answered slowly said no answer"
import json, sys
x = json.load(open(sys.argv[1]))["targets"][0]
notes = [u for u in x["undecided"] if "the libssl handshake" in u]
served = [u for u in notes if u.endswith("handshake: not finished within 4 s)")]
if not x["incomplete"] or len(served) != 1:
    print("incomplete:", x["incomplete"], "undecided:", x["undecided"])
    sys.exit(1)
PY
finish
