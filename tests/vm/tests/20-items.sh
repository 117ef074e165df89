# End to end: the values ksnoop shows are the kernel's real values. A workload sends UDP
# datagrams of known sizes on a connected socket to a known port, or opens a known path,
# and each test checks the numbers, strings and markers that must come out, and that the
# options selecting calls (predicate, -p, -n, --entry, --duration) select what they say.
# Sourced by suite.sh with lib.sh loaded; each t_run is one test.

# Every lab kernel traces (5.10, without bpf_get_func_arg(), through the kprobe backend).
NEED_KVER=5.10



# ksnoop's BPF objects must be gone once it has exited: links are owned by its fds.
expect_no_ksnoop_bpf()
{
	local progs
	progs=$(bpftool -j prog show | jq -r '.[] | select(.name | startswith("ksnoop")) |
		"\(.id) \(.name)"')
	[ -z "$progs" ] || t_fail "ksnoop BPF programs left after exit: $progs"
}

# udpconn sends SIZE-byte datagrams: ip_send_skb() sees SIZE + 8 (UDP) + 20 (IPv4).
test_len_port_ret()
{
	local n
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 4 100 9999; udpconn 3 300 12345' \
		ksnoop 'ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport, return)'
	t_expect_rc 0
	n=$(calls_of udpconn ip_send_skb | wc -l)
	t_expect_eq 7 "$n" "ip_send_skb calls from udpconn"
	t_expect_eq "128 128 128 128 328 328 328" "$(values_of udpconn ip_send_skb 'skb->len' |
		sed 's/^(unsigned int)//' | tr '\n' ' ' | sed 's/ $//')" "skb->len of each call"
	t_expect_eq "$(be16 9999) $(be16 9999) $(be16 9999) $(be16 9999) $(be16 12345) $(be16 12345) $(be16 12345)" \
		"$(values_of udpconn ip_send_skb 'skb->sk->__sk_common.skc_dport' | sed 's/^(__be16)//' |
		tr '\n' ' ' | sed 's/ $//')" "destination port (__be16) of each call"
	t_expect_eq "0 0 0 0 0 0 0" "$(values_of udpconn ip_send_skb return | sed 's/^(int)//' | tr '\n' ' ' |
		sed 's/ $//')" "return values"
	# Each call line carries its duration.
	n=$(calls_of udpconn 'ip_send_skb \([0-9]+\.[0-9]{3} us\)' | wc -l)
	t_expect_eq 7 "$n" "calls with a duration"
	expect_no_ksnoop_bpf
}
t_run len-port-return test_len_port_ret

# A predicate keeps only the calls where it holds; the value is shown.
test_predicate()
{
	local n
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 3 50; udpconn 4 100; udpconn 5 200' \
		ksnoop 'ip_send_skb(skb->len == 128, return)'
	t_expect_rc 0
	n=$(calls_of udpconn ip_send_skb | wc -l)
	t_expect_eq 4 "$n" "ip_send_skb calls with skb->len == 128"
	t_expect_eq "4" "$(values_of udpconn ip_send_skb 'skb->len' | grep -cx '(unsigned int)128')" \
		"skb->len = 128 lines"
	t_expect_no_match '^    skb->len = \(unsigned int\)(78|228)$'
	# A predicate on a pointer: NULL never holds for skb->sk of a socket's datagram.
	trace_wl 60 'udpconn 2 100' ksnoop 'ip_send_skb(skb->sk == NULL)'
	t_expect_rc 0
	t_expect_eq 0 "$(calls_of udpconn ip_send_skb | wc -l)" "calls with skb->sk == NULL"
	expect_no_ksnoop_bpf
}
t_run predicate test_predicate

# -p PID: two senders run at once; only the one whose pid we gave is shown.
test_pid_filter()
{
	local pid n others
	need_kernel_ge $NEED_KVER
	# exec keeps the pid $! names; it starts sending when the tracer has attached.
	rm -f /tmp/ksnoop-go
	sh -c 'until [ -e /tmp/ksnoop-go ]; do sleep 0.1; done
		exec udpconn 6 100 9999 20000' >/dev/null 2>&1 &
	pid=$!
	trace_wl 60 "touch /tmp/ksnoop-go; udpconn 6 200 9998 20000; $(until_gone "$pid")" \
		ksnoop -p "$pid" 'ip_send_skb(skb->len)'
	touch /tmp/ksnoop-go	# never leave it waiting
	wait "$pid"
	t_expect_rc 0
	n=$(calls_of udpconn ip_send_skb | wc -l)
	t_expect_eq 6 "$n" "calls shown for -p $pid"
	others=$(calls_of udpconn ip_send_skb | awk -v p="$pid" '$3 != p || $4 != p' | wc -l)
	t_expect_eq 0 "$others" "calls from other pids"
	t_expect_eq 6 "$(values_of udpconn ip_send_skb 'skb->len' | grep -cx '(unsigned int)128')" \
		"skb->len of pid $pid's 100-byte datagrams"
	expect_no_ksnoop_bpf
}
t_run pid-filter test_pid_filter

# -n N: ksnoop exits by itself after N calls while the workload goes on.
test_count()
{
	local pid running=no
	need_kernel_ge $NEED_KVER
	# A datagram every 50 ms from when the tracer has attached until the test kills the
	# sender (not 8 s of them: ksnoop's exit may take longer on a loaded machine).
	rm -f /tmp/ksnoop-go
	sh -c 'until [ -e /tmp/ksnoop-go ]; do sleep 0.1; done
		exec udpconn 1000000 100 9999 50000' >/dev/null 2>&1 &
	pid=$!
	TW_STOP=0 trace_wl 60 'touch /tmp/ksnoop-go' ksnoop -n 3 'ip_send_skb(skb->len, return)'
	alive "$pid" && running=yes
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	t_expect_rc 0
	t_expect_eq yes "$running" "workload still running when ksnoop -n 3 exited"
	t_expect_eq 3 "$(calls_of udpconn ip_send_skb | wc -l)" "calls shown with -n 3"
	t_expect_eq 3 "$(values_of udpconn ip_send_skb return | grep -cx '(int)0')" "return lines"
	t_expect_match '^ksnoop: 3 calls shown' "$T_ERR"
	expect_no_ksnoop_bpf
}
t_run count-exit test_count

# --entry: calls shown at entry, so no return value and no duration.
test_entry_only()
{
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 3 100' ksnoop --entry 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_eq 3 "$(calls_of udpconn ip_send_skb | wc -l)" "calls shown with --entry"
	t_expect_eq 3 "$(values_of udpconn ip_send_skb 'skb->len' | grep -cx '(unsigned int)128')" "skb->len lines"
	t_expect_no_match '^    return = '
	t_expect_no_match ' us\)$'
	expect_no_ksnoop_bpf
}
t_run entry-only test_entry_only

# --duration SECS: ksnoop exits by itself, with status 0, after about SECS of tracing.
test_duration()
{
	local t0 t1
	need_kernel_ge $NEED_KVER
	t0=$(date +%s)
	# The workload starts at the attach, when the --duration clock starts too.
	TW_STOP=0 trace_wl 60 'udpconn 2 100' ksnoop --duration 3 'ip_send_skb(skb->len)'
	t1=$(date +%s)
	t_expect_rc 0
	t_expect_eq 2 "$(calls_of udpconn ip_send_skb | wc -l)" "calls within --duration 3"
	# 3 s of tracing plus load and attach (slow under TCG), well short of the timeout.
	[ $((t1 - t0)) -ge 3 ] && [ $((t1 - t0)) -le 40 ] ||
		t_fail "ksnoop --duration 3 ran $((t1 - t0)) s"
	expect_no_ksnoop_bpf
}
t_run duration test_duration

# A char * argument that is a user pointer prints as a quoted C string.
test_string_arg()
{
	local n
	need_kernel_ge $NEED_KVER
	echo data >/tmp/ksnoop-known-path
	trace_wl 60 'openfiles 3 /tmp/ksnoop-known-path' ksnoop 'do_sys_openat2(filename, return)'
	t_expect_rc 0
	n=$(calls_of openfiles do_sys_openat2 | wc -l)
	t_expect_eq 3 "$n" "do_sys_openat2 calls from openfiles"
	t_expect_eq 3 "$(values_of openfiles do_sys_openat2 filename | grep -cx '"/tmp/ksnoop-known-path"')" \
		"filename lines"
	# openfiles opens with no other file open: each open returns fd 3.
	t_expect_eq 3 "$(values_of openfiles do_sys_openat2 return | grep -Ecx '\((long )?(long )?int\)3')" "fd returned"
	expect_no_ksnoop_bpf
}
t_run string-arg test_string_arg

# A char array member (the loopback device's name), one element of it, and an element of
# a char array inside the skb. __dev_queue_xmit sees every datagram sent to 127.0.0.1.
test_char_array()
{
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 2 100' \
		ksnoop '__dev_queue_xmit(skb->dev->name, skb->dev->name[1], skb->cb[0], skb->len)'
	t_expect_rc 0
	t_expect_eq 2 "$(calls_of udpconn __dev_queue_xmit | wc -l)" "__dev_queue_xmit calls"
	# bpf_snprintf_btf's array layout: one element per line, zero elements left out.
	t_expect_eq "$(printf "(char[])[\n 'l',\n 'o',\n]")" \
		"$(printf '%s\n' "$T_OUT" | sed -n '/^    skb->dev->name = /,/^    \]/p' |
		sed '1s/^    skb->dev->name = //; s/^    //' | head -4)" "skb->dev->name"
	# 'o' is 111.
	t_expect_eq "(char)111
(char)111" "$(values_of udpconn __dev_queue_xmit 'skb->dev->name[1]')" "skb->dev->name[1]"
	# The IP layer's control block starts with the input interface index: 0 on output.
	t_expect_eq "(char)0
(char)0" "$(values_of udpconn __dev_queue_xmit 'skb->cb[0]')" "skb->cb[0]"
	# By now the Ethernet header (14 bytes) is pushed: 128 + 14.
	t_expect_eq 2 "$(values_of udpconn __dev_queue_xmit 'skb->len' | grep -cx '(unsigned int)142')" "skb->len"
	# JSON: a char array is a string, a single char a number (0, not "").
	trace_wl 60 'udpconn 2 100' \
		ksnoop -j '__dev_queue_xmit(skb->dev->name, skb->dev->name[1], skb->cb[0])'
	t_expect_rc 0
	t_expect_eq 2 "$(printf '%s\n' "$T_OUT" | grep '"comm":"udpconn"' |
		grep -c '"args":{"skb->dev->name":"lo","skb->dev->name\[1\]":111,"skb->cb\[0\]":0}')" \
		"JSON name, name[1] and cb[0]"
	expect_no_ksnoop_bpf
}
t_run char-array test_char_array

# An unsigned char * that holds a name (a dentry's d_name.name) is an address unless the
# item says ':str'; then it is the string, in text and JSON.
test_str_suffix()
{
	need_kernel_ge $NEED_KVER
	echo data >/tmp/ksnoop-str-name
	trace_wl 60 'openfiles 3 /tmp/ksnoop-str-name' \
		ksnoop -j 'vfs_open(path->dentry->d_name.name:str, path->dentry->d_name.name)'
	t_expect_rc 0
	t_expect_eq 3 "$(printf '%s\n' "$T_OUT" | grep '"comm":"openfiles"' |
		 grep -Ec '"args":\{"path->dentry->d_name.name:str":"ksnoop-str-name","path->dentry->d_name.name":"0x[0-9a-f]+"\}')" \
		"JSON: the string with ':str', the address without"
	expect_no_ksnoop_bpf
}
t_run str-suffix test_str_suffix

# A pointer to a struct is followed: its address, type and members.
test_struct_pointer()
{
	local sk
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 1 5 9999' ksnoop 'ip_send_skb(skb, skb->sk)'
	t_expect_rc 0
	t_expect_eq 1 "$(calls_of udpconn ip_send_skb | wc -l)" "ip_send_skb calls"
	t_expect_match '^    skb = \*\(0xffff[0-9a-f]{12}\) \(struct sk_buff\)\{$'
	t_expect_match '^     \.len = \(unsigned int\)33,$'
	t_expect_match '^    \}$'
	# The skb's .sk member and the followed skb->sk agree on the address (.sk is in an
	# anonymous union, one level deeper, on 5.10).
	sk=$(printf '%s\n' "$T_OUT" | sed -n 's/^ *\.sk = (struct sock \*)\(0x[0-9a-f]*\),$/\1/p')
	[ -n "$sk" ] || t_fail "no .sk member in the skb"
	t_expect_match "^    skb->sk = \\*\\($sk\\) \\(struct sock\\)\\{\$"
	t_expect_match "^        \\.skc_dport = \\(__be16\\)$(be16 9999),\$"
	t_expect_match '^      \.skc_family = \(short unsigned int\)2,$'
	expect_no_ksnoop_bpf
}
t_run struct-pointer test_struct_pointer

# NULL and unreadable values have their own markers: a NULL struct pointer is NULL,
# a pointer that cannot be read is <unreadable at ADDR>.
test_null_unreadable()
{
	need_kernel_ge $NEED_KVER
	echo data >/tmp/ksnoop-known-path
	# A datagram's skb is alone (skb->next NULL) and a plain socket has no filter.
	trace_wl 60 'udpconn 1 100' ksnoop 'ip_send_skb(skb->next, skb->sk->sk_filter, *skb->next)'
	t_expect_rc 0
	t_expect_eq 1 "$(calls_of udpconn ip_send_skb | wc -l)" "ip_send_skb calls"
	t_expect_eq NULL "$(values_of udpconn ip_send_skb 'skb->next')" "skb->next"
	t_expect_eq NULL "$(values_of udpconn ip_send_skb 'skb->sk->sk_filter')" "skb->sk->sk_filter"
	t_expect_eq '<unreadable at 0x0>' "$(values_of udpconn ip_send_skb '*skb->next')" "*skb->next"
	# filename is a user address: one char read from it as kernel memory fails.
	trace_wl 60 'openfiles 1 /tmp/ksnoop-known-path' ksnoop 'do_sys_openat2(*filename)'
	t_expect_rc 0
	t_expect_eq 1 "$(calls_of openfiles do_sys_openat2 | wc -l)" "do_sys_openat2 calls"
	t_expect_match '^    \*filename = <unreadable at 0x[0-9a-f]+>$'
	t_expect_no_match '^    \*filename = <unreadable at 0x0>$'
	expect_no_ksnoop_bpf
}
t_run null-unreadable test_null_unreadable

# pair_env ENV LOAD ARGS...: `ksnoop -vv --backend fentry ARGS` with environment ENV
# (VAR=VALUE) in the background and without it around LOAD (trace_wl), the two tracing
# at once: the second's results in T_OUT, T_ERR, T_RC, the first's outputs in PAIR_OUT and
# PAIR_ERR.
pair_env()
{
	local env=$1 load=$2 bo=/tmp/pair-b.out be=/tmp/pair-b.err
	shift 2
	rm -f "$bo" "$be"
	bg_tracer_or_fail "ksnoop with $env" "$bo" "$be" env "$env" ksnoop -vv --backend fentry \
		"$@" || return 1
	trace_wl 60 "$load" ksnoop -vv --backend fentry "$@"
	kill -INT "$BG_PID"
	wait "$BG_PID"
	t_expect_rc 0
	PAIR_OUT=$(cat "$bo") PAIR_ERR=$(cat "$be")
	rm -f "$bo" "$be"
}

# A plain trace of up to 4 integer members (or arguments) has its records built by the
# fentry stub itself, by direct loads (bpf/fentry.bpf.c fentry_rec_lean()); the capture
# code (KSNOOP_NO_REC_LEAN=1) must show the same calls with the same values and markers.
# Both trace at once, the capture code's in the background; the calls are compared
# without their times and durations. A plain socket has no filter and no reuseport group:
# the last two items meet a NULL pointer at their last step, and one before it.
lean_pair()
{
	pair_env KSNOOP_NO_REC_LEAN=1 "$@" || return
	t_expect_match '^records built by the stub, items by direct \(typed\) loads$' "$T_ERR"
	t_expect_match '^records built by the capture code$' "$PAIR_ERR"
	LEAN_B=$PAIR_OUT
}

# The calls of COMM in tracer output $1, times and durations cut.
lean_calls()
{
	printf '%s\n' "$1" | awk -v comm="$2" '
		/^[0-9:.]+ +[0-9]+ +[0-9]+ +[0-9]+ / { cur = ($5 == comm); sub(/^[0-9:.]+ +/, "");
			sub(/ \([0-9.]+ [mun]?s\)$/, "") }
		cur'
}

test_rec_lean()
{
	local spec a b
	need_kernel_ge 6.1
	spec='ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport, skb->sk->sk_reuseport_cb->num_socks,'
	spec="$spec skb->sk->sk_filter->prog->len)"
	lean_pair 'udpconn 3 100 9999' "$spec" || return
	a=$(lean_calls "$T_OUT" udpconn) b=$(lean_calls "$LEAN_B" udpconn)
	t_expect_eq 3 "$(calls_of udpconn ip_send_skb | wc -l)" "ip_send_skb calls"
	t_expect_eq "128 128 128" "$(values_of udpconn ip_send_skb 'skb->len' |
		sed 's/^(unsigned int)//' | tr '\n' ' ' | sed 's/ $//')" "skb->len"
	t_expect_eq "$(be16 9999)" "$(values_of udpconn ip_send_skb \
		'skb->sk->__sk_common.skc_dport' | sed 's/^(__be16)//' | sort -u)" "the port"
	# at the member's offset past the NULL pointer, not 0
	t_expect_match '^    skb->sk->sk_reuseport_cb->num_socks = <unreadable at 0x[1-9a-f][0-9a-f]*>$'
	t_expect_match '^    skb->sk->sk_filter->prog->len = <unreadable at 0x0>$'
	t_expect_eq "$b" "$a" "the stub's calls against the capture code's"
	# the return value as an item, in the return's record
	lean_pair 'udpconn 2 300 12345' 'ip_send_skb(return, skb->len)' || return
	a=$(lean_calls "$T_OUT" udpconn) b=$(lean_calls "$LEAN_B" udpconn)
	t_expect_eq "0 0" "$(values_of udpconn ip_send_skb return | sed 's/^(int)//' |
		tr '\n' ' ' | sed 's/ $//')" "return values"
	t_expect_eq "$b" "$a" "the stub's calls against the capture code's, with the return"
	# --entry, and an argument itself (an enum in a register)
	lean_pair 'sleepfor 10; sleepfor 20' --entry 'do_nanosleep(mode)' || return
	a=$(lean_calls "$T_OUT" sleepfor) b=$(lean_calls "$LEAN_B" sleepfor)
	t_expect_eq 2 "$(calls_of sleepfor do_nanosleep | wc -l)" "do_nanosleep calls"
	t_expect_match '^    mode = \(enum hrtimer_mode\)HRTIMER_MODE_REL'
	t_expect_eq "$b" "$a" "the stub's calls against the capture code's, --entry"
	expect_no_ksnoop_bpf
}
t_run rec-lean test_rec_lean

# With returns the stub sends one record per call: the entry's kept in a slot its
# trampoline frame chooses, sent with the return's (bpf/fentry.bpf.c
# fentry_rec_lean()). A call whose slot another call in progress holds takes the
# two-record path, paired by thread: with one slot (KSNOOP_FRAME_SLOTS=1)
# hrtimer_nanosleep holds it while the do_nanosleep it calls takes that path, and two
# sleepers at once do the same. Both must show what the capture code shows. A call in
# flight at the stop is kept by the BPF program only: ksnoop reads it back, and shows it
# as the capture code does, in text and in JSON; with its return lost if its thread
# exited (do_exit).
# Records a tracer's stderr $1 says were lost (0 if none).
lost_records()
{
	local n
	n=$(printf '%s\n' "$1" | sed -n 's/.*calls shown, \([0-9]*\) records lost.*/\1/p')
	echo "${n:-0}"
}

test_rec_frame()
{
	local a b load la lb
	need_kernel_ge 6.1
	need_cmd jq
	lean_pair 'udpconn 3 100 9999' 'ip_send_skb(skb->len, return)' || return
	t_expect_match '^fentry: one record per call, the entry kept by its trampoline frame \(1024 slots\)$' \
		"$T_ERR"
	t_expect_eq 3 "$(calls_of udpconn ip_send_skb | wc -l)" "ip_send_skb calls"
	t_expect_eq "$(lean_calls "$LEAN_B" udpconn)" "$(lean_calls "$T_OUT" udpconn)" \
		"one record per call against the capture code's two"
	export KSNOOP_FRAME_SLOTS=1
	lean_pair 'sleepfor 300 & sleepfor 20; wait' 'hrtimer_nanosleep(mode)' \
		'do_nanosleep(mode)' || return
	unset KSNOOP_FRAME_SLOTS
	t_expect_match '^fentry: one record per call, the entry kept by its trampoline frame \(1 slot\)$' \
		"$T_ERR"
	a=$(lean_calls "$T_OUT" sleepfor | grep -E ' (hrtimer_nanosleep|do_nanosleep)$' | sort)
	b=$(lean_calls "$LEAN_B" sleepfor | grep -E ' (hrtimer_nanosleep|do_nanosleep)$' | sort)
	la=$(lost_records "$T_ERR") lb=$(lost_records "$PAIR_ERR")
	if [ "$((la + lb))" = 0 ]; then
		t_expect_eq 4 "$(printf '%s\n' "$a" | grep -c .)" "sleepfor's calls, one slot"
		t_expect_eq 2 "$(printf '%s\n' "$a" | grep -c ' do_nanosleep$')" \
			"sleepfor's do_nanosleep calls, one slot"
		t_expect_eq "$b" "$a" "one slot: the calls against the capture code's"
	else
		# Runs the kernel skipped (recursion: on 7.x a run preempted, then another
		# task's, on one CPU) cost up to a call each, on either side (seen once
		# on the capture code's side, 7.2): the calls one side shows and the other
		# does not are at most the other's lost records.
		[ "$(printf '%s\n' "$a" | grep -c .)" -ge $((4 - la)) ] ||
			t_fail "one slot: $(printf '%s\n' "$a" | grep -c .) sleepfor calls, $la records lost"
		[ "$(printf '%s\n' "$a" | grep -cvxF -e "$b")" -le "$lb" ] ||
			t_fail "one slot: calls the capture code did not show ($lb records lost): $a; capture code: $b"
		[ "$(printf '%s\n' "$b" | grep -cvxF -e "$a")" -le "$la" ] ||
			t_fail "one slot: calls only the capture code showed ($la records lost): $b; lean: $a"
	fi
	# in flight at the stop: kept in its slot, read back
	load="$ASLEEP"'
		sleepfor 600000 & s=$!; asleep $s; echo $s >/tmp/sleeper'
	lean_pair "$load" 'do_nanosleep(mode, return)' || return
	kill "$(cat /tmp/sleeper)"
	a=$(lean_calls "$T_OUT" sleepfor) b=$(lean_calls "$LEAN_B" sleepfor)
	# (a run the kernel skipped, as above, may have taken the sleeper's call)
	if [ $(($(lost_records "$T_ERR") + $(lost_records "$PAIR_ERR"))) = 0 ]; then
		t_expect_eq 1 "$(printf '%s\n' "$a" | grep -c 'sleepfor  *do_nanosleep (in flight: tracing stopped before it returned)$')" \
			"the sleeper's call shown in flight"
		t_expect_eq "$b" "$a" "in flight: the calls against the capture code's"
	fi
	# Five, one after the other: shown in the order their calls began, not in their
	# slots' (by frame address), which one time in 120 is that order anyway.
	load="$ASLEEP"'
		: >/tmp/sleeper
		for i in 1 2 3 4 5; do
			sleepfor 600000 & s=$!; asleep $s; echo $s >>/tmp/sleeper
		done'
	trace_wl 60 "$load" ksnoop -j --backend fentry 'do_nanosleep(mode, return)'
	kill $(cat /tmp/sleeper)
	t_expect_rc 0
	[ "$(lost_records "$T_ERR")" != 0 ] ||
		t_expect_eq "$(tr '\n' ' ' </tmp/sleeper)" "$(printf '%s\n' "$T_OUT" |
			grep '"comm":"sleepfor"' | grep '"in_flight":true' | jq -r .pid | tr '\n' ' ')" \
			"the sleepers' calls in flight, JSON, in the order they began"
	t_expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '"in_flight":true')" \
		"$(printf '%s\n' "$T_OUT" | jq -s 'map(select(.type == "summary"))[0].in_flight')" \
		"calls shown in flight vs summary in_flight"
	# The same with one slot and two functions: the first sleeper's hrtimer_nanosleep
	# holds the slot, every other call waits in ksnoop's pairer (by thread, deepest
	# first); the two kinds still come out together in the order the calls began.
	trace_wl 60 "$load" env KSNOOP_FRAME_SLOTS=1 ksnoop -j --backend fentry \
		'hrtimer_nanosleep(mode)' 'do_nanosleep(mode)'
	kill $(cat /tmp/sleeper)
	t_expect_rc 0
	[ "$(lost_records "$T_ERR")" != 0 ] ||
		t_expect_eq "$(for s in $(cat /tmp/sleeper); do
			printf '%s hrtimer_nanosleep %s do_nanosleep ' "$s" "$s"; done)" \
			"$(printf '%s\n' "$T_OUT" | grep '"comm":"sleepfor"' | grep '"in_flight":true' |
				jq -r '"\(.pid) \(.func)"' | tr '\n' ' ')" \
			"one slot: the sleepers' calls in flight, held and paired, in the order they began"
	rm -f /tmp/sleeper
	# A call that never returns: its entry stays kept, and its thread is gone, so it
	# is shown with its return lost, as the capture code shows it: at the stop, or
	# when a later thread, given the dead one's stack, calls the function at the same
	# frame address (most of 300 exits in a row on 6.1), which once counted the entry
	# lost. Thirty exits in a row, then: before 6.4 the verifier takes an fexit
	# program on do_exit (later: noreturn_deny); on every kernel, get_signal() of
	# sleepers killed one after another.
	if ! kver_ge 6.4; then
		gone_calls 'for i in $(seq 30); do sleepfor 1; done' do_exit 'do_exit(code)' ||
			return
	fi
	gone_calls "$ASLEEP"'
		for i in $(seq 30); do
			sleepfor 600000 & s=$!; asleep $s; kill -9 $s; wait $s
		done' get_signal 'get_signal(ksig->sig)' || return
	expect_no_ksnoop_bpf
}

# gone_calls LOAD FUNC SPEC: 30 calls of FUNC by sleepfor in LOAD, each ended by its
# thread's exit, shown with their return lost by both sides, none lost.
gone_calls()
{
	local a b
	lean_pair "$1" "$3" || return
	a=$(lean_calls "$T_OUT" sleepfor | grep -v '^ ' | sort)
	b=$(lean_calls "$LEAN_B" sleepfor | grep -v '^ ' | sort)
	t_expect_eq 30 "$(printf '%s\n' "$a" | grep -c "sleepfor  *$2 (return lost)\$")" \
		"sleepfor's $2 calls shown with their return lost"
	t_expect_eq 0 "$(lost_records "$T_ERR")" "$2: records lost"
	t_expect_eq "$b" "$a" "$2: the calls against the capture code's"
}
t_run rec-frame test_rec_frame

# stub_pair CASE N LOAD ARGS...: the fentry stub's programs for case CASE (entry and
# exit) and the generic ones trace ARGS at once around LOAD (pair_env); both show the
# same N ip_send_skb calls of udpconn, with the same values.
stub_pair()
{
	local c=$1 n=$2 a b side
	shift 2
	pair_env KSNOOP_NO_STUB_CASES=1 "$@" || return 1
	for side in entry exit; do
		t_expect_match "^$side stub: ksnoop_${side}_$c \\(stub bits " "$T_ERR"
		t_expect_match "^$side stub: ksnoop_$side \\(stub bits " "$PAIR_ERR"
	done
	a=$(lean_calls "$T_OUT" udpconn) b=$(lean_calls "$PAIR_OUT" udpconn)
	t_expect_eq "$n" "$(calls_of udpconn ip_send_skb | wc -l)" "ip_send_skb calls, $c"
	t_expect_eq "$b" "$a" "the $c program's calls against the generic one's"
}

# The fentry stub's programs for common settings (include/ksnoop.h KSNOOP_STUB_CASES())
# and the generic ones, which read the settings at run time (KSNOOP_NO_STUB_CASES=1),
# show the same calls with the same values: -c NAME, with records built by the capture
# code (a whole struct) and by the stub (one record per call, and two), and a typed
# entry predicate.
test_stub_cases()
{
	need_kernel_ge 6.1
	stub_pair comm_gate 3 'udpconn 3 100 9999' -c udpconn 'ip_send_skb(skb)' || return
	stub_pair rec_comm_fr 3 'udpconn 3 100 9999' -c udpconn \
		'ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport)' || return
	# the two-record path's case (no frame slots)
	export KSNOOP_FRAME_SLOTS=0
	stub_pair rec_comm 3 'udpconn 3 100 9999' -c udpconn \
		'ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport)'
	unset KSNOOP_FRAME_SLOTS
	stub_pair pred_gate 2 'udpconn 2 100 9999; udpconn 2 300 9999' \
		'ip_send_skb(skb->len > 200)' || return
	expect_no_ksnoop_bpf
}
t_run stub-cases test_stub_cases

# kill -9 leaves nothing behind: links belong to ksnoop's file descriptors, and the
# kernel drops them (and then the programs) when the process dies.
test_kill9_leftovers()
{
	local pid ids links left
	need_kernel_ge $NEED_KVER
	bg_tracer /tmp/ksnoop-kill9.out /tmp/ksnoop-kill9.err ksnoop 'ip_send_skb(skb->len)'
	pid=$BG_PID
	t_cmd cat /tmp/ksnoop-kill9.err
	t_expect_match 'attached'
	# While it runs, its programs and links are visible (the check below can fail).
	ids=$(bpftool -j prog show | jq -r '.[] | select(.name | startswith("ksnoop")) | .id')
	[ -n "$ids" ] || t_fail "no ksnoop program loaded while ksnoop runs"
	links=$(bpftool -j link show | jq -r '.[].prog_id' | grep -Fx "$ids" | wc -l)
	# Before 5.15 perf kprobes (the kprobe backend) have no BPF links: they are kprobes.
	[ "$links" -ge 1 ] || grep -q ' ip_send_skb+' /sys/kernel/debug/kprobes/list 2>/dev/null ||
		t_fail "no link to a ksnoop program (nor a kprobe) while ksnoop runs"
	kill -9 "$pid"
	wait "$pid"
	# Freeing is deferred (RCU): give the kernel a moment.
	for i in $(seq 50); do
		left=$(bpftool -j prog show | jq -r '.[] | select(.name | startswith("ksnoop")) | .id')
		[ -z "$left" ] && break
		sleep 0.2
	done
	[ -z "$left" ] || t_fail "programs left after kill -9: $left"
	links=$(bpftool -j link show | jq -r '.[].prog_id' | grep -Fx "$ids" | wc -l)
	t_expect_eq 0 "$links" "links to ksnoop programs after kill -9"
	t_expect_no_match ' ip_send_skb\+' "$(cat /sys/kernel/debug/kprobes/list 2>/dev/null)"
	rm -f /tmp/ksnoop-kill9.out /tmp/ksnoop-kill9.err
}
t_run kill9-leftovers test_kill9_leftovers
