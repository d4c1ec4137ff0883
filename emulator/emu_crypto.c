/* Cryptographic operations on the card's keys (OpenSSL 3 EVP). */
#include "emu_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <string.h>

#include "codec_bytes.h"
#include "codec_tlv.h"
#include "emu_card_internal.h"

uint16_t emu_crypto_select(emu_card *card, emu_crt_kind kind, emu_se_dir dir, uint8_t p_alg,
                           uint8_t p_key, uint32_t usage, uint32_t kinds, emu_key **key,
                           const emu_alg **alg, const emu_crt **crt)
{
    const emu_crt *c = emu_se_get(card, kind, dir);
    *crt = c;
    uint8_t ref;
    if (p_key)
        ref = p_key;
    else if (c && c->has_key)
        ref = c->key_ref;
    else
        return SW_CONDITIONS_NOT_SATISFIED; /* no key designated: no environment */
    int idx = emu_key_find(&card->keys, &card->fs, emu_card_current_df(card), ref);
    if (idx < 0)
        return SW_REF_NOT_FOUND;
    emu_key *k = &card->keys.keys[idx];
    if (!(k->usage & usage))
        return SW_CONDITIONS_NOT_SATISFIED;
    uint16_t sw = emu_access_rule_check(card, k->owner, &k->access[EMU_KEY_OP_USE]);
    if (sw != SW_OK)
        return sw;
    if (emu_key_empty(k))
        return SW_REF_NOT_USABLE;
    uint8_t want = p_alg;
    if (!want && c && c->has_alg && (!p_key || c->key_ref == p_key))
        want = c->alg;
    if (!want) {
        /* the key's first algorithm of a kind this operation accepts */
        for (uint8_t i = 0; i < k->alg_count && !want; i++) {
            const emu_alg *a = emu_alg_by_ref(k->algs[i]);
            if (a && (kinds & EMU_ALG_BIT(a->kind)))
                want = k->algs[i];
        }
    }
    bool accepted = false;
    for (uint8_t i = 0; i < k->alg_count; i++)
        accepted |= want && k->algs[i] == want;
    const emu_alg *a = emu_alg_by_ref(want);
    if (!accepted || !a || !(kinds & EMU_ALG_BIT(a->kind)) || a->key_type != k->type)
        return SW_CONDITIONS_NOT_SATISFIED;
    *key = k;
    *alg = a;
    return SW_OK;
}

static const EVP_MD *md_of(const emu_alg *alg)
{
    return alg->md ? alg->md() : NULL;
}

/* A new context for sign / verify / encrypt / decrypt with the algorithm's padding and digest. */
static EVP_PKEY_CTX *new_ctx(const emu_key *k, const emu_alg *alg, emu_key_ctx_op op)
{
    static int (*const init[EMU_KEY_CTX_COUNT])(EVP_PKEY_CTX *) = {
        [EMU_KEY_CTX_SIGN] = EVP_PKEY_sign_init,
        [EMU_KEY_CTX_VERIFY] = EVP_PKEY_verify_init,
        [EMU_KEY_CTX_ENCRYPT] = EVP_PKEY_encrypt_init,
        [EMU_KEY_CTX_DECRYPT] = EVP_PKEY_decrypt_init,
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    if (!ctx || init[op](ctx) != 1) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    const EVP_MD *md = md_of(alg);
    bool ok = true;
    switch (alg->kind) {
    case EMU_ALG_RSA_PKCS1_DIGESTINFO:
    case EMU_ALG_RSA_PKCS1_ENC:
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
        break;
    case EMU_ALG_RSA_PKCS1_HASH:
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 && md &&
             EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
        break;
    case EMU_ALG_RSA_PSS:
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 && md &&
             EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
        break;
    case EMU_ALG_RSA_OAEP:
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 && md &&
             EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0;
        break;
    default:
        break;
    }
    if (!ok) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* The key's context for `op` with `alg`, made once and kept in the key: a fresh context costs
 * OpenSSL 3 a method and digest fetch per command. The check on the pkey catches material
 * replaced behind our back (the context holds a reference, so the old address is not reused). */
static EVP_PKEY_CTX *key_ctx(emu_key *k, const emu_alg *alg, emu_key_ctx_op op)
{
    EVP_PKEY_CTX *ctx = k->ctx[op];
    if (ctx && k->ctx_alg[op] == alg->ref && EVP_PKEY_CTX_get0_pkey(ctx) == k->pkey)
        return ctx;
    EVP_PKEY_CTX_free(ctx);
    ctx = new_ctx(k, alg, op);
    k->ctx[op] = ctx;
    k->ctx_alg[op] = ctx ? alg->ref : 0;
    return ctx;
}

/* After a failed operation the context is not trusted again. */
static void key_ctx_drop(emu_key *k, emu_key_ctx_op op)
{
    EVP_PKEY_CTX_free(k->ctx[op]);
    k->ctx[op] = NULL;
    k->ctx_alg[op] = 0;
}

/* Field size in bytes of an EC key (r and s each take this many bytes in plain form). */
static size_t ec_field_bytes(const emu_key *k)
{
    return ((size_t)k->bits + 7) / 8;
}

/* Checks the input of a signature: a DigestInfo that fits the modulus, or a hash of the
 * algorithm's size. */
static bool sign_input_ok(const emu_key *k, const emu_alg *alg, size_t in_len)
{
    const EVP_MD *md = md_of(alg);
    switch (alg->kind) {
    case EMU_ALG_RSA_PKCS1_DIGESTINFO:
        return in_len >= 1 && in_len + 11 <= (size_t)k->bits / 8;
    case EMU_ALG_RSA_PKCS1_HASH:
    case EMU_ALG_RSA_PSS:
        return md && in_len == (size_t)EVP_MD_get_size(md);
    case EMU_ALG_ECDSA_PLAIN:
    case EMU_ALG_ECDSA_DER:
        return in_len >= 1 && in_len <= 64;
    default:
        return false;
    }
}

/* DER SEQUENCE { INTEGER r, INTEGER s } to r || s of n bytes each, without bignums. */
static bool ecdsa_der_to_plain(const uint8_t *der, size_t len, size_t n, uint8_t *out)
{
    codec_reader r;
    uint32_t tag;
    const uint8_t *v;
    size_t l;
    codec_reader_init(&r, der, len);
    if (!codec_ber_read_tlv(&r, &tag, &v, &l) || tag != 0x30 || codec_reader_remaining(&r) != 0)
        return false;
    codec_reader_init(&r, v, l);
    for (size_t i = 0; i < 2; i++) {
        if (!codec_ber_read_tlv(&r, &tag, &v, &l) || tag != 0x02)
            return false;
        while (l > 0 && v[0] == 0) { /* the sign byte and any leading zeros */
            v++;
            l--;
        }
        if (l > n)
            return false;
        memset(out + i * n, 0, n - l);
        memcpy(out + i * n + n - l, v, l);
    }
    return codec_reader_remaining(&r) == 0;
}

/* r || s (n bytes each) to DER for OpenSSL; the DER length, 0 when it does not fit. */
static size_t ecdsa_plain_to_der(const uint8_t *sig, size_t n, uint8_t *der, size_t cap)
{
    const uint8_t *v[2];
    size_t l[2], body = 0;
    for (size_t i = 0; i < 2; i++) {
        v[i] = sig + i * n;
        l[i] = n;
        while (l[i] > 1 && v[i][0] == 0) {
            v[i]++;
            l[i]--;
        }
        body += 2 + (v[i][0] >= 0x80) + l[i]; /* n <= 66: one length byte per INTEGER */
    }
    codec_writer w;
    codec_writer_init(&w, der, cap);
    codec_ber_write_tag(&w, 0x30);
    codec_ber_write_length(&w, body);
    for (size_t i = 0; i < 2; i++) {
        bool pad = v[i][0] >= 0x80; /* keep the INTEGER positive */
        codec_ber_write_tag(&w, 0x02);
        codec_ber_write_length(&w, l[i] + pad);
        if (pad)
            codec_write_u8(&w, 0);
        codec_write_bytes(&w, v[i], l[i]);
    }
    return w.overflow ? 0 : w.len;
}

uint16_t emu_crypto_sign(emu_key *k, const emu_alg *alg, const uint8_t *in, size_t in_len,
                         uint8_t *out, size_t cap, size_t *out_len)
{
    if (!k->pkey || k->public_only)
        return SW_REF_NOT_USABLE;
    if (!sign_input_ok(k, alg, in_len))
        return SW_WRONG_DATA;
    EVP_PKEY_CTX *ctx = key_ctx(k, alg, EMU_KEY_CTX_SIGN);
    if (!ctx)
        return SW_NO_DIAGNOSIS;
    uint8_t sig[1024];
    size_t sig_len = sizeof sig;
    if (EVP_PKEY_sign(ctx, sig, &sig_len, in, in_len) != 1) {
        key_ctx_drop(k, EMU_KEY_CTX_SIGN);
        return SW_NO_DIAGNOSIS;
    }
    if (alg->kind == EMU_ALG_ECDSA_PLAIN) {
        size_t n = ec_field_bytes(k);
        if (2 * n > cap)
            return SW_WRONG_LENGTH;
        if (!ecdsa_der_to_plain(sig, sig_len, n, out))
            return SW_NO_DIAGNOSIS;
        *out_len = 2 * n;
        return SW_OK;
    }
    if (sig_len > cap)
        return SW_WRONG_LENGTH;
    memcpy(out, sig, sig_len);
    *out_len = sig_len;
    return SW_OK;
}

uint16_t emu_crypto_verify(emu_key *k, const emu_alg *alg, const uint8_t *in, size_t in_len,
                           const uint8_t *sig, size_t sig_len)
{
    if (!k->pkey)
        return SW_REF_NOT_USABLE;
    if (!sign_input_ok(k, alg, in_len))
        return SW_WRONG_DATA;
    uint8_t der[160];
    if (alg->kind == EMU_ALG_ECDSA_PLAIN) {
        size_t n = ec_field_bytes(k);
        if (sig_len != 2 * n)
            return SW_WRONG_DATA;
        sig_len = ecdsa_plain_to_der(sig, n, der, sizeof der);
        if (sig_len == 0)
            return SW_NO_DIAGNOSIS;
        sig = der;
    }
    EVP_PKEY_CTX *ctx = key_ctx(k, alg, EMU_KEY_CTX_VERIFY);
    if (!ctx)
        return SW_NO_DIAGNOSIS;
    int r = EVP_PKEY_verify(ctx, sig, sig_len, in, in_len);
    if (r != 1)
        key_ctx_drop(k, EMU_KEY_CTX_VERIFY);
    return r == 1 ? SW_OK : SW_VERIFICATION_FAILED;
}

static const EVP_CIPHER *aes_cipher(const emu_key *k, bool cbc)
{
    if (k->secret_len == 16)
        return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
    if (k->secret_len == 32)
        return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
    return NULL;
}

static uint16_t aes(const emu_key *k, bool cbc, int encrypt, const uint8_t *iv, const uint8_t *in,
                    size_t in_len, uint8_t *out, size_t cap, size_t *out_len)
{
    static const uint8_t zero[16];
    const EVP_CIPHER *c = aes_cipher(k, cbc);
    if (!c)
        return SW_REF_NOT_USABLE;
    if (in_len == 0 || in_len % 16 || in_len > 65536 || in_len > INT32_MAX)
        return SW_WRONG_DATA;
    if (in_len > cap)
        return SW_WRONG_LENGTH;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    bool ok =
        ctx &&
        EVP_CipherInit_ex(ctx, c, NULL, k->secret, cbc ? (iv ? iv : zero) : NULL, encrypt) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
        EVP_CipherUpdate(ctx, out, &n1, in, (int)in_len) == 1 &&
        EVP_CipherFinal_ex(ctx, out + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return SW_NO_DIAGNOSIS;
    *out_len = (size_t)n1 + (size_t)n2;
    return SW_OK;
}

uint16_t emu_crypto_cipher(emu_key *k, const emu_alg *alg, int encrypt, const uint8_t *iv,
                           const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                           size_t *out_len)
{
    if (alg->kind == EMU_ALG_AES_ECB || alg->kind == EMU_ALG_AES_CBC)
        return aes(k, alg->kind == EMU_ALG_AES_CBC, encrypt, iv, in, in_len, out, cap, out_len);
    if (alg->kind != EMU_ALG_RSA_PKCS1_ENC && alg->kind != EMU_ALG_RSA_OAEP)
        return SW_CONDITIONS_NOT_SATISFIED;
    if (!k->pkey || (!encrypt && k->public_only))
        return SW_REF_NOT_USABLE;
    size_t mod = (size_t)k->bits / 8;
    if (in_len == 0 || (encrypt ? in_len > mod : in_len != mod))
        return SW_WRONG_DATA;
    emu_key_ctx_op op = encrypt ? EMU_KEY_CTX_ENCRYPT : EMU_KEY_CTX_DECRYPT;
    EVP_PKEY_CTX *ctx = key_ctx(k, alg, op);
    if (!ctx)
        return SW_NO_DIAGNOSIS;
    uint8_t buf[1024];
    size_t n = sizeof buf;
    int r = encrypt ? EVP_PKEY_encrypt(ctx, buf, &n, in, in_len)
                    : EVP_PKEY_decrypt(ctx, buf, &n, in, in_len);
    uint16_t sw = SW_OK;
    if (r != 1) {
        key_ctx_drop(k, op);
        sw = SW_WRONG_DATA; /* too long a message, or a cryptogram that does not decrypt */
    } else if (n > cap)
        sw = SW_WRONG_LENGTH;
    else {
        memcpy(out, buf, n);
        *out_len = n;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return sw;
}

/* A CMAC context keyed once with the key's secret (the fetch and the key schedule are not
 * repeated per command); NULL when it cannot be made. */
static EVP_MAC_CTX *cmac_ctx(emu_key *k)
{
    if (k->mac_ctx)
        return k->mac_ctx;
    const char *cipher = k->secret_len == 16   ? "AES-128-CBC"
                         : k->secret_len == 32 ? "AES-256-CBC"
                                               : NULL;
    if (!cipher)
        return NULL;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context keeps its own reference */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)cipher, 0),
        OSSL_PARAM_construct_end()};
    if (!ctx || EVP_MAC_init(ctx, k->secret, k->secret_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    k->mac_ctx = ctx;
    return ctx;
}

uint16_t emu_crypto_cmac(emu_key *k, const uint8_t *in, size_t in_len, uint8_t out[16])
{
    if (k->secret_len != 16 && k->secret_len != 32)
        return SW_REF_NOT_USABLE;
    EVP_MAC_CTX *ctx = cmac_ctx(k);
    size_t n = 0;
    /* a NULL key re-initialises CMAC with the key already set */
    bool ok = ctx && EVP_MAC_init(ctx, NULL, 0, NULL) == 1 &&
              EVP_MAC_update(ctx, in, in_len) == 1 && EVP_MAC_final(ctx, out, &n, 16) == 1 &&
              n == 16;
    if (!ok) {
        EVP_MAC_CTX_free(k->mac_ctx);
        k->mac_ctx = NULL;
    }
    return ok ? SW_OK : SW_NO_DIAGNOSIS;
}

uint16_t emu_crypto_ecdh(const emu_key *k, const uint8_t *point, size_t point_len, uint8_t *out,
                         size_t cap, size_t *out_len)
{
    if (!k->pkey || k->public_only || k->type != EMU_KEY_EC)
        return SW_REF_NOT_USABLE;
    size_t n = ec_field_bytes(k);
    if (point_len != 1 + 2 * n || point[0] != 0x04)
        return SW_WRONG_DATA;
    const char *group = OBJ_nid2sn(k->curve_nid);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, point_len),
        OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX *fctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *peer = NULL;
    if (!fctx || EVP_PKEY_fromdata_init(fctx) != 1 ||
        EVP_PKEY_fromdata(fctx, &peer, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        EVP_PKEY_CTX_free(fctx);
        return SW_WRONG_DATA; /* not a point of the curve */
    }
    EVP_PKEY_CTX_free(fctx);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    size_t len = 0;
    uint16_t sw = SW_NO_DIAGNOSIS; /* until every step succeeded */
    if (ctx && EVP_PKEY_derive_init(ctx) == 1) {
        if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) != 1)
            sw = SW_WRONG_DATA; /* the point is not on the curve */
        else if (EVP_PKEY_derive(ctx, NULL, &len) == 1 && len > cap)
            sw = SW_WRONG_LENGTH;
        else if (len > 0 && EVP_PKEY_derive(ctx, out, &len) == 1)
            sw = SW_OK;
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    if (sw == SW_OK)
        *out_len = len;
    return sw;
}

uint16_t emu_crypto_hash(const emu_alg *alg, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t cap, size_t *out_len)
{
    const EVP_MD *md = md_of(alg);
    if (!md)
        return SW_CONDITIONS_NOT_SATISFIED;
    if ((size_t)EVP_MD_get_size(md) > cap)
        return SW_WRONG_LENGTH;
    unsigned int n = 0;
    if (EVP_Digest(in, in_len, out, &n, md, NULL) != 1)
        return SW_NO_DIAGNOSIS;
    *out_len = n;
    return SW_OK;
}

uint16_t emu_crypto_answer(const emu_card *card, const codec_capdu *a, emu_out *out, uint16_t sw)
{
    if (sw == SW_OK && !card->tp.t0 && a->ne != 0 && out->len > a->ne) {
        out->len = 0;
        return SW_WRONG_LENGTH;
    }
    return sw;
}
