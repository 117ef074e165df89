/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel aggregation, the userspace half: what the aggregation modes
 * (--stats; --hist and --count-by build on it) need before load (plan flags)
 * and after (reading the per-CPU "aggs" map, summing CPUs, deltas per
 * interval, percentiles from the log2-linear latency histogram). The BPF half
 * is bpf/agg.h; the map value is struct ksnoop_agg (include/ksnoop.h).
 */
#ifndef __KSNOOP_AGG_H
#define __KSNOOP_AGG_H

#include <stdbool.h>
#include <linux/types.h>

#include "ksnoop.h"
#include "parse.h"
#include "resolve.h"

/* How rows of an aggregation table are ordered (--sort). */
enum agg_sort {
	AGG_SORT_CALLS,	 /* most calls first (the default) */
	AGG_SORT_TIME,	 /* most total time in the function (latency sum) first */
	AGG_SORT_ERRORS, /* most errors first */
	AGG_SORT_P99,	 /* slowest 99th percentile first */
};

/*
 * The aggregation options of `ksnoop trace`; the mode itself is
 * trace_opts.t.agg_mode (the tracer loads the program with it).
 */
struct agg_opts {
	double interval; /* -i: seconds between tables (0: the default, 1 s) */
	enum agg_sort sort;
};

/* "calls" -> AGG_SORT_CALLS, ...; -EINVAL for an unknown name. */
int agg_sort_parse(const char *name, enum agg_sort *out);

/*
 * Aggregation counts calls and shows no values: every item of @specs must be
 * a predicate (a filter). Prints the error naming the item, for mode @what
 * ("--stats"); -EINVAL.
 */
int agg_check_specs(const struct spec *specs, int nspecs, const char *what);

/*
 * Before load: set each plan's KSNOOP_P_* flags (which phase has predicates)
 * and hide every item (evaluated, never copied out). What an error return is
 * comes from the plan's ret_kind (resolve.c), as for --errors.
 */
void agg_prepare_funcs(struct tfunc *funcs, int nfuncs);

/*
 * May counting mode @mode with value source @src (enum ksnoop_agg_src) take
 * the BPF program's lean path (bpf/agg.h agg_lean) for the plans of @funcs? Only
 * when nothing needs the record path's machinery: no predicate (they are
 * evaluated on a captured record), no call site (--count-by caller reads the
 * stack into the scratch area), and a counted item read from a register as an
 * integer or bytes, not a string (which may need a second, user read).
 */
bool agg_lean_ok(enum ksnoop_agg_mode mode, __u8 src, const struct tfunc *funcs, int nfuncs);

/*
 * Is item 0 read the same way in every plan of @funcs (the lean path of
 * --hist and --count-by of an item)? If so, *@out is that item, which the BPF
 * program then reads from its .rodata (bpf/agg_value.h agg_item) instead of
 * each function's plan: a constant, of which the verifier keeps only the
 * steps, size and flags it has.
 */
bool agg_item_same(const struct tfunc *funcs, int nfuncs, struct ksnoop_item *out);

/*
 * Do the plans of @funcs say the same of the return value (ret_kind,
 * ret_size)? If so, *@kind and *@size are theirs: --stats then decides a
 * call's error from .rodata constants (bpf/capture.h agg_stats_func()), not
 * from its plan, which it does not look up.
 */
bool agg_ret_same(const struct tfunc *funcs, int nfuncs, __u8 *kind, __u8 *size);

/* Sum @ncpus per-CPU values into @out; imax only from CPUs that counted in @epoch. */
void agg_sum_cpus(const struct ksnoop_agg *percpu, int ncpus, __u64 epoch, struct ksnoop_agg *out);
/* @out = @cur - @prev (counters and buckets); maxima are @cur's (interval max: imax). */
void agg_delta(const struct ksnoop_agg *cur, const struct ksnoop_agg *prev, struct ksnoop_agg *out);
/*
 * The @q quantile (0 < q <= 1) of @s's latency histogram: the middle of the
 * bucket holding the ceil(q * lat_count)-th smallest latency, never more than
 * @max (the exact maximum, when known; 0: unknown). 0 if there is none.
 */
__u64 agg_percentile(const struct ksnoop_agg *s, double q, __u64 max);

/* The reader of the "aggs" map. */
struct agg {
	int map_fd;
	int nfuncs, ncpus;
	volatile __u64 *epoch;	   /* the BPF program's agg_epoch (mmap'ed .bss) */
	struct ksnoop_agg *percpu; /* one lookup's per-CPU values */
	struct ksnoop_agg *cur;	   /* per function: sums at the last read */
	struct ksnoop_agg *prev;   /* per function: sums at the read before */
};

/* Negative errno. */
int agg_init(struct agg *a, int map_fd, int nfuncs, volatile __u64 *epoch);
/*
 * End the interval: start a new epoch, then read every function's sums into
 * a->cur (the previous ones move to a->prev); cur[i].imax is the maximum
 * latency within the interval that ended. Negative errno.
 */
int agg_read(struct agg *a);
void agg_free(struct agg *a);

#endif /* __KSNOOP_AGG_H */
