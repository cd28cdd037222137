#!/usr/bin/env bash
# analyze reads what Windows' packet monitor writes (the capture 'watch' points to on
# Windows, where there is no live capture): a pcapng with each packet logged once per
# component (tests/cli/pktmon_layout.sh). Every connection is found once, with the same
# outcome, offer, answer and diagnosis as in the original capture.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pktmon_layout.sh"

# Connections and diagnoses without frame numbers and file names (the copies shift them).
facts() { python3 -c '
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items()
                if not (k.endswith("frame") or k in ("first_frame", "last_frame", "file", "source"))}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
d = json.load(sys.stdin)
print(json.dumps(strip({"c": d["connections"], "d": d["diagnoses"]}), indent=1, sort_keys=True))'; }

for cap in zeek/tls-1.2-handshake-failure.pcap arkime/openssl-tls1_2.pcap zeek/certificate-request-failed.pcap; do
  src="$TLSD_SHARED/pcaps/$cap"
  pktmon_layout "$src" "$WORK/pktmon.pcapng" && ok || { bad "$cap: cannot write the pktmon layout"; continue; }
  [ "$(capinfos -I "$WORK/pktmon.pcapng" 2>/dev/null | grep -c 'Interface #')" -ge 2 ] && ok ||
    bad "$cap: the pktmon copy has not two interfaces"
  run analyze --json "$src"; expect_rc 0 "$cap"; want=$(facts <<<"$OUT")
  run analyze --json "$WORK/pktmon.pcapng"; expect_rc 0 "$cap in pktmon layout"; got=$(facts <<<"$OUT")
  n=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["connections"]))' <<<"$OUT")
  [ "$n" -ge 1 ] && ok || bad "$cap: no connection in the pktmon layout"
  [ -n "$want" ] && [ "$want" = "$got" ] && ok ||
    { bad "$cap: pktmon layout analysed differently"; diff <(echo "$want") <(echo "$got") | head -20 >&2; }
done
finish
