/* Scan target specifications. */
#include "testutil.h"

#include "tlsdiag/target.h"

static struct tlsd_target_list parse_ok(const char *spec, uint16_t port, enum tlsd_starttls st)
{
    struct tlsd_target_list l = {0};
    char err[256] = "";
    if (tlsd_target_parse(spec, port, st, &l, err, sizeof err) != 0)
        fail_msg("%s: %s", spec, err);
    return l;
}

static void forms(void **state)
{
    (void)state;
    struct tlsd_target_list l = parse_ok("example.com", 0, TLSD_STARTTLS_NONE);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].host, "example.com");
    assert_string_equal(l.v[0].sni, "example.com");
    assert_int_equal(l.v[0].port, 443);
    tlsd_target_list_free(&l);

    l = parse_ok("print.example.com:5012", 0, TLSD_STARTTLS_NONE);
    assert_int_equal(l.v[0].port, 5012);
    tlsd_target_list_free(&l);

    l = parse_ok("[::1]:8443", 0, TLSD_STARTTLS_NONE);
    assert_string_equal(l.v[0].host, "::1");
    assert_null(l.v[0].sni); /* RFC 6066: no SNI for address literals */
    assert_int_equal(l.v[0].port, 8443);
    tlsd_target_list_free(&l);

    l = parse_ok("fe80::1", 0, TLSD_STARTTLS_NONE);
    assert_string_equal(l.v[0].host, "fe80::1");
    assert_int_equal(l.v[0].port, 443);
    tlsd_target_list_free(&l);

    l = parse_ok("smtp://mail.example.com", 0, TLSD_STARTTLS_NONE);
    assert_int_equal(l.v[0].starttls, TLSD_STARTTLS_SMTP);
    assert_int_equal(l.v[0].port, 25);
    tlsd_target_list_free(&l);

    l = parse_ok("https://www.example.com/path/x", 0, TLSD_STARTTLS_NONE);
    assert_string_equal(l.v[0].host, "www.example.com");
    tlsd_target_list_free(&l);

    l = parse_ok("db.example.com", 0, TLSD_STARTTLS_POSTGRES);
    assert_int_equal(l.v[0].port, 5432);
    tlsd_target_list_free(&l);
}

static void ranges(void **state)
{
    (void)state;
    struct tlsd_target_list l = parse_ok("192.0.2.9/30:8443", 0, TLSD_STARTTLS_NONE);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[0].host, "192.0.2.8");
    assert_string_equal(l.v[3].host, "192.0.2.11");
    assert_int_equal(l.v[3].port, 8443);
    tlsd_target_list_free(&l);
    l = parse_ok("[2001:db8::/126]:443", 0, TLSD_STARTTLS_NONE);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[1].host, "2001:db8::1");
    tlsd_target_list_free(&l);
    l = parse_ok("10.1.2.3/32", 0, TLSD_STARTTLS_NONE);
    assert_int_equal(l.n, 1);
    tlsd_target_list_free(&l);
}

static void errors(void **state)
{
    (void)state;
    const char *bad[] = {"",           "host:0",        "host:65536", "host:12a",    "[::1",
                         "[::1]x",     "10.0.0.0/8",    "a b",        "10.0.0.1/33", "name/24",
                         "gopher://x", "host:99999999", "bad!name"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tlsd_target_list l = {0};
        char err[256] = "";
        if (tlsd_target_parse(bad[i], 0, TLSD_STARTTLS_NONE, &l, err, sizeof err) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_true(err[0] != '\0');
        assert_int_equal(l.n, 0);
        tlsd_target_list_free(&l);
    }
    enum tlsd_starttls st;
    assert_int_equal(tlsd_starttls_from_name("IMAP", &st), 0);
    assert_int_equal(st, TLSD_STARTTLS_IMAP);
    assert_int_equal(tlsd_starttls_from_name("nntp", &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(forms), cmocka_unit_test(ranges),
                                       cmocka_unit_test(errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
