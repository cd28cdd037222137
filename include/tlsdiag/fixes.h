/* Fixes: the smallest changes to one side that make a failing pair succeed, ranked
 * (fewest changes first, then the security class of the resulting connection), each
 * with the exact commands and settings for that side's implementation. */
#ifndef TLSDIAG_FIXES_H
#define TLSDIAG_FIXES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/registry.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLSD_FIX_MAX_ITEMS 2

struct tlsd_fix {
    enum tlsd_side side;   /* the side to change */
    unsigned add_versions; /* TLSD_V_* bits to enable */
    uint32_t add_suites[TLSD_FIX_MAX_ITEMS];
    size_t n_add_suites;
    uint16_t add_group;            /* 0: none */
    uint16_t add_sigalg;           /* a signature scheme (server: TLS 1.3 list), 0: none */
    struct tlsd_cert_key add_cert; /* type[0] == 0: none */
    size_t n_changes;
    enum tlsd_class cls; /* of the connection the fix produces (version and suite) */
    struct tlsd_outcome after;
};

struct tlsd_fix_list {
    struct tlsd_fix *fixes;
    size_t n;
    /* Every fix found is weak or insecure: nothing secure exists; the caller must say so. */
    bool only_insecure;
};

/* Finds fixes for one side (client or server), best first, at most max. Returns 0, or
 * -1 when out of memory. */
int tlsd_find_fixes(const struct tlsd_profile *client, const struct tlsd_profile *server,
                    enum tlsd_side side, size_t max, struct tlsd_fix_list *out)
    __attribute__((warn_unused_result));
void tlsd_fix_list_free(struct tlsd_fix_list *l);

/* The changed profile (p with the fix applied; suites appended at the bottom). */
void tlsd_fix_apply(const struct tlsd_fix *f, struct tlsd_profile *p);

/* One instruction: what to run or set, for which product. */
struct tlsd_fix_step {
    char what[48]; /* "PowerShell", "registry", "GPO", "OpenSSL", "nginx", "Apache", ... */
    char *text;    /* malloc'd */
};
struct tlsd_fix_steps {
    struct tlsd_fix_step *v;
    size_t n;
    char notes[3][200]; /* caveats: domain GPO overrides, restart needed, ... */
    size_t n_notes;
};
/* Renders the commands for the fix on profile p (the side being changed, before the
 * fix). Returns 0 or -1 when out of memory. */
int tlsd_fix_render(const struct tlsd_fix *f, const struct tlsd_profile *p,
                    struct tlsd_fix_steps *out) __attribute__((warn_unused_result));
void tlsd_fix_steps_free(struct tlsd_fix_steps *s);
/* Short summary: "enable TLS_RSA_WITH_AES_128_CBC_SHA" / "enable TLSv1.0 + ...". */
void tlsd_fix_summary(const struct tlsd_fix *f, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
