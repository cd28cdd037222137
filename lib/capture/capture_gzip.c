/* A gzip-compressed capture read through zlib's inflate behind a stdio stream, so the
 * pcap and pcapng readers see plain bytes. Unlike gzread, which drops what it had
 * decompressed in a call that meets damage, every byte before the damage is handed out
 * first; the damage is kept as a state (corrupt data, a failed check, or the file
 * ending inside the stream) for the capture reader to name. Concatenated members
 * (RFC 1952 2.2) are read one after the other; bytes after the last member that do not
 * start another one are ignored, as gzip does. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "platform.h"

#include "capture/capture_internal.h"

#define GZ_INPUT_CHUNK ((size_t)1 << 16)
/* zlib: 15-bit window, +16 for a gzip header and trailer (RFC 1952), not zlib's own. */
#define GZ_WINDOW_BITS (15 + 16)

struct tlsd_gz {
    FILE *raw;
    z_stream z;
    bool z_ready;
    bool in_member; /* inside a member: the file ending here is a truncation */
    bool finished;  /* the last member ended, or damage was reported */
    enum tlsd_gz_state state;
    char why[128];
    uint64_t out_bytes; /* decompressed so far */
    unsigned char in[GZ_INPUT_CHUNK];
};

static void gz_fail(struct tlsd_gz *g, enum tlsd_gz_state s, const char *why)
{
    g->state = s;
    g->finished = true;
    snprintf(g->why, sizeof g->why, "%s", why ? why : "");
}

/* More input into the z_stream; false at the end of the file (or a read error). */
static bool gz_fill(struct tlsd_gz *g)
{
    size_t n = fread(g->in, 1, sizeof g->in, g->raw);
    if (n == 0) {
        if (ferror(g->raw))
            gz_fail(g, TLSD_GZ_IOERR, strerror(errno));
        return false;
    }
    g->z.next_in = g->in;
    g->z.avail_in = (uInt)n;
    return true;
}

/* After a member's end: true when another member follows (inflate reset for it). */
static bool gz_next_member(struct tlsd_gz *g)
{
    if (g->z.avail_in == 0 && !gz_fill(g))
        return false;
    if (g->z.avail_in < 2 && g->z.next_in[0] == 0x1f) {
        /* One byte of a possible header left: keep it and read on. */
        unsigned char first = g->z.next_in[0];
        g->in[0] = first;
        size_t n = fread(g->in + 1, 1, sizeof g->in - 1, g->raw);
        g->z.next_in = g->in;
        g->z.avail_in = (uInt)(1 + n);
    }
    /* RFC 1952 2.3.1: ID1 ID2. Anything else after the last member is trailing data. */
    if (g->z.avail_in < 2 || g->z.next_in[0] != 0x1f || g->z.next_in[1] != 0x8b)
        return false;
    return inflateReset(&g->z) == Z_OK;
}

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
    struct tlsd_gz *g = cookie;
    if (g->finished) {
        if (g->state == TLSD_GZ_CORRUPT || g->state == TLSD_GZ_IOERR) {
            errno = EIO;
            return -1;
        }
        return 0;
    }
    if (size > (size_t)UINT32_MAX)
        size = UINT32_MAX;
    g->z.next_out = (Bytef *)buf;
    g->z.avail_out = (uInt)size;
    while (g->z.avail_out > 0 && !g->finished) {
        if (g->z.avail_in == 0 && !gz_fill(g)) {
            if (g->state == TLSD_GZ_OK && g->in_member)
                gz_fail(g, TLSD_GZ_TRUNCATED, "the compressed data ends early");
            g->finished = true;
            break;
        }
        g->in_member = true;
        int rc = inflate(&g->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            g->in_member = false;
            if (!gz_next_member(g))
                g->finished = true;
        } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            gz_fail(g, TLSD_GZ_CORRUPT, g->z.msg ? g->z.msg : "invalid compressed data");
        } else if (rc == Z_MEM_ERROR) {
            gz_fail(g, TLSD_GZ_IOERR, "out of memory");
        } else if (rc == Z_BUF_ERROR && g->z.avail_in > 0) {
            gz_fail(g, TLSD_GZ_CORRUPT, "inflate made no progress");
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            gz_fail(g, TLSD_GZ_CORRUPT, g->z.msg ? g->z.msg : "inflate failed");
        }
    }
    size_t got = size - g->z.avail_out;
    g->out_bytes += got;
    if (got == 0 && (g->state == TLSD_GZ_CORRUPT || g->state == TLSD_GZ_IOERR)) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)got;
}

static int gz_close(void *cookie)
{
    struct tlsd_gz *g = cookie;
    int rc = 0;
    if (g->z_ready)
        (void)inflateEnd(&g->z);
    g->z_ready = false;
    if (g->raw && fclose(g->raw) != 0)
        rc = EOF;
    g->raw = NULL;
    return rc;
}

FILE *tlsd_gz_open(const char *path, struct tlsd_gz **state)
{
    *state = NULL;
    struct tlsd_gz *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    if (!(g->raw = tlsd_fopen(path, "rb"))) {
        int e = errno;
        free(g);
        errno = e;
        return NULL;
    }
    if (inflateInit2(&g->z, GZ_WINDOW_BITS) != Z_OK) {
        fclose(g->raw);
        free(g);
        errno = ENOMEM;
        return NULL;
    }
    g->z_ready = true;
    FILE *f = tlsd_fopen_reader(g, gz_read, gz_close);
    if (!f) {
        (void)gz_close(g);
        free(g);
        return NULL;
    }
    *state = g;
    return f;
}

enum tlsd_gz_state tlsd_gz_state(const struct tlsd_gz *g, const char **why)
{
    if (why)
        *why = g ? g->why : "";
    return g ? g->state : TLSD_GZ_OK;
}

void tlsd_gz_free(struct tlsd_gz *g)
{
    free(g);
}
