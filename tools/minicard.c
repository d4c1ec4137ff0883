/* sdemu-minicard: the minimal reference card behind vpcd. It answers 9000 to every APDU with
 * ATR 3B 80 80 01 01 and does nothing else, so it measures the chain (pcscd, vpcd, TCP) alone:
 * sdbench divides the emulator's figures by this card's. It uses the same vpcd frame code as
 * sdemu (TCP_QUICKACK after every recv). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_vpcd.h"

static const uint8_t minicard_atr[] = {0x3B, 0x80, 0x80, 0x01, 0x01};

static void minicard_nothing(void *ctx)
{
    (void)ctx;
}

static const uint8_t *minicard_get_atr(void *ctx, size_t *len)
{
    (void)ctx;
    *len = sizeof minicard_atr;
    return minicard_atr;
}

static size_t minicard_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                                size_t cap)
{
    (void)ctx;
    (void)cmd;
    (void)cmd_len;
    (void)cap;
    resp[0] = 0x90;
    resp[1] = 0x00;
    return 2;
}

static const emu_vpcd_ops minicard_ops = {
    .power_on = minicard_nothing,
    .power_off = minicard_nothing,
    .reset = minicard_nothing,
    .atr = minicard_get_atr,
    .transmit = minicard_transmit,
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: sdemu-minicard --vpcd 127.0.0.1:PORT [--connect-timeout S]\n"
                 "The minimal reference card: ATR 3B 80 80 01 01, answers 9000 to every APDU.\n"
                 "Serves until vpcd closes the connection.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vpcd", required_argument, NULL, 'v'},
        {"connect-timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint16_t port = 0;
    double timeout = 10;
    int c;
    while ((c = getopt_long(argc, argv, "v:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (emu_vpcd_parse_address(optarg, &port) != 0) {
                fprintf(stderr, "sdemu-minicard: bad --vpcd '%s'\n", optarg);
                return 2;
            }
            break;
        case 't': {
            char *end;
            timeout = strtod(optarg, &end);
            if (*end || !(timeout > 0)) {
                fprintf(stderr, "sdemu-minicard: bad --connect-timeout '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (port == 0 || optind < argc) {
        usage(stderr);
        return 2;
    }
    int fd = emu_vpcd_connect(port, (int)(timeout * 1000), "minicard");
    if (fd < 0)
        return 1;
    emu_vpcd_end end = emu_vpcd_serve(fd, &minicard_ops, NULL, 0, "minicard");
    close(fd);
    return end == EMU_VPCD_END_EOF ? 0 : 1;
}
