# Sourced by the tests that send the 162 testssl hellos to real servers (after
# cli/lib.sh): hello_probe, openssl and gnutls-serv (else skip), the servers of
# servers.sh, and the hellos ("name hex" from the built-in profile data) in $WORK/hellos.
PROBE="${TLSD_BUILD:?}/tests/hello_probe"
[ -x "$PROBE" ] || { echo "no $PROBE"; exit 77; }
command -v openssl >/dev/null && command -v gnutls-serv >/dev/null || exit 77

. "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

awk '/^name = /{n=$3} /^client_hello = /{print n, $3}' \
  "$TLSD_SRCDIR/data/profiles/testssl.profiles" >"$WORK/hellos"
[ "$(wc -l <"$WORK/hellos")" -eq 162 ] && ok || bad "expected 162 hellos"
