#!/bin/bash
# Host tests: the unit test runner OUTDIR/tests/unit, then every tests/host/*.sh (shell
# tests written with tests/vm/lib.sh, the same helpers the VM tests use).
#
# Usage: tests/run-host.sh OUTDIR        (make unit: OUTDIR=build)
# Env:   KSNOOP  the binary under test (default OUTDIR/ksnoop); it is put first on PATH,
#                ahead of bcc's /usr/sbin/ksnoop
# Output: test lines, the 10 slowest shell tests ("host slowest: S s NAME"), then
#         "host: N passed, M failed, K skipped" as the last line (tests/check.sh reads
#         it). Exit 1 if anything failed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUTDIR=$1
KSNOOP=$(realpath -m "${KSNOOP:-$OUTDIR/ksnoop}")
passed=0 failed=0 skipped=0

# Unit tests: their own runner prints "unit: N passed, M failed, K skipped".
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -x "$OUTDIR/tests/unit" ]; then
	set +e
	"$OUTDIR/tests/unit" 2>&1 | tee "$tmp/unit.out"
	rc=${PIPESTATUS[0]}
	set -e
	out=$(cat "$tmp/unit.out")
	line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' <<<"$out" | tail -1 || true)
	if [ -n "$line" ]; then
		read -r p f s <<<"$(sed -E 's/^unit: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/' <<<"$line")"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		# A runner that reports no failures but exits non-zero crashed or lied.
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			echo "FAIL unit: the runner exited $rc after reporting no failures"
			failed=$((failed + 1))
		fi
	else
		echo "FAIL unit: $OUTDIR/tests/unit exited $rc without its summary line (crashed?)"
		failed=$((failed + 1))
	fi
else
	echo "FAIL unit: no unit test runner at $OUTDIR/tests/unit (run: make $OUTDIR/tests/unit)"
	failed=$((failed + 1))
fi

# Shell tests, each file in its own bash with lib.sh; results are lib.sh's report lines.
# The harness tests (40-harness.sh: VMs booted one after another, 70 s) run beside the
# others, which run one after another on the other CPU; results are shown in file order.
if [ -x "$KSNOOP" ]; then
	bindir=$tmp/bin
	mkdir "$bindir"
	: >"$tmp/times"
	ln -s "$KSNOOP" "$bindir/ksnoop"
	# run_file FILE: its output to $tmp/NAME.out, its exit status to $tmp/NAME.rc.
	run_file()
	{
		local name=${1##*/} rc=0
		name=${name%.sh}
		PATH=$bindir:$PATH T_KERNEL=host T_PREFIX="${name#[0-9][0-9]-}/" \
			T_COUNT_FILE="$tmp/$name.count" bash -c '. tests/vm/lib.sh; . "$1"' _ "$1" \
			>"$tmp/$name.out" 2>&1 || rc=$?
		echo $rc >"$tmp/$name.rc"
	}
	bg=
	for f in tests/host/*-harness.sh; do
		[ -e "$f" ] || continue
		run_file "$f" &
		bg="$bg $!"
	done
	for f in tests/host/*.sh; do
		case $f in *-harness.sh) continue ;; esac
		[ -e "$f" ] && run_file "$f"
	done
	for p in $bg; do wait "$p" || true; done
	for f in tests/host/*.sh; do
		[ -e "$f" ] || continue
		name=${f##*/}
		name=${name%.sh}
		out=$(cat "$tmp/$name.out" 2>/dev/null || true)
		rc=$(cat "$tmp/$name.rc" 2>/dev/null || echo "?")
		# Show results as "PASS name", failure details indented.
		sed -n -e 's/^@@KSNOOP-TEST SKIP host \([^ ]*\) /SKIP \1: /p' \
		       -e 's/^@@KSNOOP-TEST \(PASS\|FAIL\) host /\1 /p' \
		       -e 's/^@@KSNOOP-DETAIL host [^|]*| /    /p' <<<"$out"
		p=$(grep -c '^@@KSNOOP-TEST PASS' <<<"$out" || true)
		fl=$(grep -c '^@@KSNOOP-TEST FAIL' <<<"$out" || true)
		s=$(grep -c '^@@KSNOOP-TEST SKIP' <<<"$out" || true)
		if [ "$rc" != 0 ]; then
			echo "FAIL $f: exited $rc:"
			grep -v '^@@KSNOOP-' <<<"$out" | sed 's/^/    /' || true
			fl=$((fl + 1))
		fi
		passed=$((passed + p)) failed=$((failed + fl)) skipped=$((skipped + s))
		sed -n 's/^@@KSNOOP-TIME host \([^ ]*\) \([0-9.]*\)$/\2 \1/p' <<<"$out" >>"$tmp/times"
	done
	sort -rn "$tmp/times" | sed -n '1,10s/^\([^ ]*\) /host slowest: \1 s /p'
else
	echo "FAIL host: no ksnoop binary at $KSNOOP (run: make)"
	failed=$((failed + 1))
fi

echo "host: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
