/* A full TLS 1.3 handshake through libssl, for what a TLS 1.3 server only
 * sends encrypted (RFC 8446 4.3.1): the certificate chain, the ALPN pick and the
 * stapled OCSP response (both in EncryptedExtensions / Certificate). Runs on the libuv thread pool
 * (blocking socket with time limits). */
#include <errno.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/deadline_internal.h"
#include "platform.h"

#include "scan/scan_internal.h"
#include "tlsdiag/hello.h"

static int connect_socket(const struct sockaddr_storage *addr, unsigned timeout_ms, char *err,
                          size_t errlen)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(tlsd_sock_errno()));
        return -1;
    }
    tlsd_sock_timeouts(fd, timeout_ms);
    socklen_t len =
        addr->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (connect(fd, (const struct sockaddr *)addr, len) < 0) {
        snprintf(err, errlen, "connect: %s", strerror(tlsd_sock_errno()));
        tlsd_sock_close(fd);
        return -1;
    }
    return fd;
}

/* Before each read and write on the socket: the time left of the whole exchange
 * (fullhs.deadline_ms) bounds the time limit of that one call, and none left ends it. */
static long deadline_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
                        int ret, size_t *processed)
{
    (void)argp, (void)len, (void)argi, (void)argl, (void)processed;
    struct fullhs *h = (struct fullhs *)BIO_get_callback_arg(b);
    if ((oper != BIO_CB_READ && oper != BIO_CB_WRITE) || !h)
        return ret;
    uint64_t now = uv_hrtime() / 1000000;
    bool past = h->deadline_ms && now >= h->deadline_ms; /* the thread may wake up late */
    if ((h->stop && atomic_load(h->stop)) || (past && tlsd_deadline_look_spent(&h->looks))) {
        h->timed_out = true;
        return -1; /* the call is not made */
    }
    uint64_t ms = h->timeout_ms;
    if (past)
        ms = 1; /* past the limit: only what is already there (deadline_internal.h) */
    else if (h->deadline_ms && h->deadline_ms - now < ms)
        ms = h->deadline_ms - now;
    h->call_capped = ms < h->timeout_ms; /* a wait that ends then is the whole limit's end */
    (void)oper; /* both directions: the next call, either way, has what is left */
    tlsd_sock_timeouts((int)BIO_get_fd(b, NULL), (unsigned)ms);
    return ret;
}

/* A CertificateRequest: keep its CA names, send no certificate. */
static int client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    struct fullhs *h = SSL_get_app_data(ssl);
    STACK_OF(X509_NAME) *cas = SSL_get_client_CA_list(ssl);
    (void)x509;
    (void)pkey;
    h->cert_requested = true;
    h->ca_names[0] = '\0';
    for (int i = 0; cas && i < sk_X509_NAME_num(cas); i++) {
        char name[256] = "";
        BIO *b = BIO_new(BIO_s_mem());
        if (b && X509_NAME_print_ex(b, sk_X509_NAME_value(cas, i), 0, XN_FLAG_RFC2253) >= 0) {
            int n = BIO_read(b, name, (int)sizeof name - 1);
            name[n > 0 ? n : 0] = '\0';
        }
        BIO_free(b);
        size_t used = strlen(h->ca_names);
        snprintf(h->ca_names + used, sizeof h->ca_names - used, "%s%s", used ? "; " : "", name);
    }
    return 0;
}

/* RFC 8446 4.1.4: a client that gets a second HelloRetryRequest aborts; counted to say so. */
static void on_msg(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    (void)version, (void)arg;
    struct fullhs *h = SSL_get_app_data(ssl);
    if (!write_p && h)
        h->heard = true;
    if (!write_p && h && tlsd_msg_is_hrr(content_type, buf, len))
        h->hrrs++;
}

/* The alert in a libssl error (its reasons from SSL_AD_REASON_OFFSET on are alerts), or -1. */
static int alert_of(unsigned long e)
{
    int reason = ERR_GET_REASON(e);
    return reason > SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256
               ? reason - SSL_AD_REASON_OFFSET
               : -1;
}

/* Why what follows a finished handshake was not seen (err: libssl's error of the last
 * call, sys: its errno): no answer in time, a reset or a close without an alert; the
 * note is before, the cause, then after. */
static void note_cut(struct fullhs *h, int err, int sys, const char *before, const char *after)
{
    char cause[64];
    uint64_t now = uv_hrtime() / 1000000;
    bool waited_out = err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
    if (h->timed_out || (waited_out && h->call_capped) || (h->deadline_ms && now >= h->deadline_ms))
        snprintf(cause, sizeof cause, "the time limit of %u s ran out",
                 (h->timeout_ms * FULLHS_TIMEOUTS + 999) / 1000);
    else if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        snprintf(cause, sizeof cause, "no answer within %u ms", h->timeout_ms);
    else
        snprintf(cause, sizeof cause, "the connection ended (%s)", sys ? strerror(sys) : "closed");
    snprintf(h->after_error, sizeof h->after_error, "%s%s %s", before, cause, after);
}

/* libssl 3's report of a connection the server closed without a close_notify. */
static bool unexpected_eof(int err, unsigned long e)
{
    return err == SSL_ERROR_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* The server's answer to our close_notify: its own, or its close (await_close). Nothing
 * in time, or a reset, is not a clean end (after_error says which). */
static void await_close(SSL *ssl, struct fullhs *h)
{
    ERR_clear_error();
    int rc = SSL_shutdown(ssl);
    if (rc == 0)
        rc = SSL_shutdown(ssl); /* reads until the server's close_notify */
    int sys = tlsd_sock_errno();
    int err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, rc);
    unsigned long e = ERR_peek_error();
    h->closed_clean =
        !h->timed_out && (rc == 1 || err == SSL_ERROR_ZERO_RETURN ||
                          (err == SSL_ERROR_SYSCALL && sys == 0) || unexpected_eof(err, e));
    if (!h->closed_clean)
        note_cut(h, err, sys, "", "after close_notify");
    ERR_clear_error();
}

/* Client-initiated renegotiation (RFC 5746; refused by most servers today, a DoS
 * lever otherwise): a new handshake on the same connection. An alert or a close
 * refuses it; no answer or a reset tells nothing. */
static void renegotiate(SSL *ssl, struct fullhs *h)
{
    if (SSL_renegotiate(ssl) != 1) {
        h->reneg = -1;
        snprintf(h->after_error, sizeof h->after_error, "libssl did not start it");
        return;
    }
    int rc = SSL_do_handshake(ssl);
    int sys = tlsd_sock_errno();
    int err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, rc);
    if (rc == 1) {
        h->reneg = 1;
    } else if (!h->timed_out && (err == SSL_ERROR_SSL || err == SSL_ERROR_ZERO_RETURN)) {
        h->reneg = 0;
    } else {
        h->reneg = -1;
        note_cut(h, err, sys, "", "after the renegotiation's ClientHello");
    }
    ERR_clear_error();
}

static bool has_ticket(SSL *ssl)
{
    return SSL_SESSION_has_ticket(SSL_get0_session(ssl)) == 1;
}

/* Up to n reads of what the server sends, until a ticket has come; libssl's error of the
 * last one (SSL_ERROR_WANT_READ: nothing more came within a read's time limit, or a
 * post-handshake message was taken), its errno in *sys. */
static int read_until_ticket(SSL *ssl, int n, int *sys)
{
    char buf[256];
    int err = SSL_ERROR_WANT_READ;
    for (int i = 0; i < n && !has_ticket(ssl); i++) {
        int r = SSL_read(ssl, buf, sizeof buf);
        *sys = tlsd_sock_errno();
        err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
        if (err != SSL_ERROR_NONE && err != SSL_ERROR_WANT_READ)
            break;
    }
    return err;
}

/* Nothing came within waited ms after the handshake: is the server still there, or
 * stalled? Our close_notify asks: a server that is there closes in answer, sending its
 * own close_notify before it closes its side (RFC 8446 6.1); a ticket may still come
 * first. 1 a ticket came, 0 none from a server that
 * answered (*alert: the alert it answered with, or -1), -1 cannot tell (after_error
 * says why). */
static int ask_if_there(SSL *ssl, struct fullhs *h, uint64_t waited, int *alert)
{
    ERR_clear_error();
    int rc = SSL_shutdown(ssl);
    int sys = tlsd_sock_errno();
    int err = rc < 0 ? SSL_get_error(ssl, rc) : read_until_ticket(ssl, 1, &sys);
    *alert = err == SSL_ERROR_SSL ? alert_of(ERR_peek_error()) : -1;
    if (has_ticket(ssl))
        return 1;
    if (!h->timed_out && (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SSL ||
                          err == SSL_ERROR_NONE)) /* its close_notify, an alert, a close, data */
        return 0;
    char before[80];
    snprintf(before, sizeof before, "nothing within %llu ms after the handshake, then ",
             (unsigned long long)waited);
    note_cut(h, err, sys, before, "after close_notify");
    return -1;
}

/* TLS 1.3 tickets arrive after the handshake (RFC 8446 4.6.1): read until one has. A
 * server that sends none is silent then, and so is one that stalled (ask_if_there tells
 * them apart). Only a server seen to be there and sending no ticket is a "no". */
static void read_tickets(SSL *ssl, struct fullhs *h)
{
    int sys = 0;
    uint64_t start = uv_hrtime() / 1000000;
    SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
    int err = read_until_ticket(ssl, 2, &sys);
    unsigned long e = ERR_peek_error();
    if (has_ticket(ssl)) {
        h->tickets13 = 1;
    } else if (h->timed_out || err == SSL_ERROR_SYSCALL ||
               (err == SSL_ERROR_SSL && alert_of(e) < 0)) { /* e.g. closed without an alert */
        h->tickets13 = -1;
        note_cut(h, err, sys, "", "after the handshake, before a ticket came");
    } else if (err == SSL_ERROR_WANT_READ) {
        int alert;
        h->tickets13 = ask_if_there(ssl, h, uv_hrtime() / 1000000 - start, &alert);
    } /* else data, an alert or the server's close_notify: no ticket from a server there */
    ERR_clear_error();
}

/* TLS 1.3: the server judges the client's (empty) Certificate after the client's
 * handshake is done (RFC 8446 4.4.2.4: certificate_required, 116). Its next record
 * tells: an alert refuses, a NewSessionTicket or data accepts; after silence, a server
 * that answers close_notify without an alert accepted (ask_if_there). A verdict not
 * seen leaves the tickets unknown too. */
static void tls13_verdict(SSL *ssl, struct fullhs *h)
{
    char buf[256];
    uint64_t start = uv_hrtime() / 1000000;
    SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY); /* return after each post-handshake message */
    int n = SSL_read(ssl, buf, sizeof buf);
    int sys = tlsd_sock_errno();
    int err = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, n);
    unsigned long e = ERR_peek_error();
    if (n > 0 || has_ticket(ssl)) {
        h->cert_required = 0;
    } else if (!h->timed_out && (err == SSL_ERROR_SSL || err == SSL_ERROR_ZERO_RETURN)) {
        h->cert_required = 1;
        h->refusal_alert = alert_of(e);
    } else if (!h->timed_out && err == SSL_ERROR_WANT_READ) {
        int alert, seen = ask_if_there(ssl, h, uv_hrtime() / 1000000 - start, &alert);
        h->cert_required = seen < 0 ? -1 : alert >= 0 ? 1 : 0;
        h->refusal_alert = seen < 0 ? -1 : alert;
    } else {
        note_cut(h, err, sys, "", "after the handshake, before the server's verdict");
    }
    if (h->cert_required < 0 && h->want_session)
        h->tickets13 = -1;
    ERR_clear_error();
}

int scan_full_handshake(struct fullhs *h)
{
    h->ok = false;
    h->reneg = -1;
    h->cert_required = -1;
    h->refusal_alert = -1;
    h->tickets13 = 0;
    h->closed_clean = -1;
    h->after_error[0] = '\0';
    h->no_connection = h->heard = h->dropped = false;
    int fd = connect_socket(&h->addr, h->timeout_ms, h->error, sizeof h->error);
    if (fd < 0) {
        h->no_connection = true;
        return -1;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    if (!ssl) {
        snprintf(h->error, sizeof h->error, "libssl: cannot create a connection");
        goto out;
    }
    SSL_CTX_set_security_level(ctx, 0);
    SSL_set_min_proto_version(ssl, h->version);
    SSL_set_max_proto_version(ssl, h->version);
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    if (h->sni[0])
        SSL_set_tlsext_host_name(ssl, h->sni);
    if (h->sigalgs && SSL_set1_sigalgs_list(ssl, h->sigalgs) != 1) {
        snprintf(h->error, sizeof h->error, "libssl: cannot offer %s", h->sigalgs);
        goto out;
    }
    SSL_set_alpn_protos(ssl, alpn, sizeof alpn - 1);
    SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
    SSL_set_app_data(ssl, h);
    SSL_set_msg_callback(ssl, on_msg);
    SSL_CTX_set_client_cert_cb(ctx, client_cert_cb);
    if (h->no_ticket)
        SSL_set_options(ssl, SSL_OP_NO_TICKET);
    if (h->try_reneg) /* also from a server without RFC 5746: that is worth knowing */
        SSL_set_options(ssl, SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION);
    if (h->resume)
        SSL_set_session(ssl, h->resume);
    SSL_set_fd(ssl, fd);
    BIO *bio = SSL_get_rbio(ssl);
    if (bio) {
        BIO_set_callback_arg(bio, (char *)h);
        BIO_set_callback_ex(bio, deadline_cb);
    }
    int rc = SSL_connect(ssl);
    if (rc != 1) {
        int why = SSL_get_error(ssl, rc); /* before the queue is read */
        unsigned long e = ERR_get_error();
        bool waited_out = why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE;
        if (h->timed_out || (waited_out && h->call_capped)) {
            /* out of the whole time limit (a wait cut to what was left of it included: the
             * per-call limit did not run out then, the whole one did) */
            h->timed_out = true;
            snprintf(h->error, sizeof h->error, "handshake: not finished within %u s",
                     (h->timeout_ms * FULLHS_TIMEOUTS + 999) / 1000);
        } else if (waited_out) {
            /* a read or write ran into its own time limit: out of time too */
            h->timed_out = true;
            snprintf(h->error, sizeof h->error, "handshake: no answer within %u ms", h->timeout_ms);
        } else
            snprintf(h->error, sizeof h->error, "handshake: %s",
                     e ? ERR_reason_error_string(e) : "connection closed");
        if (h->cert_requested && !h->timed_out) { /* TLS <= 1.2: refused in the handshake */
            h->cert_required = 1;
            h->refusal_alert = alert_of(e);
        }
        h->dropped =
            !h->heard && !h->timed_out && (why == SSL_ERROR_SYSCALL || unexpected_eof(why, e));
        h->got_version = (uint16_t)SSL_version(ssl);
        goto out;
    }
    h->got_version = (uint16_t)SSL_version(ssl);
    h->connected = true;
    h->reused = SSL_session_reused(ssl) == 1;
    if (h->cert_requested && h->got_version < TLS1_3_VERSION)
        h->cert_required = 0;
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    for (int i = 0; chain && i < sk_X509_num(chain) && h->n_der < FULLHS_MAX_CHAIN; i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(sk_X509_value(chain, i), &der);
        if (len <= 0)
            break;
        h->der[h->n_der] = der;
        h->der_len[h->n_der] = (size_t)len;
        h->n_der++;
    }
    h->suite = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl));
    const unsigned char *sel = NULL, *ocsp = NULL;
    unsigned sel_len = 0;
    SSL_get0_alpn_selected(ssl, &sel, &sel_len);
    snprintf(h->alpn, sizeof h->alpn, "%.*s", (int)sel_len, sel ? (const char *)sel : "");
    h->stapled = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp) > 0;
    h->ok = h->n_der > 0;
    if (h->cert_requested && h->got_version >= TLS1_3_VERSION)
        tls13_verdict(ssl, h);
    else if (h->want_session && h->got_version >= TLS1_3_VERSION)
        read_tickets(ssl, h);
    if (h->try_reneg && h->got_version < TLS1_3_VERSION)
        renegotiate(ssl, h);
    if (h->want_session) {
        h->session = SSL_get1_session(ssl);
        h->has_ticket = h->session && SSL_SESSION_has_ticket(h->session);
    }
    if (h->await_close && h->got_version < TLS1_3_VERSION &&
        !(SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN)) {
        /* What is left is the server's answer to our close: the next handshake and the
         * resumption of this session need not wait for it (scan.c, fullhs_release). */
        if (h->on_release)
            h->on_release(h);
        await_close(ssl, h);
    }
    if (!(SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN)) /* ask_if_there may have sent it */
        SSL_shutdown(ssl);
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    tlsd_sock_close(fd);
    return h->ok ? 0 : -1;
}

void scan_fullhs_free(struct fullhs *h)
{
    SSL_SESSION_free(h->resume);
    SSL_SESSION_free(h->session);
    h->resume = h->session = NULL;
    for (size_t i = 0; i < h->n_der; i++)
        OPENSSL_free(h->der[i]);
    h->n_der = 0;
}
