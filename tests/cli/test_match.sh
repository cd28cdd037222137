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
expect_grep 'testssl-ie-8-xp +fails with windows-2025: no common cipher suite' "$OUT" "IE 8 on XP breaks on 2025"
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
finish
