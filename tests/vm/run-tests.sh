#!/bin/bash
# Run the in-VM test suite (tests/vm/tests/*.sh) on each lab kernel, two VMs at a time
# (the lab machines have 2 cores and each VM uses one). Each kernel's test files are
# split into shards, one VM each (files alternately, 99-* in every shard, as they
# check what the others left): one kernel's suite takes 1.5 times another's (7.2 under
# TCG), and whole kernels on two lanes left one lane idle for minutes at the end.
#
# Usage: run-tests.sh VER...          e.g. run-tests.sh 6.1 6.12 7.2 5.10
# Env:   OUT (default build), KSNOOP_VM_STALL (kill a VM whose console has been silent
#        that long, default 600 s: no test runs that long without a line, however loaded the
#        host), KSNOOP_VM_TIMEOUT (a backstop per VM, default 3600 s), KSNOOP_VM_LOGS
#        (console log directory, default $OUT/vm/logs),
#        KSNOOP_VM_JOBS (VMs at a time, default 2), KSNOOP_VM_SHARDS (VMs per kernel,
#        default 2; fewer if there are fewer test files), plus what vm.sh reads.
# Output: per-shard progress and results ("[VER]" alone, or "[VER I/N]"), details of
#         failed tests, the 15 slowest tests of each ("[VER I/N] slowest: S s NAME",
#         tests/check.sh repeats them in its summary), and a last line
#         "vm: N passed, M failed, K skipped" (check.sh reads it).
#         Full console logs: $OUT/vm/logs/<ver>[-I].log; every test's wall time, slowest
#         first: $OUT/vm/logs/<ver>[-I].times ("S NAME", then each file's "S FILE (file)")
# Exit:   0 only if every kernel finished its suite with no failed test.
#
# A kernel whose VM never prints "@@KSNOOP-DONE" (panic, hang, timeout, qemu killed) is
# one failed test on top of whatever it reported. A panic before the suite started
# ("@@KSNOOP-BOOTED" missing) is the boot-time allocator double fault docs/LAB.md
# describes under TCG: that kernel is retried once, loudly. After the suite started,
# only that same allocator double fault with no BPF code in the oops is retried (once,
# loudly); any other panic may be ksnoop's doing and is a failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=${OUT:-build}
export OUT
LOGDIR=${KSNOOP_VM_LOGS:-$OUT/vm/logs}
JOBS=${KSNOOP_VM_JOBS:-2}
SHARDS=${KSNOOP_VM_SHARDS:-2}
TESTS=${KSNOOP_VM_TESTS:-tests/vm/tests}
[ $# -gt 0 ] || { echo "usage: $0 VER..." >&2; exit 2; }
mkdir -p "$LOGDIR"
RES=$(mktemp -d)
start=$SECONDS

say() { printf '[%s] %s\n' "$1" "${*:2}"; }

# The TCG fault docs/LAB.md describes, seen after boot too: a double fault whose
# RIP is in the slab allocator's fast path (a cmpxchg16b), with no BPF program, ksnoop
# program or trampoline anywhere in the oops. Anything else is a real failure.
allocator_fault() {
	local oops
	oops=$(sed -n '/double fault/,/Kernel panic/p' "$1")
	[ -n "$oops" ] || return 1
	grep -Eq 'RIP: 0010:(__kmalloc|kmem_cache_alloc|__slab_alloc|kmalloc)[a-z_]*\+' <<<"$oops" || return 1
	! grep -Eqi 'bpf|ksnoop_|trampoline' <<<"$oops"
}

# shard_names VER I: set item (VER, or VER-I with more than one shard: the names of its
# files) and tag (how the output names it: [VER] or [VER I/N]).
shard_names() {
	if [ "$n" = 1 ]; then
		item=$1 tag=$1
	else
		item=$1-$2 tag="$1 $2/$n"
	fi
}

# Boot kernel VER's VM for shard I (its test files in $RES/tests-I) and write its report
# to $RES/ITEM.report and its counts ("passed failed skipped") to $RES/ITEM.counts. Runs
# as a background job.
run_kernel() {
	local ver=$1 dir=$RES/tests-$2 item tag
	shard_names "$1" "$2"
	local log=$LOGDIR/$item.log err=$LOGDIR/$item.vm-err
	local t0=$SECONDS attempt=1 rep=$RES/$item.report
	: >"$rep"
	rm -f "$log.attempt1"
	while :; do
		say "$tag" "booting (attempt $attempt)"
		# A stale log from an earlier run must not be mistaken for this one's.
		rm -f "$log"
		touch "$log"
		# Progress, not a fixed wall time, decides whether a suite hangs: on a loaded host
		# the same suite takes twice as long (7.2: 625 s alone, over 1200 s beside
		# another make check).
		KSNOOP_VM_TESTS=$dir tests/vm/vm.sh --timeout "${KSNOOP_VM_TIMEOUT:-3600}" --stall "${KSNOOP_VM_STALL:-600}" \
			--log "$log" --suite "$ver" 2>"$err" || true
		grep -q '@@KSNOOP-DONE' "$log" && break
		local why=
		if [ $attempt = 1 ] && ! grep -q '@@KSNOOP-BOOTED' "$log" &&
		   grep -Eq 'Kernel panic|double fault' "$log"; then
			why="kernel panicked while booting, before the suite started"
		elif [ $attempt = 1 ] && allocator_fault "$log"; then
			why="kernel hit the TCG allocator double fault (cmpxchg16b in the slab allocator) with no BPF code in its trace"
		fi
		if [ -n "$why" ]; then
			mv "$log" "$log.attempt1"
			{
				echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
				echo "!!! [$tag] $why."
				echo "!!! Known TCG allocator fault (docs/LAB.md): RETRYING ONCE."
				echo "!!! First console log: $log.attempt1"
				grep -E 'Kernel panic|double fault|RIP:' "$log.attempt1" | head -5 | sed 's/^/!!!   /'
				echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
			}
			attempt=2
			continue
		fi
		break
	done

	local results passed failed skipped done_n boot suite
	results=$(grep -o '@@KSNOOP-TEST \(PASS\|FAIL\|SKIP\) .*' "$log" || true)
	passed=$(grep -c '^@@KSNOOP-TEST PASS' <<<"$results" || true)
	failed=$(grep -c '^@@KSNOOP-TEST FAIL' <<<"$results" || true)
	skipped=$(grep -c '^@@KSNOOP-TEST SKIP' <<<"$results" || true)
	done_n=$(sed -n 's/.*@@KSNOOP-DONE \([0-9]*\).*/\1/p' "$log" | tail -1)
	boot=$(sed -n 's/.*@@KSNOOP-BOOTED [^ ]* \([0-9.]*\).*/\1/p' "$log" | head -1)
	suite=$(sed -n 's/.*@@KSNOOP-SUITE-TIME [^ ]* \([0-9.]*\).*/\1/p' "$log" | tail -1)
	# Every test's and file's wall time, slowest first (also for a suite cut short).
	{
		sed -n 's/.*@@KSNOOP-TIME [^ ]* \([^ ]*\) \([0-9.]*\).*/\2 \1/p' "$log"
		sed -n 's/.*@@KSNOOP-FILE-TIME [^ ]* \([^ ]*\) \([0-9.]*\).*/\2 \1 (file)/p' "$log"
	} | sort -rn >"$LOGDIR/$item.times"

	{
		# Failed tests with the reasons they printed (command, expected, actual).
		local name
		for name in $(sed -n 's/^@@KSNOOP-TEST FAIL [^ ]* \([^ ]*\).*/\1/p' <<<"$results"); do
			echo "[$tag] FAIL $name"
			grep -o "@@KSNOOP-DETAIL $ver $name | .*" "$log" | sed "s/^@@KSNOOP-DETAIL $ver [^|]*| /    /" || true
		done
		sed -n "s|^@@KSNOOP-TEST SKIP [^ ]* \([^ ]*\) |[$tag] SKIP \1: |p" <<<"$results"
		if [ -z "$done_n" ]; then
			failed=$((failed + 1))
			echo "[$tag] FAILED: kernel $ver did not finish the test suite" \
			     "($(tr '\n' ' ' <"$err" | sed 's/vm\.sh: //g; s/ *$//'))."
			if [ -z "$boot" ]; then
				echo "[$tag] It never reached userspace (no @@KSNOOP-BOOTED)."
			else
				local last
				last=$(sed -n 's/.*@@KSNOOP-START [^ ]* \([^ ]*\).*/\1/p' "$log" | tail -1)
				[ -z "$last" ] || echo "[$tag] The last test started was: $last"
			fi
			# Failure details were shown above; leave them out here.
			echo "[$tag] Last 30 console lines ($log, without failure details):"
			grep -v '@@KSNOOP-DETAIL' "$log" | tail -n 30 | sed 's/^/    | /' || true
		elif [ "$done_n" != $((passed + failed + skipped)) ]; then
			failed=$((failed + 1))
			echo "[$tag] FAILED: the suite ran $done_n tests but $((passed + failed + skipped))" \
			     "reported (garbled console output?); see $log"
		fi
		echo "[$tag] $passed passed, $failed failed, $skipped skipped;" \
		     "boot ${boot:-?} s, suite ${suite:-?} s, VM wall $((SECONDS - t0)) s ($(cut -d' ' -f1 \
		     "${KSNOOP_CACHE:-$HOME/.cache/ksnoop}/kernels/$ver/release" 2>/dev/null || echo "$ver"))"
		sed -n 's/.*@@KSNOOP-SLOWEST [^ ]* \([^ ]*\) \([^ ]*\).*/\1 s \2/p' "$log" |
			sed "s|^|[$tag] slowest: |"
		[ $attempt = 1 ] || echo "[$tag] NOTE: retried once after a TCG allocator panic (see $log.attempt1)"
	} >>"$rep"
	echo "$passed $failed $skipped" >"$RES/$item.counts"
	cat "$rep"
}

# Each kernel runs as its own process group (set -m), so on Ctrl-C or TERM we can end
# its whole tree (vm.sh, timeout, qemu, the log pipeline) and nothing else.
set -m
cleanup() {
	local pid
	for pid in $(jobs -p); do kill -TERM -- "-$pid" 2>/dev/null || true; done
	rm -rf "$RES"
}
trap cleanup EXIT
trap 'echo "run-tests: interrupted" >&2; exit 130' INT TERM HUP

# The shards: files in name order go to shards 1..N in turn (N at most the number of
# files); 99-* go to every shard. Each shard's files are in $RES/tests-I.
files=()
last=()
for f in "$TESTS"/*.sh; do
	[ -e "$f" ] || continue
	case ${f##*/} in 99-*) last+=("$f") ;; *) files+=("$f") ;; esac
done
[ ${#files[@]} -gt 0 ] || files=("${last[@]}") last=()
n=$SHARDS
[ "$n" -ge 1 ] 2>/dev/null || n=1
[ "$n" -le ${#files[@]} ] || n=${#files[@]}
for ((i = 1; i <= n; i++)); do mkdir -p "$RES/tests-$i"; done
i=0
for f in "${files[@]}"; do
	cp "$f" "$RES/tests-$((i % n + 1))/"
	i=$((i + 1))
done
for ((i = 1; i <= n; i++)); do
	[ ${#last[@]} = 0 ] || cp "${last[@]}" "$RES/tests-$i/"
done

# Kernel by kernel in the order given (the slowest first, so that its shards do not
# end the run alone), shards of one kernel one after the other.
for ver in "$@"; do
	for ((i = 1; i <= n; i++)); do
		while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
		run_kernel "$ver" "$i" &
	done
done
wait || true
set +m

total_p=0 total_f=0 total_s=0
bad=()
for ver in "$@"; do
	for ((i = 1; i <= n; i++)); do
		shard_names "$ver" "$i"
		if [ -f "$RES/$item.counts" ]; then
			read -r p f s <"$RES/$item.counts"
		else
			echo "[$tag] FAILED: the harness lost this kernel's result"
			p=0 f=1 s=0
		fi
		total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
		[ "$f" = 0 ] || bad+=("$tag")
	done
done
echo "run-tests: kernels $*: wall time $((SECONDS - start)) s; logs in $LOGDIR/"
[ ${#bad[@]} = 0 ] || echo "run-tests: FAILED on kernel(s): $(printf '%s, ' "${bad[@]}" | sed 's/, $//')"
echo "vm: $total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
