#!/bin/bash
# Mass-attach benchmark (part of `make bench`, called by tests/bench/run.sh): how fast
# ksnoop attaches to and detaches from hundreds to thousands of functions, next to
# bpftrace (kfunc: probes over the same explicit list) and to bare-attach (a trivial
# program and nothing else, tests/bench/bare-attach.c) over the same BTF ids, in the same
# VM boot. The in-VM work is tests/bench/vm-bench-attach.sh.
#
# Env: OUT (default build), ATTACH_KERNELS (default "6.1 6.12 7.2"),
#      ATTACH_BIG_BPFTRACE=1 also runs bpftrace on the 2,000-function set (minutes),
#      ATTACH_KFUNC=0 leaves bpftrace kfunc: out (kprobe: stays on kprobe.multi kernels),
#      ATTACH_SETS (default "tcp big" on multi-link kernels, "tcp" on the others),
#      ATTACH_ICOUNT=1 runs the VM with qemu -icount shift=0,sleep=off: its clock counts
#      guest instructions (1 ns each), so other VMs on the host cannot skew the times
#      (a cost model, like the all-in part of tests/bench/run.sh; slower in real time),
#      ATTACH_ROUNDS (default 5) rounds on multi-link kernels (the report takes medians),
#      ATTACH_REPORT_ONLY=1 rebuilds the report from the raw files of an earlier run,
#      ATTACH_BEFORE=BINARY an earlier ksnoop build, run in the same rounds on kprobe.multi
#      kernels ("ksnoop before" rows: a before/after comparison under the same load).
# Per-function kernels (before 7.x) run 'tcp_*' only: at ~0.1 s a function for ksnoop and
# more for bpftrace under TCG, 2,000 functions would take over ten minutes per tool.
# Output: $OUT/bench/attach-report.txt; raw lines in $OUT/bench/attach-raw-VER.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/bench/host-lib.sh
KERNELS=${ATTACH_KERNELS:-6.1 6.12 7.2}
mkdir -p "$BENCH" "$OUT/workload"
if [ "${ATTACH_REPORT_ONLY:-0}" != 1 ]; then
	# vm.sh packs every program in $OUT/workload into the VM (make bench builds it too).
	make -s OUT="$OUT" "$OUT/workload/bare-attach"
	# vm.sh packs $OUT/workload/*: the earlier build goes there for this run only.
	rm -f "$OUT/workload/ksnoop-before"
	[ -z "${ATTACH_BEFORE:-}" ] || install -m 0755 "$ATTACH_BEFORE" "$OUT/workload/ksnoop-before"
	trap 'rm -f "$OUT/workload/ksnoop-before"' EXIT
	# shellcheck disable=SC2086
	tests/vm/fetch-kernels.sh $KERNELS >&2
fi

run_vm()
{
	local ver=$1 sets=tcp btsets=tcp qemu=
	[ "${ATTACH_ICOUNT:-0}" = 0 ] || qemu="-icount shift=0,sleep=off"
	# 7.x (fentry-multi) and 6.12 (kprobe-multi) attach thousands in seconds.
	case $ver in 7.* | 6.12) sets="tcp big" ;; esac
	sets=${ATTACH_SETS:-$sets}
	[ "${ATTACH_BIG_BPFTRACE:-0}" = 0 ] || btsets=$sets
	[ "${ATTACH_KFUNC:-1}" = 1 ] || btsets=
	echo "bench-attach: kernel $ver: sets '$sets', bpftrace on '$btsets'..." >&2
	vm_run "bench-attach: kernel $ver" "$BENCH/attach-console-$ver.log" "$BENCH/attach-raw-$ver.txt" \
		env KSNOOP_VM_QEMU_ARGS="$qemu" tests/vm/vm.sh --peers --timeout 1800 \
		--log "$BENCH/attach-console-$ver.log" --run "$ver" \
		"SETS='$sets'; BPFTRACE_SETS='$btsets'; BIG_MIN=2000; ROUNDS=${ATTACH_ROUNDS:-5}; ICOUNT=${ATTACH_ICOUNT:-0}
$(cat tests/bench/vm-lib.sh tests/bench/vm-bench-attach.sh)"
}

report()
{
	awk -v ver="$1" '
	function fps(n, s) { return (s + 0 > 0) ? n / s : 0 }
	# Median of the space-separated values in s (rounds of the same measurement).
	function med(s,    a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function r(a, b) { return (a > 0 && b > 0) ? sprintf("%.1fx", a / b) : "-" }
	function r2(a, b) { return (a > 0 && b > 0) ? sprintf("%.2fx", a / b) : "-" }
	# "MIN..MAX" of the values in s.
	function spread(s,    a, n, i, lo, hi) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) {
			if (i == 1 || a[i] + 0 < lo) lo = a[i] + 0
			if (i == 1 || a[i] + 0 > hi) hi = a[i] + 0
		}
		return n ? sprintf("%.2f..%.2f", lo, hi) : "-"
	}
	# "MEDIAN (MIN..MAX)" of the values in s, "-" without any.
	function ms(s) { return s == "" ? "-" : sprintf("%.2f (%s)", med(s), spread(s)) }
	# The ratios a[i] / b[i] of two lists paired by round, as a list.
	function pair_ratios(a, b,    x, y, n, i, out) {
		n = split(a, x, " "); if (split(b, y, " ") < n) n = split(b, y, " ")
		for (i = 1; i <= n; i++) if (x[i] > 0 && y[i] > 0) out = out " " x[i] / y[i]
		return out
	}
	function mr(s) { return s == "" ? "-" : sprintf("%.2fx (%s)", med(s), spread(s)) }
	function meets(v, lim) { return v == "" ? "no result" : (med(v) <= lim ? "meets" : "MISSES") }
	$1 != "R" { next }
	$2 == "note" { $1 = $2 = ""; notes[++nn] = $0; next }
	$2 == "set" { s = $3; sets[++ns] = s; n[s] = $4; $1 = $2 = $3 = $4 = ""; specs[s] = $0 }
	$2 == "ksnoop" {
		k = $3 "/" $4; kn[k] = $5; kb[k] = $6; kh[k] = kh[k] > $10 ? kh[k] : $10
		sa[k] = sa[k] " " $7; sl[k] = sl[k] " " $8; sd[k] = sd[k] " " $9; kr[k]++
		sg[k] = sg[k] " " ($11 == "" ? $9 : $11)
	}
	$2 == "bpftrace" { bn[$3] = $4; ba[$3] = $5; bd[$3] = $6; bh[$3] = $7 }
	$2 == "bpftrace-kprobe" {
		kbn[$3] = $4; kba[$3] = kba[$3] " " $5; kbd[$3] = kbd[$3] " " $6
		kbh[$3] = kbh[$3] > $7 ? kbh[$3] : $7
	}
	$2 == "bareglob" {
		k = $3; gn[k] = $5; gl[k] = gl[k] " " $6; gd[k] = gd[k] " " $7
		gt[k] = gt[k] " " $8; gk[k] = gk[k] " " $9
	}
	$2 == "bare" {
		k = $3 "/" $4; xn[k] = $5; xf[k] = $6
		sxl[k] = sxl[k] " " $7; sxk[k] = sxk[k] " " $8; sxt[k] = sxt[k] " " $9
		sxd[k] = sxd[k] " " $10
	}
	# Issue 10 side by side on a kprobe.multi kernel: launch to attached and Ctrl-C to
	# exit of ksnoop (default: entries and returns), the bare glob pair and bpftrace.
	function glob_report(s, kd_,    lr, dr, br, tmp) {
		printf "\n  %s side by side, seconds, median (min..max) of %d rounds, one tool after\n", s,
		       split(gl[s], tmp, " ")
		printf "  another in each round (same load). launch = exec to \"attached\" (bpftrace: to its\n"
		printf "  BEGIN probe); Ctrl-C = SIGINT to exit. own = the tool'"'"'s figure for its BPF\n"
		printf "  work (ksnoop: object load, plans, links; bare: map, program, links).\n"
		printf "  %-34s %6s %20s %20s %20s\n", "tool", "funcs", "launch s", "Ctrl-C s", "own s"
		printf "  %-34s %6d %20s %20s %20s\n", "ksnoop (kprobe-multi, entry+return)", kn[kd_],
		       ms(sl[kd_]), ms(sd[kd_]), ms(sa[kd_])
		if ((s "/before") in kr)
			printf "  %-34s %6d %20s %20s %20s\n", "ksnoop before (ATTACH_BEFORE)",
			       kn[s "/before"], ms(sl[s "/before"]), ms(sd[s "/before"]), ms(sa[s "/before"])
		printf "  %-34s %6d %20s %20s %20s\n", "bare kprobe.multi glob pair", gn[s], ms(gl[s]),
		       ms(gd[s]), ms(gt[s])
		if (s in kbn)
			printf "  %-34s %6d %20s %20s %20s\n", "bpftrace kprobe:GLOB (entry only)", kbn[s],
			       ms(kba[s]), ms(kbd[s]), "-"
		lr = pair_ratios(sl[kd_], gl[s]); dr = pair_ratios(sd[kd_], gd[s])
		printf "  ksnoop / bare, per round: launch %s, Ctrl-C %s; own %s\n", mr(lr), mr(dr),
		       mr(pair_ratios(sa[kd_], gt[s]))
		printf "  ksnoop / bare, of the medians: launch %s, Ctrl-C %s\n", r2(med(sl[kd_]), med(gl[s])),
		       r2(med(sd[kd_]), med(gd[s]))
		printf "  target within 1.3x of the bare link (launch, median per-round ratio): %s\n", meets(lr, 1.3)
		if ((s "/before") in kr)
			printf "  ksnoop before / bare, per round: launch %s, Ctrl-C %s\n",
			       mr(pair_ratios(sl[s "/before"], gl[s])), mr(pair_ratios(sd[s "/before"], gd[s]))
		if (s in kbn) {
			br = pair_ratios(sl[kd_], kba[s])
			printf "  ksnoop / bpftrace kprobe:, per round: launch %s, Ctrl-C %s; at least as fast: %s\n",
			       mr(br), mr(pair_ratios(sd[kd_], kbd[s])), meets(br, 1)
		}
	}
	END {
		for (k in kr) { ka[k] = med(sa[k]); kl[k] = med(sl[k]); kd[k] = med(sd[k]); kg[k] = med(sg[k]) }
		for (k in xn) { xl[k] = med(sxl[k]); xk[k] = med(sxk[k]); xt[k] = med(sxt[k]); xd[k] = med(sxd[k]) }
		printf "=== Kernel %s: attaching many functions (TCG, -smp 1) ===\n", ver
		for (k in kr) if (kr[k] > rounds) rounds = kr[k]
		if (rounds > 1)
			printf "(medians of %d rounds; every run is in attach-raw-%s.txt)\n", rounds, ver
		for (i = 1; i <= ns; i++) {
			s = sets[i]
			printf "\nset %s: %d traceable functions:%s\n", s, n[s], specs[s]
			printf "%-28s %6s %9s %9s %9s %8s %9s %8s\n", "tool", "funcs", "attach s",
			       "launch s", "funcs/s", "detach s", "peak MiB", "backend"
			bfps = (s in bn) ? fps(bn[s], ba[s]) : 0
			split("default before --entry --backend=fentry --backend=kprobe", km, " ")
			for (m = 1; m <= 5; m++) {
				mode = km[m]
				k = s "/" mode
				if (!(k in kn)) continue
				printf "%-28s %6d %9.2f %9.2f %9.0f %8s %9.1f %8s  (links gone %s s)\n",
				       "ksnoop " mode, kn[k], ka[k], kl[k], fps(kn[k], ka[k]), kd[k],
				       kh[k] / 1024, kb[k], kg[k]
			}
			if ((s in bn) && bn[s] > 0)
				printf "%-28s %6d %9s %9s %9.1f %8s %9.1f\n", "bpftrace kfunc: (1 prog/fn)",
				       bn[s], "-", ba[s], bfps, bd[s], bh[s] / 1024
			# One kprobe.multi link per glob where the kernel has it (bare kmulti runs),
			# else a perf kprobe per function.
			kbl = (s "/kmulti+cookies" in xn) ? "(multi)" : "(1/fn)"
			if ((s in kbn) && kbn[s] > 0)
				printf "%-28s %6d %9s %9.2f %9.1f %8.2f %9.1f\n", "bpftrace kprobe:GLOB " kbl,
				       kbn[s], "-", med(kba[s]), fps(kbn[s], med(kba[s])), med(kbd[s]),
				       kbh[s] / 1024
			split("both fentry multi-both multi multi-both+cookies multi+cookies kmulti-both+cookies kmulti+cookies", bm, " ")
			for (m = 1; m <= 8; m++) {
				mode = bm[m]
				k = s "/" mode
				if (!(k in xn)) continue
				printf "%-28s %6d %9.2f %9s %9.0f %8s %9s   (load %.2f s, link %.2f s, %d failed)\n",
				       "bare-attach " mode, xn[k] - xf[k], xt[k], "-",
				       fps(xn[k] - xf[k], xt[k]), xd[k], "-", xl[k], xk[k], xf[k]
			}
			# Ratios: ksnoop default = entry+exit (bare both / multi-both),
			# --entry = one program (bare fentry / multi), bpftrace = entry only.
			multi = (s "/multi" in xn)
			be = multi ? "multi" : "fentry"; bb = multi ? "multi-both" : "both"
			kd_ = s "/default"; ke = s "/--entry"
			printf "ratios: ksnoop --entry vs bpftrace funcs/s: %s (launch to ready: %s);",
			       r(fps(kn[ke], ka[ke]), bfps), r(fps(kn[ke], kl[ke]), bfps)
			printf " default vs bpftrace: %s\n", r(fps(kn[kd_], ka[kd_]), bfps)
			printf "        ksnoop time / bare time: --entry %s (bare %s), default %s (bare %s)\n",
			       r(ka[ke], xt[s "/" be]), be, r(ka[kd_], xt[s "/" bb]), bb
			if (s "/kmulti+cookies" in xn) {
				printf "        kprobe-multi: ksnoop time / bare kprobe.multi with cookies: --entry %s, default %s\n",
				       r(ka[ke], xt[s "/kmulti+cookies"]), r(ka[kd_], xt[s "/kmulti-both+cookies"])
			}
			if (s in gn)
				glob_report(s, kd_)
			if (multi && (s "/multi+cookies" in xn))
				printf "        ksnoop time / bare with cookies: --entry %s, default %s\n",
				       r(ka[ke], xt[s "/multi+cookies"]), r(ka[kd_], xt[s "/multi-both+cookies"])
		}
		for (i = 1; i <= nn; i++) printf "note:%s\n", notes[i]
		printf "\n"
	}' "$BENCH/attach-raw-$1.txt"
}

fail=0
for ver in $KERNELS; do
	[ "${ATTACH_REPORT_ONLY:-0}" = 1 ] || run_vm "$ver" || fail=1
done
{
	cat <<EOF
ksnoop mass-attach benchmark $(date -u '+%Y-%m-%d %H:%M UTC') ($(git describe --always --dirty 2>/dev/null || echo ?))
attach s = ksnoop's own "attached N functions in X s" (load of the BPF object, plans,
links); launch s = from exec to that line (adds BTF parsing, selection and the ftrace
traceable list), for bpftrace from exec to its BEGIN probe (after every probe attached).
detach s = SIGINT to exit (the prompt back); links gone = SIGINT to the last link
removed (by a detached child when there are many). bare-attach = trivial program, raw
bpf(2), same BTF ids.
Targets (issue 10, 6.12 kprobe-multi): tcp_* attach < 1.5 s, Ctrl-C to exit < 1 s;
2,000 functions attach < 3 s, within 1.3x of the bare kprobe.multi link, at least as
fast as bpftrace kprobe:.
Targets (issue 4): 7.x >= 2,000 functions in < 2 s, >= 50x bpftrace funcs/s, within 10%
of bare link creation; per-function kernels >= 10x bpftrace and within 10% of a bare
loop; peak RSS at 2,000 functions < 64 MiB.

EOF
	for ver in $KERNELS; do
		if [ -s "$BENCH/attach-raw-$ver.txt" ]; then report "$ver"; else
			echo "=== Kernel $ver: no results ==="; fail=1; fi
	done
} >"$BENCH/attach-report.txt"
cat "$BENCH/attach-report.txt"
exit $fail
