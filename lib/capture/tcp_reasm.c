/* TCP reassembly: flows in an open-addressing hash table with an LRU list (for expiry and
 * eviction) and a second one of the flows that hold bytes (for the total cap); per direction a
 * sorted list of buffered out-of-order segments that never overlap each other nor the bytes
 * already delivered (first data wins, RFC 9293 3.10.7.4 leaves the choice to the receiver;
 * tshark keeps the first copy too). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "platform.h"

#include "tlsdiag/tcp_reasm.h"

#define INITIAL_SLOTS 1024
#define RECENT_FLOWS  256

/* A buffered piece of one direction's stream; data NULL-equivalent (hole) when the
 * bytes are known to be missing (cut by the snaplen). */
struct seg {
    struct seg *next;
    uint64_t off; /* stream offset of the first byte */
    size_t len;
    uint64_t frame;
    bool hole;
    uint8_t data[];
};

struct dstate {
    bool have_base;
    uint32_t base_seq; /* sequence number of stream offset 0 */
    uint64_t next_off; /* first byte not yet delivered */
    struct seg *pending;
    struct seg *last; /* the last of them: a segment that continues them is appended at once */
    size_t buffered;
};

/* Doubly linked lists threaded through the flows, least recently active first. */
struct node {
    struct node *prev, *next;
};
struct list {
    struct node *head, *tail;
};

struct flow {
    struct tlsd_tcp_flow pub; /* first: tlsd_tcp_hold gets the flow from it */
    struct dstate d[2];
    uint64_t hash;
    size_t held;      /* bytes the caller holds for the flow (tlsd_tcp_hold) */
    struct node lru;  /* every flow */
    struct node hold; /* flows holding bytes: buffered segments or held > 0 */
    bool holding;     /* in that list */
};

#define FLOW_OF(n, member) ((struct flow *)(void *)((char *)(n)-offsetof(struct flow, member)))

struct slot {
    uint64_t hash;
    struct flow *f; /* NULL: empty */
};

struct tlsd_tcp {
    struct tlsd_tcp_config cfg;
    tlsd_tcp_cb cb;
    void *ctx;
    struct slot *slots; /* linear probing, at most half full */
    size_t nslots;
    struct slot recent[RECENT_FLOWS]; /* by hash: flows seen lately */
    struct list lru;                  /* every flow */
    struct list holders;              /* the flows that hold bytes */
    struct flow *cur;                 /* the flow of the segment being handled, or NULL */
    struct tlsd_tcp_stats stats;
    uint64_t next_id;
    uint64_t cur_frame;
    int64_t now;
};

/* ---- flow table ---- */

/* Whole words, not bytes: this runs for every segment of the capture. */
static uint64_t endpoint_hash(const uint8_t *addr, uint16_t port)
{
    uint64_t a, b;
    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    uint64_t h = (a ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
    h ^= (b + port) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

/* Symmetric: both directions of a flow hash alike (murmur3's 64-bit finaliser). */
static uint64_t pkt_hash(const struct tlsd_pkt *p)
{
    uint64_t h = endpoint_hash(p->src, p->sport) + endpoint_hash(p->dst, p->dport) + p->ip_version;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

/* Which direction pkt travels in f: 0, 1, or -1 when it is not f's. */
static int flow_dir(const struct flow *f, const struct tlsd_pkt *p)
{
    const struct tlsd_tcp_flow *pf = &f->pub;
    if (pf->ip_version != p->ip_version)
        return -1;
    for (int d = 0; d < 2; d++)
        if (pf->port[d] == p->sport && pf->port[!d] == p->dport &&
            memcmp(pf->addr[d], p->src, 16) == 0 && memcmp(pf->addr[!d], p->dst, 16) == 0)
            return d;
    return -1;
}

/* The few flows active at a time are found in a small direct-mapped cache first: with
 * many thousands of flows (most done, waiting to expire), a probe of the big table is a
 * cache miss per segment. */
static struct flow *flow_find(struct tlsd_tcp *t, const struct tlsd_pkt *p, uint64_t h, int *dir)
{
    const struct slot *r = &t->recent[h % RECENT_FLOWS];
    if (r->f && r->hash == h && (*dir = flow_dir(r->f, p)) >= 0)
        return r->f;
    size_t mask = t->nslots - 1;
    for (size_t i = h & mask; t->slots[i].f; i = (i + 1) & mask)
        if (t->slots[i].hash == h && (*dir = flow_dir(t->slots[i].f, p)) >= 0) {
            t->recent[h % RECENT_FLOWS] = t->slots[i];
            return t->slots[i].f;
        }
    return NULL;
}

static void list_unlink(struct list *l, struct node *n)
{
    *(n->prev ? &n->prev->next : &l->head) = n->next;
    *(n->next ? &n->next->prev : &l->tail) = n->prev;
    n->prev = n->next = NULL;
}

static void list_append(struct list *l, struct node *n)
{
    n->prev = l->tail;
    n->next = NULL;
    *(l->tail ? &l->tail->next : &l->head) = n;
    l->tail = n;
}

static void list_prepend(struct list *l, struct node *n)
{
    n->prev = NULL;
    n->next = l->head;
    *(l->head ? &l->head->prev : &l->tail) = n;
    l->head = n;
}

/* The flow is the most recently active of the list. */
static void list_touch(struct list *l, struct node *n)
{
    if (l->tail != n) {
        list_unlink(l, n);
        list_append(l, n);
    }
}

static struct flow *lru_first(const struct tlsd_tcp *t)
{
    return t->lru.head ? FLOW_OF(t->lru.head, lru) : NULL;
}

/* ---- bytes held ---- */

static size_t flow_bytes(const struct flow *f)
{
    return f->d[0].buffered + f->d[1].buffered + f->held;
}

/* Puts f in the list of flows holding bytes, or takes it out, as its bytes say. A flow
 * that starts holding while its own segment is handled is the most recently active; one
 * that does while another's is (its gap given up for the total cap) stays first in line. */
static void hold_update(struct tlsd_tcp *t, struct flow *f)
{
    bool holds = flow_bytes(f) > 0;
    if (holds == f->holding)
        return;
    f->holding = holds;
    if (!holds)
        list_unlink(&t->holders, &f->hold);
    else if (f == t->cur)
        list_append(&t->holders, &f->hold);
    else
        list_prepend(&t->holders, &f->hold);
}

void tlsd_tcp_hold(struct tlsd_tcp *t, struct tlsd_tcp_flow *flow, size_t bytes)
{
    struct flow *f = (struct flow *)(void *)flow;
    t->stats.held = t->stats.held - f->held + bytes;
    f->held = bytes;
    if (t->stats.held > t->stats.held_peak)
        t->stats.held_peak = t->stats.held;
    hold_update(t, f);
}

const char *tlsd_tcp_limit_name(enum tlsd_tcp_limit l)
{
    static const char *const names[TLSD_TCP_LIMIT_COUNT] = {
        [TLSD_TCP_LIMIT_FLOW_BUFFER] = "max_flow_buffer",
        [TLSD_TCP_LIMIT_BUFFER] = "max_buffer",
        [TLSD_TCP_LIMIT_FLOWS] = "max_flows",
    };
    return (unsigned)l < TLSD_TCP_LIMIT_COUNT && names[l] ? names[l] : "";
}

static void slot_put(struct slot *slots, size_t nslots, struct flow *f)
{
    size_t i = f->hash & (nslots - 1);
    while (slots[i].f)
        i = (i + 1) & (nslots - 1);
    slots[i] = (struct slot){.hash = f->hash, .f = f};
}

/* Removal without tombstones: later entries of the probe run move back into the hole
 * when their home slot allows it (Knuth 6.4, algorithm R). */
static void hash_unlink(struct tlsd_tcp *t, struct flow *f)
{
    if (t->recent[f->hash % RECENT_FLOWS].f == f)
        t->recent[f->hash % RECENT_FLOWS].f = NULL;
    size_t mask = t->nslots - 1, i = f->hash & mask;
    while (t->slots[i].f != f)
        i = (i + 1) & mask;
    for (size_t j = i;;) {
        t->slots[i].f = NULL;
        size_t home;
        do {
            j = (j + 1) & mask;
            if (!t->slots[j].f)
                return;
            home = t->slots[j].hash & mask;
        } while (i <= j ? (i < home && home <= j) : (i < home || home <= j));
        t->slots[i] = t->slots[j];
        i = j;
    }
}

/* A slot array of n entries, zeroed. From 2 MB up it asks for transparent huge pages:
 * probes land anywhere in it (a new flow's first segment misses the cache there), and
 * with 4 KB pages each such probe missed the TLB as well. */
static struct slot *slots_alloc(size_t n)
{
    const size_t huge = (size_t)2 << 20;
    size_t bytes = n * sizeof(struct slot);
    if (bytes >= huge && bytes % huge == 0) {
        struct slot *p = tlsd_aligned_alloc(huge, bytes);
        if (p) {
            (void)madvise(p, bytes, MADV_HUGEPAGE);
            memset(p, 0, bytes);
            return p;
        }
    }
    return calloc(n, sizeof(struct slot));
}

/* Doubles the slot array when it is half full; on failure keeps the old one. */
static void hash_grow(struct tlsd_tcp *t)
{
    if (t->stats.active_flows * 2 < t->nslots)
        return;
    size_t n = t->nslots * 2;
    struct slot *b = slots_alloc(n);
    if (!b)
        return;
    for (size_t i = 0; i < t->nslots; i++)
        if (t->slots[i].f)
            slot_put(b, n, t->slots[i].f);
    free(t->slots);
    t->slots = b;
    t->nslots = n;
}

/* ---- delivery ---- */

static void emit(struct tlsd_tcp *t, struct flow *f, enum tlsd_tcp_ev_kind kind, unsigned dir,
                 const uint8_t *data, size_t len, enum tlsd_tcp_limit limit)
{
    struct tlsd_tcp_ev ev = {.kind = kind,
                             .dir = dir,
                             .data = data,
                             .len = len,
                             .frame = t->cur_frame,
                             .ts_usec = t->now,
                             .limit = limit};
    struct tlsd_tcp_dir *info = &f->pub.dir[dir];
    if (kind == TLSD_TCP_EV_DATA) {
        info->delivered += len;
    } else {
        info->gaps++;
        info->gap_bytes += len;
        t->stats.gaps++;
        t->stats.gap_bytes += len;
    }
    t->cb(t->ctx, &f->pub, &ev);
}

static size_t seg_cost(const struct seg *s)
{
    return sizeof *s + (s->hole ? 0 : s->len);
}

/* Hands out the buffered segments that now continue the stream. */
static void drain(struct tlsd_tcp *t, struct flow *f, unsigned dir)
{
    struct dstate *s = &f->d[dir];
    struct seg *cur;
    while ((cur = s->pending) && cur->off <= s->next_off) {
        s->pending = cur->next;
        uint64_t end = cur->off + cur->len;
        if (end > s->next_off) {
            size_t skip = (size_t)(s->next_off - cur->off);
            emit(t, f, cur->hole ? TLSD_TCP_EV_GAP : TLSD_TCP_EV_DATA, dir,
                 cur->hole ? NULL : cur->data + skip, cur->len - skip, TLSD_TCP_LIMIT_NONE);
            s->next_off = end;
        }
        s->buffered -= seg_cost(cur);
        t->stats.buffered -= seg_cost(cur);
        free(cur);
    }
    if (!s->pending)
        s->last = NULL;
    hold_update(t, f);
}

/* Gives up the gap before the first buffered segment: it is reported (with the cap that
 * made it be given up, NONE at the end of a flow), and the data behind it delivered. */
static void skip_gap(struct tlsd_tcp *t, struct flow *f, unsigned dir, enum tlsd_tcp_limit why)
{
    struct dstate *s = &f->d[dir];
    if (!s->pending)
        return;
    if (s->pending->off > s->next_off) {
        emit(t, f, TLSD_TCP_EV_GAP, dir, NULL, (size_t)(s->pending->off - s->next_off), why);
        s->next_off = s->pending->off;
    }
    drain(t, f, dir);
}

static struct seg *seg_new(uint64_t off, const uint8_t *data, size_t len, uint64_t frame)
{
    struct seg *sg = malloc(sizeof *sg + (data ? len : 0));
    if (!sg)
        return NULL;
    *sg = (struct seg){.off = off, .len = len, .frame = frame, .hole = data == NULL};
    if (data)
        memcpy(sg->data, data, len);
    return sg;
}

/* Buffers [off, off+len) (data NULL: a hole) where no byte is buffered yet. */
static enum tlsd_caperr insert(struct tlsd_tcp *t, struct flow *f, unsigned dir, uint64_t off,
                               const uint8_t *data, size_t len)
{
    struct dstate *s = &f->d[dir];
    struct seg **pp = &s->pending;
    uint64_t end = off + len;
    /* Segments after a loss mostly arrive in order: appended without a walk of the list,
     * which would make a window of n segments cost n * n / 2 steps. */
    if (s->last && s->last->off + s->last->len <= off)
        pp = &s->last->next;
    while (off < end) {
        struct seg *cur = *pp;
        if (cur && cur->off + cur->len <= off) {
            pp = &cur->next;
            continue;
        }
        size_t n;
        if (cur && cur->off <= off) { /* already buffered: the first copy wins */
            n = (size_t)((cur->off + cur->len < end ? cur->off + cur->len : end) - off);
            f->pub.dir[dir].retrans_bytes += n;
            pp = &cur->next;
        } else {
            n = (size_t)((cur && cur->off < end ? cur->off : end) - off);
            struct seg *ns = seg_new(off, data, n, t->cur_frame);
            if (!ns)
                return TLSD_CAPERR_NOMEM;
            ns->next = cur;
            *pp = ns;
            pp = &ns->next;
            if (!cur)
                s->last = ns;
            s->buffered += seg_cost(ns);
            t->stats.buffered += seg_cost(ns);
        }
        off += n;
        if (data)
            data += n;
    }
    if (t->stats.buffered > t->stats.buffered_peak)
        t->stats.buffered_peak = t->stats.buffered;
    return TLSD_CAPERR_OK;
}

/* Keeps this direction's buffered bytes under flow_cap by giving up its gaps. */
static void enforce_flow_cap(struct tlsd_tcp *t, struct flow *f, unsigned dir)
{
    while (f->d[dir].buffered > t->cfg.flow_cap && f->d[dir].pending) {
        t->stats.flow_cap_hits++;
        skip_gap(t, f, dir, TLSD_TCP_LIMIT_FLOW_BUFFER);
    }
}

/* The caller lets go of what it holds for f (and holds nothing for it after). */
static void shed(struct tlsd_tcp *t, struct flow *f)
{
    struct tlsd_tcp_ev ev = {.kind = TLSD_TCP_EV_SHED,
                             .frame = t->cur_frame,
                             .ts_usec = t->now,
                             .limit = TLSD_TCP_LIMIT_BUFFER};
    t->stats.flows_shed++;
    t->cb(t->ctx, &f->pub, &ev);
    tlsd_tcp_hold(t, &f->pub, 0);
}

/* Keeps every byte held under total_cap: the least recently active flow that holds bytes
 * gives up its gaps (the data behind them delivered), then lets go of its state; then the
 * next. Each step is O(1): that flow heads the holders list (scanning every flow for one
 * with bytes made a capture of many flows past the cap quadratic). */
static void enforce_total_cap(struct tlsd_tcp *t)
{
    while (t->stats.buffered + t->stats.held > t->cfg.total_cap && t->holders.head) {
        struct flow *o = FLOW_OF(t->holders.head, hold);
        t->stats.total_cap_hits++;
        if (o->d[0].pending || o->d[1].pending)
            skip_gap(t, o, o->d[0].pending ? 0 : 1, TLSD_TCP_LIMIT_BUFFER);
        else
            shed(t, o);
    }
}

/* Payload of one segment: seq is the sequence number of its first data byte. */
static enum tlsd_caperr add_data(struct tlsd_tcp *t, struct flow *f, unsigned dir, uint32_t seq,
                                 const struct tlsd_pkt *p)
{
    struct dstate *s = &f->d[dir];
    struct tlsd_tcp_dir *info = &f->pub.dir[dir];
    size_t cap = p->payload_len, wire = p->payload_wire_len, trim = 0;
    int32_t d = (int32_t)(seq - (uint32_t)(s->base_seq + s->next_off));
    info->segments++;
    if (d < 0) { /* starts before what was delivered: a retransmission, maybe partial */
        trim = (size_t) - (int64_t)d;
        if (trim >= wire) {
            t->stats.retrans_segments++;
            info->retrans_bytes += wire;
            return TLSD_CAPERR_OK;
        }
        info->retrans_bytes += trim;
        d = 0;
    }
    if (d == 0 && !s->pending && cap == wire) {
        /* In order with nothing buffered, the common case: handed out from the frame
         * itself, no copy. */
        s->next_off += cap - trim;
        emit(t, f, TLSD_TCP_EV_DATA, dir, p->payload + trim, cap - trim, TLSD_TCP_LIMIT_NONE);
        return TLSD_CAPERR_OK;
    }
    uint64_t off = s->next_off + (uint64_t)d;
    if (d > 0) { /* ahead of a gap */
        info->ooo_segments++;
        t->stats.ooo_segments++;
    }
    enum tlsd_caperr rc = TLSD_CAPERR_OK;
    if (trim < cap)
        rc = insert(t, f, dir, off, p->payload + trim, cap - trim);
    size_t hole_from = trim > cap ? trim : cap;
    if (rc == TLSD_CAPERR_OK && hole_from < wire)
        rc = insert(t, f, dir, off + (hole_from - trim), NULL, wire - hole_from);
    drain(t, f, dir);
    enforce_flow_cap(t, f, dir);
    return rc;
}

static void note(uint64_t *frame, int64_t *ts, const struct tlsd_pkt *p)
{
    if (*frame == 0) {
        *frame = p->frame;
        *ts = p->ts_usec;
    }
}

#define SYN_SAME_USEC 50000 /* 50 ms */

/* A FIN takes the sequence number after the last byte sent (RFC 9293 3.4): one beyond the
 * bytes seen, with nothing buffered, says the bytes between were lost; they are a gap (a
 * client whose only segment was lost did send something). */
static void fin_gap(struct tlsd_tcp *t, struct flow *f, unsigned dir, const struct tlsd_pkt *p)
{
    struct dstate *s = &f->d[dir];
    if (!s->have_base || s->pending)
        return;
    uint32_t end = p->seq + ((p->tcp_flags & TLSD_TCP_SYN) ? 1u : 0u) + p->payload_wire_len;
    uint32_t lost = end - s->base_seq - (uint32_t)s->next_off;
    if (lost == 0 || lost >= 1u << 30) /* at the end, or behind it (a retransmission) */
        return;
    emit(t, f, TLSD_TCP_EV_GAP, dir, NULL, lost, TLSD_TCP_LIMIT_NONE);
    s->next_off += lost;
}

static enum tlsd_caperr segment(struct tlsd_tcp *t, struct flow *f, unsigned dir,
                                const struct tlsd_pkt *p)
{
    struct dstate *s = &f->d[dir];
    struct tlsd_tcp_dir *info = &f->pub.dir[dir];
    bool syn = p->tcp_flags & TLSD_TCP_SYN;
    enum tlsd_caperr rc = TLSD_CAPERR_OK;
    if (syn) {
        /* A SYN again within SYN_SAME_USEC of the last is the same one seen twice (a
         * capture taken at two points of the stack, as pktmon's), not a retransmission:
         * RFC 6298 2.1 and 5.7 set the first retransmission timeout at 1 s (3 s before);
         * Linux waits 1 s, as test_analyze_tcp's captures show. */
        if (!info->syns || tlsd_usec_between(info->last_syn_ts, p->ts_usec) >= SYN_SAME_USEC)
            info->syns++;
        note(&info->syn_frame, &info->syn_ts, p);
        info->last_syn_ts = p->ts_usec;
        /* RFC 9293 3.4: data starts at ISN + 1. A later SYN with another ISN before
         * any data (a new attempt on the same ports) moves the start. */
        if (!s->have_base || (s->next_off == 0 && !s->pending)) {
            s->have_base = true;
            s->base_seq = p->seq + 1;
        }
    }
    if (p->payload_wire_len > 0) {
        if (!info->first_data_frame)
            info->first_data_frame = p->frame;
        if (!s->have_base) { /* joined mid-stream: the first data seen starts it */
            s->have_base = true;
            s->base_seq = p->seq;
        }
        rc = add_data(t, f, dir, p->seq + (syn ? 1 : 0), p);
    }
    if (p->tcp_flags & TLSD_TCP_FIN) {
        fin_gap(t, f, dir, p);
        note(&info->fin_frame, &info->fin_ts, p);
    }
    if (p->tcp_flags & TLSD_TCP_RST)
        note(&info->rst_frame, &info->rst_ts, p);
    uint8_t fr = p->tcp_flags & (TLSD_TCP_FIN | TLSD_TCP_RST);
    if (fr && t->cfg.flag_events) {
        /* After the data this segment completed: "reset right after the hello". */
        struct tlsd_tcp_ev ev = {.kind = TLSD_TCP_EV_FLAGS,
                                 .dir = dir,
                                 .frame = p->frame,
                                 .ts_usec = p->ts_usec,
                                 .flags = fr};
        t->cb(t->ctx, &f->pub, &ev);
    }
    return rc;
}

/* ---- flow lifetime ---- */

/* What is left of the flow's data, then the CLOSE event; then it holds nothing. The
 * bytes still missing at the end are lost ones, not given up for a cap. */
static void flow_last_events(struct tlsd_tcp *t, struct flow *f, enum tlsd_tcp_close why)
{
    for (unsigned d = 0; d < 2; d++)
        while (f->d[d].pending)
            skip_gap(t, f, d, TLSD_TCP_LIMIT_NONE);
    struct tlsd_tcp_ev ev = {.kind = TLSD_TCP_EV_CLOSE,
                             .frame = t->cur_frame,
                             .ts_usec = t->now,
                             .close = why,
                             .limit = why == TLSD_TCP_CLOSE_EVICTED ? TLSD_TCP_LIMIT_FLOWS
                                                                    : TLSD_TCP_LIMIT_NONE};
    t->cb(t->ctx, &f->pub, &ev);
    tlsd_tcp_hold(t, &f->pub, 0);
    list_unlink(&t->lru, &f->lru);
    t->stats.active_flows--;
}

static void flow_close(struct tlsd_tcp *t, struct flow *f, enum tlsd_tcp_close why)
{
    flow_last_events(t, f, why);
    hash_unlink(t, f);
    free(f);
}

static struct flow *flow_new(struct tlsd_tcp *t, const struct tlsd_pkt *p, uint64_t h)
{
    if (t->stats.active_flows >= t->cfg.max_flows && t->lru.head) {
        t->stats.flows_evicted++;
        flow_close(t, lru_first(t), TLSD_TCP_CLOSE_EVICTED);
    }
    if (t->stats.active_flows + 1 >= t->nslots)
        return NULL; /* the table could not grow: keep a free slot for the probes */
    struct flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    /* The initiator sent the SYN; a lone SYN-ACK names it as its receiver. */
    bool from_responder =
        (p->tcp_flags & (TLSD_TCP_SYN | TLSD_TCP_ACK)) == (TLSD_TCP_SYN | TLSD_TCP_ACK);
    f->pub.id = t->next_id++;
    f->pub.ip_version = p->ip_version;
    memcpy(f->pub.addr[from_responder], p->src, 16);
    memcpy(f->pub.addr[!from_responder], p->dst, 16);
    f->pub.port[from_responder] = p->sport;
    f->pub.port[!from_responder] = p->dport;
    f->pub.first_frame = p->frame;
    f->pub.first_ts = p->ts_usec;
    f->hash = h;
    slot_put(t->slots, t->nslots, f);
    t->recent[h % RECENT_FLOWS] = (struct slot){.hash = h, .f = f};
    list_append(&t->lru, &f->lru);
    t->stats.flows++;
    t->stats.active_flows++;
    hash_grow(t);
    return f;
}

static void expire(struct tlsd_tcp *t)
{
    struct flow *f;
    while ((f = lru_first(t)) && tlsd_usec_between(f->pub.last_ts, t->now) > t->cfg.idle_usec) {
        t->stats.flows_idle++;
        flow_close(t, f, TLSD_TCP_CLOSE_IDLE);
    }
}

/* A new connection on the flow's 5-tuple (RFC 9293 3.6.1 TIME-WAIT reuse), as tshark
 * numbers streams: a SYN without ACK after a FIN or RST, or one whose sequence number is
 * not the ISN its side started with (a new attempt, the earlier one never closed). */
static bool is_reuse(const struct flow *f, int dir, const struct tlsd_pkt *p)
{
    const struct tlsd_tcp_dir *d = f->pub.dir;
    if ((p->tcp_flags & (TLSD_TCP_SYN | TLSD_TCP_ACK)) != TLSD_TCP_SYN)
        return false;
    if (d[0].fin_frame || d[1].fin_frame || d[0].rst_frame || d[1].rst_frame)
        return true;
    const struct dstate *s = &f->d[dir];
    return s->have_base && p->seq + 1 != s->base_seq; /* base_seq: ISN + 1 */
}

enum tlsd_caperr tlsd_tcp_packet(struct tlsd_tcp *t, const struct tlsd_pkt *p)
{
    if (p->proto != 6)
        return TLSD_CAPERR_OK;
    t->cur_frame = p->frame;
    if (p->ts_usec > t->now)
        t->now = p->ts_usec;
    t->stats.segments++;
    expire(t);
    uint64_t h = pkt_hash(p);
    int dir = 0;
    struct flow *f = flow_find(t, p, h, &dir);
    if (f && is_reuse(f, dir, p)) {
        t->stats.flows_reused++;
        flow_close(t, f, TLSD_TCP_CLOSE_REUSED);
        f = NULL;
    }
    if (!f) {
        if (!(f = flow_new(t, p, h)))
            return TLSD_CAPERR_NOMEM;
        dir = flow_dir(f, p);
    }
    f->pub.last_ts = t->now;
    f->pub.last_frame = p->frame;
    list_touch(&t->lru, &f->lru);
    if (f->holding)
        list_touch(&t->holders, &f->hold);
    t->cur = f;
    enum tlsd_caperr rc = segment(t, f, (unsigned)dir, p);
    t->cur = NULL;
    enforce_total_cap(t);
    return rc;
}

struct tlsd_tcp *tlsd_tcp_new(const struct tlsd_tcp_config *cfg, tlsd_tcp_cb cb, void *ctx)
{
    struct tlsd_tcp *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (cfg)
        t->cfg = *cfg;
    t->cfg.flow_cap = t->cfg.flow_cap ? t->cfg.flow_cap : TLSD_TCP_DEFAULT_FLOW_CAP;
    t->cfg.total_cap = t->cfg.total_cap ? t->cfg.total_cap : TLSD_TCP_DEFAULT_TOTAL_CAP;
    t->cfg.max_flows = t->cfg.max_flows ? t->cfg.max_flows : TLSD_TCP_DEFAULT_MAX_FLOWS;
    t->cfg.idle_usec = t->cfg.idle_usec ? t->cfg.idle_usec : TLSD_TCP_DEFAULT_IDLE_USEC;
    t->cb = cb;
    t->ctx = ctx;
    t->nslots = INITIAL_SLOTS;
    t->slots = slots_alloc(t->nslots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    return t;
}

/* Every flow ends, oldest first; the table is emptied at once at the end rather than
 * entry by entry (a cache miss each, for hundreds of thousands of flows). */
void tlsd_tcp_finish(struct tlsd_tcp *t)
{
    struct flow *f;
    while ((f = lru_first(t))) {
        flow_last_events(t, f, TLSD_TCP_CLOSE_END);
        free(f);
    }
    memset(t->slots, 0, t->nslots * sizeof *t->slots);
    memset(t->recent, 0, sizeof t->recent);
}

const struct tlsd_tcp_stats *tlsd_tcp_get_stats(const struct tlsd_tcp *t)
{
    return &t->stats;
}

void tlsd_tcp_free(struct tlsd_tcp *t)
{
    if (!t)
        return;
    for (struct flow *f = lru_first(t), *next; f; f = next) {
        next = f->lru.next ? FLOW_OF(f->lru.next, lru) : NULL;
        for (unsigned d = 0; d < 2; d++)
            for (struct seg *s = f->d[d].pending, *sn; s; s = sn) {
                sn = s->next;
                free(s);
            }
        free(f);
    }
    free(t->slots);
    free(t);
}
