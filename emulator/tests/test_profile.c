/* The profile loader: the reference profile loads; each class of bad input is refused with the
 * right line:column and message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "emu_card.h"
#include "emu_profile.h"

#define HEAD "atr: 3B 00\n"

static emu_profile *load(const char *yaml, emu_error *err)
{
    memset(err, 0, sizeof *err);
    return emu_profile_load_buffer(yaml, strlen(yaml), "t.yaml", NULL, err);
}

/* Asserts that `yaml` is refused at line:column with a message containing `needle`. */
static void refused(const char *yaml, int line, int column, const char *needle)
{
    emu_error err;
    emu_profile *p = load(yaml, &err);
    char msg[1200];
    emu_error_format(&err, msg, sizeof msg);
    cr_assert_null(p, "accepted:\n%s", yaml);
    cr_expect_str_eq(err.file, "t.yaml");
    cr_expect_eq(err.line, line, "line %d, expected %d: %s", err.line, line, msg);
    cr_expect_eq(err.column, column, "column %d, expected %d: %s", err.column, column, msg);
    cr_expect(strstr(err.message, needle) != NULL, "message '%s' lacks '%s'", err.message, needle);
}

static emu_profile *accepted(const char *yaml)
{
    emu_error err;
    emu_profile *p = load(yaml, &err);
    if (!p) {
        char msg[1200];
        emu_error_format(&err, msg, sizeof msg);
        cr_assert_fail("refused: %s", msg);
    }
    return p;
}

Test(profile, reference_profile_loads)
{
    emu_error err;
    emu_profile *p = emu_profile_load(SDEMU_DEFAULT_PROFILE, &err);
    cr_assert_not_null(p, "%s:%d:%d: %s", err.file, err.line, err.column, err.message);
    cr_assert_str_eq(emu_profile_label(p), "sdtest reference card");
    cr_assert_str_eq(emu_profile_serial(p), "SDT0000001");
    size_t len;
    const uint8_t *atr = emu_profile_atr(p, &len);
    cr_assert_eq(len, 10);
    cr_assert_eq(atr[0], 0x3B);
    /* historical bytes: category 80, then compact-TLV 73 (card capabilities, 3 bytes) */
    cr_assert_eq(atr[4], 0x80);
    cr_assert_eq(atr[5], 0x73);
    cr_assert(atr[8] & 0x40, "extended Lc and Le");
    cr_assert_eq(atr[8] & 0x07, 3, "4 logical channels");
    emu_profile_free(p);
}

Test(profile, minimal_profile_and_optional_keys)
{
    emu_profile *p = accepted(HEAD "files: {}\n");
    cr_assert_null(emu_profile_label(p));
    cr_assert_null(emu_profile_serial(p));
    emu_profile_free(p);
}

Test(profile, not_yaml)
{
    refused("atr: [3B, 00\nfiles: {}\n", 3, 1, "not valid YAML");
    refused("\tatr: 3B 00\n", 1, 1, "not valid YAML");
}

/* libfyaml 0.7.12 never returns on "%\xff"; the loader checks the text first. */
Test(profile, invalid_utf8_and_nul, .timeout = 10)
{
    refused("atr: 3B 00\n%\xff\n", 2, 2, "invalid UTF-8");
    refused("%\xff", 1, 2, "invalid UTF-8");
    refused("label: \"\xc3\xa9\xc0\xaf\"\n", 1, 10, "invalid UTF-8");
    refused("label: \"\xed\xa0\x80\"\n", 1, 9, "invalid UTF-8");
    emu_error err;
    static const char nul[] = "atr: 3B 00\nfi\0les: {}\n";
    cr_assert_null(emu_profile_load_buffer(nul, sizeof nul - 1, "t.yaml", NULL, &err));
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.column, 3);
    cr_assert(strstr(err.message, "NUL"));
    emu_profile_free(
        accepted(HEAD "label: \"carte \xc3\xa9\xe2\x82\xac\xf0\x9f\x82\xa1\"\nfiles: {}\n"));
}

Test(profile, duplicate_yaml_key)
{
    refused(HEAD "atr: 3B 00\n", 2, 1, "duplicate key");
}

Test(profile, empty_and_non_mapping_documents)
{
    emu_error err;
    cr_assert_null(load("", &err));
    cr_assert_neq(err.message[0], '\0');
    refused("- 1\n- 2\n", 1, 3, "must be a mapping");
}

Test(profile, unknown_key)
{
    refused(HEAD "files:\n  fid: 3F00\n  colour: red\n", 4, 3, "unknown key 'colour'");
    refused(HEAD "files:\n  children:\n    - fid: '0101'\n      type: ef\n      dta: '00'\n", 6, 7,
            "unknown key 'dta'");
    refused("atr: 3B 00\nfile: {}\n", 2, 1, "unknown key 'file'");
}

Test(profile, bad_hex_points_at_the_character)
{
    refused("atr: \"3B 0G\"\nfiles: {}\n", 1, 11, "invalid character 'G'");
    refused("atr: 3B 0G\nfiles: {}\n", 1, 10, "invalid character 'G'");
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, data: '00 11 2x'}\n", 4, 45,
            "invalid character 'x'");
    refused("atr: 3B 0\nfiles: {}\n", 1, 9, "incomplete byte");
    refused(HEAD "files:\n  children:\n    - {fid: '01', type: ef}\n", 4, 14,
            "fid must be 2 bytes");
}

Test(profile, missing_key)
{
    refused("files: {}\n", 1, 1, "missing key 'atr'");
    refused(HEAD "label: x\n", 1, 1, "missing key 'files'");
    refused(HEAD "files:\n  children:\n    - type: ef\n      size: 3\n", 4, 7, "missing key 'fid'");
    refused(HEAD "files:\n  children:\n    - fid: '0101'\n      size: 3\n", 4, 7,
            "missing key 'type'");
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, data_pattern: {step: 1}}\n", 4,
            31, "data_pattern needs 'size'");
}

Test(profile, wrong_type)
{
    refused(HEAD "files:\n  children: x\n", 3, 13, "children must be a sequence");
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, sfi: abc}\n", 4, 36,
            "sfi must be an integer");
    refused(HEAD "files: [1]\n", 2, 9, "must be a mapping");
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: file}\n", 4, 27,
            "type must be 'df' or 'ef'");
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, structure: tree}\n", 4, 42,
            "structure must be");
    refused(HEAD "label: [a]\nfiles: {}\n", 2, 9, "label must be a scalar");
    refused(HEAD "files:\n  children:\n    - {fid: '5000', type: df, data: '00'}\n", 4, 31,
            "key 'data' is for EFs");
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, children: []}\n", 4, 31,
            "key 'children' is for DFs");
}

Test(profile, duplicates_among_siblings)
{
    refused(HEAD "files:\n"
                 "  children:\n"
                 "    - {fid: '0101', type: ef}\n"
                 "    - {fid: '0102', type: ef}\n"
                 "    - {fid: '0101', type: df}\n",
            6, 14, "duplicate fid 0101");
    refused(HEAD "files:\n"
                 "  children:\n"
                 "    - {fid: '0101', type: ef, sfi: 1}\n"
                 "    - {fid: '0102', type: ef, sfi: 1}\n",
            5, 36, "duplicate sfi 1");
    refused(HEAD "files:\n"
                 "  children:\n"
                 "    - {fid: '5000', type: df, aid: 'A0 00 01'}\n"
                 "    - {fid: '6000', type: df, children: [{type: df, aid: 'A00001'}]}\n",
            5, 59, "duplicate aid");
    /* the same FID in different DFs is fine */
    emu_profile *p = accepted(HEAD "files:\n"
                                   "  children:\n"
                                   "    - {fid: '0101', type: ef}\n"
                                   "    - {fid: '5000', type: df, children: [{fid: '0101', type: "
                                   "ef}]}\n");
    emu_profile_free(p);
}

Test(profile, reserved_fids)
{
    refused(HEAD "files:\n  children:\n    - {fid: '3F00', type: df}\n", 4, 14, "reserved");
    refused(HEAD "files:\n  children:\n    - {fid: '3FFF', type: ef}\n", 4, 14, "reserved");
    refused(HEAD "files: {fid: '3F01'}\n", 2, 15, "the MF's fid is 3F00");
    refused(HEAD "files:\n  children:\n    - {fid: '5000', type: df, children: [{fid: '5000', "
                 "type: ef}]}\n",
            4, 49, "equals its parent");
}

Test(profile, sizes_out_of_bounds)
{
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, size: 65536}\n", 4, 37,
            "size must be an integer from 0 to 65535");
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, sfi: 31}\n", 4, 36,
            "sfi must be an integer from 1 to 30");
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, size: 1, data: '00 01'}\n", 4,
            37, "smaller than the data");
    refused(HEAD "files:\n  children:\n    - {fid: '5000', type: df, aid: '"
                 "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10'}\n",
            4, 85, "too long (at most 16 bytes)");
    refused("atr: 3B 0F 00\nfiles: {}\n", 1, 6, "historical bytes truncated");
    refused("atr: 3B 80 80 01 00\nfiles: {}\n", 1, 6, "TCK does not match");
}

Test(profile, too_deep)
{
    char yaml[4096];
    int n = snprintf(yaml, sizeof yaml, HEAD "files:\n  children:\n");
    /* nine DF levels below the MF */
    for (int level = 0; level < 9; level++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n,
                      "%*s- fid: '%04X'\n%*s  type: df\n%*s  "
                      "children:\n",
                      4 + 4 * level, "", 0x5000 + level, 4 + 4 * level, "", 4 + 4 * level, "");
    snprintf(yaml + n, sizeof yaml - (size_t)n, "%*s- {fid: '0101', type: ef}\n", 40, "");
    refused(yaml, 4 + 3 * 8, 7 + 4 * 8, "nested deeper than 8");
}

Test(profile, too_many_files)
{
    static char yaml[64 * 1100];
    int n = snprintf(yaml, sizeof yaml, HEAD "files:\n  children:\n");
    for (int i = 0; i < 1024; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "    - {fid: '%04X', type: ef}\n",
                      0x1000 + i);
    refused(yaml, 4 + 1023, 8, "too many files (at most 1024)");
}

Test(profile, data_file_needs_a_file_and_must_be_readable)
{
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, data_file: blob.bin}\n", 4, 42,
            "data_file needs a profile loaded from a file");
    emu_error err;
    emu_profile *p = emu_profile_load(SDEMU_TEST_PROFILES "/missing_data_file.yaml", &err);
    cr_assert_null(p);
    cr_assert_str_eq(err.file, SDEMU_TEST_PROFILES "/missing_data_file.yaml");
    cr_assert_eq(err.line, 7);
    cr_assert_eq(err.column, 18);
    cr_assert(strstr(err.message, "cannot read data_file 'no-such-blob.bin'"), "%s", err.message);
}

Test(profile, data_file_loads_relative_to_the_profile)
{
    emu_error err;
    emu_profile *p = emu_profile_load(SDEMU_TEST_PROFILES "/with_data_file.yaml", &err);
    cr_assert_not_null(p, "%s:%d:%d: %s", err.file, err.line, err.column, err.message);
    emu_card *card = emu_card_new(p);
    emu_profile_free(p);
    static const uint8_t rd[] = {0x00, 0xB0, 0x81, 0x00, 0x00};
    uint8_t resp[300];
    size_t n = emu_card_transmit(card, rd, sizeof rd, resp, sizeof resp);
    cr_assert_eq(n, 8 + 2);
    cr_assert_arr_eq(resp, "sdtest\x00\xFF", 8);
    cr_assert_eq(resp[8], 0x62);
    emu_card_free(card);
}

Test(profile, unreadable_profile_file)
{
    emu_error err;
    cr_assert_null(emu_profile_load(SDEMU_TEST_PROFILES "/does-not-exist.yaml", &err));
    cr_assert_eq(err.line, 0);
    cr_assert(strstr(err.message, "cannot open profile"));
    char msg[1200];
    emu_error_format(&err, msg, sizeof msg);
    cr_assert(strncmp(msg, SDEMU_TEST_PROFILES "/does-not-exist.yaml: cannot open",
                      strlen(SDEMU_TEST_PROFILES) + 30) == 0,
              "%s", msg);
}

Test(profile, one_data_source_only)
{
    refused(HEAD "files:\n  children:\n    - {fid: '0101', type: ef, data: '00', size: 4,\n"
                 "       data_pattern: {start: 1}}\n",
            5, 8, "give only one of");
}

Test(profile, aliases_are_refused)
{
    refused("atr: &a 3B 00\nlabel: *a\nfiles: {}\n", 2, 9, "label must be a scalar");
}

Test(profile, record_files)
{
    emu_profile *p = accepted(HEAD "files:\n  children:\n"
                                   "    - {fid: '1001', type: ef, structure: linear_variable,\n"
                                   "       records: ['01', '02 03 04']}\n"
                                   "    - {fid: '1002', type: ef, structure: cyclic,\n"
                                   "       record_size: 4, records: ['01', '02 03 04']}\n");
    emu_profile_free(p);
    refused(HEAD "files:\n  children:\n"
                 "    - {fid: '1001', type: ef, structure: linear_fixed,\n"
                 "       records: ['01', '02 03 04']}\n",
            5, 25, "differ in length");
    refused(HEAD "files:\n  children:\n"
                 "    - {fid: '1001', type: ef, structure: linear_fixed, data: '00'}\n",
            4, 56, "'data' is for transparent EFs");
    refused(HEAD "files:\n  children:\n    - {fid: '1001', type: ef, structure: cyclic}\n", 4, 31,
            "needs record_size");
}

Test(profile, error_format)
{
    emu_error err = {.file = "a.yaml", .line = 3, .column = 7, .message = "bad"};
    char out[64];
    emu_error_format(&err, out, sizeof out);
    cr_assert_str_eq(out, "a.yaml:3:7: bad");
    err.line = 0;
    emu_error_format(&err, out, sizeof out);
    cr_assert_str_eq(out, "a.yaml: bad");
}
