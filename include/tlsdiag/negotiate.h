/* Negotiation models: given a client profile and a server profile, predict what the
 * server answers (version, suite, group) or why and how the handshake fails. */
#ifndef TLSDIAG_NEGOTIATE_H
#define TLSDIAG_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/outcome.h"
#include "tlsdiag/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tlsd_fail_class {
    TLSD_FAIL_NONE = 0,
    TLSD_FAIL_VERSION,        /* no common protocol version */
    TLSD_FAIL_SUITE,          /* no common cipher suite */
    TLSD_FAIL_CERT,           /* common suites exist, none fits the server certificate */
    TLSD_FAIL_GROUP,          /* no common (EC)DHE group */
    TLSD_FAIL_SIGSCHEME,      /* no signature scheme for the certificate */
    TLSD_FAIL_CLIENT_REFUSES, /* the server chose something the client does not accept */
    TLSD_FAIL_RENEGOTIATION,  /* the server requires RFC 5746 signalling the client lacks */
    TLSD_FAIL_BAD_HELLO,      /* the server rejects the hello itself (e.g. a bad server_name) */
};
const char *tlsd_fail_class_name(enum tlsd_fail_class c); /* "no-common-version", ... */
const char *tlsd_fail_class_text(enum tlsd_fail_class c); /* "no common protocol version" */

#define TLSD_MAX_EVENTS 4

struct tlsd_outcome {
    bool ok;
    uint16_t version;
    uint32_t suite;
    uint16_t group;     /* 0 when the key exchange uses none (static RSA) */
    bool hrr;           /* TLS 1.3: HelloRetryRequest needed for the group */
    uint16_t sigscheme; /* TLS 1.3 / (EC)DHE: the scheme the server signs with, 0 if none */
    int cert_index;     /* server certificate used, -1 when none */
    enum tlsd_fail_class fail;
    int alert;                        /* TLS alert sent, -1 when none */
    bool alert_from_client;           /* the client sends it (it refuses the server's choice) */
    bool reset;                       /* the server closes the connection without an alert */
    int events[TLSD_MAX_EVENTS];      /* Schannel event IDs the admin will see */
    int event_alert[TLSD_MAX_EVENTS]; /* alert carried by that event, -1 none */
    size_t n_events;
    char detail[300];
};

/* How the predicted handshake ends, in the words of outcome.h: success, server_alert,
 * client_alert (the client refuses the server's choice), or reset_after_client_hello (the
 * server closes without an alert, as Schannel does). */
enum tlsd_conn_outcome tlsd_outcome_ending(const struct tlsd_outcome *o);

/* Predicts the handshake. Never fails: the result says what happens. */
void tlsd_negotiate(const struct tlsd_profile *client, const struct tlsd_profile *server,
                    struct tlsd_outcome *out);

#ifdef __cplusplus
}
#endif
#endif
