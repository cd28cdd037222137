/* ClientHello parser: the SSLv2 CLIENT-HELLO and the SSLv3/TLS ClientHello, with the
 * extensions a client sends decoded into typed fields (see hello.h). */
#include <stdlib.h>
#include <string.h>

#include "codec/codec_internal.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/record.h"
#include "tlsdiag/registry.h"

/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3. */
const uint8_t tlsd_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

bool tlsd_msg_is_hrr(int content_type, const void *msg, size_t len)
{
    /* RFC 8446 4.1.3: msg_type, length, legacy_version, then the random */
    struct tlsd_err err = {0};
    struct tlsd_rd r;
    uint8_t type;
    uint32_t body_len;
    uint16_t version;
    const uint8_t *random;
    if (content_type != TLSD_CT_HANDSHAKE)
        return false;
    tlsd_rd_init(&r, msg, len, &err);
    return tlsd_rd_u8(&r, &type, "msg_type") == TLSD_CERR_OK && type == TLSD_HS_SERVER_HELLO &&
           tlsd_rd_u24(&r, &body_len, "length") == TLSD_CERR_OK &&
           tlsd_rd_u16(&r, &version, "legacy_version") == TLSD_CERR_OK &&
           tlsd_rd_bytes(&r, &random, 32, "random") == TLSD_CERR_OK &&
           memcmp(random, tlsd_hrr_random, 32) == 0;
}

/* The lists of the ClientHello being parsed are made in a per-thread scratch area, then
 * copied into the hello's one block (pack_hello): a dozen malloc/free pairs per hello,
 * half of a capture analyser's allocations, were spent on lists that lived for
 * microseconds. A list that does not fit is malloc'd as before. Only while a ClientHello
 * is parsed (scratch.active): other parsers (the ServerHello's extensions) use malloc. */
#define SCRATCH_SIZE  4096
#define SCRATCH_ALIGN 8

static _Thread_local struct {
    bool active;
    size_t used;
    _Alignas(SCRATCH_ALIGN) uint8_t buf[SCRATCH_SIZE];
} scratch;

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static void *ch_alloc(size_t n)
{
    if (scratch.active && align8(n) <= SCRATCH_SIZE - scratch.used) {
        void *p = scratch.buf + scratch.used;
        scratch.used += align8(n);
        return p;
    }
    return malloc(n);
}

static bool in_scratch(const void *p)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)scratch.buf;
    return a >= b && a < b + SCRATCH_SIZE;
}

static void ch_free(void *p)
{
    if (!in_scratch(p))
        free(p);
}

enum tlsd_cerr tlsd_read_extensions(struct tlsd_rd *block, struct tlsd_ext **exts, size_t *n)
{
    /* Each extension takes at least 4 bytes, which bounds the array. */
    size_t cap = tlsd_rd_left(block) / 4 + 1;
    struct tlsd_ext *e = ch_alloc(cap * sizeof *e); /* filled up to *n */
    *exts = e;
    *n = 0;
    if (!e)
        return tlsd_rd_fail(block, TLSD_CERR_NOMEM, "extensions");
    while (tlsd_rd_left(block)) {
        struct tlsd_rd data;
        uint16_t type;
        TLSD_TRY(tlsd_rd_u16(block, &type, "extension type"));
        TLSD_TRY(tlsd_rd_vec16(block, &data, "extension data"));
        for (size_t i = 0; i < *n; i++)
            if (e[i].type == type)
                return tlsd_rd_fail(block, TLSD_CERR_DUPLICATE, "extension type");
        e[*n].type = type;
        e[*n].data = data.p;
        e[*n].len = tlsd_rd_left(&data);
        (*n)++;
    }
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_decode_extensions(struct tlsd_rd *block, struct tlsd_ext **exts, size_t *n,
                                      tlsd_ext_decoder decode, void *ctx)
{
    enum tlsd_cerr framing = tlsd_read_extensions(block, exts, n);
    for (size_t i = 0; i < *n; i++) {
        struct tlsd_rd ext = *block;
        ext.p = (*exts)[i].data;
        ext.end = ext.p + (*exts)[i].len;
        enum tlsd_cerr e = decode(&ext, (*exts)[i].type, ctx);
        if (e == TLSD_CERR_OK)
            e = tlsd_rd_done(&ext, "extension data");
        if (e != TLSD_CERR_OK)
            return framing != TLSD_CERR_OK ? framing : e;
    }
    return framing;
}

/* bytes.c's list readers, with the list made by ch_alloc. */
static enum tlsd_cerr u16_list(struct tlsd_rd *r, uint16_t **out, size_t *n, const char *what)
{
    return tlsd_rd_u16_list_in(r, out, n, what, ch_alloc, ch_free);
}

static enum tlsd_cerr u8_list(struct tlsd_rd *r, uint8_t **out, size_t *n, const char *what)
{
    return tlsd_rd_u8_list_in(r, out, n, what, ch_alloc);
}

static enum tlsd_cerr u16_vec(struct tlsd_rd *ext, unsigned width, uint16_t **v, size_t *n,
                              const char *what)
{
    struct tlsd_rd list;
    TLSD_TRY(width == 1 ? tlsd_rd_vec8(ext, &list, what) : tlsd_rd_vec16(ext, &list, what));
    TLSD_TRY(tlsd_rd_done(ext, what));
    return u16_list(&list, v, n, what);
}

static enum tlsd_cerr u8_vec(struct tlsd_rd *ext, uint8_t **v, size_t *n, const char *what)
{
    struct tlsd_rd list;
    TLSD_TRY(tlsd_rd_vec8(ext, &list, what));
    TLSD_TRY(tlsd_rd_done(ext, what));
    return u8_list(&list, v, n, what);
}

/* RFC 6066 3: the first host_name of a non-empty server_name_list. */
static enum tlsd_cerr ext_server_name(struct tlsd_rd *ext, struct tlsd_client_hello *ch)
{
    struct tlsd_rd list;
    TLSD_TRY(tlsd_rd_vec16(ext, &list, "server_name list"));
    TLSD_TRY(tlsd_rd_done(ext, "server_name"));
    if (!tlsd_rd_left(&list))
        return tlsd_rd_fail(&list, TLSD_CERR_EMPTY, "server_name list");
    while (tlsd_rd_left(&list)) {
        uint8_t type;
        struct tlsd_rd name;
        TLSD_TRY(tlsd_rd_u8(&list, &type, "server_name type"));
        TLSD_TRY(tlsd_rd_vec16(&list, &name, "server_name host_name"));
        size_t len = tlsd_rd_left(&name);
        if (type != 0 || ch->server_name)
            continue;
        ch->server_name = ch_alloc(len + 1);
        if (!ch->server_name)
            return tlsd_rd_fail(&list, TLSD_CERR_NOMEM, "server_name");
        memcpy(ch->server_name, name.p, len);
        ch->server_name[len] = '\0';
    }
    return TLSD_CERR_OK;
}

/* RFC 7301 3.1: a non-empty list of non-empty protocol names. */
static enum tlsd_cerr ext_alpn(struct tlsd_rd *ext, struct tlsd_client_hello *ch)
{
    struct tlsd_rd list;
    TLSD_TRY(tlsd_rd_vec16(ext, &list, "ALPN list"));
    TLSD_TRY(tlsd_rd_done(ext, "ALPN"));
    if (!tlsd_rd_left(&list))
        return tlsd_rd_fail(&list, TLSD_CERR_EMPTY, "ALPN list");
    ch->alpn = ch_alloc((tlsd_rd_left(&list) / 2 + 1) * sizeof *ch->alpn);
    if (!ch->alpn)
        return tlsd_rd_fail(&list, TLSD_CERR_NOMEM, "ALPN");
    while (tlsd_rd_left(&list)) {
        struct tlsd_rd name;
        TLSD_TRY(tlsd_rd_vec8(&list, &name, "ALPN protocol"));
        if (!tlsd_rd_left(&name))
            return tlsd_rd_fail(&list, TLSD_CERR_EMPTY, "ALPN protocol");
        ch->alpn[ch->n_alpn].p = name.p;
        ch->alpn[ch->n_alpn++].len = tlsd_rd_left(&name);
        /* RFC 8701 3.1: GREASE protocol names are the two bytes of a GREASE value */
        if (tlsd_rd_left(&name) == 2 && tlsd_is_grease((uint32_t)(name.p[0] << 8 | name.p[1])))
            ch->grease |= TLSD_GREASE_ALPN;
    }
    return TLSD_CERR_OK;
}

/* RFC 8446 4.2.8: KeyShareClientHello, entries with non-empty key_exchange. */
static enum tlsd_cerr ext_key_share(struct tlsd_rd *ext, struct tlsd_client_hello *ch)
{
    struct tlsd_rd list;
    TLSD_TRY(tlsd_rd_vec16(ext, &list, "key_share client_shares"));
    TLSD_TRY(tlsd_rd_done(ext, "key_share"));
    ch->key_shares = ch_alloc((tlsd_rd_left(&list) / 4 + 1) * sizeof *ch->key_shares);
    if (!ch->key_shares)
        return tlsd_rd_fail(&list, TLSD_CERR_NOMEM, "key_share");
    while (tlsd_rd_left(&list)) {
        struct tlsd_key_share *ks = &ch->key_shares[ch->n_key_shares];
        struct tlsd_rd key;
        TLSD_TRY(tlsd_rd_u16(&list, &ks->group, "key_share group"));
        TLSD_TRY(tlsd_rd_vec16(&list, &key, "key_share key_exchange"));
        if (!tlsd_rd_left(&key))
            return tlsd_rd_fail(&list, TLSD_CERR_EMPTY, "key_share key_exchange");
        ks->key = key.p;
        ks->len = tlsd_rd_left(&key);
        ch->n_key_shares++;
        if (tlsd_is_grease(ks->group))
            ch->grease |= TLSD_GREASE_KEY_SHARE;
    }
    ch->has_key_share = true;
    return TLSD_CERR_OK;
}

/* RFC 6066 8: status_type ocsp carries responder ids and request extensions. */
static enum tlsd_cerr ext_status_request(struct tlsd_rd *ext, struct tlsd_client_hello *ch)
{
    uint8_t type;
    struct tlsd_rd ids, exts;
    TLSD_TRY(tlsd_rd_u8(ext, &type, "status_request type"));
    ch->status_request = true;
    if (type != 1) {
        ext->p = ext->end; /* other status types are opaque to us */
        return TLSD_CERR_OK;
    }
    TLSD_TRY(tlsd_rd_vec16(ext, &ids, "status_request responder_id_list"));
    TLSD_TRY(tlsd_rd_vec16(ext, &exts, "status_request request_extensions"));
    return tlsd_rd_done(ext, "status_request");
}

static enum tlsd_cerr ext_renegotiation_info(struct tlsd_rd *ext, struct tlsd_client_hello *ch)
{
    struct tlsd_rd rc;
    TLSD_TRY(tlsd_rd_vec8(ext, &rc, "renegotiation_info"));
    ch->has_renegotiation_info = true;
    ch->renegotiation_info_len = tlsd_rd_left(&rc);
    return tlsd_rd_done(ext, "renegotiation_info");
}

/* RFC 8446 4.2.11: OfferedPsks, identities and binders, both non-empty. */
static enum tlsd_cerr ext_pre_shared_key(struct tlsd_rd *ext, struct tlsd_client_hello *ch)
{
    struct tlsd_rd ids, binders, id, binder;
    uint32_t age;
    TLSD_TRY(tlsd_rd_vec16(ext, &ids, "pre_shared_key identities"));
    TLSD_TRY(tlsd_rd_vec16(ext, &binders, "pre_shared_key binders"));
    if (!tlsd_rd_left(&ids) || !tlsd_rd_left(&binders))
        return tlsd_rd_fail(ext, TLSD_CERR_EMPTY, "pre_shared_key");
    while (tlsd_rd_left(&ids)) {
        TLSD_TRY(tlsd_rd_vec16(&ids, &id, "PskIdentity.identity"));
        TLSD_TRY(tlsd_rd_u32(&ids, &age, "PskIdentity.obfuscated_ticket_age"));
        ch->n_psk_identities++;
    }
    while (tlsd_rd_left(&binders))
        TLSD_TRY(tlsd_rd_vec8(&binders, &binder, "PskBinderEntry"));
    ch->has_pre_shared_key = true;
    return TLSD_CERR_OK;
}

/* RFC 8446 4.2.2: opaque cookie<1..2^16-1>. */
static enum tlsd_cerr ext_cookie(struct tlsd_rd *ext, size_t *len)
{
    struct tlsd_rd c;
    TLSD_TRY(tlsd_rd_vec16(ext, &c, "cookie"));
    *len = tlsd_rd_left(&c);
    return *len ? TLSD_CERR_OK : tlsd_rd_fail(ext, TLSD_CERR_EMPTY, "cookie");
}

static void note_grease16(struct tlsd_client_hello *ch, const uint16_t *v, size_t n, unsigned bit)
{
    for (size_t i = 0; i < n; i++)
        if (tlsd_is_grease(v[i]))
            ch->grease |= bit;
}

static enum tlsd_cerr ext_lists(struct tlsd_rd *ext, uint16_t type, struct tlsd_client_hello *ch)
{
    switch (type) {
    case TLSD_EXT_SUPPORTED_GROUPS:
        ch->has_groups = true;
        TLSD_TRY(u16_vec(ext, 2, &ch->groups, &ch->n_groups, "supported_groups"));
        note_grease16(ch, ch->groups, ch->n_groups, TLSD_GREASE_GROUP);
        return TLSD_CERR_OK;
    case TLSD_EXT_SIGNATURE_ALGORITHMS:
        ch->has_sigalgs = true;
        TLSD_TRY(u16_vec(ext, 2, &ch->sigalgs, &ch->n_sigalgs, "signature_algorithms"));
        note_grease16(ch, ch->sigalgs, ch->n_sigalgs, TLSD_GREASE_SIGALG);
        return TLSD_CERR_OK;
    case TLSD_EXT_SIGNATURE_ALGORITHMS_CERT:
        ch->has_sigalgs_cert = true;
        return u16_vec(ext, 2, &ch->sigalgs_cert, &ch->n_sigalgs_cert, "signature_algorithms_cert");
    case TLSD_EXT_SUPPORTED_VERSIONS:
        ch->has_versions = true;
        TLSD_TRY(u16_vec(ext, 1, &ch->versions, &ch->n_versions, "supported_versions"));
        note_grease16(ch, ch->versions, ch->n_versions, TLSD_GREASE_VERSION);
        return TLSD_CERR_OK;
    case TLSD_EXT_EC_POINT_FORMATS:
        ch->has_ec_point_formats = true;
        return u8_vec(ext, &ch->ec_point_formats, &ch->n_ec_point_formats, "ec_point_formats");
    case TLSD_EXT_PSK_KEY_EXCHANGE_MODES:
        ch->has_psk_modes = true;
        return u8_vec(ext, &ch->psk_modes, &ch->n_psk_modes, "psk_key_exchange_modes");
    default:
        ext->p = ext->end; /* not one we decode: kept raw */
        return TLSD_CERR_OK;
    }
}

static enum tlsd_cerr ext_typed(struct tlsd_rd *ext, uint16_t type, struct tlsd_client_hello *ch)
{
    switch (type) {
    case TLSD_EXT_SERVER_NAME:
        return ext_server_name(ext, ch);
    case TLSD_EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION:
        return ext_alpn(ext, ch);
    case TLSD_EXT_KEY_SHARE:
        return ext_key_share(ext, ch);
    case TLSD_EXT_STATUS_REQUEST:
        return ext_status_request(ext, ch);
    case TLSD_EXT_RENEGOTIATION_INFO:
        return ext_renegotiation_info(ext, ch);
    case TLSD_EXT_PADDING:
        ch->has_padding = true;
        ch->padding_len = tlsd_rd_left(ext);
        ext->p = ext->end;
        return TLSD_CERR_OK;
    case TLSD_EXT_SESSION_TICKET:
        ch->session_ticket = true;
        ch->session_ticket_len = tlsd_rd_left(ext);
        ext->p = ext->end;
        return TLSD_CERR_OK;
    case TLSD_EXT_MAX_FRAGMENT_LENGTH: /* RFC 6066 4: one byte, 2^9 (1) .. 2^12 (4) */
        TLSD_TRY(tlsd_rd_u8(ext, &ch->max_fragment_length, "max_fragment_length"));
        if (ch->max_fragment_length < 1 || ch->max_fragment_length > 4)
            return tlsd_rd_fail(ext, TLSD_CERR_BAD_VALUE, "max_fragment_length");
        return TLSD_CERR_OK;
    case TLSD_EXT_PRE_SHARED_KEY:
        return ext_pre_shared_key(ext, ch);
    case TLSD_EXT_COOKIE:
        return ext_cookie(ext, &ch->cookie_len);
    case TLSD_EXT_EARLY_DATA: /* RFC 8446 4.2.10: empty in a ClientHello */
        ch->early_data = true;
        return tlsd_rd_done(ext, "early_data");
    case TLSD_EXT_EXTENDED_MASTER_SECRET: /* RFC 7627 5.1: empty */
        ch->extended_master_secret = true;
        return tlsd_rd_done(ext, "extended_master_secret");
    case TLSD_EXT_ENCRYPT_THEN_MAC: /* RFC 7366 2: empty */
        ch->encrypt_then_mac = true;
        return tlsd_rd_done(ext, "encrypt_then_mac");
    default:
        return ext_lists(ext, type, ch);
    }
}

static enum tlsd_cerr ch_ext(struct tlsd_rd *ext, uint16_t type, void *ctx)
{
    struct tlsd_client_hello *ch = ctx;
    if (tlsd_is_grease(type))
        ch->grease |= TLSD_GREASE_EXTENSION;
    return ext_typed(ext, type, ch);
}

static enum tlsd_cerr parse_extensions(struct tlsd_rd *block, struct tlsd_client_hello *ch)
{
    ch->has_extensions = true;
    return tlsd_decode_extensions(block, &ch->exts, &ch->n_exts, ch_ext, ch);
}

/* A list whose length is not a multiple of the entry size is an error at the list's
 * start, as ever; its whole entries, which come before the odd bytes, are kept. */
static enum tlsd_cerr parse_suites(struct tlsd_rd *list, unsigned width,
                                   struct tlsd_client_hello *ch)
{
    size_t left = tlsd_rd_left(list);
    struct tlsd_rd start = *list;
    if (left == 0)
        return tlsd_rd_fail(list, TLSD_CERR_EMPTY, "cipher_suites");
    ch->suites = ch_alloc((left / width + 1) * sizeof *ch->suites);
    if (!ch->suites)
        return tlsd_rd_fail(list, TLSD_CERR_NOMEM, "cipher_suites");
    for (size_t i = 0; i < left / width; i++) {
        uint32_t c;
        if (width == 3)
            TLSD_TRY(tlsd_rd_u24(list, &c, "cipher_suites"));
        else {
            uint16_t c16;
            TLSD_TRY(tlsd_rd_u16(list, &c16, "cipher_suites"));
            c = c16;
        }
        ch->suites[ch->n_suites++] = c;
        ch->scsv |= c == TLSD_SUITE_TLS_EMPTY_RENEGOTIATION_INFO_SCSV;
        ch->fallback_scsv |= c == TLSD_SUITE_TLS_FALLBACK_SCSV;
        if (tlsd_is_grease(c))
            ch->grease |= TLSD_GREASE_SUITE;
    }
    return left % width ? tlsd_rd_fail(&start, TLSD_CERR_LENGTH, "cipher_suites") : TLSD_CERR_OK;
}

/* RFC 5246 7.4.1.2, RFC 8446 4.1.2. */
static enum tlsd_cerr parse_tls_body(struct tlsd_rd *body, struct tlsd_client_hello *ch)
{
    struct tlsd_rd sid, suites, comp, exts;
    TLSD_TRY(tlsd_rd_u16(body, &ch->legacy_version, "ClientHello.legacy_version"));
    ch->partial = true; /* until the end is reached */
    TLSD_TRY(tlsd_rd_copy(body, ch->random, 32, "ClientHello.random"));
    TLSD_TRY(tlsd_rd_vec8(body, &sid, "ClientHello.legacy_session_id"));
    if (tlsd_rd_left(&sid) > 32)
        return tlsd_rd_fail(body, TLSD_CERR_BAD_VALUE, "ClientHello.legacy_session_id");
    ch->session_id_len = tlsd_rd_left(&sid);
    TLSD_TRY(tlsd_rd_copy(&sid, ch->session_id, ch->session_id_len, "session_id"));
    TLSD_TRY(tlsd_rd_vec16(body, &suites, "ClientHello.cipher_suites"));
    TLSD_TRY(parse_suites(&suites, 2, ch));
    TLSD_TRY(tlsd_rd_vec8(body, &comp, "ClientHello.compression_methods"));
    if (!tlsd_rd_left(&comp))
        return tlsd_rd_fail(body, TLSD_CERR_EMPTY, "ClientHello.compression_methods");
    TLSD_TRY(tlsd_rd_u8_list(&comp, &ch->compression, &ch->n_compression, "compression"));
    if (tlsd_rd_left(body)) { /* RFC 5246 7.4.1.2: extensions when bytes follow */
        TLSD_TRY(tlsd_rd_vec16(body, &exts, "ClientHello.extensions"));
        TLSD_TRY(parse_extensions(&exts, ch));
    }
    return tlsd_rd_done(body, "ClientHello");
}

static enum tlsd_cerr parse_tls_msg(struct tlsd_rd *msg, struct tlsd_client_hello *ch)
{
    uint8_t type;
    struct tlsd_rd body;
    TLSD_TRY(tlsd_rd_u8(msg, &type, "handshake type"));
    if (type != 1)
        return tlsd_rd_fail(msg, TLSD_CERR_UNEXPECTED, "handshake type");
    TLSD_TRY(tlsd_rd_vec24(msg, &body, "handshake length"));
    TLSD_TRY(parse_tls_body(&body, ch));
    return tlsd_rd_done(msg, "handshake message");
}

/* SSLv2 spec 2.5 CLIENT-HELLO; RFC 5246 E.2 for the v2-compatible form. */
static enum tlsd_cerr parse_ssl2_msg(struct tlsd_rd *msg, struct tlsd_client_hello *ch)
{
    uint8_t type;
    size_t cs_len, sid_len, ch_len;
    struct tlsd_rd suites;
    TLSD_TRY(tlsd_rd_u8(msg, &type, "SSLv2 message type"));
    if (type != 1)
        return tlsd_rd_fail(msg, TLSD_CERR_UNEXPECTED, "SSLv2 message type");
    ch->format = TLSD_HELLO_SSL2;
    TLSD_TRY(tlsd_rd_u16(msg, &ch->legacy_version, "CLIENT-HELLO.version"));
    ch->partial = true; /* until the end is reached */
    TLSD_TRY(tlsd_rd_length(msg, 2, &cs_len, "CLIENT-HELLO.cipher_specs_length"));
    TLSD_TRY(tlsd_rd_length(msg, 2, &sid_len, "CLIENT-HELLO.session_id_length"));
    TLSD_TRY(tlsd_rd_length(msg, 2, &ch_len, "CLIENT-HELLO.challenge_length"));
    if (sid_len > 32)
        return tlsd_rd_fail(msg, TLSD_CERR_BAD_VALUE, "CLIENT-HELLO.session_id_length");
    if (ch_len < 16 || ch_len > 32)
        return tlsd_rd_fail(msg, TLSD_CERR_BAD_VALUE, "CLIENT-HELLO.challenge_length");
    TLSD_TRY(tlsd_rd_sub(msg, &suites, cs_len, "CLIENT-HELLO.cipher_specs"));
    TLSD_TRY(parse_suites(&suites, 3, ch)); /* 0x0000FF is the SCSV too (RFC 5246 E.2) */
    ch->session_id_len = sid_len;
    TLSD_TRY(tlsd_rd_copy(msg, ch->session_id, sid_len, "CLIENT-HELLO.session_id"));
    ch->ssl2_challenge_len = ch_len;
    TLSD_TRY(tlsd_rd_copy(msg, ch->random + 32 - ch_len, ch_len, "CLIENT-HELLO.challenge"));
    return tlsd_rd_done(msg, "CLIENT-HELLO");
}

/* Points what pointed into the caller's message at the hello's own copy, ch->msg. */
static void rebase_into_copy(struct tlsd_client_hello *ch, const uint8_t *msg)
{
    for (size_t i = 0; i < ch->n_exts; i++)
        ch->exts[i].data = tlsd_rebase(ch->exts[i].data, msg, ch->msg);
    for (size_t i = 0; i < ch->n_key_shares; i++)
        ch->key_shares[i].key = tlsd_rebase(ch->key_shares[i].key, msg, ch->msg);
    for (size_t i = 0; i < ch->n_alpn; i++)
        ch->alpn[i].p = tlsd_rebase(ch->alpn[i].p, msg, ch->msg);
}

/* Points the result's pointers at its own copy of the message (also after an error).
 * Without memory for the copy, what points into the caller's buffer is dropped. */
static enum tlsd_cerr keep_message(struct tlsd_client_hello *ch, const uint8_t *msg, size_t len)
{
    ch->msg = malloc(len ? len : 1);
    if (!ch->msg) {
        ch_free(ch->exts);
        ch_free(ch->key_shares);
        ch_free(ch->alpn);
        ch->exts = NULL;
        ch->key_shares = NULL;
        ch->alpn = NULL;
        ch->n_exts = ch->n_key_shares = ch->n_alpn = 0;
        return TLSD_CERR_NOMEM;
    }
    memcpy(ch->msg, msg, len);
    ch->msg_len = len;
    rebase_into_copy(ch, msg);
    return TLSD_CERR_OK;
}

/* The sizes of what a parsed hello owns, in the order pack_hello lays them out: the
 * pointer-holding arrays first (8-byte alignment), then 4-, 2- and 1-byte lists. */
#define PACK_FIELDS(X)                                                                             \
    X(exts, n_exts)                                                                                \
    X(key_shares, n_key_shares)                                                                    \
    X(alpn, n_alpn)                                                                                \
    X(suites, n_suites)                                                                            \
    X(groups, n_groups)                                                                            \
    X(sigalgs, n_sigalgs)                                                                          \
    X(sigalgs_cert, n_sigalgs_cert)                                                                \
    X(versions, n_versions)                                                                        \
    X(compression, n_compression)                                                                  \
    X(ec_point_formats, n_ec_point_formats)                                                        \
    X(psk_modes, n_psk_modes)

/* Moves everything the hello owns, with its own copy of the message, into one
 * allocation: a hello kept for a while (a capture analyser's record) then costs one
 * block instead of a dozen, and the lists just made are freed at once, while malloc's
 * caches still hold them. False, with nothing changed, when there is no memory. */
static bool pack_hello(struct tlsd_client_hello *ch, const uint8_t *msg, size_t len)
{
    size_t total = 0, name_len = ch->server_name ? strlen(ch->server_name) + 1 : 0;
#define PACK_SIZE(f, n) total += align8(ch->n * sizeof *ch->f);
    PACK_FIELDS(PACK_SIZE)
#undef PACK_SIZE
    total += align8(name_len) + (len ? len : 1);
    uint8_t *block = malloc(total), *o = block;
    if (!block)
        return false;
#define PACK_MOVE(f, n)                                                                            \
    if (ch->f) {                                                                                   \
        memcpy(o, ch->f, ch->n * sizeof *ch->f);                                                   \
        ch_free(ch->f);                                                                            \
        ch->f = (void *)o;                                                                         \
    }                                                                                              \
    o += align8(ch->n * sizeof *ch->f);
    PACK_FIELDS(PACK_MOVE)
#undef PACK_MOVE
    if (ch->server_name) {
        memcpy(o, ch->server_name, name_len);
        ch_free(ch->server_name);
        ch->server_name = (char *)o;
        o += align8(name_len);
    }
    memcpy(o, msg, len);
    ch->msg = o;
    ch->msg_len = len;
    ch->block = block;
    rebase_into_copy(ch, msg);
    return true;
}

/* Without memory for the one block: each list still in the scratch area gets its own
 * allocation (the next hello reuses the scratch). False when one could not (it is then
 * left out, empty). */
static bool own_lists(struct tlsd_client_hello *ch)
{
    bool ok = true;
#define OWN_FIELD(f, n)                                                                            \
    if (ch->f && in_scratch(ch->f)) {                                                              \
        void *p = malloc(ch->n * sizeof *ch->f + 1);                                               \
        if (p) {                                                                                   \
            memcpy(p, ch->f, ch->n * sizeof *ch->f);                                               \
        } else {                                                                                   \
            ok = false;                                                                            \
            ch->n = 0;                                                                             \
        }                                                                                          \
        ch->f = p;                                                                                 \
    }
    PACK_FIELDS(OWN_FIELD)
#undef OWN_FIELD
    if (ch->server_name && in_scratch(ch->server_name)) {
        char *name = strdup(ch->server_name);
        ok = ok && name;
        ch->server_name = name;
    }
    return ok;
}

static enum tlsd_cerr parse_at(struct tlsd_rd *msg, bool sslv2, struct tlsd_client_hello *ch)
{
    const uint8_t *start = msg->p;
    size_t len = tlsd_rd_left(msg);
    scratch.active = true;
    scratch.used = 0;
    enum tlsd_cerr e = sslv2 ? parse_ssl2_msg(msg, ch) : parse_tls_msg(msg, ch);
    ch->partial = ch->partial && e != TLSD_CERR_OK;
    bool packed = pack_hello(ch, start, len), owned = packed || own_lists(ch);
    scratch.active = false;
    if (!packed && (keep_message(ch, start, len) != TLSD_CERR_OK || !owned) && e == TLSD_CERR_OK)
        return tlsd_rd_fail(msg, TLSD_CERR_NOMEM, "ClientHello");
    return e;
}

enum tlsd_cerr tlsd_client_hello_parse(const uint8_t *msg, size_t len, bool sslv2,
                                       struct tlsd_client_hello *out, struct tlsd_err *err)
{
    struct tlsd_rd r;
    struct tlsd_err local = {0};
    memset(out, 0, sizeof *out);
    tlsd_rd_init(&r, msg, len, err ? err : &local);
    return parse_at(&r, sslv2, out);
}

static enum tlsd_cerr parse_ssl2_record(struct tlsd_rd *r, struct tlsd_client_hello *ch)
{
    struct tlsd_record rec;
    size_t need;
    enum tlsd_cerr e =
        tlsd_record_parse(r->p, tlsd_rd_left(r), true, TLSD_SSL2_MAX_RECORD, &rec, &need, r->err);
    if (e == TLSD_CERR_NEED_MORE)
        return tlsd_rd_fail(r, TLSD_CERR_TRUNCATED, "SSLv2 record");
    TLSD_TRY(e);
    if (rec.header_len != 2 || need != tlsd_rd_left(r))
        return tlsd_rd_fail(r, need < tlsd_rd_left(r) ? TLSD_CERR_TRAILING : TLSD_CERR_LENGTH,
                            "SSLv2 record");
    struct tlsd_rd msg;
    TLSD_TRY(tlsd_rd_sub(r, &msg, 2, "SSLv2 record header"));
    TLSD_TRY(tlsd_rd_sub(r, &msg, rec.len, "SSLv2 record"));
    ch->record_version = TLSD_VERSION_SSL2;
    return parse_at(&msg, true, ch);
}

/* One TLS record header; the fragment goes into *frag. */
static enum tlsd_cerr tls_record(struct tlsd_rd *r, uint16_t *version, struct tlsd_rd *frag)
{
    uint8_t type;
    TLSD_TRY(tlsd_rd_u8(r, &type, "record content type"));
    if (type != TLSD_CT_HANDSHAKE)
        return tlsd_rd_fail(r, TLSD_CERR_UNEXPECTED, "record content type");
    TLSD_TRY(tlsd_rd_u16(r, version, "record version"));
    if (!tlsd_record_version_ok(*version))
        return tlsd_rd_fail(r, TLSD_CERR_BAD_VERSION, "record version");
    TLSD_TRY(tlsd_rd_vec16(r, frag, "record length"));
    if (tlsd_rd_left(frag) > TLSD_MAX_PLAINTEXT)
        return tlsd_rd_fail(r, TLSD_CERR_RECORD_TOO_LARGE, "record length");
    if (!tlsd_rd_left(frag))
        return tlsd_rd_fail(r, TLSD_CERR_BAD_VALUE, "record length");
    return TLSD_CERR_OK;
}

/* A hello spread over several records: gather the fragments, then parse. */
static enum tlsd_cerr parse_gathered(struct tlsd_rd *r, struct tlsd_client_hello *ch)
{
    uint8_t *buf = malloc(tlsd_rd_left(r) + 1);
    size_t len = 0;
    if (!buf)
        return tlsd_rd_fail(r, TLSD_CERR_NOMEM, "records");
    enum tlsd_cerr e = TLSD_CERR_OK;
    while (e == TLSD_CERR_OK && tlsd_rd_left(r)) {
        struct tlsd_rd frag;
        uint16_t v;
        e = tls_record(r, &v, &frag);
        if (e == TLSD_CERR_OK) {
            memcpy(buf + len, frag.p, tlsd_rd_left(&frag));
            len += tlsd_rd_left(&frag);
        }
    }
    if (e == TLSD_CERR_OK) {
        struct tlsd_rd msg;
        tlsd_rd_init(&msg, buf, len, r->err);
        e = parse_at(&msg, false, ch);
    }
    free(buf);
    return e;
}

enum tlsd_cerr tlsd_client_hello_parse_records(const uint8_t *buf, size_t len,
                                               struct tlsd_client_hello *out, struct tlsd_err *err)
{
    struct tlsd_rd r, frag;
    struct tlsd_err local = {0};
    memset(out, 0, sizeof *out);
    tlsd_rd_init(&r, buf, len, err ? err : &local);
    if (tlsd_record_looks_sslv2(buf, len))
        return parse_ssl2_record(&r, out);
    struct tlsd_rd first = r;
    TLSD_TRY(tls_record(&r, &out->record_version, &frag));
    size_t flen = tlsd_rd_left(&frag);
    /* The common case: one record holding exactly the message; parse it in place so
     * that error offsets count from the start of the record. */
    if (!tlsd_rd_left(&r) && flen >= 4 &&
        (((size_t)frag.p[1] << 16) | ((size_t)frag.p[2] << 8) | frag.p[3]) + 4 == flen)
        return parse_at(&frag, false, out);
    return parse_gathered(&first, out);
}

void tlsd_client_hello_free(struct tlsd_client_hello *ch)
{
    if (ch->block) {
        free(ch->block);
        memset(ch, 0, sizeof *ch);
        return;
    }
#define FREE_FIELD(f, n) free(ch->f);
    PACK_FIELDS(FREE_FIELD)
#undef FREE_FIELD
    free(ch->server_name);
    free(ch->msg);
    memset(ch, 0, sizeof *ch);
}

size_t tlsd_client_hello_bytes(const struct tlsd_client_hello *ch)
{
    size_t total = ch->server_name ? align8(strlen(ch->server_name) + 1) : 0;
#define BYTES_FIELD(f, n) total += align8(ch->n * sizeof *ch->f);
    PACK_FIELDS(BYTES_FIELD)
#undef BYTES_FIELD
    return total + ch->msg_len;
}

void tlsd_client_hello_versions(const struct tlsd_client_hello *ch, uint16_t *lowest,
                                uint16_t *highest)
{
    uint16_t lo = 0xffff, hi = 0;
    for (size_t i = 0; ch->has_versions && i < ch->n_versions; i++) {
        uint16_t v = ch->versions[i];
        if (tlsd_is_grease(v))
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (hi == 0) { /* no supported_versions: up to legacy_version */
        hi = ch->legacy_version;
        lo = ch->format == TLSD_HELLO_SSL2 ? TLSD_VERSION_SSL2 : TLSD_VERSION_SSL3;
        lo = lo < hi ? lo : hi;
    }
    *lowest = lo;
    *highest = hi;
}
