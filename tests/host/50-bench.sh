# Host shell test: the parts of `make bench` that can be checked without a VM. The
# all-in report (tests/bench/run.sh, section 5) from canned result lines: medians of the
# paired differences, spread, ratios and targets; and backend_names
# (tests/bench/vm-lib.sh), which lists the backends the bench runs from ksnoop's own
# hint, so a change to that hint shows here rather than as a silently shorter report.

# Canned vm-bench.sh output: 1000 calls (a: 100), untraced 100 us a call. Added per
# call = (traced + after - untraced) / calls: floor 10, floor2 8, floor-lat 9; floor-stream
# 50, floor-stream-e 10; bcc-a 500;
# a 300; a-j 230; b 20, 25 (0.100 s backlog after the workload), 40 -> median 25; b-e 15;
# bt-printf 50; stats 12. ksnoop's own CPU (the last field, b only): 1.3, 101.4, 1.5
# us a call -> median 1.5; rows without the field show "-".
bench_raw()
{
	cat <<'RAW'
bench: kernel 6.1.0-test, N=2000, BURSTS=4, REPS=3, PEERS=1, PAGES=4096
bench: all-in: N=1000, ROUNDS=3, ICOUNT=1 (uptime 5.0)
R allin-cfg floor bare-attach fentry+hold /tmp/bench/floor.ids
R allin floor 1 1000 0.1000 0.1100 0.00 0 -
R allin-cfg floor2 bare-attach both+hold /tmp/bench/floor.ids
R allin floor2 1 1000 0.1000 0.1080 0.00 0 -
R allin-cfg floor-lat bare-attach both-lat+hold /tmp/bench/floor.ids
R allin floor-lat 1 1000 0.1000 0.1090 0.00 0 -
R allin-cfg floor-stream env BARE_RING_PAGES=4096 BARE_STREAM_MEMBER=1 112 bare-attach stream /tmp/bench/floor.ids
R allin floor-stream 1 1000 0.1000 0.1500 0.00 0 - 0.0005
R allin-cfg floor-stream-e env BARE_RING_PAGES=4096 BARE_STREAM_MEMBER=1 112 bare-attach stream-e /tmp/bench/floor.ids
R allin floor-stream-e 1 1000 0.1000 0.1100 0.00 0 - 0.0004
R allin-cfg bcc-a bcc-ksnoop trace ip_send_skb
R allin bcc-a 1 1000 0.1000 0.6000 0.00 0 -
R allin-cfg a ksnoop ip_send_skb
R allin a 1 100 0.0100 0.0200 0.02 0 fentry
R allin-cfg a-j ksnoop -j ip_send_skb
R allin a-j 1 1000 0.1000 0.3300 0.00 2 fentry
R allin-cfg b ksnoop ip_send_skb(skb->len)
R allin b 1 1000 0.1000 0.1200 0.00 0 fentry 0.0013
R allin b 2 1000 0.1000 0.0250 0.10 0 fentry 0.1014
R allin b 3 1000 0.1000 0.1400 0.00 0 fentry 0.0015
R allin-cfg b-e ksnoop --entry ip_send_skb(skb->len)
R allin b-e 1 1000 0.1000 0.1150 0.00 0 fentry
R allin-cfg bt-printf bpftrace -B full -e kretfunc:ip_send_skb { printf("%d\n", retval); }
R allin bt-printf 1 1000 0.1000 0.1500 0.00 0 -
R allin-cfg be-fentry-multi ksnoop --backend fentry-multi ip_send_skb(skb->len)
R note all-in be-fentry-multi: never attached: ksnoop: no multi links here
R allin-cfg stats ksnoop --stats ip_send_skb
R allin stats 1 1000 0.1000 0.1120 0.00 0 fentry
R allin-cfg bt-count bpftrace count
R allin bt-count 1 1000 0.1000 0.1150 0.00 0 -
R allin-cfg bt-lat bpftrace lat
R allin bt-lat 1 1000 0.1000 0.1300 0.00 0 -
RAW
}

test_allin_report()
{
	local dir
	dir=$(mktemp -d)
	mkdir -p "$dir/bench"
	# The all-in VM's lines (the other VM ran no parts: its sections stay out).
	bench_raw >"$dir/bench/allin-raw-6.1.txt"
	t_cmd env OUT="$dir" BENCH_KERNELS=6.1 BENCH_REPORT_ONLY=1 BENCH_ATTACH=0 \
		tests/bench/run.sh
	rm -rf "$dir"
	t_expect_rc 0
	t_expect_match '^5\. All-in cost per traced call of ip_send_skb'
	t_expect_match 'min\.\.max over the rounds \(1000 calls'
	t_expect_match '^   own = the tracer.s own CPU a call in us'
	t_expect_match 'qemu -icount shift=0: its clock counts guest instructions'
	t_expect_no_match '^(1|2|3|4)\. '
	t_expect_match '^empty fentry program \(the floor; bare-attach\) +1000 +100\.0 +\+10\.00 +10\.00\.\.10\.00 +0 +- -$'
	t_expect_match '^a record a call, printed \(floor-stream; bare-attach\) +1000 +100\.0 +\+50\.00 .* 5\.00x +0 +0\.50 -$'
	t_expect_match 'the least a tool showing each call pays \(floor-stream\) / the floor: 5\.00x \(95% of resamples 5\.00\.\.5\.00\)$'
	t_expect_match '^     at entry \(floor-stream-e\): 1\.00x \(95% of resamples 1\.00\.\.1\.00\)$'
	# b's three rounds (20, 25, 40) against floor-stream's one (50)
	t_expect_match 'with return / floor-stream: 0\.50x \(95% of resamples 0\.40\.\.0\.80\)$'
	t_expect_match 'floor-stream-e: 1\.50x \(95% of resamples 1\.50\.\.1\.50\)$'
	t_expect_match '^bcc-ksnoop trace ip_send_skb +1000 +100\.0 +\+500\.00 .* 50\.00x +0 +- -$'
	t_expect_match '^ksnoop ip_send_skb +100 +100\.0 +\+300\.00 .* 30\.00x +0\.60x +0 +- fentry$'
	t_expect_match '^ksnoop -j ip_send_skb +1000 +100\.0 +\+230\.00 .* 23\.00x +0\.46x +2 +- fentry$'
	t_expect_match '^ksnoop ip_send_skb\(skb->len\) +1000 +100\.0 +\+25\.00 +20\.00\.\.40\.00 +2\.50x +- +0 +1\.50 fentry$'
	t_expect_match '^ksnoop --backend fentry-multi ip_send_skb\(skb->len\) +\(no result\)$'
	t_expect_match 'whole-struct default \(ip_send_skb\) <= 0\.5x bcc: MISSES \(0\.60x; 95% of resamples 0\.60\.\.0\.60\)'
	# b's three rounds (20, 25, 40) put the ratio anywhere from 2x to 4x: no verdict
	t_expect_match 'ip_send_skb\(skb->len\) with return <= 3x the floor: undecided \(2\.50x; 95% of resamples 2\.00\.\.4\.00\)'
	t_expect_match '--entry ip_send_skb\(skb->len\) <= 2x the floor: meets \(1\.50x; 95% of resamples 1\.50\.\.1\.50\)'
	t_expect_match 'JSON within 10% of text, ksnoop ip_send_skb: meets \(0\.77x;'
	t_expect_match 'JSON within 10% of text, two: no result'
	# against bpftrace's printf() (50): b's 20..40 all cheaper; no entry-only peer ran
	t_expect_match 'ip_send_skb\(skb->len\) cheaper than bpftrace printf\(\) at the return: meets \(0\.50x; 95% of resamples 0\.40\.\.0\.80\)'
	t_expect_match '--entry ip_send_skb\(skb->len\) cheaper than bpftrace printf\(\) at entry: no result'
	# --stats against the floor and each peer; a peer that did not run has no result
	t_expect_match '^ksnoop --stats ip_send_skb +1000 +100\.0 +\+12\.00 .* 1\.20x +0 +- fentry$'
	t_expect_match '--stats ip_send_skb <= 2x the entry\+return floor \(floor2, issue 13\): meets \(1\.50x;'
	t_expect_match '--stats ip_send_skb / the entry-only floor: 1\.20x \(the lower bound: 0\.90x\)'
	t_expect_match '--stats cheaper than bpftrace count: meets \(0\.80x;'
	t_expect_match '--stats cheaper than bpftrace lat: meets \(0\.40x;'
	t_expect_match '--stats cheaper than funclatency: no result'
	t_expect_match 'note: all-in be-fentry-multi: never attached'
}
t_run allin-report test_allin_report

test_backend_names()
{
	local names n
	# shellcheck source=tests/bench/vm-lib.sh
	names=$(. tests/bench/vm-lib.sh && backend_names)
	t_expect_match '^fentry$' "$names"
	t_expect_no_match '^auto$' "$names"
	# Each is a name ksnoop accepts (info resolves without attaching).
	for n in $names; do
		t_cmd ksnoop --backend "$n" info ip_send_skb
		t_expect_rc 0
	done
}
t_run backend-names test_backend_names

# Canned vm-bench-attach.sh output on a kprobe.multi kernel, 3 rounds: ksnoop launch 1.5,
# 1.8, 1.2 s against the bare glob pair's 1.0, 1.5, 1.0 (per-round ratios 1.5, 1.2, 1.2);
# Ctrl-C 0.4, 0.5, 0.3 against 0.2, 0.25, 0.3; bpftrace kprobe: 5, 6, 4 s.
attach_raw()
{
	local r l d bl bd bt
	echo "bench-attach: kernel 6.12.0-test, SETS=tcp BPFTRACE_SETS=, ulimit -n 65536"
	echo "R set tcp 380 tcp_*"
	for r in "1.50 0.40 1.00 0.20 5.00" "1.80 0.50 1.50 0.25 6.00" "1.20 0.30 1.00 0.30 4.00"; do
		read -r l d bl bd bt <<<"$r"
		echo "R ksnoop tcp default 374 kprobe-multi 0.50 $l $d 9000 $d"
		echo "R ksnoop tcp before 374 kprobe-multi 0.90 3.00 0.60 9000 0.60"
		echo "R bare tcp kmulti-both+cookies 374 0 0.010 0.300 0.310 0.100"
		echo "R bareglob tcp kglob-both 380 $bl $bd 0.70 0.30"
		echo "R bpftrace-kprobe tcp 380 $bt 0.50 60000 ok"
	done
}

test_attach_report()
{
	local dir
	dir=$(mktemp -d)
	mkdir -p "$dir/bench"
	attach_raw >"$dir/bench/attach-raw-6.12.txt"
	t_cmd env OUT="$dir" ATTACH_KERNELS=6.12 ATTACH_REPORT_ONLY=1 tests/bench/run-attach.sh
	rm -rf "$dir"
	t_expect_rc 0
	t_expect_match '^  tcp side by side, seconds, median \(min\.\.max\) of 3 rounds'
	t_expect_match '^  ksnoop \(kprobe-multi, entry\+return\) +374 +1\.50 \(1\.20\.\.1\.80\) +0\.40 \(0\.30\.\.0\.50\) +0\.50 \(0\.50\.\.0\.50\)$'
	t_expect_match '^  ksnoop before \(ATTACH_BEFORE\) +374 +3\.00 \(3\.00\.\.3\.00\) +0\.60 '
	t_expect_match '^  bare kprobe\.multi glob pair +380 +1\.00 \(1\.00\.\.1\.50\) +0\.25 \(0\.20\.\.0\.30\) +0\.70 '
	t_expect_match '^  bpftrace kprobe:GLOB \(entry only\) +380 +5\.00 \(4\.00\.\.6\.00\) '
	t_expect_match '^  ksnoop / bare, per round: launch 1\.20x \(1\.20\.\.1\.50\), Ctrl-C 2\.00x \(1\.00\.\.2\.00\)'
	t_expect_match '^  ksnoop / bare, of the medians: launch 1\.50x, Ctrl-C 1\.60x$'
	t_expect_match '^  target within 1\.3x of the bare link \(launch, median per-round ratio\): meets$'
	t_expect_match '^  ksnoop before / bare, per round: launch 3\.00x '
	t_expect_match '^  ksnoop / bpftrace kprobe:, per round: launch 0\.30x .*at least as fast: meets$'
}
t_run attach-report test_attach_report
