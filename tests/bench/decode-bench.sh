#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host decode benchmark (make bench-host): instructions per traced call spent
# in userspace turning records into text or JSON, counted by callgrind, so the
# numbers are deterministic and do not depend on the machine's load.
#
#   tests/bench/decode-bench.sh [DECODE_BENCH] [N]
#
# Only bench_loop() (N output_call()s) is collected, not the BTF load; the
# result is the collected instruction count divided by N. The issue's targets
# (issue 12) are printed beside the numbers, not enforced: this is a measurement.
set -u
BIN=${1:-build/decode-bench}
N=${2:-10000}
OUTDIR=$(dirname "$BIN")/bench
mkdir -p "$OUTDIR"

if ! command -v valgrind >/dev/null; then
	echo "bench-host: valgrind not installed" >&2
	exit 1
fi
[ -r /sys/kernel/btf/vmlinux ] || { echo "bench-host: no /sys/kernel/btf/vmlinux" >&2; exit 1; }

# Instructions per event for CASE FORMAT [pair]; the callgrind profile stays in $OUTDIR.
ir_per_event()
{
	local out="$OUTDIR/callgrind.$1-$2${3:+-$3}.out" total

	if ! valgrind --tool=callgrind --toggle-collect='bench_loop*' \
		--callgrind-out-file="$out" "$BIN" "$1" "$2" "$N" ${3:+"$3"} >/dev/null 2>"$out.log"; then
		echo "bench-host: $BIN $1 $2 $N ${3:-} failed:" >&2
		cat "$out.log" >&2
		return 1
	fi
	total=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
	[ -n "$total" ] && [ "$total" -gt 0 ] || { echo "bench-host: no cost in $out" >&2; return 1; }
	echo $((total / N))
}

printf '%-52s %-6s %14s %10s\n' "case ($N events each)" format "instr/event" target
rc=0
# The paired row adds the pairing of each entry with its exit record (src/pair.c),
# which ksnoop does first: the whole of userspace's work for a call but the ring
# buffer's reads and the write(2)s. The last row is the same call as one sample of
# both records (the fentry stub's one record per call), which the pairer hands on.
for c in "scalar|ip_send_skb(skb->len, return)|2000|" "skb|ip_send_skb(skb)|25000|" \
	"scalar|ip_send_skb(skb->len, return), paired|2000|pair" \
	"scalar|ip_send_skb(skb->len, return), one sample|2000|call"; do
	IFS='|' read -r case spec target mode <<<"$c"
	set -- "$case" "$spec" "$target" "$mode"
	for fmt in text json; do
		n=$(ir_per_event "$1" "$fmt" $4) || { rc=1; continue; }
		printf '%-52s %-6s %14s %10s%s\n' "$1: $2" "$fmt" "$n" "< $3" \
			"$([ "$n" -lt "$3" ] || echo '  (over)')"
	done
done
echo; echo "profiles: callgrind_annotate --inclusive=yes $OUTDIR/callgrind.CASE-FORMAT.out"
exit $rc
