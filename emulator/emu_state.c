/* The card's non-volatile memory as bytes: save, load (bounded, validated, all or nothing), the
 * persistence hook and the PIN counters for control tools.
 *
 * Format (docs/sdemu.md, "State file"), all integers big-endian:
 *   "SDEMUST1"
 *   sections, each: id (1 byte), length (4 bytes), body; in this order, each exactly once:
 *     1 profile fingerprint (32 bytes), 2 files, 3 data objects, 4 PIN objects, 5 keys
 *   SHA-256 of everything before it (32 bytes)
 * The encoding is canonical (one card, one byte string), so the fingerprint of a profile is
 * simply the hash of a fresh card's encoding. */
#include "emu_state.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_bytes.h"
#include "emu_card_internal.h"

#define STATE_MAGIC "SDEMUST1"
#define STATE_MAGIC_LEN 8
#define STATE_SUM_LEN 32
#define FP_DOMAIN "SDEMU-PROFILE-1"

enum { SEC_PROFILE = 1, SEC_FILES = 2, SEC_DOS = 3, SEC_PINS = 4, SEC_KEYS = 5 };

/* ---- writing: a sink that only counts when p is NULL, so the size is known before the one
 * allocation (no realloc leaving copies of PIN values behind) ---- */

typedef struct sink {
    uint8_t *p;
    size_t len;
    bool fingerprint; /* writing the fingerprint input: generated key material left out */
} sink;

static void put(sink *s, const void *src, size_t n)
{
    if (s->p && n)
        memcpy(s->p + s->len, src, n);
    s->len += n;
}

static void put_u8(sink *s, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(s, &b, 1);
}

static void put_u16(sink *s, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(s, b, 2);
}

static void put_u32(sink *s, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(s, b, 4);
}

static void put_rule(sink *s, const emu_rule *r)
{
    unsigned nt = r->n_terms > EMU_RULE_MAX_TERMS ? EMU_RULE_MAX_TERMS : r->n_terms;
    put_u8(s, r->kind);
    put_u8(s, nt);
    for (unsigned t = 0; t < nt; t++) {
        unsigned n = r->terms[t].n > EMU_RULE_MAX_PINS ? EMU_RULE_MAX_PINS : r->terms[t].n;
        put_u8(s, n);
        put(s, r->terms[t].pin_ref, n);
    }
}

static bool is_record_ef(const emu_file *f)
{
    return f->type == EMU_FILE_EF && f->structure != EMU_EF_TRANSPARENT;
}

static void put_files(sink *s, const emu_card *card)
{
    const emu_fs *fs = &card->fs;
    put_u16(s, fs->count);
    for (uint16_t i = 0; i < fs->count; i++) {
        const emu_file *f = &fs->files[i];
        if (f->deleted) {
            put_u8(s, 0);
            continue;
        }
        put_u8(s, f->type == EMU_FILE_DF ? 1 : 2);
        put_u8(s, f->structure);
        put_u8(s, f->has_fid);
        put_u16(s, f->fid);
        put_u8(s, f->sfi);
        put_u8(s, f->aid_len);
        put(s, f->aid, f->aid_len);
        put_u16(s, f->parent);
        put_u16(s, f->first_child);
        put_u16(s, f->next_sibling);
        put_u8(s, f->depth);
        put_u8(s, f->lcs);
        size_t label_len = f->label ? strlen(f->label) : 0;
        put_u8(s, f->label != NULL);
        put_u16(s, (unsigned)label_len);
        put(s, f->label, label_len);
        for (unsigned op = 0; op < EMU_OP_COUNT; op++)
            put_rule(s, &f->access[op]);
        put_u8(s, f->record_size);
        put_u16(s, f->record_max);
        put_u16(s, f->record_count);
        put_u32(s, (uint32_t)f->size);
        put(s, f->data, f->size);
        if (is_record_ef(f))
            put(s, f->record_len, f->record_max);
    }
}

static void put_dos(sink *s, const emu_card *card)
{
    const emu_fs *fs = &card->fs;
    put_u16(s, fs->do_count);
    for (uint16_t i = 0; i < fs->do_count; i++) {
        const emu_dobj *d = &fs->dos[i];
        put_u32(s, d->tag);
        put_u16(s, d->cap);
        put_u16(s, d->len);
        put(s, d->value, d->len);
        /* own access rules (sec2): which are set, then both */
        put_u8(s, d->access_set);
        put_rule(s, &d->access[EMU_DO_READ]);
        put_rule(s, &d->access[EMU_DO_UPDATE]);
    }
}

static void put_pins(sink *s, const emu_card *card)
{
    const emu_pin_table *t = &card->pins;
    put_u16(s, t->count);
    for (uint16_t i = 0; i < t->count; i++) {
        const emu_pin *p = &t->pins[i];
        if (p->owner == EMU_NONE) { /* forgotten with its DF (emu_pin_forget_df) */
            put_u8(s, 0);
            continue;
        }
        size_t name_len = strnlen(p->name, EMU_PIN_NAME_MAX);
        put_u8(s, 1);
        put_u8(s, (unsigned)name_len);
        put(s, p->name, name_len);
        put_u16(s, p->owner);
        put_u8(s, p->ref);
        put_u8(s, p->encoding);
        put_u8(s, p->min_len);
        put_u8(s, p->max_len);
        put_u8(s, p->pad_to);
        put_u8(s, p->pad_byte);
        put_u8(s, p->max_tries);
        put_u8(s, p->tries_left);
        put_u8(s, p->value_len);
        put(s, p->value, p->value_len);
        put_u16(s, p->reset_by == EMU_PIN_NO_INDEX ? 0xFFFFu : (unsigned)p->reset_by);
        put_u8(s, p->enabled);
        put_u8(s, p->disable_allowed);
        put_rule(s, &p->unblock);
        for (unsigned op = 0; op < EMU_PIN_OP_COUNT; op++)
            put_rule(s, &p->access[op]); /* per operation (sec2) */
    }
}

/* Keys: the description (from the profile; checked on load) and the material. Material kinds:
 * 0 none (empty slot), 1 private key DER (i2d_PrivateKey), 2 public key DER (SPKI), 3 secret.
 * The fingerprint input has kind 0 for generated keys, so that a profile's fingerprint does not
 * depend on what emu_card_new generated. */
enum { KEY_NONE = 0, KEY_PRIVATE = 1, KEY_PUBLIC = 2, KEY_SECRET = 3 };

static void put_key_material(sink *s, const emu_key *k)
{
    if (emu_key_empty(k) || (s->fingerprint && k->generated)) {
        put_u8(s, KEY_NONE);
        put_u32(s, 0);
        return;
    }
    if (k->secret_len) {
        put_u8(s, KEY_SECRET);
        put_u32(s, k->secret_len);
        put(s, k->secret, k->secret_len);
        return;
    }
    int n = k->public_only ? i2d_PUBKEY(k->pkey, NULL) : i2d_PrivateKey(k->pkey, NULL);
    if (n <= 0)
        n = 0;
    put_u8(s, k->public_only ? KEY_PUBLIC : KEY_PRIVATE);
    put_u32(s, (uint32_t)n);
    if (!s->p) {
        s->len += (size_t)n;
        return;
    }
    unsigned char *q = s->p + s->len;
    int w = k->public_only ? i2d_PUBKEY(k->pkey, &q) : i2d_PrivateKey(k->pkey, &q);
    if (w != n) /* cannot happen for a key that encoded a moment ago; keep the length honest */
        memset(s->p + s->len, 0, (size_t)n);
    s->len += (size_t)n;
}

static void put_keys(sink *s, const emu_card *card)
{
    const emu_key_table *t = &card->keys;
    put_u16(s, t->count);
    for (uint16_t i = 0; i < t->count; i++) {
        const emu_key *k = &t->keys[i];
        if (k->owner == EMU_NONE) { /* forgotten with its DF */
            put_u8(s, 0);
            continue;
        }
        put_u8(s, 1);
        put_u16(s, k->owner);
        put_u8(s, k->ref);
        put_u8(s, k->type);
        put_u16(s, k->bits);
        put_u16(s, (unsigned)k->curve_nid);
        put_u32(s, k->usage);
        put_u8(s, k->alg_count);
        put(s, k->algs, k->alg_count);
        for (unsigned op = 0; op < EMU_KEY_OP_COUNT; op++)
            put_rule(s, &k->access[op]);
        size_t ll = strnlen(k->label, EMU_KEY_LABEL_MAX);
        put_u8(s, (unsigned)ll);
        put(s, k->label, ll);
        put_u16(s, k->cert_len);
        put(s, k->cert, k->cert_len);
        put_u8(s, k->generated && !s->fingerprint);
        put_u8(s, k->id_given);
        put_u8(s, k->id_len);
        put(s, k->id, k->id_len);
        put_key_material(s, k);
    }
}

typedef void (*put_fn)(sink *, const emu_card *);

static void put_section(sink *s, unsigned id, put_fn fn, const emu_card *card)
{
    sink count = {NULL, 0, s->fingerprint};
    fn(&count, card);
    put_u8(s, id);
    put_u32(s, (uint32_t)count.len);
    fn(s, card);
}

static void put_image(sink *s, const emu_card *card)
{
    put_section(s, SEC_FILES, put_files, card);
    put_section(s, SEC_DOS, put_dos, card);
    put_section(s, SEC_PINS, put_pins, card);
    put_section(s, SEC_KEYS, put_keys, card);
}

static void put_state(sink *s, const emu_card *card)
{
    put(s, STATE_MAGIC, STATE_MAGIC_LEN);
    put_u8(s, SEC_PROFILE);
    put_u32(s, EMU_STATE_FINGERPRINT_LEN);
    put(s, card->profile_id, EMU_STATE_FINGERPRINT_LEN);
    put_image(s, card);
}

static void put_fingerprint_input(sink *s, const emu_card *card)
{
    s->fingerprint = true;
    put(s, FP_DOMAIN, strlen(FP_DOMAIN));
    put_u8(s, (unsigned)card->atr_len);
    put(s, card->atr, card->atr_len);
    put_image(s, card);
}

static bool sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32;
}

/* Encodes into one exact-size buffer; NULL when out of memory. */
static uint8_t *encode(const emu_card *card, void (*fn)(sink *, const emu_card *), size_t extra,
                       size_t *len)
{
    sink count = {NULL, 0, false};
    fn(&count, card);
    uint8_t *buf = malloc(count.len + extra);
    if (!buf)
        return NULL;
    sink s = {buf, 0, false};
    fn(&s, card);
    *len = s.len;
    return buf;
}

bool emu_state_fingerprint(emu_card *card)
{
    size_t len;
    uint8_t *buf = encode(card, put_fingerprint_input, 0, &len);
    if (!buf)
        return false;
    bool ok = sha256(buf, len, card->profile_id);
    OPENSSL_cleanse(buf, len); /* holds the PIN values */
    free(buf);
    return ok;
}

int emu_card_state_save(const emu_card *card, uint8_t **buf, size_t *len)
{
    size_t n;
    uint8_t *out = encode(card, put_state, STATE_SUM_LEN, &n);
    if (!out)
        return -1;
    if (!sha256(out, n, out + n)) {
        OPENSSL_cleanse(out, n);
        free(out);
        return -1;
    }
    *buf = out;
    *len = n + STATE_SUM_LEN;
    return 0;
}

/* ---- reading ---- */

typedef struct parse {
    codec_reader r;
    emu_error *err;
} parse;

static void note(parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records why the state is refused (when the caller asked for a reason). */
static void note(parse *ps, const char *fmt, ...)
{
    if (ps->err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
        va_end(ap);
    }
}

/* Records a reason and yields false, so a reader can `return fail(...)`. A macro rather than a
 * function returning false, so that every reader visibly fails (and leaves its outputs unread)
 * whenever it reports. */
#define fail(ps, ...) (note((ps), __VA_ARGS__), false)

static bool get_u8(parse *ps, uint8_t *v)
{
    if (!codec_read_u8(&ps->r, v))
        return fail(ps, "truncated at byte %zu", ps->r.off);
    return true;
}

static bool get_u16(parse *ps, uint16_t *v)
{
    if (!codec_read_u16be(&ps->r, v))
        return fail(ps, "truncated at byte %zu", ps->r.off);
    return true;
}

static bool get_u32(parse *ps, uint32_t *v)
{
    const uint8_t *b;
    if (!codec_read_bytes(&ps->r, 4, &b))
        return fail(ps, "truncated at byte %zu", ps->r.off);
    *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return true;
}

static bool get_bytes(parse *ps, size_t n, const uint8_t **v)
{
    if (!codec_read_bytes(&ps->r, n, v))
        return fail(ps, "truncated at byte %zu (%zu bytes expected)", ps->r.off, n);
    return true;
}

static bool get_bool(parse *ps, bool *v, const char *what)
{
    uint8_t b;
    if (!get_u8(ps, &b))
        return false;
    if (b > 1)
        return fail(ps, "%s: %u is not a boolean", what, b);
    *v = b;
    return true;
}

static bool get_rule(parse *ps, emu_rule *r)
{
    memset(r, 0, sizeof *r);
    if (!get_u8(ps, &r->kind) || !get_u8(ps, &r->n_terms))
        return false;
    if (r->kind > EMU_RULE_PINS || r->n_terms > EMU_RULE_MAX_TERMS)
        return fail(ps, "bad access rule (kind %u, %u terms)", r->kind, r->n_terms);
    for (unsigned t = 0; t < r->n_terms; t++) {
        const uint8_t *refs;
        if (!get_u8(ps, &r->terms[t].n))
            return false;
        if (r->terms[t].n > EMU_RULE_MAX_PINS)
            return fail(ps, "access rule term with %u PINs", r->terms[t].n);
        if (!get_bytes(ps, r->terms[t].n, &refs))
            return false;
        memcpy(r->terms[t].pin_ref, refs, r->terms[t].n);
    }
    return true;
}

static bool valid_lcs(uint8_t lcs)
{
    return lcs == EMU_LCS_CREATION || lcs == EMU_LCS_INITIALISATION || lcs == EMU_LCS_ACTIVATED ||
           lcs == EMU_LCS_DEACTIVATED || lcs == EMU_LCS_TERMINATED;
}

static bool valid_link(uint16_t link, uint16_t count)
{
    return link == EMU_NONE || link < count;
}

/* Reads one node's content (data and record lengths) after its fields. */
static bool get_content(parse *ps, emu_file *f, uint16_t i, size_t *total)
{
    uint32_t size;
    if (!get_u8(ps, &f->record_size) || !get_u16(ps, &f->record_max) ||
        !get_u16(ps, &f->record_count) || !get_u32(ps, &size))
        return false;
    if (f->type == EMU_FILE_DF) {
        if (f->record_size || f->record_max || f->record_count || size)
            return fail(ps, "file %u: a DF with content", i);
    } else if (!is_record_ef(f)) {
        if (f->record_size || f->record_max || f->record_count || size > EMU_MAX_FILE_SIZE)
            return fail(ps, "file %u: bad transparent EF (size %lu)", i, (unsigned long)size);
    } else if (f->record_max > EMU_MAX_RECORDS || f->record_count > f->record_max ||
               (f->record_max && !f->record_size) ||
               size != (uint32_t)f->record_max * f->record_size) {
        return fail(ps, "file %u: bad record EF (%u of %u records of %u bytes, %lu bytes)", i,
                    f->record_count, f->record_max, f->record_size, (unsigned long)size);
    }
    if (size > EMU_MAX_TOTAL_DATA - *total)
        return fail(ps, "more than %u bytes of file content", EMU_MAX_TOTAL_DATA);
    *total += size;
    const uint8_t *v;
    if (!get_bytes(ps, size, &v))
        return false;
    if (size) {
        if (!(f->data = malloc(size)))
            return fail(ps, "out of memory");
        memcpy(f->data, v, size);
        f->size = size;
    }
    if (is_record_ef(f) && f->record_max) {
        if (!get_bytes(ps, f->record_max, &v))
            return false;
        for (uint16_t k = 0; k < f->record_max; k++)
            if (v[k] > f->record_size)
                return fail(ps, "file %u: record %u longer than the record size", i, k + 1);
        if (!(f->record_len = malloc(f->record_max)))
            return fail(ps, "out of memory");
        memcpy(f->record_len, v, f->record_max);
    }
    return true;
}

static bool get_file(parse *ps, emu_file *f, uint16_t i, uint16_t count, size_t *total)
{
    uint8_t kind, structure;
    const uint8_t *v;
    f->parent = f->first_child = f->next_sibling = EMU_NONE;
    if (!get_u8(ps, &kind))
        return false;
    if (kind == 0) { /* a deleted slot, as DELETE FILE leaves it */
        f->deleted = true;
        return true;
    }
    if (kind > 2)
        return fail(ps, "file %u: unknown kind %u", i, kind);
    f->type = kind == 1 ? EMU_FILE_DF : EMU_FILE_EF;
    if (!get_u8(ps, &structure) || !get_bool(ps, &f->has_fid, "has_fid") || !get_u16(ps, &f->fid) ||
        !get_u8(ps, &f->sfi) || !get_u8(ps, &f->aid_len))
        return false;
    f->structure = (emu_ef_structure)structure;
    if (f->type == EMU_FILE_DF
            ? structure != 0
            : structure != EMU_EF_TRANSPARENT && structure != EMU_EF_LINEAR_FIXED &&
                  structure != EMU_EF_LINEAR_VARIABLE && structure != EMU_EF_CYCLIC)
        return fail(ps, "file %u: bad structure %u", i, structure);
    if (f->sfi > 30 || (f->type == EMU_FILE_DF && f->sfi))
        return fail(ps, "file %u: bad SFI %u", i, f->sfi);
    if (f->aid_len > EMU_MAX_AID || (f->type == EMU_FILE_EF && f->aid_len))
        return fail(ps, "file %u: bad DF name length %u", i, f->aid_len);
    if (!get_bytes(ps, f->aid_len, &v))
        return false;
    memcpy(f->aid, v, f->aid_len);
    bool has_label;
    uint16_t label_len;
    if (!get_u16(ps, &f->parent) || !get_u16(ps, &f->first_child) ||
        !get_u16(ps, &f->next_sibling) || !get_u8(ps, &f->depth) || !get_u8(ps, &f->lcs) ||
        !get_bool(ps, &has_label, "has_label") || !get_u16(ps, &label_len))
        return false;
    if (!valid_link(f->parent, count) || !valid_link(f->first_child, count) ||
        !valid_link(f->next_sibling, count))
        return fail(ps, "file %u: link outside the %u files", i, count);
    if (!valid_lcs(f->lcs))
        return fail(ps, "file %u: bad life cycle status %02X", i, f->lcs);
    if ((!has_label && label_len) || label_len > EMU_MAX_TEXT ||
        (has_label && f->type != EMU_FILE_DF))
        return fail(ps, "file %u: bad label", i);
    if (!get_bytes(ps, label_len, &v))
        return false;
    if (memchr(v, 0, label_len))
        return fail(ps, "file %u: NUL in the label", i);
    if (has_label) {
        if (!(f->label = malloc(label_len + 1u)))
            return fail(ps, "out of memory");
        memcpy(f->label, v, label_len);
        f->label[label_len] = '\0';
    }
    for (unsigned op = 0; op < EMU_OP_COUNT; op++)
        if (!get_rule(ps, &f->access[op]))
            return false;
    return get_content(ps, f, i, total);
}

/* The tree invariants every command relies on: the MF at 0; each live node but the MF hangs
 * exactly once in its parent DF's child list; depths follow the parent links (no cycles). */
static bool check_tree(parse *ps, const emu_fs *fs)
{
    const emu_file *files = fs->files;
    if (files[0].deleted || files[0].type != EMU_FILE_DF || files[0].parent != EMU_NONE ||
        files[0].next_sibling != EMU_NONE || files[0].depth != 0)
        return fail(ps, "file 0 is not the MF");
    for (uint16_t i = 1; i < fs->count; i++) {
        const emu_file *f = &files[i];
        if (f->deleted)
            continue;
        if (f->parent == EMU_NONE || files[f->parent].deleted ||
            files[f->parent].type != EMU_FILE_DF)
            return fail(ps, "file %u: parent is not a DF", i);
        if (f->depth != files[f->parent].depth + 1u ||
            f->depth > EMU_MAX_DEPTH + (f->type == EMU_FILE_EF ? 1u : 0u))
            return fail(ps, "file %u: bad depth %u", i, f->depth);
        if (f->type == EMU_FILE_EF && f->first_child != EMU_NONE)
            return fail(ps, "file %u: an EF with children", i);
    }
    uint8_t *seen = calloc(fs->count, 1);
    if (!seen)
        return fail(ps, "out of memory");
    bool ok = true;
    for (uint16_t d = 0; ok && d < fs->count; d++) {
        if (files[d].deleted || files[d].type != EMU_FILE_DF)
            continue;
        for (uint16_t c = files[d].first_child; c != EMU_NONE; c = files[c].next_sibling) {
            if (c == 0 || seen[c] || files[c].deleted || files[c].parent != d) {
                ok = fail(ps, "file %u: broken child list of DF %u", c, d);
                break;
            }
            seen[c] = 1;
        }
    }
    for (uint16_t i = 1; ok && i < fs->count; i++)
        if (!files[i].deleted && !seen[i])
            ok = fail(ps, "file %u: not in its parent's child list", i);
    free(seen);
    return ok;
}

static bool get_files(parse *ps, emu_fs *fs)
{
    uint16_t count;
    if (!get_u16(ps, &count))
        return false;
    /* every node takes at least one byte: bounds the allocation by the input */
    if (count == 0 || count > EMU_MAX_FILES || count > codec_reader_remaining(&ps->r))
        return fail(ps, "bad file count %u", count);
    if (!(fs->files = calloc(count, sizeof *fs->files)))
        return fail(ps, "out of memory");
    size_t total = 0;
    for (uint16_t i = 0; i < count; i++) {
        fs->count = (uint16_t)(i + 1); /* so that emu_fs_clear frees what was read */
        if (!get_file(ps, &fs->files[i], i, count, &total))
            return false;
    }
    return check_tree(ps, fs);
}

static bool get_dos(parse *ps, emu_fs *fs)
{
    uint16_t count;
    if (!get_u16(ps, &count))
        return false;
    if (count > EMU_MAX_DATA_OBJECTS || count > codec_reader_remaining(&ps->r))
        return fail(ps, "bad data object count %u", count);
    if (count && !(fs->dos = calloc(count, sizeof *fs->dos)))
        return fail(ps, "out of memory");
    for (uint16_t i = 0; i < count; i++) {
        emu_dobj *d = &fs->dos[i];
        const uint8_t *v;
        if (!get_u32(ps, &d->tag) || !get_u16(ps, &d->cap) || !get_u16(ps, &d->len))
            return false;
        if (d->tag == 0 || d->tag > 0xFFFFFF || d->cap > EMU_MAX_DO_SIZE || d->len > d->cap)
            return fail(ps, "data object %u: bad tag %lX or length %u of %u", i,
                        (unsigned long)d->tag, d->len, d->cap);
        for (uint16_t k = 0; k < i; k++)
            if (fs->dos[k].tag == d->tag)
                return fail(ps, "data object %u: tag %lX twice", i, (unsigned long)d->tag);
        if (!get_bytes(ps, d->len, &v))
            return false;
        if (!(d->value = malloc(d->cap ? d->cap : 1)))
            return fail(ps, "out of memory");
        fs->do_count = (uint16_t)(i + 1);
        memcpy(d->value, v, d->len);
        if (!get_u8(ps, &d->access_set) || !get_rule(ps, &d->access[EMU_DO_READ]) ||
            !get_rule(ps, &d->access[EMU_DO_UPDATE]))
            return false;
        if (d->access_set > 3)
            return fail(ps, "data object %u: bad access flags %u", i, d->access_set);
    }
    return true;
}

/* The most characters a PIN's encoding can carry (as the profile loader computes it). */
static unsigned pin_capacity(const emu_pin *p)
{
    unsigned cap = p->encoding == EMU_PIN_FORMAT2 ? 12
                   : !p->pad_to                   ? EMU_PIN_MAX_LEN
                   : p->encoding == EMU_PIN_BCD   ? 2u * p->pad_to
                                                  : p->pad_to;
    return cap > EMU_PIN_MAX_LEN ? EMU_PIN_MAX_LEN : cap;
}

static bool get_pin(parse *ps, emu_pin *p, uint16_t i, const emu_fs *fs)
{
    uint8_t live, name_len;
    uint16_t reset_by;
    const uint8_t *v;
    p->owner = EMU_NONE;
    p->reset_by = EMU_PIN_NO_INDEX;
    if (!get_u8(ps, &live))
        return false;
    if (live == 0) /* forgotten with its DF: nothing left of it */
        return true;
    if (live > 1)
        return fail(ps, "PIN %u: unknown kind %u", i, live);
    if (!get_u8(ps, &name_len))
        return false;
    if (name_len > EMU_PIN_NAME_MAX)
        return fail(ps, "PIN %u: name too long", i);
    if (!get_bytes(ps, name_len, &v))
        return false;
    if (memchr(v, 0, name_len))
        return fail(ps, "PIN %u: NUL in the name", i);
    memcpy(p->name, v, name_len);
    if (!get_u16(ps, &p->owner) || !get_u8(ps, &p->ref) || !get_u8(ps, &p->encoding) ||
        !get_u8(ps, &p->min_len) || !get_u8(ps, &p->max_len) || !get_u8(ps, &p->pad_to) ||
        !get_u8(ps, &p->pad_byte) || !get_u8(ps, &p->max_tries) || !get_u8(ps, &p->tries_left) ||
        !get_u8(ps, &p->value_len))
        return false;
    if (p->owner >= fs->count || fs->files[p->owner].deleted ||
        fs->files[p->owner].type != EMU_FILE_DF || (!(p->ref & 0x80) && p->owner != 0))
        return fail(ps, "PIN %u: owner %u is not a DF (or a global PIN outside the MF)", i,
                    p->owner);
    if ((p->ref & 0x60) || !(p->ref & 0x1F))
        return fail(ps, "PIN %u: bad reference %02X", i, p->ref);
    if (p->encoding > EMU_PIN_FORMAT2 || p->pad_to > EMU_PIN_MAX_BLOCK ||
        (p->encoding == EMU_PIN_FORMAT2 && p->pad_to) ||
        (p->encoding == EMU_PIN_BCD && p->pad_to && (p->pad_byte >> 4) <= 9))
        return fail(ps, "PIN %u: bad encoding or padding", i);
    unsigned lo = p->encoding == EMU_PIN_FORMAT2 ? 4 : 1;
    if (p->min_len < lo || p->min_len > p->max_len || p->max_len > pin_capacity(p))
        return fail(ps, "PIN %u: bad lengths %u..%u", i, p->min_len, p->max_len);
    if (p->max_tries < 1 || p->max_tries > EMU_PIN_MAX_TRIES || p->tries_left > p->max_tries)
        return fail(ps, "PIN %u: bad retry counter %u of %u", i, p->tries_left, p->max_tries);
    if (p->value_len > EMU_PIN_MAX_LEN)
        return fail(ps, "PIN %u: value too long", i);
    if (!get_bytes(ps, p->value_len, &v))
        return false;
    memcpy(p->value, v, p->value_len);
    if (emu_pin_value_problem(p, p->value, p->value_len))
        return fail(ps, "PIN %u: value does not fit its encoding", i);
    if (!get_u16(ps, &reset_by) || !get_bool(ps, &p->enabled, "enabled") ||
        !get_bool(ps, &p->disable_allowed, "disable_allowed") || !get_rule(ps, &p->unblock))
        return false;
    for (unsigned op = 0; op < EMU_PIN_OP_COUNT; op++)
        if (!get_rule(ps, &p->access[op]))
            return false;
    if (reset_by != 0xFFFF && (reset_by >= EMU_MAX_PINS || reset_by == i))
        return fail(ps, "PIN %u: bad resetting code %u", i, reset_by);
    p->reset_by = reset_by == 0xFFFF ? EMU_PIN_NO_INDEX : (int16_t)reset_by;
    return true;
}

static bool get_pins(parse *ps, emu_pin_table *t, const emu_fs *fs)
{
    uint16_t count;
    if (!get_u16(ps, &count))
        return false;
    if (count > EMU_MAX_PINS)
        return fail(ps, "bad PIN count %u", count);
    t->count = count;
    for (uint16_t i = 0; i < count; i++)
        if (!get_pin(ps, &t->pins[i], i, fs))
            return false;
    for (uint16_t i = 0; i < count; i++) {
        const emu_pin *p = &t->pins[i];
        if (p->owner == EMU_NONE)
            continue;
        if (p->reset_by != EMU_PIN_NO_INDEX &&
            (p->reset_by >= count || t->pins[p->reset_by].owner == EMU_NONE))
            return fail(ps, "PIN %u: resetting code %d does not exist", i, p->reset_by);
        for (uint16_t k = 0; k < i; k++)
            if (t->pins[k].owner == p->owner && t->pins[k].ref == p->ref)
                return fail(ps, "PIN %u: reference %02X twice in DF %u", i, p->ref, p->owner);
    }
    return true;
}

/* Reads the keys section into `keys` (a copy of the card's table, whose descriptions must match
 * what was saved; only the material and the generated flag are taken from the state). */
static bool get_keys(parse *ps, const emu_key_table *card_keys, emu_key_table *keys)
{
    uint16_t count;
    if (!get_u16(ps, &count))
        return false;
    if (count != card_keys->count)
        return fail(ps, "%u keys where the card has %u", count, card_keys->count);
    if (!emu_key_table_copy(keys, card_keys))
        return fail(ps, "out of memory");
    for (uint16_t i = 0; i < count; i++) {
        emu_key *k = &keys->keys[i];
        uint8_t live, type, alg_count, label_len, generated, id_given, id_len, kind;
        uint16_t owner, bits, curve, cert_len;
        uint32_t usage, mlen;
        const uint8_t *v;
        if (!get_u8(ps, &live))
            return false;
        if (live == 0) {
            emu_key_clear_material(k);
            free(k->cert);
            k->cert = NULL;
            k->cert_len = 0;
            k->owner = EMU_NONE;
            continue;
        }
        if (live != 1 || !get_u16(ps, &owner) || owner != k->owner || !get_u8(ps, &type) ||
            type != k->ref || !get_u8(ps, &type) || type != k->type || !get_u16(ps, &bits) ||
            !get_u16(ps, &curve) || curve != (unsigned)k->curve_nid || bits != k->bits ||
            !get_u32(ps, &usage) || usage != k->usage || !get_u8(ps, &alg_count) ||
            alg_count != k->alg_count)
            return fail(ps, "key %u does not match the profile's", i);
        if (!get_bytes(ps, alg_count, &v) || memcmp(v, k->algs, alg_count) != 0)
            return fail(ps, "key %u: algorithms differ from the profile's", i);
        for (unsigned op = 0; op < EMU_KEY_OP_COUNT; op++) {
            emu_rule r;
            if (!get_rule(ps, &r))
                return false;
            if (memcmp(&r, &k->access[op], sizeof r) != 0)
                return fail(ps, "key %u: access rules differ from the profile's", i);
        }
        if (!get_u8(ps, &label_len) || !get_bytes(ps, label_len, &v) ||
            label_len != strnlen(k->label, EMU_KEY_LABEL_MAX) ||
            memcmp(v, k->label, label_len) != 0)
            return fail(ps, "key %u: label differs from the profile's", i);
        if (!get_u16(ps, &cert_len) || !get_bytes(ps, cert_len, &v) || cert_len != k->cert_len ||
            (cert_len && memcmp(v, k->cert, cert_len) != 0))
            return fail(ps, "key %u: certificate differs from the profile's", i);
        if (!get_u8(ps, &generated) || generated > 1 || !get_u8(ps, &id_given) ||
            id_given != k->id_given || !get_u8(ps, &id_len) || id_len > EMU_KEY_ID_MAX ||
            !get_bytes(ps, id_len, &v))
            return fail(ps, "key %u: bad flags or id", i);
        k->id_len = id_len;
        memcpy(k->id, v, id_len);
        if (!get_u8(ps, &kind) || !get_u32(ps, &mlen) || !get_bytes(ps, mlen, &v))
            return fail(ps, "key %u: material truncated", i);
        emu_key_clear_material(k);
        k->generated = generated;
        if (kind == KEY_NONE) {
            if (mlen != 0)
                return fail(ps, "key %u: an empty slot with material", i);
        } else if (kind == KEY_SECRET) {
            if (k->type != EMU_KEY_AES || mlen != (uint32_t)k->bits / 8)
                return fail(ps, "key %u: bad secret", i);
            memcpy(k->secret, v, mlen);
            k->secret_len = (uint8_t)mlen;
        } else if (kind == KEY_PRIVATE || kind == KEY_PUBLIC) {
            const unsigned char *q = v;
            EVP_PKEY *pkey = kind == KEY_PRIVATE ? d2i_AutoPrivateKey(NULL, &q, (long)mlen)
                                                 : d2i_PUBKEY(NULL, &q, (long)mlen);
            emu_key d = *k;
            if (!pkey || q != v + mlen || !emu_key_describe(pkey, &d) || d.type != k->type ||
                d.bits != k->bits || d.curve_nid != k->curve_nid) {
                EVP_PKEY_free(pkey);
                return fail(ps, "key %u: key material is not the slot's kind of key", i);
            }
            k->pkey = pkey;
            k->public_only = kind == KEY_PUBLIC;
        } else {
            return fail(ps, "key %u: unknown material kind %u", i, kind);
        }
    }
    return true;
}

/* Opens the next section: it must be `id`; ps->r is narrowed to its body, *rest keeps what
 * follows. */
static bool open_section(parse *ps, unsigned id, const char *what, codec_reader *rest)
{
    uint8_t got;
    uint32_t len;
    const uint8_t *body;
    if (!get_u8(ps, &got) || !get_u32(ps, &len))
        return false;
    if (got != id)
        return fail(ps, "section %u found where the %s section (%u) belongs", got, what, id);
    if (!get_bytes(ps, len, &body))
        return false;
    *rest = ps->r;
    codec_reader_init(&ps->r, body, len);
    return true;
}

static bool close_section(parse *ps, const char *what, const codec_reader *rest)
{
    if (codec_reader_remaining(&ps->r) != 0)
        return fail(ps, "%zu stray bytes at the end of the %s section",
                    codec_reader_remaining(&ps->r), what);
    ps->r = *rest;
    return true;
}

static bool get_state(parse *ps, const emu_card *card, emu_fs *fs, emu_pin_table *pins,
                      emu_key_table *keys)
{
    codec_reader rest;
    if (!open_section(ps, SEC_PROFILE, "profile", &rest))
        return false;
    const uint8_t *fp;
    if (codec_reader_remaining(&ps->r) != EMU_STATE_FINGERPRINT_LEN ||
        !get_bytes(ps, EMU_STATE_FINGERPRINT_LEN, &fp))
        return fail(ps, "bad profile fingerprint length");
    if (memcmp(fp, card->profile_id, EMU_STATE_FINGERPRINT_LEN) != 0)
        return fail(ps, "the state belongs to another profile (or another version of this "
                        "profile)");
    ps->r = rest;
    if (!open_section(ps, SEC_FILES, "files", &rest) || !get_files(ps, fs) ||
        !close_section(ps, "files", &rest))
        return false;
    if (!open_section(ps, SEC_DOS, "data objects", &rest) || !get_dos(ps, fs) ||
        !close_section(ps, "data objects", &rest))
        return false;
    if (!open_section(ps, SEC_PINS, "PIN", &rest) || !get_pins(ps, pins, fs) ||
        !close_section(ps, "PIN", &rest))
        return false;
    if (!open_section(ps, SEC_KEYS, "keys", &rest) || !get_keys(ps, &card->keys, keys) ||
        !close_section(ps, "keys", &rest))
        return false;
    if (codec_reader_remaining(&ps->r) != 0)
        return fail(ps, "%zu stray bytes after the last section", codec_reader_remaining(&ps->r));
    return true;
}

int emu_card_state_load(emu_card *card, const uint8_t *buf, size_t len, emu_error *err)
{
    parse ps = {.err = err};
    if (err) {
        memset(err, 0, sizeof *err);
        snprintf(err->file, sizeof err->file, "state");
    }
    if (!buf || len < STATE_MAGIC_LEN + STATE_SUM_LEN ||
        memcmp(buf, STATE_MAGIC, STATE_MAGIC_LEN) != 0) {
        note(&ps, "not a state file of this version (magic \"%s\" expected)", STATE_MAGIC);
        return -1;
    }
    uint8_t sum[STATE_SUM_LEN];
    if (!sha256(buf, len - STATE_SUM_LEN, sum)) {
        note(&ps, "cannot compute SHA-256");
        return -1;
    }
    if (memcmp(sum, buf + len - STATE_SUM_LEN, STATE_SUM_LEN) != 0) {
        note(&ps, "checksum mismatch: the state is torn or corrupted");
        return -1;
    }
    codec_reader_init(&ps.r, buf + STATE_MAGIC_LEN, len - STATE_MAGIC_LEN - STATE_SUM_LEN);
    emu_fs fs = {0};
    emu_pin_table *pins = calloc(1, sizeof *pins);
    emu_key_table *keys = calloc(1, sizeof *keys);
    emu_key_table *old_keys = calloc(1, sizeof *old_keys);
    bool ok = pins && keys && old_keys ? get_state(&ps, card, &fs, pins, keys)
                                       : fail(&ps, "out of memory");
    if (ok) {
        /* All or nothing: the card changes only once everything was read and checked, and
         * (with a persistence hook) once the new state is durable; else the old one stays. */
        emu_fs old_fs = card->fs;
        emu_pin_table old_pins = card->pins;
        *old_keys = card->keys;
        card->fs = fs;
        card->pins = *pins;
        card->keys = *keys;
        if (card->persist && !card->persist(card, card->persist_ctx)) {
            card->fs = old_fs;
            card->pins = old_pins;
            card->keys = *old_keys;
            emu_fs_clear(&fs);
            emu_key_table_clear(keys);
            ok = fail(&ps, "the loaded state could not be made durable");
        } else {
            emu_fs_clear(&old_fs);
            emu_key_table_clear(old_keys);
            emu_card_power_off(card);
        }
        emu_pin_table_wipe(&old_pins);
    } else {
        emu_fs_clear(&fs);
        if (keys)
            emu_key_table_clear(keys);
    }
    if (keys) {
        OPENSSL_cleanse(keys, sizeof *keys);
        free(keys);
    }
    if (old_keys) {
        OPENSSL_cleanse(old_keys, sizeof *old_keys);
        free(old_keys);
    }
    if (pins) {
        emu_pin_table_wipe(pins);
        free(pins);
    }
    return ok ? 0 : -1;
}

/* ---- hook and counters ---- */

void emu_card_set_persist(emu_card *card, emu_persist_fn fn, void *ctx)
{
    card->persist = fn;
    card->persist_ctx = fn ? ctx : NULL;
}

/* The DF a path of FIDs from the MF names ("5000", "3F00/5000", "5000 5001"), or EMU_NONE. */
static uint16_t df_of_path(const emu_card *card, const char *path)
{
    if (!path)
        return 0;
    uint8_t fids[2 * (EMU_MAX_DEPTH + 1)];
    size_t n = 0;
    int hi = -1;
    for (const char *c = path; *c; c++) {
        if (*c == '/' || *c == ' ' || *c == ':') {
            if (hi >= 0)
                return EMU_NONE;
            continue;
        }
        int v = codec_hex_digit(*c);
        if (v < 0)
            return EMU_NONE;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n == sizeof fids)
            return EMU_NONE;
        fids[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    if (hi >= 0 || n % 2)
        return EMU_NONE;
    size_t skip = n >= 2 && fids[0] == 0x3F && fids[1] == 0x00 ? 2 : 0;
    uint16_t df = emu_fs_find_path(&card->fs, 0, fids + skip, n - skip);
    if (df == EMU_NONE || card->fs.files[df].type != EMU_FILE_DF)
        return EMU_NONE;
    return df;
}

static int pin_index(const emu_card *card, uint8_t ref, const char *df_path)
{
    uint16_t df = df_of_path(card, df_path);
    if (df == EMU_NONE)
        return EMU_PIN_NO_INDEX;
    return emu_pin_find(&card->pins, &card->fs, df, ref);
}

int emu_card_pin_tries(const emu_card *card, uint8_t ref, const char *df_path, unsigned *tries)
{
    int idx = pin_index(card, ref, df_path);
    if (idx == EMU_PIN_NO_INDEX)
        return -1;
    *tries = card->pins.pins[idx].tries_left;
    return 0;
}

int emu_card_set_pin_tries(emu_card *card, uint8_t ref, const char *df_path, unsigned tries)
{
    int idx = pin_index(card, ref, df_path);
    if (idx == EMU_PIN_NO_INDEX)
        return -1;
    emu_pin *pin = &card->pins.pins[idx];
    if (tries > pin->max_tries)
        return -1;
    uint8_t old = pin->tries_left;
    pin->tries_left = (uint8_t)tries;
    if (card->persist && !card->persist(card, card->persist_ctx)) {
        pin->tries_left = old; /* not durable: memory keeps what the state file holds */
        return -1;
    }
    return 0;
}
