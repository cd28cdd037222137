/* --filter key=value[|value...] over cipher suite properties. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"

#include "tlsdiag/suitelist.h"

enum fkey { F_KX, F_AUTH, F_CERT, F_CIPHER, F_MAC, F_CLASS, F_VERSION, F_STATUS };

static const struct {
    const char *name;
    enum fkey key;
} keys[] = {{"kx", F_KX},         {"auth", F_AUTH},    {"cert", F_CERT},   {"cipher", F_CIPHER},
            {"enc", F_CIPHER},    {"mac", F_MAC},      {"class", F_CLASS}, {"version", F_VERSION},
            {"status", F_STATUS}, {"proto", F_VERSION}};

struct cond {
    enum fkey key;
    char *values; /* '|'-separated alternatives */
};

struct tlsd_filter {
    struct cond *conds;
    size_t n;
};

/* The registry's spelling of the column a text key filters on (a user's word is compared
 * with it); NULL for class and version. */
static const char *column(enum fkey key, const struct tlsd_suite *s)
{
    switch (key) {
    case F_KX:
        return tlsd_kx_name(s->kx);
    case F_AUTH:
        return tlsd_auth_name(s->auth);
    case F_CERT:
        return tlsd_cert_kind_name(s->cert);
    case F_MAC:
        return tlsd_mac_name(s->mac);
    case F_STATUS:
        return tlsd_suite_status_name(s->status);
    case F_CIPHER:
        return tlsd_cipher_name(s->cipher);
    default:
        return NULL;
    }
}

/* One alternative of a condition against a suite. */
static bool alt_match(enum fkey key, const char *v, const struct tlsd_suite *s)
{
    switch (key) {
    case F_KX:
    case F_AUTH:
    case F_CERT:
    case F_MAC:
    case F_STATUS:
        return strcasecmp(v, column(key, s)) == 0;
    case F_CIPHER:
        return tlsd_strcasestr(column(key, s), v) != NULL;
    case F_CLASS:
        if (v[0] == '>' && v[1] == '=')
            return s->cls >= tlsd_class_from_name(v + 2);
        if (v[0] == '<' && v[1] == '=')
            return s->cls <= tlsd_class_from_name(v + 2);
        return s->cls == tlsd_class_from_name(v);
    case F_VERSION: {
        const struct tlsd_version *ver = tlsd_version_by_name(v);
        return ver && tlsd_suite_usable_at(s, ver->code);
    }
    }
    return false;
}

/* A value no suite of the registry has is a typo, not an empty result: say so, with the
 * values the registry does have for that key. */
static bool known_value(enum fkey key, const char *v, const char *keyname, char *err, size_t errlen)
{
    if (key == F_CLASS || key == F_VERSION)
        return true;
    for (size_t i = 0; i < tlsd_suite_count(); i++)
        if (alt_match(key, v, tlsd_suite_at(i)))
            return true;
    int n = snprintf(err, errlen, "unknown %s '%s' (known:", keyname, v);
    for (size_t i = 0; i < tlsd_suite_count() && n > 0 && (size_t)n < errlen; i++) {
        const char *c = column(key, tlsd_suite_at(i));
        bool seen = !c || !*c;
        for (size_t k = 0; !seen && k < i; k++) {
            const char *o = column(key, tlsd_suite_at(k));
            seen = o && strcasecmp(o, c) == 0;
        }
        if (!seen)
            n += snprintf(err + n, errlen - (size_t)n, " %s", c);
    }
    if (n > 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, ")");
    return false;
}

static bool valid_value(enum fkey key, const char *v, char *err, size_t errlen)
{
    if (!*v) {
        snprintf(err, errlen, "empty filter value");
        return false;
    }
    if (key == F_CLASS) {
        const char *c = (v[0] == '>' || v[0] == '<') && v[1] == '=' ? v + 2 : v;
        if (tlsd_class_from_name(c) == TLSD_CLASS_UNKNOWN) {
            snprintf(err, errlen, "unknown class '%s' (insecure, weak, secure, recommended)", v);
            return false;
        }
    }
    if (key == F_VERSION && !tlsd_version_by_name(v)) {
        snprintf(err, errlen, "unknown protocol version '%s' (e.g. TLSv1.2, TLS1.3, SSLv3)", v);
        return false;
    }
    return true;
}

int tlsd_filter_add(struct tlsd_filter *f, const char *spec, char *err, size_t errlen)
{
    char *copy = strdup(spec);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *save = NULL;
    for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(part, '=');
        /* "class>=secure" is written without '=' before '>'. */
        char *op = strpbrk(part, "<>");
        if (op && (!eq || op < eq))
            eq = op;
        if (!eq || eq == part) {
            snprintf(err, errlen, "filter '%s' is not key=value", part);
            goto fail;
        }
        size_t kl = (size_t)(eq - part);
        int found = -1;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strlen(keys[i].name) == kl && strncasecmp(keys[i].name, part, kl) == 0)
                found = (int)i;
        if (found < 0) {
            snprintf(
                err, errlen,
                "unknown filter key '%.*s' (kx, auth, cert, cipher, mac, class, version, status)",
                (int)kl, part);
            goto fail;
        }
        const char *val = *eq == '=' ? eq + 1 : eq;
        char *vals = strdup(val);
        if (!vals) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        char *vs = NULL;
        char *check = strdup(vals);
        bool ok = check != NULL;
        for (char *v = check ? strtok_r(check, "|", &vs) : NULL; ok && v;
             v = strtok_r(NULL, "|", &vs))
            ok = valid_value(keys[found].key, v, err, errlen) &&
                 known_value(keys[found].key, v, keys[found].name, err, errlen);
        free(check);
        struct cond *nc = ok ? realloc(f->conds, (f->n + 1) * sizeof *nc) : NULL;
        if (!nc) {
            free(vals);
            goto fail;
        }
        f->conds = nc;
        f->conds[f->n].key = keys[found].key;
        f->conds[f->n].values = vals;
        f->n++;
    }
    free(copy);
    return 0;
fail:
    free(copy);
    return -1;
}

struct tlsd_filter *tlsd_filter_parse(const char *spec, char *err, size_t errlen)
{
    struct tlsd_filter *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (spec && tlsd_filter_add(f, spec, err, errlen) < 0) {
        tlsd_filter_free(f);
        return NULL;
    }
    return f;
}

bool tlsd_filter_match(const struct tlsd_filter *f, const struct tlsd_suite *s)
{
    for (size_t i = 0; i < f->n; i++) {
        bool any = false;
        const char *v = f->conds[i].values;
        while (*v && !any) {
            const char *bar = strchr(v, '|');
            size_t len = bar ? (size_t)(bar - v) : strlen(v);
            char one[64];
            if (len < sizeof one) {
                memcpy(one, v, len);
                one[len] = '\0';
                any = alt_match(f->conds[i].key, one, s);
            }
            v += len + (bar != NULL);
        }
        if (!any)
            return false;
    }
    return true;
}

void tlsd_filter_free(struct tlsd_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->conds[i].values);
    free(f->conds);
    free(f);
}

void tlsd_suite_list_filter(struct tlsd_suite_list *l, const struct tlsd_filter *f)
{
    if (f->n == 0)
        return;
    size_t w = 0;
    for (size_t i = 0; i < l->n_items; i++)
        if (l->items[i].suite && tlsd_filter_match(f, l->items[i].suite))
            l->items[w++] = l->items[i];
    l->n_items = w;
}

/* Security order: the registry class (recommended first), then TLS 1.3 suites, forward
 * secrecy (ECDHE before DHE before the rest), AEAD before MAC-then-encrypt, the longer
 * key, the code. */
static int kx_rank(const struct tlsd_suite *s)
{
    return s->kx == TLSD_KX_ANY ? 0 : s->kx == TLSD_KX_ECDHE ? 1 : s->kx == TLSD_KX_DHE ? 2 : 3;
}

static int by_security(const void *pa, const void *pb)
{
    const struct tlsd_list_item *a = pa, *b = pb;
    if (!a->suite || !b->suite)
        return a->suite ? -1 : b->suite ? 1 : (a->code > b->code) - (a->code < b->code);
    const struct tlsd_suite *x = a->suite, *y = b->suite;
    if (x->cls != y->cls)
        return x->cls > y->cls ? -1 : 1;
    if (kx_rank(x) != kx_rank(y))
        return kx_rank(x) < kx_rank(y) ? -1 : 1;
    bool ax = x->mac == TLSD_MAC_AEAD, ay = y->mac == TLSD_MAC_AEAD;
    if (ax != ay)
        return ax ? -1 : 1;
    if (x->bits != y->bits)
        return x->bits > y->bits ? -1 : 1;
    return (x->code > y->code) - (x->code < y->code);
}

void tlsd_suite_list_sort_secure(struct tlsd_suite_list *l)
{
    if (l->n_items > 1)
        tlsd_qsort(l->items, l->n_items, sizeof *l->items, by_security);
}
