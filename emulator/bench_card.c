/* sdemu-bench-card: commands per second of the in-process card for SELECT and READ BINARY.
 * Usage: sdemu-bench-card [PROFILE]  (default: the reference profile). Not a test. */
#include <stdint.h>
#include <stdio.h>
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
    emu_card_free(card);
    return 0;
}
