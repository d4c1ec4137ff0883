/* Security environments (ISO/IEC 7816-4 MANAGE SECURITY ENVIRONMENT, 7816-8 operations).
 * Internal to libsdemu. The current SE is per logical channel; numbered SEs saved with STORE
 * belong to the card; both are volatile (cleared by power on, reset and power off). */
#ifndef EMU_SE_H
#define EMU_SE_H

#include <stdbool.h>
#include <stdint.h>

#include "codec_apdu.h"

/* The control reference templates an SE holds (7816-4 table 78). */
typedef enum emu_crt_kind {
    EMU_CRT_AT,  /* A4 authentication: INTERNAL / EXTERNAL AUTHENTICATE */
    EMU_CRT_KAT, /* A6 key agreement: GENERAL AUTHENTICATE (ECDH) */
    EMU_CRT_HT,  /* AA hash */
    EMU_CRT_CCT, /* B4 cryptographic checksum (CMAC) */
    EMU_CRT_DST, /* B6 digital signature */
    EMU_CRT_CT,  /* B8 confidentiality: ENCIPHER / DECIPHER */
    EMU_CRT_COUNT
} emu_crt_kind;

/* P1 of MSE SET, b7 (computation, decipherment, internal authentication, key agreement) and
 * b8 (verification, encipherment, external authentication, key agreement). */
typedef enum emu_se_dir { EMU_SE_COMPUTE, EMU_SE_VERIFY, EMU_SE_DIRS } emu_se_dir;

#define EMU_SE_MAX_FILE_REF 16
#define EMU_SE_MAX_IV 16
#define EMU_SE_STORED 8 /* numbered SEs 1..8 for STORE / RESTORE / ERASE */

typedef struct emu_crt {
    bool set;
    bool has_alg, has_key;
    uint8_t alg;     /* tag 80 */
    uint8_t key_ref; /* tag 83 or 84 */
    uint8_t file_ref_len;
    uint8_t file_ref[EMU_SE_MAX_FILE_REF]; /* tag 81 (kept, not used for key lookup) */
    uint8_t iv_len;
    uint8_t iv[EMU_SE_MAX_IV]; /* tag 87: initial value (AES-CBC) */
} emu_crt;

typedef struct emu_se {
    emu_crt crt[EMU_CRT_COUNT][EMU_SE_DIRS];
} emu_se;

typedef struct emu_se_state {
    emu_se current[20]; /* per logical channel (EMU_MAX_CHANNELS) */
    emu_se stored[EMU_SE_STORED];
    bool stored_set[EMU_SE_STORED];
} emu_se_state;

struct emu_card;
struct emu_out;

/* Clears every SE (power on, reset, power off). */
void emu_se_clear_all(struct emu_card *card);
/* Clears the current SE of one channel (MANAGE CHANNEL open / close). */
void emu_se_clear_channel(struct emu_card *card, unsigned channel);

/* The template of `kind` / `dir` in the current channel's SE, or NULL when not set. */
const emu_crt *emu_se_get(const struct emu_card *card, emu_crt_kind kind, emu_se_dir dir);

/* MANAGE SECURITY ENVIRONMENT (INS 22). */
uint16_t emu_cmd_mse(struct emu_card *card, const codec_capdu *a, struct emu_out *out);

#endif
