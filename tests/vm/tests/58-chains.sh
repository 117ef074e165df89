# Call chains (-s): calls of the listed functions shown only when nested in that order on
# one thread, as groups; the BPF program drops calls of a level whose previous level is
# not in progress, so they cost no record.
# Sourced by suite.sh with lib.sh loaded; each t_run is one test.

TW_WAIT=1200

# Call header lines of FUNC from COMM in $T_OUT, at any chain indentation.
chain_calls_of()
{
	printf '%s\n' "$T_OUT" | grep -E "^ *[0-9:.]+ +[0-9]+ +[0-9]+ +[0-9]+ +$1 +$2( |\$)"
}

# The "N chains (M calls on incomplete chains not shown)" of the summary line.
chains_shown() { printf '%s\n' "$T_ERR" | sed -n 's/.*, \([0-9]*\) chains (.*/\1/p'; }
chains_dropped() { printf '%s\n' "$T_ERR" | sed -n 's/.* chains (\([0-9]*\) calls on.*/\1/p'; }

# udpsend 5 100: each datagram is one udp_sendmsg() calling ip_send_skb() (128 bytes:
# 100 + 8 UDP + 20 IP). Text: ip_send_skb indented one level (4 spaces) under its caller.
test_chain_text()
{
	trace_wl 120 'udpsend 5 100' \
		ksnoop -s 'udp_sendmsg(len)' 'ip_send_skb(skb->len, return)'
	t_expect_rc 0
	t_expect_eq 5 "$(chain_calls_of udpsend udp_sendmsg | grep -c '^[0-9]')" \
		"udp_sendmsg calls at level 0 (not indented)"
	t_expect_eq 5 "$(chain_calls_of udpsend ip_send_skb | grep -c '^    [0-9]')" \
		"ip_send_skb calls at level 1 (indented by 4)"
	t_expect_match '^    len = \(size_t\)100$'
	t_expect_match '^        skb->len = \(unsigned int\)128$'
	t_expect_match '^        return = \(int\)0$'
	# Each group: the caller's block, then its callee's.
	t_expect_eq "$(for i in 1 2 3 4 5; do echo udp_sendmsg ip_send_skb; done | paste -sd' ')" \
		"$(printf '%s\n' "$T_OUT" | grep -oE ' (udp_sendmsg|ip_send_skb)( |$)' | tr -d ' ' |
		paste -sd' ')" "caller, callee pairs in order"
	t_expect_eq 5 "$(chains_shown)" "chains on the summary line"
}
t_run chain-text test_chain_text

# JSON: one object per call with "chain" (the group, from 1) and "level"; jq groups them.
test_chain_json()
{
	trace_wl 120 'udpsend 4 100' \
		ksnoop -j -s 'udp_sendmsg(len)' 'ip_send_skb(skb->len, return)'
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "call" and .comm == "udpsend")] |
		group_by(.chain) | length == 4 and
		all(length == 2 and .[0].func == "udp_sendmsg" and .[0].level == 0 and
		    .[0].args.len == 100 and .[0].ret == 100 and
		    .[1].func == "ip_send_skb" and .[1].level == 1 and
		    .[1].args["skb->len"] == 128 and .[1].ret == 0 and
		    .[1].time_ns > .[0].time_ns and
		    .[1].time_ns + .[1].duration_ns <= .[0].time_ns + .[0].duration_ns)' \
		"4 chains of udp_sendmsg then ip_send_skb nested in it"
}
t_run chain-json test_chain_json

# A chain through a function the workload never calls shows nothing. udp_sendmsg (level
# 0) is recorded and dropped in userspace (5 calls); ip_send_skb (level 2) is dropped in
# the kernel, as tcp_sendmsg (level 1) never opens: if its calls were recorded, they
# would count among the calls not shown too (10).
test_chain_never()
{
	trace_wl 120 'udpsend 5 100' ksnoop -s udp_sendmsg tcp_sendmsg ip_send_skb
	t_expect_rc 0
	t_expect_eq 0 "$(chain_calls_of udpsend '[a-z_]+' | wc -l)" "calls shown"
	t_expect_eq 0 "$(chains_shown)" "chains"
	t_expect_eq 5 "$(chains_dropped)" "calls recorded and not shown (udp_sendmsg only)"
	# The wrong order: ip_send_skb is called from udp_sendmsg, not the other way round.
	trace_wl 120 'udpsend 3 100' ksnoop -s ip_send_skb udp_sendmsg
	t_expect_rc 0
	t_expect_eq 0 "$(chains_shown)" "chains in the wrong order"
	t_expect_eq 3 "$(chains_dropped)" "calls recorded (ip_send_skb only)"
}
t_run chain-never test_chain_never

# The longest chain, 8 levels, from the system call down to the loopback device (not
# ip_local_out: ip_send_skb calls a copy inlined into it on some kernels).
test_chain_8()
{
	trace_wl 120 'udpsend 3 100' \
		ksnoop -j -s __x64_sys_sendto __sys_sendto udp_sendmsg ip_send_skb ip_output \
		ip_finish_output dev_hard_start_xmit 'loopback_xmit(skb->len, return)'
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "call" and .comm == "udpsend")] |
		group_by(.chain) | length == 3 and
		all([.[].level] == [0,1,2,3,4,5,6,7] and .[7].func == "loopback_xmit" and
		    .[7].args["skb->len"] == 142 and .[7].ret.name == "NETDEV_TX_OK")' \
		"3 chains of 8 levels, loopback_xmit last (128 + 14 bytes Ethernet)"
}
t_run chain-8 test_chain_8

# Every backend this kernel has gives the same chains.
test_chain_backends()
{
	local b
	for b in $(loop_backends); do
		trace_wl 120 'udpsend 3 100' \
			ksnoop -j --backend "$b" -s 'udp_sendmsg(len)' 'ip_send_skb(skb->len, return)'
		t_expect_rc 0
		expect_jq '[.[] | select(.type == "call" and .comm == "udpsend")] |
			group_by(.chain) | length == 3 and
			all([.[].func] == ["udp_sendmsg", "ip_send_skb"] and
			    .[1].args["skb->len"] == 128 and .[1].ret == 0)' "$b: 3 chains"
		expect_no_leftovers "$b"
	done
}
t_run chain-backends test_chain_backends

# A chain is its thread's own: level 0 in progress on one thread opens nothing on
# another. sleepfor sits in hrtimer_nanosleep (level 0; the predicate leaves out every
# other sleeper) while udpsend, another process, calls ip_send_skb (level 1): the BPF
# program must record none of those, only sleepfor's call (1 call not shown; SIGTERM
# ends it, the call returning first). State shared between threads would record them
# too (6). Both places the state can live: task-local storage and the hash
# (KSNOOP_THREAD_HASH=1, as on 5.10).
test_chain_per_thread()
{
	local hash
	for hash in 0 1; do
		rm -f /tmp/chain-late
		trace_wl 120 'sleepfor 60000 & s=$!; i=0
			until grep -q nanosleep /proc/$s/wchan 2>/dev/null ||
				grep -q "^State:.*S (sleeping)" /proc/$s/status || [ $i -ge 200 ]; do
				i=$((i + 1)); sleep 0.05; done
			udpsend 5 100; [ -e /proc/$s ] || echo late >/tmp/chain-late
			kill $s; wait $s' \
			env KSNOOP_THREAD_HASH=$hash ksnoop -s 'hrtimer_nanosleep(rqtp == 60000000000)' \
			ip_send_skb
		t_expect_rc 0
		[ ! -e /tmp/chain-late ] || t_fail "hash=$hash: sleepfor ended before udpsend did"
		t_expect_eq 0 "$(chains_shown)" "hash=$hash: chains"
		t_expect_eq 1 "$(chains_dropped)" "hash=$hash: calls recorded (sleepfor's only)"
	done
}
t_run chain-per-thread test_chain_per_thread

# A thread's state dies with it. sh exits through do_exit (level 0, code 7 << 8: no other
# exit), which never returns, so its chain stays open; the next process given its id
# (ns_last_pid), udpsend, must start with none: its ip_send_skb calls (level 1) are not
# recorded (only the do_exit call is: at most 1 not shown). The hash keeps a dead
# thread's state until the LRU recycles it, so this runs where task-local storage
# keeps it. The kprobe backend: fexit refuses do_exit (noreturn) on newer kernels.
test_chain_thread_exit()
{
	local load
	ksnoop_features | grep -q '^kprobe_task_storage: yes$' || t_skip "no task-local storage here"
	[ -w /proc/sys/kernel/ns_last_pid ] || t_skip "no /proc/sys/kernel/ns_last_pid"
	rm -f /tmp/chain-reused
	# A kernel thread may take the id first: up to 5 tries.
	load='i=0; while [ $i -lt 5 ] && [ ! -e /tmp/chain-reused ]; do
		sh -c "exit 7" & p=$!; wait $p
		echo $((p - 1)) >/proc/sys/kernel/ns_last_pid
		udpsend 5 100 & q=$!; wait $q
		[ "$q" != "$p" ] || echo $p >/tmp/chain-reused; i=$((i + 1)); done'
	trace_wl 120 "$load" ksnoop --backend kprobe -s 'do_exit(code == 1792)' ip_send_skb
	t_expect_rc 0
	[ -e /tmp/chain-reused ] || t_skip "udpsend never got the exited sh's id"
	t_expect_eq 0 "$(chain_calls_of udpsend ip_send_skb | wc -l)" "ip_send_skb calls shown"
	[ "$(chains_dropped)" -le 1 ] ||
		t_fail "$(chains_dropped) calls recorded: udpsend inherited the dead sh's chain"
}
t_run chain-thread-exit test_chain_thread_exit

# The gate (busy_threads, lib.sh): while no thread is inside a call of the chain's first
# function, calls of the others return at once, at entry and at the return.
# Two processes at once, each sending on its own: one 100-byte datagrams, whose
# udp_sendmsg calls are level 0 (complete chains), the other 50-byte ones, which the
# predicate leaves out, so that its ip_send_skb calls are outside the chain, with the gate
# open (the first process inside udp_sendmsg) or closed. Every chain of the first is shown
# whole, nothing of the second is shown or recorded (a wrong gate either hides the first
# one's level 1 or lets the second one's calls through), and once both are done no thread
# is counted. Per backend, and with the state in the hash.
test_chain_gate_threads()
{
	local b lost rl
	for b in auto hash $(loop_backends); do
		rm -f /tmp/chain-threads
		trace_wl 180 "udpsend 30 100 9101 20000 & a=\$!; udpsend 30 50 9102 20000 & c=\$!
			wait \$a \$c
			$BUSY_THREADS >/tmp/chain-threads" \
			env KSNOOP_THREAD_HASH=$([ $b = hash ] && echo 1 || echo 0) \
			ksnoop --backend "$([ $b = hash ] && echo auto || echo "$b")" \
			-s 'udp_sendmsg(len == 100)' 'ip_send_skb(skb->len)'
		t_expect_rc 0
		# Runs the kernel skipped (recursion: a run preempted on 7.x, the other sender
		# then runs the program; a kretprobe out of instances on 5.10) break chains of
		# the first sender, with or without the gate: then at least 30 less those.
		lost=$(printf '%s\n' "$T_ERR" | sed -n 's/.*, \([0-9]*\) records lost.*/\1/p')
		rl=$(printf '%s\n' "$T_ERR" | sed -n 's/.*, \([0-9]*\) return lost.*/\1/p')
		lost=$((${lost:-0} + ${rl:-0}))
		if [ "$lost" = 0 ]; then
			t_expect_eq 30 "$(chains_shown)" "$b: chains"
			t_expect_eq 0 "$(chains_dropped)" "$b: calls recorded and not shown"
		elif [ "$(chains_shown)" -lt $((30 - lost)) ]; then
			t_fail "$b: $(chains_shown) chains, $lost records lost: fewer than $((30 - lost))"
		fi
		t_expect_eq "$(chains_shown)" \
			"$(printf '%s\n' "$T_OUT" | grep -c '^        skb->len = (unsigned int)128$')" \
			"$b: ip_send_skb calls of the 100-byte sender, one per chain"
		t_expect_no_match 'skb->len = \(unsigned int\)78$'
		# A return the kernel skipped leaves its thread counted (only slower, by design).
		[ "$lost" != 0 ] || busy_count /tmp/chain-threads "$b: after" 0
		expect_no_leftovers "$b"
	done
}
t_run chain-gate-threads test_chain_gate_threads

# The gate opens while a call it left out is in progress. One read (gate_opens_load: a dd
# blocked on a FIFO) enters pipe_read (level 1; fifo_pipe_read since 6.15) outside the
# chain, the gate closed; then another enters vfs_read (level 0, the predicate picks it),
# which opens the gate, and pipe_read under it. The first returns while the second
# blocks: its return, whose entry kept nothing, must not be shown, recorded or paired
# with anything; the second one's chain is shown whole. The count: 1 while the second
# blocks, 0 after. Not on 5.10: its kretprobes lose the return of the second of two
# blocked calls in one function.
test_chain_gate_opens()
{
	local pr=pipe_read
	need_kernel_ge 5.17
	# 6.15 split it: a FIFO's read is fifo_pipe_read().
	grep -q ' fifo_pipe_read$' /proc/kallsyms && pr=fifo_pipe_read
	rm -f /tmp/chain-open /tmp/chain-closed
	trace_wl 180 "$(gate_opens_load /tmp/chain-open /tmp/chain-closed)" \
		ksnoop -j -s 'vfs_read(count == 12345)' "$pr(return)"
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "call")] | length == 2 and
		.[0].func == "vfs_read" and .[0].level == 0 and
		.[1].func == "'$pr'" and .[1].level == 1 and .[1].ret == 1 and
		.[0].chain == .[1].chain and .[0].tid == .[1].tid and .[0].comm == "dd"' \
		"one chain: the read of 12345 bytes"
	expect_jq '[.[] | select(.type == "summary")] | length == 1 and
		all(.lost == .lost_by_reason.recursion and .unpaired == 0 and .in_flight == 0 and
		.return_lost == 0)' \
		"nothing lost (but runs the kernel skipped), unpaired or in flight"
	t_expect_eq 1 "$(chains_shown)" "chains"
	t_expect_eq 0 "$(chains_dropped)" "calls recorded and not shown"
	busy_count /tmp/chain-open "while the read of 12345 bytes blocks" 1
	# A run the kernel skipped (recursion: another reader's, on a busy host) may be
	# a return that leaves its thread counted (only slower, by design).
	[ "$(printf '%s\n' "$T_OUT" | jq -s '[.[] | select(.type == "summary")][0].lost')" != 0 ] ||
		busy_count /tmp/chain-closed "after it" 0
}
t_run chain-gate-opens test_chain_gate_opens

# The gate closes and opens again: two rounds of chains in one trace, the count back to 0
# after each (a count that stayed up would only cost time; one that went down early would
# hide the second round's level 1).
test_chain_gate_reopen()
{
	rm -f /tmp/chain-c1 /tmp/chain-c2
	trace_wl 180 "udpsend 3 100; $BUSY_THREADS >/tmp/chain-c1
		udpsend 4 100; $BUSY_THREADS >/tmp/chain-c2" \
		ksnoop -s udp_sendmsg 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_eq 7 "$(chains_shown)" "chains of both rounds"
	t_expect_eq 7 "$(chain_calls_of udpsend ip_send_skb | grep -c '^    [0-9]')" \
		"ip_send_skb calls at level 1"
	busy_count /tmp/chain-c1 "after the first round" 0
	busy_count /tmp/chain-c2 "after the second round" 0
}
t_run chain-gate-reopen test_chain_gate_reopen

# Bad input: exit 2 with one error line and a hint, before anything is loaded.
test_chain_errors()
{
	t_cmd ksnoop -s ip_send_skb
	t_expect_rc 2
	t_expect_match '^ksnoop: -s/--stack needs 2 to 8 functions' "$T_ERR"
	t_cmd ksnoop -s a b c d e f g h i
	t_expect_rc 2
	t_expect_match 'got 9' "$T_ERR"
	t_cmd ksnoop -s udp_sendmsg udp_sendmsg
	t_expect_rc 2
	t_cmd ksnoop -s 'udp_*' ip_send_skb
	t_expect_rc 2
	t_cmd ksnoop -s udp_sendmsg nosuchfunc_xyz
	t_expect_rc 3
	expect_no_leftovers "-s errors"
}
t_run chain-errors test_chain_errors

# --kstack: the kernel stack of each call at entry, symbolized from /proc/kallsyms, on
# every backend this kernel has (bpf_get_stackid() from the fentry context and from
# pt_regs). udp_sendmsg calls ip_send_skb (through udp_send_skb, inlined or not).
test_kstack()
{
	local b
	trace_wl 120 'udpsend 3 100' ksnoop --kstack 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_eq 3 "$(printf '%s\n' "$T_OUT" | grep -c '^    kstack:$')" "kstack blocks"
	t_expect_eq 3 "$(printf '%s\n' "$T_OUT" | grep -cE '^        udp_sendmsg\+0x[0-9a-f]+$')" \
		"udp_sendmsg+0xOFF frames"
	for b in $(loop_backends); do
		trace_wl 120 'udpsend 2 100' \
			ksnoop -j --backend "$b" --kstack=6 'ip_send_skb(skb->len)'
		t_expect_rc 0
		expect_jq "$(calls udpsend ip_send_skb) | length == 2 and
			all(.kstack | length <= 6 and
			    any(test(\"^udp_sendmsg\\\\+0x[0-9a-f]+$\")))" \
			"$b: 2 calls, at most 6 frames, udp_sendmsg among them"
		expect_no_leftovers "$b"
	done
}
t_run kstack test_kstack

# --kstack with -s: each call of a chain has its own stack; a deeper level's stack holds
# the level above it.
test_kstack_chain()
{
	trace_wl 120 'udpsend 2 100' ksnoop -j --kstack -s udp_sendmsg 'ip_send_skb(skb->len)'
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "call" and .func == "ip_send_skb")] | length == 2 and
		all(.level == 1 and (.kstack | any(startswith("udp_sendmsg+0x"))))' \
		"ip_send_skb at level 1 with udp_sendmsg on its stack"
}
t_run kstack-chain test_kstack_chain

# --changes: vfs_write() advances *pos by what it wrote (ksys_write copies file->f_pos to
# a local and stores it back after the call, so file->f_pos does not change inside it).
# dd writes 2 blocks of 777 bytes: *pos 0 -> 777, then 777 -> 1554 (file->f_pos 0, then
# 777, unchanged inside each call). Unchanged values are
# shown once, as without --changes; JSON has {"entry", "exit"} for every re-read item.
test_changes()
{
	if ! kver_ge 5.17; then
		# Only kprobes here: their return probes cannot read the arguments.
		t_cmd ksnoop --changes 'vfs_write(*pos)'
		t_expect_rc 5
		t_expect_match '^ksnoop: --changes needs return probes that read the arguments' \
			"$T_ERR"
		return 0
	fi
	trace_wl 120 'dd if=/dev/zero of=/tmp/ksnoop-chg bs=777 count=2' \
		ksnoop --changes 'vfs_write(count == 777, *pos, file->f_pos, return)'
	t_expect_rc 0
	t_expect_match '^    \*pos = \(loff_t\)0 -> \(loff_t\)777$'
	t_expect_match '^    \*pos = \(loff_t\)777 -> \(loff_t\)1554$'
	t_expect_match '^    file->f_pos = \(loff_t\)0$'
	t_expect_no_match 'f_pos = .* -> '
	trace_wl 120 'dd if=/dev/zero of=/tmp/ksnoop-chg bs=777 count=2' \
		ksnoop -j --changes 'vfs_write(count == 777, *pos, file->f_pos, return)'
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "call" and .func == "vfs_write")] | length == 2 and
		.[0].args["*pos"] == {"entry": 0, "exit": 777} and
		.[1].args["*pos"] == {"entry": 777, "exit": 1554} and
		all(.args["file->f_pos"] | .entry == .exit) and all(.ret == 777)' \
		"*pos before and after each write"
	# A whole struct is compared byte for byte: the file's position does not move inside
	# vfs_write, its other members may (f_mode, f_count...), the entry and exit are kept.
	trace_wl 120 'dd if=/dev/zero of=/tmp/ksnoop-chg bs=777 count=1' \
		ksnoop -j --backend fentry --changes 'vfs_write(count == 777, file)'
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "call" and .func == "vfs_write")] | length == 1 and
		(.[0].args.file | has("entry") and has("exit") and .entry.f_pos == .exit.f_pos)' \
		"struct file at entry and exit"
	t_cmd ksnoop --changes --backend kprobe 'vfs_write(*pos)'
	t_expect_rc 5
	t_expect_match '^ksnoop: --backend kprobe: its return probes cannot read the arguments' "$T_ERR"
}
t_run changes test_changes
