# suite-server.sh: Redis (Debian's source, unchanged, built with uhvt-cc) served over a tap: commands, INFO, its background threads, its benchmark, persistence, shutdown (sourced by run-all).
# shellcheck shell=sh
#
# tests/redis.mk builds $B/redis/redis-server.hvt and the host's redis-cli
# and redis-benchmark (make tests).  Needs root for the tap; it creates only
# the tap uhvtr0 on 10.78.15.0/24, refuses to touch one that exists, and
# removes it whatever happens.  redis-benchmark's numbers go to
# $B/bench/redis.json (BENCH_REDIS_N requests per test, default 20000);
# they are measurements, never asserted.

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

R=$B/redis
RA=10.78.15.2
server_tap=

server_cleanup() { [ -z "$server_tap" ] || ip link del "$server_tap" 2>/dev/null; }
kvm_at_exit server_cleanup

# cli ARGS...: one redis-cli command against the guest, 10 s at most.
cli() { timeout -k 2 10 "$R/redis-cli" -h "$RA" "$@"; }

# info_field NAME: a field of INFO (without its CR).
info_field() { cli INFO | tr -d '\r' | sed -n "s/^$1://p"; }

# server_start OUT [UHVT OPTIONS --] ARGS...: redis-server in uhvt on the
# tap, ready to accept connections (its log line) and answering PING; its
# PID in $bg_pid.  With a --block:data=IMG option, the image that mounts it
# at /data.
server_start() {
    ss_out=$1 ss_image=$R/redis-server.hvt ss_opts=
    shift
    case "$*" in *" -- "*)
        while [ "$1" != -- ]; do ss_opts="$ss_opts $1"; shift; done
        shift
        ss_image=$R/redis-server-data.hvt ;;
    esac
    # shellcheck disable=SC2086 # the options, one word each
    bg_start "$ss_out" 'Ready to accept connections' 30 "$U" --net:service=uhvtr0 $ss_opts \
        "$ss_image" --ipv4=$RA/24 --port 6379 --protected-mode no "$@" &&
        wait_until 10 sh -c "[ \"\$(timeout 2 '$R/redis-cli' -h $RA PING)\" = PONG ]"
}

# lazyfreed N: INFO counts N objects freed by the lazyfree bio thread.
lazyfreed() { [ "$(info_field lazyfreed_objects)" = "$1" ]; }

server_tests() {
    if ! server_start "$tmp/srv.log" --save '' --appendonly no; then
        cp "$tmp/srv.log" "$tmp/out"
        fail server-start "redis-server never got ready"
        return
    fi
    pass server-start
    srv=$bg_pid

    check server-set 0 '^OK$' "$R/redis-cli" -h "$RA" SET greeting 'hello from a unikernel'
    check server-get 0 '^hello from a unikernel$' "$R/redis-cli" -h "$RA" GET greeting
    check server-incr 0 '^3$' sh -c "'$R/redis-cli' -h $RA INCR n >/dev/null &&
        '$R/redis-cli' -h $RA INCR n >/dev/null && '$R/redis-cli' -h $RA INCR n"
    check server-eval 0 '^42$' "$R/redis-cli" -h "$RA" EVAL 'return 6 * 7' 0

    # INFO: getrusage's CPU time (a number, under the seconds since boot
    # plus one), getrlimit's RLIMIT_NOFILE less Redis's 32 reserved.
    cli INFO | tr -d '\r' >"$tmp/info"
    cp "$tmp/info" "$tmp/out"
    up=$(sed -n 's/^uptime_in_seconds://p' "$tmp/info")
    cpu=$(sed -n 's/^used_cpu_user://p' "$tmp/info")
    if echo "$cpu" | grep -Eq '^[0-9]+\.[0-9]{6}$' &&
        awk -v c="$cpu" -v u="$up" 'BEGIN { exit !(c > 0 && c <= u + 1) }'; then
        pass "server-info-rusage (used_cpu_user $cpu s after $up s)"
    else
        fail server-info-rusage "used_cpu_user '$cpu' after '$up' s"
    fi
    check server-info-maxclients 0 '^maxclients:992$' cat "$tmp/info"
    check server-info-pid 0 '^process_id:1$' cat "$tmp/info"

    # The bio threads: UNLINK of a set of 200 strings (a hash table; an
    # intset would be freed at once) hands it to the lazyfree thread, which
    # counts it in lazyfreed_objects.
    members=$(seq 1 200 | sed "s/^/m/" | tr "\n" " ")
    # shellcheck disable=SC2086 # one argument per member
    cli SADD big $members >"$tmp/out" 2>&1
    cli UNLINK big >>"$tmp/out" 2>&1
    if wait_until 5 lazyfreed 1; then
        pass server-bio-lazyfree
    else
        fail server-bio-lazyfree "lazyfreed_objects is '$(info_field lazyfreed_objects)', not 1"
    fi

    # No fork: BGSAVE fails with fork's ENOSYS, and the server keeps going.
    check server-bgsave-nofork 0 'ERR' "$R/redis-cli" -h "$RA" BGSAVE
    check server-bgsave-logged 0 "fork: Function not implemented" cat "$tmp/srv.log"
    check server-after-bgsave 0 '^hello from a unikernel$' "$R/redis-cli" -h "$RA" GET greeting
    # SAVE runs in the foreground (to the tmpfs root).
    check server-save 0 '^OK$' "$R/redis-cli" -h "$RA" SAVE
    check server-save-logged 0 'DB saved on disk' cat "$tmp/srv.log"

    # The benchmark: its own client, 50 connections; numbers to bench/.
    n=${BENCH_REDIS_N:-20000}
    timeout -k 5 120 "$R/redis-benchmark" -h "$RA" -q -n "$n" -t set,get --csv \
        >"$tmp/bench" 2>"$tmp/out"
    st=$?
    set_rps=$(sed -n 's/^"SET","\([0-9.]*\)".*/\1/p' "$tmp/bench")
    get_rps=$(sed -n 's/^"GET","\([0-9.]*\)".*/\1/p' "$tmp/bench")
    if [ $st -eq 0 ] && [ -n "$set_rps" ] && [ -n "$get_rps" ]; then
        pass "server-benchmark ($n requests: SET $set_rps/s, GET $get_rps/s)"
        mkdir -p "$B/bench"
        {
            echo "{\"name\": \"redis_set\", \"requests\": $n, \"clients\": 50, \"rps\": $set_rps}"
            echo "{\"name\": \"redis_get\", \"requests\": $n, \"clients\": 50, \"rps\": $get_rps}"
        } >"$B/bench/redis.json"
    else
        cat "$tmp/bench" >>"$tmp/out"
        fail server-benchmark "redis-benchmark exit $st"
    fi

    # SHUTDOWN with a client blocked in BLPOP: the client sees the
    # connection closed (no hang), the server exits 0 by its own path.
    "$R/redis-cli" -h "$RA" BLPOP never 0 >"$tmp/blocked" 2>&1 &
    blocked=$!
    bg_track "$blocked"
    wait_until 5 sh -c "'$R/redis-cli' -h $RA INFO clients | grep -q '^blocked_clients:1'"
    cli SHUTDOWN NOSAVE >"$tmp/out" 2>&1
    if wait_until 10 ended "$blocked"; then
        bg_stop "$blocked" -
        cp "$tmp/blocked" "$tmp/out"
        if grep -q 'Server closed the connection' "$tmp/blocked"; then
            pass server-shutdown-client-closed
        else
            fail server-shutdown-client-closed "the blocked client's output"
        fi
    else
        fail server-shutdown-client-closed "the blocked client still waits 10 s after SHUTDOWN"
    fi
    wait_until 10 ended "$srv"
    bg_stop "$srv" -
    cp "$tmp/srv.log" "$tmp/out"
    if [ "$bg_status" -eq 0 ] && grep -q 'ready to exit, bye bye' "$tmp/srv.log"; then
        pass server-shutdown-exit
    else
        fail server-shutdown-exit "exit status $bg_status"
    fi

    # Persistence on an ext4 disk at /data: SAVE writes dump.rdb there, a
    # clean exit unmounts, and a second server loads it back.
    img=$tmp/data.img
    PATH=$PATH:/sbin:/usr/sbin mkfs.ext4 -q -F "$img" 32M >"$tmp/out" 2>&1
    if server_start "$tmp/srv3.log" --block:data="$img" -- --dir /data --save ''; then
        "$R/redis-cli" -h "$RA" SET kept 'across runs' >"$tmp/out" 2>&1
        check server-data-save 0 '^OK$' "$R/redis-cli" -h "$RA" SAVE
        "$R/redis-cli" -h "$RA" SHUTDOWN NOSAVE >/dev/null 2>&1
        wait_until 10 ended "$bg_pid"
        bg_stop "$bg_pid" -
        check_left server-data-file 'OK' "no /data/dump.rdb on the disk" sh -c \
            "PATH=\$PATH:/sbin:/usr/sbin debugfs -R 'stat /dump.rdb' '$img' 2>&1 | grep -q 'Size: [1-9]'"
        if server_start "$tmp/srv4.log" --block:data="$img" -- --dir /data --save ''; then
            check server-data-reload 0 '^across runs$' "$R/redis-cli" -h "$RA" GET kept
            check server-data-loaded 0 'DB loaded from disk' cat "$tmp/srv4.log"
            bg_stop "$bg_pid" TERM
        else
            cp "$tmp/srv4.log" "$tmp/out"
            fail server-data-reload "the second server never got ready"
        fi
    else
        cp "$tmp/srv3.log" "$tmp/out"
        fail server-data-save "redis-server on /data never got ready"
    fi

    # Redis unchanged, snapshotted where it first waits with nothing to do
    # (--snapshot-idle): it has loaded dump.rdb from /data and listens.  A
    # restore answers at once, with the data, without booting again.
    sd=$tmp
    check_after server-snapshot-idle 0 'DB loaded from disk' 'snapshot written to' \
        "$U" --net:service=uhvtr0 --block:data="$img" --snapshot="$sd/redis.snap" \
        --snapshot-idle "$R/redis-server-data.hvt" --ipv4=$RA/24 --port 6379 \
        --protected-mode no --dir /data --save ''
    bg_start "$tmp/srv5.log" '^uhvt: ' 0 "$U" --net:service=uhvtr0 --block:data="$img" \
        --restore="$sd/redis.snap" "$R/redis-server-data.hvt" --ipv4=$RA/24 || :
    if wait_until 10 sh -c "[ \"\$(timeout 2 '$R/redis-cli' -h $RA PING)\" = PONG ]"; then
        check server-restored-data 0 '^across runs$' "$R/redis-cli" -h "$RA" GET kept
        check server-restored-set 0 '^OK$' "$R/redis-cli" -h "$RA" SET fresh 1
        bg_stop "$bg_pid" TERM
        cp "$tmp/srv5.log" "$tmp/out"
        if grep -q 'Server initialized' "$tmp/srv5.log"; then
            fail server-restored-not-booted "the restored Redis initialised again"
        elif [ "$bg_status" -eq 0 ] && grep -q 'ready to exit, bye bye' "$tmp/srv5.log"; then
            pass server-restored-not-booted
        else
            fail server-restored-not-booted "exit status $bg_status after SIGTERM"
        fi
    else
        bg_stop "$bg_pid" KILL
        cp "$tmp/srv5.log" "$tmp/out"
        fail server-restored-data "the restored Redis never answered PING"
    fi

    # SIGTERM to uhvt: Redis's own handler runs its shutdown.
    if server_start "$tmp/srv2.log" --save ''; then
        bg_stop "$bg_pid" TERM
        cp "$tmp/srv2.log" "$tmp/out"
        if [ "$bg_status" -eq 0 ] && grep -q 'Received SIGTERM scheduling shutdown' "$tmp/srv2.log" &&
            grep -q 'ready to exit, bye bye' "$tmp/srv2.log"; then
            pass server-sigterm-graceful
        else
            fail server-sigterm-graceful "exit status $bg_status"
        fi
    else
        cp "$tmp/srv2.log" "$tmp/out"
        fail server-sigterm-graceful "the second redis-server never got ready"
    fi
}

if [ "$(id -u)" -ne 0 ]; then
    : >"$tmp/out"
    fail server "needs root for its tap"
elif ip link show uhvtr0 >/dev/null 2>&1; then
    echo "uhvtr0 exists already; not touching it" >"$tmp/out"
    fail server "tap uhvtr0 exists"
elif ! { ip tuntap add uhvtr0 mode tap && server_tap=uhvtr0 &&
    { echo 1 >/proc/sys/net/ipv6/conf/uhvtr0/disable_ipv6; } 2>/dev/null &&
    ip addr add 10.78.15.1/24 dev uhvtr0 && ip link set uhvtr0 up; } >"$tmp/out" 2>&1; then
    fail server "cannot set up tap uhvtr0"
else
    server_tests
fi
