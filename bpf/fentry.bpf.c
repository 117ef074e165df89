// SPDX-License-Identifier: GPL-2.0
/*
 * Entry stubs of the fentry backends: fentry/fexit programs copied per
 * function ("fentry"), and the same code for one multi link over all
 * functions ("fentry-multi", Linux 7.x BPF_TRACE_FENTRY_MULTI/FEXIT_MULTI).
 * The context is the trampoline's array of argument registers.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "capture.h"

/*
 * The context's slot at byte @off, by a load at a constant offset (the only kind the
 * verifier types, and takes, from a context pointer): in asm, so that clang
 * cannot merge a switch of them into one load from a computed address.
 */
#define FENTRY_SLOT(ctx, off)                                                                      \
	({                                                                                         \
		__u64 __v;                                                                         \
		asm volatile("%0 = *(u64 *)(%1 + " #off ")" : "=r"(__v) : "r"(ctx));               \
		__v;                                                                               \
	})

/*
 * agg_typed, an array of whole 8-byte words (--count-by): the bytes at @p
 * plus agg_item.off, into this CPU's count_key, where count_typed() makes
 * the key of them. Returns 0, or -1 without an area.
 */
static __always_inline long fentry_typed_bytes(__u64 p)
{
	const volatile struct ksnoop_item *it = &agg_item;
	struct ksnoop_count_key *key;
	__u32 key0 = 0, i;

	key = bpf_map_lookup_elem(&count_key, &key0);
	if (!key)
		return -1;
	for (i = 0; i < KSNOOP_KEY_MAX / sizeof(__u64) && i * sizeof(__u64) < it->size; i++)
		((__u64 *)key->data)[i] = *(__u64 *)(p + it->off + i * sizeof(__u64));
	return 0;
}

/* Argument slot @base of the context, by a load the verifier types (0 past the 12th). */
static __always_inline __u64 fentry_arg(void *ctx, __u32 base)
{
	__u64 p;

	switch (base) {
	case 0:
		p = FENTRY_SLOT(ctx, 0);
		break;
	case 1:
		p = FENTRY_SLOT(ctx, 8);
		break;
	case 2:
		p = FENTRY_SLOT(ctx, 16);
		break;
	case 3:
		p = FENTRY_SLOT(ctx, 24);
		break;
	case 4:
		p = FENTRY_SLOT(ctx, 32);
		break;
	case 5:
		p = FENTRY_SLOT(ctx, 40);
		break;
	case 6:
		p = FENTRY_SLOT(ctx, 48);
		break;
	case 7:
		p = FENTRY_SLOT(ctx, 56);
		break;
	case 8:
		p = FENTRY_SLOT(ctx, 64);
		break;
	case 9:
		p = FENTRY_SLOT(ctx, 72);
		break;
	case 10:
		p = FENTRY_SLOT(ctx, 80);
		break;
	case 11:
		p = FENTRY_SLOT(ctx, 88);
		break;
	default:
		return 0;
	}
	return p;
}

/*
 * Where item @it's pointer steps lead from its base argument, by direct
 * loads. Every offset is a constant of .rodata (@it is agg_item or
 * stub.pred's), so the verifier keeps one case of the switch and checks each
 * load against the traced function's BTF: a BPF_PROBE_MEM load, where a fault
 * reads 0. Returns 0 for a NULL pointer on the way, or one that faults,
 * unreadable as item_chase() has it (the last one too: the value at its
 * offset would fault).
 * @it is not volatile: clang reads each setting once. The object is defined
 * in capture.bpf.c, so clang cannot fold the bytes it was defined with.
 */
static __always_inline __u64 fentry_typed_ptr(void *ctx, const struct ksnoop_item *it)
{
	__u64 p = fentry_arg(ctx, it->base);
	__u32 s;

	/*
	 * No test for NULL on the way: a load from NULL + offset reads 0 (the
	 * address is a user one, which the JIT's check turns away), so a NULL
	 * pointer, or one that faults, gives 0 at the end.
	 */
	for (s = 0; s < KSNOOP_MAX_STEPS && s < it->nsteps; s++)
		p = *(__u64 *)(p + it->steps[s]);
	return p;
}

/* The integer of @it->size bytes at @p + @it->off (fentry_typed_ptr()), zero-extended. */
static __always_inline __u64 fentry_typed_int(__u64 p, const struct ksnoop_item *it)
{
	switch (it->size) {
	case 1:
		return *(__u8 *)(p + it->off);
	case 2:
		return *(__u16 *)(p + it->off);
	case 4:
		return *(__u32 *)(p + it->off);
	default:
		return *(__u64 *)(p + it->off);
	}
}

/*
 * agg_typed: item 0 (agg_item) by direct loads (fentry_typed_ptr()).
 * Returns 0 and the value (zero-extended) in *@v, or -1.
 */
static __always_inline long fentry_typed(void *ctx, __u64 *v)
{
	const struct ksnoop_item *it = KSNOOP_RODATA(struct ksnoop_item, &agg_item);
	__u64 p = fentry_typed_ptr(ctx, it);

	if (!p)
		return -1;
	if (it->size > sizeof(*v))
		return fentry_typed_bytes(p);
	*v = fentry_typed_int(p, it);
	return 0;
}

/*
 * pred_typed, at entry: does stub.pred fail for this call? Decided by direct
 * loads (fentry_typed_ptr()), before the function id and any lookup. A load
 * through a NULL pointer, or one that faults, reads 0 here, where
 * capture_item() finds the value unreadable and fails the predicate: the 0
 * either fails it here too, or lets the call on to its plan's test
 * (ksnoop_item_fails(), capture_item()), which fails it; never is a call
 * rejected that the plan shows. (So no test of the pointer: a run pays none.)
 * A string (== or != on a char[N], a glob of an exact string or a prefix) is
 * compared word by word with the operand (and its NUL), the bytes past them
 * masked out; it has one word at least (filter_typed_pred()).
 */
static __always_inline bool fentry_pred_fails(void *ctx, __u32 sb)
{
	/* not volatile, as in fentry_typed_ptr() */
	const struct ksnoop_typed_pred *tp = (const struct ksnoop_typed_pred *)&stub.pred;
	const struct ksnoop_item *it;
	bool eq = true;
	__u64 p, v;
	__u32 i;

	/*
	 * In a register: clang would load the address again for each setting.
	 * Not the one the stub read stub.bits through: that one would live
	 * across the task filters' helper call in other cases, in a register
	 * the JIT then saves and restores in every run.
	 */
	barrier_var(tp);
	it = &tp->item;
	/* arg->ptr->member: no switch over the base, no loop over the steps */
	if (sb & KSNOOP_SB_PRED_STEP1)
		p = *(__u64 *)(FENTRY_SLOT(ctx, 0) + it->steps[0]);
	else
		p = fentry_typed_ptr(ctx, it);
	/* the string test's kind from @sb: branches the verifier removes, no reads */
	if (sb & KSNOOP_SB_PRED_STR) {
		/*
		 * The first word unconditionally: a test of the size before it
		 * would stay (both its ends are reached), the one before the
		 * second word goes with a one-word operand.
		 */
		i = 0;
		do {
			/* a word is 0 past its mask: one instruction fewer than an xor */
			if ((*(__u64 *)(p + it->off + i * sizeof(__u64)) & tp->masks[i]) !=
			    tp->words[i]) {
				eq = false;
				break;
			}
		} while (++i < KSNOOP_TYPED_WORDS && i * sizeof(__u64) < it->size);
		return (sb & KSNOOP_SB_PRED_NE) ? eq : !eq;
	}
	v = fentry_typed_int(p, it);
	return !pred_holds(it, pred_load(it, &v));
}

/*
 * agg_lean: count the call from the one register it needs, the return value
 * at exit or item 0's base argument at entry (bpf_get_func_arg() is inlined);
 * with agg_typed, item 0's value itself, and --hist counts it here, as
 * --count-by comm (at entry) its comm: no global call, whose arguments, call
 * and prologue cost a tenth of the count.
 */
static __always_inline void fentry_count(void *ctx, __u32 func, bool is_exit)
{
	const struct ksnoop_item *it = KSNOOP_RODATA(struct ksnoop_item, &agg_item);
	__u32 mode = agg_mode; /* read once: each read of a setting is an instruction run */
	__u64 v = 0;
	long err = 0;
	int base;

	if (mode == KSNOOP_AGG_COUNT && agg_conf.src == KSNOOP_SRC_COMM && entry_only) {
		comm_add(func);
		return;
	}
	if (agg_typed) {
		err = fentry_typed(ctx, &v);
		if (mode == KSNOOP_AGG_HIST) {
			hist_add(func, err ? 0 : pred_load(it, &v), err,
				 it->flags & KSNOOP_I_SIGNED);
			return;
		}
	} else if (is_exit) {
		bpf_get_func_ret(ctx, &v);
	} else {
		base = ksnoop_count_base(func);
		err = base >= 0 ? bpf_get_func_arg(ctx, base, &v) : -1;
	}
	ksnoop_count(func, is_exit, err ? KSNOOP_HDR_NOREG : 0, v);
}

/* ksnoop_begin()'s @rejected: as ksnoop_pt_regs_pre_fails(), from the trampoline's registers. */
static __always_inline __u32 fentry_pre_fails(void *ctx, __u32 func, bool is_exit)
{
	__u32 base = 0, pre = ksnoop_pre_item(func, is_exit, &base);
	__u64 v;

	return pre && !bpf_get_func_arg(ctx, base, &v) && ksnoop_item_fails(func, pre - 1, v);
}

/*
 * A stub case that does not know the bits of the function id
 * (KSNOOP_SB_ONE_FUNC, KSNOOP_SB_COOKIE): fentry_func() reads them, so that
 * only the runs that need the id pay for the read, and no stub keeps the
 * settings in a register for it (one more the JIT would save and restore in
 * every run).
 */
#define FENTRY_SB_ID_READ (1U << 31)

/*
 * The function id of this run, or -1; *@ip the function's address without
 * cookies (or 0). @sb: the stub's settings.
 */
static __always_inline int fentry_func(void *ctx, __u32 sb, __u64 *ip)
{
	if (sb & FENTRY_SB_ID_READ)
		sb = stub.bits;
	/*
	 * With cookies the function's address is not needed, and not asking for
	 * it spares every trampoline storing it (BPF_TRAMP_F_IP_ARG). With one
	 * function, nothing is asked.
	 */
	if (sb & KSNOOP_SB_ONE_FUNC)
		return 0;
	if (sb & KSNOOP_SB_COOKIE)
		return bpf_get_attach_cookie(ctx);
	*ip = bpf_get_func_ip(ctx);
	return ksnoop_func_of_ip(*ip);
}

/*
 * Everything after the task filters: a subprogram of its own, so that the
 * stub's own code is small. The JIT saves the callee-saved registers a
 * function uses in its prologue: a filtered-out call then pays for none of
 * the registers this part needs (a tenth of its cost).
 */
static __noinline int fentry_run(void *ctx, bool is_exit)
{
	struct ksnoop_regs *r;
	__u64 ip = 0;
	__u32 i, n;
	int func, hdr;

	func = fentry_func(ctx, stub.bits, &ip);
	if (func < 0)
		return 0;
	hdr = ksnoop_begin(func, is_exit, fentry_pre_fails(ctx, func, is_exit));
	if (hdr == KSNOOP_BEGIN_SKIP)
		return 0;
	r = ksnoop_stub_regs(ctx, hdr, is_exit, ip);
	if (r) {
		/*
		 * Only the registers some item reads (entry_args; at the return,
		 * none unless --changes reads them again), each by the inlined
		 * bpf_get_func_arg(): two cost 24 instructions, where one
		 * bpf_probe_read_kernel() of the trampoline's whole array cost
		 * over 75.
		 */
		n = is_exit ? exit_args : entry_args;
		r->nargs = bpf_get_func_arg_cnt(ctx);
		if (r->nargs > n)
			r->nargs = n;
		for (i = 0; i < KSNOOP_MAX_ARGS && i < n; i++)
			bpf_get_func_arg(ctx, i, &r->args[i]);
		r->ret = 0;
		if (is_exit)
			bpf_get_func_ret(ctx, &r->ret);
	}
	ksnoop_end(func, is_exit, hdr);
	return 0;
}

/*
 * Count a call of @func at its return, paired already and @lat_ns long:
 * the lean path of a session program (fentry_session_of()) and of the
 * pairing by frame (fentry_frame_pair()).
 */
static __always_inline void fentry_count_return(void *ctx, int func, __u64 lat_ns)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	/*
	 * --stats counted here, not through the global ksnoop_count_value():
	 * its call, prologue and the other modes' tests cost a call more than
	 * 20 instructions (7.2).
	 */
	if (agg_mode == KSNOOP_AGG_STATS)
		agg_stats_func(func, true, KSNOOP_HDR_EXIT, ret, lat_ns);
	else
		ksnoop_count_value(func, KSNOOP_HDR_EXIT, ret, lat_ns);
}

/*
 * Pairing by the trampoline's frame (KSNOOP_SB_FRAME): the lean counting
 * path with returns where there is no session cookie (fentry and fexit
 * programs: kernels before 7.0, or KSNOOP_NO_FSESSION=1). The context is the
 * trampoline's array of argument registers, in the trampoline's stack frame:
 * the fentry and the fexit run of one call see the same address, and no
 * other call in progress does (it is on another stack, or deeper in this
 * one). So a slot of "frames" chosen by that address keeps the entry's time
 * for the return, which finds it by the same address: no per-thread state,
 * whose lookup at both ends cost --stats twice the floor (6.12). A call whose
 * slot another call in progress holds is paired by its thread
 * (fentry_count()) at both ends: its return does not find its address there.
 *
 * In .bss, not a map of its own: a slot's address is then the array's plus
 * an offset, where a lookup would spill the index, call (or inline) and test
 * for NULL: eight instructions a run. 64 KiB whether used or not.
 */
struct ksnoop_frame frames[KSNOOP_FRAME_SLOTS];

/*
 * The slots in use less 1 (src/attach.c; KSNOOP_FRAME_SLOTS=1 in tests: every
 * call collides). The verifier knows the constant, hence every index in bounds.
 */
const volatile __u32 frame_mask;

/*
 * The slot, under @mask, of the call whose context is @ctx: 12 bits of a
 * multiplicative hash of its address's low 32 bits (bits 20-31 of the product
 * by the kernel's GOLDEN_RATIO_32, which fits an instruction's immediate). The
 * same path through the kernel puts the trampoline's frame at the same offset
 * in every task's stack; the stacks' addresses differ above that, which the
 * product mixes down. A privileged program may copy the low half of a pointer
 * into a scalar (the verifier's allow_ptr_leaks); clang emits no 32-bit move
 * by itself without alu32, nor a w register constraint: registers fixed.
 */
static __always_inline __u64 fentry_frame_slot(void *ctx, __u32 mask)
{
	register __u64 lo asm("r1");
	register void *addr asm("r2") = ctx;

	asm volatile("w1 = w2" : "=r"(lo) : "r"(addr));
	/* 64 bits: no zero extension */
	return (lo * 0x61c88647 >> 20) & mask;
}

static __always_inline struct ksnoop_frame *fentry_frame(void *ctx)
{
	return &frames[fentry_frame_slot(ctx, frame_mask)];
}

/*
 * Make *@key @ctx if it is 0: BPF_CMPXCHG, whose old value is returned.
 * clang 14 emits no cmpxchg without -mcpu=v3 (which would recompile the whole
 * program) and assembles none: the instruction by its encoding, registers
 * fixed: r0 = cmpxchg_64(r1 + 0, r0, r2). Storing a pointer in a map is
 * allowed to privileged programs, as is comparing one with a scalar.
 */
static __always_inline __u64 fentry_frame_claim(__u64 *key, void *ctx)
{
	register __u64 old asm("r0") = 0;
	register __u64 *k asm("r1") = key;
	register void *addr asm("r2") = ctx;

	asm volatile(".quad 0x000000f1000021db" : "+r"(old) : "r"(k), "r"(addr) : "memory");
	return old;
}

/*
 * The frame's half of the call (settings @sb): at entry keep the time in the
 * frame's slot, at the return count the call from it. False when the slot
 * is not this call's: the caller pairs it by thread.
 */
static __always_inline bool fentry_frame_pair(void *ctx, __u32 sb, bool is_exit)
{
	struct ksnoop_frame *f = fentry_frame(ctx);
	__u64 ip = 0, key, t0;
	int func;

	if (!is_exit) {
		/*
		 * 0: free. Our own address: a call at this frame whose return
		 * the kernel skipped; none in progress can have it.
		 */
		key = fentry_frame_claim(&f->key, ctx);
		if (key && key != (__u64)ctx)
			return false;
		f->t0 = bpf_ktime_get_ns();
		return true;
	}
	key = f->key;
	if (key != (__u64)ctx)
		return false;
	t0 = f->t0;
	/*
	 * Then free the slot: another CPU may take it at once. x86 keeps the
	 * store after the load; the compiler is told to.
	 */
	barrier();
	f->key = 0;
	func = fentry_func(ctx, sb, &ip);
	if (func >= 0)
		fentry_count_return(ctx, func, bpf_ktime_get_ns() - t0);
	return true;
}

/*
 * One value of the lean record path: item @i (@it, a constant of rec_lean)
 * into @val as capture_item() captures it from its base register's value @p
 * (argument or return value), by fentry_typed_ptr()'s direct loads with a
 * test of each pointer for NULL: a NULL pointer before the last step is
 * unreadable at 0, the last one unreadable at the member's offset, as
 * capture_item()'s reads that fault have them. A pointer neither NULL nor
 * readable reads 0 here, where bpf_probe_read_kernel() fails (the man page
 * says so).
 */
static __always_inline void fentry_lean_val(__u64 p, const struct ksnoop_item *it, __u32 i,
					    struct ksnoop_val *val)
{
	__u32 s;

	val->item = i;
	val->raw_len = 0;
	val->pad = 0;
	for (s = 0; s < KSNOOP_MAX_STEPS && s < it->nsteps; s++) {
		if (!p) {
			val->flags = KSNOOP_V_UNREADABLE;
			val->len = 0;
			val->addr = 0;
			return;
		}
		p = *(__u64 *)(p + it->steps[s]);
	}
	if (!(it->flags & KSNOOP_I_MEM)) {
		/* the register, or the pointer its steps led to, itself */
		val->flags = 0;
		val->len = it->size > sizeof(p) ? sizeof(p) : it->size;
		val->addr = 0;
		*(__u64 *)val->data = p;
		return;
	}
	val->len = it->size;
	if (!p) {
		val->flags = KSNOOP_V_UNREADABLE;
		val->addr = it->off;
		return;
	}
	val->flags = 0;
	val->addr = p + it->off;
	*(__u64 *)val->data = fentry_typed_int(p, it);
}

/*
 * The record of this run of @func (header @flags and @depth, the call's
 * address @ip) into @rec: in the ring buffer, or in a frame's slot. Item i
 * goes into value rl->slot[i] in its phase: return-value items at the
 * return, the others at entry.
 */
static __always_inline void fentry_rec_build(void *ctx, struct ksnoop_rec *rec, int func,
					     bool is_exit, __u32 flags, __u32 depth, __u64 ip)
{
	/* not volatile, as in fentry_typed_ptr() */
	const struct ksnoop_rec_lean *rl = KSNOOP_RODATA(struct ksnoop_rec_lean, &rec_lean);
	const struct ksnoop_item *it;
	__u64 ret = 0;
	__u32 i;

	/* constants of .rodata: the verifier knows the record's size */
	ksnoop_rec_header(rec, func, is_exit, flags, depth, rl->size[is_exit], rl->nvals[is_exit]);
	rec->stack_id = 0;
	rec->ts = bpf_ktime_get_ns();
	rec->ip = ip;
	if (is_exit)
		bpf_get_func_ret(ctx, &ret);
	rec->ret = ret;
#pragma unroll
	for (i = 0; i < KSNOOP_LEAN_ITEMS; i++) {
		it = &rl->items[i];
		if (i >= rl->nitems || (it->base == KSNOOP_BASE_RET) != is_exit)
			continue;
		fentry_lean_val(
			is_exit ? ret : fentry_arg(ctx, it->base), it, i,
			(struct ksnoop_val *)(rec->data + rl->slot[i] * KSNOOP_LEAN_VAL_SIZE));
	}
}

/*
 * The wake-up flag of a record of @size bytes not yet in the ring buffer's
 * data. As emit(): wake the reader only once the ring is a quarter full.
 */
static __always_inline __u64 fentry_wake(__u32 size)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + size >= wake_bytes ?
		       BPF_RB_FORCE_WAKEUP :
		       BPF_RB_NO_WAKEUP;
}

/* Send @rec, reserved in the ring buffer, whose data counts it already. */
static __always_inline void fentry_rec_submit(void *rec)
{
	bpf_ringbuf_submit(rec, fentry_wake(0));
}

/*
 * One record per call (KSNOOP_SB_REC_LEAN with KSNOOP_SB_FRAME, returns
 * traced): the entry builds its record in a slot chosen by its trampoline
 * frame, as fentry_frame_pair() keeps the entry's time, and the return sends
 * it with its own record in one sample (KSNOOP_R_CALL), which userspace shows
 * as the call without pairing it. Against an entry record and a return
 * record paired by thread, that spares a ring buffer reservation and commit,
 * both runs' per-thread state, the return's function id, and userspace's
 * copy and pairing of the entry. A call whose slot another call in progress
 * holds takes that two-record path. Userspace shows the entries still held
 * at the stop in flight (tracer_held_calls()). 180 KiB, in .bss for the
 * reasons "frames" is.
 */
struct ksnoop_rec_frame rec_frames[KSNOOP_REC_FRAME_SLOTS];

/* The slots in use less 1, as frame_mask (src/attach.c). */
const volatile __u32 rec_frame_mask;

static __always_inline struct ksnoop_rec_frame *fentry_rec_frame(void *ctx)
{
	return &rec_frames[fentry_frame_slot(ctx, rec_frame_mask)];
}

/*
 * The slot that keeps the entry of the call returning with context @ctx, or
 * NULL: the caller pairs it by thread.
 */
static __always_inline struct ksnoop_rec_frame *fentry_rec_held(void *ctx)
{
	struct ksnoop_rec_frame *f = fentry_rec_frame(ctx);

	return f->key == (__u64)ctx ? f : NULL;
}

/*
 * An entry of @size bytes that an earlier call kept in @f, found there by a
 * call at the same frame address, about to take the slot. The same thread:
 * the kernel skipped that call's return, and the entry is lost. Another
 * thread: the one that kept it exited in the call (do_exit(), and what calls
 * it: get_signal() for a fatal signal) and its stack is this thread's now, as
 * the kernel reuses freed stacks at once and often at the same offset (seen in
 * most of 300 sequential exits, 6.1). That call is sent alone, to be shown
 * with its return lost (KSNOOP_R_GONE), as it would be at the stop.
 */
static __always_inline void fentry_rec_gone(struct ksnoop_rec_frame *f, __u32 size)
{
	struct ksnoop_rec *kept = (struct ksnoop_rec *)f->rec;

	if (kept->tid == (__u32)bpf_get_current_pid_tgid()) {
		ksnoop_rec_lost(kept->func, KSNOOP_LOST_NESTED, 1);
		return;
	}
	/* rare: copied by the helper, not by fentry_rec_lean()'s words */
	kept->flags = KSNOOP_R_GONE;
	if (bpf_ringbuf_output(&events, kept, size, fentry_wake(size)))
		ksnoop_rec_lost(kept->func, KSNOOP_LOST_RINGBUF, 1);
}

/*
 * KSNOOP_SB_REC_LEAN: the record path of a plain trace (struct
 * ksnoop_rec_lean says when), the record built here, as emit() builds it
 * from the scratch area: no scratch area, no CPU lock, no plan lookup, no
 * global call per item, one clock read.
 * - With KSNOOP_SB_FRAME an entry is kept in its frame's slot if it is free
 *   (or its own: see below), and the return that finds it there (@held,
 *   fentry_rec_held()) sends it, then its own record, in one sample. After
 *   the stop it stays kept, and userspace shows the call in flight, as it
 *   shows a call whose return came after the stop on the two-record path.
 * - Else the call is paired by ksnoop_rec_pair() as ksnoop_begin() pairs it,
 *   so the pairing in userspace and the accounting of losses are the record
 *   path's.
 * One copy of the record's building for all three: a program per function,
 * verified each time.
 */
static __always_inline void fentry_rec_lean(void *ctx, __u32 sb, bool is_exit,
					    struct ksnoop_rec_frame *held)
{
	const struct ksnoop_rec_lean *rl = KSNOOP_RODATA(struct ksnoop_rec_lean, &rec_lean);
	struct ksnoop_rec *rec = NULL, *out;
	__u32 size = rl->size[0], flags = 0, depth = 0, i;
	struct ksnoop_rec_frame *f;
	bool kept = false;
	int func, hdr;
	__u64 ip = 0, key;

	if (held) {
		if (stopped)
			return;
		func = ((const struct ksnoop_rec *)held->rec)->func;
		rec = bpf_ringbuf_reserve(&events, size + rl->size[1], 0);
		if (rec) {
			/* by words, the size a constant: no helper call */
#pragma unroll
			for (i = 0; i < KSNOOP_LEAN_REC_MAX / sizeof(__u64); i++)
				if (i * sizeof(__u64) < size)
					((__u64 *)rec)[i] = ((const __u64 *)held->rec)[i];
		}
		/*
		 * Then free the slot: another CPU may take it at once. x86 keeps
		 * the store after the loads; the compiler is told to.
		 */
		barrier();
		held->key = 0;
		if (!rec) {
			/* the call's two records, as the two-record path counts them */
			ksnoop_rec_lost(func, KSNOOP_LOST_RINGBUF, 2);
			return;
		}
		out = (struct ksnoop_rec *)((__u8 *)rec + size);
		ip = rec->ip;
		goto build;
	}
	func = fentry_func(ctx, sb, &ip);
	if (func < 0)
		return;
	if (!is_exit && (sb & KSNOOP_SB_FRAME)) {
		f = fentry_rec_frame(ctx);
		key = fentry_frame_claim(&f->key, ctx);
		if (!key || key == (__u64)ctx) {
			/*
			 * Our own address: the kernel skipped the return of the
			 * call kept here (a recursion miss, which it counts as
			 * the return's record). Its entry, overwritten now, is
			 * counted lost as a nested run's. Unless another
			 * thread kept it: see fentry_rec_gone().
			 */
			if (key)
				fentry_rec_gone(f, size);
			out = (struct ksnoop_rec *)f->rec;
			flags = KSNOOP_R_CALL;
			kept = true;
			goto build;
		}
	}
	hdr = ksnoop_rec_pair(func, is_exit);
	if (hdr < 0)
		return;
	/* a constant of .rodata: the verifier knows the record's size */
	rec = bpf_ringbuf_reserve(&events, rl->size[is_exit], 0);
	if (!rec) {
		ksnoop_rec_lost(func, KSNOOP_LOST_RINGBUF, 1);
		return;
	}
	out = rec;
	flags = hdr & 0xffff;
	depth = hdr >> 16;
build:
	fentry_rec_build(ctx, out, func, is_exit, flags, depth, ip);
	/*
	 * Not a test of @rec: 6.1's verifier does not know a ring buffer
	 * record that was tested once to be non-NULL, and would find it leaked
	 * on the other branch. Opaque, so that clang does not test @rec instead.
	 */
	barrier_var(kept);
	if (!kept)
		fentry_rec_submit(rec);
}

/*
 * The stub for settings @sb (stub.bits): the programs of the common settings
 * (KSNOOP_STUB_CASES()) pass them as constants, so that clang keeps no test
 * of a setting there.
 */
static __always_inline int fentry_stub_of(void *ctx, bool is_exit, __u32 sb)
{
	struct ksnoop_rec_frame *held = NULL;
	__u64 ip = 0;
	int func;

	/*
	 * A return paired by its frame: its entry passed the task filters and
	 * "stopped", so neither is asked again (the record path asks "stopped").
	 */
	if (is_exit && (sb & KSNOOP_SB_FRAME)) {
		if (sb & KSNOOP_SB_REC_LEAN) {
			held = fentry_rec_held(ctx);
			if (held)
				goto rec;
		} else if (fentry_frame_pair(ctx, sb, true)) {
			return 0;
		}
	}
	/*
	 * -s: the chain's gate, before the task filters (either leaves the
	 * call out; the gate is the cheaper test where there are no task
	 * filters): a call outside every chain pays the function id and one
	 * load. fentry_run() asks for the id again: one helper call more for
	 * a call that goes on, none of its registers kept here.
	 *
	 * A return asks first whether any call is in progress
	 * (ksnoop_no_calls()): the task filters and -s's function id would be
	 * asked for nothing (the return of a call an entry predicate
	 * rejected, or one outside the chain). -s keeps that gate
	 * (KSNOOP_SB_GATE), so a return asks the chain only under it.
	 */
	if (is_exit && (sb & KSNOOP_SB_GATE)) {
		if (!busy_threads)
			return 0;
		if ((sb & KSNOOP_SB_CHAIN) && ksnoop_chain_closed(fentry_func(ctx, sb, &ip)))
			return 0;
	} else if (!is_exit && (sb & KSNOOP_SB_CHAIN) &&
		   ksnoop_chain_closed(fentry_func(ctx, sb, &ip))) {
		return 0;
	}
	if (sb & KSNOOP_SB_COMM1) {
		if (ksnoop_comm1_differs())
			return 0;
	} else if ((sb & KSNOOP_SB_TASK) && ksnoop_task_filtered()) {
		return 0;
	}
	/*
	 * pred_typed: the entry predicate, by direct loads, before the function
	 * id, any lookup, and "stopped" (a call it rejects is left out either
	 * way). A call it rejects keeps its place in the thread's calls as
	 * ksnoop_begin() keeps a rejected one, only where that keeps anything
	 * (a traced call in progress, returns traced).
	 */
	if (!is_exit && (sb & KSNOOP_SB_PRED_TYPED) && fentry_pred_fails(ctx, sb)) {
		if (ksnoop_reject_keeps_nothing(sb) || stopped)
			return 0;
		func = fentry_func(ctx, sb, &ip);
		if (func >= 0)
			ksnoop_begin(func, false, true);
		return 0;
	}
	if (stopped)
		return 0;
	if (sb & KSNOOP_SB_REC_LEAN) {
	rec:
		fentry_rec_lean(ctx, sb, is_exit, held);
		return 0;
	}
	/*
	 * agg_lean: counted from the stub itself. It needs no register the stub
	 * does not save already (the context), and a subprogram's call and
	 * prologue would be a tenth of the count's cost.
	 */
	if (sb & KSNOOP_SB_AGG_LEAN) {
		if (!is_exit && (sb & KSNOOP_SB_FRAME) && fentry_frame_pair(ctx, sb, false))
			return 0;
		func = fentry_func(ctx, sb, &ip);
		if (func >= 0)
			fentry_count(ctx, func, is_exit);
		return 0;
	}
	return fentry_run(ctx, is_exit);
}

/*
 * The programs: a generic one per attach type, which reads stub.bits at run
 * time, and one per case of KSNOOP_STUB_CASES() (include/ksnoop.h), whose
 * bits are constants: clang folds every test of a setting there, and a run
 * pays no read of stub.bits at all. The verifier removes the branches the
 * settings decide either way, but keeps each read of one (an instruction a
 * run executes).
 */
SEC("fentry")
int ksnoop_entry(void *ctx)
{
	return fentry_stub_of(ctx, false, stub.bits);
}

SEC("fexit")
int ksnoop_exit(void *ctx)
{
	return fentry_stub_of(ctx, true, stub.bits);
}

/*
 * Written in a generic section because libbpf 1.1 knows no multi-fentry
 * section; userspace retypes them before load, or does not load them.
 */
SEC("raw_tp")
int ksnoop_entry_multi(void *ctx)
{
	return fentry_stub_of(ctx, false, stub.bits);
}

SEC("raw_tp")
int ksnoop_exit_multi(void *ctx)
{
	return fentry_stub_of(ctx, true, stub.bits);
}

/* A case without the id's bits reads them (fentry_func()). */
#define FENTRY_CASE_BITS(bits, any_id) ((any_id) ? (bits) | FENTRY_SB_ID_READ : (bits))
#define FENTRY_CASE_PROG(sec, name, is_exit, bits, any_id)                                         \
	SEC(sec)                                                                                   \
	int name(void *ctx)                                                                        \
	{                                                                                          \
		return fentry_stub_of(ctx, is_exit, FENTRY_CASE_BITS(bits, any_id));               \
	}
#define FENTRY_CASE_PROGS(name, bits, any_id)                                                      \
	FENTRY_CASE_PROG("fentry", ksnoop_entry_##name, false, bits, any_id)                       \
	FENTRY_CASE_PROG("fexit", ksnoop_exit_##name, true, bits, any_id)                          \
	FENTRY_CASE_PROG("raw_tp", ksnoop_entry_multi_##name, false, bits, any_id)                 \
	FENTRY_CASE_PROG("raw_tp", ksnoop_exit_multi_##name, true, bits, any_id)

KSNOOP_STUB_CASES(FENTRY_CASE_PROGS)
#undef FENTRY_CASE_PROGS
#undef FENTRY_CASE_PROG
#undef FENTRY_CASE_BITS

/*
 * The lean counting path asks every run for the id: a case per way to find
 * it, each returning @of(its bits).
 */
#define FENTRY_CASES_ID(of, bits)                                                                  \
	case (bits) | KSNOOP_SB_ONE_FUNC:                                                          \
		return of((bits) | KSNOOP_SB_ONE_FUNC);                                            \
	case (bits) | KSNOOP_SB_COOKIE:                                                            \
		return of((bits) | KSNOOP_SB_COOKIE);                                              \
	case (bits):                                                                               \
		return of(bits)

/*
 * The fentry backends' session mode (Linux 7.0+): fentry-multi's one
 * BPF_TRACE_FSESSION_MULTI link, or the fentry backend's BPF_TRACE_FSESSION
 * copy per function; loaded only for the lean counting path without -s
 * (tracer_fsession_prepare() in src/attach.c says why only there): one
 * program for entries and returns, run twice per call through the
 * trampoline, bpf_session_is_return() telling which run this is. The kernel
 * runs the return whatever the entry returns (it must return 0). The call
 * is paired by its session cookie and counted at the return, from the
 * return value and its latency. Written in a generic section, as the multi
 * stubs above; userspace retypes it and patches the kfunc calls.
 */
static __always_inline int fentry_session_of(void *ctx, __u32 sb)
{
	bool is_exit = ksnoop_session_is_return(ctx);
	__u64 ip = 0, lat;
	int func;

	/*
	 * The return only after an entry that stored its time: one the task
	 * filters left out or "stopped" stopped left 0, so the return asks
	 * neither again.
	 */
	if (!is_exit && ksnoop_skip_task(sb))
		return 0;
	if (!ksnoop_session_time(ctx, is_exit, &lat))
		return 0;
	func = fentry_func(ctx, sb, &ip);
	if (func >= 0)
		fentry_count_return(ctx, func, lat);
	return 0;
}

#define FENTRY_SESSION_OF(bits) fentry_session_of(ctx, (bits))

SEC("raw_tp")
int ksnoop_session_multi(void *ctx)
{
	/* the common settings as constants, as the stubs' cases have them */
	switch (stub.bits) {
		FENTRY_CASES_ID(FENTRY_SESSION_OF, KSNOOP_SB_AGG_LEAN);
	default:
		return fentry_session_of(ctx, stub.bits);
	}
}
#undef FENTRY_SESSION_OF
#undef FENTRY_CASES_ID
