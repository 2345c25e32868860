# Makefile: builds the monitor, the guest runtime and SDK, examples and tests into build/.
#
#   make            everything
#   make test       install dependencies, lint, build, run unit and KVM guest tests
#   make lint       static checks (shellcheck on every shell script)
#   make demo       install dependencies, build and boot a unikernel
#   make install    PREFIX=/usr/local (DESTDIR honoured); SOLO5_HVT=1 also
#                   installs uhvt as solo5-hvt, for urunc (docs/urunc.md)

B ?= build
PREFIX ?= /usr/local
CC ?= cc

# Host code: strict C11 and hardening (see ../shared/STYLE.md).
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -D_FORTIFY_SOURCE=2 \
	-fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE \
	-iquote abi -iquote monitor
HOST_LDFLAGS := -pie -Wl,-z,relro,-z,now,-z,noexecstack

all:

include guest/guest.mk
include monitor/monitor.mk
include examples/examples.mk
include tests/tests.mk
include tests/redis.mk
include tests/fuzz/fuzz.mk
include bench/bench.mk

# Debian packages the build and the tests need; installed when missing.
DEPS := gcc make pkg-config libelf-dev zlib1g-dev liburing-dev libseccomp-dev \
	libcriterion-dev musl-dev linux-libc-dev qemu-system-x86 \
	linux-image-amd64 busybox-static cpio kmod iproute2 iputils-ping gnuplot-nox \
	dpkg-dev debian-archive-keyring curl apache2-utils cppcheck shellcheck gdb \
	e2fsprogs

deps:
	@scripts/deps $(DEPS)

# make lint: every static check, each a lint-* target, clean or it fails.
lint: lint-sh lint-c

# Every shell script: a sh, bash or busybox shebang, or (the suites, which
# run-all's shells source) a shellcheck shell directive.
SH_SCRIPTS := $(shell grep -lE '^(\#!/bin/(ba)?sh|\#!/bin/busybox sh|\# shellcheck shell=)' \
	.ci/run tests/run tests/kvm/* tests/vm/* scripts/* bench/* guest/* 2>/dev/null)

# -x: follow what a script sources (paths are from the repository's root).
lint-sh:
	shellcheck -x $(SH_SCRIPTS)

# The host C code: cppcheck's warnings, portability and performance checks.
lint-c:
	cppcheck --std=c11 --enable=warning,portability,performance --inline-suppr \
		--error-exitcode=1 -q -D_GNU_SOURCE -I abi -I monitor \
		$(DEVICE_DIRS:%=-I %) monitor $(DEVICE_DIRS)

demo: deps
	@$(MAKE) --no-print-directory all $(B)/bench/tcp $(B)/tests/guest/sse.hvt
	@B=$(B) scripts/demo

# The monitor, uhvt-cc, and the runtime uhvt-cc finds at ../lib/uhvt.
install: all
	install -D -m 755 $(B)/uhvt $(DESTDIR)$(PREFIX)/bin/uhvt
	install -D -m 755 $(B)/uhvt-cc $(DESTDIR)$(PREFIX)/bin/uhvt-cc
	install -d $(DESTDIR)$(PREFIX)/lib/uhvt/include
	install -m 644 $(B)/guest/libuhvt.a $(B)/guest/libuhvt-tcpip.a \
		$(B)/guest/libuhvt-extfs.a $(B)/guest/start.o $(B)/guest/uhvt.ld \
		$(DESTDIR)$(PREFIX)/lib/uhvt/
	install -m 644 $(B)/guest/include/*.h $(DESTDIR)$(PREFIX)/lib/uhvt/include/
	@if [ -n "$(SOLO5_HVT)" ]; then \
		echo "ln -sf uhvt $(DESTDIR)$(PREFIX)/bin/solo5-hvt"; \
		ln -sf uhvt $(DESTDIR)$(PREFIX)/bin/solo5-hvt; \
	fi

clean:
	rm -rf $(B)

.PHONY: all deps demo clean install lint lint-sh lint-c
