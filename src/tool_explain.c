/* tlsdiag explain: what an alert, a Schannel event, an SSPI code or a pasted error means, its
 * likely causes, the checks that tell them apart and the fixes. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

#include "tlsdiag/explain.h"
#include "tlsdiag/json.h"
#include "tlsdiag/strbuf.h"
#include "tool.h"

#define MAX_INPUT       (16u * 1024 * 1024)
#define EXPLAIN_MAX_MAX 1000000u /* --max: more than the knowledge base holds */

static const char help_text[] =
    "Usage: tlsdiag explain [options] [CODE|NAME|TEXT ...]\n"
    "\n"
    "Explain a TLS failure from whatever you have in hand: what it means, which side\n"
    "raised it, the likely causes (most likely first), the checks that tell them\n"
    "apart (each with the tlsdiag command that performs it) and the fixes on Windows\n"
    "and elsewhere. Input is the arguments, a file (-f), or standard input when no\n"
    "argument is given and stdin is not a terminal.\n"
    "\n"
    "Accepted input:\n"
    "  Schannel event IDs            36874; 36887 or 36888 with the alert:\n"
    "                                '36888 40', 36888/40\n"
    "  TLS alerts                    40, handshake_failure\n"
    "  SSPI/Win32/Winsock codes      0x80090326, -2146893018, 2148074278,\n"
    "                                SEC_E_ILLEGAL_MESSAGE, WSAECONNRESET, 10054\n"
    "  pasted error text             .NET/PowerShell, Java, OpenSSL, GnuTLS, curl,\n"
    "                                Python; timestamps, addresses and line breaks\n"
    "                                around it are fine\n"
    "\n"
    "Options:\n"
    "  -f, --file FILE      read the input from FILE ('-' for standard input)\n"
    "  -n, --max N          show at most N candidates (default 3; 0 = all)\n"
    "      --json           the candidates as JSON (every field, every cause)\n"
    "  -l, --list           list every entry of the knowledge base (with --json: in\n"
    "                       full)\n"
    "      --color          colour even when not on a terminal\n"
    "      --no-color       no colour (also when NO_COLOR is set)\n"
    "  -h, --help           this help\n"
    "\n"
    "Examples:\n"
    "  tlsdiag explain 36888 40\n"
    "  tlsdiag explain 0x80090331\n"
    "  tlsdiag explain 'error:0A000410:SSL routines::sslv3 alert handshake failure'\n"
    "  openssl s_client -connect printer:443 2>&1 | tlsdiag explain\n"
    "\n"
    "Exit status: 0 explained; 1 nothing in the input matched an entry; 2 usage\n"
    "error; 3 could not read the input.\n";

struct opts {
    const char *file;
    uint64_t max; /* --max: causes shown, 0 for all */
    bool json, list;
    enum tool_color_mode color;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {{"file", required_argument, NULL, 'f'},
                                             {"max", required_argument, NULL, 'n'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"list", no_argument, NULL, 'l'},
                                             TOOL_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    int c;
    int nopt = tool_permute(argc, argv, "+f:n:lh", longopts);
    /* A negative decimal (-2146893018) is a code to explain, not an option. */
    while (!(optind < argc && argv[optind][0] == '-' && isdigit((unsigned char)argv[optind][1])) &&
           (c = getopt_long(nopt, argv, "+f:n:lh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            o->file = optarg;
            break;
        case 'n':
            if (tool_parse_number("explain", "--max", optarg, 0, EXPLAIN_MAX_MAX, &o->max) < 0)
                return -1;
            break;
        case 'j':
            o->json = true;
            break;
        case 'l':
            o->list = true;
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

static char *read_input(int argc, char **argv, const struct opts *o, size_t *len)
{
    if (!o->file && optind < argc)
        return tool_join_args(argc - optind, argv + optind, len);
    const char *name = o->file ? o->file : "-";
    FILE *f = strcmp(name, "-") == 0 ? stdin : tlsd_fopen(name, "rb");
    if (!f) {
        tool_err("explain", "%s: %s", name, strerror(errno));
        return NULL;
    }
    char *text = tool_read_all(f, MAX_INPUT, len);
    int e = errno;
    if (f != stdin)
        fclose(f);
    if (!text)
        tool_err("explain", "%s: %s", name, e == EFBIG ? "input larger than 16 MiB" : strerror(e));
    return text;
}

static int list_entries(const struct opts *o)
{
    if (o->json) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < tlsd_explain_count(); i++)
            json_array_append_new(a, tlsd_explain_entry_to_json(tlsd_explain_at(i)));
        tool_print_json(a);
        return TOOL_EXIT_OK;
    }
    struct tlsd_strbuf b = {0};
    tlsd_explain_list_text(&b);
    tool_print_sb(&b);
    return TOOL_EXIT_OK;
}

static int explain(const char *text, size_t len, const struct opts *o)
{
    struct tlsd_explain_result r;
    if (tlsd_explain_query(text, len, &r) < 0) {
        tool_err("explain", "out of memory");
        return TOOL_EXIT_ERROR;
    }
    size_t shown = o->max == 0 || o->max > r.n ? r.n : (size_t)o->max;
    struct tlsd_explain_result cut = {r.matches, shown};
    if (o->json) {
        tool_print_json(tlsd_explain_result_to_json(&cut));
    } else {
        struct tlsd_strbuf b = {0};
        tlsd_explain_text(&r, shown, tool_term_width(), tool_use_color(o->color, stdout), &b);
        tool_print_sb(&b);
    }
    if (r.n == 0)
        tool_err("explain", "no entry matches the input (tlsdiag explain --list shows them all)");
    int rc = r.n ? TOOL_EXIT_OK : TOOL_EXIT_PROBLEM;
    tlsd_explain_result_free(&r);
    return rc;
}

static int nothing_to_explain(void)
{
    tool_err("explain", "nothing to explain: give a code, a name or an error text");
    return TOOL_EXIT_USAGE;
}

int tool_explain(int argc, char **argv)
{
    struct opts o = {.max = 3, .color = TOOL_COLOR_AUTO};
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    if (!o.json)
        tool_fit_stdout();
    if (o.list)
        rc = list_entries(&o);
    else if (!o.file && optind >= argc && isatty(STDIN_FILENO))
        return nothing_to_explain();
    else {
        size_t len = 0;
        char *text = read_input(argc, argv, &o, &len);
        if (!text)
            return TOOL_EXIT_ERROR;
        bool empty = strspn(text, " \t\r\n") == len;
        rc = empty ? nothing_to_explain() : explain(text, len, &o);
        free(text);
    }
    return fflush(stdout) != 0 ? TOOL_EXIT_ERROR : rc;
}
