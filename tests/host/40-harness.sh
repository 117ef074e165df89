# The lab harness itself: a kernel that panics mid-suite, or a VM that hangs and is
# killed, must make the VM stage fail with a message naming the kernel; a suite that
# finishes reports its tests. Boots three short VMs of one kernel (about 30 s).

H_KVER=${H_KVER:-6.12}

# Run tests/vm/run-tests.sh on $H_KVER with the in-VM test files given as "name:body".
harness_run()
{
	local dir f
	dir=$(mktemp -d)
	for f in "$@"; do
		printf 't_run %s %s\n' "${f%%:*}" "${f#*:}" >"$dir/10-${f%%:*}.sh"
	done
	# Its own log directory: a real VM run going on meanwhile keeps its console logs.
	T_TIMEOUT=300 t_cmd env KSNOOP_VM_TESTS="$dir" KSNOOP_VM_LOGS="$dir/logs" \
		tests/vm/run-tests.sh "$H_KVER"
	rm -rf "$dir"
}

need_harness()
{
	[ -f "${KSNOOP_CACHE:-$HOME/.cache/ksnoop}/kernels/$H_KVER/vmlinuz" ] ||
		t_skip "kernel $H_KVER not fetched (tests/vm/fetch-kernels.sh $H_KVER)"
	command -v qemu-system-x86_64 >/dev/null || t_skip "needs qemu-system-x86_64"
}

test_passing_suite()
{
	need_harness
	harness_run 'ok:true'
	t_expect_rc 0
	t_expect_match "^\[$H_KVER\] 1 passed, 0 failed"
}
t_run passing-suite test_passing_suite

test_panic_mid_suite()
{
	need_harness
	# sysrq-c crashes the kernel after the suite started: never retried.
	harness_run 'crash:sh -c "echo c >/proc/sysrq-trigger; sleep 30"'
	t_expect_rc 1
	t_expect_match "FAILED: kernel $H_KVER did not finish the test suite"
	t_expect_match "panicked"
	t_expect_match "FAILED on kernel\(s\): $H_KVER"
	t_expect_no_match 'RETRYING'
}
t_run panic-mid-suite test_panic_mid_suite

test_hung_vm_killed()
{
	need_harness
	KSNOOP_VM_TIMEOUT=25 harness_run 'hang:sleep 120'
	t_expect_rc 1
	t_expect_match "FAILED: kernel $H_KVER did not finish the test suite"
	t_expect_match "timed out after 25s"
}
t_run hung-vm-killed test_hung_vm_killed

test_silent_vm_killed()
{
	need_harness
	# A test that prints nothing for KSNOOP_VM_STALL seconds is taken as hung, long before
	# the wall-time backstop.
	KSNOOP_VM_STALL=20 harness_run 'quiet:sleep 200'
	t_expect_rc 1
	t_expect_match "FAILED: kernel $H_KVER did not finish the test suite"
	t_expect_match "no console output for 20s"
	t_expect_match "The last test started was: quiet"
}
t_run silent-vm-killed test_silent_vm_killed
