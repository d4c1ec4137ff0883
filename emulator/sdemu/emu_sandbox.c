/* A private pcscd with vpcd readers, started by socket activation. */
#include "emu_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <winscard.h>

#define PORT_LOCK_DIR "/tmp/sdemu-ports"
/* Ports below Linux's ephemeral range (32768-60999), so an outgoing connection's local port
 * never takes a port a sandbox is about to hand to vpcd. */
#define PORT_FIRST 20000u
#define PORT_LAST 32700u
#define PCSCD_STOP_MS 5000

typedef struct sandbox_reader {
    uint16_t port;
    int lock_fd[2]; /* flock()ed files for port and port + 1 */
    char name[32];
} sandbox_reader;

struct emu_sandbox {
    char dir[64];
    char conf[80];
    char socket[96];
    pid_t pcscd;
    unsigned readers;
    sandbox_reader reader[EMU_SANDBOX_MAX_READERS];
    SCARDCONTEXT ctx;
    int have_ctx;
    char *pcscd_path; /* kept for a restart */
    int pcscd_output;
};

__attribute__((format(printf, 3, 4))) static void say(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* True when nothing on this machine holds the TCP port (vpcd binds 0.0.0.0). No SO_REUSEADDR:
 * a port with connections in TIME_WAIT counts as taken, as it would for vpcd. */
static int port_free(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    int ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* Takes the lock of one port; -1 when another sandbox holds it. */
static int lock_port(uint16_t port)
{
    char path[64];
    snprintf(path, sizeof path, PORT_LOCK_DIR "/%u.lock", port);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void release_ports(sandbox_reader *r)
{
    for (int k = 0; k < 2; k++) {
        if (r->lock_fd[k] >= 0)
            close(r->lock_fd[k]);
        r->lock_fd[k] = -1;
    }
}

/* Reserves a free pair of consecutive ports for one vpcd entry. */
static int reserve_ports(sandbox_reader *r, unsigned *cursor)
{
    unsigned span = (PORT_LAST - PORT_FIRST) / 2;
    for (unsigned tries = 0; tries < span; tries++) {
        uint16_t port = (uint16_t)(PORT_FIRST + 2 * (*cursor % span));
        (*cursor)++;
        r->lock_fd[0] = lock_port(port);
        if (r->lock_fd[0] < 0)
            continue;
        r->lock_fd[1] = lock_port((uint16_t)(port + 1));
        /* Check after locking, so two sandboxes cannot both find the pair free. */
        if (r->lock_fd[1] >= 0 && port_free(port) && port_free((uint16_t)(port + 1))) {
            r->port = port;
            return 0;
        }
        release_ports(r);
    }
    return -1;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void remove_dir(const char *dir)
{
    if (dir[0])
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int bind_socket(const char *path, char *err, size_t cap)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        say(err, cap, "socket path too long: %s", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1); /* length checked above */
    /* Not close-on-exec: pcscd inherits it on fd 3. The parent closes its copy after fork. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        say(err, cap, "socket: %s", strerror(errno));
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
        say(err, cap, "bind %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    chmod(path, 0666);
    return fd;
}

/* In the child: pcscd on fd 3, LISTEN_PID = our PID (exec keeps it), then exec. */
static void exec_pcscd(int sock, const char *pcscd, const char *conf, int show_output)
{
    /* The launcher's handlers must not run here once signals are unblocked (exec would reset
     * them, but only later); ignored signals stay ignored, as exec keeps them. */
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL)
            signal(sig, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Its own process group: a terminal's Ctrl-C reaches the command, not the sandbox, which
     * the launcher tears down in order. */
    setpgid(0, 0);
    /* If the launcher dies without tearing down (SIGKILL), pcscd goes too. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (sock != 3) {
        if (dup2(sock, 3) < 0)
            _exit(127);
        close(sock);
    } else {
        fcntl(3, F_SETFD, 0);
    }
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, 0);
        if (!show_output) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        if (devnull > 3)
            close(devnull);
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("LISTEN_PID", pid, 1);
    setenv("LISTEN_FDS", "1", 1);
    unsetenv("LISTEN_FDNAMES");
    execl(pcscd, "pcscd", "-f", "-c", conf, (char *)NULL);
    dprintf(2, "sdemu: exec %s: %s\n", pcscd, strerror(errno));
    _exit(127);
}

static int make_dirs(emu_sandbox *sb, char *err, size_t cap)
{
    /* pcscd writes /run/pcscd/pcscd.pid and fails without the directory. */
    if (mkdir("/run/pcscd", 0755) != 0 && errno != EEXIST) {
        say(err, cap, "cannot create /run/pcscd: %s", strerror(errno));
        return -1;
    }
    if (mkdir(PORT_LOCK_DIR, 01777) == 0)
        chmod(PORT_LOCK_DIR, 01777);
    else if (errno != EEXIST) {
        say(err, cap, "cannot create " PORT_LOCK_DIR ": %s", strerror(errno));
        return -1;
    }
    /* Short and fixed under /tmp: sun_path holds 108 bytes, TMPDIR may be long. */
    strcpy(sb->dir, "/tmp/sdemu-XXXXXX");
    if (!mkdtemp(sb->dir)) {
        sb->dir[0] = '\0';
        say(err, cap, "cannot create a directory in /tmp: %s", strerror(errno));
        return -1;
    }
    chmod(sb->dir, 0755);
    snprintf(sb->conf, sizeof sb->conf, "%s/conf", sb->dir);
    snprintf(sb->socket, sizeof sb->socket, "%s/pcscd.comm", sb->dir);
    if (mkdir(sb->conf, 0755) != 0) {
        say(err, cap, "cannot create %s: %s", sb->conf, strerror(errno));
        return -1;
    }
    return 0;
}

/* Copies the driver to `to`. The vpcd driver keeps its connections in a global array indexed by
 * slot only: two readers on one loaded copy share slot 0 and both end up talking to one card.
 * dlopen() loads a file once per inode, so each reader gets its own copy (about 22 KB). */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[16384];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = -1;
                break;
            }
            done += w;
        }
        if (rc)
            break;
    }
    close(in);
    if (close(out) != 0)
        rc = -1;
    return rc;
}

static int write_readers(emu_sandbox *sb, const char *driver, char *err, size_t cap)
{
    char drivers[96];
    snprintf(drivers, sizeof drivers, "%s/drivers", sb->dir);
    if (mkdir(drivers, 0755) != 0) {
        say(err, cap, "cannot create %s: %s", drivers, strerror(errno));
        return -1;
    }
    unsigned cursor = (unsigned)getpid() * 7919u + (unsigned)now_ms();
    for (unsigned i = 0; i < sb->readers; i++) {
        sandbox_reader *r = &sb->reader[i];
        if (reserve_ports(r, &cursor) != 0) {
            say(err, cap, "no free pair of TCP ports in %u-%u for vpcd", PORT_FIRST, PORT_LAST);
            return -1;
        }
        snprintf(r->name, sizeof r->name, "sdemu %u 00 00", i + 1);
        char lib[128], path[128], text[512];
        snprintf(lib, sizeof lib, "%s/libifdvpcd-%u.so", drivers, i + 1);
        if (copy_file(driver, lib) != 0) {
            say(err, cap, "cannot copy %s to %s: %s", driver, lib, strerror(errno));
            return -1;
        }
        snprintf(path, sizeof path, "%s/reader%02u", sb->conf, i + 1);
        snprintf(text, sizeof text,
                 "FRIENDLYNAME \"sdemu %u\"\nDEVICENAME /dev/null:%u\nLIBPATH %s\nCHANNELID "
                 "%u\n",
                 i + 1, r->port, lib, r->port);
        if (write_file(path, text) != 0) {
            say(err, cap, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Forks pcscd on the listening socket `sock` (the caller closes its copy). Signals are blocked
 * across the fork so none reaches the child before exec_pcscd reset the handlers. Returns the
 * PID, or -1 with errno. */
static pid_t spawn_pcscd(emu_sandbox *sb, int sock)
{
    sigset_t all_signals, orig;
    sigfillset(&all_signals);
    fflush(NULL);
    sigprocmask(SIG_BLOCK, &all_signals, &orig);
    pid_t pid = fork();
    if (pid == 0)
        exec_pcscd(sock, sb->pcscd_path, sb->conf, sb->pcscd_output);
    int e = errno;
    sigprocmask(SIG_SETMASK, &orig, NULL);
    errno = e;
    return pid;
}

int emu_sandbox_start(const emu_sandbox_config *cfg, emu_sandbox **out, char *err, size_t cap)
{
    const char *pcscd = cfg->pcscd ? cfg->pcscd : EMU_SANDBOX_PCSCD;
    const char *driver = cfg->driver ? cfg->driver : EMU_SANDBOX_DRIVER;
    if (cfg->readers < 1 || cfg->readers > EMU_SANDBOX_MAX_READERS) {
        say(err, cap, "number of readers must be 1..%d", EMU_SANDBOX_MAX_READERS);
        return -1;
    }
    if (access(pcscd, X_OK) != 0) {
        say(err, cap, "pcscd not found at %s (install the pcscd package)", pcscd);
        return -1;
    }
    if (access(driver, R_OK) != 0) {
        say(err, cap, "vpcd driver not found at %s (install the vsmartcard-vpcd package)", driver);
        return -1;
    }
    emu_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb) {
        say(err, cap, "out of memory");
        return -1;
    }
    sb->pcscd = -1;
    sb->readers = cfg->readers;
    sb->pcscd_output = cfg->pcscd_output;
    for (unsigned i = 0; i < EMU_SANDBOX_MAX_READERS; i++)
        sb->reader[i].lock_fd[0] = sb->reader[i].lock_fd[1] = -1;
    sb->pcscd_path = strdup(pcscd);
    if (!sb->pcscd_path) {
        say(err, cap, "out of memory");
        emu_sandbox_stop(sb);
        return -1;
    }

    if (make_dirs(sb, err, cap) != 0 || write_readers(sb, driver, err, cap) != 0) {
        emu_sandbox_stop(sb);
        return -1;
    }
    int sock = bind_socket(sb->socket, err, cap);
    if (sock < 0) {
        emu_sandbox_stop(sb);
        return -1;
    }
    pid_t pid = spawn_pcscd(sb, sock);
    close(sock);
    if (pid < 0) {
        say(err, cap, "fork: %s", strerror(errno));
        emu_sandbox_stop(sb);
        return -1;
    }
    sb->pcscd = pid;
    *out = sb;
    return 0;
}

unsigned emu_sandbox_readers(const emu_sandbox *sb)
{
    return sb->readers;
}

uint16_t emu_sandbox_port(const emu_sandbox *sb, unsigned i)
{
    return i < sb->readers ? sb->reader[i].port : 0;
}

const char *emu_sandbox_reader(const emu_sandbox *sb, unsigned i)
{
    return i < sb->readers ? sb->reader[i].name : NULL;
}

const char *emu_sandbox_socket(const emu_sandbox *sb)
{
    return sb->socket;
}

const char *emu_sandbox_dir(const emu_sandbox *sb)
{
    return sb->dir;
}

pid_t emu_sandbox_pcscd_pid(const emu_sandbox *sb)
{
    return sb->pcscd;
}

void emu_sandbox_pcscd_reaped(emu_sandbox *sb)
{
    sb->pcscd = -1;
}

/* Reaps pcscd if it exited; returns its wait status, or -1 while it runs. */
static int pcscd_exited(emu_sandbox *sb)
{
    int status;
    if (sb->pcscd <= 0)
        return 0;
    if (waitpid(sb->pcscd, &status, WNOHANG) == sb->pcscd) {
        sb->pcscd = -1;
        return status;
    }
    return -1;
}

static void describe_status(int status, char *buf, size_t cap)
{
    if (WIFSIGNALED(status))
        snprintf(buf, cap, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, cap, "exited with status %d", WEXITSTATUS(status));
}

int emu_sandbox_wait_card(emu_sandbox *sb, unsigned i, int timeout_ms, char *err, size_t cap)
{
    if (i >= sb->readers) {
        say(err, cap, "no reader %u", i);
        return -1;
    }
    setenv("PCSCLITE_CSOCK_NAME", sb->socket, 1);
    long long deadline = now_ms() + timeout_ms;
    SCARD_READERSTATE st;
    memset(&st, 0, sizeof st);
    st.szReader = sb->reader[i].name;
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    for (;;) {
        int status = pcscd_exited(sb);
        if (status >= 0) {
            char how[64];
            describe_status(status, how, sizeof how);
            say(err, cap,
                "pcscd %s before reader '%s' had a card (run with --verbose to see "
                "its output)",
                how, st.szReader);
            return -1;
        }
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        LONG rv;
        if (!sb->have_ctx) {
            /* pcscd answers once it has started; the socket already accepts connections. */
            rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &sb->ctx);
            if (rv != SCARD_S_SUCCESS) {
                pause_ms(20);
                continue;
            }
            sb->have_ctx = 1;
        }
        rv = SCardGetStatusChange(sb->ctx, (DWORD)(left < 250 ? left : 250), &st, 1);
        if (rv == SCARD_S_SUCCESS) {
            if ((st.dwEventState & SCARD_STATE_PRESENT) && !(st.dwEventState & SCARD_STATE_UNKNOWN))
                return 0;
            st.dwCurrentState = st.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
        } else if (rv == SCARD_E_NO_SERVICE || rv == SCARD_E_INVALID_HANDLE) {
            SCardReleaseContext(sb->ctx);
            sb->have_ctx = 0;
            pause_ms(20);
        } else if (rv != SCARD_E_TIMEOUT) {
            /* The reader is not there yet (pcscd still loading the driver): poll. */
            st.dwCurrentState = SCARD_STATE_UNAWARE;
            pause_ms(20);
        }
    }
    say(err, cap, "no card in reader '%s' (vpcd port %u) after %d ms", st.szReader,
        sb->reader[i].port, timeout_ms);
    return 1;
}

static void stop_pcscd(emu_sandbox *sb)
{
    if (sb->pcscd <= 0)
        return;
    kill(sb->pcscd, SIGTERM);
    kill(sb->pcscd, SIGCONT); /* a stopped pcscd (SIGSTOP) exits too */
    /* pcscd takes about 1.8 s to exit after SIGTERM. */
    long long deadline = now_ms() + PCSCD_STOP_MS;
    while (pcscd_exited(sb) < 0) {
        if (now_ms() >= deadline) {
            kill(sb->pcscd, SIGKILL);
            waitpid(sb->pcscd, NULL, 0);
            sb->pcscd = -1;
            break;
        }
        pause_ms(10);
    }
}

int emu_sandbox_restart_pcscd(emu_sandbox *sb, char *err, size_t cap)
{
    stop_pcscd(sb);
    /* The context belonged to the old pcscd. Released once pcscd is gone: releasing it is a
     * request to pcscd, which would wait forever on a pcscd that does not answer. */
    if (sb->have_ctx)
        SCardReleaseContext(sb->ctx);
    sb->have_ctx = 0;
    /* The old pcscd left its socket file behind, and bind() wants the path free. */
    if (unlink(sb->socket) != 0 && errno != ENOENT) {
        say(err, cap, "cannot remove %s: %s", sb->socket, strerror(errno));
        return -1;
    }
    int sock = bind_socket(sb->socket, err, cap);
    if (sock < 0)
        return -1;
    pid_t pid = spawn_pcscd(sb, sock);
    close(sock);
    if (pid < 0) {
        say(err, cap, "fork: %s", strerror(errno));
        return -1;
    }
    sb->pcscd = pid;
    return 0;
}

void emu_sandbox_stop(emu_sandbox *sb)
{
    if (!sb)
        return;
    stop_pcscd(sb);
    /* After pcscd is gone (the call then fails at once): on a pcscd that does not answer it
     * would wait forever. */
    if (sb->have_ctx)
        SCardReleaseContext(sb->ctx);
    /* A socket-activated pcscd leaves its socket behind: the launcher removes it. */
    remove_dir(sb->dir);
    for (unsigned i = 0; i < EMU_SANDBOX_MAX_READERS; i++)
        release_ports(&sb->reader[i]);
    free(sb->pcscd_path);
    free(sb);
}
