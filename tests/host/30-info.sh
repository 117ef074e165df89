# Host shell test: 'ksnoop info' against the host kernel's BTF. Prototypes are compared
# with fixed text (these two have been stable for years); glob listings, struct sizes
# and member offsets with what bpftool reads from the same BTF.

# shellcheck disable=SC2034  # read by lib.sh's t_cmd
T_TIMEOUT=30
VMLINUX=/sys/kernel/btf/vmlinux
BTF_JSON=$(mktemp)
trap 'rm -f "$BTF_JSON"' EXIT
# One JSON dump of the kernel's BTF, shared by the tests that need it.
if [ -r "$VMLINUX" ] && command -v bpftool >/dev/null 2>&1 && command -v jq >/dev/null 2>&1; then
	bpftool -j btf dump file "$VMLINUX" >"$BTF_JSON" 2>/dev/null || : >"$BTF_JSON"
fi

need_btf_json()
{
	need_file "$VMLINUX"
	need_cmd bpftool
	need_cmd jq
	[ -s "$BTF_JSON" ] || t_skip "bpftool could not dump $VMLINUX"
}

test_prototypes()
{
	need_file "$VMLINUX"
	t_cmd ksnoop info ip_send_skb tcp_sendmsg
	t_expect_rc 0
	t_expect_eq "int ip_send_skb(struct net *net, struct sk_buff *skb);
int tcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);" "$T_OUT" "stdout"
	t_expect_eq "" "$T_ERR" "stderr"
}
t_run prototypes test_prototypes

# MODULE:NAME with the pseudo-modules: '*' (the kernel and every module) and vmlinux
test_star_module()
{
	local want
	need_file "$VMLINUX"
	want="int ip_send_skb(struct net *net, struct sk_buff *skb);"
	for spec in '*:ip_send_skb' 'vmlinux:ip_send_skb' '*:ip_send_sk?'; do
		t_cmd ksnoop info "$spec"
		t_expect_rc 0
		t_expect_eq "$want" "$T_OUT" "info '$spec'"
	done
}
t_run star_module test_star_module

test_glob_listing()
{
	local want printed skipped names matched nskipped note
	need_btf_json
	# Every FUNC named tcp_v4_*, from bpftool: what the glob must match.
	want=$(jq -r '.types[] | select(.kind == "FUNC") | .name' "$BTF_JSON" |
		grep '^tcp_v4_' | LC_ALL=C sort)
	[ -n "$want" ] || t_skip "no tcp_v4_* functions in this kernel"

	t_cmd ksnoop info 'tcp_v4_*'
	t_expect_rc 0
	# one prototype per line; the name is the identifier before the parameter list
	t_expect_no_match '^$'
	t_expect_eq "$(printf '%s\n' "$T_OUT" | grep -c ');$')" "$(printf '%s\n' "$T_OUT" | wc -l)" \
		"lines that are prototypes"
	names=$(printf '%s\n' "$T_OUT" | sed -E 's/^[^(]*[ *]([A-Za-z_][A-Za-z0-9_.]*)\(.*$/\1/')
	t_expect_eq "$(printf '%s\n' "$names" | LC_ALL=C sort)" "$names" "listing in name order"
	note=$T_ERR

	# What is not listed was skipped as untraceable, each one named with -v (on stderr;
	# -v also prints the argument types on stdout).
	t_cmd ksnoop -v info 'tcp_v4_*'
	t_expect_rc 0
	skipped=$(printf '%s\n' "$T_ERR" | sed -n -E 's/^skipping ([A-Za-z0-9_.]+): .*/\1/p')
	printed=$(printf '%s\n%s\n' "$names" "$skipped" | grep -v '^$' | LC_ALL=C sort)
	t_expect_eq "$want" "$printed" "listed + skipped functions vs bpftool's tcp_v4_* FUNCs"
	matched=$(printf '%s\n' "$want" | wc -l)
	if [ -n "$skipped" ]; then
		nskipped=$(printf '%s\n' "$skipped" | wc -l)
		t_expect_match "^ksnoop: 'tcp_v4_\*': $matched functions matched, skipped $nskipped \($nskipped untraceable, 0 without the named arguments, 0 other\)$" "$note"
	else
		t_expect_eq "" "$note" "stderr (nothing skipped)"
	fi
}
t_run glob_listing test_glob_listing

# member_line STRUCT MEMBER: "TYPE NAME[: BITS]; /* offset N[, bit B] */" as info -v
# should print it for a direct (not anonymous) member, from bpftool's JSON.
member_line()
{
	jq -r --arg s "$1" --arg m "$2" '
		.types[] | select(.kind == "STRUCT" and .name == $s) | .members[] |
		select(.name == $m) |
		if .bitfield_size then
			"\(.bitfield_size); /* offset \(.bits_offset / 8 | floor), bit \(.bits_offset % 8) */"
		else
			"; /* offset \(.bits_offset / 8) */"
		end' "$BTF_JSON"
}

test_info_verbose()
{
	local size len cloned
	need_btf_json
	size=$(jq -r '.types[] | select(.kind == "STRUCT" and .name == "sk_buff") | .size' "$BTF_JSON")
	len=$(member_line sk_buff len)
	cloned=$(member_line sk_buff cloned)
	if [ -z "$size" ] || [ -z "$len" ] || [ -z "$cloned" ]; then
		t_fail "bpftool's BTF has no struct sk_buff with len and cloned"
	fi

	t_cmd ksnoop -v info ip_send_skb
	t_expect_rc 0
	t_expect_match '^int ip_send_skb\(struct net \*net, struct sk_buff \*skb\);$'
	t_expect_match "^struct sk_buff \{ /\* size $size \*/$"
	t_expect_match '^struct net \{ /\* size [0-9]+ \*/$'
	# e.g. "        unsigned int len; /* offset 112 */"
	t_expect_eq "        unsigned int len$len" \
		"$(printf '%s\n' "$T_OUT" | grep -E '^ +unsigned int len;')" "sk_buff.len"
	# e.g. "        __u8 cloned: 1; /* offset 126, bit 0 */"
	t_expect_eq "        __u8 cloned: $cloned" \
		"$(printf '%s\n' "$T_OUT" | grep -E '^ +__u8 cloned:')" "sk_buff.cloned"
	t_expect_eq "" "$T_ERR" "stderr"

	# Without -v: the prototype only.
	t_cmd ksnoop info ip_send_skb
	t_expect_eq 1 "$(printf '%s\n' "$T_OUT" | wc -l)" "lines without -v"
}
t_run info_verbose test_info_verbose

test_options_after_command()
{
	local before
	need_file "$VMLINUX"
	t_cmd ksnoop -v info ip_send_skb
	before=$T_OUT
	t_cmd ksnoop info -v ip_send_skb
	t_expect_rc 0
	t_expect_eq "$before" "$T_OUT" "'info -v SPEC' vs '-v info SPEC'"
	t_expect_match '^struct sk_buff \{'

	# --help's example form: SPEC first, then -x
	t_cmd ksnoop info 'tcp_v4_*' -x 'tcp_v4_[a-r]*'
	t_expect_rc 0
	t_expect_match '^[^(]*[ *]tcp_v4_s[a-z_]*\('
	t_expect_no_match '^[^(]*[ *]tcp_v4_[a-r][a-z_]*\('
}
t_run options_after_command test_options_after_command

# plan_items FUNC ARGS...: the "item N 'LABEL'" lines of FUNC in 'ksnoop -vv info ARGS',
# as "N LABEL" lines in ITEMS.
plan_items()
{
	local func=$1
	shift
	t_cmd ksnoop -vv info "$@"
	t_expect_rc 0
	ITEMS=$(printf '%s\n' "$T_OUT" |
		awk -v f="$func" '$0 ~ "^" f ": local BTF" { on = 1; next }
			/^[a-z].*\);$/ { on = 0 } on && /^  item / { print }' |
		sed -n -E "s/^  item ([0-9]+) '([^']*)'.*/\1 \2/p")
}

# SPECs naming the same function merge their items, in order (man: Merged SPECs)
test_merge_specs()
{
	need_file "$VMLINUX"
	plan_items ip_send_skb 'ip_send_skb(skb->len)' 'ip_send_skb(net)'
	t_expect_eq "0 skb->len
1 net" "$ITEMS" "two SPECs for ip_send_skb"
	t_expect_eq 1 "$(printf '%s\n' "$T_OUT" | grep -c '^int ip_send_skb(')" "prototypes printed"

	# a SPEC without items adds none to one with items
	plan_items ip_send_skb ip_send_skb 'ip_send_skb(skb->len)'
	t_expect_eq "0 skb->len" "$ITEMS" "ip_send_skb + ip_send_skb(skb->len)"

	# a glob adds its items to a function an earlier SPEC named, where they fit, and
	# does not repeat an item the function has
	plan_items ip_send_skb 'ip_send_skb(skb->len)' 'ip_send_*(net, skb->len)'
	t_expect_eq "0 skb->len
1 net" "$ITEMS" "ip_send_skb(skb->len) + ip_send_*(net, skb->len)"
	plan_items ip_send_skb 'ip_send_*(net)' 'ip_send_skb(skb->len)'
	t_expect_eq "0 net
1 skb->len" "$ITEMS" "ip_send_*(net) + ip_send_skb(skb->len)"
	# two globs: tcp_sendmsg keeps its own items plus theirs
	plan_items tcp_sendmsg 'tcp_sendmsg(size)' 'tcp_v4_*(sk)' 'tcp_send*(sk)'
	t_expect_eq "0 size
1 sk" "$ITEMS" "tcp_sendmsg's items"
}
t_run merge_specs test_merge_specs

# -vv shows the plan of each function whose own SPEC names items, whatever the last SPEC
test_plans_per_spec()
{
	need_file "$VMLINUX"
	plan_items ip_send_skb 'ip_send_skb(skb->len)' tcp_v4_connect
	t_expect_eq "0 skb->len" "$ITEMS" "ip_send_skb(skb->len) before a bare SPEC"
	plan_items tcp_v4_connect 'ip_send_skb(skb->len)' tcp_v4_connect
	t_expect_eq "" "$ITEMS" "bare tcp_v4_connect after a SPEC with items"
	plan_items ip_send_skb tcp_v4_connect 'ip_send_skb(skb->len)'
	t_expect_eq "0 skb->len" "$ITEMS" "ip_send_skb(skb->len) after a bare SPEC"
	plan_items tcp_v4_connect tcp_v4_connect 'ip_send_skb(skb->len)'
	t_expect_eq "" "$ITEMS" "bare tcp_v4_connect before a SPEC with items"
}
t_run plans_per_spec test_plans_per_spec

# -v prints each layout once per run; later functions refer to it
test_layout_once()
{
	need_file "$VMLINUX"
	t_cmd ksnoop -v info ip_send_skb ip_finish_output2
	t_expect_rc 0
	t_expect_eq 1 "$(printf '%s\n' "$T_OUT" | grep -c '^struct sk_buff {')" "sk_buff layouts"
	# ip_finish_output2(net, sk, skb): net and skb were shown for ip_send_skb
	t_expect_eq "int ip_finish_output2(struct net *net, struct sock *sk, struct sk_buff *skb);
struct net; /* layout above */
struct sock {
struct sk_buff; /* layout above */" \
		"$(printf '%s\n' "$T_OUT" | sed -n '/^int ip_finish_output2(/,$p' | grep -E '^[a-z]' |
			sed -E 's/ \{ .*/ {/')" "ip_finish_output2's lines"

	# over a big glob, every layout once
	t_cmd ksnoop -v info 'tcp_*'
	t_expect_rc 0
	t_expect_eq 1 "$(printf '%s\n' "$T_OUT" | grep -c '^struct sock {')" "struct sock layouts"
	t_expect_eq "" "$(printf '%s\n' "$T_OUT" | grep -E '^(struct|union) [a-z_0-9]+ \{' | sort |
		uniq -d)" "layouts printed twice"
}
t_run layout_once test_layout_once

test_info_json()
{
	local len
	need_btf_json
	t_cmd ksnoop -j info ip_send_skb
	t_expect_rc 0
	t_expect_eq '{"type":"function","name":"ip_send_skb","prototype":"int ip_send_skb(struct net *net, struct sk_buff *skb)","return":{"type":"int"},"args":[{"name":"net","type":"struct net *"},{"name":"skb","type":"struct sk_buff *"}]}' \
		"$(jq -c . <<<"$T_OUT")" "info -j ip_send_skb"
	t_expect_eq "" "$T_ERR" "stderr"

	# -v: layouts before the functions naming them, once each; offsets as bpftool reads them
	t_cmd ksnoop -j -v info 'tcp_v4_*'
	t_expect_rc 0
	printf '%s\n' "$T_OUT" | jq -e . >/dev/null || t_fail "-j -v info output is not JSON Lines"
	t_expect_eq "" "$(jq -r 'select(.type == "layout") | .name' <<<"$T_OUT" | sort | uniq -d)" \
		"layouts printed twice"
	t_expect_eq "" "$(jq -rn 'reduce inputs as $o ({seen: {}, missing: []};
		if $o.type == "layout" then .seen[$o.name] = true
		else . as $s | .missing += [($o.args[], $o.return) | .layout // empty |
			select($s.seen[.] | not)]
		end) | .missing[]' <<<"$T_OUT")" "layouts named before they were printed"
	len=$(jq -r '.types[] | select(.kind == "STRUCT" and .name == "sk_buff") | .members[] |
		select(.name == "len") | .bits_offset / 8' "$BTF_JSON")
	t_expect_eq "unsigned int $len" "$(jq -r 'select(.type == "layout" and .name == "struct sk_buff") |
		.members[] | select(.name == "len") | "\(.type) \(.offset)"' <<<"$T_OUT")" "sk_buff.len"
	t_expect_eq "struct sock *" "$(jq -r 'select(.type == "function" and .name == "tcp_v4_connect") |
		.args[0] | select(.layout == "struct sock") | .type' <<<"$T_OUT")" "tcp_v4_connect's sk"
}
t_run info_json test_info_json
