/* The ClientHellos of the scan's probes and the lists they offer (groups, signature
 * schemes, a version's suites): below the enumerations and the scan steps that both
 * build hellos. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/codes_internal.h"
#include "scan/scan_engine.h"
#include "tlsdiag/fingerprint.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/scan.h"

/* ---- hellos -------------------------------------------------------------- */

/* Every group fit for the version, the common modern ones first (so that a
 * server honouring the client's order uses what real clients get). */
uint16_t *scan_all_groups(uint16_t version, size_t *n)
{
    static const uint16_t first[] = {TLSD_GROUP_X25519, TLSD_GROUP_SECP256R1, TLSD_GROUP_X448,
                                     TLSD_GROUP_SECP384R1, TLSD_GROUP_SECP521R1};
    uint16_t *g = malloc(tlsd_group_count() * sizeof *g);
    size_t k = 0;
    for (size_t i = 0; g && i < sizeof first / sizeof first[0]; i++)
        g[k++] = first[i];
    for (size_t i = 0; g && i < tlsd_group_count(); i++) {
        const struct tlsd_group *x = tlsd_group_at(i);
        bool ok = x->kind != TLSD_GROUP_KIND_EXPLICIT;
        if (version >= TLSD_VERSION_TLS1_3) /* RFC 8446 4.2.7 (the registry's tls13 column) */
            ok = ok && x->tls13;
        for (size_t j = 0; j < sizeof first / sizeof first[0]; j++)
            ok = ok && x->code != first[j];
        if (ok)
            g[k++] = x->code;
    }
    *n = k;
    return g;
}

uint16_t *scan_all_sigalgs(size_t *n)
{
    uint16_t *v = malloc(tlsd_sigscheme_count() * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < tlsd_sigscheme_count(); i++)
        v[k++] = tlsd_sigscheme_at(i)->code;
    *n = k;
    return v;
}

/* Builds the records of a ClientHello for a probe: every extension a current client
 * sends, so that a server answers as it answers real clients; an SSL 3.0 probe plain. */
int scan_build_hello(struct tscan *t, const struct hello_opts *h, uint8_t **rec, size_t *len)
{
    static const uint16_t v13[] = {TLSD_VERSION_TLS1_3};
    static const uint8_t pf[] = {0, 1, 2};
    static const uint8_t comp_deflate[] = {1, 0};
    static const struct tlsd_key_share_spec shares[] = {{.group = TLSD_GROUP_X25519},
                                                        {.group = TLSD_GROUP_SECP256R1}};
    static const char *const alpn[] = {"h2", "http/1.1"};
    static const uint8_t hb_allowed[] = {1}; /* peer_allowed_to_send (RFC 6520 2) */
    static const struct tlsd_raw_ext hb = {TLSD_EXT_HEARTBEAT, hb_allowed, sizeof hb_allowed};
    struct tlsd_key_share_spec one = {.group = h->share_group}; /* lives until the build */
    size_t ng = 0, ns = 0;
    uint16_t *groups = h->groups ? NULL : scan_all_groups(h->version, &ng);
    uint16_t *sig = h->sigalgs ? NULL : scan_all_sigalgs(&ns);
    bool tls10 = h->version >= TLSD_VERSION_TLS1_0, tls13 = h->version >= TLSD_VERSION_TLS1_3;
    bool heartbeat = h->heartbeat && tls10 && !tls13;
    struct tlsd_hello_offer o = {
        .max_version = h->version,
        .versions = {v13, 1, tls13},
        .suites = h->suites,
        .n_suites = h->n_suites,
        .compression = {comp_deflate, h->compression ? 2 : 0, h->compression},
        .server_name = h->no_sni ? NULL
                       : h->sni  ? h->sni
                                 : t->sni,
        .groups = {h->groups ? h->groups : groups, h->groups ? h->n_groups : ng, !h->no_groups},
        .ec_point_formats = {pf, 3, true},
        .sigalgs = {h->sigalgs ? h->sigalgs : sig, h->sigalgs ? h->n_sigalgs : ns, true},
        .key_shares = h->no_key_shares ? NULL
                      : h->share_group ? &one
                                       : shares,
        .n_key_shares = h->no_key_shares ? 0
                        : h->share_group ? 1
                                         : 2,
        .compat_session_id = true,
        .reneg_scsv = !h->no_reneg_scsv && tls10,
        .fallback_scsv = h->fallback_scsv && tls10,
        .extended_master_secret = true,
        .encrypt_then_mac = true,
        .session_ticket = true,
        .status_request = true,
        .alpn = alpn,
        .n_alpn = 2,
        .extra = heartbeat ? &hb : NULL,
        .n_extra = heartbeat ? 1 : 0,
        .pad_to = h->pad_to,
    };
    struct tlsd_hello_spec sp;
    tlsd_hello_spec_offer(&o, &sp);
    enum tlsd_cerr e = tlsd_hello_build(&sp, NULL, NULL, rec, len);
    free(groups);
    free(sig);
    return e == TLSD_CERR_OK ? 0 : -1;
}

/* Suites of the registry that can be negotiated at version v (SCSVs aside), as a copy
 * the caller frees; the list is made once per scan and version (probes ask for it). */
uint32_t *scan_suites_for(struct scan *sc, uint16_t v, size_t *n)
{
    int vi = tlsd_proto_of_code(v);
    if (vi < 0)
        vi = TLSD_PROTO_TLS13; /* as before: the last slot for a code that is none */
    if (!sc->suites[vi]) {
        uint32_t *all = malloc(tlsd_suite_count() * sizeof *all);
        size_t k = 0;
        for (size_t i = 0; all && i < tlsd_suite_count(); i++) {
            const struct tlsd_suite *s = tlsd_suite_at(i);
            if (s->status == TLSD_STATUS_SCSV || !tlsd_suite_usable_at(s, v))
                continue;
            all[k++] = s->code;
        }
        sc->suites[vi] = all;
        sc->n_suites[vi] = k;
    }
    *n = 0;
    uint32_t *out = sc->suites[vi] ? malloc((sc->n_suites[vi] + 1) * sizeof *out) : NULL;
    if (out) {
        memcpy(out, sc->suites[vi], sc->n_suites[vi] * sizeof *out);
        *n = sc->n_suites[vi];
    }
    return out;
}
