/* Typed server-message parsers on what a real openssl s_server sent
 * (fixtures/server_msgs.txt): ServerHello / HRR, Certificate with libcrypto summaries,
 * ServerKeyExchange (ECDHE, DHE, TLS 1.0 without a signature scheme),
 * CertificateRequest, ServerHelloDone, NewSessionTicket (1.2 and 1.3), Alert; and an
 * SSLv2 SERVER-HELLO built here (no SSLv2 server exists to ask). */
#include "codec_testutil.h"

#include "tlsdiag/handshake.h"

static char *fixtures_text;
static char **lines;
static size_t n_lines;

static int setup(void **state)
{
    (void)state;
    char file[1024];
    const char *src = getenv("TLSD_SRCDIR");
    snprintf(file, sizeof file, "%s/tests/unit/fixtures/server_msgs.txt", src ? src : ".");
    fixtures_text = tu_slurp(file, NULL);
    n_lines = tu_lines(fixtures_text, &lines);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(lines);
    free(fixtures_text);
    return 0;
}

/* The nth (0-based) message with this label in this scenario. */
static uint8_t *msg(const char *scenario, const char *label, int nth, size_t *len)
{
    size_t sl = strlen(scenario), ll = strlen(label);
    for (size_t i = 0; i < n_lines; i++) {
        const char *l = lines[i];
        if (strncmp(l, scenario, sl) || l[sl] != '\t' || strncmp(l + sl + 1, label, ll) ||
            l[sl + 1 + ll] != '\t' || nth-- > 0)
            continue;
        const char *hex = l + sl + ll + 2;
        return tu_unhex(hex, strlen(hex), len);
    }
    fail_msg("no %s %s", scenario, label);
    return NULL;
}

static struct tlsd_server_hello server_hello(const char *scenario, int nth)
{
    size_t len;
    uint8_t *m = msg(scenario, "ServerHello", nth, &len);
    struct tlsd_server_hello sh;
    assert_int_equal(tlsd_server_hello_parse(m, len, &sh, NULL), TLSD_CERR_OK);
    free(m);
    return sh;
}

static void test_server_hello_tls12(void **state)
{
    (void)state;
    struct tlsd_server_hello sh = server_hello("tls12_ecdhe_rsa", 0);
    assert_int_equal(sh.version, 0x0303);
    assert_int_equal(sh.suite, 0xc02f);
    assert_false(sh.is_hrr);
    assert_true(sh.renegotiation_info);
    assert_true(sh.extended_master_secret);
    assert_true(sh.has_ec_point_formats);
    assert_false(sh.has_supported_version);
    assert_true(sh.n_exts >= 3);
    tlsd_server_hello_free(&sh);
    sh = server_hello("tls10_ecdhe_rsa", 0);
    assert_int_equal(sh.version, 0x0301);
    assert_int_equal(sh.suite, 0xc013);
    tlsd_server_hello_free(&sh);
}

static void test_server_hello_tls13_and_hrr(void **state)
{
    (void)state;
    struct tlsd_server_hello sh = server_hello("tls13", 0);
    assert_int_equal(sh.legacy_version, 0x0303);
    assert_int_equal(sh.version, 0x0304);
    assert_true(sh.has_key_share);
    assert_int_equal(sh.key_share_group, 0x001d);
    assert_int_equal(sh.key_share_len, 32);
    assert_int_equal(sh.suite >> 8, 0x13);
    tlsd_server_hello_free(&sh);
    sh = server_hello("tls13_hrr", 0);
    assert_true(sh.is_hrr);
    assert_int_equal(sh.version, 0x0304);
    assert_int_equal(sh.key_share_group, 0x0018); /* asks for P-384 */
    assert_null(sh.key_share);
    tlsd_server_hello_free(&sh);
    sh = server_hello("tls13_hrr", 1);
    assert_false(sh.is_hrr);
    assert_int_equal(sh.key_share_group, 0x0018);
    assert_int_equal(sh.key_share_len, 97);
    tlsd_server_hello_free(&sh);
}

static void test_certificates(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = msg("tls12_ecdhe_rsa", "Certificate", 0, &len);
    struct tlsd_certificate_msg c;
    struct tlsd_hs_ctx ctx = {0x0303, 0xc02f};
    assert_int_equal(tlsd_certificate_parse(m, len, &ctx, &c, NULL), TLSD_CERR_OK);
    assert_int_equal(c.n_certs, 1);
    const struct tlsd_cert_summary *s = &c.certs[0];
    assert_true(s->decoded);
    assert_non_null(strstr(s->subject, "CN=codec.test"));
    assert_string_equal(s->subject, s->issuer);
    assert_true(s->self_signed);
    assert_string_equal(s->key_type, "RSA");
    assert_int_equal(s->key_bits, 2048);
    assert_string_equal(s->sig_alg, "sha256WithRSAEncryption");
    assert_int_equal(s->n_sans, 3);
    assert_string_equal(s->sans[0], "DNS:codec.test");
    assert_string_equal(s->sans[2], "IP:127.0.0.1");
    assert_true(s->not_after - s->not_before > 3000L * 86400);
    assert_ptr_equal(s->der, c.msg + 10); /* header 4 + list 3 + entry 3 */
    tlsd_certificate_free(&c);
    free(m);

    m = msg("tls13", "Certificate", 0, &len);
    ctx.version = 0x0304;
    assert_int_equal(tlsd_certificate_parse(m, len, &ctx, &c, NULL), TLSD_CERR_OK);
    assert_int_equal(c.n_certs, 1);
    assert_int_equal(c.certs[0].key_bits, 2048);
    tlsd_certificate_free(&c);
    ctx.version = 0x0303; /* the 1.3 layout is not a 1.2 message */
    assert_int_not_equal(tlsd_certificate_parse(m, len, &ctx, &c, NULL), TLSD_CERR_OK);
    tlsd_certificate_free(&c);
    free(m);

    m = msg("tls12_ecdsa_certreq", "Certificate", 0, &len);
    ctx.version = 0x0303;
    assert_int_equal(tlsd_certificate_parse(m, len, &ctx, &c, NULL), TLSD_CERR_OK);
    assert_string_equal(c.certs[0].key_type, "EC");
    assert_int_equal(c.certs[0].key_bits, 256);
    assert_string_equal(c.certs[0].curve, "prime256v1");
    assert_string_equal(c.certs[0].sig_alg, "ecdsa-with-SHA256");
    tlsd_certificate_free(&c);
    free(m);
}

static struct tlsd_server_key_exchange ske(const char *scenario, uint16_t v, uint16_t suite)
{
    size_t len;
    uint8_t *m = msg(scenario, "ServerKeyExchange", 0, &len);
    struct tlsd_server_key_exchange k;
    struct tlsd_hs_ctx ctx = {v, suite};
    struct tlsd_err err = {0};
    assert_int_equal(tlsd_server_key_exchange_parse(m, len, &ctx, &k, &err), TLSD_CERR_OK);
    free(m);
    return k;
}

static void test_server_key_exchange(void **state)
{
    (void)state;
    struct tlsd_server_key_exchange k = ske("tls12_ecdhe_rsa", 0x0303, 0xc02f);
    assert_int_equal(k.kind, TLSD_SKE_ECDH);
    assert_int_equal(k.curve_type, 3);
    assert_int_equal(k.named_curve, 0x001d);
    assert_int_equal(k.point_len, 32);
    assert_true(k.has_sig_scheme);
    assert_int_equal(k.sig_len, 256);
    k = ske("tls12_dhe_rsa", 0x0303, 0x009f);
    assert_int_equal(k.kind, TLSD_SKE_DH);
    assert_int_equal(k.dh_p_bits, 2048);
    assert_int_equal(k.dh_g_bits, 2);
    k = ske("tls10_ecdhe_rsa", 0x0301, 0xc013);
    assert_false(k.has_sig_scheme); /* no SignatureAndHashAlgorithm before TLS 1.2 */
    assert_int_equal(k.sig_len, 256);
    k = ske("tls12_ecdsa_certreq", 0x0303, 0xc02b);
    assert_true(k.sig_len >= 64 && k.sig_len <= 72);
    /* without the suite the layout is unknown: refused, not guessed */
    size_t len;
    uint8_t *m = msg("tls12_ecdhe_rsa", "ServerKeyExchange", 0, &len);
    struct tlsd_hs_ctx ctx = {0x0303, 0x0a0a};
    assert_int_equal(tlsd_server_key_exchange_parse(m, len, &ctx, &k, NULL), TLSD_CERR_UNSUPPORTED);
    /* the 1.2 message read as 1.1 leaves bytes over */
    ctx = (struct tlsd_hs_ctx){0x0302, 0xc02f};
    assert_int_not_equal(tlsd_server_key_exchange_parse(m, len, &ctx, &k, NULL), TLSD_CERR_OK);
    free(m);
}

static void test_request_done_ticket_alert(void **state)
{
    (void)state;
    size_t len;
    struct tlsd_hs_ctx ctx = {0x0303, 0xc02b};
    uint8_t *m = msg("tls12_ecdsa_certreq", "CertificateRequest", 0, &len);
    struct tlsd_certificate_request cr;
    assert_int_equal(tlsd_certificate_request_parse(m, len, &ctx, &cr, NULL), TLSD_CERR_OK);
    assert_true(cr.n_cert_types >= 2);
    assert_true(cr.has_sigalgs && cr.n_sigalgs > 5);
    tlsd_certificate_request_free(&cr);
    free(m);

    m = msg("tls12_ecdhe_rsa", "ServerHelloDone", 0, &len);
    assert_int_equal(tlsd_server_hello_done_parse(m, len, NULL), TLSD_CERR_OK);
    free(m);

    struct tlsd_new_session_ticket t;
    m = msg("tls12_ecdhe_rsa", "NewSessionTicket", 0, &len);
    assert_int_equal(tlsd_new_session_ticket_parse(m, len, &ctx, &t, NULL), TLSD_CERR_OK);
    assert_true(t.lifetime > 0 && t.ticket_len > 100);
    free(m);
    m = msg("tls13", "NewSessionTicket", 1, &len);
    ctx.version = 0x0304;
    assert_int_equal(tlsd_new_session_ticket_parse(m, len, &ctx, &t, NULL), TLSD_CERR_OK);
    assert_int_equal(t.nonce_len, 8);
    assert_true(t.ticket_len > 100);
    free(m);

    struct tlsd_alert_msg a;
    m = msg("tls12_no_shared_cipher", "Alert", 0, &len);
    assert_int_equal(tlsd_alert_parse(m, len, &a, NULL), TLSD_CERR_OK);
    assert_int_equal(a.level, 2);
    assert_int_equal(a.description, 40); /* handshake_failure */
    free(m);
    static const uint8_t bad_level[] = {3, 40}, longer[] = {2, 40, 0};
    assert_int_equal(tlsd_alert_parse(bad_level, 2, &a, NULL), TLSD_CERR_BAD_VALUE);
    assert_int_equal(tlsd_alert_parse(longer, 3, &a, NULL), TLSD_CERR_TRAILING);
}

static void test_parse_any(void **state)
{
    (void)state;
    size_t parsed = 0;
    for (size_t i = 0; i < n_lines; i++) {
        char *copy = strdup(lines[i]), *save = NULL;
        char *scen = strtok_r(copy, "\t", &save), *label = strtok_r(NULL, "\t", &save);
        char *hex = strtok_r(NULL, "\t", &save);
        if (strcmp(label, "Alert") != 0) {
            size_t len;
            uint8_t *m = tu_unhex(hex, strlen(hex), &len);
            bool v13 = strncmp(scen, "tls13", 5) == 0;
            struct tlsd_hs_ctx ctx = {v13 ? 0x0304 : 0x0303, 0};
            struct tlsd_hs_msg hm;
            if (strcmp(label, "ServerKeyExchange") != 0) { /* needs the suite */
                assert_int_equal(tlsd_hs_parse(m, len, &ctx, &hm, NULL), TLSD_CERR_OK);
                assert_int_equal(hm.type, m[0]);
                assert_int_equal(hm.body_len, len - 4);
                tlsd_hs_msg_free(&hm);
                parsed++;
            }
            free(m);
        }
        free(copy);
    }
    assert_true(parsed >= 35);
}

/* SSLv2 spec 2.6: SERVER-HELLO with the RSA certificate of the fixtures. */
static void test_ssl2_server_hello(void **state)
{
    (void)state;
    size_t len;
    uint8_t *cm = msg("tls12_ecdhe_rsa", "Certificate", 0, &len);
    const uint8_t *der = cm + 10;
    size_t der_len = len - 10;
    struct tlsd_wr w;
    tlsd_wr_init(&w);
    tlsd_wr_u8(&w, 4);
    tlsd_wr_u8(&w, 0);
    tlsd_wr_u8(&w, 1);
    tlsd_wr_u16(&w, 0x0002);
    tlsd_wr_u16(&w, (uint16_t)der_len);
    tlsd_wr_u16(&w, 6);
    tlsd_wr_u16(&w, 16);
    tlsd_wr_bytes(&w, der, der_len);
    tlsd_wr_u24(&w, 0x010080);
    tlsd_wr_u24(&w, 0x0700c0);
    tlsd_wr_zeros(&w, 16);
    uint8_t *m;
    size_t mlen;
    assert_int_equal(tlsd_wr_take(&w, &m, &mlen), TLSD_CERR_OK);
    struct tlsd_ssl2_server_hello sh;
    assert_int_equal(tlsd_ssl2_server_hello_parse(m, mlen, &sh, NULL), TLSD_CERR_OK);
    assert_int_equal(sh.version, 2);
    assert_int_equal(sh.n_kinds, 2);
    assert_int_equal(sh.kinds[1], 0x0700c0);
    assert_true(sh.has_cert && sh.cert.decoded);
    assert_int_equal(sh.cert.key_bits, 2048);
    tlsd_ssl2_server_hello_free(&sh);
    for (size_t n = 0; n < mlen; n++) {
        assert_int_not_equal(tlsd_ssl2_server_hello_parse(m, n, &sh, NULL), TLSD_CERR_OK);
        tlsd_ssl2_server_hello_free(&sh);
    }
    m[8] = 7; /* cipher_specs_length not a multiple of 3 */
    assert_int_equal(tlsd_ssl2_server_hello_parse(m, mlen, &sh, NULL), TLSD_CERR_LENGTH);
    tlsd_ssl2_server_hello_free(&sh);
    free(m);
    free(cm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_hello_tls12),
        cmocka_unit_test(test_server_hello_tls13_and_hrr),
        cmocka_unit_test(test_certificates),
        cmocka_unit_test(test_server_key_exchange),
        cmocka_unit_test(test_request_done_ticket_alert),
        cmocka_unit_test(test_parse_any),
        cmocka_unit_test(test_ssl2_server_hello),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
