/* The profile's `keys:` (loader refusals with line:column) and keys kept in the state file. */
#include "key_util.h"

#define HEAD                                                                                       \
    "atr: \"3B 80 80 01 01\"\n"                                                                    \
    "transport: {extended_length: false}\n"                                                        \
    "files:\n"                                                                                     \
    "  pins:\n"                                                                                    \
    "    - {name: user, ref: 0x01, value: \"1234\", tries: 3}\n"

static emu_profile *load_with_base(const char *yaml, emu_error *err)
{
    char base[1024];
    snprintf(base, sizeof base, "%s/profiles", SDEMU_VECTORS);
    return emu_profile_load_buffer(yaml, strlen(yaml), "inline", base, err);
}

static void refused_at(const char *yaml, const char *part)
{
    emu_error err;
    emu_profile *p = load_with_base(yaml, &err);
    cr_assert_null(p, "accepted, expected '%s'", part);
    char msg[1200];
    emu_error_format(&err, msg, sizeof msg);
    cr_expect(strstr(msg, part) != NULL, "message '%s' does not mention '%s'", msg, part);
    cr_expect(err.line > 0 && err.column > 0, "no line:column in '%s'", msg);
}

Test(keys, loader_refusals_name_line_and_column)
{
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: dsa, usage: [sign]}\n", "type must be");
    refused_at(HEAD "  keys:\n    - {ref: 0x21, type: aes, usage: [mac]}\n", "ref must be");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: aes, usage: [mac]}\n"
                    "    - {ref: 0x01, type: aes, usage: [mac]}\n",
               "duplicate key reference");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: aes, usage: [sign]}\n", "does not fit");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: aes, usage: [mac], algorithms: [ecdsa]}\n",
               "does not fit");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: aes, usage: [mac], algorithms: [nope]}\n",
               "unknown algorithm");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: aes, key: \"00 11\", usage: [mac]}\n",
               "16 or 32 bytes");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: ec, usage: [sign, generate]}\n",
               "needs access");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: ec, usage: [sign], access: {use: nobody}}\n",
               "not a PIN visible here");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: rsa, key_file: ../keys/ec-p256.pem,"
                    " usage: [sign]}\n",
               "not of the given type");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: ec, key_file: ../keys/ec-p256.pem,"
                    " usage: [sign], certificate: ../certs/rsa2048-sign.der}\n",
               "not this key's");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: ec, key_file: ../keys/none.pem,"
                    " usage: [sign]}\n",
               "cannot read key_file");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: ec, key: \"30 01 00\", usage: [sign]}\n",
               "not a key");
    refused_at(HEAD "  keys:\n    - {ref: 0x01, type: ec, usage: [sign], colour: red}\n",
               "unknown key 'colour'");
    refused_at(HEAD "  children:\n    - {fid: \"0101\", type: ef, keys: []}\n", "for DFs");
}

Test(keys, reference_profile_loads_its_keys)
{
    setup();
    /* each slot answers GENERATE P1 81 (public key) or 6984 (the empty slot) */
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x01, NULL, 0, 65536), 0x9000);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x02, NULL, 0, 65536), 0x9000);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x03, NULL, 0, 65536), 0x9000);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x04, NULL, 0, 65536), 0x6985);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x05, NULL, 0, 65536), 0x6984);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x06, NULL, 0, 65536), 0x6A88);
    teardown();
}

#define GEN_PROFILE                                                                                \
    HEAD "  keys:\n"                                                                               \
         "    - {ref: 0x01, type: ec, curve: p384, generate: true, usage: [sign],"                 \
         " algorithms: [ecdsa]}\n"                                                                 \
         "    - {ref: 0x02, type: ec, usage: [sign, generate], access: {generate: user}}\n"        \
         "    - {ref: 0x03, type: aes, size: 256, generate: true, usage: [mac]}\n"

static size_t public_of(emu_card *c, uint8_t ref, uint8_t *out)
{
    cr_assert_eq(send_apdu(c, 0x00, 0x46, 0x81, ref, NULL, 0, 256), 0x9000);
    memcpy(out, resp, data_len());
    return data_len();
}

static uint8_t *save_state(emu_card *c, size_t *len)
{
    uint8_t *buf = NULL;
    cr_assert_eq(emu_card_state_save(c, &buf, len), 0);
    return buf;
}

Test(keys, generated_keys_survive_save_and_load)
{
    emu_card *a = card_from_yaml(GEN_PROFILE), *b = card_from_yaml(GEN_PROFILE);
    uint8_t pa[256], pb[256], mac_a[16];
    size_t la = public_of(a, 0x01, pa), lb = public_of(b, 0x01, pb);
    cr_assert(la == lb && la > 100);
    cr_assert(memcmp(pa, pb, la) != 0, "two cards generated the same key at start");
    /* the empty slot, generated by command on card a */
    expect_on(a, "00 20 00 01 04 31 32 33 34", 0x9000);
    cr_assert_eq(send_apdu(a, 0x00, 0x46, 0x80, 0x02, NULL, 0, 256), 0x9000);
    uint8_t slot[256];
    size_t ls = data_len();
    memcpy(slot, resp, ls);
    cr_assert_eq(send_apdu(a, 0x00, 0x2A, 0x8E, 0x80, NULL, 0, 0), 0x6700);
    expect_on(a, "00 22 41 B4 03 83 01 03", 0x9000);
    cr_assert_eq(send_apdu(a, 0x00, 0x2A, 0x8E, 0x80, (const uint8_t *)"x", 1, 256), 0x9000);
    memcpy(mac_a, resp, 16);
    size_t len;
    uint8_t *state = save_state(a, &len);
    emu_error err;
    cr_assert_eq(emu_card_state_load(b, state, len, &err), 0, "%s", err.message);
    cr_expect(public_of(b, 0x01, pb) == la && memcmp(pa, pb, la) == 0, "key 1 not restored");
    cr_expect(public_of(b, 0x02, pb) == ls && memcmp(slot, pb, ls) == 0, "key 2 not restored");
    expect_on(b, "00 22 41 B4 03 83 01 03", 0x9000);
    cr_assert_eq(send_apdu(b, 0x00, 0x2A, 0x8E, 0x80, (const uint8_t *)"x", 1, 256), 0x9000);
    cr_expect(memcmp(mac_a, resp, 16) == 0, "AES key not restored");
    /* canonical: saving b gives the same bytes */
    size_t len2;
    uint8_t *state2 = save_state(b, &len2);
    cr_expect(len2 == len && memcmp(state, state2, len) == 0);
    /* every truncation is refused */
    for (size_t cut = 0; cut < len; cut += 7) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, state, cut);
        cr_expect_eq(emu_card_state_load(b, copy, cut, NULL), -1, "prefix %zu accepted", cut);
        free(copy);
    }
    OPENSSL_cleanse(state, len);
    free(state);
    free(state2);
    emu_card_free(a);
    emu_card_free(b);
}

Test(keys, state_of_another_key_profile_is_refused)
{
    emu_card *a = card_from_yaml(GEN_PROFILE);
    emu_card *b = card_from_yaml(HEAD "  keys:\n    - {ref: 0x01, type: aes, usage: [mac]}\n");
    size_t len;
    uint8_t *state = save_state(a, &len);
    cr_expect_eq(emu_card_state_load(b, state, len, NULL), -1);
    free(state);
    emu_card_free(a);
    emu_card_free(b);
}
