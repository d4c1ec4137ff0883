/* Keys and operations on the reference card: every signature verified by OpenSSL against the
 * certificate, encryptions round-trip, and the status words of docs/profile.md ("Keys"). */
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "key_util.h"

TestSuite(pso, .init = card_setup, .fini = card_teardown);

#define VERIFY_USER "00 20 00 01 08 " USER_PIN
/* SHA-256("sample") */
#define HASH_HEX "af2bdbe1aa9b6ec1e2ade1d694f41fc71a831d0268e9891562113d8a62add1bf"

static uint8_t hash32[32];

static void user(void)
{
    expect_sw(VERIFY_USER, 0x9000);
    unhex(HASH_HEX, hash32, sizeof hash32);
}

/* MSE SET <p1> <crt> with algorithm `alg` (0 = none) and key reference `ref` under `ktag`. */
static uint16_t mse(uint8_t p1, uint8_t crt, uint8_t alg, uint8_t ktag, uint8_t ref)
{
    uint8_t d[6];
    size_t n = 0;
    if (alg) {
        d[n++] = 0x80;
        d[n++] = 1;
        d[n++] = alg;
    }
    d[n++] = ktag;
    d[n++] = 1;
    d[n++] = ref;
    return send_apdu(card, 0x00, 0x22, p1, crt, d, n, 0);
}

static uint16_t sign(const uint8_t *in, size_t len, uint8_t *sig, size_t *sig_len)
{
    uint16_t sw = send_apdu(card, 0x00, 0x2A, 0x9E, 0x9A, in, len, 256);
    *sig_len = data_len();
    memcpy(sig, resp, *sig_len);
    return sw;
}

static void openssl_verify(EVP_PKEY *k, int padding, const EVP_MD *md, const uint8_t *in,
                           size_t in_len, const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    cr_assert(ctx && EVP_PKEY_verify_init(ctx) == 1);
    if (padding) {
        cr_assert(EVP_PKEY_CTX_set_rsa_padding(ctx, padding) > 0);
        if (padding == RSA_PKCS1_PSS_PADDING)
            cr_assert(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0);
    }
    if (md)
        cr_assert(EVP_PKEY_CTX_set_signature_md(ctx, md) > 0);
    cr_expect_eq(EVP_PKEY_verify(ctx, sig, sig_len, in, in_len), 1, "OpenSSL refuses it");
    EVP_PKEY_CTX_free(ctx);
}

Test(pso, rsa_pkcs1_over_a_hash_verifies_with_the_certificate)
{
    user();
    cr_assert_eq(mse(0x41, 0xB6, 0x13, 0x84, 0x01), 0x9000);
    uint8_t sig[512];
    size_t n;
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    cr_assert_eq(n, 256);
    EVP_PKEY *k = cert_key("rsa2048-sign.der");
    openssl_verify(k, RSA_PKCS1_PADDING, EVP_sha256(), hash32, 32, sig, n);
    EVP_PKEY_free(k);
}

Test(pso, rsa_pkcs1_over_a_digestinfo_verifies_with_the_certificate)
{
    user();
    uint8_t di[51];
    size_t l = unhex("3031300d060960864801650304020105000420", di, sizeof di);
    cr_assert_eq(l, sizeof di - 32, "the DigestInfo header leaves room for the hash");
    memcpy(di + l, hash32, 32);
    cr_assert_eq(mse(0x41, 0xB6, 0x10, 0x84, 0x01), 0x9000);
    uint8_t sig[512];
    size_t n;
    cr_assert_eq(sign(di, l + 32, sig, &n), 0x9000);
    EVP_PKEY *k = cert_key("rsa2048-sign.der");
    openssl_verify(k, RSA_PKCS1_PADDING, EVP_sha256(), hash32, 32, sig, n);
    EVP_PKEY_free(k);
}

Test(pso, rsa_pss_verifies_with_the_certificate)
{
    user();
    cr_assert_eq(mse(0x41, 0xB6, 0x23, 0x84, 0x01), 0x9000);
    uint8_t sig[512];
    size_t n;
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    EVP_PKEY *k = cert_key("rsa2048-sign.der");
    openssl_verify(k, RSA_PKCS1_PSS_PADDING, EVP_sha256(), hash32, 32, sig, n);
    EVP_PKEY_free(k);
}

/* r || s -> DER */
static size_t plain_to_der(const uint8_t *sig, size_t n, uint8_t *der)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    cr_assert(ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)n / 2, NULL),
                             BN_bin2bn(sig + n / 2, (int)n / 2, NULL)) == 1);
    uint8_t *p = der;
    int l = i2d_ECDSA_SIG(es, &p);
    ECDSA_SIG_free(es);
    cr_assert_gt(l, 0);
    return (size_t)l;
}

Test(pso, ecdsa_plain_and_der_verify_with_the_certificate)
{
    user();
    EVP_PKEY *k = cert_key("ec-p256.der");
    uint8_t sig[512], der[128];
    size_t n;
    cr_assert_eq(mse(0x41, 0xB6, 0x40, 0x84, 0x03), 0x9000);
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    cr_assert_eq(n, 64, "plain r || s is 64 bytes");
    size_t dl = plain_to_der(sig, n, der);
    openssl_verify(k, 0, NULL, hash32, 32, der, dl);
    cr_assert_eq(mse(0x41, 0xB6, 0x41, 0x84, 0x03), 0x9000);
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    cr_assert_eq(sig[0], 0x30, "DER SEQUENCE");
    openssl_verify(k, 0, NULL, hash32, 32, sig, n);
    EVP_PKEY_free(k);
}

Test(pso, verify_digital_signature_on_the_card)
{
    user();
    cr_assert_eq(mse(0x41, 0xB6, 0x40, 0x84, 0x03), 0x9000);
    uint8_t sig[512];
    size_t n;
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    cr_assert_eq(mse(0x81, 0xB6, 0x40, 0x83, 0x03), 0x9000);
    uint8_t d[2 + 32 + 2 + 64];
    d[0] = 0x90;
    d[1] = 32;
    memcpy(d + 2, hash32, 32);
    d[34] = 0x9E;
    d[35] = 64;
    memcpy(d + 36, sig, 64);
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x00, 0xA8, d, sizeof d, 0), 0x9000);
    d[40] ^= 1;
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x00, 0xA8, d, sizeof d, 0), 0x6300);
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x00, 0xA8, d, 20, 0), 0x6A80);
}

Test(pso, verify_certificate_with_its_own_key)
{
    user();
    char path[1024];
    snprintf(path, sizeof path, "%s/certs/rsa2048-sign.der", SDEMU_VECTORS);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    uint8_t cert[4096];
    size_t n = fread(cert, 1, sizeof cert, f);
    fclose(f);
    cr_assert_eq(mse(0x81, 0xB6, 0x13, 0x83, 0x01), 0x9000);
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x00, 0xBE, cert, n, 0), 0x9000);
    cert[n - 5] ^= 1; /* in the signature */
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x00, 0xBE, cert, n, 0), 0x6300);
}

Test(pso, hash_sha256_and_sha1)
{
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x90, 0x80, (const uint8_t *)"sample", 6, 256),
                 0x9000);
    uint8_t want[32];
    unhex(HASH_HEX, want, sizeof want);
    cr_assert_eq(data_len(), 32);
    cr_expect(memcmp(resp, want, 32) == 0);
    expect_sw("00 22 41 AA 03 80 01 91", 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x90, 0x80, (const uint8_t *)"abc", 3, 256), 0x9000);
    uint8_t sha1[20];
    unhex("a9993e364706816aba3e25717850c26c9cd0d89d", sha1, sizeof sha1);
    cr_assert_eq(data_len(), 20);
    cr_expect(memcmp(resp, sha1, 20) == 0);
}

/* The RSA decryption key's public key, read with GENERATE ASYMMETRIC KEY PAIR P1 81. */
static EVP_PKEY *read_rsa_public(uint8_t ref)
{
    cr_assert_eq(send_apdu(card, 0x00, 0x46, 0x81, ref, NULL, 0, 65536), 0x9000);
    /* 7F49 82 01 09 81 82 01 00 n(256) 82 03 e(3) */
    cr_assert_eq(resp[0], 0x7F);
    cr_assert_eq(resp[1], 0x49);
    cr_assert_eq(resp[5], 0x81);
    const uint8_t *n = resp + 9, *e = n + 256 + 2;
    cr_assert_eq(n[256], 0x82);
    BIGNUM *bn = BN_bin2bn(n, 256, NULL), *be = BN_bin2bn(e, n[257], NULL);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(b, "n", bn);
    OSSL_PARAM_BLD_push_BN(b, "e", be);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;
    cr_assert(EVP_PKEY_fromdata_init(ctx) == 1 &&
              EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) == 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    BN_free(bn);
    BN_free(be);
    return k;
}

static void decipher_roundtrip(int padding, uint8_t alg)
{
    EVP_PKEY *k = read_rsa_public(0x02);
    uint8_t msg[] = "a secret for the card";
    uint8_t ct[1 + 256];
    size_t ctl = 256;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    cr_assert(EVP_PKEY_encrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, padding) > 0);
    if (padding == RSA_PKCS1_OAEP_PADDING)
        cr_assert(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0 &&
                  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0);
    cr_assert(EVP_PKEY_encrypt(ctx, ct + 1, &ctl, msg, sizeof msg) == 1);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    ct[0] = 0x00; /* padding indicator */
    cr_assert_eq(mse(0x41, 0xB8, alg, 0x84, 0x02), 0x9000);
    /* 257 bytes: extended length */
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x80, 0x86, ct, 257, 256), 0x9000);
    cr_assert_eq(data_len(), sizeof msg);
    cr_expect(memcmp(resp, msg, sizeof msg) == 0);
    /* the same through command chaining (short APDUs) */
    cr_assert_eq(send_apdu(card, 0x10, 0x2A, 0x80, 0x86, ct, 200, 0), 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x80, 0x86, ct + 200, 57, 256), 0x9000);
    cr_expect(data_len() == sizeof msg && memcmp(resp, msg, sizeof msg) == 0);
}

Test(pso, rsa_pkcs1_decipher_of_an_openssl_cryptogram)
{
    user();
    decipher_roundtrip(RSA_PKCS1_PADDING, 0x30);
}

Test(pso, rsa_oaep_decipher_of_an_openssl_cryptogram)
{
    user();
    decipher_roundtrip(RSA_PKCS1_OAEP_PADDING, 0x33);
}

Test(pso, rsa_encipher_then_decipher_round_trips)
{
    user();
    uint8_t msg[] = "round trip";
    cr_assert_eq(mse(0xC1, 0xB8, 0x33, 0x84, 0x02), 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x86, 0x80, msg, sizeof msg, 65536), 0x9000);
    cr_assert_eq(data_len(), 257);
    cr_assert_eq(resp[0], 0x00, "padding indicator");
    uint8_t ct[257];
    memcpy(ct, resp, 257);
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x80, 0x86, ct, 257, 256), 0x9000);
    cr_expect(data_len() == sizeof msg && memcmp(resp, msg, sizeof msg) == 0);
}

static void aes_roundtrip(uint8_t alg)
{
    uint8_t pt[48], ct[49];
    for (size_t i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)i;
    cr_assert_eq(mse(0xC1, 0xB8, alg, 0x83, 0x04), 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x86, 0x80, pt, sizeof pt, 256), 0x9000);
    cr_assert_eq(data_len(), 49);
    memcpy(ct, resp, 49);
    cr_expect(memcmp(ct + 1, pt, 48) != 0);
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x80, 0x86, ct, 49, 256), 0x9000);
    cr_expect(data_len() == 48 && memcmp(resp, pt, 48) == 0);
    /* not a whole number of blocks */
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x86, 0x80, pt, 15, 256), 0x6A80);
}

Test(pso, aes_cbc_and_ecb_round_trip)
{
    user();
    aes_roundtrip(0x81);
    aes_roundtrip(0x80);
}

static size_t aes_key(uint8_t key[16])
{
    char path[1024];
    snprintf(path, sizeof path, "%s/keys/aes128.bin", SDEMU_VECTORS);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    size_t n = fread(key, 1, 16, f);
    fclose(f);
    return n;
}

static void cmac(const uint8_t *key, const uint8_t *m, size_t n, uint8_t out[16])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string("cipher", "AES-128-CBC", 0),
                      OSSL_PARAM_construct_end()};
    size_t l;
    cr_assert(EVP_MAC_init(ctx, key, 16, p) == 1 && EVP_MAC_update(ctx, m, n) == 1 &&
              EVP_MAC_final(ctx, out, &l, 16) == 1);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

Test(pso, cmac_compute_matches_openssl_and_verifies)
{
    user();
    uint8_t key[16], want[16];
    cr_assert_eq(aes_key(key), 16);
    cmac(key, (const uint8_t *)"sample", 6, want);
    cr_assert_eq(mse(0xC1, 0xB4, 0x82, 0x83, 0x04), 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x8E, 0x80, (const uint8_t *)"sample", 6, 256),
                 0x9000);
    cr_assert(data_len() == 16 && memcmp(resp, want, 16) == 0);
    uint8_t d[2 + 6 + 2 + 16] = {0x80, 6, 's', 'a', 'm', 'p', 'l', 'e', 0x8E, 16};
    memcpy(d + 10, want, 16);
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x00, 0xA2, d, sizeof d, 0), 0x9000);
    d[12] ^= 0x80;
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x00, 0xA2, d, sizeof d, 0), 0x6300);
}

Test(pso, external_authenticate_after_get_challenge_is_single_use)
{
    user();
    uint8_t key[16], crypt[16], chal[16];
    cr_assert_eq(aes_key(key), 16);
    /* without a challenge */
    cr_expect_eq(send_apdu(card, 0x00, 0x82, 0x82, 0x04, chal, 16, 0), 0x6985);
    cr_assert_eq(send_apdu(card, 0x00, 0x84, 0x00, 0x00, NULL, 0, 16), 0x9000);
    memcpy(chal, resp, 16);
    cmac(key, chal, 16, crypt);
    cr_expect_eq(send_apdu(card, 0x00, 0x82, 0x82, 0x04, crypt, 16, 0), 0x9000);
    /* the same cryptogram again: the challenge is gone */
    cr_expect_eq(send_apdu(card, 0x00, 0x82, 0x82, 0x04, crypt, 16, 0), 0x6985);
    /* a wrong cryptogram fails, and uses the challenge up too */
    cr_assert_eq(send_apdu(card, 0x00, 0x84, 0x00, 0x00, NULL, 0, 16), 0x9000);
    memcpy(chal, resp, 16);
    cmac(key, chal, 16, crypt);
    crypt[0] ^= 1;
    cr_expect_eq(send_apdu(card, 0x00, 0x82, 0x82, 0x04, crypt, 16, 0), 0x6300);
    crypt[0] ^= 1;
    cr_expect_eq(send_apdu(card, 0x00, 0x82, 0x82, 0x04, crypt, 16, 0), 0x6985);
    /* AES-ECB of a 16-byte challenge, key and algorithm from the SE (AT, P1 81) */
    cr_assert_eq(mse(0x81, 0xA4, 0x80, 0x83, 0x04), 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x84, 0x00, 0x00, NULL, 0, 16), 0x9000);
    memcpy(chal, resp, 16);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l1, l2;
    cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
              EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
              EVP_EncryptUpdate(c, crypt, &l1, chal, 16) == 1 &&
              EVP_EncryptFinal_ex(c, crypt + l1, &l2) == 1);
    EVP_CIPHER_CTX_free(c);
    cr_expect_eq(send_apdu(card, 0x00, 0x82, 0x00, 0x00, crypt, 16, 0), 0x9000);
}

Test(pso, internal_authenticate_rsa_ec_aes)
{
    user();
    uint8_t chal[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    cr_assert_eq(send_apdu(card, 0x00, 0x88, 0x10, 0x01, chal, 16, 256), 0x9000);
    cr_assert_eq(data_len(), 256);
    EVP_PKEY *k = cert_key("rsa2048-sign.der");
    openssl_verify(k, RSA_PKCS1_PADDING, NULL, chal, 16, resp, 256);
    EVP_PKEY_free(k);
    cr_assert_eq(send_apdu(card, 0x00, 0x88, 0x41, 0x03, chal, 16, 256), 0x9000);
    k = cert_key("ec-p256.der");
    uint8_t sig[128];
    size_t n = data_len();
    memcpy(sig, resp, n);
    openssl_verify(k, 0, NULL, chal, 16, sig, n);
    EVP_PKEY_free(k);
    uint8_t key[16], want[16];
    aes_key(key);
    cmac(key, chal, 16, want);
    cr_assert_eq(send_apdu(card, 0x00, 0x88, 0x82, 0x04, chal, 16, 256), 0x9000);
    cr_expect(data_len() == 16 && memcmp(resp, want, 16) == 0);
}

Test(pso, general_authenticate_ecdh_matches_openssl)
{
    user();
    EVP_PKEY *eph = EVP_EC_gen("P-256");
    cr_assert_not_null(eph);
    uint8_t point[65];
    size_t pl = 0;
    cr_assert(EVP_PKEY_get_octet_string_param(eph, "encoded-pub-key", point, sizeof point, &pl) ==
              1);
    uint8_t d[4 + 65] = {0x7C, 67, 0x85, 65};
    memcpy(d + 4, point, 65);
    cr_assert_eq(send_apdu(card, 0x00, 0x86, 0x48, 0x03, d, sizeof d, 256), 0x9000);
    cr_assert_eq(data_len(), 36);
    cr_assert(resp[0] == 0x7C && resp[1] == 34 && resp[2] == 0x82 && resp[3] == 32);
    EVP_PKEY *peer = cert_key("ec-p256.der");
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(eph, NULL);
    uint8_t z[32];
    size_t zl = sizeof z;
    cr_assert(EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
              EVP_PKEY_derive(ctx, z, &zl) == 1);
    cr_expect(memcmp(resp + 4, z, 32) == 0, "the shared secrets differ");
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(eph);
    /* a point not on the curve */
    d[4 + 64] ^= 1;
    cr_expect_eq(send_apdu(card, 0x00, 0x86, 0x48, 0x03, d, sizeof d, 256), 0x6A80);
}

Test(pso, generate_into_the_empty_slot_then_sign)
{
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x80, 0x05, NULL, 0, 256), 0x6982);
    user();
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x05, NULL, 0, 256), 0x6984);
    cr_expect_eq(mse(0x41, 0xB6, 0x40, 0x84, 0x05), 0x9000);
    uint8_t sig[128];
    size_t n;
    cr_expect_eq(sign(hash32, 32, sig, &n), 0x6984);
    cr_assert_eq(send_apdu(card, 0x00, 0x46, 0x80, 0x05, NULL, 0, 256), 0x9000);
    /* 7F49 4D 06 08 <P-256 OID> 86 41 04 ... */
    static const uint8_t head[] = {0x7F, 0x49, 0x4D, 0x06, 0x08, 0x2A, 0x86, 0x48,
                                   0xCE, 0x3D, 0x03, 0x01, 0x07, 0x86, 0x41, 0x04};
    cr_assert_eq(data_len(), 80);
    cr_assert(memcmp(resp, head, sizeof head) == 0);
    uint8_t pub[80];
    memcpy(pub, resp, 80);
    cr_assert_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x05, NULL, 0, 256), 0x9000);
    cr_expect(data_len() == 80 && memcmp(resp, pub, 80) == 0, "read back differs");
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    /* verify with the answered point */
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string("group", "prime256v1", 0),
                      OSSL_PARAM_construct_octet_string("pub", pub + 15, 65),
                      OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    cr_assert(EVP_PKEY_fromdata_init(ctx) == 1 &&
              EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, p) == 1);
    EVP_PKEY_CTX_free(ctx);
    uint8_t der[128];
    size_t dl = plain_to_der(sig, n, der);
    openssl_verify(k, 0, NULL, hash32, 32, der, dl);
    EVP_PKEY_free(k);
    /* a key that does not allow generation */
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x80, 0x01, NULL, 0, 256), 0x6985);
}

Test(pso, status_words)
{
    unhex(HASH_HEX, hash32, sizeof hash32);
    uint8_t sig[512];
    size_t n;
    /* no environment */
    cr_expect_eq(sign(hash32, 32, sig, &n), 0x6985);
    /* unknown key reference */
    cr_expect_eq(mse(0x41, 0xB6, 0x13, 0x84, 0x09), 0x6A88);
    cr_expect_eq(send_apdu(card, 0x00, 0x88, 0x10, 0x09, hash32, 16, 256), 0x6A88);
    /* the guarding PIN not verified */
    cr_assert_eq(mse(0x41, 0xB6, 0x13, 0x84, 0x01), 0x9000);
    cr_expect_eq(sign(hash32, 32, sig, &n), 0x6982);
    expect_sw(VERIFY_USER, 0x9000);
    /* malformed data: a hash of the wrong length */
    cr_expect_eq(sign(hash32, 31, sig, &n), 0x6A80);
    /* an operation the key does not allow: signing with the decryption key */
    cr_assert_eq(mse(0x41, 0xB6, 0x00, 0x84, 0x02), 0x9000);
    cr_expect_eq(sign(hash32, 32, sig, &n), 0x6985);
    /* an algorithm the key does not accept */
    expect_sw("00 22 41 B6 06 80 01 40 84 01 01", 0x6A80);
    /* malformed MSE data, unknown template, SM bits */
    expect_sw("00 22 41 B6 02 80 02", 0x6A80);
    expect_sw("00 22 41 B6 04 99 01 01 00", 0x6A80);
    expect_sw("00 22 41 B2 03 84 01 01", 0x6A86);
    expect_sw("00 22 51 B6 03 84 01 01", 0x6882);
    /* an unknown PSO */
    cr_expect_eq(send_apdu(card, 0x00, 0x2A, 0x12, 0x34, hash32, 32, 0), 0x6A86);
}

Test(pso, environment_is_per_channel_cleared_by_reset_and_stored_by_number)
{
    user();
    uint8_t sig[512];
    size_t n;
    cr_assert_eq(mse(0x41, 0xB6, 0x13, 0x84, 0x01), 0x9000);
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    /* another channel has its own (empty) environment */
    expect_sw("00 70 00 01", 0x9000);
    cr_expect_eq(send_apdu(card, 0x01, 0x2A, 0x9E, 0x9A, hash32, 32, 256), 0x6985);
    expect_sw("00 70 80 01", 0x9000);
    /* STORE 1, set another, RESTORE 1 */
    expect_sw("00 22 F2 01", 0x9000);
    cr_assert_eq(mse(0x41, 0xB6, 0x40, 0x84, 0x03), 0x9000);
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    cr_expect_eq(n, 64);
    expect_sw("00 22 F3 01", 0x9000);
    cr_assert_eq(sign(hash32, 32, sig, &n), 0x9000);
    cr_expect_eq(n, 256);
    /* RESTORE 00: the empty environment; ERASE 1; RESTORE of nothing stored */
    expect_sw("00 22 F3 00", 0x9000);
    cr_expect_eq(sign(hash32, 32, sig, &n), 0x6985);
    expect_sw("00 22 F4 01", 0x9000);
    expect_sw("00 22 F3 01", 0x6A88);
    expect_sw("00 22 F3 09", 0x6A88);
    /* reset clears everything */
    cr_assert_eq(mse(0x41, 0xB6, 0x13, 0x84, 0x01), 0x9000);
    expect_sw("00 22 F2 02", 0x9000);
    emu_card_reset(card);
    expect_sw(VERIFY_USER, 0x9000);
    cr_expect_eq(sign(hash32, 32, sig, &n), 0x6985);
    expect_sw("00 22 F3 02", 0x6A88);
}
