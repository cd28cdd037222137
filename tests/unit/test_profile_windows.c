/* Every built-in Windows profile equals the reference tables row by row:
 * ../shared/reference/windows_default_suites.tsv (enabled_by_default=yes rows in
 * 'order', minus NULL-cipher rows Schannel uses only on explicit request and PSK rows)
 * and windows_default_protocols.tsv (the Server columns marked Enabled). The rules
 * are those of data/tools/build_windows_profiles.py; this test reads the reference
 * itself, so a stale or hand-edited data/profiles/windows.profiles fails. */
#include "testutil.h"

#include "tlsdiag/profile.h"
#include "tlsdiag/suitelist.h"

/* Profile name -> row of the protocols table (the suites table row is the profile's
 * description minus " defaults"). */
static const struct {
    const char *profile, *proto_row;
} proto_rows[] = {
    {"windows-vista", "Windows Vista/Windows Server 2008"},
    {"windows-7", "Windows 7/Windows Server 2008 R2"},
    {"windows-8", "Windows 8/Windows Server 2012"},
    {"windows-8.1", "Windows 8.1/Windows Server 2012 R2"},
    {"windows-10-1507", "Windows 10, version 1507"},
    {"windows-10-1511", "Windows 10, version 1511"},
    {"windows-10-1607", "Windows 10, version 1607/Windows Server 2016 Standard"},
    {"windows-10-1703", "Windows 10, version 1703"},
    {"windows-10-1709", "Windows 10, version 1709"},
    {"windows-10-1803", "Windows 10, version 1803"},
    {"windows-10-1809", "Windows 10, version 1809/Windows Server 2019"},
    {"windows-10-1903", "Windows 10, version 1903"},
    {"windows-10-20h2", "Windows 10, version 20H2"},
    {"windows-10-22h2", "Windows 10, version 22H2"},
    {"windows-11-21h2", "Windows 11, version 21H2"},
    {"windows-11", "Windows 11, version 22H2"},
    {"windows-2022", "Windows Server 2022"},
    {"windows-2022-23h2", "Windows Server 2022"},
    {"windows-2025", "Windows Server 2025"},
};

static char **fields(char *line, size_t *n)
{
    static char *f[32];
    *n = 0;
    for (char *p = line; *n < 32;) {
        f[(*n)++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return f;
}

static int col(char **hdr, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(hdr[i], name) == 0)
            return (int)i;
    fail_msg("no column %s", name);
    return -1;
}

/* Expected suite codes of one version (first occurrence of each code, by order). */
static size_t expected_suites(const char *version, bool drop_23h2, uint32_t *codes)
{
    char path[512];
    snprintf(path, sizeof path, "%s/reference/windows_default_suites.tsv", tu_shared());
    char *buf = tu_slurp(path, NULL), **lines;
    size_t nl = tu_lines(buf, &lines), nh = 0, nc = 0;
    char *hdr_line = NULL;
    uint32_t by_order[256] = {0};
    for (size_t i = 0; i < nl; i++) {
        if (lines[i][0] == '#')
            continue;
        if (!hdr_line) {
            hdr_line = lines[i];
            continue;
        }
    }
    char **h = fields(hdr_line, &nh), *hdr[32];
    memcpy(hdr, h, nh * sizeof *h);
    int cv = col(hdr, nh, "windows_version"), co = col(hdr, nh, "order"),
        cn = col(hdr, nh, "iana_name"), ce = col(hdr, nh, "enabled_by_default"),
        cx = col(hdr, nh, "only_if_app_explicitly_requests");
    for (size_t i = 0; i < nl; i++) {
        if (lines[i][0] == '#' || lines[i] == hdr_line)
            continue;
        size_t nf;
        char **f = fields(lines[i], &nf);
        if (nf < nh || strcmp(f[cv], version) != 0 || strcmp(f[ce], "yes") != 0 ||
            strcmp(f[cx], "yes") == 0 || strstr(f[cn], "_PSK_"))
            continue;
        if (drop_23h2 && (strcmp(f[cn], "TLS_RSA_WITH_3DES_EDE_CBC_SHA") == 0 ||
                          strcmp(f[cn], "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384") == 0 ||
                          strcmp(f[cn], "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256") == 0))
            continue;
        uint32_t code;
        const struct tlsd_suite *s;
        if (tlsd_suite_resolve(f[cn], strlen(f[cn]), &code, &s) != TLSD_TOKEN_OK)
            fail_msg("reference name %s does not resolve", f[cn]);
        int ord = atoi(f[co]);
        assert_true(ord > 0 && ord < 256);
        by_order[ord] = code;
    }
    for (int o = 1; o < 256; o++) {
        bool dup = false;
        for (size_t k = 0; k < nc; k++)
            dup |= codes[k] == by_order[o];
        if (by_order[o] && !dup)
            codes[nc++] = by_order[o];
    }
    free(lines);
    free(buf);
    return nc;
}

static unsigned expected_versions(const char *row)
{
    char path[512];
    snprintf(path, sizeof path, "%s/reference/windows_default_protocols.tsv", tu_shared());
    char *buf = tu_slurp(path, NULL), **lines;
    size_t nl = tu_lines(buf, &lines), nh = 0;
    char *hdr[32] = {0};
    unsigned set = 0;
    bool found = false;
    static const struct {
        const char *col;
        unsigned bit;
    } cols[] = {{"SSL3 Server", TLSD_V_SSL3},
                {"TLS 1.0 Server", TLSD_V_TLS10},
                {"TLS 1.1 Server", TLSD_V_TLS11},
                {"TLS 1.2 Server", TLSD_V_TLS12},
                {"TLS 1.3 Server", TLSD_V_TLS13}};
    for (size_t i = 0; i < nl; i++) {
        if (lines[i][0] == '#')
            continue;
        size_t nf;
        char **f = fields(lines[i], &nf);
        if (!hdr[0]) {
            memcpy(hdr, f, nf * sizeof *f);
            nh = nf;
            continue;
        }
        if (strcmp(f[0], row) != 0)
            continue;
        found = true;
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
            if (strncmp(f[col(hdr, nh, cols[k].col)], "Enabled", 7) == 0)
                set |= cols[k].bit;
    }
    if (!found)
        fail_msg("protocols table has no row %s", row);
    free(lines);
    free(buf);
    return set;
}

static void every_windows_profile(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < tlsd_builtin_profile_count(); i++) {
        const struct tlsd_builtin_profile *b = tlsd_builtin_profile_at(i);
        if (strcmp(b->family, "windows") != 0)
            continue;
        const char *row = NULL;
        for (size_t k = 0; k < sizeof proto_rows / sizeof proto_rows[0]; k++)
            if (strcmp(proto_rows[k].profile, b->name) == 0)
                row = proto_rows[k].proto_row;
        if (!row)
            fail_msg("%s: not in this test's table", b->name);
        struct tlsd_profile p;
        struct tlsd_profile_err err;
        if (tlsd_profile_builtin(b->name, TLSD_SIDE_SERVER, &p, &err) < 0)
            fail_msg("%s: %s", b->name, err.msg);
        bool is23h2 = strcmp(b->name, "windows-2022-23h2") == 0;
        char version[sizeof p.description];
        snprintf(version, sizeof version, "%s", p.description);
        char *cut = strstr(version, is23h2 ? " 23H2 and later defaults" : " defaults");
        assert_non_null(cut);
        *cut = '\0';
        uint32_t want[256];
        size_t n = expected_suites(version, is23h2, want);
        if (n != p.n_suites)
            fail_msg("%s: %zu suites, reference has %zu", b->name, p.n_suites, n);
        for (size_t k = 0; k < n; k++)
            if (want[k] != p.suites[k])
                fail_msg("%s: row %zu is 0x%04X, reference 0x%04X", b->name, k + 1,
                         (unsigned)p.suites[k], (unsigned)want[k]);
        assert_int_equal(p.versions, expected_versions(row));
        assert_int_equal(p.impl, TLSD_IMPL_SCHANNEL);
        assert_int_equal(tlsd_profile_pref(&p), TLSD_PREF_SERVER);
        checked++;
    }
    assert_int_equal(checked, sizeof proto_rows / sizeof proto_rows[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_windows_profile)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
