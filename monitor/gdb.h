/* gdb.h: --gdb: a gdb remote stub for the guest, on loopback or a Unix socket. */
#ifndef GDB_H
#define GDB_H

#include <stdbool.h>
#include <stdint.h>

#include "gdb_packet.h"
#include "uhvt_abi.h"
#include "why.h"

#define GDB_BP_MAX 64

/* gdb_stop's reason: the first instruction, or a signal number gdb shows. */
#define GDB_STOP_START 0

struct gdb {
    int fd;          /* the connection to gdb */
    bool attached;   /* false once gdb detached or went away */
    bool stepping;   /* TF set for gdb's 's': the next #DB is ours */
    bool no_ack;     /* gdb asked for QStartNoAckMode */
    bool ending;     /* gdb_end: a reply waits for room at most a second */
    const struct vm *vm; /* its signalfd ends a wait for room to send */
    struct gdb_packet in;
    uint8_t rbuf[GDB_PACKET_MAX]; /* read from fd, not yet fed to `in` */
    size_t rpos, rlen;
    size_t nbp;
    struct {
        uint64_t addr;
        uint8_t saved; /* the byte int3 replaced */
    } bp[GDB_BP_MAX];
};

struct vm;

/*
 * Parse PORT (1-65535, on 127.0.0.1) or unix:PATH (a new socket: an existing
 * file is never replaced), listen, say where on stderr, and wait for gdb to
 * connect.  The connection raises SIGIO when gdb sends (its Ctrl-C).
 * Returns 0, or -1 with a reason in `why`.
 */
int gdb_setup(struct gdb *g, struct vm *vm, const char *spec, char why[WHY_MAX]);

/*
 * The guest is stopped: tell gdb why (`sig`; GDB_STOP_START: gdb asks),
 * then serve its requests until it resumes (VM_CONTINUE) or kills the
 * guest (an exit status).
 */
int gdb_stop(struct gdb *g, struct vm *vm, int sig);

/*
 * A fault the guest reported: the #BP of a breakpoint and the #DB of a
 * step resume the guest in the state the report holds, stopped for gdb;
 * any other fault stops for gdb at the faulting instruction, then goes on
 * as usual (DEBUG_PASS).  Returns VM_CONTINUE, DEBUG_PASS or an exit status.
 */
int gdb_fault(struct gdb *g, struct vm *vm, const struct uhvt_hc_fault *f);

/* After SIGIO: a Ctrl-C from gdb stops the guest; VM_CONTINUE or a status. */
int gdb_interrupted(struct gdb *g, struct vm *vm);

/* The guest ended with `status`: tell gdb (W or X packet). */
void gdb_end(struct gdb *g, struct vm *vm, int status);

/* The sandbox rules --gdb adds (docs/security.md); 0 or -errno. */
int gdb_rules(const struct gdb *g, const struct vm *vm, void *seccomp_ctx);

#endif
