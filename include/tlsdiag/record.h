/* The record layer: SSLv2 records (2- and 3-byte headers) and SSLv3/TLS records
 * (RFC 5246 6.2, RFC 8446 5.1), and a streaming reassembler that turns one direction
 * of a connection, fed in arbitrary chunks as they come from TCP, into whole
 * handshake messages, alerts, ChangeCipherSpec and application data. */
#ifndef TLSDIAG_RECORD_H
#define TLSDIAG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/bytes.h"

#include "tlsdiag/registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Content types: enum tlsd_content_type_code (TLSD_CT_*), tlsdiag/registry_codes.h. */

/* RFC 5246 6.2.1 / 6.2.3, RFC 8446 5.1 / 5.2. */
#define TLSD_MAX_PLAINTEXT      16384u
#define TLSD_MAX_CIPHERTEXT_12  (16384u + 2048u)
#define TLSD_MAX_CIPHERTEXT_13  (16384u + 256u)
#define TLSD_SSL2_MAX_RECORD    32767u
#define TLSD_MAX_HANDSHAKE_SIZE (1u << 20) /* larger messages are refused (MSG_TOO_LARGE) */

#define TLSD_SSL2_HEADER 0x100 /* content_type of an SSLv2 record in struct tlsd_record */

struct tlsd_record {
    unsigned content_type; /* 20..24, or TLSD_SSL2_HEADER */
    uint16_t version;      /* record version; 0x0002 for SSLv2 */
    unsigned header_len;   /* 5, or 2/3 for SSLv2 */
    uint8_t ssl2_padding;  /* SSLv2 3-byte header only */
    const uint8_t *frag;   /* the fragment (points into the input) */
    size_t len;
};

/* Parses one record at the start of buf. NEED_MORE when buf holds only part of it
 * (*need, when not NULL, is the total size needed, if known). sslv2: parse an SSLv2
 * header; tlsd_record_looks_sslv2 tells from the first bytes of a stream.
 * max_len: fragment limit (0 = TLSD_MAX_CIPHERTEXT_12). */
TLSD_WUR enum tlsd_cerr tlsd_record_parse(const uint8_t *buf, size_t len, bool sslv2,
                                          size_t max_len, struct tlsd_record *rec, size_t *need,
                                          struct tlsd_err *err);
/* True when a stream starting with these bytes is SSLv2 (2-byte header, high bit set). */
bool tlsd_record_looks_sslv2(const uint8_t *buf, size_t len);
/* True for the record versions 0x0300..0x0304. */
bool tlsd_record_version_ok(uint16_t v);

enum tlsd_event_kind {
    TLSD_EV_HANDSHAKE = 1, /* a whole handshake message (4-byte header included) */
    TLSD_EV_ALERT,         /* level, description (a record of exactly 2 bytes) */
    TLSD_EV_CCS,           /* ChangeCipherSpec */
    TLSD_EV_APPDATA,       /* application data (or TLS 1.3 encrypted records) */
    TLSD_EV_ENCRYPTED,     /* a protected record, counted not parsed: any record after
                            * encryption started; an alert record not 2 bytes long; a
                            * handshake record starting with a type no TLS peer sends in
                            * the clear (registry column tls) */
    TLSD_EV_HEARTBEAT,
    TLSD_EV_SSL2, /* an SSLv2 message (first byte: message type) */
};

struct tlsd_event {
    enum tlsd_event_kind kind;
    unsigned content_type; /* of the record that carried it (completed it) */
    uint16_t version;      /* record version */
    uint8_t hs_type;       /* TLSD_EV_HANDSHAKE: msg_type; TLSD_EV_SSL2: message type */
    uint8_t alert_level;   /* TLSD_EV_ALERT */
    uint8_t alert_desc;    /* TLSD_EV_ALERT */
    const uint8_t *data;   /* whole message / record fragment; valid until next call */
    size_t len;
    size_t record_index; /* 0-based index of the record that completed it */
};

struct tlsd_reasm_stats {
    size_t records, bytes, handshake_msgs, alerts, ccs, appdata_records, encrypted_records;
    /* handshake records that completed no message (the start or a middle piece of a
     * message that ends in a later record); every other record yields an event */
    size_t hs_fragment_records;
};

/* One direction of one connection. Zero-initialise via tlsd_reasm_init.
 * SSLv2 or TLS framing is decided from the first byte; after a version 2 compatible
 * CLIENT-HELLO (RFC 5246 E.2) the framing switches to TLS by itself as soon as the
 * next bytes are a TLS record header. */
struct tlsd_reasm {
    uint8_t *in; /* unparsed input */
    size_t in_len, in_cap, in_off;
    uint8_t *hs; /* handshake bytes not yet a whole message */
    size_t hs_len, hs_cap;
    const uint8_t *rec_frag; /* current record's fragment, partly delivered */
    size_t rec_len;
    struct tlsd_record rec;
    bool rec_active;
    bool hs_delivered; /* the message at the start of hs was handed out */
    bool started, sslv2, encrypted, tls13;
    bool ssl2_compat;  /* a v2-compatible CLIENT-HELLO was read: TLS records may follow */
    bool auto_encrypt; /* detect the start of encryption (default true) */
    /* Opt-in (a capture analyser, which reads every event before the next bytes come):
     * bytes fed while nothing is buffered are read where they are, not copied into in;
     * what is left of them is copied when tlsd_reasm_next returns NEED_MORE (or at the
     * next feed). The caller keeps the fed bytes valid until then. */
    bool borrow;
    const uint8_t *view; /* the borrowed bytes (in_off and in_len then count in them) */
    size_t record_index;
    struct tlsd_reasm_stats stats;
    struct tlsd_err err; /* first fatal error; the stream is dead after it */
};

void tlsd_reasm_init(struct tlsd_reasm *r);
void tlsd_reasm_free(struct tlsd_reasm *r);
/* The bytes it has allocated (its buffers), for a memory cap. */
size_t tlsd_reasm_bytes(const struct tlsd_reasm *r);
/* Appends bytes (any chunking). NOMEM only. */
TLSD_WUR enum tlsd_cerr tlsd_reasm_feed(struct tlsd_reasm *r, const void *data, size_t len);
/* Next event: OK with *ev set, NEED_MORE when the buffered bytes hold no further
 * event, or a fatal error (also kept in r->err). */
TLSD_WUR enum tlsd_cerr tlsd_reasm_next(struct tlsd_reasm *r, struct tlsd_event *ev);
/* From now on records are encrypted: their bodies are counted, not parsed. Called
 * automatically (auto_encrypt) after ChangeCipherSpec in TLS <= 1.2, after a TLS 1.3
 * ServerHello its caller reports (tlsd_reasm_server_hello), after SSLv2 SERVER-HELLO /
 * CLIENT-MASTER-KEY. A capture analyser calls it for a stream taken up in the middle. */
void tlsd_reasm_set_encrypted(struct tlsd_reasm *r, bool tls13);
/* A ServerHello as its caller parsed it (the record layer does not parse it again), for
 * either direction of the connection: the version the server chose (its
 * supported_versions answer) and whether it was a HelloRetryRequest. A TLS 1.3 choice
 * that is not an HRR starts encryption (auto_encrypt): for the server's direction after
 * this message (call it before asking for the next event), for the client's from its
 * next record. After an HRR the client goes on in the clear, and its ChangeCipherSpec is
 * the TLS 1.3 compatibility no-op (RFC 8446 4.1.4, D.4), not the start of encryption. */
void tlsd_reasm_server_hello(struct tlsd_reasm *r, uint16_t version, bool hrr);
/* True when the buffered bytes end on a record boundary (nothing partial pending). */
bool tlsd_reasm_idle(const struct tlsd_reasm *r);

#ifdef __cplusplus
}
#endif

#endif
