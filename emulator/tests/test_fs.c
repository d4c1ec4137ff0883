/* File system in-process: SELECT occurrences and templates, binary commands (SFI, odd INS,
 * offsets beyond 32767), CREATE / DELETE / ACTIVATE / DEACTIVATE / TERMINATE and the life
 * cycle, GET / PUT DATA. */
#include "card_test_util.h"

static const char *const fs_yaml =
    "atr: 3B 00\n"
    "data_objects:\n"
    "  - {tag: '5F20', value: '41 42', max_size: 4}\n"
    "  - {tag: '42', value: '01'}\n"
    "files:\n"
    "  access: {create: always, delete: always, activate: always, deactivate: always,\n"
    "           terminate: always, update: always, append: always}\n"
    "  children:\n"
    "    - {fid: '1000', type: ef, sfi: 7, size: 40000, data_pattern: {start: 0, step: 1},\n"
    "       access: {update: always, write: always, erase: always, delete: always,\n"
    "                deactivate: always, activate: always, terminate: always}}\n"
    "    - {fid: '6000', type: df, aid: 'A0 00 00 01 01'}\n"
    "    - {fid: '6100', type: df, aid: 'A0 00 00 01 02', label: 'two'}\n"
    "    - {fid: '6200', type: df, aid: 'A0 00 00 02'}\n";

static void fs_setup(void)
{
    card = card_from_yaml(fs_yaml);
}

TestSuite(fs, .init = fs_setup, .fini = card_teardown);

Test(fs, partial_df_name_first_next_last_previous)
{
    size_t l;
    expect_sw("00 A4 04 04 04 A0 00 00 01", 0x9000);
    cr_assert_eq(find_tag(0x83, &l)[0], 0x60);
    expect_sw("00 A4 04 06 04 A0 00 00 01", 0x9000); /* next */
    cr_assert_eq(find_tag(0x83, &l)[0], 0x61);
    expect_sw("00 A4 04 06 04 A0 00 00 01", 0x6A82); /* no third */
    expect_sw("00 A4 04 07 04 A0 00 00 01", 0x9000); /* previous */
    cr_assert_eq(find_tag(0x83, &l)[0], 0x60);
    expect_sw("00 A4 04 05 03 A0 00 00", 0x9000); /* last */
    cr_assert_eq(find_tag(0x83, &l)[0], 0x62);
    expect_sw("00 A4 00 06 02 10 00", 0x6A86); /* occurrence only with DF names */
}

Test(fs, templates_fcp_fci_fmd_none)
{
    size_t l;
    expect_sw("00 A4 00 04 02 10 00 00", 0x9000);
    cr_assert_eq(resp[0], 0x62);
    const uint8_t *v = find_tag(0x81, &l);
    cr_assert(v && l == 2 && v[0] == 0x9C && v[1] == 0x40);
    v = find_tag(0x8A, &l);
    cr_assert(v && l == 1 && v[0] == 0x05);
    v = find_tag(0x88, &l);
    cr_assert(v && v[0] == 7 << 3);
    expect_sw("00 A4 04 08 05 A0 00 00 01 02 00", 0x9000);
    cr_assert_eq(resp[0], 0x64);
    v = find_tag(0x50, &l);
    cr_assert(v && l == 3 && memcmp(v, "two", 3) == 0);
    expect_sw("00 A4 04 00 05 A0 00 00 01 02 00", 0x9000);
    cr_assert_eq(resp[0], 0x6F);
    cr_assert_not_null(find_tag(0x84, &l));
    cr_assert_not_null(find_tag(0x50, &l));
    expect_sw("00 A4 04 0C 05 A0 00 00 01 02", 0x9000);
    cr_assert_eq(data_len(), 0);
}

Test(fs, binary_update_write_erase_and_sfi)
{
    expect_sw("00 D6 87 02 02 AA BB", 0x9000); /* by SFI 7 */
    expect_data("00 B0 00 01 04", "01 AA BB 04", 0x9000);
    expect_sw("00 D0 00 01 01 05", 0x9000); /* WRITE ORs */
    expect_data("00 B0 00 01 01", "05", 0x9000);
    expect_sw("00 0E 00 01 02 00 03", 0x9000); /* ERASE 1..2 */
    expect_data("00 B0 00 00 04", "00 00 00 BB", 0x9000);
    expect_sw("00 D6 7F FF 01 00", 0x9000);
    expect_sw("00 D6 C7 00 01 00", 0x6A86); /* P1 b7-b6 with SFI */
    expect_sw("00 A4 00 0C 02 10 00", 0x9000);
    expect_sw("00 D6 00 00", 0x6700);
}

Test(fs, odd_ins_offsets_beyond_32767)
{
    /* READ BINARY B1, file 1000 by FID, offset 39998 in DO 54; data in DO 53 */
    expect_data("00 B1 10 00 04 54 02 9C 3E 00", "53 02 3E 3F", 0x6282);
    expect_data("00 B1 10 00 04 54 02 80 00 04", "53 02 00 01", 0x9000);
    expect_sw("00 B1 10 00 04 54 02 9C 40 00", 0x6B00);
    expect_sw("00 D7 00 07 09 54 02 80 00 53 03 01 02 03", 0x9000); /* by SFI 7 */
    expect_data("00 B1 00 00 04 54 02 80 00 05", "53 03 01 02 03", 0x9000);
    expect_sw("00 0F 00 00 08 54 02 80 00 54 02 80 02", 0x9000);
    expect_data("00 B1 00 00 04 54 02 80 00 05", "53 03 00 00 03", 0x9000);
    expect_sw("00 B1 00 00 03 53 01 00 05", 0x6A80);
    expect_sw("00 B1 77 77 04 54 02 00 00 05", 0x6A82);
}

Test(fs, create_delete_and_conflicts)
{
    /* EF 2001 transparent 8 bytes, SFI 9 */
    expect_sw("00 E0 00 00 0F 62 0D 82 01 01 83 02 20 01 80 01 08 88 01 48", 0x9000);
    expect_sw("00 D6 00 00 02 11 22", 0x9000); /* the new file is current */
    expect_data("00 B0 89 00 08", "11 22 00 00 00 00 00 00", 0x9000);
    expect_sw("00 E0 00 00 0F 62 0D 82 01 01 83 02 20 01 80 01 08 88 01 50", 0x6A89);
    /* a DF with a taken name */
    expect_sw("00 E0 00 00 0F 62 0D 82 01 38 83 02 30 00 84 04 A0 00 00 02", 0x6A8A);
    expect_sw("00 E0 00 00 10 62 0E 82 01 38 83 02 30 00 84 05 A0 00 00 03 01", 0x9000);
    /* a linear fixed EF inside it: 3 records of 4 bytes */
    expect_sw("00 E0 00 00 0D 62 0B 82 05 02 21 00 04 03 83 02 30 01", 0x9000);
    expect_sw("00 E2 00 00 04 01 02 03 04", 0x9000);
    expect_data("00 B2 01 04 04", "01 02 03 04", 0x9000);
    expect_sw("00 E0 00 00 03 61 01 00", 0x6A80);
    expect_sw("00 A4 00 0C 02 3F 00", 0x9000);
    expect_sw("00 E4 00 00 02 30 00", 0x9000); /* the DF and its EF */
    expect_sw("00 A4 08 0C 04 30 00 30 01", 0x6A82);
    expect_sw("00 A4 04 0C 05 A0 00 00 03 01", 0x6A82);
    expect_sw("00 E4 00 00 02 3F 00", 0x6985);
    expect_sw("00 E4 00 00 02 77 77", 0x6A82);
    expect_sw("00 A4 00 0C 02 20 01", 0x9000);
    expect_sw("00 E4 00 00", 0x9000); /* no data: the current file */
    expect_sw("00 A4 00 0C 02 20 01", 0x6A82);
}

Test(fs, life_cycle_respected)
{
    expect_sw("00 04 00 00 02 10 00", 0x9000); /* DEACTIVATE */
    expect_sw("00 A4 00 04 02 10 00", 0x6283);
    size_t l;
    cr_assert_eq(find_tag(0x8A, &l)[0], 0x04);
    expect_sw("00 B0 00 00 01", 0x6985);
    expect_sw("00 D6 00 00 01 00", 0x6985);
    expect_sw("00 44 00 00", 0x9000); /* ACTIVATE the current file */
    expect_sw("00 B0 00 00 01", 0x9000);
    expect_sw("00 E8 00 00", 0x9000); /* TERMINATE EF */
    expect_sw("00 A4 00 0C 02 10 00", 0x6285);
    expect_sw("00 B0 00 00 01", 0x6A81);
    expect_sw("00 44 00 00", 0x6A81); /* termination is final */
    expect_sw("00 E4 00 00", 0x9000); /* but the file can be deleted */
    expect_sw("00 A4 00 0C 02 3F 00", 0x9000);
    expect_sw("00 E6 00 00 02 62 00", 0x6982); /* the DF's own terminate rule: never */
}

Test(fs, get_and_put_data)
{
    expect_data("00 CA 5F 20 00", "41 42", 0x9000);
    expect_data("00 CA 00 42 00", "01", 0x9000);
    expect_sw("00 CA 5F 21 00", 0x6A88);
    expect_sw("00 CA 00 01 00", 0x6A86);
    expect_sw("00 CA 5F 20 01", 0x6C02);
    expect_sw("00 DA 5F 20 03 01 02 03", 0x9000);
    expect_data("00 CA 5F 20 00", "01 02 03", 0x9000);
    expect_sw("00 DA 5F 20 05 01 02 03 04 05", 0x6A84);
    expect_data("00 CB 3F FF 05 5C 03 5F 20 42 00", "5F 20 03 01 02 03 42 01 01", 0x9000);
    expect_sw("00 DB 3F FF 07 5F 20 01 09 42 01 07", 0x9000);
    expect_data("00 CB 3F FF 04 5C 02 5F 20 00", "5F 20 01 09", 0x9000);
    expect_sw("00 DB 3F FF 04 77 01 00 00", 0x6A88);
}

Test(fs, reference_card_get_data)
{
    emu_card *mine = card;
    card = card_reference();
    expect_data("00 CA 5F 20 00", "73 64 74 65 73 74", 0x9000);
    card_teardown();
    card = mine;
}
