# bench.mk: make bench: boot latency, hypercall cost, block and network I/O, threads, density on KVM, as JSON and plots.

BENCH_BINS := $(B)/bench/boot $(B)/bench/kvm_floor $(B)/bench/kvm_bare $(B)/bench/noop.hvt \
	$(B)/bench/hypercall.hvt $(B)/bench/blk.hvt $(B)/tests/guest/idle.hvt \
	$(B)/bench/net.hvt $(B)/bench/udp $(B)/examples/ping.hvt $(B)/tests/guest/net_batch.hvt \
	$(B)/bench/tcp $(B)/bench/tcp_sink.hvt $(B)/examples/httpd.hvt \
	$(B)/tests/guest/sse.hvt $(B)/tests/guest/native.hvt \
	$(B)/tests/guest/snap_idle.hvt $(B)/tests/guest/snap_exit.hvt \
	$(B)/bench/extfs.hvt \
	$(B)/bench/threads.hvt $(B)/bench/threads-native

$(B)/bench/boot: bench/boot.c bench/common.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $<

$(B)/bench/udp: bench/udp.c bench/common.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $<

$(B)/bench/tcp: bench/tcp.c bench/common.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $<

# The same threads benchmark on Linux, for reference beside the guest's.
$(B)/bench/threads-native: bench/threads.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $< -lpthread

# The bare-KVM floor under a start: static, so no dynamic loader is in it.
$(B)/bench/kvm_bare: bench/kvm_bare.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -static-pie -Wl,-z,relro,-z,now,-z,noexecstack -o $@ $<

$(B)/bench/kvm_floor: bench/kvm_floor.c $(MONITOR_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $< $(MONITOR_LIB_OBJS) $(MONITOR_LIBS)

$(B)/bench/%.hvt: bench/%.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc -O2 $(BENCH_CC_FLAGS) -o $@ $<
$(B)/bench/blk.hvt: BENCH_CC_FLAGS := --block=disk
$(B)/bench/net.hvt: BENCH_CC_FLAGS := --net=net0 -Itests/guest
$(B)/bench/net.hvt: tests/guest/wire.h
$(B)/bench/tcp_sink.hvt: BENCH_CC_FLAGS := --net=net0 --tcpip
# The ext filesystem's archive, after the source that calls it.
$(B)/bench/extfs.hvt: bench/extfs.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc -O2 --block=disk -o $@ $< $(B)/guest/libuhvt-extfs.a

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@B=$(B) bench/run

.PHONY: bench

# Solo5-ABI bench guests, on the runtime of tests/solo5/ (tests.mk), for
# bench/solo5-compare: the same image under uhvt and a solo5-hvt.
$(B)/bench/solo5_%.hvt: bench/solo5_%.c $(SOLO5_GUEST_RT) tests/solo5/guest.h \
		tests/solo5/solo5.ld abi/solo5_abi.h
	@mkdir -p $(@D)
	$(CC) $(SOLO5_GUEST_CFLAGS) -o $@ $(SOLO5_GUEST_RT) $<
BENCH_BINS += $(B)/bench/solo5_blk.hvt $(B)/tests/solo5/hello.hvt $(B)/tests/solo5/net.hvt

# Many unikernels at once (bench/snapshot's fleet and ceiling).
FLEET_SRCS := bench/fleet.c bench/fleet_http.c bench/fleet_report.c
$(B)/bench/fleet: $(FLEET_SRCS) bench/fleet.h bench/common.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $(FLEET_SRCS)
BENCH_BINS += $(B)/bench/fleet
