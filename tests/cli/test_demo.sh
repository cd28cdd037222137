#!/usr/bin/env bash
# `make demo` (scripts/demo) tells the whole story on loopback: serve starts, the legacy
# printer is reset, the recorded hello gives the diagnosis and the fix, the upgrade matrix
# shows where it broke; it leaves no process behind (the 60 s limit only stops a hang: no
# timing threshold, the machine may be busy).
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || exit 77
timeout 60 "$TLSD_SRCDIR/scripts/demo" "$TLSDIAG" >"$WORK/demo" 2>&1
RC=$?
ERR=$(tail -5 "$WORK/demo") # what expect_rc shows when the demo fails
expect_rc 0 "demo"
OUT=$(cat "$WORK/demo")
expect_grep 'listening on 127\.0\.0\.1 port [0-9]+ as windows-2025' "$OUT" "serve started"
expect_grep 'the server reset the connection right after the ClientHello, without an alert' "$OUT" "printer reset"
expect_grep 'TCP reset, no alert' "$OUT" "serve recorded the refusal"
expect_grep 'TLSv1\.2 +yes' "$OUT" "scan of the stand-in server"
expect_grep 'Result: handshake fails: no common cipher suite' "$OUT" "diagnosis"
expect_grep 'Enable-TlsCipherSuite -Name TLS_RSA_WITH_3DES_EDE_CBC_SHA' "$OUT" "server fix"
expect_grep 'No secure fix exists' "$OUT" "the fix is said to be weak"
expect_grep '1\. stopgap \(weaker\): enable TLS_RSA_WITH_3DES_EDE_CBC_SHA' "$OUT" "3DES on the server is a labelled stopgap"
expect_grep 'risk: .*Sweet32' "$OUT" "the stopgap's risk"
first=$(sed -n '/^Fixes on the client/,$p' <<<"$OUT" | grep -m1 '^  1\. ')
expect_grep '^  1\. raise the maximum version to TLSv1\.2 .*\+ enable TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -> TLSv1\.2' "$first" "the firmware fix is the printer's first fix"
expect_grep 'fails with windows-2022-23h2' "$OUT" "upgrade matrix"
# Nothing left running: the demo's serve listened on its own port only.
port=$(sed -n 's/.* port \([0-9]*\) as .*/\1/p' <<<"$OUT" | head -1)
if [ -n "$port" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then bad "serve still listening on $port"; else ok; fi
finish
