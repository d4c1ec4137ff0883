/* The EF.ATR/INFO parser and the historical bytes that announce the file: well-formed,
 * malformed, truncated and oversized input (the connection-level tests are in test_engine.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "codec_bytes.h"
#include "px_atr.h"
#include "px_efatr.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t len = 0, pos = 0;
    cr_assert(codec_hex_decode(hex, strlen(hex), out, cap, &len, &pos), "hex at %zu", pos);
    return len;
}

static const px_efatr_info untouched = {7, 7, 7, 7, 7};

/* Parses hex; asserts the verdict; returns what came out. */
static px_efatr_info parse(const char *hex, bool ok)
{
    uint8_t b[2048];
    size_t n = unhex(hex, b, sizeof b);
    px_efatr_info info = untouched;
    cr_assert_eq(px_efatr_parse(b, n, &info), ok, "%s", hex);
    if (!ok)
        cr_assert(info.extended_length == 7 && info.chaining == 7 && info.logical_channels == 7 &&
                      info.max_command == 7 && info.max_response == 7,
                  "refused, yet written: %s", hex);
    return info;
}

#define FULL "47 03 B4 41 DB 7F 66 08 02 02 04 00 02 02 08 02"

Test(efatr_parse, capabilities_and_limits)
{
    px_efatr_info i = parse(FULL, true);
    cr_assert_eq(i.extended_length, 1);
    cr_assert_eq(i.chaining, 1);
    cr_assert_eq(i.logical_channels, 4);
    cr_assert_eq(i.max_command, 1024);
    cr_assert_eq(i.max_response, 2050);
}

Test(efatr_parse, what_is_not_said_stays_unknown)
{
    px_efatr_info i = parse("", true);
    cr_assert_eq(i.extended_length, -1);
    cr_assert_eq(i.chaining, -1);
    cr_assert_eq(i.logical_channels, -1);
    cr_assert_eq(i.max_command, 0);
    cr_assert_eq(i.max_response, 0);
    /* Card capabilities shorter than three bytes say nothing of the transport. */
    i = parse("47 02 B4 41", true);
    cr_assert_eq(i.extended_length, -1);
    /* b5-b4 00: no logical channels beyond the basic one, whatever b3-b1 say. */
    i = parse("47 03 00 00 07", true);
    cr_assert_eq(i.logical_channels, 1);
    cr_assert_eq(i.extended_length, 0);
}

Test(efatr_parse, other_objects_and_padding_are_skipped)
{
    px_efatr_info i =
        parse("43 01 98 5F 52 05 80 73 B4 41 DB 46 04 01 02 03 04 " FULL " 00 00 FF FF", true);
    cr_assert_eq(i.max_command, 1024);
    /* A third INTEGER in 7F66 (limits under secure messaging) is accepted and skipped. */
    i = parse("7F 66 0C 02 02 04 00 02 02 08 02 02 02 01 00", true);
    cr_assert_eq(i.max_response, 2050);
    /* Long-form lengths. */
    i = parse("7F 66 81 0A 02 03 00 FF FF 02 03 01 00 02", true);
    cr_assert_eq(i.max_command, 65535);
    cr_assert_eq(i.max_response, 65538);
}

Test(efatr_parse, malformed_is_refused)
{
    parse("47 05 B4 41 DB", false);                         /* value cut short */
    parse("47", false);                                     /* no length */
    parse("47 84 00 00 00 03 B4 41 DB", false);             /* length form too long */
    parse("5F", false);                                     /* tag cut short */
    parse(FULL " 00 47 03 B4 41 DB", false);                /* objects after padding */
    parse(FULL " 12", false);                               /* a stray byte */
    parse("7F 66 04 02 02 04 00", false);                   /* one limit only */
    parse("7F 66 08 04 02 04 00 02 02 08 02", false);       /* not an INTEGER */
    parse("7F 66 08 02 02 84 00 02 02 08 02", false);       /* negative */
    parse("7F 66 09 02 04 00 00 04 00 02 02 08 02", false); /* 4-byte INTEGER */
    parse("7F 66 07 02 01 10 02 02 08 02", false);          /* command limit 16 < 261 */
    parse("7F 66 08 02 02 04 00 02 02 00 FF", false);       /* response limit 255 < 258 */
    parse("7F 66 09 02 03 01 00 09 02 02 08 02", false);    /* command limit 65545 */
    parse("7F 66 06 02 00 02 02 08 02", false);             /* empty INTEGER */
    parse("7F 66 09 02 02 04 00 02 02 08 02 30", false);    /* junk after the INTEGERs */
}

/* Every prefix of a well-formed file: accepted or refused, never read beyond its end (the
 * sanitizer builds check the reads). The prefixes that end between objects are whole files. */
Test(efatr_parse, every_truncation)
{
    uint8_t b[64];
    size_t n = unhex("43 01 98 " FULL " 00 FF", b, sizeof b);
    for (size_t len = 0; len <= n; len++) {
        px_efatr_info info = untouched;
        bool ok = px_efatr_parse(b, len, &info);
        bool boundary = len == 0 || len == 3 || len == 8 || len >= 19;
        cr_assert_eq(ok, boundary, "prefix of %zu bytes", len);
    }
}

Test(efatr_parse, oversized_file)
{
    /* A file of PX_EFATR_MAX bytes of objects the parser skips, then nothing else. */
    static uint8_t b[PX_EFATR_MAX];
    for (size_t i = 0; i + 4 <= sizeof b; i += 4) {
        b[i] = 0x46;
        b[i + 1] = 0x02;
        b[i + 2] = (uint8_t)i;
        b[i + 3] = 0x55;
    }
    px_efatr_info info = untouched;
    cr_assert(px_efatr_parse(b, sizeof b, &info));
    /* Cut in the middle of an object: refused. */
    info = untouched;
    cr_assert_not(px_efatr_parse(b, sizeof b - 1, &info));
}

static px_atr_info atr(const char *hex)
{
    uint8_t b[64];
    size_t n = unhex(hex, b, sizeof b);
    px_atr_info a;
    cr_assert(px_atr_parse(b, n, &a), "%s", hex);
    return a;
}

Test(efatr_announce, by_the_historical_bytes)
{
    cr_assert(atr("3B 03 80 31 98").efatr, "card service data b5, READ BINARY");
    cr_assert_not(atr("3B 03 80 31 90").efatr, "READ RECORD access");
    cr_assert_not(atr("3B 03 80 31 88").efatr, "no BER-TLV in EF.ATR (b5 clear)");
    cr_assert(atr("3B 05 80 73 B4 41 7B").efatr, "card capabilities b6");
    cr_assert_not(atr("3B 85 80 01 80 73 B4 41 DB D9").efatr, "the reference card");
    cr_assert_not(atr("3B 00").efatr);
    /* Category 00 (status indicator last): the card service data is read from the TLV part. */
    cr_assert(atr("3B 06 00 31 98 00 90 00").efatr);
}

Test(efatr_announce, channel_assignment_bits)
{
    cr_assert_eq(atr("3B 05 80 73 B4 41 DB").logical_channels, 4);
    cr_assert_eq(atr("3B 05 80 73 B4 41 C3").logical_channels, 1, "b5-b4 00: no channels");
}
