# tests.mk: Criterion unit tests (ASan/UBSan), KVM host tests, guest test images; make test.

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
MONITOR_SAN_OBJS := $(MONITOR_LIB_SRCS:%.c=$(B)/san/%.o)

$(B)/san/%.o: %.c $(MONITOR_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

UNIT_SRCS := $(wildcard tests/unit/*.c)
$(B)/tests/unit: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(MONITOR_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Wno-missing-prototypes $(SAN_FLAGS) -o $@ \
		$(UNIT_SRCS) $(MONITOR_SAN_OBJS) -lcriterion $(MONITOR_LIBS)

# Host programs that drive KVM directly (run inside the test VM if need be).
KVM_TESTS := $(patsubst tests/kvm/%.c,$(B)/tests/kvm/%,$(wildcard tests/kvm/*.c))
$(B)/tests/kvm/%: tests/kvm/%.c $(MONITOR_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $< $(MONITOR_LIB_OBJS) $(MONITOR_LIBS)

# One small unikernel per behaviour, judged by exit status and output.
GUEST_TESTS := $(patsubst tests/guest/%.c,$(B)/tests/guest/%.hvt,$(wildcard tests/guest/*.c))
$(B)/tests/guest/%.hvt: tests/guest/%.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc -o $@ $<

tests: $(B)/tests/unit $(KVM_TESTS) $(GUEST_TESTS)

test: deps
	@$(MAKE) --no-print-directory all tests
	@B=$(B) tests/run

.PHONY: tests test
