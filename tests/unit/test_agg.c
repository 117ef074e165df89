// SPDX-License-Identifier: GPL-2.0
/*
 * Aggregation arithmetic (include/bucket.h, src/agg.c) and the --stats table
 * and JSON (src/stats.c): bucket bounds, CPU sums, interval deltas,
 * percentiles, and the exact text a user sees.
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/types.h>

#include "agg.h"
#include "stats.h"
#include "test.h"
#include "tlib.h"

/* Every bucket holds exactly [lo, hi), the buckets tile the u64 range in order. */
TEST(bucket_log2lin_bounds)
{
	__u64 v, prev_hi = 0;
	__u32 b;
	int i;

	for (b = 0; b < KSNOOP_LOG2LIN_BUCKETS; b++) {
		__u64 lo = ksnoop_log2lin_lo(b), hi = ksnoop_log2lin_hi(b);

		if (!ASSERT_EQ(lo, prev_hi, "bucket starts where the previous ends"))
			return;
		if (!ASSERT_EQ(ksnoop_bucket_log2lin(lo), b, "lo is in its bucket"))
			return;
		if (hi != ~0ULL && !ASSERT_EQ(ksnoop_bucket_log2lin(hi - 1), b, "hi - 1 too"))
			return;
		/* at most 1/8 of the lower bound wide, past the exact small values */
		if (lo >= KSNOOP_LOG2LIN_SUB && hi != ~0ULL &&
		    !ASSERT_TRUE((hi - lo) * KSNOOP_LOG2LIN_SUB <= lo, "width <= lo / 8"))
			return;
		prev_hi = hi;
	}
	ASSERT_EQ(prev_hi, ~0ULL, "the last bucket ends at the top");
	ASSERT_EQ(ksnoop_bucket_log2lin(~0ULL), KSNOOP_LOG2LIN_BUCKETS - 1, "u64 max");
	ASSERT_EQ(ksnoop_bucket_log2lin(0), 0, "0");
	ASSERT_EQ(ksnoop_bucket_log2lin(7), 7, "7 exact");
	ASSERT_EQ(ksnoop_bucket_log2lin(8), 8, "8");
	ASSERT_EQ(ksnoop_bucket_log2lin(16), 16, "16: [16, 18)");
	ASSERT_EQ(ksnoop_bucket_log2lin(17), 16, "17: [16, 18)");
	ASSERT_EQ(ksnoop_bucket_log2lin(18), 17, "18: [18, 20)");
	srand(1);
	for (i = 0; i < 100000; i++) {
		v = ((__u64)rand() << 33 ^ (__u64)rand() << 11 ^ rand()) >> (rand() % 64);
		b = ksnoop_bucket_log2lin(v);
		if (!ASSERT_TRUE(ksnoop_log2lin_lo(b) <= v && (v < ksnoop_log2lin_hi(b) ||
							       b == KSNOOP_LOG2LIN_BUCKETS - 1),
				 "random value inside its bucket"))
			return;
	}
}

TEST(bucket_log2)
{
	__u32 b;

	ASSERT_EQ(ksnoop_bucket_log2(0), 0, "0");
	ASSERT_EQ(ksnoop_bucket_log2(1), 1, "1: [1, 2)");
	ASSERT_EQ(ksnoop_bucket_log2(5), 3, "5: [4, 8)");
	ASSERT_EQ(ksnoop_bucket_log2(128), 8, "128: [128, 256)");
	ASSERT_EQ(ksnoop_bucket_log2(255), 8, "255: [128, 256)");
	ASSERT_EQ(ksnoop_bucket_log2(~0ULL), 64, "u64 max");
	for (b = 1; b < KSNOOP_LOG2_BUCKETS; b++) {
		ASSERT_EQ(ksnoop_bucket_log2(ksnoop_log2_lo(b)), b, "lo");
		if (b < 64)
			ASSERT_EQ(ksnoop_bucket_log2(ksnoop_log2_hi(b) - 1), b, "hi - 1");
	}
}

/* What --errors and --stats take for a failure, and the errno shown. */
TEST(ret_errno)
{
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 4, (__u32)-2), 2, "int -ENOENT");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 4, 0xffffffff00000000ULL | (__u32)-4095),
		  4095, "int -4095, upper bytes undefined");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 4, (__u32)-4096), 0, "int -4096: no errno");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 4, 0xfffffffe), 2, "as int: -2");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 8, 0xfffffffe), 0, "as long: positive");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 8, -1ULL), 1, "long -1");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 2, 0xfff5), 11, "short -EAGAIN");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 4, 0), 0, "0");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_SIGNED, 4, 7), 0, "positive");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_PTR, 8, 0), KSNOOP_ERR_NULL, "NULL pointer");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_PTR, 8, -12ULL), 12, "ERR_PTR(-ENOMEM)");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_PTR, 8, 0xffff888000000000ULL), 0, "a pointer");
	ASSERT_EQ(ksnoop_ret_errno(KSNOOP_RET_OTHER, 8, -1ULL), 0, "not an error kind");
	ASSERT_TRUE(ksnoop_ret_is_error(KSNOOP_RET_SIGNED, 4, (__u32)-1), "-1 is an error");
	ASSERT_TRUE(!ksnoop_ret_is_error(KSNOOP_RET_SIGNED, 4, (__u32)-4096), "-4096 is not");
	ASSERT_TRUE(ksnoop_ret_is_error(KSNOOP_RET_PTR, 8, 0), "NULL is");
}

/*
 * The BPF program's table lookup gives every value the bucket that
 * ksnoop_bucket_log2lin() and ksnoop_bucket_log2() do, from tables they fill.
 */
TEST(bucket_by_table)
{
	static __u8 lin[KSNOOP_BUCKET_TBL], l2[KSNOOP_BUCKET_TBL];
	__u64 v, lo;
	__u32 b;
	int i, d;

	ksnoop_bucket_tbl_fill(lin, 1);
	ksnoop_bucket_tbl_fill(l2, 0);
	/* each bucket's edges, and one off them */
	for (b = 0; b < KSNOOP_LOG2LIN_BUCKETS; b++) {
		lo = ksnoop_log2lin_lo(b);
		for (d = -1; d <= 1; d++) {
			v = lo + d;
			if (!ASSERT_EQ(ksnoop_bucket_tbl(lin, v, KSNOOP_LOG2LIN_SUB_BITS),
				       ksnoop_bucket_log2lin(v),
				       "log2-linear near a bucket's edge") ||
			    !ASSERT_EQ(ksnoop_bucket_tbl(l2, v, 0), ksnoop_bucket_log2(v),
				       "log2 near a bucket's edge"))
				return;
		}
	}
	ASSERT_EQ(ksnoop_bucket_tbl(lin, ~0ULL, KSNOOP_LOG2LIN_SUB_BITS),
		  KSNOOP_LOG2LIN_BUCKETS - 1, "u64 max, log2-linear");
	ASSERT_EQ(ksnoop_bucket_tbl(l2, ~0ULL, 0), KSNOOP_LOG2_BUCKETS - 1, "u64 max, log2");
	srand(2);
	for (i = 0; i < 100000; i++) {
		v = ((__u64)rand() << 33 ^ (__u64)rand() << 11 ^ rand()) >> (rand() % 64);
		if (!ASSERT_EQ(ksnoop_bucket_tbl(lin, v, KSNOOP_LOG2LIN_SUB_BITS),
			       ksnoop_bucket_log2lin(v), "log2-linear of a random value") ||
		    !ASSERT_EQ(ksnoop_bucket_tbl(l2, v, 0), ksnoop_bucket_log2(v),
			       "log2 of a random value"))
			return;
	}
}

/* @n calls of @ns as the program counts them: no lat_count (agg_sum_cpus() makes it). */
static void add_lat(struct ksnoop_agg *a, __u64 ns, __u64 n)
{
	a->lat_sum += ns * n;
	a->calls += n;
	a->buckets[ksnoop_bucket_log2lin(ns)] += n;
	if (ns > a->lat_max)
		a->lat_max = ns;
}

TEST(agg_percentiles)
{
	struct ksnoop_agg *cpu = calloc(1, sizeof(*cpu)), *a = calloc(1, sizeof(*a));
	__u64 p;

	ASSERT_EQ(agg_percentile(a, 0.5, 0), 0, "empty");
	/* 90 calls of 1000 ns, 9 of 50 us, 1 of 3 ms */
	add_lat(cpu, 1000, 90);
	add_lat(cpu, 50000, 9);
	add_lat(cpu, 3000000, 1);
	agg_sum_cpus(cpu, 1, 0, a);
	ASSERT_EQ(a->lat_count, 100, "latencies: the buckets' sum");
	/* 1000 is in [960, 1024): its middle, 992 (the latencies' own p50 within 1/16) */
	ASSERT_EQ(agg_percentile(a, 0.50, a->lat_max), 992, "p50");
	ASSERT_EQ(agg_percentile(a, 0.90, a->lat_max), 992, "p90: the 90th call");
	p = agg_percentile(a, 0.91, a->lat_max);
	ASSERT_TRUE(p > 50000 * 7 / 8 && p < 50000 * 9 / 8, "p91 within 12.5% of 50 us");
	p = agg_percentile(a, 0.99, a->lat_max);
	ASSERT_TRUE(p > 50000 * 7 / 8 && p < 50000 * 9 / 8, "p99: the 99th call");
	/* 3 ms is in [2883584, 3145728): its middle, 3014656, exceeds the exact max */
	ASSERT_EQ(agg_percentile(a, 1.0, 0), 3014656, "p100 without a max: the middle");
	ASSERT_EQ(agg_percentile(a, 1.0, 3000000), 3000000, "p100 capped at the max");
	/* small values are exact */
	memset(cpu, 0, sizeof(*cpu));
	add_lat(cpu, 5, 1);
	agg_sum_cpus(cpu, 1, 0, a);
	ASSERT_EQ(agg_percentile(a, 0.99, 5), 5, "exact below 8");
	free(cpu);
	free(a);
}

TEST(agg_sum_and_delta)
{
	struct ksnoop_agg *cpu = calloc(3, sizeof(*cpu)), *sum = calloc(3, sizeof(*sum));

	add_lat(&cpu[0], 100, 2);
	cpu[0].errors = 1;
	cpu[0].imax = 100;
	cpu[0].imax_epoch = 7;
	add_lat(&cpu[1], 900, 1);
	cpu[1].imax = 900;
	cpu[1].imax_epoch = 6; /* counted in an earlier interval: not this one's max */
	cpu[2].calls = 4;      /* --entry calls: no latency */
	agg_sum_cpus(cpu, 3, 7, &sum[0]);
	ASSERT_EQ(sum[0].calls, 7, "calls");
	ASSERT_EQ(sum[0].errors, 1, "errors");
	ASSERT_EQ(sum[0].lat_count, 3, "latencies");
	ASSERT_EQ(sum[0].lat_sum, 1100, "latency sum");
	ASSERT_EQ(sum[0].lat_max, 900, "run max");
	ASSERT_EQ(sum[0].imax, 100, "interval max from this epoch's CPUs only");
	ASSERT_EQ(sum[0].buckets[ksnoop_bucket_log2lin(100)], 2, "bucket of 100");

	add_lat(&cpu[1], 900, 5);
	agg_sum_cpus(cpu, 3, 8, &sum[1]);
	agg_delta(&sum[1], &sum[0], &sum[2]);
	ASSERT_EQ(sum[2].calls, 5, "delta calls");
	ASSERT_EQ(sum[2].lat_count, 5, "delta latencies");
	ASSERT_EQ(sum[2].buckets[ksnoop_bucket_log2lin(900)], 5, "delta bucket");
	ASSERT_EQ(sum[2].buckets[ksnoop_bucket_log2lin(100)], 0, "old bucket gone");
	free(cpu);
	free(sum);
}

TEST(stats_fmt_ns)
{
	char b[32];

	stats_fmt_ns(b, sizeof(b), 850);
	ASSERT_STREQ(b, "850ns", "ns");
	stats_fmt_ns(b, sizeof(b), 12345);
	ASSERT_STREQ(b, "12.3us", "us");
	stats_fmt_ns(b, sizeof(b), 1250000);
	ASSERT_STREQ(b, "1.25ms", "ms");
	stats_fmt_ns(b, sizeof(b), 2000000000ULL);
	ASSERT_STREQ(b, "2.00s", "s");
}

/*
 * Three functions' rows as stats_print() builds them. Percentiles show the
 * middle of a bucket: 12000 ns is in [11264, 12288), so 11776 (11.8us);
 * 3000 ns in [2816, 3072), so 2944. Mean and max are exact.
 */
static int sample_rows(struct stats_row *rows)
{
	static struct ksnoop_agg a[3], sum[3];
	static const char *const names[] = {"ip_send_skb", "do_sys_openat2", "tcp_sendmsg"};
	int i;

	memset(a, 0, sizeof(a));
	add_lat(&a[0], 12000, 100);
	add_lat(&a[1], 3000, 10);
	a[1].errors = 4;
	add_lat(&a[2], 2000000, 3);
	for (i = 0; i < 3; i++) {
		agg_sum_cpus(&a[i], 1, 0, &sum[i]);
		stats_row_fill(&rows[i], names[i], &sum[i], sum[i].lat_max, 2.0);
	}
	return 3;
}

TEST(stats_table_layout)
{
	struct stats_row rows[3];
	struct strbuf sb;
	int n = sample_rows(rows);

	sb_init(&sb);
	stats_sort(rows, n, AGG_SORT_CALLS);
	stats_table(&sb, "ksnoop --stats: interval 1, 2.00 s", rows, n, 0);
	ASSERT_STREQ(
		sb_str(&sb),
		"ksnoop --stats: interval 1, 2.00 s\n"
		"FUNCTION            CALLS    CALLS/S   ERRORS      MEAN       P50       P90       P99       MAX\n"
		"ip_send_skb           100       50.0        0    12.0us    11.8us    11.8us    11.8us    12.0us\n"
		"do_sys_openat2         10        5.0        4     3.0us     2.9us     2.9us     2.9us     3.0us\n"
		"tcp_sendmsg             3        1.5        0    2.00ms    2.00ms    2.00ms    2.00ms    2.00ms\n",
		"table sorted by calls");
	/* a terminal shorter than the rows: the first that fit, and how many are left */
	sb_reset(&sb);
	stats_sort(rows, n, AGG_SORT_TIME);
	stats_table(&sb, "t", rows, n, 1);
	ASSERT_STREQ(
		sb_str(&sb),
		"t\n"
		"FUNCTION         CALLS    CALLS/S   ERRORS      MEAN       P50       P90       P99       MAX\n"
		"tcp_sendmsg          3        1.5        0    2.00ms    2.00ms    2.00ms    2.00ms    2.00ms\n"
		"(2 more functions)\n",
		"by time, one row");
	stats_sort(rows, n, AGG_SORT_ERRORS);
	ASSERT_STREQ(rows[0].name, "do_sys_openat2", "by errors");
	stats_sort(rows, n, AGG_SORT_P99);
	ASSERT_STREQ(rows[0].name, "tcp_sendmsg", "by p99");
	sb_reset(&sb);
	stats_table(&sb, "t", rows, 0, 0);
	ASSERT_HAS(sb_str(&sb), "\n(no calls)\n", "no rows");
	sb_free(&sb);
}

TEST(stats_json_object)
{
	struct stats_row rows[3];
	struct strbuf sb;
	int n = sample_rows(rows);

	sb_init(&sb);
	stats_json(&sb, 0, 2.0, rows, 2, 1, 2);
	(void)n;
	ASSERT_STREQ(
		sb_str(&sb),
		"{\"type\":\"stats\",\"final\":true,\"interval\":0,\"seconds\":2.000,\"functions\":["
		"{\"func\":\"ip_send_skb\",\"calls\":100,\"calls_per_s\":50.000,\"errors\":0,"
		"\"latency_ns\":{\"count\":100,\"mean\":12000,\"p50\":11776,\"p90\":11776,\"p99\":11776,\"max\":12000}},"
		"{\"func\":\"do_sys_openat2\",\"calls\":10,\"calls_per_s\":5.000,\"errors\":4,"
		"\"latency_ns\":{\"count\":10,\"mean\":3000,\"p50\":2944,\"p90\":2944,\"p99\":2944,\"max\":3000}}],"
		"\"not_counted\":{\"nested\":1,\"recursion\":2}}\n",
		"final object");
	sb_free(&sb);
}

/* The lean BPF path only where no plan needs a captured record. */
TEST(agg_lean_choice)
{
	struct tfunc f[2] = {};

	ASSERT_TRUE(!agg_lean_ok(KSNOOP_AGG_NONE, KSNOOP_SRC_ITEM, f, 2), "records: never");
	ASSERT_TRUE(agg_lean_ok(KSNOOP_AGG_STATS, KSNOOP_SRC_ITEM, f, 2), "--stats, no items");
	f[1].plan.nitems = 1;
	f[1].plan.items[0].flags = KSNOOP_I_PRED | KSNOOP_I_HIDE;
	ASSERT_TRUE(!agg_lean_ok(KSNOOP_AGG_STATS, KSNOOP_SRC_ITEM, f, 2), "a predicate anywhere");
	ASSERT_TRUE(!agg_lean_ok(KSNOOP_AGG_HIST, KSNOOP_SRC_ITEM, f, 2), "--hist, a predicate");

	f[0].plan.nitems = 1;
	f[0].plan.items[0].flags = KSNOOP_I_MEM;
	f[1].plan.items[0].flags = 0;
	ASSERT_TRUE(agg_lean_ok(KSNOOP_AGG_HIST, KSNOOP_SRC_ITEM, f, 2), "--hist of members");
	ASSERT_TRUE(agg_lean_ok(KSNOOP_AGG_COUNT, KSNOOP_SRC_ITEM, f, 2), "--count-by members");
	f[1].plan.items[0].flags = KSNOOP_I_STR;
	ASSERT_TRUE(!agg_lean_ok(KSNOOP_AGG_COUNT, KSNOOP_SRC_ITEM, f, 2), "a char * string");
	ASSERT_TRUE(agg_lean_ok(KSNOOP_AGG_COUNT, KSNOOP_SRC_COMM, f, 2), "comm: items unread");
	ASSERT_TRUE(!agg_lean_ok(KSNOOP_AGG_COUNT, KSNOOP_SRC_CALLER, f, 2),
		    "caller: the entry's frames");
	f[1].plan.nitems = 0;
	ASSERT_TRUE(!agg_lean_ok(KSNOOP_AGG_HIST, KSNOOP_SRC_ITEM, f, 2), "no value to count");
	ASSERT_TRUE(agg_lean_ok(KSNOOP_AGG_HIST, KSNOOP_SRC_DURATION, f, 2), "--hist duration");
}

/* Item 0 becomes a constant of the BPF program only if every function reads it alike. */
TEST(agg_item_same)
{
	struct tfunc f[2] = {};
	struct ksnoop_item it = {};

	ASSERT_TRUE(!agg_item_same(f, 0, &it), "no function");
	ASSERT_TRUE(!agg_item_same(f, 1, &it), "no item");
	f[0].plan.nitems = f[1].plan.nitems = 1;
	f[0].plan.items[0].base = f[1].plan.items[0].base = 1;
	f[0].plan.items[0].off = f[1].plan.items[0].off = 112;
	f[0].plan.items[0].size = f[1].plan.items[0].size = 4;
	ASSERT_TRUE(agg_item_same(f, 2, &it), "the same member");
	ASSERT_EQ(it.off, 112, "its offset");
	ASSERT_EQ(it.base, 1, "its argument");
	f[1].plan.items[0].off = 116;
	ASSERT_TRUE(!agg_item_same(f, 2, &it), "another offset");
	ASSERT_TRUE(agg_item_same(f, 1, &it), "one function");
	f[1].plan.items[0].off = 112;
	f[1].plan.items[0].nsteps = 1;
	ASSERT_TRUE(!agg_item_same(f, 2, &it), "a pointer step more");
	f[1].plan.nitems = 0;
	ASSERT_TRUE(!agg_item_same(f, 2, &it), "one function without the item");
}

/* A comm read in place keeps nothing past its NUL: keys of the same name are equal. */
TEST(agg_comm_clean)
{
	static const struct {
		const char *bytes; /* 16 bytes as the task has them */
		const char *name;
	} cases[] = {
		{"ab\0gername\0\0\0\0\0", "ab"},
		{"udpsend\0\0\0\0\0\0\0\0", "udpsend"},
		{"abcdefgh\0xyz\0\0\0", "abcdefgh"},
		{"abcdefghij\0lmno", "abcdefghij"},
		{"abcdefghijklmno", "abcdefghijklmno"},
		{"\0bcdefghijklmno", ""},
		{"a\x80\x01\0xyz\0\0\0\0\0\0\0\0", "a\x80\x01"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		__u64 w[2], want[2] = {};

		memcpy(w, cases[i].bytes, sizeof(w));
		memcpy(want, cases[i].name, strlen(cases[i].name));
		ksnoop_comm_clean(w);
		ASSERT_TRUE(!memcmp(w, want, sizeof(w)), cases[i].name);
	}
}
