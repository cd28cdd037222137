/* How a connection ended: one vocabulary for analyze (from a capture), watch, connect and
 * scan (from the socket's view). The names are the JSON spelling in every document. */
#ifndef TLSDIAG_OUTCOME_H
#define TLSDIAG_OUTCOME_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Outcome classes: name (JSON), short text. */
#define TLSD_OUTCOME_LIST(X)                                                                       \
    X(SUCCESS, "success", "handshake completed")                                                   \
    X(SERVER_ALERT, "server_alert", "the server refused with a fatal alert")                       \
    X(CLIENT_ALERT, "client_alert", "the client refused with a fatal alert")                       \
    X(RESET_AFTER_HELLO, "reset_after_client_hello",                                               \
      "the server reset the connection right after the ClientHello")                               \
    X(CLOSE_AFTER_HELLO, "close_after_client_hello",                                               \
      "the server closed the connection right after the ClientHello")                              \
    X(ABORTED, "aborted", "the connection ended during the handshake without an alert")            \
    X(NO_ANSWER, "no_answer", "the server never answered the ClientHello")                         \
    X(NOT_TLS, "not_tls", "the server does not speak TLS")                                         \
    X(TCP_REFUSED, "tcp_refused", "the server refused the TCP connection (RST to the SYN)")        \
    X(TCP_NO_ANSWER, "tcp_no_answer", "the SYN was never answered")                                \
    X(NO_CLIENT_HELLO, "no_client_hello", "connected, but the client sent no ClientHello")         \
    X(SERVER_SPOKE_FIRST, "server_spoke_first", "the server spoke first, not TLS")                 \
    X(TRUNCATED, "truncated", "the capture does not hold the whole handshake")

enum tlsd_conn_outcome {
#define TLSD_OUTCOME_ENUM(name, json, text) TLSD_OUTCOME_##name,
    TLSD_OUTCOME_LIST(TLSD_OUTCOME_ENUM)
#undef TLSD_OUTCOME_ENUM
        TLSD_OUTCOME_COUNT
};

const char *tlsd_conn_outcome_name(enum tlsd_conn_outcome o); /* "server_alert" */
const char *tlsd_conn_outcome_text(enum tlsd_conn_outcome o);
/* Parses a name as tlsd_conn_outcome_name gives it; -1 when unknown. */
int tlsd_conn_outcome_from_name(const char *name);

/* True when the outcome is a failure (everything but success). */
bool tlsd_conn_outcome_failed(enum tlsd_conn_outcome o);
/* The outcomes of connections that failed before any TLS, told from TCP alone. */
bool tlsd_conn_outcome_before_tls(enum tlsd_conn_outcome o);

#ifdef __cplusplus
}
#endif
#endif
