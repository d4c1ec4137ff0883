/* ISO/IEC 7816-15 (PKCS#15) DER encoder and decoder. */
#include "codec_p15.h"

#include <string.h>

#include "codec_tlv.h"

const uint8_t codec_p15_aid[12] = {0xA0, 0x00, 0x00, 0x00, 0x63, 0x50,
                                   0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35};

#define T_BOOLEAN 0x01
#define T_INTEGER 0x02
#define T_BIT_STRING 0x03
#define T_OCTET_STRING 0x04
#define T_OID 0x06
#define T_ENUMERATED 0x0A
#define T_UTF8 0x0C
#define T_SEQUENCE 0x30
#define CTX(n) (0x80u | (n))      /* [n] primitive */
#define CTX_CONS(n) (0xA0u | (n)) /* [n] constructed */

/* ---- writing ---- */

/* Length bytes reserved for a constructed element until its content is known: 82 xx xx. */
#define RESERVED_LEN 3

static bool put_tlv(codec_writer *w, uint32_t tag, const uint8_t *v, size_t n)
{
    return codec_ber_write_tag(w, tag) && codec_ber_write_length(w, n) &&
           codec_write_bytes(w, v, n);
}

/* Opens a constructed element; close() fixes its length once the content is written. The
 * writer needs up to two spare bytes per open element beyond the final size. */
static size_t open_cons(codec_writer *w, uint32_t tag)
{
    static const uint8_t gap[RESERVED_LEN];
    codec_ber_write_tag(w, tag);
    size_t at = w->len;
    codec_write_bytes(w, gap, RESERVED_LEN);
    return at;
}

static bool close_cons(codec_writer *w, size_t at)
{
    if (w->overflow)
        return false;
    size_t content = w->len - at - RESERVED_LEN;
    codec_writer lw;
    uint8_t len[RESERVED_LEN];
    codec_writer_init(&lw, len, sizeof len);
    if (!codec_ber_write_length(&lw, content)) {
        w->overflow = true;
        return false;
    }
    memmove(w->data + at + lw.len, w->data + at + RESERVED_LEN, content);
    memcpy(w->data + at, len, lw.len);
    w->len = at + lw.len + content;
    return true;
}

static bool put_uint(codec_writer *w, uint32_t tag, uint32_t v)
{
    uint8_t b[5];
    size_t n = 0;
    /* big-endian, minimal, with a leading 00 when the top bit is set (non-negative) */
    for (int shift = 24; shift >= 0; shift -= 8)
        if (n || (v >> shift) & 0xFF || shift == 0) {
            if (!n && (v >> shift) & 0x80)
                b[n++] = 0;
            b[n++] = (uint8_t)(v >> shift);
        }
    return put_tlv(w, tag, b, n);
}

/* A named-bit BIT STRING in DER: trailing zero bits removed. */
static bool put_bits(codec_writer *w, uint32_t tag, uint32_t bits)
{
    uint8_t b[5] = {0};
    int top = -1;
    for (int i = 0; i < 32; i++)
        if (bits & (1u << i)) {
            b[1 + i / 8] |= (uint8_t)(0x80u >> (i % 8));
            top = i;
        }
    size_t nbytes = top < 0 ? 0 : (size_t)top / 8 + 1;
    b[0] = top < 0 ? 0 : (uint8_t)(7 - top % 8);
    return put_tlv(w, tag, b, 1 + nbytes);
}

static bool put_bytes(codec_writer *w, uint32_t tag, codec_p15_bytes b)
{
    return put_tlv(w, tag, b.data, b.len);
}

static bool put_path(codec_writer *w, const codec_p15_path *p)
{
    size_t at = open_cons(w, T_SEQUENCE);
    put_bytes(w, T_OCTET_STRING, p->path);
    if (p->has_range) {
        put_uint(w, T_INTEGER, p->index);
        put_uint(w, CTX(0), p->length);
    }
    return close_cons(w, at);
}

static bool put_object(codec_writer *w, const codec_p15_object *o)
{
    size_t at = open_cons(w, T_SEQUENCE);
    if (o->label.len)
        put_bytes(w, T_UTF8, o->label);
    if (o->flags)
        put_bits(w, T_BIT_STRING, o->flags);
    if (o->auth_id.len)
        put_bytes(w, T_OCTET_STRING, o->auth_id);
    return close_cons(w, at);
}

static bool put_key(codec_writer *w, const codec_p15_key *k)
{
    size_t at = open_cons(w, T_SEQUENCE);
    put_bytes(w, T_OCTET_STRING, k->id);
    put_bits(w, T_BIT_STRING, k->usage);
    if (k->access_flags)
        put_bits(w, T_BIT_STRING, k->access_flags);
    if (k->has_key_ref)
        put_uint(w, T_INTEGER, k->key_ref);
    return close_cons(w, at);
}

bool codec_p15_write_app(codec_writer *w, const codec_p15_app *app)
{
    size_t at = open_cons(w, 0x61);
    put_bytes(w, 0x4F, app->aid);
    if (app->label.len)
        put_bytes(w, 0x50, app->label);
    if (app->path.len)
        put_bytes(w, 0x51, app->path);
    return close_cons(w, at);
}

bool codec_p15_write_od_entry(codec_writer *w, const codec_p15_od_entry *e)
{
    if (e->type >= CODEC_P15_DF_COUNT) {
        w->overflow = true;
        return false;
    }
    size_t at = open_cons(w, CTX_CONS(e->type));
    put_path(w, &e->path);
    return close_cons(w, at);
}

bool codec_p15_write_tokeninfo(codec_writer *w, const codec_p15_tokeninfo *t)
{
    size_t at = open_cons(w, T_SEQUENCE);
    put_uint(w, T_INTEGER, t->version);
    put_bytes(w, T_OCTET_STRING, t->serial);
    if (t->manufacturer.len)
        put_bytes(w, T_UTF8, t->manufacturer);
    if (t->label.len)
        put_bytes(w, CTX(0), t->label);
    put_bits(w, T_BIT_STRING, t->flags);
    return close_cons(w, at);
}

bool codec_p15_write_pin(codec_writer *w, const codec_p15_pin *p)
{
    size_t at = open_cons(w, T_SEQUENCE);
    put_object(w, &p->obj);
    size_t ca = open_cons(w, T_SEQUENCE); /* CommonAuthenticationObjectAttributes */
    put_bytes(w, T_OCTET_STRING, p->auth_id);
    close_cons(w, ca);
    size_t ta = open_cons(w, CTX_CONS(1));
    size_t pa = open_cons(w, T_SEQUENCE); /* PasswordAttributes */
    put_bits(w, T_BIT_STRING, p->flags);
    put_uint(w, T_ENUMERATED, p->type);
    put_uint(w, T_INTEGER, p->min_len);
    put_uint(w, T_INTEGER, p->stored_len);
    if (p->has_max_len)
        put_uint(w, T_INTEGER, p->max_len);
    if (p->reference)
        put_uint(w, CTX(0), p->reference);
    if (p->has_pad_char)
        put_tlv(w, T_OCTET_STRING, &p->pad_char, 1);
    if (p->has_path)
        put_path(w, &p->path);
    close_cons(w, pa);
    close_cons(w, ta);
    return close_cons(w, at);
}

static bool write_keyobj(codec_writer *w, const codec_p15_keyobj *k, bool public_key)
{
    uint32_t tag = k->type == CODEC_P15_KEY_EC ? CTX_CONS(0) : T_SEQUENCE;
    if (k->type > CODEC_P15_KEY_SECRET || (public_key && k->type == CODEC_P15_KEY_SECRET)) {
        w->overflow = true;
        return false;
    }
    size_t at = open_cons(w, tag);
    put_object(w, &k->obj);
    put_key(w, &k->key);
    if (k->type == CODEC_P15_KEY_SECRET && k->bits) {
        size_t sa = open_cons(w, CTX_CONS(0)); /* CommonSecretKeyAttributes */
        size_t sq = open_cons(w, T_SEQUENCE);
        put_uint(w, T_INTEGER, k->bits);
        close_cons(w, sq);
        close_cons(w, sa);
    }
    size_t ta = open_cons(w, CTX_CONS(1));
    size_t ka = open_cons(w, T_SEQUENCE);
    put_path(w, &k->path);
    if (k->type == CODEC_P15_KEY_RSA || (k->type == CODEC_P15_KEY_EC && k->bits))
        put_uint(w, T_INTEGER, k->bits);
    close_cons(w, ka);
    close_cons(w, ta);
    return close_cons(w, at);
}

bool codec_p15_write_prkey(codec_writer *w, const codec_p15_keyobj *k)
{
    if (k->type == CODEC_P15_KEY_SECRET) {
        w->overflow = true;
        return false;
    }
    return write_keyobj(w, k, false);
}

bool codec_p15_write_pubkey(codec_writer *w, const codec_p15_keyobj *k)
{
    return write_keyobj(w, k, true);
}

bool codec_p15_write_skey(codec_writer *w, const codec_p15_keyobj *k)
{
    if (k->type != CODEC_P15_KEY_SECRET) {
        w->overflow = true;
        return false;
    }
    return write_keyobj(w, k, false);
}

bool codec_p15_write_cert(codec_writer *w, const codec_p15_cert *c)
{
    size_t at = open_cons(w, T_SEQUENCE);
    put_object(w, &c->obj);
    size_t ca = open_cons(w, T_SEQUENCE); /* CommonCertificateAttributes */
    put_bytes(w, T_OCTET_STRING, c->id);
    if (c->authority) {
        uint8_t t = 0xFF;
        put_tlv(w, T_BOOLEAN, &t, 1);
    }
    close_cons(w, ca);
    size_t ta = open_cons(w, CTX_CONS(1));
    size_t xa = open_cons(w, T_SEQUENCE); /* X509CertificateAttributes */
    put_path(w, &c->path);
    close_cons(w, xa);
    close_cons(w, ta);
    return close_cons(w, at);
}

bool codec_p15_write_data(codec_writer *w, const codec_p15_data *d)
{
    size_t at = open_cons(w, T_SEQUENCE);
    put_object(w, &d->obj);
    size_t ca = open_cons(w, T_SEQUENCE); /* CommonDataObjectAttributes */
    if (d->app_name.len)
        put_bytes(w, T_UTF8, d->app_name);
    if (d->app_oid.len)
        put_bytes(w, T_OID, d->app_oid);
    close_cons(w, ca);
    size_t ta = open_cons(w, CTX_CONS(1));
    put_path(w, &d->path);
    close_cons(w, ta);
    return close_cons(w, at);
}

/* ---- reading ---- */

/* Reads a TLV whose tag must be `tag`; *sub covers its value. */
static bool get(codec_reader *r, uint32_t tag, codec_reader *sub)
{
    codec_reader t = *r;
    uint32_t tg;
    const uint8_t *v;
    size_t n;
    if (!codec_ber_read_tlv(&t, &tg, &v, &n) || tg != tag)
        return false;
    codec_reader_init(sub, v, n);
    *r = t;
    return true;
}

/* The next tag without moving, or 0 when none can be read. */
static uint32_t peek(const codec_reader *r)
{
    codec_reader t = *r;
    uint32_t tg;
    return codec_ber_read_tag(&t, &tg) ? tg : 0;
}

/* An optional element: true when present (read into *sub), false when the next tag differs. */
static bool opt(codec_reader *r, uint32_t tag, codec_reader *sub)
{
    return peek(r) == tag && get(r, tag, sub);
}

static codec_p15_bytes rest(const codec_reader *r)
{
    return (codec_p15_bytes){r->data + r->off, codec_reader_remaining(r)};
}

/* Skips unknown trailing elements (extensions) and requires the reader to end there. */
static bool finish(codec_reader *r)
{
    for (int i = 0; i < CODEC_P15_MAX_SKIP && codec_reader_remaining(r); i++)
        if (!codec_p15_skip(r))
            return false;
    return codec_reader_remaining(r) == 0;
}

/* A DER INTEGER 0..UINT32_MAX. */
static bool uint_value(codec_reader *v, uint32_t *out)
{
    size_t n = codec_reader_remaining(v);
    const uint8_t *b;
    if (n < 1 || n > 5 || !codec_read_bytes(v, n, &b) || b[0] & 0x80)
        return false;
    if (n > 1 && b[0] == 0 && !(b[1] & 0x80))
        return false; /* not minimal */
    if (n == 5 && b[0] != 0)
        return false;
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | b[i];
    *out = x;
    return true;
}

static bool get_uint(codec_reader *r, uint32_t tag, uint32_t *out)
{
    codec_reader t = *r, v;
    if (!get(&t, tag, &v) || !uint_value(&v, out))
        return false;
    *r = t;
    return true;
}

static bool get_bits(codec_reader *r, uint32_t tag, uint32_t *out)
{
    codec_reader t = *r, v;
    uint8_t unused;
    if (!get(&t, tag, &v) || !codec_read_u8(&v, &unused) || unused > 7)
        return false;
    size_t n = codec_reader_remaining(&v);
    if (n > 4 || (n == 0 && unused != 0))
        return false;
    uint32_t bits = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        codec_read_u8(&v, &b);
        for (int k = 0; k < 8; k++)
            if (b & (0x80 >> k))
                bits |= 1u << (i * 8 + (size_t)k);
    }
    *out = bits;
    *r = t;
    return true;
}

static bool get_bytes(codec_reader *r, uint32_t tag, codec_p15_bytes *out)
{
    codec_reader v;
    if (!get(r, tag, &v))
        return false;
    *out = rest(&v);
    return true;
}

static bool get_path(codec_reader *r, codec_p15_path *p)
{
    codec_reader t = *r, s;
    codec_p15_path x;
    memset(&x, 0, sizeof x);
    if (!get(&t, T_SEQUENCE, &s) || !get_bytes(&s, T_OCTET_STRING, &x.path))
        return false;
    if (peek(&s) == T_INTEGER) {
        if (!get_uint(&s, T_INTEGER, &x.index) || !get_uint(&s, CTX(0), &x.length))
            return false;
        x.has_range = true;
    }
    if (!finish(&s))
        return false;
    *p = x;
    *r = t;
    return true;
}

static bool get_object(codec_reader *r, codec_p15_object *o)
{
    codec_reader s;
    memset(o, 0, sizeof *o);
    if (!get(r, T_SEQUENCE, &s))
        return false;
    codec_reader v;
    if (opt(&s, T_UTF8, &v))
        o->label = rest(&v);
    if (peek(&s) == T_BIT_STRING && !get_bits(&s, T_BIT_STRING, &o->flags))
        return false;
    if (opt(&s, T_OCTET_STRING, &v))
        o->auth_id = rest(&v);
    return finish(&s); /* userConsent, accessControlRules: skipped */
}

static bool get_key(codec_reader *r, codec_p15_key *k)
{
    codec_reader s, v;
    memset(k, 0, sizeof *k);
    if (!get(r, T_SEQUENCE, &s) || !get_bytes(&s, T_OCTET_STRING, &k->id) ||
        !get_bits(&s, T_BIT_STRING, &k->usage))
        return false;
    if (opt(&s, T_BOOLEAN, &v) && codec_reader_remaining(&v) != 1)
        return false; /* native: DEFAULT TRUE */
    if (peek(&s) == T_BIT_STRING && !get_bits(&s, T_BIT_STRING, &k->access_flags))
        return false;
    if (peek(&s) == T_INTEGER) {
        if (!get_uint(&s, T_INTEGER, &k->key_ref) || k->key_ref > 0xFF)
            return false;
        k->has_key_ref = true;
    }
    return finish(&s);
}

bool codec_p15_read_app(codec_reader *r, codec_p15_app *app)
{
    codec_reader t = *r, s, v;
    codec_p15_app x;
    memset(&x, 0, sizeof x);
    if (!get(&t, 0x61, &s) || !get_bytes(&s, 0x4F, &x.aid) || x.aid.len < 1 || x.aid.len > 16)
        return false;
    if (opt(&s, 0x50, &v))
        x.label = rest(&v);
    if (opt(&s, 0x51, &v))
        x.path = rest(&v);
    if (!finish(&s)) /* 52 command to perform, 53 / 73 discretionary data */
        return false;
    *app = x;
    *r = t;
    return true;
}

bool codec_p15_read_od_entry(codec_reader *r, codec_p15_od_entry *e)
{
    codec_reader t = *r, s;
    uint32_t tag = peek(&t);
    if (tag < CTX_CONS(0) || tag >= CTX_CONS(CODEC_P15_DF_COUNT))
        return false;
    codec_p15_od_entry x;
    x.type = (uint8_t)(tag - CTX_CONS(0));
    if (!get(&t, tag, &s) || !get_path(&s, &x.path) || codec_reader_remaining(&s) != 0)
        return false;
    *e = x;
    *r = t;
    return true;
}

bool codec_p15_read_tokeninfo(codec_reader *r, codec_p15_tokeninfo *ti)
{
    codec_reader t = *r, s, v;
    codec_p15_tokeninfo x;
    memset(&x, 0, sizeof x);
    if (!get(&t, T_SEQUENCE, &s) || !get_uint(&s, T_INTEGER, &x.version) ||
        !get_bytes(&s, T_OCTET_STRING, &x.serial))
        return false;
    if (opt(&s, T_UTF8, &v))
        x.manufacturer = rest(&v);
    if (opt(&s, CTX(0), &v))
        x.label = rest(&v);
    if (!get_bits(&s, T_BIT_STRING, &x.flags) || !finish(&s))
        return false;
    *ti = x;
    *r = t;
    return true;
}

bool codec_p15_read_pin(codec_reader *r, codec_p15_pin *p)
{
    codec_reader t = *r, s, ca, ta, pa, v;
    codec_p15_pin x;
    memset(&x, 0, sizeof x);
    uint32_t type;
    if (!get(&t, T_SEQUENCE, &s) || !get_object(&s, &x.obj) || !get(&s, T_SEQUENCE, &ca) ||
        !get_bytes(&ca, T_OCTET_STRING, &x.auth_id) || !finish(&ca))
        return false;
    (void)opt(&s, CTX_CONS(0), &v); /* subClassAttributes: none defined for passwords */
    if (!get(&s, CTX_CONS(1), &ta) || !finish(&s) || !get(&ta, T_SEQUENCE, &pa) ||
        codec_reader_remaining(&ta) != 0)
        return false;
    if (!get_bits(&pa, T_BIT_STRING, &x.flags) || !get_uint(&pa, T_ENUMERATED, &type) ||
        type > 0xFF || !get_uint(&pa, T_INTEGER, &x.min_len) ||
        !get_uint(&pa, T_INTEGER, &x.stored_len))
        return false;
    x.type = (uint8_t)type;
    if (peek(&pa) == T_INTEGER) {
        if (!get_uint(&pa, T_INTEGER, &x.max_len))
            return false;
        x.has_max_len = true;
    }
    if (peek(&pa) == CTX(0) && (!get_uint(&pa, CTX(0), &x.reference) || x.reference > 0xFF))
        return false;
    if (opt(&pa, T_OCTET_STRING, &v)) {
        if (!codec_read_u8(&v, &x.pad_char) || codec_reader_remaining(&v) != 0)
            return false;
        x.has_pad_char = true;
    }
    (void)opt(&pa, 0x18, &v); /* lastPasswordChange GeneralizedTime: skipped */
    if (peek(&pa) == T_SEQUENCE) {
        if (!get_path(&pa, &x.path))
            return false;
        x.has_path = true;
    }
    if (!finish(&pa))
        return false;
    *p = x;
    *r = t;
    return true;
}

static bool read_keyobj(codec_reader *r, codec_p15_keyobj *k, int kind)
{
    codec_reader t = *r, s, ta, ka, v;
    codec_p15_keyobj x;
    memset(&x, 0, sizeof x);
    uint32_t tag = peek(&t);
    if (kind == 2)
        x.type = CODEC_P15_KEY_SECRET;
    else if (tag == T_SEQUENCE)
        x.type = CODEC_P15_KEY_RSA;
    else if (tag == CTX_CONS(0))
        x.type = CODEC_P15_KEY_EC;
    else
        return false;
    if (!get(&t, tag, &s) || !get_object(&s, &x.obj) || !get_key(&s, &x.key))
        return false;
    if (opt(&s, CTX_CONS(0), &v) && x.type == CODEC_P15_KEY_SECRET) {
        codec_reader sq;
        if (!get(&v, T_SEQUENCE, &sq))
            return false;
        if (peek(&sq) == T_INTEGER && !get_uint(&sq, T_INTEGER, &x.bits))
            return false;
        if (!finish(&sq) || !finish(&v))
            return false;
    }
    if (!get(&s, CTX_CONS(1), &ta) || !finish(&s) || !get(&ta, T_SEQUENCE, &ka) ||
        codec_reader_remaining(&ta) != 0 || !get_path(&ka, &x.path))
        return false;
    if (x.type == CODEC_P15_KEY_RSA && !get_uint(&ka, T_INTEGER, &x.bits))
        return false;
    if (x.type == CODEC_P15_KEY_EC && peek(&ka) == T_INTEGER && !get_uint(&ka, T_INTEGER, &x.bits))
        return false;
    if (!finish(&ka))
        return false;
    *k = x;
    *r = t;
    return true;
}

bool codec_p15_read_prkey(codec_reader *r, codec_p15_keyobj *k)
{
    return read_keyobj(r, k, 0);
}

bool codec_p15_read_pubkey(codec_reader *r, codec_p15_keyobj *k)
{
    return read_keyobj(r, k, 1);
}

bool codec_p15_read_skey(codec_reader *r, codec_p15_keyobj *k)
{
    return peek(r) == T_SEQUENCE && read_keyobj(r, k, 2);
}

bool codec_p15_read_cert(codec_reader *r, codec_p15_cert *c)
{
    codec_reader t = *r, s, ca, ta, xa, v;
    codec_p15_cert x;
    memset(&x, 0, sizeof x);
    if (!get(&t, T_SEQUENCE, &s) || !get_object(&s, &x.obj) || !get(&s, T_SEQUENCE, &ca) ||
        !get_bytes(&ca, T_OCTET_STRING, &x.id))
        return false;
    if (opt(&ca, T_BOOLEAN, &v)) {
        uint8_t b;
        if (!codec_read_u8(&v, &b) || codec_reader_remaining(&v) != 0)
            return false;
        x.authority = b != 0;
    }
    if (!finish(&ca))
        return false;
    (void)opt(&s, CTX_CONS(0), &v); /* CommonCertificateAttributes subclass: none defined */
    if (!get(&s, CTX_CONS(1), &ta) || !finish(&s) || !get(&ta, T_SEQUENCE, &xa) ||
        codec_reader_remaining(&ta) != 0 || !get_path(&xa, &x.path) || !finish(&xa))
        return false;
    *c = x;
    *r = t;
    return true;
}

bool codec_p15_read_data(codec_reader *r, codec_p15_data *d)
{
    codec_reader t = *r, s, ca, ta, v;
    codec_p15_data x;
    memset(&x, 0, sizeof x);
    if (!get(&t, T_SEQUENCE, &s) || !get_object(&s, &x.obj) || !get(&s, T_SEQUENCE, &ca))
        return false;
    if (opt(&ca, T_UTF8, &v))
        x.app_name = rest(&v);
    if (opt(&ca, T_OID, &v))
        x.app_oid = rest(&v);
    if (!finish(&ca))
        return false;
    (void)opt(&s, CTX_CONS(0), &v); /* subclass: none defined */
    if (!get(&s, CTX_CONS(1), &ta) || !finish(&s) || !get_path(&ta, &x.path) || !finish(&ta))
        return false;
    *d = x;
    *r = t;
    return true;
}

bool codec_p15_skip(codec_reader *r)
{
    uint32_t tag;
    const uint8_t *v;
    size_t n;
    return codec_ber_read_tlv(r, &tag, &v, &n);
}

bool codec_p15_at_end(const codec_reader *r)
{
    for (size_t i = r->off; i < r->len; i++)
        if (r->data[i] != 0x00 && r->data[i] != 0xFF)
            return false;
    return true;
}
