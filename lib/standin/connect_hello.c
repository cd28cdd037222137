/* The ClientHello another client would send, for `tlsdiag connect --as`: its captured
 * bytes when the profile carries them (the testssl profiles keep each client's real
 * hello), else a hello built with the codec from the profile (hello_build.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/profile_internal.h"
#include "tlsdiag/connect.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/registry.h"

/* The value of a "client_hello = HEX" line, or NULL. */
static const char *hello_line(const char *text, size_t *len)
{
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        while (*l == ' ' || *l == '\t')
            l++;
        if (strncasecmp(l, "client_hello", 12) != 0)
            continue;
        const char *v = l + 12;
        v += strspn(v, " \t");
        if (*v != '=')
            continue;
        v += 1 + strspn(v + 1, " \t");
        *len = strcspn(v, "\r\n#");
        return v;
    }
    return NULL;
}

/* The captured hello of a spec, when it has one: 1 found, 0 none, -1 error. */
static int captured_hello(const char *spec, uint8_t **rec, size_t *len,
                          struct tlsd_profile_err *err)
{
    /* the same built-in tlsd_profile_load took (builtin:NAME, or NAME before a file) */
    const struct tlsd_builtin_profile *b = tlsd_profile_spec_builtin(spec);
    char *owned = NULL;
    const char *text = NULL, *hex;
    size_t tlen = 0, hlen = 0;
    if (strncasecmp(spec, "hex:", 4) == 0) {
        hex = spec + 4;
        hlen = strlen(hex);
        return tlsd_profile_hex_decode(hex, hlen, rec, len) == 0 ? 1 : -1;
    }
    if (b)
        text = b->text;
    else if (strchr(spec, '\n') == NULL && strncasecmp(spec, "list:", 5) != 0)
        text = owned = tlsd_profile_read_file(strncasecmp(spec, "file:", 5) == 0 ? spec + 5 : spec,
                                              &tlen, err);
    if (!text)
        return 0;
    int rc = 0;
    if ((hex = hello_line(text, &hlen)) != NULL)
        rc = tlsd_profile_hex_decode(hex, hlen, rec, len) == 0 ? 1 : -1;
    else if (tlsd_profile_detect(text, strlen(text)) == TLSD_PROFILE_HEX)
        rc = tlsd_profile_hex_decode(text, strlen(text), rec, len) == 0 ? 1 : -1;
    free(owned);
    if (rc < 0)
        snprintf(err->msg, sizeof err->msg, "%s: the ClientHello is not valid hex", spec);
    return rc;
}

static bool has_ecc_suite(const struct tlsd_profile *p)
{
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(p->suites[i]);
        if (s && ((s->kx_flags & TLSD_KXF_EC) || s->kx == TLSD_KX_ANY))
            return true;
    }
    return false;
}

/* The profile's offer: supported_versions lists every version, highest first (RFC 8446
 * 4.2.1); the rules of the hello itself are tlsd_hello_spec_offer's. */
static int build_hello(const struct tlsd_profile *p, const char *sni, uint8_t **rec, size_t *len,
                       struct tlsd_profile_err *err)
{
    static const uint8_t null_comp[] = {0}, uncompressed[] = {0};
    uint16_t versions[TLSD_PROTO_COUNT];
    size_t nv = 0;
    for (unsigned bit = TLSD_V_TLS13; bit >= TLSD_V_SSL3; bit >>= 1)
        if (p->versions & bit)
            versions[nv++] = tlsd_version_of_bit(bit);
    uint16_t hi = tlsd_versions_max(p->versions);
    bool t13 = (p->versions & TLSD_V_TLS13) && p->supported_versions_ext;
    /* SSLv2 cipher kinds (24-bit) have no place in a TLS hello (an SSLv2-only client
     * sends SSLv2's CLIENT-HELLO, which carries both). */
    uint32_t suites[TLSD_PROFILE_MAX_SUITES];
    size_t ns = 0;
    for (size_t i = 0; i < p->n_suites; i++)
        if (p->suites[i] <= 0xffff || hi == TLSD_VERSION_SSL2)
            suites[ns++] = p->suites[i];
    struct tlsd_key_share_spec shares[TLSD_PROFILE_MAX_GROUPS];
    for (size_t i = 0; i < p->n_key_shares; i++)
        shares[i] = (struct tlsd_key_share_spec){.group = p->key_shares[i]};
    bool groups = (p->flags & TLSD_PF_SENDS_GROUPS) && (t13 || has_ecc_suite(p));
    struct tlsd_hello_offer o = {
        .max_version = hi,
        .versions = {versions, t13 ? nv : 0, t13},
        .suites = suites,
        .n_suites = ns,
        .compression = {null_comp, 1, true},
        .server_name = sni && !tlsd_host_is_ip(sni) ? sni : NULL,
        .groups = {p->groups, groups ? p->n_groups : 0, groups},
        .ec_point_formats = {uncompressed, 1, groups},
        .sigalgs = {p->sigalgs, p->n_sigalgs, (p->flags & TLSD_PF_SENDS_SIGALGS) != 0},
        .key_shares = shares,
        .n_key_shares = p->n_key_shares,
        .reneg_info = (p->flags & TLSD_PF_SENDS_RENEG_INFO) &&
                      !tlsd_profile_has_suite(p, TLSD_SUITE_TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
        .extended_master_secret = hi >= TLSD_VERSION_TLS1_2,
    };
    struct tlsd_hello_spec s;
    tlsd_hello_spec_offer(&o, &s);
    enum tlsd_cerr rc = tlsd_hello_build(&s, NULL, NULL, rec, len);
    if (rc != TLSD_CERR_OK)
        return tlsd_profile_fail(err, "cannot build a ClientHello for %s: %s", p->name,
                                 tlsd_cerr_message(rc));
    return 0;
}

int tlsd_connect_hello_for(const char *spec, const char *sni, uint8_t **rec, size_t *len,
                           bool *captured, struct tlsd_profile *client,
                           struct tlsd_profile_err *err)
{
    *rec = NULL;
    if (tlsd_profile_load(spec, TLSD_SIDE_CLIENT, client, err) < 0)
        return -1;
    int rc = captured_hello(spec, rec, len, err);
    *captured = rc == 1;
    if (rc < 0)
        return -1;
    return rc == 1 ? 0 : build_hello(client, sni, rec, len, err);
}
