# tests/vm/lib.sh's t_trace with a stand-in tracer (no kernel needed): the workload starts
# only once the tracer has printed its "attached" line, however long attaching takes; the
# tracer then gets SIGINT after the workload; a tracer that never attaches fails the test
# with a message saying so; one that fails first runs no workload.

# fake_tracer DELAY READY: attach after DELAY seconds (READY is created just before the
# "attached" line), then run until SIGINT. DELAY "fail": exit 3 at once, attaching nothing.
fake_tracer()
{
	local f
	f=$(mktemp)
	cat >"$f" <<-'FAKE'
	trap 'echo "fake: stopped by SIGINT" >&2; exit 0' INT
	[ "$1" = fail ] && { echo "ksnoop: no such function" >&2; exit 3; }
	sleep "$1"
	touch "$2"
	echo "ksnoop: attached 1 function in $1 s (fake); Ctrl-C to stop" >&2
	while :; do sleep 0.1; done
	FAKE
	echo "$f"
}

test_workload_after_attached()
{
	local d tr
	d=$(mktemp -d) tr=$(fake_tracer)
	# A fixed 4 s settle would have started this workload 2 s too early.
	t_trace 60 "if [ -e $d/ready ]; then echo ok; else echo early; fi >$d/result" \
		sh "$tr" 6 "$d/ready"
	t_expect_rc 0
	t_expect_eq ok "$(cat "$d/result" 2>/dev/null)" "workload start (ok: after 'attached')"
	t_expect_match '^fake: stopped by SIGINT$' "$T_ERR"
	rm -rf "$d" "$tr"
}
t_run workload-after-attached test_workload_after_attached

test_never_attached()
{
	local d tr out
	d=$(mktemp -d) tr=$(fake_tracer)
	# In a subshell with its own failure count: this t_trace must fail.
	out=$(
		T_FAILED=0 T_DETAILS=$d/details
		T_ATTACH_SLACK=2 t_trace 3 "touch $d/ran" sh "$tr" 100 "$d/ready"
		echo "failed=$T_FAILED"
		cat "$d/details"
	)
	t_expect_match '^failed=1$' "$out"
	t_expect_match "did not print its 'attached' line within 5s" "$out"
	# Where it waited: its state and its thread's kernel stack (a sleep, in the shell's
	# child, or the wait for it).
	t_expect_match '^  where it was then:$' "$out"
	t_expect_match '^State:' "$out"
	t_expect_match '^  thread [0-9]+ ' "$out"
	[ ! -e "$d/ran" ] || t_fail "the workload ran although the tracer never attached"
	rm -rf "$d" "$tr"
}
t_run never-attached test_never_attached

# An attach slower than SECS but within T_ATTACH_SLACK beyond is not a failure (a busy
# machine); a note with where it waited goes to the console at SECS.
test_slow_attach()
{
	local d tr out
	d=$(mktemp -d) tr=$(fake_tracer)
	out=$(
		T_FAILED=0 T_DETAILS=$d/details T_NAME=slow
		T_ATTACH_SLACK=20 t_trace 2 "touch $d/ran" sh "$tr" 4 "$d/ready"
		echo "failed=$T_FAILED rc=$T_RC"
	)
	t_expect_match '^failed=0 rc=0$' "$out"
	t_expect_match '^    note: slow: not attached after 2s: State:' "$out"
	[ -e "$d/ran" ] || t_fail "the workload did not run after the slow attach"
	rm -rf "$d" "$tr"
}
t_run slow-attach test_slow_attach

test_tracer_fails()
{
	local d tr
	d=$(mktemp -d) tr=$(fake_tracer)
	t_trace 30 "touch $d/ran" sh "$tr" fail "$d/ready"
	t_expect_rc 3
	[ ! -e "$d/ran" ] || t_fail "the workload ran although the tracer failed"
	rm -rf "$d" "$tr"
}
t_run tracer-fails test_tracer_fails
