# Lost records: with a one-page ring buffer and a UDP flood, ksnoop must say in the
# stream how many records the kernel dropped, and its accounting must add up.
# Sourced by suite.sh with lib.sh loaded.

# ip_send_skb(skb) copies the whole struct sk_buff, so a few records fill one page.
# The workload (after T_SETTLE) floods for 3 s, then, with ksnoop still attached and
# nothing else sending, dumps the BPF "stats" map: the kernel's own drop count.
test_lost_accounting()
{
	local out=/tmp/lost.json stats=/tmp/lost.stats sent=/tmp/lost.sent
	local nlost lost_sum funcs_sum first_lost last_call summary calls lost unpaired
	local in_flight kernel_lost n unread

	need_cmd jq
	need_cmd bpftool
	rm -f "$out" "$stats" "$sent"
	# ksnoop's stdout is megabytes of JSON: to a file, not a shell variable. exec so that
	# timeout's SIGINT reaches ksnoop itself.
	t_trace 20 "flood 3 >$sent; sleep 1; bpftool map dump name stats -j >$stats" \
		sh -c "exec ksnoop -j -P 1 'ip_send_skb(skb)' >$out"
	t_expect_rc 0
	n=$(cat "$sent" 2>/dev/null)
	[ -n "$n" ] && [ "$n" -gt 0 ] || { t_fail "flood did not report a count: '$n'"; return; }

	# In-stream reports: every non-call line is a lost or the summary record.
	grep -v '^{"type":"call"' "$out" >/tmp/lost.other
	nlost=$(grep -c '^{"type":"lost","count":[0-9]*,"reason":"ringbuf"' /tmp/lost.other)
	[ "$nlost" -gt 0 ] || t_fail "no {\"type\":\"lost\",...,\"reason\":\"ringbuf\"} record"
	t_expect_no_match '"reason":"recursion"' "$(cat /tmp/lost.other)"
	summary=$(grep '^{"type":"summary"' /tmp/lost.other)
	[ "$(printf '%s\n' "$summary" | grep -c .)" = 1 ] ||
		{ t_fail "expected one summary record, got: $summary"; return; }
	[ "$(tail -n 1 "$out")" = "$summary" ] || t_fail "the summary is not the last line"
	# Reported while tracing, not only at exit: some call follows the first loss report.
	first_lost=$(grep -n '^{"type":"lost"' "$out" | head -n 1 | cut -d: -f1)
	last_call=$(grep -n '^{"type":"call"' "$out" | tail -n 1 | cut -d: -f1)
	[ -n "$first_lost" ] && [ -n "$last_call" ] && [ "$first_lost" -lt "$last_call" ] ||
		t_fail "no call record after the first lost record (line $first_lost, last call $last_call)"

	lost_sum=$(grep '^{"type":"lost"' /tmp/lost.other | jq -s 'map(.count) | add // 0')
	funcs_sum=$(grep '^{"type":"lost"' /tmp/lost.other |
		jq -s 'map(.funcs.ip_send_skb // 0) | add // 0')
	calls=$(printf '%s\n' "$summary" | jq .calls)
	lost=$(printf '%s\n' "$summary" | jq .lost)
	unpaired=$(printf '%s\n' "$summary" | jq .unpaired)
	in_flight=$(printf '%s\n' "$summary" | jq .in_flight)
	unread=$(printf '%s\n' "$summary" | jq .unread)
	kernel_lost=$(jq '[.[] | select(.formatted.key == 0) | .formatted.values[].value] |
		add' "$stats" 2>/dev/null)

	[ "$lost" -gt 0 ] 2>/dev/null || t_fail "summary lost is '$lost', expected > 0"
	t_expect_eq "$lost" "$lost_sum" "sum of the lost records' counts vs summary lost"
	t_expect_eq "$lost" "$funcs_sum" "sum of the lost records' funcs.ip_send_skb vs summary lost"
	t_expect_eq "$kernel_lost" "$lost" "stats map KSNOOP_STAT_LOST (bpftool) vs summary lost"
	# Every call of the flood is two records (entry, exit). Each one delivered is half of
	# a shown call, an in-flight entry shown at exit, unpaired, or still queued when
	# ksnoop stopped reading (unread, counted); the rest were lost.
	t_expect_eq $((2 * n)) $((2 * calls - in_flight + unpaired + unread + lost)) \
		"2 x $n sent vs 2 x calls ($calls) - in_flight ($in_flight) + unpaired ($unpaired) + unread ($unread) + lost ($lost)"
	[ "$calls" -lt "$n" ] || t_fail "$calls calls shown of $n sent: nothing was lost?"
	rm -f "$out" /tmp/lost.other
}
t_run ringbuf-accounting test_lost_accounting
