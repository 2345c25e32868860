# examples/examples.mk: example unikernels, built with uhvt-cc.

EXAMPLES := $(B)/examples/hello.hvt

all: $(EXAMPLES)

$(B)/examples/hello.hvt: examples/hello/hello.c $(B)/uhvt-cc
	@mkdir -p $(@D)
	$(B)/uhvt-cc -Wall -Wextra -Werror -o $@ examples/hello/hello.c

# Answers ARP and ICMP echo on one NIC, net0 (see docs/networking.md).
all: $(B)/examples/ping.hvt
$(B)/examples/ping.hvt: examples/ping/ping.c $(B)/uhvt-cc
	@mkdir -p $(@D)
	$(B)/uhvt-cc -Wall -Wextra -Werror --net=net0 -o $@ examples/ping/ping.c

# A persistent key-value store on one disk, kv (see docs/disks.md).
all: $(B)/examples/kv.hvt
$(B)/examples/kv.hvt: examples/kv/kv.c $(B)/uhvt-cc
	@mkdir -p $(@D)
	$(B)/uhvt-cc -Wall -Wextra -Werror --block=kv -o $@ examples/kv/kv.c

# The TCP/IP examples also build as ordinary Linux programs from the same
# source, with the host's compiler: the tests compare their answers with
# the unikernels' (tests/kvm/suite-tcpip.sh).
NATIVE_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes
NATIVE_EXAMPLES := $(B)/examples/httpd-native $(B)/examples/udp-echo-native

all: $(NATIVE_EXAMPLES)
$(B)/examples/httpd-native: examples/httpd/httpd.c
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -o $@ $<
$(B)/examples/udp-echo-native: examples/udp-echo/udp-echo.c
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -o $@ $<

# The same two programs as unikernels: the TCP/IP stack over one NIC, net0
# (see docs/networking.md).
all: $(B)/examples/httpd.hvt $(B)/examples/udp-echo.hvt
$(B)/examples/httpd.hvt: examples/httpd/httpd.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc -Wall -Wextra -Werror --net=net0 --tcpip -o $@ $<
$(B)/examples/udp-echo.hvt: examples/udp-echo/udp-echo.c $(B)/uhvt-cc $(GUEST_RT)
	@mkdir -p $(@D)
	$(B)/uhvt-cc -Wall -Wextra -Werror --net=net0 --tcpip -o $@ $<
