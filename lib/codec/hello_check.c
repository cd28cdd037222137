/* A ServerHello checked against the ClientHello it answers (hello_check.h). */
#include "tlsdiag/hello_check.h"

#include <stdint.h>
#include <stdio.h>

#include <openssl/prov_ssl.h>

#include "registry/codes_internal.h"
#include "tlsdiag/registry.h"

/* RFC 8446 4.2.1: with supported_versions the choice must be one of the list; without
 * it (and for a TLS <= 1.2 answer to such a hello) it must lie in the offered range. */
static bool version_offered(const struct tlsd_client_hello *ch, const struct tlsd_server_hello *sh)
{
    if (sh->has_supported_version)
        return ch->has_versions && tlsd_has_u16(ch->versions, ch->n_versions, sh->version);
    if (ch->has_versions && sh->version >= TLS1_2_VERSION)
        return tlsd_has_u16(ch->versions, ch->n_versions, sh->version);
    uint16_t lo, hi;
    tlsd_client_hello_versions(ch, &lo, &hi);
    return sh->version >= lo && sh->version <= hi;
}

static bool share_sent(const struct tlsd_client_hello *ch, uint16_t group)
{
    for (size_t i = 0; i < ch->n_key_shares; i++)
        if (ch->key_shares[i].group == group)
            return true;
    return false;
}

static bool key_share_legal(const struct tlsd_client_hello *ch, const struct tlsd_server_hello *sh,
                            char *why, size_t whylen)
{
    if (!sh->has_key_share)
        return true;
    const struct tlsd_group *g = tlsd_group_by_code(sh->key_share_group);
    const char *name = g ? g->name : "an unknown group";
    if (sh->is_hrr) { /* RFC 8446 4.2.8: a group the client supports but sent no share for */
        if (!tlsd_has_u16(ch->groups, ch->n_groups, sh->key_share_group))
            return snprintf(why, whylen,
                            "asked for a key share of %s, which the hello's "
                            "supported_groups do not list",
                            name),
                   false;
        if (share_sent(ch, sh->key_share_group))
            return snprintf(why, whylen,
                            "asked for a key share of %s, which the hello already "
                            "sent",
                            name),
                   false;
        return true;
    }
    if (!share_sent(ch, sh->key_share_group))
        return snprintf(why, whylen,
                        "answered with a key share of %s, for which the hello "
                        "sent none",
                        name),
               false;
    return true;
}

bool tlsd_server_hello_legal(const struct tlsd_client_hello *ch, const struct tlsd_server_hello *sh,
                             char *why, size_t whylen)
{
    char v[16];
    if (!version_offered(ch, sh))
        return snprintf(why, whylen, "chose %s, which the hello did not offer",
                        tlsd_version_str(sh->version, v)),
               false;
    if (!tlsd_has_u32(ch->suites, ch->n_suites, sh->suite)) {
        char code[12];
        const struct tlsd_suite *s = tlsd_suite_by_code(sh->suite);
        return snprintf(why, whylen, "chose the suite %s (%s), which the hello did not offer",
                        s ? s->iana_name : "unknown", tlsd_suite_code_str(sh->suite, code)),
               false;
    }
    bool comp = false;
    for (size_t i = 0; i < ch->n_compression; i++)
        comp |= ch->compression[i] == sh->compression;
    if (!comp && ch->format != TLSD_HELLO_SSL2)
        return snprintf(why, whylen,
                        "chose compression method %u, which the hello did not "
                        "offer",
                        (unsigned)sh->compression),
               false;
    return key_share_legal(ch, sh, why, whylen);
}
