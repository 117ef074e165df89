# The kprobe backend on every kernel that has kprobes (on 5.10 it is also auto's choice):
# arguments from registers and from the stack (the 7th and later), return values from
# the kretprobe, functions found by attach cookie and, without cookies, by address
# (regs->ip is the function + 1, or + 5 after the ENDBR on IBT kernels: 6.12, 7.2) with
# a per-thread stack of entered functions at the kretprobe. Nothing may be left behind.
# Sourced by suite.sh with lib.sh loaded.

need_kprobes()
{
	ksnoop_features | grep -q '^kprobe: yes$' || t_skip "no kprobes in $(kver)"
}

# The item values of calls of FUNC (exact) from COMM in $T_OUT, one "label = value" a line.
kp_values()
{
	printf '%s\n' "$T_OUT" | awk -v comm="$1" -v fn="$2" '
		/^[0-9:.]+ +[0-9]+ +[0-9]+ +[0-9]+ / { cur = ($5 == comm && $6 == fn); next }
		cur && /^    / { sub(/^    /, ""); print }'
}

# Our kprobes must be gone from the kernel once ksnoop exited.
expect_no_kprobes()
{
	local list=/sys/kernel/debug/kprobes/list
	[ -r "$list" ] || return 0
	t_expect_no_match " ($1)(\\+0x[0-9a-f]+)?( |\$)" "$(cat "$list")" ||
		t_detail "  (kprobes left behind)"
}

# udpconn 3 100: udp_sendmsg(len 100) -> ip_make_skb(length 108 (data + UDP header),
# transhdrlen 8, the route in *rtp: its device is lo, name[1] is 'o' (111)) -> ip_send_skb(skb->len 128).
# ip_make_skb has 10 arguments: rtp is the 8th, read from the stack; flags the 10th.
# The two nested functions' returns must each pair with their own entries.

check_kprobe_values()
{
	local v n
	trace_wl 90 'udpconn 3 100' ksnoop --backend kprobe 'udp_sendmsg(len, return)' \
		'ip_make_skb(length, transhdrlen, rtp[0]->dst.dev->name[1], flags)' \
		'ip_send_skb(skb->len, return)'
	t_expect_rc 0
	t_expect_match '^ksnoop: attached 3 functions in [0-9.]+ s \(kprobe\)' "$T_ERR"
	for f in udp_sendmsg ip_make_skb ip_send_skb; do
		n=$(calls_of udpconn "$f" | wc -l)
		t_expect_eq 3 "$n" "$f calls from udpconn"
	done
	v=$(kp_values udpconn udp_sendmsg | sort -u | tr '\n' ';')
	t_expect_eq 'len = (size_t)100;return = (int)100;' "$v" "udp_sendmsg values"
	v=$(kp_values udpconn ip_make_skb | sort -u | tr '\n' ';')
	t_expect_eq 'flags = (unsigned int)0;length = (int)108;rtp[0]->dst.dev->name[1] = (char)111;transhdrlen = (int)8;' \
		"$v" "ip_make_skb values (stack arguments)"
	v=$(kp_values udpconn ip_send_skb | sort -u | tr '\n' ';')
	t_expect_eq 'return = (int)0;skb->len = (unsigned int)128;' "$v" "ip_send_skb values"
	t_expect_no_match '[1-9][0-9]* (unpaired|in flight)' "$T_ERR"
	expect_no_kprobes 'udp_sendmsg|ip_make_skb|ip_send_skb'
}

test_kprobe_values()
{
	need_kprobes
	check_kprobe_values
}
t_run values test_kprobe_values

# The address path, also where cookies exist (KSNOOP_NO_COOKIE is for tests).
test_kprobe_by_address()
{
	need_kprobes
	KSNOOP_NO_COOKIE=1
	export KSNOOP_NO_COOKIE
	check_kprobe_values
}
t_run by-address test_kprobe_by_address
