/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a backend's entry stub (bpf/<backend>.bpf.c) shares with the capture
 * code (bpf/capture.bpf.c). The objects are linked into one with `bpftool gen
 * object`: maps and read-only settings are defined in capture.bpf.c and
 * declared extern here, the capture functions are global.
 *
 * A stub reduces its context to (function id, registers, return value):
 *
 *	sb = stub.bits;				the settings, read once
 *	if ((sb & KSNOOP_SB_CHAIN) && ksnoop_chain_closed(func))
 *		return 0;			-s: outside every chain
 *	if (ksnoop_skip_task(sb))		filters on the calling task
 *		return 0;
 *	if (is_exit && ksnoop_no_calls(sb))	no call in progress anywhere
 *		return 0;				(fentry: before the filters)
 *	(fentry, pred_typed: the first entry predicate by direct loads, before
 *	"stopped"; a call it rejects goes to ksnoop_begin(func, 0, 1) unless
 *	ksnoop_reject_keeps_nothing(sb))
 *	rejected = ksnoop_item_fails(func, i, v)	at entry: the plan's first
 *						predicate, from its base register v
 *	hdr = ksnoop_begin(func, is_exit, rejected);	call depth, per-CPU lock
 *	if (hdr == KSNOOP_BEGIN_SKIP)
 *		return 0;
 *	r = ksnoop_regs(hdr);			fill r->args, nargs, ret, ip
 *	ksnoop_end(func, is_exit, hdr);		send the record and unlock, or
 *						count a nested run's loss
 *
 * ksnoop_end() must follow every ksnoop_begin() that did not skip, even when
 * ksnoop_regs() found no area (it releases the CPU's lock).
 *
 * The fentry stub's lean record path (KSNOOP_SB_REC_LEAN) takes no lock and no
 * scratch area: after the filters, hdr = ksnoop_rec_pair(func, is_exit), then
 * the record built in the ring buffer by the stub, or ksnoop_rec_lost(). With
 * returns, one record per call where the trampoline's frame finds a slot: no
 * pairing here, the entry's record kept in the slot until the return.
 */
#ifndef __KSNOOP_CAPTURE_H
#define __KSNOOP_CAPTURE_H

#include "ksnoop.h"
#include "ksnoop_hist.h"

/* A traced call's registers, as a stub saves them. */
struct ksnoop_regs {
	__u64 args[KSNOOP_MAX_ARGS];
	__u64 ret;
	__u64 ip;
	__u32 nargs;
	__u32 stack_id; /* --kstack: the entry's id in "stacks" + 1; 0: none */
};

/*
 * Per-CPU scratch (index = CPU id; too big for a per-CPU map): the traced
 * call's registers, saved by the stub, then the record being built.
 */
struct scratch {
	struct ksnoop_regs r;
	__u32 off; /* where the next value goes in buf */
	__u32 nvals;
	__u32 failed;	  /* a predicate failed: no record */
	__u32 frames_len; /* --count-by caller: bytes of frames the entry's stub read */
	__u64 frames[KSNOOP_CALLER_FRAMES]; /* --count-by caller: the stack at entry */
	__u8 buf[KSNOOP_SCRATCH];
	__u8 slack[8]; /* lets an 8-byte read at any masked offset into buf stay in bounds */
};

/* Named, so that capture.bpf.c's definition matches the declaration below. */
struct ksnoop_scratch_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized to the number of possible CPUs */
	__type(key, __u32);
	__type(value, struct scratch);
};

/* Function id -> struct ksnoop_plan, written by userspace. */
struct ksnoop_plans_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized to the number of functions before load */
	__type(key, __u32);
	__type(value, struct ksnoop_plan);
};

/* Function address -> function id, for kernels without tracing attach cookies. */
struct ksnoop_func_ids_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized to the number of functions without cookies */
	__type(key, __u64);
	__type(value, __u32);
};

/* A nested run's registers (the scratch area is busy): one per CPU. */
struct ksnoop_nest_regs_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksnoop_regs);
};

/* --kstack: kernel stacks at entry, deduplicated by the kernel (bpf_get_stackid()). */
struct ksnoop_stacks_map {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1); /* resized by userspace with --kstack */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64)); /* --kstack=N: N frames */
};

/* Compiled string operands and --comm globs (struct ksnoop_pattern), by index. */
struct ksnoop_patterns_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized to the number of patterns */
	__type(key, __u32);
	__type(value, struct ksnoop_pattern);
};

/* --cgroup: the cgroup v2 directory, for bpf_current_task_under_cgroup(). */
struct ksnoop_cgroup_map {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

/* --count-by: where a key is built (72 bytes would weigh on the 512-byte stack). */
struct ksnoop_count_key_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksnoop_count_key);
};

/* Event counters (enum ksnoop_stat), per CPU: count(). */
struct ksnoop_stats_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSNOOP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
};

/*
 * --count-by: the counts by key (key_add()). Sizes, not BTF types: userspace
 * shortens the key (struct ksnoop_count_key).
 */
struct ksnoop_counts_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1); /* resized to --max-keys with --count-by */
	__uint(key_size, sizeof(struct ksnoop_count_key));
	__uint(value_size, sizeof(__u64));
};

/* --hist: the histograms' slots, per function (hist_add()). */
struct ksnoop_hist_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized to functions * agg_conf.nslots with --hist */
	__type(key, __u32);
	__type(value, __u64);
};

/* The records, for userspace (emit(); the fentry stub's lean record path). */
struct ksnoop_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by userspace (-P) */
};

/* --stats: a struct ksnoop_agg per function and CPU (agg_count()). */
struct ksnoop_aggs_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized to the number of functions in agg_mode */
	__type(key, __u32);
	__type(value, struct ksnoop_agg);
};

/* Defined in capture.bpf.c (and bpf/agg.h, which it includes). */
extern struct ksnoop_aggs_map aggs SEC(".maps");
extern struct ksnoop_cgroup_map cgroup_filter SEC(".maps");
extern struct ksnoop_hist_map hist SEC(".maps");
extern struct ksnoop_counts_map counts SEC(".maps");
extern struct ksnoop_stats_map stats SEC(".maps");
extern struct ksnoop_count_key_map count_key SEC(".maps");
extern struct ksnoop_patterns_map patterns SEC(".maps");
extern struct ksnoop_stacks_map stacks SEC(".maps");
extern struct ksnoop_events_map events SEC(".maps");
extern struct ksnoop_plans_map plans SEC(".maps");
extern struct ksnoop_scratch_map scratch SEC(".maps");
extern struct ksnoop_nest_regs_map nest_regs SEC(".maps");
extern struct ksnoop_func_ids_map func_ids SEC(".maps");
/* Set by userspace: attach cookies carry the function id (else the address does). */
extern const volatile bool use_cookie;
/* Set by userspace: --kstack, record the kernel stack of each entry. */
extern const volatile bool kstack;
/* Set by userspace: --count-by caller, read the first frames of each entry's stack. */
extern const volatile bool caller_stack;
/* Set by userspace: the filters on the calling task (-p, --tid, -c, --cgroup). */
extern const volatile __u32 filter_tgid;
extern const volatile __u32 filter_tid;
extern const volatile __u32 filter_ncomms;
extern const volatile struct ksnoop_comm filter_comms[KSNOOP_MAX_COMMS];
/*
 * Set by userspace on kernels with bpf_get_current_task_btf(): the offset of
 * comm in the kernel's struct task_struct; 0: ask bpf_get_current_comm(),
 * which copies and pads (ksnoop_task_comm()).
 */
extern const volatile __u32 task_comm_off;
extern const volatile bool filter_cgroup;
/* Set by userspace: --entry, no return traced. */
extern const volatile bool entry_only;
/* Set by userspace: argument registers a stub saves at entry and at the return. */
extern const volatile __u32 entry_args;
extern const volatile __u32 exit_args;
/* Set by userspace: some plan has a pre_item (ksnoop_pre_item()). */
extern const volatile bool early_preds;
/* Set by userspace when tracing stops. */
extern volatile bool stopped;
/* Set by userspace: -s, the plans' chain levels decide which calls are recorded. */
extern const volatile bool chain_mode;
/* Threads with a traced call in progress, where thread_gate (capture.bpf.c). */
extern volatile __u64 busy_threads;
extern const volatile bool thread_gate;
/* Set by userspace: the counting mode (enum ksnoop_agg_mode), its lean path (bpf/agg.h). */
extern const volatile __u32 agg_mode;
/*
 * Bumped by userspace at each interval through the mmap'ed .bss: calls
 * counted since then keep their own maximum latency (struct ksnoop_agg.imax).
 */
extern volatile __u64 agg_epoch;
extern const volatile bool agg_lean;
/* Set by userspace: ksnoop_bucket_tbl()'s table of the mode's buckets (bpf/agg.h). */
extern const volatile __u8 agg_bucket_tbl[KSNOOP_BUCKET_TBL];
/* Set by userspace: --stats, every function's return value alike (bpf/agg.h). */
extern const volatile bool agg_ret_same;
extern const volatile __u8 agg_ret_kind;
extern const volatile __u8 agg_ret_size;
/* Set by userspace: every function counts the same item 0, agg_item (bpf/agg_value.h). */
extern const volatile bool agg_item_same;
extern const volatile struct ksnoop_item agg_item;
/* Set by userspace: the stub reads agg_item by direct loads (bpf/agg_value.h). */
extern const volatile bool agg_typed;
/* Set by userspace: what --hist and --count-by count (bpf/agg_value.h). */
extern const volatile struct ksnoop_agg_conf agg_conf;
/* Set by userspace: --entry, no return is traced. */
extern const volatile bool entry_only;
/*
 * Set by userspace: stub.bits, enum ksnoop_stub_bit, the stubs' settings in
 * one word; stub.pred, for the fentry backend (KSNOOP_SB_PRED_TYPED), the
 * predicate its stub decides by direct loads before anything else
 * (bpf/fentry.bpf.c fentry_pred_fails()).
 */
extern const volatile struct ksnoop_stub_conf stub;
/* Set by userspace: KSNOOP_SB_REC_LEAN's items (bpf/fentry.bpf.c fentry_rec_lean()). */
extern const volatile struct ksnoop_rec_lean rec_lean;
/* A quarter of the ring buffer's bytes: a record wakes the reader past that. */
extern const volatile __u32 wake_bytes;

/* Integer view of a value for predicates and --hist: 1, 2, 4 or 8 bytes, bitfield, sign. */
static __always_inline __u64 pred_load(const struct ksnoop_item *it, const void *data)
{
	__u64 v = 0;

	switch (it->size) {
	case 1:
		v = *(__u8 *)data;
		break;
	case 2:
		v = *(__u16 *)data;
		break;
	case 4:
		v = *(__u32 *)data;
		break;
	default:
		v = *(__u64 *)data;
		break;
	}
	if (it->bit_size) {
		v >>= it->bit_off;
		if (it->bit_size < 64)
			v &= (1ULL << it->bit_size) - 1;
	}
	if (it->flags & KSNOOP_I_SIGNED) {
		__u32 bits = it->bit_size ? it->bit_size : it->size * 8;
		__u32 sh = 64 - (bits & 63);

		if (bits < 64)
			v = (__u64)(((__s64)(v << sh)) >> sh);
	}
	return v;
}

static __always_inline bool pred_holds(const struct ksnoop_item *it, __u64 v)
{
	__u64 c = it->value;
	bool s = it->flags & KSNOOP_I_SIGNED;

	switch (it->op) {
	case KSNOOP_OP_EQ:
		return v == c;
	case KSNOOP_OP_NE:
		return v != c;
	case KSNOOP_OP_LT:
		return s ? (__s64)v < (__s64)c : v < c;
	case KSNOOP_OP_LE:
		return s ? (__s64)v <= (__s64)c : v <= c;
	case KSNOOP_OP_GT:
		return s ? (__s64)v > (__s64)c : v > c;
	case KSNOOP_OP_GE:
		return s ? (__s64)v >= (__s64)c : v >= c;
	}
	return true;
}

/*
 * agg_lean: the argument slot of the item the count reads at entry: agg_item's
 * (a constant: no lookup), else @func's plan's item 0's; -1 if the function
 * has no plan, or the count reads no item (--count-by comm, --hist duration).
 */
static __always_inline int ksnoop_count_base(__u32 func)
{
	const struct ksnoop_plan *plan;

	if (agg_item_same)
		return agg_item.base;
	if (agg_conf.src != KSNOOP_SRC_ITEM)
		return -1;
	plan = bpf_map_lookup_elem(&plans, &func);
	return plan ? plan->items[0].base : -1;
}

/*
 * @p, a constant of .rodata, as a plain pointer to @type: opaque to clang,
 * which would otherwise fold the zeros the object was defined with; the
 * verifier still knows what it points to and reads the constants userspace
 * wrote. Read through it, a setting read twice is loaded once (a volatile is
 * loaded at each read, an instruction the verifier keeps).
 */
#define KSNOOP_RODATA(type, p)                                                                     \
	({                                                                                         \
		const void *__p = (const void *)(p);                                               \
		barrier_var(__p);                                                                  \
		(const type *)__p;                                                                 \
	})

static __always_inline void count_n(__u32 stat, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&stats, &stat);

	if (c)
		*c += n;
}

static __always_inline void count(__u32 stat)
{
	count_n(stat, 1);
}

/*
 * --stats: count one call of @func: @timed (a constant at each call), with
 * its latency @lat_ns; else not returned yet. Atomic adds: a traced call in
 * an interrupt may count on this CPU between our read and write. The maxima
 * are not atomic: a nested run can at worst lose a maximum it races with.
 * lat_count is not counted: userspace adds up the buckets (agg_sum_cpus()).
 * Here, not in bpf/agg.h: the fentry stubs count with no call.
 */
static __always_inline void agg_count(__u32 func, bool timed, __u64 lat_ns, bool error)
{
	struct ksnoop_agg *a = bpf_map_lookup_elem(&aggs, &func);
	__u64 epoch = agg_epoch, b;

	if (!a)
		return;
	__sync_fetch_and_add(&a->calls, 1);
	if (error)
		__sync_fetch_and_add(&a->errors, 1);
	if (!timed)
		return;
	__sync_fetch_and_add(&a->lat_sum, lat_ns);
	if (lat_ns > a->lat_max)
		a->lat_max = lat_ns;
	if (a->imax_epoch != epoch) {
		a->imax_epoch = epoch;
		a->imax = lat_ns;
	} else if (lat_ns > a->imax) {
		a->imax = lat_ns;
	}
	b = ksnoop_bucket_tbl(KSNOOP_RODATA(__u8, agg_bucket_tbl), lat_ns, KSNOOP_LOG2LIN_SUB_BITS);
	/*
	 * The bucket made opaque before the check: else clang checks one
	 * zero-extended copy and indexes with another, whose bound 6.1's
	 * verifier does not know.
	 */
	barrier_var(b);
	if (b >= KSNOOP_AGG_BUCKETS)
		return;
	__sync_fetch_and_add(&a->buckets[b], 1);
}

/*
 * --stats: count call @func (@hdr as ksnoop_begin() returned it) with the
 * return value @ret, of kind @ret_kind and @ret_size bytes (its plan's), and
 * the duration @lat_ns: at its return, or at entry when no return will come.
 * Returns 1 (the call goes on, or is counted).
 */
static __always_inline int agg_stats(__u8 ret_kind, __u8 ret_size, __u32 func, __u32 is_exit,
				     __u32 hdr, __u64 ret, __u64 lat_ns)
{
	if (!is_exit) {
		if (hdr & KSNOOP_R_NOEXIT)
			agg_count(func, false, 0, false);
		return 1;
	}
	agg_count(func, true, lat_ns, ksnoop_ret_is_error(ret_kind, ret_size, ret));
	return 1;
}

/*
 * agg_stats() of @func: the lean path's --stats (count_value(), and
 * ksnoop_session_multi()'s return, inline). The return value's kind from
 * .rodata where every function has the same (agg_ret_same: no lookup, and
 * the verifier keeps the one test of it), else from @func's plan. Returns 1,
 * or 0 without a plan.
 */
static __always_inline int agg_stats_func(__u32 func, __u32 is_exit, __u32 hdr, __u64 ret,
					  __u64 lat_ns)
{
	const struct ksnoop_plan *plan;

	if (agg_ret_same)
		return agg_stats(agg_ret_kind, agg_ret_size, func, is_exit, hdr, ret, lat_ns);
	plan = bpf_map_lookup_elem(&plans, &func);
	return plan ? agg_stats(plan->ret_kind, plan->ret_size, func, is_exit, hdr, ret, lat_ns) :
		      0;
}

/*
 * --hist: count value @v (or an unreadable one) of function @func into its
 * slot. Here, not in bpf/agg_value.h: the fentry stub counts a typed item
 * itself (agg_typed), with no call.
 */
static __always_inline void hist_add(__u32 func, __u64 v, bool unreadable, bool is_signed)
{
	const struct ksnoop_agg_conf *conf = KSNOOP_RODATA(struct ksnoop_agg_conf, &agg_conf);
	__u32 slot = unreadable ? conf->nslots - 1 :
				  ksnoop_hist_slot(conf, KSNOOP_RODATA(__u8, agg_bucket_tbl), v,
						   is_signed);
	__u32 key = func * conf->nslots + slot;
	__u64 *c = bpf_map_lookup_elem(&hist, &key);

	/* atomic: a traced call in an interrupt may count on this CPU meanwhile */
	if (c)
		__sync_fetch_and_add(c, 1);
}

/*
 * Does the string of at most @n bytes (up to a NUL) at @buf[@start & @mask]
 * match pattern @p (include/ksnoop.h)? The bytes are read through the mask so
 * that the verifier sees every read in bounds. The only loop-carried branch is
 * the end of the string: the verifier walks each iteration once.
 */
static __always_inline bool ksnoop_pattern_match(const struct ksnoop_pattern *p, const __u8 *buf,
						 __u32 start, __u32 mask, __u32 n)
{
	__u64 st = p->start;
	__u32 i;
	__u8 c;

	for (i = 0; i < KSNOOP_PRED_SCAN; i++) {
		if (i >= n)
			break;
		c = buf[(start + i) & mask];
		if (!c)
			break;
		st = ksnoop_pattern_step(p, st, c);
		if (!st) /* no token can match any more */
			break;
	}
	return st & p->accept;
}

/*
 * Copy the calling task's comm into @comm (16 bytes, 8-aligned): read in
 * place where userspace found its offset (task_comm_off, kernels with
 * bpf_get_current_task_btf()), else asked of bpf_get_current_comm(), which
 * costs ten times as much. In place, the bytes after the NUL need not be
 * zero (a kernel that does not pad a new name): every reader stops at the
 * NUL. An exec may rename the task as we read: either name is the task's.
 */
static __always_inline void ksnoop_task_comm(__u64 *comm)
{
	__u64 off = task_comm_off;
	const __u64 *task_comm;

	if (off) {
		task_comm = (const __u64 *)((const __u8 *)bpf_get_current_task_btf() + off);
		comm[0] = task_comm[0];
		comm[1] = task_comm[1];
	} else {
		bpf_get_current_comm(comm, KSNOOP_TASK_COMM_LEN);
	}
}

/*
 * A record's header of @size bytes and @nvals values for a run of @func, but
 * for what the caller knows (stack_id, ts, ip, ret): emit()'s and the fentry
 * stub's lean record path's (bpf/fentry.bpf.c).
 */
static __always_inline void ksnoop_rec_header(struct ksnoop_rec *rec, __u32 func, bool is_exit,
					      __u32 flags, __u32 depth, __u32 size, __u32 nvals)
{
	__u64 id = bpf_get_current_pid_tgid();

	rec->type = is_exit ? KSNOOP_REC_EXIT : KSNOOP_REC_ENTRY;
	rec->flags = flags;
	rec->nvals = nvals;
	rec->depth = depth;
	rec->size = size;
	rec->func = func;
	rec->cpu = bpf_get_smp_processor_id();
	rec->tgid = id >> 32;
	rec->tid = (__u32)id;
	ksnoop_task_comm((__u64 *)rec->comm);
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
 * --count-by comm: count the calling task's comm under @func, in a key on the
 * stack: the map's keys are its first 24 bytes (agg_conf.key_len is the
 * comm's 16), no key area to look up or clear. Here, not in bpf/agg_value.h:
 * the fentry stub counts it itself, with no call (fentry_count()).
 */
static __always_inline void comm_add(__u32 func)
{
	struct ksnoop_count_key key;

	_Static_assert(KSNOOP_TASK_COMM_LEN == 2 * sizeof(__u64), "the comm is two words");
	*(__u64 *)&key = 0; /* func, len, flags, pad */
	key.func = func;
	key.len = KSNOOP_TASK_COMM_LEN;
	ksnoop_task_comm((__u64 *)key.data);
	if (task_comm_off)
		ksnoop_comm_clean((__u64 *)key.data);
	key_add(&key);
}

/*
 * -c/--comm, the full test of the first @n of filter_comms: does one match
 * the calling task's comm? A name is compared as two words, a glob's literal
 * prefix as one word first, then its pattern is looked up and run. Only
 * called once ksnoop_comm_allowed() saw a glob that may match: it reads the comm
 * again, onto the stack (the matcher indexes bytes), so that nothing of the
 * caller lives across its calls.
 */
static __always_inline bool ksnoop_comm_rest(__u32 n)
{
	const volatile struct ksnoop_comm *c;
	const struct ksnoop_pattern *p;
	__u64 comm[2];
	__u32 idx, k;

	ksnoop_task_comm(comm);
	for (k = 0; k < KSNOOP_MAX_COMMS; k++) {
		if (k >= n)
			break;
		c = &filter_comms[k];
		idx = c->pattern;
		if (!idx) {
			if (comm[0] == c->name[0] && comm[1] == c->name[1])
				return true;
			continue;
		}
		/* ksnoop_pattern_prefix_fails() without the lookup: the comm is 16 bytes. */
		if ((comm[0] & c->prefix_mask) != c->prefix)
			continue;
		idx--;
		p = bpf_map_lookup_elem(&patterns, &idx);
		if (p &&
		    ksnoop_pattern_match(p, (const __u8 *)comm, 0, sizeof(comm) - 1, sizeof(comm)))
			return true;
	}
	return false;
}

/*
 * ksnoop_comm_allowed()'s test of filter_comms[@k] against the comm words at
 * @task_comm, as direct branches (an inline function's result would be kept
 * in a register and tested again): past the @n entries, false; a name that
 * matches, true; a glob whose literal prefix matches, to the full test.
 */
#define KSNOOP_COMM_QUICK(k, n, task_comm)                                                         \
	do {                                                                                       \
		const volatile struct ksnoop_comm *c = &filter_comms[k];                           \
                                                                                                   \
		if ((n) <= (k))                                                                    \
			return false;                                                              \
		if (!c->pattern) {                                                                 \
			if ((task_comm)[0] == c->name[0] && (task_comm)[1] == c->name[1])          \
				return true;                                                       \
		} else if (((task_comm)[0] & c->prefix_mask) == c->prefix) {                       \
			goto rest;                                                                 \
		}                                                                                  \
	} while (0)

/*
 * -c/--comm: does the calling task's comm match one of the first @n names or
 * globs of filter_comms? The cheap part, for a task that matches none: a name
 * is two 8-byte compares against the words userspace prepared, the second
 * only when the first matched; a glob, its literal prefix as one word. A glob
 * whose prefix matches hands the decision over to ksnoop_comm_rest().
 *
 * Unrolled by hand (clang 14 does not unroll the loop with ksnoop_comm_rest()'s
 * after it), so that the verifier, which knows @n and each entry's kind from
 * .rodata, keeps only the compares the filter needs, and so that nothing here
 * lives across a call: the JIT saves no more registers for it.
 *
 * With task_comm_off, the comm is read in place (the verifier checks the
 * loads against the kernel's BTF; the offset is a constant it reads from
 * .rodata); else bpf_get_current_comm() copies it, which costs four times as
 * much. The comm may change under an exec as we read it: either name is the
 * task's. Inline: without globs the verifier removes the glob code (a
 * removed global subprogram is fine since the fentry backend rebuilds the
 * func_info of its copies, src/be_fentry.c; inline it also costs no call).
 */
static __always_inline bool ksnoop_comm_allowed(__u32 n)
{
	__u64 off = task_comm_off, comm[2];
	const __u64 *task_comm = comm;

	_Static_assert(KSNOOP_MAX_COMMS == 8, "ksnoop_comm_allowed() tests 8 entries");
	if (off)
		task_comm = (const __u64 *)((const __u8 *)bpf_get_current_task_btf() + off);
	else
		bpf_get_current_comm(comm, sizeof(comm));
	KSNOOP_COMM_QUICK(0, n, task_comm);
	KSNOOP_COMM_QUICK(1, n, task_comm);
	KSNOOP_COMM_QUICK(2, n, task_comm);
	KSNOOP_COMM_QUICK(3, n, task_comm);
	KSNOOP_COMM_QUICK(4, n, task_comm);
	KSNOOP_COMM_QUICK(5, n, task_comm);
	KSNOOP_COMM_QUICK(6, n, task_comm);
	KSNOOP_COMM_QUICK(7, n, task_comm);
	return false;
rest:
	return ksnoop_comm_rest(n);
}
#undef KSNOOP_COMM_QUICK

/*
 * KSNOOP_SB_COMM1: is the calling task's comm, read in place, other than the
 * one -c NAME? Two words against the two userspace prepared, no setting read.
 */
static __always_inline bool ksnoop_comm1_differs(void)
{
	const __u64 *comm =
		(const __u64 *)((const __u8 *)bpf_get_current_task_btf() + task_comm_off);

	return comm[0] != filter_comms[0].name[0] || comm[1] != filter_comms[0].name[1];
}

/*
 * Is the calling task left out by a filter (-c, -p, --tid, --cgroup)? The
 * caller asks only with KSNOOP_SB_TASK set, first, before the function id,
 * any map lookup or copy, so that a filtered-out call costs little more
 * than an empty program. Each test is gated on a constant setting: the
 * verifier removes the unused ones, all but the setting's read (a read of a
 * volatile is an instruction the verifier keeps, so each setting is read
 * once, where it is needed). The order is the cost of a call each filter
 * leaves out: -c, the dearest test, pays for no read before its own. A
 * task's filters are the same at a call's entry and its return (an exec or a
 * cgroup move in between is the rare exception the per-thread depth already
 * tolerates).
 */
static __always_inline bool ksnoop_task_filtered(void)
{
	__u64 tgid, tid, ncomms;

	ncomms = filter_ncomms;
	if (ncomms && !ksnoop_comm_allowed(ncomms))
		return true;
	/* Both -p and --tid ask the helper twice: that pair is rare, the single test not. */
	tgid = filter_tgid;
	if (tgid && bpf_get_current_pid_tgid() >> 32 != tgid)
		return true;
	tid = filter_tid;
	if (tid && (__u32)bpf_get_current_pid_tgid() != tid)
		return true;
	return filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1;
}

/*
 * Is this run left out: the calling task by a filter, or tracing stopped?
 * @sb: stub.bits, as the stub read it. A task a filter leaves out does not
 * read "stopped".
 */
static __always_inline bool ksnoop_skip_task(__u32 sb)
{
	if ((sb & KSNOOP_SB_TASK) && ksnoop_task_filtered())
		return true;
	return stopped;
}

/*
 * -s (the caller tests chain_mode): is the run of function @func, entry or
 * return, surely not on a chain, so that the stub can return at once, before
 * any lookup? Function id 0 is the chain's first function (level 0); a call
 * of another is shown only inside a level-0 call on its thread, and its
 * thread is then counted in busy_threads. With none counted, no thread has
 * a call in progress: an entry would find no level open and keep nothing
 * (ksnoop_pair()), a return would find nothing to pop. Whether a thread is
 * counted changes only in its own runs, so it always sees its own count. An
 * entry left out here may return after another thread opened the gate: its
 * return then finds its own thread's depth 0 (else the count would not have
 * been 0 at the entry) and stops there, as after an entry the slow path left
 * out. An unknown function (-1) is left out too: it has no plan.
 */
static __always_inline bool ksnoop_chain_closed(__u32 func)
{
	return func && !busy_threads;
}

/*
 * No thread has a traced call in progress (busy_threads, where it is kept):
 * a return has no depth to pop, an entry the predicates reject none to keep,
 * on any thread, so either returns at once. A thread's own calls change
 * whether it is counted, so it cannot miss a call of its own in progress.
 */
static __always_inline bool ksnoop_no_calls(__u32 sb)
{
	return (sb & KSNOOP_SB_GATE) && !busy_threads;
}

/*
 * An entry the predicates reject keeps nothing for its return: none is traced
 * (--entry), or no traced call is in progress on any thread (ksnoop_no_calls()).
 * Else ksnoop_begin() keeps the call's place in the thread's calls.
 */
static __always_inline bool ksnoop_reject_keeps_nothing(__u32 sb)
{
	return (sb & KSNOOP_SB_ENTRY_ONLY) || ksnoop_no_calls(sb);
}

/* What ksnoop_begin() returns besides a record header (>= 0). */
enum {
	KSNOOP_BEGIN_SKIP = -1,		 /* not recorded: filtered, not paired, stopped */
	KSNOOP_BEGIN_NESTED = -2,	 /* an entry nested in another run on this CPU */
	KSNOOP_BEGIN_NESTED_NOEXIT = -3, /* the same, with no return traced */
	/* Only on a session link (session_link): not recorded, nothing kept for the return */
	KSNOOP_BEGIN_NORET = -4,
};

/*
 * Start capturing a call of function @func. Returns the record header (flags,
 * depth) to pass to ksnoop_finish(), or one of the KSNOOP_BEGIN_* above.
 * @rejected: an entry ksnoop_item_fails() rejected; only its place in the
 * thread's calls is kept, for its return to find (KSNOOP_BEGIN_SKIP).
 */
int ksnoop_begin(__u32 func, __u32 is_exit, __u32 rejected);
/*
 * Does entry item @i of @func's plan surely fail its predicate, its base
 * register being @v? Decided from at most 8 bytes, before anything is copied:
 * an integer predicate exactly, a string one by its pattern's prefix (0: it
 * may hold). For a stub's pre_item, and for nested runs.
 */
int ksnoop_item_fails(__u32 func, __u32 i, __u64 v);
/* Build and send the record from this CPU's scratch registers; release the CPU. */
int ksnoop_finish(__u32 func, __u32 is_exit, int hdr);
/* Count a nested run lost unless its entry predicates reject it (nest_regs). */
int ksnoop_nested(__u32 func, int hdr);
/*
 * KSNOOP_SB_REC_LEAN, instead of ksnoop_begin() and what follows it: pair the
 * call (no clock read, no CPU lock taken); the record header, or -1 when the
 * run is not recorded. The stub then sends the record, or ksnoop_rec_lost().
 */
int ksnoop_rec_pair(__u32 func, __u32 is_exit);
int ksnoop_rec_lost(__u32 func, __u32 reason, __u32 n);
/*
 * agg_lean, instead of ksnoop_begin() and what follows it: pair the call and
 * count it from register @reg (bpf/agg_value.h); @flags KSNOOP_HDR_NOREG when
 * the stub could not read the register. Four arguments: a global function's
 * fifth arrives wrong on 5.10.
 */
int ksnoop_count(__u32 func, __u32 is_exit, __u32 flags, __u64 reg);
/* ksnoop_count()'s @flags: the stub could not read the register (no such argument). */
#define KSNOOP_HDR_NOREG (1U << 15)
/* ksnoop_count_value()'s @hdr: the run is the call's return (above the KSNOOP_R_* flags). */
#define KSNOOP_HDR_EXIT (1U << 14)
/*
 * ksnoop_count()'s counting half (bpf/agg_value.h), for a stub that paired the
 * call itself: count this call of @func from register @reg (@hdr: KSNOOP_R_*
 * flags, KSNOOP_HDR_EXIT at the return, KSNOOP_HDR_NOREG), @lat_ns its
 * duration or ~0ULL. The session stubs time calls by the session cookie.
 */
int ksnoop_count_value(__u32 func, __u32 hdr, __u64 reg, __u64 lat_ns);

/*
 * The kfuncs of session programs (kprobe.session, Linux 6.10+; fsession,
 * 7.0+), called through placeholder helper ids that userspace turns into the
 * kfunc calls before load (tracer_patch_session()): their prototypes changed,
 * (void) on 6.10-6.x and (void *ctx) on 7.x, and libbpf 1.1 refuses a whole
 * object whose extern does not match the kernel's, even when no loaded
 * program calls it. They are given the context either way (a kfunc without
 * arguments ignores r1). bpf_session_is_return(): true in the run at the
 * function's return; bpf_session_cookie(): this call's 8 bytes, shared by its
 * entry and return runs.
 */
static bool (*const ksnoop_session_is_return)(void *ctx) = (void *)KSNOOP_SESSION_IS_RETURN_CALL;
static __u64 *(*const ksnoop_session_cookie)(void *ctx) = (void *)KSNOOP_SESSION_COOKIE_CALL;

/*
 * agg_lean on a session link (fsession, kprobe.session): the call is paired by
 * its session cookie, 8 bytes that the kernel hands to both runs of this call.
 * The entry stores its clock there, the return reads it: no per-thread state,
 * no depth, no lookup. Returns true at a return, with the call's duration
 * in *@lat_ns; false at entry or for a return whose entry stored nothing,
 * which is not counted, as ksnoop_pair() counts no return it cannot pair.
 * An fsession return runs whatever its entry did (skipped by the kernel, a
 * recursion miss it counts, or left out by the task filters), and the
 * trampoline zeroes the cookies before the entry run: it finds 0. A
 * kprobe.session entry that stores nothing returns 1: no return run; but
 * before a late-2024 fix the kernel ran the return of an entry it skipped,
 * and fprobe reuses the cookie's slot without clearing it: the return clears
 * what it read, so that only a slot whose return was skipped too could still
 * hold a stale time.
 */
static __always_inline bool ksnoop_session_time(void *ctx, bool is_exit, __u64 *lat_ns)
{
	__u64 *cookie = ksnoop_session_cookie(ctx);
	__u64 t0;

	if (!is_exit) {
		*cookie = bpf_ktime_get_ns();
		return false;
	}
	t0 = *cookie;
	*cookie = 0;
	if (!t0)
		return false;
	*lat_ns = bpf_ktime_get_ns() - t0;
	return true;
}

/*
 * The function id of address @ip, for kernels without attach cookies; -1 if
 * unknown. Inline: with cookies the verifier removes the call as dead code,
 * and inline it costs no call where it is used (a removed global subprogram
 * would be fine too: the fentry backend rebuilds its copies' func_info).
 */
static __always_inline int ksnoop_func_of_ip(__u64 ip)
{
	__u32 *f = bpf_map_lookup_elem(&func_ids, &ip);

	return f ? (int)*f : -1;
}

static __always_inline struct scratch *ksnoop_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* Where the stub saves the registers of the run ksnoop_begin() returned @hdr for. */
static __always_inline struct ksnoop_regs *ksnoop_regs(int hdr)
{
	struct scratch *sc;
	__u32 key0 = 0;

	if (hdr < 0)
		return bpf_map_lookup_elem(&nest_regs, &key0);
	sc = ksnoop_scratch();
	return sc ? &sc->r : NULL;
}

/*
 * --kstack: the stack of the call being entered, from the stub's context @ctx
 * (only a stub has it), as its id in "stacks" + 1, or 0 (off, a return, or
 * the map full: the call is shown without its stack). Only for calls
 * ksnoop_begin() did not skip: a filtered call pays nothing.
 */
static __always_inline __u32 ksnoop_stack_id(void *ctx, bool is_exit)
{
	long id;

	if (!kstack || is_exit)
		return 0;
	id = bpf_get_stackid(ctx, &stacks, 0);
	return id < 0 ? 0 : id + 1;
}

/*
 * --count-by caller: the first frames of the stack of the call being entered,
 * from the stub's context @ctx, into this CPU's scratch area, where
 * agg_value() looks for the traced function's frame and the one after it.
 * Only for a run that holds the area (@hdr >= 0): a nested run is not counted.
 * The stack is walked from here on every backend, so it starts with the
 * backend's own frames; agg_value() skips them by address.
 */
static __always_inline void ksnoop_caller_stack(void *ctx, bool is_exit, int hdr)
{
	struct scratch *sc;
	long n;

	if (!caller_stack || is_exit || hdr < 0)
		return;
	sc = ksnoop_scratch();
	if (!sc)
		return;
	n = bpf_get_stack(ctx, sc->frames, sizeof(sc->frames), 0);
	sc->frames_len = n < 0 ? 0 : n;
}

/* After the stub saved the registers: send the record, or weigh the nested run. */
static __always_inline void ksnoop_end(__u32 func, __u32 is_exit, int hdr)
{
	if (hdr >= 0)
		ksnoop_finish(func, is_exit, hdr);
	else
		ksnoop_nested(func, hdr);
}

/*
 * Arguments from pt_regs (kprobe, kprobe.multi) at function entry, x86-64 only:
 * the first six in registers, the rest on the stack above the return address
 * (sp + 8 + 8 * (n - 6) for the 0-based slot n). The plans only name slots
 * the function's prototype has (capture_item() checks nargs), and no slot
 * past entry_args: the stack is read only when an item needs a slot there,
 * in one read that past the real arguments reads the caller's frame, which
 * is harmless.
 */
/*
 * x86-64's struct pt_regs without CO-RE. Its layout is the ptrace ABI, the
 * same on every kernel; read through vmlinux.h's type (preserve_access_index)
 * it would give the object CO-RE relocations, and libbpf would then parse the
 * kernel's BTF once more at load only to find these offsets (~45 ms under
 * TCG, a tenth of a glob's start-up).
 */
struct ksnoop_pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

static __always_inline void ksnoop_save_pt_regs(struct ksnoop_regs *sc,
						const struct ksnoop_pt_regs *regs)
{
	/* The registers by name: libbpf 1.1's bpf_tracing.h has no PT_REGS_PARM6. */
	sc->args[0] = regs->di;
	sc->args[1] = regs->si;
	sc->args[2] = regs->dx;
	sc->args[3] = regs->cx;
	sc->args[4] = regs->r8;
	sc->args[5] = regs->r9;
	sc->ret = 0;
	sc->nargs = 6;
	if (entry_args <= 6)
		return;
	if (bpf_probe_read_kernel(&sc->args[6], (KSNOOP_MAX_ARGS - 6) * sizeof(__u64),
				  (void *)(regs->sp + 8)))
		__builtin_memset(&sc->args[6], 0, (KSNOOP_MAX_ARGS - 6) * sizeof(__u64));
	sc->nargs = KSNOOP_MAX_ARGS;
}

/*
 * agg_lean: argument register @n of a pt_regs entry into *@v (x86-64, as
 * ksnoop_save_pt_regs() reads them). Returns false if there is no such slot
 * or it cannot be read.
 */
static __always_inline bool ksnoop_pt_regs_arg(const struct ksnoop_pt_regs *regs, __u32 n, __u64 *v)
{
	__u64 a0 = regs->di, a1 = regs->si, a2 = regs->dx, a3 = regs->cx, a4 = regs->r8,
	      a5 = regs->r9;

	/*
	 * Loaded first, and kept opaque: clang would otherwise merge loads in
	 * the branches into one at a computed offset, which the verifier
	 * refuses on a context pointer.
	 */
	barrier_var(a0);
	barrier_var(a1);
	barrier_var(a2);
	barrier_var(a3);
	barrier_var(a4);
	barrier_var(a5);
	if (n == 0)
		*v = a0;
	else if (n == 1)
		*v = a1;
	else if (n == 2)
		*v = a2;
	else if (n == 3)
		*v = a3;
	else if (n == 4)
		*v = a4;
	else if (n == 5)
		*v = a5;
	else if (n >= KSNOOP_MAX_ARGS)
		return false;
	else if (bpf_probe_read_kernel(v, sizeof(*v), (void *)(regs->sp + 8 + 8 * (n - 6))))
		return false;
	return true;
}

/*
 * agg_lean: count the call from the one register it needs, the return value
 * at exit or item 0's base argument at entry (the stats mode needs neither at
 * entry; reading a register costs less than asking).
 */
static __always_inline void ksnoop_pt_regs_count(const struct ksnoop_pt_regs *regs, __u32 func,
						 bool is_exit)
{
	__u64 v = 0;
	bool ok = true;
	int base;

	if (is_exit) {
		v = regs->ax;
	} else {
		base = ksnoop_count_base(func);
		ok = base >= 0 && ksnoop_pt_regs_arg(regs, base, &v);
	}
	ksnoop_count(func, is_exit, ok ? 0 : KSNOOP_HDR_NOREG, v);
}

/*
 * The register area a stub fills for @hdr (NULL: none to fill), with what
 * every backend records the same way already set: the call's address @ip
 * (0 with cookies) and, at entry, its stacks from the stub's context @ctx.
 */
static __always_inline struct ksnoop_regs *ksnoop_stub_regs(void *ctx, int hdr, bool is_exit,
							    __u64 ip)
{
	struct ksnoop_regs *r = ksnoop_regs(hdr);

	if (r) {
		r->ip = ip;
		r->stack_id = ksnoop_stack_id(ctx, is_exit);
		ksnoop_caller_stack(ctx, is_exit, hdr);
	}
	return r;
}

/*
 * The plan's pre_item for an entry of @func (the item's index + 1), its base
 * register in *@base; 0 if none (early_preds off, a return).
 */
static __always_inline __u32 ksnoop_pre_item(__u32 func, bool is_exit, __u32 *base)
{
	const struct ksnoop_plan *plan;
	__u32 i;

	if (!early_preds || is_exit)
		return 0;
	plan = bpf_map_lookup_elem(&plans, &func);
	if (!plan || !plan->pre_item)
		return 0;
	i = plan->pre_item;
	*base = plan->items[(i - 1) & (KSNOOP_MAX_ITEMS - 1)].base;
	return i;
}

/*
 * ksnoop_begin()'s @rejected for a pt_regs stub. A register it cannot read
 * leaves the decision to the capture.
 */
static __always_inline __u32 ksnoop_pt_regs_pre_fails(const struct ksnoop_pt_regs *regs, __u32 func,
						      bool is_exit)
{
	__u32 base = 0, pre = ksnoop_pre_item(func, is_exit, &base);
	__u64 v;

	return pre && ksnoop_pt_regs_arg(regs, base, &v) && ksnoop_item_fails(func, pre - 1, v);
}

/*
 * The rest of a pt_regs stub (kprobe, kretprobe, kprobe.multi) once it knows
 * the function: begin, save the arguments at entry or the return register at
 * exit, finish. @ip goes into the record (0 when cookies identify functions).
 * @session: the stub is a kprobe.session program, whose entry returns
 * non-zero to have the kernel skip the call's return run: an entry the
 * early predicate rejects then keeps no state for its return at all.
 * Returns what the stub returns.
 */
static __always_inline int ksnoop_pt_regs_call(const struct ksnoop_pt_regs *regs, __u32 func,
					       bool is_exit, __u64 ip, bool session)
{
	struct ksnoop_regs *r;
	__u32 rejected;
	__u64 lat;
	int hdr;

	if (agg_lean && session && !chain_mode) {
		/*
		 * Paired by the session cookie: counted at the return, with its
		 * latency. With -s the pairing keeps the chain levels (ksnoop_pair()).
		 */
		if (ksnoop_session_time((void *)regs, is_exit, &lat))
			ksnoop_count_value(func, KSNOOP_HDR_EXIT, regs->ax, lat);
		return 0;
	}
	if (agg_lean) {
		ksnoop_pt_regs_count(regs, func, is_exit);
		return 0;
	}
	rejected = ksnoop_pt_regs_pre_fails(regs, func, is_exit);
	if (session && rejected)
		return 1;
	hdr = ksnoop_begin(func, is_exit, rejected);
	if (hdr == KSNOOP_BEGIN_SKIP)
		return 0;
	if (hdr == KSNOOP_BEGIN_NORET)
		return 1;
	r = ksnoop_stub_regs((void *)regs, hdr, is_exit, ip);
	if (r) {
		if (is_exit) {
			r->nargs = 0;
			r->ret = regs->ax;
		} else {
			ksnoop_save_pt_regs(r, regs);
		}
	}
	ksnoop_end(func, is_exit, hdr);
	return 0;
}

#endif /* __KSNOOP_CAPTURE_H */
