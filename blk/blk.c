/* blk.c: block devices, monitor side: attach a disk, serve its hypercalls. */
#include "blk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk_file.h"
#include "blk_queue.h"
#include "uhvt_abi.h"

int blk_check(const struct blk_dev *d, uint64_t offset, uint64_t len)
{
    if (len == 0 || len > UHVT_BLK_IO_MAX)
        return UHVT_EINVAL;
    if (offset % d->sector_size != 0 || len % d->sector_size != 0)
        return UHVT_EINVAL;
    /* offset + len <= capacity, written so that nothing can wrap. */
    if (offset > d->capacity || len > d->capacity - offset)
        return UHVT_EINVAL;
    return UHVT_OK;
}

int blk_attach(struct vm *vm, uint32_t index, const struct options *o,
               bool only, char why[OPTIONS_WHY_MAX])
{
    const char *name = vm->img.manifest.e[index].name;
    const char *path = options_dev_value(o, &blk_device, BLK_OPT_FILE, name, only);
    bool read_only = options_dev_value(o, &blk_device, BLK_OPT_RO, name, only) != NULL;
    const char *sector = options_dev_value(o, &blk_device, BLK_OPT_SECTOR, name, only);
    const char *solo5_sector =
        options_dev_value(o, &blk_device, BLK_OPT_SECTOR_SIZE, name, only);
    if (sector != NULL && solo5_sector != NULL) {
        snprintf(why, OPTIONS_WHY_MAX,
                 "--block-sector and --block-sector-size both given");
        return -1;
    }
    if (sector == NULL)
        sector = solo5_sector;
    uint32_t sector_size = 512;
    if (sector != NULL) {
        if (strcmp(sector, "512") == 0) {
            sector_size = 512;
        } else if (strcmp(sector, "4096") == 0) {
            sector_size = 4096;
        } else {
            snprintf(why, OPTIONS_WHY_MAX,
                     "--block-sector=%s: the sector size is 512 or 4096", sector);
            return -1;
        }
    }

    uint64_t capacity;
    int fd = blk_file_open(path, read_only, sector_size, &capacity, why);
    if (fd < 0)
        return -1;
    struct blk_dev *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        close(fd);
        snprintf(why, OPTIONS_WHY_MAX, "out of memory");
        return -1;
    }
    *d = (struct blk_dev){
        .fd = fd,
        .capacity = capacity,
        .sector_size = sector_size,
        .read_only = read_only,
    };
    /* Synchronous requests need no poll; batched ones (blk_queue.c) do. */
    vm->dev[index] = (struct vm_dev){
        .type = UHVT_DEV_BLOCK, .poll_fd = -1, .state = d,
    };
    vm_fd_register(vm, fd, read_only ? VM_FD_PREAD
                                     : VM_FD_PREAD | VM_FD_PWRITE | VM_FD_SYNC);
    /* The ring gets a description of its own, without the lock (blk_file.h). */
    int ring_file = blk_file_reopen(fd, path, read_only, why);
    if (ring_file < 0)
        return -1;
    int rc = blk_queue_init(vm, index, d, ring_file, why);
    close(ring_file); /* the ring holds its own reference */
    return rc;
}

int blk_info(struct vm *vm, void *arg)
{
    struct uhvt_hc_blk_info *a = arg;
    const struct blk_dev *d = vm_dev(vm, a->handle, UHVT_DEV_BLOCK);
    if (d == NULL) {
        a->ret = UHVT_ENODEV;
        return VM_CONTINUE;
    }
    a->capacity = d->capacity;
    a->sector_size = d->sector_size;
    a->read_only = d->read_only;
    a->ret = UHVT_OK;
    return VM_CONTINUE;
}

/*
 * The whole of [offset, offset + len) read into or written from `buf`,
 * retrying short transfers and EINTR.  Returns UHVT_OK or UHVT_EIO (an
 * error, or end of file: the file shrank under us).
 */
static int blk_transfer(int fd, bool write, uint8_t *buf, uint64_t offset,
                        size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = write ? pwrite(fd, buf + done, len - done, (off_t)(offset + done))
                          : pread(fd, buf + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return UHVT_EIO;
        done += (size_t)n;
    }
    return UHVT_OK;
}

static int blk_io(struct vm *vm, struct uhvt_hc_blk_io *a, bool write)
{
    struct blk_dev *d = vm_dev(vm, a->handle, UHVT_DEV_BLOCK);
    if (d == NULL) {
        a->ret = UHVT_ENODEV;
        return VM_CONTINUE;
    }
    if (write && d->read_only) {
        a->ret = UHVT_EROFS;
        return VM_CONTINUE;
    }
    a->ret = blk_check(d, a->offset, a->len);
    if (a->ret != UHVT_OK)
        return VM_CONTINUE;
    uint8_t *buf = mem_ptr(&vm->mem, a->data, a->len);
    if (buf == NULL) {
        vm_report(vm, "guest disk %s outside guest memory (0x%llx, %u bytes)",
                  write ? "write from" : "read into",
                  (unsigned long long)a->data, a->len);
        return UHVT_EXIT_BAD_HYPERCALL;
    }
    if (write) /* an asynchronous flush may have failed meanwhile */
        blk_queue_collect(d);
    if (write && d->failed) {
        a->ret = UHVT_EIO;
        return VM_CONTINUE;
    }
    /* offset + len <= capacity, which fits off_t (the kernel gave it). */
    a->ret = blk_transfer(d->fd, write, buf, a->offset, a->len);
    return VM_CONTINUE;
}

int blk_read(struct vm *vm, void *arg)
{
    return blk_io(vm, arg, false);
}

int blk_write(struct vm *vm, void *arg)
{
    return blk_io(vm, arg, true);
}

int blk_flush(struct vm *vm, void *arg)
{
    struct uhvt_hc_blk_flush *a = arg;
    struct blk_dev *d = vm_dev(vm, a->handle, UHVT_DEV_BLOCK);
    if (d == NULL) {
        a->ret = UHVT_ENODEV;
        return VM_CONTINUE;
    }
    /* A read-only disk has no writes to make durable (nor the right to). */
    if (d->read_only) {
        a->ret = UHVT_OK;
        return VM_CONTINUE;
    }
    blk_queue_collect(d);
    if (d->failed) {
        a->ret = UHVT_EIO;
        return VM_CONTINUE;
    }
    int rc;
    do
        rc = fdatasync(d->fd);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        d->failed = true;
    a->ret = rc < 0 ? UHVT_EIO : UHVT_OK;
    return VM_CONTINUE;
}

static const struct device_option blk_options[] = {
    [BLK_OPT_FILE] = {"--block", false, "=FILE",
                      "attach disk NAME to FILE (size: whole sectors)"},
    [BLK_OPT_RO] = {"--block-ro", true, NULL, "attach it read-only"},
    [BLK_OPT_SECTOR] = {"--block-sector", false, "=N",
                        "sector size 512 (default) or 4096"},
    [BLK_OPT_SECTOR_SIZE] = {"--block-sector-size", false, "=N",
                             "the same, as solo5-hvt spells it"},
    {NULL, false, NULL, NULL},
};

_Static_assert(sizeof(struct uhvt_hc_blk_info) <= HYPERCALL_ARG_MAX, "arg size");
_Static_assert(sizeof(struct uhvt_hc_blk_io) <= HYPERCALL_ARG_MAX, "arg size");
_Static_assert(sizeof(struct uhvt_hc_blk_flush) <= HYPERCALL_ARG_MAX, "arg size");
_Static_assert(sizeof(struct uhvt_hc_batch) <= HYPERCALL_ARG_MAX, "arg size");

static const struct device_call blk_calls[] = {
    {UHVT_HC_BLK_INFO, sizeof(struct uhvt_hc_blk_info), blk_info},
    {UHVT_HC_BLK_WRITE, sizeof(struct uhvt_hc_blk_io), blk_write},
    {UHVT_HC_BLK_READ, sizeof(struct uhvt_hc_blk_io), blk_read},
    {UHVT_HC_BLK_FLUSH, sizeof(struct uhvt_hc_blk_flush), blk_flush},
    {UHVT_HC_BLK_SUBMIT, sizeof(struct uhvt_hc_batch), blk_submit},
    {UHVT_HC_BLK_REAP, sizeof(struct uhvt_hc_batch), blk_reap},
    {0, 0, NULL},
};

const struct device_type blk_device = {
    .type = UHVT_DEV_BLOCK,
    .what = "disk",
    .options = blk_options,
    .attach = blk_attach,
    .calls = blk_calls,
};
DEVICE_MODULE(blk_device);
