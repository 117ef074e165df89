# Host shell test: the Debian package (make deb). Extracted into a scratch root with
# dpkg-deb -x (not installed: the host's dpkg database is left alone), it must hold the
# binary, man page, bash completion and docs, declare its library dependencies, and run
# from there: 'ksnoop -V' with the package's version, 'ksnoop info' on the host's BTF,
# completion through the packaged script and binary.
# The .deb is $OUT/deb/ksnoop_VERSION_amd64.deb ($OUT: where the ksnoop under test is);
# it is built (make deb, about 30 s) when missing or older than that ksnoop.

# shellcheck disable=SC2034  # read by lib.sh's t_cmd
T_TIMEOUT=300
VERSION=$(cat VERSION)
OUT=$(dirname "$(readlink -f "$(command -v ksnoop)")")
DEB=$OUT/deb/ksnoop_${VERSION}_amd64.deb
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT

need_deb()
{
	need_cmd dpkg-deb
	need_cmd dpkg-buildpackage
	need_cmd dh
	if [ ! -f "$DEB" ] || [ "$DEB" -ot "$OUT/ksnoop" ]; then
		t_cmd make deb OUT="$OUT"
		t_expect_rc 0 || return 1
	fi
	[ -f "$DEB" ] || { t_fail "make deb did not leave $DEB"; return 1; }
	[ -x "$ROOT/usr/sbin/ksnoop" ] || dpkg-deb -x "$DEB" "$ROOT"
}

test_contents()
{
	local f
	need_deb || return
	for f in usr/sbin/ksnoop usr/share/man/man8/ksnoop.8.gz \
		usr/share/bash-completion/completions/ksnoop usr/share/doc/ksnoop/README.md.gz \
		usr/share/doc/ksnoop/copyright; do
		[ -e "$ROOT/$f" ] || t_fail "the package has no /$f"
	done
	t_cmd dpkg-deb -f "$DEB" Package Version Architecture Depends
	t_expect_rc 0
	t_expect_match '^Package: ksnoop$'
	t_expect_match "^Version: $VERSION\$"
	t_expect_match '^Architecture: amd64$'
	# from ${shlibs:Depends}: the libraries the binary links
	t_expect_match '^Depends: .*libbpf1'
	t_expect_match '^Depends: .*libc6'
	t_cmd ldd "$ROOT/usr/sbin/ksnoop"
	t_expect_no_match 'not found'
	grep -q 'GPL-2' "$ROOT/usr/share/doc/ksnoop/copyright" || t_fail "copyright does not name GPL-2.0"
}
t_run contents test_contents

test_runs()
{
	need_deb || return
	need_file /sys/kernel/btf/vmlinux
	t_cmd "$ROOT/usr/sbin/ksnoop" -V
	t_expect_rc 0
	t_expect_match "^ksnoop $VERSION \\("
	t_cmd "$ROOT/usr/sbin/ksnoop" info ip_send_skb
	t_expect_rc 0
	t_expect_eq "int ip_send_skb(struct net *net, struct sk_buff *skb);" "$T_OUT" "stdout"
	t_cmd sh -c 'zcat "$0" | groff -man -Tutf8 -ww -P -cbou 2>&1 >/dev/null' \
		"$ROOT/usr/share/man/man8/ksnoop.8.gz"
	t_expect_eq "" "$T_OUT" "groff warnings on the packaged man page"
}
t_run runs-from-scratch-root test_runs

test_packaged_completion()
{
	need_deb || return
	need_file /sys/kernel/btf/vmlinux
	t_cmd bash -c '. "$0/usr/share/bash-completion/completions/ksnoop"
		COMP_LINE="$0/usr/sbin/ksnoop info ip_send_sk" COMP_POINT=${#COMP_LINE}
		_ksnoop; printf "%s\n" "${COMPREPLY[@]}"; complete -p ksnoop' "$ROOT"
	t_expect_rc 0
	t_expect_match '^ip_send_skb$'
	t_expect_match '^complete -F _ksnoop ksnoop$'
}
t_run packaged-completion test_packaged_completion

# make deb builds in a copy under $OUT: nothing of dpkg's is left in the source tree.
test_tree_clean()
{
	need_deb || return
	need_cmd git
	git rev-parse --git-dir >/dev/null 2>&1 || t_skip "not a git checkout"
	t_cmd git status --porcelain --ignored -- debian
	t_expect_eq "" "$T_OUT" "files in debian/ not in git"
}
t_run tree-clean test_tree_clean
