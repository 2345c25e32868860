/* test_blk_queue.c: batched asynchronous disk requests (BLK_SUBMIT, BLK_REAP) on a real io_uring. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk.h"
#include "blk_file.h"
#include "hypercall.h"
#include "blk_queue.h"
#include "uhvt_abi.h"

static struct vm vm;
static struct blk_dev dev;
static char path[64];
#define ARG 0x8000U
#define REQS 0x9000U
#define DONE 0xa000U
#define BUF 0x10000U
#define CAP (64 * 4096)

static void setup(void)
{
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.quiet = true;
    vm.sig_fd = -1;
    vm.nfds = 0;
    strcpy(path, "/tmp/uhvt-test-queue.XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, CAP), 0);
    close(fd);
    char why[OPTIONS_WHY_MAX];
    uint64_t cap;
    fd = blk_file_open(path, false, 512, &cap, why);
    cr_assert_geq(fd, 0, "%s", why);
    dev = (struct blk_dev){.fd = fd, .capacity = cap, .sector_size = 512};
    vm.dev[1] = (struct vm_dev){.type = UHVT_DEV_BLOCK, .poll_fd = -1, .state = &dev};
    cr_assert_eq(blk_queue_init(&vm, 1, &dev, fd, why), 0, "%s", why);
    cr_assert_geq(vm.dev[1].poll_fd, 0, "the ring is the disk's poll fd");
    cr_assert_eq(vm.fds[0].uses, VM_FD_URING);
}
static void teardown(void)
{
    close(dev.fd);
    unlink(path);
    memset(vm.dev, 0, sizeof(vm.dev));
    mem_fini(&vm.mem);
}
TestSuite(blk_queue, .init = setup, .fini = teardown);

static struct uhvt_hc_batch batch(unsigned nr, uint32_t handle, uint64_t items,
                                  uint32_t count, int want_rc)
{
    struct uhvt_hc_batch a = {.handle = handle, .items = items, .count = count};
    memcpy(mem_ptr(&vm.mem, ARG, sizeof(a)), &a, sizeof(a));
    cr_assert_eq(hypercall_handle(&vm, UHVT_HC_PORT(nr), 4, 1, 1, ARG), want_rc);
    memcpy(&a, mem_ptr(&vm.mem, ARG, sizeof(a)), sizeof(a));
    return a;
}

static void put_reqs(const struct uhvt_blk_req *r, unsigned n)
{
    memcpy(mem_ptr(&vm.mem, REQS, n * sizeof(*r)), r, n * sizeof(*r));
}

/* Reap until `n` completions came (waiting on the ring as hc_poll would);
 * each one's code lands in ret[tag]. */
static void reap_all(unsigned n, int32_t ret[])
{
    for (unsigned got = 0, spins = 0; got < n; spins++) {
        cr_assert_lt(spins, 100000, "only %u of %u completions", got, n);
        struct uhvt_hc_batch a = batch(UHVT_HC_BLK_REAP, 1, DONE, UHVT_BATCH_MAX, VM_CONTINUE);
        cr_assert_eq(a.ret, UHVT_OK);
        const struct uhvt_blk_done *d = mem_ptr(&vm.mem, DONE, a.done * sizeof(*d));
        for (unsigned i = 0; i < a.done; i++) {
            cr_assert_lt(d[i].tag, 256);
            ret[d[i].tag] = d[i].ret;
        }
        got += a.done;
        if (a.done == 0)
            usleep(100);
    }
}

Test(blk_queue, round_trip_with_flush)
{
    uint8_t *buf = mem_ptr(&vm.mem, BUF, 8 * 4096);
    for (int i = 0; i < 4096; i++)
        buf[i] = (uint8_t)(i * 13 + 1);
    struct uhvt_blk_req w[] = {
        {.tag = 1, .offset = 4096, .data = BUF, .len = 4096, .op = UHVT_BLK_OP_WRITE},
        {.tag = 2, .offset = 3 * 512, .data = BUF, .len = 512, .op = UHVT_BLK_OP_WRITE},
        {.tag = 3, .op = UHVT_BLK_OP_FLUSH},
    };
    put_reqs(w, 3);
    struct uhvt_hc_batch a = batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 3, VM_CONTINUE);
    cr_assert_eq(a.ret, UHVT_OK);
    cr_assert_eq(a.done, 3);
    int32_t ret[256];
    memset(ret, 0x7f, sizeof(ret));
    reap_all(3, ret);
    for (int t = 1; t <= 3; t++)
        cr_assert_eq(ret[t], UHVT_OK, "request %d", t);
    uint8_t file[4096];
    cr_assert_eq(pread(dev.fd, file, 4096, 4096), 4096);
    cr_assert_eq(memcmp(file, buf, 4096), 0, "the write is in the file");

    struct uhvt_blk_req r[] = {
        {.tag = 4, .offset = 4096, .data = BUF + 4096, .len = 4096, .op = UHVT_BLK_OP_READ},
        {.tag = 5, .offset = 0, .data = BUF + 8192, .len = 2048, .op = UHVT_BLK_OP_READ},
    };
    put_reqs(r, 2);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 2, VM_CONTINUE).ret, UHVT_OK);
    reap_all(2, ret);
    cr_assert_eq(ret[4], UHVT_OK);
    cr_assert_eq(ret[5], UHVT_OK);
    cr_assert_eq(memcmp(buf + 4096, buf, 4096), 0, "read back");
    cr_assert_eq(memcmp(buf + 8192 + 1536, buf, 512), 0, "the 512-byte write");
    cr_assert_eq(buf[8192], 0);
}

Test(blk_queue, whole_call_refusals)
{
    struct uhvt_blk_req ok = {.tag = 1, .data = BUF, .len = 512, .op = UHVT_BLK_OP_READ};
    put_reqs(&ok, 1);
    uint32_t bad_handles[] = {0, 2, UHVT_MANIFEST_MAX, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, bad_handles[i], REQS, 1, VM_CONTINUE).ret,
                     UHVT_ENODEV);
        cr_assert_eq(batch(UHVT_HC_BLK_REAP, bad_handles[i], DONE, 1, VM_CONTINUE).ret,
                     UHVT_ENODEV);
    }
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 0, VM_CONTINUE).ret, UHVT_EINVAL);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, UHVT_BATCH_MAX + 1, VM_CONTINUE).ret,
                 UHVT_EINVAL);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, UINT32_MAX, VM_CONTINUE).ret, UHVT_EINVAL);
    cr_assert_eq(batch(UHVT_HC_BLK_REAP, 1, DONE, 0, VM_CONTINUE).ret, UHVT_EINVAL);
    cr_assert_eq(batch(UHVT_HC_BLK_REAP, 1, DONE, UHVT_BATCH_MAX + 1, VM_CONTINUE).ret,
                 UHVT_EINVAL);
    /* A device without a ring (as a test fixture may have) is no disk for these. */
    struct blk_dev bare = dev;
    bare.queue = NULL;
    vm.dev[3] = (struct vm_dev){.type = UHVT_DEV_BLOCK, .poll_fd = -1, .state = &bare};
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 3, REQS, 1, VM_CONTINUE).ret, UHVT_ENODEV);
}

Test(blk_queue, queue_full_is_eagain)
{
    struct uhvt_blk_req r[UHVT_BATCH_MAX];
    for (unsigned i = 0; i < UHVT_BATCH_MAX; i++)
        r[i] = (struct uhvt_blk_req){.tag = i, .offset = i * 512, .data = BUF,
                                     .len = 512, .op = UHVT_BLK_OP_READ};
    put_reqs(r, UHVT_BATCH_MAX);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, UHVT_BATCH_MAX, VM_CONTINUE).ret, UHVT_OK);
    /* All UHVT_BLK_QUEUE_MAX slots are taken until reaped. */
    struct uhvt_hc_batch a = batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 1, VM_CONTINUE);
    cr_assert_eq(a.ret, UHVT_EAGAIN);
    cr_assert_eq(a.done, 0);
    int32_t ret[256];
    reap_all(UHVT_BATCH_MAX, ret);
    for (unsigned i = 0; i < UHVT_BATCH_MAX; i++)
        cr_assert_eq(ret[i], UHVT_OK);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 1, VM_CONTINUE).ret, UHVT_OK);
    reap_all(1, ret);
}

Test(blk_queue, per_request_codes)
{
    uint64_t top = vm.mem.size;
    struct uhvt_blk_req r[] = {
        {.tag = 0, .offset = CAP, .data = BUF, .len = 512, .op = UHVT_BLK_OP_READ},
        {.tag = 1, .offset = 1, .data = BUF, .len = 512, .op = UHVT_BLK_OP_WRITE},
        {.tag = 2, .offset = 0, .data = BUF, .len = 0, .op = UHVT_BLK_OP_READ},
        {.tag = 3, .offset = 0, .data = BUF, .len = UHVT_BLK_IO_MAX + 512,
         .op = UHVT_BLK_OP_READ},
        {.tag = 4, .offset = UINT64_MAX - 511, .data = BUF, .len = 1024,
         .op = UHVT_BLK_OP_WRITE},
        {.tag = 5, .offset = 0, .data = BUF, .len = 512, .op = 0},
        {.tag = 6, .offset = 0, .data = BUF, .len = 512, .op = 4},
        {.tag = 7, .offset = 0, .data = BUF, .len = 512, .op = UHVT_BLK_OP_READ, .flags = 1},
        {.tag = 8, .offset = 512, .op = UHVT_BLK_OP_FLUSH},
        {.tag = 9, .len = 512, .op = UHVT_BLK_OP_FLUSH},
        {.tag = 10, .data = BUF, .op = UHVT_BLK_OP_FLUSH},
        /* An invalid request's buffer is not looked at: no end of the guest. */
        {.tag = 11, .offset = 1, .data = top, .len = 512, .op = UHVT_BLK_OP_READ},
        {.tag = 12, .offset = 0, .data = top - 512, .len = 512, .op = UHVT_BLK_OP_READ},
    };
    put_reqs(r, 13);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 13, VM_CONTINUE).ret, UHVT_OK);
    int32_t ret[256];
    reap_all(13, ret);
    for (int t = 0; t <= 11; t++)
        cr_assert_eq(ret[t], UHVT_EINVAL, "request %d: %d", t, ret[t]);
    cr_assert_eq(ret[12], UHVT_OK, "the last 512 bytes of memory");
}

Test(blk_queue, bad_arrays_and_buffers_end_the_guest)
{
    uint64_t top = vm.mem.size;
    batch(UHVT_HC_BLK_SUBMIT, 1, top - 16, 1, UHVT_EXIT_BAD_HYPERCALL);
    batch(UHVT_HC_BLK_SUBMIT, 1, REQS + 4, 1, UHVT_EXIT_BAD_HYPERCALL);
    batch(UHVT_HC_BLK_SUBMIT, 1, UINT64_MAX - 7, 2, UHVT_EXIT_BAD_HYPERCALL);
    batch(UHVT_HC_BLK_REAP, 1, top - 8, 1, UHVT_EXIT_BAD_HYPERCALL);
    batch(UHVT_HC_BLK_REAP, 1, DONE + 1, 1, UHVT_EXIT_BAD_HYPERCALL);
    /* A valid request first, then one whose buffer leaves memory: neither runs. */
    uint8_t *buf = mem_ptr(&vm.mem, BUF, 512);
    memset(buf, 0x5a, 512);
    struct uhvt_blk_req r[] = {
        {.tag = 1, .offset = 0, .data = BUF, .len = 512, .op = UHVT_BLK_OP_WRITE},
        {.tag = 2, .offset = 0, .data = top - 256, .len = 512, .op = UHVT_BLK_OP_WRITE},
    };
    put_reqs(r, 2);
    batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 2, UHVT_EXIT_BAD_HYPERCALL);
    cr_assert_eq(batch(UHVT_HC_BLK_REAP, 1, DONE, 8, VM_CONTINUE).done, 0);
    /* A queued request holds its slot until reaped: all of them free means
     * nothing of the batch was queued.  Fill them with flushes, barriers
     * that complete after anything queued before them, then look. */
    _Static_assert(UHVT_BLK_QUEUE_MAX <= UHVT_BATCH_MAX, "one batch fills the queue");
    struct uhvt_blk_req f[UHVT_BLK_QUEUE_MAX];
    for (unsigned i = 0; i < UHVT_BLK_QUEUE_MAX; i++)
        f[i] = (struct uhvt_blk_req){.tag = 100 + i, .op = UHVT_BLK_OP_FLUSH};
    put_reqs(f, UHVT_BLK_QUEUE_MAX);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, UHVT_BLK_QUEUE_MAX, VM_CONTINUE).ret,
                 UHVT_OK, "every slot is free");
    int32_t ret[256];
    memset(ret, 0x7f, sizeof(ret));
    reap_all(UHVT_BLK_QUEUE_MAX, ret);
    cr_assert_eq(ret[1], 0x7f7f7f7f, "no completion of the refused batch");
    cr_assert_eq(ret[2], 0x7f7f7f7f, "no completion of the refused batch");
    uint8_t file[512];
    cr_assert_eq(pread(dev.fd, file, 512, 0), 512);
    cr_assert_eq(file[0], 0, "nothing of the batch was written");
}

Test(blk_queue, read_only)
{
    dev.read_only = true;
    struct uhvt_blk_req r[] = {
        {.tag = 1, .offset = 0, .data = BUF, .len = 512, .op = UHVT_BLK_OP_WRITE},
        {.tag = 2, .op = UHVT_BLK_OP_FLUSH},
        {.tag = 3, .offset = 0, .data = BUF, .len = 512, .op = UHVT_BLK_OP_READ},
    };
    put_reqs(r, 3);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 3, VM_CONTINUE).ret, UHVT_OK);
    int32_t ret[256];
    reap_all(3, ret);
    cr_assert_eq(ret[1], UHVT_EROFS);
    cr_assert_eq(ret[2], UHVT_OK, "nothing to flush");
    cr_assert_eq(ret[3], UHVT_OK);
}

Test(blk_queue, failed_flush_latch)
{
    /* After a failed flush (here: the synchronous one's latch) every later
     * write and flush fails, batched or not; reads still work. */
    dev.failed = true;
    struct uhvt_blk_req r[] = {
        {.tag = 1, .offset = 0, .data = BUF, .len = 512, .op = UHVT_BLK_OP_WRITE},
        {.tag = 2, .op = UHVT_BLK_OP_FLUSH},
        {.tag = 3, .offset = 0, .data = BUF, .len = 512, .op = UHVT_BLK_OP_READ},
    };
    put_reqs(r, 3);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 3, VM_CONTINUE).ret, UHVT_OK);
    int32_t ret[256];
    reap_all(3, ret);
    cr_assert_eq(ret[1], UHVT_EIO);
    cr_assert_eq(ret[2], UHVT_EIO);
    cr_assert_eq(ret[3], UHVT_OK);
}

Test(blk_queue, host_error_is_eio)
{
    /* The file shrinks under the monitor: a read past its end is short. */
    cr_assert_eq(ftruncate(dev.fd, 512), 0);
    struct uhvt_blk_req r = {.tag = 1, .offset = 4096, .data = BUF, .len = 512,
                             .op = UHVT_BLK_OP_READ};
    put_reqs(&r, 1);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 1, VM_CONTINUE).ret, UHVT_OK);
    int32_t ret[256];
    reap_all(1, ret);
    cr_assert_eq(ret[1], UHVT_EIO);
}

Test(blk_queue, poll_ready_bit)
{
    struct uhvt_hc_poll p = {.timeout_ns = 0};
    memcpy(mem_ptr(&vm.mem, ARG, sizeof(p)), &p, sizeof(p));
    cr_assert_eq(hypercall_handle(&vm, UHVT_HC_PORT(UHVT_HC_POLL), 4, 1, 1, ARG), VM_CONTINUE);
    memcpy(&p, mem_ptr(&vm.mem, ARG, sizeof(p)), sizeof(p));
    cr_assert_eq(p.ready, 0, "nothing submitted");
    struct uhvt_blk_req r = {.tag = 9, .offset = 0, .data = BUF, .len = 512,
                             .op = UHVT_BLK_OP_READ};
    put_reqs(&r, 1);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 1, VM_CONTINUE).ret, UHVT_OK);
    p = (struct uhvt_hc_poll){.timeout_ns = 5000000000ULL};
    memcpy(mem_ptr(&vm.mem, ARG, sizeof(p)), &p, sizeof(p));
    cr_assert_eq(hypercall_handle(&vm, UHVT_HC_PORT(UHVT_HC_POLL), 4, 1, 1, ARG), VM_CONTINUE);
    memcpy(&p, mem_ptr(&vm.mem, ARG, sizeof(p)), sizeof(p));
    cr_assert_eq(p.ready, 1ULL << 1, "the disk has a completion");
    int32_t ret[256];
    reap_all(1, ret);
    cr_assert_eq(ret[9], UHVT_OK);
}

/* Asking whether completions wait takes none: only BLK_REAP hands them out. */
Test(blk_queue, has_done_only_asks)
{
    cr_assert_not(blk_queue_has_done(&dev), "nothing submitted");
    struct uhvt_blk_req r = {.tag = 4, .offset = 512, .data = BUF, .len = 512,
                             .op = UHVT_BLK_OP_READ};
    put_reqs(&r, 1);
    cr_assert_eq(batch(UHVT_HC_BLK_SUBMIT, 1, REQS, 1, VM_CONTINUE).ret, UHVT_OK);
    for (int spins = 0; !blk_queue_has_done(&dev); spins++)
        cr_assert_lt(spins, 10000000, "the read never completed");
    for (int i = 0; i < 3; i++)
        cr_assert(blk_queue_has_done(&dev), "asking took the completion");
    int32_t ret[256];
    reap_all(1, ret);
    cr_assert_eq(ret[4], UHVT_OK);
    cr_assert_not(blk_queue_has_done(&dev), "reaped, yet still done");
}
