/* sdemu through a real private pcscd: run, teardown, PC/SC access, check. Paths of the programs
 * come from the environment meson sets (SDEMU_EXE, SDEMU_PCSC_CHECK, SDEMU_OPENSC_TOOL). */
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

/* The reference profile's ATR (vectors/profiles/default.yaml), as opensc-tool prints it. */
#define DEFAULT_ATR_TEXT "3b:85:80:01:80:73:b4:41:db:d9"

#define OUT_MAX 65536

typedef struct result {
    int status; /* exit status, or 128 + signal */
    char out[OUT_MAX];
    char err[OUT_MAX];
} result;

static const char *env_path(const char *name)
{
    const char *v = getenv(name);
    cr_assert(v && *v, "%s is not set (run through meson test)", name);
    return v;
}

static void slurp(int fd, char *buf)
{
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, OUT_MAX - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
}

static int temp_file(void)
{
    char path[] = "/tmp/sdemu-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    return fd;
}

/* Starts argv with stdout and stderr going to temporary files. */
static pid_t spawn(char *const argv[], int *out_fd, int *err_fd)
{
    *out_fd = temp_file();
    *err_fd = temp_file();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(*out_fd, 1);
        dup2(*err_fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int wait_status(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static void run(char *const argv[], result *r)
{
    int out_fd, err_fd;
    pid_t pid = spawn(argv, &out_fd, &err_fd);
    r->status = wait_status(pid);
    slurp(out_fd, r->out);
    slurp(err_fd, r->err);
}

/* The sandbox directory and every PID `sdemu run --verbose` reported. */
typedef struct started {
    char dir[128];
    long pid[16];
    int n_pid;
} started;

static void parse_verbose(const char *err, started *s)
{
    memset(s, 0, sizeof *s);
    const char *p = strstr(err, "sdemu: sandbox ");
    cr_assert_not_null(p, "no sandbox line in:\n%s", err);
    cr_assert_eq(sscanf(p, "sdemu: sandbox %127s", s->dir), 1);
    for (const char *line = err; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        long pid;
        unsigned card;
        if (sscanf(line, "sdemu: pcscd pid %ld", &pid) == 1 ||
            sscanf(line, "sdemu: card %u pid %ld", &card, &pid) == 2 ||
            sscanf(line, "sdemu: command pid %ld", &pid) == 1) {
            cr_assert_lt(s->n_pid, 16);
            s->pid[s->n_pid++] = pid;
        }
    }
}

static void assert_all_gone(const started *s)
{
    struct stat st;
    cr_assert_neq(stat(s->dir, &st), 0, "sandbox %s left behind", s->dir);
    cr_assert_eq(errno, ENOENT);
    for (int i = 0; i < s->n_pid; i++) {
        errno = 0;
        cr_assert_eq(kill((pid_t)s->pid[i], 0), -1, "process %ld still exists", s->pid[i]);
        cr_assert_eq(errno, ESRCH);
    }
}

/* Each test bounds itself with alarm(): vpcd has no I/O timeout, and Criterion's own .timeout
 * leaks its watchdog's state, which LeakSanitizer reports against every test. */
static void arm_watchdog(void)
{
    alarm(60);
}

Test(integration, opensc_tool_prints_profile_atr, .init = arm_watchdog)
{
    const char *tool = getenv("SDEMU_OPENSC_TOOL");
    if (!tool || !*tool)
        cr_skip_test("opensc-tool not installed");
    char *argv[] = {(char *)env_path("SDEMU_EXE"), "run", "--", (char *)tool, "-a", NULL};
    static result r;
    run(argv, &r);
    cr_assert_eq(r.status, 0, "status %d, stderr:\n%s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, DEFAULT_ATR_TEXT), "ATR not in output:\n%s", r.out);
}

Test(integration, failing_command_tears_down, .init = arm_watchdog)
{
    char *argv[] = {(char *)env_path("SDEMU_EXE"), "run", "--verbose", "--", "/bin/false", NULL};
    static result r;
    run(argv, &r);
    cr_assert_eq(r.status, 1, "status %d, stderr:\n%s", r.status, r.err);
    started s;
    parse_verbose(r.err, &s);
    cr_assert_eq(s.n_pid, 3, "pcscd, one card, the command; stderr:\n%s", r.err);
    assert_all_gone(&s);
}

/* A copy of the reference profile with another ATR, so two cards can be told apart. */
static void write_second_profile(char *path)
{
    FILE *in = fopen(SDEMU_DEFAULT_PROFILE, "r");
    cr_assert_not_null(in);
    strcpy(path, "/tmp/sdemu-two-XXXXXX.yaml");
    int fd = mkstemps(path, 5);
    cr_assert_geq(fd, 0);
    FILE *out = fdopen(fd, "w");
    char line[1024];
    while (fgets(line, sizeof line, in))
        fputs(strncmp(line, "atr:", 4) == 0 ? "atr: \"3B 02 14 50\"\n" : line, out);
    fclose(in);
    fclose(out);
}

Test(integration, pcsc_client_reads_two_distinct_cards, .init = arm_watchdog)
{
    char second[64];
    write_second_profile(second);
    char *argv[] = {(char *)env_path("SDEMU_EXE"),
                    "run",
                    "--profile",
                    SDEMU_DEFAULT_PROFILE,
                    "--profile",
                    second,
                    "--verbose",
                    "--",
                    (char *)env_path("SDEMU_PCSC_CHECK"),
                    NULL};
    static result r;
    run(argv, &r);
    unlink(second);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    /* Each reader reaches its own card (vpcd shares state between readers of one driver copy). */
    cr_assert_not_null(strstr(r.out, "sdemu 1 00 00: ATR 3B 85 80 01 80 73 B4 41 DB D9"), "%s",
                       r.out);
    cr_assert_not_null(strstr(r.out, "sdemu 2 00 00: ATR 3B 02 14 50"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "sdemu 1 00 00: EF 0101 ok"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "sdemu 2 00 00: EF 0101 ok"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "2 reader(s) checked"), "%s", r.out);
    started s;
    parse_verbose(r.err, &s);
    cr_assert_eq(s.n_pid, 4, "pcscd, two cards, the command; stderr:\n%s", r.err);
    assert_all_gone(&s);
}

Test(integration, sigterm_tears_down, .init = arm_watchdog)
{
    char *argv[] = {
        (char *)env_path("SDEMU_EXE"), "run", "--verbose", "--", "/bin/sleep", "60", NULL};
    int out_fd, err_fd;
    pid_t pid = spawn(argv, &out_fd, &err_fd);
    /* Wait until the command runs (the test's timeout bounds this). */
    static char err[OUT_MAX];
    for (;;) {
        ssize_t n = pread(err_fd, err, sizeof err - 1, 0);
        err[n > 0 ? n : 0] = '\0';
        if (strstr(err, "sdemu: command pid "))
            break;
        int st;
        cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "sdemu ended early:\n%s", err);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGTERM);
    cr_assert_eq(wait_status(pid), 128 + SIGTERM);
    close(out_fd);
    static char all[OUT_MAX];
    slurp(err_fd, all);
    started s;
    parse_verbose(all, &s);
    cr_assert_eq(s.n_pid, 3, "%s", all);
    assert_all_gone(&s);
}

Test(integration, command_not_found_is_127, .init = arm_watchdog)
{
    char *argv[] = {(char *)env_path("SDEMU_EXE"),        "run", "--verbose", "--",
                    "/nonexistent/sdemu-no-such-command", NULL};
    static result r;
    run(argv, &r);
    cr_assert_eq(r.status, 127, "status %d, stderr:\n%s", r.status, r.err);
    started s;
    parse_verbose(r.err, &s);
    assert_all_gone(&s);
}

static void write_profile(char *path, const char *text)
{
    strcpy(path, "/tmp/sdemu-bad-XXXXXX.yaml");
    int fd = mkstemps(path, 5);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

Test(integration, check_reports_file_line_column, .init = arm_watchdog)
{
    char path[64];
    /* Line 3 holds a key no profile has. */
    write_profile(path, "atr: \"3B 85 80 01 80 73 B4 41 5B 59\"\n"
                        "files:\n"
                        "  colour: blue\n"
                        "  fid: 3F00\n");
    char *argv[] = {(char *)env_path("SDEMU_EXE"), "check", path, NULL};
    static result r;
    run(argv, &r);
    unlink(path);
    cr_assert_eq(r.status, 1, "status %d", r.status);
    char prefix[96];
    snprintf(prefix, sizeof prefix, "%s:3:", path);
    cr_assert_not_null(strstr(r.err, prefix), "no '%s' in:\n%s", prefix, r.err);
    const char *col = strstr(r.err, prefix) + strlen(prefix);
    cr_assert(*col >= '1' && *col <= '9', "no column after '%s' in:\n%s", prefix, r.err);
    cr_assert_null(strstr(r.out, ": ok"));
}

Test(integration, check_accepts_reference_profile, .init = arm_watchdog)
{
    char *argv[] = {(char *)env_path("SDEMU_EXE"), "check", SDEMU_DEFAULT_PROFILE, NULL};
    static result r;
    run(argv, &r);
    cr_assert_eq(r.status, 0, "status %d, stderr:\n%s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, SDEMU_DEFAULT_PROFILE ": ok"), "%s", r.out);
}

Test(integration, run_refuses_bad_profile_before_starting, .init = arm_watchdog)
{
    char path[64];
    write_profile(path, "atr: \"3B 85 80 01 80 73 B4 41 5B 59\"\nfiles: [\n");
    char *argv[] = {
        (char *)env_path("SDEMU_EXE"), "run", "--profile", path, "--", "/bin/true", NULL};
    static result r;
    run(argv, &r);
    unlink(path);
    cr_assert_eq(r.status, 125, "status %d", r.status);
    cr_assert_not_null(strstr(r.err, path), "%s", r.err);
}

/* Runs `sdemu run -- /bin/true` with one environment variable set; returns what it printed. */
static void run_with_env(const char *assignment, result *r)
{
    char *argv[] = {"/usr/bin/env",
                    (char *)assignment,
                    (char *)env_path("SDEMU_EXE"),
                    "run",
                    "--",
                    "/bin/true",
                    NULL};
    run(argv, r);
}

Test(integration, run_reports_missing_pcscd, .init = arm_watchdog)
{
    static result r;
    run_with_env("SDEMU_PCSCD=/nonexistent/pcscd", &r);
    cr_assert_eq(r.status, 125, "status %d", r.status);
    cr_assert_not_null(strstr(r.err, "pcscd not found at /nonexistent/pcscd"), "%s", r.err);
}

Test(integration, run_reports_missing_vpcd_driver, .init = arm_watchdog)
{
    static result r;
    run_with_env("SDEMU_VPCD_DRIVER=/nonexistent/libifdvpcd.so", &r);
    cr_assert_eq(r.status, 125, "status %d", r.status);
    cr_assert_not_null(strstr(r.err, "vpcd driver not found at /nonexistent/libifdvpcd.so"), "%s",
                       r.err);
}

/* SIGUSR1 to `sdemu run` ($SDEMU_RUN_PID) restarts pcscd on the same socket: the command sees
 * the socket file replaced, and both cards (serve --reconnect) come back in the new pcscd by
 * themselves. The new pcscd is torn down at the end like the rest. */
Test(integration, sigusr1_restarts_pcscd_and_the_cards_come_back, .init = arm_watchdog)
{
    const char *check = env_path("SDEMU_PCSC_CHECK");
    char script[1024];
    /* The restart is asynchronous: wait for the new socket file (inode and change time; the
     * inode number alone may be reused), then for the cards (bounded: 300 tries 0.1 s apart). */
    snprintf(
        script, sizeof script,
        "set -e; '%s' >/dev/null; ino=$(stat -c '%%i %%z' \"$PCSCLITE_CSOCK_NAME\"); "
        "kill -USR1 \"$SDEMU_RUN_PID\"; i=0; "
        "while [ \"$(stat -c '%%i %%z' \"$PCSCLITE_CSOCK_NAME\" 2>/dev/null)\" = \"$ino\" ] || "
        "! '%s' >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 300 ] || exit 3; sleep 0.1; done; "
        "'%s'",
        check, check, check);
    char *argv[] = {(char *)env_path("SDEMU_EXE"),
                    "run",
                    "--cards",
                    "2",
                    "--verbose",
                    "--",
                    "/bin/sh",
                    "-c",
                    script,
                    NULL};
    static result r;
    run(argv, &r);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    cr_assert_not_null(strstr(r.out, "sdemu 1 00 00: EF 0101 ok"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "sdemu 2 00 00: EF 0101 ok"), "%s", r.out);
    started s;
    parse_verbose(r.err, &s);
    cr_assert_eq(s.n_pid, 4, "pcscd, two cards, the command; stderr:\n%s", r.err);
    long old_pid = -1, new_pid = -1;
    const char *p = strstr(r.err, "sdemu: SIGUSR1: restarting pcscd (pid ");
    cr_assert_not_null(p, "the restart is not logged:\n%s", r.err);
    cr_assert_eq(sscanf(p, "sdemu: SIGUSR1: restarting pcscd (pid %ld)", &old_pid), 1);
    cr_assert_eq(old_pid, s.pid[0], "the first pcscd is the one restarted");
    p = strstr(r.err, "sdemu: pcscd restarted: pid ");
    cr_assert_not_null(p, "the new pcscd is not logged:\n%s", r.err);
    cr_assert_eq(sscanf(p, "sdemu: pcscd restarted: pid %ld", &new_pid), 1);
    cr_assert_neq(new_pid, old_pid);
    cr_assert_null(strstr(r.err, "during the run"), "a process died:\n%s", r.err);
    s.pid[s.n_pid++] = new_pid;
    assert_all_gone(&s);
}

/* A pcscd that stops answering (SIGSTOP: it still holds its socket) must not hang the
 * teardown: sdemu run stops it (SIGTERM and SIGCONT, SIGKILL after 5 s) before it releases its
 * own PC/SC context, a request that such a pcscd would never answer. */
Test(integration, stopped_pcscd_does_not_hang_the_teardown, .init = arm_watchdog)
{
    /* The command finds its sandbox's pcscd (a child of sdemu run) and stops it. */
    const char *script =
        "for d in /proc/[0-9]*; do "
        "[ \"$(cat \"$d/comm\" 2>/dev/null)\" = pcscd ] || continue; "
        "grep -q \"^PPid:[[:space:]]*$SDEMU_RUN_PID\\$\" \"$d/status\" 2>/dev/null || continue; "
        "kill -STOP \"${d#/proc/}\" && echo stopped && exit 0; done; exit 4";
    char *argv[] = {(char *)env_path("SDEMU_EXE"),
                    "run",
                    "--verbose",
                    "--",
                    "/bin/sh",
                    "-c",
                    (char *)script,
                    NULL};
    static result r;
    run(argv, &r);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    cr_assert_not_null(strstr(r.out, "stopped"), "%s", r.out);
    started s;
    parse_verbose(r.err, &s);
    assert_all_gone(&s);
}
