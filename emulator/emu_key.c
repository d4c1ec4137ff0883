/* Key objects: the algorithm table, lookup by reference, copies, generation and the public
 * key template. OpenSSL 3 EVP only. */
#include "emu_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "codec_bytes.h"
#include "codec_tlv.h"
#include "emu_card_internal.h"

/* docs/profile.md, "Algorithm references", lists the same table. */
static const emu_alg algs[] = {
    {"rsa-pkcs1", NULL, 0x10, EMU_ALG_RSA_PKCS1_DIGESTINFO, EMU_KEY_RSA},
    {"rsa-pkcs1-sha1", EVP_sha1, 0x11, EMU_ALG_RSA_PKCS1_HASH, EMU_KEY_RSA},
    {"rsa-pkcs1-sha256", EVP_sha256, 0x13, EMU_ALG_RSA_PKCS1_HASH, EMU_KEY_RSA},
    {"rsa-pkcs1-sha384", EVP_sha384, 0x14, EMU_ALG_RSA_PKCS1_HASH, EMU_KEY_RSA},
    {"rsa-pkcs1-sha512", EVP_sha512, 0x15, EMU_ALG_RSA_PKCS1_HASH, EMU_KEY_RSA},
    {"rsa-pss-sha1", EVP_sha1, 0x21, EMU_ALG_RSA_PSS, EMU_KEY_RSA},
    {"rsa-pss-sha256", EVP_sha256, 0x23, EMU_ALG_RSA_PSS, EMU_KEY_RSA},
    {"rsa-pss-sha384", EVP_sha384, 0x24, EMU_ALG_RSA_PSS, EMU_KEY_RSA},
    {"rsa-pss-sha512", EVP_sha512, 0x25, EMU_ALG_RSA_PSS, EMU_KEY_RSA},
    {"rsa-pkcs1-encrypt", NULL, 0x30, EMU_ALG_RSA_PKCS1_ENC, EMU_KEY_RSA},
    {"rsa-oaep-sha1", EVP_sha1, 0x31, EMU_ALG_RSA_OAEP, EMU_KEY_RSA},
    {"rsa-oaep-sha256", EVP_sha256, 0x33, EMU_ALG_RSA_OAEP, EMU_KEY_RSA},
    {"ecdsa", NULL, 0x40, EMU_ALG_ECDSA_PLAIN, EMU_KEY_EC},
    {"ecdsa-der", NULL, 0x41, EMU_ALG_ECDSA_DER, EMU_KEY_EC},
    {"ecdh", NULL, 0x48, EMU_ALG_ECDH, EMU_KEY_EC},
    {"aes-ecb", NULL, 0x80, EMU_ALG_AES_ECB, EMU_KEY_AES},
    {"aes-cbc", NULL, 0x81, EMU_ALG_AES_CBC, EMU_KEY_AES},
    {"aes-cmac", NULL, 0x82, EMU_ALG_AES_CMAC, EMU_KEY_AES},
    {"sha1", EVP_sha1, 0x91, EMU_ALG_HASH, EMU_KEY_NONE},
    {"sha256", EVP_sha256, 0x93, EMU_ALG_HASH, EMU_KEY_NONE},
    {"sha384", EVP_sha384, 0x94, EMU_ALG_HASH, EMU_KEY_NONE},
    {"sha512", EVP_sha512, 0x95, EMU_ALG_HASH, EMU_KEY_NONE},
};

const emu_alg *emu_alg_by_ref(uint8_t ref)
{
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].ref == ref)
            return &algs[i];
    return NULL;
}

const emu_alg *emu_alg_by_name(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (strlen(algs[i].name) == len && memcmp(algs[i].name, name, len) == 0)
            return &algs[i];
    return NULL;
}

const emu_alg *emu_alg_table(size_t *n)
{
    *n = sizeof algs / sizeof algs[0];
    return algs;
}

int emu_key_find(const emu_key_table *t, const emu_fs *fs, uint16_t df, uint8_t ref)
{
    if ((ref & 0x80) == 0)
        df = 0;
    for (uint16_t d = df; d != EMU_NONE && d < fs->count; d = fs->files[d].parent) {
        for (uint16_t i = 0; i < t->count; i++)
            if (t->keys[i].owner == d && t->keys[i].ref == ref)
                return i;
        if ((ref & 0x80) == 0)
            break;
    }
    return -1;
}

void emu_key_drop_ctx(emu_key *k)
{
    for (int op = 0; op < EMU_KEY_CTX_COUNT; op++) {
        EVP_PKEY_CTX_free(k->ctx[op]);
        k->ctx[op] = NULL;
        k->ctx_alg[op] = 0;
    }
    EVP_MAC_CTX_free(k->mac_ctx);
    k->mac_ctx = NULL;
}

void emu_key_clear_material(emu_key *k)
{
    emu_key_drop_ctx(k);
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
    OPENSSL_cleanse(k->secret, sizeof k->secret);
    k->secret_len = 0;
    k->public_only = false;
}

void emu_key_table_clear(emu_key_table *t)
{
    for (uint16_t i = 0; i < t->count && i < EMU_MAX_KEYS; i++) {
        emu_key_drop_ctx(&t->keys[i]);
        EVP_PKEY_free(t->keys[i].pkey);
        free(t->keys[i].cert);
    }
    OPENSSL_cleanse(t, sizeof *t);
}

bool emu_key_table_copy(emu_key_table *dst, const emu_key_table *src)
{
    memset(dst, 0, sizeof *dst);
    for (uint16_t i = 0; i < src->count; i++) {
        emu_key *k = &dst->keys[i];
        *k = src->keys[i];
        k->pkey = NULL;
        k->cert = NULL;
        memset(k->ctx, 0, sizeof k->ctx); /* contexts are the source's own */
        memset(k->ctx_alg, 0, sizeof k->ctx_alg);
        k->mac_ctx = NULL;
        dst->count = (uint16_t)(i + 1);
        if (src->keys[i].pkey) {
            if (EVP_PKEY_up_ref(src->keys[i].pkey) != 1) {
                emu_key_table_clear(dst);
                return false;
            }
            k->pkey = src->keys[i].pkey;
        }
        if (src->keys[i].cert_len) {
            k->cert = malloc(src->keys[i].cert_len);
            if (!k->cert) {
                emu_key_table_clear(dst);
                return false;
            }
            memcpy(k->cert, src->keys[i].cert, src->keys[i].cert_len);
        }
    }
    return true;
}

bool emu_key_describe(EVP_PKEY *pkey, emu_key *k)
{
    int bits = EVP_PKEY_get_bits(pkey);
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        if (bits != 2048 && bits != 3072 && bits != 4096)
            return false;
        k->type = EMU_KEY_RSA;
        k->bits = (uint16_t)bits;
        k->curve_nid = 0;
        return true;
    }
    if (EVP_PKEY_is_a(pkey, "EC")) {
        char name[64];
        size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name,
                                           &len) != 1)
            return false;
        int nid = OBJ_sn2nid(name);
        if (nid == NID_undef)
            nid = EC_curve_nist2nid(name);
        if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1 && nid != NID_secp521r1)
            return false;
        k->type = EMU_KEY_EC;
        k->bits = (uint16_t)bits;
        k->curve_nid = nid;
        return true;
    }
    return false;
}

bool emu_key_generate(emu_key *k)
{
    EVP_PKEY *pkey = NULL;
    if (k->type == EMU_KEY_AES) {
        uint8_t secret[EMU_KEY_MAX_SECRET];
        size_t n = (size_t)k->bits / 8;
        if ((n != 16 && n != 32) || RAND_bytes(secret, (int)n) != 1)
            return false;
        emu_key_clear_material(k);
        memcpy(k->secret, secret, n);
        k->secret_len = (uint8_t)n;
        OPENSSL_cleanse(secret, sizeof secret);
        k->generated = true;
        emu_key_derive_id(k);
        return true;
    }
    if (k->type == EMU_KEY_RSA)
        pkey = EVP_RSA_gen(k->bits);
    else if (k->type == EMU_KEY_EC)
        pkey = EVP_EC_gen(OBJ_nid2sn(k->curve_nid));
    if (!pkey)
        return false;
    emu_key_clear_material(k);
    k->pkey = pkey;
    k->generated = true;
    emu_key_derive_id(k);
    return true;
}

/* The RSA modulus or the EC point as unsigned bytes (malloc'd), or NULL. */
static uint8_t *public_bytes(const emu_key *k, const char *param, size_t *len)
{
    if (!k->pkey)
        return NULL;
    if (k->type == EMU_KEY_RSA) {
        BIGNUM *bn = NULL;
        if (EVP_PKEY_get_bn_param(k->pkey, param, &bn) != 1)
            return NULL;
        int n = BN_num_bytes(bn);
        uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
        if (b)
            BN_bn2bin(bn, b);
        *len = (size_t)n;
        BN_free(bn);
        return b;
    }
    size_t n = 0;
    if (EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &n) !=
        1)
        return NULL;
    uint8_t *b = malloc(n ? n : 1);
    if (b && EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, b, n,
                                             &n) != 1) {
        free(b);
        return NULL;
    }
    *len = n;
    return b;
}

void emu_key_derive_id(emu_key *k)
{
    if (k->id_given)
        return;
    size_t len = 0;
    uint8_t *pub = public_bytes(k, OSSL_PKEY_PARAM_RSA_N, &len);
    unsigned int n = 0;
    if (pub && EVP_Digest(pub, len, k->id, &n, EVP_sha1(), NULL) == 1 && n == 20) {
        k->id_len = 20;
    } else {
        k->id[0] = k->ref;
        k->id_len = 1;
    }
    free(pub);
}

static void write_do(codec_writer *w, uint32_t tag, const uint8_t *v, size_t len)
{
    codec_ber_write_tag(w, tag);
    codec_ber_write_length(w, len);
    codec_write_bytes(w, v, len);
}

static size_t len_size(size_t n)
{
    return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

bool emu_key_write_public(codec_writer *w, const emu_key *k)
{
    size_t a_len = 0, b_len = 0;
    uint8_t *a = NULL, *b = NULL;
    uint8_t oid[16];
    bool ok = false;
    if (k->type == EMU_KEY_RSA) {
        a = public_bytes(k, OSSL_PKEY_PARAM_RSA_N, &a_len);
        b = public_bytes(k, OSSL_PKEY_PARAM_RSA_E, &b_len);
    } else if (k->type == EMU_KEY_EC) {
        /* 06: the curve's OID (content octets) */
        ASN1_OBJECT *obj = OBJ_nid2obj(k->curve_nid);
        int n = obj ? i2d_ASN1_OBJECT(obj, NULL) : -1;
        if (n > 2 && (size_t)n <= sizeof oid + 2) {
            uint8_t der[sizeof oid + 2], *p = der;
            i2d_ASN1_OBJECT(obj, &p);
            memcpy(oid, der + 2, (size_t)n - 2);
            a_len = (size_t)n - 2;
            a = malloc(a_len);
            if (a)
                memcpy(a, oid, a_len);
        }
        b = public_bytes(k, NULL, &b_len);
    }
    if (a && b) {
        uint32_t ta = k->type == EMU_KEY_RSA ? 0x81 : 0x06;
        uint32_t tb = k->type == EMU_KEY_RSA ? 0x82 : 0x86;
        size_t body = 1 + len_size(a_len) + a_len + 1 + len_size(b_len) + b_len;
        codec_ber_write_tag(w, 0x7F49);
        codec_ber_write_length(w, body);
        write_do(w, ta, a, a_len);
        write_do(w, tb, b, b_len);
        ok = !w->overflow;
    }
    free(a);
    free(b);
    return ok;
}

void emu_key_forget_df(emu_card *card, uint16_t df)
{
    emu_key_table *t = &card->keys;
    for (uint16_t i = 0; i < t->count; i++) {
        emu_key *k = &t->keys[i];
        if (k->owner != df)
            continue;
        emu_key_clear_material(k);
        free(k->cert);
        k->cert = NULL;
        k->cert_len = 0;
        k->owner = EMU_NONE;
    }
}
