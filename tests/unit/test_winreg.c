/* .reg parsing (lib/windows/winreg.c) and the effective Schannel configuration
 * (lib/windows/winreg_schannel.c): value types, escapes, continuation lines, deletions, later
 * files winning, key normalisation; malformed input refused with file:line. */
#include "testutil.h"

#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/winreg.h"

#define HDR "Windows Registry Editor Version 5.00\n\n"
/* The Group Policy key of the cipher suite and curve orders. */
#define SSL_POLICY                                                                                 \
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\"       \
    "00010002]\n"
#define SCH "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL"

static int apply(struct tlsd_reg *r, const char *text, struct tlsd_reg_err *e)
{
    return tlsd_reg_apply_text(r, text, strlen(text), "t.reg", e);
}

static void test_value_types(void **state)
{
    (void)state;
    struct tlsd_reg r = {0};
    struct tlsd_reg_err e;
    assert_int_equal(apply(&r,
                           HDR "[HKLM\\SOFTWARE\\T]\n"
                               "@=\"def\"\n"
                               "\"S\"=\"a\\\\b\\\"c\"\n"
                               "\"D\"=dword:ffffffff\n"
                               "\"B\"=hex:01,02 , 0a\n"
                               "\"M\"=hex(7):41,00,00,00,42,00,43,00,\\\n"
                               "  00,00,00,00\n"
                               "\"X\"=hex(2):25,00,41,00,00,00\n",
                           &e),
                     0);
    const struct tlsd_reg_value *v = tlsd_reg_find(&r, "SOFTWARE\\T", "");
    assert_non_null(v);
    assert_string_equal(v->key, "HKEY_LOCAL_MACHINE\\SOFTWARE\\T");
    char *s = tlsd_reg_string(v, ',');
    assert_string_equal(s, "def");
    free(s);
    s = tlsd_reg_string(tlsd_reg_find(&r, "T", "S"), ',');
    assert_string_equal(s, "a\\b\"c");
    free(s);
    uint32_t d = 0;
    assert_true(tlsd_reg_dword(tlsd_reg_find(&r, "T", "D"), &d));
    assert_int_equal(d, 0xffffffffu);
    v = tlsd_reg_find(&r, "T", "B");
    assert_int_equal(v->type, TLSD_REG_BINARY);
    assert_int_equal(v->len, 3);
    assert_int_equal(v->data[2], 0x0a);
    v = tlsd_reg_find(&r, "T", "M");
    assert_int_equal(v->type, TLSD_REG_MULTI_SZ);
    s = tlsd_reg_string(v, ',');
    assert_string_equal(s, "A,BC");
    free(s);
    s = tlsd_reg_string(tlsd_reg_find(&r, "T", "X"), ',');
    assert_string_equal(s, "%A");
    free(s);
    assert_false(tlsd_reg_dword(tlsd_reg_find(&r, "T", "B"), &d)); /* not a DWORD */
    assert_null(tlsd_reg_find(&r, "OTHER\\T", "S"));               /* a different key */
    assert_null(tlsd_reg_find(&r, "T", "missing"));
    tlsd_reg_free(&r);
}

static void test_deletions_and_order(void **state)
{
    (void)state;
    struct tlsd_reg r = {0};
    struct tlsd_reg_err e;
    assert_int_equal(apply(&r,
                           HDR SCH "\\Protocols\\TLS 1.0\\Server]\n\"Enabled\"=dword:0\n"
                                   "\"DisabledByDefault\"=dword:1\n" SCH
                                   "\\Ciphers\\NULL]\n\"Enabled\"=dword:0\n",
                           &e),
                     0);
    assert_int_equal(r.n, 3);
    /* a later file: one value deleted, one replaced, a whole key tree deleted */
    assert_int_equal(apply(&r,
                           "REGEDIT4\n" SCH "\\Protocols\\TLS 1.0\\Server]\n\"Enabled\"=-\n"
                           "\"DisabledByDefault\"=dword:00000000\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\"
                           "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Ciphers]\n",
                           &e),
                     0);
    assert_int_equal(r.n, 1);
    uint32_t d = 1;
    assert_true(tlsd_reg_dword(tlsd_reg_find(&r, "TLS 1.0\\Server", "DisabledByDefault"), &d));
    assert_int_equal(d, 0);
    assert_null(tlsd_reg_find(&r, "TLS 1.0\\Server", "Enabled"));
    tlsd_reg_free(&r);
}

static void test_controlset_and_case(void **state)
{
    (void)state;
    struct tlsd_reg r = {0};
    struct tlsd_reg_err e;
    assert_int_equal(
        apply(&r, HDR "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\X]\n\"v\"=dword:2\n",
              &e),
        0);
    assert_string_equal(r.v[0].key, "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\X");
    assert_non_null(tlsd_reg_find(&r, "system\\currentcontrolset\\control\\x", "V"));
    assert_null(tlsd_reg_find(&r, "ntrol\\X", "v")); /* only whole key names */
    tlsd_reg_free(&r);
}

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"hello\n", "t.reg:1: not a registry export"},
        {"", "empty file"},
        {HDR "\"v\"=dword:1\n", "t.reg:3: a value before any [KEY]"},
        {HDR "[HKLM\\A\n", "t.reg:3: a key line without its closing ']'"},
        {HDR "[HKLM\\A]\n\"v\"=dword:123456789\n", "t.reg:4: malformed value data"},
        {HDR "[HKLM\\A]\n\"v\"=hex:zz\n", "t.reg:4: malformed value data"},
        {HDR "[HKLM\\A]\n\"v\"=hex(7:41\n", "t.reg:4: malformed value data"},
        {HDR "[HKLM\\A]\n\"v=1\n", "t.reg:4: unterminated value name"},
        {HDR "[HKLM\\A]\n\"v\"=\"open\n", "t.reg:4: malformed value data"},
        {HDR "[HKLM\\A]\nv=1\n", "t.reg:4: expected a value"},
        {HDR "[HKLM\\A]\n\"v\" 1\n", "t.reg:4: expected '='"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tlsd_reg r = {0};
        struct tlsd_reg_err e = {{0}};
        assert_int_equal(apply(&r, bad[i].text, &e), -1);
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("case %zu: got '%s', want '%s'", i, e.msg, bad[i].msg);
        tlsd_reg_free(&r);
    }
}

static void test_state_from_values(void **state)
{
    (void)state;
    struct tlsd_reg r = {0};
    struct tlsd_reg_err e;
    /* 3DES off, TLS 1.3 asked for on a version without it, a policy order with an unknown
     * name and a suite the base lacks */
    assert_int_equal(apply(&r,
                           HDR SCH "\\Ciphers\\Triple DES 168]\n\"Enabled\"=dword:0\n" SCH
                                   "\\Protocols\\TLS 1.3\\Server]\n\"Enabled\"=dword:1\n"
                                   "\"DisabledByDefault\"=dword:0\n"
                                   "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\"
                                   "Cryptography\\Configuration\\SSL\\00010002]\n"
                                   "\"Functions\"=\"TLS_RSA_WITH_3DES_EDE_CBC_SHA,NOPE,"
                                   "TLS_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA\"\n",
                           &e),
                     0);
    struct tlsd_win_state *st = malloc(sizeof *st);
    assert_int_equal(tlsd_win_state_build(st, &r, "windows-2019", NULL, TLSD_SIDE_SERVER, &e), 0);
    assert_int_equal(st->profile.n_suites, 1);
    assert_int_equal(st->profile.suites[0], 0x002F);
    assert_int_equal(st->profile.versions, TLSD_V_TLS10 | TLSD_V_TLS11 | TLSD_V_TLS12);
    assert_true(st->profile.flags & TLSD_PF_POLICY_SUITE_ORDER);
    bool unknown = false, unsupported = false;
    for (size_t i = 0; i < st->n_lines; i++) {
        unknown |= strstr(st->lines[i].value, "NOPE: left out") != NULL;
        unsupported |=
            strstr(st->lines[i].value, "TLS_AES_128_GCM_SHA256: windows-10-1809") != NULL;
    }
    assert_true(unknown);
    assert_true(unsupported);
    /* no base given and none named: windows-2022, said to be assumed */
    assert_int_equal(tlsd_win_state_build(st, &r, NULL, NULL, TLSD_SIDE_SERVER, &e), 0);
    assert_string_equal(st->base, "windows-2022");
    assert_non_null(strstr(st->base_reason, "assumed"));
    assert_true(st->profile.versions & TLSD_V_TLS13);
    /* not a Windows profile */
    assert_int_equal(tlsd_win_state_build(st, &r, "openssl-3", NULL, TLSD_SIDE_SERVER, &e), -1);
    free(st);
    tlsd_reg_free(&r);
}

/* Before Windows 10 the curve is a suffix of the suite name: the order list's suffixes are
 * the side's groups (in list order), an unsuffixed ECDHE name is not taken, and the ECC
 * Curve Order values are not read; from Windows 10 the same export's curve order counts and
 * suffixed names still resolve. */
static void test_curves_by_release(void **state)
{
    (void)state;
    struct tlsd_reg r = {0};
    struct tlsd_reg_err e;
    assert_int_equal(apply(&r,
                           HDR SSL_POLICY
                           "\"Functions\"=\"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384,"
                           "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,"
                           "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P521,"
                           "TLS_RSA_WITH_AES_128_CBC_SHA\"\n"
                           "\"EccCurves\"=hex(7):4e,00,69,00,73,00,74,00,50,00,32,00,35,00,"
                           "36,00,00,00,00,00\n",
                           &e),
                     0);
    struct tlsd_win_state *st = malloc(sizeof *st);
    static const char *const pre10[] = {"windows-7", "windows-8.1"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(tlsd_win_state_build(st, &r, pre10[i], NULL, TLSD_SIDE_SERVER, &e), 0);
        assert_int_equal(st->profile.n_suites, 3);
        assert_int_equal(st->profile.suites[0], 0xC028);
        assert_int_equal(st->profile.suites[1], 0xC013);
        assert_int_equal(st->profile.n_groups, 2);
        assert_int_equal(st->profile.groups[0], 0x0018);
        assert_int_equal(st->profile.groups[1], 0x0019);
        bool unsuffixed = false, not_read = false;
        for (size_t k = 0; k < st->n_lines; k++) {
            unsuffixed |= strstr(st->lines[k].value, "_SHA: ") != NULL &&
                          strstr(st->lines[k].value, "curve suffix") != NULL;
            not_read |= strstr(st->lines[k].note, "is not read") != NULL;
        }
        assert_true(unsuffixed);
        assert_true(not_read);
    }
    assert_int_equal(tlsd_win_state_build(st, &r, "windows-2019", NULL, TLSD_SIDE_SERVER, &e), 0);
    assert_int_equal(st->profile.n_suites, 3); /* _P521 names the suite listed before it */
    assert_int_equal(st->profile.n_groups, 1);
    assert_int_equal(st->profile.groups[0], 0x0017);
    free(st);
    tlsd_reg_free(&r);
}

/* A fix on a side read from a pre-Windows 10 registry list writes that list back as it was
 * (each ECDHE suite with the curves it was listed with), plus the suite it adds. */
static void test_fix_keeps_listed_curves(void **state)
{
    (void)state;
    struct tlsd_reg r = {0};
    struct tlsd_reg_err e;
    assert_int_equal(apply(&r,
                           HDR SSL_POLICY
                           "\"Functions\"=\"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384,"
                           "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P256,"
                           "TLS_RSA_WITH_AES_128_CBC_SHA\"\n",
                           &e),
                     0);
    struct tlsd_win_state *st = malloc(sizeof *st);
    assert_int_equal(tlsd_win_state_build(st, &r, "windows-8.1", NULL, TLSD_SIDE_SERVER, &e), 0);
    struct tlsd_profile c;
    struct tlsd_profile_err perr;
    const char *printer = "versions = TLSv1.0\nsuites = TLS_RSA_WITH_3DES_EDE_CBC_SHA\n";
    assert_int_equal(tlsd_profile_parse_text(printer, strlen(printer), TLSD_SIDE_CLIENT, &c, &perr),
                     0);
    struct tlsd_fix_list l;
    assert_int_equal(tlsd_find_fixes(&c, &st->profile, TLSD_SIDE_SERVER, 1, &l), 0);
    assert_int_equal(l.n, 1);
    struct tlsd_fix_steps steps;
    assert_int_equal(tlsd_fix_render(&l.fixes[0], &st->profile, &steps), 0);
    const char *gpo = NULL;
    for (size_t i = 0; i < steps.n; i++)
        if (strcmp(steps.v[i].what, "GPO SSL Cipher Suite Order") == 0)
            gpo = steps.v[i].text;
    assert_non_null(gpo);
    assert_string_equal(gpo, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384,"
                             "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P256,"
                             "TLS_RSA_WITH_AES_128_CBC_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    tlsd_fix_steps_free(&steps);
    tlsd_fix_list_free(&l);
    /* shown in the profile's JSON */
    json_t *j = tlsd_profile_to_json(&st->profile);
    json_t *bound = json_object_get(json_object_get(j, "suite_curves"),
                                    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");
    assert_int_equal(json_array_size(bound), 1);
    assert_string_equal(json_string_value(json_array_get(bound, 0)), "secp384r1");
    assert_null(
        json_object_get(json_object_get(j, "suite_curves"), "TLS_RSA_WITH_AES_128_CBC_SHA"));
    json_decref(j);
    /* and the listed curves bind: a P-256-only client gets the suite listed with _P256,
     * not the server's first, listed with _P384 only */
    const char *p256 =
        "versions = TLSv1.2\ngroups = secp256r1\nsuites = "
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n";
    assert_int_equal(tlsd_profile_parse_text(p256, strlen(p256), TLSD_SIDE_CLIENT, &c, &perr), 0);
    struct tlsd_outcome o;
    tlsd_negotiate(&c, &st->profile, &o);
    assert_true(o.ok);
    assert_int_equal(o.suite, 0xC013);
    assert_int_equal(o.group, 0x0017);
    free(st);
    tlsd_reg_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_deletions_and_order),
        cmocka_unit_test(test_controlset_and_case),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_state_from_values),
        cmocka_unit_test(test_curves_by_release),
        cmocka_unit_test(test_fix_keeps_listed_curves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
