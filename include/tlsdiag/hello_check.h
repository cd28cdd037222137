/* Is a ServerHello a legal answer to the ClientHello it answers? What a real client checks
 * before it goes on, and aborts with illegal_parameter when it fails (RFC 8446 4.1.3,
 * 4.1.4, 4.2.1, 4.2.8; RFC 5246 7.4.1.3). */
#ifndef TLSDIAG_HELLO_CHECK_H
#define TLSDIAG_HELLO_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"

/* True when sh answers ch legally. Otherwise false, with why set to a sentence naming what
 * the server chose that the client did not offer ("chose TLSv1.3, which the hello did not
 * offer"): the version, the suite, the compression method, the key share group (an HRR:
 * a group not in supported_groups or one a key share was already sent for). */
bool tlsd_server_hello_legal(const struct tlsd_client_hello *ch, const struct tlsd_server_hello *sh,
                             char *why, size_t whylen);

#endif
