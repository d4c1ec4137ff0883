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

#include "emu_sandbox.h"

#define SDC_VICC "/usr/bin/vicc"
#define SDC_PYTHON "/usr/bin/python3" /* Debian's: a pyenv python3 cannot see its packages */
#define SDC_VICC_PKG "/usr/lib/python3/site-packages/virtualsmartcard"
#define SDC_VICC_WAIT_MS 20000

/* Debian 12's vicc needs two shims (shared/notes/pcsc-chain.md): a module `sha` (Python 2's,
 * imported when PyCrypto is missing) and, for speed, TCP_QUICKACK after each recv (without it
 * every APDU stalls about 40 ms on vpcd's two-write frames). */
static const char sdc_sha_py[] = "import hashlib\nnew = hashlib.sha1\ndigest_size = 20\n";
static const char sdc_sitecustomize_py[] =
    "import socket\n"
    "_recv = socket.socket.recv\n"
    "def _recv_quickack(self, *args, **kwargs):\n"
    "    data = _recv(self, *args, **kwargs)\n"
    "    try:\n"
    "        self.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)\n"
    "    except (OSError, AttributeError):\n"
    "        pass\n"
    "    return data\n"
    "socket.socket.recv = _recv_quickack\n";

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

static pid_t sdc_start_vicc(const emu_sandbox *sb, const char *shim, const char *log)
{
    char port[8], pypath[512];
    snprintf(port, sizeof port, "%u", (unsigned)emu_sandbox_port(sb, 0));
    snprintf(pypath, sizeof pypath, "%s:%s", shim, SDC_VICC_PKG);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    setenv("PYTHONPATH", pypath, 1);
    execl(SDC_PYTHON, SDC_PYTHON, SDC_VICC, "--type", "iso7816", "--hostname", "127.0.0.1",
          "--port", port, (char *)NULL);
    fprintf(stderr, "sdconform: %s: %s\n", SDC_PYTHON, strerror(errno));
    _exit(127);
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
    pid_t vicc = sdc_start_vicc(sb, shim, log);
    int rc = 2;
    if (vicc < 0) {
        fprintf(stderr, "sdconform: --device vicc: fork: %s\n", strerror(errno));
    } else if (emu_sandbox_wait_card(sb, 0, SDC_VICC_WAIT_MS, err, sizeof err) != 0) {
        fprintf(stderr, "sdconform: --device vicc: the card did not appear: %s (log: %s)\n", err,
                log);
    } else {
        char spec[128], note[256];
        snprintf(spec, sizeof spec, "pcsc:%s", emu_sandbox_reader(sb, 0));
        snprintf(note, sizeof note,
                 "vicc (vsmartcard's Python card, --type iso7816) in a private pcscd");
        setenv(SDC_DEVICE_NOTE_ENV, note, 1);
        /* vicc is not this project's emulator, even inside an outer `sdemu run` whose reader
         * has the same name: the PIN safety for foreign cards applies (sdc_guard.h). */
        unsetenv("SDEMU_READER");
        printf("device vicc: %s, reader %s, vicc log %s\n", SDC_VICC, spec, log);
        fflush(stdout);
        char **args = calloc((size_t)argc + 3, sizeof *args);
        pid_t run = -1;
        if (args) {
            int n = 0;
            args[n++] = argv[0];
            args[n++] = (char *)"--device";
            args[n++] = spec;
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
        int status = 0;
        while (run > 0 && waitpid(run, &status, 0) < 0 && errno == EINTR)
            ;
        if (run > 0)
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        else
            fprintf(stderr, "sdconform: --device vicc: cannot start the run\n");
    }
    sdc_stop_child(vicc);
    emu_sandbox_stop(sb);
    return rc;
}
