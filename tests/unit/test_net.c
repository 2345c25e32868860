/* test_net.c: the net hypercalls' checks, on a socketpair standing in for a tap. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hypercall.h"
#include "net.h"
#include "uhvt_abi.h"

static struct vm vm;
static struct net_dev nic;
static int peer = -1;

#define MTU 1500U
#define ARG 0x8000U  /* the argument struct */
#define DATA 0x10000U /* frame buffers */

static void setup(void)
{
    cr_assert_eq(mem_init(&vm.mem, MEM_MIN), 0);
    vm.quiet = true;
    vm.sig_fd = -1;
    int sv[2];
    /* One message per frame, like a tap; the monitor's end non-blocking. */
    cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
    nic = (struct net_dev){.fd = sv[0], .mtu = MTU, .mac = {2, 0, 0, 0, 0, 1}};
    peer = sv[1];
    vm.dev[0] = (struct vm_dev){.type = UHVT_DEV_NET, .poll_fd = sv[0], .state = &nic};
    /* Handle 1 is a disk: the wrong type for the net calls. */
    vm.dev[1] = (struct vm_dev){.type = UHVT_DEV_BLOCK, .poll_fd = -1, .state = &nic};
}
static void teardown(void)
{
    close(nic.fd);
    close(peer);
    memset(vm.dev, 0, sizeof(vm.dev));
    mem_fini(&vm.mem);
}
TestSuite(net, .init = setup, .fini = teardown);

static int call(unsigned nr, const void *a, size_t size)
{
    memcpy(mem_ptr(&vm.mem, ARG, size), a, size);
    return hypercall_handle(&vm, UHVT_HC_PORT(nr), 4, 1, 1, ARG);
}
static struct uhvt_hc_net_io io(unsigned nr, uint32_t handle, uint64_t data,
                                uint32_t len, int *rc)
{
    struct uhvt_hc_net_io a = {.handle = handle, .data = data, .len = len};
    *rc = call(nr, &a, sizeof(a));
    memcpy(&a, mem_ptr(&vm.mem, ARG, sizeof(a)), sizeof(a));
    return a;
}

Test(net, info)
{
    struct uhvt_hc_net_info a = {.handle = 0, .ret = -1};
    cr_assert_eq(call(UHVT_HC_NET_INFO, &a, sizeof(a)), VM_CONTINUE);
    memcpy(&a, mem_ptr(&vm.mem, ARG, sizeof(a)), sizeof(a));
    cr_assert_eq(a.ret, UHVT_OK);
    cr_assert_eq(a.mtu, MTU);
    cr_assert_arr_eq(a.mac, nic.mac, 6);
}

Test(net, wrong_handles_get_enodev)
{
    uint32_t bad[] = {1, 2, UHVT_MANIFEST_MAX - 1, UHVT_MANIFEST_MAX, 0x80000000U,
                      0xffffffffU};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct uhvt_hc_net_info a = {.handle = bad[i]};
        cr_assert_eq(call(UHVT_HC_NET_INFO, &a, sizeof(a)), VM_CONTINUE);
        memcpy(&a, mem_ptr(&vm.mem, ARG, sizeof(a)), sizeof(a));
        cr_assert_eq(a.ret, UHVT_ENODEV, "handle %u", bad[i]);
        int rc;
        cr_assert_eq(io(UHVT_HC_NET_WRITE, bad[i], DATA, 60, &rc).ret, UHVT_ENODEV);
        cr_assert_eq(rc, VM_CONTINUE);
        cr_assert_eq(io(UHVT_HC_NET_READ, bad[i], DATA, 60, &rc).ret, UHVT_ENODEV);
        cr_assert_eq(rc, VM_CONTINUE);
    }
}

Test(net, write_lengths)
{
    int rc;
    uint32_t bad[] = {0, 1, 13, MTU + 15, MTU + 1000, 0xffffffffU};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(io(UHVT_HC_NET_WRITE, 0, DATA, bad[i], &rc).ret, UHVT_EINVAL,
                     "len %u", bad[i]);
        cr_assert_eq(rc, VM_CONTINUE);
    }
    uint8_t got[2 * MTU];
    cr_assert_eq(recv(peer, got, sizeof(got), MSG_DONTWAIT), -1, "nothing was sent");

    /* The largest frame goes out whole, byte for byte. */
    uint8_t *p = mem_ptr(&vm.mem, DATA, MTU + 14);
    for (unsigned i = 0; i < MTU + 14; i++)
        p[i] = (uint8_t)(i * 7);
    cr_assert_eq(io(UHVT_HC_NET_WRITE, 0, DATA, MTU + 14, &rc).ret, UHVT_OK);
    cr_assert_eq(recv(peer, got, sizeof(got), MSG_DONTWAIT), MTU + 14);
    cr_assert_arr_eq(got, p, MTU + 14);
    cr_assert_eq(io(UHVT_HC_NET_WRITE, 0, DATA, 14, &rc).ret, UHVT_OK);
    cr_assert_eq(recv(peer, got, sizeof(got), MSG_DONTWAIT), 14);
}

Test(net, buffers_outside_memory_end_the_guest)
{
    uint64_t size = vm.mem.size;
    struct {
        uint64_t data;
        uint32_t len;
    } bad[] = {
        {size, 60},          /* just past the end */
        {size - 59, 60},     /* straddling the end */
        {0xfffffffffffffff0ULL, 60}, /* wrapping around */
        {1ULL << 40, 60},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc;
        io(UHVT_HC_NET_WRITE, 0, bad[i].data, bad[i].len, &rc);
        cr_assert_eq(rc, UHVT_EXIT_BAD_HYPERCALL, "write %zu", i);
        io(UHVT_HC_NET_READ, 0, bad[i].data, bad[i].len, &rc);
        cr_assert_eq(rc, UHVT_EXIT_BAD_HYPERCALL, "read %zu", i);
    }
    /* A read buffer too big for memory, wherever it starts. */
    int rc;
    io(UHVT_HC_NET_READ, 0, DATA, 0xffffffffU, &rc);
    cr_assert_eq(rc, UHVT_EXIT_BAD_HYPERCALL);
    /* The last bytes of memory are fine. */
    cr_assert_eq(io(UHVT_HC_NET_WRITE, 0, size - 60, 60, &rc).ret, UHVT_OK);
    cr_assert_eq(rc, VM_CONTINUE);
}

Test(net, read_empty_is_eagain)
{
    int rc;
    struct uhvt_hc_net_io a = io(UHVT_HC_NET_READ, 0, DATA, MTU + 14, &rc);
    cr_assert_eq(rc, VM_CONTINUE);
    cr_assert_eq(a.ret, UHVT_EAGAIN);
    cr_assert_eq(a.len, 0);
    cr_assert_eq(io(UHVT_HC_NET_READ, 0, DATA, 0, &rc).ret, UHVT_EINVAL);
}

Test(net, read_one_frame_at_a_time)
{
    uint8_t a[60], b[100];
    memset(a, 0xaa, sizeof(a));
    memset(b, 0xbb, sizeof(b));
    cr_assert_eq(send(peer, a, sizeof(a), 0), (ssize_t)sizeof(a));
    cr_assert_eq(send(peer, b, sizeof(b), 0), (ssize_t)sizeof(b));
    int rc;
    struct uhvt_hc_net_io r = io(UHVT_HC_NET_READ, 0, DATA, MTU + 14, &rc);
    cr_assert_eq(r.ret, UHVT_OK);
    cr_assert_eq(r.len, sizeof(a));
    cr_assert_arr_eq(mem_ptr(&vm.mem, DATA, sizeof(a)), a, sizeof(a));
    r = io(UHVT_HC_NET_READ, 0, DATA, MTU + 14, &rc);
    cr_assert_eq(r.ret, UHVT_OK);
    cr_assert_eq(r.len, sizeof(b));
    cr_assert_arr_eq(mem_ptr(&vm.mem, DATA, sizeof(b)), b, sizeof(b));
    cr_assert_eq(io(UHVT_HC_NET_READ, 0, DATA, MTU + 14, &rc).ret, UHVT_EAGAIN);
}

Test(net, frame_longer_than_buffer_is_dropped)
{
    uint8_t big[200], next[60];
    memset(big, 0xcc, sizeof(big));
    memset(next, 0xdd, sizeof(next));
    cr_assert_eq(send(peer, big, sizeof(big), 0), (ssize_t)sizeof(big));
    cr_assert_eq(send(peer, next, sizeof(next), 0), (ssize_t)sizeof(next));
    uint8_t *buf = mem_ptr(&vm.mem, DATA, 200);
    memset(buf, 0x11, 200);
    int rc;
    struct uhvt_hc_net_io r = io(UHVT_HC_NET_READ, 0, DATA, 199, &rc);
    cr_assert_eq(rc, VM_CONTINUE);
    cr_assert_eq(r.ret, UHVT_EINVAL);
    cr_assert_eq(r.len, sizeof(big), "the frame's length is reported");
    /* What the buffer holds is unspecified, but nothing past it changed. */
    cr_assert_eq(buf[199], 0x11, "written past the buffer");
    /* The dropped frame is gone: the next read gets the next one. */
    r = io(UHVT_HC_NET_READ, 0, DATA, 60, &rc);
    cr_assert_eq(r.ret, UHVT_OK);
    cr_assert_eq(r.len, sizeof(next));
    cr_assert_arr_eq(buf, next, sizeof(next));
}

Test(net, mac_parse)
{
    uint8_t mac[6];
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(net_mac_parse("02:aB:cd:EF:00:9f", mac, why), 0);
    uint8_t want[6] = {0x02, 0xab, 0xcd, 0xef, 0x00, 0x9f};
    cr_assert_arr_eq(mac, want, 6);
    const char *bad[] = {
        "", "02", "02:00:00:00:00", "02:00:00:00:00:01:", "02:00:00:00:00:1",
        "02:00:00:00:00:001", "02-00-00-00-00-01", "0g:00:00:00:00:01",
        " 02:00:00:00:00:01", "020000000001",
        "01:00:5e:00:00:01", /* multicast */
        "ff:ff:ff:ff:ff:ff", /* broadcast */
        "00:00:00:00:00:00",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(net_mac_parse(bad[i], mac, why), -1, "'%s'", bad[i]);
}

Test(net, mac_default_is_stable_local_unicast)
{
    uint8_t a[6], b[6], c[6], d[6];
    net_mac_default("tap0", "net0", a);
    net_mac_default("tap0", "net0", b);
    net_mac_default("tap0", "net1", c);
    net_mac_default("tap", "0net0", d);
    cr_assert_arr_eq(a, b, 6);
    cr_assert_arr_neq(a, c, 6);
    cr_assert_arr_neq(a, d, 6);
    cr_assert_eq(a[0] & 3, 2, "locally administered unicast");
    cr_assert_eq(c[0] & 3, 2);
}
