/* hypercall.c: decode a port-I/O exit into a hypercall, check it, and run it. */
#include "hypercall.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu_x86_64.h"
#include "debug.h"
#include "device.h"
#include "output.h"
#include "snapshot.h"
#include "signals.h"
#include "stdin.h"
#include "uhvt_abi.h"

int hypercall_walltime(struct vm *vm, void *arg)
{
    struct uhvt_hc_walltime *a = arg;
    (void)vm;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    a->nsecs = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    return VM_CONTINUE;
}

static int hc_console(struct vm *vm, void *arg)
{
    struct uhvt_hc_console *a = arg;
    struct uhvt_hc_console *c = a;
    if (c->len > UHVT_CONSOLE_MAX) {
        c->ret = UHVT_EINVAL;
        return VM_CONTINUE;
    }
    const uint8_t *p = mem_ptr(&vm->mem, c->data, c->len);
    if (p == NULL) {
        vm_report(vm, "guest console write outside guest memory "
                      "(0x%llx, %u bytes)", (unsigned long long)c->data, c->len);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    /* A stalled reader holds the guest, but never an ending signal. */
    c->ret = output_write(OUTPUT_CONSOLE, vm->sig_fd, p, c->len, -1) == c->len
                 ? UHVT_OK : UHVT_EIO;
    return VM_CONTINUE;
}

int hypercall_poll(struct vm *vm, void *arg)
{
    struct uhvt_hc_poll *a = arg;
    struct uhvt_hc_poll *p = a;
    struct timespec ts = {
        .tv_sec = (time_t)(p->timeout_ns / 1000000000ULL),
        .tv_nsec = (long)(p->timeout_ns % 1000000000ULL),
    };
    /* A pending signal wakes us too; the next KVM_RUN then returns EINTR. */
    struct pollfd fds[UHVT_MANIFEST_MAX + 2];
    uint32_t who[UHVT_MANIFEST_MAX];
    nfds_t n = 0;
    p->ready = 0;
    p->ret = UHVT_OK;
    for (uint32_t i = 0; i < UHVT_MANIFEST_MAX; i++) {
        const struct vm_dev *d = &vm->dev[i];
        if (d->type == UHVT_DEV_NONE || d->poll_fd < 0)
            continue;
        /* Input already waiting (completions reaped earlier): do not sleep. */
        if (d->has_input != NULL && d->has_input(d->state)) {
            p->ready |= 1ULL << i;
            ts = (struct timespec){0, 0};
        }
        who[n] = i;
        fds[n++] = (struct pollfd){.fd = d->poll_fd, .events = POLLIN};
    }
    /* The guest waits for stdin too (UHVT_POLL_STDIN): at its end, at once. */
    nfds_t in = n + 1, all = n + 1;
    if (p->flags & UHVT_POLL_STDIN) {
        if (vm->stdin_fd < 0) {
            p->ready |= UHVT_POLL_READY_STDIN;
            ts = (struct timespec){0, 0};
        } else {
            fds[all++] = (struct pollfd){.fd = vm->stdin_fd, .events = POLLIN};
        }
    }
    fds[n] = (struct pollfd){.fd = vm->sig_fd, .events = POLLIN};
    if (ppoll(fds, all, &ts, NULL) < 0) {
        if (errno != EINTR)
            p->ret = UHVT_EIO;
        return VM_CONTINUE;
    }
    if (all > in && fds[in].revents != 0)
        p->ready |= UHVT_POLL_READY_STDIN;
    for (nfds_t i = 0; i < n; i++) {
        const struct vm_dev *d = &vm->dev[who[i]];
        if ((fds[i].revents & POLLIN) &&
            (d->has_input == NULL || d->has_input(d->state)))
            p->ready |= 1ULL << who[i];
    }
    return VM_CONTINUE;
}

static int hc_exit(struct vm *vm, void *arg)
{
    struct uhvt_hc_exit *a = arg;
    int32_t status = a->status;
    if (a->signal != 0) {
        if (a->signal > 64) {
            vm_report(vm, "guest exit by signal %u: no such signal", a->signal);
            return UHVT_EXIT_BAD_HYPERCALL;
        }
        const char *name = sigabbrev_np((int)a->signal);
        vm_report(vm, "guest killed by signal %u (SIG%s), its default action",
                  a->signal, name != NULL ? name : "?");
        return 128 + (int)a->signal;
    }
    if (status >= 0 && status <= UHVT_EXIT_GUEST_MAX)
        return status;
    vm_report(vm, "guest exit status %d is outside 0..%d", (int)status,
              UHVT_EXIT_GUEST_MAX);
    return UHVT_EXIT_RANGE;
}

/*
 * At most `len` bytes of guest text up to its NUL, as printable ASCII:
 * anything else (but a final newline) as \xHH.  `out` has room for
 * 4 * len + 1 bytes.
 */
static void escape_text(const uint8_t *s, size_t len, char *out)
{
    for (size_t i = 0; i < len && s[i] != '\0'; i++)
        if (s[i] >= 0x20 && s[i] < 0x7f)
            *out++ = (char)s[i];
        else if (s[i] != '\n' || i + 1 < len)
            out += sprintf(out, "\\x%02x", s[i]);
    *out = '\0';
}

static int hc_signals(struct vm *vm, void *arg)
{
    struct uhvt_hc_signals *a = arg;
    a->ret = signals_register(vm, a->mailbox, a->handled);
    return VM_CONTINUE;
}

static int hc_abort(struct vm *vm, void *arg)
{
    struct uhvt_hc_abort *a = arg;
    uint32_t len = a->len;
    if (len > UHVT_ABORT_MSG_MAX)
        len = UHVT_ABORT_MSG_MAX;
    const uint8_t *msg = mem_ptr(&vm->mem, a->msg, len);
    char text[4 * UHVT_ABORT_MSG_MAX + 1] = "";
    if (msg != NULL)
        escape_text(msg, len, text);
    vm_report(vm, "guest aborted%s%s", text[0] != '\0' ? ": " : "", text);
    return UHVT_EXIT_ABORT;
}

static const char *vector_name(uint64_t v)
{
    static const char *const names[] = {
        "#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
        "#OF overflow", "#BR bound range", "#UD invalid opcode",
        "#NM device not available", "#DF double fault", "coprocessor overrun",
        "#TS invalid TSS", "#NP segment not present", "#SS stack fault",
        "#GP general protection", "#PF page fault", "reserved",
        "#MF x87 error", "#AC alignment check", "#MC machine check",
        "#XM SIMD error", "#VE virtualization", "#CP control protection",
    };
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "exception";
}

static int hc_fault(struct vm *vm, void *arg)
{
    struct uhvt_hc_fault *a = arg;
    const struct uhvt_hc_fault *f = a;
    int rc = debug_fault(vm, f);
    if (rc != DEBUG_PASS)
        return rc;
    char where[256];
    symbols_describe(&vm->syms, f->rip, where, sizeof(where));
    bool overflow = f->vector == 14 && cpu_in_stack_guard(&vm->mem, f->cr2);
    vm_report(vm, "guest fault: vector %llu (%s), error code 0x%llx%s\n"
                  "  rip=0x%016llx%s rsp=0x%016llx rflags=0x%llx cr2=0x%016llx",
              (unsigned long long)f->vector, vector_name(f->vector),
              (unsigned long long)f->error_code,
              overflow ? ": a stack overflow (cr2 is in the guard page)" : "",
              (unsigned long long)f->rip, where, (unsigned long long)f->rsp,
              (unsigned long long)f->rflags, (unsigned long long)f->cr2);
    return UHVT_EXIT_FAULT;
}

/* The core calls; devices bring their own (device.h). */
static const struct device_call core_calls[] = {
    {UHVT_HC_WALLTIME, sizeof(struct uhvt_hc_walltime), hypercall_walltime},
    {UHVT_HC_CONSOLE, sizeof(struct uhvt_hc_console), hc_console},
    {UHVT_HC_POLL, sizeof(struct uhvt_hc_poll), hypercall_poll},
    {UHVT_HC_EXIT, sizeof(struct uhvt_hc_exit), hc_exit},
    {UHVT_HC_ABORT, sizeof(struct uhvt_hc_abort), hc_abort},
    {UHVT_HC_FAULT, sizeof(struct uhvt_hc_fault), hc_fault},
    {UHVT_HC_SNAPSHOT, sizeof(struct uhvt_hc_snapshot), snapshot_call},
    {UHVT_HC_SIGNALS, sizeof(struct uhvt_hc_signals), hc_signals},
    {UHVT_HC_STDIN, sizeof(struct uhvt_hc_stdin), stdin_hc_read},
    {0, 0, NULL},
};

_Static_assert(sizeof(struct uhvt_hc_fault) <= HYPERCALL_ARG_MAX, "arg size");

/*
 * Every call's row by number, gathered from the core's list and each
 * registered device's on the first hypercall, so that dispatch stays one
 * index however many devices there are.
 */
static const struct device_call *rows[UHVT_HC_MAX];

static void rows_add(const struct device_call *c)
{
    for (; c->fn != NULL; c++)
        if (c->nr < UHVT_HC_MAX)
            rows[c->nr] = c;
}

/* Hypercall nr's row, the core's or a registered device's; NULL if none. */
static const struct device_call *find_call(unsigned nr)
{
    static bool filled;
    if (!filled) {
        size_t n;
        const struct device_type *const *t = device_types(&n);
        for (size_t i = 0; i < n; i++)
            rows_add(t[i]->calls);
        rows_add(core_calls);
        filled = true;
    }
    return rows[nr];
}

void *hypercall_array(const struct vm *vm, uint64_t gpa, uint32_t count, size_t size)
{
    if (gpa % 8 != 0 || count > UHVT_BATCH_MAX)
        return NULL;
    return mem_ptr(&vm->mem, gpa, (uint64_t)count * size);
}

int hypercall_handle(struct vm *vm, uint16_t port, uint8_t size, uint32_t count,
                     int out, uint32_t value)
{
    unsigned nr = (unsigned)port - UHVT_HC_PIO_BASE;
    const struct device_call *call =
        port < UHVT_HC_PIO_BASE || nr >= UHVT_HC_MAX ? NULL : find_call(nr);
    return hypercall_run(vm, call, port, size, count, out, value);
}

int hypercall_run(struct vm *vm, const struct device_call *call, uint16_t port,
                  uint8_t size, uint32_t count, int out, uint32_t value)
{
    unsigned nr = (unsigned)port - UHVT_HC_PIO_BASE;
    if (call == NULL) {
        vm_report(vm, "guest accessed unknown I/O port 0x%x", port);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    if (!out || size != 4 || count != 1) {
        vm_report(vm, "hypercall %u: need a single 32-bit OUT, got %s of %u x %u "
                      "bytes", nr, out ? "OUT" : "IN", count, size);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    /* Page 0 is guest RAM, but an argument there is always a NULL pointer. */
    void *guest = mem_ptr(&vm->mem, value, call->size);
    if (guest == NULL || value % 8 != 0 || value < UHVT_PAGE_SIZE) {
        vm_report(vm, "hypercall %u: argument at 0x%x is %s", nr, value,
                  guest == NULL    ? "outside guest memory"
                  : value % 8 != 0 ? "not 8-byte aligned"
                                   : "in page 0 (a NULL pointer)");
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    uint64_t copy[HYPERCALL_ARG_MAX / 8];
    memcpy(copy, guest, call->size);
    int rc = call->fn(vm, copy);
    if (rc == VM_CONTINUE)
        memcpy(guest, copy, call->size);
    return rc;
}
