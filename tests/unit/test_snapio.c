/* test_snapio.c: whole reads and writes; a snapshot file replaces the old one only once named, never through a symlink; the default sandbox policy unchanged. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pin.h"
#include "snapio.h"
#include "snapshot.h"
#include "vm.h"

/* A fresh directory where O_TMPFILE works (tmpfs), in `dir`. */
static void scratch(char dir[64])
{
    snprintf(dir, 64, "%s/uhvt-snapio.XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
}

/* Remove what scratch made. */
static void unscratch(const char *dir)
{
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static char *get_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(snapio, whole_reads_and_writes)
{
    int fd = memfd_create("snapio", 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(snapio_pwrite(fd, "abcdef", 6, 10), 0);
    char buf[6];
    cr_assert_eq(snapio_pread(fd, buf, 6, 10), 0);
    cr_assert_eq(memcmp(buf, "abcdef", 6), 0);
    /* The file ends first: EIO, as a short file must not parse. */
    cr_assert_eq(snapio_pread(fd, buf, 6, 11), -EIO);
    cr_assert_eq(errno, EIO);
    close(fd);
    int ro = open("/dev/null", O_RDONLY);
    cr_assert_eq(snapio_pwrite(ro, "x", 1, 0), -EBADF);
    close(ro);
}

Test(snapio, old_file_kept_until_named_then_replaced_whole)
{
    char dir[64], path[128], buf[64], why[WHY_MAX];
    scratch(dir);
    snprintf(path, sizeof(path), "%s/s.snap", dir);
    put_file(path, "old");
    struct snapio_file f;
    cr_assert_eq(snapio_open(&f, "--snapshot", path, why), 0, "%s", why);
    cr_assert_eq(snapio_pwrite(f.fd, "new contents", 12, 0), 0);
    cr_assert_str_eq(get_file(path, buf, sizeof(buf)), "old");
    cr_assert_eq(snapio_name(&f), 0, "%s", strerror(errno));
    cr_assert_str_eq(get_file(path, buf, sizeof(buf)), "new contents");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);
    /* Nothing else in the directory: the temporary name is gone. */
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "test \"$(ls -A %s)\" = s.snap", dir);
    cr_assert_eq(system(cmd), 0);
    close(f.fd);
    close(f.dir_fd);
    unscratch(dir);
}

Test(snapio, new_file_and_relative_name)
{
    char dir[64], buf[64], why[WHY_MAX], cwd[4096];
    scratch(dir);
    cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
    cr_assert_eq(chdir(dir), 0);
    struct snapio_file f;
    cr_assert_eq(snapio_open(&f, "--snapshot", "n.snap", why), 0, "%s", why);
    cr_assert_eq(access("n.snap", F_OK), -1, "named before it was written");
    cr_assert_eq(snapio_pwrite(f.fd, "x", 1, 0), 0);
    cr_assert_eq(snapio_name(&f), 0, "%s", strerror(errno));
    cr_assert_str_eq(get_file("n.snap", buf, sizeof(buf)), "x");
    cr_assert_eq(chdir(cwd), 0);
    unscratch(dir);
}

Test(snapio, symlink_and_directory_refused)
{
    char dir[64], path[128], target[128], buf[64], why[WHY_MAX];
    scratch(dir);
    snprintf(target, sizeof(target), "%s/victim", dir);
    snprintf(path, sizeof(path), "%s/link.snap", dir);
    put_file(target, "keep");
    cr_assert_eq(symlink(target, path), 0);
    struct snapio_file f;
    cr_assert_eq(snapio_open(&f, "--snapshot", path, why), -1);
    cr_assert(strstr(why, "Too many levels of symbolic links"), "%s", why);
    cr_assert_str_eq(get_file(target, buf, sizeof(buf)), "keep");
    cr_assert_eq(snapio_open(&f, "--snapshot", dir, why), -1);
    cr_assert(strstr(why, "Is a directory"), "%s", why);
    snprintf(path, sizeof(path), "%s/", dir);
    cr_assert_eq(snapio_open(&f, "--snapshot", path, why), -1);
    cr_assert(strstr(why, "Is a directory"), "%s", why);
    snprintf(path, sizeof(path), "%s/no/such.snap", dir);
    cr_assert_eq(snapio_open(&f, "--snapshot", path, why), -1);
    cr_assert(strstr(why, "No such file or directory"), "%s", why);
    unscratch(dir);
}

/* The BPF of a filter with exit_group, and snapshot_rules(vm) or snapio_rules(f). */
static uint8_t *policy(const struct vm *vm, const struct snapio_file *f, size_t *len)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    cr_assert_not_null(ctx);
    cr_assert_eq(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0), 0);
    if (vm != NULL)
        cr_assert_eq(snapshot_rules(vm, ctx), 0);
    if (f != NULL)
        cr_assert_eq(snapio_rules(f, ctx), 0);
    int fd = memfd_create("bpf", 0);
    cr_assert_eq(seccomp_export_bpf(ctx, fd), 0);
    seccomp_release(ctx);
    *len = (size_t)lseek(fd, 0, SEEK_END);
    uint8_t *buf = malloc(*len);
    cr_assert_eq(pread(fd, buf, *len, 0), (ssize_t)*len);
    close(fd);
    return buf;
}

/* Without --snapshot the policy is byte for byte the one without its rules; with them it is not. */
Test(snapio, default_policy_unchanged)
{
    static struct vm none; /* as main's: no --snapshot */
    size_t base_len, len, on_len;
    uint8_t *base = policy(NULL, NULL, &base_len);
    uint8_t *got = policy(&none, NULL, &len);
    cr_assert_eq(len, base_len);
    cr_assert_eq(memcmp(got, base, len), 0);
    struct snapio_file f = {.dir_fd = 5, .fd = 6};
    uint8_t *on = policy(NULL, &f, &on_len);
    cr_assert(on_len != base_len || memcmp(on, base, on_len) != 0);
    free(on);
    free(got);
    free(base);
}

/*
 * In a child: --snapshot's rules and exit_group only, the names sealed,
 * then unlinkat(dir, name).  How the child ended.
 */
static int unlink_sandboxed(const struct snapio_file *f, const char *name)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
        if (ctx == NULL || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0) < 0 ||
            snapio_rules(f, ctx) < 0 || pin_seal() < 0 || seccomp_load(ctx) < 0)
            _exit(90);
        syscall(SYS_unlinkat, f->dir_fd, name, 0);
        syscall(SYS_exit_group, 0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return st;
}

/*
 * The rules name the temporary file by its pinned address: the same
 * directory fd with another path (absolute, or the same text elsewhere in
 * memory) is killed, and the pinned page cannot be rewritten.
 */
Test(snapio, rules_allow_only_the_pinned_names)
{
    char dir[64], path[128], victim[128];
    scratch(dir);
    snprintf(path, sizeof(path), "%s/a.snap", dir);
    snprintf(victim, sizeof(victim), "%s/victim", dir);
    int v = open(victim, O_CREAT | O_WRONLY, 0600);
    cr_assert_geq(v, 0);
    close(v);
    struct snapio_file f;
    char why[WHY_MAX];
    cr_assert_eq(snapio_open(&f, "--snapshot", path, why), 0, "%s", why);

    int st = unlink_sandboxed(&f, f.tmp);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the pinned name: status 0x%x", st);
    st = unlink_sandboxed(&f, victim);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "an absolute path: status 0x%x", st);
    char copy[NAME_MAX + 1];
    snprintf(copy, sizeof(copy), "%s", f.tmp);
    st = unlink_sandboxed(&f, copy);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "a copy of the name: status 0x%x", st);
    cr_assert_eq(access(victim, F_OK), 0, "the victim is gone");

    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (pin_seal() < 0)
            _exit(90);
        *(volatile char *)f.tmp = '/';
        _exit(0);
    }
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    /* A fault: SIGSEGV, or ASan's report of it (exit 1). */
    cr_assert(!(WIFEXITED(st) && WEXITSTATUS(st) == 0), "the sealed page was written");
    close(f.fd);
    close(f.dir_fd);
    unlink(victim);
    unscratch(dir);
}
