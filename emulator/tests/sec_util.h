/* Helpers shared by the security tests (test_pin.c, test_access.c): a card from the reference
 * profile or inline YAML, commands in hex, SW checks. */
#ifndef SEC_UTIL_H
#define SEC_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_apdu.h"
#include "codec_bytes.h"
#include "emu_card.h"
#include "emu_profile.h"

static emu_card *card;
static uint8_t resp[EMU_RESPONSE_MAX];
static size_t resp_len;

/* VERIFY data of the reference card's PINs (ASCII padded with FF to 8). */
#define USER_PIN "31 32 33 34 35 36 FF FF"
#define WRONG_PIN "31 32 33 34 35 37 FF FF"
#define PUK "31 32 33 34 35 36 37 38"
#define WRONG_PUK "31 32 33 34 35 36 37 39"
#define SO_PIN "38 37 36 35 34 33 32 31"
#define APP_PIN "43 21 FF FF FF FF FF FF" /* DF 5000's local PIN 81, BCD "4321" */
#define SELECT_APP "00 A4 04 0C 0C A0 00 00 09 99 53 44 54 45 53 54 01"

static emu_card *card_from_yaml(const char *yaml)
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

/* The refusal message of a profile that must not load. */
static void refused(const char *yaml, const char *part)
{
    emu_error err;
    emu_profile *p = emu_profile_load_buffer(yaml, strlen(yaml), "inline", NULL, &err);
    cr_assert_null(p, "profile accepted, expected a refusal mentioning '%s'", part);
    char msg[1200];
    emu_error_format(&err, msg, sizeof msg);
    cr_expect(strstr(msg, part) != NULL, "message '%s' does not mention '%s'", msg, part);
}

static void setup(void)
{
    emu_error err;
    emu_profile *p = emu_profile_load(SDEMU_DEFAULT_PROFILE, &err);
    if (!p) {
        char msg[1200];
        emu_error_format(&err, msg, sizeof msg);
        cr_assert_fail("profile refused: %s", msg);
    }
    card = emu_card_new(p);
    emu_profile_free(p);
    cr_assert_not_null(card);
    emu_card_power_on(card);
}

static void teardown(void)
{
    emu_card_free(card);
    card = NULL;
}

/* Sends a command written in hex to `c` (in an exact-size heap copy); returns the SW. */
static uint16_t send_to(emu_card *c, const char *hex)
{
    uint8_t tmp[CODEC_CAPDU_MAX];
    size_t len, pos;
    cr_assert(codec_hex_decode(hex, strlen(hex), tmp, sizeof tmp, &len, &pos), "bad hex: %s", hex);
    uint8_t *cmd = malloc(len ? len : 1);
    cr_assert_not_null(cmd);
    memcpy(cmd, tmp, len);
    resp_len = emu_card_transmit(c, cmd, len, resp, sizeof resp);
    free(cmd);
    cr_assert_geq(resp_len, 2);
    return (uint16_t)(resp[resp_len - 2] << 8 | resp[resp_len - 1]);
}

static size_t data_len(void)
{
    return resp_len - 2;
}

static void expect_on(emu_card *c, const char *hex, uint16_t sw)
{
    uint16_t got = send_to(c, hex);
    cr_expect_eq(got, sw, "%s: SW %04X, expected %04X", hex, got, sw);
    if (sw != 0x9000 && (sw & 0xFF00) != 0x6200)
        cr_expect_eq(data_len(), 0, "%s: error with data", hex);
}

static void expect_sw(const char *hex, uint16_t sw)
{
    expect_on(card, hex, sw);
}

#endif
