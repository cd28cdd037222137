#!/usr/bin/env bash
# reg:FILE[,FILE...][@BASE] against real registry exports: each configuration is written
# by hand as a .reg file, imported into a Wine registry with Wine's reg.exe and exported
# again with `reg export`; that export is what tlsdiag reads. The expected result is what
# the settings mean (data/schannel_registry.tsv), written out per configuration below.
# Then hand-written odd inputs (LF only, 8-bit comments, REGEDIT4, 100 KB of unrelated
# keys) and malformed ones.
source "$(dirname "$0")/lib.sh"

HKLM='HKEY_LOCAL_MACHINE'
SCH="$HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL"
LOCAL="$HKLM\\SYSTEM\\CurrentControlSet\\Control\\Cryptography\\Configuration\\Local\\SSL\\00010002"
POLICY="$HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002"
NET4="$HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319"
NET4W="$HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319"
CURVER="$HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"

# check JSON CHECK...: versions=A,B  suites=N1,N2 (exact order)  groups=..  nosuite=SUBSTR
#   line=REGEX (a provenance line "setting|value|origin|note" matches)  base=NAME
check() {
  python3 - "$@" <<'PY'
import json, re, sys
j = json.load(open(sys.argv[1]))
fails = []
for c in sys.argv[2:]:
    k, v = c.split("=", 1)
    if k == "versions" and ",".join(j["versions"]) != v:
        fails.append("versions %s, want %s" % (j["versions"], v))
    elif k == "suites" and ",".join(j["suites"]) != v:
        fails.append("suites %s, want %s" % (j["suites"], v))
    elif k == "groups" and ",".join(j["groups"]) != v:
        fails.append("groups %s, want %s" % (j["groups"], v))
    elif k == "nosuite" and any(v in s for s in j["suites"]):
        fails.append("a suite with %s remains" % v)
    elif k == "hassuite" and not any(v in s for s in j["suites"]):
        fails.append("no suite with %s" % v)
    elif k == "nsuites" and len(j["suites"]) != int(v):
        fails.append("%d suites, want %s" % (len(j["suites"]), v))
    elif k == "base" and j["windows"]["base"] != v:
        fails.append("base %s, want %s" % (j["windows"]["base"], v))
    elif k == "line":
        lines = ["%s|%s|%s|%s" % (l["setting"], l["value"], l["origin"], l.get("note", ""))
                 for l in j["windows"]["settings"]]
        if not any(re.search(v, l) for l in lines):
            fails.append("no line /%s/ in %s" % (v, lines))
for f in fails:
    print(f)
sys.exit(1 if fails else 0)
PY
}

# expect NAME SPEC CHECK...: tlsdiag profiles SPEC --json, then the checks.
expect() {
  local name=$1 spec=$2; shift 2
  run profiles --json "$spec"
  if [ "$RC" -ne 0 ]; then bad "$name: exit $RC: $ERR"; return; fi
  printf '%s\n' "$OUT" >"$WORK/p.json"
  local msg
  if msg=$(check "$WORK/p.json" "$@"); then ok; else bad "$name: $msg"; fi
}

# utf16 FILE: the text on stdin as regedit writes it (UTF-16LE with BOM, CRLF).
utf16() { { printf '\xff\xfe'; sed 's/$/\r/' | iconv -f utf-8 -t utf-16le; } >"$1"; }

# base list of a built-in (to state expectations relative to the documented default)
base_suites() { "$TLSDIAG" profiles --json "$1" | python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)["suites"]))'; }
without() { tr , '\n' <<<"$1" | grep -v -- "$2" | paste -sd, -; }

# ---- hand-written odd inputs (no Wine needed) ---------------------------------------
ODD=$WORK/odd
mkdir -p "$ODD"
printf 'REGEDIT4\n\n; a comment \xe9\xe8 in Latin-1\n[%s\\Protocols\\TLS 1.0\\Server]\n"Enabled"=dword:00000000\n' \
  "$SCH" >"$ODD/lf8bit.reg"
expect "REGEDIT4, LF only, 8-bit comment" "reg:$ODD/lf8bit.reg@windows-2019" \
  versions=TLSv1.1,TLSv1.2 'line=TLS 1.0 \(Server\)\|disabled\|local'
{
  printf 'Windows Registry Editor Version 5.00\n\n'
  for i in $(seq 1 1400); do
    printf '[%s\\SOFTWARE\\Vendor%d\\Settings]\n"Path"="C:\\\\Program Files\\\\App %d"\n"Flags"=hex:01,02,03\n\n' "$HKLM" "$i" "$i"
  done
  printf '[%s\\Ciphers\\Triple DES 168]\n"Enabled"=dword:0\n' "$SCH"
} >"$WORK/big8.txt"
utf16 "$ODD/big.reg" <"$WORK/big8.txt"
size=$(stat -c %s "$ODD/big.reg")
if [ "$size" -ge 100000 ]; then ok; else bad "the big export is only $size bytes"; fi
expect "100 KB export of unrelated keys" "reg:$ODD/big.reg@windows-2022" nosuite=3DES \
  nsuites=$(($(base_suites windows-2022 | tr , '\n' | grep -vc 3DES)))
cat >"$ODD/wrapped.reg" <<EOF2
Windows Registry Editor Version 5.00

[$LOCAL]
@="default value, ignored"
"Functions"=hex(7):54,00,4c,00,53,00,5f,00,52,00,53,00,41,00,5f,00,57,00,49,00,\\
  54,00,48,00,5f,00,41,00,45,00,53,00,5f,00,31,00,32,00,38,00,5f,00,43,00,42,\\
  00,43,00,5f,00,53,00,48,00,41,00,00,00,00,00
"Note"="a \\"quoted\\" value with a \\\\ backslash"
EOF2
expect "hex(7) wrapped over lines, @ and escapes" "reg:$ODD/wrapped.reg@windows-2022" \
  suites=TLS_RSA_WITH_AES_128_CBC_SHA
printf 'Windows Registry Editor Version 5.00\n\n[%s\\Protocols\\TLS 1.0\\Server]\n"Enabled"=dword:0\n[-%s\\Protocols]\n' \
  "$SCH" "$SCH" >"$ODD/delkey.reg"
expect "[-KEY] deletes what an earlier line set" "reg:$ODD/delkey.reg@windows-2019" \
  versions=TLSv1.0,TLSv1.1,TLSv1.2
# malformed: a clear error naming the file and line, exit 1, no crash
printf 'not a registry file\n' >"$ODD/bad1.reg"
run profiles "reg:$ODD/bad1.reg"
expect_rc 1 "no header"
expect_grep 'bad1.reg:1: not a registry export' "$ERR" "no header: reason"
printf 'Windows Registry Editor Version 5.00\n\n[%s\\Ciphers\\NULL]\n"Enabled"=hex:0g,zz\n' "$SCH" >"$ODD/bad2.reg"
run profiles "reg:$ODD/bad2.reg"
expect_rc 1 "bad hex"
expect_grep 'bad2.reg:4: malformed value data' "$ERR" "bad hex: reason"
printf 'Windows Registry Editor Version 5.00\n\n[%s\\Ciphers\\NULL\n' "$SCH" >"$ODD/bad3.reg"
run profiles "reg:$ODD/bad3.reg"
expect_grep "bad3.reg:3: a key line without its closing" "$ERR" "unclosed key: reason"
run profiles "reg:$ODD/missing.reg"
expect_rc 1 "missing file"
run profiles "reg:$ODD/lf8bit.reg@windows-99"
expect_grep "not a built-in Windows profile" "$ERR" "bad base"

# match starts the Windows fixes from the configured state: with a policy order the change
# goes into the GPO (no Enable-TlsCipherSuite, which has no effect then); a suite already in
# the policy list is not enabled again (only the disabled protocol is)
printf 'Windows Registry Editor Version 5.00\n\n[%s]\n"Functions"="TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"\n' \
  "$POLICY" >"$ODD/pol.reg"
run match --client legacy-printer --server "reg:$ODD/pol.reg@windows-2019"
expect_grep 'put the new list into that GPO' "$OUT" "policy: the fix goes into the GPO"
if grep -q 'Enable-TlsCipherSuite -Name' <<<"$OUT"; then bad "policy: Enable-TlsCipherSuite offered"; else ok; fi
run match --client legacy-printer --server "reg:$ODD/wrapped.reg@windows-2019"
expect_grep 'Enable-TlsCipherSuite -Name TLS_RSA_WITH_3DES_EDE_CBC_SHA' "$OUT" "local order: the cmdlet"
printf '[%s\\Protocols\\TLS 1.2\\Server]\n"Enabled"=dword:0\n' "$SCH" | cat "$ODD/pol.reg" - >"$ODD/pol12.reg"
run match --client list:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 --server "reg:$ODD/pol12.reg@windows-2019"
expect_grep 'TLS 1.2\\Server" /v Enabled /t REG_DWORD /d 1' "$OUT" "policy lists the suite: TLS 1.2 enabled"
if grep -q 'enable TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' <<<"$OUT"; then bad "a suite in the policy list enabled again"; else ok; fi

# ---- real exports written by Wine's reg.exe ---------------------------------------------
if ! command -v wine >/dev/null || ! command -v wineboot >/dev/null; then
  echo "wine is not installed (scripts/setup installs it): Wine exports skipped"
  finish
  [ "$FAILS" -eq 0 ] && exit 77 || exit 1
fi
export WINEPREFIX=$WORK/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
trap 'WINEPREFIX=$WORK/wine wineserver -k >/dev/null 2>&1; rm -rf "$WORK"' EXIT
wineboot --init >/dev/null 2>&1 || { bad "wineboot --init failed"; finish; exit 1; }
wineserver -p >/dev/null 2>&1 # keep one server for the whole run

EXPORT_KEYS=("$SCH" "$HKLM\\SYSTEM\\CurrentControlSet\\Control\\Cryptography\\Configuration"
  "$HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography")
RESET_KEYS=("${EXPORT_KEYS[@]}" "$NET4" "$NET4W" "$CURVER")
# through_wine NAME [KEY...]: imports $WORK/in-NAME.txt (hand-written; written as UTF-16LE
# the way regedit does, after [-KEY] lines that clear the previous configuration), then
# exports the KEYs the configuration sets (default: the three above) into $WORK/NAME-N.reg;
# sets EXPORTS to the comma list. (Each reg.exe run costs a second or more.)
winpath() { printf 'Z:%s' "${1//\//\\}"; } # Wine maps / to Z:
through_wine() {
  local name=$1 i=0 k
  shift
  [ $# -gt 0 ] || set -- "${EXPORT_KEYS[@]}"
  {
    printf 'Windows Registry Editor Version 5.00\n\n'
    for k in "${RESET_KEYS[@]}"; do printf '[-%s]\n' "$k"; done
    sed 1d "$WORK/in-$name.txt"
  } | utf16 "$WORK/in-$name.reg"
  # one Wine process per configuration: reg import, then one reg export per key
  {
    printf 'reg import %s\r\n' "$(winpath "$WORK/in-$name.reg")"
    for k in "$@"; do
      printf 'reg export "%s" %s /y\r\n' "$k" "$(winpath "$WORK/$name-$i.reg")"
      i=$((i + 1))
    done
  } >"$WORK/run-$name.bat"
  wine cmd /c "$(winpath "$WORK/run-$name.bat")" >/dev/null 2>&1
  EXPORTS=""
  for ((k = 0; k < i; k++)); do
    [ -s "$WORK/$name-$k.reg" ] && EXPORTS=${EXPORTS:+$EXPORTS,}$WORK/$name-$k.reg
  done
  if [ -z "$EXPORTS" ]; then bad "$name: nothing exported"; EXPORTS=$WORK/none.reg; fi
  # the input is really what reg.exe wrote: UTF-16LE with BOM
  if head -c2 "${EXPORTS%%,*}" | od -An -tx1 | grep -q 'ff fe'; then ok; else bad "$name: export not UTF-16LE"; fi
}
hdr() { printf 'Windows Registry Editor Version 5.00\n\n'; }

# 1. protocols off
{ hdr; printf '[%s\\Protocols\\TLS 1.0\\Server]\n"Enabled"=dword:00000000\n"DisabledByDefault"=dword:00000001\n\n[%s\\Protocols\\TLS 1.1\\Server]\n"Enabled"=dword:00000000\n' "$SCH" "$SCH"; } >"$WORK/in-proto-off.txt"
through_wine proto-off "$SCH"
expect "TLS 1.0/1.1 off" "reg:$EXPORTS@windows-2019" versions=TLSv1.2 'line=TLS 1.1 \(Server\)\|disabled\|local'

# 2. a protocol off by default turned on (SSL 3.0 on Server 2016), 0xffffffff as on
{ hdr; printf '[%s\\Protocols\\SSL 3.0\\Server]\n"Enabled"=dword:ffffffff\n"DisabledByDefault"=dword:00000000\n' "$SCH"; } >"$WORK/in-ssl3-on.txt"
through_wine ssl3-on "$SCH"
expect "SSL 3.0 on" "reg:$EXPORTS@windows-2016" versions=SSLv3,TLSv1.0,TLSv1.1,TLSv1.2

# 3. TLS 1.3 enabled on a version without it: stays out, said so
{ hdr; printf '[%s\\Protocols\\TLS 1.3\\Server]\n"Enabled"=dword:1\n"DisabledByDefault"=dword:0\n' "$SCH"; } >"$WORK/in-tls13-2019.txt"
through_wine tls13-2019 "$SCH"
expect "TLS 1.3 on Server 2019" "reg:$EXPORTS@windows-2019" versions=TLSv1.0,TLSv1.1,TLSv1.2 \
  'line=TLS 1.3 \(Server\)\|disabled\|local\|.*does not support'

# 4. 3DES off via Ciphers removes every 3DES suite and nothing else
{ hdr; printf '[%s\\Ciphers\\Triple DES 168]\n"Enabled"=dword:00000000\n' "$SCH"; } >"$WORK/in-3des.txt"
through_wine 3des "$SCH"
expect "3DES off" "reg:$EXPORTS@windows-2016" "suites=$(without "$(base_suites windows-2016)" 3DES)"

# 5. local order as hex(7) (REG_MULTI_SZ), the way Enable-TlsCipherSuite leaves it
printf 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\0TLS_RSA_WITH_AES_256_CBC_SHA\0TLS_RSA_WITH_3DES_EDE_CBC_SHA\0\0' |
  iconv -f utf-8 -t utf-16le | od -An -tx1 -v | tr -s ' \n' ',' | sed 's/^,//; s/,$//' >"$WORK/multi.hex"
{ hdr; printf '[%s]\n"Functions"=hex(7):%s\n' "$LOCAL" "$(cat "$WORK/multi.hex")"; } >"$WORK/in-local.txt"
through_wine local "${EXPORT_KEYS[1]}"
expect "local hex(7) order" "reg:$EXPORTS@windows-2022" \
  suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_256_CBC_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA \
  'line=cipher suite order\|local order'

# 6. a policy order overrides the local one
{ hdr; printf '[%s]\n"Functions"=hex(7):%s\n\n[%s]\n"Functions"="TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_AES_128_GCM_SHA256"\n' "$LOCAL" "$(cat "$WORK/multi.hex")" "$POLICY"; } >"$WORK/in-policy.txt"
through_wine policy
expect "policy overrides local" "reg:$EXPORTS@windows-2022" \
  suites=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_AES_128_GCM_SHA256 \
  'line=cipher suite order\|Group Policy.*\|policy\|overrides the local order'

# 7. a policy listing suites the base does not support: they stay out
{ hdr; printf '[%s]\n"Functions"="TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256_P256,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P384"\n' "$POLICY"; } >"$WORK/in-unsupported.txt"
through_wine unsupported "${EXPORT_KEYS[2]}"
expect "unsupported suites stay out (Server 2012 R2)" "reg:$EXPORTS@windows-2012r2" \
  suites=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA 'line=unsupported suite\|TLS_CHACHA20.*does not have it' \
  'line=unknown suite\|TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256_P256: left out'

# 8. curves: local order, then a policy order over it
printf 'NistP384\0NistP256\0\0' | iconv -f utf-8 -t utf-16le | od -An -tx1 -v | tr -s ' \n' ',' | sed 's/^,//; s/,$//' >"$WORK/curves.hex"
printf 'curve25519\0NistP521\0\0' | iconv -f utf-8 -t utf-16le | od -An -tx1 -v | tr -s ' \n' ',' | sed 's/^,//; s/,$//' >"$WORK/curves2.hex"
{ hdr; printf '[%s]\n"EccCurves"=hex(7):%s\n' "$LOCAL" "$(cat "$WORK/curves.hex")"; } >"$WORK/in-curves.txt"
through_wine curves "${EXPORT_KEYS[1]}"
expect "local curve order" "reg:$EXPORTS@windows-2019" groups=secp384r1,secp256r1
{ hdr; printf '[%s]\n"EccCurves"=hex(7):%s\n\n[%s]\n"EccCurves"=hex(7):%s\n' "$LOCAL" "$(cat "$WORK/curves.hex")" "$POLICY" "$(cat "$WORK/curves2.hex")"; } >"$WORK/in-curves2.txt"
through_wine curves2 "${EXPORT_KEYS[1]}" "${EXPORT_KEYS[2]}"
expect "policy curve order" "reg:$EXPORTS@windows-2019" groups=x25519,secp521r1 \
  'line=ECC curve order\|.*\|policy\|overrides the local curve order'

# 9. .NET keys, both views
{ hdr; printf '[%s]\n"SchUseStrongCrypto"=dword:00000001\n"SystemDefaultTlsVersions"=dword:00000001\n\n[%s]\n"SchUseStrongCrypto"=dword:00000000\n' "$NET4" "$NET4W"; } >"$WORK/in-dotnet.txt"
through_wine dotnet "$NET4" "$NET4W"
expect ".NET values" "reg:$EXPORTS@windows-2022" \
  'line=^\.NET v4\.0\.30319 SchUseStrongCrypto\|1\|local' \
  'line=^\.NET v4\.0\.30319 SystemDefaultTlsVersions\|1\|local' \
  'line=^\.NET v4\.0\.30319 \(32-bit\) SchUseStrongCrypto\|0\|local'

# 10. key exchange: PKCS off, DH minimum; Hashes SHA off keeps AEAD suites
{ hdr; printf '[%s\\KeyExchangeAlgorithms\\PKCS]\n"Enabled"=dword:0\n\n[%s\\KeyExchangeAlgorithms\\Diffie-Hellman]\n"ServerMinKeyBitLength"=dword:00000c00\n' "$SCH" "$SCH"; } >"$WORK/in-kx.txt"
through_wine kx "$SCH"
expect "PKCS off" "reg:$EXPORTS@windows-2022" nosuite=TLS_RSA_WITH hassuite=TLS_ECDHE_RSA \
  'line=Diffie-Hellman ServerMinKeyBitLength\|3072\|local'
{ hdr; printf '[%s\\Hashes\\SHA]\n"Enabled"=dword:0\n\n[%s\\Ciphers\\RC4 128/128]\n"Enabled"=dword:ffffffff\n' "$SCH" "$SCH"; } >"$WORK/in-sha.txt"
through_wine sha "$SCH"
expect "SHA off, RC4 on adds nothing" "reg:$EXPORTS@windows-2022" \
  "suites=$(tr , '\n' <<<"$(base_suites windows-2022)" | grep -v '_SHA$' | paste -sd, -)" \
  'line=RC4 128/128\|enabled.*\|local\|adds no suite'

# 11. several files, later ones win; a deletion file after a real export
{ hdr; printf '[%s\\Protocols\\TLS 1.0\\Server]\n"Enabled"=dword:00000000\n' "$SCH"; } >"$WORK/in-multi.txt"
through_wine multi "$SCH"
first=$EXPORTS
printf 'Windows Registry Editor Version 5.00\r\n\r\n[%s\\Protocols\\TLS 1.0\\Server]\r\n"Enabled"=-\r\n' "$SCH" >"$WORK/undo.reg"
expect "a deletion after the export" "reg:$first,$WORK/undo.reg@windows-2019" versions=TLSv1.0,TLSv1.1,TLSv1.2
{ hdr; printf '[%s\\Protocols\\TLS 1.0\\Server]\n"Enabled"=dword:00000001\n"DisabledByDefault"=dword:0\n\n[%s\\Protocols\\TLS 1.1\\Server]\n"Enabled"=dword:0\n' "$SCH" "$SCH"; } >"$WORK/in-multi2.txt"
through_wine multi2 "$SCH"
expect "two exports, the later wins" "reg:$first,$EXPORTS@windows-2019" versions=TLSv1.0,TLSv1.2
expect "two exports, the other order" "reg:$EXPORTS,$first@windows-2019" versions=TLSv1.2

# 12. the base named by the export (CurrentVersion), and assumed when it names none
{ hdr; printf '[%s]\n"CurrentBuild"="17763"\n"ProductName"="Windows Server 2019 Datacenter"\n\n[%s\\Protocols\\TLS 1.0\\Server]\n"Enabled"=dword:0\n' "$CURVER" "$SCH"; } >"$WORK/in-named.txt"
through_wine named "$SCH" "$CURVER"
expect "base named by the export" "reg:$EXPORTS" base=windows-10-1809 versions=TLSv1.1,TLSv1.2 \
  'line=^base\|.*named by the export'
expect "base assumed" "reg:$first" base=windows-2022 'line=^base\|.*assumed'

# the reg: profile where a profile is read: match uses the configured server
run match --client "list:TLS_RSA_WITH_3DES_EDE_CBC_SHA" --server "reg:$(ls "$WORK"/3des-*.reg | paste -sd, -)@windows-2016"
expect_rc 1 "match against the configured server (3DES off): no common suite"
run match --client "list:TLS_RSA_WITH_3DES_EDE_CBC_SHA" --server windows-2016
expect_rc 0 "match against the default server: 3DES works"

# local (reg:HKLM): the live registry only Windows has; here an error that says what to use
for spec in local local@windows-2019 reg:HKLM; do
  run profiles "$spec"
  expect_rc 1 "profiles $spec on Linux"
  expect_grep "only Windows has; elsewhere use reg:FILE" "$ERR" "profiles $spec on Linux names reg:FILE"
done
finish
