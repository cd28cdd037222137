/* Fuzz target: the ClientHello parser, on whole records (SSLv2 or TLS) and on bare
 * handshake messages in both formats; a parsed hello, and the partial result of a
 * failed parse, is walked completely, and every pointer must lie in its own copy of
 * the message (abort otherwise). */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* p[0..n) lies inside the hello's copy of the message. */
static void in_msg(const struct tlsd_client_hello *ch, const uint8_t *p, size_t n)
{
    if (!p || !ch->msg || p < ch->msg || n > ch->msg_len || (size_t)(p - ch->msg) > ch->msg_len - n)
        abort();
}

static unsigned walk(const struct tlsd_client_hello *ch)
{
    unsigned sum = 0;
    uint16_t lo, hi;
    tlsd_client_hello_versions(ch, &lo, &hi);
    for (size_t i = 0; i < ch->n_suites; i++)
        sum += ch->suites[i];
    for (size_t i = 0; i < ch->n_exts; i++) {
        in_msg(ch, ch->exts[i].data, ch->exts[i].len);
        sum += ch->exts[i].len ? ch->exts[i].data[ch->exts[i].len - 1] : 0;
    }
    for (size_t i = 0; i < ch->n_key_shares; i++) {
        in_msg(ch, ch->key_shares[i].key, ch->key_shares[i].len);
        sum += ch->key_shares[i].key[ch->key_shares[i].len - 1];
    }
    for (size_t i = 0; i < ch->n_alpn; i++) {
        in_msg(ch, ch->alpn[i].p, ch->alpn[i].len);
        sum += ch->alpn[i].p[ch->alpn[i].len - 1];
    }
    for (size_t i = 0; i < ch->n_versions; i++)
        sum += ch->versions[i];
    return sum + lo + hi;
}

/* A whole result, or the fields a failed parse read before its error. */
static unsigned walk_if(enum tlsd_cerr e, const struct tlsd_client_hello *ch)
{
    if (ch->partial && e == TLSD_CERR_OK)
        abort();
    return e == TLSD_CERR_OK || ch->partial ? walk(ch) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsd_client_hello ch;
    volatile unsigned sink = 0;
    sink += walk_if(tlsd_client_hello_parse_records(data, size, &ch, NULL), &ch);
    tlsd_client_hello_free(&ch);
    for (int v2 = 0; v2 < 2; v2++) {
        sink += walk_if(tlsd_client_hello_parse(data, size, v2, &ch, NULL), &ch);
        tlsd_client_hello_free(&ch);
    }
    (void)sink;
    return 0;
}
