/* Key, AsymmetricKey, PublicKey, PrivateKey and SecretKey (px_key.c) against the reference card
 * in-process (emu:<default profile>), a fresh card per test. Every result the card produces is
 * checked with OpenSSL: signatures against the exported SubjectPublicKeyInfo and against the
 * certificate (vectors/certs), cryptograms against the key files (vectors/keys). A counting
 * transport decorator proves that argument errors are found before any APDU. */
#include <criterion/criterion.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isoiec23465.h"
#include "px_handle.h"

static isoIec23465_SecurityDevice *dev;
static isoIec23465_RootApplication *root;
static char vectors[1024]; /* the vectors/ folder, from the profile's path */

/* ---- Counting transport ------------------------------------------------------------------- */

static const px_transport_ops *inner;
static px_transport_ops counting;
static size_t n_apdus;
/* The commands sent, in order (the first bytes of each). */
#define LOG_MAX 32
static uint8_t sent[LOG_MAX][300];
static size_t sent_len[LOG_MAX];

static isoIec23465_Status count_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                         uint8_t *resp, size_t cap, size_t *resp_len)
{
    if (n_apdus < LOG_MAX) {
        sent_len[n_apdus] = cmd_len;
        memcpy(sent[n_apdus], cmd, cmd_len < sizeof sent[0] ? cmd_len : sizeof sent[0]);
    }
    n_apdus++;
    return inner->transmit(ctx, cmd, cmd_len, resp, cap, resp_len);
}

/* Asserts that command `i` (counted from the call's first) starts with the bytes of `hex`. */
static void assert_sent(size_t first, size_t i, const char *hex)
{
    uint8_t want[64];
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        cr_assert_eq(sscanf(p, "%2x", &v), 1);
        want[n++] = (uint8_t)v;
        p += 2;
    }
    size_t k = first + i;
    cr_assert_lt(k, n_apdus, "command %zu was not sent", i);
    cr_assert_geq(sent_len[k], n, "command %zu is shorter than %s", i, hex);
    cr_assert_arr_eq(sent[k], want, n, "command %zu does not start with %s", i, hex);
}
static isoIec23465_Status count_reset(void *ctx)
{
    return inner->reset(ctx);
}
static isoIec23465_Status count_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    return inner->atr(ctx, atr, cap, len);
}
static isoIec23465_Status count_begin(void *ctx)
{
    return inner->begin(ctx);
}
static void count_end(void *ctx)
{
    inner->end(ctx);
}
static void count_close(void *ctx)
{
    inner->close(ctx);
}

static void wrap_transport(void)
{
    px_conn *c = dev->conn;
    inner = c->tr.ops;
    counting = (px_transport_ops){count_transmit,
                                  count_reset,
                                  count_atr,
                                  inner->begin ? count_begin : NULL,
                                  inner->end ? count_end : NULL,
                                  count_close};
    c->tr.ops = &counting;
    n_apdus = 0;
}

/* ---- Fixture ------------------------------------------------------------------------------- */

static void setup(void)
{
    alarm(60);
    char spec[1100];
    snprintf(spec, sizeof spec, "emu:%s", PX_TEST_PROFILE);
    snprintf(vectors, sizeof vectors, "%s", PX_TEST_PROFILE);
    char *slash = strrchr(vectors, '/'); /* .../vectors/profiles/default.yaml */
    cr_assert(slash);
    *slash = 0;
    slash = strrchr(vectors, '/');
    cr_assert(slash);
    *slash = 0;
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "connect %s: %s: %s", spec,
                 isoIec23465_statusToString(st), d.message);
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    wrap_transport();
}

static void teardown(void)
{
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    root = NULL;
    alarm(0);
}

TestSuite(key, .init = setup, .fini = teardown);

static const char *last_message(void)
{
    static isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    return d.message;
}

static isoIec23465_Handle *find(const char *label)
{
    isoIec23465_Object *o = NULL;
    isoIec23465_Status st = isoIec23465_SecurityDeviceApplication_findObject(root, label, &o);
    cr_assert_eq(st, isoIec23465_Success, "findObject '%s': %s: %s", label,
                 isoIec23465_statusToString(st), last_message());
    return o;
}

/* Verifies the user PIN 123456 through the Password API (px_auth.c). */
static void login(void)
{
    static const uint8_t pin[] = {'1', '2', '3', '4', '5', '6'};
    isoIec23465_Object *user = find("user");
    isoIec23465_Status st = isoIec23465_Password_verify(user, pin, sizeof pin);
    cr_assert_eq(st, isoIec23465_Success, "Password_verify: %s: %s", isoIec23465_statusToString(st),
                 last_message());
    isoIec23465_Object_release(user);
}

/* ---- OpenSSL helpers ---------------------------------------------------------------------- */

static EVP_PKEY *spki_of(isoIec23465_PublicKey *pub, uint8_t *der, size_t *len)
{
    size_t cap = *len;
    isoIec23465_Status st = isoIec23465_PublicKey_export(pub, der, len);
    cr_assert_eq(st, isoIec23465_Success, "export: %s: %s", isoIec23465_statusToString(st),
                 last_message());
    cr_assert(*len <= cap);
    const unsigned char *p = der;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)*len);
    cr_assert(k, "export is not a SubjectPublicKeyInfo");
    cr_assert_eq(p, der + *len, "trailing bytes after the SubjectPublicKeyInfo");
    return k;
}

static EVP_PKEY *exported(isoIec23465_Handle *key)
{
    isoIec23465_PublicKey *pub = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(key, &pub), isoIec23465_Success, "%s",
                 last_message());
    uint8_t der[2048];
    size_t len = sizeof der;
    return spki_of(pub, der, &len);
}

static void *read_file(const char *rel, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", vectors, rel);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert(size > 0);
    rewind(f);
    void *out = malloc((size_t)size);
    cr_assert(out);
    *len = fread(out, 1, (size_t)size, f);
    cr_assert_eq(*len, (size_t)size);
    fclose(f);
    return out;
}

static X509 *certificate(const char *rel)
{
    size_t n;
    uint8_t *der = read_file(rel, &n);
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    free(der);
    cr_assert(x, "%s is not a certificate", rel);
    return x;
}

static EVP_PKEY *private_key(const char *rel)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", vectors, rel);
    FILE *f = fopen(path, "r");
    cr_assert(f, "open %s", path);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    cr_assert(k);
    return k;
}

/* 1 when OpenSSL accepts sig over the hash `md` of `hash`; padding for RSA keys. */
static int ossl_verify(EVP_PKEY *k, const EVP_MD *md, int padding, const uint8_t *hash, size_t hlen,
                       const uint8_t *sig, size_t slen)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    cr_assert(ctx);
    cr_assert_eq(EVP_PKEY_verify_init(ctx), 1);
    if (md)
        cr_assert_eq(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(ctx, padding), 1);
        if (padding == RSA_PKCS1_PSS_PADDING)
            cr_assert_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST), 1);
    }
    int r = EVP_PKEY_verify(ctx, sig, slen, hash, hlen);
    EVP_PKEY_CTX_free(ctx);
    return r;
}

/* plain r || s -> DER for OpenSSL */
static size_t ecdsa_der(const uint8_t *plain, size_t n, uint8_t *out)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(plain, (int)(n / 2), NULL),
           *ss = BN_bin2bn(plain + n / 2, (int)(n / 2), NULL);
    cr_assert(s && r && ss);
    ECDSA_SIG_set0(s, r, ss);
    unsigned char *p = out;
    int len = i2d_ECDSA_SIG(s, &p);
    ECDSA_SIG_free(s);
    cr_assert(len > 0);
    return (size_t)len;
}

static void sha256(const void *data, size_t n, uint8_t out[32])
{
    unsigned int l = 32;
    cr_assert_eq(EVP_Digest(data, n, out, &l, EVP_sha256(), NULL), 1);
}

static void sign_ok(isoIec23465_Handle *key, isoIec23465_Mechanism m, isoIec23465_Hash h,
                    const uint8_t *hv, size_t hl, uint8_t *sig, size_t *slen)
{
    isoIec23465_Status st = isoIec23465_PrivateKey_sign(key, m, h, hv, hl, sig, slen);
    cr_assert_eq(st, isoIec23465_Success, "sign: %s: %s", isoIec23465_statusToString(st),
                 last_message());
}

static const char msg[] = "the quick brown fox signs on a card";

/* ---- Key attributes ------------------------------------------------------------------------ */

static bool has_mech(const isoIec23465_Mechanism *m, size_t n, isoIec23465_Mechanism want)
{
    for (size_t i = 0; i < n; i++)
        if (m[i] == want)
            return true;
    return false;
}

Test(key, attributes_come_from_the_object_table)
{
    isoIec23465_Handle *rsa = find("RSA signature key"), *ec = find("EC P-256 key"),
                       *aes = find("AES-128 key");
    isoIec23465_KeyType t;
    size_t bits;
    unsigned usage;
    cr_assert_eq(isoIec23465_Key_getKeyType(rsa, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_KeyRsa);
    cr_assert_eq(isoIec23465_Key_getKeySize(rsa, &bits), isoIec23465_Success);
    cr_assert_eq(bits, 2048);
    cr_assert_eq(isoIec23465_Key_getUsage(rsa, &usage), isoIec23465_Success);
    cr_assert(usage & ISOIEC23465_USAGE_SIGN);
    cr_assert_not(usage & ISOIEC23465_USAGE_DECRYPT);
    cr_assert_eq(isoIec23465_Key_getKeyType(ec, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_KeyEc);
    cr_assert_eq(isoIec23465_Key_getKeySize(ec, &bits), isoIec23465_Success);
    cr_assert_eq(bits, 256);
    cr_assert_eq(isoIec23465_Key_getUsage(ec, &usage), isoIec23465_Success);
    cr_assert(usage & ISOIEC23465_USAGE_DERIVE);
    cr_assert_eq(isoIec23465_Key_getKeyType(aes, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_KeyAes);
    cr_assert_eq(isoIec23465_Key_getKeySize(aes, &bits), isoIec23465_Success);
    cr_assert_eq(bits, 128);
    cr_assert_eq(n_apdus, 0, "attributes need no APDU");
}

Test(key, supported_mechanisms_with_size_query_and_buffer_too_small)
{
    isoIec23465_Handle *rsa = find("RSA signature key"), *ec = find("EC P-256 key"),
                       *aes = find("AES-128 key");
    isoIec23465_Mechanism m[16];
    size_t n = 0;
    cr_assert_eq(isoIec23465_Key_getSupportedMechanisms(rsa, NULL, &n), isoIec23465_Success);
    cr_assert_eq(n, 2, "RSA signature key: PKCS#1 v1.5 and PSS, got %zu", n);
    size_t one = 1;
    cr_assert_eq(isoIec23465_Key_getSupportedMechanisms(rsa, m, &one), isoIec23465_BufferTooSmall);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, 2);
    cr_assert_eq(one, 1, "out-parameter untouched on failure");
    n = 16;
    cr_assert_eq(isoIec23465_Key_getSupportedMechanisms(rsa, m, &n), isoIec23465_Success);
    cr_assert(has_mech(m, n, isoIec23465_MechRsaPkcs1V15) &&
              has_mech(m, n, isoIec23465_MechRsaPss));
    n = 16;
    cr_assert_eq(isoIec23465_Key_getSupportedMechanisms(ec, m, &n), isoIec23465_Success);
    cr_assert(has_mech(m, n, isoIec23465_MechEcdsa) && has_mech(m, n, isoIec23465_MechEcdh));
    cr_assert_not(has_mech(m, n, isoIec23465_MechRsaPss));
    n = 16;
    cr_assert_eq(isoIec23465_Key_getSupportedMechanisms(aes, m, &n), isoIec23465_Success);
    cr_assert_eq(n, 3);
    cr_assert(has_mech(m, n, isoIec23465_MechAesCbc) && has_mech(m, n, isoIec23465_MechAesEcb) &&
              has_mech(m, n, isoIec23465_MechAesCmac));
}

/* ---- Export ---------------------------------------------------------------------------------- */

static void export_matches_certificate(const char *label, const char *cert)
{
    isoIec23465_PublicKey *pub = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(find(label), &pub), isoIec23465_Success);
    isoIec23465_ObjectType type;
    cr_assert_eq(isoIec23465_Object_getType(pub, &type), isoIec23465_Success);
    cr_assert_eq(type, isoIec23465_TypePublicKey);
    size_t need = 0;
    cr_assert_eq(isoIec23465_PublicKey_export(pub, NULL, &need), isoIec23465_Success);
    uint8_t der[2048];
    size_t small = need - 1;
    cr_assert_eq(isoIec23465_PublicKey_export(pub, der, &small), isoIec23465_BufferTooSmall);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, need);
    size_t len = sizeof der;
    EVP_PKEY *k = spki_of(pub, der, &len);
    cr_assert_eq(len, need);
    X509 *x = certificate(cert);
    unsigned char *want = NULL;
    int wl = i2d_PUBKEY(X509_get0_pubkey(x), &want);
    cr_assert_eq((size_t)wl, len, "%s: SPKI of %zu bytes, certificate's %d", label, len, wl);
    cr_assert_arr_eq(der, want, len, "%s: SPKI differs from the certificate's", label);
    cr_assert_eq(EVP_PKEY_eq(k, X509_get0_pubkey(x)), 1);
    OPENSSL_free(want);
    X509_free(x);
    EVP_PKEY_free(k);
}

Test(key, export_rsa_spki_equals_the_certificate_key)
{
    export_matches_certificate("RSA signature key", "certs/rsa2048-sign.der");
}

Test(key, export_ec_spki_equals_the_certificate_key)
{
    export_matches_certificate("EC P-256 key", "certs/ec-p256.der");
}

Test(key, export_rsa_decryption_key_matches_its_key_file)
{
    EVP_PKEY *card = exported(find("RSA decryption key"));
    EVP_PKEY *file = private_key("keys/rsa2048-decrypt.pem");
    cr_assert_eq(EVP_PKEY_eq(card, file), 1);
    EVP_PKEY_free(card);
    EVP_PKEY_free(file);
}

/* ---- Signatures ------------------------------------------------------------------------------ */

static void rsa_sign_check(isoIec23465_Mechanism m, int padding)
{
    login();
    isoIec23465_Handle *key = find("RSA signature key");
    uint8_t h[32], sig[512];
    sha256(msg, sizeof msg - 1, h);
    size_t slen = 0;
    cr_assert_eq(isoIec23465_PrivateKey_sign(key, m, isoIec23465_HashSha256, h, 32, NULL, &slen),
                 isoIec23465_Success);
    cr_assert_eq(slen, 256, "size query");
    slen = sizeof sig;
    sign_ok(key, m, isoIec23465_HashSha256, h, 32, sig, &slen);
    cr_assert_eq(slen, 256);
    EVP_PKEY *k = exported(key);
    cr_assert_eq(ossl_verify(k, EVP_sha256(), padding, h, 32, sig, slen), 1, "against the export");
    X509 *x = certificate("certs/rsa2048-sign.der");
    cr_assert_eq(ossl_verify(X509_get0_pubkey(x), EVP_sha256(), padding, h, 32, sig, slen), 1,
                 "against the certificate");
    sig[10] ^= 1;
    cr_assert_neq(ossl_verify(k, EVP_sha256(), padding, h, 32, sig, slen), 1);
    X509_free(x);
    EVP_PKEY_free(k);
}

Test(key, sign_rsa_pkcs1_sha256_verified_by_openssl)
{
    rsa_sign_check(isoIec23465_MechRsaPkcs1V15, RSA_PKCS1_PADDING);
}

Test(key, sign_rsa_pss_sha256_verified_by_openssl)
{
    rsa_sign_check(isoIec23465_MechRsaPss, RSA_PKCS1_PSS_PADDING);
}

Test(key, sign_rsa_pkcs1_sha384_and_sha512)
{
    login();
    isoIec23465_Handle *key = find("RSA signature key");
    EVP_PKEY *k = exported(key);
    const struct {
        isoIec23465_Hash h;
        const EVP_MD *md;
        size_t len;
    } cases[] = {{isoIec23465_HashSha384, EVP_sha384(), 48},
                 {isoIec23465_HashSha512, EVP_sha512(), 64}};
    for (size_t i = 0; i < 2; i++) {
        uint8_t h[64], sig[256];
        unsigned int hl = 0;
        cr_assert_eq(EVP_Digest(msg, sizeof msg - 1, h, &hl, cases[i].md, NULL), 1);
        size_t slen = sizeof sig;
        sign_ok(key, isoIec23465_MechRsaPkcs1V15, cases[i].h, h, hl, sig, &slen);
        cr_assert_eq(ossl_verify(k, cases[i].md, RSA_PKCS1_PADDING, h, hl, sig, slen), 1);
    }
    EVP_PKEY_free(k);
}

Test(key, sign_rsa_pkcs1_over_a_digest_info)
{
    login();
    isoIec23465_Handle *key = find("RSA signature key");
    static const uint8_t di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    uint8_t di[19 + 32], sig[256];
    memcpy(di, di_sha256, 19);
    sha256(msg, sizeof msg - 1, di + 19);
    size_t slen = sizeof sig;
    sign_ok(key, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashNone, di, sizeof di, sig, &slen);
    EVP_PKEY *k = exported(key);
    cr_assert_eq(ossl_verify(k, EVP_sha256(), RSA_PKCS1_PADDING, di + 19, 32, sig, slen), 1);
    EVP_PKEY_free(k);
}

Test(key, sign_ecdsa_verified_by_openssl)
{
    login();
    isoIec23465_Handle *key = find("EC P-256 key");
    uint8_t h[32], sig[64], der[80];
    sha256(msg, sizeof msg - 1, h);
    size_t slen = sizeof sig;
    sign_ok(key, isoIec23465_MechEcdsa, isoIec23465_HashSha256, h, 32, sig, &slen);
    cr_assert_eq(slen, 64, "plain r || s");
    size_t dl = ecdsa_der(sig, slen, der);
    EVP_PKEY *k = exported(key);
    cr_assert_eq(ossl_verify(k, NULL, 0, h, 32, der, dl), 1, "against the export");
    X509 *x = certificate("certs/ec-p256.der");
    cr_assert_eq(ossl_verify(X509_get0_pubkey(x), NULL, 0, h, 32, der, dl), 1,
                 "against the certificate");
    h[0] ^= 1;
    cr_assert_neq(ossl_verify(k, NULL, 0, h, 32, der, dl), 1);
    X509_free(x);
    EVP_PKEY_free(k);
}

Test(key, verify_on_the_card_says_valid_and_invalid)
{
    login();
    isoIec23465_Handle *rsa = find("RSA signature key"), *ec = find("EC P-256 key");
    isoIec23465_PublicKey *rpub = NULL, *epub = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(rsa, &rpub), isoIec23465_Success);
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(ec, &epub), isoIec23465_Success);
    uint8_t h[32], sig[256];
    sha256(msg, sizeof msg - 1, h);
    size_t slen = sizeof sig;
    sign_ok(rsa, isoIec23465_MechRsaPss, isoIec23465_HashSha256, h, 32, sig, &slen);
    int valid = -1;
    isoIec23465_Status st = isoIec23465_PublicKey_verify(
        rpub, isoIec23465_MechRsaPss, isoIec23465_HashSha256, h, 32, sig, slen, &valid);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    cr_assert_eq(valid, 1);
    sig[100] ^= 0x40;
    cr_assert_eq(isoIec23465_PublicKey_verify(rpub, isoIec23465_MechRsaPss, isoIec23465_HashSha256,
                                              h, 32, sig, slen, &valid),
                 isoIec23465_Success);
    cr_assert_eq(valid, 0);
    slen = 64;
    sign_ok(ec, isoIec23465_MechEcdsa, isoIec23465_HashSha256, h, 32, sig, &slen);
    cr_assert_eq(isoIec23465_PublicKey_verify(epub, isoIec23465_MechEcdsa, isoIec23465_HashSha256,
                                              h, 32, sig, slen, &valid),
                 isoIec23465_Success, "%s", last_message());
    cr_assert_eq(valid, 1);
    h[31] ^= 1;
    cr_assert_eq(isoIec23465_PublicKey_verify(epub, isoIec23465_MechEcdsa, isoIec23465_HashSha256,
                                              h, 32, sig, slen, &valid),
                 isoIec23465_Success);
    cr_assert_eq(valid, 0);
}

Test(key, internal_authenticate_rsa_and_ec)
{
    login();
    isoIec23465_Handle *rsa = find("RSA signature key"), *ec = find("EC P-256 key");
    uint8_t challenge[16], out[256], rec[256];
    cr_assert_eq(RAND_bytes(challenge, sizeof challenge), 1);
    size_t olen = sizeof out;
    isoIec23465_Status st =
        isoIec23465_PrivateKey_internalAuthenticate(rsa, challenge, sizeof challenge, out, &olen);
    cr_assert_eq(st, isoIec23465_Success, "%s", last_message());
    cr_assert_eq(olen, 256);
    /* PKCS#1 v1.5 over the challenge as given: recovering it gives the challenge back */
    EVP_PKEY *k = exported(rsa);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    size_t rl = sizeof rec;
    cr_assert_eq(EVP_PKEY_verify_recover_init(ctx), 1);
    cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    cr_assert_eq(EVP_PKEY_verify_recover(ctx, rec, &rl, out, olen), 1);
    cr_assert_eq(rl, sizeof challenge);
    cr_assert_arr_eq(rec, challenge, rl);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    /* ECDSA over the challenge as a hash */
    olen = sizeof out;
    st = isoIec23465_PrivateKey_internalAuthenticate(ec, challenge, sizeof challenge, out, &olen);
    cr_assert_eq(st, isoIec23465_Success, "%s", last_message());
    cr_assert_eq(olen, 64);
    uint8_t der[80];
    size_t dl = ecdsa_der(out, olen, der);
    k = exported(ec);
    cr_assert_eq(ossl_verify(k, NULL, 0, challenge, sizeof challenge, der, dl), 1);
    EVP_PKEY_free(k);
}

/* ---- RSA encryption ---------------------------------------------------------------------------
 */

static size_t ossl_encrypt(EVP_PKEY *k, bool oaep, const uint8_t *in, size_t n, uint8_t *out)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    cr_assert_eq(EVP_PKEY_encrypt_init(ctx), 1);
    cr_assert_eq(
        EVP_PKEY_CTX_set_rsa_padding(ctx, oaep ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING), 1);
    if (oaep) {
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()), 1);
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()), 1);
    }
    size_t ol = 512;
    cr_assert_eq(EVP_PKEY_encrypt(ctx, out, &ol, in, n), 1);
    EVP_PKEY_CTX_free(ctx);
    return ol;
}

static size_t ossl_decrypt(EVP_PKEY *k, bool oaep, const uint8_t *in, size_t n, uint8_t *out)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    cr_assert_eq(EVP_PKEY_decrypt_init(ctx), 1);
    cr_assert_eq(
        EVP_PKEY_CTX_set_rsa_padding(ctx, oaep ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING), 1);
    if (oaep) {
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()), 1);
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()), 1);
    }
    size_t ol = 512;
    cr_assert_eq(EVP_PKEY_decrypt(ctx, out, &ol, in, n), 1);
    EVP_PKEY_CTX_free(ctx);
    return ol;
}

static void decrypt_round_trip(bool oaep)
{
    login();
    isoIec23465_Handle *key = find("RSA decryption key");
    isoIec23465_Mechanism m = oaep ? isoIec23465_MechRsaOaep : isoIec23465_MechRsaPkcs1V15;
    isoIec23465_Hash h = oaep ? isoIec23465_HashSha256 : isoIec23465_HashNone;
    uint8_t secret[48], ct[512], pt[256];
    cr_assert_eq(RAND_bytes(secret, sizeof secret), 1);
    EVP_PKEY *k = exported(key);
    size_t cl = ossl_encrypt(k, oaep, secret, sizeof secret, ct);
    cr_assert_eq(cl, 256);
    size_t pl = 0;
    cr_assert_eq(isoIec23465_PrivateKey_decrypt(key, m, h, ct, cl, NULL, &pl), isoIec23465_Success);
    cr_assert_geq(pl, sizeof secret, "size query gives an upper bound");
    pl = sizeof pt;
    isoIec23465_Status st = isoIec23465_PrivateKey_decrypt(key, m, h, ct, cl, pt, &pl);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    cr_assert_eq(pl, sizeof secret);
    cr_assert_arr_eq(pt, secret, pl);
    /* too small for the plaintext: BufferTooSmall with its length */
    size_t small = 10;
    cr_assert_eq(isoIec23465_PrivateKey_decrypt(key, m, h, ct, cl, pt, &small),
                 isoIec23465_BufferTooSmall);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, sizeof secret);
    cr_assert_eq(small, 10);
    EVP_PKEY_free(k);
}

Test(key, decrypt_rsa_pkcs1_round_trip_with_openssl)
{
    decrypt_round_trip(false);
}

Test(key, decrypt_rsa_oaep_sha256_round_trip_with_openssl)
{
    decrypt_round_trip(true);
}

Test(key, encrypt_on_the_card_decrypts_with_the_key_file)
{
    login();
    isoIec23465_Handle *key = find("RSA decryption key");
    isoIec23465_PublicKey *pub = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(key, &pub), isoIec23465_Success);
    EVP_PKEY *file = private_key("keys/rsa2048-decrypt.pem");
    for (int oaep = 0; oaep < 2; oaep++) {
        uint8_t secret[32], ct[256], pt[256];
        cr_assert_eq(RAND_bytes(secret, sizeof secret), 1);
        size_t cl = sizeof ct;
        isoIec23465_Status st = isoIec23465_PublicKey_encrypt(
            pub, oaep ? isoIec23465_MechRsaOaep : isoIec23465_MechRsaPkcs1V15,
            oaep ? isoIec23465_HashSha256 : isoIec23465_HashNone, secret, sizeof secret, ct, &cl);
        cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st),
                     last_message());
        cr_assert_eq(cl, 256);
        size_t pl = ossl_decrypt(file, oaep, ct, cl, pt);
        cr_assert_eq(pl, sizeof secret);
        cr_assert_arr_eq(pt, secret, pl);
    }
    EVP_PKEY_free(file);
}

/* ---- ECDH ------------------------------------------------------------------------------------ */

Test(key, ecdh_matches_openssl_on_both_sides)
{
    login();
    isoIec23465_Handle *key = find("EC P-256 key");
    EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    cr_assert(eph);
    uint8_t point[65];
    size_t plen = 0;
    cr_assert_eq(
        EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &plen),
        1);
    cr_assert_eq(plen, 65);
    uint8_t card[32], host[32];
    size_t cl = sizeof card;
    isoIec23465_Status st = isoIec23465_PrivateKey_deriveSharedSecret(key, point, plen, card, &cl);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    cr_assert_eq(cl, 32);
    EVP_PKEY *peer = exported(key);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(eph, NULL);
    size_t hl = sizeof host;
    cr_assert_eq(EVP_PKEY_derive_init(ctx), 1);
    cr_assert_eq(EVP_PKEY_derive_set_peer(ctx, peer), 1);
    cr_assert_eq(EVP_PKEY_derive(ctx, host, &hl), 1);
    cr_assert_eq(hl, 32);
    cr_assert_arr_eq(card, host, 32);
    /* a point off the curve: the card refuses it (6A80) */
    point[40] ^= 1;
    cl = sizeof card;
    cr_assert_eq(isoIec23465_PrivateKey_deriveSharedSecret(key, point, plen, card, &cl),
                 isoIec23465_SecurityDeviceError);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(eph);
}

/* ---- AES ------------------------------------------------------------------------------------- */

static size_t ossl_aes(const EVP_CIPHER *cipher, int enc, const uint8_t *key, const uint8_t *iv,
                       const uint8_t *in, size_t n, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    cr_assert_eq(EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc), 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    cr_assert_eq(EVP_CipherUpdate(ctx, out, &l1, in, (int)n), 1);
    cr_assert_eq(EVP_CipherFinal_ex(ctx, out + l1, &l2), 1);
    EVP_CIPHER_CTX_free(ctx);
    return (size_t)(l1 + l2);
}

static void aes_check(isoIec23465_Mechanism m)
{
    login();
    isoIec23465_Handle *key = find("AES-128 key");
    size_t kl;
    uint8_t *aes = read_file("keys/aes128.bin", &kl);
    cr_assert_eq(kl, 16);
    bool cbc = m == isoIec23465_MechAesCbc;
    uint8_t iv[16], pt[64], ct[64], want[64], back[64];
    cr_assert_eq(RAND_bytes(iv, sizeof iv), 1);
    cr_assert_eq(RAND_bytes(pt, sizeof pt), 1);
    const EVP_CIPHER *cipher = cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
    size_t cl = sizeof ct;
    isoIec23465_Status st = isoIec23465_SecretKey_encrypt(key, m, cbc ? iv : NULL, cbc ? 16 : 0, pt,
                                                          sizeof pt, ct, &cl);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    cr_assert_eq(cl, sizeof pt);
    cr_assert_eq(ossl_aes(cipher, 1, aes, cbc ? iv : NULL, pt, sizeof pt, want), sizeof pt);
    cr_assert_arr_eq(ct, want, cl, "card and OpenSSL differ");
    size_t bl = sizeof back;
    st = isoIec23465_SecretKey_decrypt(key, m, cbc ? iv : NULL, cbc ? 16 : 0, ct, cl, back, &bl);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    cr_assert_eq(bl, sizeof pt);
    cr_assert_arr_eq(back, pt, bl);
    free(aes);
}

Test(key, aes_cbc_matches_openssl_and_round_trips)
{
    aes_check(isoIec23465_MechAesCbc);
}

Test(key, aes_ecb_matches_openssl_and_round_trips)
{
    aes_check(isoIec23465_MechAesEcb);
}

Test(key, aes_refuses_partial_blocks_and_bad_iv_before_any_apdu)
{
    isoIec23465_Handle *key = find("AES-128 key");
    uint8_t iv[16] = {0}, in[20] = {0}, out[32];
    size_t ol = sizeof out;
    cr_assert_eq(
        isoIec23465_SecretKey_encrypt(key, isoIec23465_MechAesEcb, NULL, 0, in, 20, out, &ol),
        isoIec23465_IllegalArgument);
    cr_assert_eq(
        isoIec23465_SecretKey_encrypt(key, isoIec23465_MechAesCbc, iv, 8, in, 16, out, &ol),
        isoIec23465_IllegalArgument);
    cr_assert_eq(
        isoIec23465_SecretKey_encrypt(key, isoIec23465_MechAesEcb, iv, 16, in, 16, out, &ol),
        isoIec23465_IllegalArgument);
    cr_assert_eq(n_apdus, 0);
}

Test(key, cmac_matches_openssl_and_verify_mac_says_true_and_false)
{
    login();
    isoIec23465_Handle *key = find("AES-128 key");
    size_t kl;
    uint8_t *aes = read_file("keys/aes128.bin", &kl);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("cipher", "AES-128-CBC", 0),
                           OSSL_PARAM_construct_end()};
    uint8_t want[16], got[16];
    size_t wl = 0;
    cr_assert_eq(EVP_MAC_init(ctx, aes, kl, params), 1);
    cr_assert_eq(EVP_MAC_update(ctx, (const uint8_t *)msg, sizeof msg - 1), 1);
    cr_assert_eq(EVP_MAC_final(ctx, want, &wl, sizeof want), 1);
    size_t gl = sizeof got;
    isoIec23465_Status st = isoIec23465_SecretKey_computeMac(
        key, isoIec23465_MechAesCmac, (const uint8_t *)msg, sizeof msg - 1, got, &gl);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    cr_assert_eq(gl, 16);
    cr_assert_arr_eq(got, want, 16);
    int valid = -1;
    cr_assert_eq(isoIec23465_SecretKey_verifyMac(key, isoIec23465_MechAesCmac, (const uint8_t *)msg,
                                                 sizeof msg - 1, want, 16, &valid),
                 isoIec23465_Success, "%s", last_message());
    cr_assert_eq(valid, 1);
    cr_assert_eq(isoIec23465_SecretKey_verifyMac(key, isoIec23465_MechAesCmac, (const uint8_t *)msg,
                                                 sizeof msg - 1, want, 8, &valid),
                 isoIec23465_Success);
    cr_assert_eq(valid, 1, "a truncated MAC is compared with the leading bytes");
    want[3] ^= 0x80;
    cr_assert_eq(isoIec23465_SecretKey_verifyMac(key, isoIec23465_MechAesCmac, (const uint8_t *)msg,
                                                 sizeof msg - 1, want, 16, &valid),
                 isoIec23465_Success);
    cr_assert_eq(valid, 0);
    size_t before = n_apdus;
    cr_assert_eq(isoIec23465_SecretKey_verifyMac(key, isoIec23465_MechAesCmac, (const uint8_t *)msg,
                                                 sizeof msg - 1, want, 3, &valid),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(n_apdus, before);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    free(aes);
}

Test(key, apdus_of_sign_decrypt_derive_and_aes)
{
    login();
    uint8_t h[32] = {0}, sig[256], ct[256], pt[256];
    size_t first = n_apdus, sl = sizeof sig;
    sign_ok(find("RSA signature key"), isoIec23465_MechRsaPkcs1V15, isoIec23465_HashSha256, h, 32,
            sig, &sl);
    cr_assert_eq(n_apdus - first, 2, "MSE SET and PSO only");
    assert_sent(first, 0, "00 22 41 B6 06 80 01 13 84 01 01");
    assert_sent(first, 1, "00 2A 9E 9A 20");
    /* 257 data bytes: extended Lc (the reference card offers extended length) */
    isoIec23465_Handle *dec = find("RSA decryption key");
    EVP_PKEY *k = exported(dec);
    size_t cl = ossl_encrypt(k, false, h, 16, ct);
    EVP_PKEY_free(k);
    size_t pl = sizeof pt;
    first = n_apdus;
    cr_assert_eq(isoIec23465_PrivateKey_decrypt(dec, isoIec23465_MechRsaPkcs1V15,
                                                isoIec23465_HashNone, ct, cl, pt, &pl),
                 isoIec23465_Success);
    assert_sent(first, 0, "00 22 41 B8 06 80 01 30 84 01 02");
    assert_sent(first, 1, "00 2A 80 86 00 01 01 00");
    /* ECDH: KAT, then GENERAL AUTHENTICATE 7C { 85 point, 82 00 } */
    isoIec23465_Handle *ec = find("EC P-256 key");
    isoIec23465_PublicKey *pub = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(ec, &pub), isoIec23465_Success);
    uint8_t spki[128];
    size_t spki_len = sizeof spki;
    cr_assert_eq(isoIec23465_PublicKey_export(pub, spki, &spki_len), isoIec23465_Success);
    uint8_t secret[32];
    size_t sl2 = sizeof secret;
    first = n_apdus;
    cr_assert_eq(
        isoIec23465_PrivateKey_deriveSharedSecret(ec, spki + spki_len - 65, 65, secret, &sl2),
        isoIec23465_Success, "%s", last_message());
    assert_sent(first, 0, "00 22 41 A6 06 80 01 48 84 01 03");
    assert_sent(first, 1, "00 86 00 00 47 7C 45 85 41 04");
    cr_assert_eq(sent[first + 1][5 + 2 + 2 + 65], 0x82);
    /* AES-CBC: the IV in tag 87 of the CT */
    uint8_t iv[16], in[16] = {0}, out[16];
    memset(iv, 0xA5, sizeof iv);
    size_t ol = sizeof out;
    first = n_apdus;
    cr_assert_eq(isoIec23465_SecretKey_encrypt(find("AES-128 key"), isoIec23465_MechAesCbc, iv, 16,
                                               in, 16, out, &ol),
                 isoIec23465_Success);
    assert_sent(first, 0, "00 22 81 B8 18 80 01 81 83 01 04 87 10 A5 A5");
    assert_sent(first, 1, "00 2A 86 80 10");
}

Test(key, export_of_an_empty_slot_is_reference_data_not_usable)
{
    isoIec23465_PublicKey *pub = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(find("Generated key"), &pub),
                 isoIec23465_Success);
    uint8_t der[256];
    size_t dl = sizeof der;
    size_t first = n_apdus;
    cr_assert_eq(isoIec23465_PublicKey_export(pub, der, &dl), isoIec23465_ReferenceDataNotUsable);
    assert_sent(first, 0, "00 46 81 05");
    cr_assert_eq(dl, sizeof der);
}

/* Writes a copy of the reference profile with `insert` after the line `anchor` into a file of
 * /tmp; *path receives its name. */
static void profile_with(const char *anchor, const char *insert, char *path, size_t cap)
{
    size_t n;
    char *yaml = read_file("profiles/default.yaml", &n);
    char *text = malloc(n + 1);
    memcpy(text, yaml, n);
    text[n] = 0;
    char *at = strstr(text, anchor);
    cr_assert(at, "profile changed: no line '%s'", anchor);
    at += strlen(anchor);
    static unsigned serial;
    snprintf(path, cap, "/tmp/test-key-%d-%u.yaml", (int)getpid(), serial++);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fwrite(text, 1, (size_t)(at - text), f);
    fputs(insert, f);
    fputs(at, f);
    fclose(f);
    free(text);
    free(yaml);
}

/* Reconnects the test's device to the profile at `path` (removed after loading). */
static void reconnect(const char *path)
{
    char spec[300];
    snprintf(spec, sizeof spec, "emu:%s", path);
    isoIec23465_disconnectSecurityDevice(dev);
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    unlink(path);
    cr_assert_eq(st, isoIec23465_Success, "%s", last_message());
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    wrap_transport();
}

Test(key, key_inside_an_application_is_used_after_selecting_it)
{
    /* an AES key with the DF-specific reference 81 in the application DF 5000, guarded by the
     * application PIN "app" */
    char path[256];
    profile_with(
        "      access: {delete: so}\n",
        "      keys:\n"
        "        - {ref: 0x81, label: \"App AES key\", type: aes,\n"
        "           key: \"00112233445566778899aabbccddeeff\", usage: [encrypt, decrypt],\n"
        "           algorithms: [aes-ecb], access: {use: app}}\n",
        path, sizeof path);
    reconnect(path);
    isoIec23465_Handle *key = find("App AES key");
    uint8_t in[16] = {1, 2, 3}, out[16], want[16];
    size_t ol = sizeof out;
    /* without the application PIN: the card finds the key (its DF was selected) and refuses */
    size_t first = n_apdus;
    cr_assert_eq(
        isoIec23465_SecretKey_encrypt(key, isoIec23465_MechAesEcb, NULL, 0, in, 16, out, &ol),
        isoIec23465_SecurityStatusNotSatisfied, "%s", last_message());
    assert_sent(first, 0, "00 A4 04 0C 0C A0 00 00 09 99 53 44 54 45 53 54 01");
    assert_sent(first, 1, "00 22 81 B8 06 80 01 80 83 01 81");
    static const uint8_t app_pin[] = {'4', '3', '2', '1'};
    isoIec23465_Object *app = find("app");
    isoIec23465_Status st = isoIec23465_Password_verify(app, app_pin, sizeof app_pin);
    cr_assert_eq(st, isoIec23465_Success, "%s", last_message());
    st = isoIec23465_SecretKey_encrypt(key, isoIec23465_MechAesEcb, NULL, 0, in, 16, out, &ol);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    static const uint8_t k[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    cr_assert_eq(ossl_aes(EVP_aes_128_ecb(), 1, k, NULL, in, 16, want), 16);
    cr_assert_arr_eq(out, want, 16);
}

Test(key, rsa_generation_and_a_device_answering_ecdsa_in_der)
{
    /* Two more keys, discovered through 7816-15: an RSA-2048 pair the card may regenerate, and
     * an EC key whose only ECDSA reference (41) answers DER; a description of this card that
     * maps ECDSA to 41. */
    char path[256], dir[64];
    profile_with("  keys:\n",
                 "    - {ref: 0x06, label: \"RSA slot\", type: rsa, generate: true,\n"
                 "       usage: [sign, verify, generate], algorithms: [rsa-pkcs1-sha256],\n"
                 "       access: {use: user, generate: user}}\n"
                 "    - {ref: 0x07, label: \"EC DER key\", type: ec, generate: true,\n"
                 "       usage: [sign, verify], algorithms: [ecdsa-der], access: {use: user}}\n",
                 path, sizeof path);
    snprintf(dir, sizeof dir, "/tmp/test-key-dev-%d", (int)getpid());
    cr_assert_eq(mkdir(dir, 0700), 0);
    char desc[128];
    snprintf(desc, sizeof desc, "%s/card.yaml", dir);
    FILE *f = fopen(desc, "w");
    cr_assert(f);
    fputs("name: key test card\n"
          "match: {atr: \"3B\", aid: \"A0 00 00 09 99 53 44 54 45 53 54 01\"}\n"
          "algorithms:\n"
          "  - {mechanism: rsa-pkcs1, hash: sha256, reference: 0x13, usage: [sign, verify]}\n"
          "  - {mechanism: ecdsa, hash: sha256, reference: 0x41, usage: [sign, verify]}\n",
          f);
    fclose(f);
    setenv("SDPROXY_DEVICES", dir, 1);
    reconnect(path);
    unlink(desc);
    rmdir(dir);
    login();

    isoIec23465_Handle *rsa = find("RSA slot");
    EVP_PKEY *before = exported(rsa);
    isoIec23465_PublicKey *pub = NULL;
    isoIec23465_Status st = isoIec23465_AsymmetricKey_generateKeyPair(rsa, &pub);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    uint8_t der[600];
    size_t dl = sizeof der;
    size_t first = n_apdus;
    EVP_PKEY *k = spki_of(pub, der, &dl);
    assert_sent(first, 0, "00 46 81 06 00"); /* 7F49 of RSA-2048: extended Le (00 xx xx) */
    cr_assert_eq(EVP_PKEY_get_base_id(k), EVP_PKEY_RSA);
    cr_assert_eq(EVP_PKEY_get_bits(k), 2048);
    cr_assert_neq(EVP_PKEY_eq(k, before), 1, "a new pair");
    uint8_t h[32], sig[256];
    sha256(msg, sizeof msg - 1, h);
    size_t sl = sizeof sig;
    sign_ok(rsa, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashSha256, h, 32, sig, &sl);
    cr_assert_eq(ossl_verify(k, EVP_sha256(), RSA_PKCS1_PADDING, h, 32, sig, sl), 1);

    isoIec23465_Handle *ec = find("EC DER key");
    first = n_apdus;
    sl = 64;
    sign_ok(ec, isoIec23465_MechEcdsa, isoIec23465_HashSha256, h, 32, sig, &sl);
    assert_sent(first, 0, "00 22 41 B6 06 80 01 41 84 01 07");
    cr_assert_eq(sl, 64, "DER answer returned as plain r || s");
    uint8_t sder[80];
    size_t n = ecdsa_der(sig, sl, sder);
    EVP_PKEY *ek = exported(ec);
    cr_assert_eq(ossl_verify(ek, NULL, 0, h, 32, sder, n), 1);
    EVP_PKEY_free(ek);
    EVP_PKEY_free(k);
    EVP_PKEY_free(before);
}

Test(key, secret_key_generate_is_not_offered)
{
    isoIec23465_Handle *key = find("AES-128 key");
    cr_assert_eq(isoIec23465_SecretKey_generate(key), isoIec23465_FunctionNotImplemented);
    cr_assert_eq(n_apdus, 0);
}

/* ---- Generation ------------------------------------------------------------------------------ */

Test(key, generate_key_pair_then_sign_and_verify_with_the_new_key)
{
    login();
    isoIec23465_Handle *key = find("Generated key");
    isoIec23465_PublicKey *pub = NULL;
    isoIec23465_Status st = isoIec23465_AsymmetricKey_generateKeyPair(key, &pub);
    cr_assert_eq(st, isoIec23465_Success, "%s: %s", isoIec23465_statusToString(st), last_message());
    uint8_t der[256];
    size_t dl = sizeof der;
    EVP_PKEY *k = spki_of(pub, der, &dl);
    cr_assert_eq(EVP_PKEY_get_base_id(k), EVP_PKEY_EC);
    cr_assert_eq(EVP_PKEY_get_bits(k), 256);
    uint8_t h[32], sig[64], sder[80];
    sha256(msg, sizeof msg - 1, h);
    size_t sl = sizeof sig;
    sign_ok(key, isoIec23465_MechEcdsa, isoIec23465_HashSha256, h, 32, sig, &sl);
    size_t n = ecdsa_der(sig, sl, sder);
    cr_assert_eq(ossl_verify(k, NULL, 0, h, 32, sder, n), 1, "signature of the new key");
    /* getPublicKey gives the same new key; a second generation gives another one */
    EVP_PKEY *again = exported(key);
    cr_assert_eq(EVP_PKEY_eq(k, again), 1);
    isoIec23465_PublicKey *pub2 = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_generateKeyPair(key, &pub2), isoIec23465_Success);
    uint8_t der2[256];
    size_t dl2 = sizeof der2;
    EVP_PKEY *k2 = spki_of(pub2, der2, &dl2);
    cr_assert_neq(EVP_PKEY_eq(k, k2), 1, "a new pair each time");
    EVP_PKEY_free(k2);
    EVP_PKEY_free(again);
    EVP_PKEY_free(k);
}

Test(key, generate_without_pin_is_refused_by_the_card)
{
    isoIec23465_PublicKey *pub = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_generateKeyPair(find("Generated key"), &pub),
                 isoIec23465_SecurityStatusNotSatisfied);
    cr_assert_null(pub);
}

/* ---- Negative cases -------------------------------------------------------------------------- */

Test(key, sign_without_pin_is_security_status_not_satisfied)
{
    isoIec23465_Handle *key = find("RSA signature key");
    uint8_t h[32] = {0}, sig[256];
    size_t sl = sizeof sig;
    cr_assert_eq(isoIec23465_PrivateKey_sign(key, isoIec23465_MechRsaPkcs1V15,
                                             isoIec23465_HashSha256, h, 32, sig, &sl),
                 isoIec23465_SecurityStatusNotSatisfied);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.hasStatusWord, 1);
    cr_assert_eq(d.statusWord, 0x6982);
    cr_assert_eq(sl, sizeof sig, "out-parameter untouched");
    uint8_t ct[256] = {1};
    size_t pl = sizeof ct;
    cr_assert_eq(isoIec23465_PrivateKey_decrypt(find("RSA decryption key"),
                                                isoIec23465_MechRsaPkcs1V15, isoIec23465_HashNone,
                                                ct, 256, ct, &pl),
                 isoIec23465_SecurityStatusNotSatisfied);
    uint8_t mac[16];
    size_t ml = sizeof mac;
    cr_assert_eq(isoIec23465_SecretKey_computeMac(find("AES-128 key"), isoIec23465_MechAesCmac, h,
                                                  32, mac, &ml),
                 isoIec23465_SecurityStatusNotSatisfied);
}

Test(key, wrong_mechanism_for_the_key_before_any_apdu)
{
    login();
    size_t before = n_apdus;
    isoIec23465_Handle *rsa = find("RSA signature key"), *dec = find("RSA decryption key");
    uint8_t h[64] = {0}, sig[512];
    size_t sl = sizeof sig;
    /* another key type's mechanism, or one that is no signature: IllegalArgument */
    cr_assert_eq(isoIec23465_PrivateKey_sign(rsa, isoIec23465_MechEcdsa, isoIec23465_HashSha256, h,
                                             32, sig, &sl),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_PrivateKey_sign(rsa, isoIec23465_MechRsaOaep, isoIec23465_HashSha256,
                                             h, 32, sig, &sl),
                 isoIec23465_IllegalArgument);
    /* the device lists no RSA-PSS with SHA-512 for this key: FunctionNotImplemented */
    cr_assert_eq(isoIec23465_PrivateKey_sign(rsa, isoIec23465_MechRsaPss, isoIec23465_HashSha512, h,
                                             64, sig, &sl),
                 isoIec23465_FunctionNotImplemented);
    /* signing with a decryption key: outside its usage */
    cr_assert_eq(isoIec23465_PrivateKey_sign(dec, isoIec23465_MechRsaPkcs1V15,
                                             isoIec23465_HashSha256, h, 32, sig, &sl),
                 isoIec23465_FunctionNotImplemented);
    cr_assert_eq(n_apdus, before, "no APDU for a wrong mechanism");
    cr_assert_eq(sl, sizeof sig);
}

Test(key, public_key_operations_the_device_does_not_offer_for_the_key)
{
    login();
    isoIec23465_PublicKey *dec = NULL, *sig = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(find("RSA decryption key"), &dec),
                 isoIec23465_Success);
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(find("RSA signature key"), &sig),
                 isoIec23465_Success);
    size_t before = n_apdus;
    uint8_t h[32] = {0}, s[256] = {0}, out[256];
    int valid = -1;
    cr_assert_eq(isoIec23465_PublicKey_verify(dec, isoIec23465_MechRsaPkcs1V15,
                                              isoIec23465_HashSha256, h, 32, s, 256, &valid),
                 isoIec23465_FunctionNotImplemented);
    cr_assert(strstr(last_message(), "not for verification"), "%s", last_message());
    size_t ol = sizeof out;
    cr_assert_eq(isoIec23465_PublicKey_encrypt(sig, isoIec23465_MechRsaPkcs1V15,
                                               isoIec23465_HashNone, h, 32, out, &ol),
                 isoIec23465_FunctionNotImplemented);
    cr_assert(strstr(last_message(), "not for encryption"), "%s", last_message());
    cr_assert_eq(valid, -1);
    cr_assert_eq(n_apdus, before);
}

Test(key, wrong_hash_length_before_any_apdu)
{
    login();
    size_t before = n_apdus;
    uint8_t h[64] = {0}, sig[256];
    size_t sl = sizeof sig;
    cr_assert_eq(isoIec23465_PrivateKey_sign(find("RSA signature key"), isoIec23465_MechRsaPkcs1V15,
                                             isoIec23465_HashSha256, h, 31, sig, &sl),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_PrivateKey_sign(find("EC P-256 key"), isoIec23465_MechEcdsa,
                                             isoIec23465_HashSha384, h, 32, sig, &sl),
                 isoIec23465_IllegalArgument);
    int valid = -1;
    isoIec23465_PublicKey *pub = NULL;
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(find("RSA signature key"), &pub),
                 isoIec23465_Success);
    cr_assert_eq(isoIec23465_PublicKey_verify(pub, isoIec23465_MechRsaPss, isoIec23465_HashSha256,
                                              h, 33, sig, 256, &valid),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(valid, -1);
    cr_assert_eq(n_apdus, before);
}

Test(key, buffer_too_small_before_any_apdu)
{
    login();
    size_t before = n_apdus;
    uint8_t h[32] = {0}, sig[255];
    size_t sl = sizeof sig;
    cr_assert_eq(isoIec23465_PrivateKey_sign(find("RSA signature key"), isoIec23465_MechRsaPkcs1V15,
                                             isoIec23465_HashSha256, h, 32, sig, &sl),
                 isoIec23465_BufferTooSmall);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, 256);
    cr_assert_eq(sl, sizeof sig);
    sl = 63;
    cr_assert_eq(isoIec23465_PrivateKey_sign(find("EC P-256 key"), isoIec23465_MechEcdsa,
                                             isoIec23465_HashSha256, h, 32, sig, &sl),
                 isoIec23465_BufferTooSmall);
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, 64);
    cr_assert_eq(n_apdus, before);
}

Test(key, stale_handle_is_illegal_state)
{
    isoIec23465_Handle *key = find("RSA signature key");
    isoIec23465_Object_release(key);
    isoIec23465_KeyType t;
    cr_assert_eq(isoIec23465_Key_getKeyType(key, &t), isoIec23465_IllegalState);
    uint8_t h[32] = {0}, sig[256];
    size_t sl = sizeof sig;
    cr_assert_eq(isoIec23465_PrivateKey_sign(key, isoIec23465_MechRsaPkcs1V15,
                                             isoIec23465_HashSha256, h, 32, sig, &sl),
                 isoIec23465_IllegalState);
    cr_assert_eq(n_apdus, 0);
}

Test(key, wrong_class_is_illegal_argument)
{
    isoIec23465_Handle *dc = find("public-256"), *pub = NULL;
    isoIec23465_KeyType t;
    cr_assert_eq(isoIec23465_Key_getKeyType(dc, &t), isoIec23465_IllegalArgument);
    uint8_t h[32] = {0}, sig[256];
    size_t sl = sizeof sig;
    cr_assert_eq(isoIec23465_PrivateKey_sign(dc, isoIec23465_MechRsaPkcs1V15,
                                             isoIec23465_HashSha256, h, 32, sig, &sl),
                 isoIec23465_IllegalArgument);
    /* a secret key is no private key, a private key no public key */
    cr_assert_eq(isoIec23465_PrivateKey_sign(find("AES-128 key"), isoIec23465_MechRsaPkcs1V15,
                                             isoIec23465_HashSha256, h, 32, sig, &sl),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_PublicKey_export(find("RSA signature key"), sig, &sl),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_AsymmetricKey_getPublicKey(dc, &pub), isoIec23465_IllegalArgument);
    cr_assert_eq(n_apdus, 0);
}
