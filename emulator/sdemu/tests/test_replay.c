/* sdemu serve --replay TRACE against a fake vpcd (a TCP listener inside the test): the ATR and
 * the answers come from the trace; the first departing command is reported on stderr with its
 * trace line and both versions, and answered 6F00 from then on. SDEMU_EXE comes from meson. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_vpcd.h"

static char dir[64], trace_path[128], log_path[128];

static const char trace_text[] = "# sdtrace 1\n"
                                 "# atr: 3B 85 80 01 80 73 B4 41 DB D9\n"
                                 "@0.000100 ch0 0.400ms\n"
                                 "> 00 A4 00 0C 02 3F 00\n"
                                 "< 90 00\n"
                                 "@0.000500 ch0 0.300ms\n"
                                 "> 00 84 00 00 ??\n"
                                 "< 11 22 33 44 55 66 77 88 90 00\n"
                                 "@0.000900 ch0 0.300ms\n"
                                 "> 00 B0 00 00 04\n"
                                 "< 01 02 03 04 90 00\n";

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sdemu-replay-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(trace_path, sizeof trace_path, "%s/card.trace", dir);
    snprintf(log_path, sizeof log_path, "%s/log", dir);
    FILE *f = fopen(trace_path, "w");
    cr_assert_not_null(f);
    fputs(trace_text, f);
    fclose(f);
}

static void teardown(void)
{
    unlink(trace_path);
    unlink(log_path);
    rmdir(dir);
}

static pid_t start_card(uint16_t port)
{
    const char *args[] = {"--replay", trace_path, "--name", "rp", NULL};
    return fake_vpcd_serve(port, log_path, args);
}

static int wait_card(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static char *read_log(void)
{
    static char buf[8192];
    FILE *f = fopen(log_path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static const uint8_t atr_req[] = {0x04};
static const uint8_t sel[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
static const uint8_t chal[] = {0x00, 0x84, 0x00, 0x00, 0x08};
static const uint8_t rb[] = {0x00, 0xB0, 0x00, 0x00, 0x04};

Test(replay, follows_the_trace_and_exits_0, .init = setup, .fini = teardown)
{
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(port);
    int fd = fake_vpcd_accept(lfd);
    uint8_t r[300];
    size_t n = fake_vpcd_exchange(fd, atr_req, 1, r, sizeof r);
    cr_assert_eq(n, 10);
    cr_assert_eq(r[0], 0x3B);
    cr_assert_eq(r[9], 0xD9);
    n = fake_vpcd_exchange(fd, sel, sizeof sel, r, sizeof r);
    cr_assert_eq(n, 2);
    cr_assert_eq(r[0], 0x90);
    n = fake_vpcd_exchange(fd, chal, sizeof chal, r, sizeof r); /* Le matches the ?? wildcard */
    cr_assert_eq(n, 10);
    cr_assert_eq(r[0], 0x11);
    n = fake_vpcd_exchange(fd, rb, sizeof rb, r, sizeof r);
    cr_assert_eq(n, 6);
    cr_assert_eq(r[3], 0x04);
    close(fd);
    close(lfd);
    cr_assert_eq(wait_card(pid), 0, "%s", read_log());
    cr_assert_not_null(strstr(read_log(), "3 of 3 entries answered"), "%s", read_log());
}

Test(replay, first_departure_reported_then_6f00, .init = setup, .fini = teardown)
{
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(port);
    int fd = fake_vpcd_accept(lfd);
    uint8_t r[300];
    fake_vpcd_exchange(fd, sel, sizeof sel, r, sizeof r);
    fake_vpcd_exchange(fd, chal, sizeof chal, r, sizeof r);
    static const uint8_t rb_other[] = {0x00, 0xB0, 0x00, 0x02, 0x04}; /* P2 differs */
    size_t n = fake_vpcd_exchange(fd, rb_other, sizeof rb_other, r, sizeof r);
    cr_assert_eq(n, 2);
    cr_assert_eq(r[0], 0x6F);
    cr_assert_eq(r[1], 0x00);
    n = fake_vpcd_exchange(fd, rb, sizeof rb, r,
                           sizeof r); /* even the recorded one, from then on */
    cr_assert_eq(n, 2);
    cr_assert_eq(r[0], 0x6F);
    close(fd);
    close(lfd);
    cr_assert_eq(wait_card(pid), 1);
    const char *log = read_log();
    char want[200];
    snprintf(want, sizeof want, "%s:9: entry 3 departs at byte 3", trace_path);
    cr_assert_not_null(strstr(log, want), "%s", log);
    cr_assert_not_null(strstr(log, "trace > 00 B0 00 00 04"), "%s", log);
    cr_assert_not_null(strstr(log, "got   > 00 B0 00 02 04"), "%s", log);
}

Test(replay, malformed_trace_refused_with_file_line, .init = setup, .fini = teardown)
{
    FILE *f = fopen(trace_path, "w");
    cr_assert_not_null(f);
    fputs("# sdtrace 1\n@0 ch0 0ms\n> 00 A4\n< 9\n", f);
    fclose(f);
    uint16_t port;
    int lfd = fake_vpcd_listen(&port);
    pid_t pid = start_card(port);
    cr_assert_eq(wait_card(pid), 1);
    close(lfd);
    char want[200];
    snprintf(want, sizeof want, "%s:4: response: odd hex digit", trace_path);
    cr_assert_not_null(strstr(read_log(), want), "%s", read_log());
}
