/* `sdemu serve --reconnect` against a fake vpcd (a TCP listener inside the test, no pcscd):
 * when vpcd closes the connection, as a pcscd restart does, the card powers off and connects
 * again, keeping its PIN counters and losing its security status; a stop signal still ends it
 * while it waits, and a vpcd that does not come back ends it with status 1. Without the flag the
 * end of the connection ends serve with 0 as before. SDEMU_EXE comes from meson. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fake_vpcd.h"

/* The reference profile's PINs: user (01, 3 tries) and so (03), ASCII padded with FF to 8. */
static const uint8_t wrong_user[] = {0x00, 0x20, 0x00, 0x01, 0x08, '9', '9',
                                     '9',  '9',  '9',  '9',  0xFF, 0xFF};
static const uint8_t right_so[] = {0x00, 0x20, 0x00, 0x03, 0x08, '8', '7',
                                   '6',  '5',  '4',  '3',  '2',  '1'};
static const uint8_t ask_user[] = {0x00, 0x20, 0x00, 0x01};
static const uint8_t ask_so[] = {0x00, 0x20, 0x00, 0x03};

static char log_path[64];

static void setup(void)
{
    alarm(60); /* vpcd frames have no timeout of their own */
    snprintf(log_path, sizeof log_path, "/tmp/sdemu-reconnect-XXXXXX");
    int fd = mkstemp(log_path);
    cr_assert_geq(fd, 0);
    close(fd);
}

static void teardown(void)
{
    unlink(log_path);
    alarm(0);
}

/* Starts `sdemu serve` on the reference profile (stderr to log_path), with --reconnect when
 * `reconnect`. */
static pid_t start_card(uint16_t port, const char *timeout_s, bool reconnect)
{
    const char *args[] = {"--profile",
                          SDEMU_DEFAULT_PROFILE,
                          "--name",
                          "rc",
                          "--connect-timeout",
                          timeout_s,
                          reconnect ? "--reconnect" : NULL,
                          NULL};
    return fake_vpcd_serve(port, log_path, args);
}

/* What pcscd does with a new card: power on, then get the ATR (which must come). */
static void power_on(int fd)
{
    uint8_t resp[300];
    fake_vpcd_send_frame(fd, (const uint8_t[]){0x01}, 1);
    cr_assert_gt(fake_vpcd_exchange(fd, (const uint8_t[]){0x04}, 1, resp, sizeof resp), 0,
                 "no ATR");
}

/* Ends the connection `fd` as vpcd does when pcscd exits (close), waits for the card to connect
 * again and powers it on; returns the new connection. */
static int card_back(int lfd, int fd)
{
    close(fd);
    fd = fake_vpcd_accept(lfd);
    power_on(fd);
    return fd;
}

/* Sends an APDU and returns the status word of the answer. */
static unsigned sw(int fd, const uint8_t *cmd, size_t len)
{
    uint8_t resp[300];
    size_t n = fake_vpcd_exchange(fd, cmd, len, resp, sizeof resp);
    cr_assert_geq(n, 2);
    return (unsigned)resp[n - 2] << 8 | resp[n - 1];
}

/* Waits at most ms for the card to exit; its exit status, or -1 while it still runs. */
static int wait_exit(pid_t pid, int ms)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0;; waited += 10) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        cr_assert_geq(r, 0);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (waited >= ms)
            return -1;
        nanosleep(&tick, NULL);
    }
}

/* Ends the card with SIGTERM; it must go at once (status 0). */
static void stop_card(pid_t pid)
{
    kill(pid, SIGTERM);
    int st = wait_exit(pid, 3000);
    if (st < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    cr_assert_eq(st, 0, "SIGTERM: the card ended with %d (-1: still running after 3 s)", st);
}

static void log_text(char *buf, size_t cap)
{
    FILE *f = fopen(log_path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

Test(reconnect, comes_back_with_its_pin_counter_and_without_its_security_status, .init = setup,
     .fini = teardown)
{
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(port, "10", true);
    int fd = fake_vpcd_accept(lfd);
    power_on(fd);
    cr_assert_eq(sw(fd, wrong_user, sizeof wrong_user), 0x63C2, "a wrong PIN costs a try");
    cr_assert_eq(sw(fd, right_so, sizeof right_so), 0x9000);
    cr_assert_eq(sw(fd, ask_so, sizeof ask_so), 0x9000, "so is verified before the restart");

    fd = card_back(lfd, fd);
    cr_assert_eq(sw(fd, ask_user, sizeof ask_user), 0x63C2, "the try spent is still spent");
    cr_assert_eq(sw(fd, ask_so, sizeof ask_so), 0x63C3,
                 "the power was off: the so PIN is no longer verified");

    fd = card_back(lfd, fd); /* and again: reconnecting is not a one-off */
    cr_assert_eq(sw(fd, ask_user, sizeof ask_user), 0x63C2);
    cr_assert_eq(wait_exit(pid, 0), -1, "the card still runs");
    stop_card(pid);
    close(fd);
    close(lfd);
}

/* pcscd exiting between the two writes of a frame (vpcd sends the length, then the payload)
 * leaves the card a truncated frame; a reset connection is an I/O error. Both end the
 * connection as a close does: the card comes back. */
Test(reconnect, comes_back_after_a_truncated_frame_and_a_reset, .init = setup, .fini = teardown)
{
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(port, "10", true);
    int fd = fake_vpcd_accept(lfd);
    power_on(fd);
    cr_assert_eq(sw(fd, wrong_user, sizeof wrong_user), 0x63C2);
    const uint8_t half[] = {0x00, 0x05, 0x00, 0xA4}; /* a 5-byte frame, 2 bytes of it */
    cr_assert_eq(write(fd, half, sizeof half), (ssize_t)sizeof half);
    fd = card_back(lfd, fd);
    cr_assert_eq(sw(fd, ask_user, sizeof ask_user), 0x63C2, "back after the truncated frame");
    /* SO_LINGER 0: close() sends a reset instead of a FIN. */
    struct linger hard = {.l_onoff = 1, .l_linger = 0};
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard), 0);
    fd = card_back(lfd, fd);
    cr_assert_eq(sw(fd, ask_user, sizeof ask_user), 0x63C2, "back after the reset");
    cr_assert_eq(wait_exit(pid, 0), -1, "the card still runs");
    stop_card(pid);
    close(fd);
    close(lfd);
}

Test(reconnect, stop_signal_ends_the_wait_for_vpcd, .init = setup, .fini = teardown)
{
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(port, "60", true);
    int fd = fake_vpcd_accept(lfd);
    power_on(fd);
    /* Nothing listens any more: the card waits up to 60 s for vpcd, unless stopped. */
    close(lfd);
    close(fd);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    cr_assert_eq(wait_exit(pid, 0), -1, "the card waits for vpcd instead of exiting");
    stop_card(pid);
}

Test(reconnect, gives_up_with_status_1_when_vpcd_does_not_come_back, .init = setup,
     .fini = teardown)
{
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(port, "1", true);
    int fd = fake_vpcd_accept(lfd);
    power_on(fd);
    close(lfd);
    close(fd);
    int st = wait_exit(pid, 20000);
    if (st < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    cr_assert_eq(st, 1, "status %d (-1: still running after 20 s, connect timeout 1 s)", st);
    char log[4096];
    log_text(log, sizeof log);
    cr_assert(strstr(log, "did not accept a new one within 1000 ms"), "the message: %s", log);
}

Test(no_reconnect, end_of_connection_ends_serve_with_0, .init = setup, .fini = teardown)
{
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(port, "10", false);
    int fd = fake_vpcd_accept(lfd);
    power_on(fd);
    close(fd);
    int st = wait_exit(pid, 20000);
    if (st < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    cr_assert_eq(st, 0, "status %d (-1: still running after 20 s)", st);
    close(lfd);
}

Test(reconnect, refused_for_replay_and_relay_cards, .init = setup, .fini = teardown)
{
    const char *kinds[][2] = {{"--replay", "/nonexistent.trace"}, {"--relay", "pcsc:x"}};
    for (size_t k = 0; k < 2; k++) {
        const char *args[] = {kinds[k][0], kinds[k][1], "--reconnect", NULL};
        pid_t pid = fake_vpcd_serve(1, "/dev/null", args);
        int st = wait_exit(pid, 20000);
        cr_assert_eq(st, 125, "%s with --reconnect: status %d", kinds[k][0], st);
    }
}
