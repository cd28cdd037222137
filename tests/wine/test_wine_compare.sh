#!/usr/bin/env bash
# tlsdiag.exe under Wine says exactly what the Linux build says (stdout, stderr and exit
# status; line endings normalised): ciphers in every output format, explain for every row
# of every reference table and the whole knowledge base, profiles, the match matrix of the
# built-ins, analyze (JSON and text) on every shared capture and on one in pktmon's layout,
# events on every shared .evtx.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
ref="$TLSD_SHARED/reference"

# ciphers: the whole registry and lists in every format, filters, detail cards, errors.
for fmt in table iana openssl gnutls windows hex gpo powershell json; do
  same ciphers --all -o "$fmt"
  same ciphers -o "$fmt" 'HIGH:!aNULL:!MD5'
  same ciphers -o "$fmt" 'ECDHE-RSA-AES128-GCM-SHA256,0xC0,0x2C c02f TLS_RSA_WITH_RC4_128_MD5 nonsense'
done
same ciphers --all --filter kx=ECDHE,auth=RSA,class=recommended
same ciphers --all --filter 'class=<=weak' -o json
for s in 0xC00A 0x1301 0x0005 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA_P521 0x0700C0 0x5600; do
  same ciphers "$s"
done
printf 'Name : TLS_AES_256_GCM_SHA384\nCipherSuite : 4866\n\nName : TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\nCipherSuite : 49199\n' >"$WORK/ps.txt"
cd "$WORK" || exit 1
same ciphers -f ps.txt -o openssl
same ciphers -f missing-file.txt
same ciphers --format nosuch 0xC02F

# explain: every row of every reference table (alert code and name, event ID, status code
# and name, exception text), the whole knowledge base as text and JSON.
rows() { grep -v '^#' "$ref/$1" | tail -n +2 | cut -f"$2"; }
while IFS= read -r key; do [ -n "$key" ] && same explain --max 2 "$key"; done \
  < <(rows tls_alerts.tsv 1; rows schannel_events.tsv 1; rows sspi_errors.tsv 1;
      rows dotnet_tls_exceptions.tsv 1)
while IFS= read -r key; do [ -n "$key" ] && same explain --json --max 1 "$key"; done \
  < <(rows tls_alerts.tsv 3; rows sspi_errors.tsv 2)
same explain --list
same explain --list --json
same explain 'curl: (35) OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number'

# profiles: the list, each family, every built-in in full (text and JSON).
same profiles
same profiles --json
for fam in windows openssl java testssl; do same profiles --family "$fam"; done
names=$("$TLSDIAG" profiles --json | python3 -c 'import json,sys; [print(p["name"]) for p in json.load(sys.stdin)]')
[ -n "$names" ] && ok || bad "no built-in profile names"
for p in $names; do same profiles "$p"; done

# match: every built-in client family against every built-in server, text and JSON.
servers=$("$TLSDIAG" profiles --json | python3 -c 'import json,sys; print(",".join(p["name"] for p in json.load(sys.stdin) if p["side"] != "client"))')
[ -n "$servers" ] && ok || bad "no built-in server profiles"
for fam in windows openssl java testssl; do
  same match --clients-from "$fam" --servers "$servers"
  same match --clients-from "$fam" --servers "$servers" --json --fixes 1
done
same match --client legacy-printer --servers "$servers"
same match --client 'list:TLS_RSA_WITH_3DES_EDE_CBC_SHA' --server windows-2025

# analyze: every shared capture in one run, JSON and text, with paths relative to the
# capture folder (the same bytes on both systems).
cd "$TLSD_SHARED/pcaps" || exit 1
mapfile -t caps < <(tail -n +2 MANIFEST.tsv | cut -f1)
[ "${#caps[@]}" -ge 100 ] && ok || bad "only ${#caps[@]} shared captures listed"
same analyze --json "${caps[@]}"
same analyze "${caps[@]}"

# analyze on a capture in the layout Windows' packet monitor writes (what watch points to).
. "$here/../cli/pktmon_layout.sh"
pktmon_layout zeek/certificate-request-failed.pcap "$WORK/pktmon.pcapng" && ok || bad "no pktmon layout"
cd "$WORK" || exit 1
same analyze --json pktmon.pcapng

# events: every shared .evtx (libevtx built for Windows from Debian's source), text and JSON.
cd "$TLSD_SHARED/evtx" || exit 1
for f in *.evtx; do
  same events "$f"
  same events --json "$f"
done
finish
