/* Crash safety of `sdemu serve --state FILE`: a fake vpcd (a TCP listener inside the test)
 * drives the card through state-changing commands while the card process is killed with
 * SIGKILL at random points and restarted. After every kill the state file must load, no PIN
 * counter may have gone back (a wrong VERIFY answered 63Cx is never undone), and EF 0101 holds
 * one whole written version, never a torn one; every answered write survives.
 * SDEMU_EXE comes from meson. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codec_bytes.h"
#include "emu_card.h"
#include "emu_profile.h"
#include "fake_vpcd.h"

#define KILLS 30
#define TIME_BOUND_S 120 /* the loop stops early past this (a bound, not an assertion) */
#define IO_TIMEOUT_MS FAKE_VPCD_TIMEOUT_MS
#define EF_LEN 16

static size_t hex(const char *text, uint8_t *out, size_t cap)
{
    size_t len, pos;
    cr_assert(codec_hex_decode(text, strlen(text), out, cap, &len, &pos), "bad hex %s", text);
    return len;
}

static uint16_t sw_of(const uint8_t *resp, int len)
{
    cr_assert_geq(len, 2);
    return (uint16_t)(resp[len - 2] << 8 | resp[len - 1]);
}

/* Sends an APDU and waits for its answer; returns the SW. */
static uint16_t exchange(int fd, const uint8_t *cmd, size_t len, uint8_t *resp, int *rlen)
{
    *rlen = (int)fake_vpcd_exchange(fd, cmd, len, resp, 300);
    return sw_of(resp, *rlen);
}

/* ---- the card process ---- */

static pid_t start_card(const char *profile, uint16_t port, const char *state, const char *log)
{
    const char *args[] = {"--profile",         profile, "--state", state, "--name", "crash",
                          "--connect-timeout", "10",    NULL};
    return fake_vpcd_serve(port, log, args);
}

static void kill_card(pid_t pid)
{
    kill(pid, SIGKILL);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
}

/* ---- the model ---- */

#define USER_PIN "31 32 33 34 35 36 FF FF"
#define WRONG_PIN "31 32 33 34 35 37 FF FF"
#define PUK "31 32 33 34 35 36 37 38"

typedef enum { NONE, WRONG, RIGHT, RRC, UPDATE } op;

typedef struct model {
    unsigned user, puk; /* counters known durable */
    unsigned ver;       /* EF 0101 version known durable (0: the profile's content) */
} model;

static void ef_version(unsigned v, uint8_t *out)
{
    out[0] = (uint8_t)(v >> 8);
    out[1] = (uint8_t)v;
    for (unsigned k = 2; k < EF_LEN; k++)
        out[k] = (uint8_t)(v * 7 + k);
}

/* Which version the 16 bytes are; -1 when none (torn or foreign). */
static int version_of(const uint8_t *d)
{
    bool original = true;
    for (unsigned k = 0; k < EF_LEN; k++)
        original = original && d[k] == k;
    if (original)
        return 0;
    unsigned v = (unsigned)d[0] << 8 | d[1];
    uint8_t want[EF_LEN];
    ef_version(v, want);
    return v > 0 && memcmp(want, d, EF_LEN) == 0 ? (int)v : -1;
}

static bool in(unsigned v, unsigned a, unsigned b, unsigned c)
{
    return v == a || v == b || v == c;
}

/* Loads the state file at rest into a fresh card and checks it against the model and the
 * command that was in flight when the card died; then the model takes what the file holds. */
static void check_state_file(const emu_profile *profile, const char *path, model *m, op inflight,
                             unsigned inflight_ver, int kill_no)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "kill %d: no state file", kill_no);
    static uint8_t buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    emu_card *card = emu_card_new(profile);
    cr_assert_not_null(card);
    emu_error err;
    cr_assert_eq(emu_card_state_load(card, buf, len, &err), 0, "kill %d: state refused: %s",
                 kill_no, err.message);
    unsigned user, puk;
    cr_assert_eq(emu_card_pin_tries(card, 0x01, NULL, &user), 0);
    cr_assert_eq(emu_card_pin_tries(card, 0x02, NULL, &puk), 0);
    unsigned u_dec = m->user ? m->user - 1 : 0, p_dec = m->puk ? m->puk - 1 : 0;
    switch (inflight) {
    case WRONG:
        cr_assert(in(user, m->user, u_dec, u_dec), "kill %d: user counter %u, was %u (wrong PIN)",
                  kill_no, user, m->user);
        break;
    case RIGHT: /* decremented before the compare, restored after: both may be cut */
        cr_assert(in(user, m->user, u_dec, m->user ? 3 : 0), "kill %d: user counter %u, was %u",
                  kill_no, user, m->user);
        break;
    case RRC:
        cr_assert(in(user, m->user, 3, 3), "kill %d: user counter %u, was %u (RRC)", kill_no, user,
                  m->user);
        cr_assert(in(puk, m->puk, p_dec, m->puk ? 5 : 0), "kill %d: PUK counter %u, was %u",
                  kill_no, puk, m->puk);
        break;
    default:
        cr_assert_eq(user, m->user, "kill %d: user counter %u, was %u (nothing in flight)", kill_no,
                     user, m->user);
        break;
    }
    if (inflight != RRC)
        cr_assert_eq(puk, m->puk, "kill %d: PUK counter %u, was %u", kill_no, puk, m->puk);
    uint8_t cmd[16], resp[300];
    size_t n = hex("00 A4 00 0C 02 01 01", cmd, sizeof cmd);
    emu_card_transmit(card, cmd, n, resp, sizeof resp);
    n = hex("00 B0 00 00 10", cmd, sizeof cmd);
    cr_assert_eq(emu_card_transmit(card, cmd, n, resp, sizeof resp), EF_LEN + 2);
    int v = version_of(resp);
    cr_assert_geq(v, 0, "kill %d: EF 0101 is torn", kill_no);
    if (inflight == UPDATE)
        cr_assert((unsigned)v == m->ver || (unsigned)v == inflight_ver,
                  "kill %d: EF 0101 version %d, expected %u or %u", kill_no, v, m->ver,
                  inflight_ver);
    else
        cr_assert_eq((unsigned)v, m->ver, "kill %d: EF 0101 version %d, expected %u", kill_no, v,
                     m->ver);
    emu_card_free(card);
    m->user = user;
    m->puk = puk;
    m->ver = (unsigned)v;
}

/* Applies an answered command to the model, checking the answer. */
static void answered(model *m, op o, unsigned ver, uint16_t sw)
{
    switch (o) {
    case WRONG:
        if (m->user == 0) {
            cr_assert_eq(sw, 0x6983);
        } else {
            cr_assert_eq(sw, 0x63C0 | (m->user - 1), "wrong VERIFY: %04X with %u left", sw,
                         m->user);
            m->user--;
        }
        break;
    case RIGHT:
        cr_assert_eq(sw, m->user ? 0x9000 : 0x6983);
        if (m->user)
            m->user = 3;
        break;
    case RRC:
        cr_assert_eq(sw, 0x9000, "RESET RETRY COUNTER: %04X", sw);
        m->user = 3;
        m->puk = 5;
        break;
    case UPDATE:
        cr_assert_eq(sw, 0x9000, "UPDATE BINARY: %04X", sw);
        m->ver = ver;
        break;
    case NONE:
        break;
    }
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

Test(crash, kill_9_never_tears_the_state_nor_rolls_a_counter_back)
{
    const char *profile_path = SDEMU_DEFAULT_PROFILE;
    emu_error err;
    emu_profile *profile = emu_profile_load(profile_path, &err);
    cr_assert_not_null(profile);
    char dir[] = "/tmp/sdemu-crash-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char state[128], tmp[136], log[128];
    snprintf(state, sizeof state, "%s/card.state", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", state);
    snprintf(log, sizeof log, "%s/card.log", dir);
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    model m = {3, 5, 0};
    unsigned next_ver = 1;
    time_t start = time(NULL);
    int kills = 0;
    int cut[UPDATE + 1] = {0}; /* kills with a command in flight, per kind (NONE: answered) */
    uint8_t cmd[300], resp[300];
    int rlen;
    while (kills < KILLS && time(NULL) - start < TIME_BOUND_S) {
        pid_t pid = start_card(profile_path, port, state, log);
        int fd = fake_vpcd_accept(lfd);
        uint8_t on = 0x01;
        fake_vpcd_send_frame(fd, &on, 1);
        size_t n = hex("00 A4 00 0C 02 01 01", cmd, sizeof cmd);
        cr_assert_eq(exchange(fd, cmd, n, resp, &rlen), 0x9000);
        /* the card agrees with what the model knows */
        n = hex("00 20 00 01", cmd, sizeof cmd);
        uint16_t sw = exchange(fd, cmd, n, resp, &rlen);
        cr_assert_eq(sw, m.user ? 0x63C0 | m.user : 0x6983, "status query %04X, %u tries known", sw,
                     m.user);
        int steps = 1 + rand() % 24;
        op inflight = NONE;
        unsigned inflight_ver = 0;
        bool verified = false;
        for (int s = 0; s < steps; s++) {
            op o;
            int r = rand() % 10;
            if (verified)
                o = UPDATE; /* right after a successful VERIFY */
            else if (r < 4)
                o = WRONG;
            else if (r < 8 || m.user == 0)
                o = m.user == 0 ? RRC : RIGHT;
            else
                o = RRC;
            unsigned ver = 0;
            if (o == WRONG)
                n = hex("00 20 00 01 08 " WRONG_PIN, cmd, sizeof cmd);
            else if (o == RIGHT)
                n = hex("00 20 00 01 08 " USER_PIN, cmd, sizeof cmd);
            else if (o == RRC)
                n = hex("00 2C 01 01 08 " PUK, cmd, sizeof cmd);
            else {
                ver = next_ver++;
                n = hex("00 D6 00 00 10", cmd, sizeof cmd);
                ef_version(ver, cmd + n);
                n += EF_LEN;
            }
            bool last = s == steps - 1;
            fake_vpcd_send_frame(fd, cmd, n);
            if (last) {
                /* kill while the command may be anywhere: before, during or after the write */
                sleep_us(rand() % 3000);
                kill_card(pid);
                rlen = fake_vpcd_recv_frame(fd, resp, sizeof resp, 200);
                if (rlen >= 2)
                    answered(&m, o, ver, sw_of(resp, rlen));
                else {
                    inflight = o;
                    inflight_ver = ver;
                }
                break;
            }
            rlen = fake_vpcd_recv_frame(fd, resp, sizeof resp, IO_TIMEOUT_MS);
            cr_assert_geq(rlen, 2, "no answer from the card");
            sw = sw_of(resp, rlen);
            answered(&m, o, ver, sw);
            verified = o == RIGHT && sw == 0x9000;
        }
        close(fd);
        kills++;
        cut[inflight]++;
        check_state_file(profile, state, &m, inflight, inflight_ver, kills);
    }
    cr_assert_geq(kills, 1);
    cr_log_info("%d kills: answered %d; in flight: wrong VERIFY %d, VERIFY %d, RESET RETRY "
                "COUNTER %d, UPDATE BINARY %d",
                kills, cut[NONE], cut[WRONG], cut[RIGHT], cut[RRC], cut[UPDATE]);
    close(lfd);
    emu_profile_free(profile);
    unlink(state);
    unlink(tmp);
    unlink(log);
    rmdir(dir);
}

Test(crash, a_corrupted_state_file_is_refused_at_start)
{
    char dir[] = "/tmp/sdemu-crash-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char state[128], log[128];
    snprintf(state, sizeof state, "%s/card.state", dir);
    snprintf(log, sizeof log, "%s/card.log", dir);
    FILE *f = fopen(state, "wb");
    cr_assert_not_null(f);
    fputs("SDEMUST1", f); /* the right magic, then 64 bytes whose checksum cannot match */
    for (int i = 0; i < 64; i++)
        fputc('x', f);
    fclose(f);
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(SDEMU_DEFAULT_PROFILE, port, state, log);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0, "sdemu serve accepted a corrupted state");
    char text[2048] = {0};
    f = fopen(log, "r");
    cr_assert_not_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cr_assert(strstr(text, "refused") && strstr(text, "corrupted"), "message: %s", text);
    close(lfd);
    unlink(state);
    unlink(log);
    rmdir(dir);
}
