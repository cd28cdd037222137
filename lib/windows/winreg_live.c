/* reg:HKLM: the running Windows' own registry, read through the portability layer's
 * registry reader (tlsd_reg_subkeys, tlsd_reg_values) under the keys that
 * scripts/windows/Collect-TlsState.ps1 exports, written out as the .reg text `reg export`
 * would give and applied by the one .reg parser, so a live read and an export of the same
 * machine give the same effective configuration. Elsewhere there is no registry to read. */
#include <stdint.h>
#include <string.h>

#include "platform.h"

#include "tlsdiag/strbuf.h"
#include "tlsdiag/winreg.h"

/* Collect-TlsState.ps1's keys; the last (the OS version) without its subkeys. */
static const char *const live_keys[] = {
    "SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL",
    "SYSTEM\\CurrentControlSet\\Control\\Cryptography\\Configuration\\Local\\SSL",
    "SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL",
    "SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319",
    "SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319",
    "SOFTWARE\\Microsoft\\.NETFramework\\v2.0.50727",
    "SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v2.0.50727",
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
};
#define MAX_DEPTH 8 /* SCHANNEL\Protocols\TLS 1.2\Server is 3 below its root */

struct walk {
    struct tlsd_strbuf *out;
    const char *key;
    int depth;
    bool failed;
};

/* A quoted .reg string: backslash and quote escaped. */
static void put_quoted(struct tlsd_strbuf *b, const char *s)
{
    tlsd_sb_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            tlsd_sb_puts(b, "\\");
        tlsd_sb_putn(b, s, 1);
    }
    tlsd_sb_puts(b, "\"");
}

/* One UTF-16LE code unit as hex(7) bytes. */
static void put_unit(struct tlsd_strbuf *b, uint32_t u, bool *first)
{
    tlsd_sb_printf(b, "%s%02x,%02x", *first ? "" : ",", (unsigned)(u & 0xff),
                   (unsigned)(u >> 8 & 0xff));
    *first = false;
}

/* The lines of text as REG_MULTI_SZ data: hex(7), UTF-16LE, each string NUL-ended, an
 * empty string last. Text from the reader is valid UTF-8. */
static void put_multi(struct tlsd_strbuf *b, const char *text)
{
    bool first = true;
    tlsd_sb_puts(b, "hex(7):");
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        uint32_t cp = *p;
        int extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
        cp &= extra ? 0x3fu >> extra : 0x7f;
        p++;
        for (; extra-- > 0 && (*p & 0xc0) == 0x80; p++)
            cp = cp << 6 | (*p & 0x3f);
        if (cp == '\n')
            cp = 0; /* the reader joins the strings with newlines */
        if (cp >= 0x10000) {
            put_unit(b, 0xd800 + ((cp - 0x10000) >> 10), &first);
            put_unit(b, 0xdc00 + ((cp - 0x10000) & 0x3ff), &first);
        } else {
            put_unit(b, cp, &first);
        }
    }
    put_unit(b, 0, &first);
    put_unit(b, 0, &first);
}

static int on_value(void *ctx, const char *name, enum tlsd_live_type type, uint32_t number,
                    const char *text)
{
    struct walk *w = ctx;
    if (type == TLSD_LIVE_OTHER)
        return 0; /* binary and QWORD values: no Schannel setting is one */
    if (*name)
        put_quoted(w->out, name);
    else
        tlsd_sb_puts(w->out, "@");
    tlsd_sb_puts(w->out, "=");
    if (type == TLSD_LIVE_DWORD)
        tlsd_sb_printf(w->out, "dword:%08x", (unsigned)number);
    else if (type == TLSD_LIVE_TEXT)
        put_quoted(w->out, text);
    else
        put_multi(w->out, text);
    tlsd_sb_puts(w->out, "\n");
    return 0;
}

static void export_key(struct tlsd_strbuf *out, const char *key, int depth, bool *failed);

static int on_subkey(void *ctx, const char *subkey)
{
    struct walk *w = ctx;
    struct tlsd_strbuf path = {0};
    tlsd_sb_printf(&path, "%s\\%s", w->key, subkey);
    if (!path.failed)
        export_key(w->out, path.s, w->depth + 1, &w->failed);
    w->failed |= path.failed;
    tlsd_sb_free(&path);
    return 0;
}

/* [HKEY_LOCAL_MACHINE\key], its values, then each subkey (depth < 0: none). */
static void export_key(struct tlsd_strbuf *out, const char *key, int depth, bool *failed)
{
    struct walk w = {.out = out, .key = key, .depth = depth};
    size_t mark = out->len;
    tlsd_sb_printf(out, "\n[HKEY_LOCAL_MACHINE\\%s]\n", key);
    enum tlsd_reg_status st = tlsd_reg_values(key, on_value, &w);
    if (st != TLSD_REG_OK) {
        out->len = mark; /* absent (or unreadable): as reg export, nothing */
        if (out->s)
            out->s[mark] = '\0';
        *failed |= st == TLSD_REG_ERROR;
        return;
    }
    if (depth >= 0 && depth < MAX_DEPTH)
        (void)tlsd_reg_subkeys(key, on_subkey, &w);
    *failed |= w.failed;
}

int tlsd_reg_apply_live(struct tlsd_reg *reg, struct tlsd_reg_err *err)
{
    unsigned major, minor, build;
    if (!tlsd_os_version(&major, &minor, &build)) {
        snprintf(err->msg, sizeof err->msg,
                 "reg:HKLM reads this machine's live registry, which only Windows has; "
                 "elsewhere use reg:FILE[,FILE...] with the server's 'reg export' files");
        return -1;
    }
    struct tlsd_strbuf text = {0};
    bool failed = false;
    tlsd_sb_puts(&text, "Windows Registry Editor Version 5.00\n");
    size_t n = sizeof live_keys / sizeof live_keys[0];
    for (size_t i = 0; i < n; i++)
        export_key(&text, live_keys[i], i + 1 == n ? -1 : 0, &failed);
    int rc = -1;
    if (text.failed)
        snprintf(err->msg, sizeof err->msg, "out of memory");
    else if (failed)
        snprintf(err->msg, sizeof err->msg, "HKLM: a registry key could not be read");
    else
        rc = tlsd_reg_apply_text(reg, text.s, text.len, "HKLM", err);
    tlsd_sb_free(&text);
    return rc;
}
