/* A streaming JSON text writer for renderers that emit many records (the capture analyser
 * writes one object per connection, hundreds of thousands per capture): values go straight
 * into a growable buffer, with no tree of objects to build and free. */
#ifndef TLSDIAG_JSON_WRITER_H
#define TLSDIAG_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLSD_JW_MAX_DEPTH 16

#include "tlsdiag/strbuf.h"

/* Writes into b (appending); b->failed tells of an allocation failure or too deep nesting. */
struct tlsd_jw {
    struct tlsd_strbuf *b;
    int depth;
    bool first[TLSD_JW_MAX_DEPTH]; /* no value yet at this level */
};

/* key is the member name inside an object, NULL inside an array or at the top. It must
 * not change for the life of the program (a literal, or a static name such as
 * tlsd_conn_outcome_name gives): its length is cached by address. */
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
