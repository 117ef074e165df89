# The ASan+UBSan build of ksnoop (make $OUT/ksnoop-asan; vm.sh packs it as ksnoop-asan)
# on each kernel: a short trace (or, before 5.17, the refusal), info and error paths.
# Any AddressSanitizer, LeakSanitizer or UBSan report fails the test: ASan's heap checks
# and LSan's leak check at exit cover the BPF load/attach/detach and ring buffer paths
# that the host (no fentry) cannot run. Sourced by suite.sh with lib.sh loaded.

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=66
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=66
ASAN_REPORT='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: [A-Za-z]*Sanitizer'

# Missing binary is a failure, not a skip: this file is the VM's only sanitizer coverage.
need_asan()
{
	command -v ksnoop-asan >/dev/null ||
		{ t_fail "no ksnoop-asan in the VM (make \$OUT/ksnoop-asan; tests/vm/vm.sh packs it)"; return 1; }
}

expect_clean()
{
	t_expect_no_match "$ASAN_REPORT" "$T_ERR"
	[ "$T_RC" != 66 ] || t_fail "exit status 66: a sanitizer report"
}

# The binary really is instrumented: the ASan runtime answers help=1 (else a clean run
# would prove nothing).
test_asan_instrumented()
{
	need_asan || return
	t_expect_match 'Available flags for AddressSanitizer' \
		"$(ASAN_OPTIONS=help=1 ksnoop-asan --version 2>&1)"
}
t_run instrumented test_asan_instrumented

test_asan_trace()
{
	local calls
	need_asan || return
	# Instrumented userspace is slower to attach: t_trace waits for it.
	t_trace 60 'udpsend 5 100' \
		ksnoop-asan 'ip_send_skb(skb, skb->len, skb->sk, skb->dev->name, return)'
	t_expect_rc 0
	calls=$(printf '%s
' "$T_OUT" | grep -Ec ' udpsend +ip_send_skb( |$)')
	t_expect_eq 5 "$calls" "ip_send_skb calls from udpsend"
	expect_clean
}
t_run trace test_asan_trace

test_asan_info()
{
	need_asan || return
	t_cmd ksnoop-asan info ip_send_skb
	t_expect_rc 0
	t_expect_match '^int ip_send_skb\(struct net \*net, struct sk_buff \*skb\);$'
	expect_clean
	t_cmd ksnoop-asan -v info ip_send_skb
	t_expect_rc 0
	expect_clean
	t_cmd ksnoop-asan features
	# 5 when no backend can trace here (the verdict line says which).
	printf '%s\n' "$T_OUT" | grep -q '^can trace: yes' && t_expect_rc 0 || t_expect_rc 5
	expect_clean
}
t_run info test_asan_info

test_asan_errors()
{
	need_asan || return
	t_cmd ksnoop-asan 'ip_send_skb(nosuch)'
	t_expect_rc 3
	expect_clean
	t_cmd ksnoop-asan 'ip_send_skb(skb->len'
	t_expect_rc 2
	expect_clean
	t_cmd ksnoop-asan 'no_such_function_xyz(a)'
	t_expect_rc 3
	expect_clean
	t_cmd ksnoop-asan -j 'ip_send_skb(skb->nosuch)'
	t_expect_rc 3
	t_expect_match '^\{"type":"error","error":' "$T_ERR"
	expect_clean
}
t_run errors test_asan_errors

# The output's error paths under the sanitizers: a write that fails (/dev/full, JSON: the
# first call's write) and a reader that leaves (| head -3, then no more writes).
test_asan_output_errors()
{
	need_asan || return
	TW_STOP=0 trace_wl 120 'udpconn 2 100' \
		sh -c 'exec ksnoop-asan -j "ip_send_skb(skb->len)" >/dev/full'
	t_expect_rc 1
	t_expect_match '"error":"cannot write to standard output' "$T_ERR"
	expect_clean
	TW_STOP=0 trace_wl 120 'udpconn 1 100' sh -c 'ksnoop-asan "ip_send_skb(skb->len)" | head -3'
	t_expect_rc 0
	t_expect_eq 3 "$(printf '%s\n' "$T_OUT" | wc -l)" "lines through head -3"
	expect_clean
}
t_run output-errors test_asan_output_errors
