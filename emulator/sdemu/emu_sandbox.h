/* A private pcscd with vpcd readers, started by socket activation.
 *
 * The sandbox is a directory /tmp/sdemu-XXXXXX holding the pcscd socket (pcscd.comm) and the
 * reader configuration (conf/). pcscd is exec'ed with `-f -c <dir>/conf`, so it reads neither
 * /etc/reader.conf.d nor the system socket: any number of sandboxes run side by side. Each
 * reader is one vpcd entry; vpcd opens two consecutive TCP ports per entry (slots 0 and 1). The
 * sandbox uses slot 0 and reserves both ports with flock()ed files in /tmp/sdemu-ports/ for its
 * lifetime, so parallel sandboxes never share a port.
 *
 * PC/SC clients reach the sandbox by setting PCSCLITE_CSOCK_NAME to emu_sandbox_socket()
 * before their first SCard* call; pcsc-lite reads the variable once per process, so one
 * process talks to one pcscd. */
#ifndef EMU_SANDBOX_H
#define EMU_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Most readers one sandbox starts. */
#define EMU_SANDBOX_MAX_READERS 16

#define EMU_SANDBOX_PCSCD "/usr/sbin/pcscd"
#define EMU_SANDBOX_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

typedef struct emu_sandbox emu_sandbox;

typedef struct emu_sandbox_config {
    unsigned readers;   /* 1..EMU_SANDBOX_MAX_READERS */
    const char *pcscd;  /* NULL: EMU_SANDBOX_PCSCD */
    const char *driver; /* NULL: EMU_SANDBOX_DRIVER */
    bool pcscd_output;  /* true: pcscd's output goes to our stderr; false: /dev/null */
} emu_sandbox_config;

/* Creates the directory, reserves ports, writes the reader files, binds the socket and starts
 * pcscd. Returns 0 and sets *out, or -1 with a one-line reason in err[0..cap) and nothing left
 * behind. */
int emu_sandbox_start(const emu_sandbox_config *cfg, emu_sandbox **out, char *err, size_t cap);

/* Number of readers. */
unsigned emu_sandbox_readers(const emu_sandbox *sb);

/* The vpcd TCP port of reader i (0-based), where its card connects. */
uint16_t emu_sandbox_port(const emu_sandbox *sb, unsigned i);

/* The PC/SC name of reader i (0-based): "sdemu <i+1> 00 00". */
const char *emu_sandbox_reader(const emu_sandbox *sb, unsigned i);

/* The path of pcscd's socket: the value for PCSCLITE_CSOCK_NAME. */
const char *emu_sandbox_socket(const emu_sandbox *sb);

/* The sandbox directory. */
const char *emu_sandbox_dir(const emu_sandbox *sb);

/* pcscd's PID (a child of the caller); -1 once it has been reaped. */
pid_t emu_sandbox_pcscd_pid(const emu_sandbox *sb);

/* Tells the sandbox that the caller reaped pcscd itself (waitpid(-1, ...)). */
void emu_sandbox_pcscd_reaped(emu_sandbox *sb);

/* Waits until reader i has a card present, polling SCardGetStatusChange, for at most timeout_ms.
 * Sets PCSCLITE_CSOCK_NAME in the environment first. Returns 0 when the card is present, 1 on
 * timeout, -1 when pcscd has exited; a reason goes to err[0..cap) unless 0 is returned. */
int emu_sandbox_wait_card(emu_sandbox *sb, unsigned i, int timeout_ms, char *err, size_t cap);

/* Replaces pcscd by a new one with the same configuration, as a pcscd restart on a real
 * system: releases the sandbox's own PC/SC context (it belongs to the old pcscd), stops the old
 * pcscd as emu_sandbox_stop does (SIGTERM, then SIGKILL after 5 s; it takes about 1.8 s), binds
 * the same socket path again and starts pcscd on it. Every client handle of the old pcscd then
 * fails with SCARD_E_NO_SERVICE; vpcd closes the cards' connections, so a card must connect
 * again (sdemu serve --reconnect). Does not wait for the cards. Returns 0, or -1 with a reason
 * in err[0..cap) (then no pcscd runs). */
int emu_sandbox_restart_pcscd(emu_sandbox *sb, char *err, size_t cap);

/* Stops pcscd (SIGTERM, then SIGKILL after 5 s), removes the directory, releases the ports and
 * frees the sandbox. NULL is accepted. */
void emu_sandbox_stop(emu_sandbox *sb);

#endif
