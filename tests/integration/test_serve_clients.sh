#!/usr/bin/env bash
# `tlsdiag serve` against real clients: openssl s_client, gnutls-cli, curl and Python's
# ssl module, each with several restrictions (versions, suites, groups), against serve
# under three server profiles (Windows Server 2025 defaults: schannel order and reset;
# OpenSSL 3 defaults; an ECDSA-certificate server in server order). For every client:
# the outcome the client sees (success + version + suite, or failure) must equal what
# serve reports, what serve's model predicts, and what `tlsdiag match` predicts for the
# recorded hello (hello_hex) against the same profile. A Windows refusal must be a reset,
# as the model says. Every disagreement is listed; any fails the test.
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null && command -v gnutls-cli >/dev/null && command -v curl >/dev/null || exit 77
SERVE_PIDS=()
cleanup() { for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT

cat >"$WORK/ecdsa-server.profile" <<'EOF'
name = ecdsa-server
side = server
implementation = openssl
preference = server
versions = TLSv1.2, TLSv1.3
certificates = ecdsa P-256
groups = x25519, secp256r1
suites = TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384
suites = ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES256-GCM-SHA384, ECDHE-RSA-AES128-GCM-SHA256
EOF

# start_serve NAME PROFILE: serve on a free loopback port; sets PORT.
start_serve() {
  timeout 120 "$TLSDIAG" serve --profile "$2" --port 0 --bind 127.0.0.1 --jsonl --fixes 0 \
    >"$WORK/$1.jsonl" 2>"$WORK/$1.err" &
  SERVE_PIDS+=($!)
  PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' "$WORK/$1.err")
    [ -n "$PORT" ] && break; sleep 0.05
  done
  [ -n "$PORT" ] || bad "$1: serve did not start: $(cat "$WORK/$1.err")"
}

# Each client prints one line: "OK VERSION SUITE" (SUITE an OpenSSL/IANA name or "-"),
# or "FAIL".
ossl() {
  local out
  out=$(timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -brief "$@" </dev/null 2>&1)
  if [ $? -eq 0 ] && grep -q 'CONNECTION ESTABLISHED' <<<"$out"; then
    echo "OK $(sed -n 's/^Protocol version: //p' <<<"$out") $(sed -n 's/^Ciphersuite: //p' <<<"$out")"
  else echo FAIL; fi
}
gnutls() {
  local out
  out=$(timeout 10 gnutls-cli --insecure -p "$PORT" "$@" 127.0.0.1 </dev/null 2>&1)
  if [ $? -eq 0 ] && grep -q 'Handshake was completed' <<<"$out"; then
    local v; v=$(grep -o -m1 '(TLS1\.[0-3]' <<<"$out" | tr -d '(')
    echo "OK ${v/TLS1./TLSv1.} -"
  else echo FAIL; fi
}
curlc() {
  local out
  out=$(timeout 10 curl -sk -v -o /dev/null "$@" "https://127.0.0.1:$PORT/" 2>&1)
  if [ $? -eq 0 ]; then
    echo "OK $(sed -n 's/^\* SSL connection using \(\S*\) \/ \(\S*\).*/\1 \2/p' <<<"$out")"
  else echo FAIL; fi
}
pyssl() {
  timeout 10 python3 - "$PORT" "$@" <<'PY'
import socket, ssl, sys
port, maxv, ciphers = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if maxv != "-":
    ctx.maximum_version = getattr(ssl.TLSVersion, maxv)
if ciphers != "-":
    ctx.set_ciphers(ciphers)
try:
    with socket.create_connection(("127.0.0.1", port), timeout=8) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            print("OK", t.version(), t.cipher()[0])
except (ssl.SSLError, OSError):
    print("FAIL")
PY
}

CLIENTS=(
  "ossl"
  "ossl -tls1_2"
  "ossl -tls1_2 -cipher AES128-SHA"
  "ossl -tls1_2 -cipher CAMELLIA128-SHA"
  "ossl -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256"
  "ossl -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 -groups P-256"
  "ossl -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
  "ossl -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384"
  "ossl -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -curves P-384"
  "gnutls"
  "gnutls --priority NORMAL:-VERS-ALL:+VERS-TLS1.2"
  "gnutls --priority NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC"
  "curlc"
  "curlc --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA"
  "pyssl - -"
  "pyssl TLSv1_2 AES256-SHA"
  "pyssl TLSv1_2 ECDHE-ECDSA-AES128-GCM-SHA256"
)

for prof in windows-2025 openssl-3 "$WORK/ecdsa-server.profile"; do
  name=$(basename "$prof" .profile)
  start_serve "$name" "$prof"
  [ -n "$PORT" ] || continue
  : >"$WORK/$name.seen"
  for c in "${CLIENTS[@]}"; do
    before=$(wc -l <"$WORK/$name.jsonl")
    seen=$($c)
    # serve reports a client as soon as its outcome is known; wait for the line.
    for _ in $(seq 100); do [ "$(wc -l <"$WORK/$name.jsonl")" -gt "$before" ] && break; sleep 0.05; done
    printf '%s\t%s\t%s\n' "$c" "$before" "$seen" >>"$WORK/$name.seen"
  done
  echo "$name $prof" >>"$WORK/servers"
done

python3 - "$WORK" "$TLSDIAG" <<'PY' >"$WORK/report"
import json, subprocess, sys
work, tlsdiag = sys.argv[1], sys.argv[2]
def hexcode(name):
    out = subprocess.run([tlsdiag, "ciphers", "--format", "hex", name], capture_output=True, text=True).stdout.split()
    return out[0] if out else "?"
total = bad = 0
for line in open(work + "/servers"):
    name, prof = line.split()
    records = [json.loads(l) for l in open(f"{work}/{name}.jsonl")]
    for row in open(f"{work}/{name}.seen"):
        client, idx, seen = row.rstrip("\n").split("\t")
        total += 1
        idx = int(idx)
        if idx >= len(records):
            print(f"DISAGREE {name} [{client}]: serve reported nothing (client saw {seen})"); bad += 1; continue
        r = records[idx]
        seen = seen.split()
        problems = []
        if "offered" not in r:
            problems.append(f"no hello recorded ({r.get('ending')} {r.get('ending_detail')})")
        else:
            real, pred = r["real"], r["predicted"]
            m = json.loads(subprocess.run([tlsdiag, "match", "--client", "hex:" + r["offered"]["hello_hex"],
                                           "--server", prof, "--json", "--fixes", "0"],
                                          capture_output=True, text=True).stdout)["outcome"]
            for k in ("ok", "version", "suite", "reset"):
                if m.get(k) != pred.get(k):
                    problems.append(f"match {k}={m.get(k)} but serve's model {k}={pred.get(k)}")
            client_ok = seen[0] == "OK"
            if client_ok != real["ok"]:
                problems.append(f"client saw {' '.join(seen)}, serve reports {real['end']}")
            if client_ok != pred["ok"]:
                problems.append(f"client saw {' '.join(seen)}, model predicts ok={pred['ok']} {pred.get('failure','')}")
            if client_ok and len(seen) >= 2 and seen[1] != real.get("version"):
                problems.append(f"client version {seen[1]}, serve {real.get('version')}")
            if client_ok and pred["ok"] and pred["version"] != real.get("version"):
                problems.append(f"model version {pred['version']}, real {real.get('version')}")
            if client_ok and len(seen) >= 3 and seen[2] != "-" and hexcode(seen[2]) != real.get("suite_code"):
                problems.append(f"client suite {seen[2]}, serve {real.get('suite')}")
            if client_ok and pred["ok"] and pred["suite_code"] != real.get("suite_code"):
                problems.append(f"model suite {pred['suite']}, real {real.get('suite')}")
            if not client_ok and pred.get("reset") != real.get("reset"):
                problems.append(f"model reset={pred.get('reset')}, real end {real['end']}")
            if r.get("agree") is not True:
                problems.append("serve itself reports a disagreement")
        if problems:
            bad += 1
            print(f"DISAGREE {name} [{client}]: " + "; ".join(problems))
        else:
            print(f"agree {name} [{client}]: {' '.join(seen)}")
print(f"SUMMARY {total} client runs, {bad} disagreements")
PY
cat "$WORK/report"
grep -q '^SUMMARY' "$WORK/report" && ok || bad "no report"
n=$(sed -n 's/^SUMMARY \([0-9]*\) .*/\1/p' "$WORK/report")
[ "${n:-0}" -eq $((3 * ${#CLIENTS[@]})) ] && ok || bad "expected $((3 * ${#CLIENTS[@]})) client runs, got ${n:-0}"
grep -q '^DISAGREE' "$WORK/report" && bad "serve, the clients and the model disagree (listed above)" || ok
# Each kind of outcome was exercised: successes, alerts and Windows resets.
for want in '"ending":"success"' '"ending":"server_alert"' '"ending":"reset_after_client_hello"'; do
  grep -qh "$want" "$WORK"/*.jsonl && ok || bad "no client ended with $want"
done
finish
