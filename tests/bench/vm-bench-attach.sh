# In-VM part of the mass-attach benchmark (busybox ash; run by tests/bench/run-attach.sh
# through vm.sh --peers --run). For each function set: ksnoop's time from launch to its
# "attached" line and from SIGINT to exit, its peak RSS, bpftrace attaching kfunc: probes
# to the same functions (an explicit list: a kfunc: wildcard aborts on the first function
# it cannot load), and bare-attach (tests/bench/bare-attach.c) over the same BTF ids.
#
# Inputs (set before this text): SETS ("tcp" and/or "big"), BPFTRACE_SETS (sets bpftrace
# runs on; it needs minutes per thousand functions), BIG_MIN (functions in "big").
# Result lines:
#   R set NAME N SPECS...                       the functions of a set (N traceable)
#   R ksnoop NAME MODE N_ATTACHED BACKEND ATTACH_S LINE_S DETACH_S HWM_KB GONE_S
#   R bpftrace NAME N ATTACH_S DETACH_S HWM_KB STATUS
#   R bare NAME MODE N FAILED LOAD_S LINK_S TOTAL_S DETACH_S
#   R bpftrace-kprobe NAME N ATTACH_S DETACH_S HWM_KB STATUS   bpftrace kprobe:GLOB,...
#                                               (one kprobe.multi link per glob; without
#                                               kprobe.multi, per-function perf kprobes)
#   R bareglob NAME MODE N LINE_S DETACH_S TOTAL_S LINK_S   bare-attach kglob-both GLOB...
#                                               (kprobe.multi kernels: the fair floor of a
#                                               glob's whole start-up, see bare-attach.c)
# Times: ATTACH_S = ksnoop's own figure; LINE_S = launch to the line (10 ms /proc/uptime
# ticks, read as the line arrives through a fifo); DETACH_S = SIGINT to exit (of ksnoop itself: the prompt);
# GONE_S = SIGINT to the last link removed (a child of ksnoop removes many links after
# it exited, "ksnoop: detaching N functions" in ps; the next run waits for it).

T=/tmp/ba
KS_BIN=
# Launch times are read as the line arrives: the tool's stderr is a fifo the shell reads
# blocked, so nothing runs on the one vCPU while the tool starts. (Polling the file for
# the line did: on 6.12 with -icount, polling every 10 ms made ksnoop's 0.63 s start
# 0.73 s and the bare pair's 0.52 s 0.57 s, and every 50 ms rounded by up to 50 ms.)
mkdir -p $T
ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null
echo "bench-attach: kernel $(uname -r), SETS=$SETS BPFTRACE_SETS=$BPFTRACE_SETS, ulimit -n $(ulimit -n)"
[ "${ICOUNT:-0}" = 0 ] ||
	echo "R note clock: qemu -icount shift=0 (1 ns per guest instruction): seconds here are a cost model the host's load cannot skew"

up() { cut -d' ' -f1 /proc/uptime; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# BTF ids of every FUNC in vmlinux: "name id".
bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
	awk '$2 == "FUNC" { n = $3; gsub(/\047/, "", n); id = $1; gsub(/[][]/, "", id); print n, id }' \
	>$T/ids.all

# names SPEC...: the traceable functions the SPECs select, one a line.
names()
{
	ksnoop info "$@" 2>/dev/null | sed -n 's/^[^(]*[ *]\([A-Za-z_][A-Za-z_0-9]*\)(.*/\1/p' | sort -u
}

# stop PID: SIGINT, wait for the exit; prints the seconds it took, "-" if it had ended.
stop()
{
	local t0
	alive "$1" || { echo -; return; }
	t0=$(up)
	kill -INT "$1"
	while alive "$1"; do sleep 0.02; done
	sub "$t0" "$(up)"
}

# launch NAME OUTFILE ERRFILE PATTERN CMD...: start CMD in the background (stdout to
# OUTFILE, stderr through a fifo to ERRFILE) and wait for a line matching the shell
# PATTERN (case syntax: matched without a fork) on its
# stderr; sets PID, LINE (seconds from launch to that line) and DRAIN (the reader that
# copies the rest of stderr to ERRFILE: wait for it after CMD before reading ERRFILE).
# If CMD ended first: an "R note" line, status 1 (CMD waited for).
launch()
{
	local name=$1 out=$2 err=$3 pat=$4 t0 t1 l l2 seen=
	shift 4
	: >"$err"
	rm -f $T/fifo
	mkfifo $T/fifo
	read -r t0 l </proc/uptime
	"$@" >"$out" 2>$T/fifo &
	PID=$!
	exec 3<$T/fifo
	# The clock is read as each line arrives, the match after; builtins only.
	while IFS= read -r l <&3; do
		read -r t1 l2 </proc/uptime
		printf '%s\n' "$l" >>"$err"
		# shellcheck disable=SC2254
		case $l in $pat)
			seen=1
			break
			;;
		esac
	done
	cat <&3 >>"$err" &
	DRAIN=$!
	exec 3<&-
	if [ -z "$seen" ]; then
		wait $PID
		wait $DRAIN
		echo "R note $1 $name failed: $(head -3 "$err" | tr '\n' ' ')"
		return 1
	fi
	LINE=$(sub "$t0" "$t1")
}

hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

# run_ksnoop NAME MODE SPEC...: ksnoop, or $KS_BIN (labelled "before") when set.
run_ksnoop()
{
	local name=$1 mode=$2 pid line att n be det h st gone label=${2:-default}
	shift 2
	[ -z "$KS_BIN" ] || label=before
	# -vv (VV=1) adds where the time goes, but its per-function lines slow the start.
	# shellcheck disable=SC2086
	launch "$name $label" /dev/null $T/k.err '*attached [0-9]* function*' \
		${KS_BIN:-ksnoop} -v${VV:+v} $mode "$@" || return
	pid=$PID line=$LINE
	sleep 1
	h=$(hwm $pid)
	det=$(stop $pid)
	wait $pid
	st=$?
	wait $DRAIN
	t0=$(up)
	while grep -ql '^ksnoop: detaching' /proc/[0-9]*/cmdline 2>/dev/null; do sleep 0.05; done
	gone=$(awk -v d="$det" -v w="$(sub "$t0" "$(up)")" 'BEGIN { printf "%.2f", d + w }')
	echo "  ksnoop exit status $st; stderr: $(grep '^ksnoop:' $T/k.err | tail -n 3 | tr '\n' '|')"
	# What the kernel refused in a multi link (bisected by ksnoop), left out for bare.
	sed -n -e 's/^skipping \([^:]*\): the kernel refused.*/\1/p' \
		-e 's/^skipping \([^:]*\): it does not return.*/\1/p' $T/k.err >>$T/refused.$name
	n=$(sed -n 's/.*attached \([0-9]*\) function.*/\1/p' $T/k.err)
	att=$(sed -n 's/.*attached [0-9]* functions* in \([0-9.]*\) s.*/\1/p' $T/k.err)
	be=$(sed -n 's/.*attached [0-9]* functions* in [0-9.]* s (\([a-z-]*\)).*/\1/p' $T/k.err)
	grep 'attach timing\|detached in\|load timing\|multi link' $T/k.err | sed 's/^/  /'
	echo "R ksnoop $name $label $n $be $att $line $det ${h:-0} $gone"
}

run_bpftrace()
{
	local name=$1 try=0 bad
	cp $T/names.$name $T/btnames.$name
	while [ $try -lt 4 ]; do
		try=$((try + 1))
		bpftrace_once $name && return
		# It aborts on the first function it cannot load: drop that one, try again.
		# "kfunc:NAME" or, on 6.1, "kfunc:vmlinux:NAME".
		bad=$(grep -o 'kfunc:[A-Za-z_0-9.:]*' $T/bt.err | head -n 1 | sed 's/.*://')
		[ -n "$bad" ] || break
		echo "R note bpftrace $name: dropped $bad ($(grep -m1 -i 'error' $T/bt.err))"
		grep -vx "$bad" $T/btnames.$name >$T/btnames.tmp && mv $T/btnames.tmp $T/btnames.$name
	done
	echo "R bpftrace $name $(wc -l <$T/btnames.$name) - - 0 failed"
}

bpftrace_once()
{
	local name=$1 n r
	n=$(wc -l <$T/btnames.$name)
	# BEGIN fires once every probe is attached.
	{
		printf 'BEGIN { printf("ready\\n"); }\n'
		sed 's/^/kfunc:/' $T/btnames.$name | paste -sd, -
		printf ' { }\n'
	} >$T/bt.$name
	r=$(bt_time $T/bt.$name) || { echo "$r"; return 1; }
	echo "R bpftrace $name $n $r ok"
}

# bt_time SCRIPT: run bpftrace on SCRIPT (its BEGIN prints "ready" once attached); prints
# "ATTACH_S DETACH_S HWM_KB", or an "R note" line and status 1 if it never got ready.
bt_time()
{
	local t0 pid att det h
	t0=$(up)
	bpftrace -B none "$1" >$T/bt.out 2>$T/bt.err &
	pid=$!
	if ! wait_line $T/bt.out '^ready' $pid; then
		echo "R note bpftrace $1 failed: $(grep -v '^Attaching' $T/bt.err | head -3 | tr '\n' ' ')"
		wait $pid
		return 1
	fi
	att=$(sub "$t0" "$(up)")
	h=$(hwm $pid)
	det=$(stop $pid)
	wait $pid
	echo "$att $det ${h:-0}"
}

# bpftrace kprobe:GLOB,... over the set's globs: how bpftrace attaches a glob on a
# kernel with kprobe.multi (one link per glob), the fair anchor for kprobe-multi; on a
# kernel without it, per-function perf kprobes, the peer of ksnoop --backend kprobe.
run_bpftrace_kprobe()
{
	local name=$1 r
	shift
	{
		printf 'BEGIN { printf("ready\\n"); }\n'
		for g in "$@"; do printf 'kprobe:%s\n' "$g"; done | paste -sd, -
		printf ' { }\n'
	} >$T/btk.$name
	r=$(bt_time $T/btk.$name) || { echo "$r"; return 1; }
	echo "R bpftrace-kprobe $name $(wc -l <$T/names.$name) $r ok"
}

# run_bare_glob NAME MODE GLOB...: bare-attach's kglob mode timed as ksnoop is: launch to
# its "attached" line, a second, then SIGINT to exit.
run_bare_glob()
{
	local name=$1 mode=$2 pid line det r
	shift 2
	launch "$name $mode" $T/bg.out $T/bg.err 'bare: attached*' bare-attach "$mode" "$@" ||
		return
	pid=$PID line=$LINE
	sleep 1
	det=$(stop $pid)
	wait $pid
	wait $DRAIN
	r=$(cat $T/bg.out)
	echo "  $r"
	echo "$r" | awk -v s="$name" -v m="$mode" -v l="$line" -v d="$det" '/^bare / {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print "R bareglob", s, m, v["n"], l, d, v["total"], v["link"] }'
}

run_bare()
{
	local name=$1 mode=$2 r
	touch $T/refused.$name
	awk 'FILENAME == ARGV[1] { bad[$1] = 1; next }
	     FILENAME == ARGV[2] { if (!($1 in bad)) want[$1] = 1; next }
	     ($1 in want) { print $2 }' $T/refused.$name $T/names.$name $T/ids.all >$T/ids.$name
	# kprobe.multi links take names: the set without what ksnoop saw refused.
	# (awk, not grep -vxf: busybox grep takes an empty pattern file as matching all)
	awk 'FILENAME == ARGV[1] { bad[$1] = 1; next } !($1 in bad)' $T/refused.$name \
		$T/names.$name >$T/knames.$name
	case $mode in kmulti*) r=$(bare-attach "$mode" $T/knames.$name 2>&1) ;;
	*) r=$(bare-attach "$mode" $T/ids.$name 2>&1) ;;
	esac
	echo "  $r"
	echo "$r" | awk -v s="$name" -v m="$mode" '/^bare / {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print "R bare", s, m, v["n"], v["failed"], v["load"], v["link"], v["total"], v["detach"] }'
}

multi=0 kmulti=0
ksnoop features 2>/dev/null | grep -q '^backend fentry-multi: yes$' && multi=1
ksnoop features 2>/dev/null | grep -q '^backend kprobe-multi: yes$' && kmulti=1

for set in $SETS; do
	case $set in
	tcp) specs="tcp_*" ;;
	big)
		# Disjoint prefixes until BIG_MIN traceable functions.
		specs="" n=0
		: >$T/names.acc
		for g in 'tcp_*' 'ext4_*' 'security_*' '__x64_sys_*' 'ip_*' 'udp_*' 'sock_*' \
			'inet_*' 'vfs_*' 'blk_*' 'pci_*' 'acpi_*' 'kmem_*' 'netif_*' 'dev_*' \
			'xfs_*' 'nfs_*' 'scsi_*' 'usb_*' 'drm_*'; do
			[ "$n" -ge "${BIG_MIN:-2000}" ] && break
			specs="$specs $g"
			names "$g" >>$T/names.acc
			n=$(sort -u $T/names.acc | wc -l)
		done ;;
	esac
	# shellcheck disable=SC2086
	names $specs >$T/names.$set
	echo "R set $set $(wc -l <$T/names.$set) $specs"
	# Multi-link runs take seconds but vary by 2x from one to the next under TCG (other
	# VMs share the host): ROUNDS rounds, each tool in turn, so that every tool meets the
	# same load, and the report takes medians and ratios. Per-function kernels (minutes a
	# run, mostly detaching) get one round.
	rounds=1
	[ $multi = 1 ] || [ $kmulti = 1 ] && rounds=${ROUNDS:-3}
	round=0
	while [ $round -lt $rounds ]; do
		round=$((round + 1))
		set -f
		# shellcheck disable=SC2086
		run_ksnoop $set "" $specs
		# shellcheck disable=SC2086
		run_ksnoop $set --entry $specs
		# Per-function kernels (no multi link of either kind): fentry and kprobe side by
		# side (the auto rule's choice).
		if [ $multi = 0 ] && [ $kmulti = 0 ]; then
			# shellcheck disable=SC2086
			run_ksnoop $set --backend=fentry $specs
			# shellcheck disable=SC2086
			run_ksnoop $set --backend=kprobe $specs
		fi
		set +f
		if [ $multi = 1 ]; then
			run_bare $set multi-both
			run_bare $set multi
			# ksnoop passes a cookie per id (its plan index); the kernel work that adds.
			run_bare $set multi-both+cookies
			run_bare $set multi+cookies
		elif [ $kmulti = 1 ]; then
			run_bare $set kmulti-both+cookies
			run_bare $set kmulti+cookies
			set -f
			# ATTACH_BEFORE (run-attach.sh): an earlier ksnoop, in the same rounds.
			if command -v ksnoop-before >/dev/null; then
				KS_BIN=ksnoop-before
				# shellcheck disable=SC2086
				run_ksnoop $set "" $specs
				KS_BIN=
			fi
			# shellcheck disable=SC2086
			run_bare_glob $set kglob-both $specs
			# bpftrace kprobe:GLOB (one kprobe.multi link per glob): the fair anchor.
			# shellcheck disable=SC2086
			run_bpftrace_kprobe $set $specs
			set +f
		else
			run_bare $set both
			run_bare $set fentry
		fi
	done
	case " $BPFTRACE_SETS " in *" $set "*) run_bpftrace $set ;; esac
	# kprobe.multi: every set, in each round above; per-function perf kprobes (minutes
	# per thousand): tcp alone, once.
	if { [ $kmulti = 1 ] && [ $multi = 1 ]; } ||
		{ [ $kmulti = 0 ] && [ $multi = 0 ] && [ "$set" = tcp ]; }; then
		set -f
		# shellcheck disable=SC2086
		run_bpftrace_kprobe $set $specs
		set +f
	fi
done
echo "bench-attach: done"
