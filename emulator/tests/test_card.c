/* The card OS in-process: SELECT, READ BINARY, class and length checks, power cycling. */
#include "card_test_util.h"

static const uint8_t app_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                  0x44, 0x54, 0x45, 0x53, 0x54, 0x01};

TestSuite(card, .init = card_setup, .fini = card_teardown);

Test(card, atr_is_the_profiles)
{
    static const uint8_t atr[] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xB4, 0x41, 0xDB, 0xD9};
    size_t len;
    const uint8_t *a = emu_card_atr(card, &len);
    cr_assert_eq(len, sizeof atr);
    cr_assert_arr_eq(a, atr, sizeof atr);
}

Test(card, select_mf_by_fid_and_empty_data)
{
    expect_sw("00 A4 00 0C 02 3F 00", 0x9000);
    cr_assert_eq(data_len(), 0);
    expect_sw("00 A4 00 0C", 0x9000);
    expect_sw("00 A4 00 04 00", 0x9000);
    cr_assert_eq(resp[0], 0x62);
    size_t l;
    const uint8_t *fid = find_tag(0x83, &l);
    cr_assert(fid && l == 2 && fid[0] == 0x3F && fid[1] == 0x00);
    const uint8_t *desc = find_tag(0x82, &l);
    cr_assert(desc && l == 1 && desc[0] == 0x38);
}

Test(card, select_ef_returns_fcp)
{
    expect_sw("00 A4 00 04 02 01 01 00", 0x9000);
    cr_assert_eq(resp[0], 0x62);
    size_t l;
    const uint8_t *size = find_tag(0x80, &l);
    cr_assert(size && l == 2 && size[0] == 0x01 && size[1] == 0x00, "size 256");
    const uint8_t *desc = find_tag(0x82, &l);
    cr_assert(desc && l == 1 && desc[0] == 0x01, "transparent working EF");
    const uint8_t *fid = find_tag(0x83, &l);
    cr_assert(fid && l == 2 && fid[0] == 0x01 && fid[1] == 0x01);
    const uint8_t *sfi = find_tag(0x88, &l);
    cr_assert(sfi && l == 1 && sfi[0] == (1 << 3));
    cr_assert_null(find_tag(0x84, &l));
}

Test(card, select_p2_00_returns_fci)
{
    expect_sw("00 A4 00 00 02 01 02 00", 0x9000);
    cr_assert_eq(resp[0], 0x6F);
    size_t l;
    const uint8_t *size = find_tag(0x80, &l);
    cr_assert(size && l == 2 && size[0] == 0x10 && size[1] == 0x00, "size 4096");
}

Test(card, select_without_le_still_returns_template)
{
    expect_sw("00 A4 00 04 02 01 01", 0x9000);
    cr_assert_eq(resp[0], 0x62);
}

Test(card, select_le_too_small_gives_6cxx_and_keeps_selection)
{
    uint16_t sw = send("00 A4 00 04 02 01 01 04");
    cr_assert_eq(sw & 0xFF00, 0x6C00);
    send("00 A4 00 04 02 01 01 00");
    cr_assert_eq(sw & 0xFF, data_len(), "6C gives the exact length");
    /* the 6Cxx'd SELECT of DF 5000 changed nothing: 0101 is still current */
    send("00 A4 01 04 02 50 00 01");
    expect_sw("00 B0 00 00 01", 0x9000);
    cr_assert_eq(resp[0], 0x00);
}

Test(card, select_p1_01_child_df_only)
{
    expect_sw("00 A4 01 04 02 50 00 00", 0x9000);
    size_t l;
    const uint8_t *name = find_tag(0x84, &l);
    cr_assert(name && l == sizeof app_aid);
    cr_assert_arr_eq(name, app_aid, sizeof app_aid);
    emu_card_reset(card);
    expect_sw("00 A4 01 0C 02 01 01", 0x6A82);
    expect_sw("00 A4 01 0C 01 50", 0x6700);
}

Test(card, select_p1_02_ef_only)
{
    expect_sw("00 A4 02 0C 02 01 01", 0x9000);
    expect_sw("00 A4 02 0C 02 50 00", 0x6A82);
    expect_sw("00 A4 02 0C 03 01 01 01", 0x6700);
}

Test(card, select_p1_03_parent)
{
    expect_sw("00 A4 03 0C", 0x6A82); /* the MF has no parent */
    expect_sw("00 A4 01 0C 02 50 00", 0x9000);
    expect_sw("00 A4 03 0C 02 3F 00", 0x6A87);
    expect_sw("00 A4 03 04 00", 0x9000);
    size_t l;
    const uint8_t *fid = find_tag(0x83, &l);
    cr_assert(fid && fid[0] == 0x3F && fid[1] == 0x00);
}

Test(card, select_parent_from_ef_goes_to_parent_of_current_df)
{
    expect_sw("00 A4 08 0C 04 50 00 50 01", 0x9000);
    expect_sw("00 A4 03 04 00", 0x9000);
    size_t l;
    const uint8_t *fid = find_tag(0x83, &l);
    cr_assert(fid && fid[0] == 0x3F && fid[1] == 0x00);
}

Test(card, select_by_aid)
{
    expect_sw("00 A4 04 00 0C A0 00 00 09 99 53 44 54 45 53 54 01 00", 0x9000);
    cr_assert_eq(resp[0], 0x6F);
    size_t l;
    cr_assert_not_null(find_tag(0x84, &l));
    expect_sw("00 A4 02 0C 02 50 01", 0x9000);
    expect_sw("00 B0 00 00 00", 0x6282);
    /* a partial DF name selects the first DF it starts (test_fs.c has more) */
    expect_sw("00 A4 04 0C 0B A0 00 00 09 99 53 44 54 45 53 54", 0x9000);
    expect_sw("00 A4 04 00 05 A0 00 00 09 98", 0x6A82);
    expect_sw("00 A4 04 00 11 A0 00 00 09 99 53 44 54 45 53 54 01 02 03 04 05 06", 0x6700);
}

Test(card, select_by_path_from_mf)
{
    expect_sw("00 A4 08 0C 04 50 00 50 01", 0x9000);
    expect_sw("00 B0 00 00 00", 0x6282);
    cr_assert_eq(data_len(), 33);
    cr_assert_arr_eq(resp, "Hello from the sdtest application", 33);
    expect_sw("00 A4 08 0C 02 01 02", 0x9000);
    expect_sw("00 A4 08 0C 04 3F 00 01 02", 0x6A82); /* the path leaves out 3F00 */
    expect_sw("00 A4 08 0C 03 50 00 50", 0x6700);
    expect_sw("00 A4 08 0C 04 01 01 01 01", 0x6A82); /* through an EF */
    expect_sw("00 A4 08 04 02 50 00 00", 0x9000);
    cr_assert_eq(resp[0], 0x62);
}

Test(card, select_by_path_from_current_df)
{
    expect_sw("00 A4 09 0C 02 50 01", 0x6A82);
    expect_sw("00 A4 00 0C 02 50 00", 0x9000);
    expect_sw("00 A4 09 0C 02 50 01", 0x9000);
    expect_sw("00 B0 00 00 05", 0x9000);
    cr_assert_arr_eq(resp, "Hello", 5);
}

Test(card, select_fid_reaches_parent_and_siblings)
{
    expect_sw("00 A4 00 0C 02 50 00", 0x9000);
    expect_sw("00 A4 00 0C 02 50 01", 0x9000); /* child of the current DF */
    expect_sw("00 A4 00 0C 02 01 02", 0x9000); /* child of the parent DF */
    expect_sw("00 A4 00 0C 02 50 00", 0x9000);
    expect_sw("00 A4 00 0C 02 3F 00", 0x9000); /* the MF from anywhere */
    expect_sw("00 A4 00 0C 02 50 01", 0x6A82); /* a grandchild is not reachable by FID */
}

Test(card, select_wrong_parameters)
{
    expect_sw("00 A4 05 0C 02 01 01", 0x6A86);
    expect_sw("00 A4 00 10 02 01 01", 0x6A86); /* P2 b8-b5 RFU */
    expect_sw("00 A4 00 02 02 01 01", 0x6A86); /* next occurrence */
    expect_sw("00 A4 00 0C 01 01", 0x6700);
    expect_sw("00 A4 00 0C 03 01 01 01", 0x6700);
    expect_sw("00 A4 00 0C 02 77 77", 0x6A82);
}

Test(card, failed_select_keeps_selection)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 A4 00 0C 02 77 77", 0x6A82);
    expect_sw("00 B0 00 05 01", 0x9000);
    cr_assert_eq(resp[0], 5);
}

Test(card, read_binary_offsets)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 00 00 00", 0x9000);
    cr_assert_eq(data_len(), 256);
    for (size_t i = 0; i < 256; i++)
        cr_assert_eq(resp[i], i);
    expect_sw("00 B0 00 10 10", 0x9000);
    cr_assert_eq(data_len(), 16);
    cr_assert_eq(resp[0], 0x10);
    cr_assert_eq(resp[15], 0x1F);
    expect_sw("00 20 00 01 08 31 32 33 34 35 36 FF FF", 0x9000); /* 0102: read after user PIN */
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 0F FF 01", 0x9000);
    cr_assert_eq(resp[0], (7 * 4095) % 256);
}

Test(card, read_binary_short_read_gives_6282)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 00 FA 10", 0x6282);
    cr_assert_eq(data_len(), 6);
    cr_assert_eq(resp[0], 0xFA);
    cr_assert_eq(resp[5], 0xFF);
}

Test(card, read_binary_offset_outside_gives_6b00)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 01 00 01", 0x6B00);
    expect_sw("00 B0 7F FF 01", 0x6B00);
    expect_sw("00 B0 00 FF 01", 0x9000);
}

Test(card, read_binary_extended_le)
{
    expect_sw("00 20 00 01 08 31 32 33 34 35 36 FF FF", 0x9000); /* 0102: read after user PIN */
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 00 10 00", 0x9000);
    cr_assert_eq(data_len(), 4096);
    for (size_t i = 0; i < 4096; i++)
        cr_assert_eq(resp[i], (7 * i) % 256);
    expect_sw("00 B0 00 00 00 00 00", 0x6282); /* Le 0000 = 65536: more than the file */
    cr_assert_eq(data_len(), 4096);
    expect_sw("00 B0 00 00 00 01 01", 0x9000);
    cr_assert_eq(data_len(), 257);
}

Test(card, read_binary_never_exceeds_response_max)
{
    emu_card *big = card_from_yaml("atr: 3B 00\n"
                                   "files:\n"
                                   "  children:\n"
                                   "    - {fid: '1000', type: ef, size: 65535,\n"
                                   "       data_pattern: {start: 3, step: 1}}\n");
    static const uint8_t sel[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x10, 0x00};
    static const uint8_t rd[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00};
    cr_assert_eq(send_raw(big, sel, sizeof sel), 0x9000);
    cr_assert_eq(send_raw(big, rd, sizeof rd), 0x9000);
    cr_assert_eq(resp_len, EMU_RESPONSE_MAX);
    cr_assert_eq(resp[65532], (3 + 65532) % 256);
    /* a smaller caller buffer bounds the response too */
    uint8_t small[10];
    size_t n = emu_card_transmit(big, rd, sizeof rd, small, sizeof small);
    cr_assert_eq(n, 10);
    cr_assert_eq(small[8], 0x90);
    emu_card_free(big);
}

Test(card, read_binary_by_sfi)
{
    expect_sw("00 B0 81 10 04", 0x9000);
    cr_assert_eq(resp[0], 0x10);
    expect_sw("00 20 00 01 08 31 32 33 34 35 36 FF FF", 0x9000); /* 0102: read after user PIN */
    expect_sw("00 B0 82 02 02", 0x9000);
    cr_assert_eq(resp[0], 14);
    cr_assert_eq(resp[1], 21);
    /* the file read by SFI became current */
    expect_sw("00 B0 00 03 01", 0x9000);
    cr_assert_eq(resp[0], 21);
    expect_sw("00 B0 9E 00 00", 0x6282); /* EF.DIR, shorter than 256 */
    cr_assert_eq(resp[0], 0x61);
    expect_sw("00 B0 85 00 01", 0x6A82);
    expect_sw("00 B0 83 00 01", 0x6981); /* SFI 3 is the record EF 0103 */
    expect_sw("00 B0 80 00 01", 0x6A86);
    expect_sw("00 B0 9F 00 01", 0x6A86);
    expect_sw("00 B0 A1 00 01", 0x6A86);
    expect_sw("00 B0 81 FF 02", 0x6282);
}

Test(card, ef_dir_lists_the_application)
{
    expect_sw("00 A4 00 0C 02 2F 00", 0x9000);
    expect_sw("00 B0 00 00 00", 0x6282);
    cr_assert_eq(resp[0], 0x61);
    /* the profile's template first; the card's PKCS#15 entry follows it (emu_p15.c) */
    cr_assert_eq(resp[1], 0x1A);
    cr_assert_eq(resp[2], 0x4F);
    cr_assert_eq(resp[3], sizeof app_aid);
    cr_assert_arr_eq(resp + 4, app_aid, sizeof app_aid);
    cr_assert_eq(resp[16], 0x50);
    cr_assert_eq(resp[17], 10);
    cr_assert_arr_eq(resp + 18, "sdtest app", 10);
}

Test(card, read_binary_without_current_ef_gives_6986)
{
    expect_sw("00 B0 00 00 01", 0x6986);
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 A4 00 0C 02 50 00", 0x9000); /* a DF ends the EF's selection */
    expect_sw("00 B0 00 00 01", 0x6986);
}

Test(card, read_binary_on_record_ef_gives_6981)
{
    emu_card *rec = card_from_yaml("atr: 3B 00\n"
                                   "files:\n"
                                   "  children:\n"
                                   "    - fid: '1001'\n"
                                   "      type: ef\n"
                                   "      structure: linear_fixed\n"
                                   "      sfi: 4\n"
                                   "      records: ['01 02', '03 04']\n");
    static const uint8_t sel[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x10, 0x01, 0x00};
    static const uint8_t rd[] = {0x00, 0xB0, 0x00, 0x00, 0x01};
    static const uint8_t rd_sfi[] = {0x00, 0xB0, 0x84, 0x00, 0x01};
    cr_assert_eq(send_raw(rec, sel, sizeof sel), 0x9000);
    size_t l;
    const uint8_t *desc = find_tag(0x82, &l);
    /* descriptor, data coding, record size on 2 bytes, number of records (7816-4 table 10) */
    cr_assert(desc && l == 5 && desc[0] == 0x02 && desc[2] == 0 && desc[3] == 2 && desc[4] == 2);
    cr_assert_eq(send_raw(rec, rd, sizeof rd), 0x6981);
    cr_assert_eq(send_raw(rec, rd_sfi, sizeof rd_sfi), 0x6981);
    emu_card_free(rec);
}

Test(card, read_binary_wrong_length)
{
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 00 00", 0x6700);          /* case 1: no Le */
    expect_sw("00 B0 00 00 01 00", 0x6700);    /* case 3: data */
    expect_sw("00 B0 00 00 01 00 10", 0x6700); /* case 4 */
}

Test(card, class_checks)
{
    expect_sw("80 A4 00 0C 02 01 01", 0x6E00);
    expect_sw("FF A4 00 0C 02 01 01", 0x6E00);
    expect_sw("A0 A4 00 0C 02 01 01", 0x6E00);
    expect_sw("20 A4 00 0C 02 01 01", 0x6E00);
    expect_sw("01 A4 00 0C 02 01 01", 0x6881);
    expect_sw("03 B0 00 00 01", 0x6881);
    expect_sw("40 A4 00 0C 02 01 01", 0x6881);
    expect_sw("4F A4 00 0C 02 01 01", 0x6881);
    expect_sw("04 A4 00 0C 02 01 01", 0x6882);
    expect_sw("0C A4 00 0C 02 01 01", 0x6882);
    expect_sw("60 A4 00 0C 02 01 01", 0x6882);
    /* a refused class changes nothing */
    expect_sw("00 B0 00 00 01", 0x6986);
    /* the reference card chains (test_transport.c); a chain part answers 9000 */
    expect_sw("10 A4 00 0C 02 01 01", 0x9000);
}

Test(card, unknown_instruction)
{
    expect_sw("00 00 00 00", 0x6D00);
    expect_sw("00 12 00 4F 00", 0x6D00);
    expect_sw("00 B4 00 00 00", 0x6D00);
    expect_sw("00 60 00 00", 0x6D00);
}

/* Valid commands of every case; each prefix that is not itself a valid APDU gets 6700. */
Test(card, truncated_commands_get_6700)
{
    static const char *valid[] = {
        "00 A4 00 0C 02 01 01",
        "00 A4 00 04 02 01 01 00",
        "00 A4 04 00 0C A0 00 00 09 99 53 44 54 45 53 54 01 00",
        "00 A4 08 0C 04 50 00 50 01",
        "00 B0 81 00 10",
        "00 B0 81 00 00 01 00",
        "00 A4 00 04 00 00 02 01 01 00 00",
        "00 A4 00 0C 00 00 02 01 01",
    };
    for (size_t v = 0; v < sizeof valid / sizeof valid[0]; v++) {
        uint8_t cmd[64];
        size_t len, pos;
        cr_assert(codec_hex_decode(valid[v], strlen(valid[v]), cmd, sizeof cmd, &len, &pos));
        emu_card_reset(card);
        uint16_t full = send_raw(card, cmd, len);
        cr_assert(full == 0x9000 || full == 0x6282, "%s: %04X", valid[v], full);
        for (size_t cut = 0; cut < len; cut++) {
            codec_capdu a;
            bool decodable = codec_capdu_decode(cmd, cut, &a) == CODEC_APDU_OK;
            uint16_t sw = send_raw(card, cmd, cut);
            if (cut < 4)
                cr_assert(!decodable);
            if (!decodable)
                cr_assert_eq(sw, 0x6700, "%s cut at %zu: %04X", valid[v], cut, sw);
        }
        /* with one more byte: the length fields no longer match */
        cmd[len] = 0x00;
        codec_capdu a;
        if (codec_capdu_decode(cmd, len + 1, &a) != CODEC_APDU_OK)
            cr_assert_eq(send_raw(card, cmd, len + 1), 0x6700, "%s + 1 byte", valid[v]);
    }
}

Test(card, short_prefixes_are_never_commands)
{
    expect_sw("", 0x6700);
    expect_sw("00", 0x6700);
    expect_sw("00 A4", 0x6700);
    expect_sw("00 A4 00", 0x6700);
    expect_sw("00 A4 00 0C 02 01", 0x6700); /* Lc 2, one byte */
    expect_sw("00 B0 00 00 00 10", 0x6700); /* half an extended Le */
}

Test(card, oversized_input_gets_6700)
{
    size_t len = CODEC_CAPDU_MAX + 1;
    uint8_t *cmd = calloc(1, len);
    cr_assert_not_null(cmd);
    cmd[1] = 0xA4;
    cmd[4] = 0x00;
    cmd[5] = 0xFF;
    cmd[6] = 0xFF;
    resp_len = emu_card_transmit(card, cmd, len, resp, sizeof resp);
    cr_assert_eq(resp_len, 2);
    cr_assert_eq(resp[0], 0x67);
    cr_assert_eq(resp[1], 0x00);
    /* the largest well-formed command is decoded and refused by SELECT's own rules */
    cr_assert_eq(send_raw(card, cmd, len - 1), 0x6700);
    free(cmd);
}

Test(card, power_cycle_resets_selection)
{
    expect_sw("00 A4 08 0C 04 50 00 50 01", 0x9000);
    emu_card_power_off(card);
    emu_card_power_on(card);
    expect_sw("00 B0 00 00 01", 0x6986);
    expect_sw("00 A4 09 0C 02 50 01", 0x6A82); /* the current DF is the MF again */

    expect_sw("00 A4 08 0C 04 50 00 50 01", 0x9000);
    emu_card_reset(card);
    expect_sw("00 B0 00 00 01", 0x6986);

    expect_sw("00 A4 08 0C 04 50 00 50 01", 0x9000);
    emu_card_power_off(card);
    expect_sw("00 B0 00 00 01", 0x6986); /* a transmit powers on implicitly */
}

Test(card, tiny_response_buffer)
{
    static const uint8_t sel[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x01, 0x01, 0x00};
    uint8_t small[2];
    cr_assert_eq(emu_card_transmit(card, sel, sizeof sel, small, 1), 0);
    size_t n = emu_card_transmit(card, sel, sizeof sel, small, sizeof small);
    cr_assert_eq(n, 2);
    cr_assert_eq(small[0], 0x67);
}
