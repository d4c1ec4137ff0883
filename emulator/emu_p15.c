/* The 7816-15 publisher: builds the PKCS#15 application from the card's PIN table, key table
 * and profile text, with the encoder the proxy decodes with (codec_p15). Nothing here is written
 * by hand in a profile, so the description cannot disagree with the card. */
#include "emu_p15.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_p15.h"
#include "emu_card_internal.h"
#include "emu_key.h"
#include "emu_pin.h"

#define EF_DIR_FID 0x2F00
#define EF_DIR_SFI 30
#define MAX_PATH (2 * (EMU_MAX_DEPTH + 2)) /* FIDs from the MF to the deepest file */
#define SCRATCH (EMU_MAX_FILE_SIZE + 16)   /* one DF's entries; the writer needs spare bytes */

const char *emu_p15_problem(const emu_fs *fs)
{
    if (fs->count == 0)
        return NULL;
    if (emu_fs_child_by_fid(fs, 0, EMU_P15_DF_FID) != EMU_NONE)
        return "the MF already has a file 5015, where the PKCS#15 application goes";
    for (uint16_t i = 0; i < fs->count; i++)
        if (!fs->files[i].deleted && fs->files[i].aid_len == sizeof codec_p15_aid &&
            memcmp(fs->files[i].aid, codec_p15_aid, sizeof codec_p15_aid) == 0)
            return "a DF already has the PKCS#15 AID; the card publishes that application itself";
    return NULL;
}

/* ---- the tree ---- */

static uint16_t add_node(emu_fs *fs, uint16_t parent, emu_file_type type, uint16_t fid)
{
    if (fs->count >= EMU_MAX_FILES)
        return EMU_NONE;
    emu_file *grown = realloc(fs->files, (fs->count + 1u) * sizeof *fs->files);
    if (!grown)
        return EMU_NONE;
    fs->files = grown;
    uint16_t idx = fs->count++;
    emu_file *f = &fs->files[idx];
    memset(f, 0, sizeof *f);
    f->type = type;
    if (type == EMU_FILE_EF)
        f->structure = EMU_EF_TRANSPARENT;
    f->has_fid = true;
    f->fid = fid;
    f->parent = parent;
    f->first_child = EMU_NONE;
    f->next_sibling = EMU_NONE;
    f->depth = (uint8_t)(fs->files[parent].depth + 1);
    f->lcs = EMU_LCS_ACTIVATED;
    /* read always, everything else never */
    for (int op = 0; op < EMU_OP_COUNT; op++)
        f->access[op].kind = op == EMU_OP_READ ? EMU_RULE_ALWAYS : EMU_RULE_NEVER;
    uint16_t *link = &fs->files[parent].first_child;
    while (*link != EMU_NONE)
        link = &fs->files[*link].next_sibling;
    *link = idx;
    return idx;
}

static bool add_ef(emu_fs *fs, uint16_t df, uint16_t fid, const uint8_t *data, size_t len)
{
    if (len > EMU_MAX_FILE_SIZE)
        return false;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return false;
    memcpy(copy, data, len);
    uint16_t idx = add_node(fs, df, EMU_FILE_EF, fid);
    if (idx == EMU_NONE) {
        free(copy);
        return false;
    }
    fs->files[idx].data = copy;
    fs->files[idx].size = len;
    return true;
}

/* The absolute path of a file (3F00 ...); 0 when a DF on the way has no FID. */
static size_t path_of(const emu_fs *fs, uint16_t idx, uint8_t out[MAX_PATH])
{
    uint16_t chain[EMU_MAX_DEPTH + 2];
    size_t n = 0;
    for (uint16_t at = idx; at != EMU_NONE && n < EMU_MAX_DEPTH + 2; at = fs->files[at].parent)
        chain[n++] = at;
    size_t len = 0;
    for (size_t i = n; i-- > 0;) {
        const emu_file *f = &fs->files[chain[i]];
        if (!f->has_fid && chain[i] != 0)
            return 0;
        uint16_t fid = chain[i] == 0 ? 0x3F00 : f->fid;
        out[len++] = (uint8_t)(fid >> 8);
        out[len++] = (uint8_t)fid;
    }
    return len;
}

/* ---- authentication objects ---- */

/* authId of PIN i: its reference, with the PIN's index added when another PIN shares it. */
static codec_p15_bytes auth_id(const emu_pin_table *t, int i, uint8_t buf[2])
{
    buf[0] = t->pins[i].ref;
    buf[1] = (uint8_t)i;
    for (uint16_t k = 0; k < t->count; k++)
        if ((int)k != i && t->pins[k].ref == t->pins[i].ref)
            return (codec_p15_bytes){buf, 2};
    return (codec_p15_bytes){buf, 1};
}

static bool rule_names(const emu_rule *r, uint8_t ref)
{
    if (r->kind != EMU_RULE_PINS)
        return false;
    for (uint8_t t = 0; t < r->n_terms && t < EMU_RULE_MAX_TERMS; t++)
        for (uint8_t k = 0; k < r->terms[t].n && k < EMU_RULE_MAX_PINS; k++)
            if (r->terms[t].pin_ref[k] == ref)
                return true;
    return false;
}

/* The PIN a rule asks for first (resolved from DF `df`), or EMU_PIN_NO_INDEX. */
static int rule_pin(const struct emu_card *card, uint16_t df, const emu_rule *r)
{
    if (r->kind != EMU_RULE_PINS || r->n_terms == 0 || r->terms[0].n == 0)
        return EMU_PIN_NO_INDEX;
    return emu_pin_find(&card->pins, &card->fs, df, r->terms[0].pin_ref[0]);
}

static uint32_t pin_flags(const emu_pin_table *t, int i)
{
    const emu_pin *p = &t->pins[i];
    uint32_t f = CODEC_P15_PIN_INITIALIZED;
    if (p->encoding == EMU_PIN_ASCII)
        f |= CODEC_P15_PIN_CASE_SENSITIVE;
    if (p->ref & 0x80)
        f |= CODEC_P15_PIN_LOCAL;
    if (p->access[EMU_PIN_OP_CHANGE].kind == EMU_RULE_NEVER)
        f |= CODEC_P15_PIN_CHANGE_DISABLED;
    if (p->pad_to)
        f |= CODEC_P15_PIN_NEEDS_PADDING;
    if (p->disable_allowed)
        f |= CODEC_P15_PIN_DISABLE_ALLOWED;
    /* roles follow from how the other PINs use this one */
    for (uint16_t k = 0; k < t->count; k++) {
        if ((int)k == i)
            continue;
        if (t->pins[k].reset_by == i)
            f |= CODEC_P15_PIN_UNBLOCKING_PIN;
        else if (rule_names(&t->pins[k].unblock, p->ref) && !(p->ref & 0x80))
            f |= CODEC_P15_PIN_SO_PIN;
    }
    if (!(f & (CODEC_P15_PIN_UNBLOCKING_PIN | CODEC_P15_PIN_SO_PIN)) &&
        p->reset_by == EMU_PIN_NO_INDEX && p->unblock.kind != EMU_RULE_PINS)
        f |= CODEC_P15_PIN_UNBLOCK_DISABLED;
    return f;
}

static bool write_aodf(const struct emu_card *card, codec_writer *w)
{
    const emu_pin_table *t = &card->pins;
    for (uint16_t i = 0; i < t->count; i++) {
        const emu_pin *p = &t->pins[i];
        if (p->owner == EMU_NONE || p->owner >= card->fs.count || card->fs.files[p->owner].deleted)
            continue;
        uint8_t id[2], path[MAX_PATH];
        char label[EMU_PIN_NAME_MAX + 8];
        if (p->name[0])
            snprintf(label, sizeof label, "%s", p->name);
        else
            snprintf(label, sizeof label, "PIN %02X", p->ref);
        codec_p15_pin e;
        memset(&e, 0, sizeof e);
        e.obj.label = (codec_p15_bytes){(const uint8_t *)label, strlen(label)};
        e.obj.flags = CODEC_P15_OBJ_PRIVATE;
        e.auth_id = auth_id(t, i, id);
        e.flags = pin_flags(t, i);
        e.type = p->encoding == EMU_PIN_BCD       ? CODEC_P15_PIN_BCD
                 : p->encoding == EMU_PIN_FORMAT2 ? CODEC_P15_PIN_ISO9564_1
                                                  : CODEC_P15_PIN_UTF8;
        e.min_len = p->min_len;
        e.has_max_len = true;
        e.max_len = p->max_len;
        e.stored_len = p->pad_to                        ? p->pad_to
                       : p->encoding == EMU_PIN_BCD     ? (p->max_len + 1u) / 2
                       : p->encoding == EMU_PIN_FORMAT2 ? 8
                                                        : p->max_len;
        e.reference = p->ref;
        if (p->pad_to) {
            e.has_pad_char = true;
            e.pad_char = p->pad_byte;
        }
        /* A DF-specific PIN is verified in its DF: the path tells a client where to go. */
        if (p->ref & 0x80) {
            size_t n = path_of(&card->fs, p->owner, path);
            if (n) {
                e.has_path = true;
                e.path.path = (codec_p15_bytes){path, n};
            }
        }
        if (!codec_p15_write_pin(w, &e))
            return false;
    }
    return true;
}

/* ---- keys ---- */

static uint32_t private_usage(uint32_t u)
{
    uint32_t r = 0;
    if (u & (EMU_KEY_SIGN | EMU_KEY_INT_AUTH))
        r |= CODEC_P15_USAGE_SIGN;
    if (u & EMU_KEY_DECRYPT)
        r |= CODEC_P15_USAGE_DECRYPT | CODEC_P15_USAGE_UNWRAP;
    if (u & EMU_KEY_DERIVE)
        r |= CODEC_P15_USAGE_DERIVE;
    return r;
}

static uint32_t public_usage(uint32_t u)
{
    uint32_t r = 0;
    if (u & (EMU_KEY_SIGN | EMU_KEY_INT_AUTH | EMU_KEY_VERIFY))
        r |= CODEC_P15_USAGE_VERIFY;
    if (u & (EMU_KEY_DECRYPT | EMU_KEY_ENCRYPT))
        r |= CODEC_P15_USAGE_ENCRYPT | CODEC_P15_USAGE_WRAP;
    if (u & EMU_KEY_DERIVE)
        r |= CODEC_P15_USAGE_DERIVE;
    return r;
}

static uint32_t secret_usage(uint32_t u)
{
    uint32_t r = 0;
    if (u & EMU_KEY_ENCRYPT)
        r |= CODEC_P15_USAGE_ENCRYPT;
    if (u & EMU_KEY_DECRYPT)
        r |= CODEC_P15_USAGE_DECRYPT;
    if (u & (EMU_KEY_MAC | EMU_KEY_SIGN | EMU_KEY_INT_AUTH))
        r |= CODEC_P15_USAGE_SIGN;
    if (u & (EMU_KEY_MAC | EMU_KEY_VERIFY | EMU_KEY_EXT_AUTH))
        r |= CODEC_P15_USAGE_VERIFY;
    return r;
}

/* What every DF entry of a key shares. `label`, `id`, `path`, `pin_id` are the caller's
 * buffers the entry points into. */
typedef struct key_view {
    codec_p15_keyobj e;
    char label[EMU_KEY_LABEL_MAX + 8];
    uint8_t pin_id[2];
    uint8_t path[MAX_PATH];
} key_view;

static void key_common(const struct emu_card *card, const emu_key *k, key_view *v)
{
    memset(v, 0, sizeof *v);
    if (k->label[0])
        snprintf(v->label, sizeof v->label, "%s", k->label);
    else
        snprintf(v->label, sizeof v->label, "key %02X", k->ref);
    v->e.obj.label = (codec_p15_bytes){(const uint8_t *)v->label, strlen(v->label)};
    int pin = rule_pin(card, k->owner, &k->access[EMU_KEY_OP_USE]);
    if (pin != EMU_PIN_NO_INDEX) {
        v->e.obj.auth_id = auth_id(&card->pins, pin, v->pin_id);
        v->e.obj.flags = CODEC_P15_OBJ_PRIVATE;
    }
    v->e.key.id = k->id_len ? (codec_p15_bytes){k->id, k->id_len} : (codec_p15_bytes){&k->ref, 1};
    v->e.key.has_key_ref = true;
    v->e.key.key_ref = k->ref;
    v->e.key.access_flags = CODEC_P15_ACCESS_SENSITIVE | CODEC_P15_ACCESS_ALWAYS_SENSITIVE |
                            CODEC_P15_ACCESS_NEVER_EXTRACTABLE |
                            (k->generated ? CODEC_P15_ACCESS_LOCAL : 0);
    v->e.path.path = (codec_p15_bytes){v->path, path_of(&card->fs, k->owner, v->path)};
    v->e.bits = k->bits;
    v->e.type = k->type == EMU_KEY_EC    ? CODEC_P15_KEY_EC
                : k->type == EMU_KEY_AES ? CODEC_P15_KEY_SECRET
                                         : CODEC_P15_KEY_RSA;
}

static bool key_usable(const struct emu_card *card, const emu_key *k)
{
    return k->owner < card->fs.count && !card->fs.files[k->owner].deleted && !emu_key_empty(k);
}

/* The public key as a file: RSAPublicKey for RSA (7816-15 raw), SubjectPublicKeyInfo for EC
 * (the spki choice, which names the curve). Returns the DER length, 0 on failure; *der is
 * OPENSSL_malloc'd. */
static int public_der(const emu_key *k, uint8_t **der)
{
    *der = NULL;
    if (!k->pkey)
        return 0;
    int n = k->type == EMU_KEY_RSA ? i2d_PublicKey(k->pkey, der) : i2d_PUBKEY(k->pkey, der);
    return n > 0 ? n : 0;
}

/* ---- the application ---- */

typedef struct builder {
    struct emu_card *card;
    uint16_t df;
    uint8_t *scratch;
    codec_writer w;
    codec_p15_od_entry od[CODEC_P15_DF_COUNT];
    uint8_t od_path[CODEC_P15_DF_COUNT][6];
    size_t od_count;
} builder;

static void begin(builder *b)
{
    codec_writer_init(&b->w, b->scratch, SCRATCH);
}

/* Ends one DF: stores what was written in EF `fid` and lists it in EF.OD (when not empty). */
static bool end(builder *b, uint8_t type, uint16_t fid)
{
    if (b->w.overflow || b->w.len > EMU_MAX_FILE_SIZE)
        return false;
    if (b->w.len == 0)
        return true;
    if (!add_ef(&b->card->fs, b->df, fid, b->scratch, b->w.len))
        return false;
    uint8_t *p = b->od_path[b->od_count];
    const uint8_t path[6] = {
        0x3F, 0x00, EMU_P15_DF_FID >> 8, EMU_P15_DF_FID & 0xFF, (uint8_t)(fid >> 8), (uint8_t)fid};
    memcpy(p, path, sizeof path);
    b->od[b->od_count++] = (codec_p15_od_entry){type, {{p, sizeof path}, false, 0, 0}};
    return true;
}

static bool publish_keys(builder *b)
{
    struct emu_card *card = b->card;
    const emu_key_table *t = &card->keys;
    key_view v;
    /* PrKDF */
    begin(b);
    for (uint16_t i = 0; i < t->count; i++) {
        const emu_key *k = &t->keys[i];
        if (!key_usable(card, k) || k->public_only || k->type == EMU_KEY_AES)
            continue;
        key_common(card, k, &v);
        v.e.key.usage = private_usage(k->usage);
        if (!codec_p15_write_prkey(&b->w, &v.e))
            return false;
    }
    if (!end(b, CODEC_P15_PRKDF, EMU_P15_PRKDF_FID))
        return false;
    /* PuKDF and the public-key EFs */
    begin(b);
    uint16_t n_pub = 0;
    for (uint16_t i = 0; i < t->count; i++) {
        const emu_key *k = &t->keys[i];
        if (!key_usable(card, k) || k->type == EMU_KEY_AES || !k->pkey)
            continue;
        uint8_t *der;
        int len = public_der(k, &der);
        uint16_t fid = (uint16_t)(EMU_P15_PUBKEY_FID + n_pub++);
        bool ok = len > 0 && add_ef(&card->fs, b->df, fid, der, (size_t)len);
        OPENSSL_free(der);
        if (!ok)
            return false;
        key_common(card, k, &v);
        v.e.key.usage = public_usage(k->usage);
        v.e.key.access_flags = 0;
        v.e.obj.flags = 0; /* public: readable without the PIN */
        v.e.obj.auth_id = (codec_p15_bytes){NULL, 0};
        const uint8_t path[6] = {
            0x3F,        0x00, EMU_P15_DF_FID >> 8, EMU_P15_DF_FID & 0xFF, (uint8_t)(fid >> 8),
            (uint8_t)fid};
        memcpy(v.path, path, sizeof path);
        v.e.path.path = (codec_p15_bytes){v.path, sizeof path};
        if (!codec_p15_write_pubkey(&b->w, &v.e))
            return false;
    }
    if (!end(b, CODEC_P15_PUKDF, EMU_P15_PUKDF_FID))
        return false;
    /* SKDF */
    begin(b);
    for (uint16_t i = 0; i < t->count; i++) {
        const emu_key *k = &t->keys[i];
        if (!key_usable(card, k) || k->type != EMU_KEY_AES)
            continue;
        key_common(card, k, &v);
        v.e.key.usage = secret_usage(k->usage);
        if (!codec_p15_write_skey(&b->w, &v.e))
            return false;
    }
    if (!end(b, CODEC_P15_SKDF, EMU_P15_SKDF_FID))
        return false;
    /* CDF and the certificate EFs */
    begin(b);
    uint16_t n_cert = 0;
    for (uint16_t i = 0; i < t->count; i++) {
        const emu_key *k = &t->keys[i];
        if (k->cert_len == 0 || !k->cert || k->owner >= card->fs.count)
            continue;
        uint16_t fid = (uint16_t)(EMU_P15_CERT_FID + n_cert++);
        if (!add_ef(&card->fs, b->df, fid, k->cert, k->cert_len))
            return false;
        /* the key's holder may replace its certificate: update follows the key's use rule */
        uint16_t cert_ef = emu_fs_child_by_fid(&card->fs, b->df, fid);
        if (cert_ef != EMU_NONE)
            card->fs.files[cert_ef].access[EMU_OP_UPDATE] = k->access[EMU_KEY_OP_USE];
        key_common(card, k, &v);
        char label[sizeof v.label + 16];
        if (k->cert_label[0])
            snprintf(label, sizeof label, "%s", k->cert_label);
        else
            snprintf(label, sizeof label, "%s certificate", v.label);
        const uint8_t path[6] = {
            0x3F,        0x00, EMU_P15_DF_FID >> 8, EMU_P15_DF_FID & 0xFF, (uint8_t)(fid >> 8),
            (uint8_t)fid};
        codec_p15_cert c = {{{(const uint8_t *)label, strlen(label)}, 0, {NULL, 0}},
                            v.e.key.id,
                            false,
                            {{path, sizeof path}, false, 0, 0}};
        if (!codec_p15_write_cert(&b->w, &c))
            return false;
    }
    return end(b, CODEC_P15_CDF, EMU_P15_CDF_FID);
}

/* DODF: the transparent EFs of the card's other applications (DFs named by an AID), each
 * guarded by the PIN its read rule names. */
static bool publish_data(builder *b)
{
    struct emu_card *card = b->card;
    const emu_fs *fs = &card->fs;
    begin(b);
    uint16_t count = fs->count; /* files added meanwhile belong to 5015 */
    for (uint16_t d = 1; d < count; d++) {
        const emu_file *df = &fs->files[d];
        if (df->deleted || df->type != EMU_FILE_DF || df->aid_len == 0 || d == b->df)
            continue;
        for (uint16_t c = df->first_child; c != EMU_NONE; c = fs->files[c].next_sibling) {
            const emu_file *f = &fs->files[c];
            if (f->type != EMU_FILE_EF || f->structure != EMU_EF_TRANSPARENT || !f->has_fid ||
                f->access[EMU_OP_READ].kind == EMU_RULE_NEVER)
                continue;
            uint8_t path[MAX_PATH], pin_id[2];
            size_t plen = path_of(fs, c, path);
            if (!plen)
                continue;
            char label[EMU_MAX_TEXT + 8];
            snprintf(label, sizeof label, "%s/%04X", df->label ? df->label : "data", f->fid);
            codec_p15_data e;
            memset(&e, 0, sizeof e);
            e.obj.label = (codec_p15_bytes){(const uint8_t *)label, strlen(label)};
            int pin = rule_pin(card, d, &f->access[EMU_OP_READ]);
            if (pin != EMU_PIN_NO_INDEX) {
                e.obj.auth_id = auth_id(&card->pins, pin, pin_id);
                e.obj.flags = CODEC_P15_OBJ_PRIVATE;
            }
            if (df->label)
                e.app_name = (codec_p15_bytes){(const uint8_t *)df->label, strlen(df->label)};
            e.path.path = (codec_p15_bytes){path, plen};
            if (!codec_p15_write_data(&b->w, &e))
                return false;
        }
    }
    return end(b, CODEC_P15_DODF, EMU_P15_DODF_FID);
}

/* The EF.DIR entry: appended to a transparent EF.DIR, or a new EF.DIR when the MF has none. */
static bool publish_dir(builder *b, const char *label)
{
    emu_fs *fs = &b->card->fs;
    static const uint8_t df_path[4] = {0x3F, 0x00, EMU_P15_DF_FID >> 8, EMU_P15_DF_FID & 0xFF};
    codec_p15_app app = {{codec_p15_aid, sizeof codec_p15_aid},
                         {(const uint8_t *)label, strlen(label)},
                         {df_path, sizeof df_path}};
    begin(b);
    if (!codec_p15_write_app(&b->w, &app))
        return false;
    uint16_t dir = emu_fs_child_by_fid(fs, 0, EF_DIR_FID);
    if (dir == EMU_NONE) {
        if (!add_ef(fs, 0, EF_DIR_FID, b->scratch, b->w.len))
            return false;
        uint16_t idx = (uint16_t)(fs->count - 1);
        if (emu_fs_child_by_sfi(fs, 0, EF_DIR_SFI) == EMU_NONE)
            fs->files[idx].sfi = EF_DIR_SFI;
        return true;
    }
    emu_file *f = &fs->files[dir];
    if (f->type != EMU_FILE_EF || f->structure != EMU_EF_TRANSPARENT ||
        f->size + b->w.len > EMU_MAX_FILE_SIZE)
        return true; /* a record EF.DIR, or a full one: clients find 5015 by its AID */
    uint8_t *grown = realloc(f->data, f->size + b->w.len);
    if (!grown)
        return false;
    memcpy(grown + f->size, b->scratch, b->w.len);
    f->data = grown;
    f->size += b->w.len;
    return true;
}

bool emu_p15_publish(struct emu_card *card, const struct emu_profile *profile)
{
    if (emu_p15_problem(&card->fs))
        return false;
    builder b;
    memset(&b, 0, sizeof b);
    b.card = card;
    if (!(b.scratch = malloc(SCRATCH)))
        return false;
    const char *label = emu_profile_label(profile);
    const char *serial = emu_profile_serial(profile);
    if (!label)
        label = "PKCS#15";
    if (!serial)
        serial = "0";
    bool ok = publish_dir(&b, label);
    if (ok) {
        b.df = add_node(&card->fs, 0, EMU_FILE_DF, EMU_P15_DF_FID);
        ok = b.df != EMU_NONE;
    }
    if (ok) {
        emu_file *df = &card->fs.files[b.df];
        df->aid_len = sizeof codec_p15_aid;
        memcpy(df->aid, codec_p15_aid, sizeof codec_p15_aid);
        df->label = strdup(label);
        ok = df->label != NULL;
    }
    /* TokenInfo */
    if (ok) {
        codec_p15_tokeninfo ti = {
            0,
            {(const uint8_t *)serial, strlen(serial)},
            {(const uint8_t *)EMU_P15_MANUFACTURER, strlen(EMU_P15_MANUFACTURER)},
            {(const uint8_t *)label, strlen(label)},
            CODEC_P15_TOKEN_PRN_GENERATION};
        begin(&b);
        ok = codec_p15_write_tokeninfo(&b.w, &ti) &&
             add_ef(&card->fs, b.df, EMU_P15_TOKENINFO_FID, b.scratch, b.w.len);
    }
    if (ok) {
        begin(&b);
        ok = write_aodf(card, &b.w) && end(&b, CODEC_P15_AODF, EMU_P15_AODF_FID);
    }
    ok = ok && publish_keys(&b) && publish_data(&b);
    /* EF.OD, in the order of the ASN.1 choice */
    if (ok) {
        begin(&b);
        for (unsigned type = 0; type < CODEC_P15_DF_COUNT; type++)
            for (size_t i = 0; i < b.od_count; i++)
                if (b.od[i].type == type)
                    codec_p15_write_od_entry(&b.w, &b.od[i]);
        ok = !b.w.overflow && add_ef(&card->fs, b.df, EMU_P15_OD_FID, b.scratch, b.w.len);
    }
    free(b.scratch);
    return ok;
}
