/* Transport personality in-process: T=0 style (61xx + GET RESPONSE, 6Cxx), extended length on
 * and off, command chaining on and off. */
#include <stdio.h>

#include "card_test_util.h"

#define FILES                                                                                      \
    "files:\n  children:\n    - {fid: '0101', type: ef, size: 300,\n"                              \
    "       data_pattern: {start: 0, step: 1}, access: {update: always}}\n"

static void t0_setup(void)
{
    card = card_from_yaml("atr: 3B 00\ntransport: {protocol: t0, extended_length: false}\n" FILES);
}

static void plain_setup(void)
{
    card = card_from_yaml("atr: 3B 00\n" FILES);
}

TestSuite(t0, .init = t0_setup, .fini = card_teardown);
TestSuite(ref, .init = card_setup, .fini = card_teardown);
TestSuite(plain, .init = plain_setup, .fini = card_teardown);

Test(t0, select_answers_61xx_and_get_response_serves_it)
{
    uint16_t sw = send("00 A4 00 04 02 01 01 00");
    cr_assert_eq(sw & 0xFF00, 0x6100);
    cr_assert_eq(data_len(), 0);
    size_t n = sw & 0xFF;
    expect_sw("00 C0 00 00 02", 0x6100 | (uint16_t)(n - 2)); /* a part, more to come */
    cr_assert_eq(resp[0], 0x62);
    char cmd[32];
    snprintf(cmd, sizeof cmd, "00 C0 00 00 %02zX", n);
    expect_sw(cmd, (uint16_t)(0x6C00 | (n - 2))); /* more than is left */
    snprintf(cmd, sizeof cmd, "00 C0 00 00 %02zX", n - 2);
    expect_sw(cmd, 0x9000);
    cr_assert_eq(data_len(), n - 2);
    expect_sw("00 C0 00 00 01", 0x6985); /* nothing left */
}

Test(t0, wrong_le_gives_6cxx)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 01 20 00", 0x6C0C); /* 12 bytes left, Le 256 */
    expect_sw("00 B0 01 20 0C", 0x9000);
    cr_assert_eq(data_len(), 12);
    expect_sw("00 B0 00 00 10", 0x9000); /* a shorter Le is served */
}

Test(t0, another_command_drops_the_pending_response)
{
    cr_assert_eq(send("00 A4 00 04 02 01 01") & 0xFF00, 0x6100);
    expect_sw("00 B0 00 00 01", 0x9000);
    expect_sw("00 C0 00 00 01", 0x6985);
}

Test(t0, extended_length_off_gives_6700)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 00 00 00 01 00", 0x6700);
    expect_sw("00 A4 00 0C 00 00 02 01 01", 0x6700);
}

Test(plain, extended_length_on_and_chaining_off)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 00 00 00 01 2C", 0x9000);
    cr_assert_eq(data_len(), 300);
    expect_sw("10 D6 00 00 01 AA", 0x6884);
    expect_sw("00 C0 00 00 01", 0x6D00); /* T=1 style: no GET RESPONSE */
}

Test(ref, chaining_joins_the_data)
{
    expect_sw(VERIFY_USER, 0x9000);
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("10 D6 00 10 02 AA BB", 0x9000);
    expect_sw("10 D6 00 10 01 CC", 0x9000);
    expect_sw("00 D6 00 10 01 DD", 0x9000);
    expect_data("00 B0 00 10 04", "AA BB CC DD", 0x9000);
}

Test(ref, chain_broken_by_another_command_gives_6883)
{
    expect_sw(VERIFY_USER, 0x9000);
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("10 D6 00 10 02 AA BB", 0x9000);
    expect_sw("00 B0 00 10 02", 0x6883);
    expect_data("00 B0 00 10 02", "10 11", 0x9000); /* nothing was written */
    expect_sw("10 D6 00 10 01 AA", 0x9000);
    expect_sw("10 D6 00 11 01 BB", 0x6883); /* another header inside the chain */
}

Test(ref, reference_card_transport)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 00 00 00 01 00", 0x9000); /* extended */
    cr_assert_eq(data_len(), 256);
    expect_data("00 70 00 00 01", "01", 0x9000); /* channels */
}
