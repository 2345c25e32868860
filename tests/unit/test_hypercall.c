/* test_hypercall.c: the dispatcher, fed hostile exits and arguments without KVM. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "hypercall.h"
#include "uhvt_abi.h"

static struct vm vm;
static void setup(void)
{
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.quiet = true;
    vm.sig_fd = -1;
}
static void teardown(void) { mem_fini(&vm.mem); }
TestSuite(hypercall, .init = setup, .fini = teardown);

#define ARG 0x8000U
static void *arg(void) { return mem_ptr(&vm.mem, ARG, 64); }
static int call(unsigned nr, uint32_t gpa)
{
    return hypercall_handle(&vm, UHVT_HC_PORT(nr), 4, 1, 1, gpa);
}

Test(hypercall, exit_status_passes_through)
{
    struct uhvt_hc_exit e = {.status = 42};
    memcpy(arg(), &e, sizeof(e));
    cr_assert_eq(call(UHVT_HC_EXIT, ARG), 42);
    e.status = 0;
    memcpy(arg(), &e, sizeof(e));
    cr_assert_eq(call(UHVT_HC_EXIT, ARG), 0);
}

Test(hypercall, exit_status_out_of_range)
{
    int32_t bad[] = {UHVT_EXIT_GUEST_MAX + 1, 255, -1, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct uhvt_hc_exit e = {.status = bad[i]};
        memcpy(arg(), &e, sizeof(e));
        cr_assert_eq(call(UHVT_HC_EXIT, ARG), UHVT_EXIT_RANGE);
    }
}

Test(hypercall, malformed_exits_end_the_guest)
{
    /* Unknown ports, below, at and above the hypercall range. */
    cr_assert_eq(hypercall_handle(&vm, 0x3f8, 4, 1, 1, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(call(0, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(call(UHVT_HC_MAX, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(hypercall_handle(&vm, 0xffff, 4, 1, 1, ARG), UHVT_EXIT_BAD_HYPERCALL);
    /* Wrong width, direction, count. */
    unsigned nr = UHVT_HC_WALLTIME;
    cr_assert_eq(hypercall_handle(&vm, UHVT_HC_PORT(nr), 1, 1, 1, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(hypercall_handle(&vm, UHVT_HC_PORT(nr), 2, 1, 1, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(hypercall_handle(&vm, UHVT_HC_PORT(nr), 4, 1, 0, ARG), UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(hypercall_handle(&vm, UHVT_HC_PORT(nr), 4, 2, 1, ARG), UHVT_EXIT_BAD_HYPERCALL);
}

Test(hypercall, argument_addresses)
{
    uint32_t size = (uint32_t)vm.mem.size;
    for (unsigned nr = 1; nr < UHVT_HC_MAX; nr++) {
        cr_assert_eq(call(nr, size), UHVT_EXIT_BAD_HYPERCALL);
        cr_assert_eq(call(nr, 0xfffffff8U), UHVT_EXIT_BAD_HYPERCALL);
        cr_assert_eq(call(nr, ARG + 4), UHVT_EXIT_BAD_HYPERCALL, "nr %u misaligned", nr);
        cr_assert_eq(call(nr, 0), UHVT_EXIT_BAD_HYPERCALL, "nr %u at NULL", nr);
        cr_assert_eq(call(nr, 0xff8), UHVT_EXIT_BAD_HYPERCALL, "nr %u in page 0", nr);
    }
    /* Structs larger than 8 bytes, starting in the last 8 bytes of memory. */
    unsigned big[] = {UHVT_HC_CONSOLE, UHVT_HC_POLL, UHVT_HC_ABORT, UHVT_HC_FAULT};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(call(big[i], size - 8), UHVT_EXIT_BAD_HYPERCALL,
                     "nr %u straddles the end", big[i]);
}

Test(hypercall, walltime_is_written_back)
{
    memset(arg(), 0, 8);
    cr_assert_eq(call(UHVT_HC_WALLTIME, ARG), VM_CONTINUE);
    struct uhvt_hc_walltime w;
    memcpy(&w, arg(), sizeof(w));
    cr_assert_gt(w.nsecs, 1600000000ULL * 1000000000ULL);
}

Test(hypercall, console_checks)
{
    struct uhvt_hc_console c = {.data = ARG + 64, .len = UHVT_CONSOLE_MAX + 1};
    memcpy(arg(), &c, sizeof(c));
    cr_assert_eq(call(UHVT_HC_CONSOLE, ARG), VM_CONTINUE);
    memcpy(&c, arg(), sizeof(c));
    cr_assert_eq(c.ret, UHVT_EINVAL);

    /* A buffer outside memory, or wrapping around, is malformed. */
    uint64_t bad[][2] = {{vm.mem.size, 1}, {vm.mem.size - 1, 2},
                         {UINT64_MAX, 1}, {UINT64_MAX - 3, 16}};
    for (size_t i = 0; i < 4; i++) {
        c = (struct uhvt_hc_console){.data = bad[i][0], .len = (uint32_t)bad[i][1]};
        memcpy(arg(), &c, sizeof(c));
        cr_assert_eq(call(UHVT_HC_CONSOLE, ARG), UHVT_EXIT_BAD_HYPERCALL);
    }

    c = (struct uhvt_hc_console){.data = ARG + 64, .len = 0};
    memcpy(arg(), &c, sizeof(c));
    cr_assert_eq(call(UHVT_HC_CONSOLE, ARG), VM_CONTINUE);
    memcpy(&c, arg(), sizeof(c));
    cr_assert_eq(c.ret, UHVT_OK);
}

Test(hypercall, abort_and_fault)
{
    struct uhvt_hc_abort a = {.msg = UINT64_MAX, .len = UINT32_MAX};
    memcpy(arg(), &a, sizeof(a));
    cr_assert_eq(call(UHVT_HC_ABORT, ARG), UHVT_EXIT_ABORT);
    memset(arg(), 0xff, sizeof(struct uhvt_hc_fault));
    cr_assert_eq(call(UHVT_HC_FAULT, ARG), UHVT_EXIT_FAULT);
}

Test(hypercall, poll_zero_timeout_returns)
{
    struct uhvt_hc_poll p = {.timeout_ns = 0, .ready = ~0ULL, .ret = -1};
    memcpy(arg(), &p, sizeof(p));
    cr_assert_eq(call(UHVT_HC_POLL, ARG), VM_CONTINUE);
    memcpy(&p, arg(), sizeof(p));
    cr_assert_eq(p.ret, UHVT_OK);
    cr_assert_eq(p.ready, 0);
}

/*
 * Guest console bytes reach stdout unchanged, escape sequences included
 * (docs/security.md says so); the abort message on stderr is escaped.
 */
Test(hypercall, console_raw_abort_escaped)
{
    int out[2], err[2];
    cr_assert_eq(pipe(out), 0);
    cr_assert_eq(pipe(err), 0);
    cr_assert_eq(dup2(out[1], STDOUT_FILENO), STDOUT_FILENO);
    cr_assert_eq(dup2(err[1], STDERR_FILENO), STDERR_FILENO);
    vm.quiet = false;
    static const char text[] = "\033]0;title\007\033[31mred\n";
    memcpy(mem_ptr(&vm.mem, 0x9000, sizeof(text)), text, sizeof(text));
    struct uhvt_hc_console c = {.data = 0x9000, .len = sizeof(text) - 1};
    memcpy(arg(), &c, sizeof(c));
    cr_assert_eq(call(UHVT_HC_CONSOLE, ARG), VM_CONTINUE);
    char got[128] = "";
    cr_assert_eq(read(out[0], got, sizeof(got)), (ssize_t)sizeof(text) - 1);
    cr_assert_arr_eq(got, text, sizeof(text) - 1);

    struct uhvt_hc_abort a = {.msg = 0x9000, .len = sizeof(text) - 1};
    memcpy(arg(), &a, sizeof(a));
    cr_assert_eq(call(UHVT_HC_ABORT, ARG), UHVT_EXIT_ABORT);
    memset(got, 0, sizeof(got));
    cr_assert_gt(read(err[0], got, sizeof(got) - 1), 0);
    cr_assert_str_eq(got, "uhvt: guest aborted: \\x1b]0;title\\x07\\x1b[31mred\n");
}

Test(hypercall, exit_by_signal_is_128_plus)
{
    struct uhvt_hc_exit e = {.status = 0, .signal = 15};
    memcpy(arg(), &e, sizeof(e));
    cr_assert_eq(call(UHVT_HC_EXIT, ARG), 143);
    e.signal = 65;
    memcpy(arg(), &e, sizeof(e));
    cr_assert_eq(call(UHVT_HC_EXIT, ARG), UHVT_EXIT_BAD_HYPERCALL);
}

Test(hypercall, signals_mailbox_checked)
{
    const uint64_t boxes[] = {0, 8, 0x8004, MEM_MIN - 4, MEM_MIN, UINT64_MAX - 7};
    for (size_t i = 0; i < sizeof(boxes) / sizeof(boxes[0]); i++) {
        struct uhvt_hc_signals s = {.mailbox = boxes[i], .handled = 1ULL << 14};
        memcpy(arg(), &s, sizeof(s));
        cr_assert_eq(call(UHVT_HC_SIGNALS, ARG), VM_CONTINUE);
        memcpy(&s, arg(), sizeof(s));
        cr_assert_eq(s.ret, UHVT_EINVAL, "mailbox 0x%llx accepted",
                     (unsigned long long)boxes[i]);
    }
    struct uhvt_hc_signals s = {.mailbox = 0x9000, .handled = 1ULL << 14};
    memcpy(arg(), &s, sizeof(s));
    cr_assert_eq(call(UHVT_HC_SIGNALS, ARG), VM_CONTINUE);
    memcpy(&s, arg(), sizeof(s));
    cr_assert_eq(s.ret, UHVT_OK);
    cr_assert_eq(vm.fwd.mailbox, 0x9000);
}

Test(hypercall, stdin_read_checked)
{
    struct uhvt_hc_stdin r = {.data = 0x9000, .len = UHVT_STDIN_MAX + 1};
    memcpy(arg(), &r, sizeof(r));
    cr_assert_eq(call(UHVT_HC_STDIN, ARG), VM_CONTINUE);
    memcpy(&r, arg(), sizeof(r));
    cr_assert_eq(r.ret, UHVT_EINVAL);
    r = (struct uhvt_hc_stdin){.data = MEM_MIN - 8, .len = 16};
    memcpy(arg(), &r, sizeof(r));
    cr_assert_eq(call(UHVT_HC_STDIN, ARG), UHVT_EXIT_BAD_HYPERCALL);
    /* A stdin at its end (closed): end of file, at once. */
    vm.stdin_fd = -1;
    r = (struct uhvt_hc_stdin){.data = 0x9000, .len = 16};
    memcpy(arg(), &r, sizeof(r));
    cr_assert_eq(call(UHVT_HC_STDIN, ARG), VM_CONTINUE);
    memcpy(&r, arg(), sizeof(r));
    cr_assert_eq(r.ret, UHVT_OK);
    cr_assert_eq(r.got, 0);
}
