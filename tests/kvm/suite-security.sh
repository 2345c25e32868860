# suite-security.sh: the sandbox holds, hostile guests end cleanly, no root needed (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

# A running uhvt is under seccomp (mode 2, filter) with no_new_privs.
: >"$tmp/status"
bg_start "$tmp/out" '^idle$' 10 "$U" "$G/idle.hvt" 3 &&
    grep -E '^(Seccomp|NoNewPrivs):' "/proc/$bg_pid/status" >"$tmp/status" 2>/dev/null
bg_stop "$bg_pid" -
if [ "$bg_status" -eq 0 ] && grep -q '^Seccomp:[[:space:]]*2$' "$tmp/status" &&
    grep -q '^NoNewPrivs:[[:space:]]*1$' "$tmp/status"; then
    pass sandbox-status
else
    fail sandbox-status "exit $bg_status; $(tr '\n' ' ' <"$tmp/status")"
fi

# hostile MONITOR TAG: every attack of tests/guest/hostile.c, each ending
# the guest with its own message once the guest has said which it makes.
hostile() {
    M=$1 s=$2
    # Each call's struct just past the end of the default 256 MiB: the
    # monitor names the call, so a call missing from its table (then an
    # unknown I/O port) fails here.
    for nr in $(seq 1 17); do
        check_after "$s-hostile-outside-$nr" 123 '^attack outside$' \
            "^uhvt: hypercall $nr: argument at 0x10000000 is outside guest memory\$" \
            "$M" "$G/hostile.hvt" outside "$nr"
    done
    attack straddle 123 'hypercall 2: argument at 0x[0-9a-f]+ is outside guest memory'
    attack misaligned 123 'not 8-byte aligned'
    attack null-struct 123 'argument at 0x0 is in page 0'
    attack data-outside 123 'console write outside guest memory'
    attack data-wraps 123 'console write outside guest memory'
    attack console-gigabyte 0 'ret=2'
    attack unknown-port 123 'unknown I/O port 0x400'
    attack port-beyond 123 'unknown I/O port'
    attack out8 123 'need a single 32-bit OUT'
    attack out16 123 'need a single 32-bit OUT'
    attack in 123 'got IN'
    attack mmio 123 'read of 4 bytes at 0xc0000000' --mem=64M
    attack triple-fault 122 'triple fault'
    attack garbage 0 'survived garbage'
    check_after "$s-hostile-spin-timeout" 124 "^spinning$" 'ran past its --timeout' "$M" --timeout=1 "$G/spin.hvt"
}
# attack NAME STATUS PATTERN [MONITOR-OPTIONS]: hostile.hvt NAME under $M.
attack() {
    a_name=$1 a_want=$2 a_pattern=$3
    shift 3
    check_after "$s-hostile-$a_name" "$a_want" "^attack $a_name\$" "$a_pattern" \
        "$M" "$@" "$G/hostile.hvt" "$a_name"
}
each_monitor hostile

# No root: any user who can open /dev/kvm runs guests.
if [ "$(id -u)" -eq 0 ]; then
    mode=$(stat -c %a /dev/kvm)
    chmod 0666 /dev/kvm
    check non-root 0 'argv\[1\]=<x>' setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$U" "$G/argv.hvt" x
    chmod "$mode" /dev/kvm
else
    check non-root 0 'argv\[1\]=<x>' "$U" "$G/argv.hvt" x
fi
