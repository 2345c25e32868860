# monitor.mk: the uhvt monitor, build/uhvt.

MONITOR_SRCS := monitor/main.c monitor/options.c monitor/mem.c monitor/elf.c \
	monitor/kvm.c monitor/cpu_x86_64.c monitor/boot.c monitor/hypercall.c \
	monitor/vcpu.c monitor/vm.c
# Everything but main.c, for unit tests and fuzzers.
MONITOR_LIB_SRCS := $(filter-out monitor/main.c,$(MONITOR_SRCS))
MONITOR_LIBS := -lelf

$(B)/monitor/%.o: monitor/%.c $(wildcard monitor/*.h) abi/uhvt_abi.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<

$(B)/uhvt: $(MONITOR_SRCS:monitor/%.c=$(B)/monitor/%.o)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(MONITOR_LIBS)

all: $(B)/uhvt
