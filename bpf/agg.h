/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aggregation in the kernel (--stats): instead of a record per call, count
 * each call into per-CPU maps that userspace reads and sums (src/agg.c).
 * Included by capture.bpf.c after its maps: the call
 * bookkeeping (thread depth, entry time per depth, the CPU's scratch lock,
 * predicates) is the record path's, only the last step differs:
 *
 *	ksnoop_begin()	push the depth and entry time / pop them (unchanged)
 *	stub		save registers and return value (unchanged)
 *	ksnoop_finish()	agg_call() instead of emit()
 *
 * (the counting itself, agg_count() and agg_stats(), is in bpf/capture.h,
 * where the session stubs reach it) or, with agg_lean, the lean path of
 * counting modes without predicates:
 *
 *	stub		the one register the count needs (ret, item 0's base)
 *	ksnoop_count()	push the depth and entry time / pop them (ksnoop_pair(),
 *			nothing with --entry), no lock; count (bpf/agg_value.h)
 *
 * and with agg_typed (bpf/agg_value.h; --entry, per-function fentry) the
 * fentry stub reads item 0 itself by direct loads, ksnoop_count() counts it.
 *
 * An entry whose predicates fail is "not emitted": ksnoop_finish() clears its
 * mark and ksnoop_begin() skips its return, so it is not counted.
 */
#ifndef __KSNOOP_BPF_AGG_H
#define __KSNOOP_BPF_AGG_H

/*
 * enum ksnoop_agg_mode, set by userspace before load: a constant, so that
 * the verifier keeps only the mode's code (the fentry backend rebuilds the
 * BTF func_info of the subprograms this leaves unused for its copies: see
 * src/be_fentry.c func_info_get()).
 */
const volatile __u32 agg_mode;

/*
 * Set by userspace before load (a constant, as agg_mode) when no plan needs
 * the record path's machinery (src/agg.c agg_lean_ok()): no predicate, and
 * the counted value, if any, is an integer or bytes read from one register.
 * The stubs then count through ksnoop_count() (bpf/agg_value.h) with the one
 * register it needs: no register save area, no scratch record, no per-CPU
 * lock (a run shares only atomic counters and its own level of struct
 * cpu_run's durations), no per-item global calls.
 */
const volatile bool agg_lean;

/*
 * --stats, set by userspace when every traced function's plan has the same
 * ret_kind and ret_size (src/agg.c agg_ret_same()): these, as constants.
 */
const volatile bool agg_ret_same;
const volatile __u8 agg_ret_kind;
const volatile __u8 agg_ret_size;

/*
 * ksnoop_bucket_tbl()'s table, filled by userspace (src/attach.c): --stats's
 * log2-linear buckets, or --hist's log2 ones.
 */
const volatile __u8 agg_bucket_tbl[KSNOOP_BUCKET_TBL];

/* Bumped by userspace at each interval (bpf/capture.h says why). */
volatile __u64 agg_epoch;

struct ksnoop_aggs_map aggs SEC(".maps");

/* Defined in capture.bpf.c, after this file's place. */
static __always_inline int capture_items(__u32 func, __u32 is_exit);
static __always_inline int ksnoop_pair(__u32 func, __u32 is_exit, bool nested, bool lean,
				       __u64 *now, __u64 *entry_ns);
/* --hist, --count-by (bpf/agg_value.h, included after capture_items()). */
__noinline int agg_value(__u32 func, __u32 is_exit, __u32 hdr, __u64 lat_ns);

/*
 * agg_mode's ksnoop_finish(): evaluate this phase's predicates if the plan
 * has any, then count the call at its return, or at entry when no return
 * will come. @hdr as ksnoop_begin() returned it; @lat_ns the call's duration
 * at its return (from the entry time ksnoop_begin() kept at its depth), ~0ULL
 * at entry. Returns 1 if the call goes on (entry accepted, or counted), 0 if a
 * predicate rejected it.
 */
__noinline int agg_call(__u32 func, __u32 is_exit, __u32 hdr, __u64 lat_ns)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	struct scratch *sc = ksnoop_scratch();

	if (!plan || !sc)
		return 0;
	if (plan->flags & (is_exit ? KSNOOP_P_EXIT_PRED : KSNOOP_P_ENTRY_PRED))
		if (capture_items(func, is_exit))
			return 0;
	if (agg_mode != KSNOOP_AGG_STATS)
		return agg_value(func, is_exit, hdr, lat_ns);
	return agg_stats(plan->ret_kind, plan->ret_size, func, is_exit, hdr, sc->r.ret, lat_ns);
}
#endif /* __KSNOOP_BPF_AGG_H */
