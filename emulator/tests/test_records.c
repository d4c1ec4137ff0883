/* Record commands in-process: READ RECORD(S), UPDATE / WRITE / APPEND / ERASE RECORD, SEARCH
 * RECORD, by number, current, first/last/next/previous and SFI; cyclic EFs; 6A83. */
#include <stdio.h>

#include "card_test_util.h"

static const char *const rec_yaml = "atr: 3B 00\n"
                                    "files:\n"
                                    "  children:\n"
                                    "    - {fid: '1001', type: ef, structure: linear_variable,\n"
                                    "       sfi: 5, record_size: 8, max_records: 4,\n"
                                    "       records: ['11', '22 22', '33 33 33'],\n"
                                    "       access: {update: always, write: always,\n"
                                    "                append: always, erase: always}}\n"
                                    "    - {fid: '1002', type: ef, structure: cyclic, sfi: 6,\n"
                                    "       record_size: 2, max_records: 3, records: ['A1 A1'],\n"
                                    "       access: {append: always}}\n"
                                    "    - {fid: '1003', type: ef, size: 4}\n";

static void rec_setup(void)
{
    card = card_from_yaml(rec_yaml);
}

TestSuite(records, .init = card_setup, .fini = card_teardown);
TestSuite(records2, .init = rec_setup, .fini = card_teardown);

Test(records, reference_ef_0103_five_records_of_byte_n)
{
    expect_sw("00 A4 00 0C 02 01 03", 0x9000);
    for (int n = 1; n <= 5; n++) {
        char cmd[32];
        snprintf(cmd, sizeof cmd, "00 B2 %02X 04 10", n);
        expect_sw(cmd, 0x9000);
        cr_assert_eq(data_len(), 16);
        for (int i = 0; i < 16; i++)
            cr_assert_eq(resp[i], n);
    }
    expect_sw("00 B2 06 04 10", 0x6A83);
    expect_sw("00 B2 FF 04 10", 0x6A86);
    expect_sw("00 B2 01 04 08", 0x6C10); /* Le shorter than the record */
    expect_sw("00 B2 01 04 00", 0x6282); /* Le 256: the record ends first */
    cr_assert_eq(data_len(), 16);
}

Test(records, by_sfi_makes_the_file_current)
{
    expect_sw("00 B2 02 1C 10", 0x9000); /* SFI 3, record 2 */
    cr_assert_eq(resp[0], 2);
    expect_sw("00 B2 04 04 10", 0x9000); /* now the current EF */
    cr_assert_eq(resp[0], 4);
    expect_sw("00 B2 01 0C 10", 0x6981); /* SFI 1 is transparent */
    expect_sw("00 B2 01 FC 10", 0x6A86); /* SFI 31 */
    expect_sw("00 B2 01 2C 10", 0x6A82); /* SFI 5: none */
}

Test(records, no_current_ef_and_transparent_ef)
{
    expect_sw("00 B2 01 04 10", 0x6986);
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B2 01 04 10", 0x6981);
}

Test(records, first_last_next_previous_and_current)
{
    expect_sw("00 A4 00 0C 02 01 03", 0x9000);
    expect_sw("00 B2 00 04 10", 0x6A83); /* no current record yet */
    expect_sw("00 B2 00 02 10", 0x9000); /* next without current: the first */
    cr_assert_eq(resp[0], 1);
    expect_sw("00 B2 00 02 10", 0x9000);
    cr_assert_eq(resp[0], 2);
    expect_sw("00 B2 00 04 10", 0x9000); /* current */
    cr_assert_eq(resp[0], 2);
    expect_sw("00 B2 00 01 10", 0x9000); /* last */
    cr_assert_eq(resp[0], 5);
    expect_sw("00 B2 00 02 10", 0x6A83); /* no next after the last of a linear EF */
    expect_sw("00 B2 00 03 10", 0x9000); /* previous */
    cr_assert_eq(resp[0], 4);
    expect_sw("00 B2 00 00 10", 0x9000); /* first */
    cr_assert_eq(resp[0], 1);
    expect_sw("00 B2 00 03 10", 0x6A83);
    expect_sw("00 B2 03 04 10", 0x9000); /* by number: the pointer stays on 1 */
    expect_sw("00 B2 00 04 10", 0x9000);
    cr_assert_eq(resp[0], 1);
    expect_sw("00 B2 06 00 10", 0x6A83); /* identifier 06: no record starts with 06... */
    expect_sw("00 B2 03 00 10", 0x9000); /* ...record 3 starts with 03 */
    cr_assert_eq(resp[1], 3);
    expect_sw("00 B2 00 04 10", 0x9000); /* and became current */
    cr_assert_eq(resp[0], 3);
}

Test(records, read_records_p1_to_last_and_last_to_p1)
{
    expect_sw("00 A4 00 0C 02 01 03", 0x9000);
    expect_sw("00 B2 04 05 00", 0x6282);
    cr_assert_eq(data_len(), 32);
    cr_assert_eq(resp[0], 4);
    cr_assert_eq(resp[16], 5);
    expect_sw("00 B2 04 06 00", 0x6282);
    cr_assert_eq(resp[0], 5);
    cr_assert_eq(resp[16], 4);
    expect_sw("00 B2 01 05 20", 0x9000); /* only whole records that fit */
    cr_assert_eq(data_len(), 32);
    expect_sw("00 B2 01 07 10", 0x6A86);
}

Test(records, update_needs_the_user_pin_and_exact_length)
{
    expect_sw("00 A4 00 0C 02 01 03", 0x9000);
    expect_sw("00 DC 02 04 10 AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA", 0x6982);
    expect_sw("00 E2 00 00 10 AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA", 0x6982);
    expect_sw(VERIFY_USER, 0x9000);
    expect_sw("00 DC 02 04 03 AA AA AA", 0x6700);
    expect_sw("00 DC 02 04 10 AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA", 0x9000);
    expect_data("00 B2 02 04 10", "AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA", 0x9000);
    expect_sw("00 DC 09 04 10 AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA", 0x6A83);
    expect_sw("00 DC 01 05 10 AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA", 0x6A86);
    /* append needs the user PIN too, and the file holds exactly its five records */
    expect_sw("00 E2 00 00 10 AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA", 0x6A84);
}

Test(records2, linear_variable_update_append_erase_write)
{
    expect_sw("00 A4 00 0C 02 10 01", 0x9000);
    expect_data("00 B2 02 04 00", "22 22", 0x6282);
    expect_sw("00 DC 02 04 05 01 02 03 04 05", 0x9000); /* a variable record changes length */
    expect_data("00 B2 02 04 05", "01 02 03 04 05", 0x9000);
    expect_sw("00 DC 02 04 09 01 02 03 04 05 06 07 08 09", 0x6700);
    expect_sw("00 E2 00 00 02 44 44", 0x9000);
    expect_data("00 B2 00 04 02", "44 44", 0x9000); /* the appended record is current */
    expect_sw("00 E2 00 00 01 55", 0x6A84);         /* max_records 4 */
    expect_sw("00 E2 01 00 01 55", 0x6A86);
    expect_sw("00 D2 01 04 01 F0", 0x9000); /* WRITE ORs */
    expect_data("00 B2 01 04 01", "F1", 0x9000);
    expect_sw("00 D2 01 04 02 F0 F0", 0x6700);
    expect_sw("00 0C 03 04", 0x9000); /* ERASE RECORD 3 */
    expect_data("00 B2 03 04 03", "00 00 00", 0x9000);
    expect_sw("00 0C 09 04", 0x6A83);
    expect_sw("00 0C 01 05", 0x9000); /* 1 to last */
    expect_data("00 B2 04 04 02", "00 00", 0x9000);
}

Test(records2, search_record)
{
    expect_sw("00 A2 01 2C 01 33", 0x9000); /* SFI 5, forward from 1 */
    expect_data("00 A2 01 2C 01 33", "03", 0x9000);
    expect_sw("00 E2 00 28 03 00 33 00", 0x9000); /* append by SFI */
    expect_data("00 A2 01 2C 01 33", "03 04", 0x9000);
    expect_data("00 A2 04 2D 01 33", "04 03", 0x9000); /* backward from 4 */
    expect_sw("00 A2 01 2C 01 99", 0x6A83);
    expect_sw("00 A2 01 2C", 0x6700);
    expect_sw("00 A2 01 2E 01 33", 0x6A86);
}

Test(records2, cyclic_newest_first)
{
    expect_sw("00 A4 00 0C 02 10 02", 0x9000);
    expect_sw("00 E2 00 00 02 B2 B2", 0x9000);
    expect_sw("00 E2 00 00 02 C3 C3", 0x9000);
    expect_data("00 B2 01 04 02", "C3 C3", 0x9000);
    expect_data("00 B2 03 04 02", "A1 A1", 0x9000);
    expect_sw("00 E2 00 00 02 D4 D4", 0x9000); /* full: the oldest goes */
    expect_data("00 B2 01 04 02", "D4 D4", 0x9000);
    expect_data("00 B2 03 04 02", "B2 B2", 0x9000);
    expect_sw("00 B2 04 04 02", 0x6A83);
    expect_sw("00 E2 00 00 01 D4", 0x6700); /* cyclic records have a fixed size */
    /* next wraps in a cyclic EF */
    expect_sw("00 B2 00 01 02", 0x9000);
    expect_data("00 B2 00 02 02", "D4 D4", 0x9000);
}
