/* Peer text made safe: control characters, ESC, C1 controls, bad UTF-8 and NUL bytes. */
#include "testutil.h"

#include "tlsdiag/textout.h"

static void test_escape(void **state)
{
    (void)state;
    char out[128];
    static const char evil[] = "a\x1b[31mb\nc\\d\x7f\xc2\x9b" /* CSI as a C1 control */
                               "\xc3\xa9\xe9\xed\xa0\x80\xf0\x9f\x98\x80";
    tlsd_text_escape(evil, sizeof evil - 1, out, sizeof out);
    assert_string_equal(out, "a\\x1B[31mb\\x0Ac\\\\d\\x7F\\xC2\\x9B\xc3\xa9\\xE9\\xED\\xA0\\x80"
                             "\xf0\x9f\x98\x80");
    /* Plain printable UTF-8 is copied as it is. */
    tlsd_text_escape("printer.example \xc3\xa9", 18, out, sizeof out);
    assert_string_equal(out, "printer.example \xc3\xa9");
    /* Overlong and past-U+10FFFF forms are not UTF-8. */
    tlsd_text_escape("\xc0\xaf\xf4\x90\x80\x80", 6, out, sizeof out);
    assert_string_equal(out, "\\xC0\\xAF\\xF4\\x90\\x80\\x80");
}

static void test_escape_cut(void **state)
{
    (void)state;
    char out[10];
    tlsd_text_escape("abcdefghijklmnop", 16, out, sizeof out);
    assert_string_equal(out, "abcdef...");
    tlsd_text_escape("ab\x01\x02\x03", 5, out, sizeof out);
    assert_string_equal(out, "ab\\x01...");
    char tiny[3] = "zz";
    tlsd_text_escape("abc", 3, tiny, sizeof tiny);
    assert_string_equal(tiny, "");
}

static void test_utf8(void **state)
{
    (void)state;
    static const char in[] = "caf\xe9 \xc3\xa9\x00x\x1b";
    char *s = tlsd_text_utf8(in, sizeof in - 1);
    assert_non_null(s);
    assert_string_equal(s, "caf\xc3\xa9 \xc3\xa9\xef\xbf\xbdx\x1b");
    free(s);
}

/* tlsd_text_put: the same escapes as a whole string; for HTML also the markup characters,
 * so a server name like <script> is text on the page. */
static void test_put(void **state)
{
    (void)state;
    static const char evil[] = "<script>alert('x')</script>&\"\x1b[2J\xc3\xa9\xe9\xc2\x9b";
    struct tlsd_strbuf b = {0};
    tlsd_text_put(&b, evil, sizeof evil - 1, TLSD_TEXT_HTML);
    assert_false(b.failed);
    assert_string_equal(b.s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;\\x1b[2J"
                             "\xc3\xa9\\xe9\\xc2\\x9b");
    b.len = 0;
    tlsd_text_put(&b, evil, sizeof evil - 1, TLSD_TEXT_TERMINAL);
    assert_string_equal(b.s, "<script>alert('x')</script>&\"\\x1b[2J\xc3\xa9\\xe9\\xc2\\x9b");
    b.len = 0;
    tlsd_text_put(&b, "", 0, TLSD_TEXT_HTML);
    assert_non_null(b.s);
    tlsd_sb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_escape_cut),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_put),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
