/* --device vicc (see sdc_vicc.h). */
#include "sdc_vicc.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

#include "emu_sandbox.h"

#define SDC_VICC "/usr/bin/vicc"
#define SDC_PYTHON "/usr/bin/python3" /* Debian's: a pyenv python3 cannot see its packages */
#define SDC_VICC_PKG "/usr/lib/python3/site-packages/virtualsmartcard"
#define SDC_VICC_WAIT_MS 20000
/* The card description used when the options give none (the image's files, vicc's PIN). */
#define SDC_VICC_CARD SDC_CASES_DIR "/cards/vicc-iso7816.yaml"

/* Debian 12's vicc needs two shims (shared/notes/pcsc-chain.md): a module `sha` (Python 2's,
 * imported when PyCrypto is missing) and, for speed, TCP_QUICKACK after each recv (without it
 * every APDU stalls about 40 ms on vpcd's two-write frames). */
static const char sdc_sha_py[] = "import hashlib\nnew = hashlib.sha1\ndigest_size = 20\n";

/* The sitecustomize.py of vicc's interpreter: QUICKACK and, with SDC_VICC_IMAGE=1, the card
 * image. vicc's iso7816 card holds an empty MF and one PIN (CardGenerator.__generate_iso_card),
 * so there is nothing to read; the image adds files to that MF with vicc's own classes, as its
 * ePass and nPA generators do, and leaves every command handler as shipped. It must stay in
 * step with vectors/devices/vicc-iso7816.yaml and vectors/conformance/cards/vicc-iso7816.yaml. */
static const char sdc_sitecustomize_py[] =
    "import os, socket, sys\n"
    "_recv = socket.socket.recv\n"
    "def _recv_quickack(self, *args, **kwargs):\n"
    "    data = _recv(self, *args, **kwargs)\n"
    "    try:\n"
    "        self.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)\n"
    "    except (OSError, AttributeError):\n"
    "        pass\n"
    "    return data\n"
    "socket.socket.recv = _recv_quickack\n"
    /* An uncaught exception ends vicc (the card is gone). Before it goes, vicc tells sdconform
     * (SIGUSR1 to its parent) and waits to be killed: the test whose APDU killed it is still
     * waiting for the answer, so sdconform holds the run before any later test can start. */
    "import signal, time\n"
    "def _sdc_dying(kind, value, tb):\n"
    "    sys.__excepthook__(kind, value, tb)\n"
    "    sys.stderr.flush()\n"
    "    if os.environ.get('SDC_VICC_SUPERVISED') == '1':\n"
    "        os.kill(os.getppid(), signal.SIGUSR1)\n"
    "        time.sleep(10)\n"
    "    os._exit(1)\n"
    "sys.excepthook = _sdc_dying\n"
    "if os.environ.get('SDC_VICC_IMAGE') == '1':\n"
    "    try:\n"
    "        from virtualsmartcard import CardGenerator as _cg\n"
    "        from virtualsmartcard.SmartcardFilesystem import DF, TransparentStructureEF\n"
    "        _plain = _cg.CardGenerator._CardGenerator__generate_iso_card\n"
    "        def _sdc_image(self):\n"
    "            _plain(self)\n"
    "            mf = self.mf\n"
    "            mf.append(TransparentStructureEF(parent=mf, fid=0x0101,\n"
    "                                             data=bytes(range(256))))\n"
    "            mf.append(TransparentStructureEF(parent=mf, fid=0x0102,\n"
    "                data=bytes((7 * i) % 256 for i in range(1000))))\n"
    "            app = DF(parent=mf, fid=0x5000,\n"
    "                     dfname=bytes.fromhex('A000000999564943430001'))\n"
    "            mf.append(app)\n"
    "            app.append(TransparentStructureEF(parent=app, fid=0x5001,\n"
    "                                              data=b'Hello from vicc'))\n"
    "        _cg.CardGenerator._CardGenerator__generate_iso_card = _sdc_image\n"
    "    except Exception as e:\n"
    "        sys.stderr.write('sdconform: the vicc card image failed: %r\\n' % (e,))\n";

static bool sdc_write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return (fclose(f) == 0) && ok;
}

/* Stops a child: SIGTERM, then SIGKILL after 3 s; reaps it. */
static void sdc_stop_child(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Starts vicc on the sandbox's port with the shims and the image; its output goes to `log`
 * (truncated when `fresh`, appended to on a restart). */
static pid_t sdc_start_vicc(const emu_sandbox *sb, const char *shim, const char *log, bool fresh)
{
    char port[8], pypath[512];
    snprintf(port, sizeof port, "%u", (unsigned)emu_sandbox_port(sb, 0));
    snprintf(pypath, sizeof pypath, "%s:%s", shim, SDC_VICC_PKG);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log, O_WRONLY | O_CREAT | (fresh ? O_TRUNC : O_APPEND), 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    setenv("PYTHONPATH", pypath, 1);
    setenv("SDC_VICC_IMAGE", "1", 1);
    setenv("SDC_VICC_SUPERVISED", "1", 1);
    execl(SDC_PYTHON, SDC_PYTHON, SDC_VICC, "--type", "iso7816", "--hostname", "127.0.0.1",
          "--port", port, (char *)NULL);
    fprintf(stderr, "sdconform: %s: %s\n", SDC_PYTHON, strerror(errno));
    _exit(127);
}

/* Waits up to `ms` until pcscd reports the reader empty (it polls every 400 ms), so that a
 * restarted vicc is a new card to pcscd, not the old one answering again. */
static void sdc_wait_removed(const char *reader, int ms)
{
    SCARDCONTEXT ctx;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
        return;
    SCARD_READERSTATE st = {.szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE};
    for (int waited = 0; waited < ms; waited += 250) {
        if (SCardGetStatusChange(ctx, 250, &st, 1) == SCARD_S_SUCCESS) {
            if (!(st.dwEventState & SCARD_STATE_PRESENT))
                break;
            st.dwCurrentState = st.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
        }
    }
    SCardReleaseContext(ctx);
}

/* The vicc side of a run: the sandbox, the shim directory, the log and the current vicc. */
typedef struct sdc_vicc_ctx {
    emu_sandbox *sb;
    const char *shim, *log, *reader;
    pid_t vicc;
    unsigned crashes;
    bool gave_up; /* a fresh vicc did not appear: no more restarts */
    bool held;    /* the run is stopped: vicc announced its death */
} sdc_vicc_ctx;

/* Set by SIGUSR1: vicc's excepthook announces that vicc is about to exit. */
static volatile sig_atomic_t sdc_vicc_dying;

static void sdc_on_dying(int sig)
{
    (void)sig;
    sdc_vicc_dying = 1;
}

/* vicc died while the run goes on (an uncaught Python exception ends it: the card is gone).
 * The run's main process is held (Criterion starts no further test while it is stopped) while
 * pcscd sees the card removed and a fresh vicc starts; then the run goes on: one crash fails the
 * test that caused it, not every test after it. */
static void sdc_restart_vicc(sdc_vicc_ctx *v, pid_t run, int status)
{
    v->crashes++;
    if (!v->held)
        kill(run, SIGSTOP);
    char how[96];
    if (v->held)
        snprintf(how, sizeof how, "ended on an uncaught Python exception");
    else if (WIFEXITED(status))
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
    printf("device vicc: vicc %s (crash %u; traceback in %s): the test running now fails; "
           "starting a fresh vicc (its PIN counter back at 3)\n",
           how, v->crashes, v->log);
    fflush(stdout);
    sdc_wait_removed(v->reader, 3000);
    char err[256] = "";
    v->vicc = sdc_start_vicc(v->sb, v->shim, v->log, false);
    if (v->vicc < 0 || emu_sandbox_wait_card(v->sb, 0, SDC_VICC_WAIT_MS, err, sizeof err) != 0) {
        v->gave_up = true;
        printf("device vicc: the fresh vicc did not appear (%s): the remaining tests fail\n",
               v->vicc < 0 ? strerror(errno) : err);
    }
    fflush(stdout);
    sdc_vicc_dying = 0;
    v->held = false;
    kill(run, SIGCONT);
}

/* Waits for the run and returns its exit status; restarts vicc whenever it dies meanwhile. */
static int sdc_supervise(sdc_vicc_ctx *v, pid_t run)
{
    for (;;) {
        if (sdc_vicc_dying && !v->held && !v->gave_up && v->vicc > 0) {
            /* vicc waits in its excepthook: hold the run first, then let vicc go. */
            kill(run, SIGSTOP);
            v->held = true;
            kill(v->vicc, SIGKILL);
        }
        int status = 0;
        pid_t w = waitpid(-1, &status, WNOHANG);
        if (w == 0) {
            nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL);
            continue;
        }
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 2;
        }
        if (w == run)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (w == emu_sandbox_pcscd_pid(v->sb))
            emu_sandbox_pcscd_reaped(v->sb);
        else if (w == v->vicc && !v->gave_up)
            sdc_restart_vicc(v, run, status);
    }
}

/* Whether the options name a card description already. */
static bool sdc_has_card(char **argv, int argc)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--card") == 0)
            return true;
    return false;
}

int sdc_vicc_run(char **argv, int argc, const char *log_dir)
{
    if (access(SDC_VICC, R_OK) != 0 || access(SDC_PYTHON, X_OK) != 0) {
        fprintf(stderr,
                "sdconform: --device vicc needs %s and %s (Debian package "
                "vsmartcard-vpicc)\n",
                SDC_VICC, SDC_PYTHON);
        return 2;
    }
    char err[512] = "";
    emu_sandbox *sb = NULL;
    emu_sandbox_config cfg = {
        .readers = 1, .pcscd = getenv("SDEMU_PCSCD"), .driver = getenv("SDEMU_VPCD_DRIVER")};
    if (emu_sandbox_start(&cfg, &sb, err, sizeof err) != 0) {
        fprintf(stderr, "sdconform: --device vicc: private pcscd: %s\n", err);
        return 2;
    }
    char shim[128], log[4200];
    snprintf(shim, sizeof shim, "%s/vicc-shim", emu_sandbox_dir(sb));
    if (log_dir && *log_dir)
        snprintf(log, sizeof log, "%s/vicc.log", log_dir);
    else
        snprintf(log, sizeof log, "%s/vicc.log", emu_sandbox_dir(sb));
    if (mkdir(shim, 0700) != 0 || !sdc_write_file(shim, "sha.py", sdc_sha_py) ||
        !sdc_write_file(shim, "sitecustomize.py", sdc_sitecustomize_py)) {
        fprintf(stderr, "sdconform: --device vicc: %s: cannot write the shims\n", shim);
        emu_sandbox_stop(sb);
        return 2;
    }
    struct sigaction on_dying = {.sa_handler = sdc_on_dying, .sa_flags = SA_RESTART}, before;
    sigemptyset(&on_dying.sa_mask);
    sigaction(SIGUSR1, &on_dying, &before);
    sdc_vicc_dying = 0;
    sdc_vicc_ctx v = {.sb = sb, .shim = shim, .log = log, .reader = emu_sandbox_reader(sb, 0)};
    v.vicc = sdc_start_vicc(sb, shim, log, true);
    int rc = 2;
    if (v.vicc < 0) {
        fprintf(stderr, "sdconform: --device vicc: fork: %s\n", strerror(errno));
    } else if (emu_sandbox_wait_card(sb, 0, SDC_VICC_WAIT_MS, err, sizeof err) != 0) {
        fprintf(stderr, "sdconform: --device vicc: the card did not appear: %s (log: %s)\n", err,
                log);
    } else {
        char spec[128], note[256];
        snprintf(spec, sizeof spec, "pcsc:%s", emu_sandbox_reader(sb, 0));
        snprintf(note, sizeof note,
                 "vicc (vsmartcard's Python card, --type iso7816, with the sdconform image) in "
                 "a private pcscd");
        setenv(SDC_DEVICE_NOTE_ENV, note, 1);
        /* vicc is not this project's emulator, even inside an outer `sdemu run` whose reader
         * has the same name: the PIN safety for foreign cards applies (sdc_guard.h). */
        unsetenv("SDEMU_READER");
        bool add_card = !sdc_has_card(argv, argc);
        printf("device vicc: %s, reader %s, vicc log %s%s\n", SDC_VICC, spec, log,
               add_card ? ", card description " SDC_VICC_CARD : "");
        fflush(stdout);
        char **args = calloc((size_t)argc + 5, sizeof *args);
        pid_t run = -1;
        if (args) {
            int n = 0;
            args[n++] = argv[0];
            args[n++] = (char *)"--device";
            args[n++] = spec;
            if (add_card) {
                args[n++] = (char *)"--card";
                args[n++] = (char *)SDC_VICC_CARD;
            }
            for (int i = 1; i < argc; i++)
                args[n++] = argv[i];
            args[n] = NULL;
            run = fork();
            if (run == 0) {
                execv("/proc/self/exe", args);
                fprintf(stderr, "sdconform: /proc/self/exe: %s\n", strerror(errno));
                _exit(2);
            }
            free(args);
        }
        if (run > 0) {
            rc = sdc_supervise(&v, run);
            if (v.crashes)
                printf("device vicc: vicc crashed %u time%s during the run (tracebacks in %s)\n",
                       v.crashes, v.crashes == 1 ? "" : "s", log);
        } else {
            fprintf(stderr, "sdconform: --device vicc: cannot start the run\n");
        }
    }
    sdc_stop_child(v.vicc);
    emu_sandbox_stop(sb);
    sigaction(SIGUSR1, &before, NULL);
    return rc;
}
