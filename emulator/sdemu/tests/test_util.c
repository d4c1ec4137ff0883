/* Helpers for the integration tests that drive `sdemu` as a program. */
#include "test_util.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *test_env_path(const char *name)
{
    const char *v = getenv(name);
    cr_assert(v && *v, "%s is not set (run through meson test)", name);
    return v;
}

static int temp_file(void)
{
    char path[] = "/tmp/sdemu-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    return fd;
}

static void slurp(int fd, char *buf)
{
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, TEST_OUT_MAX - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
}

void test_run(char *const argv[], test_result *r)
{
    int out_fd = temp_file(), err_fd = temp_file();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    r->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    slurp(out_fd, r->out);
    slurp(err_fd, r->err);
}

void test_arm_watchdog(void)
{
    alarm(90);
}

void test_profile_variant(char *path, const char *key, const char *replacement)
{
    FILE *in = fopen(SDEMU_DEFAULT_PROFILE, "r");
    cr_assert_not_null(in);
    strcpy(path, "/tmp/sdemu-prof-XXXXXX.yaml");
    int fd = mkstemps(path, 5);
    cr_assert_geq(fd, 0);
    FILE *out = fdopen(fd, "w");
    cr_assert_not_null(out);
    char line[1024];
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, in))
        fputs(strncmp(line, key, klen) == 0 ? replacement : line, out);
    fclose(in);
    fclose(out);
}
