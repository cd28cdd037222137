# Real servers on loopback for the integration tests (sourced after cli/lib.sh).
# Every server runs under `timeout`, on a free port, and is killed on exit.
. "$(dirname "${BASH_SOURCE[0]}")/loopback.sh" # free_port, wait_port
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "${TLSD_KEEP_WORK:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
T13=TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256
G=X25519:P-256:X448:P-521:P-384
: >"$WORK/servers"

# Certificates.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/rsa.key" -out "$WORK/rsa.pem" \
  -days 2 -subj /CN=localhost 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ec.key" \
  -out "$WORK/ec.pem" -days 2 -subj /CN=localhost 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$WORK/ec384.key" \
  -out "$WORK/ec384.pem" -days 2 -subj /CN=localhost 2>/dev/null

# IANA names of a TLS <= 1.2 cipher string (the TLS 1.3 suites are set apart).
iana() { openssl ciphers -stdname "$1" | awk '$1 !~ /^TLS_(AES_|CHACHA20_POLY1305_SHA256)/ {print $1}' | paste -sd,; }

# profile_head NAME IMPL PREF VERSIONS CERT GROUPS: the server profile's first lines.
profile_head() {
  printf 'name = %s\nside = server\nimplementation = %s\npreference = %s\nversions = %s\n' "$1" "$2" "$3" "$4" >"$WORK/$1.profile"
  printf 'certificates = %s\ngroups = %s\n' "$(case $5 in ec) echo "ecdsa P-256";; ec384) echo "ecdsa P-384";; *) echo "rsa 2048";; esac)" "$6" >>"$WORK/$1.profile"
}

# start_openssl NAME PORT ARGS...: (re)starts s_server; its pid in $WORK/NAME.pid.
start_openssl() {
  local name=$1 port=$2; shift 2
  [ -f "$WORK/$name.pid" ] && kill "$(cat "$WORK/$name.pid")" 2>/dev/null && sleep 0.2
  timeout 1200 openssl s_server "$@" </dev/null >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  echo $! >"$WORK/$name.pid"
  wait_port "$port"
}

# openssl_server NAME CERT CIPHERS TLS13SUITES MINV MAXV GROUPS PREF [EXTRA...]
# CIPHERS "-": no -cipher (OpenSSL's DEFAULT at its default security level, 1).
openssl_server() {
  local name=$1 cert=$2 ciphers=$3 t13=$4 minv=$5 maxv=$6 groups=$7 pref=$8; shift 8
  local port; port=$(free_port)
  local cipher_args=(-cipher "$ciphers")
  [ "$ciphers" = - ] && cipher_args=() && ciphers=DEFAULT
  local args=(-accept "127.0.0.1:$port" -cert "$WORK/$cert.pem" -key "$WORK/$cert.key"
    "${cipher_args[@]}" -ciphersuites "$t13" -min_protocol "$minv" -max_protocol "$maxv"
    -groups "$groups" -quiet "$@")
  [ "$pref" = server ] && args+=(-serverpref)
  start_openssl "$name" "$port" "${args[@]}"
  printf '%s\n' "${args[@]}" >"$WORK/$name.args"
  local vers; vers=$(python3 - "$minv" "$maxv" <<'PY'
import sys
order = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
lo, hi = order.index(sys.argv[1]), order.index(sys.argv[2])
print(", ".join(v if v != "TLSv1" else "TLSv1.0" for v in order[lo:hi + 1]))
PY
)
  local flags=""
  for a in "$@"; do [ "$a" = -prioritize_chacha ] && flags="flags = prioritize-chacha"; done
  profile_head "$name" openssl "$pref" "$vers" "$cert" "${groups//:/, }"
  printf '%s\nsuites = %s\nsuites = %s\ncipher_string = %s\n' "$flags" "${t13//:/, }" "$(iana "$ciphers")" "$ciphers" >>"$WORK/$name.profile"
  [[ "$ciphers" == *@SECLEVEL=* ]] || echo "security_level = 1" >>"$WORK/$name.profile"
  echo "$name $port" >>"$WORK/servers"
}

# start_gnutls NAME PORT PRIORITY [CERT2]: (re)starts gnutls-serv with NAME's
# certificate (and a second one when given).
start_gnutls() {
  local name=$1 port=$2 prio=$3 cert; cert=$(cat "$WORK/$name.cert")
  local certs=(--x509certfile "$WORK/$cert.pem" --x509keyfile "$WORK/$cert.key")
  [ -n "${4:-}" ] && certs+=(--x509certfile "$WORK/$4.pem" --x509keyfile "$WORK/$4.key")
  [ -f "$WORK/$name.pid" ] && kill "$(cat "$WORK/$name.pid")" 2>/dev/null && sleep 0.2
  timeout 1200 gnutls-serv --port "$port" "${certs[@]}" --priority "$prio" >"$WORK/$name.log" 2>&1 </dev/null &
  PIDS+=($!)
  echo $! >"$WORK/$name.pid"
  wait_port "$port"
}

# gnutls_server NAME CERT PRIORITY
gnutls_server() {
  local name=$1 cert=$2 prio=$3
  local port; port=$(free_port)
  echo "$cert" >"$WORK/$name.cert"
  echo "$prio" >"$WORK/$name.prio"
  start_gnutls "$name" "$port" "$prio"
  local list; list=$(gnutls-cli --priority "$prio" -l 2>/dev/null)
  local suites; suites=$(awk '/^TLS_|^SSL_/ && $2 ~ /^0x/ {gsub(",","",$2); printf "%s%s%s", sep, $2, substr($3,3); sep=", "}' <<<"$list")
  local vers; vers=$(sed -n 's/^Protocols: //p' <<<"$list" | sed 's/VERS-//g; s/TLS1\.\([0-9]\)/TLSv1.\1/g; s/DTLS[^,]*,\? \?//g')
  local groups; groups=$(sed -n 's/^Groups: //p' <<<"$list" | sed 's/GROUP-//g' | tr 'A-Z' 'a-z')
  local pref=client; [[ "$prio" == *SERVER_PRECEDENCE* ]] && pref=server
  profile_head "$name" gnutls "$pref" "$vers" "$cert" "$groups"
  printf 'suites = %s\n' "$suites" >>"$WORK/$name.profile"
  echo "$name $port" >>"$WORK/servers"
}


# probe_and_predict NAME PORT SERVER: the 162 hellos of $WORK/hellos sent to the server
# by hello_probe in the background (its pid added to PROBES; answers in NAME.real) and
# match's prediction for them against the server profile SERVER (NAME.pred).
probe_and_predict() {
  (timeout 120 "$PROBE" "$2" <"$WORK/hellos" >"$WORK/$1.real") &
  PROBES+=($!)
  "$TLSDIAG" match --clients-from testssl --server "$3" --json --fixes 0 \
    >"$WORK/$1.pred" 2>"$WORK/$1.prederr"
  [ $? -le 1 ] || bad "$1: match failed: $(head -3 "$WORK/$1.prederr")"
}

# agreement WHAT: match_agree.py's report on every server; any disagreement fails.
agreement() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/match_agree.py" "$WORK" >"$WORK/report"
  cat "$WORK/report"
  local n; n=$(tail -1 "$WORK/report" | awk '{print $3}')
  [ "$n" = 0 ] && ok || bad "$n disagreements between $1 and the real servers"
}
