/* scan_soak: one process scans the same targets ROUNDS times over with the scan tlsdiag scan
 * runs (tlsd_target_parse, tlsd_scan_run, tlsd_scan_result_json, tlsd_scan_result_free) and
 * checks that it leaves nothing behind (issue 19): after each round it records the resident
 * size (VmRSS of /proc/self/status), the open descriptors (/proc/self/fd) and the bytes the
 * allocator holds for the program (live heap: ASan's count under ASan, mallinfo2 without),
 * and the round's JSON without what says how the scan went rather than what it found
 * ("stats": connections, handshakes, seconds; "probes_retried").
 *
 * Usage: scan_soak [options] TARGETS_FILE   (one target a line, as scan -iL reads them)
 *   --rounds N       rounds (default 10)
 *   --timeout MS     per probe (scan --timeout; default 5000)
 *   --concurrency N  probes in flight (scan --concurrency; default 64)
 *   --cafile FILE    trust anchors (scan --cafile)
 *   --rss-kb N       the most VmRSS may grow from round 2 to any later round (default 16384)
 *   --heap-bytes N   the same for the live heap (default 2048)
 *   --out DIR        round-1.json there, and round-N.json of a round that differs
 * One line per round, then the verdict; exit 0 when every round after the first kept the
 * descriptors of round 1, grew within both bounds from round 2 and gave the JSON of round 1;
 * 1 otherwise; 2 on a usage error.
 *
 * VmRSS is read after the allocator has handed its free memory back to the system
 * (__sanitizer_purge_allocator, malloc_trim without ASan): memory in use, not the round's
 * peak. Under ASan run it with ASAN_OPTIONS=quarantine_size_mb=0, else freed memory sits in
 * a 256 MB quarantine first (test_scan_soak.sh has the other option and why). The live heap
 * is counted by the allocator per allocation (freed bytes leave the count when freed,
 * quarantined or not), so it sees a leak of a byte per target that RSS, in pages and with
 * the allocator's own bookkeeping in it, cannot. */
#include <dirent.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "tlsdiag/json.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/target.h"

/* ASan's allocator statistics and release; NULL (weak) in a build without it. */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));
void __sanitizer_purge_allocator(void) __attribute__((weak));

struct sample {
    long rss_kb;
    int fds;
    size_t heap;
    double seconds;
    bool same;
};

/* The resident size once the allocator has handed its free memory back to the system, so
 * that it is the memory in use (and the allocator's own), not the peak of the round. */
static long rss_kb(void)
{
    if (__sanitizer_purge_allocator)
        __sanitizer_purge_allocator();
    else
        malloc_trim(0);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Open descriptors, without the one reading the directory. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n - 1;
}

static size_t live_heap(void)
{
    if (__sanitizer_get_current_allocated_bytes)
        return __sanitizer_get_current_allocated_bytes();
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_targets(const char *path, struct tlsd_target_list *targets)
{
    FILE *f = fopen(path, "r");
    char line[512], err[256];
    if (!f) {
        perror(path);
        return -1;
    }
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] &&
            tlsd_target_parse(line, 0, TLSD_STARTTLS_NONE, targets, err, sizeof err) < 0) {
            fprintf(stderr, "%s: %s\n", line, err);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

/* One round: every target scanned; its JSON (timing removed, keys sorted) malloc'd. */
static char *scan_round(const struct tlsd_target_list *targets, const struct tlsd_scan_opts *o)
{
    struct tlsd_scan_result *results = calloc(targets->n, sizeof *results);
    if (!results || tlsd_scan_run(targets, o, results, NULL, NULL, NULL) != 0) {
        free(results);
        return NULL;
    }
    json_t *all = json_array();
    for (size_t i = 0; i < targets->n; i++) {
        json_t *j = tlsd_scan_result_json(&results[i]);
        /* How the scan went, not what it found: "stats" (connections, handshakes, seconds:
         * the probes of parallel elimination parts started before a server order was seen
         * are abandoned, so their number varies) and "probes_retried" (on a busy machine a
         * probe may run into its time limit and be tried again: 6 more for four targets in
         * one round of a 25-round run here, every answer the same). */
        json_object_del(j, "stats");
        json_object_del(j, "probes_retried");
        json_array_append_new(all, j);
        tlsd_scan_result_free(&results[i]);
    }
    free(results);
    char *text = json_dumps(all, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(all);
    return text;
}

static void save(const char *dir, int round, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/round-%d.json", dir, round);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

struct soak {
    int rounds;
    long rss_kb_max;
    size_t heap_max;
    const char *out;
    struct tlsd_scan_opts scan;
};

/* Rounds 2.. against round 1 (descriptors, JSON) and round 2 (growth). */
static int verdict(const struct soak *k, const struct sample *s)
{
    int bad = 0;
    for (int r = 1; r < k->rounds; r++) {
        if (s[r].fds != s[0].fds)
            bad += printf("FAIL round %d: %d descriptors open, %d after round 1\n", r + 1, s[r].fds,
                          s[0].fds) > 0;
        if (!s[r].same)
            bad += printf("FAIL round %d: the results differ from round 1's\n", r + 1) > 0;
        if (r >= 2 && s[r].rss_kb - s[1].rss_kb > k->rss_kb_max)
            bad += printf("FAIL round %d: VmRSS grew %ld kB since round 2 (bound %ld)\n", r + 1,
                          s[r].rss_kb - s[1].rss_kb, k->rss_kb_max) > 0;
        if (r >= 2 && s[r].heap > s[1].heap + k->heap_max)
            bad += printf("FAIL round %d: live heap grew %zu bytes since round 2 (bound %zu)\n",
                          r + 1, s[r].heap - s[1].heap, k->heap_max) > 0;
    }
    printf("%s: %d rounds; descriptors %d; VmRSS %ld kB after round 2, %+ld kB by round %d; "
           "live heap %zu bytes after round 2, %+ld by round %d\n",
           bad ? "FAIL" : "ok", k->rounds, s[0].fds, s[1].rss_kb,
           s[k->rounds - 1].rss_kb - s[1].rss_kb, k->rounds, s[1].heap,
           (long)s[k->rounds - 1].heap - (long)s[1].heap, k->rounds);
    return bad ? 1 : 0;
}

static int soak(const struct soak *k, const struct tlsd_target_list *targets)
{
    struct sample *s = calloc((size_t)k->rounds, sizeof *s);
    char *first = NULL;
    int rc = s ? 0 : 1;
    for (int r = 0; rc == 0 && r < k->rounds; r++) {
        double t0 = now();
        char *text = scan_round(targets, &k->scan);
        if (!text) {
            printf("FAIL round %d: the scan did not run\n", r + 1);
            rc = 1;
            break;
        }
        s[r] = (struct sample){.seconds = now() - t0, .same = !first || !strcmp(text, first)};
        if (k->out && (r == 0 || !s[r].same))
            save(k->out, r + 1, text);
        if (first)
            free(text);
        else
            first = text;
        s[r].fds = open_fds();
        s[r].rss_kb = rss_kb();
        s[r].heap = live_heap();
        printf("round %d: %.1f s, VmRSS %ld kB, descriptors %d, live heap %zu bytes, %s\n", r + 1,
               s[r].seconds, s[r].rss_kb, s[r].fds, s[r].heap,
               r == 0      ? "results kept"
               : s[r].same ? "results the same"
                           : "results DIFFER");
        fflush(stdout);
    }
    if (rc == 0)
        rc = verdict(k, s);
    free(first);
    free(s);
    return rc;
}

static int parse_args(int argc, char **argv, struct soak *k)
{
    static const struct option longopts[] = {
        {"rounds", required_argument, NULL, 'r'},      {"timeout", required_argument, NULL, 't'},
        {"cafile", required_argument, NULL, 'c'},      {"rss-kb", required_argument, NULL, 'R'},
        {"heap-bytes", required_argument, NULL, 'H'},  {"out", required_argument, NULL, 'o'},
        {"concurrency", required_argument, NULL, 'C'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            k->rounds = atoi(optarg);
            break;
        case 't':
            k->scan.timeout_ms = (unsigned)atoi(optarg);
            break;
        case 'c':
            k->scan.cafile = optarg;
            break;
        case 'C':
            k->scan.max_inflight = (unsigned)atoi(optarg);
            break;
        case 'R':
            k->rss_kb_max = atol(optarg);
            break;
        case 'H':
            k->heap_max = (size_t)atol(optarg);
            break;
        case 'o':
            k->out = optarg;
            break;
        default:
            return -1;
        }
    }
    return optind == argc - 1 && k->rounds >= 2 && k->scan.timeout_ms > 0 &&
                   k->scan.max_inflight > 0
               ? 0
               : -1;
}

int main(int argc, char **argv)
{
    struct soak k = {.rounds = 10, .rss_kb_max = 16384, .heap_max = 2048};
    tlsd_scan_opts_default(&k.scan);
    /* as scan --no-groups --no-sigalgs --no-features: each round short, still every
     * version and suite by real handshakes, certificates verified */
    k.scan.skip_groups = k.scan.skip_sigalgs = k.scan.skip_features = true;
    k.scan.stop_on_signal = true; /* as tlsdiag scan sets it */
    if (parse_args(argc, argv, &k) < 0) {
        fprintf(stderr, "usage: scan_soak [--rounds N] [--timeout MS] [--cafile FILE] "
                        "[--rss-kb N] [--heap-bytes N] [--out DIR] TARGETS_FILE\n");
        return 2;
    }
    struct tlsd_target_list targets = {0};
    int rc = read_targets(argv[optind], &targets) < 0 || targets.n == 0 ? 2 : soak(&k, &targets);
    tlsd_target_list_free(&targets);
    return rc;
}
