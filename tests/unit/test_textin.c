/* Text input as Windows writes it: BOMs, UTF-16 both ways, CRLF; nothing silently cut. */
#include "testutil.h"

#include "tlsdiag/textin.h"

static char *dec(const void *in, size_t len, size_t *n, enum tlsd_text_encoding *e)
{
    char *s = tlsd_text_decode(in, len, n, e);
    assert_non_null(s);
    assert_int_equal(strlen(s), *n);
    return s;
}

static void test_utf16le_bom_crlf(void **state)
{
    (void)state;
    /* "Name\r\nAÄ€😀\r\n" as PowerShell 5.1 writes it. */
    static const uint8_t in[] = {0xFF, 0xFE, 'N',  0,    'a',  0, 'm',  0, 'e',  0,
                                 '\r', 0,    '\n', 0,    'A',  0, 0xC4, 0, 0xAC, 0x20,
                                 0x3D, 0xD8, 0x00, 0xDE, '\r', 0, '\n', 0};
    size_t n;
    enum tlsd_text_encoding e;
    char *s = dec(in, sizeof in, &n, &e);
    assert_int_equal(e, TLSD_TEXT_UTF16LE);
    assert_string_equal(s, "Name\nA\xC3\x84\xE2\x82\xAC\xF0\x9F\x98\x80\n");
    free(s);
}

static void test_utf16be_and_bomless(void **state)
{
    (void)state;
    static const uint8_t be[] = {0xFE, 0xFF, 0, 'h', 0, 'i', 0, '\n'};
    static const uint8_t le_nobom[] = {'T', 0, 'L', 0, 'S', 0, '_', 0, 'A', 0};
    size_t n;
    enum tlsd_text_encoding e;
    char *s = dec(be, sizeof be, &n, &e);
    assert_int_equal(e, TLSD_TEXT_UTF16BE);
    assert_string_equal(s, "hi\n");
    free(s);
    s = dec(le_nobom, sizeof le_nobom, &n, &e);
    assert_int_equal(e, TLSD_TEXT_UTF16LE);
    assert_string_equal(s, "TLS_A");
    free(s);
}

static void test_utf8_bom_and_line_ends(void **state)
{
    (void)state;
    static const char in[] = "\xEF\xBB\xBF"
                             "a\r\nb\rc\n\r\nd";
    size_t n;
    enum tlsd_text_encoding e;
    char *s = dec(in, sizeof in - 1, &n, &e);
    assert_int_equal(e, TLSD_TEXT_UTF8_BOM);
    assert_string_equal(s, "a\nb\nc\n\nd");
    free(s);
    /* 8-bit text (a Latin-1 comment) is kept byte for byte. */
    static const char latin[] = "# caf\xE9\nx";
    s = dec(latin, sizeof latin - 1, &n, &e);
    assert_int_equal(e, TLSD_TEXT_8BIT);
    assert_string_equal(s, latin);
    free(s);
}

static void test_bad_utf16_replaced(void **state)
{
    (void)state;
    /* A lone high surrogate, a lone low one, U+0000 and a final odd byte: U+FFFD each. */
    static const uint8_t in[] = {0xFF, 0xFE, 0x3D, 0xD8, 'x', 0, 0x00, 0xDE, 0, 0, 'y', 0, 'z'};
    size_t n;
    char *s = dec(in, sizeof in, &n, NULL);
    assert_string_equal(s, "\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBDy\xEF\xBF\xBD");
    free(s);
    /* Empty and tiny inputs. */
    s = dec("", 0, &n, NULL);
    assert_int_equal(n, 0);
    free(s);
    static const uint8_t bom_only[] = {0xFF, 0xFE};
    s = dec(bom_only, sizeof bom_only, &n, NULL);
    assert_int_equal(n, 0);
    free(s);
    assert_string_equal(tlsd_text_encoding_name(TLSD_TEXT_UTF16LE), "UTF-16LE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf16le_bom_crlf),
        cmocka_unit_test(test_utf16be_and_bomless),
        cmocka_unit_test(test_utf8_bom_and_line_ends),
        cmocka_unit_test(test_bad_utf16_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
