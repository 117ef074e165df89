/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slots of a --hist histogram, one definition for the BPF program (which
 * counts a value into its slot) and userspace (which labels the slots).
 *
 * log2 (the default), KSNOOP_HIST_LOG2_SLOTS slots:
 *   0        (..., 0)          negative values (signed items only)
 *   1        [0]
 *   2 + k    [2^k, 2^(k+1))    so 2 is [1], 3 is [2, 4), ..., 65 is [2^63, 2^64)
 * linear (--hist=linear:MIN:MAX:STEP), nbuckets + 3 slots:
 *   0                (..., MIN)
 *   1 + i            [MIN + i * STEP, MIN + (i + 1) * STEP), i < nbuckets
 *   nbuckets + 1     [MIN + nbuckets * STEP, ...)
 * The last slot of either (nslots - 1) counts calls whose value could not be
 * read (a NULL or faulting pointer on the way).
 */
#ifndef __KSNOOP_HIST_H
#define __KSNOOP_HIST_H

#include "ksnoop.h"

#define KSNOOP_HIST_LOG2_SLOTS	(KSNOOP_LOG2_BUCKETS + 2)
#define KSNOOP_HIST_MAX_BUCKETS 1000 /* linear buckets between MIN and MAX */

/*
 * The slot of value @v (sign-extended to 64 bits when @is_signed) under @c;
 * @log2_tbl: the log2 buckets of the values below KSNOOP_BUCKET_TBL
 * (ksnoop_bucket_tbl()).
 */
static __always_inline __u32 ksnoop_hist_slot(const struct ksnoop_agg_conf *c, const __u8 *log2_tbl,
					      __u64 v, int is_signed)
{
	__u64 d;

	if (!c->linear) {
		if (is_signed && (__s64)v < 0)
			return 0;
		/* include/bucket.h's log2 buckets, after the negative one */
		return 1 + ksnoop_bucket_tbl(log2_tbl, v, 0);
	}
	if (is_signed ? (__s64)v < c->min : (c->min >= 0 && v < (__u64)c->min))
		return 0;
	d = v - (__u64)c->min;
	/* an unsigned value near 2^64 past a negative MIN wraps: it is above the range */
	if (!is_signed && c->min < 0 && d < v)
		return c->nbuckets + 1;
	d /= c->step ? c->step : 1;
	return d >= c->nbuckets ? c->nbuckets + 1 : 1 + d;
}

#endif /* __KSNOOP_HIST_H */
