#!/usr/bin/env bash
# A small fleet (issue 20; bench/fleet_bench.py is the 10,000-target one) scanned with standard
# error on a terminal (script(1) gives the scan a pty): one nginx on 20 loopback addresses
# (10 with TLS 1.2 and 1.3 and an ECDSA certificate, 10 with TLS 1.2 only and an RSA one), 5
# closed ports (refused) and 3 listeners that never accept (each probe runs into --timeout).
# Checked: every target has exactly one --jsonl line, as the server was configured (versions
# and key type; "tcp_refused"; "no_answer"); the progress line's format — "scan: D/N targets,
# P probes" then ", ETA ..." — fits 80 columns, its counts only grow, and the line is cleared
# at the end. Not timings: the ETA's presence follows from the order targets must end in
# (the refused ones at once, the silent ones not before their 1.5 s probe time limit, after
# the ETA's 1 s), not from how fast anything is.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/loopback.sh"
command -v nginx >/dev/null && command -v openssl >/dev/null && command -v script >/dev/null ||
  exit 77
EC=10 RSA=10 CLOSED=5 SILENT=3

make_certs
PORT=$(free_port) SILENT_PORT=$(free_port)
start_nginx fleet 1024 300 <<EOF
  server {
$(listens 11 "$EC" "$PORT")
    ssl_certificate $WORK/ec.pem; ssl_certificate_key $WORK/ec.key;
    ssl_protocols TLSv1.2 TLSv1.3; location / { return 200 ok; } }
  server {
$(listens 12 "$RSA" "$PORT")
    ssl_certificate $WORK/rsa.pem; ssl_certificate_key $WORK/rsa.key;
    ssl_protocols TLSv1.2; location / { return 200 ok; } }
EOF
wait_addr 127.0.11.1 "$PORT" && wait_addr "127.0.12.$RSA" "$PORT" && ok ||
  { bad "nginx did not start: $(cat "$WORK/nginx-fleet/logs/error.log")"; finish; exit; }
start_silent 300 "$SILENT_PORT" 15 "$SILENT" && ok ||
  { bad "silent listeners: $(cat "$WORK/silent.out")"; finish; exit; }

{
  for i in $(seq "$EC"); do echo "127.0.11.$i:$PORT"; done
  for i in $(seq "$RSA"); do echo "127.0.12.$i:$PORT"; done
  for i in $(seq "$CLOSED"); do echo "127.0.14.$i:$PORT"; done # nothing listens there
  for i in $(seq "$SILENT"); do echo "127.0.15.$i:$SILENT_PORT"; done
} >"$WORK/targets"
N=$(wc -l <"$WORK/targets")

# script(1): the scan's standard error is its pty, copied to the typescript; stdout to a file.
cat >"$WORK/run.sh" <<EOF
exec "$TLSDIAG" scan --jsonl --timeout 1500 --retries 0 -iL "$WORK/targets" >"$WORK/out.jsonl"
EOF
script -qec "bash $WORK/run.sh" /dev/null >"$WORK/typescript" </dev/null
rc=$?
[ "$rc" -eq 1 ] && ok || bad "scan under script: exit $rc, want 1 (some targets not scanned)"

python3 - "$WORK/targets" "$WORK/out.jsonl" <<'PY' && ok || bad "the fleet's results"
import collections, json, sys
want = {}
for line in open(sys.argv[1]):
    t = line.strip()
    net = t.split(".")[2]
    want[t] = {"11": ("tls", "TLSv1.2,TLSv1.3", "EC"), "12": ("tls", "TLSv1.2", "RSA"),
               "14": ("error", "tcp_refused"), "15": ("error", "no_answer")}[net]
lines = collections.Counter()
got = {}
for line in open(sys.argv[2]):
    d = json.loads(line)
    lines[d["target"]] += 1
    if "error" in d:
        got[d["target"]] = ("error", d.get("ending"))
    else:
        got[d["target"]] = ("tls", ",".join(v["version"] for v in d["versions"] if v["accepted"]),
                            ",".join(sorted({c["chain"][0]["key_type"] for c in d["certificates"]})))
bad = [f"{t}: {lines[t]} lines" for t in want if lines[t] != 1]
bad += [f"{t}: {got.get(t)}, want {w}" for t, w in want.items() if got.get(t) != w]
bad += [f"{t}: not a target" for t in lines if t not in want]
for b in bad[:10]:
    print(b)
sys.exit(1 if bad else 0)
PY

python3 - "$WORK/typescript" "$N" <<'PY' && ok || bad "the progress line"
import re, sys
raw = open(sys.argv[1], "rb").read().decode()
n = int(sys.argv[2])
clear = "\r\x1b[K"
if not raw.endswith(clear):
    print(f"does not end with a cleared line: {raw[-80:]!r}")
    sys.exit(1)
line = re.compile(r"scan: (\d+)/(\d+) targets, (\d+) probes"
                  r"(, ETA (\d+s|\d+m[0-5]\ds|\d+h[0-5]\dm|>99h))?")
prev, etas, errors = (0, 0), 0, []
for part in raw.split(clear)[1:-1]:  # before the first clear: nothing; after the last: nothing
    m = line.fullmatch(part)
    if not m or len(part) > 79:
        errors.append(f"not a progress line: {part!r}")
        continue
    done, total, probes = int(m[1]), int(m[2]), int(m[3])
    if total != n or done >= n or (done, probes) < prev or done < prev[0] or probes < prev[1]:
        errors.append(f"counts {done}/{total}, {probes} after {prev}")
    prev = (done, probes)
    etas += m[4] is not None
if raw.split(clear)[0] or raw.split(clear)[-1]:
    errors.append(f"text outside the progress line: {raw.split(clear)[0]!r} {raw.split(clear)[-1]!r}")
if not etas:
    errors.append("no ETA shown")
for e in errors[:10]:
    print(e)
sys.exit(1 if errors else 0)
PY
finish
