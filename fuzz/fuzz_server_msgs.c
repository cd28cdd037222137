/* Fuzz target: the server-message parsers. Input: one byte choosing the negotiated
 * version, two bytes of negotiated suite, then the message (any handshake type), which
 * is also tried as an alert and as an SSLv2 SERVER-HELLO. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t versions[] = {0, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304};
    if (size < 3)
        return 0;
    struct tlsd_hs_ctx ctx = {versions[data[0] % 6], (uint16_t)(data[1] << 8 | data[2])};
    data += 3;
    size -= 3;
    struct tlsd_hs_msg m;
    enum tlsd_cerr e = tlsd_hs_parse(data, size, &ctx, &m, NULL);
    tlsd_hs_msg_free(&m);
    struct tlsd_alert_msg a;
    e = tlsd_alert_parse(data, size, &a, NULL);
    struct tlsd_ssl2_server_hello sh;
    e = tlsd_ssl2_server_hello_parse(data, size, &sh, NULL);
    (void)e;
    tlsd_ssl2_server_hello_free(&sh);
    return 0;
}
