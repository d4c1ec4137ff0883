/* The relay card (sdemu run --relay): an outer `sdemu run` holds the reference card (sandbox A);
 * its COMMAND is an inner `sdemu run --relay "pcsc:<A's reader>"` (sandbox B) whose COMMAND
 * talks to the relay through B's pcscd. Checks that OpenSC and the proxy (sdconform) work
 * through the relay, that the trace holds every exchange the reference card saw, that secrets
 * are masked unless asked, and that an upstream that does not answer in time ends the relay. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_trace.h"
#include "test_util.h"

static test_result r;

/* The outer script: runs the inner relay around $INNER, then prints the reference card's
 * command count (only the relay talks to it). */
static const char outer_script[] =
    "\"$SDEMU_EXE\" run --relay \"pcsc:$SDEMU_READER\" --upstream-socket "
    "\"$PCSCLITE_CSOCK_NAME\" $RELAY_EXTRA --trace \"$RELAY_TRACE\" -- /bin/sh -c \"$INNER\"; "
    "echo \"inner=$?\"; \"$SDEMU_EXE\" ctl \"$SDEMU_CONTROL\" status";

static void run_relay(const char *inner, const char *extra, const char *before, char *trace)
{
    snprintf(trace, 64, "/tmp/sdemu-relay-XXXXXX");
    int fd = mkstemp(trace);
    cr_assert_geq(fd, 0);
    close(fd);
    /* Criterion's worker marker: sdconform (a Criterion program) must not inherit it. */
    unsetenv("BXFI_MAP");
    setenv("INNER", inner, 1);
    setenv("RELAY_EXTRA", extra, 1);
    setenv("RELAY_TRACE", trace, 1);
    char script[2048];
    snprintf(script, sizeof script, "%s%s", before, outer_script);
    char *argv[] = {(char *)test_env_path("SDEMU_EXE"), "run", "--", "/bin/sh", "-c", script, NULL};
    test_run(argv, &r);
}

static codec_trace *load_trace(const char *path, char **text_out)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    /* the whole conformance suite through the relay: several MB of trace */
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert(size > 0);
    rewind(f);
    static char *text; /* the last trace read: reachable, and freed by the next call */
    free(text);
    text = malloc((size_t)size + 1);
    cr_assert_not_null(text);
    size_t n = fread(text, 1, (size_t)size, f);
    fclose(f);
    cr_assert_eq(n, (size_t)size, "%s: short read", path);
    codec_trace_error err;
    codec_trace *t = codec_trace_parse(text, n, &err);
    cr_assert_not_null(t, "%s:%zu: %s", path, err.line, err.reason);
    text[n] = '\0';
    *text_out = text;
    return t;
}

/* The entry whose command is exactly cmd[0..len), or NULL. */
static const codec_trace_entry *find(const codec_trace *t, const uint8_t *cmd, size_t len)
{
    for (size_t i = 0; i < codec_trace_count(t); i++) {
        const codec_trace_entry *e = codec_trace_get(t, i);
        if (e->cmd_len == len && memcmp(e->cmd, cmd, len) == 0)
            return e;
    }
    return NULL;
}

static const char opensc_inner[] = "\"$OPENSC_TOOL\" -s '00 A4 00 0C 02 01 01' -s '00 B0 00 00 10' "
                                   "-s '00 20 00 01 08 31 32 33 34 35 36 FF FF' && "
                                   "\"$SDCONFORM\" --device \"pcsc:$SDEMU_READER\" -j1";

Test(relay, opensc_and_proxy_work_and_trace_holds_every_exchange, .init = test_arm_watchdog)
{
    test_env_path("OPENSC_TOOL");
    test_env_path("SDCONFORM");
    char path[64];
    run_relay(opensc_inner, "", "", path);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    cr_assert_not_null(strstr(r.out, "inner=0\n"), "%s\n%s", r.out, r.err);
    /* OpenSC read EF 0101 through the relay. */
    cr_assert_not_null(strstr(r.out, "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"), "%s",
                       r.out);
    /* The proxy's conformance run passed through the relay. */
    cr_assert_not_null(strstr(r.out, " 0 failed (0 crashed)"), "%s\n%s", r.out, r.err);

    char *text;
    codec_trace *t = load_trace(path, &text);
    /* Every command the reference card answered is in the trace, and nothing else. */
    const char *cmds = strstr(r.out, "commands=");
    cr_assert_not_null(cmds, "%s", r.out);
    unsigned long seen = strtoul(cmds + 9, NULL, 10);
    cr_assert_gt(seen, 10);
    cr_assert_eq(codec_trace_count(t), seen, "trace %zu entries, card saw %lu",
                 codec_trace_count(t), seen);
    size_t atr_len;
    const uint8_t *atr = codec_trace_atr(t, &atr_len);
    cr_assert_not_null(atr);
    cr_assert_eq(atr[0], 0x3B);

    static const uint8_t select[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x01, 0x01};
    static const uint8_t read[] = {0x00, 0xB0, 0x00, 0x00, 0x10};
    const codec_trace_entry *e = find(t, select, sizeof select);
    cr_assert_not_null(e);
    cr_assert_eq(e->resp_len, 2);
    cr_assert_eq(e->resp[0], 0x90);
    e = find(t, read, sizeof read);
    cr_assert_not_null(e);
    cr_assert_eq(e->resp_len, 18);
    cr_assert_eq(e->resp[15], 0x0F);
    cr_assert_eq(e->resp[16], 0x90);

    /* The PIN went through but is masked in the trace. */
    cr_assert_not_null(strstr(text, "> 00 20 00 01 08 ** ** ** ** ** ** ** **\n< 90 00"), "%s",
                       text);
    cr_assert_null(strstr(text, "31 32 33 34 35 36 FF FF"), "%s", text);
    codec_trace_free(t);
    unlink(path);
}

Test(relay, trace_secrets_keeps_the_pin, .init = test_arm_watchdog)
{
    test_env_path("OPENSC_TOOL");
    char path[64];
    run_relay("\"$OPENSC_TOOL\" -s '00 20 00 01 08 31 32 33 34 35 36 FF FF'", "--trace-secrets", "",
              path);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    char *text;
    codec_trace *t = load_trace(path, &text);
    cr_assert_not_null(strstr(text, "> 00 20 00 01 08 31 32 33 34 35 36 FF FF\n< 90 00"), "%s",
                       text);
    codec_trace_free(t);
    unlink(path);
}

Test(relay, upstream_overrunning_its_deadline_ends_the_relay, .init = test_arm_watchdog)
{
    test_env_path("OPENSC_TOOL");
    char path[64];
    /* The reference card holds its next answer 3 s; the relay waits at most 1 s. */
    run_relay("\"$OPENSC_TOOL\" -s '00 A4 00 0C 02 01 01'", "--upstream-timeout 1",
              "\"$SDEMU_EXE\" ctl \"$SDEMU_CONTROL\" fault delay 3000 1 >/dev/null && ", path);
    cr_assert_not_null(strstr(r.err, "did not answer within 1000 ms"), "stdout:\n%s\nstderr:\n%s",
                       r.out, r.err);
    cr_assert_null(strstr(r.out, "inner=0\n"), "%s", r.out);
    unlink(path);
}

Test(relay, unreachable_upstream_is_reported)
{
    char *argv[] = {(char *)test_env_path("SDEMU_EXE"),
                    "serve",
                    "--relay",
                    "pcsc:no such reader",
                    "--upstream-socket",
                    "/nonexistent/pcscd.comm",
                    "--vpcd",
                    "127.0.0.1:1",
                    NULL};
    test_run(argv, &r);
    cr_assert_eq(r.status, 1, "status %d\n%s", r.status, r.err);
    cr_assert_not_null(strstr(r.err, "upstream reader 'no such reader'"), "%s", r.err);
}

Test(relay, bad_options_are_refused)
{
    const char *exe = test_env_path("SDEMU_EXE");
    char *bad_spec[] = {(char *)exe, "serve", "--relay", "usb:x", "--vpcd", "127.0.0.1:1", NULL};
    test_run(bad_spec, &r);
    cr_assert_eq(r.status, 125);
    cr_assert_not_null(strstr(r.err, "expected pcsc:READER"), "%s", r.err);
    char *with_profile[] = {(char *)exe, "serve",  "--relay",     "pcsc:x", "--profile",
                            "p.yaml",    "--vpcd", "127.0.0.1:1", NULL};
    test_run(with_profile, &r);
    cr_assert_eq(r.status, 125);
    char *trace_alone[] = {(char *)exe, "run", "--trace", "/tmp/x", "--", "true", NULL};
    test_run(trace_alone, &r);
    cr_assert_eq(r.status, 125);
    cr_assert_not_null(strstr(r.err, "need --relay"), "%s", r.err);
    char *two_cards[] = {(char *)exe, "run", "--relay", "pcsc:x", "--cards",
                         "2",         "--",  "true",    NULL};
    test_run(two_cards, &r);
    cr_assert_eq(r.status, 125);
}
