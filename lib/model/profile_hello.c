/* A client profile from a ClientHello's bytes, parsed by the codec (hello.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "model/profile_internal.h"
#include "tlsdiag/registry.h"

#include "tlsdiag/hello.h"

static void copy_u16(uint16_t *dst, size_t *n, size_t max, const uint16_t *src, size_t len)
{
    *n = 0;
    for (size_t i = 0; i < len && *n < max; i++)
        if (!tlsd_is_grease(src[i]))
            dst[(*n)++] = src[i];
}

/* RFC 6066 3 / RFC 1123: letters, digits, '-' and '.', no trailing dot. */
static bool valid_host_name(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 253 || h[n - 1] == '.')
        return false;
    for (; *h; h++)
        if (!isalnum((unsigned char)*h) && *h != '-' && *h != '.')
            return false;
    return true;
}

static void hello_versions(const struct tlsd_client_hello *ch, struct tlsd_profile *p)
{
    uint16_t lo, hi;
    p->versions = 0;
    p->supported_versions_ext = ch->has_versions;
    if (ch->has_versions) {
        /* RFC 8446 4.2.1: supported_versions replaces legacy_version. */
        for (size_t i = 0; i < ch->n_versions; i++)
            p->versions |= tlsd_version_bit(ch->versions[i]);
        return;
    }
    tlsd_client_hello_versions(ch, &lo, &hi);
    /* A legacy hello names only its highest version; the lowest it accepts is not on
     * the wire. Nothing in a TLS hello says the client speaks SSL 3.0 (RFC 7568 forbids
     * it): the floor is TLS 1.0, or SSL 3.0 for an SSL 3.0 hello. A profile's versions
     * line says more where it is known (the testssl profiles carry testssl's data). */
    if (hi >= TLSD_VERSION_TLS1_0 && lo < TLSD_VERSION_TLS1_0)
        lo = TLSD_VERSION_TLS1_0;
    for (uint16_t v = TLSD_VERSION_SSL3; v <= TLSD_VERSION_TLS1_3; v++)
        if (v >= lo && v <= hi)
            p->versions |= tlsd_version_bit(v);
    if (ch->format == TLSD_HELLO_SSL2)
        p->versions |= TLSD_V_SSL2;
}

static void hello_to_profile(const struct tlsd_client_hello *ch, struct tlsd_profile *p)
{
    hello_versions(ch, p);
    p->n_suites = 0;
    for (size_t i = 0; i < ch->n_suites && p->n_suites < TLSD_PROFILE_MAX_SUITES; i++)
        if (!tlsd_is_grease(ch->suites[i]))
            p->suites[p->n_suites++] = ch->suites[i];
    copy_u16(p->groups, &p->n_groups, TLSD_PROFILE_MAX_GROUPS, ch->groups, ch->n_groups);
    copy_u16(p->sigalgs, &p->n_sigalgs, TLSD_PROFILE_MAX_SIGALGS, ch->sigalgs, ch->n_sigalgs);
    p->n_key_shares = 0;
    for (size_t i = 0; i < ch->n_key_shares && p->n_key_shares < TLSD_PROFILE_MAX_GROUPS; i++)
        if (!tlsd_is_grease(ch->key_shares[i].group))
            p->key_shares[p->n_key_shares++] = ch->key_shares[i].group;
    p->flags &= ~(TLSD_PF_SENDS_RENEG_INFO | TLSD_PF_SENDS_GROUPS | TLSD_PF_SENDS_SIGALGS);
    if (ch->scsv || ch->has_renegotiation_info)
        p->flags |= TLSD_PF_SENDS_RENEG_INFO;
    if (ch->has_groups)
        p->flags |= TLSD_PF_SENDS_GROUPS;
    if (ch->has_sigalgs)
        p->flags |= TLSD_PF_SENDS_SIGALGS;
    if (ch->server_name && !valid_host_name(ch->server_name))
        p->flags |= TLSD_PF_SNI_INVALID;
    p->side = TLSD_SIDE_CLIENT;
}

int tlsd_profile_from_hello(const uint8_t *rec, size_t len, struct tlsd_profile *p,
                            struct tlsd_profile_err *err)
{
    struct tlsd_client_hello ch;
    struct tlsd_err e = {0};
    memset(&ch, 0, sizeof ch);
    enum tlsd_cerr rc = tlsd_client_hello_parse_records(rec, len, &ch, &e);
    if (rc != TLSD_CERR_OK) {
        char msg[160];
        tlsd_err_format(&e, msg, sizeof msg);
        snprintf(err->msg, sizeof err->msg, "ClientHello: %s", msg);
        tlsd_client_hello_free(&ch);
        return -1;
    }
    hello_to_profile(&ch, p);
    tlsd_client_hello_free(&ch);
    return 0;
}

void tlsd_profile_from_client_hello(const struct tlsd_client_hello *ch, struct tlsd_profile *p)
{
    tlsd_profile_init(p, TLSD_SIDE_CLIENT);
    hello_to_profile(ch, p);
}
