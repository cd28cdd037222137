#!/usr/bin/env bash
# scripts/gen_explain.py refuses inconsistent knowledge-base data (each case on a copy of data/).
. "$(dirname "$0")/lib.sh"
gen="$TLSD_SRCDIR/scripts/gen_explain.py"

# broken NAME SED-EXPR FILE WANT: see gen_refuses in lib.sh.
broken() { gen_refuses "$gen" "$@"; }

python3 "$gen" "$TLSD_SRCDIR/data" "$WORK/ok.c" "$WORK/ok.h" && ok || bad "the real data is refused"
broken "unknown cause" 's/^40\t\(.*\)\tno-common-cipher,/40\t\1\tno-such-cause,/' explain/alerts.tsv "unknown cause 'no-such-cause'"
broken "alert without entry" '/^121\t/d' explain/alerts.tsv "no entry for registry alert"
broken "entry without alert" '$a 200\tnobody\t-\tnot-an-error' explain/alerts.tsv "alert 200 is not in"
broken "duplicate event" '/^36874\t/p' explain/events.tsv "duplicate entry event:36874"
broken "GPO sentence missing" 's/A domain GPO overrides the local$/The local/' explain/causes.rec "must say a domain GPO overrides"
broken "check without command" 's/^check: Which versions the server accepts | tlsdiag scan HOST:PORT/check: Which versions the server accepts/' explain/causes.rec "needs ' | tlsdiag"
broken "related entry missing" 's/status:0x80090331,event:36874/status:0x80090399/' explain/messages.tsv "related entry status:0x80090399 does not exist"
broken "unknown source" 's/^curl\.7\tcurl\t/curl.7\twget\t/' explain/messages.tsv "one of sources.tsv"
broken "pattern too short" 's/^curl\.7\tcurl\tcurl 7 |/curl.7\tcurl\tc7 |/' explain/messages.tsv "too short"
grep -q "TLSD_EVENT_FATAL_ALERT_GENERATED = 36888," "$WORK/ok.h" && ok || bad "no named event IDs"
broken "event name reused" 's/\tno_common_cipher$/\tfatal_alert_generated/' explain/events.tsv "is not a new lower-case identifier"
broken "cause never used" '$a \\ncause: orphan\ntitle: t\nwhy: w\ncheck: c | tlsdiag scan HOST:PORT\nfix-windows: f\nfix-other: o\nref: r' explain/causes.rec "never referenced"
finish
