#!/usr/bin/env bash
# tlsdiag explain end to end: a sample of each reference table through the CLI, input from
# arguments, stdin and a file, --json, --list, --max, exit codes.
. "$(dirname "$0")/lib.sh"
ref="$TLSD_SHARED/reference"

# top KEY CAUSE ARGS...: the best candidate (JSON) has this key and most likely cause.
top() {
  local key=$1 cause=$2; shift 2
  run explain --json "$@"; expect_rc 0 "explain $*"
  local got
  got=$(python3 -c 'import json,sys; m=json.load(sys.stdin)["matches"][0]; print(m["key"], m["causes"][0]["id"])' <<<"$OUT")
  [ "$got" = "$key $cause" ] && ok || bad "explain $*: got [$got] want [$key $cause]"
}

# A sample row of each reference table.
top alert:40 no-common-cipher 40
top alert:48 untrusted-ca unknown_ca
top event:36874 no-common-cipher 36874
top event:36888 no-common-cipher 36888 40
top event:36888 no-common-version 36888/70
top event:36887 untrusted-ca 36887 48
top status:0x80090326 no-common-cipher 0x80090326
top status:0x80090326 no-common-cipher -2146893018
top status:0x80090326 no-common-cipher 2148074278
top status:0x80090326 no-common-cipher SEC_E_ILLEGAL_MESSAGE
top status:0x00002746 connection-dropped 10054
top status:0x800B010F name-mismatch CERT_E_CN_NO_MATCH
top message:dotnet.common-algorithm no-common-cipher "The client and server cannot communicate, because they do not possess a common algorithm"
# Resets and unclean closes as Linux tools print them; errno=0 is no alert 0 (close_notify).
top message:openssl.errno-reset connection-dropped "write:errno=104"
top message:openssl.errno-reset connection-dropped "read:errno=104"
top message:openssl.errno-eof connection-dropped "read:errno=0"
top message:openssl.ssl-error-syscall connection-dropped "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to 127.0.0.1:4433"
top message:curl.connect-reset connection-dropped "curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to print.example:443"
top message:gnutls.pull-function connection-dropped "*** Fatal error: Error in the pull function."
top message:python.connection-reset connection-dropped "ConnectionResetError: [Errno 104] Connection reset by peer"
# Schannel's internal error states: 1205 (with alert 40, KB3135244) decoded; others said to
# be undocumented, next to the event and alert.
top message:windows.error-state-1205 no-common-cipher "The Windows SChannel error state is 1205."
run explain "A fatal alert was generated and sent to the remote endpoint. The TLS protocol defined fatal error code is 40. The Windows SChannel error state is 1205."
expect_grep "windows.error-state-1205" "$OUT" "36888 text: the error state decoded next to the event"
run explain --max 0 "The TLS protocol defined fatal error code is 40. The Windows SChannel error state is 105."
expect_grep "windows message windows.error-state " "$OUT" "an undocumented error state is named as such"

# Every event ID of the reference table through the CLI (31 of them).
[ "$(grep -v '^#' "$ref/schannel_events.tsv" 2>/dev/null | tail -n +2 | wc -l)" -eq 31 ] && ok || bad "reference schannel_events.tsv missing or not 31 events"
for id in $(grep -v '^#' "$ref/schannel_events.tsv" | tail -n +2 | cut -f1); do
  run explain --max 1 "$id"; expect_rc 0 "explain $id"
  expect_grep "^1\. Schannel event $id " "$OUT" "explain $id names the event"
done

# The full answer: meaning, side, causes with checks (tlsdiag commands) and fixes.
run explain 36874; expect_rc 0 "36874"
expect_grep 'Logged on: server' "$OUT" "side"
expect_grep '\$ tlsdiag scan HOST:PORT' "$OUT" "check command"
expect_grep 'Fix \(Windows\): ' "$OUT" "Windows fix"; expect_grep 'A domain GPO overrides' "$OUT" "Windows fix says GPO overrides"
expect_grep 'Fix \(elsewhere\): nginx' "$OUT" "nginx fix"
expect_grep 'References: .*Schannel Events' "$OUT" "references"

# stdin and --file; noise around the message.
printf '2026-11-27 08:04:02 10.0.0.5:50123\n  curl: (35) OpenSSL/3.0.19: error:0A00010B:SSL\n routines::wrong version number\n' >"$WORK/paste"
run_in "$WORK/paste" explain --json
expect_grep '"key": "message:openssl.wrong-version"' "$OUT" "stdin paste"
run explain -f "$WORK/paste" --max 1; expect_rc 0 "-f"
expect_grep '^1\. openssl message openssl.wrong-version' "$OUT" "--file paste"
expect_grep '^\(.* more candidates' "$OUT" "--max hides the rest"
run explain --max 0 -f "$WORK/paste"; expect_rc 0 "--max 0"
expect_grep '^2\. ' "$OUT" "--max 0 shows all"

# --list: every entry once; JSON list parses and has every kind.
run explain --list; expect_rc 0 "--list"
n=$(wc -l <<<"$OUT")
[ "$n" -ge 200 ] && ok || bad "--list has $n entries"
[ "$(cut -d' ' -f1 <<<"$OUT" | sort | uniq -d)" = "" ] && ok || bad "--list has duplicate keys"
run explain --list --json; expect_rc 0 "--list --json"
kinds=$(python3 -c 'import json,sys; print(" ".join(sorted({e["kind"] for e in json.load(sys.stdin)})))' <<<"$OUT")
OUT=$kinds; expect_out "alert event message status" "kinds in --list --json"

# Golden outputs: tests/golden/explain/NAME.args (one argument a line) -> NAME.out.
# TLSD_UPDATE_GOLDEN=1 rewrites the .out files after an intended change. At 80 columns: the
# text is wrapped to the terminal, not at a fixed column.
for args in "$TLSD_SRCDIR"/tests/golden/explain/*.args; do
  mapfile -t a <"$args"
  COLUMNS=80 run explain "${a[@]}"; expect_rc 0 "golden $(basename "$args")"
  want="${args%.args}.out"
  [ -n "${TLSD_UPDATE_GOLDEN:-}" ] && printf '%s\n' "$OUT" >"$want"
  if diff -u "$want" <(printf '%s\n' "$OUT") >"$WORK/diff"; then ok; else
    bad "golden $(basename "$want") differs:"; head -20 "$WORK/diff" >&2
  fi
done

# Exit codes and messages.
run explain "nothing to see here"; expect_rc 1 "no match"
expect_grep 'no entry matches' "$ERR" "no match message"
run explain; expect_rc 2 "no input"
run explain --max x 40; expect_rc 2 "bad --max"
run explain --frobnicate; expect_rc 2 "unknown option"
run explain -f "$WORK/does-not-exist"; expect_rc 3 "missing file"
run explain --help; expect_rc 0 "--help"
finish
