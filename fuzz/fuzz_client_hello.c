/* Fuzz target: the ClientHello parser, on whole records (SSLv2 or TLS) and on bare
 * handshake messages in both formats; a parsed hello is walked completely. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned walk(const struct tlsd_client_hello *ch)
{
    unsigned sum = 0;
    uint16_t lo, hi;
    tlsd_client_hello_versions(ch, &lo, &hi);
    for (size_t i = 0; i < ch->n_exts; i++)
        sum += ch->exts[i].len ? ch->exts[i].data[ch->exts[i].len - 1] : 0;
    for (size_t i = 0; i < ch->n_key_shares; i++)
        sum += ch->key_shares[i].key[ch->key_shares[i].len - 1];
    for (size_t i = 0; i < ch->n_alpn; i++)
        sum += ch->alpn[i].p[ch->alpn[i].len - 1];
    return sum + lo + hi;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsd_client_hello ch;
    volatile unsigned sink = 0;
    if (tlsd_client_hello_parse_records(data, size, &ch, NULL) == TLSD_CERR_OK)
        sink += walk(&ch);
    tlsd_client_hello_free(&ch);
    for (int v2 = 0; v2 < 2; v2++) {
        if (tlsd_client_hello_parse(data, size, v2, &ch, NULL) == TLSD_CERR_OK)
            sink += walk(&ch);
        tlsd_client_hello_free(&ch);
    }
    (void)sink;
    return 0;
}
