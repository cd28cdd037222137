/* For the time limits of the libuv jobs (lib/base/deadline_internal.h): a peer on loopback
 * that answers late, and a loop held busy while its answer comes. libuv runs an iteration's
 * timers before its I/O, so a limit that passes while the loop is held fires before the
 * answer already in the socket is read, unless the limit is judged after one more poll. */
#ifndef TLSD_LOOP_TESTUTIL_H
#define TLSD_LOOP_TESTUTIL_H

#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/* Margins wide enough for a loaded machine (an ASan build beside other jobs): the answer
 * comes well before the limit, and the limit passes well within the hold. */
#define TU_ANSWER_AFTER_MS 40  /* the late peer answers this long after the first bytes */
#define TU_HOLD_FROM_MS    10  /* the loop is held from about this long after tu_hold_start */
#define TU_HOLD_MS         500 /* for this long */
#define TU_LIMIT_MS        300 /* a time limit that passes during the hold */

struct tu_late_server {
    int fd;
    uint16_t port;
    pthread_t th;
};

static inline void *tu_late_answer(void *arg)
{
    struct tu_late_server *s = arg;
    int c = accept(s->fd, NULL, NULL);
    char buf[2048];
    if (c >= 0 && read(c, buf, sizeof buf) > 0) {
        usleep(TU_ANSWER_AFTER_MS * 1000);
        static const char answer[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
        if (write(c, answer, sizeof answer - 1) < 0)
            perror("write");
        usleep((TU_HOLD_FROM_MS + TU_HOLD_MS + 300) * 1000); /* open past the hold */
    }
    if (c >= 0)
        close(c);
    return NULL;
}

/* Listens on 127.0.0.1 (any port) and answers one connection's first bytes late. */
static inline void tu_late_server_start(struct tu_late_server *s)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 4), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, tu_late_answer, s), 0);
}

static inline void tu_late_server_end(struct tu_late_server *s)
{
    pthread_join(s->th, NULL);
    close(s->fd);
}

/* Another part of a job holding the loop, once, after an iteration's I/O (a check handle
 * runs after the poll): the next iteration starts with its timers. The handles close
 * themselves after the hold, so the loop may belong to the code under test. */
struct tu_hold {
    uv_check_t check;
    uv_timer_t tick; /* keeps the loop turning until the hold */
    uint64_t start;
};

static inline void tu_hold_tick(uv_timer_t *t)
{
    (void)t;
}

static inline void tu_hold_busy(uv_check_t *c)
{
    struct tu_hold *h = c->data;
    if (uv_now(c->loop) - h->start < TU_HOLD_FROM_MS)
        return;
    usleep(TU_HOLD_MS * 1000);
    uv_close((uv_handle_t *)&h->check, NULL);
    uv_close((uv_handle_t *)&h->tick, NULL);
}

static inline void tu_hold_start(uv_loop_t *loop, struct tu_hold *h)
{
    h->start = uv_now(loop);
    uv_check_init(loop, &h->check);
    h->check.data = h;
    uv_check_start(&h->check, tu_hold_busy);
    uv_timer_init(loop, &h->tick);
    uv_timer_start(&h->tick, tu_hold_tick, TU_HOLD_FROM_MS + 2, 0);
}

static inline void tu_loopback(struct sockaddr_storage *ss, uint16_t port)
{
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    memset(ss, 0, sizeof *ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

#endif
