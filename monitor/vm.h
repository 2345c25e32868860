/* vm.h: the state of one guest, shared by the monitor's parts. */
#ifndef VM_H
#define VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debug.h"
#include "elf.h"
#include "kvm.h"
#include "kvmstats.h"
#include "mem.h"
#include "symbols.h"

/* A handler's "keep running"; anything else is the monitor's exit status. */
#define VM_CONTINUE (-1)

/* One attached device, at its manifest index. */
struct vm_dev {
    uint32_t type; /* UHVT_DEV_*; UHVT_DEV_NONE while not attached */
    int poll_fd;   /* readable when the device has input for the guest; -1 */
    void *state;   /* the device module's own (struct net_dev, struct blk_dev) */
    /*
     * NULL when poll_fd readable means input.  Otherwise poll_fd only wakes
     * the poll hypercall, and this says whether input is really waiting
     * (a disk: batched completions reaped from its ring).  Never blocks.
     */
    bool (*has_input)(void *state);
};

/* What the sandbox lets the monitor do with a host fd a device opened. */
enum vm_fd_use {
    VM_FD_READ = 1,   /* readv (a frame and the scratch behind it) */
    VM_FD_WRITE = 2,  /* write (not writev) */
    VM_FD_PREAD = 4,  /* pread64 (not preadv) */
    VM_FD_PWRITE = 8, /* pwrite64 (not pwritev) */
    VM_FD_SYNC = 16,  /* fdatasync */
    VM_FD_URING = 32, /* io_uring_enter: a restricted ring (blk/blk_uring.c) */
};
/* + the stats fd, + a snapshot's file and pagemap (snapshot.h) */
#define VM_FDS_MAX (2 * UHVT_MANIFEST_MAX + 3)

struct vm {
    struct mem mem;
    struct vm_kvm kvm;
    struct elf_image img;
    struct symbols syms; /* the image's functions, to name addresses */
    struct debug debug;  /* --gdb, --dumpcore, --profile; all off when zero */
    bool quiet;  /* no report of how the guest ended */
    struct kvmstats stats; /* --kvm-stats; stats.fd -1 when off */
    int sig_fd;  /* signalfd of the ending signals (signals.h); -1 if none */
    struct snapshot *snap; /* --snapshot (snapshot.h); NULL when off */
    /* Host signals forwarded to the guest (signals.h, UHVT_HC_SIGNALS). */
    struct {
        uint64_t mailbox;   /* gpa of the guest's uint64_t; 0: none */
        uint64_t handled;   /* bit N-1: the guest handles signal N */
        uint64_t forwarded; /* bit N-1: signal N forwarded, grace running */
        unsigned grace;     /* seconds; 0: never forward */
        int timer;          /* kernel POSIX timer id, -1 if none */
        int first;          /* the first forwarded signal */
    } fwd;
    /* UHVT_BOOT_* flags the options ask for (--snapshot-idle). */
    uint64_t boot_flags;
    /* The guest's environment ("KEY=VALUE"), after argv in the boot info. */
    int envc;
    char *const *env;
    /* The host's stdin, read for the guest (UHVT_HC_STDIN); -1 once at EOF. */
    int stdin_fd;
    bool stdin_tty;
    struct vm_dev dev[UHVT_MANIFEST_MAX];
    size_t nfds;
    struct {
        int fd;
        unsigned uses; /* enum vm_fd_use */
    } fds[VM_FDS_MAX];
};

/*
 * The state of device `handle` if it is attached and of `type`, else NULL.
 * Handles come from the guest: any value is safe.
 */
void *vm_dev(const struct vm *vm, uint32_t handle, uint32_t type);

/* Record a host fd and what the run loop does with it, for the sandbox. */
void vm_fd_register(struct vm *vm, int fd, unsigned uses);

/*
 * Report how the guest ended on stderr, unless --quiet: "uhvt: ", the text
 * (cut at VM_REPORT_MAX bytes), a newline.  Like all the monitor's output
 * once the guest runs, it never blocks an ending signal: it waits at most
 * OUTPUT_REPORT_WAIT_MS for a stalled stderr, not at all if another signal
 * is pending, and is dropped then (output.h).
 */
#define VM_REPORT_MAX 4608
void vm_report(const struct vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* `len` bytes of `text` on stderr as vm_report writes them (even if --quiet). */
void vm_print(const struct vm *vm, const char *text, size_t len);

#endif
