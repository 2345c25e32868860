# suite-core.sh: the monitor core and guest runtime on KVM (sourced by run-all).

# The runner itself: a bare VM in long mode doing port I/O and HLT.
check kvm-longmode 0 'ok: long mode active' "$B/tests/kvm/longmode"

# Monitor core and guest runtime.
check hello 0 'argv\[2\] = "b c"' "$U" "$B/examples/hello.hvt" a 'b c'
check argv 0 '^argv\[3\]=<>$' "$U" "$G/argv.hvt" one 'two words' ''
check exit-status 42 '' "$U" "$G/exit_status.hvt"
check exit-status-zero 0 '' "$U" "$G/exit_status.hvt" 0
check exit-status-range 120 'outside 0\.\.119' "$U" "$G/exit_status.hvt" 200
check exit-status-negative 120 'status -1 is outside' "$U" "$G/exit_status.hvt" -1
check_after abort 121 '^about to abort$' 'guest aborted' "$U" "$G/abort.hvt"
check_after null-deref 122 '^reading address 0$' 'vector 14 \(#PF page fault\).*' \
    "$U" "$G/null_deref.hvt"
check_after null-deref-cr2 122 '^reading address 0$' 'cr2=0x0000000000000000' \
    "$U" "$G/null_deref.hvt"
check_after write-text 122 '^writing to text$' '#PF page fault' "$U" "$G/write_text.hvt"
check_after exec-data 122 '^jumping into data$' '#PF page fault' "$U" "$G/exec_data.hvt"
check_after stack-smash 121 '^smashing the stack$' 'guest (aborted|halted)' \
    "$U" "$G/stack_smash.hvt"
# Hardware KVM reports it from the guest's own fault handler on its IST
# stack; PVM, which has no IST, as a triple fault the monitor names.
check_after stack-overflow 122 '^recursing$' 'stack overflow' "$U" "$G/stack_overflow.hvt"
check sse 0 'sqrt\(2\)=1\.414214' "$U" "$G/sse.hvt"

# The vCPU ran natively: a long computation in which KVM emulated almost
# nothing (privileged instructions at boot, a few tens), where an emulated
# vCPU would count every instruction.
"$U" --kvm-stats "$G/native.hvt" >"$tmp/out" 2>&1
got=$?
emul=$(sed -n 's/.* insn_emulation=\([0-9]*\).*/\1/p' "$tmp/out")
if [ $got -eq 0 ] && grep -q '^iterations=20000000 mean=0\.500$' "$tmp/out" &&
    [ -n "$emul" ] && [ "$emul" -lt 1000 ]; then
    pass "native (insn_emulation=$emul over 20M iterations)"
else
    fail native "exit $got, insn_emulation='$emul'"
fi
check malloc 0 'malloc ok' "$U" --mem=128M "$G/malloc.hvt"
check clock 0 'year ok: 1' "$U" "$G/clock.hvt"
check tls 0 'tls=42 ctor=7' "$U" "$G/tls.hvt"
check enosys 0 'errno=38' "$U" "$G/enosys.hvt"
check cpu-view 0 'vmx=0 svm=0 hypervisor=1 sse2=1' "$U" "$G/cpu.hvt"

# The SDK: compile separately with uhvt-cc -c, then link objects.
printf 'int twice(int x) { return 2 * x; }\n' >"$tmp/lib.c"
printf '#include <stdio.h>\nint twice(int);\nint main(void) { printf("%%d\\n", twice(21)); return 0; }\n' >"$tmp/main.c"
if "$B/uhvt-cc" -c -o "$tmp/lib.o" "$tmp/lib.c" &&
    "$B/uhvt-cc" -o "$tmp/app.hvt" "$tmp/main.c" "$tmp/lib.o" >"$tmp/out" 2>&1; then
    check sdk-separate-compile 0 '^42$' "$U" "$tmp/app.hvt"
else
    fail sdk-separate-compile "uhvt-cc could not build the program"
fi
check mem-too-small 125 'needs [0-9]+ KiB of guest memory' "$U" --mem=4M "$G/big_bss.hvt"
check mem-enough 0 '' "$U" --mem=16M "$G/big_bss.hvt"
check not-elf 125 'not an ELF' "$U" /etc/hostname
check bad-option 125 "unknown option '--bogus'" "$U" --bogus "$G/argv.hvt"
check_after timeout 124 '^spinning$' 'timeout' "$U" --timeout=2 "$G/spin.hvt"

# A mebibyte of console output, byte for byte.
i=0
awk 'BEGIN { for (i = 0; i < 16384; i++)
    printf "%06d abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345\n", i }' \
    >"$tmp/console.want"
"$U" "$G/console.hvt" >"$tmp/console.got" 2>"$tmp/out"
if [ $? -eq 0 ] && cmp -s "$tmp/console.want" "$tmp/console.got"; then
    pass console-1MiB
else
    fail console-1MiB "output differs from the expected mebibyte"
fi

# SIGTERM ends a spinning guest cleanly with 128+15.
"$U" "$G/spin.hvt" >"$tmp/out" 2>&1 &
pid=$!
n=0
until grep -q spinning "$tmp/out" || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
kill -TERM $pid
wait $pid
got=$?
if [ $got -eq 143 ] && grep -q 'signal 15' "$tmp/out"; then pass sigterm; else fail sigterm "exit $got"; fi

# --mem=1G for hello must not cost a gigabyte: memory is populated lazily.
"$U" --mem=1G "$G/idle.hvt" 3 >"$tmp/out" 2>&1 &
pid=$!
n=0
until grep -q idle "$tmp/out" || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
rss=$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status 2>/dev/null)
wait $pid
got=$?
if [ $got -eq 0 ] && [ -n "$rss" ] && [ "$rss" -lt 16384 ]; then
    pass "lazy-memory (RSS ${rss} KiB with --mem=1G)"
else
    fail lazy-memory "exit $got, RSS '${rss}' KiB"
fi

