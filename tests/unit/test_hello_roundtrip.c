/* Build -> parse gives back the description, over thousands of generated hello specs
 * (seeded PRNG: versions, cipher lists, every extension, GREASE, padding, record
 * fragmentation, the SSLv2 format), plus the builder's refusals. */
#include "testutil.h"

#include "tlsdiag/hello.h"
#include "tlsdiag/registry.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) /* xorshift64*, uniform enough for test generation */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32) % n;
}

/* A 16-bit code that is neither GREASE nor one of the SCSVs (those are flags). */
static uint16_t plain_code(void)
{
    for (;;) {
        uint16_t c = (uint16_t)rnd(0x10000);
        if (!tlsd_is_grease(c) && c != TLSD_SUITE_TLS_EMPTY_RENEGOTIATION_INFO_SCSV &&
            c != TLSD_SUITE_TLS_FALLBACK_SCSV)
            return c;
    }
}

struct gen {
    struct tlsd_hello_spec s;
    uint32_t suites[80];
    uint8_t comp[4], pf[4], psk[3];
    uint16_t groups[12], sigalgs[12], sigcert[6], versions[6];
    struct tlsd_key_share_spec ks[3];
    uint8_t keybytes[3][64];
    char host[40];
    char alpn_buf[3][12];
    const char *alpn[3];
    struct tlsd_raw_ext extra[3];
    uint8_t extra_data[3][20];
};

static void gen_list16(struct tlsd_u16_list *l, uint16_t *buf, size_t max)
{
    l->n = rnd((uint32_t)max + 1);
    l->present = rnd(2);
    for (size_t i = 0; i < l->n; i++)
        buf[i] = plain_code();
    l->v = buf;
}

static void gen_list8(struct tlsd_u8_list *l, uint8_t *buf, size_t max, bool nonempty)
{
    l->n = rnd((uint32_t)max) + (nonempty ? 1 : 0);
    l->present = true;
    for (size_t i = 0; i < l->n; i++)
        buf[i] = (uint8_t)rnd(256);
    l->v = buf;
}

static const uint16_t keygroups[] = {0x001d, 0x001d, 0x001d, 0x0017, 0x001e, 0x0018, 0x0019};

static void gen_key_shares(struct gen *g)
{
    g->s.n_key_shares = rnd(4);
    for (size_t i = 0; i < g->s.n_key_shares; i++) {
        struct tlsd_key_share_spec *k = &g->ks[i];
        if (rnd(3) == 0) { /* bytes given for a group libcrypto may lack */
            k->group = (uint16_t)(0x6000 + i);
            k->len = 1 + rnd(64);
            for (size_t j = 0; j < k->len; j++)
                g->keybytes[i][j] = (uint8_t)rnd(256);
            k->key = g->keybytes[i];
        } else {
            k->group = rnd(60) == 0 ? 0x0100 : keygroups[rnd(7)];
        }
    }
    g->s.key_shares = g->ks;
    g->s.key_share_present = rnd(4) == 0;
}

static void gen_extensions(struct gen *g)
{
    struct tlsd_hello_spec *s = &g->s;
    if (rnd(2)) {
        snprintf(g->host, sizeof g->host, "h%u.example.com", rnd(100000));
        s->server_name = g->host;
    }
    if (rnd(2))
        gen_list16(&s->groups, g->groups, 12);
    if (rnd(2))
        gen_list8(&s->ec_point_formats, g->pf, 3, true);
    if (rnd(2))
        gen_list16(&s->sigalgs, g->sigalgs, 12);
    if (rnd(4) == 0)
        gen_list16(&s->sigalgs_cert, g->sigcert, 6);
    if (rnd(2))
        gen_list16(&s->versions, g->versions, 6);
    if (rnd(2))
        gen_key_shares(g);
    if (rnd(3) == 0)
        gen_list8(&s->psk_modes, g->psk, 2, false);
    s->renegotiation_info = rnd(2);
    s->extended_master_secret = rnd(2);
    s->encrypt_then_mac = rnd(2);
    s->session_ticket = rnd(2);
    s->status_request = rnd(2);
    if (rnd(3) == 0) {
        s->n_alpn = 1 + rnd(3);
        for (size_t i = 0; i < s->n_alpn; i++) {
            snprintf(g->alpn_buf[i], sizeof g->alpn_buf[i], "p%u", rnd(1000));
            g->alpn[i] = g->alpn_buf[i];
        }
        s->alpn = g->alpn;
    }
    s->n_extra = rnd(4);
    for (size_t i = 0; i < s->n_extra; i++) {
        g->extra[i].type = (uint16_t)(0x3000 + i);
        g->extra[i].len = rnd(20);
        for (size_t j = 0; j < g->extra[i].len; j++)
            g->extra_data[i][j] = (uint8_t)rnd(256);
        g->extra[i].data = g->extra_data[i];
    }
    s->extra = g->extra;
    s->empty_extensions = rnd(8) == 0;
    s->grease = rnd(3) == 0;
    s->grease_seed = rnd(16);
    s->padding = (enum tlsd_padding_mode)rnd(3);
    s->pad_target = 300 + rnd(1200);
    s->record_fragment = rnd(3) == 0 ? 40 + rnd(300) : 0;
}

static void gen_spec(struct gen *g)
{
    static const uint16_t tls_versions[] = {0x0300, 0x0301, 0x0302, 0x0303, 0x0303};
    static const uint16_t v2_versions[] = {0x0002, 0x0300, 0x0301, 0x0303};
    memset(g, 0, sizeof *g);
    struct tlsd_hello_spec *s = &g->s;
    bool v2 = rnd(10) == 0;
    s->format = v2 ? TLSD_HELLO_SSL2 : TLSD_HELLO_TLS;
    s->legacy_version = v2 ? v2_versions[rnd(4)] : tls_versions[rnd(5)];
    s->record_version = rnd(3) == 0 ? 0x0303 : 0;
    s->random_mode = TLSD_RANDOM_GIVEN;
    for (int i = 0; i < 32; i++)
        s->random[i] = (uint8_t)rnd(256);
    s->session_id_len = v2 ? 16 * rnd(2) : rnd(33);
    for (size_t i = 0; i < s->session_id_len; i++)
        s->session_id[i] = (uint8_t)rnd(256);
    s->ssl2_challenge_len = v2 ? 16 + rnd(17) : 0;
    s->n_suites = 1 + rnd(80);
    for (size_t i = 0; i < s->n_suites; i++)
        g->suites[i] = v2 && rnd(3) == 0 ? 0x010080 + 0x10000 * rnd(7) : plain_code();
    s->suites = g->suites;
    s->scsv = rnd(2);
    s->fallback_scsv = rnd(5) == 0;
    if (v2)
        return;
    if (rnd(4) == 0)
        gen_list8(&s->compression, g->comp, 3, true);
    gen_extensions(g);
}

static void check_u16(const uint16_t *got, size_t n_got, bool has, const struct tlsd_u16_list *want,
                      bool grease)
{
    bool wanted = want->present || want->n;
    assert_int_equal(has, wanted);
    if (!wanted)
        return;
    size_t off = grease ? 1 : 0;
    assert_int_equal(n_got, want->n + off);
    if (grease)
        assert_true(tlsd_is_grease(got[0]));
    for (size_t i = 0; i < want->n; i++)
        assert_int_equal(got[i + off], want->v[i]);
}

static void check_u8(const uint8_t *got, size_t n_got, bool has, const struct tlsd_u8_list *want)
{
    assert_int_equal(has, want->present || want->n);
    assert_int_equal(n_got, want->n);
    if (want->n)
        assert_memory_equal(got, want->v, want->n);
}

static size_t key_len(uint16_t group)
{
    switch (group) {
    case 0x001d:
        return 32;
    case 0x001e:
        return 56;
    case 0x0017:
        return 65;
    case 0x0018:
        return 97;
    case 0x0019:
        return 133;
    case 0x0100:
        return 256;
    default:
        return 0;
    }
}

static void check_key_shares(const struct tlsd_hello_spec *s, const struct tlsd_client_hello *ch)
{
    assert_int_equal(ch->has_key_share, s->n_key_shares || s->key_share_present);
    size_t off = s->grease && s->n_key_shares ? 1 : 0;
    assert_int_equal(ch->n_key_shares, s->n_key_shares + off);
    for (size_t i = 0; i < s->n_key_shares; i++) {
        const struct tlsd_key_share *k = &ch->key_shares[i + off];
        assert_int_equal(k->group, s->key_shares[i].group);
        if (s->key_shares[i].key) {
            assert_int_equal(k->len, s->key_shares[i].len);
            assert_memory_equal(k->key, s->key_shares[i].key, k->len);
        } else {
            assert_int_equal(k->len, key_len(k->group));
        }
    }
}

static void check_misc_exts(const struct tlsd_hello_spec *s, const struct tlsd_client_hello *ch)
{
    if (s->server_name)
        assert_string_equal(ch->server_name, s->server_name);
    else
        assert_null(ch->server_name);
    assert_int_equal(ch->has_renegotiation_info, s->renegotiation_info);
    assert_int_equal(ch->extended_master_secret, s->extended_master_secret);
    assert_int_equal(ch->encrypt_then_mac, s->encrypt_then_mac);
    assert_int_equal(ch->session_ticket, s->session_ticket);
    assert_int_equal(ch->status_request, s->status_request);
    assert_int_equal(ch->n_alpn, s->n_alpn);
    for (size_t i = 0; i < s->n_alpn; i++) {
        assert_int_equal(ch->alpn[i].len, strlen(s->alpn[i]));
        assert_memory_equal(ch->alpn[i].p, s->alpn[i], ch->alpn[i].len);
    }
    for (size_t i = 0; i < s->n_extra; i++) {
        bool found = false;
        for (size_t j = 0; j < ch->n_exts; j++)
            if (ch->exts[j].type == s->extra[i].type) {
                assert_int_equal(ch->exts[j].len, s->extra[i].len);
                if (s->extra[i].len)
                    assert_memory_equal(ch->exts[j].data, s->extra[i].data, s->extra[i].len);
                found = true;
            }
        assert_true(found);
    }
}

static void check_grease(const struct tlsd_hello_spec *s, const struct tlsd_client_hello *ch)
{
    unsigned want = 0;
    if (s->grease) {
        want = TLSD_GREASE_SUITE | TLSD_GREASE_EXTENSION;
        want |= s->groups.present || s->groups.n ? TLSD_GREASE_GROUP : 0;
        want |= s->versions.present || s->versions.n ? TLSD_GREASE_VERSION : 0;
        want |= s->sigalgs.present || s->sigalgs.n ? TLSD_GREASE_SIGALG : 0;
        want |= s->n_key_shares ? TLSD_GREASE_KEY_SHARE : 0;
    }
    assert_int_equal(ch->grease, want);
}

static void check_suites(const struct tlsd_hello_spec *s, const struct tlsd_client_hello *ch)
{
    size_t off = s->grease ? 1 : 0;
    assert_int_equal(ch->n_suites, off + s->n_suites + s->scsv + s->fallback_scsv);
    if (off)
        assert_true(tlsd_is_grease(ch->suites[0]));
    for (size_t i = 0; i < s->n_suites; i++)
        assert_int_equal(ch->suites[i + off], s->suites[i]);
    assert_int_equal(ch->scsv, s->scsv);
    assert_int_equal(ch->fallback_scsv, s->fallback_scsv);
}

static void check_header(const struct tlsd_hello_spec *s, const struct tlsd_client_hello *ch)
{
    assert_int_equal(ch->format, s->format);
    assert_int_equal(ch->legacy_version, s->legacy_version);
    assert_int_equal(ch->session_id_len, s->session_id_len);
    assert_memory_equal(ch->session_id, s->session_id, s->session_id_len);
    if (s->format == TLSD_HELLO_SSL2) {
        size_t cl = s->ssl2_challenge_len;
        uint8_t zero[32] = {0};
        assert_int_equal(ch->ssl2_challenge_len, cl);
        assert_memory_equal(ch->random, zero, 32 - cl);
        assert_memory_equal(ch->random + 32 - cl, s->random + 32 - cl, cl);
        assert_int_equal(ch->record_version, 0x0002);
        return;
    }
    assert_memory_equal(ch->random, s->random, 32);
    uint16_t rv = s->record_version            ? s->record_version
                  : s->legacy_version < 0x0301 ? s->legacy_version
                                               : 0x0301;
    assert_int_equal(ch->record_version, rv);
    bool comp = s->compression.present || s->compression.n;
    assert_int_equal(ch->n_compression, comp ? s->compression.n : 1);
}

static void check_padding(const struct tlsd_hello_spec *s, const struct tlsd_client_hello *ch)
{
    if (s->padding == TLSD_PAD_AVOID_256_511)
        assert_true(ch->msg_len < 256 || ch->msg_len >= 512);
    if (s->padding == TLSD_PAD_TO_SIZE)
        assert_int_equal(ch->msg_len, s->pad_target);
    if (s->padding == TLSD_PAD_NONE)
        assert_false(ch->has_padding);
}

static void check_roundtrip(const struct tlsd_hello_spec *s, const struct tlsd_client_hello *ch)
{
    check_header(s, ch);
    check_suites(s, ch);
    if (s->format == TLSD_HELLO_SSL2) {
        assert_false(ch->has_extensions);
        return;
    }
    check_u16(ch->groups, ch->n_groups, ch->has_groups, &s->groups, s->grease);
    check_u16(ch->sigalgs, ch->n_sigalgs, ch->has_sigalgs, &s->sigalgs, s->grease);
    check_u16(ch->sigalgs_cert, ch->n_sigalgs_cert, ch->has_sigalgs_cert, &s->sigalgs_cert, false);
    check_u16(ch->versions, ch->n_versions, ch->has_versions, &s->versions, s->grease);
    check_u8(ch->ec_point_formats, ch->n_ec_point_formats, ch->has_ec_point_formats,
             &s->ec_point_formats);
    check_u8(ch->psk_modes, ch->n_psk_modes, ch->has_psk_modes, &s->psk_modes);
    check_key_shares(s, ch);
    check_misc_exts(s, ch);
    check_grease(s, ch);
    check_padding(s, ch);
}

/* Padding to a size the hello already exceeds is refused, and only then. */
static void check_refusal(struct tlsd_hello_spec *s, enum tlsd_cerr e)
{
    uint8_t *m = NULL;
    size_t len;
    assert_int_equal(e, TLSD_CERR_BAD_SPEC);
    assert_int_equal(s->padding, TLSD_PAD_TO_SIZE);
    s->padding = TLSD_PAD_NONE;
    assert_int_equal(tlsd_hello_build(s, &m, &len, NULL, NULL), TLSD_CERR_OK);
    assert_true(len + 4 > s->pad_target && len != s->pad_target);
    free(m);
}

static void roundtrip_one(struct gen *g)
{
    uint8_t *msg = NULL, *rec = NULL;
    size_t mlen, rlen;
    enum tlsd_cerr e = tlsd_hello_build(&g->s, &msg, &mlen, &rec, &rlen);
    if (e != TLSD_CERR_OK) {
        check_refusal(&g->s, e);
        return;
    }
    struct tlsd_client_hello a, b;
    struct tlsd_err err = {0};
    bool v2 = g->s.format == TLSD_HELLO_SSL2;
    e = tlsd_client_hello_parse_records(rec, rlen, &a, &err);
    if (e != TLSD_CERR_OK) {
        char buf[200];
        tlsd_err_format(&err, buf, sizeof buf);
        fail_msg("built hello does not parse: %s", buf);
    }
    check_roundtrip(&g->s, &a);
    assert_int_equal(a.msg_len, mlen);
    assert_memory_equal(a.msg, msg, mlen);
    assert_int_equal(tlsd_client_hello_parse(msg, mlen, v2, &b, NULL), TLSD_CERR_OK);
    assert_int_equal(b.n_exts, a.n_exts);
    tlsd_client_hello_free(&a);
    tlsd_client_hello_free(&b);
    free(msg);
    free(rec);
}

static void test_generated(void **state)
{
    (void)state;
    rng_state = 0x9e3779b97f4a7c15ULL;
    struct gen *g = malloc(sizeof *g);
    for (int i = 0; i < 4000; i++) {
        gen_spec(g);
        roundtrip_one(g);
    }
    free(g);
}

static void test_every_key_share_group(void **state)
{
    (void)state;
    static const uint16_t groups[] = {0x001d, 0x001e, 0x0017, 0x0018, 0x0019,
                                      0x0100, 0x0101, 0x0102, 0x0103, 0x0104};
    static const size_t lens[] = {32, 56, 65, 97, 133, 256, 384, 512, 768, 1024};
    struct tlsd_key_share_spec ks[10];
    for (int i = 0; i < 10; i++)
        ks[i] = (struct tlsd_key_share_spec){.group = groups[i]};
    static const uint32_t suites[] = {0x1301};
    struct tlsd_hello_spec s = {.legacy_version = 0x0303, .suites = suites, .n_suites = 1};
    s.key_shares = ks;
    s.n_key_shares = 10;
    uint8_t *m;
    size_t len;
    struct tlsd_client_hello ch;
    assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_OK);
    assert_int_equal(tlsd_client_hello_parse(m, len, false, &ch, NULL), TLSD_CERR_OK);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ch.key_shares[i].len, lens[i]);
        if (i >= 2 && i < 5)
            assert_int_equal(ch.key_shares[i].key[0], 4); /* uncompressed point */
    }
    /* two builds give different keys and (auto) randoms */
    uint8_t *m2;
    size_t len2;
    s.n_key_shares = 1;
    struct tlsd_client_hello c2;
    assert_int_equal(tlsd_hello_build(&s, &m2, &len2, NULL, NULL), TLSD_CERR_OK);
    assert_int_equal(tlsd_client_hello_parse(m2, len2, false, &c2, NULL), TLSD_CERR_OK);
    assert_memory_not_equal(c2.key_shares[0].key, ch.key_shares[0].key, 32);
    assert_memory_not_equal(c2.random, ch.random, 32);
    tlsd_client_hello_free(&ch);
    tlsd_client_hello_free(&c2);
    free(m);
    free(m2);
}

static void test_builder_refusals(void **state)
{
    (void)state;
    static const uint32_t v2kind[] = {0x010080};
    static const uint32_t tls[] = {0x002f};
    uint8_t *m = NULL;
    size_t len;
    struct tlsd_hello_spec s = {.legacy_version = 0x0303, .suites = v2kind, .n_suites = 1};
    assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_BAD_SPEC);
    s.suites = tls;
    s.format = TLSD_HELLO_SSL2;
    s.server_name = "x"; /* no extensions in SSLv2 */
    assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_BAD_SPEC);
    s.server_name = NULL;
    s.ssl2_challenge_len = 15;
    assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_BAD_SPEC);
    s.format = TLSD_HELLO_TLS;
    s.session_id_len = 33;
    assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_BAD_SPEC);
    s.session_id_len = 0;
    struct tlsd_key_share_spec ks = {.group = 0x11ec}; /* no libcrypto key: bytes needed */
    s.key_shares = &ks;
    s.n_key_shares = 1;
    assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_BAD_SPEC);
    s.n_key_shares = 0;
    s.max_size = 50;
    s.padding = TLSD_PAD_TO_SIZE;
    s.pad_target = 60;
    assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_TOO_BIG);
    assert_null(m);
}

/* RFC 7685 / F5: every unpadded size in 256..511 is padded out of the range. */
static void test_f5_padding_range(void **state)
{
    (void)state;
    uint32_t suites[300];
    for (int i = 0; i < 300; i++)
        suites[i] = (uint32_t)(0x0100 + i);
    for (size_t n = 100; n < 260; n++) {
        struct tlsd_hello_spec s = {.legacy_version = 0x0303, .suites = suites, .n_suites = n};
        s.padding = TLSD_PAD_AVOID_256_511;
        uint8_t *m;
        size_t len;
        assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_OK);
        assert_true(len < 256 || len >= 512);
        if (n * 2 + 47 < 512)
            assert_true(len <= 515); /* padded no further than needed */
        free(m);
    }
}

/* TLS 1.3 resumption extensions given raw are decoded: cookie, early_data, and the
 * OfferedPsks of pre_shared_key (RFC 8446 4.2.2, 4.2.10, 4.2.11). */
static void test_psk_cookie_early_data(void **state)
{
    (void)state;
    static const uint32_t suites[] = {0x1301};
    static const uint8_t cookie[] = {0, 2, 'c', 'k'};
    static const uint8_t psk[] = {0,   15, 0, 1, 'a', 0, 0, 0, 1, 0, 2, 'b',
                                  'c', 0,  0, 0, 2,   0, 4, 1, 9, 1, 8};
    static const struct tlsd_raw_ext extra[] = {{44, cookie, 4}, {42, NULL, 0}, {41, psk, 23}};
    static const char *const alpn[] = {"\x3a\x3a", "h2"};
    struct tlsd_hello_spec s = {.legacy_version = 0x0303, .suites = suites, .n_suites = 1};
    s.alpn = alpn;
    s.n_alpn = 2;
    s.extra = extra;
    s.n_extra = 3;
    uint8_t *m;
    size_t len;
    struct tlsd_client_hello ch;
    assert_int_equal(tlsd_hello_build(&s, &m, &len, NULL, NULL), TLSD_CERR_OK);
    assert_int_equal(tlsd_client_hello_parse(m, len, false, &ch, NULL), TLSD_CERR_OK);
    assert_int_equal(ch.cookie_len, 2);
    assert_true(ch.early_data);
    assert_true(ch.has_pre_shared_key);
    assert_int_equal(ch.n_psk_identities, 2);
    assert_int_equal(ch.grease, TLSD_GREASE_ALPN);
    tlsd_client_hello_free(&ch);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_every_key_share_group),
        cmocka_unit_test(test_builder_refusals),
        cmocka_unit_test(test_f5_padding_range),
        cmocka_unit_test(test_psk_cookie_early_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
