#!/usr/bin/env bash
# A saved scan carries the whole server into match (issue 12): real servers on loopback
# are scanned (`tlsdiag scan --json`), and `match --server scan:FILE` must then predict
# what each server answers the 162 testssl hellos (sent raw by hello_probe), as
# test_match_real does with hand-written profiles. The scan must tell the implementation
# (GnuTLS: a server_name that is no host name refused with illegal_parameter; OpenSSL:
# no ECDHE without supported_groups), the server's group order, the DHE prime and the
# alert SSLv3 hellos get. Java 6 and 7 (at most 1024-bit DHE) against a server whose
# DHE prime has 2048 bits: predicted to fail at the client, and `tlsdiag connect --as`
# shows the server choosing DHE with that prime.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/probe_setup.sh"

# RFC 7919 ffdhe2048 as the server's own DH parameters (instant, unlike dhparam).
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$WORK/dh2048.pem" 2>/dev/null
# Server order with DHE first: every client offering a DHE suite gets the 2048-bit prime.
openssl_server ossl-dhe2048 rsa 'DHE-RSA-AES128-SHA:DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0' \
  "$T13" TLSv1 TLSv1.3 "$G" server -dhparam "$WORK/dh2048.pem"
# TLS 1.2 server order over groups, P-521 first; TLS 1.3 takes the client's key share
# (OpenSSL 3.0): the model's one group list must be the TLS 1.2 order.
openssl_server ossl-ecdsa-p521first ec 'ECDHE:!aNULL:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 P-521:P-256:X25519:P-384 server
gnutls_server gnutls-rsa-normal rsa NORMAL
gnutls_server gnutls-ecdsa-server ec 'NORMAL:%SERVER_PRECEDENCE'
declare -A IMPL=([ossl-dhe2048]=openssl [ossl-ecdsa-p521first]=openssl
  [gnutls-rsa-normal]=gnutls [gnutls-ecdsa-server]=gnutls)

PROBES=()
while read -r name port; do
  wait_port "$port" || { bad "$name did not start: $(head -3 "$WORK/$name.log")"; continue; }
  "$TLSDIAG" scan --json "127.0.0.1:$port" >"$WORK/$name.scan.json" 2>"$WORK/$name.scanerr" ||
    bad "$name: scan failed: $(head -3 "$WORK/$name.scanerr")"
  got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["targets"][0].get("implementation"))' \
    "$WORK/$name.scan.json")
  [ "$got" = "${IMPL[$name]}" ] && ok || bad "$name: the scan tells implementation '$got', not ${IMPL[$name]}"
  probe_and_predict "$name" "$port" "scan:$WORK/$name.scan.json"
done <"$WORK/servers"
wait "${PROBES[@]}"
agreement "the predictions from the saved scans"

# A server given as HOST:PORT is scanned by match itself and read as the saved scan is:
# the same document for the 162 hellos, byte for byte once keys are sorted. Nothing is left
# out: the one key an earlier version deleted, each result's "server" (the server's name),
# is the same on both sides, "scan of 127.0.0.1:PORT" (profile_scan.c names a scan's profile
# after its target; match renames a saved scan after its file only when given as a bare
# path, not as scan:FILE), and with --fixes 0 no other object has a "server" key.
norm() { jq -S . "$1"; }
while read -r name port; do
  "$TLSDIAG" match --clients-from testssl --server "127.0.0.1:$port" --json --fixes 0 \
    >"$WORK/$name.live.json" 2>"$WORK/$name.liveerr"
  [ $? -le 1 ] || { bad "$name: match on the live server failed: $(head -3 "$WORK/$name.liveerr")"; continue; }
  n=$(jq '[.. | objects | select(has("outcome"))] | length' "$WORK/$name.live.json")
  [ "$n" -ge 162 ] && ok || bad "$name: match on the live server gave $n predictions, want 162"
  if cmp -s <(norm "$WORK/$name.pred") <(norm "$WORK/$name.live.json"); then ok; else
    bad "$name: match --server 127.0.0.1:$port differs from scan:FILE: $(diff <(norm "$WORK/$name.pred") <(norm "$WORK/$name.live.json") | head -5)"
  fi
done <"$WORK/servers"

# What the saved scans carry, as match reads them.
show() { "$TLSDIAG" profiles --json "scan:$WORK/$1.scan.json"; }
show ossl-dhe2048 | python3 -c 'import json,sys; p=json.load(sys.stdin); sys.exit(not (p.get("dh_bits") == 2048 and p.get("ssl3_alert") == 40))' &&
  ok || bad "ossl-dhe2048: the saved scan lacks the DHE prime (2048) or the SSLv3 alert (40): $(show ossl-dhe2048 | head -c 300)"
show ossl-ecdsa-p521first | python3 -c 'import json,sys; p=json.load(sys.stdin); sys.exit(p["groups"][:1] != ["secp521r1"])' &&
  ok || bad "ossl-ecdsa-p521first: the server's group order (P-521 first) is lost"

# Java 6 and 7 against the 2048-bit prime: predicted and seen as the client's refusal.
port=$(awk '$1 == "ossl-dhe2048" {print $2}' "$WORK/servers")
for c in testssl-java-6u45 testssl-java-7u25; do
  "$TLSDIAG" connect "127.0.0.1:$port" --as "$c" --server "scan:$WORK/ossl-dhe2048.scan.json" --json \
    >"$WORK/$c.connect.json" 2>&1
  python3 - "$WORK/$c.connect.json" <<'PY' && ok || bad "$c x ossl-dhe2048: $(head -c 600 "$WORK/$c.connect.json")"
import json, sys
j = json.load(open(sys.argv[1]))
p = j["predicted"]
# the real server chose a DHE suite with a 2048-bit prime; the client ends it; the model says so
assert j["ending"] == "client_alert" and j["ending_detail"] is None and j.get("dh_bits") == 2048, j
assert "DHE" in j["suite"], j
assert not p["ok"] and p["failure"] == "client-refuses" and p["suite_code"] == j["suite_code"], p
assert j["agree"] is True, j
PY
done
finish
