/* Windows event logs as an administrator can export them: .evtx files (Event Viewer
 * "Save As", wevtutil epl; read through libevtx), Event XML (wevtutil qe /f:xml, Event
 * Viewer "Save as XML"), and Get-WinEvent | Export-Csv or | ConvertTo-Json output.
 * Every format becomes the same record; the Schannel events are decoded with the
 * field names of data/schannel_event_fields.tsv. */
#ifndef TLSDIAG_EVTLOG_H
#define TLSDIAG_EVTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSD_EVENT_MAX_DATA         16
#define TLSD_SCHANNEL_PROVIDER      "Schannel"
#define TLSD_SCHANNEL_PROVIDER_GUID "{1F678132-5938-4686-9FDC-C8FF68F15C85}"

enum tlsd_event_format {
    TLSD_EVFMT_EVTX = 0,
    TLSD_EVFMT_XML,
    TLSD_EVFMT_CSV,
    TLSD_EVFMT_JSON,
};
const char *tlsd_event_format_name(enum tlsd_event_format f);

struct tlsd_event_data {
    char name[48];
    char value[256];
};

struct tlsd_win_event {
    uint64_t record_id; /* 0 when the export has none */
    char time[40];      /* as written, ISO 8601 UTC when the source is */
    int64_t time_us;    /* Unix time in microseconds; TLSD_EVENT_NO_TIME when unknown */
    uint32_t id;
    int level;         /* 1 critical, 2 error, 3 warning, 4 information; 0 unknown */
    char provider[96]; /* Provider Name (or its GUID) */
    char source[96];   /* the classic event source (EventSourceName), else the provider */
    char computer[96];
    struct tlsd_event_data data[TLSD_EVENT_MAX_DATA];
    size_t n_data;
};
#define TLSD_EVENT_NO_TIME INT64_MIN

struct tlsd_event_log {
    struct tlsd_win_event *ev;
    size_t n, cap;
    size_t n_records; /* every record read, Schannel or not */
};

/* Reads one file in any of the formats (detected from the contents) and appends its
 * events (only Schannel ones unless all). -1 with a reason naming the file when it
 * cannot be read or is not an event log; the events read before are kept. */
int tlsd_events_read_file(const char *path, bool all, struct tlsd_event_log *log,
                          enum tlsd_event_format *fmt, char *err, size_t err_len)
    __attribute__((warn_unused_result));
/* Text forms (XML, CSV, JSON), already decoded to UTF-8 (tlsd_text_decode). */
int tlsd_events_parse_text(const char *text, size_t len, bool all, struct tlsd_event_log *log,
                           enum tlsd_event_format *fmt, char *err, size_t err_len)
    __attribute__((warn_unused_result));
void tlsd_event_log_free(struct tlsd_event_log *log);

bool tlsd_event_is_schannel(const struct tlsd_win_event *e);
/* A data value by name, NULL when absent. */
const char *tlsd_event_get(const struct tlsd_win_event *e, const char *name);
/* What a Schannel event's data field holds (data/schannel_event_fields.tsv, column
 * decode); TLSD_EVENT_VALUE_PLAIN for unknown events and fields. */
enum tlsd_event_value_kind {
    TLSD_EVENT_VALUE_PLAIN = 0,
    TLSD_EVENT_VALUE_ALERT,    /* a TLS alert code */
    TLSD_EVENT_VALUE_SUITE,    /* a cipher suite (code or name) */
    TLSD_EVENT_VALUE_PROTOCOL, /* an SCHANNEL protocol bit mask */
    TLSD_EVENT_VALUE_STATUS,   /* an SSPI status */
};
enum tlsd_event_value_kind tlsd_event_field_kind(uint32_t id, const char *field);

/* One file given to `tlsdiag events`: its form, the records read and the events kept, or
 * why it could not be read (err non-empty). */
struct tlsd_event_file {
    const char *path;
    enum tlsd_event_format fmt;
    size_t records, kept;
    char err[400];
};
/* The files' events as `tlsdiag events` shows them (all: every record listed, no
 * explanations), appended to b; JSON in tlsdiag/json.h. */
struct tlsd_strbuf;
void tlsd_events_text(const struct tlsd_event_log *log, const struct tlsd_event_file *files,
                      size_t nf, bool all, struct tlsd_strbuf *b);
/* "2024-05-01T10:00:01.1234567Z" (fraction and Z optional) -> Unix microseconds;
 * TLSD_EVENT_NO_TIME when malformed. */
int64_t tlsd_event_parse_time(const char *s);

/* The TLS alert code an event carries (36887, 36888: AlertDesc), -1 for none. */
int tlsd_event_alert(const struct tlsd_win_event *e);

/* Events grouped by ID (by_alert false) or by alert code (true; events without one are
 * left out), in order of first appearance, with the first and last time seen. */
struct tlsd_event_group {
    uint32_t id; /* by ID */
    int alert;   /* by alert, else -1 */
    size_t count;
    int64_t first_us, last_us;
    char first[40], last[40];
};
/* *out is malloc'd (free it); returns the number of groups. */
size_t tlsd_events_summarize(const struct tlsd_event_log *log, bool by_alert,
                             struct tlsd_event_group **out);

/* The events (indexes into log, at most max) whose time, moved onto another clock by
 * subtracting offset_us (the log's clock minus that clock), falls within slack_us of
 * [from_us, to_us]: a capture's connection and the server's own words about it. */
size_t tlsd_events_near(const struct tlsd_event_log *log, int64_t from_us, int64_t to_us,
                        int64_t offset_us, int64_t slack_us, size_t *idx, size_t max);

#ifdef __cplusplus
}
#endif
/* ---- analyze --events: failed connections next to the server's events (evtlog_pair.c) */
#define TLSD_PAIR_MAX_EVENTS 8
struct tlsd_event_pair {
    uint64_t id;    /* the connection's stream number */
    char what[200]; /* "client:port -> server:port, how it ended" */
    int64_t first_us;
    size_t idx[TLSD_PAIR_MAX_EVENTS]; /* into the log's events */
    size_t n;
};
struct tlsd_event_pairing {
    struct tlsd_event_log log; /* read by the caller (tlsd_events_read_file) */
    int64_t offset_us;         /* the event log's clock minus the capture's */
    struct tlsd_event_pair *pairs;
    size_t n, cap;
};
struct tlsd_conn;
struct tlsd_strbuf;
/* Pairs a failed connection (a connection that worked is left out); -1 out of memory. */
int tlsd_event_pairing_add(struct tlsd_event_pairing *p, const struct tlsd_conn *c);
/* The text section after the connections; file names the log. */
void tlsd_event_pairing_text(const struct tlsd_event_pairing *p, const char *file,
                             struct tlsd_strbuf *b);
/* Frees the pairs and the log. */
void tlsd_event_pairing_free(struct tlsd_event_pairing *p);

#endif
