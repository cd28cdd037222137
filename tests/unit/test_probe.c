/* The probe's time limit on a busy loop (lib/scan/probe.c): an answer that came before the
 * limit, while the loop was busy elsewhere, is read, not taken for "no answer". A server
 * thread answers 40 ms after the hello; the loop is held from about 10 ms to 250 ms, after
 * an iteration's I/O; the probe's limit is 120 ms. libuv runs an iteration's timers before
 * its I/O, so without the probe's grace the timeout fired first (a false no_answer). */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "scan/probe_internal.h"

struct server {
    int fd;
    uint16_t port;
};

static void *serve_once(void *arg)
{
    struct server *s = arg;
    int c = accept(s->fd, NULL, NULL);
    char buf[2048];
    if (c >= 0 && read(c, buf, sizeof buf) > 0) {
        usleep(40 * 1000);
        static const char answer[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
        if (write(c, answer, sizeof answer - 1) < 0)
            perror("write");
        usleep(500 * 1000); /* keep the connection open past the probe's limit */
    }
    if (c >= 0)
        close(c);
    return NULL;
}

static void listen_any(struct server *s)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 4), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
}

/* Another part of the scan holding the loop, once, after an iteration's I/O (a check
 * handle runs after the poll): the next iteration starts with its timers. */
static void busy(uv_check_t *c)
{
    uint64_t *start = c->data;
    if (uv_now(c->loop) - *start < 10)
        return;
    usleep(240 * 1000);
    uv_check_stop(c);
}

static void tick(uv_timer_t *t)
{
    (void)t; /* keeps the loop turning until the busy spell */
}

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
    struct server s;
    listen_any(&s);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, serve_once, &s), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uint64_t start = uv_now(&loop);
    uv_check_t c;
    uv_check_init(&loop, &c);
    c.data = &start;
    uv_check_start(&c, busy);
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, tick, 12, 0);
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x01, 0x01};
    struct probe_res got = {0};
    struct probe_req req = {.hello = malloc(sizeof hello),
                            .hello_len = sizeof hello,
                            .timeout_ms = 120,
                            .cb = on_result,
                            .ctx = &got};
    memcpy(req.hello, hello, sizeof hello);
    struct sockaddr_in *a = (struct sockaddr_in *)&req.addr;
    a->sin_family = AF_INET;
    a->sin_port = htons(s.port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    probe_start(&loop, &req);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_close((uv_handle_t *)&c, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    pthread_join(th, NULL);
    close(s.fd);
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
