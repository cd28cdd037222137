/* The capture analyser (tlsdiag/analyze.h) on synthetic TCP segments: each outcome class
 * from a ClientHello and the server's answer or TCP end, the diagnosis and Schannel events,
 * flows without TLS counted but not reported, summaries by client and server, both
 * renderers (a --json document's diagnoses by reference), and connections reported (and
 * freed) as they complete, not at the end. */
#include "testutil.h"
#include "tlsdiag/analyze.h"

#include <jansson.h>

struct seen {
    size_t n;
    enum tlsd_conn_outcome outcome[64];
    char text[64][512];
    uint32_t first_event[64];
    int fatal_alert[64];
    size_t before_end; /* reported before tlsd_analyzer_end */
    bool ended;
};

/* The distinct diagnoses of all connections the tests see, as a --json document has them. */
static struct tlsd_diag_table *diags;

/* Rendered with the table, the connection names its diagnosis by an index whose entry is
 * the one it carries inline without the table; equal diagnoses share an entry. */
/* The renderer's text, parsed: the library writes JSON once, as text; the tests read it
 * back to check it is JSON and what it holds. */
static json_t *parsed(struct tlsd_strbuf *b)
{
    json_t *j = b->failed || !b->s ? NULL : json_loadb(b->s, b->len, 0, NULL);
    tlsd_sb_free(b);
    return j;
}

static json_t *conn_json(const struct tlsd_conn *c)
{
    struct tlsd_strbuf b = {0};
    tlsd_conn_render_json(&b, c, NULL);
    return parsed(&b);
}

static json_t *summary_json(const struct tlsd_analyzer *a)
{
    struct tlsd_strbuf b = {0};
    tlsd_analyze_summary_render_json(&b, a);
    return parsed(&b);
}

static void check_diag_ref(const struct tlsd_conn *c, json_t *inline_obj)
{
    size_t before = tlsd_diag_table_count(diags);
    struct tlsd_strbuf b = {0};
    tlsd_conn_render_json(&b, c, diags);
    json_t *j = json_loadb(b.s, b.len, 0, NULL);
    assert_non_null(j);
    json_t *idx = json_object_get(j, "diagnosis");
    assert_true(json_is_integer(idx));
    size_t i = (size_t)json_integer_value(idx);
    assert_true(i < tlsd_diag_table_count(diags));
    assert_true(tlsd_diag_table_count(diags) == before || i == before); /* new: appended */
    b.len = 0;
    tlsd_diag_table_render_json(&b, diags);
    json_t *table = json_loadb(b.s, b.len, 0, NULL);
    assert_non_null(table);
    assert_true(json_equal(json_array_get(table, i), json_object_get(inline_obj, "diagnosis")));
    /* The same again: the same index, nothing added. */
    size_t n = tlsd_diag_table_count(diags);
    b.len = 0;
    tlsd_conn_render_json(&b, c, diags);
    assert_int_equal(tlsd_diag_table_count(diags), n);
    json_t *j2 = json_loadb(b.s, b.len, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j2, "diagnosis")), i);
    json_decref(j2);
    json_decref(table);
    json_decref(j);
    tlsd_sb_free(&b);
}

static void on_conn(void *ctx, const struct tlsd_conn *c)
{
    struct seen *s = ctx;
    if (!s->ended)
        s->before_end++;
    if (s->n >= 64) {
        s->n++;
        return;
    }
    s->outcome[s->n] = c->outcome;
    snprintf(s->text[s->n], sizeof s->text[0], "%s", c->diag.text ? c->diag.text : "");
    s->first_event[s->n] = c->diag.n_events ? c->diag.events[0].id : 0;
    s->fatal_alert[s->n] = c->fatal >= 0 ? c->alerts[c->fatal].description : -1;
    /* Both renderers run on every connection (ASan checks them). */
    json_t *j = conn_json(c);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "outcome")),
                        tlsd_conn_outcome_name(c->outcome));
    check_diag_ref(c, j);
    json_decref(j);
    struct tlsd_strbuf b = {0};
    tlsd_conn_render_text(&b, c, true);
    assert_non_null(strstr(b.s, "outcome"));
    tlsd_sb_free(&b);
    s->n++;
}

static uint64_t frame_no;

/* A segment of connection k: client 10.0.(k/250).(k%250+1):40000+k -> 10.9.9.9:443. */
static void seg(struct tlsd_analyzer *a, unsigned k, unsigned dir, uint32_t seq, uint8_t flags,
                const void *data, size_t len)
{
    frame_no++;
    struct tlsd_pkt p = {
        .frame = frame_no, .ts_usec = 1000000 + (int64_t)frame_no, .ip_version = 4, .proto = 6};
    uint8_t c[4] = {10, 0, (uint8_t)(k / 250), (uint8_t)(k % 250 + 1)}, s[4] = {10, 9, 9, 9};
    memcpy(p.src, dir ? s : c, 4);
    memcpy(p.dst, dir ? c : s, 4);
    p.sport = dir ? 443 : (uint16_t)(40000 + k);
    p.dport = dir ? (uint16_t)(40000 + k) : 443;
    p.seq = seq;
    p.tcp_flags = flags;
    p.payload = data;
    p.payload_len = p.payload_wire_len = len;
    assert_int_equal(tlsd_analyzer_packet(a, &p), TLSD_CAPERR_OK);
}

/* A ClientHello record: TLS 1.0 only with RSA-3DES and RC4, or TLS 1.2 with ECDHE. */
static uint8_t *client_hello(bool old, size_t *len)
{
    static const uint32_t old_suites[] = {0x000a, 0x0005};
    static const uint32_t new_suites[] = {0xc02f, 0xc030};
    struct tlsd_hello_spec s = {.legacy_version = old ? 0x0301 : 0x0303,
                                .random_mode = TLSD_RANDOM_ZERO,
                                .suites = old ? old_suites : new_suites,
                                .n_suites = 2,
                                .server_name = "print.example"};
    uint8_t *rec;
    assert_int_equal(tlsd_hello_build(&s, NULL, NULL, &rec, len), TLSD_CERR_OK);
    return rec;
}

/* Connection k: SYN, SYN-ACK, the ClientHello; then the server's answer (or nothing). */
static void hello(struct tlsd_analyzer *a, unsigned k, bool old)
{
    size_t n;
    uint8_t *ch = client_hello(old, &n);
    seg(a, k, 0, 100, TLSD_TCP_SYN, NULL, 0);
    seg(a, k, 1, 500, TLSD_TCP_SYN | TLSD_TCP_ACK, NULL, 0);
    seg(a, k, 0, 101, TLSD_TCP_ACK | TLSD_TCP_PSH, ch, n);
    free(ch);
}

static struct tlsd_analyzer *start(struct seen *s)
{
    memset(s, 0, sizeof *s);
    struct tlsd_analyzer *a = tlsd_analyzer_new(NULL, on_conn, s);
    assert_non_null(a);
    assert_int_equal(tlsd_analyzer_begin(a, "synthetic"), TLSD_CAPERR_OK);
    return a;
}

static void stop(struct tlsd_analyzer *a, struct seen *s)
{
    s->ended = true;
    tlsd_analyzer_end(a);
}

static void test_outcomes(void **state)
{
    (void)state;
    struct seen s;
    struct tlsd_analyzer *a = start(&s);
    static const uint8_t alert70[] = {21, 3, 1, 0, 2, 2, 70};
    static const char http[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
    hello(a, 0, true); /* old client, server alert protocol_version */
    seg(a, 0, 1, 501, TLSD_TCP_ACK, alert70, sizeof alert70);
    hello(a, 1, true); /* old client, server reset (Schannel) */
    seg(a, 1, 1, 501, TLSD_TCP_RST, NULL, 0);
    hello(a, 2, false); /* plain-text server */
    seg(a, 2, 1, 501, TLSD_TCP_ACK, http, strlen(http));
    seg(a, 2, 1, 501 + (uint32_t)strlen(http), TLSD_TCP_FIN | TLSD_TCP_ACK, NULL, 0);
    seg(a, 3, 0, 100, TLSD_TCP_SYN, NULL, 0); /* no TLS at all: counted, not reported */
    seg(a, 3, 0, 101, TLSD_TCP_ACK, "GET / HTTP/1.0\r\n\r\n", 18);
    seg(a, 3, 1, 501, TLSD_TCP_ACK, http, strlen(http));
    hello(a, 4, false); /* silence until the end */
    /* the first two were decided as their answers came; the third waits for the client's
     * end after the server's FIN (the client may still send an alert) */
    assert_int_equal(s.n, 2);
    stop(a, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.outcome[0], TLSD_OUTCOME_SERVER_ALERT);
    assert_int_equal(s.fatal_alert[0], 70);
    assert_non_null(strstr(s.text[0], "the client offers only TLS 1.0; the server answered "
                                      "protocol_version (70): enable TLS 1.2 on the client or "
                                      "TLS 1.0 on the server"));
    assert_int_equal(s.first_event[0], 36888);
    assert_int_equal(s.outcome[1], TLSD_OUTCOME_RESET_AFTER_HELLO);
    assert_int_equal(s.first_event[1], 36874);
    assert_int_equal(s.outcome[2], TLSD_OUTCOME_NOT_TLS);
    assert_non_null(strstr(s.text[2], "HTTP/1.0 400 Bad Request"));
    assert_int_equal(s.outcome[3], TLSD_OUTCOME_NO_ANSWER);
    const struct tlsd_analyze_stats *st = tlsd_analyzer_stats(a);
    assert_int_equal(st->connections, 4);
    assert_int_equal(st->flows_not_tls, 1);
    assert_int_equal(st->client_hellos, 4);
    assert_int_equal(st->alerts, 1);
    assert_int_equal(st->outcomes[TLSD_OUTCOME_NO_ANSWER], 1);
    assert_int_equal(tlsd_analyzer_client_count(a), 4);
    assert_int_equal(tlsd_analyzer_server_count(a), 1);
    const struct tlsd_server_sum *srv = tlsd_analyzer_server_at(a, 0);
    assert_int_equal(srv->handshakes, 4);
    assert_int_equal(srv->failures, 4);
    json_t *j = summary_json(a);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "by_outcome"),
                                                        "reset_after_client_hello")),
                     1);
    json_decref(j);
    struct tlsd_strbuf b = {0};
    tlsd_analyze_summary_render_text(&b, a, false);
    assert_non_null(strstr(b.s, "by client:"));
    tlsd_sb_free(&b);
    tlsd_analyzer_free(a);
}

/* No suite in common: the diagnosis names the client's suites that would bridge. */
static void test_no_common_suite(void **state)
{
    (void)state;
    struct seen s;
    struct tlsd_analyzer *a = start(&s);
    static const uint8_t alert40[] = {21, 3, 3, 0, 2, 2, 40};
    size_t n;
    uint8_t *ch = client_hello(true, &n);
    ch[9] = 3, ch[10] = 3; /* the old suites, offered as TLS 1.2 */
    seg(a, 0, 0, 100, TLSD_TCP_SYN, NULL, 0);
    seg(a, 0, 0, 101, TLSD_TCP_ACK, ch, n);
    seg(a, 0, 1, 501, TLSD_TCP_ACK, alert40, sizeof alert40);
    free(ch);
    stop(a, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.outcome[0], TLSD_OUTCOME_SERVER_ALERT);
    assert_non_null(strstr(s.text[0], "no suite in common"));
    assert_non_null(strstr(s.text[0], "only RSA key exchange with 3DES or RC4"));
    assert_non_null(strstr(s.text[0], "TLS_RSA_WITH_3DES_EDE_CBC_SHA (weak)"));
    tlsd_analyzer_free(a);
}

/* Thousands of connections, each decided by its reset: every one is reported before the
 * end of the input, so nothing accumulates. */
static void test_reported_as_they_complete(void **state)
{
    (void)state;
    struct seen s;
    struct tlsd_analyzer *a = start(&s);
    for (unsigned k = 0; k < 5000; k++) {
        hello(a, k, k % 2);
        seg(a, k, 1, 501, TLSD_TCP_RST, NULL, 0);
    }
    assert_int_equal(s.before_end, 5000);
    stop(a, &s);
    assert_int_equal(s.n, 5000);
    assert_int_equal(tlsd_analyzer_stats(a)->outcomes[TLSD_OUTCOME_RESET_AFTER_HELLO], 5000);
    tlsd_analyzer_free(a);
}

static void test_names(void **state)
{
    (void)state;
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        assert_int_equal(
            tlsd_conn_outcome_from_name(tlsd_conn_outcome_name((enum tlsd_conn_outcome)i)), i);
    assert_int_equal(tlsd_conn_outcome_from_name("nonsense"), -1);
    assert_string_equal(tlsd_conn_outcome_name(TLSD_OUTCOME_COUNT), "?");
    char b[24];
    assert_string_equal(tlsd_version_label(0x0303, b), "TLS 1.2");
    assert_string_equal(tlsd_version_label(0x7f17, b), "TLS 1.3 (draft 23)");
    assert_string_equal(tlsd_version_label(0x1234, b), "0x1234");
}

/* One name per state: no detail is spelt as an ending, no name twice. */
static void test_ending_vocabulary(void **state)
{
    (void)state;
    const char *seen[TLSD_OUTCOME_COUNT + TLSD_DETAIL_COUNT];
    size_t n = 0;
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        seen[n++] = tlsd_conn_outcome_name((enum tlsd_conn_outcome)i);
    for (int i = 0; i < TLSD_DETAIL_COUNT; i++) {
        const char *d = tlsd_ending_detail_name((enum tlsd_ending_detail)i);
        assert_int_equal(tlsd_conn_outcome_from_name(d), -1);
        seen[n++] = d;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(seen[i], seen[k]);
    assert_string_equal(tlsd_ending_detail_name(TLSD_DETAIL_COUNT), "?");
    assert_string_equal(tlsd_ending_detail_name(TLSD_DETAIL_ILLEGAL_ANSWER), "illegal_answer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcomes),        cmocka_unit_test(test_ending_vocabulary),
        cmocka_unit_test(test_no_common_suite), cmocka_unit_test(test_reported_as_they_complete),
        cmocka_unit_test(test_names),
    };
    diags = tlsd_diag_table_new();
    if (!diags)
        return 1;
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tlsd_diag_table_free(diags);
    return rc;
}
