/* sdemu-bench-card: commands per second of the in-process card for SELECT and READ BINARY, and
 * signatures per second through the card against OpenSSL alone on the same key.
 * Usage: sdemu-bench-card [PROFILE]  (default: the reference profile; signatures only with it)
 *        sdemu-bench-card --sign [SECONDS]  (the signature comparison only). Not a test. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* CPU time of this process: the machine is shared, so wall time would charge the card or
 * OpenSSL for whatever else runs. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One signer measured in slices: `step` makes `batch` signatures, false on failure. */
typedef struct signer {
    bool (*step)(struct signer *s, int batch);
    unsigned long count;
    double seconds;
    bool failed;
} signer;

static void slice(signer *s, double seconds)
{
    double start = cpu_now(), elapsed;
    do {
        if (!s->step(s, 20)) {
            s->failed = true;
            return;
        }
        s->count += 20;
        elapsed = cpu_now() - start;
    } while (elapsed < seconds);
    s->seconds += elapsed;
}

static double rate(const signer *s)
{
    return s->failed || s->seconds <= 0 ? 0 : (double)s->count / s->seconds;
}

/* OpenSSL alone with the key file the card holds, the same padding and digest. `fresh`: a new
 * context per signature; otherwise one initialised context reused (OpenSSL's best). */
typedef struct ossl_signer {
    signer base;
    EVP_PKEY *key;
    EVP_PKEY_CTX *ctx;
    bool rsa, fresh;
} ossl_signer;

static EVP_PKEY_CTX *ossl_ctx(EVP_PKEY *key, bool rsa)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (!ctx || EVP_PKEY_sign_init(ctx) != 1 ||
        (rsa && (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
                 EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0))) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static bool ossl_step(signer *base, int batch)
{
    ossl_signer *s = (ossl_signer *)base;
    static const uint8_t hash[32] = {1, 2, 3};
    uint8_t sig[512];
    for (int i = 0; i < batch; i++) {
        EVP_PKEY_CTX *ctx = s->fresh ? ossl_ctx(s->key, s->rsa) : s->ctx;
        size_t n = sizeof sig;
        bool ok = ctx && EVP_PKEY_sign(ctx, sig, &n, hash, sizeof hash) == 1;
        if (s->fresh)
            EVP_PKEY_CTX_free(ctx);
        if (!ok)
            return false;
    }
    return true;
}

/* Through the card: PSO COMPUTE DIGITAL SIGNATURE after VERIFY and MSE SET DST. */
typedef struct card_signer {
    signer base;
    emu_card *card;
    uint8_t pso[5 + 32 + 1];
    uint8_t *resp;
    size_t cap;
} card_signer;

static bool card_step(signer *base, int batch)
{
    card_signer *s = (card_signer *)base;
    for (int i = 0; i < batch; i++) {
        size_t n = emu_card_transmit(s->card, s->pso, sizeof s->pso, s->resp, s->cap);
        if (n < 2 || s->resp[n - 2] != 0x90)
            return false;
    }
    return true;
}

static bool card_prepare(emu_card *card, uint8_t alg, uint8_t ref, uint8_t *resp, size_t cap)
{
    static const uint8_t verify[] = {0x00, 0x20, 0x00, 0x01, 0x08, '1', '2',
                                     '3',  '4',  '5',  '6',  0xFF, 0xFF};
    const uint8_t mse[] = {0x00, 0x22, 0x41, 0xB6, 0x06, 0x80, 0x01, alg, 0x84, 0x01, ref};
    size_t n = emu_card_transmit(card, verify, sizeof verify, resp, cap);
    if (n != 2 || resp[0] != 0x90)
        return false;
    n = emu_card_transmit(card, mse, sizeof mse, resp, cap);
    return n == 2 && resp[0] == 0x90;
}

/* Card, OpenSSL with a context per signature and OpenSSL with one context, interleaved in
 * short slices so that a change in machine load falls on all three alike. */
static void compare_signatures(emu_card *card, uint8_t *resp, size_t cap, double seconds)
{
    static const struct {
        const char *name, *file;
        uint8_t alg, ref;
        bool rsa;
    } sigs[] = {{"RSA-2048 PKCS#1 v1.5 SHA-256", "/keys/rsa2048-sign.pem", 0x13, 0x01, true},
                {"ECDSA P-256", "/keys/ec-p256.pem", 0x40, 0x03, false}};
    printf("%-29s %10s %12s %7s %12s %7s\n", "signature (CPU time)", "card/s", "openssl-new/s",
           "ratio", "openssl-one/s", "ratio");
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        char key_path[1024];
        snprintf(key_path, sizeof key_path, "%s%s", SDEMU_VECTORS, sigs[i].file);
        FILE *f = fopen(key_path, "r");
        EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
        if (f)
            fclose(f);
        card_signer c = {.base.step = card_step, .card = card, .resp = resp, .cap = cap};
        c.pso[0] = 0x00;
        c.pso[1] = 0x2A;
        c.pso[2] = 0x9E;
        c.pso[3] = 0x9A;
        c.pso[4] = 32;
        c.pso[5] = 1;
        c.pso[6] = 2;
        c.pso[7] = 3;
        ossl_signer fresh = {.base.step = ossl_step, .key = key, .rsa = sigs[i].rsa, .fresh = true};
        ossl_signer one = {.base.step = ossl_step, .key = key, .rsa = sigs[i].rsa};
        one.ctx = key ? ossl_ctx(key, sigs[i].rsa) : NULL;
        if (!key || !one.ctx || !card_prepare(card, sigs[i].alg, sigs[i].ref, resp, cap)) {
            printf("%-29s (key or card not ready)\n", sigs[i].name);
        } else {
            for (int round = 0; round < 10; round++) {
                slice(&c.base, seconds / 10);
                slice(&fresh.base, seconds / 10);
                slice(&one.base, seconds / 10);
            }
            double rc = rate(&c.base), rf = rate(&fresh.base), ro = rate(&one.base);
            printf("%-29s %10.0f %12.0f %7.2f %12.0f %7.2f\n", sigs[i].name, rc, rf,
                   rf > 0 ? rc / rf : 0.0, ro, ro > 0 ? rc / ro : 0.0);
        }
        EVP_PKEY_CTX_free(one.ctx);
        EVP_PKEY_free(key);
    }
}

int main(int argc, char **argv)
{
    /* --sign [SECONDS]: the signature comparison only (for profiling) */
    bool sign_only = argc > 1 && strcmp(argv[1], "--sign") == 0;
    double sign_seconds = sign_only && argc > 2 ? atof(argv[2]) : 3.0;
    if (sign_seconds <= 0)
        sign_seconds = 3.0;
    bool custom = !sign_only && argc > 1;
    const char *path = custom ? argv[1] : SDEMU_DEFAULT_PROFILE;
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
    if (sign_only) {
        compare_signatures(card, resp, sizeof resp, sign_seconds);
        emu_card_free(card);
        return 0;
    }

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
    if (!custom)
        compare_signatures(card, resp, sizeof resp, sign_seconds);
    emu_card_free(card);
    return 0;
}
