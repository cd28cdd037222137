/* One PROFILE argument -> a profile: a built-in name, "form:text" inline input, or a
 * file (form detected from its contents), or inline text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"

#include "model/profile_internal.h"
#include "tlsdiag/textin.h"
#include "tlsdiag/winreg.h"

#define MAX_PROFILE_FILE (4u * 1024 * 1024)

static const struct {
    const char *prefix;
    enum tlsd_profile_form form;
    bool file;
} prefixes[] = {
    {"hex:", TLSD_PROFILE_HEX, false},         {"openssl:", TLSD_PROFILE_OPENSSL, false},
    {"gpo:", TLSD_PROFILE_GPO, false},         {"list:", TLSD_PROFILE_LIST, false},
    {"nginx:", TLSD_PROFILE_WEBSERVER, false}, {"apache:", TLSD_PROFILE_WEBSERVER, false},
    {"ps:", TLSD_PROFILE_POWERSHELL, true},    {"file:", TLSD_PROFILE_AUTO, true},
    {"scan:", TLSD_PROFILE_SCAN_JSON, true},   {"capture:", TLSD_PROFILE_CAPTURE, true},
};

char *tlsd_profile_read_file(const char *path, size_t *len, struct tlsd_profile_err *err)
{
    FILE *f = tlsd_fopen(path, "rb");
    if (!f) {
        snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_PROFILE_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_PROFILE_FILE + 1, f) : 0;
    int bad = !buf || ferror(f) || n > MAX_PROFILE_FILE;
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err->msg, sizeof err->msg, "%s: unreadable or larger than 4 MiB", path);
        return NULL;
    }
    char *text = tlsd_text_decode((const uint8_t *)buf, n, len, NULL);
    free(buf);
    if (!text)
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
    return text;
}

static int from_file(const char *path, enum tlsd_profile_form form, enum tlsd_side side,
                     struct tlsd_profile *p, struct tlsd_profile_err *err)
{
    size_t len;
    char *text = tlsd_profile_read_file(path, &len, err);
    if (!text)
        return -1;
    int rc = tlsd_profile_parse_form(form, text, len, side, p, err);
    free(text);
    if (rc == 0 && (p->name[0] == '(' || p->name[0] == '\0')) {
        const char *base = strrchr(path, '/');
        snprintf(p->name, sizeof p->name, "%s", base ? base + 1 : path);
    }
    return rc;
}

/* pcap (either byte order, micro or nano seconds), pcapng, or gzip magic; a selector
 * (#STREAM, @ADDR) after the name is allowed. */
static bool is_capture_file(const char *spec)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", spec);
    /* the selector is the last '#' or '@', as profile_capture.c reads it */
    char *at = strrchr(path, '@'), *hash = strrchr(path, '#');
    char *sel = hash && (!at || hash > at) ? hash : at;
    FILE *f = tlsd_fopen(path, "rb");
    if (!f && sel) {
        *sel = '\0';
        f = tlsd_fopen(path, "rb");
    }
    if (!f)
        return false;
    unsigned char m[4] = {0};
    size_t n = fread(m, 1, 4, f);
    fclose(f);
    static const unsigned char magics[][4] = {{0xd4, 0xc3, 0xb2, 0xa1},
                                              {0xa1, 0xb2, 0xc3, 0xd4},
                                              {0x4d, 0x3c, 0xb2, 0xa1},
                                              {0xa1, 0xb2, 0x3c, 0x4d},
                                              {0x0a, 0x0d, 0x0d, 0x0a}};
    for (size_t i = 0; n == 4 && i < sizeof magics / sizeof magics[0]; i++)
        if (memcmp(m, magics[i], 4) == 0)
            return true;
    return n >= 2 && m[0] == 0x1f && m[1] == 0x8b;
}

#define SPEC_BUILTIN "builtin:"

/* "local[@BASE]": this machine's registry (winreg_schannel.c), a built-in name too. */
static bool is_local(const char *name)
{
    return tlsd_win_spec(name) && strncasecmp(name, "local", 5) == 0;
}

const struct tlsd_builtin_profile *tlsd_profile_spec_builtin(const char *spec)
{
    if (strncasecmp(spec, SPEC_BUILTIN, strlen(SPEC_BUILTIN)) == 0)
        spec += strlen(SPEC_BUILTIN);
    return tlsd_builtin_profile_find(spec);
}

bool tlsd_profile_shadow_note(const char *spec, char *note, size_t len)
{
    if (!(tlsd_builtin_profile_find(spec) || is_local(spec)) || !tlsd_is_regular_file(spec))
        return false;
    snprintf(note, len,
             "'%.80s' is both a built-in profile and a file in the working directory: the "
             "built-in was taken; say ./%.80s for the file (builtin:%.80s takes the built-in "
             "without this note)",
             spec, spec, spec);
    return true;
}

/* "builtin:NAME": the built-in profile NAME (or "local"), never a file. */
static int from_builtin(const char *name, enum tlsd_side side, struct tlsd_profile *p,
                        struct tlsd_profile_err *err)
{
    if (is_local(name))
        return tlsd_profile_from_windows(name, side, p, err->msg, sizeof err->msg);
    if (!tlsd_builtin_profile_find(name)) {
        const char *nearest = tlsd_builtin_profile_nearest(name);
        snprintf(err->msg, sizeof err->msg, "'%.80s' is not a built-in profile%s%s%s", name,
                 nearest ? "; did you mean '" : " (see 'tlsdiag profiles')", nearest ? nearest : "",
                 nearest ? "'?" : "");
        return -1;
    }
    if (tlsd_profile_builtin(name, side, p, err) < 0)
        return -1;
    /* Called by an alias (windows-2016): show the name the user gave. */
    snprintf(p->name, sizeof p->name, "%s", name);
    return 0;
}

/* A spec with a prefix naming its form (hex:, scan:FILE, ...); 1 when it has none. */
static int from_prefix(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                       struct tlsd_profile_err *err)
{
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pl = strlen(prefixes[i].prefix);
        if (strncasecmp(spec, prefixes[i].prefix, pl) != 0)
            continue;
        if (prefixes[i].form == TLSD_PROFILE_CAPTURE)
            return tlsd_profile_from_capture(spec + pl, side, p, err);
        if (prefixes[i].file)
            return from_file(spec + pl, prefixes[i].form, side, p, err);
        return tlsd_profile_parse_form(prefixes[i].form, spec + pl, strlen(spec + pl), side, p,
                                       err);
    }
    return 1;
}

/* Neither a built-in nor a file: a path (it has a '/') that is not there, a mistyped
 * name, or inline text. */
static int from_rest(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                     struct tlsd_profile_err *err)
{
    if (strchr(spec, '/') && !strpbrk(spec, " \t\r\n=,")) {
        snprintf(err->msg, sizeof err->msg, "%.200s: %s", spec, strerror(ENOENT));
        return -1;
    }
    if (!strpbrk(spec, ":,_ ") && !strchr(spec, '=')) {
        const char *nearest = tlsd_builtin_profile_nearest(spec);
        if (nearest)
            snprintf(err->msg, sizeof err->msg,
                     "'%.80s' is neither a built-in profile nor a file; did you mean '%s'?", spec,
                     nearest);
        else
            snprintf(err->msg, sizeof err->msg,
                     "'%.120s' is neither a built-in profile (see 'tlsdiag profiles') nor a file",
                     spec);
        return -1;
    }
    return tlsd_profile_parse_form(TLSD_PROFILE_AUTO, spec, strlen(spec), side, p, err);
}

/* A bare NAME that is both a built-in and a file here is the built-in, with a note (issue
 * 19): a file that happens to be called windows-2022 never silently replaces the built-in,
 * and never silently loses to it either. ./NAME (any path with a '/') is always the file,
 * builtin:NAME always the built-in. */
int tlsd_profile_load(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                      struct tlsd_profile_err *err)
{
    err->note[0] = '\0';
    if (strncasecmp(spec, SPEC_BUILTIN, strlen(SPEC_BUILTIN)) == 0)
        return from_builtin(spec + strlen(SPEC_BUILTIN), side, p, err);
    (void)tlsd_profile_shadow_note(spec, err->note, sizeof err->note);
    /* Registry exports and collected folders (winreg_schannel.c). */
    if (tlsd_win_spec(spec))
        return tlsd_profile_from_windows(spec, side, p, err->msg, sizeof err->msg);
    int rc = from_prefix(spec, side, p, err);
    if (rc <= 0)
        return rc;
    if (tlsd_builtin_profile_find(spec))
        return from_builtin(spec, side, p, err);
    if (is_capture_file(spec))
        return tlsd_profile_from_capture(spec, side, p, err);
    FILE *f = tlsd_fopen(spec, "rb");
    if (f) {
        fclose(f);
        return from_file(spec, TLSD_PROFILE_AUTO, side, p, err);
    }
    return from_rest(spec, side, p, err);
}
