/* extfs_inode.c: inode lifetimes on ext2/ext3/ext4: open counts, links, the orphan list, freeing. */
#include <errno.h>
#include <string.h>

#include "extfs.h"

/*
 * An inode whose last name goes while it is open (mkstemp, then unlink)
 * keeps its blocks until its last release.  Meanwhile it is on the
 * superblock's orphan list (s_last_orphan, linked through i_dtime) as the
 * kernel keeps it, so that after a crash e2fsck (or Linux mounting the
 * image) frees it instead of reporting an inode nobody names.  The list
 * reaches the disk with the superblock, at the next sync.
 */

/* A walk of the list stops here: a damaged list cannot make it endless. */
#define ORPHAN_WALK_MAX 65536

static struct extfs_open *inode_entry(struct extfs *x, ext2_ino_t ino)
{
    for (size_t i = 0; i < x->nopen; i++)
        if (x->open[i].ino == ino)
            return &x->open[i];
    return NULL;
}

long extfs_open(void *fs, uint64_t ino)
{
    struct extfs *x = fs;
    struct ext2_inode_large in;
    long rc = extfs_iget(x, ino, &in);

    if (rc < 0)
        return rc;
    struct extfs_open *o = inode_entry(x, (ext2_ino_t)ino);
    if (o != NULL) {
        o->count++;
        return 0;
    }
    if (x->nopen == x->capopen) {
        size_t cap = x->capopen ? 2 * x->capopen : 16;
        if (ext2fs_resize_array(sizeof(*x->open), x->capopen, cap, &x->open) != 0)
            return -ENOMEM;
        x->capopen = cap;
    }
    x->open[x->nopen++] = (struct extfs_open){ (ext2_ino_t)ino, 1, 0 };
    return 0;
}

/* Take `ino` off the orphan list: its predecessor (or the superblock) skips it. */
static void inode_unorphan(struct extfs *x, ext2_ino_t ino, ext2_ino_t next)
{
    struct ext2_super_block *sb = x->fs->super;
    ext2_ino_t cur = sb->s_last_orphan;

    if (cur == ino) {
        sb->s_last_orphan = next;
        ext2fs_mark_super_dirty(x->fs);
        return;
    }
    for (int k = 0; k < ORPHAN_WALK_MAX && cur != 0; k++) {
        struct ext2_inode_large in;
        if (extfs_iget(x, cur, &in) < 0)
            return; /* a damaged list: e2fsck's to mend */
        if (in.i_dtime == ino) {
            in.i_dtime = next;
            (void)extfs_iput(x, cur, &in);
            return;
        }
        cur = in.i_dtime;
    }
}

/* Free an inode with no links left, and its blocks. */
static long inode_free(struct extfs *x, ext2_ino_t ino, struct ext2_inode_large *in,
                       int orphan)
{
    ext2_filsys fs = x->fs;
    struct timespec now;
    errcode_t err;

    if (orphan)
        inode_unorphan(x, ino, in->i_dtime);
    extfs_env_now(&now);
    if ((err = ext2fs_free_ext_attr(fs, ino, in)) != 0)
        return extfs_errno(err);
    if (ext2fs_inode_has_valid_blocks2(fs, (struct ext2_inode *)in) &&
        (err = ext2fs_punch(fs, ino, (struct ext2_inode *)in, NULL, 0, ~0ULL)) != 0)
        return extfs_errno(err);
    in->i_dtime = (uint32_t)now.tv_sec;
    long rc = extfs_iput(x, ino, in);
    if (rc == 0)
        ext2fs_inode_alloc_stats2(fs, ino, -1, LINUX_S_ISDIR(in->i_mode));
    return rc;
}

/* The last release of an unlinked inode frees it (a read-only mount has none). */
void extfs_release(void *fs, uint64_t ino)
{
    struct extfs *x = fs;
    struct extfs_open *o = inode_entry(x, (ext2_ino_t)ino);

    if (o == NULL || --o->count > 0)
        return;
    int orphan = o->orphan;
    *o = x->open[--x->nopen];
    struct ext2_inode_large in;
    if (!x->read_only && extfs_iget(x, ino, &in) == 0 && in.i_links_count == 0)
        (void)inode_free(x, (ext2_ino_t)ino, &in, orphan);
}

long extfs_drop_link(struct extfs *x, ext2_ino_t ino, struct ext2_inode_large *in)
{
    if (in->i_links_count > 0)
        in->i_links_count--;
    extfs_touch(in, EXTFS_T_C);
    if (in->i_links_count > 0)
        return extfs_iput(x, ino, in);
    struct extfs_open *o = inode_entry(x, ino);
    if (o == NULL)
        return inode_free(x, ino, in, 0);
    if (!o->orphan) {
        in->i_dtime = x->fs->super->s_last_orphan;
        x->fs->super->s_last_orphan = ino;
        ext2fs_mark_super_dirty(x->fs);
        o->orphan = 1;
    }
    return extfs_iput(x, ino, in);
}

void extfs_close_all(struct extfs *x)
{
    while (x->nopen > 0) {
        struct extfs_open o = x->open[--x->nopen];
        struct ext2_inode_large in;
        if (extfs_iget(x, o.ino, &in) == 0 && in.i_links_count == 0)
            (void)inode_free(x, o.ino, &in, o.orphan);
    }
}
