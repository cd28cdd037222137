/* Every capture in ../shared/pcaps through the capture path (tlsdiag/capture.h,
 * tlsdiag/tcp_reasm.h) and the codec (record reassembler, hello parsers), compared
 * frame by frame with the .tshark.tsv beside it (columns and quirks in
 * ../shared/pcaps/README.md): for every handshake message and alert the frame, type,
 * handshake version, cipher suites (ClientHello list, ServerHello choice, SSLv2
 * cipher specs), supported_versions, SNI, alert description and level. Encrypted
 * records of content type 21/22 are counted, not parsed: their frame must be listed
 * and carry no type, as tshark shows them.
 *
 * TLS is found by content on any port: a direction is probed until a record header
 * appears (at the start, or a hello after a STARTTLS exchange). Prints one line per
 * mismatch (file, frame, field, ours, tshark's) and a total per file. */
#include <stdarg.h>

#include "testutil.h"
#include "tlsdiag/capture.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/record.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/tcp_reasm.h"

/* Compared fields and their .tshark.tsv columns (0-based). */
enum field { F_TYPE, F_VERS, F_SUITES, F_ALERT, F_LEVEL, F_SV, F_SNI, F_SPEC, NF };
static const int field_col[NF] = {5, 6, 7, 8, 16, 17, 18, 20};
static const char *const field_name[NF] = {
    "handshake.type", "handshake.version", "handshake.ciphersuite", "alert.desc",
    "alert.level",    "supported_version", "server_name",           "cipherspec"};
#define COL_PROTOCOLS 26
#define PROBE_MAX     (64u << 10) /* give up looking for TLS in a direction after this */

struct frow {
    bool present;
    struct tlsd_strbuf f[NF];
};

struct frames {
    struct frow *rows; /* indexed by frame number */
    size_t n;
};

enum dstate { D_PROBE, D_TLS, D_OFF };

struct dir_tls {
    enum dstate state;
    uint8_t *probe;
    size_t probe_len;
    bool resume_encrypted, resume_tls13; /* carried over a resync */
    struct tlsd_reasm rs;
};

struct flow_tls {
    struct dir_tls d[2];
};

struct run {
    struct frames ours;
    size_t reasm_errors, dtls_datagrams;
    size_t encrypted; /* records counted, not parsed */
};

static struct frow *frow_at(struct frames *fr, uint64_t frame)
{
    if (frame >= fr->n) {
        size_t n = (size_t)frame * 2 + 16;
        fr->rows = realloc(fr->rows, n * sizeof *fr->rows);
        assert_non_null(fr->rows);
        memset(fr->rows + fr->n, 0, (n - fr->n) * sizeof *fr->rows);
        fr->n = n;
    }
    fr->rows[frame].present = true;
    return &fr->rows[frame];
}

static void frames_free(struct frames *fr)
{
    for (size_t i = 0; i < fr->n; i++)
        for (int f = 0; f < NF; f++)
            tlsd_sb_free(&fr->rows[i].f[f]);
    free(fr->rows);
}

/* Appends one value to a field, comma-joined as tshark's -E aggregator=, does. */
static void add(struct frow *r, enum field f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(struct frow *r, enum field f, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (r->f[f].len)
        tlsd_sb_puts(&r->f[f], ",");
    tlsd_sb_puts(&r->f[f], tmp);
}

/* ---- TLS events to fields ---- */

static const char *cur_file; /* the capture being checked, for notes */

/* The codec refused a message tshark may read: said, to explain the mismatch lines.
 * A partial result still gives the fields read before the error, as tshark shows them. */
static void note_parse_error(const char *what, const struct tlsd_err *err, bool partial)
{
    char buf[256];
    tlsd_err_format(err, buf, sizeof buf);
    printf("note %s: the codec rejects a %s%s: %s\n", cur_file, what,
           partial ? " (fields before the error kept)" : "", buf);
}

static void on_client_hello(struct frow *r, const struct tlsd_event *ev, bool sslv2)
{
    struct tlsd_client_hello ch;
    struct tlsd_err err = {0};
    if (tlsd_client_hello_parse(ev->data, ev->len, sslv2, &ch, &err) != TLSD_CERR_OK) {
        note_parse_error("ClientHello", &err, ch.partial);
        if (!ch.partial) {
            tlsd_client_hello_free(&ch);
            return;
        }
    }
    add(r, F_VERS, "0x%04x", ch.legacy_version);
    for (size_t i = 0; i < ch.n_suites; i++)
        add(r, sslv2 ? F_SPEC : F_SUITES, sslv2 ? "0x%06x" : "0x%04x", ch.suites[i]);
    for (size_t i = 0; ch.has_versions && i < ch.n_versions; i++)
        add(r, F_SV, "0x%04x", ch.versions[i]);
    if (ch.server_name)
        add(r, F_SNI, "%s", ch.server_name);
    tlsd_client_hello_free(&ch);
}

static void on_server_hello(struct frow *r, const struct tlsd_event *ev, struct tlsd_reasm *server,
                            struct dir_tls *client)
{
    struct tlsd_server_hello sh;
    struct tlsd_err err = {0};
    enum tlsd_cerr e = tlsd_server_hello_parse(ev->data, ev->len, &sh, &err);
    if (e != TLSD_CERR_OK)
        note_parse_error("ServerHello", &err, sh.partial);
    if (e == TLSD_CERR_OK || sh.partial) {
        add(r, F_VERS, "0x%04x", sh.legacy_version);
        /* unread fields of a partial result are 0, and no ServerHello selects
         * TLS_NULL_WITH_NULL_NULL (RFC 5246 A.5) */
        if (e == TLSD_CERR_OK || sh.suite != 0)
            add(r, F_SUITES, "0x%04x", sh.suite);
        if (sh.has_supported_version)
            add(r, F_SV, "0x%04x", sh.supported_version);
    }
    /* RFC 8446 2: after a TLS 1.3 ServerHello the client's records are encrypted too;
     * after a HelloRetryRequest they are not (RFC 8446 4.1.4, D.4). Only a ServerHello
     * that parsed whole decides. */
    if (e == TLSD_CERR_OK)
        tlsd_reasm_server_hello(server, sh.version, sh.is_hrr);
    if (e == TLSD_CERR_OK && client->state == D_TLS)
        tlsd_reasm_server_hello(&client->rs, sh.version, sh.is_hrr);
    tlsd_server_hello_free(&sh);
}

/* SSLv2 messages (SSLv2 spec 2.5/2.6): CLIENT-HELLO, CLIENT-MASTER-KEY, SERVER-HELLO.
 * After a version 2 compatible CLIENT-HELLO the reassembler itself goes on in TLS
 * framing (RFC 5246 E.2). */
static void on_ssl2(struct frow *r, const struct tlsd_event *ev)
{
    add(r, F_TYPE, "%u", ev->hs_type);
    if (ev->hs_type == 1) {
        on_client_hello(r, ev, true);
    } else if (ev->hs_type == 4) {
        struct tlsd_ssl2_server_hello sh;
        struct tlsd_err err = {0};
        if (tlsd_ssl2_server_hello_parse(ev->data, ev->len, &sh, &err) == TLSD_CERR_OK) {
            add(r, F_VERS, "0x%04x", sh.version);
            for (size_t i = 0; i < sh.n_kinds; i++)
                add(r, F_SPEC, "0x%06x", sh.kinds[i]);
        }
        tlsd_ssl2_server_hello_free(&sh);
    } else if (ev->hs_type == 2) {
        struct tlsd_rd rd;
        struct tlsd_err err = {0};
        uint8_t type, kind[3];
        tlsd_rd_init(&rd, ev->data, ev->len, &err);
        if (tlsd_rd_u8(&rd, &type, "CLIENT-MASTER-KEY.type") == TLSD_CERR_OK &&
            tlsd_rd_copy(&rd, kind, 3, "CLIENT-MASTER-KEY.cipher_kind") == TLSD_CERR_OK)
            add(r, F_SPEC, "0x%02x%02x%02x", kind[0], kind[1], kind[2]);
    }
}

static void on_event(struct frow *r, const struct tlsd_event *ev, struct dir_tls *self,
                     struct dir_tls *other)
{
    switch (ev->kind) {
    case TLSD_EV_HANDSHAKE:
        add(r, F_TYPE, "%u", ev->hs_type);
        if (ev->hs_type == 1)
            on_client_hello(r, ev, false);
        else if (ev->hs_type == 2)
            on_server_hello(r, ev, &self->rs, other);
        break;
    case TLSD_EV_ALERT:
        add(r, F_ALERT, "%u", ev->alert_desc);
        add(r, F_LEVEL, "%u", ev->alert_level);
        break;
    case TLSD_EV_SSL2:
        on_ssl2(r, ev);
        break;
    default:
        break;
    }
}

/* Does this event put its frame in tshark's output (README.md: the -Y filter)? */
static bool event_listed(const struct tlsd_event *ev)
{
    if (ev->kind == TLSD_EV_ENCRYPTED)
        return ev->content_type == TLSD_CT_ALERT || ev->content_type == TLSD_CT_HANDSHAKE;
    return ev->kind == TLSD_EV_HANDSHAKE || ev->kind == TLSD_EV_ALERT || ev->kind == TLSD_EV_SSL2;
}

static void drain_tls(struct run *run, struct dir_tls *d, struct dir_tls *other, uint64_t frame)
{
    struct tlsd_event ev;
    enum tlsd_cerr e;
    size_t fragments_before = d->rs.stats.hs_fragment_records;
    while ((e = tlsd_reasm_next(&d->rs, &ev)) == TLSD_CERR_OK) {
        if (getenv("TLSD_TRACE")) /* debugging aid: every record-layer event */
            fprintf(stderr, "frame %llu event %d ct %u type %u len %zu\n",
                    (unsigned long long)frame, ev.kind, ev.content_type, ev.hs_type, ev.len);
        if (event_listed(&ev))
            on_event(frow_at(&run->ours, frame), &ev, d, other);
    }
    /* A handshake record that completed no message (the start or a middle piece of
     * one): tshark lists its frame, with no type. */
    if (d->rs.stats.hs_fragment_records > fragments_before)
        frow_at(&run->ours, frame);
    if (e != TLSD_CERR_NEED_MORE) {
        if (getenv("TLSD_TRACE"))
            fprintf(stderr, "frame %llu record layer error %s (%s)\n", (unsigned long long)frame,
                    tlsd_cerr_name(e), d->rs.err.what);
        /* Like tshark: after a malformed message inside intact records, carry on at
         * the next segment (keeping the encryption state); after broken record
         * framing, tshark loses the stream, and so do we. */
        bool framing = e == TLSD_CERR_BAD_VERSION || e == TLSD_CERR_BAD_CONTENT_TYPE ||
                       e == TLSD_CERR_RECORD_TOO_LARGE;
        run->reasm_errors++;
        run->encrypted += d->rs.stats.encrypted_records;
        d->resume_encrypted = d->rs.encrypted;
        d->resume_tls13 = d->rs.tls13;
        tlsd_reasm_free(&d->rs);
        d->state = framing ? D_OFF : D_PROBE;
    }
}

/* ---- finding TLS in a byte stream ---- */

/* A record header at p: any TLS content type at the start of a stream, or a
 * handshake record holding a hello further in (after a STARTTLS exchange). */
static bool tls_starts_at(const uint8_t *p, size_t left, bool at_start)
{
    if (left < 6 || p[1] != 3 || p[2] > 4)
        return false;
    if (at_start)
        return p[0] >= TLSD_CT_CHANGE_CIPHER_SPEC && p[0] <= TLSD_CT_APPLICATION_DATA;
    return p[0] == TLSD_CT_HANDSHAKE && (p[5] == 1 || p[5] == 2);
}

/* An SSLv2 CLIENT-HELLO (version 2, or 3.x when v2-compatible, RFC 5246 E.2) or
 * SERVER-HELLO (X.509 certificate, version 2) behind a 2-byte record header. A high
 * first bit alone is too weak: it starts half of all binary streams. */
static bool ssl2_hello_at(const uint8_t *p, size_t left)
{
    if (left < 8 || !tlsd_record_looks_sslv2(p, left))
        return false;
    if (p[2] == 1)
        return (p[3] == 0 && p[4] == 2) || p[3] == 3;
    return p[2] == 4 && p[4] == 1 && p[5] == 0 && p[6] == 2;
}

static void start_tls(struct dir_tls *d, const uint8_t *p, size_t len)
{
    d->state = D_TLS;
    tlsd_reasm_init(&d->rs);
    if (d->resume_encrypted)
        tlsd_reasm_set_encrypted(&d->rs, d->resume_tls13);
    assert_int_equal(tlsd_reasm_feed(&d->rs, p, len), TLSD_CERR_OK);
}

static void probe(struct dir_tls *d, const uint8_t *data, size_t len)
{
    d->probe = realloc(d->probe, d->probe_len + len);
    assert_non_null(d->probe);
    memcpy(d->probe + d->probe_len, data, len);
    d->probe_len += len;
    if (ssl2_hello_at(d->probe, d->probe_len)) {
        start_tls(d, d->probe, d->probe_len);
    } else {
        for (size_t i = 0; i < d->probe_len && d->state == D_PROBE; i++)
            if (tls_starts_at(d->probe + i, d->probe_len - i, i == 0))
                start_tls(d, d->probe + i, d->probe_len - i);
    }
    if (d->state == D_PROBE && d->probe_len < PROBE_MAX)
        return;
    if (d->state == D_PROBE)
        d->state = D_OFF;
    free(d->probe);
    d->probe = NULL;
    d->probe_len = 0;
}

static void dir_free(struct run *run, struct dir_tls *d)
{
    if (d->state == D_TLS) {
        run->encrypted += d->rs.stats.encrypted_records;
        tlsd_reasm_free(&d->rs);
    }
    free(d->probe);
    *d = (struct dir_tls){.state = D_OFF};
}

static void on_tcp(void *ctx, struct tlsd_tcp_flow *flow, const struct tlsd_tcp_ev *ev)
{
    struct run *run = ctx;
    struct flow_tls *ft = flow->user;
    if (ev->kind == TLSD_TCP_EV_CLOSE) {
        if (ft) {
            dir_free(run, &ft->d[0]);
            dir_free(run, &ft->d[1]);
            free(ft);
        }
        return;
    }
    if (!ft) {
        flow->user = ft = calloc(1, sizeof *ft);
        assert_non_null(ft);
    }
    struct dir_tls *d = &ft->d[ev->dir], *other = &ft->d[!ev->dir];
    if (ev->kind == TLSD_TCP_EV_GAP) { /* the stream is broken: look for TLS again */
        dir_free(run, d);
        d->state = D_PROBE;
    } else if (d->state == D_PROBE) {
        probe(d, ev->data, ev->len);
        if (d->state == D_TLS)
            drain_tls(run, d, other, ev->frame);
    } else if (d->state == D_TLS) {
        assert_int_equal(tlsd_reasm_feed(&d->rs, ev->data, ev->len), TLSD_CERR_OK);
        drain_tls(run, d, other, ev->frame);
    }
}

/* ---- the tshark side ---- */

/* Splits a line in place into tab-separated columns. */
static size_t split_tabs(char *line, char **cols, size_t max)
{
    size_t n = 0;
    cols[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            cols[n++] = p + 1;
        }
    return n;
}

/* Reads the .tshark.tsv into frame rows. DTLS rows, and TLS carried in QUIC CRYPTO
 * frames (tshark decrypts QUIC Initial packets), are counted in *udp and left out:
 * the codec has neither, so their content is reported as not parsed. */
static void load_tshark(const char *path, struct frames *fr, size_t *udp)
{
    size_t len;
    char *text = tu_slurp(path, &len);
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save); /* the header */
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *cols[32] = {0};
        if (split_tabs(line, cols, 32) <= COL_PROTOCOLS)
            fail_msg("%s: short line", path);
        if (strstr(cols[COL_PROTOCOLS], "dtls") || strstr(cols[COL_PROTOCOLS], "quic")) {
            (*udp)++;
            continue;
        }
        struct frow *r = frow_at(fr, strtoull(cols[0], NULL, 10));
        for (int f = 0; f < NF; f++)
            if (*cols[field_col[f]])
                tlsd_sb_puts(&r->f[f], cols[field_col[f]]);
    }
    free(text);
}

/* ---- comparison ---- */

/* Differences where tshark, not the capture path or the codec, departs from the bytes.
 * Each was checked with `tshark -V` on the frame and against tshark's source
 * (epan/dissectors/packet-tls.c). None is in pcaps/README.md's list of quirks; all are
 * dissector limits, not readings of the bytes the codec could share. */
static const struct allowed {
    const char *file;
    uint64_t frame;
    enum field field;
    const char *ours, *tshark;
    const char *reason;
} allowed[] = {
    {"zeek/tls-fragmented-handshake.pcap", 410, F_TYPE, "11", "",
     "a 339,633-byte Certificate spread over 21 frames: tshark assumes handshake messages are "
     "below 64 KiB (is_encrypted_handshake_message), so it takes the first record for "
     "encrypted, never reassembles, and labels the last one 'Encrypted Handshake Message'"},
    {"zeek/tls-fragmented-handshake.pcap.gz", 410, F_TYPE, "11", "", "the same capture, gzipped"},
    {"arkime/arkime_synthetic.pcap", 904, F_SV, "", "0x002c",
     "a synthetic ServerHello whose extensions all have length 0: tshark reads the selected "
     "version of the empty supported_versions from past its end (the next extension's type, "
     "cookie = 0x002c) and flags 'Dissector processed too much data'; the codec never reads "
     "past a bound, and stops at the empty max_fragment_length before it"},
    {"FlowTest/tls_malformed_cert.pcap", 6, F_TYPE, "2,11,12,14", "2,11",
     "tshark throws '[Malformed Packet: TLS]' inside the Certificate's DER and the exception "
     "ends the frame's dissection: the next record (ServerKeyExchange, ServerHelloDone, whole "
     "and well framed, read by the codec) is never shown"},
};

static bool is_allowed(const char *file, uint64_t frame, enum field f, const char *ours,
                       const char *tshark)
{
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        const struct allowed *a = &allowed[i];
        if (a->frame == frame && a->field == f && strcmp(a->file, file) == 0 &&
            strcmp(a->ours, ours) == 0 && strcmp(a->tshark, tshark) == 0) {
            printf("allowed %s frame %llu: %s: ours=%s tshark=%s (%s)\n", file,
                   (unsigned long long)frame, field_name[f], ours, tshark, a->reason);
            return true;
        }
    }
    return false;
}

static const char *fv(const struct frow *r, enum field f)
{
    return r->f[f].s ? r->f[f].s : "";
}

static size_t compare(const char *file, const struct frames *ours, const struct frames *ts)
{
    size_t mism = 0, n = ours->n > ts->n ? ours->n : ts->n;
    for (size_t i = 0; i < n; i++) {
        const struct frow *a = i < ours->n ? &ours->rows[i] : NULL;
        const struct frow *b = i < ts->n ? &ts->rows[i] : NULL;
        bool pa = a && a->present, pb = b && b->present;
        if (!pa && !pb)
            continue;
        if (pa != pb) {
            printf("MISMATCH %s frame %zu: frame listed: ours=%s tshark=%s\n", file, i,
                   pa ? "yes" : "no", pb ? "yes" : "no");
            mism++;
            continue;
        }
        for (int f = 0; f < NF; f++)
            if (strcmp(fv(a, f), fv(b, f)) != 0 && !is_allowed(file, i, f, fv(a, f), fv(b, f))) {
                printf("MISMATCH %s frame %zu: %s: ours=%s tshark=%s\n", file, i, field_name[f],
                       fv(a, f), fv(b, f));
                mism++;
            }
    }
    return mism;
}

/* A DTLS record header (RFC 6347 4.1): content type 20..24, version 0xfeXX. The codec
 * has no DTLS: such datagrams are counted and reported as not parsed. */
static bool looks_dtls(const uint8_t *p, size_t len)
{
    return len >= 13 && p[0] >= TLSD_CT_CHANGE_CIPHER_SPEC && p[0] <= TLSD_CT_HEARTBEAT &&
           p[1] == 0xfe;
}

/* Runs one capture through the capture path and the codec. */
static void analyse(const char *path, struct run *run)
{
    char err[512];
    struct tlsd_capture *cap;
    assert_int_equal(tlsd_capture_open_file(path, &cap, err, sizeof err), TLSD_CAPERR_OK);
    struct tlsd_tcp *tcp = tlsd_tcp_new(NULL, on_tcp, run);
    assert_non_null(tcp);
    struct tlsd_pkt pkt;
    enum tlsd_caperr rc;
    while ((rc = tlsd_capture_next(cap, &pkt, err, sizeof err)) == TLSD_CAPERR_OK) {
        if (pkt.proto == 6)
            assert_int_equal(tlsd_tcp_packet(tcp, &pkt), TLSD_CAPERR_OK);
        else if (looks_dtls(pkt.payload, pkt.payload_len))
            run->dtls_datagrams++;
    }
    if (rc != TLSD_CAPERR_END)
        printf("note %s: %s\n", path, err);
    tlsd_tcp_finish(tcp);
    tlsd_tcp_free(tcp);
    tlsd_capture_close(cap);
}

static size_t check_capture(const char *shared, const char *rel)
{
    char path[1024], tsv[1100];
    snprintf(path, sizeof path, "%s/pcaps/%s", shared, rel);
    snprintf(tsv, sizeof tsv, "%s.tshark.tsv", path);
    struct run run = {0};
    struct frames ts = {0};
    size_t udp_rows = 0;
    cur_file = rel;
    analyse(path, &run);
    load_tshark(tsv, &ts, &udp_rows);
    size_t mism = compare(rel, &run.ours, &ts);
    printf("%-55s mismatches %zu, encrypted records %zu%s", rel, mism, run.encrypted,
           run.reasm_errors ? " (record errors " : "");
    if (run.reasm_errors)
        printf("%zu)", run.reasm_errors);
    if (udp_rows || run.dtls_datagrams)
        printf(" (not parsed: %zu DTLS/QUIC rows of tshark's, %zu DTLS datagrams of ours)",
               udp_rows, run.dtls_datagrams);
    printf("\n");
    frames_free(&run.ours);
    frames_free(&ts);
    return mism;
}

static void test_all_captures(void **state)
{
    (void)state;
    char manifest[1024];
    snprintf(manifest, sizeof manifest, "%s/pcaps/MANIFEST.tsv", tu_shared());
    size_t len, files = 0, total = 0;
    char *text = tu_slurp(manifest, &len);
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save); /* the header */
    const char *only = getenv("TLSD_PCAP");   /* debugging aid: one capture */
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = '\0';
        if (only && strcmp(only, line) != 0)
            continue;
        total += check_capture(tu_shared(), line);
        files++;
    }
    free(text);
    printf("%zu captures, %zu mismatches\n", files, total);
    assert_true(only || files > 100);
    assert_int_equal(total, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
