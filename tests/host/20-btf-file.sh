# Host shell test: ksnoop --btf FILE resolves against BTF from a file, not the running
# kernel. The file comes from tests/host/btfgen.c (libbpf's BTF writer; its header
# comment shows the C types), compiled here, so every offset below is known by
# construction.

BTF_DIR=$(mktemp -d)
trap 'rm -rf "$BTF_DIR"' EXIT
BTF=$BTF_DIR/test.btf
if command -v "${CC:-cc}" >/dev/null 2>&1; then
	"${CC:-cc}" -Wall -o "$BTF_DIR/btfgen" tests/host/btfgen.c -lbpf >"$BTF_DIR/cc.log" 2>&1 &&
		"$BTF_DIR/btfgen" "$BTF" >>"$BTF_DIR/cc.log" 2>&1
fi

# Every test needs the file; a compiler that is present but fails is a failure.
need_btf()
{
	need_cmd "${CC:-cc}"
	[ -s "$BTF" ] && return 0
	t_fail "could not build the BTF file with tests/host/btfgen.c:"
	t_detail "$(cat "$BTF_DIR/cc.log")"
	return 1
}

test_info_prototype()
{
	need_btf || return 1
	t_cmd ksnoop --btf "$BTF" info my_func
	t_expect_rc 0
	t_expect_eq "int my_func(struct foo *f, int n);" "$T_OUT" "stdout"
	t_expect_eq "" "$T_ERR" "stderr"
}
t_run info_prototype test_info_prototype

test_info_glob()
{
	need_btf || return 1
	t_cmd ksnoop --btf "$BTF" info 'my_*'
	t_expect_rc 0
	t_expect_eq "int my_func(struct foo *f, int n);
int my_pair(pair_t p);
void my_void(void);" "$T_OUT" "stdout (sorted; void for no parameters)"
	t_expect_eq "" "$T_ERR" "stderr"
}
t_run info_glob test_info_glob

test_info_verbose()
{
	need_btf || return 1
	t_cmd ksnoop -v --btf "$BTF" info my_func
	t_expect_rc 0
	t_expect_eq "int my_func(struct foo *f, int n);
struct foo { /* size 56 */
        int a; /* offset 0 */
        struct bar nested; /* offset 4 */
        unsigned int flags: 3; /* offset 12, bit 0 */
        unsigned int mode: 5; /* offset 12, bit 3 */
        char *name; /* offset 16 */
        long arr[4]; /* offset 24 */
};" "$T_OUT" "stdout"
}
t_run info_verbose test_info_verbose

test_info_verbose_anonymous()
{
	need_btf || return 1
	# pair_t is a typedef of an unnamed struct: named by the typedef, not by its body
	t_cmd ksnoop -v --btf "$BTF" info my_pair
	t_expect_rc 0
	t_expect_eq "int my_pair(pair_t p);
struct /* pair_t */ { /* size 16 */
        long lo; /* offset 0 */
        long hi; /* offset 8 */
};" "$T_OUT" "stdout"
}
t_run info_verbose_anonymous test_info_verbose_anonymous

test_info_plan()
{
	need_btf || return 1
	t_cmd ksnoop -vv --btf "$BTF" info \
		"my_func(f->a, f->nested.b, f->mode, f->name, f->arr[2], n > 5, f, return)"
	t_expect_rc 0
	t_expect_match '^int my_func\(struct foo \*f, int n\);$'
	# The local BTF of the expressions: what f->nested.b expects of the kernel types
	t_expect_match '^	struct f__l[0-9_]+ nested;$'
	t_expect_eq "  item 0 'f->a': base arg 0, bytes at v+0, size 4, value type int
  item 1 'f->nested.b': base arg 0, bytes at v+4, size 4, value type int
  item 2 'f->mode': base arg 0, bytes at v+12, size 1, bitfield type unsigned int, bits 3+5
  item 3 'f->name': base arg 0, load *(v+16), string at v+0, size 256, string type char *
  item 4 'f->arr[2]': base arg 0, bytes at v+40, size 8, value type long
  item 5 'n': base arg 1, size 4, value type int, predicate op 5 value 5
  item 6 'f': base arg 0, bytes at v+0, size 56, pointee type struct foo
  item 7 'return': base return, size 4, value type int" \
		"$(printf '%s\n' "$T_OUT" | grep '^  item ')" "resolved items"
}
t_run info_plan test_info_plan

test_errors()
{
	need_btf || return 1
	t_cmd ksnoop --btf "$BTF" info "my_func(f->nested->b)"
	t_expect_rc 3
	t_expect_match "^ksnoop: 'f->nested' is 'struct bar', not a pointer: cannot use '->b'$" "$T_ERR"
	t_expect_match "^  hint: use '\.' instead of '->'$" "$T_ERR"

	t_cmd ksnoop --btf "$BTF" info "my_func(f->arr[4])"
	t_expect_rc 3
	t_expect_match "^ksnoop: index 4 is out of range for 'f->arr' \('long\[4\]', 4 elements\)$" "$T_ERR"

	t_cmd ksnoop --btf "$BTF" info "my_func(f->mode == 32)"
	t_expect_rc 3
	t_expect_match "^ksnoop: value 32 is out of range for 'f->mode' \(unsigned int\)$" "$T_ERR"

	t_cmd ksnoop --btf "$BTF" info "my_func(f->nested.d)"
	t_expect_rc 3
	t_expect_match "^ksnoop: 'struct bar' has no member 'd'$" "$T_ERR"

	# Only the file is searched: the running kernel's functions are not there.
	t_cmd ksnoop --btf "$BTF" info ip_send_skb
	t_expect_rc 3
	t_expect_match "^ksnoop: no function 'ip_send_skb' in the --btf file$" "$T_ERR"
	t_expect_eq "" "$T_OUT" "stdout"
}
t_run errors test_errors

test_trace_refused()
{
	need_btf || return 1
	# With and without the 'trace' command word: tracing needs the running kernel.
	for cmd in "trace my_func" "my_func"; do
		# shellcheck disable=SC2086
		t_cmd ksnoop --btf "$BTF" $cmd
		t_expect_rc 2
		t_expect_match "^ksnoop: cannot trace with --btf" "$T_ERR"
		t_expect_match "^  hint: use --btf with 'info'" "$T_ERR"
		t_expect_eq "" "$T_OUT" "stdout"
	done
}
t_run trace_refused test_trace_refused
