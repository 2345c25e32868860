/* mount.c: the mounts the image was built with, attached before main and unmounted at exit. */
#include <errno.h>
#include <string.h>

#include "files.h"
#include "hypercall.h"
#include "runtime.h"
#include "uhvt.h"

/*
 * uhvt-cc --mount=PATH:NAME generates __uhvt_mount_table: "PATH\0NAME\0"
 * per mount, in the order given, then one more "\0".  The ext2/ext4
 * filesystem is a separate archive (libuhvt-extfs.a) that uhvt-cc links
 * only when the image declares a disk mount; both are weak here, so an
 * image without mounts carries neither.
 *
 * The tree at boot: the disk mounted at "/" if one is, else an in-memory
 * filesystem (with empty /tmp, /dev and /proc directories and a minimal
 * /etc: hosts, passwd, group); then an
 * in-memory filesystem at /tmp, the devices at /dev and /proc, whatever the root
 * holds there (even nothing: a mount covers a name, see vfs.c); then the
 * other disks, in the order given.  A disk attached with --block-ro is
 * mounted read-only.  A mount that fails ends the guest before main with
 * a message naming the disk, the path and the reason (the monitor's exit
 * code for a guest abort).
 */

extern const char __uhvt_mount_table[] __attribute__((weak));
extern const struct vfs_type __uhvt_extfs_type __attribute__((weak));

static char mount_msg[UHVT_ABORT_MSG_MAX];
static size_t mount_msg_len;
static int mount_done;

static void mount_say(const char *s)
{
    while (*s != '\0' && mount_msg_len + 1 < sizeof mount_msg)
        mount_msg[mount_msg_len++] = *s++;
    mount_msg[mount_msg_len] = '\0';
}

static const char *mount_errno(long e)
{
    switch (-e) {
    case EINVAL: return "not a filesystem this image can mount (EINVAL)";
    case EUCLEAN: return "the filesystem is damaged (EUCLEAN)";
    case EIO: return "I/O error (EIO)";
    case ENOMEM: return "out of memory (ENOMEM)";
    case ENOENT: return "no such directory (ENOENT)";
    case ENOTDIR: return "not a directory (ENOTDIR)";
    case EBUSY: return "too many mounts, or the path is taken (EBUSY)";
    case EROFS: return "the disk is read-only (EROFS)";
    case ENOSPC: return "no space (ENOSPC)";
    case EOPNOTSUPP: return "the filesystem needs a feature not built in (EOPNOTSUPP)";
    default: return "failed";
    }
}

static _Noreturn void mount_fail(const char *path, const char *name,
                                 const char *why)
{
    mount_msg_len = 0;
    mount_say("uhvt: cannot mount disk '");
    mount_say(name);
    mount_say("' at ");
    mount_say(path);
    mount_say(": ");
    mount_say(why);
    hypercall_abort(mount_msg);
}

static void mount_disk(const char *path, const char *name)
{
    int handle = uhvt_device_find(name, UHVT_DEV_BLOCK), ro = 0;
    const struct vfs_type *ext = &__uhvt_extfs_type;

    if (ext == NULL)
        mount_fail(path, name, "the image has no filesystem for disks "
                               "(libuhvt-extfs.a was not linked)");
    if (handle < 0 || uhvt_blk_info(handle, NULL, NULL, &ro) != 0)
        mount_fail(path, name, "no such block device");
    long r = vfs_mount(path, ext, handle, ro);
    if (r < 0)
        mount_fail(path, name, mount_errno(r));
    vfs_mounts[r].source = name;
}

/* A directory in the in-memory root: its inode, 0 if memory is out. */
static uint64_t mount_mkdir(const char *name, mode_t mode)
{
    uint64_t ino = 0;

    (void)tmpfs_type.ops->create(vfs_mounts[0].fs, vfs_mounts[0].root, name,
                                 strlen(name), S_IFDIR | mode, NULL, 0, 0, &ino);
    return ino;
}

/*
 * The in-memory root's /etc: what a minimal Linux system has, so that
 * musl's getaddrinfo("localhost"), getpwuid(0) and getgrgid(0) answer as
 * they would there.  Ordinary files: the program may change them.
 */
static void mount_etc(void)
{
    static const struct {
        const char *name, *text;
    } files[] = {
        { "hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" },
        { "passwd", "root:x:0:0:root:/root:/bin/sh\n" },
        { "group", "root:x:0:\n" },
    };
    const struct vfs_ops *ops = tmpfs_type.ops;
    void *fs = vfs_mounts[0].fs;
    uint64_t etc = mount_mkdir("etc", 0755), ino;

    for (size_t i = 0; etc != 0 && i < ARRAY_SIZE(files); i++)
        if (ops->create(fs, etc, files[i].name, strlen(files[i].name),
                        S_IFREG | 0644, NULL, 0, 0, &ino) == 0)
            (void)ops->write(fs, ino, files[i].text, strlen(files[i].text), 0);
}

void mount_start(void)
{
    const char *t = __uhvt_mount_table, *p;
    long r = -EINVAL;

    for (p = t; p != NULL && *p != '\0'; p += strlen(p) + 1) {
        const char *name = p + strlen(p) + 1;
        if (strcmp(p, "/") == 0) {
            mount_disk(p, name);
            break;
        }
        p = name;
    }
    if (vfs_mounts[0].type == NULL) {
        struct vfs_attr a = { .mask = VFS_ATTR_MODE, .mode = 0755 };
        if ((r = vfs_mount("/", &tmpfs_type, -1, 0)) < 0)
            mount_fail("/", "(memory)", mount_errno(r));
        (void)tmpfs_type.ops->setattr(vfs_mounts[0].fs, vfs_mounts[0].root, &a);
        (void)mount_mkdir("tmp", 01777);
        (void)mount_mkdir("dev", 0755);
        (void)mount_mkdir("proc", 0555);
        mount_etc();
    }
    if ((r = vfs_mount("/tmp", &tmpfs_type, -1, 0)) < 0)
        mount_fail("/tmp", "(memory)", mount_errno(r));
    if ((r = vfs_mount("/dev", &devfs_type, -1, 0)) < 0)
        mount_fail("/dev", "(devices)", mount_errno(r));
    if ((r = vfs_mount("/proc", &procfs_type, -1, 0)) < 0)
        mount_fail("/proc", "(proc)", mount_errno(r));
    for (p = t; p != NULL && *p != '\0'; p += strlen(p) + 1) {
        const char *name = p + strlen(p) + 1;
        if (strcmp(p, "/") != 0)
            mount_disk(p, name);
        p = name;
    }
    mount_done = 1;
}

/*
 * Every exit path (exit, exit_group, return from main, a fatal signal to
 * itself) comes here once: the disks' filesystems are made durable and
 * marked clean, the last mounted first.  A failure is reported on the
 * console; the guest still exits with its own status.
 */
void mount_exit(void)
{
    if (!mount_done)
        return;
    mount_done = 0; /* once, even if unmounting itself ends the guest */
    for (int m = VFS_MOUNT_MAX - 1; m >= 0; m--) {
        struct vfs_mount *mt = &vfs_mounts[m];
        if (mt->type == NULL || mt->handle < 0)
            continue;
        if (mt->type->ops->unmount(mt->fs) < 0) {
            static const char msg[] = "uhvt: unmounting a disk failed: "
                                      "its filesystem may need fsck\n";
            (void)console_write(msg, sizeof msg - 1);
        }
    }
}
