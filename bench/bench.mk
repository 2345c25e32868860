# bench.mk: make bench: boot latency, hypercall cost, block and network I/O, density on KVM, as JSON and plots.

BENCH_BINS := $(B)/bench/boot $(B)/bench/kvm_floor $(B)/bench/noop.hvt \
	$(B)/bench/hypercall.hvt $(B)/bench/blk.hvt $(B)/tests/guest/idle.hvt \
	$(B)/bench/net.hvt $(B)/bench/udp $(B)/examples/ping.hvt $(B)/tests/guest/net_batch.hvt \
	$(B)/bench/tcp $(B)/bench/tcp_sink.hvt $(B)/examples/httpd.hvt \
	$(B)/tests/guest/sse.hvt $(B)/tests/guest/native.hvt

$(B)/bench/boot: bench/boot.c bench/common.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $<

$(B)/bench/udp: bench/udp.c bench/common.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $<

$(B)/bench/tcp: bench/tcp.c bench/common.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $<

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

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@B=$(B) bench/run

.PHONY: bench
