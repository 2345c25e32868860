/* mount_toy.c: test guest with its own disk filesystem (a toy standing in for ext2/ext4 behind guest/vfs.h): proves the mount at /data, read-only mounts (EROFS), EXDEV, and that the runtime unmounts at exit and at abort. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "uhvt.h"
#include "vfs.h"

/*
 * The toy's disk: sector 0 holds the text of its one file, /hello, up to
 * 511 bytes and a NUL; the file lives in memory from mount to unmount,
 * which writes it back (unless mounted read-only).  A disk starting with
 * "BAD" is refused as damaged.  The image defines __uhvt_extfs_type
 * itself, so uhvt-cc's ext2/ext4 archive is not linked.
 */

#define SECTOR 512

static struct toy {
    int handle, ro;
    char text[SECTOR];
    size_t size;
} toy;

static long toy_lookup(void *fs, uint64_t dir, const char *name, size_t len,
                       uint64_t *ino)
{
    (void)fs;
    if (dir != 1)
        return -ENOTDIR;
    if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2)))
        *ino = 1;
    else if (len == 5 && memcmp(name, "hello", 5) == 0)
        *ino = 2;
    else
        return -ENOENT;
    return 0;
}

static long toy_getattr(void *fs, uint64_t ino, struct stat *st)
{
    (void)fs;
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_mode = ino == 1 ? S_IFDIR | 0755 : S_IFREG | 0644;
    st->st_nlink = ino == 1 ? 2 : 1;
    st->st_size = ino == 1 ? 0 : (off_t)toy.size;
    st->st_blksize = SECTOR;
    return 0;
}

static long toy_setattr(void *fs, uint64_t ino, const struct vfs_attr *a)
{
    (void)fs;
    if (a->mask & VFS_ATTR_SIZE) {
        if (ino != 2)
            return -EINVAL;
        if (a->size >= SECTOR)
            return -EFBIG;
        if (a->size > toy.size)
            memset(toy.text + toy.size, 0, a->size - toy.size);
        toy.size = a->size;
    }
    return 0;
}

static long toy_create(void *fs, uint64_t dir, const char *name, size_t len,
                       mode_t mode, const char *target, uid_t uid, gid_t gid,
                       uint64_t *ino)
{
    (void)fs, (void)dir, (void)name, (void)len, (void)mode, (void)target;
    (void)uid, (void)gid, (void)ino;
    return -ENOSPC;
}

static long toy_link(void *fs, uint64_t dir, const char *name, size_t len,
                     uint64_t ino)
{
    (void)fs, (void)dir, (void)name, (void)len, (void)ino;
    return -ENOSPC;
}

static long toy_unlink(void *fs, uint64_t parent, const char *name, size_t len,
                       int dir)
{
    (void)fs, (void)parent, (void)name, (void)len, (void)dir;
    return -EPERM;
}

static long toy_rename(void *fs, uint64_t od, const char *on, size_t ol,
                       uint64_t nd, const char *nn, size_t nl, unsigned flags)
{
    (void)fs, (void)od, (void)on, (void)ol, (void)nd, (void)nn, (void)nl;
    (void)flags;
    return -EPERM;
}

static long toy_readlink(void *fs, uint64_t ino, char *buf, size_t len)
{
    (void)fs, (void)ino, (void)buf, (void)len;
    return -EINVAL;
}

static long toy_open(void *fs, uint64_t ino)
{
    (void)fs, (void)ino;
    return 0;
}

static void toy_release(void *fs, uint64_t ino)
{
    (void)fs, (void)ino;
}

static long toy_read(void *fs, uint64_t ino, void *buf, size_t len,
                     uint64_t off)
{
    (void)fs;
    if (ino != 2)
        return -EISDIR;
    if (off >= toy.size)
        return 0;
    if (len > toy.size - off)
        len = toy.size - (size_t)off;
    memcpy(buf, toy.text + off, len);
    return (long)len;
}

static long toy_write(void *fs, uint64_t ino, const void *buf, size_t len,
                      uint64_t off)
{
    (void)fs;
    if (ino != 2)
        return -EISDIR;
    if (off >= SECTOR - 1)
        return -ENOSPC;
    if (len > SECTOR - 1 - off)
        len = SECTOR - 1 - (size_t)off;
    memcpy(toy.text + off, buf, len);
    if (off + len > toy.size)
        toy.size = (size_t)off + len;
    return (long)len;
}

static long toy_readdir(void *fs, uint64_t dir, uint64_t *pos,
                        vfs_filldir fill, void *ctx)
{
    static const char *const names[] = { ".", "..", "hello" };

    (void)fs, (void)dir;
    for (; *pos < 3; (*pos)++)
        if (fill(ctx, names[*pos], strlen(names[*pos]), *pos < 2 ? 1 : 2,
                 *pos < 2 ? 4 : 8, *pos + 1))
            break;
    return 0;
}

/* The file back to sector 0, then a flush: durable. */
static long toy_fsync(void *fs, uint64_t ino, int datasync)
{
    char sector[SECTOR] = { 0 };

    (void)fs, (void)ino, (void)datasync;
    if (toy.ro)
        return 0;
    memcpy(sector, toy.text, toy.size);
    if (uhvt_blk_write(toy.handle, 0, sector, SECTOR) != 0 ||
        uhvt_blk_flush(toy.handle) != 0)
        return -EIO;
    return 0;
}

static long toy_statfs(void *fs, struct statfs *sf)
{
    (void)fs;
    memset(sf, 0, sizeof *sf);
    sf->f_type = 0x70790000;
    sf->f_bsize = SECTOR;
    sf->f_blocks = 1;
    sf->f_namelen = 255;
    return 0;
}

static long toy_unmount(void *fs)
{
    /* Written through the runtime's console: stdio may be gone by now. */
    static const char msg[] = "toy: unmount\n";
    write(1, msg, sizeof msg - 1);
    return toy_fsync(fs, 2, 0);
}

static const struct vfs_ops toy_ops = {
    toy_lookup, toy_getattr, toy_setattr, toy_create, toy_link, toy_unlink,
    toy_rename, toy_readlink, toy_open, toy_release, toy_read, toy_write,
    toy_readdir, toy_fsync, toy_statfs, NULL, toy_unmount,
};

static long toy_mount(int handle, int read_only, void **fs, uint64_t *root)
{
    if (uhvt_blk_read(handle, 0, toy.text, SECTOR) != 0)
        return -EIO;
    if (memcmp(toy.text, "BAD", 3) == 0)
        return -EUCLEAN;
    toy.text[SECTOR - 1] = '\0';
    toy.size = strlen(toy.text);
    toy.handle = handle;
    toy.ro = read_only;
    *fs = &toy;
    *root = 1;
    return 0;
}

const struct vfs_type __uhvt_extfs_type = { "toy", &toy_ops, toy_mount };

int main(int argc, char **argv)
{
    char buf[SECTOR] = "";
    struct statvfs sv;
    int fd = open("/data/hello", O_RDONLY);

    if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) {
        perror("/data/hello");
        return 1;
    }
    close(fd);
    printf("read: %s\n", buf);
    printf("statvfs: %s\n", statvfs("/data", &sv) != 0 ? strerror(errno) :
                            (sv.f_flag & ST_RDONLY) ? "read-only" : "read-write");
    printf("rename to /tmp: %s\n", rename("/data/hello", "/tmp/hello") ?
                                       strerror(errno) : "done");
    fd = open("/data/hello", O_WRONLY | O_TRUNC);
    if (fd < 0) {
        printf("open for writing: %s\n", strerror(errno));
        printf("access W_OK: %s\n", access("/data/hello", W_OK) ?
                                        strerror(errno) : "ok");
        return 0;
    }
    const char *text = argc > 1 ? argv[1] : "written by the guest";
    printf("write: %ld\n", (long)write(fd, text, strlen(text)));
    close(fd);
    if (argc > 2 && strcmp(argv[2], "abort") == 0) {
        puts("aborting");
        abort();
    }
    puts("exiting");
    return 0;
}
