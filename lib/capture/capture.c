/* Frame decoding, link layer to TCP/UDP, through the one bounds-checked reader. */
#include <stdint.h>
#include <string.h>

#include <pcap/pcap.h>

#include "tlsdiag/bytes.h"
#include "tlsdiag/capture.h"

#define ETH_IPV4   0x0800
#define ETH_IPV6   0x86dd
#define ETH_VLAN   0x8100 /* IEEE 802.1Q */
#define ETH_QINQ   0x88a8 /* IEEE 802.1ad */
#define ETH_QINQ_9 0x9100 /* pre-standard QinQ */
#define ETH_PPPOE  0x8864 /* PPPoE session stage (RFC 2516) */
#define PPP_IPV4   0x0021
#define PPP_IPV6   0x0057

#define IPPROTO_V_HOPOPTS  0
#define IPPROTO_V_IPIP     4
#define IPPROTO_V_TCP      6
#define IPPROTO_V_UDP      17
#define IPPROTO_V_IPV6     41
#define IPPROTO_V_ROUTING  43
#define IPPROTO_V_FRAGMENT 44
#define IPPROTO_V_AH       51
#define IPPROTO_V_DSTOPTS  60
#define IPPROTO_V_MOBILITY 135
#define IPPROTO_V_HIP      139
#define IPPROTO_V_SHIM6    140

#define LEN_UNKNOWN SIZE_MAX
#define MAX_DEPTH   8 /* VLAN tags + tunnels + extension headers, in total */

static const char *const skip_names[] = {
#define SKIP_NAME(name, msg) #name,
    TLSD_PKT_SKIP_LIST(SKIP_NAME)
#undef SKIP_NAME
};
const char *tlsd_pkt_skip_name(enum tlsd_pkt_skip s)
{
    return (unsigned)s < TLSD_PKT_SKIP_COUNT ? skip_names[s] : "?";
}

/* Decoding state of one frame: the reader over what is left, and the depth so far. */
struct dec {
    struct tlsd_rd r;
    struct tlsd_err err;
    struct tlsd_pkt *pkt;
    unsigned depth;
    bool cut; /* the snaplen cut the frame: lengths beyond it are real */
};

#define NEED(expr)                                                                                 \
    do {                                                                                           \
        if ((expr) != TLSD_CERR_OK)                                                                \
            return TLSD_PKT_TRUNCATED;                                                             \
    } while (0)

static enum tlsd_pkt_skip dec_ip(struct dec *d, unsigned version);

static enum tlsd_pkt_skip dec_skip(struct dec *d, size_t n, const char *what)
{
    const uint8_t *unused;
    NEED(tlsd_rd_bytes(&d->r, &unused, n, what));
    return TLSD_PKT_OK;
}

/* The IP version from the first nibble, for link types without a protocol field. */
static enum tlsd_pkt_skip dec_ip_by_nibble(struct dec *d)
{
    struct tlsd_rd peek = d->r;
    uint8_t v;
    NEED(tlsd_rd_u8(&peek, &v, "IP.version"));
    if (v >> 4 != 4 && v >> 4 != 6)
        return TLSD_PKT_BAD_IP;
    return dec_ip(d, v >> 4);
}

/* PPPoE session header (RFC 2516 4) and the PPP protocol field (RFC 1661 2). */
static enum tlsd_pkt_skip dec_pppoe(struct dec *d)
{
    uint8_t ver_type, code;
    uint16_t session, len, proto;
    NEED(tlsd_rd_u8(&d->r, &ver_type, "PPPoE.ver_type"));
    NEED(tlsd_rd_u8(&d->r, &code, "PPPoE.code"));
    NEED(tlsd_rd_u16(&d->r, &session, "PPPoE.session"));
    NEED(tlsd_rd_u16(&d->r, &len, "PPPoE.length"));
    NEED(tlsd_rd_u16(&d->r, &proto, "PPP.protocol"));
    d->pkt->pppoe = true;
    if (len < 2)
        return TLSD_PKT_NOT_IP;
    /* The PPPoE length (which counts the PPP protocol field) bounds the IP packet;
     * what follows it is Ethernet padding. */
    size_t ip_len = (size_t)len - 2;
    if (tlsd_rd_left(&d->r) > ip_len)
        d->r.end = d->r.p + ip_len;
    if (proto == PPP_IPV4)
        return dec_ip(d, 4);
    if (proto == PPP_IPV6)
        return dec_ip(d, 6);
    return TLSD_PKT_NOT_IP;
}

/* An EtherType and what follows it: VLAN tags (802.1Q, 802.1ad), PPPoE, IP. */
static enum tlsd_pkt_skip dec_ethertype(struct dec *d, uint16_t type)
{
    while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_9) {
        uint16_t tci;
        if (++d->depth > MAX_DEPTH)
            return TLSD_PKT_TOO_DEEP;
        NEED(tlsd_rd_u16(&d->r, &tci, "VLAN.tci"));
        NEED(tlsd_rd_u16(&d->r, &type, "VLAN.type"));
        if (d->pkt->n_vlan < TLSD_MAX_VLANS)
            d->pkt->vlan[d->pkt->n_vlan++] = tci & 0x0fff;
    }
    if (type == ETH_IPV4)
        return dec_ip(d, 4);
    if (type == ETH_IPV6)
        return dec_ip(d, 6);
    if (type == ETH_PPPOE)
        return dec_pppoe(d);
    return TLSD_PKT_NOT_IP;
}

static enum tlsd_pkt_skip dec_ethernet(struct dec *d)
{
    uint16_t type;
    enum tlsd_pkt_skip s = dec_skip(d, 12, "Ethernet.addresses");
    if (s != TLSD_PKT_OK)
        return s;
    NEED(tlsd_rd_u16(&d->r, &type, "Ethernet.type"));
    if (type <= 1500) /* an 802.3 length: LLC, not IP */
        return TLSD_PKT_NOT_IP;
    return dec_ethertype(d, type);
}

/* Linux cooked capture v1: type, ARPHRD, address length, 8 address bytes, protocol. */
static enum tlsd_pkt_skip dec_sll(struct dec *d)
{
    uint16_t proto;
    enum tlsd_pkt_skip s = dec_skip(d, 14, "SLL.header");
    if (s != TLSD_PKT_OK)
        return s;
    NEED(tlsd_rd_u16(&d->r, &proto, "SLL.protocol"));
    return dec_ethertype(d, proto);
}

/* Linux cooked capture v2: protocol first, 20 bytes in all. */
static enum tlsd_pkt_skip dec_sll2(struct dec *d)
{
    uint16_t proto;
    NEED(tlsd_rd_u16(&d->r, &proto, "SLL2.protocol"));
    enum tlsd_pkt_skip s = dec_skip(d, 18, "SLL2.header");
    if (s != TLSD_PKT_OK)
        return s;
    return dec_ethertype(d, proto);
}

/* BSD loopback: a 4-byte address family, host order for DLT_NULL, network order for
 * DLT_LOOP. AF_INET6 differs between systems (10 Linux, 24 NetBSD/OpenBSD, 28
 * FreeBSD, 30 macOS). */
static enum tlsd_pkt_skip dec_loopback(struct dec *d, bool host_order)
{
    uint32_t af;
    NEED(tlsd_rd_u32(&d->r, &af, "loopback.family"));
    if (host_order && af > 0xffff)
        af = __builtin_bswap32(af);
    if (af == 2)
        return dec_ip(d, 4);
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return dec_ip(d, 6);
    return TLSD_PKT_NOT_IP;
}

/* TCP header (RFC 9293 3.1); the payload is what the IP length leaves after it. */
static enum tlsd_pkt_skip dec_tcp(struct dec *d, size_t wire_len)
{
    struct tlsd_pkt *p = d->pkt;
    uint16_t off_flags, win, csum, urg;
    NEED(tlsd_rd_u16(&d->r, &p->sport, "TCP.sport"));
    NEED(tlsd_rd_u16(&d->r, &p->dport, "TCP.dport"));
    NEED(tlsd_rd_u32(&d->r, &p->seq, "TCP.seq"));
    NEED(tlsd_rd_u32(&d->r, &p->ack, "TCP.ack"));
    NEED(tlsd_rd_u16(&d->r, &off_flags, "TCP.offset_flags"));
    NEED(tlsd_rd_u16(&d->r, &win, "TCP.window"));
    NEED(tlsd_rd_u16(&d->r, &csum, "TCP.checksum"));
    NEED(tlsd_rd_u16(&d->r, &urg, "TCP.urgent"));
    size_t hlen = (size_t)(off_flags >> 12) * 4;
    if (hlen < 20 || hlen > wire_len)
        return TLSD_PKT_BAD_TCP;
    enum tlsd_pkt_skip s = dec_skip(d, hlen - 20, "TCP.options");
    if (s != TLSD_PKT_OK)
        return s;
    p->proto = IPPROTO_V_TCP;
    p->tcp_flags = off_flags & 0xff;
    p->payload_len = tlsd_rd_left(&d->r);
    p->payload_wire_len = wire_len - hlen;
    return tlsd_rd_bytes(&d->r, &p->payload, p->payload_len, "TCP.payload") == TLSD_CERR_OK
               ? TLSD_PKT_OK
               : TLSD_PKT_TRUNCATED;
}

/* VXLAN (RFC 7348 5): flags (I bit set), VNI, then an Ethernet frame. */
static enum tlsd_pkt_skip dec_vxlan(struct dec *d)
{
    uint8_t flags;
    NEED(tlsd_rd_u8(&d->r, &flags, "VXLAN.flags"));
    enum tlsd_pkt_skip s = dec_skip(d, 7, "VXLAN.vni");
    if (s != TLSD_PKT_OK)
        return s;
    if (!(flags & 0x08))
        return TLSD_PKT_NOT_IP;
    return dec_ethernet(d);
}

/* Geneve (RFC 8926 3.4): options, then a frame of the given protocol type. */
static enum tlsd_pkt_skip dec_geneve(struct dec *d)
{
    uint8_t ver_opt, flags;
    uint16_t proto;
    NEED(tlsd_rd_u8(&d->r, &ver_opt, "Geneve.version_optlen"));
    NEED(tlsd_rd_u8(&d->r, &flags, "Geneve.flags"));
    NEED(tlsd_rd_u16(&d->r, &proto, "Geneve.protocol"));
    enum tlsd_pkt_skip s = dec_skip(d, 4 + (size_t)(ver_opt & 0x3f) * 4, "Geneve.vni_options");
    if (s != TLSD_PKT_OK)
        return s;
    if (ver_opt >> 6 != 0)
        return TLSD_PKT_NOT_IP;
    return proto == 0x6558 ? dec_ethernet(d) : dec_ethertype(d, proto);
}

/* GTPv1-U (3GPP TS 29.281 5.1): a G-PDU (type 255) carries an IP packet; the
 * optional fields come when any of E, S, PN is set, then extension headers (5.2),
 * each a length in 4-byte units and a next type. */
static enum tlsd_pkt_skip dec_gtpu(struct dec *d)
{
    uint8_t flags, type, next = 0;
    uint16_t len;
    NEED(tlsd_rd_u8(&d->r, &flags, "GTP-U.flags"));
    NEED(tlsd_rd_u8(&d->r, &type, "GTP-U.type"));
    NEED(tlsd_rd_u16(&d->r, &len, "GTP-U.length"));
    enum tlsd_pkt_skip s = dec_skip(d, 4, "GTP-U.teid");
    if (s == TLSD_PKT_OK && (flags & 0x07)) {
        s = dec_skip(d, 3, "GTP-U.sequence_npdu");
        NEED(tlsd_rd_u8(&d->r, &next, "GTP-U.next_extension"));
    }
    while (s == TLSD_PKT_OK && next != 0) {
        uint8_t units;
        if (++d->depth > MAX_DEPTH)
            return TLSD_PKT_TOO_DEEP;
        NEED(tlsd_rd_u8(&d->r, &units, "GTP-U.extension_length"));
        if (units == 0)
            return TLSD_PKT_NOT_IP;
        s = dec_skip(d, (size_t)units * 4 - 2, "GTP-U.extension");
        NEED(tlsd_rd_u8(&d->r, &next, "GTP-U.next_extension"));
    }
    if (s != TLSD_PKT_OK)
        return s;
    if (flags >> 5 != 1 || type != 255) /* version 1, G-PDU */
        return TLSD_PKT_NOT_IP;
    return dec_ip_by_nibble(d);
}

/* UDP tunnels on their IANA ports, as tshark decodes them: VXLAN 4789, Geneve 6081,
 * GTP-U 2152. The inner frame's headers replace the outer ones. */
static enum tlsd_pkt_skip dec_udp_tunnel(struct dec *d)
{
    struct tlsd_pkt *p = d->pkt;
    if (p->dport != 4789 && p->dport != 6081 && p->dport != 2152)
        return TLSD_PKT_OK;
    if (++d->depth > MAX_DEPTH)
        return TLSD_PKT_TOO_DEEP;
    p->tunnels++;
    tlsd_rd_init(&d->r, p->payload, p->payload_len, &d->err);
    if (p->dport == 2152)
        return dec_gtpu(d);
    return p->dport == 4789 ? dec_vxlan(d) : dec_geneve(d);
}

/* UDP header (RFC 768). */
static enum tlsd_pkt_skip dec_udp(struct dec *d, size_t wire_len)
{
    struct tlsd_pkt *p = d->pkt;
    uint16_t len, csum;
    NEED(tlsd_rd_u16(&d->r, &p->sport, "UDP.sport"));
    NEED(tlsd_rd_u16(&d->r, &p->dport, "UDP.dport"));
    NEED(tlsd_rd_u16(&d->r, &len, "UDP.length"));
    NEED(tlsd_rd_u16(&d->r, &csum, "UDP.checksum"));
    if (len < 8 || len > wire_len)
        return TLSD_PKT_BAD_UDP;
    p->proto = IPPROTO_V_UDP;
    p->payload_wire_len = len - 8u;
    p->payload_len = tlsd_rd_left(&d->r);
    if (p->payload_len > p->payload_wire_len)
        p->payload_len = p->payload_wire_len;
    NEED(tlsd_rd_bytes(&d->r, &p->payload, p->payload_len, "UDP.payload"));
    return dec_udp_tunnel(d);
}

/* Narrows the reader to the IP payload: wire_len bytes on the wire, of which the
 * captured ones (fewer when the snaplen cut the frame). Ethernet padding after the
 * IP packet is dropped here. LEN_UNKNOWN ("use what was captured") stands for a zero
 * IP length, which TSO offload leaves in captures taken on the sending host. In a
 * frame captured whole, an IP length beyond its end is bogus and clamped (as
 * tshark does: "IPv4 total length exceeds packet length"). */
static void dec_narrow(struct dec *d, size_t *wire_len)
{
    size_t left = tlsd_rd_left(&d->r);
    if (*wire_len == LEN_UNKNOWN || (!d->cut && *wire_len > left))
        *wire_len = left;
    if (left > *wire_len)
        d->r.end = d->r.p + *wire_len;
}

static enum tlsd_pkt_skip dec_transport(struct dec *d, uint8_t proto, size_t wire_len)
{
    if (++d->depth > MAX_DEPTH)
        return TLSD_PKT_TOO_DEEP;
    dec_narrow(d, &wire_len);
    if (proto == IPPROTO_V_TCP)
        return dec_tcp(d, wire_len);
    if (proto == IPPROTO_V_UDP)
        return dec_udp(d, wire_len);
    if (proto == IPPROTO_V_IPIP || proto == IPPROTO_V_IPV6) {
        /* IP-in-IP (RFC 2003), 6in4 (RFC 4213): the inner header is the one kept. */
        d->pkt->tunnels++;
        d->pkt->first_fragment = false;
        return dec_ip(d, proto == IPPROTO_V_IPIP ? 4 : 6);
    }
    return TLSD_PKT_NOT_TCP_UDP;
}

/* IPv4 header (RFC 791 3.1): options skipped; fragments other than the first are
 * skipped, since their bytes belong to a transport header we did not see. */
static enum tlsd_pkt_skip dec_ipv4(struct dec *d)
{
    struct tlsd_pkt *p = d->pkt;
    uint8_t vihl, tos, ttl, proto;
    uint16_t total, id, frag, csum;
    NEED(tlsd_rd_u8(&d->r, &vihl, "IPv4.version_ihl"));
    NEED(tlsd_rd_u8(&d->r, &tos, "IPv4.tos"));
    NEED(tlsd_rd_u16(&d->r, &total, "IPv4.total_length"));
    NEED(tlsd_rd_u16(&d->r, &id, "IPv4.id"));
    NEED(tlsd_rd_u16(&d->r, &frag, "IPv4.fragment"));
    NEED(tlsd_rd_u8(&d->r, &ttl, "IPv4.ttl"));
    NEED(tlsd_rd_u8(&d->r, &proto, "IPv4.protocol"));
    NEED(tlsd_rd_u16(&d->r, &csum, "IPv4.checksum"));
    memset(p->src, 0, sizeof p->src);
    memset(p->dst, 0, sizeof p->dst);
    NEED(tlsd_rd_copy(&d->r, p->src, 4, "IPv4.src"));
    NEED(tlsd_rd_copy(&d->r, p->dst, 4, "IPv4.dst"));
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    if (vihl >> 4 != 4 || hlen < 20 || (total != 0 && total < hlen))
        return TLSD_PKT_BAD_IP;
    enum tlsd_pkt_skip s = dec_skip(d, hlen - 20, "IPv4.options");
    if (s != TLSD_PKT_OK)
        return s;
    p->ip_version = 4;
    if ((frag & 0x1fff) != 0)
        return TLSD_PKT_FRAGMENT;
    p->first_fragment = (frag & 0x2000) != 0;
    return dec_transport(d, proto, total == 0 ? LEN_UNKNOWN : total - hlen);
}

/* An IPv6 extension header (RFC 8200 4): skipped; a fragment header with a non-zero
 * offset ends decoding. *next becomes the following header. */
static enum tlsd_pkt_skip dec_ipv6_ext(struct dec *d, uint8_t *next, size_t *wire_len)
{
    uint8_t nh, hlen;
    struct tlsd_rd start = d->r;
    NEED(tlsd_rd_u8(&d->r, &nh, "IPv6.ext.next"));
    NEED(tlsd_rd_u8(&d->r, &hlen, "IPv6.ext.length"));
    size_t total = (size_t)hlen * 8 + 8;
    if (*next == IPPROTO_V_FRAGMENT) {
        uint16_t off;
        total = 8;
        NEED(tlsd_rd_u16(&d->r, &off, "IPv6.fragment.offset"));
        if ((off & 0xfff8) != 0)
            return TLSD_PKT_FRAGMENT;
        d->pkt->first_fragment = (off & 1) != 0;
    } else if (*next == IPPROTO_V_AH) {
        total = ((size_t)hlen + 2) * 4; /* RFC 4302 2.2: in 32-bit words, minus 2 */
    }
    d->r = start;
    if (total > *wire_len)
        return TLSD_PKT_BAD_IP;
    enum tlsd_pkt_skip s = dec_skip(d, total, "IPv6.extension");
    *wire_len -= total;
    *next = nh;
    return s;
}

static bool ipv6_is_ext(uint8_t nh)
{
    return nh == IPPROTO_V_HOPOPTS || nh == IPPROTO_V_ROUTING || nh == IPPROTO_V_FRAGMENT ||
           nh == IPPROTO_V_AH || nh == IPPROTO_V_DSTOPTS || nh == IPPROTO_V_MOBILITY ||
           nh == IPPROTO_V_HIP || nh == IPPROTO_V_SHIM6;
}

/* IPv6 header (RFC 8200 3). */
static enum tlsd_pkt_skip dec_ipv6(struct dec *d)
{
    struct tlsd_pkt *p = d->pkt;
    uint32_t vtf;
    uint16_t plen;
    uint8_t next, hop;
    NEED(tlsd_rd_u32(&d->r, &vtf, "IPv6.version"));
    NEED(tlsd_rd_u16(&d->r, &plen, "IPv6.payload_length"));
    NEED(tlsd_rd_u8(&d->r, &next, "IPv6.next_header"));
    NEED(tlsd_rd_u8(&d->r, &hop, "IPv6.hop_limit"));
    NEED(tlsd_rd_copy(&d->r, p->src, 16, "IPv6.src"));
    NEED(tlsd_rd_copy(&d->r, p->dst, 16, "IPv6.dst"));
    if (vtf >> 28 != 6)
        return TLSD_PKT_BAD_IP;
    p->ip_version = 6;
    size_t wire_len = plen == 0 ? LEN_UNKNOWN : plen;
    dec_narrow(d, &wire_len);
    while (ipv6_is_ext(next)) {
        if (++d->depth > MAX_DEPTH)
            return TLSD_PKT_TOO_DEEP;
        enum tlsd_pkt_skip s = dec_ipv6_ext(d, &next, &wire_len);
        if (s != TLSD_PKT_OK)
            return s;
    }
    return dec_transport(d, next, wire_len);
}

static enum tlsd_pkt_skip dec_ip(struct dec *d, unsigned version)
{
    if (++d->depth > MAX_DEPTH)
        return TLSD_PKT_TOO_DEEP;
    return version == 4 ? dec_ipv4(d) : dec_ipv6(d);
}

bool tlsd_pkt_linktype_ok(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
        return true;
    default:
        return false;
    }
}

static enum tlsd_pkt_skip dec_link(struct dec *d, int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
        return dec_ethernet(d);
    case DLT_LINUX_SLL:
        return dec_sll(d);
    case DLT_LINUX_SLL2:
        return dec_sll2(d);
    case DLT_RAW:
        return dec_ip_by_nibble(d);
    case DLT_IPV4:
        return dec_ip(d, 4);
    case DLT_IPV6:
        return dec_ip(d, 6);
    case DLT_NULL:
        return dec_loopback(d, true);
    case DLT_LOOP:
        return dec_loopback(d, false);
    default:
        return TLSD_PKT_LINKTYPE;
    }
}

enum tlsd_pkt_skip tlsd_pkt_decode(int dlt, const uint8_t *frame, size_t caplen, size_t wire_len,
                                   struct tlsd_pkt *pkt)
{
    uint64_t frame_no = pkt->frame;
    int64_t ts = pkt->ts_usec;
    memset(pkt, 0, sizeof *pkt);
    pkt->frame = frame_no;
    pkt->ts_usec = ts;
    struct dec d = {.pkt = pkt, .cut = caplen < wire_len};
    tlsd_rd_init(&d.r, frame, caplen, &d.err);
    return dec_link(&d, dlt);
}
