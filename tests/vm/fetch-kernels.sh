#!/bin/bash
# Fetch Debian cloud kernels for the test lab into a cache outside the source tree.
# Uses a private apt configuration so the machine's own apt state is left untouched.
#
# Usage: fetch-kernels.sh [VERSION...]   (VERSION: 5.10 6.1 6.12 7.2; default all)
# Env:   KSNOOP_CACHE (default ~/.cache/ksnoop)
# Result: $KSNOOP_CACHE/kernels/<ver>/{vmlinuz,config,modules/} and a file 'release'.
set -euo pipefail

CACHE=${KSNOOP_CACHE:-$HOME/.cache/ksnoop}
APTDIR=$CACHE/apt
KDIR=$CACHE/kernels
VERSIONS=${*:-5.10 6.1 6.12 7.2}

mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$KDIR"
SRC=$APTDIR/sources.list
cat >"$SRC" <<EOS
deb http://deb.debian.org/debian bullseye main
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian sid main
EOS
APT=(apt-get -q -o Dir::Etc::SourceList="$SRC" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache"
     -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o Acquire::Languages=none)

need_update=0
for v in $VERSIONS; do [ -f "$KDIR/$v/vmlinuz" ] || need_update=1; done
[ $need_update = 1 ] || exit 0

# Refresh the private lists at most once a day.
if [ -z "$(find "$APTDIR/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	"${APT[@]}" update >"$APTDIR/update.log" 2>&1 || { cat "$APTDIR/update.log"; exit 1; }
fi

# Highest version of the package whose name matches a regex, from the private lists.
newest() {
	apt-cache -o Dir::Etc::SourceList="$SRC" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" \
		pkgnames linux- 2>/dev/null | grep -E "$1" | sort -V | tail -1
}

fetch() { # fetch VER PKG...
	local v=$1; shift
	local dst=$KDIR/$v tmp=$KDIR/$v.tmp
	rm -rf "$tmp"; mkdir -p "$tmp/deb"
	(cd "$tmp/deb" && "${APT[@]}" download "$@" >/dev/null)
	for d in "$tmp"/deb/*.deb; do dpkg-deb -x "$d" "$tmp/x"; done
	# Older packages keep the image in /boot, 7.x in /usr/lib/modules/REL/.
	local vmlinuz rel
	vmlinuz=$(ls "$tmp"/x/boot/vmlinuz-* "$tmp"/x/usr/lib/modules/*/vmlinuz 2>/dev/null | head -1 || true)
	[ -n "$vmlinuz" ] || { echo "fetch-kernels: no vmlinuz in $*" >&2; exit 1; }
	case $vmlinuz in
	*/boot/*) rel=${vmlinuz##*/vmlinuz-}; cp "$tmp"/x/boot/config-* "$tmp/config" 2>/dev/null || true ;;
	*) rel=$(basename "$(dirname "$vmlinuz")"); cp "$(dirname "$vmlinuz")/config" "$tmp/config" 2>/dev/null || true ;;
	esac
	cp "$vmlinuz" "$tmp/vmlinuz"
	[ ! -d "$tmp/x/lib/modules/$rel" ] || mv "$tmp/x/lib/modules/$rel" "$tmp/modules"
	[ ! -d "$tmp/x/usr/lib/modules/$rel" ] || mv "$tmp/x/usr/lib/modules/$rel" "$tmp/modules"
	echo "$rel" >"$tmp/release"
	rm -rf "$tmp/deb" "$tmp/x"
	rm -rf "$dst"; mv "$tmp" "$dst"
	echo "fetch-kernels: $v -> $rel"
}

for v in $VERSIONS; do
	[ -f "$KDIR/$v/vmlinuz" ] && continue
	case $v in
	5.10) fetch $v "$(newest '^linux-image-5\.10\.0-[0-9]+-cloud-amd64-unsigned$')" ;;
	6.1) fetch $v "$(newest '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$')" ;;
	6.12) fetch $v "$(newest '^linux-image-6\.12\.[0-9.]+\+deb13-cloud-amd64-unsigned$')" ;;
	7.2)
		img=$(newest '^linux-image-7\.2\.[0-9.]+\+deb14-cloud-amd64$')
		rel=${img#linux-image-}
		pkgs=("$img")
		for p in linux-binary-$rel linux-modules-$rel linux-base-$rel; do
			"${APT[@]}" download --print-uris "$p" >/dev/null 2>&1 && pkgs+=("$p")
		done
		fetch $v "${pkgs[@]}" ;;
	*) echo "fetch-kernels: unknown kernel version '$v' (known: 5.10 6.1 6.12 7.2)" >&2; exit 2 ;;
	esac
done
