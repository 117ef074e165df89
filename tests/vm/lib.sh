# Shell test library for ksnoop's VM tests (busybox ash inside the VM) and host shell tests
# (bash). Source it, then declare tests:
#
#   t_run NAME CMD...      run CMD (usually a shell function) as test NAME in a subshell
#                          and report it. The test fails if any expectation failed or CMD
#                          returned non-zero; it is skipped if CMD called t_skip.
# Inside a test:
#   t_cmd CMD...           run CMD with a timeout ($T_TIMEOUT s, default 120); sets $T_OUT
#                          (stdout), $T_ERR (stderr), $T_RC; remembered for failure reports
#   t_trace SECS WORKLOAD CMD...   run CMD (a tracer, e.g. ksnoop trace SPEC) like t_cmd;
#                          WORKLOAD (a shell string) starts once CMD has printed its
#                          "attached" line, and CMD gets SIGINT, as a user would,
#                          $TW_GRACE s (default 0.2) after WORKLOAD ends. SECS bounds the
#                          whole run; a CMD that has not attached by then fails the test.
#                          WORKLOAD has the tracer's pid in $TRACER_PID (TW_STOP=0 and
#                          kill -INT $TRACER_PID: the workload stops the tracer itself)
#                          and the file its stdout goes to in $TRACER_OUT.
#   until_out N JQ         a WORKLOAD string: wait until jq -s JQ over what the tracer
#                          has printed so far gives at least N
#   wait_detached [SECS]   wait for ksnoop's detaching children (many links) to finish
#   stop_detaching FILE    a WORKLOAD string: stop (SIGSTOP) ksnoop's detaching child as
#                          soon as it appears and write its pid to FILE
#   t_expect_rc N          the last t_cmd exited N
#   t_expect_eq EXP ACT [WHAT]
#   t_expect_match ERE [TEXT]      some line of TEXT (default $T_OUT) matches ERE
#   t_expect_no_match ERE [TEXT]   no line matches
#   t_fail MSG             record a failure
#   t_skip REASON          stop the test here and report it skipped
#   need_kernel_ge X.Y     skip unless the running kernel is at least X.Y
#   need_file PATH, need_cmd CMD   skip unless present
#   kver                   running kernel as MAJOR.MINOR (e.g. 6.12); kver_ge X.Y
#
# Report lines (the host harness counts these; keep the format):
#   @@KSNOOP-START <kernel> <name>               a test begins
#   @@KSNOOP-TEST PASS <kernel> <name>
#   @@KSNOOP-TEST FAIL <kernel> <name>
#   @@KSNOOP-TEST SKIP <kernel> <name> <reason>
#   @@KSNOOP-DETAIL <kernel> <name> | <text>     why a test failed (command, expected, actual)
#   @@KSNOOP-TIME <kernel> <name> <seconds>      a test's wall time (after its result)
# <kernel> is MAJOR.MINOR in a VM, $T_KERNEL (e.g. "host") when set. With $T_TIMES_FILE
# set, t_run also appends "<seconds> <name>" to it (suite.sh ranks the slowest).
#
# Not set -e: a test keeps going after a failed expectation so one run shows every problem.

T_TIMEOUT=${T_TIMEOUT:-120}
T_COUNT_FILE=${T_COUNT_FILE:-/tmp/ksnoop-tests.count}
T_PREFIX=${T_PREFIX:-}		# test name prefix, e.g. "smoke/" (set per test file)
T_OUT='' T_ERR='' T_RC='' T_LAST_CMD='' T_SHOWN=''

kver()
{
	uname -r | sed 's/^\([0-9]*\.[0-9]*\).*/\1/'
}

# kver_ge X.Y: the running kernel is X.Y or newer.
kver_ge()
{
	local have want
	have=$(kver)
	want=$1
	[ "${have%%.*}" -gt "${want%%.*}" ] ||
		{ [ "${have%%.*}" -eq "${want%%.*}" ] && [ "${have#*.}" -ge "${want#*.}" ]; }
}

T_KERNEL=${T_KERNEL:-$(kver)}

# Detail lines go to a file and are printed only when the test fails.
t_detail()
{
	printf '%s\n' "$@" >>"$T_DETAILS"
}

# t_fail MSG: record a failure; the first failure after a t_cmd also shows that command,
# its status and output.
t_fail()
{
	T_FAILED=$((T_FAILED + 1))
	t_detail "FAILED: $*"
	t_show_last
}

t_skip()
{
	echo "@@KSNOOP-TEST SKIP $T_KERNEL $T_NAME $*"
	exit 77
}

need_kernel_ge()
{
	kver_ge "$1" || t_skip "needs kernel >= $1 (have $(kver))"
}

need_file()
{
	[ -e "$1" ] || t_skip "needs $1"
}

need_cmd()
{
	command -v "$1" >/dev/null 2>&1 || t_skip "needs the command $1"
}

t_cmd()
{
	local o e
	T_LAST_CMD="$*" T_SHOWN=''
	o=$(mktemp) e=$(mktemp)
	timeout -s "${T_SIG:-TERM}" "$T_TIMEOUT" "$@" >"$o" 2>"$e"
	T_RC=$?
	T_OUT=$(cat "$o")
	T_ERR=$(cat "$e")
	rm -f "$o" "$e"
	if [ "${T_SIG:-TERM}" = TERM ] && { [ "$T_RC" = 124 ] || [ "$T_RC" = 143 ]; }; then
		t_detail "note: '$*' timed out after ${T_TIMEOUT}s"
	fi
	return 0
}

# The last command and its output, indented, for a failure report (once per command).
t_show_last()
{
	[ -n "$T_LAST_CMD" ] && [ -z "$T_SHOWN" ] || return 0
	T_SHOWN=1
	t_detail "  command: $T_LAST_CMD" "  exit status: $T_RC" "  stdout:"
	printf '%s\n' "$T_OUT" | sed 's/^/    /' >>"$T_DETAILS"
	t_detail "  stderr:"
	printf '%s\n' "$T_ERR" | sed 's/^/    /' >>"$T_DETAILS"
}

t_expect_rc()
{
	[ "$T_RC" = "$1" ] && return 0
	t_fail "exit status: expected $1, got $T_RC"
	return 1
}

t_expect_eq()
{
	[ "$1" = "$2" ] && return 0
	t_fail "${3:-value}: expected '$1', got '$2'"
	return 1
}

t_expect_match()
{
	local text
	if [ $# -ge 2 ]; then text=$2; else text=$T_OUT; fi
	printf '%s\n' "$text" | grep -Eq -- "$1" && return 0
	t_fail "expected a line matching /$1/"
	[ $# -lt 2 ] || { t_detail "  in:"; printf '%s\n' "$text" | sed 's/^/    /' >>"$T_DETAILS"; }
	return 1
}

t_expect_no_match()
{
	local text
	if [ $# -ge 2 ]; then text=$2; else text=$T_OUT; fi
	printf '%s\n' "$text" | grep -Eq -- "$1" || return 0
	t_fail "expected no line matching /$1/"
	t_detail "  matching lines:"
	printf '%s\n' "$text" | grep -E -- "$1" | sed 's/^/    /' >>"$T_DETAILS"
	return 1
}

# Centiseconds since boot (busybox date has no %N; /proc/uptime has 10 ms resolution).
now_cs()
{
	awk '{ split($1, a, "."); printf "%d\n", a[1] * 100 + a[2] }' /proc/uptime
}

# cs_secs CS: centiseconds as seconds with two decimals (e.g. 1234 -> 12.34).
cs_secs()
{
	printf '%d.%02d\n' $(($1 / 100)) $(($1 % 100))
}

# t_run NAME CMD...: run one test and print its report line and its wall time.
t_run()
{
	local name="$T_PREFIX$1" rc line t0 secs
	shift
	t0=$(now_cs)
	echo "$(($(cat "$T_COUNT_FILE" 2>/dev/null || echo 0) + 1))" >"$T_COUNT_FILE"
	T_DETAILS=$(mktemp)
	# Tells the host which test was running if the VM dies.
	echo "@@KSNOOP-START $T_KERNEL $name"
	# A subshell, so t_skip can end the test with exit and tests cannot leak state.
	(
		T_NAME=$name T_FAILED=0
		"$@"
		rc=$?
		if [ "$rc" != 0 ] && [ "$T_FAILED" = 0 ]; then
			t_fail "the test returned status $rc"
		fi
		[ "$T_FAILED" = 0 ]
	)
	rc=$?
	case $rc in
	0) echo "@@KSNOOP-TEST PASS $T_KERNEL $name" ;;
	77) ;;	# t_skip printed the SKIP line with its reason
	*)
		while IFS= read -r line; do
			echo "@@KSNOOP-DETAIL $T_KERNEL $name | $line"
		done <"$T_DETAILS"
		echo "@@KSNOOP-TEST FAIL $T_KERNEL $name"
		;;
	esac
	rm -f "$T_DETAILS"
	secs=$(cs_secs $(($(now_cs) - t0)))
	echo "@@KSNOOP-TIME $T_KERNEL $name $secs"
	[ -z "${T_TIMES_FILE:-}" ] || echo "$secs $name" >>"$T_TIMES_FILE"
	return 0
}

# Whole seconds since boot (busybox date has no %N).
t_uptime()
{
	cut -d. -f1 /proc/uptime
}

# tracer_where PID: the state of process PID and the kernel stack of each of its threads,
# where a tracer that takes long to attach waits.
tracer_where()
{
	local t
	grep -h '^State' /proc/"$1"/status
	for t in /proc/"$1"/task/*; do
		echo "  thread ${t##*/} $(cat "$t"/comm):"
		sed 's/^/    /' "$t"/stack
	done
}

# t_trace SECS WORKLOAD CMD...: run the tracer CMD like t_cmd ($T_OUT, $T_ERR, $T_RC),
# start WORKLOAD (a shell string) only once CMD has said "attached" on stderr, and stop
# CMD with SIGINT, as a user would, TW_GRACE seconds (default 0.2) after WORKLOAD ends
# (TW_STOP=0: let CMD end by itself, or have WORKLOAD stop it: CMD's pid is in
# $TRACER_PID there, the file of its stdout in $TRACER_OUT). A longer wait is not needed: a call's records are in
# the ring buffer before the call returns, so before WORKLOAD ends, and ksnoop reads
# what is there after SIGINT (trace.c); a test that needs the tracer to run on after
# its workload (an interval to end) sets TW_GRACE.
# SECS, plus T_ATTACH_SLACK (default 120 s), bounds the whole run, attaching included:
# attaching takes 1-5 s under TCG, minutes for hundreds of functions, more with other VMs
# on the cores (82.73 s once for one function on 7.2 in CI), so a fixed delay before the
# workload would lose calls (or the workload would end first). A CMD still running
# without having attached a second before that bound fails the test, saying so and where
# in the kernel each of its threads waited. busybox timeout execs CMD, so the pid sh
# writes is the tracer's. The tracer runs in the foreground: background commands of a
# script ignore SIGINT.
t_trace()
{
	local base=$1 secs=$(($1 + ${T_ATTACH_SLACK:-120})) load=$2 o e p m w t0 pid slow=
	shift 2
	o=$(mktemp) e=$(mktemp) p=$(mktemp) m=$(mktemp)
	T_LAST_CMD=$* T_SHOWN=
	(
		t0=$(t_uptime)
		until grep -q attached "$e"; do
			pid=$(cat "$p")
			# The tracer ended without attaching (an error): no workload.
			[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || exit 0
			if [ $(($(t_uptime) - t0)) -ge $((secs - 1)) ]; then
				{ echo 1; tracer_where "$pid"; } >"$m" 2>/dev/null
				kill -INT "$pid" 2>/dev/null
				exit 0
			fi
			# Past SECS without the slack: where it waits, in the console log
			# (not a failure; the attach time is in its 'attached' line).
			if [ -z "$slow" ] && [ $(($(t_uptime) - t0)) -ge "$base" ]; then
				slow=1
				tracer_where "$pid" 2>/dev/null |
					sed "s|^|    note: ${T_NAME:-}: not attached after ${base}s: |"
			fi
			sleep 0.1
		done
		TRACER_PID=$(cat "$p") TRACER_OUT=$o sh -c "$load" >/dev/null 2>&1
		[ "${TW_STOP:-1}" = 0 ] || { sleep "${TW_GRACE:-0.2}"; kill -INT "$(cat "$p")" 2>/dev/null; }
	) &
	w=$!
	sh -c 'echo $$ >"$0"; exec timeout -s INT "$@"' "$p" "$secs" "$@" >"$o" 2>"$e"
	T_RC=$?
	wait "$w"
	T_OUT=$(cat "$o") T_ERR=$(cat "$e")
	if [ -s "$m" ]; then
		t_fail "'$*' did not print its 'attached' line within ${secs}s"
		t_detail "  where it was then:" "$(sed 1d "$m")"
	fi
	rm -f "$o" "$e" "$p" "$m"
	[ "$T_RC" != 124 ] || t_detail "note: '$*' timed out after ${secs}s"
	return 0
}

# bg_tracer OUT ERR CMD...: start CMD in the background with stdout to OUT (a file or a
# FIFO) and stderr to ERR, and wait until it says "attached" (attaching takes seconds
# under TCG, a minute for a glob with a program per function on a loaded host). Sets
# BG_PID. Returns 1 if CMD died first or BG_WAIT seconds (default 180, as t_trace's
# slack) passed. Background jobs of a script start with SIGINT ignored; ksnoop installs
# its own handler, as under a terminal.
bg_tracer()
{
	local out=$1 err=$2 t0
	shift 2
	T_LAST_CMD="$* >$out 2>$err" T_SHOWN=''
	"$@" >"$out" 2>"$err" &
	BG_PID=$!
	t0=$(t_uptime)
	until grep -q attached "$err"; do
		alive "$BG_PID" && [ $(($(t_uptime) - t0)) -lt "${BG_WAIT:-180}" ] || return 1
		sleep 0.1
	done
}

# bg_tracer_or_fail WHAT OUT ERR CMD...: bg_tracer, and if CMD did not attach, stop it
# and fail the test, naming WHAT and showing CMD's stderr. Returns 1 then.
bg_tracer_or_fail()
{
	local what=$1
	shift
	bg_tracer "$@" && return 0
	kill -INT "$BG_PID" 2>/dev/null
	wait "$BG_PID"
	t_fail "$what did not attach within ${BG_WAIT:-180} s: $(cat "$2")"
	return 1
}

# t_trace_nosleep WORKLOAD CMD...: as t_trace (without its bound: the suite's stall
# watchdog is the bound), for a tracer of a sleep function on a kernel whose kretprobes
# have one instance (5.10: as many as CPUs without CONFIG_PREEMPTION): t_trace's busybox
# timeout has a child that sleeps a second at a time, in hrtimer_nanosleep, and holds the
# instance, so the workload's return is missed whenever it starts more than a second
# after the attach (a loaded host). CMD runs in the background (bg_tracer), WORKLOAD in
# the foreground once CMD has attached, then CMD gets SIGINT.
t_trace_nosleep()
{
	local load=$1 o e
	shift
	o=$(mktemp) e=$(mktemp)
	if bg_tracer "$o" "$e" "$@"; then
		sh -c "$load" >/dev/null 2>&1
	else
		t_fail "'$*' did not print its 'attached' line within ${BG_WAIT:-180}s"
	fi
	kill -INT "$BG_PID" 2>/dev/null
	wait "$BG_PID"
	T_RC=$? T_OUT=$(cat "$o") T_ERR=$(cat "$e")
	rm -f "$o" "$e"
}

# The records lost, as the summary line in $T_ERR says.
lost_n()
{
	printf '%s\n' "$T_ERR" | sed -n 's/^ksnoop: [0-9]* calls shown, \([0-9]*\) records lost.*/\1/p'
}

# alive PID: running, not a zombie waiting for the shell to reap it.
alive()
{
	[ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# until_gone PID: the same test as a command for a t_trace WORKLOAD string (run by sh -c,
# without lib.sh): wait until PID (a background workload) has ended, however long it
# took to start, rather than sleep a fixed time for it.
until_gone()
{
	echo "while [ -e /proc/$1 ] && ! grep -q '^State:[[:space:]]*Z' /proc/$1/status 2>/dev/null; do sleep 0.05; done"
}

# until_out N JQ: a t_trace WORKLOAD string (run by sh -c, without lib.sh) that waits,
# up to 60 s, until jq -s JQ over the tracer's output so far ($TRACER_OUT, JSON lines)
# gives a number of at least N: the tracer has shown what the test needs (e.g. an
# interval counting every call), however slow the VM, rather than after a fixed wait.
# JQ may not hold a single quote.
until_out()
{
	echo "i=0; until [ \"\$(jq -s '$2' \$TRACER_OUT 2>/dev/null)\" -ge $1 ] 2>/dev/null ||
		[ \$i -ge 600 ]; do i=\$((i + 1)); sleep 0.1; done"
}

# Pids of the children ksnoop leaves to remove many links after it exited; ps shows
# them as "ksnoop: detaching N functions" (man ksnoop.8, NOTES). A command, so that
# stop_detaching's WORKLOAD string (run without lib.sh) runs the same one.
DETACHING_PIDS="grep -l '^ksnoop: detaching' /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3"
detaching_pids()
{
	eval "$DETACHING_PIDS"
}

# stop_detaching FILE: a t_trace WORKLOAD string (run by sh -c, without lib.sh) that
# waits up to 60 s for ksnoop's detaching child, stops it (SIGSTOP) at once and writes
# its pid to FILE. The child shows up (fork, title) before ksnoop exits and starts
# removing links only once it has: polled every 20 ms from the SIGINT, it is stopped
# holding all or nearly all of them, and holds them for as long as the test needs, on
# a VM however slow, rather than for however long detaching happens to take. A tracer
# run with KSNOOP_DETACH_STOP=1 has its child stop itself before it removes any: then
# nothing races (8 kprobes were removed before the poll saw the child once, 5.10 on a
# loaded host). Send it SIGTERM and SIGCONT to let the kernel release the rest.
stop_detaching()
{
	echo "i=0; until p=\$($DETACHING_PIDS | head -n 1); [ -n \"\$p\" ] || [ \$i -ge 3000 ]; do
		i=\$((i + 1)); sleep 0.02; done; [ -z \"\$p\" ] || { kill -STOP \$p; echo \$p >$1; }"
}

# wait_detached [SECS]: wait until no such child is left (default 300 s: 372 functions
# take 80-90 s under TCG on 6.12); fails the test if one outlives that. A child is
# followed by pid until it is gone, not by its command line, which reads empty once it
# is exiting: a killed child releases its links after that, in its exit.
wait_detached()
{
	local t0 pids p left
	t0=$(t_uptime)
	pids=$(detaching_pids)
	while :; do
		left=
		for p in $pids $(detaching_pids); do
			case " $left " in *" $p "*) continue ;; esac
			[ -e "/proc/$p" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null &&
				left="$left $p"
		done
		[ -n "$left" ] || return 0
		if [ $(($(t_uptime) - t0)) -ge "${1:-300}" ]; then
			t_fail "ksnoop's detaching children still running after ${1:-300}s:$left"
			return 1
		fi
		pids=$left
		sleep 0.2
	done
}

# The name the test files used for t_trace before it waited for "attached".
trace_wl()
{
	t_trace "$@"
}

# Call header lines of FUNC from processes named COMM in $T_OUT
# ("TIME CPU PID TID COMM FUNCTION [(N us)]").
calls_of()
{
	printf '%s\n' "$T_OUT" | grep -E "^[0-9:.]+ +[0-9]+ +[0-9]+ +[0-9]+ +$1 +$2( |\$)"
}

# The values of item LABEL (exact text) in the calls of FUNC from processes named COMM in
# $T_OUT, one a line: what follows "    LABEL = " on the call's value lines.
values_of()
{
	printf '%s\n' "$T_OUT" | awk -v comm="$1" -v fn="$2" -v pre="    $3 = " '
		/^[0-9:.]+ +[0-9]+ +[0-9]+ +[0-9]+ / { cur = ($5 == comm && $6 == fn); next }
		cur && index($0, pre) == 1 { print substr($0, length(pre) + 1) }'
}

# Network byte order of a port, as the kernel's __be16 reads on this little-endian VM.
be16()
{
	echo $(((($1 & 255) << 8) | ($1 >> 8)))
}

# jq -e FILTER over $T_OUT as a whole (-s: an array of every line's object); records a
# failure naming WHAT if the filter is false, null or jq fails (e.g. a line is not JSON).
expect_jq()
{
	printf '%s\n' "$T_OUT" | jq -e -s "$1" >/dev/null 2>&1 && return 0
	t_fail "jq -s '$1' is not true: ${2:-}"
	t_show_last
	return 1
}

# The calls of FUNC from processes named COMM, as a jq filter over the -s array.
calls()
{
	echo "[.[] | select(.type == \"call\" and .func == \"$2\" and .comm == \"$1\")]"
}

# Nothing of ksnoop's may stay in the kernel once it exited (checked after every backend,
# not only at the end of the suite, so a failure names the backend that leaked).
expect_no_leftovers()
{
	local out
	command -v bpftool >/dev/null || return 0
	# Per-function links are removed by a child after ksnoop exits: wait for it.
	wait_detached
	out=$(bpftool -j prog show 2>&1)
	t_expect_no_match '"name":"ksnoop' "$out" || t_detail "  ($1: programs left behind)"
	out=$(ksnoop_links)
	[ "$out" = 0 ] || t_fail "$1: $out links of ksnoop's programs left behind"
}

# The threads with a traced call in progress as the BPF program counts them (busy_threads,
# in its .bss: with -s, or entry predicates), the gate its stubs read to return at once.
# A command for a t_trace WORKLOAD string (run by sh -c, without lib.sh): that count now,
# from the kernel (one ksnoop running). The map by name ("ksnoop_bpf" cut to 8, libbpf's
# rule): `bpftool map show` loads a program of its own, seconds under a loaded TCG. Its
# one member picked by grep, not jq: the .bss dump is 2 MB of JSON since it holds the
# kept entries (rec_frames), which jq took 10 s to parse under TCG (grep: under 1 s).
BUSY_THREADS="bpftool -j map dump name ksnoop_b.bss 2>/dev/null |
	grep -o '\"busy_threads\":[0-9]*' | cut -d: -f2"

# A function for a t_trace WORKLOAD string (run by sh -c, without lib.sh): asleep PID
# waits until PID is in its nanosleep system call (clock_nanosleep: 230, nanosleep: 35),
# at most 10 s.
ASLEEP='asleep() { i=0; until grep -qE "^(230|35) " /proc/$1/syscall || [ $i -ge 200 ]; do
	i=$((i + 1)); sleep 0.05; done; }'

# A function for a t_trace WORKLOAD string: reading PID waits until PID is in its read
# system call (0), at most 10 s.
READING='reading() { i=0; until grep -q "^0 " /proc/$1/syscall || [ $i -ge 200 ]; do
	i=$((i + 1)); sleep 0.05; done; }'

# gate_opens_load OPEN CLOSED: a t_trace WORKLOAD string: two dd that each block in one
# vfs_read() of a FIFO until the workload writes a byte to it, so no time is guessed: one
# of 111 bytes (an entry predicate on count == 12345 rejects it), then, once it blocks,
# one of 12345. The first is released; once it ended, the gate's count ($BUSY_THREADS)
# goes into file OPEN (the second still blocks); then the second, and once it ended, the
# count into CLOSED. (The shell holds each FIFO open read-write: dd's open does not block.)
gate_opens_load()
{
	echo "$READING"'
	rm -f /tmp/gate-fifo-a /tmp/gate-fifo-b; mkfifo /tmp/gate-fifo-a /tmp/gate-fifo-b
	exec 3<>/tmp/gate-fifo-b 4<>/tmp/gate-fifo-a
	dd if=/tmp/gate-fifo-b of=/dev/null bs=111 count=1 2>/dev/null & b=$!; reading $b
	dd if=/tmp/gate-fifo-a of=/dev/null bs=12345 count=1 2>/dev/null & a=$!; reading $a
	echo >&3; wait $b; '"$BUSY_THREADS >$1"'
	echo >&4; wait $a; '"$BUSY_THREADS >$2"
}

# busy_count FILE WHAT WANT: the count a workload saved in FILE (from $BUSY_THREADS) is
# WANT.
busy_count()
{
	t_expect_eq "$3" "$(cat "$1" 2>/dev/null)" "$2: threads counted in the gate"
}

# The number of BPF links whose program is one of ksnoop's (bpftool, jq).
ksnoop_links()
{
	local ids
	# bpftool's plain output ("ID: TYPE  name NAME ...", "ID: TYPE  prog PROG_ID"), not
	# -j and jq: jq's start alone costs half a second under TCG.
	ids=$(bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .* name ksnoop[^ ]* .*/\1/p')
	[ -n "$ids" ] || { echo 0; return 0; }
	bpftool link show 2>/dev/null | sed -n 's/^[0-9]*: [a-z_]*  *prog \([0-9]*\).*/\1/p' |
		grep -cFx "$ids"
}

# The records ksnoop's BPF program dropped on a full ring buffer (KSNOOP_STAT_LOST, key 0
# of its "stats" map), as a jq filter over `bpftool map dump name stats -j`.
RINGBUF_DROPS_JQ='[.[] | select(.formatted.key == 0) | .formatted.values[].value] | add'

# ringbuf_drops: that count now, from the kernel (one ksnoop running: one "stats" map).
# RINGBUF_DROPS is the command, for WORKLOAD strings (run without lib.sh).
RINGBUF_DROPS="bpftool map dump name stats -j 2>/dev/null | jq '$RINGBUF_DROPS_JQ' 2>/dev/null"
ringbuf_drops()
{
	eval "$RINGBUF_DROPS"
}

# What `ksnoop features` prints. With T_FEATURES_FILE set (suite.sh does), it runs once
# and later calls read its output from there: the kernel's features do not change while
# the suite runs, and each run loads the kernel's BTF (1-2 s under TCG). The smoke tests
# run the command itself.
ksnoop_features()
{
	[ -n "${T_FEATURES_FILE:-}" ] || { ksnoop features 2>/dev/null; return 0; }
	[ -s "$T_FEATURES_FILE" ] || ksnoop features >"$T_FEATURES_FILE" 2>/dev/null
	cat "$T_FEATURES_FILE"
}

# A glob for per-function attach tests: tcp_v4_conn_request, _connect, _destroy_sock and
# _do_rcv on every lab kernel, of which a TCP connection on loopback (tcpconn) calls
# three or four. Per-function attach and detach cost up to half a second a function on
# 7.2 under TCG; 'tcp_v4_*' has 25-30.
TCP_FEW='tcp_v4_[cd]*'

# The backends this kernel has (ksnoop features), one per line.
backends_here()
{
	ksnoop_features | sed -n 's/^backend \([a-z-]*\): yes$/\1/p'
}

# The backends this kernel has for per-backend loops, besides fentry when there are
# others: the auto choice for a few functions, which the rest of a test file already
# runs (the suite must fit its time budget). All of them on a one-backend kernel.
loop_backends()
{
	local all
	all=$(backends_here)
	if [ "$(echo "$all" | wc -w)" -gt 1 ]; then
		echo "$all" | grep -vx fentry
	else
		echo "$all"
	fi
}
