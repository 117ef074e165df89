/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --hist and --count-by in the kernel: count a value of each call, per
 * function, into a histogram ("hist") or a bounded key map ("counts"), from
 * agg_call() (bpf/agg.h) once the call's predicates held. The value is item 0
 * of the plan, read by capture_item() into this CPU's record like any item,
 * the call's duration, the task's comm, or the call site it was called from
 * (include/ksnoop.h). Included by
 * capture.bpf.c after capture_items().
 */
#ifndef __KSNOOP_BPF_AGG_VALUE_H
#define __KSNOOP_BPF_AGG_VALUE_H

/*
 * Written by userspace before load. Constants to the verifier, which keeps
 * only the code of the source and the buckets in use.
 */
const volatile struct ksnoop_agg_conf agg_conf;

/*
 * Set by userspace before load, with agg_lean, when every function counts
 * its item 0 read the same way (src/agg.c agg_item_same()): the lean path
 * then reads that item here and looks no plan up, and the verifier keeps only
 * the pointer steps, the read and the integer conversion it needs.
 */
const volatile bool agg_item_same;
const volatile struct ksnoop_item agg_item;

/*
 * Set by userspace before load, with agg_item_same and --entry, when the
 * verifier types agg_item's whole path (src/agg.c agg_typed_ok()): a program
 * of its own per function (the fentry backend), whose context the verifier
 * types by the function's prototype, so that the base argument is a BTF
 * pointer and each step a member load it checks against the kernel's BTF (a
 * fault reads 0). The stub then reads the item by direct loads
 * (fentry_typed()): no bpf_probe_read_kernel() call. --hist counts it there;
 * --count-by hands ksnoop_count() its value, not the base register, which
 * counts it at once (count_typed()).
 */
const volatile bool agg_typed;

struct ksnoop_hist_map hist SEC(".maps");

struct ksnoop_counts_map counts SEC(".maps");

struct ksnoop_count_key_map count_key SEC(".maps");

/* When agg_value_when() says to count the value of a call. */
enum agg_when {
	AGG_NEVER, /* too deep to pair while returns are traced: its return is not seen */
	AGG_LATER, /* at its return: the entry goes on */
	AGG_NOW,
};

/*
 * --count-by caller: the return address in the frame after @plan's function's
 * own among the frames the entry's stub read, or 0 if its frame is not there.
 * The backend's frames (BPF program, trampoline, kprobe handlers) come first
 * and are skipped: every backend gives the same caller.
 */
static __always_inline __u64 caller_of(const struct ksnoop_plan *plan, const struct scratch *sc)
{
	__u32 i, n = sc->frames_len / sizeof(__u64);

	for (i = 0; i + 1 < KSNOOP_CALLER_FRAMES; i++) {
		if (i + 1 >= n)
			break;
		if (sc->frames[i] - plan->text_addr < plan->text_size)
			return sc->frames[i + 1];
	}
	return 0;
}

/*
 * When to count the value of this call (@hdr as ksnoop_begin() returned it):
 * at the entry when no return is traced (userspace sets --entry when every
 * value is read at entry), else at the return.
 */
static __always_inline enum agg_when agg_value_when(__u32 is_exit, __u32 hdr)
{
	if (!is_exit && !(hdr & KSNOOP_R_NOEXIT))
		return AGG_LATER;
	if (!is_exit && !entry_only)
		return AGG_NEVER;
	return AGG_NOW;
}

/*
 * Count the value of this call of @func, per agg_conf.src: the call's
 * duration @lat_ns (~0ULL: unknown), the task's comm, the call site @v
 * (--count-by caller, 0: not found), or item 0 (--hist: its integer value @v,
 * @is_signed; --count-by: its @len bytes at @data, any kernel address), or
 * that it was @unreadable. Returns 1.
 */
static __always_inline int agg_value_add(__u32 func, __u64 lat_ns, __u64 v, bool is_signed,
					 const void *data, __u32 len, bool unreadable)
{
	struct ksnoop_count_key *key;
	__u32 key0 = 0, n;

	if (agg_mode == KSNOOP_AGG_HIST) {
		if (agg_conf.src == KSNOOP_SRC_DURATION) {
			if (lat_ns != ~0ULL)
				hist_add(func, lat_ns, false, false);
			return 1;
		}
		hist_add(func, v, unreadable, is_signed);
		return 1;
	}
	if (agg_conf.src == KSNOOP_SRC_COMM) {
		comm_add(func);
		return 1;
	}
	key = bpf_map_lookup_elem(&count_key, &key0);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	key->func = func;
	if (agg_conf.src == KSNOOP_SRC_CALLER) {
		if (v) {
			__builtin_memcpy(key->data, &v, sizeof(v));
			key->len = sizeof(v);
		} else {
			key->flags = KSNOOP_V_UNREADABLE;
		}
	} else if (unreadable) {
		key->flags = KSNOOP_V_UNREADABLE;
	} else {
		n = len > KSNOOP_KEY_MAX ? KSNOOP_KEY_MAX : len;
		barrier_var(n);
		if (n > KSNOOP_KEY_MAX)
			return 0;
		if (bpf_probe_read_kernel(key->data, n, data))
			key->flags = KSNOOP_V_UNREADABLE; /* the helper zeroed the bytes */
		else
			key->len = n;
	}
	key_add(key);
	return 1;
}

/*
 * Count the value of this call of @func (@hdr as ksnoop_begin() returned
 * it, @lat_ns as agg_call() has it) from the record capture_items() built.
 * Returns 1 if the call goes on (an entry whose return counts, or counted),
 * 0 if not counted.
 */
__noinline int agg_value(__u32 func, __u32 is_exit, __u32 hdr, __u64 lat_ns)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	/* item 0 is captured first: its value starts the record's data */
	const struct ksnoop_val *val;
	struct scratch *sc = ksnoop_scratch();
	enum agg_when when = agg_value_when(is_exit, hdr);
	bool unreadable = false;
	__u64 v = 0;

	if (!plan || !sc)
		return 0;
	if (when != AGG_NOW)
		return when == AGG_LATER;
	val = (const void *)(sc->buf + sizeof(struct ksnoop_rec));
	if (agg_conf.src == KSNOOP_SRC_ITEM) {
		/* the record holds this phase's items only if they were captured */
		if (!(plan->flags & (is_exit ? KSNOOP_P_EXIT_PRED : KSNOOP_P_ENTRY_PRED)) ||
		    !sc->nvals || val->item != 0)
			return 0;
		unreadable = val->flags & KSNOOP_V_UNREADABLE;
		if (!unreadable)
			v = pred_load(&plan->items[0], val->data);
	} else if (agg_conf.src == KSNOOP_SRC_CALLER) {
		/* counted at entry only (hist_check()): the frames are this call's */
		v = is_exit ? 0 : caller_of(plan, sc);
	}
	return agg_value_add(func, lat_ns, v, plan->items[0].flags & KSNOOP_I_SIGNED, val->data,
			     val->len, unreadable);
}

/*
 * The counting half of the lean path (ksnoop_count()): count this call of
 * @func (@hdr as ksnoop_pair() returned it, with KSNOOP_HDR_EXIT at the
 * return and KSNOOP_HDR_NOREG if the stub could not read the register) from
 * register @reg, the return value at the return, item 0's base argument at
 * entry. Item 0 is read straight from it, into the stack or the key: no
 * scratch record, no per-item call. @lat_ns: the call's duration, ~0ULL at
 * entry. Returns 1 if the call goes on or was counted.
 */
static __always_inline int count_value(__u32 func, __u32 hdr, __u64 reg, __u64 lat_ns)
{
	const struct ksnoop_plan *plan;
	bool unreadable = hdr & KSNOOP_HDR_NOREG, is_signed = false;
	__u32 is_exit = hdr & KSNOOP_HDR_EXIT;
	enum agg_when when = agg_value_when(is_exit, hdr);
	const struct ksnoop_item *it;
	const void *data;
	__u64 buf = 0, v = 0;
	__u32 len = 0;

	if (agg_mode == KSNOOP_AGG_STATS)
		return agg_stats_func(func, is_exit, hdr, reg, lat_ns);
	if (when != AGG_NOW)
		return when == AGG_LATER;
	data = &buf;
	if (agg_conf.src == KSNOOP_SRC_ITEM) {
		if (agg_item_same) {
			it = KSNOOP_RODATA(struct ksnoop_item, &agg_item);
		} else {
			plan = bpf_map_lookup_elem(&plans, &func);
			if (!plan)
				return 0;
			it = &plan->items[0];
		}
		if (!unreadable)
			unreadable = item_chase(it, &reg) != 0;
		if (unreadable) {
			/* nothing to read */
		} else if (agg_mode == KSNOOP_AGG_HIST) {
			unreadable = item_load8(it, reg, &buf) != 0;
		} else if (it->flags & KSNOOP_I_MEM) {
			data = (const void *)(reg + it->off);
			len = it->size;
		} else {
			buf = reg;
			len = it->size > sizeof(buf) ? sizeof(buf) : it->size;
		}
		/* --hist's integer, from the stack whatever the mode: never a kernel address */
		if (!unreadable)
			v = pred_load(it, &buf);
		is_signed = it->flags & KSNOOP_I_SIGNED;
	}
	return agg_value_add(func, lat_ns, v, is_signed, data, len, unreadable);
}

/*
 * count_value() as a global function: after ksnoop_pair() the verifier walks
 * it once, not once per path through the pairing (a fifth more instructions
 * to verify per program, which is attach time where each function loads its
 * own copy).
 */
__noinline int ksnoop_count_value(__u32 func, __u32 hdr, __u64 reg, __u64 lat_ns)
{
	return count_value(func, hdr, reg, lat_ns);
}

/*
 * agg_typed: count item 0's value @v of a call of @func at its entry, as the
 * stub read it (zero-extended, or an array's bytes in this CPU's count_key;
 * @unreadable: a NULL pointer on its way), with
 * none of count_value()'s choices made at run time: --entry, the item and
 * its size are constants.
 */
static __always_inline int count_typed(__u32 func, __u64 v, bool unreadable)
{
	const struct ksnoop_item *it = KSNOOP_RODATA(struct ksnoop_item, &agg_item);
	struct ksnoop_count_key key, *area;
	__u32 key0 = 0, i;

	/* --hist: the fentry stub counted it (fentry_count()) */
	if (agg_mode != KSNOOP_AGG_COUNT)
		return 0;
	if (it->size > sizeof(v)) {
		/* an array: its bytes are in this CPU's count_key (fentry_typed()) */
		area = bpf_map_lookup_elem(&count_key, &key0);
		if (!area)
			return 0;
		*(__u64 *)area = 0; /* func, len, flags, pad */
		area->func = func;
		if (!unreadable) {
			area->len = it->size;
		} else {
			area->flags = KSNOOP_V_UNREADABLE;
			for (i = 0;
			     i < KSNOOP_KEY_MAX / sizeof(__u64) && i * sizeof(__u64) < it->size;
			     i++)
				((__u64 *)area->data)[i] = 0;
		}
		key_add(area);
		return 1;
	}
	/* the map's keys are the first 16 bytes: agg_conf.key_len is 8 (count_key_len()) */
	*(__u64 *)&key = 0; /* func, len, flags, pad */
	key.func = func;
	if (unreadable) {
		key.flags = KSNOOP_V_UNREADABLE;
		*(__u64 *)key.data = 0;
	} else {
		key.len = it->size;
		*(__u64 *)key.data = v;
	}
	key_add(&key);
	return 1;
}

/*
 * The lean path of the counting modes (agg_lean, bpf/agg.h), called by the
 * stub instead of ksnoop_begin(): pair the call (ksnoop_pair(): nothing with
 * --entry) and count it with ksnoop_count_value() from the one register the
 * stub read (@flags KSNOOP_HDR_NOREG: the call has no such argument), unless
 * it is an entry whose return will count it. No scratch record, no lock: the
 * times stay on this run's stack, and a run nested in another on the CPU (an
 * interrupt) keeps its own. Returns 1 if the call goes on or was counted.
 */
__noinline int ksnoop_count(__u32 func, __u32 is_exit, __u32 flags, __u64 reg)
{
	__u64 now = 0, entry_ns = 0;
	int hdr;

	if (func >= KSNOOP_MAX_FUNCS)
		return 0;
	/* agg_typed (--entry): @reg is the value */
	if (agg_typed)
		return count_typed(func, reg, flags & KSNOOP_HDR_NOREG);
	/* --entry, nothing to pair: counted here, a global call cheaper */
	if (entry_only)
		return count_value(func, KSNOOP_R_NOEXIT | flags, reg, ~0ULL);
	hdr = ksnoop_pair(func, is_exit, false, true, &now, &entry_ns);
	if (hdr < 0)
		return 0;
	if (!is_exit && !(hdr & KSNOOP_R_NOEXIT))
		return 1; /* counted at its return, whatever the mode */
	return ksnoop_count_value(func, hdr | flags | (is_exit ? KSNOOP_HDR_EXIT : 0), reg,
				  is_exit ? now - entry_ns : ~0ULL);
}

#endif /* __KSNOOP_BPF_AGG_VALUE_H */
