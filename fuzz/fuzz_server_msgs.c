/* Fuzz target: the server-message parsers. Input: one byte choosing the negotiated
 * version, two bytes of negotiated suite, then the message (any handshake type), which
 * is also tried as an alert and as an SSLv2 SERVER-HELLO. A ServerHello, whole or the
 * partial result of a failed parse, is walked; its pointers must lie in its own copy
 * of the message (abort otherwise). */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void in_msg(const struct tlsd_server_hello *sh, const uint8_t *p, size_t n)
{
    if (!p || !sh->msg || p < sh->msg || n > sh->msg_len || (size_t)(p - sh->msg) > sh->msg_len - n)
        abort();
}

static unsigned walk_server_hello(enum tlsd_cerr e, const struct tlsd_server_hello *sh)
{
    unsigned sum = 0;
    if (sh->partial && e == TLSD_CERR_OK)
        abort();
    if (e != TLSD_CERR_OK && !sh->partial)
        return 0;
    for (size_t i = 0; i < sh->n_exts; i++) {
        in_msg(sh, sh->exts[i].data, sh->exts[i].len);
        sum += sh->exts[i].len ? sh->exts[i].data[sh->exts[i].len - 1] : 0;
    }
    if (sh->key_share) {
        in_msg(sh, sh->key_share, sh->key_share_len);
        sum += sh->key_share[sh->key_share_len - 1];
    }
    return sum + sh->version + sh->suite;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t versions[] = {0, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304};
    if (size < 3)
        return 0;
    struct tlsd_hs_ctx ctx = {versions[data[0] % 6], (uint16_t)(data[1] << 8 | data[2])};
    data += 3;
    size -= 3;
    struct tlsd_hs_msg m;
    volatile unsigned sink = 0;
    enum tlsd_cerr e = tlsd_hs_parse(data, size, &ctx, &m, NULL);
    if (m.type == 2)
        sink += walk_server_hello(e, &m.u.server_hello);
    (void)sink;
    tlsd_hs_msg_free(&m);
    struct tlsd_alert_msg a;
    e = tlsd_alert_parse(data, size, &a, NULL);
    struct tlsd_ssl2_server_hello sh;
    e = tlsd_ssl2_server_hello_parse(data, size, &sh, NULL);
    (void)e;
    tlsd_ssl2_server_hello_free(&sh);
    return 0;
}
