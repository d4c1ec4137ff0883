/* sdfault-walk: walks every fault point of the scenarios in walk_scenarios.c.
 *
 *   sdfault-walk [--verbose] [SCENARIO...]  walk the scenarios (default: all of them)
 *   sdfault-walk --list                     list the scenarios
 *   sdfault-walk --run SCENARIO             one run of one scenario (what each child does);
 *                                           honours SDFAULT_FAIL_AT, SDFAULT_REPORT, SDFAULT_TRACE
 *
 * For each scenario: one child run without a failure counts its K points (SDFAULT_REPORT),
 * then K child runs fail points 1..K in turn. Each child is this program re-executed, so
 * every run starts from a fresh process and a sanitizer report ends only that child. A point
 * passes when its child exits with WALK_OK (recovered) or WALK_FAILED (clean error), the
 * scenario's invariant and a fresh retry held (the child checks both), and the point was
 * actually reached. Exit status: 0 all passed, 1 a point failed, 2 usage, 77 nothing could
 * run (a meson skip). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sdfault.h"
#include "walk.h"

/* A hung child (a deadlock after a failure) is a failure too, not a hung walk. */
#define WALK_CHILD_TIMEOUT_S 120

typedef struct walk_report {
    unsigned long calls, alloc, openssl, pcsc;
    int fired;
} walk_report;

typedef struct walk_ctx {
    char dir[64];
    char report[96];
    char log[96];
    bool verbose;
} walk_ctx;

static const walk_scenario *walk_find(const char *name)
{
    for (size_t i = 0; i < walk_scenario_count; i++)
        if (strcmp(walk_scenarios[i].name, name) == 0)
            return &walk_scenarios[i];
    return NULL;
}

/* ---- the child side ---------------------------------------------------------------------- */

static int walk_run_one(const walk_scenario *s)
{
    alarm(WALK_CHILD_TIMEOUT_S);
    void *state = NULL;
    sdfault_arm();
    int r = s->run(&state);
    sdfault_disarm();
    if (r != WALK_OK && r != WALK_FAILED)
        r = WALK_WRONG;
    if (s->check) {
        int c = s->check(state);
        if (c != WALK_OK) {
            fprintf(stderr, "walk: %s: invariant check failed after the armed run (%d)\n", s->name,
                    c);
            if (r != WALK_WRONG)
                r = WALK_BROKEN;
        }
    }
    s->release(state);
    /* A fresh retry in the same process, without faults: nothing global may be half-changed. */
    void *again = NULL;
    int r2 = s->run(&again);
    s->release(again);
    if (r2 != WALK_OK) {
        fprintf(stderr, "walk: %s: fresh retry without faults failed (%d)\n", s->name, r2);
        if (r != WALK_WRONG)
            r = WALK_BROKEN;
    }
    fflush(NULL);
    return r;
}

/* ---- the parent side --------------------------------------------------------------------- */

/* Runs `--run name` in a child with SDFAULT_FAIL_AT = fail_at; output goes to the log file.
 * Returns the wait status, or -1 when the child could not be started. */
static int walk_child(const walk_ctx *ctx, const walk_scenario *s, unsigned long fail_at)
{
    unlink(ctx->report);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char at[32];
        snprintf(at, sizeof at, "%lu", fail_at);
        int fd = open(ctx->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(127);
        if (setenv("SDFAULT_FAIL_AT", at, 1) != 0 ||
            setenv("SDFAULT_REPORT", ctx->report, 1) != 0 || setenv("SDFAULT_TRACE", "1", 1) != 0 ||
            setenv("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1", 0) != 0)
            _exit(127);
        execl("/proc/self/exe", "sdfault-walk", "--run", s->name, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

static bool walk_read_report(const walk_ctx *ctx, walk_report *rep)
{
    FILE *f = fopen(ctx->report, "r");
    if (!f)
        return false;
    int n = fscanf(f, "calls=%lu fired=%d alloc=%lu openssl=%lu pcsc=%lu", &rep->calls, &rep->fired,
                   &rep->alloc, &rep->openssl, &rep->pcsc);
    fclose(f);
    return n == 5;
}

/* Prints the child's log (its last 6 KiB), indented. */
static void walk_print_log(const walk_ctx *ctx)
{
    FILE *f = fopen(ctx->log, "r");
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > 6144)
            fseek(f, size - 6144, SEEK_SET);
        else
            rewind(f);
    }
    char line[512];
    while (fgets(line, sizeof line, f))
        printf("    | %s%s", line, strchr(line, '\n') ? "" : "\n");
    fclose(f);
}

/* The name of the call that was made to fail, from the child's trace. */
static void walk_failed_call(const walk_ctx *ctx, char *out, size_t cap)
{
    snprintf(out, cap, "?");
    FILE *f = fopen(ctx->log, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, " <- fails");
        char *q = strchr(line, ' ');
        if (p && q && strncmp(line, "sdfault: #", 10) == 0) {
            q = strchr(q + 1, ' ');
            if (q && q < p) {
                *p = '\0';
                snprintf(out, cap, "%s", q + 1);
            }
            break;
        }
    }
    fclose(f);
}

/* Describes a wait status that is not a pass; NULL when the child passed. */
static const char *walk_judge(int status, bool counting, char *buf, size_t cap)
{
    if (status < 0)
        return "could not start the child";
    if (WIFSIGNALED(status)) {
        snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(status),
                 WTERMSIG(status) == SIGALRM ? "hung" : strsignal(WTERMSIG(status)));
        return buf;
    }
    int code = WEXITSTATUS(status);
    if (code == WALK_OK || (code == WALK_FAILED && !counting))
        return NULL;
    switch (code) {
    case WALK_FAILED:
        return "failed without any injected fault";
    case WALK_WRONG:
        return "success with wrong data, or an inconsistent error";
    case WALK_BROKEN:
        return "state half-changed: the invariant or the fresh retry failed";
    default:
        snprintf(buf, cap, "exit status %d (a sanitizer report or a crash: see the log)", code);
        return buf;
    }
}

/* Walks one scenario; returns the number of failed points (the counting run counts as one). */
static unsigned long walk_scenario_points(const walk_ctx *ctx, const walk_scenario *s,
                                          const char *self, unsigned long *points)
{
    char why[128];
    walk_report rep = {0};
    int status = walk_child(ctx, s, 0);
    const char *bad = walk_judge(status, true, why, sizeof why);
    if (!bad && !walk_read_report(ctx, &rep))
        bad = "no report written (SDFAULT_REPORT)";
    if (bad) {
        printf("FAIL %s: the run without faults: %s\n", s->name, bad);
        walk_print_log(ctx);
        return 1;
    }
    unsigned long k = rep.calls, failures = 0, recovered = 0;
    *points = k;
    printf("     %s: %lu points (alloc %lu, openssl %lu, pcsc %lu)\n", s->name, k, rep.alloc,
           rep.openssl, rep.pcsc);
    for (unsigned long n = 1; n <= k; n++) {
        walk_report r = {0};
        status = walk_child(ctx, s, n);
        bad = walk_judge(status, false, why, sizeof why);
        if (!bad && !walk_read_report(ctx, &r))
            bad = "no report written (SDFAULT_REPORT)";
        if (!bad && !r.fired)
            bad = "the point was never reached: the scenario is not deterministic";
        char call[128];
        walk_failed_call(ctx, call, sizeof call);
        if (bad) {
            failures++;
            printf("FAIL %s: point %lu/%lu (%s fails): %s\n", s->name, n, k, call, bad);
            printf("     reproduce: SDFAULT_FAIL_AT=%lu SDFAULT_TRACE=1 %s --run %s\n", n, self,
                   s->name);
            walk_print_log(ctx);
            continue;
        }
        if (WEXITSTATUS(status) == WALK_OK)
            recovered++;
        if (ctx->verbose)
            printf("     %s: point %lu/%lu (%s fails): %s\n", s->name, n, k, call,
                   WEXITSTATUS(status) == WALK_OK ? "recovered" : "failed cleanly");
    }
    printf("%s %s: %lu points walked: %lu recovered, %lu failed cleanly, %lu bad\n",
           failures ? "FAIL" : "ok  ", s->name, k, recovered, k - recovered - failures, failures);
    return failures;
}

static void walk_usage(FILE *out)
{
    fprintf(out, "Usage: sdfault-walk [--verbose] [SCENARIO...]\n"
                 "       sdfault-walk --list\n"
                 "       sdfault-walk --run SCENARIO\n"
                 "See docs/fault-injection.md.\n");
}

int main(int argc, char **argv)
{
    walk_ctx ctx = {.verbose = false};
    int first = 1;
    if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < walk_scenario_count; i++) {
            const walk_scenario *s = &walk_scenarios[i];
            const char *why = s->unavailable ? s->unavailable() : NULL;
            printf("%-20s %s\n", s->name, s->description);
            if (why)
                printf("%-20s (unavailable now: %s)\n", "", why);
        }
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--run") == 0) {
        const walk_scenario *s = argc == 3 ? walk_find(argv[2]) : NULL;
        if (!s) {
            walk_usage(stderr);
            return WALK_USAGE;
        }
        return walk_run_one(s);
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        walk_usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--verbose") == 0) {
        ctx.verbose = true;
        first = 2;
    }
    for (int i = first; i < argc; i++)
        if (!walk_find(argv[i])) {
            fprintf(stderr, "sdfault-walk: no scenario '%s' (--list shows them)\n", argv[i]);
            return 2;
        }

    snprintf(ctx.dir, sizeof ctx.dir, "/tmp/sdfault-walk.XXXXXX");
    if (!mkdtemp(ctx.dir)) {
        perror("sdfault-walk: mkdtemp");
        return 1;
    }
    snprintf(ctx.report, sizeof ctx.report, "%s/report", ctx.dir);
    snprintf(ctx.log, sizeof ctx.log, "%s/log", ctx.dir);

    unsigned long total = 0, failures = 0, walked = 0, skipped = 0;
    for (size_t i = 0; i < walk_scenario_count; i++) {
        const walk_scenario *s = &walk_scenarios[i];
        bool wanted = first >= argc;
        for (int j = first; j < argc; j++)
            wanted = wanted || strcmp(argv[j], s->name) == 0;
        if (!wanted)
            continue;
        const char *why = s->unavailable ? s->unavailable() : NULL;
        if (why) {
            printf("skip %s: %s\n", s->name, why);
            skipped++;
            continue;
        }
        unsigned long points = 0;
        failures += walk_scenario_points(&ctx, s, argv[0], &points);
        total += points;
        walked++;
    }
    unlink(ctx.report);
    unlink(ctx.log);
    rmdir(ctx.dir);
    printf("sdfault-walk: %lu scenarios walked, %lu skipped, %lu points, %lu bad\n", walked,
           skipped, total, failures);
    if (failures)
        return 1;
    return walked ? 0 : 77;
}
