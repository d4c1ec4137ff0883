/* The cryptographic operations behind PSO, the AUTHENTICATE commands and GENERATE: key
 * selection with the status words of docs/profile.md, and OpenSSL 3 EVP wrappers. Internal to
 * libsdemu. Every function returns a status word (SW_OK on success). */
#ifndef EMU_CRYPTO_H
#define EMU_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "codec_apdu.h"
#include "emu_key.h"
#include "emu_se.h"

struct emu_card;

/* Kinds of algorithm an operation accepts, as a bit set over emu_alg_kind. */
#define EMU_ALG_BIT(kind) (1u << (kind))

/* Finds the key and algorithm of an operation. `p_key` / `p_alg` are the command's own
 * references (00 = none: take them from the current SE's template `kind` / `dir`, and a
 * missing algorithm from the key's first one). Checks in this order: a key is designated (else
 * 6985), it exists (6A88), it allows `usage` (6985), its `use` rule is satisfied (6982), it is
 * not an empty slot (6984), the algorithm is one the key accepts and one of `kinds` (6985).
 * *crt receives the SE template (NULL when none). */
uint16_t emu_crypto_select(struct emu_card *card, emu_crt_kind kind, emu_se_dir dir, uint8_t p_alg,
                           uint8_t p_key, uint32_t usage, uint32_t kinds, emu_key **key,
                           const emu_alg **alg, const emu_crt **crt);

/* Signature over `in` (DigestInfo or hash, per algorithm) into out[0..cap). Sign, verify and
 * the RSA ciphers keep their initialised OpenSSL context in the key (k->ctx). */
uint16_t emu_crypto_sign(emu_key *k, const emu_alg *alg, const uint8_t *in, size_t in_len,
                         uint8_t *out, size_t cap, size_t *out_len);
/* SW_OK when `sig` is a valid signature over `in`, 6300 when not, 6A80 when malformed. */
uint16_t emu_crypto_verify(emu_key *k, const emu_alg *alg, const uint8_t *in, size_t in_len,
                           const uint8_t *sig, size_t sig_len);
/* RSA (PKCS#1 v1.5 / OAEP) or AES (ECB / CBC, no padding) encryption or decryption. `iv` is
 * used by AES-CBC (NULL: zero). */
uint16_t emu_crypto_cipher(emu_key *k, const emu_alg *alg, int encrypt, const uint8_t *iv,
                           const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                           size_t *out_len);
/* AES-CMAC (16 bytes). */
uint16_t emu_crypto_cmac(emu_key *k, const uint8_t *in, size_t in_len, uint8_t out[16]);
/* ECDH with the peer's uncompressed point; the shared secret (x coordinate). */
uint16_t emu_crypto_ecdh(const emu_key *k, const uint8_t *point, size_t point_len, uint8_t *out,
                         size_t cap, size_t *out_len);
/* Hash with the algorithm's digest. */
uint16_t emu_crypto_hash(const emu_alg *alg, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t cap, size_t *out_len);

struct emu_out;
/* The final status of a command that answers data: with T=1 an answer longer than Ne (when Le
 * was given) is refused with 6700 and nothing is sent; T=0 hands out any length by GET
 * RESPONSE. Returns `sw` otherwise. */
uint16_t emu_crypto_answer(const struct emu_card *card, const codec_capdu *a, struct emu_out *out,
                           uint16_t sw);

#endif
