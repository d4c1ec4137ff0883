/* sdemu: the emulated card behind vpcd, a private pcscd sandbox around a command, and a
 * profile checker. See docs/sdemu.md. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu_card.h"
#include "emu_control.h"
#include "emu_profile.h"
#include "emu_relay.h"
#include "emu_replay.h"
#include "emu_sandbox.h"
#include "emu_serve.h"
#include "emu_statefile.h"
#include "emu_variant.h"
#include "emu_vpcd.h"
#include "emu_vpcd_card.h"

#ifndef SDEMU_VERSION
#define SDEMU_VERSION "unknown"
#endif
#ifndef SDEMU_DEFAULT_PROFILE
#define SDEMU_DEFAULT_PROFILE "vectors/profiles/default.yaml"
#endif

/* Exit status for sdemu's own failures (bad options, sandbox not started), as env(1) and
 * timeout(1) do; a command's own status passes through unchanged. */
#define EXIT_SDEMU 125
#define DEFAULT_TIMEOUT_S 10.0
#define STOP_GRACE_MS 5000

static const char *prog = "sdemu";

/* Long-only option codes of the relay, away from the letters and other long-only codes. */
enum {
    OPT_RELAY = 0x300,
    OPT_UPSTREAM_SOCKET,
    OPT_UPSTREAM_TIMEOUT,
    OPT_RELAY_TRACE,
    OPT_TRACE_SECRETS,
};

#define RELAY_LONG_OPTIONS                                                                         \
    {"relay", required_argument, NULL, OPT_RELAY},                                                 \
        {"upstream-socket", required_argument, NULL, OPT_UPSTREAM_SOCKET},                         \
        {"upstream-timeout", required_argument, NULL, OPT_UPSTREAM_TIMEOUT},                       \
        {"trace", required_argument, NULL, OPT_RELAY_TRACE},                                       \
    {                                                                                              \
        "trace-secrets", no_argument, NULL, OPT_TRACE_SECRETS                                      \
    }

#define RELAY_USAGE                                                                                \
    "  --relay pcsc:READER       be a relay card: forward every command to the card in\n"          \
    "                            READER of the upstream pcscd (no profile)\n"                      \
    "  --upstream-socket PATH    the upstream pcscd's socket (default: the system one)\n"          \
    "  --upstream-timeout S      bound of each upstream call (default 60)\n"                       \
    "  --trace FILE              record every relayed exchange (docs/trace.md)\n"                  \
    "  --trace-secrets           keep VERIFY/CHANGE/RESET RETRY COUNTER data in the trace\n"

static void usage_main(FILE *out)
{
    fprintf(out, "Usage: sdemu COMMAND [OPTIONS]\n"
                 "An emulated smart card behind pcscd's vpcd driver.\n\n"
                 "Commands:\n"
                 "  serve   be the card in one vpcd reader until vpcd closes\n"
                 "  run     start a private pcscd with N emulated cards, run a command, tear down\n"
                 "  check   validate profile files\n"
                 "  ctl     send a command to a card's control socket\n\n"
                 "Options:\n"
                 "  -h, --help     this text (also: sdemu COMMAND --help)\n"
                 "  -V, --version  the version\n");
}

static void usage_serve(FILE *out)
{
    fprintf(out, "Usage: sdemu serve --profile FILE --vpcd 127.0.0.1:PORT [--connect-timeout S]\n"
                 "Loads the profile, connects to vpcd (retrying until it listens) and answers its\n"
                 "frames until vpcd closes the connection.\n\n"
                 "  -p, --profile FILE        the card profile (YAML)\n"
                 "  -v, --vpcd HOST:PORT      vpcd's address; HOST must be 127.0.0.1 or localhost\n"
                 "  -t, --connect-timeout S   give up connecting after S seconds (default 10)\n"
                 "  -n, --name NAME           name used in log messages (default \"card\")\n"
                 "  -C, --control PATH        serve the control protocol on a UNIX socket (0600)\n"
                 "  -s, --serial S            the card's serial number (default: the profile's)\n"
                 "  -a, --atr-variant K       show ATR variant K (1..255) of the profile's ATR\n"
                 "  -S, --state FILE          the card's non-volatile memory: loaded if FILE\n"
                 "                            exists, else created; every change is written\n"
                 "                            before the card answers (default: in memory)\n"
                 "  --reconnect               when vpcd closes the connection (pcscd exited or\n"
                 "                            restarted), power off and connect again, retrying\n"
                 "                            for the connect timeout; PIN counters and files\n"
                 "                            stay (default: end serve with status 0)\n"
                 "  -h, --help                this text\n");
    fputs(RELAY_USAGE, out);
    fputs("  --replay TRACE            be the card recorded in TRACE (docs/trace.md); the first\n"
          "                            departing command is reported, then answered 6F00\n",
          out);
}

static void usage_run(FILE *out)
{
    fprintf(out,
            "Usage: sdemu run [--profile FILE]... [--cards N] [--timeout S] [--verbose] --\n"
            "                 COMMAND [ARGS]\n"
            "Starts a private pcscd with N vpcd readers and one emulated card in each, waits\n"
            "until every card is present, runs COMMAND, then stops everything it started and\n"
            "exits with COMMAND's status (128+N if a signal N killed it; %d if sdemu itself\n"
            "failed). COMMAND's environment:\n"
            "  PCSCLITE_CSOCK_NAME  the private pcscd socket (PC/SC clients use it)\n"
            "  SDEMU_READER         the first card's reader name, e.g. \"sdemu 1 00 00\"\n"
            "  SDEMU_READERS        all reader names, one per line\n"
            "  SDEMU_SANDBOX        the sandbox directory (removed afterwards)\n"
            "  SDEMU_CONTROL        the first card's control socket (sdemu ctl)\n"
            "  SDEMU_CONTROLS       all control sockets, one per line\n"
            "  SDEMU_RUN_PID        the PID of sdemu run: send it SIGUSR1 to restart pcscd\n"
            "SIGUSR1 while COMMAND runs restarts the private pcscd (same socket, same readers):\n"
            "COMMAND's PC/SC handles then fail (SCARD_E_NO_SERVICE) and it must establish a new\n"
            "context; the profile cards connect to the new pcscd by themselves, keeping their\n"
            "PIN counters and files (relay and replay cards end).\n"
            "Read by sdemu run: SDEMU_PCSCD (pcscd program, default " EMU_SANDBOX_PCSCD ") and\n"
            "SDEMU_VPCD_DRIVER (vpcd driver, default " EMU_SANDBOX_DRIVER ").\n\n"
            "  -p, --profile FILE  a card profile; give it once per card (default: %s)\n"
            "  -c, --cards N       number of cards (default: number of profiles, or 1)\n"
            "  -t, --timeout S     give up if the cards are not present after S seconds\n"
            "                      (default 10)\n"
            "  -v, --verbose       log the sandbox, PIDs and pcscd's output on stderr\n"
            "  -h, --help          this text\n"
            "Relay (one card forwarding to a card of another pcscd; upstream socket default:\n"
            "PCSCLITE_CSOCK_NAME as sdemu run finds it, else the system socket):\n" RELAY_USAGE
            "Replay (one card answering from a recorded trace, docs/trace.md):\n"
            "  --replay TRACE            the first departing command is reported by the card\n"
            "                            (stderr), then answered 6F00\n",
            EXIT_SDEMU, SDEMU_DEFAULT_PROFILE);
}

static void usage_check(FILE *out)
{
    fprintf(out, "Usage: sdemu check FILE...\n"
                 "Validates profiles: prints \"FILE: ok\" or \"FILE:LINE:COLUMN: message\".\n"
                 "Exits 1 if any profile has an error.\n\n"
                 "  -h, --help  this text\n");
}

static int parse_seconds(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !(v > 0) || v > 86400)
        return -1;
    *out = v;
    return 0;
}

static emu_profile *load_profile(const char *path)
{
    emu_error err;
    memset(&err, 0, sizeof err);
    emu_profile *p = emu_profile_load(path, &err);
    if (!p) {
        char msg[1200];
        emu_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
    }
    return p;
}

/* Connects to vpcd at 127.0.0.1:port and serves `ops` until the link ends; -1 when it could
 * not connect (message on stderr). Used by the cards without a card OS (relay, replay). */
static int serve_link(uint16_t port, int timeout_ms, const emu_vpcd_ops *ops, void *ctx,
                      const char *name, emu_vpcd_end *end)
{
    int fd = emu_vpcd_connect(port, timeout_ms, name);
    if (fd < 0)
        return -1;
    *end = emu_vpcd_serve(fd, ops, ctx, 0, name);
    close(fd);
    return 0;
}

/* ---- relay (sdemu serve --relay, sdemu run --relay) ---- */

typedef struct relay_opts {
    const char *spec; /* NULL: not a relay */
    const char *upstream_socket;
    const char *trace;
    const char *timeout; /* as given, passed on by run */
    double timeout_s;
    bool trace_secrets;
} relay_opts;

/* Handles one relay option; 0, or -1 after a message. */
static int relay_option(int c, const char *arg, relay_opts *ro, const char *cmd)
{
    switch (c) {
    case OPT_RELAY:
        if (!emu_relay_parse_spec(arg)) {
            fprintf(stderr, "%s %s: bad --relay '%s': expected pcsc:READER\n", prog, cmd, arg);
            return -1;
        }
        ro->spec = arg;
        return 0;
    case OPT_UPSTREAM_SOCKET:
        ro->upstream_socket = arg;
        return 0;
    case OPT_UPSTREAM_TIMEOUT:
        if (parse_seconds(arg, &ro->timeout_s) != 0) {
            fprintf(stderr, "%s %s: bad --upstream-timeout '%s'\n", prog, cmd, arg);
            return -1;
        }
        ro->timeout = arg;
        return 0;
    case OPT_RELAY_TRACE:
        ro->trace = arg;
        return 0;
    default:
        ro->trace_secrets = true;
        return 0;
    }
}

/* sdemu serve --relay: the relay card in vpcd's reader at `port`. */
static int serve_relay(const relay_opts *ro, uint16_t port, int timeout_ms, const char *name)
{
    emu_relay_config cfg = {.reader = emu_relay_parse_spec(ro->spec),
                            .upstream_socket = ro->upstream_socket,
                            .trace_path = ro->trace,
                            .trace_secrets = ro->trace_secrets,
                            .timeout_ms = ro->timeout ? (int)(ro->timeout_s * 1000) : 0,
                            .name = name};
    char err[512];
    emu_relay *relay = emu_relay_open(&cfg, err, sizeof err);
    if (!relay) {
        fprintf(stderr, "%s: %s: %s\n", prog, name, err);
        return 1;
    }
    emu_vpcd_end end;
    int rc = serve_link(port, timeout_ms, &emu_relay_vpcd_ops, relay, name, &end) == 0
                 ? emu_relay_finish(relay, end)
                 : 1;
    emu_relay_close(relay);
    return rc;
}

/* ---- replay (sdemu serve --replay TRACE; emu_replay.h) ---- */

enum { OPT_REPLAY = 0x380, OPT_RECONNECT };

static int serve_replay(const char *path, uint16_t port, int timeout_ms, const char *name)
{
    if (port == 0) {
        fprintf(stderr, "%s serve: --replay needs --vpcd\n", prog);
        return EXIT_SDEMU;
    }
    char err[1024];
    emu_replay *r = emu_replay_open(path, name, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s: %s: %s\n", prog, name, err);
        return 1;
    }
    emu_vpcd_end end;
    int rc = serve_link(port, timeout_ms, &emu_replay_vpcd_ops, r, name, &end) == 0
                 ? emu_replay_finish(r, end)
                 : 1;
    emu_replay_close(r);
    return rc;
}

/* ---- serve ---- */

/* serve's options around the card: control socket, identity. */
typedef struct serve_extra {
    const char *control;  /* NULL: no control socket */
    const char *serial;   /* NULL: the profile's */
    unsigned atr_variant; /* 0: the profile's ATR */
    emu_statefile *state; /* NULL: the card lives in memory (--state) */
    bool reconnect;       /* --reconnect: outlive a pcscd restart */
} serve_extra;

static int serve_extra_option(int c, const char *arg, serve_extra *extra)
{
    if (c == 'C') {
        extra->control = arg;
    } else if (c == 's') {
        extra->serial = arg;
    } else {
        char *end;
        unsigned long v = strtoul(arg, &end, 10);
        if (*arg < '0' || *arg > '9' || *end || v < 1 || v > 255) {
            fprintf(stderr, "%s serve: bad --atr-variant '%s' (1..255)\n", prog, arg);
            return -1;
        }
        extra->atr_variant = (unsigned)v;
    }
    return 0;
}

/* emu_statefile_save in the shape of emu_serve_config.save_state. */
static int save_state(void *ctx, char *msg, size_t cap)
{
    return emu_statefile_save(ctx, msg, cap);
}

/* Serves `card` in vpcd's reader at `port` (with the control socket, if any) until vpcd
 * closes; returns serve's exit status. */
static int serve_card(emu_card *card, uint16_t port, int timeout_ms, const char *name,
                      const serve_extra *extra)
{
    static emu_control ctl; /* large-ish and lives for the whole serve */
    emu_control_init(&ctl, card, extra->serial, NULL, NULL);
    if (extra->atr_variant) {
        uint8_t atr[EMU_VARIANT_ATR_MAX];
        size_t len;
        if (emu_variant_atr(ctl.atr, ctl.atr_len, extra->atr_variant, atr, &len) != 0 ||
            emu_control_set_atr(&ctl, atr, len) != 0) {
            fprintf(stderr, "%s: %s: the profile's ATR has no variant %u\n", prog, name,
                    extra->atr_variant);
            return 1;
        }
    }
    emu_serve_config cfg = {.ctl = &ctl,
                            .port = port,
                            .connect_timeout_ms = timeout_ms,
                            .name = name,
                            .control_path = extra->control,
                            .power_cut = extra->state ? emu_statefile_power_cut : NULL,
                            .power_cut_ctx = extra->state,
                            .save_state = extra->state ? save_state : NULL,
                            .reconnect = extra->reconnect};
    return emu_serve_run(&cfg);
}

static int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"profile", required_argument, NULL, 'p'},
        {"vpcd", required_argument, NULL, 'v'},
        {"connect-timeout", required_argument, NULL, 't'},
        {"name", required_argument, NULL, 'n'},
        {"control", required_argument, NULL, 'C'},
        {"serial", required_argument, NULL, 's'},
        {"atr-variant", required_argument, NULL, 'a'},
        {"state", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        RELAY_LONG_OPTIONS,
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"reconnect", no_argument, NULL, OPT_RECONNECT},
        {NULL, 0, NULL, 0},
    };
    const char *profile_path = NULL, *name = "card", *state_path = NULL, *replay_path = NULL;
    serve_extra extra = {NULL, NULL, 0, NULL, false};
    relay_opts relay = {0};
    uint16_t port = 0;
    double timeout = DEFAULT_TIMEOUT_S;
    int c;
    while ((c = getopt_long(argc, argv, "+p:v:t:n:C:s:a:S:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            profile_path = optarg;
            break;
        case 'v':
            if (emu_vpcd_parse_address(optarg, &port) != 0) {
                fprintf(stderr,
                        "%s serve: bad --vpcd '%s': expected 127.0.0.1:PORT or localhost:PORT\n",
                        prog, optarg);
                return EXIT_SDEMU;
            }
            break;
        case 't':
            if (parse_seconds(optarg, &timeout) != 0) {
                fprintf(stderr, "%s serve: bad --connect-timeout '%s'\n", prog, optarg);
                return EXIT_SDEMU;
            }
            break;
        case 'n':
            name = optarg;
            break;
        case 'S':
            state_path = optarg;
            break;
        case 'C':
        case 's':
        case 'a':
            if (serve_extra_option(c, optarg, &extra) != 0)
                return EXIT_SDEMU;
            break;
        case 'h':
            usage_serve(stdout);
            return 0;
        case OPT_RELAY:
        case OPT_UPSTREAM_SOCKET:
        case OPT_UPSTREAM_TIMEOUT:
        case OPT_RELAY_TRACE:
        case OPT_TRACE_SECRETS:
            if (relay_option(c, optarg, &relay, "serve") != 0)
                return EXIT_SDEMU;
            break;
        case OPT_REPLAY:
            replay_path = optarg;
            break;
        case OPT_RECONNECT:
            extra.reconnect = true;
            break;
        default:
            usage_serve(stderr);
            return EXIT_SDEMU;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s serve: unexpected argument '%s'\n", prog, argv[optind]);
        return EXIT_SDEMU;
    }
    if (extra.reconnect && (replay_path || relay.spec)) {
        /* Their session (a trace position, an upstream connection) cannot survive it. */
        fprintf(stderr, "%s serve: --reconnect is for profile cards, not --replay or --relay\n",
                prog);
        return EXIT_SDEMU;
    }
    if (replay_path)
        return serve_replay(replay_path, port, (int)(timeout * 1000), name);
    if (relay.spec) {
        /* The relay has no card OS: nothing to load, control or keep. */
        if (profile_path || state_path || extra.control || extra.serial || extra.atr_variant ||
            port == 0) {
            fprintf(stderr,
                    "%s serve: --relay needs --vpcd and takes no --profile, --state, "
                    "--control, --serial or --atr-variant\n",
                    prog);
            return EXIT_SDEMU;
        }
        return serve_relay(&relay, port, (int)(timeout * 1000), name);
    }
    if (relay.upstream_socket || relay.trace || relay.timeout || relay.trace_secrets) {
        fprintf(stderr,
                "%s serve: --upstream-socket, --upstream-timeout, --trace and "
                "--trace-secrets need --relay\n",
                prog);
        return EXIT_SDEMU;
    }
    if (!profile_path || port == 0) {
        fprintf(stderr, "%s serve: --profile and --vpcd are required\n", prog);
        usage_serve(stderr);
        return EXIT_SDEMU;
    }
    emu_profile *profile = load_profile(profile_path);
    if (!profile)
        return 1;
    emu_card *card = emu_card_new(profile);
    if (!extra.serial)
        extra.serial = emu_profile_serial(profile); /* valid while the profile lives */
    if (!card) {
        emu_profile_free(profile);
        fprintf(stderr, "%s: %s: out of memory\n", prog, name);
        return 1;
    }
    if (state_path) {
        char err[1024];
        extra.state = emu_statefile_open(card, state_path, err, sizeof err);
        if (!extra.state) {
            fprintf(stderr, "%s: %s: %s\n", prog, name, err);
            emu_profile_free(profile);
            emu_card_free(card);
            return 1;
        }
    }
    int rc = serve_card(card, port, (int)(timeout * 1000), name, &extra);
    emu_statefile_close(extra.state);
    emu_profile_free(profile);
    emu_card_free(card);
    return rc;
}

/* ---- check ---- */

static int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage_check(stdout);
            return 0;
        }
        usage_check(stderr);
        return EXIT_SDEMU;
    }
    if (optind >= argc) {
        fprintf(stderr, "%s check: no FILE given\n", prog);
        usage_check(stderr);
        return EXIT_SDEMU;
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        emu_profile *p = load_profile(argv[i]);
        if (p)
            printf("%s: ok\n", argv[i]);
        else
            rc = 1;
        emu_profile_free(p);
    }
    return rc;
}

/* ---- run ---- */

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_alarm;
static volatile sig_atomic_t got_restart; /* SIGUSR1: restart pcscd */

static void on_signal(int sig)
{
    if (sig == SIGALRM)
        got_alarm = 1;
    else if (sig == SIGUSR1)
        got_restart = 1;
    else if (sig == SIGCHLD)
        return; /* only wakes sigsuspend */
    else if (!got_signal)
        got_signal = sig;
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a signal must interrupt waitpid. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    /* Caught from the start, so an early SIGUSR1 cannot kill the run; acted on while the
     * command runs (wait_command). */
    sigaction(SIGUSR1, &sa, NULL);
}

static void restore_signals_in_child(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* fork() for a child that will exec: signals stay blocked across the fork, so one sent to the
 * child before it restored the default handlers is not swallowed by ours (the child would then
 * run on until SIGKILL). Returns as fork() does; the child has default handlers, nothing blocked.
 */
static pid_t fork_child(void)
{
    sigset_t all_signals, orig;
    sigfillset(&all_signals);
    sigprocmask(SIG_BLOCK, &all_signals, &orig);
    pid_t pid = fork();
    if (pid == 0) {
        restore_signals_in_child();
        return 0;
    }
    sigprocmask(SIG_SETMASK, &orig, NULL);
    return pid;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void describe_status(int status, char *buf, size_t cap)
{
    if (WIFSIGNALED(status))
        snprintf(buf, cap, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, cap, "exited with status %d", WEXITSTATUS(status));
}

typedef struct run_state {
    emu_sandbox *sb;
    unsigned cards;
    pid_t card_pid[EMU_SANDBOX_MAX_READERS];
    bool verbose;
    char control[EMU_SANDBOX_MAX_READERS][96];     /* each card's control socket */
    char serial[EMU_SANDBOX_MAX_READERS][128];     /* "" : the profile's own */
    unsigned atr_variant[EMU_SANDBOX_MAX_READERS]; /* 0: the profile's ATR */
    relay_opts relay;                              /* relay.spec: card 1 is a relay */
    const char *replay;                            /* card 1 replays this trace; NULL: no */
} run_state;

static pid_t start_card(const run_state *rs, unsigned i, const char *profile, uint16_t port,
                        double timeout)
{
    char addr[32], name[32], secs[32], variant[16];
    snprintf(variant, sizeof variant, "%u", rs->atr_variant[i]);
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    snprintf(name, sizeof name, "card %u", i + 1);
    snprintf(secs, sizeof secs, "%g", timeout);
    fflush(NULL);
    pid_t pid = fork_child();
    if (pid != 0)
        return pid;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    /* Several cards from one profile get their own serial and ATR variant. */
    /* A profile card comes back by itself when pcscd is restarted (SIGUSR1). */
    const char *args[24] = {"sdemu",      "serve", "--profile",         profile,
                            "--vpcd",     addr,    "--connect-timeout", secs,
                            "--name",     name,    "--control",         rs->control[i],
                            "--reconnect"};
    size_t n = 13;
    if (rs->replay) {
        /* A replayed card has no profile and no control socket either. */
        n = 2;
        const char *replay_args[] = {"--vpcd", addr, "--connect-timeout", secs,
                                     "--name", name, "--replay",          rs->replay};
        for (size_t k = 0; k < sizeof replay_args / sizeof replay_args[0]; k++)
            args[n++] = replay_args[k];
    } else if (rs->relay.spec) {
        /* A relay has no profile and no control socket; the upstream socket is passed
         * explicitly (our own PCSCLITE_CSOCK_NAME is about to become the sandbox's). */
        n = 2;
        const char *relay_args[] = {"--vpcd", addr, "--connect-timeout", secs,
                                    "--name", name, "--relay",           rs->relay.spec};
        for (size_t k = 0; k < sizeof relay_args / sizeof relay_args[0]; k++)
            args[n++] = relay_args[k];
        if (rs->relay.upstream_socket) {
            args[n++] = "--upstream-socket";
            args[n++] = rs->relay.upstream_socket;
        }
        if (rs->relay.trace) {
            args[n++] = "--trace";
            args[n++] = rs->relay.trace;
        }
        if (rs->relay.timeout) {
            args[n++] = "--upstream-timeout";
            args[n++] = rs->relay.timeout;
        }
        if (rs->relay.trace_secrets)
            args[n++] = "--trace-secrets";
    }
    if (rs->serial[i][0]) {
        args[n++] = "--serial";
        args[n++] = rs->serial[i];
    }
    if (rs->atr_variant[i]) {
        args[n++] = "--atr-variant";
        args[n++] = variant;
    }
    args[n] = NULL;
    execv("/proc/self/exe", (char *const *)args);
    fprintf(stderr, "%s: exec /proc/self/exe: %s\n", prog, strerror(errno));
    _exit(EXIT_SDEMU);
}

/* Notes a child reaped by waitpid(-1): pcscd or a card dying during the run is reported. */
static void note_exit(run_state *rs, pid_t pid, int status, bool tearing_down)
{
    char how[64];
    describe_status(status, how, sizeof how);
    if (pid == emu_sandbox_pcscd_pid(rs->sb)) {
        emu_sandbox_pcscd_reaped(rs->sb);
        if (!tearing_down)
            fprintf(stderr, "%s: pcscd (pid %ld) %s during the run\n", prog, (long)pid, how);
        return;
    }
    for (unsigned i = 0; i < rs->cards; i++) {
        if (rs->card_pid[i] == pid) {
            rs->card_pid[i] = -1;
            if (!tearing_down)
                fprintf(stderr, "%s: card %u (pid %ld) %s during the run\n", prog, i + 1, (long)pid,
                        how);
        }
    }
}

/* Reaps children that already exited, without blocking. */
static void reap_ready(run_state *rs, bool tearing_down)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        note_exit(rs, pid, status, tearing_down);
}

static void teardown(run_state *rs)
{
    for (unsigned i = 0; i < rs->cards; i++)
        if (rs->card_pid[i] > 0)
            kill(rs->card_pid[i], SIGTERM);
    reap_ready(rs, true);
    char dir[64];
    snprintf(dir, sizeof dir, "%s", rs->sb ? emu_sandbox_dir(rs->sb) : "");
    emu_sandbox_stop(rs->sb); /* SIGTERM pcscd, wait, remove the directory */
    rs->sb = NULL;
    long long deadline = now_ms() + STOP_GRACE_MS;
    for (unsigned i = 0; i < rs->cards; i++) {
        while (rs->card_pid[i] > 0) {
            pid_t r = waitpid(rs->card_pid[i], NULL, WNOHANG);
            if (r == rs->card_pid[i] || (r < 0 && errno == ECHILD)) {
                rs->card_pid[i] = -1;
                break;
            }
            if (now_ms() >= deadline) {
                kill(rs->card_pid[i], SIGKILL);
                waitpid(rs->card_pid[i], NULL, 0);
                rs->card_pid[i] = -1;
                break;
            }
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (rs->verbose)
        fprintf(stderr, "%s: stopped; removed %s\n", prog, dir);
}

/* Waits for every card to be present; 0 on success. */
static int wait_cards(run_state *rs, double timeout)
{
    long long deadline = now_ms() + (long long)(timeout * 1000);
    char err[512];
    for (unsigned i = 0; i < rs->cards; i++) {
        for (;;) {
            if (got_signal)
                return -1;
            reap_ready(rs, false);
            if (rs->card_pid[i] < 0) {
                fprintf(stderr, "%s: card %u exited before it was present in '%s'\n", prog, i + 1,
                        emu_sandbox_reader(rs->sb, i));
                return -1;
            }
            long long left = deadline - now_ms();
            /* Short slices, so a dead card or a signal is noticed quickly. */
            int slice = left > 200 ? 200 : (int)(left > 0 ? left : 0);
            int rc = emu_sandbox_wait_card(rs->sb, i, slice, err, sizeof err);
            if (rc == 0)
                break;
            if (rc < 0 || left <= 0) {
                if (rc > 0)
                    snprintf(err, sizeof err, "no card in reader '%s' after %g s",
                             emu_sandbox_reader(rs->sb, i), timeout);
                fprintf(stderr, "%s: %s\n", prog, err);
                return -1;
            }
        }
    }
    return 0;
}

static pid_t start_command(run_state *rs, char **argv)
{
    size_t total = 1;
    for (unsigned i = 0; i < rs->cards; i++)
        total += strlen(emu_sandbox_reader(rs->sb, i)) + 1 + strlen(rs->control[i]) + 1;
    char *all = calloc(1, total);
    if (!all)
        return -1;
    size_t used = 0;
    for (unsigned i = 0; i < rs->cards; i++) {
        const char *name = emu_sandbox_reader(rs->sb, i);
        size_t n = strlen(name);
        if (i)
            all[used++] = '\n';
        memcpy(all + used, name, n); /* total counted every name and separator above */
        used += n;
    }
    all[used] = '\0';
    char run_pid[32];
    snprintf(run_pid, sizeof run_pid, "%ld", (long)getpid());
    /* Only the command's SIGUSR1 counts: one from before it existed is dropped. */
    got_restart = 0;
    fflush(NULL);
    pid_t pid = fork_child();
    if (pid != 0) {
        free(all);
        return pid;
    }
    setenv("PCSCLITE_CSOCK_NAME", emu_sandbox_socket(rs->sb), 1);
    setenv("SDEMU_RUN_PID", run_pid, 1);
    setenv("SDEMU_READER", emu_sandbox_reader(rs->sb, 0), 1);
    setenv("SDEMU_READERS", all, 1);
    setenv("SDEMU_SANDBOX", emu_sandbox_dir(rs->sb), 1);
    /* `all` had room for the reader names; the control paths fit in it as well. */
    used = 0;
    for (unsigned i = 0; i < rs->cards; i++) {
        size_t n = strlen(rs->control[i]);
        if (i)
            all[used++] = '\n';
        memcpy(all + used, rs->control[i], n);
        used += n;
    }
    all[used] = '\0';
    setenv("SDEMU_CONTROL", rs->control[0], 1);
    setenv("SDEMU_CONTROLS", all, 1);
    execvp(argv[0], argv);
    int e = errno;
    fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0], strerror(e));
    _exit(e == ENOENT ? 127 : 126);
}

/* SIGUSR1: replaces pcscd by a new one. The profile cards (serve --reconnect) connect to it
 * by themselves; the command's old PC/SC handles fail from now on, as after any pcscd restart.
 * A failure is reported and the run goes on (the command's calls will fail). */
static void restart_pcscd(run_state *rs)
{
    if (rs->verbose)
        fprintf(stderr, "%s: SIGUSR1: restarting pcscd (pid %ld)\n", prog,
                (long)emu_sandbox_pcscd_pid(rs->sb));
    char err[512];
    if (emu_sandbox_restart_pcscd(rs->sb, err, sizeof err) != 0) {
        fprintf(stderr, "%s: cannot restart pcscd: %s\n", prog, err);
        return;
    }
    if (rs->verbose)
        fprintf(stderr, "%s: pcscd restarted: pid %ld\n", prog,
                (long)emu_sandbox_pcscd_pid(rs->sb));
}

/* Waits for the command; forwards SIGINT/SIGTERM/SIGHUP to it and, if it lingers, kills it.
 * Restarts pcscd on SIGUSR1. */
static int wait_command(run_state *rs, pid_t cmd)
{
    /* Signals stay blocked except inside sigsuspend, so none can arrive between the checks and
     * the wait (SIGCHLD wakes it when a child exits). */
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &orig);
    /* Only here: elsewhere an interrupting SIGCHLD would disturb the PC/SC calls. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    int forwarded = 0, rc = -1;
    while (rc < 0) {
        if (got_signal && !forwarded) {
            forwarded = got_signal;
            kill(cmd, forwarded);
            alarm(STOP_GRACE_MS / 1000);
        }
        if (got_alarm) {
            got_alarm = 0;
            kill(cmd, SIGKILL);
        }
        if (got_restart && !forwarded) {
            got_restart = 0;
            restart_pcscd(rs);
        }
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == cmd) {
            alarm(0);
            if (WIFSIGNALED(status))
                rc = 128 + WTERMSIG(status);
            else
                rc = forwarded ? 128 + forwarded : WEXITSTATUS(status);
        } else if (pid > 0) {
            note_exit(rs, pid, status, false);
        } else if (pid < 0 && errno == ECHILD) {
            rc = EXIT_SDEMU; /* cannot happen: cmd is our child */
        } else {
            sigsuspend(&orig);
        }
    }
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"profile", required_argument, NULL, 'p'},
        {"cards", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"replay", required_argument, NULL, OPT_REPLAY},
        RELAY_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    static run_state rs;
    memset(&rs, 0, sizeof rs);
    const char *profiles[EMU_SANDBOX_MAX_READERS];
    unsigned n_profiles = 0, cards = 0;
    double timeout = DEFAULT_TIMEOUT_S;
    bool verbose = false;
    int c;
    while ((c = getopt_long(argc, argv, "+p:c:t:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (n_profiles == EMU_SANDBOX_MAX_READERS) {
                fprintf(stderr, "%s run: at most %d cards\n", prog, EMU_SANDBOX_MAX_READERS);
                return EXIT_SDEMU;
            }
            profiles[n_profiles++] = optarg;
            break;
        case 'c': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || v < 1 || v > EMU_SANDBOX_MAX_READERS) {
                fprintf(stderr, "%s run: bad --cards '%s' (1..%d)\n", prog, optarg,
                        EMU_SANDBOX_MAX_READERS);
                return EXIT_SDEMU;
            }
            cards = (unsigned)v;
            break;
        }
        case 't':
            if (parse_seconds(optarg, &timeout) != 0) {
                fprintf(stderr, "%s run: bad --timeout '%s'\n", prog, optarg);
                return EXIT_SDEMU;
            }
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage_run(stdout);
            return 0;
        case OPT_RELAY:
        case OPT_UPSTREAM_SOCKET:
        case OPT_UPSTREAM_TIMEOUT:
        case OPT_RELAY_TRACE:
        case OPT_TRACE_SECRETS:
            if (relay_option(c, optarg, &rs.relay, "run") != 0)
                return EXIT_SDEMU;
            break;
        case OPT_REPLAY:
            rs.replay = optarg;
            break;
        default:
            usage_run(stderr);
            return EXIT_SDEMU;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s run: no COMMAND given (put it after --)\n", prog);
        usage_run(stderr);
        return EXIT_SDEMU;
    }
    if (rs.replay) {
        if (rs.relay.spec || n_profiles > 0 || cards > 1) {
            fprintf(stderr, "%s run: --replay makes one card; no --relay, --profile or --cards\n",
                    prog);
            return EXIT_SDEMU;
        }
        /* Refuse a malformed trace here, with file:line, before anything is started. */
        char err[1024];
        emu_replay *r = emu_replay_open(rs.replay, "run", err, sizeof err);
        if (!r) {
            fprintf(stderr, "%s run: %s\n", prog, err);
            return EXIT_SDEMU;
        }
        emu_replay_close(r);
    }
    if (rs.relay.spec && (n_profiles > 0 || cards > 1)) {
        fprintf(stderr, "%s run: --relay makes one relay card; no --profile or --cards\n", prog);
        return EXIT_SDEMU;
    }
    if (!rs.relay.spec && (rs.relay.upstream_socket || rs.relay.trace || rs.relay.timeout ||
                           rs.relay.trace_secrets)) {
        fprintf(stderr,
                "%s run: --upstream-socket, --upstream-timeout, --trace and "
                "--trace-secrets need --relay\n",
                prog);
        return EXIT_SDEMU;
    }
    /* The upstream is the pcscd this process was pointed at, unless said otherwise. */
    static char upstream[256]; /* a copy: this process's own variable changes below */
    if (rs.relay.spec && !rs.relay.upstream_socket && getenv("PCSCLITE_CSOCK_NAME")) {
        snprintf(upstream, sizeof upstream, "%s", getenv("PCSCLITE_CSOCK_NAME"));
        rs.relay.upstream_socket = upstream;
    }
    if (n_profiles == 0)
        profiles[n_profiles++] = SDEMU_DEFAULT_PROFILE;
    if (cards == 0)
        cards = n_profiles;
    if (n_profiles > 1 && cards != n_profiles) {
        fprintf(stderr, "%s run: %u profiles given but --cards %u\n", prog, n_profiles, cards);
        return EXIT_SDEMU;
    }
    /* Refuse a bad profile here, with its position, before anything is started. */
    for (unsigned i = 0; !rs.relay.spec && !rs.replay && i < n_profiles; i++) {
        emu_profile *p = load_profile(profiles[i]);
        if (!p)
            return EXIT_SDEMU;
        /* --cards N with one profile: card k gets serial "<serial>-k" and ATR variant k. */
        for (unsigned k = 0; n_profiles == 1 && cards > 1 && k < cards; k++) {
            rs.atr_variant[k] = k + 1;
            if (emu_variant_serial(emu_profile_serial(p), k + 1, rs.serial[k],
                                   sizeof rs.serial[k]) != 0) {
                fprintf(stderr, "%s run: %s: serial number too long\n", prog, profiles[i]);
                emu_profile_free(p);
                return EXIT_SDEMU;
            }
        }
        emu_profile_free(p);
    }

    install_handlers();
    rs.cards = cards;
    rs.verbose = verbose;
    for (unsigned i = 0; i < EMU_SANDBOX_MAX_READERS; i++)
        rs.card_pid[i] = -1;
    /* SDEMU_PCSCD and SDEMU_VPCD_DRIVER point at a pcscd or vpcd driver installed elsewhere. */
    emu_sandbox_config cfg = {.readers = cards,
                              .pcscd_output = verbose,
                              .pcscd = getenv("SDEMU_PCSCD"),
                              .driver = getenv("SDEMU_VPCD_DRIVER")};
    char err[512];
    if (emu_sandbox_start(&cfg, &rs.sb, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return EXIT_SDEMU;
    }
    if (verbose)
        fprintf(stderr, "%s: sandbox %s socket %s\n%s: pcscd pid %ld\n", prog,
                emu_sandbox_dir(rs.sb), emu_sandbox_socket(rs.sb), prog,
                (long)emu_sandbox_pcscd_pid(rs.sb));
    for (unsigned i = 0; i < cards; i++) {
        const char *profile = profiles[n_profiles > 1 ? i : 0];
        snprintf(rs.control[i], sizeof rs.control[i], "%s/card%u.ctl", emu_sandbox_dir(rs.sb),
                 i + 1);
        rs.card_pid[i] = start_card(&rs, i, profile, emu_sandbox_port(rs.sb, i), timeout);
        if (rs.card_pid[i] < 0) {
            fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
            teardown(&rs);
            return EXIT_SDEMU;
        }
        if (verbose)
            fprintf(stderr, "%s: card %u pid %ld port %u reader '%s' profile %s control %s\n", prog,
                    i + 1, (long)rs.card_pid[i], emu_sandbox_port(rs.sb, i),
                    emu_sandbox_reader(rs.sb, i), profile, rs.control[i]);
    }
    if (wait_cards(&rs, timeout) != 0) {
        int sig = got_signal;
        teardown(&rs);
        return sig ? 128 + sig : EXIT_SDEMU;
    }
    pid_t cmd = start_command(&rs, argv + optind);
    if (cmd < 0) {
        fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
        teardown(&rs);
        return EXIT_SDEMU;
    }
    if (verbose)
        fprintf(stderr, "%s: command pid %ld\n", prog, (long)cmd);
    int rc = wait_command(&rs, cmd);
    teardown(&rs);
    return rc;
}

/* ---- ctl ---- */

static void usage_ctl(FILE *out)
{
    fprintf(out,
            "Usage: sdemu ctl SOCKET COMMAND [ARGS]...\n"
            "Sends one command to a card's control socket (sdemu serve --control; under\n"
            "sdemu run: $SDEMU_CONTROL) and prints the reply. Exit 0 on \"ok\", 1 on \"error\"\n"
            "or no reply, 2 on bad usage. Commands (see docs/sdemu.md):\n"
            "  remove | insert | reset | status | help\n"
            "  snapshot FILE | restore FILE\n"
            "  pin-tries REF [DF] | set-pin-tries REF N [DF]\n"
            "  fault delay MS [N] | fault sw XXXX [N] | fault drop | fault power-cut |\n"
            "  fault clear\n");
}

/* Long enough for an insert (vpcd connect timeout) behind a delayed command. */
#define CTL_TIMEOUT_MS 120000

static int cmd_ctl(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage_ctl(stdout);
        return 0;
    }
    if (argc < 3) {
        usage_ctl(stderr);
        return 2;
    }
    char line[EMU_CONTROL_LINE_MAX + 1];
    size_t used = 0;
    for (int i = 2; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (n + 2 > sizeof line - used) {
            fprintf(stderr, "%s ctl: command longer than %u bytes\n", prog, EMU_CONTROL_LINE_MAX);
            return 2;
        }
        if (strchr(argv[i], '\n')) {
            fprintf(stderr, "%s ctl: an argument holds a newline\n", prog);
            return 2;
        }
        if (i > 2)
            line[used++] = ' ';
        memcpy(line + used, argv[i], n);
        used += n;
    }
    line[used] = '\0';
    char reply[EMU_CONTROL_REPLY_MAX + 1];
    if (emu_serve_request(argv[1], line, reply, sizeof reply, CTL_TIMEOUT_MS) != 0) {
        fprintf(stderr, "%s ctl: %s\n", prog, reply);
        return 1;
    }
    printf("%s\n", reply);
    return strncmp(reply, "ok", 2) == 0 && (reply[2] == '\0' || reply[2] == ' ') ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_SDEMU;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        usage_main(stdout);
        return 0;
    }
    if (strcmp(sub, "-V") == 0 || strcmp(sub, "--version") == 0) {
        printf("sdemu %s\n", SDEMU_VERSION);
        return 0;
    }
    /* getopt_long then sees the subcommand as argv[0]. */
    if (strcmp(sub, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(sub, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(sub, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(sub, "ctl") == 0)
        return cmd_ctl(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command '%s'\n", prog, sub);
    usage_main(stderr);
    return EXIT_SDEMU;
}
