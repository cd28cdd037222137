/* serve and connect building blocks: the hello recorder (every chunk size, the SSLv2
 * form, refusals with reasons, the first-flight cap), the libssl context of a profile
 * (what cannot be served is listed, ECDSA certificates, no servable version), the hellos
 * of `connect --as` (captured bytes, hellos built from a profile read back by the codec),
 * a saved scan JSON as a server profile (and its refusals), and the time limit before the
 * ClientHello on a busy loop. */
#include "loop_testutil.h"

#include <semaphore.h>

#include "tlsdiag/connect.h"
#include "tlsdiag/serve.h"
#include "tlsdiag/strbuf.h"

static uint8_t *hello_of(const char *profile, size_t *len, bool *captured)
{
    struct tlsd_profile p;
    struct tlsd_profile_err err;
    uint8_t *rec;
    if (tlsd_connect_hello_for(profile, "print.example.test", &rec, len, captured, &p, &err) < 0)
        fail_msg("%s: %s", profile, err.msg);
    return rec;
}

/* Feeds buf in chunks of n; returns the status of the last feed and how many bytes it took. */
static enum tlsd_cerr feed_chunks(const uint8_t *buf, size_t len, size_t n, size_t *used,
                                  struct tlsd_client_hello *ch, struct tlsd_err *err)
{
    struct tlsd_hello_rec h;
    enum tlsd_cerr rc = TLSD_CERR_NEED_MORE;
    tlsd_hello_rec_init(&h);
    *used = 0;
    while (rc == TLSD_CERR_NEED_MORE && *used < len) {
        size_t k = len - *used < n ? len - *used : n;
        tlsd_client_hello_free(ch);
        rc = tlsd_hello_rec_feed(&h, buf + *used, k, ch, err);
        *used += k;
    }
    tlsd_hello_rec_free(&h);
    return rc;
}

static void recorder_any_chunking(void **state)
{
    (void)state;
    size_t len, used;
    bool captured;
    uint8_t *rec = hello_of("testssl-chrome-101-win10", &len, &captured);
    assert_true(captured);
    for (size_t n = 1; n <= len; n += (n < 16 ? 1 : 37)) {
        struct tlsd_client_hello ch = {0};
        struct tlsd_err err = {0};
        assert_int_equal(feed_chunks(rec, len, n, &used, &ch, &err), TLSD_CERR_OK);
        assert_int_equal(used, len); /* whole only with its last byte */
        assert_true(ch.n_suites > 10);
        assert_true(ch.has_versions);
        tlsd_client_hello_free(&ch);
    }
    free(rec);
}

static void recorder_refuses(void **state)
{
    (void)state;
    static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
    static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    static const uint8_t server_hello[] = {22, 3, 3, 0, 4, 2, 0, 0, 0};
    struct {
        const uint8_t *p;
        size_t n;
        enum tlsd_cerr want;
    } cases[] = {
        {alert, sizeof alert, TLSD_CERR_UNEXPECTED},
        {http, sizeof http - 1, TLSD_CERR_BAD_CONTENT_TYPE},
        {server_hello, sizeof server_hello, TLSD_CERR_UNEXPECTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tlsd_client_hello ch = {0};
        struct tlsd_err err = {0};
        size_t used;
        enum tlsd_cerr rc = feed_chunks(cases[i].p, cases[i].n, 3, &used, &ch, &err);
        tlsd_client_hello_free(&ch);
        if (cases[i].want == TLSD_CERR_BAD_CONTENT_TYPE)
            assert_true(rc != TLSD_CERR_OK && rc != TLSD_CERR_NEED_MORE);
        else
            assert_int_equal(rc, cases[i].want);
        assert_int_not_equal(err.code, TLSD_CERR_OK);
    }
}

static void recorder_cap(void **state)
{
    (void)state;
    /* A ClientHello header promising ~1 MB, then handshake records of zeros. */
    struct tlsd_hello_rec h;
    struct tlsd_client_hello ch = {0};
    struct tlsd_err err = {0};
    uint8_t rec[5 + 16384] = {22, 3, 1, 0x40, 0x00, 1, 0x0f, 0xff, 0xf0};
    enum tlsd_cerr rc = TLSD_CERR_NEED_MORE;
    tlsd_hello_rec_init(&h);
    for (int i = 0; i < 8 && rc == TLSD_CERR_NEED_MORE; i++) {
        rc = tlsd_hello_rec_feed(&h, rec, sizeof rec, &ch, &err);
        memset(rec + 5, 0, sizeof rec - 5);
    }
    assert_int_equal(rc, TLSD_CERR_MSG_TOO_LARGE);
    assert_true(h.fed <= TLSD_HELLO_REC_MAX);
    tlsd_client_hello_free(&ch);
    tlsd_hello_rec_free(&h);
}

static void recorder_sslv2(void **state)
{
    (void)state;
    size_t len, used;
    bool captured;
    uint8_t *rec = hello_of("testssl-ie-6-xp", &len, &captured);
    struct tlsd_client_hello ch = {0};
    struct tlsd_err err = {0};
    assert_true(rec[0] & 0x80); /* an SSLv2-format hello */
    assert_int_equal(feed_chunks(rec, len, 5, &used, &ch, &err), TLSD_CERR_OK);
    assert_int_equal(ch.format, TLSD_HELLO_SSL2);
    tlsd_client_hello_free(&ch);
    free(rec);
}

static void *ctx_for(const char *spec, struct tlsd_serve_setup *setup, char *err, size_t n)
{
    struct tlsd_profile p;
    struct tlsd_profile_err perr;
    if (tlsd_profile_load(spec, TLSD_SIDE_SERVER, &p, &perr) < 0)
        fail_msg("%s: %s", spec, perr.msg);
    return tlsd_serve_ctx_new(&p, NULL, NULL, setup, err, n);
}

static void ctx_of_profiles(void **state)
{
    (void)state;
    struct tlsd_serve_setup s;
    char err[256];
    void *ctx = ctx_for("windows-2025", &s, err, sizeof err);
    assert_non_null(ctx);
    assert_int_equal(s.n_unservable, 0);
    assert_int_equal(s.n_certs, 1);
    assert_string_equal(s.certs[0], "RSA 2048 (generated)");
    tlsd_serve_ctx_free(ctx);

    ctx = ctx_for("name = e\nside = server\nversions = TLSv1.2\ncertificates = ecdsa P-256\n"
                  "suites = ECDHE-ECDSA-AES128-GCM-SHA256, TLS_RSA_WITH_RC4_128_SHA\n",
                  &s, err, sizeof err);
    assert_non_null(ctx);
    assert_string_equal(s.certs[0], "ECDSA 256 (generated)");
    assert_int_equal(s.n_unservable, 1); /* RC4: not in OpenSSL 3's default provider */
    assert_int_equal(s.unservable[0], 0x0005);
    tlsd_serve_ctx_free(ctx);

    /* Negative: a profile with nothing libssl can serve. */
    ctx = ctx_for("name = x\nside = server\nversions = SSLv3\nsuites = TLS_RSA_WITH_RC4_128_SHA\n",
                  &s, err, sizeof err);
    assert_null(ctx);
    assert_non_null(strstr(err, "none of the profile's versions"));
}

static void built_hello_reads_back(void **state)
{
    (void)state;
    size_t len;
    bool captured;
    uint8_t *rec = hello_of("legacy-printer", &len, &captured);
    struct tlsd_client_hello ch = {0};
    struct tlsd_err err = {0};
    assert_false(captured);
    assert_int_equal(tlsd_client_hello_parse_records(rec, len, &ch, &err), TLSD_CERR_OK);
    assert_int_equal(ch.legacy_version, 0x0301);
    assert_int_equal(ch.n_suites, 2);
    assert_int_equal(ch.suites[0], 0x000A);
    assert_int_equal(ch.suites[1], 0x0005);
    assert_false(ch.has_groups);
    assert_false(ch.has_sigalgs);
    assert_false(ch.has_versions);
    assert_string_equal(ch.server_name, "print.example.test");
    tlsd_client_hello_free(&ch);
    free(rec);

    rec = hello_of("java-17", &len, &captured);
    assert_int_equal(tlsd_client_hello_parse_records(rec, len, &ch, &err), TLSD_CERR_OK);
    assert_true(ch.has_versions);
    assert_int_equal(ch.versions[0], 0x0304);
    assert_int_equal(ch.n_key_shares, 2); /* x25519 and secp256r1, real keys */
    assert_int_equal(ch.key_shares[0].len, 32);
    assert_int_equal(ch.key_shares[1].len, 65);
    tlsd_client_hello_free(&ch);
    free(rec);
}

static void scan_json_profile(void **state)
{
    (void)state;
    static const char scan[] =
        "{\"tlsdiag\":\"0.1.0\",\"targets\":[{\"target\":\"srv:443\",\"versions\":["
        "{\"version\":\"TLSv1.0\",\"accepted\":false,\"suites\":[]},"
        "{\"version\":\"TLSv1.2\",\"accepted\":true,\"server_order\":true,\"suites\":["
        "{\"code\":\"0xC030\"},{\"code\":\"0x002F\"}]},"
        "{\"version\":\"TLSv1.3\",\"accepted\":true,\"server_order\":null,\"suites\":["
        "{\"code\":\"0x1302\"}]}],\"groups\":[\"x25519\"],\"groups_tls12\":[\"secp256r1\"],"
        "\"certificates\":[{\"key\":\"EC 256 (prime256v1)\"}],"
        "\"features\":{\"refuses_tls12_without_renegotiation_signal\":true}}]}";
    struct tlsd_profile p;
    struct tlsd_profile_err err;
    assert_int_equal(
        tlsd_profile_parse_form(TLSD_PROFILE_AUTO, scan, strlen(scan), TLSD_SIDE_SERVER, &p, &err),
        0);
    assert_int_equal(p.versions, TLSD_V_TLS12 | TLSD_V_TLS13);
    assert_int_equal(p.n_suites, 3);
    assert_int_equal(p.suites[0], 0x1302); /* highest version first */
    assert_int_equal(p.suites[1], 0xC030);
    assert_int_equal(tlsd_profile_pref(&p), TLSD_PREF_SERVER);
    assert_int_equal(p.n_groups, 2);
    assert_int_equal(p.certs[0].type, TLSD_KEY_ECDSA);
    assert_true(p.flags & TLSD_PF_REQUIRE_RENEG_INFO);

    static const char failed[] = "{\"target\":\"x:443\",\"error\":\"cannot resolve x\"}";
    assert_int_equal(tlsd_profile_parse_form(TLSD_PROFILE_SCAN_JSON, failed, strlen(failed),
                                             TLSD_SIDE_SERVER, &p, &err),
                     -1);
    assert_non_null(strstr(err.msg, "cannot resolve"));
    assert_int_equal(tlsd_profile_parse_form(TLSD_PROFILE_SCAN_JSON, "{\"targets\":", 11,
                                             TLSD_SIDE_SERVER, &p, &err),
                     -1);
}

/* The model and the real handshake agree on the same choice, or on a refusal of either
 * kind the prediction allows; a client that left after the server's choice is judged by
 * that choice; anything else disagrees, with the reason the setup explains. */
static void agreement(void **state)
{
    (void)state;
    struct tlsd_serve_client c = {.ending = TLSD_OUTCOME_SUCCESS,
                                  .version = 0x0304,
                                  .suite = 0x1302,
                                  .alert = -1,
                                  .have_hello = false};
    c.predicted =
        (struct tlsd_outcome){.ok = true, .version = 0x0304, .suite = 0x1302, .alert = -1};
    assert_true(tlsd_serve_client_agrees(&c));
    c.ending = TLSD_OUTCOME_ABORTED; /* the client went after the ServerHello */
    c.detail = TLSD_DETAIL_CLOSED;
    assert_true(tlsd_serve_client_agrees(&c));
    c.detail = TLSD_DETAIL_TIMEOUT; /* not the client's leaving: no agreement */
    assert_false(tlsd_serve_client_agrees(&c));
    c.ending = TLSD_OUTCOME_SUCCESS, c.detail = TLSD_DETAIL_NONE, c.suite = 0x1301;
    assert_false(tlsd_serve_client_agrees(&c));
    /* a refusal: an alert where the model expects a reset still counts as a refusal only of
     * its own kind */
    c.predicted = (struct tlsd_outcome){.ok = false, .reset = true, .alert = -1};
    c.ending = TLSD_OUTCOME_RESET_AFTER_HELLO, c.suite = 0;
    assert_true(tlsd_serve_client_agrees(&c));
    c.ending = TLSD_OUTCOME_SERVER_ALERT, c.alert = 40;
    assert_false(tlsd_serve_client_agrees(&c));
    c.predicted.reset = false, c.predicted.alert = 40;
    assert_true(tlsd_serve_client_agrees(&c));
}

/* A disagreement is explained in the client's report: here the local OpenSSL cannot serve
 * the suite the model chose. */
static void disagreement_reason(void **state)
{
    (void)state;
    struct tlsd_client_hello h = {0};
    struct tlsd_profile client = {.name = "c"};
    struct tlsd_serve_setup setup = {.unservable = {0x0005}, .n_unservable = 1};
    struct tlsd_serve_client c = {.id = 7,
                                  .peer = "127.0.0.1:1",
                                  .have_hello = true,
                                  .hello = &h,
                                  .client = &client,
                                  .alert = 40,
                                  .ending = TLSD_OUTCOME_SERVER_ALERT};
    c.predicted = (struct tlsd_outcome){
        .ok = true, .version = 0x0303, .suite = 0x0005, .alert = -1, .cert_index = -1};
    struct tlsd_serve_render how = {.setup = &setup};
    struct tlsd_strbuf b = {0};
    assert_int_equal(tlsd_serve_client_text(&c, &how, &b), 0);
    assert_non_null(strstr(b.s, "client 7 127.0.0.1:1: server_alert\n"));
    assert_non_null(strstr(b.s, "the model and the real handshake DISAGREE: the local OpenSSL "
                                "cannot serve TLS_RSA_WITH_RC4_128_SHA, which the real server "
                                "would choose\n"));
    tlsd_sb_free(&b);
}

/* serve's time limit before the ClientHello on a busy loop (lib/standin/serve.c): a client
 * whose hello came in time, while the loop was busy with another client's report (a slow
 * output, a loaded machine), is served, not dropped as silent. Client A sends bytes that
 * are not TLS; its report holds the loop for 500 ms; client B, accepted before, sends its
 * hello during that hold; the limit before the hello is 300 ms. libuv runs an iteration's
 * timers before its I/O, so without the limit's grace (deadline_internal.h) B's time limit
 * fired first (no_client_hello, timeout). */
struct busy_serve {
    uint16_t port;
    pthread_t th;
    sem_t held; /* posted by the first report, which then holds the loop */
    uint8_t *hello;
    size_t hello_len;
    unsigned reports;
    struct {
        enum tlsd_conn_outcome ending;
        enum tlsd_ending_detail detail;
        bool have_hello;
    } rep[2];
};

static int connect_loopback(uint16_t port)
{
    struct sockaddr_storage ss;
    tu_loopback(&ss, port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), 0);
    return fd;
}

static void *two_clients(void *arg)
{
    struct busy_serve *b = arg;
    int a = connect_loopback(b->port), c = connect_loopback(b->port);
    static const char not_tls[] = "GET / HTTP/1.0\r\n\r\n";
    usleep(TU_HOLD_FROM_MS * 1000); /* both accepted, B's time limit running */
    if (write(a, not_tls, sizeof not_tls - 1) < 0)
        perror("write");
    sem_wait(&b->held);
    if (write(c, b->hello, b->hello_len) < 0)
        perror("write");
    char buf[512];
    while (read(c, buf, sizeof buf) > 0) /* the alert, then the close */
        ;
    close(a);
    close(c);
    return NULL;
}

static void busy_ready(void *ctx, const char *addr, uint16_t port,
                       const struct tlsd_serve_setup *setup)
{
    (void)addr, (void)setup;
    struct busy_serve *b = ctx;
    b->port = port;
    assert_int_equal(pthread_create(&b->th, NULL, two_clients, b), 0);
}

static void busy_report(void *ctx, const struct tlsd_serve_client *c)
{
    struct busy_serve *b = ctx;
    if (b->reports < 2) {
        b->rep[b->reports].ending = c->ending;
        b->rep[b->reports].detail = c->detail;
        b->rep[b->reports].have_hello = c->have_hello;
    }
    if (b->reports++ > 0)
        return;
    sem_post(&b->held);
    usleep(TU_HOLD_MS * 1000);
}

static void hello_read_on_a_busy_loop(void **state)
{
    (void)state;
    struct busy_serve b = {0};
    bool captured;
    b.hello = hello_of("testssl-chrome-101-win10", &b.hello_len, &captured);
    sem_init(&b.held, 0, 0);
    struct tlsd_profile p;
    struct tlsd_profile_err perr;
    assert_int_equal(tlsd_profile_load("windows-2025", TLSD_SIDE_SERVER, &p, &perr), 0);
    struct tlsd_serve_opts o;
    tlsd_serve_opts_default(&o);
    o.profile = &p;
    o.bind = "127.0.0.1";
    o.record_only = true;
    o.hello_timeout_ms = TU_LIMIT_MS;
    o.count = 2;
    char err[256];
    assert_int_equal(tlsd_serve_run(&o, busy_ready, busy_report, &b, err, sizeof err), 0);
    pthread_join(b.th, NULL);
    sem_destroy(&b.held);
    free(b.hello);
    assert_int_equal(b.rep[0].ending, TLSD_OUTCOME_NOT_TLS);
    /* B's hello, in the socket before its time limit was judged, was read and answered. */
    assert_true(b.rep[1].have_hello);
    assert_int_equal(b.rep[1].ending, TLSD_OUTCOME_SERVER_ALERT);
    assert_int_equal(b.rep[1].detail, TLSD_DETAIL_RECORDED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recorder_any_chunking), cmocka_unit_test(recorder_refuses),
        cmocka_unit_test(recorder_cap),          cmocka_unit_test(recorder_sslv2),
        cmocka_unit_test(ctx_of_profiles),       cmocka_unit_test(built_hello_reads_back),
        cmocka_unit_test(scan_json_profile),     cmocka_unit_test(agreement),
        cmocka_unit_test(disagreement_reason),   cmocka_unit_test(hello_read_on_a_busy_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
