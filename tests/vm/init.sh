#!/bin/busybox sh
# PID 1 of the tests/vm/run VM: mount the host root over 9p, load KVM, run the command, power off.
# shellcheck shell=dash # busybox's ash, as close as shellcheck gets
# Runs from the busybox initramfs; host binaries run via chroot /newroot with absolute paths
# (busybox chroot would otherwise prefer its own applet of the same name, e.g. modprobe).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
R=/newroot
P9='trans=virtio,version=9p2000.L,msize=512000'
ERR=/dev/console

# Every failure must reach the caller (status 125 + message on its stderr); never hang.
die() {
	trap - EXIT
	echo "tests/vm/run: $*" >"$ERR"
	[ -d /res/. ] && echo 125 >/res/status.tmp && mv /res/status.tmp /res/status
	sync
	poweroff -f
	# Builtins only: if even busybox cannot exec, panic=-1 + -no-reboot still end QEMU.
	echo o >/proc/sysrq-trigger
	exit 1
}
trap 'die "VM init failed unexpectedly"' EXIT

while read -r m; do insmod "/modules/$m" || die "insmod $m failed"; done </modules/order

# Ports show up asynchronously after QEMU answers virtio_console's control messages.
n=0
while :; do
	for d in /sys/class/virtio-ports/vport*; do
		[ -r "$d/name" ] || continue
		name=$(cat "$d/name")
		[ -c "/dev/${d##*/}" ] && eval "port_$name=/dev/${d##*/}"
	done
	[ -n "$port_out" ] && [ -n "$port_err" ] && break
	n=$((n + 1))
	[ $n -lt 100 ] || die "virtio-serial ports did not appear"
	sleep 0.05
done
ERR=$port_err

mkdir -p /res $R
mount -t 9p -o "$P9" uhvtres /res || die "cannot mount the results share"
# cache=loose: without it every exec re-reads the whole binary over 9p (~0.3 s per tiny program).
mount -t 9p -o "$P9,cache=loose,ro" root $R || die "cannot mount the host root over 9p"
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
mount -t tmpfs -o mode=755 tmpfs $R/run
mount -t tmpfs -o mode=1777 tmpfs $R/var/tmp

# Host-side modules: kmod from the shared root resolves dependencies from /lib/modules.
chroot $R /sbin/modprobe -a overlay tun || die "modprobe overlay tun failed"
chroot $R /sbin/modprobe kvm_amd 2>"$ERR" || chroot $R /sbin/modprobe kvm_intel 2>/dev/null
[ -c $R/dev/kvm ] || die "no /dev/kvm inside the VM (kvm-amd did not load)"
chroot $R /bin/sh -c ': </dev/kvm' || die "/dev/kvm exists but cannot be opened"

# /tmp: host content visible read-only (tests read files prepared there), writes go to RAM.
mkdir -p /ovl && mount -t tmpfs tmpfs /ovl && mkdir -p /ovl/up /ovl/work && chmod 1777 /ovl/up
mount -t overlay -o lowerdir=$R/tmp,upperdir=/ovl/up,workdir=/ovl/work overlay $R/tmp ||
	mount -t tmpfs -o mode=1777 tmpfs $R/tmp

# --rw DIR shares, mounted in the order given (tags rw0, rw1, ...).
i=0
if [ -s /res/rw ]; then
	while IFS= read -r d; do
		mount -t 9p -o "$P9,cache=loose" "rw$i" "$R$d" || die "cannot mount --rw $d"
		i=$((i + 1))
	done </res/rw
fi

mkdir -p $R/run/uhvt-vm && mount --bind /res $R/run/uhvt-vm
ip link set lo up
hostname uhvt-vm

trap - EXIT
out=$port_out
[ -e /res/merge ] && out=$port_err
chroot $R /usr/bin/env -i /bin/sh /run/uhvt-vm/cmd </dev/null >"$out" 2>"$port_err"
echo $? >/res/status.tmp
# --rw shares use cache=loose: make sure every write reaches the host before the power goes.
sync
mv /res/status.tmp /res/status
sync
poweroff -f
