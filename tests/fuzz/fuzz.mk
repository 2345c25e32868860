# fuzz.mk: libFuzzer harnesses (make fuzz, clang) and their corpus replays (make test, gcc).

FUZZERS := elf options hypercall gdb_packet solo5 snapfile
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
# gcc's -Werror build is the strictness gate; clang's other warnings are kept visible.
FUZZ_CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(HOST_CFLAGS)) -Wno-error
# The sandbox would only stop the fuzzer.
FUZZ_OBJS := $(filter-out $(B)/fuzz/monitor/sandbox.o,$(MONITOR_LIB_SRCS:%.c=$(B)/fuzz/%.o))

# Replays: each stored input (seed corpus and every crash ever found, kept
# under tests/fuzz/corpus/NAME) through the harness with ASan/UBSan.
FUZZ_REPLAYS := $(FUZZERS:%=$(B)/tests/fuzz/replay_%)
$(B)/tests/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(MONITOR_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(MONITOR_LIBS)

tests: $(FUZZ_REPLAYS)

$(B)/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link,address,undefined -g -O1 -c -o $@ $<
-include $(FUZZ_OBJS:.o=.d)

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS) -o $@ $^ $(MONITOR_LIBS)

# Run every fuzzer for FUZZ_SECONDS; new inputs go to build/fuzz/corpus-NAME,
# crashes to build/fuzz/NAME-crash-*: copy those to tests/fuzz/corpus/NAME
# once fixed, so make test replays them forever.
fuzz: $(FUZZERS:%=$(B)/fuzz/fuzz_%)
	@for f in $(FUZZERS); do \
		mkdir -p $(B)/fuzz/corpus-$$f; \
		echo "== fuzz_$$f for $(FUZZ_SECONDS) s"; \
		$(B)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(B)/fuzz/$$f- $(B)/fuzz/corpus-$$f \
			tests/fuzz/corpus/$$f 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' \
			|| exit 1; \
	done

fuzz-deps:
	@scripts/deps clang-14 libclang-rt-14-dev

fuzz: | fuzz-deps
.PHONY: fuzz fuzz-deps
