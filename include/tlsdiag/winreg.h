/* Windows registry exports (.reg files as `reg export` and regedit write them) and
 * the effective Schannel configuration they describe on top of a built-in Windows
 * profile. The meaning of each setting is data: data/schannel_registry.tsv, with the
 * Microsoft documentation that defines it. */
#ifndef TLSDIAG_WINREG_H
#define TLSDIAG_WINREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Registry value types (winnt.h REG_*), as hex(N) names them in a .reg file. */
enum tlsd_reg_type {
    TLSD_REG_NONE = 0,
    TLSD_REG_SZ = 1,
    TLSD_REG_EXPAND_SZ = 2,
    TLSD_REG_BINARY = 3,
    TLSD_REG_DWORD = 4,
    TLSD_REG_MULTI_SZ = 7,
    TLSD_REG_QWORD = 11,
};

/* One value after every file was applied in order. key is the full key path as
 * written (HKLM spelled out, ControlSet00N read as CurrentControlSet); name is ""
 * for the default value (@). data: the raw bytes (strings written in quotes are
 * kept as UTF-8 with their NUL; hex(2)/hex(7) data is UTF-16LE as exported). */
struct tlsd_reg_value {
    char *key;
    char *name;
    enum tlsd_reg_type type;
    uint8_t *data;
    size_t len;
    char *file; /* where it was set */
    unsigned line;
};

struct tlsd_reg {
    struct tlsd_reg_value *v;
    size_t n, cap;
};

struct tlsd_reg_err {
    char msg[256];
};

/* Applies one .reg file (UTF-8 text: callers decode UTF-16 with tlsd_text_decode)
 * to reg: sets replace earlier values, "name"=- deletes a value, [-KEY] deletes a
 * key with its subkeys. -1 with a reason (file:line) when the text is not a
 * registry export or a line is malformed. */
int tlsd_reg_apply_text(struct tlsd_reg *reg, const char *text, size_t len, const char *file,
                        struct tlsd_reg_err *err) __attribute__((warn_unused_result));
/* Reads the file (any encoding reg.exe or regedit writes) and applies it. */
int tlsd_reg_apply_file(struct tlsd_reg *reg, const char *path, struct tlsd_reg_err *err)
    __attribute__((warn_unused_result));
/* Applies the running Windows' own registry (HKLM, the 64-bit view) under the keys that
 * scripts/windows/Collect-TlsState.ps1 exports: reg:HKLM. -1 with a reason elsewhere
 * (no registry) or when a key cannot be read. */
int tlsd_reg_apply_live(struct tlsd_reg *reg, struct tlsd_reg_err *err)
    __attribute__((warn_unused_result));
void tlsd_reg_free(struct tlsd_reg *reg);

/* The value whose key path ends with key_tail (backslash-separated, matched at a
 * component boundary, case-insensitive) and whose name is name; NULL when absent. */
const struct tlsd_reg_value *tlsd_reg_find(const struct tlsd_reg *reg, const char *key_tail,
                                           const char *name);
/* A REG_DWORD's value; false when v is not a 4-byte DWORD. */
bool tlsd_reg_dword(const struct tlsd_reg_value *v, uint32_t *out);
/* A string value (REG_SZ, REG_EXPAND_SZ) or each string of a REG_MULTI_SZ joined by
 * sep, as UTF-8; malloc'd, NULL when v holds no string. */
char *tlsd_reg_string(const struct tlsd_reg_value *v, char sep);

/* Where a setting of the effective configuration comes from. */
enum tlsd_win_origin {
    TLSD_WIN_DEFAULT = 0, /* the base Windows version's default */
    TLSD_WIN_LOCAL,       /* a local registry value */
    TLSD_WIN_POLICY,      /* a Group Policy registry value */
};
const char *tlsd_win_origin_name(enum tlsd_win_origin o);

#define TLSD_WIN_MAX_LINES 96

/* One line of provenance: a setting, its effective value, where it came from and
 * what it overrides or why it has no effect. */
struct tlsd_win_line {
    char setting[96];
    char value[160];
    enum tlsd_win_origin origin;
    char where[160]; /* file:line of the registry value, "" for defaults */
    char note[200];
};

/* The effective Schannel configuration: the profile (server or client side) plus
 * the limits and provenance the profile has no field for. */
struct tlsd_win_state {
    struct tlsd_profile profile;
    char base[48];         /* the built-in profile the registry changes */
    char base_reason[120]; /* "given", "named by the export", "assumed (none named)" */
    uint32_t dh_server_min_bits, dh_client_min_bits; /* 0: not set */
    uint32_t rsa_client_min_bits, rsa_client_max_bits;
    char gpo_name[128]; /* the GPO that sets the suite order (gpresult), "" unknown */
    struct tlsd_win_line lines[TLSD_WIN_MAX_LINES];
    size_t n_lines;
};

/* The effective profile, then each setting's origin, appended to b (JSON: tlsdiag/json.h). */
struct tlsd_strbuf;
void tlsd_win_state_text(const struct tlsd_win_state *st, struct tlsd_strbuf *b);

/* "FILE[,FILE...][@BASE]": the registry exports applied in order over BASE (else the
 * version the exports name, else windows-2022); a FILE ending in .xml is gpresult /x
 * output naming the GPOs. side selects the Client or Server protocol keys. */
int tlsd_win_state_from_reg(const char *spec, enum tlsd_side side, struct tlsd_win_state *st,
                            struct tlsd_reg_err *err) __attribute__((warn_unused_result));
/* The effective configuration of registry values already read (base as below). */
int tlsd_win_state_build(struct tlsd_win_state *st, const struct tlsd_reg *reg, const char *base,
                         const char *base_why, enum tlsd_side side, struct tlsd_reg_err *err)
    __attribute__((warn_unused_result));
/* The same with the files already split (base NULL: named by the exports or assumed;
 * base_why says where a given base came from, NULL: "given"). */
int tlsd_win_state_from_regs(const char *const *files, size_t n, const char *base,
                             const char *base_why, enum tlsd_side side, struct tlsd_win_state *st,
                             struct tlsd_reg_err *err) __attribute__((warn_unused_result));
/* The built-in profile of a Windows build number (20348 -> windows-2022), NULL if unknown. */
const char *tlsd_win_profile_of_build(unsigned build, bool server);

/* File names in a windows-state folder (scripts/windows/Collect-TlsState.ps1 writes them;
 * tests/cli/test_windows_collect.sh checks the script against these). */
#define TLSD_WIN_STATE_OSVERSION "os-version.txt"
#define TLSD_WIN_STATE_GPRESULT  "gpresult.xml"
#define TLSD_WIN_STATE_EVENTS    "schannel-events.evtx"

/* A folder written by scripts/windows/Collect-TlsState.ps1 (its *.reg exports, its
 * OS version, gpresult.xml). */
int tlsd_win_state_from_folder(const char *folder, enum tlsd_side side, struct tlsd_win_state *st,
                               struct tlsd_reg_err *err) __attribute__((warn_unused_result));

/* Reads FOLDER/gpresult.xml (gpresult /x) when present: the GPO that sets "SSL Cipher
 * Suite Order" (and "ECC Curve Order") is named in st->gpo_name and on the policy lines. */
void tlsd_win_gpresult(struct tlsd_win_state *st, const char *folder);
/* The same for a gpresult /x file given by path (reg:...,gpresult.xml). */
void tlsd_win_gpresult_file(struct tlsd_win_state *st, const char *path);
/* The GPO names in a gpresult /x document (decoded text): out_suites / out_curves get
 * the name of the GPO setting each policy, "" when none does. */
void tlsd_gpresult_policy_gpos(const char *xml, size_t len, char *out_suites, char *out_curves,
                               size_t out_len);

/* "reg:...", "windows-state:..." (case-insensitive prefix) or "local[@BASE]" (this
 * machine's live registry, as reg:HKLM[@BASE]; an error elsewhere than on Windows). */
bool tlsd_win_spec(const char *spec);
/* Either form as a state (st) or only its profile (p, err_msg of err_len bytes). */
int tlsd_win_state_load(const char *spec, enum tlsd_side side, struct tlsd_win_state *st,
                        struct tlsd_reg_err *err) __attribute__((warn_unused_result));
int tlsd_profile_from_windows(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                              char *err_msg, size_t err_len) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
