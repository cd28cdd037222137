/* Shared between the event log readers (evtlog.c, evtlog_ps.c) and the event record
 * (evtlog_event.c). */
#ifndef TLSDIAG_EVTLOG_INTERNAL_H
#define TLSDIAG_EVTLOG_INTERNAL_H

#define TLSD_EVENT_US_PER_S 1000000LL /* event times are Unix microseconds */

#include "tlsdiag/evtlog.h"
#include "windows/winreg_internal.h"

void tlsd_event_init(struct tlsd_win_event *e);
/* Appends e (counted as a record either way; kept when all or Schannel); -1 out of memory. */
int tlsd_event_log_push(struct tlsd_event_log *log, const struct tlsd_win_event *e, bool all);
void tlsd_event_add_data(struct tlsd_win_event *e, const char *name, const char *value,
                         size_t vlen);
const struct tlsd_schannel_event_fields *tlsd_event_fields_of(uint32_t id);
/* The n-th entry of a comma list. */
bool tlsd_event_list_item(const char *list, size_t n, char *out, size_t len);

int tlsd_events_parse_xml(const char *text, size_t len, bool all, struct tlsd_event_log *log,
                          char *err, size_t err_len);
int tlsd_events_parse_csv(const char *text, size_t len, bool all, struct tlsd_event_log *log,
                          char *err, size_t err_len);
int tlsd_events_parse_json(const char *text, size_t len, bool all, struct tlsd_event_log *log,
                           char *err, size_t err_len);

#endif
