/* blk.c: block devices, guest side: thin wrappers over the block hypercalls. */
#include "hypercall.h"
#include "runtime.h"
#include "uhvt.h"

/*
 * No checks are repeated here that the monitor makes anyway: it is the one
 * judge of a request, and the guest gets its answer as -(enum uhvt_ret).
 * Only what the 32-bit ABI fields cannot carry is refused locally.
 */

PUBLIC int uhvt_blk_info(int handle, uint64_t *capacity, uint32_t *sector_size,
                         int *read_only)
{
    if (handle < 0)
        return -UHVT_ENODEV;
    struct uhvt_hc_blk_info a = { .handle = (uint32_t)handle };

    hypercall(UHVT_HC_BLK_INFO, &a);
    if (a.ret != UHVT_OK)
        return -a.ret;
    if (capacity != NULL)
        *capacity = a.capacity;
    if (sector_size != NULL)
        *sector_size = a.sector_size;
    if (read_only != NULL)
        *read_only = a.read_only != 0;
    return 0;
}

static int blk_io(enum uhvt_hypercall nr, int handle, uint64_t offset,
                  const void *buf, size_t len)
{
    if (handle < 0)
        return -UHVT_ENODEV;
    if (len > UINT32_MAX)
        return -UHVT_EINVAL;
    struct uhvt_hc_blk_io a = {
        .handle = (uint32_t)handle,
        .offset = offset,
        .data = (uintptr_t)buf,
        .len = (uint32_t)len,
    };

    hypercall(nr, &a);
    return -a.ret;
}

PUBLIC int uhvt_blk_read(int handle, uint64_t offset, void *buf, size_t len)
{
    return blk_io(UHVT_HC_BLK_READ, handle, offset, buf, len);
}

PUBLIC int uhvt_blk_write(int handle, uint64_t offset, const void *buf,
                          size_t len)
{
    return blk_io(UHVT_HC_BLK_WRITE, handle, offset, buf, len);
}

PUBLIC int uhvt_blk_flush(int handle)
{
    if (handle < 0)
        return -UHVT_ENODEV;
    struct uhvt_hc_blk_flush a = { .handle = (uint32_t)handle };

    hypercall(UHVT_HC_BLK_FLUSH, &a);
    return -a.ret;
}

/* The batched calls: one hypercall for an array of descriptors. */
static int blk_batch(enum uhvt_hypercall nr, int handle, const void *items,
                     unsigned count)
{
    if (handle < 0)
        return -UHVT_ENODEV;
    struct uhvt_hc_batch a = {
        .handle = (uint32_t)handle,
        .items = (uintptr_t)items,
        .count = count,
    };

    hypercall(nr, &a);
    return a.ret != UHVT_OK ? -a.ret : (int)a.done;
}

PUBLIC int uhvt_blk_submit(int handle, const struct uhvt_blk_req *reqs,
                           unsigned count)
{
    int rc = blk_batch(UHVT_HC_BLK_SUBMIT, handle, reqs, count);
    return rc < 0 ? rc : 0;
}

PUBLIC int uhvt_blk_reap(int handle, struct uhvt_blk_done *done, unsigned max)
{
    return blk_batch(UHVT_HC_BLK_REAP, handle, done, max);
}
