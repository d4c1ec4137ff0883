/* 7816-15 structures: encode, decode back field by field; every truncated prefix refused (each
 * in an exact-size heap buffer so a sanitizer sees an over-read); one known encoding per kind. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "codec_p15.h"

#define B(s) ((codec_p15_bytes){(const uint8_t *)(s), sizeof(s) - 1})

static const uint8_t path_mf_5015[] = {0x3F, 0x00, 0x50, 0x15};
static const uint8_t path_pin[] = {0x3F, 0x00, 0x50, 0x00};
#define PATH(a) ((codec_p15_bytes){(a), sizeof(a)})

static bool same(codec_p15_bytes a, codec_p15_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static void assert_path(const codec_p15_path *a, const codec_p15_path *b)
{
    cr_assert(same(a->path, b->path));
    cr_assert_eq(a->has_range, b->has_range);
    cr_assert_eq(a->index, b->index);
    cr_assert_eq(a->length, b->length);
}

static void assert_object(const codec_p15_object *a, const codec_p15_object *b)
{
    cr_assert(same(a->label, b->label), "label");
    cr_assert_eq(a->flags, b->flags);
    cr_assert(same(a->auth_id, b->auth_id), "authId");
}

/* ---- samples ---- */

static codec_p15_app sample_app(void)
{
    return (codec_p15_app){{codec_p15_aid, sizeof codec_p15_aid}, B("sdtest"), PATH(path_mf_5015)};
}

static codec_p15_od_entry sample_od(void)
{
    return (codec_p15_od_entry){CODEC_P15_AODF, {PATH(path_mf_5015), true, 3, 200}};
}

static codec_p15_tokeninfo sample_tokeninfo(void)
{
    return (codec_p15_tokeninfo){0, B("SDT0000001"), B("sdemu"), B("sdtest reference card"),
                                 CODEC_P15_TOKEN_PRN_GENERATION};
}

static codec_p15_pin sample_pin(void)
{
    codec_p15_pin p;
    memset(&p, 0, sizeof p);
    p.obj = (codec_p15_object){B("app"), CODEC_P15_OBJ_PRIVATE, B("\x01")};
    p.auth_id = B("\x81");
    p.flags = CODEC_P15_PIN_LOCAL | CODEC_P15_PIN_INITIALIZED | CODEC_P15_PIN_NEEDS_PADDING |
              CODEC_P15_PIN_DISABLE_ALLOWED;
    p.type = CODEC_P15_PIN_BCD;
    p.min_len = 4;
    p.stored_len = 8;
    p.has_max_len = true;
    p.max_len = 16;
    p.reference = 0x81;
    p.has_pad_char = true;
    p.pad_char = 0xFF;
    p.has_path = true;
    p.path.path = PATH(path_pin);
    return p;
}

static codec_p15_keyobj sample_key(uint8_t type)
{
    codec_p15_keyobj k;
    memset(&k, 0, sizeof k);
    k.type = type;
    k.obj = (codec_p15_object){B("signature key"), CODEC_P15_OBJ_PRIVATE, B("\x01")};
    k.key.id = B("\x45\x01\x02\x03");
    k.key.usage = CODEC_P15_USAGE_SIGN | CODEC_P15_USAGE_NON_REPUDIATION;
    k.key.access_flags = CODEC_P15_ACCESS_SENSITIVE | CODEC_P15_ACCESS_NEVER_EXTRACTABLE;
    k.key.has_key_ref = true;
    k.key.key_ref = 0x81;
    k.path.path = PATH(path_mf_5015);
    k.bits = type == CODEC_P15_KEY_RSA ? 2048 : type == CODEC_P15_KEY_EC ? 256 : 128;
    return k;
}

static codec_p15_cert sample_cert(void)
{
    return (codec_p15_cert){{B("signature certificate"), 0, {NULL, 0}},
                            B("\x45\x01\x02\x03"),
                            true,
                            {PATH(path_mf_5015), false, 0, 0}};
}

static codec_p15_data sample_data(void)
{
    return (codec_p15_data){{B("sdtest app/5002"), CODEC_P15_OBJ_PRIVATE, B("\x81")},
                            B("sdtest app"),
                            B("\x2A\x03\x04"),
                            {PATH(path_pin), false, 0, 0}};
}

/* ---- one kind at a time: encoder, decoder and comparison behind a common shape ---- */

typedef struct kind {
    const char *name;
    bool (*encode)(codec_writer *w);
    bool (*decode_check)(codec_reader *r); /* decodes and compares with the sample */
} kind;

#define KIND(name, type, sample, wr, rd, cmp)                                                      \
    static bool enc_##name(codec_writer *w)                                                        \
    {                                                                                              \
        type s = sample;                                                                           \
        return wr(w, &s);                                                                          \
    }                                                                                              \
    static bool dec_##name(codec_reader *r)                                                        \
    {                                                                                              \
        type s = sample, d;                                                                        \
        if (!rd(r, &d))                                                                            \
            return false;                                                                          \
        cmp(&s, &d);                                                                               \
        return true;                                                                               \
    }

static void cmp_app(const codec_p15_app *a, const codec_p15_app *b)
{
    cr_assert(same(a->aid, b->aid) && same(a->label, b->label) && same(a->path, b->path));
}
static void cmp_od(const codec_p15_od_entry *a, const codec_p15_od_entry *b)
{
    cr_assert_eq(a->type, b->type);
    assert_path(&a->path, &b->path);
}
static void cmp_ti(const codec_p15_tokeninfo *a, const codec_p15_tokeninfo *b)
{
    cr_assert_eq(a->version, b->version);
    cr_assert(same(a->serial, b->serial) && same(a->manufacturer, b->manufacturer) &&
              same(a->label, b->label));
    cr_assert_eq(a->flags, b->flags);
}
static void cmp_pin(const codec_p15_pin *a, const codec_p15_pin *b)
{
    assert_object(&a->obj, &b->obj);
    cr_assert(same(a->auth_id, b->auth_id));
    cr_assert_eq(a->flags, b->flags);
    cr_assert_eq(a->type, b->type);
    cr_assert_eq(a->min_len, b->min_len);
    cr_assert_eq(a->stored_len, b->stored_len);
    cr_assert_eq(a->has_max_len, b->has_max_len);
    cr_assert_eq(a->max_len, b->max_len);
    cr_assert_eq(a->reference, b->reference);
    cr_assert_eq(a->has_pad_char, b->has_pad_char);
    cr_assert_eq(a->pad_char, b->pad_char);
    cr_assert_eq(a->has_path, b->has_path);
    assert_path(&a->path, &b->path);
}
static void cmp_key(const codec_p15_keyobj *a, const codec_p15_keyobj *b)
{
    cr_assert_eq(a->type, b->type);
    assert_object(&a->obj, &b->obj);
    cr_assert(same(a->key.id, b->key.id));
    cr_assert_eq(a->key.usage, b->key.usage);
    cr_assert_eq(a->key.access_flags, b->key.access_flags);
    cr_assert_eq(a->key.has_key_ref, b->key.has_key_ref);
    cr_assert_eq(a->key.key_ref, b->key.key_ref);
    assert_path(&a->path, &b->path);
    cr_assert_eq(a->bits, b->bits);
}
static void cmp_cert(const codec_p15_cert *a, const codec_p15_cert *b)
{
    assert_object(&a->obj, &b->obj);
    cr_assert(same(a->id, b->id));
    cr_assert_eq(a->authority, b->authority);
    assert_path(&a->path, &b->path);
}
static void cmp_data(const codec_p15_data *a, const codec_p15_data *b)
{
    assert_object(&a->obj, &b->obj);
    cr_assert(same(a->app_name, b->app_name) && same(a->app_oid, b->app_oid));
    assert_path(&a->path, &b->path);
}

KIND(app, codec_p15_app, sample_app(), codec_p15_write_app, codec_p15_read_app, cmp_app)
KIND(od, codec_p15_od_entry, sample_od(), codec_p15_write_od_entry, codec_p15_read_od_entry, cmp_od)
KIND(ti, codec_p15_tokeninfo, sample_tokeninfo(), codec_p15_write_tokeninfo,
     codec_p15_read_tokeninfo, cmp_ti)
KIND(pin, codec_p15_pin, sample_pin(), codec_p15_write_pin, codec_p15_read_pin, cmp_pin)
KIND(rsa, codec_p15_keyobj, sample_key(CODEC_P15_KEY_RSA), codec_p15_write_prkey,
     codec_p15_read_prkey, cmp_key)
KIND(ec, codec_p15_keyobj, sample_key(CODEC_P15_KEY_EC), codec_p15_write_prkey,
     codec_p15_read_prkey, cmp_key)
KIND(pub_rsa, codec_p15_keyobj, sample_key(CODEC_P15_KEY_RSA), codec_p15_write_pubkey,
     codec_p15_read_pubkey, cmp_key)
KIND(pub_ec, codec_p15_keyobj, sample_key(CODEC_P15_KEY_EC), codec_p15_write_pubkey,
     codec_p15_read_pubkey, cmp_key)
KIND(aes, codec_p15_keyobj, sample_key(CODEC_P15_KEY_SECRET), codec_p15_write_skey,
     codec_p15_read_skey, cmp_key)
KIND(cert, codec_p15_cert, sample_cert(), codec_p15_write_cert, codec_p15_read_cert, cmp_cert)
KIND(data, codec_p15_data, sample_data(), codec_p15_write_data, codec_p15_read_data, cmp_data)

static const kind kinds[] = {
    {"EF.DIR application", enc_app, dec_app},
    {"EF.OD entry", enc_od, dec_od},
    {"TokenInfo", enc_ti, dec_ti},
    {"AODF pin", enc_pin, dec_pin},
    {"PrKDF RSA", enc_rsa, dec_rsa},
    {"PrKDF EC", enc_ec, dec_ec},
    {"PuKDF RSA", enc_pub_rsa, dec_pub_rsa},
    {"PuKDF EC", enc_pub_ec, dec_pub_ec},
    {"SKDF generic secret", enc_aes, dec_aes},
    {"CDF x509", enc_cert, dec_cert},
    {"DODF opaque", enc_data, dec_data},
};

static size_t encode(const kind *k, uint8_t *buf, size_t cap)
{
    codec_writer w;
    codec_writer_init(&w, buf, cap);
    cr_assert(k->encode(&w), "%s: encode", k->name);
    cr_assert_not(w.overflow);
    return w.len;
}

Test(p15, every_kind_round_trips_field_by_field)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        uint8_t buf[512];
        size_t n = encode(&kinds[i], buf, sizeof buf);
        uint8_t *exact = malloc(n);
        memcpy(exact, buf, n);
        codec_reader r;
        codec_reader_init(&r, exact, n);
        cr_assert(kinds[i].decode_check(&r), "%s: decode", kinds[i].name);
        cr_assert_eq(codec_reader_remaining(&r), 0, "%s: all consumed", kinds[i].name);
        free(exact);
    }
}

Test(p15, every_truncated_prefix_is_refused_and_the_cursor_stays)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        uint8_t buf[512];
        size_t n = encode(&kinds[i], buf, sizeof buf);
        for (size_t len = 0; len < n; len++) {
            uint8_t *exact = malloc(len ? len : 1);
            memcpy(exact, buf, len);
            codec_reader r;
            codec_reader_init(&r, exact, len);
            cr_assert_not(kinds[i].decode_check(&r), "%s: prefix %zu accepted", kinds[i].name, len);
            cr_assert_eq(r.off, 0);
            free(exact);
        }
    }
}

Test(p15, one_extra_byte_is_left_for_the_next_entry)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        uint8_t buf[512];
        size_t n = encode(&kinds[i], buf, sizeof buf);
        uint8_t *exact = malloc(n + 1);
        memcpy(exact, buf, n);
        exact[n] = 0x00;
        codec_reader r;
        codec_reader_init(&r, exact, n + 1);
        cr_assert(kinds[i].decode_check(&r), "%s", kinds[i].name);
        cr_assert_eq(r.off, n);
        cr_assert(codec_p15_at_end(&r));
        free(exact);
    }
}

Test(p15, encoder_reports_overflow_at_every_short_capacity)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        uint8_t buf[512];
        size_t n = encode(&kinds[i], buf, sizeof buf);
        for (size_t cap = 0; cap < n; cap++) {
            uint8_t *small = malloc(cap ? cap : 1);
            codec_writer w;
            codec_writer_init(&w, small, cap);
            cr_assert_not(kinds[i].encode(&w), "%s: cap %zu", kinds[i].name, cap);
            cr_assert(w.overflow);
            free(small);
        }
    }
}

/* Known encodings, worked out by hand from the ASN.1 (X.690 DER). */
static void assert_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t wn)
{
    cr_assert_eq(n, wn, "length %zu, want %zu", n, wn);
    cr_assert_arr_eq(got, want, wn);
}

Test(p15, od_entry_known_encoding)
{
    codec_p15_od_entry e = {CODEC_P15_AODF, {PATH(path_mf_5015), false, 0, 0}};
    uint8_t buf[64];
    codec_writer w;
    codec_writer_init(&w, buf, sizeof buf);
    cr_assert(codec_p15_write_od_entry(&w, &e));
    const uint8_t want[] = {0xA8, 0x08, 0x30, 0x06, 0x04, 0x04, 0x3F, 0x00, 0x50, 0x15};
    assert_bytes(buf, w.len, want, sizeof want);
}

Test(p15, pin_known_encoding)
{
    codec_p15_pin p;
    memset(&p, 0, sizeof p);
    p.obj.label = B("user");
    p.auth_id = B("\x01");
    p.flags = CODEC_P15_PIN_CASE_SENSITIVE | CODEC_P15_PIN_INITIALIZED |
              CODEC_P15_PIN_NEEDS_PADDING; /* bits 0, 4, 5: 8C, 2 unused bits */
    p.type = CODEC_P15_PIN_UTF8;
    p.min_len = 4;
    p.stored_len = 8;
    p.has_max_len = true;
    p.max_len = 8;
    p.reference = 0x81; /* INTEGER 129: 00 81 */
    p.has_pad_char = true;
    p.pad_char = 0xFF;
    uint8_t buf[128];
    codec_writer w;
    codec_writer_init(&w, buf, sizeof buf);
    cr_assert(codec_p15_write_pin(&w, &p));
    const uint8_t want[] = {0x30, 0x28, 0x30, 0x06, 0x0C, 0x04, 'u',  's',  'e',  'r',  0x30,
                            0x03, 0x04, 0x01, 0x01, 0xA1, 0x19, 0x30, 0x17, 0x03, 0x02, 0x02,
                            0x8C, 0x0A, 0x01, 0x02, 0x02, 0x01, 0x04, 0x02, 0x01, 0x08, 0x02,
                            0x01, 0x08, 0x80, 0x02, 0x00, 0x81, 0x04, 0x01, 0xFF};
    assert_bytes(buf, w.len, want, sizeof want);
}

Test(p15, tokeninfo_known_encoding_and_long_lengths)
{
    codec_p15_tokeninfo t = {0, B("1"), {NULL, 0}, {NULL, 0}, 0};
    uint8_t buf[512];
    codec_writer w;
    codec_writer_init(&w, buf, sizeof buf);
    cr_assert(codec_p15_write_tokeninfo(&w, &t));
    const uint8_t want[] = {0x30, 0x09, 0x02, 0x01, 0x00, 0x04, 0x01, '1', 0x03, 0x01, 0x00};
    assert_bytes(buf, w.len, want, sizeof want);
    /* a label of 200 bytes needs 81 C8 inside and 81 xx outside */
    uint8_t label[200];
    memset(label, 'a', sizeof label);
    t.label = (codec_p15_bytes){label, sizeof label};
    codec_writer_init(&w, buf, sizeof buf);
    cr_assert(codec_p15_write_tokeninfo(&w, &t));
    cr_assert_eq(buf[1], 0x81);
    cr_assert_eq(buf[2], w.len - 3);
    codec_reader r;
    codec_reader_init(&r, buf, w.len);
    codec_p15_tokeninfo d;
    cr_assert(codec_p15_read_tokeninfo(&r, &d));
    cr_assert(same(d.label, t.label));
}

Test(p15, decoder_refuses_non_der_integers_and_bad_bit_strings)
{
    /* TokenInfo with version 00 00 (not minimal) */
    const uint8_t v1[] = {0x30, 0x0A, 0x02, 0x02, 0x00, 0x00, 0x04, 0x01, '1', 0x03, 0x01, 0x00};
    /* negative version */
    const uint8_t v2[] = {0x30, 0x09, 0x02, 0x01, 0x80, 0x04, 0x01, '1', 0x03, 0x01, 0x00};
    /* bit string with 8 unused bits */
    const uint8_t v3[] = {0x30, 0x0A, 0x02, 0x01, 0x00, 0x04, 0x01, '1', 0x03, 0x02, 0x08, 0x00};
    /* the valid twin decodes, so the vectors above fail for the reason they name */
    const uint8_t ok[] = {0x30, 0x09, 0x02, 0x01, 0x00, 0x04, 0x01, '1', 0x03, 0x01, 0x00};
    codec_reader rr;
    codec_reader_init(&rr, ok, sizeof ok);
    codec_p15_tokeninfo ti;
    cr_assert(codec_p15_read_tokeninfo(&rr, &ti));
    const uint8_t *all[] = {v1, v2, v3};
    size_t lens[] = {sizeof v1, sizeof v2, sizeof v3};
    for (int i = 0; i < 3; i++) {
        codec_reader r;
        codec_reader_init(&r, all[i], lens[i]);
        codec_p15_tokeninfo t;
        cr_assert_not(codec_p15_read_tokeninfo(&r, &t), "vector %d", i);
    }
}

Test(p15, unknown_extensions_are_skipped_but_bounded)
{
    /* an EF.DIR template with a 73 discretionary DO after the path */
    const uint8_t a[] = {0x61, 0x0B, 0x4F, 0x02, 0xA0, 0x00, 0x51,
                         0x02, 0x3F, 0x00, 0x73, 0x01, 0x00};
    codec_reader r;
    codec_reader_init(&r, a, sizeof a);
    codec_p15_app app;
    cr_assert(codec_p15_read_app(&r, &app));
    cr_assert_eq(app.path.len, 2);
    /* more than CODEC_P15_MAX_SKIP unknown elements: refused */
    uint8_t big[2 + 4 + 3 * (CODEC_P15_MAX_SKIP + 1)];
    size_t n = 0;
    big[n++] = 0x61;
    big[n++] = (uint8_t)(sizeof big - 2);
    big[n++] = 0x4F;
    big[n++] = 0x02;
    big[n++] = 0xA0;
    big[n++] = 0x00;
    for (int i = 0; i <= CODEC_P15_MAX_SKIP; i++) {
        big[n++] = 0x73;
        big[n++] = 0x01;
        big[n++] = 0x00;
    }
    codec_reader_init(&r, big, n);
    cr_assert_not(codec_p15_read_app(&r, &app));
}

Test(p15, choices_are_told_apart)
{
    uint8_t buf[512];
    codec_writer w;
    codec_writer_init(&w, buf, sizeof buf);
    codec_p15_keyobj ec = sample_key(CODEC_P15_KEY_EC);
    cr_assert(codec_p15_write_prkey(&w, &ec));
    cr_assert_eq(buf[0], 0xA0);
    codec_reader r;
    codec_reader_init(&r, buf, w.len);
    codec_p15_keyobj d;
    cr_assert(codec_p15_read_prkey(&r, &d));
    cr_assert_eq(d.type, CODEC_P15_KEY_EC);
    /* an EC entry is not a generic secret key; a secret key is not written to a PrKDF */
    codec_reader_init(&r, buf, w.len);
    cr_assert_not(codec_p15_read_skey(&r, &d));
    codec_p15_keyobj aes = sample_key(CODEC_P15_KEY_SECRET);
    codec_writer_init(&w, buf, sizeof buf);
    cr_assert_not(codec_p15_write_prkey(&w, &aes));
    /* an OD entry with tag A9 is not one */
    const uint8_t od[] = {0xA9, 0x06, 0x30, 0x04, 0x04, 0x02, 0x3F, 0x00};
    codec_reader_init(&r, od, sizeof od);
    codec_p15_od_entry e;
    cr_assert_not(codec_p15_read_od_entry(&r, &e));
    cr_assert(codec_p15_skip(&r));
    cr_assert_eq(codec_reader_remaining(&r), 0);
}
