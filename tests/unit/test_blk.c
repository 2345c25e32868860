/* test_blk.c: block devices without KVM: request checks, backing files, hypercalls. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blk.h"
#include "blk_file.h"
#include "hypercall.h"
#include "uhvt_abi.h"

static const struct blk_dev d512 = {.capacity = 1 << 20, .sector_size = 512};
static const struct blk_dev d4k = {.capacity = 1 << 20, .sector_size = 4096};

Test(blk_check, valid_requests)
{
    cr_assert_eq(blk_check(&d512, 0, 512), UHVT_OK);
    cr_assert_eq(blk_check(&d512, 512, 1024), UHVT_OK);
    cr_assert_eq(blk_check(&d512, (1 << 20) - 512, 512), UHVT_OK, "last sector");
    cr_assert_eq(blk_check(&d512, 0, 1 << 20), UHVT_OK, "whole disk, the maximum");
    cr_assert_eq(blk_check(&d4k, (1 << 20) - 4096, 4096), UHVT_OK);
    struct blk_dev big = {.capacity = UINT64_MAX - 511, .sector_size = 512};
    cr_assert_eq(blk_check(&big, UINT64_MAX - 1023, 512), UHVT_OK,
                 "last sector of the largest possible disk");
}

Test(blk_check, zero_and_oversize_lengths)
{
    struct blk_dev big = {.capacity = 1ULL << 40, .sector_size = 512};
    cr_assert_eq(blk_check(&d512, 0, 0), UHVT_EINVAL);
    cr_assert_eq(blk_check(&big, 0, UHVT_BLK_IO_MAX), UHVT_OK);
    cr_assert_eq(blk_check(&big, 0, UHVT_BLK_IO_MAX + 512), UHVT_EINVAL);
    cr_assert_eq(blk_check(&big, 0, 1ULL << 32), UHVT_EINVAL, "beyond 32 bits");
    cr_assert_eq(blk_check(&big, 0, UINT64_MAX - 511), UHVT_EINVAL);
}

Test(blk_check, misaligned)
{
    cr_assert_eq(blk_check(&d512, 1, 512), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, 511, 512), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, 0, 511), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, 0, 513), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, 0, 1), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d4k, 512, 4096), UHVT_EINVAL, "512-aligned on 4K");
    cr_assert_eq(blk_check(&d4k, 0, 512), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d4k, 4096, 4096 + 512), UHVT_EINVAL);
}

Test(blk_check, out_of_range)
{
    cr_assert_eq(blk_check(&d512, 1 << 20, 512), UHVT_EINVAL, "just past the end");
    cr_assert_eq(blk_check(&d512, (1 << 20) - 512, 1024), UHVT_EINVAL, "straddles");
    cr_assert_eq(blk_check(&d512, 512, 1 << 20), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, 2 << 20, 512), UHVT_EINVAL);
}

Test(blk_check, overflow)
{
    /* offset + len wraps to a small number that would pass a naive check. */
    cr_assert_eq(blk_check(&d512, UINT64_MAX - 511, 512), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, UINT64_MAX - 511, 1024), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, (UINT64_MAX - 511) & ~511ULL, 1024), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, 0ULL - 512, 1024), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d4k, 0ULL - 4096, 8192), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, UINT64_MAX, UINT64_MAX), UHVT_EINVAL);
    cr_assert_eq(blk_check(&d512, 1ULL << 63, 1ULL << 63), UHVT_EINVAL);
}

/* A scratch image of `size` bytes; its path is written to `path`. */
static void scratch(char path[64], uint64_t size)
{
    strcpy(path, "/tmp/uhvt-test-blk.XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)size), 0);
    close(fd);
}

Test(blk_file, sizes)
{
    char p[64], why[OPTIONS_WHY_MAX];
    uint64_t cap = 0;
    scratch(p, 3 * 512);
    int fd = blk_file_open(p, false, 512, &cap, why);
    cr_assert_geq(fd, 0, "%s", why);
    cr_assert_eq(cap, 3 * 512);
    close(fd);
    fd = blk_file_open(p, false, 4096, &cap, why);
    cr_assert_eq(fd, -1);
    cr_assert(strstr(why, "not a multiple of the 4096-byte sector size"), "%s", why);
    cr_assert_eq(truncate(p, 1000), 0);
    cr_assert_eq(blk_file_open(p, true, 512, &cap, why), -1);
    cr_assert(strstr(why, "1000 bytes"), "%s", why);
    cr_assert_eq(truncate(p, 0), 0);
    cr_assert_eq(blk_file_open(p, false, 512, &cap, why), -1);
    cr_assert(strstr(why, "is empty"), "%s", why);
    unlink(p);
    cr_assert_eq(blk_file_open(p, false, 512, &cap, why), -1);
    cr_assert(strstr(why, "No such file"), "%s", why);
    cr_assert_eq(blk_file_open("/dev/null", true, 512, &cap, why), -1);
    cr_assert(strstr(why, "not a regular file or block device"), "%s", why);
}

Test(blk_file, locks)
{
    char p[64], why[OPTIONS_WHY_MAX];
    uint64_t cap;
    scratch(p, 4096);
    int rw = blk_file_open(p, false, 512, &cap, why);
    cr_assert_geq(rw, 0, "%s", why);
    cr_assert_eq(blk_file_open(p, false, 512, &cap, why), -1, "second writer");
    cr_assert(strstr(why, "is given for two disks"), "the holder is us: %s", why);
    cr_assert_eq(blk_file_open(p, true, 512, &cap, why), -1, "reader beside a writer");
    close(rw);
    int ro1 = blk_file_open(p, true, 512, &cap, why);
    int ro2 = blk_file_open(p, true, 512, &cap, why);
    cr_assert(ro1 >= 0 && ro2 >= 0, "readers share: %s", why);
    cr_assert_eq(blk_file_open(p, false, 512, &cap, why), -1, "writer beside readers");
    close(ro1);
    close(ro2);
    rw = blk_file_open(p, false, 512, &cap, why);
    cr_assert_geq(rw, 0, "lock released with the fd: %s", why);
    close(rw);
    unlink(p);
}

/* A FIFO would hang open() waiting for a writer; a directory is no disk. */
Test(blk_file, fifo_and_directory_refused_at_once, .timeout = 10)
{
    char dir[] = "/tmp/uhvt-test-blk.XXXXXX", fifo[64], why[OPTIONS_WHY_MAX];
    uint64_t cap;
    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(blk_file_open(fifo, true, 512, &cap, why), -1);
    cr_assert(strstr(why, "is a FIFO, not a regular file or block device"), "%s", why);
    cr_assert_eq(blk_file_open(fifo, false, 512, &cap, why), -1);
    cr_assert(strstr(why, "is a FIFO"), "%s", why);
    cr_assert_eq(blk_file_open(dir, true, 512, &cap, why), -1);
    cr_assert(strstr(why, "is a directory"), "%s", why);
    unlink(fifo);
    rmdir(dir);
}

/* Another process's lock names that process. */
Test(blk_file, holder_named)
{
    char p[64], why[OPTIONS_WHY_MAX];
    uint64_t cap;
    scratch(p, 4096);
    int sync[2];
    cr_assert_eq(pipe(sync), 0);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        char w[OPTIONS_WHY_MAX];
        uint64_t c;
        int fd = blk_file_open(p, true, 512, &c, w);
        (void)!write(sync[1], fd >= 0 ? "y" : "n", 1);
        pause();
        _exit(0);
    }
    char ok = 0;
    cr_assert_eq(read(sync[0], &ok, 1), 1);
    cr_assert_eq(ok, 'y');
    int rc = blk_file_open(p, false, 512, &cap, why);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    cr_assert_eq(rc, -1, "a writer beside the child's reader");
    char want[64];
    snprintf(want, sizeof(want), "is in use by PID %d (", (int)child);
    cr_assert(strstr(why, want), "%s", why);
    unlink(p);
}

/*
 * A disk as uhvt attaches it (lock and io_uring) in a child that then ends,
 * by exit or SIGKILL: the lock must be gone by the time wait() returns,
 * not some milliseconds later when the kernel tears the ring down.
 */
Test(blk_file, lock_gone_when_the_process_is, .timeout = 60)
{
    char p[64], why[OPTIONS_WHY_MAX], opt[80];
    scratch(p, 4096);
    snprintf(opt, sizeof(opt), "--block=%s", p);
    for (int i = 0; i < 50; i++) {
        pid_t child = fork();
        cr_assert_geq(child, 0);
        if (child == 0) {
            static struct vm cvm;
            struct options o;
            char w[OPTIONS_WHY_MAX];
            char *argv[] = {"uhvt", opt, "app.hvt", NULL};
            if (options_parse(3, argv, &o, w) != OPTIONS_RUN)
                _exit(2);
            strcpy(cvm.img.manifest.e[0].name, "disk");
            cvm.img.manifest.e[0].type = UHVT_DEV_BLOCK;
            if (blk_attach(&cvm, 0, &o, true, w) < 0)
                _exit(3);
            /* Half of them end by exit, half by SIGKILL. */
            if (i % 2)
                raise(SIGKILL);
            _exit(0);
        }
        int st;
        cr_assert_eq(waitpid(child, &st, 0), child);
        cr_assert(WIFSIGNALED(st) || WEXITSTATUS(st) == 0, "child: %d", st);
        uint64_t cap;
        int fd = blk_file_open(p, false, 512, &cap, why);
        cr_assert_geq(fd, 0, "run %d: %s", i, why);
        close(fd);
    }
    unlink(p);
}

/* Hypercalls on a disk backed by a scratch file, handle 1. */
static struct vm vm;
static struct blk_dev dev;
static char path[64];
#define ARG 0x8000U
#define BUF 0x10000U
static void setup(void)
{
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.quiet = true;
    vm.sig_fd = -1;
    scratch(path, 8 * 512);
    char why[OPTIONS_WHY_MAX];
    uint64_t cap;
    int fd = blk_file_open(path, false, 512, &cap, why);
    cr_assert_geq(fd, 0, "%s", why);
    dev = (struct blk_dev){.fd = fd, .capacity = cap, .sector_size = 512};
    vm.dev[1] = (struct vm_dev){.type = UHVT_DEV_BLOCK, .poll_fd = -1, .state = &dev};
}
static void teardown(void)
{
    close(dev.fd);
    unlink(path);
    mem_fini(&vm.mem);
}
TestSuite(blk_hc, .init = setup, .fini = teardown);

static int call(unsigned nr, const void *a, size_t size)
{
    memcpy(mem_ptr(&vm.mem, ARG, size), a, size);
    return hypercall_handle(&vm, UHVT_HC_PORT(nr), 4, 1, 1, ARG);
}
static int32_t io(unsigned nr, uint32_t handle, uint64_t off, uint64_t data,
                  uint32_t len, int want_rc)
{
    struct uhvt_hc_blk_io a = {.handle = handle, .offset = off, .data = data, .len = len};
    cr_assert_eq(call(nr, &a, sizeof(a)), want_rc);
    memcpy(&a, mem_ptr(&vm.mem, ARG, sizeof(a)), sizeof(a));
    return a.ret;
}

Test(blk_hc, info)
{
    struct uhvt_hc_blk_info a = {.handle = 1};
    cr_assert_eq(call(UHVT_HC_BLK_INFO, &a, sizeof(a)), VM_CONTINUE);
    memcpy(&a, mem_ptr(&vm.mem, ARG, sizeof(a)), sizeof(a));
    cr_assert_eq(a.ret, UHVT_OK);
    cr_assert_eq(a.capacity, 4096);
    cr_assert_eq(a.sector_size, 512);
    cr_assert_eq(a.read_only, 0);
    uint32_t bad[] = {0, 2, UHVT_MANIFEST_MAX, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        a = (struct uhvt_hc_blk_info){.handle = bad[i]};
        cr_assert_eq(call(UHVT_HC_BLK_INFO, &a, sizeof(a)), VM_CONTINUE);
        memcpy(&a, mem_ptr(&vm.mem, ARG, sizeof(a)), sizeof(a));
        cr_assert_eq(a.ret, UHVT_ENODEV);
    }
}

Test(blk_hc, round_trip)
{
    uint8_t *buf = mem_ptr(&vm.mem, BUF, 4096);
    for (int i = 0; i < 1024; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 1, 2560, BUF, 1024, VM_CONTINUE), UHVT_OK);
    struct uhvt_hc_blk_flush f = {.handle = 1};
    cr_assert_eq(call(UHVT_HC_BLK_FLUSH, &f, sizeof(f)), VM_CONTINUE);
    memset(buf, 0, 4096);
    cr_assert_eq(io(UHVT_HC_BLK_READ, 1, 2560, BUF, 1536, VM_CONTINUE), UHVT_OK);
    for (int i = 0; i < 1024; i++)
        cr_assert_eq(buf[i], (uint8_t)(i * 7 + 3));
    for (int i = 1024; i < 1536; i++)
        cr_assert_eq(buf[i], 0, "the last sector is still zero");
    /* And it is in the file itself. */
    uint8_t file[1024];
    cr_assert_eq(pread(dev.fd, file, 1024, 2560), 1024);
    cr_assert_eq(file[5], (uint8_t)(5 * 7 + 3));
}

Test(blk_hc, bad_requests)
{
    cr_assert_eq(io(UHVT_HC_BLK_READ, 0, 0, BUF, 512, VM_CONTINUE), UHVT_ENODEV);
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 7, 0, BUF, 512, VM_CONTINUE), UHVT_ENODEV);
    cr_assert_eq(io(UHVT_HC_BLK_READ, 1, 4096, BUF, 512, VM_CONTINUE), UHVT_EINVAL);
    cr_assert_eq(io(UHVT_HC_BLK_READ, 1, UINT64_MAX - 511, BUF, 1024, VM_CONTINUE), UHVT_EINVAL);
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 1, 0, BUF, 0, VM_CONTINUE), UHVT_EINVAL);
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 1, 1, BUF, 512, VM_CONTINUE), UHVT_EINVAL);
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 1, 0, BUF, UINT32_MAX, VM_CONTINUE), UHVT_EINVAL);
}

Test(blk_hc, buffer_outside_memory_ends_the_guest)
{
    uint64_t size = vm.mem.size;
    cr_assert_eq(io(UHVT_HC_BLK_READ, 1, 0, size - 256, 512, UHVT_EXIT_BAD_HYPERCALL), 0);
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 1, 0, size, 512, UHVT_EXIT_BAD_HYPERCALL), 0);
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 1, 0, UINT64_MAX - 255, 512,
                    UHVT_EXIT_BAD_HYPERCALL), 0);
    /* The last 512 bytes of memory are fine. */
    cr_assert_eq(io(UHVT_HC_BLK_READ, 1, 0, size - 512, 512, VM_CONTINUE), UHVT_OK);
}

Test(blk_hc, read_only)
{
    dev.read_only = true;
    uint8_t *buf = mem_ptr(&vm.mem, BUF, 512);
    memset(buf, 0xaa, 512);
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 1, 0, BUF, 512, VM_CONTINUE), UHVT_EROFS);
    cr_assert_eq(io(UHVT_HC_BLK_READ, 1, 0, BUF, 512, VM_CONTINUE), UHVT_OK);
    cr_assert_eq(buf[0], 0, "nothing was written");
    struct uhvt_hc_blk_flush f = {.handle = 1};
    cr_assert_eq(call(UHVT_HC_BLK_FLUSH, &f, sizeof(f)), VM_CONTINUE);
    memcpy(&f, mem_ptr(&vm.mem, ARG, sizeof(f)), sizeof(f));
    cr_assert_eq(f.ret, UHVT_OK);
}

Test(blk_hc, host_errors_are_eio_and_sticky)
{
    /* The file shrinks under the monitor: a read past its end is an error. */
    cr_assert_eq(ftruncate(dev.fd, 512), 0);
    cr_assert_eq(io(UHVT_HC_BLK_READ, 1, 1024, BUF, 512, VM_CONTINUE), UHVT_EIO);
    /* A failed flush fails every later write and flush. */
    dev.failed = true;
    cr_assert_eq(io(UHVT_HC_BLK_WRITE, 1, 0, BUF, 512, VM_CONTINUE), UHVT_EIO);
    struct uhvt_hc_blk_flush f = {.handle = 1};
    cr_assert_eq(call(UHVT_HC_BLK_FLUSH, &f, sizeof(f)), VM_CONTINUE);
    memcpy(&f, mem_ptr(&vm.mem, ARG, sizeof(f)), sizeof(f));
    cr_assert_eq(f.ret, UHVT_EIO);
}

Test(blk_hc, attach_from_options)
{
    char why[OPTIONS_WHY_MAX];
    struct options o;
    char *argv[] = {"uhvt", "--block-ro", "--block-sector=4096", NULL, "app.hvt", NULL};
    char opt[80];
    cr_assert_eq(truncate(path, 8192), 0);
    close(dev.fd); /* the fixture's write lock */
    dev.fd = -1;
    snprintf(opt, sizeof(opt), "--block=%s", path);
    argv[3] = opt;
    cr_assert_eq(options_parse(5, argv, &o, why), OPTIONS_RUN, "%s", why);
    strcpy(vm.img.manifest.e[2].name, "disk");
    vm.img.manifest.e[2].type = UHVT_DEV_BLOCK;
    vm.nfds = 0;
    cr_assert_eq(blk_attach(&vm, 2, &o, true, why), 0, "%s", why);
    const struct blk_dev *d = vm.dev[2].state;
    cr_assert_eq(vm.dev[2].type, UHVT_DEV_BLOCK);
    cr_assert_geq(vm.dev[2].poll_fd, 0, "its ring, for batched completions");
    cr_assert_not_null(vm.dev[2].has_input);
    cr_assert(d->read_only);
    cr_assert_eq(d->sector_size, 4096);
    cr_assert_eq(d->capacity, 8192);
    cr_assert_eq(vm.nfds, 2);
    cr_assert_eq(vm.fds[0].uses, VM_FD_PREAD);
    cr_assert_eq(vm.fds[1].uses, VM_FD_URING);
    cr_assert_eq(vm.fds[1].fd, vm.dev[2].poll_fd);
    close(d->fd);
    close(vm.dev[2].poll_fd);
    free(d->queue);
    free(vm.dev[2].state);

    char *bad[] = {"uhvt", "--block-sector=1024", opt, "app.hvt", NULL};
    cr_assert_eq(options_parse(4, bad, &o, why), OPTIONS_RUN, "%s", why);
    cr_assert_eq(blk_attach(&vm, 2, &o, true, why), -1);
    cr_assert(strstr(why, "512 or 4096"), "%s", why);
}
