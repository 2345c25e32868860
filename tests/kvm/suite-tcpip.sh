# suite-tcpip.sh: httpd and udp-echo over TCP/IP: requests, load, big bodies, hostile clients; unikernel against native.
# shellcheck shell=sh
#
# Sourced by run-all (only when named, for now: tests/kvm/run-all tcpip),
# or run on its own: `sudo SERVER=native sh tests/kvm/suite-tcpip.sh`.
# SERVER=uhvt (the default) tests build/examples/httpd.hvt and udp-echo.hvt
# on taps; SERVER=native tests build/examples/*-native, the same sources
# built for Linux, in a network namespace that gives them the unikernels'
# addresses, and needs no KVM.  Either way every check runs against the
# server under test, and its answers (the page, a 1 MiB body's SHA-256)
# must equal those of a native httpd in a second namespace.
#
# Needs root (taps, namespaces, veth pairs) and curl, ab (apache2-utils).
# It creates only interfaces and namespaces named uhvt* on 10.78.0.0/16,
# refuses to touch one that exists, and removes what it made and stops the
# servers it started, whatever happens.

tcpip_alone=0
if [ -z "${KVM_TALLY:-}" ]; then
    # On its own, not under run-all: from the root, with its own tally.
    set -u
    cd "$(dirname "$0")/../.." || exit 1
    tcpip_alone=1
fi
# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

TP=$B/tests/tools/tcpprobe
tcpip_links=
tcpip_netns=

# tcpip_cleanup: remove the namespaces and interfaces (after kvm_exit
# stopped the servers).
tcpip_cleanup() {
    for n in $tcpip_netns; do
        ip netns del "$n" 2>/dev/null # and the veth ends in it, and so their peers
    done
    tcpip_netns=
    for l in $tcpip_links; do
        ip link del "$l" 2>/dev/null
    done
    tcpip_links=
}
kvm_at_exit tcpip_cleanup

# listening PORT: a TCP socket of this host listens on PORT.
listening() { [ -n "$(ss -Hltn "sport = :$1")" ]; }

# tcpip_free NAME...: true if no interface or namespace has any of these names.
tcpip_free() {
    for x in "$@"; do
        if ip link show "$x" >/dev/null 2>&1 || [ -e "/run/netns/$x" ]; then
            echo "$x exists already; not touching it" >"$tmp/out"
            return 1
        fi
    done
}

# tcpip_tap NAME ADDR/PREFIX: a tap, up, with the host's address and no IPv6.
tcpip_tap() {
    tcpip_free "$1" || return 1
    tcpip_links="$1 $tcpip_links"
    ip tuntap add "$1" mode tap >"$tmp/out" 2>&1 &&
        { echo 1 >"/proc/sys/net/ipv6/conf/$1/disable_ipv6"; } 2>/dev/null &&
        ip addr add "$2" dev "$1" >>"$tmp/out" 2>&1 &&
        ip link set "$1" up >>"$tmp/out" 2>&1
}

# tcpip_ns NS HOSTADDR NSADDR (both /24): namespace NS joined to the host by
# a veth pair, NS-h on the host and NS-n inside, as a tap joins a unikernel.
tcpip_ns() {
    ns=$1
    tcpip_free "$ns" "$ns-h" "$ns-n" || return 1
    tcpip_netns="$ns $tcpip_netns"
    tcpip_links="$ns-h $tcpip_links"
    {
        ip netns add "$ns" &&
            ip link add "$ns-h" type veth peer name "$ns-n" &&
            ip link set "$ns-n" netns "$ns" &&
            { echo 1 >"/proc/sys/net/ipv6/conf/$ns-h/disable_ipv6"; } &&
            ip addr add "$2/24" dev "$ns-h" && ip link set "$ns-h" up &&
            ip -n "$ns" addr add "$3/24" dev "$ns-n" && ip -n "$ns" link set "$ns-n" up &&
            ip -n "$ns" link set lo up
    } >"$tmp/out" 2>&1
}

# tcpip_start OUT CMD...: run a server in the background until it says
# ready; its PID in $bg_pid.
tcpip_start() {
    ts_out=$1
    shift
    bg_start "$ts_out" ready 30 "$@" || { cp "$ts_out" "$tmp/out"; return 1; }
}


# tcpip_ab NAME URL AB-ARGS...: 16 concurrent clients, 2000 requests, every
# one answered 2xx, within the check timeout.
tcpip_ab() {
    ab_name=$1 ab_url=$2
    shift 2
    timeout -k 5 "${CHECK_TIMEOUT:-120}" ab -r -s 10 -n 2000 -c 16 "$@" "$ab_url" >"$tmp/out" 2>&1
    ab_st=$?
    ab_done=$(sed -n 's/^Complete requests: *\([0-9]*\).*/\1/p' "$tmp/out")
    ab_failed=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' "$tmp/out")
    ab_non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' "$tmp/out")
    ab_rate=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$tmp/out")
    if [ $ab_st -eq 0 ] && [ "$ab_done" = 2000 ] && [ "$ab_failed" = 0 ] && [ -z "$ab_non2xx" ]; then
        pass "$ab_name (2000 requests, 16 clients, $ab_rate/s)"
    else
        ab_sum="${ab_done:-?} complete, ${ab_failed:-?} failed, ${ab_non2xx:-0} non-2xx"
        fail "$ab_name" "ab exit $ab_st: $ab_sum"
    fi
}

# tcpip_closes STATUS: what tcpprobe raw says when a response with STATUS
# came back and then the server closed the connection.
tcpip_closes() { echo "^raw: HTTP/1.1 $1 .*, then closed by the server"; }

# tcpip_checks NAME ADDR PORT UDPADDR UDPPORT: every check against one
# httpd (started with --idle-timeout=3 --max-conns=64) and one udp-echo.
# Leaves the page in $tmp/NAME.page and the 1 MiB body's hash in $tmp/NAME.sha.
# ($c and $raw are commands, split into words on purpose.)
# shellcheck disable=SC2086
tcpip_checks() {
    n=tcpip-$1 a=$2 p=$3 ua=$4 up=$5
    url=http://$a:$p
    c="curl -sS --max-time 10"

    check $n-get 0 'Hello from httpd' $c -f "$url/"
    cp "$tmp/out" "$tmp/$1.page"
    check $n-health 0 '^ok$' $c -f "$url/health"
    check $n-stats 0 '^\{"requests":[0-9]+,"uptime_s":[0-9]+\.[0-9]{3},' $c -f "$url/stats"
    check $n-head 0 '^Content-Length: 1048576' $c -f -I "$url/bytes/1048576"
    check $n-404 0 '^404$' $c -o /dev/null -w '%{http_code}\n' "$url/nothing-here"
    check $n-405 0 '^405 GET, HEAD$' $c -o /dev/null -w '%{http_code} %header{allow}\n' \
        -d x "$url/health"
    check $n-keepalive-1000 0 '1000/1000 requests answered 200 on one connection' \
        "$TP" keepalive "$a" "$p" 1000 /health
    check $n-pipeline-100 0 '100/100 requests answered 200' "$TP" pipeline "$a" "$p" 100 /
    check $n-http10-close 0 "$(tcpip_closes 200)" "$TP" raw "$a" "$p" 'GET /health HTTP/1.0\r\n\r\n'

    check $n-1mib-intact 0 '1048576 bytes intact' "$TP" bytes "$a" "$p" 1048576
    check $n-1mib-sha256 0 '^[0-9a-f]{64} ' sh -c "$c -f '$url/bytes/1048576' | sha256sum"
    cp "$tmp/out" "$tmp/$1.sha"
    check $n-16mib-intact 0 '16777216 bytes intact' "$TP" bytes "$a" "$p" 16777216

    tcpip_ab $n-ab-keepalive "$url/health" -k
    tcpip_ab $n-ab-connect "$url/health"

    check $n-refused 0 'refused: ECONNREFUSED' "$TP" refused "$a" $((p + 1))
    check $n-udp-echo 0 '200/200 datagrams echoed intact' "$TP" udp "$ua" "$up" 200

    # Hostile requests: each gets its status, then the server closes the
    # connection (nothing after a framing error can be trusted), and it
    # keeps serving others.
    r='\r\n\r\n'
    raw="$TP raw $a $p"
    check $n-garbage-text 0 "$(tcpip_closes 400)" $raw "hello$r"
    check $n-garbage-binary 0 "$(tcpip_closes 400)" $raw '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03'
    check $n-garbage-1mib 0 "$(tcpip_closes 400)" $raw '*262144*\x00\xde\xad\x13'
    check $n-garbage-version 0 "$(tcpip_closes 505)" $raw "GET / HTTP/9.9\r\nHost: a$r"
    check $n-garbage-no-host 0 "$(tcpip_closes 400)" $raw "GET / HTTP/1.1$r"
    check $n-garbage-fold 0 "$(tcpip_closes 400)" $raw "GET / HTTP/1.1\r\nHost: a\r\n x$r"
    check $n-garbage-two-lengths 0 "$(tcpip_closes 400)" $raw \
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2$r"
    check $n-garbage-chunked 0 "$(tcpip_closes 501)" $raw \
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked$r"
    check $n-limit-uri 0 "$(tcpip_closes 414)" $raw 'GET /' '*10000*a' " HTTP/1.1$r"
    check $n-limit-headers 0 "$(tcpip_closes 431)" $raw \
        'GET / HTTP/1.1\r\nHost: a\r\n' '*1000*X-Filler: 0123456789abcdef\r\n' '\r\n'
    check $n-limit-body 0 "$(tcpip_closes 413)" $raw \
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000$r" '*65536*0123456789abcdef'
    check $n-serving-after-garbage 0 '^ok$' $c -f "$url/health"

    # Stalled and vanished clients: 80 stalled connections against a limit
    # of 64 evict the idle ones, the rest time out, and meanwhile it serves.
    check $n-stalled 0 'still serves, and closed them all' "$TP" hold "$a" "$p" 80 15
    check $n-vanished 0 'reset mid-response, the server still serves' "$TP" vanish "$a" "$p" 8
    check $n-stats-after 0 '"evicted":[1-9][0-9]*,"timeouts":[1-9]' $c -f "$url/stats"
    check $n-serving-after-all 0 'Hello from httpd' $c -f "$url/"
}

# tcpip_same NAME: the server's answers equal the native reference's.
tcpip_same() {
    if cmp -s "$tmp/$1.page" "$tmp/ref.page" && cmp -s "$tmp/$1.sha" "$tmp/ref.sha" &&
        [ -s "$tmp/ref.sha" ]; then
        pass "tcpip-$1-same-as-native"
    else
        diff "$tmp/$1.page" "$tmp/ref.page" >"$tmp/out" 2>&1
        diff "$tmp/$1.sha" "$tmp/ref.sha" >>"$tmp/out" 2>&1
        fail "tcpip-$1-same-as-native" "the page or the 1 MiB body differ"
    fi
}

# tcpip_subject NAME HTTPD-PID UDP-PID ADDR UDPADDR: the server under test,
# httpd on ADDR:80 and udp-echo on UDPADDR:7: every check, its answers
# against the reference's, then each must end cleanly on SIGTERM.
tcpip_subject() {
    tcpip_checks "$1" "$4" 80 "$5" 7
    tcpip_same "$1"
    check_stop "tcpip-$1-httpd-sigterm" "$2"
    check_stop "tcpip-$1-udp-sigterm" "$3"
}

# tcpip_exitopen NAME MODE BYTES PATTERN: tests/guest/tcpip_exitopen.hvt on
# uhvtt2 answers tcpprobe's request (reading all of it, or 4 bytes) with
# BYTES of body and exits with the connection open; tcpprobe's line must
# match PATTERN, and the guest must have exited 0.
tcpip_exitopen() {
    if ! bg_start "$tmp/srv.log" '^listening$' 10 "$U" --net:net0=uhvtt2 \
        "$G/tcpip_exitopen.hvt" --ipv4=10.78.2.2/24 18098 "$2" "$3"; then
        bg_stop "$bg_pid"
        cp "$tmp/srv.log" "$tmp/out"
        fail "$1" "the guest never listened (exit $bg_status)"
        return
    fi
    check "$1" 0 "$4" "$TP" raw 10.78.2.2 18098 'GET / HTTP/1.1\r\n\r\n'
    bg_stop "$bg_pid" -
    if [ "$bg_status" -ne 0 ] || ! grep -q 'exiting with the connection open' "$tmp/srv.log"; then
        cp "$tmp/srv.log" "$tmp/out"
        fail "$1-guest-exit" "exit $bg_status"
    fi
}

# tcpip_client: the socket calls as a client (tests/guest/tcpip_api.c)
# against Linux peers on the host side of a tap: the native httpd and
# udp-echo, and a port nobody listens on; then the stack's arguments.
tcpip_client() {
    api=$G/tcpip_api.hvt
    if ! tcpip_tap uhvtt2 10.78.2.1/24 ||
        ! tcpip_start "$tmp/hn.log" "$B/examples/httpd-native" --port=18080 ||
        ! tcpip_start "$tmp/un.log" "$B/examples/udp-echo-native" --port=17007; then
        fail tcpip-client-setup "cannot start the host peers on uhvtt2"
        return
    fi
    check tcpip-client-api 0 '^tcpip_api: 0 failed' "$U" --net:net0=uhvtt2 "$api" \
        --ipv4=10.78.2.2/24 10.78.2.1 18080 17007 18081 --ipv4-gateway=10.78.2.1
    # Threads blocked in connect and recv let a worker thread run.
    check tcpip-client-threads 0 '^tcpip_threads: 4 of 4 requests answered; the worker ran [1-9]' \
        "$U" --net:net0=uhvtt2 "$G/tcpip_threads.hvt" --ipv4=10.78.2.2/24 10.78.2.1 18080
    # Exit right after close: the runtime holds the guest until its data
    # is acknowledged, so every byte arrives.
    busybox nc -l -p 18099 >"$tmp/blast" 2>/dev/null &
    nc=$!
    bg_track $nc
    if ! wait_until 10 listening 18099; then
        echo "nothing listens on port 18099" >"$tmp/out"
        fail tcpip-client-exit-setup "busybox nc -l did not listen"
    fi
    check tcpip-client-exit-delivers 0 '' "$U" --net:net0=uhvtt2 "$G/tcpip_blast.hvt" \
        --ipv4=10.78.2.2/24 10.78.2.1 18099 3000000
    bg_stop $nc -
    if [ "$(wc -c <"$tmp/blast")" -eq 3000000 ]; then
        pass tcpip-client-exit-all-bytes
    else
        echo "received $(wc -c <"$tmp/blast") bytes of 3000000" >"$tmp/out"
        fail tcpip-client-exit-all-bytes "data lost at exit"
    fi
    # A server that exits with its connection open: the client sees the
    # whole answer, then the end (FIN); or a reset when the server left
    # some of the request unread, as Linux does at a process's exit.
    tcpip_exitopen tcpip-exit-open-fin all 2000000 '^raw: HTTP/1.1 200 OK, then closed by the server \(sent 18 of 18 bytes, got 2000044\)'
    tcpip_exitopen tcpip-exit-unread-rst part 10 '^raw: .*then reset by the server'
    check tcpip-client-no-ipv4 1 '^tcpip_down: socket: Network is down$' "$U" \
        --net:net0=uhvtt2 "$G/tcpip_down.hvt"
    check tcpip-client-bad-ipv4 121 'ipv4=ADDR/PREFIX: bad address' "$U" --net:net0=uhvtt2 \
        "$api" --ipv4=10.78.2.300/24
    check tcpip-client-bad-prefix 121 'prefix not in 1..32' "$U" --net:net0=uhvtt2 \
        "$api" --ipv4=10.78.2.2/33
    check tcpip-client-gateway-alone 121 'needs --ipv4' "$U" --net:net0=uhvtt2 \
        "$api" --ipv4-gateway=10.78.2.1
    check tcpip-cc-needs-net 1 'needs a NIC' "$B/uhvt-cc" --tcpip -o "$tmp/x.hvt" \
        tests/guest/tcpip_api.c
    check tcpip-client-dhcp-and-static 121 'dhcp and --ipv4=ADDR/PREFIX together' \
        "$U" --net:net0=uhvtt2 "$api" --ipv4=dhcp --ipv4=10.78.2.2/24

    # Malformed frames of every layer at the stack: it keeps serving.
    if tcpip_start "$tmp/junk.log" "$U" --net:net0=uhvtt2 --net-mac:net0=02:00:00:00:4e:03 \
        "$B/examples/httpd.hvt" --ipv4=10.78.2.3/24; then
        junk=$bg_pid
        check tcpip-junk-frames 0 '20000 frames sent' "$B/tests/tools/framejunk" uhvtt2 \
            02:00:00:00:4e:03 10.78.2.3 20000
        check tcpip-junk-still-serves 0 '^ok$' curl -fsS --max-time 10 http://10.78.2.3/health
        check_stop tcpip-junk-sigterm "$junk"
    else
        fail tcpip-junk-setup "cannot start httpd on uhvtt2"
    fi

    # --ipv4=dhcp against busybox's udhcpd on the same tap: the lease is
    # printed, and the server answers there.
    cat >"$tmp/udhcpd.conf" <<END
start 10.78.2.50
end 10.78.2.60
interface uhvtt2
lease_file $tmp/udhcpd.leases
option subnet 255.255.255.0
option router 10.78.2.1
END
    : >"$tmp/udhcpd.leases"
    busybox udhcpd -f "$tmp/udhcpd.conf" >"$tmp/udhcpd.log" 2>&1 &
    bg_track $!
    if tcpip_start "$tmp/dhcp.log" "$U" --net:net0=uhvtt2 "$B/examples/httpd.hvt" --ipv4=dhcp &&
        grep -q 'DHCP lease 10\.78\.2\.[56][0-9] netmask 255\.255\.255\.0 gateway 10\.78\.2\.1' \
            "$tmp/dhcp.log"; then
        pass tcpip-dhcp-lease
        lease=$(sed -n 's/.*DHCP lease \([0-9.]*\).*/\1/p' "$tmp/dhcp.log")
        check tcpip-dhcp-serves 0 '^ok$' curl -fsS --max-time 10 "http://$lease/health"
    else
        cp "$tmp/dhcp.log" "$tmp/out"
        fail tcpip-dhcp-lease "no DHCP lease from udhcpd"
    fi
}

# ($opts is split into words on purpose.)
# shellcheck disable=SC2086
tcpip_suite() {
    if [ "$(id -u)" -ne 0 ]; then
        fail tcpip "the TCP/IP suite needs root to create taps and namespaces"
        return
    fi
    for t in curl ab "$TP" "$B/examples/httpd-native" "$B/examples/udp-echo-native"; do
        if ! command -v "$t" >/dev/null 2>&1; then
            : >"$tmp/out"
            fail tcpip-setup "$t is missing (make all tests; curl and apache2-utils)"
            return
        fi
    done
    modprobe tun 2>/dev/null
    modprobe veth 2>/dev/null
    opts="--idle-timeout=3 --max-conns=64"

    # The reference: the native httpd, in its own namespace.
    if ! tcpip_ns uhvtnsr 10.78.9.1 10.78.9.2 ||
        ! tcpip_start "$tmp/ref.log" ip netns exec uhvtnsr "$B/examples/httpd-native" $opts; then
        fail tcpip-setup "cannot start the native reference httpd"
        return
    fi
    ref=$bg_pid
    check tcpip-ref-get 0 'Hello from httpd' curl -fsS --max-time 10 http://10.78.9.2/
    cp "$tmp/out" "$tmp/ref.page"
    check tcpip-ref-sha256 0 '^[0-9a-f]{64} ' \
        sh -c 'curl -fsS --max-time 10 http://10.78.9.2/bytes/1048576 | sha256sum'
    cp "$tmp/out" "$tmp/ref.sha"
    check_stop tcpip-ref-sigterm "$ref"

    case ${SERVER:-uhvt} in
    native)
        # The subject: the same native programs, at the unikernels' addresses.
        if tcpip_ns uhvtns0 10.78.0.1 10.78.0.2 &&
            tcpip_start "$tmp/httpd.log" ip netns exec uhvtns0 "$B/examples/httpd-native" $opts &&
            h=$bg_pid &&
            tcpip_start "$tmp/udp.log" ip netns exec uhvtns0 "$B/examples/udp-echo-native"; then
            tcpip_subject native "$h" "$bg_pid" 10.78.0.2 10.78.0.2
        else
            fail tcpip-native-setup "cannot start the native servers in a namespace"
        fi
        ;;
    uhvt)
        if tcpip_tap uhvtt0 10.78.0.1/24 && tcpip_tap uhvtt1 10.78.1.1/24 &&
            tcpip_start "$tmp/httpd.log" "$U" --net:net0=uhvtt0 "$B/examples/httpd.hvt" \
                --ipv4=10.78.0.2/24 --ipv4-gateway=10.78.0.1 $opts &&
            h=$bg_pid &&
            tcpip_start "$tmp/udp.log" "$U" --net:net0=uhvtt1 "$B/examples/udp-echo.hvt" \
                --ipv4=10.78.1.2/24 --ipv4-gateway=10.78.1.1; then
            tcpip_subject uhvt "$h" "$bg_pid" 10.78.0.2 10.78.1.2
            tcpip_client
        else
            fail tcpip-uhvt-setup "cannot start the unikernels on taps uhvtt0 and uhvtt1"
        fi
        ;;
    *)
        : >"$tmp/out"
        fail tcpip-setup "SERVER=$SERVER: expected uhvt or native"
        ;;
    esac
}

tcpip_suite
if [ "$tcpip_alone" -eq 1 ]; then
    kvm_summary tcpip
fi
