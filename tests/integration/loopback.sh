# The shell side of loopback.py (sourced after cli/lib.sh): servers on loopback addresses for
# the scan tests, each started in the background and stopped at exit (SERVE_PIDS).
LOOPBACK_PY="$(dirname "${BASH_SOURCE[0]}")/loopback.py"

free_port() { python3 "$LOOPBACK_PY" free-port; }
# wait_addr ADDR PORT: until something listens there (at most 10 s).
wait_addr() { python3 "$LOOPBACK_PY" wait "$1" "$2"; }
# wait_port PORT: wait_addr on 127.0.0.1.
wait_port() { wait_addr 127.0.0.1 "$1"; }
# $WORK/ec.key, ec.pem (P-256) and $WORK/rsa.key, rsa.pem: self-signed, CN=localhost.
make_certs() { python3 "$LOOPBACK_PY" certs "$WORK"; }
# listens NET COUNT PORT: nginx's "listen 127.0.NET.I:PORT ssl;" for I from 1 to COUNT.
listens() { for i in $(seq "$2"); do printf '    listen 127.0.%d.%d:%d ssl;\n' "$1" "$i" "$3"; done; }
# start_nginx NAME CONNECTIONS SECONDS: nginx for at most SECONDS with the http{} body read
# from standard input (its log: $WORK/nginx-NAME/logs/error.log).
start_nginx() {
  cat >"$WORK/$1.http"
  timeout "$3" python3 "$LOOPBACK_PY" nginx "$WORK" "$1" "$2" "$WORK/$1.http" >/dev/null 2>&1 &
  SERVE_PIDS+=($!)
}
# start_silent SECONDS PORT NET COUNT: listeners that never accept (connected, never
# answered) on 127.0.NET.1 to 127.0.NET.COUNT, port PORT, for at most SECONDS. True once the
# last listens; else false, the reason in $WORK/silent.out.
start_silent() {
  local addrs=() i
  for i in $(seq "$4"); do addrs+=("127.0.$3.$i"); done
  timeout "$1" python3 "$LOOPBACK_PY" silent "$2" "${addrs[@]}" >"$WORK/silent.out" 2>&1 &
  SERVE_PIDS+=($!)
  wait_addr "127.0.$3.$4" "$2"
}
