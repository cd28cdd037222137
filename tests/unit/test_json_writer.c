/* The JSON writer's strings (lib/analyze/json_writer.c): every byte value, at every
 * position of strings long enough to be checked a word at a time, escaped as a plain
 * byte-by-byte reference does it (RFC 8259 7: quote, backslash, control characters; a
 * byte that is not part of well-formed UTF-8 as \u00XX); member names remembered by
 * address come out as given. */
#include "analyze/json_writer.h"
#include "testutil.h"

#include "tlsdiag/strbuf.h"

/* The reference: one byte at a time, as the writer's comments describe it. */
static void ref_escape(const unsigned char *v, size_t n, char *out)
{
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\n' || c == '\t' || c == '\r') {
            out[o++] = '\\';
            out[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
        } else if (c < 0x20 || c >= 0x80) {
            /* The strings below hold no well-formed UTF-8: a lone byte >= 0x80 is
             * never part of a sequence here (its neighbours are ASCII). */
            o += (size_t)sprintf(out + o, "\\u00%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Room in b beforehand: the writer's fast paths are taken only when the value fits. */
static void roomy(struct tlsd_strbuf *b)
{
    char pad[512];
    memset(pad, ' ', sizeof pad);
    tlsd_sb_putn(b, pad, sizeof pad);
    b->len = 0;
    b->s[0] = '\0';
}

static void every_byte_everywhere(void **state)
{
    (void)state;
    unsigned char v[32];
    char want[32 * 6 + 3];
    for (size_t n = 1; n <= 24; n++) {
        for (size_t at = 0; at < n; at++) {
            for (unsigned c = 0; c < 256; c++) {
                for (size_t i = 0; i < n; i++)
                    v[i] = (unsigned char)('a' + i % 26);
                v[at] = (unsigned char)c;
                ref_escape(v, n, want);
                struct tlsd_strbuf b = {0};
                struct tlsd_jw w = {.b = &b};
                roomy(&b);
                tlsd_jw_stringn(&w, NULL, (const char *)v, n);
                assert_false(b.failed);
                assert_string_equal(b.s, want);
                tlsd_sb_free(&b);
            }
        }
    }
}

static void utf8_passes(void **state)
{
    (void)state;
    const char *s = "caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac 12345678"; /* é, ï, € */
    struct tlsd_strbuf b = {0};
    struct tlsd_jw w = {.b = &b};
    roomy(&b);
    tlsd_jw_string(&w, NULL, s);
    assert_string_equal(b.s, "\"caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac 12345678\"");
    tlsd_sb_free(&b);
}

static void remembered_names(void **state)
{
    (void)state;
    static const char *const name = "server_name"; /* one address: the memo's key */
    const char *volatile unknown = name; /* a length the compiler does not know: the memo */
    struct tlsd_jw_memo memo;
    tlsd_jw_memo_init(&memo, 16, 16, 16);
    struct tlsd_strbuf b = {0};
    struct tlsd_jw w = {.b = &b, .memo = &memo};
    roomy(&b);
    for (int round = 0; round < 2; round++) { /* the second time from the memo */
        b.len = 0;
        tlsd_jw_begin_object(&w, NULL);
        tlsd_jw_int(&w, "a", 1);
        tlsd_jw_string(&w, unknown, "x\"y");
        tlsd_jw_bool(&w, "a_rather_long_member_name_of_thirty", true);
        tlsd_jw_end_object(&w);
        assert_string_equal(
            b.s,
            "{\"a\":1,\"server_name\":\"x\\\"y\",\"a_rather_long_member_name_of_thirty\":true}");
        /* the name is in the memo after the first round: the second copies it from there */
        assert_non_null(tlsd_memo_get(&memo.keys, tlsd_hash_ptr(name), &name, sizeof name, NULL));
    }
    tlsd_sb_free(&b);
    tlsd_jw_memo_free(&memo);
}

/* Literal names (their length known at compile time) of every length up to and past the
 * fast path's 48 bytes, copied without a look-up. */
static void literal_names(void **state)
{
    (void)state;
    struct tlsd_strbuf b = {0};
    struct tlsd_jw w = {.b = &b};
    roomy(&b);
    tlsd_jw_begin_object(&w, NULL);
    tlsd_jw_int(&w, "", 0);
    tlsd_jw_int(&w, "ab", 2);
    tlsd_jw_int(&w, "abc", 3);
    tlsd_jw_int(&w, "abcd", 4);
    tlsd_jw_int(&w, "abcdefg", 7);
    tlsd_jw_int(&w, "abcdefgh", 8);
    tlsd_jw_int(&w, "abcdefghi", 9);
    tlsd_jw_int(&w, "abcdefghijklmnop", 16);
    tlsd_jw_int(&w, "abcdefghijklmnopq", 17);
    tlsd_jw_int(&w, "abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvw", 50);
    tlsd_jw_end_object(&w);
    assert_string_equal(b.s, "{\"\":0,\"ab\":2,\"abc\":3,\"abcd\":4,\"abcdefg\":7,\"abcdefgh\":8,"
                             "\"abcdefghi\":9,\"abcdefghijklmnop\":16,\"abcdefghijklmnopq\":17,"
                             "\"abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvw\":50}");
    tlsd_sb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_byte_everywhere),
        cmocka_unit_test(utf8_passes),
        cmocka_unit_test(remembered_names),
        cmocka_unit_test(literal_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
