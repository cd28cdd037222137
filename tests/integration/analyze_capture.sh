# Shared by the analyze tests that record real failures on loopback (sourced after
# cli/lib.sh): servers killed on exit, free ports, certificates, tcpdump on lo for the
# ports in PORT, and the analysis as JSON. TLSD_KEEP=1 keeps the work directory in /tmp/keep.
. "$(dirname "${BASH_SOURCE[0]}")/loopback.sh" # free_port, wait_addr
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; [ -n "${TLSD_KEEP:-}" ] && cp -r "$WORK" /tmp/keep; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK" || exit 3
declare -A PORT

wait_port() { wait_addr 127.0.0.1 "$1" || { bad "nothing listens on port $1"; return 1; }; }
cert() { # NAME CN [KEYOPTS...]: a self-signed certificate NAME.pem / NAME.key
  local name=$1 cn=$2; shift 2
  openssl req -x509 -newkey "$@" -nodes -days 2 -subj "/CN=$cn" -addext "subjectAltName=DNS:$cn" \
    -keyout "$name.key" -out "$name.pem" 2>/dev/null
}
srv() { # NAME OPTIONS...: s_server on the port of NAME
  local name=$1; shift
  openssl s_server -accept "127.0.0.1:${PORT[$name]}" -www "$@" >"server.$name" 2>&1 </dev/null & PIDS+=($!)
}
sc() { # PORT OPTIONS...: openssl s_client, no input
  local port=$1; shift
  timeout 5 openssl s_client -connect "127.0.0.1:$port" "$@" </dev/null >"client.$port" 2>&1
}
# capture_start [FILTER]: waits for every server in PORT, then records them all into
# cap.pcap (the port probes stay out of it); with FILTER, records that instead, at once.
capture_start() {
  local s filter=${1:-}
  if [ -z "$filter" ]; then
    for s in "${!PORT[@]}"; do wait_port "${PORT[$s]}" || return 1; done
    filter=$(for s in "${PORT[@]}"; do printf 'port %s or ' "$s"; done)
    filter="tcp and (${filter% or })"
  fi
  tcpdump -i lo -U -w cap.pcap "$filter" 2>tcpdump.err & TCPDUMP=$!; PIDS+=($TCPDUMP)
  for _ in $(seq 50); do grep -q listening tcpdump.err 2>/dev/null && break; sleep 0.1; done
}
# capture_stop FILTER N: under load tcpdump may still hold packets in the kernel's buffer:
# waits until N packets of the last case (FILTER) are in the file, then stops it.
capture_stop() {
  for _ in $(seq 100); do
    [ "$(tcpdump -nn -r cap.pcap "$1" 2>/dev/null | wc -l)" -ge "$2" ] && break
    sleep 0.1
  done
  sleep 0.2
  kill -INT "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null
}
# analyze_json: `tlsdiag analyze --json cap.pcap` into analysis.json; false when that failed.
analyze_json() {
  run analyze --json cap.pcap
  expect_rc 0 "analyze the capture"
  echo "$OUT" >analysis.json
  jq -e . analysis.json >/dev/null || { bad "not JSON"; return 1; }
}
