// SPDX-License-Identifier: GPL-2.0
/* --hist and --count-by: bucket slots and bounds, the text and JSON renderings, options. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hist.h"
#include "ksnoop_hist.h"
#include "test.h"

static void log2_conf(struct ksnoop_agg_conf *c)
{
	struct hist_opts a = {.mode = KSNOOP_AGG_HIST};

	hist_conf(&a, c);
}

static void linear_conf(struct ksnoop_agg_conf *c, long long min, long long max,
			unsigned long long step)
{
	struct hist_opts a = {.mode = KSNOOP_AGG_HIST,
			      .linear = true,
			      .min = min,
			      .max = max,
			      .step = step};

	hist_conf(&a, c);
}

/* The BPF program's table of log2 buckets (src/attach.c). */
static const __u8 *log2_tbl(void)
{
	static __u8 tbl[KSNOOP_BUCKET_TBL];

	ksnoop_bucket_tbl_fill(tbl, 0);
	return tbl;
}

/* Every slot's bounds hold exactly the values the BPF side puts in it. */
TEST(hist_log2_slots_match_bounds)
{
	struct ksnoop_agg_conf c;
	struct hist_bounds b;
	__u32 s;

	log2_conf(&c);
	ASSERT_EQ(c.nslots, 67, "log2 slots: negative, 65 log2 buckets, unreadable");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), (__u64)-1, 1), 0, "-1 signed");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), (__u64)-1, 0), 65, "2^64-1 unsigned");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), 0, 0), 1, "0");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), 1, 0), 2, "1");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), 33, 0), 7, "33 in [32, 64)");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), 228, 0), 9, "228 in [128, 256)");
	for (s = 1; s < c.nslots - 1; s++) {
		hist_slot_bounds(&c, s, &b);
		if (!ASSERT_TRUE(b.has_lo && b.has_hi, "bounded"))
			return;
		ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), b.lo, 0), s, "lo is in the slot");
		ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), b.hi - 1, 0), s,
			  "hi - 1 is in the slot");
		if (!b.hi_2_64)
			ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), b.hi, 0), s + 1,
				  "hi is in the next");
	}
	hist_slot_bounds(&c, 65, &b);
	ASSERT_TRUE(b.hi_2_64, "the last log2 slot ends at 2^64");
}

TEST(hist_linear_slots_match_bounds)
{
	struct ksnoop_agg_conf c;
	struct hist_bounds b;
	__u32 s;

	linear_conf(&c, -20, 100, 30);
	ASSERT_EQ(c.nbuckets, 4, "(100 - -20) / 30");
	ASSERT_EQ(c.nslots, 7, "below, 4 buckets, above, unreadable");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), (__u64)-21, 1), 0, "-21 below");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), (__u64)-20, 1), 1, "-20 first");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), 9, 1), 1, "9 first");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), 10, 1), 2, "10 second");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), 99, 1), 4, "99 last");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), 100, 1), 5, "100 above");
	ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), (__u64)-1, 0), 5, "2^64-1 unsigned is above");
	for (s = 1; s <= c.nbuckets; s++) {
		hist_slot_bounds(&c, s, &b);
		ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), b.lo, 1), s, "lo is in the slot");
		ASSERT_EQ(ksnoop_hist_slot(&c, log2_tbl(), b.hi - 1, 1), s,
			  "hi - 1 is in the slot");
	}
	hist_slot_bounds(&c, 0, &b);
	ASSERT_TRUE(!b.has_lo && (__s64)b.hi == -20, "below: (..., -20)");
	hist_slot_bounds(&c, 5, &b);
	ASSERT_TRUE(b.lo == 100 && !b.has_hi, "above: [100, ...)");
}

/* The known UDP workload: 3 datagrams of 5 bytes (skb->len 33), 2 of 200 (228). */
TEST(hist_render_text_bpftrace_layout)
{
	struct ksnoop_agg_conf c;
	struct strbuf sb;
	__u64 counts[67] = {};

	log2_conf(&c);
	counts[ksnoop_hist_slot(&c, log2_tbl(), 33, 0)] = 3;
	counts[ksnoop_hist_slot(&c, log2_tbl(), 228, 0)] = 2;
	sb_init(&sb);
	hist_render(&sb, false, &c, "ip_send_skb", "skb->len", NULL, counts);
	ASSERT_STREQ(
		sb_str(&sb),
		"ip_send_skb skb->len: 5 calls\n"
		"[32, 64)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[64, 128)              0 |                                                    |\n"
		"[128, 256)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                 |\n",
		"text");
	sb_reset(&sb);
	hist_render(&sb, true, &c, "ip_send_skb", "skb->len", NULL, counts);
	ASSERT_STREQ(
		sb_str(&sb),
		"{\"type\":\"hist\",\"func\":\"ip_send_skb\",\"value\":\"skb->len\",\"scale\":\"log2\","
		"\"calls\":5,\"unreadable\":0,\"buckets\":[{\"lo\":32,\"hi\":64,\"count\":3},"
		"{\"lo\":64,\"hi\":128,\"count\":0},{\"lo\":128,\"hi\":256,\"count\":2}]}\n",
		"json");
	sb_free(&sb);
}

TEST(hist_render_labels)
{
	struct ksnoop_agg_conf c;
	struct strbuf sb;
	__u64 counts[67] = {};

	log2_conf(&c);
	counts[0] = 1;	/* negative */
	counts[1] = 2;	/* 0 */
	counts[2] = 1;	/* 1 */
	counts[12] = 1; /* [1K, 2K) */
	counts[65] = 1; /* [8E, 16E) */
	counts[66] = 4; /* unreadable */
	sb_init(&sb);
	hist_render(&sb, false, &c, "f", "duration", "ns", counts);
	ASSERT_HAS(sb_str(&sb), "f duration (ns): 10 calls, 4 unreadable\n", "title");
	ASSERT_HAS(sb_str(&sb), "\n(..., 0)               1 |", "negative");
	ASSERT_HAS(sb_str(&sb), "\n[0]                    2 |", "zero");
	ASSERT_HAS(sb_str(&sb), "\n[1]                    1 |", "one");
	ASSERT_HAS(sb_str(&sb), "\n[1K, 2K)               1 |", "1K");
	ASSERT_HAS(sb_str(&sb), "\n[8E, 16E)              1 |", "2^63");
	sb_reset(&sb);
	hist_render(&sb, true, &c, "f", "duration", "ns", counts);
	ASSERT_HAS(sb_str(&sb), "{\"lo\":null,\"hi\":0,\"count\":1}", "negative bucket");
	ASSERT_HAS(sb_str(&sb), "{\"lo\":\"9223372036854775808\",",
		   "2^63 exact, a string past 2^53");
	ASSERT_HAS(sb_str(&sb), "\"hi\":\"18446744073709551616\",\"count\":1}", "2^64 as a string");
	ASSERT_HAS(sb_str(&sb), "\"unit\":\"ns\"", "unit");
	sb_free(&sb);
}

static struct count_row row(const char *text, const char *json, __u64 n)
{
	struct count_row r = {strdup(text), strdup(json), n};

	return r;
}

TEST(count_render_top_and_merge)
{
	struct count_row rows[4];
	struct strbuf sb;
	int n, i;

	rows[0] = row("\"udpsend\"", "\"udpsend\"", 3);
	rows[1] = row("\"udpconn\"", "\"udpconn\"", 5);
	/* the same comm twice (bytes after the NUL differed in the kernel): one key */
	rows[2] = row("\"udpsend\"", "\"udpsend\"", 4);
	rows[3] = row("\"sh\"", "\"sh\"", 1);
	sb_init(&sb);
	n = count_render(&sb, false, "ip_send_skb", "comm", rows, 4, 1);
	ASSERT_EQ(n, 3, "rows left after merging");
	ASSERT_STREQ(sb_str(&sb),
		     "ip_send_skb by comm: 13 calls, 3 keys\n"
		     "         7  \"udpsend\"\n"
		     "         6  (2 other keys)\n",
		     "text, top 1");
	sb_reset(&sb);
	n = count_render(&sb, true, "ip_send_skb", "comm", rows, n, 2);
	ASSERT_STREQ(sb_str(&sb),
		     "{\"type\":\"count\",\"func\":\"ip_send_skb\",\"key\":\"comm\",\"calls\":13,"
		     "\"keys\":3,\"counts\":[{\"key\":\"udpsend\",\"count\":7},"
		     "{\"key\":\"udpconn\",\"count\":5}],\"other\":{\"keys\":1,\"count\":1}}\n",
		     "json, top 2");
	for (i = 0; i < n; i++) {
		free(rows[i].text);
		free(rows[i].json);
	}
	sb_free(&sb);
}

TEST(hist_options)
{
	struct hist_opts a;
	int err_fd, null_fd;

	memset(&a, 0, sizeof(a));
	ASSERT_OK(hist_parse_opt(NULL, &a), "--hist");
	ASSERT_TRUE(a.mode == KSNOOP_AGG_HIST && a.src == KSNOOP_SRC_ITEM && !a.linear, "log2");
	memset(&a, 0, sizeof(a));
	ASSERT_OK(hist_parse_opt("duration,linear:0:1000000:100000", &a), "duration, linear");
	ASSERT_TRUE(a.src == KSNOOP_SRC_DURATION && a.linear && a.min == 0 && a.max == 1000000 &&
			    a.step == 100000,
		    "parsed");
	ASSERT_TRUE(hist_opt_word("duration") && hist_opt_word("log2") &&
			    hist_opt_word("linear:1:2:1") && !hist_opt_word("tcp_sendmsg(size)") &&
			    !hist_opt_word("ip_send_skb"),
		    "words that are values, not SPECs");
	ASSERT_TRUE(count_opt_word("comm") && !count_opt_word("vfs_read"), "--count-by words");
	/* bad forms, each reported (the messages are checked in tests/host/10-errors.sh) */
	fflush(stderr);
	err_fd = dup(STDERR_FILENO);
	null_fd = open("/dev/null", O_WRONLY);
	dup2(null_fd, STDERR_FILENO);
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(hist_parse_opt("linear:0:10", &a), -EINVAL, "two numbers");
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(hist_parse_opt("linear:10:0:1", &a), -EINVAL, "MAX below MIN");
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(hist_parse_opt("linear:0:10:0", &a), -EINVAL, "STEP 0");
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(hist_parse_opt("linear:0:1000000:1", &a), -EINVAL, "too many buckets");
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(hist_parse_opt("log2,linear:0:10:1", &a), -EINVAL, "two scales");
	ASSERT_EQ(count_parse_opt("comm", &a), -EINVAL, "--hist and --count-by");
	dup2(err_fd, STDERR_FILENO);
	close(err_fd);
	close(null_fd);
}

/* --count-by: the key map's keys hold what the longest value needs, in whole words. */
TEST(count_key_len_fits_values)
{
	struct hist_opts a = {.mode = KSNOOP_AGG_COUNT, .src = KSNOOP_SRC_COMM};
	struct tfunc f[2] = {};

	ASSERT_EQ(count_key_len(&a, f, 2), 16, "comm: 16 bytes");
	a.src = KSNOOP_SRC_CALLER;
	ASSERT_EQ(count_key_len(&a, f, 2), 8, "caller: an address");
	a.src = KSNOOP_SRC_ITEM;
	f[0].plan.nitems = f[1].plan.nitems = 1;
	f[0].plan.items[0].size = 4;
	f[1].plan.items[0].size = 2;
	ASSERT_EQ(count_key_len(&a, f, 2), 8, "an int and a short: one word");
	f[1].plan.items[0].size = 16;
	ASSERT_EQ(count_key_len(&a, f, 2), 16, "the largest: a char[16]");
	f[0].plan.items[0].size = 17;
	ASSERT_EQ(count_key_len(&a, f, 2), 24, "17 bytes: three words");
	f[0].plan.items[0].size = 256;
	ASSERT_EQ(count_key_len(&a, f, 2), KSNOOP_KEY_MAX, "a string: at most KSNOOP_KEY_MAX");
}
