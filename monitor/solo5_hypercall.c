/* solo5_hypercall.c: serve a Solo5 hvt image's hypercalls (ports 0x500 + n). */
#include "solo5_hypercall.h"

#include <stdio.h>
#include <string.h>

#include "device.h"
#include "output.h"
#include "solo5_abi.h"
#include "uhvt_abi.h"

hypercall_fn *solo5_hypercall_device(uint32_t type, uint32_t nr)
{
    const struct device_type *t = device_type_find(type);
    for (const struct device_call *c = t ? t->calls : NULL; c && c->fn; c++)
        if (c->nr == nr)
            return c->fn;
    return NULL;
}

/* uhvt's answers in Solo5's terms: a handle that is not a device is EINVAL. */
static int32_t result(int32_t r)
{
    switch (r) {
    case UHVT_OK: return SOLO5_R_OK;
    case UHVT_EAGAIN: return SOLO5_R_AGAIN;
    case UHVT_EINVAL:
    case UHVT_ENODEV: return SOLO5_R_EINVAL;
    default: return SOLO5_R_EUNSPEC;
    }
}

static int hc_walltime(struct vm *vm, void *arg)
{
    struct solo5_hc_walltime *a = arg;
    struct uhvt_hc_walltime u;
    int rc = hypercall_walltime(vm, &u);
    a->nsecs = u.nsecs;
    return rc;
}

static int hc_puts(struct vm *vm, void *arg)
{
    const struct solo5_hc_puts *a = arg;
    const uint8_t *p = mem_ptr(&vm->mem, a->data, a->len);
    if (p == NULL) {
        vm_report(vm, "guest console write outside guest memory (0x%llx, %llu bytes)",
                  (unsigned long long)a->data, (unsigned long long)a->len);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    /* solo5-hvt has no answer to give here: a stalled reader holds the guest. */
    output_write(OUTPUT_CONSOLE, vm->sig_fd, p, a->len, -1);
    return VM_CONTINUE;
}

static int hc_poll(struct vm *vm, void *arg)
{
    struct solo5_hc_poll *a = arg;
    struct uhvt_hc_poll u = {.timeout_ns = a->timeout_nsecs};
    int rc = hypercall_poll(vm, &u);
    a->ready_set = u.ready;
    a->ret = __builtin_popcountll(u.ready);
    return rc;
}

/* A device call through its module: `u` is the uhvt struct, `ret` in it. */
static int device(struct vm *vm, uint32_t type, uint32_t nr, void *u,
                  const int32_t *u_ret, int32_t *ret)
{
    hypercall_fn *fn = solo5_hypercall_device(type, nr);
    if (fn == NULL) {
        *ret = SOLO5_R_EINVAL;
        return VM_CONTINUE;
    }
    int rc = fn(vm, u);
    *ret = result(*u_ret);
    return rc;
}

static int block(struct vm *vm, struct solo5_hc_block *a, uint32_t nr)
{
    /* Past uhvt's 32-bit fields the answer is the range check's anyway. */
    if (a->handle > UINT32_MAX || a->len > UHVT_BLK_IO_MAX) {
        a->ret = SOLO5_R_EINVAL;
        return VM_CONTINUE;
    }
    struct uhvt_hc_blk_io u = {
        .handle = (uint32_t)a->handle, .offset = a->offset, .data = a->data,
        .len = (uint32_t)a->len,
    };
    return device(vm, UHVT_DEV_BLOCK, nr, &u, &u.ret, &a->ret);
}

static int hc_block_write(struct vm *vm, void *arg)
{
    return block(vm, arg, UHVT_HC_BLK_WRITE);
}

static int hc_block_read(struct vm *vm, void *arg)
{
    return block(vm, arg, UHVT_HC_BLK_READ);
}

static int net(struct vm *vm, struct solo5_hc_net *a, uint32_t nr)
{
    if (a->handle > UINT32_MAX) {
        a->ret = SOLO5_R_EINVAL;
        return VM_CONTINUE;
    }
    /* A buffer beyond 4 GiB cannot be in guest memory; any frame fits less. */
    struct uhvt_hc_net_io u = {
        .handle = (uint32_t)a->handle, .data = a->data,
        .len = a->len > UINT32_MAX ? UINT32_MAX : (uint32_t)a->len,
    };
    int rc = device(vm, UHVT_DEV_NET, nr, &u, &u.ret, &a->ret);
    if (nr == UHVT_HC_NET_READ && a->ret == SOLO5_R_OK)
        a->len = u.len;
    return rc;
}

static int hc_net_write(struct vm *vm, void *arg)
{
    return net(vm, arg, UHVT_HC_NET_WRITE);
}

static int hc_net_read(struct vm *vm, void *arg)
{
    return net(vm, arg, UHVT_HC_NET_READ);
}

static int hc_halt(struct vm *vm, void *arg)
{
    const struct solo5_hc_halt *a = arg;
    int status = a->exit_status & 0xff;
    struct solo5_trap_regs t;
    if (a->cookie != 0) {
        /* solo5-hvt checks the whole cookie area, so do we. */
        const void *c = mem_ptr(&vm->mem, a->cookie, SOLO5_HALT_COOKIE_MAX);
        if (c == NULL) {
            vm_report(vm, "guest halt cookie outside guest memory (0x%llx)",
                      (unsigned long long)a->cookie);
            return UHVT_EXIT_BAD_HYPERCALL;
        }
        memcpy(&t, c, sizeof(t));
    }
    if (status != SOLO5_EXIT_ABORT)
        return status;
    if (a->cookie != 0) { /* for --dumpcore's core file */
        vm->debug.solo5_trapped = true;
        vm->debug.solo5_trap = t;
    }
    if (a->cookie == 0)
        vm_report(vm, "guest aborted (Solo5 exit status 255)");
    else
        vm_report(vm, "guest aborted (Solo5 exit status 255) with a trap frame:\n"
                      "  rip=0x%016llx rsp=0x%016llx rflags=0x%llx cr2=0x%016llx "
                      "ec=0x%llx cs=0x%llx ss=0x%llx",
                  (unsigned long long)t.rip, (unsigned long long)t.rsp,
                  (unsigned long long)t.rflags, (unsigned long long)t.cr2,
                  (unsigned long long)t.ec, (unsigned long long)t.cs,
                  (unsigned long long)t.ss);
    return status;
}

static const struct device_call rows[SOLO5_HC_MAX] = {
    [SOLO5_HC_WALLTIME] = {SOLO5_HC_WALLTIME, sizeof(struct solo5_hc_walltime), hc_walltime},
    [SOLO5_HC_PUTS] = {SOLO5_HC_PUTS, sizeof(struct solo5_hc_puts), hc_puts},
    [SOLO5_HC_POLL] = {SOLO5_HC_POLL, sizeof(struct solo5_hc_poll), hc_poll},
    [SOLO5_HC_BLOCK_WRITE] = {SOLO5_HC_BLOCK_WRITE, sizeof(struct solo5_hc_block),
                              hc_block_write},
    [SOLO5_HC_BLOCK_READ] = {SOLO5_HC_BLOCK_READ, sizeof(struct solo5_hc_block),
                             hc_block_read},
    [SOLO5_HC_NET_WRITE] = {SOLO5_HC_NET_WRITE, sizeof(struct solo5_hc_net), hc_net_write},
    [SOLO5_HC_NET_READ] = {SOLO5_HC_NET_READ, sizeof(struct solo5_hc_net), hc_net_read},
    [SOLO5_HC_HALT] = {SOLO5_HC_HALT, sizeof(struct solo5_hc_halt), hc_halt},
};
_Static_assert(sizeof(struct solo5_hc_block) <= HYPERCALL_ARG_MAX, "arg size");

int solo5_hypercall_handle(struct vm *vm, uint16_t port, uint8_t size,
                           uint32_t count, int out, uint32_t value)
{
    unsigned nr = (unsigned)port - SOLO5_HC_PIO_BASE;
    const struct device_call *call =
        port < SOLO5_HC_PIO_BASE || nr >= SOLO5_HC_MAX || rows[nr].fn == NULL
            ? NULL : &rows[nr];
    return hypercall_run(vm, call, port, size, count, out, value);
}
