/* Authenticator, Password and SensitiveContainer methods.
 *
 * Passwords are ISO/IEC 7816-4 reference data: VERIFY (20), CHANGE REFERENCE DATA (24), RESET
 * RETRY COUNTER (2C), ENABLE / DISABLE VERIFICATION REQUIREMENT (28 / 26), with P2 = the
 * password's reference from the object table (pin_ref). How a value becomes command data
 * (encoding, padding, length range) is in the password's object entry, never in code.
 *
 * Secrets: a value is encoded into a stack buffer that is wiped (explicit_bzero) before the
 * function returns. Error messages never hold a value, nor its length. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "px_apdu.h"
#include "px_error.h"
#include "px_handle.h"

/* Largest verification data one value may become (ISO 9564 format 2 takes 8 bytes, padded
 * ASCII PINs usually 8..16; 7816-15 allows stored lengths up to this in practice). */
#define PX_PIN_BLOCK_MAX 64

/* A proxy-only bit in px_desc_obj.pin_flags, above the codec_p15_pin_flags: this connection
 * disabled the verification requirement (DISABLE VERIFICATION REQUIREMENT answered 9000) and
 * has not enabled it again. The card's answer to a status query (9000) is the same for
 * "verified" and "not required", so this is how getStatus tells them apart. The object table
 * belongs to the connection, so the bit dies with it. */
#define PX_PIN_FLAG_NOT_REQUIRED (1u << 31)

/* INS bytes of the commands on reference data. */
enum {
    PX_INS_VERIFY = 0x20,
    PX_INS_CHANGE = 0x24,
    PX_INS_DISABLE = 0x26,
    PX_INS_ENABLE = 0x28,
    PX_INS_RESET_RETRY = 0x2C,
};

/* One encoded value (or several, concatenated), wiped by px_block_wipe. */
typedef struct px_pin_block {
    uint8_t b[2 * PX_PIN_BLOCK_MAX];
    size_t n;
} px_pin_block;

static void px_block_wipe(px_pin_block *blk)
{
    explicit_bzero(blk, sizeof *blk);
}

/* ---- entering and leaving ---------------------------------------------------------------- */

/* Clears the last error, validates `h` as class `cls` and locks its device; the handle must
 * carry a password entry of the object table (else IllegalState). */
static isoIec23465_Status px_pw_enter(const isoIec23465_Handle *h, isoIec23465_ObjectType cls,
                                      px_conn **c)
{
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(h, cls, c);
    if (st != isoIec23465_Success)
        return st;
    if (!h->obj || !(*c)->desc || h->obj->type != isoIec23465_TypePassword) {
        px_handle_leave(*c);
        return px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                            "authenticator has no card reference");
    }
    return isoIec23465_Success;
}

/* Fails an entered call with IllegalArgument (`why`), unlocking the device. */
static isoIec23465_Status px_pw_refuse(px_conn *c, const char *why)
{
    px_handle_leave(c);
    return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "%s", why);
}

/* The writable entry of `o` in the connection's table (for PX_PIN_FLAG_NOT_REQUIRED). */
static px_desc_obj *px_pw_entry(px_conn *c, const px_desc_obj *o)
{
    return &c->desc->objs[o - c->desc->objs];
}

/* ---- values: length range and encoding --------------------------------------------------- */

/* The accepted length range of a password's value, in characters (bytes of the value as
 * given). Unknown bounds follow from the encoding and the stored length. False when nothing
 * bounds the maximum. */
static bool px_pin_range(const px_desc_obj *o, size_t *min, size_t *max)
{
    size_t lo = o->pin_min, hi = o->pin_max;
    if (hi == 0) {
        if (o->pin_encoding == PX_PIN_FORMAT2)
            hi = 12;
        else if (o->pin_stored)
            hi = o->pin_encoding == PX_PIN_BCD ? 2 * o->pin_stored : o->pin_stored;
    }
    if (o->pin_encoding == PX_PIN_FORMAT2 && lo < 4)
        lo = 4; /* a format 2 block carries 4..12 digits */
    if (lo == 0)
        lo = 1;
    if (hi == 0 || hi < lo)
        return false;
    *min = lo;
    *max = hi;
    return true;
}

/* Appends value v[0..n) of password `o`, encoded and padded as its entry says, to blk. `what`
 * names the value in messages. IllegalArgument (nothing sent yet) when the value is empty, its
 * length lies outside the range, a BCD / format 2 value holds a non-digit, or a padded value
 * holds the padding byte (it would read as the end of the value). */
static isoIec23465_Status px_pin_encode(const px_desc_obj *o, const char *what, const uint8_t *v,
                                        size_t n, px_pin_block *blk)
{
    size_t lo, hi;
    if (!v || n == 0)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "empty %s", what);
    if (!px_pin_range(o, &lo, &hi))
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "the length range of '%.100s' is not known", o->label);
    if (n < lo || n > hi)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s length outside %zu..%zu characters", what, lo, hi);
    bool digits = o->pin_encoding == PX_PIN_BCD || o->pin_encoding == PX_PIN_FORMAT2;
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (digits)
            bad |= (unsigned)(v[i] < '0' || v[i] > '9');
        else if (o->pin_stored)
            bad |= (unsigned)(v[i] == o->pin_pad);
    }
    if (bad)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            digits ? "%s must be digits" : "%s holds the padding byte", what);
    uint8_t *out = blk->b + blk->n;
    size_t room = sizeof blk->b - blk->n, len;
    if (o->pin_encoding == PX_PIN_ASCII) {
        len = n;
        if (len > room || len > PX_PIN_BLOCK_MAX)
            goto too_long;
        memcpy(out, v, n);
    } else {
        /* format 2: control nibble 2, length nibble, digits, F filler to 8 bytes; BCD: two
         * digits per byte, an odd count ends with nibble F */
        size_t start = o->pin_encoding == PX_PIN_FORMAT2 ? 2 : 0;
        len = o->pin_encoding == PX_PIN_FORMAT2 ? 8 : (n + 1) / 2;
        if (len > room || start + n > 2 * len)
            goto too_long;
        memset(out, 0xFF, len);
        if (start)
            out[0] = (uint8_t)(0x20 | n);
        for (size_t i = 0; i < n; i++) {
            size_t nib = start + i;
            uint8_t d = (uint8_t)(v[i] - '0');
            out[nib / 2] = nib % 2 ? (uint8_t)((out[nib / 2] & 0xF0) | d)
                                   : (uint8_t)((out[nib / 2] & 0x0F) | d << 4);
        }
    }
    if (o->pin_stored > len) {
        if (o->pin_stored > room)
            goto too_long;
        memset(out + len, o->pin_pad, o->pin_stored - len);
        len = o->pin_stored;
    } else if (o->pin_stored && len > o->pin_stored) {
        goto too_long;
    }
    blk->n += len;
    return isoIec23465_Success;
too_long:
    explicit_bzero(out, room);
    return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                        "%s does not fit the password's stored length", what);
}

/* ---- APDUs ------------------------------------------------------------------------------- */

/* Makes the password's DF current before a command on a DF-specific reference (b8 of the
 * reference set): SELECT by AID of its application, else SELECT by path of its DF. Global
 * references need nothing: the card resolves them in the MF from any DF. */
static isoIec23465_Status px_pin_select(px_conn *c, const px_desc_obj *o)
{
    if (!(o->pin_ref & 0x80))
        return isoIec23465_Success;
    if (o->app >= 0 && (size_t)o->app < c->desc->n_apps) {
        const px_desc_app *a = &c->desc->apps[o->app];
        return px_apdu_select_aid(c, a->aid, a->aid_len);
    }
    if (o->path_len < 2)
        return isoIec23465_Success; /* no DF known: the current one is assumed */
    bool mf = o->path_len == 2 && o->path[0] == 0x3F && o->path[1] == 0x00;
    bool from_mf = o->path[0] == 0x3F && o->path[1] == 0x00;
    codec_capdu cmd = {.cla = 0x00,
                       .ins = 0xA4,
                       .p1 = mf ? 0x00 : 0x08,
                       .p2 = 0x0C,
                       .data = mf || !from_mf ? o->path : o->path + 2,
                       .lc = mf || !from_mf ? o->path_len : o->path_len - 2};
    const uint8_t *d;
    size_t dl;
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &dl, &sw);
    if (st == isoIec23465_Success && sw != 0x9000)
        st = px_error_set_sw(sw, "SELECT of the password's DF");
    return st;
}

/* Sends one command on password `o`'s reference (P2) after selecting its DF; *sw receives the
 * status word, which the caller maps. The engine encodes the command in a buffer of its own. */
static isoIec23465_Status px_pin_command(px_conn *c, const px_desc_obj *o, uint8_t ins, uint8_t p1,
                                         const uint8_t *data, size_t n, uint16_t *sw)
{
    isoIec23465_Status st = px_pin_select(c, o);
    if (st != isoIec23465_Success)
        return st;
    codec_capdu cmd = {.cla = 0x00, .ins = ins, .p1 = p1, .p2 = o->pin_ref, .data = data, .lc = n};
    const uint8_t *d;
    size_t dl;
    return px_apdu_exchange(c, &cmd, &d, &dl, sw);
}

/* Runs one command inside the device transaction and maps its status word: 9000 is success,
 * anything else goes through the SW table (63Cx: AuthenticationFailed with the tries left,
 * 6983: AuthenticationMethodBlocked, ...), except 6300, which these commands use for a wrong
 * secret without a counter: AuthenticationFailed, tries unknown. `what` names the command in
 * messages. */
static isoIec23465_Status px_pin_run(px_conn *c, const px_desc_obj *o, uint8_t ins, uint8_t p1,
                                     const px_pin_block *blk, const char *what)
{
    isoIec23465_Status st = px_apdu_begin(c);
    if (st != isoIec23465_Success)
        return st;
    uint16_t sw = 0;
    st = px_pin_command(c, o, ins, p1, blk ? blk->b : NULL, blk ? blk->n : 0, &sw);
    px_apdu_end(c);
    if (st == isoIec23465_Success && sw == 0x6300)
        st = px_error_set(isoIec23465_AuthenticationFailed, isoIec23465_OriginDevice,
                          "%s: SW 6300 (verification failed, tries left not reported)", what);
    else if (st == isoIec23465_Success && sw != 0x9000)
        st = px_error_set_sw(sw, what);
    return st;
}

/* VERIFY without data: only asks. The answers 9000 (verified or not required), 63Cx (x tries
 * left), 6300 (not verified, no counter given) and 6983 (blocked) are returned in *sw; any other
 * status word is an error. It never authenticates anything and never costs a try. */
static isoIec23465_Status px_pin_query(px_conn *c, const px_desc_obj *o, uint16_t *sw)
{
    isoIec23465_Status st = px_apdu_begin(c);
    if (st != isoIec23465_Success)
        return st;
    st = px_pin_command(c, o, PX_INS_VERIFY, 0x00, NULL, 0, sw);
    px_apdu_end(c);
    if (st != isoIec23465_Success)
        return st;
    if (*sw != 0x9000 && *sw != 0x6983 && *sw != 0x6300 && (*sw & 0xFFF0) != 0x63C0)
        return px_error_set_sw(*sw, "VERIFY (status query)");
    return isoIec23465_Success;
}

/* ---- Authenticator ----------------------------------------------------------------------- */

isoIec23465_Status isoIec23465_Authenticator_getStatus(isoIec23465_Authenticator *auth,
                                                       isoIec23465_AuthenticatorStatus *status)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(auth, isoIec23465_TypeAuthenticator, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!status)
        return px_pw_refuse(c, "NULL status");
    uint16_t sw = 0;
    st = px_pin_query(c, auth->obj, &sw);
    if (st == isoIec23465_Success) {
        px_desc_obj *e = px_pw_entry(c, auth->obj);
        if (sw == 0x9000) {
            *status = e->pin_flags & PX_PIN_FLAG_NOT_REQUIRED ? isoIec23465_AuthNotRequired
                                                              : isoIec23465_AuthVerified;
        } else {
            /* The card asks for the password again: it is required whatever we believed. */
            e->pin_flags &= ~PX_PIN_FLAG_NOT_REQUIRED;
            *status = sw == 0x6983 || sw == 0x63C0 ? isoIec23465_AuthBlocked
                                                   : isoIec23465_AuthNotVerified;
        }
    }
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Authenticator_getRemainingTries(isoIec23465_Authenticator *auth,
                                                               int *tries)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(auth, isoIec23465_TypeAuthenticator, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!tries)
        return px_pw_refuse(c, "NULL tries");
    uint16_t sw = 0;
    st = px_pin_query(c, auth->obj, &sw);
    if (st == isoIec23465_Success) {
        const px_desc_obj *o = auth->obj;
        if (sw == 0x6983)
            *tries = 0;
        else if (sw == 0x6300)
            st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginDevice,
                              "the device does not report the counter (SW 6300)");
        else if (sw != 0x9000)
            *tries = sw & 0x0F;
        else if (o->pin_flags & PX_PIN_FLAG_NOT_REQUIRED)
            st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginDevice,
                              "the device does not report the counter of a password whose "
                              "verification is not required");
        else if (o->pin_max_tries < 0)
            st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                              "password verified; its retry limit is not known");
        else
            *tries = o->pin_max_tries; /* a successful VERIFY restored the counter */
    }
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Authenticator_getMaxTries(isoIec23465_Authenticator *auth,
                                                         int *tries)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(auth, isoIec23465_TypeAuthenticator, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!tries)
        return px_pw_refuse(c, "NULL tries");
    if (auth->obj->pin_max_tries < 0)
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                          "the retry limit of '%.100s' is not known", auth->obj->label);
    else
        *tries = auth->obj->pin_max_tries;
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Authenticator_resetStatus(isoIec23465_Authenticator *auth)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(auth, isoIec23465_TypeAuthenticator, &c);
    if (st != isoIec23465_Success)
        return st;
    st = px_apdu_begin(c);
    if (st == isoIec23465_Success) {
        uint16_t sw = 0;
        /* VERIFY P1 FF (7816-4:2013): reset the verification status of this reference. */
        st = px_pin_command(c, auth->obj, PX_INS_VERIFY, 0xFF, NULL, 0, &sw);
        px_apdu_end(c);
        if (st == isoIec23465_Success && sw != 0x9000) {
            /* A card of 7816-4 before 2013 refuses P1 FF; nothing else logs out one reference
             * alone (a reset would log out every password and close the applications). */
            if (sw == 0x6A86 || sw == 0x6A00 || sw == 0x6B00 || sw == 0x6A81 || sw == 0x6D00) {
                st = px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginDevice,
                                  "the device does not offer log out (VERIFY P1 FF: SW %04X)", sw);
            } else {
                st = px_error_set_sw(sw, "VERIFY P1 FF (log out)");
            }
        }
    }
    px_handle_leave(c);
    return st;
}

/* ---- Password ---------------------------------------------------------------------------- */

isoIec23465_Status isoIec23465_Password_verify(isoIec23465_Password *password, const uint8_t *value,
                                               size_t len)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(password, isoIec23465_TypePassword, &c);
    if (st != isoIec23465_Success)
        return st;
    px_pin_block blk = {.n = 0};
    st = px_pin_encode(password->obj, "password value", value, len, &blk);
    if (st == isoIec23465_Success)
        st = px_pin_run(c, password->obj, PX_INS_VERIFY, 0x00, &blk, "VERIFY");
    px_block_wipe(&blk);
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Password_change(isoIec23465_Password *password,
                                               const uint8_t *oldValue, size_t oldLen,
                                               const uint8_t *newValue, size_t newLen)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(password, isoIec23465_TypePassword, &c);
    if (st != isoIec23465_Success)
        return st;
    px_pin_block blk = {.n = 0};
    st = px_pin_encode(password->obj, "current value", oldValue, oldLen, &blk);
    if (st == isoIec23465_Success)
        st = px_pin_encode(password->obj, "new value", newValue, newLen, &blk);
    if (st == isoIec23465_Success)
        st = px_pin_run(c, password->obj, PX_INS_CHANGE, 0x00, &blk, "CHANGE REFERENCE DATA");
    px_block_wipe(&blk);
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Password_unblock(isoIec23465_Password *password,
                                                const uint8_t *resetCode, size_t resetCodeLen,
                                                const uint8_t *newValue, size_t newLen)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(password, isoIec23465_TypePassword, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!newValue && newLen)
        return px_pw_refuse(c, "NULL new value with a length");
    const px_desc_obj *o = password->obj;
    if (o->pin_unblock < 0 || (size_t)o->pin_unblock >= c->desc->n_objs ||
        c->desc->objs[o->pin_unblock].type != isoIec23465_TypePassword) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                            "'%.100s' has no resetting code (unblocking password)", o->label);
    }
    const px_desc_obj *puk = &c->desc->objs[o->pin_unblock];
    px_pin_block blk = {.n = 0};
    st = px_pin_encode(puk, "reset code", resetCode, resetCodeLen, &blk);
    if (st == isoIec23465_Success && newValue)
        st = px_pin_encode(o, "new value", newValue, newLen, &blk);
    /* P1 00: resetting code and new value; P1 01: resetting code only (the value stays). */
    if (st == isoIec23465_Success)
        st = px_pin_run(c, o, PX_INS_RESET_RETRY, newValue ? 0x00 : 0x01, &blk,
                        "RESET RETRY COUNTER");
    px_block_wipe(&blk);
    px_handle_leave(c);
    return st;
}

/* ENABLE (28) or DISABLE (26) VERIFICATION REQUIREMENT: P1 00 with the value, or P1 01 without
 * one (value NULL, len 0: the password must be verified already). */
static isoIec23465_Status px_pin_requirement(isoIec23465_Password *password, bool enable,
                                             const uint8_t *value, size_t len)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(password, isoIec23465_TypePassword, &c);
    if (st != isoIec23465_Success)
        return st;
    px_pin_block blk = {.n = 0};
    if (value)
        st = px_pin_encode(password->obj, "password value", value, len, &blk);
    else if (len)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "NULL value with a length");
    if (st == isoIec23465_Success)
        st = px_pin_run(c, password->obj, enable ? PX_INS_ENABLE : PX_INS_DISABLE,
                        value ? 0x00 : 0x01, value ? &blk : NULL,
                        enable ? "ENABLE VERIFICATION REQUIREMENT"
                               : "DISABLE VERIFICATION REQUIREMENT");
    px_block_wipe(&blk);
    if (st == isoIec23465_Success) {
        px_desc_obj *e = px_pw_entry(c, password->obj);
        if (enable)
            e->pin_flags &= ~PX_PIN_FLAG_NOT_REQUIRED;
        else
            e->pin_flags |= PX_PIN_FLAG_NOT_REQUIRED;
    }
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Password_enableRequirement(isoIec23465_Password *password,
                                                          const uint8_t *value, size_t len)
{
    return px_pin_requirement(password, true, value, len);
}

isoIec23465_Status isoIec23465_Password_disableRequirement(isoIec23465_Password *password,
                                                           const uint8_t *value, size_t len)
{
    return px_pin_requirement(password, false, value, len);
}

isoIec23465_Status isoIec23465_Password_getLengthRange(isoIec23465_Password *password,
                                                       size_t *minLen, size_t *maxLen)
{
    px_conn *c;
    isoIec23465_Status st = px_pw_enter(password, isoIec23465_TypePassword, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!minLen || !maxLen)
        return px_pw_refuse(c, "NULL minLen or maxLen");
    size_t lo, hi;
    if (px_pin_range(password->obj, &lo, &hi)) {
        *minLen = lo;
        *maxLen = hi;
    } else {
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                          "the length range of '%.100s' is not known", password->obj->label);
    }
    px_handle_leave(c);
    return st;
}

/* ---- SensitiveContainer ------------------------------------------------------------------ */

/* Enters a container call: validates the handle (a SensitiveContainer: DataContainer,
 * CertificateContainer; keys are not, see px_type_is_a), the operation and the output pointer,
 * and gives the guard of that operation (auth[op - 1]) in *guard. */
static isoIec23465_Status px_sc_enter(const isoIec23465_Handle *h, isoIec23465_Operation op,
                                      const void *out, px_conn **c, int *guard)
{
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(h, isoIec23465_TypeSensitiveContainer, c);
    if (st != isoIec23465_Success)
        return st;
    if (!h->obj || !(*c)->desc) {
        px_handle_leave(*c);
        return px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                            "container has no card reference");
    }
    if (op < isoIec23465_OperationRead || op > isoIec23465_OperationDelete)
        return px_pw_refuse(*c, "unknown operation");
    if (!out)
        return px_pw_refuse(*c, "NULL output pointer");
    *guard = h->obj->auth[op - 1];
    return isoIec23465_Success;
}

isoIec23465_Status
isoIec23465_SensitiveContainer_getAccessConditions(const isoIec23465_SensitiveContainer *container,
                                                   isoIec23465_Operation operation,
                                                   isoIec23465_AccessCondition *condition)
{
    px_conn *c;
    int g = PX_AUTH_UNKNOWN;
    isoIec23465_Status st = px_sc_enter(container, operation, condition, &c, &g);
    if (st != isoIec23465_Success)
        return st;
    if (g == PX_AUTH_ALWAYS)
        *condition = isoIec23465_AccessAlways;
    else if (g == PX_AUTH_NEVER)
        *condition = isoIec23465_AccessNever;
    else if (g >= 0 && (size_t)g < c->desc->n_objs)
        *condition = isoIec23465_AccessAuthenticator;
    else
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                          "the access condition of this operation is not known");
    px_handle_leave(c);
    return st;
}

isoIec23465_Status
isoIec23465_SensitiveContainer_getProtectingAuthenticator(isoIec23465_SensitiveContainer *container,
                                                          isoIec23465_Operation operation,
                                                          isoIec23465_Authenticator **authenticator)
{
    px_conn *c;
    int g = PX_AUTH_UNKNOWN;
    isoIec23465_Status st = px_sc_enter(container, operation, authenticator, &c, &g);
    if (st != isoIec23465_Success)
        return st;
    if (g < 0 || (size_t)g >= c->desc->n_objs ||
        c->desc->objs[g].type != isoIec23465_TypePassword) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                            g == PX_AUTH_ALWAYS  ? "no authenticator guards this operation"
                            : g == PX_AUTH_NEVER ? "this operation is never allowed"
                                                 : "the guard of this operation is not known");
    }
    /* Same fields as findObject gives; owned by the container's application (its parent), so
     * that releasing the container does not take the password with it. */
    const px_desc_obj *o = &c->desc->objs[g];
    isoIec23465_Handle *owner = container->parent ? container->parent : container;
    isoIec23465_Handle *h = px_handle_new(o->type, owner, c);
    if (!h) {
        st = px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    } else {
        snprintf(h->label, sizeof h->label, "%s", o->label);
        memcpy(h->id, o->id, o->id_len < sizeof h->id ? o->id_len : sizeof h->id);
        h->id_len = o->id_len < sizeof h->id ? o->id_len : sizeof h->id;
        h->app = o->app;
        h->obj = o;
        *authenticator = h;
    }
    px_handle_leave(c);
    return st;
}
