/* Which implementation a scanned server runs, told by behaviours where implementations
 * differ (scan.c probes them; docs/scan-json.md). Only what is told is said: GENERIC
 * means "not told", and `match` then models the server by the rules alone. */
#include "scan/scan_internal.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/scan.h"

void scan_judge_implementation(struct tlsd_scan_result *r)
{
    r->implementation = TLSD_IMPL_GENERIC;
    /* RFC 6066 3: server_name is a DNS host name. GnuTLS checks it and answers a name
     * with other characters with illegal_parameter (lib/ext/server_name.c
     * _gnutls_dnsname_is_valid); OpenSSL, Schannel and Java take any name. */
    if (r->refuses_sni_not_host == TLSD_YES &&
        r->sni_not_host_alert == TLSD_ALERT_ILLEGAL_PARAMETER) {
        r->implementation = TLSD_IMPL_GNUTLS;
        return;
    }
    /* OpenSSL 1.1.0 and later find no shared curve for an ECDHE suite when the hello
     * has no supported_groups (ssl/t1_lib.c tls1_shared_group) and need an ECDSA
     * certificate's curve on the client's list (tls1_check_ec_key); Schannel and GnuTLS
     * pick a curve of their own. Both seen, and any server_name taken: OpenSSL (or a
     * stack that behaves as it does in everything `match` models). */
    if (r->refuses_sni_not_host == TLSD_NO && r->ecdhe_needs_groups == TLSD_YES &&
        r->needs_cert_curve != TLSD_NO)
        r->implementation = TLSD_IMPL_OPENSSL;
}
