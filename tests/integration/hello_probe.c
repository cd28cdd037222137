/* hello_probe: sends raw ClientHello records to a server on loopback and reports what
 * the server answers, read with the codec's record reassembler and ServerHello parser.
 *
 * Usage: hello_probe PORT < LIST, where each LIST line is "NAME HEX" (a whole
 * ClientHello record as hex, or "@FILE": the hello `tlsdiag connect --as FILE` sends for
 * the client profile FILE). One output line per input line:
 *   NAME OK VERSION SUITE [HRR] G=GROUP   a ServerHello (or HelloRetryRequest), codes in
 *                                 hex; GROUP the TLS 1.3 key share (HRR: the group asked
 *                                 for) or the ECDHE curve of the ServerKeyExchange, "-"
 *                                 for none (RSA or DHE key exchange)
 *   NAME ALERT N                  a fatal alert before any ServerHello
 *   NAME CLOSED                   the connection closed or reset without either
 *   NAME SSL2                     an SSLv2 SERVER-HELLO
 *   NAME TIMEOUT / ERROR reason
 * Every read has a 3 s limit, so a silent server never hangs the test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tlsdiag/connect.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/record.h"

static int unhex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    for (; s[0] && s[1] && n < max; s += 2) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            return -1;
        out[n++] = (uint8_t)v;
    }
    return (int)n;
}

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Reads events until a verdict; writes it to out. */
static void verdict(int fd, char *out, size_t len)
{
    struct tlsd_reasm r;
    tlsd_reasm_init(&r);
    struct tlsd_hs_ctx ctx = {0};
    char group[16] = "G=-";
    snprintf(out, len, "CLOSED");
    for (;;) {
        struct tlsd_event ev;
        enum tlsd_cerr e = tlsd_reasm_next(&r, &ev);
        if (e == TLSD_CERR_OK) {
            if (ev.kind == TLSD_EV_ALERT) {
                if (!ctx.suite) /* after a ServerHello the answer is already known */
                    snprintf(out, len, "ALERT %u", ev.alert_desc);
                break;
            }
            if (ev.kind == TLSD_EV_SSL2) {
                snprintf(out, len, "SSL2");
                break;
            }
            if (ev.kind == TLSD_EV_HANDSHAKE && ev.hs_type == TLSD_HS_SERVER_HELLO && !ctx.suite) {
                struct tlsd_server_hello sh;
                struct tlsd_err err = {0};
                memset(&sh, 0, sizeof sh);
                if (tlsd_server_hello_parse(ev.data, ev.len, &sh, &err) != TLSD_CERR_OK) {
                    snprintf(out, len, "ERROR bad ServerHello");
                    tlsd_server_hello_free(&sh);
                    break;
                }
                snprintf(out, len, "OK 0x%04X 0x%04X%s", sh.version, sh.suite,
                         sh.is_hrr ? " HRR" : "");
                bool tls13 = sh.version == 0x0304 || sh.is_hrr;
                if (tls13 && sh.has_key_share)
                    snprintf(group, sizeof group, "G=0x%04X", sh.key_share_group);
                ctx.version = sh.version;
                ctx.suite = sh.suite;
                tlsd_server_hello_free(&sh);
                if (tls13)
                    break;
                continue; /* TLS <= 1.2: the group is in the ServerKeyExchange */
            }
            if (ev.kind == TLSD_EV_HANDSHAKE && ev.hs_type == TLSD_HS_SERVER_KEY_EXCHANGE) {
                struct tlsd_server_key_exchange ske;
                struct tlsd_err err = {0};
                memset(&ske, 0, sizeof ske);
                if (tlsd_server_key_exchange_parse(ev.data, ev.len, &ctx, &ske, &err) ==
                        TLSD_CERR_OK &&
                    ske.kind == TLSD_SKE_ECDH)
                    snprintf(group, sizeof group, "G=0x%04X", ske.named_curve);
                break;
            }
            if (ev.kind == TLSD_EV_HANDSHAKE && ev.hs_type == TLSD_HS_SERVER_HELLO_DONE)
                break;
            continue;
        }
        if (e != TLSD_CERR_NEED_MORE) {
            if (!ctx.suite)
                snprintf(out, len, "ERROR %s", tlsd_cerr_name(e));
            break;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 3000) <= 0) {
            if (!ctx.suite)
                snprintf(out, len, "TIMEOUT");
            break;
        }
        uint8_t buf[16384];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0 || tlsd_reasm_feed(&r, buf, (size_t)n) != TLSD_CERR_OK)
            break; /* CLOSED (EOF or reset) */
    }
    tlsd_reasm_free(&r);
    if (ctx.suite) { /* "OK VERSION SUITE [HRR] G=GROUP": the group, "-" when none */
        size_t n = strlen(out);
        snprintf(out + n, len - n, " %s", group);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hello_probe PORT < LIST\n");
        return 2;
    }
    int port = atoi(argv[1]);
    static char line[1 << 16];
    static uint8_t rec[1 << 15];
    while (fgets(line, sizeof line, stdin)) {
        char name[128], *hex = line;
        if (sscanf(line, "%127s", name) != 1)
            continue;
        hex += strlen(name);
        while (*hex == ' ')
            hex++;
        hex[strcspn(hex, "\r\n")] = '\0';
        char v[96] = "ERROR bad hex";
        int n;
        if (hex[0] == '@') { /* a profile file: the hello 'tlsdiag connect --as' sends */
            uint8_t *built = NULL;
            size_t blen = 0;
            bool captured;
            struct tlsd_profile client;
            struct tlsd_profile_err err;
            n = -1;
            if (tlsd_connect_hello_for(hex + 1, NULL, &built, &blen, &captured, &client, &err) < 0)
                snprintf(v, sizeof v, "ERROR %.80s", err.msg);
            else if (blen <= sizeof rec) {
                memcpy(rec, built, blen);
                n = (int)blen;
            }
            free(built);
        } else {
            n = unhex(hex, rec, sizeof rec);
        }
        int fd = n > 0 ? connect_port(port) : -1;
        if (n > 0 && fd < 0)
            snprintf(v, sizeof v, "ERROR connect: %s", strerror(errno));
        if (fd >= 0) {
            if (write(fd, rec, (size_t)n) == n)
                verdict(fd, v, sizeof v);
            else
                snprintf(v, sizeof v, "CLOSED");
            close(fd);
        }
        printf("%s %s\n", name, v);
        fflush(stdout);
    }
    return 0;
}
