/* The explain matcher: free input (codes, names, pasted error text) -> ranked knowledge-base
 * entries. Text is compared after normalisation (lower case, every run of other characters one
 * space), the same normalisation scripts/gen_explain.py applies to the patterns, so line breaks,
 * brackets and underscores in a paste do not matter. Codes are read from raw tokens so signs and
 * 0x prefixes survive. */
#include "tlsdiag/explain.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"

#include "explain/explain_internal.h"
#include "tlsdiag/explain_codes.h"

/* Only the first part of a huge paste is read: error lines are short, logs are not. */
#define MAX_SCAN  (256u * 1024u)
#define MAX_TOKEN 64
/* Inputs of at most this many tokens are typed queries: a bare small number is an alert. */
#define QUERY_TOKENS 3
/* How far back "alert" or "fatal" makes a small number an alert code: "SSL alert number 40",
 * "Received alert [40]", "The TLS protocol defined fatal error code is 40". A bare "code" is not
 * enough ("Verify return code: 0 (ok)"). */
#define CONTEXT_TOKENS 4

enum {
    SCORE_NAME = 95,       /* SEC_E_ILLEGAL_MESSAGE, 0x80090326, -2146893018 */
    SCORE_EVENT = 90,      /* 36888 */
    SCORE_ALERT_NAME = 85, /* handshake_failure */
    SCORE_ALERT_CODE = 80, /* "alert 40", "36888 40", a bare "40" */
    SCORE_PATTERN_MAX = 94,
    SCORE_GENERIC_MAX = 45,
    SCORE_EXTRA = 5, /* each further pattern of the same entry */
};

size_t tlsd_explain_count(void)
{
    return tlsd_explain_entries_count;
}

const struct tlsd_explain_entry *tlsd_explain_at(size_t i)
{
    return i < tlsd_explain_entries_count ? &tlsd_explain_entries[i] : NULL;
}

size_t tlsd_explain_cause_count(void)
{
    return tlsd_explain_causes_count;
}

const struct tlsd_explain_cause *tlsd_explain_cause_at(size_t i)
{
    return i < tlsd_explain_causes_count ? &tlsd_explain_causes[i] : NULL;
}

const struct tlsd_explain_entry *tlsd_explain_by_key(const char *key)
{
    for (size_t i = 0; i < tlsd_explain_entries_count; i++)
        if (strcasecmp(tlsd_explain_entries[i].key, key) == 0)
            return &tlsd_explain_entries[i];
    return NULL;
}

const char *tlsd_explain_kind_name(enum tlsd_explain_kind k)
{
    static const char *const names[] = {"alert", "event", "status", "message"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

static const struct tlsd_explain_entry *find_code(enum tlsd_explain_kind kind, uint32_t code)
{
    for (size_t i = 0; i < tlsd_explain_entries_count; i++)
        if (tlsd_explain_entries[i].kind == kind && tlsd_explain_entries[i].code == code)
            return &tlsd_explain_entries[i];
    return NULL;
}

/* An alert name in any spelling: handshake_failure, HANDSHAKE_FAILURE, HandshakeFailure (.NET
 * TlsAlertMessage), with or without the registry's _RESERVED suffix. */
static bool same_alert_name(const char *name, const char *tok)
{
    const char *end = strstr(name, "_RESERVED");
    if (!end)
        end = name + strlen(name);
    for (;;) {
        while (name < end && *name == '_')
            name++;
        while (*tok == '_')
            tok++;
        if (name == end || !*tok)
            return name == end && !*tok;
        if (tolower((unsigned char)*name++) != tolower((unsigned char)*tok++))
            return false;
    }
}

/* Alert names (any spelling) and status names (case-insensitive). */
static const struct tlsd_explain_entry *find_name(const char *tok)
{
    for (size_t i = 0; i < tlsd_explain_entries_count; i++) {
        const struct tlsd_explain_entry *e = &tlsd_explain_entries[i];
        if (e->kind == TLSD_EXPLAIN_ALERT
                ? same_alert_name(e->name, tok)
                : e->kind == TLSD_EXPLAIN_STATUS && strcasecmp(e->name, tok) == 0)
            return e;
    }
    return NULL;
}

/* Per-entry state while one query runs. */
struct acc {
    int *score;
    char (*matched)[96];
};

static void credit(struct acc *a, const struct tlsd_explain_entry *e, int score, const char *what)
{
    size_t i = (size_t)(e - tlsd_explain_entries);
    if (a->score[i] > 0 && score <= a->score[i]) {
        a->score[i] += SCORE_EXTRA;
        if (a->score[i] > 100)
            a->score[i] = 100;
        return;
    }
    a->score[i] = score;
    snprintf(a->matched[i], sizeof a->matched[i], "%s", what);
}

/* Lower case, every run of non-alphanumerics one space, one space at both ends. */
static char *normalise(const char *text, size_t len)
{
    char *n = malloc(len + 3);
    if (!n)
        return NULL;
    size_t o = 0;
    n[o++] = ' ';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isalnum(c))
            n[o++] = (char)tolower(c);
        else if (n[o - 1] != ' ')
            n[o++] = ' ';
    }
    if (n[o - 1] != ' ')
        n[o++] = ' ';
    n[o] = '\0';
    return n;
}

/* True when pat occurs in norm as whole words (norm has a space at both ends). */
static bool has_words(const char *norm, const char *pat)
{
    size_t l = strlen(pat);
    for (const char *p = strstr(norm, pat); p; p = strstr(p + 1, pat))
        if (p[-1] == ' ' && p[l] == ' ')
            return true;
    return false;
}

static int pattern_score(const char *pat, bool generic)
{
    int l = (int)strlen(pat);
    if (generic)
        return 20 + l / 2 > SCORE_GENERIC_MAX ? SCORE_GENERIC_MAX : 20 + l / 2;
    return 40 + l > SCORE_PATTERN_MAX ? SCORE_PATTERN_MAX : 40 + l;
}

static void match_patterns(struct acc *a, const char *norm)
{
    for (size_t i = 0; i < tlsd_explain_entries_count; i++) {
        const struct tlsd_explain_entry *e = &tlsd_explain_entries[i];
        for (size_t k = 0; k < e->n_patterns; k++) {
            bool generic = e->patterns[k][0] == '~';
            const char *pat = e->patterns[k] + generic;
            if (has_words(norm, pat))
                credit(a, e, pattern_score(pat, generic), pat);
        }
    }
}

struct token {
    char s[MAX_TOKEN];
};

static bool token_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Splits raw text into tokens of letters, digits, '_' and '-' (longer ones are skipped). */
static struct token *tokenise(const char *text, size_t len, size_t *n)
{
    size_t cap = 16, k = 0;
    struct token *t = malloc(cap * sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && token_char(text[j]))
            j++;
        if (j > i && j - i < MAX_TOKEN) {
            if (k == cap) {
                struct token *g = realloc(t, 2 * cap * sizeof *t);
                if (!g) {
                    free(t);
                    return NULL;
                }
                t = g;
                cap *= 2;
            }
            memcpy(t[k].s, text + i, j - i);
            t[k++].s[j - i] = '\0';
        }
        i = j > i ? j : i + 1;
    }
    *n = k;
    return t;
}

/* Parses 0xHEX, -DEC or DEC; false for anything else. */
static bool parse_number(const char *s, long long *v, bool *hex)
{
    char *end;
    errno = 0;
    *hex = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'));
    /* Logs often drop the 0x of an HRESULT: 80090326, 800B0109. */
    if (!*hex && strlen(s) == 8 && strncasecmp(s, "800", 3) == 0 &&
        strspn(s, "0123456789abcdefABCDEF") == 8) {
        *hex = true;
        *v = strtoll(s, &end, 16);
        return true;
    }
    if (*hex) {
        if (!isxdigit((unsigned char)s[2]))
            return false;
        *v = strtoll(s + 2, &end, 16);
    } else {
        if (!isdigit((unsigned char)s[s[0] == '-']))
            return false;
        *v = strtoll(s, &end, 10);
    }
    return errno == 0 && *end == '\0' && *v >= -2147483648LL && *v <= 0xFFFFFFFFLL;
}

static bool alert_context(const struct token *t, size_t i)
{
    for (size_t k = i > CONTEXT_TOKENS ? i - CONTEXT_TOKENS : 0; k < i; k++)
        if (tlsd_strcasestr(t[k].s, "alert") || strcasecmp(t[k].s, "fatal") == 0)
            return true;
    return false;
}

struct scan {
    struct acc *a;
    const struct token *t;
    size_t n;
    bool after_event; /* the previous token was an event that carries an alert */
};

/* "errno=104", "[Errno 104]": the number is a system error, not an alert or a code. */
static bool errno_context(const struct token *t, size_t i)
{
    return i > 0 && strcasecmp(t[i - 1].s, "errno") == 0;
}

static void match_number(struct scan *sc, size_t i, long long v, bool hex)
{
    const struct tlsd_explain_entry *e = NULL;
    const char *tok = sc->t[i].s;
    if (errno_context(sc->t, i)) {
        sc->after_event = false;
        return;
    }
    if (!hex && v >= TLSD_EVENT_ID_FIRST && v <= TLSD_EVENT_ID_LAST &&
        (e = find_code(TLSD_EXPLAIN_EVENT, (uint32_t)v))) {
        credit(sc->a, e, SCORE_EVENT, tok);
        sc->after_event = e->carries_alert;
        return;
    }
    if ((hex || v < 0 || v > 255) && (e = find_code(TLSD_EXPLAIN_STATUS, (uint32_t)v)))
        credit(sc->a, e, SCORE_NAME, tok);
    else if (v >= 0 && v <= 255 &&
             (sc->n <= QUERY_TOKENS || sc->after_event || alert_context(sc->t, i)) &&
             (e = find_code(TLSD_EXPLAIN_ALERT, (uint32_t)v)))
        credit(sc->a, e, SCORE_ALERT_CODE, tok);
    sc->after_event = false;
}

static void match_tokens(struct acc *a, const struct token *t, size_t n)
{
    struct scan sc = {a, t, n, false};
    for (size_t i = 0; i < n; i++) {
        long long v;
        bool hex;
        const struct tlsd_explain_entry *e;
        if (parse_number(t[i].s, &v, &hex)) {
            match_number(&sc, i, v, hex);
        } else if ((e = find_name(t[i].s))) {
            credit(a, e, e->kind == TLSD_EXPLAIN_ALERT ? SCORE_ALERT_NAME : SCORE_NAME, t[i].s);
            sc.after_event = false;
        }
    }
}

/* The best alert code among the candidates, for an event that carries one; -1 if none. */
static int best_alert(const struct acc *a)
{
    int best = -1, score = 0;
    for (size_t i = 0; i < tlsd_explain_entries_count; i++)
        if (tlsd_explain_entries[i].kind == TLSD_EXPLAIN_ALERT && a->score[i] > score) {
            score = a->score[i];
            best = (int)i;
        }
    return best;
}

static int by_score(const void *x, const void *y)
{
    const struct tlsd_explain_match *a = x, *b = y;
    if (a->score != b->score)
        return b->score - a->score;
    return a->entry < b->entry ? -1 : a->entry > b->entry;
}

static int collect(const struct acc *a, struct tlsd_explain_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < tlsd_explain_entries_count; i++)
        n += a->score[i] > 0;
    r->matches = n ? calloc(n, sizeof *r->matches) : NULL;
    if (n && !r->matches)
        return -1;
    int alert = best_alert(a);
    for (size_t i = 0; i < tlsd_explain_entries_count; i++) {
        if (a->score[i] <= 0)
            continue;
        struct tlsd_explain_match *m = &r->matches[r->n++];
        const struct tlsd_explain_entry *e = &tlsd_explain_entries[i];
        m->entry = e;
        m->score = a->score[i];
        m->alert = -1;
        memcpy(m->matched, a->matched[i], sizeof m->matched);
        m->causes = e->causes;
        m->n_causes = e->n_causes;
        if (e->carries_alert && alert >= 0) {
            const struct tlsd_explain_entry *al = &tlsd_explain_entries[alert];
            m->alert = (int)al->code;
            m->causes = al->causes;
            m->n_causes = al->n_causes;
            m->score = m->score < 100 ? m->score + 2 : 100; /* the pair says more than either */
        }
    }
    if (r->n > 1)
        tlsd_qsort(r->matches, r->n, sizeof *r->matches, by_score);
    return 0;
}

int tlsd_explain_query(const char *text, size_t len, struct tlsd_explain_result *r)
{
    memset(r, 0, sizeof *r);
    if (len > MAX_SCAN)
        len = MAX_SCAN;
    size_t n = tlsd_explain_entries_count, nt = 0;
    struct acc a = {calloc(n, sizeof *a.score), calloc(n, sizeof *a.matched)};
    char *norm = normalise(text, len);
    struct token *t = tokenise(text, len, &nt);
    int rc = -1;
    if (a.score && a.matched && norm && t) {
        match_patterns(&a, norm);
        match_tokens(&a, t, nt);
        rc = collect(&a, r);
    }
    free(a.score);
    free(a.matched);
    free(norm);
    free(t);
    return rc;
}

void tlsd_explain_result_free(struct tlsd_explain_result *r)
{
    free(r->matches);
    r->matches = NULL;
    r->n = 0;
}
