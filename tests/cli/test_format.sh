#!/usr/bin/env bash
# Every C source and header follows the checked-in .clang-format.
set -euo pipefail
cd "$TLSD_SRCDIR"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib src include tests fuzz bench -name '*.[ch]')
[ -n "$files" ] || { echo "no C files found"; exit 1; }
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "$(echo "$files" | wc -w) files formatted"
