/* The scan result's text report (scan_text.c): an error target, accepted suites fitted to
 * the width, undecided questions marked unknown and long lists cut at a name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/target.h"

static void init(struct tlsd_scan_result *r, struct tlsd_target *t)
{
    memset(r, 0, sizeof *r);
    r->target = t;
    for (int v = 0; v < TLSD_PROTO_COUNT; v++)
        r->versions[v].version = tlsd_proto_codes[v];
}

static char *render(const struct tlsd_scan_result *r, size_t width)
{
    struct tlsd_strbuf b = {0};
    tlsd_scan_result_render_text(&b, r, false, width);
    assert_false(b.failed);
    return tlsd_sb_take(&b);
}

static void test_error(void **state)
{
    (void)state;
    struct tlsd_target t = {.input = "192.0.2.1:443", .host = "192.0.2.1", .port = 443};
    struct tlsd_scan_result r;
    init(&r, &t);
    snprintf(r.error, sizeof r.error, "connect: connection refused");
    char *s = render(&r, 80);
    assert_string_equal(s, "192.0.2.1:443\n  error: connect: connection refused\n\n");
    free(s);
}

static void test_suites_and_undecided(void **state)
{
    (void)state;
    struct tlsd_target t = {.input = "h:443", .host = "h", .port = 443};
    struct tlsd_scan_result r;
    init(&r, &t);
    static struct tlsd_scan_suite suites[] = {{.code = 0xC02F, .group = 0x001D}, {.code = 0x000A}};
    r.versions[TLSD_PROTO_TLS12] = (struct tlsd_scan_version){.version = 0x0303,
                                                              .accepted = true,
                                                              .suites = suites,
                                                              .n_suites = 2,
                                                              .server_order = TLSD_YES};
    r.versions[TLSD_PROTO_TLS11].undecided = true;
    /* 40 names of 9 characters: more than a line of the report holds */
    char list[600] = "TLSv1.2 groups not decided (reset): ";
    for (int i = 0; i < 40; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%sgroup%04d", i ? ", " : "", i);
    char *und[] = {list};
    r.undecided = und;
    r.n_undecided = 1;
    char *s = render(&r, 200);
    assert_non_null(strstr(s, "\n    TLSv1.1  unknown\n"));
    assert_non_null(strstr(s, "\n    TLSv1.0  no\n")); /* no padding at the end of a line */
    assert_non_null(strstr(s, "\n    TLSv1.2  yes  2 suites, server order\n"));
    assert_non_null(strstr(s, "  TLSv1.2 cipher suites (server order)\n"));
    assert_non_null(strstr(s, "0xC02F  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256  "
                              "ECDHE-RSA-AES128-GCM-SHA256  x25519  recommended\n"));
    /* cut after a whole name, within 160 characters */
    const char *cut = strstr(s, ", ... (--json lists them all)\n");
    assert_non_null(cut);
    assert_memory_equal(cut - 9, "group", 5);
    assert_non_null(strstr(s, "Incomplete: not decided"));
    free(s);
    /* a narrow terminal keeps the IANA name and the class, in that order */
    s = render(&r, 60);
    /* (4 + 37 + 2 + 11 columns: the code, the OpenSSL name and the group do not fit) */
    assert_non_null(strstr(s, "\n    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256  recommended\n"));
    assert_null(strstr(s, "ECDHE-RSA-AES128-GCM-SHA256"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_suites_and_undecided),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
