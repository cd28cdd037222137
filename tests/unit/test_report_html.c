/* The HTML renderers' limits and escaping: a match matrix far past the budget stays under
 * TLSD_HTML_MAX_BYTES and says what it left out; a profile or certificate name holding
 * markup is text; a scan result with an error and one with undecided questions render.
 * (Pages from real runs are checked in Chromium by tests/integration/test_html_report.) */
#include "testutil.h"

#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/report_html.h"

static void load(const char *name, enum tlsd_side side, struct tlsd_profile *p)
{
    struct tlsd_profile_err err;
    if (tlsd_profile_load(name, side, p, &err) != 0)
        fail_msg("%s: %s", name, err.msg);
}

/* 400 clients x 40 servers, half of the pairs failing: past the budget the fixes go, past
 * three quarters of the limit the details too. */
static void test_match_limit(void **state)
{
    (void)state;
    enum { NC = 400, NS = 40 };
    struct tlsd_profile *cs = calloc(NC, sizeof *cs), *ss = calloc(NS, sizeof *ss);
    struct tlsd_outcome *out = calloc(NC * NS, sizeof *out);
    assert_true(cs && ss && out);
    load("legacy-printer", TLSD_SIDE_CLIENT, &cs[0]);
    load("windows-11", TLSD_SIDE_CLIENT, &cs[1]);
    load("windows-2025", TLSD_SIDE_SERVER, &ss[0]);
    load("windows-2022", TLSD_SIDE_SERVER, &ss[1]);
    for (size_t i = 2; i < NC; i++)
        cs[i] = cs[i % 2];
    for (size_t i = 2; i < NS; i++)
        ss[i] = ss[i % 2];
    snprintf(cs[0].name, sizeof cs[0].name, "<script>alert(1)</script>");
    for (size_t i = 0; i < NC * NS; i++)
        tlsd_negotiate(&cs[i / NS], &ss[i % NS], &out[i]);
    assert_false(out[0].ok); /* the legacy printer fails with Windows Server 2025 */
    struct tlsd_strbuf b = {0};
    assert_int_equal(tlsd_html_match(&b, cs, NC, ss, NS, out), 0);
    assert_true(b.len < TLSD_HTML_MAX_BYTES);
    assert_non_null(strstr(b.s, "id=\"limit\""));
    assert_null(strstr(b.s, "<script>alert"));
    assert_non_null(strstr(b.s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(b.s, "First fix on the server")); /* the first cells have fixes */
    assert_non_null(strstr(b.s, "</html>\n"));
    tlsd_sb_free(&b);
    free(cs);
    free(ss);
    free(out);
}

static void test_scan_results(void **state)
{
    (void)state;
    enum { N = 3 };
    struct tlsd_target t[N] = {{.input = "192.0.2.1:443", .host = "192.0.2.1", .port = 443},
                               {.input = "<b>x</b>:443", .host = "<b>x</b>", .port = 443},
                               {.input = "192.0.2.3:443", .host = "192.0.2.3", .port = 443}};
    struct tlsd_scan_result r[N];
    memset(r, 0, sizeof r);
    char *und[] = {"TLSv1.1: whether it is accepted (reset 2 times)"};
    for (int i = 0; i < N; i++) {
        r[i].target = &t[i];
        for (int v = 0; v < TLSD_PROTO_COUNT; v++)
            r[i].versions[v].version = tlsd_proto_codes[v];
    }
    snprintf(r[0].error, sizeof r[0].error, "connection refused");
    static struct tlsd_scan_suite suites[] = {{.code = 0xC02F, .group = 0x001D}, {.code = 0x000A}};
    r[1].versions[TLSD_PROTO_TLS12] = (struct tlsd_scan_version){.version = 0x0303,
                                                                 .accepted = true,
                                                                 .suites = suites,
                                                                 .n_suites = 2,
                                                                 .server_order = TLSD_YES};
    r[2].versions[TLSD_PROTO_TLS11].undecided = true;
    r[2].undecided = und;
    r[2].n_undecided = 1;
    struct tlsd_strbuf b = {0};
    assert_int_equal(tlsd_html_scan(&b, r, N), 0);
    assert_null(strstr(b.s, "<b>x</b>"));
    assert_non_null(strstr(b.s, "&lt;b&gt;x&lt;/b&gt;:443"));
    assert_non_null(strstr(b.s, "connection refused"));
    assert_non_null(strstr(b.s, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
    assert_non_null(strstr(b.s, "unknown (not decided)"));
    assert_non_null(strstr(b.s, "TLSv1.1: whether it is accepted"));
    assert_null(strstr(b.s, "id=\"limit\"")); /* three cards fit */
    tlsd_sb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_limit),
        cmocka_unit_test(test_scan_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
