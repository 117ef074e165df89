# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the host side of the benchmarks (tests/bench/run.sh and
# tests/bench/run-attach.sh), sourced by them from the repository's root. The in-VM side
# is vm-lib.sh.

# Where the benches build (OUT, default build) and write their raw files and reports.
OUT=${OUT:-build}
# shellcheck disable=SC2034  # read by the scripts that source this file
BENCH=$OUT/bench

# vm_run NAME LOG OUT CMD...: run CMD (a tests/vm/vm.sh --run with --log LOG), its
# stdout to OUT. A VM that died before userspace came up ("@@KSNOOP-BOOTED" missing
# from LOG: the lab's boot-time allocator double fault, docs/LAB.md) is tried again
# once; a failure while tracing is a result, never retried. Status: CMD's.
vm_run()
{
	local name=$1 log=$2 out=$3 try rc
	shift 3
	for try in 1 2; do
		rc=0
		"$@" >"$out" || rc=$?
		[ $rc = 0 ] && return 0
		if [ $try = 1 ] && ! grep -q '@@KSNOOP-BOOTED' "$log"; then
			echo "$name: the VM died during boot (status $rc); retrying once" >&2
			continue
		fi
		echo "$name: the VM failed (status $rc); console: $log" >&2
		return $rc
	done
}
