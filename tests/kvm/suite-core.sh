# suite-core.sh: the monitor core and guest runtime on KVM (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

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
# A directory is named as one; a FIFO is refused without waiting for a writer.
check image-directory 125 "$tmp: is a directory" "$U" "$tmp"
mkfifo "$tmp/image.fifo"
CHECK_TIMEOUT=20 check image-fifo 125 'is not a regular file: a FIFO' "$U" "$tmp/image.fifo"
rm -f "$tmp/image.fifo"
# argv strings are packed: 10000 one-character arguments fit, 20000 do not,
# and the refusal says what they need.
# shellcheck disable=SC2046 # one argument per x
check argv-10000 0 '^argc=10001$' "$U" "$G/argv.hvt" $(yes x | head -n 10000)
# shellcheck disable=SC2046
check argv-20000 125 'guest arguments too long: 20001 strings .* need [0-9]+ bytes of boot memory, more than its 122880' \
    "$U" "$G/argv.hvt" $(yes x | head -n 20000)
check bad-option 125 "unknown option '--bogus'" "$U" --bogus "$G/argv.hvt"
check_after timeout 124 '^spinning$' 'ran past its --timeout' "$U" --timeout=2 "$G/spin.hvt"

# A mebibyte of console output, byte for byte.
awk 'BEGIN { for (i = 0; i < 16384; i++)
    printf "%06d abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345\n", i }' \
    >"$tmp/console.want"
if "$U" "$G/console.hvt" >"$tmp/console.got" 2>"$tmp/out" &&
    cmp -s "$tmp/console.want" "$tmp/console.got"; then
    pass console-1MiB
else
    fail console-1MiB "output differs from the expected mebibyte"
fi

# SIGTERM ends a spinning guest cleanly with 128+15.
if bg_start "$tmp/out" '^spinning$' 10 "$U" "$G/spin.hvt"; then
    bg_stop "$bg_pid"
    if [ "$bg_status" -eq 143 ] && grep -q 'signal 15' "$tmp/out"; then pass sigterm; else
        fail sigterm "exit $bg_status"; fi
else
    bg_stop "$bg_pid"
    fail sigterm "the guest never printed /^spinning$/ (exit $bg_status)"
fi

# Signals uhvt inherited ignored still end the guest: an orchestrator's
# TERM, and the timer of --timeout.
if bg_start "$tmp/out" '^spinning$' 10 \
    sh -c 'trap "" TERM; exec "$@"' sh "$U" "$G/spin.hvt"; then
    bg_stop "$bg_pid"
    if [ "$bg_status" -eq 143 ]; then pass sigterm-inherited-ignored; else
        fail sigterm-inherited-ignored "exit $bg_status"; fi
else
    bg_stop "$bg_pid"
    fail sigterm-inherited-ignored "the guest never printed /^spinning$/"
fi
check_after timeout-alarm-inherited-ignored 124 '^spinning$' 'ran past its --timeout' \
    sh -c 'trap "" ALRM; exec "$@"' sh "$U" --timeout=2 "$G/spin.hvt"

# A guest flooding a console whose reader stalls (a pipe, a FIFO, a terminal
# on hold) still ends promptly on --timeout and on an ending signal.
# stalled PID: the monitor waits in ppoll (x86-64 system call 271) for its
# console to take more: the FIFO is full.
stalled() { [ "$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)" = 271 ]; }
# console_stalled NAME STATUS SIGNAL STREAMS PATTERN CMD...: run CMD with
# stdout (STREAMS=out) or stdout and stderr (STREAMS=both) on a FIFO whose
# reader takes the guest's first line, "flooding", then reads no more; once
# the monitor waits on the full FIFO, send SIGNAL (- for none).  CMD must
# end within 15 s with STATUS, and its stderr (STREAMS=out) match PATTERN.
console_stalled() {
    cs_name=$1 cs_want=$2 cs_sig=$3 cs_streams=$4 cs_pattern=$5
    shift 5
    rm -f "$tmp/fifo" "$tmp/first" "$tmp/out"
    mkfifo "$tmp/fifo"
    (IFS= read -r line; printf '%s\n' "$line" >"$tmp/first"; exec sleep 120) <"$tmp/fifo" &
    bg_track $!
    cs_reader=$!
    if [ "$cs_streams" = both ]; then
        "$@" >"$tmp/fifo" 2>&1 &
    else
        "$@" >"$tmp/fifo" 2>"$tmp/out" &
    fi
    cs_pid=$!
    bg_track $cs_pid
    if ! wait_for "$tmp/first" '^flooding$' 20; then
        bg_stop "$cs_pid" KILL
        fail "$cs_name" "the guest's first line never came (exit $bg_status)"
    elif ! wait_until 10 stalled $cs_pid; then
        bg_stop "$cs_pid" KILL
        fail "$cs_name" "the monitor never waited on the full FIFO (exit $bg_status)"
    else
        [ "$cs_sig" = - ] || kill -s "$cs_sig" $cs_pid
        cs_t0=$(date +%s%N)
        if wait_until 15 ended $cs_pid; then
            cs_ms=$((($(date +%s%N) - cs_t0) / 1000000))
            bg_stop "$cs_pid" -
            if [ $bg_status -ne "$cs_want" ]; then
                fail "$cs_name" "exit status $bg_status, expected $cs_want"
            elif [ "$cs_streams" = out ] && ! grep -Eq -- "$cs_pattern" "$tmp/out"; then
                fail "$cs_name" "stderr does not match /$cs_pattern/"
            else
                pass "$cs_name (ended within $cs_ms ms)"
            fi
        else
            bg_stop "$cs_pid" KILL
            fail "$cs_name" "still running 15 s later"
        fi
    fi
    bg_stop "$cs_reader" 2>/dev/null
    rm -f "$tmp/fifo" "$tmp/first"
}
console_stalled console-stalled-timeout 124 - out 'ran past its --timeout' "$U" --timeout=5 "$G/flood.hvt"
console_stalled console-stalled-sigterm 143 TERM out "SIGTERM" "$U" "$G/flood.hvt"
console_stalled console-stalled-sighup 129 HUP out "SIGHUP" "$U" "$G/flood.hvt"
# The report then waits at most a second for the same stalled FIFO.
console_stalled console-stalled-stderr-too 124 - both '' "$U" --timeout=5 "$G/flood.hvt"

# --mem=1G for hello must not cost a gigabyte: memory is populated lazily.
rss=
bg_start "$tmp/out" '^idle$' 10 "$U" --mem=1G "$G/idle.hvt" 3 &&
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$bg_pid/status" 2>/dev/null)
bg_stop "$bg_pid" -
if [ "$bg_status" -eq 0 ] && [ -n "$rss" ] && [ "$rss" -lt 16384 ]; then
    pass "lazy-memory (RSS ${rss} KiB with --mem=1G)"
else
    fail lazy-memory "exit $bg_status, RSS '${rss}' KiB"
fi

