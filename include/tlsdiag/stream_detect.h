/* Finding TLS in one direction of a TCP byte stream, on any port: the stream is probed
 * until a record header appears (at its start, or a hello after a plain-text STARTTLS
 * exchange: SMTP, IMAP, POP3, FTP, LDAP, XMPP, PostgreSQL, MySQL ...), then handed to
 * the codec's record reassembler (tlsdiag/record.h). After a malformed message inside
 * intact records the direction probes again from the next chunk, keeping the
 * encryption state; after broken record framing it gives up, as tshark does. */
#ifndef TLSDIAG_STREAM_DETECT_H
#define TLSDIAG_STREAM_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Give up looking for TLS in a direction after this many bytes. */
#define TLSD_SDIR_PROBE_MAX (64u << 10)

enum tlsd_sdir_state {
    TLSD_SDIR_PROBE = 0, /* looking for a record header */
    TLSD_SDIR_TLS,       /* records go through rs */
    TLSD_SDIR_OFF,       /* not TLS, or lost: bytes are ignored */
};

struct tlsd_sdir {
    enum tlsd_sdir_state state;
    uint8_t *probe; /* bytes probed so far */
    size_t probe_len;
    bool resume_encrypted, resume_tls13; /* carried over a resync */
    bool ever_tls;                       /* TLS was found at least once */
    uint64_t skipped;                    /* bytes before TLS (STARTTLS) or not TLS at all */
    uint8_t head[48];                    /* the first bytes of the direction, for reports */
    size_t head_len;
    size_t errors; /* record-layer errors (each followed by a resync or giving up) */
    struct tlsd_err last_err;
    struct tlsd_reasm rs; /* valid in state TLSD_SDIR_TLS */
};

void tlsd_sdir_init(struct tlsd_sdir *d);
void tlsd_sdir_free(struct tlsd_sdir *d);
/* The bytes it has allocated (probe and record buffers), for a memory cap. */
size_t tlsd_sdir_bytes(const struct tlsd_sdir *d);
/* Appends the next bytes of the direction. NOMEM only (the direction is then OFF). */
TLSD_WUR enum tlsd_cerr tlsd_sdir_feed(struct tlsd_sdir *d, const uint8_t *data, size_t len);
/* Bytes that will never come (a TCP gap): the direction probes for TLS again. */
void tlsd_sdir_gap(struct tlsd_sdir *d);
/* The next record-layer event: OK, NEED_MORE, or the error that made the direction
 * resync or give up (also in last_err; returned once, then NEED_MORE). */
TLSD_WUR enum tlsd_cerr tlsd_sdir_next(struct tlsd_sdir *d, struct tlsd_event *ev);

/* Content tests, exposed for the tests: a TLS record header at p (any content type at
 * the start of a stream, a handshake record holding a hello further in); an SSLv2
 * CLIENT-HELLO or SERVER-HELLO behind a 2-byte header. */
bool tlsd_sdir_tls_at(const uint8_t *p, size_t left, bool at_start);
bool tlsd_sdir_ssl2_hello_at(const uint8_t *p, size_t left);

#ifdef __cplusplus
}
#endif

#endif
