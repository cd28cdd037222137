/* Record layer and reassembler: a flight fed in every chunk size gives the same
 * events; messages split over records and several messages per record come out whole;
 * encryption is noticed; every record-level error is reported precisely. */
#include "testutil.h"

#include "tlsdiag/bytes.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/record.h"

static void put_record(struct tlsd_wr *w, uint8_t type, uint16_t version, const uint8_t *p,
                       size_t n)
{
    tlsd_wr_u8(w, type);
    tlsd_wr_u16(w, version);
    tlsd_wr_open_vec16(w);
    tlsd_wr_bytes(w, p, n);
    tlsd_wr_close_vec(w);
}

/* A ServerHello choosing version v (through supported_versions when v is 1.3), or a
 * HelloRetryRequest. */
static void put_hello(struct tlsd_wr *w, uint16_t v, bool hrr)
{
    tlsd_wr_u8(w, TLSD_HS_SERVER_HELLO);
    tlsd_wr_open_vec24(w);
    tlsd_wr_u16(w, v >= 0x0304 ? 0x0303 : v);
    if (hrr)
        tlsd_wr_bytes(w, tlsd_hrr_random, 32);
    else
        tlsd_wr_zeros(w, 32);
    tlsd_wr_u8(w, 0);
    tlsd_wr_u16(w, v >= 0x0304 ? 0x1301 : 0xc02f);
    tlsd_wr_u8(w, 0);
    if (v >= 0x0304) {
        tlsd_wr_open_vec16(w);
        tlsd_wr_u16(w, 43);
        tlsd_wr_u16(w, 2);
        tlsd_wr_u16(w, v);
        tlsd_wr_close_vec(w);
    }
    tlsd_wr_close_vec(w);
}

static void put_server_hello(struct tlsd_wr *w, uint16_t v)
{
    put_hello(w, v, false);
}

static void put_msg(struct tlsd_wr *w, uint8_t type, size_t body_len, uint8_t fill)
{
    tlsd_wr_u8(w, type);
    tlsd_wr_open_vec24(w);
    for (size_t i = 0; i < body_len; i++)
        tlsd_wr_u8(w, fill);
    tlsd_wr_close_vec(w);
}

static uint8_t *take(struct tlsd_wr *w, size_t *len)
{
    uint8_t *b;
    assert_int_equal(tlsd_wr_take(w, &b, len), TLSD_CERR_OK);
    return b;
}

/* TLS 1.2 server flight: ServerHello + a 40000-byte Certificate split over three
 * records, the ServerHelloDone sharing the last one; an alert; CCS; encrypted Finished. */
static uint8_t *flight12(size_t *len)
{
    struct tlsd_wr m, w;
    size_t hl;
    tlsd_wr_init(&m);
    tlsd_wr_init(&w);
    put_server_hello(&m, 0x0303);
    put_msg(&m, TLSD_HS_CERTIFICATE, 40000, 0xcc);
    put_msg(&m, TLSD_HS_SERVER_HELLO_DONE, 0, 0);
    uint8_t *hs = take(&m, &hl);
    for (size_t off = 0; off < hl; off += 16384)
        put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, hs + off, hl - off < 16384 ? hl - off : 16384);
    free(hs);
    static const uint8_t alert[] = {1, 112}, ccs[] = {1}, fin[40] = {0x16};
    put_record(&w, TLSD_CT_ALERT, 0x0303, alert, 2);
    put_record(&w, TLSD_CT_CHANGE_CIPHER_SPEC, 0x0303, ccs, 1);
    put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, fin, sizeof fin);
    put_record(&w, TLSD_CT_APPLICATION_DATA, 0x0303, fin, sizeof fin);
    return take(&w, len);
}

struct seen {
    int kinds[16];
    uint8_t types[16];
    size_t lens[16];
    size_t n;
};

static enum tlsd_cerr drain(struct tlsd_reasm *r, struct seen *s)
{
    struct tlsd_event ev;
    enum tlsd_cerr e;
    while ((e = tlsd_reasm_next(r, &ev)) == TLSD_CERR_OK) {
        assert_true(s->n < 16);
        s->kinds[s->n] = ev.kind;
        s->types[s->n] = ev.hs_type;
        s->lens[s->n++] = ev.len;
    }
    return e;
}

static void feed_in_chunks(const uint8_t *b, size_t len, size_t chunk, struct seen *s)
{
    struct tlsd_reasm r;
    tlsd_reasm_init(&r);
    memset(s, 0, sizeof *s);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        assert_int_equal(tlsd_reasm_feed(&r, b + off, n), TLSD_CERR_OK);
        assert_int_equal(drain(&r, s), TLSD_CERR_NEED_MORE);
    }
    assert_true(tlsd_reasm_idle(&r));
    assert_true(r.encrypted);
    assert_int_equal(r.stats.encrypted_records, 2);
    tlsd_reasm_free(&r);
}

static void test_flight_any_chunking(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = flight12(&len);
    static const size_t chunks[] = {1, 2, 3, 4, 5, 7, 13, 100, 1460, 16389, 65536};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct seen s;
        feed_in_chunks(b, len, chunks[c], &s);
        assert_int_equal(s.n, 7);
        assert_int_equal(s.kinds[0], TLSD_EV_HANDSHAKE);
        assert_int_equal(s.types[0], TLSD_HS_SERVER_HELLO);
        assert_int_equal(s.types[1], TLSD_HS_CERTIFICATE);
        assert_int_equal(s.lens[1], 40004);
        assert_int_equal(s.types[2], TLSD_HS_SERVER_HELLO_DONE);
        assert_int_equal(s.lens[2], 4);
        assert_int_equal(s.kinds[3], TLSD_EV_ALERT);
        assert_int_equal(s.kinds[4], TLSD_EV_CCS);
        assert_int_equal(s.kinds[5], TLSD_EV_ENCRYPTED);
        assert_int_equal(s.kinds[6], TLSD_EV_ENCRYPTED);
    }
    free(b);
}

/* Many small messages in one record, and alerts two per record. */
static void test_many_per_record(void **state)
{
    (void)state;
    struct tlsd_wr m, w;
    size_t hl, len;
    tlsd_wr_init(&m);
    tlsd_wr_init(&w);
    for (int i = 0; i < 50; i++)
        put_msg(&m, TLSD_HS_FINISHED, (size_t)i, (uint8_t)i);
    uint8_t *hs = take(&m, &hl);
    put_record(&w, TLSD_CT_HANDSHAKE, 0x0301, hs, hl);
    static const uint8_t alerts[] = {1, 0, 2, 40};
    put_record(&w, TLSD_CT_ALERT, 0x0301, alerts, 4);
    uint8_t *b = take(&w, &len);
    struct tlsd_reasm r;
    struct tlsd_event ev;
    tlsd_reasm_init(&r);
    assert_int_equal(tlsd_reasm_feed(&r, b, len), TLSD_CERR_OK);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_OK);
        assert_int_equal(ev.kind, TLSD_EV_HANDSHAKE);
        assert_int_equal(ev.len, 4 + (size_t)i);
        assert_int_equal(ev.record_index, 0);
    }
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_OK);
    assert_int_equal(ev.alert_level, 1);
    assert_int_equal(ev.alert_desc, 0);
    /* feeding between two alerts of one record keeps the second one valid */
    assert_int_equal(tlsd_reasm_feed(&r, alerts, 0), TLSD_CERR_OK);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_OK);
    assert_int_equal(ev.alert_level, 2);
    assert_int_equal(ev.alert_desc, 40);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_NEED_MORE);
    tlsd_reasm_free(&r);
    free(hs);
    free(b);
}

/* TLS 1.3: after the ServerHello the records are encrypted, limit 2^14 + 256; the
 * compatibility CCS does not change that (RFC 8446 5.1, 5.2, D.4). */
static void test_tls13_encryption_starts(void **state)
{
    (void)state;
    struct tlsd_wr m, w;
    size_t hl, len;
    tlsd_wr_init(&m);
    tlsd_wr_init(&w);
    put_server_hello(&m, 0x0304);
    uint8_t *hs = take(&m, &hl);
    put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, hs, hl);
    static const uint8_t ccs[] = {1};
    static uint8_t big[16384 + 257];
    put_record(&w, TLSD_CT_CHANGE_CIPHER_SPEC, 0x0303, ccs, 1);
    put_record(&w, TLSD_CT_APPLICATION_DATA, 0x0303, big, 16384 + 256);
    put_record(&w, TLSD_CT_APPLICATION_DATA, 0x0303, big, 16384 + 257);
    uint8_t *b = take(&w, &len);
    struct tlsd_reasm r;
    struct tlsd_event ev;
    tlsd_reasm_init(&r);
    assert_int_equal(tlsd_reasm_feed(&r, b, len), TLSD_CERR_OK);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_OK);
    assert_int_equal(ev.hs_type, TLSD_HS_SERVER_HELLO);
    assert_true(r.encrypted && r.tls13);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_OK);
    assert_int_equal(ev.kind, TLSD_EV_CCS);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_OK);
    assert_int_equal(ev.kind, TLSD_EV_ENCRYPTED);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_RECORD_TOO_LARGE);
    assert_int_equal(r.err.code, TLSD_CERR_RECORD_TOO_LARGE);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_RECORD_TOO_LARGE); /* stays dead */
    tlsd_reasm_free(&r);
    free(hs);
    free(b);
}

/* Feeds one crafted stream and expects err at the end. */
static void expect_stream_error(const uint8_t *b, size_t len, enum tlsd_cerr want)
{
    struct tlsd_reasm r;
    struct seen s = {0};
    tlsd_reasm_init(&r);
    assert_int_equal(tlsd_reasm_feed(&r, b, len), TLSD_CERR_OK);
    enum tlsd_cerr got = drain(&r, &s);
    if (got != want)
        fail_msg("got %s, want %s", tlsd_cerr_name(got), tlsd_cerr_name(want));
    tlsd_reasm_free(&r);
}

static void expect_record_error(uint8_t type, uint16_t version, size_t n, enum tlsd_cerr want)
{
    struct tlsd_wr w;
    size_t len;
    uint8_t *body = calloc(n + 1, 1);
    body[0] = 1;
    tlsd_wr_init(&w);
    put_record(&w, type, version, body, n);
    uint8_t *b = take(&w, &len);
    expect_stream_error(b, len, want);
    free(b);
    free(body);
}

static void test_record_errors(void **state)
{
    (void)state;
    expect_record_error(TLSD_CT_HANDSHAKE, 0x0303, 16385, TLSD_CERR_RECORD_TOO_LARGE);
    expect_record_error(TLSD_CT_ALERT, 0x0303, 16385, TLSD_CERR_RECORD_TOO_LARGE);
    expect_record_error(TLSD_CT_APPLICATION_DATA, 0x0303, 16384 + 2049, TLSD_CERR_RECORD_TOO_LARGE);
    expect_record_error(25, 0x0303, 4, TLSD_CERR_BAD_CONTENT_TYPE);
    expect_record_error(0, 0x0303, 4, TLSD_CERR_BAD_CONTENT_TYPE);
    expect_record_error(TLSD_CT_HANDSHAKE, 0x0200, 4, TLSD_CERR_BAD_VERSION);
    expect_record_error(TLSD_CT_HANDSHAKE, 0x0305, 4, TLSD_CERR_BAD_VERSION);
    expect_record_error(TLSD_CT_HANDSHAKE, 0xfeff, 4, TLSD_CERR_BAD_VERSION); /* DTLS */
    expect_record_error(TLSD_CT_HANDSHAKE, 0x0303, 0, TLSD_CERR_BAD_VALUE);
    expect_record_error(TLSD_CT_ALERT, 0x0303, 0, TLSD_CERR_BAD_VALUE);
    expect_record_error(TLSD_CT_ALERT, 0x0303, 3, TLSD_CERR_TRUNCATED);
    expect_record_error(TLSD_CT_CHANGE_CIPHER_SPEC, 0x0303, 2, TLSD_CERR_BAD_VALUE);
    /* a handshake message claiming more than the codec accepts */
    static const uint8_t huge[] = {22, 3, 3, 0, 4, 11, 0x10, 0, 1};
    expect_stream_error(huge, sizeof huge, TLSD_CERR_MSG_TOO_LARGE);
    /* an alert in the middle of a handshake message (RFC 8446 5.1) */
    static const uint8_t inter[] = {22, 3, 3, 0, 4, 11, 0, 0, 9, 21, 3, 3, 0, 2, 2, 40};
    expect_stream_error(inter, sizeof inter, TLSD_CERR_UNEXPECTED);
    /* CCS in the middle of a handshake message */
    static const uint8_t ccs[] = {22, 3, 3, 0, 4, 11, 0, 0, 9, 20, 3, 3, 0, 1, 1};
    expect_stream_error(ccs, sizeof ccs, TLSD_CERR_UNEXPECTED);
}

static void test_record_parse_need_more(void **state)
{
    (void)state;
    static const uint8_t b[] = {22, 3, 1, 0, 3, 1, 2, 3};
    struct tlsd_record rec;
    size_t need;
    for (size_t len = 0; len < sizeof b; len++) {
        enum tlsd_cerr e = tlsd_record_parse(b, len, false, 0, &rec, &need, NULL);
        assert_int_equal(e, TLSD_CERR_NEED_MORE);
        if (len >= 5)
            assert_int_equal(need, 8);
    }
    assert_int_equal(tlsd_record_parse(b, sizeof b, false, 0, &rec, &need, NULL), TLSD_CERR_OK);
    assert_int_equal(rec.len, 3);
    assert_int_equal(rec.version, 0x0301);
    assert_int_equal(rec.frag[2], 3);
}

/* SSLv2: a 2-byte-header CLIENT-HELLO, then a 3-byte header with padding. */
static void test_sslv2_records(void **state)
{
    (void)state;
    static const uint8_t v2[] = {0x80, 0x03, 0x01, 0x00, 0x02, 0x00, 0x05,
                                 0x04, 0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x00};
    struct tlsd_record rec;
    assert_int_equal(tlsd_record_parse(v2, 5, true, 0, &rec, NULL, NULL), TLSD_CERR_OK);
    assert_int_equal(rec.header_len, 2);
    assert_int_equal(rec.len, 3);
    assert_int_equal(tlsd_record_parse(v2 + 5, 9, true, 0, &rec, NULL, NULL), TLSD_CERR_OK);
    assert_int_equal(rec.header_len, 3);
    assert_int_equal(rec.ssl2_padding, 4);
    assert_int_equal(rec.len, 1);
    static const uint8_t badpad[] = {0x00, 0x02, 0x05, 1, 2};
    assert_int_equal(tlsd_record_parse(badpad, 5, true, 0, &rec, NULL, NULL), TLSD_CERR_LENGTH);
    static const uint8_t zero[] = {0x80, 0x00};
    assert_int_equal(tlsd_record_parse(zero, 2, true, 0, &rec, NULL, NULL), TLSD_CERR_BAD_VALUE);

    struct tlsd_reasm r;
    struct tlsd_event ev;
    tlsd_reasm_init(&r);
    for (size_t i = 0; i < sizeof v2; i++) /* byte by byte */
        assert_int_equal(tlsd_reasm_feed(&r, v2 + i, 1), TLSD_CERR_OK);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_OK);
    assert_int_equal(ev.kind, TLSD_EV_SSL2);
    assert_int_equal(ev.hs_type, 1);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_OK);
    assert_int_equal(ev.kind, TLSD_EV_SSL2);
    assert_int_equal(ev.hs_type, 0xaa); /* the 4 padding bytes are not data */
    assert_int_equal(ev.len, 1);
    assert_int_equal(tlsd_reasm_next(&r, &ev), TLSD_CERR_NEED_MORE);
    tlsd_reasm_free(&r);
}

/* A key change must fall on a record boundary (RFC 8446 5.1). */
static void test_data_after_key_change(void **state)
{
    (void)state;
    struct tlsd_wr m, w;
    size_t hl, len;
    tlsd_wr_init(&m);
    tlsd_wr_init(&w);
    put_server_hello(&m, 0x0304);
    put_msg(&m, TLSD_HS_ENCRYPTED_EXTENSIONS, 2, 0);
    uint8_t *hs = take(&m, &hl);
    put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, hs, hl);
    uint8_t *b = take(&w, &len);
    expect_stream_error(b, len, TLSD_CERR_UNEXPECTED);
    free(hs);
    free(b);
}

/* HRR, compatibility CCS, then the real ServerHello: only the last starts encryption
 * (RFC 8446 4.1.4, D.4). */
static void test_hrr_then_server_hello(void **state)
{
    (void)state;
    struct tlsd_wr w, m;
    size_t len, hl;
    tlsd_wr_init(&w);
    static const uint8_t ccs[] = {1}, enc[30] = {0};
    for (int hrr = 1; hrr >= 0; hrr--) {
        tlsd_wr_init(&m);
        put_hello(&m, 0x0304, hrr);
        uint8_t *hs = take(&m, &hl);
        put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, hs, hl);
        free(hs);
        if (hrr)
            put_record(&w, TLSD_CT_CHANGE_CIPHER_SPEC, 0x0303, ccs, 1);
    }
    put_record(&w, TLSD_CT_APPLICATION_DATA, 0x0303, enc, sizeof enc);
    uint8_t *b = take(&w, &len);
    struct seen s = {0};
    struct tlsd_reasm r;
    tlsd_reasm_init(&r);
    assert_int_equal(tlsd_reasm_feed(&r, b, len), TLSD_CERR_OK);
    assert_int_equal(drain(&r, &s), TLSD_CERR_NEED_MORE);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.kinds[1], TLSD_EV_CCS);
    assert_int_equal(s.kinds[2], TLSD_EV_HANDSHAKE);
    assert_int_equal(s.kinds[3], TLSD_EV_ENCRYPTED);
    assert_true(r.tls13 && r.encrypted);
    tlsd_reasm_free(&r);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flight_any_chunking),
        cmocka_unit_test(test_many_per_record),
        cmocka_unit_test(test_tls13_encryption_starts),
        cmocka_unit_test(test_record_errors),
        cmocka_unit_test(test_record_parse_need_more),
        cmocka_unit_test(test_sslv2_records),
        cmocka_unit_test(test_data_after_key_change),
        cmocka_unit_test(test_hrr_then_server_hello),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
