/* Frame decoding and capture files (tlsdiag/capture.h): every link type and
 * encapsulation with synthetic frames built by the codec's writer, every skip reason,
 * every truncation of a valid frame, and broken files (wrong magic, empty, truncated,
 * absent), plain and gzip-compressed; big files read ahead on a thread against the same
 * bytes read without one; pcapng with interfaces of different link types, both byte
 * orders, damaged blocks. */
#include <pcap/pcap.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"
#include "tlsdiag/bytes.h"
#include "tlsdiag/capture.h"

/* A frame under construction: built inside out, each layer wrapping the last. */
struct frame {
    uint8_t *p;
    size_t len;
};

static void wrap(struct frame *f, struct tlsd_wr *w)
{
    tlsd_wr_bytes(w, f->p, f->len);
    free(f->p);
    assert_int_equal(tlsd_wr_take(w, &f->p, &f->len), TLSD_CERR_OK);
}

static struct frame payload(const char *s)
{
    struct frame f = {.len = strlen(s)};
    f.p = malloc(f.len + 1);
    memcpy(f.p, s, f.len + 1);
    return f;
}

static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags)
{
    struct tlsd_wr w = {0};
    tlsd_wr_u16(&w, sport);
    tlsd_wr_u16(&w, dport);
    tlsd_wr_u32(&w, seq);
    tlsd_wr_u32(&w, 0);
    tlsd_wr_u16(&w, (uint16_t)(6u << 12 | flags)); /* 24 bytes: one option word */
    tlsd_wr_u16(&w, 65535);
    tlsd_wr_u32(&w, 0);
    tlsd_wr_u32(&w, 0x01010101); /* NOP options */
    wrap(f, &w);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport)
{
    struct tlsd_wr w = {0};
    tlsd_wr_u16(&w, sport);
    tlsd_wr_u16(&w, dport);
    tlsd_wr_u16(&w, (uint16_t)(8 + f->len));
    tlsd_wr_u16(&w, 0);
    wrap(f, &w);
}

/* IPv4 with ihl words of header (options of NOPs), fragment field frag. */
static void ipv4(struct frame *f, uint8_t proto, unsigned ihl, uint16_t frag)
{
    struct tlsd_wr w = {0};
    tlsd_wr_u8(&w, (uint8_t)(0x40 | ihl));
    tlsd_wr_u8(&w, 0);
    tlsd_wr_u16(&w, (uint16_t)(ihl * 4 + f->len));
    tlsd_wr_u16(&w, 1);
    tlsd_wr_u16(&w, frag);
    tlsd_wr_u8(&w, 64);
    tlsd_wr_u8(&w, proto);
    tlsd_wr_u16(&w, 0);
    tlsd_wr_u32(&w, 0x0a000001);
    tlsd_wr_u32(&w, 0x0a000002);
    for (unsigned i = 5; i < ihl; i++)
        tlsd_wr_u32(&w, 0x01010101);
    wrap(f, &w);
}

static void ipv6(struct frame *f, uint8_t next)
{
    struct tlsd_wr w = {0};
    tlsd_wr_u32(&w, 0x60000000);
    tlsd_wr_u16(&w, (uint16_t)f->len);
    tlsd_wr_u8(&w, next);
    tlsd_wr_u8(&w, 64);
    tlsd_wr_zeros(&w, 15);
    tlsd_wr_u8(&w, 1); /* ::1 */
    tlsd_wr_zeros(&w, 15);
    tlsd_wr_u8(&w, 2); /* ::2 */
    wrap(f, &w);
}

/* An IPv6 extension header of 8 bytes (RFC 8200 4.2; fragment header 4.5). */
static void ipv6_ext(struct frame *f, uint8_t next, uint16_t frag_off_m)
{
    struct tlsd_wr w = {0};
    tlsd_wr_u8(&w, next);
    tlsd_wr_u8(&w, 0);
    tlsd_wr_u16(&w, frag_off_m);
    tlsd_wr_u32(&w, 0x12345678);
    wrap(f, &w);
}

static void ethertype(struct frame *f, uint16_t type)
{
    struct tlsd_wr w = {0};
    tlsd_wr_zeros(&w, 12);
    tlsd_wr_u16(&w, type);
    wrap(f, &w);
}

/* An 802.1Q/802.1ad tag: TCI and the inner type; the tag's own TPID is the type
 * field of the layer outside it. */
static void vlan(struct frame *f, uint16_t id, uint16_t inner)
{
    struct tlsd_wr w = {0};
    tlsd_wr_u16(&w, id);
    tlsd_wr_u16(&w, inner);
    wrap(f, &w);
}

static void pppoe(struct frame *f, uint16_t ppp_proto)
{
    struct tlsd_wr w = {0};
    tlsd_wr_u8(&w, 0x11);
    tlsd_wr_u8(&w, 0);
    tlsd_wr_u16(&w, 7);
    tlsd_wr_u16(&w, (uint16_t)(f->len + 2));
    tlsd_wr_u16(&w, ppp_proto);
    wrap(f, &w);
}

static void pad(struct frame *f, size_t n)
{
    struct tlsd_wr w = {0};
    tlsd_wr_bytes(&w, f->p, f->len);
    tlsd_wr_zeros(&w, n);
    free(f->p);
    assert_int_equal(tlsd_wr_take(&w, &f->p, &f->len), TLSD_CERR_OK);
}

static enum tlsd_pkt_skip decode(int dlt, const struct frame *f, struct tlsd_pkt *p)
{
    return tlsd_pkt_decode(dlt, f->p, f->len, f->len, p);
}

static struct frame tcp_v4(void)
{
    struct frame f = payload("hello");
    tcp(&f, 1234, 443, 1000, TLSD_TCP_PSH | TLSD_TCP_ACK);
    ipv4(&f, 6, 5, 0);
    return f;
}

static void test_ethernet_ipv4_tcp(void **state)
{
    (void)state;
    struct frame f = tcp_v4();
    ethertype(&f, 0x0800);
    pad(&f, 6); /* Ethernet padding after the IP packet is not payload */
    struct tlsd_pkt p;
    assert_int_equal(decode(DLT_EN10MB, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.proto, 6);
    assert_int_equal(p.sport, 1234);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.seq, 1000);
    assert_int_equal(p.tcp_flags, TLSD_TCP_PSH | TLSD_TCP_ACK);
    assert_int_equal(p.payload_len, 5);
    assert_int_equal(p.payload_wire_len, 5);
    assert_memory_equal(p.payload, "hello", 5);
    assert_int_equal(p.src[3], 1);
    assert_int_equal(p.dst[3], 2);
    free(f.p);
}

static void test_vlans_and_pppoe(void **state)
{
    (void)state;
    struct frame f = tcp_v4();
    pppoe(&f, 0x0021);
    vlan(&f, 0x0123, 0x8864);
    vlan(&f, 0x0456, 0x8100);
    ethertype(&f, 0x88a8);
    pad(&f, 4);
    struct tlsd_pkt p;
    assert_int_equal(decode(DLT_EN10MB, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.n_vlan, 2);
    assert_int_equal(p.vlan[0], 0x456);
    assert_int_equal(p.vlan[1], 0x123);
    assert_true(p.pppoe);
    assert_int_equal(p.payload_len, 5);
    free(f.p);

    f = tcp_v4();
    pppoe(&f, 0xc021); /* LCP: not IP */
    ethertype(&f, 0x8864);
    assert_int_equal(decode(DLT_EN10MB, &f, &p), TLSD_PKT_NOT_IP);
    free(f.p);
}

static void test_linux_cooked(void **state)
{
    (void)state;
    struct frame f = tcp_v4();
    struct tlsd_wr w = {0};
    tlsd_wr_zeros(&w, 14); /* SLL: packet type, ARPHRD, address length, address */
    tlsd_wr_u16(&w, 0x0800);
    wrap(&f, &w);
    struct tlsd_pkt p;
    assert_int_equal(decode(DLT_LINUX_SLL, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.dport, 443);
    free(f.p);

    f = tcp_v4();
    w = (struct tlsd_wr){0};
    tlsd_wr_u16(&w, 0x0800); /* SLL2: protocol first */
    tlsd_wr_zeros(&w, 18);
    wrap(&f, &w);
    assert_int_equal(decode(DLT_LINUX_SLL2, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.sport, 1234);
    free(f.p);
}

static void test_raw_ipv6_extension_headers(void **state)
{
    (void)state;
    struct frame f = payload("x");
    tcp(&f, 1, 2, 3, TLSD_TCP_SYN);
    ipv6_ext(&f, 6, 0x0001); /* fragment header: offset 0, more fragments */
    ipv6_ext(&f, 44, 0);     /* hop-by-hop options */
    ipv6(&f, 0);
    struct tlsd_pkt p;
    assert_int_equal(decode(DLT_RAW, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.ip_version, 6);
    assert_true(p.first_fragment);
    assert_int_equal(p.dst[15], 2);
    assert_int_equal(decode(DLT_IPV6, &f, &p), TLSD_PKT_OK);
    free(f.p);

    f = payload("x");
    tcp(&f, 1, 2, 3, 0);
    ipv6_ext(&f, 6, 0x0008); /* offset 1: not the first fragment */
    ipv6(&f, 44);
    assert_int_equal(decode(DLT_RAW, &f, &p), TLSD_PKT_FRAGMENT);
    free(f.p);
}

static void test_loopback(void **state)
{
    (void)state;
    struct frame f = tcp_v4();
    struct tlsd_wr w = {0};
    tlsd_wr_u32(&w, 0x02000000); /* AF_INET in little-endian host order */
    wrap(&f, &w);
    struct tlsd_pkt p;
    assert_int_equal(decode(DLT_NULL, &f, &p), TLSD_PKT_OK);
    free(f.p);

    f = payload("");
    tcp(&f, 1, 2, 3, 0);
    ipv6(&f, 6);
    w = (struct tlsd_wr){0};
    tlsd_wr_u32(&w, 30); /* macOS AF_INET6, network order */
    wrap(&f, &w);
    assert_int_equal(decode(DLT_LOOP, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.ip_version, 6);
    free(f.p);
}

static void test_ipv4_options_fragments_tunnels(void **state)
{
    (void)state;
    struct frame f = payload("abc");
    tcp(&f, 1, 2, 3, 0);
    ipv4(&f, 6, 7, 0x2000); /* options; first fragment (MF) */
    struct tlsd_pkt p;
    assert_int_equal(decode(DLT_IPV4, &f, &p), TLSD_PKT_OK);
    assert_true(p.first_fragment);
    assert_int_equal(p.payload_len, 3);
    free(f.p);

    f = payload("abc");
    ipv4(&f, 6, 5, 0x0010); /* offset 16 bytes */
    assert_int_equal(decode(DLT_IPV4, &f, &p), TLSD_PKT_FRAGMENT);
    free(f.p);

    f = payload("abc"); /* 6in4 (RFC 4213): IPv6 inside IPv4 protocol 41 */
    tcp(&f, 5, 6, 7, 0);
    ipv6(&f, 6);
    ipv4(&f, 41, 5, 0);
    ethertype(&f, 0x0800);
    assert_int_equal(decode(DLT_EN10MB, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.tunnels, 1);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.dport, 6);
    free(f.p);

    f = payload("abc"); /* IP in IP, nested beyond the depth limit */
    tcp(&f, 5, 6, 7, 0);
    for (int i = 0; i < 8; i++)
        ipv4(&f, i ? 4 : 6, 5, 0);
    assert_int_equal(decode(DLT_IPV4, &f, &p), TLSD_PKT_TOO_DEEP);
    free(f.p);
}

static void test_udp_and_tunnels(void **state)
{
    (void)state;
    struct frame f = payload("dtls");
    udp(&f, 4433, 5555);
    ipv4(&f, 17, 5, 0);
    struct tlsd_pkt p;
    assert_int_equal(decode(DLT_IPV4, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.proto, 17);
    assert_memory_equal(p.payload, "dtls", 4);
    free(f.p);

    f = tcp_v4(); /* VXLAN (RFC 7348): an Ethernet frame in UDP port 4789 */
    ethertype(&f, 0x0800);
    struct tlsd_wr w = {0};
    tlsd_wr_u32(&w, 0x08000000);
    tlsd_wr_u32(&w, 0x00000100);
    wrap(&f, &w);
    udp(&f, 999, 4789);
    ipv4(&f, 17, 5, 0);
    assert_int_equal(decode(DLT_IPV4, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.proto, 6);
    assert_int_equal(p.tunnels, 1);
    free(f.p);

    f = tcp_v4(); /* GTP-U (TS 29.281): G-PDU with a sequence number and one extension */
    w = (struct tlsd_wr){0};
    tlsd_wr_u8(&w, 0x36); /* version 1, PT, E and S */
    tlsd_wr_u8(&w, 255);
    tlsd_wr_u16(&w, (uint16_t)(f.len + 8));
    tlsd_wr_u32(&w, 0x11223344);
    tlsd_wr_u16(&w, 1);   /* sequence */
    tlsd_wr_u8(&w, 0);    /* N-PDU */
    tlsd_wr_u8(&w, 0x85); /* next: PDU session container */
    tlsd_wr_u8(&w, 1);    /* 4 bytes */
    tlsd_wr_u16(&w, 0x0001);
    tlsd_wr_u8(&w, 0); /* no more */
    wrap(&f, &w);
    udp(&f, 2152, 2152);
    ipv4(&f, 17, 5, 0);
    assert_int_equal(decode(DLT_IPV4, &f, &p), TLSD_PKT_OK);
    assert_int_equal(p.proto, 6);
    assert_memory_equal(p.payload, "hello", 5);
    f.p[20 + 8 + 1] = 1; /* an echo request, not a G-PDU */
    assert_int_equal(decode(DLT_IPV4, &f, &p), TLSD_PKT_NOT_IP);
    free(f.p);
}

/* Every skip reason, and every truncation of a valid frame. */
static void test_negative(void **state)
{
    (void)state;
    struct tlsd_pkt p;
    struct frame f = tcp_v4();
    ethertype(&f, 0x0800);
    for (size_t n = 0; n < f.len - 5; n++) { /* cut inside a header: never decoded */
        assert_int_equal(tlsd_pkt_decode(DLT_EN10MB, f.p, n, f.len, &p), TLSD_PKT_TRUNCATED);
        /* a short frame captured whole: its IP length lies, the reason may differ */
        assert_int_not_equal(tlsd_pkt_decode(DLT_EN10MB, f.p, n, n, &p), TLSD_PKT_OK);
    }
    assert_int_equal(decode(12345, &f, &p), TLSD_PKT_LINKTYPE);
    /* cut by the snaplen inside the payload: decoded, the wire length kept */
    assert_int_equal(tlsd_pkt_decode(DLT_EN10MB, f.p, f.len - 2, f.len, &p), TLSD_PKT_OK);
    assert_int_equal(p.payload_len, 3);
    assert_int_equal(p.payload_wire_len, 5);
    f.p[14] = 0x44; /* IHL 4 */
    assert_int_equal(decode(DLT_EN10MB, &f, &p), TLSD_PKT_BAD_IP);
    f.p[14] = 0x45;
    f.p[14 + 20 + 12] = 0x40; /* TCP data offset 4 */
    assert_int_equal(decode(DLT_EN10MB, &f, &p), TLSD_PKT_BAD_TCP);
    f.p[14 + 9] = 1; /* ICMP */
    assert_int_equal(decode(DLT_EN10MB, &f, &p), TLSD_PKT_NOT_TCP_UDP);
    f.p[12] = 0x08;
    f.p[13] = 0x06; /* ARP */
    assert_int_equal(decode(DLT_EN10MB, &f, &p), TLSD_PKT_NOT_IP);
    free(f.p);

    f = payload("");
    udp(&f, 1, 2);
    f.p[5] = 4; /* UDP length 4 */
    ipv4(&f, 17, 5, 0);
    assert_int_equal(decode(DLT_IPV4, &f, &p), TLSD_PKT_BAD_UDP);
    free(f.p);
    assert_string_equal(tlsd_pkt_skip_name(TLSD_PKT_FRAGMENT), "FRAGMENT");
    assert_string_equal(tlsd_pkt_skip_name(TLSD_PKT_SKIP_COUNT), "?");
}

/* ---- files ---- */

static char *write_pcap(const char *name, int nframes)
{
    char *path = malloc(256);
    snprintf(path, 256, "/tmp/tlsd_test_capture_%d_%s", (int)getpid(), name);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    assert_non_null(d);
    for (int i = 0; i < nframes; i++) {
        struct frame f = tcp_v4();
        ethertype(&f, i == 1 ? 0x0806 : 0x0800); /* frame 2 is ARP: skipped */
        struct pcap_pkthdr h = {
            .ts = {.tv_sec = i}, .caplen = (bpf_u_int32)f.len, .len = (bpf_u_int32)f.len};
        pcap_dump((u_char *)d, &h, f.p);
        free(f.p);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return path;
}

/* Reads every frame; returns how many decoded, checks the numbering and the end. */
static int read_all(struct tlsd_capture *c, enum tlsd_caperr want_end)
{
    struct tlsd_pkt p;
    char err[256];
    enum tlsd_caperr e;
    int n = 0;
    while ((e = tlsd_capture_next(c, &p, err, sizeof err)) == TLSD_CAPERR_OK) {
        n++;
        assert_int_equal(p.frame, n == 1 ? 1 : (uint64_t)n + 1); /* frame 2 skipped */
        assert_int_equal(p.ts_usec, (int64_t)(p.frame - 1) * 1000000);
    }
    assert_int_equal(e, want_end);
    return n;
}

/* ---- pcapng with interfaces of different link types (capture_pcapng.c) ---- */

static void ng_u32(struct tlsd_wr *w, uint32_t v, bool le)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    if (le)
        for (int i = 0; i < 2; i++) {
            uint8_t t = b[i];
            b[i] = b[3 - i];
            b[3 - i] = t;
        }
    tlsd_wr_bytes(w, b, 4);
}

/* One block: type, length, body padded to 32 bits, length again. */
static void ng_block(struct tlsd_wr *w, uint32_t type, const uint8_t *body, size_t n, bool le)
{
    size_t padded = (n + 3) / 4 * 4;
    static const uint8_t zero[4];
    ng_u32(w, type, le);
    ng_u32(w, (uint32_t)(padded + 12), le);
    tlsd_wr_bytes(w, body, n);
    tlsd_wr_bytes(w, zero, padded - n);
    ng_u32(w, (uint32_t)(padded + 12), le);
}

static void ng_body(struct tlsd_wr *b, uint8_t **out, size_t *n)
{
    assert_int_equal(tlsd_wr_take(b, out, n), TLSD_CERR_OK);
}

/* A section in either byte order: Ethernet (timestamps in ns), raw IP (LINKTYPE 101, in
 * microseconds), a packet on each, then one on an interface that does not exist. */
static uint8_t *ng_file(bool le, size_t *len)
{
    struct tlsd_wr w = {0}, b = {0};
    uint8_t *body;
    size_t n;
    ng_u32(&b, 0x1A2B3C4D, le);
    ng_u32(&b, 0x00010000u, le); /* major 1, minor 0 (swapped as one word) */
    ng_u32(&b, 0xffffffffu, le);
    ng_u32(&b, 0xffffffffu, le);
    ng_body(&b, &body, &n);
    if (le) { /* major and minor are two 16-bit fields */
        body[4] = 1, body[5] = 0, body[6] = 0, body[7] = 0;
    }
    ng_block(&w, 0x0A0D0D0A, body, n, le);
    free(body);
    for (int i = 0; i < 2; i++) {
        struct tlsd_wr d = {0};
        ng_u32(&d, i == 0 ? (le ? 0x00000001u : 0x00010000u) : (le ? 101u : 101u << 16), le);
        ng_u32(&d, 65535, le);
        if (i == 0) { /* if_tsresol 9: nanoseconds; code and length as 16-bit fields */
            ng_u32(&d, le ? (1u << 16 | 9u) : (9u << 16 | 1u), le);
            tlsd_wr_u32(&d, 0x09000000u);
            ng_u32(&d, 0, le);
        }
        ng_body(&d, &body, &n);
        ng_block(&w, 1, body, n, le);
        free(body);
    }
    for (uint32_t ifid = 0; ifid < 3; ifid++) {
        struct frame f = tcp_v4();
        if (ifid == 0)
            ethertype(&f, 0x0800);
        uint64_t ts = ifid == 0 ? 2000000000ull : 3000000ull; /* 2 s in ns, 3 s in us */
        struct tlsd_wr d = {0};
        ng_u32(&d, ifid == 2 ? 7 : ifid, le);
        ng_u32(&d, (uint32_t)(ts >> 32), le);
        ng_u32(&d, (uint32_t)ts, le);
        ng_u32(&d, (uint32_t)f.len, le);
        ng_u32(&d, (uint32_t)f.len, le);
        tlsd_wr_bytes(&d, f.p, f.len);
        free(f.p);
        ng_body(&d, &body, &n);
        ng_block(&w, 6, body, n, le);
        free(body);
    }
    uint8_t *out;
    assert_int_equal(tlsd_wr_take(&w, &out, len), TLSD_CERR_OK);
    return out;
}

static void test_pcapng_link_types(void **state)
{
    (void)state;
    for (int le = 0; le < 2; le++) {
        size_t len;
        uint8_t *raw = ng_file(le, &len);
        char err[256] = "";
        struct tlsd_capture *c;
        struct tlsd_pkt p;
        assert_int_equal(tlsd_capture_open_mem(raw, len, &c, err, sizeof err), TLSD_CAPERR_OK);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(tlsd_capture_next(c, &p, err, sizeof err), TLSD_CAPERR_OK);
            assert_int_equal(p.frame, i + 1);
            assert_int_equal(p.ts_usec, i == 0 ? 2000000 : 3000000);
            assert_int_equal(p.dport, 443);
            assert_memory_equal(p.payload, "hello", 5);
        }
        /* the third packet names interface 7: damaged, not decoded as interface 0 */
        assert_int_equal(tlsd_capture_next(c, &p, err, sizeof err), TLSD_CAPERR_READ);
        tlsd_capture_close(c);
        /* cut inside the last block: the two packets, then READ */
        assert_int_equal(tlsd_capture_open_mem(raw, len - 3, &c, err, sizeof err), TLSD_CAPERR_OK);
        assert_int_equal(tlsd_capture_next(c, &p, err, sizeof err), TLSD_CAPERR_OK);
        assert_int_equal(tlsd_capture_next(c, &p, err, sizeof err), TLSD_CAPERR_OK);
        assert_int_equal(tlsd_capture_next(c, &p, err, sizeof err), TLSD_CAPERR_READ);
        tlsd_capture_close(c);
        /* a section header with a wrong byte-order magic */
        raw[9] ^= 0xff;
        assert_int_equal(tlsd_capture_open_mem(raw, len, &c, err, sizeof err), TLSD_CAPERR_OK);
        assert_int_not_equal(tlsd_capture_next(c, &p, err, sizeof err), TLSD_CAPERR_OK);
        tlsd_capture_close(c);
        free(raw);
    }
}

static void test_files(void **state)
{
    (void)state;
    char err[256];
    struct tlsd_capture *c;
    char *path = write_pcap("plain.pcap", 3);
    assert_int_equal(tlsd_capture_open_file(path, &c, err, sizeof err), TLSD_CAPERR_OK);
    assert_int_equal(tlsd_capture_linktype(c), DLT_EN10MB);
    assert_int_equal(read_all(c, TLSD_CAPERR_END), 2);
    assert_int_equal(tlsd_capture_get_stats(c)->skipped[TLSD_PKT_NOT_IP], 1);
    assert_int_equal(tlsd_capture_get_stats(c)->frames, 3);
    tlsd_capture_close(c);

    /* the same, gzip-compressed */
    size_t len;
    char *raw = tu_slurp(path, &len);
    char gz[300];
    snprintf(gz, sizeof gz, "%s.gz", path);
    gzFile g = gzopen(gz, "wb");
    assert_int_equal(gzwrite(g, raw, (unsigned)len), (int)len);
    gzclose(g);
    assert_int_equal(tlsd_capture_open_file(gz, &c, err, sizeof err), TLSD_CAPERR_OK);
    assert_int_equal(read_all(c, TLSD_CAPERR_END), 2);
    tlsd_capture_close(c);

    /* from memory; then cut inside the last record: the frames before it, then READ */
    assert_int_equal(tlsd_capture_open_mem(raw, len, &c, err, sizeof err), TLSD_CAPERR_OK);
    assert_int_equal(read_all(c, TLSD_CAPERR_END), 2);
    tlsd_capture_close(c);
    assert_int_equal(tlsd_capture_open_mem(raw, len - 3, &c, err, sizeof err), TLSD_CAPERR_OK);
    assert_int_equal(read_all(c, TLSD_CAPERR_READ), 1);
    tlsd_capture_close(c);

    /* wrong magic, empty, absent */
    raw[0] ^= 0xff;
    assert_int_equal(tlsd_capture_open_mem(raw, len, &c, err, sizeof err), TLSD_CAPERR_FORMAT);
    assert_null(c);
    assert_int_equal(tlsd_capture_open_mem(raw, 0, &c, err, sizeof err), TLSD_CAPERR_FORMAT);
    assert_int_equal(tlsd_capture_open_file("/nonexistent/x.pcap", &c, err, sizeof err),
                     TLSD_CAPERR_OPEN);
    assert_non_null(strstr(err, "cannot open"));
    unlink(gz);
    unlink(path);
    free(raw);
    free(path);
}

/* A capture big enough to be read ahead on a thread (tlsd_capture_open_file from 4 MB
 * on): frames of every payload length from 0 to 1,400 bytes of varied content, some not
 * IP. Every frame, every payload byte and the final counts must equal what the reader
 * without a thread (tlsd_capture_open_mem) gives; cut inside the last record, both end
 * with the same READ error after the same frames; closing half-way ends the thread. */
#define BIG_FRAMES 9000

static char *write_big_pcap(void)
{
    char *path = malloc(256);
    snprintf(path, 256, "/tmp/tlsd_test_capture_%d_big.pcap", (int)getpid());
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    assert_non_null(d);
    uint32_t x = 12345;
    for (int i = 0; i < BIG_FRAMES; i++) {
        size_t n = (size_t)(i * 7919) % 1401;
        char *text = malloc(n + 1);
        for (size_t k = 0; k < n; k++) {
            x = x * 1103515245u + 12345u;
            text[k] = (char)('!' + (x >> 16) % 90);
        }
        text[n] = '\0';
        struct frame f = payload(text);
        free(text);
        tcp(&f, (uint16_t)(1024 + i), 443, (uint32_t)i * 1000u, TLSD_TCP_ACK);
        ipv4(&f, 6, 5, 0);
        ethertype(&f, i % 97 == 3 ? 0x0806 : 0x0800);
        struct pcap_pkthdr h = {.ts = {.tv_sec = i, .tv_usec = i % 1000000},
                                .caplen = (bpf_u_int32)f.len,
                                .len = (bpf_u_int32)f.len};
        pcap_dump((u_char *)d, &h, f.p);
        free(f.p);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return path;
}

/* Reads a and b side by side: the same frames, payloads, end, error text and counts. */
static int same_frames(struct tlsd_capture *a, struct tlsd_capture *b, enum tlsd_caperr want_end)
{
    struct tlsd_pkt p, q;
    char ea[256] = "", eb[256] = "";
    enum tlsd_caperr ra, rb;
    int n = 0;
    for (;;) {
        ra = tlsd_capture_next(a, &p, ea, sizeof ea);
        rb = tlsd_capture_next(b, &q, eb, sizeof eb);
        assert_int_equal(ra, rb);
        if (ra != TLSD_CAPERR_OK)
            break;
        n++;
        assert_int_equal(p.frame, q.frame);
        assert_int_equal(p.ts_usec, q.ts_usec);
        assert_int_equal(p.sport, q.sport);
        assert_int_equal(p.seq, q.seq);
        assert_int_equal(p.tcp_flags, q.tcp_flags);
        assert_memory_equal(p.src, q.src, sizeof p.src);
        assert_int_equal(p.payload_len, q.payload_len);
        assert_int_equal(p.payload_wire_len, q.payload_wire_len);
        if (p.payload_len)
            assert_memory_equal(p.payload, q.payload, p.payload_len);
    }
    assert_int_equal(ra, want_end);
    assert_string_equal(ea, eb);
    const struct tlsd_capture_stats *sa = tlsd_capture_get_stats(a),
                                    *sb = tlsd_capture_get_stats(b);
    assert_int_equal(sa->frames, sb->frames);
    assert_int_equal(sa->bytes, sb->bytes);
    assert_int_equal(sa->tcp, sb->tcp);
    assert_memory_equal(sa->skipped, sb->skipped, sizeof sa->skipped);
    return n;
}

static void test_read_ahead(void **state)
{
    (void)state;
    char err[256];
    char *path = write_big_pcap();
    size_t len;
    char *raw = tu_slurp(path, &len);
    assert_true(len >= ((size_t)4 << 20)); /* big enough for the thread */
    struct tlsd_capture *a, *b;
    assert_int_equal(tlsd_capture_open_file(path, &a, err, sizeof err), TLSD_CAPERR_OK);
    assert_int_equal(tlsd_capture_open_mem(raw, len, &b, err, sizeof err), TLSD_CAPERR_OK);
    int n = same_frames(a, b, TLSD_CAPERR_END);
    int not_ip = 0;
    for (int i = 0; i < BIG_FRAMES; i++)
        not_ip += i % 97 == 3;
    assert_int_equal(n, BIG_FRAMES - not_ip);
    assert_int_equal(tlsd_capture_get_stats(a)->frames, BIG_FRAMES);
    tlsd_capture_close(a);
    tlsd_capture_close(b);

    /* cut 3 bytes into the last record */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(raw, 1, len - 3, f), len - 3);
    fclose(f);
    assert_int_equal(tlsd_capture_open_file(path, &a, err, sizeof err), TLSD_CAPERR_OK);
    assert_int_equal(tlsd_capture_open_mem(raw, len - 3, &b, err, sizeof err), TLSD_CAPERR_OK);
    assert_int_equal(same_frames(a, b, TLSD_CAPERR_READ), n - 1);
    tlsd_capture_close(a);
    tlsd_capture_close(b);

    /* closed after a few frames, while the thread is ahead */
    assert_int_equal(tlsd_capture_open_file(path, &a, err, sizeof err), TLSD_CAPERR_OK);
    struct tlsd_pkt p;
    for (int i = 0; i < 5; i++)
        assert_int_equal(tlsd_capture_next(a, &p, err, sizeof err), TLSD_CAPERR_OK);
    tlsd_capture_close(a);
    unlink(path);
    free(raw);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_ipv4_tcp),
        cmocka_unit_test(test_vlans_and_pppoe),
        cmocka_unit_test(test_linux_cooked),
        cmocka_unit_test(test_raw_ipv6_extension_headers),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_ipv4_options_fragments_tunnels),
        cmocka_unit_test(test_udp_and_tunnels),
        cmocka_unit_test(test_negative),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_pcapng_link_types),
        cmocka_unit_test(test_read_ahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
