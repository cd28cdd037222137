/* JA3/JA3S/JA4/JA4S against the worked examples of their specifications
 * (salesforce/ja3 README; FoxIO JA4 and JA4S technical details), GREASE
 * handling, and the edge cases the specifications name. */
#include "testutil.h"

#include "tlsdiag/fingerprint.h"

/* The JA4 specification's example hello (Chrome): 15 suites, 16 extensions
 * (SNI and ALPN h2 among them), 8 signature algorithms; plus GREASE, which
 * every fingerprint must ignore. */
static const uint32_t chrome_suites[] = {0x0A0A, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                         0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
                                         0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t chrome_exts[] = {0x1A1A, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b,
                                       0x0023, 0x0010, 0x0005, 0x000d, 0x0012, 0x0033,
                                       0x002d, 0x002b, 0x001b, 0x4469, 0x0015, 0x2A2A};
static const uint16_t chrome_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503,
                                          0x0805, 0x0501, 0x0806, 0x0601};
static const uint16_t chrome_versions[] = {0x3A3A, 0x0304, 0x0303};
static const uint16_t chrome_groups[] = {0x4A4A, 0x001d, 0x0017, 0x0018};
static uint8_t chrome_pf[] = {0};
static const uint8_t h2[] = {'h', '2'};

static struct tlsd_ext ext_store[32];
static struct tlsd_bytes alpn_store[2];

static struct tlsd_client_hello chrome(void)
{
    struct tlsd_client_hello ch = {0};
    ch.format = TLSD_HELLO_TLS;
    ch.legacy_version = 0x0303;
    ch.suites = (uint32_t *)chrome_suites;
    ch.n_suites = sizeof chrome_suites / sizeof chrome_suites[0];
    for (size_t i = 0; i < sizeof chrome_exts / sizeof chrome_exts[0]; i++)
        ext_store[i].type = chrome_exts[i];
    ch.exts = ext_store;
    ch.n_exts = sizeof chrome_exts / sizeof chrome_exts[0];
    ch.has_extensions = true;
    ch.server_name = "example.com";
    ch.sigalgs = (uint16_t *)chrome_sigalgs;
    ch.n_sigalgs = 8;
    ch.has_sigalgs = true;
    ch.versions = (uint16_t *)chrome_versions;
    ch.n_versions = 3;
    ch.has_versions = true;
    ch.groups = (uint16_t *)chrome_groups;
    ch.n_groups = 4;
    ch.has_groups = true;
    ch.ec_point_formats = chrome_pf;
    ch.n_ec_point_formats = 1;
    alpn_store[0].p = h2;
    alpn_store[0].len = 2;
    ch.alpn = alpn_store;
    ch.n_alpn = 1;
    return ch;
}

static void ja4_spec_example(void **state)
{
    (void)state;
    struct tlsd_client_hello ch = chrome();
    char ja4[TLSD_JA4_LEN + 1];
    tlsd_ja4(NULL, &ch, TLSD_JA_TCP, ja4);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    tlsd_ja4(NULL, &ch, TLSD_JA_QUIC, ja4);
    assert_string_equal(ja4, "q13d1516h2_8daaf6152771_e5627efa2ab1");
}

static void ja4_edge_cases(void **state)
{
    (void)state;
    struct tlsd_client_hello ch = chrome();
    char ja4[TLSD_JA4_LEN + 1];
    /* No SNI -> 'i'; no supported_versions -> legacy version; no ALPN -> 00. */
    ch.server_name = NULL;
    ch.has_versions = false;
    ch.n_versions = 0;
    ch.n_alpn = 0;
    tlsd_ja4(NULL, &ch, TLSD_JA_TCP, ja4);
    assert_memory_equal(ja4, "t12i1516", 8);
    assert_memory_equal(ja4 + 8, "00_8daaf6152771_", 16);
    /* Non-alphanumeric ALPN ends: first and last hex digits. */
    static const uint8_t odd[] = {0xAB, 'x', 0x0C};
    alpn_store[0].p = odd;
    alpn_store[0].len = 3;
    ch.n_alpn = 1;
    tlsd_ja4(NULL, &ch, TLSD_JA_TCP, ja4);
    assert_memory_equal(ja4 + 8, "ac_", 3);
    /* No suites, no extensions: zero hashes. */
    ch.n_suites = 0;
    ch.n_exts = 0;
    ch.has_sigalgs = false;
    ch.n_alpn = 0;
    tlsd_ja4(NULL, &ch, TLSD_JA_TCP, ja4);
    assert_string_equal(ja4, "t12i000000_000000000000_000000000000");
    /* Extensions but no signature algorithms: no trailing underscore part. */
    ch = chrome();
    ch.has_sigalgs = false;
    ch.n_sigalgs = 0;
    char with[TLSD_JA4_LEN + 1], without[TLSD_JA4_LEN + 1];
    tlsd_ja4(NULL, &ch, TLSD_JA_TCP, without);
    ch = chrome();
    tlsd_ja4(NULL, &ch, TLSD_JA_TCP, with);
    assert_memory_equal(with, without, 24);
    assert_string_not_equal(with + 24, without + 24);
}

/* Digests are remembered per input: alternating hellos, and a hello changed in place
 * between calls, each get their own fingerprint every time. */
static void repeated_hellos(void **state)
{
    (void)state;
    /* Through a context's memos: the same answers as without one, again and again. */
    struct tlsd_fp_ctx *fp = tlsd_fp_ctx_new();
    assert_non_null(fp);
    struct tlsd_client_hello a = chrome(), b = chrome();
    b.n_suites = 5;
    b.n_sigalgs = 3;
    char ja4a[TLSD_JA4_LEN + 1], ja4b[TLSD_JA4_LEN + 1], again[TLSD_JA4_LEN + 1];
    tlsd_ja4(fp, &a, TLSD_JA_TCP, ja4a);
    tlsd_ja4(fp, &b, TLSD_JA_TCP, ja4b);
    assert_string_not_equal(ja4a, ja4b);
    for (int i = 0; i < 3; i++) {
        tlsd_ja4(fp, &a, TLSD_JA_TCP, again);
        assert_string_equal(again, "t13d1516h2_8daaf6152771_e5627efa2ab1");
        tlsd_ja4(fp, &b, TLSD_JA_TCP, again);
        assert_string_equal(again, ja4b);
    }
    tlsd_ja4(NULL, &b, TLSD_JA_TCP, again);
    assert_string_equal(again, ja4b);
    struct tlsd_ja3 j1, j2;
    assert_int_equal(tlsd_ja3(fp, &a, &j1), 0);
    a.legacy_version = 0x0301; /* the same lists, another version: another digest */
    assert_int_equal(tlsd_ja3(fp, &a, &j2), 0);
    assert_string_not_equal(j1.hash, j2.hash);
    tlsd_ja3_free(&j1);
    a.legacy_version = 0x0303;
    assert_int_equal(tlsd_ja3(fp, &a, &j1), 0);
    assert_string_not_equal(j1.hash, j2.hash);
    struct tlsd_ja3 alone;
    assert_int_equal(tlsd_ja3(NULL, &a, &alone), 0);
    assert_string_equal(alone.hash, j1.hash);
    tlsd_ja3_free(&alone);
    tlsd_ja3_free(&j1);
    tlsd_ja3_free(&j2);
    tlsd_fp_ctx_free(fp);
}

static void ja3_readme_example(void **state)
{
    (void)state;
    /* salesforce/ja3 README: 769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,
     * 0-10-11,23-24-25,0 -> ada70206e40642a3e4461f35503241d5 */
    static const uint32_t suites[] = {0x0A0A, 47,    53, 5,  10, 49161, 49162,
                                      49171,  49172, 50, 56, 19, 4};
    static const uint16_t groups[] = {23, 24, 25, 0xCACA};
    static uint8_t pf[] = {0};
    struct tlsd_ext exts[4] = {{.type = 0}, {.type = 0xDADA}, {.type = 10}, {.type = 11}};
    struct tlsd_client_hello ch = {0};
    ch.legacy_version = 0x0301;
    ch.suites = (uint32_t *)suites;
    ch.n_suites = 13;
    ch.exts = exts;
    ch.n_exts = 4;
    ch.groups = (uint16_t *)groups;
    ch.n_groups = 4;
    ch.ec_point_formats = pf;
    ch.n_ec_point_formats = 1;
    struct tlsd_ja3 j;
    assert_int_equal(tlsd_ja3(NULL, &ch, &j), 0);
    assert_string_equal(j.full,
                        "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
    assert_string_equal(j.hash, "ada70206e40642a3e4461f35503241d5");
    tlsd_ja3_free(&j);
    /* No extensions at all: empty fields keep their commas. */
    ch.n_exts = 0;
    ch.n_groups = 0;
    ch.n_ec_point_formats = 0;
    assert_int_equal(tlsd_ja3(NULL, &ch, &j), 0);
    assert_string_equal(j.full, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,,,");
    tlsd_ja3_free(&j);
}

static void server_side(void **state)
{
    (void)state;
    /* JA4S specification example: TLS 1.3, TLS_AES_128_GCM_SHA256, extensions
     * key_share then supported_versions -> t130200_1301_234ea6891581. */
    struct tlsd_ext exts[2] = {{.type = 0x0033}, {.type = 0x002b}};
    struct tlsd_server_hello sh = {0};
    sh.legacy_version = 0x0303;
    sh.version = 0x0304;
    sh.has_supported_version = true;
    sh.supported_version = 0x0304;
    sh.suite = 0x1301;
    sh.exts = exts;
    sh.n_exts = 2;
    char ja4s[TLSD_JA4S_LEN + 1];
    tlsd_ja4s(NULL, &sh, TLSD_JA_TCP, ja4s);
    assert_string_equal(ja4s, "t130200_1301_234ea6891581");
    struct tlsd_ja3 j;
    assert_int_equal(tlsd_ja3s(NULL, &sh, &j), 0);
    assert_string_equal(j.full, "771,4865,51-43");
    assert_int_equal(strlen(j.hash), 32);
    tlsd_ja3_free(&j);
    /* ALPN chosen, TLS 1.2, no supported_versions. */
    sh.has_supported_version = false;
    snprintf(sh.alpn, sizeof sh.alpn, "http/1.1");
    sh.suite = 0xc02f;
    tlsd_ja4s(NULL, &sh, TLSD_JA_TCP, ja4s);
    assert_memory_equal(ja4s, "t1202h1_c02f_", 13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ja4_spec_example),   cmocka_unit_test(ja4_edge_cases),
        cmocka_unit_test(ja3_readme_example), cmocka_unit_test(repeated_hellos),
        cmocka_unit_test(server_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
