# Host shell test: every user-facing error of the CLI, table-driven. Each row names the
# exit status, the first line of stderr (ERE) and the hint line (ERE, or - for "no hint").
# On the host the kernel refuses fentry, so 'trace' ends in a clear error too. No case may
# crash (status >= 128) or hang (10 s).

# shellcheck disable=SC2034  # read by lib.sh's t_cmd
T_TIMEOUT=10

# check_err RC MSG HINT ARGS...: ksnoop ARGS fails with RC, MSG, HINT and nothing on stdout.
check_err()
{
	local rc=$1 msg=$2 hint=$3 first
	shift 3
	t_cmd ksnoop "$@"
	if [ "$T_RC" -ge 124 ]; then
		t_fail "ksnoop crashed or hung (status $T_RC)"
		t_show_last
		return 1
	fi
	t_expect_rc "$rc"
	first=$(printf '%s\n' "$T_ERR" | head -n 1)
	t_expect_match "$msg" "$first"
	if [ "$hint" = - ]; then
		t_expect_no_match '^  hint:' "$T_ERR"
	else
		t_expect_match "^  hint: .*$hint" "$T_ERR"
	fi
	t_expect_eq "" "$T_OUT" "stdout"
}

# err NAME RC MSG HINT ARGS...: one row of the table, one test.
err()
{
	local name=$1
	shift
	t_run "$name" check_err "$@"
}

# --- the SPEC does not fit the kernel: exit 3 ---
err unknown_function 3 "^ksnoop: no function 'ip_send_skbb' in the kernel's BTF$" \
	"did you mean 'ip_send_skb'" info ip_send_skbb
err unknown_function_trace 3 "^ksnoop: no function 'ip_send_skbb' in the kernel's BTF$" \
	"did you mean 'ip_send_skb'" ip_send_skbb
err unknown_argument 3 "^ksnoop: function 'ip_send_skb' has no argument 'sbk'$" \
	"its arguments: net, skb$" info 'ip_send_skb(sbk->len)'
err member_not_found 3 "^ksnoop: 'struct sk_buff' has no member 'lenx'$" \
	"did you mean: len[,?]" info 'ip_send_skb(skb->lenx)'
err member_typo_nested 3 "^ksnoop: 'struct sock_common' has no member 'skc_dprt'$" \
	"did you mean: skc_dport[,?]" info 'ip_send_skb(skb->sk->__sk_common.skc_dprt)'
# a member of a member struct is suggested by its full path (sk_state is a C macro)
err member_in_common_struct 3 "^ksnoop: 'struct sock' has no member 'skc_dport'$" \
	"did you mean 'skb->sk->__sk_common\.skc_dport'\?$" \
	info 'ip_send_skb(skb->sk->skc_dport)'
err member_behind_macro 3 "^ksnoop: 'struct sock' has no member 'sk_state'$" \
	"did you mean 'sk->__sk_common\.skc_state'\?$" info 'tcp_sendmsg(sk->sk_state)'
err arrow_on_struct 3 \
	"^ksnoop: 'skb->sk->__sk_common' is 'struct sock_common', not a pointer: cannot use '->skc_dport'$" \
	"use '\.' instead of '->'" info 'ip_send_skb(skb->sk->__sk_common->skc_dport)'
err dot_on_pointer 3 "^ksnoop: 'skb' is a pointer \('struct sk_buff \*'\): cannot use '\.len'$" \
	"use '->' instead of '\.'" info 'ip_send_skb(skb.len)'
err index_on_non_array 3 \
	"^ksnoop: 'skb->len' is 'unsigned int', not an array or pointer: cannot index it$" \
	"'\[N\]' indexes an array" info 'ip_send_skb(skb->len[2])'
err index_out_of_range 3 \
	"^ksnoop: index 48 is out of range for 'skb->cb' \('char\[48\]', 48 elements\)$" \
	- info 'ip_send_skb(skb->cb[48])'
err predicate_on_struct 3 \
	"^ksnoop: predicate on 'skb->sk->__sk_common' of type 'struct sock_common': predicates need an integer, enum or pointer$" \
	- info 'ip_send_skb(skb->sk->__sk_common == 1)'
err predicate_out_of_range 3 \
	"^ksnoop: value 4294967296 is out of range for 'skb->len' \(unsigned int\)$" \
	"'skb->len' holds 0\.\.4294967295$" info 'ip_send_skb(skb->len > 0x100000000)'
err void_return 3 "^ksnoop: 'tcp_chrono_stop' returns void: there is no return value to read$" \
	- info 'tcp_chrono_stop(return)'
err unknown_enum_constant 3 "^ksnoop: no enum constant 'TCP_NO_SUCH' in enum tcp_chrono$" \
	"its constants: TCP_CHRONO_UNSPEC, TCP_CHRONO_BUSY, " info 'tcp_chrono_stop(type == TCP_NO_SUCH)'
# predicates say what is allowed
err pred_not_a_value 3 \
	"^ksnoop: 'abc' is not a value for 'skb->len' \(unsigned int\): not a number and no enum constant$" \
	"compare with an integer \(decimal, 0x hex, 0 octal\), NULL, or an enum constant$" \
	info 'ip_send_skb(skb->len > abc)'
err pred_unsigned_never 3 "^ksnoop: 'count < 0' is never true: 'count' \(size_t\) is unsigned$" \
	"an unsigned value is never negative$" info 'vfs_read(count < 0)'
err pred_unsigned_always 3 "^ksnoop: 'count >= 0' is always true: 'count' \(size_t\) is unsigned$" \
	"drop the predicate to show every call$" info 'vfs_read(count >= 0)'
err pred_and 2 \
	"^ksnoop: syntax error in '.*': '&&' is not supported: items are ANDed; separate them with ','$" \
	"SPEC grammar" info 'ip_send_skb(skb->len > 1 && skb->len < 5)'
err pred_or 2 \
	"^ksnoop: syntax error in '.*': '\|\|' is not supported: a call is shown when every predicate holds$" \
	"SPEC grammar" info 'ip_send_skb(skb->len < 1 || skb->len > 5)'
err star_star 3 "^ksnoop: '\*skb' is 'struct sk_buff', not a pointer: cannot use '\*' again$" \
	"'\*skb' is the struct sk_buff; one '\*' reads what a pointer points to$" \
	info 'ip_send_skb(**skb)'
err glob_matches_nothing 3 "^ksnoop: no traceable function matches 'nosuch_zz_\*'$" \
	"ksnoop info GLOB" info 'nosuch_zz_*'
err glob_all_excluded 3 "^ksnoop: no traceable function matches 'tcp_v4_\*' \(after -x exclusions\)$" \
	"ksnoop info GLOB" -x 'tcp_*' info 'tcp_v4_*'
err glob_no_function_fits 3 "^ksnoop: no function matching 'tcp_v4_\*\(nosuch\)' fits its items: function 'tcp_v4_[a-z_0-9]+' has no argument 'nosuch'$" \
	"its arguments: " info 'tcp_v4_*(nosuch)'

# --- usage and syntax: exit 2 ---
err too_many_items 2 "^ksnoop: syntax error in '.*': too many items \(limit 8\)$" \
	"SPEC grammar" info 'ip_send_skb(net, skb, return, skb->len, skb->sk, skb->dev, skb->cb[0], skb->data, skb->head)'
err syntax_member_name 2 "^ksnoop: syntax error in 'ip_send_skb\(skb->\)': expected member name after '->'$" \
	"SPEC grammar" info 'ip_send_skb(skb->)'
err syntax_empty_spec 2 "^ksnoop: syntax error in '': empty spec$" "SPEC grammar" info ''
err pid_zero 2 "^ksnoop: invalid value '0' for --pid \(expected 1\.\.2147483647\)$" \
	"ksnoop --help" -p 0 ip_send_skb
err pid_not_a_number 2 "^ksnoop: invalid value 'abc' for --pid " "ksnoop --help" -p abc ip_send_skb
err pid_too_large 2 "^ksnoop: invalid value '99999999999' for --pid " "ksnoop --help" \
	-p 99999999999 x
err pages_not_power_of_2 2 "^ksnoop: invalid value '3' for --pages: not a power of 2$" \
	"-P 64" -P 3 ip_send_skb
err pages_zero 2 "^ksnoop: invalid value '0' for --pages " "ksnoop --help" -P 0 ip_send_skb
err duration_negative 2 "^ksnoop: invalid value '-1' for --duration \(expected seconds > 0\)$" \
	"ksnoop --help" --duration -1 ip_send_skb
err count_zero 2 "^ksnoop: invalid value '0' for --count " "ksnoop --help" -n 0 ip_send_skb
err string_size_too_large 2 "^ksnoop: invalid value '4096' for --string-size \(expected 1\.\.2048\)$" \
	"ksnoop --help" --string-size 4096 ip_send_skb
err unknown_long_option 2 "^ksnoop: invalid option '--bogus'$" "ksnoop --help" --bogus ip_send_skb
err unknown_short_option 2 "^ksnoop: invalid option '-Z'$" "ksnoop --help" -vZ ip_send_skb
err option_needs_value 2 "^ksnoop: option '--pid' needs a value$" "ksnoop --help" --pid
err no_spec 2 "^ksnoop: no SPEC given" "ip_send_skb\(skb->len\)" 
err no_spec_info 2 "^ksnoop: no SPEC given: name a function to info$" \
	"e\.g\. ksnoop info ip_send_skb, or ksnoop -v info 'tcp_v4_\*'$" info
# command words: a misspelt command is suggested as one, not looked up as a function
err misspelt_command 2 "^ksnoop: no command or kernel function 'infoo'$" \
	"did you mean 'ksnoop info'\? \('ksnoop help' lists commands\)$" infoo ip_send_skb
err misspelt_command_alone 2 "^ksnoop: no command or kernel function 'featurs'$" \
	"did you mean 'ksnoop features'\?" featurs
err help_misspelt 2 "^ksnoop: no command 'infoo'$" "did you mean 'ksnoop help info'\?$" help infoo
err help_unknown 2 "^ksnoop: no command 'bogus'$" "the commands: trace, info, features, help$" \
	help bogus
err help_two_words 2 "^ksnoop: help takes one command name$" "e\.g\. ksnoop help info$" \
	help info trace
# -s: 2 to 8 functions, one each, tracing only; checked before any BTF is read
err stack_one_function 2 "^ksnoop: -s/--stack needs 2 to 8 functions, one per chain level; got 1$" \
	"e\.g\. ksnoop -s udp_sendmsg ip_send_skb$" -s ip_send_skb
err stack_too_long 2 "^ksnoop: -s/--stack needs 2 to 8 functions, one per chain level; got 9$" \
	"e\.g\. ksnoop -s udp_sendmsg ip_send_skb$" -s a b c d e f g h i
err stack_glob 2 "^ksnoop: -s/--stack: 'tcp_\*' is a glob$" "name one function per chain level$" \
	-s 'tcp_*' ip_send_skb
err stack_twice 2 "^ksnoop: -s/--stack: 'ip_send_skb' is named twice$" \
	"give each chain level its own function$" -s 'ip_send_skb(skb->len)' 'ip_send_skb(return)'
err stack_entry 2 "^ksnoop: -s/--stack cannot be used with --entry$" \
	"drop --entry: a chain is known only when its calls return$" --entry -s udp_sendmsg ip_send_skb
err stack_info 2 "^ksnoop: -s/--stack applies to tracing, not to 'info'$" "drop -s for 'info'$" \
	-s info udp_sendmsg ip_send_skb
err stack_unknown_function 3 "^ksnoop: no function 'ip_send_skbb' in the kernel's BTF$" \
	"did you mean 'ip_send_skb'" -s udp_sendmsg ip_send_skbb
err kstack_zero 2 "^ksnoop: invalid value '0' for --kstack \(expected 1\.\.127\)$" \
	"see 'ksnoop --help'" --kstack=0 ip_send_skb
err kstack_too_deep 2 "^ksnoop: invalid value '128' for --kstack \(expected 1\.\.127\)$" \
	"see 'ksnoop --help'" --kstack=128 ip_send_skb
err kstack_not_number 2 "^ksnoop: invalid value 'deep' for --kstack \(expected 1\.\.127\)$" \
	"see 'ksnoop --help'" --kstack=deep ip_send_skb
err changes_entry 2 "^ksnoop: --changes cannot be used with --entry$" \
	"compares the bytes read at entry and at return$" --changes --entry 'vfs_write(*pos)'
err changes_kernel_format 2 "^ksnoop: --changes cannot be used with --kernel-format$" \
	"compares the bytes read at entry and at return$" --changes --kernel-format 'vfs_write(*pos)'
# --stats and its options
err stats_item_not_predicate 2 \
	"^ksnoop: --stats counts calls and shows no values: item 'skb->len' of 'ip_send_skb\(skb->len\)' is not a predicate$" \
	"filter what is counted" --stats 'ip_send_skb(skb->len)'
err stats_with_count 2 "^ksnoop: --stats cannot be combined with -n/--count$" "--duration SECS" \
	--stats -n 5 ip_send_skb
err stats_kernel_format 2 "^ksnoop: --stats cannot be combined with --kernel-format$" \
	"--duration SECS" --stats --kernel-format ip_send_skb
err sort_without_stats 2 "^ksnoop: --sort applies to --stats only$" "add --stats" \
	--sort calls ip_send_skb
err interval_without_stats 2 "^ksnoop: --interval applies to --stats only$" "add --stats" \
	-i 2 ip_send_skb
err sort_unknown 2 "^ksnoop: invalid value 'speed' for --sort$" "calls, time, errors or p99$" \
	--stats --sort speed ip_send_skb
err interval_zero 2 "^ksnoop: invalid value '0' for --interval \(expected seconds, 0\.01\.\.86400\)$" \
	"-i 1 or -i 0\.5" --stats -i 0 ip_send_skb
err interval_not_a_number 2 "^ksnoop: invalid value '1s' for --interval " "-i 1" \
	--stats -i 1s ip_send_skb
# --hist, --count-by and their options; SPEC checks come before the kernel's refusal
err hist_no_item 3 "^ksnoop: --hist needs a value to count: 'tcp_sendmsg' has no item$" \
	"e\.g\. --hist 'tcp_sendmsg\(size\)'" --hist tcp_sendmsg
err hist_not_integer 3 "^ksnoop: --hist counts integers: 'sk' of 'tcp_sendmsg' is 'struct sock \*'$" \
	"or count values with --count-by" --hist 'tcp_sendmsg(sk)'
err hist_second_value 3 "^ksnoop: --hist: item 'msg' of 'tcp_sendmsg' is not a predicate$" \
	"the first item is the value; the others filter" --hist 'tcp_sendmsg(size, msg)'
err hist_duration_value 3 \
	"^ksnoop: --hist duration: item 'size' of 'tcp_sendmsg' is not a predicate$" \
	"give predicates only" --hist duration 'tcp_sendmsg(size)'
err hist_duration_entry 3 \
	"^ksnoop: --hist duration needs the return of 'tcp_sendmsg', which --entry leaves out$" \
	"drop --entry" --hist duration --entry tcp_sendmsg
err hist_entry_value_return_pred 3 \
	"^ksnoop: --hist: 'tcp_sendmsg' reads 'size' at entry and a predicate at the return: not supported$" \
	"count the return value itself" --hist 'tcp_sendmsg(size, return < 0)'
err hist_entry_and_return_values 3 \
	"^ksnoop: --hist: 'ip_send_skb' reads its value at entry, 'tcp_sendmsg' at the return: not together$" \
	"run one ksnoop for the values read at entry" --hist 'ip_send_skb(skb->len)' 'tcp_sendmsg(return)'
err hist_linear_short 2 \
	"^ksnoop: invalid value 'linear:0:10' for --hist: expected linear:MIN:MAX:STEP with three integers$" \
	"--hist=linear:0:1000:100" --hist=linear:0:10 'tcp_sendmsg(size)'
err hist_linear_max_below_min 2 "^ksnoop: invalid value 'linear:10:0:1' for --hist: MAX must be above MIN$" \
	"--hist duration" --hist=linear:10:0:1 'tcp_sendmsg(size)'
err hist_linear_step_zero 2 "^ksnoop: invalid value 'linear:0:10:0' for --hist: STEP must be above 0$" \
	"--hist duration" --hist=linear:0:10:0 'tcp_sendmsg(size)'
err hist_linear_too_many 2 \
	"^ksnoop: invalid value 'linear:0:100000:1' for --hist: more than 1000 buckets; raise STEP$" \
	"--hist duration" --hist linear:0:100000:1 'tcp_sendmsg(size)'
err hist_bad_mode 2 \
	"^ksnoop: invalid value 'bogus' for --hist: expected log2, linear:MIN:MAX:STEP or duration$" \
	"--hist duration" --hist=bogus 'tcp_sendmsg(size)'
err hist_twice 2 "^ksnoop: --hist given twice$" "give it once" --hist --hist 'tcp_sendmsg(size)'
err hist_and_count_by 2 "^ksnoop: --hist and --count-by do not go together$" "one ksnoop for each" \
	--hist --count-by 'tcp_sendmsg(size)'
err hist_with_stats 2 "^ksnoop: --hist does not go with --stats$" "drop one of them" \
	--stats --hist 'tcp_sendmsg(size)'
err hist_with_count 2 "^ksnoop: --count-by does not go with -n/--count " "drop one of them" \
	--count-by comm -n 5 tcp_sendmsg
err count_by_bad_value 2 "^ksnoop: invalid value 'pid' for --count-by$" "--count-by comm" \
	--count-by=pid tcp_sendmsg
err count_by_key_too_big 3 \
	"^ksnoop: --count-by keys are at most 64 bytes: 'skb' of 'ip_send_skb' has [0-9]+$" \
	"count by a smaller member" --count-by 'ip_send_skb(skb)'
err count_by_caller_item 3 \
	"^ksnoop: --count-by caller: item 'skb->len' of 'ip_send_skb' is not a predicate$" \
	"give predicates only" --count-by caller 'ip_send_skb(skb->len)'
err count_by_caller_return_pred 3 \
	"^ksnoop: --count-by caller counts at entry: 'ip_send_skb' has a predicate on the return$" \
	"drop the return predicate" --count-by caller 'ip_send_skb(return < 0)'
err count_by_string_size 2 "^ksnoop: --string-size 100 is over 64, the size of a --count-by key$" \
	"first bytes" --count-by comm --string-size 100 tcp_sendmsg
err top_without_count_by 2 "^ksnoop: --top counts keys: it needs --count-by$" "--count-by comm --top 5" \
	--top 3 tcp_sendmsg
err top_with_hist 2 "^ksnoop: --top goes with --count-by, not --hist$" "count with --count-by" \
	--hist --top 3 'tcp_sendmsg(size)'
err max_keys_zero 2 "^ksnoop: invalid value '0' for --max-keys \(expected 1\.\.1048576\)$" \
	"ksnoop --help" --count-by comm --max-keys 0 tcp_sendmsg
err btf_file_missing 2 "^ksnoop: cannot read BTF from '/nonexistent': No such file or directory$" \
	"raw BTF" --btf /nonexistent info ip_send_skb
# the first line is ours: libbpf's own messages only with -v
err btf_file_not_btf 2 "^ksnoop: cannot read BTF from '/etc/passwd': [^0-9]+$" "raw BTF" \
	--btf /etc/passwd info ip_send_skb

# --- the malformed-input matrix (issue 6): odd specs and option values ---
# Names of 4 KiB, and a few non-ASCII bytes (UTF-8 'é' = 0xc3 0xa9).
long=$(printf '%4096s' '' | tr ' ' a)
syn="^ksnoop: syntax error in "
err m_unbalanced_open 2 "${syn}'ip_send_skb\(skb->len': unbalanced parenthesis$" "SPEC grammar" \
	info 'ip_send_skb(skb->len'
err m_unbalanced_close 2 "${syn}'ip_send_skb\)': unbalanced parenthesis$" "SPEC grammar" \
	info 'ip_send_skb)'
err m_extra_close 2 "${syn}'ip_send_skb\(skb\)\)': unbalanced parenthesis$" "SPEC grammar" \
	info 'ip_send_skb(skb))'
err m_nested_parens 2 "${syn}'ip_send_skb\(\(skb\)\)': expected argument name or 'return', got '\('$" \
	"SPEC grammar" info 'ip_send_skb((skb))'
err m_only_parens 2 "${syn}'\(\)': " "SPEC grammar" info '()'
err m_blank_spec 2 "${syn}'   ': " "SPEC grammar" info '   '
err m_trailing_comma 2 "${syn}'ip_send_skb\(skb,\)': empty item$" "SPEC grammar" \
	info 'ip_send_skb(skb,)'
err m_leading_comma 2 "${syn}'ip_send_skb\(,skb\)': empty item$" "SPEC grammar" \
	info 'ip_send_skb(,skb)'
err m_trailing_text 2 "${syn}'ip_send_skb\(skb\) x': trailing characters after '\)'$" \
	"SPEC grammar" info 'ip_send_skb(skb) x'
err m_space_in_name 2 "${syn}'ip send_skb': unexpected 's' after function name$" \
	"SPEC grammar" info 'ip send_skb'
err m_arrow_twice 2 "${syn}'ip_send_skb\(skb->->len\)': expected member name after '->'$" \
	"SPEC grammar" info 'ip_send_skb(skb->->len)'
err m_minus_minus 2 "${syn}'ip_send_skb\(skb-->len\)': unexpected '-' after item$" \
	"SPEC grammar" info 'ip_send_skb(skb-->len)'
err m_triple_equals 2 "${syn}'ip_send_skb\(skb->len === 1\)': expected value after '=='$" \
	"SPEC grammar" info 'ip_send_skb(skb->len === 1)'
err m_empty_module 2 "${syn}':ip_send_skb': expected module name before ':'$" "SPEC grammar" \
	info ':ip_send_skb'
err m_arrow_into_void 3 \
	"^ksnoop: 'skb->sk->sk_user_data' is 'void \*', not a pointer to a struct or union: cannot use '->x'$" \
	"a void pointer has no type to follow" info 'ip_send_skb(skb->sk->sk_user_data->x)'
err m_arrow_into_bytes 3 \
	"^ksnoop: 'skb->head' is 'unsigned char \*', not a pointer to a struct or union: cannot use '->x'$" \
	"'->' reads a member" info 'ip_send_skb(skb->head->x)'
err m_arrow_on_return 3 "^ksnoop: 'return' is 'int', not a pointer: cannot use '->len'$" - \
	info 'ip_send_skb(return->len)'
err m_index_twice 3 \
	"^ksnoop: 'skb->data\[0\]' is 'unsigned char', not an array or pointer: cannot index it$" \
	"indexes an array" info 'ip_send_skb(skb->data[0][0])'
err m_huge_index 2 "${syn}'ip_send_skb\(skb->cb\[99999999999999999999\]\)': array index out of range$" \
	"SPEC grammar" info 'ip_send_skb(skb->cb[99999999999999999999])'
err m_negative_index 2 "${syn}'ip_send_skb\(skb->cb\[-1\]\)': array index must be non-negative$" \
	"SPEC grammar" info 'ip_send_skb(skb->cb[-1])'
err m_int_overflow 2 \
	"${syn}'ip_send_skb\(skb->len == 99999999999999999999999\)': integer literal out of range$" \
	"SPEC grammar" info 'ip_send_skb(skb->len == 99999999999999999999999)'
err m_negative_overflow 2 \
	"${syn}'ip_send_skb\(skb->len > -99999999999999999999999\)': integer literal out of range$" \
	"SPEC grammar" info 'ip_send_skb(skb->len > -99999999999999999999999)'
err m_negative_for_unsigned 3 "^ksnoop: value -1 is out of range for 'skb->len' \(unsigned int\)$" \
	"'skb->len' holds 0\.\.4294967295$" info 'ip_send_skb(skb->len == -1)'
err m_bad_hex 2 "${syn}'ip_send_skb\(skb->len == 0x\)': expected hex digits after '0x'$" \
	"SPEC grammar" info 'ip_send_skb(skb->len == 0x)'
err m_long_function 2 "${syn}'a{100,}\.\.\.': name too " "SPEC grammar" info "$long"
err m_long_argument 2 "${syn}'ip_send_skb\(a{100,}\.\.\.': name too " "SPEC grammar" \
	info "ip_send_skb($long)"
err m_long_member 2 "${syn}'ip_send_skb\(skb->a{100,}\.\.\.': name too " "SPEC grammar" \
	info "ip_send_skb(skb->$long)"
err m_long_predicate_value 2 "${syn}'ip_send_skb\(skb->len == 1{100,}\.\.\.': " "SPEC grammar" \
	info "ip_send_skb(skb->len == $(printf '%4096s' '' | tr ' ' 1))"
err m_non_ascii_member 2 "${syn}'ip_send_skb\(skb->l\?\?n\)': unexpected byte 0xc3$" \
	"SPEC grammar" info "$(printf 'ip_send_skb(skb->l\303\251n)')"
err m_non_ascii_function 2 "${syn}'\?\?p_send_skb': unexpected byte 0xc3$" "SPEC grammar" \
	info "$(printf '\303\257p_send_skb')"
err m_non_ascii_glob 2 "${syn}'tcp_s\?\?\*': unexpected byte 0xc3$" "SPEC grammar" \
	info "$(printf 'tcp_s\303\251*')"
err m_control_byte 2 "${syn}'ip_send_skb\?': unexpected byte 0x01$" "SPEC grammar" \
	info "$(printf 'ip_send_skb\001')"
err m_glob_in_item 2 "${syn}'ip_send_skb\(sk\*b\)': unexpected '\*' after item$" "SPEC grammar" \
	info 'ip_send_skb(sk*b)'
err m_glob_in_member 2 "${syn}'tcp_\*\(skb->l\?n\)': unexpected '\?' after item$" "SPEC grammar" \
	info 'tcp_*(skb->l?n)'
err m_glob_open_bracket 2 "${syn}'tcp_\[': expected '\]' to close '\[' in function name$" \
	"SPEC grammar" info 'tcp_['
err m_glob_open_range 2 "${syn}'tcp_\[a-': expected '\]' to close '\[' in function name$" \
	"SPEC grammar" info 'tcp_[a-'
err m_glob_unknown_module 3 \
	"^ksnoop: module 'nosuchmod' is not loaded or has no BTF \(no /sys/kernel/btf/nosuchmod\)$" \
	"load it \(modprobe nosuchmod\), or write '\*:tcp_\*' to search every module$" \
	info 'nosuchmod:tcp_*'
# (the host kernel has no modules: nf_tables is never loaded here)
err module_not_loaded 3 \
	"^ksnoop: module 'nf_tables' is not loaded or has no BTF \(no /sys/kernel/btf/nf_tables\)$" \
	"load it \(modprobe nf_tables\), or write '\*:nft_do_chain' to search every module$" \
	info 'nf_tables:nft_do_chain'
err module_is_a_function 3 \
	"^ksnoop: module 'ip_send_skb' is not loaded or has no BTF \(no /sys/kernel/btf/ip_send_skb\)$" \
	"'ip_send_skb' is a function, not a module: items go in parentheses, e.g. 'ip_send_skb\(foo\)'$" \
	info 'ip_send_skb:foo'
err module_with_btf_file 3 "^ksnoop: module 'nf_tables': a --btf file holds no module BTF$" \
	"drop --btf to search the running kernel's modules$" \
	--btf /sys/kernel/btf/vmlinux info 'nf_tables:nft_do_chain'
err star_module_no_function 3 "^ksnoop: no function 'nosuch_zz' in the BTF of the kernel or any module$" \
	"ksnoop info GLOB" info '*:nosuch_zz'
err star_module_bad 2 "${syn}'\*\*:f': unexpected '\*' in module name$" "SPEC grammar" info '**:f'
err m_repeated_item 2 "${syn}'ip_send_skb\(skb->len, skb->len\)': item 'skb->len' is given twice$" \
	"SPEC grammar" info 'ip_send_skb(skb->len, skb->len)'
err m_repeated_across_specs 2 \
	"${syn}'ip_send_skb\(net, skb->len\)': item 'skb->len' is given twice: an earlier SPEC for 'ip_send_skb' has it$" \
	"SPEC grammar" info 'ip_send_skb(skb->len)' 'ip_send_skb(net, skb->len)'
err m_too_many_across_specs 2 \
	"${syn}'ip_send_skb\(skb->head\)': too many items for 'ip_send_skb' with the earlier SPEC's \(limit 8\)$" \
	"SPEC grammar" info 'ip_send_skb(net, skb, return, skb->len, skb->sk, skb->dev, skb->cb[0], skb->data)' \
	'ip_send_skb(skb->head)'
err m_repeated_item_spaces 2 "${syn}'ip_send_skb\(skb, skb \)': item 'skb' is given twice$" \
	"SPEC grammar" info 'ip_send_skb(skb, skb )'
err m_string_size_zero 2 "^ksnoop: invalid value '0' for --string-size \(expected 1\.\.2048\)$" \
	"ksnoop --help" --string-size 0 info ip_send_skb
err m_pages_too_many 2 "^ksnoop: invalid value '1073741824' for --pages \(expected 1\.\.262144\)$" \
	"ksnoop --help" -P 1073741824 info ip_send_skb
err m_pages_overflow 2 "^ksnoop: invalid value '99999999999999999999' for --pages " \
	"ksnoop --help" -P 99999999999999999999 info ip_send_skb
err m_duration_text 2 "^ksnoop: invalid value 'abc' for --duration " "ksnoop --help" \
	--duration abc info ip_send_skb
err m_duration_huge 2 "^ksnoop: invalid value '1e400' for --duration " "ksnoop --help" \
	--duration 1e400 info ip_send_skb
err m_count_negative 2 "^ksnoop: invalid value '-1' for --count " "ksnoop --help" \
	-n -1 info ip_send_skb
err m_count_overflow 2 "^ksnoop: invalid value '99999999999999999999' for --count " \
	"ksnoop --help" -n 99999999999999999999 info ip_send_skb
err m_tid_zero 2 "^ksnoop: invalid value '0' for --tid \(expected 1\.\.2147483647\)$" \
	"ksnoop --help" --tid 0 info ip_send_skb
err m_pid_suffix 2 "^ksnoop: invalid value '12x' for --pid " "ksnoop --help" \
	-p 12x info ip_send_skb
err m_backend_bogus 2 "^ksnoop: invalid value 'bogus' for --backend$" \
	"choose auto, fentry, fentry-multi, kprobe-multi" --backend bogus info ip_send_skb
err m_exclude_empty 2 "^ksnoop: invalid value '' for --exclude$" "-x takes a function name" \
	-x '' info ip_send_skb
err m_btf_empty 2 "^ksnoop: cannot read BTF from '': No such file or directory$" "raw BTF" \
	--btf '' info ip_send_skb

# --- filters and string predicates (issue 11): options, strings, types ---
err f_unterminated_string 2 "${syn}'do_sys_openat2\(filename == \"/etc\)': unterminated string: missing the closing '\"'$" \
	"SPEC grammar" info 'do_sys_openat2(filename == "/etc)'
err f_bad_escape 2 "${syn}'.*': unknown escape '\\\\q' in string" "SPEC grammar" \
	info 'do_sys_openat2(filename == "\q")'
err f_string_order 2 "${syn}'.*': strings compare with ==, != or ~ \(glob\), not '<'$" \
	"SPEC grammar" info 'do_sys_openat2(filename < "/etc")'
err f_glob_on_int 2 "${syn}'ip_send_skb\(skb->len ~ 5\)': '~' takes a double-quoted glob" \
	"SPEC grammar" info 'ip_send_skb(skb->len ~ 5)'
err f_bad_glob_class 2 "${syn}'.*': bad '\[\.\.\.\]' class in the glob" "SPEC grammar" \
	info 'do_sys_openat2(filename ~ "/etc/[ab")'
err f_string_on_int 3 \
	"^ksnoop: cannot compare 'skb->len' \(unsigned int\) with the string \"eth0\"$" \
	"string predicates work on char \* and char\[N\] values" info 'ip_send_skb(skb->len == "eth0")'
err f_glob_string_on_int 3 "^ksnoop: cannot compare 'skb->len' \(unsigned int\) with the string \"1\*\"$" \
	"char \* and char\[N\]" info 'ip_send_skb(skb->len ~ "1*")'
err f_int_on_string 3 \
	"^ksnoop: cannot compare 'skb->dev->name' \(char\[16\], a string\) with an integer$" \
	"double-quoted string, e.g. == \"eth0\"" info '__dev_queue_xmit(skb->dev->name == 0)'
err f_string_too_long_array 3 \
	"^ksnoop: 'skb->dev->name' can never equal the 17-byte string: it holds at most 16 bytes$" - \
	info '__dev_queue_xmit(skb->dev->name == "0123456789abcdefg")'
err f_string_past_string_size 3 \
	"^ksnoop: 'filename' can never equal the 8-byte string: it holds at most 7 bytes$" \
	"raise --string-size" --string-size 8 info 'do_sys_openat2(filename == "/etc/abc")'
err f_slower_than_unit 2 "^ksnoop: invalid value '5parsecs' for --slower-than$" \
	"ns, us, ms or s" --slower-than 5parsecs ip_send_skb
err f_slower_than_no_unit 2 "^ksnoop: invalid value '500' for --slower-than$" \
	"ns, us, ms or s" --slower-than 500 ip_send_skb
err f_slower_than_negative 2 "^ksnoop: invalid value '-1ms' for --slower-than$" \
	"ns, us, ms or s" --slower-than -1ms ip_send_skb
err f_cgroup_missing 2 "^ksnoop: cannot open cgroup '/nonexistent/cg': No such file or directory$" \
	"cgroup v2 directory" --cgroup /nonexistent/cg ip_send_skb
err f_cgroup_not_cgroup2 2 "^ksnoop: '/tmp' is not a cgroup v2 directory$" "cgroup2" \
	--cgroup /tmp ip_send_skb
err f_comm_too_long 2 \
	"^ksnoop: invalid value 'averyveryverylongname' for --comm: a task's comm holds at most 15 bytes$" \
	"first 15 bytes" -c averyveryverylongname ip_send_skb
err f_comm_empty 2 "^ksnoop: invalid value '' for --comm$" "command name or glob" -c '' ip_send_skb
err f_comm_bad_glob 2 "^ksnoop: invalid value 'a\[b' for --comm: bad" "globs" -c 'a[b' ip_send_skb
err f_comm_too_many 2 "^ksnoop: too many -c/--comm names \(limit 8\)$" "use a glob" \
	-c a -c b -c c -c d -c e -c f -c g -c h -c i ip_send_skb
err f_errors_entry 2 "^ksnoop: --errors cannot be used with --entry$" "drop --entry" \
	--errors --entry ip_send_skb
err f_slower_entry 2 "^ksnoop: --slower-than cannot be used with --entry$" "drop --entry" \
	--slower-than 1ms --entry ip_send_skb

# --- syntax errors: the caret sits under the offending token ---
# check_caret SPEC MARKER: the caret is under the first occurrence of MARKER in SPEC.
check_caret()
{
	local spec=$1 pre caret
	pre=${spec%%"$2"*}
	caret=$(printf '  %*s^' "${#pre}" '')
	t_cmd ksnoop info "$spec"
	t_expect_rc 2
	t_expect_eq "  $spec" "$(printf '%s\n' "$T_ERR" | sed -n 2p)" "the spec echoed"
	t_expect_eq "$caret" "$(printf '%s\n' "$T_ERR" | sed -n 3p)" "the caret line"
}
t_run caret_unexpected_token check_caret 'ip_send_skb(skb->len +)' '+'
t_run caret_bad_index check_caret 'ip_send_skb(skb->cb[x])' 'x]'
t_run caret_ninth_item check_caret \
	'ip_send_skb(net, skb, return, skb->len, skb->sk, skb->dev, skb->cb[0], skb->data, skb->head)' \
	'skb->head'
t_run caret_missing_value check_caret 'tcp_sendmsg(size >= )' ')'

# --- the host kernel refuses fentry: exit 5 ---
test_trace_refused()
{
	t_cmd ksnoop features
	printf '%s\n' "$T_OUT" | grep -q '^can trace: no' || t_skip "this kernel can trace"
	t_expect_rc 5
	t_expect_match '^backend fentry: no \(not permitted: '
	t_expect_match '^backend kprobe-multi: no \(kernel too old or built without it: '
	check_err 5 "^ksnoop: this kernel does not permit BPF function tracing: no backend is available \(fentry, .*\); fentry: not permitted: " \
		"a kernel that allows fentry or kprobes.*'ksnoop features'" trace ip_send_skb
	check_err 5 "^ksnoop: this kernel does not permit BPF function tracing" "'ksnoop features'" \
		"ip_send_skb(skb->len)"
	check_err 5 "^ksnoop: --backend kprobe-multi: kernel too old or built without it: lacks kprobe.multi links" \
		"'ksnoop features' lists the backends" --backend kprobe-multi ip_send_skb
	t_cmd ksnoop -j features
	t_expect_rc 5
	need_cmd jq
	t_expect_eq false "$(printf '%s\n' "$T_OUT" | jq -er .can_trace)" ".can_trace"
	t_expect_eq "not permitted" "$(printf '%s\n' "$T_OUT" | jq -er '.backends[] | select(.name == "fentry") | .why')" "fentry .why"
}
t_run trace_refused_by_kernel test_trace_refused

# --- JSON errors: one object on stderr ---
test_json_errors()
{
	need_cmd jq
	t_cmd ksnoop -j nosuchfunc
	t_expect_rc 3
	t_expect_eq "" "$T_OUT" "stdout"
	t_expect_eq 1 "$(printf '%s\n' "$T_ERR" | wc -l)" "stderr lines"
	t_expect_eq "no function 'nosuchfunc' in the kernel's BTF" \
		"$(printf '%s\n' "$T_ERR" | jq -er .error)" ".error"
	t_expect_eq "'ksnoop info GLOB' lists functions" \
		"$(printf '%s\n' "$T_ERR" | jq -er .hint)" ".hint"

	t_cmd ksnoop -j ip_send_skbb
	t_expect_rc 3
	t_expect_match "'ip_send_skb'" "$(printf '%s\n' "$T_ERR" | jq -er .hint)"

	t_expect_eq '"error" 3' "$(printf '%s\n' "$T_ERR" | jq -er '"\(.type|tojson) \(.exit)"')" \
		"type and exit status"

	# syntax errors and bad options too (getopt must not add its own text)
	for args in "-j info ip_send_skb(skb->" "-j --bogus x" "-j -p"; do
		# shellcheck disable=SC2086
		t_cmd ksnoop $args
		t_expect_rc 2
		t_expect_eq 1 "$(printf '%s\n' "$T_ERR" | wc -l)" "stderr lines of ksnoop $args"
		printf '%s\n' "$T_ERR" | jq -e '.type == "error" and .error and .hint and .exit == 2' \
			>/dev/null ||
			{ t_fail "ksnoop $args: stderr is not one JSON error object"; t_show_last; }
	done

	# a syntax error: the SPEC and the byte offset of the error in it
	t_cmd ksnoop -j info 'ip_send_skb(skb->len > 1 && skb->len < 5)'
	t_expect_rc 2
	t_expect_eq '{"type":"error","spec":"ip_send_skb(skb->len > 1 && skb->len < 5)","position":25,"exit":2}' \
		"$(printf '%s\n' "$T_ERR" | jq -c '{type, spec, position, exit}')" "syntax error object"
	t_expect_match "'&&' is not supported" "$(printf '%s\n' "$T_ERR" | jq -r .error)"
	# ... also in a later SPEC
	t_cmd ksnoop -j info ip_send_skb 'ip_send_skb(skb->)'
	t_expect_eq 'ip_send_skb(skb->) 17' "$(printf '%s\n' "$T_ERR" | jq -c -j '.spec, " ", .position')" \
		"spec and position"
	# a usage error without SPEC: no position
	t_cmd ksnoop -j info
	t_expect_rc 2
	t_expect_eq 'null 2' "$(printf '%s\n' "$T_ERR" | jq -c -j '.position, " ", .exit')" \
		"position and exit of a usage error"
}
t_run json_errors test_json_errors

# --- without privileges: info works, trace says what it needs ---
test_unprivileged()
{
	local bin
	need_cmd setpriv
	[ "$(id -u)" = 0 ] || t_skip "needs root to drop to an unprivileged user"
	# the real binary: run-host.sh's PATH directory is private to root
	bin=$(readlink -f "$(command -v ksnoop)")
	t_cmd setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" info ip_send_skb
	t_expect_rc 0
	t_expect_eq "int ip_send_skb(struct net *net, struct sk_buff *skb);" "$T_OUT" "stdout"
	t_cmd setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" trace ip_send_skb
	t_expect_rc 4
	t_expect_match "^ksnoop: tracing needs CAP_BPF and CAP_PERFMON" "$T_ERR"
	t_expect_match "^  hint: run as root" "$T_ERR"
	t_expect_eq "" "$T_OUT" "stdout"
}
t_run unprivileged test_unprivileged
