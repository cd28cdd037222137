<#
.SYNOPSIS
  Collects what tlsdiag needs to know about this Windows machine's TLS (Schannel) setup into
  one folder: the registry keys that configure Schannel, the Schannel events of the System
  log, the effective cipher suite list, the Group Policy result and the OS version.

.DESCRIPTION
  Uses only standard commands (reg.exe, wevtutil.exe, gpresult.exe, Get-TlsCipherSuite,
  [Environment]::OSVersion); changes nothing. Run it in an elevated PowerShell (gpresult /x
  for the computer and the System log need administrator rights), then copy the folder to
  the machine with tlsdiag and run:

      tlsdiag profiles windows-state:FOLDER
      tlsdiag match --client CLIENT --server windows-state:FOLDER
      tlsdiag events FOLDER\schannel-events.evtx

  A key that does not exist on this machine (no Group Policy cipher order, no 32-bit .NET)
  is skipped and noted in collect-log.txt; tlsdiag then uses the Windows defaults for it.

.PARAMETER Out
  The folder to write (created when missing). Default: .\tls-state-COMPUTERNAME
#>
param([string]$Out = (Join-Path (Get-Location) "tls-state-$env:COMPUTERNAME"))

# File names tlsdiag reads (tests/cli/test_windows_collect.sh checks them against
# include/tlsdiag/winreg.h): every *.reg file, os-version.txt, gpresult.xml,
# schannel-events.evtx.
$RegExports = [ordered]@{
    'schannel.reg'            = 'HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
    'cipher-order-local.reg'  = 'HKLM\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL'
    'cipher-order-policy.reg' = 'HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL'
    'dotnet-v4.reg'           = 'HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319'
    'dotnet-v4-wow64.reg'     = 'HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319'
    'dotnet-v2.reg'           = 'HKLM\SOFTWARE\Microsoft\.NETFramework\v2.0.50727'
    'dotnet-v2-wow64.reg'     = 'HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v2.0.50727'
    'windows-version.reg'     = 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
}
$EventsFile = 'schannel-events.evtx'
$GpresultFile = 'gpresult.xml'
$SuitesFile = 'tls-cipher-suites.txt'
$OsVersionFile = 'os-version.txt'
$LogFile = 'collect-log.txt'

New-Item -ItemType Directory -Force -Path $Out | Out-Null
$log = Join-Path $Out $LogFile
"tlsdiag collection on $env:COMPUTERNAME at $((Get-Date).ToUniversalTime().ToString('o'))" | Out-File $log

foreach ($name in $RegExports.Keys) {
    $key = $RegExports[$name]
    reg export $key (Join-Path $Out $name) /y 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { "skipped (absent): reg export $key" | Out-File $log -Append }
}

# Only the Schannel provider's events of the System log.
wevtutil epl System (Join-Path $Out $EventsFile) "/q:*[System[Provider[@Name='Schannel']]]" /ow:true
if ($LASTEXITCODE -ne 0) { "failed: wevtutil epl System" | Out-File $log -Append }

# The effective cipher suite list, in priority order (Windows 10 / Server 2016 and later).
try { Get-TlsCipherSuite | Format-List | Out-File (Join-Path $Out $SuitesFile) }
catch { "skipped: Get-TlsCipherSuite ($($_.Exception.Message))" | Out-File $log -Append }

# Which Group Policy object sets "SSL Cipher Suite Order" and "ECC Curve Order".
gpresult /scope computer /x (Join-Path $Out $GpresultFile) /f
if ($LASTEXITCODE -ne 0) { "failed: gpresult /x" | Out-File $log -Append }

[Environment]::OSVersion | Format-List | Out-File (Join-Path $Out $OsVersionFile)
"done: $Out" | Out-File $log -Append
Write-Output "Collected into $Out"
