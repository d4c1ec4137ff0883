/* Access rules: evaluation against the security status, and their encoding in the FCP. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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

/* ---- FCP: security attributes read back (CREATE FILE) ----
 *
 * The inverse of the above, for AB (expanded) and 8C (compact). An access mode DO names
 * operations: 80 an access mode byte (b8 = 0), 84 one INS byte (unknown INS: no operation of
 * this card, ignored). Conditions: 90 00, 97 00, 9E 01 00 / FF, A4 {83 01 ref [95 01 qual]},
 * AF {A4...}, A0 {A4 | AF ...}. Compact: an access mode byte, then one security condition byte
 * per bit b7..b1 set, 00 (always) or FF (never); other bytes name security environments, not
 * PINs, and are refused. */

/* The operation an INS guards for a file of this type (84 access mode DO); EMU_OP_COUNT when
 * none. */
static emu_op op_of_ins(emu_file_type type, uint8_t ins)
{
    static const struct {
        uint8_t ins;
        emu_op ef, df;
    } map[] = {
        {0xB0, EMU_OP_READ, EMU_OP_COUNT},        {0xB1, EMU_OP_READ, EMU_OP_COUNT},
        {0xB2, EMU_OP_READ, EMU_OP_COUNT},        {0xB3, EMU_OP_READ, EMU_OP_COUNT},
        {0xA2, EMU_OP_READ, EMU_OP_COUNT},        {0xD6, EMU_OP_UPDATE, EMU_OP_COUNT},
        {0xD7, EMU_OP_UPDATE, EMU_OP_COUNT},      {0xDC, EMU_OP_UPDATE, EMU_OP_COUNT},
        {0xDD, EMU_OP_UPDATE, EMU_OP_COUNT},      {0xD0, EMU_OP_WRITE, EMU_OP_COUNT},
        {0xD1, EMU_OP_WRITE, EMU_OP_COUNT},       {0xD2, EMU_OP_WRITE, EMU_OP_COUNT},
        {0x0E, EMU_OP_ERASE, EMU_OP_COUNT},       {0x0F, EMU_OP_ERASE, EMU_OP_COUNT},
        {0x0C, EMU_OP_ERASE, EMU_OP_COUNT},       {0xE2, EMU_OP_APPEND, EMU_OP_COUNT},
        {0xCA, EMU_OP_COUNT, EMU_OP_READ},        {0xCB, EMU_OP_COUNT, EMU_OP_READ},
        {0xDA, EMU_OP_COUNT, EMU_OP_UPDATE},      {0xDB, EMU_OP_COUNT, EMU_OP_UPDATE},
        {0xE0, EMU_OP_COUNT, EMU_OP_CREATE},      {0xE4, EMU_OP_DELETE, EMU_OP_DELETE},
        {0x44, EMU_OP_ACTIVATE, EMU_OP_ACTIVATE}, {0x04, EMU_OP_DEACTIVATE, EMU_OP_DEACTIVATE},
        {0xE8, EMU_OP_TERMINATE, EMU_OP_COUNT},   {0xE6, EMU_OP_COUNT, EMU_OP_TERMINATE},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].ins == ins)
            return type == EMU_FILE_DF ? map[i].df : map[i].ef;
    return EMU_OP_COUNT;
}

/* The operations an access mode byte (b8 = 0) names, as a bit set over emu_op. */
static uint16_t ops_of_am(emu_file_type type, uint8_t am)
{
    uint16_t ops = 0;
    for (int op = 0; op < EMU_OP_COUNT; op++)
        if (am & am_bit(type, (emu_op)op))
            ops |= (uint16_t)(1u << op);
    return ops;
}

/* A valid PIN reference: b7-b6 zero, a number in b5-b1. */
static bool pin_ref_ok(uint8_t ref)
{
    return (ref & 0x60) == 0 && (ref & 0x1F) != 0;
}

/* A4 {83 01 ref [95 01 qual]}: one PIN. */
static bool read_pin_crt(const uint8_t *v, size_t len, uint8_t *ref)
{
    codec_reader r;
    codec_reader_init(&r, v, len);
    bool have_ref = false, have_qual = false;
    while (codec_reader_remaining(&r) > 0) {
        uint8_t tag, b;
        size_t l;
        if (!codec_read_u8(&r, &tag) || !codec_ber_read_length(&r, &l) || l != 1 ||
            !codec_read_u8(&r, &b))
            return false;
        if (tag == 0x83 && !have_ref && pin_ref_ok(b)) {
            have_ref = true;
            *ref = b;
        } else if (tag == 0x95 && !have_qual && (b & 0x08)) {
            have_qual = true; /* user authentication, knowledge based */
        } else {
            return false;
        }
    }
    return have_ref;
}

/* AF {A4 ...} (`and` true) or a lone A4: one term of a rule. */
static bool read_term(uint8_t tag, const uint8_t *v, size_t len, emu_rule *r)
{
    if (r->n_terms >= EMU_RULE_MAX_TERMS)
        return false;
    uint8_t t = r->n_terms;
    r->terms[t].n = 0;
    if (tag == 0xA4) {
        if (!read_pin_crt(v, len, &r->terms[t].pin_ref[0]))
            return false;
        r->terms[t].n = 1;
    } else {
        codec_reader in;
        codec_reader_init(&in, v, len);
        while (codec_reader_remaining(&in) > 0) {
            uint8_t itag;
            size_t il;
            const uint8_t *iv;
            if (!codec_read_u8(&in, &itag) || itag != 0xA4 || !codec_ber_read_length(&in, &il) ||
                !codec_read_bytes(&in, il, &iv) || r->terms[t].n >= EMU_RULE_MAX_PINS ||
                !read_pin_crt(iv, il, &r->terms[t].pin_ref[r->terms[t].n]))
                return false;
            r->terms[t].n++;
        }
        if (r->terms[t].n == 0)
            return false;
    }
    r->n_terms++;
    return true;
}

/* One security condition DO into *r. */
static bool read_condition(uint8_t tag, const uint8_t *v, size_t len, emu_rule *r)
{
    memset(r, 0, sizeof *r);
    switch (tag) {
    case 0x90:
        return len == 0;
    case 0x97:
        r->kind = EMU_RULE_NEVER;
        return len == 0;
    case 0x9E:
        r->kind = len == 1 && v[0] == 0xFF ? EMU_RULE_NEVER : EMU_RULE_ALWAYS;
        return len == 1 && (v[0] == 0x00 || v[0] == 0xFF);
    case 0xA4:
    case 0xAF:
        r->kind = EMU_RULE_PINS;
        return read_term(tag, v, len, r);
    case 0xA0: {
        r->kind = EMU_RULE_PINS;
        codec_reader in;
        codec_reader_init(&in, v, len);
        while (codec_reader_remaining(&in) > 0) {
            uint8_t itag;
            size_t il;
            const uint8_t *iv;
            if (!codec_read_u8(&in, &itag) || (itag != 0xA4 && itag != 0xAF) ||
                !codec_ber_read_length(&in, &il) || !codec_read_bytes(&in, il, &iv) ||
                !read_term(itag, iv, il, r))
                return false;
        }
        return r->n_terms > 0;
    }
    default:
        return false; /* secure messaging, external authentication: not for this card */
    }
}

/* Gives the operations in `ops` rule *r; one operation given two different rules is refused. */
static bool assign(uint16_t ops, const emu_rule *r, emu_rule rules[EMU_OP_COUNT], uint16_t *set)
{
    for (int op = 0; op < EMU_OP_COUNT; op++) {
        if (!(ops & (1u << op)))
            continue;
        if ((*set & (1u << op)) && !rule_equal(&rules[op], r))
            return false;
        rules[op] = *r;
        *set |= (uint16_t)(1u << op);
    }
    return true;
}

static bool parse_compact(emu_file_type type, const uint8_t *v, size_t len,
                          emu_rule rules[EMU_OP_COUNT], uint16_t *set)
{
    if (len < 1 || (v[0] & 0x80))
        return false;
    size_t at = 1;
    for (int bit = 6; bit >= 0; bit--) {
        if (!(v[0] & (1u << bit)))
            continue;
        if (at >= len || (v[at] != 0x00 && v[at] != 0xFF))
            return false;
        emu_rule r;
        memset(&r, 0, sizeof r);
        r.kind = v[at++] == 0xFF ? EMU_RULE_NEVER : EMU_RULE_ALWAYS;
        if (!assign(ops_of_am(type, (uint8_t)(1u << bit)), &r, rules, set))
            return false;
    }
    return at == len;
}

static bool parse_expanded(emu_file_type type, const uint8_t *v, size_t len,
                           emu_rule rules[EMU_OP_COUNT], uint16_t *set)
{
    codec_reader r;
    codec_reader_init(&r, v, len);
    while (codec_reader_remaining(&r) > 0) {
        uint8_t tag, ctag;
        size_t l, cl;
        const uint8_t *av, *cv;
        if (!codec_read_u8(&r, &tag) || !codec_ber_read_length(&r, &l) ||
            !codec_read_bytes(&r, l, &av))
            return false;
        uint16_t ops;
        if (tag == 0x80 && l == 1 && !(av[0] & 0x80)) {
            ops = ops_of_am(type, av[0]);
        } else if (tag == 0x84 && l == 1) {
            emu_op op = op_of_ins(type, av[0]);
            ops = op == EMU_OP_COUNT ? 0 : (uint16_t)(1u << op);
        } else {
            return false; /* 81..8F with CLA / P1 / P2, or not an access mode DO */
        }
        emu_rule cond;
        if (!codec_read_u8(&r, &ctag) || !codec_ber_read_length(&r, &cl) ||
            !codec_read_bytes(&r, cl, &cv) || !read_condition(ctag, cv, cl, &cond) ||
            !assign(ops, &cond, rules, set))
            return false;
    }
    return true;
}

bool emu_access_parse_fcp(uint8_t tag, const uint8_t *v, size_t len, emu_file_type type,
                          emu_rule rules[EMU_OP_COUNT], uint16_t *set)
{
    if (tag == 0x8C)
        return parse_compact(type, v, len, rules, set);
    if (tag == 0xAB)
        return parse_expanded(type, v, len, rules, set);
    return false;
}
