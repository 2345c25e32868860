/* main.c: uhvt: options, then the fixed order: load, boot info, signals, run. */
#include <err.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "boottrace.h"
#include "cpu_x86_64.h"
#include "devices.h"
#include "options.h"
#include "output.h"
#include "sandbox.h"
#include "signals.h"
#include "uhvt_abi.h"
#include "vcpu.h"
#include "vm.h"

#ifndef UHVT_VERSION
#define UHVT_VERSION "0.1"
#endif

int main(int argc, char **argv)
{
    struct options o;
    char why[ELF_WHY_MAX > OPTIONS_WHY_MAX ? ELF_WHY_MAX : OPTIONS_WHY_MAX];
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
    static struct vm vm;
    vm.quiet = o.quiet;
    vm.sig_fd = -1;
    vm.stats.fd = -1;
    /* O_NONBLOCK: a FIFO must be refused (elf_parse), not wait for a writer. */
    int fd = open(o.image, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        err(UHVT_EXIT_SETUP, "%s", o.image);
    if (elf_parse(fd, &vm.img, why) < 0)
        errx(UHVT_EXIT_SETUP, "%s: %s", o.image, why);
    /* The image, a guard page and the stack must all fit. */
    uint64_t need = vm.img.end + UHVT_PAGE_SIZE + UHVT_STACK_SIZE;
    if (need > o.mem_size)
        errx(UHVT_EXIT_SETUP,
             "%s: needs %llu KiB of guest memory with its stack; --mem is "
             "%llu KiB", o.image, (unsigned long long)(need >> 10),
             (unsigned long long)(o.mem_size >> 10));

    char step_why[WHY_MAX];
    /* argv must fit the boot area with the headers: refused before KVM. */
    if (boot_check(&vm, o.guest_argc, o.guest_argv, step_why) < 0)
        errx(UHVT_EXIT_SETUP, "%s", step_why);
    boottrace_mark("image_parsed");
    if (devices_attach(&vm, &o, step_why) < 0)
        errx(UHVT_EXIT_SETUP, "%s", step_why);

    int rc = mem_init(&vm.mem, o.mem_size);
    if (rc < 0) {
        errno = -rc;
        err(UHVT_EXIT_SETUP, "guest memory (%llu MiB)",
            (unsigned long long)(o.mem_size >> 20));
    }
    if (elf_load(fd, &vm.img, &vm.mem, why) < 0)
        errx(UHVT_EXIT_SETUP, "%s: %s", o.image, why);
    close(fd);
    boottrace_mark("image_loaded");

    if (vm_kvm_create(&vm.kvm, &vm.mem, step_why) < 0)
        errx(UHVT_EXIT_SETUP, "%s", step_why);
    boottrace_mark("vm_created");
    if (cpu_setup(&vm.kvm, &vm.mem, &vm.img, step_why) < 0)
        errx(UHVT_EXIT_SETUP, "%s", step_why);
    boottrace_mark("cpu_ready");
    uint64_t tsc_freq = cpu_tsc_hz(&vm.kvm, step_why);
    if (tsc_freq == 0)
        errx(UHVT_EXIT_SETUP, "%s", step_why);
    if (o.kvm_stats) {
        if (kvmstats_open(&vm.stats, &vm.kvm, step_why) < 0)
            errx(UHVT_EXIT_SETUP, "%s", step_why);
        vm_fd_register(&vm, vm.stats.fd, VM_FD_PREAD);
    }
    if (boot_write(&vm, o.guest_argc, o.guest_argv, tsc_freq, step_why) < 0)
        errx(UHVT_EXIT_SETUP, "%s", step_why);
    output_setup();
    if (signals_setup(&vm, o.timeout, step_why) < 0)
        errx(UHVT_EXIT_SETUP, "%s", step_why);
    if (sandbox_enter(&vm, step_why) < 0)
        errx(UHVT_EXIT_SETUP, "%s", step_why);
    boottrace_mark("sandboxed");
    int status = vcpu_run(&vm);
    boottrace_mark("exit");
    if (vm.stats.fd >= 0) {
        char line[512];
        vm_print(&vm, line, kvmstats_format(&vm.stats, &vm.kvm, line, sizeof(line)));
    }
    boottrace_print();
    return status;
}
