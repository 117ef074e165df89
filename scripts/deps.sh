#!/bin/bash
# Install what ksnoop's build, tests and kernel lab need on Debian 12, with apt-get.
# Usage: scripts/deps.sh [--check]   --check: only report what is missing (exit 1 if any)
set -euo pipefail

# command -> Debian package
declare -A TOOLS=(
	[clang]=clang [llvm-strip]=llvm [bpftool]=bpftool [gcc]=gcc [make]=make
	[qemu-system-x86_64]=qemu-system-x86 [busybox]=busybox-static [cpio]=cpio
	[jq]=jq [gzip]=gzip [xz]=xz-utils [valgrind]=valgrind [setpriv]=util-linux
	[bpftrace]=bpftrace [ksnoop]=libbpf-tools [groff]=groff-base
	[dh]=debhelper [dpkg-buildpackage]=dpkg-dev
)
# header or library file -> Debian package
declare -A FILES=(
	[/usr/include/bpf/libbpf.h]=libbpf-dev [/usr/include/gelf.h]=libelf-dev
	[/usr/include/zlib.h]=zlib1g-dev [/usr/lib/x86_64-linux-gnu/libbpf.a]=libbpf-dev
	[/usr/lib/x86_64-linux-gnu/libelf.a]=libelf-dev [/usr/lib/x86_64-linux-gnu/libz.a]=zlib1g-dev
	[/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.asan-x86_64.a]=libclang-rt-14-dev
	[/usr/lib/x86_64-linux-gnu/libzstd.a]=libzstd-dev
)

missing=()
for t in "${!TOOLS[@]}"; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing+=("${TOOLS[$t]}")
done
for f in "${!FILES[@]}"; do
	[ -e "$f" ] || missing+=("${FILES[$f]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "${1:-}" = --check ]; then
	echo "missing packages: ${missing[*]}" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install: ${missing[*]} (run: sudo $0)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
