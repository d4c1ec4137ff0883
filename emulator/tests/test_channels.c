/* Logical channels in-process: MANAGE CHANNEL open / close, per-channel current file and
 * record pointer, CLA encoding of channels 0-19. */
#include <stdio.h>

#include "card_test_util.h"

TestSuite(channels, .init = card_setup, .fini = card_teardown);

Test(channels, open_assigned_and_close)
{
    expect_data("00 70 00 00 01", "01", 0x9000);
    expect_data("00 70 00 00 01", "02", 0x9000);
    expect_data("00 70 00 00 01", "03", 0x9000);
    expect_sw("00 70 00 00 01", 0x6A81); /* 4 channels: none left */
    expect_sw("00 70 80 02", 0x9000);
    expect_sw("02 A4 00 0C 02 01 01", 0x6881); /* closed */
    expect_data("00 70 00 00 01", "02", 0x9000);
    expect_sw("00 70 80 00", 0x6A86); /* the basic channel stays */
    expect_sw("00 70 80 07", 0x6A86);
    expect_sw("03 70 80 00", 0x9000); /* P2 00: the channel of the command */
    expect_sw("03 B0 00 00 01", 0x6881);
    expect_sw("00 70 00 03", 0x9000); /* open a given channel */
    expect_sw("00 70 00 03", 0x6985); /* already open */
    expect_sw("00 70 00 04", 0x6A86); /* beyond the 4 channels */
    expect_sw("00 70 40 00", 0x6A86);
}

Test(channels, each_channel_has_its_current_file)
{
    expect_data("00 70 00 00 01", "01", 0x9000);
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("01 A4 08 0C 04 50 00 50 01", 0x9000);
    expect_data("00 B0 00 00 02", "00 01", 0x9000);
    expect_data("01 B0 00 00 05", "48 65 6C 6C 6F", 0x9000);
    /* record pointer per channel */
    expect_sw("00 A4 00 0C 02 01 03", 0x9000);
    expect_sw("01 A4 00 0C 02 3F 00", 0x9000);
    expect_sw("01 A4 00 0C 02 01 03", 0x9000);
    expect_sw("00 B2 00 01 10", 0x9000); /* last on channel 0 */
    expect_sw("01 B2 00 00 10", 0x9000); /* first on channel 1 */
    expect_sw("00 B2 00 04 10", 0x9000);
    cr_assert_eq(resp[0], 5);
    expect_sw("01 B2 00 04 10", 0x9000);
    cr_assert_eq(resp[0], 1);
}

Test(channels, opening_from_another_channel_inherits_its_df)
{
    expect_data("00 70 00 00 01", "01", 0x9000);
    expect_sw("01 A4 00 0C 02 50 00", 0x9000);
    expect_data("01 70 00 00 01", "02", 0x9000);
    expect_sw("02 A4 02 0C 02 50 01", 0x9000); /* 5000 is current there */
    expect_data("00 70 00 00 01", "03", 0x9000);
    expect_sw("03 A4 02 0C 02 50 01", 0x6A82); /* from the basic channel: the MF */
}

Test(channels, cla_encoding)
{
    static const char *const refused[] = {"04", "05", "06", "07", "08", "0F", "40", "4F", "41"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char cmd[32];
        snprintf(cmd, sizeof cmd, "%s A4 00 0C 02 01 01", refused[i]);
        uint16_t sw = send(cmd);
        cr_assert(sw == 0x6881 || sw == 0x6882, "%s: %04X", cmd, sw);
    }
    expect_sw("60 A4 00 0C 02 01 01", 0x6882); /* SM in the further class */
    emu_card *big = card_from_yaml("atr: 3B 00\ntransport: {channels: 20}\nfiles: {}\n");
    emu_card *ref = card;
    card = big;
    for (int n = 1; n < 20; n++) {
        char cmd[32];
        snprintf(cmd, sizeof cmd, "00 70 00 %02X", n);
        expect_sw(cmd, 0x9000);
        uint8_t cla = n < 4 ? (uint8_t)n : (uint8_t)(0x40 | (n - 4));
        snprintf(cmd, sizeof cmd, "%02X A4 00 04 00", cla);
        expect_sw(cmd, 0x9000);
        snprintf(cmd, sizeof cmd, "%02X A4 00 04 00", (uint8_t)(cla | 0x10));
        expect_sw(cmd, 0x6884); /* chaining off on this card */
    }
    card = ref;
    emu_card_free(big);
}

Test(channels, single_channel_card_refuses_manage_channel)
{
    emu_card *one = card_from_yaml("atr: 3B 00\nfiles: {}\n");
    emu_card *ref = card;
    card = one;
    expect_sw("00 70 00 00 01", 0x6881);
    card = ref;
    emu_card_free(one);
}
