# JSON Lines output (-j), checked with jq against values the workload fixes: one object
# per call with args, ret and duration_ns, a final summary object, and errors as JSON on
# stderr. Sourced by suite.sh with lib.sh loaded; each t_run is one test.

NEED_KVER=5.10	# every lab kernel traces (5.10 through the kprobe backend)


# -n 5 on five 5-byte datagrams: every object is JSON, each call's skb has .len 33
# (5 + 8 + 20), and the last line is the summary.
test_json_skb()
{
	need_kernel_ge $NEED_KVER
	trace_wl 60 'udpconn 5 5' ksnoop -j -n 5 'ip_send_skb(skb)'
	t_expect_rc 0
	expect_jq "$(calls udpconn ip_send_skb) | length == 5" "5 calls"
	expect_jq "$(calls udpconn ip_send_skb) | all(.args.skb.len == 33)" "skb.len is 33"
	# Pointers are strings (addresses), so 64-bit values survive any JSON reader.
	expect_jq "$(calls udpconn ip_send_skb) | all(.args.skb.sk | test(\"^0x[0-9a-f]+\$\"))" \
		"skb.sk is an address string"
	expect_jq 'length == 6 and .[-1].type == "summary" and .[-1].calls == 5 and
		.[-1].lost == 0 and .[-1].format_mismatches == 0' "summary last, 5 calls"
	# With -j, stdout is nothing but JSON objects, one a line.
	t_expect_eq 6 "$(printf '%s\n' "$T_OUT" | grep -c '^{.*}$')" "lines that are objects"
}
t_run skb-len test_json_skb

# Nested objects (skb->sk), scalar items, the return value, duration, pid and comm.
test_json_nested()
{
	local port=4242 pid
	need_kernel_ge $NEED_KVER
	rm -f /tmp/ksnoop-go
	sh -c "until [ -e /tmp/ksnoop-go ]; do sleep 0.1; done; exec udpconn 3 100 $port" \
		>/dev/null 2>&1 &
	pid=$!
	trace_wl 60 "touch /tmp/ksnoop-go; $(until_gone "$pid")" \
		ksnoop -j -p "$pid" \
		'ip_send_skb(skb->sk, skb->len, skb->next, skb->sk->sk_socket->state, return)'
	touch /tmp/ksnoop-go	# never leave it waiting
	wait "$pid"
	t_expect_rc 0
	expect_jq "$(calls udpconn ip_send_skb) | length == 3" "3 calls"
	expect_jq "$(calls udpconn ip_send_skb) | all(.pid == $pid and .tid == $pid)" "pid"
	expect_jq "$(calls udpconn ip_send_skb) | all(.args[\"skb->len\"] == 128)" "skb->len"
	# Anonymous struct and union members appear in their parent, as in C.
	expect_jq "$(calls udpconn ip_send_skb) |
		all(.args[\"skb->sk\"].__sk_common.skc_dport == $(be16 $port))" "skc_dport"
	expect_jq "$(calls udpconn ip_send_skb) |
		all(.args[\"skb->sk\"].__sk_common.skc_family == 2)" "skc_family AF_INET"
	# 127.0.0.1 in network byte order, read as a little-endian u32.
	expect_jq "$(calls udpconn ip_send_skb) |
		all(.args[\"skb->sk\"].__sk_common.skc_daddr == 16777343)" "skc_daddr"
	expect_jq "$(calls udpconn ip_send_skb) | all(.args[\"skb->next\"] == null)" "skb->next"
	# An enum is its constant's name and its number: socket_state (a UDP socket stays
	# SS_UNCONNECTED after connect(); only stream sockets become SS_CONNECTED).
	expect_jq "$(calls udpconn ip_send_skb) |
		all(.args[\"skb->sk->sk_socket->state\"] == {\"name\": \"SS_UNCONNECTED\", \"value\": 1})" \
		"enum name and value"
	# "return" is the top-level ret, not an argument.
	expect_jq "$(calls udpconn ip_send_skb) | all(.ret == 0 and (.args | has(\"return\") | not))" \
		"ret"
	expect_jq "$(calls udpconn ip_send_skb) |
		all(.duration_ns | type == \"number\" and . > 0 and . == floor)" "duration_ns"
	expect_jq "$(calls udpconn ip_send_skb) |
		all(.time_ns > 0 and (.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\$\")))" \
		"time"
	expect_jq '.[-1] | .type == "summary" and .calls == 3' "summary"
}
t_run nested test_json_nested

# Strings (a user char * argument, a char array) are JSON strings; --entry has no ret.
test_json_strings()
{
	need_kernel_ge $NEED_KVER
	echo data >/tmp/ksnoop-json-path
	trace_wl 60 'openfiles 2 /tmp/ksnoop-json-path' ksnoop -j 'do_sys_openat2(filename, return)'
	t_expect_rc 0
	expect_jq "$(calls openfiles do_sys_openat2) | length == 2 and
		all(.args.filename == \"/tmp/ksnoop-json-path\" and .ret == 3)" "filename and fd"
	trace_wl 60 'udpconn 2 100' ksnoop -j --entry '__dev_queue_xmit(skb->dev->name)'
	t_expect_rc 0
	expect_jq "$(calls udpconn __dev_queue_xmit) | length == 2 and
		all(.args[\"skb->dev->name\"] == \"lo\" and (has(\"ret\") | not) and
		    (has(\"duration_ns\") | not))" "device name, no ret with --entry"
}
t_run strings test_json_strings

# Errors in JSON mode are one JSON object on stderr, with the hint, and the exit status
# of a SPEC that does not fit the kernel.
test_json_error()
{
	t_cmd ksnoop -j nosuchfunc
	t_expect_rc 3
	t_expect_eq "" "$T_OUT" "stdout"
	printf '%s\n' "$T_ERR" | jq -e '(.error | test("nosuchfunc")) and (.hint | length > 0)' \
		>/dev/null 2>&1 || { t_fail "stderr is not a JSON error with .error and .hint"; t_show_last; }
	t_cmd ksnoop -j 'ip_send_skb(skb->nosuchmember)'
	t_expect_rc 3
	printf '%s\n' "$T_ERR" | jq -e '.error | test("nosuchmember")' >/dev/null 2>&1 ||
		{ t_fail "stderr is not a JSON error naming the member"; t_show_last; }
}
t_run error test_json_error
