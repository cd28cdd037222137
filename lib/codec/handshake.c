/* Parsers of the handshake messages a server sends, and of alerts (see handshake.h). */
#include <stdlib.h>
#include <string.h>

#include "codec/codec_internal.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/registry.h"

/* Opens the 4-byte handshake header of a message of the given type. */
static enum tlsd_cerr open_msg(struct tlsd_rd *r, const uint8_t *msg, size_t len,
                               struct tlsd_err *err, uint8_t want, struct tlsd_rd *body)
{
    uint8_t type;
    tlsd_rd_init(r, msg, len, err);
    TLSD_TRY(tlsd_rd_u8(r, &type, "handshake type"));
    if (type != want)
        return tlsd_rd_fail(r, TLSD_CERR_UNEXPECTED, "handshake type");
    TLSD_TRY(tlsd_rd_vec24(r, body, "handshake length"));
    return tlsd_rd_done(r, "handshake message");
}

static struct tlsd_err *err_or(struct tlsd_err *err, struct tlsd_err *local)
{
    memset(local, 0, sizeof *local);
    return err ? err : local;
}

static bool is_tls13(const struct tlsd_hs_ctx *ctx)
{
    return ctx && ctx->version >= TLSD_VERSION_TLS1_3 && ctx->version != 0xffff;
}

/* ServerHello extensions (RFC 8446 4.2, RFC 5246 7.4.1.4). */
static enum tlsd_cerr sh_key_share(struct tlsd_rd *ext, struct tlsd_server_hello *sh)
{
    struct tlsd_rd key;
    TLSD_TRY(tlsd_rd_u16(ext, &sh->key_share_group, "key_share group"));
    sh->has_key_share = true;
    if (sh->is_hrr) /* RFC 8446 4.2.8: KeyShareHelloRetryRequest is the group alone */
        return TLSD_CERR_OK;
    TLSD_TRY(tlsd_rd_vec16(ext, &key, "key_share key_exchange"));
    if (!tlsd_rd_left(&key))
        return tlsd_rd_fail(ext, TLSD_CERR_EMPTY, "key_share key_exchange");
    sh->key_share = key.p;
    sh->key_share_len = tlsd_rd_left(&key);
    return TLSD_CERR_OK;
}

/* RFC 7301 3.1: the server names exactly one protocol. */
static enum tlsd_cerr sh_alpn(struct tlsd_rd *ext, struct tlsd_server_hello *sh)
{
    struct tlsd_rd list, name;
    TLSD_TRY(tlsd_rd_vec16(ext, &list, "ALPN list"));
    TLSD_TRY(tlsd_rd_vec8(&list, &name, "ALPN protocol"));
    TLSD_TRY(tlsd_rd_done(&list, "ALPN list"));
    size_t n = tlsd_rd_left(&name);
    if (n == 0)
        return tlsd_rd_fail(ext, TLSD_CERR_EMPTY, "ALPN protocol");
    memcpy(sh->alpn, name.p, n); /* n < 256: it came from an 8-bit length */
    sh->alpn[n] = '\0';
    return TLSD_CERR_OK;
}

static enum tlsd_cerr sh_ext_more(struct tlsd_rd *ext, uint16_t type, struct tlsd_server_hello *sh)
{
    struct tlsd_rd v;
    uint8_t mfl;
    switch (type) {
    case TLSD_EXT_COOKIE: /* RFC 8446 4.2.2: opaque cookie<1..2^16-1> */
        TLSD_TRY(tlsd_rd_vec16(ext, &v, "cookie"));
        sh->cookie_len = tlsd_rd_left(&v);
        return sh->cookie_len ? TLSD_CERR_OK : tlsd_rd_fail(ext, TLSD_CERR_EMPTY, "cookie");
    case TLSD_EXT_RECORD_SIZE_LIMIT: /* RFC 8449 4: uint16, at least 64 */
        TLSD_TRY(tlsd_rd_u16(ext, &sh->record_size_limit, "record_size_limit"));
        return sh->record_size_limit >= 64
                   ? TLSD_CERR_OK
                   : tlsd_rd_fail(ext, TLSD_CERR_BAD_VALUE, "record_size_limit");
    case TLSD_EXT_PRE_SHARED_KEY: /* RFC 8446 4.2.11: selected_identity */
        TLSD_TRY(tlsd_rd_u16(ext, &sh->selected_identity, "pre_shared_key"));
        sh->has_pre_shared_key = true;
        return TLSD_CERR_OK;
    case TLSD_EXT_MAX_FRAGMENT_LENGTH: /* RFC 6066 4: the client's value echoed */
        TLSD_TRY(tlsd_rd_u8(ext, &mfl, "max_fragment_length"));
        return mfl >= 1 && mfl <= 4 ? TLSD_CERR_OK
                                    : tlsd_rd_fail(ext, TLSD_CERR_BAD_VALUE, "max_fragment_length");
    default:
        ext->p = ext->end; /* kept raw */
        return TLSD_CERR_OK;
    }
}

static enum tlsd_cerr sh_ext(struct tlsd_rd *ext, uint16_t type, void *ctx)
{
    struct tlsd_server_hello *sh = ctx;
    struct tlsd_rd v;
    switch (type) {
    case TLSD_EXT_SUPPORTED_VERSIONS:
        TLSD_TRY(tlsd_rd_u16(ext, &sh->supported_version, "supported_versions"));
        sh->has_supported_version = true;
        return TLSD_CERR_OK;
    case TLSD_EXT_KEY_SHARE:
    case TLSD_EXT_KEY_SHARE_DRAFT: /* the same KeyShareEntry (draft-ietf-tls-tls13-22 4.2.8) */
        return sh_key_share(ext, sh);
    case TLSD_EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION:
        return sh_alpn(ext, sh);
    case TLSD_EXT_RENEGOTIATION_INFO:
        sh->renegotiation_info = true;
        return tlsd_rd_vec8(ext, &v, "renegotiation_info");
    case TLSD_EXT_EC_POINT_FORMATS:
        sh->has_ec_point_formats = true;
        TLSD_TRY(tlsd_rd_vec8(ext, &v, "ec_point_formats"));
        return tlsd_rd_left(&v) ? TLSD_CERR_OK
                                : tlsd_rd_fail(ext, TLSD_CERR_EMPTY, "ec_point_formats");
    case TLSD_EXT_EXTENDED_MASTER_SECRET:
        sh->extended_master_secret = true;
        return TLSD_CERR_OK; /* empty: checked by the caller */
    case TLSD_EXT_ENCRYPT_THEN_MAC:
        sh->encrypt_then_mac = true;
        return TLSD_CERR_OK;
    case TLSD_EXT_SESSION_TICKET:
        sh->session_ticket = true;
        return TLSD_CERR_OK;
    case TLSD_EXT_STATUS_REQUEST:
        sh->status_request = true;
        return TLSD_CERR_OK;
    case TLSD_EXT_SERVER_NAME:
        sh->server_name = true;
        return TLSD_CERR_OK;
    default:
        return sh_ext_more(ext, type, sh);
    }
}

static enum tlsd_cerr sh_extensions(struct tlsd_rd *block, struct tlsd_server_hello *sh)
{
    sh->has_extensions = true;
    return tlsd_decode_extensions(block, &sh->exts, &sh->n_exts, sh_ext, sh);
}

/* RFC 8446 4.1.3: the last 8 bytes of a downgraded server's random. */
static int downgrade_sentinel(const uint8_t random[32])
{
    static const uint8_t dg[7] = {'D', 'O', 'W', 'N', 'G', 'R', 'D'};
    if (memcmp(random + 24, dg, 7) != 0)
        return 0;
    return random[31] == 1 ? 11 : random[31] == 0 ? 10 : 0;
}

/* Drafts of TLS 1.3 before -22 sent version, random, cipher_suite, extensions
 * (draft-ietf-tls-tls13-18 4.1.3), the version field holding the selected draft.
 * Draft -22 restored legacy_session_id_echo and legacy_compression_method for
 * middleboxes and moved the version into supported_versions (RFC 8446 4.1.3). */
static bool draft_layout(uint16_t version)
{
    return tlsd_version_is_draft13(version) && (version & 0xff) < 22;
}

static enum tlsd_cerr sh_session_id(struct tlsd_rd *body, struct tlsd_server_hello *sh)
{
    struct tlsd_rd sid;
    TLSD_TRY(tlsd_rd_vec8(body, &sid, "ServerHello.legacy_session_id"));
    if (tlsd_rd_left(&sid) > 32)
        return tlsd_rd_fail(body, TLSD_CERR_BAD_VALUE, "ServerHello.legacy_session_id");
    sh->session_id_len = tlsd_rd_left(&sid);
    return tlsd_rd_copy(&sid, sh->session_id, sh->session_id_len, "session_id");
}

/* The fields in wire order; each is set only once read whole. */
static enum tlsd_cerr sh_fields(struct tlsd_rd *body, struct tlsd_server_hello *sh)
{
    struct tlsd_rd exts;
    TLSD_TRY(tlsd_rd_u16(body, &sh->legacy_version, "ServerHello.legacy_version"));
    sh->partial = true; /* until the end is reached */
    TLSD_TRY(tlsd_rd_copy(body, sh->random, 32, "ServerHello.random"));
    sh->is_hrr = memcmp(sh->random, tlsd_hrr_random, 32) == 0;
    sh->downgrade = downgrade_sentinel(sh->random);
    bool draft = draft_layout(sh->legacy_version);
    if (!draft)
        TLSD_TRY(sh_session_id(body, sh));
    TLSD_TRY(tlsd_rd_u16(body, &sh->suite, "ServerHello.cipher_suite"));
    if (!draft)
        TLSD_TRY(tlsd_rd_u8(body, &sh->compression, "ServerHello.compression_method"));
    if (tlsd_rd_left(body)) {
        TLSD_TRY(tlsd_rd_vec16(body, &exts, "ServerHello.extensions"));
        TLSD_TRY(sh_extensions(&exts, sh));
    }
    return tlsd_rd_done(body, "ServerHello");
}

/* Points the result at its own copy of the message (also after an error). */
static enum tlsd_cerr sh_keep(struct tlsd_server_hello *sh, const uint8_t *msg, size_t len)
{
    sh->msg = malloc(len);
    if (!sh->msg) { /* no copy: drop what points into the caller's buffer */
        free(sh->exts);
        sh->exts = NULL;
        sh->n_exts = 0;
        sh->key_share = NULL;
        sh->key_share_len = 0;
        return TLSD_CERR_NOMEM;
    }
    memcpy(sh->msg, msg, len);
    sh->msg_len = len;
    for (size_t i = 0; i < sh->n_exts; i++)
        sh->exts[i].data = tlsd_rebase(sh->exts[i].data, msg, sh->msg);
    sh->key_share = tlsd_rebase(sh->key_share, msg, sh->msg);
    return TLSD_CERR_OK;
}

static enum tlsd_cerr sh_parse(const uint8_t *msg, size_t len, struct tlsd_server_hello *out,
                               struct tlsd_err *err, bool keep)
{
    struct tlsd_err local;
    struct tlsd_rd r, body;
    memset(out, 0, sizeof *out);
    TLSD_TRY(open_msg(&r, msg, len, err_or(err, &local), TLSD_HS_SERVER_HELLO, &body));
    enum tlsd_cerr e = sh_fields(&body, out);
    out->version = out->has_supported_version ? out->supported_version : out->legacy_version;
    out->partial = out->partial && e != TLSD_CERR_OK;
    if (keep && sh_keep(out, msg, len) != TLSD_CERR_OK && e == TLSD_CERR_OK)
        return tlsd_rd_fail(&r, TLSD_CERR_NOMEM, "ServerHello");
    return e;
}

enum tlsd_cerr tlsd_server_hello_parse(const uint8_t *msg, size_t len,
                                       struct tlsd_server_hello *out, struct tlsd_err *err)
{
    return sh_parse(msg, len, out, err, true);
}

enum tlsd_cerr tlsd_server_hello_parse_view(const uint8_t *msg, size_t len,
                                            struct tlsd_server_hello *out, struct tlsd_err *err)
{
    return sh_parse(msg, len, out, err, false);
}

void tlsd_server_hello_free(struct tlsd_server_hello *sh)
{
    free(sh->exts);
    free(sh->msg);
    memset(sh, 0, sizeof *sh);
}

/* Certificate: RFC 5246 7.4.2, and RFC 8446 4.4.2 with its per-entry extensions. */
static enum tlsd_cerr cert_entry(struct tlsd_rd *list, bool tls13, struct tlsd_certificate_msg *c)
{
    struct tlsd_rd der, exts;
    TLSD_TRY(tlsd_rd_vec24(list, &der, "Certificate.cert_data"));
    if (!tlsd_rd_left(&der))
        return tlsd_rd_fail(list, TLSD_CERR_EMPTY, "Certificate.cert_data");
    if (tls13)
        TLSD_TRY(tlsd_rd_vec16(list, &exts, "Certificate.extensions"));
    enum tlsd_cerr e = tlsd_cert_summarize(der.p, tlsd_rd_left(&der), &c->certs[c->n_certs]);
    c->n_certs++;
    return e ? tlsd_rd_fail(list, e, "Certificate") : e;
}

enum tlsd_cerr tlsd_certificate_parse(const uint8_t *msg, size_t len, const struct tlsd_hs_ctx *ctx,
                                      struct tlsd_certificate_msg *out, struct tlsd_err *err)
{
    struct tlsd_err local;
    struct tlsd_rd r, body, list, context;
    memset(out, 0, sizeof *out);
    TLSD_TRY(open_msg(&r, msg, len, err_or(err, &local), TLSD_HS_CERTIFICATE, &body));
    if (is_tls13(ctx))
        TLSD_TRY(tlsd_rd_vec8(&body, &context, "Certificate.request_context"));
    TLSD_TRY(tlsd_rd_vec24(&body, &list, "Certificate.certificate_list"));
    TLSD_TRY(tlsd_rd_done(&body, "Certificate"));
    out->msg = malloc(len);
    out->certs = calloc(tlsd_rd_left(&list) / 4 + 1, sizeof *out->certs);
    if (!out->msg || !out->certs)
        return tlsd_rd_fail(&body, TLSD_CERR_NOMEM, "Certificate");
    memcpy(out->msg, msg, len);
    out->msg_len = len;
    while (tlsd_rd_left(&list))
        TLSD_TRY(cert_entry(&list, is_tls13(ctx), out));
    for (size_t i = 0; i < out->n_certs; i++)
        out->certs[i].der = tlsd_rebase(out->certs[i].der, msg, out->msg);
    return TLSD_CERR_OK;
}

void tlsd_certificate_free(struct tlsd_certificate_msg *c)
{
    for (size_t i = 0; c->certs && i < c->n_certs; i++)
        tlsd_cert_summary_free(&c->certs[i]);
    free(c->certs);
    free(c->msg);
    memset(c, 0, sizeof *c);
}

static size_t bits_of(const uint8_t *p, size_t len)
{
    while (len && *p == 0)
        p++, len--;
    if (!len)
        return 0;
    size_t bits = (len - 1) * 8;
    for (uint8_t b = *p; b; b >>= 1)
        bits++;
    return bits;
}

/* A non-empty opaque<1..2^16-1> (DH and RSA parameters, RFC 5246 7.4.3). */
static enum tlsd_cerr param16(struct tlsd_rd *r, struct tlsd_rd *v, const char *what)
{
    TLSD_TRY(tlsd_rd_vec16(r, v, what));
    return tlsd_rd_left(v) ? TLSD_CERR_OK : tlsd_rd_fail(r, TLSD_CERR_EMPTY, what);
}

static enum tlsd_cerr ske_dh(struct tlsd_rd *b, struct tlsd_server_key_exchange *ske)
{
    struct tlsd_rd p, g, ys;
    TLSD_TRY(param16(b, &p, "ServerDHParams.dh_p"));
    TLSD_TRY(param16(b, &g, "ServerDHParams.dh_g"));
    TLSD_TRY(param16(b, &ys, "ServerDHParams.dh_Ys"));
    ske->dh_p_bits = (int)bits_of(p.p, tlsd_rd_left(&p));
    ske->dh_g_bits = (int)bits_of(g.p, tlsd_rd_left(&g));
    ske->dh_ys_len = tlsd_rd_left(&ys);
    return TLSD_CERR_OK;
}

static enum tlsd_cerr ske_ec(struct tlsd_rd *b, struct tlsd_server_key_exchange *ske)
{
    struct tlsd_rd point;
    TLSD_TRY(tlsd_rd_u8(b, &ske->curve_type, "ECParameters.curve_type"));
    if (ske->curve_type != 3) /* RFC 8422 5.4: only named_curve remains */
        return tlsd_rd_fail(b, TLSD_CERR_UNSUPPORTED, "ECParameters.curve_type");
    TLSD_TRY(tlsd_rd_u16(b, &ske->named_curve, "ECParameters.namedcurve"));
    TLSD_TRY(tlsd_rd_vec8(b, &point, "ServerECDHParams.point"));
    if (!tlsd_rd_left(&point))
        return tlsd_rd_fail(b, TLSD_CERR_EMPTY, "ServerECDHParams.point");
    ske->point_len = tlsd_rd_left(&point);
    return TLSD_CERR_OK;
}

static enum tlsd_cerr ske_rsa(struct tlsd_rd *b, struct tlsd_server_key_exchange *ske)
{
    struct tlsd_rd mod, exp;
    TLSD_TRY(param16(b, &mod, "ServerRSAParams.rsa_modulus"));
    TLSD_TRY(param16(b, &exp, "ServerRSAParams.rsa_exponent"));
    ske->rsa_modulus_bits = (int)bits_of(mod.p, tlsd_rd_left(&mod));
    return TLSD_CERR_OK;
}

/* The key exchange of a suite, from the registry's kx and auth columns. */
static enum tlsd_cerr kx_of(uint16_t suite, enum tlsd_ske_params *kind, bool *psk, bool *anon)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(suite);
    if (!s)
        return TLSD_CERR_UNSUPPORTED;
    *psk = (s->kx_flags & TLSD_KXF_PSK) != 0;
    *anon = *psk || s->auth == TLSD_AUTH_ANON;
    if (s->kx_flags & TLSD_KXF_EC)
        *kind = TLSD_SKE_ECDH;
    else if (s->kx_flags & TLSD_KXF_DH)
        *kind = TLSD_SKE_DH;
    else if (s->kx_flags & TLSD_KXF_RSA && !*psk)
        *kind = TLSD_SKE_RSA;
    else if (*psk)
        *kind = TLSD_SKE_NONE; /* PSK alone: the identity hint only */
    else
        return TLSD_CERR_UNSUPPORTED;
    return TLSD_CERR_OK;
}

static enum tlsd_cerr ske_signature(struct tlsd_rd *b, const struct tlsd_hs_ctx *ctx,
                                    struct tlsd_server_key_exchange *ske)
{
    struct tlsd_rd sig;
    if (ctx->version == 0 || ctx->version >= TLSD_VERSION_TLS1_2) { /* RFC 5246 7.4.1.4.1 */
        ske->has_sig_scheme = true;
        TLSD_TRY(tlsd_rd_u16(b, &ske->sig_scheme, "DigitallySigned.algorithm"));
    }
    TLSD_TRY(tlsd_rd_vec16(b, &sig, "DigitallySigned.signature"));
    ske->sig_len = tlsd_rd_left(&sig);
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_server_key_exchange_parse(const uint8_t *msg, size_t len,
                                              const struct tlsd_hs_ctx *ctx,
                                              struct tlsd_server_key_exchange *out,
                                              struct tlsd_err *err)
{
    struct tlsd_err local;
    struct tlsd_rd r, body, hint;
    bool psk = false;
    memset(out, 0, sizeof *out);
    TLSD_TRY(open_msg(&r, msg, len, err_or(err, &local), TLSD_HS_SERVER_KEY_EXCHANGE, &body));
    if (!ctx || kx_of(ctx->suite, &out->kind, &psk, &out->anonymous))
        return tlsd_rd_fail(&body, TLSD_CERR_UNSUPPORTED, "ServerKeyExchange: unknown suite");
    if (psk) /* RFC 4279 2, RFC 5489 2 */
        TLSD_TRY(tlsd_rd_vec16(&body, &hint, "ServerKeyExchange.psk_identity_hint"));
    if (out->kind == TLSD_SKE_DH)
        TLSD_TRY(ske_dh(&body, out));
    else if (out->kind == TLSD_SKE_ECDH)
        TLSD_TRY(ske_ec(&body, out));
    else if (out->kind == TLSD_SKE_RSA)
        TLSD_TRY(ske_rsa(&body, out));
    if (!out->anonymous)
        TLSD_TRY(ske_signature(&body, ctx, out));
    return tlsd_rd_done(&body, "ServerKeyExchange");
}

/* RFC 5246 7.4.4 (TLS 1.2 adds supported_signature_algorithms); RFC 8446 4.3.2. */
static enum tlsd_cerr cr_tls12(struct tlsd_rd *b, const struct tlsd_hs_ctx *ctx,
                               struct tlsd_certificate_request *cr)
{
    struct tlsd_rd types, algs, cas, dn;
    TLSD_TRY(tlsd_rd_vec8(b, &types, "CertificateRequest.certificate_types"));
    if (!tlsd_rd_left(&types))
        return tlsd_rd_fail(b, TLSD_CERR_EMPTY, "CertificateRequest.certificate_types");
    TLSD_TRY(tlsd_rd_u8_list(&types, &cr->cert_types, &cr->n_cert_types, "certificate_types"));
    if (!ctx || ctx->version == 0 || ctx->version >= TLSD_VERSION_TLS1_2) {
        TLSD_TRY(tlsd_rd_vec16(b, &algs, "CertificateRequest.supported_signature_algorithms"));
        if (!tlsd_rd_left(&algs))
            return tlsd_rd_fail(b, TLSD_CERR_EMPTY, "CertificateRequest.sigalgs");
        cr->has_sigalgs = true;
        TLSD_TRY(tlsd_rd_u16_list(&algs, &cr->sigalgs, &cr->n_sigalgs, "sigalgs"));
    }
    TLSD_TRY(tlsd_rd_vec16(b, &cas, "CertificateRequest.certificate_authorities"));
    while (tlsd_rd_left(&cas)) {
        TLSD_TRY(tlsd_rd_vec16(&cas, &dn, "DistinguishedName"));
        if (!tlsd_rd_left(&dn))
            return tlsd_rd_fail(&cas, TLSD_CERR_EMPTY, "DistinguishedName");
        cr->n_cas++;
    }
    return tlsd_rd_done(b, "CertificateRequest");
}

static enum tlsd_cerr cr_tls13(struct tlsd_rd *b, struct tlsd_certificate_request *cr)
{
    struct tlsd_rd context, block, list;
    struct tlsd_ext *exts = NULL;
    size_t n = 0;
    TLSD_TRY(tlsd_rd_vec8(b, &context, "CertificateRequest.certificate_request_context"));
    TLSD_TRY(tlsd_rd_vec16(b, &block, "CertificateRequest.extensions"));
    enum tlsd_cerr e = tlsd_read_extensions(&block, &exts, &n);
    for (size_t i = 0; e == TLSD_CERR_OK && i < n; i++) {
        if (exts[i].type != TLSD_EXT_SIGNATURE_ALGORITHMS)
            continue;
        struct tlsd_rd ext = block;
        ext.p = exts[i].data;
        ext.end = ext.p + exts[i].len;
        e = tlsd_rd_vec16(&ext, &list, "signature_algorithms");
        if (e == TLSD_CERR_OK)
            e = tlsd_rd_done(&ext, "signature_algorithms");
        if (e == TLSD_CERR_OK)
            e = tlsd_rd_u16_list(&list, &cr->sigalgs, &cr->n_sigalgs, "signature_algorithms");
        cr->has_sigalgs = e == TLSD_CERR_OK;
    }
    free(exts);
    TLSD_TRY(e);
    return tlsd_rd_done(b, "CertificateRequest");
}

enum tlsd_cerr tlsd_certificate_request_parse(const uint8_t *msg, size_t len,
                                              const struct tlsd_hs_ctx *ctx,
                                              struct tlsd_certificate_request *out,
                                              struct tlsd_err *err)
{
    struct tlsd_err local;
    struct tlsd_rd r, body;
    memset(out, 0, sizeof *out);
    TLSD_TRY(open_msg(&r, msg, len, err_or(err, &local), TLSD_HS_CERTIFICATE_REQUEST, &body));
    return is_tls13(ctx) ? cr_tls13(&body, out) : cr_tls12(&body, ctx, out);
}

void tlsd_certificate_request_free(struct tlsd_certificate_request *cr)
{
    free(cr->cert_types);
    free(cr->sigalgs);
    memset(cr, 0, sizeof *cr);
}

enum tlsd_cerr tlsd_server_hello_done_parse(const uint8_t *msg, size_t len, struct tlsd_err *err)
{
    struct tlsd_err local;
    struct tlsd_rd r, body;
    TLSD_TRY(open_msg(&r, msg, len, err_or(err, &local), TLSD_HS_SERVER_HELLO_DONE, &body));
    return tlsd_rd_done(&body, "ServerHelloDone"); /* RFC 5246 7.4.5: empty */
}

/* RFC 5077 3.3; RFC 8446 4.6.1. */
enum tlsd_cerr tlsd_new_session_ticket_parse(const uint8_t *msg, size_t len,
                                             const struct tlsd_hs_ctx *ctx,
                                             struct tlsd_new_session_ticket *out,
                                             struct tlsd_err *err)
{
    struct tlsd_err local;
    struct tlsd_rd r, body, nonce, ticket, exts;
    memset(out, 0, sizeof *out);
    TLSD_TRY(open_msg(&r, msg, len, err_or(err, &local), TLSD_HS_NEW_SESSION_TICKET, &body));
    TLSD_TRY(tlsd_rd_u32(&body, &out->lifetime, "NewSessionTicket.lifetime"));
    if (is_tls13(ctx)) {
        TLSD_TRY(tlsd_rd_u32(&body, &out->age_add, "NewSessionTicket.ticket_age_add"));
        TLSD_TRY(tlsd_rd_vec8(&body, &nonce, "NewSessionTicket.ticket_nonce"));
        out->nonce_len = tlsd_rd_left(&nonce);
    }
    TLSD_TRY(tlsd_rd_vec16(&body, &ticket, "NewSessionTicket.ticket"));
    out->ticket_len = tlsd_rd_left(&ticket);
    if (is_tls13(ctx)) {
        struct tlsd_ext *e = NULL;
        if (!out->ticket_len)
            return tlsd_rd_fail(&body, TLSD_CERR_EMPTY, "NewSessionTicket.ticket");
        TLSD_TRY(tlsd_rd_vec16(&body, &exts, "NewSessionTicket.extensions"));
        enum tlsd_cerr rc = tlsd_read_extensions(&exts, &e, &out->n_exts);
        free(e);
        TLSD_TRY(rc);
    }
    return tlsd_rd_done(&body, "NewSessionTicket");
}

/* RFC 5246 7.2, RFC 8446 6: level (1 warning, 2 fatal) and description. */
enum tlsd_cerr tlsd_alert_parse(const uint8_t *frag, size_t len, struct tlsd_alert_msg *out,
                                struct tlsd_err *err)
{
    struct tlsd_err local;
    struct tlsd_rd r;
    memset(out, 0, sizeof *out);
    tlsd_rd_init(&r, frag, len, err_or(err, &local));
    TLSD_TRY(tlsd_rd_u8(&r, &out->level, "Alert.level"));
    TLSD_TRY(tlsd_rd_u8(&r, &out->description, "Alert.description"));
    if (out->level != TLSD_ALERT_LEVEL_WARNING && out->level != TLSD_ALERT_LEVEL_FATAL)
        return tlsd_rd_fail(&r, TLSD_CERR_BAD_VALUE, "Alert.level");
    return tlsd_rd_done(&r, "Alert");
}

/* SSLv2 spec 2.6: SERVER-HELLO. */
static enum tlsd_cerr ssl2_sh_body(struct tlsd_rd *r, struct tlsd_ssl2_server_hello *sh)
{
    uint8_t hit, type;
    size_t cert_len, cs_len, cid_len;
    struct tlsd_rd cert, cs, cid;
    TLSD_TRY(tlsd_rd_u8(r, &type, "SSLv2 message type"));
    if (type != 4)
        return tlsd_rd_fail(r, TLSD_CERR_UNEXPECTED, "SSLv2 message type");
    TLSD_TRY(tlsd_rd_u8(r, &hit, "SERVER-HELLO.session_id_hit"));
    sh->session_id_hit = hit != 0;
    TLSD_TRY(tlsd_rd_u8(r, &sh->certificate_type, "SERVER-HELLO.certificate_type"));
    TLSD_TRY(tlsd_rd_u16(r, &sh->version, "SERVER-HELLO.server_version"));
    TLSD_TRY(tlsd_rd_length(r, 2, &cert_len, "SERVER-HELLO.certificate_length"));
    TLSD_TRY(tlsd_rd_length(r, 2, &cs_len, "SERVER-HELLO.cipher_specs_length"));
    TLSD_TRY(tlsd_rd_length(r, 2, &cid_len, "SERVER-HELLO.connection_id_length"));
    if (cs_len % 3)
        return tlsd_rd_fail(r, TLSD_CERR_LENGTH, "SERVER-HELLO.cipher_specs_length");
    if (cid_len < 16 || cid_len > 32)
        return tlsd_rd_fail(r, TLSD_CERR_BAD_VALUE, "SERVER-HELLO.connection_id_length");
    TLSD_TRY(tlsd_rd_sub(r, &cert, cert_len, "SERVER-HELLO.certificate"));
    TLSD_TRY(tlsd_rd_sub(r, &cs, cs_len, "SERVER-HELLO.cipher_specs"));
    TLSD_TRY(tlsd_rd_sub(r, &cid, cid_len, "SERVER-HELLO.connection_id"));
    TLSD_TRY(tlsd_rd_done(r, "SERVER-HELLO"));
    sh->connection_id_len = cid_len;
    sh->kinds = calloc(cs_len / 3 + 1, sizeof *sh->kinds);
    if (!sh->kinds)
        return tlsd_rd_fail(r, TLSD_CERR_NOMEM, "SERVER-HELLO");
    while (tlsd_rd_left(&cs))
        TLSD_TRY(tlsd_rd_u24(&cs, &sh->kinds[sh->n_kinds++], "SERVER-HELLO.cipher_specs"));
    if (cert_len && sh->certificate_type == 1) { /* SSL_CT_X509_CERTIFICATE */
        sh->has_cert = true;
        enum tlsd_cerr e = tlsd_cert_summarize(cert.p, cert_len, &sh->cert);
        if (e)
            return tlsd_rd_fail(r, e, "SERVER-HELLO.certificate");
        sh->cert.der = NULL; /* the input is not kept */
    }
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_ssl2_server_hello_parse(const uint8_t *msg, size_t len,
                                            struct tlsd_ssl2_server_hello *out,
                                            struct tlsd_err *err)
{
    struct tlsd_err local;
    struct tlsd_rd r;
    memset(out, 0, sizeof *out);
    tlsd_rd_init(&r, msg, len, err_or(err, &local));
    return ssl2_sh_body(&r, out);
}

void tlsd_ssl2_server_hello_free(struct tlsd_ssl2_server_hello *sh)
{
    free(sh->kinds);
    tlsd_cert_summary_free(&sh->cert);
    memset(sh, 0, sizeof *sh);
}

enum tlsd_cerr tlsd_hs_parse(const uint8_t *msg, size_t len, const struct tlsd_hs_ctx *ctx,
                             struct tlsd_hs_msg *out, struct tlsd_err *err)
{
    struct tlsd_err local;
    struct tlsd_rd r, body;
    memset(out, 0, sizeof *out);
    err = err_or(err, &local);
    tlsd_rd_init(&r, msg, len, err);
    TLSD_TRY(tlsd_rd_u8(&r, &out->type, "handshake type"));
    TLSD_TRY(tlsd_rd_vec24(&r, &body, "handshake length"));
    TLSD_TRY(tlsd_rd_done(&r, "handshake message"));
    out->body_len = tlsd_rd_left(&body);
    switch (out->type) {
    case TLSD_HS_CLIENT_HELLO:
        return tlsd_client_hello_parse(msg, len, false, &out->u.client_hello, err);
    case TLSD_HS_SERVER_HELLO:
        return tlsd_server_hello_parse(msg, len, &out->u.server_hello, err);
    case TLSD_HS_CERTIFICATE:
        return tlsd_certificate_parse(msg, len, ctx, &out->u.certificate, err);
    case TLSD_HS_SERVER_KEY_EXCHANGE:
        return tlsd_server_key_exchange_parse(msg, len, ctx, &out->u.ske, err);
    case TLSD_HS_CERTIFICATE_REQUEST:
        return tlsd_certificate_request_parse(msg, len, ctx, &out->u.cert_request, err);
    case TLSD_HS_SERVER_HELLO_DONE:
        return tlsd_server_hello_done_parse(msg, len, err);
    case TLSD_HS_NEW_SESSION_TICKET:
        return tlsd_new_session_ticket_parse(msg, len, ctx, &out->u.ticket, err);
    default:
        return TLSD_CERR_OK; /* no typed parser: the header was consistent */
    }
}

void tlsd_hs_msg_free(struct tlsd_hs_msg *m)
{
    switch (m->type) {
    case TLSD_HS_CLIENT_HELLO:
        tlsd_client_hello_free(&m->u.client_hello);
        break;
    case TLSD_HS_SERVER_HELLO:
        tlsd_server_hello_free(&m->u.server_hello);
        break;
    case TLSD_HS_CERTIFICATE:
        tlsd_certificate_free(&m->u.certificate);
        break;
    case TLSD_HS_CERTIFICATE_REQUEST:
        tlsd_certificate_request_free(&m->u.cert_request);
        break;
    default:
        break;
    }
    memset(m, 0, sizeof *m);
}
