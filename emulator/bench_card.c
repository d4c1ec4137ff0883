/* sdemu-bench-card: commands per second of the in-process card for SELECT and READ BINARY.
 * Usage: sdemu-bench-card [PROFILE]  (default: the reference profile). Not a test. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu_card.h"
#include "emu_profile.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends the commands in turn for about `seconds`; returns commands per second. */
static double run(emu_card *card, const uint8_t *const *cmds, const size_t *lens, size_t ncmds,
                  double seconds, uint8_t *resp, size_t cap)
{
    unsigned long count = 0;
    unsigned sink = 0;
    double start = now(), elapsed;
    do {
        for (int rep = 0; rep < 10000; rep++) {
            size_t i = (size_t)count % ncmds;
            size_t n = emu_card_transmit(card, cmds[i], lens[i], resp, cap);
            sink += resp[n - 2];
            count++;
        }
        elapsed = now() - start;
    } while (elapsed < seconds);
    if (sink == 0)
        printf("(no responses)\n");
    return (double)count / elapsed;
}

/* Signatures per second by OpenSSL alone with the key file the card holds: a context per
 * signature, as the card makes one per command. */
static double openssl_rate(const char *key_file, bool rsa, double seconds)
{
    FILE *f = fopen(key_file, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!k)
        return 0;
    uint8_t hash[32] = {1, 2, 3}, sig[512];
    unsigned long count = 0;
    double start = now(), elapsed;
    do {
        for (int rep = 0; rep < 20; rep++) {
            EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
            size_t n = sizeof sig;
            if (!ctx || EVP_PKEY_sign_init(ctx) != 1 ||
                (rsa && (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
                         EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0)) ||
                EVP_PKEY_sign(ctx, sig, &n, hash, sizeof hash) != 1) {
                EVP_PKEY_CTX_free(ctx);
                EVP_PKEY_free(k);
                return 0;
            }
            EVP_PKEY_CTX_free(ctx);
            count++;
        }
        elapsed = now() - start;
    } while (elapsed < seconds);
    EVP_PKEY_free(k);
    return (double)count / elapsed;
}

/* Signatures per second through the card (PSO COMPUTE DIGITAL SIGNATURE after MSE). */
static double card_sign_rate(emu_card *card, uint8_t alg, uint8_t ref, double seconds,
                             uint8_t *resp, size_t cap)
{
    static const uint8_t verify[] = {0x00, 0x20, 0x00, 0x01, 0x08, '1', '2',
                                     '3',  '4',  '5',  '6',  0xFF, 0xFF};
    uint8_t mse[] = {0x00, 0x22, 0x41, 0xB6, 0x06, 0x80, 0x01, alg, 0x84, 0x01, ref};
    uint8_t pso[5 + 32 + 1] = {0x00, 0x2A, 0x9E, 0x9A, 32, 1, 2, 3};
    emu_card_transmit(card, verify, sizeof verify, resp, cap);
    emu_card_transmit(card, mse, sizeof mse, resp, cap);
    size_t n = emu_card_transmit(card, pso, sizeof pso, resp, cap);
    if (n < 2 || resp[n - 2] != 0x90)
        return 0;
    unsigned long count = 0;
    double start = now(), elapsed;
    do {
        for (int rep = 0; rep < 20; rep++) {
            emu_card_transmit(card, pso, sizeof pso, resp, cap);
            count++;
        }
        elapsed = now() - start;
    } while (elapsed < seconds);
    return (double)count / elapsed;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : SDEMU_DEFAULT_PROFILE;
    emu_error err;
    emu_profile *profile = emu_profile_load(path, &err);
    if (!profile) {
        char msg[1200];
        emu_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    emu_card *card = emu_card_new(profile);
    emu_profile_free(profile);
    if (!card)
        return 1;
    static uint8_t resp[EMU_RESPONSE_MAX];

    static const uint8_t sel_a[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x01, 0x01};
    static const uint8_t sel_b[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x01, 0x04, 0x00};
    static const uint8_t sel_c[] = {0x00, 0xA4, 0x08, 0x0C, 0x04, 0x50, 0x00, 0x50, 0x01};
    static const uint8_t sel_d[] = {0x00, 0xA4, 0x04, 0x00, 0x0C, 0xA0, 0x00, 0x00, 0x09,
                                    0x99, 0x53, 0x44, 0x54, 0x45, 0x53, 0x54, 0x01, 0x00};
    const uint8_t *sels[] = {sel_a, sel_b, sel_c, sel_d};
    const size_t sel_lens[] = {sizeof sel_a, sizeof sel_b, sizeof sel_c, sizeof sel_d};
    double select_rate = run(card, sels, sel_lens, 4, 1.0, resp, sizeof resp);
    printf("SELECT (FID, FID+FCP, path, AID+FCI): %.0f commands/s\n", select_rate);

    static const uint8_t sel_public_4096[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x01, 0x04};
    emu_card_transmit(card, sel_public_4096, sizeof sel_public_4096, resp, sizeof resp);
    static const uint8_t rb_a[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
    static const uint8_t rb_b[] = {0x00, 0xB0, 0x01, 0x00, 0x80};
    static const uint8_t rb_c[] = {0x00, 0xB0, 0x0F, 0x00, 0x00};
    const uint8_t *rbs[] = {rb_a, rb_b, rb_c};
    const size_t rb_lens[] = {sizeof rb_a, sizeof rb_b, sizeof rb_c};
    double read_rate = run(card, rbs, rb_lens, 3, 1.0, resp, sizeof resp);
    printf("READ BINARY (short, up to 256 bytes): %.0f commands/s\n", read_rate);

    static const uint8_t rb_ext[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00};
    const uint8_t *rbe[] = {rb_ext};
    const size_t rbe_len[] = {sizeof rb_ext};
    double ext_rate = run(card, rbe, rbe_len, 1, 1.0, resp, sizeof resp);
    printf("READ BINARY (extended, whole 4096-byte EF): %.0f commands/s\n", ext_rate);

    /* Signatures: the reference card's keys (refs 01 and 03), same key files for OpenSSL. */
    if (argc <= 1) {
        static const struct {
            const char *name, *file;
            uint8_t alg, ref;
            bool rsa;
        } sigs[] = {{"RSA-2048 PKCS#1 v1.5 SHA-256", "/keys/rsa2048-sign.pem", 0x13, 0x01, true},
                    {"ECDSA P-256", "/keys/ec-p256.pem", 0x40, 0x03, false}};
        printf("%-30s %12s %12s %7s\n", "signature", "card/s", "openssl/s", "ratio");
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
            char key_path[1024];
            snprintf(key_path, sizeof key_path, "%s%s", SDEMU_VECTORS, sigs[i].file);
            double c = card_sign_rate(card, sigs[i].alg, sigs[i].ref, 1.0, resp, sizeof resp);
            double o = openssl_rate(key_path, sigs[i].rsa, 1.0);
            printf("%-30s %12.0f %12.0f %7.2f\n", sigs[i].name, c, o, o > 0 ? c / o : 0.0);
        }
    }
    emu_card_free(card);
    return 0;
}
