/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Histogram buckets of a u64 value, shared by the BPF program (which counts
 * into buckets) and userspace (which names their bounds and computes
 * percentiles): one definition, so both sides always agree.
 *
 * Two layouts:
 * - log2: bucket 0 holds 0, bucket b >= 1 holds [2^(b-1), 2^b), like
 *   bpftrace's hist(); KSNOOP_LOG2_BUCKETS (65) buckets cover every u64.
 * - log2-linear: each power of two [2^e, 2^(e+1)) split into
 *   KSNOOP_LOG2LIN_SUB equal sub-buckets, values below KSNOOP_LOG2LIN_SUB
 *   exact. A bucket is at most 1/KSNOOP_LOG2LIN_SUB (12.5%) of its lower
 *   bound wide, so a percentile read from it is within that of the truth, at
 *   any scale (latencies from nanoseconds to hours). KSNOOP_LOG2LIN_BUCKETS
 *   (496) buckets cover every u64.
 *
 * Both are branch-light and loop-free, for the verifier and for cost.
 */
#ifndef __KSNOOP_BUCKET_H
#define __KSNOOP_BUCKET_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define KSNOOP_LOG2_BUCKETS	65
#define KSNOOP_LOG2LIN_SUB_BITS 3
#define KSNOOP_LOG2LIN_SUB	(1 << KSNOOP_LOG2LIN_SUB_BITS)
#define KSNOOP_LOG2LIN_BUCKETS	((65 - KSNOOP_LOG2LIN_SUB_BITS) << KSNOOP_LOG2LIN_SUB_BITS)

/*
 * In BPF code, @v's value made opaque to the compiler here: a step of
 * ksnoop_ilog2() is then a branch over its shift and add, where clang would
 * otherwise compute both outcomes and pick one with a second compare (BPF
 * has no conditional move).
 */
#ifdef __bpf__
#define KSNOOP_BUCKET_OPAQUE(v) asm volatile("" : "+r"(v))
#else
#define KSNOOP_BUCKET_OPAQUE(v) ((void)0)
#endif

/* One step of ksnoop_ilog2(): @v has a bit at 2^@k or above. */
#define KSNOOP_ILOG2_STEP(v, r, k)                                                                 \
	do {                                                                                       \
		if ((v) >> (k)) {                                                                  \
			(v) >>= (k);                                                               \
			(r) += (k);                                                                \
			KSNOOP_BUCKET_OPAQUE(v);                                                   \
		}                                                                                  \
	} while (0)

/*
 * floor(log2(v)) for v > 0; 0 for v == 0. A binary search: a compare per
 * step and, where it holds, a shift and an add.
 */
static __always_inline __u32 ksnoop_ilog2(__u64 v)
{
	__u32 r = 0;

	KSNOOP_ILOG2_STEP(v, r, 32);
	KSNOOP_ILOG2_STEP(v, r, 16);
	KSNOOP_ILOG2_STEP(v, r, 8);
	KSNOOP_ILOG2_STEP(v, r, 4);
	KSNOOP_ILOG2_STEP(v, r, 2);
	return r + (__u32)(v >> 1);
}

/* The log2 bucket of @v: 0 for 0, else floor(log2(v)) + 1. */
static __always_inline __u32 ksnoop_bucket_log2(__u64 v)
{
	return v ? ksnoop_ilog2(v) + 1 : 0;
}

/* The log2-linear bucket of @v, 0 .. KSNOOP_LOG2LIN_BUCKETS - 1. */
static __always_inline __u32 ksnoop_bucket_log2lin(__u64 v)
{
	__u32 e;

	if (v < KSNOOP_LOG2LIN_SUB)
		return v;
	e = ksnoop_ilog2(v);
	return ((e - KSNOOP_LOG2LIN_SUB_BITS + 1) << KSNOOP_LOG2LIN_SUB_BITS) +
	       ((v >> (e - KSNOOP_LOG2LIN_SUB_BITS)) & (KSNOOP_LOG2LIN_SUB - 1));
}

/*
 * A bucket by table, for the BPF program (--stats: log2-linear, --hist:
 * log2): @tbl holds the buckets of the values below KSNOOP_BUCKET_TBL (filled
 * by userspace from ksnoop_bucket_log2lin() or ksnoop_bucket_log2(), so that
 * one definition holds), and in both layouts a value of 2^@sub_bits or more
 * (@sub_bits: KSNOOP_LOG2LIN_SUB_BITS, or 0 for log2) shifted right by k bits
 * is in the bucket k << @sub_bits lower. So a value is shifted by a multiple
 * of 8 bits into the table's range, which keeps at least 5 of its top bits:
 * a compare or three and a load (values up to 2^28), where the binary search
 * of ksnoop_ilog2() runs five steps.
 */
#define KSNOOP_BUCKET_TBL_BITS 12
#define KSNOOP_BUCKET_TBL      (1 << KSNOOP_BUCKET_TBL_BITS)

#define KSNOOP_BUCKET_TBL_STEP(tbl, v, k, sub_bits)                                                \
	do {                                                                                       \
		if ((v) < 1ULL << ((k) + KSNOOP_BUCKET_TBL_BITS))                                  \
			return (tbl)[(v) >> (k)] + ((k) << (sub_bits));                            \
	} while (0)

static __always_inline __u32 ksnoop_bucket_tbl(const __u8 *tbl, __u64 v, int sub_bits)
{
	KSNOOP_BUCKET_TBL_STEP(tbl, v, 0, sub_bits);
	KSNOOP_BUCKET_TBL_STEP(tbl, v, 8, sub_bits);
	KSNOOP_BUCKET_TBL_STEP(tbl, v, 16, sub_bits);
	KSNOOP_BUCKET_TBL_STEP(tbl, v, 24, sub_bits);
	KSNOOP_BUCKET_TBL_STEP(tbl, v, 32, sub_bits);
	KSNOOP_BUCKET_TBL_STEP(tbl, v, 40, sub_bits);
	KSNOOP_BUCKET_TBL_STEP(tbl, v, 48, sub_bits);
	/* below 2^64: 56 bits shifted out leave fewer than KSNOOP_BUCKET_TBL */
	return tbl[v >> 56] + (56 << sub_bits);
}

/* Fill ksnoop_bucket_tbl()'s @tbl for log2-linear buckets (@log2lin) or log2 ones. */
static inline void ksnoop_bucket_tbl_fill(__u8 *tbl, int log2lin)
{
	__u32 v;

	for (v = 0; v < KSNOOP_BUCKET_TBL; v++)
		tbl[v] = log2lin ? ksnoop_bucket_log2lin(v) : ksnoop_bucket_log2(v);
}

/*
 * Bounds of a bucket, [lo, hi): hi saturates at ~0ULL for the last bucket
 * (its true bound, 2^64, does not fit). For userspace, which prints them.
 */
static inline __u64 ksnoop_log2_lo(__u32 b)
{
	return b ? 1ULL << (b - 1) : 0;
}

static inline __u64 ksnoop_log2_hi(__u32 b)
{
	return b >= 64 ? ~0ULL : 1ULL << b;
}

static inline __u64 ksnoop_log2lin_lo(__u32 b)
{
	__u32 g = b >> KSNOOP_LOG2LIN_SUB_BITS;

	if (!g)
		return b;
	return (__u64)(KSNOOP_LOG2LIN_SUB + (b & (KSNOOP_LOG2LIN_SUB - 1))) << (g - 1);
}

static inline __u64 ksnoop_log2lin_hi(__u32 b)
{
	__u32 g = b >> KSNOOP_LOG2LIN_SUB_BITS;

	if (b + 1 >= KSNOOP_LOG2LIN_BUCKETS)
		return ~0ULL;
	return g ? ksnoop_log2lin_lo(b) + (1ULL << (g - 1)) : b + 1ULL;
}

#endif /* __KSNOOP_BUCKET_H */
