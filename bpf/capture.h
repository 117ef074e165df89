/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a backend's entry stub (bpf/<backend>.bpf.c) shares with the capture
 * code (bpf/capture.bpf.c). The objects are linked into one with `bpftool gen
 * object`: maps and read-only settings are defined in capture.bpf.c and
 * declared extern here, the capture functions are global.
 *
 * A stub reduces its context to (function id, registers, return value):
 *
 *	hdr = ksnoop_begin(func, is_exit);	filters, call depth, per-CPU lock
 *	if (hdr == KSNOOP_BEGIN_SKIP)
 *		return 0;
 *	r = ksnoop_regs(hdr);			fill r->args, nargs, ret, ip
 *	ksnoop_end(func, is_exit, hdr);		send the record and unlock, or
 *						count a nested run's loss
 *
 * ksnoop_end() must follow every ksnoop_begin() that did not skip, even when
 * ksnoop_regs() found no area (it releases the CPU's lock).
 */
#ifndef __KSNOOP_CAPTURE_H
#define __KSNOOP_CAPTURE_H

#include "ksnoop.h"

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

/* Defined in capture.bpf.c. */
extern struct ksnoop_stacks_map stacks SEC(".maps");
extern struct ksnoop_scratch_map scratch SEC(".maps");
extern struct ksnoop_nest_regs_map nest_regs SEC(".maps");
extern struct ksnoop_func_ids_map func_ids SEC(".maps");
/* Set by userspace: attach cookies carry the function id (else the address does). */
extern const volatile bool use_cookie;
/* Set by userspace: --kstack, record the kernel stack of each entry. */
extern const volatile bool kstack;
/* Set by userspace: --count-by caller, read the first frames of each entry's stack. */
extern const volatile bool caller_stack;

/* What ksnoop_begin() returns besides a record header (>= 0). */
enum {
	KSNOOP_BEGIN_SKIP = -1,		 /* not recorded: filtered, not paired, stopped */
	KSNOOP_BEGIN_NESTED = -2,	 /* an entry nested in another run on this CPU */
	KSNOOP_BEGIN_NESTED_NOEXIT = -3, /* the same, with no return traced */
};

/*
 * Start capturing a call of function @func. Returns the record header (flags,
 * depth) to pass to ksnoop_finish(), or one of the KSNOOP_BEGIN_* above.
 */
int ksnoop_begin(__u32 func, __u32 is_exit);
/* Build and send the record from this CPU's scratch registers; release the CPU. */
int ksnoop_finish(__u32 func, __u32 is_exit, int hdr);
/* Count a nested run lost unless its entry predicates reject it (nest_regs). */
int ksnoop_nested(__u32 func, int hdr);

/*
 * The function id of address @ip, for kernels without attach cookies; -1 if
 * unknown. Inline, not a global function: with cookies the verifier removes
 * the call as dead code, and a removed subprogram would leave the program's
 * BTF func_info (which the fentry backend copies per function) one short.
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
 * (sp + 8 + 8 * (n - 6) for the 0-based slot n). All twelve slots are read;
 * the plan only names slots the function's prototype has (capture_item()
 * checks nargs). One read for the stack slots: past the real arguments it
 * reads the caller's frame, which is harmless.
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
	if (bpf_probe_read_kernel(&sc->args[6], (KSNOOP_MAX_ARGS - 6) * sizeof(__u64),
				  (void *)(regs->sp + 8)))
		__builtin_memset(&sc->args[6], 0, (KSNOOP_MAX_ARGS - 6) * sizeof(__u64));
	sc->nargs = KSNOOP_MAX_ARGS;
	sc->ret = 0;
}

/*
 * The rest of a pt_regs stub (kprobe, kretprobe, kprobe.multi) once it knows
 * the function: begin, save the arguments at entry or the return register at
 * exit, finish. @ip goes into the record (0 when cookies identify functions).
 */
static __always_inline int ksnoop_pt_regs_call(const struct ksnoop_pt_regs *regs, __u32 func,
					       bool is_exit, __u64 ip)
{
	struct ksnoop_regs *r;
	int hdr;

	hdr = ksnoop_begin(func, is_exit);
	if (hdr == KSNOOP_BEGIN_SKIP)
		return 0;
	r = ksnoop_regs(hdr);
	if (r) {
		r->ip = ip;
		r->stack_id = ksnoop_stack_id((void *)regs, is_exit);
		ksnoop_caller_stack((void *)regs, is_exit, hdr);
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
