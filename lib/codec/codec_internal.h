/* Helpers shared by the codec's parsers (not public API). */
#ifndef TLSDIAG_CODEC_INTERNAL_H
#define TLSDIAG_CODEC_INTERNAL_H

#include "tlsdiag/bytes.h"
#include "tlsdiag/hello.h"

/* Returns the status of x from the calling function when it is not OK. */
#define TLSD_TRY(x)                                                                                \
    do {                                                                                           \
        enum tlsd_cerr try_e_ = (x);                                                               \
        if (try_e_ != TLSD_CERR_OK)                                                                \
            return try_e_;                                                                         \
    } while (0)

/* Reads an extensions block (RFC 8446 4.2) into a new array, in wire order; DUPLICATE
 * when a type repeats (RFC 8446 4.2, RFC 5246 7.4.1.4). */
enum tlsd_cerr tlsd_read_extensions(struct tlsd_rd *block, struct tlsd_ext **exts, size_t *n);

/* Reads an extensions block, then decodes each extension with decode (which must
 * consume it exactly), in wire order. After an error in the framing of extension k,
 * extensions 0..k-1 are whole and lie before it: they are decoded too (a partial
 * result keeps them); the error returned stays the framing one. */
typedef enum tlsd_cerr (*tlsd_ext_decoder)(struct tlsd_rd *ext, uint16_t type, void *ctx);
enum tlsd_cerr tlsd_decode_extensions(struct tlsd_rd *block, struct tlsd_ext **exts, size_t *n,
                                      tlsd_ext_decoder decode, void *ctx);

/* Moves a pointer that pointed into [old, old+len) to the same place in copy. */
static inline const uint8_t *tlsd_rebase(const uint8_t *p, const uint8_t *old, const uint8_t *copy)
{
    return p ? copy + (p - old) : p;
}

#endif
