/* PIN objects in-process: VERIFY (status query, logout, counters, blocking), CHANGE REFERENCE
 * DATA, RESET RETRY COUNTER, ENABLE/DISABLE VERIFICATION REQUIREMENT, encodings, persistence
 * order, GET CHALLENGE. */
#include "card_test_util.h"

/* The internal header gives the persistence hook and the PIN counters. */
#include "emu_card_internal.h"

TestSuite(pin, .init = card_setup, .fini = card_teardown);

/* ---- VERIFY ---- */

Test(pin, verify_correct_then_status_query_says_verified)
{
    expect_sw("00 20 00 01", 0x63C3);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 20 00 01", 0x9000);
}

Test(pin, wrong_pin_counts_down_and_blocks)
{
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C2);
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C1);
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C0);
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x6983);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x6983); /* blocked: even the right PIN */
    expect_sw("00 20 00 01", 0x6983);
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x6982);
    cr_assert_eq(card->pins.pins[0].tries_left, 0);
}

Test(pin, correct_pin_restores_the_counter)
{
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C2);
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C1);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 20 FF 01", 0x9000);
    expect_sw("00 20 00 01", 0x63C3);
}

Test(pin, wrong_pin_clears_the_status)
{
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C2);
    expect_sw("00 20 00 01", 0x63C2);
}

Test(pin, empty_verify_never_authenticates_nor_costs_a_try)
{
    for (int i = 0; i < 10; i++)
        expect_sw("00 20 00 01", 0x63C3);
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x6982);
    cr_assert_eq(card->pins.pins[0].tries_left, 3);
    /* with Le it is not a status query but a wrong length, and authenticates nothing */
    expect_sw("00 20 00 01 00", 0x6700);
    expect_sw("00 B0 00 00 01", 0x6982);
}

Test(pin, empty_verify_when_blocked_answers_6983_and_stays_blocked)
{
    for (int i = 0; i < 3; i++)
        send_to(card, "00 20 00 01 08 " WRONG_PIN);
    for (int i = 0; i < 5; i++)
        expect_sw("00 20 00 01", 0x6983);
    cr_assert_eq(card->pins.pins[0].tries_left, 0);
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x6982);
}

Test(pin, logout_with_p1_ff)
{
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x9000);
    expect_sw("00 20 FF 01 08 " USER_PIN, 0x6A87); /* logout takes no data */
    expect_sw("00 20 FF 01", 0x9000);
    expect_sw("00 B0 00 00 01", 0x6982);
    expect_sw("00 20 00 01", 0x63C3);
    expect_sw("00 20 FF 01", 0x9000); /* logging out twice is fine */
}

Test(pin, reset_and_power_off_clear_the_status)
{
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    emu_card_reset(card);
    expect_sw("00 20 00 01", 0x63C3);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    emu_card_power_off(card);
    emu_card_power_on(card);
    expect_sw("00 20 00 01", 0x63C3);
    /* the counter is non-volatile: a reset does not restore it */
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C2);
    emu_card_reset(card);
    expect_sw("00 20 00 01", 0x63C2);
}

Test(pin, verify_wrong_lengths_and_encodings_cost_no_try)
{
    expect_sw("00 20 00 01 07 31 32 33 34 35 36 FF", 0x6700);
    expect_sw("00 20 00 01 09 31 32 33 34 35 36 FF FF FF", 0x6700);
    expect_sw("00 20 00 01 08 31 32 33 34 35 36 00 FF", 0x6A80); /* bad padding */
    expect_sw("00 20 00 01 08 31 32 33 FF FF FF FF FF", 0x6A80); /* shorter than min_length */
    expect_sw("00 20 00 01 08 31 32 33 34 35 36 FF 31", 0x6A80); /* data after padding */
    expect_sw("00 20 00 01 08 31 32 33 34 35 06 FF FF", 0x6A80); /* not printable */
    expect_sw("00 20 00 01", 0x63C3);
    /* well formed but wrong: costs a try */
    expect_sw("00 20 00 01 08 31 32 33 34 FF FF FF FF", 0x63C2);
}

Test(pin, verify_references_and_parameters)
{
    expect_sw("00 20 00 05 08 " USER_PIN, 0x6A88); /* unknown global */
    expect_sw("00 20 00 81 08 " APP_PIN, 0x6A88);  /* local PIN of another DF */
    expect_sw("00 20 00 00 08 " USER_PIN, 0x6A86); /* no reference */
    expect_sw("00 20 00 21 08 " USER_PIN, 0x6A86); /* b6 set */
    expect_sw("00 20 01 01 08 " USER_PIN, 0x6A86);
    expect_sw("00 20 00 02", 0x63C5);
    expect_sw("00 20 00 03", 0x63C3);
    expect_sw("00 20 00 02 08 " PUK, 0x9000);
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
}

/* ---- persistence order ---- */

static uint8_t seen[16];
static size_t n_seen;
static bool persist_ok;

static bool record_counter(emu_card *c, void *ctx)
{
    (void)ctx;
    if (n_seen < sizeof seen)
        seen[n_seen++] = c->pins.pins[0].tries_left;
    return persist_ok;
}

Test(pin, counter_is_made_durable_before_the_comparison)
{
    card->persist = record_counter;
    persist_ok = true;
    n_seen = 0;
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C2);
    cr_assert_eq(n_seen, 1);
    cr_assert_eq(seen[0], 2); /* the decremented counter was written */
    n_seen = 0;
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    cr_assert_eq(n_seen, 2);
    cr_assert_eq(seen[0], 1); /* decremented before the compare ... */
    cr_assert_eq(seen[1], 3); /* ... restored after the match */
    n_seen = 0;
    expect_sw("00 20 00 01", 0x9000); /* a status query writes nothing */
    expect_sw("00 20 00 01 07 31 32 33 34 35 36 FF", 0x6700);
    cr_assert_eq(n_seen, 0);
}

Test(pin, failed_write_refuses_the_verification)
{
    card->persist = record_counter;
    persist_ok = false;
    n_seen = 0;
    expect_sw("00 20 00 01 08 " USER_PIN, 0x6581);
    cr_assert_eq(n_seen, 1);
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x6982);
    persist_ok = true;
    expect_sw("00 20 00 01", 0x63C2);
}

/* ---- CHANGE REFERENCE DATA ---- */

#define NEW_PIN "39 39 39 39 FF FF FF FF"

Test(pin, change_with_old_and_new)
{
    expect_sw("00 24 00 01 10 " USER_PIN " " NEW_PIN, 0x9000);
    expect_sw("00 20 00 01", 0x9000); /* the change verified the PIN */
    expect_sw("00 20 FF 01", 0x9000);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x63C2);
    expect_sw("00 20 00 01 08 " NEW_PIN, 0x9000);
}

Test(pin, change_with_wrong_old_counts_down_and_keeps_the_value)
{
    expect_sw("00 24 00 01 10 " WRONG_PIN " " NEW_PIN, 0x63C2);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
}

Test(pin, change_new_only_needs_the_pin_verified)
{
    expect_sw("00 24 01 01 08 " NEW_PIN, 0x6982);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 24 01 01 08 " NEW_PIN, 0x9000);
    expect_sw("00 20 00 01 08 " NEW_PIN, 0x9000);
}

Test(pin, change_checks_lengths_encodings_and_parameters)
{
    expect_sw("00 24 00 01 08 " USER_PIN, 0x6700);                            /* old only */
    expect_sw("00 24 00 01 10 " USER_PIN " 39 39 FF FF FF FF FF FF", 0x6A80); /* new too short */
    expect_sw("00 24 00 01 0F " USER_PIN " 39 39 39 39 FF FF FF", 0x6A80);
    expect_sw("00 24 00 01", 0x6700);
    expect_sw("00 24 02 01 10 " USER_PIN " " NEW_PIN, 0x6A86);
    expect_sw("00 24 00 09 10 " USER_PIN " " NEW_PIN, 0x6A88);
    expect_sw("00 20 00 01", 0x63C3); /* none of these cost a try */
}

Test(pin, change_of_a_blocked_pin_is_refused)
{
    for (int i = 0; i < 3; i++)
        send_to(card, "00 20 00 01 08 " WRONG_PIN);
    expect_sw("00 24 00 01 10 " USER_PIN " " NEW_PIN, 0x6983);
}

/* ---- RESET RETRY COUNTER ---- */

static void block_user_pin(void)
{
    for (int i = 0; i < 3; i++)
        send_to(card, "00 20 00 01 08 " WRONG_PIN);
    expect_sw("00 20 00 01", 0x6983);
}

Test(pin, reset_with_puk_only)
{
    block_user_pin();
    expect_sw("00 2C 01 01 08 " PUK, 0x9000);
    expect_sw("00 20 00 01", 0x63C3);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
}

Test(pin, reset_with_puk_and_new_pin)
{
    block_user_pin();
    expect_sw("00 2C 00 01 10 " PUK " " NEW_PIN, 0x9000);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x63C2);
    expect_sw("00 20 00 01 08 " NEW_PIN, 0x9000);
}

Test(pin, wrong_puk_counts_the_puk_down_and_leaves_the_pin_blocked)
{
    block_user_pin();
    expect_sw("00 2C 01 01 08 " WRONG_PUK, 0x63C4);
    expect_sw("00 2C 00 01 10 " WRONG_PUK " " NEW_PIN, 0x63C3);
    expect_sw("00 20 00 01", 0x6983);
    expect_sw("00 20 00 02", 0x63C3);
    expect_sw("00 2C 01 01 08 " PUK, 0x9000); /* restores the PUK counter too */
    expect_sw("00 20 00 02", 0x63C5);
}

Test(pin, blocked_puk_cannot_reset)
{
    block_user_pin();
    for (int i = 4; i >= 0; i--) {
        uint16_t sw = send_to(card, "00 2C 01 01 08 " WRONG_PUK);
        cr_assert_eq(sw, 0x63C0 | i);
    }
    expect_sw("00 2C 01 01 08 " PUK, 0x6983);
    expect_sw("00 20 00 02", 0x6983);
    expect_sw("00 20 00 01", 0x6983);
}

Test(pin, reset_without_code_needs_the_unblock_rule)
{
    block_user_pin();
    expect_sw("00 2C 03 01", 0x6982);
    expect_sw("00 2C 02 01 08 " NEW_PIN, 0x6982);
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    expect_sw("00 2C 03 01", 0x9000);
    expect_sw("00 20 00 01", 0x63C3);
    block_user_pin();
    expect_sw("00 2C 02 01 08 " NEW_PIN, 0x9000);
    expect_sw("00 20 00 01 08 " NEW_PIN, 0x9000);
}

Test(pin, reset_checks_parameters_and_lengths)
{
    expect_sw("00 2C 04 01", 0x6A86);
    expect_sw("00 2C 01 07 08 " PUK, 0x6A88);
    expect_sw("00 2C 01 02 08 " PUK, 0x6985); /* the PUK has no resetting code */
    expect_sw("00 2C 01 01", 0x6700);
    expect_sw("00 2C 00 01 08 " PUK, 0x6700);                 /* no new PIN */
    expect_sw("00 2C 00 01 0A " PUK " 39 39", 0x6A80);        /* new PIN not padded */
    expect_sw("00 2C 03 01 08 " NEW_PIN, 0x6700);             /* P1 03: no data */
    expect_sw("00 2C 02 01", 0x6700);                         /* P1 02: new PIN */
    expect_sw("00 2C 01 01 07 31 32 33 34 35 36 37", 0x6700); /* PUK too short */
    expect_sw("00 20 00 02", 0x63C5);
}

/* ---- ENABLE / DISABLE VERIFICATION REQUIREMENT ---- */

static const char *const toggle_yaml =
    "atr: 3B 00\n"
    "files:\n"
    "  pins:\n"
    "    - {name: user, ref: 0x01, value: '1234', tries: 3, disable_allowed: true}\n"
    "    - {name: fixed, ref: 0x02, value: '5678', tries: 3}\n"
    "  children:\n"
    "    - {fid: '1000', type: ef, data: '01 02', access: {read: user}}\n";

Test(pin, disable_and_enable_the_requirement)
{
    emu_card *c = card_from_yaml(toggle_yaml);
    expect_on(c, "00 A4 00 0C 02 10 00", 0x9000);
    expect_on(c, "00 B0 00 00 02", 0x6982);
    expect_on(c, "00 26 01 01", 0x6982);                /* no data: must be verified */
    expect_on(c, "00 26 00 01 04 39 39 39 39", 0x63C2); /* wrong PIN costs a try */
    expect_on(c, "00 26 00 01 04 31 32 33 34", 0x9000);
    expect_on(c, "00 20 FF 01", 0x9000);
    expect_on(c, "00 20 00 01", 0x9000); /* not required */
    expect_on(c, "00 B0 00 00 02", 0x9000);
    expect_on(c, "00 28 01 01", 0x6982);
    expect_on(c, "00 28 00 01 04 31 32 33 34", 0x9000);
    expect_on(c, "00 B0 00 00 02", 0x9000); /* verified by the ENABLE itself */
    expect_on(c, "00 20 FF 01", 0x9000);
    expect_on(c, "00 B0 00 00 02", 0x6982);
    expect_on(c, "00 20 00 01", 0x63C3);
    expect_on(c, "00 20 00 01 04 31 32 33 34", 0x9000);
    expect_on(c, "00 26 01 01", 0x9000);
    expect_on(c, "00 28 01 01", 0x9000);
    /* a PIN without disable_allowed stays required */
    expect_on(c, "00 26 00 02 04 35 36 37 38", 0x6985);
    expect_on(c, "00 26 02 01", 0x6A86);
    expect_on(c, "00 26 00 01", 0x6700);
    expect_on(c, "00 28 01 01 04 31 32 33 34", 0x6700);
    expect_on(c, "00 28 00 09 04 31 32 33 34", 0x6A88);
    emu_card_free(c);
}

/* ---- encodings ---- */

Test(pin, bcd_and_format2_encodings)
{
    emu_card *c = card_from_yaml("atr: 3B 00\n"
                                 "files:\n"
                                 "  pins:\n"
                                 "    - {ref: 0x01, value: '12345', encoding: bcd, tries: 3}\n"
                                 "    - {ref: 0x02, value: '123456', encoding: format2, tries: 3}\n"
                                 "    - {ref: 0x03, value: '2468', encoding: bcd, pad_to: 4,\n"
                                 "       pad_byte: 0xAA, tries: 3}\n");
    /* BCD unpadded: odd count ends with F */
    expect_on(c, "00 20 00 01 03 12 34 5F", 0x9000);
    expect_on(c, "00 20 00 01 03 12 3A 5F", 0x6A80); /* not a digit */
    expect_on(c, "00 20 00 01 03 12 34 5E", 0x6A80); /* bad filler */
    expect_on(c, "00 20 00 01 01 12", 0x6700);       /* shorter than 4 digits can be */
    /* format 2 PIN block */
    expect_on(c, "00 20 00 02 08 26 12 34 56 FF FF FF FF", 0x9000);
    expect_on(c, "00 20 00 02 08 26 12 34 57 FF FF FF FF", 0x63C2);
    expect_on(c, "00 20 00 02 08 36 12 34 56 FF FF FF FF", 0x6A80); /* control field */
    expect_on(c, "00 20 00 02 08 23 12 3F FF FF FF FF FF", 0x6A80); /* length 3 */
    expect_on(c, "00 20 00 02 08 26 12 34 56 FF FF FF F0", 0x6A80); /* filler */
    expect_on(c, "00 20 00 02 07 26 12 34 56 FF FF FF", 0x6700);
    /* BCD padded with AA */
    expect_on(c, "00 20 00 03 04 24 68 AA AA", 0x9000);
    expect_on(c, "00 20 00 03 04 24 68 FF FF", 0x6A80);
    emu_card_free(c);
}

Test(pin, bcd_value_with_odd_digits_verifies_only_with_its_own_length)
{
    emu_card *c = card_from_yaml("atr: 3B 00\n"
                                 "files:\n"
                                 "  pins:\n"
                                 "    - {ref: 0x01, value: '12345', encoding: bcd, tries: 3}\n");
    expect_on(c, "00 20 00 01 03 12 34 56", 0x63C2); /* 123456 is well formed, and wrong */
    expect_on(c, "00 20 00 01 02 12 34", 0x63C1);    /* 1234 is a prefix, still wrong */
    expect_on(c, "00 20 00 01 03 12 34 5F", 0x9000);
    emu_card_free(c);
}

/* ---- profile ---- */

Test(pin, profile_refuses_bad_pins)
{
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '12', tries: 3}\n",
            "min_length");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '12a4', encoding: bcd, "
            "tries: 3}\n",
            "digits");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '1234', tries: 16}\n", "tries");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x20, value: '1234', tries: 3}\n", "ref");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '1234'}\n", "tries");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '1234', tries: 3}\n"
            "    - {ref: 0x01, value: '5678', tries: 3}\n",
            "duplicate");
    refused("atr: 3B 00\nfiles:\n  children:\n    - fid: '5000'\n      type: df\n"
            "      pins: [{ref: 0x01, value: '1234', tries: 3}]\n",
            "global");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '1234', tries: 3, "
            "reset_by: nobody}\n",
            "reset_by");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '123456789', pad_to: 8, "
            "tries: 3}\n",
            "value");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '1234', tries: 3, "
            "colour: red}\n",
            "unknown key");
    refused("atr: 3B 00\nfiles:\n  children:\n    - {fid: '1000', type: ef, pins: []}\n", "pins");
    refused("atr: 3B 00\nfiles:\n  pins:\n    - {ref: 0x01, value: '1234', encoding: bcd, "
            "pad_to: 4, pad_byte: 0x00, tries: 3}\n",
            "pad_byte");
}

/* ---- GET CHALLENGE ---- */

Test(pin, get_challenge_lengths)
{
    uint8_t first[8];
    expect_sw("00 84 00 00 08", 0x9000);
    cr_assert_eq(data_len(), 8);
    memcpy(first, resp, 8);
    expect_sw("00 84 00 00 08", 0x9000);
    cr_assert(memcmp(first, resp, 8) != 0, "two challenges are equal");
    expect_sw("00 84 00 00 01", 0x9000);
    cr_assert_eq(data_len(), 1);
    expect_sw("00 84 00 00 00", 0x9000);
    cr_assert_eq(data_len(), 256);
    expect_sw("00 84 00 00 00 01 00", 0x9000); /* extended Le 256 */
    cr_assert_eq(data_len(), 256);
    expect_sw("00 84 00 00 00 01 01", 0x6700);
    expect_sw("00 84 00 00", 0x6700);
    expect_sw("00 84 00 00 01 00 08", 0x6700);
    expect_sw("00 84 01 00 08", 0x6A86);
    expect_sw("00 84 00 01 08", 0x6A86);
}

/* ---- deleted DFs take their PINs along ---- */

Test(pin, a_deleted_dfs_pins_do_not_come_back_with_a_new_df)
{
    emu_card *c = card_from_yaml("atr: 3B 00\n"
                                 "files:\n"
                                 "  access: {create: always, delete: always}\n"
                                 "  children:\n"
                                 "    - fid: '6000'\n"
                                 "      type: df\n"
                                 "      access: {delete: always}\n"
                                 "      pins: [{ref: 0x81, value: '1234', tries: 3}]\n");
    expect_on(c, "00 A4 00 0C 02 60 00", 0x9000);
    expect_on(c, "00 20 00 81 04 31 32 33 34", 0x9000);
    expect_on(c, "00 A4 00 0C 00", 0x9000);
    expect_on(c, "00 E4 00 00 02 60 00", 0x9000);
    /* a new DF in the freed slot, with the same FID */
    expect_on(c, "00 E0 00 00 09 62 07 82 01 38 83 02 60 00", 0x9000);
    expect_on(c, "00 A4 00 0C 02 60 00", 0x9000);
    expect_on(c, "00 20 00 81", 0x6A88);
    expect_on(c, "00 20 00 81 04 31 32 33 34", 0x6A88);
    emu_card_free(c);
}
