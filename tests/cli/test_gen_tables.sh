#!/usr/bin/env bash
# scripts/gen_tables.py refuses registry data a typed column cannot hold (each case on a
# copy of data/): a typo in a property column stops the build instead of becoming a value
# no code knows.
. "$(dirname "$0")/lib.sh"
gen="$TLSD_SRCDIR/scripts/gen_tables.py"

# broken NAME SED-EXPR FILE WANT: see gen_refuses in lib.sh.
broken() { gen_refuses "$gen" "$@"; }

python3 "$gen" "$TLSD_SRCDIR/data" "$WORK/ok.c" "$WORK/ok.h" && ok || bad "the real data is refused"
grep -q "TLSD_KXF_EPHEMERAL = 1u << 0" "$WORK/ok.h" && ok || bad "no key exchange flags in the header"
grep -q "TLSD_ALERT_HANDSHAKE_FAILURE = 40," "$WORK/ok.h" && ok || bad "no named alert codes"
grep -q "TLSD_GROUP_X25519 = 0x001D," "$WORK/ok.h" && ok || bad "no named group codes"
grep -q '\.kx = TLSD_KX_ECDHE, \.kx_flags = TLSD_KXF_EC | TLSD_KXF_EPHEMERAL,' "$WORK/ok.c" \
  && ok || bad "suites not initialised by field name with their flags"
broken "key exchange typo" 's/^\(0xC02F\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t\)ECDHE\t/\1ECDHHE\t/' \
  cipher_suites.tsv "'ECDHHE' is not a known tlsd_kx"
broken "certificate kind typo" 's/^\(0xC02F\(\t[^\t]*\)\{7\}\t\)rsa\t/\1RSA\t/' \
  cipher_suites.tsv "'RSA' is not a known tlsd_cert_kind"
broken "status typo" 's/\tiana\t\(RFC5289\)/\tIANA\t\1/' cipher_suites.tsv "is not a known tlsd_suite_status"
broken "group kind typo" 's/^\(0x001D\t.*\t\)ecx\t/\1ecc\t/' groups.tsv "'ecc' is not a known tlsd_group_kind"
broken "TLS 1.3 column" 's/^\(0x001D\t.*\t\)yes\t/\1maybe\t/' groups.tsv "expected yes/no"
broken "signature algorithm typo" 's/\trsa_pss_rsae\t/\trsa_pss\t/' sigschemes.tsv "is not a known tlsd_sig_alg"
finish
