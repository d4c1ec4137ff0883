/* Semantic checks of the case interpreter, done with OpenSSL on the host: what the device
 * produced is judged by what it means (a signature verifies under the exported public key, a
 * ciphertext made here decrypts on the card), not by its bytes. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdc_case.h"

/* The bytes of argument `key` (the case fails when absent). */
static sdc_val sdc_bytes(const char *key)
{
    sdc_val v;
    bool is_null;
    sdc_arg_bytes(key, &v, &is_null);
    if (is_null)
        sdc_case_fail("'%s' may not be null in a check", key);
    return v;
}

static EVP_PKEY *sdc_spki(const sdc_val *der)
{
    const unsigned char *p = der->b;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)der->n);
    if (!k || p != der->b + der->n)
        sdc_case_fail("not a DER SubjectPublicKeyInfo (%zu bytes)", der->n);
    return k;
}

static const EVP_MD *sdc_md(isoIec23465_Hash h)
{
    switch (h) {
    case isoIec23465_HashSha256:
        return EVP_sha256();
    case isoIec23465_HashSha384:
        return EVP_sha384();
    case isoIec23465_HashSha512:
        return EVP_sha512();
    default:
        return NULL;
    }
}

static void sdc_save(const sdc_val *v)
{
    const char *name = sdc_arg_text("save");
    if (name)
        sdc_var_set(name, v);
}

/* An ECDSA signature as plain r || s (each the field size: the binding's form) becomes DER
 * SEQUENCE { r, s } for OpenSSL; one of another length is taken as DER already (a first byte
 * 30 alone proves nothing: one plain signature in 256 starts with it). */
static sdc_val sdc_ecdsa_der(const sdc_val *sig, const EVP_PKEY *key)
{
    sdc_val out = {.kind = SDC_BYTES};
    size_t field = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
    if (sig->n != 2 * field) {
        out.b = malloc(sig->n);
        memcpy(out.b, sig->b, sig->n);
        out.n = sig->n;
        return out;
    }
    if (sig->n == 0 || sig->n % 2)
        sdc_case_fail("ECDSA signature of %zu bytes is neither DER nor r||s", sig->n);
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig->b, (int)(sig->n / 2), NULL);
    BIGNUM *t = BN_bin2bn(sig->b + sig->n / 2, (int)(sig->n / 2), NULL);
    if (!s || !r || !t || ECDSA_SIG_set0(s, r, t) != 1)
        sdc_case_fail("out of memory");
    unsigned char *der = NULL;
    int n = i2d_ECDSA_SIG(s, &der);
    ECDSA_SIG_free(s);
    if (n <= 0)
        sdc_case_fail("ECDSA signature not encodable");
    out.b = malloc((size_t)n);
    memcpy(out.b, der, (size_t)n);
    out.n = (size_t)n;
    OPENSSL_free(der);
    return out;
}

/* signature: spki, mechanism, hash, message (hashed here) or hashValue, signature. */
static void sdc_check_signature(void)
{
    sdc_val spki = sdc_bytes("spki"), sig = sdc_bytes("signature");
    isoIec23465_Mechanism mech =
        (isoIec23465_Mechanism)sdc_arg_enum("mechanism", sdc_enum_mechanism, 0);
    isoIec23465_Hash hash = (isoIec23465_Hash)sdc_arg_enum("hash", sdc_enum_hash, 0);
    const EVP_MD *md = sdc_md(hash);
    sdc_val hv;
    if (sdc_arg_has("message")) {
        if (!md)
            sdc_case_fail("'message' needs a hash");
        sdc_val msg = sdc_bytes("message");
        hv.kind = SDC_BYTES;
        hv.b = malloc(EVP_MAX_MD_SIZE);
        unsigned n = 0;
        if (!hv.b || EVP_Digest(msg.b, msg.n, hv.b, &n, md, NULL) != 1)
            sdc_case_fail("digest failed");
        hv.n = n;
        sdc_val_free(&msg);
    } else {
        hv = sdc_bytes("hashValue");
    }
    EVP_PKEY *key = sdc_spki(&spki);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    if (!ctx || EVP_PKEY_verify_init(ctx) != 1)
        sdc_case_fail("OpenSSL cannot verify with this key");
    sdc_val s = sig;
    bool own = false;
    if (mech == isoIec23465_MechEcdsa) {
        s = sdc_ecdsa_der(&sig, key);
        own = true;
    } else if (mech == isoIec23465_MechRsaPss) {
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST);
    } else if (mech == isoIec23465_MechRsaPkcs1V15) {
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
    } else {
        sdc_case_fail("mechanism %d is not a signature mechanism", (int)mech);
    }
    if (md)
        EVP_PKEY_CTX_set_signature_md(ctx, md);
    int ok = EVP_PKEY_verify(ctx, s.b, s.n, hv.b, hv.n);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    if (own)
        sdc_val_free(&s);
    sdc_val_free(&hv);
    sdc_val_free(&spki);
    sdc_val_free(&sig);
    if (ok != 1)
        sdc_case_fail("the signature does not verify under the exported public key");
}

/* encrypt: spki, mechanism RsaPkcs1V15 | RsaOaep (hash, default Sha256), plaintext -> save. */
static void sdc_check_encrypt(void)
{
    sdc_val spki = sdc_bytes("spki"), pt = sdc_bytes("plaintext");
    isoIec23465_Mechanism mech =
        (isoIec23465_Mechanism)sdc_arg_enum("mechanism", sdc_enum_mechanism, 0);
    EVP_PKEY *key = sdc_spki(&spki);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    if (!ctx || EVP_PKEY_encrypt_init(ctx) != 1)
        sdc_case_fail("OpenSSL cannot encrypt to this key");
    if (mech == isoIec23465_MechRsaOaep) {
        const EVP_MD *md =
            sdc_md((isoIec23465_Hash)sdc_arg_enum("hash", sdc_enum_hash, isoIec23465_HashSha256));
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING);
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md);
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md);
    } else {
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
    }
    size_t n = 0;
    sdc_val ct = {.kind = SDC_BYTES};
    if (EVP_PKEY_encrypt(ctx, NULL, &n, pt.b, pt.n) != 1 || !(ct.b = malloc(n)) ||
        EVP_PKEY_encrypt(ctx, ct.b, &n, pt.b, pt.n) != 1)
        sdc_case_fail("OpenSSL encryption failed");
    ct.n = n;
    sdc_save(&ct);
    sdc_val_free(&ct);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    sdc_val_free(&spki);
    sdc_val_free(&pt);
}

/* ecdh_peer: spki of an EC key -> an ephemeral key on its curve; saves <save> (the peer's
 * uncompressed point) and <save>_secret (the shared secret as OpenSSL computes it). */
static void sdc_check_ecdh_peer(void)
{
    sdc_val spki = sdc_bytes("spki");
    EVP_PKEY *card = sdc_spki(&spki);
    char group[64];
    size_t gl = 0;
    if (EVP_PKEY_get_utf8_string_param(card, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &gl) != 1)
        sdc_case_fail("not an EC public key");
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    if (!peer)
        sdc_case_fail("OpenSSL cannot make a key on %s", group);
    sdc_val point = {.kind = SDC_BYTES};
    size_t pl = 0;
    EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, NULL, 0, &pl);
    point.b = malloc(pl ? pl : 1);
    if (!point.b ||
        EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, point.b, pl, &pl) != 1)
        sdc_case_fail("no public point");
    point.n = pl;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(peer, NULL);
    sdc_val secret = {.kind = SDC_BYTES};
    size_t sl = 0;
    if (!ctx || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, card) != 1 ||
        EVP_PKEY_derive(ctx, NULL, &sl) != 1 || !(secret.b = malloc(sl)) ||
        EVP_PKEY_derive(ctx, secret.b, &sl) != 1)
        sdc_case_fail("OpenSSL ECDH failed");
    secret.n = sl;
    const char *name = sdc_arg_text("save");
    if (!name)
        sdc_case_fail("ecdh_peer needs 'save'");
    char k[80];
    snprintf(k, sizeof k, "%s_secret", name);
    sdc_var_set(name, &point);
    sdc_var_set(k, &secret);
    sdc_val_free(&point);
    sdc_val_free(&secret);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(card);
    sdc_val_free(&spki);
}

/* x509: der parses as one certificate; with spki, its public key is that one. */
static void sdc_check_x509(void)
{
    sdc_val der = sdc_bytes("der");
    const unsigned char *p = der.b;
    X509 *x = d2i_X509(NULL, &p, (long)der.n);
    if (!x || p != der.b + der.n)
        sdc_case_fail("not exactly one DER X.509 certificate (%zu bytes)", der.n);
    if (sdc_arg_has("spki")) {
        sdc_val spki = sdc_bytes("spki");
        unsigned char *mine = NULL;
        int n = i2d_PUBKEY(X509_get0_pubkey(x), &mine);
        bool same = n > 0 && (size_t)n == spki.n && memcmp(mine, spki.b, spki.n) == 0;
        OPENSSL_free(mine);
        sdc_val_free(&spki);
        if (!same)
            sdc_case_fail("the certificate's public key is not the exported one");
    }
    X509_free(x);
    sdc_val_free(&der);
}

/* aes: key, mechanism AesCbc | AesEcb | AesCmac, iv, in, decrypt: true -> save / equals. */
static void sdc_check_aes(void)
{
    sdc_val key = sdc_bytes("key"), in = sdc_bytes("in");
    isoIec23465_Mechanism mech =
        (isoIec23465_Mechanism)sdc_arg_enum("mechanism", sdc_enum_mechanism, 0);
    sdc_val out = {.kind = SDC_BYTES};
    out.b = malloc(in.n + 32);
    if (!out.b)
        sdc_case_fail("out of memory");
    if (key.n != 16 && key.n != 32)
        sdc_case_fail("AES key of %zu bytes", key.n);
    if (mech == isoIec23465_MechAesCmac) {
        size_t n = 0;
        char cipher[] = "AES-128-CBC";
        if (key.n == 32)
            memcpy(cipher, "AES-256-CBC", sizeof cipher);
        if (!EVP_Q_mac(NULL, "CMAC", NULL, cipher, NULL, key.b, key.n, in.b, in.n, out.b, in.n + 32,
                       &n))
            sdc_case_fail("OpenSSL CMAC failed");
        out.n = n;
    } else {
        const EVP_CIPHER *c = mech == isoIec23465_MechAesCbc
                                  ? (key.n == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc())
                                  : (key.n == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb());
        uint8_t zero[16] = {0};
        sdc_val iv = {0};
        if (sdc_arg_has("iv"))
            iv = sdc_bytes("iv");
        const char *d = sdc_arg_text("decrypt");
        int enc = !(d && strcmp(d, "true") == 0);
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        int n1 = 0, n2 = 0;
        if (!ctx || EVP_CipherInit_ex(ctx, c, NULL, key.b, iv.n ? iv.b : zero, enc) != 1 ||
            EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
            EVP_CipherUpdate(ctx, out.b, &n1, in.b, (int)in.n) != 1 ||
            EVP_CipherFinal_ex(ctx, out.b + n1, &n2) != 1)
            sdc_case_fail("OpenSSL AES failed (whole blocks?)");
        out.n = (size_t)n1 + (size_t)n2;
        EVP_CIPHER_CTX_free(ctx);
        sdc_val_free(&iv);
    }
    if (sdc_arg_has("equals")) {
        sdc_val want = sdc_bytes("equals");
        bool same = want.n == out.n && memcmp(want.b, out.b, out.n) == 0;
        sdc_val_free(&want);
        if (!same)
            sdc_case_fail("the device's result differs from OpenSSL's");
    }
    sdc_save(&out);
    sdc_val_free(&out);
    sdc_val_free(&key);
    sdc_val_free(&in);
}

/* equal / differ: a, b. */
static void sdc_check_compare(bool want_equal)
{
    sdc_val a = sdc_bytes("a"), b = sdc_bytes("b");
    bool same = a.n == b.n && memcmp(a.b, b.b, a.n) == 0;
    size_t an = a.n, bn = b.n;
    sdc_val_free(&a);
    sdc_val_free(&b);
    if (same != want_equal)
        sdc_case_fail("%s (%zu and %zu bytes): expected them %s", sdc_arg_text("a"), an, bn,
                      want_equal ? "equal" : "different");
}

/* contains: list (a byte variable, e.g. getSupportedMechanisms), mechanism. */
static void sdc_check_contains(void)
{
    sdc_val list = sdc_bytes("list");
    int m = sdc_arg_enum("mechanism", sdc_enum_mechanism, -1);
    bool found = memchr(list.b, m, list.n) != NULL;
    sdc_val_free(&list);
    if (!found)
        sdc_case_fail("%s is not in the list", sdc_arg_text("mechanism"));
}

/* integer: value ($var) compared with equals / at_least / at_most. */
/* With skip_otherwise: true a condition that does not hold skips the case (a guard: the card
 * under test is not in a state where the case may run, e.g. a PIN with one try left). */
static void sdc_check_integer(void)
{
    long long v = sdc_arg_int("value", 0);
    const char *skip = sdc_arg_text("skip_otherwise");
    bool guard = skip && strcmp(skip, "true") == 0;
    char why[256] = "";
    if (sdc_arg_has("equals") && v != sdc_arg_int("equals", 0))
        snprintf(why, sizeof why, "%s = %lld, expected %lld", sdc_arg_text("value"), v,
                 sdc_arg_int("equals", 0));
    else if (sdc_arg_has("at_least") && v < sdc_arg_int("at_least", 0))
        snprintf(why, sizeof why, "%s = %lld, expected at least %lld", sdc_arg_text("value"), v,
                 sdc_arg_int("at_least", 0));
    else if (sdc_arg_has("at_most") && v > sdc_arg_int("at_most", 0))
        snprintf(why, sizeof why, "%s = %lld, expected at most %lld", sdc_arg_text("value"), v,
                 sdc_arg_int("at_most", 0));
    if (why[0] && guard)
        cr_skip_test("not run: %s", why);
    if (why[0])
        sdc_case_fail("%s", why);
}

/* value: evaluates `value` and saves it (random data a later step writes and compares). */
static void sdc_check_value(void)
{
    sdc_val v = sdc_bytes("value");
    sdc_save(&v);
    sdc_val_free(&v);
}

bool sdc_check(const char *name)
{
    if (strcmp(name, "value") == 0)
        sdc_check_value();
    else if (strcmp(name, "signature") == 0)
        sdc_check_signature();
    else if (strcmp(name, "encrypt") == 0)
        sdc_check_encrypt();
    else if (strcmp(name, "ecdh_peer") == 0)
        sdc_check_ecdh_peer();
    else if (strcmp(name, "x509") == 0)
        sdc_check_x509();
    else if (strcmp(name, "aes") == 0)
        sdc_check_aes();
    else if (strcmp(name, "equal") == 0)
        sdc_check_compare(true);
    else if (strcmp(name, "differ") == 0)
        sdc_check_compare(false);
    else if (strcmp(name, "contains") == 0)
        sdc_check_contains();
    else if (strcmp(name, "integer") == 0)
        sdc_check_integer();
    else
        return false;
    return true;
}
