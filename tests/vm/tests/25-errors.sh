# Errors that need a real kernel: a function in BTF that ftrace cannot trace, and a
# kernel without BTF. (Pure input errors are tested on the host: tests/host/10-errors.sh.)

# A function the kernel has in BTF but not in available_filter_functions (notrace or
# inlined) must be refused, naming the reason, with nothing left loaded: by the selection
# (the kprobe backend, globs), or, for named functions, where the attach refused it (the
# other backends: ftrace's list is read only then, src/ftrace_list.h). Alone, and named
# between two traceable functions, with each backend.
test_not_traceable()
{
	local f b s cand=
	need_file /sys/kernel/tracing/available_filter_functions
	for f in native_sched_clock sched_clock preempt_count_add __rcu_read_lock \
		 trace_clock_local rcu_is_watching get_random_u32; do
		# --btf reads the file without the traceability check: is it in BTF at all?
		ksnoop --btf /sys/kernel/btf/vmlinux info "$f" >/dev/null 2>&1 || continue
		grep -q "^$f\( \|$\)" /sys/kernel/tracing/available_filter_functions && continue
		cand=$f
		break
	done
	[ -n "$cand" ] || t_skip "no notrace candidate in this kernel's BTF"
	t_cmd ksnoop -n 1 "$cand"
	t_expect_rc 5
	t_expect_match "function '$cand' cannot be traced by [a-z-]+: not in available_filter_functions" "$T_ERR"
	t_expect_match 'hint: ' "$T_ERR"
	t_expect_no_match 'libbpf:' "$T_ERR"
	for b in $(backends_here); do
		for s in "$cand" "ip_send_skb $cand udp_sendmsg"; do
			# shellcheck disable=SC2086 # the functions are words
			t_cmd ksnoop -n 1 --backend "$b" $s
			t_expect_rc 5
			t_expect_eq 2 "$(printf '%s\n' "$T_ERR" | wc -l)" "$b, '$s': one error and its hint"
			t_expect_match "^ksnoop: function '$cand' cannot be traced by $b: not in available_filter_functions" "$T_ERR"
			expect_no_leftovers "$b, '$s'"
		done
	done
}
t_run not-traceable test_not_traceable

# A function that never returns, on a kernel whose verifier refuses fexit on it (6.4+,
# noreturn_deny): the fentry backend names the function and why, and points at
# --entry, which traces it.
test_noreturn()
{
	need_kernel_ge 6.4
	t_cmd ksnoop -n 1 --backend fentry 'do_exit(code)'
	t_expect_rc 3
	t_expect_eq 2 "$(printf '%s\n' "$T_ERR" | wc -l)" "one error and its hint"
	t_expect_match "^ksnoop: 'do_exit' never returns, and this kernel refuses to trace its return \(fentry\)$" \
		"$T_ERR"
	t_expect_match '^  hint: trace its entry only with --entry$' "$T_ERR"
	expect_no_leftovers "fentry, do_exit"
	# A glob of such functions only, on the multi link (which leaves them out before
	# the kernel can refuse the link): said as for one, not as a refusal of each.
	if backends_here | grep -qx fentry-multi; then
		t_cmd ksnoop -n 1 --backend fentry-multi 'do_*exit*'
		t_expect_rc 3
		t_expect_eq 2 "$(printf '%s\n' "$T_ERR" | wc -l)" "one error and its hint, a glob"
		t_expect_match "^ksnoop: the [0-9]* functions matched \('do_exit', \.\.\.\) never return, and this kernel refuses to trace their return \(fentry-multi\)$" \
			"$T_ERR"
		t_expect_match '^  hint: trace their entry only with --entry$' "$T_ERR"
		expect_no_leftovers "fentry-multi, do_*exit*"
	fi
	# The same a program per function: the object is loaded against the last of them.
	t_cmd ksnoop -n 1 --backend fentry 'do_*exit*'
	t_expect_rc 3
	t_expect_match "^ksnoop: the [0-9]* functions matched \('do_exit', \.\.\.\) never return, and this kernel refuses to trace their return \(fentry\)$" \
		"$T_ERR"
	t_expect_match '^  hint: trace their entry only with --entry$' "$T_ERR"
	expect_no_leftovers "fentry, do_*exit*"
	# A glob whose first function never returns, a program per function: the object
	# is loaded against one that returns, and those that do not are skipped, not the
	# whole glob refused.
	rm -f /tmp/noret.out /tmp/noret.err
	if bg_tracer_or_fail "a glob whose first function never returns" /tmp/noret.out \
		/tmp/noret.err ksnoop -v --backend fentry '*sys_exit*'; then
		t_expect_match '^ksnoop: attached [1-9][0-9]* functions in .*\(fentry\), skipped' \
			"$(cat /tmp/noret.err)"
		t_expect_match '^skipping __x64_sys_exit: it does not return, fexit cannot trace it$' \
			"$(cat /tmp/noret.err)"
		kill -INT "$BG_PID"
		wait "$BG_PID"
	fi
	rm -f /tmp/noret.out /tmp/noret.err
	trace_wl 60 'sleepfor 10' ksnoop --backend fentry --entry 'do_exit(code)'
	t_expect_rc 0
	t_expect_eq 1 "$(calls_of sleepfor do_exit | wc -l)" "sleepfor's do_exit, --entry"
}
t_run noreturn test_noreturn

# Hide /sys/kernel/btf: ksnoop must say the kernel has no BTF, exit 5, no crash.
test_no_btf()
{
	need_file /sys/kernel/btf/vmlinux
	mount -t tmpfs none /sys/kernel/btf || t_skip "cannot mount over /sys/kernel/btf"
	t_cmd ksnoop -n 1 ip_send_skb
	umount /sys/kernel/btf
	t_expect_rc 5
	t_expect_match "cannot read the kernel's BTF" "$T_ERR"
	t_expect_match 'CONFIG_DEBUG_INFO_BTF' "$T_ERR"
	[ -e /sys/kernel/btf/vmlinux ] || t_fail "/sys/kernel/btf not restored"
}
t_run no-btf test_no_btf

# MODULE:NAME against a loaded module (dummy.ko, packed by vm.sh): '*:' finds a module's
# function, and a name in the wrong place (vmlinux or another module) is pointed to.
test_module_names()
{
	[ -f /ksnoop/modules/dummy.ko ] || t_skip "no dummy.ko packed for $(kver)"
	grep -q '^dummy ' /proc/modules ||
		insmod /ksnoop/modules/dummy.ko numdummies=1 2>/dev/null ||
		t_skip "insmod dummy.ko failed on $(kver)"
	[ -e /sys/kernel/btf/dummy ] || t_skip "dummy.ko has no BTF on $(kver)"
	t_cmd ksnoop info '*:dummy_get_stats64'
	t_expect_rc 0
	t_expect_match '[ *]dummy_get_stats64\(.*\); /\* module dummy \*/$'
	t_cmd ksnoop info 'dummy:ip_send_skb'
	t_expect_rc 3
	t_expect_match "^ksnoop: no function 'ip_send_skb' in the kernel's BTF of module dummy$" "$T_ERR"
	t_expect_match "^  hint: 'ip_send_skb' is in vmlinux: drop 'dummy:', or write '\*:ip_send_skb'$" "$T_ERR"
	t_cmd ksnoop info 'vmlinux:dummy_get_stats64'
	t_expect_rc 3
	t_expect_match "^  hint: 'dummy_get_stats64' is in dummy: drop 'vmlinux:', or write '\*:dummy_get_stats64'$" "$T_ERR"
	t_cmd ksnoop info 'nosuchmod:dummy_get_stats64'
	t_expect_rc 3
	t_expect_match "^ksnoop: module 'nosuchmod' is not loaded or has no BTF \(no /sys/kernel/btf/nosuchmod\)$" "$T_ERR"
}
t_run module-names test_module_names
