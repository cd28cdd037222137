/* Fixes: the smallest changes to one side that make a failing pair succeed, ranked
 * (the smallest secure fixes first, then a smaller but weaker stopgap with its risk),
 * each with the exact commands and settings for that side's implementation. */
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
/* The search tries up to this many changes on one side before saying that no secure
 * fix exists. */
#define TLSD_FIX_MAX_CHANGES 3

/* A change to a .NET application's own TLS settings (include/tlsdiag/dotnet.h), in the
 * order an expert tries them: machine-wide registry values first (no code change), then
 * the application's AppContext switches, then a rebuild for a newer framework. */
enum tlsd_dotnet_fix {
    TLSD_DOTNET_FIX_NONE = 0,
    TLSD_DOTNET_FIX_REGISTRY,   /* set dotnet_settings to 1 under .NETFramework (both views) */
    TLSD_DOTNET_FIX_APPCONTEXT, /* the AppContext switches of dotnet_settings = false */
    TLSD_DOTNET_FIX_RETARGET,   /* rebuild the application for .NET Framework 4.8 */
};

/* "registry", "appcontext", "retarget"; "" for NONE. */
const char *tlsd_dotnet_fix_name(enum tlsd_dotnet_fix k);

struct tlsd_fix {
    enum tlsd_side side; /* the side to change */
    enum tlsd_dotnet_fix dotnet;
    unsigned dotnet_settings; /* enum tlsd_dotnet_setting bits (registry, appcontext) */
    unsigned add_versions;    /* TLSD_V_* bits to enable */
    uint32_t add_suites[TLSD_FIX_MAX_ITEMS];
    size_t n_add_suites;
    uint16_t add_group;            /* 0: none */
    uint16_t add_sigalg;           /* a signature scheme (server: TLS 1.3 list), 0: none */
    struct tlsd_cert_key add_cert; /* type[0] == 0: none */
    /* An OpenSSL 3 server at its default security level goes to level 0 (@SECLEVEL=0):
     * TLS 1.0/1.1 signatures (MD5-SHA1) and legacy suites work again. Always weak. */
    bool seclevel0;
    size_t n_changes;
    unsigned versions_added; /* TLSD_V_* bits the change really turns on (a range-configured
                                side enables the versions between) */
    unsigned versions_after; /* the side's versions with the fix */
    enum tlsd_class cls;     /* of the connection the fix produces (version and suite) */
    bool stopgap;            /* works, but the connection is weak or insecure */
    struct tlsd_outcome after;
};

struct tlsd_fix_list {
    struct tlsd_fix *fixes;
    size_t n;
    /* No secure fix exists (none within TLSD_FIX_MAX_CHANGES changes) and the fixes
     * listed are stopgaps: the caller must say so. */
    bool only_insecure;
    /* TLSD_V_*: versions the other side offers that this side's Windows release cannot
     * run at all, whatever its settings (no fix can add them: only another release). */
    unsigned versions_impossible;
};

/* Finds fixes for one side (client or server), at most max: the smallest secure fixes
 * first, then the smallest stopgaps when a stopgap needs fewer changes (or nothing
 * secure exists). Returns 0, or -1 when out of memory. */
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
    char notes[5][200]; /* caveats: domain GPO overrides, restart needed, ... */
    size_t n_notes;
};
/* Renders the commands for the fix on profile p (the side being changed, before the
 * fix). Returns 0 or -1 when out of memory. */
int tlsd_fix_render(const struct tlsd_fix *f, const struct tlsd_profile *p,
                    struct tlsd_fix_steps *out) __attribute__((warn_unused_result));
void tlsd_fix_steps_free(struct tlsd_fix_steps *s);
/* Short summary: "enable TLS_RSA_WITH_AES_128_CBC_SHA" / "enable TLSv1.0 + ...";
 * a version that brings others with it on a range-configured side names the range's
 * new end and what comes on: "raise the maximum version to TLSv1.2 (adds TLSv1.1
 * TLSv1.2)". */
void tlsd_fix_summary(const struct tlsd_fix *f, char *buf, size_t len);
/* A stopgap's risk: what makes the connection it gives weak or insecure ("3DES 64-bit
 * block (Sweet32); ..."); "" for a secure fix. */
void tlsd_fix_risk(const struct tlsd_fix *f, char *buf, size_t len);

/* The model's outcome ("Result: handshake succeeds: ..." or "fails: ..." with the alert
 * and the Schannel events) and the fixes for one side (at most max, numbered, with risks,
 * steps and notes), appended to b as match, serve and connect show them; JSON in
 * tlsdiag/json.h. tlsd_fixes_text returns 0, or -1 when out of memory. */
struct tlsd_strbuf;
void tlsd_outcome_text(const struct tlsd_outcome *o, struct tlsd_strbuf *b);
int tlsd_fixes_text(const struct tlsd_profile *c, const struct tlsd_profile *s, enum tlsd_side side,
                    size_t max, struct tlsd_strbuf *b) __attribute__((warn_unused_result));

/* match's reports (match_render.c; the JSON is in tlsdiag/json.h). One pair: the
 * profiles, the versions assumed for either, the outcome and, when it fails, n_fixes fixes
 * per side; -1 when the fixes ran out of memory. */
int tlsd_pair_text(const struct tlsd_profile *c, const struct tlsd_profile *s,
                   const struct tlsd_outcome *out, size_t n_fixes, struct tlsd_strbuf *b)
    __attribute__((warn_unused_result));
/* Several clients against several servers, each pair negotiated by the caller. */
struct tlsd_matrix {
    const struct tlsd_profile *clients;
    size_t n_clients;
    const struct tlsd_profile *servers;
    size_t n_servers;
    const struct tlsd_outcome *out; /* n_clients * n_servers, a row of servers per client */
};
/* The matrix in blocks of the server columns that fit width, the count of failing pairs,
 * and what breaks for a client that works with the first server but not a later one. */
void tlsd_matrix_text(const struct tlsd_matrix *m, size_t width, struct tlsd_strbuf *b);

#ifdef __cplusplus
}
#endif
#endif
