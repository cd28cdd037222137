/* Capture files: pcap through libpcap, pcapng through capture_pcapng.c (each packet with
 * its own interface's link type, which libpcap cannot do), plain or gzip-compressed (zlib
 * decompresses on the fly behind a stdio cookie, so memory stays bounded), from a
 * path or from memory. Frames are numbered from 1 as tshark numbers them. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "platform.h"

#include "capture/capture_internal.h"

struct ahead;

struct tlsd_capture {
    pcap_t *pcap;
    struct tlsd_ng *ng; /* pcapng: read here instead of through pcap */
    char *iobuf;        /* the FILE's buffer */
    int dlt;
    struct tlsd_capture_stats stats;       /* the reader's: with read-ahead, its thread's own */
    struct ahead *ahead;                   /* read-ahead thread, NULL: frames are read on demand */
    struct tlsd_capture_stats ahead_stats; /* with read-ahead: what the caller was handed */
    struct tlsd_gz *gz;                    /* a gzip file's decompressor state, else NULL */
};

/* Files from this size on (compressed size for gzip) are read ahead on a thread. */
#define AHEAD_MIN_FILE ((off_t)4 << 20)
static void ahead_start(struct tlsd_capture *c);

static const char *const caperr_names[] = {
#define CAPERR_NAME(name, msg) #name,
    TLSD_CAPERR_LIST(CAPERR_NAME)
#undef CAPERR_NAME
};
static const char *const caperr_msgs[] = {
#define CAPERR_MSG(name, msg) msg,
    TLSD_CAPERR_LIST(CAPERR_MSG)
#undef CAPERR_MSG
};

const char *tlsd_caperr_name(enum tlsd_caperr e)
{
    return (unsigned)e < TLSD_CAPERR_COUNT ? caperr_names[e] : "?";
}

const char *tlsd_caperr_message(enum tlsd_caperr e)
{
    return (unsigned)e < TLSD_CAPERR_COUNT ? caperr_msgs[e] : "?";
}

static void set_err(char *err, size_t errlen, const char *what, const char *detail)
{
    if (err && errlen)
        snprintf(err, errlen, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

/* A gzip file's damage, in words, in err; false when there is none. */
static bool gz_damage(const struct tlsd_gz *gz, char *err, size_t errlen)
{
    const char *why;
    switch (tlsd_gz_state(gz, &why)) {
    case TLSD_GZ_OK:
        return false;
    case TLSD_GZ_TRUNCATED:
        set_err(err, errlen, "gzip file is truncated", why);
        return true;
    case TLSD_GZ_CORRUPT:
        set_err(err, errlen, "gzip data is corrupt", why);
        return true;
    case TLSD_GZ_IOERR:
        set_err(err, errlen, "gzip file could not be read", why);
        return true;
    }
    return false;
}

static bool file_is_gzip(const char *path)
{
    unsigned char magic[2] = {0};
    FILE *f = tlsd_fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(magic, 1, 2, f);
    fclose(f);
    return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b; /* RFC 1952 2.3.1 */
}

/* libpcap reads every record with two freads; with stdio's default buffer (the file
 * system block, 4 KB) that is a read() per 4 KB. A big buffer makes it one per MB. */
#define READ_BUFFER ((size_t)1 << 20)

/* True when f starts with a pcapng Section Header; the bytes looked at are put back
 * (they are in the stream's buffer, where glibc's ungetc steps back over them). */
static bool is_pcapng(FILE *f)
{
    static const unsigned char shb[4] = {0x0A, 0x0D, 0x0D, 0x0A};
    unsigned char m[4];
    long at = ftell(f);
    size_t n = fread(m, 1, sizeof m, f);
    bool ok = true;
    /* A file goes back by seeking: libpcap on Windows reads the OS handle under the stream
     * (pcap_fopen_offline is pcap_hopen_offline there), so the bytes must not stay in
     * stdio's buffer; and its C runtime guarantees one ungetc only. A pipe: pushed back. */
    if (at < 0 || fseek(f, at, SEEK_SET) != 0)
        for (size_t i = n; i > 0; i--)
            ok &= ungetc(m[i - 1], f) != EOF;
    return ok && n == sizeof m && memcmp(m, shb, sizeof shb) == 0;
}

/* Takes ownership of f (libpcap or the pcapng reader closes it). bufsize: the stdio buffer
 * to give f, 0 to keep its own (a memory stream needs none). */
static enum tlsd_caperr open_stream(FILE *f, size_t bufsize, struct tlsd_capture **out, char *err,
                                    size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    struct tlsd_capture *c = calloc(1, sizeof *c);
    if (!c) {
        fclose(f);
        return TLSD_CAPERR_NOMEM;
    }
    /* Freed after the FILE is closed: pcap_close closes it. */
    c->iobuf = bufsize ? malloc(bufsize) : NULL;
    if (c->iobuf)
        (void)setvbuf(f, c->iobuf, _IOFBF, bufsize);
    /* Only this reader uses the stream: no lock around each of libpcap's freads. */
    tlsd_stream_unlocked(f);
    if (is_pcapng(f)) {
        if (!(c->ng = tlsd_ng_open(f))) {
            fclose(f);
            free(c->iobuf);
            free(c);
            return TLSD_CAPERR_NOMEM;
        }
        c->dlt = -1; /* per packet */
        *out = c;
        return TLSD_CAPERR_OK;
    }
    c->pcap = pcap_fopen_offline(f, perr);
    if (!c->pcap) {
        fclose(f);
        free(c->iobuf);
        free(c);
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_FORMAT), perr);
        return TLSD_CAPERR_FORMAT;
    }
    c->dlt = pcap_datalink(c->pcap);
    if (!tlsd_pkt_linktype_ok(c->dlt)) {
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_LINKTYPE),
                pcap_datalink_val_to_name(c->dlt));
        tlsd_capture_close(c);
        return TLSD_CAPERR_LINKTYPE;
    }
    *out = c;
    return TLSD_CAPERR_OK;
}

enum tlsd_caperr tlsd_capture_open_file(const char *path, struct tlsd_capture **out, char *err,
                                        size_t errlen)
{
    *out = NULL;
    /* "-": standard input, uncompressed (zlib's gzread waits for a whole buffer, which
     * a pipe from tcpdump -w - may take long to fill). */
    bool in = strcmp(path, "-") == 0;
    struct tlsd_gz *gz = NULL;
    FILE *f = in                   ? tlsd_stdin_binary()
              : file_is_gzip(path) ? tlsd_gz_open(path, &gz)
                                   : tlsd_fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_OPEN), strerror(errno));
        return TLSD_CAPERR_OPEN;
    }
    enum tlsd_caperr rc = open_stream(f, READ_BUFFER, out, err, errlen);
    if (rc != TLSD_CAPERR_OK) {
        gz_damage(gz, err, errlen); /* damaged before the capture's header: say so */
        tlsd_gz_free(gz);
        return rc;
    }
    (*out)->gz = gz;
    uint64_t size;
    /* Not standard input: a pipe from tcpdump -w - must hand out each frame as it comes,
     * not once a batch is full. */
    if (!in && tlsd_file_size(path, &size) && size >= (uint64_t)AHEAD_MIN_FILE)
        ahead_start(*out);
    return rc;
}

enum tlsd_caperr tlsd_capture_open_mem(const void *buf, size_t len, struct tlsd_capture **out,
                                       char *err, size_t errlen)
{
    *out = NULL;
    if (len == 0) { /* fmemopen refuses an empty buffer */
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_FORMAT), "empty input");
        return TLSD_CAPERR_FORMAT;
    }
    FILE *f = tlsd_fmemopen(buf, len);
    if (!f) {
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_OPEN), strerror(errno));
        return TLSD_CAPERR_OPEN;
    }
    return open_stream(f, 0, out, err, errlen);
}

/* Microseconds; a damaged header's absurd seconds are clamped instead of overflowing. */
static int64_t ts_usec(const struct pcap_pkthdr *h)
{
    const int64_t max_sec = INT64_MAX / 1000000 - 1;
    int64_t sec = h->ts.tv_sec;
    if (sec > max_sec)
        sec = max_sec;
    if (sec < -max_sec)
        sec = -max_sec;
    int64_t usec = h->ts.tv_usec % 1000000;
    return sec * 1000000 + usec;
}

/* The next frame, raw: from libpcap or the pcapng reader. */
static enum tlsd_caperr next_frame_raw(struct tlsd_capture *c, struct tlsd_ng_pkt *f, char *err,
                                       size_t errlen)
{
    if (c->ng) {
        const char *why = "";
        enum tlsd_caperr rc = tlsd_ng_next(c->ng, f, &why);
        if (rc != TLSD_CAPERR_OK && rc != TLSD_CAPERR_END)
            set_err(err, errlen, tlsd_caperr_message(rc), why);
        return rc;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->pcap, &h, &data);
    if (rc == PCAP_ERROR_BREAK)
        return TLSD_CAPERR_END;
    if (rc != 1) {
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_READ), pcap_geterr(c->pcap));
        return TLSD_CAPERR_READ;
    }
    *f = (struct tlsd_ng_pkt){
        .data = data, .caplen = h->caplen, .len = h->len, .dlt = c->dlt, .ts_usec = ts_usec(h)};
    return TLSD_CAPERR_OK;
}

/* The next frame; the end of a damaged gzip file is a damaged capture, named as such. */
static enum tlsd_caperr next_frame(struct tlsd_capture *c, struct tlsd_ng_pkt *f, char *err,
                                   size_t errlen)
{
    enum tlsd_caperr rc = next_frame_raw(c, f, err, errlen);
    if ((rc == TLSD_CAPERR_END || rc == TLSD_CAPERR_READ) && gz_damage(c->gz, err, errlen))
        return TLSD_CAPERR_READ;
    return rc;
}

/* The next frame that decodes, read on the calling thread. */
static enum tlsd_caperr read_one(struct tlsd_capture *c, struct tlsd_pkt *pkt, char *err,
                                 size_t errlen)
{
    for (;;) {
        struct tlsd_ng_pkt f;
        enum tlsd_caperr rc = next_frame(c, &f, err, errlen);
        if (rc != TLSD_CAPERR_OK)
            return rc;
        c->stats.frames++;
        c->stats.bytes += f.caplen;
        pkt->frame = c->stats.frames;
        pkt->ts_usec = f.ts_usec;
        enum tlsd_pkt_skip s = tlsd_pkt_decode(f.dlt, f.data, f.caplen, f.len, pkt);
        if (s != TLSD_PKT_OK) {
            c->stats.skipped[s]++;
            continue;
        }
        if (pkt->proto == 6)
            c->stats.tcp++;
        else
            c->stats.udp++;
        if (pkt->payload_len < pkt->payload_wire_len)
            c->stats.truncated_payloads++;
        return TLSD_CAPERR_OK;
    }
}

/* ---- read-ahead ----
 *
 * A big file is read on a thread of its own: libpcap's reads, gzip decompression and the
 * link, IP and TCP headers happen there, while the caller analyses the frames before.
 * Decoded frames go over in batches (the tlsd_pkt and a copy of its payload), AHEAD_SLOTS
 * of them at most, so memory stays bounded; the caller meets the thread once a batch. */
#define AHEAD_SLOTS 4
#define AHEAD_PKTS  4096
#define AHEAD_DATA  ((size_t)1 << 20)
#define AHEAD_ERR   256

struct batch {
    struct tlsd_pkt pkts[AHEAD_PKTS];
    size_t n;
    uint8_t *data; /* the payloads, pkts[i].payload pointing in */
    size_t used, cap;
    struct tlsd_capture_stats stats; /* the reader's, after the batch's last frame */
    enum tlsd_caperr end;            /* OK: more batches follow; else the last one's end */
    char err[AHEAD_ERR];
};

struct ahead {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch *slots[AHEAD_SLOTS];
    size_t head, count; /* filled batches: slots[head], ... */
    size_t filling;     /* the reader's next slot */
    bool stop;          /* the caller closes: the reader ends at once */
    struct batch *cur;  /* the caller's batch; the last one stays, with the end */
    size_t pos;
};

/* Appends a decoded frame to b; false when it does not fit (b has frames already). */
static bool batch_add(struct batch *b, const struct tlsd_pkt *pkt)
{
    if (b->n == AHEAD_PKTS)
        return false;
    if (b->used + pkt->payload_len > b->cap) {
        if (b->n)
            return false;
        uint8_t *d = realloc(b->data, pkt->payload_len); /* one frame larger than a batch */
        if (!d)
            return false;
        b->data = d;
        b->cap = pkt->payload_len;
    }
    struct tlsd_pkt *p = &b->pkts[b->n++];
    *p = *pkt;
    if (pkt->payload_len)
        memcpy(b->data + b->used, pkt->payload, pkt->payload_len);
    p->payload = b->data + b->used;
    b->used += pkt->payload_len;
    return true;
}

/* Fills b from the file. A frame that did not fit waits in *held for the next batch. */
static void batch_fill(struct tlsd_capture *c, struct batch *b, struct tlsd_pkt *held,
                       bool *has_held)
{
    b->n = b->used = 0;
    b->end = TLSD_CAPERR_OK;
    b->err[0] = '\0';
    if (*has_held) {
        if (!batch_add(b, held)) { /* no memory even for one frame */
            b->end = TLSD_CAPERR_NOMEM;
            snprintf(b->err, sizeof b->err, "%s", tlsd_caperr_message(TLSD_CAPERR_NOMEM));
            b->stats = c->stats;
            return;
        }
        *has_held = false;
    }
    while (b->n < AHEAD_PKTS) {
        enum tlsd_caperr e = read_one(c, held, b->err, sizeof b->err);
        if (e != TLSD_CAPERR_OK) {
            b->end = e;
            break;
        }
        if (!batch_add(b, held)) {
            *has_held = true;
            break;
        }
    }
    b->stats = c->stats;
}

static void *ahead_main(void *arg)
{
    struct tlsd_capture *c = arg;
    struct ahead *a = c->ahead;
    struct tlsd_pkt held;
    bool has_held = false;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (a->count == AHEAD_SLOTS && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        bool stop = a->stop;
        struct batch *b = a->slots[a->filling];
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
        batch_fill(c, b, &held, &has_held);
        pthread_mutex_lock(&a->mu);
        a->filling = (a->filling + 1) % AHEAD_SLOTS;
        a->count++;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (b->end != TLSD_CAPERR_OK)
            break;
    }
    return NULL;
}

static void ahead_free(struct ahead *a)
{
    for (size_t i = 0; i < AHEAD_SLOTS; i++) {
        if (a->slots[i])
            free(a->slots[i]->data);
        free(a->slots[i]);
    }
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* Starts the read-ahead thread; without memory or a thread, frames are read on demand. */
static void ahead_start(struct tlsd_capture *c)
{
    struct ahead *a = calloc(1, sizeof *a);
    if (!a)
        return;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    for (size_t i = 0; i < AHEAD_SLOTS; i++) {
        if (!(a->slots[i] = calloc(1, sizeof *a->slots[i])) ||
            !(a->slots[i]->data = malloc(AHEAD_DATA))) {
            ahead_free(a);
            return;
        }
        a->slots[i]->cap = AHEAD_DATA;
    }
    c->ahead = a;
    if (pthread_create(&a->thread, NULL, ahead_main, c) != 0) {
        c->ahead = NULL;
        ahead_free(a);
    }
}

static void ahead_stop(struct tlsd_capture *c)
{
    struct ahead *a = c->ahead;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    ahead_free(a);
    c->ahead = NULL;
}

/* The caller's side: the next frame of the current batch, the next batch when it is
 * used up (handing the old one back to the reader). */
static enum tlsd_caperr ahead_next(struct tlsd_capture *c, struct tlsd_pkt *pkt, char *err,
                                   size_t errlen)
{
    struct ahead *a = c->ahead;
    for (;;) {
        struct batch *b = a->cur;
        if (b && a->pos < b->n) {
            *pkt = b->pkts[a->pos++];
            return TLSD_CAPERR_OK;
        }
        if (b && b->end != TLSD_CAPERR_OK) { /* the last batch: the reader has ended */
            if (err && errlen)
                snprintf(err, errlen, "%s", b->err);
            return b->end;
        }
        pthread_mutex_lock(&a->mu);
        if (b) { /* used up: its slot goes back to the reader */
            a->head = (a->head + 1) % AHEAD_SLOTS;
            a->count--;
            pthread_cond_broadcast(&a->cv);
        }
        while (a->count == 0)
            pthread_cond_wait(&a->cv, &a->mu);
        a->cur = a->slots[a->head];
        pthread_mutex_unlock(&a->mu);
        a->pos = 0;
        c->ahead_stats = a->cur->stats;
    }
}

enum tlsd_caperr tlsd_capture_next(struct tlsd_capture *c, struct tlsd_pkt *pkt, char *err,
                                   size_t errlen)
{
    return c->ahead ? ahead_next(c, pkt, err, errlen) : read_one(c, pkt, err, errlen);
}

int tlsd_capture_linktype(const struct tlsd_capture *c)
{
    return c->dlt;
}

const struct tlsd_capture_stats *tlsd_capture_get_stats(const struct tlsd_capture *c)
{
    /* With read-ahead: the reader's counts after the batch being handed out, complete
     * once tlsd_capture_next returned the end. */
    return c->ahead ? &c->ahead_stats : &c->stats;
}

void tlsd_capture_close(struct tlsd_capture *c)
{
    if (!c)
        return;
    if (c->ahead)
        ahead_stop(c);
    if (c->pcap)
        pcap_close(c->pcap);
    tlsd_ng_close(c->ng);
    tlsd_gz_free(c->gz); /* after the stream that used it is closed */
    free(c->iobuf);
    free(c);
}
