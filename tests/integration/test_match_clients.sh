#!/usr/bin/env bash
# Real client configurations (openssl s_client, gnutls-cli with restricted versions and
# suites) x real server configurations, as full handshakes: the result must equal what
# `tlsdiag match` predicts (outcome, version, and for s_client the suite). Client
# profiles come from each client's own ClientHello (captured on a loopback listener) plus
# its configured version range. Then "advice that works": for every failing pair, the
# top-ranked server-side fix is applied to the real server (apply_fix.py: the s_server
# line or the GnuTLS priority additions, and a second certificate where the fix says so)
# and the real handshake must then succeed with the version and suite the fix predicts.
. "$(dirname "$0")/../cli/lib.sh"
command -v openssl >/dev/null && command -v gnutls-serv >/dev/null || exit 77
. "$(dirname "$0")/servers.sh"

openssl_server s-rsa-client rsa 'DEFAULT:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" client
openssl_server s-rsa-server rsa 'HIGH:MEDIUM:!aNULL:!PSK:!SRP:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
openssl_server s-ecdsa-server ec 'ECDHE:!aNULL:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
openssl_server s-modern rsa 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' "$T13" TLSv1.2 TLSv1.3 X25519:P-256 server
openssl_server s-tls13-p384 rsa 'DEFAULT' TLS_AES_128_GCM_SHA256 TLSv1.3 TLSv1.3 P-384 client
gnutls_server g-rsa-normal rsa NORMAL
gnutls_server g-ecdsa-server ec 'NORMAL:%SERVER_PRECEDENCE'

# Clients: NAME KIND VERSIONS ARGS... (KIND openssl or gnutls; VERSIONS the configured range).
CLIENTS=(
  "c-tls10-aes|openssl|TLSv1.0|-tls1 -cipher AES128-SHA:@SECLEVEL=0"
  "c-tls11-ecdhe-cbc|openssl|TLSv1.1|-tls1_1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0"
  "c-tls12-ecdsa|openssl|TLSv1.2|-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256"
  "c-tls12-p521|openssl|TLSv1.2|-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -groups P-521"
  "c-tls13-chacha|openssl|TLSv1.3|-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256"
  "c-tls13-x25519|openssl|TLSv1.3|-tls1_3 -groups X25519"
  "c-default|openssl|TLSv1.2,TLSv1.3|"
  "g-tls12|gnutls|TLSv1.2|NORMAL:-VERS-ALL:+VERS-TLS1.2"
  "g-tls13-aes128|gnutls|TLSv1.3|NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM"
)

# run_client KIND ARGS PORT: one full handshake; prints "OK VERSION SUITE" or "FAIL".
run_client() {
  local kind=$1 args=$2 port=$3 out
  if [ "$kind" = openssl ]; then
    # shellcheck disable=SC2086
    out=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" $args </dev/null 2>&1)
    # "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" / "New, (NONE), Cipher is (NONE)"
    # The "New," line names the suite's own version; the session block the protocol
    # (TLS 1.3 sessions arrive after stdin closes, so 1.3 is taken from the "New," line).
    local proto cipher
    proto=$(sed -n 's/^ *Protocol *: *//p' <<<"$out" | head -1)
    [ -n "$proto" ] || proto=$(sed -n 's/^New, \(TLSv1\.3\), Cipher is .*/\1/p' <<<"$out" | head -1)
    cipher=$(sed -n 's/^New, [^,]*, Cipher is //p' <<<"$out" | head -1)
    if [ -z "$cipher" ] || [ "$cipher" = "(NONE)" ]; then echo FAIL; return; fi
    echo "OK $proto $("$TLSDIAG" ciphers --format hex "$cipher")"
  else
    out=$(timeout 10 gnutls-cli --insecure --port "$port" --priority "$args" 127.0.0.1 </dev/null 2>&1)
    grep -q 'Handshake was completed' <<<"$out" || { echo FAIL; return; }
    local v; v=$(sed -n 's/^- Description: (\(TLS1\.[0-9]\)).*/\1/p; s/^- Description: (\(TLS1\.[0-9]\)-.*/\1/p' <<<"$out" | head -1)
    echo "OK ${v/TLS/TLSv} -"
  fi
}

# capture KIND ARGS: the client's ClientHello as hex, from a one-shot listener.
capture() {
  local kind=$1 args=$2 port; port=$(free_port)
  python3 - "$port" >"$WORK/cap" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(10)
data = b""
while not data:  # the readiness probe connects first and sends nothing
    c, _ = s.accept(); c.settimeout(3)
    while len(data) < 5 or len(data) < 5 + int.from_bytes(data[3:5], "big"):
        chunk = c.recv(65536)
        if not chunk: break
        data += chunk
    c.close()
print(data.hex())
PY
  local lp=$!
  wait_port "$port" >/dev/null 2>&1 || true
  run_client "$kind" "$args" "$port" >/dev/null
  wait "$lp"
  cat "$WORK/cap"
}

for c in "${CLIENTS[@]}"; do
  IFS='|' read -r name kind vers args <<<"$c"
  hex=$(capture "$kind" "$args")
  [ -n "$hex" ] || { bad "$name: no ClientHello captured"; continue; }
  printf 'name = %s\nside = client\nclient_hello = %s\nversions = %s\n' "$name" "$hex" "$vers" \
    >"$WORK/$name.profile"
done

# restart NAME PORT [ARGS...]: the server with new arguments, or its own without.
restart() {
  local name=$1 port=$2; shift 2
  if [ -f "$WORK/$name.prio" ]; then
    [ $# -gt 0 ] || set -- "$(cat "$WORK/$name.prio")"
    start_gnutls "$name" "$port" "$@"
  else
    if [ $# -eq 0 ]; then mapfile -t argv <"$WORK/$name.args"; set -- "${argv[@]}"; fi
    start_openssl "$name" "$port" "$@"
  fi
}

total=0; agree=0; advice=0; advice_ok=0; nofix=0
while read -r sname port; do
  for c in "${CLIENTS[@]}"; do
    IFS='|' read -r cname kind vers args <<<"$c"
    [ -f "$WORK/$cname.profile" ] || continue
    total=$((total + 1))
    real=$(run_client "$kind" "$args" "$port")
    "$TLSDIAG" match -c "$WORK/$cname.profile" -s "$WORK/$sname.profile" --json --fixes 1 >"$WORK/pred.json"
    pred=$(python3 - "$WORK/pred.json" "$kind" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["outcome"]
print("FAIL" if not o["ok"] else "OK %s %s" % (o["version"].replace("TLSv1.0", "TLSv1"),
      o["suite_code"] if sys.argv[2] == "openssl" else "-"))
PY
)
    real_cmp=$(sed 's/TLSv1\.0/TLSv1/' <<<"$real")
    if [ "$pred" = "$real_cmp" ]; then agree=$((agree + 1)); ok
    else bad "$cname x $sname: predicted [$pred], real [$real]"; fi
    # Advice that works: apply the top server fix to the real server.
    if [ "$pred" = FAIL ] && [ "$real" = FAIL ]; then
      fixargs=$(python3 "$(dirname "$0")/apply_fix.py" "$WORK/pred.json" "$WORK" "$sname") ||
        { bad "apply_fix.py failed for $cname x $sname"; continue; }
      [ -n "$fixargs" ] || { nofix=$((nofix + 1)); echo "no server fix: $cname x $sname"; continue; }
      advice=$((advice + 1))
      want=$(head -1 <<<"$fixargs")
      mapfile -t newargs < <(tail -n +2 <<<"$fixargs")
      restart "$sname" "$port" "${newargs[@]}" || bad "$sname did not restart with the fix"
      after=$(run_client "$kind" "$args" "$port")
      wantv=$(awk '{print $2, $3}' <<<"$want" | sed 's/^0x0301/TLSv1/; s/^0x0302/TLSv1.1/; s/^0x0303/TLSv1.2/; s/^0x0304/TLSv1.3/')
      [ "$kind" = gnutls ] && wantv="${wantv%% *} -"
      if [ "$(sed 's/TLSv1\.0/TLSv1/' <<<"$after")" = "OK $wantv" ]; then
        advice_ok=$((advice_ok + 1)); ok
      else bad "advice for $cname x $sname (${want#*| }) did not work: real [$after], fix predicted [$wantv]"; fi
      restart "$sname" "$port"
    fi
  done
done <"$WORK/servers"
echo "$total pairs, $agree as predicted; $advice failing pairs with a server fix, it worked for $advice_ok; $nofix without a server fix"
[ "$advice" -gt 0 ] && ok || bad "advice: no server fix was tried at all"
finish
