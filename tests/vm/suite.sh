#!/bin/sh
# In-VM test suite (busybox ash): run every /ksnoop/tests/*.sh in name order, each in its
# own subshell with lib.sh loaded and T_PREFIX set to its name (00-smoke.sh -> "smoke/"),
# then print "@@KSNOOP-DONE <tests run>". The host (run-tests.sh) treats a missing DONE
# marker as a failed kernel (panic, hang, VM killed). Always exits 0: results are the
# report lines, not the status.
# Timings, so that the cost of every test is visible: each test's wall time
# ("@@KSNOOP-TIME", lib.sh), each file's ("@@KSNOOP-FILE-TIME <kernel> <file> <s>
# <s outside its tests>"), and before DONE the 15 slowest tests, slowest first
# ("@@KSNOOP-SLOWEST <kernel> <s> <name>"), and the suite's wall time.
. /ksnoop/lib.sh
export T_COUNT_FILE=/tmp/ksnoop-tests.count T_TIMES_FILE=/tmp/ksnoop-tests.times
export T_FEATURES_FILE=/tmp/ksnoop-features.txt
echo 0 >"$T_COUNT_FILE"
: >"$T_TIMES_FILE"
rm -f "$T_FEATURES_FILE"
echo "@@KSNOOP-SUITE kernel $(uname -r)"
suite_t0=$(now_cs)
# The centiseconds of all tests timed so far.
tests_cs() { awk '{ s += $1 * 100 } END { printf "%.0f\n", s }' "$T_TIMES_FILE"; }
for f in /ksnoop/tests/*.sh; do
	base=${f##*/}
	base=${base%.sh}
	T_PREFIX=${base#[0-9][0-9]-}/
	file_t0=$(now_cs)
	tests_before=$(tests_cs)
	# A file that dies outside t_run (syntax error, stray exit) is itself a failure.
	(. "$f")
	rc=$?
	file_cs=$(($(now_cs) - file_t0))
	in_tests=$(($(tests_cs) - tests_before))
	# Each test's time is rounded: never show less than nothing outside them.
	[ "$in_tests" -le "$file_cs" ] || in_tests=$file_cs
	echo "@@KSNOOP-FILE-TIME $T_KERNEL ${base}.sh $(cs_secs $file_cs) $(cs_secs $((file_cs - in_tests)))"
	if [ $rc != 0 ]; then
		echo "$(($(cat "$T_COUNT_FILE") + 1))" >"$T_COUNT_FILE"
		echo "@@KSNOOP-DETAIL $T_KERNEL ${T_PREFIX}file | $f exited with status $rc"
		echo "@@KSNOOP-TEST FAIL $T_KERNEL ${T_PREFIX}file"
	fi
done
sort -rn "$T_TIMES_FILE" | head -n 15 | while read -r secs name; do
	echo "@@KSNOOP-SLOWEST $T_KERNEL $secs $name"
done
echo "@@KSNOOP-SUITE-TIME $T_KERNEL $(cs_secs $(($(now_cs) - suite_t0)))"
echo "@@KSNOOP-DONE $(cat "$T_COUNT_FILE")"
