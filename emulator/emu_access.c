/* Access rules: evaluation against the security status, and their encoding in the FCP. */
#include <stdbool.h>
#include <stdint.h>

#include "codec_tlv.h"
#include "emu_card_internal.h"

/* The DF whose view resolves a file's DF-specific references: a DF itself, an EF's parent. */
static uint16_t scope_of(const emu_card *card, const emu_file *file)
{
    uint16_t idx = (uint16_t)(file - card->fs.files);
    return file->type == EMU_FILE_DF ? idx : file->parent;
}

/* A reference is satisfied when its PIN object is verified or its verification is disabled.
 * An unknown reference is never satisfied. */
static bool ref_satisfied(const emu_card *card, uint16_t df, uint8_t ref)
{
    int idx = emu_pin_find(&card->pins, &card->fs, df, ref);
    if (idx == EMU_PIN_NO_INDEX)
        return false;
    return !card->pins.pins[idx].enabled || emu_security_verified(card, idx);
}

uint16_t emu_access_rule_check(const emu_card *card, uint16_t df, const emu_rule *r)
{
    switch (r->kind) {
    case EMU_RULE_ALWAYS:
        return SW_OK;
    case EMU_RULE_PINS:
        for (uint8_t t = 0; t < r->n_terms && t < EMU_RULE_MAX_TERMS; t++) {
            bool all = r->terms[t].n > 0;
            for (uint8_t i = 0; i < r->terms[t].n && i < EMU_RULE_MAX_PINS; i++)
                all = all && ref_satisfied(card, df, r->terms[t].pin_ref[i]);
            if (all)
                return SW_OK;
        }
        return SW_SECURITY_NOT_SATISFIED;
    default:
        return SW_SECURITY_NOT_SATISFIED;
    }
}

uint16_t emu_access_check(const emu_card *card, const emu_file *file, emu_op op)
{
    if ((unsigned)op >= EMU_OP_COUNT)
        return SW_SECURITY_NOT_SATISFIED;
    return emu_access_rule_check(card, scope_of(card, file), &file->access[op]);
}

/* ---- FCP: security attributes in expanded format (tag AB) ----
 *
 * AB holds security rules, each an access mode DO followed by one security condition DO.
 * Access mode DOs: 80 with an access mode byte (7816-4 tables 16/17) for the operations that
 * have a bit, 84 with an INS byte for ERASE (EFs: 0E) and APPEND RECORD (E2), which have none.
 * Operations with the same rule share one 80 DO. Security condition DOs: 90 00 always,
 * 97 00 never, A4 {83 01 ref, 95 01 08} one PIN (user authentication, knowledge based),
 * AF {...} all of (AND), A0 {...} one of (OR). */

/* Access mode bits for an EF (table 17) and a DF (table 16); 0 = no bit for this operation. */
static uint8_t am_bit(emu_file_type type, emu_op op)
{
    static const uint8_t ef_bits[EMU_OP_COUNT] = {
        [EMU_OP_READ] = 0x01,       [EMU_OP_UPDATE] = 0x02,   [EMU_OP_WRITE] = 0x04,
        [EMU_OP_DEACTIVATE] = 0x08, [EMU_OP_ACTIVATE] = 0x10, [EMU_OP_TERMINATE] = 0x20,
        [EMU_OP_DELETE] = 0x40};
    /* DF: create EF and create DF (b2, b3) both from CREATE; DELETE is delete self (b7). */
    static const uint8_t df_bits[EMU_OP_COUNT] = {[EMU_OP_CREATE] = 0x06,
                                                  [EMU_OP_DEACTIVATE] = 0x08,
                                                  [EMU_OP_ACTIVATE] = 0x10,
                                                  [EMU_OP_TERMINATE] = 0x20,
                                                  [EMU_OP_DELETE] = 0x40};
    return type == EMU_FILE_DF ? df_bits[op] : ef_bits[op];
}

static bool rule_equal(const emu_rule *a, const emu_rule *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind != EMU_RULE_PINS)
        return true;
    if (a->n_terms != b->n_terms)
        return false;
    for (uint8_t t = 0; t < a->n_terms && t < EMU_RULE_MAX_TERMS; t++) {
        if (a->terms[t].n != b->terms[t].n)
            return false;
        for (uint8_t i = 0; i < a->terms[t].n && i < EMU_RULE_MAX_PINS; i++)
            if (a->terms[t].pin_ref[i] != b->terms[t].pin_ref[i])
                return false;
    }
    return true;
}

static size_t len_size(size_t n)
{
    return n >= 0x80 ? 2 : 1;
}

#define PIN_CRT_LEN 8 /* A4 06 83 01 ref 95 01 08 */

static void write_pin_crt(codec_writer *w, uint8_t ref)
{
    static const uint8_t head[] = {0xA4, 0x06, 0x83, 0x01};
    static const uint8_t tail[] = {0x95, 0x01, 0x08};
    codec_write_bytes(w, head, sizeof head);
    codec_write_u8(w, ref);
    codec_write_bytes(w, tail, sizeof tail);
}

static size_t term_len(const emu_rule *r, uint8_t t)
{
    size_t n = (size_t)r->terms[t].n * PIN_CRT_LEN;
    return r->terms[t].n == 1 ? n : 1 + len_size(n) + n;
}

static void write_term(codec_writer *w, const emu_rule *r, uint8_t t)
{
    if (r->terms[t].n != 1) {
        codec_write_u8(w, 0xAF);
        codec_ber_write_length(w, (size_t)r->terms[t].n * PIN_CRT_LEN);
    }
    for (uint8_t i = 0; i < r->terms[t].n && i < EMU_RULE_MAX_PINS; i++)
        write_pin_crt(w, r->terms[t].pin_ref[i]);
}

static void write_condition(codec_writer *w, const emu_rule *r)
{
    if (r->kind == EMU_RULE_ALWAYS) {
        codec_write_u16be(w, 0x9000);
        return;
    }
    if (r->kind != EMU_RULE_PINS || r->n_terms == 0) {
        codec_write_u16be(w, 0x9700);
        return;
    }
    uint8_t nt = r->n_terms < EMU_RULE_MAX_TERMS ? r->n_terms : EMU_RULE_MAX_TERMS;
    if (nt > 1) {
        size_t n = 0;
        for (uint8_t t = 0; t < nt; t++)
            n += term_len(r, t);
        codec_write_u8(w, 0xA0);
        codec_ber_write_length(w, n);
    }
    for (uint8_t t = 0; t < nt; t++)
        write_term(w, r, t);
}

/* Writes the rules (without the AB header) into w. */
static void write_rules(codec_writer *w, const emu_file *file)
{
    bool done[EMU_OP_COUNT] = {false};
    for (int op = 0; op < EMU_OP_COUNT; op++) {
        if (done[op] || am_bit(file->type, (emu_op)op) == 0)
            continue;
        uint8_t am = 0;
        for (int o = op; o < EMU_OP_COUNT; o++) {
            uint8_t bit = am_bit(file->type, (emu_op)o);
            if (bit && !done[o] && rule_equal(&file->access[op], &file->access[o])) {
                am |= bit;
                done[o] = true;
            }
        }
        codec_write_u8(w, 0x80);
        codec_write_u8(w, 1);
        codec_write_u8(w, am);
        write_condition(w, &file->access[op]);
    }
    if (file->type == EMU_FILE_EF) {
        static const struct {
            emu_op op;
            uint8_t ins;
        } by_ins[] = {{EMU_OP_ERASE, 0x0E}, {EMU_OP_APPEND, 0xE2}};
        for (size_t i = 0; i < sizeof by_ins / sizeof by_ins[0]; i++) {
            codec_write_u8(w, 0x84);
            codec_write_u8(w, 1);
            codec_write_u8(w, by_ins[i].ins);
            write_condition(w, &file->access[by_ins[i].op]);
        }
    }
}

bool emu_access_write_fcp(codec_writer *w, const emu_file *file)
{
    /* The largest rule set is bounded (10 operations, 4 x 4 references each), but an FCP has
     * room for 255 bytes in all: the rules are measured first and written only when they fit. */
    uint8_t tmp[255];
    codec_writer rw;
    codec_writer_init(&rw, tmp, sizeof tmp);
    write_rules(&rw, file);
    if (rw.overflow) {
        w->overflow = true;
        return false;
    }
    codec_write_u8(w, 0xAB);
    codec_ber_write_length(w, rw.len);
    codec_write_bytes(w, tmp, rw.len);
    return !w->overflow;
}
