/* main.c: uhvt: options, then the fixed order from the image to the run and its report. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "boottrace.h"
#include "env.h"
#include "stdin.h"
#include "cpu_x86_64.h"
#include "debug.h"
#include "devices.h"
#include "options.h"
#include "output.h"
#include "restore.h"
#include "sandbox.h"
#include "signals.h"
#include "snapshot.h"
#include "solo5_boot.h"
#include "uhvt_abi.h"
#include "vcpu.h"
#include "vm.h"
#include "why.h"

#ifndef UHVT_VERSION
#define UHVT_VERSION "0.1"
#endif

/*
 * The steps below that are main's own return 0, or -1 with a reason in
 * `why`, as the modules' do (why.h).
 */

/*
 * Open and validate the image, and refuse it unless it fits --mem with its
 * stack and its argv fits the boot area: before anything is mapped or KVM
 * is opened.  Returns the image's fd.
 */
static int image_open(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    /* O_NONBLOCK: a FIFO must be refused (elf_parse), not wait for a writer. */
    int fd = open(o->image, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return why_fail(why, "%s: %s", o->image, strerror(errno));
    char elf_why[ELF_WHY_MAX];
    if (elf_parse(fd, &vm->img, elf_why) < 0)
        return why_fail(why, "%s: %s", o->image, elf_why);
    symbols_load(&vm->syms, fd);
    /* The image, a guard page and the stack must all fit. */
    uint64_t need = vm->img.end + UHVT_PAGE_SIZE + UHVT_STACK_SIZE;
    if (need > o->mem_size)
        return why_fail(why, "%s: needs %llu KiB of guest memory with its stack; "
                             "--mem is %llu KiB", o->image,
                        (unsigned long long)(need >> 10),
                        (unsigned long long)(o->mem_size >> 10));
    char **env;
    if (env_build(o, &env, &vm->envc, why) < 0)
        return -1;
    vm->env = env;
    if (vm->img.solo5 ? solo5_boot_check(o->guest_argc, o->guest_argv, why) < 0
                      : boot_check(vm, o->guest_argc, o->guest_argv, why) < 0)
        return -1;
    return fd;
}

/* Guest RAM, --mem bytes of it. */
static int memory_map(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    int rc = mem_init(&vm->mem, o->mem_size);
    if (rc < 0)
        return why_fail(why, "guest memory (%llu MiB): %s",
                        (unsigned long long)(o->mem_size >> 20), strerror(-rc));
    return 0;
}

/* Read the image's segments into guest memory; its fd is closed then. */
static int image_load(struct vm *vm, const struct options *o, int fd,
                      char why[WHY_MAX])
{
    char elf_why[ELF_WHY_MAX];
    if (elf_load(fd, &vm->img, &vm->mem, elf_why) < 0)
        return why_fail(why, "%s: %s", o->image, elf_why);
    close(fd);
    return 0;
}

/* --kvm-stats: the vCPU's statistics fd, read after the run. */
static int stats_open(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    if (!o->kvm_stats)
        return 0;
    if (kvmstats_open(&vm->stats, &vm->kvm, why) < 0)
        return -1;
    vm_fd_register(vm, vm->stats.fd, VM_FD_PREAD);
    return 0;
}

/* The boot info, with the frequency the guest's TSC runs at. */
static int boot_info(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    uint64_t tsc_hz = cpu_tsc_hz(&vm->kvm, why);
    if (tsc_hz == 0)
        return -1;
    if (vm->img.solo5) /* docs/solo5.md */
        return solo5_boot_write(vm, o->guest_argc, o->guest_argv, tsc_hz, why);
    return boot_write(vm, o->guest_argc, o->guest_argv, tsc_hz, why);
}

/* Boot the image: from its file to the vCPU at its entry with the boot info. */
static int boot(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    int fd = image_open(vm, o, why);
    if (fd < 0)
        return -1;
    boottrace_mark("image_parsed");
    if (devices_attach(vm, o, why) < 0 || memory_map(vm, o, why) < 0 ||
        image_load(vm, o, fd, why) < 0)
        return -1;
    boottrace_mark("image_loaded");
    if (vm_kvm_create(&vm->kvm, &vm->mem, why) < 0)
        return -1;
    boottrace_mark("vm_created");
    if (cpu_setup(&vm->kvm, &vm->mem, &vm->img, why) < 0)
        return -1;
    boottrace_mark("cpu_ready");
    return boot_info(vm, o, why);
}

/*
 * Everything before the first guest instruction, in the fixed order: nothing
 * guest-controlled is touched before the image is validated, nothing is set
 * up once the sandbox is on.  Returns 0, or -1 with a reason in `why`, after
 * which main exits at once: what the failed setup opened stays open until
 * then.  The boot trace marks the end of each phase.
 */
static int setup(struct vm *vm, const struct options *o, char why[WHY_MAX])
{
    /* --restore resumes a snapshot in place of the boot (restore.h). */
    if ((o->restore != NULL ? restore_setup(vm, o, why) : boot(vm, o, why)) < 0)
        return -1;
    if (stats_open(vm, o, why) < 0 || snapshot_prepare(vm, o, why) < 0)
        return -1;
    output_setup();
    if (debug_setup(vm, o, why) < 0 || signals_setup(vm, o->timeout, why) < 0 ||
        sandbox_enter(vm, why) < 0)
        return -1;
    boottrace_mark("sandboxed");
    return 0;
}

/* After the run, on stderr: --kvm-stats' counters, --boot-trace's phases. */
static void report(const struct vm *vm)
{
    if (vm->stats.fd >= 0) {
        char line[512];
        vm_print(vm, line, kvmstats_format(&vm->stats, &vm->kvm, line, sizeof(line)));
    }
    boottrace_print();
}

int main(int argc, char **argv)
{
    struct options o;
    char why[WHY_MAX];
    switch (options_parse(argc, argv, &o, why)) {
    case OPTIONS_HELP:
        options_usage(stdout);
        return 0;
    case OPTIONS_VERSION: {
        char kind[128];
        vm_kvm_describe(kind, sizeof(kind));
        printf("uhvt %s (ABI %d)\nKVM: %s\n", UHVT_VERSION, UHVT_ABI_VERSION,
               kind);
        return 0;
    }
    case OPTIONS_ERROR:
        fprintf(stderr, "uhvt: %s\nTry 'uhvt --help'.\n", why);
        return UHVT_EXIT_SETUP;
    case OPTIONS_RUN:
        break;
    }

    boottrace_on = o.boot_trace;
    boottrace_mark("main");
    static struct vm vm = {.sig_fd = -1, .stats.fd = -1};
    vm.quiet = o.quiet;
    vm.boot_flags = o.snapshot_idle ? UHVT_BOOT_SNAPSHOT_IDLE : 0;
    vm.fwd.grace = o.grace;
    stdin_setup(&vm);
    if (setup(&vm, &o, why) < 0) {
        fprintf(stderr, "uhvt: %s\n", why);
        snapshot_end(&vm);
        return UHVT_EXIT_SETUP;
    }
    int status = debug_start(&vm);
    if (status == VM_CONTINUE)
        status = vcpu_run(&vm);
    status = debug_end(&vm, status);
    snapshot_end(&vm);
    boottrace_mark("exit");
    report(&vm);
    return status;
}
