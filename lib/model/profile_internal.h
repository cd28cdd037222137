/* Shared between the profile modules and the generated table. */
#ifndef TLSDIAG_PROFILE_INTERNAL_H
#define TLSDIAG_PROFILE_INTERNAL_H

#include "tlsdiag/profile.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */

/* Generated from data/profiles/ by scripts/gen_profiles.py. */
extern const struct tlsd_builtin_profile tlsd_builtin_profiles_[];
extern const size_t tlsd_builtin_profiles_n_;

/* Fills the fields that follow from a suite list alone (versions the suites can
 * be used at), for inputs that give only suites. */
void tlsd_profile_versions_from_suites(struct tlsd_profile *p);

/* Implementation defaults set when a profile names its implementation
 * (schannel: reset on no match, the Windows 10+ curve order). */
void tlsd_profile_impl_defaults(struct tlsd_profile *p);

/* A ClientHello as hex (whole records) -> client profile. */
int tlsd_profile_hello_hex(const char *hex, size_t len, struct tlsd_profile *p,
                           struct tlsd_profile_err *err) __attribute__((warn_unused_result));

/* Hex (blanks, ':' ',' and 0x prefixes allowed) -> malloc'd bytes; -1 when not hex. */
int tlsd_profile_hex_decode(const char *text, size_t len, uint8_t **out, size_t *outlen)
    __attribute__((warn_unused_result));
/* A whole profile file (at most 4 MiB), NUL-terminated; NULL with err set. */
char *tlsd_profile_read_file(const char *path, size_t *len, struct tlsd_profile_err *err);
/* A saved `tlsdiag scan --json` (first target) as a server profile. */
int tlsd_profile_from_scan_json(const char *text, size_t len, struct tlsd_profile *p,
                                struct tlsd_profile_err *err) __attribute__((warn_unused_result));
/* "FILE[#STREAM|@CLIENT-ADDR]": a ClientHello from a capture -> client profile. */
int tlsd_profile_from_capture(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                              struct tlsd_profile_err *err) __attribute__((warn_unused_result));

/* Writes a message to err and returns -1 (for "return tlsd_profile_fail(...)"). */
int tlsd_profile_fail(struct tlsd_profile_err *err, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 2, 3)));

#endif
