/* fuzz_hypercall.c: libFuzzer harness: a fuzzed exit and guest memory image through the dispatcher. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/socket.h>

#include "net_batch.h"
#include "blk.h"
#include "hypercall.h"
#include "net.h"
#include "blk_queue.h"
#include "solo5_hypercall.h"
#include "uhvt_abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: port (2 bytes, folded into the hypercall range and a little
 * around it), size, count, direction (bit 0; bit 1 picks Solo5's ABI and
 * its dispatcher, solo5_hypercall.c, over the same devices), value (4
 * bytes), then guest memory from 0x1000 on.  POLL is left out: a fuzzed timeout would sleep for
 * years, which is the guest's right, not a bug.  Handle 0 is a NIC on a
 * socketpair, 1 a 64 KiB disk, 2 the same disk read-only, each with its
 * io_uring as uhvt sets them up, so the batched calls run for real (disk
 * requests stay in flight across inputs, filling the queue as a guest can).
 */
static int net_peer = -1;

static void attach_devices(struct vm *vm)
{
    static struct net_dev nic = {.mtu = 1500, .mac = {2, 0, 0, 0, 0, 1}};
    char why[OPTIONS_WHY_MAX];
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) == 0) {
        nic.fd = sv[0];
        net_peer = sv[1];
        vm->dev[0] = (struct vm_dev){.type = UHVT_DEV_NET, .poll_fd = sv[0], .state = &nic};
    }
    int disk = memfd_create("fuzz_disk", 0);
    if (disk >= 0 && ftruncate(disk, 64 << 10) == 0) {
        static struct blk_dev rw, ro;
        rw = (struct blk_dev){.fd = disk, .capacity = 64 << 10, .sector_size = 512};
        ro = rw;
        ro.read_only = true;
        vm->dev[1] = (struct vm_dev){.type = UHVT_DEV_BLOCK, .poll_fd = -1, .state = &rw};
        vm->dev[2] = (struct vm_dev){.type = UHVT_DEV_BLOCK, .poll_fd = -1, .state = &ro};
        blk_queue_init(vm, 1, &rw, disk, why);
        blk_queue_init(vm, 2, &ro, disk, why);
    }
}
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vm vm;
    if (vm.mem.base == NULL) {
        if (mem_init(&vm.mem, MEM_MIN) < 0)
            return 0;
        vm.quiet = true;
        vm.sig_fd = -1;
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO); /* console output */
        attach_devices(&vm);
    }
    if (size < 9)
        return 0;
    uint16_t port = (uint16_t)(UHVT_HC_PIO_BASE - 2 + (data[0] | data[1] << 8) % 24);
    uint8_t width = data[2];
    uint32_t count = data[3];
    int out = data[4] & 1;
    uint32_t value;
    memcpy(&value, data + 5, 4);
    value %= (uint32_t)vm.mem.size + 64;
    if (port == UHVT_HC_PORT(UHVT_HC_POLL))
        return 0;
    size_t img = size - 9 < vm.mem.size - 0x1000 ? size - 9 : vm.mem.size - 0x1000;
    uint8_t *low = mem_ptr(&vm.mem, 0x1000, img);
    memcpy(low, data + 9, img);
    /* Give NET_READ a frame to find, then drain what NET_WRITE sent. */
    send(net_peer, data, size < 1514 ? size : 1514, MSG_DONTWAIT);
    if (data[4] & 2)
        solo5_hypercall_handle(&vm, port, width, count, out, value);
    else
        hypercall_handle(&vm, port, width, count, out, value);
    uint8_t frame[9014];
    while (recv(net_peer, frame, sizeof(frame), MSG_DONTWAIT) > 0)
        ;
    memset(low, 0, img);
    return 0;
}
