# End to end: ksnoop traces a live workload (fentry/fexit, or kprobes before 5.17) and
# shows each call.

# udpsend 5 100: five 100-byte datagrams, each one ip_send_skb() call carrying
# 128 bytes (100 + 8 UDP + 20 IP header).
test_ip_send_skb()
{
	local calls
	t_trace 10 'udpsend 5 100' ksnoop 'ip_send_skb(skb->len, return)'
	t_expect_rc 0
	calls=$(printf '%s\n' "$T_OUT" | grep -Ec ' udpsend +ip_send_skb( |$)')
	t_expect_eq 5 "$calls" "ip_send_skb calls from udpsend"
	t_expect_match '^ +skb->len = \(unsigned int\)128$'
	t_expect_match '^ +return = \(int\)0$'
}
t_run ip_send_skb test_ip_send_skb

# Before 5.17 (lab: 5.10) fentry lacks bpf_get_func_arg_cnt(): auto traces with kprobes,
# and --backend fentry is refused in a few lines rather than a libbpf/verifier dump.
test_old_kernel_kprobe()
{
	local calls
	kver_ge 5.17 && t_skip "kernel $(kver) has bpf_get_func_arg_cnt()"
	trace_wl 60 'udpsend 5 100' ksnoop 'ip_send_skb(skb->len, return)'
	t_expect_rc 0
	t_expect_match '^ksnoop: attached 1 function in [0-9.]+ s \(kprobe\)' "$T_ERR"
	calls=$(calls_of udpsend ip_send_skb | wc -l)
	t_expect_eq 5 "$calls" "ip_send_skb calls from udpsend"
	t_expect_match '^ +skb->len = \(unsigned int\)128$'
	t_expect_match '^ +return = \(int\)0$'
	t_trace 10 'udpsend 5 100' ksnoop --backend fentry 'ip_send_skb(skb->len, return)'
	# Exit 5: the kernel lacks a feature; one error line naming it and the first kernel
	# that has it, then at most a hint line.
	t_expect_rc 5
	t_expect_match '^ksnoop: .*bpf_get_func_arg_cnt\(\).*Linux 5\.17\+' "$T_ERR"
	t_expect_no_match 'libbpf:|verifier|processed [0-9]+ insns' "$T_ERR"
	t_expect_eq 1 "$(printf '%s\n' "$T_ERR" | grep -c '^ksnoop:')" "error lines on stderr"
	[ "$(printf '%s\n' "$T_ERR" | wc -l)" -le 2 ] || t_fail "more than 2 lines on stderr"
}
t_run old-kernel-kprobe test_old_kernel_kprobe
