/* Helpers shared by the file-system and transport tests: a card from the reference profile or
 * inline YAML, commands written in hex, the SW and data of the last response. */
#ifndef FS_TEST_UTIL_H
#define FS_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "codec_apdu.h"
#include "codec_bytes.h"
#include "emu_card.h"
#include "emu_profile.h"

static emu_card *card;
static uint8_t resp[EMU_RESPONSE_MAX];
static size_t resp_len;

static inline emu_card *card_from_yaml(const char *yaml)
{
    emu_error err;
    emu_profile *p = emu_profile_load_buffer(yaml, strlen(yaml), "inline", NULL, &err);
    if (!p) {
        char msg[1200];
        emu_error_format(&err, msg, sizeof msg);
        cr_assert_fail("profile refused: %s", msg);
    }
    emu_card *c = emu_card_new(p);
    emu_profile_free(p);
    cr_assert_not_null(c);
    emu_card_power_on(c);
    return c;
}

static inline emu_card *card_reference(void)
{
    emu_error err;
    emu_profile *p = emu_profile_load(SDEMU_DEFAULT_PROFILE, &err);
    cr_assert_not_null(p);
    emu_card *c = emu_card_new(p);
    emu_profile_free(p);
    cr_assert_not_null(c);
    emu_card_power_on(c);
    return c;
}

static inline void drop_card(void)
{
    emu_card_free(card);
    card = NULL;
}

/* Sends a command written in hex (in an exact-size heap copy); returns the SW. */
static inline uint16_t send(const char *hex)
{
    uint8_t *cmd = malloc(CODEC_CAPDU_MAX);
    size_t len, pos;
    cr_assert_not_null(cmd);
    cr_assert(codec_hex_decode(hex, strlen(hex), cmd, CODEC_CAPDU_MAX, &len, &pos), "bad hex: %s",
              hex);
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, cmd, len);
    free(cmd);
    resp_len = emu_card_transmit(card, copy, len, resp, sizeof resp);
    free(copy);
    cr_assert_geq(resp_len, 2);
    return (uint16_t)(resp[resp_len - 2] << 8 | resp[resp_len - 1]);
}

static inline size_t data_len(void)
{
    return resp_len - 2;
}

/* Sends and checks the SW; errors must carry no data. */
static inline void expect_sw(const char *hex, uint16_t sw)
{
    uint16_t got = send(hex);
    cr_assert_eq(got, sw, "%s: SW %04X, expected %04X", hex, got, sw);
    if ((sw & 0xFF00) != 0x9000 && (sw & 0xFF00) != 0x6200 && (sw & 0xFF00) != 0x6100)
        cr_assert_eq(data_len(), 0, "%s: error with data", hex);
}

/* Sends, checks the SW and the response data (hex). */
static inline void expect_data(const char *hex, const char *data_hex, uint16_t sw)
{
    uint8_t want[4096];
    size_t n, pos;
    cr_assert(codec_hex_decode(data_hex, strlen(data_hex), want, sizeof want, &n, &pos));
    expect_sw(hex, sw);
    cr_assert_eq(data_len(), n, "%s: %zu data bytes, expected %zu", hex, data_len(), n);
    cr_assert_arr_eq(resp, want, n, "%s: data differs", hex);
}

/* Finds a BER-TLV (one-byte tag and length) inside the template in resp. */
static inline const uint8_t *find_tag(uint8_t tag, size_t *len)
{
    cr_assert_geq(data_len(), 2);
    size_t off = 2, end = 2 + resp[1];
    cr_assert_leq(end, data_len());
    while (off + 2 <= end) {
        uint8_t t = resp[off], l = resp[off + 1];
        cr_assert_leq(off + 2 + l, end);
        if (t == tag) {
            *len = l;
            return &resp[off + 2];
        }
        off += 2 + (size_t)l;
    }
    return NULL;
}

#define VERIFY_USER "00 20 00 01 08 31 32 33 34 35 36 FF FF"
#define VERIFY_SO "00 20 00 03 08 38 37 36 35 34 33 32 31"

#endif
