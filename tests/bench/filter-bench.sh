#!/bin/bash
# Kernel-side filter benchmark (issue 11): the in-kernel cost per call (bpf_stats) of a
# call that -c/--comm or a string predicate filters out, next to the unfiltered call and
# to the empty-program floor (fentry+fexit doing nothing), in one VM boot. Target: a
# filtered-out call costs at most 1.5x the floor. Also the program's own share of the
# counting modes' cost (--hist, --count-by comm: issue 13). The in-VM work is
# tests/bench/vm-bench-filter.sh.
#
# The VM runs with qemu -icount shift=0 (as make bench's all-in part): its clock counts
# guest instructions, 1 ns each, so other VMs on the host cannot skew bpf_stats (in real
# time on a loaded host the floor alone varied 30x between rounds).
# Env: OUT (default build), FILTER_KERNEL (default 6.12), FILTER_N (datagrams per run,
#      default 2000), FILTER_ROUNDS (default 3; the report takes medians),
#      FILTER_ICOUNT=0 times in real time instead, FILTER_ONLY (configuration ids to run,
#      e.g. "floor s-out s-out-hash"; default all).
# Output: the table on stdout and in $OUT/bench/filter-report.txt; raw lines in
# $OUT/bench/filter-raw.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=${OUT:-build}
BENCH=$OUT/bench
VER=${FILTER_KERNEL:-6.12}
mkdir -p "$BENCH"
make -s OUT="$OUT" "$OUT/ksnoop" "$OUT/workload/bare-attach" workloads
tests/vm/fetch-kernels.sh "$VER" >&2
[ "${FILTER_ICOUNT:-1}" = 0 ] || export KSNOOP_VM_QEMU_ARGS="-icount shift=0,sleep=off"
tests/vm/vm.sh --timeout 1800 --log "$BENCH/filter-console.log" --run "$VER" \
	"N=${FILTER_N:-2000}; ROUNDS=${FILTER_ROUNDS:-3}; ONLY='${FILTER_ONLY:-}'
$(cat tests/bench/vm-bench-filter.sh)" \
	>"$BENCH/filter-raw.txt" 2>&1 || {
	echo "filter-bench: the VM run failed; see $BENCH/filter-raw.txt" >&2
	exit 1
}
awk -v ver="$VER" -v icount="$([ "${FILTER_ICOUNT:-1}" = 0 ] && echo 0 || echo 1)" '
	function median(s,    a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k ? a[int((k + 1) / 2)] : 0
	}
	$1 == "R" && $2 == "filter" { call[$3] = call[$3] " " $4; run[$3] = run[$3] " " $7
		shown[$3] = $6; runs[$3] = $5
		if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 } }
	$1 == "R" && $2 == "note" { $1 = $2 = ""; notes = notes "   note:" $0 "\n" }
	$1 == "R" && $2 == "split" { ent[$3] = ent[$3] " " $4; ext[$3] = ext[$3] " " $5 }
	END {
		printf "Kernel-side filters on __dev_queue_xmit, in-kernel ns (bpf_stats; a call is\n"
		printf "two program runs, entry and exit, or one where a session entry skips the\n"
		printf "return; the floor one empty run), medians of rounds, Linux %s under TCG%s.\n",
			ver, (icount ? " with -icount (ns = guest instructions)" : ", real time")
		printf "x floor: a run over the floor'"'"'s run, the backend'"'"'s own floor (fentry rows: an\n"
		printf "empty fentry program; -km rows, kprobe-multi: an empty kprobe.multi program,\n"
		printf "floor-km); x floor/call: the same per call.\n"
		printf "  %-15s %10s %10s %9s %12s %7s %6s %9s %9s\n", "config", "ns/call", "ns/run",
			"x floor", "x floor/call", "runs", "shown", "entry/run", "exit/run"
		for (i = 1; i <= n; i++) {
			id = order[i]; m = median(run[id])
			f = median(run[id ~ /-km$/ ? "floor-km" : "floor"])
			fc = median(call[id ~ /-km$/ ? "floor-km" : "floor"])
			printf "  %-15s %10.1f %10.1f %9s %12s %7d %6d %9s %9s\n", id, median(call[id]), m,
				(f > 0 ? sprintf("%.2f", m / f) : "-"),
				(fc > 0 ? sprintf("%.2f", median(call[id]) / fc) : "-"), runs[id], shown[id],
				(id in ent ? sprintf("%.1f", median(ent[id])) : "-"),
				(id in ext ? sprintf("%.1f", median(ext[id])) : "-")
		}
		for (i = 1; i <= n; i++) {
			id = order[i]
			f = median(run[id ~ /-km$/ ? "floor-km" : "floor"])
			if (id ~ /-out(-km)?$/ && f > 0)
				printf "  %s: a run <= 1.5x the floor: %s (%.2f)\n", id,
					(median(run[id]) / f <= 1.5 ? "yes" : "NO"), median(run[id]) / f
		}
		printf "%s", notes
	}' "$BENCH/filter-raw.txt" | tee "$BENCH/filter-report.txt"
