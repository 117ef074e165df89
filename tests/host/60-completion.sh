# Host shell test: bash completion (completion/ksnoop.bash) driven as bash drives it:
# COMP_LINE/COMP_POINT (the line up to the cursor, which the function splits itself) and
# COMP_WORDS/COMP_CWORD set, _ksnoop called, COMPREPLY checked. Candidates come from
# 'ksnoop __complete' against the host kernel's BTF (skipped without it). COMPREPLY
# holds what replaces readline's word: the text after an open quote, else after the
# last COMP_WORDBREAKS character ("len" of an unquoted "skb->len").

# shellcheck source=../../completion/ksnoop.bash
. completion/ksnoop.bash

# comp LINE: complete at the end of LINE; T_OUT = COMPREPLY, one per line.
comp()
{
	COMP_LINE=$1
	COMP_POINT=${#1}
	read -ra COMP_WORDS <<<"$1"
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	[ "${1: -1}" = " " ] && COMP_WORDS+=("") && COMP_CWORD=$((COMP_CWORD + 1))
	COMPREPLY=()
	_ksnoop ksnoop "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	# shellcheck disable=SC2034  # read by lib.sh (failure reports)
	T_LAST_CMD="complete: $1" T_SHOWN=
	T_OUT=$(printf '%s\n' "${COMPREPLY[@]}") T_RC=0 T_ERR=
}

# expect_only ERE: every candidate matches ERE (and there is at least one).
expect_only()
{
	[ ${#COMPREPLY[@]} -gt 0 ] || { t_fail "no candidates"; return; }
	printf '%s\n' "${COMPREPLY[@]}" | grep -Evq "^($1)\$" &&
		t_fail "candidates not matching /^($1)\$/: $(printf '%s\n' "${COMPREPLY[@]}" | grep -Ev "^($1)\$" | head -5)"
	return 0
}

test_function_names()
{
	need_file /sys/kernel/btf/vmlinux
	comp "ksnoop info tcp_sendm"
	t_expect_match '^tcp_sendmsg$'
	t_expect_match '^tcp_sendmsg_locked$'
	expect_only 'tcp_sendm.*'
	# a second SPEC, and -x's value, are function names too
	comp "ksnoop info ip_send_skb tcp_sendm"
	t_expect_match '^tcp_sendmsg$'
	comp "ksnoop -x tcp_sendm"
	t_expect_match '^tcp_sendmsg$'
}
t_run function-names test_function_names

test_commands()
{
	need_file /sys/kernel/btf/vmlinux
	comp "ksnoop in"
	t_expect_match '^info$'
	t_expect_match '^inet_sendmsg$'
	# after the command, no command words; after 'features', nothing
	comp "ksnoop info in"
	t_expect_no_match '^info$'
	t_expect_match '^inet_sendmsg$'
	comp "ksnoop -v fe"
	t_expect_match '^features$'
	comp "ksnoop features "
	t_expect_eq "" "$T_OUT" "candidates after 'features'"
}
t_run commands test_commands

test_options()
{
	comp "ksnoop --js"
	t_expect_eq "--json" "$T_OUT"
	comp "ksnoop --co"
	t_expect_eq "--comm
--count
--color
--count-by" "$T_OUT"
	# hidden: never offered
	comp "ksnoop --"
	t_expect_match '^--output$'
	t_expect_no_match '__complete'
	comp "ksnoop -"
	t_expect_match '^--quiet$'
}
t_run options test_options

test_option_values()
{
	local d
	comp "ksnoop --color "
	t_expect_eq "auto
always
never" "$T_OUT"
	comp "ksnoop --color=al"
	t_expect_eq "always" "$T_OUT"
	comp "ksnoop --backend fentry-"
	t_expect_eq "fentry-multi" "$T_OUT"
	# --count-by's optional value: its words after '=', its words and functions after a space
	comp "ksnoop --count-by=ca"
	t_expect_eq "caller" "$T_OUT"
	if [ -r /sys/kernel/btf/vmlinux ]; then
		comp "ksnoop --count-by ca"
		t_expect_match '^caller$'
		t_expect_match '^call_rcu$'
	fi
	# numbers: nothing to offer
	comp "ksnoop -n "
	t_expect_eq "" "$T_OUT"
	# file names for -o and --btf, also in a cluster (-qo) and after '='
	d=$(mktemp -d)
	touch "$d/calls.txt"
	comp "ksnoop -qo $d/cal"
	t_expect_eq "$d/calls.txt" "$T_OUT"
	comp "ksnoop --btf=$d/cal"
	t_expect_eq "$d/calls.txt" "$T_OUT"
	# --cgroup takes a directory
	comp "ksnoop --cgroup $d/cal"
	t_expect_eq "$d/calls.txt" "$T_OUT"
	rm -rf "$d"
}
t_run option-values test_option_values

test_items_quoted()
{
	need_file /sys/kernel/btf/vmlinux
	# Inside an open quote readline replaces all the quoted text: whole words.
	comp "ksnoop 'ip_send_skb(s"
	t_expect_eq "ip_send_skb(skb" "$T_OUT"
	comp "ksnoop 'ip_send_skb("
	t_expect_eq "ip_send_skb(net
ip_send_skb(skb
ip_send_skb(return" "$T_OUT"
	comp "ksnoop 'ip_send_skb(skb->le"
	t_expect_eq "ip_send_skb(skb->len" "$T_OUT"
	comp "ksnoop \"ip_send_skb(skb->sk->__sk_common.skc_dp"
	t_expect_eq "ip_send_skb(skb->sk->__sk_common.skc_dport" "$T_OUT"
	# the second item, after a predicate
	comp "ksnoop -n 5 'ip_send_skb(skb->len > 100, skb->de"
	t_expect_match '^ip_send_skb\(skb->len > 100, skb->dev$'
	expect_only 'ip_send_skb\(skb->len > 100, skb->de.*'
	# members of anonymous unions are members too (sk_buff's "len" is in one)
	comp "ksnoop 'ip_send_skb(skb->l"
	t_expect_match '^ip_send_skb\(skb->len$'
	expect_only 'ip_send_skb\(skb->l.*'
}
t_run items-quoted test_items_quoted

test_items_unquoted()
{
	need_file /sys/kernel/btf/vmlinux
	# Unquoted, readline's word starts after '(' or '>' (COMP_WORDBREAKS): the tail only.
	comp "ksnoop info ip_send_skb(skb->le"
	t_expect_eq "len" "$T_OUT"
	comp "ksnoop info ip_send_skb(sk"
	t_expect_eq "skb" "$T_OUT"
}
t_run items-unquoted test_items_unquoted

test_items_nothing()
{
	need_file /sys/kernel/btf/vmlinux
	comp "ksnoop 'ip_send_skb(nosuch->"
	t_expect_eq "" "$T_OUT" "members of an unknown argument"
	comp "ksnoop 'ip_send_skb(skb->len->"
	t_expect_eq "" "$T_OUT" "'->' on an integer"
	comp "ksnoop 'nosuchfunc(s"
	t_expect_eq "" "$T_OUT" "arguments of an unknown function"
	comp "ksnoop 'ip_send_skb(skb->len == "
	t_expect_eq "" "$T_OUT" "a predicate value"
	comp "ksnoop 'tcp_*"
	t_expect_eq "" "$T_OUT" "a glob"
}
t_run items-nothing test_items_nothing

# The helper's own interface (src/complete.h), without the shell around it.
test_helper()
{
	need_file /sys/kernel/btf/vmlinux
	t_cmd ksnoop __complete info 'ip_send_skb(skb->sk->__sk_common.skc_dpo'
	t_expect_rc 0
	t_expect_eq "ip_send_skb(skb->sk->__sk_common.skc_dport" "$T_OUT"
	t_expect_eq "" "$T_ERR" "stderr"
	t_cmd ksnoop __complete -o ''
	t_expect_eq "@file" "$T_OUT"
	# not in --help
	t_cmd ksnoop --help
	t_expect_no_match '__complete'
}
t_run helper test_helper
