/* fuzz_snapfile.c: libFuzzer harness: any bytes as a snapshot file through its parser and the match check. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snapfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("fuzz_snapfile", 0);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    struct snapfile s;
    char why[WHY_MAX];
    if (snapfile_read(fd, &s, why) < 0)
        return 0;
    snapfile_match(&s.h, "0.1", 0, 0, SNAPFILE_KVM_PVM, why);
    /* What a restore does with a file the parser passed: every run inside. */
    for (uint32_t i = 0; i < s.h.nruns; i++)
        if (s.runs[i].gpa + s.runs[i].pages * SNAPFILE_PAGE > s.h.mem_size ||
            s.runs[i].offset + s.runs[i].pages * SNAPFILE_PAGE > s.h.file_size)
            __builtin_trap();
    snapfile_free(&s);
    return 0;
}
