/* A saved `tlsdiag scan --json` as the server side of `match`. */
#include "testutil.h"

#include <unistd.h>

#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"

static const char scan_doc[] =
    "{\"tlsdiag\": \"0.1.0\", \"targets\": [\n"
    " {\"target\": \"down.example\", \"error\": \"cannot connect\"},\n"
    " {\"target\": \"print.example:5012\", \"versions\": [\n"
    "  {\"version\": \"SSLv3\", \"accepted\": false, \"server_order\": null, \"suites\": []},\n"
    "  {\"version\": \"TLSv1.2\", \"accepted\": true, \"server_order\": true, \"suites\": [\n"
    "    {\"code\": \"0xC030\"}, {\"code\": \"0x009D\"}, {\"code\": \"0x000A\"}]},\n"
    "  {\"version\": \"TLSv1.3\", \"accepted\": true, \"server_order\": null, \"suites\": [\n"
    "    {\"code\": \"0x1302\"}]}],\n"
    "  \"groups\": [\"secp384r1\"], \"groups_tls12\": [\"secp384r1\", \"x25519\"],\n"
    "  \"signature_schemes\": [\"rsa_pss_rsae_sha256\", \"rsa_pkcs1_sha256\"],\n"
    "  \"certificates\": [{\"key\": \"RSA 2048\"}, {\"key\": \"EC 256 (prime256v1)\"}]}]}\n";

static void scan_as_server(void **state)
{
    (void)state;
    char path[] = "/tmp/tlsd-scan-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, scan_doc, sizeof scan_doc - 1), (ssize_t)(sizeof scan_doc - 1));
    close(fd);
    char spec[64];
    snprintf(spec, sizeof spec, "scan:%s", path);
    struct tlsd_profile p;
    struct tlsd_profile_err err = {0};
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_SERVER, &p, &err), 0);
    assert_string_equal(p.name, "scan of print.example:5012");
    /* TLS 1.3 suites first, then TLS 1.2 in the server's order */
    assert_int_equal(p.n_suites, 4);
    assert_int_equal(p.suites[0], 0x1302);
    assert_int_equal(p.suites[1], 0xC030);
    assert_int_equal(p.suites[3], 0x000A);
    assert_int_equal(p.versions, TLSD_V_TLS12 | TLSD_V_TLS13);
    assert_int_equal(p.pref, TLSD_PREF_SERVER);
    assert_int_equal(p.n_groups, 2);
    assert_int_equal(p.groups[0], 0x0018);
    assert_int_equal(p.groups[1], 0x001D);
    assert_int_equal(p.n_sigalgs, 2);
    assert_int_equal(p.n_certs, 2);
    assert_int_equal(p.certs[0].type, TLSD_KEY_RSA);
    assert_int_equal(p.certs[1].type, TLSD_KEY_ECDSA);
    /* A file given without the prefix is recognised by its content. */
    assert_int_equal(tlsd_profile_load(path, TLSD_SIDE_SERVER, &p, &err), 0);
    assert_int_equal(p.n_suites, 4);
    /* A scan describes a server. */
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err), -1);
    unlink(path);
}

/* The behaviours a scan tells (issue 12, "a saved scan carries the whole server"): the
 * implementation, the server's full group order (TLS 1.2's when only it is in server
 * order), the DHE prime and the alert SSLv3 hellos got; the model then predicts with
 * them: Java 6 (at most 1024-bit DHE) fails on the 2048-bit prime at the client. */
static const char gnutls_doc[] =
    "{\"target\": \"127.0.0.1:4433\", \"implementation\": \"gnutls\",\n"
    " \"versions\": [\n"
    "  {\"version\": \"SSLv3\", \"accepted\": false, \"suites\": [],\n"
    "   \"alert\": {\"code\": 40, \"name\": \"handshake_failure\"}},\n"
    "  {\"version\": \"TLSv1.0\", \"accepted\": true, \"server_order\": true, \"suites\": [\n"
    "    {\"code\": \"0x0033\"}, {\"code\": \"0x002F\"}]}],\n"
    " \"groups\": [], \"groups_server_order\": null,\n"
    " \"groups_tls12\": [\"secp521r1\", \"x25519\", \"secp256r1\"],\n"
    " \"groups_tls12_server_order\": true,\n"
    " \"dhe\": {\"bits_rfc7919_offered\": 2048, \"bits_rfc7919_not_offered\": 2048},\n"
    " \"certificates\": [{\"key\": \"RSA 2048\"}]}\n";

static void scan_behaviour(void **state)
{
    (void)state;
    struct tlsd_profile p, c;
    struct tlsd_profile_err err = {0};
    assert_int_equal(tlsd_profile_parse_form(TLSD_PROFILE_SCAN_JSON, gnutls_doc,
                                             sizeof gnutls_doc - 1, TLSD_SIDE_SERVER, &p, &err),
                     0);
    assert_int_equal(p.impl, TLSD_IMPL_GNUTLS);
    assert_int_equal(p.dh_bits, 2048);
    assert_int_equal(p.ssl3_alert, 40);
    assert_int_equal(p.n_groups, 3);
    assert_int_equal(p.groups[0], 0x0019);
    assert_int_equal(p.groups[2], 0x0017);
    assert_int_equal(tlsd_profile_builtin("testssl-java-6u45", TLSD_SIDE_CLIENT, &c, &err), 0);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &p, &o);
    assert_false(o.ok);
    assert_int_equal(o.suite, 0x0033);
    assert_true(o.alert_from_client);
    /* An SSLv3-only client gets the alert the scan saw. */
    c.versions = TLSD_V_SSL3;
    tlsd_negotiate(&c, &p, &o);
    assert_int_equal(o.alert, 40);
    /* Without those keys: the rules alone. */
    static const char plain[] = "{\"target\": \"x\", \"versions\": [{\"version\": \"TLSv1.2\", "
                                "\"accepted\": true, \"suites\": [{\"code\": \"0x0033\"}]}]}";
    assert_int_equal(tlsd_profile_parse_form(TLSD_PROFILE_SCAN_JSON, plain, sizeof plain - 1,
                                             TLSD_SIDE_SERVER, &p, &err),
                     0);
    assert_int_equal(p.impl, TLSD_IMPL_GENERIC);
    assert_int_equal(p.dh_bits, 0);
    assert_int_equal(p.ssl3_alert, TLSD_ALERT_UNKNOWN);
}

static void bad_scans(void **state)
{
    (void)state;
    const char *bad[] = {"scan:/nonexistent/scan.json"};
    struct tlsd_profile p;
    struct tlsd_profile_err err = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tlsd_profile_load(bad[i], TLSD_SIDE_SERVER, &p, &err), -1);
    static const char one_refused[] = "{\"targets\": [{\"versions\": [{\"version\": "
                                      "\"TLSv1.2\", \"accepted\": false, \"suites\": []}]}]}";
    const char *texts[] = {"{", "{\"targets\": []}", "{\"targets\": [{\"error\": \"x\"}]}",
                           one_refused};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        err.msg[0] = '\0';
        assert_int_equal(tlsd_profile_parse_form(TLSD_PROFILE_SCAN_JSON, texts[i], strlen(texts[i]),
                                                 TLSD_SIDE_SERVER, &p, &err),
                         -1);
        assert_true(err.msg[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(scan_as_server),
                                       cmocka_unit_test(scan_behaviour),
                                       cmocka_unit_test(bad_scans)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
