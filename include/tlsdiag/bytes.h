/* The one bounds-checked reader and the one writer of the TLS wire codec.
 *
 * Every parser reads through struct tlsd_rd: a reader never looks past its end, a
 * length-prefixed block is read through a narrowed sub-reader, and a block must be
 * consumed exactly (picotls ptls_decode_open_block, s2n-tls s2n_stuffer). A short or
 * inconsistent input is an error with a reason and an offset, never "parsed as zeros".
 *
 * Every builder writes through struct tlsd_wr: a growable buffer with nested
 * length-prefix reservations (picotls ptls_buffer_push_block). Writer errors are sticky
 * (the first one is kept, as BearSSL does) and reported by tlsd_wr_status(). */
#ifndef TLSDIAG_BYTES_H
#define TLSDIAG_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSD_WUR __attribute__((warn_unused_result))

/* Codec errors: name, message. The one list every error name and text comes from. */
#define TLSD_CERR_LIST(X)                                                                          \
    X(OK, "no error")                                                                              \
    X(NEED_MORE, "more input is needed")                                                           \
    X(TRUNCATED, "input ends inside a field")                                                      \
    X(TRAILING, "bytes left over after the end of a block")                                        \
    X(LENGTH, "a length field disagrees with the data")                                            \
    X(VEC_TOO_LONG, "a block is longer than its length prefix can hold")                           \
    X(EMPTY, "a list that must not be empty is empty")                                             \
    X(BAD_VALUE, "a field holds a value the protocol forbids")                                     \
    X(DUPLICATE, "an extension appears twice")                                                     \
    X(RECORD_TOO_LARGE, "record longer than the protocol allows")                                  \
    X(BAD_CONTENT_TYPE, "unknown record content type")                                             \
    X(BAD_VERSION, "record or message version is not SSL/TLS")                                     \
    X(MSG_TOO_LARGE, "handshake message longer than this codec accepts")                           \
    X(UNEXPECTED, "message not expected here")                                                     \
    X(UNSUPPORTED, "valid but not supported by this codec")                                        \
    X(BAD_SPEC, "the hello description is inconsistent")                                           \
    X(TOO_BIG, "the built message exceeds the requested maximum size")                             \
    X(CRYPTO, "libcrypto failed")                                                                  \
    X(NOMEM, "out of memory")

enum tlsd_cerr {
#define TLSD_CERR_ENUM(name, msg) TLSD_CERR_##name,
    TLSD_CERR_LIST(TLSD_CERR_ENUM)
#undef TLSD_CERR_ENUM
        TLSD_CERR_COUNT
};

const char *tlsd_cerr_name(enum tlsd_cerr e);    /* "TRUNCATED" */
const char *tlsd_cerr_message(enum tlsd_cerr e); /* "input ends inside a field" */

/* Where a parse failed: the first error is kept. Optionally reports every length
 * prefix read (tests use it to find the length fields of a valid message). */
struct tlsd_err {
    enum tlsd_cerr code;
    const char *what; /* the field being read, e.g. "ClientHello.cipher_suites" */
    size_t offset;    /* from the start of the outermost reader's input */
    void (*length_hook)(void *ctx, size_t offset, unsigned width, size_t value);
    void *hook_ctx;
};

/* Formats "TRUNCATED at 43 (ClientHello.cipher_suites): input ends inside a field". */
void tlsd_err_format(const struct tlsd_err *e, char *buf, size_t len);

/* A reader over [p, end). base is the start of the outermost input (for offsets);
 * err (never NULL after init) is shared by all sub-readers. */
struct tlsd_rd {
    const uint8_t *p, *end, *base;
    struct tlsd_err *err;
};

void tlsd_rd_init(struct tlsd_rd *r, const void *buf, size_t len, struct tlsd_err *err);
size_t tlsd_rd_left(const struct tlsd_rd *r);
size_t tlsd_rd_offset(const struct tlsd_rd *r);
/* Records err (first one wins) at the reader's position and returns it. */
enum tlsd_cerr tlsd_rd_fail(struct tlsd_rd *r, enum tlsd_cerr code, const char *what);

TLSD_WUR enum tlsd_cerr tlsd_rd_u8(struct tlsd_rd *r, uint8_t *v, const char *what);
TLSD_WUR enum tlsd_cerr tlsd_rd_u16(struct tlsd_rd *r, uint16_t *v, const char *what);
TLSD_WUR enum tlsd_cerr tlsd_rd_u24(struct tlsd_rd *r, uint32_t *v, const char *what);
TLSD_WUR enum tlsd_cerr tlsd_rd_u32(struct tlsd_rd *r, uint32_t *v, const char *what);
/* Points *v at the next n bytes (no copy) and skips them. */
TLSD_WUR enum tlsd_cerr tlsd_rd_bytes(struct tlsd_rd *r, const uint8_t **v, size_t n,
                                      const char *what);
/* Copies the next n bytes into out. */
TLSD_WUR enum tlsd_cerr tlsd_rd_copy(struct tlsd_rd *r, void *out, size_t n, const char *what);
/* Reads a length field of width 1, 2 or 3 bytes (reported to the length hook). */
TLSD_WUR enum tlsd_cerr tlsd_rd_length(struct tlsd_rd *r, unsigned width, size_t *len,
                                       const char *what);
/* Reads an n-byte block into *inner and skips it in *outer. */
TLSD_WUR enum tlsd_cerr tlsd_rd_sub(struct tlsd_rd *outer, struct tlsd_rd *inner, size_t n,
                                    const char *what);
/* Reads a length-prefixed vector (RFC 8446 3.4) into a narrowed sub-reader. */
TLSD_WUR enum tlsd_cerr tlsd_rd_vec8(struct tlsd_rd *outer, struct tlsd_rd *inner,
                                     const char *what);
TLSD_WUR enum tlsd_cerr tlsd_rd_vec16(struct tlsd_rd *outer, struct tlsd_rd *inner,
                                      const char *what);
TLSD_WUR enum tlsd_cerr tlsd_rd_vec24(struct tlsd_rd *outer, struct tlsd_rd *inner,
                                      const char *what);
/* Reads all of r as a list of 16-bit (8-bit) values into a new array (caller frees;
 * never NULL on success). LENGTH when r holds an odd number of bytes. */
TLSD_WUR enum tlsd_cerr tlsd_rd_u16_list(struct tlsd_rd *r, uint16_t **out, size_t *n,
                                         const char *what);
TLSD_WUR enum tlsd_cerr tlsd_rd_u8_list(struct tlsd_rd *r, uint8_t **out, size_t *n,
                                        const char *what);
/* The same with the array from alloc (release frees it on a short read): the ClientHello
 * parser puts its lists in a per-thread scratch area. */
TLSD_WUR enum tlsd_cerr tlsd_rd_u16_list_in(struct tlsd_rd *r, uint16_t **out, size_t *n,
                                            const char *what, void *(*alloc)(size_t),
                                            void (*release)(void *));
TLSD_WUR enum tlsd_cerr tlsd_rd_u8_list_in(struct tlsd_rd *r, uint8_t **out, size_t *n,
                                           const char *what, void *(*alloc)(size_t));
/* OK when r was consumed exactly, TRAILING otherwise. */
TLSD_WUR enum tlsd_cerr tlsd_rd_done(struct tlsd_rd *r, const char *what);

/* The writer. Zero-initialise (or tlsd_wr_init) before use; free with tlsd_wr_free. */
#define TLSD_WR_MAX_OPEN 16
struct tlsd_wr {
    uint8_t *buf;
    size_t len, cap;
    size_t open_at[TLSD_WR_MAX_OPEN]; /* offset of each open length prefix */
    uint8_t open_width[TLSD_WR_MAX_OPEN];
    unsigned n_open;
    enum tlsd_cerr err; /* first error, sticky */
};

void tlsd_wr_init(struct tlsd_wr *w);
void tlsd_wr_free(struct tlsd_wr *w);
void tlsd_wr_u8(struct tlsd_wr *w, uint8_t v);
void tlsd_wr_u16(struct tlsd_wr *w, uint16_t v);
void tlsd_wr_u24(struct tlsd_wr *w, uint32_t v);
void tlsd_wr_u32(struct tlsd_wr *w, uint32_t v);
void tlsd_wr_bytes(struct tlsd_wr *w, const void *p, size_t n);
void tlsd_wr_zeros(struct tlsd_wr *w, size_t n);
/* Reserve a 1-, 2- or 3-byte length prefix; tlsd_wr_close_vec fills in the length of
 * what was written since (VEC_TOO_LONG when it does not fit). Nests. */
void tlsd_wr_open_vec8(struct tlsd_wr *w);
void tlsd_wr_open_vec16(struct tlsd_wr *w);
void tlsd_wr_open_vec24(struct tlsd_wr *w);
void tlsd_wr_close_vec(struct tlsd_wr *w);
/* The first error, or BAD_SPEC when a vector is still open. */
TLSD_WUR enum tlsd_cerr tlsd_wr_status(const struct tlsd_wr *w);
/* Hands the buffer to the caller (who frees it) and resets w. */
TLSD_WUR enum tlsd_cerr tlsd_wr_take(struct tlsd_wr *w, uint8_t **buf, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
