# Where the output goes: writes that fail end ksnoop with an error naming the output, a
# reader that leaves (| head) ends it quietly and promptly, -o FILE holds whole records
# even when ksnoop is killed, -q silences the attach and summary lines, --color.
# Each test that ends ksnoop early checks that no ksnoop BPF program is left behind.
# Sourced by suite.sh with lib.sh loaded.

NEED_KVER=5.10	# every lab kernel traces (5.10 through the kprobe backend)

# No BPF program of ksnoop's is loaded (names are cut at 15 characters: "ksnoop...").
no_ksnoop_programs()
{
	local progs
	command -v bpftool >/dev/null 2>&1 || return 0
	progs=$(bpftool -j prog show 2>/dev/null)
	printf '%s\n' "$progs" | grep -q '"name":"ksnoop' &&
		t_fail "ksnoop BPF programs left in the kernel after it exited: $progs"
	return 0
}

# A full device as standard output: the header write fails right after attaching.
test_dev_full_text()
{
	need_kernel_ge $NEED_KVER
	TW_STOP=0 trace_wl 60 'udpconn 2 100' sh -c 'exec ksnoop "ip_send_skb(skb->len)" >/dev/full'
	t_expect_rc 1
	t_expect_match '^ksnoop: cannot write to standard output \(/dev/full\): No space left on device$' "$T_ERR"
	t_expect_match '^  hint: free some space, or write elsewhere with -o FILE$' "$T_ERR"
	t_expect_no_match 'calls shown' "$T_ERR"
	no_ksnoop_programs
}
t_run dev-full-text test_dev_full_text

# JSON has no header: the first call's write fails, and ksnoop stops there by itself.
test_dev_full_json()
{
	need_kernel_ge $NEED_KVER
	TW_STOP=0 trace_wl 60 'udpconn 3 100' sh -c 'exec ksnoop -j "ip_send_skb(skb->len)" >/dev/full'
	t_expect_rc 1
	t_expect_match '^\{"type":"error","error":"cannot write to standard output \(/dev/full\): No space left on device","hint":"free some space, or write elsewhere with -o FILE","exit":1\}$' "$T_ERR"
	no_ksnoop_programs
}
t_run dev-full-json test_dev_full_json

# | head -3 takes the header and the one call's two lines, then leaves. No more calls
# come, so nothing would fail a write: ksnoop must notice the closed pipe by itself,
# exit 0 without a message or summary, and detach (TW_STOP=0: no SIGINT; t_trace's
# bound would show as status 124).
test_head()
{
	need_kernel_ge $NEED_KVER
	rm -f /tmp/head.rc
	TW_STOP=0 trace_wl 60 'udpconn 1 100' \
		sh -c '{ ksnoop "ip_send_skb(skb->len)"; echo $? >/tmp/head.rc; } | head -3'
	t_expect_rc 0
	t_expect_eq 0 "$(cat /tmp/head.rc 2>/dev/null)" "ksnoop's exit status"
	t_expect_eq 3 "$(printf '%s\n' "$T_OUT" | wc -l)" "lines through head -3"
	t_expect_match '^ +skb->len = \(unsigned int\)128$'
	t_expect_no_match 'cannot write|calls shown|Broken pipe' "$T_ERR"
	no_ksnoop_programs
}
t_run head-closes-pipe test_head

# -o FILE: the calls go to FILE, nothing to standard output.
test_output_file()
{
	need_kernel_ge $NEED_KVER
	rm -f /tmp/calls.txt
	trace_wl 60 'udpconn 3 100' ksnoop -o /tmp/calls.txt 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_eq "" "$T_OUT" "standard output"
	t_expect_match '^TIME +CPU PID +TID +COMM +FUNCTION$' "$(cat /tmp/calls.txt)"
	t_expect_eq 3 "$(grep -Ec ' udpconn +ip_send_skb( |$)' /tmp/calls.txt)" "calls in the file"
	t_expect_match '^ksnoop: 3 calls shown' "$T_ERR"
}
t_run output-file test_output_file

# Killed (SIGKILL) in the middle of a flood: the file holds complete JSON lines, except
# that the write in progress may be cut (the kernel stops a write between pages when a
# fatal signal arrives: man page, BUGS): every line but the last must parse.
test_output_file_killed()
{
	local f=/tmp/killed.json
	need_kernel_ge $NEED_KVER
	need_cmd jq
	rm -f "$f"
	# The flood runs from the attach until ksnoop is killed (a flood of fixed length could
	# end first on a busy machine), then is stopped. The kill comes once the file holds
	# 1 MiB (ksnoop writes batches of up to 64 KiB; or after 30 s), whatever the speed:
	# 2 s of flood made 29 MiB of it (whole struct socks) on 6.12, 31 s of jq to read.
	# stat, not wc -c: wc reads the file, which grows faster than it can be read.
	TW_STOP=0 trace_wl 60 "flood 0 & fp=\$! i=0
		until [ \$(stat -c %s $f) -ge 1048576 ] || [ \$i -ge 600 ]; do
			i=\$((i + 1)); sleep 0.05; done
		kill -KILL \$TRACER_PID; kill \$fp; wait" \
		ksnoop -j -o "$f" 'ip_send_skb(skb->len, skb->sk)'
	t_expect_rc 137
	[ -s "$f" ] || { t_fail "$f is empty: no call was written before the kill"; return; }
	sed '$d' "$f" | jq -e . >/dev/null 2>&1 ||
		t_fail "$f does not parse as JSON Lines before its last line: $(tail -c 300 "$f")"
	[ "$(tail -c 1 "$f" | tr -d '\n')" = "" ] ||
		t_detail "  note: the kill cut the last write ($(tail -c 80 "$f"))"
	no_ksnoop_programs
}
t_run output-file-killed test_output_file_killed

# -q: no attach and no summary line; --duration ends the run (no workload to wait for).
test_quiet()
{
	need_kernel_ge $NEED_KVER
	t_cmd ksnoop -q --duration 2 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_eq "" "$T_ERR" "standard error with -q"
	t_expect_match '^TIME +CPU'
}
t_run quiet test_quiet

# --color=always colours the function name and labels; JSON never.
test_color()
{
	local esc
	need_kernel_ge $NEED_KVER
	esc=$(printf '\033')
	trace_wl 60 'udpconn 1 100' ksnoop --color=always 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_match "udpconn +${esc}\\[1;36mip_send_skb${esc}\\[0m"
	t_expect_match "^    ${esc}\\[33mskb->len${esc}\\[0m = \\(unsigned int\\)128$"
	trace_wl 60 'udpconn 1 100' ksnoop -j --color=always 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_match '"func":"ip_send_skb"'
	t_expect_no_match "$esc"
	# not a terminal, and NO_COLOR even where auto would colour
	trace_wl 60 'udpconn 1 100' env NO_COLOR=1 ksnoop 'ip_send_skb(skb->len)'
	t_expect_rc 0
	t_expect_match 'ip_send_skb'
	t_expect_no_match "$esc"
}
t_run color test_color
