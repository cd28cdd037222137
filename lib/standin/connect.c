/* One connection to a server (tlsdiag connect). The TCP connection and any STARTTLS
 * exchange are the probe (probe.c, probe_internal.h) on a private libuv loop; then either
 * the probe sends the given ClientHello and reads the answer with the codec, or it hands
 * the socket over and the local libssl makes a full handshake on it (non-blocking, with
 * poll and one deadline), verifying the chain and the host name afterwards so that both
 * are reported rather than fatal. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "platform.h"

#include "base/deadline_internal.h"
#include "scan/probe_internal.h"
#include "tlsdiag/connect.h"
#include "tlsdiag/hello_check.h"
#include "tlsdiag/record.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/suitelist.h"

void tlsd_connect_result_free(struct tlsd_connect_result *r)
{
    tlsd_cert_chain_free(&r->chain);
}

static uint64_t now_ms(void)
{
    return tlsd_now_ms();
}

/* ---- the chain ------------------------------------------------------------------- */

static void add_cert(struct tlsd_connect_result *r, const uint8_t *der, size_t len)
{
    if (r->chain.n < TLSD_CONNECT_MAX_CHAIN)
        (void)tlsd_cert_chain_add(&r->chain, der, len);
}

/* The peer's chain as libssl received it, verified (certchain.c) against cafile or the
 * system store. */
static void collect_chain(struct tlsd_connect_result *r, SSL *ssl, const char *cafile,
                          const char *name)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    for (int i = 0; chain && i < sk_X509_num(chain); i++) {
        unsigned char *der = NULL;
        int n = i2d_X509(sk_X509_value(chain, i), &der);
        if (n > 0)
            add_cert(r, der, (size_t)n);
        OPENSSL_free(der);
    }
    tlsd_cert_chain_verify(&r->chain, cafile, name);
}

/* ---- the libssl handshake ------------------------------------------------------------ */

#define FIRST_BYTES 64 /* of the answer, kept to tell what it was when libssl refused it */

struct alerts {
    int sent, received;
    bool server_hello; /* the ServerHello (or HelloRetryRequest) was read */
    /* What the socket and libssl's message callback saw, for the note. */
    int rcv_level, rcv_desc; /* the first alert received, any level; -1 none */
    unsigned hrrs;           /* HelloRetryRequests */
    size_t ignored;          /* HelloRequests before the ServerHello (a client ignores them) */
    size_t bytes_in;
    uint8_t first[FIRST_BYTES];
    uint64_t deadline;
    unsigned timeout_ms;
    bool timed_out; /* a read was refused at the deadline */
    bool looked;    /* the one look past the deadline was taken */
    unsigned looks; /* socket calls made past the deadline */
};

static void on_msg(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    (void)version;
    (void)arg;
    struct alerts *a = SSL_get_app_data(ssl);
    const uint8_t *m = buf;
    if (write_p || len == 0)
        return;
    if (content_type == TLSD_CT_HANDSHAKE && m[0] == TLSD_HS_SERVER_HELLO)
        a->server_hello = true;
    if (content_type == TLSD_CT_HANDSHAKE && m[0] == TLSD_HS_HELLO_REQUEST && !a->server_hello)
        a->ignored++;
    a->hrrs += tlsd_msg_is_hrr(content_type, buf, len);
    if (content_type == TLSD_CT_ALERT && len == 2 && a->rcv_level < 0) {
        a->rcv_level = m[0];
        a->rcv_desc = m[1];
    }
}

/* Past the deadline, a few more socket calls are made (the thread may wake up long after
 * it), then none (deadline_internal.h). */
static bool past_look(struct alerts *a)
{
    return now_ms() >= a->deadline && tlsd_deadline_look_spent(&a->looks);
}

/* Counts and keeps the first bytes read; past the deadline a read is not made (a server that
 * floods HelloRequests keeps SSL_connect reading without ever returning). */
static long on_bio(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret,
                   size_t *processed)
{
    (void)len, (void)argi, (void)argl;
    struct alerts *a = (struct alerts *)BIO_get_callback_arg(b);
    if (oper == BIO_CB_READ && past_look(a)) {
        a->timed_out = true;
        return -1;
    }
    if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed) {
        for (size_t i = 0; i < *processed && a->bytes_in + i < FIRST_BYTES; i++)
            a->first[a->bytes_in + i] = (uint8_t)argp[i];
        a->bytes_in += *processed;
    }
    return ret;
}

/* The first record's header and the start of its handshake message, from the kept bytes
 * (RFC 5246 6.2.1, 7.4); false when they are not all there. */
struct first_msg {
    uint8_t content_type, hs_type;
    uint16_t version, record_len;
    uint32_t hs_len;
    bool has_hs;
};

static bool first_record(const struct alerts *a, struct first_msg *m)
{
    struct tlsd_err err = {0};
    struct tlsd_rd r;
    tlsd_rd_init(&r, a->first, a->bytes_in < FIRST_BYTES ? a->bytes_in : FIRST_BYTES, &err);
    if (tlsd_rd_u8(&r, &m->content_type, "type") || tlsd_rd_u16(&r, &m->version, "version") ||
        tlsd_rd_u16(&r, &m->record_len, "length"))
        return false;
    m->has_hs = m->content_type == TLSD_CT_HANDSHAKE &&
                tlsd_rd_u8(&r, &m->hs_type, "msg_type") == TLSD_CERR_OK &&
                tlsd_rd_u24(&r, &m->hs_len, "length") == TLSD_CERR_OK;
    return true;
}

/* What the bytes of an answer that came to no ServerHello were (probe_bytes_text). */
static void bytes_note(const struct alerts *a, char *out, size_t len)
{
    struct first_msg m;
    size_t have = 0, want = 0;
    if (!a->ignored && !first_record(a, &m))
        have = a->bytes_in; /* of the 5 bytes of the header */
    else if (!a->ignored && a->bytes_in < 5u + m.record_len) {
        have = a->bytes_in;
        want = 5u + m.record_len;
    }
    probe_bytes_text(a->bytes_in, a->ignored, TLSD_HS_HELLO_REQUEST, have, want, out, len);
}

/* The codec's reading of the first bytes of an answer libssl found no TLS in. */
static void not_tls_note(struct tlsd_connect_result *r, const struct alerts *a)
{
    struct tlsd_reasm rs;
    struct tlsd_event ev;
    char why[160];
    tlsd_reasm_init(&rs);
    enum tlsd_cerr e =
        tlsd_reasm_feed(&rs, a->first, a->bytes_in < FIRST_BYTES ? a->bytes_in : FIRST_BYTES);
    while (e == TLSD_CERR_OK)
        e = tlsd_reasm_next(&rs, &ev);
    if (e != TLSD_CERR_NEED_MORE) {
        tlsd_err_format(&rs.err, why, sizeof why);
        snprintf(r->note, sizeof r->note, "the answer is not TLS: %s", why);
    }
    tlsd_reasm_free(&rs);
}

/* The note for a handshake libssl ended, from what the answer showed. */
static void failure_note(struct tlsd_connect_result *r, const struct alerts *a, int reason)
{
    char what[160];
    const uint8_t *f = a->first;
    struct first_msg m;
    if (a->hrrs >= 2) {
        snprintf(r->note, sizeof r->note,
                 "the server answered the retried ClientHello with a second HelloRetryRequest "
                 "(RFC 8446 4.1.4: the client aborts with unexpected_message)");
    } else if (a->rcv_level >= 0 &&
               (a->rcv_level != TLSD_ALERT_LEVEL_FATAL || !tlsd_alert_by_code(a->rcv_desc))) {
        tlsd_alert_describe(a->rcv_level, a->rcv_desc, what, sizeof what);
        snprintf(r->note, sizeof r->note, "the server sent an alert %s", what);
    } else if (a->bytes_in >= 3 && (f[0] & 0x80) && f[2] == 4) {
        /* an SSLv2 record: a 2-byte header, then the message type (4: SERVER-HELLO) */
        snprintf(r->note, sizeof r->note,
                 "the server answered with an SSLv2 SERVER-HELLO: it speaks SSLv2 only, which "
                 "the local OpenSSL (as every current client) does not");
    } else if (reason == SSL_R_EXCESSIVE_MESSAGE_SIZE && first_record(a, &m) && m.has_hs) {
        const struct tlsd_handshake_type *ht = tlsd_handshake_type_by_code(m.hs_type);
        snprintf(r->note, sizeof r->note,
                 "the server's first handshake message (%s) claims %u bytes: libssl takes no "
                 "message that long",
                 ht ? ht->name : "of an unknown type", (unsigned)m.hs_len);
    } else if (r->ending == TLSD_OUTCOME_NOT_TLS && a->bytes_in > 0) {
        not_tls_note(r, a);
    } else if (!a->server_hello && a->bytes_in > 0 && r->ending != TLSD_OUTCOME_NOT_TLS) {
        bytes_note(a, what, sizeof what);
        snprintf(r->note, sizeof r->note, "the server %s the connection after %s",
                 r->detail == TLSD_DETAIL_RESET ? "reset" : "closed", what);
    }
}

static void on_info(const SSL *ssl, int where, int ret)
{
    struct alerts *a = SSL_get_app_data(ssl);
    if (!(where & SSL_CB_ALERT) || SSL_alert_type_string(ret)[0] != 'F')
        return;
    if (where & SSL_CB_WRITE)
        a->sent = ret & 0xff;
    else
        a->received = ret & 0xff;
}

static SSL_CTX *client_ctx(void)
{
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    /* The chain is verified after the handshake, by certchain.c (as scan verifies it). */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
    return ctx;
}

/* Waits for the socket; false when the deadline passed. Past it, one look that does not
 * wait: what came as the time ran out is still read (deadline_internal.h). */
static bool wait_fd(int fd, int ssl_err, struct alerts *a)
{
    bool wr = ssl_err == SSL_ERROR_WANT_WRITE;
    uint64_t now = now_ms();
    if (now < a->deadline && tlsd_sock_wait(fd, wr, (int)(a->deadline - now)) > 0)
        return true;
    if (a->looked || past_look(a))
        return false;
    a->looked = true;
    return tlsd_sock_wait(fd, wr, 0) > 0;
}

static void timed_out(struct tlsd_connect_result *r, const struct alerts *a)
{
    char what[160];
    r->detail = TLSD_DETAIL_TIMEOUT;
    r->ending = TLSD_OUTCOME_NO_ANSWER; /* connected: no answer to the hello */
    r->ending_known = a->bytes_in == 0; /* bytes came: an answer none of the outcomes names */
    snprintf(r->error, sizeof r->error, "no answer within %u ms", a->timeout_ms);
    if (a->bytes_in == 0)
        return;
    if (a->server_hello) { /* it answered: the handshake did not end in time */
        snprintf(r->error, sizeof r->error,
                 "the handshake did not end within %u ms; the server's ServerHello came",
                 a->timeout_ms);
        return;
    }
    bytes_note(a, what, sizeof what);
    snprintf(r->error, sizeof r->error, "no ServerHello within %u ms, after %s", a->timeout_ms,
             what);
    snprintf(r->note, sizeof r->note, "the server sent bytes but no ServerHello in time");
}

static void failed(struct tlsd_connect_result *r, const struct alerts *a, int ssl_err,
                   int sys_errno)
{
    unsigned long e = ERR_peek_last_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    r->ending_known = true;
    if (a->timed_out) { /* a read refused at the deadline */
        timed_out(r, a);
        ERR_clear_error();
        return;
    }
    if (e && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING && a->received < 0) {
        /* libssl names the alert it would send (decode_error): the server closed */
        r->detail = TLSD_DETAIL_CLOSED;
        r->ending = a->server_hello ? TLSD_OUTCOME_ABORTED : TLSD_OUTCOME_CLOSE_AFTER_HELLO;
        if (a->server_hello)
            snprintf(r->note, sizeof r->note,
                     "the server closed the connection after its ServerHello, before the "
                     "handshake ended");
    } else if (a->received >= 0) {
        r->ending = TLSD_OUTCOME_SERVER_ALERT;
        r->alert = a->received;
    } else if (a->sent >= 0) {
        r->ending = TLSD_OUTCOME_CLIENT_ALERT;
        r->alert = a->sent;
    } else if (ssl_err == SSL_ERROR_SYSCALL && sys_errno == ECONNRESET) {
        r->detail = TLSD_DETAIL_RESET;
        r->ending = a->server_hello ? TLSD_OUTCOME_ABORTED : TLSD_OUTCOME_RESET_AFTER_HELLO;
    } else if (ssl_err == SSL_ERROR_SYSCALL || ssl_err == SSL_ERROR_ZERO_RETURN) {
        r->detail = TLSD_DETAIL_CLOSED;
        r->ending = a->server_hello ? TLSD_OUTCOME_ABORTED : TLSD_OUTCOME_CLOSE_AFTER_HELLO;
    } else {
        r->ending = TLSD_OUTCOME_NOT_TLS;
    }
    snprintf(r->error, sizeof r->error, "%s", why ? why : sys_errno ? strerror(sys_errno) : "");
    if (!r->note[0])
        failure_note(r, a, e ? ERR_GET_REASON(e) : 0);
    ERR_clear_error();
}

static void handshake_on(int fd, const struct tlsd_connect_opts *o, const char *sni,
                         struct tlsd_connect_result *r)
{
    SSL_CTX *ctx = client_ctx();
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    struct alerts a = {.sent = -1, .received = -1, .rcv_level = -1, .rcv_desc = -1};
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
        r->ending = TLSD_OUTCOME_NOT_TLS;
        r->ending_known = false; /* a local failure */
        snprintf(r->error, sizeof r->error, "libssl: cannot set up the connection");
        goto out;
    }
    SSL_set_app_data(ssl, &a);
    SSL_set_info_callback(ssl, on_info);
    SSL_set_msg_callback(ssl, on_msg);
    if (sni && !tlsd_host_is_ip(sni))
        SSL_set_tlsext_host_name(ssl, sni);
    uint64_t deadline = now_ms() + o->timeout_ms;
    a.deadline = deadline;
    a.timeout_ms = o->timeout_ms;
    BIO *bio = SSL_get_rbio(ssl);
    if (bio) {
        BIO_set_callback_arg(bio, (char *)&a);
        BIO_set_callback_ex(bio, on_bio);
    }
    for (;;) {
        tlsd_sock_errno_clear();
        int rc = SSL_connect(ssl);
        if (rc == 1)
            break;
        int e = SSL_get_error(ssl, rc), se = tlsd_sock_errno();
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (wait_fd(fd, e, &a))
                continue;
            timed_out(r, &a);
            goto out;
        }
        failed(r, &a, e, se);
        goto out;
    }
    r->ending = TLSD_OUTCOME_SUCCESS;
    r->ending_known = true;
    r->version = (uint16_t)SSL_version(ssl);
    r->suite = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl));
    r->group = tlsd_openssl_negotiated_group(ssl);
    const unsigned char *proto;
    unsigned plen;
    SSL_get0_alpn_selected(ssl, &proto, &plen);
    snprintf(r->alpn, sizeof r->alpn, "%.*s", (int)plen, proto ? (const char *)proto : "");
    collect_chain(r, ssl, o->cafile, sni ? sni : o->host);
    (void)SSL_shutdown(ssl);
out:
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

/* ---- the probe ------------------------------------------------------------------------ */

struct probe_ctx {
    struct tlsd_connect_result *r;
    const struct tlsd_connect_opts *o;
    const char *sni;
};

/* The answer to a sent hello, as the codec read it. */
static void hello_answer(struct tlsd_connect_result *r, struct probe_res *res)
{
    if (probe_ssl2_hello(res)) {
        r->version = TLSD_VERSION_SSL2;
        return;
    }
    if (res->ending == TLSD_OUTCOME_SERVER_ALERT && res->have_alert)
        r->alert = res->alert.description;
    if (!res->have_sh)
        return;
    r->version = res->sh.version;
    r->suite = res->sh.suite;
    r->hrr = res->sh.is_hrr;
    r->group = res->sh.has_key_share ? res->sh.key_share_group : 0;
    if (res->have_ske && res->ske.kind == TLSD_SKE_ECDH)
        r->group = res->ske.named_curve;
    if (res->have_ske && res->ske.kind == TLSD_SKE_DH)
        r->dh_bits = res->ske.dh_p_bits;
    probe_alpn(res, r->alpn, sizeof r->alpn);
    for (size_t i = 0; res->have_cert && i < res->cert.n_certs; i++)
        if (res->cert.certs[i].decoded)
            add_cert(r, res->cert.certs[i].der, res->cert.certs[i].der_len);
}

/* A ServerHello that chose what the sent hello did not offer is no success: a real client
 * would abort with illegal_parameter (hello_check.h). */
static void check_legal(struct tlsd_connect_result *r, const struct tlsd_connect_opts *o,
                        const struct probe_res *res)
{
    if (!res->have_sh || !o->hello)
        return;
    struct tlsd_client_hello ch;
    struct tlsd_err err = {0};
    char why[200];
    if (tlsd_client_hello_parse_records(o->hello, o->hello_len, &ch, &err) == TLSD_CERR_OK &&
        !tlsd_server_hello_legal(&ch, &res->sh, why, sizeof why)) {
        r->ending = TLSD_OUTCOME_CLIENT_ALERT;
        r->detail = TLSD_DETAIL_ILLEGAL_ANSWER;
        snprintf(r->error, sizeof r->error,
                 "the server %s; a real client aborts with illegal_parameter", why);
    }
    tlsd_client_hello_free(&ch);
}

/* The client whose hello was sent takes no DHE prime outside its limits: Java 6 and 7
 * (at most 1024 bits) end with internal_error, NSS with insufficient_security below its
 * minimum (the alerts the model predicts, negotiate.c client_refuses). */
static void check_dh(struct tlsd_connect_result *r, const struct tlsd_connect_opts *o)
{
    bool over = o->client_dh_bits_max && r->dh_bits > o->client_dh_bits_max;
    bool under = o->client_dh_bits_min && r->dh_bits && r->dh_bits < o->client_dh_bits_min;
    if (!tlsd_connect_succeeded(r) || !r->dh_bits || !(over || under))
        return;
    r->ending = TLSD_OUTCOME_CLIENT_ALERT;
    r->alert = over ? TLSD_ALERT_INTERNAL_ERROR : TLSD_ALERT_INSUFFICIENT_SECURITY;
    snprintf(r->error, sizeof r->error,
             "the server's DHE prime has %d bits; the client takes %s %d: it ends the handshake",
             r->dh_bits, over ? "at most" : "at least",
             over ? o->client_dh_bits_max : o->client_dh_bits_min);
}

/* The note of a sent hello's answer (tlsd_connect_result.note). A ServerHello whose flight
 * was cut (closed, reset, time limit before ServerHelloDone) is no answer a client can go on
 * from: it fails. */
static void probe_note(struct tlsd_connect_result *r, const struct probe_res *res)
{
    char what[120], vb[16];
    bool not_tls = res->ending == TLSD_OUTCOME_NOT_TLS && res->detail == TLSD_DETAIL_NONE;
    if (res->ending == TLSD_OUTCOME_SERVER_ALERT && res->have_alert &&
        (res->alert.level != TLSD_ALERT_LEVEL_FATAL ||
         !tlsd_alert_by_code(res->alert.description))) {
        tlsd_alert_describe(res->alert.level, res->alert.description, what, sizeof what);
        snprintf(r->note, sizeof r->note, "the server sent an alert %s", what);
    } else if (res->flight_incomplete && tlsd_connect_succeeded(r)) {
        r->detail = res->timed_out                 ? TLSD_DETAIL_TIMEOUT
                    : res->uv_err == UV_ECONNRESET ? TLSD_DETAIL_RESET
                                                   : TLSD_DETAIL_CLOSED;
        r->ending = TLSD_OUTCOME_ABORTED;
        r->ending_known = true;
        snprintf(r->note, sizeof r->note, "the server's ServerHello (%s) came, then: %s",
                 tlsd_version_str(res->sh.version, vb), res->error);
    } else if (!res->have_sh && res->bytes_in > 0 &&
               (res->detail == TLSD_DETAIL_TIMEOUT || res->detail == TLSD_DETAIL_CLOSED ||
                res->detail == TLSD_DETAIL_RESET || not_tls)) {
        snprintf(r->note, sizeof r->note, "%s%s",
                 not_tls && !res->ssl2_record ? "the answer is not TLS: " : "", res->error);
    }
}

static void on_probe(void *ctx, struct probe_res *res)
{
    struct probe_ctx *pc = ctx;
    struct tlsd_connect_result *r = pc->r;
    r->ending = res->ending;
    r->ending_known = res->ending_known;
    r->detail = res->detail;
    snprintf(r->error, sizeof r->error, "%s", res->error);
    if (res->fd < 0) { /* a hello was sent: its answer */
        hello_answer(r, res);
        check_legal(r, pc->o, res);
        check_dh(r, pc->o);
        probe_note(r, res);
        return;
    }
    handshake_on(res->fd, pc->o, pc->sni, r);
    tlsd_sock_close(res->fd);
}

static int resolve(const struct tlsd_connect_opts *o, struct sockaddr_storage *ss,
                   struct tlsd_connect_result *r)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)o->port);
    int rc = getaddrinfo(o->host, port, &hints, &ai);
    if (rc != 0 || !ai) {
        r->detail = TLSD_DETAIL_NO_CONNECTION;
        snprintf(r->error, sizeof r->error, "cannot resolve %s: %s", o->host, gai_strerror(rc));
        return -1;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    char host[NI_MAXHOST] = "?";
    getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
    snprintf(r->address, sizeof r->address, ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
             port);
    freeaddrinfo(ai);
    return 0;
}

int tlsd_connect_run(const struct tlsd_connect_opts *o, struct tlsd_connect_result *r)
{
    memset(r, 0, sizeof *r);
    r->alert = -1;
    struct sockaddr_storage ss;
    if (resolve(o, &ss, r) < 0)
        return 0;
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0)
        return -1;
    const char *sni = o->sni ? o->sni : tlsd_host_is_ip(o->host) ? NULL : o->host;
    struct probe_ctx pc = {r, o, sni};
    struct probe_req req = {.addr = ss,
                            .starttls = o->starttls,
                            .timeout_ms = o->timeout_ms ? o->timeout_ms : 8000,
                            .cb = on_probe,
                            .ctx = &pc};
    if (o->hello) {
        req.hello = malloc(o->hello_len);
        if (!req.hello) {
            uv_loop_close(&loop);
            return -1;
        }
        memcpy(req.hello, o->hello, o->hello_len);
        req.hello_len = o->hello_len;
    }
    probe_start(&loop, &req);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}
