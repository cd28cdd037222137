/* Event logs: format detection, Event XML (what wevtutil and Event Viewer export, and
 * what libevtx renders for each record of an .evtx file), and the .evtx reader. The
 * PowerShell exports (CSV, JSON) are in evtlog_ps.c. The XML reader is a scanner for
 * the fixed Event schema (http://schemas.microsoft.com/win/2004/08/events/event):
 * every search is bounded by the span of the element it looks in. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libevtx.h>

#include "platform.h"

#include "tlsdiag/textin.h"
#include "windows/evtlog_internal.h"
#include "windows/winreg_internal.h"

#define EVTX_MAGIC                "ElfFile"
#define EVTX_MAGIC_LEN            8 /* "ElfFile\0" */
#define EVENTS_MAX_FILE           (512u * 1024 * 1024)
#define FILETIME_UNIX_EPOCH_100NS 116444736000000000LL /* 1601-01-01 to 1970-01-01 */

/* ---- Event XML ------------------------------------------------------------------- */

struct span {
    const char *p;
    size_t n;
};

/* The first "<tag" in s that is followed by a blank, '>' or "/>"; its offset or -1. */
static long find_tag(struct span s, const char *tag)
{
    size_t tl = strlen(tag);
    for (const char *p = s.p; p < s.p + s.n;) {
        const char *hit = tlsd_memmem(p, (size_t)(s.p + s.n - p), tag, tl);
        if (!hit)
            return -1;
        const char *after = hit + tl;
        if (after < s.p + s.n && (isspace((unsigned char)*after) || *after == '>' || *after == '/'))
            return (long)(hit - s.p);
        p = hit + 1;
    }
    return -1;
}

static const struct {
    const char *ent;
    char ch;
} xml_entities[] = {
    {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
#define N_XML_ENTITIES (sizeof xml_entities / sizeof xml_entities[0])

/* Which entity starts p (n bytes left); N_XML_ENTITIES when none. */
static size_t entity_at(const char *p, size_t n)
{
    size_t k = 0;
    for (; k < N_XML_ENTITIES; k++) {
        size_t el = strlen(xml_entities[k].ent);
        if (el <= n && strncmp(p, xml_entities[k].ent, el) == 0)
            break;
    }
    return k;
}

static void xml_unescape(const char *p, size_t n, char *out, size_t len)
{
    size_t o = 0, i = 0;
    while (i < n && o + 1 < len) {
        size_t k = p[i] == '&' ? entity_at(p + i, n - i) : N_XML_ENTITIES;
        if (k < N_XML_ENTITIES) {
            out[o++] = xml_entities[k].ch;
            i += strlen(xml_entities[k].ent);
        } else {
            out[o++] = p[i++];
        }
    }
    out[o] = '\0';
}

/* The tag that starts at s.p + at: its attribute name's value, or false. */
static bool attr(struct span s, long at, const char *name, char *out, size_t len)
{
    const char *tag = s.p + at, *end = memchr(tag, '>', s.n - (size_t)at);
    if (!end)
        return false;
    char pat[64];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *v = tlsd_memmem(tag, (size_t)(end - tag), pat, strlen(pat));
    if (!v)
        return false;
    v += strlen(pat);
    const char *q = memchr(v, '"', (size_t)(end - v));
    if (!q)
        return false;
    xml_unescape(v, (size_t)(q - v), out, len);
    return true;
}

/* The element <name ...>text</name> that starts at at: its text span (empty for <name/>). */
static bool element_text(struct span s, long at, const char *name, struct span *text)
{
    const char *tag = s.p + at, *end = memchr(tag, '>', s.n - (size_t)at);
    if (!end)
        return false;
    text->p = end + 1;
    text->n = 0;
    if (end[-1] == '/')
        return true;
    char close[64];
    snprintf(close, sizeof close, "</%s>", name);
    const char *c = tlsd_memmem(end + 1, (size_t)(s.p + s.n - end - 1), close, strlen(close));
    if (!c)
        return false;
    text->n = (size_t)(c - text->p);
    return true;
}

static bool child_text(struct span s, const char *name, char *out, size_t len)
{
    char tag[64];
    snprintf(tag, sizeof tag, "<%s", name);
    long at = find_tag(s, tag);
    struct span t;
    if (at < 0 || !element_text(s, at, name, &t))
        return false;
    xml_unescape(t.p, t.n, out, len);
    return true;
}

/* <EventData><Data Name="AlertDesc">40</Data>...; unnamed Data get the manifest's names. */
static void event_data(struct span ev, struct tlsd_win_event *e)
{
    long at = find_tag(ev, "<EventData");
    struct span body;
    if (at < 0 || !element_text(ev, at, "EventData", &body))
        return;
    const struct tlsd_schannel_event_fields *f =
        tlsd_event_is_schannel(e) ? tlsd_event_fields_of(e->id) : NULL;
    size_t index = 0;
    for (long d; (d = find_tag(body, "<Data")) >= 0; index++) {
        char name[48] = "", value[256];
        struct span t;
        if (!attr(body, d, "Name", name, sizeof name) &&
            !(f && tlsd_event_list_item(f->fields, index, name, sizeof name)))
            snprintf(name, sizeof name, "Data%zu", index + 1);
        if (!element_text(body, d, "Data", &t))
            break;
        xml_unescape(t.p, t.n, value, sizeof value);
        tlsd_event_add_data(e, name, value, strlen(value));
        size_t used = (size_t)(t.p + t.n - body.p);
        body.p += used;
        body.n -= used;
    }
}

/* <UserData><Anything><Field>v</Field>...</Anything></UserData>: each leaf as a value. */
static void user_data(struct span ev, struct tlsd_win_event *e)
{
    long at = find_tag(ev, "<UserData");
    struct span body;
    if (at < 0 || !element_text(ev, at, "UserData", &body))
        return;
    const char *p = memchr(body.p, '<', body.n); /* the wrapper element */
    const char *q = p ? memchr(p, '>', (size_t)(body.p + body.n - p)) : NULL;
    while (q && q < body.p + body.n) {
        const char *open = memchr(q, '<', (size_t)(body.p + body.n - q));
        if (!open || open + 1 >= body.p + body.n || open[1] == '/')
            break;
        const char *gt = memchr(open, '>', (size_t)(body.p + body.n - open));
        size_t nl = strcspn(open + 1, " />");
        if (!gt || nl == 0 || nl >= 48)
            break;
        char name[48];
        snprintf(name, sizeof name, "%.*s", (int)nl, open + 1);
        struct span inner = {open, (size_t)(body.p + body.n - open)}, t;
        if (!element_text(inner, 0, name, &t))
            break;
        char value[256];
        xml_unescape(t.p, t.n, value, sizeof value);
        tlsd_event_add_data(e, name, value, strlen(value));
        q = t.p + t.n + nl + 3;
    }
}

static int one_xml_event(struct span ev, struct tlsd_win_event *e)
{
    char buf[64] = "";
    long at = find_tag(ev, "<Provider");
    if (at < 0 || !attr(ev, at, "Name", e->provider, sizeof e->provider))
        if (at < 0 || !attr(ev, at, "Guid", e->provider, sizeof e->provider))
            return -1;
    if (!attr(ev, at, "EventSourceName", e->source, sizeof e->source))
        snprintf(e->source, sizeof e->source, "%s", e->provider);
    if (!child_text(ev, "EventID", buf, sizeof buf) || !isdigit((unsigned char)buf[0]))
        return -1;
    e->id = (uint32_t)strtoul(buf, NULL, 10);
    if (child_text(ev, "Level", buf, sizeof buf))
        e->level = atoi(buf);
    if (child_text(ev, "EventRecordID", buf, sizeof buf))
        e->record_id = strtoull(buf, NULL, 10);
    child_text(ev, "Computer", e->computer, sizeof e->computer);
    at = find_tag(ev, "<TimeCreated");
    if (at >= 0 && attr(ev, at, "SystemTime", e->time, sizeof e->time))
        e->time_us = tlsd_event_parse_time(e->time);
    event_data(ev, e);
    user_data(ev, e);
    return 0;
}

int tlsd_events_parse_xml(const char *text, size_t len, bool all, struct tlsd_event_log *log,
                          char *err, size_t err_len)
{
    struct span s = {text, len};
    size_t found = 0;
    for (long at; (at = find_tag(s, "<Event")) >= 0; found++) {
        struct span ev = {s.p + at, s.n - (size_t)at}, body;
        if (!element_text(ev, 0, "Event", &body)) {
            snprintf(err, err_len, "event %zu: no </Event> (the XML is cut short)", found + 1);
            return -1;
        }
        struct span whole = {ev.p, (size_t)(body.p + body.n - ev.p)};
        struct tlsd_win_event e;
        tlsd_event_init(&e);
        if (one_xml_event(whole, &e) < 0) {
            snprintf(err, err_len, "event %zu: no <Provider> or <EventID>", found + 1);
            return -1;
        }
        if (tlsd_event_log_push(log, &e, all) < 0) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        size_t used = (size_t)(body.p + body.n - s.p);
        s.p += used;
        s.n -= used;
    }
    if (found == 0) {
        snprintf(err, err_len, "no <Event> element: not Event XML");
        return -1;
    }
    return 0;
}

/* ---- .evtx through libevtx ------------------------------------------------------- */

static void evtx_error(libevtx_error_t *e, const char *what, char *err, size_t err_len)
{
    char detail[160] = "";
    if (e) {
        libevtx_error_sprint(e, detail, sizeof detail);
        libevtx_error_free(&e);
    }
    char *nl = strchr(detail, '\n');
    if (nl)
        *nl = '\0';
    snprintf(err, err_len, "%s%s%s", what, detail[0] ? ": libevtx: " : "", detail);
}

static int evtx_record(libevtx_record_t *rec, bool all, struct tlsd_event_log *log)
{
    struct tlsd_win_event e;
    tlsd_event_init(&e);
    size_t xml_size = 0;
    if (libevtx_record_get_utf8_xml_string_size(rec, &xml_size, NULL) == 1 && xml_size > 1) {
        uint8_t *xml = malloc(xml_size);
        if (xml && libevtx_record_get_utf8_xml_string(rec, xml, xml_size, NULL) == 1) {
            struct span s = {(const char *)xml, xml_size - 1};
            (void)one_xml_event(s, &e);
        }
        free(xml);
    }
    /* The record header is what evtxexport shows; it wins over the rendered XML. */
    uint64_t rid = 0, filetime = 0;
    uint32_t id = 0;
    uint8_t level = 0;
    if (libevtx_record_get_identifier(rec, &rid, NULL) == 1)
        e.record_id = rid;
    if (libevtx_record_get_event_identifier(rec, &id, NULL) == 1)
        e.id = id;
    if (libevtx_record_get_event_level(rec, &level, NULL) == 1)
        e.level = level;
    if (libevtx_record_get_written_time(rec, &filetime, NULL) == 1 && filetime) {
        e.time_us = ((int64_t)filetime - FILETIME_UNIX_EPOCH_100NS) / 10;
        time_t sec = (time_t)(e.time_us / TLSD_EVENT_US_PER_S);
        struct tm tm;
        char day[24];
        tlsd_gmtime(&sec, &tm);
        strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(e.time, sizeof e.time, "%.19s.%07uZ", day,
                 (unsigned)(((int64_t)filetime - FILETIME_UNIX_EPOCH_100NS) % 10000000));
    }
    size_t n = 0;
    if (libevtx_record_get_utf8_source_name_size(rec, &n, NULL) == 1 && n && n <= sizeof e.source)
        (void)libevtx_record_get_utf8_source_name(rec, (uint8_t *)e.source, n, NULL);
    if (!e.provider[0])
        snprintf(e.provider, sizeof e.provider, "%s", e.source);
    return tlsd_event_log_push(log, &e, all);
}

static int read_evtx(const char *path, bool all, struct tlsd_event_log *log, char *err,
                     size_t err_len)
{
    libevtx_file_t *f = NULL;
    libevtx_error_t *e = NULL;
    if (libevtx_file_initialize(&f, &e) != 1) {
        evtx_error(e, "cannot start libevtx", err, err_len);
        return -1;
    }
    int rc = 0, n = 0;
    if (tlsd_evtx_open(f, path, &e) != 1) { /* a UTF-8 path on every system */
        evtx_error(e, "not a readable .evtx file", err, err_len);
        libevtx_file_free(&f, NULL);
        return -1;
    }
    if (libevtx_file_get_number_of_records(f, &n, &e) != 1) {
        evtx_error(e, "cannot count the records", err, err_len);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        libevtx_record_t *rec = NULL;
        if (libevtx_file_get_record_by_index(f, i, &rec, &e) != 1) {
            char what[64];
            snprintf(what, sizeof what, "record %d of %d unreadable", i + 1, n);
            evtx_error(e, what, err, err_len);
            rc = -1;
            break;
        }
        rc = evtx_record(rec, all, log);
        libevtx_record_free(&rec, NULL);
    }
    libevtx_file_close(f, NULL);
    libevtx_file_free(&f, NULL);
    return rc;
}

/* ---- one file -------------------------------------------------------------------- */

int tlsd_events_parse_text(const char *text, size_t len, bool all, struct tlsd_event_log *log,
                           enum tlsd_event_format *fmt, char *err, size_t err_len)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i < len && text[i] == '<') {
        *fmt = TLSD_EVFMT_XML;
        return tlsd_events_parse_xml(text + i, len - i, all, log, err, err_len);
    }
    if (i < len && (text[i] == '[' || text[i] == '{')) {
        *fmt = TLSD_EVFMT_JSON;
        return tlsd_events_parse_json(text + i, len - i, all, log, err, err_len);
    }
    *fmt = TLSD_EVFMT_CSV;
    return tlsd_events_parse_csv(text + i, len - i, all, log, err, err_len);
}

int tlsd_events_read_file(const char *path, bool all, struct tlsd_event_log *log,
                          enum tlsd_event_format *fmt, char *err, size_t err_len)
{
    char why[200] = "";
    FILE *f = tlsd_fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open", path);
        return -1;
    }
    char magic[EVTX_MAGIC_LEN] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    int rc;
    if (got == sizeof magic && memcmp(magic, EVTX_MAGIC, sizeof magic) == 0) {
        *fmt = TLSD_EVFMT_EVTX;
        rc = read_evtx(path, all, log, why, sizeof why);
    } else {
        size_t tl = 0;
        char *text = tlsd_win_read_text(path, EVENTS_MAX_FILE, &tl, err, err_len);
        if (!text)
            return -1;
        rc = tlsd_events_parse_text(text, tl, all, log, fmt, why, sizeof why);
        free(text);
    }
    if (rc < 0)
        snprintf(err, err_len, "%s (%s): %s", path, tlsd_event_format_name(*fmt), why);
    return rc;
}
