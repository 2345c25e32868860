/* hypercall.c: decode a port-I/O exit into a hypercall, check it, and run it. */
#include "hypercall.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "uhvt_abi.h"

union hc_args {
    struct uhvt_hc_walltime walltime;
    struct uhvt_hc_console console;
    struct uhvt_hc_poll poll;
    struct uhvt_hc_exit exit;
    struct uhvt_hc_abort abort;
    struct uhvt_hc_fault fault;
};

static int hc_walltime(struct vm *vm, union hc_args *a)
{
    (void)vm;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    a->walltime.nsecs = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    return VM_CONTINUE;
}

static int hc_console(struct vm *vm, union hc_args *a)
{
    struct uhvt_hc_console *c = &a->console;
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
    c->ret = UHVT_OK;
    for (size_t done = 0; done < c->len;) {
        ssize_t n = write(STDOUT_FILENO, p + done, c->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            c->ret = UHVT_EIO;
            break;
        }
        done += (size_t)n;
    }
    return VM_CONTINUE;
}

static int hc_poll(struct vm *vm, union hc_args *a)
{
    struct uhvt_hc_poll *p = &a->poll;
    struct timespec ts = {
        .tv_sec = (time_t)(p->timeout_ns / 1000000000ULL),
        .tv_nsec = (long)(p->timeout_ns % 1000000000ULL),
    };
    /* A pending signal wakes us; the next KVM_RUN then returns EINTR. */
    struct pollfd fds[] = {{.fd = vm->sig_fd, .events = POLLIN}};
    if (ppoll(fds, 1, &ts, NULL) < 0 && errno != EINTR) {
        p->ret = UHVT_EIO;
        return VM_CONTINUE;
    }
    p->ready = 0;
    p->ret = UHVT_OK;
    return VM_CONTINUE;
}

static int hc_exit(struct vm *vm, union hc_args *a)
{
    int32_t status = a->exit.status;
    if (status >= 0 && status <= UHVT_EXIT_GUEST_MAX)
        return status;
    vm_report(vm, "guest exit status %d is outside 0..%d", (int)status,
              UHVT_EXIT_GUEST_MAX);
    return UHVT_EXIT_RANGE;
}

/* Print at most `len` bytes of guest text, escaping anything unprintable. */
static void report_text(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len && s[i] != '\0'; i++)
        if (s[i] >= 0x20 && s[i] < 0x7f)
            fputc(s[i], stderr);
        else if (s[i] != '\n' || i + 1 < len)
            fprintf(stderr, "\\x%02x", s[i]);
}

static int hc_abort(struct vm *vm, union hc_args *a)
{
    uint32_t len = a->abort.len;
    if (len > UHVT_ABORT_MSG_MAX)
        len = UHVT_ABORT_MSG_MAX;
    const uint8_t *msg = mem_ptr(&vm->mem, a->abort.msg, len);
    if (!vm->quiet) {
        fputs("uhvt: guest aborted", stderr);
        if (msg != NULL && len > 0) {
            fputs(": ", stderr);
            report_text(msg, len);
        }
        fputc('\n', stderr);
    }
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

static int hc_fault(struct vm *vm, union hc_args *a)
{
    const struct uhvt_hc_fault *f = &a->fault;
    vm_report(vm, "guest fault: vector %llu (%s), error code 0x%llx\n"
                  "  rip=0x%016llx rsp=0x%016llx rflags=0x%llx cr2=0x%016llx",
              (unsigned long long)f->vector, vector_name(f->vector),
              (unsigned long long)f->error_code, (unsigned long long)f->rip,
              (unsigned long long)f->rsp, (unsigned long long)f->rflags,
              (unsigned long long)f->cr2);
    return UHVT_EXIT_FAULT;
}

static const struct {
    size_t size;
    int (*fn)(struct vm *, union hc_args *);
} calls[UHVT_HC_MAX] = {
    [UHVT_HC_WALLTIME] = {sizeof(struct uhvt_hc_walltime), hc_walltime},
    [UHVT_HC_CONSOLE] = {sizeof(struct uhvt_hc_console), hc_console},
    [UHVT_HC_POLL] = {sizeof(struct uhvt_hc_poll), hc_poll},
    [UHVT_HC_EXIT] = {sizeof(struct uhvt_hc_exit), hc_exit},
    [UHVT_HC_ABORT] = {sizeof(struct uhvt_hc_abort), hc_abort},
    [UHVT_HC_FAULT] = {sizeof(struct uhvt_hc_fault), hc_fault},
};

int hypercall_handle(struct vm *vm, uint16_t port, uint8_t size, uint32_t count,
                     int out, uint32_t value)
{
    unsigned nr = (unsigned)port - UHVT_HC_PIO_BASE;
    if (port < UHVT_HC_PIO_BASE || nr >= UHVT_HC_MAX || calls[nr].fn == NULL) {
        vm_report(vm, "guest accessed unknown I/O port 0x%x", port);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    if (!out || size != 4 || count != 1) {
        vm_report(vm, "hypercall %u: need a single 32-bit OUT, got %s of %u x %u "
                      "bytes", nr, out ? "OUT" : "IN", count, size);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    void *guest = mem_ptr(&vm->mem, value, calls[nr].size);
    if (guest == NULL || value % 8 != 0) {
        vm_report(vm, "hypercall %u: argument at 0x%x is %s", nr, value,
                  guest ? "not 8-byte aligned" : "outside guest memory");
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    union hc_args a;
    memcpy(&a, guest, calls[nr].size);
    int rc = calls[nr].fn(vm, &a);
    if (rc == VM_CONTINUE)
        memcpy(guest, &a, calls[nr].size);
    return rc;
}
