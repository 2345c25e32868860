# tests/programs.mk: real programs from Debian's source packages (Lua, SQLite's shell), built unchanged with uhvt-cc for suite-programs.
#
# Each is fetched once into $(B)/programs/NAME (scripts/debian-source-fetch;
# the pins are here) and built with its own build system and CC=uhvt-cc; the
# only uhvt-specific input is the mount, given as a link flag.  Nothing of
# either program is committed; both builds are cached in $(B)/programs.
PROG_DIR := $(B)/programs
LUA_PIN := lua5.4 5.4.4-3+deb12u1
SQLITE_PIN := sqlite3 3.40.1-2+deb12u2
PROGRAMS := $(PROG_DIR)/lua.hvt $(PROG_DIR)/sqlite3.hvt

$(PROG_DIR)/%/src/.version: scripts/debian-source-fetch tests/programs.mk
	scripts/debian-source-fetch $(if $(filter lua,$*),$(LUA_PIN),$(SQLITE_PIN)) $(PROG_DIR)/$*
	touch $@

# Lua with its own Makefile, target linux.  Debian's packaging patches are
# taken back out: 0001 (a libtool shared library and a C++ variant) and 0002
# (Debian's module paths, which need a header debian/rules generates); the
# source fixes (0003-0005, two CVEs) stay.  Modules load from Lua's own
# default path, /usr/local/share/lua/5.4/ and ./.  The image's root is
# the ext4 disk "root".  The sub-make gets none of our flags.
$(PROG_DIR)/lua.hvt: $(PROG_DIR)/lua/src/.version $(B)/uhvt-cc $(GUEST_RT)
	rm -rf $(PROG_DIR)/lua/w
	cp -a $(PROG_DIR)/lua/src $(PROG_DIR)/lua/w
	cd $(PROG_DIR)/lua/w && patch -s -R -p1 <debian/patches/0002-lua-modules-paths.patch && \
		patch -s -R -p1 <debian/patches/0001-build-system.patch
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 -C $(PROG_DIR)/lua/w/src \
		linux CC=$(abspath $(B))/uhvt-cc MYLDFLAGS=--mount=/:root \
		>$(PROG_DIR)/lua/build.log 2>&1 || { cat $(PROG_DIR)/lua/build.log; exit 1; }
	cp $(PROG_DIR)/lua/w/src/lua $@

# SQLite's shell through its own configure, as for any autotools project:
# CC=uhvt-cc, --host=x86_64-linux-musl and --build (without --build,
# autoconf runs a test program to decide whether it cross-compiles, an
# image happens to run on the host, and SQLite then builds its build tools,
# lemon and mkkeywordhash, with uhvt-cc); Debian's 30-cross.patch also
# wants make CROSS_BUILDING=yes to build lemon for the build machine.  No shared library, readline, Tcl or extension
# loading (no dlopen in an image).  The database disk "disk" is at /data;
# temporary files go to the in-memory /tmp.
SQLITE_CONFIGURE := --build=$(shell cc -dumpmachine) --host=x86_64-linux-musl --disable-shared --enable-static \
	--disable-readline --disable-editline --disable-tcl --disable-load-extension
$(PROG_DIR)/sqlite3.hvt: $(PROG_DIR)/sqlite3/src/.version $(B)/uhvt-cc $(GUEST_RT)
	rm -rf $(PROG_DIR)/sqlite3/obj
	mkdir -p $(PROG_DIR)/sqlite3/obj
	cd $(PROG_DIR)/sqlite3/obj && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		../src/configure CC=$(abspath $(B))/uhvt-cc LDFLAGS=--mount=/data:disk \
		$(SQLITE_CONFIGURE) >build.log 2>&1 && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 CROSS_BUILDING=yes sqlite3 >>build.log 2>&1 || \
		{ cat build.log; exit 1; }
	cp $(PROG_DIR)/sqlite3/obj/sqlite3 $@

tests: $(PROGRAMS)
