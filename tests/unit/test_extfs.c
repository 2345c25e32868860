/* test_extfs.c: the ext filesystem (guest/extfs/) on a file standing in for the disk, checked by e2fsck and debugfs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../guest/include/uhvt.h"
#include "../../guest/vfs.h"

extern const struct vfs_type __uhvt_extfs_type;
#define OPS (__uhvt_extfs_type.ops)

/*
 * The disk: handle 0 is `disk_fd`, with the monitor's checks (aligned,
 * in range, at most UHVT_BLK_IO_MAX) so a request the real disk would
 * refuse fails here too.
 */
static int disk_fd = -1;
static uint32_t disk_sector = 512;
static int disk_ro;
static unsigned disk_writes, disk_flushes;
static char said[256];

static int disk_check(int h, uint64_t off, size_t len)
{
    struct stat st;

    if (h != 0 || disk_fd < 0)
        return -UHVT_ENODEV;
    fstat(disk_fd, &st);
    if (len == 0 || len > UHVT_BLK_IO_MAX || off % disk_sector || len % disk_sector ||
        off > (uint64_t)st.st_size || len > (uint64_t)st.st_size - off)
        return -UHVT_EINVAL;
    return 0;
}

int uhvt_blk_info(int h, uint64_t *cap, uint32_t *sector, int *ro)
{
    struct stat st;

    if (h != 0 || disk_fd < 0)
        return -UHVT_ENODEV;
    fstat(disk_fd, &st);
    if (cap)
        *cap = (uint64_t)st.st_size / disk_sector * disk_sector;
    if (sector)
        *sector = disk_sector;
    if (ro)
        *ro = disk_ro;
    return 0;
}

int uhvt_blk_read(int h, uint64_t off, void *buf, size_t len)
{
    int rc = disk_check(h, off, len);
    if (rc == 0 && pread(disk_fd, buf, len, (off_t)off) != (ssize_t)len)
        rc = -UHVT_EIO;
    return rc;
}

int uhvt_blk_write(int h, uint64_t off, const void *buf, size_t len)
{
    int rc = disk_check(h, off, len);
    if (rc == 0 && disk_ro)
        rc = -UHVT_EROFS;
    if (rc == 0 && pwrite(disk_fd, buf, len, (off_t)off) != (ssize_t)len)
        rc = -UHVT_EIO;
    disk_writes += rc == 0;
    return rc;
}

int uhvt_blk_flush(int h)
{
    if (h != 0 || disk_fd < 0)
        return -UHVT_ENODEV;
    disk_flushes++;
    return fdatasync(disk_fd) == 0 ? 0 : -UHVT_EIO;
}

/* Batches complete at once; reap hands the completions back. */
static struct uhvt_blk_done disk_done[UHVT_BLK_QUEUE_MAX];
static unsigned disk_ndone;

int uhvt_blk_submit(int h, const struct uhvt_blk_req *reqs, unsigned n)
{
    if (n == 0 || n > UHVT_BATCH_MAX || disk_ndone + n > UHVT_BLK_QUEUE_MAX)
        return -UHVT_EINVAL;
    for (unsigned i = 0; i < n; i++) {
        void *data = (void *)(uintptr_t)reqs[i].data;
        int rc = reqs[i].op == UHVT_BLK_OP_READ
                     ? uhvt_blk_read(h, reqs[i].offset, data, reqs[i].len)
                     : uhvt_blk_write(h, reqs[i].offset, data, reqs[i].len);
        disk_done[disk_ndone++] = (struct uhvt_blk_done){ reqs[i].tag, -rc, 0 };
    }
    return 0;
}

int uhvt_blk_reap(int h, struct uhvt_blk_done *done, unsigned max)
{
    (void)h;
    unsigned n = disk_ndone < max ? disk_ndone : max;
    memcpy(done, disk_done, n * sizeof(*done));
    memmove(disk_done, disk_done + n, (disk_ndone - n) * sizeof(*done));
    disk_ndone -= n;
    return (int)n;
}

int uhvt_poll(uint64_t deadline, uint64_t *ready)
{
    (void)deadline;
    if (ready)
        *ready = 0;
    return 0;
}

/* What guest/extfs/extfs_env.c gives in the guest. */
void extfs_env_now(struct timespec *ts);
void extfs_env_now(struct timespec *ts)
{
    clock_gettime(CLOCK_REALTIME, ts);
}

void extfs_env_say(const char *msg);
void extfs_env_say(const char *msg)
{
    snprintf(said, sizeof(said), "%s", msg);
}

void com_err(const char *who, long code, const char *fmt, ...);
void com_err(const char *who, long code, const char *fmt, ...)
{
    (void)who, (void)code, (void)fmt;
}

static char dir[64], img[96], tree[96];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int vrun(const char *fmt, va_list ap)
{
    char cmd[1024];
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    char full[1200];
    snprintf(full, sizeof(full), "PATH=$PATH:/sbin:/usr/sbin; %s", cmd);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int run(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(fmt, ap);
    va_end(ap);
    return rc;
}

static void sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(fmt, ap);
    va_end(ap);
    cr_assert_eq(rc, 0, "command failed: %s", fmt);
}

static unsigned char pattern(uint64_t i)
{
    return (unsigned char)(i * 131 + (i >> 9) * 7 + 1);
}

/* A mkfs.ext4 -d image of a small tree: hello.txt, sub/big.bin, link. */
static void make_image(const char *mkfs_opts, const char *size)
{
    strcpy(dir, "/tmp/uhvt-extfs-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(img, sizeof(img), "%s/disk.img", dir);
    snprintf(tree, sizeof(tree), "%s/tree", dir);
    sh("mkdir -p %s/sub && printf 'hello\\n' > %s/hello.txt && ln -s hello.txt %s/link",
       tree, tree, tree);
    FILE *f = fopen(strcat(strcpy((char[128]){ 0 }, tree), "/sub/big.bin"), "w");
    cr_assert_not_null(f);
    for (uint64_t i = 0; i < 200000; i++)
        fputc(pattern(i), f);
    fclose(f);
    sh("mkfs.ext4 -q -F %s -d %s %s %s >/dev/null", mkfs_opts, tree, img, size);
}

static void open_disk(int ro)
{
    disk_fd = open(img, ro ? O_RDONLY : O_RDWR);
    cr_assert_geq(disk_fd, 0);
    disk_ro = ro;
}

static void cleanup(void)
{
    if (disk_fd >= 0)
        close(disk_fd);
    disk_fd = -1;
    if (dir[0])
        run("rm -rf %s", dir);
}

static uint64_t walk(void *fs, uint64_t d, const char *path)
{
    uint64_t ino = d;
    char buf[256];

    while (*path) {
        const char *e = strchr(path, '/');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        memcpy(buf, path, n);
        long rc = OPS->lookup(fs, ino, buf, n, &ino);
        if (rc < 0)
            return 0;
        path += n + (e != NULL);
    }
    return ino;
}

static void *mount(int ro, uint64_t *root)
{
    void *fs = NULL;
    long rc = __uhvt_extfs_type.mount(0, ro, &fs, root);
    cr_assert_eq(rc, 0, "mount: %ld (%s)", rc, said);
    return fs;
}

Test(extfs, reads_a_mkfs_tree_and_leaves_a_read_only_image_untouched, .fini = cleanup)
{
    make_image("", "8M");
    sh("cp %s %s.orig", img, img);
    open_disk(1);
    uint64_t root, ino;
    void *fs = mount(1, &root);
    char buf[300000];

    ino = walk(fs, root, "hello.txt");
    cr_assert_neq(ino, 0);
    cr_assert_eq(OPS->read(fs, ino, buf, sizeof(buf), 0), 6);
    cr_assert_arr_eq(buf, "hello\n", 6);
    ino = walk(fs, root, "sub/big.bin");
    struct stat st;
    cr_assert_eq(OPS->getattr(fs, ino, &st), 0);
    cr_assert_eq(st.st_size, 200000);
    cr_assert(S_ISREG(st.st_mode));
    uint64_t off = 0;
    for (size_t chunk = 1; off < 200000; chunk = chunk * 3 + 1) {
        long n = OPS->read(fs, ino, buf, chunk % 70000 + 1, off);
        cr_assert_gt(n, 0);
        for (long i = 0; i < n; i++)
            cr_assert_eq((unsigned char)buf[i], pattern(off + (uint64_t)i), "byte %lu", off + i);
        off += (uint64_t)n;
    }
    cr_assert_eq(OPS->read(fs, ino, buf, 10, 200000), 0);
    ino = walk(fs, root, "link");
    cr_assert_eq(OPS->readlink(fs, ino, buf, sizeof(buf)), 9);
    cr_assert_arr_eq(buf, "hello.txt", 9);
    cr_assert_eq(OPS->create(fs, root, "new", 3, S_IFREG | 0644, NULL, 0, 0, &ino), -EROFS);
    cr_assert_eq(OPS->unmount(fs), 0);
    cr_assert_eq(disk_writes, 0);
    sh("cmp -s %s %s.orig", img, img);
}

struct names {
    char seen[64][32];
    int n, limit;
};

static int fill_names(void *ctx, const char *name, size_t len, uint64_t ino,
                      unsigned type, uint64_t next)
{
    struct names *nm = ctx;
    (void)ino, (void)type, (void)next;
    if (nm->n == nm->limit || nm->n == 64)
        return 1;
    snprintf(nm->seen[nm->n++], 32, "%.*s", (int)len, name);
    return 0;
}

static int has_name(const struct names *nm, const char *s)
{
    for (int i = 0; i < nm->n; i++)
        if (strcmp(nm->seen[i], s) == 0)
            return 1;
    return 0;
}

/* Create, write, rename, link, unlink, truncate, then e2fsck and debugfs judge. */
static void write_and_check(const char *mkfs_opts, uint32_t sector)
{
    static unsigned char data[1100000], back[1100000];
    make_image(mkfs_opts, "16M");
    disk_sector = sector;
    open_disk(0);
    uint64_t root, f, d, g, x, s, t, ino;
    void *fs = mount(0, &root);

    cr_assert_eq(OPS->create(fs, root, "f", 1, S_IFREG | 0640, NULL, 1000, 1000, &f), 0);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = pattern(i * 5);
    size_t off = 0;
    for (size_t chunk = 7; off < sizeof(data); chunk = chunk * 2 + 3) {
        size_t n = chunk % 300000 + 1;
        if (n > sizeof(data) - off)
            n = sizeof(data) - off;
        long w = OPS->write(fs, f, data + off, n, off);
        cr_assert_eq(w, (long)n, "write %zu at %zu: %ld", n, off, w);
        off += n;
    }
    cr_assert_eq(OPS->read(fs, f, back, sizeof(back), 0), (long)sizeof(back));
    cr_assert_arr_eq(back, data, sizeof(data));
    cr_assert_eq(OPS->create(fs, root, "d", 1, S_IFDIR | 0755, NULL, 0, 0, &d), 0);
    cr_assert_eq(OPS->create(fs, d, "g", 1, S_IFREG | 0644, NULL, 0, 0, &g), 0);
    cr_assert_eq(OPS->write(fs, g, "gee", 3, 0), 3);
    cr_assert_eq(OPS->rename(fs, root, "f", 1, d, "h", 1, 0), 0);
    cr_assert_eq(OPS->create(fs, root, "x", 1, S_IFREG | 0644, NULL, 0, 0, &x), 0);
    cr_assert_eq(OPS->rename(fs, d, "g", 1, root, "x", 1, 1 /* NOREPLACE */), -EEXIST);
    cr_assert_eq(OPS->rename(fs, d, "g", 1, root, "x", 1, 0), 0);
    cr_assert_eq(walk(fs, root, "x"), g);
    cr_assert_eq(OPS->lookup(fs, d, "g", 1, &ino), -ENOENT);
    char longt[200];
    memset(longt, 'a', sizeof(longt) - 1);
    longt[sizeof(longt) - 1] = '\0';
    cr_assert_eq(OPS->create(fs, root, "s", 1, S_IFLNK | 0777, longt, 0, 0, &s), 0);
    cr_assert_eq(OPS->create(fs, root, "t", 1, S_IFLNK | 0777, "d/h", 0, 0, &t), 0);
    char lb[256];
    cr_assert_eq(OPS->readlink(fs, s, lb, sizeof(lb)), 199);
    cr_assert_arr_eq(lb, longt, 199);
    cr_assert_eq(OPS->link(fs, root, "hl", 2, walk(fs, root, "d/h")), 0);
    struct stat st;
    cr_assert_eq(OPS->getattr(fs, walk(fs, root, "hl"), &st), 0);
    cr_assert_eq(st.st_nlink, 2);
    cr_assert_eq(st.st_uid, 1000);
    cr_assert_eq(st.st_mode, S_IFREG | 0640);
    cr_assert_eq(OPS->unlink(fs, root, "hl", 2, 0), 0);
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = 500000 };
    cr_assert_eq(OPS->setattr(fs, f, &a), 0);
    cr_assert_eq(OPS->getattr(fs, f, &st), 0);
    cr_assert_eq(st.st_size, 500000);
    cr_assert_eq(st.st_nlink, 1);
    /* Errors as Linux gives them. */
    cr_assert_eq(OPS->create(fs, root, "x", 1, S_IFREG | 0644, NULL, 0, 0, &ino), -EEXIST);
    cr_assert_eq(OPS->unlink(fs, root, "d", 1, 1), -ENOTEMPTY);
    cr_assert_eq(OPS->unlink(fs, root, "d", 1, 0), -EISDIR);
    cr_assert_eq(OPS->unlink(fs, root, "x", 1, 1), -ENOTDIR);
    cr_assert_eq(OPS->rename(fs, root, "d", 1, root, "x", 1, 0), -ENOTDIR);
    cr_assert_eq(OPS->rename(fs, root, "x", 1, root, "d", 1, 0), -EISDIR);
    cr_assert_eq(OPS->lookup(fs, root, "nope", 4, &ino), -ENOENT);
    cr_assert_eq(OPS->lookup(fs, g, "a", 1, &ino), -ENOTDIR);
    /* A directory moved under another, and an empty one replaced. */
    uint64_t e, e2;
    cr_assert_eq(OPS->create(fs, root, "e", 1, S_IFDIR | 0700, NULL, 0, 0, &e), 0);
    cr_assert_eq(OPS->create(fs, d, "e2", 2, S_IFDIR | 0700, NULL, 0, 0, &e2), 0);
    cr_assert_eq(OPS->rename(fs, root, "e", 1, d, "e2", 2, 0), 0);
    cr_assert_eq(walk(fs, root, "d/e2/.."), d);
    long fr = OPS->fallocate(fs, g, 0, 0, 100000);
    cr_assert_eq(fr, strstr(mkfs_opts, "ext2") ? -EOPNOTSUPP : 0, "fallocate: %ld", fr);
    if (fr < 0) {
        struct vfs_attr grow = { .mask = VFS_ATTR_SIZE, .size = 100000 };
        cr_assert_eq(OPS->setattr(fs, g, &grow), 0);
    }
    cr_assert_eq(OPS->getattr(fs, g, &st), 0);
    cr_assert_eq(st.st_size, 100000);
    cr_assert_eq(OPS->read(fs, g, lb, 3, 0), 3);
    cr_assert_arr_eq(lb, "gee", 3);
    cr_assert_eq(OPS->read(fs, g, lb, 3, 50000), 3);
    cr_assert_arr_eq(lb, "\0\0\0", 3);
    struct names nm = { .limit = 64 };
    uint64_t pos = 0;
    cr_assert_eq(OPS->readdir(fs, root, &pos, fill_names, &nm), 0);
    cr_assert(has_name(&nm, ".") && has_name(&nm, "..") && has_name(&nm, "x") &&
              has_name(&nm, "lost+found") && has_name(&nm, "sub") && !has_name(&nm, "f"));
    struct statfs sf;
    cr_assert_eq(OPS->statfs(fs, &sf), 0);
    cr_assert_gt(sf.f_bfree, 0);
    unsigned flushes = disk_flushes;
    cr_assert_eq(OPS->fsync(fs, g, 0), 0);
    cr_assert_gt(disk_flushes, flushes);
    cr_assert_eq(OPS->unmount(fs), 0);
    close(disk_fd);
    disk_fd = -1;

    cr_assert_eq(run("e2fsck -fn %s >%s/fsck.log 2>&1", img, dir), 0, "e2fsck found problems");
    sh("debugfs -R 'cat /d/h' %s > %s/h 2>/dev/null", img, dir);
    char path[128];
    snprintf(path, sizeof(path), "%s/h", dir);
    FILE *h = fopen(path, "r");
    cr_assert_not_null(h);
    cr_assert_eq(fread(back, 1, sizeof(back), h), 500000);
    fclose(h);
    cr_assert_arr_eq(back, data, 500000);
    sh("debugfs -R 'cat /x' %s 2>/dev/null | head -c 3 | grep -q gee", img);
    sh("debugfs -R 'cat /sub/big.bin' %s 2>/dev/null | cmp -s - %s/sub/big.bin", img, tree);
}

Test(extfs, writes_4k_blocks_on_512_byte_sectors, .fini = cleanup)
{
    write_and_check("-b 4096", 512);
}

Test(extfs, writes_1k_blocks_on_4k_sectors, .fini = cleanup)
{
    write_and_check("-b 1024", 4096);
}

Test(extfs, writes_ext2_without_extents_or_journal, .fini = cleanup)
{
    write_and_check("-t ext2", 512);
}

Test(extfs, an_unlinked_open_file_lives_until_released, .fini = cleanup)
{
    make_image("", "8M");
    open_disk(0);
    uint64_t root, f, ino;
    void *fs = mount(0, &root);
    struct statfs before, after;

    cr_assert_eq(OPS->statfs(fs, &before), 0);
    cr_assert_eq(OPS->create(fs, root, "tmp", 3, S_IFREG | 0600, NULL, 0, 0, &f), 0);
    cr_assert_eq(OPS->open(fs, f), 0);
    static char big[300000];
    memset(big, 'z', sizeof(big));
    cr_assert_eq(OPS->write(fs, f, big, sizeof(big), 0), (long)sizeof(big));
    cr_assert_eq(OPS->unlink(fs, root, "tmp", 3, 0), 0);
    cr_assert_eq(OPS->lookup(fs, root, "tmp", 3, &ino), -ENOENT);
    char c;
    cr_assert_eq(OPS->read(fs, f, &c, 1, 299999), 1);
    cr_assert_eq(c, 'z');
    struct stat st;
    cr_assert_eq(OPS->getattr(fs, f, &st), 0);
    cr_assert_eq(st.st_nlink, 0);
    OPS->release(fs, f);
    cr_assert_eq(OPS->statfs(fs, &after), 0);
    cr_assert_eq(after.f_bfree, before.f_bfree);
    cr_assert_eq(after.f_ffree, before.f_ffree);
    /* One still open at the unmount (exit without close) goes then. */
    cr_assert_eq(OPS->create(fs, root, "tmp2", 4, S_IFREG | 0600, NULL, 0, 0, &f), 0);
    cr_assert_eq(OPS->open(fs, f), 0);
    cr_assert_eq(OPS->write(fs, f, big, sizeof(big), 0), (long)sizeof(big));
    cr_assert_eq(OPS->unlink(fs, root, "tmp2", 4, 0), 0);
    cr_assert_eq(OPS->unmount(fs), 0);
    cr_assert_eq(run("e2fsck -fn %s >/dev/null 2>&1", img), 0, "e2fsck found problems");
}

/* Remove entries while listing them, ten per call: none is skipped. */
static int fill_remove(void *ctx, const char *name, size_t len, uint64_t ino,
                       unsigned type, uint64_t next)
{
    return fill_names(ctx, name, len, ino, type, next);
}

Test(extfs, listing_while_removing_skips_nothing, .fini = cleanup)
{
    make_image("", "8M");
    open_disk(0);
    uint64_t root, d, ino;
    void *fs = mount(0, &root);
    char name[32];

    cr_assert_eq(OPS->create(fs, root, "d", 1, S_IFDIR | 0755, NULL, 0, 0, &d), 0);
    for (int i = 0; i < 300; i++) {
        int n = snprintf(name, sizeof(name), "file-with-a-longish-name-%03d", i);
        cr_assert_eq(OPS->create(fs, d, name, (size_t)n, S_IFREG | 0644, NULL, 0, 0, &ino), 0);
    }
    int removed = 0, dots = 0;
    uint64_t pos = 0;
    for (;;) {
        struct names nm = { .limit = 10 };
        cr_assert_eq(OPS->readdir(fs, d, &pos, fill_remove, &nm), 0);
        if (nm.n == 0)
            break;
        for (int i = 0; i < nm.n; i++) {
            if (strcmp(nm.seen[i], ".") == 0 || strcmp(nm.seen[i], "..") == 0) {
                dots++;
                continue;
            }
            cr_assert_eq(OPS->unlink(fs, d, nm.seen[i], strlen(nm.seen[i]), 0), 0);
            removed++;
        }
    }
    cr_assert_eq(dots, 2);
    cr_assert_eq(removed, 300);
    cr_assert_eq(OPS->unlink(fs, root, "d", 1, 1), 0);
    cr_assert_eq(OPS->unmount(fs), 0);
    cr_assert_eq(run("e2fsck -fn %s >/dev/null 2>&1", img), 0, "e2fsck found problems");
}

Test(extfs, refuses_a_journal_needing_recovery_and_an_unclean_image, .fini = cleanup)
{
    uint64_t root;
    void *fs;

    make_image("", "8M");
    sh("debugfs -w -R 'feature needs_recovery' %s >/dev/null 2>&1", img);
    open_disk(0);
    cr_assert_eq(__uhvt_extfs_type.mount(0, 0, &fs, &root), -EINVAL);
    cr_assert(strstr(said, "journal needs recovery") != NULL, "%s", said);
    cr_assert_eq(__uhvt_extfs_type.mount(0, 1, &fs, &root), -EINVAL);
    close(disk_fd);
    sh("debugfs -w -R 'feature -needs_recovery' %s >/dev/null 2>&1", img);
    sh("debugfs -w -R 'ssv state 0' %s >/dev/null 2>&1", img);
    open_disk(0);
    cr_assert_eq(__uhvt_extfs_type.mount(0, 0, &fs, &root), -EUCLEAN);
    cr_assert(strstr(said, "e2fsck") != NULL, "%s", said);
    fs = mount(1, &root);
    cr_assert_eq(OPS->unmount(fs), 0);
    sh("dd if=/dev/zero of=%s bs=1024 seek=1 count=1 conv=notrunc 2>/dev/null", img);
    cr_assert_eq(__uhvt_extfs_type.mount(0, 1, &fs, &root), -EINVAL, "no superblock");
}

/* Two files grown in turns: many extents each (a tree deeper than the inode), read in large pieces. */
Test(extfs, fragmented_files_read_and_write_in_large_pieces, .fini = cleanup)
{
    static unsigned char a[4 << 20], back[4 << 20];
    make_image("-b 1024", "32M");
    disk_sector = 512;
    open_disk(0);
    uint64_t root, f[2];
    void *fs = mount(0, &root);

    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = pattern(i * 3);
    cr_assert_eq(OPS->create(fs, root, "a", 1, S_IFREG | 0644, NULL, 0, 0, &f[0]), 0);
    cr_assert_eq(OPS->create(fs, root, "b", 1, S_IFREG | 0644, NULL, 0, 0, &f[1]), 0);
    /* 1 KiB blocks, 3 KiB pieces in turns: every piece its own extent. */
    for (size_t off = 0; off < sizeof(a) / 4; off += 3072)
        for (int k = 0; k < 2; k++) {
            size_t n = sizeof(a) / 4 - off < 3072 ? sizeof(a) / 4 - off : 3072;
            cr_assert_eq(OPS->write(fs, f[k], a + off, n, off), (long)n);
        }
    /* Then large writes past a hole, and over the fragmented part. */
    cr_assert_eq(OPS->write(fs, f[0], a + (3 << 20) + 100, (1 << 20) - 100, (3 << 20) + 100),
                 (1 << 20) - 100);
    cr_assert_eq(OPS->write(fs, f[1], a + 5000, (2 << 20) - 5000, 5000), (2 << 20) - 5000);
    cr_assert_eq(OPS->read(fs, f[0], back, sizeof(back), 0), (long)sizeof(back));
    cr_assert_arr_eq(back, a, sizeof(a) / 4);
    for (size_t i = sizeof(a) / 4; i < (3 << 20) + 100; i++)
        cr_assert_eq(back[i], 0, "hole at %zu", i);
    cr_assert_arr_eq(back + (3 << 20) + 100, a + (3 << 20) + 100, (1 << 20) - 100);
    cr_assert_eq(OPS->read(fs, f[1], back, sizeof(back), 0), 2 << 20);
    cr_assert_arr_eq(back, a, 2 << 20);
    /* Odd offsets and lengths across extent boundaries. */
    for (uint64_t off = 1; off < (2 << 20); off += 300007) {
        cr_assert_eq(OPS->read(fs, f[1], back, 200003, off), 200003);
        cr_assert_arr_eq(back, a + off, 200003);
    }
    cr_assert_eq(OPS->unmount(fs), 0);
    cr_assert_eq(run("e2fsck -fn %s >%s/fsck.log 2>&1", img, dir), 0, "e2fsck found problems");
    sh("debugfs -R 'cat /b' %s 2>/dev/null | cmp -s -n %d - %s/tree/../fsck.log || true", img, 1, dir);
    sh("debugfs -R 'stat /a' %s 2>/dev/null | grep -q 'EXTENTS:'", img);
}

/* A crash while an unlinked file is open: the orphan list lets e2fsck free it. */
Test(extfs, an_unlinked_open_file_is_an_orphan_across_a_crash, .fini = cleanup)
{
    make_image("", "8M");
    open_disk(0);
    uint64_t root, f, g;
    void *fs = mount(0, &root);
    static char big[100000];

    memset(big, 'o', sizeof(big));
    cr_assert_eq(OPS->create(fs, root, "o1", 2, S_IFREG | 0600, NULL, 0, 0, &f), 0);
    cr_assert_eq(OPS->create(fs, root, "o2", 2, S_IFREG | 0600, NULL, 0, 0, &g), 0);
    cr_assert_eq(OPS->open(fs, f), 0);
    cr_assert_eq(OPS->open(fs, g), 0);
    cr_assert_eq(OPS->write(fs, f, big, sizeof(big), 0), (long)sizeof(big));
    cr_assert_eq(OPS->write(fs, g, big, sizeof(big), 0), (long)sizeof(big));
    cr_assert_eq(OPS->unlink(fs, root, "o1", 2, 0), 0);
    cr_assert_eq(OPS->unlink(fs, root, "o2", 2, 0), 0);
    OPS->release(fs, f); /* off the list again: o2 stays on it */
    cr_assert_eq(OPS->fsync(fs, root, 0), 0);
    /* The crash: the disk as it is, nothing more written (the unmount only frees memory). */
    close(disk_fd);
    disk_fd = -1;
    cr_assert_lt(OPS->unmount(fs), 0);
    sh("debugfs -R 'stats' %s 2>/dev/null | grep -q 'First orphan inode: *%lu'", img,
       (unsigned long)g);
    cr_assert_leq(run("e2fsck -fy %s >%s/fsck.log 2>&1", img, dir), 1);
    sh("grep -q 'Clearing orphaned inode %lu' %s/fsck.log", (unsigned long)g, dir);
    cr_assert_eq(run("grep -Eq '^(Inode|Unattached|Entry|Block bitmap)' %s/fsck.log", dir), 1,
                 "e2fsck found more than the orphan");
    cr_assert_eq(run("e2fsck -fn %s >/dev/null 2>&1", img), 0);
}
