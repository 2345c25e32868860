/* runtime.h: declarations shared by the guest runtime's files (internal). */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "uhvt_abi.h"

/*
 * The runtime is built with -fvisibility=hidden and its symbols localised
 * before it is archived, so an application may reuse any of these names.
 * Only the public API (uhvt.h) and the entry called by start.S stay global.
 */
#define PUBLIC __attribute__((visibility("default")))

/*
 * For functions whose frame is live while musl moves FS to a new thread
 * control block (arch_prctl ARCH_SET_FS): the canary their epilogue would
 * check lives at %fs:0x28, which changes underneath them.  Also for code that
 * must work while FS may be bogus (the fault handler).
 */
#define NOSSP __attribute__((no_stack_protector))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* boot.c: a copy of the boot info, taken before anything can overwrite it. */
extern struct uhvt_boot_info boot_info;

/* mem.c: pages between the image and the stack guard. */
void mem_init(const struct uhvt_boot_info *bi);
/* Zeroed, page-aligned memory of `len` bytes, or 0 when exhausted. */
void *mem_alloc(size_t len);
/* Whether [p, p + len) lies in guest memory, so a hypercall may carry it. */
int mem_check(const void *p, size_t len);
long sys_brk(const long a[6]);
long sys_mmap(const long a[6]);
long sys_munmap(const long a[6]);
long sys_mremap(const long a[6]);
long sys_madvise(const long a[6]);
long sys_mprotect(const long a[6]);

/* clock.c: the TSC clock; nanoseconds since boot. */
void clock_init(const struct uhvt_boot_info *bi);
uint64_t clock_monotonic(void);
/* Block until `deadline_ns` (monotonic) passes; see UHVT_HC_POLL. */
void clock_sleep_until(uint64_t deadline_ns);
long sys_clock_gettime(const long a[6]);
long sys_clock_getres(const long a[6]);
long sys_gettimeofday(const long a[6]);
long sys_time(const long a[6]);
long sys_nanosleep(const long a[6]);
long sys_clock_nanosleep(const long a[6]);
long sys_sched_yield(const long a[6]);

/* rng.c: a ChaCha20 generator keyed from the boot entropy. */
void rng_init(const uint8_t seed[UHVT_BOOT_RANDOM_SIZE]);
void rng_fill(void *buf, size_t len);
long sys_getrandom(const long a[6]);

/* console.c: file descriptors 0, 1 and 2. */
long sys_read(const long a[6]);
long sys_readv(const long a[6]);
long sys_write(const long a[6]);
long sys_writev(const long a[6]);
long sys_close(const long a[6]);
long sys_lseek(const long a[6]);
long sys_ioctl(const long a[6]);
long sys_fcntl(const long a[6]);
long sys_fstat(const long a[6]);
long sys_newfstatat(const long a[6]);

/* syscall.c: called by syscall_entry.S. */
struct syscall_frame {
    long nr;
    long a[6];           /* rdi, rsi, rdx, r10, r8, r9 */
    unsigned long rip;   /* rcx */
    unsigned long flags; /* r11 */
};
long syscall_dispatch(struct syscall_frame *f);
void syscall_entry(void);

/* trap.S and trap.c: CPU exceptions. */
extern const uint64_t trap_stubs[32];
struct trap_frame {
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Noreturn void trap_report(const struct trap_frame *f);

#endif
