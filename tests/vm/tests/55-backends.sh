# The backend matrix: every backend this kernel has (`ksnoop features`) gives the same
# values. A compact set per backend (items and a return value, a predicate, a string,
# JSON, a glob, lost accounting), then one workload traced by each backend in turn and
# the records compared field by field. The other test files run with whatever the auto
# choice picks; this one forces each backend with --backend.
# Sourced by suite.sh with lib.sh loaded; each t_run is one test.

TW_WAIT=1200

# The summary line names BACKEND and N attached functions (N may be a regex).
bk_attached()
{
	t_expect_match "^ksnoop: attached $2 functions? in [0-9.]+ s \\($1\\)" "$T_ERR"
}

# The compact set for one backend.
check_backend()
{
	local b=$1 port=9999 n sent lost calls in_flight unpaired unread return_lost runs got what

	# Items: a member, a pointer chain, the return value (JSON).
	trace_wl 120 "udpconn 3 100 $port" \
		ksnoop -j --backend "$b" 'ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport, return)'
	t_expect_rc 0
	bk_attached "$b" 1
	expect_jq "$(calls udpconn ip_send_skb) | length == 3 and
		all(.args[\"skb->len\"] == 128 and
		    .args[\"skb->sk->__sk_common.skc_dport\"] == $(be16 $port) and .ret == 0)" \
		"$b: 3 calls, skb->len 128, port, ret 0"

	# A predicate keeps only the calls where it holds (text output).
	trace_wl 120 'udpconn 2 50; udpconn 3 100' \
		ksnoop --backend "$b" 'ip_send_skb(skb->len == 128, return)'
	t_expect_rc 0
	t_expect_eq 3 "$(calls_of udpconn ip_send_skb | wc -l)" "$b: calls with skb->len == 128"

	# A user string argument, and a return value that is a file descriptor.
	echo data >/tmp/ksnoop-bk-path
	trace_wl 120 'openfiles 2 /tmp/ksnoop-bk-path' \
		ksnoop -j --backend "$b" 'do_sys_openat2(filename, return)'
	t_expect_rc 0
	expect_jq "$(calls openfiles do_sys_openat2) | length == 2 and
		all(.args.filename == \"/tmp/ksnoop-bk-path\" and .ret == 3)" "$b: filename and fd"

	# A glob: tcp_v4_ functions called by tcpconn ($TCP_FEW, lib.sh), with argument values.
	trace_wl 300 'tcpconn 2' ksnoop --backend "$b" "$TCP_FEW"
	t_expect_rc 0
	bk_attached "$b" '[0-9]+'
	n=$(printf '%s\n' "$T_OUT" |
		awk '/^[0-9:.]+ +[0-9]+ +[0-9]+ +[0-9]+ / && $5 == "tcpconn" { print $6 }' |
		sort -u | grep -c '^tcp_v4_')
	[ "$n" -ge 3 ] || t_fail "$b: calls of only $n distinct tcp_v4_* functions by tcpconn"

	# Lost accounting: a one-page ring buffer under a flood; every call is two records,
	# each shown, in flight, unpaired, unread at the stop, or counted lost (a call shown
	# with its return lost is one record shown and one lost). The calls go to a file (not
	# megabytes in $T_OUT), the summary's counts come from one jq run. Only the flood's
	# calls (-c): another task's call in progress at the attach (a TCP reply after the
	# glob's tcpconn, once, on a loaded host) had its return traced and no send counted.
	trace_wl 60 'flood 2 >/tmp/ksnoop-bk-sent' \
		sh -c "exec ksnoop -j -P 1 -c flood --backend $b 'ip_send_skb(skb->len)' \
			>/tmp/ksnoop-bk.json"
	t_expect_rc 0
	sent=$(cat /tmp/ksnoop-bk-sent 2>/dev/null)
	T_OUT=$(tail -n 1 /tmp/ksnoop-bk.json)
	read -r lost calls in_flight return_lost unpaired unread runs <<-EOF
	$(printf '%s\n' "$T_OUT" | jq -r '[.lost, .calls, .in_flight, .return_lost, .unpaired,
		.unread, .recursion_misses] | @tsv')
	EOF
	[ "${sent:-0}" -gt 0 ] 2>/dev/null || t_fail "$b: flood did not report a count: '$sent'"
	[ "${lost:-0}" -gt 0 ] 2>/dev/null || t_fail "$b: summary lost is '$lost', expected > 0"
	got=$((2 * calls - in_flight - return_lost + unpaired + unread + lost))
	what="2 x calls ($calls) - in_flight ($in_flight) - return_lost ($return_lost) + unpaired ($unpaired) + unread ($unread) + lost ($lost)"
	# kprobe-multi: one program serves entries and returns, and a run the kernel skipped
	# (recursion) counts one record; a skipped entry took its return along: up to one
	# record more each (man ksnoop.8, "recursion").
	if [ "$b" = kprobe-multi ] && [ "$got" -lt $((2 * sent)) ] &&
		[ "$got" -ge $((2 * sent - runs)) ]; then
		t_detail "  $b: 2 x $sent sent vs $what: $((2 * sent - got)) skipped entries' returns ($runs runs skipped)"
	else
		t_expect_eq $((2 * sent)) "$got" "$b: 2 x $sent sent vs $what"
	fi
	rm -f /tmp/ksnoop-bk-sent /tmp/ksnoop-bk.json
	expect_no_leftovers "$b"
}

for b in $(backends_here); do
	eval "test_matrix_$(echo "$b" | tr - _)() { need_cmd jq; check_backend $b; }"
	t_run "matrix-$b" "test_matrix_$(echo "$b" | tr - _)"
done

# The same workload under each backend: the records, without what differs from run to
# run (time, pid, tid, cpu, duration), must be the same field by field.
# ip_make_skb() has ten arguments: ipc (the 7th) and flags (the 10th) are on the stack
# for kprobe-multi, in the trampoline's array for fentry.
BK_SPECS='ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport, skb->sk->__sk_common.skc_family, skb->protocol, return)
do_sys_openat2(dfd, filename, how->flags, how->mode, return)
ip_make_skb(length, transhdrlen, ipc->addr, ipc->oif, flags)'
test_backends_compare()
{
	local b first='' ref='' got specs=3 want=12
	need_cmd jq
	[ "$(backends_here | wc -l)" -ge 2 ] || t_skip "one backend on this kernel"
	# Before 6.6 the x86 trampoline takes at most 6 argument registers: fentry cannot
	# attach ip_make_skb (10 arguments) there, so the stack arguments are compared on
	# newer kernels only (55-kprobe.sh checks them for kprobes everywhere).
	if ! kver_ge 6.6 && backends_here | grep -qx fentry; then
		specs=2 want=7
	fi
	echo data >/tmp/ksnoop-bk-cmp
	set -- "$(echo "$BK_SPECS" | sed -n 1p)" "$(echo "$BK_SPECS" | sed -n 2p)"
	[ "$specs" = 2 ] || set -- "$@" "$(echo "$BK_SPECS" | sed -n 3p)"
	for b in $(backends_here); do
		trace_wl 120 'udpconn 3 100 4321; udpconn 2 200 4322; openfiles 2 /tmp/ksnoop-bk-cmp' \
			ksnoop -j --backend "$b" "$@"
		t_expect_rc 0
		got=$(printf '%s\n' "$T_OUT" | jq -c 'select(.type == "call" and
			(.comm == "udpconn" or .comm == "openfiles")) | del(.time, .time_ns, .pid,
			.tid, .cpu, .duration_ns)' | sort)
		[ -n "$got" ] || t_fail "$b: no calls recorded"
		if [ -z "$first" ]; then
			first=$b ref=$got
			continue
		fi
		[ "$got" = "$ref" ] && continue
		t_fail "records differ between $first and $b"
		printf '%s\n' "$ref" >/tmp/ksnoop-bk-a
		printf '%s\n' "$got" >/tmp/ksnoop-bk-b
		diff /tmp/ksnoop-bk-a /tmp/ksnoop-bk-b | head -n 20 |
			while read -r l; do t_detail "  $l"; done
	done
	t_expect_eq "$want" "$(printf '%s\n' "$ref" | grep -c .)" "calls compared ($first)"
	[ "$specs" = 3 ] || return 0
	# 127.0.0.1 in network byte order, read as a little-endian u32: the stack argument.
	t_expect_eq 5 "$(printf '%s\n' "$ref" | grep -c '"ip_make_skb".*"ipc->addr":16777343')" \
		"ip_make_skb calls with ipc->addr 127.0.0.1 ($first)"
}
t_run backends-compare test_backends_compare
