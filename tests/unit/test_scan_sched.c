/* The scan scheduler's per-target time limit on a busy loop (lib/scan/scan_sched.c): a
 * target whose last answer came before its limit, while the loop was busy elsewhere, is
 * finished with that answer, not stopped as "time limit reached ... incomplete". One
 * target, one probe (hooks and a task kind of the test's own, above the scheduler as
 * scan.c's are); its server answers 40 ms after the hello; the loop is held from about
 * 10 ms to 510 ms, after an iteration's I/O; the target's limit is 300 ms, the probe's
 * 5 s (loop_testutil.h). libuv runs an iteration's timers before its I/O, so without the
 * limit's grace (deadline_internal.h) the target's time limit fired first. */
#include "loop_testutil.h"

#include "scan/scan_engine.h"

#include <poll.h>
#include <time.h>

struct seen {
    struct tu_hold hold;
    enum tlsd_conn_outcome ending;
    size_t bytes_in;
    unsigned results;
    char error[256]; /* the target's, when it was reported */
    unsigned done;
};
static struct seen seen;

static void on_result(struct task *k, struct probe_res *res)
{
    seen.ending = res->ending;
    seen.bytes_in = res->bytes_in;
    seen.results++;
    scan_end_task(k);
}

static const struct scan_task_kind one_probe = {.on_result = on_result};

/* A task of kind whose probe sends the first bytes of a hello. */
static void submit_hello(struct tscan *t, const struct scan_task_kind *kind)
{
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x01, 0x01};
    struct task *k = scan_new_task(t, kind);
    assert_non_null(k);
    uint8_t *copy = malloc(sizeof hello);
    assert_non_null(copy);
    memcpy(copy, hello, sizeof hello);
    scan_submit(k, copy, sizeof hello);
}

static void start(struct tscan *t)
{
    tu_hold_start(&t->s->loop, &seen.hold);
    submit_hello(t, &one_probe);
}

static void finish(struct tscan *t)
{
    (void)t;
}

static void on_done(void *ctx, const struct tlsd_scan_result *r)
{
    (void)ctx;
    snprintf(seen.error, sizeof seen.error, "%s", r->error);
    seen.done++;
}

static void test_last_answer_read_on_a_busy_loop(void **state)
{
    (void)state;
    struct tu_late_server s;
    tu_late_server_start(&s);
    char host[] = "127.0.0.1";
    struct tlsd_target target = {.input = host, .host = host, .port = s.port};
    struct tlsd_target_list targets = {.v = &target, .n = 1, .cap = 1};
    struct tlsd_scan_opts o;
    tlsd_scan_opts_default(&o);
    o.target_timeout_ms = TU_LIMIT_MS;
    o.timeout_ms = 5000;
    o.retries = 0;
    struct tlsd_scan_result r;
    static const struct scan_hooks hooks = {.start = start, .finish = finish};
    assert_int_equal(scan_run(&hooks, &targets, &o, &r, on_done, NULL, NULL), 0);
    tu_late_server_end(&s);
    tlsd_scan_result_free(&r);
    /* The answer that came at 40 ms was read and the target finished with it. */
    assert_int_equal(seen.done, 1);
    assert_string_equal(seen.error, "");
    assert_int_equal(seen.results, 1);
    assert_true(seen.bytes_in > 0);
    assert_int_equal(seen.ending, TLSD_OUTCOME_NOT_TLS);
}

/* ---- connections opened ahead of need (WARM_MIN_MS) -------------------------------------
 * A peer that answers every connection's first bytes TU_ANSWER_AFTER_MS later, each
 * connection on a thread of its own, noting when it was accepted and when its first bytes
 * came. One target, CHAIN probes one after another (each result starts the next), as an
 * elimination's rounds do. */
#define CHAIN     4
#define MAX_CONNS 16

struct conn_seen {
    double accepted_ms, first_ms; /* first_ms < 0: nothing came */
    int fd;
    pthread_t th;
};

static struct chain_server {
    int fd;
    uint16_t port;
    pthread_t th;
    volatile bool stop;
    pthread_mutex_t mu;
    struct conn_seen conns[MAX_CONNS];
    unsigned n;
} srv;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

#define SLOW_NAME     'b'
#define SLOW_EXTRA_MS 200

static void *chain_conn(void *arg)
{
    struct conn_seen *c = arg;
    char buf[2048];
    ssize_t n = read(c->fd, buf, sizeof buf);
    pthread_mutex_lock(&srv.mu);
    c->first_ms = n > 0 ? now_ms() : -1;
    pthread_mutex_unlock(&srv.mu);
    if (n > 0) {
        /* A hello named SLOW_NAME (queue_one) is answered later than the others. */
        usleep((TU_ANSWER_AFTER_MS + (n >= 6 && buf[5] == SLOW_NAME ? SLOW_EXTRA_MS : 0)) * 1000);
        static const char answer[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
        if (write(c->fd, answer, sizeof answer - 1) < 0)
            perror("write");
    }
    close(c->fd);
    return NULL;
}

static void *chain_accept(void *arg)
{
    (void)arg;
    while (!srv.stop) {
        struct pollfd pfd = {.fd = srv.fd, .events = POLLIN};
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        int fd = accept(srv.fd, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&srv.mu);
        struct conn_seen *c = srv.n < MAX_CONNS ? &srv.conns[srv.n++] : NULL;
        if (c) {
            c->accepted_ms = now_ms();
            c->fd = fd;
        }
        pthread_mutex_unlock(&srv.mu);
        if (!c || pthread_create(&c->th, NULL, chain_conn, c) != 0)
            close(fd);
    }
    return NULL;
}

static unsigned chain_results, chain_answered;

static void chain_submit(struct tscan *t);

static void chain_result(struct task *k, struct probe_res *res)
{
    chain_results++;
    chain_answered += res->bytes_in > 0 && res->ending == TLSD_OUTCOME_NOT_TLS;
    struct tscan *t = k->t;
    if (chain_results < CHAIN)
        chain_submit(t); /* before this task ends, which would end the target */
    scan_end_task(k);
}

static const struct scan_task_kind chain_kind = {.on_result = chain_result};

static void chain_submit(struct tscan *t)
{
    submit_hello(t, &chain_kind);
}

/* Starts the server, scans it as n_targets targets (2 at most) with hooks start,
 * per_target probes in flight at most for each, max_inflight in all (0: the default), and
 * stops the server once every connection has ended. */
static void chain_scan_n(void (*start_fn)(struct tscan *), unsigned per_target, size_t n_targets,
                         unsigned max_inflight, struct tlsd_scan_result *r)
{
    memset(&srv, 0, sizeof srv);
    pthread_mutex_init(&srv.mu, NULL);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(srv.fd >= 0);
    assert_int_equal(bind(srv.fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(srv.fd, 16), 0);
    assert_int_equal(getsockname(srv.fd, (struct sockaddr *)&a, &len), 0);
    srv.port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&srv.th, NULL, chain_accept, NULL), 0);

    char host[] = "127.0.0.1", first[] = "first", second[] = "second";
    struct tlsd_target target[2] = {{.input = first, .host = host, .port = srv.port},
                                    {.input = second, .host = host, .port = srv.port}};
    assert_true(n_targets >= 1 && n_targets <= 2);
    struct tlsd_target_list targets = {.v = target, .n = n_targets, .cap = 2};
    struct tlsd_scan_opts o;
    tlsd_scan_opts_default(&o);
    o.timeout_ms = 5000;
    o.retries = 0;
    o.max_per_target = per_target;
    if (max_inflight)
        o.max_inflight = max_inflight;
    struct scan_hooks hooks = {.start = start_fn, .finish = finish};
    assert_int_equal(scan_run(&hooks, &targets, &o, r, NULL, NULL, NULL), 0);
    usleep(100 * 1000); /* the last close reaches the server */
    srv.stop = true;
    pthread_join(srv.th, NULL);
    for (unsigned i = 0; i < srv.n; i++)
        pthread_join(srv.conns[i].th, NULL);
    close(srv.fd);
}

static void chain_scan(void (*start_fn)(struct tscan *), unsigned per_target,
                       struct tlsd_scan_result *r)
{
    chain_scan_n(start_fn, per_target, 1, 0, r);
}

/* ---- the queue's order (enqueue): with one probe in flight for the target, its queued
 * ones go out urgent first, then the other foreground ones, then the background ones, each
 * in the order queued; scan_make_urgent moves queued ones up, in their order. */
#define QUEUED 6
static char launched[QUEUED + 2];
static size_t n_launched;

static void order_result(struct task *k, struct probe_res *res)
{
    (void)res;
    launched[n_launched++] = (char)k->order;
    scan_end_task(k);
}

static const struct scan_task_kind fg_kind = {.on_result = order_result};
static const struct scan_task_kind bg_kind = {.on_result = order_result, .background = true};

static struct task *queue_one(struct tscan *t, char name, bool bg, bool urgent)
{
    const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x01, (uint8_t)name};
    struct task *k = scan_new_task(t, bg ? &bg_kind : &fg_kind);
    assert_non_null(k);
    k->order = name;
    k->urgent = urgent;
    uint8_t *copy = malloc(sizeof hello);
    assert_non_null(copy);
    memcpy(copy, hello, sizeof hello);
    scan_submit(k, copy, sizeof hello);
    return k;
}

static bool named_e(const struct task *k, const void *arg)
{
    (void)arg;
    return k->order == 'e';
}

static void queue_levels(struct tscan *t)
{
    queue_one(t, 'a', false, false); /* in flight: the others wait */
    queue_one(t, 'b', true, false);
    queue_one(t, 'c', false, false);
    queue_one(t, 'd', false, true);
    queue_one(t, 'e', false, false);
    queue_one(t, 'f', true, false);
    queue_one(t, 'g', false, true);
    scan_make_urgent(t->s, named_e, NULL);
}

static void test_queue_levels(void **state)
{
    (void)state;
    n_launched = 0;
    struct tlsd_scan_result r;
    chain_scan(queue_levels, 1, &r);
    tlsd_scan_result_free(&r);
    launched[n_launched] = 0;
    assert_string_equal(launched, "adgecbf");
}

/* Probes whose answers take TU_ANSWER_AFTER_MS (at least WARM_MIN_MS) go out on connections
 * opened ahead: the server sees a connection accepted well before its first bytes; every
 * probe still gets the server's answer, and the connections the result counts are the ones
 * the server accepted (one opened ahead and not needed included). */
static void test_connections_opened_ahead(void **state)
{
    (void)state;
    assert_true(TU_ANSWER_AFTER_MS >= WARM_MIN_MS);
    struct tlsd_scan_result r;
    chain_scan(chain_submit, WARM_MAX, &r);

    assert_int_equal(chain_results, CHAIN);
    assert_int_equal(chain_answered, CHAIN);
    assert_int_equal(r.connections, srv.n);
    unsigned ahead = 0, with_hello = 0;
    for (unsigned i = 0; i < srv.n; i++) {
        const struct conn_seen *c = &srv.conns[i];
        with_hello += c->first_ms >= 0;
        ahead += c->first_ms >= 0 && c->first_ms - c->accepted_ms >= TU_ANSWER_AFTER_MS / 2;
    }
    assert_int_equal(with_hello, CHAIN);
    assert_true(ahead >= 1);
    tlsd_scan_result_free(&r);
}

/* An urgent task goes ahead of its own target's foreground tasks only: with two probes in
 * flight in all, the first target's 'a' and 'b' fly and its 'c' waits; the second target's
 * 'x' and urgent 'y' queue after 'c'. 'a' is answered first ('b' late: SLOW_NAME): the
 * slot goes to 'c', and only the next one to 'y' (before 'x'). Were urgency global, 'y'
 * would overtake 'c'. If the second target happened to start first, its 'x' and 'y' fly
 * before the first target's tasks are queued at all. */
static void queue_two_targets(struct tscan *t)
{
    if (strcmp(t->target->input, "first") == 0) {
        queue_one(t, 'a', false, false);
        queue_one(t, SLOW_NAME, false, false);
        queue_one(t, 'c', false, false);
    } else {
        queue_one(t, 'x', false, false);
        queue_one(t, 'y', false, true);
    }
}

static void test_urgent_within_its_target(void **state)
{
    (void)state;
    n_launched = 0;
    struct tlsd_scan_result r[2];
    chain_scan_n(queue_two_targets, 2, 2, 2, r);
    tlsd_scan_result_free(&r[0]);
    tlsd_scan_result_free(&r[1]);
    launched[n_launched] = 0;
    assert_int_equal(n_launched, 5);
    const char *a = strchr(launched, 'a'), *c = strchr(launched, 'c'), *y = strchr(launched, 'y'),
               *x = strchr(launched, 'x');
    assert_true(a && c && y && x);
    if (y < a) /* the second target started first */
        return;
    assert_true(c < y);
    assert_true(y < x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_last_answer_read_on_a_busy_loop),
        cmocka_unit_test(test_connections_opened_ahead),
        cmocka_unit_test(test_queue_levels),
        cmocka_unit_test(test_urgent_within_its_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
