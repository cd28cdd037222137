/* pcapng read block by block (capture_internal.h), each packet with the link type of its
 * own interface: `dumpcap -i any -i eth0` writes Linux cooked v2 and Ethernet interfaces
 * in one file, which libpcap refuses ("an interface has a type different from the type
 * of the first interface"). Blocks per draft-ietf-opsawg-pcapng: Section Header (byte
 * order, 4.1), Interface Description (link type, if_tsresol, if_tsoffset, 4.2), Enhanced
 * Packet (4.3), Simple Packet (4.4) and the obsolete Packet Block (Appendix A); any other
 * block is skipped. Every field is read through the bounds-checked reader (bytes.h). */
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture/capture_internal.h"
#include "tlsdiag/bytes.h"

#define NG_SHB          0x0A0D0D0Au
#define NG_IDB          1u
#define NG_PB           2u /* obsolete Packet Block */
#define NG_SPB          3u
#define NG_EPB          6u
#define NG_BOM          0x1A2B3C4Du
#define NG_MIN_BLOCK    12u                /* type, length, trailing length */
#define NG_MAX_BLOCK    ((size_t)16 << 20) /* libpcap's limit, and more than any frame */
#define NG_OPT_END      0
#define NG_OPT_TSRESOL  9
#define NG_OPT_TSOFFSET 14
#define NG_MAX_IFS      4096
#define USEC_PER_SEC    1000000ull
#define LINKTYPE_RAW    101 /* DLT_RAW's number in files; DLT_RAW differs by system */

struct ng_if {
    int dlt;
    uint8_t tsresol; /* bit 7 set: 2^-n seconds, else 10^-n (default 6: microseconds) */
    int64_t tsoffset_sec;
};

struct tlsd_ng {
    FILE *f;
    bool swap; /* the section's byte order is not the reader's (big-endian) */
    struct ng_if *ifs;
    size_t n_ifs;
    uint8_t *blk;
    size_t blk_cap;
    struct tlsd_err err;
};

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static uint16_t bswap16(uint16_t v)
{
    return (uint16_t)(v >> 8 | v << 8);
}

static bool rd32(const struct tlsd_ng *g, struct tlsd_rd *r, uint32_t *v, const char *what)
{
    if (tlsd_rd_u32(r, v, what) != TLSD_CERR_OK)
        return false;
    if (g->swap)
        *v = bswap32(*v);
    return true;
}

static bool rd16(const struct tlsd_ng *g, struct tlsd_rd *r, uint16_t *v, const char *what)
{
    if (tlsd_rd_u16(r, v, what) != TLSD_CERR_OK)
        return false;
    if (g->swap)
        *v = bswap16(*v);
    return true;
}

/* Options (4.2): code, length, value padded to 32 bits; the IDB's two that matter. */
static bool idb_options(const struct tlsd_ng *g, struct tlsd_rd *r, struct ng_if *i)
{
    while (tlsd_rd_left(r) >= 4) {
        uint16_t code, len;
        const uint8_t *v;
        if (!rd16(g, r, &code, "option code") || !rd16(g, r, &len, "option length") ||
            tlsd_rd_bytes(r, &v, len, "option value") != TLSD_CERR_OK)
            return false;
        if (code == NG_OPT_END)
            break;
        if (code == NG_OPT_TSRESOL && len == 1)
            i->tsresol = v[0];
        if (code == NG_OPT_TSOFFSET && len == 8) {
            struct tlsd_rd o;
            uint32_t w[2];
            tlsd_rd_init(&o, v, len, r->err);
            if (!rd32(g, &o, &w[0], "if_tsoffset") || !rd32(g, &o, &w[1], "if_tsoffset"))
                return false;
            uint64_t off = g->swap ? (uint64_t)w[1] << 32 | w[0] : (uint64_t)w[0] << 32 | w[1];
            i->tsoffset_sec = (int64_t)off;
        }
        const uint8_t *pad;
        if (len % 4 && tlsd_rd_bytes(r, &pad, 4 - len % 4, "option padding") != TLSD_CERR_OK)
            return false;
    }
    return true;
}

static bool on_idb(struct tlsd_ng *g, struct tlsd_rd *r)
{
    uint16_t linktype, reserved;
    uint32_t snaplen;
    if (!rd16(g, r, &linktype, "IDB.linktype") || !rd16(g, r, &reserved, "IDB.reserved") ||
        !rd32(g, r, &snaplen, "IDB.snaplen"))
        return false;
    if (g->n_ifs >= NG_MAX_IFS)
        return false;
    struct ng_if *n = realloc(g->ifs, (g->n_ifs + 1) * sizeof *n);
    if (!n)
        return false;
    g->ifs = n;
    struct ng_if *i = &g->ifs[g->n_ifs++];
    *i = (struct ng_if){.dlt = tlsd_dlt_from_linktype(linktype), .tsresol = 6};
    return idb_options(g, r, i);
}

/* A timestamp in the interface's units, in microseconds since the epoch. */
static int64_t ts_usec(const struct ng_if *i, uint64_t t)
{
    uint64_t usec;
    unsigned n = i->tsresol & 0x7f;
    if (i->tsresol & 0x80) { /* 2^-n seconds */
        uint64_t sec = n < 64 ? t >> n : 0, frac = n < 64 ? t & ((1ull << n) - 1) : t;
        usec = sec * USEC_PER_SEC + (n < 44 ? (frac * USEC_PER_SEC) >> n : 0);
    } else {
        usec = t;
        for (unsigned k = n; k > 6; k--)
            usec /= 10;
        for (unsigned k = n; k < 6; k++)
            usec *= 10;
    }
    return (int64_t)usec + i->tsoffset_sec * (int64_t)USEC_PER_SEC;
}

/* EPB (4.3) and the obsolete PB (Appendix A): interface, timestamp, lengths, data. */
static bool on_packet(struct tlsd_ng *g, struct tlsd_rd *r, uint32_t type, struct tlsd_ng_pkt *p)
{
    uint32_t ifid, hi, lo, caplen, len;
    if (type == NG_PB) {
        uint16_t id16, drops;
        if (!rd16(g, r, &id16, "PB.interface_id") || !rd16(g, r, &drops, "PB.drops_count"))
            return false;
        ifid = id16;
    } else if (!rd32(g, r, &ifid, "EPB.interface_id")) {
        return false;
    }
    if (!rd32(g, r, &hi, "timestamp") || !rd32(g, r, &lo, "timestamp") ||
        !rd32(g, r, &caplen, "captured length") || !rd32(g, r, &len, "original length") ||
        ifid >= g->n_ifs || tlsd_rd_bytes(r, &p->data, caplen, "packet data") != TLSD_CERR_OK)
        return false;
    p->caplen = caplen;
    p->len = len;
    p->dlt = g->ifs[ifid].dlt;
    p->ts_usec = ts_usec(&g->ifs[ifid], (uint64_t)hi << 32 | lo);
    return true;
}

/* SPB (4.4): interface 0, no timestamp; the data is what the block holds. */
static bool on_spb(struct tlsd_ng *g, struct tlsd_rd *r, struct tlsd_ng_pkt *p)
{
    uint32_t len;
    if (!g->n_ifs || !rd32(g, r, &len, "SPB.original_length"))
        return false;
    size_t caplen = tlsd_rd_left(r) < len ? tlsd_rd_left(r) : len;
    if (tlsd_rd_bytes(r, &p->data, caplen, "packet data") != TLSD_CERR_OK)
        return false;
    p->caplen = caplen;
    p->len = len;
    p->dlt = g->ifs[0].dlt;
    p->ts_usec = 0;
    return true;
}

static bool reserve(struct tlsd_ng *g, size_t n)
{
    if (n <= g->blk_cap)
        return true;
    uint8_t *b = realloc(g->blk, n);
    if (!b)
        return false;
    g->blk = b;
    g->blk_cap = n;
    return true;
}

/* Reads the next block into g->blk: its type and body. A Section Header's byte-order
 * magic, right after its length, tells the byte order of everything up to the next. */
static enum tlsd_caperr read_block(struct tlsd_ng *g, uint32_t *type, struct tlsd_rd *body)
{
    static const uint8_t shb[4] = {0x0A, 0x0D, 0x0D, 0x0A}, bom_be[4] = {0x1A, 0x2B, 0x3C, 0x4D};
    uint8_t head[12];
    size_t got = fread(head, 1, 8, g->f), pre = 0;
    if (got == 0 && feof(g->f))
        return TLSD_CAPERR_END;
    if (got != 8)
        return TLSD_CAPERR_READ;
    if (memcmp(head, shb, sizeof shb) == 0) {
        if (fread(head + 8, 1, 4, g->f) != 4)
            return TLSD_CAPERR_READ;
        g->swap = memcmp(head + 8, bom_be, sizeof bom_be) != 0;
        pre = 4; /* the magic, read already, is the body's start */
    }
    struct tlsd_rd r;
    uint32_t len;
    tlsd_rd_init(&r, head, 8, &g->err);
    if (!rd32(g, &r, type, "block type") || !rd32(g, &r, &len, "block length") ||
        len < NG_MIN_BLOCK + pre || len > NG_MAX_BLOCK || len % 4)
        return TLSD_CAPERR_READ;
    size_t body_len = len - NG_MIN_BLOCK;
    if (!reserve(g, body_len + 1))
        return TLSD_CAPERR_NOMEM;
    memcpy(g->blk, head + 8, pre);
    uint8_t tail[4];
    if (fread(g->blk + pre, 1, body_len - pre, g->f) != body_len - pre ||
        fread(tail, 1, sizeof tail, g->f) != sizeof tail)
        return TLSD_CAPERR_READ;
    tlsd_rd_init(body, g->blk, body_len, &g->err);
    return TLSD_CAPERR_OK;
}

/* SHB (4.1): a new section; its interfaces start from 0 again. */
static bool on_shb(struct tlsd_ng *g, struct tlsd_rd *r)
{
    uint32_t bom;
    uint16_t major, minor;
    g->n_ifs = 0;
    return rd32(g, r, &bom, "SHB.byte_order_magic") && bom == NG_BOM &&
           rd16(g, r, &major, "SHB.major_version") && major == 1 &&
           rd16(g, r, &minor, "SHB.minor_version");
}

enum tlsd_caperr tlsd_ng_next(struct tlsd_ng *g, struct tlsd_ng_pkt *p, const char **why)
{
    for (;;) {
        uint32_t type;
        struct tlsd_rd body;
        enum tlsd_caperr rc = read_block(g, &type, &body);
        *why = "damaged pcapng block";
        if (rc != TLSD_CAPERR_OK)
            return rc;
        bool ok = true;
        if (type == NG_SHB)
            ok = on_shb(g, &body);
        else if (type == NG_IDB)
            ok = on_idb(g, &body);
        else if (type == NG_EPB || type == NG_PB || type == NG_SPB)
            return (type == NG_SPB ? on_spb(g, &body, p) : on_packet(g, &body, type, p))
                       ? TLSD_CAPERR_OK
                       : TLSD_CAPERR_READ;
        if (!ok)
            return TLSD_CAPERR_READ;
    }
}

int tlsd_dlt_from_linktype(unsigned linktype)
{
    return linktype == LINKTYPE_RAW ? DLT_RAW : (int)linktype;
}

struct tlsd_ng *tlsd_ng_open(FILE *f)
{
    struct tlsd_ng *g = calloc(1, sizeof *g);
    if (g)
        g->f = f;
    return g;
}

void tlsd_ng_close(struct tlsd_ng *g)
{
    if (!g)
        return;
    fclose(g->f);
    free(g->ifs);
    free(g->blk);
    free(g);
}
