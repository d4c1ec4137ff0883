/* Run under `sdemu run`: one scenario (argv[1]) that drives the card through pcscd and its
 * control socket (via `$SDEMU_EXE ctl $SDEMU_CONTROL ...`). Prints "SCENARIO ok" and exits 0
 * when every step answered as expected; otherwise prints what differed and exits 1. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <winscard.h>

static SCARDCONTEXT ctx;
static SCARDHANDLE card;
static DWORD proto;
static const char *reader;
/* From the environment `sdemu run` gives; checked once in main(). */
static const char *sdemu_exe, *control, *sandbox;

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ctl_check: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* Runs `sdemu ctl SOCKET words...`; returns its exit status, the reply line in out. */
static int ctl_on(const char *sock, char *out, size_t cap, const char *w1, const char *w2,
                  const char *w3, const char *w4)
{
    int p[2];
    if (pipe(p) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        execl(sdemu_exe, "sdemu", "ctl", sock, w1, w2, w3, w4, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t have = 0;
    ssize_t n;
    while (have + 1 < cap && (n = read(p[0], out + have, cap - 1 - have)) > 0)
        have += (size_t)n;
    out[have] = '\0';
    if (have && out[have - 1] == '\n')
        out[have - 1] = '\0';
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    printf("ctl %s%s%s%s%s%s%s -> %s\n", w1, w2 ? " " : "", w2 ? w2 : "", w3 ? " " : "",
           w3 ? w3 : "", w4 ? " " : "", w4 ? w4 : "", out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* `sdemu ctl $SDEMU_CONTROL ...`, which must answer "expect" (a prefix). */
static void ctl_expect(const char *expect, const char *w1, const char *w2, const char *w3,
                       const char *w4)
{
    char out[1100];
    int st = ctl_on(control, out, sizeof out, w1, w2, w3, w4);
    if (strncmp(out, expect, strlen(expect)) != 0 || (st == 0) != (strncmp(out, "ok", 2) == 0))
        die("ctl %s: expected '%s', got '%s' (status %d)", w1, expect, out, st);
}

static void connect_card(void)
{
    LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           &card, &proto);
    if (rv != SCARD_S_SUCCESS)
        die("SCardConnect: %s", pcsc_stringify_error(rv));
}

static LONG xmit_rv(const BYTE *apdu, DWORD len, BYTE *resp, DWORD *rlen)
{
    const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    return SCardTransmit(card, pci, apdu, len, NULL, resp, rlen);
}

/* Sends an APDU, requires SW `sw`; returns the data length (response in resp). */
static DWORD xmit(const BYTE *apdu, DWORD len, unsigned sw, BYTE *resp, DWORD cap)
{
    DWORD rlen = cap;
    LONG rv = xmit_rv(apdu, len, resp, &rlen);
    if (rv != SCARD_S_SUCCESS)
        die("SCardTransmit (INS %02X): %s", apdu[1], pcsc_stringify_error(rv));
    if (rlen < 2)
        die("INS %02X: %lu-byte response", apdu[1], (unsigned long)rlen);
    unsigned got = (unsigned)(resp[rlen - 2] << 8 | resp[rlen - 1]);
    printf("INS %02X -> %04X (%lu data bytes)\n", apdu[1], got, (unsigned long)(rlen - 2));
    if (got != sw)
        die("INS %02X: SW %04X, expected %04X", apdu[1], got, sw);
    return rlen - 2;
}

#define XMIT(sw, ...)                                                                              \
    do {                                                                                           \
        const BYTE a_[] = {__VA_ARGS__};                                                           \
        BYTE r_[300];                                                                              \
        xmit(a_, sizeof a_, sw, r_, sizeof r_);                                                    \
    } while (0)

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the reader's state has (present) or lacks (!present) a card. */
static void wait_state(int present, int timeout_ms)
{
    SCARD_READERSTATE st;
    memset(&st, 0, sizeof st);
    st.szReader = reader;
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            die("reader never became %s", present ? "PRESENT" : "EMPTY");
        LONG rv = SCardGetStatusChange(ctx, (DWORD)left, &st, 1);
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
            die("SCardGetStatusChange: %s", pcsc_stringify_error(rv));
        DWORD s = st.dwEventState;
        if (present && (s & SCARD_STATE_PRESENT)) {
            printf("reader state PRESENT\n");
            return;
        }
        if (!present && (s & SCARD_STATE_EMPTY)) {
            printf("reader state EMPTY\n");
            return;
        }
        st.dwCurrentState = s & ~(DWORD)SCARD_STATE_CHANGED;
    }
}

static const BYTE select_0101[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01};
#define USER_PIN 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0xFF, 0xFF
#define WRONG_PIN 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0xFF, 0xFF

static void scenario_remove_insert(void)
{
    wait_state(1, 5000);
    ctl_expect("ok removed", "remove", NULL, NULL, NULL);
    wait_state(0, 10000);
    ctl_expect("error", "remove", NULL, NULL, NULL); /* already removed */
    ctl_expect("ok card=removed", "status", NULL, NULL, NULL);
    ctl_expect("ok inserted", "insert", NULL, NULL, NULL);
    wait_state(1, 10000);
    connect_card();
    XMIT(0x9000, 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01);
}

static void scenario_fault_sw(void)
{
    connect_card();
    ctl_expect("ok", "fault", "sw", "6A82", "2");
    BYTE r[300];
    xmit(select_0101, sizeof select_0101, 0x6A82, r, sizeof r);
    /* not executed: a wrong VERIFY costs no try */
    XMIT(0x6A82, 0x00, 0x20, 0x00, 0x01, 0x08, WRONG_PIN);
    ctl_expect("ok 3", "pin-tries", "01", NULL, NULL);
    xmit(select_0101, sizeof select_0101, 0x9000, r, sizeof r);
}

static void scenario_fault_drop(void)
{
    connect_card();
    ctl_expect("ok", "fault", "drop", NULL, NULL);
    BYTE r[300];
    DWORD rlen = sizeof r;
    LONG rv = xmit_rv(select_0101, sizeof select_0101, r, &rlen);
    printf("transmit during drop: %s, %lu bytes\n", pcsc_stringify_error(rv),
           (unsigned long)(rv == SCARD_S_SUCCESS ? rlen : 0));
    /* vpcd 3.3 turns the lost connection into an empty response with IFD_SUCCESS: the client
     * sees either an error or a response without a status word. */
    if (rv == SCARD_S_SUCCESS && rlen >= 2)
        die("a response although the card dropped the connection");
    /* The card comes back by itself: reconnect until a command goes through. */
    long long deadline = now_ms() + 15000;
    for (;;) {
        if (now_ms() > deadline)
            die("the card did not come back after the drop");
        DWORD p;
        rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                            SCARD_RESET_CARD, &p);
        if (rv == SCARD_S_SUCCESS) {
            proto = p;
            rlen = sizeof r;
            rv = xmit_rv(select_0101, sizeof select_0101, r, &rlen);
            if (rv == SCARD_S_SUCCESS && rlen == 2 && r[0] == 0x90 && r[1] == 0x00)
                break;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    printf("card back after drop\n");
}

static void scenario_snapshot(void)
{
    char snap[256], a1[300], a2[300];
    snprintf(snap, sizeof snap, "%s/snap.state", sandbox);
    snprintf(a1, sizeof a1, "%s", snap);
    connect_card();
    ctl_expect("ok snapshot", "snapshot", a1, NULL, NULL);
    XMIT(0x9000, 0x00, 0x20, 0x00, 0x01, 0x08, USER_PIN);
    XMIT(0x9000, 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01);
    XMIT(0x9000, 0x00, 0xD6, 0x00, 0x00, 0x01, 0xAA);
    BYTE r[300];
    const BYTE read1[] = {0x00, 0xB0, 0x00, 0x00, 0x01};
    xmit(read1, sizeof read1, 0x9000, r, sizeof r);
    if (r[0] != 0xAA)
        die("update not seen: %02X", r[0]);
    XMIT(0x63C2, 0x00, 0x20, 0x00, 0x01, 0x08, WRONG_PIN);
    ctl_expect("ok 2", "pin-tries", "01", NULL, NULL);
    snprintf(a2, sizeof a2, "%s", snap);
    ctl_expect("ok restored", "restore", a2, NULL, NULL);
    ctl_expect("ok 3", "pin-tries", "01", NULL, NULL);
    xmit(select_0101, sizeof select_0101, 0x9000, r, sizeof r);
    xmit(read1, sizeof read1, 0x9000, r, sizeof r);
    if (r[0] != 0x00)
        die("restore did not bring EF 0101 back: %02X", r[0]);
}

static void scenario_pin_tries(void)
{
    connect_card();
    XMIT(0x63C2, 0x00, 0x20, 0x00, 0x01, 0x08, WRONG_PIN);
    ctl_expect("ok 2", "pin-tries", "01", NULL, NULL);
    ctl_expect("ok", "set-pin-tries", "01", "3", NULL);
    XMIT(0x63C3, 0x00, 0x20, 0x00, 0x01);
    ctl_expect("error", "pin-tries", "7F", NULL, NULL);
}

static void scenario_commands(void)
{
    connect_card();
    BYTE *r = malloc(70000);
    /* VERIFY without data asks, and never authenticates */
    XMIT(0x63C3, 0x00, 0x20, 0x00, 0x01);
    XMIT(0x9000, 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x02);
    XMIT(0x6982, 0x00, 0xB0, 0x00, 0x00, 0x10);
    /* a logical channel with its own current file */
    const BYTE open[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    DWORD n = xmit(open, sizeof open, 0x9000, r, 300);
    if (n != 1 || r[0] < 1 || r[0] > 3)
        die("MANAGE CHANNEL open gave %lu bytes, channel %u", (unsigned long)n, r[0]);
    BYTE ch = r[0];
    const BYTE sel[] = {ch, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01};
    xmit(sel, sizeof sel, 0x9000, r, 300);
    const BYTE rd[] = {ch, 0xB0, 0x00, 0x10, 0x04};
    n = xmit(rd, sizeof rd, 0x9000, r, 300);
    if (n != 4 || r[0] != 0x10 || r[3] != 0x13)
        die("READ BINARY on channel %u: wrong data", ch);
    /* extended-length READ BINARY of EF 0102 after VERIFY */
    XMIT(0x9000, 0x00, 0x20, 0x00, 0x01, 0x08, USER_PIN);
    const BYTE ext[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x00};
    n = xmit(ext, sizeof ext, 0x9000, r, 70000);
    if (n != 4096)
        die("extended READ BINARY gave %lu bytes", (unsigned long)n);
    for (unsigned i = 0; i < 4096; i++)
        if (r[i] != (BYTE)(7 * i))
            die("EF 0102 byte %u is %02X", i, r[i]);
    const BYTE close_ch[] = {0x00, 0x70, 0x80, ch};
    xmit(close_ch, sizeof close_ch, 0x9000, r, 300);
    free(r);
}

static void scenario_t0(void)
{
    connect_card();
    BYTE r[300];
    /* case 4 (SELECT with FCP): T=0 answers 61xx, the client fetches with GET RESPONSE */
    const BYTE sel[] = {0x00, 0xA4, 0x02, 0x04, 0x02, 0x01, 0x01};
    DWORD rlen = sizeof r;
    LONG rv = xmit_rv(sel, sizeof sel, r, &rlen);
    if (rv != SCARD_S_SUCCESS || rlen != 2 || r[0] != 0x61)
        die("SELECT on a T=0 card: rv %s, %lu bytes, SW %02X%02X", pcsc_stringify_error(rv),
            (unsigned long)rlen, rlen >= 2 ? r[rlen - 2] : 0, rlen >= 2 ? r[rlen - 1] : 0);
    printf("SELECT -> 61%02X\n", r[1]);
    const BYTE get[] = {0x00, 0xC0, 0x00, 0x00, r[1]};
    DWORD n = xmit(get, sizeof get, 0x9000, r, sizeof r);
    if (n != get[4] || r[0] != 0x62)
        die("GET RESPONSE: %lu bytes starting %02X", (unsigned long)n, r[0]);
    /* a wrong Le: 6Cxx with the exact length */
    XMIT(0x6C10, 0x00, 0xB0, 0x00, 0xF0, 0x20);
    XMIT(0x9000, 0x00, 0xB0, 0x00, 0xF0, 0x10);
}

static void scenario_two_cards(void)
{
    const char *controls = getenv("SDEMU_CONTROLS");
    const char *nl = controls ? strchr(controls, '\n') : NULL;
    if (!nl)
        die("SDEMU_CONTROLS does not list two sockets: %s", controls ? controls : "(unset)");
    char first[256], second[256], out1[1100], out2[1100];
    snprintf(first, sizeof first, "%.*s", (int)(nl - controls), controls);
    snprintf(second, sizeof second, "%s", nl + 1);
    if (strcmp(first, control) != 0)
        die("SDEMU_CONTROL is not the first of SDEMU_CONTROLS");
    if (ctl_on(first, out1, sizeof out1, "status", NULL, NULL, NULL) != 0 ||
        ctl_on(second, out2, sizeof out2, "status", NULL, NULL, NULL) != 0)
        die("status failed");
    printf("card 1: %s\ncard 2: %s\n", out1, out2);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ctl_check SCENARIO\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    reader = getenv("SDEMU_READER");
    control = getenv("SDEMU_CONTROL");
    sdemu_exe = getenv("SDEMU_EXE");
    sandbox = getenv("SDEMU_SANDBOX");
    if (!reader || !control || !sdemu_exe || !sandbox)
        die("SDEMU_READER, SDEMU_CONTROL, SDEMU_EXE and SDEMU_SANDBOX must be set");
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv != SCARD_S_SUCCESS)
        die("SCardEstablishContext: %s", pcsc_stringify_error(rv));
    const struct {
        const char *name;
        void (*fn)(void);
    } all[] = {{"remove-insert", scenario_remove_insert},
               {"fault-sw", scenario_fault_sw},
               {"fault-drop", scenario_fault_drop},
               {"snapshot", scenario_snapshot},
               {"pin-tries", scenario_pin_tries},
               {"commands", scenario_commands},
               {"t0", scenario_t0},
               {"two-cards", scenario_two_cards}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(argv[1], all[i].name) == 0) {
            all[i].fn();
            printf("%s ok\n", argv[1]);
            SCardReleaseContext(ctx);
            return 0;
        }
    }
    die("unknown scenario %s", argv[1]);
}
