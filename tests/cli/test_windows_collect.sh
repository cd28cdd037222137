#!/usr/bin/env bash
# scripts/windows/Collect-TlsState.ps1 against what tlsdiag reads from its folder: the file
# names the script writes are the ones include/tlsdiag/winreg.h expects; the script uses the
# standard commands the README and man page document; every registry key tlsdiag understands
# (data/schannel_registry.tsv) lies under a key the script exports. Then a folder laid out
# with the script's names is read whole by 'profiles windows-state:FOLDER' (the base from
# os-version.txt or the CurrentVersion export, the GPO named from gpresult.xml).
source "$(dirname "$0")/lib.sh"
SRC=${TLSD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PS1=$SRC/scripts/windows/Collect-TlsState.ps1
HDR=$SRC/include/tlsdiag/winreg.h

# ---- the script's text ----------------------------------------------------------------
ps_var() { sed -n "s/^\$$1 = '\(.*\)'\r\?$/\1/p" "$PS1"; }
hdr_name() { sed -n "s/^#define $1 *\"\(.*\)\"$/\1/p" "$HDR"; }
for pair in EventsFile:TLSD_WIN_STATE_EVENTS GpresultFile:TLSD_WIN_STATE_GPRESULT \
            OsVersionFile:TLSD_WIN_STATE_OSVERSION; do
  s=$(ps_var "${pair%%:*}"); h=$(hdr_name "${pair#*:}")
  if [ -n "$s" ] && [ "$s" = "$h" ]; then ok; else bad "script \$${pair%%:*}='$s', tlsdiag reads '$h'"; fi
done
# the reg exports: NAME.reg = KEY lines of $RegExports
sed -n "/^\$RegExports = /,/^}/p" "$PS1" | sed -n "s/^ *'\([^']*\)' *= *'\([^']*\)'.*/\1\t\2/p" >"$WORK/exports.tsv"
n=$(wc -l <"$WORK/exports.tsv")
if [ "$n" -ge 5 ]; then ok; else bad "only $n reg exports found in the script"; fi
if cut -f1 "$WORK/exports.tsv" | grep -qv '\.reg$'; then bad "a reg export not named *.reg (tlsdiag reads *.reg)"; else ok; fi
for cmd in 'reg export $key' "wevtutil epl System" "Provider\[@Name='Schannel'\]" \
           'Get-TlsCipherSuite' 'gpresult /scope computer /x' '\[Environment\]::OSVersion'; do
  if grep -q -- "$cmd" "$PS1"; then ok; else bad "the script lacks: $cmd"; fi
done
# every key tlsdiag understands is collected (HKLM\ + key under one of the exported keys)
if msg=$(python3 - "$SRC/data/schannel_registry.tsv" "$WORK/exports.tsv" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#")][1:]
exported = [l.rstrip("\n").split("\t")[1].lower() + "\\" for l in open(sys.argv[2])]
missing = set()
for r in rows:
    key = ("HKLM\\" + r[1].split("\\{")[0]).lower() + "\\"
    if not any(key.startswith(e) for e in exported):
        missing.add(r[1])
print("; ".join(sorted(missing)))
sys.exit(1 if missing or not rows else 0)
PY
); then ok; else bad "tlsdiag reads keys the script does not export: $msg"; fi
# the README and the man page show the same commands and the script
for doc in "$SRC/README.md" "$SRC/docs/tlsdiag.1"; do
  plain=$(sed 's/\\-/-/g; s/\\\\/\\/g' "$doc")
  for cmd in 'Collect-TlsState.ps1' 'reg export' 'wevtutil epl System' 'Get-TlsCipherSuite' \
             'gpresult /scope computer /x' 'OSVersion' 'windows-state:'; do
    if grep -qF -- "$cmd" <<<"$plain"; then ok; else bad "$(basename "$doc") does not show: $cmd"; fi
  done
done

# ---- a folder laid out as the script writes it ----------------------------------------------
D=$WORK/tls-state-WEB01
mkdir -p "$D"
utf16() { { printf '\xff\xfe'; sed 's/$/\r/' | iconv -f utf-8 -t utf-16le; } >"$1"; }
name_of() { awk -F'\t' -v k="$1" 'tolower($2) == tolower(k) {print $1}' "$WORK/exports.tsv"; }
SCH='HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
POL='HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL'
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server]\n"Enabled"=dword:00000000\n' |
  utf16 "$D/$(name_of "$SCH")"
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002]\n"Functions"="TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"\n' |
  utf16 "$D/$(name_of "$POL")"
# [Environment]::OSVersion | Format-List | Out-File (UTF-16LE)
printf '\nPlatform      : Win32NT\nServicePack   : \nVersion       : 10.0.17763.0\nVersionString : Microsoft Windows NT 10.0.17763.0\n\n' |
  utf16 "$D/$(ps_var OsVersionFile)"
# gpresult /x: the RSoP document (GPO list and the registry policy that names its GPO)
cat <<'XML' | utf16 "$D/$(ps_var GpresultFile)"
<?xml version="1.0" encoding="utf-16"?>
<Rsop xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.microsoft.com/GroupPolicy/Rsop">
  <ComputerResults>
    <GPO>
      <Name>Default Domain Policy</Name>
      <Path><Identifier xmlns="http://www.microsoft.com/GroupPolicy/Types">{31B2F340-016D-11D2-945F-00C04FB984F9}</Identifier><Domain xmlns="http://www.microsoft.com/GroupPolicy/Types">corp.example</Domain></Path>
    </GPO>
    <GPO>
      <Name>TLS Hardening (servers)</Name>
      <Path><Identifier xmlns="http://www.microsoft.com/GroupPolicy/Types">{6AC1786C-016F-11D2-945F-00C04FB984F9}</Identifier><Domain xmlns="http://www.microsoft.com/GroupPolicy/Types">corp.example</Domain></Path>
    </GPO>
    <ExtensionData>
      <Extension xmlns:q1="http://www.microsoft.com/GroupPolicy/Settings/Registry" xsi:type="q1:RegistrySettings">
        <q1:Policy>
          <q1:GPO><Identifier xmlns="http://www.microsoft.com/GroupPolicy/Types">{31B2F340-016D-11D2-945F-00C04FB984F9}</Identifier></q1:GPO>
          <q1:Name>Turn off Autoplay</q1:Name><q1:State>Enabled</q1:State>
        </q1:Policy>
        <q1:Policy>
          <q1:GPO><Identifier xmlns="http://www.microsoft.com/GroupPolicy/Types">{6AC1786C-016F-11D2-945F-00C04FB984F9}</Identifier></q1:GPO>
          <q1:Precedence>1</q1:Precedence>
          <q1:Name>SSL Cipher Suite Order</q1:Name><q1:State>Enabled</q1:State>
          <q1:Category>Network/SSL Configuration Settings</q1:Category>
          <q1:EditText><q1:Name>SSL Cipher Suites</q1:Name><q1:Value>TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256</q1:Value></q1:EditText>
        </q1:Policy>
      </Extension>
    </ExtensionData>
  </ComputerResults>
</Rsop>
XML
run profiles --json "windows-state:$D"
expect_rc 0 "windows-state folder"
printf '%s\n' "$OUT" >"$WORK/s.json"
if msg=$(python3 - "$WORK/s.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
w = j["windows"]
lines = {l["setting"]: l for l in w["settings"]}
checks = [
    (w["base"] == "windows-10-1809", "base %s" % w["base"]),
    ("os-version.txt" in w["base_reason"], "base reason %s" % w["base_reason"]),
    (j["versions"] == ["TLSv1.1", "TLSv1.2"], "versions %s" % j["versions"]),
    (j["suites"] == ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"], "suites %s" % j["suites"]),
    ('set by the GPO "TLS Hardening (servers)"' in (lines["cipher suite order"].get("note") or ""), "gpo note %s" % lines["cipher suite order"]),
]
bad = [m for c, m in checks if not c]
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
); then ok; else bad "windows-state: $msg"; fi
run profiles "windows-state:$D"
expect_grep 'cipher suite order +policy' "$OUT" "text: the policy line"
expect_grep 'set by the GPO "TLS Hardening \(servers\)"' "$OUT" "text: the GPO named"
# reg: with gpresult /x output among the files: the GPO named too
run profiles "reg:$D/$(name_of "$POL"),$D/$(ps_var GpresultFile)@windows-2019"
expect_grep 'set by the GPO "TLS Hardening \(servers\)"' "$OUT" "reg: with gpresult.xml: the GPO named"
# the CurrentVersion export (ProductName) wins over the OS version line: a server build
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n"CurrentBuild"="20348"\n"ProductName"="Windows Server 2022 Standard"\n' |
  utf16 "$D/$(name_of 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion')"
run profiles --json "windows-state:$D"
expect_grep '"base": "windows-2022"' "$OUT" "base from windows-version.reg"
run match --client "list:TLS_RSA_WITH_AES_128_CBC_SHA" --server "windows-state:$D"
expect_rc 1 "match against the collected server: the policy leaves no RSA suite"
run profiles "windows-state:$WORK/empty-does-not-exist"
expect_rc 1 "missing folder"
mkdir -p "$WORK/empty"
run profiles "windows-state:$WORK/empty"
expect_grep 'no .reg export in the folder' "$ERR" "empty folder: reason"
finish
