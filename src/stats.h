/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --stats: per function, calls, calls/s, errors and latency (mean, p50, p90,
 * p99, max), counted in the kernel (src/agg.c) and shown as a table every
 * interval (on a terminal redrawn in place, the rows that fit), or one JSON
 * object per interval, then once more at exit with the totals.
 *
 * Text, one table per interval when not on a terminal:
 *
 *	ksnoop --stats: interval 2, 1.00 s
 *	FUNCTION          CALLS   CALLS/S   ERRORS      MEAN       P50       P90       P99       MAX
 *	ip_send_skb         100     100.0        0    12.3us    11.8us    15.2us    20.5us    25.1us
 *
 * The final table's title is "ksnoop --stats: total, 12.34 s". Functions
 * without calls in the period are left out.
 */
#ifndef __KSNOOP_STATS_H
#define __KSNOOP_STATS_H

#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>

#include "agg.h"
#include "strbuf.h"

struct stats_row {
	const char *name;
	__u64 calls, errors, lat_count, lat_sum;
	double rate;			/* calls per second */
	__u64 mean, p50, p90, p99, max; /* ns; meaningful when lat_count */
};

/* The row of @name for sums @s over @secs seconds; @max: the period's maximum latency. */
void stats_row_fill(struct stats_row *row, const char *name, const struct ksnoop_agg *s, __u64 max,
		    double secs);
void stats_sort(struct stats_row *rows, int n, enum agg_sort sort);
/* "850ns", "12.3us", "1.25ms", "2.00s": a latency in a 9-column cell. */
void stats_fmt_ns(char *buf, size_t size, __u64 ns);
/*
 * The text table: @title, the header, at most @max_rows rows (0: all) and,
 * when rows are left out, a line saying how many.
 */
void stats_table(struct strbuf *sb, const char *title, const struct stats_row *rows, int n,
		 int max_rows);
/* One JSON object (a line): the rows of interval @interval (0: the final totals). */
void stats_json(struct strbuf *sb, int interval, double secs, const struct stats_row *rows, int n,
		__u64 nested, __u64 misses);

struct tracer;
struct trace_opts;

/*
 * The --stats loop, on an attached tracer: a table (or JSON object) every
 * interval until *@stop, --duration or a write error, then the tracer
 * stopped and the totals. Errors are reported (a reader that went away
 * ends it quietly, with 0); negative errno.
 */
int stats_run(struct tracer *t, const struct trace_opts *o, volatile sig_atomic_t *stop);

#endif /* __KSNOOP_STATS_H */
