/* The memo (lib/base/memo_internal.h): an answer put is got back for the same key and hash,
 * not for another key in its slot; a new answer replaces the slot's; keys and values too
 * long are refused; an empty slot, a memo that could not be allocated and a NULL memo
 * remember nothing; a memo starts small and grows with the answers put, to its size and
 * no further, never giving a wrong answer on the way. */
#include "base/memo_internal.h"
#include "testutil.h"

static void put_then_get(void **state)
{
    (void)state;
    struct tlsd_memo m;
    assert_true(tlsd_memo_init(&m, 5, 8, 16)); /* 8 slots */
    assert_int_equal(m.n, 8);
    const char key[] = "suites";
    uint64_t h = tlsd_hash_bytes(key, sizeof key);
    assert_null(tlsd_memo_get(&m, h, key, sizeof key, NULL)); /* empty */
    char *v = tlsd_memo_put(&m, h, key, sizeof key, 5);
    assert_non_null(v);
    memcpy(v, "hello", 5);
    size_t len = 0;
    const char *got = tlsd_memo_get(&m, h, key, sizeof key, &len);
    assert_non_null(got);
    assert_int_equal(len, 5);
    assert_memory_equal(got, "hello", 5);
    /* Another key with the same hash (so the same slot): a miss, then it replaces. */
    assert_null(tlsd_memo_get(&m, h, "groups", 7, NULL));
    assert_non_null(tlsd_memo_put(&m, h, "groups", 7, 1));
    assert_null(tlsd_memo_get(&m, h, key, sizeof key, NULL));
    assert_non_null(tlsd_memo_get(&m, h, "groups", 7, NULL));
    /* The same key of another length is another key. */
    assert_null(tlsd_memo_get(&m, h, "groups", 6, NULL));
    tlsd_memo_free(&m);
}

static void too_long_refused(void **state)
{
    (void)state;
    struct tlsd_memo m;
    assert_true(tlsd_memo_init(&m, 4, 8, 8));
    assert_null(tlsd_memo_put(&m, 1, "123456789", 9, 1)); /* key over 8 bytes */
    assert_null(tlsd_memo_put(&m, 1, "1234", 4, 9));      /* value over 8 bytes */
    assert_null(tlsd_memo_get(&m, 1, "1234", 4, NULL));
    assert_non_null(tlsd_memo_put(&m, 1, "", 0, 0)); /* an empty key is a key */
    assert_non_null(tlsd_memo_get(&m, 1, "", 0, NULL));
    tlsd_memo_free(&m);
    tlsd_memo_free(&m); /* freed twice: harmless (zeroed) */
}

static void nothing_remembered(void **state)
{
    (void)state;
    struct tlsd_memo m = {0}; /* as after a failed allocation */
    assert_null(tlsd_memo_put(&m, 1, "a", 1, 1));
    assert_null(tlsd_memo_get(&m, 1, "a", 1, NULL));
    assert_null(tlsd_memo_put(NULL, 1, "a", 1, 1));
    assert_null(tlsd_memo_get(NULL, 1, "a", 1, NULL));
    tlsd_memo_free(&m);
}

/* Pointer keys: two literals at other addresses are other keys, also when they land in
 * the same slot (looked up with the hash of the key that is there). */
static void pointer_keys(void **state)
{
    (void)state;
    static const char a[] = "x", b[] = "x";
    struct tlsd_memo m;
    assert_true(tlsd_memo_init(&m, 64, sizeof(const char *), sizeof(size_t)));
    const char *pa = a, *pb = b;
    size_t *v = tlsd_memo_put(&m, tlsd_hash_ptr(pa), &pa, sizeof pa, sizeof *v);
    assert_non_null(v);
    *v = 1;
    assert_non_null(tlsd_memo_get(&m, tlsd_hash_ptr(pa), &pa, sizeof pa, NULL));
    assert_null(tlsd_memo_get(&m, tlsd_hash_ptr(pa), &pb, sizeof pb, NULL));
    tlsd_memo_free(&m);
}

/* 8 slots first; more answers than slots: eight times as many, up to the size asked for.
 * Whatever is got back on the way is the answer put for that key (the dropped ones are
 * misses, not wrong answers), and the last answer put is always there. */
static void grows_with_use(void **state)
{
    (void)state;
    struct tlsd_memo m;
    assert_true(tlsd_memo_init(&m, 3000, sizeof(uint32_t), sizeof(uint32_t))); /* 4096 */
    assert_int_equal(m.n, 8);
    assert_int_equal(m.n_max, 4096);
    size_t sizes[8] = {0}, n_sizes = 0;
    for (uint32_t i = 0; i < 20000; i++) {
        uint32_t *v = tlsd_memo_put(&m, tlsd_hash_bytes(&i, sizeof i), &i, sizeof i, sizeof i);
        assert_non_null(v);
        *v = i * 7;
        if (n_sizes == 0 || sizes[n_sizes - 1] != m.n) {
            assert_true(n_sizes < 8);
            sizes[n_sizes++] = m.n;
        }
        const uint32_t *got = tlsd_memo_get(&m, tlsd_hash_bytes(&i, sizeof i), &i, sizeof i, NULL);
        assert_non_null(got);
        assert_int_equal(*got, i * 7);
        uint32_t j = i / 2; /* an older key: a miss or its own answer */
        got = tlsd_memo_get(&m, tlsd_hash_bytes(&j, sizeof j), &j, sizeof j, NULL);
        if (got)
            assert_int_equal(*got, j * 7);
    }
    assert_int_equal(n_sizes, 4);
    assert_int_equal(sizes[0], 8);
    assert_int_equal(sizes[1], 64);
    assert_int_equal(sizes[2], 512);
    assert_int_equal(sizes[3], 4096);
    /* A memo asked for fewer slots than the first ones gets just those, and keeps them. */
    struct tlsd_memo one;
    assert_true(tlsd_memo_init(&one, 1, 8, 8));
    for (uint32_t i = 0; i < 10; i++)
        assert_non_null(tlsd_memo_put(&one, i, &i, sizeof i, 1));
    assert_int_equal(one.n, 1);
    tlsd_memo_free(&one);
    tlsd_memo_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_then_get),       cmocka_unit_test(too_long_refused),
        cmocka_unit_test(nothing_remembered), cmocka_unit_test(pointer_keys),
        cmocka_unit_test(grows_with_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
