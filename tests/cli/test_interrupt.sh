#!/usr/bin/env bash
# SIGINT/SIGTERM during scan (--jsonl, --json, text) and analyze (--json, text): what was
# finished is written, well formed and marked interrupted, and the exit code is 130
# (tests/cli/interrupt.py).
. "$(dirname "$0")/lib.sh"
cap="$TLSD_SHARED/pcaps/arkime/arkime_synthetic.pcap"
[ -f "$cap" ] || { echo "SKIP: no shared captures"; exit 77; }
python3 "$(dirname "$0")/interrupt.py" "$TLSDIAG" "$cap" "$WORK"
