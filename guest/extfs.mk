# guest/extfs.mk: ext2/ext3/ext4 for disk mounts: libext2fs from Debian's
# e2fsprogs, built freestanding, under guest/extfs/, as libuhvt-extfs.a.
#
# e2fsprogs is fetched once into $(B)/e2fsprogs (scripts/e2fsprogs-fetch,
# pinned there) and configured against musl in $(B)/e2fsprogs/cfg (no NLS,
# threads or shared libraries), for its config.h and generated headers.
# Only the library objects the filesystem reaches are compiled, with the
# runtime's flags (no vector registers: they run inside system calls).
# Their calls to malloc and friends, time, getenv, abort and com_err are
# renamed to guest/extfs/extfs_env.c's (env.syms); everything is linked
# into one relocatable object whose only global definition is
# __uhvt_extfs_type, and check-runtime proves what it still takes from musl
# leaves vector registers alone.

E2FS_DIR := $(B)/e2fsprogs
E2FS_SRC := $(E2FS_DIR)/src
E2FS_CFG := $(E2FS_DIR)/cfg
E2FS_STAMP := $(E2FS_SRC)/.version
E2FS_GEN := $(E2FS_CFG)/.generated
E2FS_CONFIGURE := --disable-nls --disable-elf-shlibs --disable-bsd-shlibs \
	--disable-fuse2fs --disable-uuidd --disable-defrag --disable-debugfs \
	--disable-imager --disable-resizer --disable-e2initrd-helper \
	--disable-tdb --disable-mmp --disable-bmap-stats --disable-backtrace \
	--disable-fsck --without-pthread
# What guest/extfs/ reaches (ld -r pulls members of this set as needed).
E2FS_FILES := alloc alloc_sb alloc_stats badblocks bitmaps bitops \
	blkmap64_ba blkmap64_rb blknum block bmap closefs crc16 crc32c csum \
	dir_iterate dirblock dirhash expanddir ext_attr extent fallocate \
	fileio freefs gen_bitmap gen_bitmap64 get_num_dirs hashmap i_block \
	ind_block inline inline_data inode io_manager link lookup mkdir mmp \
	newdir nls_utf8 openfs punch rbtree read_bb rw_bitmaps sha512 symlink \
	unlink valid_blk
E2FS_INC := -isystem $(E2FS_CFG)/lib -isystem $(E2FS_SRC)/lib
E2FS_CFLAGS := $(filter-out -std=% -W% -MMD -MP,$(GUEST_CFLAGS)) -std=gnu11 -w \
	-DHAVE_CONFIG_H -I$(E2FS_CFG)/lib/ext2fs -I$(E2FS_SRC)/lib/ext2fs \
	-I$(E2FS_CFG)/lib -I$(E2FS_SRC)/lib
E2FS_OBJS := $(E2FS_FILES:%=$(B)/guest/e2fs/%.o)
EXTFS_OBJS := $(patsubst guest/extfs/%.c,$(B)/guest/obj/extfs/%.o,\
	$(wildcard guest/extfs/*.c))

$(E2FS_STAMP): scripts/e2fsprogs-fetch scripts/debian-source-fetch
	scripts/e2fsprogs-fetch $(E2FS_DIR)
	touch $@

# The sub-makes get none of our flags (B=... would reach them).
$(E2FS_GEN): $(E2FS_STAMP)
	rm -rf $(E2FS_CFG)
	mkdir -p $(E2FS_CFG)
	cd $(E2FS_CFG) && $(abspath $(E2FS_SRC))/configure \
		CC="$(CC) -specs=$(MUSL_LIB)/musl-gcc.specs" $(E2FS_CONFIGURE) \
		>configure.log 2>&1 || { cat configure.log; exit 1; }
	cd $(E2FS_CFG) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s \
		lib/dirpaths.h >>configure.log 2>&1 || { cat configure.log; exit 1; }
	cd $(E2FS_CFG)/lib/et && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s compile_et >>../../configure.log 2>&1 || \
		{ cat ../../configure.log; exit 1; }
	cd $(E2FS_CFG)/lib/ext2fs && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s ext2_err.h crc32c_table.h >>../../configure.log 2>&1 || \
		{ cat ../../configure.log; exit 1; }
	touch $@

$(E2FS_OBJS): $(B)/guest/e2fs/%.o: $(E2FS_GEN) guest/extfs/env.syms
	@mkdir -p $(@D)
	$(CC) $(E2FS_CFLAGS) -c $(E2FS_SRC)/lib/ext2fs/$*.c -o $@
	objcopy --redefine-syms=guest/extfs/env.syms $@

$(B)/guest/obj/extfs/%.o: guest/extfs/%.c $(E2FS_GEN) guest/extfs/env.syms
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) $(E2FS_INC) -c $< -o $@
	objcopy --redefine-syms=guest/extfs/env.syms $@

$(B)/guest/e2fs/libe2fs.a: $(E2FS_OBJS)
	rm -f $@
	ar rcs $@ $^

# The runtime provides what the archive takes besides musl (uhvt_blk_*,
# __uhvt_mem_alloc): check-runtime skips what libuhvt.o defines.
$(B)/guest/libuhvt-extfs.a: $(EXTFS_OBJS) $(B)/guest/e2fs/libe2fs.a \
		$(B)/guest/libuhvt.a guest/check-runtime
	ld -r -o $(@:.a=.o) $(EXTFS_OBJS) $(B)/guest/e2fs/libe2fs.a
	objcopy --localize-hidden $(@:.a=.o)
	guest/check-runtime $(@:.a=.o) $(MUSL_LIB)/libc.a $(B)/guest/libuhvt.o
	rm -f $@
	ar rcs $@ $(@:.a=.o)

GUEST_RT += $(B)/guest/libuhvt-extfs.a

-include $(EXTFS_OBJS:.o=.d)
