#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host benchmark of 'ksnoop info' over big globs (make bench-host): wall-clock
# seconds, the median of ROUNDS runs, against the host's own BTF. Issue 14's
# targets are printed beside the numbers, not enforced: this is a measurement.
#
#   tests/bench/info-bench.sh [KSNOOP] [ROUNDS]
set -u
BIN=${1:-build/ksnoop}
ROUNDS=${2:-3}
[ -r /sys/kernel/btf/vmlinux ] || { echo "bench-host: no /sys/kernel/btf/vmlinux" >&2; exit 1; }

# Median wall-clock seconds of ROUNDS runs of ksnoop ARGS..., output discarded.
median_s()
{
	local i t0 t1 times=()

	for ((i = 0; i < ROUNDS; i++)); do
		t0=$(date +%s%N)
		if ! "$BIN" "$@" >/dev/null 2>&1; then
			echo "bench-host: $BIN $* failed" >&2
			return 1
		fi
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((ROUNDS + 1) / 2))p" |
		awk '{ printf "%.2f", $1 / 1000 }'
}

printf '%-44s %10s %10s\n' "info case (median of $ROUNDS)" seconds target
rc=0
for c in "info *|3" "-v info tcp_*|2"; do
	IFS='|' read -r args target <<<"$c"
	read -ra argv <<<"$args"
	s=$(median_s "${argv[@]}") || { rc=1; continue; }
	printf '%-44s %10s %10s%s\n' "ksnoop $args ($("$BIN" "${argv[@]}" 2>/dev/null | wc -l) lines)" \
		"$s" "< $target" "$(awk -v s="$s" -v t="$target" 'BEGIN { if (s >= t) print "  (over)" }')"
done
exit $rc
