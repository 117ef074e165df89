#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shell completion latency (make bench-host): wall time of one 'ksnoop __complete'
# run, what a <TAB> waits for, median of R runs per case. The issue's target
# (< 100 ms) is printed beside the numbers, not enforced: this is a measurement.
#
#   tests/bench/complete-bench.sh [KSNOOP] [R]
set -u
BIN=${1:-build/ksnoop}
R=${2:-21}
[ -r /sys/kernel/btf/vmlinux ] || { echo "bench-host: no /sys/kernel/btf/vmlinux" >&2; exit 1; }

# Median wall time in ms of R runs of BIN __complete ARGS.
median_ms()
{
	local i t0 t1
	for ((i = 0; i < R; i++)); do
		t0=$(date +%s%N)
		"$BIN" __complete "$@" >/dev/null || return 1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f\n", a[int((NR + 1) / 2)] / 1000 }'
}

printf '%-44s %10s %8s\n' "ksnoop __complete ... (median of $R)" "ms" target
rc=0
for c in "info|tcp_se" "|" "|ip_send_skb(skb->l" "|ip_send_skb(skb->sk->__sk_common.skc_" "|--co"; do
	IFS='|' read -r prev cur <<<"$c"
	# shellcheck disable=SC2086  # prev: zero or one word
	ms=$(median_ms $prev "$cur") || { echo "bench-host: $BIN __complete $prev '$cur' failed" >&2; rc=1; continue; }
	printf '%-44s %10s %8s%s\n' "${prev:+$prev }'$cur'" "$ms" "< 100" \
		"$(awk -v m="$ms" 'BEGIN { if (m >= 100) print "  (over)" }')"
done
exit $rc
