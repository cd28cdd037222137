/* The capture analyser's engine (tlsdiag/analyze.h): TCP flows from tcp_reasm, each
 * direction through stream_detect into the codec, every handshake message and alert into
 * a per-connection record, decided as soon as the outcome is known and handed out. */
#include "tlsdiag/analyze.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_internal.h"
#include "base/hash_internal.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/stream_detect.h"

/* What an analyser keeps per TCP flow. conn is NULL once the connection was reported;
 * the directions keep running so that later hellos and alerts are still counted. */
struct fstate {
    struct tlsd_sdir d[2];
    struct tlsd_conn *conn;
    int client_dir;         /* the direction the ClientHello came from, -1 unknown */
    int guess_dir;          /* until then: the SYN's sender, or the side of the higher port */
    bool pending_enc_alert; /* TLS 1.3: the client's first encrypted record looked like an alert */
    enum tlsd_conn_outcome last_outcome; /* of the reported connection */
    size_t client_enc;        /* encrypted records from the client after the ServerHello */
    uint64_t enc_alert_frame; /* the frame of that record */
    /* TLS 1.3: the client's flight (its Finished) is out; what the server sent after it
     * tells whether it accepted: a lone alert-sized record, then the end, is a refusal. */
    bool client_done;
    size_t server_after;      /* server records after the client's flight */
    bool pending_srv_alert;   /* the first of them looked like an alert */
    uint64_t srv_alert_frame; /* its frame */
    int64_t now;              /* capture time of the bytes being parsed */
    /* The connection failed before any TLS (TCP refused or unanswered, no ClientHello,
     * a server that spoke first): its outcome, decided from TCP alone. */
    bool before_tls;
    enum tlsd_conn_outcome tcp_outcome;
    struct keystate *ks; /* with a key log that has this connection's secrets */
    size_t conn_bytes;   /* what conn owns beside itself (parsed hellos, certificates) */
};

/* TLS 1.3 with a key log: per direction (flow direction index) the traffic keys and the
 * handshake bytes not yet a whole message. */
#define KS_RECORD_MAX (16384 + 256) /* RFC 8446 5.2: TLSCiphertext.length */
#define KS_HS_MAX     65536         /* a handshake message longer than this is not read */

struct keystate {
    struct tlsd_tls13_dec dec[2];
    bool app[2]; /* application keys now (after that side's Finished) */
    uint8_t hs[2][KS_HS_MAX];
    size_t hs_len[2];
    uint8_t plain[KS_RECORD_MAX];
};

static void ks_start(struct tlsd_analyzer *a, struct fstate *fs, unsigned server_dir);

/* ---- connection records ---- */

/* IPv4 by hand: glibc's inet_ntop formats it with sprintf, once per connection. */
static void addr_str(uint8_t ipv, const uint8_t *addr, char out[46])
{
    if (ipv != 6) {
        char *o = out;
        for (int i = 0; i < 4; i++) {
            unsigned v = addr[i];
            if (i)
                *o++ = '.';
            if (v >= 100)
                *o++ = (char)('0' + v / 100);
            if (v >= 10)
                *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
        }
        *o = '\0';
        return;
    }
    if (!inet_ntop(AF_INET6, addr, out, 46))
        snprintf(out, 46, "?");
}

static void cert_unref(struct tlsd_cert_ref *r)
{
    if (r && --r->refs == 0) {
        tlsd_certificate_free(&r->m);
        free(r);
    }
}

static void conn_free(struct tlsd_conn *c)
{
    if (!c)
        return;
    tlsd_client_hello_free(&c->ch);
    tlsd_ja3_free(&c->ja3);
    tlsd_server_hello_free(&c->sh);
    tlsd_ja3_free(&c->ja3s);
    cert_unref(c->cert_ref);
    tlsd_diagnosis_free(&c->diag);
    free(c);
}

static struct tlsd_conn *conn_new(struct tlsd_analyzer *a, const struct tlsd_tcp_flow *flow)
{
    struct tlsd_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->id = flow->id;
    c->source = a->source;
    c->memo = a->memo;
    c->fatal = -1;
    c->client_cert = -1;
    c->first_frame = flow->first_frame;
    c->first_ts = flow->first_ts;
    c->ip_version = flow->ip_version;
    return c;
}

/* What c owns beside itself: the parsed hellos, JA3 strings and the certificates it
 * refers to (counted in full, though a cached chain is shared). */
static size_t conn_owned_bytes(const struct tlsd_conn *c)
{
    size_t n = tlsd_client_hello_bytes(&c->ch) + c->sh.msg_len + c->sh.n_exts * sizeof *c->sh.exts;
    for (const struct tlsd_ja3 *j = &c->ja3; j; j = j == &c->ja3 ? &c->ja3s : NULL)
        n += j->full ? strlen(j->full) + 1 : 0;
    if (c->cert)
        n += c->cert->msg_len + c->cert->n_certs * sizeof *c->cert->certs;
    return n;
}

/* Every byte kept for the flow until it is retired: counted against the total cap
 * (tlsd_tcp_hold), so that connections not yet decided cannot take memory without bound. */
static size_t fs_bytes(const struct fstate *fs)
{
    size_t n = sizeof *fs + tlsd_sdir_bytes(&fs->d[0]) + tlsd_sdir_bytes(&fs->d[1]);
    if (fs->ks)
        n += sizeof *fs->ks;
    if (fs->conn)
        n += sizeof *fs->conn + fs->conn_bytes;
    return n;
}

/* The first cap that cut the connection short is the one it names. */
static void note_limit(struct tlsd_conn *c, enum tlsd_tcp_limit l)
{
    if (c && l != TLSD_TCP_LIMIT_NONE && c->limit == TLSD_TCP_LIMIT_NONE)
        c->limit = l;
}

/* Outcomes that what was seen decided (a completed handshake, an alert): they stand when
 * a cap cut the rest short. Every other one is told from what did not come, which a cap
 * makes unknown. */
static bool seen_outcome(enum tlsd_conn_outcome o)
{
    return o == TLSD_OUTCOME_SUCCESS || o == TLSD_OUTCOME_SERVER_ALERT ||
           o == TLSD_OUTCOME_CLIENT_ALERT;
}

/* Sides are known once a hello names them; until then the SYN's sender is the client,
 * and without a SYN (a capture started mid-connection) the side of the lower port is the
 * server: services listen on fixed, low ports, clients use ephemeral ones. */
static int guess_client_dir(const struct tlsd_tcp_flow *flow)
{
    if (flow->dir[0].syn_frame || flow->dir[1].syn_frame)
        return 0;
    return flow->port[0] < flow->port[1] ? 1 : 0;
}

static enum tlsd_peer side_of(const struct fstate *fs, unsigned dir)
{
    int cd = fs->client_dir < 0 ? fs->guess_dir : fs->client_dir;
    return (int)dir == cd ? TLSD_PEER_CLIENT : TLSD_PEER_SERVER;
}

static void fill_endpoints(struct tlsd_conn *c, const struct tlsd_tcp_flow *flow, int client_dir)
{
    unsigned cd = (unsigned)client_dir;
    addr_str(flow->ip_version, flow->addr[cd], c->client);
    addr_str(flow->ip_version, flow->addr[!cd], c->server);
    c->client_port = flow->port[cd];
    c->server_port = flow->port[!cd];
    for (unsigned d = 0; d < 2; d++) {
        enum tlsd_peer s = d == cd ? TLSD_PEER_CLIENT : TLSD_PEER_SERVER;
        c->fin_frame[s] = flow->dir[d].fin_frame;
        c->rst_frame[s] = flow->dir[d].rst_frame;
        const struct tlsd_tcp_dir *td = &flow->dir[d];
        c->end_ts[s] = td->fin_frame && (!td->rst_frame || td->fin_frame < td->rst_frame)
                           ? td->fin_ts
                       : td->rst_frame ? td->rst_ts
                                       : 0;
        c->bytes[s] = flow->dir[d].delivered;
    }
    c->last_ts = flow->last_ts;
    /* The client's SYNs (the SYN's sender is direction 0) and the server's answer. */
    const struct tlsd_tcp_dir *cl = &flow->dir[cd], *sv = &flow->dir[!cd];
    if (cd == 0 && cl->syn_frame) {
        c->syns = cl->syns;
        c->syn_ts = cl->syn_ts;
        c->last_syn_ts = cl->last_syn_ts;
        c->syn_acked = sv->syn_frame != 0;
        c->answer_ts = sv->syn_frame                     ? sv->syn_ts
                       : sv->rst_frame && !sv->delivered ? sv->rst_ts
                                                         : 0;
    }
}

/* ---- decision ---- */

static bool any_tls_from(const struct fstate *fs, enum tlsd_peer s)
{
    for (unsigned d = 0; d < 2; d++)
        if (side_of(fs, d) == s && fs->d[d].ever_tls)
            return true;
    return false;
}

/* Nothing came back: the side that ended the connection first gave up. A client that
 * closes first waited in vain (no_answer), whatever the server did after. */
static enum tlsd_conn_outcome no_answer_outcome(const struct tlsd_conn *c)
{
    if (tlsd_conn_ended_first(c) == TLSD_PEER_CLIENT)
        return TLSD_OUTCOME_NO_ANSWER;
    if (c->rst_frame[TLSD_PEER_SERVER])
        return TLSD_OUTCOME_RESET_AFTER_HELLO;
    if (c->fin_frame[TLSD_PEER_SERVER])
        return TLSD_OUTCOME_CLOSE_AFTER_HELLO;
    return TLSD_OUTCOME_NO_ANSWER;
}

static enum tlsd_conn_outcome decide_outcome(const struct fstate *fs, struct tlsd_conn *c)
{
    if (fs->before_tls)
        return fs->tcp_outcome;
    if (!c->n_client_hellos && !c->n_server_hellos)
        return TLSD_OUTCOME_TRUNCATED; /* started after the hellos: an alert tells nothing */
    if (c->fatal >= 0)
        return c->alerts[c->fatal].side == TLSD_PEER_SERVER ? TLSD_OUTCOME_SERVER_ALERT
                                                            : TLSD_OUTCOME_CLIENT_ALERT;
    if (c->handshake_done)
        return TLSD_OUTCOME_SUCCESS;
    if (!c->has_ch)
        return TLSD_OUTCOME_TRUNCATED; /* TLS seen, but not its start */
    if (c->not_tls[TLSD_PEER_SERVER] && !any_tls_from(fs, TLSD_PEER_SERVER))
        return TLSD_OUTCOME_NOT_TLS;
    if (!c->has_sh && !c->has_hrr && !c->ssl2_server_hello && !any_tls_from(fs, TLSD_PEER_SERVER))
        return no_answer_outcome(c);
    if (c->rst_frame[0] || c->rst_frame[1] || c->fin_frame[0] || c->fin_frame[1])
        return TLSD_OUTCOME_ABORTED;
    return TLSD_OUTCOME_TRUNCATED;
}

static void add_alert(struct tlsd_conn *c, enum tlsd_peer side, int level, int desc, bool encrypted,
                      uint64_t frame)
{
    if (c->n_alerts >= TLSD_CONN_MAX_ALERTS)
        return;
    c->alerts[c->n_alerts] = (struct tlsd_conn_alert){.side = side,
                                                      .level = (uint8_t)level,
                                                      .description = desc,
                                                      .encrypted = encrypted,
                                                      .frame = frame};
    /* A fatal alert ends the handshake (RFC 8446 6.2); in TLS 1.3 every error alert
     * is fatal whatever its level says, and a warning unrecognized_name may go on. */
    if (c->fatal < 0 && !c->handshake_done &&
        (level == TLSD_ALERT_LEVEL_FATAL || (encrypted && level == 0)))
        c->fatal = (int)c->n_alerts;
    c->n_alerts++;
}

static void report(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow, struct fstate *fs)
{
    struct tlsd_conn *c = fs->conn;
    if (!c)
        return;
    fs->conn = NULL;
    /* TLS from the side that answered the SYN, and not one byte from the SYN's sender
     * with the start in the capture: the client sent no hello (the server's alert is its
     * answer to a client that closed), not a capture that started late. */
    const struct tlsd_tcp_dir *syn_side = &flow->dir[0];
    if (!fs->before_tls && !c->n_client_hellos && !c->n_server_hellos && syn_side->syn_frame &&
        flow->dir[1].syn_frame && !syn_side->segments && !syn_side->gap_bytes) {
        fs->before_tls = true;
        fs->tcp_outcome = TLSD_OUTCOME_NO_CLIENT_HELLO;
        fs->client_dir = 0;
    }
    fill_endpoints(c, flow, fs->client_dir < 0 ? fs->guess_dir : fs->client_dir);
    for (unsigned d = 0; d < 2; d++) {
        enum tlsd_peer s = side_of(fs, d);
        c->not_tls[s] = fs->d[d].head_len > 0 && !fs->d[d].ever_tls;
        c->head_len[s] = fs->d[d].head_len;
        memcpy(c->head[s], fs->d[d].head, fs->d[d].head_len);
    }
    if (fs->pending_enc_alert && fs->client_enc == 1 && c->fatal < 0) {
        /* TLS 1.3: one alert-sized record and then the end: the client refused the
         * server's flight, most often its certificate. */
        c->handshake_done = false;
        add_alert(c, TLSD_PEER_CLIENT, 0, -1, true, fs->enc_alert_frame);
    } else if (fs->pending_srv_alert && c->fatal < 0) {
        /* TLS 1.3: the server answered the client's Finished with one alert-sized record
         * and closed: a refusal (RFC 8446 4.4.2.4: certificate_required and the like). */
        add_alert(c, TLSD_PEER_SERVER, 0, -1, true, fs->srv_alert_frame);
        c->alert_after_finished = c->fatal >= 0;
    } else if (fs->client_done && c->fatal < 0 && !c->handshake_done &&
               tlsd_conn_ended_first(c) != TLSD_PEER_SERVER) {
        c->handshake_done = true; /* nothing from the server, and it did not end it */
    }
    c->outcome = decide_outcome(fs, c);
    if (c->limit != TLSD_TCP_LIMIT_NONE) {
        a->stats.limit_connections[c->limit]++;
        if (!seen_outcome(c->outcome)) {
            c->outcome = TLSD_OUTCOME_TRUNCATED;
            fs->before_tls = false;
        }
    }
    if (c->has_ch)
        a->tls_ports[c->server_port / 8] |= (uint8_t)(1u << (c->server_port % 8));
    a->stats.connections_before_tls += fs->before_tls;
    struct tlsd_server_sum *server = tlsd_summary_server(a, c);
    tlsd_diagnose(c, server);
    tlsd_summary_add(a, c, server);
    a->stats.connections++;
    a->stats.outcomes[c->outcome]++;
    fs->last_outcome = c->outcome;
    a->cb(a->ctx, c);
    conn_free(c);
}

/* ---- handshake messages ---- */

static void note_error(struct tlsd_analyzer *a, struct tlsd_conn *c, const char *what,
                       const struct tlsd_err *err)
{
    a->stats.parse_errors++;
    if (!c || c->parse_errors++)
        return;
    char buf[128];
    tlsd_err_format(err, buf, sizeof buf);
    snprintf(c->parse_error, sizeof c->parse_error, "%s: %s", what, buf);
}

static void on_client_hello(struct tlsd_analyzer *a, struct fstate *fs, unsigned dir,
                            const struct tlsd_event *ev, bool sslv2, uint64_t frame)
{
    struct tlsd_conn *c = fs->conn;
    a->stats.client_hellos++;
    if (fs->client_dir < 0)
        fs->client_dir = (int)dir;
    if (!c)
        return;
    c->n_client_hellos++;
    if (c->has_ch) {
        /* The second ClientHello after a HelloRetryRequest, or a repeated one after the
         * server's hello, which no version allows during the handshake. */
        if (c->has_sh && !c->dup_hello_frame && !c->handshake_done)
            c->dup_hello_frame = frame;
        return;
    }
    struct tlsd_err err = {0};
    struct tlsd_client_hello ch;
    if (tlsd_client_hello_parse(ev->data, ev->len, sslv2, &ch, &err) != TLSD_CERR_OK) {
        note_error(a, c, "ClientHello", &err);
        tlsd_client_hello_free(&ch);
        return;
    }
    c->ch = ch;
    c->has_ch = true;
    c->ch_frame = frame;
    c->ch_ts = fs->now;
    tlsd_client_hello_versions(&ch, &c->offered_low, &c->offered_high);
    if (tlsd_ja3(a->memo->fp, &ch, &c->ja3) != 0)
        a->stats.nomem++;
    tlsd_ja4(a->memo->fp, &ch, TLSD_JA_TCP, c->ja4);
    /* RFC 5246 E.2: after a v2-compatible CLIENT-HELLO offering SSLv3 or later, the
     * client's next records are SSLv3/TLS records. */
    if (sslv2 && ch.legacy_version >= TLSD_VERSION_SSL3 && fs->d[dir].state == TLSD_SDIR_TLS)
        fs->d[dir].rs.sslv2 = false;
}

static void on_server_hello(struct tlsd_analyzer *a, struct fstate *fs, unsigned dir,
                            const struct tlsd_event *ev, uint64_t frame)
{
    struct tlsd_conn *c = fs->conn;
    struct tlsd_sdir *client = &fs->d[!dir];
    a->stats.server_hellos++;
    if (fs->client_dir < 0)
        fs->client_dir = (int)!dir;
    struct tlsd_server_hello sh;
    struct tlsd_err err = {0};
    if (tlsd_server_hello_parse(ev->data, ev->len, &sh, &err) != TLSD_CERR_OK) {
        note_error(a, c, "ServerHello", &err);
        tlsd_server_hello_free(&sh);
        if (c)
            c->n_server_hellos++;
        return;
    }
    /* Both directions: RFC 8446 2, the client's records are encrypted too after a TLS 1.3
     * ServerHello; after a HelloRetryRequest they are not, but the client's CCS is then a
     * compatibility no-op (RFC 8446 D.4), not the start of encryption. */
    tlsd_reasm_server_hello(&fs->d[dir].rs, sh.version, sh.is_hrr);
    if (client->state == TLSD_SDIR_TLS)
        tlsd_reasm_server_hello(&client->rs, sh.version, sh.is_hrr);
    if (!c) {
        tlsd_server_hello_free(&sh);
        return;
    }
    c->n_server_hellos++;
    if (sh.is_hrr) {
        c->has_hrr = true;
        c->hrr_group = sh.has_key_share ? sh.key_share_group : 0;
        tlsd_server_hello_free(&sh);
        return;
    }
    if (c->has_sh) {
        tlsd_server_hello_free(&sh);
        return;
    }
    c->sh = sh;
    c->has_sh = true;
    c->sh_frame = frame;
    if (tlsd_version_is_tls13(sh.version))
        ks_start(a, fs, dir);
    if (tlsd_ja3s(a->memo->fp, &sh, &c->ja3s) != 0)
        a->stats.nomem++;
    tlsd_ja4s(a->memo->fp, &sh, TLSD_JA_TCP, c->ja4s);
}

/* The parsed chain, from the cache when the same bytes were seen before. */
static struct tlsd_cert_ref *cert_lookup(struct tlsd_analyzer *a, const struct tlsd_event *ev,
                                         uint16_t version, uint64_t h)
{
    struct tlsd_cert_ref *r = a->cert_cache[h % TLSD_CERT_CACHE];
    if (r && r->hash == h && r->version == version && r->m.msg_len == ev->len &&
        memcmp(r->m.msg, ev->data, ev->len) == 0) {
        r->refs++;
        return r;
    }
    return NULL;
}

static void on_certificate(struct tlsd_analyzer *a, struct tlsd_conn *c,
                           const struct tlsd_event *ev)
{
    if (!c || c->has_cert || !c->has_sh)
        return;
    uint64_t h = tlsd_hash_bytes(ev->data, ev->len);
    struct tlsd_cert_ref *r = cert_lookup(a, ev, c->sh.version, h);
    if (!r) {
        struct tlsd_hs_ctx ctx = {.version = c->sh.version, .suite = c->sh.suite};
        struct tlsd_err err = {0};
        if (!(r = calloc(1, sizeof *r))) {
            a->stats.nomem++;
            return;
        }
        r->refs = 1;
        if (tlsd_certificate_parse(ev->data, ev->len, &ctx, &r->m, &err) != TLSD_CERR_OK) {
            note_error(a, c, "Certificate", &err);
            cert_unref(r);
            return;
        }
        r->hash = h;
        r->version = c->sh.version;
        cert_unref(a->cert_cache[h % TLSD_CERT_CACHE]);
        a->cert_cache[h % TLSD_CERT_CACHE] = r;
        r->refs++;
    }
    c->cert_ref = r;
    c->cert = &r->m;
    c->has_cert = true;
}

static void on_ssl2(struct tlsd_analyzer *a, struct fstate *fs, unsigned dir,
                    const struct tlsd_event *ev, uint64_t frame)
{
    if (ev->hs_type == 1) {
        on_client_hello(a, fs, dir, ev, true, frame);
    } else if (ev->hs_type == 4) {
        a->stats.server_hellos++;
        if (fs->client_dir < 0)
            fs->client_dir = (int)!dir;
        if (fs->conn) {
            fs->conn->n_server_hellos++;
            fs->conn->ssl2_server_hello = true;
            fs->conn->handshake_done = true;
        }
    }
}

/* RFC 8446 4.1.2: after a HelloRetryRequest the client sends its ClientHello again, with
 * the same random and a key share for the group asked for. When the HelloRetryRequest is
 * not in the capture, the client's compatibility ChangeCipherSpec (D.4) makes its second
 * hello look encrypted; a record that parses as a ClientHello with the first one's random
 * is that hello, and the HelloRetryRequest is inferred from it. */
static bool infer_hrr(struct tlsd_analyzer *a, struct tlsd_conn *c, const struct tlsd_event *ev)
{
    if (!c || !c->has_ch || c->has_sh || c->has_hrr || ev->content_type != TLSD_CT_HANDSHAKE ||
        !ev->len || ev->data[0] != TLSD_HS_CLIENT_HELLO)
        return false;
    struct tlsd_client_hello ch;
    struct tlsd_err err = {0};
    bool same = tlsd_client_hello_parse(ev->data, ev->len, false, &ch, &err) == TLSD_CERR_OK &&
                memcmp(ch.random, c->ch.random, sizeof ch.random) == 0;
    if (same) {
        c->has_hrr = c->hrr_inferred = true;
        for (size_t i = 0; i < ch.n_key_shares && !c->hrr_group; i++)
            if (!tlsd_is_grease(ch.key_shares[i].group))
                c->hrr_group = ch.key_shares[i].group;
        c->n_client_hellos++;
        a->stats.client_hellos++;
    }
    tlsd_client_hello_free(&ch);
    return same;
}

/* TLS 1.3 record sizes (RFC 8446 5.2): the content, its type byte and the AEAD tag. */
#define TLS13_ALERT_BODY      2 /* level, description */
#define TLS13_HS_HEADER       4 /* msg_type, length */
#define TLS13_EMPTY_CERT_BODY 4 /* empty request context, empty certificate_list */
#define AEAD_TAG_LEN          16
#define AEAD_TAG_LEN_CCM8     8

static size_t tls13_record_len(const struct tlsd_conn *c, size_t content)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(c->sh.suite);
    bool ccm8 = s && (s->cipher_flags & TLSD_CIPHERF_CCM_8);
    return content + 1 + (ccm8 ? AEAD_TAG_LEN_CCM8 : AEAD_TAG_LEN);
}

/* The client's first encrypted record: an empty Certificate (alone or with the Finished)
 * means the server asked for a certificate and got none; a bigger one than Certificate
 * and Finished with an empty certificate holds a certificate. */
static int client_cert_from(const struct tlsd_conn *c, size_t len)
{
    /* RFC 8446 B.4, RFC 9150, draft-irtf-cfrg-aegis-aead: the TLS 1.3 suites of SHA-384 */
    bool sha384 = c->sh.suite == TLSD_SUITE_TLS_AES_256_GCM_SHA384 ||
                  c->sh.suite == TLSD_SUITE_TLS_AEGIS_256_SHA384 ||
                  c->sh.suite == TLSD_SUITE_TLS_SHA384_SHA384;
    size_t hash = sha384 ? 48 : 32;
    size_t empty = TLS13_HS_HEADER + TLS13_EMPTY_CERT_BODY, fin = TLS13_HS_HEADER + hash;
    if (len == tls13_record_len(c, empty) || len == tls13_record_len(c, empty + fin))
        return 0;
    return len > tls13_record_len(c, empty + fin) ? 1 : -1;
}

static bool tls13_open(const struct tlsd_conn *c)
{
    return c && c->has_sh && tlsd_version_is_tls13(c->sh.version) && c->fatal < 0;
}

/* TLS 1.3: the client's first encrypted record tells its flight (Certificate, Finished)
 * from an alert by size; a second one means its flight went out. */
static void on_client_encrypted(struct fstate *fs, const struct tlsd_event *ev, uint64_t frame)
{
    struct tlsd_conn *c = fs->conn;
    if (!tls13_open(c) || fs->client_done)
        return;
    if (++fs->client_enc == 1) {
        c->client_cert = client_cert_from(c, ev->len);
        if (ev->len == tls13_record_len(c, TLS13_ALERT_BODY)) {
            fs->pending_enc_alert = true;
            fs->enc_alert_frame = frame;
            return;
        }
    }
    fs->pending_enc_alert = false;
    fs->client_done = true;
}

/* RFC 8446 5: after a TLS 1.3 ServerHello the client's encrypted records carry the
 * outer type application_data; a handshake record that parses as a ClientHello is the
 * client's hello sent again, which only a HelloRetryRequest allows (4.1.2). The server
 * answers it with an alert (unexpected_message), encrypted under its handshake keys, so
 * the client's flight is taken as sent for the server's next record to be read as that. */
static bool dup_hello(struct tlsd_analyzer *a, struct fstate *fs, const struct tlsd_event *ev,
                      uint64_t frame)
{
    struct tlsd_conn *c = fs->conn;
    if (!tls13_open(c) || fs->client_done || ev->content_type != TLSD_CT_HANDSHAKE || !ev->len ||
        ev->data[0] != TLSD_HS_CLIENT_HELLO)
        return false;
    struct tlsd_client_hello ch;
    struct tlsd_err err = {0};
    bool hello = tlsd_client_hello_parse(ev->data, ev->len, false, &ch, &err) == TLSD_CERR_OK;
    tlsd_client_hello_free(&ch);
    if (!hello)
        return false;
    c->dup_hello_frame = frame;
    c->n_client_hellos++;
    a->stats.client_hellos++;
    fs->client_done = true;
    return true;
}

/* TLS 1.3: the server's records after the client's flight. Only they show that the
 * server accepted the client's Finished (and certificate): a ticket or data does; a lone
 * alert-sized record before its FIN or RST is a refusal, decided when TCP ends. */
static void on_server_encrypted(struct fstate *fs, const struct tlsd_event *ev, uint64_t frame)
{
    struct tlsd_conn *c = fs->conn;
    if (!tls13_open(c))
        return;
    if (fs->pending_enc_alert) { /* the server went on: the client's record was no alert */
        fs->pending_enc_alert = false;
        fs->client_done = true;
    }
    if (!fs->client_done)
        return; /* the server's own flight */
    if (++fs->server_after == 1 && ev->len == tls13_record_len(c, TLS13_ALERT_BODY)) {
        fs->pending_srv_alert = true;
        fs->srv_alert_frame = frame;
        return;
    }
    fs->pending_srv_alert = false;
    c->handshake_done = true;
}

/* ---- TLS 1.3 with a key log ---- */

#define HS_CERTIFICATE_REQUEST 13
#define HS_FINISHED            20
#define HS_NEW_SESSION_TICKET  4
#define CT_ALERT               21
#define CT_HANDSHAKE           22
#define CT_APPLICATION_DATA    23

static bool ks_keys(struct tlsd_analyzer *a, struct fstate *fs, unsigned dir,
                    enum tlsd_keylog_label label)
{
    uint8_t secret[TLSD_KEYLOG_MAX_SECRET];
    size_t n = tlsd_keylog_secret(a->cfg.keylog, fs->conn->ch.random, label, secret);
    return n && tlsd_tls13_dec_init(&fs->ks->dec[dir], fs->conn->sh.suite, secret, n);
}

/* After a TLS 1.3 ServerHello: both sides' handshake keys, when the log has them. */
static void ks_start(struct tlsd_analyzer *a, struct fstate *fs, unsigned server_dir)
{
    if (!a->cfg.keylog || fs->ks || !fs->conn || !fs->conn->has_ch)
        return;
    if (!(fs->ks = calloc(1, sizeof *fs->ks))) {
        a->stats.nomem++;
        return;
    }
    bool ok = ks_keys(a, fs, server_dir, TLSD_KEYLOG_SERVER_HS) &&
              ks_keys(a, fs, !server_dir, TLSD_KEYLOG_CLIENT_HS);
    if (!ok) {
        free(fs->ks);
        fs->ks = NULL;
    }
}

/* A client Certificate (RFC 8446 4.4.2): empty when its certificate_list is. */
static int client_cert_in(const uint8_t *m, size_t len)
{
    struct tlsd_err err = {0};
    struct tlsd_rd r, ctx;
    uint32_t body, list;
    tlsd_rd_init(&r, m, len, &err);
    uint8_t t;
    if (tlsd_rd_u8(&r, &t, "type") != TLSD_CERR_OK ||
        tlsd_rd_u24(&r, &body, "length") != TLSD_CERR_OK ||
        tlsd_rd_vec8(&r, &ctx, "certificate_request_context") != TLSD_CERR_OK ||
        tlsd_rd_u24(&r, &list, "certificate_list") != TLSD_CERR_OK)
        return -1;
    return list > 0;
}

/* One whole decrypted handshake message of direction dir. */
static void ks_message(struct tlsd_analyzer *a, struct fstate *fs, unsigned dir, const uint8_t *m,
                       size_t len)
{
    struct tlsd_conn *c = fs->conn;
    bool server = side_of(fs, dir) == TLSD_PEER_SERVER;
    struct tlsd_event ev = {.kind = TLSD_EV_HANDSHAKE, .hs_type = m[0], .data = m, .len = len};
    if (server && m[0] == HS_CERTIFICATE_REQUEST)
        c->cert_requested = true;
    else if (server && m[0] == TLSD_HS_CERTIFICATE)
        on_certificate(a, c, &ev);
    else if (!server && m[0] == TLSD_HS_CERTIFICATE)
        c->client_cert = client_cert_in(m, len);
    else if (server && m[0] == HS_NEW_SESSION_TICKET && fs->client_done)
        c->handshake_done = true; /* it accepted the client's Finished */
    if (m[0] == HS_FINISHED) {
        fs->ks->app[dir] = true;
        if (!ks_keys(a, fs, dir, server ? TLSD_KEYLOG_SERVER_AP : TLSD_KEYLOG_CLIENT_AP))
            fs->ks->dec[dir].ready = false;
        if (!server)
            fs->client_done = true;
    }
}

/* Handshake bytes of direction dir: each whole message handled, the rest kept. */
static void ks_handshake(struct tlsd_analyzer *a, struct fstate *fs, unsigned dir, const uint8_t *p,
                         size_t n)
{
    struct keystate *ks = fs->ks;
    if (n > KS_HS_MAX - ks->hs_len[dir]) {
        ks->hs_len[dir] = 0; /* too long to read: left out */
        return;
    }
    memcpy(ks->hs[dir] + ks->hs_len[dir], p, n);
    ks->hs_len[dir] += n;
    size_t off = 0;
    while (fs->conn && ks->hs_len[dir] - off >= TLS13_HS_HEADER) {
        const uint8_t *m = ks->hs[dir] + off;
        size_t len = TLS13_HS_HEADER + ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]);
        if (len > ks->hs_len[dir] - off)
            break;
        ks_message(a, fs, dir, m, len);
        off += len;
    }
    memmove(ks->hs[dir], ks->hs[dir] + off, ks->hs_len[dir] - off);
    ks->hs_len[dir] -= off;
}

/* An encrypted TLS 1.3 record, decrypted with the key log's secrets: true when it was
 * (then the sizes need not be guessed from). */
static bool ks_record(struct tlsd_analyzer *a, struct fstate *fs, unsigned dir,
                      const struct tlsd_event *ev, uint64_t frame)
{
    struct keystate *ks = fs->ks;
    struct tlsd_conn *c = fs->conn;
    uint8_t type;
    size_t n;
    if (!ks || !c || !ks->dec[dir].ready || ev->len > KS_RECORD_MAX ||
        !tlsd_tls13_decrypt(&ks->dec[dir], (uint8_t)ev->content_type, ev->version, ev->data,
                            ev->len, ks->plain, &n, &type))
        return false;
    c->decrypted = true;
    bool server = side_of(fs, dir) == TLSD_PEER_SERVER;
    if (type == CT_ALERT && n == 2) {
        a->stats.alerts++;
        c->n_alerts_total++;
        add_alert(c, side_of(fs, dir), ks->plain[0], ks->plain[1], true, frame);
        if (c->fatal >= 0 && server && fs->client_done)
            c->alert_after_finished = true;
    } else if (type == CT_HANDSHAKE) {
        ks_handshake(a, fs, dir, ks->plain, n);
    } else if (type == CT_APPLICATION_DATA && server && fs->client_done) {
        c->handshake_done = true;
    }
    return true;
}

static void on_event(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow, struct fstate *fs,
                     unsigned dir, const struct tlsd_event *ev, uint64_t frame)
{
    struct tlsd_conn *c = fs->conn;
    if (c)
        c->last_frame = frame;
    switch (ev->kind) {
    case TLSD_EV_HANDSHAKE:
        if (ev->hs_type == TLSD_HS_CLIENT_HELLO)
            on_client_hello(a, fs, dir, ev, false, frame);
        else if (ev->hs_type == TLSD_HS_SERVER_HELLO)
            on_server_hello(a, fs, dir, ev, frame);
        else if (ev->hs_type == TLSD_HS_CERTIFICATE && side_of(fs, dir) == TLSD_PEER_SERVER)
            on_certificate(a, c, ev);
        break;
    case TLSD_EV_ALERT:
        a->stats.alerts++;
        if (c) {
            c->n_alerts_total++;
            add_alert(c, side_of(fs, dir), ev->alert_level, ev->alert_desc, false, frame);
        }
        break;
    case TLSD_EV_SSL2:
        on_ssl2(a, fs, dir, ev, frame);
        break;
    case TLSD_EV_CCS:
        /* TLS <= 1.2: the server's ChangeCipherSpec comes after it accepted everything
         * the client sent (full handshake) or right after its hello (resumption). */
        if (c && c->has_sh && !tlsd_version_is_tls13(c->sh.version) &&
            side_of(fs, dir) == TLSD_PEER_SERVER && c->fatal < 0)
            c->handshake_done = true;
        break;
    case TLSD_EV_ENCRYPTED:
    case TLSD_EV_APPDATA:
        if (ks_record(a, fs, dir, ev, frame))
            break;
        if (c && ev->content_type == TLSD_CT_ALERT &&
            !tlsd_version_is_tls13(c->has_sh ? c->sh.version : 0))
            add_alert(c, side_of(fs, dir), 0, -1, true, frame);
        else if (side_of(fs, dir) == TLSD_PEER_SERVER)
            on_server_encrypted(fs, ev, frame);
        else if (!infer_hrr(a, c, ev) && !dup_hello(a, fs, ev, frame))
            on_client_encrypted(fs, ev, frame);
        break;
    default:
        break;
    }
    if (fs->conn)
        fs->conn_bytes = conn_owned_bytes(fs->conn);
    if (fs->conn && (fs->conn->fatal >= 0 || fs->conn->handshake_done))
        report(a, flow, fs);
}

/* A reported connection whose TCP ended, or whose handshake completed (only encrypted data
 * follows): its parsing state is freed now, not when the flow expires, so that memory
 * stays bounded however many connections the capture holds. */
static char retired; /* flow->user of a retired flow */

static void fstate_free(struct fstate *fs);

static bool retire(struct tlsd_tcp_flow *flow, struct fstate *fs)
{
    fstate_free(fs);
    flow->user = &retired;
    return true;
}

static bool fs_succeeded(const struct fstate *fs)
{
    return fs->last_outcome == TLSD_OUTCOME_SUCCESS;
}

static void drain(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow, struct fstate *fs,
                  unsigned dir, uint64_t frame)
{
    struct tlsd_event ev;
    enum tlsd_cerr e;
    while ((e = tlsd_sdir_next(&fs->d[dir], &ev)) != TLSD_CERR_NEED_MORE) {
        if (e != TLSD_CERR_OK) {
            a->stats.record_errors++;
            note_error(a, fs->conn, "record", &fs->d[dir].last_err);
            continue;
        }
        bool reported = !fs->conn;
        on_event(a, flow, fs, dir, &ev, frame);
        if (!reported && !fs->conn && fs_succeeded(fs) && retire(flow, fs))
            return;
    }
}

/* ---- TCP events ---- */

static struct fstate *fstate_new(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow)
{
    struct fstate *fs = calloc(1, sizeof *fs);
    if (!fs)
        return NULL;
    tlsd_sdir_init(&fs->d[0]);
    tlsd_sdir_init(&fs->d[1]);
    fs->client_dir = -1;
    fs->guess_dir = guess_client_dir(flow);
    fs->conn = conn_new(a, flow);
    if (!fs->conn) {
        free(fs);
        return NULL;
    }
    return fs;
}

static void fstate_free(struct fstate *fs)
{
    free(fs->ks);
    tlsd_sdir_free(&fs->d[0]);
    tlsd_sdir_free(&fs->d[1]);
    conn_free(fs->conn);
    free(fs);
}

/* Ports where TLS is spoken from the first byte (IANA service names registry: https 443,
 * submissions 465, nntps 563, ldaps 636, domain-s 853, ftps-data 989, ftps 990, telnets
 * 992, imaps 993, pop3s 995, msft-gc-ssl 3269, sips 5061, pcsync-https 8443), beside the
 * ports where this capture showed a ClientHello so far. */
static bool tls_port(const struct tlsd_analyzer *a, uint16_t port)
{
    static const uint16_t implicit_tls[] = {443, 465, 563, 636,  853,  989, 990,
                                            992, 993, 995, 3269, 5061, 8443};
    if (a->tls_ports[port / 8] & (1u << (port % 8)))
        return true;
    for (size_t i = 0; i < sizeof implicit_tls / sizeof implicit_tls[0]; i++)
        if (implicit_tls[i] == port)
            return true;
    return false;
}

/* Ports of services that do not start with TLS (IANA service names registry): beside the
 * plain-text ports the diagnosis names, ssh 22, domain 53, kerberos 88, sunrpc 111,
 * epmap 135, netbios 137-139, microsoft-ds 445, kpasswd 464, ms-sql-s 1433, ncube-lm
 * (Oracle) 1521, msft-gc 3268, ms-wbt-server (RDP: X.224 first) 3389, wsman 5985. A
 * refused or unanswered SYN to them is not a TLS client's failure. */
static bool other_service_port(uint16_t port)
{
    static const uint16_t ports[] = {22,  53,  88,   111,  135,  137,  138, 139,
                                     445, 464, 1433, 1521, 3268, 3389, 5985};
    if (tlsd_plain_text_port(port))
        return true;
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (ports[i] == port)
            return true;
    return false;
}

/* A flow without any TLS that is still a failed TLS connection, told from TCP alone (the
 * SYN's sender, direction 0, is the client): a SYN answered by a reset, a SYN never
 * answered, a connection over which the client sent nothing, or on a TLS port one where
 * the server spoke first or the client spoke something else. Anything else (plain
 * protocols on their own ports, flows whose start is not in the capture) is no TLS
 * connection: -1, as is any flow to another service's port. */
static int tcp_outcome(const struct tlsd_analyzer *a, const struct tlsd_tcp_flow *flow,
                       const struct fstate *fs)
{
    const struct tlsd_tcp_dir *cl = &flow->dir[0], *sv = &flow->dir[1];
    /* Lost or unread bytes may hide a ClientHello: only flows seen whole are told. */
    if (!cl->syn_frame || other_service_port(flow->port[1]) || cl->gap_bytes || sv->gap_bytes ||
        cl->ooo_segments || sv->ooo_segments)
        return -1;
    if (!sv->syn_frame) {
        if (cl->segments || sv->segments)
            return -1;
        return sv->rst_frame ? TLSD_OUTCOME_TCP_REFUSED : TLSD_OUTCOME_TCP_NO_ANSWER;
    }
    if (!cl->segments && !sv->segments)
        return TLSD_OUTCOME_NO_CLIENT_HELLO;
    /* Bytes were sent: on a TLS port, when the first side to speak was judged not TLS. */
    if (!tls_port(a, flow->port[1]))
        return -1;
    bool server_first =
        sv->delivered && (!cl->first_data_frame || sv->first_data_frame < cl->first_data_frame);
    /* A first byte that may start a TLS record (RFC 8446 5.1: content types 20-23; or an
     * SSLv2 header, RFC 6101 E.1: high bit set) is a hello cut short, not another protocol. */
    const struct tlsd_sdir *first = &fs->d[server_first ? 1 : 0];
    if (!first->head_len ||
        (first->head[0] >= TLSD_CT_CHANGE_CIPHER_SPEC &&
         first->head[0] <= TLSD_CT_APPLICATION_DATA) ||
        (first->head[0] & 0x80))
        return -1;
    return server_first ? TLSD_OUTCOME_SERVER_SPOKE_FIRST : TLSD_OUTCOME_NO_CLIENT_HELLO;
}

/* Reports a flow without TLS when TCP tells a failed connection; false when it is none. */
static bool report_before_tls(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow,
                              struct fstate *fs)
{
    int o = tcp_outcome(a, flow, fs);
    if (o < 0)
        return false;
    fs->before_tls = true;
    fs->tcp_outcome = (enum tlsd_conn_outcome)o;
    fs->client_dir = 0;
    fs->conn->last_frame = flow->last_frame;
    report(a, flow, fs);
    return true;
}

/* A connection is reported when it carried TLS (or a ClientHello went unanswered, or TCP
 * shows a connection that failed before TLS); other flows are only counted, apart when a
 * cap cut them short (TLS might have come later). An evicted flow (max_flows) is cut short
 * too: how it would have ended is not known. */
static void on_close(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow, struct fstate *fs,
                     const struct tlsd_tcp_ev *ev)
{
    note_limit(fs->conn, ev->limit);
    if (fs->conn && a->discard) {
        a->stats.unfinished++;
    } else if (fs->conn && (fs->d[0].ever_tls || fs->d[1].ever_tls)) {
        fs->conn->close = ev->close;
        report(a, flow, fs);
    } else if (fs->conn && !report_before_tls(a, flow, fs)) {
        if (fs->conn->limit != TLSD_TCP_LIMIT_NONE)
            a->stats.limit_flows[fs->conn->limit]++;
        else
            a->stats.flows_not_tls++;
    }
    fstate_free(fs);
    flow->user = NULL;
}

/* The total cap: this flow is the least recently active of those holding bytes, and lets
 * go of them. A connection that showed TLS is reported now, cut short; one that did not is
 * counted. The rest of the flow is ignored. */
static void on_shed(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow, struct fstate *fs)
{
    struct tlsd_conn *c = fs->conn;
    note_limit(c, TLSD_TCP_LIMIT_BUFFER);
    if (c && (fs->d[0].ever_tls || fs->d[1].ever_tls))
        report(a, flow, fs);
    else if (c)
        a->stats.limit_flows[TLSD_TCP_LIMIT_BUFFER]++;
    retire(flow, fs);
}

/* FIN or RST: a connection whose client hello is out is decided by how TCP ended. */
static void on_flags(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow, struct fstate *fs,
                     uint8_t flags)
{
    struct tlsd_conn *c = fs->conn;
    bool rst = flags & TLSD_TCP_RST;
    bool both_fin = flow->dir[0].fin_frame && flow->dir[1].fin_frame;
    if (!c && (rst || both_fin)) {
        retire(flow, fs);
        return;
    }
    if (!c)
        return;
    if (!(fs->d[0].ever_tls || fs->d[1].ever_tls)) {
        if ((rst || both_fin) && !a->discard && report_before_tls(a, flow, fs))
            retire(flow, fs);
        return;
    }
    /* A reset or both FINs decide it. A lone FIN does not: after the client's (TLS 1.3
     * half-close) an answer may still come, and after the server's the client may still
     * say why it gives up (an alert after the peer's FIN belongs in the record as much as
     * in the summary's alert count). */
    if (rst || both_fin) {
        report(a, flow, fs);
        retire(flow, fs);
    }
}

static void on_tcp_event(struct tlsd_analyzer *a, struct tlsd_tcp_flow *flow,
                         const struct tlsd_tcp_ev *ev)
{
    struct fstate *fs = flow->user;
    /* A flow that never carried data, a FIN or a RST (a SYN never answered) is first
     * seen when it closes. */
    if (!fs) {
        if (!(flow->user = fs = fstate_new(a, flow))) {
            a->stats.nomem++;
            return;
        }
        a->stats.flows++;
    }
    if (flow->user == &retired) {
        if (ev->kind == TLSD_TCP_EV_CLOSE)
            flow->user = NULL;
        return;
    }
    switch (ev->kind) {
    case TLSD_TCP_EV_DATA:
        fs->now = ev->ts_usec;
        if (tlsd_sdir_feed(&fs->d[ev->dir], ev->data, ev->len) != TLSD_CERR_OK)
            a->stats.nomem++;
        /* The segment's bytes stay valid while drain reads them to the end (NEED_MORE):
         * the record layer may read them where they are (record.h, borrow). */
        if (fs->d[ev->dir].state == TLSD_SDIR_TLS)
            fs->d[ev->dir].rs.borrow = true;
        /* A segment that completes no record is still part of the connection (drain may
         * free fs, so this comes first). */
        if (fs->conn)
            fs->conn->last_frame = ev->frame;
        drain(a, flow, fs, ev->dir, ev->frame);
        break;
    case TLSD_TCP_EV_GAP:
        tlsd_sdir_gap(&fs->d[ev->dir]);
        if (fs->conn)
            fs->conn->gaps += ev->len;
        note_limit(fs->conn, ev->limit);
        break;
    case TLSD_TCP_EV_FLAGS:
        if (fs->conn)
            fs->conn->last_frame = ev->frame;
        on_flags(a, flow, fs, ev->flags);
        break;
    case TLSD_TCP_EV_CLOSE:
        on_close(a, flow, fs, ev);
        break;
    case TLSD_TCP_EV_SHED:
        on_shed(a, flow, fs);
        break;
    }
}

static void on_tcp(void *ctx, struct tlsd_tcp_flow *flow, const struct tlsd_tcp_ev *ev)
{
    struct tlsd_analyzer *a = ctx;
    on_tcp_event(a, flow, ev);
    bool live = flow->user && flow->user != &retired;
    tlsd_tcp_hold(a->tcp, flow, live ? fs_bytes(flow->user) : 0);
}

/* ---- the analyser ---- */

struct tlsd_analyzer *tlsd_analyzer_new(const struct tlsd_analyze_config *cfg, tlsd_conn_cb cb,
                                        void *ctx)
{
    struct tlsd_analyzer *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    if (cfg)
        a->cfg = *cfg;
    struct tlsd_tcp_config *tc = &a->cfg.tcp;
    tc->flag_events = true;
    tc->flow_cap = tc->flow_cap ? tc->flow_cap : TLSD_TCP_DEFAULT_FLOW_CAP;
    tc->total_cap = tc->total_cap ? tc->total_cap : TLSD_TCP_DEFAULT_TOTAL_CAP;
    tc->max_flows = tc->max_flows ? tc->max_flows : TLSD_TCP_DEFAULT_MAX_FLOWS;
    tc->idle_usec = tc->idle_usec ? tc->idle_usec : TLSD_TCP_DEFAULT_IDLE_USEC;
    a->cb = cb;
    a->ctx = ctx;
    if (tlsd_summary_init(a) != 0) {
        free(a);
        return NULL;
    }
    if (!(a->memo = tlsd_analyze_memo_new())) {
        tlsd_analyzer_free(a);
        return NULL;
    }
    return a;
}

enum tlsd_caperr tlsd_analyzer_begin(struct tlsd_analyzer *a, const char *source)
{
    tlsd_analyzer_end(a);
    free(a->source);
    a->source = strdup(source ? source : "");
    a->tcp = tlsd_tcp_new(&a->cfg.tcp, on_tcp, a);
    if (!a->source || !a->tcp)
        return TLSD_CAPERR_NOMEM;
    a->stats.files++;
    return TLSD_CAPERR_OK;
}

enum tlsd_caperr tlsd_analyzer_packet(struct tlsd_analyzer *a, const struct tlsd_pkt *pkt)
{
    if (!a->tcp)
        return TLSD_CAPERR_NOMEM;
    if (pkt->proto != 6) {
        a->stats.udp_datagrams++;
        return TLSD_CAPERR_OK;
    }
    a->stats.tcp_segments++;
    enum tlsd_caperr e = tlsd_tcp_packet(a->tcp, pkt);
    if (e == TLSD_CAPERR_NOMEM)
        a->stats.nomem++;
    return TLSD_CAPERR_OK;
}

void tlsd_analyzer_end(struct tlsd_analyzer *a)
{
    if (!a->tcp)
        return;
    tlsd_tcp_finish(a->tcp);
    tlsd_tcp_free(a->tcp);
    a->tcp = NULL;
}

void tlsd_analyzer_add_capture_stats(struct tlsd_analyzer *a, const struct tlsd_capture_stats *cs)
{
    a->stats.frames += cs->frames;
    a->stats.bytes += cs->bytes;
    for (int i = 0; i < TLSD_PKT_SKIP_COUNT; i++)
        a->stats.skipped[i] += cs->skipped[i];
}

enum tlsd_caperr tlsd_analyze_file(struct tlsd_analyzer *a, const char *path, char *err,
                                   size_t errlen, void (*progress)(void *ctx, uint64_t bytes),
                                   void *pctx)
{
    struct tlsd_capture *cap;
    enum tlsd_caperr rc = tlsd_capture_open_file(path, &cap, err, errlen);
    if (rc != TLSD_CAPERR_OK) {
        a->stats.files_failed++;
        return rc;
    }
    if ((rc = tlsd_analyzer_begin(a, path)) != TLSD_CAPERR_OK) {
        tlsd_capture_close(cap);
        return rc;
    }
    struct tlsd_pkt pkt;
    uint64_t n = 0;
    while ((rc = tlsd_capture_next(cap, &pkt, err, errlen)) == TLSD_CAPERR_OK) {
        if (a->cfg.stop && *a->cfg.stop)
            break;
        if (tlsd_analyzer_packet(a, &pkt) != TLSD_CAPERR_OK)
            break;
        if (progress && (++n & 0xffff) == 0)
            progress(pctx, tlsd_capture_get_stats(cap)->bytes);
    }
    if (a->cfg.stop && *a->cfg.stop) {
        /* Also when the signal came while a read waited (a pipe) and the read then
         * ended: what was read is all there is. */
        rc = TLSD_CAPERR_INTERRUPTED;
        snprintf(err, errlen, "interrupted after %llu frames",
                 (unsigned long long)tlsd_capture_get_stats(cap)->frames);
    }
    a->discard = rc == TLSD_CAPERR_INTERRUPTED;
    tlsd_analyzer_end(a);
    a->discard = false;
    tlsd_analyzer_add_capture_stats(a, tlsd_capture_get_stats(cap));
    tlsd_capture_close(cap);
    if (rc == TLSD_CAPERR_END)
        return TLSD_CAPERR_OK;
    if (rc == TLSD_CAPERR_INTERRUPTED)
        return rc;
    a->stats.read_errors++;
    return rc;
}

const struct tlsd_analyze_stats *tlsd_analyzer_stats(const struct tlsd_analyzer *a)
{
    return &a->stats;
}

const struct tlsd_tcp_config *tlsd_analyzer_caps(const struct tlsd_analyzer *a)
{
    return &a->cfg.tcp;
}

void tlsd_analyzer_free(struct tlsd_analyzer *a)
{
    if (!a)
        return;
    tlsd_analyzer_end(a);
    tlsd_summary_free(a);
    for (size_t i = 0; i < TLSD_CERT_CACHE; i++)
        cert_unref(a->cert_cache[i]);
    free(a->source);
    tlsd_analyze_memo_free(a->memo);
    free(a);
}

struct tlsd_analyze_memo *tlsd_analyze_memo_new(void)
{
    struct tlsd_analyze_memo *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    tlsd_diag_memo_init(m);
    tlsd_render_memo_init(m);
    m->fp = tlsd_fp_ctx_new(); /* NULL: fingerprints computed each time */
    return m;
}

void tlsd_analyze_memo_free(struct tlsd_analyze_memo *m)
{
    if (!m)
        return;
    tlsd_memo_free(&m->kb_causes);
    tlsd_memo_free(&m->kb_alerts);
    tlsd_memo_free(&m->kb_events);
    tlsd_memo_free(&m->offers);
    tlsd_memo_free(&m->time);
    tlsd_jw_memo_free(&m->json);
    tlsd_fp_ctx_free(m->fp);
    free(m);
}
