/* Capture files through libpcap: pcap and pcapng, plain or gzip-compressed (zlib
 * decompresses on the fly behind a stdio cookie, so memory stays bounded), from a
 * path or from memory. Frames are numbered from 1 as tshark numbers them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "tlsdiag/capture.h"

struct tlsd_capture {
    pcap_t *pcap;
    char *iobuf; /* the FILE's buffer */
    int dlt;
    struct tlsd_capture_stats stats;
};

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

/* stdio cookie functions over a zlib gzFile (gzread passes plain data through). */
static ssize_t gz_cookie_read(void *cookie, char *buf, size_t size)
{
    unsigned chunk = size > (1u << 30) ? (1u << 30) : (unsigned)size;
    int n = gzread((gzFile)cookie, buf, chunk);
    return n < 0 ? -1 : n;
}

static int gz_cookie_close(void *cookie)
{
    return gzclose((gzFile)cookie) == Z_OK ? 0 : EOF;
}

static bool file_is_gzip(const char *path)
{
    unsigned char magic[2] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(magic, 1, 2, f);
    fclose(f);
    return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b; /* RFC 1952 2.3.1 */
}

static FILE *gz_fopen(const char *path)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return NULL;
    cookie_io_functions_t io = {.read = gz_cookie_read, .close = gz_cookie_close};
    FILE *f = fopencookie(gz, "rb", io);
    if (!f)
        (void)gzclose(gz);
    return f;
}

/* libpcap reads every record with two freads; with stdio's default buffer (the file
 * system block, 4 KB) that is a read() per 4 KB. A big buffer makes it one per MB. */
#define READ_BUFFER ((size_t)1 << 20)

/* Takes ownership of f (libpcap closes it). */
static enum tlsd_caperr open_stream(FILE *f, struct tlsd_capture **out, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    struct tlsd_capture *c = calloc(1, sizeof *c);
    if (!c) {
        fclose(f);
        return TLSD_CAPERR_NOMEM;
    }
    /* Freed after the FILE is closed: pcap_close closes it. */
    c->iobuf = malloc(READ_BUFFER);
    if (c->iobuf)
        (void)setvbuf(f, c->iobuf, _IOFBF, READ_BUFFER);
    /* Only this reader uses the stream: no lock around each of libpcap's freads. */
    (void)__fsetlocking(f, FSETLOCKING_BYCALLER);
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
    FILE *f = file_is_gzip(path) ? gz_fopen(path) : fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_OPEN), strerror(errno));
        return TLSD_CAPERR_OPEN;
    }
    return open_stream(f, out, err, errlen);
}

enum tlsd_caperr tlsd_capture_open_mem(const void *buf, size_t len, struct tlsd_capture **out,
                                       char *err, size_t errlen)
{
    *out = NULL;
    if (len == 0) { /* fmemopen refuses an empty buffer */
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_FORMAT), "empty input");
        return TLSD_CAPERR_FORMAT;
    }
    FILE *f = fmemopen((void *)buf, len, "rb");
    if (!f) {
        set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_OPEN), strerror(errno));
        return TLSD_CAPERR_OPEN;
    }
    return open_stream(f, out, err, errlen);
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

enum tlsd_caperr tlsd_capture_next(struct tlsd_capture *c, struct tlsd_pkt *pkt, char *err,
                                   size_t errlen)
{
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(c->pcap, &h, &data);
        if (rc == PCAP_ERROR_BREAK)
            return TLSD_CAPERR_END;
        if (rc != 1) {
            set_err(err, errlen, tlsd_caperr_message(TLSD_CAPERR_READ), pcap_geterr(c->pcap));
            return TLSD_CAPERR_READ;
        }
        c->stats.frames++;
        c->stats.bytes += h->caplen;
        pkt->frame = c->stats.frames;
        pkt->ts_usec = ts_usec(h);
        enum tlsd_pkt_skip s = tlsd_pkt_decode(c->dlt, data, h->caplen, h->len, pkt);
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

int tlsd_capture_linktype(const struct tlsd_capture *c)
{
    return c->dlt;
}

const struct tlsd_capture_stats *tlsd_capture_get_stats(const struct tlsd_capture *c)
{
    return &c->stats;
}

void tlsd_capture_close(struct tlsd_capture *c)
{
    if (!c)
        return;
    pcap_close(c->pcap);
    free(c->iobuf);
    free(c);
}
