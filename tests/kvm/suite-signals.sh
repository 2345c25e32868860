# suite-signals.sh: host signals forwarded to a guest that handles them, the grace period, a signal's default action, --env, stdin (sourced by run-all).
# shellcheck shell=sh
# shellcheck disable=SC2016 # the sh -c commands expand their own arguments

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

# term_test NAME STATUS SIGNAL PATTERN UHVT-ARGS...: start the guest, wait
# for its "ready", send SIGNAL to uhvt; it must end with STATUS and its
# output match PATTERN.
term_test() {
    tt_name=$1 tt_want=$2 tt_sig=$3 tt_pattern=$4
    shift 4
    if ! bg_start "$tmp/out" '^ready$' 10 "$U" "$@"; then
        bg_stop "$bg_pid"
        fail "$tt_name" "the guest never printed /^ready$/ (exit $bg_status)"
        return
    fi
    bg_stop "$bg_pid" "$tt_sig"
    if [ "$bg_status" -ne "$tt_want" ]; then
        fail "$tt_name" "exit $bg_status, expected $tt_want"
    elif ! grep -Eq -- "$tt_pattern" "$tmp/out"; then
        fail "$tt_name" "output does not match /$tt_pattern/"
    else
        pass "$tt_name"
    fi
}

# A guest with a handler gets the signal (its blocking pause() ends) and
# exits as it likes; without one, today's 128+N.
term_test sigterm-handled 0 TERM '^handler ran for signal 15$' "$G/sig_term.hvt" pause
term_test sigint-handled 0 INT '^handler ran for signal 2$' "$G/sig_term.hvt" pause
term_test sighup-handled 0 HUP '^handler ran for signal 1$' "$G/sig_term.hvt" pause
term_test sigterm-no-handler 143 TERM 'ended by signal 15 \(SIGTERM\)' "$G/sig_term.hvt" none
term_test sigterm-grace-0 143 TERM 'ended by signal 15' --grace=0 "$G/sig_term.hvt" pause
# A handler that does not end the guest: the grace period does.
term_test sigterm-grace-expires 143 TERM 'still running 1 s after SIGTERM' \
    --grace=1 "$G/sig_term.hvt" stubborn
if grep -q '^handler ran for signal 15$' "$tmp/out"; then pass grace-handler-ran
else fail grace-handler-ran "the handler never ran"; fi
# A guest that spins without system calls never sees it: the grace period
# still ends it, bounded.
term_test sigterm-spinning-guest 143 TERM 'still running 1 s after SIGTERM' \
    --grace=1 "$G/sig_term.hvt" spin

# A second SIGTERM during the grace period ends the guest at once.
if bg_start "$tmp/out" '^ready$' 10 "$U" --grace=60 "$G/sig_term.hvt" stubborn; then
    kill -s TERM "$bg_pid"
    if wait_for "$tmp/out" '^handler ran for signal 15$' 10; then
        bg_stop "$bg_pid" TERM
        if [ "$bg_status" -eq 143 ] && grep -q 'second SIGTERM' "$tmp/out"; then
            pass sigterm-twice
        else
            fail sigterm-twice "exit $bg_status"
        fi
    else
        bg_stop "$bg_pid" KILL
        fail sigterm-twice "the handler never ran"
    fi
else
    bg_stop "$bg_pid"
    fail sigterm-twice "the guest never printed /^ready$/"
fi

# The guest's own signal, no handler: the default action, as the monitor
# reports a host one.
check_after raise-default-action 143 '^raising SIGTERM$' 'killed by signal 15 \(SIGTERM\)' \
    "$U" "$G/sig_term.hvt" raise
if grep -q survived "$tmp/out"; then fail raise-did-not-return "the guest survived"; fi

# --env: the defaults, overridden and added to; KEY alone passes the host's.
check env-defaults 0 '^env PATH=/bin:/usr/bin$' "$U" "$G/env_print.hvt"
if grep -q '^env HOME=/$' "$tmp/out" && ! grep -q '^env TERM=' "$tmp/out"; then
    pass env-home-no-term
else fail env-home-no-term "HOME=/ missing or TERM set"; fi
check env-given 0 '^env A=b=c$' env UHVT_TEST_X=from-host "$U" --env=A=b=c \
    --env=HOME=/srv --env=UHVT_TEST_X --env=UHVT_TEST_UNSET "$G/env_print.hvt"
if grep -q '^env HOME=/srv$' "$tmp/out" && grep -q '^env UHVT_TEST_X=from-host$' "$tmp/out" &&
    ! grep -q 'UHVT_TEST_UNSET' "$tmp/out" && [ "$(grep -c '^env HOME=' "$tmp/out")" -eq 1 ]; then
    pass env-override-and-host
else fail env-override-and-host "see the output"; fi
check env-bad-key 125 '^uhvt: --env=1X=y: need KEY=VALUE or KEY' "$U" --env=1X=y "$G/env_print.hvt"
check env-too-long 125 'longer than 8192 bytes' "$U" \
    "--env=X=$(head -c 9000 /dev/zero | tr '\0' x)" "$G/env_print.hvt"

# stdin: a file, a pipe (read and poll), /dev/null, closed, a terminal.
seq 1 20000 >"$tmp/in"
in_bytes=$(wc -c <"$tmp/in")
check_after stdin-file 0 '^reading$' "^end 0 errno 0: $in_bytes bytes, 20000 lines" \
    sh -c '"$1" "$2" <"$3"' sh "$U" "$G/stdin_cat.hvt" "$tmp/in"
if grep -q '^isatty(0) 0 tcgetattr 25$' "$tmp/out" && grep -q '^after end, read 0$' "$tmp/out"; then
    pass stdin-file-not-a-tty
else fail stdin-file-not-a-tty "isatty or the end of file wrong"; fi
check_after stdin-pipe 0 '^reading$' "^end 0 errno 0: $in_bytes bytes, 20000 lines" \
    sh -c 'cat "$3" | "$1" "$2"' sh "$U" "$G/stdin_cat.hvt" "$tmp/in"
check_after stdin-pipe-poll 0 '^reading$' '^end 0 errno 0: 12 bytes, 2 lines' \
    sh -c 'printf "hello\nworld\n" | "$1" "$2" poll' sh "$U" "$G/stdin_cat.hvt"
# Input that comes later: the guest waits for it in the monitor's poll.
check_after stdin-pipe-late 0 '^reading$' '^end 0 errno 0: 5 bytes, 1 lines' \
    sh -c '(sleep 1; echo late) | "$1" "$2" poll' sh "$U" "$G/stdin_cat.hvt"
check_after stdin-dev-null 0 '^reading$' '^end 0 errno 0: 0 bytes' \
    sh -c '"$1" "$2" </dev/null' sh "$U" "$G/stdin_cat.hvt"
check_after stdin-closed 0 '^reading$' '^end 0 errno 0: 0 bytes' \
    sh -c '"$1" "$2" <&-' sh "$U" "$G/stdin_cat.hvt"
# A terminal (script's pseudo-terminal): isatty is true, a typed line is
# read, and ^D (script sends it at the end of its input) ends the read;
# the terminal ends its lines with CR LF.
if command -v script >/dev/null; then
    check_after stdin-terminal 0 '^isatty\(0\) 1 tcgetattr 0' '^end 0 errno 0: 4 bytes, 1 lines' \
        sh -c 'printf "abc\n" | script -qec "$1 $2" /dev/null' sh "$U" "$G/stdin_cat.hvt"
else
    pass "stdin-terminal (skipped: no script(1))"
fi
