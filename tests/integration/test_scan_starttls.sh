#!/usr/bin/env bash
# STARTTLS: SMTP, IMAP, POP3, FTP, LDAP, PostgreSQL and XMPP servers that
# upgrade to TLS after their plain-text dialogue; the scan finds TLS 1.2
# and 1.3 and the certificate through each.
. "$(dirname "$0")/../cli/lib.sh"
here=$(dirname "$0")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/k.pem" \
  -out "$WORK/c.pem" -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1
protos="smtp imap pop3 ftp ldap postgres xmpp"
for p in $protos; do
  python3 "$here/starttls_server.py" "$p" "$WORK/c.pem" "$WORK/k.pem" "$WORK/port.$p" & pids+=($!)
done
for p in $protos; do
  for i in $(seq 100); do [ -s "$WORK/port.$p" ] && break; sleep 0.1; done
done
targets=()
for p in $protos; do targets+=("$p://localhost:$(cat "$WORK/port.$p")"); done
timeout 120 "$TLSDIAG" scan --jsonl -q --timeout 5000 --cafile "$WORK/c.pem" "${targets[@]}" \
  >"$WORK/out" 2>"$WORK/err"
RC=$?; ERR=$(cat "$WORK/err")
expect_rc 0 "all STARTTLS targets scanned"
for p in $protos; do
  python3 - "$WORK/out" "$p" <<'PY' && ok || bad "$p: $(grep "\"$p://" "$WORK/out" | head -c 300)"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
d = [r for r in rows if r["target"].startswith(sys.argv[2] + "://")][0]
acc = {v["version"] for v in d["versions"] if v["accepted"]}
sys.exit(0 if "error" not in d and {"TLSv1.2", "TLSv1.3"} <= acc and d["certificates"]
         and d["certificates"][0]["trusted"] else 1)
PY
done
finish
