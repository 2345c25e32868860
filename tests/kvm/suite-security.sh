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
        check_after "$s-hostile-outside-$nr" 123 "^attack " 'outside guest memory|unknown I/O port' "$M" "$H" outside $nr
    done
    check_after "$s-hostile-straddle" 123 "^attack " 'outside guest memory' "$M" "$H" straddle
    check_after "$s-hostile-misaligned" 123 "^attack " 'not 8-byte aligned' "$M" "$H" misaligned
    check_after "$s-hostile-null-struct" 123 "^attack " 'argument at 0x0 is in page 0' "$M" "$H" null-struct
    check_after "$s-hostile-data-outside" 123 "^attack " 'console write outside guest memory' "$M" "$H" data-outside
    check_after "$s-hostile-data-wraps" 123 "^attack " 'console write outside guest memory' "$M" "$H" data-wraps
    check_after "$s-hostile-console-gigabyte" 0 "^attack " 'ret=2' "$M" "$H" console-gigabyte
    check_after "$s-hostile-unknown-port" 123 "^attack " 'unknown I/O port 0x400' "$M" "$H" unknown-port
    check_after "$s-hostile-port-beyond" 123 "^attack " 'unknown I/O port' "$M" "$H" port-beyond
    check_after "$s-hostile-out8" 123 "^attack " 'need a single 32-bit OUT' "$M" "$H" out8
    check_after "$s-hostile-out16" 123 "^attack " 'need a single 32-bit OUT' "$M" "$H" out16
    check_after "$s-hostile-in" 123 "^attack " 'got IN' "$M" "$H" in
    check_after "$s-hostile-mmio" 123 "^attack " 'read of 4 bytes at 0xc0000000' "$M" --mem=64M "$H" mmio
    check_after "$s-hostile-triple-fault" 122 "^attack " 'triple fault' "$M" "$H" triple-fault
    check_after "$s-hostile-garbage" 0 "^attack " 'survived garbage' "$M" "$H" garbage
    check_after "$s-hostile-spin-timeout" 124 "^spinning$" 'timeout' "$M" --timeout=1 "$G/spin.hvt"
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
