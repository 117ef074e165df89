# --stats: calls counted in the kernel, exact, with errors and latency, as tables or JSON
# (one object per interval and a final one with the totals), with every backend the
# kernel has. Workloads fix the numbers. Sourced by suite.sh with lib.sh loaded.

# The final object's row of FUNC, as a jq expression over the -s array.
final_row()
{
	echo "(.[-1] | select(.type == \"stats\" and .final) | .functions[] | select(.func == \"$1\"))"
}

# The calls of FUNC over every interval (not the totals), a jq expression over the -s array.
interval_calls()
{
	echo "[.[] | select(.final | not) | .functions[] | select(.func == \"$1\") | .calls] | add"
}

# 100 datagrams: ip_send_skb counted 100 times, in the totals and over the intervals
# (-i 0.5: the stop comes once the intervals shown have counted 100 calls, not a fixed
# time after the workload that a loaded VM may need to end the next interval),
# no errors (it returned 0), a latency for each call.
test_stats_calls()
{
	t_trace 120 "udpsend 100 5; $(until_out 100 "$(interval_calls ip_send_skb)")" \
		ksnoop --stats -j -i 0.5 ip_send_skb
	t_expect_rc 0
	expect_jq "all(.type == \"stats\") and ([.[] | select(.final)] | length == 1)" \
		"stats objects, one final"
	expect_jq "$(final_row ip_send_skb) | .calls == 100 and .errors == 0" "100 calls"
	expect_jq "$(final_row ip_send_skb) | .latency_ns | .count == 100 and .p50 > 0 and
		.p50 <= .p90 and .p90 <= .p99 and .p99 <= .max and .mean <= .max" "latencies"
	expect_jq "$(interval_calls ip_send_skb) == 100" "the intervals add up to the totals"
	expect_jq ".[-1].not_counted == {\"nested\": 0, \"recursion\": 0}" "nothing lost"
}
t_run calls test_stats_calls

# The same count with each attach backend this kernel has (5.10: kprobe only).
test_stats_backends()
{
	local be n=0
	for be in $(loop_backends); do
		n=$((n + 1))
		t_trace 120 'udpsend 20 5' ksnoop --stats -j --backend "$be" ip_send_skb
		t_expect_rc 0
		expect_jq "$(final_row ip_send_skb) | .calls == 20 and .latency_ns.count == 20" \
			"backend $be: 20 calls"
	done
	[ "$n" -gt 0 ] || t_fail "no backend available"
}
t_run backends test_stats_backends

# Seven failing opens: do_sys_openat2 returns -ENOENT (int on 6.x, long on 5.10), so 7
# errors (other opens in the VM may add calls, not errors). A return predicate filters
# what is counted: only the failing calls.
test_stats_errors()
{
	local load='for i in 1 2 3 4 5 6 7; do openfiles 1 /nonexistent; done'
	t_trace 120 "$load" ksnoop --stats -j do_sys_openat2
	t_expect_rc 0
	expect_jq "$(final_row do_sys_openat2) | .errors == 7 and .calls >= 7" "7 errors"
	t_trace 120 "$load" ksnoop --stats -j 'do_sys_openat2(return < 0)'
	t_expect_rc 0
	expect_jq "$(final_row do_sys_openat2) | .errors == 7 and .calls == 7" \
		"return < 0: only the 7 failing calls"
}
t_run errors test_stats_errors

# Three 300 ms sleeps (an entry predicate on the requested time keeps other sleepers
# out): 3 calls whose latency is at least 300 ms and at most what the sleepers measured
# around their own sleeps (`sleepfor -t`: a loaded host makes a VM's sleeps overrun by any
# amount, so no fixed upper bound holds); the text table shows them in milliseconds.
test_stats_latency()
{
	local slept=/tmp/ksnoop-slept most
	# Before 5.17 ksnoop traces with kretprobes, which have as many instances as CPUs
	# on kernels without CONFIG_PREEMPTION (5.10 here: one): t_trace's busybox timeout
	# would hold it with its own 1 s sleeps (t_trace_nosleep).
	rm -f $slept
	t_trace_nosleep "sleepfor -t 300 >>$slept; sleepfor -t 300 >>$slept; sleepfor -t 300 >>$slept" \
		ksnoop --stats -j 'hrtimer_nanosleep(rqtp == 300000000)'
	t_expect_rc 0
	most=$(awk '$1 == "slept" && $2 > m { m = $2 } END { print m + 0 }' $slept)
	t_expect_eq 3 "$(grep -c '^slept ' $slept)" "sleeps the workload timed"
	expect_jq "$(final_row hrtimer_nanosleep) | .calls == 3 and .latency_ns.count == 3" \
		"3 sleeps"
	# (p50 is its bucket's middle: 300-302 ms is in [268, 302) ms, so 285.21 ms)
	expect_jq "$(final_row hrtimer_nanosleep) | .latency_ns | .max >= 300000000 and
		.max <= $most and .p50 >= 300000000 * 7 / 8 and .mean >= 300000000 and
		.mean <= $most" "latency from 300 ms to the longest sleep measured ($most ns)"
	rm -f $slept
	t_trace_nosleep "sleepfor -t 300 >$slept" ksnoop --stats --sort p99 \
		'hrtimer_nanosleep(rqtp == 300000000)'
	t_expect_rc 0
	most=$(awk '$1 == "slept" { print $2 + 0 }' $slept)
	t_expect_match '^ksnoop --stats: total, [0-9.]+ s$'
	t_expect_match '^FUNCTION +CALLS +CALLS/S +ERRORS +MEAN +P50 +P90 +P99 +MAX$'
	t_expect_match '^hrtimer_nanosleep +1 +[0-9.]+ +0( +[0-9]+\.[0-9][0-9]m?s){5}$'
	# The one call's MAX (exact, unlike the percentiles; "1.02s" past a second) in the
	# total table (the last; an interval's table may show the call too), within what it
	# slept.
	t_expect_eq ok "$(echo "$T_OUT" | awk -v most="$most" '$1 == "hrtimer_nanosleep" {
		ms = $NF; if (!sub(/ms$/, "", ms)) { sub(/s$/, "", ms); ms *= 1000 }
		v = (ms >= 300 && ms <= most / 1000000 + 0.01) ? "ok" : "MAX " $NF ", slept " most " ns" }
		END { print v }')" \
		"MAX from 300 ms to the time slept"
}
t_run latency test_stats_latency

# The same sleeps on the lean path (no predicate; -c keeps other sleepers out), with
# each backend: where the kernel has session links (fsession on 7.x: fentry-multi's
# link, the fentry backend's program per function; kprobe-multi's kprobe.session on
# 6.10+) the entry keeps its time in the call's session cookie for the return, with no
# per-thread state; the fentry backend's fentry and fexit programs (before 7.0, or
# KSNOOP_NO_FSESSION=1) pair a call by its trampoline frame, with one slot
# (KSNOOP_FRAME_SLOTS=1) too, which the second call takes again once the first freed
# it; on 7.x fentry-multi without fsession too (fentry-multi and fexit-multi links, by
# frame). One sleeper at a time: two at once on the one vCPU can have the kernel skip
# a run (a recursion miss, when one's run is preempted as the other enters), which
# ksnoop reports but cannot count. Collisions are test_stats_fsession's (nested calls).
test_stats_latency_lean()
{
	local slept=/tmp/ksnoop-slept most be bes envs what
	kver_ge 5.17 || t_skip "kretprobes on $(kver) have one instance: concurrent sleeps are missed"
	# fentry too, which loop_backends leaves out where there are others.
	bes=$(loop_backends)
	backends_here | grep -qx fentry && ! echo "$bes" | grep -qx fentry && bes="$bes fentry"
	backends_here | grep -qx fentry && bes="$bes fentry-frame1"
	ksnoop_features | grep -q '^fsession_multi: yes$' && bes="$bes fentry-multi-plain"
	for be in $bes; do
		envs='' what=$be
		case $be in
		fentry-multi-plain) be=fentry-multi envs=KSNOOP_NO_FSESSION=1 ;;
		fentry-frame1) be=fentry envs='KSNOOP_NO_FSESSION=1 KSNOOP_FRAME_SLOTS=1' ;;
		esac
		rm -f $slept
		# Not t_trace: its timeout's sleeps would hold a kretprobe's instances.
		t_trace_nosleep "sleepfor -t 300 >>$slept; sleepfor -t 300 >>$slept" \
			env $envs ksnoop -v --stats -j -c sleepfor --backend "$be" hrtimer_nanosleep
		t_expect_rc 0
		case $what in
		fentry-multi) kver_ge 7.0 && t_expect_match '^fentry-multi: .* one fsession link$' \
			"$T_ERR" ;;
		fentry) if kver_ge 7.0; then
				t_expect_match '^fentry: .* one fsession program per function$' "$T_ERR"
			else
				t_expect_match '^fentry: returns paired by their trampoline frame \(4096 slots\)$' \
					"$T_ERR"
			fi ;;
		fentry-frame1) t_expect_match '^fentry: .* trampoline frame \(1 slot\)$' "$T_ERR" ;;
		fentry-multi-plain) t_expect_match '^fentry-multi: .* trampoline frame' "$T_ERR" ;;
		kprobe-multi) kver_ge 6.10 &&
			t_expect_match '^kprobe-multi: .* one kprobe.session link$' "$T_ERR" ;;
		esac
		most=$(awk '$1 == "slept" && $2 > m { m = $2 } END { print m + 0 }' $slept)
		t_expect_eq 2 "$(grep -c '^slept ' $slept)" "$what: sleeps timed"
		expect_jq "$(final_row hrtimer_nanosleep) | .calls == 2 and .latency_ns.count == 2 and
			.latency_ns.max >= 300000000 and .latency_ns.max <= $most and
			.latency_ns.mean >= 300000000" \
			"$what: 2 sleeps of 300 ms to $most ns"
	done
}
t_run latency-lean test_stats_latency_lean

# The fentry backend's fsession programs (7.0+), with two functions: each call is
# counted for its own function (the attach cookie of its program) and paired with its
# own return by its session cookie, nested calls too: 20 sends, udp_sendmsg and
# ip_send_skb inside it 20 times each, the outer call the longer. The same without
# fsession (KSNOOP_NO_FSESSION=1, as before 7.0: fentry and fexit programs, paired by
# trampoline frame); with one frame slot (udp_sendmsg's call holds it, the nested
# ip_send_skb call is paired by its thread); paired by thread only (0 slots).
test_stats_fsession()
{
	local envs what
	backends_here | grep -qx fentry || t_skip "no fentry backend on $(kver)"
	for what in fsession frame frame1 thread; do
		case $what in
		fsession) envs='' ;;
		frame) envs=KSNOOP_NO_FSESSION=1 ;;
		frame1) envs='KSNOOP_NO_FSESSION=1 KSNOOP_FRAME_SLOTS=1' ;;
		thread) envs='KSNOOP_NO_FSESSION=1 KSNOOP_FRAME_SLOTS=0' ;;
		esac
		t_trace 120 'udpsend 20 5' env $envs ksnoop -v --stats -j \
			--backend fentry udp_sendmsg ip_send_skb
		t_expect_rc 0
		if [ $what = fsession ] && kver_ge 7.0; then
			t_expect_match '^fentry: .* one fsession program per function$' "$T_ERR"
		else
			t_expect_no_match 'one fsession program' "$T_ERR"
		fi
		case $what in
		fsession) kver_ge 7.0 || t_expect_match 'trampoline frame \(4096 slots\)$' "$T_ERR" ;;
		frame) t_expect_match '^fentry: returns paired by their trampoline frame' "$T_ERR" ;;
		frame1) t_expect_match 'trampoline frame \(1 slot\)$' "$T_ERR" ;;
		thread) t_expect_no_match 'trampoline frame' "$T_ERR" ;;
		esac
		expect_jq "[$(final_row udp_sendmsg), $(final_row ip_send_skb)] |
			all(.calls == 20 and .errors == 0 and .latency_ns.count == 20)" \
			"$what: 20 calls of each, each timed"
		expect_jq "$(final_row udp_sendmsg).latency_ns.max > \
			$(final_row ip_send_skb).latency_ns.max" "$what: the outer call the longer"
	done
}
t_run fsession test_stats_fsession

# -s on the lean path: only the calls inside the chain are counted, with each backend
# but fentry (session links pair calls by their cookie, which knows no chain: -s takes
# the per-thread pairing there too). 20 sends: ip_send_skb inside udp_sendmsg 20 times,
# inside tcp_sendmsg never.
test_stats_chain()
{
	local be
	for be in $(loop_backends); do
		t_trace 120 'udpsend 20 5' ksnoop --stats -j --backend "$be" -s udp_sendmsg ip_send_skb
		t_expect_rc 0
		expect_jq "$(final_row ip_send_skb) | .calls == 20 and .latency_ns.count == 20" \
			"$be: -s udp_sendmsg ip_send_skb: 20 calls"
		t_trace 120 'udpsend 20 5' ksnoop --stats -j --backend "$be" -s tcp_sendmsg ip_send_skb
		t_expect_rc 0
		expect_jq "[$(final_row ip_send_skb) | .calls] | add // 0 == 0" \
			"$be: -s tcp_sendmsg ip_send_skb: no call counted"
	done
}
t_run chain test_stats_chain

# --entry counts at entry: no latency, and a bad option value is one line, exit 2.
test_stats_entry()
{
	t_trace 120 'udpsend 10 5' ksnoop --stats -j --entry ip_send_skb
	t_expect_rc 0
	expect_jq "$(final_row ip_send_skb) | .calls == 10 and .latency_ns == {\"count\": 0}" \
		"10 calls, no latency"
}
t_run entry test_stats_entry

# A frame table that is not a power of 2 (KSNOOP_FRAME_SLOTS, tests and benches) is one
# line naming it, exit 3, before anything is loaded.
test_stats_frame_slots_bad()
{
	backends_here | grep -qx fentry || t_skip "no fentry backend on $(kver)"
	t_cmd env KSNOOP_NO_FSESSION=1 KSNOOP_FRAME_SLOTS=3 ksnoop --stats --backend fentry \
		ip_send_skb
	t_expect_rc 3
	t_expect_eq 'ksnoop: KSNOOP_FRAME_SLOTS=3: expected 0 or a power of 2 up to 4096' \
		"$T_ERR" "the one line"
	expect_no_leftovers "KSNOOP_FRAME_SLOTS=3"
}
t_run frame-slots-bad test_stats_frame_slots_bad
