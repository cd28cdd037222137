/* Key logs and TLS 1.3 record decryption (tlsdiag/keylog.h): the key schedule against RFC
 * 8448's published trace, records sealed here with libcrypto and opened by the module,
 * and the negative cases (a changed byte, a wrong sequence number, an unknown suite, key
 * log lines that are no TLS 1.3 secret, files that hold none or do not exist). */
#include <openssl/evp.h>
#include <unistd.h>

#include "testutil.h"
#include "tlsdiag/keylog.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* RFC 8448 3: the server handshake traffic secret and the key and iv derived from it. */
static void test_key_schedule_rfc8448(void **state)
{
    (void)state;
    uint8_t secret[32], key[16], iv[12];
    unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38", secret, 32);
    unhex("3fce516009c21727d0f2e4e86ee403bc", key, 16);
    unhex("5d313eb2671276ee13000b30", iv, 12);
    struct tlsd_tls13_dec d;
    assert_true(tlsd_tls13_dec_init(&d, 0x1301, secret, sizeof secret));
    assert_int_equal(d.key_len, 16);
    assert_memory_equal(d.key, key, 16);
    assert_memory_equal(d.iv, iv, 12);
    assert_false(tlsd_tls13_dec_init(&d, 0xc02f, secret, sizeof secret)); /* not TLS 1.3 */
    assert_false(d.ready);
}

/* Seals content + type as record seq of direction d (RFC 8446 5.2), with libcrypto. */
static size_t seal(const struct tlsd_tls13_dec *d, uint64_t seq, const uint8_t *content, size_t n,
                   uint8_t type, uint8_t *out)
{
    uint8_t inner[64], nonce[12], aad[5] = {23, 3, 3, 0, (uint8_t)(n + 1 + 16)};
    memcpy(inner, content, n);
    inner[n] = type;
    memcpy(nonce, d->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, d->key, nonce), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &len, aad, sizeof aad), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, out, &len, inner, (int)n + 1), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + len, &len), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + n + 1), 1);
    EVP_CIPHER_CTX_free(ctx);
    return n + 1 + 16;
}

static void test_records(void **state)
{
    (void)state;
    uint8_t secret[32], rec[64], out[64], type;
    unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38", secret, 32);
    struct tlsd_tls13_dec enc, dec;
    assert_true(tlsd_tls13_dec_init(&enc, 0x1301, secret, sizeof secret));
    assert_true(tlsd_tls13_dec_init(&dec, 0x1301, secret, sizeof secret));
    static const uint8_t alert[2] = {2, 116}; /* fatal certificate_required */
    size_t n = seal(&enc, 0, alert, sizeof alert, 21, rec), got = 0;
    assert_int_equal(n, 19); /* the alert-sized record the analyser looks for */
    assert_true(tlsd_tls13_decrypt(&dec, 23, 0x0303, rec, n, out, &got, &type));
    assert_int_equal(type, 21);
    assert_int_equal(got, 2);
    assert_memory_equal(out, alert, 2);
    assert_int_equal(dec.seq, 1);
    /* the next record under sequence number 1; one sealed for 0 again does not open */
    n = seal(&enc, 0, alert, sizeof alert, 21, rec);
    assert_false(tlsd_tls13_decrypt(&dec, 23, 0x0303, rec, n, out, &got, &type));
    n = seal(&enc, 1, alert, sizeof alert, 21, rec);
    rec[3] ^= 1; /* a changed byte */
    assert_false(tlsd_tls13_decrypt(&dec, 23, 0x0303, rec, n, out, &got, &type));
    rec[3] ^= 1;
    assert_false(tlsd_tls13_decrypt(&dec, 22, 0x0303, rec, n, out, &got, &type)); /* header */
    assert_true(tlsd_tls13_decrypt(&dec, 23, 0x0303, rec, n, out, &got, &type));
    assert_false(tlsd_tls13_decrypt(&dec, 23, 0x0303, rec, 16, out, &got, &type)); /* short */
}

static char *write_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/tlsd_keylog_%d.txt", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_load(void **state)
{
    (void)state;
    char err[256];
    static const char rnd[] = "0101010101010101010101010101010101010101010101010101010101010101";
    char text[1024], sec48[97];
    memset(sec48, 'b', 96); /* a SHA-384 secret */
    sec48[96] = '\0';
    snprintf(text, sizeof text,
             "# SSL/TLS secrets log file\n"
             "CLIENT_RANDOM %s 00112233\n"               /* TLS 1.2: skipped */
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s zz\n"   /* bad hex */
             "SERVER_HANDSHAKE_TRAFFIC_SECRET 0102 %s\n" /* short random */
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s %s\r\n" /* CRLF */
             "CLIENT_TRAFFIC_SECRET_0 %s %s\n",
             rnd, rnd, rnd, rnd, rnd, rnd, sec48);
    char *path = write_file(text);
    struct tlsd_keylog *k = tlsd_keylog_load(path, err, sizeof err);
    assert_non_null(k);
    assert_int_equal(tlsd_keylog_count(k), 1);
    uint8_t random[32], secret[TLSD_KEYLOG_MAX_SECRET];
    memset(random, 1, sizeof random);
    assert_int_equal(tlsd_keylog_secret(k, random, TLSD_KEYLOG_SERVER_HS, secret), 32);
    assert_int_equal(secret[0], 0x01);
    assert_int_equal(tlsd_keylog_secret(k, random, TLSD_KEYLOG_CLIENT_AP, secret), 48);
    assert_int_equal(secret[47], 0xbb);
    assert_int_equal(tlsd_keylog_secret(k, random, TLSD_KEYLOG_CLIENT_HS, secret), 0);
    random[31] = 2;
    assert_int_equal(tlsd_keylog_secret(k, random, TLSD_KEYLOG_SERVER_HS, secret), 0);
    tlsd_keylog_free(k);
    path = write_file("CLIENT_RANDOM 00 11\n");
    assert_null(tlsd_keylog_load(path, err, sizeof err));
    assert_non_null(strstr(err, "no TLS 1.3"));
    unlink(path);
    assert_null(tlsd_keylog_load(path, err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_schedule_rfc8448),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
