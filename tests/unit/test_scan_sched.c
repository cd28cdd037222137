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

static void start(struct tscan *t)
{
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x01, 0x01};
    tu_hold_start(&t->s->loop, &seen.hold);
    struct task *k = scan_new_task(t, &one_probe);
    assert_non_null(k);
    uint8_t *copy = malloc(sizeof hello);
    assert_non_null(copy);
    memcpy(copy, hello, sizeof hello);
    scan_submit(k, copy, sizeof hello);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_last_answer_read_on_a_busy_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
