#!/usr/bin/env bash
# JA3 and JA3S of tlsdiag analyze against tshark's, connection by connection, over every
# capture in ../shared/pcaps (tests/integration/ja3_tshark.py says what is left out, and why).
command -v tshark >/dev/null || { echo "skip: tshark not installed"; exit 77; }
SHARED=${TLSD_SHARED:-$(dirname "$0")/../../../shared}
[ -r "$SHARED/pcaps/MANIFEST.tsv" ] || { echo "skip: $SHARED/pcaps not found"; exit 77; }
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
exec timeout 500 python3 "$(dirname "$0")/ja3_tshark.py"
