# guest/guest.mk: the guest runtime (libuhvt.a, start.o), its linker script,
# headers, and the uhvt-cc driver, all under $(B)/guest plus $(B)/uhvt-cc.
#
# $(B)/guest is self-contained (libuhvt.a start.o uhvt.ld include/): it is
# what uhvt-cc needs, found beside the script in the build tree or at
# $(PREFIX)/lib/uhvt when installed (copy the directory there and uhvt-cc to
# $(PREFIX)/bin).

MUSL_INC := /usr/include/x86_64-linux-musl
MUSL_LIB := /usr/lib/x86_64-linux-musl
GUEST_GCC_INC := $(shell $(CC) -print-file-name=include)
GUEST_LIBGCC := $(shell $(CC) -print-libgcc-file-name)

# The runtime: freestanding, no red zone (it runs below the caller's), and
# general registers only (syscalls must preserve every vector register).
GUEST_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -ffreestanding -fno-pic \
	-mno-red-zone -mgeneral-regs-only -fstack-protector-strong \
	-fvisibility=hidden -nostdinc -isystem $(MUSL_INC) \
	-isystem $(GUEST_GCC_INC) -Iabi -Iguest -Iguest/include \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-MMD -MP

# The core, in every image; notcpip.o stands in for the TCP/IP stack in
# the runtime without one.
GUEST_C := $(filter-out notcpip,$(basename $(notdir $(wildcard guest/*.c))))
GUEST_S := $(filter-out start,$(basename $(notdir $(wildcard guest/*.S))))
GUEST_OBJS := $(GUEST_C:%=$(B)/guest/obj/%.o) $(GUEST_S:%=$(B)/guest/obj/%.S.o)
GUEST_RT := $(B)/guest/libuhvt.a $(B)/guest/libuhvt-tcpip.a \
	$(B)/guest/start.o $(B)/guest/uhvt.ld \
	$(B)/guest/include/uhvt.h $(B)/guest/include/uhvt_abi.h

# The TCP/IP stack (uhvt-cc --tcpip): lwIP from Debian's source package,
# fetched once into $(B)/lwip (scripts/lwip-fetch, pinned there), built
# freestanding with the runtime's flags and configured by
# guest/tcpip/lwipopts.h; guest/tcpip/ adapts it to the NIC and to POSIX.
LWIP_STAMP := $(B)/lwip/src/.version
LWIP_SRC := $(B)/lwip/src/src
LWIP_FILES := core/def core/inet_chksum core/init core/ip core/mem core/memp \
	core/netif core/pbuf core/tcp core/tcp_in core/tcp_out core/timeouts \
	core/udp core/ipv4/dhcp core/ipv4/etharp core/ipv4/icmp core/ipv4/ip4 \
	core/ipv4/ip4_addr core/ipv4/ip4_frag netif/ethernet
LWIP_OBJS := $(LWIP_FILES:%=$(B)/guest/lwip/%.o)
TCPIP_OBJS := $(patsubst guest/tcpip/%.c,$(B)/guest/obj/tcpip/%.o,\
	$(wildcard guest/tcpip/*.c))
TCPIP_INC := -Iguest/tcpip -I$(LWIP_SRC)/include
# lwIP is not ours to hold to our warnings; everything else about how it
# is compiled (freestanding, no vector registers) must be the runtime's.
LWIP_CFLAGS := $(filter-out -W% -MMD -MP,$(GUEST_CFLAGS)) -w $(TCPIP_INC)

$(LWIP_STAMP): scripts/lwip-fetch scripts/debian-source-fetch
	scripts/lwip-fetch $(B)/lwip
	touch $@

$(LWIP_OBJS): $(B)/guest/lwip/%.o: $(LWIP_STAMP) guest/tcpip/lwipopts.h \
		guest/tcpip/arch/cc.h
	@mkdir -p $(@D)
	$(CC) $(LWIP_CFLAGS) -c $(LWIP_SRC)/$*.c -o $@

$(B)/guest/obj/tcpip/%.o: guest/tcpip/%.c $(LWIP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) $(TCPIP_INC) -c $< -o $@

# The ext filesystem for disk mounts (libuhvt-extfs.a).
include guest/extfs.mk

all: $(B)/uhvt-cc

$(B)/guest/obj/%.o: guest/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(B)/guest/obj/%.S.o: guest/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(B)/guest/start.o: guest/start.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

# One relocatable object with every internal symbol made local, so the
# runtime's names cannot collide with an application's; check-runtime
# proves what it takes from musl leaves vector registers alone.
define guest_archive
	@mkdir -p $(@D)
	ld -r -o $(@:.a=.o) $(filter %.o,$^)
	objcopy --localize-hidden $(@:.a=.o)
	guest/check-runtime $(@:.a=.o) $(MUSL_LIB)/libc.a
	rm -f $@
	ar rcs $@ $(@:.a=.o)
endef

$(B)/guest/libuhvt.a: $(GUEST_OBJS) $(B)/guest/obj/notcpip.o guest/check-runtime
	$(guest_archive)

$(B)/guest/libuhvt-tcpip.a: $(GUEST_OBJS) $(TCPIP_OBJS) $(LWIP_OBJS) \
		guest/check-runtime
	$(guest_archive)

$(B)/guest/uhvt.ld: guest/uhvt.ld
	@mkdir -p $(@D)
	cp $< $@

$(B)/guest/include/%.h: guest/include/%.h
	@mkdir -p $(@D)
	cp $< $@

$(B)/guest/include/uhvt_abi.h: abi/uhvt_abi.h
	@mkdir -p $(@D)
	cp $< $@

$(B)/uhvt-cc: guest/uhvt-cc.in $(GUEST_RT)
	@mkdir -p $(@D)
	sed -e 's|@CC@|$(CC)|g' -e 's|@MUSL_INC@|$(MUSL_INC)|g' \
		-e 's|@MUSL_LIB@|$(MUSL_LIB)|g' -e 's|@GCC_INC@|$(GUEST_GCC_INC)|g' \
		-e 's|@LIBGCC@|$(GUEST_LIBGCC)|g' $< > $@.tmp
	chmod +x $@.tmp
	mv $@.tmp $@

-include $(GUEST_OBJS:.o=.d) $(TCPIP_OBJS:.o=.d) $(B)/guest/start.d
