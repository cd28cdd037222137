#!/usr/bin/env bash
# Text input as administrators really have it: files written on Windows (UTF-16LE with a BOM,
# as Windows PowerShell 5.1's `>` and `reg export` write them; UTF-8 with a BOM; CRLF) and the
# same on standard input. Every command that reads text must read them as it reads plain text.
. "$(dirname "$0")/lib.sh"

# utf16 FILE: rewrite FILE as UTF-16LE with a BOM (what `Get-TlsCipherSuite > f.txt` gives).
utf16() { { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$1"; } >"$1.u16" && mv "$1.u16" "$1"; }
# bomcrlf FILE: UTF-8 with a BOM and CRLF line ends (Notepad, Out-File -Encoding utf8).
bomcrlf() { { printf '\xef\xbb\xbf'; sed 's/$/\r/' "$1"; } >"$1.b" && mv "$1.b" "$1"; }

# Get-TlsCipherSuite, list form, two suites.
cat >"$WORK/ps.txt" <<'T'

KeyType               : 0
Certificate           : RSA
MaximumExchangeLength : 65000
MinimumExchangeLength : 0
Exchange              : ECDH
CipherSuite           : 49200
Cipher                : AES
Name                  : TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
Protocols             : {771}

KeyType               : 0
Certificate           : RSA
Exchange              : ECDH
CipherSuite           : 49199
Cipher                : AES
Name                  : TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
Protocols             : {771}
T
want='ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256'
cp "$WORK/ps.txt" "$WORK/ps16.txt"; utf16 "$WORK/ps16.txt"
cp "$WORK/ps.txt" "$WORK/psbom.txt"; bomcrlf "$WORK/psbom.txt"
run_in "$WORK/ps.txt" ciphers -o openssl; want_stdin=$OUT
for f in ps16 psbom; do
  run ciphers -f "$WORK/$f.txt" -o openssl
  expect_rc 0 "ciphers -f $f"; expect_out "$want" "ciphers -f $f"
  run_in "$WORK/$f.txt" ciphers -o openssl
  expect_rc 0 "ciphers stdin $f"; expect_out "$want_stdin" "ciphers stdin $f"
done

# The same list as a server profile (ps: form and detected from the file).
for f in ps16 psbom; do
  run profiles "ps:$WORK/$f.txt"
  expect_rc 0 "profiles ps: $f"
  expect_grep 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' "$OUT" "profiles ps: $f lists the suite"
done

# A profile file in the project's own format, saved on Windows.
cat >"$WORK/printer.profile" <<'P'
name = printer16
side = client
versions = TLSv1.0
suites = TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA
P
utf16 "$WORK/printer.profile"
run profiles "$WORK/printer.profile"
expect_rc 0 "UTF-16 profile file"; expect_grep 'printer16' "$OUT" "UTF-16 profile name read"
expect_grep 'TLS_RSA_WITH_RC4_128_SHA' "$OUT" "UTF-16 profile suites read"

# explain on an error text saved from a Windows console.
printf 'The request was aborted: Could not create SSL/TLS secure channel.\n' >"$WORK/err.txt"
run_in "$WORK/err.txt" explain; plain=$OUT
utf16 "$WORK/err.txt"
run_in "$WORK/err.txt" explain
expect_rc 0 "explain UTF-16 stdin"
[ -n "$plain" ] && [ "$OUT" = "$plain" ] && ok || bad "explain reads UTF-16 as it reads UTF-8: [${OUT:0:300}]"

# A target list written on Windows (UTF-16, CRLF): each line a target, no CR in the name.
printf '127.0.0.1:1\r\n# a comment\r\n[::1]:1\r\n' >"$WORK/targets.txt"
utf16 "$WORK/targets.txt"
run scan --json --timeout 2 -iL "$WORK/targets.txt"
expect_grep '"127.0.0.1"' "$OUT" "UTF-16 target list: first target"
expect_grep '"::1"' "$OUT" "UTF-16 target list: second target"
if grep -q $'\r' "$WORK/out" "$WORK/err"; then bad "a CR from the list reached the output"; else ok; fi
finish
