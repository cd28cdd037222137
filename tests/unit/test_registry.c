/* The generated registry: lookups, round trips, GREASE, classes. */
#include "testutil.h"

#include <ctype.h>
#include <strings.h>

#include "tlsdiag/registry.h"

/* Every name in a comma list resolves back to the row it came from. */
static int check_names(const struct tlsd_suite *s, const char *list)
{
    int bad = 0;
    char buf[1024];
    if (!list)
        return 0;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *n = strtok_r(buf, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
        const struct tlsd_suite *r = tlsd_suite_by_name(n);
        if (r != s) {
            print_error("name %s of 0x%04X resolves to %s\n", n, s->code, r ? r->iana_name : "-");
            bad++;
        }
    }
    return bad;
}

static void every_name_round_trips(void **state)
{
    (void)state;
    int bad = 0;
    assert_true(tlsd_suite_count() > 300);
    for (size_t i = 0; i < tlsd_suite_count(); i++) {
        const struct tlsd_suite *s = tlsd_suite_at(i);
        /* code -> row -> every name -> same code */
        assert_ptr_equal(tlsd_suite_by_code(s->code), s);
        bad += check_names(s, s->iana_name);
        bad += check_names(s, s->openssl_name);
        bad += check_names(s, s->openssl_aliases);
        bad += check_names(s, s->gnutls_name);
        bad += check_names(s, s->windows_names);
        /* case does not matter */
        char lower[128];
        size_t k = 0;
        for (; s->iana_name[k] && k + 1 < sizeof lower; k++)
            lower[k] = (char)tolower((unsigned char)s->iana_name[k]);
        lower[k] = '\0';
        assert_ptr_equal(tlsd_suite_by_name(lower), s);
        if (s->windows_names)
            assert_true(tlsd_name_in_list(s->windows_names, s->windows_name));
    }
    assert_int_equal(bad, 0);
}

static void codes_sorted_and_fields_sane(void **state)
{
    (void)state;
    uint32_t last = 0;
    for (size_t i = 0; i < tlsd_suite_count(); i++) {
        const struct tlsd_suite *s = tlsd_suite_at(i);
        if (i > 0)
            assert_true(s->code > last);
        last = s->code;
        assert_true(s->cls >= TLSD_CLASS_INSECURE && s->cls <= TLSD_CLASS_RECOMMENDED);
        assert_non_null(tlsd_version_by_code(s->min_version));
        assert_false(tlsd_is_grease(s->code));
        assert_true(s->bits >= 0 && s->bits <= 256);
    }
    assert_null(tlsd_suite_at(tlsd_suite_count()));
}

static void known_facts(void **state)
{
    (void)state;
    const struct tlsd_suite *s = tlsd_suite_by_code(0xC02F);
    assert_non_null(s);
    assert_string_equal(s->iana_name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_string_equal(s->openssl_name, "ECDHE-RSA-AES128-GCM-SHA256");
    assert_int_equal(s->cert, TLSD_CERT_RSA);
    assert_int_equal(s->min_version, 0x0303);
    assert_int_equal(s->cls, TLSD_CLASS_RECOMMENDED);
    s = tlsd_suite_by_name("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384");
    assert_non_null(s);
    assert_int_equal(s->code, 0xC028);
    s = tlsd_suite_by_code(0x0005);
    assert_int_equal(s->cls, TLSD_CLASS_INSECURE); /* RC4 */
    s = tlsd_suite_by_code(0x1301);
    assert_int_equal(s->cert, TLSD_CERT_ANY);
    assert_true(tlsd_suite_usable_at(s, 0x0304));
    assert_false(tlsd_suite_usable_at(s, 0x0303));
    s = tlsd_suite_by_code(0x00FF);
    assert_int_equal(s->status, TLSD_STATUS_SCSV);
    s = tlsd_suite_by_code(0x5600);
    assert_string_equal(s->iana_name, "TLS_FALLBACK_SCSV");
    s = tlsd_suite_by_code(0x0700C0);
    assert_non_null(s);
    assert_true(tlsd_suite_is_sslv2(s));
    assert_true(tlsd_suite_usable_at(s, 0x0002));
    assert_false(tlsd_suite_usable_at(s, 0x0301));
    s = tlsd_suite_by_code(0xCC13);
    assert_non_null(s);
    assert_int_equal(s->status, TLSD_STATUS_DRAFT);
    assert_null(tlsd_suite_by_code(0x0A0A));
    assert_null(tlsd_suite_by_name("NOT-A-SUITE"));
}

/* The typed properties: ECDHE_PSK is ECDHE-like and PSK, not plain ECDHE (a prefix
 * compare of "ECDHE" took it for one); TLS 1.3 groups from the registry's column. */
static void typed_properties(void **state)
{
    (void)state;
    const struct tlsd_suite *s = tlsd_suite_by_code(0xC035); /* ECDHE_PSK_WITH_AES_128_CBC_SHA */
    assert_non_null(s);
    assert_int_equal(s->kx, TLSD_KX_ECDHE_PSK);
    assert_int_equal(s->kx_flags, TLSD_KXF_EC | TLSD_KXF_EPHEMERAL | TLSD_KXF_PSK);
    assert_int_equal(s->auth, TLSD_AUTH_PSK);
    assert_true(s->cipher_flags & TLSD_CIPHERF_CBC);
    assert_string_equal(tlsd_kx_name(s->kx), "ECDHE_PSK");
    s = tlsd_suite_by_code(0x0003); /* RSA_EXPORT_WITH_RC4_40_MD5 */
    assert_int_equal(s->kx_flags, TLSD_KXF_RSA | TLSD_KXF_EXPORT);
    assert_true(s->cipher_flags & TLSD_CIPHERF_STREAM);
    s = tlsd_suite_by_code(0xCCA8); /* ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
    assert_int_equal(s->cipher_flags, TLSD_CIPHERF_AEAD | TLSD_CIPHERF_CHACHA20);
    assert_int_equal(s->mac, TLSD_MAC_AEAD);
    s = tlsd_suite_by_code(0xC0AC); /* ECDHE_ECDSA_WITH_AES_128_CCM */
    assert_false(s->cipher_flags & TLSD_CIPHERF_CCM_8);
    s = tlsd_suite_by_code(0xC0AE); /* ECDHE_ECDSA_WITH_AES_128_CCM_8 */
    assert_true(s->cipher_flags & TLSD_CIPHERF_CCM_8);
    assert_true(tlsd_group_by_code(TLSD_GROUP_X25519)->tls13);
    assert_true(tlsd_group_by_code(TLSD_GROUP_SECP256R1)->tls13);
    assert_true(tlsd_group_by_code(TLSD_GROUP_BRAINPOOLP256R1TLS13)->tls13);
    assert_false(tlsd_group_by_code(TLSD_GROUP_BRAINPOOLP256R1)->tls13);
    assert_false(tlsd_group_by_code(TLSD_GROUP_SECP256K1)->tls13);
    assert_false(tlsd_group_by_code(TLSD_GROUP_ARBITRARY_EXPLICIT_PRIME_CURVES)->tls13);
    assert_int_equal(tlsd_group_by_code(TLSD_GROUP_FFDHE2048)->kind, TLSD_GROUP_KIND_FFDHE);
    const struct tlsd_sigscheme *sc = tlsd_sigscheme_by_code(TLSD_SIGSCHEME_RSA_PSS_RSAE_SHA256);
    assert_int_equal(sc->signature, TLSD_SIG_ALG_RSA_PSS_RSAE);
    assert_int_equal(sc->hash, TLSD_SIG_HASH_SHA256);
    assert_int_equal(tlsd_version_by_code(TLSD_VERSION_TLS1_2)->family, TLSD_FAMILY_TLS);
    assert_string_equal(tlsd_alert_by_code(TLSD_ALERT_HANDSHAKE_FAILURE)->name,
                        "handshake_failure");
    assert_string_equal(tlsd_cipher_name(TLSD_CIPHER_COUNT), "?");
    /* every value of every column has its name, and names differ */
    for (int i = 0; i < TLSD_KX_COUNT; i++)
        for (int j = i + 1; j < TLSD_KX_COUNT; j++)
            assert_string_not_equal(tlsd_kx_name((enum tlsd_kx)i), tlsd_kx_name((enum tlsd_kx)j));
}

/* The SCSV test answers for exactly the rows of status scsv; no code outside the registry. */
static void scsv_codes(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; i < tlsd_suite_count(); i++) {
        const struct tlsd_suite *s = tlsd_suite_at(i);
        assert_int_equal(tlsd_suite_code_is_scsv(s->code), s->status == TLSD_STATUS_SCSV);
        n += s->status == TLSD_STATUS_SCSV;
    }
    assert_int_equal(n, 2);
    assert_false(tlsd_suite_code_is_scsv(0x0a0a)); /* GREASE */
    assert_false(tlsd_suite_code_is_scsv(0xffffff));
}

static void grease(void **state)
{
    (void)state;
    int n = 0;
    for (uint32_t v = 0; v <= 0xFFFF; v++)
        n += tlsd_is_grease(v);
    assert_int_equal(n, 16); /* RFC 8701: 0x0A0A ... 0xFAFA */
    assert_true(tlsd_is_grease(0x0A0A));
    assert_true(tlsd_is_grease(0xFAFA));
    assert_false(tlsd_is_grease(0x0A1A));
    assert_false(tlsd_is_grease(0x0A0A0A));
}

static void other_registries(void **state)
{
    (void)state;
    char buf[16];
    assert_string_equal(tlsd_version_str(0x0303, buf), "TLSv1.2");
    assert_string_equal(tlsd_version_str(0x0304, buf), "TLSv1.3");
    assert_string_equal(tlsd_version_str(0x0300, buf), "SSLv3");
    assert_string_equal(tlsd_version_str(0x2A2A, buf), "GREASE");
    assert_string_equal(tlsd_version_str(0x1234, buf), "0x1234");
    assert_int_equal(tlsd_version_by_name("TLS 1.2")->code, 0x0303);
    assert_int_equal(tlsd_version_by_name("VERS-TLS1.3")->code, 0x0304);
    assert_string_equal(tlsd_group_by_code(0x001D)->name, "x25519");
    assert_int_equal(tlsd_group_by_name("secp256r1")->code, 0x0017);
    assert_int_equal(tlsd_group_by_code(0x0100)->bits, 2048);
    assert_string_equal(tlsd_sigscheme_by_code(0x0804)->name, "rsa_pss_rsae_sha256");
    assert_string_equal(tlsd_extension_by_code(0x002B)->name, "supported_versions");
    assert_string_equal(tlsd_extension_by_code(0xFF01)->name, "renegotiation_info");
    assert_string_equal(tlsd_alert_by_code(40)->name, "handshake_failure");
    assert_int_equal(tlsd_alert_by_name("protocol_version")->code, 70);
    assert_string_equal(tlsd_handshake_type_by_code(1)->name, "client_hello");
    assert_string_equal(tlsd_content_type_by_code(21)->name, "alert");
    assert_null(tlsd_alert_by_code(255));
    assert_string_equal(tlsd_class_name(TLSD_CLASS_WEAK), "weak");
    assert_int_equal(tlsd_class_from_name("Recommended"), TLSD_CLASS_RECOMMENDED);
    assert_int_equal(tlsd_class_from_name("bogus"), TLSD_CLASS_UNKNOWN);
}

/* The name lookups (generated sorted indexes) give what a scan of the table in row order
 * gives: for every spelling of every row, in any case, the first row that has it. */
static const void *first_row_having(size_t n, const void *(*at)(size_t),
                                    const char *(*col)(const void *, size_t), size_t ncols,
                                    const char *name)
{
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < ncols; c++) {
            const char *list = col(at(i), c);
            if (list && tlsd_name_in_list(list, name))
                return at(i);
        }
    return NULL;
}

static bool check_spellings(size_t n, const void *(*at)(size_t),
                            const char *(*col)(const void *, size_t), size_t ncols,
                            const void *(*by_name)(const char *))
{
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < ncols; c++)
            for (const char *p = col(at(i), c); p && *p;) {
                char name[128], upper[128];
                size_t len = strcspn(p, ",");
                snprintf(name, sizeof name, "%.*s", (int)len, p);
                for (size_t k = 0; k <= strlen(name); k++)
                    upper[k] = (char)toupper((unsigned char)name[k]);
                const void *want = first_row_having(n, at, col, ncols, name);
                if (by_name(name) != want || by_name(upper) != want) {
                    print_error("'%s' resolves to another row than a scan finds\n", name);
                    ok = false;
                }
                p += len + (p[len] == ',');
            }
    return ok;
}

static const void *group_at(size_t i)
{
    return tlsd_group_at(i);
}
static const void *group_by(const char *n)
{
    return tlsd_group_by_name(n);
}
static const char *group_col(const void *r, size_t c)
{
    const struct tlsd_group *g = r;
    const char *cols[] = {g->name, g->openssl_name, g->gnutls_name, g->windows_name};
    return cols[c];
}
static const void *version_at(size_t i)
{
    return tlsd_version_at(i);
}
static const void *version_by(const char *n)
{
    return tlsd_version_by_name(n);
}
static const char *version_col(const void *r, size_t c)
{
    const struct tlsd_version *v = r;
    const char *cols[] = {v->name, v->iana_name, v->openssl_name, v->gnutls_name, v->windows_name};
    return cols[c];
}
static const void *sigscheme_at(size_t i)
{
    return tlsd_sigscheme_at(i);
}
static const void *sigscheme_by(const char *n)
{
    return tlsd_sigscheme_by_name(n);
}
static const char *sigscheme_col(const void *r, size_t c)
{
    const struct tlsd_sigscheme *s = r;
    const char *cols[] = {s->name, s->openssl_name, s->gnutls_name};
    return cols[c];
}
static const void *alert_at(size_t i)
{
    return tlsd_alert_at(i);
}
static const void *alert_by(const char *n)
{
    return tlsd_alert_by_name(n);
}
static const char *alert_col(const void *r, size_t c)
{
    (void)c;
    return ((const struct tlsd_alert *)r)->name;
}
static const void *extension_at(size_t i)
{
    return tlsd_extension_at(i);
}
static const void *extension_by(const char *n)
{
    return tlsd_extension_by_name(n);
}
static const char *extension_col(const void *r, size_t c)
{
    (void)c;
    return ((const struct tlsd_extension *)r)->name;
}

static void name_lookups_match_a_scan(void **state)
{
    (void)state;
    assert_true(check_spellings(tlsd_group_count(), group_at, group_col, 4, group_by));
    assert_true(check_spellings(tlsd_version_count(), version_at, version_col, 5, version_by));
    assert_true(
        check_spellings(tlsd_sigscheme_count(), sigscheme_at, sigscheme_col, 3, sigscheme_by));
    assert_true(check_spellings(tlsd_alert_count(), alert_at, alert_col, 1, alert_by));
    assert_true(
        check_spellings(tlsd_extension_count(), extension_at, extension_col, 1, extension_by));
    assert_null(tlsd_group_by_name("no-such-group"));
    assert_null(tlsd_group_by_name(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_name_round_trips),
        cmocka_unit_test(codes_sorted_and_fields_sane),
        cmocka_unit_test(known_facts),
        cmocka_unit_test(typed_properties),
        cmocka_unit_test(grease),
        cmocka_unit_test(scsv_codes),
        cmocka_unit_test(other_registries),
        cmocka_unit_test(name_lookups_match_a_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
