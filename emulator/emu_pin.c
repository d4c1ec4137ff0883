/* PIN objects and the commands that verify, change, unblock, enable and disable them.
 *
 * Every comparison with a secret follows the same order, as real cards do against power-cut
 * attacks: refuse a blocked PIN (6983); check the form of the data (6700 / 6A80, costs no try);
 * decrement the counter and make it durable (card->persist); compare in constant time; on a
 * match restore the counter (durable again). */
#include "emu_pin.h"

#include <openssl/crypto.h>
#include <string.h>

#include "emu_card_internal.h"

int emu_pin_find(const emu_pin_table *t, const emu_fs *fs, uint16_t df, uint8_t ref)
{
    if ((ref & 0x80) == 0)
        df = 0; /* global references live in the MF */
    for (uint16_t d = df; d != EMU_NONE && d < fs->count; d = fs->files[d].parent) {
        for (uint16_t i = 0; i < t->count; i++)
            if (t->pins[i].owner == d && t->pins[i].ref == ref)
                return i;
        if ((ref & 0x80) == 0)
            break;
    }
    return EMU_PIN_NO_INDEX;
}

void emu_pin_forget_df(emu_card *card, uint16_t df)
{
    emu_pin_table *t = &card->pins;
    for (uint16_t i = 0; i < t->count; i++) {
        emu_pin *p = &t->pins[i];
        if (p->owner != df)
            continue;
        OPENSSL_cleanse(p, sizeof *p);
        p->owner = EMU_NONE; /* emu_pin_find never reaches EMU_NONE */
        p->reset_by = EMU_PIN_NO_INDEX;
        emu_security_set(card, i, false);
        for (uint16_t j = 0; j < t->count; j++)
            if (t->pins[j].reset_by == (int16_t)i)
                t->pins[j].reset_by = EMU_PIN_NO_INDEX;
    }
}

void emu_pin_table_wipe(emu_pin_table *t)
{
    OPENSSL_cleanse(t, sizeof *t);
}

/* ---- encodings ---- */

/* The length of the verification data for a PIN of `n` characters. */
static size_t block_len(const emu_pin *pin, size_t n)
{
    if (pin->encoding == EMU_PIN_FORMAT2)
        return 8;
    if (pin->pad_to)
        return pin->pad_to;
    return pin->encoding == EMU_PIN_BCD ? (n + 1) / 2 : n;
}

/* Whether `len` bytes of verification data have an acceptable length (else 6700). */
static bool length_ok(const emu_pin *pin, size_t len)
{
    if (pin->encoding == EMU_PIN_FORMAT2 || pin->pad_to)
        return len == block_len(pin, 0);
    return len >= block_len(pin, pin->min_len) && len <= block_len(pin, pin->max_len);
}

const char *emu_pin_value_problem(const emu_pin *pin, const uint8_t *value, size_t len)
{
    if (len < pin->min_len || len > pin->max_len)
        return "length outside min_length..max_length";
    for (size_t i = 0; i < len; i++) {
        if (pin->encoding == EMU_PIN_ASCII) {
            if (value[i] < 0x20 || value[i] > 0x7E || (pin->pad_to && value[i] == pin->pad_byte))
                return "not a printable ASCII character (or equal to the padding byte)";
        } else if (value[i] < '0' || value[i] > '9') {
            return "BCD and format 2 PINs are digits";
        }
    }
    return NULL;
}

/* Decodes verification data into characters (digits as '0'..'9'). Returns SW_OK,
 * SW_WRONG_LENGTH or SW_WRONG_DATA. `chars` receives EMU_PIN_MAX_LEN bytes, zero-filled. */
static uint16_t decode(const emu_pin *pin, const uint8_t *data, size_t len, uint8_t *chars,
                       size_t *n_out)
{
    memset(chars, 0, EMU_PIN_MAX_LEN);
    *n_out = 0;
    if (!length_ok(pin, len))
        return SW_WRONG_LENGTH;
    size_t n = 0;
    bool bad = false;
    if (pin->encoding == EMU_PIN_ASCII) {
        while (n < len && !(pin->pad_to && data[n] == pin->pad_byte))
            n++;
        for (size_t i = 0; i < n; i++)
            bad |= data[i] < 0x20 || data[i] > 0x7E;
        for (size_t i = n; i < len; i++)
            bad |= data[i] != pin->pad_byte;
        if (n > EMU_PIN_MAX_LEN)
            return SW_WRONG_DATA;
        memcpy(chars, data, n);
    } else {
        size_t start = 0, max_digits = 2 * len;
        if (pin->encoding == EMU_PIN_FORMAT2) {
            if ((data[0] >> 4) != 2)
                return SW_WRONG_DATA;
            size_t want = data[0] & 0x0F;
            start = 2; /* nibble index of the first digit */
            max_digits = want;
            if (want < 4 || want > 12)
                return SW_WRONG_DATA;
        }
        size_t nib = start;
        /* digits, then F nibbles to the end of the byte holding the last digit */
        while (nib < 2 * len && n < max_digits) {
            uint8_t d = (uint8_t)(nib % 2 ? data[nib / 2] & 0x0F : data[nib / 2] >> 4);
            if (d > 9)
                break;
            if (n >= EMU_PIN_MAX_LEN)
                return SW_WRONG_DATA;
            chars[n++] = (uint8_t)('0' + d);
            nib++;
        }
        if (pin->encoding == EMU_PIN_FORMAT2 && n != max_digits)
            return SW_WRONG_DATA;
        size_t fill_end = pin->encoding == EMU_PIN_FORMAT2 ? 2 * len : (nib + 1) / 2 * 2;
        for (; nib < fill_end; nib++) {
            uint8_t d = (uint8_t)(nib % 2 ? data[nib / 2] & 0x0F : data[nib / 2] >> 4);
            bad |= d != 0x0F;
        }
        if (pin->encoding == EMU_PIN_BCD && !pin->pad_to && fill_end / 2 != len)
            bad = true; /* unpadded: nothing after the digits */
        for (size_t i = fill_end / 2; i < len; i++)
            bad |= data[i] != pin->pad_byte;
    }
    if (bad || n < pin->min_len || n > pin->max_len)
        return SW_WRONG_DATA;
    *n_out = n;
    return SW_OK;
}

/* Constant time in the PIN's content: both sides are compared over the full buffer. */
static bool matches(const emu_pin *pin, const uint8_t *chars, size_t n)
{
    uint8_t stored[EMU_PIN_MAX_LEN] = {0};
    memcpy(stored, pin->value, pin->value_len);
    int diff = CRYPTO_memcmp(stored, chars, EMU_PIN_MAX_LEN);
    OPENSSL_cleanse(stored, sizeof stored);
    return (diff | (int)(n ^ pin->value_len)) == 0;
}

/* Makes the changed PIN state durable (with a persistence hook): 9000, or 6581 when it could
 * not be stored. */
static uint16_t persist(emu_card *card)
{
    bool stored = !card->persist || card->persist(card, card->persist_ctx);
    return stored ? SW_OK : SW_MEMORY_FAILURE;
}

/* Checks verification data against PIN object `idx` with the counter discipline above. */
static uint16_t check_secret(emu_card *card, int idx, const uint8_t *data, size_t len)
{
    emu_pin *pin = &card->pins.pins[idx];
    if (pin->tries_left == 0)
        return SW_AUTH_BLOCKED;
    uint8_t chars[EMU_PIN_MAX_LEN];
    size_t n;
    uint16_t sw = decode(pin, data, len, chars, &n);
    if (sw != SW_OK) {
        OPENSSL_cleanse(chars, sizeof chars);
        return sw;
    }
    pin->tries_left--;
    if ((sw = persist(card)) != SW_OK) {
        OPENSSL_cleanse(chars, sizeof chars);
        return sw;
    }
    bool ok = matches(pin, chars, n);
    OPENSSL_cleanse(chars, sizeof chars);
    if (!ok) {
        emu_security_set(card, idx, false);
        return (uint16_t)(SW_VERIFY_FAILED | pin->tries_left);
    }
    pin->tries_left = pin->max_tries;
    return persist(card);
}

/* Validates a new PIN given as verification data; on success stores its characters in
 * chars[0..*n). */
static uint16_t decode_new(const emu_pin *pin, const uint8_t *data, size_t len, uint8_t *chars,
                           size_t *n)
{
    uint16_t sw = decode(pin, data, len, chars, n);
    /* a new value of the wrong length is wrong data, not a wrong Lc: Lc covers both parts */
    return sw == SW_WRONG_LENGTH ? SW_WRONG_DATA : sw;
}

static void set_value(emu_pin *pin, const uint8_t *chars, size_t n)
{
    OPENSSL_cleanse(pin->value, sizeof pin->value);
    memcpy(pin->value, chars, n);
    pin->value_len = (uint8_t)n;
}

/* The current DF, which resolves DF-specific references. With logical channels this becomes
 * the current DF of the command's channel. */
static uint16_t current_df(const emu_card *card)
{
    return emu_card_current_df(card);
}

/* Common P2 check: b7-b6 are zero and a reference number is given; returns the PIN index or
 * sets *sw. */
static int pin_from_p2(const emu_card *card, uint8_t p2, uint16_t *sw)
{
    if ((p2 & 0x60) != 0 || (p2 & 0x1F) == 0) {
        *sw = SW_WRONG_P1P2;
        return EMU_PIN_NO_INDEX;
    }
    int idx = emu_pin_find(&card->pins, &card->fs, current_df(card), p2);
    if (idx == EMU_PIN_NO_INDEX)
        *sw = SW_REF_NOT_FOUND;
    return idx;
}

/* The PIN object's own rule for `op` (emu_pin_op), evaluated from the PIN's DF. */
static uint16_t pin_rule(const emu_card *card, const emu_pin *pin, emu_pin_op op)
{
    return emu_access_rule_check(card, pin->owner, &pin->access[op]);
}

/* ---- VERIFY ---- */

uint16_t emu_cmd_verify(emu_card *card, const codec_capdu *a, emu_out *out)
{
    (void)out;
    if (a->p1 != 0x00 && a->p1 != 0xFF)
        return SW_WRONG_P1P2;
    uint16_t sw = SW_OK;
    int idx = pin_from_p2(card, a->p2, &sw);
    if (idx == EMU_PIN_NO_INDEX)
        return sw;
    if (a->ne != 0)
        return SW_WRONG_LENGTH;
    const emu_pin *pin = &card->pins.pins[idx];
    if (a->p1 == 0xFF) {
        /* log out (7816-4:2013): no data */
        if (a->lc != 0)
            return SW_NC_INCONSISTENT;
        emu_security_set(card, idx, false);
        return SW_OK;
    }
    if (a->lc == 0) {
        /* A status query: it only asks, never authenticates and never costs a try. */
        if (pin->tries_left == 0)
            return SW_AUTH_BLOCKED;
        if (!pin->enabled || emu_security_verified(card, idx))
            return SW_OK;
        return (uint16_t)(SW_VERIFY_FAILED | pin->tries_left);
    }
    sw = check_secret(card, idx, a->data, a->lc);
    emu_security_set(card, idx, sw == SW_OK);
    return sw;
}

/* ---- CHANGE REFERENCE DATA ---- */

uint16_t emu_cmd_change_reference_data(emu_card *card, const codec_capdu *a, emu_out *out)
{
    (void)out;
    if (a->p1 != 0x00 && a->p1 != 0x01)
        return SW_WRONG_P1P2;
    uint16_t sw = SW_OK;
    int idx = pin_from_p2(card, a->p2, &sw);
    if (idx == EMU_PIN_NO_INDEX)
        return sw;
    if (a->ne != 0 || a->lc == 0)
        return SW_WRONG_LENGTH;
    emu_pin *pin = &card->pins.pins[idx];
    if ((sw = pin_rule(card, pin, EMU_PIN_OP_CHANGE)) != SW_OK)
        return sw;
    if (pin->tries_left == 0)
        return SW_AUTH_BLOCKED;
    uint8_t chars[EMU_PIN_MAX_LEN];
    size_t n = 0;
    if (a->p1 == 0x01) {
        /* new value only: the PIN must be verified already */
        if (!emu_security_verified(card, idx))
            return SW_SECURITY_NOT_SATISFIED;
        sw = decode_new(pin, a->data, a->lc, chars, &n);
    } else {
        /* old || new: the old part has the length of the current value's encoding */
        size_t old_len = block_len(pin, pin->value_len);
        if (a->lc <= old_len)
            return SW_WRONG_LENGTH;
        sw = decode_new(pin, a->data + old_len, a->lc - old_len, chars, &n);
        if (sw == SW_OK) {
            sw = check_secret(card, idx, a->data, old_len);
            emu_security_set(card, idx, sw == SW_OK);
        }
    }
    if (sw == SW_OK) {
        set_value(pin, chars, n);
        sw = persist(card);
    }
    OPENSSL_cleanse(chars, sizeof chars);
    return sw;
}

/* ---- RESET RETRY COUNTER ---- */

uint16_t emu_cmd_reset_retry_counter(emu_card *card, const codec_capdu *a, emu_out *out)
{
    (void)out;
    if (a->p1 > 0x03)
        return SW_WRONG_P1P2;
    uint16_t sw = SW_OK;
    int idx = pin_from_p2(card, a->p2, &sw);
    if (idx == EMU_PIN_NO_INDEX)
        return sw;
    if (a->ne != 0)
        return SW_WRONG_LENGTH;
    emu_pin *pin = &card->pins.pins[idx];
    bool with_code = a->p1 == 0x00 || a->p1 == 0x01;
    bool with_new = a->p1 == 0x00 || a->p1 == 0x02;
    size_t code_len = 0;
    if (with_code) {
        if (pin->reset_by == EMU_PIN_NO_INDEX)
            return SW_CONDITIONS_NOT_SATISFIED;
        const emu_pin *puk = &card->pins.pins[pin->reset_by];
        code_len = block_len(puk, puk->value_len);
        /* P1 01 carries the code only: its length is whatever the PUK's encoding allows */
        if (a->p1 == 0x01)
            code_len = a->lc;
        if (a->lc == 0 || (with_new && a->lc <= code_len))
            return SW_WRONG_LENGTH;
    } else {
        if (with_new ? a->lc == 0 : a->lc != 0)
            return SW_WRONG_LENGTH;
        /* without a resetting code the PIN's unblock rule decides (e.g. the SO PIN) */
    }
    if ((sw = pin_rule(card, pin, EMU_PIN_OP_RESET)) != SW_OK)
        return sw;
    uint8_t chars[EMU_PIN_MAX_LEN] = {0};
    size_t n = 0;
    if (with_new) {
        sw = decode_new(pin, a->data + code_len, a->lc - code_len, chars, &n);
        if (sw != SW_OK)
            return sw;
    }
    if (with_code)
        sw = check_secret(card, pin->reset_by, a->data, code_len);
    else
        sw = emu_access_rule_check(card, pin->owner, &pin->unblock);
    if (sw == SW_OK) {
        if (with_new)
            set_value(pin, chars, n);
        pin->tries_left = pin->max_tries;
        sw = persist(card);
    }
    OPENSSL_cleanse(chars, sizeof chars);
    return sw;
}

/* ---- ENABLE / DISABLE VERIFICATION REQUIREMENT ---- */

uint16_t emu_cmd_verification_requirement(emu_card *card, const codec_capdu *a, emu_out *out)
{
    (void)out;
    bool enable = a->ins == 0x28;
    if (a->p1 != 0x00 && a->p1 != 0x01)
        return SW_WRONG_P1P2;
    uint16_t sw = SW_OK;
    int idx = pin_from_p2(card, a->p2, &sw);
    if (idx == EMU_PIN_NO_INDEX)
        return sw;
    if (a->ne != 0 || (a->p1 == 0x00) != (a->lc != 0))
        return SW_WRONG_LENGTH;
    emu_pin *pin = &card->pins.pins[idx];
    if (!enable && !pin->disable_allowed)
        return SW_CONDITIONS_NOT_SATISFIED;
    if ((sw = pin_rule(card, pin, enable ? EMU_PIN_OP_ENABLE : EMU_PIN_OP_DISABLE)) != SW_OK)
        return sw;
    if (pin->tries_left == 0)
        return SW_AUTH_BLOCKED;
    if (a->p1 == 0x00) {
        sw = check_secret(card, idx, a->data, a->lc);
        emu_security_set(card, idx, sw == SW_OK);
        if (sw != SW_OK)
            return sw;
    } else if (!emu_security_verified(card, idx)) {
        return SW_SECURITY_NOT_SATISFIED;
    }
    pin->enabled = enable;
    return persist(card);
}
