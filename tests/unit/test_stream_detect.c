/* Finding TLS in a byte stream (tlsdiag/stream_detect.h): at the start of a stream, after
 * a STARTTLS exchange, SSLv2 hellos; plain text never taken for TLS and given up after the
 * probe limit; a malformed message followed by a resync; broken framing ends the
 * direction; a TCP gap makes it probe again. */
#include "testutil.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/stream_detect.h"

/* A TLS 1.2 ClientHello record, built by the codec. */
static uint8_t *client_hello(size_t *len)
{
    static const uint32_t suites[] = {0xc02f, 0x009c};
    struct tlsd_hello_spec s = {.legacy_version = 0x0303,
                                .random_mode = TLSD_RANDOM_ZERO,
                                .suites = suites,
                                .n_suites = 2,
                                .server_name = "printer.example"};
    uint8_t *rec;
    assert_int_equal(tlsd_hello_build(&s, NULL, NULL, &rec, len), TLSD_CERR_OK);
    return rec;
}

/* Feeds bytes, then counts the handshake messages and errors that come out. */
static void feed_count(struct tlsd_sdir *d, const void *p, size_t n, int *hellos, int *errors)
{
    assert_int_equal(tlsd_sdir_feed(d, p, n), TLSD_CERR_OK);
    struct tlsd_event ev;
    enum tlsd_cerr e;
    while ((e = tlsd_sdir_next(d, &ev)) != TLSD_CERR_NEED_MORE) {
        if (e != TLSD_CERR_OK)
            (*errors)++;
        else if (ev.kind == TLSD_EV_HANDSHAKE && ev.hs_type == 1)
            (*hellos)++;
    }
}

static void test_at_start(void **state)
{
    (void)state;
    size_t n;
    uint8_t *ch = client_hello(&n);
    struct tlsd_sdir d;
    tlsd_sdir_init(&d);
    int hellos = 0, errors = 0;
    /* In two chunks, split inside the record header. */
    feed_count(&d, ch, 3, &hellos, &errors);
    assert_int_equal(d.state, TLSD_SDIR_PROBE);
    feed_count(&d, ch + 3, n - 3, &hellos, &errors);
    assert_int_equal(d.state, TLSD_SDIR_TLS);
    assert_int_equal(hellos, 1);
    assert_int_equal(errors, 0);
    assert_int_equal(d.skipped, 0);
    assert_true(d.ever_tls);
    tlsd_sdir_free(&d);
    free(ch);
}

static void test_starttls(void **state)
{
    (void)state;
    static const char smtp[] = "EHLO client.example\r\nSTARTTLS\r\n";
    size_t n;
    uint8_t *ch = client_hello(&n);
    struct tlsd_sdir d;
    tlsd_sdir_init(&d);
    int hellos = 0, errors = 0;
    feed_count(&d, smtp, strlen(smtp), &hellos, &errors);
    assert_int_equal(d.state, TLSD_SDIR_PROBE);
    feed_count(&d, ch, n, &hellos, &errors);
    assert_int_equal(hellos, 1);
    assert_int_equal(d.skipped, strlen(smtp));
    assert_int_equal(d.head_len, sizeof d.head);
    assert_memory_equal(d.head, "EHLO", 4);
    tlsd_sdir_free(&d);
    free(ch);
}

static void test_plain_text(void **state)
{
    (void)state;
    struct tlsd_sdir d;
    tlsd_sdir_init(&d);
    char line[1024];
    memset(line, 'A', sizeof line);
    /* "\x16\x03" inside text is not enough: a hello must follow the header. */
    memcpy(line, "GET / HTTP/1.1\r\n\x16\x03\x01\x00\x10\x0b", 22);
    int hellos = 0, errors = 0;
    for (size_t sent = 0; sent < TLSD_SDIR_PROBE_MAX; sent += sizeof line)
        feed_count(&d, line, sizeof line, &hellos, &errors);
    assert_int_equal(d.state, TLSD_SDIR_OFF);
    assert_false(d.ever_tls);
    assert_int_equal(d.skipped, TLSD_SDIR_PROBE_MAX);
    assert_null(d.probe);
    feed_count(&d, line, 10, &hellos, &errors); /* ignored, counted */
    assert_int_equal(d.skipped, TLSD_SDIR_PROBE_MAX + 10);
    assert_int_equal(hellos, 0);
    tlsd_sdir_free(&d);
}

static void test_content_tests(void **state)
{
    (void)state;
    static const uint8_t hs[] = {22, 3, 1, 0, 5, 1, 0, 0, 1, 0};
    static const uint8_t bad_version[] = {22, 3, 9, 0, 5, 1};
    static const uint8_t appdata[] = {23, 3, 3, 0, 5, 0};
    static const uint8_t ssl2[] = {0x80, 0x2e, 1, 3, 1, 0, 0x15, 0, 0, 0, 0x10};
    static const uint8_t ssl2_bad[] = {0x80, 0x2e, 7, 3, 1, 0, 0x15, 0};
    assert_true(tlsd_sdir_tls_at(hs, sizeof hs, true));
    assert_true(tlsd_sdir_tls_at(hs, sizeof hs, false));
    assert_false(tlsd_sdir_tls_at(hs, 5, true)); /* too short */
    assert_false(tlsd_sdir_tls_at(bad_version, sizeof bad_version, true));
    assert_true(tlsd_sdir_tls_at(appdata, sizeof appdata, true));
    assert_false(tlsd_sdir_tls_at(appdata, sizeof appdata, false)); /* not a hello */
    assert_true(tlsd_sdir_ssl2_hello_at(ssl2, sizeof ssl2));
    assert_false(tlsd_sdir_ssl2_hello_at(ssl2_bad, sizeof ssl2_bad));
    assert_false(tlsd_sdir_ssl2_hello_at(ssl2, 7));
}

static void test_resync_and_gap(void **state)
{
    (void)state;
    size_t n;
    uint8_t *ch = client_hello(&n);
    /* A handshake record whose message length runs past the record into a
     * message that is not a ClientHello body: the hello parser is not involved, but
     * a record with a bad content type breaks framing. */
    static const uint8_t broken[] = {0x63, 3, 3, 0, 2, 0, 0};
    struct tlsd_sdir d;
    tlsd_sdir_init(&d);
    int hellos = 0, errors = 0;
    feed_count(&d, ch, n, &hellos, &errors);
    feed_count(&d, broken, sizeof broken, &hellos, &errors);
    assert_int_equal(errors, 1);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.last_err.code, TLSD_CERR_BAD_CONTENT_TYPE);
    assert_int_equal(d.state, TLSD_SDIR_OFF); /* framing lost: give up, as tshark does */
    feed_count(&d, ch, n, &hellos, &errors);
    assert_int_equal(hellos, 1);
    /* A gap: probe again, and the next hello is found. */
    tlsd_sdir_gap(&d);
    assert_int_equal(d.state, TLSD_SDIR_PROBE);
    feed_count(&d, ch, n, &hellos, &errors);
    assert_int_equal(hellos, 2);
    tlsd_sdir_free(&d);
    free(ch);
}

/* A malformed message inside intact records: the direction probes again from the next
 * chunk and keeps going. */
static void test_message_error_resync(void **state)
{
    (void)state;
    size_t n;
    uint8_t *ch = client_hello(&n);
    /* A handshake record holding a message header that claims 2 MiB: MSG_TOO_LARGE. */
    static const uint8_t huge[] = {22, 3, 3, 0, 4, 1, 0x20, 0, 0};
    struct tlsd_sdir d;
    tlsd_sdir_init(&d);
    int hellos = 0, errors = 0;
    feed_count(&d, huge, sizeof huge, &hellos, &errors);
    assert_int_equal(errors, 1);
    assert_int_equal(d.state, TLSD_SDIR_PROBE);
    feed_count(&d, ch, n, &hellos, &errors);
    assert_int_equal(hellos, 1);
    tlsd_sdir_free(&d);
    free(ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at_start),       cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_plain_text),     cmocka_unit_test(test_content_tests),
        cmocka_unit_test(test_resync_and_gap), cmocka_unit_test(test_message_error_resync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
