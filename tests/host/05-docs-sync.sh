# Host shell test (bash, sourced by tests/run-host.sh with tests/vm/lib.sh loaded):
# the options `ksnoop --help` prints and the options the documentation describes are the
# same set, so adding an option without documenting it (or documenting one that is gone)
# fails here. bpftool keeps --help, its man pages and bash completion in sync the same way.
#
# Checked: every long and short option in --help appears in man/ksnoop.8's OPTIONS section
# (roff: \-\-name, \-x) and in README.md's "## Options" section; every option those two
# sections mention exists in --help.
# Env: DOCS_MAN, DOCS_README override the documents checked (to test this test).

DOCS_MAN=${DOCS_MAN:-man/ksnoop.8}
DOCS_README=${DOCS_README:-README.md}

# Options from `ksnoop --help`: lines "  -p, --pid PID  ..." or "      --tid TID  ...",
# one option name per line on stdout ("--pid", "-p").
help_longs()
{
	sed -n -E 's/^ +(-[A-Za-z], )?(--[a-z][a-z0-9-]*).*/\2/p' <<<"$1" | sort -u
}

help_shorts()
{
	sed -n -E 's/^ +(-[A-Za-z]), --.*/\1/p' <<<"$1" | sort -u
}

# The man page's OPTIONS section, from ".SH OPTIONS" to the next ".SH".
man_options()
{
	sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$DOCS_MAN" | sed '$d'
}

# Options mentioned in roff text: \-\-name (with \- inside) and \-x (one letter that is
# not followed by another letter or digit, so \-vv is not taken for -v).
roff_longs()
{
	grep -oE '\\-\\-[a-z0-9]+(\\-[a-z0-9]+)*' <<<"$1" | sed 's/\\-/-/g' | sort -u
}

roff_shorts()
{
	grep -oE '(^|[^-a-z0-9])\\-[A-Za-z]([^A-Za-z0-9\\]|\\[^-]|$)' <<<"$1" |
		sed -E 's/.*\\-([A-Za-z]).*/-\1/' | sort -u
}

# README.md's "## Options" section, up to the next "## " heading.
readme_options()
{
	sed -n '/^## Options/,/^## /p' "$DOCS_README" | sed '$d'
}

md_longs()
{
	grep -oE '(^|[^-a-z0-9])--[a-z][a-z0-9-]*' <<<"$1" | sed -E 's/^[^-]//' | sort -u
}

md_shorts()
{
	grep -oE '`-[A-Za-z]`' <<<"$1" | tr -d '`' | sort -u
}

# expect_same WHAT DOCNAME HELP_LIST DOC_LIST: both directions.
expect_same()
{
	local what=$1 doc=$2 help=$3 docs=$4 o
	for o in $help; do
		grep -qxF -- "$o" <<<"$docs" ||
			t_fail "$what $o is in 'ksnoop --help' but not documented in $doc"
	done
	for o in $docs; do
		grep -qxF -- "$o" <<<"$help" ||
			t_fail "$what $o is documented in $doc but 'ksnoop --help' has no such option"
	done
}

help_text()
{
	t_cmd ksnoop --help
	t_expect_rc 0
	HELP_LONGS=$(help_longs "$T_OUT")
	HELP_SHORTS=$(help_shorts "$T_OUT")
	# A parser that finds nothing would make every check below pass.
	[ "$(wc -l <<<"$HELP_LONGS")" -ge 10 ] ||
		t_fail "found only these long options in --help (parser out of date?): $HELP_LONGS"
	[ "$(wc -l <<<"$HELP_SHORTS")" -ge 5 ] ||
		t_fail "found only these short options in --help (parser out of date?): $HELP_SHORTS"
}

# test_doc_options FILE WHERE SECTION_FN LONGS_FN SHORTS_FN: the options in the section
# WHERE of FILE (printed by SECTION_FN, read with LONGS_FN and SHORTS_FN) are --help's,
# no more, no fewer.
test_doc_options()
{
	local file=$1 where=$2 sect
	[ -f "$file" ] || { t_fail "no $file"; return; }
	help_text
	sect=$($3)
	[ -n "$sect" ] || { t_fail "$file has no '$where' section"; return; }
	expect_same "long option" "$file ($where)" "$HELP_LONGS" "$($4 "$sect")"
	expect_same "short option" "$file ($where)" "$HELP_SHORTS" "$($5 "$sect")"
}
t_run man-options test_doc_options "$DOCS_MAN" ".SH OPTIONS" man_options roff_longs roff_shorts
t_run readme-options test_doc_options "$DOCS_README" "## Options" readme_options md_longs \
	md_shorts

# The man page renders without warnings (a roff mistake can hide a whole paragraph).
test_man_renders()
{
	[ -f "$DOCS_MAN" ] || { t_fail "no man page at $DOCS_MAN"; return; }
	need_cmd groff
	t_cmd groff -man -Tutf8 -ww -P -cbou "$DOCS_MAN"
	t_expect_rc 0
	t_expect_eq "" "$T_ERR" "groff warnings"
	t_expect_match '^SYNOPSIS'
}
t_run man-renders test_man_renders

# A documented limit: --kernel-format and --format-check are for text output. With -j the
# kernel's text would be decoded as the value's bytes (garbage numbers), so ksnoop
# refuses the combination before touching BTF or BPF.
test_kernel_format_text_only()
{
	local o
	need_file /sys/kernel/btf/vmlinux
	for o in --kernel-format --format-check; do
		t_cmd ksnoop -j "$o" ip_send_skb
		t_expect_rc 2
		t_expect_match "^\\{\"type\":\"error\",\"error\":\"$o works with text output only\"" "$T_ERR"
		# Without -j the option is accepted (info runs on the host's BTF).
		t_cmd ksnoop "$o" info ip_send_skb
		t_expect_rc 0
		t_expect_match '^int ip_send_skb\('
	done
}
t_run kernel-format-text-only test_kernel_format_text_only

# --- what the documents say the program does (issue 14, item 8) ---

# The exit status the man page gives for 'trace --btf' is the program's.
test_btf_trace_status()
{
	local doc
	need_file /sys/kernel/btf/vmlinux
	doc=$(man_options | sed -n '/^\.BI "\\-\\-btf " FILE/,/^\.TP/p' |
		sed -n -E 's/.*\(exit status ([0-9]+)\).*/\1/p')
	[ -n "$doc" ] || { t_fail "$DOCS_MAN: --btf gives no '(exit status N)' for trace"; return; }
	t_cmd ksnoop --btf /sys/kernel/btf/vmlinux trace ip_send_skb
	t_expect_rc "$doc"
	t_expect_match "^ksnoop: cannot trace with --btf" "$T_ERR"
}
t_run btf-trace-status test_btf_trace_status

# Where -v output goes: the man page says info's layouts go to standard output and
# the skipped functions to standard error; the program does so.
test_verbose_streams()
{
	local para
	need_file /sys/kernel/btf/vmlinux
	para=$(man_options | sed -n '/^\.B "\\-v, \\-\\-verbose"/,/^\.TP/p' | tr '\n' ' ')
	t_expect_match "standard error, every function a glob skipped" "$para"
	t_expect_match "info ,? on standard output, the struct layouts" "$(sed 's/\.BR //g' <<<"$para")"
	t_cmd ksnoop -v info 'tcp_v4_*'
	t_expect_rc 0
	t_expect_match '^struct sock \{ /\* size [0-9]+ \*/$' "$T_OUT"
	t_expect_no_match '^skipping ' "$T_OUT"
	t_expect_no_match '^struct ' "$T_ERR"
}
t_run verbose-streams test_verbose_streams

# Every jq example (--help, the man page, README) works on a real stream: a call, a
# lost record and the summary line; none prints null (the summary has no .args).
test_jq_examples()
{
	local stream filters f out n=0
	need_cmd jq
	stream='{"type":"call","time_ns":1,"cpu":0,"pid":1,"tid":1,"comm":"x","func":"ip_send_skb","args":{"skb":{"len":33},"size":5},"ret":5,"duration_ns":2000000}
{"type":"lost","count":1,"reason":"ringbuf"}
{"type":"summary","calls":1,"lost":1}'
	t_cmd ksnoop --help
	# jq filters after a pipe or leading a continuation line, quoted or not (.a.b),
	# roff escapes undone
	filters=$( { printf '%s\n' "$T_OUT"; cat "$DOCS_README";
		sed -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\-/-/g' -e 's/\\e/\\/g' "$DOCS_MAN"; } |
		grep -oE "(\| *|^ +)jq( -c)? ('[^']+'|\.[^ ']*)" | sed -E "s/^[| ]*jq( -c)? '?//; s/'$//" |
		sort -u)
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		n=$((n + 1))
		if ! out=$(jq -c "$f" <<<"$stream" 2>&1); then
			t_fail "jq example '$f' fails: $out"
		elif grep -qx null <<<"$out"; then
			t_fail "jq example '$f' prints null: $(tr '\n' ' ' <<<"$out")"
		fi
	done <<<"$filters"
	[ "$n" -ge 2 ] || t_fail "found only $n jq examples (parser out of date?)"
}
t_run jq-examples test_jq_examples

# The commands --help lists are the ones the man page's COMMANDS section and README's
# Usage describe.
test_commands_documented()
{
	local cmds c
	t_cmd ksnoop --help
	cmds=$(printf '%s\n' "$T_OUT" | sed -n '/^Commands:/,/^$/p' | sed -n -E 's/^  ([a-z]+) .*/\1/p')
	[ "$(wc -w <<<"$cmds")" -ge 4 ] || { t_fail "commands in --help: '$cmds'"; return; }
	for c in $cmds; do
		sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$DOCS_MAN" | grep -qx "\.B $c" ||
			t_fail "command '$c' is in --help but not in $DOCS_MAN (COMMANDS)"
		sed -n '/^## Usage/,/^## /p' "$DOCS_README" | grep -qE "^ksnoop .*\b$c\b" ||
			t_fail "command '$c' is in --help but not in $DOCS_README (## Usage)"
	done
}
t_run commands-documented test_commands_documented
# A man page section by name: from ".SH NAME" to the next ".SH".
man_section()
{
	sed -n "/^\\.SH $1\$/,/^\\.SH /p" "$DOCS_MAN" | sed '1d;$d'
}

# ENVIRONMENT lists exactly the variables the sources read with getenv().
test_man_environment()
{
	local sect code doc v
	[ -f "$DOCS_MAN" ] || { t_fail "no man page at $DOCS_MAN"; return; }
	sect=$(man_section ENVIRONMENT)
	[ -n "$sect" ] || { t_fail "$DOCS_MAN has no .SH ENVIRONMENT section"; return; }
	code=$(grep -ohE 'getenv\("[A-Z_]+"\)' src/*.c | sed -E 's/getenv\("(.*)"\)/\1/' | sort -u)
	[ -n "$code" ] || { t_fail "found no getenv() in src/*.c (parser out of date?)"; return; }
	doc=$(grep -A1 '^\.TP' <<<"$sect" | sed -n -E 's/^\.B[IR]? +([A-Z_]+).*/\1/p' | sort -u)
	for v in $code; do
		grep -qxF "$v" <<<"$doc" ||
			t_fail "src/ reads \$$v, not documented in $DOCS_MAN (ENVIRONMENT)"
	done
	for v in $doc; do
		grep -qxF "$v" <<<"$code" ||
			t_fail "$DOCS_MAN (ENVIRONMENT) documents \$$v, which no getenv() in src/ reads"
	done
}
t_run man-environment test_man_environment

# FILES names every system path the sources open (/sys, /proc; not /proc/self), and
# the bash completion file that make install puts in place.
test_man_files()
{
	local sect p
	[ -f "$DOCS_MAN" ] || { t_fail "no man page at $DOCS_MAN"; return; }
	sect=$(man_section FILES | sed 's/\\-/-/g')
	[ -n "$sect" ] || { t_fail "$DOCS_MAN has no .SH FILES section"; return; }
	for p in $(grep -ohE '"/(sys|proc)/[a-z_/]+' src/*.c | tr -d '"' | grep -v '^/proc/self/' |
		sed 's:/$::' | sort -u); do
		grep -qF "$p" <<<"$sect" || t_fail "src/ opens $p, not listed in $DOCS_MAN (FILES)"
	done
	grep -q 'share/bash-completion/completions/ksnoop' <<<"$sect" ||
		t_fail "$DOCS_MAN (FILES) does not name the bash completion file"
	grep -q 'share/bash-completion/completions/ksnoop' Makefile ||
		t_fail "make install does not install the bash completion"
}
t_run man-files test_man_files

# EXIT STATUS documents each code of src/main.c's enum; BUGS exists and says something.
test_man_exit_bugs()
{
	local sect codes c
	[ -f "$DOCS_MAN" ] || { t_fail "no man page at $DOCS_MAN"; return; }
	sect=$(man_section 'EXIT STATUS')
	codes=$(sed -n -E 's/^\s*EXIT_[A-Z]+ = ([0-9]+),.*/\1/p' src/main.c)
	[ "$(wc -w <<<"$codes")" -ge 5 ] || { t_fail "exit codes in src/main.c: '$codes'"; return; }
	for c in $codes; do
		grep -A1 '^\.TP' <<<"$sect" | grep -qx "\\.B $c" ||
			t_fail "exit status $c (src/main.c) is not in $DOCS_MAN (EXIT STATUS)"
	done
	[ "$(man_section BUGS | grep -vc '^\.')" -ge 3 ] ||
		t_fail "$DOCS_MAN has no BUGS section, or an empty one"
}
t_run man-exit-bugs test_man_exit_bugs

# The completion offers exactly the long options of --help (the helper reads the same
# option table as getopt: this catches an option getopt takes but --help leaves out).
test_completion_options()
{
	local comp
	help_text
	t_cmd ksnoop __complete --
	t_expect_rc 0
	comp=$(sort -u <<<"$T_OUT")
	expect_same "long option" "the bash completion (ksnoop __complete --)" "$HELP_LONGS" "$comp"
}
t_run completion-options test_completion_options
