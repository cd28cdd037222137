/* Lookups over the generated registry tables. Tables are sorted by code (the
 * generator checks it), so code lookups are binary searches; suite names go
 * through a generated sorted index of every spelling. */
#include "tlsdiag/registry.h"
#include "tlsdiag/textout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/registry_internal.h"

static const char *const class_names[] = {"unknown", "insecure", "weak", "secure", "recommended"};

const char *tlsd_class_style(enum tlsd_class c, bool on)
{
    if (!on)
        return "";
    switch (c) {
    case TLSD_CLASS_INSECURE:
        return TLSD_SGR_BOLD_RED;
    case TLSD_CLASS_WEAK:
        return TLSD_SGR_YELLOW;
    case TLSD_CLASS_SECURE:
        return TLSD_SGR_GREEN;
    case TLSD_CLASS_RECOMMENDED:
        return TLSD_SGR_BOLD_GREEN;
    default:
        return "";
    }
}

const char *tlsd_class_name(enum tlsd_class c)
{
    if ((unsigned)c >= sizeof class_names / sizeof class_names[0])
        return "unknown";
    return class_names[c];
}

enum tlsd_class tlsd_class_from_name(const char *name)
{
    for (size_t i = 1; i < sizeof class_names / sizeof class_names[0]; i++)
        if (strcasecmp(name, class_names[i]) == 0)
            return (enum tlsd_class)i;
    return TLSD_CLASS_UNKNOWN;
}

/* Binary search of a table sorted by an unsigned code stored at offset 0 of
 * each row (uint16_t, uint32_t or int, given by size). */
#define DEFINE_BY_CODE(fn, type, table, count, ctype)                                              \
    const type *fn(ctype code)                                                                     \
    {                                                                                              \
        size_t lo = 0, hi = count;                                                                 \
        while (lo < hi) {                                                                          \
            size_t mid = lo + (hi - lo) / 2;                                                       \
            if (table[mid].code == code)                                                           \
                return &table[mid];                                                                \
            if (table[mid].code < code)                                                            \
                lo = mid + 1;                                                                      \
            else                                                                                   \
                hi = mid;                                                                          \
        }                                                                                          \
        return NULL;                                                                               \
    }

DEFINE_BY_CODE(tlsd_suite_by_code, struct tlsd_suite, tlsd_suites_table, tlsd_suites_count,
               uint32_t)
DEFINE_BY_CODE(tlsd_version_by_code, struct tlsd_version, tlsd_versions_table, tlsd_versions_count,
               uint16_t)
DEFINE_BY_CODE(tlsd_group_by_code, struct tlsd_group, tlsd_groups_table, tlsd_groups_count,
               uint16_t)
DEFINE_BY_CODE(tlsd_sigscheme_by_code, struct tlsd_sigscheme, tlsd_sigschemes_table,
               tlsd_sigschemes_count, uint16_t)
DEFINE_BY_CODE(tlsd_extension_by_code, struct tlsd_extension, tlsd_extensions_table,
               tlsd_extensions_count, uint16_t)
DEFINE_BY_CODE(tlsd_alert_by_code, struct tlsd_alert, tlsd_alerts_table, tlsd_alerts_count, int)
DEFINE_BY_CODE(tlsd_handshake_type_by_code, struct tlsd_handshake_type, tlsd_handshake_types_table,
               tlsd_handshake_types_count, int)
DEFINE_BY_CODE(tlsd_content_type_by_code, struct tlsd_content_type, tlsd_content_types_table,
               tlsd_content_types_count, int)

void tlsd_alert_describe(int level, int desc, char *out, size_t len)
{
    const struct tlsd_alert *a = tlsd_alert_by_code(desc);
    char name[64];
    if (a)
        snprintf(name, sizeof name, "%s (%d)", a->name, desc);
    else
        snprintf(name, sizeof name, "%d (no alert TLS defines)", desc);
    if (level < 0 || level == TLSD_ALERT_LEVEL_FATAL)
        snprintf(out, len, "%s", name);
    else if (level == TLSD_ALERT_LEVEL_WARNING)
        snprintf(out, len, "%s of level 1 (warning)", name);
    else
        snprintf(out, len, "%s of level %d (neither warning 1 nor fatal 2)", name, level);
}

#define DEFINE_AT(count_fn, at_fn, type, table, count)                                             \
    size_t count_fn(void)                                                                          \
    {                                                                                              \
        return count;                                                                              \
    }                                                                                              \
    const type *at_fn(size_t i)                                                                    \
    {                                                                                              \
        return i < count ? &table[i] : NULL;                                                       \
    }

DEFINE_AT(tlsd_suite_count, tlsd_suite_at, struct tlsd_suite, tlsd_suites_table, tlsd_suites_count)
DEFINE_AT(tlsd_version_count, tlsd_version_at, struct tlsd_version, tlsd_versions_table,
          tlsd_versions_count)
DEFINE_AT(tlsd_group_count, tlsd_group_at, struct tlsd_group, tlsd_groups_table, tlsd_groups_count)
DEFINE_AT(tlsd_sigscheme_count, tlsd_sigscheme_at, struct tlsd_sigscheme, tlsd_sigschemes_table,
          tlsd_sigschemes_count)
DEFINE_AT(tlsd_extension_count, tlsd_extension_at, struct tlsd_extension, tlsd_extensions_table,
          tlsd_extensions_count)
DEFINE_AT(tlsd_alert_count, tlsd_alert_at, struct tlsd_alert, tlsd_alerts_table, tlsd_alerts_count)
DEFINE_AT(tlsd_handshake_type_count, tlsd_handshake_type_at, struct tlsd_handshake_type,
          tlsd_handshake_types_table, tlsd_handshake_types_count)

static int index_cmp(const void *key, const void *elem)
{
    const struct tlsd_name_index *e = elem;
    return strcasecmp(key, e->name);
}

/* The row a generated name index gives name (any case), or -1. */
static int index_row(const struct tlsd_name_index *idx, size_t n, const char *name)
{
    const struct tlsd_name_index *e = bsearch(name, idx, n, sizeof idx[0], index_cmp);
    return e ? e->row : -1;
}

#define DEFINE_BY_NAME(fn, type, table, index)                                                     \
    const type *fn(const char *name)                                                               \
    {                                                                                              \
        int row = index_row(index, index##_count, name);                                           \
        return row < 0 ? NULL : &table[row];                                                       \
    }

DEFINE_BY_NAME(tlsd_suite_by_name, struct tlsd_suite, tlsd_suites_table, tlsd_suite_name_index)

/* True when name equals one entry of the comma list (case-insensitive). */
static bool list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncasecmp(p, name, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

bool tlsd_name_in_list(const char *list, const char *name)
{
    return list_has(list, name);
}

bool tlsd_suite_is_sslv2(const struct tlsd_suite *s)
{
    return s->code > 0xFFFF;
}

bool tlsd_suite_usable_at(const struct tlsd_suite *s, uint16_t version)
{
    if (tlsd_suite_is_sslv2(s))
        return version == TLSD_VERSION_SSL2;
    if (version == TLSD_VERSION_SSL2)
        return false;
    /* RFC 8446 s4.1.2: TLS 1.3 suites are only for 1.3, and 1.3 takes only
     * them; the SCSVs are signals valid in any ClientHello. */
    if (s->status == TLSD_STATUS_SCSV)
        return true;
    if (s->min_version == TLSD_VERSION_TLS1_3)
        return version == TLSD_VERSION_TLS1_3;
    return version < TLSD_VERSION_TLS1_3 && version >= s->min_version;
}

bool tlsd_is_grease(uint32_t code)
{
    /* RFC 8701 s2: both bytes equal, low nibble of each 0xA. */
    return code <= 0xFFFF && (code & 0x0F0F) == 0x0A0A && (code >> 8) == (code & 0xFF);
}

DEFINE_BY_NAME(tlsd_version_by_name, struct tlsd_version, tlsd_versions_table,
               tlsd_version_name_index)
DEFINE_BY_NAME(tlsd_group_by_name, struct tlsd_group, tlsd_groups_table, tlsd_group_name_index)
DEFINE_BY_NAME(tlsd_sigscheme_by_name, struct tlsd_sigscheme, tlsd_sigschemes_table,
               tlsd_sigscheme_name_index)
DEFINE_BY_NAME(tlsd_extension_by_name, struct tlsd_extension, tlsd_extensions_table,
               tlsd_extension_name_index)
DEFINE_BY_NAME(tlsd_alert_by_name, struct tlsd_alert, tlsd_alerts_table, tlsd_alert_name_index)

const char *tlsd_suite_code_str(uint32_t code, char buf[12])
{
    snprintf(buf, 12, code > 0xFFFF ? "0x%06X" : "0x%04X", (unsigned)code);
    return buf;
}

const char *tlsd_version_str(uint16_t code, char buf[16])
{
    const struct tlsd_version *v = tlsd_version_by_code(code);
    if (v)
        return v->name;
    if (tlsd_is_grease(code))
        return "GREASE";
    snprintf(buf, 16, "0x%04X", code);
    return buf;
}

const char *tlsd_suite_code_name(uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    return s ? s->iana_name : "?";
}

const char *tlsd_version_code_name(uint16_t code)
{
    const struct tlsd_version *v = tlsd_version_by_code(code);
    return v ? v->name : "-";
}

const char *tlsd_group_code_name(uint16_t code)
{
    const struct tlsd_group *g = tlsd_group_by_code(code);
    return g ? g->name : "-";
}

const char *tlsd_alert_code_name(int code)
{
    const struct tlsd_alert *a = code >= 0 ? tlsd_alert_by_code(code) : NULL;
    return a ? a->name : "undefined";
}

bool tlsd_suite_cipher_is(uint32_t code, unsigned cipher_flags)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    return s && (s->cipher_flags & cipher_flags) == cipher_flags;
}

bool tlsd_version_is_draft13(uint16_t v)
{
    return (v >> 8) == (TLSD_VERSION_DRAFT13_BASE >> 8);
}

bool tlsd_version_is_tls13(uint16_t v)
{
    return v == TLSD_VERSION_TLS1_3 || tlsd_version_is_draft13(v);
}

const uint16_t tlsd_proto_codes[TLSD_PROTO_COUNT] = {
    [TLSD_PROTO_SSL2] = TLSD_VERSION_SSL2,    [TLSD_PROTO_SSL3] = TLSD_VERSION_SSL3,
    [TLSD_PROTO_TLS10] = TLSD_VERSION_TLS1_0, [TLSD_PROTO_TLS11] = TLSD_VERSION_TLS1_1,
    [TLSD_PROTO_TLS12] = TLSD_VERSION_TLS1_2, [TLSD_PROTO_TLS13] = TLSD_VERSION_TLS1_3};

int tlsd_proto_of_code(uint16_t code)
{
    for (int p = 0; p < TLSD_PROTO_COUNT; p++)
        if (tlsd_proto_codes[p] == code)
            return p;
    return -1;
}

const char *tlsd_alert_level_name(int level)
{
    return level == TLSD_ALERT_LEVEL_FATAL     ? "fatal"
           : level == TLSD_ALERT_LEVEL_WARNING ? "warning"
                                               : NULL;
}

/* Per offered suite of every connection analyze reads: two comparisons, not a lookup
 * (test_registry checks them against the rows of status scsv). */
bool tlsd_suite_code_is_scsv(uint32_t code)
{
    return code == TLSD_SUITE_TLS_EMPTY_RENEGOTIATION_INFO_SCSV ||
           code == TLSD_SUITE_TLS_FALLBACK_SCSV;
}
