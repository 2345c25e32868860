/* fuzz_hypercall.c: libFuzzer harness: a fuzzed exit and guest memory image through the dispatcher. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "hypercall.h"
#include "uhvt_abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: port (2 bytes, folded into the hypercall range and a little
 * around it), size, count, direction, value (4 bytes), then guest memory
 * from 0x1000 on.  POLL is left out: a fuzzed timeout would sleep for
 * years, which is the guest's right, not a bug.
 */
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
    hypercall_handle(&vm, port, width, count, out, value);
    memset(low, 0, img);
    return 0;
}
