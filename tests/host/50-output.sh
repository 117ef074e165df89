# Host shell test: where the output goes (-o FILE, standard output that fails or goes
# away) and the messages of the options -o, -q and --color. 'info' and 'features' write
# through the same output checks as 'trace' (tests/vm/tests/35-output.sh covers trace).

# shellcheck disable=SC2034  # read by lib.sh's t_cmd
T_TIMEOUT=30
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# expect_error RC MSG HINT: the last t_cmd failed with RC, stderr MSG then "  hint: HINT"
# (both EREs, whole lines), nothing on stdout.
expect_error()
{
	t_expect_rc "$1"
	t_expect_eq 2 "$(printf '%s\n' "$T_ERR" | wc -l)" "lines on stderr"
	t_expect_match "^$2\$" "$(printf '%s\n' "$T_ERR" | sed -n 1p)"
	t_expect_match "^  hint: $3\$" "$(printf '%s\n' "$T_ERR" | sed -n 2p)"
	t_expect_eq "" "$T_OUT" "stdout"
}

test_color_bad()
{
	t_cmd ksnoop --color=bad info ip_send_skb
	expect_error 2 "ksnoop: invalid value 'bad' for --color" "choose auto, always or never"
	t_cmd ksnoop --color '' info ip_send_skb
	expect_error 2 "ksnoop: invalid value '' for --color" "choose auto, always or never"
}
t_run color-bad-value test_color_bad

test_output_empty()
{
	t_cmd ksnoop -o '' info ip_send_skb
	expect_error 2 "ksnoop: invalid value '' for --output" "-o takes a file name, e.g. -o calls.txt"
}
t_run output-empty-name test_output_empty

test_output_unopenable()
{
	need_file /sys/kernel/btf/vmlinux
	t_cmd ksnoop -o "$TMP/no/such/dir/f" info ip_send_skb
	expect_error 1 "ksnoop: cannot open output file '$TMP/no/such/dir/f': No such file or directory" \
		"check the path and the permissions of its directory"
}
t_run output-cannot-open test_output_unopenable

# The output named in the message: -o's FILE, or where standard output was redirected.
test_dev_full()
{
	need_file /sys/kernel/btf/vmlinux
	need_file /dev/full
	t_cmd ksnoop -o /dev/full info ip_send_skb
	expect_error 1 "ksnoop: cannot write to /dev/full: No space left on device" \
		"free some space, or write elsewhere with -o FILE"
	t_cmd sh -c 'exec ksnoop info "tcp_*" >/dev/full'
	t_expect_rc 1
	t_expect_match '^ksnoop: cannot write to standard output \(/dev/full\): No space left on device$' "$T_ERR"
	t_expect_match '^  hint: free some space, or write elsewhere with -o FILE$' "$T_ERR"
	t_cmd sh -c 'exec ksnoop features >/dev/full'
	t_expect_rc 1
	t_expect_match '^ksnoop: cannot write to standard output \(/dev/full\): No space left on device$' "$T_ERR"
	# -j: the same error as a JSON object
	t_cmd sh -c 'exec ksnoop -j info ip_send_skb >/dev/full'
	t_expect_rc 1
	t_expect_eq '{"type":"error","error":"cannot write to standard output (/dev/full): No space left on device","hint":"free some space, or write elsewhere with -o FILE","exit":1}' "$T_ERR" "stderr"
}
t_run dev-full test_dev_full

# A reader that leaves early: exit 0, no message, whatever is left to print.
test_closed_pipe()
{
	need_file /sys/kernel/btf/vmlinux
	t_cmd bash -c 'ksnoop info "tcp_*" 2>"$0" | head -n 1; echo "rc=${PIPESTATUS[0]}"; cat "$0"' "$TMP/err"
	t_expect_rc 0
	t_expect_match '^rc=0$'
	t_expect_eq 2 "$(printf '%s\n' "$T_OUT" | grep -vc '^ksnoop: .tcp_\*.: [0-9]* functions matched')" \
		"lines: one prototype, the status"
	t_expect_no_match 'cannot write|Broken pipe|hint'
}
t_run closed-pipe-quiet test_closed_pipe

test_output_file()
{
	local want
	need_file /sys/kernel/btf/vmlinux
	t_cmd ksnoop info ip_send_skb tcp_sendmsg
	want=$T_OUT
	echo old >"$TMP/out"
	t_cmd ksnoop -o "$TMP/out" info ip_send_skb tcp_sendmsg
	t_expect_rc 0
	t_expect_eq "" "$T_OUT" "stdout with -o"
	t_expect_eq "$want" "$(cat "$TMP/out")" "the -o file (replaced)"
	# A SPEC that does not fit: the file is left as it was, not emptied for nothing.
	echo keep >"$TMP/keep"
	t_cmd ksnoop -o "$TMP/keep" info ip_send_skbb
	t_expect_rc 3
	t_expect_eq keep "$(cat "$TMP/keep")" "the -o file after a failed run"
}
t_run output-file test_output_file

# -q and --color are accepted by every command (they change nothing in info's text).
test_quiet_color_accepted()
{
	need_file /sys/kernel/btf/vmlinux
	t_cmd ksnoop -q --color=always info ip_send_skb
	t_expect_rc 0
	t_expect_eq "int ip_send_skb(struct net *net, struct sk_buff *skb);" "$T_OUT" "stdout"
	t_cmd env NO_COLOR=1 ksnoop --color=never info ip_send_skb
	t_expect_rc 0
	# info's glob summary on stderr is one of the lines -q hides
	t_cmd ksnoop info 'tcp_*'
	t_expect_match "^ksnoop: 'tcp_\*': [0-9]+ functions matched, skipped " "$T_ERR"
	t_cmd ksnoop -q info 'tcp_*'
	t_expect_rc 0
	t_expect_eq "" "$T_ERR" "stderr with -q"
}
t_run quiet-color-accepted test_quiet_color_accepted
