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

#include "ksnoop_hist.h"

/* Written by userspace before load; .bss, as agg_mode. */
struct ksnoop_agg_conf agg_conf;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized to functions * agg_conf.nslots with --hist */
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1); /* resized to --max-keys with --count-by */
	__type(key, struct ksnoop_count_key);
	__type(value, __u64);
} counts SEC(".maps");

/* Where a key is built: 72 bytes would weigh on the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksnoop_count_key);
} count_key SEC(".maps");

/* --hist: count value @v (or an unreadable one) of function @func into its slot. */
static __always_inline void hist_add(__u32 func, __u64 v, bool unreadable, bool is_signed)
{
	__u32 slot = unreadable ? agg_conf.nslots - 1 : ksnoop_hist_slot(&agg_conf, v, is_signed);
	__u32 key = func * agg_conf.nslots + slot;
	__u64 *c = bpf_map_lookup_elem(&hist, &key);

	/* atomic: a traced call in an interrupt may count on this CPU meanwhile */
	if (c)
		__sync_fetch_and_add(c, 1);
}

/* --count-by: count @key; an insert into the full map is counted, never silent. */
static __always_inline void key_add(struct ksnoop_count_key *key)
{
	__u64 one = 1, *c = bpf_map_lookup_elem(&counts, key);
	long err;

	if (c) {
		__sync_fetch_and_add(c, 1);
		return;
	}
	err = bpf_map_update_elem(&counts, key, &one, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU inserted it meanwhile, our slot is 0 */) {
		c = bpf_map_lookup_elem(&counts, key);
		if (c)
			__sync_fetch_and_add(c, 1);
	} else if (err) {
		count(KSNOOP_STAT_KEYS_FULL);
	}
}

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
 * Count the value of this call of @func (@hdr as ksnoop_begin() returned
 * it): at the entry when no return is traced (userspace sets --entry when
 * every value is read at entry), else at the return. Returns 1 if the call
 * goes on (an entry whose return counts, or counted), 0 if not counted.
 */
__noinline int agg_value(__u32 func, __u32 is_exit, __u32 hdr)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	/* item 0 is captured first: its value starts the record's data */
	const struct ksnoop_val *val;
	struct scratch *sc = ksnoop_scratch();
	struct ksnoop_count_key *key;
	__u32 key0 = 0, n;
	bool unreadable = false;
	__u64 v = 0;

	if (!plan || !sc)
		return 0;
	if (!is_exit && !(hdr & KSNOOP_R_NOEXIT))
		return 1;
	/* too deep to pair while returns are traced: the value of its return is not seen */
	if (!is_exit && !entry_only)
		return 0;
	val = (const void *)(sc->buf + sizeof(struct ksnoop_rec));
	if (agg_conf.src == KSNOOP_SRC_ITEM) {
		/* the record holds this phase's items only if they were captured */
		if (!(plan->flags & (is_exit ? KSNOOP_P_EXIT_PRED : KSNOOP_P_ENTRY_PRED)) ||
		    !sc->nvals || val->item != 0)
			return 0;
		unreadable = val->flags & KSNOOP_V_UNREADABLE;
	}
	if (agg_mode == KSNOOP_AGG_HIST) {
		if (agg_conf.src == KSNOOP_SRC_DURATION) {
			v = agg_latency(hdr);
			if (v != ~0ULL)
				hist_add(func, v, false, false);
			return 1;
		}
		if (!unreadable)
			v = pred_load(&plan->items[0], val->data);
		hist_add(func, v, unreadable, plan->items[0].flags & KSNOOP_I_SIGNED);
		return 1;
	}
	key = bpf_map_lookup_elem(&count_key, &key0);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	key->func = func;
	if (agg_conf.src == KSNOOP_SRC_COMM) {
		bpf_get_current_comm(key->data, KSNOOP_TASK_COMM_LEN);
		key->len = KSNOOP_TASK_COMM_LEN;
	} else if (agg_conf.src == KSNOOP_SRC_CALLER) {
		/* counted at entry only (hist_check()): the frames are this call's */
		v = is_exit ? 0 : caller_of(plan, sc);
		if (v) {
			__builtin_memcpy(key->data, &v, sizeof(v));
			key->len = sizeof(v);
		} else {
			key->flags = KSNOOP_V_UNREADABLE;
		}
	} else if (unreadable) {
		key->flags = KSNOOP_V_UNREADABLE;
	} else {
		n = val->len > KSNOOP_KEY_MAX ? KSNOOP_KEY_MAX : val->len;
		barrier_var(n);
		if (n > KSNOOP_KEY_MAX)
			return 0;
		bpf_probe_read_kernel(key->data, n, val->data);
		key->len = n;
	}
	key_add(key);
	return 1;
}

#endif /* __KSNOOP_BPF_AGG_VALUE_H */
