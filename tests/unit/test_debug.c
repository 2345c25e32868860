/* test_debug.c: the debug tools change the seccomp policy only when asked; their option values. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "debug.h"
#include "options.h"
#include "profile.h"
#include "vm.h"

/* The BPF a filter with the base rule and debug_rules(vm) compiles to; its size in *len. */
static uint8_t *policy(const struct vm *vm, size_t *len)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    cr_assert_not_null(ctx);
    cr_assert_eq(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0), 0);
    cr_assert_eq(debug_rules(vm, ctx), 0);
    int fd = memfd_create("bpf", 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(seccomp_export_bpf(ctx, fd), 0);
    seccomp_release(ctx);
    off_t size = lseek(fd, 0, SEEK_END);
    uint8_t *buf = malloc((size_t)size);
    cr_assert_eq(pread(fd, buf, (size_t)size, 0), size);
    close(fd);
    *len = (size_t)size;
    return buf;
}

/* The default run: debug_rules adds nothing, so the policy is byte for byte the one without it. */
Test(debug, default_policy_unchanged)
{
    static struct vm none; /* as main's: no debug option given */
    size_t base_len, len;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    cr_assert_eq(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0), 0);
    int fd = memfd_create("bpf", 0);
    cr_assert_eq(seccomp_export_bpf(ctx, fd), 0);
    seccomp_release(ctx);
    base_len = (size_t)lseek(fd, 0, SEEK_END);
    uint8_t *base = malloc(base_len);
    cr_assert_eq(pread(fd, base, base_len, 0), (ssize_t)base_len);
    close(fd);

    uint8_t *got = policy(&none, &len);
    cr_assert_eq(len, base_len);
    cr_assert_eq(memcmp(got, base, len), 0);
    free(got);
    free(base);
}

/* The check above can fail: each tool, when on, changes the policy. */
Test(debug, each_tool_adds_rules)
{
    size_t base_len, len;
    static struct vm none;
    uint8_t *base = policy(&none, &base_len);
    for (int tool = 0; tool < 3; tool++) {
        static struct vm on;
        memset(&on, 0, sizeof(on));
        on.kvm.vcpu_fd = 100;
        on.debug.core.fd = 101;
        on.debug.core.dir_fd = 102;
        on.debug.prof.fd = 103;
        on.debug.gdb.fd = 104;
        on.debug.dumpcore = tool == 0;
        on.debug.profile_on = tool == 1;
        on.debug.gdb_on = tool == 2;
        uint8_t *got = policy(&on, &len);
        cr_assert(len != base_len || memcmp(got, base, len) != 0, "tool %d", tool);
        free(got);
    }
    free(base);
}

Test(debug, options)
{
    struct options o;
    char why[OPTIONS_WHY_MAX];
    char *a[] = {"uhvt", "--dumpcore", "--gdb", "1234", "--profile=p,hz=10", "x.hvt", NULL};
    cr_assert_eq(options_parse(6, a, &o, why), OPTIONS_RUN, "%s", why);
    cr_assert_str_eq(o.dumpcore, ".");
    cr_assert_str_eq(o.gdb, "1234");
    cr_assert_str_eq(o.profile, "p,hz=10");
    char *b[] = {"uhvt", "--dumpcore=/tmp/c", "x.hvt", NULL};
    cr_assert_eq(options_parse(3, b, &o, why), OPTIONS_RUN, "%s", why);
    cr_assert_str_eq(o.dumpcore, "/tmp/c");
    cr_assert_null(o.gdb);
    /* --dumpcore never takes the next argument: that is the image. */
    char *c[] = {"uhvt", "--dumpcore", "x.hvt", NULL};
    cr_assert_eq(options_parse(3, c, &o, why), OPTIONS_RUN);
    cr_assert_str_eq(o.image, "x.hvt");
}

Test(debug, profile_values)
{
    struct profile p;
    char why[WHY_MAX];
    cr_assert_eq(profile_setup(&p, "", why), -1);
    cr_assert_eq(profile_setup(&p, "/dev/null,hz=0", why), -1);
    cr_assert_eq(profile_setup(&p, "/dev/null,hz=10001", why), -1);
    cr_assert_eq(profile_setup(&p, "/dev/null,hz=1x", why), -1);
    cr_assert_eq(profile_setup(&p, "/dev/null,freq=5", why), -1);
    cr_assert_eq(profile_setup(&p, "/dev/null,hz=250", why), 0, "%s", why);
    cr_assert_eq(p.hz, 250);
    close(p.fd);
    free(p.stacks);
}
