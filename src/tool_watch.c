/* tlsdiag watch: TLS handshakes on a network interface, explained as they complete.
 * The capture is opened with libpcap (pcap_create / pcap_activate); root privileges are
 * given up right after, before a single packet is parsed. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsdiag/analyze.h"
#include "tool.h"
#include "tool_analyze.h"

static const char help_text[] =
    "Usage: tlsdiag watch -i IFACE [options] [BPF FILTER]\n"
    "\n"
    "Capture live on a network interface and explain each TLS handshake as it\n"
    "completes: what the client offered, what the server answered, whether it worked\n"
    "and, if not, why and what to change. The filter (tcpdump syntax, e.g. 'port\n"
    "443') limits what is captured. Needs the right to capture (root or CAP_NET_RAW);\n"
    "once the capture is open, root privileges are dropped to the user 'nobody' (or\n"
    "--user).\n"
    "Stop with Ctrl-C: connections still open are then reported, with the summaries.\n"
    "\n"
    "Options:\n"
    "  -i, --interface IFACE  the interface to capture on (required)\n"
    "  -u, --user USER        the user to switch to after opening (default nobody)\n"
    "  -c, --count N          stop after N connections were reported\n"
    "      --json             one JSON document when stopped\n"
    "      --jsonl            one JSON object per connection, as it completes\n"
    "      --client ADDR      only connections from this client address\n"
    "      --server ADDR      only connections to this server address (ADDR or\n"
    "                         ADDR:PORT)\n"
    "      --failed           only failed handshakes\n"
    "      --no-summary       no summaries when stopped\n"
    "      --color            colour even when not on a terminal\n"
    "      --no-color         no colour (also when NO_COLOR is set)\n"
    "  -h, --help             this help\n"
    "\n"
    "\n"
    "Examples:\n"
    "  tlsdiag watch -i eth0 port 443\n"
    "  tlsdiag watch -i eth0 --failed host 192.0.2.15\n"
    "\n"
    "Exit status: 0 stopped normally; 2 usage error; 3 the capture could not be\n"
    "opened or privileges could not be dropped.\n";

struct watch_opts {
    struct tool_conn_opts out;
    const char *iface, *user;
    uint64_t count;
};

static volatile sig_atomic_t stop_flag;
static pcap_t *live;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
    if (live)
        pcap_breakloop(live);
}

static int parse_opts(int argc, char **argv, struct watch_opts *o)
{
    static const struct option longopts[] = {{"interface", required_argument, NULL, 'i'},
                                             {"user", required_argument, NULL, 'u'},
                                             {"count", required_argument, NULL, 'c'},
                                             TOOL_CONN_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    int c, rc;
    int nopt = tool_permute(argc, argv, "+i:u:c:h", longopts);
    while ((c = getopt_long(nopt, argv, "+i:u:c:h", longopts, NULL)) != -1) {
        if (c == 'i') {
            o->iface = optarg;
        } else if (c == 'u') {
            o->user = optarg;
        } else if (c == 'c') {
            if (tool_parse_number("watch", "--count", optarg, 0, UINT64_MAX, &o->count) < 0)
                return -1;
        } else if ((rc = tool_conn_option(c, "watch", help_text, &o->out)) != 0) {
            return rc;
        }
    }
    if (!o->iface) {
        tool_err("watch", "no interface given (-i IFACE)");
        return -1;
    }
    return 0;
}

static pcap_t *open_live(const char *iface, const char *filter)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, err);
    if (!p) {
        tool_err("watch", "%s: %s", iface, err);
        return NULL;
    }
    (void)pcap_set_snaplen(p, 262144);
    (void)pcap_set_timeout(p, 200);
    (void)pcap_set_immediate_mode(p, 1);
    int rc = pcap_activate(p);
    if (rc < 0) {
        tool_err("watch", "%s: %s", iface, pcap_geterr(p));
        pcap_close(p);
        return NULL;
    }
    struct bpf_program prog;
    if (filter && *filter) {
        if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
            pcap_setfilter(p, &prog) != 0) {
            tool_err("watch", "filter '%s': %s", filter, pcap_geterr(p));
            pcap_close(p);
            return NULL;
        }
        pcap_freecode(&prog);
    }
    if (!tlsd_pkt_linktype_ok(pcap_datalink(p))) {
        tool_err("watch", "%s: link type %d not supported", iface, pcap_datalink(p));
        pcap_close(p);
        return NULL;
    }
    return p;
}

struct loop {
    struct tlsd_analyzer *a;
    struct watch_opts *o;
    int dlt;
    uint64_t frame;
    struct tlsd_capture_stats cs;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct loop *l = (struct loop *)user;
    struct tlsd_pkt pkt;
    l->cs.frames++;
    l->cs.bytes += h->caplen;
    enum tlsd_pkt_skip s = tlsd_pkt_decode(l->dlt, bytes, h->caplen, h->len, &pkt);
    if (s != TLSD_PKT_OK) {
        l->cs.skipped[s]++;
        return;
    }
    pkt.frame = ++l->frame;
    pkt.ts_usec = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
    if (tlsd_analyzer_packet(l->a, &pkt) != TLSD_CAPERR_OK)
        stop_flag = 1;
    if (l->o->count && l->o->out.printed >= l->o->count) {
        stop_flag = 1;
        pcap_breakloop(live);
    }
}

static int run(struct watch_opts *o, const char *filter)
{
    if (!(live = open_live(o->iface, filter)))
        return TOOL_EXIT_ERROR;
    if (tool_drop_privileges("watch", o->user) != 0) {
        pcap_close(live);
        return TOOL_EXIT_ERROR;
    }
    o->out.color = tool_use_color(o->out.color_mode, stdout);
    o->out.flush_each = true;
    struct loop l = {.o = o, .dlt = pcap_datalink(live)};
    struct tlsd_analyze_config cfg = {.tcp = o->out.caps};
    l.a = tlsd_analyzer_new(&cfg, tool_conn_print, &o->out);
    if (!l.a || tlsd_analyzer_begin(l.a, o->iface) != TLSD_CAPERR_OK) {
        tool_err("watch", "out of memory");
        tlsd_analyzer_free(l.a);
        pcap_close(live);
        return TOOL_EXIT_ERROR;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (o->out.format == TOOL_OUT_JSON) {
        struct tlsd_strbuf b = {0};
        tlsd_analyze_document_start_json(&b, "tlsdiag watch");
        tool_print_sb(&b);
    }
    fprintf(stderr, "watch: capturing on %s%s%s\n", o->iface, filter && *filter ? ", filter " : "",
            filter ? filter : "");
    while (!stop_flag) {
        int n = pcap_dispatch(live, -1, on_packet, (u_char *)&l);
        if (n == PCAP_ERROR) {
            tool_err("watch", "%s: %s", o->iface, pcap_geterr(live));
            break;
        }
    }
    tlsd_analyzer_end(l.a);
    tlsd_analyzer_add_capture_stats(l.a, &l.cs);
    tool_conn_finish(&o->out, l.a, NULL);
    tlsd_analyzer_free(l.a);
    pcap_close(live);
    live = NULL;
    return TOOL_EXIT_OK;
}

int tool_watch(int argc, char **argv)
{
    struct watch_opts o = {.out = {.format = TOOL_OUT_TEXT, .server_port = -1}};
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    if (o.out.format == TOOL_OUT_TEXT)
        tool_fit_stdout();
    size_t len;
    char *filter = optind < argc ? tool_join_args(argc - optind, argv + optind, &len) : NULL;
    rc = run(&o, filter);
    free(filter);
    return rc;
}
