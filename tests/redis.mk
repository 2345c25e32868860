# redis.mk: Redis from Debian 12's source package, redis-server built unchanged with uhvt-cc, its client and benchmark for the host (tests/kvm/suite-server.sh).
#
# scripts/redis-fetch unpacks the pinned source once into $(REDIS_DIR)/src;
# each build works on its own copy (Redis's Makefile keeps its settings and
# objects in the tree), so the image and the host tools never mix objects.
# The image is exactly what a user gets with
#
#   make -C src redis-server MALLOC=libc BUILD_TLS=no USE_SYSTEMD=no \
#       CC="uhvt-cc --tcpip --net=service"
#
# (libc malloc: jemalloc's build probes the build machine; no TLS, no
# systemd).  Only redis-server, redis-cli and redis-benchmark are built, and
# a rebuild of the runtime only relinks the image.  A second image of the
# same objects, linked with --mount=/data:data too, saves to an ext4 disk
# (Redis's Makefile relinks when only CC changes; both links are in one
# recipe, as they share the tree).

REDIS_DIR := $(B)/redis
REDIS_STAMP := $(REDIS_DIR)/src/.version
REDIS_FLAGS := MALLOC=libc BUILD_TLS=no USE_SYSTEMD=no
REDIS_IMAGE := $(REDIS_DIR)/redis-server.hvt
REDIS_IMAGE_DATA := $(REDIS_DIR)/redis-server-data.hvt
REDIS_TOOLS := $(REDIS_DIR)/redis-cli $(REDIS_DIR)/redis-benchmark

$(REDIS_STAMP): scripts/redis-fetch scripts/debian-source-fetch
	scripts/redis-fetch $(REDIS_DIR)

# $(MAKE) -C: the copies' own Makefiles; their output stays in the copies.
$(REDIS_IMAGE) $(REDIS_IMAGE_DATA) &: $(REDIS_STAMP) $(B)/uhvt-cc $(B)/guest/libuhvt-tcpip.a \
		$(B)/guest/libuhvt-extfs.a $(B)/guest/start.o $(B)/guest/uhvt.ld
	[ -f $(REDIS_DIR)/guest/.version ] && \
		cmp -s $(REDIS_STAMP) $(REDIS_DIR)/guest/.version || \
		{ rm -rf $(REDIS_DIR)/guest && cp -a $(REDIS_DIR)/src $(REDIS_DIR)/guest; }
	rm -f $(REDIS_DIR)/guest/src/redis-server
	$(MAKE) -C $(REDIS_DIR)/guest/src redis-server $(REDIS_FLAGS) \
		CC="$(abspath $(B)/uhvt-cc) --tcpip --net=service"
	cp $(REDIS_DIR)/guest/src/redis-server $(REDIS_IMAGE)
	rm -f $(REDIS_DIR)/guest/src/redis-server
	$(MAKE) -C $(REDIS_DIR)/guest/src redis-server $(REDIS_FLAGS) \
		CC="$(abspath $(B)/uhvt-cc) --tcpip --net=service --mount=/data:data"
	cp $(REDIS_DIR)/guest/src/redis-server $(REDIS_IMAGE_DATA)

$(REDIS_TOOLS) &: $(REDIS_STAMP)
	rm -rf $(REDIS_DIR)/host && cp -a $(REDIS_DIR)/src $(REDIS_DIR)/host
	$(MAKE) -C $(REDIS_DIR)/host/src redis-cli redis-benchmark $(REDIS_FLAGS)
	cp $(REDIS_DIR)/host/src/redis-cli $(REDIS_DIR)/host/src/redis-benchmark \
		$(REDIS_DIR)/

redis: $(REDIS_IMAGE) $(REDIS_IMAGE_DATA) $(REDIS_TOOLS)
tests: redis
.PHONY: redis
