/* Key objects (ISO/IEC 7816-8): what the card holds, what each key may do, and who may use it.
 * Internal to libsdemu. The loader (emu_profile.c) fills the table from the profile's `keys:`;
 * the crypto commands (MSE, PSO, GENERATE ASYMMETRIC KEY PAIR, INTERNAL/EXTERNAL/GENERAL
 * AUTHENTICATE) use it; emu_state.c saves it; the 7816-15 publisher derives PrKDF / PuKDF / SKDF /
 * CDF entries from it. Private and secret key values never leave the card.
 *
 * Notes from helper "keys" (for p15): the card's table is card->keys (copied from
 * emu_profile_keys() by emu_card_new, generate: true keys generated right after the state
 * fingerprint and before emu_p15_publish). An empty slot keeps type / bits / curve_nid with
 * pkey NULL and secret_len 0 (emu_key_empty). public_only keys (a profile SPKI, usage verify /
 * encrypt) belong in the PuKDF only. owner == EMU_NONE: forgotten with a deleted DF. The id is
 * SHA-1 of the RSA modulus / EC point unless id_given (emu_key_derive_id). Algorithm refs:
 * emu_alg_table(), documented in docs/profile.md ("Keys and operations"). */
#ifndef EMU_KEY_H
#define EMU_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "emu_access.h"

#define EMU_MAX_KEYS 32
#define EMU_KEY_LABEL_MAX 63
#define EMU_KEY_ID_MAX 20     /* 7816-15 iD (e.g. SHA-1 of the public key) */
#define EMU_KEY_MAX_ALGS 8    /* algorithm references a key accepts */
#define EMU_KEY_MAX_SECRET 32 /* AES-256 */
#define EMU_KEY_MAX_CERT 4096 /* DER bytes of the key's certificate */

typedef enum emu_key_type {
    EMU_KEY_NONE = 0, /* no type (not used by the loader: see emu_key_empty) */
    EMU_KEY_RSA,
    EMU_KEY_EC,
    EMU_KEY_AES,
} emu_key_type;

/* An empty slot (waiting for GENERATE ASYMMETRIC KEY PAIR) keeps the type, bits and curve it
 * will get; it has neither pkey nor secret. (Note for p15: an empty slot may still be listed,
 * but has no public key to publish until generated.) Test with emu_key_empty(). */

/* Operations a key allows (profile `usage:`), as bit flags. */
enum emu_key_usage {
    EMU_KEY_SIGN = 1u << 0,
    EMU_KEY_DECRYPT = 1u << 1,
    EMU_KEY_ENCRYPT = 1u << 2,
    EMU_KEY_VERIFY = 1u << 3,
    EMU_KEY_DERIVE = 1u << 4,   /* ECDH (GENERAL AUTHENTICATE) */
    EMU_KEY_INT_AUTH = 1u << 5, /* INTERNAL AUTHENTICATE */
    EMU_KEY_EXT_AUTH = 1u << 6, /* EXTERNAL AUTHENTICATE (AES) */
    EMU_KEY_MAC = 1u << 7,      /* COMPUTE / VERIFY CRYPTOGRAPHIC CHECKSUM (AES-CMAC) */
    EMU_KEY_GENERATE = 1u << 8, /* on-card generation allowed into this slot */
};

/* Operations whose initialised OpenSSL context a key keeps between commands (emu_crypto.c):
 * OpenSSL 3 fetches the method and the digest again for every new context. */
typedef enum emu_key_ctx_op {
    EMU_KEY_CTX_SIGN,
    EMU_KEY_CTX_VERIFY,
    EMU_KEY_CTX_ENCRYPT,
    EMU_KEY_CTX_DECRYPT,
    EMU_KEY_CTX_COUNT
} emu_key_ctx_op;

/* Who may use or generate the key (PIN rules, as for files). */
typedef enum emu_key_op { EMU_KEY_OP_USE, EMU_KEY_OP_GENERATE, EMU_KEY_OP_COUNT } emu_key_op;

typedef struct emu_key {
    char label[EMU_KEY_LABEL_MAX + 1];
    uint8_t id[EMU_KEY_ID_MAX]; /* 7816-15 iD; derived from the public key when not given */
    uint8_t id_len;
    uint16_t owner; /* DF index holding the key; the MF (0) for global references */
    uint8_t ref;    /* key reference (7816-8 tags 83/84): b8 = DF-specific */
    uint8_t type;   /* emu_key_type */
    uint16_t bits;  /* RSA modulus / EC field size / AES key size */
    int curve_nid;  /* EC: NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1 */
    uint32_t usage; /* enum emu_key_usage */
    uint8_t alg_count;
    uint8_t algs[EMU_KEY_MAX_ALGS];     /* algorithm references (tag 80) the key accepts */
    EVP_PKEY *pkey;                     /* RSA / EC; NULL for AES and for an empty slot */
    uint8_t secret[EMU_KEY_MAX_SECRET]; /* AES; wiped with OPENSSL_cleanse */
    uint8_t secret_len;
    bool generated;    /* made on the card (kept in the state file) */
    uint16_t cert_len; /* DER of the certificate, 0 = none */
    uint8_t *cert;
    char cert_label[EMU_KEY_LABEL_MAX + 1];
    emu_rule access[EMU_KEY_OP_COUNT]; /* resolved from `owner` like file rules */
    /* Added by helper "keys" (fields above are stable): */
    bool id_given;          /* `id` came from the profile; else derived (emu_key_derive_id) */
    bool public_only;       /* RSA / EC public key without private part (PuKDF only, verify) */
    bool generate_at_start; /* profile `generate: true`: made by emu_card_new when empty */
    /* Added by helper "keys2": contexts made from `pkey` for the algorithm ctx_alg[op] (NULL =
     * none yet). Owned by the key: never copied; released with the material. */
    EVP_PKEY_CTX *ctx[EMU_KEY_CTX_COUNT];
    uint8_t ctx_alg[EMU_KEY_CTX_COUNT];
    EVP_MAC_CTX *mac_ctx; /* AES-CMAC keyed with `secret`, re-initialised per use */
} emu_key;

static inline bool emu_key_empty(const struct emu_key *k)
{
    return !k->pkey && k->secret_len == 0;
}

/* The key objects of a profile or card. Copy with emu_key_table_copy (EVP_PKEY references and
 * certificates are owned by each table). */
typedef struct emu_key_table {
    uint16_t count;
    emu_key keys[EMU_MAX_KEYS];
} emu_key_table;

/* An algorithm reference (MSE tag 80, P1 of INTERNAL AUTHENTICATE ...): what the card does.
 * The values are listed in docs/profile.md ("Keys"). */
typedef enum emu_alg_kind {
    EMU_ALG_RSA_PKCS1_DIGESTINFO, /* signature, input is a DigestInfo */
    EMU_ALG_RSA_PKCS1_HASH,       /* signature, input is a hash, the card adds the DigestInfo */
    EMU_ALG_RSA_PSS,              /* signature, input is a hash; salt = hash length, MGF1 */
    EMU_ALG_RSA_PKCS1_ENC,        /* encipher / decipher, PKCS#1 v1.5 */
    EMU_ALG_RSA_OAEP,             /* encipher / decipher, OAEP with hash / MGF1 hash */
    EMU_ALG_ECDSA_PLAIN,          /* signature r || s */
    EMU_ALG_ECDSA_DER,            /* signature DER SEQUENCE { r, s } */
    EMU_ALG_ECDH,                 /* key agreement (GENERAL AUTHENTICATE) */
    EMU_ALG_AES_ECB,
    EMU_ALG_AES_CBC, /* IV from the CT (tag 87), default zero */
    EMU_ALG_AES_CMAC,
    EMU_ALG_HASH, /* PSO HASH (HT template), no key */
} emu_alg_kind;

typedef struct emu_alg {
    const char *name;          /* the profile's name for it */
    const EVP_MD *(*md)(void); /* its hash (EVP_sha256 ...), NULL when none */
    uint8_t ref;               /* the byte on the wire */
    uint8_t kind;              /* emu_alg_kind */
    uint8_t key_type;          /* emu_key_type it works with */
} emu_alg;

/* The algorithm with reference `ref`, or NULL. */
const emu_alg *emu_alg_by_ref(uint8_t ref);
/* The algorithm called `name` (len bytes), or NULL. */
const emu_alg *emu_alg_by_name(const char *name, size_t len);
/* The table itself (for documentation and tests); *n receives its size. */
const emu_alg *emu_alg_table(size_t *n);

struct emu_fs;

/* The index of the key a reference designates as seen from DF `df` (b8 = 1: DF-specific,
 * searched from `df` up to the MF; b8 = 0: global, in the MF), or -1. Keys with owner EMU_NONE
 * (their DF was deleted) are never found. */
int emu_key_find(const emu_key_table *t, const struct emu_fs *fs, uint16_t df, uint8_t ref);

/* Deep copy (EVP_PKEY references taken, certificates duplicated); false when out of memory
 * (dst is then empty). */
bool emu_key_table_copy(emu_key_table *dst, const emu_key_table *src);
/* Releases keys and certificates and wipes secrets; the table is empty afterwards. */
void emu_key_table_clear(emu_key_table *t);
/* Releases one key's material (pkey, secret, contexts) leaving an empty slot of the same type. */
void emu_key_clear_material(emu_key *k);
/* Releases the key's cached OpenSSL contexts (they hold a reference to its pkey or a copy of its
 * secret). Call it before copying an emu_key by value. */
void emu_key_drop_ctx(emu_key *k);

/* The key size / curve of a key of `type` from an EVP_PKEY; false when the key is not a
 * supported kind (RSA 2048/3072/4096, EC P-256/384/521). Sets bits and curve_nid. */
bool emu_key_describe(EVP_PKEY *pkey, emu_key *k);

/* Generates the key pair of an RSA / EC slot (type, bits, curve_nid set) into k->pkey. */
bool emu_key_generate(emu_key *k);

/* Sets k->id from the public key when the profile gave none: SHA-1 of the RSA modulus or of
 * the EC point (as OpenSC does); the reference byte for AES keys and empty slots. */
void emu_key_derive_id(emu_key *k);

/* Writes the public key template 7F49 { 81 n, 82 e } (RSA) or 7F49 { 06 curve OID, 86 point }
 * (EC) into w; false when the writer overflowed or the key has no public part. */
struct codec_writer;
bool emu_key_write_public(struct codec_writer *w, const emu_key *k);

/* The profile's key objects (defined by the profile loader). */
struct emu_profile;
const emu_key_table *emu_profile_keys(const struct emu_profile *profile);

/* DELETE FILE must call this for every DF it frees: its keys can never be found again. */
struct emu_card;
void emu_key_forget_df(struct emu_card *card, uint16_t df);

#endif
