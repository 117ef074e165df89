# Runs last: nothing the earlier tests started may be left behind in the kernel, and the
# kernel must not have complained (WARN, BUG, Oops) while they ran.

# Children detaching many links finish first (they must, and leave nothing).
test_detached()
{
	wait_detached
}
t_run detaching-children-finish test_detached

test_no_programs()
{
	need_cmd bpftool
	t_cmd bpftool -j prog show
	t_expect_rc 0
	# BPF object names are truncated to 15 characters; ksnoop's all start with "ksnoop".
	t_expect_no_match '"name":"ksnoop'
}
t_run no-bpf-programs test_no_programs

test_no_links()
{
	need_cmd bpftool
	t_cmd bpftool link show
	t_expect_rc 0
	# A link held by a live process would show its pid; none of ours may survive.
	t_cmd sh -c 'bpftool -j link show | jq -r ".[].prog_id" | while read -r id; do
		bpftool -j prog show id "$id" | jq -r .name; done'
	t_expect_no_match '^ksnoop'
}
t_run no-bpf-links test_no_links

test_no_ksnoop_processes()
{
	t_cmd pidof ksnoop
	t_expect_eq "" "$T_OUT" "pids of running ksnoop processes"
}
t_run no-ksnoop-processes test_no_ksnoop_processes

test_kernel_log()
{
	t_cmd dmesg
	t_expect_no_match 'WARNING:|BUG:|Oops|general protection|Call Trace:'
}
t_run kernel-log-clean test_kernel_log
