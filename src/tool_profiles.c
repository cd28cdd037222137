/* tlsdiag profiles: list the built-in profiles, or show one profile in full. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "tlsdiag/dotnet.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/winreg.h"
#include "tool.h"

static const char help_text[] =
    "Usage: tlsdiag profiles [options] [PROFILE]\n"
    "\n"
    "Lists the built-in profiles that 'tlsdiag match' accepts: the Windows defaults\n"
    "from Vista/Server 2008 to Windows 11/Server 2025, OpenSSL 1.0.2/1.1.1/3.x and\n"
    "Java 8/11/17 defaults, .NET Framework 3.5 to .NET 5+ applications on Windows 7 to\n"
    "Server 2022 (with and without the .NET registry values), and the 162 clients of\n"
    "testssl.sh's client simulation.\n"
    "With a PROFILE (a built-in name, a file or inline text, as for 'match'), shows\n"
    "what tlsdiag reads from it. For reg:FILE[,FILE...][@BASE] and\n"
    "windows-state:FOLDER (a Windows server's registry exports), also where each\n"
    "setting came from: the base version's default, a local key or a Group Policy key.\n"
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

static json_t *settings_json(unsigned bits)
{
    json_t *a = json_array();
    for (unsigned b = TLSD_DOTNET_SCH_USE_STRONG_CRYPTO; b <= TLSD_DOTNET_SYSTEM_DEFAULT_TLS;
         b <<= 1)
        if (bits & b)
            json_array_append_new(a, json_string(tlsd_dotnet_setting_name(b)));
    return a;
}

/* A .NET application: what decides its versions (include/tlsdiag/dotnet.h). */
static json_t *dotnet_json(const struct tlsd_dotnet *d)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:b, s:b}", "framework",
                     tlsd_dotnet_target_name(d->target), "windows", d->windows, "registry",
                     settings_json(d->registry), "appcontext", settings_json(d->appcontext),
                     "system_default", tlsd_dotnet_system_default(d), "strong_crypto",
                     tlsd_dotnet_strong_crypto(d));
}

static void print_settings(const char *what, unsigned bits)
{
    printf("; %s:", what);
    for (unsigned b = TLSD_DOTNET_SCH_USE_STRONG_CRYPTO; b <= TLSD_DOTNET_SYSTEM_DEFAULT_TLS;
         b <<= 1)
        if (bits & b)
            printf(" %s", tlsd_dotnet_setting_name(b));
    if (!bits)
        printf(" none");
}

static void print_dotnet(const struct tlsd_dotnet *d)
{
    printf("  .NET: targets %s, on %s", tlsd_dotnet_target_name(d->target), d->windows);
    print_settings("registry", d->registry);
    print_settings("AppContext", d->appcontext);
    printf("\n        versions chosen by %s%s\n",
           tlsd_dotnet_system_default(d) ? "Windows (SystemDefault)" : "the framework",
           tlsd_dotnet_strong_crypto(d) ? "; SCH_USE_STRONG_CRYPTO (weak suites filtered)" : "");
}

static json_t *profile_json(const struct tlsd_profile *p)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", p->name, "description",
                          p->description, "source", p->source, "side", tlsd_side_name(p->side),
                          "implementation", tlsd_impl_name(p->impl), "preference",
                          tlsd_profile_pref(p) == TLSD_PREF_SERVER ? "server" : "client");
    json_t *v = json_array(), *s = json_array(), *g = json_array(), *c = json_array();
    for (unsigned b = 1; b <= TLSD_V_TLS13; b <<= 1)
        if (p->versions & b)
            json_array_append_new(v, json_string(tool_version_name(tlsd_version_of_bit(b))));
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(p->suites[i]);
        char hex[12];
        snprintf(hex, sizeof hex, "0x%04X", (unsigned)p->suites[i]);
        json_array_append_new(s, json_string(st ? st->iana_name : hex));
    }
    for (size_t i = 0; i < p->n_groups; i++) {
        const struct tlsd_group *gr = tlsd_group_by_code(p->groups[i]);
        json_array_append_new(g, gr ? json_string(gr->name) : json_integer(p->groups[i]));
    }
    for (size_t i = 0; i < p->n_certs; i++)
        json_array_append_new(c,
                              json_pack("{s:s, s:i}", "type", tlsd_key_type_name(p->certs[i].type),
                                        "bits", p->certs[i].bits));
    json_object_set_new(j, "versions", v);
    json_object_set_new(j, "suites", s);
    json_object_set_new(j, "groups", g);
    json_object_set_new(j, "certificates", c);
    if (p->dotnet.target != TLSD_DOTNET_NONE)
        json_object_set_new(j, "dotnet", dotnet_json(&p->dotnet));
    if (p->dh_bits)
        json_object_set_new(j, "dh_bits", json_integer(p->dh_bits));
    if (p->dh_bits_min)
        json_object_set_new(j, "dh_bits_min", json_integer(p->dh_bits_min));
    if (p->dh_bits_max)
        json_object_set_new(j, "dh_bits_max", json_integer(p->dh_bits_max));
    if (p->ssl3_alert != TLSD_ALERT_UNKNOWN)
        json_object_set_new(j, "ssl3_alert", json_integer(p->ssl3_alert));
    if (p->security_level != TLSD_SECLEVEL_UNKNOWN)
        json_object_set_new(j, "security_level", json_integer(p->security_level));
    return j;
}

static void print_profile(const struct tlsd_profile *p)
{
    printf("%s (%s, %s)\n", p->name, tlsd_side_name(p->side), tlsd_impl_name(p->impl));
    if (p->description[0])
        printf("  %s\n", p->description);
    if (p->source[0])
        printf("  source: %s\n", p->source);
    if (p->dotnet.target != TLSD_DOTNET_NONE)
        print_dotnet(&p->dotnet);
    printf("  versions:");
    for (unsigned b = 1; b <= TLSD_V_TLS13; b <<= 1)
        if (p->versions & b)
            printf(" %s", tool_version_name(tlsd_version_of_bit(b)));
    printf("\n  preference: %s order\n  groups:",
           tlsd_profile_pref(p) == TLSD_PREF_SERVER ? "server" : "client");
    for (size_t i = 0; i < p->n_groups; i++) {
        const struct tlsd_group *g = tlsd_group_by_code(p->groups[i]);
        printf(" %s", g ? g->name : "?");
    }
    printf("\n  certificates:");
    for (size_t i = 0; i < p->n_certs; i++)
        printf(" %s%s", tlsd_key_type_name(p->certs[i].type), i + 1 < p->n_certs ? "," : "");
    if (p->dh_bits)
        printf("\n  DHE prime (TLS <= 1.2): %d bits", p->dh_bits);
    if (p->dh_bits_min || p->dh_bits_max)
        printf("\n  DHE primes accepted: %d to %d bits", p->dh_bits_min,
               p->dh_bits_max ? p->dh_bits_max : TLSD_PROFILE_MAX_DH_BITS);
    if (p->ssl3_alert != TLSD_ALERT_UNKNOWN)
        printf("\n  answers an SSLv3 hello with alert %d", p->ssl3_alert);
    if (p->security_level != TLSD_SECLEVEL_UNKNOWN)
        printf("\n  OpenSSL security level %d", p->security_level);
    printf("\n  suites (%zu):\n", p->n_suites);
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(p->suites[i]);
        printf("    %3zu 0x%04X %s\n", i + 1, (unsigned)p->suites[i], s ? s->iana_name : "?");
    }
}

static json_t *windows_json(const struct tlsd_win_state *st)
{
    json_t *lines = json_array();
    for (size_t i = 0; i < st->n_lines; i++) {
        const struct tlsd_win_line *l = &st->lines[i];
        json_array_append_new(
            lines, json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "setting", l->setting, "value",
                             l->value, "origin", tlsd_win_origin_name(l->origin), "where",
                             l->where[0] ? l->where : NULL, "note", l->note[0] ? l->note : NULL));
    }
    return json_pack("{s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:o}", "base", st->base, "base_reason",
                     st->base_reason, "limits", "dh_server_min_bits", st->dh_server_min_bits,
                     "dh_client_min_bits", st->dh_client_min_bits, "rsa_client_min_bits",
                     st->rsa_client_min_bits, "rsa_client_max_bits", st->rsa_client_max_bits,
                     "settings", lines);
}

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
    if (json) {
        json_t *j = profile_json(&st->profile);
        json_object_set_new(j, "windows", windows_json(st));
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
    } else {
        print_profile(&st->profile);
        printf("  configuration (where each setting came from):\n");
        for (size_t i = 0; i < st->n_lines; i++) {
            const struct tlsd_win_line *l = &st->lines[i];
            printf("    %-32s %-8s %s", l->setting, tlsd_win_origin_name(l->origin), l->value);
            printf(l->where[0] ? "  [%s]\n" : "%s\n", l->where);
            if (l->note[0])
                printf("    %-32s          (%s)\n", "", l->note);
        }
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
    if (json) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(arr);
    }
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
    if (json) {
        json_t *j = profile_json(&p);
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
    } else {
        print_profile(&p);
    }
    return TOOL_EXIT_OK;
}
