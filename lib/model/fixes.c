/* The fix search: every change to one side (a version, a suite, a group, a signature
 * scheme, a certificate) alone, then in combinations of up to TLSD_FIX_MAX_CHANGES
 * until a secure one is found; keep those whose predicted handshake succeeds. The
 * smallest secure fixes come first; a smaller change that gives a weaker connection
 * follows as a stopgap (its risk named by tlsd_fix_risk). */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "tlsdiag/dotnet.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/suitelist.h"
#include "windows/winreg_internal.h"

static enum tlsd_class outcome_class(const struct tlsd_outcome *o)
{
    const struct tlsd_version *v = tlsd_version_by_code(o->version);
    const struct tlsd_suite *s = tlsd_suite_by_code(o->suite);
    enum tlsd_class c = v ? v->cls : TLSD_CLASS_UNKNOWN;
    if (!s || s->cls < c)
        c = s ? s->cls : TLSD_CLASS_UNKNOWN;
    return c;
}

/* RFC 8446 4.2.7: a group a TLS 1.3 key share can use (the NIST curves, X25519, X448,
 * the FFDHE groups). */
static bool tls13_group(uint16_t g)
{
    return (g >= TLSD_GROUP_SECP256R1 && g <= TLSD_GROUP_SECP521R1) || g == TLSD_GROUP_X25519 ||
           g == TLSD_GROUP_X448 || (g >= TLSD_GROUP_FFDHE2048 && g <= TLSD_GROUP_FFDHE8192);
}

/* A client that starts sending supported_groups: its own groups, or the default
 * client's when it names none. */
static void client_sends_groups(struct tlsd_profile *p, const struct tlsd_profile *defaults)
{
    p->flags |= TLSD_PF_SENDS_GROUPS;
    if (!p->n_groups) {
        memcpy(p->groups, defaults->groups, sizeof p->groups);
        p->n_groups = defaults->n_groups;
    }
}

/* A client that gains TLS 1.2 sends signature_algorithms (RFC 5246 7.4.1.4.1: without
 * it the server assumes SHA-1, which OpenSSL 3 refuses at its default security level);
 * one that gains TLS 1.3 sends supported_versions, supported_groups and a key share
 * (RFC 8446 4.2.1, 9.2). */
static void client_gains(struct tlsd_profile *p, unsigned before)
{
    unsigned gained = p->versions & ~before;
    struct tlsd_profile d;
    tlsd_profile_init(&d, TLSD_SIDE_CLIENT);
    if ((gained & (TLSD_V_TLS12 | TLSD_V_TLS13)) && !(p->flags & TLSD_PF_SENDS_SIGALGS)) {
        p->flags |= TLSD_PF_SENDS_SIGALGS;
        if (!p->n_sigalgs) {
            memcpy(p->sigalgs, d.sigalgs, sizeof p->sigalgs);
            p->n_sigalgs = d.n_sigalgs;
        }
    }
    if (!(gained & TLSD_V_TLS13))
        return;
    p->supported_versions_ext = true;
    client_sends_groups(p, &d);
    if (!p->n_key_shares) {
        size_t i = 0;
        while (i < p->n_groups && !tls13_group(p->groups[i]))
            i++;
        if (i == p->n_groups && p->n_groups < TLSD_PROFILE_MAX_GROUPS)
            p->groups[p->n_groups++] = d.groups[0];
        p->key_shares[p->n_key_shares++] = p->groups[i];
    }
}

/* A .NET application: the Protocols keys change what Schannel's client offers by default
 * and may be asked for; the .NET change its own settings; the versions follow. */
static void dotnet_fix_apply(const struct tlsd_fix *f, struct tlsd_profile *p)
{
    struct tlsd_dotnet *d = &p->dotnet;
    d->os_default |= f->add_versions;
    d->os_supported |= f->add_versions;
    if (f->dotnet == TLSD_DOTNET_FIX_REGISTRY)
        d->registry |= f->dotnet_settings;
    else if (f->dotnet == TLSD_DOTNET_FIX_APPCONTEXT)
        d->appcontext |= f->dotnet_settings;
    else if (f->dotnet == TLSD_DOTNET_FIX_RETARGET)
        d->target = TLSD_DOTNET_FX47;
    tlsd_dotnet_apply(p);
}

void tlsd_fix_apply(const struct tlsd_fix *f, struct tlsd_profile *p)
{
    unsigned before = p->versions;
    if (p->dotnet.target != TLSD_DOTNET_NONE)
        dotnet_fix_apply(f, p);
    else
        p->versions |= f->add_versions;
    /* OpenSSL, GnuTLS and Java configure a range (min..max protocol), so enabling one
     * version enables those between it and the rest; Schannel switches each version
     * separately (SCHANNEL\Protocols registry keys). */
    if (f->add_versions && p->impl != TLSD_IMPL_SCHANNEL) {
        unsigned ranged = p->versions & ~(unsigned)TLSD_V_SSL2; /* no range reaches SSL 2.0 */
        uint16_t lo = tlsd_versions_min(ranged), hi = tlsd_versions_max(ranged);
        for (uint16_t v = lo; v && v <= hi; v++)
            p->versions |= tlsd_version_bit(v);
    }
    /* A secure suite goes to the top (the updated side prefers it); a weak one to the
     * bottom (used only when nothing better is common). */
    if (f->side == TLSD_SIDE_CLIENT)
        client_gains(p, before);
    for (size_t i = 0; i < f->n_add_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(f->add_suites[i]);
        bool top = st && st->cls >= TLSD_CLASS_SECURE && !tlsd_profile_has_suite(p, st->code);
        /* a client offering ECDHE sends supported_groups (RFC 8422 5.1; OpenSSL 3
         * refuses ECDHE without them) */
        if (f->side == TLSD_SIDE_CLIENT && st && st->kx == TLSD_KX_ECDHE &&
            !(p->flags & TLSD_PF_SENDS_GROUPS)) {
            struct tlsd_profile d;
            tlsd_profile_init(&d, TLSD_SIDE_CLIENT);
            client_sends_groups(p, &d);
        }
        if ((top ? tlsd_profile_insert_suite(p, 0, f->add_suites[i])
                 : tlsd_profile_add_suite(p, f->add_suites[i])) < 0)
            break; /* a full list cannot grow; the fix is then not predicted to work */
    }
    if (f->seclevel0)
        p->security_level = 0;
    if (f->add_group && !tlsd_profile_has_group(p, f->add_group) &&
        p->n_groups < TLSD_PROFILE_MAX_GROUPS)
        p->groups[p->n_groups++] = f->add_group;
    /* A certificate of a key type the side has replaces that one (OpenSSL holds one
     * certificate per key type); another type is added next to it. */
    if (f->add_cert.type != TLSD_KEY_NONE) {
        size_t i = 0;
        while (i < p->n_certs && p->certs[i].type != f->add_cert.type)
            i++;
        if (i < p->n_certs)
            p->certs[i] = f->add_cert;
        else if (p->n_certs < TLSD_PROFILE_MAX_CERTS)
            p->certs[p->n_certs++] = f->add_cert;
    }
    /* A client lists one more scheme; a server restricted to some TLS 1.3 schemes signs
     * with one more. */
    if (f->add_sigalg && f->side == TLSD_SIDE_CLIENT &&
        !tlsd_profile_has_sigalg(p, f->add_sigalg) && p->n_sigalgs < TLSD_PROFILE_MAX_SIGALGS)
        p->sigalgs[p->n_sigalgs++] = f->add_sigalg;
    if (f->add_sigalg && f->side == TLSD_SIDE_SERVER && p->n_sigalgs13 &&
        p->n_sigalgs13 < TLSD_PROFILE_MAX_SIGALGS)
        p->sigalgs13[p->n_sigalgs13++] = f->add_sigalg;
    /* a suite added to a .NET client that passes SCH_USE_STRONG_CRYPTO is filtered too */
    if (p->dotnet.target != TLSD_DOTNET_NONE)
        tlsd_dotnet_apply(p);
}

struct search {
    const struct tlsd_profile *client, *server;
    enum tlsd_side side;
    struct tlsd_fix *v;
    size_t n, cap;
    int oom;
};

static enum tlsd_class added_class(const struct tlsd_fix *f);

/* A server fix that turns on a TLS 1.0/1.1 or a weak suite on an OpenSSL 3 server at its
 * default level is written with @SECLEVEL=0 (fix_render.c): it brings level 0 along
 * without counting as a change of its own (changed then at level 0). */
static bool implies_seclevel0(const struct search *s, const struct tlsd_fix *f,
                              struct tlsd_profile *changed)
{
    if (s->side != TLSD_SIDE_SERVER || f->seclevel0 || changed->impl != TLSD_IMPL_OPENSSL ||
        changed->security_level < 1 || strstr(changed->cipher_string, "@SECLEVEL") ||
        added_class(f) >= TLSD_CLASS_SECURE)
        return false;
    changed->security_level = 0;
    return true;
}

static void try_fix(struct search *s, struct tlsd_fix *f)
{
    f->side = s->side;
    struct tlsd_profile changed = s->side == TLSD_SIDE_SERVER ? *s->server : *s->client;
    unsigned before = changed.versions;
    tlsd_fix_apply(f, &changed);
    f->versions_added = changed.versions & ~before;
    f->versions_after = changed.versions;
    const struct tlsd_profile *c = s->side == TLSD_SIDE_CLIENT ? &changed : s->client;
    const struct tlsd_profile *sv = s->side == TLSD_SIDE_SERVER ? &changed : s->server;
    tlsd_negotiate(c, sv, &f->after);
    if (!f->after.ok && implies_seclevel0(s, f, &changed)) {
        f->seclevel0 = true;
        tlsd_negotiate(c, &changed, &f->after);
    }
    if (!f->after.ok)
        return;
    f->cls = outcome_class(&f->after);
    f->stopgap = f->cls < TLSD_CLASS_SECURE;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        struct tlsd_fix *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv) {
            s->oom = 1;
            return;
        }
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = *f;
}

/* The side renders its fix as OpenSSL configuration (s_server, nginx, Apache): an
 * OpenSSL server or one of unknown make. */
static bool speaks_openssl(const struct tlsd_profile *self, enum tlsd_side side)
{
    return self->impl == TLSD_IMPL_OPENSSL ||
           (self->impl == TLSD_IMPL_GENERIC && side == TLSD_SIDE_SERVER);
}

/* Candidate suites: what the other side has and this side lacks, and can run.
 * Only registered (IANA) suites: nobody should turn on a draft or vendor code point.
 * Windows can only enable suites it has a name for; OpenSSL only those the local libssl
 * builds with its default provider (no RC4, 3DES or SSLv3 in OpenSSL 3); GnuTLS only
 * those it names (the registry's GnuTLS column, from the local gnutls-cli). */
/* A suite a certificate configuration serves: no PSK, SRP, Kerberos or anonymous key
 * exchange (each needs credentials or gives up authentication), no static DH or
 * export. */
static bool certificate_suite(const struct tlsd_suite *st)
{
    bool kx = st->kx == TLSD_KX_RSA || st->kx == TLSD_KX_DHE || st->kx == TLSD_KX_ECDHE ||
              st->kx == TLSD_KX_ANY;
    bool auth = st->auth == TLSD_AUTH_RSA || st->auth == TLSD_AUTH_ECDSA ||
                st->auth == TLSD_AUTH_DSS || st->auth == TLSD_AUTH_ANY;
    return kx && auth;
}

static const struct tlsd_windows_support *windows_of(const struct tlsd_profile *self)
{
    return tlsd_windows_support_of_side(self);
}

/* The versions a side can be set to run (TLSD_V_*): all, unless its release says less. */
static unsigned possible_versions(const struct tlsd_profile *self, enum tlsd_side side)
{
    const struct tlsd_windows_support *ws = windows_of(self);
    if (!ws)
        return ~0u;
    return side == TLSD_SIDE_CLIENT ? ws->versions_supported_client : ws->versions_supported_server;
}

static bool candidate_suite(const struct tlsd_profile *self, enum tlsd_side side, uint32_t code)
{
    const struct tlsd_suite *st = tlsd_suite_by_code(code);
    const struct tlsd_windows_support *ws = windows_of(self);
    return st && st->status == TLSD_STATUS_IANA && !tlsd_suite_is_sslv2(st) &&
           certificate_suite(st) && !tlsd_profile_has_suite(self, code) &&
           (self->impl != TLSD_IMPL_SCHANNEL || st->windows_name != NULL) &&
           (!ws || tlsd_windows_support_has_suite(ws, code)) &&
           (!speaks_openssl(self, side) || tlsd_openssl_knows(code)) &&
           (self->impl != TLSD_IMPL_GNUTLS || st->gnutls_name != NULL);
}

/* A group worth enabling: not weak (no binary or sub-256-bit curve; OpenSSL 3 refuses
 * them at its default security level), one the side's implementation names, and on
 * Windows one its release has (no X25519 before Windows 10). */
static bool candidate_group(const struct tlsd_profile *self, enum tlsd_side side, uint16_t code)
{
    const struct tlsd_group *g = tlsd_group_by_code(code);
    const struct tlsd_windows_support *ws = windows_of(self);
    return g && g->cls >= TLSD_CLASS_SECURE && !tlsd_profile_has_group(self, code) &&
           (!ws || tlsd_windows_support_has_group(ws, code)) &&
           (!speaks_openssl(self, side) || g->openssl_name != NULL) &&
           (self->impl != TLSD_IMPL_GNUTLS || g->gnutls_name != NULL) &&
           (self->impl != TLSD_IMPL_SCHANNEL || g->windows_name != NULL);
}

/* SSL 2.0 and 3.0 are never advice (RFC 6176, RFC 7568); neither OpenSSL 1.1+ nor
 * GnuTLS 3.7 builds SSLv3 anyway. */
static bool candidate_version(unsigned bit)
{
    return bit > TLSD_V_SSL3;
}

/* The worst class among the versions and suites a fix turns on. */
static enum tlsd_class added_class(const struct tlsd_fix *f)
{
    enum tlsd_class c = TLSD_CLASS_RECOMMENDED;
    for (unsigned b = TLSD_V_SSL3; b <= TLSD_V_TLS13; b <<= 1) {
        const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(b));
        if (((f->add_versions | f->versions_added) & b) && v && v->cls < c)
            c = v->cls;
    }
    for (size_t i = 0; i < f->n_add_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(f->add_suites[i]);
        if (s && s->cls < c)
            c = s->cls;
    }
    return f->seclevel0 && c > TLSD_CLASS_WEAK ? TLSD_CLASS_WEAK : c;
}

/* Certificates a server may add: an ECDSA key on each curve TLS clients commonly
 * accept, an RSA key; one it already has (same type and curve) is no change. */
static const struct tlsd_cert_key extra_certs[] = {{TLSD_KEY_ECDSA, 0, TLSD_GROUP_SECP256R1},
                                                   {TLSD_KEY_ECDSA, 0, TLSD_GROUP_SECP384R1},
                                                   {TLSD_KEY_RSA, TLSD_CERT_BITS_DEFAULT, 0}};

static bool has_cert(const struct tlsd_profile *p, const struct tlsd_cert_key *k)
{
    for (size_t i = 0; i < p->n_certs; i++)
        if (p->certs[i].type == k->type && (!k->curve || p->certs[i].curve == k->curve))
            return true;
    return false;
}

/* The TLS 1.3 signature scheme a certificate key signs with; 0 for none. */
static uint16_t tls13_scheme_for(const struct tlsd_cert_key *k)
{
    static const struct {
        enum tlsd_key_type type;
        uint16_t curve, scheme;
    } schemes[] = {{TLSD_KEY_RSA, 0, TLSD_SIGSCHEME_RSA_PSS_RSAE_SHA256},
                   {TLSD_KEY_ECDSA, TLSD_GROUP_SECP256R1, TLSD_SIGSCHEME_ECDSA_SECP256R1_SHA256},
                   {TLSD_KEY_ECDSA, TLSD_GROUP_SECP384R1, TLSD_SIGSCHEME_ECDSA_SECP384R1_SHA384},
                   {TLSD_KEY_ECDSA, TLSD_GROUP_SECP521R1, TLSD_SIGSCHEME_ECDSA_SECP521R1_SHA512},
                   {TLSD_KEY_ED25519, 0, TLSD_SIGSCHEME_ED25519},
                   {TLSD_KEY_ED448, 0, TLSD_SIGSCHEME_ED448}};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (k->type == schemes[i].type && k->curve == schemes[i].curve)
            return schemes[i].scheme;
    return 0;
}

/* The .NET changes worth trying on a .NET client: each setting (and both, as Microsoft's
 * .reg sets them) in the registry and, on the 4.x runtime, as AppContext switches; a
 * retarget to 4.8 for an application that targets an older framework. */
static size_t dotnet_candidates(const struct tlsd_profile *self, struct tlsd_fix *v, size_t max)
{
    static const unsigned sets[] = {
        TLSD_DOTNET_SCH_USE_STRONG_CRYPTO | TLSD_DOTNET_SYSTEM_DEFAULT_TLS,
        TLSD_DOTNET_SCH_USE_STRONG_CRYPTO, TLSD_DOTNET_SYSTEM_DEFAULT_TLS};
    const struct tlsd_dotnet *d = &self->dotnet;
    size_t n = 0;
    if (d->target == TLSD_DOTNET_NONE || d->target >= TLSD_DOTNET_FX47)
        return 0;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0] && n + 2 <= max; i++) {
        if ((d->registry & sets[i]) != sets[i])
            v[n++] = (struct tlsd_fix){
                .dotnet = TLSD_DOTNET_FIX_REGISTRY, .dotnet_settings = sets[i], .n_changes = 1};
        if (tlsd_dotnet_has_appcontext(d) && (d->appcontext & sets[i]) != sets[i])
            v[n++] = (struct tlsd_fix){
                .dotnet = TLSD_DOTNET_FIX_APPCONTEXT, .dotnet_settings = sets[i], .n_changes = 1};
    }
    if (n < max)
        v[n++] = (struct tlsd_fix){.dotnet = TLSD_DOTNET_FIX_RETARGET, .n_changes = 1};
    return n;
}

/* Every single change worth trying on self: a version, suite or group the other side
 * has, and (server side) a certificate of another key type or curve. */
static size_t candidates(const struct tlsd_profile *self, const struct tlsd_profile *other,
                         enum tlsd_side side, struct tlsd_fix *v, size_t max)
{
    size_t n = side == TLSD_SIDE_CLIENT ? dotnet_candidates(self, v, max) : 0;
    /* a .NET client's Protocols keys count even for a version it offers now: they are what
     * SystemDefault gives after a .NET change */
    unsigned have =
        self->dotnet.target != TLSD_DOTNET_NONE ? self->dotnet.os_default : self->versions;
    unsigned possible = possible_versions(self, side);
    for (unsigned b = TLSD_V_SSL3; b <= TLSD_V_TLS13 && n < max; b <<= 1)
        if ((other->versions & b) && !(have & b) && (possible & b) && candidate_version(b))
            v[n++] = (struct tlsd_fix){.add_versions = b, .n_changes = 1};
    for (size_t i = 0; i < other->n_suites && n < max; i++)
        if (candidate_suite(self, side, other->suites[i]))
            v[n++] = (struct tlsd_fix){
                .add_suites = {other->suites[i]}, .n_add_suites = 1, .n_changes = 1};
    for (size_t i = 0; i < other->n_groups && n < max; i++)
        if (candidate_group(self, side, other->groups[i]))
            v[n++] = (struct tlsd_fix){.add_group = other->groups[i], .n_changes = 1};
    /* Signature schemes: a client may list one a restricted server signs with; such a
     * server may sign with one the client lists. Not Schannel, either side: it picks TLS
     * 1.3 schemes itself, and no setting a fix could show lists a client's. */
    bool sig_client = side == TLSD_SIDE_CLIENT && self->impl != TLSD_IMPL_SCHANNEL;
    for (size_t i = 0; sig_client && i < other->n_sigalgs13 && n < max; i++)
        if (!tlsd_profile_has_sigalg(self, other->sigalgs13[i]))
            v[n++] = (struct tlsd_fix){.add_sigalg = other->sigalgs13[i], .n_changes = 1};
    /* A client may list the TLS 1.3 scheme of a server key it lacks (RFC 8446 4.2.3:
     * rsa_pss_rsae_sha256 for RSA, the curve's ECDSA scheme, ed25519, ed448). */
    for (size_t i = 0; sig_client && i < other->n_certs && n < max; i++) {
        uint16_t x = tls13_scheme_for(&other->certs[i]);
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= v[k].add_sigalg == x;
        if (x && !dup && !tlsd_profile_has_sigalg(self, x) && tlsd_profile_signs13(other, x))
            v[n++] = (struct tlsd_fix){.add_sigalg = x, .n_changes = 1};
    }
    for (size_t i = 0; side == TLSD_SIDE_SERVER && self->n_sigalgs13 &&
                       self->impl != TLSD_IMPL_SCHANNEL && i < other->n_sigalgs && n < max;
         i++) {
        const struct tlsd_sigscheme *x = tlsd_sigscheme_by_code(other->sigalgs[i]);
        if (x && x->tls13 && !tlsd_profile_signs13(self, x->code))
            v[n++] = (struct tlsd_fix){.add_sigalg = x->code, .n_changes = 1};
    }
    /* OpenSSL 3 at its default security level: level 0 (the cipher string names none, so
     * the fix can append @SECLEVEL=0 to it). */
    if (side == TLSD_SIDE_SERVER && self->impl == TLSD_IMPL_OPENSSL && self->security_level >= 1 &&
        !strstr(self->cipher_string, "@SECLEVEL") && n < max)
        v[n++] = (struct tlsd_fix){.seclevel0 = true, .n_changes = 1};
    for (size_t i = 0;
         side == TLSD_SIDE_SERVER && i < sizeof extra_certs / sizeof extra_certs[0] && n < max; i++)
        if (!has_cert(self, &extra_certs[i]))
            v[n++] = (struct tlsd_fix){.add_cert = extra_certs[i], .n_changes = 1};
    return n;
}

/* Adds single change b to fix a (a kind a does not change yet); false when a already
 * changes that kind. */
static bool combine(const struct tlsd_fix *a, const struct tlsd_fix *b, struct tlsd_fix *out)
{
    if ((a->add_versions && b->add_versions) || (a->n_add_suites && b->n_add_suites) ||
        (a->add_group && b->add_group) ||
        (a->add_cert.type != TLSD_KEY_NONE && b->add_cert.type != TLSD_KEY_NONE) ||
        (a->add_sigalg && b->add_sigalg) || (a->dotnet && b->dotnet) ||
        (a->seclevel0 && b->seclevel0))
        return false;
    *out = *a;
    if (b->dotnet) {
        out->dotnet = b->dotnet;
        out->dotnet_settings = b->dotnet_settings;
    }
    out->add_versions |= b->add_versions;
    if (b->n_add_suites) {
        memcpy(out->add_suites, b->add_suites, sizeof out->add_suites);
        out->n_add_suites = 1;
    }
    if (b->add_group)
        out->add_group = b->add_group;
    if (b->add_cert.type != TLSD_KEY_NONE)
        out->add_cert = b->add_cert;
    if (b->add_sigalg)
        out->add_sigalg = b->add_sigalg;
    out->seclevel0 |= b->seclevel0;
    out->n_changes = a->n_changes + 1;
    return true;
}

static bool any_fix(const struct search *s, bool secure_only)
{
    for (size_t i = 0; i < s->n; i++)
        if (!secure_only || !s->v[i].stopgap)
            return true;
    return false;
}

/* A change that can be part of a secure fix: it turns on nothing weak. */
static bool secure_part(const struct tlsd_fix *f)
{
    return added_class(f) >= TLSD_CLASS_SECURE;
}

/* Every combination of changes of different kinds, up to TLSD_FIX_MAX_CHANGES: single
 * changes first; two when no single change works at all (the smallest stopgap); then,
 * until a secure fix is found, two and three changes that each turn on nothing weak. */
static void search(struct search *s, const struct tlsd_profile *self,
                   const struct tlsd_profile *other)
{
    enum {
        MAX_CAND =
            TLSD_PROFILE_MAX_SUITES + TLSD_PROFILE_MAX_GROUPS + 2 * TLSD_PROFILE_MAX_SIGALGS + 24
    };
    struct tlsd_fix *cand = malloc(MAX_CAND * sizeof *cand);
    if (!cand) {
        s->oom = 1;
        return;
    }
    size_t n = candidates(self, other, s->side, cand, MAX_CAND);
    for (size_t i = 0; i < n; i++) {
        struct tlsd_fix f = cand[i];
        try_fix(s, &f);
    }
    bool pairs_done = false;
    if (!any_fix(s, false)) {
        for (size_t i = 0; i < n; i++)
            for (size_t k = i + 1; k < n; k++) {
                struct tlsd_fix f;
                if (combine(&cand[i], &cand[k], &f))
                    try_fix(s, &f);
            }
        pairs_done = true;
    }
    /* Only changes that add nothing weak can build a secure fix. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (secure_part(&cand[i]))
            cand[m++] = cand[i];
    if (!any_fix(s, true) && !pairs_done)
        for (size_t i = 0; i < m; i++)
            for (size_t k = i + 1; k < m; k++) {
                struct tlsd_fix f;
                if (combine(&cand[i], &cand[k], &f))
                    try_fix(s, &f);
            }
    for (size_t i = 0; i < m && !any_fix(s, true) && !s->oom; i++)
        for (size_t k = i + 1; k < m; k++) {
            struct tlsd_fix ab;
            if (!combine(&cand[i], &cand[k], &ab))
                continue;
            for (size_t j = k + 1; j < m; j++) {
                struct tlsd_fix f;
                if (combine(&ab, &cand[j], &f) && f.n_changes <= TLSD_FIX_MAX_CHANGES)
                    try_fix(s, &f);
            }
        }
    free(cand);
}

static size_t client_pos(const struct tlsd_profile *c, uint32_t suite)
{
    for (size_t i = 0; i < c->n_suites; i++)
        if (c->suites[i] == suite)
            return i;
    return c->n_suites;
}

static int bit_count(unsigned v)
{
    return __builtin_popcount(v);
}

/* The weaknesses the registry names for a weak suite ("no forward secrecy; CBC mode"). */
static int weaknesses(const struct tlsd_suite *st)
{
    if (st->cls >= TLSD_CLASS_SECURE)
        return 0;
    int n = 1;
    for (const char *c = st->class_reason; *c; c++)
        n += *c == ';';
    return n;
}

/* The settings a fix touches, counted as an administrator edits them: a security level the
 * fix brings along (implies_seclevel0) is one more line in the configuration even though the
 * search does not count it as a change. */
static size_t parts(const struct tlsd_fix *f)
{
    return (f->add_versions != 0) + (f->n_add_suites != 0) + (f->add_group != 0) +
           (f->add_sigalg != 0) + (f->add_cert.type != TLSD_KEY_NONE) + (f->dotnet != 0) +
           (f->seclevel0 ? 1 : 0);
}

/* a's settings are a strict part of b's: b changes all a changes, and more. */
static bool strict_part(const struct tlsd_fix *a, const struct tlsd_fix *b)
{
    if (parts(a) >= parts(b) ||
        (a->dotnet && (a->dotnet != b->dotnet || a->dotnet_settings != b->dotnet_settings)))
        return false;
    if ((a->add_versions & b->add_versions) != a->add_versions ||
        (a->add_group && a->add_group != b->add_group) ||
        (a->add_sigalg && a->add_sigalg != b->add_sigalg) || (a->seclevel0 && !b->seclevel0) ||
        (a->add_cert.type != TLSD_KEY_NONE &&
         (a->add_cert.type != b->add_cert.type || a->add_cert.bits != b->add_cert.bits ||
          a->add_cert.curve != b->add_cert.curve)))
        return false;
    for (size_t i = 0; i < a->n_add_suites; i++) {
        bool found = false;
        for (size_t k = 0; k < b->n_add_suites && !found; k++)
            found = a->add_suites[i] == b->add_suites[k];
        if (!found)
            return false;
    }
    return true;
}

/* A .NET application's fixes as an expert orders them: the registry values (both, as
 * Microsoft's .reg sets them, then each alone), an OS Protocols key, the AppContext
 * switches, a retarget. */
static int dotnet_rank(const struct tlsd_fix *f)
{
    int settings =
        f->dotnet_settings == (TLSD_DOTNET_SCH_USE_STRONG_CRYPTO | TLSD_DOTNET_SYSTEM_DEFAULT_TLS)
            ? 0
        : f->dotnet_settings == TLSD_DOTNET_SCH_USE_STRONG_CRYPTO ? 1
                                                                  : 2;
    switch (f->dotnet) {
    case TLSD_DOTNET_FIX_REGISTRY:
        return settings;
    case TLSD_DOTNET_FIX_NONE:
        return 3;
    case TLSD_DOTNET_FIX_APPCONTEXT:
        return 4 + settings;
    default:
        return 7;
    }
}

/* Secure fixes before stopgaps; then fewest changes (then fewest settings touched), a .NET
 * application's own order, the fewest versions turned on (a range-configured side enables what lies
 * between), the better connection, nothing weaker turned on, the client's own preference. */
static int cmp_fix(const void *pa, const void *pb, void *ctx)
{
    const struct tlsd_fix *a = pa, *b = pb;
    const struct tlsd_profile *rank_client = ctx;
    if (a->stopgap != b->stopgap)
        return a->stopgap ? 1 : -1;
    if (a->n_changes != b->n_changes)
        return a->n_changes < b->n_changes ? -1 : 1;
    size_t ra = parts(a), rb = parts(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    int da = dotnet_rank(a), db = dotnet_rank(b);
    if (da != db)
        return da < db ? -1 : 1;
    int va = bit_count(a->versions_added), vb = bit_count(b->versions_added);
    if (va != vb)
        return va < vb ? -1 : 1;
    if (a->cls != b->cls)
        return a->cls > b->cls ? -1 : 1;
    enum tlsd_class ca = added_class(a), cb = added_class(b);
    if (ca != cb)
        return ca > cb ? -1 : 1;
    size_t pa_ = client_pos(rank_client, a->after.suite),
           pb_ = client_pos(rank_client, b->after.suite);
    if (pa_ != pb_)
        return pa_ < pb_ ? -1 : 1;
    /* Ties: fewer weaknesses named by the registry (forward secrecy before RSA key
     * exchange), then the suite most widely implemented (the smaller key: AES-128-GCM is the one
     * every TLS 1.2 stack has, RFC 9325 4.2), then by code, so the order is stable. */
    const struct tlsd_suite *sa = tlsd_suite_by_code(a->after.suite),
                            *sb = tlsd_suite_by_code(b->after.suite);
    if (sa && sb && sa->cls != sb->cls)
        return sa->cls > sb->cls ? -1 : 1;
    /* ECDHE before DHE: a DHE group's size is the server's choice (RFC 9325 4.1). */
    bool ea = sa && sa->kx == TLSD_KX_ECDHE, eb = sb && sb->kx == TLSD_KX_ECDHE;
    if (ea != eb)
        return ea ? -1 : 1;
    int wa = sa ? weaknesses(sa) : 0, wb = sb ? weaknesses(sb) : 0;
    if (wa != wb)
        return wa < wb ? -1 : 1;
    if (sa && sb && sa->bits != sb->bits)
        return sa->bits < sb->bits ? -1 : 1;
    if (a->after.suite != b->after.suite)
        return a->after.suite < b->after.suite ? -1 : 1;
    if (a->after.group != b->after.group)
        return a->after.group < b->after.group ? -1 : 1;
    return 0;
}

/* b does what a does with more: the same other changes and outcome, and its versions
 * include a's. */
static bool dominated(const struct tlsd_fix *a, const struct tlsd_fix *b)
{
    return a->dotnet == b->dotnet && a->dotnet_settings == b->dotnet_settings &&
           a->n_add_suites == b->n_add_suites &&
           (!a->n_add_suites || a->add_suites[0] == b->add_suites[0]) &&
           a->add_group == b->add_group && a->add_sigalg == b->add_sigalg &&
           a->add_cert.type == b->add_cert.type && a->add_cert.curve == b->add_cert.curve &&
           a->after.version == b->after.version && a->after.suite == b->after.suite &&
           a->after.group == b->after.group &&
           (a->versions_added & b->versions_added) == a->versions_added &&
           a->versions_added != b->versions_added;
}

/* A second registry (or AppContext) variant that also works adds nothing for the reader:
 * the first, best ranked one stands for its kind. */
static bool same_dotnet_kind(const struct tlsd_fix *a, const struct tlsd_fix *b)
{
    return a->dotnet && a->dotnet == b->dotnet && a->n_changes == b->n_changes &&
           a->add_versions == b->add_versions;
}

int tlsd_find_fixes(const struct tlsd_profile *client, const struct tlsd_profile *server,
                    enum tlsd_side side, size_t max, struct tlsd_fix_list *out)
{
    struct search s = {.client = client, .server = server, .side = side};
    const struct tlsd_profile *self = side == TLSD_SIDE_SERVER ? server : client;
    const struct tlsd_profile *other = side == TLSD_SIDE_SERVER ? client : server;
    memset(out, 0, sizeof *out);
    unsigned possible = possible_versions(self, side);
    for (unsigned b = TLSD_V_SSL3; b <= TLSD_V_TLS13; b <<= 1)
        if ((other->versions & b) && !(self->versions & b) && !(possible & b) &&
            candidate_version(b))
            out->versions_impossible |= b;
    search(&s, self, other);
    if (s.oom) {
        free(s.v);
        return -1;
    }
    if (s.n > 1)
        tlsd_qsort_r(s.v, s.n, sizeof *s.v, cmp_fix, (void *)client);
    /* The secure fixes (the smallest: every one found has the fewest changes that give a
     * secure connection); then, when a smaller change works but is weaker, the smallest
     * of those as stopgaps (weak before insecure: insecure only when nothing weak works). */
    size_t n_secure = 0, min_secure = 0;
    bool any_weak = false;
    for (size_t i = 0; i < s.n; i++) {
        if (!s.v[i].stopgap && (!n_secure++ || s.v[i].n_changes < min_secure))
            min_secure = s.v[i].n_changes;
        any_weak |= s.v[i].cls >= TLSD_CLASS_WEAK;
    }
    size_t min_any = TLSD_FIX_MAX_CHANGES + 1;
    for (size_t i = 0; i < s.n; i++)
        if (s.v[i].stopgap && (!any_weak || s.v[i].cls >= TLSD_CLASS_WEAK) &&
            s.v[i].n_changes < min_any)
            min_any = s.v[i].n_changes;
    size_t shown_secure = n_secure < max ? n_secure : max;
    bool stopgap = min_any <= TLSD_FIX_MAX_CHANGES && (!n_secure || min_any < min_secure);
    if (stopgap && shown_secure == max && max > 1)
        shown_secure--; /* room for the stopgap */
    size_t max_stopgap = stopgap ? (max > shown_secure ? max - shown_secure : 0) : 0;
    size_t k = 0, k_stop = 0;
    for (size_t i = 0; i < s.n; i++) {
        struct tlsd_fix *f = &s.v[i];
        bool keep = f->stopgap ? k_stop < max_stopgap && f->n_changes == min_any &&
                                     (!any_weak || f->cls >= TLSD_CLASS_WEAK)
                               : k < shown_secure;
        /* A fix that is a shown one plus more settings, for no better connection, adds
         * nothing but risk ("enable X + @SECLEVEL=0" after "@SECLEVEL=0" alone). */
        for (size_t j = 0; keep && j < k + k_stop; j++)
            keep = !dominated(&s.v[j], f) && !same_dotnet_kind(&s.v[j], f) &&
                   !(strict_part(&s.v[j], f) && s.v[j].cls >= f->cls);
        if (!keep)
            continue;
        if (f->stopgap)
            k_stop++;
        else
            k++;
        s.v[k + k_stop - 1] = *f;
    }
    out->fixes = s.v;
    out->n = k + k_stop;
    out->only_insecure = n_secure == 0 && out->n > 0;
    return 0;
}

void tlsd_fix_list_free(struct tlsd_fix_list *l)
{
    free(l->fixes);
    l->fixes = NULL;
    l->n = 0;
}
