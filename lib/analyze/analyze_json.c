/* JSON rendering of analysed connections and of the summaries (docs/analyze-json.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_internal.h"
#include "analyze/json_writer.h"
#include "base/hash_internal.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/textout.h"

static void hex16(struct tlsd_jw *w, const char *key, uint32_t v)
{
    tlsd_jw_hex(w, key, v);
}

/* Version labels of the common versions, made once: they are written for every hello. */
static void version_json(struct tlsd_jw *w, const char *key, uint16_t v)
{
    char b[24];
    if (tlsd_is_grease(v))
        tlsd_jw_string(w, key, "GREASE");
    else if (v >= TLSD_VERSION_SSL3 && v <= TLSD_VERSION_TLS1_3)
        tlsd_jw_string(w, key,
                       (const char *[]){"SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2",
                                        "TLS 1.3"}[v - TLSD_VERSION_SSL3]);
    else
        tlsd_jw_string(w, key, tlsd_version_label(v, b));
}

/* A suite in full: code, registry name and class (the chosen one, bridging suites). */
static void suite_json(struct tlsd_jw *w, const char *key, uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    tlsd_jw_begin_object(w, key);
    hex16(w, "code", code);
    tlsd_jw_string(w, "name", s ? s->iana_name : tlsd_is_grease(code) ? "GREASE" : "unknown");
    if (s)
        tlsd_jw_string(w, "class", tlsd_class_name(s->cls));
    tlsd_jw_end_object(w);
}

static void group_name(struct tlsd_jw *w, const char *key, uint16_t g)
{
    const struct tlsd_group *x = tlsd_group_by_code(g);
    if (x || tlsd_is_grease(g))
        tlsd_jw_string(w, key, x ? x->name : "GREASE");
    else
        hex16(w, key, g);
}

static void sigscheme_name(struct tlsd_jw *w, uint16_t v)
{
    const struct tlsd_sigscheme *s = tlsd_sigscheme_by_code(v);
    if (s || tlsd_is_grease(v))
        tlsd_jw_string(w, NULL, s ? s->name : "GREASE");
    else
        hex16(w, NULL, v);
}

static void ext_names(struct tlsd_jw *w, const char *key, const struct tlsd_ext *e, size_t n)
{
    tlsd_jw_begin_array(w, key);
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_extension *x = tlsd_extension_by_code(e[i].type);
        if (x || tlsd_is_grease(e[i].type))
            tlsd_jw_string(w, NULL, x ? x->name : "GREASE");
        else
            hex16(w, NULL, e[i].type);
    }
    tlsd_jw_end_array(w);
}

/* ---- lists of codes, rendered once per distinct list ---- */

/* Clients repeat their hellos: the JSON array of a list (names looked up in the
 * registry) is kept in the analyser's memo, by kind and values, and copied when the same
 * list comes again. A capture's working set is a few dozen lists; the memo has several
 * times as many slots, so that the lists of one hello seldom evict each other. */
#define LIST_SLOTS 256
#define LIST_MAX   48   /* longer lists are rendered every time */
#define LIST_JSON  1024 /* as are those whose JSON is longer */

enum list_kind { LIST_SUITES = 1, LIST_GROUPS, LIST_SIGALGS, LIST_EXTS };

static void list_item(struct tlsd_jw *w, enum list_kind kind, uint32_t v)
{
    if (kind == LIST_SUITES) {
        hex16(w, NULL, v);
    } else if (kind == LIST_GROUPS) {
        group_name(w, NULL, (uint16_t)v);
    } else if (kind == LIST_SIGALGS) {
        sigscheme_name(w, (uint16_t)v);
    } else {
        const struct tlsd_extension *x = tlsd_extension_by_code((uint16_t)v);
        if (x || tlsd_is_grease((uint16_t)v))
            tlsd_jw_string(w, NULL, x ? x->name : "GREASE");
        else
            hex16(w, NULL, v);
    }
}

static void list_render(struct tlsd_jw *w, const char *key, enum list_kind kind, const uint32_t *v,
                        size_t n)
{
    tlsd_jw_begin_array(w, key);
    for (size_t i = 0; i < n; i++)
        list_item(w, kind, v[i]);
    tlsd_jw_end_array(w);
}

static void list_json(struct tlsd_jw *w, const char *key, enum list_kind kind, const uint32_t *v,
                      size_t n)
{
    struct tlsd_memo *memo = w->memo ? &w->memo->values : NULL;
    if (n > LIST_MAX || !memo) {
        list_render(w, key, kind, v, n);
        return;
    }
    uint32_t k[LIST_MAX + 1] = {kind}; /* the memo's key: kind, then the values */
    memcpy(k + 1, v, n * sizeof *v);
    size_t kl = (n + 1) * sizeof *k, len;
    uint64_t h = tlsd_hash_bytes(k, kl);
    const char *known = tlsd_memo_get(memo, h, k, kl, &len);
    if (known) {
        tlsd_jw_raw(w, key, known, len);
        return;
    }
    struct tlsd_strbuf tmp = {0};
    struct tlsd_jw tw = {.b = &tmp, .memo = w->memo};
    list_render(&tw, NULL, kind, v, n);
    char *m = tmp.failed || !tmp.s ? NULL : tlsd_memo_put(memo, h, k, kl, tmp.len);
    if (m) {
        memcpy(m, tmp.s, tmp.len);
        tlsd_jw_raw(w, key, m, tmp.len);
    } else {
        list_render(w, key, kind, v, n);
    }
    tlsd_sb_free(&tmp);
}

static void list16_json(struct tlsd_jw *w, const char *key, enum list_kind kind, const uint16_t *v,
                        size_t n)
{
    uint32_t wide[LIST_MAX];
    if (n > LIST_MAX) {
        tlsd_jw_begin_array(w, key);
        for (size_t i = 0; i < n; i++)
            list_item(w, kind, v[i]);
        tlsd_jw_end_array(w);
        return;
    }
    for (size_t i = 0; i < n; i++)
        wide[i] = v[i];
    list_json(w, key, kind, wide, n);
}

static void exts_json(struct tlsd_jw *w, const char *key, const struct tlsd_ext *e, size_t n)
{
    uint32_t types[LIST_MAX];
    if (n > LIST_MAX) {
        ext_names(w, key, e, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        types[i] = e[i].type;
    list_json(w, key, LIST_EXTS, types, n);
}

static void offered_versions(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    const struct tlsd_client_hello *ch = &c->ch;
    tlsd_jw_begin_array(w, "versions");
    if (ch->has_versions)
        for (size_t i = 0; i < ch->n_versions; i++)
            version_json(w, NULL, ch->versions[i]);
    else /* RFC 5246 E.1: every version up to client_version */
        for (uint16_t v = c->offered_low; v && v <= c->offered_high; v = v == 2 ? 0x300 : v + 1)
            version_json(w, NULL, v);
    tlsd_jw_end_array(w);
}

/* Offered suites are codes only (tlsdiag ciphers CODE names them): a hello offers dozens,
 * and their names and classes made up most of the output of a big capture. */
static void client_hello_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    const struct tlsd_client_hello *ch = &c->ch;
    tlsd_jw_begin_object(w, "client_hello");
    tlsd_jw_int(w, "frame", (int64_t)c->ch_frame);
    tlsd_jw_bool(w, "sslv2_format", ch->format == TLSD_HELLO_SSL2);
    version_json(w, "legacy_version", ch->legacy_version);
    offered_versions(w, c);
    list_json(w, "suites", LIST_SUITES, ch->suites, ch->n_suites);
    list16_json(w, "groups", LIST_GROUPS, ch->groups, ch->n_groups);
    list16_json(w, "signature_schemes", LIST_SIGALGS, ch->sigalgs, ch->n_sigalgs);
    exts_json(w, "extensions", ch->exts, ch->n_exts);
    tlsd_jw_begin_array(w, "alpn");
    for (size_t i = 0; i < ch->n_alpn; i++)
        tlsd_jw_stringn(w, NULL, (const char *)ch->alpn[i].p, ch->alpn[i].len);
    tlsd_jw_end_array(w);
    tlsd_jw_string(w, "ja3", c->ja3.hash);
    tlsd_jw_string(w, "ja4", c->ja4);
    tlsd_jw_end_object(w);
}

static void server_hello_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    const struct tlsd_server_hello *sh = &c->sh;
    tlsd_jw_begin_object(w, "server_hello");
    tlsd_jw_int(w, "frame", (int64_t)c->sh_frame);
    version_json(w, "version", sh->version);
    suite_json(w, "suite", sh->suite);
    if (sh->has_key_share)
        group_name(w, "group", sh->key_share_group);
    else
        tlsd_jw_null(w, "group");
    exts_json(w, "extensions", sh->exts, sh->n_exts);
    tlsd_jw_string(w, "alpn", sh->alpn[0] ? sh->alpn : NULL);
    tlsd_jw_string(w, "ja3s", c->ja3s.hash);
    tlsd_jw_string(w, "ja4s", c->ja4s);
    tlsd_jw_end_object(w);
}

static void cert_json(struct tlsd_jw *w, const struct tlsd_cert_summary *s)
{
    tlsd_jw_begin_object(w, NULL);
    tlsd_jw_bool(w, "decoded", s->decoded);
    if (s->decoded) {
        tlsd_jw_string(w, "subject", s->subject);
        tlsd_jw_string(w, "issuer", s->issuer);
        tlsd_jw_string(w, "key_type", s->key_type);
        tlsd_jw_int(w, "key_bits", s->key_bits);
        tlsd_jw_string(w, "curve", s->curve[0] ? s->curve : NULL);
        tlsd_jw_string(w, "signature", s->sig_alg);
        tlsd_jw_int(w, "not_before", (int64_t)s->not_before);
        tlsd_jw_int(w, "not_after", (int64_t)s->not_after);
        char t[TLSD_TIME_LEN];
        tlsd_jw_string(w, "not_before_time",
                       tlsd_time_utc((int64_t)s->not_before * 1000000, false, t, sizeof t));
        tlsd_jw_string(w, "not_after_time",
                       tlsd_time_utc((int64_t)s->not_after * 1000000, false, t, sizeof t));
        tlsd_jw_bool(w, "self_signed", s->self_signed);
        tlsd_jw_begin_array(w, "sans");
        for (size_t i = 0; i < s->n_sans; i++)
            tlsd_jw_string(w, NULL, s->sans[i]);
        tlsd_jw_end_array(w);
    }
    tlsd_jw_end_object(w);
}

static void alerts_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    tlsd_jw_begin_array(w, "alerts");
    for (size_t i = 0; i < c->n_alerts; i++) {
        const struct tlsd_conn_alert *al = &c->alerts[i];
        const struct tlsd_alert *r =
            al->description >= 0 ? tlsd_alert_by_code(al->description) : NULL;
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_string(w, "side", tlsd_peer_name(al->side));
        tlsd_jw_int(w, "frame", (int64_t)al->frame);
        tlsd_jw_bool(w, "encrypted", al->encrypted);
        tlsd_jw_string(w, "level", tlsd_alert_level_name(al->level));
        if (al->description >= 0)
            tlsd_jw_int(w, "code", al->description);
        else
            tlsd_jw_null(w, "code");
        tlsd_jw_string(w, "name", r ? r->name : NULL);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
}

static void tcp_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    tlsd_jw_begin_object(w, "tcp");
    for (int s = 0; s < 2; s++) {
        tlsd_jw_begin_object(w, tlsd_peer_name((enum tlsd_peer)s));
        tlsd_jw_uint_or_null(w, "fin_frame", c->fin_frame[s]);
        tlsd_jw_uint_or_null(w, "rst_frame", c->rst_frame[s]);
        tlsd_jw_int(w, "bytes", (int64_t)c->bytes[s]);
        tlsd_jw_bool(w, "not_tls", c->not_tls[s]);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_int(w, "gap_bytes", (int64_t)c->gaps);
    /* Before TLS: the client's SYNs and the server's answer (null when the SYN is not in
     * the capture). */
    tlsd_jw_uint_or_null(w, "syns", c->syns);
    if (c->syns) {
        tlsd_jw_int(w, "last_syn_usec", tlsd_usec_between(c->syn_ts, c->last_syn_ts));
        tlsd_jw_string(w, "syn_answer", c->syn_acked ? "syn_ack" : c->answer_ts ? "rst" : NULL);
    } else {
        tlsd_jw_null(w, "last_syn_usec");
        tlsd_jw_null(w, "syn_answer");
    }
    if (c->syns && c->answer_ts)
        tlsd_jw_int(w, "syn_answer_usec", tlsd_usec_between(c->syn_ts, c->answer_ts));
    else
        tlsd_jw_null(w, "syn_answer_usec");
    tlsd_jw_end_object(w);
}

static void diag_json(struct tlsd_jw *w, const char *key, const struct tlsd_diagnosis *d)
{
    tlsd_jw_begin_object(w, key);
    tlsd_jw_string(w, "text", d->text);
    tlsd_jw_begin_array(w, "causes");
    for (size_t i = 0; i < d->n_causes; i++) {
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_string(w, "id", d->causes[i]->id);
        tlsd_jw_string(w, "title", d->causes[i]->title);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
    tlsd_jw_begin_array(w, "schannel_events");
    for (size_t i = 0; i < d->n_events; i++) {
        const struct tlsd_schannel_event *e = &d->events[i];
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_int(w, "id", e->id);
        tlsd_jw_string(w, "logged_on", tlsd_peer_name(e->logged_on));
        if (e->alert >= 0)
            tlsd_jw_int(w, "alert", e->alert);
        else
            tlsd_jw_null(w, "alert");
        tlsd_jw_string(w, "meaning", e->meaning);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
    tlsd_jw_begin_array(w, "bridging_suites");
    for (size_t i = 0; i < d->n_bridges; i++)
        suite_json(w, NULL, d->bridges[i]);
    tlsd_jw_end_array(w);
    tlsd_jw_end_object(w);
}

/* ---- the table of distinct diagnoses (one per --json document) ---- */

/* Most connections of a capture share a handful of diagnoses: a document holds each once
 * and connections refer to it by index. The key is what the object is made of (text,
 * cause and event identities, bridging suites), so equal keys render equal objects. */
struct tlsd_diag_table {
    struct tlsd_strbuf keys;    /* the keys, one after the other */
    size_t *key_off;            /* where entry i's key starts (n + 1 offsets) */
    struct tlsd_strbuf objects; /* the rendered objects, comma-separated */
    size_t n, cap;
    uint32_t *slots; /* index + 1, 0 empty */
    size_t nslots;
    struct tlsd_strbuf scratch;
};

struct tlsd_diag_table *tlsd_diag_table_new(void)
{
    struct tlsd_diag_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nslots = 1024;
    t->slots = calloc(t->nslots, sizeof *t->slots);
    t->cap = 256;
    t->key_off = malloc((t->cap + 1) * sizeof *t->key_off);
    if (!t->slots || !t->key_off) {
        tlsd_diag_table_free(t);
        return NULL;
    }
    t->key_off[0] = 0;
    return t;
}

void tlsd_diag_table_free(struct tlsd_diag_table *t)
{
    if (!t)
        return;
    tlsd_sb_free(&t->keys);
    tlsd_sb_free(&t->objects);
    tlsd_sb_free(&t->scratch);
    free(t->key_off);
    free(t->slots);
    free(t);
}

size_t tlsd_diag_table_count(const struct tlsd_diag_table *t)
{
    return t ? t->n : 0;
}

static uint64_t key_hash(const char *p, size_t n)
{
    return tlsd_hash_bytes(p, n);
}

static void diag_key(struct tlsd_strbuf *k, const struct tlsd_diagnosis *d)
{
    k->len = 0;
    if (d->text)
        tlsd_sb_putn(k, d->text, strlen(d->text) + 1);
    else
        tlsd_sb_putn(k, "\x01", 1); /* null text: never equal to a string */
    tlsd_sb_putn(k, (const char *)d->causes, d->n_causes * sizeof d->causes[0]);
    for (size_t i = 0; i < d->n_events; i++) {
        const struct tlsd_schannel_event *e = &d->events[i];
        uint32_t ev[3] = {e->id, (uint32_t)e->alert, (uint32_t)e->logged_on};
        tlsd_sb_putn(k, (const char *)ev, sizeof ev);
        tlsd_sb_putn(k, (const char *)&e->meaning, sizeof e->meaning);
    }
    tlsd_sb_putn(k, (const char *)d->bridges, d->n_bridges * sizeof d->bridges[0]);
    size_t counts[3] = {d->n_causes, d->n_events, d->n_bridges};
    tlsd_sb_putn(k, (const char *)counts, sizeof counts);
}

static bool table_grow(struct tlsd_diag_table *t)
{
    if (t->n == t->cap) {
        size_t *ko = realloc(t->key_off, (t->cap * 2 + 1) * sizeof *ko);
        if (!ko)
            return false;
        t->key_off = ko;
        t->cap *= 2;
    }
    if ((t->n + 1) * 2 <= t->nslots)
        return true;
    size_t ns = t->nslots * 2;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        size_t off = t->key_off[i], len = t->key_off[i + 1] - off;
        size_t j = key_hash(t->keys.s + off, len) & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return true;
}

/* The index of d in t, added when new; -1 when the table is full or out of memory. */
static long table_index(struct tlsd_diag_table *t, const struct tlsd_diagnosis *d)
{
    diag_key(&t->scratch, d);
    if (t->scratch.failed) {
        t->scratch.failed = false;
        return -1;
    }
    const char *k = t->scratch.s;
    size_t kl = t->scratch.len;
    uint64_t h = key_hash(k, kl);
    size_t j = h & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        size_t i = t->slots[j] - 1, off = t->key_off[i];
        if (t->key_off[i + 1] - off == kl && memcmp(t->keys.s + off, k, kl) == 0)
            return (long)i;
    }
    if (t->n >= TLSD_DIAG_TABLE_MAX || !table_grow(t))
        return -1;
    j = h & (t->nslots - 1); /* the slots may have been rebuilt */
    while (t->slots[j])
        j = (j + 1) & (t->nslots - 1);
    tlsd_sb_putn(&t->keys, k, kl);
    struct tlsd_jw w = {.b = &t->objects, .depth = 1, .first = {t->n == 0}};
    diag_json(&w, NULL, d);
    if (t->keys.failed || t->objects.failed)
        return -1;
    t->key_off[t->n + 1] = t->keys.len;
    t->slots[j] = (uint32_t)++t->n;
    return (long)t->n - 1;
}

void tlsd_diag_table_render_json(struct tlsd_strbuf *b, const struct tlsd_diag_table *t)
{
    tlsd_sb_putn(b, "[", 1);
    if (t && t->objects.len)
        tlsd_sb_putn(b, t->objects.s, t->objects.len);
    tlsd_sb_putn(b, "]", 1);
}

static void endpoint_json(struct tlsd_jw *w, const char *key, const char *addr, uint16_t port)
{
    tlsd_jw_begin_object(w, key);
    tlsd_jw_string(w, "address", addr);
    tlsd_jw_int(w, "port", port);
    tlsd_jw_end_object(w);
}

static void answer_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    if (c->has_hrr) {
        tlsd_jw_begin_object(w, "hello_retry_request");
        group_name(w, "group", c->hrr_group);
        tlsd_jw_bool(w, "inferred", c->hrr_inferred);
        tlsd_jw_end_object(w);
    } else {
        tlsd_jw_null(w, "hello_retry_request");
    }
    if (c->has_sh)
        server_hello_json(w, c);
    else
        tlsd_jw_null(w, "server_hello");
    tlsd_jw_bool(w, "sslv2_server_hello", c->ssl2_server_hello);
    if (c->dup_hello_frame)
        tlsd_jw_int(w, "duplicate_hello_frame", (int64_t)c->dup_hello_frame);
    else
        tlsd_jw_null(w, "duplicate_hello_frame");
    tlsd_jw_begin_array(w, "certificates");
    for (size_t i = 0; c->has_cert && i < c->cert->n_certs; i++)
        cert_json(w, &c->cert->certs[i]);
    tlsd_jw_end_array(w);
    alerts_json(w, c);
}

/* ".uuuuuuZ": the fraction tlsd_time_utc appends to the second (frac true). */
#define USEC_SUFFIX_LEN 8
#define USEC_PER_SEC    1000000

/* The memo of start_time's date and time of day: one slot, by second. */
#define TIME_PREFIX_MAX TLSD_TIME_LEN

/* tlsd_time_utc(usec, true): connections start within the same second by the thousand, so
 * the date and time of day are remembered per second in the analyser's memo (strftime and
 * snprintf took 5% of a run) and only the microseconds are written by hand. */
static const char *start_time(struct tlsd_analyze_memo *memo, int64_t usec, char out[TLSD_TIME_LEN])
{
    int64_t sec = usec / USEC_PER_SEC, micros = usec % USEC_PER_SEC;
    if (micros < 0) {
        sec--;
        micros += USEC_PER_SEC;
    }
    size_t len;
    const char *prefix =
        memo ? tlsd_memo_get(&memo->time, (uint64_t)sec, &sec, sizeof sec, &len) : NULL;
    if (!prefix) {
        if (!tlsd_time_utc(usec, true, out, TLSD_TIME_LEN))
            return NULL;
        len = strlen(out) - USEC_SUFFIX_LEN;
        char *m = memo ? tlsd_memo_put(&memo->time, (uint64_t)sec, &sec, sizeof sec, len) : NULL;
        if (m)
            memcpy(m, out, len);
        return out;
    }
    memcpy(out, prefix, len);
    char *o = out + len;
    *o++ = '.';
    for (int i = 5; i >= 0; i--) {
        o[i] = (char)('0' + micros % 10);
        micros /= 10;
    }
    o[6] = 'Z';
    o[7] = '\0';
    return out;
}

void tlsd_render_memo_init(struct tlsd_analyze_memo *m)
{
    tlsd_jw_memo_init(&m->json, LIST_SLOTS, (LIST_MAX + 1) * sizeof(uint32_t), LIST_JSON);
    (void)tlsd_memo_init(&m->time, 1, sizeof(int64_t), TIME_PREFIX_MAX);
}

void tlsd_conn_render_json(struct tlsd_strbuf *b, const struct tlsd_conn *c,
                           struct tlsd_diag_table *diags)
{
    struct tlsd_jw w = {.b = b, .memo = c->memo ? &c->memo->json : NULL};
    tlsd_jw_begin_object(&w, NULL);
    tlsd_jw_string(&w, "source", c->source ? c->source : "");
    tlsd_jw_int(&w, "stream", (int64_t)c->id);
    tlsd_jw_int(&w, "first_frame", (int64_t)c->first_frame);
    tlsd_jw_int(&w, "last_frame", (int64_t)c->last_frame);
    tlsd_jw_usec(&w, "start", c->first_ts);
    char when[TLSD_TIME_LEN];
    tlsd_jw_string(&w, "start_time", start_time(c->memo, c->first_ts, when));
    endpoint_json(&w, "client", c->client, c->client_port);
    endpoint_json(&w, "server", c->server, c->server_port);
    tlsd_jw_string(&w, "sni", c->has_ch ? c->ch.server_name : NULL);
    tlsd_jw_string(&w, "outcome", tlsd_conn_outcome_name(c->outcome));
    long di = diags ? table_index(diags, &c->diag) : -1;
    if (di >= 0)
        tlsd_jw_int(&w, "diagnosis", di);
    else
        diag_json(&w, "diagnosis", &c->diag);
    if (c->has_ch)
        client_hello_json(&w, c);
    else
        tlsd_jw_null(&w, "client_hello");
    answer_json(&w, c);
    tcp_json(&w, c);
    tlsd_jw_begin_object(&w, "counts");
    tlsd_jw_int(&w, "client_hellos", c->n_client_hellos);
    tlsd_jw_int(&w, "server_hellos", c->n_server_hellos);
    tlsd_jw_int(&w, "alerts", c->n_alerts_total);
    tlsd_jw_end_object(&w);
    tlsd_jw_string(&w, "parse_error", c->parse_error[0] ? c->parse_error : NULL);
    /* Only on a connection a cap cut short: documents of captures within the caps are the
     * same as before the key existed. */
    if (c->limit != TLSD_TCP_LIMIT_NONE)
        tlsd_jw_string(&w, "limit", tlsd_tcp_limit_name(c->limit));
    tlsd_jw_end_object(&w);
}

/* ---- summaries (once per run, but with up to 65,536 clients: streamed too) ---- */

static void outcomes_json(struct tlsd_jw *w, const char *key, const uint64_t *v)
{
    tlsd_jw_begin_object(w, key);
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        if (v[i])
            tlsd_jw_int(w, tlsd_conn_outcome_name((enum tlsd_conn_outcome)i), (int64_t)v[i]);
    tlsd_jw_end_object(w);
}

static void version_or_null(struct tlsd_jw *w, const char *key, uint16_t v)
{
    if (v)
        version_json(w, key, v);
    else
        tlsd_jw_null(w, key);
}

static void clients_json(struct tlsd_jw *w, const struct tlsd_analyzer *a)
{
    tlsd_jw_begin_array(w, "by_client");
    for (size_t i = 0; i < tlsd_analyzer_client_count(a); i++) {
        const struct tlsd_client_sum *s = tlsd_analyzer_client_at(a, i);
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_string(w, "address", s->addr);
        tlsd_jw_int(w, "handshakes", (int64_t)s->handshakes);
        tlsd_jw_int(w, "failures", (int64_t)s->failures);
        version_or_null(w, "lowest_version", s->offered_low);
        version_or_null(w, "highest_version", s->offered_high);
        tlsd_jw_int(w, "suites_offered", (int64_t)s->n_suites);
        tlsd_jw_begin_array(w, "groups_offered");
        for (size_t k = 0; k < s->n_groups; k++) {
            const struct tlsd_group *g = tlsd_group_by_code(s->groups[k]);
            tlsd_jw_string(w, NULL, g ? g->name : "unknown");
        }
        tlsd_jw_end_array(w);
        tlsd_jw_string(w, "ja4", s->ja4);
        outcomes_json(w, "outcomes", s->outcomes);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
}

static void diags_json(struct tlsd_jw *w, const struct tlsd_analyzer *a)
{
    uint64_t other;
    size_t n = tlsd_analyzer_diag_count(a, &other);
    tlsd_jw_begin_array(w, "by_diagnosis");
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_diag_sum *d = tlsd_analyzer_diag_at(a, i);
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_string(w, "text", d->text);
        tlsd_jw_int(w, "connections", (int64_t)d->connections);
        tlsd_jw_begin_array(w, "clients");
        for (size_t k = 0; k < d->n_clients; k++)
            tlsd_jw_string(w, NULL, d->clients[k]);
        tlsd_jw_end_array(w);
        tlsd_jw_bool(w, "more_clients", d->more_clients);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
    tlsd_jw_int(w, "other_diagnoses", (int64_t)other);
}

static void servers_json(struct tlsd_jw *w, const struct tlsd_analyzer *a)
{
    tlsd_jw_begin_array(w, "by_server");
    for (size_t i = 0; i < tlsd_analyzer_server_count(a); i++) {
        const struct tlsd_server_sum *s = tlsd_analyzer_server_at(a, i);
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_string(w, "address", s->addr);
        tlsd_jw_int(w, "port", s->port);
        tlsd_jw_int(w, "handshakes", (int64_t)s->handshakes);
        tlsd_jw_int(w, "failures", (int64_t)s->failures);
        version_or_null(w, "best_version", s->best_version);
        tlsd_jw_begin_array(w, "suites_chosen");
        for (size_t j = 0; j < s->n_suites; j++) {
            const struct tlsd_suite *x = tlsd_suite_by_code(s->suites[j]);
            tlsd_jw_string(w, NULL, x ? x->iana_name : "unknown");
        }
        tlsd_jw_end_array(w);
        tlsd_jw_string(w, "certificate_key", s->cert_key_type[0] ? s->cert_key_type : NULL);
        outcomes_json(w, "outcomes", s->outcomes);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
}

static void stats_json(struct tlsd_jw *w, const struct tlsd_analyze_stats *st)
{
    tlsd_jw_begin_object(w, "totals");
    tlsd_jw_int(w, "files", (int64_t)st->files);
    tlsd_jw_int(w, "files_failed", (int64_t)st->files_failed);
    tlsd_jw_int(w, "frames", (int64_t)st->frames);
    tlsd_jw_int(w, "bytes", (int64_t)st->bytes);
    tlsd_jw_int(w, "tcp_segments", (int64_t)st->tcp_segments);
    tlsd_jw_int(w, "udp_datagrams", (int64_t)st->udp_datagrams);
    tlsd_jw_begin_object(w, "frames_skipped");
    for (int i = 1; i < TLSD_PKT_SKIP_COUNT; i++)
        if (st->skipped[i])
            tlsd_jw_int(w, tlsd_pkt_skip_name((enum tlsd_pkt_skip)i), (int64_t)st->skipped[i]);
    tlsd_jw_end_object(w);
    tlsd_jw_int(w, "read_errors", (int64_t)st->read_errors);
    tlsd_jw_int(w, "tcp_flows", (int64_t)st->flows);
    tlsd_jw_int(w, "flows_without_tls", (int64_t)st->flows_not_tls);
    tlsd_jw_int(w, "connections", (int64_t)st->connections);
    tlsd_jw_int(w, "connections_before_tls", (int64_t)st->connections_before_tls);
    tlsd_jw_int(w, "client_hellos", (int64_t)st->client_hellos);
    tlsd_jw_int(w, "server_hellos", (int64_t)st->server_hellos);
    tlsd_jw_int(w, "alerts", (int64_t)st->alerts);
    tlsd_jw_int(w, "record_errors", (int64_t)st->record_errors);
    tlsd_jw_int(w, "parse_errors", (int64_t)st->parse_errors);
    tlsd_jw_int(w, "out_of_memory", (int64_t)st->nomem);
    tlsd_jw_int(w, "summary_entries_dropped", (int64_t)st->summary_dropped);
    tlsd_jw_int(w, "connections_unfinished", (int64_t)st->unfinished);
    tlsd_jw_end_object(w);
}

/* The caps that cut something short, each with its value and what it cut: only present
 * when one did. */
static void limits_json(struct tlsd_jw *w, const struct tlsd_analyzer *a)
{
    const struct tlsd_analyze_stats *st = &a->stats;
    bool any = false;
    for (int l = 1; l < TLSD_TCP_LIMIT_COUNT; l++) {
        if (!st->limit_connections[l] && !st->limit_flows[l])
            continue;
        if (!any)
            tlsd_jw_begin_object(w, "limits");
        any = true;
        tlsd_jw_begin_object(w, tlsd_tcp_limit_name((enum tlsd_tcp_limit)l));
        tlsd_jw_int(w, "value", (int64_t)tlsd_limit_value(a, (enum tlsd_tcp_limit)l));
        tlsd_jw_int(w, "connections", (int64_t)st->limit_connections[l]);
        tlsd_jw_int(w, "flows_without_tls", (int64_t)st->limit_flows[l]);
        tlsd_jw_end_object(w);
    }
    if (any)
        tlsd_jw_end_object(w);
}

/* The connections that failed before TLS, by server port (every port). */
static void before_tls_json(struct tlsd_jw *w, const struct tlsd_analyzer *a)
{
    size_t max = tlsd_analyzer_server_count(a);
    struct tlsd_port_sum *ports = max ? calloc(max, sizeof *ports) : NULL;
    size_t n = ports ? tlsd_analyzer_before_tls_ports(a, ports, max) : 0;
    if (max && !ports)
        w->b->failed = true;
    tlsd_jw_begin_array(w, "before_tls_by_port");
    for (size_t i = 0; i < n && i < max; i++) {
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_int(w, "port", ports[i].port);
        outcomes_json(w, "outcomes", ports[i].outcomes);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
    free(ports);
}

void tlsd_analyze_summary_render_json(struct tlsd_strbuf *b, const struct tlsd_analyzer *a)
{
    struct tlsd_jw w = {.b = b, .memo = &a->memo->json};
    tlsd_jw_begin_object(&w, NULL);
    stats_json(&w, &a->stats);
    limits_json(&w, a);
    outcomes_json(&w, "by_outcome", a->stats.outcomes);
    clients_json(&w, a);
    servers_json(&w, a);
    before_tls_json(&w, a);
    diags_json(&w, a);
    tlsd_jw_end_object(&w);
}

void tlsd_analyze_document_end_json(struct tlsd_strbuf *b, const struct tlsd_diag_table *diags,
                                    uint64_t listed, bool interrupted, const char *files_json,
                                    const struct tlsd_analyzer *a)
{
    tlsd_sb_puts(b, "],\"diagnoses\":");
    tlsd_diag_table_render_json(b, diags);
    tlsd_sb_puts(b, ",\"outcome_texts\":{");
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        tlsd_sb_printf(b, "%s\"%s\":\"%s\"", i ? "," : "",
                       tlsd_conn_outcome_name((enum tlsd_conn_outcome)i),
                       tlsd_conn_outcome_text((enum tlsd_conn_outcome)i));
    tlsd_sb_printf(b, "},\"connections_listed\":%llu,\"summary_scope\":\"capture\"",
                   (unsigned long long)listed);
    tlsd_sb_printf(b,
                   ",\"interrupted\":%s,\"files\":%s,\"summary\":", interrupted ? "true" : "false",
                   files_json ? files_json : "null");
    tlsd_analyze_summary_render_json(b, a);
    tlsd_sb_puts(b, "}\n");
}

void tlsd_analyze_document_start_json(struct tlsd_strbuf *b, const char *tool)
{
    tlsd_sb_printf(b, "{\"tool\":\"%s\",\"version\":\"%s\",\"connections\":[", tool, TLSD_VERSION);
}
