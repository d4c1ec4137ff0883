/* Key, AsymmetricKey, PublicKey, PrivateKey and SecretKey methods (level 2).
 *
 * Everything card-specific comes from the object table (px_desc_obj): the key reference (MSE tag
 * 83/84, P2 of GENERATE / AUTHENTICATE), the key type and size, the usage and algs[] (mechanism +
 * hash -> algorithm reference, MSE tag 80). The operations are ISO/IEC 7816-8 commands: MANAGE
 * SECURITY ENVIRONMENT SET, then PERFORM SECURITY OPERATION, GENERAL / INTERNAL AUTHENTICATE or
 * GENERATE ASYMMETRIC KEY PAIR. No libcrypto: the SubjectPublicKeyInfo of export is written here.
 *
 * Status rules (docs/api.md, "Keys: rules of every key function"): a mechanism of another key type
 * or one that does not fit the operation is IllegalArgument; an operation outside the key's usage,
 * or a mechanism + hash the device lists no algorithm reference for, is FunctionNotImplemented.
 * Both before any APDU. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_bytes.h"
#include "codec_tlv.h"
#include "px_apdu.h"
#include "px_error.h"
#include "px_handle.h"

/* Largest key material handled: RSA-4096 (512-byte modulus), P-521 (66-byte coordinates). */
#define PX_KEY_MAX_BYTES 512
#define PX_EC_MAX_FIELD 66
/* A SubjectPublicKeyInfo of RSA-4096 with a 4-byte exponent takes 550 bytes. */
#define PX_SPKI_MAX 1200
/* Largest public-key EF read (an RSA-4096 RSAPublicKey or an SPKI is well below). */
#define PX_PUBLIC_EF_MAX 4096
/* AES block and CMAC sizes. */
#define PX_AES_BLOCK 16
#define PX_MAC_MIN 4

/* SW 6300: "verification failed" (PSO VERIFY DIGITAL SIGNATURE / CRYPTOGRAPHIC CHECKSUM). */
#define PX_SW_VERIFICATION_FAILED 0x6300

/* What a key operation works with: the entry of the handle completed by its pair (a PuKDF entry
 * may lack the key reference, the algorithms or the size its private key has). */
typedef struct px_key_info {
    const px_desc_obj *o;     /* the handle's entry */
    const px_desc_obj *pair;  /* its pair, NULL none */
    uint8_t ref;              /* 0: none known */
    isoIec23465_KeyType type; /* 0: unknown */
    size_t bits;              /* 0: unknown */
    unsigned usage;           /* 0: unknown (the device decides) */
    const px_desc_alg *algs;
    size_t n_algs;
} px_key_info;

static void px_key_info_of(const px_conn *c, const px_desc_obj *o, px_key_info *k)
{
    memset(k, 0, sizeof *k);
    k->o = o;
    if (o->pair >= 0 && (size_t)o->pair < c->desc->n_objs)
        k->pair = &c->desc->objs[o->pair];
    const px_desc_obj *p = k->pair;
    k->ref = o->key_ref ? o->key_ref : p ? p->key_ref : 0;
    k->type = o->key_type ? o->key_type : p ? p->key_type : (isoIec23465_KeyType)0;
    k->bits = o->key_bits ? o->key_bits : p ? p->key_bits : 0;
    k->usage = o->usage;
    k->algs = o->algs;
    k->n_algs = o->n_algs;
    if (!k->n_algs && p) {
        k->algs = p->algs;
        k->n_algs = p->n_algs;
    }
}

/* Bytes of an RSA modulus / an EC field element; 0 when the size is unknown. */
static size_t px_key_bytes(const px_key_info *k)
{
    return (k->bits + 7) / 8;
}

static size_t px_hash_len(isoIec23465_Hash h)
{
    switch (h) {
    case isoIec23465_HashSha256:
        return 32;
    case isoIec23465_HashSha384:
        return 48;
    case isoIec23465_HashSha512:
        return 64;
    default:
        return 0;
    }
}

static bool px_hash_valid(isoIec23465_Hash h)
{
    return h == isoIec23465_HashNone || px_hash_len(h) != 0;
}

/* The key type a mechanism belongs to. */
static isoIec23465_KeyType px_mech_key_type(isoIec23465_Mechanism m)
{
    switch (m) {
    case isoIec23465_MechRsaPkcs1V15:
    case isoIec23465_MechRsaPss:
    case isoIec23465_MechRsaOaep:
        return isoIec23465_KeyRsa;
    case isoIec23465_MechEcdsa:
    case isoIec23465_MechEcdh:
        return isoIec23465_KeyEc;
    case isoIec23465_MechAesCbc:
    case isoIec23465_MechAesEcb:
    case isoIec23465_MechAesCmac:
        return isoIec23465_KeyAes;
    }
    return (isoIec23465_KeyType)0;
}

static const char *px_mech_name(isoIec23465_Mechanism m)
{
    static const char *const names[] = {"?",    "RSA PKCS#1 v1.5", "RSA-PSS", "RSA-OAEP", "ECDSA",
                                        "ECDH", "AES-CBC",         "AES-ECB", "AES-CMAC"};
    return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "?";
}

/* Whether table entry `a` serves an operation of usage `op` (entries with usage 0 serve any). */
static bool px_alg_serves(const px_desc_alg *a, unsigned op)
{
    return !a->usage || !op || (a->usage & op);
}

/* The algorithm reference for mechanism + hash and an operation of usage `op` (ISOIEC23465_USAGE_*
 * bits; entries such as PKCS#1 v1.5 signature and encryption share mechanism and hash): exact
 * entry first; ECDSA also takes the hash as data under a HashNone entry. *digest_info is set when
 * only the PKCS#1 v1.5 entry over a DigestInfo (HashNone) fits a given hash: the proxy then
 * prepends the DigestInfo. */
static bool px_key_alg(const px_key_info *k, isoIec23465_Mechanism m, isoIec23465_Hash h,
                       unsigned op, uint8_t *ref, bool *digest_info)
{
    *digest_info = false;
    for (size_t i = 0; i < k->n_algs; i++)
        if (k->algs[i].mechanism == m && k->algs[i].hash == h && px_alg_serves(&k->algs[i], op)) {
            *ref = k->algs[i].ref;
            return true;
        }
    if (h == isoIec23465_HashNone ||
        (m != isoIec23465_MechEcdsa && m != isoIec23465_MechRsaPkcs1V15))
        return false;
    for (size_t i = 0; i < k->n_algs; i++)
        if (k->algs[i].mechanism == m && k->algs[i].hash == isoIec23465_HashNone &&
            px_alg_serves(&k->algs[i], op)) {
            *ref = k->algs[i].ref;
            *digest_info = m == isoIec23465_MechRsaPkcs1V15;
            return true;
        }
    return false;
}

/* DigestInfo prefixes of PKCS#1 v1.5 (RFC 8017, 9.2 note 1). */
static const uint8_t px_di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                       0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t px_di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                       0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t px_di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                       0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

static const uint8_t *px_digest_info(isoIec23465_Hash h)
{
    return h == isoIec23465_HashSha256   ? px_di_sha256
           : h == isoIec23465_HashSha384 ? px_di_sha384
                                         : px_di_sha512;
}
#define PX_DI_LEN 19

/* ---- Entering a call --------------------------------------------------------------------- */

/* Clears the error, validates `h` as class `cls`, locks the device and fills *k. */
static isoIec23465_Status px_key_enter(const isoIec23465_Handle *h, isoIec23465_ObjectType cls,
                                       px_conn **c, px_key_info *k)
{
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(h, cls, c);
    if (st != isoIec23465_Success)
        return st;
    if (!h->obj || !(*c)->desc) {
        px_handle_leave(*c);
        return px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                            "key has no card reference");
    }
    if (h->obj->deleted) {
        px_handle_leave(*c);
        return px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                            "key '%.100s' was deleted", h->obj->label);
    }
    px_key_info_of(*c, h->obj, k);
    return isoIec23465_Success;
}

/* Leaves with an argument error (IllegalArgument or FunctionNotImplemented) found before any
 * APDU; `st` is the status the px_error_set at the call site recorded. */
static isoIec23465_Status px_key_fail(px_conn *c, isoIec23465_Status st)
{
    px_handle_leave(c);
    return st;
}

/* Opens the transaction and selects the key's application when it lies in one (DF-specific key
 * references are found from the current DF). */
static isoIec23465_Status px_key_begin(px_conn *c, const px_key_info *k)
{
    isoIec23465_Status st = px_apdu_begin(c);
    if (st == isoIec23465_Success && k->o->app >= 0 && (size_t)k->o->app < c->desc->n_apps) {
        const px_desc_app *app = &c->desc->apps[k->o->app];
        st = px_apdu_select_aid(c, app->aid, app->aid_len);
    }
    return st;
}

static void px_key_leave(px_conn *c)
{
    px_apdu_end(c);
    px_handle_leave(c);
}

/* Wipes the engine's response buffer after a response that carried a secret (plaintext, shared
 * secret); called after the secret was copied out, before the buffer is trimmed or reused. */
static void px_key_wipe_response(px_conn *c)
{
    if (c->rbuf)
        explicit_bzero(c->rbuf, c->rcap);
}

/* ---- APDUs -------------------------------------------------------------------------------- */

/* MSE SET (00 22 p1 crt) with 80 alg, key_tag ref and, when iv is not NULL, 87 iv. */
static isoIec23465_Status px_key_mse(px_conn *c, uint8_t p1, uint8_t crt, uint8_t alg,
                                     uint8_t key_tag, uint8_t ref, const uint8_t *iv)
{
    uint8_t d[6 + 2 + PX_AES_BLOCK];
    size_t n = 0;
    d[n++] = 0x80;
    d[n++] = 1;
    d[n++] = alg;
    d[n++] = key_tag;
    d[n++] = 1;
    d[n++] = ref;
    if (iv) {
        d[n++] = 0x87;
        d[n++] = PX_AES_BLOCK;
        memcpy(d + n, iv, PX_AES_BLOCK);
        n += PX_AES_BLOCK;
    }
    codec_capdu cmd = {.cla = 0x00, .ins = 0x22, .p1 = p1, .p2 = crt, .data = d, .lc = n};
    const uint8_t *r;
    size_t rl;
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &r, &rl, &sw);
    if (st == isoIec23465_Success && sw != 0x9000)
        st = px_error_set_sw(sw, "MANAGE SECURITY ENVIRONMENT SET");
    return st;
}

/* `expect` of px_key_cmd: response data of unknown length. */
#define PX_KEY_ANY ((size_t)-1)

/* One command with data. `expect` is the response data length (0: none; PX_KEY_ANY: unknown):
 * up to 256 bytes Le is short (00), beyond it the largest response the connection takes, so
 * short commands stay short on devices without extended length. *sw is the final status word;
 * the caller maps it. */
static isoIec23465_Status px_key_cmd(px_conn *c, uint8_t ins, uint8_t p1, uint8_t p2,
                                     const uint8_t *data, size_t len, size_t expect,
                                     const uint8_t **resp, size_t *rlen, uint16_t *sw)
{
    size_t ne = expect == 0 ? 0 : expect <= 256 ? 256 : c->max_le;
    codec_capdu cmd = {.cla = 0x00,
                       .ins = ins,
                       .p1 = p1,
                       .p2 = p2,
                       .data = len ? data : NULL,
                       .lc = len,
                       .ne = ne};
    return px_apdu_exchange(c, &cmd, resp, rlen, sw);
}

/* As px_key_cmd, mapping any SW but 9000 to its status (named `what`). */
static isoIec23465_Status px_key_cmd_ok(px_conn *c, uint8_t ins, uint8_t p1, uint8_t p2,
                                        const uint8_t *data, size_t len, size_t expect,
                                        const char *what, const uint8_t **resp, size_t *rlen)
{
    uint16_t sw;
    isoIec23465_Status st = px_key_cmd(c, ins, p1, p2, data, len, expect, resp, rlen, &sw);
    if (st == isoIec23465_Success && sw != 0x9000)
        st = px_error_set_sw(sw, what);
    return st;
}

/* ---- DER (SubjectPublicKeyInfo without libcrypto) ------------------------------------------ */

/* Writes tag, length and value. */
static void px_der_put(codec_writer *w, uint8_t tag, const uint8_t *v, size_t n)
{
    codec_write_u8(w, tag);
    codec_ber_write_length(w, n);
    codec_write_bytes(w, v, n);
}

/* Writes a positive INTEGER from big-endian bytes (leading zeros dropped, 00 added before a
 * set top bit). */
static void px_der_uint(codec_writer *w, const uint8_t *v, size_t n)
{
    while (n > 1 && v[0] == 0) {
        v++;
        n--;
    }
    bool pad = n > 0 && (v[0] & 0x80);
    codec_write_u8(w, 0x02);
    codec_ber_write_length(w, n + pad);
    if (pad)
        codec_write_u8(w, 0x00);
    codec_write_bytes(w, v, n);
}

static const uint8_t px_alg_rsa[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                     0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};
static const uint8_t px_oid_ec_public_key[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
static const uint8_t px_oid_p256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static const uint8_t px_oid_p384[] = {0x2B, 0x81, 0x04, 0x00, 0x22};
static const uint8_t px_oid_p521[] = {0x2B, 0x81, 0x04, 0x00, 0x23};

/* SEQUENCE { alg (given DER), BIT STRING { 00, key } } into out. */
static bool px_spki(const uint8_t *alg, size_t alg_len, const uint8_t *key, size_t key_len,
                    uint8_t *out, size_t cap, size_t *len)
{
    uint8_t body[PX_SPKI_MAX];
    codec_writer b, w;
    codec_writer_init(&b, body, sizeof body);
    codec_write_bytes(&b, alg, alg_len);
    codec_write_u8(&b, 0x03);
    codec_ber_write_length(&b, key_len + 1);
    codec_write_u8(&b, 0x00);
    codec_write_bytes(&b, key, key_len);
    codec_writer_init(&w, out, cap);
    px_der_put(&w, 0x30, body, b.len);
    *len = w.len;
    return !b.overflow && !w.overflow;
}

/* SPKI of an RSA key from modulus and exponent (big-endian). */
static bool px_spki_rsa(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                        uint8_t *out, size_t cap, size_t *len)
{
    uint8_t ints[PX_SPKI_MAX], seq[PX_SPKI_MAX];
    codec_writer i, s;
    codec_writer_init(&i, ints, sizeof ints);
    px_der_uint(&i, n, n_len);
    px_der_uint(&i, e, e_len);
    codec_writer_init(&s, seq, sizeof seq);
    px_der_put(&s, 0x30, ints, i.len);
    return !i.overflow && !s.overflow &&
           px_spki(px_alg_rsa, sizeof px_alg_rsa, seq, s.len, out, cap, len);
}

/* The named curve OID (content bytes) of an uncompressed point's length; NULL when none. */
static const uint8_t *px_curve_of_point(size_t point_len, size_t *oid_len)
{
    switch (point_len) {
    case 65:
        *oid_len = sizeof px_oid_p256;
        return px_oid_p256;
    case 97:
        *oid_len = sizeof px_oid_p384;
        return px_oid_p384;
    case 133:
        *oid_len = sizeof px_oid_p521;
        return px_oid_p521;
    default:
        return NULL;
    }
}

/* SPKI of an EC key: uncompressed point on P-256, P-384 or P-521. */
static bool px_spki_ec(const uint8_t *point, size_t point_len, uint8_t *out, size_t cap,
                       size_t *len)
{
    size_t oid_len;
    const uint8_t *oid = px_curve_of_point(point_len, &oid_len);
    if (!oid || point[0] != 0x04)
        return false;
    uint8_t oids[32], alg[40];
    codec_writer o, a;
    codec_writer_init(&o, oids, sizeof oids);
    px_der_put(&o, 0x06, px_oid_ec_public_key, sizeof px_oid_ec_public_key);
    px_der_put(&o, 0x06, oid, oid_len);
    codec_writer_init(&a, alg, sizeof alg);
    px_der_put(&a, 0x30, oids, o.len);
    return !o.overflow && !a.overflow && px_spki(alg, a.len, point, point_len, out, cap, len);
}

/* Reads one TLV that must fill [v, v+n) exactly. */
static bool px_der_whole(const uint8_t *v, size_t n, uint32_t want, const uint8_t **body,
                         size_t *len)
{
    codec_reader r;
    uint32_t tag;
    codec_reader_init(&r, v, n);
    return codec_ber_read_tlv(&r, &tag, body, len) && tag == want &&
           codec_reader_remaining(&r) == 0;
}

/* The public key template 7F49 of GENERATE: RSA 81 n, 82 e; EC 86 point (06 curve ignored: the
 * point's length names the curve). Builds the SPKI. */
static isoIec23465_Status px_spki_from_7f49(const uint8_t *d, size_t n, uint8_t *out, size_t cap,
                                            size_t *len)
{
    const uint8_t *body, *mod = NULL, *exp = NULL, *point = NULL;
    size_t bl, mod_len = 0, exp_len = 0, point_len = 0;
    if (!px_der_whole(d, n, 0x7F49, &body, &bl))
        return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                            "GENERATE ASYMMETRIC KEY PAIR: the answer is not a template 7F49");
    codec_reader r;
    codec_reader_init(&r, body, bl);
    while (codec_reader_remaining(&r) > 0) {
        uint32_t tag;
        const uint8_t *v;
        size_t l;
        if (!codec_ber_read_tlv(&r, &tag, &v, &l))
            return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                                "GENERATE ASYMMETRIC KEY PAIR: malformed template 7F49");
        if (tag == 0x81) {
            mod = v;
            mod_len = l;
        } else if (tag == 0x82) {
            exp = v;
            exp_len = l;
        } else if (tag == 0x86) {
            point = v;
            point_len = l;
        }
    }
    bool ok = false;
    if (mod && exp && mod_len && exp_len && mod_len <= PX_KEY_MAX_BYTES + 1 && exp_len <= 8)
        ok = px_spki_rsa(mod, mod_len, exp, exp_len, out, cap, len);
    else if (point && !mod)
        ok = px_spki_ec(point, point_len, out, cap, len);
    if (!ok)
        return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                            "GENERATE ASYMMETRIC KEY PAIR: template 7F49 holds no RSA key and no "
                            "P-256/P-384/P-521 point");
    return isoIec23465_Success;
}

/* The content of a public-key EF: a SubjectPublicKeyInfo (kept as is) or, for RSA, an
 * RSAPublicKey (wrapped). */
static isoIec23465_Status px_spki_from_ef(const uint8_t *d, size_t n, uint8_t *out, size_t cap,
                                          size_t *len)
{
    const uint8_t *body;
    size_t bl;
    codec_reader r;
    uint32_t tag;
    const uint8_t *v1, *v2;
    size_t l1, l2;
    if (px_der_whole(d, n, 0x30, &body, &bl)) {
        codec_reader_init(&r, body, bl);
        if (codec_ber_read_tlv(&r, &tag, &v1, &l1)) {
            if (tag == 0x30 && n <= cap) { /* AlgorithmIdentifier: already an SPKI */
                memcpy(out, d, n);
                *len = n;
                return isoIec23465_Success;
            }
            uint32_t tag2;
            if (tag == 0x02 && codec_ber_read_tlv(&r, &tag2, &v2, &l2) && tag2 == 0x02 &&
                codec_reader_remaining(&r) == 0 && l1 <= PX_KEY_MAX_BYTES + 1 && l2 <= 8 &&
                px_spki_rsa(v1, l1, v2, l2, out, cap, len))
                return isoIec23465_Success;
        }
    }
    return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                        "the public key file holds neither a SubjectPublicKeyInfo nor an "
                        "RSAPublicKey");
}

/* The SPKI of the key of `k`: the public key's EF when the entry is a PublicKey with a path,
 * else read from the card with GENERATE ASYMMETRIC KEY PAIR 00 46 81 ref. APDUs sent inside
 * the caller's transaction. */
static isoIec23465_Status px_key_read_spki(px_conn *c, const px_key_info *k, uint8_t *out,
                                           size_t *len)
{
    if (k->o->type == isoIec23465_TypePublicKey && k->o->path_len >= 2) {
        size_t size;
        isoIec23465_Status st = px_apdu_select_obj(c, k->o, &size);
        if (st != isoIec23465_Success)
            return st;
        bool to_eof = size == PX_SIZE_UNKNOWN;
        if (to_eof || size > PX_PUBLIC_EF_MAX)
            size = PX_PUBLIC_EF_MAX;
        uint8_t *ef = malloc(PX_PUBLIC_EF_MAX);
        if (!ef)
            return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                                "out of memory");
        size_t got = 0;
        st = px_apdu_read_binary(c, 0, size, to_eof, ef, &got);
        if (st == isoIec23465_Success)
            st = px_spki_from_ef(ef, got, out, PX_SPKI_MAX, len);
        free(ef);
        return st;
    }
    if (!k->ref)
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "key '%.100s' has neither a public key file nor a key reference",
                            k->o->label);
    const uint8_t *r;
    size_t rl;
    isoIec23465_Status st = px_key_cmd_ok(c, 0x46, 0x81, k->ref, NULL, 0, PX_KEY_ANY,
                                          "GENERATE ASYMMETRIC KEY PAIR (read)", &r, &rl);
    if (st == isoIec23465_Success)
        st = px_spki_from_7f49(r, rl, out, PX_SPKI_MAX, len);
    return st;
}

/* ---- Signature formats ---------------------------------------------------------------------- */

/* Copies an ECDSA signature as plain r || s of 2 * fs bytes: the card's answer is either that
 * already or DER SEQUENCE { INTEGER r, INTEGER s }. */
static bool px_ecdsa_plain(const uint8_t *d, size_t n, size_t fs, uint8_t *out)
{
    if (n == 2 * fs) {
        memcpy(out, d, n);
        return true;
    }
    const uint8_t *body;
    size_t bl;
    if (!px_der_whole(d, n, 0x30, &body, &bl))
        return false;
    codec_reader r;
    codec_reader_init(&r, body, bl);
    for (int i = 0; i < 2; i++) {
        uint32_t tag;
        const uint8_t *v;
        size_t l;
        if (!codec_ber_read_tlv(&r, &tag, &v, &l) || tag != 0x02 || l == 0)
            return false;
        while (l > 1 && v[0] == 0) {
            v++;
            l--;
        }
        if (l > fs)
            return false;
        memset(out + i * fs, 0, fs - l);
        memcpy(out + i * fs + (fs - l), v, l);
    }
    return codec_reader_remaining(&r) == 0;
}

/* ---- Key ------------------------------------------------------------------------------------ */

isoIec23465_Status isoIec23465_Key_getKeyType(isoIec23465_Key *key, isoIec23465_KeyType *type)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!type)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL type");
    else if (!k.type)
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                          "the type of key '%.100s' is not known", k.o->label);
    else
        *type = k.type;
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Key_getKeySize(isoIec23465_Key *key, size_t *bits)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!bits)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL bits");
    else if (!k.bits)
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                          "the size of key '%.100s' is not known", k.o->label);
    else
        *bits = k.bits;
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Key_getUsage(isoIec23465_Key *key, unsigned *usage)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!usage)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL usage");
    else
        *usage = k.usage;
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Key_getSupportedMechanisms(isoIec23465_Key *key,
                                                          isoIec23465_Mechanism *mechanisms,
                                                          size_t *count)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!count)
        return px_key_fail(
            c, px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL count"));
    /* Each mechanism once, in the order of the table. */
    isoIec23465_Mechanism list[PX_MAX_ALGS];
    size_t n = 0;
    for (size_t i = 0; i < k.n_algs && i < PX_MAX_ALGS; i++) {
        bool seen = false;
        for (size_t j = 0; j < n; j++)
            seen |= list[j] == k.algs[i].mechanism;
        if (!seen)
            list[n++] = k.algs[i].mechanism;
    }
    if (mechanisms && *count < n)
        st = px_error_buffer(n);
    else if (mechanisms)
        memcpy(mechanisms, list, n * sizeof list[0]);
    if (st == isoIec23465_Success)
        *count = n;
    px_handle_leave(c);
    return st;
}

/* ---- AsymmetricKey ------------------------------------------------------------------------ */

/* A new PublicKey handle owned by `key` on entry `o` (the PuKDF entry, or the private key's own
 * entry when it has no public one: export then reads the key from the card). */
static isoIec23465_Status px_key_public_handle(isoIec23465_Handle *key, px_conn *c,
                                               const px_desc_obj *o, isoIec23465_PublicKey **out)
{
    isoIec23465_Handle *h = px_handle_new(isoIec23465_TypePublicKey, key, c);
    if (!h)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    snprintf(h->label, sizeof h->label, "%s", o->label ? o->label : "");
    memcpy(h->id, o->id, o->id_len < sizeof h->id ? o->id_len : sizeof h->id);
    h->id_len = o->id_len < sizeof h->id ? o->id_len : sizeof h->id;
    h->app = o->app;
    h->obj = o;
    *out = h;
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_AsymmetricKey_generateKeyPair(isoIec23465_AsymmetricKey *key,
                                                             isoIec23465_PublicKey **publicKey)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeAsymmetricKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!publicKey)
        return px_key_fail(c, px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                           "NULL publicKey"));
    /* The slot is the private key's: a PublicKey handle names it through its pair. */
    const px_desc_obj *slot = k.o->type == isoIec23465_TypePublicKey && k.pair ? k.pair : k.o;
    if (!k.ref)
        return px_key_fail(
            c, px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "key '%.100s' has no key reference to generate into", k.o->label));
    st = px_key_begin(c, &k);
    const uint8_t *r;
    size_t rl;
    if (st == isoIec23465_Success)
        st = px_key_cmd_ok(c, 0x46, 0x80, k.ref, NULL, 0, PX_KEY_ANY,
                           "GENERATE ASYMMETRIC KEY PAIR", &r, &rl);
    uint8_t spki[PX_SPKI_MAX];
    size_t spki_len;
    if (st == isoIec23465_Success)
        st = px_spki_from_7f49(r, rl, spki, sizeof spki, &spki_len); /* checks the answer */
    if (st == isoIec23465_Success)
        st = px_key_public_handle(key, c, slot, publicKey);
    px_key_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_AsymmetricKey_getPublicKey(isoIec23465_AsymmetricKey *key,
                                                          isoIec23465_PublicKey **publicKey)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeAsymmetricKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!publicKey)
        return px_key_fail(c, px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                           "NULL publicKey"));
    const px_desc_obj *o = k.o;
    if (o->type == isoIec23465_TypePrivateKey && k.pair &&
        k.pair->type == isoIec23465_TypePublicKey)
        o = k.pair;
    st = px_key_public_handle(key, c, o, publicKey);
    px_handle_leave(c);
    return st;
}

/* ---- PublicKey ---------------------------------------------------------------------------- */

isoIec23465_Status isoIec23465_PublicKey_export(isoIec23465_PublicKey *key, uint8_t *buf,
                                                size_t *len)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypePublicKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!len)
        return px_key_fail(
            c, px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL len"));
    uint8_t spki[PX_SPKI_MAX];
    size_t n = 0;
    st = px_apdu_begin(c);
    if (st == isoIec23465_Success)
        st = px_key_read_spki(c, &k, spki, &n);
    if (st == isoIec23465_Success)
        st = px_out_bytes(spki, n, buf, len);
    px_key_leave(c);
    return st;
}

/* Checks of a signature's input common to sign and verify; sets *ref, *digest_info. */
static isoIec23465_Status px_sig_check(const px_key_info *k, isoIec23465_Mechanism m,
                                       isoIec23465_Hash h, const uint8_t *hv, size_t hl,
                                       unsigned usage_bits, const char *op, uint8_t *ref,
                                       bool *digest_info)
{
    if (m != isoIec23465_MechRsaPkcs1V15 && m != isoIec23465_MechRsaPss &&
        m != isoIec23465_MechEcdsa)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s is not a signature mechanism", px_mech_name(m));
    if (k->type && px_mech_key_type(m) != k->type)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s does not apply to key '%.100s' of another type", px_mech_name(m),
                            k->o->label);
    if (!px_hash_valid(h))
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "unknown hash %d",
                            (int)h);
    if (!hv || hl == 0)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "NULL or empty hash value");
    if (h != isoIec23465_HashNone && hl != px_hash_len(h))
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "hash value of %zu bytes, the hash gives %zu", hl, px_hash_len(h));
    size_t kb = px_key_bytes(k);
    if (h == isoIec23465_HashNone) {
        if (m == isoIec23465_MechRsaPss)
            return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                "RSA-PSS needs the hash named");
        if (m == isoIec23465_MechRsaPkcs1V15 && kb && hl + 11 > kb)
            return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                "%zu bytes do not fit a PKCS#1 v1.5 signature of %zu bytes", hl,
                                kb);
        if (m == isoIec23465_MechEcdsa && hl > 64)
            return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                "ECDSA takes a hash of at most 64 bytes");
    }
    if (k->usage && !(k->usage & usage_bits))
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "key '%.100s' is not for %s", k->o->label, op);
    if (!k->ref)
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "key '%.100s' has no key reference on the device", k->o->label);
    if (!px_key_alg(k, m, h, usage_bits, ref, digest_info))
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "the device offers no %s%s%s for key '%.100s'", px_mech_name(m),
                            h ? " with SHA-" : "",
                            h == isoIec23465_HashSha256   ? "256"
                            : h == isoIec23465_HashSha384 ? "384"
                            : h == isoIec23465_HashSha512 ? "512"
                                                          : "",
                            k->o->label);
    return isoIec23465_Success;
}

/* The data a signature algorithm takes: the hash, or DigestInfo || hash. */
static size_t px_sig_input(isoIec23465_Hash h, bool digest_info, const uint8_t *hv, size_t hl,
                           uint8_t *out)
{
    size_t n = 0;
    if (digest_info) {
        memcpy(out, px_digest_info(h), PX_DI_LEN);
        n = PX_DI_LEN;
    }
    memcpy(out + n, hv, hl);
    return n + hl;
}

/* The signature length of a key (RSA: the modulus, ECDSA: plain r || s); 0 when unknown. */
static size_t px_sig_len(const px_key_info *k)
{
    return k->type == isoIec23465_KeyEc ? 2 * px_key_bytes(k) : px_key_bytes(k);
}

/* The longest answer to a signature command: an ECDSA signature may come as DER (up to 9 bytes
 * more than r || s). */
static size_t px_sig_expect(const px_key_info *k, size_t need)
{
    return !need ? PX_KEY_ANY : k->type == isoIec23465_KeyEc ? need + 9 : need;
}

isoIec23465_Status isoIec23465_PublicKey_verify(isoIec23465_PublicKey *key,
                                                isoIec23465_Mechanism mechanism,
                                                isoIec23465_Hash hash, const uint8_t *hashValue,
                                                size_t hashLen, const uint8_t *signature,
                                                size_t signatureLen, int *valid)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypePublicKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    uint8_t ref = 0;
    bool di = false;
    if (!valid || !signature || signatureLen == 0)
        return px_key_fail(c, px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                           "NULL valid, or NULL or empty signature"));
    st = px_sig_check(&k, mechanism, hash, hashValue, hashLen,
                      ISOIEC23465_USAGE_VERIFY | ISOIEC23465_USAGE_SIGN, "verification", &ref, &di);
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    size_t want = px_sig_len(&k);
    if ((want && signatureLen != want) || signatureLen > 2 * PX_KEY_MAX_BYTES) {
        /* A signature of another length cannot be valid: no need to ask the device. */
        *valid = 0;
        px_handle_leave(c);
        return isoIec23465_Success;
    }
    /* 90 (DigestInfo ||) hash, 9E signature */
    uint8_t d[4 + PX_DI_LEN + 64 + 4 + 2 * PX_KEY_MAX_BYTES], in[PX_DI_LEN + 64];
    size_t in_len = px_sig_input(hash, di, hashValue, hashLen, in);
    codec_writer w;
    codec_writer_init(&w, d, sizeof d);
    px_der_put(&w, 0x90, in, in_len);
    px_der_put(&w, 0x9E, signature, signatureLen);
    st = px_key_begin(c, &k);
    if (st == isoIec23465_Success)
        st = px_key_mse(c, 0x81, 0xB6, ref, 0x83, k.ref, NULL);
    const uint8_t *r;
    size_t rl;
    uint16_t sw = 0;
    if (st == isoIec23465_Success)
        st = px_key_cmd(c, 0x2A, 0x00, 0xA8, d, w.len, 0, &r, &rl, &sw);
    if (st == isoIec23465_Success) {
        if (sw == 0x9000 || sw == PX_SW_VERIFICATION_FAILED)
            *valid = sw == 0x9000;
        else
            st = px_error_set_sw(sw, "PERFORM SECURITY OPERATION: VERIFY DIGITAL SIGNATURE");
    }
    px_key_leave(c);
    return st;
}

/* Checks of an RSA encryption mechanism and its OAEP hash; *max_in receives the longest
 * plaintext (0 when the key size is unknown). */
static isoIec23465_Status px_rsa_cipher_check(const px_key_info *k, isoIec23465_Mechanism m,
                                              isoIec23465_Hash h, unsigned usage_bits,
                                              const char *op, uint8_t *ref, size_t *max_in)
{
    if (m != isoIec23465_MechRsaPkcs1V15 && m != isoIec23465_MechRsaOaep)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s is not an RSA encryption mechanism", px_mech_name(m));
    if (k->type && k->type != isoIec23465_KeyRsa)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s does not apply to key '%.100s' of another type", px_mech_name(m),
                            k->o->label);
    if (m == isoIec23465_MechRsaPkcs1V15 ? h != isoIec23465_HashNone : px_hash_len(h) == 0)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "%s",
                            m == isoIec23465_MechRsaOaep
                                ? "RSA-OAEP needs its hash (SHA-256/384/512)"
                                : "PKCS#1 v1.5 encryption takes no hash (HashNone)");
    if (k->usage && !(k->usage & usage_bits))
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "key '%.100s' is not for %s", k->o->label, op);
    bool di;
    if (!k->ref || !px_key_alg(k, m, h, usage_bits, ref, &di))
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "the device offers no %s for key '%.100s'", px_mech_name(m),
                            k->o->label);
    size_t kb = px_key_bytes(k), over = m == isoIec23465_MechRsaOaep ? 2 * px_hash_len(h) + 2 : 11;
    *max_in = kb > over ? kb - over : 0;
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_PublicKey_encrypt(isoIec23465_PublicKey *key,
                                                 isoIec23465_Mechanism mechanism,
                                                 isoIec23465_Hash hash, const uint8_t *in,
                                                 size_t inLen, uint8_t *out, size_t *outLen)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypePublicKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!in || inLen == 0 || !outLen)
        return px_key_fail(c, px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                           "NULL or empty input, or NULL outLen"));
    uint8_t ref = 0;
    size_t max_in = 0;
    st = px_rsa_cipher_check(&k, mechanism, hash,
                             ISOIEC23465_USAGE_ENCRYPT | ISOIEC23465_USAGE_DECRYPT, "encryption",
                             &ref, &max_in);
    if (st == isoIec23465_Success && max_in && inLen > max_in)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "%zu bytes exceed the %zu this key and padding take", inLen, max_in);
    size_t need = px_key_bytes(&k);
    if (st == isoIec23465_Success && !out) {
        *outLen = need ? need : PX_KEY_MAX_BYTES; /* size query: the cryptogram length */
        px_handle_leave(c);
        return st;
    }
    if (st == isoIec23465_Success && need && *outLen < need)
        st = px_error_buffer(need);
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    st = px_key_begin(c, &k);
    if (st == isoIec23465_Success)
        st = px_key_mse(c, 0x81, 0xB8, ref, 0x83, k.ref, NULL);
    const uint8_t *r;
    size_t rl;
    if (st == isoIec23465_Success)
        st = px_key_cmd_ok(c, 0x2A, 0x86, 0x80, in, inLen, need ? need + 1 : PX_KEY_ANY,
                           "PERFORM SECURITY OPERATION: ENCIPHER", &r, &rl);
    /* answer: padding indicator || cryptogram */
    if (st == isoIec23465_Success && (rl < 2 || (need && rl - 1 != need)))
        st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                          "ENCIPHER answered %zu bytes", rl);
    if (st == isoIec23465_Success && *outLen < rl - 1)
        st = px_error_buffer(rl - 1);
    if (st == isoIec23465_Success) {
        memcpy(out, r + 1, rl - 1);
        *outLen = rl - 1;
    }
    px_key_leave(c);
    return st;
}

/* ---- PrivateKey --------------------------------------------------------------------------- */

isoIec23465_Status isoIec23465_PrivateKey_sign(isoIec23465_PrivateKey *key,
                                               isoIec23465_Mechanism mechanism,
                                               isoIec23465_Hash hash, const uint8_t *hashValue,
                                               size_t hashLen, uint8_t *signature,
                                               size_t *signatureLen)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypePrivateKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!signatureLen)
        return px_key_fail(c, px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                           "NULL signatureLen"));
    uint8_t ref = 0;
    bool di = false;
    st = px_sig_check(&k, mechanism, hash, hashValue, hashLen, ISOIEC23465_USAGE_SIGN, "signing",
                      &ref, &di);
    size_t need = px_sig_len(&k);
    if (st == isoIec23465_Success && !signature) {
        *signatureLen = need ? need : 2 * PX_KEY_MAX_BYTES; /* size query */
        px_handle_leave(c);
        return st;
    }
    if (st == isoIec23465_Success && need && *signatureLen < need)
        st = px_error_buffer(need);
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    uint8_t in[PX_DI_LEN + 64];
    size_t in_len = px_sig_input(hash, di, hashValue, hashLen, in);
    st = px_key_begin(c, &k);
    if (st == isoIec23465_Success)
        st = px_key_mse(c, 0x41, 0xB6, ref, 0x84, k.ref, NULL);
    const uint8_t *r;
    size_t rl;
    if (st == isoIec23465_Success)
        st = px_key_cmd_ok(c, 0x2A, 0x9E, 0x9A, in, in_len, px_sig_expect(&k, need),
                           "PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE", &r, &rl);
    if (st == isoIec23465_Success) {
        uint8_t sig[2 * PX_KEY_MAX_BYTES];
        size_t n = rl;
        bool ok;
        if (k.type == isoIec23465_KeyEc && need) {
            ok = px_ecdsa_plain(r, rl, need / 2, sig);
            n = need;
        } else {
            ok = rl > 0 && rl <= sizeof sig && (!need || rl == need);
            if (ok)
                memcpy(sig, r, rl);
        }
        if (!ok)
            st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                              "COMPUTE DIGITAL SIGNATURE answered %zu bytes that are not a "
                              "signature of this key",
                              rl);
        else if (*signatureLen < n)
            st = px_error_buffer(n);
        else {
            memcpy(signature, sig, n);
            *signatureLen = n;
        }
    }
    px_key_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_PrivateKey_decrypt(isoIec23465_PrivateKey *key,
                                                  isoIec23465_Mechanism mechanism,
                                                  isoIec23465_Hash hash, const uint8_t *in,
                                                  size_t inLen, uint8_t *out, size_t *outLen)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypePrivateKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    if (!in || inLen == 0 || !outLen)
        return px_key_fail(c, px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                                           "NULL or empty input, or NULL outLen"));
    uint8_t ref = 0;
    size_t max_out = 0, kb = px_key_bytes(&k);
    st = px_rsa_cipher_check(&k, mechanism, hash, ISOIEC23465_USAGE_DECRYPT, "decryption", &ref,
                             &max_out);
    if (st == isoIec23465_Success && ((kb && inLen != kb) || inLen > PX_KEY_MAX_BYTES))
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "a cryptogram of this key has %zu bytes, not %zu", kb, inLen);
    if (st == isoIec23465_Success && !out) {
        *outLen = max_out ? max_out : PX_KEY_MAX_BYTES; /* size query: the longest plaintext */
        px_handle_leave(c);
        return st;
    }
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    /* padding indicator 00 || cryptogram (extended length or chaining for RSA-2048 and up) */
    uint8_t d[1 + PX_KEY_MAX_BYTES];
    d[0] = 0x00;
    memcpy(d + 1, in, inLen);
    st = px_key_begin(c, &k);
    if (st == isoIec23465_Success)
        st = px_key_mse(c, 0x41, 0xB8, ref, 0x84, k.ref, NULL);
    const uint8_t *r;
    size_t rl = 0;
    if (st == isoIec23465_Success)
        st = px_key_cmd_ok(c, 0x2A, 0x80, 0x86, d, inLen + 1, inLen,
                           "PERFORM SECURITY OPERATION: DECIPHER", &r, &rl);
    if (st == isoIec23465_Success && *outLen < rl)
        st = px_error_buffer(rl);
    if (st == isoIec23465_Success) {
        memcpy(out, r, rl);
        *outLen = rl;
    }
    px_key_wipe_response(c);
    px_key_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_PrivateKey_deriveSharedSecret(isoIec23465_PrivateKey *key,
                                                             const uint8_t *peerPoint,
                                                             size_t peerLen, uint8_t *out,
                                                             size_t *outLen)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypePrivateKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    size_t fs = px_key_bytes(&k);
    if (!peerPoint || !outLen)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "NULL peer point or outLen");
    else if (k.type && k.type != isoIec23465_KeyEc)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "ECDH does not apply to key '%.100s' of another type", k.o->label);
    else if (peerLen < 3 || peerPoint[0] != 0x04 || peerLen % 2 == 0 ||
             (fs && peerLen != 1 + 2 * fs) || peerLen > 1 + 2 * PX_EC_MAX_FIELD)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "the peer point is not an uncompressed point (04 || x || y) of this "
                          "curve");
    uint8_t ref = 0;
    bool di;
    if (st == isoIec23465_Success && k.usage && !(k.usage & ISOIEC23465_USAGE_DERIVE))
        st = px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                          "key '%.100s' is not for key agreement", k.o->label);
    else if (st == isoIec23465_Success &&
             (!k.ref || !px_key_alg(&k, isoIec23465_MechEcdh, isoIec23465_HashNone,
                                    ISOIEC23465_USAGE_DERIVE, &ref, &di)))
        st = px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                          "the device offers no ECDH for key '%.100s'", k.o->label);
    size_t need = fs ? fs : (peerLen - 1) / 2;
    if (st == isoIec23465_Success && !out) {
        *outLen = need;
        px_handle_leave(c);
        return st;
    }
    if (st == isoIec23465_Success && *outLen < need)
        st = px_error_buffer(need);
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    /* 7C { 85 point, 82 00 (asks for the shared secret) } */
    uint8_t d[8 + 1 + 2 * PX_EC_MAX_FIELD], body[4 + 1 + 2 * PX_EC_MAX_FIELD];
    codec_writer b, w;
    codec_writer_init(&b, body, sizeof body);
    px_der_put(&b, 0x85, peerPoint, peerLen);
    px_der_put(&b, 0x82, NULL, 0);
    codec_writer_init(&w, d, sizeof d);
    px_der_put(&w, 0x7C, body, b.len);
    st = px_key_begin(c, &k);
    if (st == isoIec23465_Success)
        st = px_key_mse(c, 0x41, 0xA6, ref, 0x84, k.ref, NULL);
    const uint8_t *r;
    size_t rl = 0;
    if (st == isoIec23465_Success)
        st =
            px_key_cmd_ok(c, 0x86, 0x00, 0x00, d, w.len, 4 + need, "GENERAL AUTHENTICATE", &r, &rl);
    if (st == isoIec23465_Success) {
        const uint8_t *dyn, *secret;
        size_t dl, sl;
        if (!px_der_whole(r, rl, 0x7C, &dyn, &dl) || !px_der_whole(dyn, dl, 0x82, &secret, &sl) ||
            sl != need)
            st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                              "GENERAL AUTHENTICATE answered no 7C { 82 shared secret } of %zu "
                              "bytes",
                              need);
        else {
            memcpy(out, secret, sl);
            *outLen = sl;
        }
    }
    px_key_wipe_response(c);
    px_key_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_PrivateKey_internalAuthenticate(isoIec23465_PrivateKey *key,
                                                               const uint8_t *challenge,
                                                               size_t challengeLen, uint8_t *out,
                                                               size_t *outLen)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypePrivateKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    size_t kb = px_key_bytes(&k);
    isoIec23465_Mechanism m =
        k.type == isoIec23465_KeyEc ? isoIec23465_MechEcdsa : isoIec23465_MechRsaPkcs1V15;
    uint8_t ref = 0;
    bool di;
    if (!challenge || challengeLen == 0 || !outLen)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "NULL or empty challenge, or NULL outLen");
    else if (m == isoIec23465_MechEcdsa ? challengeLen > 64 : (kb && challengeLen + 11 > kb))
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "a challenge of %zu bytes is too long for this key", challengeLen);
    else if (k.usage && !(k.usage & (ISOIEC23465_USAGE_AUTHENTICATE | ISOIEC23465_USAGE_SIGN)))
        st = px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                          "key '%.100s' is not for internal authentication", k.o->label);
    else if (!k.ref ||
             !px_key_alg(&k, m, isoIec23465_HashNone,
                         ISOIEC23465_USAGE_SIGN | ISOIEC23465_USAGE_AUTHENTICATE, &ref, &di))
        st = px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                          "the device offers no %s over a challenge for key '%.100s'",
                          px_mech_name(m), k.o->label);
    size_t need = px_sig_len(&k);
    if (st == isoIec23465_Success && !out) {
        *outLen = need ? need : 2 * PX_KEY_MAX_BYTES;
        px_handle_leave(c);
        return st;
    }
    if (st == isoIec23465_Success && need && *outLen < need)
        st = px_error_buffer(need);
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    st = px_key_begin(c, &k);
    const uint8_t *r;
    size_t rl;
    if (st == isoIec23465_Success)
        st = px_key_cmd_ok(c, 0x88, ref, k.ref, challenge, challengeLen, px_sig_expect(&k, need),
                           "INTERNAL AUTHENTICATE", &r, &rl);
    if (st == isoIec23465_Success) {
        uint8_t sig[2 * PX_KEY_MAX_BYTES];
        size_t n = need ? need : rl;
        bool ok = m == isoIec23465_MechEcdsa && need ? px_ecdsa_plain(r, rl, need / 2, sig)
                                                     : rl <= sizeof sig && (!need || rl == need);
        if (ok && !(m == isoIec23465_MechEcdsa && need))
            memcpy(sig, r, rl);
        if (!ok)
            st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                              "INTERNAL AUTHENTICATE answered %zu bytes that are not a signature "
                              "of this key",
                              rl);
        else if (*outLen < n)
            st = px_error_buffer(n);
        else {
            memcpy(out, sig, n);
            *outLen = n;
        }
    }
    px_key_leave(c);
    return st;
}

/* ---- SecretKey ---------------------------------------------------------------------------- */

/* Checks of an AES operation's mechanism against the key: type, usage (usage_bits 0: the usage
 * bits have no MAC flag, the algorithm list alone decides), algorithm reference. */
static isoIec23465_Status px_aes_check(const px_key_info *k, isoIec23465_Mechanism m, bool mac,
                                       unsigned usage_bits, const char *op, uint8_t *ref)
{
    bool fits = mac ? m == isoIec23465_MechAesCmac
                    : m == isoIec23465_MechAesCbc || m == isoIec23465_MechAesEcb;
    if (!fits)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s is not a mechanism for %s", px_mech_name(m), op);
    if (k->type && k->type != isoIec23465_KeyAes)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s does not apply to key '%.100s' of another type", px_mech_name(m),
                            k->o->label);
    if (usage_bits && k->usage && !(k->usage & usage_bits))
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "key '%.100s' is not for %s", k->o->label, op);
    bool di;
    if (!k->ref || !px_key_alg(k, m, isoIec23465_HashNone, usage_bits, ref, &di))
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "the device offers no %s for key '%.100s'", px_mech_name(m),
                            k->o->label);
    return isoIec23465_Success;
}

/* SecretKey encrypt (enc) or decrypt: MSE SET CT (81 / 41 B8 {80, 83, [87 IV]}), then PSO
 * ENCIPHER (86 80, answer 00 || cryptogram) or DECIPHER (80 86, data 00 || cryptogram). */
static isoIec23465_Status px_aes_cipher(bool enc, isoIec23465_SecretKey *key,
                                        isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                        size_t ivLen, const uint8_t *in, size_t inLen, uint8_t *out,
                                        size_t *outLen)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeSecretKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    uint8_t ref = 0;
    if (!in || !outLen)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "NULL input or outLen");
    else
        st = px_aes_check(&k, mechanism, false,
                          enc ? ISOIEC23465_USAGE_ENCRYPT : ISOIEC23465_USAGE_DECRYPT,
                          enc ? "encryption" : "decryption", &ref);
    bool cbc = mechanism == isoIec23465_MechAesCbc;
    if (st == isoIec23465_Success && (cbc ? !iv || ivLen != PX_AES_BLOCK : iv || ivLen))
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "%s",
                          cbc ? "AES-CBC needs a 16-byte IV" : "AES-ECB takes no IV");
    /* Whole blocks; the answer (ENCIPHER: one more byte) must fit one response. */
    size_t max = c->max_le > 1 ? ((c->max_le - 1) / PX_AES_BLOCK) * PX_AES_BLOCK : 0;
    if (st == isoIec23465_Success && (inLen == 0 || inLen % PX_AES_BLOCK || inLen > max))
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "input of %zu bytes: whole 16-byte blocks, 16..%zu bytes, no padding",
                          inLen, max);
    if (st == isoIec23465_Success && !out) {
        *outLen = inLen;
        px_handle_leave(c);
        return st;
    }
    if (st == isoIec23465_Success && *outLen < inLen)
        st = px_error_buffer(inLen);
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    uint8_t *d = NULL;
    if (!enc) {
        d = malloc(inLen + 1);
        if (!d)
            return px_key_fail(c, px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                                               "out of memory"));
        d[0] = 0x00;
        memcpy(d + 1, in, inLen);
    }
    st = px_key_begin(c, &k);
    if (st == isoIec23465_Success)
        st = px_key_mse(c, enc ? 0x81 : 0x41, 0xB8, ref, 0x83, k.ref, cbc ? iv : NULL);
    const uint8_t *r;
    size_t rl = 0;
    if (st == isoIec23465_Success)
        st = enc ? px_key_cmd_ok(c, 0x2A, 0x86, 0x80, in, inLen, inLen + 1,
                                 "PERFORM SECURITY OPERATION: ENCIPHER", &r, &rl)
                 : px_key_cmd_ok(c, 0x2A, 0x80, 0x86, d, inLen + 1, inLen,
                                 "PERFORM SECURITY OPERATION: DECIPHER", &r, &rl);
    size_t skip = enc ? 1 : 0; /* ENCIPHER: padding indicator first */
    if (st == isoIec23465_Success && rl != inLen + skip)
        st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                          "the device answered %zu bytes for %zu", rl, inLen);
    if (st == isoIec23465_Success) {
        memcpy(out, r + skip, inLen);
        *outLen = inLen;
    }
    px_key_wipe_response(c);
    px_key_leave(c);
    free(d);
    return st;
}

isoIec23465_Status isoIec23465_SecretKey_encrypt(isoIec23465_SecretKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                                 size_t ivLen, const uint8_t *in, size_t inLen,
                                                 uint8_t *out, size_t *outLen)
{
    return px_aes_cipher(true, key, mechanism, iv, ivLen, in, inLen, out, outLen);
}

isoIec23465_Status isoIec23465_SecretKey_decrypt(isoIec23465_SecretKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                                 size_t ivLen, const uint8_t *in, size_t inLen,
                                                 uint8_t *out, size_t *outLen)
{
    return px_aes_cipher(false, key, mechanism, iv, ivLen, in, inLen, out, outLen);
}

/* Largest message of one checksum command (its data field, tags included, in one APDU). */
static size_t px_mac_max(const px_conn *c)
{
    return c->ext ? px_apdu_max_lc(c) - 8 - PX_AES_BLOCK : 255 - 4 - PX_AES_BLOCK;
}

isoIec23465_Status isoIec23465_SecretKey_computeMac(isoIec23465_SecretKey *key,
                                                    isoIec23465_Mechanism mechanism,
                                                    const uint8_t *data, size_t len, uint8_t *mac,
                                                    size_t *macLen)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeSecretKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    uint8_t ref = 0;
    if (!data || len == 0 || !macLen)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "NULL or empty data, or NULL macLen");
    else if (len > px_mac_max(c))
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "%zu bytes exceed the %zu of one command", len, px_mac_max(c));
    else
        st = px_aes_check(&k, mechanism, true, 0, "MAC computation", &ref);
    if (st == isoIec23465_Success && !mac) {
        *macLen = PX_AES_BLOCK;
        px_handle_leave(c);
        return st;
    }
    if (st == isoIec23465_Success && *macLen < PX_AES_BLOCK)
        st = px_error_buffer(PX_AES_BLOCK);
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    st = px_key_begin(c, &k);
    if (st == isoIec23465_Success)
        st = px_key_mse(c, 0x41, 0xB4, ref, 0x83, k.ref, NULL);
    const uint8_t *r;
    size_t rl;
    if (st == isoIec23465_Success)
        st = px_key_cmd_ok(c, 0x2A, 0x8E, 0x80, data, len, PX_AES_BLOCK,
                           "PERFORM SECURITY OPERATION: COMPUTE CRYPTOGRAPHIC CHECKSUM", &r, &rl);
    if (st == isoIec23465_Success && rl != PX_AES_BLOCK)
        st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                          "COMPUTE CRYPTOGRAPHIC CHECKSUM answered %zu bytes, not 16", rl);
    if (st == isoIec23465_Success) {
        memcpy(mac, r, rl);
        *macLen = rl;
    }
    px_key_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_SecretKey_verifyMac(isoIec23465_SecretKey *key,
                                                   isoIec23465_Mechanism mechanism,
                                                   const uint8_t *data, size_t len,
                                                   const uint8_t *mac, size_t macLen, int *valid)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeSecretKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    uint8_t ref = 0;
    if (!data || len == 0 || !mac || !valid)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "NULL or empty data, NULL mac or NULL valid");
    else if (macLen < PX_MAC_MIN || macLen > PX_AES_BLOCK)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "a MAC of %zu bytes: 4..16 are checked", macLen);
    else if (len > px_mac_max(c))
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "%zu bytes exceed the %zu of one command", len, px_mac_max(c));
    else
        st = px_aes_check(&k, mechanism, true, 0, "MAC verification", &ref);
    if (st != isoIec23465_Success)
        return px_key_fail(c, st);
    /* 80 message, 8E MAC */
    uint8_t *d = malloc(len + 8 + PX_AES_BLOCK);
    if (!d)
        return px_key_fail(
            c, px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory"));
    codec_writer w;
    codec_writer_init(&w, d, len + 8 + PX_AES_BLOCK);
    px_der_put(&w, 0x80, data, len);
    px_der_put(&w, 0x8E, mac, macLen);
    st = px_key_begin(c, &k);
    if (st == isoIec23465_Success)
        st = px_key_mse(c, 0x81, 0xB4, ref, 0x83, k.ref, NULL);
    const uint8_t *r;
    size_t rl;
    uint16_t sw = 0;
    if (st == isoIec23465_Success)
        st = px_key_cmd(c, 0x2A, 0x00, 0xA2, d, w.len, 0, &r, &rl, &sw);
    if (st == isoIec23465_Success) {
        if (sw == 0x9000 || sw == PX_SW_VERIFICATION_FAILED)
            *valid = sw == 0x9000;
        else
            st = px_error_set_sw(sw, "PERFORM SECURITY OPERATION: VERIFY CRYPTOGRAPHIC CHECKSUM");
    }
    px_key_leave(c);
    free(d);
    return st;
}

isoIec23465_Status isoIec23465_SecretKey_generate(isoIec23465_SecretKey *key)
{
    px_conn *c;
    px_key_info k;
    isoIec23465_Status st = px_key_enter(key, isoIec23465_TypeSecretKey, &c, &k);
    if (st != isoIec23465_Success)
        return st;
    px_handle_leave(c);
    /* ISO/IEC 7816-8 GENERATE makes asymmetric pairs only; secret keys are loaded, not made. */
    return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                        "the device offers no secret key generation (GENERATE ASYMMETRIC KEY "
                        "PAIR makes RSA and EC key pairs only)");
}
