#!/usr/bin/env bash
# Lost output is an error: every command, in every format, --help and --version included,
# writing to a full disk (/dev/full) says so on stderr and exits 3; a reader that goes away
# early (EPIPE) ends the run quietly, with no crash and no error message.
. "$(dirname "$0")/lib.sh"
[ -w /dev/full ] || { echo "no /dev/full here"; exit 77; }
pcap="$TLSD_SHARED/pcaps/FlowTest/tls12.pcap"
[ -f "$pcap" ] || { echo "shared captures missing"; exit 77; }

full() {
  "$TLSDIAG" "$@" >/dev/full 2>"$WORK/err" </dev/null
  RC=$?; ERR=$(cat "$WORK/err")
  if [ "$RC" -ge 86 ]; then bad "sanitizer/crash (rc=$RC) in: tlsdiag $*"; return; fi
  [ "$RC" -eq 3 ] && ok || bad "tlsdiag $* >/dev/full: exit $RC, want 3"
  expect_grep 'No space left on device' "$ERR" "tlsdiag $* >/dev/full names the error"
}

full --help
full --version
for cmd in ciphers scan match profiles analyze watch explain serve connect events; do full "$cmd" --help; done
for fmt in table iana openssl gnutls windows hex gpo powershell json; do full ciphers -o "$fmt" 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA'; done
full explain 36888 40
full explain --json 36888 40
full explain --list
full profiles
full profiles --json
full profiles windows-2025
full match --client legacy-printer --server windows-2025
full match --json --client legacy-printer --server windows-2025
full match --client legacy-printer --client java-17 --servers windows-2019,windows-2025
for fmt in "" --json --jsonl; do full analyze $fmt "$pcap"; done
# scan and connect write a report even when nothing answers (a closed port).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
full scan --timeout 2 "127.0.0.1:$port"
full scan --json --timeout 2 "127.0.0.1:$port"

# --html FILE: a full disk or a path that cannot be opened is an error (exit 3, said with
# the option), while stdout is fine.
html_err() {
  local file=$1 msg=$2; shift 2
  "$TLSDIAG" "$@" --html "$file" >/dev/null 2>"$WORK/err" </dev/null
  RC=$?; ERR=$(cat "$WORK/err")
  if [ "$RC" -ge 86 ]; then bad "sanitizer/crash (rc=$RC) in: tlsdiag $* --html $file"; return; fi
  [ "$RC" -eq 3 ] && ok || bad "tlsdiag $* --html $file: exit $RC, want 3"
  expect_grep "--html $file: $msg" "$ERR" "tlsdiag $* --html $file names the error"
}
for f in /dev/full "$WORK/no/such/dir.html"; do
  msg='No space left on device'; [ "$f" = /dev/full ] || msg='No such file or directory'
  html_err "$f" "$msg" match --client legacy-printer --server windows-2025
  html_err "$f" "$msg" match --client legacy-printer --client java-17 --servers windows-2019,windows-2025
  html_err "$f" "$msg" analyze "$pcap"
  html_err "$f" "$msg" scan --timeout 2 "127.0.0.1:$port"
done

# EPIPE: the reader closes after one byte. Quiet: no message, no sanitizer report.
"$TLSDIAG" analyze --jsonl "$pcap" 2>"$WORK/err" | head -c 1 >/dev/null
rcs=("${PIPESTATUS[@]}")
[ "${rcs[0]}" -lt 86 ] && ok || bad "analyze | head: crash (rc=${rcs[0]})"
if grep -q . "$WORK/err"; then bad "analyze | head: message on stderr: $(head -c 200 "$WORK/err")"; else ok; fi
"$TLSDIAG" profiles 2>"$WORK/err" | head -c 1 >/dev/null
if grep -q . "$WORK/err"; then bad "profiles | head: message on stderr"; else ok; fi
finish
