# bench.mk: make bench: boot latency, hypercall cost, block I/O and density on KVM, as JSON.

BENCH_BINS := $(B)/bench/boot $(B)/bench/kvm_floor $(B)/bench/noop.hvt \
	$(B)/bench/hypercall.hvt $(B)/bench/blk.hvt $(B)/tests/guest/idle.hvt

$(B)/bench/boot: bench/boot.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $<

$(B)/bench/kvm_floor: bench/kvm_floor.c $(MONITOR_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $< $(MONITOR_LIB_OBJS) $(MONITOR_LIBS)

$(B)/bench/%.hvt: bench/%.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc -O2 $(BENCH_CC_FLAGS) -o $@ $<
$(B)/bench/blk.hvt: BENCH_CC_FLAGS := --block=disk

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@B=$(B) bench/run

.PHONY: bench
