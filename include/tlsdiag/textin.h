/* Text files as Windows and Linux tools write them, decoded to UTF-8 with LF line ends.
 *
 * Windows PowerShell 5.1 writes `Get-TlsCipherSuite > f.txt` and `Out-File` as UTF-16LE with
 * a byte order mark, `reg export` and regedit write UTF-16LE with a BOM, Notepad may add a
 * UTF-8 BOM, and every Windows tool ends lines with CRLF. Every file or standard input that
 * tlsdiag reads as text goes through tlsd_text_decode() first, so parsers only ever see
 * UTF-8 (or the original 8-bit bytes) with '\n' line ends and no BOM. */
#ifndef TLSDIAG_TEXTIN_H
#define TLSDIAG_TEXTIN_H

#include <stddef.h>
#include <stdint.h>

enum tlsd_text_encoding {
    TLSD_TEXT_8BIT,     /* no BOM and no UTF-16 pattern: bytes kept as they are */
    TLSD_TEXT_UTF8_BOM, /* EF BB BF */
    TLSD_TEXT_UTF16LE,  /* FF FE, or no BOM but every odd byte of the start zero */
    TLSD_TEXT_UTF16BE,  /* FE FF, or no BOM but every even byte of the start zero */
};

/* Which encoding tlsd_text_decode() would take `in` to be. */
enum tlsd_text_encoding tlsd_text_detect(const uint8_t *in, size_t len);

/* Decodes `in` to a new NUL-terminated buffer (caller frees) of *out_len bytes: the BOM is
 * dropped, UTF-16 becomes UTF-8 (an unpaired surrogate, a U+0000 or a final odd byte becomes
 * U+FFFD, so nothing is silently cut), CRLF and a lone CR become LF. *enc (may be NULL) gets
 * the encoding found. Returns NULL only when memory runs out. */
char *tlsd_text_decode(const uint8_t *in, size_t len, size_t *out_len,
                       enum tlsd_text_encoding *enc);

/* "8-bit", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE". */
const char *tlsd_text_encoding_name(enum tlsd_text_encoding enc);

#endif
