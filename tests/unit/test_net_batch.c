/* test_net_batch.c: NET_WRITEV and NET_READV on a socketpair standing in for a tap. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_batch.h"
#include "hypercall.h"
#include "net.h"
#include "uhvt_abi.h"

static struct vm vm;
static struct net_dev nic;
static int peer = -1;

#define MTU 1500U
#define ARG 0x8000U
#define FRAMES 0x9000U
#define DATA 0x10000U

static void setup(void)
{
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.quiet = true;
    vm.sig_fd = -1;
    vm.nfds = 0;
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
    nic = (struct net_dev){.fd = sv[0], .mtu = MTU, .mac = {2, 0, 0, 0, 0, 1}};
    peer = sv[1];
    vm.dev[0] = (struct vm_dev){.type = UHVT_DEV_NET, .poll_fd = sv[0], .state = &nic};
}
static void teardown(void)
{
    close(nic.fd);
    close(peer);
    memset(vm.dev, 0, sizeof(vm.dev));
    mem_fini(&vm.mem);
}
TestSuite(net_batch, .init = setup, .fini = teardown);

static struct uhvt_hc_batch batch(unsigned nr, uint32_t handle, uint64_t items,
                                  uint32_t count, int want_rc)
{
    struct uhvt_hc_batch a = {.handle = handle, .items = items, .count = count};
    memcpy(mem_ptr(&vm.mem, ARG, sizeof(a)), &a, sizeof(a));
    cr_assert_eq(hypercall_handle(&vm, UHVT_HC_PORT(nr), 4, 1, 1, ARG), want_rc);
    memcpy(&a, mem_ptr(&vm.mem, ARG, sizeof(a)), sizeof(a));
    return a;
}

static struct uhvt_net_frame *frames(unsigned n)
{
    return mem_ptr(&vm.mem, FRAMES, n * sizeof(struct uhvt_net_frame));
}

Test(net_batch, writev_sends_each_frame_in_order)
{
    uint8_t *d = mem_ptr(&vm.mem, DATA, 4 * 2048);
    struct uhvt_net_frame *f = frames(5);
    uint32_t lens[] = {60, 14, 13, MTU + 14, MTU + 15};
    for (unsigned i = 0; i < 5; i++) {
        memset(d + i * 2048, 'a' + i, 2048);
        f[i] = (struct uhvt_net_frame){.data = DATA + i * 2048, .len = lens[i], .ret = 77};
    }
    struct uhvt_hc_batch a = batch(UHVT_HC_NET_WRITEV, 0, FRAMES, 5, VM_CONTINUE);
    cr_assert_eq(a.ret, UHVT_OK);
    cr_assert_eq(a.done, 3);
    int32_t want[] = {UHVT_OK, UHVT_OK, UHVT_EINVAL, UHVT_OK, UHVT_EINVAL};
    for (unsigned i = 0; i < 5; i++)
        cr_assert_eq(f[i].ret, want[i], "frame %u: %d", i, f[i].ret);
    uint8_t got[4096];
    unsigned sent[] = {0, 1, 3};
    for (unsigned k = 0; k < 3; k++) {
        ssize_t n = recv(peer, got, sizeof(got), MSG_DONTWAIT);
        cr_assert_eq(n, (ssize_t)lens[sent[k]]);
        cr_assert_eq(got[0], 'a' + sent[k]);
    }
    cr_assert_lt(recv(peer, got, sizeof(got), MSG_DONTWAIT), 0, "nothing else");
}

Test(net_batch, readv_fills_buffers_in_arrival_order)
{
    uint8_t frame[2000];
    for (int i = 0; i < 3; i++) {
        memset(frame, '0' + i, sizeof(frame));
        cr_assert_eq(send(peer, frame, 100 + 100 * i, 0), 100 + 100 * i);
    }
    /* A frame longer than its buffer: dropped, its length told. */
    memset(frame, 'x', sizeof(frame));
    cr_assert_eq(send(peer, frame, 1514, 0), 1514);
    struct uhvt_net_frame *f = frames(6);
    for (unsigned i = 0; i < 6; i++)
        f[i] = (struct uhvt_net_frame){.data = DATA + i * 2048, .len = i == 3 ? 64 : 2048};
    f[5].len = 0;
    struct uhvt_hc_batch a = batch(UHVT_HC_NET_READV, 0, FRAMES, 6, VM_CONTINUE);
    cr_assert_eq(a.ret, UHVT_OK);
    cr_assert_eq(a.done, 3);
    const uint8_t *d = mem_ptr(&vm.mem, DATA, 6 * 2048);
    for (unsigned i = 0; i < 3; i++) {
        cr_assert_eq(f[i].ret, UHVT_OK);
        cr_assert_eq(f[i].len, 100 + 100 * i);
        cr_assert_eq(d[i * 2048], '0' + i);
        cr_assert_eq(d[i * 2048 + f[i].len - 1], '0' + i);
    }
    cr_assert_eq(f[3].ret, UHVT_EINVAL);
    cr_assert_eq(f[3].len, 1514);
    cr_assert_eq(f[4].ret, UHVT_EAGAIN, "no frame left");
    cr_assert_eq(f[4].len, 0);
    cr_assert_eq(f[5].ret, UHVT_EINVAL, "an empty buffer");
    /* Nothing waiting: every buffer EAGAIN, and the call does not block. */
    a = batch(UHVT_HC_NET_READV, 0, FRAMES, 2, VM_CONTINUE);
    cr_assert_eq(a.done, 0);
    cr_assert_eq(f[0].ret, UHVT_EAGAIN);
}

Test(net_batch, whole_call_refusals)
{
    struct uhvt_net_frame *f = frames(1);
    f[0] = (struct uhvt_net_frame){.data = DATA, .len = 60};
    uint32_t bad[] = {1, 2, UHVT_MANIFEST_MAX, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(batch(UHVT_HC_NET_WRITEV, bad[i], FRAMES, 1, VM_CONTINUE).ret, UHVT_ENODEV);
        cr_assert_eq(batch(UHVT_HC_NET_READV, bad[i], FRAMES, 1, VM_CONTINUE).ret, UHVT_ENODEV);
    }
    cr_assert_eq(batch(UHVT_HC_NET_WRITEV, 0, FRAMES, 0, VM_CONTINUE).ret, UHVT_EINVAL);
    cr_assert_eq(batch(UHVT_HC_NET_READV, 0, FRAMES, UHVT_BATCH_MAX + 1, VM_CONTINUE).ret,
                 UHVT_EINVAL);
    /* A disk is no NIC. */
    vm.dev[3] = (struct vm_dev){.type = UHVT_DEV_BLOCK, .poll_fd = -1, .state = &nic};
    cr_assert_eq(batch(UHVT_HC_NET_WRITEV, 3, FRAMES, 1, VM_CONTINUE).ret, UHVT_ENODEV);
}

Test(net_batch, outside_memory_ends_the_guest_before_sending)
{
    uint64_t top = vm.mem.size;
    batch(UHVT_HC_NET_WRITEV, 0, top - 8, 1, UHVT_EXIT_BAD_HYPERCALL);
    batch(UHVT_HC_NET_READV, 0, FRAMES + 4, 1, UHVT_EXIT_BAD_HYPERCALL);
    struct uhvt_net_frame *f = frames(2);
    f[0] = (struct uhvt_net_frame){.data = DATA, .len = 60};
    f[1] = (struct uhvt_net_frame){.data = top - 30, .len = 60};
    batch(UHVT_HC_NET_WRITEV, 0, FRAMES, 2, UHVT_EXIT_BAD_HYPERCALL);
    uint8_t got[100];
    cr_assert_lt(recv(peer, got, sizeof(got), MSG_DONTWAIT), 0, "the valid frame was not sent");
    f[1] = (struct uhvt_net_frame){.data = UINT64_MAX - 10, .len = 60};
    batch(UHVT_HC_NET_READV, 0, FRAMES, 2, UHVT_EXIT_BAD_HYPERCALL);
    /* Lengths are checked first: an invalid frame's buffer is not looked at. */
    f[1] = (struct uhvt_net_frame){.data = top - 30, .len = 13};
    cr_assert_eq(batch(UHVT_HC_NET_WRITEV, 0, FRAMES, 2, VM_CONTINUE).done, 1);
}
