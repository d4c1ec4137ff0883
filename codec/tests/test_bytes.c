/* Reader, writer and hex text: bounds, cursor rules, error positions. */
#include "codec_bytes.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

Test(reader, reads_big_endian_and_moves_cursor)
{
    const uint8_t buf[] = {0x12, 0x34, 0x56, 0x78};
    codec_reader r;
    uint8_t b;
    uint16_t v;
    const uint8_t *p;

    codec_reader_init(&r, buf, sizeof buf);
    cr_assert_eq(codec_reader_remaining(&r), 4);
    cr_assert(codec_read_u8(&r, &b));
    cr_assert_eq(b, 0x12);
    cr_assert(codec_read_u16be(&r, &v));
    cr_assert_eq(v, 0x3456);
    cr_assert(codec_read_bytes(&r, 1, &p));
    cr_assert_eq(p, buf + 3);
    cr_assert_eq(codec_reader_remaining(&r), 0);
    cr_assert(codec_read_bytes(&r, 0, &p), "reading nothing at the end succeeds");
    cr_assert_eq(p, buf + 4);
}

Test(reader, failed_reads_leave_cursor_and_output)
{
    const uint8_t buf[] = {0xAB};
    codec_reader r;
    uint8_t b = 0x5A;
    uint16_t v = 0x5A5A;
    const uint8_t *p = NULL;

    codec_reader_init(&r, buf, sizeof buf);
    cr_assert_not(codec_read_u16be(&r, &v));
    cr_assert_eq(v, 0x5A5A);
    cr_assert_eq(codec_reader_remaining(&r), 1);
    cr_assert_not(codec_read_bytes(&r, 2, &p));
    cr_assert_null(p);
    cr_assert_not(codec_read_bytes(&r, SIZE_MAX, &p), "huge n must not wrap around");
    cr_assert_eq(codec_reader_remaining(&r), 1);
    cr_assert(codec_read_u8(&r, &b));
    cr_assert_eq(b, 0xAB);
    b = 0x5A;
    cr_assert_not(codec_read_u8(&r, &b));
    cr_assert_eq(b, 0x5A);
    cr_assert_eq(r.off, 1);
}

Test(reader, empty_and_null)
{
    codec_reader r;
    uint8_t b;
    codec_reader_init(&r, NULL, 10);
    cr_assert_eq(codec_reader_remaining(&r), 0, "a NULL buffer has nothing to read");
    cr_assert_not(codec_read_u8(&r, &b));
}

Test(writer, writes_big_endian)
{
    uint8_t buf[5];
    const uint8_t src[] = {0xCA, 0xFE};
    codec_writer w;

    codec_writer_init(&w, buf, sizeof buf);
    cr_assert(codec_write_u8(&w, 0x01));
    cr_assert(codec_write_u16be(&w, 0x0203));
    cr_assert(codec_write_bytes(&w, src, 2));
    cr_assert(codec_write_bytes(&w, NULL, 0));
    cr_assert_eq(w.len, 5);
    cr_assert_not(w.overflow);
    const uint8_t want[] = {0x01, 0x02, 0x03, 0xCA, 0xFE};
    cr_assert_arr_eq(buf, want, 5);
}

Test(writer, overflow_writes_nothing_and_is_sticky)
{
    uint8_t buf[4];
    const uint8_t src[] = {1, 2, 3};
    codec_writer w;

    memset(buf, 0xEE, sizeof buf);
    codec_writer_init(&w, buf, 3);
    cr_assert(codec_write_u16be(&w, 0x1122));
    cr_assert_not(codec_write_u16be(&w, 0x3344), "2 bytes do not fit in the 1 left");
    cr_assert(w.overflow);
    cr_assert_eq(w.len, 2);
    cr_assert_eq(buf[2], 0xEE, "a failed write writes nothing");
    cr_assert_not(codec_write_u8(&w, 0x55), "after an overflow even a fitting write fails");
    cr_assert_eq(buf[2], 0xEE);
    cr_assert_not(codec_write_bytes(&w, src, 0));
    cr_assert_eq(w.len, 2);
    cr_assert_eq(buf[3], 0xEE, "nothing past cap is touched");
}

Test(writer, exact_fit_and_zero_capacity)
{
    uint8_t buf[2];
    codec_writer w;

    codec_writer_init(&w, buf, 2);
    cr_assert(codec_write_u16be(&w, 0xBEEF));
    cr_assert_not(w.overflow);
    cr_assert_not(codec_write_bytes(&w, buf, SIZE_MAX), "huge n must not wrap around");
    cr_assert(w.overflow);

    codec_writer_init(&w, NULL, 0);
    cr_assert(codec_write_bytes(&w, NULL, 0));
    cr_assert_not(codec_write_u8(&w, 1));
    cr_assert(w.overflow);
}

Test(hex, decodes_with_separators_and_case)
{
    uint8_t out[8];
    size_t n = 99, pos = 99;
    const char *t = "00 a4:04\t0C\r\n07 Ff";

    cr_assert(codec_hex_decode(t, strlen(t), out, sizeof out, &n, &pos));
    cr_assert_eq(n, 6);
    cr_assert_eq(pos, 99, "err_pos untouched on success");
    const uint8_t want[] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xFF};
    cr_assert_arr_eq(out, want, 6);

    cr_assert(codec_hex_decode("", 0, NULL, 0, &n, &pos));
    cr_assert_eq(n, 0);
    cr_assert(codec_hex_decode("  : ", 4, NULL, 0, &n, &pos));
    cr_assert_eq(n, 0);
    cr_assert(codec_hex_decode("0a0B", 4, out, 2, &n, &pos), "exact fit");
    cr_assert_eq(n, 2);
}

/* Each failure names the offset of the character at fault. */
static void expect_hex_error(const char *text, size_t cap, size_t want_pos)
{
    uint8_t out[8];
    size_t n = 77, pos = 999;
    cr_assert_not(codec_hex_decode(text, strlen(text), out, cap, &n, &pos), "'%s' accepted", text);
    cr_assert_eq(pos, want_pos, "'%s': error at %zu, want %zu", text, pos, want_pos);
    cr_assert_eq(n, 77, "out_len untouched on failure");
}

Test(hex, errors_report_their_position)
{
    expect_hex_error("0G", 8, 1);       /* bad second digit */
    expect_hex_error("G0", 8, 0);       /* bad first digit */
    expect_hex_error("00 11 x2", 8, 6); /* stray letter */
    expect_hex_error("001", 8, 2);      /* odd trailing digit */
    expect_hex_error("00 1", 8, 3);     /* odd trailing digit after a separator */
    expect_hex_error("0 0", 8, 1);      /* separator inside a pair */
    expect_hex_error("0-", 8, 1);       /* '-' is not a separator */
    expect_hex_error("00 11 22", 2, 6); /* first byte that does not fit */
    expect_hex_error("00", 0, 0);       /* nothing fits */
    expect_hex_error("0x00", 8, 1);     /* no 0x prefix */
}

Test(hex, embedded_nul_is_an_error)
{
    const char t[] = {'0', '0', '\0', '1', '1'};
    uint8_t out[4];
    size_t n, pos = 0;
    cr_assert_not(codec_hex_decode(t, sizeof t, out, sizeof out, &n, &pos));
    cr_assert_eq(pos, 2);
}

Test(hex, encode_full_and_truncated)
{
    const uint8_t in[] = {0x00, 0xA4, 0xFF};
    char out[16];

    memset(out, 'x', sizeof out);
    cr_assert_eq(codec_hex_encode(in, 3, out, sizeof out), 8);
    cr_assert_str_eq(out, "00 A4 FF");

    memset(out, 'x', sizeof out);
    cr_assert_eq(codec_hex_encode(in, 3, out, 9), 8, "exact fit including NUL");
    cr_assert_str_eq(out, "00 A4 FF");

    memset(out, 'x', sizeof out);
    cr_assert_eq(codec_hex_encode(in, 3, out, 5), 8);
    cr_assert_str_eq(out, "00 A");
    cr_assert_eq(out[5], 'x', "nothing written past cap");

    memset(out, 'x', sizeof out);
    cr_assert_eq(codec_hex_encode(in, 3, out, 1), 8);
    cr_assert_str_eq(out, "");
    cr_assert_eq(out[1], 'x');

    cr_assert_eq(codec_hex_encode(in, 3, NULL, 0), 8, "size query");
    cr_assert_eq(codec_hex_encode(in, 0, out, sizeof out), 0);
    cr_assert_str_eq(out, "");
}

Test(hex, round_trip)
{
    uint8_t in[256], back[256];
    char text[3 * 256];
    size_t n, pos;

    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)i;
    size_t need = codec_hex_encode(in, sizeof in, text, sizeof text);
    cr_assert_eq(need, 3 * 256 - 1);
    cr_assert(codec_hex_decode(text, need, back, sizeof back, &n, &pos));
    cr_assert_eq(n, 256);
    cr_assert_arr_eq(back, in, 256);
}
