# Host shell tests (bash, sourced by tests/run-host.sh with tests/vm/lib.sh loaded):
# what must work without tracing, on any kernel. ksnoop on PATH is the one under test.

test_version()
{
	t_cmd ksnoop --version
	t_expect_rc 0
	t_expect_match '^ksnoop [0-9]'
	t_expect_eq "" "$T_ERR" "stderr"
}
t_run version test_version

# 'ksnoop help' is --help; 'ksnoop help COMMAND' that command's usage and an example
test_help_command()
{
	local help c
	t_cmd ksnoop --help
	help=$T_OUT
	t_cmd ksnoop help
	t_expect_rc 0
	t_expect_eq "$help" "$T_OUT" "'ksnoop help' vs --help"
	for c in trace info features help; do
		t_cmd ksnoop help "$c"
		t_expect_rc 0
		t_expect_eq "" "$T_ERR" "stderr of help $c"
		t_expect_match "^Usage: ksnoop .*$c"
		t_expect_match "^Example:$"
		# --help lists the command too
		printf '%s\n' "$help" | grep -qE "^  $c +" || t_fail "--help does not list '$c'"
	done
}
t_run help-command test_help_command
