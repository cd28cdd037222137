/* The probe's time limit on a busy loop (lib/scan/probe.c): an answer that came before the
 * limit, while the loop was busy elsewhere, is read, not taken for "no answer". A server
 * thread answers 40 ms after the hello; the loop is held from about 10 ms to 510 ms, after
 * an iteration's I/O; the probe's limit is 300 ms (loop_testutil.h). libuv runs an
 * iteration's timers before its I/O, so without the limit's grace (deadline_internal.h) the
 * timeout fired first (a false no_answer). */
#include "loop_testutil.h"

#include "scan/probe_internal.h"

static void on_result(void *ctx, struct probe_res *res)
{
    struct probe_res *out = ctx;
    out->ending = res->ending;
    out->detail = res->detail;
    out->bytes_in = res->bytes_in;
    out->timed_out = res->timed_out;
}

static void test_answer_read_on_a_busy_loop(void **state)
{
    (void)state;
    struct tu_late_server s;
    tu_late_server_start(&s);
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct tu_hold hold;
    tu_hold_start(&loop, &hold);
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x01, 0x01};
    struct probe_res got = {0};
    struct probe_req req = {.hello = malloc(sizeof hello),
                            .hello_len = sizeof hello,
                            .timeout_ms = TU_LIMIT_MS,
                            .cb = on_result,
                            .ctx = &got};
    memcpy(req.hello, hello, sizeof hello);
    tu_loopback(&req.addr, s.port);
    probe_start(&loop, &req);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    tu_late_server_end(&s);
    /* The 29 bytes that came at 40 ms were read: not TLS, not "no answer". */
    assert_true(got.bytes_in > 0);
    assert_int_equal(got.ending, TLSD_OUTCOME_NOT_TLS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_read_on_a_busy_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
