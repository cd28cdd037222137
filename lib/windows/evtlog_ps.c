/* Event logs exported by PowerShell: Get-WinEvent | Export-Csv (one row per event, the
 * event data only inside the Message text) and Get-WinEvent | ConvertTo-Json (the data
 * in "Properties" by position, or only in Message when the depth limit cut them). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "platform.h"

#include "windows/evtlog_internal.h"

#define CSV_MAX_COLS     64
#define MS_PER_S         1000LL
#define US_PER_MS        1000LL
#define JSON_DATE_PREFIX "/Date("

/* Labels of the Schannel message texts (schannel_events.tsv templates) and the event data
 * field each one carries: what a CSV export keeps of the data. */
static const struct {
    const char *label, *field;
    bool number;
} message_fields[] = {
    {"fatal alert code is ", "AlertDesc", true}, {"fatal error code is ", "AlertDesc", true},
    {"error state is ", "ErrorState", true},     {"Protocol version: ", "Protocol", false},
    {"CipherSuite: ", "CipherSuite", false},     {"Exchange strength: ", "ExchangeStrength", false},
    {"Target name: ", "TargetName", false},
};
/* 36874: "An TLS 1.2 connection request was received from a remote client application,
 * but none of the cipher suites ..." */
#define NO_CIPHER_SUFFIX " connection request was received"

/* 9999-12-31T23:59:59.999Z: the last time a /Date(ms)/ of Windows can name. */
#define JSON_DATE_MAX_MS 253402300799999LL

static void from_message(struct tlsd_win_event *e, const char *msg)
{
    for (size_t i = 0; i < sizeof message_fields / sizeof message_fields[0]; i++) {
        const char *p = strstr(msg, message_fields[i].label);
        if (!p || tlsd_event_get(e, message_fields[i].field))
            continue;
        p += strlen(message_fields[i].label);
        size_t n = message_fields[i].number ? strspn(p, "0123456789") : strcspn(p, "\r\n");
        while (!message_fields[i].number && n > 0 && (p[n - 1] == ' ' || p[n - 1] == '.'))
            n--;
        if (n > 0)
            tlsd_event_add_data(e, message_fields[i].field, p, n);
    }
    const char *s = strstr(msg, NO_CIPHER_SUFFIX);
    if (s && !tlsd_event_get(e, "Protocol")) {
        const char *start = msg;
        for (const char *q = msg; q < s; q++)
            if (strncmp(q, "An ", 3) == 0 || strncmp(q, "A ", 2) == 0)
                start = q + (q[1] == 'n' ? 3 : 2);
        tlsd_event_add_data(e, "Protocol", start, (size_t)(s - start));
    }
}

/* PowerShell's culture-dependent times: ISO 8601, or the en-US "12/4/2026 5:01:02 PM". */
static void set_time(struct tlsd_win_event *e, const char *t)
{
    snprintf(e->time, sizeof e->time, "%s", t);
    e->time_us = tlsd_event_parse_time(t);
    struct tm tm = {0};
    const char *end =
        e->time_us == TLSD_EVENT_NO_TIME ? tlsd_strptime(t, "%m/%d/%Y %I:%M:%S %p", &tm) : NULL;
    if (!end && e->time_us == TLSD_EVENT_NO_TIME)
        end = tlsd_strptime(t, "%m/%d/%Y %H:%M:%S", &tm);
    if (end)
        e->time_us = (int64_t)tlsd_timegm(&tm) * MS_PER_S * US_PER_MS;
}

/* ---- CSV ------------------------------------------------------------------------- */

struct csv {
    const char *p, *end;
    char *cells[CSV_MAX_COLS];
    size_t n;
};

static void csv_clear(struct csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->cells[i]);
    c->n = 0;
}

/* An upper bound of the next cell's length: up to its end (the closing quote and the comma
 * or newline after it). */
static size_t cell_size(const char *p, const char *end)
{
    const char *q = p;
    bool quoted = q < end && *q == '"';
    for (q += quoted; q < end; q++) {
        if (quoted && *q == '"') {
            if (q + 1 < end && q[1] == '"') {
                q++;
                continue;
            }
            quoted = false;
        } else if (!quoted && (*q == ',' || *q == '\n')) {
            break;
        }
    }
    return (size_t)(q - p);
}

/* One record (RFC 4180: quoted cells may hold commas, quotes doubled and newlines). */
static int csv_record(struct csv *c)
{
    csv_clear(c);
    if (c->p >= c->end)
        return 0;
    for (;;) {
        size_t cap = cell_size(c->p, c->end) + 1, n = 0;
        char *cell = malloc(cap);
        if (!cell)
            return -1;
        bool quoted = c->p < c->end && *c->p == '"';
        c->p += quoted;
        while (c->p < c->end) {
            char ch = *c->p;
            if (quoted && ch == '"') {
                if (c->p + 1 < c->end && c->p[1] == '"') {
                    cell[n++] = '"';
                    c->p += 2;
                    continue;
                }
                quoted = false;
                c->p++;
                continue;
            }
            if (!quoted && (ch == ',' || ch == '\n'))
                break;
            cell[n++] = ch;
            c->p++;
        }
        cell[n] = '\0';
        if (c->n == CSV_MAX_COLS) {
            free(cell);
            return -1;
        }
        c->cells[c->n++] = cell;
        if (c->p >= c->end || *c->p == '\n') {
            c->p += c->p < c->end;
            return 1;
        }
        c->p++; /* the comma */
    }
}

static int column(const struct csv *head, const char *name)
{
    for (size_t i = 0; i < head->n; i++)
        if (strcasecmp(head->cells[i], name) == 0)
            return (int)i;
    return -1;
}

static const char *cell(const struct csv *row, int col)
{
    return col >= 0 && (size_t)col < row->n ? row->cells[col] : NULL;
}

static int csv_row_event(const struct csv *head, const struct csv *row, bool all,
                         struct tlsd_event_log *log)
{
    struct tlsd_win_event e;
    tlsd_event_init(&e);
    const char *v;
    if ((v = cell(row, column(head, "ProviderName")))) {
        snprintf(e.provider, sizeof e.provider, "%s", v);
        snprintf(e.source, sizeof e.source, "%s", v);
    }
    if ((v = cell(row, column(head, "Id"))))
        e.id = (uint32_t)strtoul(v, NULL, 10);
    if ((v = cell(row, column(head, "Level"))))
        e.level = atoi(v);
    if ((v = cell(row, column(head, "RecordId"))))
        e.record_id = strtoull(v, NULL, 10);
    if ((v = cell(row, column(head, "MachineName"))))
        snprintf(e.computer, sizeof e.computer, "%s", v);
    if ((v = cell(row, column(head, "TimeCreated"))))
        set_time(&e, v);
    if ((v = cell(row, column(head, "Message"))))
        from_message(&e, v);
    return tlsd_event_log_push(log, &e, all);
}

int tlsd_events_parse_csv(const char *text, size_t len, bool all, struct tlsd_event_log *log,
                          char *err, size_t err_len)
{
    struct csv c = {.p = text, .end = text + len}, head = {0};
    if (len > 1 && text[0] == '#') { /* "#TYPE System.Diagnostics.Eventing.Reader..." */
        const char *nl = memchr(text, '\n', len);
        c.p = nl ? nl + 1 : c.end;
    }
    int rc = csv_record(&c);
    head = c;
    c.n = 0;
    if (rc <= 0 || column(&head, "Id") < 0 || column(&head, "ProviderName") < 0) {
        snprintf(err, err_len,
                 "not an event log export (no Id and ProviderName columns: "
                 "Get-WinEvent | Export-Csv writes them)");
        csv_clear(&head);
        return -1;
    }
    size_t line = 1;
    while ((rc = csv_record(&c)) > 0) {
        line++;
        if (c.n == 1 && c.cells[0][0] == '\0')
            continue;
        if (c.n != head.n) {
            snprintf(err, err_len, "row %zu has %zu cells, the header %zu", line, c.n, head.n);
            rc = -1;
            break;
        }
        if (csv_row_event(&head, &c, all, log) < 0) {
            rc = -1;
            snprintf(err, err_len, "out of memory");
            break;
        }
    }
    if (rc < 0 && !err[0])
        snprintf(err, err_len, "row %zu: too many cells", line + 1);
    csv_clear(&c);
    csv_clear(&head);
    return rc < 0 ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_time(struct tlsd_win_event *e, json_t *t)
{
    if (json_is_object(t)) /* PowerShell 5 with -Depth: {"value": "/Date(...)/", "DateTime": ...} */
        t = json_object_get(t, "value");
    const char *s = json_string_value(t);
    if (!s)
        return;
    const char *d = strstr(s, JSON_DATE_PREFIX);
    if (!d) {
        set_time(e, s);
        return;
    }
    long long ms = strtoll(d + strlen(JSON_DATE_PREFIX), NULL, 10);
    if (ms < 0 || ms > JSON_DATE_MAX_MS) /* before 1970 or after 9999: no time, not a wrong one */
        return;
    e->time_us = ms * US_PER_MS;
    time_t sec = (time_t)(ms / MS_PER_S);
    struct tm tm;
    char day[24];
    tlsd_gmtime(&sec, &tm);
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(e->time, sizeof e->time, "%.19s.%03dZ", day, (int)(ms % MS_PER_S));
}

static void json_properties(struct tlsd_win_event *e, json_t *props)
{
    const struct tlsd_schannel_event_fields *f =
        tlsd_event_is_schannel(e) ? tlsd_event_fields_of(e->id) : NULL;
    size_t i;
    json_t *p;
    json_array_foreach(props, i, p)
    {
        json_t *v = json_is_object(p) ? json_object_get(p, "Value") : NULL;
        if (!v)
            return; /* cut by ConvertTo-Json's depth limit: the Message has the data */
        char name[48], buf[64];
        if (!(f && tlsd_event_list_item(f->fields, i, name, sizeof name)))
            snprintf(name, sizeof name, "Data%zu", i + 1);
        const char *s = json_string_value(v);
        if (json_is_integer(v)) {
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
            s = buf;
        }
        if (s)
            tlsd_event_add_data(e, name, s, strlen(s));
    }
}

static int json_event(json_t *o, bool all, struct tlsd_event_log *log)
{
    struct tlsd_win_event e;
    tlsd_event_init(&e);
    const char *s = json_string_value(json_object_get(o, "ProviderName"));
    json_t *id = json_object_get(o, "Id");
    if (!s || !json_is_integer(id))
        return 1;
    snprintf(e.provider, sizeof e.provider, "%s", s);
    snprintf(e.source, sizeof e.source, "%s", s);
    e.id = (uint32_t)json_integer_value(id);
    e.level = (int)json_integer_value(json_object_get(o, "Level"));
    e.record_id = (uint64_t)json_integer_value(json_object_get(o, "RecordId"));
    if ((s = json_string_value(json_object_get(o, "MachineName"))))
        snprintf(e.computer, sizeof e.computer, "%s", s);
    json_time(&e, json_object_get(o, "TimeCreated"));
    json_properties(&e, json_object_get(o, "Properties"));
    if ((s = json_string_value(json_object_get(o, "Message"))))
        from_message(&e, s);
    return tlsd_event_log_push(log, &e, all);
}

int tlsd_events_parse_json(const char *text, size_t len, bool all, struct tlsd_event_log *log,
                           char *err, size_t err_len)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY, &je);
    if (!root) {
        snprintf(err, err_len, "JSON error at line %d: %s", je.line, je.text);
        return -1;
    }
    json_t *arr = json_is_array(root) ? root : NULL;
    size_t i, bad = 0, n = 0;
    json_t *o;
    int rc = 0;
    if (!arr)
        rc = json_event(root, all, log) == 1 ? (bad++, 0) : 0;
    json_array_foreach(arr, i, o)
    {
        n++;
        int r = json_is_object(o) ? json_event(o, all, log) : 1;
        if (r < 0) {
            rc = -1;
            break;
        }
        bad += r == 1;
    }
    json_decref(root);
    if (rc == 0 && bad > 0) {
        snprintf(err, err_len,
                 "%zu of %zu objects have no ProviderName and Id (not Get-WinEvent "
                 "| ConvertTo-Json output)",
                 bad, arr ? n : 1);
        rc = -1;
    }
    return rc;
}
