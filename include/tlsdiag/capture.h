/* Capture input: pcap / pcapng files (also gzip-compressed) read through libpcap, and
 * each frame decoded down to its TCP or UDP payload: link types Ethernet, Linux cooked
 * (SLL, SLL2), raw IP, BSD loopback; 802.1Q / QinQ VLAN tags; PPPoE sessions; IPv4
 * (options, fragments) and IPv6 (extension headers); IP-in-IP and 6in4 tunnels.
 *
 * Every byte is read through the codec's bounds-checked reader (tlsdiag/bytes.h). A
 * frame that cannot be decoded is skipped with a counted reason, never a crash. */
#ifndef TLSDIAG_CAPTURE_H
#define TLSDIAG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSD_CAP_WUR __attribute__((warn_unused_result))

/* Why a frame was skipped: name, message. */
#define TLSD_PKT_SKIP_LIST(X)                                                                      \
    X(OK, "decoded")                                                                               \
    X(TRUNCATED, "frame ends inside a header")                                                     \
    X(LINKTYPE, "link type not supported")                                                         \
    X(NOT_IP, "not IP (ARP, LLDP, PPP control, 802.3 LLC, ...)")                                   \
    X(BAD_IP, "invalid IP header (version, header length, total length)")                          \
    X(FRAGMENT, "IP fragment other than the first")                                                \
    X(NOT_TCP_UDP, "IP payload is neither TCP nor UDP")                                            \
    X(BAD_TCP, "invalid TCP header (data offset)")                                                 \
    X(BAD_UDP, "invalid UDP header (length)")                                                      \
    X(TOO_DEEP, "too many nested encapsulations")

enum tlsd_pkt_skip {
#define TLSD_PKT_SKIP_ENUM(name, msg) TLSD_PKT_##name,
    TLSD_PKT_SKIP_LIST(TLSD_PKT_SKIP_ENUM)
#undef TLSD_PKT_SKIP_ENUM
        TLSD_PKT_SKIP_COUNT
};

const char *tlsd_pkt_skip_name(enum tlsd_pkt_skip s); /* "FRAGMENT" */

#define TLSD_TCP_FIN 0x01
#define TLSD_TCP_SYN 0x02
#define TLSD_TCP_RST 0x04
#define TLSD_TCP_PSH 0x08
#define TLSD_TCP_ACK 0x10

#define TLSD_MAX_VLANS 4

/* later - earlier, for capture times (microseconds): a file may hold any 64-bit values,
 * so the difference saturates at INT64_MIN / INT64_MAX instead of overflowing. */
static inline int64_t tlsd_usec_between(int64_t earlier, int64_t later)
{
    int64_t d;
    if (__builtin_sub_overflow(later, earlier, &d))
        return later > earlier ? INT64_MAX : INT64_MIN;
    return d;
}

/* One decoded frame: the innermost IP header and its TCP or UDP segment. */
struct tlsd_pkt {
    uint64_t frame;           /* 1-based frame number, as tshark counts */
    int64_t ts_usec;          /* capture timestamp, microseconds since the epoch */
    uint8_t ip_version;       /* 4 or 6 */
    uint8_t proto;            /* 6 TCP, 17 UDP */
    uint8_t src[16], dst[16]; /* IPv4 addresses in the first 4 bytes */
    uint16_t sport, dport;
    uint32_t seq, ack;             /* TCP */
    uint8_t tcp_flags;             /* TLSD_TCP_* */
    const uint8_t *payload;        /* captured payload (points into the frame) */
    size_t payload_len;            /* captured bytes of it */
    size_t payload_wire_len;       /* its length on the wire (more when the snaplen cut it) */
    uint16_t vlan[TLSD_MAX_VLANS]; /* outermost first */
    unsigned n_vlan;
    unsigned tunnels;    /* IP-in-IP / 6in4 headers stripped */
    bool pppoe;          /* carried in a PPPoE session */
    bool first_fragment; /* IPv4/IPv6 first fragment: the payload continues elsewhere */
};

/* Decodes one frame of link type dlt (a DLT_* value as libpcap's pcap_datalink gives
 * it): caplen bytes captured of wire_len on the wire. TLSD_PKT_OK with *pkt filled
 * (frame and ts_usec untouched), or the reason. */
TLSD_CAP_WUR enum tlsd_pkt_skip tlsd_pkt_decode(int dlt, const uint8_t *frame, size_t caplen,
                                                size_t wire_len, struct tlsd_pkt *pkt);
/* True for the link types tlsd_pkt_decode understands. */
bool tlsd_pkt_linktype_ok(int dlt);

/* Capture reader errors: name, message. */
#define TLSD_CAPERR_LIST(X)                                                                        \
    X(OK, "no error")                                                                              \
    X(END, "end of capture")                                                                       \
    X(OPEN, "cannot open the file")                                                                \
    X(FORMAT, "not a pcap or pcapng capture")                                                      \
    X(LINKTYPE, "link type not supported")                                                         \
    X(READ, "capture file damaged or truncated")                                                   \
    X(NOMEM, "out of memory")                                                                      \
    X(INTERRUPTED, "interrupted by a signal")

enum tlsd_caperr {
#define TLSD_CAPERR_ENUM(name, msg) TLSD_CAPERR_##name,
    TLSD_CAPERR_LIST(TLSD_CAPERR_ENUM)
#undef TLSD_CAPERR_ENUM
        TLSD_CAPERR_COUNT
};

const char *tlsd_caperr_name(enum tlsd_caperr e);
const char *tlsd_caperr_message(enum tlsd_caperr e);

struct tlsd_capture_stats {
    uint64_t frames;                       /* frames read */
    uint64_t bytes;                        /* captured bytes read */
    uint64_t tcp, udp;                     /* frames decoded to TCP / UDP */
    uint64_t truncated_payloads;           /* decoded, but the snaplen cut the payload */
    uint64_t skipped[TLSD_PKT_SKIP_COUNT]; /* by reason ([TLSD_PKT_OK] stays 0) */
};

struct tlsd_capture;

/* Opens a pcap or pcapng file ("-": standard input, not compressed; frames are handed
 * out as they arrive); a gzip-compressed file is decompressed on the fly (zlib). err
 * gets a human-readable reason on failure. */
TLSD_CAP_WUR enum tlsd_caperr tlsd_capture_open_file(const char *path, struct tlsd_capture **out,
                                                     char *err, size_t errlen);
/* Same, over a capture held in memory (not copied: buf must outlive the reader). */
TLSD_CAP_WUR enum tlsd_caperr tlsd_capture_open_mem(const void *buf, size_t len,
                                                    struct tlsd_capture **out, char *err,
                                                    size_t errlen);
/* The next frame that decodes to TCP or UDP (others are counted and skipped).
 * TLSD_CAPERR_END at the end; TLSD_CAPERR_READ when the file is damaged (the frames
 * before it were delivered; the message is in err). *pkt is valid until the next call. */
TLSD_CAP_WUR enum tlsd_caperr tlsd_capture_next(struct tlsd_capture *c, struct tlsd_pkt *pkt,
                                                char *err, size_t errlen);
int tlsd_capture_linktype(const struct tlsd_capture *c);
const struct tlsd_capture_stats *tlsd_capture_get_stats(const struct tlsd_capture *c);
void tlsd_capture_close(struct tlsd_capture *c);

#ifdef __cplusplus
}
#endif

#endif
