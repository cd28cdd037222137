/* lib/model/dotnet.c: the versions a .NET application offers (Microsoft, "Transport Layer
 * Security (TLS) best practices with the .NET Framework"), the profile keys that describe
 * one, and the typed .NET fixes (kind, ranking, rendered commands). Negative cases:
 * unknown names, a .NET profile without a Windows version or with its own versions, a
 * late or unknown base. */
#include "testutil.h"

#include "tlsdiag/dotnet.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/profile.h"

#define V_OLD    (TLSD_V_SSL3 | TLSD_V_TLS10)
#define V_STRONG (TLSD_V_TLS10 | TLSD_V_TLS11 | TLSD_V_TLS12)

static void names(void **state)
{
    (void)state;
    enum tlsd_dotnet_target t;
    assert_int_equal(tlsd_dotnet_target_from_name("4.5.2", &t), 0);
    assert_int_equal(t, TLSD_DOTNET_FX40);
    assert_int_equal(tlsd_dotnet_target_from_name("4.6.1", &t), 0);
    assert_int_equal(t, TLSD_DOTNET_FX46);
    assert_int_equal(tlsd_dotnet_target_from_name("4.8.1", &t), 0);
    assert_int_equal(t, TLSD_DOTNET_FX47);
    assert_int_equal(tlsd_dotnet_target_from_name("CORE", &t), 0);
    assert_int_equal(t, TLSD_DOTNET_CORE);
    /* every display name reads back */
    for (int i = TLSD_DOTNET_FX35; i <= TLSD_DOTNET_CORE; i++) {
        assert_int_equal(tlsd_dotnet_target_from_name(tlsd_dotnet_target_name(i), &t), 0);
        assert_int_equal(t, i);
    }
    assert_int_equal(tlsd_dotnet_target_from_name("4.9", &t), -1);
    assert_int_equal(tlsd_dotnet_target_from_name("", &t), -1);
    assert_int_equal(tlsd_dotnet_setting_from_name("schusestrongcrypto"),
                     TLSD_DOTNET_SCH_USE_STRONG_CRYPTO);
    assert_int_equal(tlsd_dotnet_setting_from_name("SchUseStrongCrypt"), 0);
    assert_string_equal(tlsd_dotnet_switch_name(TLSD_DOTNET_SYSTEM_DEFAULT_TLS),
                        "Switch.System.Net.DontEnableSystemDefaultTlsVersions");
    assert_string_equal(tlsd_dotnet_registry_version(TLSD_DOTNET_FX35), "v2.0.50727");
    assert_string_equal(tlsd_dotnet_registry_version(TLSD_DOTNET_FX46), "v4.0.30319");
}

static struct tlsd_dotnet on(const char *windows, enum tlsd_dotnet_target t, unsigned registry,
                             unsigned appcontext)
{
    struct tlsd_dotnet d = {.target = t, .registry = registry, .appcontext = appcontext};
    assert_int_equal(tlsd_dotnet_set_windows(&d, windows), 0);
    return d;
}

static void versions(void **state)
{
    (void)state;
    const unsigned S = TLSD_DOTNET_SCH_USE_STRONG_CRYPTO, D = TLSD_DOTNET_SYSTEM_DEFAULT_TLS;
    struct tlsd_dotnet d = on("windows-2012r2", TLSD_DOTNET_FX40, 0, 0);
    assert_string_equal(d.windows, "windows-8.1"); /* the alias resolved */
    assert_int_equal(tlsd_dotnet_versions(&d), V_OLD);
    d = on("windows-2012r2", TLSD_DOTNET_FX40, S, 0);
    assert_int_equal(tlsd_dotnet_versions(&d), V_STRONG);
    d = on("windows-2012r2", TLSD_DOTNET_FX40, S | D, 0);
    assert_int_equal(tlsd_dotnet_versions(&d), V_STRONG); /* OS defaults minus SSL 3.0 */
    d = on("windows-2012r2", TLSD_DOTNET_FX40, 0, S);     /* the AppContext switch */
    assert_int_equal(tlsd_dotnet_versions(&d), V_STRONG);
    /* 3.5: no AppContext; SchUseStrongCrypto alone changes nothing */
    d = on("windows-2016", TLSD_DOTNET_FX35, S, D);
    assert_int_equal(tlsd_dotnet_versions(&d), V_OLD);
    assert_false(tlsd_dotnet_has_appcontext(&d));
    d = on("windows-2016", TLSD_DOTNET_FX35, D, 0);
    assert_int_equal(tlsd_dotnet_versions(&d), V_STRONG); /* 1607 client defaults */
    /* Windows 7: TLS 1.1/1.2 only when asked for explicitly */
    d = on("windows-7", TLSD_DOTNET_FX46, 0, 0);
    assert_int_equal(tlsd_dotnet_versions(&d), V_STRONG);
    d = on("windows-7", TLSD_DOTNET_FX47, 0, 0);
    assert_int_equal(tlsd_dotnet_versions(&d), TLSD_V_TLS10);
    d = on("windows-2022", TLSD_DOTNET_CORE, 0, 0);
    assert_int_equal(tlsd_dotnet_versions(&d), V_STRONG | TLSD_V_TLS13);
    /* not a Windows profile */
    struct tlsd_dotnet x = {0};
    assert_int_equal(tlsd_dotnet_set_windows(&x, "openssl-3"), -1);
    assert_int_equal(tlsd_dotnet_set_windows(&x, "no-such"), -1);
    x.target = TLSD_DOTNET_NONE;
    assert_int_equal(tlsd_dotnet_versions(&x), 0);
}

static void parse(const char *text, struct tlsd_profile *p, int want)
{
    struct tlsd_profile_err err = {0};
    int rc = tlsd_profile_parse_text(text, strlen(text), TLSD_SIDE_ANY, p, &err);
    if (rc != want)
        fail_msg("'%s': rc %d (%s)", text, rc, err.msg);
}

static void profile_keys(void **state)
{
    (void)state;
    struct tlsd_profile p, q;
    /* strong cryptography drops RC4 from the Windows 7 list; 4.5 without keys keeps it */
    parse("name = a\nbase = windows-7\ndotnet = 4.6\n", &p, 0);
    assert_false(tlsd_profile_has_suite(&p, 0x0005));
    assert_int_equal(p.versions, V_STRONG);
    assert_false(p.supported_versions_ext);
    assert_string_equal(p.name, "a");
    parse("name = b\nbase = windows-7\ndotnet = 4.5\ndotnet_registry = none\n", &q, 0);
    assert_true(tlsd_profile_has_suite(&q, 0x0005));
    assert_int_equal(q.versions, V_OLD);
    /* the formatted profile reads back */
    char *text = tlsd_profile_format(&p);
    assert_non_null(text);
    parse(text, &q, 0);
    free(text);
    assert_int_equal(q.versions, p.versions);
    assert_int_equal(q.n_suites, p.n_suites);
    assert_int_equal(q.dotnet.target, TLSD_DOTNET_FX46);
    assert_string_equal(q.dotnet.windows, "windows-7");
    /* refused */
    parse("name = c\ndotnet = 4.5\n", &p, -1);
    parse("name = c\nbase = windows-2019\ndotnet = 4.5\nversions = TLSv1.2\n", &p, -1);
    parse("name = c\nbase = windows-2019\ndotnet_registry = SchUseStrongCrypto, Bogus\n", &p, -1);
    parse("name = c\nversions = TLSv1.2\nbase = windows-2019\n", &p, -1);
    parse("name = c\nbase = no-such-profile\n", &p, -1);
    parse("name = c\ndotnet_windows = openssl-3\n", &p, -1);
    /* a base that is not Windows is fine without .NET keys */
    parse("name = c\nbase = openssl-3\n", &p, 0);
}

static void fixes(void **state)
{
    (void)state;
    struct tlsd_profile c, s;
    struct tlsd_profile_err err = {0};
    assert_int_equal(tlsd_profile_builtin("dotnet-4.5-win2019", TLSD_SIDE_CLIENT, &c, &err), 0);
    parse("name = s\nside = server\nbase = windows-2022\nversions = TLSv1.2, TLSv1.3\n", &s, 0);
    struct tlsd_fix_list l;
    assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_CLIENT, 3, &l), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.fixes[0].dotnet, TLSD_DOTNET_FIX_REGISTRY);
    assert_int_equal(l.fixes[0].dotnet_settings,
                     TLSD_DOTNET_SCH_USE_STRONG_CRYPTO | TLSD_DOTNET_SYSTEM_DEFAULT_TLS);
    assert_int_equal(l.fixes[1].dotnet, TLSD_DOTNET_FIX_APPCONTEXT);
    assert_int_equal(l.fixes[2].dotnet, TLSD_DOTNET_FIX_RETARGET);
    assert_int_equal(l.fixes[0].after.version, 0x0303);
    struct tlsd_fix_steps st;
    assert_int_equal(tlsd_fix_render(&l.fixes[0], &c, &st), 0);
    assert_int_equal(st.n, 1);
    const char *t = st.v[0].text;
    assert_non_null(strstr(t, "reg add \"HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319\" /v "
                              "SchUseStrongCrypto /t REG_DWORD /d 1 /f"));
    assert_non_null(strstr(t, "reg add \"HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\"
                              "v4.0.30319\" /v SystemDefaultTlsVersions /t REG_DWORD /d 1 /f"));
    assert_null(strstr(t, "v2.0.50727"));
    bool restart = false;
    for (size_t i = 0; i < st.n_notes; i++)
        restart |= strstr(st.notes[i], "restart the application") != NULL;
    assert_true(restart);
    tlsd_fix_steps_free(&st);
    /* the profile after the fix offers TLS 1.0-1.2 */
    struct tlsd_profile after = c;
    tlsd_fix_apply(&l.fixes[0], &after);
    assert_int_equal(after.versions, V_STRONG);
    tlsd_fix_list_free(&l);
    /* SCH_USE_STRONG_CRYPTO: a 4.6 application cannot be told to turn RC4 on */
    parse("name = rc4\nside = server\nversions = TLSv1.2\nsuites = TLS_RSA_WITH_RC4_128_SHA\n", &s,
          0);
    assert_int_equal(tlsd_profile_builtin("dotnet-4.6-win7", TLSD_SIDE_CLIENT, &c, &err), 0);
    assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_CLIENT, 3, &l), 0);
    assert_int_equal(l.n, 0);
    tlsd_fix_list_free(&l);
    assert_int_equal(tlsd_profile_builtin("dotnet-4.5-win2019", TLSD_SIDE_CLIENT, &c, &err), 0);
    /* a server that accepts TLS 1.0: no failure, nothing to fix */
    assert_int_equal(tlsd_profile_builtin("windows-2019", TLSD_SIDE_SERVER, &s, &err), 0);
    assert_int_equal(tlsd_find_fixes(&c, &s, TLSD_SIDE_CLIENT, 3, &l), 0);
    tlsd_fix_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(names), cmocka_unit_test(versions),
                                       cmocka_unit_test(profile_keys), cmocka_unit_test(fixes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
