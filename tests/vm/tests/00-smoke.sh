# Smoke tests: ksnoop runs in this kernel, sees BTF and reports its features.
# Sourced by suite.sh with lib.sh loaded; each t_run is one test.

test_version()
{
	t_cmd ksnoop --version
	t_expect_rc 0
	t_expect_match '^ksnoop '
}
t_run version test_version

test_btf()
{
	[ -r /sys/kernel/btf/vmlinux ] || t_fail "/sys/kernel/btf/vmlinux is missing or unreadable"
}
t_run vmlinux-btf test_btf

# ksnoop features prints "name: yes|no" for each of these; a "no" may be followed by
# " (why)". Then "backend NAME: yes|no (why)" lines and the verdict "can trace: yes (...)"
# (exit 0) or "can trace: no (...)" (exit 5). Other lines (e.g. privileges) are allowed.
FEATURES='fentry fexit func_arg func_ip attach_cookie ringbuf snprintf_btf fentry_multi kprobe_multi
	kprobe kprobe_cookie task_btf kprobe_session task_storage kprobe_task_storage fsession_multi
	fsession'

test_features_list()
{
	local f
	t_cmd ksnoop features
	if printf '%s\n' "$T_OUT" | grep -q '^can trace: yes ('; then
		t_expect_rc 0
	else
		t_expect_rc 5
	fi
	for f in $FEATURES; do
		t_expect_match "^$f: (yes|no( \\(.*\\))?)\$"
	done
	t_expect_match '^backend fentry: (yes|no \((kernel too old|not permitted).*\))$'
	t_expect_match '^can trace: (yes|no) \(.+\)$'
}
t_run features-list test_features_list

test_features_kernel()
{
	t_cmd ksnoop features
	if kver_ge 6.1; then
		t_expect_match '^fentry: yes$'
		t_expect_match '^func_arg: yes$'
	else
		# 5.10 has fentry but no bpf_get_func_arg (docs/LAB.md).
		t_expect_match '^fentry: yes$'
		t_expect_match '^func_arg: no( \(|$)'
	fi
	# Every lab kernel has kprobes; their attach cookies came in 5.15.
	t_expect_match '^kprobe: yes$'
	t_expect_match '^backend kprobe: yes$'
	if kver_ge 5.15; then
		t_expect_match '^kprobe_cookie: yes$'
	else
		t_expect_match '^kprobe_cookie: no( \(|$)'
	fi
	# bpf_get_current_task_btf(), which -c reads the comm with, came in 5.11.
	if kver_ge 5.11; then
		t_expect_match '^task_btf: yes$'
	else
		t_expect_match '^task_btf: no( \(|$)'
	fi
	# Task-local storage, where the BPF program keeps per-thread state, came in 5.11
	# for fentry and kprobe programs alike; 5.10 keeps it in a hash. The lab's 7.2
	# loads the helper but creates no storage from tracing programs (the probe runs it):
	# the hash there too.
	if kver_ge 5.11 && ! kver_ge 7.0; then
		t_expect_match '^task_storage: yes$'
		t_expect_match '^kprobe_task_storage: yes$'
	else
		t_expect_match '^task_storage: no( \(|$)'
		t_expect_match '^kprobe_task_storage: no( \(|$)'
	fi
	# BPF_TRACE_FENTRY_MULTI, BPF_TRACE_FSESSION(_MULTI) are new in 7.x.
	if kver_ge 7.0; then
		t_expect_match '^fentry_multi: yes$'
		t_expect_match '^fsession_multi: yes$'
		t_expect_match '^fsession: yes$'
		t_expect_match '^backend fentry-multi: yes$'
	else
		t_expect_match '^fentry_multi: no( \(|$)'
		t_expect_match '^fsession_multi: no( \(|$)'
		t_expect_match '^fsession: no( \(|$)'
		t_expect_match '^backend fentry-multi: no \(kernel too old or built without it: '
	fi
	# kprobe.multi needs CONFIG_FPROBE: Debian's 6.1 lacks it, 6.12 has it (docs/LAB.md).
	# kprobe.session links came in 6.10, on the same fprobe machinery.
	if kver_ge 6.12; then
		t_expect_match '^backend kprobe-multi: yes$'
		t_expect_match '^kprobe_session: yes$'
	else
		t_expect_match '^backend kprobe-multi: no \(kernel too old or built without it: '
		t_expect_match '^kprobe_session: no( \(|$)'
	fi
	# 5.10 lacks bpf_get_func_arg_cnt() (fentry) and kprobe.multi.
	if kver_ge 6.1; then
		t_expect_rc 0
		t_expect_match '^can trace: yes \([a-z, -]+\)$'
	fi
}
t_run features-kernel test_features_kernel

test_info()
{
	t_cmd ksnoop info ip_send_skb
	t_expect_rc 0
	t_expect_match '^int ip_send_skb\(struct net \*net, struct sk_buff \*skb\);$'
}
t_run info-ip_send_skb test_info
