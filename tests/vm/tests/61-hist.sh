# --hist and --count-by: calls counted in the kernel, checked against workloads that fix
# the numbers. udpsend N SIZE sends N datagrams of SIZE bytes, each one ip_send_skb() call
# with skb->len = SIZE + 28 (UDP and IP headers): 3 of 5 bytes are 33 ([32, 64)), 2 of 200
# are 228 ([128, 256)). Sourced by suite.sh with lib.sh loaded; each t_run is one test.

NEED_KVER=5.10	# every lab kernel traces (5.10 through the kprobe backend)

UDP_MIX='udpsend 3 5; udpsend 2 200'

# The bucket of a --hist JSON object for FUNC with bounds [LO, HI), as a jq filter.
bucket()
{
	echo "([.[] | select(.type == \"hist\" and .func == \"$1\") | .buckets[] |
		select(.lo == $2 and .hi == $3) | .count] | add // 0)"
}

test_hist_text()
{
	need_kernel_ge $NEED_KVER
	t_trace 60 "$UDP_MIX" ksnoop --hist 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_match '^ip_send_skb skb->len: 5 calls$'
	t_expect_match '^\[32, 64\)               3 \|@{52}\|$'
	t_expect_match '^\[64, 128\)              0 \| {52}\|$'
	t_expect_match '^\[128, 256\)             2 \|@{35} {17}\|$'
	t_expect_eq 4 "$(printf '%s\n' "$T_OUT" | wc -l)" "output lines: the title and 3 buckets"
	t_expect_match '^ksnoop: 5 calls counted, 0 records lost' "$T_ERR"
}
t_run hist-text test_hist_text

test_hist_json()
{
	need_kernel_ge $NEED_KVER
	need_cmd jq
	t_trace 60 "$UDP_MIX" ksnoop -j --hist 'ip_send_skb(skb->len)'
	t_expect_rc 0
	expect_jq "$(bucket ip_send_skb 32 64) == 3" "[32, 64) = 3"
	expect_jq "$(bucket ip_send_skb 128 256) == 2" "[128, 256) = 2"
	expect_jq '[.[] | select(.type == "hist")] | length == 1 and .[0].calls == 5 and
		.[0].unreadable == 0 and .[0].scale == "log2" and .[0].value == "skb->len"' \
		"one histogram of 5 calls"
	expect_jq '.[-1].type == "summary" and .[-1].calls == 5 and .[-1].lost == 0' "summary"
}
t_run hist-json test_hist_json

# Linear buckets, and a predicate that filters what is counted.
test_hist_linear_pred()
{
	need_kernel_ge $NEED_KVER
	need_cmd jq
	t_trace 60 "$UDP_MIX" ksnoop -j --hist=linear:0:300:50 'ip_send_skb(skb->len)'
	t_expect_rc 0
	expect_jq "$(bucket ip_send_skb 0 50) == 3 and $(bucket ip_send_skb 200 250) == 2" \
		"[0, 50) = 3, [200, 250) = 2"
	expect_jq '[.[] | select(.type == "hist")] | .[0].scale == "linear" and .[0].calls == 5' \
		"linear"
	t_trace 60 "$UDP_MIX" ksnoop -j --hist 'ip_send_skb(skb->len > 100)'
	t_expect_rc 0
	expect_jq "$(bucket ip_send_skb 128 256) == 2 and $(bucket ip_send_skb 32 64) == 0" \
		"only the calls with len > 100"
}
t_run hist-linear-pred test_hist_linear_pred

# Latency: a 300 ms sleep lands in a log2 bucket between 300 ms (never less than asked)
# and what the sleeper measured around its sleep (`sleepfor -t`; [2^28, 2^29) ns unless a
# loaded host made the VM's sleep overrun to 537 ms or more). The predicate on the
# requested time keeps other sleepers out; nothing else sleeps meanwhile (5.10's kretprobe
# has one instance on one CPU: a concurrent sleeper would take it and hide the return).
# So the tracer runs without t_trace's busybox timeout (t_trace_nosleep: once the
# workload started more than a second after the attach, its child held the instance;
# 5.10: 0 calls).
test_hist_duration()
{
	local slept=/tmp/ksnoop-slept most
	need_kernel_ge $NEED_KVER
	need_cmd jq
	rm -f $slept
	t_trace_nosleep "sleepfor -t 300 >$slept" \
		ksnoop -j --hist duration 'hrtimer_nanosleep(rqtp == 300000000)'
	t_expect_rc 0
	most=$(awk '$1 == "slept" { print $2 + 0 }' $slept)
	[ -n "$most" ] || t_fail "sleepfor -t printed no time"
	expect_jq "[.[] | select(.type == \"hist\" and .func == \"hrtimer_nanosleep\") |
		.buckets[] | select(.count > 0)] | length == 1 and .[0].count == 1 and
		.[0].lo <= $most and .[0].hi > 300000000" \
		"the call in one bucket from 300 ms to the time slept ($most ns)"
	expect_jq '[.[] | select(.type == "hist")] | .[0].calls == 1 and .[0].unit == "ns" and
		.[0].value == "duration"' "one call"
}
t_run hist-duration test_hist_duration

# Two workloads of different names, told apart by comm; strings keys from a char array.
test_count_comm()
{
	need_kernel_ge $NEED_KVER
	need_cmd jq
	t_trace 60 'udpsend 3 5; udpconn 2 5' ksnoop -j --count-by comm ip_send_skb
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "count" and .func == "ip_send_skb")] | length == 1 and
		.[0].calls == 5 and .[0].keys == 2 and
		.[0].counts == [{"key":"udpsend","count":3},{"key":"udpconn","count":2}]' \
		"udpsend 3, udpconn 2"
	t_trace 60 'udpsend 3 5; udpconn 2 5' ksnoop --count-by comm ip_send_skb
	t_expect_match '^ip_send_skb by comm: 5 calls, 2 keys$'
	t_expect_match '^         3  "udpsend"$'
	t_expect_match '^         2  "udpconn"$'
}
t_run count-comm test_count_comm

test_count_item()
{
	need_kernel_ge $NEED_KVER
	need_cmd jq
	# A char array reached through two pointers: the device the datagrams leave by.
	t_trace 60 'udpsend 3 5' ksnoop -j --count-by 'ip_finish_output2(skb->dev->name)'
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "count")] | .[0].counts == [{"key":"lo","count":3}]' \
		"lo 3"
	# An enum key: by name in text, {name, value} in JSON (socket_state: a UDP socket
	# stays SS_UNCONNECTED even once connect()ed).
	t_trace 60 'udpconn 2 5' ksnoop --count-by 'ip_send_skb(skb->sk->sk_socket->state)'
	t_expect_rc 0
	t_expect_match '^         2  SS_UNCONNECTED$'
	t_trace 60 'udpconn 2 5' ksnoop -j --count-by 'ip_send_skb(skb->sk->sk_socket->state)'
	expect_jq '[.[] | select(.type == "count")] | .[0].counts ==
		[{"key":{"name":"SS_UNCONNECTED","value":1},"count":2}]' "SS_UNCONNECTED 2"
	# An integer key, the biggest kept by --top, the rest summed.
	t_trace 60 "$UDP_MIX" ksnoop --count-by 'ip_send_skb(skb->len)' --top 1
	t_expect_rc 0
	t_expect_match '^ip_send_skb by skb->len: 5 calls, 2 keys$'
	t_expect_match '^         3  33$'
	t_expect_match '^         2  \(1 other key\)$'
}
t_run count-item test_count_item

# The same counts with each attach backend this kernel has (5.10: kprobe only): a value
# read at entry (traced at entry only), and one read at the return (the exit path).
test_hist_backends()
{
	local be n=0
	need_kernel_ge $NEED_KVER
	need_cmd jq
	for be in $(loop_backends); do
		n=$((n + 1))
		t_trace 120 "$UDP_MIX" ksnoop -j --backend "$be" --hist 'ip_send_skb(skb->len)'
		t_expect_rc 0
		expect_jq "$(bucket ip_send_skb 32 64) == 3 and $(bucket ip_send_skb 128 256) == 2" \
			"backend $be: [32, 64) = 3, [128, 256) = 2"
		t_trace 120 "$UDP_MIX" ksnoop -j --backend "$be" --count-by 'ip_send_skb(return)'
		t_expect_rc 0
		expect_jq '[.[] | select(.type == "count")] | .[0].counts == [{"key":0,"count":5}]' \
			"backend $be: return 0, 5 calls"
	done
	[ "$n" -gt 0 ] || t_fail "no backend available"
}
t_run backends test_hist_backends

# The typed path (bpf/agg_value.h agg_typed: the fentry backend reads the item by direct
# loads the verifier checks against the function's BTF) counts as the probe reads of the
# kprobe backend: the same buckets, the same keys of a char array, and the same
# unreadable calls through a NULL pointer (skb->dev is set after ip_send_skb; count-item
# above checks integer keys, typed too where fentry is the choice). 5.10 has no fentry
# backend: no typed path there.
test_hist_typed()
{
	local spec typed
	need_kernel_ge $NEED_KVER
	need_cmd jq
	for spec in "--hist ip_send_skb(skb->len)" "--count-by ip_finish_output2(skb->dev->name)" \
		"--hist ip_send_skb(skb->dev->mtu)"; do
		# shellcheck disable=SC2086 # the mode and the SPEC (no spaces in it)
		t_trace 120 "$UDP_MIX" ksnoop -vv -j $spec
		t_expect_rc 0
		if backends_here | grep -qx fentry; then
			t_expect_match 'counting item 0 by direct \(typed\) loads' "$T_ERR"
		else
			t_expect_no_match 'by direct \(typed\) loads' "$T_ERR"
		fi
		typed=$(printf '%s\n' "$T_OUT" | jq -c 'select(.type != "summary")')
		# shellcheck disable=SC2086
		t_trace 120 "$UDP_MIX" ksnoop -j --backend kprobe $spec
		t_expect_rc 0
		t_expect_eq "$(printf '%s\n' "$T_OUT" | jq -c 'select(.type != "summary")')" \
			"$typed" "$spec: as the kprobe backend counts"
	done
	T_OUT=$typed
	expect_jq '.[0].calls == 5 and .[0].unreadable == 5' "through the NULL dev: 5 unreadable"
}
t_run typed test_hist_typed

# A key map too small for the keys: the calls it cannot count are reported, never dropped
# silently (4 sizes, room for 2).
test_count_overflow()
{
	need_kernel_ge $NEED_KVER
	need_cmd jq
	t_trace 60 'udpsend 1 1; udpsend 1 2; udpsend 1 3; udpsend 1 4' \
		ksnoop -j --max-keys 2 --count-by 'ip_send_skb(skb->len)'
	t_expect_rc 0
	expect_jq '[.[] | select(.type == "count")] | .[0].calls == 2 and .[0].keys == 2' \
		"2 keys counted"
	expect_jq '[.[] | select(.type == "lost" and .reason == "keys_full")] |
		.[0].count == 2 and .[0].max_keys == 2' "2 calls not counted, reported"
	t_expect_match ', 2 not counted \(key map full\)' "$T_ERR"
	t_trace 60 'udpsend 1 1; udpsend 1 2; udpsend 1 3' \
		ksnoop --max-keys 2 --count-by 'ip_send_skb(skb->len)'
	t_expect_match '^--- 1 call not counted \(the key map is full: 2 keys; raise --max-keys\)$'
	expect_no_leftovers hist
}
t_run count-overflow test_count_overflow

# --count-by caller: ip_send_skb counted per call site it was called from, on every
# backend. The expected caller is not a guess (udp_send_skb, or udp_sendmsg where it is
# inlined): it is the frame after ip_send_skb's own in --kstack of the same workload
# (the frames above it are the backend's: BPF program, trampoline, kprobe handlers),
# a return address, the same whatever the backend that counts.
test_count_caller()
{
	local be n=0 want
	need_kernel_ge $NEED_KVER
	need_cmd jq
	# The call site as --kstack shows it, once: chains/kstack checks --kstack per backend.
	t_trace 120 'udpsend 2 5' ksnoop -j --entry --kstack=16 ip_send_skb
	t_expect_rc 0
	want=$(printf '%s\n' "$T_OUT" | jq -r -s '[.[] | select(.type == "call" and
		.func == "ip_send_skb") | .kstack | (map(startswith("ip_send_skb+")) |
		index(true)) as $i | .[$i + 1] // empty] | unique | .[]')
	t_detail "--kstack: $(printf '%s\n' "$T_OUT" | jq -c -s \
		'[.[] | select(.type == "call")][0].kstack[0:8]')"
	[ "$(printf '%s\n' "$want" | grep -c .)" = 1 ] ||
		t_fail "--kstack shows no single frame after ip_send_skb's: '$want'"
	case $want in udp_send*+0x* | udp_sendmsg+0x*) ;;
	*) t_fail "the caller --kstack shows is '$want', not in udp_send*" ;;
	esac
	for be in $(loop_backends); do
		n=$((n + 1))
		t_trace 120 'udpsend 3 5' ksnoop -j --backend "$be" --count-by caller ip_send_skb
		t_expect_rc 0
		expect_jq "[.[] | select(.type == \"count\")] | length == 1 and
			.[0].key == \"caller\" and .[0].calls == 3 and
			.[0].counts == [{\"key\":\"$want\",\"count\":3}]" \
			"backend $be: 3 calls from $want"
	done
	[ "$n" -gt 0 ] || t_fail "no backend available"
	# Text, --top: the call site as --kstack shows it.
	t_trace 120 'udpsend 3 5' ksnoop --count-by caller --top 1 ip_send_skb
	t_expect_rc 0
	t_expect_match '^ip_send_skb by caller: 3 calls, 1 key$'
	t_expect_match "^         3  ${want%%+*}\\+0x[0-9a-f]+\$"
	expect_no_leftovers caller
}
t_run count-caller test_count_caller
