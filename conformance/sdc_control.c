/* The emulator's control socket client (see sdc_control.h). */
#include "sdc_control.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdc_case.h"

#define SDC_CONTROL_WAIT_MS 10000

bool sdc_control_available(void)
{
    static int known = -1; /* asked once per process */
    if (known < 0) {
        const char *ctl = getenv("SDEMU_CONTROL");
        char reply[256];
        /* a relay card, for one, has no control socket although the variable is set */
        known = ctl && *ctl && strncmp(sdc_spec(), "pcsc:", 5) == 0 && sdc_target_is_emulator() &&
                sdc_control_reply(reply, sizeof reply, "status");
    }
    return known == 1;
}

const char *sdc_control_snapshot(void)
{
    const char *s = getenv(SDC_SNAPSHOT_ENV);
    return s && *s ? s : NULL;
}

bool sdc_control_reply(char *reply, size_t cap, const char *fmt, ...)
{
    const char *path = getenv("SDEMU_CONTROL");
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!path || strlen(path) >= sizeof sa.sun_path || n <= 0 || (size_t)n >= sizeof line - 1) {
        snprintf(reply, cap, "error no control socket, or command too long");
        return false;
    }
    line[n++] = '\n';
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        write(fd, line, (size_t)n) != n) {
        snprintf(reply, cap, "error control socket %s unreachable", path);
        if (fd >= 0)
            close(fd);
        return false;
    }
    size_t got = 0;
    while (got + 1 < cap) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, SDC_CONTROL_WAIT_MS) != 1)
            break;
        ssize_t r = read(fd, reply + got, 1);
        if (r <= 0 || reply[got] == '\n')
            break;
        got++;
    }
    reply[got] = '\0';
    close(fd);
    return strncmp(reply, "ok", 2) == 0;
}
