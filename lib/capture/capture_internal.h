/* Internals shared by the capture reader's files (lib/capture*.c). */
#ifndef TLSDIAG_CAPTURE_INTERNAL_H
#define TLSDIAG_CAPTURE_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "tlsdiag/capture.h"

/* pcapng read by capture_pcapng.c: each packet with its own interface's link type. */
struct tlsd_ng;
struct tlsd_ng_pkt {
    const uint8_t *data; /* valid until the next call */
    size_t caplen, len;
    int dlt; /* libpcap DLT_ value of the packet's interface */
    int64_t ts_usec;
};

/* Reads from f (owned: closed by tlsd_ng_close), positioned at the first block. NULL
 * when out of memory. */
struct tlsd_ng *tlsd_ng_open(FILE *f);
/* OK, END, READ (damaged: why says so), FORMAT or NOMEM. */
enum tlsd_caperr tlsd_ng_next(struct tlsd_ng *g, struct tlsd_ng_pkt *p, const char **why);
void tlsd_ng_close(struct tlsd_ng *g);
/* libpcap's DLT_ value for a LINKTYPE_ value (they differ for a few). */
int tlsd_dlt_from_linktype(unsigned linktype);

/* gzip read by capture_gzip.c: a stdio stream of the decompressed bytes, every byte
 * before damage handed out first; the damage kept in the state. */
enum tlsd_gz_state {
    TLSD_GZ_OK,
    TLSD_GZ_TRUNCATED, /* the file ends inside the compressed stream */
    TLSD_GZ_CORRUPT,   /* invalid data or a failed CRC-32 / length check */
    TLSD_GZ_IOERR,     /* the file could not be read */
};
struct tlsd_gz;
/* The stream (closed with fclose) and its state (freed with tlsd_gz_free after the
 * stream is closed); NULL with errno set when the file cannot be opened. */
FILE *tlsd_gz_open(const char *path, struct tlsd_gz **state);
/* The state, and why in words (zlib's message) when it is not OK. */
enum tlsd_gz_state tlsd_gz_state(const struct tlsd_gz *g, const char **why);
void tlsd_gz_free(struct tlsd_gz *g);

#endif
