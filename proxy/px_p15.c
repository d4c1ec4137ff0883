/* ISO/IEC 7816-15 discovery: EF.DIR -> the PKCS#15 application -> EF.OD -> AODF, PrKDF, PuKDF,
 * SKDF, CDF, DODF, into the connection's object table. Everything the card says is bounded
 * (file sizes, commands, objects); a malformed file ends what is read from it, with a note,
 * never the connection. The decoders are the ones the emulator encodes with (codec_p15). */
#include "px_p15.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_p15.h"
#include "codec_tlv.h"
#include "px_apdu.h"
#include "px_error.h"

#define P15_ID_MAX 64 /* longest iD / authId compared when linking objects */

/* A 7816-15 identifier as the card wrote it (object ids are cut to PX_DESC_MAX_ID bytes). */
typedef struct p15_id {
    uint8_t v[P15_ID_MAX];
    size_t len; /* 0: none, or longer than P15_ID_MAX (cannot be linked) */
} p15_id;

/* What discovery keeps beside each object while it reads. */
typedef struct p15_side {
    p15_id id;      /* Password: its authId; keys and certificates: their iD */
    p15_id auth;    /* CommonObjectAttributes.authId: the guarding PIN */
    uint32_t flags; /* Password: codec_p15_pin_flags; others: codec_p15_object_flags */
    bool rel;       /* path relative to the PKCS#15 application reached only by AID */
} p15_side;

typedef struct p15 {
    px_conn *c;
    px_desc *d;   /* what was found */
    uint8_t *buf; /* one file: PX_P15_MAX_FILE + 1 bytes (one more tells "too large") */
    size_t len;
    p15_side side[PX_DESC_MAX_OBJECTS];
    int app;                        /* index of the PKCS#15 application in d->apps, -1 */
    uint8_t base[PX_DESC_MAX_PATH]; /* its DF from the MF; base_len 0: reached by AID only */
    size_t base_len;
    bool in_base;    /* the current DF is the PKCS#15 DF (relative SELECTs work) */
    uint16_t bad_sw; /* the status word that ended the last READ BINARY early, 0 none */
    bool stop;       /* the command budget is spent */
} p15;

/* Records the first problem (later ones are usually its consequences). A macro: the analyzers
 * do not follow a va_list through an inlined variadic function. */
#define p15_note(p, ...)                                                                           \
    do {                                                                                           \
        if (!(p)->d->p15_note[0])                                                                  \
            snprintf((p)->d->p15_note, sizeof(p)->d->p15_note, __VA_ARGS__);                       \
    } while (0)

static void p15_hex_path(const uint8_t *path, size_t len, char *out, size_t cap)
{
    if (!codec_hex_encode(path, len, out, cap) && cap)
        out[0] = '\0';
}

/* One command within the budget. *sent is false (and nothing sent) when the budget is spent. */
static isoIec23465_Status p15_exchange(p15 *p, const codec_capdu *cmd, const uint8_t **data,
                                       size_t *len, uint16_t *sw, bool *sent)
{
    *sent = false;
    if (p->stop || p->d->p15_apdus >= PX_P15_MAX_APDUS) {
        if (!p->stop)
            p15_note(p, "discovery stopped after %d commands", PX_P15_MAX_APDUS);
        p->stop = true;
        return isoIec23465_Success;
    }
    p->d->p15_apdus++;
    isoIec23465_Status st = px_apdu_exchange(p->c, cmd, data, len, sw);
    *sent = st == isoIec23465_Success;
    return st;
}

/* What a SELECT told about the file. */
typedef struct p15_file {
    bool found;
    size_t size;   /* PX_SIZE_UNKNOWN when the FCP did not say */
    int structure; /* px_structure, -1 unknown */
} p15_file;

/* The file descriptor byte (FCP tag 82) as a px_structure, -1 when absent or not an EF. */
static int p15_fcp_structure(const uint8_t *fcp, size_t len)
{
    codec_reader r, in;
    uint32_t tag;
    const uint8_t *body, *v;
    size_t l;
    codec_reader_init(&r, fcp, len);
    if (!codec_ber_read_tlv(&r, &tag, &body, &l) || (tag != 0x62 && tag != 0x6F))
        return -1;
    codec_reader_init(&in, body, l);
    while (codec_reader_remaining(&in) > 0) {
        if (!codec_ber_read_tlv(&in, &tag, &v, &l))
            return -1;
        if (tag == 0x82 && l >= 1) {
            if (v[0] & 0x38)
                return -1; /* a DF, or proprietary */
            switch (v[0] & 0x07) {
            case 1:
                return PX_STRUCT_TRANSPARENT;
            case 2:
            case 3:
                return PX_STRUCT_LINEAR_FIXED;
            case 4:
            case 5:
                return PX_STRUCT_LINEAR_VARIABLE;
            case 6:
            case 7:
                return PX_STRUCT_CYCLIC;
            default:
                return -1;
            }
        }
    }
    return -1;
}

/* SELECT with P1 `p1` and reference `ref`, asking for the FCP (P2 04), falling back to P2 0C
 * when the card refuses that. f->found false for any other status word. */
static isoIec23465_Status p15_select(p15 *p, uint8_t p1, const uint8_t *ref, size_t n, p15_file *f)
{
    f->found = false;
    f->size = PX_SIZE_UNKNOWN;
    f->structure = -1;
    codec_capdu cmd = {
        .cla = 0x00, .ins = 0xA4, .p1 = p1, .p2 = 0x04, .data = ref, .lc = n, .ne = 256};
    const uint8_t *d;
    size_t dl;
    uint16_t sw;
    bool sent;
    isoIec23465_Status st = p15_exchange(p, &cmd, &d, &dl, &sw, &sent);
    if (st != isoIec23465_Success || !sent)
        return st;
    if (sw == 0x6A86 || sw == 0x6A81) {
        cmd.p2 = 0x0C;
        cmd.ne = 0;
        st = p15_exchange(p, &cmd, &d, &dl, &sw, &sent);
        if (st != isoIec23465_Success || !sent)
            return st;
        dl = 0;
    }
    if (sw != 0x9000)
        return isoIec23465_Success;
    f->found = true;
    if (!px_apdu_fcp_size(d, dl, &f->size))
        f->size = PX_SIZE_UNKNOWN;
    f->structure = p15_fcp_structure(d, dl);
    return isoIec23465_Success;
}

/* Selects the EF at `path`: absolute (3F00 ...) with P1 08, or relative to the PKCS#15 DF
 * (reached by AID) with P1 02 / 09 after re-selecting that DF when another was selected. */
static isoIec23465_Status p15_select_path(p15 *p, const uint8_t *path, size_t len, bool rel,
                                          p15_file *f)
{
    f->found = false;
    if (!rel) {
        p->in_base = false;
        if (len == 2)
            return p15_select(p, 0x00, path, 2, f);
        return p15_select(p, 0x08, path + 2, len - 2, f);
    }
    if (!p->in_base) {
        p15_file df;
        isoIec23465_Status st = p15_select(p, 0x04, codec_p15_aid, sizeof codec_p15_aid, &df);
        if (st != isoIec23465_Success || !df.found)
            return st;
        p->in_base = true;
    }
    return p15_select(p, len == 2 ? 0x02 : 0x09, path, len, f);
}

/* READ BINARY of the selected EF into p->buf, at most PX_P15_MAX_FILE bytes; *ok false (with a
 * note naming `what`) when the card refuses, answers too much, or the file is larger. */
static isoIec23465_Status p15_read_binary(p15 *p, const p15_file *f, const char *what, bool *ok)
{
    *ok = false;
    p->bad_sw = 0;
    p->len = 0;
    if (f->size != PX_SIZE_UNKNOWN && f->size > PX_P15_MAX_FILE) {
        p15_note(p, "%s: %zu bytes, more than the %d read", what, f->size, PX_P15_MAX_FILE);
        return isoIec23465_Success;
    }
    size_t want = f->size != PX_SIZE_UNKNOWN ? f->size : PX_P15_MAX_FILE + 1;
    while (p->len < want) {
        size_t chunk = want - p->len < p->c->max_le ? want - p->len : p->c->max_le;
        if (p->len > PX_READ_BINARY_MAX_OFFSET)
            break; /* cannot happen below PX_P15_MAX_FILE; kept for a larger bound */
        codec_capdu cmd = {.cla = 0x00,
                           .ins = 0xB0,
                           .p1 = (uint8_t)(p->len >> 8),
                           .p2 = (uint8_t)p->len,
                           .ne = chunk};
        const uint8_t *d;
        size_t n;
        uint16_t sw;
        bool sent;
        isoIec23465_Status st = p15_exchange(p, &cmd, &d, &n, &sw, &sent);
        if (st != isoIec23465_Success)
            return st;
        if (!sent)
            return isoIec23465_Success;
        if ((sw == 0x6B00 || sw == 0x6282) && n == 0 && p->len > 0)
            break; /* end of file */
        if (sw != 0x9000 && sw != 0x6282) {
            p->bad_sw = sw;
            /* A record file the FCP did not announce: the caller tries READ RECORD. */
            if (f->structure < 0 && p->len == 0 && (sw == 0x6981 || sw == 0x6986))
                return isoIec23465_Success;
            p15_note(p, "%s: READ BINARY answered %04X", what, sw);
            return isoIec23465_Success;
        }
        if (n > chunk) {
            p15_note(p, "%s: READ BINARY answered %zu bytes for Le %zu", what, n, chunk);
            return isoIec23465_Success;
        }
        memcpy(p->buf + p->len, d, n);
        p->len += n;
        if (sw == 0x6282 || n < chunk)
            break;
    }
    if (p->len > PX_P15_MAX_FILE) {
        p15_note(p, "%s: more than the %d bytes read", what, PX_P15_MAX_FILE);
        return isoIec23465_Success;
    }
    *ok = true;
    return isoIec23465_Success;
}

/* READ RECORD 1, 2, ... of the selected record EF into p->buf, one after the other. */
static isoIec23465_Status p15_read_records(p15 *p, const char *what, bool *ok)
{
    *ok = false;
    p->len = 0;
    for (unsigned rec = 1; rec <= PX_P15_MAX_DIR_RECORDS; rec++) {
        codec_capdu cmd = {.cla = 0x00, .ins = 0xB2, .p1 = (uint8_t)rec, .p2 = 0x04, .ne = 256};
        const uint8_t *d;
        size_t n;
        uint16_t sw;
        bool sent;
        isoIec23465_Status st = p15_exchange(p, &cmd, &d, &n, &sw, &sent);
        if (st != isoIec23465_Success)
            return st;
        if (!sent)
            return isoIec23465_Success;
        if (sw == 0x6A83 || sw == 0x6A82)
            break; /* no more records */
        if (sw != 0x9000) {
            p15_note(p, "%s: READ RECORD %u answered %04X", what, rec, sw);
            return isoIec23465_Success;
        }
        if (n > PX_P15_MAX_FILE - p->len) {
            p15_note(p, "%s: more than the %d bytes read", what, PX_P15_MAX_FILE);
            return isoIec23465_Success;
        }
        memcpy(p->buf + p->len, d, n);
        p->len += n;
    }
    *ok = true;
    return isoIec23465_Success;
}

/* Selects and reads the EF at `path` into p->buf; *ok false when it is not there or not
 * readable (a note says why unless it simply does not exist and `quiet`). */
static isoIec23465_Status p15_read_file(p15 *p, const uint8_t *path, size_t len, bool rel,
                                        const char *what, bool quiet, bool *ok)
{
    *ok = false;
    p15_file f;
    isoIec23465_Status st = p15_select_path(p, path, len, rel, &f);
    if (st != isoIec23465_Success || p->stop)
        return st;
    if (!f.found) {
        if (!quiet)
            p15_note(p, "%s: SELECT failed", what);
        return isoIec23465_Success;
    }
    if (f.structure == PX_STRUCT_LINEAR_FIXED || f.structure == PX_STRUCT_LINEAR_VARIABLE ||
        f.structure == PX_STRUCT_CYCLIC)
        return p15_read_records(p, what, ok);
    isoIec23465_Status st2 = p15_read_binary(p, &f, what, ok);
    if (st2 == isoIec23465_Success && !*ok && f.structure < 0 && p->len == 0 &&
        (p->bad_sw == 0x6981 || p->bad_sw == 0x6986))
        return p15_read_records(p, what, ok);
    return st2;
}

/* ---- building objects ---- */

static char *p15_text(const codec_p15_bytes *b)
{
    size_t n = b->len > 255 ? 255 : b->len;
    const void *nul = n ? memchr(b->data, '\0', n) : NULL;
    if (nul)
        n = (size_t)((const uint8_t *)nul - b->data);
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, b->data, n);
        s[n] = '\0';
    }
    return s;
}

static void p15_set_id(p15_id *id, const codec_p15_bytes *b)
{
    id->len = b->len <= P15_ID_MAX ? b->len : 0;
    if (id->len)
        memcpy(id->v, b->data, id->len);
}

static bool p15_id_eq(const p15_id *a, const p15_id *b)
{
    return a->len && a->len == b->len && memcmp(a->v, b->v, a->len) == 0;
}

/* A 7816-15 path as a path from the MF in out (or relative to the PKCS#15 DF, *rel, when that
 * DF was reached by AID only). False when empty, odd or too long. */
static bool p15_path(const p15 *p, const codec_p15_bytes *in, uint8_t *out, size_t *len, bool *rel)
{
    *rel = false;
    if (in->len == 0 || in->len % 2)
        return false;
    if (in->len >= 2 && in->data[0] == 0x3F && in->data[1] == 0x00) {
        if (in->len > PX_DESC_MAX_PATH)
            return false;
        memcpy(out, in->data, in->len);
        *len = in->len;
        return true;
    }
    if (p->base_len == 0) {
        if (in->len > PX_DESC_MAX_PATH)
            return false;
        memcpy(out, in->data, in->len);
        *len = in->len;
        *rel = true;
        return true;
    }
    if (p->base_len + in->len > PX_DESC_MAX_PATH)
        return false;
    memcpy(out, p->base, p->base_len);
    memcpy(out + p->base_len, in->data, in->len);
    *len = p->base_len + in->len;
    return true;
}

/* A new object of `type`; NULL (with a note) when the table is full or memory ran out (*oom). */
static px_desc_obj *p15_new_obj(p15 *p, isoIec23465_ObjectType type, const codec_p15_bytes *label,
                                const char *fallback, bool *oom)
{
    if (p->d->n_objs == PX_DESC_MAX_OBJECTS) {
        p15_note(p, "more than %d objects", PX_DESC_MAX_OBJECTS);
        return NULL;
    }
    px_desc_obj *o = &p->d->objs[p->d->n_objs];
    px_desc_obj_init(o);
    o->type = type;
    o->discovered = true;
    o->label = label->len ? p15_text(label) : strdup(fallback);
    if (!o->label) {
        *oom = true;
        return NULL;
    }
    memset(&p->side[p->d->n_objs], 0, sizeof p->side[0]);
    p->d->n_objs++;
    return o;
}

static p15_side *p15_side_of(p15 *p, const px_desc_obj *o)
{
    return &p->side[o - p->d->objs];
}

/* Drops the last object (its entry did not make sense after all). */
static void p15_drop_last(p15 *p)
{
    px_desc_obj *o = &p->d->objs[--p->d->n_objs];
    free(o->label);
    o->label = NULL;
}

static unsigned p15_usage(uint32_t u)
{
    unsigned r = 0;
    if (u & (CODEC_P15_USAGE_SIGN | CODEC_P15_USAGE_SIGN_RECOVER | CODEC_P15_USAGE_NON_REPUDIATION))
        r |= ISOIEC23465_USAGE_SIGN;
    if (u & (CODEC_P15_USAGE_VERIFY | CODEC_P15_USAGE_VERIFY_RECOVER))
        r |= ISOIEC23465_USAGE_VERIFY;
    if (u & (CODEC_P15_USAGE_ENCRYPT | CODEC_P15_USAGE_WRAP))
        r |= ISOIEC23465_USAGE_ENCRYPT;
    if (u & (CODEC_P15_USAGE_DECRYPT | CODEC_P15_USAGE_UNWRAP))
        r |= ISOIEC23465_USAGE_DECRYPT;
    if (u & CODEC_P15_USAGE_DERIVE)
        r |= ISOIEC23465_USAGE_DERIVE;
    return r;
}

static void p15_common(p15 *p, px_desc_obj *o, const codec_p15_object *co)
{
    p15_side *s = p15_side_of(p, o);
    p15_set_id(&s->auth, &co->auth_id);
    s->flags = co->flags;
}

static isoIec23465_Status p15_add_pin(p15 *p, const codec_p15_pin *e)
{
    bool oom = false;
    char fb[16];
    snprintf(fb, sizeof fb, "PIN %02X", (unsigned)(e->reference & 0xFF));
    px_desc_obj *o = p15_new_obj(p, isoIec23465_TypePassword, &e->obj.label, fb, &oom);
    if (!o)
        return oom ? isoIec23465_NotEnoughMemory : isoIec23465_Success;
    p15_side *s = p15_side_of(p, o);
    p15_set_id(&s->id, &e->auth_id);
    s->flags = e->flags;
    o->id_len = e->auth_id.len < PX_DESC_MAX_ID ? e->auth_id.len : PX_DESC_MAX_ID;
    memcpy(o->id, e->auth_id.data, o->id_len);
    if (e->has_path && !p15_path(p, &e->path.path, o->path, &o->path_len, &s->rel)) {
        p15_note(p, "AODF: PIN '%s' has a bad path", o->label);
        o->path_len = 0;
    }
    o->pin_ref = (uint8_t)e->reference;
    o->pin_encoding = e->type == CODEC_P15_PIN_BCD         ? PX_PIN_BCD
                      : e->type == CODEC_P15_PIN_ISO9564_1 ? PX_PIN_FORMAT2
                                                           : PX_PIN_ASCII;
    o->pin_min = e->min_len;
    o->pin_max = e->has_max_len                  ? e->max_len
                 : o->pin_encoding == PX_PIN_BCD ? 2 * (size_t)e->stored_len
                                                 : e->stored_len;
    if (e->flags & CODEC_P15_PIN_NEEDS_PADDING) {
        o->pin_stored = e->stored_len;
        o->pin_pad = e->has_pad_char ? e->pad_char : o->pin_encoding == PX_PIN_BCD ? 0xFF : 0x00;
    }
    o->pin_flags = e->flags;
    if (o->pin_min > o->pin_max || (o->pin_stored && o->pin_stored > 255)) {
        p15_note(p, "AODF: PIN '%s' has lengths %zu..%zu, stored %zu", o->label, o->pin_min,
                 o->pin_max, o->pin_stored);
        p15_drop_last(p);
    }
    return isoIec23465_Success;
}

static isoIec23465_Status p15_add_key(p15 *p, isoIec23465_ObjectType type,
                                      const codec_p15_keyobj *e, const char *df)
{
    bool oom = false;
    char fb[16];
    snprintf(fb, sizeof fb, "key %02X",
             e->key.has_key_ref ? (unsigned)(e->key.key_ref & 0xFF) : 0u);
    px_desc_obj *o = p15_new_obj(p, type, &e->obj.label, fb, &oom);
    if (!o)
        return oom ? isoIec23465_NotEnoughMemory : isoIec23465_Success;
    p15_common(p, o, &e->obj);
    p15_side *s = p15_side_of(p, o);
    p15_set_id(&s->id, &e->key.id);
    o->id_len = e->key.id.len < PX_DESC_MAX_ID ? e->key.id.len : PX_DESC_MAX_ID;
    memcpy(o->id, e->key.id.data, o->id_len);
    if (e->path.path.len && !p15_path(p, &e->path.path, o->path, &o->path_len, &s->rel)) {
        p15_note(p, "%s: key '%s' has a bad path", df, o->label);
        o->path_len = 0;
    }
    o->key_ref = e->key.has_key_ref ? (uint8_t)e->key.key_ref : 0;
    o->key_type = e->type == CODEC_P15_KEY_RSA  ? isoIec23465_KeyRsa
                  : e->type == CODEC_P15_KEY_EC ? isoIec23465_KeyEc
                                                : isoIec23465_KeyAes;
    o->key_bits = e->bits;
    o->usage = p15_usage(e->key.usage);
    return isoIec23465_Success;
}

static isoIec23465_Status p15_add_cert(p15 *p, const codec_p15_cert *e)
{
    bool oom = false;
    px_desc_obj *o =
        p15_new_obj(p, isoIec23465_TypeCertificateContainer, &e->obj.label, "certificate", &oom);
    if (!o)
        return oom ? isoIec23465_NotEnoughMemory : isoIec23465_Success;
    p15_common(p, o, &e->obj);
    p15_side *s = p15_side_of(p, o);
    p15_set_id(&s->id, &e->id);
    o->id_len = e->id.len < PX_DESC_MAX_ID ? e->id.len : PX_DESC_MAX_ID;
    memcpy(o->id, e->id.data, o->id_len);
    if (!p15_path(p, &e->path.path, o->path, &o->path_len, &s->rel)) {
        p15_note(p, "CDF: certificate '%s' has a bad path", o->label);
        p15_drop_last(p);
    }
    return isoIec23465_Success;
}

/* Learns an application's DF from a data object that names the application (applicationName
 * equal to its label): the DF holding the object. */
static void p15_learn_app_df(p15 *p, const codec_p15_bytes *name, const px_desc_obj *o)
{
    if (name->len == 0 || o->path_len < 6)
        return; /* 3F00 DF EF at least */
    for (size_t i = 0; i < p->d->n_apps; i++) {
        px_desc_app *a = &p->d->apps[i];
        if ((int)i == p->app || a->path_len || !a->label || strlen(a->label) != name->len ||
            memcmp(a->label, name->data, name->len) != 0)
            continue;
        a->path_len = o->path_len - 2;
        memcpy(a->path, o->path, a->path_len);
    }
}

static isoIec23465_Status p15_add_data(p15 *p, const codec_p15_data *e)
{
    bool oom = false;
    px_desc_obj *o = p15_new_obj(p, isoIec23465_TypeDataContainer, &e->obj.label, "data", &oom);
    if (!o)
        return oom ? isoIec23465_NotEnoughMemory : isoIec23465_Success;
    p15_common(p, o, &e->obj);
    p15_side *s = p15_side_of(p, o);
    if (!p15_path(p, &e->path.path, o->path, &o->path_len, &s->rel)) {
        p15_note(p, "DODF: data object '%s' has a bad path", o->label);
        p15_drop_last(p);
        return isoIec23465_Success;
    }
    /* No iD in a data object: its file identifier, as descriptions do. */
    memcpy(o->id, o->path + o->path_len - 2, 2);
    o->id_len = 2;
    o->structure = PX_STRUCT_TRANSPARENT;
    if (!s->rel)
        p15_learn_app_df(p, &e->app_name, o);
    return isoIec23465_Success;
}

static const char *const p15_df_names[CODEC_P15_DF_COUNT] = {
    "PrKDF", "PuKDF", "PuKDF (trusted)", "SKDF", "CDF", "CDF (trusted)", "CDF (useful)",
    "DODF",  "AODF"};

/* Decodes the entries of one DF (in p->buf) of kind `type`. An entry that does not decode is
 * skipped when it is at least a whole TLV (another choice, e.g. a biometric template), else
 * the rest of the file is. */
static isoIec23465_Status p15_parse_df(p15 *p, uint8_t type)
{
    const char *name = p15_df_names[type];
    codec_reader r;
    codec_reader_init(&r, p->buf, p->len);
    for (size_t n = 1; !codec_p15_at_end(&r); n++) {
        isoIec23465_Status st = isoIec23465_Success;
        bool ok;
        switch (type) {
        case CODEC_P15_AODF: {
            codec_p15_pin e;
            if ((ok = codec_p15_read_pin(&r, &e)))
                st = p15_add_pin(p, &e);
            break;
        }
        case CODEC_P15_PRKDF: {
            codec_p15_keyobj e;
            if ((ok = codec_p15_read_prkey(&r, &e)))
                st = p15_add_key(p, isoIec23465_TypePrivateKey, &e, name);
            break;
        }
        case CODEC_P15_PUKDF:
        case CODEC_P15_PUKDF_TRUSTED: {
            codec_p15_keyobj e;
            if ((ok = codec_p15_read_pubkey(&r, &e)))
                st = p15_add_key(p, isoIec23465_TypePublicKey, &e, name);
            break;
        }
        case CODEC_P15_SKDF: {
            codec_p15_keyobj e;
            if ((ok = codec_p15_read_skey(&r, &e)))
                st = p15_add_key(p, isoIec23465_TypeSecretKey, &e, name);
            break;
        }
        case CODEC_P15_CDF:
        case CODEC_P15_CDF_TRUSTED:
        case CODEC_P15_CDF_USEFUL: {
            codec_p15_cert e;
            if ((ok = codec_p15_read_cert(&r, &e)))
                st = p15_add_cert(p, &e);
            break;
        }
        case CODEC_P15_DODF: {
            codec_p15_data e;
            if ((ok = codec_p15_read_data(&r, &e)))
                st = p15_add_data(p, &e);
            break;
        }
        default:
            return isoIec23465_Success;
        }
        if (st != isoIec23465_Success)
            return st;
        if (ok)
            continue;
        size_t at = r.off;
        if (!codec_p15_skip(&r)) {
            p15_note(p, "%s: entry %zu (offset %zu) is malformed; the rest is ignored", name, n,
                     at);
            return isoIec23465_Success;
        }
        p15_note(p, "%s: entry %zu (offset %zu) not understood, skipped", name, n, at);
    }
    return isoIec23465_Success;
}

/* ---- EF.DIR, EF.OD, TokenInfo ---- */

/* Adds (or finds) the application of an EF.DIR template; its index, -1 when the table is full
 * or memory ran out (*oom). */
static int p15_add_app(p15 *p, const codec_p15_app *a, bool *oom)
{
    px_desc *d = p->d;
    if (a->aid.len < 1 || a->aid.len > PX_AID_MAX)
        return -1;
    int idx = -1;
    for (size_t i = 0; i < d->n_apps && idx < 0; i++)
        if (d->apps[i].aid_len == a->aid.len &&
            memcmp(d->apps[i].aid, a->aid.data, a->aid.len) == 0)
            idx = (int)i;
    if (idx < 0) {
        if (d->n_apps == PX_DESC_MAX_APPS) {
            p15_note(p, "EF.DIR: more than %d applications", PX_DESC_MAX_APPS);
            return -1;
        }
        px_desc_app *app = &d->apps[d->n_apps];
        memset(app, 0, sizeof *app);
        memcpy(app->aid, a->aid.data, a->aid.len);
        app->aid_len = a->aid.len;
        app->discovered = true;
        if (a->label.len)
            app->label = p15_text(&a->label);
        else {
            char hex[2 * PX_AID_MAX + 1];
            codec_hex_encode(a->aid.data, a->aid.len, hex, sizeof hex);
            app->label = strdup(hex);
        }
        if (!app->label) {
            *oom = true;
            return -1;
        }
        idx = (int)d->n_apps++;
    }
    px_desc_app *app = &d->apps[idx];
    /* 51: a path from the MF (3F00 ...) or an FID / path below it. */
    const codec_p15_bytes *ph = &a->path;
    if (app->path_len == 0 && ph->len >= 2 && ph->len % 2 == 0) {
        bool abs = ph->data[0] == 0x3F && ph->data[1] == 0x00;
        size_t n = ph->len + (abs ? 0 : 2);
        if (n <= PX_DESC_MAX_PATH) {
            app->path[0] = 0x3F;
            app->path[1] = 0x00;
            memcpy(app->path + (abs ? 0 : 2), ph->data, ph->len);
            app->path_len = n;
        }
    }
    return idx;
}

static isoIec23465_Status p15_read_dir(p15 *p)
{
    static const uint8_t dir[] = {0x3F, 0x00, 0x2F, 0x00};
    bool ok;
    isoIec23465_Status st = p15_read_file(p, dir, sizeof dir, false, "EF.DIR", true, &ok);
    if (st != isoIec23465_Success || !ok)
        return st;
    codec_reader r;
    codec_reader_init(&r, p->buf, p->len);
    for (size_t n = 1; !codec_p15_at_end(&r); n++) {
        codec_p15_app a;
        if (!codec_p15_read_app(&r, &a)) {
            size_t at = r.off;
            if (!codec_p15_skip(&r)) {
                p15_note(p, "EF.DIR: entry %zu (offset %zu) is malformed", n, at);
                break;
            }
            continue;
        }
        bool oom = false;
        int idx = p15_add_app(p, &a, &oom);
        if (oom)
            return isoIec23465_NotEnoughMemory;
        if (idx >= 0 && a.aid.len == sizeof codec_p15_aid &&
            memcmp(a.aid.data, codec_p15_aid, sizeof codec_p15_aid) == 0 && p->app < 0)
            p->app = idx;
    }
    return isoIec23465_Success;
}

/* The serial number as text: as it is when printable ASCII, else hex digits. */
static char *p15_serial_text(const codec_p15_bytes *b)
{
    bool printable = b->len > 0 && b->len <= 64;
    for (size_t i = 0; printable && i < b->len; i++)
        printable = b->data[i] >= 0x20 && b->data[i] < 0x7F;
    if (printable)
        return p15_text(b);
    static const char digits[] = "0123456789ABCDEF";
    size_t n = b->len > 64 ? 64 : b->len;
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; s && i < n; i++) {
        s[2 * i] = digits[b->data[i] >> 4];
        s[2 * i + 1] = digits[b->data[i] & 0x0F];
    }
    if (s)
        s[2 * n] = '\0';
    return s;
}

static isoIec23465_Status p15_read_tokeninfo(p15 *p, const uint8_t *path, size_t len, bool rel)
{
    bool ok;
    isoIec23465_Status st = p15_read_file(p, path, len, rel, "TokenInfo", true, &ok);
    if (st != isoIec23465_Success || !ok)
        return st;
    codec_reader r;
    codec_reader_init(&r, p->buf, p->len);
    codec_p15_tokeninfo t;
    if (!codec_p15_read_tokeninfo(&r, &t)) {
        p15_note(p, "TokenInfo is malformed");
        return isoIec23465_Success;
    }
    px_desc *d = p->d;
    d->serial = p15_serial_text(&t.serial);
    d->token_manufacturer = t.manufacturer.len ? p15_text(&t.manufacturer) : NULL;
    d->token_label = t.label.len ? p15_text(&t.label) : NULL;
    if (!d->serial || (t.manufacturer.len && !d->token_manufacturer) ||
        (t.label.len && !d->token_label))
        return isoIec23465_NotEnoughMemory;
    return isoIec23465_Success;
}

/* An EF.OD entry kept for reading. */
typedef struct p15_df_ref {
    uint8_t path[PX_DESC_MAX_PATH];
    size_t len;
    uint8_t type;
    bool rel;
} p15_df_ref;

/* Reads EF.OD, then TokenInfo and the DFs it lists (in a fixed order: passwords first, so
 * that a private key comes before its public key of the same label). */
static isoIec23465_Status p15_read_app(p15 *p)
{
    uint8_t path[PX_DESC_MAX_PATH];
    size_t plen;
    bool rel = p->base_len == 0;
    static const uint8_t od_fid[] = {0x50, 0x31}, ti_fid[] = {0x50, 0x32};
    const codec_p15_bytes od_rel = {od_fid, 2}, ti_rel = {ti_fid, 2};
    bool ok;
    if (!p15_path(p, &od_rel, path, &plen, &rel))
        return isoIec23465_Success;
    isoIec23465_Status st = p15_read_file(p, path, plen, rel, "EF.OD", false, &ok);
    if (st != isoIec23465_Success || !ok)
        return st;
    p15_df_ref dfs[PX_P15_MAX_DFS];
    size_t n_dfs = 0;
    codec_reader r;
    codec_reader_init(&r, p->buf, p->len);
    for (size_t n = 1; !codec_p15_at_end(&r); n++) {
        codec_p15_od_entry e;
        if (!codec_p15_read_od_entry(&r, &e)) {
            size_t at = r.off;
            if (!codec_p15_skip(&r)) {
                p15_note(p, "EF.OD: entry %zu (offset %zu) is malformed", n, at);
                break;
            }
            continue;
        }
        if (e.type >= CODEC_P15_DF_COUNT)
            continue;
        if (n_dfs == PX_P15_MAX_DFS) {
            p15_note(p, "EF.OD: more than %d entries", PX_P15_MAX_DFS);
            break;
        }
        p15_df_ref *df = &dfs[n_dfs];
        df->type = e.type;
        if (!p15_path(p, &e.path.path, df->path, &df->len, &df->rel)) {
            p15_note(p, "EF.OD: entry %zu has a bad path", n);
            continue;
        }
        n_dfs++;
    }
    p->d->p15_found = true;
    if (!p15_path(p, &ti_rel, path, &plen, &rel))
        return isoIec23465_Success;
    st = p15_read_tokeninfo(p, path, plen, rel);
    if (st != isoIec23465_Success)
        return st;
    static const uint8_t order[] = {CODEC_P15_AODF,          CODEC_P15_PRKDF,      CODEC_P15_PUKDF,
                                    CODEC_P15_PUKDF_TRUSTED, CODEC_P15_SKDF,       CODEC_P15_CDF,
                                    CODEC_P15_CDF_TRUSTED,   CODEC_P15_CDF_USEFUL, CODEC_P15_DODF};
    for (size_t k = 0; k < sizeof order && !p->stop; k++)
        for (size_t i = 0; i < n_dfs && !p->stop; i++) {
            if (dfs[i].type != order[k])
                continue;
            char what[64];
            char hex[2 * PX_DESC_MAX_PATH + 1];
            p15_hex_path(dfs[i].path, dfs[i].len, hex, sizeof hex);
            snprintf(what, sizeof what, "%s %s", p15_df_names[order[k]], hex);
            st = p15_read_file(p, dfs[i].path, dfs[i].len, dfs[i].rel, what, false, &ok);
            if (st == isoIec23465_Success && ok)
                st = p15_parse_df(p, order[k]);
            if (st != isoIec23465_Success)
                return st;
        }
    return isoIec23465_Success;
}

/* ---- linking ---- */

static bool p15_prefix(const uint8_t *pre, size_t plen, const uint8_t *path, size_t len)
{
    return plen <= len && memcmp(pre, path, plen) == 0;
}

/* Puts objects whose path lies inside an application's DF into that application (paths then
 * relative to the DF); those in the PKCS#15 DF itself stay with the MF (they describe the card
 * as a whole), so do relative paths when that DF was reached by AID only... except that those
 * cannot be selected from the MF: they go to the PKCS#15 application. */
static void p15_assign_apps(p15 *p)
{
    px_desc *d = p->d;
    for (size_t i = 0; i < d->n_objs; i++) {
        px_desc_obj *o = &d->objs[i];
        if (p->side[i].rel) {
            o->app = p->app;
            continue;
        }
        if (o->path_len == 0)
            continue;
        int best = -1;
        for (size_t a = 0; a < d->n_apps; a++) {
            const px_desc_app *app = &d->apps[a];
            if ((int)a == p->app || app->path_len < 4 ||
                !p15_prefix(app->path, app->path_len, o->path, o->path_len))
                continue;
            /* A PIN may be the DF's own (path = the DF); a file lies below it. */
            if (app->path_len == o->path_len && o->type != isoIec23465_TypePassword &&
                !px_type_is_a(o->type, isoIec23465_TypeKey))
                continue;
            if (best < 0 || app->path_len > d->apps[best].path_len)
                best = (int)a;
        }
        if (best < 0)
            continue;
        size_t cut = d->apps[best].path_len;
        memmove(o->path, o->path + cut, o->path_len - cut);
        o->path_len -= cut;
        o->app = best;
    }
}

/* Resolves authIds to Password indexes, unblocking PINs, key pairs and certificates. */
static void p15_link(p15 *p)
{
    px_desc *d = p->d;
    for (size_t i = 0; i < d->n_objs; i++) {
        px_desc_obj *o = &d->objs[i];
        const p15_side *s = &p->side[i];
        int pin = PX_AUTH_ALWAYS;
        if (s->auth.len) {
            pin = PX_AUTH_UNKNOWN;
            for (size_t k = 0; k < d->n_objs && pin == PX_AUTH_UNKNOWN; k++)
                if (d->objs[k].type == isoIec23465_TypePassword &&
                    p15_id_eq(&p->side[k].id, &s->auth))
                    pin = (int)k;
            if (pin == PX_AUTH_UNKNOWN)
                p15_note(p, "'%s' names an authId no PIN has", o->label);
        } else if (s->flags & CODEC_P15_OBJ_PRIVATE && o->type != isoIec23465_TypePassword) {
            pin = PX_AUTH_UNKNOWN; /* private, but the card does not say by whom */
        }
        switch (o->type) {
        case isoIec23465_TypePrivateKey:
        case isoIec23465_TypeSecretKey:
            o->auth[isoIec23465_OperationUse - 1] = pin;
            break;
        case isoIec23465_TypePublicKey:
            o->auth[isoIec23465_OperationUse - 1] = pin;
            o->auth[isoIec23465_OperationRead - 1] = pin;
            break;
        case isoIec23465_TypeDataContainer:
        case isoIec23465_TypeCertificateContainer:
            o->auth[isoIec23465_OperationRead - 1] = pin;
            break;
        default:
            break;
        }
    }
    /* Unblocking PIN: the one flagged unblockingPin at the same level (same DF). */
    for (size_t i = 0; i < d->n_objs; i++) {
        px_desc_obj *o = &d->objs[i];
        if (o->type != isoIec23465_TypePassword ||
            o->pin_flags & (CODEC_P15_PIN_UNBLOCKING_PIN | CODEC_P15_PIN_SO_PIN |
                            CODEC_P15_PIN_UNBLOCK_DISABLED))
            continue;
        for (size_t k = 0; k < d->n_objs && o->pin_unblock < 0; k++) {
            const px_desc_obj *q = &d->objs[k];
            if (q->type == isoIec23465_TypePassword &&
                q->pin_flags & CODEC_P15_PIN_UNBLOCKING_PIN && q->app == o->app &&
                q->path_len == o->path_len && memcmp(q->path, o->path, o->path_len) == 0)
                o->pin_unblock = (int)k;
        }
    }
    /* Private key <-> public key and private key <-> certificate, by iD. */
    for (size_t i = 0; i < d->n_objs; i++) {
        px_desc_obj *o = &d->objs[i];
        if (o->type != isoIec23465_TypePrivateKey)
            continue;
        for (size_t k = 0; k < d->n_objs; k++) {
            px_desc_obj *q = &d->objs[k];
            if (!p15_id_eq(&p->side[k].id, &p->side[i].id))
                continue;
            if (q->type == isoIec23465_TypePublicKey && o->pair < 0 && q->pair < 0) {
                o->pair = (int)k;
                q->pair = (int)i;
            } else if (q->type == isoIec23465_TypeCertificateContainer && o->cert < 0 &&
                       q->cert < 0) {
                o->cert = (int)k;
                q->cert = (int)i;
            }
        }
    }
}

/* ---- entry point ---- */

static isoIec23465_Status p15_run(p15 *p)
{
    const px_desc *desc = p->c->desc;
    /* The description's applications first (same indexes), so that a DF path it gives places
     * discovered objects. */
    for (size_t i = 0; desc && i < desc->n_apps; i++) {
        px_desc_app *a = &p->d->apps[i];
        *a = desc->apps[i];
        a->label = strdup(desc->apps[i].label);
        if (!a->label)
            return isoIec23465_NotEnoughMemory;
        p->d->n_apps++;
    }
    isoIec23465_Status st = p15_read_dir(p);
    if (st != isoIec23465_Success)
        return st;
    if (p->app >= 0 && p->d->apps[p->app].path_len) {
        p->base_len = p->d->apps[p->app].path_len;
        memcpy(p->base, p->d->apps[p->app].path, p->base_len);
    } else if (!p->stop) {
        /* Not in EF.DIR (or without a path): the application by its AID. */
        p15_file f;
        st = p15_select(p, 0x04, codec_p15_aid, sizeof codec_p15_aid, &f);
        if (st != isoIec23465_Success || !f.found)
            return st;
        p->in_base = true;
        if (p->app < 0) {
            codec_p15_app a = {{codec_p15_aid, sizeof codec_p15_aid}, {NULL, 0}, {NULL, 0}};
            bool oom = false;
            p->app = p15_add_app(p, &a, &oom);
            if (oom)
                return isoIec23465_NotEnoughMemory;
            if (p->app >= 0) {
                free(p->d->apps[p->app].label);
                p->d->apps[p->app].label = strdup("PKCS#15");
                if (!p->d->apps[p->app].label)
                    return isoIec23465_NotEnoughMemory;
            }
        }
    }
    st = p15_read_app(p);
    if (st != isoIec23465_Success)
        return st;
    p15_assign_apps(p);
    p15_link(p);
    return isoIec23465_Success;
}

isoIec23465_Status px_p15_discover(px_conn *c)
{
    p15 *p = calloc(1, sizeof *p);
    px_desc *found = px_desc_new_empty();
    uint8_t *buf = malloc(PX_P15_MAX_FILE + 1);
    isoIec23465_Status st = isoIec23465_NotEnoughMemory;
    if (!p || !found || !buf)
        goto out;
    p->c = c;
    p->d = found;
    p->buf = buf;
    p->app = -1;
    st = px_apdu_begin(c);
    if (st != isoIec23465_Success)
        goto out;
    st = p15_run(p);
    px_apdu_end(c);
    if (st != isoIec23465_Success)
        goto out;
    if (!found->p15_found && !c->desc)
        goto out; /* nothing on the card, nothing described: no table */
    px_desc *merged = px_desc_merge(found, c->desc);
    if (!merged) {
        st = isoIec23465_NotEnoughMemory;
        goto out;
    }
    px_desc_free(c->desc);
    c->desc = merged;
out:
    if (st == isoIec23465_NotEnoughMemory)
        px_error_record(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                        "out of memory during 7816-15 discovery");
    else if (st == isoIec23465_Success)
        px_error_clear(); /* refused SELECTs are answers, not the caller's errors */
    px_desc_free(found);
    free(buf);
    free(p);
    return st;
}
