/* The explain knowledge base and matcher: every row of the shared reference tables (TLS alerts,
 * Schannel events, SSPI/Winsock codes, .NET exception texts) is explained through the library
 * API and names the right code; pasted text with noise; negative cases. */
#include "testutil.h"

#include <strings.h>

#include "tlsdiag/explain.h"
#include "tlsdiag/json.h"
#include "tlsdiag/registry.h"

#define MAX_FIELDS 12

/* Splits a TSV line in place, keeping empty fields; returns the field count. */
static size_t split_tabs(char *line, char **f)
{
    size_t n = 0;
    for (char *p = line; p && n < MAX_FIELDS;)
        f[n++] = strsep(&p, "\t");
    return n;
}

/* Calls fn on every data row of a reference table (comments and header skipped). */
static size_t each_row(const char *file, void (*fn)(char **f, size_t n, int *bad), int *bad)
{
    char path[512];
    snprintf(path, sizeof path, "%s/reference/%s", tu_shared(), file);
    char *buf = tu_slurp(path, NULL), **lines;
    size_t n = tu_lines(buf, &lines), rows = 0;
    bool header = true;
    for (size_t i = 0; i < n; i++) {
        char *f[MAX_FIELDS];
        if (lines[i][0] == '#')
            continue;
        size_t nf = split_tabs(lines[i], f);
        if (header) {
            header = false;
            continue;
        }
        fn(f, nf, bad);
        rows++;
    }
    free(lines);
    free(buf);
    return rows;
}

/* The best candidate for text, or NULL. */
static const struct tlsd_explain_entry *top(const char *text, struct tlsd_explain_match *out)
{
    struct tlsd_explain_result r;
    assert_int_equal(tlsd_explain_query(text, strlen(text), &r), 0);
    const struct tlsd_explain_entry *e = r.n ? r.matches[0].entry : NULL;
    if (out && r.n)
        *out = r.matches[0];
    tlsd_explain_result_free(&r);
    return e;
}

static void expect_top(const char *text, const char *key, int *bad)
{
    const struct tlsd_explain_entry *e = top(text, NULL);
    if (!e || strcmp(e->key, key) != 0) {
        print_error("'%s' -> %s, want %s\n", text, e ? e->key : "nothing", key);
        (*bad)++;
    }
}

static bool has_related(const struct tlsd_explain_entry *e, const char *key)
{
    for (size_t i = 0; i < e->n_related; i++)
        if (strcasecmp(e->related[i], key) == 0)
            return true;
    return false;
}

static void alert_row(char **f, size_t n, int *bad)
{
    /* code hex name status reference level_rule schannel_status_when_received typical_causes */
    assert_true(n >= 7);
    char key[32];
    snprintf(key, sizeof key, "alert:%s", f[0]);
    expect_top(f[0], key, bad);
    expect_top(f[2], key, bad);
    const struct tlsd_explain_entry *e = tlsd_explain_by_key(key);
    assert_non_null(e);
    assert_string_equal(e->name, f[2]);
    /* The SSPI status Windows reports for it received, e.g. "SEC_E_ILLEGAL_MESSAGE 0x80090326". */
    char *hex = strstr(f[6], "0x");
    if (hex) {
        char status[32];
        snprintf(status, sizeof status, "status:%.10s", hex);
        if (!has_related(e, status)) {
            print_error("%s lacks related %s\n", key, status);
            (*bad)++;
        }
    }
}

static void alerts_reference(void **state)
{
    (void)state;
    int bad = 0;
    size_t rows = each_row("tls_alerts.tsv", alert_row, &bad);
    assert_int_equal(rows, tlsd_alert_count());
    assert_int_equal(bad, 0);
}

static void event_row(char **f, size_t n, int *bad)
{
    /* id level fields message_gist logged_on_side carries_tls_alert causes fixes */
    assert_true(n >= 6);
    char key[32];
    snprintf(key, sizeof key, "event:%s", f[0]);
    expect_top(f[0], key, bad);
    const struct tlsd_explain_entry *e = tlsd_explain_by_key(key);
    assert_non_null(e);
    assert_true(strncmp(f[4], e->side, strlen(e->side)) == 0);
    assert_int_equal(e->carries_alert, strcmp(f[5], "Y") == 0);
}

static void events_reference(void **state)
{
    (void)state;
    int bad = 0;
    size_t rows = each_row("schannel_events.tsv", event_row, &bad);
    assert_int_equal(rows, 31);
    assert_int_equal(bad, 0);
}

static void status_row(char **f, size_t n, int *bad)
{
    /* hex name decimal_unsigned decimal_signed ... */
    assert_true(n >= 4);
    char key[32];
    snprintf(key, sizeof key, "status:0x%08lX", strtoul(f[0] + 2, NULL, 16));
    for (int i = 0; i < 4; i++)
        expect_top(f[i], key, bad);
    const struct tlsd_explain_entry *e = tlsd_explain_by_key(key);
    assert_non_null(e);
    assert_string_equal(e->name, f[1]);
}

static void status_reference(void **state)
{
    (void)state;
    int bad = 0;
    size_t rows = each_row("sspi_errors.tsv", status_row, &bad);
    assert_int_equal(rows, 53);
    assert_int_equal(bad, 0);
}

/* One piece of an exception text: placeholders such as {0} cut the text, the longest piece
 * stays. */
static void dotnet_piece(const char *text, const char *code, int *bad)
{
    char piece[512] = "";
    const char *p = text;
    while (*p) {
        size_t l = strcspn(p, "{");
        if (l > strlen(piece) && l < sizeof piece)
            snprintf(piece, sizeof piece, "%.*s", (int)l, p);
        p += l;
        p += strcspn(p, "}");
        p += *p == '}';
    }
    struct tlsd_explain_match m;
    const struct tlsd_explain_entry *e = top(piece, &m);
    if (!e || strcmp(e->source, "dotnet") != 0) {
        print_error("'%s' -> %s\n", piece, e ? e->key : "nothing");
        (*bad)++;
        return;
    }
    /* The underlying code the reference names is among the entry's related keys. */
    const char *hex = strstr(code, "0x");
    char status[32] = "";
    if (hex)
        snprintf(status, sizeof status, "status:%.10s", hex);
    else if (strstr(code, "WSAECONNRESET"))
        snprintf(status, sizeof status, "status:0x00002746");
    if (status[0] && !has_related(e, status)) {
        print_error("'%s' -> %s lacks related %s\n", piece, e->key, status);
        (*bad)++;
    }
}

static void dotnet_row(char **f, size_t n, int *bad)
{
    /* exception_text type framework underlying_code causes checks; " / " joins two texts */
    assert_true(n >= 4);
    char *text = f[0], *sep;
    while ((sep = strstr(text, " / "))) {
        *sep = '\0';
        dotnet_piece(text, f[3], bad);
        text = sep + 3;
    }
    dotnet_piece(text, f[3], bad);
}

static void dotnet_reference(void **state)
{
    (void)state;
    int bad = 0;
    size_t rows = each_row("dotnet_tls_exceptions.tsv", dotnet_row, &bad);
    assert_int_equal(rows, 16);
    assert_int_equal(bad, 0);
}

static void event_with_alert(void **state)
{
    (void)state;
    const char *forms[] = {"36888 40", "36888/40",
                           "Event ID 36888: The TLS protocol defined fatal "
                           "error code is 40. The Windows SChannel error "
                           "state is 1205."};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct tlsd_explain_match m = {0};
        const struct tlsd_explain_entry *e = top(forms[i], &m);
        assert_non_null(e);
        assert_string_equal(e->key, "event:36888");
        assert_int_equal(m.alert, 40);
        assert_string_equal(m.causes[0]->id, "no-common-cipher");
    }
    struct tlsd_explain_match m = {0};
    assert_non_null(top("36887 70", &m));
    assert_int_equal(m.alert, 70);
    assert_string_equal(m.causes[0]->id, "no-common-version");
}

static void noisy_paste(void **state)
{
    (void)state;
    int bad = 0;
    expect_top("[2026-11-27 08:04:02] 192.0.2.10:443 -> error\r\n  The client and server cannot "
               "communicate, because they do not\n   possess a common algorithm\n",
               "message:dotnet.common-algorithm", &bad);
    expect_top("Nov 27 08:04:02 host app[123]: curl: (60) SSL: no alternative certificate subject "
               "name matches target host name 'printer.example.com'",
               "message:curl.60-name", &bad);
    expect_top("javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
               "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
               "certification path to requested target",
               "message:java.pkix", &bad);
    expect_top("Exception calling \"GetResponse\" with \"0\" argument(s): \"The request was "
               "aborted: Could not create SSL/TLS\nsecure channel.\"",
               "message:dotnet.secure-channel", &bad);
    expect_top("HRESULT 0x80090331", "status:0x80090331", &bad);
    expect_top("AcceptSecurityContext failed: 80090326", "status:0x80090326", &bad);
    expect_top("800b0109", "status:0x800B0109", &bad);
    /* .NET 5+ names the alert in TlsAlertMessage spelling. */
    expect_top("Authentication failed because the remote party sent a TLS alert: 'UnknownCA'.",
               "alert:48", &bad);
    expect_top("decryption_failed", "alert:21", &bad);
    expect_top("DECRYPTION_FAILED_RESERVED", "alert:21", &bad);
    assert_int_equal(bad, 0);
}

static void negative(void **state)
{
    (void)state;
    const char *none[] = {"",
                          "   \n\t",
                          "hello world",
                          "99999",
                          "0xDEADBEEF",
                          "-1",
                          "2026-11-27 10:20:40 started service",
                          "1 2 3 4 5 6 7",
                          "0x",
                          "-",
                          "\xff\xfe\x80 binary"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        struct tlsd_explain_result r;
        assert_int_equal(tlsd_explain_query(none[i], strlen(none[i]), &r), 0);
        if (r.n)
            print_error("'%s' matched %s\n", none[i], r.matches[0].entry->key);
        assert_int_equal(r.n, 0);
        tlsd_explain_result_free(&r);
    }
    assert_null(tlsd_explain_by_key("alert:999"));
    assert_null(tlsd_explain_at(tlsd_explain_count()));
    assert_null(tlsd_explain_cause_at(tlsd_explain_cause_count()));
}

static void coverage_and_json(void **state)
{
    (void)state;
    size_t per_source[8] = {0};
    const char *sources[] = {"openssl", "java", "gnutls", "curl", "python"};
    for (size_t i = 0; i < tlsd_explain_count(); i++) {
        const struct tlsd_explain_entry *e = tlsd_explain_at(i);
        assert_true(e->n_causes > 0);
        assert_ptr_equal(tlsd_explain_by_key(e->key), e);
        for (size_t s = 0; s < 5; s++)
            per_source[s] += strcmp(e->source, sources[s]) == 0;
        json_t *j = tlsd_explain_entry_to_json(e);
        assert_non_null(j);
        json_decref(j);
    }
    size_t common = 0;
    for (size_t s = 0; s < 5; s++) {
        assert_true(per_source[s] >= 5);
        common += per_source[s];
    }
    assert_true(common >= 40);
    /* Every cause can be checked with a tlsdiag command and fixed on Windows and elsewhere. */
    for (size_t i = 0; i < tlsd_explain_cause_count(); i++) {
        const struct tlsd_explain_cause *c = tlsd_explain_cause_at(i);
        assert_true(c->n_checks > 0 && c->n_fix_windows > 0 && c->n_fix_other > 0);
        assert_true(strncmp(c->checks[0].command, "tlsdiag ", 8) == 0);
    }
}

static void every_pattern_finds_its_entry(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < tlsd_explain_count(); i++) {
        const struct tlsd_explain_entry *e = tlsd_explain_at(i);
        for (size_t k = 0; k < e->n_patterns; k++) {
            struct tlsd_explain_result r;
            const char *p = e->patterns[k] + (e->patterns[k][0] == '~');
            assert_int_equal(tlsd_explain_query(p, strlen(p), &r), 0);
            bool found = false;
            for (size_t m = 0; m < r.n; m++)
                found |= r.matches[m].entry == e;
            if (!found) {
                print_error("pattern '%s' does not find %s\n", p, e->key);
                bad++;
            }
            tlsd_explain_result_free(&r);
        }
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alerts_reference),
        cmocka_unit_test(events_reference),
        cmocka_unit_test(status_reference),
        cmocka_unit_test(dotnet_reference),
        cmocka_unit_test(event_with_alert),
        cmocka_unit_test(noisy_paste),
        cmocka_unit_test(negative),
        cmocka_unit_test(coverage_and_json),
        cmocka_unit_test(every_pattern_finds_its_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
