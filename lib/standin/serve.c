/* The serve loop: one libuv loop accepts clients; each connection first feeds the hello
 * recorder (serve_hello.c) and, once the ClientHello is whole, hands the same bytes to
 * its own SSL over memory BIOs, so libssl never touches the socket and the loop never
 * blocks. Limits: simultaneous clients in all and per address (past them the client that has
 * waited longest without sending a whole ClientHello is evicted; with none such the new one
 * is reset), bytes read per client, a short time limit to the ClientHello, a handshake time
 * limit, an idle limit after it, and a cap on unsent output. A storm of silent or dripping
 * connections therefore cannot keep a real client out: they go first. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/deadline_internal.h"
#include "base/stop_internal.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/record.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/serve.h"
#include "tlsdiag/suitelist.h"

#define WRITE_QUEUE_MAX (256u * 1024u)

struct server;

struct conn {
    uv_tcp_t tcp;
    /* Before the ClientHello, the handshake, after it: each time limit judged after the
     * loop has polled the sockets (deadline_internal.h), so that a hello already in the
     * socket is not taken for a silent client when the loop was busy. */
    struct tlsd_deadline limit;
    struct server *srv;
    int open_handles;
    bool closing, reported, handshake_done, reset_on_refusal;
    struct tlsd_hello_rec rec;
    bool have_hello;
    struct tlsd_client_hello hello;
    struct tlsd_profile client;
    SSL *ssl;
    BIO *rbio, *wbio;
    int alert_sent, alert_received;
    int rcv_level, rcv_desc; /* the first alert received, any level (-1 none) */
    unsigned hellos, hrrs;   /* ClientHellos read by libssl, HelloRetryRequests sent */
    bool peer_reset;         /* the client ended with a TCP reset */
    int ssl_reason;          /* libssl's reason code for a refusal */
    struct tlsd_serve_client rep;
    uint64_t started_ms;
    char addr[INET6_ADDRSTRLEN]; /* the peer's address without its port */
    struct conn *prev, *next;
};

struct server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_signal_t sigint, sigterm;
    const struct tlsd_serve_opts *o;
    SSL_CTX *ctx;
    tlsd_serve_client_cb cb;
    void *cb_ctx;
    struct conn *conns;
    unsigned n_conns, next_id, reports;
    bool stopping;
    struct tlsd_stop_request stop; /* a SIGINT or SIGTERM came */
    char rbuf[65536];
};

void tlsd_serve_opts_default(struct tlsd_serve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bind = "0.0.0.0";
    o->max_clients = 256;
    o->max_per_address = 32;
    o->hello_timeout_ms = 5000;
    o->handshake_timeout_ms = 10000;
    o->idle_timeout_ms = 30000;
    o->max_bytes = 256 * 1024;
}

static void stop_all(struct server *s);

/* ---- closing and reporting ---------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->open_handles > 0)
        return;
    struct server *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n_conns--;
    SSL_free(c->ssl); /* frees both BIOs */
    tlsd_hello_rec_free(&c->rec);
    tlsd_client_hello_free(&c->hello);
    free(c);
}

/* The version and suite the server chose, when its ServerHello went out but the
 * handshake did not finish (a client that only wanted the answer, or refused it). */
static void note_choice(struct conn *c)
{
    /* The pending cipher is the one the ServerHello named (TLS <= 1.2 keeps it there
     * until ChangeCipherSpec); TLS 1.3 has it in the session. */
    const SSL_CIPHER *ci = c->ssl && c->rep.bytes_out > 0 ? SSL_get_pending_cipher(c->ssl) : NULL;
    SSL_SESSION *sess = !ci && c->ssl && c->rep.bytes_out > 0 ? SSL_get_session(c->ssl) : NULL;
    if (sess)
        ci = SSL_SESSION_get0_cipher(sess);
    if (!ci || c->rep.suite)
        return;
    c->rep.version = (uint16_t)SSL_version(c->ssl);
    c->rep.suite = SSL_CIPHER_get_protocol_id(ci);
}

/* The note of a refusal by the server: an alert or a reset. */
static void refusal_note(struct conn *c)
{
    struct tlsd_serve_client *r = &c->rep;
    char a[120];
    tlsd_alert_describe(-1, r->alert, a, sizeof a);
    if (c->hrrs && c->hellos > 1)
        snprintf(r->note, sizeof r->note,
                 "after the server's HelloRetryRequest the client's ClientHello number %u "
                 "was refused (%.100s)",
                 c->hellos, r->ssl_error);
    else if (c->have_hello && c->hello.legacy_version == TLSD_VERSION_SSL2)
        snprintf(r->note, sizeof r->note,
                 "the client offered SSLv2 only (an SSLv2 CLIENT-HELLO): refused (%.100s)",
                 r->ssl_error);
    else
        snprintf(r->note, sizeof r->note, "the server refused %.100s (%.100s)",
                 r->ending == TLSD_OUTCOME_RESET_AFTER_HELLO ? "with a TCP reset" : a,
                 r->ssl_error);
}

/* The client went away (closed or reset) before the handshake ended. */
static bool client_left(const struct tlsd_serve_client *r)
{
    return r->ending != TLSD_OUTCOME_RESET_AFTER_HELLO &&
           (r->detail == TLSD_DETAIL_RESET || r->detail == TLSD_DETAIL_CLOSED);
}

/* The note of a connection that ended short of the handshake (serve.h: the details). */
static void short_note(struct conn *c)
{
    struct tlsd_serve_client *r = &c->rep;
    const char *how = c->peer_reset ? "reset" : "closed";
    if (client_left(r) && !c->have_hello)
        snprintf(r->note, sizeof r->note, "the client %s the connection after %zu bytes, %s", how,
                 r->bytes_in, r->bytes_in ? "in the middle of its ClientHello" : "before any byte");
    else if (client_left(r))
        snprintf(r->note, sizeof r->note, "the client %s the connection after its ClientHello, %s",
                 how, r->bytes_out ? "once the server had answered" : "before the server answered");
    else if (r->detail == TLSD_DETAIL_TOO_LARGE && r->hello_error[0])
        snprintf(r->note, sizeof r->note, "the ClientHello cannot be read: %.200s", r->hello_error);
    else if (r->detail == TLSD_DETAIL_TOO_LARGE)
        snprintf(r->note, sizeof r->note,
                 "the client sent more than %zu bytes (the --max-bytes cap)%s",
                 c->srv->o->max_bytes, c->have_hello ? "" : " before its ClientHello was whole");
    else if (r->detail == TLSD_DETAIL_OVER_CAPACITY)
        snprintf(r->note, sizeof r->note,
                 "refused with a TCP reset: --max-clients or --max-per-address connections open, "
                 "none of them stalled before its ClientHello");
    else if (r->hello_error[0]) /* timeout, evicted */
        snprintf(r->note, sizeof r->note, "%s", r->hello_error);
    else
        snprintf(r->note, sizeof r->note,
                 "the handshake did not end within %.1f s (%zu bytes from the client)",
                 (double)c->srv->o->handshake_timeout_ms / 1000.0, r->bytes_in);
}

/* How the connection ended, in words (tlsd_serve_client.note); "" for a handshake that
 * completed and for --record-only's alert. */
static void end_note(struct conn *c)
{
    struct tlsd_serve_client *r = &c->rep;
    char a[120];
    switch (r->ending) {
    case TLSD_OUTCOME_SUCCESS:
        break;
    case TLSD_OUTCOME_RESET_AFTER_HELLO:
        refusal_note(c);
        break;
    case TLSD_OUTCOME_SERVER_ALERT:
        if (r->detail != TLSD_DETAIL_RECORDED)
            refusal_note(c);
        break;
    case TLSD_OUTCOME_CLIENT_ALERT:
        tlsd_alert_describe(c->rcv_level, r->alert, a, sizeof a);
        snprintf(r->note, sizeof r->note, "the client sent an alert %s", a);
        break;
    case TLSD_OUTCOME_NOT_TLS:
        snprintf(r->note, sizeof r->note, "the first bytes are no ClientHello: %.200s",
                 r->hello_error);
        break;
    default: /* aborted, no_client_hello */
        short_note(c);
    }
}

/* A connection that ended before the handshake did, not by an alert: after the client's
 * hello or before it (serve.h). */
static enum tlsd_conn_outcome unfinished(const struct conn *c)
{
    return c->have_hello ? TLSD_OUTCOME_ABORTED : TLSD_OUTCOME_NO_CLIENT_HELLO;
}

static void report(struct conn *c, enum tlsd_conn_outcome ending, enum tlsd_ending_detail detail)
{
    if (c->reported)
        return;
    c->rep.ending = ending;
    c->rep.detail = detail;
    end_note(c);
    if (ending == TLSD_OUTCOME_CLIENT_ALERT || detail == TLSD_DETAIL_TIMEOUT ||
        client_left(&c->rep))
        note_choice(c);
    c->reported = true;
    struct server *s = c->srv;
    c->rep.seconds = (double)(uv_now(&s->loop) - c->started_ms) / 1000.0;
    c->rep.have_hello = c->have_hello;
    c->rep.hello = c->have_hello ? &c->hello : NULL;
    c->rep.client = c->have_hello ? &c->client : NULL;
    c->rep.hello_raw = c->rec.raw;
    c->rep.hello_raw_len = c->have_hello ? c->rec.fed : 0;
    if (s->cb)
        s->cb(s->cb_ctx, &c->rep);
    if (s->o->count && ++s->reports >= s->o->count)
        stop_all(s);
}

static void close_conn(struct conn *c, bool reset)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_timer_stop(&c->limit.timer);
    uv_close((uv_handle_t *)&c->limit.timer, on_handle_closed);
    if (reset && uv_tcp_close_reset(&c->tcp, on_handle_closed) == 0)
        return;
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    struct conn *c = req->data;
    free(req);
    close_conn(c, false);
}

/* Closes after what was written is sent (FIN), so an alert reaches the client. */
static void close_after_write(struct conn *c)
{
    if (c->closing)
        return;
    uv_shutdown_t *req = malloc(sizeof *req);
    if (!req || uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        free(req);
        close_conn(c, false);
        return;
    }
    req->data = c;
    uv_read_stop((uv_stream_t *)&c->tcp);
}

/* ---- writing -------------------------------------------------------------------- */

static void on_written(uv_write_t *req, int status)
{
    (void)status;
    free(req->data);
    free(req);
}

static void send_bytes(struct conn *c, const void *p, size_t n)
{
    if (c->closing || n == 0)
        return;
    if (c->tcp.write_queue_size > WRITE_QUEUE_MAX) { /* a client that never reads */
        report(c, unfinished(c), TLSD_DETAIL_TIMEOUT);
        close_conn(c, true);
        return;
    }
    uv_write_t *req = malloc(sizeof *req);
    void *copy = malloc(n);
    if (!req || !copy) {
        free(req), free(copy);
        return;
    }
    memcpy(copy, p, n);
    req->data = copy;
    uv_buf_t b = uv_buf_init(copy, (unsigned)n);
    if (uv_write(req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        free(copy), free(req);
        return;
    }
    c->rep.bytes_out += n;
}

/* What libssl wrote into its memory BIO goes to the socket. */
static void flush_ssl(struct conn *c)
{
    char buf[16384];
    int n;
    while ((n = BIO_read(c->wbio, buf, sizeof buf)) > 0)
        send_bytes(c, buf, (size_t)n);
}

/* ---- the handshake ---------------------------------------------------------------- */

static void on_ssl_info(const SSL *ssl, int where, int ret)
{
    struct conn *c = SSL_get_app_data(ssl);
    if (!(where & SSL_CB_ALERT) || !c || SSL_alert_type_string(ret)[0] != 'F')
        return;
    if (where & SSL_CB_WRITE)
        c->alert_sent = ret & 0xff;
    else
        c->alert_received = ret & 0xff;
}

/* Alerts of any level (the info callback names only warning and fatal ones), the ClientHellos
 * and HelloRetryRequests of the handshake. */
static void on_ssl_msg(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg)
{
    (void)version, (void)arg;
    struct conn *c = SSL_get_app_data(ssl);
    const uint8_t *m = buf;
    if (!c || len == 0)
        return;
    if (write_p) {
        c->hrrs += tlsd_msg_is_hrr(content_type, buf, len);
        return;
    }
    if (content_type == TLSD_CT_HANDSHAKE && m[0] == TLSD_HS_CLIENT_HELLO)
        c->hellos++;
    if (content_type == TLSD_CT_ALERT && len == 2 && c->rcv_level < 0) {
        c->rcv_level = m[0];
        c->rcv_desc = m[1];
    }
}

static void set_ssl_error(struct conn *c)
{
    unsigned long e = ERR_peek_last_error();
    c->ssl_reason = e ? ERR_GET_REASON(e) : 0;
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(c->rep.ssl_error, sizeof c->rep.ssl_error, "%s", r ? r : "");
    ERR_clear_error();
}

static void handshake_done(struct conn *c)
{
    c->handshake_done = true;
    c->rep.version = (uint16_t)SSL_version(c->ssl);
    c->rep.suite = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(c->ssl));
    /* TLS <= 1.2 with static RSA uses no group (SSL_get_negotiated_group is stale). */
    const struct tlsd_suite *st = tlsd_suite_by_code(c->rep.suite);
    if (c->rep.version == TLS1_3_VERSION ||
        (st && st->kx_flags & TLSD_KXF_EC && st->kx_flags & TLSD_KXF_EPHEMERAL))
        c->rep.group = tlsd_openssl_negotiated_group(c->ssl);
    report(c, TLSD_OUTCOME_SUCCESS, TLSD_DETAIL_NONE);
}

static bool version_refusal(int reason)
{
    return reason == SSL_R_VERSION_TOO_LOW || reason == SSL_R_VERSION_TOO_HIGH ||
           reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_WRONG_VERSION_NUMBER ||
           reason == SSL_R_UNKNOWN_PROTOCOL;
}

static void refused(struct conn *c)
{
    set_ssl_error(c);
    if (c->alert_received < 0 && c->rcv_level >= 0) /* an alert of no level libssl names */
        c->alert_received = c->rcv_desc;
    if (c->alert_received >= 0) {
        c->rep.alert = c->alert_received;
        flush_ssl(c);
        report(c, TLSD_OUTCOME_CLIENT_ALERT, TLSD_DETAIL_NONE);
        close_after_write(c);
        return;
    }
    /* Schannel (windows_notes.md 1): no common suite -> the connection is reset, no
     * alert. A version mismatch is not reset (Schannel sends protocol_version, as the
     * model says): libssl's alert goes out as it wrote it. */
    if (c->reset_on_refusal && c->rep.bytes_out == 0 && !version_refusal(c->ssl_reason)) {
        report(c, TLSD_OUTCOME_RESET_AFTER_HELLO, TLSD_DETAIL_RESET);
        close_conn(c, true);
        return;
    }
    c->rep.alert = c->alert_sent;
    flush_ssl(c);
    report(c, TLSD_OUTCOME_SERVER_ALERT, TLSD_DETAIL_NONE);
    close_after_write(c);
}

static void on_timer(uv_timer_t *t);

/* After the handshake: any request is answered with one line, then close_notify. */
static void after_handshake(struct conn *c)
{
    char buf[4096];
    int n = SSL_read(c->ssl, buf, sizeof buf);
    if (n > 0) {
        char msg[256];
        const char *body = "tlsdiag serve: handshake complete\n";
        snprintf(msg, sizeof msg,
                 "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n\r\n%s",
                 strlen(body), body);
        (void)SSL_write(c->ssl, msg, (int)strlen(msg));
        (void)SSL_shutdown(c->ssl);
        flush_ssl(c);
        close_after_write(c);
        return;
    }
    int e = SSL_get_error(c->ssl, n);
    flush_ssl(c);
    if (e != SSL_ERROR_WANT_READ) {
        ERR_clear_error();
        close_after_write(c);
    }
}

static void drive_ssl(struct conn *c)
{
    if (c->handshake_done) {
        after_handshake(c);
        return;
    }
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1) {
        flush_ssl(c);
        handshake_done(c);
        if (!c->closing)
            tlsd_deadline_start(&c->limit, on_timer, c->srv->o->idle_timeout_ms);
        after_handshake(c);
        return;
    }
    int e = SSL_get_error(c->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        flush_ssl(c);
        return;
    }
    refused(c);
}

/* A fatal (2) handshake_failure alert in a TLS 1.0 record. */
static const uint8_t handshake_failure_alert[] = {TLSD_CT_ALERT,
                                                  TLSD_VERSION_TLS1_0 >> 8,
                                                  TLSD_VERSION_TLS1_0 & 0xff,
                                                  0,
                                                  2,
                                                  2,
                                                  TLSD_ALERT_HANDSHAKE_FAILURE};

/* The ClientHello is whole: predict, then answer (record-only) or hand it to libssl. */
static void start_handshake_timer(struct conn *c);

static void hello_recorded(struct conn *c)
{
    struct server *s = c->srv;
    c->have_hello = true;
    start_handshake_timer(c);
    tlsd_profile_from_client_hello(&c->hello, &c->client);
    snprintf(c->client.name, sizeof c->client.name, "client %u (%s)", c->rep.id, c->rep.peer);
    tlsd_negotiate(&c->client, s->o->profile, &c->rep.predicted);
    if (s->o->record_only) {
        c->rep.alert = TLSD_ALERT_HANDSHAKE_FAILURE;
        send_bytes(c, handshake_failure_alert, sizeof handshake_failure_alert);
        report(c, TLSD_OUTCOME_SERVER_ALERT, TLSD_DETAIL_RECORDED);
        close_after_write(c);
        return;
    }
    drive_ssl(c);
}

static void on_bytes(struct conn *c, const uint8_t *p, size_t n)
{
    c->rep.bytes_in += n;
    if (c->rep.bytes_in > c->srv->o->max_bytes) {
        report(c, unfinished(c), TLSD_DETAIL_TOO_LARGE);
        close_conn(c, true);
        return;
    }
    if (BIO_write(c->rbio, p, (int)n) != (int)n) {
        close_conn(c, true);
        return;
    }
    if (c->have_hello) {
        drive_ssl(c);
        return;
    }
    struct tlsd_err err = {0};
    enum tlsd_cerr rc = tlsd_hello_rec_feed(&c->rec, p, n, &c->hello, &err);
    if (rc == TLSD_CERR_OK) {
        hello_recorded(c);
        return;
    }
    tlsd_client_hello_free(&c->hello);
    if (rc == TLSD_CERR_NEED_MORE)
        return;
    tlsd_err_format(&err, c->rep.hello_error, sizeof c->rep.hello_error);
    if (rc == TLSD_CERR_MSG_TOO_LARGE)
        report(c, unfinished(c), TLSD_DETAIL_TOO_LARGE);
    else
        report(c, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE);
    close_conn(c, false);
}

/* ---- the loop --------------------------------------------------------------------- */

/* One read buffer per server: the loop is one thread and each read is consumed at once. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct server *s = h->loop->data;
    (void)suggested;
    *buf = uv_buf_init(s->rbuf, sizeof s->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = st->data;
    if (n > 0) {
        /* The post-handshake timer is not restarted by traffic: a client trickling a
         * partial record byte by byte is still closed in time. */
        on_bytes(c, (const uint8_t *)buf->base, (size_t)n);
        return;
    }
    if (n == 0)
        return;
    c->peer_reset = n == UV_ECONNRESET;
    if (!c->have_hello || !c->handshake_done)
        report(c, unfinished(c), c->peer_reset ? TLSD_DETAIL_RESET : TLSD_DETAIL_CLOSED);
    close_conn(c, false);
}

static void on_timer(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (!c->have_hello)
        snprintf(c->rep.hello_error, sizeof c->rep.hello_error,
                 "no whole ClientHello within %.1f s (%zu bytes received)",
                 (double)(uv_now(&c->srv->loop) - c->started_ms) / 1000.0, c->rep.bytes_in);
    if (!c->handshake_done)
        report(c, unfinished(c), TLSD_DETAIL_TIMEOUT);
    close_conn(c, !c->handshake_done);
}

/* The ClientHello is due soon after accept; once it is whole, the rest of the handshake
 * time limit (counted from accept) applies. */
static void start_handshake_timer(struct conn *c)
{
    const struct tlsd_serve_opts *o = c->srv->o;
    uint64_t spent = uv_now(&c->srv->loop) - c->started_ms;
    uint64_t left = o->handshake_timeout_ms > spent ? o->handshake_timeout_ms - spent : 1;
    tlsd_deadline_start(&c->limit, on_timer, left);
}

static void peer_name(uv_tcp_t *tcp, char *out, size_t len, char host[INET6_ADDRSTRLEN])
{
    struct sockaddr_storage ss;
    int n = sizeof ss;
    int port = 0;
    snprintf(host, INET6_ADDRSTRLEN, "?");
    snprintf(out, len, "?");
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &n) != 0)
        return;
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        uv_ip4_name(a, host, INET6_ADDRSTRLEN);
        port = ntohs(a->sin_port);
        snprintf(out, len, "%s:%d", host, port);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        uv_ip6_name(a, host, INET6_ADDRSTRLEN);
        port = ntohs(a->sin6_port);
        snprintf(out, len, "[%s]:%d", host, port);
    }
}

static int conn_ssl(struct conn *c)
{
    c->ssl = SSL_new(c->srv->ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->ssl || !c->rbio || !c->wbio) {
        BIO_free(c->rbio), BIO_free(c->wbio);
        return -1;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_accept_state(c->ssl);
    SSL_set_app_data(c->ssl, c);
    SSL_set_info_callback(c->ssl, on_ssl_info);
    SSL_set_msg_callback(c->ssl, on_ssl_msg);
    return 0;
}

/* Makes room for a new client: past a limit, the client that has waited longest without
 * a whole ClientHello (a silent, dripping or stalled connection) is evicted. `addr` NULL:
 * the limit in all; else the limit for that address. False when nobody can be evicted. */
static bool make_room(struct server *s, const struct conn *newc, const char *addr)
{
    struct conn *victim = NULL;
    for (struct conn *c = s->conns; c; c = c->next) {
        if (c == newc || c->closing || c->have_hello || (addr && strcmp(c->addr, addr) != 0))
            continue;
        if (!victim || c->started_ms <= victim->started_ms)
            victim = c; /* the list is newest first: ties go to the older */
    }
    if (!victim)
        return false;
    snprintf(victim->rep.hello_error, sizeof victim->rep.hello_error,
             "evicted for a new client after %.1f s without a whole ClientHello (%zu bytes)",
             (double)(uv_now(&s->loop) - victim->started_ms) / 1000.0, victim->rep.bytes_in);
    report(victim, TLSD_OUTCOME_NO_CLIENT_HELLO, TLSD_DETAIL_EVICTED);
    close_conn(victim, true);
    return true;
}

static unsigned open_from(const struct server *s, const char *addr)
{
    unsigned n = 0;
    for (const struct conn *c = s->conns; c; c = c->next)
        n += !c->closing && strcmp(c->addr, addr) == 0;
    return n;
}

/* True when the new client may stay (room was there or was made). */
static bool admit(struct server *s, const struct conn *c)
{
    if (open_from(s, c->addr) > s->o->max_per_address && !make_room(s, c, c->addr))
        return false;
    unsigned open = 0;
    for (const struct conn *o = s->conns; o; o = o->next)
        open += !o->closing;
    return open <= s->o->max_clients || make_room(s, c, NULL);
}

static void on_connection(uv_stream_t *l, int status)
{
    struct server *s = l->data;
    if (status < 0 || s->stopping)
        return;
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = s;
    c->alert_sent = c->alert_received = c->rep.alert = c->rcv_level = c->rcv_desc = -1;
    c->rep.id = ++s->next_id;
    c->started_ms = uv_now(&s->loop);
    c->reset_on_refusal = (s->o->profile->flags & TLSD_PF_RESET_ON_NO_MATCH) != 0;
    tlsd_hello_rec_init(&c->rec);
    uv_tcp_init(&s->loop, &c->tcp);
    tlsd_deadline_init(&s->loop, &c->limit);
    c->tcp.data = c->limit.timer.data = c;
    c->open_handles = 2;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->n_conns++;
    if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
        c->reported = true;
        close_conn(c, false);
        return;
    }
    peer_name(&c->tcp, c->rep.peer, sizeof c->rep.peer, c->addr);
    if (!admit(s, c) || conn_ssl(c) < 0) {
        report(c, TLSD_OUTCOME_NO_CLIENT_HELLO, TLSD_DETAIL_OVER_CAPACITY);
        close_conn(c, true);
        return;
    }
    unsigned first = s->o->hello_timeout_ms < s->o->handshake_timeout_ms
                         ? s->o->hello_timeout_ms
                         : s->o->handshake_timeout_ms;
    tlsd_deadline_start(&c->limit, on_timer, first);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void stop_all(struct server *s)
{
    if (s->stopping)
        return;
    s->stopping = true;
    uv_close((uv_handle_t *)&s->listener, NULL);
    /* Still watched, so that the same signal delivered twice does not end the process
     * (TLSD_SIGNAL_REPEAT_MS), but no longer keeping the loop alive. */
    uv_unref((uv_handle_t *)&s->sigint);
    uv_unref((uv_handle_t *)&s->sigterm);
    /* FIN after what is queued (the last client's alert); a client that never reads
     * is still bounded by its timer. */
    for (struct conn *c = s->conns; c; c = c->next)
        close_after_write(c);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct server *s = h->data;
    if (!tlsd_stop_first(&s->stop, &s->sigint, &s->sigterm, signum))
        return;
    stop_all(s);
    tlsd_stop_done(&s->stop);
}

static int listen_on(struct server *s,
                     void (*ready)(void *, const char *, uint16_t, const struct tlsd_serve_setup *),
                     void *ctx, const struct tlsd_serve_setup *setup, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    const char *bind = s->o->bind ? s->o->bind : "0.0.0.0";
    int rc = strchr(bind, ':') ? uv_ip6_addr(bind, s->o->port, (struct sockaddr_in6 *)&ss)
                               : uv_ip4_addr(bind, s->o->port, (struct sockaddr_in *)&ss);
    if (rc == 0)
        rc = uv_tcp_init(&s->loop, &s->listener);
    s->listener.data = s;
    if (rc == 0)
        rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 511, on_connection);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s port %u: %s", bind, (unsigned)s->o->port,
                 uv_strerror(rc));
        return -1;
    }
    int n = sizeof ss;
    uint16_t port = s->o->port;
    if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &n) == 0)
        port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                             : ((struct sockaddr_in6 *)&ss)->sin6_port);
    if (ready)
        ready(ctx, bind, port, setup);
    return 0;
}

int tlsd_serve_run(const struct tlsd_serve_opts *opts, tlsd_serve_ready_cb ready,
                   tlsd_serve_client_cb cb, void *ctx, char *err, size_t errlen)
{
    struct server s = {.o = opts, .cb = cb, .cb_ctx = ctx};
    struct tlsd_serve_setup setup;
    s.ctx = tlsd_serve_ctx_new(opts->profile, opts->cert_file, opts->key_file, &setup, err, errlen);
    if (!s.ctx)
        return -1;
    if (uv_loop_init(&s.loop) != 0) {
        tlsd_serve_ctx_free(s.ctx);
        return snprintf(err, errlen, "cannot start the event loop"), -1;
    }
    s.loop.data = &s;
    uv_signal_init(&s.loop, &s.sigint);
    uv_signal_init(&s.loop, &s.sigterm);
    s.sigint.data = s.sigterm.data = &s;
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    int rc = listen_on(&s, ready, ctx, &setup, err, errlen);
    if (rc < 0) {
        s.stopping = true;
        if (s.listener.type == UV_TCP)
            uv_close((uv_handle_t *)&s.listener, NULL);
    }
    if (rc == 0)
        uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&s.sigint, NULL);
    uv_close((uv_handle_t *)&s.sigterm, NULL);
    tlsd_stop_after_loop(&s.stop);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_loop_close(&s.loop);
    tlsd_serve_ctx_free(s.ctx);
    return rc;
}
