/* Fuzz target: the bytes a client sends to `tlsdiag serve`, through the hello recorder
 * (record reassembler + ClientHello parser) in chunks as TCP might deliver them, then the
 * client profile built from the hello and the negotiation model against two servers.
 * Input: first byte = chunk size (0: all at once), the rest = the client's bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/negotiate.h"
#include "tlsdiag/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct tlsd_profile *server(int i)
{
    static struct tlsd_profile p[2];
    static bool loaded[2];
    static const char *const names[2] = {"windows-2025", "openssl-3"};
    struct tlsd_profile_err err;
    if (!loaded[i] && tlsd_profile_builtin(names[i], TLSD_SIDE_SERVER, &p[i], &err) < 0)
        abort();
    loaded[i] = true;
    return &p[i];
}

static void use_hello(const struct tlsd_client_hello *ch)
{
    struct tlsd_profile client;
    struct tlsd_outcome o;
    tlsd_profile_from_client_hello(ch, &client);
    for (int i = 0; i < 2; i++) {
        tlsd_negotiate(&client, server(i), &o);
        if (o.ok && !tlsd_profile_has_suite(&client, o.suite))
            abort(); /* the model chose a suite the client never offered */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = data[0] ? data[0] : size;
    data++, size--;
    struct tlsd_hello_rec rec;
    tlsd_hello_rec_init(&rec);
    for (size_t off = 0; off < size || size == 0;) {
        size_t n = size - off < chunk ? size - off : chunk;
        struct tlsd_client_hello ch;
        struct tlsd_err err = {0};
        enum tlsd_cerr rc = tlsd_hello_rec_feed(&rec, data + off, n, &ch, &err);
        if (rc == TLSD_CERR_OK)
            use_hello(&ch);
        tlsd_client_hello_free(&ch);
        if (rc != TLSD_CERR_NEED_MORE || size == 0)
            break;
        off += n;
    }
    tlsd_hello_rec_free(&rec);
    return 0;
}
