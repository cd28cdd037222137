#!/usr/bin/env bash
# Prediction against reality: each of the 162 testssl.sh ClientHellos is sent as raw
# bytes (tests/integration/hello_probe.c, codec record reader) to real openssl s_server
# and gnutls-serv configurations on loopback; the answer (ServerHello version + suite,
# or alert / close) must equal what `tlsdiag match` predicts for that client profile
# against a server profile describing the configuration. Every disagreement is listed;
# any fails the test.
. "$(dirname "$0")/../cli/lib.sh"
PROBE="${TLSD_BUILD:?}/tests/hello_probe"
[ -x "$PROBE" ] || { echo "no $PROBE"; exit 77; }
command -v openssl >/dev/null && command -v gnutls-serv >/dev/null || exit 77
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT

# Certificates.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/rsa.key" -out "$WORK/rsa.pem" \
  -days 2 -subj /CN=localhost 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ec.key" \
  -out "$WORK/ec.pem" -days 2 -subj /CN=localhost 2>/dev/null

# The 162 hellos: "name hex" from the built-in profile data.
awk '/^name = /{n=$3} /^client_hello = /{print n, $3}' \
  "$TLSD_SRCDIR/data/profiles/testssl.profiles" >"$WORK/hellos"
[ "$(wc -l <"$WORK/hellos")" -eq 162 ] && ok || bad "expected 162 hellos"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# IANA names of a TLS <= 1.2 cipher string (the TLS 1.3 suites are set apart).
iana() { openssl ciphers -stdname "$1" | awk '$1 !~ /^TLS_(AES_|CHACHA20_POLY1305_SHA256)/ {print $1}' | paste -sd,; }

# openssl_server NAME CERT CIPHERS TLS13SUITES MINV MAXV GROUPS PREF [EXTRA...]
openssl_server() {
  local name=$1 cert=$2 ciphers=$3 t13=$4 minv=$5 maxv=$6 groups=$7 pref=$8; shift 8
  local port; port=$(free_port)
  local args=(-accept "127.0.0.1:$port" -cert "$WORK/$cert.pem" -key "$WORK/$cert.key"
    -cipher "$ciphers" -ciphersuites "$t13" -min_protocol "$minv" -max_protocol "$maxv"
    -groups "$groups" -quiet "$@")
  [ "$pref" = server ] && args+=(-serverpref)
  timeout 300 openssl s_server "${args[@]}" </dev/null >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  local vers; vers=$(python3 - "$minv" "$maxv" <<'PY'
import sys
order = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
lo, hi = order.index(sys.argv[1]), order.index(sys.argv[2])
print(", ".join(v if v != "TLSv1" else "TLSv1.0" for v in order[lo:hi + 1]))
PY
)
  local flags=""
  for a in "$@"; do [ "$a" = -prioritize_chacha ] && flags="flags = prioritize-chacha"; done
  cat >"$WORK/$name.profile" <<P
name = $name
side = server
implementation = openssl
preference = $pref
versions = $vers
certificates = $([ "$cert" = ec ] && echo "ecdsa P-256" || echo "rsa 2048")
groups = ${groups//:/, }
$flags
suites = ${t13//:/, }
suites = $(iana "$ciphers")
P
  echo "$name $port" >>"$WORK/servers"
}

# gnutls_server NAME CERT PRIORITY
gnutls_server() {
  local name=$1 cert=$2 prio=$3
  local port; port=$(free_port)
  timeout 300 gnutls-serv --port "$port" --x509certfile "$WORK/$cert.pem" \
    --x509keyfile "$WORK/$cert.key" --priority "$prio" >"$WORK/$name.log" 2>&1 </dev/null &
  PIDS+=($!)
  local list; list=$(gnutls-cli --priority "$prio" -l 2>/dev/null)
  local suites; suites=$(awk '/^TLS_|^SSL_/ && $2 ~ /^0x/ {gsub(",","",$2); printf "%s%s%s", sep, $2, substr($3,3); sep=", "}' <<<"$list")
  local vers; vers=$(sed -n 's/^Protocols: //p' <<<"$list" | sed 's/VERS-//g; s/TLS1\.\([0-9]\)/TLSv1.\1/g; s/DTLS[^,]*,\? \?//g')
  local groups; groups=$(sed -n 's/^Groups: //p' <<<"$list" | sed 's/GROUP-//g' | tr 'A-Z' 'a-z')
  local pref=client; [[ "$prio" == *SERVER_PRECEDENCE* ]] && pref=server
  cat >"$WORK/$name.profile" <<P
name = $name
side = server
implementation = gnutls
preference = $pref
versions = $vers
certificates = $([ "$cert" = ec ] && echo "ecdsa P-256" || echo "rsa 2048")
groups = $groups
suites = $suites
P
  echo "$name $port" >>"$WORK/servers"
}

T13=TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256
G=X25519:P-256:X448:P-521:P-384
: >"$WORK/servers"
openssl_server ossl-rsa-client rsa 'DEFAULT:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" client
openssl_server ossl-rsa-server rsa 'HIGH:MEDIUM:!aNULL:!PSK:!SRP:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
openssl_server ossl-ecdsa-client ec 'DEFAULT:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" client
openssl_server ossl-ecdsa-server ec 'ECDHE:!aNULL:@SECLEVEL=0' "$T13" TLSv1 TLSv1.3 "$G" server
openssl_server ossl-rsa-legacy rsa 'AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0' "$T13" TLSv1 TLSv1.2 "$G" server
openssl_server ossl-tls12-p384 rsa 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' "$T13" TLSv1.2 TLSv1.2 P-384 server
openssl_server ossl-tls13-p384 rsa 'DEFAULT' TLS_AES_128_GCM_SHA256 TLSv1.3 TLSv1.3 P-384 client
openssl_server ossl-chacha rsa 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:@SECLEVEL=0' "$T13" TLSv1.2 TLSv1.3 "$G" server -prioritize_chacha
gnutls_server gnutls-rsa-normal rsa NORMAL
gnutls_server gnutls-ecdsa-server ec 'NORMAL:%SERVER_PRECEDENCE'

# Probe every server in parallel and predict each column.
PROBES=()
while read -r name port; do
  wait_port "$port" || { bad "$name did not start: $(head -3 "$WORK/$name.log")"; continue; }
  (timeout 120 "$PROBE" "$port" <"$WORK/hellos" >"$WORK/$name.real") &
  PROBES+=($!)
  "$TLSDIAG" match --clients-from testssl --server "$WORK/$name.profile" --json --fixes 0 \
    >"$WORK/$name.pred" 2>"$WORK/$name.prederr"
  [ $? -le 1 ] || bad "$name: match failed: $(head -3 "$WORK/$name.prederr")"
done <"$WORK/servers"
wait "${PROBES[@]}"

python3 - "$WORK" <<'PY' >"$WORK/report"
import json, sys
work = sys.argv[1]
total = disagree = 0
stats = {}
for line in open(work + "/servers"):
    name, _ = line.split()
    try:
        pred = {r["client"]: r["outcome"] for r in json.load(open(f"{work}/{name}.pred"))["results"]}
    except Exception as e:
        print(f"DISAGREE {name}: no prediction ({e})"); disagree += 1; continue
    real = {}
    for l in open(f"{work}/{name}.real"):
        parts = l.split()
        real[parts[0]] = parts[1:]
    names = {"SSLv3": 0x300, "TLSv1.0": 0x301, "TLSv1.1": 0x302, "TLSv1.2": 0x303, "TLSv1.3": 0x304}
    for client, o in pred.items():
        total += 1
        r = real.get(client, ["MISSING"])
        if o["ok"]:
            want = ["OK", "0x%04X" % names.get(o.get("version"), 0), o["suite_code"]]
            if o.get("hello_retry_request"):
                want.append("HRR")
            got = r[:4]
        else:
            want, got = ["FAIL"], ["FAIL" if r[0] in ("ALERT", "CLOSED") else " ".join(r)]
        k = stats.setdefault(name, {"ok": 0, "fail": 0, "hrr": 0})
        k["ok" if r[0] == "OK" else "fail"] += 1
        k["hrr"] += "HRR" in r
        if want != got:
            disagree += 1
            print(f"DISAGREE {name} {client}: predicted {' '.join(want)} "
                  f"({o.get('failure', '')} {o.get('detail', '')}), real {' '.join(r)}")
for name, k in stats.items():
    print(f"{name}: {k['ok']} handshakes, {k['fail']} refused, {k['hrr']} HelloRetryRequests")
print(f"{total} predictions, {disagree} disagreements")
PY
cat "$WORK/report"
n=$(tail -1 "$WORK/report" | awk '{print $3}')
[ "$n" = 0 ] && ok || bad "$n disagreements between prediction and real servers"
finish
