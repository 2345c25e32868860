# suite-net.sh: NICs on real taps and a bridge: ping, flood, MTU, multi-NIC, hostile input (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin
#
# Needs root (it creates taps, a bridge and addresses); it never skips.  It
# creates only interfaces named uhvt* on 10.77.0.0/16, refuses to touch one
# that exists already, and removes what it made and stops the monitors it
# started, whatever happens.

P=$B/examples/ping.hvt
N=$G/net_hostile.hvt
NB=$G/net_batch.hvt
net_links=

# net_cleanup: remove the interfaces (after kvm_exit stopped the monitors).
net_cleanup() {
    for l in $net_links; do
        ip link del "$l" 2>/dev/null
    done
    net_links=
}
kvm_at_exit net_cleanup

# net_link NAME ip-link-add-ARGS...: create interface NAME, remembered for cleanup.
net_link() {
    l=$1
    shift
    if ip link show "$l" >/dev/null 2>&1; then
        echo "interface $l exists already; not touching it" >"$tmp/out"
        return 1
    fi
    net_links="$l $net_links"
    "$@" >"$tmp/out" 2>&1
}

# net_tap NAME [ADDR/PREFIX [MTU [ip tuntap ARGS]]]: a tap, up, with the host's
# address, and without IPv6, so that nothing but what a test sends reaches it.
net_tap() {
    t=$1 a=${2:-} m=${3:-1500}
    if [ $# -ge 3 ]; then shift 3; else set --; fi
    net_link "$t" ip tuntap add "$t" mode tap "$@" || return 1
    { echo 1 >"/proc/sys/net/ipv6/conf/$t/disable_ipv6"; } 2>/dev/null
    ip link set "$t" mtu "$m" >>"$tmp/out" 2>&1 &&
        { [ -z "$a" ] || ip addr add "$a" dev "$t" >>"$tmp/out" 2>&1; } &&
        ip link set "$t" up >>"$tmp/out" 2>&1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# net_guest MONITOR TAG: wrong requests from the guest; the batched calls
# (NET_WRITEV, NET_READV): bad requests, a burst of 64 echo requests in
# one call with every reply read back.
net_guest() {
    check "$2-net-oversize" 0 'mtu 1500: oversize -2 zero -2 runt -2 max 1514' \
        "$1" --net=uhvt0 "$N" oversize
    check_after "$2-net-bad-address" 123 '^writing from 0x' 'NIC write outside guest memory' \
        "$1" --net=uhvt0 "$N" badaddr
    check "$2-net-bad-handle" 0 'enodev ok' "$1" --net=uhvt0 "$N" badhandle
    check "$2-net-batch-hostile" 0 'batch hostile ok: mtu 1500' "$1" --net=uhvt0 "$NB" hostile
    check_after "$2-net-batch-bad-array" 123 '^writev with an array that leaves memory$' \
        'NIC frame array outside guest memory' "$1" --net=uhvt0 "$NB" badarray
    check_after "$2-net-batch-bad-buffer" 123 '^readv into a buffer that leaves memory$' \
        'NIC read outside guest memory: frame 1 ' "$1" --net=uhvt0 "$NB" badbuf
    check "$2-net-batch-burst-64" 0 'burst: 64 replies of 64' \
        "$1" --timeout=60 --net=uhvt0 "$NB" burst 10.77.0.2 10.77.0.1 64
    # The example, full-size frames, then SIGTERM.
    ip neigh flush dev uhvt0
    if bg_start "$tmp/ng" ready 30 "$1" --net=uhvt0 "$P" --ipv4=10.77.0.2/24; then
        check "$2-net-ping-1472" 0 ' 0% packet loss' ping -c 20 -i 0.05 -s 1472 -W 5 10.77.0.2
        check_stop "$2-net-ping-sigterm" "$bg_pid" "$tmp/ng"
    else
        cp "$tmp/ng" "$tmp/out"
        fail "$2-net-ping-1472" "the ping example did not start"
    fi
    ip neigh flush dev uhvt0
}

net_suite() {
    if [ "$(id -u)" -ne 0 ]; then
        fail net "the network suite needs root to create taps and bridges"
        return
    fi
    modprobe tun 2>/dev/null
    modprobe bridge 2>/dev/null
    if ! net_tap uhvt0 10.77.0.1/24; then
        fail net-setup "cannot create tap uhvt0"
        return
    fi

    # Refused before boot, with a message and 125.
    check net-no-tap 125 "tap 'uhvtnone' does not exist" \
        "$U" --net=uhvtnone "$P" --ipv4=10.77.0.2/24
    check net-not-a-tap 125 "'lo' is not a tap interface" "$U" --net=lo "$P" --ipv4=10.77.0.2/24
    check net-undeclared-name 125 "declares no NIC named 'eth9'" \
        "$U" --net:eth9=uhvt0 "$P" --ipv4=10.77.0.2/24
    check net-unattached 125 "declares NIC 'net0' but no --net:net0=" "$U" "$P" --ipv4=10.77.0.2/24
    check net-undeclared 125 'needs an application declaring exactly one NIC.*declares 0' \
        "$U" --net=uhvt0 "$G/argv.hvt"
    check net-shorthand-two 125 'needs an application declaring exactly one NIC.*declares 8' \
        "$U" --net=uhvt0 "$G/ping8.hvt"
    check net-bad-mac 125 'is a multicast address' \
        "$U" --net=uhvt0 --net-mac=01:00:5e:00:00:01 "$P" --ipv4=10.77.0.2/24
    check net-bad-mac-syntax 125 'is not a MAC address' \
        "$U" --net=uhvt0 --net-mac=02:00:00:00:00 "$P" --ipv4=10.77.0.2/24
    check net-same-tap-twice 125 "tap 'uhvt0' is already attached to NIC 'net0'" \
        "$U" --net:net0=uhvt0 --net:net1=uhvt0 "$G/ping8.hvt"

    each_monitor net_guest
    if bg_start "$tmp/nb" ready 30 "$U" --net=uhvt0 "$NB" echo 10.77.0.2; then
        pid=$bg_pid
        ip neigh flush dev uhvt0
        check net-batch-ping 0 ' 0% packet loss' ping -c 3 -i 0.2 -W 5 10.77.0.2
        ping -f -c 1000 -w 120 10.77.0.2 >"$tmp/out" 2>&1
        if grep -q '1000 packets transmitted, 1000 received, 0% packet loss' "$tmp/out"; then
            pass net-batch-flood-1000
        else
            fail net-batch-flood-1000 "$(grep transmitted "$tmp/out")"
        fi
        check net-batch-ping-1472-df 0 ' 0% packet loss' ping -c 2 -s 1472 -M 'do' -W 5 10.77.0.2
        check_stop net-batch-sigterm "$pid" "$tmp/nb"
    else
        cp "$tmp/nb" "$tmp/out"
        fail net-batch-ping "the batched responder did not start"
    fi
    ip neigh flush dev uhvt0

    # The example answers ARP and ping; then a flood of 1000, none lost.
    if bg_start "$tmp/ping0" ready 30 "$U" --net=uhvt0 "$P" --ipv4=10.77.0.2/24; then
        pid=$bg_pid
        mac0=$(sed -n 's/.* mac \([0-9a-f:]*\) .*/\1/p' "$tmp/ping0")
        check net-ping 0 ' 0% packet loss' ping -c 3 -i 0.2 -W 5 10.77.0.2
        check net-busy 125 "tap 'uhvt0' is in use" "$U" --net=uhvt0 "$P" --ipv4=10.77.0.3/24
        t0=$(now_ms)
        ping -f -c 1000 -w 120 10.77.0.2 >"$tmp/out" 2>&1
        t1=$(now_ms)
        if grep -q '1000 packets transmitted, 1000 received, 0% packet loss' "$tmp/out"; then
            pass "net-flood-1000 ($((t1 - t0)) ms)"
        else
            fail net-flood-1000 "$(grep transmitted "$tmp/out")"
        fi
        check net-ping-1472-df 0 ' 0% packet loss' ping -c 2 -s 1472 -M 'do' -W 5 10.77.0.2
        bg_stop "$pid"
        if [ "$bg_status" -eq 143 ] && echo "$mac0" | grep -Eq '^[0-9a-f][26ae](:[0-9a-f]{2}){5}$'; then
            pass "net-sigterm-and-default-mac ($mac0)"
        else
            cp "$tmp/ping0" "$tmp/out"
            fail net-sigterm-and-default-mac "exit $bg_status, mac '$mac0'"
        fi
    else
        cp "$tmp/ping0" "$tmp/out"
        fail net-ping "the ping example did not start"
    fi

    # The same names give the same MAC.
    if bg_start "$tmp/ping1" ready 30 "$U" --net=uhvt0 "$P" --ipv4=10.77.0.2/24; then
        bg_stop "$bg_pid"
        mac1=$(sed -n 's/.* mac \([0-9a-f:]*\) .*/\1/p' "$tmp/ping1")
        if [ -n "$mac1" ] && [ "$mac1" = "${mac0:-}" ]; then
            pass net-mac-stable
        else
            fail net-mac-stable "'$mac1' then '${mac0:-}'"
        fi
    else
        cp "$tmp/ping1" "$tmp/out"
        fail net-mac-stable "the ping example did not start"
    fi

    # A frame longer than the guest's buffer is dropped with EINVAL.
    if bg_start "$tmp/small" ready 30 "$U" --net=uhvt0 --net-mac=02:00:00:00:00:42 "$N" smallread; then
        pid=$bg_pid
        ip neigh replace 10.77.0.9 lladdr 02:00:00:00:00:42 dev uhvt0 nud permanent
        ping -c 1 -s 1000 -W 1 10.77.0.9 >/dev/null 2>&1
        bg_stop "$pid" -
        got=$bg_status
        ip neigh del 10.77.0.9 dev uhvt0
        cp "$tmp/small" "$tmp/out"
        if [ $got -eq 0 ] && grep -q 'dropped: EINVAL' "$tmp/out"; then
            pass net-read-too-long
        else
            fail net-read-too-long "exit $got"
        fi
    else
        cp "$tmp/small" "$tmp/out"
        fail net-read-too-long "the guest did not start"
    fi

    # Jumbo frames: MTU 9000 on the tap is what the guest gets; --net-mac sets the MAC.
    ip link set uhvt0 mtu 9000
    if bg_start "$tmp/jumbo" ready 30 "$U" --net=uhvt0 --net-mac=02:00:00:00:00:42 "$P" --ipv4=10.77.0.2/24; then
        pid=$bg_pid
        cp "$tmp/jumbo" "$tmp/out"
        if grep -q 'mac 02:00:00:00:00:42 mtu 9000 ' "$tmp/out"; then
            pass net-mtu-9000-and-mac
        else
            fail net-mtu-9000-and-mac "the guest reports otherwise"
        fi
        ip neigh flush dev uhvt0
        check net-ping-8000-df 0 ' 0% packet loss' ping -c 3 -s 8000 -M 'do' -W 5 10.77.0.2
        check net-ping-8972-df 0 ' 0% packet loss' ping -c 3 -s 8972 -M 'do' -W 5 10.77.0.2
        bg_stop "$pid"
    else
        cp "$tmp/jumbo" "$tmp/out"
        fail net-mtu-9000-and-mac "the ping example did not start"
    fi

    # Eight NICs on eight subnets, each answering on its own.
    ok=1
    args=
    for i in 0 1 2 3 4 5 6 7; do
        net_tap uhvtm$i 10.77.$((10 + i)).1/24 || ok=0
        args="$args --net:net$i=uhvtm$i"
    done
    ipv4=
    for i in 0 1 2 3 4 5 6 7; do ipv4="$ipv4 --ipv4:net$i=10.77.$((10 + i)).2/24"; done
    # shellcheck disable=SC2086
    if [ $ok -eq 1 ] && bg_start "$tmp/ping8" ready 30 "$U" $args "$G/ping8.hvt" $ipv4; then
        pid=$bg_pid
        for i in 0 1 2 3 4 5 6 7; do
            check net-multi-nic-$i 0 ' 0% packet loss' ping -c 1 -W 5 10.77.$((10 + i)).2
        done
        bg_stop "$pid"
    else
        cat "$tmp/ping8" >>"$tmp/out" 2>/dev/null
        fail net-multi-nic "could not start eight NICs"
    fi

    # Two unikernels on one bridge: the host reaches both, and a third reaches them.
    if net_link uhvtbr0 ip link add uhvtbr0 type bridge &&
        ip addr add 10.77.1.1/24 dev uhvtbr0 && ip link set uhvtbr0 up &&
        net_tap uhvtb0 && net_tap uhvtb1 && net_tap uhvtb2 &&
        ip link set uhvtb0 master uhvtbr0 && ip link set uhvtb1 master uhvtbr0 &&
        ip link set uhvtb2 master uhvtbr0 &&
        bg_start "$tmp/bra" ready 30 "$U" --net=uhvtb0 "$P" --ipv4=10.77.1.2/24 &&
        pa=$bg_pid &&
        bg_start "$tmp/brb" ready 30 "$U" --net=uhvtb1 "$P" --ipv4=10.77.1.3/24; then
        pb=$bg_pid
        check net-bridge-host-a 0 ' 0% packet loss' ping -c 2 -W 5 10.77.1.2
        check net-bridge-host-b 0 ' 0% packet loss' ping -c 2 -W 5 10.77.1.3
        check net-bridge-guest-to-guests 0 'reply from 10\.77\.1\.3' \
            "$U" --timeout=60 --net=uhvtb2 "$G/net_pinger.hvt" 10.77.1.4 10.77.1.2 10.77.1.3
        bg_stop "$pa"
        bg_stop "$pb"
    else
        cat "$tmp/bra" "$tmp/brb" >>"$tmp/out" 2>/dev/null
        fail net-bridge "could not set up the bridge and two unikernels"
    fi

    # No root needed: a tap made for a user is that user's to attach; others' is not.
    if net_tap uhvtu0 10.77.2.1/24 1500 user 65534 && net_tap uhvtr0 "" 1500 user 0; then
        mode=$(stat -c %a /dev/kvm) tunmode=$(stat -c %a /dev/net/tun)
        chmod 0666 /dev/kvm /dev/net/tun # as udev leaves them on Debian
        check net-not-owner 125 "not allowed to use tap 'uhvtr0'" \
            setpriv --reuid=65534 --regid=65534 --clear-groups "$U" --net=uhvtr0 "$P" --ipv4=10.77.2.2/24
        if bg_start "$tmp/user" ready 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
            "$U" --net=uhvtu0 "$P" --ipv4=10.77.2.2/24; then
            pid=$bg_pid
            check net-non-root 0 ' 0% packet loss' ping -c 2 -W 5 10.77.2.2
            bg_stop "$pid"
        else
            cp "$tmp/user" "$tmp/out"
            fail net-non-root "the ping example did not start as nobody"
        fi
        chmod "$mode" /dev/kvm
        chmod "$tunmode" /dev/net/tun
    else
        fail net-non-root "cannot create the taps"
    fi
}

net_suite
