# Helpers for the Wine tests (sourced): the Windows build (TLSD_WINEXE, from make windows)
# run under Wine next to the Linux build (TLSDIAG), outputs compared byte for byte after
# normalising line endings (the Windows C runtime writes CRLF to text streams).
# Skips (exit 77) when Wine or the Windows build is absent.
. "$(dirname "$0")/../cli/lib.sh"

if [ -z "${TLSD_WINEXE:-}" ] || [ ! -f "$TLSD_WINEXE" ]; then
  echo "SKIP: no Windows build (run make windows): ${TLSD_WINEXE:-TLSD_WINEXE unset}"
  exit 77
fi
WINE=$(command -v wine || true)
if [ -z "$WINE" ]; then
  echo "SKIP: Wine is not installed (scripts/setup installs it)"
  exit 77
fi

# One 64-bit prefix per build tree, shared by the Wine tests (made once, ~20 s; a lock
# keeps tests that start together from making it twice). No Mono/Gecko prompts.
export WINEPREFIX="${TLSD_BUILD:-$WORK}/wineprefix"
export WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
(
  flock 9
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    "$WINE" wineboot --init >/dev/null 2>&1 || { echo "wineboot --init failed" >&2; exit 1; }
  fi
) 9>"${TLSD_BUILD:-$WORK}/wineprefix.lock" || exit 1
# Keep one wineserver for the test's many short runs (it exits 30 s after the last one).
wineserver -p30 >/dev/null 2>&1 || true

# wrun CMD...: the Windows build under Wine; stdout in $WOUT, stderr in $WERR, status in
# $WRC, with CRLF turned into LF.
wrun() {
  "$WINE" "$TLSD_WINEXE" "$@" >"$WORK/wout" 2>"$WORK/werr" </dev/null
  WRC=$?
  WOUT=$(tr -d '\r' <"$WORK/wout"); WERR=$(tr -d '\r' <"$WORK/werr")
}

# same CMD...: Linux and Windows builds give the same exit status, stdout and stderr.
same() {
  run "$@"
  wrun "$@"
  local what="tlsdiag $*"
  what=${what:0:120}
  if [ "$RC" != "$WRC" ]; then bad "$what: exit $RC on Linux, $WRC under Wine (${WERR:0:300})"; return; fi
  if [ "$OUT" != "$WOUT" ]; then
    bad "$what: stdout differs"
    diff <(printf '%s\n' "$OUT") <(printf '%s\n' "$WOUT") | head -20 >&2
    return
  fi
  if [ "$ERR" != "$WERR" ]; then
    bad "$what: stderr differs"
    diff <(printf '%s\n' "$ERR") <(printf '%s\n' "$WERR") | head -10 >&2
    return
  fi
  ok
}
