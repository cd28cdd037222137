#!/usr/bin/env bash
# The live-registry reader of the Windows build (lib/platform/platform_win32.c) under Wine:
# Schannel settings imported with 'wine reg import' are read back through the registry API
# (subkeys, DWORDs incl. 0xffffffff, strings, multi-strings), a missing key is told apart,
# and the OS version comes from RtlGetVersion. reg_probe.exe prints what the reader gives.
. "$(dirname "$0")/lib.sh"
probe="$(dirname "$TLSD_WINEXE")/reg_probe.exe"
[ -f "$probe" ] || { echo "SKIP: no $probe (make windows builds it)"; exit 77; }

schannel='SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
# A settings tree under a key of its own (test-unique), so other tests' state does not mix in.
tag="tlsdiag-test-$$"
printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
  "[HKEY_LOCAL_MACHINE\\$schannel\\$tag\\Protocols\\TLS 1.0\\Server]" \
  '"Enabled"=dword:00000000' '"DisabledByDefault"=dword:00000001' '' \
  "[HKEY_LOCAL_MACHINE\\$schannel\\$tag\\Protocols\\TLS 1.2\\Server]" \
  '"Enabled"=dword:ffffffff' '' \
  "[HKEY_LOCAL_MACHINE\\$schannel\\$tag\\Functions]" \
  '"Functions"="TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_AES_128_CBC_SHA"' \
  '"EccCurves"=hex(7):63,00,75,00,72,00,76,00,65,00,32,00,35,00,35,00,31,00,39,00,00,00,4e,00,69,00,73,00,74,00,50,00,33,00,38,00,34,00,00,00,00,00' \
  '"Label"="Protokoll für Tests"' >"$WORK/settings.reg"
# The label has a non-ASCII character: .reg files from regedit are UTF-16; convert.
iconv -f UTF-8 -t UTF-16 "$WORK/settings.reg" >"$WORK/settings16.reg"
"$WINE" reg import "$(winepath -w "$WORK/settings16.reg" 2>/dev/null)" >/dev/null 2>&1
ok

# probe KEY: the reader's output in $POUT (line ends normalised), its exit status in $PRC.
probe() {
  "$WINE" "$probe" "$1" >"$WORK/probe" 2>&1 </dev/null
  PRC=$?
  POUT=$(tr -d '\r' <"$WORK/probe")
}

probe "$schannel\\$tag\\Protocols"; out=$POUT; rc=$PRC
[ "$rc" -eq 0 ] && ok || bad "Protocols key: exit $rc"
expect_grep '^key TLS 1\.0$' "$out" "subkey TLS 1.0"
expect_grep '^key TLS 1\.2$' "$out" "subkey TLS 1.2"

probe "$schannel\\$tag\\Protocols\\TLS 1.0\\Server"; out=$POUT
expect_grep '^value Enabled dword 0$' "$out" "TLS 1.0 Enabled=0"
expect_grep '^value DisabledByDefault dword 1$' "$out" "TLS 1.0 DisabledByDefault=1"
probe "$schannel\\$tag\\Protocols\\TLS 1.2\\Server"; out=$POUT
expect_grep '^value Enabled dword 4294967295$' "$out" "TLS 1.2 Enabled=0xffffffff"

probe "$schannel\\$tag\\Functions"; out=$POUT
expect_grep '^value Functions text TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_AES_128_CBC_SHA$' "$out" "REG_SZ"
[ "$(grep -A1 '^value EccCurves list' <<<"$out")" = $'value EccCurves list curve25519\nNistP384' ] && ok ||
  bad "REG_MULTI_SZ as lines: [$out]"
expect_grep '^value Label text Protokoll für Tests$' "$out" "UTF-16 text as UTF-8"

# A key that is not there: exit 1 (no key), not an empty answer.
probe "$schannel\\$tag\\Protocols\\SSL 2.0"
[ "$PRC" -eq 1 ] && ok || bad "missing key: exit $PRC, want 1"

# RtlGetVersion: the build Wine's registry states for the version it pretends to be.
build=$("$WINE" reg query 'HKLM\Software\Microsoft\Windows NT\CurrentVersion' /v CurrentBuildNumber 2>/dev/null |
  tr -d '\r' | awk '/CurrentBuildNumber/ {print $NF}')
probe "$schannel\\$tag"; out=$POUT
expect_grep "^os [0-9]+\.[0-9]+\.$build\$" "$out" "RtlGetVersion build $build"

"$WINE" reg delete "HKLM\\$schannel\\$tag" /f >/dev/null 2>&1
# reg:HKLM: the live Schannel keys (the real ones this time, removed again at the end) give
# the effective configuration a Linux build reads from the same settings as a .reg export;
# only the provenance differs (HKLM and the line of the generated export vs file:line).
local_ssl='SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL'
printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
  "[HKEY_LOCAL_MACHINE\\$schannel\\Protocols\\TLS 1.0\\Server]" \
  '"Enabled"=dword:00000000' '"DisabledByDefault"=dword:00000001' '' \
  "[HKEY_LOCAL_MACHINE\\$schannel\\Protocols\\TLS 1.1\\Server]" '"Enabled"=dword:00000000' '' \
  "[HKEY_LOCAL_MACHINE\\$local_ssl\\00010002]" \
  '"Functions"=hex(7):54,00,4c,00,53,00,5f,00,45,00,43,00,44,00,48,00,45,00,5f,00,52,00,53,00,41,00,5f,00,57,00,49,00,54,00,48,00,5f,00,41,00,45,00,53,00,5f,00,32,00,35,00,36,00,5f,00,47,00,43,00,4d,00,5f,00,53,00,48,00,41,00,33,00,38,00,34,00,00,00,00,00' \
  >"$WORK/live.reg"
iconv -f UTF-8 -t UTF-16 "$WORK/live.reg" >"$WORK/live16.reg"
"$WINE" reg import "$(winepath -w "$WORK/live16.reg" 2>/dev/null)" >/dev/null 2>&1
provenance() { tr -d '\r' | sed -E 's/^reg:[^ ]+/reg:SOURCE/; s/\[(HKLM|live\.reg):[0-9]+\]/[at]/'; }
(cd "$WORK" && "$TLSDIAG" profiles 'reg:live.reg@windows-2022') | provenance >"$WORK/lin.txt"
"$WINE" "$TLSD_WINEXE" profiles 'reg:HKLM@windows-2022' </dev/null 2>"$WORK/werr" | provenance >"$WORK/win.txt"
if cmp -s "$WORK/lin.txt" "$WORK/win.txt" && grep -q 'TLS 1.0 (Server) *local *disabled' "$WORK/win.txt"; then
  ok
else
  bad "profiles reg:HKLM under Wine differs from the same settings as a .reg file"
  diff "$WORK/lin.txt" "$WORK/win.txt" | head -20 >&2
fi
# 'local' is reg:HKLM, in profiles and in match (a server profile: the TLS 1.0-only
# printer fails against it as against the export).
wrun profiles 'local@windows-2022'
[ "$WRC" -eq 0 ] && [ "$(provenance <<<"$WOUT")" = "$(cat "$WORK/win.txt")" ] && ok ||
  bad "profiles local under Wine: exit $WRC, not what reg:HKLM gives (${WERR:0:300})"
(cd "$WORK" && "$TLSDIAG" match --client legacy-printer --server 'reg:live.reg@windows-2022') |
  provenance >"$WORK/lin.txt"
wrun match --client legacy-printer --server 'local@windows-2022'
[ "$(provenance <<<"$WOUT" | sed 's/reg:HKLM/reg:SOURCE/g')" = "$(sed 's/reg:live\.reg/reg:SOURCE/g' "$WORK/lin.txt")" ] && ok ||
  { bad "match --server local under Wine differs from the .reg file's"; diff "$WORK/lin.txt" <(echo "$WOUT") | head -10 >&2; }
for k in "$schannel\\Protocols\\TLS 1.0" "$schannel\\Protocols\\TLS 1.1" "$local_ssl\\00010002"; do
  "$WINE" reg delete "HKLM\\$k" /f >/dev/null 2>&1
done
# On Linux there is no registry: said so, not read as an empty one, with what to use instead.
for spec in reg:HKLM local local@windows-2019; do
  run profiles "$spec"
  [ "$RC" -eq 1 ] && grep -q 'only Windows has.*reg:FILE' <<<"$ERR" && ok || bad "$spec on Linux: exit $RC: $ERR"
done
run match --client legacy-printer --server local
[ "$RC" -ne 0 ] && grep -q 'only Windows has.*reg:FILE' <<<"$ERR" && ok || bad "match --server local on Linux: exit $RC: $ERR"
finish
