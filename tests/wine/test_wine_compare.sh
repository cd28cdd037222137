#!/usr/bin/env bash
# tlsdiag.exe under Wine says exactly what the Linux build says (stdout, stderr and exit
# status; line endings normalised): ciphers in every output format, explain for every row
# of every reference table and the whole knowledge base, profiles, the match matrix of the
# built-ins, analyze (JSON and text) on every shared capture and on one in pktmon's layout,
# events on every shared .evtx; files whose names are not ASCII; a capture on stdin; a
# write error on stdout. Comparisons run side by side (par, lib.sh).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
ref="$TLSD_SHARED/reference"

# ciphers: the whole registry and lists in every format, filters, detail cards, errors.
for fmt in table iana openssl gnutls windows hex gpo powershell json; do
  par same ciphers --all -o "$fmt"
  par same ciphers -o "$fmt" 'HIGH:!aNULL:!MD5'
  par same ciphers -o "$fmt" 'ECDHE-RSA-AES128-GCM-SHA256,0xC0,0x2C c02f TLS_RSA_WITH_RC4_128_MD5 nonsense'
done
par same ciphers --all --filter kx=ECDHE,auth=RSA,class=recommended
par same ciphers --all --filter 'class=<=weak' -o json
for s in 0xC00A 0x1301 0x0005 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA_P521 0x0700C0 0x5600; do
  par same ciphers "$s"
done
printf 'Name : TLS_AES_256_GCM_SHA384\nCipherSuite : 4866\n\nName : TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\nCipherSuite : 49199\n' >"$WORK/ps.txt"
cd "$WORK" || exit 1
par same ciphers -f ps.txt -o openssl
par same ciphers -f missing-file.txt
par same ciphers --format nosuch 0xC02F
# The same list as Windows PowerShell 5.1 writes a file, UTF-16 with a BOM, piped on stdin
# (read as bytes, not in the C runtime's text mode).
iconv -f UTF-8 -t UTF-16 ps.txt >ps16.txt
WIN=ps16.txt WPIPE=1 par same ciphers -f - -o openssl

# explain: every row of every reference table (alert code and name, event ID, status code
# and name, exception text), the whole knowledge base as text and JSON.
rows() { grep -v '^#' "$ref/$1" | tail -n +2 | cut -f"$2"; }
while IFS= read -r key; do [ -n "$key" ] && par same explain --max 2 "$key"; done \
  < <(rows tls_alerts.tsv 1; rows schannel_events.tsv 1; rows sspi_errors.tsv 1;
      rows dotnet_tls_exceptions.tsv 1)
while IFS= read -r key; do [ -n "$key" ] && par same explain --json --max 1 "$key"; done \
  < <(rows tls_alerts.tsv 3; rows sspi_errors.tsv 2)
par same explain --list
par same explain --list --json
par same explain 'curl: (35) OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number'

# profiles: the list, each family, every built-in in full (text and JSON).
par same profiles
par same profiles --json
for fam in windows openssl java testssl; do par same profiles --family "$fam"; done
names=$("$TLSDIAG" profiles --json | python3 -c 'import json,sys; [print(p["name"]) for p in json.load(sys.stdin)]')
[ -n "$names" ] && ok || bad "no built-in profile names"
for p in $names; do par same profiles "$p"; done

# match: every built-in client family against every built-in server, text and JSON.
servers=$("$TLSDIAG" profiles --json | python3 -c 'import json,sys; print(",".join(p["name"] for p in json.load(sys.stdin) if p["side"] != "client"))')
[ -n "$servers" ] && ok || bad "no built-in server profiles"
for fam in windows openssl java testssl; do
  par same match --clients-from "$fam" --servers "$servers"
  par same match --clients-from "$fam" --servers "$servers" --json --fixes 1
done
par same match --client legacy-printer --servers "$servers"
par same match --client 'list:TLS_RSA_WITH_3DES_EDE_CBC_SHA' --server windows-2025

# analyze: every shared capture in one run, JSON and text, with paths relative to the
# capture folder (the same bytes on both systems).
cd "$TLSD_SHARED/pcaps" || exit 1
mapfile -t caps < <(tail -n +2 MANIFEST.tsv | cut -f1)
[ "${#caps[@]}" -ge 100 ] && ok || bad "only ${#caps[@]} shared captures listed"
par same analyze --json "${caps[@]}"
par same analyze "${caps[@]}"

# analyze on a capture in the layout Windows' packet monitor writes (what watch points to).
. "$here/../cli/pktmon_layout.sh"
pktmon_layout zeek/certificate-request-failed.pcap "$WORK/pktmon.pcapng" && ok || bad "no pktmon layout"
cd "$WORK" || exit 1
par same analyze --json pktmon.pcapng

# events: every shared .evtx (libevtx built for Windows from Debian's source), text and JSON.
cd "$TLSD_SHARED/evtx" || exit 1
for f in *.evtx; do
  par same events "$f"
  par same events --json "$f"
done
par_wait


# Files whose names are not ASCII, in a folder named so too (Windows hands the command line
# over as UTF-16): every kind the tool reads (captures plain, gzip and pcapng, .evtx,
# registry exports and a collected folder, profiles, key logs) and --html, which it writes.
# (libevtx as built narrows a UTF-16 name to the ANSI code page: tlsdiag opens a .evtx
# whose name is not ASCII by its short 8.3 name.)
cd "$WORK" || exit 1
nd="Prüfung-日本"
mkdir -p "$nd/Zustand-ü"
cp "$TLSD_SHARED/pcaps/FlowTest/tls12.pcap" "$nd/Mitschnitt-ü.pcap"
gzip -c "$nd/Mitschnitt-ü.pcap" >"$nd/Mitschnitt-ü.pcap.gz"
cp pktmon.pcapng "$nd/Paketmonitor-日本.pcapng"
cp "$TLSD_SRCDIR/tests/golden/printer.profile" "$nd/Drucker-ü.profile"
printf 'CLIENT_HANDSHAKE_TRAFFIC_SECRET %064d %064d\n' 1 2 >"$nd/Schlüssel-ü.log"
printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server]' \
  '"Enabled"=dword:00000000' | iconv -f UTF-8 -t UTF-16 >"$nd/Export-ü.reg"
cp "$nd/Export-ü.reg" "$nd/Zustand-ü/schannel-ü.reg"
par same analyze "$nd/Mitschnitt-ü.pcap" "$nd/Mitschnitt-ü.pcap.gz"
par same analyze --json "$nd/Paketmonitor-日本.pcapng"
par same analyze --keylog "$nd/Schlüssel-ü.log" "$nd/Mitschnitt-ü.pcap"
par same profiles "$nd/Drucker-ü.profile"
par same profiles "reg:$nd/Export-ü.reg@windows-2022"
par same profiles "windows-state:$nd/Zustand-ü"
par same match --client "$nd/Drucker-ü.profile" --server "reg:$nd/Export-ü.reg@windows-2022"
par same analyze "$nd/fehlt-ü.pcap"
evtx_one=$(ls "$TLSD_SHARED"/evtx/*.evtx | head -1)
cp "$evtx_one" "$nd/Ereignisse-日本.evtx"
par same events "$nd/Ereignisse-日本.evtx"
# --html: the same page written under a name that is not ASCII.
html_same() {
  run analyze --html "$nd/Bericht-ü.linux.html" "$nd/Mitschnitt-ü.pcap"
  wrun analyze --html "$nd/Bericht-ü.wine.html" "$nd/Mitschnitt-ü.pcap"
  if [ "$RC" != 0 ] || [ "$WRC" != 0 ]; then bad "--html: exit $RC on Linux, $WRC under Wine (${WERR:0:300})"
  elif cmp -s "$nd/Bericht-ü.linux.html" "$nd/Bericht-ü.wine.html"; then ok
  else bad "--html pages differ"; diff "$nd/Bericht-ü.linux.html" "$nd/Bericht-ü.wine.html" | head -10 >&2; fi
}
par html_same

# analyze -: a capture on stdin, through a pipe (binary, whatever the C runtime's text
# mode would make of it) and as a redirected file, pcap and pcapng.
WIN="$nd/Mitschnitt-ü.pcap" WPIPE=1 par same analyze -
WIN="$nd/Paketmonitor-日本.pcapng" WPIPE=1 par same analyze --json -
WIN="$nd/Mitschnitt-ü.pcap" par same analyze --json -
par_wait

# A write error on stdout (a full disk: /dev/full under Wine too) is exit 3 with the reason,
# also when the text goes through the filter that fits it to the terminal (profiles,
# explain, --help) and is written by its thread.
full() {
  "$WINE" "$TLSD_WINEXE" "$@" >/dev/full 2>"$WORK/err" </dev/null
  local rc=$? err; err=$(tr -d '\r' <"$WORK/err")
  [ "$rc" -eq 3 ] && ok || bad "tlsdiag.exe $* >/dev/full: exit $rc, want 3"
  expect_grep 'error writing the output: No space left on device' "$err" "tlsdiag.exe $* >/dev/full"
}
if [ -w /dev/full ]; then
  full --help
  full profiles
  full profiles --json
  full explain 40
  full analyze "$nd/Mitschnitt-ü.pcap"
  full analyze --json "$nd/Mitschnitt-ü.pcap"
fi
# A reader that went away (| head) ends the run quietly, as on Linux (EPIPE): no error
# message, whatever the C runtime calls a write to a closed pipe (Wine's says EINVAL).
piped() {
  "$WINE" "$TLSD_WINEXE" "$@" 2>"$WORK/err.pipe" </dev/null | head -c 1 >/dev/null
  local err; err=$(tr -d '\r' <"$WORK/err.pipe")
  [ -z "$err" ] && ok || bad "tlsdiag.exe $* | head -c 1: [${err:0:200}], want no message"
}
piped profiles
piped profiles --json
piped analyze "$nd/Mitschnitt-ü.pcap"
finish
