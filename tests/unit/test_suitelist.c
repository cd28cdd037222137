/* Suite spellings and whole lists in every form people paste. */
#include "testutil.h"

#include "tlsdiag/suite_render.h"
#include "tlsdiag/suitelist.h"

static uint32_t resolve(const char *tok, enum tlsd_token_status want)
{
    uint32_t code = 0;
    const struct tlsd_suite *s;
    enum tlsd_token_status st = tlsd_suite_resolve(tok, strlen(tok), &code, &s);
    if (st != want)
        fail_msg("%s: status %d, want %d", tok, st, want);
    return code;
}

static void spellings(void **state)
{
    (void)state;
    /* The examples: all are 0xC00A except the _P384 one (0xC028). */
    const char *same[] = {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                          "ECDHE-ECDSA-AES256-SHA",
                          "0xC00A",
                          "0xC0,0x0A",
                          "c00a",
                          "0xc0, 0x0a",
                          "C00A",
                          "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA_P256",
                          "tls_ecdhe_ecdsa_with_aes_256_cbc_sha",
                          "TLS_ECDHE_ECDSA_AES_256_CBC_SHA1"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        assert_int_equal(resolve(same[i], TLSD_TOKEN_OK), 0xC00A);
    assert_int_equal(resolve("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384", TLSD_TOKEN_OK), 0xC028);
    assert_int_equal(resolve("SSL_RSA_WITH_3DES_EDE_CBC_SHA", TLSD_TOKEN_OK), 0x000A);
    assert_int_equal(resolve("0x07,0x00,0xC0", TLSD_TOKEN_OK), 0x0700C0);
    assert_int_equal(resolve("0x2F", TLSD_TOKEN_OK), 0x002F);
    assert_int_equal(resolve("0x0A0A", TLSD_TOKEN_GREASE), 0x0A0A);
    assert_int_equal(resolve("0x1234", TLSD_TOKEN_UNASSIGNED), 0x1234);
    resolve("0xC0,0x0", TLSD_TOKEN_BAD_HEX);
    resolve("0xZZ", TLSD_TOKEN_BAD_HEX);
    resolve("0x", TLSD_TOKEN_BAD_HEX);
    resolve("0x12345", TLSD_TOKEN_BAD_HEX);
    resolve("0xC0,0x0A,0x01,0x02", TLSD_TOKEN_BAD_HEX);
    resolve("NOT_A_SUITE", TLSD_TOKEN_UNKNOWN_NAME);
    resolve("c00", TLSD_TOKEN_UNKNOWN_NAME);
}

static struct tlsd_suite_list parse(const char *text)
{
    struct tlsd_suite_list l;
    assert_int_equal(tlsd_suite_list_parse(text, strlen(text), &l), 0);
    return l;
}

static void expect_codes(const struct tlsd_suite_list *l, const uint32_t *codes, size_t n)
{
    if (l->n_items != n)
        fail_msg("%zu items, want %zu", l->n_items, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(l->items[i].code, codes[i]);
}

static void plain_lists(void **state)
{
    (void)state;
    const uint32_t want[] = {0xC02F, 0xC013, 0x002F};
    const char *forms[] = {
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES128-SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P256,"
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "0xC02F 0xC0,0x13 002f",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\r\nTLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\r\n"
        "TLS_RSA_WITH_AES_128_CBC_SHA\r\n",
        "  {0xC0,0x2F}, {0xC0,0x13}; {0x00,0x2F}  ",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct tlsd_suite_list l = parse(forms[i]);
        assert_int_equal(l.form, TLSD_FORM_NAMES);
        expect_codes(&l, want, 3);
        assert_int_equal(l.n_errors, 0);
        tlsd_suite_list_free(&l);
    }
}

static void bad_items_do_not_stop_the_rest(void **state)
{
    (void)state;
    struct tlsd_suite_list l = parse("AES128-SHA foo 0xZZ AES256-SHA AES128-SHA 0x0A0A");
    const uint32_t want[] = {0x002F, 0x0035, 0x0A0A};
    expect_codes(&l, want, 3);
    assert_int_equal(l.n_errors, 2);
    assert_string_equal(l.errors[0].token, "foo");
    assert_string_equal(l.errors[1].token, "0xZZ");
    assert_int_equal(l.n_notes, 2); /* duplicate, GREASE */
    tlsd_suite_list_free(&l);

    l = parse("   \n\t ");
    assert_int_equal(l.n_items, 0);
    assert_int_equal(l.n_errors, 1);
    tlsd_suite_list_free(&l);

    /* Control bytes are shown escaped. */
    l = parse("bad\x01name");
    assert_int_equal(l.n_errors, 1);
    assert_string_equal(l.errors[0].token, "bad\\x01name");
    tlsd_suite_list_free(&l);
}

static void openssl_strings(void **state)
{
    (void)state;
    struct tlsd_suite_list l = parse("HIGH:!aNULL:!MD5");
    assert_int_equal(l.form, TLSD_FORM_OPENSSL);
    assert_int_equal(l.n_errors, 0);
    assert_true(l.n_items > 20);
    /* Same list, same order as the openssl command gives (TLS 1.3 suites aside). */
    FILE *f = popen("openssl ciphers -V -ciphersuites '' 'HIGH:!aNULL:!MD5'", "r");
    assert_non_null(f);
    uint32_t codes[512];
    size_t n = 0;
    unsigned hi, lo;
    char line[512];
    while (n < 512 && fgets(line, sizeof line, f))
        if (sscanf(line, " 0x%x,0x%x", &hi, &lo) == 2)
            codes[n++] = hi << 8 | lo;
    pclose(f);
    assert_true(n > 20);
    expect_codes(&l, codes, n);
    for (size_t i = 0; i < l.n_items; i++) {
        assert_non_null(l.items[i].suite);
        assert_int_not_equal(l.items[i].suite->auth, TLSD_AUTH_ANON);
    }
    tlsd_suite_list_free(&l);

    /* A name the local OpenSSL cannot negotiate is reported, not silently lost. */
    l = parse("ECDHE-RSA-AES128-GCM-SHA256:EXP-RC4-MD5:!aNULL");
    assert_int_equal(l.form, TLSD_FORM_OPENSSL);
    assert_true(l.n_notes >= 1);
    assert_non_null(strstr(l.notes[0].text, "cannot name"));
    tlsd_suite_list_free(&l);

    l = parse("HIGH:NOSUCHKEYWORD");
    assert_int_equal(l.form, TLSD_FORM_OPENSSL);
    assert_int_equal(l.n_errors, 1);
    assert_string_equal(l.errors[0].token, "NOSUCHKEYWORD");
    tlsd_suite_list_free(&l);
}

static const char ps_list[] = "\r\n"
                              "KeyType               : 0\r\n"
                              "Certificate           : ECDSA\r\n"
                              "MaximumExchangeLength : 65536\r\n"
                              "MinimumExchangeLength : 0\r\n"
                              "Exchange              : ECDH\r\n"
                              "HashLength            : 0\r\n"
                              "Hash                  :\r\n"
                              "CipherBlockLength     : 16\r\n"
                              "CipherLength          : 256\r\n"
                              "BaseCipherSuite       : 49196\r\n"
                              "CipherSuite           : 49196\r\n"
                              "Cipher                : AES\r\n"
                              "Name                  : TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\r\n"
                              "Protocols             : {771}\r\n"
                              "\r\n"
                              "KeyType               : 0\r\n"
                              "Certificate           : RSA\r\n"
                              "Exchange              : ECDH\r\n"
                              "CipherSuite           : 49200\r\n"
                              "Cipher                : AES\r\n"
                              "Name                  : TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\r\n"
                              "Protocols             : {771}\r\n";

static const char ps_table[] =
    "KeyType Certificate Exchange CipherSuite Cipher Name                                    "
    "Protocols\n"
    "------- ----------- -------- ----------- ------ ----                                    "
    "---------\n"
    "      0                             4866 AES    TLS_AES_256_GCM_SHA384                  "
    "{772}\n"
    "      0 ECDSA       ECDH           49196 AES    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA3... "
    "{771}\n"
    "      0 RSA         ECDH           49200 AES    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384   "
    "{771}\n";

static const char ps_names[] = "Name\n----\nTLS_AES_256_GCM_SHA384\nTLS_AES_128_GCM_SHA256\n";

static void powershell(void **state)
{
    (void)state;
    struct tlsd_suite_list l = parse(ps_list);
    assert_int_equal(l.form, TLSD_FORM_PS_LIST);
    const uint32_t want1[] = {0xC02C, 0xC030};
    expect_codes(&l, want1, 2);
    assert_int_equal(l.n_errors, 0);
    tlsd_suite_list_free(&l);

    l = parse(ps_table);
    assert_int_equal(l.form, TLSD_FORM_PS_TABLE);
    const uint32_t want2[] = {0x1302, 0xC02C, 0xC030}; /* truncated name: from CipherSuite */
    expect_codes(&l, want2, 3);
    assert_int_equal(l.n_errors, 0);
    tlsd_suite_list_free(&l);

    l = parse(ps_names);
    assert_int_equal(l.form, TLSD_FORM_PS_TABLE);
    const uint32_t want3[] = {0x1302, 0x1301};
    expect_codes(&l, want3, 2);
    tlsd_suite_list_free(&l);
}

static void render(void **state)
{
    (void)state;
    struct tlsd_suite_list l = parse("0xC02F:0x000A:0x1301:0xC0B4:0x0A0A");
    struct tlsd_suite_list problems = {0};
    char *out = tlsd_render_suite_list(&l, TLSD_FMT_IANA, &problems);
    assert_string_equal(out,
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\nTLS_RSA_WITH_3DES_EDE_CBC_SHA\n"
                        "TLS_AES_128_GCM_SHA256\nTLS_SHA256_SHA256\n");
    assert_int_equal(problems.n_errors, 1); /* GREASE has no name */
    free(out);
    tlsd_suite_list_free(&problems);

    out = tlsd_render_suite_list(&l, TLSD_FMT_HEX, &problems);
    assert_string_equal(out, "0xC02F\n0x000A\n0x1301\n0xC0B4\n0x0A0A\n");
    free(out);
    tlsd_suite_list_free(&problems);

    out = tlsd_render_suite_list(&l, TLSD_FMT_GPO, &problems);
    assert_string_equal(out, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_3DES_EDE_CBC_SHA,"
                             "TLS_AES_128_GCM_SHA256\n");
    assert_int_equal(problems.n_errors, 2); /* TLS_SHA256_SHA256 (no Windows), GREASE */
    free(out);
    tlsd_suite_list_free(&problems);

    out = tlsd_render_suite_list(&l, TLSD_FMT_POWERSHELL, &problems);
    assert_non_null(strstr(out,
                           "Enable-TlsCipherSuite -Name 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' "
                           "-Position 0\n"));
    assert_non_null(
        strstr(out, "Enable-TlsCipherSuite -Name 'TLS_AES_128_GCM_SHA256' -Position 2\n"));
    assert_non_null(strstr(out, "Group Policy"));
    free(out);
    tlsd_suite_list_free(&problems);
    tlsd_suite_list_free(&l);

    /* The GPO string warns past 1023 characters. */
    struct tlsd_filter *f = tlsd_filter_parse(NULL, NULL, 0);
    struct tlsd_suite_list all = {0};
    for (size_t i = 0; i < tlsd_suite_count(); i++)
        assert_int_equal(tlsd_suite_list_add(&all, tlsd_suite_at(i)->code), 0);
    out = tlsd_render_suite_list(&all, TLSD_FMT_GPO, &problems);
    assert_true(strlen(out) > TLSD_GPO_MAX_CHARS);
    assert_non_null(strstr(problems.errors[problems.n_errors - 1].text, "1023"));
    free(out);
    tlsd_suite_list_free(&problems);
    tlsd_suite_list_free(&all);
    tlsd_filter_free(f);
}

static void filters(void **state)
{
    (void)state;
    char err[200];
    struct tlsd_filter *f =
        tlsd_filter_parse("kx=ECDHE,auth=RSA,class=recommended", err, sizeof err);
    assert_non_null(f);
    assert_true(tlsd_filter_match(f, tlsd_suite_by_code(0xC02F)));
    assert_false(tlsd_filter_match(f, tlsd_suite_by_code(0xC02B))); /* ECDSA */
    assert_false(tlsd_filter_match(f, tlsd_suite_by_code(0xC013))); /* CBC: weak */
    tlsd_filter_free(f);
    f = tlsd_filter_parse("version=TLSv1.3", err, sizeof err);
    assert_true(tlsd_filter_match(f, tlsd_suite_by_code(0x1301)));
    assert_false(tlsd_filter_match(f, tlsd_suite_by_code(0xC02F)));
    tlsd_filter_free(f);
    f = tlsd_filter_parse("cipher=3DES|RC4,class<=weak", err, sizeof err);
    assert_true(tlsd_filter_match(f, tlsd_suite_by_code(0x000A)));
    assert_true(tlsd_filter_match(f, tlsd_suite_by_code(0x0005)));
    assert_false(tlsd_filter_match(f, tlsd_suite_by_code(0x002F)));
    tlsd_filter_free(f);
    assert_null(tlsd_filter_parse("colour=blue", err, sizeof err));
    assert_non_null(strstr(err, "unknown filter key"));
    assert_null(tlsd_filter_parse("class=great", err, sizeof err));
    assert_null(tlsd_filter_parse("version=TLS9", err, sizeof err));
    assert_null(tlsd_filter_parse("kx", err, sizeof err));
}

static void random_bytes_never_crash(void **state)
{
    (void)state;
    srand(12345);
    size_t len = 1 << 20;
    char *buf = malloc(len);
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(round == 3 ? "0xC,:ab-_ \n"[rand() % 11] : rand());
        struct tlsd_suite_list l;
        assert_int_equal(tlsd_suite_list_parse(buf, len, &l), 0);
        assert_true(l.n_errors > 0);
        tlsd_suite_list_free(&l);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spellings),
        cmocka_unit_test(plain_lists),
        cmocka_unit_test(bad_items_do_not_stop_the_rest),
        cmocka_unit_test(openssl_strings),
        cmocka_unit_test(powershell),
        cmocka_unit_test(render),
        cmocka_unit_test(filters),
        cmocka_unit_test(random_bytes_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
