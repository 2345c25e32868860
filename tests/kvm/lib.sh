# lib.sh: shell helpers of the KVM suites, bench/run-kvm and scripts/demo: checks, waiting, background monitors, sanitizer runs, durability.
# shellcheck shell=sh
#
# Sourced from the repository's root.  Sourcing only defines functions;
# kvm_begin then sets up a test run (tests/kvm/run-all and each suite it
# runs call it).  The waiting and background helpers also serve scripts
# under set -e.  POSIX sh has no local variables: each function's own
# variables carry its prefix, so that they never clobber a caller's.

# ---- waiting: poll, never sleep for readiness ----

# wait_until SECS CMD...: run CMD every 50 ms until it succeeds; non-zero
# when SECS seconds pass first.
wait_until() {
    wu_n=$(($1 * 20))
    shift
    until "$@"; do
        [ "$wu_n" -gt 0 ] || return 1
        wu_n=$((wu_n - 1))
        sleep 0.05
    done
}

# wait_for FILE PATTERN SECS: wait until FILE has a line matching the
# extended regular expression PATTERN; non-zero when SECS seconds pass first.
wait_for() {
    wait_until "$3" grep -Eq -- "$2" "$1" 2>/dev/null
}

# alive PID: PID exists and has not ended (kill -0 succeeds on a zombie too).
alive() {
    [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]
}

# ended PID: the opposite of alive, for wait_until.
ended() { ! alive "$1"; }

# ---- background monitors ----

bg_pids=

# bg_start OUT PATTERN SECS CMD...: start CMD in the background, stdin from
# /dev/null, stdout and stderr into OUT; its PID in $bg_pid, remembered
# until bg_stop (bg_stop_all stops what is left).  Waits until OUT has a
# line matching PATTERN; non-zero if CMD ended or SECS seconds passed first.
bg_start() {
    bs_out=$1 bs_pattern=$2 bs_secs=$3
    shift 3
    # Emptied here, not only by the child's redirection: what an earlier
    # run left in OUT must not count as this one's line.
    : >"$bs_out"
    "$@" >>"$bs_out" 2>&1 </dev/null &
    bg_pid=$!
    bg_pids="$bg_pids $bg_pid"
    wait_until "$bs_secs" bg_ready "$bs_out" "$bs_pattern" "$bg_pid" || :
    grep -Eq -- "$bs_pattern" "$bs_out"
}

# bg_ready OUT PATTERN PID: OUT matches PATTERN, or PID has ended.
bg_ready() {
    grep -Eq -- "$2" "$1" 2>/dev/null || ended "$3"
}

# bg_track PID: remember a background process started otherwise.
bg_track() { bg_pids="$bg_pids $1"; }

# bg_stop PID [SIGNAL]: send SIGNAL (default TERM; - for none, to wait for
# it to end by itself), reap it and forget it; its exit status in $bg_status
# (128 + the signal's number when the signal ended it).
bg_stop() {
    [ "${2:-TERM}" = - ] || kill -s "${2:-TERM}" "$1" 2>/dev/null || :
    bg_status=0
    wait "$1" || bg_status=$?
    bt_rest=
    for bt_p in $bg_pids; do [ "$bt_p" = "$1" ] || bt_rest="$bt_rest $bt_p"; done
    bg_pids=$bt_rest
}

# bg_stop_all: SIGTERM and reap every process bg_start or bg_track remembers.
bg_stop_all() {
    for ba_p in $bg_pids; do bg_stop "$ba_p"; done 2>/dev/null
    bg_pids=
}

# ---- a test run: the tally, checks ----

# kvm_begin: set B, U (the monitor), G (the test guests) and tmp (a fresh
# scratch directory, under $KVM_TMP when set); count into $KVM_TALLY (a
# file, one line per test, shared by the suites of one run; by default
# $tmp/tally); on exit, however it comes, stop the background processes,
# run the kvm_at_exit commands and remove tmp.
kvm_begin() {
    B=${B:-build}
    U=$B/uhvt
    # shellcheck disable=SC2034 # for the suites
    G=$B/tests/guest
    tmp=$(mktemp -d "${KVM_TMP:-${TMPDIR:-/tmp}}/uhvt-kvm.XXXXXX") || exit 1
    KVM_TALLY=${KVM_TALLY:-$tmp/tally}
    kvm_exit_cmds=
    trap kvm_exit EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# kvm_at_exit CMD: run CMD (a function name or command line) at exit, after
# the background processes are stopped, before tmp is removed.
kvm_at_exit() { kvm_exit_cmds="$kvm_exit_cmds$1
"; }

kvm_exit() {
    bg_stop_all
    eval "$kvm_exit_cmds"
    rm -rf "$tmp"
}

pass() {
    echo "PASS $1"
    echo PASS >>"$KVM_TALLY"
}

# fail NAME REASON: a failed test, with the end of $tmp/out (the output of
# the check that failed, or whatever the caller left there).
fail() {
    echo "FAIL $1: $2"
    echo FAIL >>"$KVM_TALLY"
    if [ -s "$tmp/out" ]; then head -c 2000 "$tmp/out" | tail -n 15 | sed 's/^/    | /'; fi
}

# kvm_summary WHAT: print "WHAT: N passed, N failed"; zero when none failed.
kvm_summary() {
    ks_passed=$(grep -c '^PASS$' "$KVM_TALLY" 2>/dev/null)
    ks_failed=$(grep -c '^FAIL$' "$KVM_TALLY" 2>/dev/null)
    echo "$1: ${ks_passed:-0} passed, ${ks_failed:-0} failed"
    [ "${ks_failed:-0}" -eq 0 ]
}

# check NAME STATUS PATTERN CMD...: CMD exits STATUS and its output
# (stdout and stderr) matches the extended regular expression PATTERN
# (an empty PATTERN matches anything, even no output).
check() {
    c_name=$1 c_want=$2 c_pattern=$3
    shift 3
    check_after "$c_name" "$c_want" '' "$c_pattern" "$@"
}

# check_after NAME STATUS FIRST PATTERN CMD...: as check, and the output also
# has a line matching FIRST, which the guest prints before it misbehaves:
# a test that expects a failure proves the guest got that far.  CMD's
# output stays in $tmp/out.  CMD runs in the suite's process group
# (--foreground), so that the suite's time limit reaches it.
check_after() {
    ca_name=$1 ca_want=$2 ca_first=$3 ca_pattern=$4
    shift 4
    # A hang is a failure, never a stuck run.
    timeout --foreground -k 5 "${CHECK_TIMEOUT:-120}" "$@" >"$tmp/out" 2>&1 </dev/null
    ca_got=$?
    if [ "$ca_got" -eq 124 ] && [ "$ca_want" -ne 124 ]; then
        fail "$ca_name" "did not finish within ${CHECK_TIMEOUT:-120} s"
    elif [ "$ca_got" -ne "$ca_want" ]; then
        fail "$ca_name" "exit status $ca_got, expected $ca_want"
    elif [ -n "$ca_first" ] && ! grep -Eq -- "$ca_first" "$tmp/out"; then
        fail "$ca_name" "the guest never printed /$ca_first/ before it ended"
    elif [ -n "$ca_pattern" ] && ! grep -Eq -- "$ca_pattern" "$tmp/out"; then
        fail "$ca_name" "output does not match /$ca_pattern/"
    else
        pass "$ca_name"
    fi
}

# check_stop NAME PID [OUT]: SIGTERM a process bg_start started; it must
# end by that signal (143), cleanly.  OUT, its output, shows when it fails.
check_stop() {
    bg_stop "$2"
    if [ -n "${3:-}" ]; then cp "$3" "$tmp/out"; else : >"$tmp/out"; fi
    if [ "$bg_status" -eq 143 ]; then
        pass "$1"
    else
        fail "$1" "exit status $bg_status, expected 143"
    fi
}

# check_left NAME FIRST WHAT CMD...: a test of what the check before it
# left behind (a file unchanged, a sector still empty): that check's output
# ($tmp/out) has a line matching FIRST, the guest's attempt, and CMD
# succeeds; WHAT says what failed when it does not.  Without FIRST such a
# test passes when the guest never ran.
check_left() {
    cl_name=$1 cl_first=$2 cl_what=$3
    shift 3
    if ! grep -Eq -- "$cl_first" "$tmp/out" 2>/dev/null; then
        fail "$cl_name" "the guest never printed /$cl_first/: nothing was tried"
    elif ! "$@"; then
        fail "$cl_name" "$cl_what"
    else
        pass "$cl_name"
    fi
}

# ---- probes compared with Linux (suite-process, suite-files) ----

# process_same NAME [UHVT OPTIONS] [-- ARGS]: tests/guest/NAME.c runs as a unikernel
# and as the same source built for Linux (build/tests/native/NAME, which
# drops root itself); their outputs, less the lines starting with "#"
# (what the unikernel answers differently by design, checked below by
# pattern), must be identical, and the guest's must end with "done".
# ARGS go to both runs (after the image for the guest).
process_same() {
    ps_name=$1 ps_opts=
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        ps_opts="$ps_opts $1"
        shift
    done
    [ $# -eq 0 ] || shift
    ps_tag=$ps_name
    [ $# -eq 0 ] || ps_tag="$ps_name-$(printf '%s' "$*" | tr ' ' -)"
    timeout -k 5 60 "$B/tests/native/$ps_name" "$@" >"$tmp/native" 2>&1 </dev/null
    ps_native=$?
    # shellcheck disable=SC2086 # the options are words
    timeout -k 5 60 "$U" --quiet $ps_opts "$G/$ps_name.hvt" "$@" >"$tmp/out" 2>&1 </dev/null
    ps_got=$?
    grep -v '^#' "$tmp/native" >"$tmp/native.cmp"
    grep -v '^#' "$tmp/out" >"$tmp/guest.cmp"
    # A failure shows what failed; $tmp/out then holds the guest's output
    # again, for the guest_says checks that follow.
    cp "$tmp/out" "$tmp/out.guest"
    if [ $ps_native -ne 0 ] || [ "$(tail -n 1 "$tmp/native")" != "done" ]; then
        cp "$tmp/native" "$tmp/out"
        fail "$ps_tag-as-linux" "the native build failed (exit $ps_native)"
        cp "$tmp/out.guest" "$tmp/out"
    elif [ $ps_got -ne 0 ] || [ "$(tail -n 1 "$tmp/out")" != "done" ]; then
        fail "$ps_tag-as-linux" "the guest failed (exit $ps_got)"
    elif ! diff -u "$tmp/native.cmp" "$tmp/guest.cmp" >"$tmp/diff"; then
        cp "$tmp/diff" "$tmp/out"
        fail "$ps_tag-as-linux" "the guest's answers differ from Linux's (- Linux, + guest)"
        cp "$tmp/out.guest" "$tmp/out"
    else
        pass "$ps_tag-as-linux ($(wc -l <"$tmp/guest.cmp") lines the same)"
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

# ---- the sanitizer switch ----

# each_monitor FUNC ARGS...: FUNC MONITOR TAG ARGS..., once with the monitor
# ($U, tag uhvt) and once with its ASan/UBSan build ($B/uhvt-san, tag
# uhvt-san).  The sanitized one runs sandboxed too, so LeakSanitizer (which
# needs ptrace) stays off; any other report changes its exit status.
each_monitor() {
    em_fn=$1
    shift
    "$em_fn" "$U" uhvt "$@"
    export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1
    "$em_fn" "$B/uhvt-san" uhvt-san "$@"
    unset ASAN_OPTIONS UBSAN_OPTIONS
}

# ---- disks ----

# blk_sector FILE N SIZE: sector N of FILE without its zero padding.
blk_sector() {
    dd if="$1" bs="$3" skip="$2" count=1 2>/dev/null | tr -d '\0'
}

# durable NAME RUNS TEXT IMAGE CMD...: once the guest says a flush succeeded,
# SIGKILL loses nothing.  For N in 1..RUNS: start CMD N TEXT-N in the
# background (it writes TEXT-N to sector N of IMAGE, 512-byte sectors, and
# prints "flushed" once its flush succeeded), SIGKILL it at that line; it
# must end by the signal with the sector written.  At the end every sector
# must still hold its text.
durable() {
    du_name=$1 du_runs=$2 du_text=$3 du_img=$4
    shift 4
    du_ok=0 du_bad=
    for du_i in $(seq 1 "$du_runs"); do
        bg_start "$tmp/flush.out" '^flushed' 20 "$@" "$du_i" "$du_text-$du_i" ||
            du_bad="$du_bad $du_i(no flush)"
        bg_stop "$bg_pid" KILL
        if [ "$bg_status" -eq 137 ] &&
            [ "$(blk_sector "$du_img" "$du_i" 512)" = "$du_text-$du_i" ]; then
            du_ok=$((du_ok + 1))
        else
            du_bad="$du_bad $du_i(exit $bg_status)"
        fi
    done
    for du_i in $(seq 1 "$du_runs"); do
        [ "$(blk_sector "$du_img" "$du_i" 512)" = "$du_text-$du_i" ] ||
            du_bad="$du_bad $du_i(lost later)"
    done
    if [ -z "$du_bad" ]; then
        pass "$du_name ($du_ok of $du_runs)"
    else
        cp "$tmp/flush.out" "$tmp/out"
        fail "$du_name" "runs$du_bad"
    fi
    rm -f "$tmp/flush.out"
}
