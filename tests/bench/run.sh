#!/bin/bash
# `make bench`: ksnoop's cost per traced call, memory and time to attach, next to bcc's
# ksnoop (libbpf-tools) and bpftrace measured in the same VM boot. One VM per kernel
# (tests/vm/vm.sh --peers, 3G) and one more for the all-in cost per call, whose clock
# counts guest instructions (qemu -icount) so that other VMs on the host cannot skew it;
# the work inside is tests/bench/vm-bench.sh.
#
# Usage: tests/bench/run.sh            (make bench)
# Env:   OUT (build dir, default build), BENCH_KERNELS (default "6.1 7.2"),
#        BENCH_N (datagrams per cost run, default 2000), BENCH_REPS (attach runs, 3),
#        BENCH_ATTACH=0 leaves out the mass-attach part (tests/bench/run-attach.sh),
#        BENCH_PARTS (in-VM parts, default "startup cost rss tput stopflood attach allin"),
#        BENCH_ALLIN_N (calls per all-in run, default 20000), BENCH_ALLIN_ROUNDS (3),
#        BENCH_ALLIN_ICOUNT=0 times the all-in part in real time (host load skews it),
#        BENCH_ALLIN_ONLY (all-in configuration ids to run, e.g. "floor stats bt-count";
#        default all), BENCH_BACKENDS (backends for the all-in per-backend rows; default: every name
#        ksnoop --backend accepts, each kept if it attaches on that kernel),
#        BENCH_REPORT_ONLY=1 rebuilds the report from the raw files of an earlier run
# Output: the report on stdout and in $OUT/bench/report.txt; each VM's raw result lines
#         in $OUT/bench/raw-VER.txt, its console in $OUT/bench/console-VER.log (the
#         all-in VM: allin-raw-VER.txt, allin-console-VER.log).
# Exit:  0 report written (targets missed are reported, not failed: this is a benchmark);
#        1 a VM failed or a kernel produced no results.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/bench/host-lib.sh
KERNELS=${BENCH_KERNELS:-6.1 7.2}
N=${BENCH_N:-2000}
REPS=${BENCH_REPS:-3}
PARTS=${BENCH_PARTS:-startup cost rss tput stopflood attach allin}
ALLIN_N=${BENCH_ALLIN_N:-20000}
ALLIN_ROUNDS=${BENCH_ALLIN_ROUNDS:-3}
BACKENDS=${BENCH_BACKENDS:-}
ALLIN_ONLY=${BENCH_ALLIN_ONLY:-}
# -icount shift=0: the guest clock advances 1 ns per guest instruction, whatever the
# host does; sleep=off: an idle guest jumps to its next timer instead of waiting.
ICOUNT=${BENCH_ALLIN_ICOUNT:-1}
ALLIN_QEMU=
[ "$ICOUNT" = 0 ] || ALLIN_QEMU="-icount shift=0,sleep=off"
mkdir -p "$BENCH"
# What the VMs run, as filter-bench.sh builds it: run directly (not by make bench), the
# floor's bare-attach would be missing.
if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
	make -s OUT="$OUT" "$OUT/ksnoop" "$OUT/workload/bare-attach" workloads
	# shellcheck disable=SC2086
	tests/vm/fetch-kernels.sh $KERNELS
fi

# run_vm VER PREFIX PARTS [QEMU_ARGS]: the PARTS of the benchmark in one VM; raw lines
# to $BENCH/PREFIXraw-VER.txt, console to $BENCH/PREFIXconsole-VER.log.
run_vm()
{
	local ver=$1 pre=$2 parts=$3 log=$BENCH/$2console-$1.log peers=0 tmo=1800
	# A limit against a hung VM, not a budget: each all-in round can take 10 min in real
	# time (bcc's whole-struct backlog alone: 3 min), so it grows with the rounds.
	case " $parts " in *" allin "*) tmo=$((900 + 900 * ALLIN_ROUNDS)) ;; esac
	# bcc's ksnoop sees no events on 6.12 and 7.2 (its IP matching misses there, see
	# docs/LAB.md), so it is only compared on 6.1.
	[ "$ver" != 6.1 ] || peers=1
	echo "bench: kernel $ver: booting for '$parts' (N=$N, REPS=$REPS," \
		"bcc peer: $peers${4:+, qemu $4})..." >&2
	vm_run "bench: kernel $ver" "$log" "$BENCH/${pre}raw-$ver.txt" \
		env KSNOOP_VM_QEMU_ARGS="${4:-}" tests/vm/vm.sh --peers --timeout "$tmo" --log "$log" \
		--run "$ver" "N=$N; REPS=$REPS; PEERS=$peers; BPFTRACE=1; PARTS='$parts'
ALLIN_N=$ALLIN_N; ALLIN_ROUNDS=$ALLIN_ROUNDS; BACKENDS='$BACKENDS'; ICOUNT=$ICOUNT
ALLIN_ONLY='$ALLIN_ONLY'
$(cat tests/bench/vm-lib.sh tests/bench/vm-bench.sh)"
}

# report VER: the tables for one kernel from the raw lines of its VMs.
report()
{
	local ver=$1
	shift
	awk -v ver="$ver" -v N="$N" -v reps="$REPS" -v load="$(cat "$BENCH/load-$ver.txt" 2>/dev/null)" '
	function median(s,    a, n, i, j, t) {
		n = split(s, a, " ")
		if (n == 0) return "-"
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function us(ns, cnt) { return cnt > 0 ? ns / cnt / 1000 : -1 }
	# aci(ID, ID2): sets ci_lo and ci_hi to the 2.5th and 97.5th percentiles of
	# median(ID) / median(ID2) over 1,000 bootstrap resamples of each one'"'"'s rounds
	# (paired differences), so that a ratio of noisy medians says how far it can be
	# trusted. A fixed seed: the same raw lines give the same report.
	function aci(id, id2,    a, b, na, nb, k, i, j, s, s2, m2, rs, t) {
		na = split(adds[id], a, " "); nb = split(adds[id2], b, " ")
		srand(1)
		for (k = 1; k <= 1000; k++) {
			s = s2 = ""
			for (i = 1; i <= na; i++) s = s " " a[int(rand() * na) + 1]
			for (i = 1; i <= nb; i++) s2 = s2 " " b[int(rand() * nb) + 1]
			m2 = median(s2)
			rs[k] = m2 > 0 ? median(s) / m2 : 1e9
			for (j = k; j > 1 && rs[j - 1] > rs[j]; j--) {
				t = rs[j]; rs[j] = rs[j - 1]; rs[j - 1] = t
			}
		}
		ci_lo = rs[25]; ci_hi = rs[975]
	}
	# target(ID, ID2, LIMIT): the verdict on median(ID) / median(ID2) <= LIMIT: met
	# or missed only when 95% of the resamples agree, else undecided (real time on a
	# noisy host), with the ratio and that interval.
	function target(id, id2, lim,    r, w) {
		r = aratio(id, id2)
		if (!(id in amed) || !(id2 in amed)) return "no result (-)"
		aci(id, id2)
		w = ci_hi <= lim ? "meets" : (ci_lo > lim ? "MISSES" : "undecided")
		return sprintf("%s (%s; 95%% of resamples %s..%s)", w, r, ci_num(ci_lo), ci_num(ci_hi))
	}
	# aratio_ci(ID, ID2): aratio() with target()'"'"'s interval, for a ratio with no target.
	function aratio_ci(id, id2) {
		if (!(id in amed) || !(id2 in amed)) return "-"
		aci(id, id2)
		return sprintf("%s (95%% of resamples %s..%s)", aratio(id, id2), ci_num(ci_lo), ci_num(ci_hi))
	}
	function ci_num(v) { return v >= 1e9 ? "inf" : sprintf("%.2f", v) }
	# The run of bcc'"'"'s ksnoop that shows the same items as all-in configuration ID ("" if
	# none): bcc shows the return value always, so b-e (--entry) compares with bcc-b too.
	function allin_bcc(id) {
		if (id ~ /^a(-j)?$/) return "bcc-a"
		if (id ~ /^(b|b-j|b-e|be-.*)$/) return "bcc-b"
		return ""
	}
	# aratio(ID, ID2): the ratio of the median added costs of two all-in configurations.
	function aratio(id, id2) { return (id in amed) && (id2 in amed) ? ratio(amed[id], amed[id2]) : "-" }
	function allin_report(    i, id, b, r, label) {
		printf "\n5. All-in cost per traced call of ip_send_skb: calls = datagrams of 5 bytes\n"
		printf "   timed untraced (the faster of two runs: the first pays for the previous\n"
		printf "   tracer'"'"'s exit), then traced (the tracer started and attached in between,\n"
		printf "   never a fixed sleep), %s rounds, configurations interleaved in each round.\n", allin_rounds
		printf "   traced = the workload'"'"'s wall time + the tracer'"'"'s CPU on its backlog after\n"
		printf "   it ended, above its idle use (one vCPU: the whole cost the user pays).\n"
		printf "   added = (traced - untraced) / calls in us, median of the paired differences,\n"
		printf "   spread = min..max over the rounds (%d calls: a tenth for the dearest).\n", allin_n
		printf "   x floor, x bcc = added / added by the empty program, by bcc'"'"'s ksnoop showing\n"
		printf "   the same items (bcc always shows the return value). Output to /dev/null; both\n"
		printf "   tools -P %s; lost = records the tracer reported lost (should be 0).\n", pages
		printf "   own = the tracer'"'"'s own CPU a call in us, in the run and on its backlog, median:\n"
		printf "   its reading, formatting and writing (its BPF programs count in the workload'"'"'s).\n"
		if (icount == 1) {
			printf "   A VM of its own with qemu -icount shift=0: its clock counts guest instructions\n"
			printf "   (1 ns each), so the host'"'"'s load cannot skew it and runs repeat to within\n"
			printf "   0.1%%; us here = thousands of guest instructions, a cost model like callgrind'"'"'s.\n"
		} else
			printf "   Real time (BENCH_ALLIN_ICOUNT=0): other VMs on the host add noise.\n"
		printf "\n"
		printf "%-60s %6s %8s %9s %15s %7s %6s %4s %6s %s\n", "tracer", "calls", "untraced",
		       "added", "spread", "x floor", "x bcc", "lost", "own", "backend"
		for (i = 1; i <= nallin; i++) if (aids[i] in adds) amed[aids[i]] = median(adds[aids[i]])
		for (i = 1; i <= nallin; i++) {
			id = aids[i]
			label = acmd[id]
			if (id == "floor")
				label = "empty fentry program (the floor; bare-attach)"
			if (id == "floor2")
				label = "empty fentry+fexit pair (floor2: modes with return)"
			if (id == "floor2-fs")
				label = "empty fsession program (floor2-fs: entry and return)"
			if (id == "floor-stream")
				label = "a record a call, printed (floor-stream; bare-attach)"
			if (id == "floor-stream-e")
				label = "the same at entry (floor-stream-e; bare-attach)"
			if (id == "floor-lat")
				label = "latency+count lower bound, fentry+fexit (bare-attach)"
			if (id == "floor-lat-fs")
				label = "latency+count lower bound, fsession (bare-attach)"
			if (!(id in adds)) { printf "%-60s (no result)\n", label; continue }
			b = allin_bcc(id)
			printf "%-60s %6d %8.1f %+9.2f %15s %7s %6s %4d %6s %s\n", label, acalls[id],
			       median(unt[id]), amed[id], sprintf("%.2f..%.2f", amin[id], amax[id]),
			       (id == "floor" ? "" : aratio(id, "floor")),
			       (b == "" ? "" : aratio(id, b)), alost[id],
			       (id in aown ? sprintf("%.2f", median(aown[id])) : "-"), abe[id]
		}
		printf "\n   Targets (issue 12; reported, not asserted). Met or missed when 95%% of 1,000\n"
		printf "   bootstrap resamples of the rounds agree, else undecided; the interval shown\n"
		printf "   is those resamples'"'"' ratios of medians, 2.5th to 97.5th percentile:\n"
		if (icount == 1) {
			printf "   (The floor targets were set in TCG real time, where the empty program'"'"'s\n"
			printf "   trampoline costs about 11 us to emulate; in instructions it is about 0.1 us, so\n"
			printf "   x floor is far larger here. BENCH_ALLIN_ICOUNT=0 measures real time.)\n"
		}
		if ("bcc-a" in amed) {
			printf "   whole-struct default (ip_send_skb) <= 0.5x bcc: %s\n", target("a", "bcc-a", 0.5)
		} else
			printf "   whole-struct default <= 0.5x bcc: bcc not run on this kernel\n"
		printf "   ip_send_skb(skb->len) with return <= 3x the floor: %s\n", target("b", "floor", 3)
		printf "   --entry ip_send_skb(skb->len) <= 2x the floor: %s\n", target("b-e", "floor", 2)
		# What the floor targets leave out: any tool that shows each call streams
		# and prints a record a call. floor-stream is the least of that work.
		printf "   the least a tool showing each call pays (floor-stream) / the floor: %s\n",
		       aratio_ci("floor-stream", "floor")
		printf "     at entry (floor-stream-e): %s\n", aratio_ci("floor-stream-e", "floor")
		printf "   ip_send_skb(skb->len) with return / floor-stream: %s\n",
		       aratio_ci("b", "floor-stream")
		printf "   --entry ip_send_skb(skb->len) / floor-stream-e: %s\n",
		       aratio_ci("b-e", "floor-stream-e")
		printf "   -s, ip_send_skb outside the chain (no record) <= 1.5x the floor: %s\n",
		       target("s-out", "floor", 1.5)
		# Latency needs a program at the entry and one at the return: the
		# issue-13 floor of --stats is the empty pair (floor2). Against the
		# one empty fentry, even the lower bound (floor-lat) is over 3x.
		printf "   --stats ip_send_skb <= 2x the entry+return floor (floor2, issue 13): %s\n",
		       target("stats", "floor2", 2)
		printf "   --stats ip_send_skb / the entry-only floor: %s (the lower bound: %s)\n",
		       aratio("stats", "floor"), aratio("floor-lat", "floor")
		printf "   lower bound of --stats (floor-lat, floor-lat-fs) / floor2: %s, %s\n",
		       aratio("floor-lat", "floor2"), aratio("floor-lat-fs", "floor2")
		printf "   --stats on fsession / floor2: %s (fentry), %s (fentry-multi)\n",
		       aratio("stats", "floor2"), aratio("stats-fs", "floor2")
		split("bt-count bt-lat funclatency", peers, " ")
		for (i = 1; i <= 3; i++) {
			label = (peers[i] in acmd) ? acmd[peers[i]] : peers[i]
			printf "   --stats cheaper than %s: %s\n", label, target("stats", peers[i], 0.9999)
		}
		# Said in the report so that a reader does not look for them: the Python
		# tools of bcc compile their programs at run time against kernel headers.
		printf "   funccount and argdist of bcc (Python): not run; the VM image has no Python,\n"
		printf "   and bcc needs headers of the running kernel, which the lab kernels lack\n"
		printf "   (no linux-headers package, CONFIG_IKHEADERS off): bpftrace stands in.\n"
		printf "   --hist ip_send_skb(skb->len) <= 2x the floor (issue 13): %s\n",
		       target("hist", "floor", 2)
		label = ("bt-hist" in acmd) ? acmd["bt-hist"] : "bpftrace hist()"
		printf "   --hist cheaper than %s: %s\n", label, target("hist", "bt-hist", 0.9999)
		printf "   --count-by comm ip_send_skb <= 2x the floor: %s\n",
		       target("countby", "floor", 2)
		label = ("bt-comm" in acmd) ? acmd["bt-comm"] : "bpftrace @[comm] = count()"
		printf "   --count-by comm cheaper than %s: %s\n", label,
		       target("countby", "bt-comm", 0.9999)
		# Not issue 12'"'"'s: the one-liner a user would otherwise write (bt-printf: the
		# return and the member from one fexit program, no duration).
		printf "   ip_send_skb(skb->len) cheaper than bpftrace printf() at the return: %s\n",
		       target("b", "bt-printf", 0.9999)
		printf "   --entry ip_send_skb(skb->len) cheaper than bpftrace printf() at entry: %s\n",
		       target("b-e", "bt-printf-e", 0.9999)
		split("a b two", texts, " ")
		for (i = 1; i <= 3; i++) {
			id = texts[i]
			printf "   JSON within 10%% of text, %s: %s\n", (id in acmd) ? acmd[id] : id,
			       target(id "-j", id, 1.1)
		}
	}
	function fmt(v) { return v < 0 ? "-" : sprintf("%.2f", v) }
	function ratio(a, b) { return (a >= 0 && b > 0) ? sprintf("%.2fx", a / b) : "-" }
	# VAR=VALUE from the fields of a "bench: ..." line.
	function setting(var,    i, v) {
		for (i = 1; i <= NF; i++)
			if (index($i, var "=") == 1) { v = substr($i, length(var) + 2); sub(/,$/, "", v); return v }
		return ""
	}
	/^bench: kernel / {
		kernel = $3; sub(/,$/, "", kernel)
		nbursts = setting("BURSTS"); pages = setting("PAGES")
	}
	/^bench: all-in: / { allin_n = setting("N"); allin_rounds = setting("ROUNDS"); icount = setting("ICOUNT") }
	/ksnoop: attached [0-9]+ function/ && backend == "" {
		backend = $0; sub(/.*\(/, "", backend); sub(/\).*/, "", backend)
	}
	$1 != "R" { next }
	$2 == "base" { base = (base == "" || $3 < base) ? $3 : base }
	$2 == "note" { $1 = $2 = ""; sub(/^ +/, ""); notes[++nn] = $0 }
	$2 == "burst" {
		k = $3 "/" $4; have[k] = 1; nburst++
		if ($4 == "bcc") anybcc = 1
		e = us($6, $7); x = us($8, $9)
		t = (e < 0 ? 0 : e) + (x < 0 ? 0 : x)
		tots[k] = tots[k] " " t
		ecnt[k] += $7; xcnt[k] += $9
		# The cheapest burst is the one the host disturbed least.
		if (!(k in tot) || t < tot[k]) { tot[k] = t; en[k] = e; ex[k] = x }
		if (!(k in wall) || $10 < wall[k]) wall[k] = $10
		if ($7 > 0 && (!(k in per) || $7 < per[k])) per[k] = $7
	}
	$2 == "cost" { k = $3 "/" $4; cpu[k] = $5 - $6; lost[k] = $7 }
	# The label: the command as a user would type it, without the bench'"'"'s plumbing (the
	# shell around bpftrace, its readiness line, its stdout sent to stderr).
	$2 == "allin-cfg" {
		id = $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); sub(/^sh -c exec /, "")
		sub(/ *BEGIN \{ printf\([^)]*\); \}/, ""); sub(/ 1>&2$/, "")
		acmd[id] = $0; aids[++nallin] = id
	}
	# R allin ID ROUND CALLS UNTRACED_S TRACED_S AFTER_S LOST BACKEND [OWN_S]: one paired
	# run (OWN_S: the CPU of the tracer itself; older raw lines have none).
	$2 == "allin" {
		id = $3; acalls[id] = $5; d = ($7 + $8 - $6) / $5 * 1e6
		adds[id] = adds[id] " " d; unt[id] = unt[id] " " $6 / $5 * 1e6
		alost[id] += $9; abe[id] = $10
		if (NF >= 11) aown[id] = aown[id] " " $11 / $5 * 1e6
		if (!(id in amin) || d < amin[id]) amin[id] = d
		if (!(id in amax) || d > amax[id]) amax[id] = d
	}
	$2 == "time" { times[$3] = times[$3] " " $4 }
	$2 == "rss" { rss[$3 "/" $4] = $5; rlost[$3 "/" $4] = $6; nrss++ }
	$2 == "tput" { tp[$3] = tp[$3] "\n" $0; ntput++ }
	$2 == "stopflood" { sflood = sflood " " $4 }
	$2 == "attach" {
		t = $3; tools[t] = 1; nattach++
		if ($5 != "-") self[t] = self[t] " " $5
		if ($6 != "-") line[t] = line[t] " " $6
		if ($7 != "-") ev[t] = ev[t] " " $7; else miss[t]++
		ahwm[t] = ahwm[t] > $8 ? ahwm[t] : $8
	}
	END {
		if (kernel == "") { print "kernel " ver ": no results (see the raw file)"; exit 1 }
		desc["a"] = "(a) ksnoop trace ip_send_skb"
		desc["b"] = "(b) ksnoop \"ip_send_skb(skb->len)\""
		desc["c"] = "(c) ksnoop --kernel-format ip_send_skb"
		desc["d"] = "(d) ksnoop --entry \"ip_send_skb(skb->len)\""
		desc["e"] = "(e) = (b), reader stopped during bursts"
		desc["f"] = "(f) = (b) with --backend kprobe-multi"
		desc["g"] = "(g) = (b) with --backend fentry-multi"
		desc["k"] = "(k) = (b) with --backend kprobe"
		bdesc["a"] = "    bcc-ksnoop trace ip_send_skb"
		bdesc["b"] = "    bcc-ksnoop trace \"ip_send_skb(skb->len)\""
		bdesc["e"] = "    bcc (b), reader stopped during bursts"
		# Which bcc run holds the same items: c shows what a shows, d what b shows
		# (without the return value, which bcc cannot leave out).
		peer["a"] = "a"; peer["b"] = "b"; peer["c"] = "a"; peer["d"] = "b"; peer["e"] = "e"
		peer["k"] = "b"
		printf "=== Kernel %s (%s), qemu TCG, -smp 1, 3G ===\n", ver, kernel
		printf "ksnoop backend: %s; host load average (1, 5, 15 min) before -> after this\n", backend
		printf "VM: %s\n\n", load
		if (nburst) {
			printf "1. Cost per traced call of ip_send_skb (one call per datagram): bpf_stats\n"
			printf "   deltas over %d datagrams of 100 bytes, sent in %d bursts; us = microseconds\n", N, nbursts
			printf "   per call in the cheapest burst (entry + exit = total), median = median burst\n"
			printf "   total. wall+ = (burst wall time - untraced %.4f s) / calls: adds the fentry\n", base
			printf "   trampoline or kprobe dispatch that bpf_stats leaves out; noisy.\n"
			printf "   user = tracer CPU (/proc/PID/schedstat, idle polling subtracted) / N,\n"
			printf "   spent formatting and writing to /dev/null, mostly after the burst (-smp 1).\n\n"
			printf "%-45s %8s %8s %8s %8s %7s %11s %8s %8s %4s\n", "item", "entry us", "exit us",
			       "total us", "median", "vs bcc", "calls e/x", "wall+ us", "user us", "lost"
			# Ours, then bcc for the same items right below.
			for (i = 1; i <= 11; i++) {
				id = substr("aabbcdeefgk", i, 1); tool = substr("kbkbkkkbkkk", i, 1) == "k" ? "ksnoop" : "bcc"
				k = id "/" tool
				d = tool == "ksnoop" ? desc[id] : bdesc[id]
				if (!have[k]) {
					# (f), (g), (k): only on kernels with that backend
					if (tool == "ksnoop" ? id < "f" : anybcc) printf "%-45s (no result)\n", d
					continue
				}
				r = tool == "ksnoop" ? ratio(tot[k], tot[peer[id] "/bcc"]) : ""
				printf "%-45s %8s %8s %8.2f %8.2f %7s %11s %8.1f %8.1f %4d\n", d, fmt(en[k]),
				       fmt(ex[k]), tot[k], median(tots[k]), r, ecnt[k] "/" xcnt[k],
				       (wall[k] - base) / per[k] * 1e6, cpu[k] / N * 1e6, lost[k]
			}
			if (have["a/bcc"] || have["b/bcc"]) {
				printf "\n   vs bcc = ksnoop total / bcc total for the same items: (a),(c) vs bcc\n"
				printf "   trace ip_send_skb; (b),(d) vs bcc trace \"ip_send_skb(skb->len)\"; (e) vs\n"
				printf "   bcc (b) also with its reader stopped. (e) - (b) = the cost of waking the\n"
				printf "   reader (ring/perf buffer notification) when it has caught up.\n"
				printf "   Target (issue): default path (a),(b) <= 1.00x.\n"
				for (i = 1; i <= 2; i++) {
					id = substr("ab", i, 1); k = id "/ksnoop"
					if (have[k] && have[id "/bcc"])
						printf "   (%s) %s target: %s\n", id,
						       tot[k] <= tot[id "/bcc"] ? "meets" : "MISSES",
						       ratio(tot[k], tot[id "/bcc"])
				}
			} else
				printf "\n   bcc ksnoop not run on this kernel: on 6.12 and 7.2 it attaches but\n   reports no events (docs/LAB.md), so its numbers would mean nothing.\n"

		}
		if (nrss) {
			printf "\n2. Peak RSS while tracing (VmHWM just before stopping, after the same\n"
			printf "   workload with default options and the output drained). Target < 30 MiB.\n"
			printf "   lost = records dropped because the default buffer filled during the burst\n"
			printf "   (the reader gets no CPU while udpsend runs on the one CPU).\n\n"
			printf "%-45s %10s %8s %6s\n", "item", "VmHWM MiB", "target", "lost"
			for (i = 1; i <= 4; i++) {
				id = substr("abab", i, 1); tool = i <= 2 ? "ksnoop" : "bcc"
				k = id "/" tool
				if (!(k in rss)) continue
				printf "%-45s %10.1f %8s %6d\n", tool == "ksnoop" ? desc[id] : bdesc[id],
				       rss[k] / 1024, tool == "ksnoop" ? (rss[k] < 30 * 1024 ? "ok" : "OVER") : "",
				       rlost[k]
			}

		}
		if (nattach || ("info" in times)) {
			printf "\n3. Time to attach one function (medians of %d runs, seconds; a datagram\n", reps
			printf "   every 20 ms meanwhile). self = the tool'"'"'s own figure (ksnoop: \"attached 1\n"
			printf "   function in X s\"); line = launch to that line (bpftrace: \"Attaching 1\n"
			printf "   probe...\", printed before it attaches; bcc prints nothing before its first\n"
			printf "   event); event = launch to the first traced call on its stdout.\n\n"
			printf "%-10s %8s %8s %8s %14s %12s %s\n", "tool", "self", "line", "event",
			       "event/ksnoop", "peak MiB", "event times"
			split("ksnoop bcc bpftrace", order, " ")
			for (i = 1; i <= 3; i++) {
				t = order[i]
				if (!(t in tools)) continue
				printf "%-10s %8s %8s %8s %14s %12.1f %s%s\n", t, median(self[t]),
				       median(line[t]), median(ev[t]),
				       ratio(median(ev[t]), median(ev["ksnoop"])), ahwm[t] / 1024, ev[t],
				       miss[t] ? sprintf(" (%d runs saw no event)", miss[t]) : ""
			}
			printf "\n   Where ksnoop'"'"'s start-up goes (seconds, each run twice, the second shown):\n"
			split(times["info"], a, " "); printf "   ksnoop info ip_send_skb (exec, libraries, vmlinux BTF, index): %s\n", a[2]
			split(times["afl"], a, " "); printf "   cat available_filter_functions (ksnoop trace reads it all):  %s\n", a[2]
			split(times["features"], a, " "); printf "   ksnoop features (every feature probe; trace runs 4-5 of them): %s\n", a[2]
			if ("bcc-info" in times) {
				split(times["bcc-info"], a, " "); printf "   bcc-ksnoop info ip_send_skb:                                   %s\n", a[2]
			}
		}
		if (ntput) {
			printf "\n4. Sustained throughput at the default ring buffer (1 MiB): the flood workload\n"
			printf "   (one ip_send_skb per 64-byte datagram) for %s s untraced, then traced with\n", "5"
			printf "   stdout to /dev/null, as fast as it goes (pace max) and, if records were lost,\n"
			printf "   paced slower until none were. events/s = calls shown / flood seconds;\n"
			printf "   capacity = calls shown / tracer CPU seconds (what one CPU could sustain for\n"
			printf "   ksnoop alone; in the VM the workload and ksnoop share one vCPU).\n\n"
			printf "%-42s %8s %11s %10s %9s %7s %9s\n", "tracer", "pace/s", "untraced/s",
			       "traced/s", "events/s", "lost", "capacity"
			tdesc["a"] = "ksnoop -j \"ip_send_skb(skb->len, skb->dev)\""
			tdesc["b"] = "ksnoop -j \"ip_send_skb(skb)\""
			tdesc["c"] = "ksnoop \"ip_send_skb(skb->len, skb->dev)\""
			for (i = 1; i <= 3; i++) {
				id = substr("abc", i, 1)
				if (!(id in tp)) { printf "%-42s (no result)\n", tdesc[id]; continue }
				nl = split(tp[id], rows, "\n")
				best = -1
				for (j = 2; j <= nl; j++) {
					split(rows[j], f, " ")
					printf "%-42s %8s %11d %10d %9d %7d %9s\n", (j == 2 ? tdesc[id] : ""),
					       f[4], f[6] / f[5], f[7] / f[5], f[8] / f[5], f[9],
					       (f[10] > 0 ? sprintf("%d", f[8] / f[10]) : "-")
					if (f[9] == 0 && f[8] / f[5] > best) best = f[8] / f[5]
				}
				printf "%-42s sustained with zero loss: %s events/s\n", "",
				       (best >= 0 ? sprintf("%d", best) : "none of the rates tried")
			}
		}
		if (nallin)
			allin_report()
		if (sflood != "") {
			printf "\n6. Ctrl-C under the flood: SIGINT to exit of ksnoop \"ip_send_skb(skb,\n"
			printf "   skb->len, return)\" while the flood runs at full speed (seconds, median of\n"
			printf "   %d; target < 1 s): the poll, the bounded drain, the summary, the detach.\n", reps
			printf "   %s (runs:%s)\n", sflood == "" ? "no result" : median(sflood), sflood
		}
		for (i = 1; i <= nn; i++) printf "   note: %s\n", notes[i]
		printf "\n"
	}' "$@"
}

header()
{
	cat <<EOF
ksnoop benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  ksnoop $(cat VERSION 2>/dev/null || echo ?) ($(git describe --always --dirty 2>/dev/null || echo ?))
host: $(uname -r), $(nproc) CPUs; guests: Debian cloud kernels under qemu TCG (no KVM),
-smp 1. Absolute times are 10-50x slower than hardware: read the ratios, measured in
the same VM boot for every tool.

Method and pitfalls:
- bpf_stats (/proc/sys/kernel/bpf_stats_enabled=1): run_time_ns and run_cnt of each
  program from bpftool prog show -j, by name prefix (ksnoop: ksnoop_entry*/ksnoop_exit*,
  which also covers the fentry-multi programs, ksnoop_km for kprobe-multi (one program, entries and returns),
  ksnoop_kprobe/ksnoop_kretprobe for kprobe; bcc: kprobe_entry/kprobe_return), as
  deltas across the workload.
- run_cnt counts every run, from any process. The VM has no NIC and runs nothing else
  that sends; "calls e/x" shows the counts so a mismatch with N would be visible.
- run_time_ns covers the BPF program only, not the fentry trampoline (ksnoop) nor the
  kprobe/kretprobe machinery (bcc), which is dearer; bpf_stats itself adds two clock
  reads per run. "wall+" includes dispatch but is noisy at these sizes.
- Under TCG the first run of any code pays for translating it: each run is warmed up
  with 300 datagrams to another port before measuring. Other VMs on the host steal
  time now and then, inflating whatever is being timed: each cost run is split into
  bursts and the cheapest burst counts (the median is shown too).
- Cost runs give both tools -P 4096 (16 MiB buffers) so nothing is lost (a lost record
  makes the kernel side cheaper); RSS runs use each tool's defaults.
- Tracer output goes to /dev/null; tracers are stopped with SIGTERM.

EOF
}

# The all-in part gets a VM of its own (its clock, see ALLIN_QEMU); the rest share one.
main_parts=$(echo " $PARTS " | sed 's/ allin / /; s/^ *//; s/ *$//')
allin=0
case " $PARTS " in *" allin "*) allin=1 ;; esac
fail=0
for ver in $KERNELS; do
	[ "${BENCH_REPORT_ONLY:-0}" = 0 ] || continue
	rm -f "$BENCH/raw-$ver.txt" "$BENCH/allin-raw-$ver.txt"
	# Other VMs on the host (parallel test runs) slow this one down: keep the load.
	before=$(cut -d' ' -f1-3 /proc/loadavg)
	[ -z "$main_parts" ] || run_vm "$ver" "" "$main_parts" || fail=1
	echo "$before -> $(cut -d' ' -f1-3 /proc/loadavg)" >"$BENCH/load-$ver.txt"
	[ $allin = 0 ] || run_vm "$ver" allin- allin "$ALLIN_QEMU" || fail=1
done
{
	header
	for ver in $KERNELS; do
		set --
		for raw in "$BENCH/raw-$ver.txt" "$BENCH/allin-raw-$ver.txt"; do
			[ ! -s "$raw" ] || set -- "$@" "$raw"
		done
		if [ $# -gt 0 ]; then
			report "$ver" "$@" || fail=1
		else
			echo "=== Kernel $ver: no results (VM failed; see $BENCH/*console-$ver.log) ==="
			fail=1
		fi
	done
} >"$BENCH/report.txt"
cat "$BENCH/report.txt"
# Attaching hundreds to thousands of functions (globs): its own VMs, 6.12 and 7.2.
if [ "${BENCH_ATTACH:-1}" = 1 ]; then
	ATTACH_REPORT_ONLY=${BENCH_REPORT_ONLY:-0} tests/bench/run-attach.sh || fail=1
	cat "$BENCH/attach-report.txt" >>"$BENCH/report.txt"
fi
echo "bench: report saved to $BENCH/report.txt" >&2
exit $fail
