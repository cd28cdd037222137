/* TCP reassembly (tlsdiag/tcp_reasm.h) with synthetic segments: in order, out of
 * order, retransmitted, overlapping (first data wins), gaps, snaplen-cut payloads,
 * sequence wrap-around, per-flow and total caps (with the bytes the caller holds, the
 * cap named on each event it causes), idle expiry, eviction, port reuse,
 * SYN/FIN/RST bookkeeping, thousands of flows at once and the frame attributed to each
 * delivered byte. */
#include "testutil.h"
#include "tlsdiag/tcp_reasm.h"

/* What the callback saw: each direction's stream ('?' for a byte given up), the
 * frame that completed each byte, and the flow closes. */
struct rec {
    char stream[2][256];
    uint64_t byte_frame[2][256];
    size_t len[2];
    int closes[8];
    size_t n_closes;
    struct tlsd_tcp_dir last_dir[2];
    struct {
        unsigned dir;
        uint8_t flags;
        uint64_t frame;
        size_t stream_len; /* bytes of that direction delivered before it */
    } flag_evs[8];
    size_t n_flag_evs;
};

static void on_ev(void *ctx, struct tlsd_tcp_flow *flow, const struct tlsd_tcp_ev *ev)
{
    struct rec *r = ctx;
    if (ev->kind == TLSD_TCP_EV_FLAGS) {
        assert_true(r->n_flag_evs < 8);
        r->flag_evs[r->n_flag_evs].dir = ev->dir;
        r->flag_evs[r->n_flag_evs].flags = ev->flags;
        r->flag_evs[r->n_flag_evs].frame = ev->frame;
        r->flag_evs[r->n_flag_evs++].stream_len = r->len[ev->dir];
        return;
    }
    if (ev->kind == TLSD_TCP_EV_CLOSE) {
        assert_true(r->n_closes < 8);
        r->closes[r->n_closes++] = ev->close;
        r->last_dir[0] = flow->dir[0];
        r->last_dir[1] = flow->dir[1];
        return;
    }
    for (size_t i = 0; i < ev->len && r->len[ev->dir] < 255; i++) {
        size_t at = r->len[ev->dir]++;
        r->stream[ev->dir][at] = ev->kind == TLSD_TCP_EV_DATA ? (char)ev->data[i] : '?';
        r->byte_frame[ev->dir][at] = ev->frame;
    }
}

static uint64_t frame_no;

/* A segment from client 10.0.0.1:1000 (dir 0) or server 10.0.0.2:443 (dir 1). */
static struct tlsd_pkt seg(unsigned dir, uint32_t seq, uint8_t flags, const char *data, int64_t ts)
{
    struct tlsd_pkt p = {.frame = ++frame_no, .ts_usec = ts, .ip_version = 4, .proto = 6};
    uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    memcpy(p.src, dir ? b : a, 4);
    memcpy(p.dst, dir ? a : b, 4);
    p.sport = dir ? 443 : 1000;
    p.dport = dir ? 1000 : 443;
    p.seq = seq;
    p.tcp_flags = flags;
    p.payload = (const uint8_t *)data;
    p.payload_len = p.payload_wire_len = data ? strlen(data) : 0;
    return p;
}

static void put(struct tlsd_tcp *t, struct tlsd_pkt p)
{
    assert_int_equal(tlsd_tcp_packet(t, &p), TLSD_CAPERR_OK);
}

static struct tlsd_tcp *setup(struct rec *r, const struct tlsd_tcp_config *cfg)
{
    memset(r, 0, sizeof *r);
    frame_no = 0;
    struct tlsd_tcp *t = tlsd_tcp_new(cfg, on_ev, r);
    assert_non_null(t);
    return t;
}

static void handshake(struct tlsd_tcp *t, uint32_t cisn, uint32_t sisn)
{
    put(t, seg(0, cisn, TLSD_TCP_SYN, NULL, 0));
    put(t, seg(1, sisn, TLSD_TCP_SYN | TLSD_TCP_ACK, NULL, 0));
    put(t, seg(0, cisn + 1, TLSD_TCP_ACK, NULL, 0));
}

static void test_in_order(void **state)
{
    (void)state;
    struct rec r;
    struct tlsd_tcp *t = setup(&r, NULL);
    handshake(t, 100, 5000);
    put(t, seg(0, 101, TLSD_TCP_ACK, "hello ", 0)); /* frame 4 */
    put(t, seg(1, 5001, TLSD_TCP_ACK, "world", 0)); /* frame 5 */
    put(t, seg(0, 107, TLSD_TCP_ACK, "again", 0));  /* frame 6 */
    assert_string_equal(r.stream[0], "hello again");
    assert_string_equal(r.stream[1], "world");
    assert_int_equal(r.byte_frame[0][0], 4);
    assert_int_equal(r.byte_frame[0][10], 6);
    tlsd_tcp_finish(t);
    assert_int_equal(r.n_closes, 1);
    assert_int_equal(r.closes[0], TLSD_TCP_CLOSE_END);
    assert_int_equal(r.last_dir[0].syn_frame, 1);
    assert_int_equal(r.last_dir[1].syn_frame, 2);
    tlsd_tcp_free(t);
}

/* The later segment first: nothing until the gap fills, then every byte is
 * attributed to the frame that filled it (where tshark shows the message). */
static void test_out_of_order(void **state)
{
    (void)state;
    struct rec r;
    struct tlsd_tcp *t = setup(&r, NULL);
    handshake(t, 100, 5000);
    put(t, seg(0, 106, TLSD_TCP_ACK, "again", 0)); /* frame 4 */
    put(t, seg(0, 111, TLSD_TCP_ACK, "!", 0));     /* frame 5 */
    assert_int_equal(r.len[0], 0);
    put(t, seg(0, 101, TLSD_TCP_ACK, "hello", 0)); /* frame 6 */
    assert_string_equal(r.stream[0], "helloagain!");
    assert_int_equal(r.byte_frame[0][0], 6);
    assert_int_equal(r.byte_frame[0][10], 6);
    assert_int_equal(tlsd_tcp_get_stats(t)->ooo_segments, 2);
    assert_int_equal(tlsd_tcp_get_stats(t)->buffered, 0);
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
}

static void test_retransmission_and_overlap(void **state)
{
    (void)state;
    struct rec r;
    struct tlsd_tcp *t = setup(&r, NULL);
    handshake(t, 100, 5000);
    put(t, seg(0, 101, TLSD_TCP_ACK, "abcd", 0));
    put(t, seg(0, 101, TLSD_TCP_ACK, "abcd", 0)); /* full retransmission */
    put(t, seg(0, 103, TLSD_TCP_ACK, "XXef", 0)); /* overlaps delivered bytes */
    put(t, seg(0, 109, TLSD_TCP_ACK, "ij", 0));   /* ahead */
    put(t, seg(0, 108, TLSD_TCP_ACK, "YYYY", 0)); /* overlaps the buffered "ij" */
    put(t, seg(0, 107, TLSD_TCP_ACK, "g", 0));
    assert_string_equal(r.stream[0], "abcdefgYijY");
    assert_int_equal(tlsd_tcp_get_stats(t)->retrans_segments, 1);
    tlsd_tcp_finish(t);
    assert_int_equal(r.last_dir[0].retrans_bytes, 4 + 2 + 2);
    tlsd_tcp_free(t);
}

/* A hole that never fills is given up at the end: GAP, then the data behind it. */
static void test_gap_at_end(void **state)
{
    (void)state;
    struct rec r;
    struct tlsd_tcp *t = setup(&r, NULL);
    handshake(t, 100, 5000);
    put(t, seg(0, 101, TLSD_TCP_ACK, "ab", 0));
    put(t, seg(0, 106, TLSD_TCP_ACK | TLSD_TCP_FIN, "fg", 0)); /* frame 5 */
    assert_string_equal(r.stream[0], "ab");
    tlsd_tcp_finish(t);
    assert_string_equal(r.stream[0], "ab???fg");
    assert_int_equal(r.last_dir[0].gaps, 1);
    assert_int_equal(r.last_dir[0].gap_bytes, 3);
    assert_int_equal(r.last_dir[0].fin_frame, 5);
    tlsd_tcp_free(t);
}

/* A payload cut by the snaplen: its missing tail is a gap, the next segment follows. */
static void test_snaplen_cut(void **state)
{
    (void)state;
    struct rec r;
    struct tlsd_tcp *t = setup(&r, NULL);
    handshake(t, 100, 5000);
    struct tlsd_pkt p = seg(0, 101, TLSD_TCP_ACK, "abcdef", 0);
    p.payload_len = 2;
    put(t, p);
    put(t, seg(0, 107, TLSD_TCP_ACK, "gh", 0));
    assert_string_equal(r.stream[0], "ab????gh");
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
}

/* Without a SYN the first data starts the stream; sequence numbers wrap. */
static void test_midstream_and_wrap(void **state)
{
    (void)state;
    struct rec r;
    struct tlsd_tcp *t = setup(&r, NULL);
    put(t, seg(0, 0xfffffffc, TLSD_TCP_ACK, "abcd", 0));
    put(t, seg(0, 2, TLSD_TCP_ACK, "gh", 0));
    put(t, seg(0, 0, TLSD_TCP_ACK, "ef", 0));
    put(t, seg(0, 0xfffffffe, TLSD_TCP_ACK, "cd", 0)); /* old, across the wrap */
    assert_string_equal(r.stream[0], "abcdefgh");
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
}

/* The per-flow cap: buffered out-of-order bytes beyond it make the reassembler give
 * up the gap before them instead of holding more. */
static void test_flow_cap(void **state)
{
    (void)state;
    struct rec r;
    const struct tlsd_tcp_config cfg = {.flow_cap = 200};
    struct tlsd_tcp *t = setup(&r, &cfg);
    handshake(t, 100, 5000);
    put(t, seg(0, 111, TLSD_TCP_ACK, "0123456789012345678901234567890123456789", 0));
    put(t, seg(0, 151, TLSD_TCP_ACK, "0123456789012345678901234567890123456789", 0));
    put(t, seg(0, 191, TLSD_TCP_ACK, "0123456789012345678901234567890123456789", 0));
    put(t, seg(0, 231, TLSD_TCP_ACK, "0123456789012345678901234567890123456789", 0));
    const struct tlsd_tcp_stats *st = tlsd_tcp_get_stats(t);
    assert_true(st->flow_cap_hits > 0);
    assert_int_equal(r.len[0], 10 + 160);
    assert_memory_equal(r.stream[0], "??????????0123", 14);
    assert_int_equal(st->buffered, 0);
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
}

/* The total cap spans flows: the least recently active flow gives up its gap. */
static void test_total_cap(void **state)
{
    (void)state;
    struct rec r;
    const struct tlsd_tcp_config cfg = {.flow_cap = 1 << 20, .total_cap = 300};
    struct tlsd_tcp *t = setup(&r, &cfg);
    handshake(t, 100, 5000);
    put(t, seg(0, 111, TLSD_TCP_ACK, "0123456789012345678901234567890123456789", 0));
    put(t, seg(1, 5011, TLSD_TCP_ACK, "0123456789012345678901234567890123456789", 0));
    put(t, seg(0, 161, TLSD_TCP_ACK, "0123456789012345678901234567890123456789", 0));
    put(t, seg(1, 5061, TLSD_TCP_ACK, "0123456789012345678901234567890123456789", 0));
    const struct tlsd_tcp_stats *st = tlsd_tcp_get_stats(t);
    assert_true(st->total_cap_hits > 0);
    assert_true(st->buffered <= 300);
    assert_true(st->buffered_peak > 300 - 100);
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
}

static void test_idle_expiry_and_eviction(void **state)
{
    (void)state;
    struct rec r;
    const struct tlsd_tcp_config cfg = {.idle_usec = 1000000, .max_flows = 2};
    struct tlsd_tcp *t = setup(&r, &cfg);
    put(t, seg(0, 1, TLSD_TCP_ACK, "a", 0));
    struct tlsd_pkt p = seg(0, 1, TLSD_TCP_ACK, "b", 500000);
    p.sport = 1001;
    put(t, p);
    assert_int_equal(r.n_closes, 0);
    p = seg(0, 1, TLSD_TCP_ACK, "c", 1200000); /* the first flow is idle > 1 s */
    p.sport = 1002;
    put(t, p);
    assert_int_equal(r.n_closes, 1);
    assert_int_equal(r.closes[0], TLSD_TCP_CLOSE_IDLE);
    p = seg(0, 1, TLSD_TCP_ACK, "d", 1300000); /* a third live flow: evict the oldest */
    p.sport = 1003;
    put(t, p);
    assert_int_equal(r.n_closes, 2);
    assert_int_equal(r.closes[1], TLSD_TCP_CLOSE_EVICTED);
    assert_int_equal(tlsd_tcp_get_stats(t)->active_flows, 2);
    tlsd_tcp_finish(t);
    assert_int_equal(r.n_closes, 4);
    tlsd_tcp_free(t);
}

/* A new SYN on a 5-tuple after RST starts a new flow; a lone SYN-ACK names the
 * initiator as its receiver. */
static void test_reuse_and_direction(void **state)
{
    (void)state;
    struct rec r;
    struct tlsd_tcp *t = setup(&r, NULL);
    put(t, seg(1, 5000, TLSD_TCP_SYN | TLSD_TCP_ACK, NULL, 0));
    put(t, seg(0, 101, TLSD_TCP_ACK, "hi", 0));
    assert_string_equal(r.stream[0], "hi"); /* dir 0 is the client */
    put(t, seg(1, 5001, TLSD_TCP_RST, NULL, 0));
    put(t, seg(0, 9000, TLSD_TCP_SYN, NULL, 0));
    assert_int_equal(r.n_closes, 1);
    assert_int_equal(r.closes[0], TLSD_TCP_CLOSE_REUSED);
    assert_int_equal(r.last_dir[1].rst_frame, 3);
    assert_int_equal(tlsd_tcp_get_stats(t)->flows, 2);
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
}

/* Many flows at once: the flow table grows, and flows evicted in their thousands leave
 * holes in it (removal moves later entries back); every packet still finds its flow. */
#define MANY 5000

struct many {
    char bytes[MANY][3];
    size_t len[MANY];
    size_t closes;
};

static void on_many(void *ctx, struct tlsd_tcp_flow *flow, const struct tlsd_tcp_ev *ev)
{
    struct many *m = ctx;
    if (ev->kind == TLSD_TCP_EV_CLOSE) {
        m->closes++;
        return;
    }
    if (ev->kind != TLSD_TCP_EV_DATA)
        return;
    unsigned k = (unsigned)(flow->port[0] - 10000);
    assert_true(k < MANY && m->len[k] + ev->len < sizeof m->bytes[0]);
    memcpy(m->bytes[k] + m->len[k], ev->data, ev->len);
    m->len[k] += ev->len;
}

static struct tlsd_pkt many_seg(unsigned k, uint32_t seq, const char *data, int64_t ts)
{
    struct tlsd_pkt p = seg(0, seq, TLSD_TCP_ACK, data, ts);
    p.src[2] = (uint8_t)(k >> 8); /* 10.0.K.K:10000+k, each its own flow */
    p.src[3] = (uint8_t)k;
    p.sport = (uint16_t)(10000 + k);
    return p;
}

static void test_many_flows(void **state)
{
    (void)state;
    static struct many m;
    memset(&m, 0, sizeof m);
    const struct tlsd_tcp_config cfg = {.max_flows = 3000};
    struct tlsd_tcp *t = tlsd_tcp_new(&cfg, on_many, &m);
    assert_non_null(t);
    for (unsigned k = 0; k < MANY; k++)
        put(t, many_seg(k, 100, "x", k));
    assert_int_equal(tlsd_tcp_get_stats(t)->flows_evicted, MANY - 3000);
    for (unsigned k = MANY - 3000; k < MANY; k++) /* the flows still there continue */
        put(t, many_seg(k, 101, "y", MANY + k));
    assert_int_equal(tlsd_tcp_get_stats(t)->flows, MANY);
    for (unsigned k = 0; k < MANY; k++) {
        assert_int_equal(m.len[k], k < MANY - 3000 ? 1 : 2);
        assert_memory_equal(m.bytes[k], k < MANY - 3000 ? "x" : "xy", m.len[k]);
    }
    tlsd_tcp_finish(t);
    assert_int_equal(m.closes, MANY);
    tlsd_tcp_free(t);
}

/* A caller that holds each delivered byte (tlsd_tcp_hold) until it is told to let go. */
#define HOLDERS 400

struct holder {
    struct tlsd_tcp *t;
    size_t held[HOLDERS];
    int shed_order[HOLDERS]; /* flows in the order they were shed */
    size_t n_shed;
    size_t gaps[TLSD_TCP_LIMIT_COUNT]; /* GAP events by the limit they name */
    size_t evicted;                    /* CLOSE events naming max_flows */
};

static void on_hold(void *ctx, struct tlsd_tcp_flow *flow, const struct tlsd_tcp_ev *ev)
{
    struct holder *h = ctx;
    unsigned k = (unsigned)(flow->port[0] - 10000);
    assert_true(k < HOLDERS);
    switch (ev->kind) {
    case TLSD_TCP_EV_DATA:
        h->held[k] += ev->len;
        tlsd_tcp_hold(h->t, flow, h->held[k]);
        break;
    case TLSD_TCP_EV_GAP:
        h->gaps[ev->limit]++;
        break;
    case TLSD_TCP_EV_SHED:
        assert_int_equal(ev->limit, TLSD_TCP_LIMIT_BUFFER);
        h->shed_order[h->n_shed++] = (int)k;
        h->held[k] = 0;
        break;
    case TLSD_TCP_EV_CLOSE:
        h->evicted += ev->limit == TLSD_TCP_LIMIT_FLOWS;
        h->held[k] = 0;
        tlsd_tcp_hold(h->t, flow, 0);
        break;
    default:
        break;
    }
}

/* The total cap counts what the caller holds: past it, the least recently active flows
 * that hold bytes give up their gaps (GAP naming max_buffer), then are told to let go
 * (SHED), oldest first; the flows active since stay whole. The held bytes never stay above
 * the cap after a packet. */
static void test_total_cap_holds(void **state)
{
    (void)state;
    static struct holder h;
    memset(&h, 0, sizeof h);
    const struct tlsd_tcp_config cfg = {.total_cap = 100 * 10, .max_flows = 1000};
    h.t = tlsd_tcp_new(&cfg, on_hold, &h);
    assert_non_null(h.t);
    /* Each flow: "0123456789" held by the caller, then 10 bytes after a gap buffered. */
    for (unsigned k = 0; k < HOLDERS; k++) {
        put(h.t, many_seg(k, 100, "0123456789", k));
        put(h.t, many_seg(k, 120, "abcdefghij", k));
        const struct tlsd_tcp_stats *st = tlsd_tcp_get_stats(h.t);
        assert_true(st->buffered + st->held <= cfg.total_cap);
    }
    const struct tlsd_tcp_stats *st = tlsd_tcp_get_stats(h.t);
    assert_int_equal(st->flows_shed, h.n_shed);
    assert_true(h.n_shed > HOLDERS / 2);
    /* Each shed flow gave up its gap first; the last gap given up may have been enough. */
    size_t given_up = h.gaps[TLSD_TCP_LIMIT_BUFFER];
    assert_true(given_up == h.n_shed || given_up == h.n_shed + 1);
    for (size_t i = 0; i < h.n_shed; i++)
        assert_int_equal(h.shed_order[i], (int)i); /* oldest first */
    for (unsigned k = (unsigned)h.n_shed + 1; k < HOLDERS; k++)
        assert_int_equal(h.held[k], 10); /* the rest waits for its gap, untouched */
    tlsd_tcp_finish(h.t);
    assert_int_equal(tlsd_tcp_get_stats(h.t)->held, 0);
    assert_int_equal(h.gaps[TLSD_TCP_LIMIT_NONE], HOLDERS - given_up);
    tlsd_tcp_free(h.t);
}

/* The per-direction cap and the flow cap name themselves on their events. */
static void test_limit_names(void **state)
{
    (void)state;
    static struct holder h;
    memset(&h, 0, sizeof h);
    const struct tlsd_tcp_config cfg = {.flow_cap = 50, .max_flows = 2};
    h.t = tlsd_tcp_new(&cfg, on_hold, &h);
    assert_non_null(h.t);
    put(h.t, many_seg(0, 200, "0123456789012345678901234567890123456789", 0));
    put(h.t, many_seg(0, 300, "0123456789012345678901234567890123456789", 0));
    assert_int_equal(h.gaps[TLSD_TCP_LIMIT_FLOW_BUFFER], 1);
    put(h.t, many_seg(1, 1, "x", 1));
    put(h.t, many_seg(2, 1, "y", 2)); /* a third flow: the first is evicted */
    assert_int_equal(h.evicted, 1);
    assert_string_equal(tlsd_tcp_limit_name(TLSD_TCP_LIMIT_FLOWS), "max_flows");
    assert_string_equal(tlsd_tcp_limit_name(TLSD_TCP_LIMIT_BUFFER), "max_buffer");
    assert_string_equal(tlsd_tcp_limit_name(TLSD_TCP_LIMIT_FLOW_BUFFER), "max_flow_buffer");
    tlsd_tcp_finish(h.t);
    tlsd_tcp_free(h.t);
}

/* Non-TCP packets are ignored. */
static void test_not_tcp(void **state)
{
    (void)state;
    struct rec r;
    struct tlsd_tcp *t = setup(&r, NULL);
    struct tlsd_pkt p = seg(0, 1, 0, "x", 0);
    p.proto = 17;
    put(t, p);
    assert_int_equal(tlsd_tcp_get_stats(t)->flows, 0);
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
}

/* With flag_events, FIN and RST arrive as events when their segment does, after the data
 * the segment completed; without it, never (existing callers see no new event kind). */
static void test_flag_events(void **state)
{
    (void)state;
    struct rec r;
    const struct tlsd_tcp_config cfg = {.flag_events = true};
    struct tlsd_tcp *t = setup(&r, &cfg);
    handshake(t, 100, 5000);
    put(t, seg(0, 101, TLSD_TCP_ACK, "hello", 0));               /* frame 4 */
    put(t, seg(1, 5001, TLSD_TCP_ACK | TLSD_TCP_FIN, "bye", 0)); /* frame 5 */
    put(t, seg(0, 106, TLSD_TCP_RST, NULL, 0));                  /* frame 6 */
    assert_int_equal(r.n_flag_evs, 2);
    assert_int_equal(r.flag_evs[0].dir, 1);
    assert_int_equal(r.flag_evs[0].flags, TLSD_TCP_FIN);
    assert_int_equal(r.flag_evs[0].frame, 5);
    assert_int_equal(r.flag_evs[0].stream_len, 3); /* "bye" delivered first */
    assert_int_equal(r.flag_evs[1].dir, 0);
    assert_int_equal(r.flag_evs[1].flags, TLSD_TCP_RST);
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
    t = setup(&r, NULL);
    handshake(t, 100, 5000);
    put(t, seg(0, 101, TLSD_TCP_RST, NULL, 0));
    assert_int_equal(r.n_flag_evs, 0);
    tlsd_tcp_finish(t);
    tlsd_tcp_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_retransmission_and_overlap),
        cmocka_unit_test(test_gap_at_end),
        cmocka_unit_test(test_snaplen_cut),
        cmocka_unit_test(test_midstream_and_wrap),
        cmocka_unit_test(test_flow_cap),
        cmocka_unit_test(test_total_cap),
        cmocka_unit_test(test_total_cap_holds),
        cmocka_unit_test(test_limit_names),
        cmocka_unit_test(test_idle_expiry_and_eviction),
        cmocka_unit_test(test_reuse_and_direction),
        cmocka_unit_test(test_many_flows),
        cmocka_unit_test(test_not_tcp),
        cmocka_unit_test(test_flag_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
