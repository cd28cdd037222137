/* Summaries of the analysed connections by client address and by server address and
 * port: bounded tables (TLSD_SUMMARY_MAX entries each; later keys are counted as dropped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_internal.h"
#include "base/hash_internal.h"
#include "tlsdiag/registry.h"

static uint64_t hash_str(const char *s, uint16_t port)
{
    /* low bits pick the slot, high bits are kept in it: the hash mixes both */
    return tlsd_hash_bytes(s, strlen(s)) ^ ((uint64_t)port * 0x9e3779b97f4a7c15ull);
}

static int tab_init(struct tlsd_sumtab *t, size_t item_size)
{
    memset(t, 0, sizeof *t);
    t->item_size = item_size;
    t->nslots = 1024;
    t->slots = calloc(t->nslots, sizeof *t->slots);
    return t->slots ? 0 : -1;
}

static void tab_free(struct tlsd_sumtab *t)
{
    free(t->items);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static void *item_at(const struct tlsd_sumtab *t, size_t i)
{
    return (char *)t->items + i * t->item_size;
}

/* Both summary types start with char addr[46]; servers add a port right after. */
static bool item_is(const struct tlsd_sumtab *t, size_t i, const char *addr, uint16_t port,
                    bool server)
{
    const char *a = item_at(t, i);
    if (strcmp(a, addr) != 0)
        return false;
    return !server || ((const struct tlsd_server_sum *)(const void *)a)->port == port;
}

/* A slot holds the entry's index + 1 (0: empty) and, above, 32 bits of its hash, so that
 * a probe compares addresses only when the hashes agree. */
static uint64_t slot_of(size_t i, uint64_t h)
{
    return (h & 0xffffffff00000000ull) | (uint32_t)(i + 1);
}

static int tab_grow(struct tlsd_sumtab *t, bool server)
{
    size_t ns = t->nslots * 2;
    uint64_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        const char *a = item_at(t, i);
        uint16_t port = server ? ((const struct tlsd_server_sum *)(const void *)a)->port : 0;
        uint64_t h = hash_str(a, port);
        size_t j = h & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = slot_of(i, h);
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

/* Finds or (create) adds the entry for addr/port; NULL when absent and not created. */
static void *tab_get(struct tlsd_sumtab *t, const char *addr, uint16_t port, bool server,
                     bool create, uint64_t *dropped)
{
    uint64_t h = hash_str(addr, port);
    size_t j = h & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        size_t i = (uint32_t)t->slots[j] - 1;
        if ((t->slots[j] ^ h) >> 32 == 0 && item_is(t, i, addr, port, server))
            return item_at(t, i);
    }
    if (!create)
        return NULL;
    if (t->n >= TLSD_SUMMARY_MAX) {
        (*dropped)++;
        return NULL;
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        void *ni = realloc(t->items, nc * t->item_size);
        if (!ni)
            return NULL;
        t->items = ni;
        t->cap = nc;
    }
    void *it = item_at(t, t->n);
    memset(it, 0, t->item_size);
    size_t al = strnlen(addr, 45);
    memcpy(it, addr, al);
    ((char *)it)[al] = '\0';
    if (server)
        ((struct tlsd_server_sum *)it)->port = port;
    t->slots[j] = slot_of(t->n++, h);
    if (t->n * 2 > t->nslots && tab_grow(t, server) != 0)
        return NULL;
    return item_at(t, t->n - 1);
}

int tlsd_summary_init(struct tlsd_analyzer *a)
{
    if (tab_init(&a->clients, sizeof(struct tlsd_client_sum)) != 0)
        return -1;
    if (tab_init(&a->servers, sizeof(struct tlsd_server_sum)) != 0) {
        tab_free(&a->clients);
        return -1;
    }
    return 0;
}

void tlsd_summary_free(struct tlsd_analyzer *a)
{
    tab_free(&a->clients);
    tab_free(&a->servers);
    for (size_t i = 0; i < a->n_diags; i++)
        free(a->diags[i].text);
    a->n_diags = 0;
}

struct tlsd_server_sum *tlsd_summary_server(struct tlsd_analyzer *a, const struct tlsd_conn *c)
{
    return tab_get(&a->servers, c->server, c->server_port, true, true, &a->stats.summary_dropped);
}

static void add_client(struct tlsd_client_sum *s, const struct tlsd_conn *c)
{
    s->handshakes++;
    s->failures += tlsd_conn_outcome_failed(c->outcome);
    s->outcomes[c->outcome]++;
    if (!c->has_ch)
        return;
    if (tlsd_hello_states_lowest(&c->ch) && (!s->offered_low || c->offered_low < s->offered_low))
        s->offered_low = c->offered_low;
    if (c->offered_high > s->offered_high)
        s->offered_high = c->offered_high;
    s->n_suites = c->ch.n_suites;
    memcpy(s->ja4, c->ja4, sizeof s->ja4);
    s->n_groups = 0;
    for (size_t i = 0; i < c->ch.n_groups && s->n_groups < sizeof s->groups / sizeof s->groups[0];
         i++)
        if (!tlsd_is_grease(c->ch.groups[i]))
            s->groups[s->n_groups++] = c->ch.groups[i];
}

/* Counts a failed connection under its diagnosis, naming its client. */
static void add_diag(struct tlsd_analyzer *a, const struct tlsd_conn *c)
{
    if (!c->diag.text || !tlsd_conn_outcome_failed(c->outcome))
        return;
    struct tlsd_diag_sum *d = NULL;
    for (size_t i = 0; i < a->n_diags && !d; i++)
        if (strcmp(a->diags[i].text, c->diag.text) == 0)
            d = &a->diags[i];
    if (!d && a->n_diags < TLSD_DIAG_SUM_MAX) {
        char *t = strdup(c->diag.text);
        if (t) {
            d = &a->diags[a->n_diags++];
            *d = (struct tlsd_diag_sum){.text = t};
        }
    }
    if (!d) {
        a->diags_other++;
        return;
    }
    d->connections++;
    bool seen = false;
    for (size_t i = 0; i < d->n_clients && !seen; i++)
        seen = strcmp(d->clients[i], c->client) == 0;
    if (!seen && d->n_clients < TLSD_DIAG_SUM_CLIENTS)
        snprintf(d->clients[d->n_clients++], sizeof d->clients[0], "%s", c->client);
    else if (!seen)
        d->more_clients = true;
    /* Kept most frequent first: moved up past those it now outnumbers. */
    for (; d > a->diags && d[-1].connections < d->connections; d--) {
        struct tlsd_diag_sum t = d[-1];
        d[-1] = *d;
        *d = t;
    }
}

size_t tlsd_analyzer_diag_count(const struct tlsd_analyzer *a, uint64_t *other)
{
    if (other)
        *other = a->diags_other;
    return a->n_diags;
}

const struct tlsd_diag_sum *tlsd_analyzer_diag_at(const struct tlsd_analyzer *a, size_t i)
{
    return i < a->n_diags ? &a->diags[i] : NULL;
}

static void add_server(struct tlsd_server_sum *s, const struct tlsd_conn *c)
{
    s->handshakes++;
    s->failures += tlsd_conn_outcome_failed(c->outcome);
    s->outcomes[c->outcome]++;
    if (c->has_sh && c->sh.version > s->best_version && c->sh.version < TLSD_VERSION_DRAFT13_BASE)
        s->best_version = c->sh.version;
    unsigned bit = c->has_sh ? c->sh.version - TLSD_SUM_VERSION_BASE : TLSD_SUM_VERSION_BITS;
    if (c->outcome == TLSD_OUTCOME_SUCCESS && c->sh.version >= TLSD_SUM_VERSION_BASE &&
        bit < TLSD_SUM_VERSION_BITS)
        s->versions_done |= 1u << bit;
    bool have = false;
    for (size_t i = 0; c->has_sh && i < s->n_suites; i++)
        have |= s->suites[i] == c->sh.suite;
    if (c->has_sh && !have && s->n_suites < sizeof s->suites / sizeof s->suites[0])
        s->suites[s->n_suites++] = c->sh.suite;
    uint16_t g = c->has_hrr                         ? c->hrr_group
                 : c->has_sh && c->sh.has_key_share ? c->sh.key_share_group
                                                    : 0;
    bool have_g = !g;
    for (size_t i = 0; i < s->n_groups; i++)
        have_g |= s->groups[i] == g;
    if (!have_g && s->n_groups < sizeof s->groups / sizeof s->groups[0])
        s->groups[s->n_groups++] = g;
    if (c->has_cert && c->cert->n_certs && c->cert->certs[0].decoded) {
        snprintf(s->cert_key_type, sizeof s->cert_key_type, "%s", c->cert->certs[0].key_type);
        s->cert_bits = c->cert->certs[0].key_bits;
        s->cert_frame = c->last_frame;
    }
}

void tlsd_summary_add(struct tlsd_analyzer *a, const struct tlsd_conn *c,
                      struct tlsd_server_sum *server)
{
    struct tlsd_client_sum *cs =
        tab_get(&a->clients, c->client, 0, false, true, &a->stats.summary_dropped);
    if (cs)
        add_client(cs, c);
    add_diag(a, c);
    if (server)
        add_server(server, c);
}

size_t tlsd_analyzer_client_count(const struct tlsd_analyzer *a)
{
    return a->clients.n;
}

const struct tlsd_client_sum *tlsd_analyzer_client_at(const struct tlsd_analyzer *a, size_t i)
{
    return i < a->clients.n ? item_at(&a->clients, i) : NULL;
}

size_t tlsd_analyzer_server_count(const struct tlsd_analyzer *a)
{
    return a->servers.n;
}

const struct tlsd_server_sum *tlsd_analyzer_server_at(const struct tlsd_analyzer *a, size_t i)
{
    return i < a->servers.n ? item_at(&a->servers, i) : NULL;
}

size_t tlsd_analyzer_before_tls_ports(const struct tlsd_analyzer *a, struct tlsd_port_sum *out,
                                      size_t max)
{
    size_t n = 0, all = 0;
    uint8_t seen[65536 / 8] = {0};
    for (size_t i = 0; i < a->servers.n; i++) {
        const struct tlsd_server_sum *sv = item_at(&a->servers, i);
        struct tlsd_port_sum p = {.port = sv->port};
        uint64_t before = 0;
        for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
            if (tlsd_conn_outcome_before_tls((enum tlsd_conn_outcome)o))
                before += p.outcomes[o] = sv->outcomes[o];
        if (!before)
            continue;
        if (!(seen[p.port / 8] & (1u << (p.port % 8)))) {
            seen[p.port / 8] |= (uint8_t)(1u << (p.port % 8));
            all++;
        }
        size_t k = 0; /* the port's place among those kept, in increasing order */
        while (k < n && out[k].port < p.port)
            k++;
        if (k < n && out[k].port == p.port) { /* another address, the same port */
            for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
                out[k].outcomes[o] += p.outcomes[o];
            continue;
        }
        if (k >= max)
            continue;
        if (n == max)
            n--; /* the highest port kept makes room */
        memmove(&out[k + 1], &out[k], (n - k) * sizeof *out);
        out[k] = p;
        n++;
    }
    return all;
}
