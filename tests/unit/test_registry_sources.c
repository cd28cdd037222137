/* The registry agrees with the sources it was built from, row by row:
 * testssl's cipher-mapping.txt, the local `openssl ciphers -V -stdname`,
 * `gnutls-cli --list`, and the Windows default-suite reference table. */
#include "testutil.h"

#include <ctype.h>
#include <strings.h>

#include "tlsdiag/registry.h"

/* "0xC0,0x2F" or "0x07,0x00,0xC0" -> code; -1 when not that shape. */
static long byte_list_code(const char *s)
{
    long v = 0;
    int bytes = 0;
    while (*s == ' ')
        s++;
    while (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]) &&
           isxdigit((unsigned char)s[3])) {
        v = (v << 8) | strtol((char[]){s[2], s[3], 0}, NULL, 16);
        bytes++;
        s += 4;
        while (*s == ',' || *s == ' ')
            s++;
    }
    return bytes >= 2 ? v : -1;
}

static char *field(char **save, const char *sep)
{
    return strtok_r(NULL, sep, save);
}

static void testssl_mapping(void **state)
{
    (void)state;
    char *buf = tu_slurp("/etc/testssl/cipher-mapping.txt", NULL);
    char **lines;
    size_t n = tu_lines(buf, &lines), rows = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        /* hex - openssl_name iana_name version Kx= Au= Enc= Mac= */
        char *save = NULL, *hex = strtok_r(lines[i], " \t", &save);
        if (!hex || strncmp(hex, "0x", 2) != 0)
            continue;
        char *dash = field(&save, " \t"), *ossl = field(&save, " \t"), *iana = field(&save, " \t");
        assert_non_null(iana);
        assert_string_equal(dash, "-");
        long code = byte_list_code(hex);
        assert_true(code >= 0);
        /* testssl misprints two SSLv2 kinds: OpenSSL's ssl2.h defines
         * SSL2_CK_DES_64_CFB64_WITH_MD5_1 0x02ff0800 and SSL2_CK_NULL
         * 0x02ff0810, i.e. kinds 0xFF0800 and 0xFF0810. */
        if (code == 0xFF8000)
            code = 0xFF0800;
        else if (code == 0xFF8010)
            code = 0xFF0810;
        /* Two rows the registry answers differently, on purpose:
         * - 0x000000 SSL_CK_NULL_WITH_MD5: as a number it equals the 2-byte
         *   TLS_NULL_WITH_NULL_NULL, so the registry leaves it out;
         * - 0xFFE0/0xFFE1: testssl reuses the names of 0xFEFF/0xFEFE; NSS's
         *   sslproto.h names them SSL_RSA_OLDFIPS_WITH_*, which we use. */
        if (code == 0 && strlen(hex) > 9)
            continue;
        if (code == 0xFFE0 || code == 0xFFE1) {
            assert_true(strstr(tlsd_suite_by_code((uint32_t)code)->iana_name, "OLDFIPS") != NULL);
            assert_int_equal(tlsd_suite_by_name(iana)->code, code == 0xFFE0 ? 0xFEFF : 0xFEFE);
            rows++;
            continue;
        }
        const struct tlsd_suite *by_code = tlsd_suite_by_code((uint32_t)code);
        /* testssl writes '-' where a scheme has no name. OpenSSL 1.0 gave
         * seven SSLv2 kinds the names of TLS suites (RC4-MD5 is both 0x0004
         * and 0x010080); a name maps to one code, so it names the TLS suite. */
        bool ossl_shared =
            code > 0xFFFF && tlsd_suite_by_name(ossl) && tlsd_suite_by_name(ossl)->code <= 0xFFFF;
        const struct tlsd_suite *by_iana = strcmp(iana, "-") ? tlsd_suite_by_name(iana) : by_code;
        const struct tlsd_suite *by_ossl =
            strcmp(ossl, "-") && !ossl_shared ? tlsd_suite_by_name(ossl) : by_code;
        rows++;
        if (!by_code || by_iana != by_code || by_ossl != by_code) {
            print_error("%s: %s / %s -> %s / %s / %s\n", hex, iana, ossl,
                        by_code ? by_code->iana_name : "no code", by_iana ? "ok" : "iana?",
                        by_ossl ? "ok" : "openssl?");
            bad++;
            continue;
        }
    }
    print_message("testssl rows checked: %zu\n", rows);
    assert_int_equal(rows, 369); /* all but the 0x000000 row */
    assert_int_equal(bad, 0);
    free(lines);
    free(buf);
}

static void local_openssl(void **state)
{
    (void)state;
    FILE *p = popen("openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'", "r");
    assert_non_null(p);
    char line[512];
    int rows = 0, bad = 0;
    while (fgets(line, sizeof line, p)) {
        /* "   0x13,0x02 - TLS_AES_256_GCM_SHA384 - TLS_AES_256_GCM_SHA384 TLSv1.3 ..." */
        char *save = NULL, *hex = strtok_r(line, " \t", &save);
        char *d1 = field(&save, " \t"), *std = field(&save, " \t"), *d2 = field(&save, " \t"),
             *name = field(&save, " \t");
        if (!hex || !d1 || !std || !d2 || !name)
            continue;
        long code = byte_list_code(hex);
        const struct tlsd_suite *s = tlsd_suite_by_code((uint32_t)code);
        rows++;
        if (!s || strcmp(s->iana_name, std) != 0 || !s->openssl_name ||
            strcmp(s->openssl_name, name) != 0) {
            print_error("%s %s %s: registry has %s / %s\n", hex, std, name,
                        s ? s->iana_name : "nothing", s && s->openssl_name ? s->openssl_name : "-");
            bad++;
        }
    }
    assert_int_equal(pclose(p), 0);
    print_message("OpenSSL suites checked: %d\n", rows);
    assert_true(rows > 100);
    assert_int_equal(bad, 0);
}

static void gnutls(void **state)
{
    (void)state;
    FILE *p = popen("gnutls-cli --list", "r");
    assert_non_null(p);
    char line[512];
    int rows = 0, bad = 0;
    while (fgets(line, sizeof line, p)) {
        /* "TLS_RSA_NULL_MD5    0x00, 0x01    TLS1.0" */
        char *tab = strchr(line, '\t');
        if (strncmp(line, "TLS_", 4) != 0 || !tab)
            continue;
        char name[128];
        size_t nl = (size_t)(tab - line);
        while (nl > 0 && line[nl - 1] == ' ')
            nl--;
        snprintf(name, sizeof name, "%.*s", (int)nl, line);
        long code = byte_list_code(tab + 1);
        const struct tlsd_suite *s = tlsd_suite_by_code((uint32_t)code);
        rows++;
        if (!s || !s->gnutls_name || strcmp(s->gnutls_name, name) != 0 ||
            tlsd_suite_by_name(name) != s) {
            print_error("%s 0x%04lX: registry has %s\n", name, code,
                        s && s->gnutls_name ? s->gnutls_name : "-");
            bad++;
        }
    }
    assert_int_equal(pclose(p), 0);
    print_message("GnuTLS suites checked: %d\n", rows);
    assert_true(rows > 100);
    assert_int_equal(bad, 0);
}

static void windows_reference(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/reference/windows_default_suites.tsv", tu_shared());
    char *buf = tu_slurp(path, NULL);
    char **lines;
    size_t n = tu_lines(buf, &lines);
    int rows = 0, bad = 0;
    bool header = false;
    for (size_t i = 0; i < n; i++) {
        if (lines[i][0] == '#')
            continue;
        if (!header) {
            header = true;
            continue;
        }
        /* windows_version order iana_name base_name code_point ... */
        char *cols[6] = {0};
        char *p = lines[i];
        for (int c = 0; c < 6 && p; c++) {
            cols[c] = p;
            char *tab = strchr(p, '\t');
            if (tab)
                *tab = '\0';
            p = tab ? tab + 1 : NULL;
        }
        assert_non_null(cols[4]);
        /* code_point is "0xc02f", or "SSLv2:0x0700c0" for the SSLv2 kinds */
        const char *cp = strncmp(cols[4], "SSLv2:", 6) == 0 ? cols[4] + 6 : cols[4];
        long code = strtol(cp, NULL, 16);
        const struct tlsd_suite *s = tlsd_suite_by_name(cols[2]);
        rows++;
        if (!s || s->code != (uint32_t)code || !tlsd_name_in_list(s->windows_names, cols[2])) {
            print_error("%s: %s should be %s, registry says %s\n", cols[0], cols[2], cols[4],
                        s ? s->iana_name : "unknown");
            bad++;
        }
    }
    print_message("Windows reference rows checked: %d\n", rows);
    assert_true(rows > 800);
    assert_int_equal(bad, 0);
    free(lines);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testssl_mapping),
        cmocka_unit_test(local_openssl),
        cmocka_unit_test(gnutls),
        cmocka_unit_test(windows_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
