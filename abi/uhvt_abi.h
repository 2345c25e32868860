/* uhvt_abi.h: the contract between the uhvt monitor and its guests. */
#ifndef UHVT_ABI_H
#define UHVT_ABI_H

/*
 * Self-contained C11 (freestanding-safe): both the monitor and the guest
 * runtime include this file, so it must not depend on either side.
 *
 * Entry: the guest starts in 64-bit long mode at the ELF entry point with
 *   rdi = guest-physical address of struct uhvt_boot_info,
 *   rsp = top of guest memory (16-byte aligned),
 *   interrupts disabled, paging on with an identity map (virtual ==
 *   guest-physical) in which page 0 and the page below the stack are
 *   unmapped, text is read-only and everything else is non-executable,
 *   SSE enabled, EFER.SCE set.
 * The vCPU runs in ring 0 on hardware KVM (VMX/SVM).  Under PVM (boot info
 * flag UHVT_BOOT_PVM) it runs at hardware CPL 3 on the selectors
 * UHVT_SEL_USER_CS/UHVT_SEL_USER_DS; privileged instructions still work
 * there (emulated by the host, each one a trap), but only exceptions through
 * IDT gates with selector UHVT_SEL_USER_CS, DPL 3 and no IST are delivered,
 * on the current stack, and segment loads must keep those selectors.
 *
 * Hypercalls: the guest issues a 32-bit OUT to port UHVT_HC_PORT(nr) whose
 * value is the guest-physical address of the call's argument struct.  The
 * monitor copies the struct in, validates it, acts, and writes the struct
 * back once.  Anything else (other port, width or direction, a struct that is
 * not wholly inside guest memory, misaligned) is a malformed request: the
 * monitor ends the guest with UHVT_EXIT_BAD_HYPERCALL.  A well-formed request
 * with invalid contents gets a non-zero `ret` (enum uhvt_ret) instead.
 * Because the address travels in 32 bits, guest memory is at most 4 GiB.
 */

#include <stddef.h>
#include <stdint.h>

#define UHVT_ABI_VERSION 4

/* A guest-physical address: an integer, never a host pointer. */
typedef uint64_t uhvt_gpa_t;

#define UHVT_PAGE_SIZE 4096ULL
#define UHVT_MEM_MAX (4ULL << 30)
/* The stack occupies the top of guest memory; the page below it is a guard. */
#define UHVT_STACK_SIZE (1ULL << 20)
/* Bytes of host entropy in the boot info and a restored snapshot. */
#define UHVT_BOOT_RANDOM_SIZE 32

#define UHVT_HC_PIO_BASE 0x500
#define UHVT_HC_PORT(nr) (UHVT_HC_PIO_BASE + (nr))

enum uhvt_hypercall {
    UHVT_HC_WALLTIME = 1, /* struct uhvt_hc_walltime */
    UHVT_HC_CONSOLE = 2,  /* struct uhvt_hc_console */
    UHVT_HC_POLL = 3,     /* struct uhvt_hc_poll */
    UHVT_HC_EXIT = 4,     /* struct uhvt_hc_exit; does not return */
    UHVT_HC_ABORT = 5,    /* struct uhvt_hc_abort; does not return */
    UHVT_HC_FAULT = 6,    /* struct uhvt_hc_fault; does not return */
    UHVT_HC_NET_INFO = 7,   /* struct uhvt_hc_net_info */
    UHVT_HC_NET_WRITE = 8,  /* struct uhvt_hc_net_io */
    UHVT_HC_NET_READ = 9,   /* struct uhvt_hc_net_io */
    UHVT_HC_BLK_INFO = 10,  /* struct uhvt_hc_blk_info */
    UHVT_HC_BLK_WRITE = 11, /* struct uhvt_hc_blk_io */
    UHVT_HC_BLK_READ = 12,  /* struct uhvt_hc_blk_io */
    UHVT_HC_BLK_FLUSH = 13, /* struct uhvt_hc_blk_flush */
    /* Batched calls, appended in ABI 1: a monitor without them ends a guest
     * that uses them as for any unknown port (UHVT_EXIT_BAD_HYPERCALL). */
    UHVT_HC_BLK_SUBMIT = 14, /* struct uhvt_hc_batch of struct uhvt_blk_req */
    UHVT_HC_BLK_REAP = 15,   /* struct uhvt_hc_batch of struct uhvt_blk_done */
    UHVT_HC_NET_WRITEV = 16, /* struct uhvt_hc_batch of struct uhvt_net_frame */
    UHVT_HC_NET_READV = 17,  /* struct uhvt_hc_batch of struct uhvt_net_frame */
    /* Appended within ABI 3, likewise: the ready point of a snapshot. */
    UHVT_HC_SNAPSHOT = 18, /* struct uhvt_hc_snapshot */
    /* ABI 4: host signals forwarded to the guest; stdin. */
    UHVT_HC_SIGNALS = 19, /* struct uhvt_hc_signals */
    UHVT_HC_STDIN = 20,   /* struct uhvt_hc_stdin */
    UHVT_HC_MAX
};

/* Values of `ret`: 0 or a reason the monitor refused a well-formed request. */
enum uhvt_ret {
    UHVT_OK = 0,
    UHVT_EAGAIN = 1, /* nothing to do now; try again after polling */
    UHVT_EINVAL = 2, /* a field is out of range */
    UHVT_EIO = 3,    /* the host failed to do the I/O */
    UHVT_ENODEV = 4, /* no such device, or not attached */
    UHVT_EROFS = 5,  /* the device is read-only */
};

/* Wall clock: nanoseconds since the Unix epoch (CLOCK_REALTIME). */
struct uhvt_hc_walltime {
    uint64_t nsecs; /* out */
};

/* Write `len` bytes at `data` to the console; at most UHVT_CONSOLE_MAX. */
#define UHVT_CONSOLE_MAX (64U * 1024)
struct uhvt_hc_console {
    uhvt_gpa_t data;
    uint32_t len;
    int32_t ret; /* out: UHVT_EINVAL if len > UHVT_CONSOLE_MAX */
};

/*
 * Block until a device is readable or `timeout_ns` has passed (0: just
 * check).  Out: `ready` has bit N set when manifest entry N has input.
 * With UHVT_POLL_STDIN in `flags`, input on the monitor's stdin (or its
 * end) wakes the call too, and sets UHVT_POLL_READY_STDIN in `ready`.
 * A signal the monitor forwards (UHVT_HC_SIGNALS) also ends the wait.
 */
#define UHVT_POLL_STDIN 0x1U
#define UHVT_POLL_READY_STDIN (1ULL << 63)
struct uhvt_hc_poll {
    uint64_t timeout_ns;
    uint64_t ready; /* out */
    int32_t ret;    /* out */
    uint32_t flags; /* UHVT_POLL_*; 0 before ABI 4 */
};

/* End the guest; the monitor exits with `status` (see UHVT_EXIT_*). */
struct uhvt_hc_exit {
    int32_t status;
    uint32_t signal; /* ABI 4: 1..64: ended by the default action of signal
                        `signal`: the monitor reports it and exits 128 + signal
                        (`status` ignored); 0: a plain exit */
};

/*
 * Host signals (ABI 4).  `handled` has bit N-1 set for each signal N the
 * guest has a handler for; the monitor forwards SIGINT, SIGTERM and SIGHUP
 * when their bit is set, instead of ending the guest at once: it ORs bit N-1
 * into the 8-byte-aligned uint64_t at `mailbox` (written only while the
 * vCPU is stopped) and ends any UHVT_HC_POLL wait.  The guest reads and
 * clears the mailbox itself.  The monitor still ends the guest after its
 * grace period (--grace), or at once on a second signal of the same kind.
 * Each call replaces the previous registration; out: `ret` UHVT_EINVAL if
 * the mailbox is not in guest memory or misaligned.
 */
struct uhvt_hc_signals {
    uhvt_gpa_t mailbox;
    uint64_t handled;
    int32_t ret; /* out */
    uint32_t pad;
};

/*
 * Read up to `len` bytes of the monitor's stdin into `data`, never waiting:
 * out: `got` bytes and UHVT_OK (got 0: end of file, or stdin closed), or
 * UHVT_EAGAIN when nothing is there yet (poll with UHVT_POLL_STDIN), or
 * UHVT_EIO.  At most UHVT_STDIN_MAX bytes a call.
 */
#define UHVT_STDIN_MAX (64U * 1024)
struct uhvt_hc_stdin {
    uhvt_gpa_t data;
    uint32_t len;
    uint32_t got; /* out */
    int32_t ret;  /* out */
    uint32_t pad;
};

/* End the guest abnormally; `msg` (at most UHVT_ABORT_MSG_MAX) is printed. */
#define UHVT_ABORT_MSG_MAX 1024U
struct uhvt_hc_abort {
    uhvt_gpa_t msg;
    uint32_t len;
    uint32_t pad;
};

/*
 * A CPU exception the guest could not handle, reported by its handler with
 * the general registers as they were when it struck (ABI 3): a core dump
 * (--dumpcore) and the debugger (--gdb, which resumes the guest after the
 * #BP and #DB it planted) need the whole state, not the handler's.
 */
struct uhvt_hc_fault {
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip;
    uint64_t rsp;
    uint64_t rflags;
    uint64_t cr2;
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * Devices.  `handle` is the device's index in the manifest; a handle that is
 * out of range, of the wrong type or not attached gets UHVT_ENODEV.
 */
struct uhvt_hc_net_info {
    uint32_t handle;
    int32_t ret;    /* out */
    uint8_t mac[6]; /* out */
    uint16_t pad;
    uint32_t mtu;   /* out: the largest frame is mtu + 14 (Ethernet header) */
    uint32_t pad2;
};

/*
 * Write or read one Ethernet frame (no FCS).  Write: `len` bytes at `data`;
 * a frame longer than mtu + 14 gets UHVT_EINVAL.  Read: at most `len` bytes
 * into `data`; out `len` is the frame's length; UHVT_EAGAIN when no frame is
 * waiting; a frame longer than the buffer is dropped with UHVT_EINVAL.
 */
struct uhvt_hc_net_io {
    uint32_t handle;
    int32_t ret; /* out */
    uhvt_gpa_t data;
    uint32_t len; /* in/out */
    uint32_t pad;
};

#define UHVT_BLK_IO_MAX (1U << 20) /* bytes per request */
struct uhvt_hc_blk_info {
    uint32_t handle;
    int32_t ret;          /* out */
    uint64_t capacity;    /* out: bytes, a multiple of sector_size */
    uint32_t sector_size; /* out: 512 or 4096 */
    uint32_t read_only;   /* out: 1 if writes get UHVT_EROFS */
};

/*
 * Read or write `len` bytes at byte `offset` of the disk; both multiples of
 * the sector size, len at most UHVT_BLK_IO_MAX and not 0, the range inside
 * the capacity; else UHVT_EINVAL.  A write is acknowledged when the host
 * has it; it is durable after a successful flush.
 */
struct uhvt_hc_blk_io {
    uint32_t handle;
    int32_t ret; /* out */
    uint64_t offset;
    uhvt_gpa_t data;
    uint32_t len;
    uint32_t pad;
};

/* Make every acknowledged write durable (fdatasync). */
struct uhvt_hc_blk_flush {
    uint32_t handle;
    int32_t ret; /* out */
};

/*
 * Batched calls: one hypercall carries an array of `count` descriptors at
 * guest-physical `items`.  The monitor copies the whole array in once,
 * checks it, acts, and copies it back once.  `ret` refuses the call as a
 * whole (nothing was done); each descriptor's own `ret` says how it fared.
 */
struct uhvt_hc_batch {
    uint32_t handle;
    int32_t ret;      /* out */
    uhvt_gpa_t items; /* count descriptors, 8-byte aligned */
    uint32_t count;   /* 1 .. UHVT_BATCH_MAX */
    uint32_t done;    /* out: see each call */
};
#define UHVT_BATCH_MAX 64U

/*
 * Asynchronous block I/O.  BLK_SUBMIT queues `count` requests (all or none:
 * UHVT_EAGAIN when fewer than `count` of the disk's UHVT_BLK_QUEUE_MAX slots
 * are free); each one completes later, in any order, with a struct
 * uhvt_blk_done carrying its `tag`.  POLL's ready bit for the disk is set
 * while completions wait; BLK_REAP moves up to `count` of them into the
 * guest's array (out `done`: how many).  A request the monitor refuses
 * (bad range, read-only disk, ...) completes at once with that code.
 *
 * Ordering: requests in flight are unordered, except that a FLUSH starts
 * only after every request submitted before it has completed, and requests
 * submitted after it start only after it completed.  So a successful FLUSH
 * makes durable every write submitted before it that completed with
 * UHVT_OK.  After a failed flush (this or the synchronous call) every later
 * write and flush completes with UHVT_EIO.
 *
 * Buffers: the monitor owns a request's `data` buffer from BLK_SUBMIT until
 * the guest has reaped the request's completion: the kernel reads or writes
 * it at any time in between.  The guest must not touch it meanwhile, nor
 * reuse it for another request (what it would read or leave there is then
 * unspecified; the monitor and the disk are not harmed).
 */
#define UHVT_BLK_QUEUE_MAX 64U /* requests in flight per disk */
enum uhvt_blk_op {
    UHVT_BLK_OP_READ = 1,  /* len bytes at offset into data */
    UHVT_BLK_OP_WRITE = 2, /* len bytes at data to offset */
    UHVT_BLK_OP_FLUSH = 3, /* offset, data and len must be 0 */
};
struct uhvt_blk_req {
    uint64_t tag; /* the guest's: comes back in the completion */
    uint64_t offset;
    uhvt_gpa_t data;
    uint32_t len;
    uint16_t op;    /* enum uhvt_blk_op */
    uint16_t flags; /* 0 */
};
struct uhvt_blk_done {
    uint64_t tag;
    int32_t ret; /* enum uhvt_ret */
    uint32_t pad;
};

/*
 * Batched frames.  NET_WRITEV sends each frame (`len` bytes at `data`,
 * checked as for NET_WRITE); out `done`: frames sent.  NET_READV receives up
 * to `count` waiting frames, in arrival order, one into each buffer (`len`
 * bytes of room at `data`; out `len` the frame's length): out `done`: frames
 * received.  A frame longer than its buffer is dropped with UHVT_EINVAL and
 * the buffer's contents are then unspecified; a buffer that found no frame
 * gets UHVT_EAGAIN.  Neither call blocks.
 */
struct uhvt_net_frame {
    uhvt_gpa_t data;
    uint32_t len; /* in/out */
    int32_t ret;  /* out */
};

/*
 * The ready point (uhvt --snapshot): the monitor saves the guest as it is
 * inside this call, then exits (or, with --snapshot-continue, returns
 * `restored` 0).  Every instance restored from the file (uhvt --restore)
 * returns from the same call with `restored` 1, fresh `random` bytes, the
 * new vCPU's `tsc_freq`, and at `args` the restoring command line's guest
 * arguments (those after the image), then its --env entries ("KEY=VALUE",
 * in the order given, `envc` of them): each with its NUL, packed, at most
 * `args_len` bytes (out: the bytes written; arguments that do not fit are
 * left out whole; the monitor refuses a restore whose entries do not).
 * The runtime sets each entry in the restored environment, as setenv
 * would.  Without --snapshot or --restore: ret UHVT_ENODEV, nothing else
 * written.  A snapshot the monitor could not write: UHVT_EIO.
 */
struct uhvt_hc_snapshot {
    uhvt_gpa_t args;   /* room for the restoring instance's arguments */
    uint32_t args_len; /* in/out */
    int32_t ret;       /* out */
    uint32_t restored; /* out: 1 in a restored instance */
    uint32_t envc;     /* out, when restored: the last envc strings at args */
    uint64_t tsc_freq; /* out, when restored: TSC ticks per second now */
    uint8_t random[UHVT_BOOT_RANDOM_SIZE]; /* out, when restored */
};

/*
 * Monitor exit status.  A guest's own status 0..UHVT_EXIT_GUEST_MAX passes
 * through unchanged; the codes above it belong to the monitor.
 */
#define UHVT_EXIT_GUEST_MAX 119
enum uhvt_exit {
    UHVT_EXIT_RANGE = 120,         /* guest exit status outside 0..119 */
    UHVT_EXIT_ABORT = 121,         /* guest aborted */
    UHVT_EXIT_FAULT = 122,         /* guest CPU exception or triple fault */
    UHVT_EXIT_BAD_HYPERCALL = 123, /* malformed request or unexpected exit */
    UHVT_EXIT_TIMEOUT = 124,       /* --timeout expired */
    UHVT_EXIT_SETUP = 125,         /* the monitor could not start the guest */
    UHVT_EXIT_HOST = 126,          /* the host (KVM, I/O) could not run it */
    /* 128 + signal number: ended by SIGINT, SIGTERM or SIGHUP. */
};

/*
 * The monitor's GDT, which stays valid for the guest's whole life: the
 * hardware-KVM ring-0 selectors, and at the user selectors the descriptors
 * PVM requires (the same numbers as Linux's __USER_DS and __USER_CS).
 */
#define UHVT_SEL_CODE 0x08
#define UHVT_SEL_DATA 0x10
#define UHVT_SEL_TSS 0x18    /* 16 bytes: 0x18 and 0x20 */
#define UHVT_SEL_USER_DS 0x2b /* 0x28 | RPL 3 */
#define UHVT_SEL_USER_CS 0x33 /* 0x30 | RPL 3 */

/* uhvt_boot_info.flags */
#define UHVT_BOOT_PVM 0x1ULL /* PVM: hardware CPL 3, see "Entry" above */
/* ABI 4: which of the monitor's stdin, stdout and stderr are terminals. */
#define UHVT_BOOT_STDIN_TTY 0x2ULL
#define UHVT_BOOT_STDOUT_TTY 0x4ULL
#define UHVT_BOOT_STDERR_TTY 0x8ULL
/*
 * PVM only: the host kernel lets user mode use WRFSBASE (its CR4.FSGSBASE),
 * which the guest, at hardware CPL 3, then may too.  On hardware KVM the
 * guest sets its own CR4.FSGSBASE.
 */
#define UHVT_BOOT_FSGSBASE 0x10ULL
/*
 * --snapshot-idle: the runtime takes the snapshot (UHVT_HC_SNAPSHOT) the
 * first time the application waits with nothing to do, for a program that
 * does not call uhvt_snapshot() (docs/snapshots.md).
 */
#define UHVT_BOOT_SNAPSHOT_IDLE 0x20ULL

/* Handed to the guest in rdi.  All addresses are guest-physical. */
struct uhvt_boot_info {
    uint64_t flags;      /* UHVT_BOOT_* */
    uint64_t mem_size;   /* bytes of guest memory */
    uint64_t kernel_end; /* page-aligned end of the loaded image */
    uint64_t tsc_freq;   /* TSC ticks per second */
    uint64_t argc;
    uhvt_gpa_t argv; /* argc + 1 entries of uhvt_gpa_t, the last 0, then
                        (ABI 4) the environment's "KEY=VALUE" strings and
                        a final 0, as on a Linux process's stack */
    uhvt_gpa_t phdr; /* copy of the ELF program headers */
    uint64_t phnum;
    uint64_t phent;
    uint8_t random[UHVT_BOOT_RANDOM_SIZE]; /* host entropy */
};

/*
 * ELF notes, owner UHVT_NOTE_NAME, in PT_NOTE segments.  The monitor refuses
 * an image without a matching ABI version before it touches KVM.
 */
#define UHVT_NOTE_NAME "uhvt"
#define UHVT_NOTE_ABI 1      /* desc: struct uhvt_note_abi */
#define UHVT_NOTE_MANIFEST 2 /* desc: struct uhvt_manifest */

struct uhvt_note_abi {
    uint32_t version;
};

/* Devices an application declares; a device's handle is its index here. */
#define UHVT_NAME_MAX 32 /* including the terminating NUL */
#define UHVT_MANIFEST_MAX 16
enum uhvt_dev_type {
    UHVT_DEV_NONE = 0,
    UHVT_DEV_NET = 1,
    UHVT_DEV_BLOCK = 2,
};
struct uhvt_manifest_entry {
    char name[UHVT_NAME_MAX]; /* [a-zA-Z0-9_-]+, NUL-terminated */
    uint32_t type;            /* enum uhvt_dev_type */
    uint32_t flags;           /* reserved, 0 */
};
struct uhvt_manifest {
    uint32_t version; /* UHVT_ABI_VERSION */
    uint32_t entries;
    struct uhvt_manifest_entry e[UHVT_MANIFEST_MAX];
};

_Static_assert(sizeof(uhvt_gpa_t) == 8, "gpa is 64-bit");
_Static_assert(sizeof(struct uhvt_hc_walltime) == 8, "walltime");
_Static_assert(sizeof(struct uhvt_hc_console) == 16, "console");
_Static_assert(offsetof(struct uhvt_hc_console, ret) == 12, "console.ret");
_Static_assert(sizeof(struct uhvt_hc_poll) == 24, "poll");
_Static_assert(offsetof(struct uhvt_hc_poll, ret) == 16, "poll.ret");
_Static_assert(sizeof(struct uhvt_hc_exit) == 8, "exit");
_Static_assert(sizeof(struct uhvt_hc_signals) == 24, "signals");
_Static_assert(sizeof(struct uhvt_hc_stdin) == 24, "stdin");
_Static_assert(offsetof(struct uhvt_hc_stdin, ret) == 16, "stdin.ret");
_Static_assert(sizeof(struct uhvt_hc_abort) == 16, "abort");
_Static_assert(sizeof(struct uhvt_hc_fault) == 168, "fault");
_Static_assert(offsetof(struct uhvt_hc_fault, r15) == 160, "fault.r15");
_Static_assert(sizeof(struct uhvt_hc_net_info) == 24, "net info");
_Static_assert(offsetof(struct uhvt_hc_net_info, mtu) == 16, "net info.mtu");
_Static_assert(sizeof(struct uhvt_hc_net_io) == 24, "net io");
_Static_assert(offsetof(struct uhvt_hc_net_io, len) == 16, "net io.len");
_Static_assert(sizeof(struct uhvt_hc_blk_info) == 24, "blk info");
_Static_assert(sizeof(struct uhvt_hc_blk_io) == 32, "blk io");
_Static_assert(offsetof(struct uhvt_hc_blk_io, len) == 24, "blk io.len");
_Static_assert(sizeof(struct uhvt_hc_blk_flush) == 8, "blk flush");
_Static_assert(sizeof(struct uhvt_hc_batch) == 24, "batch");
_Static_assert(offsetof(struct uhvt_hc_batch, count) == 16, "batch.count");
_Static_assert(sizeof(struct uhvt_blk_req) == 32, "blk req");
_Static_assert(offsetof(struct uhvt_blk_req, op) == 28, "blk req.op");
_Static_assert(sizeof(struct uhvt_blk_done) == 16, "blk done");
_Static_assert(sizeof(struct uhvt_net_frame) == 16, "net frame");
_Static_assert(offsetof(struct uhvt_net_frame, ret) == 12, "net frame.ret");
_Static_assert(sizeof(struct uhvt_hc_snapshot) == 64, "snapshot");
_Static_assert(offsetof(struct uhvt_hc_snapshot, random) == 32, "snapshot.random");
_Static_assert(sizeof(struct uhvt_boot_info) == 104, "boot info");
_Static_assert(offsetof(struct uhvt_boot_info, flags) == 0, "boot flags");
_Static_assert(offsetof(struct uhvt_boot_info, random) == 72, "boot random");
_Static_assert(sizeof(struct uhvt_note_abi) == 4, "abi note");
_Static_assert(sizeof(struct uhvt_manifest_entry) == 40, "manifest entry");
_Static_assert(sizeof(struct uhvt_manifest) == 8 + 16 * 40, "manifest");

#endif
