# suite-files.sh: the file calls on the in-memory filesystem compared with Linux's; the tree at boot; /tmp out of memory; mounts declared with uhvt-cc --mount (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

# Every call's answers, errno included, the same as Linux's on its /tmp.
process_same file_basic
process_same file_more
process_same file_libc
# mmap of a file, a copy in the guest; a shared writable one is ENODEV.
process_same file_mmap
guest_says file_mmap-shared-writable '^# shared writable: ENODEV$'
# 3000 name operations in a fixed pseudo-random order, five orders.
for seed in 0 1 2 3 4; do
    process_same file_random -- "$seed"
done

# The tree at boot without a root disk (docs/files.md).
check tree-at-boot 0 '' "$U" --quiet "$G/file_tree.hvt"
guest_says tree-root '^cwd /$' '^/: \. \.\. tmp dev proc etc$' \
    '^/: type 1021994 mode 755$' '^/tmp: type 1021994 mode 1777$'
guest_says tree-dev '^/dev: \. \.\. null zero full random urandom stdin stdout stderr fd$' \
    '^/dev: type 1373 mode 755$'
guest_says tree-proc '^/proc: type 9fa0 mode 555$' '^mount tmpfs / tmpfs rw 0 0$' \
    '^mount tmpfs /tmp tmpfs rw 0 0$' '^mount devfs /dev devfs rw 0 0$' \
    '^mount proc /proc proc rw 0 0$'
guest_says tree-etc '^localhost: 127\.0\.0\.1$' '^uid 0: root, gid 0: root$'
guest_says mounts-cross-exdev '^rename / to /tmp: -1 Cross-device link$' \
    '^link / to /tmp: -1 Cross-device link$' '^rename within /: 0$'
guest_says mounts-busy '^rmdir /tmp: -1 Resource busy$' \
    '^rename /tmp: -1 Resource busy$' '^rename onto /tmp: -1 Is a directory$'
guest_says mounts-fixed '^unlink /dev/null: -1 Operation not permitted$' \
    '^create in /dev: -1 Operation not permitted$' \
    '^mkdir in /proc: -1 Operation not permitted$' '^/proc/self -> 1$' \
    '^cwd after \.\. /$'

# Files take guest memory, at most half of it (as Linux's tmpfs): then
# write fails with ENOSPC, the program can still allocate, nothing breaks;
# unlink gives the space back.
check tmpfs-full-enospc 0 '^wrote [78] MiB, then ENOSPC$' \
    "$U" --mem=16M "$G/tmpfs_full.hvt"
guest_says tmpfs-full-space-returns '^malloc 4 MiB when full: ok$' \
    '^unlink: 0$' '^again: as much space as before$'

# uhvt-cc --mount: the disk is declared (uhvt refuses to run the image
# without it), the path is checked.
check mount-declares-disk 125 'disk' "$U" "$G/mount_data.hvt"
check mount-path-absolute 1 'PATH must be absolute' \
    "$B/uhvt-cc" --mount=data:disk -o "$tmp/x.hvt" tests/guest/mount_data.c
check mount-path-normal 1 'without /./' \
    "$B/uhvt-cc" --mount=/data/../x:disk -o "$tmp/x.hvt" tests/guest/mount_data.c
check mount-path-once 1 'two mounts at /data' \
    "$B/uhvt-cc" --mount=/data:a --mount=/data:b -o "$tmp/x.hvt" tests/guest/mount_data.c

# A disk mount in a runtime without the ext2/ext4 filesystem (a copy of
# the runtime without libuhvt-extfs.a) ends the guest before main, saying
# why; so does a disk that holds no filesystem.
mkdir "$tmp/rt"
cp -R "$B/guest/include" "$B/guest/libuhvt.a" "$B/guest/libuhvt-tcpip.a" \
    "$B/guest/start.o" "$B/guest/uhvt.ld" "$tmp/rt/"
UHVT_RUNTIME=$tmp/rt "$B/uhvt-cc" --mount=/data:disk -o "$tmp/noext.hvt" \
    tests/guest/mount_data.c
truncate -s 1M "$tmp/zero.img" "$tmp/zero2.img"
check mount-without-extfs 121 \
    "cannot mount disk 'disk' at /data: the image has no filesystem for disks" \
    "$U" --block:disk="$tmp/zero.img" "$tmp/noext.hvt"
UHVT_RUNTIME=$tmp/rt "$B/uhvt-cc" --mount=/data:d --mount=/:root \
    -o "$tmp/noext2.hvt" tests/guest/mount_data.c
check mount-root-first 121 "cannot mount disk 'root' at /: " \
    "$U" --block:d="$tmp/zero.img" --block:root="$tmp/zero2.img" "$tmp/noext2.hvt"
if [ -f "$B/guest/libuhvt-extfs.a" ]; then
    check mount-not-a-filesystem 121 "cannot mount disk 'disk' at /data: " \
        "$U" --block:disk="$tmp/zero.img" "$G/mount_data.hvt"
fi

# The mount machinery with a filesystem of the test's own behind guest/vfs.h
# (tests/guest/mount_toy.c: one file, sector 0 of the disk): mounted at
# /data before main, written back by the unmount the runtime does at exit
# and at abort(), read-only under --block-ro (EROFS, the image untouched),
# EXDEV to /tmp, and a damaged disk ends the boot.
toy_image() { # FILE TEXT
    printf '%s\0' "$2" >"$1"
    truncate -s 64K "$1"
}
toy_image "$tmp/toy.img" "hello from the disk"
check_after toy-mount-rw 0 '^read: hello from the disk$' '^toy: unmount$' \
    "$U" --block:disk="$tmp/toy.img" "$G/mount_toy.hvt"
guest_says toy-exdev '^statvfs: read-write$' '^rename to /tmp: Cross-device link$' \
    '^exiting$'
check_left toy-unmounted-at-exit '^exiting$' 'the unmount did not write the disk' \
    grep -q 'written by the guest' "$tmp/toy.img"
toy_image "$tmp/toy.img" "before abort"
check_after toy-unmount-at-abort 121 '^aborting$' '^toy: unmount$' \
    "$U" --block:disk="$tmp/toy.img" "$G/mount_toy.hvt" "after abort" abort
check_left toy-abort-wrote '^aborting$' 'abort() did not unmount' \
    grep -q 'after abort' "$tmp/toy.img"
toy_image "$tmp/toy.img" "read-only"
cp "$tmp/toy.img" "$tmp/toy.orig"
check_after toy-mount-ro 0 '^read: read-only$' \
    '^open for writing: Read-only file system$' \
    "$U" --block:disk="$tmp/toy.img" --block-ro:disk "$G/mount_toy.hvt"
guest_says toy-ro-answers '^statvfs: read-only$' \
    '^access W_OK: Read-only file system$'
check_left toy-ro-untouched '^read: read-only$' 'the read-only image changed' \
    cmp -s "$tmp/toy.img" "$tmp/toy.orig"
toy_image "$tmp/toy.img" "BAD disk"
check toy-damaged 121 "cannot mount disk 'disk' at /data: the filesystem is damaged \(EUCLEAN\)" \
    "$U" --block:disk="$tmp/toy.img" "$G/mount_toy.hvt"
