/* PERFORM SECURITY OPERATION (ISO/IEC 7816-8): signature, verification, hash, encipher,
 * decipher, cryptographic checksum, certificate verification. The key and the algorithm come
 * from the current security environment (emu_se.h); P1-P2 name the operation. */
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <string.h>

#include "codec_tlv.h"
#include "emu_card_internal.h"
#include "emu_crypto.h"

#define SIGN_KINDS                                                                                 \
    (EMU_ALG_BIT(EMU_ALG_RSA_PKCS1_DIGESTINFO) | EMU_ALG_BIT(EMU_ALG_RSA_PKCS1_HASH) |             \
     EMU_ALG_BIT(EMU_ALG_RSA_PSS) | EMU_ALG_BIT(EMU_ALG_ECDSA_PLAIN) |                             \
     EMU_ALG_BIT(EMU_ALG_ECDSA_DER))
#define CIPHER_KINDS                                                                               \
    (EMU_ALG_BIT(EMU_ALG_RSA_PKCS1_ENC) | EMU_ALG_BIT(EMU_ALG_RSA_OAEP) |                          \
     EMU_ALG_BIT(EMU_ALG_AES_ECB) | EMU_ALG_BIT(EMU_ALG_AES_CBC))

#define PADDING_NONE_GIVEN 0x00 /* padding-indicator byte: no further indication */
#define PADDING_NO_PADDING 0x02

/* Reads a template of two BER-TLV DOs, `t1` and `t2`, each exactly once, in any order. */
static bool two_dos(const codec_capdu *a, uint32_t t1, uint32_t t2, const uint8_t **v1, size_t *l1,
                    const uint8_t **v2, size_t *l2)
{
    codec_reader r;
    codec_reader_init(&r, a->data, a->lc);
    *v1 = *v2 = NULL;
    while (codec_reader_remaining(&r) > 0) {
        uint32_t tag;
        const uint8_t *v;
        size_t l;
        if (!codec_ber_read_tlv(&r, &tag, &v, &l))
            return false;
        if (tag == t1 && !*v1) {
            *v1 = v;
            *l1 = l;
        } else if (tag == t2 && !*v2) {
            *v2 = v;
            *l2 = l;
        } else {
            return false;
        }
    }
    return *v1 && *v2;
}

/* The key, algorithm and SE template of an operation (emu_crypto_select). */
typedef struct pso_key {
    emu_key *k;
    const emu_alg *alg;
    const emu_crt *crt;
} pso_key;

static uint16_t pick(emu_card *card, emu_crt_kind kind, emu_se_dir dir, uint32_t usage,
                     uint32_t kinds, pso_key *pk)
{
    return emu_crypto_select(card, kind, dir, 0, 0, usage, kinds, &pk->k, &pk->alg, &pk->crt);
}

/* The AES-CBC IV of the CT (tag 87), NULL for zero. */
static const uint8_t *iv_of(const pso_key *pk)
{
    return pk->crt && pk->crt->iv_len ? pk->crt->iv : NULL;
}

static uint16_t sign(emu_card *card, const codec_capdu *a, emu_out *out)
{
    pso_key pk;
    uint16_t sw = pick(card, EMU_CRT_DST, EMU_SE_COMPUTE, EMU_KEY_SIGN, SIGN_KINDS, &pk);
    if (sw != SW_OK)
        return sw;
    return emu_crypto_sign(pk.k, pk.alg, a->data, a->lc, out->buf, out->cap, &out->len);
}

/* VERIFY DIGITAL SIGNATURE (90 hash, 9E signature) or VERIFY CERTIFICATE (the DER). */
static uint16_t verify(emu_card *card, const codec_capdu *a, bool certificate)
{
    pso_key pk;
    uint16_t sw = pick(card, EMU_CRT_DST, EMU_SE_VERIFY, EMU_KEY_VERIFY, SIGN_KINDS, &pk);
    if (sw != SW_OK)
        return sw;
    if (!certificate) {
        const uint8_t *hash, *sig;
        size_t hash_len, sig_len;
        if (!two_dos(a, 0x90, 0x9E, &hash, &hash_len, &sig, &sig_len))
            return SW_WRONG_DATA;
        return emu_crypto_verify(pk.k, pk.alg, hash, hash_len, sig, sig_len);
    }
    const unsigned char *p = a->data;
    X509 *cert = a->lc ? d2i_X509(NULL, &p, (long)a->lc) : NULL;
    if (!cert || p != a->data + a->lc) {
        X509_free(cert);
        return SW_WRONG_DATA;
    }
    int r = X509_verify(cert, pk.k->pkey);
    X509_free(cert);
    return r == 1 ? SW_OK : SW_VERIFICATION_FAILED;
}

static uint16_t hash(emu_card *card, const codec_capdu *a, emu_out *out)
{
    const emu_crt *crt = emu_se_get(card, EMU_CRT_HT, EMU_SE_COMPUTE);
    const emu_alg *alg = emu_alg_by_ref(crt && crt->has_alg ? crt->alg : 0x93);
    if (!alg)
        return SW_CONDITIONS_NOT_SATISFIED;
    return emu_crypto_hash(alg, a->data, a->lc, out->buf, out->cap, &out->len);
}

static uint16_t encipher(emu_card *card, const codec_capdu *a, emu_out *out)
{
    pso_key pk;
    uint16_t sw = pick(card, EMU_CRT_CT, EMU_SE_VERIFY, EMU_KEY_ENCRYPT, CIPHER_KINDS, &pk);
    if (sw != SW_OK)
        return sw;
    if (out->cap < 1)
        return SW_WRONG_LENGTH;
    size_t n = 0;
    sw = emu_crypto_cipher(pk.k, pk.alg, 1, iv_of(&pk), a->data, a->lc, out->buf + 1, out->cap - 1,
                           &n);
    if (sw != SW_OK)
        return sw;
    out->buf[0] = PADDING_NONE_GIVEN;
    out->len = n + 1;
    return SW_OK;
}

static uint16_t decipher(emu_card *card, const codec_capdu *a, emu_out *out)
{
    pso_key pk;
    uint16_t sw = pick(card, EMU_CRT_CT, EMU_SE_COMPUTE, EMU_KEY_DECRYPT, CIPHER_KINDS, &pk);
    if (sw != SW_OK)
        return sw;
    bool aes = pk.k->type == EMU_KEY_AES;
    if (a->lc < 2 ||
        (a->data[0] != PADDING_NONE_GIVEN && !(aes && a->data[0] == PADDING_NO_PADDING)))
        return SW_WRONG_DATA;
    return emu_crypto_cipher(pk.k, pk.alg, 0, iv_of(&pk), a->data + 1, a->lc - 1, out->buf,
                             out->cap, &out->len);
}

static uint16_t checksum(emu_card *card, const codec_capdu *a, emu_out *out, bool verify)
{
    pso_key pk;
    uint16_t sw = pick(card, EMU_CRT_CCT, verify ? EMU_SE_VERIFY : EMU_SE_COMPUTE, EMU_KEY_MAC,
                       EMU_ALG_BIT(EMU_ALG_AES_CMAC), &pk);
    if (sw != SW_OK)
        return sw;
    uint8_t mac[16];
    if (!verify) {
        if (out->cap < sizeof mac)
            return SW_WRONG_LENGTH;
        sw = emu_crypto_cmac(pk.k, a->data, a->lc, out->buf);
        if (sw == SW_OK)
            out->len = sizeof mac;
        return sw;
    }
    const uint8_t *msg, *given;
    size_t msg_len, given_len;
    if (!two_dos(a, 0x80, 0x8E, &msg, &msg_len, &given, &given_len) || given_len < 4 ||
        given_len > sizeof mac)
        return SW_WRONG_DATA;
    sw = emu_crypto_cmac(pk.k, msg, msg_len, mac);
    if (sw != SW_OK)
        return sw;
    /* a truncated MAC (4..16 bytes) is compared with the leading bytes */
    bool ok = CRYPTO_memcmp(mac, given, given_len) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    return ok ? SW_OK : SW_VERIFICATION_FAILED;
}

static uint16_t operation(emu_card *card, const codec_capdu *a, emu_out *out, uint16_t p1p2);

uint16_t emu_cmd_pso(emu_card *card, const codec_capdu *a, emu_out *out)
{
    uint16_t p1p2 = (uint16_t)(a->p1 << 8 | a->p2);
    /* Every operation here takes data; the verifying ones answer nothing. */
    if (a->lc == 0 && p1p2 != 0x9080)
        return SW_WRONG_LENGTH;
    bool answers =
        p1p2 == 0x9E9A || p1p2 == 0x9080 || p1p2 == 0x8680 || p1p2 == 0x8086 || p1p2 == 0x8E80;
    if (!answers && a->ne != 0)
        return SW_WRONG_LENGTH;
    return emu_crypto_answer(card, a, out, operation(card, a, out, p1p2));
}

static uint16_t operation(emu_card *card, const codec_capdu *a, emu_out *out, uint16_t p1p2)
{
    switch (p1p2) {
    case 0x9E9A:
        return sign(card, a, out);
    case 0x00A8:
        return verify(card, a, false);
    case 0x00BE:
    case 0x00AE:
        return verify(card, a, true);
    case 0x9080:
        return hash(card, a, out);
    case 0x8680:
        return encipher(card, a, out);
    case 0x8086:
        return decipher(card, a, out);
    case 0x8E80:
        return checksum(card, a, out, false);
    case 0x00A2:
        return checksum(card, a, out, true);
    default:
        return SW_WRONG_P1P2;
    }
}
