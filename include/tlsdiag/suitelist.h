/* Cipher suite names and lists in every spelling people paste: IANA, OpenSSL
 * (names and cipher strings), GnuTLS, Windows (incl. curve-suffixed names),
 * hex, GPO order strings and PowerShell Get-TlsCipherSuite output. */
#ifndef TLSDIAG_SUITELIST_H
#define TLSDIAG_SUITELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/registry.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tlsd_token_status {
    TLSD_TOKEN_OK = 0,       /* a code, in the registry */
    TLSD_TOKEN_UNASSIGNED,   /* a well-formed code that the registry does not hold */
    TLSD_TOKEN_GREASE,       /* an RFC 8701 GREASE value */
    TLSD_TOKEN_BAD_HEX,      /* looks like hex but is malformed */
    TLSD_TOKEN_UNKNOWN_NAME, /* not a name in any scheme */
};

/* Resolves one token ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
 * "ECDHE-RSA-AES128-GCM-SHA256", "0xC02F", "0xC0,0x2F", "c02f",
 * "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P256", Java's "SSL_RSA_WITH_..."). On
 * OK/UNASSIGNED/GREASE *code is set; *suite is the registry row or NULL. */
enum tlsd_token_status tlsd_suite_resolve(const char *tok, size_t len, uint32_t *code,
                                          const struct tlsd_suite **suite);

/* The input forms a list can come in (detected, reported back). */
enum tlsd_list_form {
    TLSD_FORM_EMPTY = 0,
    TLSD_FORM_NAMES,    /* names or codes separated by : , ; space or newline */
    TLSD_FORM_OPENSSL,  /* an OpenSSL cipher string, expanded by libssl */
    TLSD_FORM_PS_LIST,  /* Get-TlsCipherSuite (Format-List) */
    TLSD_FORM_PS_TABLE, /* Get-TlsCipherSuite | Format-Table */
};
const char *tlsd_list_form_name(enum tlsd_list_form f);

struct tlsd_list_item {
    uint32_t code;
    const struct tlsd_suite *suite; /* NULL for a code the registry lacks */
};

/* A message about one item of the input: the (printable, shortened) token
 * and what is wrong or worth knowing. */
struct tlsd_list_msg {
    char *token;
    char *text;
};

struct tlsd_suite_list {
    enum tlsd_list_form form;
    struct tlsd_list_item *items;
    size_t n_items, cap_items;
    struct tlsd_list_msg *errors; /* bad items: left out of items */
    size_t n_errors, cap_errors;
    struct tlsd_list_msg *notes; /* good items worth a remark */
    size_t n_notes, cap_notes;
    unsigned char *seen_; /* private: 2-byte codes already listed (bitmap) */
};

/* Parses a whole list in any supported form. Returns 0, or -1 only when out
 * of memory; bad items land in list->errors and the rest still converts.
 * Duplicates are kept once (first position) with a note. */
int tlsd_suite_list_parse(const char *text, size_t len, struct tlsd_suite_list *list)
    __attribute__((warn_unused_result));
void tlsd_suite_list_free(struct tlsd_suite_list *list);

/* Appends one item (used by callers that build lists, e.g. the registry
 * listing); returns 0 or -1 when out of memory. */
int tlsd_suite_list_add(struct tlsd_suite_list *list, uint32_t code)
    __attribute__((warn_unused_result));

/* Filters: key=value[|value...] over kx, auth, cert, cipher (substring), mac,
 * class (name or ">=secure"), version (usable at), status. Several filters
 * are ANDed. */
struct tlsd_filter;
struct tlsd_filter *tlsd_filter_parse(const char *spec, char *err, size_t errlen);
int tlsd_filter_add(struct tlsd_filter *f, const char *spec, char *err, size_t errlen);
bool tlsd_filter_match(const struct tlsd_filter *f, const struct tlsd_suite *s);
void tlsd_filter_free(struct tlsd_filter *f);
/* Keeps only items matching f (items without a registry row are dropped). */
void tlsd_suite_list_filter(struct tlsd_suite_list *list, const struct tlsd_filter *f);
/* Sorts the items most secure first (registry class, then TLS 1.3, forward secrecy,
 * AEAD, key length): the order a list taken from the registry (not from the
 * administrator) should have where its order becomes a preference. */
void tlsd_suite_list_sort_secure(struct tlsd_suite_list *list);

/* What the local OpenSSL (libssl) can negotiate: true when it names the code
 * in 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' or among its TLS 1.3 suites. */
bool tlsd_openssl_knows(uint32_t code);

/* The registry code of the group a libssl connection (SSL *) negotiated, 0 when none
 * or unknown. */
uint16_t tlsd_openssl_negotiated_group(void *ssl);

/* Expands an OpenSSL cipher string with the local libssl (security level 0
 * unless the string sets @SECLEVEL). Returns the number of codes written to
 * *codes (malloc'd), or -1 with a message in err. */
int tlsd_openssl_expand(const char *cipherstr, uint32_t **codes, char *err, size_t errlen);
/* True when the local libssl accepts tok as a cipher-string element
 * (keyword, name, combination or @command). */
bool tlsd_openssl_valid_token(const char *tok);

#ifdef __cplusplus
}
#endif
#endif
