# Benchmark body, run by busybox ash inside ONE lab VM (tests/bench/run.sh passes this
# file as the --run command of tests/vm/vm.sh --peers, after a few variable lines).
# It prints machine-readable result lines; run.sh turns them into the report:
#   R base WALL_S                                   untraced workload wall time
#   R burst ID TOOL B ENTRY_NS ENTRY_CNT EXIT_NS EXIT_CNT WALL_S   one burst of a cost run
#   R cost ID TOOL CPU_S IDLE_CPU_S LOST           the whole cost run
#   R time WHAT SECONDS                             where ksnoop's start-up goes
#   R rss ID TOOL HWM_KB LOST
#   R attach TOOL REP SELF_S LINE_S EVENT_S HWM_KB
#   R stopflood REP SECONDS                         SIGINT to exit under a UDP flood
#   R note TEXT
#   R allin-cfg ID CMD...                           an all-in configuration (section 5)
#   R allin ID ROUND CALLS UNTRACED_S TRACED_S AFTER_S LOST BACKEND OWN_S   one paired run
# Everything else it prints is diagnostics (kept in build/bench/raw-VER.txt).
#
# Inputs (set by run.sh before this text): N (datagrams per cost run), REPS (attach
# repetitions), PEERS (1: compare with bcc's ksnoop; 0: ksnoop alone), BPFTRACE (1: time
# bpftrace's attach), PAGES (ring/perf buffer pages for the cost runs), PARTS (which
# parts run: startup cost rss tput attach allin), ALLIN_N and ALLIN_ROUNDS (calls per
# run and rounds of the all-in cost), BACKENDS (backends the all-in cost runs
# ip_send_skb(skb->len) on; empty: every one ksnoop accepts and can attach here),
# ICOUNT (1: qemu runs this VM with -icount, for the report to say so), ALLIN_ONLY (all-in
# configuration ids to run, e.g. "floor stats bt-count"; empty: all).

N=${N:-2000}
REPS=${REPS:-3}
PEERS=${PEERS:-1}
BPFTRACE=${BPFTRACE:-1}
PAGES=${PAGES:-4096}
PARTS=${PARTS:-startup cost rss tput attach allin}
ALLIN_N=${ALLIN_N:-20000}
ALLIN_ROUNDS=${ALLIN_ROUNDS:-3}
BACKENDS=${BACKENDS:-}
WARM=${WARM:-300}
PAUSE=0
BURSTS=${BURSTS:-4}
PORT=9999	# cost workload
WPORT=9998	# "is it attached yet?" probes
TPORT=9997	# trickle for time-to-first-event
APORT=9996	# all-in cost workload
T=/tmp/bench
mkdir -p $T

# Wall clock with microseconds: busybox date has no %N, adjtimex prints tv_usec.
now()
{
	adjtimex | awk '/time.tv_sec/ { s = $2 } /time.tv_usec/ { u = $2 }
			END { printf "%d.%06d\n", s, u }'
}

# Sum of run_time_ns and run_cnt over the loaded programs whose names start with $1
# (bpf_stats). A prefix, because ksnoop's fentry-multi programs (7.x) are called
# ksnoop_entry_multi and ksnoop_exit_multi, cut by the kernel to 15 characters.
stats()
{
	bpftool prog show -j | jq -M -r --arg n "$1" '[.[] | select(.name | startswith($n))] |
		"\(map(.run_time_ns // 0) | add // 0) \(map(.run_cnt // 0) | add // 0)"'
}

# CPU seconds PID has used: its sum_exec_runtime in ns from /proc/PID/schedstat (every
# lab kernel has CONFIG_SCHED_INFO), else utime + stime in 10 ms ticks (USER_HZ 100),
# which is 0.5 us a call over 20,000 calls: coarser than the floor of the all-in cost.
cpu_s()
{
	awk '{ printf "%.6f\n", $1 / 1e9 }' /proc/$1/schedstat 2>/dev/null ||
		awk '{ printf "%.2f\n", ($14 + $15) / 100 }' /proc/$1/stat 2>/dev/null || echo 0
}

hwm_kb()
{
	awk '/^VmHWM:/ { print $2 }' /proc/$1/status 2>/dev/null || echo 0
}

# Wait until PID's program $2 has run at least once: send one datagram at a time to a
# port of its own. Loading is not attaching (bcc's programs exist before their kprobes).
wait_traced()
{
	local pid=$1 prog=$2 i=0
	while [ $i -lt 40 ]; do
		kill -0 $pid 2>/dev/null || return 1
		udpsend 1 16 $WPORT
		set -- $(stats $prog)
		[ "${2:-0}" -gt 0 ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

# wait_drained PID [IDLE_RATE]: wait until PID has worked through its backlog: under
# -smp 1 the tracer barely runs while the workload does, so it formats most events
# afterwards. Drained = used under 0.03 s of CPU in half a second, plus 1.5 times its
# idle use at IDLE_RATE CPU seconds a second (bcc's ksnoop polls every 1 ms, so is never
# idle, and uses more of the CPU when the host slows the VM down).
# Sets DRAIN_RATE (CPU seconds a second in that last, idle, interval), DRAIN_CPU and
# DRAIN_UP (PID's CPU seconds and /proc/uptime at the end of it).
wait_drained()
{
	local pid=$1 idle=${2:-0} prev cur up0 up i=0
	prev=$(cpu_s $pid) up0=$(cut -d' ' -f1 /proc/uptime)
	DRAIN_RATE=0 DRAIN_CPU=$prev DRAIN_UP=$up0
	while [ $i -lt 360 ]; do
		sleep 0.5
		kill -0 $pid 2>/dev/null || return 0
		cur=$(cpu_s $pid) up=$(cut -d' ' -f1 /proc/uptime)
		DRAIN_CPU=$cur DRAIN_UP=$up
		DRAIN_RATE=$(awk -v a=$prev -v b=$cur -v u0=$up0 -v u=$up \
			'BEGIN { printf "%.4f", (u > u0 ? (b - a) / (u - u0) : 0) }')
		awk -v a=$prev -v b=$cur -v u0=$up0 -v u=$up -v r=$idle \
			'BEGIN { exit !(b - a < 0.03 + 1.5 * r * (u - u0)) }' && return 0
		prev=$cur up0=$up
		i=$((i + 1))
	done
	echo "bench: pid $pid still busy after 180 s" >&2
}

# Records a tracer lost, from its stderr: ours says "N records lost" at exit, bcc's says
# "lost N events" as it goes.
lost_of()
{
	awk '/records lost/ { for (i = 2; i <= NF; i++) if ($i == "records") n += $(i - 1) }
	     /lost [0-9]+ events/ { for (i = 1; i < NF; i++) if ($i == "lost") n += $(i + 1) }
	     END { print n + 0 }' "$1"
}

stop()
{
	kill -TERM $1 2>/dev/null
	wait $1 2>/dev/null
}

# cost ID TOOL ENTRYPROG EXITPROG CMD...: trace the cost workload with CMD (stdout to
# /dev/null): BURSTS bursts of N/BURSTS datagrams, each with bpf_stats deltas of both
# programs and its wall time, the tracer draining its backlog between bursts (so it
# never competes with the burst for the one CPU); then the tracer's CPU time overall.
# PAUSE=1: the tracer is stopped (SIGSTOP) during each burst, so its buffer fills up
# without waking it: the difference to PAUSE=0 is what waking the reader costs.
# Several bursts, because other VMs on the host steal time from this one now and then
# and that inflates whatever is being timed: the report takes the cheapest burst.
cost()
{
	local id=$1 tool=$2 ep=$3 xp=$4 pid e0 x0 e1 x1 t0 t1 t2 ta c0 c1 ca b
	shift 4
	echo "bench: cost $id: $* (uptime $(cut -d' ' -f1 /proc/uptime))"
	"$@" >/dev/null 2>$T/err &
	pid=$!
	if ! wait_traced $pid $ep; then
		echo "bench: $id never traced a call; stderr:"
		cat $T/err
		stop $pid
		echo "R note $id ($tool): never traced a call, no numbers"
		return
	fi
	# Warm up: under TCG the first runs of any code (the JITed program, the helpers,
	# the tracer's formatting) pay for translating it; that is not the tracer's cost.
	udpsend $WARM 100 $WPORT
	wait_drained $pid
	# The tracer's CPU use while idle (bcc's ksnoop polls every 1 ms), subtracted below.
	ca=$(cpu_s $pid) ta=$(now)
	sleep 2
	c0=$(cpu_s $pid) t2=$(now)
	b=1
	while [ $b -le $BURSTS ]; do
		e0=$(stats $ep) x0=$(stats $xp)
		[ "$PAUSE" = 1 ] && kill -STOP $pid
		t0=$(now)
		udpsend $((N / BURSTS)) 100 $PORT
		t1=$(now)
		e1=$(stats $ep) x1=$(stats $xp)
		[ "$PAUSE" = 1 ] && kill -CONT $pid
		set -- $e0 $x0 $e1 $x1
		echo "R burst $id $tool $b $(($5 - $1)) $(($6 - $2)) $(($7 - $3)) $(($8 - $4))" \
			"$(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.4f", b - a }')"
		wait_drained $pid
		b=$((b + 1))
	done
	c1=$(cpu_s $pid) t1=$(now)
	stop $pid
	sed 's/^/  | /' $T/err
	echo "R cost $id $tool $(awk -v a=$c0 -v b=$c1 'BEGIN { printf "%.4f", b - a }')" \
		"$(awk -v ca=$ca -v ta=$ta -v c0=$c0 -v t0=$t2 -v t1=$t1 \
			'BEGIN { printf "%.4f", (c0 - ca) / (t0 - ta) * (t1 - t0) }')" \
		"$(lost_of $T/err)"
}

# rss ID TOOL ENTRYPROG CMD...: default options, the cost workload, VmHWM just before
# stopping the tracer (after it has drained, so formatting is included).
rss()
{
	local id=$1 tool=$2 ep=$3 pid h
	shift 3
	echo "bench: rss $id: $* (uptime $(cut -d' ' -f1 /proc/uptime))"
	"$@" >/dev/null 2>$T/err &
	pid=$!
	if wait_traced $pid $ep; then
		udpsend $N 100 $PORT
		wait_drained $pid
		h=$(hwm_kb $pid)
		stop $pid
		sed 's/^/  | /' $T/err
		echo "R rss $id $tool $h $(lost_of $T/err)"
	else
		stop $pid
		echo "R note rss $id ($tool): never traced a call"
	fi
}

# Timestamp each line read from stdin (first $1 lines; the rest is discarded).
stamp()
{
	local n=0 l
	while [ $n -lt $1 ] && IFS= read -r l; do
		echo "$(now) $l"
		n=$((n + 1))
	done
	cat >/dev/null
}

# attach TOOL REP EVENT_ERE CMD...: time from launch to the tracer's first lines on
# stdout/stderr and to the first traced event on stdout, while a trickle workload sends
# one datagram every 20 ms. Output goes through FIFOs so lines are seen as they come.
attach()
{
	local tool=$1 rep=$2 ere=$3 pid t0 i self line ev h
	shift 3
	rm -f $T/ofifo $T/efifo $T/o.st $T/e.st
	mkfifo $T/ofifo $T/efifo
	stamp 8 <$T/ofifo >$T/o.st &
	stamp 8 <$T/efifo >$T/e.st &
	udpsend 100000000 16 $TPORT 20000 &
	local trickle=$!
	sleep 1
	t0=$(now)
	"$@" >$T/ofifo 2>$T/efifo &
	pid=$!
	i=0
	while [ $i -lt 600 ] && ! grep -Eq "$ere" $T/o.st 2>/dev/null; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	h=$(hwm_kb $pid)
	stop $pid
	kill $trickle
	wait $trickle 2>/dev/null
	wait
	echo "bench: attach $tool #$rep: $* (uptime $(cut -d' ' -f1 /proc/uptime))"
	sed 's/^/  | out /' $T/o.st | head -4
	sed 's/^/  | err /' $T/e.st | head -4
	# ksnoop's own figure, then launch -> its "attached"/"Attaching" line -> first event.
	self=$(sed -n 's/.*attached [0-9]* functions* in \([0-9.]*\) s.*/\1/p' $T/e.st | head -1)
	line=$(cat $T/e.st $T/o.st | grep -E 'attached [0-9]+ function|Attaching [0-9]+ probe' |
	       head -1 | awk -v a=$t0 '{ printf "%.2f", $1 - a }')
	ev=$(grep -E "$ere" $T/o.st | head -1 | awk -v a=$t0 '{ printf "%.2f", $1 - a }')
	echo "R attach $tool $rep ${self:--} ${line:--} ${ev:--} ${h:-0}"
}

echo "bench: kernel $(uname -r), N=$N, BURSTS=$BURSTS, REPS=$REPS, PEERS=$PEERS, PAGES=$PAGES"
echo 1 >/proc/sys/kernel/bpf_stats_enabled || echo "R note cannot enable bpf_stats"

# Where ksnoop's start-up goes, piece by piece, twice each (the first run of anything
# under TCG pays for translating it).
timeit()
{
	local what=$1 t0 t1
	shift
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo "R time $what $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.3f", b - a }')"
}
# part NAME: whether NAME is one of the PARTS to run.
part()
{
	case " $PARTS " in *" $1 "*) return 0 ;; esac
	return 1
}

part startup && for i in 1 2; do
	timeit info ksnoop info ip_send_skb
	timeit afl cat /sys/kernel/tracing/available_filter_functions
	timeit features ksnoop features
	[ "$PEERS" = 1 ] && timeit bcc-info bcc-ksnoop info ip_send_skb
done

# Untraced baseline of one burst (three times; the report takes the fastest).
part cost && for i in 1 2 3; do
	t0=$(now)
	udpsend $((N / BURSTS)) 100 $PORT
	t1=$(now)
	echo "R base $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.4f", b - a }')"
done

# Ours and bcc's for the same items one after the other, so that a slow spell of the
# host hits both rather than one.
if part cost; then
	cost a ksnoop ksnoop_entry ksnoop_exit ksnoop -P $PAGES trace ip_send_skb
	[ "$PEERS" = 1 ] &&
		cost a bcc kprobe_entry kprobe_return bcc-ksnoop -P $PAGES trace ip_send_skb
	cost b ksnoop ksnoop_entry ksnoop_exit ksnoop -P $PAGES 'ip_send_skb(skb->len)'
	[ "$PEERS" = 1 ] &&
		cost b bcc kprobe_entry kprobe_return bcc-ksnoop -P $PAGES trace \
			'ip_send_skb(skb->len)'
	# The same as b with the reader stopped during the bursts (see cost()).
	PAUSE=1
	cost e ksnoop ksnoop_entry ksnoop_exit ksnoop -P $PAGES 'ip_send_skb(skb->len)'
	[ "$PEERS" = 1 ] &&
		cost e bcc kprobe_entry kprobe_return bcc-ksnoop -P $PAGES trace \
			'ip_send_skb(skb->len)'
	PAUSE=0
	cost c ksnoop ksnoop_entry ksnoop_exit ksnoop -P $PAGES --kernel-format ip_send_skb
	cost d ksnoop ksnoop_entry ksnoop_exit ksnoop -P $PAGES --entry 'ip_send_skb(skb->len)'
	# (b) through the other backends this kernel has: what each pays per call, the numbers
	# the auto choice (src/backend.c call_rank) rests on. (b) is fentry (auto, one
	# function). bpf_stats cost of the programs alone; the all-in per-backend rows
	# (be-NAME, section 5) are the whole cost the user pays.
	ksnoop features | grep -q '^backend kprobe-multi: yes$' &&
		# One program runs entry and return (run_cnt 2 a call): named twice, each
		# half is its mean run, their sum the cost of a call.
		cost f ksnoop ksnoop_km ksnoop_km \
			ksnoop --backend kprobe-multi -P $PAGES 'ip_send_skb(skb->len)'
	ksnoop features | grep -q '^backend fentry-multi: yes$' &&
		cost g ksnoop ksnoop_entry_mu ksnoop_exit_mul \
			ksnoop --backend fentry-multi -P $PAGES 'ip_send_skb(skb->len)'
	# Per-function perf kprobes (program names cut to 15 characters).
	ksnoop features | grep -q '^backend kprobe: yes$' &&
		cost k ksnoop ksnoop_kprobe ksnoop_kretprob \
			ksnoop --backend kprobe -P $PAGES 'ip_send_skb(skb->len)'
fi

if part rss; then
	rss a ksnoop ksnoop_entry ksnoop trace ip_send_skb
	rss b ksnoop ksnoop_entry ksnoop 'ip_send_skb(skb->len)'
	if [ "$PEERS" = 1 ]; then
		rss a bcc kprobe_entry bcc-ksnoop trace ip_send_skb
		rss b bcc kprobe_entry bcc-ksnoop trace 'ip_send_skb(skb->len)'
	fi
fi

# tput_run ID PACE CMD...: the flood workload (one ip_send_skb per 64-byte datagram)
# for FLOOD_S seconds while `CMD > /dev/null` traces it with the default ring buffer;
# PACE = max (as fast as it goes) or datagrams a second. CMD is stopped once drained.
#   R tput ID PACE FLOOD_S UNTRACED_N TRACED_N SHOWN LOST CPU_S
tput_run()
{
	local id=$1 pace=$2 pid c0 c1 n1
	shift 2
	"$@" >/dev/null 2>$T/tput.err &
	pid=$!
	if ! wait_traced $pid ksnoop_entry; then
		echo "R note tput $id: no events ($(head -c 200 $T/tput.err))"
		stop $pid
		return 1
	fi
	c0=$(cpu_s $pid)
	if [ "$pace" = max ]; then n1=$(flood $FLOOD_S); else n1=$(flood $FLOOD_S $pace); fi
	wait_drained $pid
	c1=$(cpu_s $pid)
	kill -INT $pid
	wait $pid
	# SHOWN includes the few wait_traced probe datagrams (ip_send_skb calls too).
	set -- $(awk '/calls shown/ { print $2, $5 }' $T/tput.err)
	TPUT_LOST=${2:-0}
	echo "R tput $id $pace $FLOOD_S $N0 $n1 ${1:-0} $TPUT_LOST" \
		"$(awk -v a=$c0 -v b=$c1 'BEGIN { printf "%.2f", b - a }')"
	TPUT_RATE=$((n1 / FLOOD_S))
}

# tput ID CMD...: sustained throughput. The flood untraced (its rate, N0), then traced at
# full speed; if records were lost, paced at half the traced rate, and half again (three
# tries), for the highest rate seen with zero loss.
tput()
{
	local id=$1 pace tries=0
	shift
	N0=$(flood $FLOOD_S)
	tput_run $id max "$@" || return
	pace=$((TPUT_RATE / 2))
	while [ "$TPUT_LOST" != 0 ] && [ $tries -lt 3 ] && [ $pace -gt 0 ]; do
		tput_run $id $pace "$@" || return
		pace=$((pace / 2))
		tries=$((tries + 1))
	done
}

# stop_flood REP: SIGINT to exit of `ksnoop 'ip_send_skb(skb, skb->len, return)'` while
# the flood runs at full speed (what tests/vm/tests/70-faults.sh sigint-flood prints).
stop_flood()
{
	local pid fpid t0 t1
	ksnoop 'ip_send_skb(skb, skb->len, return)' >/dev/null 2>$T/sf.err &
	pid=$!
	if ! wait_traced $pid ksnoop_entry; then
		echo "R note stopflood: no events ($(head -c 200 $T/sf.err))"
		stop $pid
		return
	fi
	flood 30 >/dev/null &
	fpid=$!
	sleep 3
	t0=$(now)
	kill -INT $pid
	while [ -e /proc/$pid ] && ! grep -q '^State:[[:space:]]*Z' /proc/$pid/status; do
		sleep 0.02
	done
	t1=$(now)
	wait $pid
	kill $fpid
	wait $fpid 2>/dev/null
	echo "R stopflood $1 $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.2f", b - a }')"
}

FLOOD_S=${FLOOD_S:-5}
if part tput; then
	tput a ksnoop -j 'ip_send_skb(skb->len, skb->dev)'
	tput b ksnoop -j 'ip_send_skb(skb)'
	tput c ksnoop 'ip_send_skb(skb->len, skb->dev)'
fi
if part stopflood; then
	r=1
	while [ $r -le $REPS ]; do
		stop_flood $r
		r=$((r + 1))
	done
fi

r=1
part attach || r=$((REPS + 1))
while [ $r -le $REPS ]; do
	attach ksnoop $r 'udpsend +ip_send_skb' ksnoop 'ip_send_skb(skb->len)'
	[ "$PEERS" = 1 ] &&
		attach bcc $r 'ip_send_skb\(' bcc-ksnoop trace 'ip_send_skb(skb->len)'
	[ "$BPFTRACE" = 1 ] &&
		attach bpftrace $r '^[0-9.]+ hit ' bpftrace -B none \
			-e 'kfunc:ip_send_skb { printf("hit %d\n", args->skb->len); }'
	r=$((r + 1))
done
# All-in cost per traced call: what tracing a hot function costs the user in total (the
# BPF program, the ring buffer, waking the tracer, formatting and writing), seen as the
# workload's slowdown. On the one vCPU the tracer's userspace work either takes the CPU
# from the workload or runs after it (its backlog): both count.

# allin_run ID CALLS READY CMD...: one paired run, round ALLIN_ROUND. CALLS datagrams of
# 5 bytes timed untraced; CMD started (stdout to /dev/null) and waited for: READY is an
# ERE it prints on stderr once attached, or @PROG to wait until programs named PROG* run
# (bcc's ksnoop prints nothing before its first event); then the same datagrams timed
# traced, plus the CPU the tracer spent on its backlog after the workload ended, above
# its idle use (bcc polls); then CMD stopped. An untraced run just before each traced
# one pairs them in time, so that a slow spell of the host hits both (the faster of two:
# the first may pay for the previous tracer's exit).
# Returns 1 if CMD never attached.
allin_run()
{
	local id=$1 calls=$2 ready=$3 pid u t0 t1 c0 u0 c1 u1 idle be rc i
	shift 3
	echo "bench: all-in $id: $* (uptime $(cut -d' ' -f1 /proc/uptime))"
	# Untraced twice, the faster kept: the previous configuration's tracer can leave
	# kernel work behind as it exits (after --count-by's, the first untraced run took
	# 0.3 us a call longer on 6.1: 0.1933 s, against 0.1875 s everywhere else).
	u=
	for i in 1 2; do
		t0=$(now)
		udpsend $calls 5 $APORT
		t1=$(now)
		u=$(awk -v a=$t0 -v b=$t1 -v u=$u 'BEGIN { d = b - a; if (u != "" && u < d) d = u
			printf "%.4f", d }')
	done
	# Emptied first: the shell opens it for CMD after the fork, and wait_line must not
	# see the previous run's "attached" line meanwhile.
	: >$T/allin.err
	"$@" >/dev/null 2>$T/allin.err &
	pid=$!
	# bpf_stats (two clock reads per program run) only while waiting for the first run.
	case $ready in
	@*)
		echo 1 >/proc/sys/kernel/bpf_stats_enabled
		wait_traced $pid "${ready#@}"
		;;
	*) wait_line $T/allin.err "$ready" $pid ;;
	esac
	rc=$?
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	[ $rc = 0 ] || {
		stop $pid
		echo "R note all-in $id: never attached: $(grep -v '^ *hint' $T/allin.err |
			head -n 1)"
		return 1
	}
	# Start-up work done (and bcc's probe datagrams formatted); its idle CPU rate.
	echo "bench: all-in $id: attached (uptime $(cut -d' ' -f1 /proc/uptime))"
	wait_drained $pid
	idle=$DRAIN_RATE
	c0=$(cpu_s $pid) u0=$(cut -d' ' -f1 /proc/uptime)
	t0=$(now)
	udpsend $calls 5 $APORT
	t1=$(now)
	c1=$(cpu_s $pid) u1=$(cut -d' ' -f1 /proc/uptime)
	wait_drained $pid $idle
	echo "bench: all-in $id: drained, idle CPU $idle s/s (uptime $DRAIN_UP)"
	stop $pid
	sed 's/^/  | /' $T/allin.err
	be=$(sed -n 's/.*attached [0-9]* functions* in [0-9.]* s (\([a-z-]*\)).*/\1/p' \
		$T/allin.err)
	# The workload's time; the tracer's CPU above its idle use on its backlog after the
	# workload ended, and (the last field, its own CPU) over the run and the backlog:
	# the BPF programs run in the workload's time, not in it.
	set -- $(awk -v a=$t0 -v b=$t1 -v c0=$c0 -v u0=$u0 -v c1=$c1 -v u1=$u1 \
		-v c2=$DRAIN_CPU -v u2=$DRAIN_UP -v r=$idle '
		function above(c, u,    d) { d = c2 - c - r * (u2 - u); return d > 0 ? d : 0 }
		BEGIN { printf "%.4f %.6f %.6f", b - a, above(c1, u1), above(c0, u0) }')
	echo "R allin $id $ALLIN_ROUND $calls $u $1 $2 $(lost_of $T/allin.err) ${be:--} $3"
}

# allin ID CALLS READY CMD...: allin_run, once per round; a configuration that never
# attached is left out of later rounds. Round 1 names it: "R allin-cfg ID CMD" (no -P;
# one line: a bpftrace program's lines joined, for the report's label).
allin()
{
	local id=$1 calls=$2 ready=$3
	case " $ALLIN_SKIP " in *" $id "*) return ;; esac
	case " ${ALLIN_ONLY:-$id} " in *" $id "*) ;; *) return ;; esac
	shift 3
	[ "$ALLIN_ROUND" = 1 ] &&
		echo "R allin-cfg $id $(echo "$*" | tr -s '\n\t ' '   ' | sed "s/ -P $PAGES//")"
	allin_run "$id" "$calls" "$ready" "$@" || ALLIN_SKIP="$ALLIN_SKIP $id"
}

# The configurations of one round, in the same order each round. bcc's ksnoop and ours
# with the same items one after the other; -P $PAGES for both tools so that nothing is
# lost (a lost record is cheaper than one shown); every backend on the 1-item case.
# ALLIN_N calls where the added cost is tens of microseconds, a tenth of that where it
# is milliseconds (whole structs, bcc's formatting): enough to be far above the noise
# without minutes of formatting per run.
allin_round()
{
	local n=$ALLIN_N few=$((ALLIN_N / 10)) k='ksnoop: attached' be
	allin floor $n 'bare: attached' bare-attach fentry+hold $T/floor.ids
	# The floor of the modes that need the return (--stats latency and errors, --hist
	# duration, every record mode without --entry): an empty fexit and fentry pair.
	allin floor2 $n 'bare: attached' bare-attach both+hold $T/floor.ids
	# The lower bound of --stats (issue 13): only what a latency-and-count program
	# must do beyond floor2, two clock reads and a sum and a count in a per-CPU slot;
	# with fentry+fexit the entry's time in that slot too (wrong under nesting: below
	# a correct tool), with one fsession program (7.0+) in the session cookie.
	allin floor-lat $n 'bare: attached' bare-attach both-lat+hold $T/floor.ids
	# The empty fsession program (7.0+), entry and return: the floor of the session path.
	[ -n "$SESSION_KFUNCS" ] &&
		allin floor2-fs $n 'bare: attached' bare-attach fsession+hold $T/floor.ids
	[ -n "$SESSION_KFUNCS" ] && allin floor-lat-fs $n 'bare: attached' \
		env BARE_SESSION_KFUNCS="$SESSION_KFUNCS" bare-attach fsession-lat+hold $T/floor.ids
	# The floor of a tool that shows each call: one record a call through a ring
	# buffer, read and printed as a line of numbers (bare-attach stream: the clock,
	# the tgid, skb->len, the return), with ksnoop's ring size and wake-up rule. No
	# BTF, no names, no pairing, no duration: below what any such tool can do.
	allin floor-stream $n 'bare: attached' env BARE_RING_PAGES=$PAGES \
		BARE_STREAM_MEMBER="$STREAM_MEMBER" bare-attach stream $T/floor.ids
	allin floor-stream-e $n 'bare: attached' env BARE_RING_PAGES=$PAGES \
		BARE_STREAM_MEMBER="$STREAM_MEMBER" bare-attach stream-e $T/floor.ids
	[ "$PEERS" = 1 ] &&
		allin bcc-a $few @kprobe_entry bcc-ksnoop -P $PAGES trace ip_send_skb
	allin a $few "$k" ksnoop -P $PAGES ip_send_skb
	allin a-j $few "$k" ksnoop -P $PAGES -j ip_send_skb
	[ "$PEERS" = 1 ] && allin bcc-b $few @kprobe_entry bcc-ksnoop -P $PAGES trace \
		'ip_send_skb(skb->len)'
	allin b $n "$k" ksnoop -P $PAGES 'ip_send_skb(skb->len)'
	allin b-j $n "$k" ksnoop -P $PAGES -j 'ip_send_skb(skb->len)'
	allin b-e $n "$k" ksnoop -P $PAGES --entry 'ip_send_skb(skb->len)'
	# The bpftrace one-liners a user would write for those two: a line a call, buffered
	# to /dev/null as ksnoop's; with the return, one fexit program (no duration, which
	# would take a second program and a map). Ready once the program has run (bpftrace
	# names it after the function).
	if [ "$BPFTRACE" = 1 ]; then
		allin bt-printf $n @ip_send_skb bpftrace -B full -e 'kretfunc:ip_send_skb {
			printf("%d %d %d %s ip_send_skb skb->len=%d ret=%d\n", cpu, pid, tid,
			comm, args->skb->len, retval); }'
		allin bt-printf-e $n @ip_send_skb bpftrace -B full -e 'kfunc:ip_send_skb {
			printf("%d %d %d %s ip_send_skb skb->len=%d\n", cpu, pid, tid, comm,
			args->skb->len); }'
	fi
	# The same two with the records built by the capture code, not the fentry stub
	# (KSNOOP_NO_REC_LEAN=1, README "Plain traces"): before and after in one boot.
	allin b-cap $n "$k" env KSNOOP_NO_REC_LEAN=1 ksnoop -P $PAGES 'ip_send_skb(skb->len)'
	allin b-e-cap $n "$k" env KSNOOP_NO_REC_LEAN=1 ksnoop -P $PAGES --entry \
		'ip_send_skb(skb->len)'
	allin two $n "$k" ksnoop -P $PAGES 'ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport)'
	allin two-j $n "$k" ksnoop -P $PAGES -j \
		'ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport)'
	for be in $BACKENDS; do
		allin be-$be $n "$k" ksnoop -P $PAGES --backend $be 'ip_send_skb(skb->len)'
	done
	# -s with ip_send_skb outside the chain (the workload never calls tcp_sendmsg):
	# every call is dropped by the BPF program, no record.
	allin s-out $n "$k" ksnoop -P $PAGES -s tcp_sendmsg 'ip_send_skb(skb->len)'
	# Counting in the kernel (issue 13): --stats (calls, errors, latency histogram) next
	# to bpftrace's count() and a funclatency-style hist() of entry-to-return time, and
	# libbpf-tools' funclatency where it is packed (its "Tracing" line stays in a stdio
	# buffer: wait for its programs, dummy_*, to run). bpftrace's stdout goes to the stderr
	# file, where READY is looked for (its BEGIN runs once its probes are attached).
	allin stats $n "$k" ksnoop --stats ip_send_skb
	# Per-function fentry without its fsession programs (7.x): fentry and fexit
	# programs paired by trampoline frame, as on kernels without fsession; -thread:
	# paired by the per-thread state (KSNOOP_FRAME_SLOTS=0).
	allin stats-nofs $n "$k" env KSNOOP_NO_FSESSION=1 ksnoop --stats ip_send_skb
	allin stats-thread $n "$k" env KSNOOP_NO_FSESSION=1 KSNOOP_FRAME_SLOTS=0 ksnoop --stats \
		ip_send_skb
	# The same two with the per-thread state in the hash, as on kernels without
	# task-local storage for the backend (5.10): before/after in one boot.
	allin s-out-hash $n "$k" env KSNOOP_THREAD_HASH=1 ksnoop -P $PAGES -s tcp_sendmsg \
		'ip_send_skb(skb->len)'
	allin stats-hash $n "$k" env KSNOOP_THREAD_HASH=1 ksnoop --stats ip_send_skb
	# The fentry-multi backend (7.x) with its fsession link (-fs: one program run
	# at entry and at return, latency by the session cookie) and without it (-fm,
	# KSNOOP_NO_FSESSION=1: fentry-multi and fexit-multi links).
	if ksnoop features | grep -q '^backend fentry-multi: yes$'; then
		allin s-out-fm $n "$k" env KSNOOP_NO_FSESSION=1 ksnoop -P $PAGES \
			--backend fentry-multi -s tcp_sendmsg 'ip_send_skb(skb->len)'
		allin s-out-fs $n "$k" ksnoop -P $PAGES --backend fentry-multi -s tcp_sendmsg \
			'ip_send_skb(skb->len)'
		allin stats-fm $n "$k" env KSNOOP_NO_FSESSION=1 ksnoop --backend fentry-multi \
			--stats ip_send_skb
		allin stats-fs $n "$k" ksnoop --backend fentry-multi --stats ip_send_skb
	fi
	# kprobe-multi: with kprobe.session links (6.10+) the counting modes pair calls by
	# the session cookie too.
	ksnoop features | grep -q '^backend kprobe-multi: yes$' &&
		allin stats-km $n "$k" ksnoop --backend kprobe-multi --stats ip_send_skb
	if [ "$BPFTRACE" = 1 ]; then
		allin bt-count $n '^ready' sh -c 'exec bpftrace -B none -e "kfunc:ip_send_skb
			{ @c = count(); } BEGIN { printf(\"ready\\n\"); }" 1>&2'
		allin bt-lat $n '^ready' sh -c 'exec bpftrace -B none -e "kfunc:ip_send_skb
			{ @s[tid] = nsecs; } kretfunc:ip_send_skb /@s[tid]/ { @c = count();
			@h = hist(nsecs - @s[tid]); delete(@s[tid]); }
			BEGIN { printf(\"ready\\n\"); }" 1>&2'
	fi
	command -v funclatency >/dev/null &&
		allin funclatency $n @dummy_ funclatency ip_send_skb
	# --hist of an item and --count-by comm (issue 13), next to bpftrace's hist() of the
	# same member.
	allin hist $n "$k" ksnoop --hist 'ip_send_skb(skb->len)'
	allin countby $n "$k" ksnoop --count-by comm ip_send_skb
	if [ "$BPFTRACE" = 1 ]; then
		allin bt-hist $n '^ready' sh -c 'exec bpftrace -B none -e "kfunc:ip_send_skb
			{ @h = hist(args->skb->len); } BEGIN { printf(\"ready\\n\"); }" 1>&2'
		# --count-by comm's equivalent: a count per task name.
		allin bt-comm $n '^ready' sh -c 'exec bpftrace -B none -e "kfunc:ip_send_skb
			{ @[comm] = count(); } BEGIN { printf(\"ready\\n\"); }" 1>&2'
	fi
}

if part allin; then
	echo "bench: all-in: N=$ALLIN_N, ROUNDS=$ALLIN_ROUNDS, ICOUNT=${ICOUNT:-0}" \
		"(uptime $(cut -d' ' -f1 /proc/uptime))"
	# The kernel's BTF as text, once (seconds under TCG), for the three lookups below.
	bpftool btf dump file /sys/kernel/btf/vmlinux >$T/vmlinux.btf
	# The floor's program goes on ip_send_skb's BTF id.
	sed -n "s/^\[\([0-9]*\)\] FUNC 'ip_send_skb' .*/\1/p" $T/vmlinux.btf >$T/floor.ids
	# floor-stream's member: ip_send_skb's second argument, the byte offset of
	# sk_buff's len (a direct member: the first 'len' in the struct's block).
	STREAM_MEMBER="1 $(awk '
		/^\[/ { in_skb = $2 == "STRUCT" && $3 == "\047sk_buff\047" }
		in_skb && $1 == "\047len\047" { sub("bits_offset=", "", $3); print $3 / 8; exit }' \
		$T/vmlinux.btf)"
	# floor-lat-fs's kfuncs (kernels with sessions): "IS_RETURN COOKIE" BTF ids.
	SESSION_KFUNCS=$(awk '
		$2 == "FUNC" && $3 == "\047bpf_session_is_return\047" { r = $1 }
		$2 == "FUNC" && $3 == "\047bpf_session_cookie\047" { c = $1 }
		END { gsub(/[][]/, "", r); gsub(/[][]/, "", c); if (r != "" && c != "") print r, c }' \
		$T/vmlinux.btf)
	[ -n "$BACKENDS" ] || BACKENDS=$(backend_names | tr "\n" " ")
	[ -n "$BACKENDS" ] || echo "R note all-in: no backend names from ksnoop; set BENCH_BACKENDS"
	echo "bench: all-in backends: $BACKENDS"
	# Warm up (TCG translates code on its first runs): the workload, and ksnoop once.
	udpsend 2000 5 $APORT
	ALLIN_SKIP=""
	ALLIN_ROUND=1
	while [ $ALLIN_ROUND -le $ALLIN_ROUNDS ]; do
		echo "bench: all-in round $ALLIN_ROUND (uptime $(cut -d' ' -f1 /proc/uptime))"
		allin_round
		ALLIN_ROUND=$((ALLIN_ROUND + 1))
	done
fi
echo "bench: done (uptime $(cut -d' ' -f1 /proc/uptime))"
exit 0
