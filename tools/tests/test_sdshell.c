/* sdshell run non-interactively: a script over emu: (-f), the same through pcscd (stdin not a
 * terminal, under sdemu run), the exit status of a failing script, --help. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static test_result r;

/* The commands every scenario runs after connecting; all succeed on the reference card. */
static const char script_body[] = "atr\n"
                                  "find public-256\n"
                                  "getdata public-256   # EF 0101, byte i = i\n"
                                  "apdu 00 A4 00 0C 02 01 01\n"
                                  "apdu 00B0 0000 04\n"
                                  "apdu 00 A4 00 0C 02 77 77\n"
                                  "open A0 00 00 09 99 53 44 54 45 53 54 01\n"
                                  "getdata app-hello\n"
                                  "close\n"
                                  "apdu 00 20 00 01\n";

static void write_script(char *path, const char *first, const char *last)
{
    snprintf(path, 64, "/tmp/sdshell-test-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s%s%s", first, script_body, last);
    fclose(f);
}

static void assert_session(void)
{
    cr_assert_not_null(strstr(r.out, "ATR 3B 85 80 01 80 73 B4 41 DB D9\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "'public-256': DataContainer, identifier 01 01\n"), "%s",
                       r.out);
    cr_assert_not_null(strstr(r.out, "256 bytes:\n  00 01 02 03"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "  F0 F1 F2 F3 F4 F5 F6 F7 F8 F9 FA FB FC FD FE FF\n"), "%s",
                       r.out);
    cr_assert_not_null(strstr(r.out, "> apdu 00B0 0000 04\n  00 01 02 03\nSW 9000: normal "
                                     "processing\n"),
                       "%s", r.out);
    cr_assert_not_null(strstr(r.out, "> apdu 00 A4 00 0C 02 77 77\nSW 6A82: file or application "
                                     "not found\n"),
                       "%s", r.out);
    cr_assert_not_null(strstr(r.out, "opened application 'sdtest app'\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "33 bytes:\n  48 65 6C 6C 6F"), "%s", r.out); /* "Hello" */
    /* An empty VERIFY only asks: tries left, nothing spent. */
    cr_assert_not_null(strstr(r.out, "> apdu 00 20 00 01\nSW 63C3: "), "%s", r.out);
}

Test(sdshell, script_over_emu, .init = test_arm_watchdog)
{
    char path[64], connect[600];
    snprintf(connect, sizeof connect, "connect emu:%s\n", SDEMU_DEFAULT_PROFILE);
    write_script(path, connect, "");
    char *argv[] = {(char *)test_env_path("SDSHELL"), "-f", path, NULL};
    test_run(argv, &r);
    unlink(path);
    cr_assert_eq(r.status, 0, "status %d\n%s\n%s", r.status, r.out, r.err);
    assert_session();
}

Test(sdshell, stdin_script_through_pcscd, .init = test_arm_watchdog)
{
    char path[64];
    write_script(path, "devices\n", "disconnect\n");
    setenv("SDSHELL_SCRIPT", path, 1);
    char *argv[] = {(char *)test_env_path("SDEMU_EXE"),
                    "run",
                    "--",
                    "/bin/sh",
                    "-c",
                    "\"$SDSHELL\" -d \"pcsc:$SDEMU_READER\" < \"$SDSHELL_SCRIPT\"",
                    NULL};
    test_run(argv, &r);
    unlink(path);
    cr_assert_eq(r.status, 0, "status %d\n%s\n%s", r.status, r.out, r.err);
    cr_assert_not_null(strstr(r.out, "connected to pcsc:sdemu 1 00 00\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "0: pcsc:sdemu 1 00 00  ATR 3B 85"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "1 device\n"), "%s", r.out);
    assert_session();
    cr_assert_not_null(strstr(r.out, "> disconnect\ndisconnected\n"), "%s", r.out);
}

Test(sdshell, failing_commands_give_status_1_and_go_on)
{
    char path[64], connect[600];
    snprintf(connect, sizeof connect, "apdu 00 A4\nconnect emu:%s\nbogus\napdu 00 A4 00\n",
             SDEMU_DEFAULT_PROFILE);
    write_script(path, connect, "find \"no such label\"\necho done\n");
    char *argv[] = {(char *)test_env_path("SDSHELL"), "--file", path, NULL};
    test_run(argv, &r);
    unlink(path);
    cr_assert_eq(r.status, 1, "status %d\n%s", r.status, r.out);
    cr_assert_not_null(strstr(r.out, "> apdu 00 A4\nerror: not connected"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "error: unknown command 'bogus'"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "> apdu 00 A4 00\nusage: apdu"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "error: findObject: ObjectNotFound"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "> echo done\ndone\n"), "%s", r.out);
}

Test(sdshell, help_lists_the_commands)
{
    char *argv[] = {(char *)test_env_path("SDSHELL"), "--help", NULL};
    test_run(argv, &r);
    cr_assert_eq(r.status, 0);
    const char *names[] = {"devices", "connect", "find", "getdata", "apdu", "-f, --file"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_not_null(strstr(r.out, names[i]), "%s missing:\n%s", names[i], r.out);
    char *bad[] = {(char *)test_env_path("SDSHELL"), "--nope", NULL};
    test_run(bad, &r);
    cr_assert_eq(r.status, 2);
}
