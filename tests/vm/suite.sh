#!/bin/sh
# In-VM test suite (busybox ash): run every /ksnoop/tests/*.sh in name order, each in its
# own subshell with lib.sh loaded and T_PREFIX set to its name (00-smoke.sh -> "smoke/"),
# then print "@@KSNOOP-DONE <tests run>". The host (run-tests.sh) treats a missing DONE
# marker as a failed kernel (panic, hang, VM killed). Always exits 0: results are the
# report lines, not the status.
. /ksnoop/lib.sh
export T_COUNT_FILE=/tmp/ksnoop-tests.count
echo 0 >"$T_COUNT_FILE"
echo "@@KSNOOP-SUITE kernel $(uname -r)"
for f in /ksnoop/tests/*.sh; do
	base=${f##*/}
	base=${base%.sh}
	T_PREFIX=${base#[0-9][0-9]-}/
	# A file that dies outside t_run (syntax error, stray exit) is itself a failure.
	(. "$f")
	rc=$?
	if [ $rc != 0 ]; then
		echo "$(($(cat "$T_COUNT_FILE") + 1))" >"$T_COUNT_FILE"
		echo "@@KSNOOP-DETAIL $T_KERNEL ${T_PREFIX}file | $f exited with status $rc"
		echo "@@KSNOOP-TEST FAIL $T_KERNEL ${T_PREFIX}file"
	fi
done
echo "@@KSNOOP-DONE $(cat "$T_COUNT_FILE")"
