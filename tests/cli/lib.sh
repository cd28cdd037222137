# Helpers for the shell tests (sourced). TLSDIAG is the binary under test.
set -uo pipefail
: "${TLSDIAG:?TLSDIAG must point at the tlsdiag binary}"
# Sanitizer reports must not look like our own exit codes (1, 2, 3).
export ASAN_OPTIONS="exitcode=86:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1"
export NO_COLOR=1
# Text reports fit the terminal (80 columns when not one): the tests that read whole lines
# and the golden outputs use a wide one; test_width.sh checks 80 and 132 columns.
export COLUMNS=1000
# analyze and watch show each connection's local time: the golden outputs are in UTC.
export TZ=UTC
FAILS=0
PASSES=0
WORK=$(mktemp -d)
SERVE_PIDS=() # servers the test started (start_serve, nginx, ...): stopped at exit
# TLSD_KEEP_WORK=1 keeps the work directory for a look after a failure.
trap 'for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
if [ -n "${TLSD_KEEP_WORK:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi' EXIT

ok() { PASSES=$((PASSES + 1)); }
bad() { FAILS=$((FAILS + 1)); echo "FAIL: $*" >&2; }

# run CMD...: runs tlsdiag, capturing stdout in $OUT, stderr in $ERR, status in $RC.
run() {
  "$TLSDIAG" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  RC=$?
  OUT=$(cat "$WORK/out"); ERR=$(cat "$WORK/err")
  if [ "$RC" -ge 86 ]; then bad "sanitizer/crash (rc=$RC) in: tlsdiag $*"; sed -n 1,20p "$WORK/err" >&2; fi
}
# run_in FILE CMD...: the same with stdin from FILE.
run_in() {
  local input=$1; shift
  "$TLSDIAG" "$@" >"$WORK/out" 2>"$WORK/err" <"$input"
  RC=$?
  OUT=$(cat "$WORK/out"); ERR=$(cat "$WORK/err")
  if [ "$RC" -ge 86 ]; then bad "sanitizer/crash (rc=$RC) in: tlsdiag $*"; sed -n 1,20p "$WORK/err" >&2; fi
}
expect_rc() { local e=${ERR:-}; if [ "$RC" -eq "$1" ]; then ok; else bad "$2: exit $RC, want $1 (stderr: ${e:0:300})"; fi; }
expect_out() { if [ "$OUT" = "$1" ]; then ok; else bad "$2: got [$OUT] want [$1]"; fi; }
expect_grep() { if grep -qE -- "$1" <<<"$2"; then ok; else bad "$3: no /$1/ in [${2:0:400}]"; fi; }

# serve_port ERRFILE: the port `tlsdiag serve --port 0` names in its stderr once listening
# ("" when it has not within 10 s).
serve_port() {
  local p=""
  for _ in $(seq 200); do
    p=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' "$1")
    [ -n "$p" ] && break
    sleep 0.05
  done
  echo "$p"
}

# start_serve NAME ARGS...: tlsdiag serve ARGS on a free loopback port in the background
# (stopped at exit, or after 60 s); its output in $WORK/NAME.out and .err, its port in $PORT.
start_serve() {
  local name=$1; shift
  timeout 60 "$TLSDIAG" serve --port 0 --bind 127.0.0.1 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SERVE_PIDS+=($!)
  PORT=$(serve_port "$WORK/$name.err")
  [ -n "$PORT" ] && ok || bad "$name: serve did not start: $(cat "$WORK/$name.err")"
}

# gen_refuses GEN NAME SED-EXPR FILE WANT: the generator GEN (scripts/gen_*.py DATA OUT.c
# OUT.h), run on a fresh copy of data/ with SED-EXPR applied to FILE, fails naming WANT.
gen_refuses() {
  rm -rf "$WORK/data"; cp -r "$TLSD_SRCDIR/data" "$WORK/data"
  sed -i "$3" "$WORK/data/$4"
  local err
  err=$(python3 "$1" "$WORK/data" "$WORK/out.c" "$WORK/out.h" 2>&1); local rc=$?
  if [ "$rc" -ne 0 ] && grep -q -- "$5" <<<"$err"; then ok; else bad "$2: rc=$rc, stderr [$err]"; fi
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}
