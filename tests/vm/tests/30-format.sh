# The differential format test: with --format-check the kernel formats each captured value
# with bpf_snprintf_btf() from the very bytes ksnoop copied, and ksnoop compares that text
# with its own formatter's. Real kernel structs (sk_buff, sock, file, inode, net_device:
# bitfields, unions, char arrays, pointers, enums) must give no mismatch on every kernel.
# Also --kernel-format (the kernel formats the live value) against the default output.
# Sourced by suite.sh with lib.sh loaded; each t_run is one test.

NEED_KVER=5.10	# every lab kernel traces (5.10 through the kprobe backend)



# The value lines (indented by 4 or more) of the calls of FUNC from COMM in $T_OUT.
value_lines_of()
{
	printf '%s\n' "$T_OUT" | awk -v comm="$1" -v fn="$2" '
		/^[0-9:.]+ +[0-9]+ +[0-9]+ +[0-9]+ / { cur = ($5 == comm && $6 == fn); next }
		cur && /^    / { print }'
}

# After a --format-check run of N or more calls of FUNC from COMM: exit status 0, the
# summary says 0 mismatches, no mismatch report, and the items were all shown.
expect_no_mismatch()
{
	local n
	t_expect_rc 0
	t_expect_match ', 0 format mismatches$' "$T_ERR"
	t_expect_no_match 'format mismatch for' "$T_ERR"
	n=$(calls_of "$1" "$2" | wc -l)
	[ "$n" -ge "$3" ] || { t_fail "$n calls of $2 from $1 shown, expected at least $3"; t_show_last; }
}

# struct sk_buff (bitfields, anonymous unions, pointers), struct sock (enum, bitfields,
# nested structs), struct sock_common (u16 array).
test_check_skb_sock()
{
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 3 5' ksnoop --format-check \
		'ip_send_skb(skb, skb->sk, skb->sk->__sk_common, skb->len, return)'
	expect_no_mismatch udpconn ip_send_skb 3
	# The kernel's text really is there: the struct and a member we know.
	t_expect_match '^    skb = \*\(0x[0-9a-f]+\) \(struct sk_buff\)\{$'
	t_expect_eq 3 "$(value_lines_of udpconn ip_send_skb |
		grep -cx '     .len = (unsigned int)33,')" "skb .len lines"
	t_expect_match '^    skb->sk->__sk_common = \(struct sock_common\)\{$'
	t_expect_match '^    skb->len = \(unsigned int\)33$'
}
t_run check-skb-sock test_check_skb_sock

# struct file (as vfs_open() gets it, just allocated) and struct inode (of the path being
# opened), for a process opening a known path.
test_check_file_inode()
{
	need_kernel_ge $NEED_KVER
	echo data >/tmp/ksnoop-format-file
	trace_wl 60 'openfiles 3 /tmp/ksnoop-format-file' ksnoop --format-check \
		'vfs_open(file, path->dentry->d_inode, path->dentry->d_inode->i_size, return,
		path->dentry->d_name.name:str)'
	expect_no_mismatch openfiles vfs_open 3
	# A ':str' item is a string read by the program, not kernel-formatted: shown, not compared.
	t_expect_eq 3 "$(value_lines_of openfiles vfs_open |
		grep -cx '    path->dentry->d_name.name:str = "ksnoop-format-file"')" "d_name.name:str lines"
	t_expect_match '^    file = \*\(0x[0-9a-f]+\) \(struct file\)\{$'
	t_expect_match '^    path->dentry->d_inode = \*\(0x[0-9a-f]+\) \(struct inode\)\{$'
	# "data\n" is 5 bytes.
	t_expect_eq 3 "$(value_lines_of openfiles vfs_open |
		grep -cx '    path->dentry->d_inode->i_size = (loff_t)5')" "i_size lines"
}
t_run check-file-inode test_check_file_inode

# struct net_device (bitfields, char arrays, enums) and char arrays alone: the loopback
# device, as every datagram to 127.0.0.1 leaves through it.
test_check_netdev()
{
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 2 100' ksnoop --format-check \
		'__dev_queue_xmit(skb->dev, skb->dev->name, skb->cb, skb->len)'
	expect_no_mismatch udpconn __dev_queue_xmit 2
	t_expect_match '^    skb->dev = \*\(0x[0-9a-f]+\) \(struct net_device\)\{$'
	t_expect_match "^     'l',\$"
	t_expect_match '^    skb->len = \(unsigned int\)142$'
}
t_run check-netdev test_check_netdev

# The items as the value lines show them, with the same workload twice: once formatted by
# ksnoop, once by the kernel. Scalars, an enum-like member, arrays, strings and return
# values must read the same.
KF_SPECS='ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport, skb->sk->__sk_common.skc_family, skb->sk->__sk_common.skc_state, skb->cb, skb->next, return)
__dev_queue_xmit(skb->dev->name, skb->dev->name[0], skb->len, skb->dev->mtu, return)'

test_kernel_format_same()
{
	local mine kern
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 3 100 9999; udpconn 2 300 12345' ksnoop \
		"$(echo "$KF_SPECS" | sed -n 1p)" "$(echo "$KF_SPECS" | sed -n 2p)"
	t_expect_rc 0
	mine=$(value_lines_of udpconn ip_send_skb; value_lines_of udpconn __dev_queue_xmit)
	trace_wl 60 'udpconn 3 100 9999; udpconn 2 300 12345' ksnoop --kernel-format \
		"$(echo "$KF_SPECS" | sed -n 1p)" "$(echo "$KF_SPECS" | sed -n 2p)"
	t_expect_rc 0
	kern=$(value_lines_of udpconn ip_send_skb; value_lines_of udpconn __dev_queue_xmit)
	# 5 calls of each function, 8 value lines each (skb->cb spans 2, the name 4).
	t_expect_eq 80 "$(printf '%s\n' "$mine" | wc -l)" "value lines (ksnoop formats)"
	t_expect_eq "$mine" "$kern" "value lines: --kernel-format against the default"
}
t_run kernel-format-same test_kernel_format_same

# A struct whose kernel text is longer than ksnoop's text buffer (2048 bytes) says it was
# cut, as ksnoop's own formatter never cuts a value it copied whole.
test_kernel_format_truncated()
{
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 1 5' ksnoop --kernel-format 'ip_send_skb(skb->sk)'
	t_expect_rc 0
	t_expect_eq 1 "$(calls_of udpconn ip_send_skb | wc -l)" "ip_send_skb calls"
	t_expect_match '^    skb->sk = \*\(0x[0-9a-f]+\) \(struct sock\)\{$'
	t_expect_match ' <truncated>$'
	trace_wl 60 'udpconn 1 5' ksnoop 'ip_send_skb(skb->sk)'
	t_expect_rc 0
	t_expect_match '^    \}$'
	t_expect_no_match '<truncated>'
}
t_run kernel-format-truncated test_kernel_format_truncated
