/* PIN objects (7816-4 reference data for user authentication) and the commands that use them:
 * VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, ENABLE/DISABLE VERIFICATION REQUIREMENT.
 * Internal to libsdemu.
 *
 * A PIN object belongs to a DF (`owner`, an index into the file tree). Global references (b8 = 0)
 * belong to the MF; DF-specific references (b8 = 1) are found from a DF upwards to the MF, the
 * nearest DF defining the reference wins. */
#ifndef EMU_PIN_H
#define EMU_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_apdu.h"
#include "emu_access.h"

#define EMU_MAX_PINS 64       /* PIN objects on one card */
#define EMU_PIN_MAX_LEN 16    /* characters / digits in one PIN */
#define EMU_PIN_MAX_BLOCK 32  /* bytes of verification data for one PIN (padded) */
#define EMU_PIN_MAX_TRIES 15  /* so that 63CX can tell every count */
#define EMU_PIN_NAME_MAX 31   /* characters in a PIN's name */
#define EMU_PIN_NO_INDEX (-1) /* "no PIN object" */

/* How the verification data carries the PIN. */
typedef enum emu_pin_encoding {
    EMU_PIN_ASCII,   /* one byte per character (printable ASCII), then padding */
    EMU_PIN_BCD,     /* two digits per byte, an odd count ends with nibble F, then padding */
    EMU_PIN_FORMAT2, /* ISO 9564 format 2 PIN block: 2N, N digits BCD, filled with F; 8 bytes */
} emu_pin_encoding;

/* The operations on a PIN object its own access rules guard (profile `access` of a PIN). Each
 * rule is a condition on top of what the command itself proves (the current value, the PIN
 * being verified, the resetting code), checked before any secret is compared, so a refusal
 * (6982) never costs a try. Default (a zeroed rule): always, i.e. the fixed semantics. */
typedef enum emu_pin_op {
    EMU_PIN_OP_CHANGE,  /* CHANGE REFERENCE DATA, P1 00 and 01 */
    EMU_PIN_OP_RESET,   /* RESET RETRY COUNTER, every P1 (P1 02/03 also need `unblock`) */
    EMU_PIN_OP_ENABLE,  /* ENABLE VERIFICATION REQUIREMENT */
    EMU_PIN_OP_DISABLE, /* DISABLE VERIFICATION REQUIREMENT (also needs disable_allowed) */
    EMU_PIN_OP_COUNT
} emu_pin_op;

typedef struct emu_pin {
    char name[EMU_PIN_NAME_MAX + 1]; /* optional, for the profile's access expressions */
    uint16_t owner;                  /* DF index; the MF (0) for global references */
    uint8_t ref;                     /* 7816-4 reference: b8 = DF-specific, b5-b1 number */
    uint8_t encoding;                /* emu_pin_encoding */
    uint8_t min_len, max_len;        /* in characters / digits */
    uint8_t pad_to;                  /* verification data length when padded; 0 = unpadded */
    uint8_t pad_byte;
    uint8_t max_tries;
    uint8_t tries_left; /* non-volatile: made durable before every comparison */
    uint8_t value_len;
    uint8_t value[EMU_PIN_MAX_LEN]; /* the PIN as characters (digits for BCD and format 2) */
    int16_t reset_by;               /* index of the resetting code (PUK), or EMU_PIN_NO_INDEX */
    bool enabled;                   /* verification required (ENABLE/DISABLE) */
    bool disable_allowed;           /* DISABLE VERIFICATION REQUIREMENT is permitted */
    emu_rule unblock;               /* RESET RETRY COUNTER P1 02/03 (no resetting code) */
    /* per operation (emu_pin_op), resolved from `owner` */
    emu_rule access[EMU_PIN_OP_COUNT];
} emu_pin;

/* The PIN objects of a profile or card. Plain data: copying the struct copies the PINs. */
typedef struct emu_pin_table {
    uint16_t count;
    emu_pin pins[EMU_MAX_PINS];
} emu_pin_table;

struct emu_card;
struct emu_out;
struct emu_fs;
struct emu_profile;

/* The index of the PIN object a reference designates as seen from DF `df`, or
 * EMU_PIN_NO_INDEX. Global references are looked up in the MF only. */
int emu_pin_find(const emu_pin_table *t, const struct emu_fs *fs, uint16_t df, uint8_t ref);

/* Checks a PIN value (characters) against the object's encoding and lengths; NULL when valid,
 * otherwise why not (for the profile loader). */
const char *emu_pin_value_problem(const emu_pin *pin, const uint8_t *value, size_t len);

/* DELETE FILE must call this for every DF it frees (before the slot can be reused by CREATE
 * FILE): the DF's PIN objects are wiped and can never be found again, their status is cleared,
 * and PINs that used one of them as resetting code lose it. The caller makes it durable. */
void emu_pin_forget_df(struct emu_card *card, uint16_t df);

/* Wipes the secrets of a table (OPENSSL_cleanse). */
void emu_pin_table_wipe(emu_pin_table *t);

/* The profile's PIN objects (defined by the profile loader). */
const emu_pin_table *emu_profile_pins(const struct emu_profile *profile);

/* Command handlers (INS 20, 24, 2C, 26/28). They use the card's current DF to resolve
 * DF-specific references. */
uint16_t emu_cmd_verify(struct emu_card *card, const codec_capdu *a, struct emu_out *out);
uint16_t emu_cmd_change_reference_data(struct emu_card *card, const codec_capdu *a,
                                       struct emu_out *out);
uint16_t emu_cmd_reset_retry_counter(struct emu_card *card, const codec_capdu *a,
                                     struct emu_out *out);
uint16_t emu_cmd_verification_requirement(struct emu_card *card, const codec_capdu *a,
                                          struct emu_out *out);

#endif
