# suite-debug.sh: the debug tools on KVM: named register dumps, core files, the gdb stub, the profiler (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

D=$G/debug_target.hvt

# ---- the monitor names rip's function from the image's symbols ----

check_after dump-names-fault 122 '^crashing now$' \
    'rip=0x[0-9a-f]+ \(debug_crash_here\+0x[0-9a-f]+\)' "$U" "$D" crash
# PVM: a triple fault the monitor dumps; hardware KVM: the guest's own report.
check_after dump-names-overflow 122 '^recursing$' 'rip=0x[0-9a-f]+ \(deeper\+0x[0-9a-f]+\)' \
    "$U" "$G/stack_overflow.hvt"

# ---- core files ----

# Cores go where O_TMPFILE works: the scratch directory, unless its
# filesystem lacks it (9p, the nested VM's root): then one on /dev/shm.
cores_base=$tmp
if "$U" --dumpcore="$tmp" "$D" 2>&1 | grep -q 'does not support it'; then
    cores_base=$(mktemp -d /dev/shm/uhvt-cores.XXXXXX) || cores_base=$tmp
    # shellcheck disable=SC2016 # expanded when the suite ends
    kvm_at_exit 'rm -rf "$cores_base"'
fi

# core_bt NAME FIRST PATTERN IMAGE ARGS...: the guest run with --dumpcore
# leaves one core file, mode 0600, smaller than guest memory (sparse), in
# which gdb's backtrace matches PATTERN.
core_bt() {
    cb_name=$1 cb_first=$2 cb_pattern=$3 cb_image=$4
    shift 4
    rm -rf "$cores_base/cores" && mkdir "$cores_base/cores"
    timeout --foreground -k 5 60 "$U" --dumpcore="$cores_base/cores" "$cb_image" "$@" \
        >"$tmp/run" 2>&1 </dev/null
    cb_core=$(ls "$cores_base/cores"/core.uhvt.* 2>/dev/null)
    cp "$tmp/run" "$tmp/out"
    if ! grep -Eq -- "$cb_first" "$tmp/run"; then
        fail "$cb_name" "the guest never printed /$cb_first/"
    elif ! grep -q "core dumped to $cores_base/cores/core.uhvt." "$tmp/run" || [ ! -f "$cb_core" ]; then
        fail "$cb_name" "no core file"
    elif [ "$(stat -c %a "$cb_core")" != 600 ] || [ "$(stat -c %s "$cb_core")" -ge $((256 << 20)) ]; then
        fail "$cb_name" "core file mode $(stat -c %a "$cb_core"), size $(stat -c %s "$cb_core")"
    else
        timeout 60 gdb -nx -batch -ex 'bt 8' -ex 'info registers rip' "$cb_image" "$cb_core" \
            >"$tmp/out" 2>&1 </dev/null
        if grep -Eq -- "$cb_pattern" "$tmp/out"; then
            pass "$cb_name"
        else
            fail "$cb_name" "gdb's backtrace does not match /$cb_pattern/"
        fi
    fi
}

core_bt core-fault '^crashing now$' \
    '^#0 .* in debug_crash_here \(\).*' "$D" crash
core_bt core-fault-caller '^crashing now$' \
    '^#1 .* in debug_crash_caller \(\)' "$D" crash
core_bt core-fault-signal '^crashing now$' \
    'terminated with signal SIGSEGV' "$D" crash
core_bt core-overflow '^recursing$' '^#0 .* in deeper \(\)' "$G/stack_overflow.hvt"
core_bt core-abort '^about to abort$' 'terminated with signal SIGABRT' "$G/abort.hvt"
# abort() ends in a system call: the backtrace gets through syscall_entry
# (its CFI) to musl's raise.
core_bt core-abort-through-syscall '^about to abort$' '^#[0-9]+ +0x[0-9a-f]+ in raise \(\)' \
    "$G/abort.hvt"

# No fault, no core.
rm -rf "$cores_base/cores" && mkdir "$cores_base/cores"
check dumpcore-clean-exit 3 '^counter 42$' "$U" --dumpcore="$cores_base/cores" "$D"
check_left dumpcore-no-core '^counter 42$' 'a core file after a clean exit' \
    sh -c "[ -z \"\$(ls -A '$cores_base/cores')\" ]"
# The directory is never reached through a symlink.
ln -s "$cores_base/cores" "$tmp/link"
check dumpcore-no-symlink 125 'symlinks are not followed' \
    "$U" --dumpcore="$tmp/link" "$D" crash

# ---- the gdb stub ----

# gdb_run NAME STATUS GUEST_OUT GDB_OUT GUEST_ARGS -- GDB_ARGS...: the
# guest under --gdb=0 (loopback, a free port), gdb -batch with GDB_ARGS
# attached to it; gdb's output must match GDB_OUT (every line of it, one
# pattern per line), the guest end with STATUS, its output match GUEST_OUT.
gdb_run() {
    gr_name=$1 gr_status=$2 gr_guest=$3 gr_gdb=$4 gr_args=$5
    shift 6
    # shellcheck disable=SC2086 # the guest's arguments, split on purpose
    if ! bg_start "$tmp/guest" 'waiting for gdb on 127\.0\.0\.1:[0-9]+' 20 \
        "$U" --gdb=0 "$D" $gr_args; then
        cp "$tmp/guest" "$tmp/out"
        fail "$gr_name" "uhvt did not wait for gdb"
        return
    fi
    gr_port=$(sed -n 's/.*waiting for gdb on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/guest")
    timeout 60 gdb -nx -batch -ex "target remote 127.0.0.1:$gr_port" "$@" "$D" \
        >"$tmp/out" 2>&1 </dev/null
    wait_until 20 ended "$bg_pid" || :
    bg_stop "$bg_pid"
    gr_bad=
    printf '%s\n' "$gr_gdb" >"$tmp/patterns"
    while read -r gr_p; do
        grep -Eq -- "$gr_p" "$tmp/out" || gr_bad="$gr_bad /$gr_p/"
    done <"$tmp/patterns"
    if [ -n "$gr_bad" ]; then
        fail "$gr_name" "gdb's output lacks$gr_bad"
    elif [ "$bg_status" -ne "$gr_status" ]; then
        cp "$tmp/guest" "$tmp/out"
        fail "$gr_name" "uhvt exit status $bg_status, expected $gr_status"
    elif ! grep -Eq -- "$gr_guest" "$tmp/guest"; then
        cp "$tmp/guest" "$tmp/out"
        fail "$gr_name" "the guest's output does not match /$gr_guest/"
    else
        pass "$gr_name"
    fi
}

# A breakpoint on a function, a variable and a register there, one
# instruction stepped, the variable written, and the exit seen by gdb.
# (The patterns' $ are gdb's and regular expressions', not the shell's.)
# shellcheck disable=SC2016
gdb_run gdb-break-step-exit 3 '^counter 135$' \
'^Breakpoint 1, 0x[0-9a-f]+ in debug_mark \(\)
^\$1 = 7$
^\$2 = 100$
^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <debug_mark>$
^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <debug_mark\+[0-9]+>$
exited with code 03' '' -- \
    -ex 'break debug_mark' -ex continue -ex 'print *(int *)&debug_counter' \
    -ex 'set var *(int *)&debug_counter = 100' -ex 'print *(int *)&debug_counter' \
    -ex 'info registers rip' -ex stepi -ex 'info registers rip' -ex continue
# General and SSE registers, and memory outside the guest refused.
# shellcheck disable=SC2016
gdb_run gdb-registers 3 '^counter 42$' \
'^rsp +0x[0-9a-f]+ 
^eflags +0x[0-9a-f]+ 
^cs +0x(8|33) 
^mxcsr +0x[0-9a-f]+ 
v4_int32 = \{
Cannot access memory at address 0x1000000000' '' -- \
    -ex 'break debug_mark' -ex continue -ex 'info registers rsp eflags cs mxcsr' \
    -ex 'print $xmm0' -ex 'x/x 0x1000000000' -ex continue
# A (software) watchpoint: gdb single-steps the guest and compares.
gdb_run gdb-watchpoint 3 '^counter 42$' \
'^Watchpoint 2: \*\(int \*\)&debug_counter
^Old value = 7$
^New value = 42$
exited with code 03' '' -- \
    -ex 'set can-use-hw-watchpoints 0' -ex 'break debug_mark' -ex continue \
    -ex 'watch *(int *)&debug_counter' -ex continue -ex delete -ex continue
# A fault stops in gdb at the faulting instruction; going on ends the guest.
gdb_run gdb-fault-stops 122 'vector 14 \(#PF page fault\)' \
'Program received signal SIGSEGV
^#0 +0x[0-9a-f]+ in debug_crash_here \(\)
^#1 +0x[0-9a-f]+ in debug_crash_caller \(\)
terminated with signal SIGSEGV' 'crash' -- \
    -ex continue -ex 'bt 2' -ex continue
# gdb's kill ends the guest at once.
gdb_run gdb-kill 137 'guest killed by gdb' '\[Inferior 1 \(Remote target\) killed\]' '' -- \
    -ex 'break debug_mark' -ex continue -ex kill

# Ctrl-C: SIGINT to gdb while the guest spins interrupts it where it is.
if bg_start "$tmp/guest" 'waiting for gdb on 127\.0\.0\.1:[0-9]+' 20 "$U" --gdb=0 "$D" spin; then
    guest_pid=$bg_pid
    port=$(sed -n 's/.*waiting for gdb on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/guest")
    # --foreground: timeout then passes the SIGINT to gdb once, not also to
    # its process group (a second Ctrl-C makes gdb give up on the target).
    timeout --foreground 60 gdb -nx -batch -ex "target remote 127.0.0.1:$port" \
        -ex continue -ex 'bt 2' -ex kill "$D" >"$tmp/gdb" 2>&1 </dev/null &
    gdb_pid=$!
    bg_track "$gdb_pid"
    wait_for "$tmp/guest" '^spinning$' 20 || :
    kill -INT "$gdb_pid"
    bg_stop "$gdb_pid" -
    bg_stop "$guest_pid" -
    cp "$tmp/gdb" "$tmp/out"
    if grep -q 'Program received signal SIGINT' "$tmp/gdb" &&
        grep -Eq '^#0 .* in debug_spin_here \(\)' "$tmp/gdb" && [ "$bg_status" -eq 137 ]; then
        pass gdb-interrupt
    else
        fail gdb-interrupt "no SIGINT stop in debug_spin_here (uhvt status $bg_status)"
    fi
else
    cp "$tmp/guest" "$tmp/out"
    fail gdb-interrupt "uhvt did not wait for gdb"
fi

# A gdb peer that asks for memory and never reads the answers cannot keep
# uhvt from ending: SIGTERM still ends it (143) while they wait for room.
if bg_start "$tmp/guest" 'waiting for gdb on 127\.0\.0\.1:[0-9]+' 20 "$U" --gdb=0 "$D" spin; then
    guest_pid=$bg_pid
    port=$(sed -n 's/.*waiting for gdb on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/guest")
    bg_start "$tmp/stall" '^stalled$' 60 "$B/tests/tools/gdbstall" "$port" 100000 || :
    stall_pid=$bg_pid
    kill -TERM "$guest_pid"
    if wait_until 10 ended "$guest_pid"; then bg_stop "$guest_pid" -; else bg_stop "$guest_pid" KILL; fi
    guest_status=$bg_status
    bg_stop "$stall_pid"
    cat "$tmp/stall" "$tmp/guest" >"$tmp/out"
    if grep -q '^stalled$' "$tmp/stall" && [ "$guest_status" -eq 143 ] &&
        grep -q 'guest ended by signal 15 (SIGTERM)' "$tmp/guest"; then
        pass gdb-stalled-peer-sigterm
    else
        fail gdb-stalled-peer-sigterm "uhvt did not end on SIGTERM (status $guest_status)"
    fi
else
    cp "$tmp/guest" "$tmp/out"
    fail gdb-stalled-peer-sigterm "uhvt did not wait for gdb"
fi

# A Unix socket instead of a port; an existing file is never replaced.
: >"$tmp/taken.sock"
check gdb-unix-no-replace 125 'Address already in use' "$U" --gdb="unix:$tmp/taken.sock" "$D"
check gdb-bad-port 125 'need a port' "$U" --gdb=65536 "$D"

# ---- the profiler ----

check_after profile-run 0 '^spinning$' 'profile: [0-9]+ samples at 99 Hz' \
    "$U" --profile="$tmp/prof" "$D" spin
scripts/uhvt-profile "$D" "$tmp/prof" >"$tmp/top" 2>&1
cp "$tmp/top" "$tmp/out"
# The top line after the header is the function with the most samples of its own.
if [ "$(sed -n '3s/.*  //p' "$tmp/top")" = debug_spin_here ]; then
    pass profile-top-function
else
    fail profile-top-function "the top function is not debug_spin_here"
fi
scripts/uhvt-profile --folded "$D" "$tmp/prof" >"$tmp/out" 2>&1
check_left profile-call-chain '' 'no main;debug_spin_here chain (frame pointers)' \
    grep -Eq '(^|;)main;debug_spin_here [0-9]+$' "$tmp/out"
check profile-bad-rate 125 'hz=N, N from 1 to 10000' "$U" --profile="$tmp/p,hz=0" "$D"
