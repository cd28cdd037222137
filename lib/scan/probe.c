/* One probe: connect, optional STARTTLS, send a ClientHello, read the
 * server's first flight (to ServerHelloDone, a TLS 1.3 ServerHello, an HRR,
 * an alert or the end of the connection). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

#include "base/deadline_internal.h"
#include "scan/probe_internal.h"
#include "tlsdiag/record.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */
#include "tlsdiag/textout.h"

#define MAX_PLAIN 16384 /* STARTTLS dialogue bytes kept */
/* A ServerHello is the first message of an answer (RFC 8446 4, RFC 5246 7.3): more than
 * this before it is a flood, not an answer, and reading it on would starve the other
 * probes of the loop. */
#define MAX_BEFORE_SERVER_HELLO 65536

/* ST_WARM: opened ahead of need (probe_warm_open), no request yet. */
enum pstate { ST_CONNECTING, ST_STARTTLS, ST_TLS, ST_DONE, ST_WARM };

struct probe {
    uv_tcp_t tcp;
    /* The time limit, judged after the loop has polled the sockets (deadline_internal.h):
     * on a busy loop an answer already in the socket is not taken for none. */
    struct tlsd_deadline limit;
    uv_connect_t conn;
    uv_write_t wr;
    uv_shutdown_t shut; /* req.half_close */
    struct probe_req req;
    struct probe_res res;
    struct probe *next, *prev; /* in req.set */
    bool flight_done;          /* ServerHelloDone (or another end of the first flight) */
    enum pstate state;
    int starttls_step;
    char plain[MAX_PLAIN + 1];
    size_t plain_len;
    struct tlsd_reasm reasm;
    uint16_t version; /* from the ServerHello, for later messages */
    size_t ignored;   /* handshake messages before the ServerHello that a client ignores */
    int ignored_type;
    int open_handles;
    /* ST_WARM: told once when the connection is lost before a request takes it. */
    void (*on_lost)(void *ctx, struct probe *p);
    void *lost_ctx;
    char rbuf[65536];
};

const char *probe_what(const struct probe_res *res)
{
    return res->detail != TLSD_DETAIL_NONE ? tlsd_ending_detail_name(res->detail)
                                           : tlsd_conn_outcome_name(res->ending);
}

void probe_bytes_text(size_t bytes, size_t ignored, int ignored_type, size_t have, size_t want,
                      char *out, size_t len)
{
    const struct tlsd_handshake_type *ht = tlsd_handshake_type_by_code(ignored_type);
    if (ignored) /* RFC 5246 7.4.1.1: a client ignores a HelloRequest during a handshake */
        snprintf(out, len, "%zu bytes: %zu %s messages, which a client ignores, and no ServerHello",
                 bytes, ignored, ht ? ht->name : "handshake");
    else if (want)
        snprintf(out, len, "%zu bytes: a record of %zu bytes begun, %zu of them came", bytes, want,
                 have);
    else if (have)
        snprintf(out, len, "%zu bytes: %zu of the 5 bytes of a record header", bytes, have);
    else
        snprintf(out, len, "%zu bytes and no whole ServerHello", bytes);
}

/* What the answer so far is, when it is not a ServerHello (probe_bytes_text). */
static void answer_so_far(const struct probe *p, char *out, size_t len)
{
    const struct tlsd_reasm *r = &p->reasm;
    size_t have = r->in_len - r->in_off, want = 0;
    const uint8_t *at = r->in ? r->in + r->in_off : NULL;
    if (have >= 5 && !r->sslv2)
        want = 5 + ((size_t)at[3] << 8 | at[4]);
    probe_bytes_text(p->res.bytes_in, p->ignored, p->ignored_type, have, want, out, len);
}

void probe_alpn(const struct probe_res *res, char *out, size_t outlen)
{
    tlsd_text_escape(res->sh.alpn, strlen(res->sh.alpn), out, outlen);
}

static void warm_lost(struct probe *p);
static void begin(struct probe *p);

static void on_closed(uv_handle_t *h)
{
    struct probe *p = h->data;
    if (--p->open_handles > 0)
        return;
    tlsd_server_hello_free(&p->res.sh);
    tlsd_certificate_free(&p->res.cert);
    tlsd_ssl2_server_hello_free(&p->res.ssl2);
    tlsd_reasm_free(&p->reasm);
    free(p->req.hello);
    free(p);
}

/* How the probe's connection ended, named as analyze names it: the ending e, told for a
 * time limit, a failed connection, a reset or a close (detail d) from what the socket saw. */
static void set_ending(struct probe_res *r, enum tlsd_conn_outcome e, enum tlsd_ending_detail d)
{
    r->ending = e;
    r->detail = d;
    r->ending_known = true;
    if (d == TLSD_DETAIL_TIMEOUT) {
        /* Bytes that came to no ServerHello are an answer, though none the endings name;
         * a stop by signal (probe_stop_all) is no time limit of the probe's. */
        r->ending = r->connected ? TLSD_OUTCOME_NO_ANSWER : TLSD_OUTCOME_TCP_NO_ANSWER;
        r->ending_known = r->timed_out && r->bytes_in == 0;
    } else if (d == TLSD_DETAIL_NO_CONNECTION) {
        /* The SYN answered by a reset; or no answer (the kernel's SYN retries ran out, or
         * an ICMP unreachable: a capture shows the SYN unanswered). Else a local error. */
        r->ending =
            r->uv_err == UV_ECONNREFUSED ? TLSD_OUTCOME_TCP_REFUSED : TLSD_OUTCOME_TCP_NO_ANSWER;
        r->ending_known =
            !r->connected && (r->uv_err == UV_ECONNREFUSED || r->uv_err == UV_ETIMEDOUT ||
                              r->uv_err == UV_EHOSTUNREACH || r->uv_err == UV_ENETUNREACH);
    } else if ((d == TLSD_DETAIL_RESET || d == TLSD_DETAIL_CLOSED) && r->have_sh) {
        r->ending = TLSD_OUTCOME_ABORTED;
    } else if (e == TLSD_OUTCOME_SUCCESS && r->have_ssl2) {
        r->detail = TLSD_DETAIL_SSL2_SERVER_HELLO;
    }
}

/* Reports once and closes everything. */
static void finish(struct probe *p, enum tlsd_conn_outcome e, enum tlsd_ending_detail d)
{
    if (p->state == ST_DONE)
        return;
    p->state = ST_DONE;
    set_ending(&p->res, e, d);
    p->res.flight_incomplete = e == TLSD_OUTCOME_SUCCESS && p->res.have_sh && !p->res.sh.is_hrr &&
                               p->res.sh.version < TLSD_VERSION_TLS1_3 && !p->flight_done &&
                               !p->res.have_alert;
    if (p->res.flight_incomplete && !p->res.error[0])
        snprintf(p->res.error, sizeof p->res.error, "%s",
                 p->res.uv_err == UV_ECONNRESET ? "reset before ServerHelloDone"
                                                : "closed before ServerHelloDone");
    if (p->req.set) { /* out of the set before the callback, which may stop them all */
        if (p->prev)
            p->prev->next = p->next;
        else
            p->req.set->head = p->next;
        if (p->next)
            p->next->prev = p->prev;
    }
    p->req.cb(p->req.ctx, &p->res);
    uv_timer_stop(&p->limit.timer);
    uv_read_stop((uv_stream_t *)&p->tcp);
    uv_close((uv_handle_t *)&p->limit.timer, on_closed);
    uv_close((uv_handle_t *)&p->tcp, on_closed);
}

__attribute__((format(TLSD_PRINTF_FORMAT, 4, 5))) static void
fail(struct probe *p, enum tlsd_conn_outcome e, enum tlsd_ending_detail d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->res.error, sizeof p->res.error, fmt, ap);
    va_end(ap);
    finish(p, e, d);
}

void probe_stop_all(struct probe_set *set, const char *why)
{
    while (set->head)
        fail(set->head, TLSD_OUTCOME_NO_ANSWER, TLSD_DETAIL_TIMEOUT, "%s", why);
}

static void on_timeout(uv_timer_t *t)
{
    struct probe *p = t->data;
    p->res.timed_out = true;
    if (p->state == ST_CONNECTING) {
        fail(p, TLSD_OUTCOME_NO_ANSWER, TLSD_DETAIL_TIMEOUT,
             "no answer to the SYN (TCP connect) before the time limit");
        return;
    }
    if (!p->res.have_sh && p->res.bytes_in > 0 && p->state == ST_TLS) {
        char so_far[160];
        answer_so_far(p, so_far, sizeof so_far);
        fail(p, TLSD_OUTCOME_NO_ANSWER, TLSD_DETAIL_TIMEOUT,
             "no ServerHello within %u ms, after %s", p->req.timeout_ms, so_far);
        return;
    }
    fail(p, p->res.have_sh ? TLSD_OUTCOME_SUCCESS : TLSD_OUTCOME_NO_ANSWER,
         p->res.have_sh ? TLSD_DETAIL_NONE : TLSD_DETAIL_TIMEOUT, "%s",
         p->res.have_sh ? "no ServerHelloDone before the time limit"
                        : "no complete answer before the time limit");
}

static void on_write(uv_write_t *w, int status)
{
    struct probe *p = w->data;
    if (status < 0 && status != UV_ECANCELED && p->state != ST_DONE) {
        p->res.uv_err = status;
        fail(p, TLSD_OUTCOME_RESET_AFTER_HELLO,
             status == UV_ECONNRESET || status == UV_EPIPE ? TLSD_DETAIL_RESET
                                                           : TLSD_DETAIL_NO_CONNECTION,
             "write: %s", uv_strerror(status));
    }
}

static void send_bytes(struct probe *p, const void *data, size_t len)
{
    /* One write in flight at a time: STARTTLS steps wait for an answer and
     * the hello is the last write. */
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    p->wr.data = p;
    int rc = uv_write(&p->wr, (uv_stream_t *)&p->tcp, &b, 1, on_write);
    if (rc < 0) {
        p->res.uv_err = rc;
        fail(p, TLSD_OUTCOME_TCP_NO_ANSWER, TLSD_DETAIL_NO_CONNECTION, "write: %s",
             uv_strerror(rc));
    }
}

/* The FIN's fate changes nothing: the answer (or its absence) is what the probe reports. */
static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;
}

static void half_close(struct probe *p)
{
    if (uv_shutdown(&p->shut, (uv_stream_t *)&p->tcp, on_shutdown) == 0)
        p->res.half_closed = true;
}

static void send_hello(struct probe *p)
{
    if (!p->req.hello) {
        uv_os_fd_t fd;
        p->res.fd = uv_fileno((uv_handle_t *)&p->tcp, &fd) == 0 ? tlsd_sock_dup((intptr_t)fd) : -1;
        if (p->res.fd < 0)
            fail(p, TLSD_OUTCOME_TCP_NO_ANSWER, TLSD_DETAIL_NO_CONNECTION,
                 "cannot hand the connection over");
        else
            finish(p, TLSD_OUTCOME_SUCCESS, TLSD_DETAIL_NONE);
        return;
    }
    p->state = ST_TLS;
    send_bytes(p, p->req.hello, p->req.hello_len);
    /* libuv sends the FIN once the hello is written; the answer is read as before. */
    if (p->req.half_close && p->state == ST_TLS)
        half_close(p);
}

void probe_half_close_some(struct probe_set *set, bool (*pick)(void *ctx, void *arg), void *arg)
{
    for (struct probe *p = set->head; p; p = p->next) {
        if (!p->req.hello || p->req.half_close || !pick(p->req.ctx, arg))
            continue;
        p->req.half_close = true;
        if (p->state == ST_TLS)
            half_close(p);
    }
}

/* ---- STARTTLS ------------------------------------------------------------ */

/* True when the plain-text buffer holds a complete final reply line that
 * starts with code followed by a space (SMTP/FTP multi-line replies end with
 * "code SP"). */
static bool final_line(const char *buf, size_t len, const char *code)
{
    size_t cl = strlen(code);
    const char *line = buf;
    while (line < buf + len) {
        const char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        if (!nl)
            return false;
        if ((size_t)(nl - line) > cl && memcmp(line, code, cl) == 0 && line[cl] == ' ')
            return true;
        line = nl + 1;
    }
    return false;
}

static bool has_line_prefix(const char *buf, size_t len, const char *prefix)
{
    size_t pl = strlen(prefix);
    const char *line = buf;
    while (line < buf + len) {
        const char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        if (!nl)
            return false;
        if ((size_t)(nl - line) >= pl && memcmp(line, prefix, pl) == 0)
            return true;
        line = nl + 1;
    }
    return false;
}

/* A reply that is complete but is not the wanted one. */
static bool any_final(const char *buf, size_t len)
{
    for (const char *line = buf; line < buf + len;) {
        const char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        if (!nl)
            return false;
        if (nl - line >= 4 && line[3] == ' ')
            return true;
        line = nl + 1;
    }
    return false;
}

struct step {
    const char *expect; /* final reply code or line prefix to wait for */
    bool coded;         /* SMTP/FTP style "NNN " code */
    const char *send;   /* then send this (NULL: start TLS) */
};

static const struct step smtp_steps[] = {
    {"220", true, "EHLO tlsdiag.invalid\r\n"}, {"250", true, "STARTTLS\r\n"}, {"220", true, NULL}};
static const struct step ftp_steps[] = {{"220", true, "AUTH TLS\r\n"}, {"234", true, NULL}};
static const struct step imap_steps[] = {{"* OK", false, "a1 STARTTLS\r\n"},
                                         {"a1 OK", false, NULL}};
static const struct step pop3_steps[] = {{"+OK", false, "STLS\r\n"}, {"+OK", false, NULL}};
static const struct step xmpp_steps[] = {
    {"<stream:features", false, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"},
    {"<proceed", false, NULL}};

/* LDAP ExtendedRequest for StartTLS (RFC 4511 4.14.1): messageID 1,
 * requestName 1.3.6.1.4.1.1466.20037. */
static const uint8_t ldap_starttls[] = {
    0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, '1', '.', '3', '.', '6', '.', '1',
    '.',  '4',  '.',  '1',  '.',  '1',  '4',  '6',  '6',  '.', '2', '0', '0', '3', '7'};
/* PostgreSQL SSLRequest: length 8, code 80877103. */
static const uint8_t pg_sslrequest[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

static const struct step *steps_of(enum tlsd_starttls s, size_t *n)
{
#define STEPS(a) (*n = sizeof a / sizeof a[0], a)
    switch (s) {
    case TLSD_STARTTLS_SMTP:
        return STEPS(smtp_steps);
    case TLSD_STARTTLS_FTP:
        return STEPS(ftp_steps);
    case TLSD_STARTTLS_IMAP:
        return STEPS(imap_steps);
    case TLSD_STARTTLS_POP3:
        return STEPS(pop3_steps);
    case TLSD_STARTTLS_XMPP:
        return STEPS(xmpp_steps);
    default:
        *n = 0;
        return NULL;
    }
#undef STEPS
}

/* LDAP answer: an LDAPMessage whose extendedResp resultCode is success (0).
 * Returns 1 success, 0 need more, -1 refused or malformed. */
static int ldap_answer(const uint8_t *b, size_t len)
{
    struct tlsd_err err = {0};
    struct tlsd_rd r, msg;
    uint8_t tag, l1, t, l, rc_tag, rc_len, rc;
    const uint8_t *skip;
    if (len < 2)
        return 0;
    tlsd_rd_init(&r, b, len, &err);
    /* Short-form lengths only: a StartTLS reply is small. */
    if (tlsd_rd_u8(&r, &tag, "LDAPMessage") || tag != 0x30 || tlsd_rd_u8(&r, &l1, "length") ||
        l1 >= 0x80)
        return -1;
    if (tlsd_rd_left(&r) < l1)
        return 0;
    if (tlsd_rd_sub(&r, &msg, l1, "LDAPMessage"))
        return -1;
    /* messageID INTEGER, then [APPLICATION 24] ExtendedResponse, resultCode */
    if (tlsd_rd_u8(&msg, &t, "messageID") || t != 0x02 || tlsd_rd_u8(&msg, &l, "length") ||
        tlsd_rd_bytes(&msg, &skip, l, "messageID"))
        return -1;
    if (tlsd_rd_u8(&msg, &t, "extendedResp") || t != 0x78 || tlsd_rd_u8(&msg, &l, "length"))
        return -1;
    if (tlsd_rd_u8(&msg, &rc_tag, "resultCode") || rc_tag != 0x0a ||
        tlsd_rd_u8(&msg, &rc_len, "length") || rc_len != 1 || tlsd_rd_u8(&msg, &rc, "resultCode"))
        return -1;
    return rc == 0 ? 1 : -1;
}

/* RFC 6120 4.2: the initiating stream header. */
static const char xmpp_open[] =
    "<?xml version='1.0'?><stream:stream to='tlsdiag.invalid' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

static void starttls_begin(struct probe *p)
{
    p->state = ST_STARTTLS;
    if (p->req.starttls == TLSD_STARTTLS_LDAP)
        send_bytes(p, ldap_starttls, sizeof ldap_starttls);
    else if (p->req.starttls == TLSD_STARTTLS_POSTGRES)
        send_bytes(p, pg_sslrequest, sizeof pg_sslrequest);
    else if (p->req.starttls == TLSD_STARTTLS_XMPP)
        send_bytes(p, xmpp_open, sizeof xmpp_open - 1);
}

static void starttls_input(struct probe *p, const char *data, size_t len)
{
    if (p->plain_len + len > MAX_PLAIN) {
        fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_STARTTLS_FAILED, "%s",
             "STARTTLS: answer too long");
        return;
    }
    memcpy(p->plain + p->plain_len, data, len);
    p->plain_len += len;
    p->plain[p->plain_len] = '\0';
    enum tlsd_starttls s = p->req.starttls;
    if (s == TLSD_STARTTLS_POSTGRES) {
        if (p->plain[0] == 'S')
            send_hello(p);
        else
            fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_STARTTLS_FAILED,
                 "PostgreSQL answered '%.1s' to SSLRequest", p->plain);
        return;
    }
    if (s == TLSD_STARTTLS_LDAP) {
        int a = ldap_answer((const uint8_t *)p->plain, p->plain_len);
        if (a > 0)
            send_hello(p);
        else if (a < 0)
            fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_STARTTLS_FAILED, "%s",
                 "LDAP server refused StartTLS");
        return;
    }
    size_t n;
    const struct step *steps = steps_of(s, &n);
    const struct step *st = &steps[p->starttls_step];
    bool got = st->coded                 ? final_line(p->plain, p->plain_len, st->expect)
               : s == TLSD_STARTTLS_XMPP ? strstr(p->plain, st->expect) != NULL
                                         : has_line_prefix(p->plain, p->plain_len, st->expect);
    if (!got) {
        bool other = st->coded
                         ? any_final(p->plain, p->plain_len)
                         : memchr(p->plain, '\n', p->plain_len) != NULL && s != TLSD_STARTTLS_XMPP;
        if (other)
            fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_STARTTLS_FAILED, "STARTTLS refused: %.120s",
                 p->plain);
        return;
    }
    p->plain_len = 0;
    p->starttls_step++;
    if (st->send)
        send_bytes(p, st->send, strlen(st->send));
    else
        send_hello(p);
}

/* ---- TLS answer ---------------------------------------------------------- */

static void handle_handshake(struct probe *p, const struct tlsd_event *ev)
{
    struct tlsd_err err = {0};
    struct tlsd_hs_ctx ctx = {.version = p->version, .suite = p->res.have_sh ? p->res.sh.suite : 0};
    char msg[160];
    switch (ev->hs_type) {
    case TLSD_HS_SERVER_HELLO:
        if (p->res.have_sh)
            return;
        if (tlsd_server_hello_parse(ev->data, ev->len, &p->res.sh, &err) != TLSD_CERR_OK) {
            tlsd_err_format(&err, msg, sizeof msg);
            fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE, "ServerHello: %s", msg);
            return;
        }
        p->res.have_sh = true;
        p->version = p->res.sh.version;
        tlsd_reasm_server_hello(&p->reasm, p->res.sh.version, p->res.sh.is_hrr);
        if (p->req.hello_enough) {
            p->flight_done = true; /* not awaited: not missing */
            finish(p, TLSD_OUTCOME_SUCCESS, TLSD_DETAIL_NONE);
            return;
        }
        /* TLS 1.3 and HRR: everything after is encrypted or a new round. */
        if (p->res.sh.is_hrr || p->res.sh.version >= TLSD_VERSION_TLS1_3)
            finish(p, TLSD_OUTCOME_SUCCESS, TLSD_DETAIL_NONE);
        return;
    case TLSD_HS_CERTIFICATE:
        if (!p->res.have_cert &&
            tlsd_certificate_parse(ev->data, ev->len, &ctx, &p->res.cert, &err) == TLSD_CERR_OK)
            p->res.have_cert = true;
        return;
    case TLSD_HS_SERVER_KEY_EXCHANGE:
        if (!p->res.have_ske && tlsd_server_key_exchange_parse(ev->data, ev->len, &ctx, &p->res.ske,
                                                               &err) == TLSD_CERR_OK)
            p->res.have_ske = true;
        return;
    case TLSD_HS_CERTIFICATE_STATUS:
        p->res.cert_status = true;
        return;
    case TLSD_HS_SERVER_HELLO_DONE:
        p->flight_done = true;
        finish(p, TLSD_OUTCOME_SUCCESS, TLSD_DETAIL_NONE);
        return;
    default:
        if (!p->res.have_sh) {
            p->ignored++;
            p->ignored_type = ev->hs_type;
        }
        return;
    }
}

static void tls_input(struct probe *p, const char *data, size_t len)
{
    if (tlsd_reasm_feed(&p->reasm, data, len) != TLSD_CERR_OK) {
        fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE, "%s", "out of memory");
        return;
    }
    struct tlsd_event ev;
    enum tlsd_cerr e;
    while (p->state != ST_DONE && (e = tlsd_reasm_next(&p->reasm, &ev)) == TLSD_CERR_OK) {
        switch (ev.kind) {
        case TLSD_EV_HANDSHAKE:
            handle_handshake(p, &ev);
            break;
        case TLSD_EV_ALERT:
            if (!p->res.have_alert) {
                p->res.have_alert = true;
                p->res.alert.level = ev.alert_level;
                p->res.alert.description = ev.alert_desc;
            }
            /* A warning (e.g. unrecognized_name) may precede the answer. */
            if (ev.alert_level != TLSD_ALERT_LEVEL_WARNING)
                finish(p, p->res.have_sh ? TLSD_OUTCOME_SUCCESS : TLSD_OUTCOME_SERVER_ALERT,
                       TLSD_DETAIL_NONE);
            break;
        case TLSD_EV_SSL2: {
            /* Only an SSLv2 hello (first byte with the high bit set) can get an
             * SSLv2 answer: SERVER-HELLO (4) or ERROR (0); anything else is not
             * TLS at all. */
            struct tlsd_err err = {0};
            bool sent_ssl2 = p->req.hello_len > 0 && (p->req.hello[0] & 0x80);
            p->res.ssl2_record = true;
            if (!sent_ssl2 && ev.len > 0 && ev.data[0] == 4)
                fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE, "%s",
                     "an SSLv2 SERVER-HELLO in answer to a TLS ClientHello: the server "
                     "speaks SSLv2 only");
            else if (sent_ssl2 && ev.len > 0 && ev.data[0] == 4 &&
                     tlsd_ssl2_server_hello_parse(ev.data, ev.len, &p->res.ssl2, &err) ==
                         TLSD_CERR_OK) {
                p->res.have_ssl2 = true;
                finish(p, TLSD_OUTCOME_SUCCESS, TLSD_DETAIL_NONE);
            } else if (sent_ssl2 && ev.len > 0 && ev.data[0] == 0) {
                finish(p, TLSD_OUTCOME_SERVER_ALERT, TLSD_DETAIL_NONE);
            } else {
                fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE, "%s",
                     "an SSLv2 record that is no SSLv2 answer");
            }
            break;
        }
        default:
            p->flight_done = true; /* ChangeCipherSpec: an abbreviated handshake */
            if (!p->res.have_sh)
                fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE, "%s",
                     "unexpected record before ServerHello");
            else
                finish(p, TLSD_OUTCOME_SUCCESS, TLSD_DETAIL_NONE);
            break;
        }
    }
    if (p->state != ST_DONE && !p->res.have_sh && p->res.bytes_in > MAX_BEFORE_SERVER_HELLO) {
        char so_far[160];
        answer_so_far(p, so_far, sizeof so_far);
        fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE, "more than %d bytes and no ServerHello: %s",
             MAX_BEFORE_SERVER_HELLO, so_far);
        return;
    }
    if (p->state != ST_DONE && e != TLSD_CERR_NEED_MORE) {
        char msg[160];
        tlsd_err_format(&p->reasm.err, msg, sizeof msg);
        fail(p, p->res.have_sh ? TLSD_OUTCOME_SUCCESS : TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE,
             "%s", msg);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct probe *p = h->data;
    *buf = uv_buf_init(p->rbuf, sizeof p->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct probe *p = s->data;
    if (p->state == ST_DONE)
        return;
    if (p->state == ST_WARM) { /* the server spoke or ended before our hello: not usable */
        warm_lost(p);
        return;
    }
    if (n < 0) {
        bool reset = n == UV_ECONNRESET;
        p->res.uv_err = (int)n;
        if (p->res.have_sh || p->res.have_ssl2)
            finish(p, TLSD_OUTCOME_SUCCESS, TLSD_DETAIL_NONE);
        else if (p->state == ST_STARTTLS)
            fail(p, TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_STARTTLS_FAILED,
                 "connection closed during STARTTLS (%s)", uv_strerror((int)n));
        else if (p->res.bytes_in > 0) {
            char so_far[160];
            answer_so_far(p, so_far, sizeof so_far);
            fail(p, reset ? TLSD_OUTCOME_RESET_AFTER_HELLO : TLSD_OUTCOME_CLOSE_AFTER_HELLO,
                 reset ? TLSD_DETAIL_RESET : TLSD_DETAIL_CLOSED, "%s after %s",
                 reset ? "reset" : "closed", so_far);
        } else
            finish(p, reset ? TLSD_OUTCOME_RESET_AFTER_HELLO : TLSD_OUTCOME_CLOSE_AFTER_HELLO,
                   reset ? TLSD_DETAIL_RESET : TLSD_DETAIL_CLOSED);
        return;
    }
    if (p->state == ST_STARTTLS)
        starttls_input(p, buf->base, (size_t)n);
    else if (p->state == ST_TLS) {
        p->res.bytes_in += (size_t)n;
        tls_input(p, buf->base, (size_t)n);
    }
}

static void on_connect(uv_connect_t *c, int status)
{
    struct probe *p = c->data;
    if (p->state == ST_DONE)
        return;
    if (p->state == ST_WARM) {
        if (status < 0 || uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read) < 0) {
            warm_lost(p);
            return;
        }
        p->res.connected = true;
        uv_tcp_nodelay(&p->tcp, 1);
        return;
    }
    if (status < 0) {
        p->res.uv_err = status;
        fail(p, TLSD_OUTCOME_TCP_NO_ANSWER, TLSD_DETAIL_NO_CONNECTION, "connect: %s",
             uv_strerror(status));
        return;
    }
    p->res.connected = true;
    int rc = uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read);
    if (rc < 0) {
        fail(p, TLSD_OUTCOME_TCP_NO_ANSWER, TLSD_DETAIL_NO_CONNECTION, "read: %s", uv_strerror(rc));
        return;
    }
    uv_tcp_nodelay(&p->tcp, 1);
    begin(p);
}

/* The connection is up: the STARTTLS dialogue or the hello. */
static void begin(struct probe *p)
{
    if (p->req.starttls == TLSD_STARTTLS_NONE)
        send_hello(p);
    else
        starttls_begin(p);
}

static void join_set(struct probe *p)
{
    if (p->req.set) {
        p->next = p->req.set->head;
        if (p->next)
            p->next->prev = p;
        p->req.set->head = p;
    }
}

/* The socket and the time limit on loop (closed by finish or warm_end), in state st. */
static void init_handles(struct probe *p, uv_loop_t *loop, enum pstate st)
{
    tlsd_reasm_init(&p->reasm);
    p->state = st;
    p->tcp.data = p->limit.timer.data = p->conn.data = p;
    uv_tcp_init(loop, &p->tcp);
    tlsd_deadline_init(loop, &p->limit);
    p->open_handles = 2;
}

/* Closes a connection no request took (ST_WARM), telling its owner when lost is set. */
static void warm_end(struct probe *p, bool lost)
{
    p->state = ST_DONE;
    if (lost && p->on_lost)
        p->on_lost(p->lost_ctx, p);
    uv_timer_stop(&p->limit.timer);
    uv_read_stop((uv_stream_t *)&p->tcp);
    uv_close((uv_handle_t *)&p->limit.timer, on_closed);
    uv_close((uv_handle_t *)&p->tcp, on_closed);
}

static void warm_lost(struct probe *p)
{
    warm_end(p, true);
}

static void on_warm_expired(uv_timer_t *t)
{
    warm_lost(t->data);
}

struct probe *probe_warm_open(uv_loop_t *loop, const struct sockaddr_storage *addr,
                              unsigned max_idle_ms, void (*on_lost)(void *ctx, struct probe *p),
                              void *ctx)
{
    struct probe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->res.fd = -1;
    p->req.addr = *addr;
    p->on_lost = on_lost;
    p->lost_ctx = ctx;
    init_handles(p, loop, ST_WARM);
    if (uv_tcp_connect(&p->conn, &p->tcp, (const struct sockaddr *)&p->req.addr, on_connect) < 0) {
        warm_end(p, false);
        return NULL;
    }
    tlsd_deadline_start(&p->limit, on_warm_expired, max_idle_ms);
    return p;
}

void probe_warm_close(struct probe *p)
{
    if (p->state == ST_WARM)
        warm_end(p, false);
}

void probe_warm_take(struct probe *p, const struct probe_req *req)
{
    p->req = *req;
    p->on_lost = NULL;
    join_set(p);
    tlsd_deadline_start(&p->limit, on_timeout, req->timeout_ms);
    if (p->res.connected)
        begin(p);
    else
        p->state = ST_CONNECTING; /* on_connect goes on from there */
}

void probe_start(uv_loop_t *loop, const struct probe_req *req)
{
    struct probe *p = calloc(1, sizeof *p);
    if (!p) {
        struct probe_res res = {
            .ending = TLSD_OUTCOME_TCP_NO_ANSWER, .detail = TLSD_DETAIL_NO_CONNECTION, .fd = -1};
        snprintf(res.error, sizeof res.error, "out of memory");
        free(req->hello);
        req->cb(req->ctx, &res);
        return;
    }
    p->req = *req;
    p->res.fd = -1;
    join_set(p);
    init_handles(p, loop, ST_CONNECTING);
    tlsd_deadline_start(&p->limit, on_timeout, req->timeout_ms);
    int rc = uv_tcp_connect(&p->conn, &p->tcp, (const struct sockaddr *)&p->req.addr, on_connect);
    if (rc < 0) {
        p->res.uv_err = rc;
        fail(p, TLSD_OUTCOME_TCP_NO_ANSWER, TLSD_DETAIL_NO_CONNECTION, "connect: %s",
             uv_strerror(rc));
    }
}
