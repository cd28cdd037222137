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

/* What every caller does with a ServerHello: parse it once and tell the record layer the
 * version it chose (the record layer does not parse it itself). */
static void report_server_hello(struct tlsd_reasm *r, const struct tlsd_event *ev)
{
    struct tlsd_server_hello sh = {0};
    if (ev->kind == TLSD_EV_HANDSHAKE && ev->hs_type == TLSD_HS_SERVER_HELLO &&
        tlsd_server_hello_parse(ev->data, ev->len, &sh, NULL) == TLSD_CERR_OK)
        tlsd_reasm_server_hello(r, sh.version, sh.is_hrr);
    tlsd_server_hello_free(&sh);
}

static enum tlsd_cerr drain(struct tlsd_reasm *r, struct seen *s)
{
    struct tlsd_event ev;
    enum tlsd_cerr e;
    while ((e = tlsd_reasm_next(r, &ev)) == TLSD_CERR_OK) {
        report_server_hello(r, &ev);
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
    /* the second of the three Certificate records completes no message */
    assert_int_equal(r.stats.hs_fragment_records, 1);
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

/* Borrowed input (record.h, borrow): each chunk in its own buffer, scribbled over and
 * freed once drain has seen NEED_MORE (ASan: nothing read after that), gives the same
 * events and counts as copied input. */
static void feed_borrowed(const uint8_t *b, size_t len, size_t chunk, struct seen *s)
{
    struct tlsd_reasm r;
    tlsd_reasm_init(&r);
    r.borrow = true;
    memset(s, 0, sizeof *s);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        uint8_t *c = malloc(n);
        assert_non_null(c);
        memcpy(c, b + off, n);
        assert_int_equal(tlsd_reasm_feed(&r, c, n), TLSD_CERR_OK);
        assert_int_equal(drain(&r, s), TLSD_CERR_NEED_MORE);
        assert_null(r.view);
        memset(c, 0xA5, n);
        free(c);
    }
    assert_true(tlsd_reasm_idle(&r));
    assert_true(r.encrypted);
    assert_int_equal(r.stats.encrypted_records, 2);
    assert_int_equal(r.stats.hs_fragment_records, 1);
    tlsd_reasm_free(&r);
}

static void test_flight_borrowed(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = flight12(&len);
    static const size_t chunks[] = {1, 2, 3, 4, 5, 7, 13, 100, 1460, 16389, 65536};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct seen copied, borrowed;
        feed_in_chunks(b, len, chunks[c], &copied);
        feed_borrowed(b, len, chunks[c], &borrowed);
        assert_int_equal(borrowed.n, copied.n);
        assert_memory_equal(borrowed.kinds, copied.kinds, sizeof copied.kinds);
        assert_memory_equal(borrowed.types, copied.types, sizeof copied.types);
        assert_memory_equal(borrowed.lens, copied.lens, sizeof copied.lens);
    }
    free(b);
}

/* Many small messages in one record; two alerts in one record are not a plaintext
 * alert (RFC 8446 5.1), so the record is counted as a protected one. */
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
    assert_int_equal(ev.kind, TLSD_EV_ENCRYPTED);
    assert_int_equal(ev.content_type, TLSD_CT_ALERT);
    assert_int_equal(ev.len, 4);
    assert_int_equal(r.stats.alerts, 0);
    assert_int_equal(r.stats.encrypted_records, 1);
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
    assert_false(r.encrypted || r.tls13); /* until its caller reports what it chose */
    report_server_hello(&r, &ev);
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

/* Feeds b whole and returns the events. */
static struct seen events_of(const uint8_t *b, size_t len, struct tlsd_reasm *r)
{
    struct seen s = {0};
    tlsd_reasm_init(r);
    assert_int_equal(tlsd_reasm_feed(r, b, len), TLSD_CERR_OK);
    assert_int_equal(drain(r, &s), TLSD_CERR_NEED_MORE);
    return s;
}

/* A plaintext alert is exactly 2 bytes (RFC 5246 7.2, RFC 8446 5.1); any other
 * length is a protected alert. A 2-byte alert is plaintext even after encryption
 * started: no ciphertext is that short. */
static void test_alert_lengths(void **state)
{
    (void)state;
    static const uint8_t body[40] = {2, 40, 7, 7};
    static const size_t lens[] = {1, 3, 4, 26, 40};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        struct tlsd_wr w;
        size_t len;
        struct tlsd_reasm r;
        tlsd_wr_init(&w);
        put_record(&w, TLSD_CT_ALERT, 0x0303, body, lens[i]);
        uint8_t *b = take(&w, &len);
        struct seen s = events_of(b, len, &r);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.kinds[0], TLSD_EV_ENCRYPTED);
        assert_int_equal(s.lens[0], lens[i]);
        assert_int_equal(r.stats.encrypted_records, 1);
        assert_int_equal(r.stats.alerts, 0);
        assert_false(r.encrypted); /* one record, not the direction */
        tlsd_reasm_free(&r);
        free(b);
    }
    struct tlsd_wr w;
    size_t len;
    struct tlsd_reasm r;
    static const uint8_t ccs[] = {1};
    tlsd_wr_init(&w);
    put_record(&w, TLSD_CT_CHANGE_CIPHER_SPEC, 0x0303, ccs, 1);
    put_record(&w, TLSD_CT_ALERT, 0x0303, body, 26); /* encrypted close_notify */
    put_record(&w, TLSD_CT_ALERT, 0x0303, body, 2);  /* fatal handshake_failure */
    uint8_t *b = take(&w, &len);
    struct seen s = events_of(b, len, &r);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.kinds[1], TLSD_EV_ENCRYPTED);
    assert_int_equal(s.kinds[2], TLSD_EV_ALERT);
    assert_int_equal(r.stats.alerts, 1);
    tlsd_reasm_free(&r);
    free(b);
}

/* A handshake record starting with a type no TLS peer sends in the clear (here 9,
 * DTLS 1.3 request_connection_id, and 7, unassigned) is protected when it is long
 * enough to be a ciphertext; shorter, or not at the start of a message, it is a
 * handshake message of that type. */
static void test_unknown_handshake_type(void **state)
{
    (void)state;
    static const uint8_t types[] = {9, 7, 254};
    for (size_t i = 0; i < sizeof types; i++) {
        struct tlsd_wr m, w;
        size_t hl, len;
        struct tlsd_reasm r;
        tlsd_wr_init(&m);
        tlsd_wr_init(&w);
        put_msg(&m, types[i], 12, 0xab); /* 16 bytes */
        put_msg(&m, types[i], 8, 0xab);  /* 12 bytes */
        put_server_hello(&m, 0x0303);
        put_msg(&m, types[i], 12, 0xab);
        uint8_t *hs = take(&m, &hl);
        put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, hs, 16);
        put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, hs + 16, 12);
        put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, hs + 28, hl - 28);
        uint8_t *b = take(&w, &len);
        struct seen s = events_of(b, len, &r);
        assert_int_equal(s.n, 4);
        assert_int_equal(s.kinds[0], TLSD_EV_ENCRYPTED);
        assert_int_equal(s.kinds[1], TLSD_EV_HANDSHAKE);
        assert_int_equal(s.types[1], types[i]);
        assert_int_equal(s.types[2], TLSD_HS_SERVER_HELLO);
        assert_int_equal(s.kinds[3], TLSD_EV_HANDSHAKE);
        assert_int_equal(s.types[3], types[i]);
        assert_int_equal(r.stats.encrypted_records, 1);
        assert_false(r.encrypted);
        tlsd_reasm_free(&r);
        free(hs);
        free(b);
    }
}

/* RFC 5246 E.2: a version 2 compatible CLIENT-HELLO, then the client's TLS records;
 * fed byte by byte, so the framing is decided on a partial header. A CLIENT-HELLO of
 * version 2 keeps SSLv2 framing. */
static void test_sslv2_compat_then_tls(void **state)
{
    (void)state;
    static const uint8_t v2hello[] = {0x80, 0x1c, 1, 3, 1, 0, 3, 0, 0,  0,  16, 0,  0,  0x2f, 1,
                                      2,    3,    4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,   16};
    struct tlsd_wr w, m;
    size_t len, hl;
    tlsd_wr_init(&w);
    tlsd_wr_init(&m);
    tlsd_wr_bytes(&w, v2hello, sizeof v2hello);
    put_msg(&m, TLSD_HS_CLIENT_KEY_EXCHANGE, 20, 1);
    uint8_t *hs = take(&m, &hl);
    put_record(&w, TLSD_CT_HANDSHAKE, 0x0301, hs, hl);
    uint8_t *b = take(&w, &len);
    struct tlsd_reasm r;
    struct seen s = {0};
    tlsd_reasm_init(&r);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(tlsd_reasm_feed(&r, b + i, 1), TLSD_CERR_OK);
        assert_int_equal(drain(&r, &s), TLSD_CERR_NEED_MORE);
    }
    assert_int_equal(s.n, 2);
    assert_int_equal(s.kinds[0], TLSD_EV_SSL2);
    assert_int_equal(s.kinds[1], TLSD_EV_HANDSHAKE);
    assert_int_equal(s.types[1], TLSD_HS_CLIENT_KEY_EXCHANGE);
    assert_false(r.sslv2);
    tlsd_reasm_free(&r);
    free(b);
    free(hs);

    /* version 2: the next record is SSLv2 (CLIENT-MASTER-KEY) */
    uint8_t v2only[sizeof v2hello + 4];
    memcpy(v2only, v2hello, sizeof v2hello);
    v2only[3] = 0, v2only[4] = 2;
    static const uint8_t cmk[] = {0x80, 0x02, 2, 1};
    memcpy(v2only + sizeof v2hello, cmk, sizeof cmk);
    s = events_of(v2only, sizeof v2only, &r);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.kinds[1], TLSD_EV_SSL2);
    assert_int_equal(s.types[1], 2);
    assert_true(r.sslv2);
    tlsd_reasm_free(&r);
}

/* The client direction after a HelloRetryRequest: its compatibility CCS changes
 * nothing, the second ClientHello is read (RFC 8446 4.1.4, D.4). */
static void test_client_after_hrr(void **state)
{
    (void)state;
    struct tlsd_wr w, m;
    size_t len, hl;
    tlsd_wr_init(&w);
    tlsd_wr_init(&m);
    put_msg(&m, TLSD_HS_CLIENT_HELLO, 40, 3);
    uint8_t *hs = take(&m, &hl);
    static const uint8_t ccs[] = {1};
    put_record(&w, TLSD_CT_CHANGE_CIPHER_SPEC, 0x0303, ccs, 1);
    put_record(&w, TLSD_CT_HANDSHAKE, 0x0303, hs, hl);
    uint8_t *b = take(&w, &len);
    for (int hrr = 0; hrr <= 1; hrr++) {
        struct tlsd_reasm r;
        struct seen s = {0};
        tlsd_reasm_init(&r);
        if (hrr)
            tlsd_reasm_server_hello(&r, TLSD_VERSION_TLS1_3, true); /* the client's side */
        assert_int_equal(tlsd_reasm_feed(&r, b, len), TLSD_CERR_OK);
        assert_int_equal(drain(&r, &s), TLSD_CERR_NEED_MORE);
        assert_int_equal(s.n, 2);
        assert_int_equal(s.kinds[0], TLSD_EV_CCS);
        assert_int_equal(s.kinds[1], hrr ? TLSD_EV_HANDSHAKE : TLSD_EV_ENCRYPTED);
        assert_int_equal(r.encrypted, !hrr);
        tlsd_reasm_free(&r);
    }
    free(hs);
    free(b);
}

/* TLS 1.3 draft ServerHellos start encryption like a final one and give their group.
 * Drafts before -22 send version, random, cipher_suite, extensions (draft-ietf-tls-tls13-14
 * and -18 4.1.3) with key_share under code 40; draft -22 restored the TLS 1.2 shape (legacy
 * version 0x0303, session id echo, compression) with supported_versions holding the draft,
 * key_share still 40; draft -23 moved key_share to 51 (draft-ietf-tls-tls13-23 4.2). */
struct draft_case {
    uint16_t draft;     /* 0x7fNN */
    bool legacy_shape;  /* draft 22 and later */
    uint16_t key_share; /* extension code */
    uint16_t group;
};

static uint8_t *draft_server_hello(const struct draft_case *c, size_t *hl)
{
    struct tlsd_wr m;
    tlsd_wr_init(&m);
    tlsd_wr_u8(&m, TLSD_HS_SERVER_HELLO);
    tlsd_wr_open_vec24(&m);
    tlsd_wr_u16(&m, c->legacy_shape ? 0x0303 : c->draft);
    tlsd_wr_zeros(&m, 32);
    if (c->legacy_shape) {
        tlsd_wr_u8(&m, 32); /* legacy_session_id_echo */
        tlsd_wr_zeros(&m, 32);
    }
    tlsd_wr_u16(&m, 0x1301);
    if (c->legacy_shape)
        tlsd_wr_u8(&m, 0); /* legacy_compression_method */
    tlsd_wr_open_vec16(&m);
    if (c->legacy_shape) {
        tlsd_wr_u16(&m, TLSD_EXT_SUPPORTED_VERSIONS);
        tlsd_wr_open_vec16(&m);
        tlsd_wr_u16(&m, c->draft);
        tlsd_wr_close_vec(&m);
    }
    tlsd_wr_u16(&m, c->key_share);
    tlsd_wr_open_vec16(&m);
    tlsd_wr_u16(&m, c->group);
    tlsd_wr_open_vec16(&m);
    tlsd_wr_zeros(&m, 32);
    tlsd_wr_close_vec(&m);
    tlsd_wr_close_vec(&m);
    tlsd_wr_close_vec(&m);
    tlsd_wr_close_vec(&m);
    return take(&m, hl);
}

static void test_draft_server_hello(void **state)
{
    (void)state;
    static const struct draft_case cases[] = {
        {0x7f0e, false, TLSD_EXT_KEY_SHARE_DRAFT, 23}, /* draft 14, secp256r1 */
        {0x7f12, false, TLSD_EXT_KEY_SHARE_DRAFT, 29}, /* draft 18, x25519 */
        {0x7f13, false, TLSD_EXT_KEY_SHARE_DRAFT, 24}, /* draft 19, secp384r1 */
        {0x7f16, true, TLSD_EXT_KEY_SHARE_DRAFT, 29},  /* draft 22 */
        {0x7f17, true, TLSD_EXT_KEY_SHARE, 25},        /* draft 23, secp521r1 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct draft_case *c = &cases[i];
        struct tlsd_wr w;
        size_t len, hl;
        tlsd_wr_init(&w);
        uint8_t *hs = draft_server_hello(c, &hl);
        static const uint8_t enc[30] = {0};
        put_record(&w, TLSD_CT_HANDSHAKE, 0x0301, hs, hl);
        put_record(&w, TLSD_CT_APPLICATION_DATA, 0x0301, enc, sizeof enc);
        uint8_t *b = take(&w, &len);
        struct tlsd_reasm r;
        struct seen s = events_of(b, len, &r);
        assert_int_equal(s.n, 2);
        assert_true(r.encrypted && r.tls13);
        tlsd_reasm_free(&r);

        struct tlsd_server_hello sh;
        struct tlsd_err err = {0};
        assert_int_equal(tlsd_server_hello_parse(hs, hl, &sh, &err), TLSD_CERR_OK);
        assert_int_equal(sh.version, c->draft);
        assert_int_equal(sh.suite, 0x1301);
        assert_int_equal(sh.session_id_len, c->legacy_shape ? 32 : 0);
        assert_true(sh.has_key_share);
        assert_int_equal(sh.key_share_group, c->group);
        assert_int_equal(sh.key_share_len, 32);
        assert_false(sh.partial);
        tlsd_server_hello_free(&sh);
        assert_true(tlsd_version_is_tls13(c->draft));
        free(hs);
        free(b);
    }
    assert_true(tlsd_version_is_tls13(0x0304));
    assert_false(tlsd_version_is_tls13(0x0303));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flight_any_chunking),
        cmocka_unit_test(test_flight_borrowed),
        cmocka_unit_test(test_many_per_record),
        cmocka_unit_test(test_tls13_encryption_starts),
        cmocka_unit_test(test_record_errors),
        cmocka_unit_test(test_record_parse_need_more),
        cmocka_unit_test(test_sslv2_records),
        cmocka_unit_test(test_data_after_key_change),
        cmocka_unit_test(test_hrr_then_server_hello),
        cmocka_unit_test(test_alert_lengths),
        cmocka_unit_test(test_unknown_handshake_type),
        cmocka_unit_test(test_sslv2_compat_then_tls),
        cmocka_unit_test(test_client_after_hrr),
        cmocka_unit_test(test_draft_server_hello),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
