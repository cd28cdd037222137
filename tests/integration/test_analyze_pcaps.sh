#!/usr/bin/env bash
# `tlsdiag analyze --json` over every capture in ../shared/pcaps: no crash, one JSON
# document each, and its handshake counts (ClientHello, ServerHello including
# HelloRetryRequest, alerts with a description) equal the MANIFEST.tsv summary
# (CH=, SH=, alerts=) of tshark's output.
. "$(dirname "$0")/../cli/lib.sh"
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
pcaps="$TLSD_SHARED/pcaps"
[ -f "$pcaps/MANIFEST.tsv" ] || { echo "SKIP: no $pcaps/MANIFEST.tsv"; exit 77; }

# Counts not compared (the run itself still must not crash), each for a known reason:
# - the codec has no DTLS, and tshark counts the TLS inside QUIC Initial packets;
declare -A SKIP=(
  [zeek/dtls1_2.pcap]=dtls [zeek/dtls13-wolfssl.pcap]=dtls [nDPI/dtls.pcap]=dtls
  [arkime/arkime_synthetic.pcap]="dtls+quic" [nDPI/sites.pcapng]=quic
)

files=0 compared=0
while IFS=$'\t' read -r path _ _ _ _ _ _ _ summary _; do
  [ "$path" = path ] && continue
  files=$((files + 1))
  run analyze --json "$pcaps/$path"
  if ! jq -e . >/dev/null 2>&1 <<<"$OUT"; then bad "$path: not one JSON document (rc=$RC)"; continue; fi
  [ -n "${SKIP[$path]:-}" ] && continue
  want_ch=$(grep -oE 'CH=[0-9]+' <<<"$summary" | cut -d= -f2)
  want_sh=$(grep -oE 'SH=[0-9]+' <<<"$summary" | cut -d= -f2)
  alerts=$(grep -oE 'alerts=[^ ]+' <<<"$summary" | cut -d= -f2)
  want_al=0
  if [ "$alerts" != none ]; then
    for a in ${alerts//,/ }; do want_al=$((want_al + ${a##*x})); done
  fi
  got=$(jq -r '.summary.totals | "\(.client_hellos) \(.server_hellos) \(.alerts)"' <<<"$OUT")
  if [ "$got" = "$want_ch $want_sh $want_al" ]; then ok; else
    bad "$path: CH SH alerts ours $got, tshark $want_ch $want_sh $want_al"
  fi
  compared=$((compared + 1))
done <"$pcaps/MANIFEST.tsv"
echo "$files captures analysed, $compared compared with MANIFEST.tsv"
[ "$files" -gt 100 ] && ok || bad "only $files captures"
finish
