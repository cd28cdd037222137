#!/usr/bin/env bash
# Issue 18's counts stay where the issue left them (scripts/vocab-counts on this tree and
# this build's object files): no string comparison of a registry property, no version,
# alert or Schannel event literal outside generated code, one enum for how a connection
# ended, no circle between library source files. A new copy of a concept fails here.
. "$(dirname "$0")/lib.sh"
out=$(python3 "$TLSD_SRCDIR/scripts/vocab-counts" --build "$TLSD_BUILD" 2>&1)
rc=$?
[ "$rc" -eq 0 ] && ok || bad "vocab-counts failed (exit $rc): ${out:0:300}"
for row in "string comparisons of a registry property +0 lines" \
           "version codes as literals +0 lines" \
           "alert codes compared as numbers +0 lines" \
           "Schannel event IDs as literals +0 lines" \
           "enums for how a connection ended +1 " \
           "circles between library source files +0$"; do
  expect_grep "^$row" "$out" "vocab-counts: $row"
done
# The counter sees what it counts: a literal version in a copy of a source file is found.
mkdir -p "$WORK/tree/lib/base" "$WORK/tree/src"
printf 'int v(int x) { return x == 0x0303; }\n' >"$WORK/tree/lib/base/x.c"
cp -r "$TLSD_SRCDIR/data" "$WORK/tree/" 2>/dev/null
out=$(python3 "$TLSD_SRCDIR/scripts/vocab-counts" --root "$WORK/tree" --build "$TLSD_BUILD" 2>&1)
expect_grep "^version codes as literals +1 lines" "$out" "vocab-counts finds a planted literal"
finish
