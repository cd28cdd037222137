/* One PROFILE argument -> a profile: a built-in name, "form:text" inline input, or a
 * file (form detected from its contents), or inline text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"

#include "profile_internal.h"
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
    if (rc == 0 && p->name[0] == '(') {
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

int tlsd_profile_load(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                      struct tlsd_profile_err *err)
{
    /* Registry exports and collected folders (winreg_schannel.c). */
    if (tlsd_win_spec(spec))
        return tlsd_profile_from_windows(spec, side, p, err->msg, sizeof err->msg);
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
    if (is_capture_file(spec))
        return tlsd_profile_from_capture(spec, side, p, err);
    if (tlsd_builtin_profile_find(spec)) {
        if (tlsd_profile_builtin(spec, side, p, err) < 0)
            return -1;
        /* Called by an alias (windows-2016): show the name the user gave. */
        snprintf(p->name, sizeof p->name, "%s", spec);
        return 0;
    }
    FILE *f = tlsd_fopen(spec, "rb");
    if (f) {
        fclose(f);
        return from_file(spec, TLSD_PROFILE_AUTO, side, p, err);
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
