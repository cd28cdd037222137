/* tlsd_hello_spec_offer: the protocol's rules for a client's offer, checked on the
 * hello the codec builds from it and parses back (lib/codec/hello_offer.c). */
#include "testutil.h"

#include "tlsdiag/hello.h"
#include "tlsdiag/registry.h"

static const uint32_t suites[] = {0xC02F, 0x002F, 0x1301};
static const uint16_t groups[] = {TLSD_GROUP_X25519, TLSD_GROUP_SECP256R1};
static const uint16_t sigalgs[] = {0x0804, 0x0403};
static const uint16_t v13[] = {TLSD_VERSION_TLS1_3, TLSD_VERSION_TLS1_2};
static const uint8_t pf[] = {0};
static const struct tlsd_key_share_spec shares[] = {{.group = TLSD_GROUP_X25519}};

/* An offer with everything asked for; max_version and TLS 1.3 set by the test. */
static struct tlsd_hello_offer full(uint16_t max, bool tls13)
{
    return (struct tlsd_hello_offer){
        .max_version = max,
        .versions = {v13, 2, tls13},
        .suites = suites,
        .n_suites = 3,
        .server_name = "example.test",
        .groups = {groups, 2, true},
        .ec_point_formats = {pf, 1, true},
        .sigalgs = {sigalgs, 2, true},
        .key_shares = shares,
        .n_key_shares = 1,
        .compat_session_id = true,
        .reneg_scsv = true,
        .extended_master_secret = true,
        .encrypt_then_mac = true,
        .session_ticket = true,
    };
}

static void parse(const struct tlsd_hello_offer *o, struct tlsd_client_hello *ch)
{
    struct tlsd_hello_spec sp;
    uint8_t *msg = NULL;
    size_t len = 0;
    tlsd_hello_spec_offer(o, &sp);
    assert_int_equal(tlsd_hello_build(&sp, &msg, &len, NULL, NULL), TLSD_CERR_OK);
    assert_int_equal(tlsd_client_hello_parse(msg, len, sp.format == TLSD_HELLO_SSL2, ch, NULL),
                     TLSD_CERR_OK);
    free(msg);
}

static void test_tls13(void **state)
{
    (void)state;
    struct tlsd_hello_offer o = full(TLSD_VERSION_TLS1_3, true);
    struct tlsd_client_hello ch;
    parse(&o, &ch);
    assert_int_equal(ch.legacy_version, TLSD_VERSION_TLS1_2); /* RFC 8446 4.1.2 */
    assert_true(ch.has_versions && ch.n_versions == 2);
    assert_true(ch.has_key_share && ch.n_key_shares == 1);
    assert_true(ch.has_psk_modes);
    assert_int_equal(ch.session_id_len, 32);
    assert_false(ch.encrypt_then_mac); /* not in a hello whose best is TLS 1.3 */
    assert_false(ch.scsv);
    assert_true(ch.has_sigalgs && ch.extended_master_secret);
    assert_string_equal(ch.server_name, "example.test");
    tlsd_client_hello_free(&ch);
}

static void test_tls12_has_no_tls13_parts(void **state)
{
    (void)state;
    /* key shares given, TLS 1.3 not offered: none of its extensions */
    struct tlsd_hello_offer o = full(TLSD_VERSION_TLS1_2, false);
    struct tlsd_client_hello ch;
    parse(&o, &ch);
    assert_int_equal(ch.legacy_version, TLSD_VERSION_TLS1_2);
    assert_false(ch.has_versions || ch.has_key_share || ch.has_psk_modes);
    assert_int_equal(ch.session_id_len, 0);
    assert_true(ch.encrypt_then_mac && ch.scsv && ch.has_sigalgs);
    tlsd_client_hello_free(&ch);
}

static void test_tls10_and_ssl3(void **state)
{
    (void)state;
    struct tlsd_hello_offer o = full(TLSD_VERSION_TLS1_0, false);
    struct tlsd_client_hello ch;
    parse(&o, &ch);
    assert_false(ch.has_sigalgs); /* RFC 5246 7.4.1.4.1: TLS 1.2 on */
    assert_true(ch.has_groups && ch.has_ec_point_formats);
    tlsd_client_hello_free(&ch);
    o = full(TLSD_VERSION_SSL3, false);
    parse(&o, &ch);
    assert_int_equal(ch.legacy_version, TLSD_VERSION_SSL3);
    assert_int_equal(ch.n_exts, 0); /* SSL 3.0 has no extensions */
    assert_true(ch.scsv);           /* a suite, not an extension */
    tlsd_client_hello_free(&ch);
}

static void test_lists_sent_when_present(void **state)
{
    (void)state;
    struct tlsd_hello_offer o = full(TLSD_VERSION_TLS1_2, false);
    o.groups.present = false;                                  /* items, not present: not sent */
    o.ec_point_formats = (struct tlsd_u8_list){NULL, 0, true}; /* empty, present: sent */
    struct tlsd_client_hello ch;
    parse(&o, &ch);
    assert_false(ch.has_groups);
    assert_true(ch.has_ec_point_formats);
    assert_int_equal(ch.n_ec_point_formats, 0);
    tlsd_client_hello_free(&ch);
}

static void test_sslv2(void **state)
{
    (void)state;
    static const uint32_t kinds[] = {0x010080, 0x0700C0};
    struct tlsd_hello_offer o = {.max_version = TLSD_VERSION_SSL2, .suites = kinds, .n_suites = 2};
    struct tlsd_hello_spec sp;
    tlsd_hello_spec_offer(&o, &sp);
    assert_int_equal(sp.format, TLSD_HELLO_SSL2);
    assert_int_equal(sp.legacy_version, TLSD_VERSION_SSL2);
    struct tlsd_client_hello ch;
    parse(&o, &ch);
    assert_int_equal(ch.n_suites, 2);
    tlsd_client_hello_free(&ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls13),          cmocka_unit_test(test_tls12_has_no_tls13_parts),
        cmocka_unit_test(test_tls10_and_ssl3), cmocka_unit_test(test_lists_sent_when_present),
        cmocka_unit_test(test_sslv2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
