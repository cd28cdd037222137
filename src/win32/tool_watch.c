/* tlsdiag watch on Windows: live capture needs a packet driver (Npcap) that this build
 * does not use (libpcap is built with capture type null: files only). The command says
 * so and how to get the same result with Windows' own packet monitor, whose pcapng file
 * 'tlsdiag analyze' reads. Replaces src/tool_watch.c in the Windows build (CMakeLists.txt). */
#include <stdio.h>
#include <string.h>

#include "../tool.h"

static const char pktmon_text[] =
    "Live capture is not available in the Windows build of tlsdiag (no Npcap driver).\n"
    "Capture with Windows' packet monitor, then analyse the file:\n"
    "  pktmon filter add TLS -p 443\n"
    "  pktmon start --capture --pkt-size 0\n"
    "  (reproduce the failing handshake)\n"
    "  pktmon stop\n"
    "  pktmon etl2pcap PktMon.etl --out tls.pcapng\n"
    "  tlsdiag analyze tls.pcapng\n";

int tool_watch(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: tlsdiag watch -i IFACE [options] [BPF FILTER]\n\n%s", pktmon_text);
            return TOOL_EXIT_OK;
        }
    fprintf(stderr, "watch: %s", pktmon_text);
    return TOOL_EXIT_ERROR;
}
