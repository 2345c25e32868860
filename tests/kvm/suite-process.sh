# suite-process.sh: descriptors, limits and identity, each probe's answers compared with Linux's; uhvt-cc as a drop-in CC (sourced by run-all).
# shellcheck shell=sh
# shellcheck disable=SC2016 # the cc-* commands expand $CC in their own shell

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

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
# Signals: handlers, masks, waits, siglongjmp, vector registers; timers and
# blocking calls cut short (EINTR, SA_RESTART).
process_same sig_basic
process_same sig_timers
# Pipes take guest memory: when it runs out, pipe fails with ENFILE.
check pipes-out-of-memory 0 '^[0-9]+ pipes, then ENFILE$' \
    "$U" --mem=8M "$G/proc_many.hvt" pipes

# A call only the program itself could satisfy waits forever without
# threads, as it would on Linux: --timeout ends it, after the guest said
# what it was about to do.
for what in read write eventfd poll; do
    check_after "blocks-forever-$what" 124 '^(reading|writing|polling)' 'ran past its --timeout' \
        "$U" --timeout=2 "$G/pipe_block.hvt" "$what"
done

# Threads (docs/threads.md): pthreads through musl's own clone and futex
# calls give Linux's answers; the scheduler is cooperative, so a thread
# that never blocks keeps the CPU until it yields, and one that spins
# forever starves the others (--timeout ends it after main said it sleeps).
process_same proc_threads
guest_says thread-ids '^# thread tid [0-9]+$'
process_same proc_futex
process_same proc_timerfd
process_same proc_socketpair
check threads-cooperative 0 '^after spinning 200 ms: the other thread ran: 0$' \
    "$U" --quiet "$G/thread_spin.hvt"
check threads-yield-switches 0 '^after sched_yield: the other thread ran: 1$' \
    "$U" --quiet "$G/thread_spin.hvt"
# When every thread waits, the guest halts in the monitor: 300 ms of a
# sleep, a pipe read, a condition variable and joins cost no CPU time
# (under 100 ms: starting the threads takes ~50 ms in the nested VM's TCG).
check threads-idle-halts 0 '^wall (29[0-9]|3[0-9][0-9]) ms, cpu [0-9]{1,2} ms$' \
    "$U" --quiet "$G/thread_idle.hvt"
# musl's guard below a thread's stack is not enforced by the page tables;
# the runtime checks it at the thread's waits and yields.
check_after thread-stack-overflow 121 '^a thread recurses without end' \
    'a thread overflowed its stack into its guard pages' \
    "$U" "$G/thread_overflow.hvt"
check_after threads-spinner-starves-main 124 '^main sleeps 100 ms while a thread spins$' \
    'ran past its --timeout' "$U" --timeout=2 "$G/thread_spin.hvt" forever

# uhvt-cc as CC= for builds written for Linux (see guest/uhvt-cc.in).
C=$tmp/cc
mkdir -p "$C/lib"
cat >"$C/main.c" <<'END'
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include "twice.h"
int main(void)
{
    printf("sqrt %.3f twice %d thread %d\n", sqrt(2.0), twice(21),
           pthread_self() != 0);
    return 0;
}
END
printf 'int twice(int x);\n' >"$C/twice.h"
printf '#include "twice.h"\nstatic int k = 2;\nint (*volatile f)(int);\nstatic int t(int x) { return k * x; }\nint twice(int x) { f = t; return f(x); }\n' >"$C/twice.c"
printf '.globl twice\ntwice:\n#define TWO 2\n\timul $TWO, %%edi, %%eax\n\tret\n' >"$C/twice.S"
cp "$C/twice.S" "$C/twice_S.txt"
cp "$C/twice.c" "$C/twice_c.txt"
UCC=$(cd "$B" && pwd)/uhvt-cc
# cc_run NAME PATTERN SHELL-COMMANDS: the commands (run in $C, with $CC
# the absolute uhvt-cc) build $C/app.hvt, which must run and print a line
# matching PATTERN.
cc_run() {
    rm -f "$C/app.hvt" "$C/a.out"
    if (cd "$C" && CC=$UCC sh -ec "$3") >"$tmp/out" 2>&1; then
        check "$1" 0 "$2" "$U" --quiet "$C/app.hvt"
    else
        fail "$1" "uhvt-cc could not build it"
    fi
}
main_ok='^sqrt 1\.414 twice 42 thread 1$'
cc_run cc-libs-in-libc "$main_ok" \
    '$CC -o app.hvt main.c twice.c -lm -lpthread -ldl -lrt -lutil -lcrypt -lresolv -l m -lc'
cc_run cc-flto "$main_ok" \
    '$CC -flto -O2 -c twice.c -o twice.o && $CC -flto -O2 -c main.c -o main.o && $CC -flto -O2 -o app.hvt main.o twice.o -lm'
cc_run cc-flto-one-step "$main_ok" '$CC -flto -o app.hvt main.c twice.c -lm'
cc_run cc-fpic-objects "$main_ok" \
    '$CC -fPIC -c twice.c -o twice.o && $CC -fpie -c main.c && $CC -o app.hvt main.o twice.o'
cc_run cc-assembler "$main_ok" '$CC -o app.hvt main.c twice.S'
cc_run cc-x-lang "$main_ok" \
    '$CC -o app.hvt main.c -x assembler-with-cpp twice_S.txt && $CC -c -x c twice_c.txt -o t.o && $CC -o app.hvt main.c t.o'
cc_run cc-static-library "$main_ok" \
    '$CC -c twice.c -o lib/twice.o && ar rcs lib/libtwice.a lib/twice.o && $CC -o app.hvt main.c -Llib -ltwice && $CC -o app.hvt main.c -L lib -l twice && $CC -o app.hvt main.c -Llib -l:libtwice.a'
cc_run cc-default-output "$main_ok" '$CC main.c twice.c && mv a.out app.hvt'
# Dependency files as gcc writes them.
if (cd "$C" && "$UCC" -c -MMD -MF deps.d -MT obj main.c -o main.o &&
    "$UCC" -c -MD twice.c -o t2.o && "$UCC" -MM main.c >mm.txt &&
    "$UCC" -M -MG main.c >m.txt) >"$tmp/out" 2>&1 &&
    grep -q '^obj: main.c twice.h' "$C/deps.d" && grep -q '^t2.o: twice.c' "$C/t2.d" &&
    grep -q 'twice.h' "$C/mm.txt" && grep -q 'math.h' "$C/m.txt"; then
    pass cc-dependency-files
else
    fail cc-dependency-files "-MMD -MF -MT, -MD, -MM or -M wrote no such file"
fi
check cc-preprocess 0 '^int x = 42;$' sh -c \
    "printf '#define N 42\nint x = N;\n' | '$UCC' -E -x c -"
check cc-shared-refused 1 '^uhvt-cc: -shared: a unikernel is one static image' \
    "$UCC" -shared -fPIC -o "$C/x.so" "$C/twice.c"
check cc-pie-refused 1 '^uhvt-cc: -pie: a uhvt image is static and position-dependent' \
    "$UCC" -pie -o "$C/x" "$C/main.c" "$C/twice.c"
check cc-host-library-refused 1 '^uhvt-cc: cannot find -lz: no libz\.a in the -L directories' \
    "$UCC" -o "$C/x.hvt" "$C/main.c" "$C/twice.c" -lz
check cc-help 0 '^  uhvt-cc \[--net=NAME\]' "$UCC" --help
check cc-version 0 '^uhvt-cc: images for uhvt, ABI version [0-9]+$' "$UCC" --version
check cc-gcc-questions 0 '^[0-9]+' "$UCC" -dumpversion
