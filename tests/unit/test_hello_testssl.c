/* All real ClientHellos of testssl's client-simulation.txt parse, and each one's cipher
 * list and version range agree with that entry's ciphers / ciphersuites /
 * lowest_protocol / highest_protocol (names mapped through the registry). */
#include "codec_testutil.h"

#include "tlsdiag/hello.h"
#include "tlsdiag/record.h"
#include "tlsdiag/registry.h"

static bool in_list(const uint32_t *v, size_t n, uint32_t code)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == code)
            return true;
    return false;
}

/* Maps a colon list of names to codes; unknown names are reported. */
static size_t map_names(const char *list, uint32_t *codes, size_t max, const char *client, int *bad)
{
    size_t n = 0;
    char *copy = strdup(list ? list : "");
    for (char *save = NULL, *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        const struct tlsd_suite *s = tlsd_suite_by_name(t);
        if (!s) {
            printf("%s: cipher name %s not in the registry\n", client, t);
            (*bad)++;
        } else if (n < max) {
            codes[n++] = s->code;
        }
    }
    free(copy);
    return n;
}

/* Every named suite is offered, and every offered suite with an OpenSSL name is named:
 * testssl lists only the suites an OpenSSL client can name. */
static int check_suites(const struct tu_client *c, const struct tlsd_client_hello *ch)
{
    uint32_t want[1024];
    int bad = 0;
    size_t n = map_names(c->ciphers, want, 512, c->name, &bad);
    n += map_names(c->ciphersuites, want + n, 512, c->name, &bad);
    for (size_t i = 0; i < n; i++)
        if (!in_list(ch->suites, ch->n_suites, want[i])) {
            printf("%s: listed suite 0x%04X not in the hello\n", c->name, want[i]);
            bad++;
        }
    for (size_t i = 0; i < ch->n_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(ch->suites[i]);
        if (s && s->openssl_name && !in_list(want, n, ch->suites[i])) {
            printf("%s: offered suite 0x%04X (%s) not listed\n", c->name, ch->suites[i],
                   s->openssl_name);
            bad++;
        }
    }
    return bad;
}

/* testssl's lowest_protocol is the client's configured floor (its protos/tlsvers
 * fields), which the hello does not always show. Where the two disagree the hello is
 * right about what it offers; each such entry is listed with what the hello says. */
static const struct {
    const char *name;
    unsigned hello_lowest;
} lowest_quirks[] = {
    {"Opera 60 (Win 10)", 0x0301},       /* supported_versions 1.3..1.0; testssl: SSLv3 */
    {"Java 17.0.3 (OpenJDK)", 0x0303},   /* supported_versions 1.3, 1.2; testssl: TLS 1.0 */
    {"OpenSSL 1.1.1b (Debian)", 0x0303}, /* Debian MinProtocol=TLSv1.2; testssl: TLS 1.0 */
    {"OpenSSL 1.1.1d (Debian)", 0x0303}, /* same */
};

static bool lowest_quirk(const char *name, unsigned lo)
{
    for (size_t i = 0; i < sizeof lowest_quirks / sizeof lowest_quirks[0]; i++)
        if (strcmp(lowest_quirks[i].name, name) == 0)
            return lowest_quirks[i].hello_lowest == lo;
    return false;
}

/* TLS 1.3 drafts (0x7F00 + draft number) are TLS 1.3 for testssl. */
static unsigned norm_version(unsigned v)
{
    return (v & 0xff00) == 0x7f00 ? 0x0304 : v;
}

/* highest_protocol is the top of the offered range. lowest_protocol is visible in the
 * hello only through supported_versions (RFC 8446 4.2.1); without it the hello says
 * nothing below legacy_version, so the floor must just not exceed it. */
static int check_versions(const struct tu_client *c, const struct tlsd_client_hello *ch)
{
    uint16_t lo, hi;
    tlsd_client_hello_versions(ch, &lo, &hi);
    int bad = 0;
    if (norm_version(hi) != c->highest) {
        printf("%s: highest 0x%04X, testssl says 0x%04X\n", c->name, hi, c->highest);
        bad++;
    }
    bool ok = ch->has_versions ? norm_version(lo) == c->lowest || lowest_quirk(c->name, lo)
                               : c->lowest <= hi;
    if (!ok) {
        printf("%s: lowest 0x%04X, testssl says 0x%04X\n", c->name, lo, c->lowest);
        bad++;
    }
    return bad;
}

static void test_all_clients(void **state)
{
    (void)state;
    struct tu_client *clients;
    size_t n = tu_load_testssl(&clients);
    assert_int_equal(n, 162);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        struct tlsd_client_hello ch;
        struct tlsd_err err = {0};
        assert_non_null(clients[i].hello);
        enum tlsd_cerr e =
            tlsd_client_hello_parse_records(clients[i].hello, clients[i].hello_len, &ch, &err);
        if (e != TLSD_CERR_OK) {
            char msg[256];
            tlsd_err_format(&err, msg, sizeof msg);
            printf("%s: does not parse: %s\n", clients[i].name, msg);
            bad++;
        } else {
            bad += check_suites(&clients[i], &ch);
            bad += check_versions(&clients[i], &ch);
        }
        tlsd_client_hello_free(&ch);
    }
    tu_free_testssl(clients, n);
    assert_int_equal(bad, 0);
}

/* One parser, two feeders: each hello fed to the reassembler 7 bytes at a time comes
 * out as one message that parses to the same suite list. */
static void test_through_reassembler(void **state)
{
    (void)state;
    struct tu_client *clients;
    size_t n = tu_load_testssl(&clients);
    for (size_t i = 0; i < n; i++) {
        struct tlsd_client_hello a, b;
        struct tlsd_reasm r;
        struct tlsd_event ev;
        const struct tu_client *c = &clients[i];
        assert_int_equal(tlsd_client_hello_parse_records(c->hello, c->hello_len, &a, NULL),
                         TLSD_CERR_OK);
        tlsd_reasm_init(&r);
        size_t events = 0;
        for (size_t off = 0; off < c->hello_len; off += 7) {
            size_t k = c->hello_len - off < 7 ? c->hello_len - off : 7;
            assert_int_equal(tlsd_reasm_feed(&r, c->hello + off, k), TLSD_CERR_OK);
            while (tlsd_reasm_next(&r, &ev) == TLSD_CERR_OK) {
                bool v2 = ev.kind == TLSD_EV_SSL2;
                assert_true(v2 || ev.kind == TLSD_EV_HANDSHAKE);
                assert_int_equal(tlsd_client_hello_parse(ev.data, ev.len, v2, &b, NULL),
                                 TLSD_CERR_OK);
                assert_int_equal(b.n_suites, a.n_suites);
                assert_memory_equal(b.suites, a.suites, a.n_suites * sizeof *a.suites);
                tlsd_client_hello_free(&b);
                events++;
            }
        }
        assert_int_equal(events, 1);
        assert_int_equal(r.err.code, TLSD_CERR_OK);
        tlsd_reasm_free(&r);
        tlsd_client_hello_free(&a);
    }
    tu_free_testssl(clients, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_clients),
        cmocka_unit_test(test_through_reassembler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
