/* How a connection ended: the one vocabulary for analyze and watch (from a capture), scan's
 * probes, connect (from the client's socket), serve (from the server's socket) and the
 * negotiation model (tlsd_outcome_ending). The names are the JSON spelling in every
 * document. What a module knows beyond the ending (a time limit ended it, serve's byte
 * cap, an illegal ServerHello, ...) is a detail (enum tlsd_ending_detail), never a second
 * word for the same ending. */
#ifndef TLSDIAG_OUTCOME_H
#define TLSDIAG_OUTCOME_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The two ends of a connection (an index: 0, 1). */
enum tlsd_peer { TLSD_PEER_CLIENT = 0, TLSD_PEER_SERVER = 1 };
const char *tlsd_peer_name(enum tlsd_peer s); /* "client", "server" */

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

/* More about an ending than its name says, what the socket saw (name: JSON; NONE: nothing
 * more, JSON null). Never a second name for an ending: a unit test keeps the two lists'
 * names apart. */
#define TLSD_DETAIL_LIST(X)                                                                        \
    X(NONE, "none")                                                                                \
    X(TIMEOUT, "timeout")                     /* a time limit ended it */                          \
    X(RESET, "reset")                         /* a TCP reset ended it */                           \
    X(CLOSED, "closed")                       /* a TCP close (FIN) ended it */                     \
    X(SSL2_SERVER_HELLO, "ssl2_server_hello") /* success: the answer was SSLv2's */                \
    X(NO_CONNECTION, "no_connection")         /* no TCP connection (or no name, a local error) */  \
    X(STARTTLS_FAILED, "starttls_failed")     /* not_tls: the plain-text protocol refused it */    \
    X(ILLEGAL_ANSWER, "illegal_answer")       /* client_alert: the ServerHello chose what the      \
                                                 hello did not offer (hello_check.h) */            \
    X(RECORDED, "recorded")   /* serve --record-only: hello kept, handshake_failure sent */        \
    X(TOO_LARGE, "too_large") /* serve: the client sent more than the byte cap */                  \
    X(OVER_CAPACITY, "over_capacity") /* serve: refused, as many clients as allowed connected */   \
    X(EVICTED, "evicted")             /* serve: closed before its hello was whole, for room */     \
    X(UNDECIDED, "undecided")         /* scan: reset or refused after retries, not confirmed */

enum tlsd_ending_detail {
#define TLSD_DETAIL_ENUM(name, json) TLSD_DETAIL_##name,
    TLSD_DETAIL_LIST(TLSD_DETAIL_ENUM)
#undef TLSD_DETAIL_ENUM
        TLSD_DETAIL_COUNT
};

const char *tlsd_conn_outcome_name(enum tlsd_conn_outcome o); /* "server_alert" */
const char *tlsd_conn_outcome_text(enum tlsd_conn_outcome o);
/* Parses a name as tlsd_conn_outcome_name gives it; -1 when unknown. */
int tlsd_conn_outcome_from_name(const char *name);

const char *tlsd_ending_detail_name(enum tlsd_ending_detail d); /* "timeout" */

/* True when the outcome is a failure (everything but success). */
bool tlsd_conn_outcome_failed(enum tlsd_conn_outcome o);
/* The outcomes of connections that failed before any TLS, told from TCP alone. */
bool tlsd_conn_outcome_before_tls(enum tlsd_conn_outcome o);

#ifdef __cplusplus
}
#endif
#endif
