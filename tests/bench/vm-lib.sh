# Helpers shared by the in-VM benchmark scripts (busybox ash). tests/bench/run.sh and
# tests/bench/run-attach.sh put this text before vm-bench.sh / vm-bench-attach.sh in
# the command they give tests/vm/vm.sh --run.

# alive PID: running (an exited child stays a zombie until waited for).
alive()
{
	local st
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_line FILE ERE PID: until FILE has a line matching ERE or PID ended; 0 if seen.
# Polls every $POLL seconds (default 0.05): what a time measured with it is rounded to.
wait_line()
{
	while ! grep -Eq "$2" "$1" 2>/dev/null; do
		alive "$3" || return 1
		sleep "${POLL:-0.05}"
	done
}

# backend_names: the backends `ksnoop --backend NAME` accepts besides auto, one a line,
# from its hint for a bad name ("choose auto, fentry or fentry-multi"): the list lives
# in ksnoop alone. Whether this kernel has each one is for an attach to say.
backend_names()
{
	ksnoop --backend '?' ip_send_skb 2>&1 | sed -n 's/.*hint: choose //p' |
		sed 's/,/ /g; s/ or / /g' | tr ' ' '\n' | grep -E '^[a-z][a-z0-9-]*$' |
		grep -vx auto
}
