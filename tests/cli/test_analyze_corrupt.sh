#!/usr/bin/env bash
# Corruption corpus: every shared capture cut, byte-flipped and gzip-damaged through
# `tlsdiag analyze` (tests/cli/analyze_corrupt.py): no crash, no hang, and every file still
# yields the connections before the damage.
. "$(dirname "$0")/lib.sh"
pcaps="$TLSD_SHARED/pcaps"
[ -d "$pcaps" ] || { echo "SKIP: no shared captures"; exit 77; }
python3 "$(dirname "$0")/analyze_corrupt.py" "$TLSDIAG" "$pcaps" "$WORK"
