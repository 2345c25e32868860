# suite-security.sh: the sandbox holds, hostile guests end cleanly, no root needed (sourced by run-all).

# A running uhvt is under seccomp (mode 2, filter) with no_new_privs.
"$U" "$G/idle.hvt" 3 >"$tmp/out" 2>&1 &
pid=$!
n=0
until grep -q idle "$tmp/out" || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
grep -E '^(Seccomp|NoNewPrivs):' /proc/$pid/status >"$tmp/status" 2>/dev/null
wait $pid
got=$?
if [ $got -eq 0 ] && grep -q '^Seccomp:[[:space:]]*2$' "$tmp/status" &&
    grep -q '^NoNewPrivs:[[:space:]]*1$' "$tmp/status"; then
    pass sandbox-status
else
    fail sandbox-status "exit $got; $(tr '\n' ' ' <"$tmp/status")"
fi

# Every attack, against the monitor and against its ASan/UBSan build.  The
# sanitized one runs sandboxed too, so LeakSanitizer (which needs ptrace)
# stays off; any sanitizer report would change the exit status.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1
H=$G/hostile.hvt
for M in "$U" "$B/uhvt-san"; do
    s=${M##*/}
    for nr in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do
        check "$s-hostile-outside-$nr" 123 'outside guest memory|unknown I/O port' "$M" "$H" outside $nr
    done
    check "$s-hostile-straddle" 123 'outside guest memory' "$M" "$H" straddle
    check "$s-hostile-misaligned" 123 'not 8-byte aligned' "$M" "$H" misaligned
    check "$s-hostile-null-struct" 123 'argument at 0x0 is in page 0' "$M" "$H" null-struct
    check "$s-hostile-data-outside" 123 'console write outside guest memory' "$M" "$H" data-outside
    check "$s-hostile-data-wraps" 123 'console write outside guest memory' "$M" "$H" data-wraps
    check "$s-hostile-console-gigabyte" 0 'ret=2' "$M" "$H" console-gigabyte
    check "$s-hostile-unknown-port" 123 'unknown I/O port 0x400' "$M" "$H" unknown-port
    check "$s-hostile-port-beyond" 123 'unknown I/O port' "$M" "$H" port-beyond
    check "$s-hostile-out8" 123 'need a single 32-bit OUT' "$M" "$H" out8
    check "$s-hostile-out16" 123 'need a single 32-bit OUT' "$M" "$H" out16
    check "$s-hostile-in" 123 'got IN' "$M" "$H" in
    check "$s-hostile-mmio" 123 'read of 4 bytes at 0xc0000000' "$M" --mem=64M "$H" mmio
    check "$s-hostile-triple-fault" 122 'triple fault' "$M" "$H" triple-fault
    check "$s-hostile-garbage" 0 'survived garbage' "$M" "$H" garbage
    check "$s-hostile-spin-timeout" 124 'timeout' "$M" --timeout=1 "$G/spin.hvt"
done
unset ASAN_OPTIONS UBSAN_OPTIONS

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
