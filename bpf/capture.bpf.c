// SPDX-License-Identifier: GPL-2.0
/*
 * The capture code of the one ksnoop BPF program, shared by every backend.
 *
 * It knows nothing about the functions it traces: userspace writes a capture
 * plan per function into "plans". Each backend has a short entry stub in a
 * file of its own (bpf/fentry.bpf.c, bpf/kprobe_multi.bpf.c, ...) that finds
 * the function id (attach cookie, or function address), saves the argument
 * registers and the return value into this CPU's scratch area and calls
 * ksnoop_begin() and ksnoop_finish() here (the protocol is in capture.h).
 * The capture follows member chains with bpf_probe_read_kernel() and streams
 * one record per entry and per exit through the "events" ring buffer.
 * Userspace pairs entry and exit records per thread by depth. Two subjects
 * have headers of their own, included here: predicates (pred.h) and counting
 * instead of recording (agg.h, agg_value.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "capture.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace through the skeleton before load. */
const volatile __u32 filter_tgid;
const volatile __u32 filter_tid;
const volatile bool use_cookie = true;
const volatile bool entry_only;
const volatile bool kernel_format;
/* --kernel-format check mode: format our own copy and send both text and bytes. */
const volatile bool format_check;
/* -c/--comm: the calling task's comm must match one of these. */
const volatile __u32 filter_ncomms;
const volatile struct ksnoop_comm filter_comms[KSNOOP_MAX_COMMS];
/* -c on kernels with bpf_get_current_task_btf(): where comm is in struct task_struct. */
const volatile __u32 task_comm_off;
/* --cgroup: the calling task must be in the cgroup in "cgroup_filter" or below. */
const volatile bool filter_cgroup;
/* --slower-than (ns) and --errors: which returning calls are shown. */
const volatile __u64 slower_than_ns;
const volatile bool errors_only;
/*
 * Some item has a string predicate. Without one, the string matcher's loop is
 * dead code the verifier skips: its 256 steps would otherwise add about 10,000
 * instructions to verify to every program load (one per function on kernels
 * without multi links).
 */
const volatile bool str_preds;
/* Some plan has a pre_item: the stubs ask ksnoop_item_fails() at entry. */
const volatile bool early_preds;
const volatile bool kstack;
/* --count-by caller: the stubs read the stack's first frames (ksnoop_caller_stack()). */
const volatile bool caller_stack;
/* --changes: memory items are captured again at return (capture_item()). */
const volatile bool changes;
/*
 * -s: the plans' chain levels decide which calls are recorded (chain_enter());
 * the function id is the chain level.
 */
const volatile bool chain_mode;
/*
 * busy_threads is kept: with -s, and with entry predicates or task filters
 * when recording returns (a counting mode keeps per-CPU counters only: two
 * atomic adds on one line for every CPU would cost it more than it saves).
 */
const volatile bool thread_gate;
/*
 * The stubs' settings as bits (enum ksnoop_stub_bit), read once per run, and
 * for the fentry backend (KSNOOP_SB_PRED_TYPED) the predicate every plan has
 * as its pre_item, which the stub decides by direct loads the verifier types
 * (bpf/fentry.bpf.c).
 */
const volatile struct ksnoop_stub_conf stub;
/* KSNOOP_SB_REC_LEAN: the items the fentry stub's records hold (bpf/fentry.bpf.c). */
const volatile struct ksnoop_rec_lean rec_lean;
/* Argument registers the stubs save at entry and at the return (set_capture_bounds()). */
const volatile __u32 entry_args = KSNOOP_MAX_ARGS;
const volatile __u32 exit_args = KSNOOP_MAX_ARGS;
/* A quarter of the ring buffer's bytes: emit() wakes the reader past that. */
const volatile __u32 wake_bytes;
/*
 * The kernel lets the backend's programs use task-local storage (a feature
 * probe, src/kfeatures.c): the per-thread state lives in "thread_tls", with
 * the task, else in the "threads" hash (thread_state()).
 */
const volatile bool task_storage;
/*
 * The program runs on a kprobe.session link (src/be_kprobe_multi.c): an entry
 * that returns KSNOOP_BEGIN_NORET to the stub has no return run.
 */
const volatile bool session_link;

/*
 * Set by userspace through the skeleton's mmap'ed .bss (tracer_stop()) when
 * tracing stops: record nothing more, while links may take a minute to go.
 */
volatile bool stopped;

/*
 * Threads with a traced call in progress (their depth above 0), kept where
 * thread_gate is set; the stubs read it to return at once from a run that
 * has nothing to do: with -s the call of a function other than the chain's
 * first (ksnoop_chain_closed()), and any return (ksnoop_no_calls()). With
 * -s only a chain's first call pushes a depth on a thread that has none
 * (ksnoop_pair()), so a thread counted is inside a level-0 call (or one its
 * later predicates hid, which only keeps the gate open longer); with entry
 * predicates or task filters, a call they did not leave out at entry.
 * Changed by atomic adds whose result is not used (an add with fetch needs
 * Linux 5.12): two per
 * outermost call kept (its thread's depth leaving 0 and returning to it),
 * none for the calls nested in it or left out. A thread that never returns
 * to depth 0 (a return the kernel skipped, a thread ending inside a call, a
 * state the hash evicted) leaves it high: runs then take the slow path,
 * which decides alone, and rightly. It never goes low: a thread takes its
 * add back only when its own depth returns to 0.
 */
volatile __u64 busy_threads;

struct ksnoop_plans_map plans SEC(".maps");

struct ksnoop_func_ids_map func_ids SEC(".maps");

struct ksnoop_patterns_map patterns SEC(".maps");

struct ksnoop_cgroup_map cgroup_filter SEC(".maps");

struct ksnoop_events_map events SEC(".maps");

struct ksnoop_scratch_map scratch SEC(".maps");
struct ksnoop_stacks_map stacks SEC(".maps");

/* Per-thread state by thread id, where the kernel has no task-local storage for us. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ksnoop_thread_state);
} threads SEC(".maps");

/*
 * Per-thread state with task_storage: kept in the task itself, found without
 * hashing (a pointer the kernel caches per map), and freed when the thread
 * exits, so a new thread that reuses an id starts clean. Retyped by userspace
 * to a one-entry array when unused (no such map type before Linux 5.11).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ksnoop_thread_state);
} thread_tls SEC(".maps");

/*
 * A new thread's state, all zero, never written: it would not fit on the
 * stack (512 bytes over all frames on 6.1).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksnoop_thread_state);
} zero_thread SEC(".maps");

/*
 * A nested run's argument registers (the scratch area is busy), saved by the
 * stub when ksnoop_begin() says the run is nested, for ksnoop_nested().
 */
struct ksnoop_nest_regs_map nest_regs SEC(".maps");

struct ksnoop_stats_map stats SEC(".maps");

/*
 * Records lost per function and reason (key = function id *
 * KSNOOP_LOST_REASONS + enum ksnoop_lost_reason), for in-stream loss reports.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized to functions * KSNOOP_LOST_REASONS */
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/*
 * The scratch record of a CPU is in use (inuse = 1) while a program run
 * builds and outputs it. Another run can start on the same CPU before that
 * one ends: a traced function called from an interrupt or softirq
 * (tcp_v4_rcv under tcp_sendmsg's run), or a traced function this program
 * calls itself (bpf_ringbuf_output). It would overwrite the record being
 * built: such a nested run is dropped and counted lost (reason "nested")
 * instead, unless its entry predicates, decided without the scratch area,
 * reject the call anyway. Nesting on one CPU is LIFO, so a plain flag
 * suffices.
 *
 * The run holding the CPU also keeps its times here: ksnoop_begin() reads
 * the clock once and has the thread state at hand, ksnoop_finish() needs the
 * times, and global functions cannot pass a map value to each other.
 *
 * The lean counting path (agg_lean, ksnoop_count()) does not use it: it
 * builds no record, so takes no lock, and keeps its times on its stack.
 */
struct cpu_run {
	__u32 inuse;
	__u32 pad;
	__u64 now;	/* bpf_ktime_get_ns() at this run: the record's time */
	__u64 entry_ns; /* the call's entry time: now at an entry, kept in the thread state */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_run);
} busy SEC(".maps");

#include "agg.h"

/*
 * The UAPI struct btf_ptr of bpf_snprintf_btf(), without CO-RE: vmlinux.h's
 * copy would give the object a CO-RE relocation (see struct ksnoop_pt_regs).
 */
struct ksnoop_btf_ptr {
	void *ptr;
	__u32 type_id;
	__u32 flags;
};

/* @n records of function @func lost for @reason (enum ksnoop_lost_reason). */
static __always_inline void count_lost(__u32 func, __u32 reason, __u64 n)
{
	__u32 key = func * KSNOOP_LOST_REASONS + reason;
	__u64 *l = bpf_map_lookup_elem(&lost, &key);

	count_n(reason == KSNOOP_LOST_NESTED ? KSNOOP_STAT_NESTED : KSNOOP_STAT_LOST, n);
	if (l)
		*l += n;
}

/*
 * The calling thread's state, made (all zero) with @create if it has none.
 * NULL: none, or, with @create, none could be made. With task_storage the
 * kernel also answers NULL when a task-storage operation is already under way
 * on this CPU (this run interrupted one; on 6.2+ only a creation fails then):
 * the caller takes it as a run the kernel skipped, counted.
 */
static __always_inline struct ksnoop_thread_state *thread_state(bool create)
{
	struct ksnoop_thread_state *ts, *zero;
	__u32 tid, key0 = 0;

	if (task_storage)
		return bpf_task_storage_get(&thread_tls, bpf_get_current_task_btf(), NULL,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	tid = (__u32)bpf_get_current_pid_tgid();
	ts = bpf_map_lookup_elem(&threads, &tid);
	if (ts || !create)
		return ts;
	zero = bpf_map_lookup_elem(&zero_thread, &key0);
	if (!zero)
		return NULL;
	bpf_map_update_elem(&threads, &tid, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&threads, &tid);
}

/*
 * Why the work is split into global functions: the kernel verifies a global
 * (non-static, noinline) function once, on its own, with unknown scalar
 * arguments, while a static or inlined one is verified again for every
 * distinct path that reaches it. ksnoop loads a copy of this program per
 * traced function on kernels without multi links, so verification cost is
 * attach cost: keeping each path short here keeps `ksnoop 'tcp_*'` fast.
 * Global functions take no pointers (kernels before 6.8 cannot pass the
 * context to them), hence the registers saved in the scratch area.
 */

/*
 * Follow item @it's pointer steps from its base register value *@v (argument
 * or return value). Returns 0, or the error of the read that faulted.
 */
static __always_inline long item_chase(const struct ksnoop_item *it, __u64 *v)
{
	long err = 0;
	__u32 s;

	for (s = 0; s < KSNOOP_MAX_STEPS; s++) {
		if (s >= it->nsteps)
			break;
		err = bpf_probe_read_kernel(v, sizeof(*v), (void *)(*v + it->steps[s]));
		if (err)
			break;
	}
	return err;
}

/*
 * The value of item @it, at most 8 bytes (predicates, --hist), once its steps
 * led to @v: the memory at v + off, or v itself. Returns 0 or the read's error.
 */
static __always_inline long item_load8(const struct ksnoop_item *it, __u64 v, __u64 *buf)
{
	__u32 size;

	if (!(it->flags & KSNOOP_I_MEM)) {
		*buf = v;
		return 0;
	}
	size = it->size > sizeof(*buf) ? sizeof(*buf) : it->size;
	barrier_var(size);
	return bpf_probe_read_kernel(buf, size & 15, (void *)(v + it->off));
}

#include "pred.h"

/*
 * --changes: is @it an entry item to read again at return? Memory an argument
 * leads to (struct members, pointees, strings), followed again from the same
 * arguments, so that userspace can compare the bytes; not predicate items,
 * whose predicate decided at entry.
 */
static __always_inline bool changed_item(const struct ksnoop_item *it, __u32 is_exit)
{
	return changes && is_exit && it->base != KSNOOP_BASE_RET &&
	       (it->flags & (KSNOOP_I_MEM | KSNOOP_I_STR)) &&
	       !(it->flags & (KSNOOP_I_PRED | KSNOOP_I_HIDE));
}

/*
 * Capture item @i of function @func's plan into this CPU's record if it
 * belongs to this phase (return-value items at exit, the others at entry).
 * Returns 0 to go on, 1 to stop.
 *
 * Long (about 140 lines) on purpose: it is the one global function that reads
 * a value, and the read (string, memory, kernel text, register), the
 * predicate and the kernel formatting share the same dozen locals (the slot
 * in the record, the copy, its length and flags). Split into global functions
 * they would have to go through the scratch area (global functions take no
 * pointers to the stack); split into inlined ones, they would take most
 * locals by pointer and read no better.
 */
__noinline int capture_item(__u32 func, __u32 i, __u32 is_exit)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	struct scratch *sc = ksnoop_scratch();
	const struct ksnoop_item *it;
	struct ksnoop_val *val;
	__u64 v = 0, addr = 0;
	__u32 off, base, size, len = 0;
	__u8 vflags = 0, *raw;
	bool kfmt;
	long err = 0;

	if (!plan || !sc || i >= plan->nitems)
		return 1;
	/* The mask, not a comparison, is what the verifier sees through. */
	it = &plan->items[i & (KSNOOP_MAX_ITEMS - 1)];
	if ((it->base == KSNOOP_BASE_RET) != !!is_exit && !changed_item(it, is_exit))
		return 0;
	/* Room for a value header plus the largest text and copy. */
	off = sc->off;
	if (off > KSNOOP_SCRATCH - sizeof(*val) - 2 * KSNOOP_MAX_VALUE - 8)
		return 1;
	val = (void *)(sc->buf + off);
	val->raw_len = 0;
	val->pad = 0;

	base = it->base;
	if (base == KSNOOP_BASE_RET)
		v = sc->r.ret;
	else if (base < sc->r.nargs && base < KSNOOP_MAX_ARGS)
		v = sc->r.args[base];
	else
		err = -1; /* no such argument register in this call */
	if (!err)
		err = item_chase(it, &v);

	size = it->size;
	if (size > KSNOOP_MAX_VALUE)
		size = KSNOOP_MAX_VALUE;
	/* Keep clang from re-reading it->size past the clamp (6.1's verifier then fails). */
	barrier_var(size);
	/* With --kernel-format the bytes go after the text area. */
	kfmt = kernel_format && (it->flags & KSNOOP_I_KFMT);
	raw = kfmt ? val->data + KSNOOP_MAX_VALUE : val->data;
	if (err) {
		vflags |= KSNOOP_V_UNREADABLE;
	} else if (it->flags & KSNOOP_I_STR) {
		kfmt = false;
		addr = v + it->off;
		err = bpf_probe_read_kernel_str(val->data, size, (void *)addr);
		/*
		 * Many char * arguments are user pointers (do_sys_openat2's
		 * filename) and kernel BTF rarely carries the __user tag that
		 * would say so. A kernel read of a user address fails, so try
		 * the address as a user one before giving up.
		 */
		if (err < 0)
			err = bpf_probe_read_user_str(val->data, size, (void *)addr);
		if (err < 0) {
			vflags |= KSNOOP_V_UNREADABLE;
		} else {
			len = err;
			if (len == size)
				vflags |= KSNOOP_V_TRUNC;
		}
	} else if (it->flags & KSNOOP_I_MEM) {
		addr = v + it->off;
		if (kfmt && !format_check && !(it->flags & KSNOOP_I_PRED)) {
			/* The design path: the kernel walks the live value. */
			struct ksnoop_btf_ptr p = {.ptr = (void *)addr, .type_id = it->btf_id};

			err = bpf_snprintf_btf((char *)val->data, KSNOOP_MAX_VALUE, (void *)&p,
					       sizeof(p), BTF_F_PTR_RAW);
			if (err < 0) {
				vflags |= KSNOOP_V_UNREADABLE;
			} else {
				vflags |= KSNOOP_V_TEXT;
				len = err < KSNOOP_MAX_VALUE ? err + 1 : KSNOOP_MAX_VALUE;
				/* The helper returns the length it wanted: say if it was cut. */
				if (err >= KSNOOP_MAX_VALUE)
					vflags |= KSNOOP_V_TRUNC;
			}
			kfmt = false;
		} else {
			err = bpf_probe_read_kernel(raw, size, (void *)addr);
			if (err)
				vflags |= KSNOOP_V_UNREADABLE;
			len = size;
		}
	} else {
		/* Register value: the argument or return value itself. */
		__builtin_memcpy(raw, &v, 8);
		len = size > 8 ? 8 : size;
	}
	if (it->size > KSNOOP_MAX_VALUE && !(vflags & KSNOOP_V_UNREADABLE))
		vflags |= KSNOOP_V_TRUNC;

	if (it->flags & KSNOOP_I_PRED) {
		/* An unreadable value never satisfies a predicate. */
		if ((vflags & KSNOOP_V_UNREADABLE) || pred_fails(func, i, raw - sc->buf)) {
			sc->failed = 1;
			return 1;
		}
	}
	if (it->flags & KSNOOP_I_HIDE)
		return 0;

	/*
	 * Register values, predicate values and the check mode are
	 * formatted from our copy, so the text describes exactly the
	 * bytes we read (and, in check mode, also send).
	 */
	if (kfmt && !(vflags & KSNOOP_V_UNREADABLE)) {
		struct ksnoop_btf_ptr p = {.ptr = raw, .type_id = it->btf_id};
		long n;

		n = bpf_snprintf_btf((char *)val->data, KSNOOP_MAX_VALUE, (void *)&p, sizeof(p),
				     BTF_F_PTR_RAW);
		/* The helper returns the length it wanted: say if it was cut. */
		if (n >= KSNOOP_MAX_VALUE)
			vflags |= KSNOOP_V_TRUNC;
		if (n < 0) {
			vflags |= KSNOOP_V_UNREADABLE;
			len = 0;
		} else if (format_check) {
			/* Text area padded to its full size, then the bytes. */
			vflags |= KSNOOP_V_TEXT | KSNOOP_V_RAWALSO;
			val->raw_len = len;
			len = KSNOOP_MAX_VALUE + len;
		} else {
			vflags |= KSNOOP_V_TEXT;
			len = n < KSNOOP_MAX_VALUE ? n + 1 : KSNOOP_MAX_VALUE;
		}
	}

	val->item = i;
	val->flags = vflags;
	val->len = vflags & KSNOOP_V_RAWALSO ? KSNOOP_MAX_VALUE : len;
	val->addr = addr;
	sc->off = off + sizeof(*val) + KSNOOP_VAL_ALIGN(len);
	sc->nvals++;
	return 0;
}

/*
 * Is the call returning now after @dur_ns left out by --slower-than or
 * --errors? Decided in the kernel at the return; the entry record was sent
 * already, the exit then says KSNOOP_R_DROP.
 */
static __always_inline bool call_filtered_at_exit(const struct ksnoop_plan *plan, __u64 ret,
						  __u64 dur_ns)
{
	if (errors_only && !ksnoop_ret_is_error(plan->ret_kind, plan->ret_size, ret))
		return true;
	return slower_than_ns && dur_ns < slower_than_ns;
}

/*
 * Capture this phase's items of function @func (its @plan) into this CPU's
 * record @sc, after the record header. Returns non-zero if a predicate failed.
 */
static __always_inline int capture_phase(const struct ksnoop_plan *plan, struct scratch *sc,
					 __u32 func, __u32 is_exit)
{
	__u32 i, end = is_exit ? plan->exit_end : plan->entry_end;

	sc->off = sizeof(struct ksnoop_rec);
	sc->nvals = 0;
	sc->failed = 0;
	/*
	 * A plain bounded loop, not bpf_loop() (Linux 5.17+): capture_item() is
	 * a global function, so each iteration costs the verifier one call. It
	 * stops at the phase's last item: a call costs more than the test that
	 * turns an item of the other phase away.
	 */
	for (i = 0; i < KSNOOP_MAX_ITEMS && i < end; i++)
		if (capture_item(func, i, is_exit))
			break;
	return sc->failed;
}

/* capture_phase() for a caller without the plan and the record at hand. */
static __always_inline int capture_items(__u32 func, __u32 is_exit)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	struct scratch *sc = ksnoop_scratch();

	return plan && sc ? capture_phase(plan, sc, func, is_exit) : 1;
}

#include "agg_value.h"

/*
 * Build function @func's record from the registers in this CPU's scratch area
 * and send it. @hdr packs the record flags (low 16 bits) and the depth (high
 * 16). The times are this CPU's struct cpu_run's, read here: a fifth
 * argument of a global function arrives wrong on 5.10. Returns 1 if a record
 * was built (sent, or counted lost).
 */
__noinline int emit(__u32 func, __u32 is_exit, __u32 hdr)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	struct scratch *sc = ksnoop_scratch();
	__u32 size, nvals, flags = hdr & 0xffff;
	struct ksnoop_rec *rec;
	struct cpu_run *cr;
	__u32 key0 = 0;
	bool wake, drop;

	if (!plan) {
		count(KSNOOP_STAT_NOPLAN);
		return 0;
	}
	cr = bpf_map_lookup_elem(&busy, &key0);
	if (!sc || !cr)
		return 0;
	drop = is_exit && (errors_only || slower_than_ns) &&
	       call_filtered_at_exit(plan, sc->r.ret, cr->now - cr->entry_ns);
	size = drop || capture_phase(plan, sc, func, is_exit) ? 0 : sc->off;
	nvals = sc->nvals;
	if (!size) {
		if (!is_exit)
			return 0;
		/* Return predicate or exit filter failed: userspace drops the pending entry. */
		flags |= KSNOOP_R_DROP;
		size = sizeof(*rec);
		nvals = 0;
	}
	if (size > KSNOOP_SCRATCH)
		return 0;

	rec = (void *)sc->buf;
	ksnoop_rec_header(rec, func, is_exit, flags | (kernel_format ? KSNOOP_R_TEXT : 0),
			  hdr >> 16, size, nvals);
	rec->stack_id = is_exit ? 0 : sc->r.stack_id;
	rec->ts = cr->now;
	rec->ip = sc->r.ip;
	rec->ret = is_exit ? sc->r.ret : 0;

	/*
	 * Waking the reader costs more than copying the values, and the reader
	 * polls every 100 ms anyway: wake it only once the ring is a quarter full.
	 */
	wake = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + size >= wake_bytes;
	/*
	 * A lost entry still counts as emitted: its exit record follows (shown as
	 * unpaired, or lost too), so every call is two records, shown or counted.
	 */
	if (bpf_ringbuf_output(&events, sc->buf, size,
			       wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP))
		count_lost(func, KSNOOP_LOST_RINGBUF, 1);
	return 1;
}

/*
 * A run nested in another on this CPU (ksnoop_begin() returned
 * KSNOOP_BEGIN_NESTED): count its records lost, unless the entry predicates
 * reject the call anyway, decided from the registers the stub saved in
 * nest_regs. A dropped entry takes its return along (no entry emitted: the
 * exit run stops early), so it counts both records, or one when no return is
 * traced (--entry, too deep).
 */
__noinline int ksnoop_nested(__u32 func, int hdr)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	const struct ksnoop_regs *r;
	__u32 i, base, key0 = 0;

	r = bpf_map_lookup_elem(&nest_regs, &key0);
	if (!plan || !r)
		return 0;
	/*
	 * The busy scratch record cannot take the values: ksnoop_item_fails()
	 * decides from 8 bytes, and a string predicate its prefix does not
	 * decide leaves the run counted as lost.
	 */
	for (i = 0; i < KSNOOP_MAX_ITEMS && i < plan->nitems; i++) {
		base = plan->items[i].base;
		if (base == KSNOOP_BASE_RET)
			continue;
		/* No such argument register: an unreadable value fails, as in capture_item(). */
		if (base >= r->nargs || base >= KSNOOP_MAX_ARGS) {
			if (plan->items[i].flags & KSNOOP_I_PRED)
				return 0;
			continue;
		}
		if (ksnoop_item_fails(func, i, r->args[base]))
			return 0;
	}
	/* Aggregation counts calls: a lost call is one loss, not two records. */
	count_lost(func, KSNOOP_LOST_NESTED, hdr == KSNOOP_BEGIN_NESTED_NOEXIT || agg_mode ? 1 : 2);
	return 0;
}

/*
 * -s: may the entry of @func at @depth be recorded? A call of chain level k
 * is kept only while a call of level k-1 is in progress on the thread (level
 * 0 always is); a kept call opens level k for the calls below it. A call that
 * is not kept costs no record, no copy and no lock: the cheap path of a busy
 * last function called outside the chain. Inline: global functions cannot
 * take the map value.
 */
static __always_inline bool chain_enter(struct ksnoop_thread_state *ts, __u32 func, __u32 depth)
{
	const struct ksnoop_plan *plan = bpf_map_lookup_elem(&plans, &func);
	__u32 lvl;

	/*
	 * barrier_var(): clang knows the ranges from the callers' checks and
	 * would drop the masks, without which the verifier (which does not
	 * know them here) refuses the accesses.
	 */
	barrier_var(depth);
	depth &= KSNOOP_MAX_DEPTH - 1;
	ts->chain_lvl[depth] = 0;
	if (!plan || !plan->chain || plan->chain > KSNOOP_MAX_CHAIN)
		return false;
	lvl = plan->chain - 1;
	barrier_var(lvl);
	lvl &= KSNOOP_MAX_CHAIN - 1;
	if (lvl && !ts->chain_open[(lvl - 1) & (KSNOOP_MAX_CHAIN - 1)])
		return false;
	ts->chain_open[lvl]++;
	ts->chain_lvl[depth] = lvl + 1;
	return true;
}

/* -s: the call at @depth returned (or is not shown): close the level it opened. */
static __always_inline void chain_exit(struct ksnoop_thread_state *ts, __u32 depth)
{
	__u32 l;

	/* As in chain_enter(): keep the mask the verifier needs. */
	barrier_var(depth);
	depth &= KSNOOP_MAX_DEPTH - 1;
	l = ts->chain_lvl[depth];
	if (!l)
		return;
	ts->chain_lvl[depth] = 0;
	if (ts->chain_open[(l - 1) & (KSNOOP_MAX_CHAIN - 1)])
		ts->chain_open[(l - 1) & (KSNOOP_MAX_CHAIN - 1)]--;
}

/*
 * Pair call @func's entry and return on the calling thread: at entry push its
 * depth, function and entry time, at its return pop them. @nested: this run
 * interrupted another on the CPU (its entry builds no record). @lean: the
 * lean counting path (ksnoop_count()), which needs the clock only to time a
 * returning call. Sets *@now to this run's clock (the record's time) and
 * *@entry_ns to the call's entry time. Returns the record header (flags, and
 * the depth in the high 16 bits), or -1 when the run is not recorded: a
 * return whose entry was not seen or not emitted, -s outside the chain
 * (KSNOOP_BEGIN_NORET on a session link: its return will not run).
 * @now NULL: no clock at all, and no entry time kept (the lean record path,
 * whose stub reads the clock for its record, and times no call here).
 * Inline: ksnoop_begin() and ksnoop_count() share it, and global functions
 * cannot hand each other the times.
 */
static __always_inline int ksnoop_pair(__u32 func, __u32 is_exit, bool nested, bool lean,
				       __u64 *now, __u64 *entry_ns)
{
	/*
	 * A return makes the state too where it lives with the task: it costs
	 * nothing until the thread exits, and NULL then always means a missed
	 * run, never a call entered before we attached. In the hash it would
	 * take an entry per thread that ever returned.
	 */
	bool create = !is_exit || task_storage;
	struct ksnoop_thread_state *ts;
	__u32 depth = 0;
	__u16 flags = 0;

	if (entry_only) {
		if (!lean)
			*now = *entry_ns = bpf_ktime_get_ns();
		return KSNOOP_R_NOEXIT;
	}
	ts = thread_state(create);
	if (!ts) {
		/*
		 * Like a run the kernel skips: an exit whose entry was missed
		 * finds another function on top and pops nothing, an entry
		 * whose exit was missed is popped by its caller's (below). The
		 * call is counted lost at its entry (its two records; counting
		 * modes count calls), never at its return: a return finds no
		 * state only while a task-storage operation is under way on
		 * the CPU (its state exists once its entry ran), so it
		 * interrupted one of our runs, and its entry did too: that
		 * entry was rejected (no loss), counted here, or skipped by
		 * the kernel (a recursion miss, counted by the kernel). The
		 * window is any lookup, before a record run marks the CPU
		 * busy too: @nested does not tell.
		 */
		if (create && !is_exit)
			count_lost(func, KSNOOP_LOST_NESTED, agg_mode ? 1 : 2);
		return -1; /* else entered before we attached */
	}
	if (!is_exit) {
		depth = ts->depth++;
		if (depth >= KSNOOP_MAX_DEPTH) {
			count(KSNOOP_STAT_DEEP);
			/* -s: a call too deep to pair cannot be placed in a chain. */
			if (chain_mode)
				return -1;
			flags |= KSNOOP_R_DEEP | KSNOOP_R_NOEXIT;
			if (!lean)
				*now = bpf_ktime_get_ns();
		} else {
			ts->funcs[depth] = func;
			if (chain_mode && !chain_enter(ts, func, depth)) {
				/*
				 * Outside the chain. Its depth is kept only for
				 * its return to pop it and not the call below:
				 * with no call below (depth 0) its return finds
				 * depth 0 and stops there, so keep nothing, and
				 * the thread stays out of busy_threads. On a
				 * session link the stub spares the call its
				 * return run: keep nothing either.
				 */
				if (session_link && !lean) {
					ts->depth = depth;
					return KSNOOP_BEGIN_NORET;
				}
				if (!depth) {
					ts->depth = depth;
					return -1;
				}
				ts->emitted &= ~(1ULL << depth);
				return -1;
			}
			/* The thread's first call in progress opens the gate. */
			if (thread_gate && !depth)
				__sync_fetch_and_add(&busy_threads, 1);
			if (now) {
				*now = bpf_ktime_get_ns();
				ts->entry_ns[depth] = *now;
			}
			if (!nested)
				ts->emitted |= 1ULL << depth;
		}
		if (now)
			*entry_ns = *now;
		return flags | (depth & 0xffff) << 16;
	}
	if (ts->depth == 0)
		return -1;
	depth = ts->depth - 1;
	/*
	 * The kernel skips a run when the program is already running on the
	 * CPU (a recursion miss: one program for all functions, run from an
	 * interrupt or while a run is preempted). An exit whose entry was
	 * skipped must not pop the call below it; the exit of a call above
	 * which an exit was skipped pops both.
	 */
	if (depth < KSNOOP_MAX_DEPTH && ts->funcs[depth] != (__u16)func) {
		if (depth == 0 || ts->funcs[(depth - 1) & (KSNOOP_MAX_DEPTH - 1)] != (__u16)func)
			return -1;
		ts->emitted &= ~(1ULL << depth);
		if (chain_mode)
			chain_exit(ts, depth);
		depth--;
	}
	ts->depth = depth;
	/* The thread's last call in progress returned (ts->depth was above 0). */
	if (thread_gate && !depth)
		__sync_fetch_and_add(&busy_threads, -1);
	if (depth >= KSNOOP_MAX_DEPTH)
		return -1;
	if (chain_mode)
		chain_exit(ts, depth);
	/* No entry record (predicate failed at entry): nothing to finish. */
	if (!(ts->emitted & (1ULL << depth)))
		return -1;
	ts->emitted &= ~(1ULL << depth);
	if (now) {
		*now = bpf_ktime_get_ns();
		/* As in chain_enter(): keep the mask the verifier needs. */
		barrier_var(depth);
		*entry_ns = ts->entry_ns[depth & (KSNOOP_MAX_DEPTH - 1)];
	}
	return (depth & 0xffff) << 16;
}

/*
 * The lean record path's pairing (KSNOOP_SB_REC_LEAN, bpf/fentry.bpf.c):
 * ksnoop_pair() without the clock, and without the CPU's lock: the stub
 * builds its record in the ring buffer, not in the scratch area, so a run
 * nested in another overwrites nothing and is recorded too. Returns the
 * record header (flags, and the depth in the high 16 bits), or -1.
 */
__noinline int ksnoop_rec_pair(__u32 func, __u32 is_exit)
{
	if (func >= KSNOOP_MAX_FUNCS)
		return -1;
	return ksnoop_pair(func, is_exit, false, true, NULL, NULL);
}

/*
 * The lean record path lost @n records of @func for @reason (enum
 * ksnoop_lost_reason): the ring buffer was full, or the kept entry of a call
 * whose return the kernel skipped was taken by the next call at its frame.
 */
__noinline int ksnoop_rec_lost(__u32 func, __u32 reason, __u32 n)
{
	if (reason >= KSNOOP_LOST_REASONS)
		return 0;
	count_lost(func, reason, n);
	return 0;
}

/*
 * The bookkeeping of the record path before the registers are saved (the
 * stub applied the task filters already, ksnoop_skip_task()): the pairing
 * depth (ksnoop_pair()), and this CPU's scratch lock. An entry is marked as
 * emitted here already; ksnoop_finish() takes the mark back if no record was
 * built (predicate failed), which costs a second lookup only then. The clock
 * is read once per run, and kept with the CPU's lock for ksnoop_finish().
 */
__noinline int ksnoop_begin(__u32 func, __u32 is_exit, __u32 rejected)
{
	__u64 now = 0, entry_ns = 0;
	struct cpu_run *cr;
	__u32 key0 = 0;
	bool nested;
	int hdr;

	if (func >= KSNOOP_MAX_FUNCS)
		return -1;
	if (rejected && !is_exit) {
		struct ksnoop_thread_state *ts;
		__u32 depth;

		/*
		 * With no traced call in progress on the thread (on any, says
		 * busy_threads without a lookup) its return finds depth 0 (or
		 * no state) and stops there: nothing to keep, no state to
		 * create. Else the call takes its depth unmarked, so that its
		 * return pops it and not the call below.
		 */
		if (ksnoop_reject_keeps_nothing(stub.bits))
			return -1;
		ts = thread_state(false);
		if (!ts || !ts->depth)
			return -1;
		depth = ts->depth++;
		if (depth < KSNOOP_MAX_DEPTH) {
			ts->funcs[depth] = func;
			ts->emitted &= ~(1ULL << depth);
			ts->chain_lvl[depth] = 0;
		}
		return -1;
	}

	cr = bpf_map_lookup_elem(&busy, &key0);
	if (!cr)
		return -1;
	nested = cr->inuse;
	hdr = ksnoop_pair(func, is_exit, nested, false, &now, &entry_ns);
	if (hdr < 0)
		return hdr == KSNOOP_BEGIN_NORET ? hdr : -1;
	if (nested) {
		/*
		 * At return the entry was sent: count the lost return (userspace
		 * shows the call as "return lost", whatever a return predicate
		 * would have said). At entry, a call the entry predicates reject
		 * is no loss: the stub saves the registers for ksnoop_nested().
		 */
		if (is_exit) {
			count_lost(func, KSNOOP_LOST_NESTED, 1);
			return -1;
		}
		return hdr & KSNOOP_R_NOEXIT ? KSNOOP_BEGIN_NESTED_NOEXIT : KSNOOP_BEGIN_NESTED;
	}
	cr->inuse = 1;
	cr->now = now;
	cr->entry_ns = entry_ns;
	return hdr;
}

__noinline int ksnoop_finish(__u32 func, __u32 is_exit, int hdr)
{
	__u32 key0 = 0, depth = (__u32)hdr >> 16;
	struct ksnoop_thread_state *ts;
	struct cpu_run *cr;
	int sent = 0;
	__u64 dur;

	if (hdr < 0)
		return 0;
	cr = bpf_map_lookup_elem(&busy, &key0);
	if (!cr)
		return 0;
	/* A duration only at the return; ~0ULL: unknown. */
	dur = is_exit ? cr->now - cr->entry_ns : ~0ULL;
	sent = agg_mode ? agg_call(func, is_exit, hdr, dur) : emit(func, is_exit, hdr);
	if (!sent && !is_exit && !entry_only && depth < KSNOOP_MAX_DEPTH) {
		ts = thread_state(false);
		if (ts) {
			ts->emitted &= ~(1ULL << depth);
			/* -s: a call its predicates hide opens no chain level. */
			if (chain_mode)
				chain_exit(ts, depth);
		}
	}
	cr->inuse = 0;
	return sent;
}
