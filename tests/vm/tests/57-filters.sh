# Kernel-side filters (issue 11 items 3-5): -c/--comm, --cgroup, string predicates
# (== != ~ on char * and char[N]), --slower-than and --errors. Each test runs workloads
# that should and should not pass the filter and counts exactly what comes out: with a
# filter on, no other process of the VM may show up either.
# Sourced by suite.sh with lib.sh loaded; each t_run is one test.

# Every lab kernel traces (5.10 through the kprobe backend).
NEED_KVER=5.10

# Call header lines in $T_OUT, of any process and function.
all_calls()
{
	printf '%s\n' "$T_OUT" | grep -E '^[0-9:.]+ +[0-9]+ +[0-9]+ +[0-9]+ '
}

# The same workload under a second name: a task's comm is the name it was exec'd as.
other_opener()
{
	cp "$(command -v openfiles)" /tmp/wl-other
	echo data >/tmp/ksnoop-filter-a
	echo data >/tmp/ksnoop-filter-b
}

test_comm()
{
	need_kernel_ge $NEED_KVER
	other_opener
	trace_wl 60 'openfiles 2 /tmp/ksnoop-filter-a; /tmp/wl-other 3 /tmp/ksnoop-filter-a' \
		ksnoop -c openfiles 'do_sys_openat2(filename)'
	t_expect_rc 0
	t_expect_eq 2 "$(calls_of openfiles do_sys_openat2 | wc -l)" "calls from openfiles"
	t_expect_eq 2 "$(all_calls | wc -l)" "calls in all (-c openfiles)"
	# A glob, and two names.
	trace_wl 60 'openfiles 2 /tmp/ksnoop-filter-a; /tmp/wl-other 3 /tmp/ksnoop-filter-a' \
		ksnoop --comm 'wl-*' 'do_sys_openat2(filename)'
	t_expect_rc 0
	t_expect_eq 3 "$(calls_of wl-other do_sys_openat2 | wc -l)" "calls from wl-other"
	t_expect_eq 3 "$(all_calls | wc -l)" "calls in all (-c 'wl-*')"
	trace_wl 60 'openfiles 2 /tmp/ksnoop-filter-a; /tmp/wl-other 3 /tmp/ksnoop-filter-a' \
		ksnoop -c wl-other -c 'open[f]ile?' 'do_sys_openat2(filename)'
	t_expect_rc 0
	t_expect_eq 5 "$(all_calls | wc -l)" "calls in all (two -c)"
	t_expect_eq 3 "$(calls_of wl-other do_sys_openat2 | wc -l)" "calls from wl-other (two -c)"
	# A glob whose prefix matches and whose pattern does not, then a name that matches:
	# the kernel's quick test hands over to the full one, which must look at the name.
	trace_wl 60 'openfiles 2 /tmp/ksnoop-filter-a; /tmp/wl-other 3 /tmp/ksnoop-filter-a' \
		ksnoop -c 'open*zz' -c openfiles 'do_sys_openat2(filename)'
	t_expect_rc 0
	t_expect_eq 2 "$(calls_of openfiles do_sys_openat2 | wc -l)" "calls from openfiles (glob, name)"
	t_expect_eq 2 "$(all_calls | wc -l)" "calls in all (glob, name)"
	# One name alone is compared as two words by the stub itself (KSNOOP_SB_COMM1), with
	# --entry too: a comm that differs only in its second word is left out.
	trace_wl 60 'openfiles 2 /tmp/ksnoop-filter-a; /tmp/wl-other 3 /tmp/ksnoop-filter-a' \
		ksnoop --entry -c openfiles 'do_sys_openat2(filename)'
	t_expect_rc 0
	t_expect_eq 2 "$(all_calls | wc -l)" "calls in all (--entry -c openfiles)"
	trace_wl 60 'openfiles 2 /tmp/ksnoop-filter-a' ksnoop --entry -c openfilez 'do_sys_openat2'
	t_expect_rc 0
	t_expect_eq 0 "$(all_calls | wc -l)" "calls in all (--entry -c openfilez)"
}
t_run comm test_comm

# The unified hierarchy, mounted if the VM's init did not.
cgroup2_root()
{
	local root=/sys/fs/cgroup
	if ! grep -q "^[^ ]* $root cgroup2 " /proc/mounts; then
		mkdir -p $root
		mount -t cgroup2 none $root 2>/dev/null || return 1
	fi
	echo $root
}

test_cgroup()
{
	local root
	need_kernel_ge $NEED_KVER
	root=$(cgroup2_root) || t_skip "cannot mount cgroup2"
	other_opener
	mkdir -p "$root/ksnoop-t/sub"
	# 2 opens in the cgroup, 3 in a cgroup below it (counted), 4 outside it.
	trace_wl 60 "sh -c 'echo \$\$ >$root/ksnoop-t/cgroup.procs; exec openfiles 2 /tmp/ksnoop-filter-a';
		sh -c 'echo \$\$ >$root/ksnoop-t/sub/cgroup.procs; exec /tmp/wl-other 3 /tmp/ksnoop-filter-a';
		openfiles 4 /tmp/ksnoop-filter-a" \
		ksnoop --cgroup "$root/ksnoop-t" 'do_sys_openat2(filename)'
	t_expect_rc 0
	t_expect_eq 2 "$(calls_of openfiles do_sys_openat2 | wc -l)" "calls from openfiles in the cgroup"
	t_expect_eq 3 "$(calls_of wl-other do_sys_openat2 | wc -l)" "calls from the cgroup below"
	# Only do_sys_openat2 of those: the shell's own (echo's redirection) counts too.
	t_expect_no_match ' (sh|busybox) ' "$(all_calls | grep -v ' (openfiles|wl-other) ')"
	rmdir "$root/ksnoop-t/sub" "$root/ksnoop-t" 2>/dev/null
	# A directory that is not a cgroup v2 one is refused, named.
	t_cmd ksnoop --cgroup /tmp 'do_sys_openat2'
	t_expect_rc 2
	t_expect_match "^ksnoop: '/tmp' is not a cgroup v2 directory$" "$T_ERR"
}
t_run cgroup test_cgroup

# calls_with N WORKLOAD KSNOOP-ARGS...: tracing WORKLOAD shows exactly N calls in all.
calls_with()
{
	local n=$1 wl=$2
	shift 2
	trace_wl 60 "$wl" ksnoop "$@"
	t_expect_rc 0
	t_expect_eq "$n" "$(all_calls | wc -l)" "calls with $*"
}

# do_sys_openat2's filename is a user pointer: the string predicate reads it from user
# memory, in the kernel, and compares it there.
test_string_predicates()
{
	local wl='openfiles 2 /tmp/ksnoop-filter-a; openfiles 3 /tmp/ksnoop-filter-b'
	need_kernel_ge $NEED_KVER
	other_opener
	calls_with 2 "$wl" -c openfiles 'do_sys_openat2(filename == "/tmp/ksnoop-filter-a", return)'
	t_expect_eq 2 "$(values_of openfiles do_sys_openat2 filename | grep -cx '"/tmp/ksnoop-filter-a"')" "== a"
	calls_with 3 "$wl" -c openfiles 'do_sys_openat2(filename != "/tmp/ksnoop-filter-a")'
	t_expect_eq 3 "$(values_of openfiles do_sys_openat2 filename | grep -cx '"/tmp/ksnoop-filter-b"')" "!= a"
	# Globs, and an escape (\x2f is '/').
	calls_with 5 "$wl" -c openfiles 'do_sys_openat2(filename ~ "\x2ftmp/ksnoop-filter-*")'
	calls_with 3 "$wl" -c openfiles 'do_sys_openat2(filename ~ "*-[b-z]")'
	calls_with 0 "$wl" -c openfiles 'do_sys_openat2(filename ~ "/etc/*")'
	# A char[N] member: the loopback device's name.
	calls_with 2 'udpconn 2 100' -c udpconn '__dev_queue_xmit(skb->dev->name == "lo", skb->len)'
	calls_with 0 'udpconn 2 100' -c udpconn '__dev_queue_xmit(skb->dev->name ~ "eth*", skb->len)'
}
t_run string-predicates test_string_predicates

# typed_same N SPEC...: udpconn's 2 datagrams of 100 bytes through lo show exactly N
# __dev_queue_xmit calls with the fentry backend, whose stub decides SPEC's predicate by
# direct loads (it says so with -vv), and the same N with the kprobe backend, which
# decides it through the plan.
typed_same()
{
	local n=$1 b
	shift
	for b in $TYPED_BACKENDS; do
		calls_with "$n" 'udpconn 2 100' -vv --backend "$b" -c udpconn "$@"
		[ "$b" != fentry ] ||
			t_expect_match '^entry predicate by direct \(typed\) loads$' "$T_ERR"
	done
}

# typed_alone N [OPTION] SPEC: as typed_same, with the fentry backend and no -c; N calls
# of udpconn's.
typed_alone()
{
	local n=$1
	shift
	trace_wl 60 'udpconn 2 100' ksnoop -vv --backend fentry "$@"
	t_expect_rc 0
	t_expect_match '^entry predicate by direct \(typed\) loads$' "$T_ERR"
	t_expect_eq "$n" "$(calls_of udpconn __dev_queue_xmit | wc -l)" "udpconn's calls with $*"
}

# The fentry backend's typed entry predicate (src/filter.c filter_typed_pred()) against
# the kprobe backend's plan: char[N] == and != (lo's name), integer members (a datagram
# of 100 bytes is 142 on lo; ifindex is an int: lo's is 1, above -1 only when compared
# signed), and a NULL pointer on the way (lo has no phydev), which fails the predicate
# whatever the operator. Only per-function fentry types the program's context: 7.x's
# auto backend is the multi link, hence --backend.
test_typed_predicates()
{
	local b
	need_kernel_ge $NEED_KVER
	backends_here | grep -qx fentry || t_skip "no fentry backend here"
	local TYPED_BACKENDS='fentry kprobe'
	typed_same 2 '__dev_queue_xmit(skb->dev->name == "lo", skb->len)'
	t_expect_eq 2 "$(values_of udpconn __dev_queue_xmit 'skb->len' | grep -cxF '(unsigned int)142')" "skb->len"
	typed_same 2 '__dev_queue_xmit(skb->len == 142, skb->dev->name == "lo")'
	typed_same 2 '__dev_queue_xmit(skb->dev->ifindex > -1)'
	typed_same 0 '__dev_queue_xmit(skb->dev->phydev->speed == 0)'
	# The rest with the fentry backend alone (the suite's time budget): the plan's side
	# of these is the string predicates test's.
	TYPED_BACKENDS=fentry
	typed_same 0 '__dev_queue_xmit(skb->dev->name != "lo")'
	typed_same 0 '__dev_queue_xmit(skb->dev->name == "eth9")'
	typed_same 0 '__dev_queue_xmit(skb->len > 100000)'
	typed_same 0 '__dev_queue_xmit(skb->dev->phydev->speed != 0)'
	# Globs of a prefix or of an exact string are compared as words too.
	typed_same 2 '__dev_queue_xmit(skb->dev->name ~ "l*")'
	typed_same 2 '__dev_queue_xmit(skb->dev->name ~ "lo*")'
	typed_same 0 '__dev_queue_xmit(skb->dev->name ~ "lo0*")'
	typed_same 2 '__dev_queue_xmit(skb->dev->name ~ "lo")'
	typed_same 0 '__dev_queue_xmit(skb->dev->name ~ "l")'
	# Any other glob keeps the plan's matcher.
	calls_with 2 'udpconn 2 100' -vv --backend fentry -c udpconn \
		'__dev_queue_xmit(skb->dev->name ~ "?o")'
	t_expect_match '^entry predicate by probe-read loads$' "$T_ERR"
	# Without a task filter the stub has a copy of its own for each kind of typed
	# predicate (bpf/fentry.bpf.c fentry_stub()): udpconn's calls, whatever else runs.
	typed_alone 2 '__dev_queue_xmit(skb->dev->name == "lo", skb->len)'
	typed_alone 0 '__dev_queue_xmit(skb->dev->name != "lo", skb->len)'
	typed_alone 2 '__dev_queue_xmit(skb->dev->name ~ "lo*", skb->len)'
	typed_alone 0 '__dev_queue_xmit(skb->len > 100000)'
	typed_alone 2 --entry '__dev_queue_xmit(skb->len == 142)'
	typed_alone 2 --entry '__dev_queue_xmit(skb->dev->name != "eth0")'
	# Calls nested in a shown one and rejected: on lo, the SYN-ACK and the ACKs go out
	# from the softirq that runs inside the data segment's or the SYN's __dev_queue_xmit.
	# Each shown call (the 100-byte segment: 166 bytes) keeps its own return.
	for b in fentry kprobe; do
		calls_with 3 'tcpconn 3' --backend "$b" -c tcpconn '__dev_queue_xmit(skb->len > 100)'
		t_expect_eq 3 "$(calls_of tcpconn '__dev_queue_xmit \([0-9.]+ us\)$' | wc -l)" \
			"$b: shown calls paired"
	done
}
t_run typed-predicates test_typed_predicates

# The first predicate rejects a call before anything is copied (a string one on its
# first 8 bytes): the calls traced inside a rejected one, and the ones around it, keep
# their returns. do_filp_open() (do_file_open() on 7.x) runs inside do_sys_openat2();
# its pathname->name is a kernel string, do_sys_openat2's filename a user one.
# rejected_nesting [--backend NAME]: the cases below with ksnoop's options.
rejected_nesting()
{
	local wl='openfiles 2 /tmp/ksnoop-filter-a; openfiles 3 /tmp/ksnoop-filter-b' fo=do_filp_open
	grep -q ' do_file_open$' /proc/kallsyms && fo=do_file_open
	echo data >/tmp/ksnoop-filter-a
	echo data >/tmp/ksnoop-filter-b
	# Rejected outside, shown inside: 5 $fo calls, each paired with its return (the
	# header then shows the call's duration).
	calls_with 5 "$wl" "$@" -c openfiles 'do_sys_openat2(filename ~ "/etc/*")' "$fo(dfd)"
	t_expect_eq 5 "$(calls_of openfiles "$fo \([0-9.]+ us\)\$" | wc -l)" "$fo calls paired"
	# Shown outside, rejected inside (by its prefix, and by its whole string).
	calls_with 5 "$wl" "$@" -c openfiles 'do_sys_openat2(filename)' \
		"$fo(pathname->name == \"/nomatch\")"
	t_expect_eq 5 "$(calls_of openfiles 'do_sys_openat2 \([0-9.]+ us\)$' | wc -l)" \
		"do_sys_openat2 calls paired (prefix rejects inside)"
	calls_with 7 "$wl" "$@" -c openfiles 'do_sys_openat2(filename)' \
		"$fo(pathname->name == \"/tmp/ksnoop-filter-a\")"
	t_expect_eq 2 "$(calls_of openfiles "$fo \([0-9.]+ us\)\$" | wc -l)" "$fo calls of file a"
	t_expect_eq 5 "$(calls_of openfiles 'do_sys_openat2 \([0-9.]+ us\)$' | wc -l)" \
		"do_sys_openat2 calls paired (whole string rejects inside)"
}

test_rejected_nesting()
{
	need_kernel_ge $NEED_KVER
	rejected_nesting
}
t_run rejected-nesting test_rejected_nesting

# The same through a kprobe.session link, where a rejected entry keeps no state and
# the kernel skips its return run.
test_rejected_nesting_session()
{
	ksnoop_features | grep -q '^kprobe_session: yes$' || t_skip "no kprobe.session links here"
	rejected_nesting --backend kprobe-multi
}
t_run rejected-nesting-session test_rejected_nesting_session

# The gate (busy_threads, lib.sh): while no thread has a call in progress that the entry
# predicates kept, a rejected entry keeps nothing and every return returns at once. One
# read (gate_opens_load: a dd blocked on a FIFO) is rejected, the gate closed; another is
# shown, which opens it; the first returns while the second blocks: its return, whose
# entry kept nothing, must not be shown or paired; the second is shown once, with its
# return. The count: 1 while the second blocks, 0 after. Per backend. Not on 5.10: its
# kretprobes lose the return of the second of two blocked calls in one function.
test_gate_opens()
{
	local b
	need_kernel_ge 5.17
	for b in auto $(loop_backends); do
		rm -f /tmp/gate-open /tmp/gate-closed
		trace_wl 180 "$(gate_opens_load /tmp/gate-open /tmp/gate-closed)" \
			ksnoop -j --backend "$b" 'vfs_read(count == 12345, return)'
		t_expect_rc 0
		expect_jq '[.[] | select(.type == "call")] | length == 1 and
			.[0].comm == "dd" and .[0].ret == 1 and .[0].duration_ns > 0' \
			"$b: one call, the read of 12345 bytes, returned with the byte written"
		expect_jq '[.[] | select(.type == "summary")] | length == 1 and
			all(.lost == .lost_by_reason.recursion and .unpaired == 0 and .in_flight == 0 and
			.return_lost == 0)' \
			"$b: nothing lost (but runs the kernel skipped), unpaired or in flight"
		busy_count /tmp/gate-open "$b: while the read of 12345 bytes blocks" 1
		# A run the kernel skipped (recursion: another reader's, on a busy host) may be
		# a return that leaves its thread counted (only slower, by design).
		[ "$(printf '%s\n' "$T_OUT" | jq -s '[.[] | select(.type == "summary")][0].lost')" != 0 ] ||
			busy_count /tmp/gate-closed "$b: after it" 0
		expect_no_leftovers "$b"
	done
}
t_run gate-opens test_gate_opens

# The return of a call that sleeps a known time: hrtimer_nanosleep() under nanosleep().
# The 10 and 20 ms sleeps are shown only if a loaded host stretched them past 500 ms as
# the sleeper measured them (`sleepfor -t`): the traced call lies within that time.
test_slower_than()
{
	local us n slept=/tmp/ksnoop-slept nlong
	need_kernel_ge $NEED_KVER
	rm -f $slept
	# Not t_trace: its busybox timeout's sleeps would hold 5.10's one kretprobe instance.
	t_trace_nosleep "sleepfor -t 10 >>$slept; sleepfor -t 1200 >>$slept; sleepfor -t 20 >>$slept" \
		ksnoop -c sleepfor --slower-than 500ms 'hrtimer_nanosleep'
	t_expect_rc 0
	nlong=$(awk '$1 == "slept" && $2 >= 500000000 { n++ } END { print n + 0 }' $slept)
	n=$(calls_of sleepfor hrtimer_nanosleep | wc -l)
	[ "$n" -ge 1 ] && [ "$n" -le "$nlong" ] ||
		t_fail "calls slower than 500ms: $n, expected 1..$nlong (sleeps of 500 ms or more measured)"
	us=$(calls_of sleepfor hrtimer_nanosleep | sed -n 's/.*(\([0-9]*\)\.[0-9]* us).*/\1/p' |
		sort -n | tail -1)
	[ -n "$us" ] && [ "$us" -ge 1200000 ] || t_fail "the slow call took $us us, expected >= 1200000"
	t_expect_match "ksnoop: $n calls? shown" "$T_ERR"
}
t_run slower-than test_slower_than

test_errors()
{
	need_kernel_ge $NEED_KVER
	echo data >/tmp/ksnoop-filter-a
	rm -f /tmp/ksnoop-no-such-file
	trace_wl 60 'openfiles 2 /tmp/ksnoop-filter-a; openfiles 1 /tmp/ksnoop-no-such-file;
		openfiles 1 /tmp/ksnoop-no-such-file' \
		ksnoop -c openfiles --errors 'do_sys_openat2(filename)'
	t_expect_rc 0
	t_expect_eq 2 "$(all_calls | wc -l)" "failed calls"
	t_expect_eq 2 "$(calls_of openfiles 'do_sys_openat2 \([0-9.]+ us\) = -2 ENOENT$' | wc -l)" \
		"failed calls with their errno"
	t_expect_eq 2 "$(values_of openfiles do_sys_openat2 filename | grep -cx '"/tmp/ksnoop-no-such-file"')" \
		"the missing file's name"
	trace_wl 60 'openfiles 2 /tmp/ksnoop-filter-a; openfiles 1 /tmp/ksnoop-no-such-file' \
		ksnoop -j -c openfiles --errors 'do_sys_openat2(filename)'
	t_expect_rc 0
	t_expect_eq 1 "$(printf '%s\n' "$T_OUT" | grep '"type":"call"' |
		grep -c '"args":{"filename":"/tmp/ksnoop-no-such-file"},"ret":-2,"errno":"ENOENT"')" \
		"JSON: ret and errno"
	t_expect_eq 1 "$(printf '%s\n' "$T_OUT" | grep -c '"type":"call"')" "JSON: only the failed call"
}
t_run errors test_errors
