#!/usr/bin/env bash
# --help and --version for the tool and every command; the man page names
# every command and every long option that --help shows.
. "$(dirname "$0")/lib.sh"
man="$TLSD_SRCDIR/docs/tlsdiag.1"

run --version; expect_rc 0 --version; expect_grep '^tlsdiag [0-9]' "$OUT" "version line"
run --help; expect_rc 0 --help
cmds=$(awk '/^Commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{exit}' <<<"$OUT")
[ -n "$cmds" ] && ok || bad "no commands listed"
run; expect_rc 2 "no command"
run frobnicate; expect_rc 2 "unknown command"
# The man page's text without roff escapes, to look options up in.
plain=$(sed 's/\\//g' "$man")
for c in $cmds; do
  run "$c" --help; expect_rc 0 "$c --help"
  expect_grep "^Usage: tlsdiag $c" "$OUT" "$c usage line"
  grep -q "^\.SH.*$(tr a-z A-Z <<<"$c")\|^\.SS.*$c" "$man" && ok || bad "man page lacks a section for $c"
  for opt in $(grep -oE -- '--[a-z][a-z-]+' <<<"$OUT" | sort -u); do
    grep -qF -- "$opt" <<<"$plain" && ok || bad "man page lacks $c $opt"
  done
done
finish
