/* Malformed input: for valid messages (the testssl hellos, built hellos, and the
 * server messages a real openssl s_server sent, fixtures/server_msgs.txt), every
 * truncation and every length field set to 0, to its maximum and to its true value
 * +-1 yields an error, never a crash, leak or out-of-bounds read (ASan/UBSan).
 * A hello that fails after its version field is a partial result: internally
 * consistent (counts match arrays, every pointer inside the result's own copy of the
 * message), and for a truncated body a prefix of the whole message's result. */
#include "codec_testutil.h"

#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"

/* What to parse: a ClientHello in records, a handshake message, or an alert. */
enum kind { K_HELLO_RECORDS, K_HS, K_ALERT };

struct lenfield {
    size_t off;
    unsigned width;
    size_t value;
};

struct lenlog {
    struct lenfield f[512];
    size_t n;
};

static void log_length(void *ctx, size_t off, unsigned width, size_t value)
{
    struct lenlog *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (l->f[i].off == off)
            return;
    if (l->n < 512)
        l->f[l->n++] = (struct lenfield){off, width, value};
}

static bool inside(const void *p, size_t n, const uint8_t *msg, size_t msg_len)
{
    const uint8_t *q = p;
    return q && msg && q >= msg && n <= msg_len && (size_t)(q - msg) <= msg_len - n;
}

/* A result after an error: partial only after an error, arrays behind every count,
 * every pointer inside the result's copy of the message. */
static void check_ch_consistent(const struct tlsd_client_hello *ch, enum tlsd_cerr e)
{
    assert_true(!ch->partial || e != TLSD_CERR_OK);
    if (e != TLSD_CERR_OK && !ch->partial)
        return;
    assert_true(!ch->n_suites || ch->suites);
    assert_true(!ch->n_compression || ch->compression);
    assert_true(!ch->n_groups || ch->groups);
    assert_true(!ch->n_sigalgs || ch->sigalgs);
    assert_true(!ch->n_versions || ch->versions);
    assert_true(!ch->n_psk_modes || ch->psk_modes);
    assert_true(!ch->n_ec_point_formats || ch->ec_point_formats);
    assert_true(ch->session_id_len <= 32);
    for (size_t i = 0; i < ch->n_exts; i++)
        assert_true(inside(ch->exts[i].data, ch->exts[i].len, ch->msg, ch->msg_len));
    for (size_t i = 0; i < ch->n_key_shares; i++)
        assert_true(inside(ch->key_shares[i].key, ch->key_shares[i].len, ch->msg, ch->msg_len));
    for (size_t i = 0; i < ch->n_alpn; i++)
        assert_true(inside(ch->alpn[i].p, ch->alpn[i].len, ch->msg, ch->msg_len));
}

static void check_sh_consistent(const struct tlsd_server_hello *sh, enum tlsd_cerr e)
{
    assert_true(!sh->partial || e != TLSD_CERR_OK);
    if (e != TLSD_CERR_OK && !sh->partial)
        return;
    assert_true(sh->session_id_len <= 32);
    for (size_t i = 0; i < sh->n_exts; i++)
        assert_true(inside(sh->exts[i].data, sh->exts[i].len, sh->msg, sh->msg_len));
    assert_true(!sh->key_share || inside(sh->key_share, sh->key_share_len, sh->msg, sh->msg_len));
    assert_int_equal(sh->version,
                     sh->has_supported_version ? sh->supported_version : sh->legacy_version);
}

static enum tlsd_cerr parse(enum kind k, const uint8_t *b, size_t len,
                            const struct tlsd_hs_ctx *ctx, struct tlsd_err *err)
{
    enum tlsd_cerr e;
    if (k == K_HELLO_RECORDS) {
        struct tlsd_client_hello ch;
        e = tlsd_client_hello_parse_records(b, len, &ch, err);
        check_ch_consistent(&ch, e);
        tlsd_client_hello_free(&ch);
    } else if (k == K_HS) {
        struct tlsd_hs_msg m;
        e = tlsd_hs_parse(b, len, ctx, &m, err);
        if (m.type == TLSD_HS_CLIENT_HELLO)
            check_ch_consistent(&m.u.client_hello, e);
        else if (m.type == TLSD_HS_SERVER_HELLO)
            check_sh_consistent(&m.u.server_hello, e);
        tlsd_hs_msg_free(&m);
    } else {
        struct tlsd_alert_msg a;
        e = tlsd_alert_parse(b, len, &a, err);
    }
    return e;
}

/* Parses a copy of exactly len bytes, so ASan sees any read past the end. */
static enum tlsd_cerr parse_copy(enum kind k, const uint8_t *b, size_t len,
                                 const struct tlsd_hs_ctx *ctx)
{
    uint8_t *c = malloc(len ? len : 1);
    memcpy(c, b, len);
    struct tlsd_err err = {0};
    enum tlsd_cerr e = parse(k, c, len, ctx, &err);
    free(c);
    return e;
}

static void put_len(uint8_t *p, unsigned width, size_t v)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static size_t checked;

/* Returns the number of mutations that were accepted (should be 0). */
static int torture(const char *name, enum kind k, const uint8_t *b, size_t len,
                   const struct tlsd_hs_ctx *ctx)
{
    struct lenlog log = {.n = 0};
    struct tlsd_err err = {.length_hook = log_length, .hook_ctx = &log};
    int bad = 0;
    if (parse(k, b, len, ctx, &err) != TLSD_CERR_OK) {
        char msg[200];
        tlsd_err_format(&err, msg, sizeof msg);
        printf("%s: valid input does not parse: %s\n", name, msg);
        return 1;
    }
    for (size_t n = 0; n < len; n++, checked++)
        if (parse_copy(k, b, n, ctx) == TLSD_CERR_OK) {
            printf("%s: truncation to %zu bytes accepted\n", name, n);
            bad++;
        }
    uint8_t *m = malloc(len);
    for (size_t i = 0; i < log.n; i++) {
        const struct lenfield *f = &log.f[i];
        size_t max = ((size_t)1 << (8 * f->width)) - 1;
        size_t cands[4] = {0, max, f->value - 1, f->value + 1};
        for (int c = 0; c < 4; c++) {
            if (cands[c] == f->value || cands[c] > max)
                continue;
            memcpy(m, b, len);
            put_len(m + f->off, f->width, cands[c]);
            checked++;
            if (parse_copy(k, m, len, ctx) == TLSD_CERR_OK) {
                printf("%s: length at %zu set to %zu accepted\n", name, f->off, cands[c]);
                bad++;
            }
        }
    }
    free(m);
    return bad;
}

/* A copy of the first n bytes of a handshake message, its length field made to agree
 * (SSLv2 messages have none): the body ends early, the framing is intact. */
static uint8_t *cut_message(const uint8_t *msg, size_t n, bool sslv2)
{
    uint8_t *c = malloc(n ? n : 1);
    memcpy(c, msg, n);
    if (!sslv2)
        put_len(c + 1, 3, n - 4);
    return c;
}

static bool same_u16s(const uint16_t *a, size_t na, const uint16_t *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

/* Partial result of a cut ClientHello against the whole one: every field set is the
 * whole message's value; lists read whole or not at all, except the suites (whole
 * entries kept) and the extension list (whole extensions kept). */
static void check_ch_prefix(const struct tlsd_client_hello *p, const struct tlsd_client_hello *f)
{
    assert_int_equal(p->legacy_version, f->legacy_version);
    assert_true(p->n_suites <= f->n_suites);
    for (size_t i = 0; i < p->n_suites; i++)
        assert_int_equal(p->suites[i], f->suites[i]);
    assert_true(p->n_exts <= f->n_exts);
    for (size_t i = 0; i < p->n_exts; i++) {
        assert_int_equal(p->exts[i].type, f->exts[i].type);
        assert_int_equal(p->exts[i].len, f->exts[i].len);
    }
    assert_true(!p->server_name || strcmp(p->server_name, f->server_name) == 0);
    assert_true(!p->n_versions ||
                same_u16s(p->versions, p->n_versions, f->versions, f->n_versions));
    assert_true(!p->n_groups || same_u16s(p->groups, p->n_groups, f->groups, f->n_groups));
    assert_true(!p->n_sigalgs || same_u16s(p->sigalgs, p->n_sigalgs, f->sigalgs, f->n_sigalgs));
    assert_true(p->n_key_shares <= f->n_key_shares);
    assert_true(p->n_alpn <= f->n_alpn);
}

/* Every cut of the body of a valid ClientHello fails, but the one right before the
 * (optional, RFC 5246 7.4.1.2) extensions block; what was read before is kept. */
static size_t cut_client_hello(const struct tlsd_client_hello *full)
{
    bool v2 = full->format == TLSD_HELLO_SSL2;
    size_t partials = 0;
    for (size_t n = v2 ? 1 : 4; n < full->msg_len; n++) {
        uint8_t *c = cut_message(full->msg, n, v2);
        struct tlsd_client_hello p;
        struct tlsd_err err = {0};
        enum tlsd_cerr e = tlsd_client_hello_parse(c, n, v2, &p, &err);
        assert_int_equal(e, err.code);
        assert_true(e != TLSD_CERR_OK || (full->has_extensions && !p.has_extensions));
        check_ch_consistent(&p, e);
        if (p.partial || e == TLSD_CERR_OK) {
            check_ch_prefix(&p, full);
            partials++;
        }
        tlsd_client_hello_free(&p);
        free(c);
    }
    return partials;
}

static void test_partial_client_hellos(void **state)
{
    (void)state;
    struct tu_client *c;
    size_t n = tu_load_testssl(&c), partials = 0;
    for (size_t i = 0; i < n; i++) {
        struct tlsd_client_hello full;
        assert_int_equal(tlsd_client_hello_parse_records(c[i].hello, c[i].hello_len, &full, NULL),
                         TLSD_CERR_OK);
        assert_false(full.partial);
        partials += cut_client_hello(&full);
        tlsd_client_hello_free(&full);
    }
    tu_free_testssl(c, n);
    printf("%zu partial ClientHellos checked\n", partials);
    assert_true(partials > 1000);
}

static void test_testssl_hellos(void **state)
{
    (void)state;
    struct tu_client *c;
    size_t n = tu_load_testssl(&c);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += torture(c[i].name, K_HELLO_RECORDS, c[i].hello, c[i].hello_len, NULL);
    tu_free_testssl(c, n);
    printf("%zu malformed variants rejected\n", checked);
    assert_int_equal(bad, 0);
}

static void test_built_hellos(void **state)
{
    (void)state;
    static const uint32_t suites[] = {0x1301, 0xc02f, 0x002f, 0x010080, 0x0a0a};
    static const uint16_t groups[] = {0x001d, 0x0017}, sigs[] = {0x0403, 0x0804};
    static const uint16_t vers[] = {0x0304, 0x0303};
    static const uint8_t pf[] = {0}, psk[] = {1};
    static const char *const alpn[] = {"h2", "http/1.1"};
    static const struct tlsd_key_share_spec ks[] = {{.group = 0x001d}};
    /* RFC 8446 4.2.2 cookie, 4.2.11 OfferedPsks (one identity, one 32-byte binder) */
    static const uint8_t cookie[] = {0, 3, 'c', 'k', 'e'};
    static const uint8_t offered_psk[] = {
        0,  8,  0,  2,  'i', 'd', 0,  0,  0,  7,  0,  33, 32, 1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
        11, 12, 13, 14, 15,  16,  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    static const struct tlsd_raw_ext extra[] = {
        {0x3000, (const uint8_t *)"ab", 2},
        {44, cookie, sizeof cookie},
        {41, offered_psk, sizeof offered_psk},
    };
    int bad = 0;
    for (int v = 0; v < 8; v++) {
        struct tlsd_hello_spec s = {.legacy_version = 0x0303, .suites = suites, .n_suites = 3};
        if (v == 7) { /* SSLv2 format with an SSLv2 cipher kind */
            s.format = TLSD_HELLO_SSL2;
            s.legacy_version = 0x0301;
            s.n_suites = 4;
            s.session_id_len = 16;
        } else {
            s.server_name = "malformed.example";
            s.groups = (struct tlsd_u16_list){groups, 2, true};
            s.sigalgs = (struct tlsd_u16_list){sigs, 2, true};
            s.sigalgs_cert = (struct tlsd_u16_list){sigs, v & 1, true};
            s.versions = (struct tlsd_u16_list){vers, 2, true};
            s.ec_point_formats = (struct tlsd_u8_list){pf, 1, true};
            s.psk_modes = (struct tlsd_u8_list){psk, 1, true};
            s.key_shares = ks;
            s.n_key_shares = 1;
            s.alpn = alpn;
            s.n_alpn = 2;
            s.extra = extra;
            s.n_extra = 3;
            s.renegotiation_info = s.extended_master_secret = s.status_request = true;
            s.encrypt_then_mac = s.session_ticket = true;
            s.grease = v & 2;
            s.padding = v & 4 ? TLSD_PAD_TO_SIZE : TLSD_PAD_NONE;
            s.pad_target = 700;
            s.session_id_len = (size_t)v * 4;
        }
        uint8_t *rec;
        size_t len;
        assert_int_equal(tlsd_hello_build(&s, NULL, NULL, &rec, &len), TLSD_CERR_OK);
        char name[32];
        snprintf(name, sizeof name, "built hello %d", v);
        bad += torture(name, K_HELLO_RECORDS, rec, len, NULL);
        free(rec);
    }
    assert_int_equal(bad, 0);
}

struct fixture {
    char scenario[64], label[64];
    uint8_t *msg;
    size_t len;
};

static size_t load_fixtures(struct fixture **out)
{
    size_t len, n = 0;
    char file[1024];
    const char *src = getenv("TLSD_SRCDIR");
    snprintf(file, sizeof file, "%s/tests/unit/fixtures/server_msgs.txt", src ? src : ".");
    char *buf = tu_slurp(file, &len);
    char **lines;
    size_t nl = tu_lines(buf, &lines);
    struct fixture *f = calloc(nl + 1, sizeof *f);
    for (size_t i = 0; i < nl; i++) {
        char *save = NULL, *a = strtok_r(lines[i], "\t", &save);
        char *b = strtok_r(NULL, "\t", &save), *hex = strtok_r(NULL, "\t", &save);
        if (!a || !b || !hex)
            continue;
        snprintf(f[n].scenario, sizeof f[n].scenario, "%s", a);
        snprintf(f[n].label, sizeof f[n].label, "%s", b);
        f[n].msg = tu_unhex(hex, strlen(hex), &f[n].len);
        n++;
    }
    free(lines);
    free(buf);
    *out = f;
    return n;
}

/* The version and suite of a scenario: its last ServerHello that is not an HRR. */
static struct tlsd_hs_ctx scenario_ctx(const struct fixture *f, size_t n, const char *scenario)
{
    struct tlsd_hs_ctx ctx = {0};
    for (size_t i = 0; i < n; i++) {
        struct tlsd_server_hello sh;
        if (strcmp(f[i].scenario, scenario) || strcmp(f[i].label, "ServerHello"))
            continue;
        assert_int_equal(tlsd_server_hello_parse(f[i].msg, f[i].len, &sh, NULL), TLSD_CERR_OK);
        if (!sh.is_hrr)
            ctx = (struct tlsd_hs_ctx){sh.version, sh.suite};
        tlsd_server_hello_free(&sh);
    }
    return ctx;
}

/* Every cut of the body of a real ServerHello fails; fields read before are kept. */
static void test_partial_server_hellos(void **state)
{
    (void)state;
    struct fixture *f;
    size_t n = load_fixtures(&f), partials = 0;
    for (size_t i = 0; i < n; i++) {
        struct tlsd_server_hello full;
        if (strcmp(f[i].label, "ServerHello") != 0)
            continue;
        assert_int_equal(tlsd_server_hello_parse(f[i].msg, f[i].len, &full, NULL), TLSD_CERR_OK);
        for (size_t k = 4; k < f[i].len; k++) {
            uint8_t *c = cut_message(f[i].msg, k, false);
            struct tlsd_server_hello p;
            struct tlsd_err err = {0};
            enum tlsd_cerr e = tlsd_server_hello_parse(c, k, &p, &err);
            /* only the cut before the optional extensions block is a whole message */
            assert_true(e != TLSD_CERR_OK || (full.has_extensions && !p.has_extensions));
            check_sh_consistent(&p, e);
            if (p.partial || e == TLSD_CERR_OK) {
                partials++;
                assert_int_equal(p.legacy_version, full.legacy_version);
                assert_true(p.suite == 0 || p.suite == full.suite);
                assert_true(p.n_exts <= full.n_exts);
                assert_true(!p.has_supported_version ||
                            p.supported_version == full.supported_version);
            }
            tlsd_server_hello_free(&p);
            free(c);
        }
        tlsd_server_hello_free(&full);
    }
    for (size_t i = 0; i < n; i++)
        free(f[i].msg);
    free(f);
    printf("%zu partial ServerHellos checked\n", partials);
    assert_true(partials > 100);
}

static void test_server_messages(void **state)
{
    (void)state;
    struct fixture *f;
    size_t n = load_fixtures(&f);
    assert_true(n >= 40);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        struct tlsd_hs_ctx ctx = scenario_ctx(f, n, f[i].scenario);
        char name[160];
        snprintf(name, sizeof name, "%s %s", f[i].scenario, f[i].label);
        bool alert = strcmp(f[i].label, "Alert") == 0;
        bad += torture(name, alert ? K_ALERT : K_HS, f[i].msg, f[i].len, &ctx);
    }
    for (size_t i = 0; i < n; i++)
        free(f[i].msg);
    printf("%zu malformed variants rejected in all\n", checked);
    free(f);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_testssl_hellos),        cmocka_unit_test(test_built_hellos),
        cmocka_unit_test(test_server_messages),       cmocka_unit_test(test_partial_client_hellos),
        cmocka_unit_test(test_partial_server_hellos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
