/* A client's ClientHello taken from a capture (pcap, pcapng, gzip) as a client profile:
 * "FILE" (the first ClientHello), "FILE#N" (TCP stream N, numbered as tshark numbers
 * tcp.stream) or "FILE@ADDR" (the first ClientHello from client address ADDR). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/profile_internal.h"
#include "tlsdiag/analyze.h"

struct pick {
    const char *addr; /* NULL: any client */
    long long stream; /* -1: any stream */
    struct tlsd_profile *p;
    bool found;
    char name[96];
};

static void on_conn(void *ctx, const struct tlsd_conn *c)
{
    struct pick *k = ctx;
    if (k->found || !c->has_ch)
        return;
    if (k->stream >= 0 && c->id != (uint64_t)k->stream)
        return;
    if (k->addr && strcmp(c->client, k->addr) != 0)
        return;
    tlsd_profile_from_client_hello(&c->ch, k->p);
    snprintf(k->name, sizeof k->name, "hello of %.46s:%u (stream %llu)", c->client, c->client_port,
             (unsigned long long)c->id);
    k->found = true;
}

int tlsd_profile_from_capture(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                              struct tlsd_profile_err *err)
{
    if (side == TLSD_SIDE_SERVER)
        return tlsd_profile_fail(err, "a ClientHello from a capture describes a client");
    char path[4096];
    snprintf(path, sizeof path, "%s", spec);
    struct pick k = {.stream = -1, .p = p};
    char *at = strrchr(path, '@'), *hash = strrchr(path, '#');
    if (hash && (!at || hash > at)) {
        char *end;
        k.stream = strtoll(hash + 1, &end, 10);
        if (*end || end == hash + 1 || k.stream < 0)
            return tlsd_profile_fail(err, "capture: '%s' is not a TCP stream number", hash + 1);
        *hash = '\0';
    } else if (at) {
        k.addr = at + 1;
        *at = '\0';
    }
    struct tlsd_analyze_config cfg = {0};
    struct tlsd_analyzer *a = tlsd_analyzer_new(&cfg, on_conn, &k);
    if (!a)
        return tlsd_profile_fail(err, "out of memory");
    char msg[256] = "";
    enum tlsd_caperr ce = tlsd_analyze_file(a, path, msg, sizeof msg, NULL, NULL);
    tlsd_analyzer_free(a);
    if (!k.found) {
        if (ce != TLSD_CAPERR_OK)
            return tlsd_profile_fail(err, "%s: %s", path, msg);
        if (k.stream >= 0)
            return tlsd_profile_fail(err, "%s: no ClientHello in TCP stream %lld", path, k.stream);
        return tlsd_profile_fail(err, "%s: no ClientHello%s%s", path, k.addr ? " from " : "",
                                 k.addr ? k.addr : "");
    }
    const char *base = strrchr(path, '/');
    snprintf(p->name, sizeof p->name, "%.60s in %.30s", k.name, base ? base + 1 : path);
    snprintf(p->source, sizeof p->source, "ClientHello from a capture");
    return 0;
}
