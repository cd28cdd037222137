#!/usr/bin/env bash
# The whole tree builds with clang as well as gcc, warnings as errors,
# including the libFuzzer targets (-fsanitize=fuzzer).
set -euo pipefail
dir="$TLSD_BUILD/clang-check"
CC=clang cmake -S "$TLSD_SRCDIR" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DTLSD_FUZZ=ON >/dev/null
cmake --build "$dir" -j 2 2>&1 | grep -E 'warning|error' && exit 1
cmake --build "$dir" -j 2 >/dev/null
ls "$dir"/fuzz/fuzz_* >/dev/null
echo "1 passed, 0 failed"
