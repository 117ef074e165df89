#!/bin/bash
# Boot a lab kernel under qemu (TCG) with an initramfs holding ksnoop, the workloads and
# the in-VM tests, and run something in it. See docs/LAB.md for why TCG,
# -smp 1 and an initramfs.
#
# Usage: vm.sh [OPTIONS] --shell VER        interactive busybox shell (quit: poweroff -f)
#        vm.sh [OPTIONS] --demo VER         run tests/vm/demo.sh inside, show its output
#        vm.sh [OPTIONS] --run VER CMD...   run CMD (joined like ssh does, run by sh) inside,
#                                           print its output, exit with its status
#        vm.sh [OPTIONS] --suite VER        run every tests/vm/tests/*.sh (tests/vm/suite.sh);
#                                           raw console goes to --log; for run-tests.sh
# Options: --peers        also pack bpftrace, bcc's ksnoop (as bcc-ksnoop) and libbpf-tools'
#                         funclatency; implies -m 3G
#          --mem SIZE     guest memory (default 1G)
#          --timeout S    kill qemu after S seconds (default $KSNOOP_VM_TIMEOUT or 600;
#                         0 = never; --shell never times out)
#          --stall S      kill qemu once the console has been silent for S seconds
#                         (default 0 = never). A suite prints a line as each test starts
#                         and ends, so silence means a test hung, whatever the host's load;
#                         a fixed --timeout also kills a suite that is merely slow.
#          --log FILE     where the console log goes (default build/vm/logs/VER-MODE.log)
# Env:     OUT (build dir, default build), KSNOOP (binary, default $OUT/ksnoop; also packs
#          $OUT/ksnoop-asan if it exists),
#          KSNOOP_CACHE (kernels, default ~/.cache/ksnoop), KSNOOP_VM_TIMEOUT, KSNOOP_VM_STALL,
#          KSNOOP_VM_TESTS (directory of in-VM test files, default tests/vm/tests)
# Exit:    --run/--demo: the command's status; 124 timeout; 125 the VM never reported
#          (panic, hang, killed). --suite: 0 if the VM powered off by itself, else as above.
#          A VM killed for --timeout or --stall: 124.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=${OUT:-build}
KSNOOP=${KSNOOP:-$OUT/ksnoop}
CACHE=${KSNOOP_CACHE:-$HOME/.cache/ksnoop}
VMDIR=$OUT/vm
VMSRC=tests/vm

die() { echo "vm.sh: $*" >&2; exit 2; }

mode='' ver='' peers=0 mem='' log=''
timeout=${KSNOOP_VM_TIMEOUT:-600} stall=${KSNOOP_VM_STALL:-0}
while [ $# -gt 0 ]; do
	case $1 in
	--shell|--demo|--run|--suite)
		mode=${1#--}
		[ $# -ge 2 ] || die "$1 needs a kernel version"
		ver=$2; shift 2
		break ;;
	--peers) peers=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--stall) stall=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	*) die "unknown option '$1' (see the header of $0)" ;;
	esac
done
[ -n "$mode" ] || die "need one of --shell/--demo/--run/--suite VER"
[ "$mode" != run ] || [ $# -gt 0 ] || die "--run $ver needs a command"
[ "$mode" = run ] || [ $# -eq 0 ] || die "unexpected arguments: $*"
kdir=$CACHE/kernels/$ver
[ -f "$kdir/vmlinuz" ] || die "no kernel $ver in $kdir (run: tests/vm/fetch-kernels.sh $ver)"
[ -x "$KSNOOP" ] || die "no ksnoop binary at $KSNOOP (run: make)"
[ -n "$mem" ] || { [ $peers = 1 ] && mem=3G || mem=1G; }
mkdir -p "$VMDIR/logs"
[ -n "$log" ] || log=$VMDIR/logs/$ver-$mode.log

# Copy binary $2 into root $1 (at $3, default the same path) with the shared libraries and
# dynamic loader that ldd names, at their own paths.
add_bin() {
	local root=$1 bin=$2 dst=${3:-$2} lib
	install -D -m 0755 "$bin" "$root$dst"
	# ldd prints "name => /path (addr)" for libraries and "/path (addr)" for the loader;
	# "not a dynamic executable" (static binaries) yields nothing and a non-zero status.
	for lib in $(ldd "$bin" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
						 $1 ~ /^\// { print $1 }'); do
		[ -e "$root$lib" ] || cp -L --parents "$lib" "$root"
	done
}

# The part of the initramfs that changes rarely (busybox, jq, bpftool, optional peers) is
# cached as one gzip'd cpio archive; the kernel unpacks concatenated archives in order,
# so each run only packs a small second archive with ksnoop, workloads and tests.
base_archive() {
	local name=base bins=(/usr/bin/jq /usr/sbin/bpftool) b
	if [ $peers = 1 ]; then
		name='base-peers'
		bins+=(/usr/bin/bpftrace /usr/sbin/ksnoop /usr/sbin/funclatency)
	fi
	local out=$VMDIR/$name.cpio.gz stale=0 lock
	# Parallel VMs (run-tests.sh) share the cache: one builds it, the others wait.
	exec {lock}>"$VMDIR/$name.lock"
	flock "$lock"
	[ -f "$out" ] || stale=1
	for b in /bin/busybox "${bins[@]}" "$0"; do
		[ -e "$b" ] || die "missing $b (run: scripts/deps.sh)"
		[ $stale = 1 ] || [ "$b" -ot "$out" ] || stale=1
	done
	if [ $stale = 1 ]; then
		local tmp
		tmp=$(mktemp -d "$VMDIR/$name.XXXXXX")
		mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,root,ksnoop}
		cp /bin/busybox "$tmp/bin/busybox"
		# One symlink per applet, at the path busybox itself would install it.
		local applet
		for applet in $(/bin/busybox --list-full); do
			[ -e "$tmp/$applet" ] || ln -s /bin/busybox "$tmp/$applet"
		done
		for b in "${bins[@]}"; do
			case $b in
			/usr/sbin/ksnoop) add_bin "$tmp" "$b" /usr/sbin/bcc-ksnoop ;;
			*) add_bin "$tmp" "$b" ;;
			esac
		done
		[ $peers = 0 ] || echo "vm.sh: packing bpftrace and its ~200 MB of libraries once..." >&2
		(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
		mv "$out.tmp" "$out"
		rm -rf "$tmp"
	fi
	exec {lock}>&-
	echo "$out"
}

# The per-run archive: /init, mode and command, ksnoop, workloads, in-VM test scripts.
top_archive() {
	local out=$1 tmp w
	shift
	tmp=$(mktemp -d "$VMDIR/top.XXXXXX")
	install -D -m 0755 "$VMSRC/init" "$tmp/init"
	mkdir -p "$tmp/ksnoop/tests"
	install -m 0644 "$VMSRC"/lib.sh "$VMSRC"/suite.sh "$VMSRC"/demo.sh "$tmp/ksnoop/"
	cp "${KSNOOP_VM_TESTS:-$VMSRC/tests}"/*.sh "$tmp/ksnoop/tests/"
	add_bin "$tmp" "$KSNOOP" /usr/local/bin/ksnoop
	# The ASan+UBSan build (make $OUT/ksnoop-asan) for tests/vm/tests/60-asan.sh, if built.
	[ ! -x "$OUT/ksnoop-asan" ] || add_bin "$tmp" "$OUT/ksnoop-asan" /usr/local/bin/ksnoop-asan
	for w in "$OUT"/workload/*; do
		[ -x "$w" ] && install -m 0755 "$w" "$tmp/usr/local/bin/"
	done
	# A small module without dependencies for module tests ('dummy:*'), decompressed:
	# busybox insmod hands the kernel the bytes as they are.
	local ko
	ko=$(find "$kdir/modules" -name 'dummy.ko*' 2>/dev/null | head -n 1)
	if [ -n "$ko" ]; then
		mkdir -p "$tmp/ksnoop/modules"
		case $ko in
		*.xz) xz -dc "$ko" >"$tmp/ksnoop/modules/dummy.ko" ;;
		*.zst) zstd -qdc "$ko" >"$tmp/ksnoop/modules/dummy.ko" || rm -f "$tmp/ksnoop/modules/dummy.ko" ;;
		*) cp "$ko" "$tmp/ksnoop/modules/dummy.ko" ;;
		esac
	fi
	case $mode in
	shell) echo shell >"$tmp/ksnoop/mode" ;;
	demo) echo run >"$tmp/ksnoop/mode"; echo 'sh /ksnoop/demo.sh' >"$tmp/ksnoop/cmd" ;;
	suite) echo run >"$tmp/ksnoop/mode"; echo 'sh /ksnoop/suite.sh' >"$tmp/ksnoop/cmd" ;;
	run) echo run >"$tmp/ksnoop/mode"; printf '%s\n' "$*" >"$tmp/ksnoop/cmd" ;;
	esac
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$tmp"
}

base=$(base_archive)
initrd=$(mktemp "$VMDIR/initrd-$ver.XXXXXX")
trap 'rm -f "$initrd" "$initrd.top" "$initrd.pid" "$initrd.stalled"' EXIT
# Turn signals into an exit so the EXIT trap cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
top_archive "$initrd.top" "$@"
cat "$base" "$initrd.top" >"$initrd"

# -nic none: no network card, no iPXE option ROM to wait for.
# -cpu qemu64,-cx16: qemu 7.2's TCG cmpxchg16b makes the slab allocator double-fault now
# and then (docs/LAB.md; seen in __kmalloc_noprof on 6.12: 80 of 80 runs of a loop
# survived without cx16, the default CPU panicked within ~20 s). Kernels fall back.
qemu=(qemu-system-x86_64 -accel tcg -cpu qemu64,-cx16 -smp 1 -m "$mem" -no-reboot -nic none
      -kernel "$kdir/vmlinuz" -initrd "$initrd"
      -append "console=ttyS0 quiet panic=-1 rdinit=/init")
# KSNOOP_VM_QEMU_ARGS: more qemu arguments (the benchmarks' -icount).
# shellcheck disable=SC2206
qemu+=(${KSNOOP_VM_QEMU_ARGS:-})

if [ "$mode" = shell ]; then
	# Interactive: the serial console and qemu's monitor share this terminal (Ctrl-A x
	# quits qemu, Ctrl-A c the monitor).
	"${qemu[@]}" -nographic
	exit 0
fi

# Non-interactive: no display, no monitor, serial on stdout, stdin from /dev/null, so no
# terminal is needed (CI) and qemu never stops on SIGTTIN/SIGTTOU in a background job.
# The console log keeps everything (minus \r), line by line as it comes (sed -u: a
# suite's progress can be followed in the log); the user sees only the command's output,
# i.e. the lines between the BOOTED and EXIT markers.
# --foreground keeps qemu in our process group, so whoever runs us (run-tests.sh) can end
# the whole tree with one signal to the group.
tmo=()
[ "$timeout" = 0 ] || tmo=(timeout --foreground -k 10 "$timeout")
show=1
[ "$mode" != suite ] || show=0
# The stall watchdog: the log is written line by line as the console prints, so its
# age is the console's silence. Until the guest has booted, at least 120 s: on a loaded
# host the kernel's decompression alone kept the console silent for 20 s.
watchdog=
if [ "$stall" != 0 ]; then
	qemu+=(-pidfile "$initrd.pid")
	(
		while sleep 5; do
			[ -s "$initrd.pid" ] && [ -e "$log" ] || continue
			lim=$stall
			[ "$lim" -ge 120 ] || grep -q '@@KSNOOP-BOOTED' "$log" || lim=120
			[ $(($(date +%s) - $(stat -c %Y "$log"))) -ge "$lim" ] || continue
			touch "$initrd.stalled"
			kill "$(cat "$initrd.pid")" 2>/dev/null
			exit 0
		done
	) &
	watchdog=$!
fi
set +e
"${tmo[@]}" "${qemu[@]}" -display none -monitor none -serial stdio </dev/null 2>&1 |
	sed -u 's/\r//g' | tee "$log" |
	awk -v show=$show '/@@KSNOOP-EXIT /{ on = 0 } on && show { print; fflush() }
			   /@@KSNOOP-BOOTED /{ on = 1 }'
qrc=${PIPESTATUS[0]}
[ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null
[ ! -e "$initrd.stalled" ] || qrc=124
set -e

status=$(sed -n 's/.*@@KSNOOP-EXIT \([0-9]*\).*/\1/p' "$log" | tail -1)
if [ -z "$status" ]; then
	sig=$(sed -n 's/.*qemu-system-x86_64: terminating on signal \([0-9]*\).*/\1/p' "$log" | tail -1)
	if [ -e "$initrd.stalled" ]; then
		echo "vm.sh: kernel $ver: no console output for ${stall}s (a hung test?); killed qemu" >&2
	elif [ "$qrc" = 124 ]; then
		echo "vm.sh: kernel $ver: timed out after ${timeout}s; killed qemu" >&2
	elif [ -n "$sig" ]; then
		echo "vm.sh: kernel $ver: qemu was killed by signal $sig before the VM finished" >&2
	elif grep -q 'Kernel panic' "$log"; then
		echo "vm.sh: kernel $ver: the kernel panicked (qemu status $qrc)" >&2
	else
		echo "vm.sh: kernel $ver: the VM ended without reporting (qemu status $qrc)" >&2
	fi
	if [ "$mode" != suite ]; then
		echo "vm.sh: last 30 console lines ($log):" >&2
		tail -n 30 "$log" | sed 's/^/  | /' >&2
	fi
	[ "$qrc" = 124 ] && exit 124
	exit 125
fi
exit "$status"
