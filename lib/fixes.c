/* The fix search: try each single change to one side (a version, a suite, a group, a
 * certificate), then version + suite pairs when no single change works; keep those
 * whose predicted handshake succeeds; rank fewest changes first, then the security
 * class of the resulting connection, then the client's own preference. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "tlsdiag/fixes.h"
#include "tlsdiag/suitelist.h"

static enum tlsd_class outcome_class(const struct tlsd_outcome *o)
{
    const struct tlsd_version *v = tlsd_version_by_code(o->version);
    const struct tlsd_suite *s = tlsd_suite_by_code(o->suite);
    enum tlsd_class c = v ? v->cls : TLSD_CLASS_UNKNOWN;
    if (!s || s->cls < c)
        c = s ? s->cls : TLSD_CLASS_UNKNOWN;
    return c;
}

void tlsd_fix_apply(const struct tlsd_fix *f, struct tlsd_profile *p)
{
    p->versions |= f->add_versions;
    /* OpenSSL, GnuTLS and Java configure a range (min..max protocol), so enabling one
     * version enables those between it and the rest; Schannel switches each version
     * separately (SCHANNEL\Protocols registry keys). */
    if (f->add_versions && p->impl != TLSD_IMPL_SCHANNEL) {
        uint16_t lo = tlsd_versions_min(p->versions), hi = tlsd_versions_max(p->versions);
        for (uint16_t v = lo; v && v <= hi; v++)
            p->versions |= tlsd_version_bit(v);
    }
    for (size_t i = 0; i < f->n_add_suites; i++)
        if (tlsd_profile_add_suite(p, f->add_suites[i]) < 0)
            break; /* a full list cannot grow; the fix is then not predicted to work */
    if (f->add_group && !tlsd_profile_has_group(p, f->add_group) &&
        p->n_groups < TLSD_PROFILE_MAX_GROUPS)
        p->groups[p->n_groups++] = f->add_group;
    if (f->add_cert.type[0] && p->n_certs < TLSD_PROFILE_MAX_CERTS)
        p->certs[p->n_certs++] = f->add_cert;
    /* A client lists one more scheme; a server restricted to some TLS 1.3 schemes signs
     * with one more. */
    if (f->add_sigalg && f->side == TLSD_SIDE_CLIENT &&
        !tlsd_profile_has_sigalg(p, f->add_sigalg) && p->n_sigalgs < TLSD_PROFILE_MAX_SIGALGS)
        p->sigalgs[p->n_sigalgs++] = f->add_sigalg;
    if (f->add_sigalg && f->side == TLSD_SIDE_SERVER && p->n_sigalgs13 &&
        p->n_sigalgs13 < TLSD_PROFILE_MAX_SIGALGS)
        p->sigalgs13[p->n_sigalgs13++] = f->add_sigalg;
}

struct search {
    const struct tlsd_profile *client, *server;
    enum tlsd_side side;
    struct tlsd_fix *v;
    size_t n, cap;
    int oom;
};

static void try_fix(struct search *s, struct tlsd_fix *f)
{
    f->side = s->side;
    struct tlsd_profile changed = s->side == TLSD_SIDE_SERVER ? *s->server : *s->client;
    tlsd_fix_apply(f, &changed);
    const struct tlsd_profile *c = s->side == TLSD_SIDE_CLIENT ? &changed : s->client;
    const struct tlsd_profile *sv = s->side == TLSD_SIDE_SERVER ? &changed : s->server;
    tlsd_negotiate(c, sv, &f->after);
    if (!f->after.ok)
        return;
    f->cls = outcome_class(&f->after);
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

/* Candidate suites: what the other side has and this side lacks. */
/* Windows can only enable suites it has a name for; OpenSSL only those libssl still
 * builds (judged by the local libssl: no RC4, 3DES or SSLv3 in OpenSSL 3 defaults);
 * GnuTLS only those it names (the registry's GnuTLS column, from the local gnutls-cli). */
static bool candidate_suite(const struct tlsd_profile *self, uint32_t code)
{
    const struct tlsd_suite *st = tlsd_suite_by_code(code);
    return st && strcmp(st->status, "scsv") != 0 && !tlsd_suite_is_sslv2(st) &&
           !tlsd_profile_has_suite(self, code) &&
           (self->impl != TLSD_IMPL_SCHANNEL || st->windows_name != NULL) &&
           (self->impl != TLSD_IMPL_OPENSSL || tlsd_openssl_knows(code)) &&
           (self->impl != TLSD_IMPL_GNUTLS || st->gnutls_name != NULL);
}

static bool candidate_version(const struct tlsd_profile *self, unsigned bit)
{
    /* Neither OpenSSL 1.1+ nor GnuTLS 3.7 builds SSLv3 by default. */
    return !((self->impl == TLSD_IMPL_OPENSSL || self->impl == TLSD_IMPL_GNUTLS) &&
             bit <= TLSD_V_SSL3);
}

/* The worst class among the versions and suites a fix turns on. */
static enum tlsd_class added_class(const struct tlsd_fix *f)
{
    enum tlsd_class c = TLSD_CLASS_RECOMMENDED;
    for (unsigned b = TLSD_V_SSL3; b <= TLSD_V_TLS13; b <<= 1) {
        const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(b));
        if ((f->add_versions & b) && v && v->cls < c)
            c = v->cls;
    }
    for (size_t i = 0; i < f->n_add_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(f->add_suites[i]);
        if (s && s->cls < c)
            c = s->cls;
    }
    return c;
}

/* Every single change worth trying on self: a version, suite or group the other side
 * has, and (server side) a certificate of the other key type. */
static size_t candidates(const struct tlsd_profile *self, const struct tlsd_profile *other,
                         enum tlsd_side side, struct tlsd_fix *v, size_t max)
{
    size_t n = 0;
    for (unsigned b = TLSD_V_SSL3; b <= TLSD_V_TLS13 && n < max; b <<= 1)
        if ((other->versions & b) && !(self->versions & b) && candidate_version(self, b))
            v[n++] = (struct tlsd_fix){.add_versions = b, .n_changes = 1};
    for (size_t i = 0; i < other->n_suites && n < max; i++)
        if (candidate_suite(self, other->suites[i]))
            v[n++] = (struct tlsd_fix){
                .add_suites = {other->suites[i]}, .n_add_suites = 1, .n_changes = 1};
    for (size_t i = 0; i < other->n_groups && n < max; i++)
        if (!tlsd_profile_has_group(self, other->groups[i]))
            v[n++] = (struct tlsd_fix){.add_group = other->groups[i], .n_changes = 1};
    /* Signature schemes: a client may list one a restricted server signs with; such a
     * server may sign with one the client lists (Schannel picks TLS 1.3 schemes itself). */
    for (size_t i = 0; side == TLSD_SIDE_CLIENT && i < other->n_sigalgs13 && n < max; i++)
        if (!tlsd_profile_has_sigalg(self, other->sigalgs13[i]))
            v[n++] = (struct tlsd_fix){.add_sigalg = other->sigalgs13[i], .n_changes = 1};
    for (size_t i = 0; side == TLSD_SIDE_SERVER && self->n_sigalgs13 &&
                       self->impl != TLSD_IMPL_SCHANNEL && i < other->n_sigalgs && n < max;
         i++) {
        const struct tlsd_sigscheme *x = tlsd_sigscheme_by_code(other->sigalgs[i]);
        if (x && x->tls13 && !tlsd_profile_signs13(self, x->code))
            v[n++] = (struct tlsd_fix){.add_sigalg = x->code, .n_changes = 1};
    }
    static const struct tlsd_cert_key extra[] = {{"ecdsa", 0, 0x0017}, {"rsa", 2048, 0}};
    for (size_t i = 0; side == TLSD_SIDE_SERVER && i < 2 && n < max; i++) {
        bool have = false;
        for (size_t k = 0; k < self->n_certs; k++)
            have |= strcmp(self->certs[k].type, extra[i].type) == 0;
        if (!have)
            v[n++] = (struct tlsd_fix){.add_cert = extra[i], .n_changes = 1};
    }
    return n;
}

/* Two single changes of different kinds as one fix; false when they cannot combine. */
static bool combine(const struct tlsd_fix *a, const struct tlsd_fix *b, struct tlsd_fix *out)
{
    if ((a->add_versions && b->add_versions) || (a->n_add_suites && b->n_add_suites) ||
        (a->add_group && b->add_group) || (a->add_cert.type[0] && b->add_cert.type[0]) ||
        (a->add_sigalg && b->add_sigalg))
        return false;
    *out = *a;
    out->add_versions |= b->add_versions;
    if (b->n_add_suites) {
        memcpy(out->add_suites, b->add_suites, sizeof out->add_suites);
        out->n_add_suites = 1;
    }
    if (b->add_group)
        out->add_group = b->add_group;
    if (b->add_cert.type[0])
        out->add_cert = b->add_cert;
    if (b->add_sigalg)
        out->add_sigalg = b->add_sigalg;
    out->n_changes = 2;
    return true;
}

static void search(struct search *s, const struct tlsd_profile *self,
                   const struct tlsd_profile *other)
{
    enum {
        MAX_CAND = TLSD_PROFILE_MAX_SUITES + TLSD_PROFILE_MAX_GROUPS + TLSD_PROFILE_MAX_SIGALGS + 8
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
    bool single_works = s->n > 0;
    for (size_t i = 0; i < n && !single_works; i++)
        for (size_t k = i + 1; k < n; k++) {
            struct tlsd_fix f;
            if (combine(&cand[i], &cand[k], &f))
                try_fix(s, &f);
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

static int cmp_fix(const void *pa, const void *pb, void *ctx)
{
    const struct tlsd_fix *a = pa, *b = pb;
    const struct tlsd_profile *rank_client = ctx;
    if (a->n_changes != b->n_changes)
        return a->n_changes < b->n_changes ? -1 : 1;
    if (a->cls != b->cls)
        return a->cls > b->cls ? -1 : 1;
    enum tlsd_class ca = added_class(a), cb = added_class(b);
    if (ca != cb)
        return ca > cb ? -1 : 1;
    size_t pa_ = client_pos(rank_client, a->after.suite),
           pb_ = client_pos(rank_client, b->after.suite);
    if (pa_ != pb_)
        return pa_ < pb_ ? -1 : 1;
    return 0;
}

int tlsd_find_fixes(const struct tlsd_profile *client, const struct tlsd_profile *server,
                    enum tlsd_side side, size_t max, struct tlsd_fix_list *out)
{
    struct search s = {.client = client, .server = server, .side = side};
    const struct tlsd_profile *self = side == TLSD_SIDE_SERVER ? server : client;
    const struct tlsd_profile *other = side == TLSD_SIDE_SERVER ? client : server;
    memset(out, 0, sizeof *out);
    search(&s, self, other);
    if (s.oom) {
        free(s.v);
        return -1;
    }
    if (s.n > 1)
        tlsd_qsort_r(s.v, s.n, sizeof *s.v, cmp_fix, (void *)client);
    /* Insecure fixes only when nothing better exists. */
    bool any_secure = false, any_weak = false;
    for (size_t i = 0; i < s.n; i++) {
        any_secure |= s.v[i].cls >= TLSD_CLASS_SECURE;
        any_weak |= s.v[i].cls >= TLSD_CLASS_WEAK;
    }
    size_t k = 0;
    for (size_t i = 0; i < s.n && k < max; i++)
        if (!any_weak || s.v[i].cls >= TLSD_CLASS_WEAK)
            s.v[k++] = s.v[i];
    out->fixes = s.v;
    out->n = k;
    out->only_insecure = k > 0 && !any_secure;
    return 0;
}

void tlsd_fix_list_free(struct tlsd_fix_list *l)
{
    free(l->fixes);
    l->fixes = NULL;
    l->n = 0;
}
