#!/usr/bin/env bash
# tlsdiag ciphers end to end: every spelling, list forms, formats, bad input.
. "$(dirname "$0")/lib.sh"

# One suite by any spelling people paste (the issue's examples).
for s in TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA ECDHE-ECDSA-AES256-SHA 0xC00A 0xC0,0x0A c00a \
         TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA_P521 TLS_ECDHE_ECDSA_AES_256_CBC_SHA1; do
  run ciphers -o hex "$s"; expect_rc 0 "$s"; expect_out 0xC00A "$s"
done
run ciphers -o hex TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384; expect_out 0xC028 "P384 suffix"

# The detail card names the certificate the suite needs.
run ciphers 0xC00A
expect_rc 0 card
expect_grep 'needs an ECDSA certificate' "$OUT" "card: certificate type"
expect_grep 'ECDHE-ECDSA-AES256-SHA' "$OUT" "card: OpenSSL name"
expect_grep '_P256' "$OUT" "card: Windows spellings"

# Lists: arguments, file, stdin; every output format.
printf 'ECDHE-RSA-AES128-GCM-SHA256\nAES128-SHA\n' >"$WORK/list"
run ciphers -f "$WORK/list" -o iana
expect_out $'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\nTLS_RSA_WITH_AES_128_CBC_SHA' "file -> iana"
run_in "$WORK/list" ciphers -o gnutls
expect_out $'TLS_ECDHE_RSA_AES_128_GCM_SHA256\nTLS_RSA_AES_128_CBC_SHA1' "stdin -> gnutls"
run ciphers -o openssl TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA
expect_out 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA' "gpo -> openssl"
run ciphers -o gpo 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA'
expect_out 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA' "openssl -> gpo"
run ciphers -o windows 0xC013
expect_out 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA' "windows name"
run ciphers -o powershell 0xC02F 0x1301
expect_grep "Enable-TlsCipherSuite -Name 'TLS_AES_128_GCM_SHA256' -Position 1" "$OUT" powershell
expect_grep "Group Policy" "$OUT" "powershell: GPO warning"
expect_grep "Restart" "$OUT" "powershell: restart"
# The script disables every suite it does not keep: said first and on stderr; the TLS 1.3
# suites stay unless --replace-tls13.
run ciphers -o powershell 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA'; expect_rc 0 "powershell"
expect_grep "^# WARNING: this script DISABLES every cipher suite" "$(head -1 <<<"$OUT")" "powershell: warning first"
expect_grep "disables every cipher suite not in the list" "$ERR" "powershell: warning on stderr"
expect_grep "^\\\$keep = .*'TLS_AES_256_GCM_SHA384'.*'TLS_CHACHA20_POLY1305_SHA256'" "$OUT" "powershell: TLS 1.3 suites kept"
run ciphers -o powershell --replace-tls13 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA'; expect_rc 0 "--replace-tls13"
if grep -q "TLS_AES_256_GCM_SHA384" <<<"$OUT"; then bad "--replace-tls13 still keeps TLS 1.3"; else ok; fi
expect_grep "TLS 1.3 suites not in the list are disabled too" "$ERR" "--replace-tls13: said on stderr"
# A list from the registry becomes a preference in security order, not code order.
run ciphers --all --filter 'class>=secure' -o gpo
first=$(tr ',' '\n' <<<"$OUT" | head -1)
[ "$first" = TLS_AES_256_GCM_SHA384 ] && ok || bad "gpo from the registry starts with [$first]"
gcm=$(tr ',' '\n' <<<"$OUT" | grep -n '^TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256$' | cut -d: -f1)
cbc=$(tr ',' '\n' <<<"$OUT" | grep -n '^TLS_DHE_RSA_WITH_AES_128_GCM_SHA256$' | cut -d: -f1)
[ -n "$gcm" ] && [ -n "$cbc" ] && [ "$gcm" -lt "$cbc" ] && ok || bad "gpo from the registry: ECDHE at [$gcm], DHE (lower code) at [$cbc]"
run ciphers --all --filter 'class>=secure' -o powershell
expect_grep "^Enable-TlsCipherSuite -Name 'TLS_AES_256_GCM_SHA384' -Position 0$" "$OUT" "powershell positions in security order"
run ciphers --json 0xC02F
expect_grep '"iana": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"' "$OUT" json
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["suites"][0]["cert"]=="rsa"' <<<"$OUT" && ok || bad "json parses"

# An OpenSSL cipher string is expanded by the local OpenSSL, in its order.
run ciphers -o hex 'HIGH:!aNULL:!MD5'
expect_rc 0 "cipher string"
want=$(openssl ciphers -V 'HIGH:!aNULL:!MD5' | awk '{print $1}' | grep -v '^0x13,' |
       sed 's/0x\(..\),0x\(..\)/0x\1\2/' | tr a-f A-F | sed 's/^0X/0x/')
expect_out "$want" "HIGH:!aNULL:!MD5 matches openssl ciphers"
run ciphers -o iana 'ECDHE-RSA-AES128-SHA:EXP-RC4-MD5:!aNULL'
expect_grep 'cannot name 0x0003' "$ERR" "names the suite local OpenSSL lacks"

# PowerShell Get-TlsCipherSuite, list form, as pasted from a Windows console.
printf 'KeyType               : 0\r\nCertificate           : RSA\r\nExchange              : ECDH\r\nCipherSuite           : 49200\r\nCipher                : AES\r\nName                  : TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\r\nProtocols             : {771}\r\n\r\n' >"$WORK/ps"
run ciphers -f "$WORK/ps" -o openssl
expect_out 'ECDHE-RSA-AES256-GCM-SHA384' "Get-TlsCipherSuite list"

# Filters.
run ciphers -o hex --filter kx=ECDHE,auth=RSA,class=recommended,version=TLSv1.2
expect_grep '^0xC02F$' "$OUT" "filter finds C02F"
if grep -q '0xC013' <<<"$OUT"; then bad "filter keeps CBC suite"; else ok; fi
run ciphers --filter bogus=1; expect_rc 2 "bad filter is a usage error"

# Bad input: one clear line per bad item, non-zero exit, the rest converts.
run ciphers -o hex AES128-SHA NOPE 0xC0ZZ AES256-SHA
expect_rc 1 "bad items"
expect_out $'0x002F\n0x0035' "good items still convert"
expect_grep "'NOPE': unknown cipher suite name" "$ERR" "unknown name"
expect_grep "'0xC0ZZ': malformed hex" "$ERR" "malformed hex"
[ "$(wc -l <<<"$ERR")" -eq 2 ] && ok || bad "one line per bad item: [$ERR]"
: >"$WORK/empty"
run_in "$WORK/empty" ciphers -o hex
expect_rc 1 "empty list"; expect_grep 'empty list' "$ERR" "empty list message"
run ciphers -f /nonexistent/file; expect_rc 3 "missing file"
run ciphers --format klingon 0xC02F; expect_rc 2 "unknown format"
head -c 10000000 /dev/urandom >"$WORK/random"
run_in "$WORK/random" ciphers -o hex
expect_rc 1 "10 MB of random bytes"
if grep -qv "^tlsdiag ciphers: \(error\|note\): '" "$WORK/err"; then bad "random: stray stderr lines"; else ok; fi
[ "$(grep -c . "$WORK/err")" -gt 1000 ] && ok || bad "random: an error per bad item"
printf 'AES128-SHA\n\377\376garbage\nAES256-SHA\n' >"$WORK/mixed"
run_in "$WORK/mixed" ciphers -o hex
expect_out $'0x002F\n0x0035' "binary garbage between good names"
expect_grep "'\\\\xFF\\\\xFEgarbage'" "$ERR" "garbage shown escaped"

# The whole registry, and colour only when asked or on a terminal.
run ciphers --all -o hex
[ "$(wc -l <<<"$OUT")" -gt 380 ] && ok || bad "registry listing"
run ciphers --color 0x0005
expect_grep $'\033\\[' "$OUT" "--color forces colour"
run ciphers 0x0005
if grep -q $'\033' <<<"$OUT"; then bad "colour without a terminal"; else ok; fi

finish
