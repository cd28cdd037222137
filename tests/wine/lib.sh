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

# Wine turns the command line into UTF-16 (and Windows file names into Unix ones) in the
# Unix locale's character set: UTF-8, as the Linux build takes its arguments.
export LC_ALL=C.UTF-8

# wrun CMD...: the Windows build under Wine; stdout in $WOUT, stderr in $WERR, status in
# $WRC, with CRLF turned into LF. Standard input is $WIN (default /dev/null); with
# WPIPE=1, $WIN reaches it through a pipe (cat), not as a file.
wrun() {
  if [ -n "${WPIPE:-}" ]; then
    cat "${WIN:-/dev/null}" | "$WINE" "$TLSD_WINEXE" "$@" >"$WORK/wout" 2>"$WORK/werr"
    WRC=${PIPESTATUS[1]}
  else
    "$WINE" "$TLSD_WINEXE" "$@" >"$WORK/wout" 2>"$WORK/werr" <"${WIN:-/dev/null}"
    WRC=$?
  fi
  WOUT=$(tr -d '\r' <"$WORK/wout"); WERR=$(tr -d '\r' <"$WORK/werr")
}

# same CMD...: Linux and Windows builds give the same exit status, stdout and stderr (both
# with $WIN on stdin, through a pipe with WPIPE=1).
same() {
  if [ -n "${WPIPE:-}" ]; then
    cat "${WIN:-/dev/null}" | "$TLSDIAG" "$@" >"$WORK/out" 2>"$WORK/err"
    RC=${PIPESTATUS[1]}
    OUT=$(cat "$WORK/out"); ERR=$(cat "$WORK/err")
    [ "$RC" -lt 86 ] || bad "sanitizer/crash (rc=$RC) in: tlsdiag $*"
  else
    run_in "${WIN:-/dev/null}" "$@"
  fi
  wrun "$@"
  local what="tlsdiag $*"
  what=${what:0:120}
  # Wine under load has once ended a run with exit 1 and no output at all, as if the
  # command line had been lost (explain --max 2 120 in a CI run; 6 reruns agreed): a
  # difference is run once more under Wine and counts only when it stays, and the rerun
  # is said in the log.
  if [ "$RC" != "$WRC" ] || [ "$OUT" != "$WOUT" ] || [ "$ERR" != "$WERR" ]; then
    echo "note: $what: Wine's run differed (exit $WRC), run again" >&2
    wrun "$@"
  fi
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

# Comparisons run side by side: each Wine start waits on the wineserver more than on a
# core. par CMD...: runs CMD (e.g. same ...) in the background, at most $PAR at once (one
# per core: ctest runs other tests beside it),
# with a work directory of its own; par_wait waits for all and counts their results.
PAR=${TLSD_WINE_JOBS:-$(nproc 2>/dev/null || echo 2)}
PAR_N=0
par() {
  while [ "$(jobs -rp | wc -l)" -ge "$PAR" ]; do wait -n; done
  PAR_N=$((PAR_N + 1))
  local dir="$WORK/par/$PAR_N"
  mkdir -p "$dir"
  (
    WORK=$dir PASSES=0 FAILS=0
    "$@" 2>"$dir/log"
    echo "$PASSES $FAILS" >"$dir/result"
  ) &
}
par_wait() {
  wait
  local d p f
  for d in "$WORK"/par/*/; do
    [ -d "$d" ] || continue
    if read -r p f <"$d/result" 2>/dev/null; then
      PASSES=$((PASSES + p)); FAILS=$((FAILS + f))
    else
      bad "a parallel comparison ended without a result"
    fi
    cat "$d/log" >&2
  done
  rm -rf "$WORK/par"
}
