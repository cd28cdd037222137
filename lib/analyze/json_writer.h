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
 * tlsd_conn_outcome_name gives): its length is remembered by address. The functions are
 * called through the macros below, which pass the name's length when the compiler knows
 * it (a literal: copied without a look-up in the memo), else TLSD_JW_KLEN_UNKNOWN. */
#define TLSD_JW_KLEN_UNKNOWN ((size_t)-1)
#define TLSD_JW_KLEN(key)                                                                          \
    (__builtin_constant_p(__builtin_strlen((key) ? (key) : ""))                                    \
         ? __builtin_strlen((key) ? (key) : "")                                                    \
         : TLSD_JW_KLEN_UNKNOWN)

void tlsd_jw_begin_object_k(struct tlsd_jw *w, const char *key, size_t klen);
void tlsd_jw_end_object(struct tlsd_jw *w);
void tlsd_jw_begin_array_k(struct tlsd_jw *w, const char *key, size_t klen);
void tlsd_jw_end_array(struct tlsd_jw *w);
void tlsd_jw_string_k(struct tlsd_jw *w, const char *key, size_t klen, const char *v);
void tlsd_jw_stringn_k(struct tlsd_jw *w, const char *key, size_t klen, const char *v, size_t n);
void tlsd_jw_int_k(struct tlsd_jw *w, const char *key, size_t klen, int64_t v);
void tlsd_jw_uint_or_null_k(struct tlsd_jw *w, const char *key, size_t klen, uint64_t v);
void tlsd_jw_bool_k(struct tlsd_jw *w, const char *key, size_t klen, bool v);
void tlsd_jw_null_k(struct tlsd_jw *w, const char *key, size_t klen);
void tlsd_jw_hex_k(struct tlsd_jw *w, const char *key, size_t klen, uint32_t v);
void tlsd_jw_usec_k(struct tlsd_jw *w, const char *key, size_t klen, int64_t usec);
void tlsd_jw_raw_k(struct tlsd_jw *w, const char *key, size_t klen, const char *json, size_t n);

#define tlsd_jw_begin_object(w, key) tlsd_jw_begin_object_k(w, key, TLSD_JW_KLEN(key))
#define tlsd_jw_begin_array(w, key)  tlsd_jw_begin_array_k(w, key, TLSD_JW_KLEN(key))
/* NULL v: null. */
#define tlsd_jw_string(w, key, ...)  tlsd_jw_string_k(w, key, TLSD_JW_KLEN(key), __VA_ARGS__)
#define tlsd_jw_stringn(w, key, ...) tlsd_jw_stringn_k(w, key, TLSD_JW_KLEN(key), __VA_ARGS__)
#define tlsd_jw_int(w, key, ...)     tlsd_jw_int_k(w, key, TLSD_JW_KLEN(key), __VA_ARGS__)
/* 0: null. */
#define tlsd_jw_uint_or_null(w, key, ...)                                                          \
    tlsd_jw_uint_or_null_k(w, key, TLSD_JW_KLEN(key), __VA_ARGS__)
#define tlsd_jw_bool(w, key, ...) tlsd_jw_bool_k(w, key, TLSD_JW_KLEN(key), __VA_ARGS__)
#define tlsd_jw_null(w, key)      tlsd_jw_null_k(w, key, TLSD_JW_KLEN(key))
/* A registry code as a string, "0x%04x" (or "0x%06x" above 0xffff), formatted by hand. */
#define tlsd_jw_hex(w, key, ...) tlsd_jw_hex_k(w, key, TLSD_JW_KLEN(key), __VA_ARGS__)
/* Microseconds as seconds with six decimals ("%.6f" without the double). */
#define tlsd_jw_usec(w, key, ...) tlsd_jw_usec_k(w, key, TLSD_JW_KLEN(key), __VA_ARGS__)
/* A value already written as JSON text (n bytes), e.g. rendered once and reused. */
#define tlsd_jw_raw(w, key, ...) tlsd_jw_raw_k(w, key, TLSD_JW_KLEN(key), __VA_ARGS__)

#endif
