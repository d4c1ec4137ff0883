/* sdtrace diff / show / --help, run as a program ($SDTRACE_EXE). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static char out_path[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sdtrace-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
}

static void write_file(const char *name, const char *text)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs sdtrace with args (file names relative to dir); returns the exit code, output in buf. */
static int run(const char *args, char *buf, size_t cap)
{
    const char *exe = getenv("SDTRACE_EXE");
    cr_assert(exe && *exe, "SDTRACE_EXE not set");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >'%s' 2>&1", dir, exe, args, out_path);
    int st = system(cmd);
    cr_assert(WIFEXITED(st));
    FILE *f = fopen(out_path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return WEXITSTATUS(st);
}

static const char trace_a[] = "# sdtrace 1\n"
                              "# atr: 3B 02 14 50\n"
                              "@0.000100 ch0 0.400ms\n"
                              "> 00 A4 00 0C 02 3F 00\n"
                              "< 90 00\n"
                              "@0.000500 ch0 0.300ms\n"
                              "> 00 84 00 00 08\n"
                              "< 11 22 33 44 55 66 77 88 90 00\n"
                              "@0.000900 ch0 0.300ms\n"
                              "> 00 B0 00 00 04\n"
                              "< 01 02 03 04 90 00\n";

Test(sdtrace, identical_traces_differing_times_exit_0, .init = setup, .fini = teardown)
{
    write_file("a.trace", trace_a);
    /* Other times, a comment, a wildcard challenge: still the same. */
    write_file("b.trace", "# sdtrace 1\n"
                          "@1 ch0 9ms # select\n"
                          "> 00 A4 00 0C 02 3F 00\n"
                          "< 90 00\n"
                          "@2 ch0 9ms\n"
                          "> 00 84 00 00 08\n"
                          "< ?? ?? ?? ?? ?? ?? ?? ?? 90 00\n"
                          "@3 ch0 9ms\n"
                          "> 00 B0 00 00 04\n"
                          "< 01 02 03 04 90 00\n");
    char out[4096];
    cr_assert_eq(run("diff a.trace b.trace", out, sizeof out), 0, "%s", out);
    cr_assert_eq(run("diff a.trace a.trace", out, sizeof out), 0, "%s", out);
}

Test(sdtrace, modified_response_exit_1_naming_the_entry, .init = setup, .fini = teardown)
{
    write_file("a.trace", trace_a);
    char b[sizeof trace_a];
    memcpy(b, trace_a, sizeof trace_a);
    char *p = strstr(b, "< 01 02 03 04");
    cr_assert_not_null(p);
    p[8] = '9'; /* 03 -> 93 */
    write_file("b.trace", b);
    char out[4096];
    cr_assert_eq(run("diff a.trace b.trace", out, sizeof out), 1, "%s", out);
    cr_assert_not_null(strstr(out, "entry 3 (a.trace:9, b.trace:9): response differs at byte 2"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "B < 01 02 93 04 90 00"), "%s", out);
    cr_assert_not_null(strstr(out, "1 difference\n"), "%s", out);
}

Test(sdtrace, modified_command_and_extra_entry, .init = setup, .fini = teardown)
{
    write_file("a.trace", trace_a);
    char b[sizeof trace_a + 64];
    snprintf(b, sizeof b, "%s@1 ch0 0ms\n> 00 C0 00 00 00\n< 6F 00\n", trace_a);
    char *p = strstr(b, "> 00 A4 00 0C");
    p[11] = '4'; /* P2 0C -> 04 */
    write_file("b.trace", b);
    char out[4096];
    cr_assert_eq(run("diff a.trace b.trace", out, sizeof out), 1, "%s", out);
    cr_assert_not_null(strstr(out, "entry 1 (a.trace:3, b.trace:3): command differs at byte 3"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "b.trace has 1 more entries, from entry 4 (b.trace:12)"), "%s",
                       out);
}

Test(sdtrace, malformed_trace_refused_with_file_line, .init = setup, .fini = teardown)
{
    write_file("a.trace", trace_a);
    write_file("bad.trace", "# sdtrace 1\n@0 ch0 0ms\n> 00 A4\n");
    char out[4096];
    cr_assert_eq(run("diff a.trace bad.trace", out, sizeof out), 2, "%s", out);
    cr_assert_not_null(strstr(out, "bad.trace:3: trace ends inside an entry"), "%s", out);
    cr_assert_eq(run("show bad.trace", out, sizeof out), 2, "%s", out);
}

Test(sdtrace, show_prints_sw_meanings_and_help, .init = setup, .fini = teardown)
{
    write_file("a.trace", "# sdtrace 1\n@0 ch0 0ms\n> 00 A4 00 0C 02 3F 01\n< 6A 82\n");
    char out[4096];
    cr_assert_eq(run("show a.trace", out, sizeof out), 0, "%s", out);
    cr_assert_not_null(strstr(out, "SW 6A82: "), "%s", out);
    cr_assert_not_null(strstr(out, "not found"), "%s", out);
    cr_assert_eq(run("--help", out, sizeof out), 0);
    cr_assert_not_null(strstr(out, "diff A B"), "%s", out);
    cr_assert_eq(run("frobnicate", out, sizeof out), 2);
}
