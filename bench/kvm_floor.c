/* kvm_floor.c: the floor under any hypercall: a bare 32-bit OUT exit on a minimal VM, as JSON. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "cpu_x86_64.h"
#include "layout.h"

/* Loop: out %eax, $0x42 forever; the host counts the exits. */
static const uint8_t code[] = {0xe7, 0x42, 0xeb, 0xfc};

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    struct mem m;
    if (mem_init(&m, MEM_MIN) < 0)
        err(1, "mem_init");
    struct elf_image img = {
        .entry = LAYOUT_IMAGE_MIN, .end = LAYOUT_IMAGE_MIN + UHVT_PAGE_SIZE, .nload = 1,
        .load = {{LAYOUT_IMAGE_MIN, 0, sizeof(code), sizeof(code), PF_R | PF_X}},
    };
    memcpy(mem_ptr(&m, LAYOUT_IMAGE_MIN, sizeof(code)), code, sizeof(code));
    struct vm_kvm k;
    char why[WHY_MAX];
    if (vm_kvm_create(&k, &m, why) < 0 || cpu_setup(&k, &m, &img, why) < 0)
        errx(1, "%s", why);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++)
        if (ioctl(k.vcpu_fd, KVM_RUN, 0) < 0 || k.run->exit_reason != KVM_EXIT_IO)
            errx(1, "unexpected exit");
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
    printf("{\"name\": \"bare_pio_exit\", \"exits\": %d, \"ns_per_exit\": %.0f}\n", n, ns);
    return 0;
}
