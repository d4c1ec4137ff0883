/* BER-TLV tags and lengths: each form, truncations, refused forms, round trips. */
#include "codec_tlv.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A copy of src[0..n) in a heap buffer of exactly n bytes, so ASan sees any over-read. */
static uint8_t *exact(const uint8_t *src, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    cr_assert_not_null(p);
    if (n)
        memcpy(p, src, n);
    return p;
}

struct len_case {
    uint8_t enc[4];
    size_t n;
    size_t len;
};

static const struct len_case len_cases[] = {
    {{0x00}, 1, 0},
    {{0x7F}, 1, 127},
    {{0x81, 0x80}, 2, 128},
    {{0x81, 0xFF}, 2, 255},
    {{0x81, 0x05}, 2, 5}, /* non-minimal, accepted */
    {{0x82, 0x01, 0x00}, 3, 256},
    {{0x82, 0xFF, 0xFF}, 3, 65535},
};

Test(tlv, reads_each_length_form_and_every_prefix_fails)
{
    for (size_t c = 0; c < sizeof len_cases / sizeof len_cases[0]; c++) {
        const struct len_case *lc = &len_cases[c];
        for (size_t k = 0; k <= lc->n; k++) {
            uint8_t *buf = exact(lc->enc, k);
            codec_reader r;
            size_t len = 12345;
            codec_reader_init(&r, buf, k);
            bool ok = codec_ber_read_length(&r, &len);
            if (k == lc->n) {
                cr_assert(ok, "case %zu", c);
                cr_assert_eq(len, lc->len, "case %zu", c);
                cr_assert_eq(r.off, lc->n);
            } else {
                cr_assert_not(ok, "case %zu prefix %zu", c, k);
                cr_assert_eq(len, 12345);
                cr_assert_eq(r.off, 0);
            }
            free(buf);
        }
    }
}

Test(tlv, refuses_indefinite_and_long_length_forms)
{
    static const uint8_t bad[][6] = {
        {0x80}, {0x83, 0x00, 0x01, 0x00}, {0x84, 0, 0, 1, 0}, {0x85, 0, 0, 0, 1, 0}, {0xFF}};
    static const size_t n[] = {1, 4, 5, 6, 1};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        uint8_t *buf = exact(bad[i], n[i]);
        codec_reader r;
        size_t len = 7;
        codec_reader_init(&r, buf, n[i]);
        cr_assert_not(codec_ber_read_length(&r, &len), "form %02X", bad[i][0]);
        cr_assert_eq(len, 7);
        cr_assert_eq(r.off, 0);
        free(buf);
    }
}

struct tag_case {
    uint8_t enc[3];
    size_t n;
    uint32_t tag;
};

static const struct tag_case tag_cases[] = {
    {{0x5C}, 1, 0x5C},
    {{0x62}, 1, 0x62},
    {{0x5F, 0x2D}, 2, 0x5F2D},
    {{0x7F, 0x49}, 2, 0x7F49},
    {{0x9F, 0x81, 0x01}, 3, 0x9F8101},
};

Test(tlv, reads_each_tag_form_and_every_prefix_fails)
{
    for (size_t c = 0; c < sizeof tag_cases / sizeof tag_cases[0]; c++) {
        const struct tag_case *tc = &tag_cases[c];
        for (size_t k = 0; k <= tc->n; k++) {
            uint8_t *buf = exact(tc->enc, k);
            codec_reader r;
            uint32_t tag = 0xDEAD;
            codec_reader_init(&r, buf, k);
            bool ok = codec_ber_read_tag(&r, &tag);
            if (k == tc->n) {
                cr_assert(ok, "case %zu", c);
                cr_assert_eq(tag, tc->tag);
                cr_assert_eq(r.off, tc->n);
            } else {
                cr_assert_not(ok, "case %zu prefix %zu", c, k);
                cr_assert_eq(tag, 0xDEAD);
                cr_assert_eq(r.off, 0);
            }
            free(buf);
        }
    }
}

Test(tlv, refuses_padding_bytes_and_four_byte_tags)
{
    static const uint8_t bad[][4] = {{0x00}, {0xFF}, {0x9F, 0x81, 0x81, 0x01}, {0x1F, 0x80, 0x80}};
    static const size_t n[] = {1, 1, 4, 3};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        uint8_t *buf = exact(bad[i], n[i]);
        codec_reader r;
        uint32_t tag = 0xDEAD;
        codec_reader_init(&r, buf, n[i]);
        cr_assert_not(codec_ber_read_tag(&r, &tag), "case %zu", i);
        cr_assert_eq(tag, 0xDEAD);
        cr_assert_eq(r.off, 0);
        free(buf);
    }
}

Test(tlv, reads_whole_tlv_and_refuses_value_past_the_end)
{
    static const uint8_t enc[] = {0x61, 0x08, 0x4F, 0x02, 0xA0, 0x01, 0x50, 0x02, 0x41, 0x42};
    for (size_t k = 0; k <= sizeof enc; k++) {
        uint8_t *buf = exact(enc, k);
        codec_reader r;
        uint32_t tag = 0;
        const uint8_t *v = NULL;
        size_t len = 99;
        codec_reader_init(&r, buf, k);
        bool ok = codec_ber_read_tlv(&r, &tag, &v, &len);
        if (k == sizeof enc) {
            cr_assert(ok);
            cr_assert_eq(tag, 0x61);
            cr_assert_eq(len, 8);
            cr_assert_eq(v, buf + 2);
            cr_assert_eq(r.off, sizeof enc);
        } else {
            cr_assert_not(ok, "prefix %zu", k);
            cr_assert_eq(tag, 0);
            cr_assert_null(v);
            cr_assert_eq(len, 99);
            cr_assert_eq(r.off, 0);
        }
        free(buf);
    }
}

Test(tlv, writes_shortest_forms_and_round_trips)
{
    static const size_t lens[] = {0, 1, 127, 128, 255, 256, 4096, 65535};
    static const size_t sizes[] = {1, 1, 1, 2, 2, 3, 3, 3};
    static const uint32_t tags[] = {0x01, 0x5C, 0x8A, 0x5F2D, 0x7F49, 0x9F8101};
    static const size_t tag_sizes[] = {1, 1, 1, 2, 2, 3};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t buf[4];
        codec_writer w;
        codec_writer_init(&w, buf, sizeof buf);
        cr_assert(codec_ber_write_length(&w, lens[i]));
        cr_assert_eq(w.len, sizes[i], "length %zu", lens[i]);
        codec_reader r;
        size_t back = 0;
        codec_reader_init(&r, buf, w.len);
        cr_assert(codec_ber_read_length(&r, &back));
        cr_assert_eq(back, lens[i]);
        cr_assert_eq(codec_reader_remaining(&r), 0);
    }
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        uint8_t buf[4];
        codec_writer w;
        codec_writer_init(&w, buf, sizeof buf);
        cr_assert(codec_ber_write_tag(&w, tags[i]));
        cr_assert_eq(w.len, tag_sizes[i]);
        codec_reader r;
        uint32_t back = 0;
        codec_reader_init(&r, buf, w.len);
        cr_assert(codec_ber_read_tag(&r, &back));
        cr_assert_eq(back, tags[i]);
    }
}

Test(tlv, write_refuses_unencodable_and_never_half_writes)
{
    uint8_t buf[8] = {0};
    codec_writer w;
    codec_writer_init(&w, buf, sizeof buf);
    cr_assert_not(codec_ber_write_length(&w, 65536));
    cr_assert(w.overflow);
    cr_assert_eq(w.len, 0);

    codec_writer_init(&w, buf, sizeof buf);
    cr_assert_not(codec_ber_write_tag(&w, 0));
    cr_assert(w.overflow);
    codec_writer_init(&w, buf, sizeof buf);
    cr_assert_not(codec_ber_write_tag(&w, 0x1000000));
    cr_assert_eq(w.len, 0);

    codec_writer_init(&w, buf, 2);
    cr_assert_not(codec_ber_write_length(&w, 300), "82 01 2C needs 3 bytes");
    cr_assert_eq(w.len, 0);
    cr_assert(w.overflow);
}
