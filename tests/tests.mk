# tests.mk: Criterion unit tests (ASan/UBSan), KVM host tests, guest test images; make test.

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
MONITOR_SAN_OBJS := $(MONITOR_LIB_SRCS:%.c=$(B)/san/%.o)

$(B)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(DEPFLAGS) $(SAN_FLAGS) -c -o $@ $<
-include $(MONITOR_SRCS:%.c=$(B)/san/%.d)

# The ext filesystem (guest/extfs/, but its guest-only extfs_env.c) and the
# libext2fs objects it uses, built for the host with the sanitizers:
# tests/unit/test_extfs.c drives them over a file standing in for the disk.
EXTFS_SAN_OBJS := $(patsubst guest/extfs/%.c,$(B)/san/extfs/%.o,$(filter-out \
	guest/extfs/extfs_env.c,$(wildcard guest/extfs/*.c))) \
	$(E2FS_FILES:%=$(B)/san/e2fs/%.o)
$(B)/san/extfs/%.o: guest/extfs/%.c $(E2FS_GEN)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(DEPFLAGS) $(SAN_FLAGS) -iquote guest \
		-iquote guest/include $(E2FS_INC) -c -o $@ $<
$(B)/san/e2fs/%.o: $(E2FS_GEN)
	@mkdir -p $(@D)
	$(CC) -O1 -g -w -fPIE -DHAVE_CONFIG_H $(SAN_FLAGS) \
		-I$(E2FS_CFG)/lib/ext2fs -I$(E2FS_SRC)/lib/ext2fs -I$(E2FS_CFG)/lib \
		-I$(E2FS_SRC)/lib -c -o $@ $(E2FS_SRC)/lib/ext2fs/$*.c
-include $(patsubst %.o,%.d,$(filter $(B)/san/extfs/%,$(EXTFS_SAN_OBJS)))

UNIT_SRCS := $(wildcard tests/unit/*.c)
$(B)/tests/unit: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(MONITOR_SAN_OBJS) \
		$(EXTFS_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Wno-missing-prototypes $(SAN_FLAGS) -o $@ \
		$(UNIT_SRCS) $(MONITOR_SAN_OBJS) $(EXTFS_SAN_OBJS) -lcriterion \
		$(MONITOR_LIBS)

# Host programs that drive KVM directly (run inside the test VM if need be).
KVM_TESTS := $(patsubst tests/kvm/%.c,$(B)/tests/kvm/%,$(wildcard tests/kvm/*.c))
$(B)/tests/kvm/%: tests/kvm/%.c $(MONITOR_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $< $(MONITOR_LIB_OBJS) $(MONITOR_LIBS)

# One small unikernel per behaviour, judged by exit status and output.
# UHVT_CC_FLAGS declares devices: set it per file or per name pattern below.
GUEST_TESTS := $(patsubst tests/guest/%.c,$(B)/tests/guest/%.hvt,$(wildcard tests/guest/*.c))
$(B)/tests/guest/%.hvt: tests/guest/%.c tests/guest/wire.h tests/guest/probe.h \
		$(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc $(UHVT_CC_FLAGS) -o $@ $<

# Network test guests (net_*.c) have one NIC, net0; ping8 is examples/ping
# with eight, net0 to net7, for the multi-NIC tests.
$(B)/tests/guest/net_%.hvt: UHVT_CC_FLAGS := --net=net0
GUEST_TESTS += $(B)/tests/guest/ping8.hvt
# snap_counter without a build ID: a snapshot then identifies the image by
# all its bytes (snapshot_image_id), which suite-snapshot checks.
$(B)/tests/guest/snap_counter_noid.hvt: tests/guest/snap_counter.c $(B)/uhvt-cc $(GUEST_RT)
	$(B)/uhvt-cc -Wl,--build-id=none -o $@ $<
GUEST_TESTS += $(B)/tests/guest/snap_counter_noid.hvt
$(B)/tests/guest/ping8.hvt: examples/ping/ping.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc -Wall -Wextra -Werror $(foreach i,0 1 2 3 4 5 6 7,--net=net$(i)) \
		-o $@ $<

# Block test guests (blk_*.c) have one disk, "disk"; blk_many has eight,
# d0 to d7 (a target-specific value wins over the pattern's).
$(B)/tests/guest/blk_%.hvt: UHVT_CC_FLAGS := --block=disk
$(B)/tests/guest/blk_many.hvt: UHVT_CC_FLAGS := $(foreach i,0 1 2 3 4 5 6 7,--block=d$(i))

tests: $(B)/tests/unit $(KVM_TESTS) $(GUEST_TESTS)

test: deps
	@$(MAKE) --no-print-directory all tests
	@B=$(B) tests/run

.PHONY: tests test

# The monitor with ASan/UBSan, for the hostile-guest suite.
$(B)/uhvt-san: $(MONITOR_SRCS:%.c=$(B)/san/%.o)
	$(CC) $(SAN_FLAGS) $(HOST_LDFLAGS) -o $@ $^ $(MONITOR_LIBS)

tests: $(B)/uhvt-san

# Host test clients for the TCP/IP examples (tests/kvm/suite-tcpip.sh).
TEST_TOOLS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))
$(B)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $<

tests: $(TEST_TOOLS)

# TCP/IP test guests (tcpip_*.c): the stack over one NIC, net0.
$(B)/tests/guest/tcpip_%.hvt: UHVT_CC_FLAGS := --net=net0 --tcpip

# Process test guests (proc_*.c) are also built for Linux, against the
# host's C library: tests/kvm/suite-process.sh compares the two outputs.
$(B)/tests/guest/proc_%.hvt: UHVT_CC_FLAGS := -Wall -Wextra -Werror
# File test guests (file_*.c) and the signal probes (sig_*.c) too:
# tests/kvm/suite-files.sh, tests/kvm/suite-signals.sh.
$(B)/tests/guest/file_%.hvt: UHVT_CC_FLAGS := -Wall -Wextra -Werror
$(B)/tests/guest/sig_%.hvt: UHVT_CC_FLAGS := -Wall -Wextra -Werror
NATIVE_TESTS := $(patsubst tests/guest/%.c,$(B)/tests/native/%,\
	$(wildcard tests/guest/proc_*.c tests/guest/file_*.c tests/guest/sig_*.c))
$(B)/tests/native/%: tests/guest/%.c tests/guest/probe.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -DNATIVE -O2 -Wall -Wextra -Werror -o $@ $<

tests: $(NATIVE_TESTS)

# The debug tools' guest keeps frame pointers, for --profile's call chains.
$(B)/tests/guest/debug_target.hvt: UHVT_CC_FLAGS := -fno-omit-frame-pointer

# Solo5-ABI test guests (tests/solo5/): freestanding, their own start code
# and linker script, built as Solo5's toolchain builds hvt images (bindings
# without SSE, no red zone, a global stack-protector guard), never with
# uhvt-cc: docs/solo5.md.
SOLO5_GUEST_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-pic -no-pie -nostdlib \
	-static -mno-red-zone -mno-sse -mno-mmx -mno-avx -fstack-protector-strong \
	-mstack-protector-guard=global -fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror -iquote abi -iquote tests/solo5 \
	-Wl,-T,tests/solo5/solo5.ld -Wl,-z,max-page-size=0x1000 -Wl,--build-id=none
SOLO5_GUEST_RT := tests/solo5/start.c tests/solo5/trap.S
SOLO5_GUESTS := $(patsubst tests/solo5/%.c,$(B)/tests/solo5/%.hvt,\
	$(filter-out $(SOLO5_GUEST_RT),$(wildcard tests/solo5/*.c)))
$(B)/tests/solo5/%.hvt: tests/solo5/%.c $(SOLO5_GUEST_RT) tests/solo5/guest.h \
		tests/solo5/solo5.ld abi/solo5_abi.h
	@mkdir -p $(@D)
	$(CC) $(SOLO5_GUEST_CFLAGS) -o $@ $(SOLO5_GUEST_RT) $<

tests: $(SOLO5_GUESTS)

# A uhvt image with urunc's default device names, for the urunc argv test
# (tests/kvm/suite-solo5.sh): one argv serves both kinds of image.
$(B)/tests/guest/urunc_argv.hvt: tests/guest/argv.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc --net=service --block=storage -o $@ $<
tests: $(B)/tests/guest/urunc_argv.hvt

# Guests with a disk mounted (uhvt-cc --mount): mount_*.c at /data.
$(B)/tests/guest/mount_%.hvt: UHVT_CC_FLAGS := --mount=/data:disk
# musl_files reads musl's files (/etc, zoneinfo) from an ext4 root.
$(B)/tests/guest/musl_%.hvt: UHVT_CC_FLAGS := --mount=/:root
# mount_toy brings its own filesystem behind guest/vfs.h.
$(B)/tests/guest/mount_toy.hvt: UHVT_CC_FLAGS := --mount=/data:disk -Iguest

# Filesystem test guests (extfs_*.c): one disk, "disk", and the ext
# filesystem's archive, whose operations they call directly.
$(B)/tests/guest/extfs_%.hvt: tests/guest/extfs_%.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc -Wall -Wextra -Werror --block=disk -o $@ $< \
		$(B)/guest/libuhvt-extfs.a

# The file-call probes (file_basic.c, file_more.c, file_libc.c, once the
# file calls are there) again, with their directory on an ext4 disk at
# /data instead of /tmp: suite-extfs compares the answers with those of
# the in-memory run, which suite-files compares with Linux's.
ONEXT_TESTS := $(patsubst tests/guest/%.c,$(B)/tests/guest/onext_%.hvt,\
	$(wildcard tests/guest/file_basic.c tests/guest/file_more.c tests/guest/file_libc.c))
$(B)/tests/guest/onext_%.hvt: tests/guest/%.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	sed 's|"/tmp/$*\.|"/data/$*.|' $< >$(@:.hvt=.c)
	$(B)/uhvt-cc -Itests/guest --mount=/data:disk -o $@ $(@:.hvt=.c)

tests: $(ONEXT_TESTS)
include tests/programs.mk
