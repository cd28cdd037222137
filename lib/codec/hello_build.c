/* ClientHello builder: a struct tlsd_hello_spec in, wire bytes out (see hello.h).
 * Everything goes through the one writer; key shares are real libcrypto keys. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_internal.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/record.h"

/* RFC 8701 2: 0x0A0A, 0x1A1A, ... 0xFAFA; idx picks distinct values per field. */
static uint16_t grease_value(const struct tlsd_hello_spec *s, unsigned idx)
{
    return (uint16_t)(0x0a0a + 0x1010 * ((s->grease_seed + idx) % 16));
}

struct group_alg {
    uint16_t group;
    const char *alg, *name;
};

/* RFC 8446 4.2.7 named groups libcrypto can make keys for. */
static const struct group_alg group_algs[] = {
    {TLSD_GROUP_SECP256R1, "EC", "P-256"},     {TLSD_GROUP_SECP384R1, "EC", "P-384"},
    {TLSD_GROUP_SECP521R1, "EC", "P-521"},     {TLSD_GROUP_X25519, "X25519", NULL},
    {TLSD_GROUP_X448, "X448", NULL},           {TLSD_GROUP_FFDHE2048, "DH", "ffdhe2048"},
    {TLSD_GROUP_FFDHE3072, "DH", "ffdhe3072"}, {TLSD_GROUP_FFDHE4096, "DH", "ffdhe4096"},
    {TLSD_GROUP_FFDHE6144, "DH", "ffdhe6144"}, {TLSD_GROUP_FFDHE8192, "DH", "ffdhe8192"},
};

static EVP_PKEY *keygen(const struct group_alg *g)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->alg, NULL);
    if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0)
        goto out;
    if (g->name) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->name, 0),
            OSSL_PARAM_construct_end(),
        };
        if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
            goto out;
    }
    if (EVP_PKEY_generate(ctx, &pkey) <= 0)
        pkey = NULL;
out:
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* RFC 8446 4.2.8.1-2: the encoded public key (DH left-padded to the size of p, EC an
 * uncompressed point, X25519/X448 the raw u-coordinate). */
static enum tlsd_cerr write_generated_key(struct tlsd_wr *w, uint16_t group)
{
    const struct group_alg *g = NULL;
    for (size_t i = 0; i < sizeof group_algs / sizeof group_algs[0]; i++)
        if (group_algs[i].group == group)
            g = &group_algs[i];
    if (!g)
        return TLSD_CERR_BAD_SPEC; /* no libcrypto key for this group: give the bytes */
    EVP_PKEY *pkey = keygen(g);
    unsigned char *pub = NULL;
    size_t n = pkey ? EVP_PKEY_get1_encoded_public_key(pkey, &pub) : 0;
    EVP_PKEY_free(pkey);
    if (!n) {
        OPENSSL_free(pub);
        return TLSD_CERR_CRYPTO;
    }
    tlsd_wr_open_vec16(w);
    tlsd_wr_bytes(w, pub, n);
    tlsd_wr_close_vec(w);
    OPENSSL_free(pub);
    return TLSD_CERR_OK;
}

static void u16_list(struct tlsd_wr *w, const struct tlsd_u16_list *l, bool grease, uint16_t g)
{
    if (grease)
        tlsd_wr_u16(w, g);
    for (size_t i = 0; i < l->n; i++)
        tlsd_wr_u16(w, l->v[i]);
}

static bool list_wanted(const struct tlsd_u16_list *l)
{
    return l->present || l->n;
}

static bool u8_wanted(const struct tlsd_u8_list *l)
{
    return l->present || l->n;
}

static void ext_u16_list(struct tlsd_wr *w, uint16_t type, const struct tlsd_u16_list *l,
                         bool grease, uint16_t g, bool len8)
{
    if (!list_wanted(l))
        return;
    tlsd_wr_u16(w, type);
    tlsd_wr_open_vec16(w);
    len8 ? tlsd_wr_open_vec8(w) : tlsd_wr_open_vec16(w);
    u16_list(w, l, grease, g);
    tlsd_wr_close_vec(w);
    tlsd_wr_close_vec(w);
}

static void ext_u8_list(struct tlsd_wr *w, uint16_t type, const struct tlsd_u8_list *l)
{
    if (!u8_wanted(l))
        return;
    tlsd_wr_u16(w, type);
    tlsd_wr_open_vec16(w);
    tlsd_wr_open_vec8(w);
    tlsd_wr_bytes(w, l->v, l->n);
    tlsd_wr_close_vec(w);
    tlsd_wr_close_vec(w);
}

static void ext_empty(struct tlsd_wr *w, uint16_t type, bool on)
{
    if (!on)
        return;
    tlsd_wr_u16(w, type);
    tlsd_wr_u16(w, 0);
}

/* RFC 6066 3. */
static void ext_server_name(struct tlsd_wr *w, const char *name)
{
    if (!name)
        return;
    tlsd_wr_u16(w, TLSD_EXT_SERVER_NAME);
    tlsd_wr_open_vec16(w);
    tlsd_wr_open_vec16(w);
    tlsd_wr_u8(w, 0); /* host_name */
    tlsd_wr_open_vec16(w);
    tlsd_wr_bytes(w, name, strlen(name));
    tlsd_wr_close_vec(w);
    tlsd_wr_close_vec(w);
    tlsd_wr_close_vec(w);
}

/* RFC 6066 8: ocsp with no responder ids and no request extensions. */
static void ext_status_request(struct tlsd_wr *w, bool on)
{
    if (!on)
        return;
    tlsd_wr_u16(w, TLSD_EXT_STATUS_REQUEST);
    tlsd_wr_open_vec16(w);
    tlsd_wr_u8(w, 1);
    tlsd_wr_u16(w, 0);
    tlsd_wr_u16(w, 0);
    tlsd_wr_close_vec(w);
}

/* RFC 7301 3.1. */
static void ext_alpn(struct tlsd_wr *w, const struct tlsd_hello_spec *s)
{
    if (!s->n_alpn)
        return;
    tlsd_wr_u16(w, TLSD_EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION);
    tlsd_wr_open_vec16(w);
    tlsd_wr_open_vec16(w);
    for (size_t i = 0; i < s->n_alpn; i++) {
        tlsd_wr_open_vec8(w);
        tlsd_wr_bytes(w, s->alpn[i], strlen(s->alpn[i]));
        tlsd_wr_close_vec(w);
    }
    tlsd_wr_close_vec(w);
    tlsd_wr_close_vec(w);
}

/* RFC 8446 4.2.8; a GREASE share is one zero byte (RFC 8701 3.1). */
static enum tlsd_cerr ext_key_share(struct tlsd_wr *w, const struct tlsd_hello_spec *s)
{
    if (!s->n_key_shares && !s->key_share_present)
        return TLSD_CERR_OK;
    tlsd_wr_u16(w, TLSD_EXT_KEY_SHARE);
    tlsd_wr_open_vec16(w);
    tlsd_wr_open_vec16(w);
    if (s->grease && s->n_key_shares) {
        tlsd_wr_u16(w, grease_value(s, 1));
        tlsd_wr_u16(w, 1);
        tlsd_wr_u8(w, 0);
    }
    for (size_t i = 0; i < s->n_key_shares; i++) {
        const struct tlsd_key_share_spec *ks = &s->key_shares[i];
        tlsd_wr_u16(w, ks->group);
        if (ks->key) {
            tlsd_wr_open_vec16(w);
            tlsd_wr_bytes(w, ks->key, ks->len);
            tlsd_wr_close_vec(w);
        } else {
            TLSD_TRY(write_generated_key(w, ks->group));
        }
    }
    tlsd_wr_close_vec(w);
    tlsd_wr_close_vec(w);
    return TLSD_CERR_OK;
}

static void ext_renegotiation_info(struct tlsd_wr *w, bool on)
{
    if (!on)
        return;
    tlsd_wr_u16(w, TLSD_EXT_RENEGOTIATION_INFO);
    tlsd_wr_u16(w, 1);
    tlsd_wr_u8(w, 0); /* empty renegotiated_connection (RFC 5746 3.4) */
}

static void ext_raw(struct tlsd_wr *w, uint16_t type, const void *data, size_t len)
{
    tlsd_wr_u16(w, type);
    tlsd_wr_open_vec16(w);
    tlsd_wr_bytes(w, data, len);
    tlsd_wr_close_vec(w);
}

static bool has_extensions(const struct tlsd_hello_spec *s)
{
    return s->server_name || list_wanted(&s->groups) || u8_wanted(&s->ec_point_formats) ||
           list_wanted(&s->sigalgs) || list_wanted(&s->sigalgs_cert) || list_wanted(&s->versions) ||
           s->n_key_shares || s->key_share_present || u8_wanted(&s->psk_modes) ||
           s->renegotiation_info || s->extended_master_secret || s->encrypt_then_mac ||
           s->session_ticket || s->status_request || s->n_alpn || s->n_extra ||
           s->empty_extensions || s->grease || s->padding != TLSD_PAD_NONE;
}

static enum tlsd_cerr write_extensions(struct tlsd_wr *w, const struct tlsd_hello_spec *s)
{
    if (s->grease)
        ext_empty(w, grease_value(s, 2), true);
    ext_server_name(w, s->server_name);
    ext_status_request(w, s->status_request);
    ext_u16_list(w, TLSD_EXT_SUPPORTED_GROUPS, &s->groups, s->grease, grease_value(s, 1), false);
    ext_u8_list(w, TLSD_EXT_EC_POINT_FORMATS, &s->ec_point_formats);
    ext_u16_list(w, TLSD_EXT_SIGNATURE_ALGORITHMS, &s->sigalgs, s->grease, grease_value(s, 4),
                 false);
    ext_u16_list(w, TLSD_EXT_SIGNATURE_ALGORITHMS_CERT, &s->sigalgs_cert, false, 0, false);
    ext_alpn(w, s);
    ext_empty(w, TLSD_EXT_ENCRYPT_THEN_MAC, s->encrypt_then_mac);
    ext_empty(w, TLSD_EXT_EXTENDED_MASTER_SECRET, s->extended_master_secret);
    ext_empty(w, TLSD_EXT_SESSION_TICKET, s->session_ticket);
    ext_u16_list(w, TLSD_EXT_SUPPORTED_VERSIONS, &s->versions, s->grease, grease_value(s, 3), true);
    ext_u8_list(w, TLSD_EXT_PSK_KEY_EXCHANGE_MODES, &s->psk_modes);
    TLSD_TRY(ext_key_share(w, s));
    ext_renegotiation_info(w, s->renegotiation_info);
    for (size_t i = 0; i < s->n_extra; i++)
        ext_raw(w, s->extra[i].type, s->extra[i].data, s->extra[i].len);
    if (s->grease) /* a second, different GREASE extension with one byte (RFC 8701 3.1) */
        ext_raw(w, grease_value(s, 5), "", 1);
    return TLSD_CERR_OK;
}

/* RFC 7685: the padding extension's data length, or -1 for none. */
static enum tlsd_cerr padding_len(const struct tlsd_hello_spec *s, size_t msg_len, long *pad)
{
    *pad = -1;
    if (s->padding == TLSD_PAD_AVOID_256_511 && msg_len >= 256 && msg_len < 512)
        *pad = msg_len + 4 >= 512 ? 0 : (long)(512 - msg_len - 4);
    if (s->padding == TLSD_PAD_TO_SIZE && s->pad_target != msg_len) {
        if (s->pad_target < msg_len + 4)
            return TLSD_CERR_BAD_SPEC;
        *pad = (long)(s->pad_target - msg_len - 4);
    }
    return TLSD_CERR_OK;
}

static void write_random(const struct tlsd_hello_spec *s, uint8_t random[32])
{
    if (s->random_mode == TLSD_RANDOM_GIVEN)
        memcpy(random, s->random, 32);
    else if (s->random_mode != TLSD_RANDOM_AUTO || RAND_bytes(random, 32) != 1)
        memset(random, 0, 32);
}

static enum tlsd_cerr write_suites(struct tlsd_wr *w, const struct tlsd_hello_spec *s)
{
    tlsd_wr_open_vec16(w);
    if (s->grease)
        tlsd_wr_u16(w, grease_value(s, 0));
    for (size_t i = 0; i < s->n_suites; i++) {
        if (s->suites[i] > 0xffff)
            return TLSD_CERR_BAD_SPEC; /* an SSLv2 kind in a TLS hello */
        tlsd_wr_u16(w, (uint16_t)s->suites[i]);
    }
    if (s->scsv)
        tlsd_wr_u16(w, TLSD_SUITE_TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    if (s->fallback_scsv)
        tlsd_wr_u16(w, TLSD_SUITE_TLS_FALLBACK_SCSV);
    tlsd_wr_close_vec(w);
    return TLSD_CERR_OK;
}

/* RFC 5246 7.4.1.2, RFC 8446 4.1.2. */
static enum tlsd_cerr build_tls_msg(const struct tlsd_hello_spec *s, struct tlsd_wr *w)
{
    static const uint8_t null_comp[1] = {0};
    uint8_t random[32];
    if (s->session_id_len > 32)
        return TLSD_CERR_BAD_SPEC;
    write_random(s, random);
    tlsd_wr_u8(w, 1); /* client_hello */
    tlsd_wr_open_vec24(w);
    tlsd_wr_u16(w, s->legacy_version);
    tlsd_wr_bytes(w, random, 32);
    tlsd_wr_open_vec8(w);
    tlsd_wr_bytes(w, s->session_id, s->session_id_len);
    tlsd_wr_close_vec(w);
    TLSD_TRY(write_suites(w, s));
    tlsd_wr_open_vec8(w);
    if (u8_wanted(&s->compression))
        tlsd_wr_bytes(w, s->compression.v, s->compression.n);
    else
        tlsd_wr_bytes(w, null_comp, 1);
    tlsd_wr_close_vec(w);
    if (has_extensions(s)) {
        tlsd_wr_open_vec16(w);
        TLSD_TRY(write_extensions(w, s));
        long pad;
        TLSD_TRY(padding_len(s, w->len, &pad));
        if (pad >= 0) {
            tlsd_wr_u16(w, TLSD_EXT_PADDING);
            tlsd_wr_u16(w, (uint16_t)pad);
            tlsd_wr_zeros(w, (size_t)pad);
        }
        tlsd_wr_close_vec(w);
    }
    tlsd_wr_close_vec(w);
    return tlsd_wr_status(w);
}

/* SSLv2 spec 2.5 CLIENT-HELLO (RFC 5246 E.2 for the v2-compatible form). */
static enum tlsd_cerr build_ssl2_msg(const struct tlsd_hello_spec *s, struct tlsd_wr *w)
{
    uint8_t random[32];
    size_t chlen = s->ssl2_challenge_len ? s->ssl2_challenge_len : 32;
    if (has_extensions(s) || chlen < 16 || chlen > 32 || s->session_id_len > 32 ||
        u8_wanted(&s->compression))
        return TLSD_CERR_BAD_SPEC;
    write_random(s, random);
    size_t n = s->n_suites + (s->scsv ? 1 : 0) + (s->fallback_scsv ? 1 : 0);
    tlsd_wr_u8(w, 1); /* CLIENT-HELLO */
    tlsd_wr_u16(w, s->legacy_version);
    tlsd_wr_u16(w, (uint16_t)(n * 3));
    tlsd_wr_u16(w, (uint16_t)s->session_id_len);
    tlsd_wr_u16(w, (uint16_t)chlen);
    for (size_t i = 0; i < s->n_suites; i++)
        tlsd_wr_u24(w, s->suites[i]);
    if (s->scsv)
        tlsd_wr_u24(w, TLSD_SUITE_TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    if (s->fallback_scsv)
        tlsd_wr_u24(w, TLSD_SUITE_TLS_FALLBACK_SCSV);
    tlsd_wr_bytes(w, s->session_id, s->session_id_len);
    tlsd_wr_bytes(w, random + 32 - chlen, chlen);
    if (n * 3 > 0xffff)
        return TLSD_CERR_BAD_SPEC;
    return tlsd_wr_status(w);
}

static uint16_t record_version(const struct tlsd_hello_spec *s)
{
    if (s->record_version)
        return s->record_version;
    return s->legacy_version < TLSD_VERSION_TLS1_0 ? s->legacy_version : TLSD_VERSION_TLS1_0;
}

static enum tlsd_cerr build_records(const struct tlsd_hello_spec *s, const uint8_t *msg, size_t len,
                                    struct tlsd_wr *w)
{
    if (s->format == TLSD_HELLO_SSL2) { /* 2-byte header, high bit set */
        if (len > TLSD_SSL2_MAX_RECORD)
            return TLSD_CERR_TOO_BIG;
        tlsd_wr_u16(w, (uint16_t)(0x8000 | len));
        tlsd_wr_bytes(w, msg, len);
        return tlsd_wr_status(w);
    }
    size_t frag = s->record_fragment;
    if (frag == 0 || frag > TLSD_MAX_PLAINTEXT)
        frag = TLSD_MAX_PLAINTEXT; /* RFC 5246 6.2.1 */
    for (size_t off = 0; off < len; off += frag) {
        size_t n = len - off < frag ? len - off : frag;
        tlsd_wr_u8(w, TLSD_CT_HANDSHAKE);
        tlsd_wr_u16(w, record_version(s));
        tlsd_wr_open_vec16(w);
        tlsd_wr_bytes(w, msg + off, n);
        tlsd_wr_close_vec(w);
    }
    return tlsd_wr_status(w);
}

enum tlsd_cerr tlsd_hello_build(const struct tlsd_hello_spec *spec, uint8_t **msg, size_t *msg_len,
                                uint8_t **rec, size_t *rec_len)
{
    struct tlsd_wr w, rw;
    uint8_t *m = NULL;
    size_t mlen = 0;
    tlsd_wr_init(&w);
    tlsd_wr_init(&rw);
    enum tlsd_cerr e =
        spec->format == TLSD_HELLO_SSL2 ? build_ssl2_msg(spec, &w) : build_tls_msg(spec, &w);
    if (e == TLSD_CERR_OK)
        e = tlsd_wr_take(&w, &m, &mlen);
    if (e == TLSD_CERR_OK && spec->max_size && mlen > spec->max_size)
        e = TLSD_CERR_TOO_BIG;
    if (e == TLSD_CERR_OK && rec)
        e = build_records(spec, m, mlen, &rw);
    if (e == TLSD_CERR_OK && rec)
        e = tlsd_wr_take(&rw, rec, rec_len);
    tlsd_wr_free(&w);
    tlsd_wr_free(&rw);
    if (e != TLSD_CERR_OK || !msg) {
        free(m);
        m = NULL;
    }
    if (msg) {
        *msg = m;
        *msg_len = m ? mlen : 0;
    }
    return e;
}
