# monitor.mk: the uhvt monitor, build/uhvt.

# The monitor halves of the devices live in net/ and blk/.
MONITOR_SRCS := $(wildcard monitor/*.c net/*.c blk/*.c)
# Everything but main.c, for unit tests and fuzzers.
MONITOR_LIB_SRCS := $(filter-out monitor/main.c,$(MONITOR_SRCS))
# liburing statically: one shared library fewer to map at every start.
MONITOR_LIBS := -lelf -lseccomp -l:liburing.a

MONITOR_HDRS := $(wildcard monitor/*.h net/*.h blk/*.h) abi/uhvt_abi.h

$(B)/monitor/%.o: monitor/%.c $(MONITOR_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<
$(B)/net/%.o: net/%.c $(MONITOR_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<
$(B)/blk/%.o: blk/%.c $(MONITOR_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<

MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(B)/%.o)
MONITOR_LIB_OBJS := $(filter-out $(B)/monitor/main.o,$(MONITOR_OBJS))

$(B)/uhvt: $(MONITOR_OBJS)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(MONITOR_LIBS)

all: $(B)/uhvt
