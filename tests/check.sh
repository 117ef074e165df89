#!/bin/bash
# `make check`: everything, in order, with one closing tally.
#   1. scripts/deps.sh          packages (installs missing ones as root)
#   2. make; make workloads; make $OUT/tests/unit
#   3. tests/vm/fetch-kernels.sh $KERNELS   (first: the host tests of the harness boot one)
#   4. tests/run-host.sh        unit tests and host shell tests
#   5. tests/vm/run-tests.sh $KERNELS     the in-VM suite on each kernel
# A stage that fails counts as one failure (stages that report tests count those
# instead) and later stages still run where they can: no ksnoop binary means no host
# shell or VM tests, no kernels means no VM tests; the stages skipped are counted failed.
# The last line is exactly "N passed, M failed, K skipped"; exit 1 if M > 0.
# Env: KERNELS (default "7.2 6.12 6.1 5.10": longest suites first, for the two VM slots), OUT (default build), KSNOOP (binary under
#      test, default $OUT/ksnoop), FUZZ_SECONDS (default 10), and what the stages read.
#      make check SANITIZE=1 passes SANITIZE to every make below (MAKEFLAGS) and OUT=
#      build-asan; leaks are then failures (ASAN_OPTIONS detect_leaks=1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-build}
export OUT
KERNELS=${KERNELS:-7.2 6.12 6.1 5.10}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
start=$SECONDS
passed=0 failed=0 skipped=0
failures=()
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

# stage TITLE: a stage begins (and the one before ends); the summary lists each
# stage's wall time, so that where the time goes is visible.
stage_times=() stage_name='' stage_t0=$SECONDS
stage_end() {
	[ -z "$stage_name" ] || stage_times+=("$stage_name $((SECONDS - stage_t0)) s")
}
stage() {
	stage_end
	stage_name=${1%% *} stage_t0=$SECONDS
	printf '\n==== %s\n' "$*"
}

# step NAME CMD...: a stage with no test counts of its own: one pass or one failure.
step() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		return 0
	fi
	echo "check: FAILED: $name"
	failed=$((failed + 1))
	failures+=("$name")
	return 1
}

# tests NAME PREFIX CMD...: a stage that ends with "PREFIX: N passed, M failed, K skipped";
# add its counts. No such line means the stage broke: one failure.
tests() {
	local name=$1 prefix=$2 rc line p f s
	shift 2
	set +e
	"$@" 2>&1 | tee "$LOG"
	rc=${PIPESTATUS[0]}
	set -e
	line=$(grep -E "^$prefix: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped" "$LOG" | tail -1 || true)
	if [ -z "$line" ]; then
		echo "check: FAILED: $name exited $rc without reporting its counts"
		failed=$((failed + 1))
		failures+=("$name")
		return 1
	fi
	read -r p f s <<<"$(sed -E 's/^[^:]*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$line")"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" = 0 ] && [ "$rc" != 0 ]; then
		# Counts say fine but the status says otherwise: trust the status.
		echo "check: FAILED: $name exited $rc"
		failed=$((failed + 1))
	fi
	[ "$f" = 0 ] && [ "$rc" = 0 ] || failures+=("$name")
}

# The builds below use every core unless the make that runs us was given -j (its
# MAKEFLAGS): serial, ksnoop, its ASan build, the fuzzers and the unit runner are a
# minute of compiling on two cores.
MAKE_J=()
case " ${MAKEFLAGS:-} " in
*-j*|*jobserver*) ;;
*) MAKE_J=(-j"$(nproc)") ;;
esac

stage "dependencies (scripts/deps.sh)"
step deps scripts/deps.sh || true

stage "build (make)"
step build make "${MAKE_J[@]}" || true
step workloads make "${MAKE_J[@]}" workloads || true
# The ASan+UBSan ksnoop that tests/vm/tests/60-asan.sh runs in each VM (vm.sh packs it).
step ksnoop-asan make "${MAKE_J[@]}" "$OUT/ksnoop-asan" || true
# KSNOOP (a binary to test instead of $OUT/ksnoop) is honoured by every stage below.
have_ksnoop=1
[ -x "${KSNOOP:-$OUT/ksnoop}" ] || have_ksnoop=0

stage "fuzz (make fuzz, ${FUZZ_SECONDS}s each)"
# A crash, leak or sanitizer report in a harness is one failed test (run.sh counts).
if make "${MAKE_J[@]}" fuzz-build; then
	tests fuzz fuzz make fuzz FUZZ_SECONDS="$FUZZ_SECONDS" || true
else
	echo "check: FAILED: the fuzz harnesses did not build (clang, libclang-rt-14-dev?)"
	failed=$((failed + 1)); failures+=("fuzz (build)")
fi

stage "kernels (tests/vm/fetch-kernels.sh $KERNELS)"
have_kernels=1
# shellcheck disable=SC2086 # KERNELS is a list
step kernels tests/vm/fetch-kernels.sh $KERNELS || have_kernels=0

stage "host tests"
# The unit runner may fail to build on its own; run-host.sh then reports it missing, and
# a missing ksnoop, and still runs what it can.
make "${MAKE_J[@]}" "$OUT/tests/unit" || echo "check: the unit test runner did not build"
tests host-tests host tests/run-host.sh "$OUT" || true
host_slowest=$(grep '^host slowest: ' "$LOG" | sed -n '1,5p' || true)

stage "VM tests (tests/vm/run-tests.sh $KERNELS)"
if [ $have_ksnoop = 1 ] && [ $have_kernels = 1 ]; then
	# shellcheck disable=SC2086
	tests vm-tests vm tests/vm/run-tests.sh $KERNELS || true
	# For the summary: the slowest tests of each kernel (run-tests.sh ranks them).
	# Only the 2 slowest per VM (two per kernel): CI shows the summary's tail, and
	# failures come last.
	slowest=$(grep -E '^\[[^]]+\] slowest: ' "$LOG" | awk -F'[][]' '++n[$2] <= 2' || true)
	# Each failed VM test with its first detail lines, for the end of the summary.
	vm_failed=$(grep -E -A4 '^\[[^]]+\] (FAIL |FAILED)' "$LOG" |
		grep -E '^(\[[^]]+\] (FAIL |FAILED)|    )' | head -40 || true)
else
	echo "check: VM tests not run (no ksnoop binary or no kernels)"
	failed=$((failed + 1)); failures+=("VM tests (not run)")
fi

stage_end
wall=$((SECONDS - start))
echo
echo "==== summary"
[ -z "${host_slowest:-}" ] || printf '%s\n' "$host_slowest"
[ -z "${slowest:-}" ] || printf '%s\n' "$slowest"
printf 'check: stage wall times:'
printf ' %s;' "${stage_times[@]}"
echo
[ ${#failures[@]} = 0 ] || echo "check: failed stages: ${failures[*]}"
host_failed=$(grep -E '^FAIL ' "$LOG" | head -10 || true)
[ -z "${host_failed:-}" ] || printf '%s\n' "$host_failed"
[ -z "${vm_failed:-}" ] || printf '%s\n' "$vm_failed"
printf 'check: total wall time %dm%02ds\n' $((wall / 60)) $((wall % 60))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
