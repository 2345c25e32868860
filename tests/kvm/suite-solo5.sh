# suite-solo5.sh: Solo5 hvt images (tests/solo5/, built against the Solo5 ABI alone) run unmodified, as solo5-hvt and urunc run them (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin
#
# The guests boot as Solo5's bindings do: their own GDT with ring-0
# segments, TSS, IDT.  Under PVM uhvt starts them in ring 0 in PVM's
# instruction emulator, as solo5-hvt does (docs/solo5.md): integer code and
# exceptions work there, an SSE instruction is an emulation failure (126).
# That test checks what each kind of KVM does; everything else must pass on
# both.  Needs root for the tap test.

S=$B/tests/solo5
case $("$U" --version 2>/dev/null | sed -n 's/^KVM: //p') in
PVM*) pvm=1 ;;
*) pvm= ;;
esac

# ---- boot, console, command line, exit statuses ----
check solo5-hello 0 '^Hello from a Solo5-ABI guest$' "$U" "$S/hello.hvt"
check solo5-mem-bare-mib 0 '^heap MiB: 64$' "$U" --mem=64 "$S/hello.hvt"
check solo5-mem-suffix 0 '^heap MiB: 32$' "$U" --mem=32M "$S/hello.hvt"
check solo5-cmdline 0 '^cmdline: \[one two  three\]$' "$U" "$S/args.hvt" one two '' three
check solo5-cmdline-empty 0 '^cmdline: \[\]$' "$U" "$S/args.hvt"
check solo5-cmdline-dashes 0 '^cmdline: \[--solo5:quiet --x\]$' \
    "$U" -- "$S/args.hvt" --solo5:quiet --x
# A Solo5 guest's status is the process's, all of 0..255 (uhvt images: 0..119).
check_after solo5-exit-status 200 '^cmdline: ' '' "$U" "$S/args.hvt" exit 200
check_after solo5-exit-status-1 1 '^cmdline: ' '' "$U" "$S/args.hvt" exit 1
long=$(head -c 8200 /dev/zero | tr '\0' x)
check solo5-cmdline-too-long 125 "command line too long: 8200 characters, Solo5's limit is 8191" \
    "$U" "$S/args.hvt" "$long"
check solo5-cmdline-longest 0 '^cmdline: \[x{8191}\]$' "$U" "$S/args.hvt" "$(head -c 8191 /dev/zero | tr '\0' x)"

# ---- clocks and poll ----
check solo5-time 0 '^time ok$' "$U" "$S/time.hvt"

# ---- abort, traps, SSE ----
check_after solo5-abort 255 '^Solo5: ABORT: on purpose$' \
    'guest aborted \(Solo5 exit status 255\)$' "$U" "$S/abort.hvt"
check_after solo5-trap 255 '^Solo5: trap: vector 6 ' \
    'guest aborted \(Solo5 exit status 255\) with a trap frame' "$U" "$S/trap.hvt"
if [ -z "$pvm" ]; then
    check solo5-sse 0 '^sse ok$' "$U" "$S/sse.hvt"
else
    echo "EXPECT pvm-internal-error (solo5-sse-pvm)"
    check_after solo5-sse-pvm 126 '^about to use SSE$' \
        "PVM's instruction emulator .* no SSE" "$U" "$S/sse.hvt"
fi
# --dumpcore=DIR as solo5-hvt's: a core file when the guest aborts (255),
# with the registers of the trap frame its handler passed, which gdb reads.
# The cores go to a tmpfs: uhvt makes them with O_TMPFILE, which the test
# VM's /tmp (an overlay on 9p) does not support.
cores=$(mktemp -d /dev/shm/uhvt-solo5.XXXXXX 2>/dev/null) || cores=$tmp/cores
kvm_at_exit "rm -rf '$cores'"
for c in trap abort; do
    rm -rf "$cores" && mkdir "$cores"
    check_after "solo5-dumpcore-$c" 255 "^about to $c\$" "core dumped to $cores/core.uhvt." \
        "$U" --dumpcore="$cores" "$S/$c.hvt"
    for core in "$cores"/core.uhvt.*; do break; done
    want='terminated with signal SIGABRT'
    if [ $c = trap ]; then want='^#0 .* solo5_app_main .* at tests/solo5/trap.c'; fi
    check "solo5-dumpcore-$c-gdb" 0 "$want" gdb -nx -batch -ex 'bt 2' "$S/$c.hvt" "$core"
done

# PVM runs Solo5 guests in its emulator, as solo5-hvt's do there: said so.
kind='hardware'
[ -z "$pvm" ] || kind='PVM \(emulated\)'
check solo5-kvm-kind 0 "kvm-stats \\($kind" "$U" --kvm-stats "$S/hello.hvt"

# ---- malformed hypercalls end the guest (123); invalid ones are answered ----
disk=$tmp/disk.img
printf 'uhvt-solo5-disk sector zero\n' >"$disk"
truncate -s 1M "$disk"
for b in port zero outside misaligned in data cookie buffer; do
    check_after "solo5-bad-$b" 123 "^bad call: $b$" '^uhvt: (guest|hypercall)' \
        "$U" --block:storage="$disk" "$S/bad.hvt" "$b"
done
check solo5-invalid-answers 0 '^answers: 2 2 2 2 2 2$' \
    "$U" --block:storage="$disk" "$S/bad.hvt" invalid

# ---- devices: the manifest, options, block I/O ----
check solo5-blk 0 '^blk ok$' "$U" --block:storage="$disk" "$S/blk.hvt"
check solo5-blk-content 0 '^sector 0: uhvt-solo5-disk sector zero$' \
    "$U" --block:storage="$disk" "$S/blk.hvt"
check_left solo5-blk-written '^blk ok$' 'the last sector does not hold the pattern' \
    sh -c "tail -c 512 '$disk' | od -An -tx1 -N4 | grep -q '03 0a 11 18'"
truncate -s 1M "$disk"
check solo5-blk-sector-size 0 'block: 4096$' \
    "$U" --block:storage="$disk" --block-sector-size:storage=4096 "$S/blk.hvt"
check solo5-blk-undeclared 125 "declares no disk named 'other'" \
    "$U" --block:other="$disk" "$S/blk.hvt"
check solo5-blk-missing 125 "declares disk 'storage' but no --block:storage" "$U" "$S/blk.hvt"

# ---- a NIC answering the host's ping over a tap made for a user, as that user ----
s5_tap=uhvts0
s5_cleanup() { ip link del "$s5_tap" 2>/dev/null; }
kvm_at_exit s5_cleanup
if ip link show "$s5_tap" >/dev/null 2>&1; then
    echo "interface $s5_tap exists already; not touching it" >"$tmp/out"
    fail solo5-net "could not create tap $s5_tap"
elif ! { ip tuntap add "$s5_tap" mode tap user 65534 &&
    ip addr add 10.77.5.1/24 dev "$s5_tap" && ip link set "$s5_tap" up; } >"$tmp/out" 2>&1; then
    fail solo5-net "could not create tap $s5_tap"
else
    { echo 1 >"/proc/sys/net/ipv6/conf/$s5_tap/disable_ipv6"; } 2>/dev/null
    mode=$(stat -c %a /dev/kvm) tunmode=$(stat -c %a /dev/net/tun)
    chmod 0666 /dev/kvm /dev/net/tun # as udev leaves them on Debian
    if bg_start "$tmp/net" '^ready$' 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$U" --mem=64 --net:service="$s5_tap" --net-mac:service=02:00:00:00:05:02 \
        "$S/net.hvt" 10.77.5.2 3; then
        pid=$bg_pid
        ping -c 3 -W 5 10.77.5.2 >"$tmp/out" 2>&1
        wait_until 20 ended "$pid"
        bg_stop "$pid" -
        cat "$tmp/net" >>"$tmp/out"
        if [ "$bg_status" -eq 0 ] && grep -q '^echoed 3$' "$tmp/net" &&
            grep -q ' 0% packet loss' "$tmp/out" &&
            grep -q '^mac: 02:00:00:00:05:02 mtu: 1500$' "$tmp/net"; then
            pass solo5-net-ping-non-root
        else
            fail solo5-net-ping-non-root "exit status $bg_status"
        fi
    else
        cp "$tmp/net" "$tmp/out"
        fail solo5-net-ping-non-root "the guest never said ready"
    fi
    chmod "$mode" /dev/kvm
    chmod "$tunmode" /dev/net/tun

    # urunc's argv for a MirageOS image, exactly (pkg/unikontainers/hypervisors/
    # hvt.go): --mem=MiB, the NIC and its MAC, the disk, "--", the image, and
    # the whole command line as one argument.  The same argv runs a uhvt image.
    cmd='--ipv4=10.77.5.2/24 --ipv4-gateway=10.77.5.1 '
    check solo5-urunc-argv 0 '^storage capacity: 1048576$' \
        "$U" --mem=128 --net:service="$s5_tap" --net-mac:service=02:00:00:00:05:09 \
        --block:storage="$disk" -- "$S/devices.hvt" "$cmd"
    check solo5-urunc-argv-cmdline 0 "^cmdline: \\[$cmd\\]$" \
        "$U" --mem=128 --net:service="$s5_tap" --net-mac:service=02:00:00:00:05:09 \
        --block:storage="$disk" -- "$S/devices.hvt" "$cmd"
    check solo5-urunc-argv-uhvt-image 0 "^argv\\[1\\]=<$cmd>$" \
        "$U" --mem=128 --net:service="$s5_tap" --net-mac:service=02:00:00:00:05:09 \
        --block:storage="$disk" -- "$G/urunc_argv.hvt" "$cmd"
fi
