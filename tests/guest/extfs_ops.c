/* extfs_ops.c: test guest: the ext filesystem's operations on disk "disk", called directly (no file calls yet). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uhvt.h>

#include "../../guest/vfs.h"

/*
 * extfs_ops write     a workload on a writable image: /out.txt ("record
 *                     %08d\n" x 250000, written in uneven pieces), a
 *                     directory, renames; read back; unmounted clean
 * extfs_ops read      /hello.txt and /sub/big.bin of a read-only image
 * extfs_ops sync      forever: append a record to /log and create /f-N,
 *                     fsync, print "synced N" (killed by the host)
 * extfs_ops fuzz      mount (read-only if refused), read every file and
 *                     link, write if writable, unmount: errors are fine,
 *                     a hang or a crash is not
 */

extern const struct vfs_type __uhvt_extfs_type;
#define OPS (__uhvt_extfs_type.ops)

static void *fs;
static uint64_t root;

static void die(const char *what, long rc)
{
    printf("%s: %ld\n", what, rc);
    exit(1);
}

static uint64_t create(uint64_t dir, const char *name, mode_t mode)
{
    uint64_t ino;
    long rc = OPS->create(fs, dir, name, strlen(name), mode, NULL, 0, 0, &ino);
    if (rc < 0)
        die(name, rc);
    return ino;
}

#define REC 16 /* "record %08d\n" */

static void record(char *buf, int i)
{
    snprintf(buf, REC + 1, "record %08u\n", (unsigned)i % 100000000u);
}

static int do_write(void)
{
    static char data[250000 * REC], back[sizeof(data)];
    uint64_t f = create(root, "out.txt", S_IFREG | 0644);
    for (int i = 0; i < 250000; i++) {
        char r[REC + 1];
        record(r, i);
        memcpy(data + REC * i, r, REC);
    }
    size_t off = 0;
    for (size_t chunk = 1000; off < sizeof(data); chunk = chunk * 3 % 400000 + 1) {
        size_t n = chunk < sizeof(data) - off ? chunk : sizeof(data) - off;
        long rc = OPS->write(fs, f, data + off, n, off);
        if (rc != (long)n)
            die("write", rc);
        off += n;
    }
    long rc = OPS->read(fs, f, back, sizeof(back), 0);
    if (rc != (long)sizeof(back) || memcmp(back, data, sizeof(data)) != 0)
        die("read back", rc);
    uint64_t d = create(root, "dir", S_IFDIR | 0755), g = create(d, "tmp", S_IFREG | 0600);
    if ((rc = OPS->write(fs, g, "moved\n", 6, 0)) != 6)
        die("write tmp", rc);
    if ((rc = OPS->rename(fs, d, "tmp", 3, root, "moved.txt", 9, 0)) < 0)
        die("rename", rc);
    if ((rc = OPS->fsync(fs, f, 0)) < 0)
        die("fsync", rc);
    printf("extfs write ok\n");
    return 0;
}

static unsigned char pattern(uint64_t i)
{
    return (unsigned char)(i * 131 + (i >> 9) * 7 + 1);
}

static int do_read(void)
{
    static char buf[200001];
    uint64_t ino, sub;
    long rc;

    if ((rc = OPS->lookup(fs, root, "hello.txt", 9, &ino)) < 0)
        die("lookup hello.txt", rc);
    if ((rc = OPS->read(fs, ino, buf, 100, 0)) != 6 || memcmp(buf, "hello\n", 6) != 0)
        die("read hello.txt", rc);
    if ((rc = OPS->lookup(fs, root, "sub", 3, &sub)) < 0 ||
        (rc = OPS->lookup(fs, sub, "big.bin", 7, &ino)) < 0)
        die("lookup sub/big.bin", rc);
    if ((rc = OPS->read(fs, ino, buf, sizeof(buf), 0)) != 200000)
        die("read big.bin", rc);
    for (uint64_t i = 0; i < 200000; i++)
        if ((unsigned char)buf[i] != pattern(i))
            die("big.bin differs at", (long)i);
    rc = OPS->create(fs, root, "new", 3, S_IFREG | 0644, NULL, 0, 0, &ino);
    if (rc != -EROFS)
        die("create on a read-only mount", rc);
    printf("extfs read ok\n");
    return 0;
}

static _Noreturn void do_sync(void)
{
    uint64_t log = create(root, "log", S_IFREG | 0644);
    char r[REC + 1], name[16];
    for (int i = 0;; i++) {
        record(r, i);
        long rc = OPS->write(fs, log, r, REC, REC * (uint64_t)i);
        if (rc != REC)
            die("append", rc);
        snprintf(name, sizeof(name), "f-%d", i);
        uint64_t f = create(root, name, S_IFREG | 0644);
        if ((rc = OPS->write(fs, f, r, REC, 0)) != REC)
            die("write f", rc);
        if ((rc = OPS->fsync(fs, f, 0)) < 0 || (rc = OPS->fsync(fs, log, 1)) < 0)
            die("fsync", rc);
        printf("synced %d\n", i);
        fflush(stdout);
    }
}

/* Everything reachable, depth-first, within bounds a damaged tree cannot stretch. */
static int files, errors;
static char fuzzbuf[1 << 16];

static int fuzz_fill(void *ctx, const char *name, size_t len, uint64_t ino,
                     unsigned type, uint64_t next)
{
    uint64_t *list = ctx;
    (void)type, (void)next;
    if (list[0] == 64)
        return 1;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    list[++list[0]] = ino;
    return 0;
}

static void fuzz_walk(uint64_t dir, int depth)
{
    uint64_t list[65] = { 0 }, pos = 0;

    if (depth > 6 || files > 2000)
        return;
    if (OPS->readdir(fs, dir, &pos, fuzz_fill, list) < 0)
        errors++;
    for (uint64_t i = 1; i <= list[0]; i++) {
        struct stat st;
        files++;
        if (OPS->getattr(fs, list[i], &st) < 0) {
            errors++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            fuzz_walk(list[i], depth + 1);
        } else if (S_ISLNK(st.st_mode)) {
            errors += OPS->readlink(fs, list[i], fuzzbuf, sizeof(fuzzbuf)) < 0;
        } else if (S_ISREG(st.st_mode)) {
            for (uint64_t off = 0; off < (1 << 22); off += sizeof(fuzzbuf)) {
                long n = OPS->read(fs, list[i], fuzzbuf, sizeof(fuzzbuf), off);
                errors += n < 0;
                if (n <= 0)
                    break;
            }
        }
    }
}

static int do_fuzz(int ro)
{
    fuzz_walk(root, 0);
    if (!ro) {
        uint64_t ino;
        if (OPS->create(fs, root, "fuzz-new", 8, S_IFREG | 0644, NULL, 0, 0, &ino) == 0) {
            errors += OPS->write(fs, ino, fuzzbuf, sizeof(fuzzbuf), 0) < 0;
            errors += OPS->unlink(fs, root, "fuzz-new", 8, 0) < 0;
        } else {
            errors++;
        }
    }
    printf("fuzz walked %d entries, %d errors\n", files, errors);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int handle = uhvt_device_find("disk", UHVT_DEV_BLOCK);
    int ro = strcmp(mode, "read") == 0;
    long rc = __uhvt_extfs_type.mount(handle, ro, &fs, &root);

    if (strcmp(mode, "fuzz") == 0) {
        if (rc < 0) {
            printf("fuzz: read-write mount refused: %ld\n", rc);
            ro = 1;
            rc = __uhvt_extfs_type.mount(handle, ro, &fs, &root);
        }
        if (rc < 0) {
            printf("fuzz: mount refused: %ld\n", rc);
            return 0;
        }
        do_fuzz(ro);
    } else {
        if (rc < 0)
            die("mount", rc);
        if (strcmp(mode, "write") == 0)
            do_write();
        else if (ro)
            do_read();
        else if (strcmp(mode, "sync") == 0)
            do_sync();
        else
            die("unknown mode", 0);
    }
    rc = OPS->unmount(fs);
    printf("unmount: %ld\n", rc);
    return rc < 0 && strcmp(mode, "fuzz") != 0;
}
