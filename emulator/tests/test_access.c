/* Access rules in-process: enforcement (6982) and satisfaction on the reference card, local
 * PINs and the application switch, AND/OR expressions, defaults, the FCP security attributes
 * (tag AB), and the profile's access keys. */
#include "card_test_util.h"

TestSuite(access, .init = card_setup, .fini = card_teardown);

static void expect_ab(const char *select, const char *hex)
{
    uint8_t want[255];
    size_t want_len, pos;
    cr_assert(codec_hex_decode(hex, strlen(hex), want, sizeof want, &want_len, &pos));
    expect_sw(select, 0x9000);
    size_t len = 0;
    const uint8_t *ab = fcp_tag(0xAB, &len);
    cr_assert_not_null(ab, "%s: no AB in the FCP", select);
    char got[800];
    codec_hex_encode(ab, len, got, sizeof got);
    cr_expect(len == want_len && memcmp(ab, want, len) == 0, "%s: AB %s, expected %s", select, got,
              hex);
}

Test(access, read_always_needs_no_pin)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 00 00 10", 0x9000);
    expect_sw("00 B0 81 00 10", 0x9000);
}

Test(access, read_after_user_pin)
{
    expect_sw("00 A4 00 0C 02 01 02", 0x9000); /* selecting is always allowed */
    expect_sw("00 B0 00 00 10", 0x6982);
    expect_sw("00 B0 82 00 10", 0x6982); /* by SFI too */
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C2);
    expect_sw("00 B0 00 00 10", 0x6982);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 B0 00 00 10", 0x9000);
    cr_assert_eq(data_len(), 16);
    cr_assert_eq(resp[1], 7);
    expect_sw("00 B0 82 00 02", 0x9000);
}

Test(access, other_pins_do_not_satisfy_the_user_rule)
{
    expect_sw("00 20 00 02 08 " PUK, 0x9000);
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 10", 0x6982);
}

Test(access, local_pin_guards_the_applications_file)
{
    expect_sw(SELECT_APP, 0x9000);
    expect_sw("00 A4 02 0C 02 50 02", 0x9000);
    expect_sw("00 B0 00 00 00", 0x6982);
    expect_sw("00 20 00 81", 0x63C3);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000); /* a global PIN is not the local one */
    expect_sw("00 B0 00 00 00", 0x6982);
    expect_sw("00 20 00 81 08 " APP_PIN, 0x9000);
    expect_sw("00 B0 00 00 00", 0x6282);
    cr_assert_eq(data_len(), 12);
    cr_assert_arr_eq(resp, "local secret", 12);
}

Test(access, selecting_another_application_clears_the_local_pin)
{
    expect_sw(SELECT_APP, 0x9000);
    expect_sw("00 20 00 81 08 " APP_PIN, 0x9000);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    /* moving inside the application keeps it */
    expect_sw("00 A4 02 0C 02 50 01", 0x9000);
    expect_sw("00 A4 02 0C 02 50 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x9000);
    /* the MF is another application: the local PIN goes, the global one stays */
    expect_sw("00 A4 00 0C 00", 0x9000);
    expect_sw("00 20 00 01", 0x9000);
    expect_sw("00 20 00 81", 0x6A88); /* not visible from the MF */
    expect_sw(SELECT_APP, 0x9000);
    expect_sw("00 20 00 81", 0x63C3);
    expect_sw("00 A4 02 0C 02 50 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x6982);
}

Test(access, logout_of_the_local_pin)
{
    expect_sw(SELECT_APP, 0x9000);
    expect_sw("00 20 00 81 08 " APP_PIN, 0x9000);
    expect_sw("00 20 FF 81", 0x9000);
    expect_sw("00 20 00 81", 0x63C3);
}

Test(access, local_pin_encoding_is_bcd)
{
    expect_sw(SELECT_APP, 0x9000);
    expect_sw("00 20 00 81 08 43 2A FF FF FF FF FF FF", 0x6A80); /* not a digit */
    expect_sw("00 20 00 81 08 43 21 FF 00 FF FF FF FF", 0x6A80); /* bad padding */
    expect_sw("00 20 00 81 08 43 22 FF FF FF FF FF FF", 0x63C2);
    expect_sw("00 20 00 81 04 43 21 FF FF", 0x6700);
}

static const char *const rules_yaml =
    "atr: 3B 00\n"
    "files:\n"
    "  pins:\n"
    "    - {name: a, ref: 0x01, value: '1111', tries: 3}\n"
    "    - {name: b, ref: 0x02, value: '2222', tries: 3}\n"
    "    - {name: c, ref: 0x03, value: '3333', tries: 3}\n"
    "  children:\n"
    "    - {fid: '1000', type: ef, data: '01', access: {read: a and b or c}}\n"
    "    - {fid: '1001', type: ef, data: '01', access: {read: never}}\n"
    "    - {fid: '1002', type: ef, data: '01'}\n"
    "    - {fid: '1003', type: ef, data: '01', access: {read: 0x02}}\n";

Test(access, and_binds_before_or)
{
    emu_card *c = card_from_yaml(rules_yaml);
    expect_on(c, "00 A4 00 0C 02 10 00", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x6982);
    expect_on(c, "00 20 00 01 04 31 31 31 31", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x6982); /* a alone */
    expect_on(c, "00 20 00 02 04 32 32 32 32", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x9000); /* a and b */
    expect_on(c, "00 20 FF 01", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x6982); /* b alone */
    expect_on(c, "00 20 FF 02", 0x9000);
    expect_on(c, "00 20 00 03 04 33 33 33 33", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x9000); /* c */
    emu_card_free(c);
}

Test(access, never_always_default_and_references)
{
    emu_card *c = card_from_yaml(rules_yaml);
    for (int i = 1; i <= 3; i++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "00 20 00 0%d 04 3%d 3%d 3%d 3%d", i, i, i, i, i);
        expect_on(c, cmd, 0x9000);
    }
    expect_on(c, "00 A4 00 0C 02 10 01", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x6982); /* never, whatever is verified */
    expect_on(c, "00 A4 00 0C 02 10 02", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x9000); /* default read: always */
    expect_on(c, "00 A4 00 0C 02 10 03", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x9000); /* 0x02 verified */
    expect_on(c, "00 20 FF 02", 0x9000);
    expect_on(c, "00 B0 00 00 01", 0x6982);
    emu_card_free(c);
}

/* ---- FCP security attributes ---- */

/* read always | update user | deactivate, activate, terminate never | delete so | erase never
 * | append never; write never shares 3C with the life-cycle operations. */
Test(access, fcp_of_ef_0101)
{
    /* erase (INS 0E) needs the user PIN like update; append stays never */
    expect_ab("00 A4 00 04 02 01 01 00", "80 01 01 90 00"
                                         " 80 01 02 A4 06 83 01 01 95 01 08"
                                         " 80 01 3C 97 00"
                                         " 80 01 40 A4 06 83 01 03 95 01 08"
                                         " 84 01 0E A4 06 83 01 01 95 01 08"
                                         " 84 01 E2 97 00");
}

Test(access, fcp_of_ef_0102)
{
    expect_ab("00 A4 00 04 02 01 02 00", "80 01 03 A4 06 83 01 01 95 01 08"
                                         " 80 01 3C 97 00"
                                         " 80 01 40 A4 06 83 01 03 95 01 08"
                                         " 84 01 0E 97 00"
                                         " 84 01 E2 97 00");
}

Test(access, fcp_of_the_mf_and_the_application)
{
    /* DF: delete (40) and create (06) after SO; deactivate, activate, terminate never */
    expect_ab("00 A4 00 04 00", "80 01 46 A4 06 83 01 03 95 01 08 80 01 38 97 00");
    expect_ab("00 A4 04 04 0C A0 00 00 09 99 53 44 54 45 53 54 01 00",
              "80 01 40 A4 06 83 01 03 95 01 08 80 01 3E 97 00");
}

Test(access, fcp_and_or_templates)
{
    /* EF 5002: read app (81), update app AND user */
    expect_sw(SELECT_APP, 0x9000);
    expect_ab("00 A4 02 04 02 50 02 00",
              "80 01 01 A4 06 83 01 81 95 01 08"
              " 80 01 02 AF 10 A4 06 83 01 81 95 01 08 A4 06 83 01 01 95 01 08"
              " 80 01 7C 97 00 84 01 0E 97 00 84 01 E2 97 00");
    emu_card *c = card_from_yaml(rules_yaml);
    emu_card_free(card);
    card = c;
    expect_ab("00 A4 00 04 02 10 00 00",
              "80 01 01 A0 1A AF 10 A4 06 83 01 01 95 01 08 A4 06 83 01 02 95 01 08"
              " A4 06 83 01 03 95 01 08"
              " 80 01 7E 97 00 84 01 0E 97 00 84 01 E2 97 00");
    /* without access: read always, everything else never */
    expect_ab("00 A4 00 04 02 10 02 00",
              "80 01 01 90 00 80 01 7E 97 00 84 01 0E 97 00 84 01 E2 97 00");
}

/* ---- profile ---- */

Test(access, profile_refuses_bad_rules)
{
#define RULE_HEAD                                                                                  \
    "atr: 3B 00\n"                                                                                 \
    "files:\n"                                                                                     \
    "  pins: [{name: a, ref: 0x01, value: '1111', tries: 3}]\n"                                    \
    "  children:\n"                                                                                \
    "    - {fid: '1000', type: ef, access: %s}\n"
    static const struct {
        const char *access, *part;
    } cases[] = {
        {"{read: nobody}", "not a PIN"},
        {"{read: 0x05}", "not a PIN"},
        {"{read: a and}", "access rule"},
        {"{read: a nor a}", "expected 'and' or 'or'"},
        {"{read: a or a or a or a or a}", "alternatives"},
        {"{read: a and a and a and a and a}", "at most 4 PINs"},
        {"{reed: a}", "unknown key"},
        {"{read: ''}", "access rule"},
        {"always", "mapping"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml, RULE_HEAD, cases[i].access);
        refused(yaml, cases[i].part);
    }
    /* a local PIN is visible only in its DF and below */
    refused("atr: 3B 00\n"
            "files:\n"
            "  children:\n"
            "    - {fid: '5000', type: df, pins: [{name: l, ref: 0x81, value: '1111', tries: 3}]}\n"
            "    - {fid: '1000', type: ef, access: {read: l}}\n",
            "not a PIN");
}

/* ---- rules of the reference card on the other commands ---- */

Test(access, update_after_user_pin)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 D6 00 00 02 AA BB", 0x6982);
    expect_sw("00 B0 00 00 02", 0x9000);
    cr_assert_eq(resp[0], 0x00); /* unchanged */
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 D6 00 00 02 AA BB", 0x9000);
    expect_sw("00 B0 00 00 02", 0x9000);
    cr_assert_eq(resp[0], 0xAA);
    cr_assert_eq(resp[1], 0xBB);
    /* write is never allowed, whatever is verified */
    expect_sw("00 D0 00 00 01 01", 0x6982);
}

Test(access, so_pin_guards_creation_and_deletion)
{
    expect_sw("00 E0 00 00 09 62 07 82 01 38 83 02 60 00", 0x6982);
    expect_sw("00 E4 00 00 02 01 01", 0x6982);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000); /* the user PIN is not enough */
    expect_sw("00 E4 00 00 02 01 01", 0x6982);
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    expect_sw("00 E0 00 00 09 62 07 82 01 38 83 02 60 00", 0x9000);
    expect_sw("00 A4 00 0C 00", 0x9000);
    expect_sw("00 E4 00 00 02 01 01", 0x9000);
    expect_sw("00 A4 00 0C 02 01 01", 0x6A82);
    /* EF.DIR has no delete rule: never */
    expect_sw("00 E4 00 00 02 2F 00", 0x6982);
}
