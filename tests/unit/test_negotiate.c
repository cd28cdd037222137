/* Negotiation model and fix search: hand-checked cases (each expectation follows
 * from the rule quoted next to it, not from running the model). */
#include "testutil.h"

#include "tlsdiag/fixes.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/suitelist.h"

static struct tlsd_profile text(const char *t, enum tlsd_side side)
{
    struct tlsd_profile p;
    struct tlsd_profile_err err;
    if (tlsd_profile_parse_text(t, strlen(t), side, &p, &err) < 0)
        fail_msg("profile: %s", err.msg);
    return p;
}

static struct tlsd_profile builtin(const char *name, enum tlsd_side side)
{
    struct tlsd_profile p;
    struct tlsd_profile_err err;
    if (tlsd_profile_builtin(name, side, &p, &err) < 0)
        fail_msg("%s: %s", name, err.msg);
    return p;
}

static const char printer[] = "name = printer\nversions = TLSv1.0\n"
                              "suites = TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA\n"
                              "flags = -sends-groups, -sends-sigalgs\n";

/* Server 2022's default list still holds TLS_RSA_WITH_3DES_EDE_CBC_SHA (row 23) and
 * TLS 1.0 is enabled (protocols table): the printer connects with 3DES. */
static void printer_vs_2022(void **state)
{
    (void)state;
    struct tlsd_profile c = text(printer, TLSD_SIDE_CLIENT),
                        s = builtin("windows-2022", TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_true(o.ok);
    assert_int_equal(o.version, 0x0301);
    assert_int_equal(o.suite, 0x000A);
}

/* 23H2 dropped 3DES: nothing in common; schannel resets (no alert), 36874 + 36888/40;
 * the best server fix is to enable 3DES, and it is not secure. */
static void printer_vs_2022_23h2(void **state)
{
    (void)state;
    struct tlsd_profile c = text(printer, TLSD_SIDE_CLIENT);
    struct tlsd_profile s = builtin("windows-2022-23h2", TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, TLSD_FAIL_SUITE);
    assert_true(o.reset);
    assert_int_equal(o.alert, -1);
    assert_int_equal(o.n_events, 2);
    assert_int_equal(o.events[0], 36874);
    assert_int_equal(o.events[1], 36888);
    assert_int_equal(o.event_alert[1], 40);
    struct tlsd_fix_list l;
    assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_SERVER, 3, &l), 0);
    assert_true(l.n >= 1);
    assert_true(l.only_insecure);
    assert_int_equal(l.fixes[0].n_add_suites, 1);
    assert_int_equal(l.fixes[0].add_suites[0], 0x000A);
    /* RC4 (insecure) is not offered while 3DES (weak) exists. */
    for (size_t i = 0; i < l.n; i++)
        assert_int_not_equal(l.fixes[i].add_suites[0], 0x0005);
    struct tlsd_fix_steps st;
    assert_int_equal(tlsd_fix_render(&l.fixes[0], &s, &st), 0);
    bool ps = false, gpo = false, restart = false, policy = false;
    for (size_t i = 0; i < st.n; i++) {
        ps |= strstr(st.v[i].text, "Enable-TlsCipherSuite -Name TLS_RSA_WITH_3DES_EDE_CBC_SHA "
                                   "-Position 20") != NULL;
        gpo |=
            strstr(st.v[i].what, "GPO") && strstr(st.v[i].text, ",TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    }
    for (size_t i = 0; i < st.n_notes; i++) {
        restart |= strstr(st.notes[i], "restart") != NULL;
        policy |= strstr(st.notes[i], "domain GPO") != NULL;
    }
    assert_true(ps && gpo && restart && policy);
    tlsd_fix_steps_free(&st);
    tlsd_fix_list_free(&l);
}

/* A hardened 2022 (TLS 1.2/1.3 only): no common version, alert 70 and 36888/70; the
 * smallest server fix enables TLS 1.0 (3DES is still in the list). */
static void printer_vs_hardened(void **state)
{
    (void)state;
    struct tlsd_profile c = text(printer, TLSD_SIDE_CLIENT),
                        s = builtin("windows-2022", TLSD_SIDE_SERVER);
    s.versions = TLSD_V_TLS12 | TLSD_V_TLS13;
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, TLSD_FAIL_VERSION);
    assert_int_equal(o.alert, 70);
    assert_int_equal(o.events[0], 36888);
    assert_int_equal(o.event_alert[0], 70);
    struct tlsd_fix_list l;
    assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_SERVER, 3, &l), 0);
    assert_true(l.n >= 1);
    assert_int_equal(l.fixes[0].add_versions, TLSD_V_TLS10);
    assert_int_equal(l.fixes[0].after.suite, 0x000A);
    struct tlsd_fix_steps st;
    assert_int_equal(tlsd_fix_render(&l.fixes[0], &s, &st), 0);
    assert_non_null(strstr(st.v[0].text, "SCHANNEL\\Protocols\\TLS 1.0\\Server\" /v Enabled "
                                         "/t REG_DWORD /d 1"));
    tlsd_fix_steps_free(&st);
    tlsd_fix_list_free(&l);
}

/* RFC 8446: both offer 1.3; schannel takes its own first suite (TLS_AES_256_GCM_SHA384)
 * and the client's x25519 key share (Windows curve order starts with curve25519). */
static void tls13_server_order(void **state)
{
    (void)state;
    struct tlsd_profile c = builtin("openssl-3", TLSD_SIDE_CLIENT),
                        s = builtin("windows-2022", TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_true(o.ok);
    assert_int_equal(o.version, 0x0304);
    assert_int_equal(o.suite, 0x1302);
    assert_int_equal(o.group, 0x001D);
    assert_false(o.hrr);
}

/* RFC 8446 4.1.4: a key share the server lacks -> HelloRetryRequest for a common group. */
static void tls13_hrr(void **state)
{
    (void)state;
    struct tlsd_profile c = text("suites = TLS_AES_128_GCM_SHA256\ngroups = x448, secp256r1\n"
                                 "key_shares = x448\n",
                                 TLSD_SIDE_CLIENT);
    struct tlsd_profile s = text("implementation = openssl\nversions = TLSv1.3\n"
                                 "suites = TLS_AES_128_GCM_SHA256\ngroups = x25519, secp256r1\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_true(o.ok);
    assert_true(o.hrr);
    assert_int_equal(o.group, 0x0017);
    s.n_groups = 1; /* x25519 only: nothing in common */
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, TLSD_FAIL_GROUP);
    assert_int_equal(o.alert, 40);
}

/* Client order (OpenSSL default) vs server order. */
static void preference(void **state)
{
    (void)state;
    struct tlsd_profile c =
        text("versions = TLSv1.2\nsuites = AES128-SHA, AES256-SHA\n", TLSD_SIDE_CLIENT);
    struct tlsd_profile s = text("implementation = openssl\nversions = TLSv1.2\n"
                                 "suites = AES256-SHA, AES128-SHA\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_int_equal(o.suite, 0x002F);
    s.pref = TLSD_PREF_SERVER;
    tlsd_negotiate(&c, &s, &o);
    assert_int_equal(o.suite, 0x0035);
}

/* SSL_OP_PRIORITIZE_CHACHA: only with server preference, only when configured, only
 * when the client lists ChaCha20 first. */
static void prioritize_chacha(void **state)
{
    (void)state;
    struct tlsd_profile c = text("versions = TLSv1.2\nsuites = ECDHE-RSA-CHACHA20-POLY1305, "
                                 "ECDHE-RSA-AES128-GCM-SHA256\n",
                                 TLSD_SIDE_CLIENT);
    struct tlsd_profile s =
        text("implementation = openssl\nversions = TLSv1.2\npreference = server\n"
             "suites = ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-CHACHA20-POLY1305\n",
             TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_int_equal(o.suite, 0xC02F);
    s.flags |= TLSD_PF_PRIORITIZE_CHACHA;
    tlsd_negotiate(&c, &s, &o);
    assert_int_equal(o.suite, 0xCCA8);
}

/* The pair fails for the reason want; the best fix on the server side (there is one). */
static struct tlsd_fix first_server_fix(const struct tlsd_profile *c, const struct tlsd_profile *s,
                                        enum tlsd_fail_class want)
{
    struct tlsd_outcome o;
    tlsd_negotiate(c, s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, want);
    struct tlsd_fix_list l;
    assert_int_equal(tlsd_find_fixes(c, s, TLSD_SIDE_SERVER, 3, &l), 0);
    assert_true(l.n >= 1);
    struct tlsd_fix f = l.fixes[0];
    tlsd_fix_list_free(&l);
    return f;
}

/* RFC 5246 7.4.2: an ECDSA certificate leaves no suite for an RSA-only client; adding
 * an RSA certificate is a one-change fix. */
static void certificate_type(void **state)
{
    (void)state;
    struct tlsd_profile c = text(
        "versions = TLSv1.2\nsuites = ECDHE-RSA-AES128-GCM-SHA256, AES128-SHA\n", TLSD_SIDE_CLIENT);
    struct tlsd_profile s =
        text("implementation = openssl\nversions = TLSv1.2\ncertificates = ecdsa P-256\n"
             "suites = ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-RSA-AES128-GCM-SHA256, AES128-SHA\n",
             TLSD_SIDE_SERVER);
    struct tlsd_fix f = first_server_fix(&c, &s, TLSD_FAIL_CERT);
    assert_int_equal(f.add_cert.type, TLSD_KEY_RSA);
}

/* windows_notes.md 2: 2012 R2 has no ECDHE_RSA + AES-GCM. */
static void server_2012r2_gcm_trap(void **state)
{
    (void)state;
    struct tlsd_profile c =
        text("versions = TLSv1.2\nsuites = ECDHE-RSA-AES128-GCM-SHA256\n", TLSD_SIDE_CLIENT);
    struct tlsd_profile s = builtin("windows-2012r2", TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, TLSD_FAIL_SUITE);
    assert_true(o.reset);
}

/* windows_notes.md 1: a P-521-only client gets no ECDHE from a default 2016. */
static void p521_only_client(void **state)
{
    (void)state;
    struct tlsd_profile c =
        text("versions = TLSv1.2\nsuites = ECDHE-RSA-AES128-GCM-SHA256\ngroups = secp521r1\n",
             TLSD_SIDE_CLIENT);
    struct tlsd_profile s = builtin("windows-2016", TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, TLSD_FAIL_GROUP);
}

/* A server that signs TLS 1.3 CertificateVerify only with rsa_pss_rsae_sha512 (as a scan
 * finds): a client listing only rsa_pss_rsae_sha256 fails at TLS 1.3, one listing sha512
 * gets it; the server fix is to sign with the client's scheme too. */
static void tls13_server_sigalgs(void **state)
{
    (void)state;
    const char *srv = "side = server\nversions = TLSv1.3\nsuites = TLS_AES_128_GCM_SHA256\n"
                      "sigalgs_tls13 = rsa_pss_rsae_sha512\ncertificates = rsa 2048\n";
    struct tlsd_profile s = text(srv, TLSD_SIDE_SERVER);
    struct tlsd_profile c = text("versions = TLSv1.3\nsuites = TLS_AES_128_GCM_SHA256\n"
                                 "sigalgs = rsa_pss_rsae_sha256\n",
                                 TLSD_SIDE_CLIENT);
    assert_int_equal(first_server_fix(&c, &s, TLSD_FAIL_SIGSCHEME).add_sigalg, 0x0804);
    struct tlsd_outcome o;
    struct tlsd_profile c2 = text("versions = TLSv1.3\nsuites = TLS_AES_128_GCM_SHA256\n"
                                  "sigalgs = rsa_pss_rsae_sha256, rsa_pss_rsae_sha512\n",
                                  TLSD_SIDE_CLIENT);
    tlsd_negotiate(&c2, &s, &o);
    assert_true(o.ok);
    assert_int_equal(o.sigscheme, 0x0806);
    /* only TLS 1.3 schemes go in that list */
    struct tlsd_profile p;
    struct tlsd_profile_err err;
    const char *bad = "sigalgs_tls13 = rsa_pkcs1_sha256\n";
    assert_int_not_equal(tlsd_profile_parse_text(bad, strlen(bad), TLSD_SIDE_SERVER, &p, &err), 0);
    assert_non_null(strstr(err.msg, "not a TLS 1.3 signature scheme"));
}

/* A server that still accepts SSL 2.0 (as a scan can find): the OpenSSL command of a
 * fix sets the range OpenSSL can still be set to, TLS 1.2 here, not SSL 2.0's. */
static void fix_steps_with_ssl2(void **state)
{
    (void)state;
    struct tlsd_profile c =
        text("versions = TLSv1.2\nsuites = ECDHE-RSA-AES128-GCM-SHA256\n", TLSD_SIDE_CLIENT);
    struct tlsd_profile s = text("implementation = openssl\nversions = SSLv2, TLSv1.2\n"
                                 "suites = AES128-SHA\ncertificates = rsa 2048\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_fix f = first_server_fix(&c, &s, TLSD_FAIL_SUITE);
    struct tlsd_fix_steps st;
    assert_int_equal(tlsd_fix_render(&f, &s, &st), 0);
    assert_true(st.n >= 1);
    /* a suite fix leaves the versions as they are */
    assert_null(strstr(st.v[0].text, "-min_protocol"));
    tlsd_fix_steps_free(&st);
    /* a TLS 1.1 client: the range grows from TLS 1.1 to 1.2, SSL 2.0 is no part of it */
    c = text("versions = TLSv1.1\nsuites = AES128-SHA\n", TLSD_SIDE_CLIENT);
    f = first_server_fix(&c, &s, TLSD_FAIL_VERSION);
    assert_int_equal(f.versions_added, TLSD_V_TLS11);
    assert_int_equal(tlsd_fix_render(&f, &s, &st), 0);
    assert_non_null(strstr(st.v[0].text, "-min_protocol TLSv1.1 -max_protocol TLSv1.2"));
    tlsd_fix_steps_free(&st);
}

/* Legacy hello (no supported_versions) to a 1.3 server: highest version <= 1.2. */
static void legacy_version(void **state)
{
    (void)state;
    struct tlsd_profile c = text("versions = TLSv1.0, TLSv1.1\nsupported_versions_ext = no\n"
                                 "suites = AES128-SHA\n",
                                 TLSD_SIDE_CLIENT);
    struct tlsd_profile s = builtin("openssl-1.1.1", TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_true(o.ok);
    assert_int_equal(o.version, 0x0302);
}

/* A TLS 1.0 hello without supported_versions says nothing of SSL 3.0 (issue 12): its
 * profile offers TLS 1.0 alone; an SSL 3.0 hello offers SSL 3.0; testssl's data says
 * which of its clients speak SSL 3.0 too (Android 2.3.7 does, Opera 12.15 does not). */
static void legacy_hello_floor(void **state)
{
    (void)state;
    struct tlsd_profile p;
    struct tlsd_profile_err err;
    /* Opera 12.15's hello: legacy_version 0x0301, no supported_versions. */
    struct tlsd_profile opera = builtin("testssl-opera-1215-win7", TLSD_SIDE_CLIENT);
    assert_int_equal(opera.versions, TLSD_V_TLS10);
    assert_false(opera.supported_versions_ext);
    assert_int_equal(builtin("testssl-android-237", TLSD_SIDE_CLIENT).versions,
                     TLSD_V_SSL3 | TLSD_V_TLS10);
    assert_int_equal(builtin("testssl-java-6u45", TLSD_SIDE_CLIENT).versions,
                     TLSD_V_SSL2 | TLSD_V_SSL3 | TLSD_V_TLS10);
    /* The same hello as hex: TLS 1.0 only; with legacy_version 0x0300: SSL 3.0 only. */
    static const char tls10[] = "hex:160301002f0100002b0301"
                                "0000000000000000000000000000000000000000000000000000000000000000"
                                "000004002f00ff0100";
    assert_int_equal(tlsd_profile_load(tls10, TLSD_SIDE_CLIENT, &p, &err), 0);
    assert_int_equal(p.versions, TLSD_V_TLS10);
    char ssl3[sizeof tls10];
    memcpy(ssl3, tls10, sizeof tls10);
    memcpy(ssl3 + strlen("hex:160301002f0100002b03"), "00", 2);
    assert_int_equal(tlsd_profile_load(ssl3, TLSD_SIDE_CLIENT, &p, &err), 0);
    assert_int_equal(p.versions, TLSD_V_SSL3);
    /* So a TLS 1.2-only server is no "SSL 3.0 to TLS 1.0" mismatch, and an SSL 3.0-only
     * server's answer is refused by Opera. */
    struct tlsd_profile s = text("versions = SSLv3\nsuites = AES128-SHA\n", TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&opera, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, TLSD_FAIL_CLIENT_REFUSES);
}

/* DHE prime sizes: Java 6u45 takes at most 1024 bits (testssl's maxDhBits), so a server
 * whose prime has 2048 bits chooses DHE and Java ends the handshake (internal_error);
 * Firefox 49 wants at least 1023 bits. An OpenSSL server's size not measured is its automatic
 * one (from the certificate key); other unknown sizes change nothing. */
static void dhe_sizes(void **state)
{
    (void)state;
    struct tlsd_profile java6 = builtin("testssl-java-6u45", TLSD_SIDE_CLIENT);
    struct tlsd_profile ff = builtin("testssl-firefox-49-win7", TLSD_SIDE_CLIENT);
    assert_int_equal(java6.dh_bits_max, 1024);
    assert_int_equal(ff.dh_bits_min, 1023);
    struct tlsd_profile s = text("implementation = openssl\nversions = TLSv1.0, TLSv1.2\n"
                                 "suites = DHE-RSA-AES128-SHA\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    /* Not measured: OpenSSL's automatic size for the RSA 2048 key is 2048 bits (so
     * s_server answers Java 6 with it); for another implementation it stays unknown. */
    tlsd_negotiate(&java6, &s, &o);
    assert_false(o.ok);
    assert_non_null(strstr(o.detail, "2048 bits (OpenSSL's automatic size"));
    s.certs[0].bits = 1024;
    tlsd_negotiate(&java6, &s, &o);
    assert_true(o.ok);
    s.certs[0].bits = 4096; /* 152 security bits: a 4096-bit prime */
    s.dh_bits_min = 0;
    tlsd_negotiate(&java6, &s, &o);
    assert_non_null(strstr(o.detail, "4096 bits"));
    s.certs[0].bits = 2048;
    s.impl = TLSD_IMPL_GNUTLS;
    tlsd_negotiate(&java6, &s, &o);
    assert_true(o.ok); /* size unknown */
    s.impl = TLSD_IMPL_OPENSSL;
    s.dh_bits = 2048;
    tlsd_negotiate(&java6, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, TLSD_FAIL_CLIENT_REFUSES);
    assert_true(o.alert_from_client);
    assert_int_equal(o.suite, 0x0033);
    assert_non_null(strstr(o.detail, "2048"));
    s.dh_bits = 1024;
    tlsd_negotiate(&java6, &s, &o);
    assert_true(o.ok);
    s.dh_bits = 768;
    tlsd_negotiate(&ff, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.alert, 71);
    /* Written and read back. */
    s.dh_bits = 2048;
    s.ssl3_alert = 40;
    char *t = tlsd_profile_format(&s);
    struct tlsd_profile q;
    struct tlsd_profile_err err;
    assert_int_equal(tlsd_profile_parse_text(t, strlen(t), TLSD_SIDE_ANY, &q, &err), 0);
    free(t);
    assert_int_equal(q.dh_bits, 2048);
    assert_int_equal(q.ssl3_alert, 40);
}

/* What a scan saw a server answer SSLv3 hellos with wins over the implementation's
 * habit; GnuTLS takes an ECDSA certificate on a curve the client does not list, and the
 * client refuses it (OpenSSL s_client: "wrong curve", illegal_parameter). */
static void ssl3_alert_and_gnutls_curve(void **state)
{
    (void)state;
    struct tlsd_profile c = text("versions = SSLv3\nsupported_versions_ext = no\n"
                                 "suites = AES128-SHA\n",
                                 TLSD_SIDE_CLIENT),
                        s = text("versions = TLSv1.2\nsuites = AES128-SHA\n", TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_int_equal(o.alert, 70);
    s.ssl3_alert = 40;
    tlsd_negotiate(&c, &s, &o);
    assert_int_equal(o.alert, 40);
    struct tlsd_profile c2 = text("versions = TLSv1.2\nsupported_versions_ext = no\n"
                                  "suites = ECDHE-ECDSA-AES128-GCM-SHA256\ngroups = secp521r1\n",
                                  TLSD_SIDE_CLIENT),
                        g = text("implementation = gnutls\nversions = TLSv1.2\n"
                                 "suites = ECDHE-ECDSA-AES128-GCM-SHA256\n"
                                 "certificates = ecdsa P-256\ngroups = secp256r1, secp521r1\n",
                                 TLSD_SIDE_SERVER);
    tlsd_negotiate(&c2, &g, &o);
    assert_false(o.ok);
    assert_true(o.alert_from_client);
    assert_int_equal(o.alert, 47);
    assert_int_equal(o.group, 0x0019);
    g.impl = TLSD_IMPL_OPENSSL;
    tlsd_negotiate(&c2, &g, &o);
    assert_false(o.ok);
    assert_false(o.alert_from_client);
    assert_int_equal(o.alert, 40);
}

/* OpenSSL 3 at its default security level (1) cannot sign a TLS 1.0/1.1 handshake
 * (MD5-SHA1): it chooses the suite, then sends internal_error (seen with s_server and no
 * -cipher in tests/integration/test_match_real.sh, ossl-default); @SECLEVEL=0 in the
 * cipher string lets it; no common suite is still handshake_failure. */
static void openssl_security_level(void **state)
{
    (void)state;
    struct tlsd_profile c = text("versions = TLSv1.0\nsupported_versions_ext = no\n"
                                 "suites = AES128-SHA\n",
                                 TLSD_SIDE_CLIENT),
                        s = text("implementation = openssl\nversions = TLSv1.0, TLSv1.2\n"
                                 "cipher_string = DEFAULT\nsuites = AES128-SHA\n"
                                 "security_level = 1\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.alert, 80);
    assert_false(o.alert_from_client);
    assert_int_equal(o.fail, TLSD_FAIL_VERSION);
    /* the client's fix: TLS 1.2 */
    struct tlsd_profile c12 = c;
    c12.versions = TLSD_V_TLS12;
    tlsd_negotiate(&c12, &s, &o);
    assert_true(o.ok);
    struct tlsd_profile s0 = text("implementation = openssl\nversions = TLSv1.0, TLSv1.2\n"
                                  "cipher_string = DEFAULT:@SECLEVEL=0\nsuites = AES128-SHA\n",
                                  TLSD_SIDE_SERVER);
    assert_int_equal(s0.security_level, 0);
    tlsd_negotiate(&c, &s0, &o);
    assert_true(o.ok);
    /* The server's fix: level 0, a labelled stopgap rendered as @SECLEVEL=0. */
    struct tlsd_fix_list l;
    assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_SERVER, 3, &l), 0);
    assert_true(l.n >= 1);
    assert_true(l.fixes[0].seclevel0);
    assert_true(l.fixes[0].stopgap);
    assert_int_equal(l.fixes[0].after.version, 0x0301);
    struct tlsd_fix_steps st;
    assert_int_equal(tlsd_fix_render(&l.fixes[0], &s, &st), 0);
    assert_non_null(strstr(st.v[0].text, "-cipher 'DEFAULT:@SECLEVEL=0'"));
    tlsd_fix_steps_free(&st);
    tlsd_fix_list_free(&l);
    c.suites[0] = 0x000A; /* 3DES: no common suite, before any signature */
    tlsd_negotiate(&c, &s, &o);
    assert_int_equal(o.alert, 40);
}

/* A fix is never a shown one plus more settings for no better connection, and a cipher
 * string it writes enables what it says: at DEFAULT's level 1, Firefox 21 (TLS 1.0, DHE and
 * Camellia first) needs @SECLEVEL=0 and nothing more (real s_server picks DHE-RSA-AES256-SHA
 * then); a client with only a Camellia suite gets a string libssl confirms (appending it
 * after DEFAULT selects nothing: DEFAULT deletes Camellia for good). */
static void smallest_settings_and_real_strings(void **state)
{
    (void)state;
    struct tlsd_profile c = text("versions = TLSv1.0\nsupported_versions_ext = no\n"
                                 "suites = DHE-RSA-CAMELLIA256-SHA, DHE-RSA-AES256-SHA\n",
                                 TLSD_SIDE_CLIENT),
                        s = text("implementation = openssl\npreference = client\n"
                                 "versions = TLSv1.0, TLSv1.2\ncipher_string = DEFAULT\n"
                                 "suites = DHE-RSA-AES256-SHA, AES128-SHA\nsecurity_level = 1\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_fix_list l;
    assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_SERVER, 5, &l), 0);
    assert_true(l.n >= 1);
    assert_true(l.fixes[0].seclevel0);
    assert_int_equal(l.fixes[0].n_add_suites, 0);
    assert_int_equal(l.fixes[0].after.suite, 0x0039);
    for (size_t i = 1; i < l.n; i++) /* nothing "enable X + @SECLEVEL=0" after it */
        assert_false(l.fixes[i].seclevel0 && l.fixes[i].cls <= l.fixes[0].cls);
    tlsd_fix_list_free(&l);

    struct tlsd_profile cam =
        text("versions = TLSv1.2\nsuites = DHE-RSA-CAMELLIA256-SHA\n", TLSD_SIDE_CLIENT);
    for (int order = 0; order < 2; order++) {
        s.pref = order ? TLSD_PREF_SERVER : TLSD_PREF_CLIENT;
        assert_int_equal(tlsd_find_fixes(&cam, &s, TLSD_SIDE_SERVER, 1, &l), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.fixes[0].add_suites[0], 0x0088);
        struct tlsd_fix_steps st;
        assert_int_equal(tlsd_fix_render(&l.fixes[0], &s, &st), 0);
        const char *q = strstr(st.v[0].text, "-cipher '");
        assert_non_null(q);
        char str[4096];
        snprintf(str, sizeof str, "%s", q + 9);
        *strchr(str, '\'') = '\0';
        uint32_t *codes;
        char err[200];
        int n = tlsd_openssl_expand(str, &codes, err, sizeof err);
        bool found = false;
        for (int i = 0; i < n; i++)
            found |= codes[i] == 0x0088;
        assert_true(found);
        if (order == 0) /* client order: the administrator's string stays, Camellia in front */
            assert_non_null(strstr(str, "DHE-RSA-CAMELLIA256-SHA:DEFAULT"));
        free(codes);
        tlsd_fix_steps_free(&st);
        tlsd_fix_list_free(&l);
    }
}

static void parse_errors(void **state)
{
    (void)state;
    const char *bad[] = {"frobnicate = 1\n",           "versions = TLSv9\n",
                         "suites = NOT_A_SUITE\n",     "groups = bogus\n",
                         "certificates = rsb 2048\n",  "no equals sign\n",
                         "preference = sideways\n",    "flags = nope\n",
                         "dh_bits = 2048x\n",          "dh_bits_max = -1\n",
                         "ssl3_alert = 999\n",         "ssl3_alert = nonsense\n",
                         "certificates = rsa abc\n",   "certificates = rsa 2048bits\n",
                         "certificates = dsa 99999\n", "certificates = ecdsa P-999\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tlsd_profile p;
        struct tlsd_profile_err err;
        if (tlsd_profile_parse_text(bad[i], strlen(bad[i]), TLSD_SIDE_ANY, &p, &err) == 0)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(err.msg, "line 1"));
    }
    /* Key types: one enum, any case, "ec" for ECDSA; bits default to 2048 for RSA. */
    struct tlsd_profile p;
    struct tlsd_profile_err err;
    const char *keys = "certificates = RSA, EC secp384r1, Ed25519, dsa 1024\n";
    assert_int_equal(tlsd_profile_parse_text(keys, strlen(keys), TLSD_SIDE_SERVER, &p, &err), 0);
    assert_int_equal(p.n_certs, 4);
    assert_int_equal(p.certs[0].type, TLSD_KEY_RSA);
    assert_int_equal(p.certs[0].bits, TLSD_CERT_BITS_DEFAULT);
    assert_int_equal(p.certs[1].type, TLSD_KEY_ECDSA);
    assert_int_equal(p.certs[1].curve, TLSD_GROUP_SECP384R1);
    assert_int_equal(p.certs[2].type, TLSD_KEY_ED25519);
    assert_int_equal(p.certs[3].type, TLSD_KEY_DSA);
    assert_int_equal(p.certs[3].bits, 1024);
    assert_string_equal(tlsd_key_type_name(p.certs[2].type), "ed25519");
    assert_int_equal(tlsd_key_type_of_cert_kind(TLSD_CERT_ECDSA), TLSD_KEY_ECDSA);
    assert_int_equal(tlsd_key_type_of_cert_kind(TLSD_CERT_ECDH), TLSD_KEY_NONE);
    assert_int_equal(tlsd_profile_builtin("windows-3.11", TLSD_SIDE_SERVER, &p, &err), -1);
    assert_int_equal(tlsd_profile_load("hex:16030100", TLSD_SIDE_CLIENT, &p, &err), -1);
    assert_int_equal(tlsd_profile_load("scan:/dev/null", TLSD_SIDE_SERVER, &p, &err), -1);
}

/* The admin input forms give the expected profiles. */
static void input_forms(void **state)
{
    (void)state;
    struct tlsd_profile p;
    struct tlsd_profile_err err;
    assert_int_equal(tlsd_profile_load("nginx:ssl_protocols TLSv1.2; ssl_ciphers AES128-SHA; "
                                       "ssl_prefer_server_ciphers on;",
                                       TLSD_SIDE_SERVER, &p, &err),
                     0);
    assert_int_equal(p.versions, TLSD_V_TLS12);
    assert_int_equal(p.pref, TLSD_PREF_SERVER);
    assert_true(tlsd_profile_has_suite(&p, 0x002F));
    assert_true(tlsd_profile_has_suite(&p, 0x1301)); /* OpenSSL's default TLS 1.3 suites */
    assert_int_equal(
        tlsd_profile_load("apache:SSLProtocol all -TLSv1 -TLSv1.1\nSSLCipherSuite AES256-SHA\n",
                          TLSD_SIDE_SERVER, &p, &err),
        0);
    assert_int_equal(p.versions, TLSD_V_TLS12 | TLSD_V_TLS13);
    /* versions by their registry spellings (case aside); DTLS and unknown names refused */
    assert_int_equal(
        tlsd_profile_load("apache:SSLProtocol -all +tlsv1.2 +SSLv3\n", TLSD_SIDE_SERVER, &p, &err),
        0);
    assert_int_equal(p.versions, TLSD_V_TLS12 | TLSD_V_SSL3);
    assert_int_not_equal(
        tlsd_profile_load("apache:SSLProtocol +DTLSv1.2\n", TLSD_SIDE_SERVER, &p, &err), 0);
    assert_non_null(strstr(err.msg, "unknown protocol 'DTLSv1.2'"));
    assert_int_not_equal(
        tlsd_profile_load("apache:SSLProtocol +TLSv9\n", TLSD_SIDE_SERVER, &p, &err), 0);
    /* a protocol line too long to hold is refused, not cut */
    char longline[400] = "apache:SSLProtocol";
    while (strlen(longline) < 320)
        strcat(longline, " +TLSv1.2");
    assert_int_not_equal(tlsd_profile_load(longline, TLSD_SIDE_SERVER, &p, &err), 0);
    assert_non_null(strstr(err.msg, "longer than 255"));
    assert_int_equal(
        tlsd_profile_load("gpo:TLS_RSA_WITH_AES_128_CBC_SHA,TLS_RSA_WITH_AES_256_CBC_SHA",
                          TLSD_SIDE_SERVER, &p, &err),
        0);
    assert_int_equal(p.impl, TLSD_IMPL_SCHANNEL);
    assert_int_equal(p.n_suites, 2);
    assert_true(p.flags & TLSD_PF_RESET_ON_NO_MATCH);
    assert_int_equal(tlsd_profile_load("openssl:AES128-SHA:!AES256", TLSD_SIDE_SERVER, &p, &err),
                     0);
    assert_int_equal(p.impl, TLSD_IMPL_OPENSSL);
    /* testssl client: its hello parsed by the codec. */
    assert_int_equal(tlsd_profile_load("testssl-android-237", TLSD_SIDE_CLIENT, &p, &err), 0);
    assert_int_equal(tlsd_versions_max(p.versions), 0x0301);
    assert_int_equal(p.suites[0], 0x0004);
}

/* Form detection: a profile whose comment mentions "name" and "exchange" is still a
 * profile; PowerShell list and table output are recognised; hex is a hello. */
static void form_detection(void **state)
{
    (void)state;
    const char *profile =
        "# Name: old printer, RSA key exchange only\nname = p\nsuites = AES128-SHA\n";
    assert_int_equal(tlsd_profile_detect(profile, strlen(profile)), TLSD_PROFILE_FILEFORMAT);
    const char *ps_list = "Name                  : TLS_RSA_WITH_AES_128_CBC_SHA\nExchange : RSA\n";
    assert_int_equal(tlsd_profile_detect(ps_list, strlen(ps_list)), TLSD_PROFILE_POWERSHELL);
    const char *ps_table = "Name                          Certificate Exchange\n----\n"
                           "TLS_RSA_WITH_AES_128_CBC_SHA  RSA         RSA\n";
    assert_int_equal(tlsd_profile_detect(ps_table, strlen(ps_table)), TLSD_PROFILE_POWERSHELL);
    const char *web = "ssl_protocols TLSv1.2;\n";
    assert_int_equal(tlsd_profile_detect(web, strlen(web)), TLSD_PROFILE_WEBSERVER);
    const char *list = "TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA";
    assert_int_equal(tlsd_profile_detect(list, strlen(list)), TLSD_PROFILE_LIST);
    const char *json = "{\"scan\": 1}";
    assert_int_equal(tlsd_profile_detect(json, strlen(json)), TLSD_PROFILE_SCAN_JSON);
    char hex[200];
    memset(hex, 'a', sizeof hex - 1);
    hex[sizeof hex - 1] = '\0';
    assert_int_equal(tlsd_profile_detect(hex, strlen(hex)), TLSD_PROFILE_HEX);
}

/* The first fix of a side: a secure fix found with more changes ranks above a smaller
 * weak one (the stopgap), which follows with its risk. */
static struct tlsd_fix first_fix(const struct tlsd_profile *c, const struct tlsd_profile *s,
                                 enum tlsd_side side, struct tlsd_fix_list *l)
{
    assert_int_equal(tlsd_find_fixes(c, s, side, 3, l), 0);
    assert_true(l->n > 0);
    return l->fixes[0];
}

/* The printer against Server 2025: TLS 1.2 + ECDHE-RSA-AES128-GCM on the printer
 * (the firmware fix: the server lists that suite and speaks TLS 1.2) is secure with two
 * changes; 3DES on the server is the only server change and a stopgap (Sweet32). */
static void secure_fix_beyond_stopgap(void **state)
{
    (void)state;
    struct tlsd_profile c = text(printer, TLSD_SIDE_CLIENT),
                        s = builtin("windows-2025", TLSD_SIDE_SERVER);
    struct tlsd_fix_list l;
    struct tlsd_fix f = first_fix(&c, &s, TLSD_SIDE_CLIENT, &l);
    assert_false(f.stopgap);
    assert_int_equal(f.n_changes, 2);
    assert_int_equal(f.add_suites[0], 0xC02F);
    assert_int_equal(f.after.version, 0x0303);
    assert_int_equal(f.after.suite, 0xC02F);
    assert_false(l.only_insecure);
    /* The smaller weak change follows, labelled with its risk. */
    assert_true(l.fixes[l.n - 1].stopgap);
    assert_int_equal(l.fixes[l.n - 1].n_changes, 1);
    char risk[300];
    tlsd_fix_risk(&l.fixes[l.n - 1], risk, sizeof risk);
    assert_non_null(strstr(risk, "RFC8996"));
    tlsd_fix_risk(&f, risk, sizeof risk);
    assert_string_equal(risk, "");
    tlsd_fix_list_free(&l);

    f = first_fix(&c, &s, TLSD_SIDE_SERVER, &l);
    assert_true(l.only_insecure);
    assert_true(f.stopgap);
    assert_int_equal(f.add_suites[0], 0x000A);
    tlsd_fix_risk(&f, risk, sizeof risk);
    assert_non_null(strstr(risk, "Sweet32"));
    tlsd_fix_list_free(&l);
}

/* Android 4.0.4 (TLS 1.0, CBC suites first) against a TLS 1.2+ OpenSSL server that
 * follows the client's order: TLS 1.2 alone gives CBC-SHA (weak); TLS 1.2 with an
 * AES-GCM suite the updated client prefers is secure. */
static void android_needs_two_changes(void **state)
{
    (void)state;
    struct tlsd_profile c = builtin("testssl-android-404", TLSD_SIDE_CLIENT),
                        s = builtin("openssl-3", TLSD_SIDE_SERVER);
    struct tlsd_fix_list l;
    struct tlsd_fix f = first_fix(&c, &s, TLSD_SIDE_CLIENT, &l);
    assert_false(f.stopgap);
    assert_int_equal(f.after.version, 0x0303);
    const struct tlsd_suite *st = tlsd_suite_by_code(f.after.suite);
    assert_non_null(st);
    assert_non_null(strstr(tlsd_cipher_name(st->cipher), "GCM"));
    tlsd_fix_list_free(&l);
}

/* A TLS 1.2 server with only DHE suites and finite-field groups, a client without
 * DHE suites: one ECDHE suite and X25519 on the server (two changes, secure). */
static void dhe_only_server(void **state)
{
    (void)state;
    struct tlsd_profile c = text(
                            "versions = TLSv1.2\nsuites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
                            " TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\ngroups = x25519\n",
                            TLSD_SIDE_CLIENT),
                        s = text(
                            "implementation = openssl\nversions = TLSv1.2\n"
                            "suites = TLS_DHE_RSA_WITH_AES_128_GCM_SHA256\ngroups = ffdhe2048\n",
                            TLSD_SIDE_SERVER);
    struct tlsd_fix_list l;
    struct tlsd_fix f = first_fix(&c, &s, TLSD_SIDE_SERVER, &l);
    assert_false(f.stopgap);
    assert_int_equal(f.n_changes, 2);
    assert_int_equal(f.add_group, 0x001D);
    assert_int_equal(f.after.suite, f.add_suites[0]);
    assert_int_equal(f.after.group, 0x001D);
    tlsd_fix_list_free(&l);
}

/* A P-384 ECDSA server and a client without secp384r1 (TLS 1.2, ECDSA suites only):
 * a P-256 certificate (it replaces the P-384 one: one certificate per key type). */
static void p384_cert_server(void **state)
{
    (void)state;
    struct tlsd_profile
        c = text("versions = TLSv1.2\nsuites = TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"
                 "groups = secp256r1\nsigalgs = ecdsa_secp256r1_sha256\n",
                 TLSD_SIDE_CLIENT),
        s = text("implementation = openssl\nversions = TLSv1.2\ncertificates = ecdsa P-384\n"
                 "suites = TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"
                 "groups = secp256r1, secp384r1\n",
                 TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    struct tlsd_fix_list l;
    struct tlsd_fix f = first_fix(&c, &s, TLSD_SIDE_SERVER, &l);
    assert_false(f.stopgap);
    assert_int_equal(f.add_cert.type, TLSD_KEY_ECDSA);
    assert_int_equal(f.add_cert.curve, 0x0017);
    struct tlsd_profile after = s;
    tlsd_fix_apply(&f, &after);
    assert_int_equal(after.n_certs, 1);
    tlsd_fix_list_free(&l);
}

/* A range-configured server (OpenSSL, TLS 1.2-1.3) and a TLS 1.0-1.1 client: enabling
 * TLS 1.1 gives TLS 1.1 and turns on one version; enabling TLS 1.0 would also turn on
 * 1.1 for the same result and is not listed. A version fix is named by its range. */
static void version_fix_named_by_range(void **state)
{
    (void)state;
    struct tlsd_profile
        c = text("versions = TLSv1.0, TLSv1.1\nsuites = TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n",
                 TLSD_SIDE_CLIENT),
        s = text("implementation = openssl\nversions = TLSv1.2, TLSv1.3\n"
                 "suites = TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n",
                 TLSD_SIDE_SERVER);
    struct tlsd_fix_list l;
    struct tlsd_fix f = first_fix(&c, &s, TLSD_SIDE_SERVER, &l);
    assert_true(f.stopgap);
    assert_int_equal(f.versions_added, TLSD_V_TLS11);
    for (size_t i = 0; i < l.n; i++)
        assert_false(l.fixes[i].versions_added & TLSD_V_TLS10);
    char sum[200];
    tlsd_fix_summary(&f, sum, sizeof sum);
    assert_string_equal(sum, "enable TLSv1.1");
    tlsd_fix_list_free(&l);
    /* The client (a device: a range too) given TLS 1.3 would end with 1.0 to 1.3: the
     * summary names the new maximum and what comes on with it. */
    struct tlsd_fix up = {.side = TLSD_SIDE_CLIENT, .add_versions = TLSD_V_TLS13, .n_changes = 1};
    struct tlsd_profile cc = c;
    tlsd_fix_apply(&up, &cc);
    up.versions_added = cc.versions & ~c.versions;
    up.versions_after = cc.versions;
    tlsd_fix_summary(&up, sum, sizeof sum);
    assert_string_equal(sum, "raise the maximum version to TLSv1.3 (adds TLSv1.2 TLSv1.3)");
}

/* No SSL 3.0 as advice (RFC 7568), and an OpenSSL side gets no suite the local libssl
 * cannot build (3DES) nor a draft code point (ECDHE-RSA-CHACHA20-POLY1305-OLD). */
static void only_runnable_fixes(void **state)
{
    (void)state;
    struct tlsd_profile c = text(
                            "versions = SSLv3, TLSv1.0\nsuites = TLS_RSA_WITH_3DES_EDE_CBC_SHA, "
                            "0xCC13, TLS_RSA_WITH_AES_128_CBC_SHA\n",
                            TLSD_SIDE_CLIENT),
                        s = text("implementation = openssl\nversions = TLSv1.0, TLSv1.1, TLSv1.2\n"
                                 "suites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_fix_list l;
    assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_SERVER, 50, &l), 0);
    assert_true(l.n > 0);
    for (size_t i = 0; i < l.n; i++) {
        assert_false(l.fixes[i].versions_added & TLSD_V_SSL3);
        for (size_t k = 0; k < l.fixes[i].n_add_suites; k++) {
            assert_int_not_equal(l.fixes[i].add_suites[k], 0xCC13);
            assert_true(tlsd_openssl_knows(l.fixes[i].add_suites[k]));
        }
    }
    tlsd_fix_list_free(&l);
}

/* OpenSSL reads supported_versions even when it stops at TLS 1.1: a client listing only
 * TLS 1.3 and 1.2 there gets protocol_version from the server, with no ServerHello
 * (seen with s_server -max_protocol TLSv1.1 in test_match_real.sh, ossl-tls11-only). */
static void old_openssl_server_alert70(void **state)
{
    (void)state;
    struct tlsd_profile c = text("versions = TLSv1.2, TLSv1.3\nsuites = TLS_AES_128_GCM_SHA256, "
                                 "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n",
                                 TLSD_SIDE_CLIENT),
                        s = text("implementation = openssl\nversions = TLSv1.0, TLSv1.1\n"
                                 "suites = TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.fail, TLSD_FAIL_VERSION);
    assert_int_equal(o.alert, 70);
    assert_false(o.alert_from_client);
}

/* An ECDHE suite without supported_groups: OpenSSL finds no shared curve and skips it
 * (handshake_failure when nothing else is common); Schannel takes its first curve. */
static void ecdhe_without_groups(void **state)
{
    (void)state;
    struct tlsd_profile c = text(
                            "versions = TLSv1.2\nsuites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
                            "flags = -sends-groups\n",
                            TLSD_SIDE_CLIENT),
                        s = text("implementation = openssl\nversions = TLSv1.2\n"
                                 "suites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n",
                                 TLSD_SIDE_SERVER);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &s, &o);
    assert_false(o.ok);
    assert_int_equal(o.alert, 40);
    assert_false(o.alert_from_client);
    s.impl = TLSD_IMPL_SCHANNEL;
    tlsd_negotiate(&c, &s, &o);
    assert_true(o.ok);
    /* The client's fix: the ECDHE suite it has needs supported_groups, which a client
     * gaining TLS 1.2 or an ECDHE suite sends. */
    s.impl = TLSD_IMPL_OPENSSL;
    struct tlsd_fix f = {.side = TLSD_SIDE_CLIENT, .add_suites = {0xC02B}, .n_add_suites = 1};
    struct tlsd_profile after = c;
    tlsd_fix_apply(&f, &after);
    assert_true(after.flags & TLSD_PF_SENDS_GROUPS);
}

/* The profile format written back reads as the same profile. */
static void profile_format_round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {"testssl-android-404", "windows-2025", "openssl-3",
                                        "legacy-printer", "testssl-chrome-49-win7"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct tlsd_profile p = builtin(names[i], TLSD_SIDE_ANY), q;
        char *t = tlsd_profile_format(&p);
        assert_non_null(t);
        struct tlsd_profile_err err;
        assert_int_equal(tlsd_profile_parse_text(t, strlen(t), TLSD_SIDE_ANY, &q, &err), 0);
        free(t);
        assert_int_equal(p.versions, q.versions);
        assert_int_equal(p.n_suites, q.n_suites);
        assert_memory_equal(p.suites, q.suites, p.n_suites * sizeof p.suites[0]);
        assert_int_equal(p.n_groups, q.n_groups);
        assert_memory_equal(p.groups, q.groups, p.n_groups * sizeof p.groups[0]);
        assert_int_equal(p.n_key_shares, q.n_key_shares);
        assert_int_equal(p.n_sigalgs, q.n_sigalgs);
        assert_int_equal(p.n_certs, q.n_certs);
        assert_int_equal(p.flags, q.flags);
        assert_int_equal(p.pref, q.pref);
        assert_int_equal(p.impl, q.impl);
        assert_int_equal(p.supported_versions_ext, q.supported_versions_ext);
        assert_string_equal(p.cipher_string, q.cipher_string);
    }
}

/* The step of a rendered fix whose label is `what`, or NULL. */
static const char *step_text(const struct tlsd_fix_steps *st, const char *what)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->v[i].what, what) == 0)
            return st->v[i].text;
    return NULL;
}

/* A group fix names only what the server's Windows release has, and in the form that
 * release takes. A client whose one ECDHE curve is X25519 or P-521, against each built-in
 * release: before Windows 10 there is no X25519 (never advised) and the curve is a suite
 * name's suffix (the GPO list names the P-521 suites, no Enable-Tls* cmdlet: those came with
 * Windows 10); from Windows 10 the fix is Enable-TlsEccCurve. */
static void windows_group_fixes_by_release(void **state)
{
    (void)state;
    static const char *const releases[] = {"windows-vista",   "windows-7",    "windows-8.1",
                                           "windows-10-1607", "windows-2019", "windows-2022"};
    static const uint16_t curves[] = {0x001D, 0x0019};
    for (size_t r = 0; r < sizeof releases / sizeof releases[0]; r++)
        for (size_t k = 0; k < 2; k++) {
            struct tlsd_profile s = builtin(releases[r], TLSD_SIDE_SERVER);
            struct tlsd_profile c =
                text("versions = TLSv1.0\nsuites = TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n",
                     TLSD_SIDE_CLIENT);
            c.groups[0] = curves[k];
            c.n_groups = 1;
            bool pre10 = r < 3;
            struct tlsd_outcome o;
            tlsd_negotiate(&c, &s, &o);
            if (o.ok)
                continue; /* the release has the curve on by default */
            struct tlsd_fix_list l;
            assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_SERVER, 3, &l), 0);
            bool grouped = false;
            for (size_t i = 0; i < l.n; i++) {
                const struct tlsd_fix *f = &l.fixes[i];
                if (f->add_group != curves[k])
                    continue;
                grouped = true;
                assert_false(pre10 && curves[k] == 0x001D);
                struct tlsd_fix_steps st;
                assert_int_equal(tlsd_fix_render(f, &s, &st), 0);
                const char *gpo = step_text(&st, "GPO SSL Cipher Suite Order"),
                           *ps = step_text(&st, "PowerShell");
                if (pre10) {
                    assert_null(ps);
                    assert_non_null(gpo);
                    assert_non_null(strstr(gpo, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P521"));
                    /* every ECDHE name carries its curve */
                    for (const char *e = strstr(gpo, "ECDHE_"); e; e = strstr(e + 1, "ECDHE_")) {
                        size_t n = strcspn(e, ",");
                        assert_true(n > 5 && e[n - 5] == '_' && e[n - 4] == 'P');
                    }
                } else {
                    assert_non_null(ps);
                    assert_non_null(strstr(ps, "Enable-TlsEccCurve -Name"));
                }
                tlsd_fix_steps_free(&st);
            }
            /* P-521 is a Schannel curve on every release: its fix is found */
            if (curves[k] == 0x0019)
                assert_true(grouped);
            tlsd_fix_list_free(&l);
        }
}

/* A suite fix on a release without the TLS cmdlets is the GPO alone. */
static void windows_suite_fix_without_cmdlets(void **state)
{
    (void)state;
    struct tlsd_profile c =
        text("versions = TLSv1.2\nsuites = TLS_RSA_WITH_NULL_SHA256\n", TLSD_SIDE_CLIENT);
    static const char *const releases[] = {"windows-8.1", "windows-10-1607"};
    for (size_t r = 0; r < 2; r++) {
        struct tlsd_profile s = builtin(releases[r], TLSD_SIDE_SERVER);
        struct tlsd_fix_list l;
        assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_SERVER, 1, &l), 0);
        assert_int_equal(l.n, 1);
        struct tlsd_fix_steps st;
        assert_int_equal(tlsd_fix_render(&l.fixes[0], &s, &st), 0);
        assert_non_null(step_text(&st, "GPO SSL Cipher Suite Order"));
        const char *ps = step_text(&st, "PowerShell");
        if (r == 0)
            assert_null(ps);
        else
            assert_non_null(strstr(ps, "Enable-TlsCipherSuite -Name TLS_RSA_WITH_NULL_SHA256"));
        tlsd_fix_steps_free(&st);
        tlsd_fix_list_free(&l);
    }
}

/* A signature-scheme fix only where a command can set it: a generic client that lists no
 * scheme the server signs with is told to add one; a Schannel client is not (no setting
 * lists its schemes), rather than shown a fix with nothing to run. */
static void no_sigscheme_fix_for_schannel(void **state)
{
    (void)state;
    struct tlsd_profile s = text("versions = TLSv1.3\nsuites = TLS_AES_128_GCM_SHA256\n"
                                 "sigalgs_tls13 = ecdsa_secp521r1_sha512\n"
                                 "certificates = ecdsa P-521\n",
                                 TLSD_SIDE_SERVER);
    for (int schannel = 0; schannel < 2; schannel++) {
        struct tlsd_profile c = text("versions = TLSv1.3\nsuites = TLS_AES_128_GCM_SHA256\n"
                                     "sigalgs = rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256\n",
                                     TLSD_SIDE_CLIENT);
        if (schannel)
            c.impl = TLSD_IMPL_SCHANNEL;
        struct tlsd_fix_list l;
        assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_CLIENT, 3, &l), 0);
        bool sig = false;
        for (size_t i = 0; i < l.n; i++)
            sig |= l.fixes[i].add_sigalg == 0x0603;
        assert_int_equal(sig, !schannel);
        tlsd_fix_list_free(&l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(printer_vs_2022),
        cmocka_unit_test(printer_vs_2022_23h2),
        cmocka_unit_test(printer_vs_hardened),
        cmocka_unit_test(tls13_server_order),
        cmocka_unit_test(tls13_hrr),
        cmocka_unit_test(preference),
        cmocka_unit_test(prioritize_chacha),
        cmocka_unit_test(certificate_type),
        cmocka_unit_test(server_2012r2_gcm_trap),
        cmocka_unit_test(p521_only_client),
        cmocka_unit_test(windows_group_fixes_by_release),
        cmocka_unit_test(windows_suite_fix_without_cmdlets),
        cmocka_unit_test(no_sigscheme_fix_for_schannel),
        cmocka_unit_test(legacy_version),
        cmocka_unit_test(legacy_hello_floor),
        cmocka_unit_test(dhe_sizes),
        cmocka_unit_test(ssl3_alert_and_gnutls_curve),
        cmocka_unit_test(openssl_security_level),
        cmocka_unit_test(smallest_settings_and_real_strings),
        cmocka_unit_test(tls13_server_sigalgs),
        cmocka_unit_test(fix_steps_with_ssl2),
        cmocka_unit_test(secure_fix_beyond_stopgap),
        cmocka_unit_test(android_needs_two_changes),
        cmocka_unit_test(dhe_only_server),
        cmocka_unit_test(p384_cert_server),
        cmocka_unit_test(version_fix_named_by_range),
        cmocka_unit_test(only_runnable_fixes),
        cmocka_unit_test(old_openssl_server_alert70),
        cmocka_unit_test(ecdhe_without_groups),
        cmocka_unit_test(profile_format_round_trip),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(input_forms),
        cmocka_unit_test(form_detection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
