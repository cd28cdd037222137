/* How a connection ended: names and texts (include/tlsdiag/outcome.h). */
#include <string.h>

#include "tlsdiag/outcome.h"

static const char *const outcome_names[] = {
#define TLSD_OUTCOME_NAME(name, json, text) json,
    TLSD_OUTCOME_LIST(TLSD_OUTCOME_NAME)
#undef TLSD_OUTCOME_NAME
};
static const char *const outcome_texts[] = {
#define TLSD_OUTCOME_TEXT(name, json, text) text,
    TLSD_OUTCOME_LIST(TLSD_OUTCOME_TEXT)
#undef TLSD_OUTCOME_TEXT
};
static const char *const detail_names[] = {
#define TLSD_DETAIL_NAME(name, json) json,
    TLSD_DETAIL_LIST(TLSD_DETAIL_NAME)
#undef TLSD_DETAIL_NAME
};

const char *tlsd_conn_outcome_name(enum tlsd_conn_outcome o)
{
    return (unsigned)o < TLSD_OUTCOME_COUNT ? outcome_names[o] : "?";
}

const char *tlsd_conn_outcome_text(enum tlsd_conn_outcome o)
{
    return (unsigned)o < TLSD_OUTCOME_COUNT ? outcome_texts[o] : "?";
}

const char *tlsd_ending_detail_name(enum tlsd_ending_detail d)
{
    return (unsigned)d < TLSD_DETAIL_COUNT ? detail_names[d] : "?";
}

int tlsd_conn_outcome_from_name(const char *name)
{
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        if (strcmp(name, outcome_names[i]) == 0)
            return i;
    return -1;
}

bool tlsd_conn_outcome_failed(enum tlsd_conn_outcome o)
{
    return o != TLSD_OUTCOME_SUCCESS;
}

bool tlsd_conn_outcome_before_tls(enum tlsd_conn_outcome o)
{
    return o == TLSD_OUTCOME_TCP_REFUSED || o == TLSD_OUTCOME_TCP_NO_ANSWER ||
           o == TLSD_OUTCOME_NO_CLIENT_HELLO || o == TLSD_OUTCOME_SERVER_SPOKE_FIRST;
}

const char *tlsd_peer_name(enum tlsd_peer s)
{
    return s == TLSD_PEER_CLIENT ? "client" : "server";
}
