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
    card_setup();
    /* each slot answers GENERATE P1 81 (public key) or 6984 (the empty slot) */
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x01, NULL, 0, 65536), 0x9000);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x02, NULL, 0, 65536), 0x9000);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x03, NULL, 0, 65536), 0x9000);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x04, NULL, 0, 65536), 0x6985);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x05, NULL, 0, 65536), 0x6984);
    cr_expect_eq(send_apdu(card, 0x00, 0x46, 0x81, 0x06, NULL, 0, 65536), 0x6A88);
    card_teardown();
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

/* ---- Private and secret key values never leave the card ---------------------------------- */

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "../emu_card_internal.h" /* the card's own key table: generated keys' private parts */

#define LEAK_WINDOW 16
#define LEAK_MAX_SECRETS 64

/* The secrets, and the public encodings of the same keys: a window of a private DER that is
 * also part of the public key (the modulus, the EC point) may of course be answered. */
typedef struct leak_secrets {
    size_t count, pub_count;
    uint8_t *buf[LEAK_MAX_SECRETS];
    size_t len[LEAK_MAX_SECRETS];
    bool *public_window[LEAK_MAX_SECRETS]; /* per offset, set by secrets_seal */
    uint8_t *pub[LEAK_MAX_SECRETS];
    size_t pub_len[LEAK_MAX_SECRETS];
} leak_secrets;

static void public_add(leak_secrets *s, uint8_t *der, int n)
{
    cr_assert_gt(n, 0);
    cr_assert_lt(s->pub_count, LEAK_MAX_SECRETS);
    s->pub[s->pub_count] = der;
    s->pub_len[s->pub_count++] = (size_t)n;
}

/* The watched windows in an open-addressing hash set: each response is scanned once. */
#define LEAK_SET_SIZE (1u << 17)
static const uint8_t *leak_set[LEAK_SET_SIZE];

static uint32_t window_hash(const uint8_t *w)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < LEAK_WINDOW; i++)
        h = (h ^ w[i]) * 16777619u;
    return h & (LEAK_SET_SIZE - 1);
}

static void leak_set_add(const uint8_t *w)
{
    uint32_t h = window_hash(w);
    while (leak_set[h] && memcmp(leak_set[h], w, LEAK_WINDOW) != 0)
        h = (h + 1) & (LEAK_SET_SIZE - 1);
    leak_set[h] = w;
}

static bool leak_set_has(const uint8_t *w)
{
    for (uint32_t h = window_hash(w); leak_set[h]; h = (h + 1) & (LEAK_SET_SIZE - 1))
        if (memcmp(leak_set[h], w, LEAK_WINDOW) == 0)
            return true;
    return false;
}

/* Marks the windows of each secret that occur in a public encoding; returns how many are
 * left to watch. */
static size_t secrets_seal(leak_secrets *s)
{
    size_t watched = 0;
    for (size_t i = 0; i < s->count; i++) {
        s->public_window[i] = calloc(s->len[i], sizeof(bool));
        cr_assert_not_null(s->public_window[i]);
        for (size_t off = 0; off + LEAK_WINDOW <= s->len[i]; off++) {
            for (size_t p = 0; p < s->pub_count && !s->public_window[i][off]; p++)
                s->public_window[i][off] =
                    memmem(s->pub[p], s->pub_len[p], s->buf[i] + off, LEAK_WINDOW) != NULL;
            if (!s->public_window[i][off]) {
                leak_set_add(s->buf[i] + off);
                watched++;
            }
        }
    }
    return watched;
}

static void secret_add(leak_secrets *s, const uint8_t *v, size_t len)
{
    if (len < LEAK_WINDOW)
        return; /* shorter values are covered by the DER they are part of */
    cr_assert_lt(s->count, LEAK_MAX_SECRETS);
    s->buf[s->count] = malloc(len);
    cr_assert_not_null(s->buf[s->count]);
    memcpy(s->buf[s->count], v, len);
    s->len[s->count++] = len;
}

/* The private DER (PKCS#8 and traditional) and every private number of an RSA / EC key. */
static void secrets_of_pkey(leak_secrets *s, const EVP_PKEY *k)
{
    static const char *const params[] = {
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
        OSSL_PKEY_PARAM_PRIV_KEY};
    uint8_t *pub = NULL;
    public_add(s, pub, i2d_PUBKEY(k, &pub));
    pub = NULL;
    public_add(s, pub, i2d_PublicKey(k, &pub));
    uint8_t *der = NULL;
    int n = i2d_PrivateKey(k, &der);
    cr_assert_gt(n, 0);
    secret_add(s, der, (size_t)n);
    OPENSSL_free(der);
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
    der = NULL;
    n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
    cr_assert_gt(n, 0);
    secret_add(s, der, (size_t)n);
    OPENSSL_free(der);
    PKCS8_PRIV_KEY_INFO_free(p8);
    int found = 0;
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        BIGNUM *bn = NULL;
        if (EVP_PKEY_get_bn_param(k, params[i], &bn) != 1)
            continue;
        uint8_t raw[1024];
        int len = BN_bn2bin(bn, raw);
        BN_clear_free(bn);
        cr_assert_gt(len, 0);
        secret_add(s, raw, (size_t)len);
        found++;
    }
    cr_assert_gt(found, 0, "no private number found");
}

static void secrets_of_file(leak_secrets *s, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/keys/%s", SDEMU_VECTORS, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    if (strstr(name, ".pem")) {
        EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        cr_assert_not_null(k, "%s", path);
        secrets_of_pkey(s, k);
        EVP_PKEY_free(k);
    } else {
        uint8_t raw[64];
        size_t n = fread(raw, 1, sizeof raw, f);
        cr_assert_geq(n, LEAK_WINDOW, "%s", path);
        secret_add(s, raw, n);
    }
    fclose(f);
}

/* Everything secret the card holds now (reference and generated keys alike). */
static void secrets_of_card(leak_secrets *s, const emu_card *c)
{
    for (uint16_t i = 0; i < c->keys.count; i++) {
        const emu_key *k = &c->keys.keys[i];
        if (k->pkey && !k->public_only)
            secrets_of_pkey(s, k->pkey);
        secret_add(s, k->secret, k->secret_len);
    }
}

static void secrets_free(leak_secrets *s)
{
    for (size_t i = 0; i < s->count; i++) {
        OPENSSL_cleanse(s->buf[i], s->len[i]);
        free(s->buf[i]);
        free(s->public_window[i]);
    }
    for (size_t p = 0; p < s->pub_count; p++)
        OPENSSL_free(s->pub[p]);
    memset(leak_set, 0, sizeof leak_set);
    s->count = s->pub_count = 0;
}

static size_t leak_checked; /* responses scanned, so that the test cannot pass by doing nothing */

/* Fails when the last response contains any watched LEAK_WINDOW-byte window of a secret. */
static size_t leak_answered; /* of which answered data with 9000 */

static void no_leak(const char *what)
{
    leak_checked++;
    leak_answered += resp_len > 2 && resp[resp_len - 2] == 0x90 && resp[resp_len - 1] == 0x00;
    for (size_t off = 0; off + LEAK_WINDOW <= resp_len; off++)
        cr_assert(!leak_set_has(resp + off), "%s: response (%zu bytes) holds a secret at %zu", what,
                  resp_len, off);
}

/* Every key command with every algorithm reference against key `ref`, after VERIFY. */
static void key_commands(emu_card *c, uint8_t ref)
{
    static const uint8_t algs[] = {0x00, 0x10, 0x11, 0x13, 0x14, 0x15, 0x21, 0x23,
                                   0x24, 0x25, 0x30, 0x31, 0x33, 0x40, 0x41, 0x48,
                                   0x80, 0x81, 0x82, 0x91, 0x93, 0x94, 0x95};
    /* MSE SET P1-P2 for DST, CT, AT, CCT, KAT, computing and verifying side */
    static const uint8_t mse_p[][2] = {{0x41, 0xB6}, {0x81, 0xB6}, {0x41, 0xB8}, {0x81, 0xB8},
                                       {0x41, 0xA4}, {0x81, 0xA4}, {0x41, 0xB4}, {0x81, 0xB4},
                                       {0x41, 0xA6}, {0x41, 0xAA}};
    static const uint16_t pso[] = {0x9E9A, 0x00A8, 0x9080, 0x8680, 0x8086, 0x8E80, 0x00A2, 0x00BE};
    static const size_t lens[] = {16, 32, 51, 65, 256, 512};
    uint8_t data[1024];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    send_apdu(c, 0x00, 0x46, 0x81, ref, NULL, 0, 65536);
    no_leak("GENERATE (read public key)");
    for (size_t a = 0; a < sizeof algs; a++) {
        for (size_t m = 0; m < sizeof mse_p / sizeof mse_p[0]; m++) {
            uint8_t tag = mse_p[m][0] == 0x81 ? 0x83 : 0x84;
            uint8_t mse[] = {0x80, 0x01, algs[a], tag, 0x01, ref};
            const uint8_t *md = algs[a] ? mse : mse + 3;
            send_apdu(c, 0x00, 0x22, mse_p[m][0], mse_p[m][1], md, algs[a] ? 6 : 3, 0);
            no_leak("MSE SET");
            for (size_t p = 0; p < sizeof pso / sizeof pso[0]; p++) {
                for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
                    data[0] = pso[p] == 0x8086 ? 0x00 : (uint8_t)(l + 1);
                    send_apdu(c, 0x00, 0x2A, (uint8_t)(pso[p] >> 8), (uint8_t)pso[p], data, lens[l],
                              65536);
                    no_leak("PSO");
                }
            }
        }
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            send_apdu(c, 0x00, 0x88, algs[a], ref, data, lens[l], 65536);
            no_leak("INTERNAL AUTHENTICATE");
            send_apdu(c, 0x00, 0x84, 0x00, 0x00, NULL, 0, 16);
            no_leak("GET CHALLENGE");
            send_apdu(c, 0x00, 0x82, algs[a], ref, data, lens[l], 0);
            no_leak("EXTERNAL AUTHENTICATE");
        }
        /* GENERAL AUTHENTICATE: 7C { 85 point } with the card's own public point */
        uint8_t ga[2 + 2 + 133] = {0x7C, 0, 0x85};
        if (send_apdu(c, 0x00, 0x46, 0x81, 0x03, NULL, 0, 256) == 0x9000 && data_len() > 75) {
            size_t pl = 65;
            memcpy(ga + 4, resp + data_len() - pl, pl);
            ga[1] = (uint8_t)(2 + pl);
            ga[3] = (uint8_t)pl;
            send_apdu(c, 0x00, 0x86, algs[a], ref, ga, 4 + pl, 256);
            no_leak("GENERAL AUTHENTICATE");
        }
    }
}

Test(keys, private_and_secret_values_never_leave_the_card)
{
    static const uint8_t verify[] = {0x00, 0x20, 0x00, 0x01, 0x08, '1', '2',
                                     '3',  '4',  '5',  '6',  0xFF, 0xFF};
    card_setup();
    leak_secrets s = {0};
    /* generate into the empty slot (a second time too: replacing a key) */
    cr_assert_eq(send_raw(card, verify, sizeof verify), 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x47, 0x80, 0x05, NULL, 0, 256), 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x47, 0x80, 0x05, NULL, 0, 256), 0x9000);
    secrets_of_file(&s, "rsa2048-sign.pem");
    secrets_of_file(&s, "rsa2048-decrypt.pem");
    secrets_of_file(&s, "ec-p256.pem");
    secrets_of_file(&s, "aes128.bin");
    size_t from_files = s.count;
    secrets_of_card(&s, card);
    cr_assert_gt(s.count, from_files, "the card's keys (generated slot included) add secrets");
    size_t watched = secrets_seal(&s);
    cr_assert_gt(watched, 10000, "most windows are secret");
    cr_assert_lt(watched, LEAK_SET_SIZE / 2);
    for (uint8_t ref = 0x01; ref <= 0x06; ref++) {
        cr_assert_eq(send_raw(card, verify, sizeof verify), 0x9000);
        key_commands(card, ref);
    }
    /* the scan itself works: a watched window inside a response is found */
    bool caught = false;
    for (size_t off = 0; off + LEAK_WINDOW <= s.len[0] && !caught; off++) {
        if (s.public_window[0][off])
            continue;
        memset(resp, 0xA5, 64);
        memcpy(resp + 7, s.buf[0] + off, LEAK_WINDOW);
        resp_len = 64;
        for (size_t w = 0; w + LEAK_WINDOW <= resp_len; w++)
            caught |= leak_set_has(resp + w);
    }
    cr_expect(caught);
    cr_expect_gt(leak_checked, 10000);
    cr_expect_gt(leak_answered, 500, "only %zu commands answered data", leak_answered);
    secrets_free(&s);
    card_teardown();
}
