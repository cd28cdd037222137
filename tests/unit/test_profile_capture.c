/* A ClientHello from a capture as the client side of `match`. */
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "tlsdiag/profile.h"

static void from_capture(void **state)
{
    (void)state;
    char path[4096], spec[4200];
    snprintf(path, sizeof path, "%s/pcaps/FlowTest/tls12.pcap", tu_shared());
    struct tlsd_profile p;
    struct tlsd_profile_err err = {0};
    /* With the prefix, by stream, by client address, and detected by its magic. */
    snprintf(spec, sizeof spec, "capture:%s", path);
    if (tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(p.side, TLSD_SIDE_CLIENT);
    assert_true(p.n_suites > 50); /* this client offers 86 suites */
    assert_true(p.versions & TLSD_V_TLS12);
    assert_non_null(strstr(p.name, "stream 0"));
    size_t n = p.n_suites;
    snprintf(spec, sizeof spec, "capture:%s#0", path);
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err), 0);
    assert_int_equal(p.n_suites, n);
    assert_int_equal(tlsd_profile_load(path, TLSD_SIDE_CLIENT, &p, &err), 0);
    assert_int_equal(p.n_suites, n);
    snprintf(spec, sizeof spec, "%s#0", path);
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err), 0);
    assert_int_equal(p.n_suites, n);
    /* by client address, and a path with '@' in it: the selector is the last one */
    snprintf(spec, sizeof spec, "capture:%s@10.100.50.48", path);
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err), 0);
    assert_int_equal(p.n_suites, n);
    char dir[64], copy[128];
    snprintf(dir, sizeof dir, "/tmp/tlsd_test_pc_%d@x", (int)getpid());
    snprintf(copy, sizeof copy, "%s/c.pcap", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    size_t len;
    char *raw = tu_slurp(path, &len);
    FILE *f = fopen(copy, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(raw, 1, len, f), len);
    fclose(f);
    free(raw);
    snprintf(spec, sizeof spec, "%s#0", copy);
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err), 0);
    assert_int_equal(p.n_suites, n);
    unlink(copy);
    rmdir(dir);
    /* Errors: no such stream, no such client, a server side, no such file. */
    snprintf(spec, sizeof spec, "capture:%s#99", path);
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err), -1);
    assert_non_null(strstr(err.msg, "stream 99"));
    snprintf(spec, sizeof spec, "capture:%s@192.0.2.77", path);
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err), -1);
    assert_non_null(strstr(err.msg, "192.0.2.77"));
    snprintf(spec, sizeof spec, "capture:%s", path);
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_SERVER, &p, &err), -1);
    assert_int_equal(tlsd_profile_load("capture:/nonexistent.pcap", TLSD_SIDE_CLIENT, &p, &err),
                     -1);
    snprintf(spec, sizeof spec, "capture:%s#x", path);
    assert_int_equal(tlsd_profile_load(spec, TLSD_SIDE_CLIENT, &p, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(from_capture)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
