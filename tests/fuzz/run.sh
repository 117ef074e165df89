#!/bin/bash
# Run libFuzzer harnesses for a bounded time each (make fuzz, tests/check.sh).
#
# Usage: tests/fuzz/run.sh OUTDIR SECONDS FUZZER...
#   Each FUZZER (OUTDIR/fuzz/fuzz_NAME) runs for SECONDS on a scratch copy of its seeds
#   tests/fuzz/corpus/NAME (the committed corpus is never written to), with leak
#   detection on. Its final libFuzzer stats (execs, cov:, ft:) are printed; a crash,
#   leak, timeout (> 10 s on one input) or sanitizer report is a failure, and the input
#   that caused it is kept as OUTDIR/fuzz/NAME-crash-*. As many run at a time as
#   there are CPUs; their verdicts are printed in the order given.
# Output: one line per harness, then "fuzz: N passed, M failed, 0 skipped" (check.sh).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
[ $# -ge 3 ] || { echo "usage: $0 OUTDIR SECONDS FUZZER..." >&2; exit 2; }
OUTDIR=$1 SECS=$2
shift 2
passed=0 failed=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One harness; its verdict goes to $OUTDIR/fuzz/NAME.result, its first line PASS or FAIL.
run_one()
{
	local fz=$1 name work log rc execs final cov ft
	name=${fz##*/fuzz_}
	work=$OUTDIR/fuzz/work-$name
	log=$OUTDIR/fuzz/$name.log
	rm -rf "$work"
	mkdir -p "$work"
	[ -d "tests/fuzz/corpus/$name" ] && cp tests/fuzz/corpus/"$name"/* "$work/" 2>/dev/null
	"$fz" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$OUTDIR/fuzz/$name-" "$work" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	final=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -1)
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$final")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$final")
	if [ $rc = 0 ] && grep -q 'Done [0-9]* runs' "$log"; then
		echo "PASS fuzz/$name: ${execs:-?} execs in ${SECS}s, cov: ${cov:-?} ft: ${ft:-?}, corpus $(ls "$work" | wc -l)"
	else
		echo "FAIL fuzz/$name: exit $rc after ${execs:-?} execs (log: $log)"
		grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written' "$log" | head -n 8 | sed 's/^/    /'
	fi >"$OUTDIR/fuzz/$name.result"
}

# The harnesses are single-threaded: as many at a time as there are CPUs.
jobs_max=$(nproc 2>/dev/null || echo 1)
mkdir -p "$OUTDIR/fuzz"
for fz in "$@"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
	rm -f "$OUTDIR/fuzz/${fz##*/fuzz_}.result"
	run_one "$fz" &
done
wait
for fz in "$@"; do
	res=$OUTDIR/fuzz/${fz##*/fuzz_}.result
	if [ -s "$res" ] && head -1 "$res" | grep -q '^PASS '; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		[ -s "$res" ] || echo "FAIL fuzz/${fz##*/fuzz_}: no verdict (the runner died)" >"$res"
	fi
	cat "$res"
done
echo "fuzz: $passed passed, $failed failed, 0 skipped"
[ $failed = 0 ]
