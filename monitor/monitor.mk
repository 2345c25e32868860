# monitor.mk: the uhvt monitor, build/uhvt.

# Device modules, one directory each (docs/architecture.md): their monitor
# halves register themselves (monitor/device.h); this list only builds them.
DEVICE_DIRS := net blk
HOST_CFLAGS += $(DEVICE_DIRS:%=-iquote %)

MONITOR_SRCS := $(wildcard monitor/*.c $(DEVICE_DIRS:%=%/*.c))
# Everything but main.c, for unit tests and fuzzers.
MONITOR_LIB_SRCS := $(filter-out monitor/main.c,$(MONITOR_SRCS))
# liburing statically: one shared library fewer to map at every start.
MONITOR_LIBS := -lelf -lseccomp -l:liburing.a
# uhvt itself is a static PIE, as Firecracker is: no dynamic loader, no
# library to map and relocate at each of thousands of starts (a quarter of a
# restore's time on PVM: docs/performance.md).  Unit tests and fuzzers keep
# the shared libraries (the sanitizers need them).
UHVT_LDFLAGS := -static-pie -Wl,-z,relro,-z,now,-z,noexecstack
UHVT_LIBS := -l:libelf.a -l:libz.a -l:libseccomp.a -l:liburing.a

# Each object's header dependencies, as the compiler saw them (-MMD); -MP
# keeps a deleted header from breaking the next build.
DEPFLAGS := -MMD -MP

MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(B)/%.o)
MONITOR_LIB_OBJS := $(filter-out $(B)/monitor/main.o,$(MONITOR_OBJS))

$(MONITOR_OBJS): $(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(DEPFLAGS) -c -o $@ $<
-include $(MONITOR_OBJS:.o=.d)

$(B)/uhvt: $(MONITOR_OBJS)
	$(CC) $(UHVT_LDFLAGS) -o $@ $^ $(UHVT_LIBS)

all: $(B)/uhvt
