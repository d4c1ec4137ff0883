/* A fake vpcd for tests: loopback listener and vpcd frames. */
#include "fake_vpcd.h"

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int fake_vpcd_listen(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 4), 0);
    socklen_t len = sizeof a;
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

int fake_vpcd_accept(int lfd)
{
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    cr_assert_eq(poll(&p, 1, FAKE_VPCD_TIMEOUT_MS), 1, "the card did not connect");
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    cr_assert_geq(fd, 0);
    return fd;
}

void fake_vpcd_send_frame(int fd, const uint8_t *payload, size_t len)
{
    uint8_t buf[2 + FAKE_VPCD_PAYLOAD_MAX];
    cr_assert_leq(len, FAKE_VPCD_PAYLOAD_MAX);
    buf[0] = (uint8_t)(len >> 8);
    buf[1] = (uint8_t)len;
    memcpy(buf + 2, payload, len);
    cr_assert_eq(send(fd, buf, len + 2, MSG_NOSIGNAL), (ssize_t)(len + 2));
}

bool fake_vpcd_read_exact(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) != 1)
            return false;
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

int fake_vpcd_recv_frame(int fd, uint8_t *resp, size_t cap, int timeout_ms)
{
    uint8_t hdr[2];
    if (!fake_vpcd_read_exact(fd, hdr, 2, timeout_ms))
        return -1;
    size_t len = (size_t)hdr[0] << 8 | hdr[1];
    cr_assert_leq(len, cap);
    if (!fake_vpcd_read_exact(fd, resp, len, timeout_ms))
        return -1;
    return (int)len;
}

size_t fake_vpcd_exchange(int fd, const uint8_t *payload, size_t len, uint8_t *resp, size_t cap)
{
    fake_vpcd_send_frame(fd, payload, len);
    int n = fake_vpcd_recv_frame(fd, resp, cap, FAKE_VPCD_TIMEOUT_MS);
    cr_assert_geq(n, 0, "no answer from the card");
    return (size_t)n;
}

pid_t fake_vpcd_serve(uint16_t port, const char *log, const char *const args[])
{
    const char *exe = getenv("SDEMU_EXE");
    cr_assert(exe && *exe, "SDEMU_EXE not set (run through meson test)");
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    const char *argv[4 + 16 + 1] = {"sdemu", "serve", "--vpcd", addr};
    size_t n = 4;
    for (size_t i = 0; args[i]; i++) {
        cr_assert_lt(i, 16, "more than 16 arguments");
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    return pid;
}
