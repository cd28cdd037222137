/* tlsdiag ciphers: look up suites and convert lists between spellings. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

#include "tlsdiag/json.h"
#include "tlsdiag/suite_render.h"
#include "tlsdiag/suitelist.h"
#include "tool.h"

#define MAX_INPUT (64u * 1024 * 1024)

static const char help_text[] =
    "Usage: tlsdiag ciphers [options] [SUITE|LIST ...]\n"
    "\n"
    "Look up cipher suites by any name or code, and convert whole lists between\n"
    "naming schemes. Input is the arguments, a file (-f), or standard input when no\n"
    "argument is given and stdin is not a terminal. With no input at all (or with\n"
    "--all) the whole registry is listed.\n"
    "\n"
    "Accepted spellings: IANA (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), OpenSSL\n"
    "(ECDHE-RSA-AES128-GCM-SHA256, also old 1.0.x names), GnuTLS, Windows (incl.\n"
    "curve-suffixed names such as ..._SHA256_P256), Java SSL_* names, hex (0xC02F,\n"
    "0xC0,0x2F, c02f). Lists: names separated by colons, commas, spaces or newlines;\n"
    "an OpenSSL cipher string (HIGH:!aNULL:!MD5, expanded by the local OpenSSL);\n"
    "PowerShell Get-TlsCipherSuite output (list or table form); a GPO order string.\n"
    "\n"
    "Options:\n"
    "  -f, --file FILE      read the list from FILE ('-' for standard input)\n"
    "  -o, --format FMT     output: table (default), iana, openssl, gnutls, windows,\n"
    "                       hex, gpo, powershell, json\n"
    "      --json           same as --format json\n"
    "  -F, --filter EXPR    keep suites matching EXPR: key=value[|value] joined by\n"
    "                       commas; keys kx, auth, cert, cipher, mac, class, version,\n"
    "                       status; class also takes >=secure or <=weak\n"
    "  -a, --all            list the whole registry (then --filter it); in gpo and\n"
    "                       powershell output most secure first\n"
    "      --replace-tls13  powershell: also disable the TLS 1.3 suites the list does\n"
    "                       not name (kept by default)\n"
    "      --color          colour even when not on a terminal\n"
    "      --no-color       no colour (also when NO_COLOR is set)\n"
    "  -h, --help           this help\n"
    "\n"
    "Examples:\n"
    "  tlsdiag ciphers 0xC00A\n"
    "  tlsdiag ciphers --format windows 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA'\n"
    "  tlsdiag ciphers --format gpo 'HIGH:!aNULL:!MD5'\n"
    "  tlsdiag ciphers -f suites.txt -o openssl  (Get-TlsCipherSuite's output, saved)\n"
    "  tlsdiag ciphers --filter kx=ECDHE,auth=RSA,class=recommended\n"
    "\n"
    "The powershell script disables every suite it does not keep; it says so in its\n"
    "first comment and on standard error.\n"
    "\n"
    "Exit status: 0 all converted; 1 some items were bad or had no spelling in the\n"
    "chosen format (each reported on stderr, the rest still converted); 2 usage\n"
    "error; 3 could not read the input.\n";

static void print_card(const struct tlsd_suite *s, bool color)
{
    struct tlsd_strbuf b = {0};
    tlsd_suite_card_text(s, color, &b);
    tool_print_sb(&b);
}

static void print_table(const struct tlsd_suite_list *l, bool color)
{
    struct tlsd_strbuf b = {0};
    tlsd_suite_table_text(l, color, tool_term_width(), &b);
    tool_print_sb(&b);
}

static void print_msgs(const char *kind, const struct tlsd_list_msg *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "tlsdiag ciphers: %s: '%s': %s\n", kind, m[i].token, m[i].text);
}

static int load_registry(struct tlsd_suite_list *l)
{
    memset(l, 0, sizeof *l);
    for (size_t i = 0; i < tlsd_suite_count(); i++)
        if (tlsd_suite_list_add(l, tlsd_suite_at(i)->code) < 0)
            return -1;
    return 0;
}

struct opts {
    const char *file;
    enum tlsd_suite_format fmt;
    struct tlsd_filter *filter;
    bool all;
    bool filtered;
    bool replace_tls13;
    enum tool_color_mode color;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {{"file", required_argument, NULL, 'f'},
                                             {"format", required_argument, NULL, 'o'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"filter", required_argument, NULL, 'F'},
                                             {"all", no_argument, NULL, 'a'},
                                             {"replace-tls13", no_argument, NULL, 'R'},
                                             TOOL_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    char err[200];
    int c;
    int nopt = tool_permute(argc, argv, "+f:o:F:ah", longopts);
    while ((c = getopt_long(nopt, argv, "+f:o:F:ah", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            o->file = optarg;
            break;
        case 'o':
            if (tlsd_suite_format_from_name(optarg, &o->fmt) < 0) {
                tool_err("ciphers",
                         "unknown format '%s' (table, iana, openssl, gnutls, windows, "
                         "hex, gpo, powershell, json)",
                         optarg);
                return -1;
            }
            break;
        case 'j':
            o->fmt = TLSD_FMT_JSON;
            break;
        case 'F':
            if (tlsd_filter_add(o->filter, optarg, err, sizeof err) < 0) {
                tool_err("ciphers", "--filter: %s", err);
                return -1;
            }
            o->filtered = true;
            break;
        case 'a':
            o->all = true;
            break;
        case 'R':
            o->replace_tls13 = true;
            break;
        default: {
            int rc = tool_common_option(c, help_text, &o->color);
            if (rc != 0)
                return rc;
        }
        }
    }
    return 0;
}

/* Fills *l from the arguments, the file, stdin or the registry. */
static int gather(int argc, char **argv, const struct opts *o, struct tlsd_suite_list *l,
                  bool *from_registry)
{
    size_t len = 0;
    char *text = NULL;
    *from_registry = false;
    if (o->file) {
        FILE *f = strcmp(o->file, "-") == 0 ? stdin : tlsd_fopen(o->file, "rb");
        if (!f) {
            tool_err("ciphers", "%s: %s", o->file, strerror(errno));
            return TOOL_EXIT_ERROR;
        }
        text = tool_read_all(f, MAX_INPUT, &len);
        int e = errno;
        if (f != stdin)
            fclose(f);
        if (!text) {
            tool_err("ciphers", "%s: %s", o->file,
                     e == EFBIG ? "input larger than 64 MiB" : strerror(e));
            return TOOL_EXIT_ERROR;
        }
    } else if (optind < argc) {
        text = tool_join_args(argc - optind, argv + optind, &len);
    } else if (!o->all && !isatty(STDIN_FILENO)) {
        text = tool_read_all(stdin, MAX_INPUT, &len);
        if (!text) {
            tool_err("ciphers", "stdin: %s",
                     errno == EFBIG ? "input larger than 64 MiB" : strerror(errno));
            return TOOL_EXIT_ERROR;
        }
        /* Nothing piped in, but a filter given: filter the registry. */
        if (o->filtered && strspn(text, " \t\r\n") == len) {
            free(text);
            *from_registry = true;
            return load_registry(l) < 0 ? TOOL_EXIT_ERROR : TOOL_EXIT_OK;
        }
    } else {
        *from_registry = true;
        return load_registry(l) < 0 ? TOOL_EXIT_ERROR : TOOL_EXIT_OK;
    }
    if (!text || tlsd_suite_list_parse(text, len, l) < 0) {
        free(text);
        tool_err("ciphers", "out of memory");
        return TOOL_EXIT_ERROR;
    }
    free(text);
    return TOOL_EXIT_OK;
}

static int emit(const struct opts *o, struct tlsd_suite_list *l, bool from_registry)
{
    bool color = tool_use_color(o->color, stdout);
    if (o->fmt == TLSD_FMT_JSON) {
        json_t *j = tlsd_suite_list_to_json(l);
        if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) < 0) {
            json_decref(j);
            return -1;
        }
        json_decref(j);
        putchar('\n');
        return 0;
    }
    if (o->fmt == TLSD_FMT_TABLE) {
        tool_fit_stdout(); /* the other formats are lists for programs: never wrapped */
        if (l->n_items == 1 && l->items[0].suite && !from_registry)
            print_card(l->items[0].suite, color);
        else if (l->n_items > 0)
            print_table(l, color);
        return 0;
    }
    /* A list from the registry has only code order: where the order becomes a
     * preference (GPO, PowerShell positions) it is the security order. */
    if (from_registry && (o->fmt == TLSD_FMT_GPO || o->fmt == TLSD_FMT_POWERSHELL))
        tlsd_suite_list_sort_secure(l);
    char *out = o->fmt == TLSD_FMT_POWERSHELL ? tlsd_render_powershell(l, !o->replace_tls13, l)
                                              : tlsd_render_suite_list(l, o->fmt, l);
    if (!out)
        return -1;
    fputs(out, stdout);
    free(out);
    return 0;
}

int tool_ciphers(int argc, char **argv)
{
    struct opts o = {.fmt = TLSD_FMT_TABLE, .color = TOOL_COLOR_AUTO};
    char err[200];
    o.filter = tlsd_filter_parse(NULL, err, sizeof err);
    if (!o.filter)
        return TOOL_EXIT_ERROR;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        tlsd_filter_free(o.filter);
        return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    }
    struct tlsd_suite_list l;
    bool from_registry;
    rc = gather(argc, argv, &o, &l, &from_registry);
    if (rc != TOOL_EXIT_OK) {
        tlsd_filter_free(o.filter);
        return rc;
    }
    tlsd_suite_list_filter(&l, o.filter);
    tlsd_filter_free(o.filter);
    if (emit(&o, &l, from_registry) < 0) {
        tlsd_suite_list_free(&l);
        tool_err("ciphers", "out of memory or write error");
        return TOOL_EXIT_ERROR;
    }
    /* JSON carries the messages itself; the other formats report on stderr. */
    if (o.fmt != TLSD_FMT_JSON) {
        print_msgs("error", l.errors, l.n_errors);
        print_msgs("note", l.notes, l.n_notes);
    }
    rc = l.n_errors > 0 ? TOOL_EXIT_PROBLEM : TOOL_EXIT_OK;
    tlsd_suite_list_free(&l);
    if (fflush(stdout) != 0)
        return TOOL_EXIT_ERROR;
    return rc;
}
