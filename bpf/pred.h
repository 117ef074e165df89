/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Predicates in the kernel: does an item's value satisfy its "== 3",
 * "> 0x10" or "== \"tcp*\"" (the operators of enum ksnoop_pred_op)?
 * Asked at entry without the scratch area, from at most 8 bytes
 * (ksnoop_item_fails(): integers exactly, strings by their first bytes), and
 * on the captured copy (pred_fails(), from capture_item()). A new predicate's
 * evaluation goes here.
 *
 * Included by capture.bpf.c after its maps, settings and item readers
 * (item_chase(), item_load8()), like agg.h: one program, split by subject.
 * The integer compare itself (pred_load(), pred_holds()) is in capture.h,
 * where the fentry stub's typed predicate uses it too.
 */
#ifndef __KSNOOP_BPF_PRED_H
#define __KSNOOP_BPF_PRED_H

/*
 * Does string predicate @it surely fail for the value its steps led to (@v)?
 * Only the first 8 bytes are read, and compared with the bytes every matching
 * string starts with (struct ksnoop_pattern's prefix): most strings that do
 * not match are told apart there, before anything is copied. 0: it may hold,
 * capture_item() decides on the whole string. '!=' is left to it too.
 */
static __always_inline int spred_prefix_fails(const struct ksnoop_item *it, __u64 v)
{
	const struct ksnoop_pattern *p;
	void *addr = (void *)(v + it->off);
	__u32 idx = it->value, n = it->size;
	__u64 w = 0;

	if (it->op == KSNOOP_OP_NE)
		return 0;
	p = bpf_map_lookup_elem(&patterns, &idx);
	if (!p || !p->prefix_mask)
		return 0;
	if (it->flags & KSNOOP_I_STR) {
		/*
		 * A char * string, kernel or user memory as in capture_item().
		 * A string ending in its page's last bytes cannot be read 8
		 * bytes at a time: left to capture_item().
		 */
		if (bpf_probe_read_kernel(&w, sizeof(w), addr) &&
		    bpf_probe_read_user(&w, sizeof(w), addr))
			return 0;
		/* The matcher sees at most size - 1 bytes of it (the copy keeps a NUL). */
		n = n ? n - 1 : 0;
	} else if (item_load8(it, v, &w)) {
		return 1; /* an unreadable char[N] fails, as in capture_item() */
	}
	return ksnoop_pattern_prefix_fails(p, w, n);
}

/*
 * Does predicate item @it surely fail, its base register being @v, from at
 * most 8 bytes of its value (no scratch area: ksnoop_item_fails())? Exact
 * for integers; strings by their prefix, 0 if undecided. Like capture_item(),
 * an unreadable value fails.
 */
static __always_inline int pred_fails_early(const struct ksnoop_item *it, __u64 v)
{
	__u64 buf = 0;

	if (item_chase(it, &v))
		return 1;
	if (it->flags & KSNOOP_I_SPRED)
		return str_preds ? spred_prefix_fails(it, v) : 0;
	if (item_load8(it, v, &buf))
		return 1;
	return !pred_holds(it, pred_load(it, &buf));
}

/*
 * Global, and called by ksnoop_nested() too: verified once, not per caller.
 */
__noinline int ksnoop_item_fails(__u32 func, __u32 i, __u64 v)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	const struct ksnoop_item *it;

	if (!plan || i >= plan->nitems)
		return 0;
	it = &plan->items[i & (KSNOOP_MAX_ITEMS - 1)];
	if (!(it->flags & KSNOOP_I_PRED) || it->base == KSNOOP_BASE_RET)
		return 0;
	return pred_fails_early(it, v);
}

/*
 * Does item @i of function @func's plan fail its predicate, for the value
 * whose bytes are at @raw_off in this CPU's record? A global function of its
 * own: the many paths of an integer compare and the string matcher's loop are
 * verified once.
 */
__noinline int pred_fails(__u32 func, __u32 i, __u32 raw_off)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	struct scratch *sc = ksnoop_scratch();
	const struct ksnoop_pattern *p;
	const struct ksnoop_item *it;
	__u32 idx;
	bool match;

	if (!plan || !sc)
		return 1;
	it = &plan->items[i & (KSNOOP_MAX_ITEMS - 1)];
	if (!str_preds || !(it->flags & KSNOOP_I_SPRED))
		return !pred_holds(it, pred_load(it, sc->buf + (raw_off & (KSNOOP_SCRATCH - 1))));
	idx = it->value;
	p = bpf_map_lookup_elem(&patterns, &idx);
	if (!p)
		return 1;
	/* A char[N] is N bytes, a char * string at most size with its NUL. */
	match = ksnoop_pattern_match(p, sc->buf, raw_off, KSNOOP_SCRATCH - 1, it->size);
	return it->op == KSNOOP_OP_NE ? match : !match;
}

#endif /* __KSNOOP_BPF_PRED_H */
