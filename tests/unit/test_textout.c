/* Peer text made safe: control characters, ESC, C1 controls, bad UTF-8 and NUL bytes. */
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsdiag/strbuf.h"
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

/* tlsd_text_wrap of s at width with indent, as one string. */
static char *wrap(const char *s, size_t width, size_t indent)
{
    struct tlsd_strbuf b = {0};
    tlsd_text_wrap(s, strlen(s), width, indent, &b);
    return tlsd_sb_take(&b);
}

static void expect_wrap(const char *s, size_t width, size_t indent, const char *want)
{
    char *got = wrap(s, width, indent);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_columns(void **state)
{
    (void)state;
    assert_int_equal(tlsd_text_columns("abc", 3), 3);
    /* Colour sequences take no room; a UTF-8 character takes one column. */
    assert_int_equal(tlsd_text_columns("\033[1;31mab\033[0m", 13), 2);
    assert_int_equal(tlsd_text_columns("\xe2\x86\x92x", 4), 2);
    assert_int_equal(tlsd_text_columns("\xff", 1), 1);
}

/* TLSD_WRAP_MIN_ROOM is 20: the widths below leave that room after the indent. */
static void test_wrap_items(void **state)
{
    (void)state;
    /* Short enough: unchanged. */
    expect_wrap("  a, b", 30, TLSD_WRAP_AUTO, "  a, b\n");
    /* A comma list without spaces breaks after a comma, continued under the list. */
    expect_wrap("  Order: AAAA,BBBB,CCCC,DDDD,EEEE,FFFF", 32, TLSD_WRAP_AUTO,
                "  Order: AAAA,BBBB,CCCC,DDDD,\n         EEEE,FFFF\n");
    /* Words: at a space, the spaces dropped; under the text after "label  ". */
    expect_wrap("  why  one two three four five six seven eight", 30, TLSD_WRAP_AUTO,
                "  why  one two three four five\n       six seven eight\n");
    /* No label: the line's indent plus two. */
    expect_wrap("one two three four five six seven eight nine ten", 26, TLSD_WRAP_AUTO,
                "one two three four five\n  six seven eight nine ten\n");
    /* A label past half the width is not used. */
    expect_wrap("a long label of words: x y z w v u t", 30, TLSD_WRAP_AUTO,
                "a long label of words: x y z w\n  v u t\n");
    /* An explicit indent. */
    expect_wrap("name  desc words go on and on and on here", 30, 6,
                "name  desc words go on and on\n      and on here\n");
    /* Too little room after the indent: the indent gives way. */
    expect_wrap("aaaa bbbb cccc dddd eeee ffff gggg", 30, 25,
                "aaaa bbbb cccc dddd eeee ffff\n          gggg\n");
}

static void test_wrap_tokens(void **state)
{
    (void)state;
    /* The last break within the room, found back from its end: not between two spaces,
     * which are dropped at the break. */
    expect_wrap("aaa bbb ccccccccccccccccc  dddddddddd", 30, 2,
                "aaa bbb ccccccccccccccccc\n  dddddddddd\n");
    /* Leading spaces longer than the room: no break among them, the first word stays. */
    expect_wrap("                                word more", 30, 2,
                "                                word\n  more\n");
    /* A word longer than the room stays whole on its own line. */
    expect_wrap("see: https://example.invalid/a/very/long/path/x next", 30, TLSD_WRAP_AUTO,
                "see:\n     https://example.invalid/a/very/long/path/x\n     next\n");
    /* Not broken inside a time, an address or a URL scheme. */
    expect_wrap("at 10:05:03 from 10.0.0.1:443 via https://h/ ok", 30, 2,
                "at 10:05:03 from 10.0.0.1:443\n  via https://h/ ok\n");
    expect_wrap("xxxxxxxxxxxxxxxxxxxxxxxxxx 10:05:03", 30, 2,
                "xxxxxxxxxxxxxxxxxxxxxxxxxx\n  10:05:03\n");
    /* A registry path with a space stays on one line. */
    expect_wrap("Check HKLM\\SCHANNEL\\Protocols\\TLS 1.2\\Client now", 30, 2,
                "Check\n  HKLM\\SCHANNEL\\Protocols\\TLS 1.2\\Client\n  now\n");
    /* Colour takes no room: the coloured line still fits. */
    expect_wrap("\033[1;31minsecure\033[0m 1234567", 16, 2, "\033[1;31minsecure\033[0m 1234567\n");
    expect_wrap("", 20, TLSD_WRAP_AUTO, "\n");
    /* A tiny width still makes progress and keeps every word. */
    expect_wrap("aa bb cc", 1, TLSD_WRAP_AUTO, "aa\nbb\ncc\n");
}

static void test_times(void **state)
{
    (void)state;
    char buf[TLSD_TIME_LEN];
    assert_non_null(tlsd_time_utc(1682060808588381, true, buf, sizeof buf));
    assert_string_equal(buf, "2023-04-21T07:06:48.588381Z");
    assert_non_null(tlsd_time_utc(1679647830LL * 1000000, false, buf, sizeof buf));
    assert_string_equal(buf, "2023-03-24T08:50:30Z");
    /* Before the epoch: the fraction counts forward from the whole second below. */
    assert_non_null(tlsd_time_utc(-1500000, true, buf, sizeof buf));
    assert_string_equal(buf, "1969-12-31T23:59:58.500000Z");
    /* Years below 1000 as strftime's %Y writes them (no leading zeros); 9999 is the last. */
    assert_non_null(tlsd_time_utc(-59011459200LL * 1000000 + 7, true, buf, sizeof buf));
    assert_string_equal(buf, "100-01-01T00:00:00.000007Z");
    assert_non_null(tlsd_time_utc(253402300799LL * 1000000, false, buf, sizeof buf));
    assert_string_equal(buf, "9999-12-31T23:59:59Z");
    assert_non_null(tlsd_time_utc(-30610224000LL * 1000000, false, buf, sizeof buf));
    assert_string_equal(buf, "1000-01-01T00:00:00Z");
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    assert_non_null(tlsd_time_local(1682060808588381, buf, sizeof buf));
    assert_string_equal(buf, "2023-04-21 09:06:48.588 +02:00");
    setenv("TZ", "Asia/Kolkata", 1);
    tzset();
    assert_non_null(tlsd_time_local(0, buf, sizeof buf));
    assert_string_equal(buf, "1970-01-01 05:30:00.000 +05:30");
    /* Out of range, and no room: no time. */
    assert_null(tlsd_time_utc(INT64_MAX, true, buf, sizeof buf));
    assert_string_equal(buf, "");
    char small[8];
    assert_null(tlsd_time_utc(0, true, small, sizeof small));
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

/* Columns as wide as their widest cell (colour sequences not counted), two spaces apart,
 * no padding after the last cell; when the width is short, columns go in keep[]'s order
 * from the least important, and the first kept column stays even when it alone is wider. */
static void expect_table(size_t width, const char *want)
{
    static const char *const heads[] = {"code", "name", "class"};
    static const size_t keep[] = {1, 2, 0};
    struct tlsd_table t = {.n_cols = 3, .heads = heads, .keep = keep, .indent = 2};
    tlsd_table_row(&t, (const char *const[]){"0x1301", "TLS_AES_128_GCM_SHA256",
                                             TLSD_SGR_GREEN "secure" TLSD_SGR_RESET});
    tlsd_table_row(&t, (const char *const[]){"0xC030", "ECDHE-RSA", NULL});
    struct tlsd_strbuf b = {0};
    tlsd_table_render(&t, width, &b);
    assert_false(t.failed);
    assert_null(t.cells);
    assert_string_equal(b.s, want);
    tlsd_sb_free(&b);
}

static void test_table(void **state)
{
    (void)state;
    expect_table(80,
                 "  code    name                    class\n"
                 "  0x1301  TLS_AES_128_GCM_SHA256  " TLSD_SGR_GREEN "secure" TLSD_SGR_RESET "\n"
                 "  0xC030  ECDHE-RSA\n");
    /* 2 + 22 + 2 + 6 = 32 columns: the code column (last kept) does not fit. */
    expect_table(33, "  name                    class\n"
                     "  TLS_AES_128_GCM_SHA256  " TLSD_SGR_GREEN "secure" TLSD_SGR_RESET "\n"
                     "  ECDHE-RSA\n");
    expect_table(10, "  name\n  TLS_AES_128_GCM_SHA256\n  ECDHE-RSA\n");
}

/* tlsd_sb_printf appended after "x" gives what snprintf gives, through its own
 * formatting of the simple conversions and through vsnprintf for the rest. */
#define EXPECT_PRINTF(...)                                                                         \
    do {                                                                                           \
        struct tlsd_strbuf b = {0};                                                                \
        char want[600] = "x";                                                                      \
        tlsd_sb_puts(&b, "x");                                                                     \
        tlsd_sb_printf(&b, __VA_ARGS__);                                                           \
        snprintf(want + 1, sizeof want - 1, __VA_ARGS__);                                          \
        assert_string_equal(b.s, want);                                                            \
        assert_int_equal(b.len, strlen(want));                                                     \
        tlsd_sb_free(&b);                                                                          \
    } while (0)

static void test_sb_printf(void **state)
{
    (void)state;
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *volatile none = NULL; /* %s of NULL: vsnprintf's "(null)" */
    EXPECT_PRINTF("plain text, no conversion");
    EXPECT_PRINTF("%s and %s (%d)", "one", "two", 70);
    EXPECT_PRINTF("%d %d %u %ld %lu %lld %llu %zu", INT32_MIN, -1, 4294967295u, -7L, 8UL,
                  (long long)INT64_MIN, 18446744073709551615ull, (size_t)0);
    EXPECT_PRINTF("100%% of %s%%", "it");
    EXPECT_PRINTF("%s, then long: %s", "short", big); /* past the 64 bytes reserved */
    EXPECT_PRINTF("%s then %s", "text", none);
    /* Not simple: widths, precisions, flags, other conversions (vsnprintf), also after a
     * simple part already appended. */
    EXPECT_PRINTF("%s: 0x%04x %5d %-3s| %.1f %c %.*s", "mixed", 0x2f, 42, "a", 1.25, 'z', 3,
                  "abcdef");
    EXPECT_PRINTF("%i %x %%%s", -3, 255u, "end");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),      cmocka_unit_test(test_escape_cut),
        cmocka_unit_test(test_utf8),        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_times),       cmocka_unit_test(test_wrap_items),
        cmocka_unit_test(test_wrap_tokens), cmocka_unit_test(test_put),
        cmocka_unit_test(test_table),       cmocka_unit_test(test_sb_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
