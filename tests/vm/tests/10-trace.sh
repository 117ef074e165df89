# End to end: ksnoop traces a live workload (fentry/fexit, or kprobes before 5.17) and
# shows each call.

# udpsend 5 100: five 100-byte datagrams, each one ip_send_skb() call carrying
# 128 bytes (100 + 8 UDP + 20 IP header).
test_ip_send_skb()
{
	local calls
	t_trace 60 'udpsend 5 100' ksnoop 'ip_send_skb(skb->len, return)'
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
	t_trace 60 'udpsend 5 100' ksnoop 'ip_send_skb(skb->len, return)'
	t_expect_rc 0
	t_expect_match '^ksnoop: attached 1 function in [0-9.]+ s \(kprobe\)' "$T_ERR"
	calls=$(calls_of udpsend ip_send_skb | wc -l)
	t_expect_eq 5 "$calls" "ip_send_skb calls from udpsend"
	t_expect_match '^ +skb->len = \(unsigned int\)128$'
	t_expect_match '^ +return = \(int\)0$'
	t_trace 60 'udpsend 5 100' ksnoop --backend fentry 'ip_send_skb(skb->len, return)'
	# Exit 5: the kernel lacks a feature; one error line naming it and the first kernel
	# that has it, then at most a hint line.
	t_expect_rc 5
	t_expect_match '^ksnoop: .*bpf_get_func_arg_cnt\(\).*Linux 5\.17\+' "$T_ERR"
	t_expect_no_match 'libbpf:|verifier|processed [0-9]+ insns' "$T_ERR"
	t_expect_eq 1 "$(printf '%s\n' "$T_ERR" | grep -c '^ksnoop:')" "error lines on stderr"
	[ "$(printf '%s\n' "$T_ERR" | wc -l)" -le 2 ] || t_fail "more than 2 lines on stderr"
}
t_run old-kernel-kprobe test_old_kernel_kprobe

# Output to a pipe is batched, but written whenever the ring buffer is drained: a reader
# (| jq) sees each call while ksnoop runs, before the next call happens, not at exit.
# One datagram at a time; the next is sent only once the reader has the previous call
# (at most 30 s: a line that comes only at exit, or never, fails the test).
test_pipe_reader()
{
	local fifo=/tmp/pipe.fifo out=/tmp/pipe.out late=/tmp/pipe.late load=/tmp/pipe.sh rpid
	rm -f "$fifo" "$out" "$late"
	mkfifo "$fifo"
	cat "$fifo" >"$out" &
	rpid=$!
	cat >"$load" <<-LOAD
	for i in 1 2 3; do
		udpsend 1 \$((10 * i))
		t=0
		until [ "\$(grep -c '"type":"call"' $out)" -ge \$i ]; do
			t=\$((t + 1))
			[ \$t -le 300 ] || { echo "call \$i not seen by the reader" >>$late; break; }
			sleep 0.1
		done
	done
	LOAD
	t_trace 120 "sh $load" sh -c "exec ksnoop -j 'ip_send_skb(skb->len)' >$fifo"
	wait "$rpid"
	t_expect_rc 0
	[ ! -s "$late" ] || t_fail "$(cat "$late")"
	T_OUT=$(cat "$out")
	t_expect_eq 3 "$(grep -c '"comm":"udpsend","func":"ip_send_skb"' "$out")" "udpsend calls"
	t_expect_match '"args":\{"skb->len":58\}'
	rm -f "$fifo" "$out" "$late" "$load"
}
t_run pipe-reader test_pipe_reader
