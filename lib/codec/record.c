/* The record layer and the streaming reassembler (see record.h). */
#include "tlsdiag/record.h"

#include <stdlib.h>
#include <string.h>

#include "tlsdiag/registry.h"

bool tlsd_record_looks_sslv2(const uint8_t *buf, size_t len)
{
    /* An SSLv2 2-byte header has the high bit set; no TLS content type does. */
    return len >= 1 && (buf[0] & 0x80);
}

bool tlsd_record_version_ok(uint16_t v)
{
    /* SSLv3 .. TLS 1.3 record versions (RFC 8446 5.1 freezes it at 0x0303). */
    return v >= TLSD_VERSION_SSL3 && v <= TLSD_VERSION_TLS1_3;
}

static bool content_type_known(unsigned t)
{
    return t >= TLSD_CT_CHANGE_CIPHER_SPEC && t <= TLSD_CT_HEARTBEAT;
}

static enum tlsd_cerr ssl2_header(struct tlsd_rd *r, struct tlsd_record *rec, size_t *need)
{
    uint8_t b0, b1;
    if (tlsd_rd_u8(r, &b0, "SSLv2 record header") || tlsd_rd_u8(r, &b1, "SSLv2 record header"))
        return TLSD_CERR_NEED_MORE;
    rec->content_type = TLSD_SSL2_HEADER;
    rec->version = TLSD_VERSION_SSL2;
    if (b0 & 0x80) {
        rec->header_len = 2; /* SSLv2 spec 1.2: no padding */
        rec->len = ((size_t)(b0 & 0x7f) << 8) | b1;
    } else {
        rec->header_len = 3; /* bit 6 is the "security escape" flag */
        rec->len = ((size_t)(b0 & 0x3f) << 8) | b1;
        if (tlsd_rd_u8(r, &rec->ssl2_padding, "SSLv2 record padding"))
            return TLSD_CERR_NEED_MORE;
    }
    if (r->err && r->err->length_hook)
        r->err->length_hook(r->err->hook_ctx, 0, 2, rec->len);
    if (need)
        *need = rec->header_len + rec->len;
    if (rec->len == 0)
        return tlsd_rd_fail(r, TLSD_CERR_BAD_VALUE, "SSLv2 record length");
    if (rec->ssl2_padding > rec->len)
        return tlsd_rd_fail(r, TLSD_CERR_LENGTH, "SSLv2 record padding");
    return TLSD_CERR_OK;
}

static enum tlsd_cerr tls_header(struct tlsd_rd *r, struct tlsd_record *rec, size_t max_len,
                                 size_t *need)
{
    uint8_t type;
    uint16_t version;
    size_t len;
    if (tlsd_rd_u8(r, &type, "record content type"))
        return TLSD_CERR_NEED_MORE;
    if (!content_type_known(type))
        return tlsd_rd_fail(r, TLSD_CERR_BAD_CONTENT_TYPE, "record content type");
    if (tlsd_rd_u16(r, &version, "record version"))
        return TLSD_CERR_NEED_MORE;
    if (!tlsd_record_version_ok(version))
        return tlsd_rd_fail(r, TLSD_CERR_BAD_VERSION, "record version");
    if (tlsd_rd_length(r, 2, &len, "record length"))
        return TLSD_CERR_NEED_MORE;
    rec->content_type = type;
    rec->version = version;
    rec->header_len = 5;
    rec->len = len;
    rec->ssl2_padding = 0;
    if (need)
        *need = 5 + len;
    /* RFC 5246 6.2.1 / 6.2.3, RFC 8446 5.1 / 5.2: record_overflow. */
    if (len > max_len)
        return tlsd_rd_fail(r, TLSD_CERR_RECORD_TOO_LARGE, "record length");
    /* RFC 5246 6.2.1, RFC 8446 5.1: no zero-length handshake, alert or CCS fragments. */
    if (len == 0 && type != TLSD_CT_APPLICATION_DATA)
        return tlsd_rd_fail(r, TLSD_CERR_BAD_VALUE, "record length");
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_record_parse(const uint8_t *buf, size_t len, bool sslv2, size_t max_len,
                                 struct tlsd_record *rec, size_t *need, struct tlsd_err *err)
{
    struct tlsd_rd r;
    struct tlsd_err local = {0};
    if (!err)
        err = &local;
    tlsd_rd_init(&r, buf, len, err);
    if (need)
        *need = 0;
    if (max_len == 0)
        max_len = TLSD_MAX_CIPHERTEXT_12;
    memset(rec, 0, sizeof *rec);
    enum tlsd_cerr e = sslv2 ? ssl2_header(&r, rec, need) : tls_header(&r, rec, max_len, need);
    if (e == TLSD_CERR_NEED_MORE) {
        err->code = TLSD_CERR_OK; /* running out of input is not an error here */
        return e;
    }
    if (e != TLSD_CERR_OK)
        return e;
    if (tlsd_rd_left(&r) < rec->len)
        return TLSD_CERR_NEED_MORE;
    rec->frag = r.p;
    if (sslv2)
        rec->len -= rec->ssl2_padding; /* padding bytes follow the data */
    return TLSD_CERR_OK;
}

void tlsd_reasm_init(struct tlsd_reasm *r)
{
    memset(r, 0, sizeof *r);
    r->auto_encrypt = true;
}

void tlsd_reasm_free(struct tlsd_reasm *r)
{
    free(r->in);
    free(r->hs);
    tlsd_reasm_init(r);
}

size_t tlsd_reasm_bytes(const struct tlsd_reasm *r)
{
    return r->in_cap + r->hs_cap;
}

/* Buffers start small: a capture analyser keeps one per direction of every connection not
 * yet decided, and a flood of half-open ones holds a few hundred bytes each. */
#define BUF_MIN 512

static enum tlsd_cerr grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return TLSD_CERR_OK;
    size_t c = *cap ? *cap : BUF_MIN;
    while (c < need)
        c *= 2;
    uint8_t *b = realloc(*buf, c);
    if (!b)
        return TLSD_CERR_NOMEM;
    *buf = b;
    *cap = c;
    return TLSD_CERR_OK;
}

/* The unparsed input: the borrowed bytes, or the reassembler's own buffer. */
static const uint8_t *input(const struct tlsd_reasm *r)
{
    return r->view ? r->view : r->in;
}

/* Copies what is left of the borrowed bytes (from the current record's fragment when one
 * is partly delivered) into the reassembler's own buffer. */
static enum tlsd_cerr keep_view(struct tlsd_reasm *r)
{
    const uint8_t *v = r->view;
    size_t from = r->rec_active ? (size_t)(r->rec_frag - v) : r->in_off;
    size_t n = r->in_len - from, off = r->in_off - from;
    size_t frag_off = r->rec_active ? (size_t)(r->rec_frag - (v + from)) : 0;
    r->view = NULL;
    r->in_len = r->in_off = 0;
    if (grow(&r->in, &r->in_cap, n))
        return TLSD_CERR_NOMEM;
    if (n)
        memcpy(r->in, v + from, n);
    r->in_len = n;
    r->in_off = off;
    if (r->rec_active)
        r->rec_frag = r->in + frag_off;
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_reasm_feed(struct tlsd_reasm *r, const void *data, size_t len)
{
    if (r->view && keep_view(r) != TLSD_CERR_OK)
        return TLSD_CERR_NOMEM;
    if (r->borrow && len && r->in_off == r->in_len && !r->rec_active) {
        r->view = data;
        r->in_off = 0;
        r->in_len = len;
        return TLSD_CERR_OK;
    }
    /* rec_frag may point into r->in: keep it as an offset across moves. */
    size_t frag_off = r->rec_active ? (size_t)(r->rec_frag - r->in) : 0;
    if (!r->rec_active && r->in_off) {
        memmove(r->in, r->in + r->in_off, r->in_len - r->in_off);
        r->in_len -= r->in_off;
        r->in_off = 0;
    }
    if (grow(&r->in, &r->in_cap, r->in_len + len))
        return TLSD_CERR_NOMEM;
    if (len)
        memcpy(r->in + r->in_len, data, len);
    r->in_len += len;
    if (r->rec_active)
        r->rec_frag = r->in + frag_off;
    return TLSD_CERR_OK;
}

void tlsd_reasm_set_encrypted(struct tlsd_reasm *r, bool tls13)
{
    r->encrypted = true;
    r->tls13 = r->tls13 || tls13;
}

/* TLS 1.3 is chosen by a ServerHello that is not an HRR (RFC 8446 4.1.3, 4.2.1). */
void tlsd_reasm_server_hello(struct tlsd_reasm *r, uint16_t version, bool hrr)
{
    if (!tlsd_version_is_tls13(version))
        return;
    r->tls13 = true;
    if (!hrr && r->auto_encrypt)
        r->encrypted = true;
}

bool tlsd_reasm_idle(const struct tlsd_reasm *r)
{
    return r->in_off == r->in_len && r->hs_len == 0 && !r->rec_active;
}

static enum tlsd_cerr reasm_fail(struct tlsd_reasm *r, enum tlsd_cerr code, const char *what)
{
    if (r->err.code == TLSD_CERR_OK) {
        r->err.code = code;
        r->err.what = what;
        r->err.offset = r->stats.bytes;
    }
    return r->err.code;
}

static size_t record_limit(const struct tlsd_reasm *r, unsigned type)
{
    if (r->encrypted)
        return r->tls13 ? TLSD_MAX_CIPHERTEXT_13 : TLSD_MAX_CIPHERTEXT_12;
    /* Application data is always protected, even before we know it. */
    if (type == TLSD_CT_APPLICATION_DATA)
        return r->tls13 ? TLSD_MAX_CIPHERTEXT_13 : TLSD_MAX_CIPHERTEXT_12;
    return TLSD_MAX_PLAINTEXT;
}

/* Reads the next record into r->rec. */
static enum tlsd_cerr next_record(struct tlsd_reasm *r)
{
    size_t left = r->in_len - r->in_off;
    if (left == 0) /* also before any input: r->in is still NULL then */
        return TLSD_CERR_NEED_MORE;
    const uint8_t *p = input(r) + r->in_off;
    if (!r->started) {
        r->sslv2 = tlsd_record_looks_sslv2(p, left);
        r->started = true;
    }
    if (r->sslv2 && r->ssl2_compat && !tlsd_record_looks_sslv2(p, left)) {
        /* RFC 5246 E.2: after a version 2 compatible CLIENT-HELLO the client goes on
         * in SSLv3/TLS records. A TLS header is a content type then major version 3. */
        if (left < 3)
            return TLSD_CERR_NEED_MORE;
        r->sslv2 = !(content_type_known(p[0]) && p[1] == 3);
    }
    size_t max = left >= 1 ? record_limit(r, p[0]) : TLSD_MAX_PLAINTEXT;
    struct tlsd_err err = {0};
    bool v2 = r->sslv2;
    enum tlsd_cerr e = tlsd_record_parse(p, left, v2, max, &r->rec, NULL, &err);
    if (e == TLSD_CERR_NEED_MORE)
        return e;
    if (e != TLSD_CERR_OK) {
        r->err = err;
        r->err.offset += r->stats.bytes;
        return e;
    }
    size_t total = r->rec.header_len + r->rec.len + r->rec.ssl2_padding;
    r->in_off += total;
    r->stats.bytes += total;
    r->stats.records++;
    r->rec_frag = r->rec.frag;
    r->rec_len = r->rec.len;
    r->rec_active = true;
    return TLSD_CERR_OK;
}

static void event_init(const struct tlsd_reasm *r, struct tlsd_event *ev, enum tlsd_event_kind kind)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->content_type = r->rec.content_type;
    ev->version = r->rec.version;
    ev->record_index = r->stats.records - 1;
}

static void whole_record(struct tlsd_reasm *r, struct tlsd_event *ev, enum tlsd_event_kind k)
{
    event_init(r, ev, k);
    ev->data = r->rec_frag;
    ev->len = r->rec_len;
    r->rec_active = false;
}

/* A whole handshake message at the start of r->hs, if there is one. */
static enum tlsd_cerr take_message(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    if (r->hs_len < 4)
        return TLSD_CERR_NEED_MORE;
    size_t body = ((size_t)r->hs[1] << 16) | ((size_t)r->hs[2] << 8) | r->hs[3];
    if (body > TLSD_MAX_HANDSHAKE_SIZE)
        return reasm_fail(r, TLSD_CERR_MSG_TOO_LARGE, "handshake message length");
    if (r->hs_len < 4 + body)
        return TLSD_CERR_NEED_MORE;
    event_init(r, ev, TLSD_EV_HANDSHAKE);
    ev->hs_type = r->hs[0];
    ev->data = r->hs;
    ev->len = 4 + body;
    r->stats.handshake_msgs++;
    return TLSD_CERR_OK;
}

/* A protected record delivered whole, counted and not parsed. */
static enum tlsd_cerr encrypted_record(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    whole_record(r, ev, TLSD_EV_ENCRYPTED);
    r->stats.encrypted_records++;
    return TLSD_CERR_OK;
}

/* The shortest protected record: a 16-byte MAC (MD5, the shortest) for stream and
 * block ciphers, an explicit nonce plus tag for AEAD ciphers in TLS 1.2 (8 + 8 for
 * AES_CCM_8, RFC 6655), a 16-byte tag in TLS 1.3 (RFC 5246 6.2.3, RFC 8446 5.2). */
#define TLSD_MIN_CIPHERTEXT 16u

/* True when a TLS stream can carry a handshake message of this type in the clear
 * (the registry's tls column: assigned, not DTLS-only, not the synthetic message_hash). */
static bool tls_handshake_type(uint8_t type)
{
    const struct tlsd_handshake_type *t = tlsd_handshake_type_by_code(type);
    return t && t->tls;
}

/* True when the buffered handshake bytes end exactly on or after a whole message. */
static bool hs_message_complete(const struct tlsd_reasm *r)
{
    if (r->hs_len < 4)
        return false;
    size_t body = ((size_t)r->hs[1] << 16) | ((size_t)r->hs[2] << 8) | r->hs[3];
    return r->hs_len >= 4 + body;
}

/* The length of the whole handshake message at the start of the current record's
 * fragment, 0 when the fragment does not hold one whole. */
static size_t whole_message_in_record(const struct tlsd_reasm *r)
{
    if (r->rec_len < 4)
        return 0;
    const uint8_t *m = r->rec_frag;
    size_t len = 4 + (((size_t)m[1] << 16) | ((size_t)m[2] << 8) | m[3]);
    return len <= r->rec_len ? len : 0;
}

/* A message that lies whole in the record is handed out where it is, not copied into the
 * message buffer first (most records hold whole messages: one copy and the buffer's
 * allocation per connection direction saved). The record stays current while bytes of it
 * remain; the next call goes on with them. The same checks as take_message: the length is
 * below TLSD_MAX_HANDSHAKE_SIZE (a record is shorter). */
static enum tlsd_cerr message_in_place(struct tlsd_reasm *r, struct tlsd_event *ev, size_t len)
{
    event_init(r, ev, TLSD_EV_HANDSHAKE);
    ev->hs_type = r->rec_frag[0];
    ev->data = r->rec_frag;
    ev->len = len;
    r->rec_frag += len;
    r->rec_len -= len;
    r->rec_active = r->rec_len > 0;
    r->stats.handshake_msgs++;
    r->hs_delivered = true; /* for the key-change check of the next call */
    return TLSD_CERR_OK;
}

/* NEED_MORE after buffering the fragment; OK with *ev for an encrypted record or a
 * message handed out in place. */
static enum tlsd_cerr on_handshake(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    /* Nothing of the record handed out yet (not a rest after messages in place). */
    bool fresh = r->rec_len == r->rec.len;
    /* A record that starts a message with a type no TLS peer sends in the clear, and
     * is long enough to be a ciphertext, is protected: a Finished after a
     * ChangeCipherSpec we did not see, or a record we cannot read. tshark labels it
     * "Encrypted Handshake Message" by the same rule. */
    if (fresh && r->hs_len == 0 && r->rec_len >= TLSD_MIN_CIPHERTEXT &&
        !tls_handshake_type(r->rec_frag[0]))
        return encrypted_record(r, ev);
    size_t whole = r->hs_len == 0 ? whole_message_in_record(r) : 0;
    if (whole)
        return message_in_place(r, ev, whole);
    if (grow(&r->hs, &r->hs_cap, r->hs_len + r->rec_len))
        return reasm_fail(r, TLSD_CERR_NOMEM, "handshake buffer");
    memcpy(r->hs + r->hs_len, r->rec_frag, r->rec_len);
    r->hs_len += r->rec_len;
    r->rec_active = false;
    if (fresh && !hs_message_complete(r)) /* the start or a middle piece of a message */
        r->stats.hs_fragment_records++;
    return TLSD_CERR_NEED_MORE;
}

static enum tlsd_cerr on_alert(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    /* A plaintext alert is exactly level and description (RFC 5246 7.2, RFC 8446 6);
     * RFC 8446 5.1 forbids coalescing or splitting them. Any other length is a
     * protected alert (TLSCiphertext, RFC 8446 5.2; RFC 5246 6.2.3): counted, not
     * read. tshark shows such a record as "Encrypted Alert". */
    if (r->rec_len != 2)
        return encrypted_record(r, ev);
    event_init(r, ev, TLSD_EV_ALERT);
    ev->data = r->rec_frag;
    ev->len = 2;
    ev->alert_level = ev->data[0];
    ev->alert_desc = ev->data[1];
    r->rec_active = false;
    r->stats.alerts++;
    return TLSD_CERR_OK;
}

static enum tlsd_cerr on_ccs(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    /* RFC 5246 7.1: one byte of value 1. */
    if (r->rec_len != 1 || r->rec_frag[0] != 1)
        return reasm_fail(r, TLSD_CERR_BAD_VALUE, "change_cipher_spec");
    if (r->hs_len)
        return reasm_fail(r, TLSD_CERR_UNEXPECTED, "change_cipher_spec inside a message");
    whole_record(r, ev, TLSD_EV_CCS);
    r->stats.ccs++;
    /* In TLS 1.3 CCS is a compatibility no-op (RFC 8446 D.4); before, it starts
     * protection of this direction (RFC 5246 7.1). */
    if (!r->tls13 && r->auto_encrypt)
        r->encrypted = true;
    return TLSD_CERR_OK;
}

static enum tlsd_cerr on_ssl2(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    if (r->encrypted)
        return encrypted_record(r, ev);
    whole_record(r, ev, TLSD_EV_SSL2);
    ev->hs_type = ev->data[0];
    r->stats.handshake_msgs++;
    /* RFC 5246 E.2: a CLIENT-HELLO whose version is SSLv3 or later is version 2
     * compatible; the client's next records may be SSLv3/TLS records. */
    if (ev->hs_type == 1 && ev->len >= 3 && (ev->data[1] << 8 | ev->data[2]) >= TLSD_VERSION_SSL3)
        r->ssl2_compat = true;
    /* SSLv2: SERVER-HELLO (4) and CLIENT-MASTER-KEY (2) are the last clear messages. */
    if ((ev->hs_type == 4 || ev->hs_type == 2) && r->auto_encrypt)
        r->encrypted = true;
    return TLSD_CERR_OK;
}

/* A 2-byte alert record is level and description in the clear even in a protected
 * direction: no TLSCiphertext is that short (a MAC or AEAD tag is added, RFC 5246
 * 6.2.3, RFC 8446 5.2), and TLS 1.3 protected records all have the outer type 23
 * (RFC 8446 5.2). A peer that fails before it has keys sends such alerts. */
static bool plaintext_alert(const struct tlsd_reasm *r)
{
    return r->rec.content_type == TLSD_CT_ALERT && r->rec_len == 2;
}

/* Delivers the current record. NEED_MORE: it held no (further) event. */
static enum tlsd_cerr on_record(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    unsigned type = r->rec.content_type;
    if (type == TLSD_SSL2_HEADER)
        return on_ssl2(r, ev);
    if (r->encrypted && type != TLSD_CT_CHANGE_CIPHER_SPEC && !plaintext_alert(r))
        return encrypted_record(r, ev);
    if (r->hs_len && type != TLSD_CT_HANDSHAKE) /* RFC 8446 5.1: no interleaving */
        return reasm_fail(r, TLSD_CERR_UNEXPECTED, "record inside a handshake message");
    switch (type) {
    case TLSD_CT_HANDSHAKE:
        return on_handshake(r, ev);
    case TLSD_CT_ALERT:
        return on_alert(r, ev);
    case TLSD_CT_CHANGE_CIPHER_SPEC:
        return on_ccs(r, ev);
    case TLSD_CT_HEARTBEAT:
        whole_record(r, ev, TLSD_EV_HEARTBEAT);
        return TLSD_CERR_OK;
    default:
        whole_record(r, ev, TLSD_EV_APPDATA);
        r->stats.appdata_records++;
        return TLSD_CERR_OK;
    }
}

/* Drops the message delivered by the previous call. */
static void drop_delivered(struct tlsd_reasm *r)
{
    if (r->hs_len < 4)
        return;
    size_t body = ((size_t)r->hs[1] << 16) | ((size_t)r->hs[2] << 8) | r->hs[3];
    if (r->hs_len < 4 + body)
        return;
    memmove(r->hs, r->hs + 4 + body, r->hs_len - 4 - body);
    r->hs_len -= 4 + body;
}

static enum tlsd_cerr reasm_next(struct tlsd_reasm *r, struct tlsd_event *ev);

enum tlsd_cerr tlsd_reasm_next(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    enum tlsd_cerr e = reasm_next(r, ev);
    /* Borrowed bytes are the caller's only until it is told to feed more. */
    if (e == TLSD_CERR_NEED_MORE && r->view && keep_view(r) != TLSD_CERR_OK)
        return reasm_fail(r, TLSD_CERR_NOMEM, "record buffer");
    return e;
}

static enum tlsd_cerr reasm_next(struct tlsd_reasm *r, struct tlsd_event *ev)
{
    if (r->err.code != TLSD_CERR_OK)
        return r->err.code;
    if (r->hs_delivered) {
        drop_delivered(r);
        r->hs_delivered = false;
        /* RFC 8446 5.1: a key change must fall on a record boundary (handshake bytes
         * buffered, or left in the current record after a message handed out in place). */
        if (r->encrypted && (r->hs_len || r->rec_active))
            return reasm_fail(r, TLSD_CERR_UNEXPECTED, "handshake data after a key change");
    }
    for (;;) {
        enum tlsd_cerr e = take_message(r, ev);
        if (e == TLSD_CERR_OK) {
            r->hs_delivered = true;
            return e;
        }
        if (e != TLSD_CERR_NEED_MORE)
            return e;
        if (!r->rec_active) {
            e = next_record(r);
            if (e != TLSD_CERR_OK)
                return e;
        }
        e = on_record(r, ev);
        if (e != TLSD_CERR_NEED_MORE)
            return e;
    }
}
