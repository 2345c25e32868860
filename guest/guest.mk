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

GUEST_C := $(basename $(notdir $(wildcard guest/*.c)))
GUEST_S := $(filter-out start,$(basename $(notdir $(wildcard guest/*.S))))
GUEST_OBJS := $(GUEST_C:%=$(B)/guest/obj/%.o) $(GUEST_S:%=$(B)/guest/obj/%.S.o)
GUEST_RT := $(B)/guest/libuhvt.a $(B)/guest/start.o $(B)/guest/uhvt.ld \
	$(B)/guest/include/uhvt.h $(B)/guest/include/uhvt_abi.h

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
# runtime's names cannot collide with an application's.
$(B)/guest/libuhvt.a: $(GUEST_OBJS)
	@mkdir -p $(@D)
	ld -r -o $(B)/guest/uhvt.o $(GUEST_OBJS)
	objcopy --localize-hidden $(B)/guest/uhvt.o
	rm -f $@
	ar rcs $@ $(B)/guest/uhvt.o

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

-include $(GUEST_OBJS:.o=.d) $(B)/guest/start.d
