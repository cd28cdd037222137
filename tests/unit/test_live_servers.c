/* A ClientHello built by the codec, sent over TCP to a real `openssl s_server` and
 * `gnutls-serv` on loopback (TLS 1.0, 1.2 and 1.3 in turn, each server allowed one
 * version and one suite, so the answer is determined), draws a ServerHello that comes
 * through the record reassembler and parses with that version and suite. For OpenSSL
 * the ServerHello must also be byte-identical to the one s_server's -msg output says
 * it sent. Servers are always killed; every wait has a time limit. */
#include "codec_testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/record.h"

extern char **environ;

static char dir[] = "/tmp/tlsd-live-XXXXXX";
static pid_t server_pid;

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/k.pem -out %s/c.pem -days 2 "
             "-subj /CN=live.codec.test >/dev/null 2>&1",
             dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void start_server(char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    assert_int_equal(posix_spawnp(&server_pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
}

/* Waits up to ms for the server to exit; kills it when it does not. */
static void stop_server(int ms)
{
    int status;
    for (int i = 0; i < ms / 20; i++) {
        if (waitpid(server_pid, &status, WNOHANG) == server_pid) {
            server_pid = 0;
            return;
        }
        usleep(20000);
    }
    kill(server_pid, SIGKILL);
    waitpid(server_pid, &status, 0);
    server_pid = 0;
}

/* Connects, retrying while the server is not listening yet (refused connections do
 * not use up s_server's -naccept 1). */
static int connect_retry(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 200; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
            return s;
        close(s);
        usleep(50000);
    }
    return -1;
}

struct answer {
    struct tlsd_server_hello sh;
    bool got_sh;
    int alert; /* -1: none */
    uint8_t sh_bytes[512];
    size_t sh_len;
};

static bool handle_event(struct tlsd_reasm *r, const struct tlsd_event *ev, struct answer *ans)
{
    if (ev->kind == TLSD_EV_ALERT) {
        ans->alert = ev->alert_desc;
        return true;
    }
    if (ev->kind != TLSD_EV_HANDSHAKE)
        return ev->kind == TLSD_EV_ENCRYPTED; /* TLS 1.3: done after the ServerHello */
    if (ev->hs_type == TLSD_HS_SERVER_HELLO) {
        struct tlsd_err err = {0};
        assert_int_equal(tlsd_server_hello_parse(ev->data, ev->len, &ans->sh, &err), TLSD_CERR_OK);
        ans->got_sh = true;
        tlsd_reasm_server_hello(r, ans->sh.version, ans->sh.is_hrr);
        assert_true(ev->len <= sizeof ans->sh_bytes);
        memcpy(ans->sh_bytes, ev->data, ev->len);
        ans->sh_len = ev->len;
    }
    return ev->hs_type == TLSD_HS_SERVER_HELLO_DONE;
}

/* Sends the hello, reads the answer through the reassembler (5 s limit). */
static void exchange(int s, const uint8_t *hello, size_t len, struct answer *ans)
{
    struct tlsd_reasm r;
    struct tlsd_event ev;
    bool done = false;
    tlsd_reasm_init(&r);
    ans->alert = -1;
    assert_int_equal(send(s, hello, len, MSG_NOSIGNAL), (ssize_t)len);
    time_t end = time(NULL) + 5;
    while (!done && time(NULL) < end) {
        struct pollfd p = {.fd = s, .events = POLLIN};
        if (poll(&p, 1, 500) <= 0)
            continue;
        uint8_t buf[4096];
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        assert_int_equal(tlsd_reasm_feed(&r, buf, (size_t)n), TLSD_CERR_OK);
        enum tlsd_cerr e;
        while (!done && (e = tlsd_reasm_next(&r, &ev)) == TLSD_CERR_OK)
            done = handle_event(&r, &ev, ans);
        if (!done)
            assert_int_equal(e, TLSD_CERR_NEED_MORE);
    }
    tlsd_reasm_free(&r);
}

struct version_case {
    uint16_t version, suite;
    const char *openssl_args[4];
    const char *gnutls_priority;
};

static const struct version_case cases[] = {
    {0x0301,
     0xc013,
     {"-tls1", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0", NULL},
     "NONE:+VERS-TLS1.0:+AES-128-CBC:+SHA1:+ECDHE-RSA:+SIGN-ALL:+GROUP-ALL:+COMP-NULL:%PROFILE_"
     "LOW"},
    {0x0303,
     0xc030,
     {"-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384", NULL},
     "NONE:+VERS-TLS1.2:+AES-256-GCM:+AEAD:+ECDHE-RSA:+SIGN-ALL:+GROUP-ALL:+COMP-NULL"},
    {0x0304,
     0x1302,
     {"-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384", NULL},
     "NONE:+VERS-TLS1.3:+AES-256-GCM:+AEAD:+GROUP-ALL:+SIGN-ALL:+COMP-NULL"},
};

/* What a client supporting TLS 1.0..1.3 would offer, with GREASE when asked. */
static uint8_t *build_hello(const struct version_case *c, bool grease, size_t *len)
{
    static const uint32_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02f, 0xc030, 0xc013,
                                      0xc014, 0x009e, 0x002f, 0x0035, 0x00ff};
    static const uint16_t groups[] = {0x001d, 0x0017, 0x0018, 0x0100};
    static const uint16_t sigs[] = {0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
                                    0x0601, 0x0403, 0x0503, 0x0201, 0x0203};
    static const uint16_t v13[] = {0x0304, 0x0303, 0x0302, 0x0301};
    static const uint8_t pf[] = {0}, psk[] = {1};
    static const struct tlsd_key_share_spec ks[] = {{.group = 0x001d}};
    struct tlsd_hello_spec s = {.legacy_version = c->version < 0x0303 ? c->version : 0x0303};
    s.suites = suites;
    s.n_suites = sizeof suites / sizeof suites[0];
    s.server_name = "live.codec.test";
    s.groups = (struct tlsd_u16_list){groups, 4, true};
    s.ec_point_formats = (struct tlsd_u8_list){pf, 1, true};
    s.sigalgs = (struct tlsd_u16_list){sigs, 10, true};
    s.extended_master_secret = s.renegotiation_info = true;
    if (c->version == 0x0304) {
        s.versions = (struct tlsd_u16_list){v13, 4, true};
        s.key_shares = ks;
        s.n_key_shares = 1;
        s.psk_modes = (struct tlsd_u8_list){psk, 1, true};
    }
    s.grease = grease;
    s.padding = TLSD_PAD_AVOID_256_511;
    uint8_t *rec;
    assert_int_equal(tlsd_hello_build(&s, NULL, NULL, &rec, len), TLSD_CERR_OK);
    return rec;
}

static void check_answer(const char *who, const struct version_case *c, struct answer *a)
{
    if (a->alert >= 0)
        fail_msg("%s TLS 0x%04x: alert %d instead of a ServerHello", who, c->version, a->alert);
    if (!a->got_sh)
        fail_msg("%s TLS 0x%04x: no ServerHello", who, c->version);
    assert_false(a->sh.is_hrr);
    assert_int_equal(a->sh.version, c->version);
    assert_int_equal(a->sh.suite, c->suite);
}

/* The ServerHello s_server's -msg output says it sent (">>> ... ServerHello"). */
static size_t logged_server_hello(const char *log, uint8_t *out, size_t max)
{
    char *text = tu_slurp(log, NULL), *p = strstr(text, ", ServerHello\n");
    size_t n = 0;
    for (p = p ? strchr(p, '\n') + 1 : NULL; p && *p == ' ';) {
        char *eol = strchr(p, '\n');
        size_t k;
        uint8_t *b = tu_unhex(p, eol ? (size_t)(eol - p) : strlen(p), &k);
        if (n + k <= max)
            memcpy(out + n, b, k);
        n += k;
        free(b);
        p = eol ? eol + 1 : NULL;
    }
    free(text);
    return n;
}

/* Starts the server, sends it one built hello, reads its answer, stops it (waiting up
 * to stop_ms for it to end by itself). */
static void serve_one(char *const argv[], const char *log, const char *port,
                      const struct version_case *c, bool grease, int stop_ms, struct answer *a)
{
    start_server(argv, log);
    int s = connect_retry(atoi(port));
    assert_true(s >= 0);
    size_t len;
    uint8_t *hello = build_hello(c, grease, &len);
    exchange(s, hello, len, a);
    close(s);
    free(hello);
    stop_server(stop_ms);
}

static void run_openssl(const struct version_case *c, bool grease)
{
    char port[16], cert[300], key[300], log[300];
    snprintf(port, sizeof port, "%d", free_port());
    snprintf(cert, sizeof cert, "%s/c.pem", dir);
    snprintf(key, sizeof key, "%s/k.pem", dir);
    snprintf(log, sizeof log, "%s/openssl.log", dir);
    /* -quiet: without it s_server drops the connection when its stdin (/dev/null) ends */
    char *argv[] = {"openssl",
                    "s_server",
                    "-accept",
                    port,
                    "-cert",
                    cert,
                    "-key",
                    key,
                    "-naccept",
                    "1",
                    "-quiet",
                    "-msg",
                    (char *)c->openssl_args[0],
                    (char *)c->openssl_args[1],
                    (char *)c->openssl_args[2],
                    NULL};
    struct answer a = {0};
    serve_one(argv, log, port, c, grease, 3000, &a);
    check_answer("openssl", c, &a);
    uint8_t logged[512];
    size_t n = logged_server_hello(log, logged, sizeof logged);
    assert_int_equal(n, a.sh_len);
    assert_memory_equal(logged, a.sh_bytes, n);
    tlsd_server_hello_free(&a.sh);
}

static void run_gnutls(const struct version_case *c, bool grease)
{
    char port[16], cert[300], key[300], log[300], prio[300];
    snprintf(port, sizeof port, "%d", free_port());
    snprintf(cert, sizeof cert, "--x509certfile=%s/c.pem", dir);
    snprintf(key, sizeof key, "--x509keyfile=%s/k.pem", dir);
    snprintf(log, sizeof log, "%s/gnutls.log", dir);
    snprintf(prio, sizeof prio, "--priority=%s", c->gnutls_priority);
    char *argv[] = {"gnutls-serv", "-p", port, cert, key, prio, "--echo", NULL};
    struct answer a = {0};
    serve_one(argv, log, port, c, grease, 0, &a); /* gnutls-serv serves forever */
    check_answer("gnutls", c, &a);
    tlsd_server_hello_free(&a.sh);
}

static void test_openssl(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        run_openssl(&cases[i], false);
        run_openssl(&cases[i], true);
    }
}

static void test_gnutls(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        run_gnutls(&cases[i], false);
        run_gnutls(&cases[i], true);
    }
}

static void on_alarm(int sig)
{
    (void)sig;
    if (server_pid > 0)
        kill(server_pid, SIGKILL);
    _exit(124); /* never hang the test run */
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    alarm(120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openssl),
        cmocka_unit_test(test_gnutls),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    if (server_pid > 0) { /* a failed assertion left it running */
        kill(server_pid, SIGKILL);
        waitpid(server_pid, NULL, 0);
    }
    return rc;
}
