#!/usr/bin/env bash
# tlsdiag match and profiles end to end: the printer case, JSON, matrix mode, errors.
. "$(dirname "$0")/lib.sh"

cat >"$WORK/printer.profile" <<'P'
name = printer
side = client
versions = TLSv1.0
suites = TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA
flags = -sends-groups, -sends-sigalgs
P

run profiles; expect_rc 0 "profiles"
[ "$(grep -c '^testssl-' <<<"$OUT")" -eq 162 ] && ok || bad "162 testssl profiles"
[ "$(grep -c '^windows-' <<<"$OUT")" -eq 19 ] && ok || bad "19 windows profiles"
run profiles --family java --json; expect_rc 0 "profiles --json"
expect_grep '"name": "java-17"' "$OUT" "java-17 listed"

run match --client "$WORK/printer.profile" --server windows-2022
expect_rc 0 "printer vs 2022 succeeds (3DES still on)"
expect_grep 'TLSv1.0, TLS_RSA_WITH_3DES_EDE_CBC_SHA' "$OUT" "3DES at TLS 1.0"

run match --client "$WORK/printer.profile" --server windows-2025
expect_rc 1 "printer vs 2025 fails"
expect_grep 'no common cipher suite' "$OUT" "failure class"
expect_grep 'Schannel event 36874' "$OUT" "36874"
expect_grep 'Enable-TlsCipherSuite -Name TLS_RSA_WITH_3DES_EDE_CBC_SHA -Position' "$OUT" "PowerShell fix"
expect_grep 'No secure fix exists' "$OUT" "says no secure fix"
expect_grep 'restart' "$OUT" "restart note"

run match --client "$WORK/printer.profile" --server windows-2025 --json
expect_rc 1 "json"
expect_grep '"failure": "no-common-suite"' "$OUT" "json failure"
python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$OUT" && ok || bad "json parses"

run match --client 'openssl:ECDHE-RSA-AES128-GCM-SHA256' --server 'nginx:ssl_protocols TLSv1.2; ssl_ciphers AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256;'
expect_rc 0 "openssl vs nginx"
expect_grep 'TLS_AES_256_GCM_SHA384|TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' "$OUT" "suite"

run match --clients-from testssl --servers windows-2019,windows-2025
expect_grep '^CLIENT' "$OUT" "matrix header"
expect_grep 'pairs fail' "$OUT" "matrix summary"
expect_grep 'Works with windows-2019, fails with a later server' "$OUT" "upgrade breaks section"
expect_grep 'testssl-ie-8-xp +fails with windows-2025 \(no common cipher suite\)' "$OUT" "IE 8 on XP breaks on 2025"
# Every later server a client fails with is listed, not only the first one.
run match --client legacy-printer --client java-8 --server windows-8.1 --server windows-2025 \
  --server java-17
expect_grep '^  legacy-printer  fails with windows-2025 \(no common cipher suite\), java-17 \(no common protocol version\)$' \
  "$OUT" "breaks lists both later servers"
run match --json --client legacy-printer --server windows-8.1 --server windows-2025 --server java-17
python3 -c 'import json,sys; d=json.load(sys.stdin); assert sorted(b["fails_with"] for b in d["breaks"]) == ["java-17", "windows-2025"]' <<<"$OUT" \
  && ok || bad "JSON breaks lists both later servers"
# A saved scan is a column named by its file, so two scans of one server stay apart.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 \
  -subj /CN=localhost 2>/dev/null
timeout 120 openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/c.pem" -key "$WORK/k.pem" \
  -quiet </dev/null >/dev/null 2>&1 &
spid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
"$TLSDIAG" scan --json "127.0.0.1:$port" >"$WORK/before.json" 2>/dev/null
cp "$WORK/before.json" "$WORK/after.json"
kill "$spid" 2>/dev/null
run match --client java-8 --client legacy-printer --server "$WORK/before.json" --server "$WORK/after.json"
expect_grep '^CLIENT \\ SERVER +before\.json +after\.json$' "$OUT" "matrix columns named by the files"
if grep -q 'scan of' <<<"$OUT"; then bad "a column is still 'scan of ADDRESS'"; else ok; fi
run match --clients-from testssl --servers windows-2016,windows-2022 --json --fixes 0
python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["results"]) == 324' <<<"$OUT" && ok || bad "matrix json 324 results"

# Golden outputs: a behaviour change shows up as a diff (regenerate deliberately).
g="$TLSD_SRCDIR/tests/golden"
for fmt in txt json; do
  (cd "$TLSD_SRCDIR" && "$TLSDIAG" match --client tests/golden/printer.profile --server windows-2025 \
    $([ "$fmt" = json ] && echo --json) >"$WORK/golden.$fmt" 2>&1)
  diff -u "$g/match_printer_windows-2025.$fmt" "$WORK/golden.$fmt" >&2 && ok || bad "golden $fmt differs"
done

# Every client seen in a capture against two servers (matrix from a capture).
run match --json --clients-from "capture:$TLSD_SHARED/pcaps/arkime/openssl-tls1_2-tls1.pcap" \
  --servers windows-2016,windows-2025
expect_grep '"clients": 1' "$OUT" "capture clients in the matrix"
expect_grep 'hello of 10\.0\.0\.1' "$OUT" "the client named by its address"
run match --clients-from capture:/nonexistent.pcap --servers windows-2016
expect_rc 2 "capture that cannot be read"

run match --client nosuchprofile --server windows-2022; expect_rc 3 "unknown profile"
run match --client windows-10; expect_rc 2 "no server"
# A server as HOST:PORT is scanned first: nothing listens on loopback port 1.
run match --client java-17 --server 127.0.0.1:1; expect_rc 3 "unreachable HOST:PORT server"
expect_grep "could not scan it" "$ERR" "unreachable HOST:PORT server: the reason"
# An OpenSSL cipher string is not mistaken for one.
run match --client 'openssl:AES128-SHA:@SECLEVEL=0' --server windows-2019; expect_rc 0 "cipher string with a colon"

# Inputs that name no versions: the report says which it assumed; --versions, a
# 'versions =' line or a Windows version's defaults set them.
run match --client 'list:TLS_RSA_WITH_AES_128_CBC_SHA' --server windows-2025 --fixes 0
expect_grep "versions assumed: TLSv1.0 to TLSv1.2" "$OUT" "list: versions assumed, said"
run match --client 'list:TLS_RSA_WITH_AES_128_CBC_SHA' --server windows-2025 --fixes 0 --json
expect_grep '"client_versions_assumed": \[' "$OUT" "list: versions assumed in JSON"
run match --client 'list:TLS_RSA_WITH_AES_128_CBC_SHA' --server windows-2025 --fixes 0 --versions TLSv1.0
if grep -q "assumed" <<<"$OUT"; then bad "--versions still says assumed"; else ok; fi
expect_grep "handshake succeeds: TLSv1.0," "$OUT" "--versions TLSv1.0 used"
run match --client testssl-android-404 --server 'gpo:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' --fixes 0
expect_grep "\(GPO cipher suite order\) versions assumed" "$OUT" "gpo: versions assumed, said"
run match --client testssl-android-404 --server 'gpo:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA' --fixes 0 --versions windows-2025
expect_grep "handshake succeeds: TLSv1.0, TLS_RSA_WITH_AES_128_CBC_SHA" "$OUT" "--versions from a Windows version"
run match --client testssl-android-404 --server 'gpo:TLS_RSA_WITH_AES_128_CBC_SHA' --versions bogus; expect_rc 3 "--versions nonsense"
expect_grep "names no version" "$ERR" "--versions nonsense: the reason"
# Get-TlsCipherSuite saved by Windows PowerShell 5.1 (UTF-16LE with a BOM, CRLF) with a
# 'versions =' line: read as text, the line sets the versions.
cat >"$WORK/ps.txt" <<'T'
versions = TLSv1.2

Name                  : TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
Exchange              : ECDH
Protocols             : {771}

Name                  : TLS_RSA_WITH_AES_128_CBC_SHA
Exchange              : RSA
Protocols             : {769, 770, 771}
T
{ printf '\xff\xfe'; sed 's/$/\r/' "$WORK/ps.txt" | iconv -f UTF-8 -t UTF-16LE; } >"$WORK/ps16.txt"
run match --client testssl-android-404 --server "ps:$WORK/ps16.txt" --fixes 0; expect_rc 1 "UTF-16 Get-TlsCipherSuite with versions = TLSv1.2"
expect_grep "no common protocol version" "$OUT" "UTF-16 Get-TlsCipherSuite: its versions line is read"
if grep -q "assumed" <<<"$OUT"; then bad "a versions line still says assumed"; else ok; fi
run match --client testssl-android-404 --server "$WORK/ps16.txt" --fixes 0; expect_rc 1 "UTF-16 Get-TlsCipherSuite detected"
# Fixes are what the release can run (data/windows_support.tsv): Windows Server 2012 R2
# has no TLS 1.3, so a TLS 1.3-only client gets no "enable TLSv1.3" on that server (and no
# TLS 1.3 suite), but a fix on the client; Windows 7's Schannel has no ECDHE GCM suite to
# enable. A Schannel profile of no known release is not bounded.
printf 'versions = TLSv1.3\nsuites = TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256\ngroups = x25519,secp256r1\n' \
  >"$WORK/t13.txt"
run match --client "$WORK/t13.txt" --server windows-2012r2; expect_rc 1 "TLS 1.3-only client vs 2012 R2"
server_fixes=$(sed -n '/^Fixes on the server/,/^Fixes on the client/p' <<<"$OUT")
if grep -q "TLSv1.3\|TLS_AES" <<<"$(grep -v 'cannot run' <<<"$server_fixes")"; then
  bad "2012 R2 told to enable TLS 1.3: $server_fixes"; else ok; fi
expect_grep "Schannel on windows-8.1 cannot run TLSv1.3" "$OUT" "2012 R2: the release cannot run TLS 1.3"
expect_grep "enable TLSv1.2" "$(sed -n '/^Fixes on the client/,$p' <<<"$OUT")" "the client's fix: TLS 1.2"
expect_grep "^Client: t13.txt" "$OUT" "a profile file without a name is named after the file"
run match --json --client "$WORK/t13.txt" --server windows-2012r2
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["pairs"][0]["server_fixes"] if "pairs" in d else d["server_fixes"]; assert f["versions_impossible"]==["TLSv1.3"] and f["fixes"]==[], f' \
  "$WORK/out" 2>/dev/null && ok || bad "match --json: versions_impossible: $(head -c 300 <<<"$OUT")"
run match --client "list:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" --versions TLSv1.2 --server windows-7 --fixes 5
if sed -n '/^Fixes on the server/,/^Fixes on the client/p' <<<"$OUT" | grep -q "enable TLS_ECDHE_RSA_WITH_AES_128_GCM"; then
  bad "Windows 7 told to enable an ECDHE GCM suite it does not have"; else ok; fi
printf 'implementation = schannel\nside = server\nversions = TLSv1.2\nsuites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n' >"$WORK/sch.txt"
run match --client "$WORK/t13.txt" --server "$WORK/sch.txt"
expect_grep "enable TLSv1.3" "$OUT" "a Schannel profile of no known release may enable TLS 1.3"
# A step of two commands (Enabled and DisabledByDefault for a version that is off by
# default): the second starts under the first, not at the line's start.
printf 'versions = TLSv1.2\nsuites = TLS_RSA_WITH_AES_128_CBC_SHA256\n' >"$WORK/t12.txt"
COLUMNS=80 run match --client "$WORK/t12.txt" --server windows-7
expect_grep '^     registry: reg add$' "$OUT" "the first reg command after its label"
expect_grep '^ {15}reg add$' "$OUT" "the second reg command under the first"
finish
