/* The reader never reads past its end and says why it stopped; the writer fills in
 * nested length prefixes and refuses what does not fit. */
#include "testutil.h"

#include "tlsdiag/bytes.h"

static void test_ints(void **state)
{
    (void)state;
    static const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    struct tlsd_err err = {0};
    struct tlsd_rd r;
    uint8_t u8;
    uint16_t u16;
    uint32_t u24, u32;
    tlsd_rd_init(&r, b, sizeof b, &err);
    assert_int_equal(tlsd_rd_u8(&r, &u8, "a"), TLSD_CERR_OK);
    assert_int_equal(tlsd_rd_u16(&r, &u16, "b"), TLSD_CERR_OK);
    assert_int_equal(tlsd_rd_u24(&r, &u24, "c"), TLSD_CERR_OK);
    assert_int_equal(tlsd_rd_u32(&r, &u32, "d"), TLSD_CERR_OK);
    assert_int_equal(u8, 1);
    assert_int_equal(u16, 0x0203);
    assert_int_equal(u24, 0x040506);
    assert_int_equal(u32, 0x0708090a);
    assert_int_equal(tlsd_rd_left(&r), 0);
    assert_int_equal(tlsd_rd_done(&r, "end"), TLSD_CERR_OK);
    u8 = 0x55;
    assert_int_equal(tlsd_rd_u8(&r, &u8, "past end"), TLSD_CERR_TRUNCATED);
    assert_int_equal(u8, 0x55); /* never "parsed as zero" */
    assert_int_equal(err.code, TLSD_CERR_TRUNCATED);
    assert_int_equal(err.offset, 10);
    assert_string_equal(err.what, "past end");
}

static void test_truncation_every_width(void **state)
{
    (void)state;
    static const uint8_t b[] = {0xff, 0xff, 0xff};
    for (size_t len = 0; len < 3; len++) {
        struct tlsd_err err = {0};
        struct tlsd_rd r;
        uint32_t v = 7;
        tlsd_rd_init(&r, b, len, &err);
        assert_int_equal(tlsd_rd_u24(&r, &v, "x"), TLSD_CERR_TRUNCATED);
        assert_int_equal(v, 7);
        assert_int_equal(tlsd_rd_left(&r), len); /* nothing consumed */
        uint16_t v16;
        if (len < 2)
            assert_int_equal(tlsd_rd_u16(&r, &v16, "y"), TLSD_CERR_TRUNCATED);
        assert_string_equal(err.what, "x"); /* the first error is kept */
    }
}

static void test_vectors(void **state)
{
    (void)state;
    /* vec8 { vec16 { 0xAA 0xBB } 0xCC } 0xDD */
    static const uint8_t b[] = {5, 0, 2, 0xaa, 0xbb, 0xcc, 0xdd};
    struct tlsd_err err = {0};
    struct tlsd_rd r, a, in;
    const uint8_t *p;
    tlsd_rd_init(&r, b, sizeof b, &err);
    assert_int_equal(tlsd_rd_vec8(&r, &a, "outer"), TLSD_CERR_OK);
    assert_int_equal(tlsd_rd_left(&a), 5);
    assert_int_equal(tlsd_rd_vec16(&a, &in, "inner"), TLSD_CERR_OK);
    assert_int_equal(tlsd_rd_bytes(&in, &p, 2, "data"), TLSD_CERR_OK);
    assert_int_equal(p[1], 0xbb);
    assert_int_equal(tlsd_rd_done(&in, "inner"), TLSD_CERR_OK);
    /* The sub-reader cannot see past its block even though the input goes on. */
    uint8_t x;
    assert_int_equal(tlsd_rd_u8(&in, &x, "beyond inner"), TLSD_CERR_TRUNCATED);
    assert_int_equal(err.offset, 5);
    assert_int_equal(tlsd_rd_done(&a, "outer"), TLSD_CERR_TRAILING);
}

static void test_vector_too_long(void **state)
{
    (void)state;
    static const uint8_t b[] = {0, 0, 9, 1, 2};
    struct tlsd_err err = {0};
    struct tlsd_rd r, in;
    tlsd_rd_init(&r, b, sizeof b, &err);
    assert_int_equal(tlsd_rd_vec24(&r, &in, "v"), TLSD_CERR_TRUNCATED);
    assert_int_equal(err.code, TLSD_CERR_TRUNCATED);
    char msg[128];
    tlsd_err_format(&err, msg, sizeof msg);
    assert_non_null(strstr(msg, "TRUNCATED"));
    assert_non_null(strstr(msg, "(v)"));
}

static void test_lists(void **state)
{
    (void)state;
    static const uint8_t b[] = {0, 1, 0, 2, 3};
    struct tlsd_err err = {0};
    struct tlsd_rd r;
    uint16_t *v;
    size_t n;
    tlsd_rd_init(&r, b, 4, &err);
    assert_int_equal(tlsd_rd_u16_list(&r, &v, &n, "l"), TLSD_CERR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[1], 2);
    free(v);
    tlsd_rd_init(&r, b, 5, &err);
    assert_int_equal(tlsd_rd_u16_list(&r, &v, &n, "odd"), TLSD_CERR_LENGTH);
    assert_null(v);
}

struct hook_log {
    size_t n, off[8];
    unsigned width[8];
};

static void hook(void *ctx, size_t off, unsigned width, size_t value)
{
    struct hook_log *l = ctx;
    (void)value;
    l->off[l->n] = off;
    l->width[l->n++] = width;
}

static void test_length_hook(void **state)
{
    (void)state;
    static const uint8_t b[] = {5, 0, 2, 0xaa, 0xbb, 0xcc};
    struct hook_log log = {0};
    struct tlsd_err err = {.length_hook = hook, .hook_ctx = &log};
    struct tlsd_rd r, a, in;
    tlsd_rd_init(&r, b, sizeof b, &err);
    assert_int_equal(tlsd_rd_vec8(&r, &a, "o"), TLSD_CERR_OK);
    assert_int_equal(tlsd_rd_vec16(&a, &in, "i"), TLSD_CERR_OK);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.off[1], 1);
    assert_int_equal(log.width[1], 2);
}

static void test_writer_nested(void **state)
{
    (void)state;
    struct tlsd_wr w;
    uint8_t *buf;
    size_t len;
    tlsd_wr_init(&w);
    tlsd_wr_u8(&w, 0x16);
    tlsd_wr_open_vec24(&w);
    tlsd_wr_open_vec16(&w);
    tlsd_wr_u16(&w, 0x1301);
    tlsd_wr_open_vec8(&w);
    tlsd_wr_close_vec(&w);
    tlsd_wr_close_vec(&w);
    tlsd_wr_u32(&w, 0xdeadbeef);
    tlsd_wr_close_vec(&w);
    assert_int_equal(tlsd_wr_take(&w, &buf, &len), TLSD_CERR_OK);
    static const uint8_t want[] = {0x16, 0, 0, 9, 0, 3, 0x13, 0x01, 0, 0xde, 0xad, 0xbe, 0xef};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, len);
    free(buf);
}

static void test_writer_errors(void **state)
{
    (void)state;
    struct tlsd_wr w;
    uint8_t big[300] = {0}, *buf = NULL;
    size_t len;
    tlsd_wr_init(&w);
    tlsd_wr_open_vec8(&w);
    tlsd_wr_bytes(&w, big, 256);
    tlsd_wr_close_vec(&w);
    assert_int_equal(tlsd_wr_status(&w), TLSD_CERR_VEC_TOO_LONG);
    tlsd_wr_u8(&w, 1); /* sticky: ignored */
    assert_int_equal(tlsd_wr_take(&w, &buf, &len), TLSD_CERR_VEC_TOO_LONG);
    assert_null(buf);

    tlsd_wr_init(&w);
    tlsd_wr_open_vec16(&w);
    assert_int_equal(tlsd_wr_status(&w), TLSD_CERR_BAD_SPEC); /* still open */
    tlsd_wr_close_vec(&w);
    tlsd_wr_close_vec(&w); /* one close too many */
    assert_int_equal(tlsd_wr_status(&w), TLSD_CERR_BAD_SPEC);
    tlsd_wr_free(&w);

    tlsd_wr_init(&w);
    tlsd_wr_u24(&w, 0x1000000);
    assert_int_equal(tlsd_wr_status(&w), TLSD_CERR_VEC_TOO_LONG);
    tlsd_wr_free(&w);

    tlsd_wr_init(&w);
    for (int i = 0; i <= TLSD_WR_MAX_OPEN; i++)
        tlsd_wr_open_vec8(&w);
    assert_int_equal(tlsd_wr_status(&w), TLSD_CERR_BAD_SPEC);
    tlsd_wr_free(&w);
}

static void test_error_names(void **state)
{
    (void)state;
    for (int e = 0; e < TLSD_CERR_COUNT; e++) {
        assert_non_null(tlsd_cerr_name(e));
        assert_true(strlen(tlsd_cerr_message(e)) > 3);
        for (int f = 0; f < e; f++)
            assert_string_not_equal(tlsd_cerr_name(e), tlsd_cerr_name(f));
    }
    assert_string_equal(tlsd_cerr_name(TLSD_CERR_TRUNCATED), "TRUNCATED");
    assert_string_equal(tlsd_cerr_name(TLSD_CERR_COUNT), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints),          cmocka_unit_test(test_truncation_every_width),
        cmocka_unit_test(test_vectors),       cmocka_unit_test(test_vector_too_long),
        cmocka_unit_test(test_lists),         cmocka_unit_test(test_length_hook),
        cmocka_unit_test(test_writer_nested), cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
