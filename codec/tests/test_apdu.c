/* Command and response APDUs: every case, every truncation, round trips, encode bounds. */
#include "codec_apdu.h"
#include "codec_bytes.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A valid command APDU: the bytes before the data field, the data field (hex, or `fill_n` bytes
 * of `fill`), the bytes after it, and the expected case and Ne. The expected Nc is the data
 * length and the data starts right after `pre`. */
typedef struct vec {
    const char *name;
    const char *pre;
    const char *data;
    size_t fill_n;
    uint8_t fill;
    const char *post;
    codec_apdu_case apdu_case;
    size_t ne;
} vec;

static const vec vectors[] = {
    {"MANAGE CHANNEL close", "01 70 80 01", "", 0, 0, "", CODEC_CASE_1, 0},
    {"GET CHALLENGE 8", "00 84 00 00 08", "", 0, 0, "", CODEC_CASE_2S, 8},
    {"GET RESPONSE Le=00", "00 C0 00 00 00", "", 0, 0, "", CODEC_CASE_2S, 256},
    {"MANAGE CHANNEL open", "00 70 00 00 01", "", 0, 0, "", CODEC_CASE_2S, 1},
    {"READ BINARY SFI", "00 B0 81 00 FF", "", 0, 0, "", CODEC_CASE_2S, 255},
    {"SELECT MF by FID", "00 A4 00 0C 02", "3F 00", 0, 0, "", CODEC_CASE_3S, 0},
    {"PUT DATA 1 byte", "00 DA 01 01 01", "5A", 0, 0, "", CODEC_CASE_3S, 0},
    {"VERIFY PIN", "00 20 00 81 06", "31 32 33 34 35 36", 0, 0, "", CODEC_CASE_3S, 0},
    {"UPDATE BINARY 255", "00 D6 00 00 FF", NULL, 255, 0xA5, "", CODEC_CASE_3S, 0},
    {"SELECT AID", "00 A4 04 00 07", "A0 00 00 00 03 10 10", 0, 0, "00", CODEC_CASE_4S, 256},
    {"GET DATA 5C", "10 CB 3F FF 03", "5C 01 7E", 0, 0, "10", CODEC_CASE_4S, 16},
    {"INTERNAL AUTH 1/1", "00 88 00 00 01", "00", 0, 0, "01", CODEC_CASE_4S, 1},
    {"PSO 255/256", "00 2A 9E 9A FF", NULL, 255, 0x3C, "00", CODEC_CASE_4S, 256},
    {"READ BINARY Le=0000", "00 B0 00 00 00 00 00", "", 0, 0, "", CODEC_CASE_2E, 65536},
    {"READ BINARY Le=0100", "00 B0 00 00 00 01 00", "", 0, 0, "", CODEC_CASE_2E, 256},
    {"READ BINARY Le=0001", "00 B0 00 00 00 00 01", "", 0, 0, "", CODEC_CASE_2E, 1},
    {"READ BINARY Le=1000", "00 B0 7F FF 00 10 00", "", 0, 0, "", CODEC_CASE_2E, 4096},
    {"UPDATE BINARY ext 3", "00 D6 00 00 00 00 03", "01 02 03", 0, 0, "", CODEC_CASE_3E, 0},
    {"PUT DATA ext 1", "00 DB 3F FF 00 00 01", "53", 0, 0, "", CODEC_CASE_3E, 0},
    {"UPDATE BINARY 256", "00 D6 00 00 00 01 00", NULL, 256, 0x11, "", CODEC_CASE_3E, 0},
    {"UPDATE BINARY 65535", "00 D6 00 00 00 FF FF", NULL, 65535, 0x22, "", CODEC_CASE_3E, 0},
    {"PSO sign ext", "00 2A 9E 9A 00 00 03", "11 22 33", 0, 0, "00 00", CODEC_CASE_4E, 65536},
    {"INTERNAL AUTH ext", "00 88 00 00 00 01 00", NULL, 256, 0x33, "01 00", CODEC_CASE_4E, 256},
    {"SELECT ext 1/1", "00 A4 04 00 00 00 01", "AA", 0, 0, "00 01", CODEC_CASE_4E, 1},
    {"DECIPHER max", "00 2A 80 86 00 FF FF", NULL, 65535, 0x44, "FF FF", CODEC_CASE_4E, 65535},
};
#define N_VECTORS (sizeof vectors / sizeof vectors[0])

/* The bytes of a vector, in a heap buffer of exactly their size. */
typedef struct built {
    uint8_t *bytes;
    size_t len;
    size_t data_off;
    size_t lc;
} built;

static size_t hex_into(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0, pos = 0;
    cr_assert(codec_hex_decode(hex, strlen(hex), out, cap, &n, &pos), "bad hex '%s' at %zu", hex,
              pos);
    return n;
}

static built build(const vec *v)
{
    uint8_t pre[16], post[4], data[64];
    size_t npre = hex_into(v->pre, pre, sizeof pre);
    size_t ndata = v->data ? hex_into(v->data, data, sizeof data) : v->fill_n;
    size_t npost = hex_into(v->post, post, sizeof post);
    built b = {malloc(npre + ndata + npost), npre + ndata + npost, npre, ndata};
    cr_assert_not_null(b.bytes);
    memcpy(b.bytes, pre, npre);
    if (v->data)
        memcpy(b.bytes + npre, data, ndata);
    else
        memset(b.bytes + npre, v->fill, ndata);
    memcpy(b.bytes + npre + ndata, post, npost);
    return b;
}

/* What decoding some byte string should give. */
typedef struct expect {
    codec_apdu_error err;
    codec_apdu_case apdu_case;
    size_t lc, data_off, ne;
} expect;

static expect ok(codec_apdu_case c, size_t lc, size_t data_off, size_t ne)
{
    return (expect){CODEC_APDU_OK, c, lc, data_off, ne};
}

static expect fail(codec_apdu_error err)
{
    return (expect){err, CODEC_CASE_1, 0, 0, 0};
}

/* Decodes buf[0..len) from an exact-size heap copy (so ASan sees any over-read) and checks the
 * outcome field by field; on error *out must stay untouched. */
static void check_decode(const char *what, const uint8_t *buf, size_t len, expect e)
{
    uint8_t *exact = malloc(len ? len : 1);
    cr_assert_not_null(exact);
    if (len)
        memcpy(exact, buf, len);
    codec_capdu a, before;
    memset(&a, 0xC5, sizeof a);
    before = a;
    codec_apdu_error err = codec_capdu_decode(exact, len, &a);
    cr_assert_eq(err, e.err, "%s (len %zu): error %d, want %d", what, len, err, e.err);
    if (err != CODEC_APDU_OK) {
        cr_assert_eq(memcmp(&a, &before, sizeof a), 0, "%s (len %zu): out written on error", what,
                     len);
        free(exact);
        return;
    }
    cr_assert_eq(a.cla, buf[0], "%s", what);
    cr_assert_eq(a.ins, buf[1], "%s", what);
    cr_assert_eq(a.p1, buf[2], "%s", what);
    cr_assert_eq(a.p2, buf[3], "%s", what);
    cr_assert_eq(a.apdu_case, e.apdu_case, "%s (len %zu): case %s, want %s", what, len,
                 codec_apdu_case_name(a.apdu_case), codec_apdu_case_name(e.apdu_case));
    cr_assert_eq(a.lc, e.lc, "%s (len %zu): lc %zu, want %zu", what, len, a.lc, e.lc);
    cr_assert_eq(a.ne, e.ne, "%s (len %zu): ne %zu, want %zu", what, len, a.ne, e.ne);
    if (e.lc == 0)
        cr_assert_null(a.data, "%s: data must be NULL without Lc", what);
    else
        cr_assert_eq(a.data, exact + e.data_off, "%s: data must point into the input", what);
    free(exact);
}

static bool is_short_case(codec_apdu_case c)
{
    return c == CODEC_CASE_2S || c == CODEC_CASE_3S || c == CODEC_CASE_4S;
}

/* The outcome for the first k bytes of a valid APDU b (k < its length), from 7816-4 5.1: a
 * prefix can itself be a shorter valid case. */
static expect expect_prefix(const vec *v, const built *b, size_t k)
{
    const uint8_t *r = b->bytes;
    if (k < 4)
        return fail(CODEC_APDU_TOO_SHORT);
    if (k == 4)
        return ok(CODEC_CASE_1, 0, 0, 0);
    if (k == 5) /* the first body byte alone is a short Le */
        return ok(CODEC_CASE_2S, 0, 0, r[4] ? r[4] : 256);
    if (is_short_case(v->apdu_case)) {
        if (k == 5 + b->lc) /* a 4S without its Le is a 3S */
            return ok(CODEC_CASE_3S, b->lc, 5, 0);
        return fail(CODEC_APDU_BAD_LENGTH);
    }
    /* Extended: 00, then B2B3 */
    if (k == 6)
        return fail(CODEC_APDU_ZERO_LC); /* 00 followed by one byte: a short Lc of 0 */
    size_t b23 = (size_t)r[5] << 8 | r[6];
    if (k == 7) /* the extended Lc alone reads as an extended Le */
        return ok(CODEC_CASE_2E, 0, 0, b23 ? b23 : 65536);
    if (k == 7 + b->lc) /* a 4E without its Le is a 3E */
        return ok(CODEC_CASE_3E, b->lc, 7, 0);
    return fail(CODEC_APDU_BAD_LENGTH);
}

/* The outcome for a valid APDU followed by one byte x. */
static expect expect_extra(const vec *v, const built *b, uint8_t x)
{
    const uint8_t *r = b->bytes;
    switch (v->apdu_case) {
    case CODEC_CASE_1: /* the extra byte is a short Le */
        return ok(CODEC_CASE_2S, 0, 0, x ? x : 256);
    case CODEC_CASE_2S: /* the Le byte turns into Lc */
        if (r[4] == 0)
            return fail(CODEC_APDU_ZERO_LC);
        if (r[4] == 1)
            return ok(CODEC_CASE_3S, 1, 5, 0);
        return fail(CODEC_APDU_BAD_LENGTH);
    case CODEC_CASE_3S: /* the extra byte is a short Le */
        return ok(CODEC_CASE_4S, b->lc, 5, x ? x : 256);
    case CODEC_CASE_2E: { /* the extended Le turns into an extended Lc */
        size_t b23 = (size_t)r[5] << 8 | r[6];
        if (b23 == 0)
            return fail(CODEC_APDU_ZERO_LC);
        if (b23 == 1)
            return ok(CODEC_CASE_3E, 1, 7, 0);
        return fail(CODEC_APDU_BAD_LENGTH);
    }
    case CODEC_CASE_4S: /* one byte too many for any reading */
    case CODEC_CASE_3E: /* 4E would need two Le bytes */
    case CODEC_CASE_4E:
        break;
    }
    return fail(CODEC_APDU_BAD_LENGTH);
}

Test(capdu, every_case_decodes_to_its_fields)
{
    for (size_t i = 0; i < N_VECTORS; i++) {
        const vec *v = &vectors[i];
        built b = build(v);
        check_decode(v->name, b.bytes, b.len, ok(v->apdu_case, b.lc, b.data_off, v->ne));

        codec_capdu a;
        cr_assert_eq(codec_capdu_decode(b.bytes, b.len, &a), CODEC_APDU_OK);
        if (b.lc)
            cr_assert_eq(memcmp(a.data, b.bytes + b.data_off, b.lc), 0);
        cr_assert_eq(codec_capdu_is_extended(&a),
                     !is_short_case(v->apdu_case) && v->apdu_case != CODEC_CASE_1);
        free(b.bytes);
    }
}

Test(capdu, every_prefix_and_one_extra_byte)
{
    static const uint8_t extras[] = {0x00, 0x01, 0xFF};
    for (size_t i = 0; i < N_VECTORS; i++) {
        const vec *v = &vectors[i];
        built b = build(v);
        for (size_t k = 0; k < b.len; k++)
            check_decode(v->name, b.bytes, k, expect_prefix(v, &b, k));

        uint8_t *longer = malloc(b.len + 1);
        cr_assert_not_null(longer);
        memcpy(longer, b.bytes, b.len);
        for (size_t j = 0; j < sizeof extras; j++) {
            longer[b.len] = extras[j];
            check_decode(v->name, longer, b.len + 1, expect_extra(v, &b, extras[j]));
        }
        free(longer);
        free(b.bytes);
    }
}

Test(capdu, largest_apdu_is_capdu_max)
{
    const vec *v = &vectors[N_VECTORS - 1];
    built b = build(v);
    cr_assert_eq(b.len, CODEC_CAPDU_MAX);
    cr_assert_eq(v->apdu_case, CODEC_CASE_4E);
    free(b.bytes);
}

/* Inputs no reading of 7816-4 accepts. */
static const struct {
    const char *hex;
    codec_apdu_error err;
} malformed[] = {
    {"", CODEC_APDU_TOO_SHORT},
    {"00", CODEC_APDU_TOO_SHORT},
    {"00 A4 04", CODEC_APDU_TOO_SHORT},
    {"00 A4 00 0C 02 3F", CODEC_APDU_BAD_LENGTH},                /* data shorter than Lc */
    {"00 A4 00 0C 01 3F 00 00", CODEC_APDU_BAD_LENGTH},          /* two short Le bytes */
    {"00 A4 04 00 00 00", CODEC_APDU_ZERO_LC},                   /* short Lc 0 then Le */
    {"00 A4 04 00 00 00 00 00", CODEC_APDU_ZERO_LC},             /* extended Lc 0000 */
    {"00 A4 04 00 00 00 00 00 00", CODEC_APDU_ZERO_LC},          /* extended Lc 0000 then Le */
    {"00 A4 04 00 00 00 02 3F", CODEC_APDU_BAD_LENGTH},          /* extended data short */
    {"00 A4 04 00 00 00 02 3F 00 00", CODEC_APDU_BAD_LENGTH},    /* extended with 1-byte Le */
    {"00 A4 04 00 00 00 01 3F 00 00 00", CODEC_APDU_BAD_LENGTH}, /* 3-byte Le */
    {"00 B0 00 00 00 01", CODEC_APDU_ZERO_LC}, /* truncated extended Le reads as short Lc 0 */
    {"00 B0 00 00 00 01 00 00", CODEC_APDU_BAD_LENGTH}, /* Le 0100 then a stray byte */
    {"00 D6 00 00 FF 00", CODEC_APDU_BAD_LENGTH},       /* short Lc 255, one data byte */
};

Test(capdu, malformed_are_refused_with_reason)
{
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        uint8_t buf[16];
        size_t n = hex_into(malformed[i].hex, buf, sizeof buf);
        check_decode(malformed[i].hex, buf, n, fail(malformed[i].err));
    }
}

Test(capdu, null_input_is_too_short)
{
    codec_capdu a;
    cr_assert_eq(codec_capdu_decode(NULL, 0, &a), CODEC_APDU_TOO_SHORT);
}

Test(capdu, round_trip_is_byte_exact)
{
    static uint8_t enc[CODEC_CAPDU_MAX];
    for (size_t i = 0; i < N_VECTORS; i++) {
        built b = build(&vectors[i]);
        codec_capdu a, again;
        cr_assert_eq(codec_capdu_decode(b.bytes, b.len, &a), CODEC_APDU_OK);

        /* Same form as decoded: the very same bytes. */
        size_t n = codec_capdu_encode(&a, codec_capdu_is_extended(&a), enc, sizeof enc);
        cr_assert_eq(n, b.len, "%s: encoded %zu bytes, want %zu", vectors[i].name, n, b.len);
        cr_assert_eq(memcmp(enc, b.bytes, n), 0, "%s: bytes differ", vectors[i].name);

        /* Preferred form: short whenever it fits, same fields. */
        n = codec_capdu_encode(&a, false, enc, sizeof enc);
        cr_assert_gt(n, 0);
        cr_assert_eq(codec_capdu_decode(enc, n, &again), CODEC_APDU_OK);
        cr_assert_eq(again.lc, a.lc, "%s", vectors[i].name);
        cr_assert_eq(again.ne, a.ne, "%s", vectors[i].name);
        cr_assert_eq(codec_capdu_is_extended(&again), a.lc > 255 || a.ne > 256,
                     "%s: short form expected when it fits", vectors[i].name);
        if (a.lc)
            cr_assert_eq(memcmp(again.data, a.data, a.lc), 0);
        free(b.bytes);
    }
}

/* Encodes fields and compares with the expected hex. */
static void expect_encoding(size_t lc, size_t ne, bool force, const char *want_hex)
{
    static const uint8_t data[300] = {0x01, 0x02, 0x03};
    uint8_t want[320], got[320];
    codec_capdu a = {.cla = 0x00, .ins = 0xB0, .p1 = 0x01, .p2 = 0x02, .lc = lc, .ne = ne};
    a.data = lc ? data : NULL;
    size_t wn = hex_into(want_hex, want, sizeof want);
    size_t n = codec_capdu_encode(&a, force, got, sizeof got);
    cr_assert_eq(n, wn, "lc %zu ne %zu: %zu bytes, want %zu", lc, ne, n, wn);
    cr_assert_eq(memcmp(got, want, n), 0, "lc %zu ne %zu: bytes differ", lc, ne);
}

Test(capdu_encode, chooses_form)
{
    expect_encoding(0, 0, false, "00 B0 01 02");
    expect_encoding(0, 0, true, "00 B0 01 02"); /* case 1 has no extended form */
    expect_encoding(0, 256, false, "00 B0 01 02 00");
    expect_encoding(0, 255, false, "00 B0 01 02 FF");
    expect_encoding(0, 257, false, "00 B0 01 02 00 01 01");
    expect_encoding(0, 65536, false, "00 B0 01 02 00 00 00");
    expect_encoding(0, 256, true, "00 B0 01 02 00 01 00");
    expect_encoding(3, 0, false, "00 B0 01 02 03 01 02 03");
    expect_encoding(3, 0, true, "00 B0 01 02 00 00 03 01 02 03");
    expect_encoding(3, 256, false, "00 B0 01 02 03 01 02 03 00");
    expect_encoding(3, 65536, false, "00 B0 01 02 00 00 03 01 02 03 00 00");
    expect_encoding(3, 1, true, "00 B0 01 02 00 00 03 01 02 03 00 01");
}

Test(capdu_encode, long_data_goes_extended)
{
    static const uint8_t data[256];
    uint8_t out[300];
    codec_capdu a = {.ins = 0xD6, .data = data, .lc = 256};
    size_t n = codec_capdu_encode(&a, false, out, sizeof out);
    cr_assert_eq(n, 4 + 3 + 256);
    cr_assert_eq(out[4], 0x00);
    cr_assert_eq(out[5], 0x01);
    cr_assert_eq(out[6], 0x00);
}

Test(capdu_encode, refuses_what_cannot_be_encoded)
{
    static const uint8_t data[4];
    static uint8_t out[CODEC_CAPDU_MAX + 8];
    codec_capdu a = {.ins = 0xD6, .data = data, .lc = 65536};
    cr_assert_eq(codec_capdu_encode(&a, false, out, sizeof out), 0, "lc > 65535");
    a = (codec_capdu){.ins = 0xB0, .ne = 65537};
    cr_assert_eq(codec_capdu_encode(&a, false, out, sizeof out), 0, "ne > 65536");
    a = (codec_capdu){.ins = 0xD6, .data = NULL, .lc = 2};
    cr_assert_eq(codec_capdu_encode(&a, false, out, sizeof out), 0, "lc without data");
}

Test(capdu_encode, overflow_returns_zero_and_stays_in_bounds)
{
    for (size_t i = 0; i < N_VECTORS; i++) {
        built b = build(&vectors[i]);
        if (b.len > 600) { /* the large ones only add time */
            free(b.bytes);
            continue;
        }
        codec_capdu a;
        cr_assert_eq(codec_capdu_decode(b.bytes, b.len, &a), CODEC_APDU_OK);
        bool ext = codec_capdu_is_extended(&a);
        for (size_t cap = 0; cap < b.len; cap++) {
            uint8_t *out = malloc(cap ? cap : 1); /* exact size: ASan catches a write past it */
            cr_assert_not_null(out);
            cr_assert_eq(codec_capdu_encode(&a, ext, cap ? out : NULL, cap), 0,
                         "%s: cap %zu of %zu accepted", vectors[i].name, cap, b.len);
            free(out);
        }
        uint8_t *out = malloc(b.len);
        cr_assert_eq(codec_capdu_encode(&a, ext, out, b.len), b.len);
        free(out);
        free(b.bytes);
    }
}

Test(capdu, case_names)
{
    cr_assert_str_eq(codec_apdu_case_name(CODEC_CASE_1), "1");
    cr_assert_str_eq(codec_apdu_case_name(CODEC_CASE_2S), "2S");
    cr_assert_str_eq(codec_apdu_case_name(CODEC_CASE_3S), "3S");
    cr_assert_str_eq(codec_apdu_case_name(CODEC_CASE_4S), "4S");
    cr_assert_str_eq(codec_apdu_case_name(CODEC_CASE_2E), "2E");
    cr_assert_str_eq(codec_apdu_case_name(CODEC_CASE_3E), "3E");
    cr_assert_str_eq(codec_apdu_case_name(CODEC_CASE_4E), "4E");
    cr_assert_str_eq(codec_apdu_case_name((codec_apdu_case)99), "?");
}

Test(rapdu, splits_data_and_sw)
{
    const uint8_t resp[] = {0x6F, 0x03, 0x84, 0x01, 0xA0, 0x90, 0x00};
    codec_rapdu r;
    cr_assert(codec_rapdu_decode(resp, sizeof resp, &r));
    cr_assert_eq(r.data, resp);
    cr_assert_eq(r.len, 5);
    cr_assert_eq(r.sw, 0x9000);

    const uint8_t sw_only[] = {0x63, 0xC2};
    cr_assert(codec_rapdu_decode(sw_only, 2, &r));
    cr_assert_eq(r.len, 0);
    cr_assert_eq(r.sw, 0x63C2);

    memset(&r, 0xC5, sizeof r);
    codec_rapdu before = r;
    cr_assert_not(codec_rapdu_decode(sw_only, 1, &r));
    cr_assert_not(codec_rapdu_decode(NULL, 0, &r));
    cr_assert_eq(memcmp(&r, &before, sizeof r), 0, "out untouched on failure");
}

Test(sw, known_words_have_their_own_text)
{
    static const uint16_t known[] = {
        0x9000, 0x6200, 0x6281, 0x6282, 0x6283, 0x6284, 0x6285, 0x6286, 0x6300, 0x6381, 0x6400,
        0x6401, 0x6581, 0x6700, 0x6800, 0x6881, 0x6882, 0x6883, 0x6884, 0x6900, 0x6981, 0x6982,
        0x6983, 0x6984, 0x6985, 0x6986, 0x6987, 0x6988, 0x6A00, 0x6A80, 0x6A81, 0x6A82, 0x6A83,
        0x6A84, 0x6A85, 0x6A86, 0x6A87, 0x6A88, 0x6A89, 0x6A8A, 0x6B00, 0x6D00, 0x6E00, 0x6F00,
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        for (size_t j = i + 1; j < sizeof known / sizeof known[0]; j++)
            cr_assert_str_neq(codec_sw_describe(known[i]), codec_sw_describe(known[j]),
                              "%04X and %04X share a text", known[i], known[j]);
    cr_assert_str_eq(codec_sw_describe(0x6A82), "file or application not found");
    cr_assert_str_eq(codec_sw_describe(0x9000), "normal processing");
    cr_assert_str_eq(codec_sw_describe(0x6700), "wrong length");
    cr_assert_str_eq(codec_sw_describe(0x6982), "security status not satisfied");
    cr_assert_str_eq(codec_sw_describe(0x6983), "authentication method blocked");
}

Test(sw, numbered_and_unknown_words)
{
    cr_assert_str_eq(codec_sw_describe(0x6110), codec_sw_describe(0x6100));
    cr_assert_not_null(strstr(codec_sw_describe(0x6110), "GET RESPONSE"));
    cr_assert_not_null(strstr(codec_sw_describe(0x6C20), "Le"));
    cr_assert_str_eq(codec_sw_describe(0x63C0), codec_sw_describe(0x63CF));
    cr_assert_not_null(strstr(codec_sw_describe(0x63C2), "tries"));
    cr_assert_str_neq(codec_sw_describe(0x63C2), codec_sw_describe(0x6300));
    cr_assert_str_eq(codec_sw_describe(0x6A8F), "wrong parameters P1-P2", "6Axx fallback");
    cr_assert_str_eq(codec_sw_describe(0x9123), "proprietary status");
    cr_assert_str_eq(codec_sw_describe(0x0000), "invalid or unknown status word");
    cr_assert_str_eq(codec_sw_describe(0x6000), "invalid or unknown status word");
    cr_assert_str_eq(codec_sw_describe(0xFFFF), "invalid or unknown status word");
}
