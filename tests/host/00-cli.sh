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
