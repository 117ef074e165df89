# Filter benchmark body, run by busybox ash inside one lab VM (tests/bench/filter-bench.sh
# passes it as the --run command of tests/vm/vm.sh). The in-kernel cost per traced call
# (bpf_stats run_time_ns, entry and exit programs summed) of a call the kernel filters
# out, next to the same call unfiltered, filtered out by -p (the filter that was there
# before), and an empty fentry program (the floor, tests/bench/bare-attach.c), all on
# __dev_queue_xmit (udpsend to 127.0.0.1 goes through lo). The -km rows are the
# kprobe-multi backend (a kprobe.session link where the kernel has sessions: a call
# the entry leaves out has no return run), next to its own floor, an empty
# kprobe.multi program (floor-km). The hist and countby rows are the counting modes'
# lean path (issue 13), nothing filtered. Prints one line per configuration:
#   R filter ID NS_PER_CALL PROGRAM_RUNS SHOWN NS_PER_RUN
#   R split ID ENTRY_NS_PER_RUN EXIT_NS_PER_RUN    (ksnoop's runs: where the cost is)
# Inputs: N (datagrams per configuration), ROUNDS, ONLY (configuration ids to run; default
# all).

N=${N:-2000}
ROUNDS=${ROUNDS:-3}
PORT=9995
T=/tmp/fbench
mkdir -p $T

# Sum of run_time_ns and run_cnt of the tracing programs loaded now, then the same for
# the entry and the exit programs (names ending in "entry" / "exit"; the floor's has none).
stats()
{
	bpftool prog show -j | jq -M -r '[.[] | select(.type == "tracing" or .type == "kprobe")] |
		def sum(f): map(select(f)) | "\(map(.run_time_ns // 0) | add // 0) \(map(.run_cnt // 0) | add // 0)";
		"\(sum(true)) \(sum((.name // "") | endswith("entry"))) \(sum((.name // "") | endswith("exit")))"'
}

# wait_line FILE ERE PID: until FILE has a line matching ERE (at most 60 s).
wait_line()
{
	local i=0
	while [ $i -lt 600 ]; do
		grep -Eq "$2" "$1" && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# run ID READY CMD...: start CMD, wait for READY on its stderr, send N datagrams with
# bpf_stats on, print the per-call cost, stop CMD.
run()
{
	local id=$1 ready=$2 pid s0 s1 shown
	shift 2
	case " ${ONLY:-$id} " in *" $id "*) ;; *) return ;; esac
	: >$T/err
	"$@" >$T/out 2>$T/err &
	pid=$!
	if ! wait_line $T/err "$ready" $pid; then
		echo "R note $id: never attached: $(head -n 1 $T/err)"
		kill -INT $pid 2>/dev/null
		wait $pid 2>/dev/null
		return
	fi
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	s0=$(stats)
	udpsend $N 5 $PORT
	s1=$(stats)
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	kill -INT $pid 2>/dev/null
	wait $pid 2>/dev/null
	shown=$(grep -c '__dev_queue_xmit' $T/out)
	# $1..$6: before (all, entry, exit: ns and runs), $7..$12: after.
	echo "$s0 $s1" | awk -v id=$id -v n=$N -v shown=$shown '{
		r = $8 - $2
		printf "R filter %s %.1f %d %d %.1f\n", id, ($7 - $1) / n, r, shown,
			r ? ($7 - $1) / r : 0
		re = $10 - $4; rx = $12 - $6
		if (re && rx)
			printf "R split %s %.1f %.1f\n", id, ($9 - $3) / re, ($11 - $5) / rx }'
}

echo 1 >/proc/sys/net/core/bpf_jit_enable 2>/dev/null
bpftool btf dump file /sys/kernel/btf/vmlinux |
	sed -n "s/^\[\([0-9]*\)\] FUNC '__dev_queue_xmit' .*/\1/p" >$T/ids
echo __dev_queue_xmit >$T/names
# Warm up: TCG translates code on its first runs.
udpsend 2000 5 $PORT
k='ksnoop: attached'
F='__dev_queue_xmit'
r=1
while [ $r -le $ROUNDS ]; do
	run floor 'bare: attached' bare-attach fentry+hold $T/ids
	run unfiltered "$k" ksnoop -P 1024 --backend fentry "$F(skb->len)"
	run unfiltered-cap "$k" env KSNOOP_NO_REC_LEAN=1 ksnoop -P 1024 --backend fentry "$F(skb->len)"
	run pid-out "$k" ksnoop -P 1024 --backend fentry -p 1 "$F(skb->len)"
	run comm-out "$k" ksnoop -P 1024 --backend fentry -c nomatch "$F(skb->len)"
	run comm-glob-out "$k" ksnoop -P 1024 --backend fentry -c 'nomatch*' "$F(skb->len)"
	run str-eq-out "$k" ksnoop -P 1024 --backend fentry "$F(skb->dev->name == \"eth9\", skb->len)"
	run str-glob-out "$k" ksnoop -P 1024 --backend fentry "$F(skb->dev->name ~ \"eth*\", skb->len)"
	run str-eq-in "$k" ksnoop -P 1024 --backend fentry "$F(skb->dev->name == \"lo\", skb->len)"
	# An integer predicate on a member (the datagrams' skbs are far shorter).
	run int-out "$k" ksnoop -P 1024 --backend fentry "$F(skb->len > 100000, skb->len)"
	# The same with --entry: a call is one run, as the floor's, no return run.
	run e-comm-out "$k" ksnoop -P 1024 --backend fentry --entry -c nomatch "$F(skb->len)"
	run e-str-eq-out "$k" ksnoop -P 1024 --backend fentry --entry \
		"$F(skb->dev->name == \"eth9\", skb->len)"
	run e-str-glob-out "$k" ksnoop -P 1024 --backend fentry --entry \
		"$F(skb->dev->name ~ \"eth*\", skb->len)"
	# -s with __dev_queue_xmit outside the chain (udpsend never calls tcp_sendmsg).
	run s-out "$k" ksnoop -P 1024 --backend fentry -s tcp_sendmsg "$F(skb->len)"
	# Counting modes (issue 13): the program's own share of their cost per call.
	run hist "$k" ksnoop --backend fentry --hist "$F(skb->len)"
	run countby "$k" ksnoop --backend fentry --count-by comm "$F"
	# The same with the per-thread state in the hash (as on kernels without task-local
	# storage): the -hash rows against the rows above, in the same boot.
	run unfiltered-hash "$k" env KSNOOP_THREAD_HASH=1 ksnoop -P 1024 --backend fentry "$F(skb->len)"
	run str-eq-out-hash "$k" env KSNOOP_THREAD_HASH=1 ksnoop -P 1024 --backend fentry \
		"$F(skb->dev->name == \"eth9\", skb->len)"
	run s-out-hash "$k" env KSNOOP_THREAD_HASH=1 ksnoop -P 1024 --backend fentry \
		-s tcp_sendmsg "$F(skb->len)"
	# The fentry-multi backend (7.x) with its fsession link (-fs) and without it
	# (-fm, KSNOOP_NO_FSESSION=1: fentry-multi and fexit-multi links); --stats
	# counts every call (the lean path: latency by the session cookie with -fs,
	# by the per-thread state else); stats is the fentry backend's.
	run stats "$k" ksnoop --backend fentry --stats -i 1000 "$F"
	# Before 7.0 (or KSNOOP_NO_FSESSION=1) the fentry stubs pair --stats calls by
	# their trampoline frame; -thread: by the per-thread state (KSNOOP_FRAME_SLOTS=0).
	run stats-thread "$k" env KSNOOP_NO_FSESSION=1 KSNOOP_FRAME_SLOTS=0 ksnoop --backend fentry \
		--stats -i 1000 "$F"
	if ksnoop features | grep -q '^backend fentry-multi: yes$'; then
		run s-out-fm "$k" env KSNOOP_NO_FSESSION=1 ksnoop -P 1024 --backend fentry-multi \
			-s tcp_sendmsg "$F(skb->len)"
		run s-out-fs "$k" ksnoop -P 1024 --backend fentry-multi -s tcp_sendmsg "$F(skb->len)"
		run stats-fm "$k" env KSNOOP_NO_FSESSION=1 ksnoop --backend fentry-multi --stats \
			-i 1000 "$F"
		run stats-fs "$k" ksnoop --backend fentry-multi --stats -i 1000 "$F"
	fi
	run floor-km 'bare: attached' bare-attach kmulti+hold $T/names
	run unfiltered-km "$k" ksnoop -P 1024 --backend kprobe-multi "$F(skb->len)"
	run comm-out-km "$k" ksnoop -P 1024 --backend kprobe-multi -c nomatch "$F(skb->len)"
	run str-eq-out-km "$k" ksnoop -P 1024 --backend kprobe-multi \
		"$F(skb->dev->name == \"eth9\", skb->len)"
	run str-eq-in-km "$k" ksnoop -P 1024 --backend kprobe-multi \
		"$F(skb->dev->name == \"lo\", skb->len)"
	run s-out-km "$k" ksnoop -P 1024 --backend kprobe-multi -s tcp_sendmsg "$F(skb->len)"
	# --stats through kprobe-multi: latency by the kprobe.session cookie where the
	# kernel has sessions (6.10+).
	run stats-km "$k" ksnoop --backend kprobe-multi --stats -i 1000 "$F"
	r=$((r + 1))
done
echo "bench: done"
