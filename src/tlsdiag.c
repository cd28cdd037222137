/* tlsdiag: why a TLS handshake fails and what each side would accept.
 * Git-style dispatch to one tool_<command>.c per subcommand. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/opensslv.h>

#include "platform.h"
#include "tool.h"

static const struct tool_command commands[] = {
    {"scan", "every version, suite, group and certificate a server accepts", tool_scan},
    {"ciphers", "look up cipher suites and convert lists between naming schemes", tool_ciphers},
    {"match", "will this client talk to that server, and the smallest safe fix", tool_match},
    {"profiles", "list the built-in client and server profiles", tool_profiles},
    {"analyze", "explain every TLS handshake in capture files", tool_analyze},
    {"watch", "explain TLS handshakes live on a network interface", tool_watch},
    {"explain", "what an alert, Schannel event, SSPI code or error means; the fix", tool_explain},
    {"events", "the Schannel events of a Windows System log (.evtx, XML, CSV, JSON)", tool_events},
    {"serve", "stand in for a server profile: record and explain each client", tool_serve},
    {"connect", "one real handshake with a server, or another client's hello", tool_connect},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: tlsdiag <command> [options]\n"
               "       tlsdiag --version | --help\n\n"
               "Tells why a TLS handshake fails and what each side would accept.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'tlsdiag <command> --help' for a command's options; 'man tlsdiag' for all.\n"
               "Exit codes: 0 done, 1 done with bad input items or failed checks, 2 usage error,\n"
               "3 could not run (I/O error, out of memory).\n");
}

/* Every command's standard output is checked once, here, when it is done: a full disk or an
 * I/O error is an error (exit 3) whatever the command and format, --help and --version
 * included. A reader that went away (EPIPE, e.g. `| head`) ends the run quietly, as other
 * tools do. Output written before a failure is never reported as complete. */
static int finish(int rc)
{
    bool bad = fflush(stdout) != 0 || ferror(stdout);
    int err = tlsd_write_errno();
    /* Closed even after an error: the filter that fits text to the terminal frees itself
     * then (tool_fit_stdout). */
    if (tlsd_close_stdout() != 0 && !bad) {
        bad = true;
        err = errno;
    }
    if (!bad)
        return rc;
    errno = err;
    if (errno != EPIPE)
        fprintf(stderr, "tlsdiag: error writing the output: %s\n",
                errno ? strerror(errno) : "I/O error");
    return TOOL_EXIT_ERROR;
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        tool_fit_stdout();
        usage(stdout);
        return TOOL_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("tlsdiag %s (%s)\n", TLSD_VERSION, OPENSSL_VERSION_TEXT);
        return TOOL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) != 0)
            continue;
        /* getopt names the program by argv[0]: "tlsdiag scan: unrecognized option". */
        char prog[32];
        snprintf(prog, sizeof prog, "tlsdiag %s", commands[i].name);
        argv[1] = prog;
        int rc = commands[i].run(argc - 1, argv + 1);
        /* Every command's usage error, after the command said what was wrong. */
        if (rc == TOOL_EXIT_USAGE)
            fprintf(stderr, "Try 'tlsdiag %s --help'.\n", cmd);
        return rc;
    }
    fprintf(stderr, "tlsdiag: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return TOOL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    return finish(run(argc, argv));
}
