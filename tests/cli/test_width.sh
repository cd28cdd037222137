#!/usr/bin/env bash
# Every text report fits the terminal (issue 17): at COLUMNS=80 and 132 no line of any
# command's output is wider than that, except a line that is one unbreakable word (a long
# name or URL, possibly indented). Real peers: openssl s_server on loopback for scan and
# connect, the shared captures for analyze, the shared event log for events.
. "$(dirname "$0")/lib.sh"
pcaps="$TLSD_SHARED/pcaps"
[ -d "$pcaps/FlowTest" ] || { echo "shared captures missing"; exit 77; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 \
  -subj /CN=localhost 2>/dev/null
port=$(free_port)
timeout 600 openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/c.pem" -key "$WORK/k.pem" \
  -cipher 'ALL:@SECLEVEL=0' -min_protocol TLSv1 -quiet </dev/null >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$port" || { bad "s_server did not start"; finish; exit; }
"$TLSDIAG" scan --json "127.0.0.1:$port" >"$WORK/scan.json" 2>/dev/null

# Each line: one invocation (words split on spaces; @PORT and @WORK are filled in).
cat >"$WORK/cases" <<CASES
--help
ciphers --help
ciphers -a
ciphers -a -F class=recommended
ciphers AES128-SHA
ciphers TLS_AES_128_GCM_SHA256,ECDHE-RSA-AES128-GCM-SHA256,DES-CBC3-SHA
profiles
profiles windows-2025
profiles legacy-printer
explain 36874
explain 40
explain -2146893018
explain -n 5 handshake failure
explain --list
match --client legacy-printer --server windows-2025
match --client java-8 --server windows-8.1
match --client legacy-printer --client java-8 --client openssl-3 --client windows-2025 --server windows-2025 --server windows-2022 --server windows-8.1 --server windows-10-1607 --server openssl-3 --server java-17
match --client legacy-printer --server @WORK/scan.json
scan 127.0.0.1:@PORT
scan --help
connect 127.0.0.1:@PORT
connect --no-verify 127.0.0.1:@PORT
connect --as legacy-printer --no-verify 127.0.0.1:@PORT
analyze $pcaps/FlowTest/tls12.pcap $pcaps/FlowTest/tls_cipher_error.pcap $pcaps/FlowTest/tls_version_error.pcap $pcaps/FlowTest/tls_invalid_cert.pcap
analyze $pcaps/FlowTest/tls13.pcap $pcaps/FlowTest/ssl-v2.pcap $pcaps/FlowTest/tls_ssl30.pcap
analyze --failed $pcaps/arkime/badcurveball.pcap $pcaps/arkime/openssl-tls1.pcap
analyze --help
events $TLSD_SHARED/evtx/system.evtx
events --help
serve --help
connect --help
watch --help
explain --help
match --help
profiles --help
CASES
sed -i "s|@PORT|$port|g; s|@WORK|$WORK|g" "$WORK/cases"

# too_wide WIDTH FILE: the lines wider than WIDTH that are more than one word (or one
# Windows registry path, which may hold spaces: "...\Protocols\TLS 1.2\Client").
too_wide() {
  python3 - "$1" "$2" <<'PY'
import sys
w = int(sys.argv[1])
for line in open(sys.argv[2], encoding="utf-8", errors="replace").read().split("\n"):
    words = line.strip().split(" ")
    if len(line) > w and len(words) > 1 and not all("\\" in x for x in words):
        print(len(line), line[:160])
PY
}
while read -r line; do
  for cols in 80 132; do
    # shellcheck disable=SC2086
    COLUMNS=$cols "$TLSDIAG" $line >"$WORK/out" 2>/dev/null </dev/null
    rc=$?
    [ "$rc" -ge 86 ] && bad "sanitizer/crash (rc=$rc): $line"
    [ -s "$WORK/out" ] || { bad "no output at $cols: $line"; continue; }
    wide=$(too_wide "$cols" "$WORK/out")
    if [ -n "$wide" ]; then bad "COLUMNS=$cols tlsdiag $line: $(wc -l <<<"$wide") lines too wide, e.g. ${wide:0:300}"; else ok; fi
  done
done <"$WORK/cases"

# The golden invocations of analyze and explain (tests/golden/*/NAME.args).
for kind in analyze explain; do
  for args in "$TLSD_SRCDIR"/tests/golden/$kind/*.args; do
    mapfile -t a <"$args"
    grep -qx -- '--json.*' "$args" && continue # JSON is never wrapped
    for cols in 80 132; do
      (cd "$pcaps" && COLUMNS=$cols "$TLSDIAG" $kind "${a[@]}" >"$WORK/out" 2>/dev/null </dev/null)
      wide=$(too_wide "$cols" "$WORK/out")
      [ -z "$wide" ] && ok || bad "COLUMNS=$cols golden $kind $(basename "$args"): ${wide:0:300}"
    done
  done
done

# Help is written to fit 80 columns: no line of it needs the wrapper there (a wrapped
# prose line or example reads badly), so it is the same at 80 and at 1000 columns.
for cmd in "" ciphers scan analyze watch match profiles explain serve connect events; do
  # shellcheck disable=SC2086
  COLUMNS=80 "$TLSDIAG" $cmd --help >"$WORK/out" 2>/dev/null
  # shellcheck disable=SC2086
  COLUMNS=1000 "$TLSDIAG" $cmd --help >"$WORK/wide" 2>/dev/null
  if cmp -s "$WORK/out" "$WORK/wide"; then ok; else
    bad "tlsdiag $cmd --help has lines wider than 80: $(diff "$WORK/wide" "$WORK/out" | grep '^<' | head -3)"
  fi
done

# Not a terminal and no COLUMNS: 80. A number out of range is ignored.
env -u COLUMNS "$TLSDIAG" match --client legacy-printer --server windows-2025 >"$WORK/out" 2>/dev/null
[ -z "$(too_wide 80 "$WORK/out")" ] && ok || bad "without COLUMNS the width is not 80"
COLUMNS=junk "$TLSDIAG" match --client legacy-printer --server windows-2025 >"$WORK/out" 2>/dev/null
[ -z "$(too_wide 80 "$WORK/out")" ] && ok || bad "COLUMNS=junk: not 80"
# A wide terminal keeps a list on one line: nothing hard-wrapped at a fixed column.
COLUMNS=1000 "$TLSDIAG" match --client legacy-printer --server windows-2025 >"$WORK/out" 2>/dev/null
expect_grep 'GPO SSL Cipher Suite Order: TLS_AES_256_GCM_SHA384,.*,TLS_RSA_WITH_3DES_EDE_CBC_SHA$' \
  "$(cat "$WORK/out")" "at 1000 columns the GPO list stays on one line"
# The list wraps at item boundaries with a hanging indent under the list.
COLUMNS=80 "$TLSDIAG" match --client legacy-printer --server windows-2025 >"$WORK/out" 2>/dev/null
expect_grep '^ {33}TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,$' "$(cat "$WORK/out")" \
  "GPO list wrapped at a comma under its first item"
# JSON and lists for programs are never wrapped.
COLUMNS=80 "$TLSDIAG" ciphers -o openssl -a >"$WORK/out" 2>/dev/null
COLUMNS=1000 "$TLSDIAG" ciphers -o openssl -a >"$WORK/wide" 2>/dev/null
cmp -s "$WORK/out" "$WORK/wide" && ok || bad "ciphers -o openssl was wrapped"
COLUMNS=80 "$TLSDIAG" match --json --client legacy-printer --server windows-2025 >"$WORK/out"
python3 -m json.tool "$WORK/out" >/dev/null && ok || bad "match --json is not JSON at 80 columns"
# The table keeps the IANA name and then the OpenSSL name, and drops columns that do not fit.
COLUMNS=80 "$TLSDIAG" ciphers TLS_AES_128_GCM_SHA256,ECDHE-RSA-AES128-GCM-SHA256,DES-CBC3-SHA \
  >"$WORK/out" 2>/dev/null
expect_grep '^TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 +ECDHE-RSA-AES128-GCM-SHA256 +recommended$' \
  "$(cat "$WORK/out")" "ciphers at 80: IANA name, OpenSSL name, class on one row"
COLUMNS=132 "$TLSDIAG" ciphers -a >"$WORK/out" 2>/dev/null
expect_grep '^CODE +IANA NAME +OPENSSL NAME +MIN ' "$(cat "$WORK/out")" "ciphers -a at 132: more columns"
finish
