/* tlsdiag profiles: list the built-in profiles, or show one profile in full. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tlsdiag/json.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/winreg.h"
#include "tool.h"

static const char help_text[] =
    "Usage: tlsdiag profiles [options] [PROFILE]\n"
    "\n"
    "Lists the built-in profiles that 'tlsdiag match' accepts: the Windows defaults\n"
    "from Vista/Server 2008 to Windows 11/Server 2025, OpenSSL 1.0.2/1.1.1/3.x and\n"
    "Java 8/11/17 defaults, .NET Framework 3.5 to .NET 5+ applications on Windows 7\n"
    "to Server 2022 (with and without the .NET registry values), and the 162 clients\n"
    "of testssl.sh's client simulation.\n"
    "With a PROFILE (a built-in name, a file or inline text, as for 'match'), shows\n"
    "what tlsdiag reads from it. For reg:FILE[,FILE...][@BASE] and\n"
    "windows-state:FOLDER (a Windows server's registry exports), also where each\n"
    "setting came from: the base version's default, a local key or a Group Policy\n"
    "key.\n"
    "On Windows, 'local' (or reg:HKLM; local@BASE for another base) reads this\n"
    "machine's live registry instead of exports; elsewhere it is an error.\n"
    "builtin:NAME is always the built-in (or 'local'), ./NAME always the file; a bare\n"
    "NAME that is both is the built-in, and a note on stderr says so.\n"
    "\n"
    "Options:\n"
    "      --family NAME   only this family: windows, dotnet, openssl, java, testssl\n"
    "      --json          JSON output\n"
    "      --color, --no-color accepted by every command; profiles has no colour\n"
    "  -h, --help          this help\n";

/* A Windows server's exports: the effective profile, then each setting's origin. */
static int show_windows(const char *spec, bool json)
{
    struct tlsd_win_state *st = malloc(sizeof *st);
    struct tlsd_reg_err err = {{0}};
    if (!st || tlsd_win_state_load(spec, TLSD_SIDE_ANY, st, &err) < 0) {
        tool_err("profiles", "%s", st ? err.msg : "out of memory");
        free(st);
        return TOOL_EXIT_PROBLEM;
    }
    struct tlsd_strbuf b = {0};
    if (json) {
        tool_print_json(tlsd_win_state_to_json(st));
    } else {
        tlsd_win_state_text(st, &b);
        tool_print_sb(&b);
    }
    free(st);
    return TOOL_EXIT_OK;
}

/* Where the description starts in the list; longer descriptions continue under it. */
#define PROFILE_DESC_COL 47

static int list(const char *family, bool json)
{
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0; i < tlsd_builtin_profile_count(); i++) {
        const struct tlsd_builtin_profile *b = tlsd_builtin_profile_at(i);
        if (family && strcmp(family, b->family) != 0)
            continue;
        struct tlsd_profile p;
        struct tlsd_profile_err err;
        bool ok = tlsd_profile_builtin(b->name, TLSD_SIDE_ANY, &p, &err) == 0;
        const char *desc = ok ? p.description : err.msg;
        if (json)
            json_array_append_new(arr, json_pack("{s:s, s:s?, s:s, s:s, s:s}", "name", b->name,
                                                 "aliases", b->aliases, "family", b->family, "side",
                                                 b->side, "description", desc));
        else
            tool_wrapf(PROFILE_DESC_COL, "%-30s %-8s %-6s %s", b->name, b->family, b->side, desc);
    }
    if (json)
        tool_print_json(arr);
    return TOOL_EXIT_OK;
}

int tool_profiles(int argc, char **argv)
{
    static const struct option longopts[] = {{"family", required_argument, NULL, 'f'},
                                             {"json", no_argument, NULL, 'j'},
                                             TOOL_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    const char *family = NULL;
    bool json = false;
    enum tool_color_mode color = TOOL_COLOR_AUTO; /* accepted; the listing has no colour */
    int c, rc;
    int nopt = tool_permute(argc, argv, "+h", longopts);
    while ((c = getopt_long(nopt, argv, "+h", longopts, NULL)) != -1) {
        if (c == 'f')
            family = optarg;
        else if (c == 'j')
            json = true;
        else if ((rc = tool_common_option(c, help_text, &color)) != 0)
            return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    }
    if (!json)
        tool_fit_stdout();
    if (optind >= argc)
        return list(family, json);
    struct tlsd_profile_err err = {.note = ""};
    const char *spec = argv[optind];
    if (tlsd_profile_shadow_note(spec, err.note, sizeof err.note) && tlsd_win_spec(spec))
        tool_note("profiles", err.note); /* tlsd_profile_load says it for the others */
    /* builtin:local is local, never a file: its settings with where each came from */
    if (strncasecmp(spec, "builtin:local", 13) == 0 && tlsd_win_spec(spec + 8))
        spec += 8;
    if (tlsd_win_spec(spec))
        return show_windows(spec, json);
    struct tlsd_profile p;
    if (tlsd_profile_load(argv[optind], TLSD_SIDE_ANY, &p, &err) < 0) {
        tool_err("profiles", "%s", err.msg);
        return TOOL_EXIT_PROBLEM;
    }
    tool_note("profiles", err.note);
    struct tlsd_strbuf b = {0};
    if (json) {
        tool_print_json(tlsd_profile_to_json(&p));
    } else {
        tlsd_profile_text(&p, &b);
        tool_print_sb(&b);
    }
    return TOOL_EXIT_OK;
}
