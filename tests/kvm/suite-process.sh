# suite-process.sh: descriptors, limits and identity, each probe's answers compared with Linux's; uhvt-cc as a drop-in CC (sourced by run-all).

# process_same NAME [UHVT OPTIONS]: tests/guest/NAME.c runs as a unikernel
# and as the same source built for Linux (build/tests/native/NAME, which
# drops root itself); their outputs, less the lines starting with "#"
# (what the unikernel answers differently by design, checked below by
# pattern), must be identical, and the guest's must end with "done".
process_same() {
    ps_name=$1
    shift
    timeout -k 5 60 "$B/tests/native/$ps_name" >"$tmp/native" 2>&1 </dev/null
    ps_native=$?
    timeout -k 5 60 "$U" --quiet "$@" "$G/$ps_name.hvt" >"$tmp/out" 2>&1 </dev/null
    ps_got=$?
    grep -v '^#' "$tmp/native" >"$tmp/native.cmp"
    grep -v '^#' "$tmp/out" >"$tmp/guest.cmp"
    if [ $ps_native -ne 0 ] || [ "$(tail -n 1 "$tmp/native")" != done ]; then
        cp "$tmp/native" "$tmp/out"
        fail "$ps_name-as-linux" "the native build failed (exit $ps_native)"
    elif [ $ps_got -ne 0 ] || [ "$(tail -n 1 "$tmp/out")" != done ]; then
        fail "$ps_name-as-linux" "the guest failed (exit $ps_got)"
    elif ! diff -u "$tmp/native.cmp" "$tmp/guest.cmp" >"$tmp/diff"; then
        cp "$tmp/diff" "$tmp/out"
        fail "$ps_name-as-linux" "the guest's answers differ from Linux's (- Linux, + guest)"
    else
        pass "$ps_name-as-linux ($(wc -l <"$tmp/guest.cmp") lines the same)"
    fi
}

# guest_says NAME PATTERN...: the last guest output has a line matching
# each extended regular expression.
guest_says() {
    gs_name=$1
    shift
    for gs_p in "$@"; do
        if ! grep -Eq -- "$gs_p" "$tmp/out"; then
            fail "$gs_name" "no line matches /$gs_p/"
            return
        fi
    done
    pass "$gs_name"
}

process_same proc_pipe
process_same proc_dup
process_same proc_eventfd
process_same proc_many
process_same proc_limits --mem=64M
# What the unikernel answers by design (docs/syscalls.md).
guest_says limits-values '^# rlimit NOFILE 1024 1024$' \
    '^# rlimit STACK 1048576 1048576$' '^# rlimit CORE 0 0$' \
    '^# rlimit NPROC -1 -1$'
guest_says cpu-time-is-not-sleep \
    '^# spinning 0\.3 s: rusage 0\.(2[6-9]|[3-9])' \
    '^# sleeping 0\.3 s: rusage 0\.0[0-4]'
guest_says identity-values '^# umask 22$' '^# uid 0 euid 0 gid 0 egid 0$' \
    '^# pid 1 ppid 0 pgrp 1 pgid 1 sid 1$' '^# setsid -1 EPERM$' \
    '^# setpgid -1 EPERM$'
guest_says sysinfo-values \
    '^# sysinfo uptime [0-9]+ totalram 67108864 freeram [0-9]+ procs 1 mem_unit 1$' \
    '^# uname uhvt uhvt '
guest_says one-cpu '^# CPUs 1$' '^# setaffinity CPU 1 only: -1 EINVAL$'
guest_says no-new-processes '^# fork -1 ENOSYS$' '^# vfork -1 ENOSYS$' \
    '^# clone -1 ENOSYS$' '^# execve -1 ENOSYS$' '^# execveat -1 ENOSYS$' \
    '^# posix_spawn ENOSYS$'
# Pipes take guest memory: when it runs out, pipe fails with ENFILE.
check pipes-out-of-memory 0 '^[0-9]+ pipes, then ENFILE$' \
    "$U" --mem=8M "$G/proc_many.hvt" pipes

# A call only the program itself could satisfy waits forever without
# threads, as it would on Linux: --timeout ends it, after the guest said
# what it was about to do.
for what in read write eventfd poll; do
    check_after "blocks-forever-$what" 124 '^(reading|writing|polling)' 'timeout' \
        "$U" --timeout=2 "$G/pipe_block.hvt" "$what"
done
