# pktmon_layout IN OUT (sourced): writes OUT, a pcapng in the layout of Windows' packet
# monitor ('pktmon etl2pcap'): Ethernet frames, every packet logged twice (once per
# networking component it passed, each component its own interface) and a comment on each
# with pktmon's metadata. Made with Wireshark's editcap and mergecap (Debian tshark).
pktmon_layout() {
  local in=$1 out=$2 tmp n
  tmp=$(mktemp -d)
  editcap -F pcapng "$in" "$tmp/all.pcapng" || return 1
  n=$(capinfos -c -M "$tmp/all.pcapng" | awk '/Number of packets/ {print $NF}')
  local comp
  for comp in 1 7; do
    local args=() i
    for i in $(seq "$n"); do
      args+=(-a "$i:PktGroupId $i, PktNumber $i, Appearance $comp, Direction Rx , Type Ethernet , Component $comp, Edge 1, Filter 1, OriginalSize 0, LoggedSize 0")
    done
    editcap "${args[@]}" "$tmp/all.pcapng" "$tmp/c$comp.pcapng" || return 1
  done
  # -I none: keep both interfaces apart, as pktmon does.
  mergecap -I none -F pcapng -w "$out" "$tmp/c1.pcapng" "$tmp/c7.pcapng"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}
