/* sdbench: APDU throughput and latency of sdemu through pcscd, against the minimal reference
 * card in the same private pcscd, so the ratio shows what the emulator costs over the chain.
 *
 * One sandbox with two readers: `sdemu serve` (reference profile) in reader 1, sdemu-minicard
 * in reader 2. Each round measures, for both cards in turn, SCardConnect, N x SELECT EF 0101 by
 * FID and N x READ BINARY (Le 00); the figures are the medians over rounds. With --sign, also
 * N x PSO COMPUTE DIGITAL SIGNATURE per signing key of sdemu (after VERIFY and MSE SET DST). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <winscard.h>

#include "emu_sandbox.h"

#ifndef SDBENCH_SDEMU
#define SDBENCH_SDEMU "sdemu"
#endif
#ifndef SDBENCH_MINICARD
#define SDBENCH_MINICARD "sdemu-minicard"
#endif
#ifndef SDEMU_DEFAULT_PROFILE
#define SDEMU_DEFAULT_PROFILE "vectors/profiles/default.yaml"
#endif

#define MAX_ROUNDS 101

enum { CARD_SDEMU, CARD_MINI, N_CARDS };
enum { OP_SELECT, OP_READ, N_OPS };

static const char *const card_name[N_CARDS] = {"sdemu", "minicard"};
static const char *const op_name[N_OPS] = {"SELECT EF 0101 (00 A4 02 0C 02 01 01)",
                                           "READ BINARY (00 B0 00 00 00)"};

/* --sign: PSO COMPUTE DIGITAL SIGNATURE on sdemu with the reference card's keys. */
enum { SIG_RSA, SIG_EC, N_SIGS };
static const struct {
    const char *name;
    BYTE alg, ref;
    DWORD resp_len; /* signature + SW */
} sig_key[N_SIGS] = {{"PSO CDS RSA-2048 PKCS#1 SHA-256 (key 01)", 0x13, 0x01, 258},
                     {"PSO CDS ECDSA P-256 r||s (key 03)", 0x40, 0x03, 66}};

typedef struct figures {
    double connect_ms[N_CARDS][MAX_ROUNDS];
    double op_s[N_CARDS][N_OPS][MAX_ROUNDS]; /* seconds for all N APDUs */
    double sign_s[N_SIGS][MAX_ROUNDS];       /* seconds for all N signatures (sdemu) */
} figures;

static int sign_mode; /* --sign */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double tmp[MAX_ROUNDS];
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, by_value);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static pid_t spawn(char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execv(argv[0], argv);
        fprintf(stderr, "sdbench: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Sends one APDU; checks the SW is 9000 and, when want_len is not 0, the response length. */
static int transmit(SCARDHANDLE h, const SCARD_IO_REQUEST *pci, const BYTE *cmd, DWORD len,
                    DWORD want_len)
{
    BYTE resp[300];
    DWORD rlen = sizeof resp;
    LONG rv = SCardTransmit(h, pci, cmd, len, NULL, resp, &rlen);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "sdbench: SCardTransmit: %s\n", pcsc_stringify_error(rv));
        return -1;
    }
    if (rlen < 2 || resp[rlen - 2] != 0x90 || resp[rlen - 1] != 0x00 ||
        (want_len && rlen != want_len)) {
        fprintf(stderr, "sdbench: %02X %02X: unexpected response (%lu bytes, SW %02X%02X)\n",
                cmd[0], cmd[1], (unsigned long)rlen, rlen >= 2 ? resp[rlen - 2] : 0,
                rlen >= 2 ? resp[rlen - 1] : 0);
        return -1;
    }
    return 0;
}

/* VERIFY the user PIN, then for each key MSE SET DST and N x PSO COMPUTE DIGITAL SIGNATURE. */
static int measure_sign(SCARDHANDLE h, const SCARD_IO_REQUEST *pci, int round, int n, figures *f)
{
    static const BYTE verify[] = {0x00, 0x20, 0x00, 0x01, 0x08, '1', '2',
                                  '3',  '4',  '5',  '6',  0xFF, 0xFF};
    BYTE pso[5 + 32 + 1] = {0x00, 0x2A, 0x9E, 0x9A, 32, 1, 2, 3}; /* a SHA-256 sized hash, Le 00 */
    if (transmit(h, pci, verify, sizeof verify, 2) != 0)
        return -1;
    for (int k = 0; k < N_SIGS; k++) {
        const BYTE mse[] = {0x00, 0x22,           0x41, 0xB6, 0x06,          0x80,
                            0x01, sig_key[k].alg, 0x84, 0x01, sig_key[k].ref};
        if (transmit(h, pci, mse, sizeof mse, 2) != 0)
            return -1;
        double t0 = now_s();
        for (int i = 0; i < n; i++)
            if (transmit(h, pci, pso, sizeof pso, sig_key[k].resp_len) != 0)
                return -1;
        f->sign_s[k][round] = now_s() - t0;
    }
    return 0;
}

static int measure(SCARDCONTEXT ctx, const char *reader, int card, int round, int n, figures *f)
{
    static const BYTE select[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01};
    static const BYTE read[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
    /* The reference card returns 256 bytes + SW; the minimal card just 9000. */
    DWORD read_len = card == CARD_SDEMU ? 258 : 2;
    SCARDHANDLE h;
    DWORD proto;
    double t0 = now_s();
    LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           &h, &proto);
    f->connect_ms[card][round] = (now_s() - t0) * 1e3;
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "sdbench: SCardConnect '%s': %s\n", reader, pcsc_stringify_error(rv));
        return -1;
    }
    const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    int rc = 0;
    t0 = now_s();
    for (int i = 0; i < n && rc == 0; i++)
        rc = transmit(h, pci, select, sizeof select, 2);
    f->op_s[card][OP_SELECT][round] = now_s() - t0;
    if (rc == 0) {
        t0 = now_s();
        for (int i = 0; i < n && rc == 0; i++)
            rc = transmit(h, pci, read, sizeof read, read_len);
        f->op_s[card][OP_READ][round] = now_s() - t0;
    }
    if (rc == 0 && sign_mode && card == CARD_SDEMU)
        rc = measure_sign(h, pci, round, n, f);
    SCardDisconnect(h, SCARD_LEAVE_CARD);
    return rc;
}

static void report(const figures *f, int n, int rounds)
{
    printf("sdbench: %d APDUs per operation x %d rounds (interleaved), medians over rounds\n\n", n,
           rounds);
    printf("%-40s %-9s %12s %14s\n", "operation", "card", "APDU/s", "mean latency");
    for (int op = 0; op < N_OPS; op++) {
        double rate[N_CARDS];
        for (int c = 0; c < N_CARDS; c++) {
            double s = median(f->op_s[c][op], rounds);
            rate[c] = n / s;
            printf("%-40s %-9s %12.1f %11.3f ms\n", op_name[op], card_name[c], rate[c],
                   s * 1e3 / n);
        }
        printf("%-40s %-9s %12.3f\n", op_name[op], "ratio", rate[CARD_SDEMU] / rate[CARD_MINI]);
    }
    for (int c = 0; c < N_CARDS; c++)
        printf("%-40s %-9s %26.3f ms\n", "SCardConnect", card_name[c],
               median(f->connect_ms[c], rounds));
    for (int k = 0; sign_mode && k < N_SIGS; k++) {
        double sec = median(f->sign_s[k], rounds);
        printf("%-40s %-9s %12.1f %11.3f ms\n", sig_key[k].name, "sdemu", n / sec, sec * 1e3 / n);
    }
    printf("\nratio = sdemu APDU/s / minicard APDU/s (1.0: the emulator costs nothing over the "
           "chain)\n");
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: sdbench [--apdus N] [--rounds R] [--profile FILE] [--sdemu PATH]\n"
            "               [--minicard PATH] [--sign] [--verbose]\n"
            "Measures APDU/s and mean latency through a private pcscd for sdemu and for the\n"
            "minimal reference card (SELECT EF 0101 by FID, READ BINARY), interleaved rounds,\n"
            "medians over rounds, and the ratio sdemu/minicard; also SCardConnect time.\n\n"
            "  -n, --apdus N       APDUs per operation and round (default 2000)\n"
            "  -r, --rounds R      rounds (default 3, at most %d)\n"
            "  -p, --profile FILE  sdemu's profile (default %s)\n"
            "      --sdemu PATH    the sdemu program (default %s)\n"
            "      --minicard PATH the minimal card (default %s)\n"
            "      --sign          also N signatures per key on sdemu (VERIFY user PIN, MSE SET\n"
            "                      DST, PSO COMPUTE DIGITAL SIGNATURE; RSA-2048 key 01, EC\n"
            "                      P-256 key 03 of the reference profile)\n"
            "  -v, --verbose       show pcscd's output\n",
            MAX_ROUNDS, SDEMU_DEFAULT_PROFILE, SDBENCH_SDEMU, SDBENCH_MINICARD);
}

static int run_bench(emu_sandbox *sb, int n, int rounds)
{
    char err[512];
    for (unsigned i = 0; i < N_CARDS; i++) {
        if (emu_sandbox_wait_card(sb, i, 10000, err, sizeof err) != 0) {
            fprintf(stderr, "sdbench: %s\n", err);
            return 1;
        }
    }
    SCARDCONTEXT ctx;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "sdbench: SCardEstablishContext: %s\n", pcsc_stringify_error(rv));
        return 1;
    }
    static figures f;
    int rc = 0;
    for (int r = 0; r < rounds && rc == 0; r++)
        for (int c = 0; c < N_CARDS && rc == 0; c++)
            rc = measure(ctx, emu_sandbox_reader(sb, (unsigned)c), c, r, n, &f);
    SCardReleaseContext(ctx);
    if (rc == 0)
        report(&f, n, rounds);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"apdus", required_argument, NULL, 'n'},
        {"rounds", required_argument, NULL, 'r'},
        {"profile", required_argument, NULL, 'p'},
        {"sdemu", required_argument, NULL, 's'},
        {"minicard", required_argument, NULL, 'm'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"sign", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    long n = 2000, rounds = 3;
    const char *profile = SDEMU_DEFAULT_PROFILE, *sdemu = SDBENCH_SDEMU,
               *minicard = SDBENCH_MINICARD;
    int verbose = 0, c;
    char *end;
    while ((c = getopt_long(argc, argv, "n:r:p:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 10000000) {
                fprintf(stderr, "sdbench: bad --apdus '%s'\n", optarg);
                return 2;
            }
            break;
        case 'r':
            rounds = strtol(optarg, &end, 10);
            if (*end || rounds < 1 || rounds > MAX_ROUNDS) {
                fprintf(stderr, "sdbench: bad --rounds '%s' (1..%d)\n", optarg, MAX_ROUNDS);
                return 2;
            }
            break;
        case 'p':
            profile = optarg;
            break;
        case 's':
            sdemu = optarg;
            break;
        case 'm':
            minicard = optarg;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'S':
            sign_mode = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sdbench: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    emu_sandbox_config cfg = {.readers = N_CARDS, .pcscd_output = verbose};
    emu_sandbox *sb;
    char err[512];
    if (emu_sandbox_start(&cfg, &sb, err, sizeof err) != 0) {
        fprintf(stderr, "sdbench: %s\n", err);
        return 1;
    }
    char addr[N_CARDS][32];
    for (unsigned i = 0; i < N_CARDS; i++)
        snprintf(addr[i], sizeof addr[i], "127.0.0.1:%u", emu_sandbox_port(sb, i));
    char *sdemu_argv[] = {(char *)sdemu, "serve",          "--profile", (char *)profile,
                          "--vpcd",      addr[CARD_SDEMU], NULL};
    char *mini_argv[] = {(char *)minicard, "--vpcd", addr[CARD_MINI], NULL};
    pid_t pid[N_CARDS] = {spawn(sdemu_argv), spawn(mini_argv)};

    int rc = run_bench(sb, (int)n, (int)rounds);

    for (int i = 0; i < N_CARDS; i++)
        if (pid[i] > 0)
            kill(pid[i], SIGTERM);
    emu_sandbox_stop(sb);
    for (int i = 0; i < N_CARDS; i++)
        if (pid[i] > 0)
            waitpid(pid[i], NULL, 0);
    return rc;
}
