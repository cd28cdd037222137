/* A streaming JSON text writer for renderers that emit many records (the capture analyser
 * writes one object per connection, hundreds of thousands per capture): values go straight
 * into a growable buffer, with no tree of objects to build and free. */
#ifndef TLSDIAG_JSON_WRITER_H
#define TLSDIAG_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLSD_JW_MAX_DEPTH 16

#include "base/memo_internal.h"
#include "tlsdiag/strbuf.h"

/* What a writer of many documents remembers between them, kept by its owner (the
 * analyser) and freed with it: member names by address (their length, and that they need
 * no escape), and values rendered once, by a key of the caller's (tlsd_jw_raw). */
struct tlsd_jw_memo {
    struct tlsd_memo keys, values;
};

/* values: slots, key and value bytes at most; each memo empty (remembering nothing) when
 * out of memory. */
void tlsd_jw_memo_init(struct tlsd_jw_memo *m, size_t slots, size_t key_max, size_t value_max);
void tlsd_jw_memo_free(struct tlsd_jw_memo *m);

/* Writes into b (appending); b->failed tells of an allocation failure or too deep nesting. */
struct tlsd_jw {
    struct tlsd_strbuf *b;
    struct tlsd_jw_memo *memo; /* NULL: nothing remembered */
    int depth;
    bool first[TLSD_JW_MAX_DEPTH]; /* no value yet at this level */
};

/* key is the member name inside an object, NULL inside an array or at the top. It must
 * not change for the life of the program (a literal, or a static name such as
 * tlsd_conn_outcome_name gives): its length is remembered by address. */
void tlsd_jw_begin_object(struct tlsd_jw *w, const char *key);
void tlsd_jw_end_object(struct tlsd_jw *w);
void tlsd_jw_begin_array(struct tlsd_jw *w, const char *key);
void tlsd_jw_end_array(struct tlsd_jw *w);
void tlsd_jw_string(struct tlsd_jw *w, const char *key, const char *v); /* NULL: null */
void tlsd_jw_stringn(struct tlsd_jw *w, const char *key, const char *v, size_t n);
void tlsd_jw_int(struct tlsd_jw *w, const char *key, int64_t v);
void tlsd_jw_uint_or_null(struct tlsd_jw *w, const char *key, uint64_t v); /* 0: null */
void tlsd_jw_bool(struct tlsd_jw *w, const char *key, bool v);
void tlsd_jw_null(struct tlsd_jw *w, const char *key);
/* A registry code as a string, "0x%04x" (or "0x%06x" above 0xffff), formatted by hand. */
void tlsd_jw_hex(struct tlsd_jw *w, const char *key, uint32_t v);
/* Microseconds as seconds with six decimals ("%.6f" without the double). */
void tlsd_jw_usec(struct tlsd_jw *w, const char *key, int64_t usec);
/* A value already written as JSON text (n bytes), e.g. rendered once and reused. */
void tlsd_jw_raw(struct tlsd_jw *w, const char *key, const char *json, size_t n);

#endif
