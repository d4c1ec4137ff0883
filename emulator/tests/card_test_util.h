/* Helpers shared by the in-process card tests: a card from a profile file or inline YAML,
 * commands written in hex or as bytes (each sent in an exact-size heap copy, so ASan sees
 * over-reads), the SW and data of the last response, tags of an FCP, and the reference card's
 * PIN values. Every helper fails the running test when the card does not answer. */
#ifndef CARD_TEST_UTIL_H
#define CARD_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_apdu.h"
#include "codec_bytes.h"
#include "emu_card.h"
#include "emu_profile.h"

/* VERIFY data of the reference card's PINs (ASCII padded with FF to 8). */
#define USER_PIN "31 32 33 34 35 36 FF FF"
#define WRONG_PIN "31 32 33 34 35 37 FF FF"
#define PUK "31 32 33 34 35 36 37 38"
#define WRONG_PUK "31 32 33 34 35 36 37 39"
#define SO_PIN "38 37 36 35 34 33 32 31"
#define APP_PIN "43 21 FF FF FF FF FF FF" /* DF 5000's local PIN 81, BCD "4321" */
#define SELECT_APP "00 A4 04 0C 0C A0 00 00 09 99 53 44 54 45 53 54 01"
#define VERIFY_USER "00 20 00 01 08 " USER_PIN
#define VERIFY_SO "00 20 00 03 08 " SO_PIN

/* The card under test (the suite's setup makes it) and the last response. */
static emu_card *card;
static uint8_t resp[EMU_RESPONSE_MAX];
static size_t resp_len;

/* A powered card from a loaded profile; fails the test with the loader's message if p is NULL. */
static inline emu_card *card_from_profile(emu_profile *p, const emu_error *err)
{
    if (!p) {
        char msg[1200];
        emu_error_format(err, msg, sizeof msg);
        cr_assert_fail("profile refused: %s", msg);
    }
    emu_card *c = emu_card_new(p);
    emu_profile_free(p);
    cr_assert_not_null(c);
    emu_card_power_on(c);
    return c;
}

/* A powered card from the profile file at `path`. */
static inline emu_card *card_from_file(const char *path)
{
    emu_error err;
    emu_profile *p = emu_profile_load(path, &err);
    return card_from_profile(p, &err);
}

/* A powered card from inline YAML. */
static inline emu_card *card_from_yaml(const char *yaml)
{
    emu_error err;
    emu_profile *p = emu_profile_load_buffer(yaml, strlen(yaml), "inline", NULL, &err);
    return card_from_profile(p, &err);
}

/* A powered card from the reference profile. */
static inline emu_card *card_reference(void)
{
    return card_from_file(SDEMU_DEFAULT_PROFILE);
}

/* Suite setup and teardown: `card` is a fresh reference card for each test. */
static inline void card_setup(void)
{
    card = card_reference();
}

static inline void card_teardown(void)
{
    emu_card_free(card);
    card = NULL;
}

/* Checks that a profile is refused with a message mentioning `part`. */
static inline void refused(const char *yaml, const char *part)
{
    emu_error err;
    emu_profile *p = emu_profile_load_buffer(yaml, strlen(yaml), "inline", NULL, &err);
    cr_assert_null(p, "profile accepted, expected a refusal mentioning '%s'", part);
    char msg[1200];
    emu_error_format(&err, msg, sizeof msg);
    cr_expect(strstr(msg, part) != NULL, "message '%s' does not mention '%s'", msg, part);
}

/* Sends raw bytes to `c` (in an exact-size heap copy); returns the SW. */
static inline uint16_t send_raw(emu_card *c, const uint8_t *cmd, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    if (len)
        memcpy(copy, cmd, len);
    resp_len = emu_card_transmit(c, copy, len, resp, sizeof resp);
    free(copy);
    cr_assert_geq(resp_len, 2);
    return (uint16_t)(resp[resp_len - 2] << 8 | resp[resp_len - 1]);
}

/* Sends a command written in hex to `c`; returns the SW. */
static inline uint16_t send_to(emu_card *c, const char *hex)
{
    uint8_t *cmd = malloc(CODEC_CAPDU_MAX);
    size_t len, pos;
    cr_assert_not_null(cmd);
    cr_assert(codec_hex_decode(hex, strlen(hex), cmd, CODEC_CAPDU_MAX, &len, &pos), "bad hex: %s",
              hex);
    uint16_t sw = send_raw(c, cmd, len);
    free(cmd);
    return sw;
}

/* Sends a command written in hex to `card`; returns the SW. */
static inline uint16_t send(const char *hex)
{
    return send_to(card, hex);
}

/* The length of the last response's data (without the SW). */
static inline size_t data_len(void)
{
    return resp_len - 2;
}

/* Sends to `c` and checks the SW; only 90xx, 61xx and 62xx may carry data. */
static inline void expect_on(emu_card *c, const char *hex, uint16_t sw)
{
    uint16_t got = send_to(c, hex);
    cr_expect_eq(got, sw, "%s: SW %04X, expected %04X", hex, got, sw);
    if ((sw & 0xFF00) != 0x9000 && (sw & 0xFF00) != 0x6200 && (sw & 0xFF00) != 0x6100)
        cr_expect_eq(data_len(), 0, "%s: error with data", hex);
}

/* Sends to `card` and checks the SW. */
static inline void expect_sw(const char *hex, uint16_t sw)
{
    expect_on(card, hex, sw);
}

/* Sends to `card`, checks the SW and the response data (hex). */
static inline void expect_data(const char *hex, const char *data_hex, uint16_t sw)
{
    uint8_t want[4096];
    size_t n, pos;
    cr_assert(codec_hex_decode(data_hex, strlen(data_hex), want, sizeof want, &n, &pos));
    expect_sw(hex, sw);
    cr_assert_eq(data_len(), n, "%s: %zu data bytes, expected %zu", hex, data_len(), n);
    cr_assert_arr_eq(resp, want, n, "%s: data differs", hex);
}

/* Finds a BER-TLV (one-byte tag and length) inside the template in resp; NULL if absent. */
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

/* Like find_tag, in a response that must be an FCP template (62). */
static inline const uint8_t *fcp_tag(uint8_t tag, size_t *len)
{
    cr_assert_geq(data_len(), 2);
    cr_assert_eq(resp[0], 0x62);
    return find_tag(tag, len);
}

#endif
