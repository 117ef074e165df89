// SPDX-License-Identifier: GPL-2.0
/*
 * Entry stubs of the kprobe backend: one kprobe and one kretprobe program,
 * loaded and verified once, attached as a perf kprobe and kretprobe to every
 * function (the only backend before Linux 5.17, which has no
 * bpf_get_func_arg_cnt()). The arguments come from pt_regs, the return value
 * from the return register.
 *
 * The function id is the attach cookie where perf kprobes have cookies
 * (5.15+). Without them the kprobe finds it by address: regs->ip is one past
 * the probed instruction, the function's ftrace site, which is its first byte
 * (ip - 1), or on IBT kernels the byte after the 4-byte ENDBR (ip - 5). The
 * two cannot be confused: traceable functions start at least 6 bytes apart
 * (a 5-byte __fentry__ call and a ret). A kretprobe has no function address:
 * the kprobe pushes the id on a per-thread stack, the kretprobe pops it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "capture.h"

/* Pushed for a call whose function was not found: its return is not recorded either. */
#define NO_FUNC KSNOOP_MAX_FUNCS

struct func_stack {
	__u32 n; /* calls entered and not returned; ids kept for the first KSNOOP_MAX_DEPTH */
	__u32 funcs[KSNOOP_MAX_DEPTH];
};

/* Per thread; sized by userspace only when needed (no cookies, not --entry). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct func_stack);
} func_stacks SEC(".maps");

/* A new thread's stack, from rodata: 260 bytes would not fit the BPF stack budget. */
static const struct func_stack empty_stack;

/* The function of this entry, by cookie or address; pushed for the kretprobe. */
static __always_inline __u32 entry_func(const struct ksnoop_pt_regs *regs)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct func_stack *fs;
	int func;

	if (use_cookie)
		return bpf_get_attach_cookie((void *)regs);
	func = ksnoop_func_of_ip(regs->ip - 1);
	if (func < 0)
		func = ksnoop_func_of_ip(regs->ip - 5);
	if (func < 0)
		func = NO_FUNC;
	if (entry_only)
		return func;
	fs = bpf_map_lookup_elem(&func_stacks, &tid);
	if (!fs) {
		bpf_map_update_elem(&func_stacks, &tid, &empty_stack, BPF_NOEXIST);
		fs = bpf_map_lookup_elem(&func_stacks, &tid);
		if (!fs)
			return func;
	}
	if (fs->n < KSNOOP_MAX_DEPTH)
		fs->funcs[fs->n] = func;
	fs->n++;
	return func;
}

/* The function of this return, by cookie or from the thread's stack. */
static __always_inline __u32 exit_func(const struct ksnoop_pt_regs *regs)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), n;
	struct func_stack *fs;

	if (use_cookie)
		return bpf_get_attach_cookie((void *)regs);
	fs = bpf_map_lookup_elem(&func_stacks, &tid);
	/* Entered before we attached, or the stack was evicted: unknown. */
	if (!fs || !fs->n)
		return NO_FUNC;
	n = --fs->n;
	/*
	 * Deeper than the stack keeps: ksnoop_begin() drops such returns by
	 * depth before it uses the id, but must still see them to keep count.
	 */
	if (n >= KSNOOP_MAX_DEPTH)
		return 0;
	return fs->funcs[n];
}

/* Either stub: the function id, then the pt_regs protocol of capture.h. */
static __always_inline int kprobe_stub(const struct ksnoop_pt_regs *regs, bool is_exit)
{
	__u32 sb = stub.bits, func;

	/* Before the push: a filtered-out task costs no per-thread stack. */
	if (ksnoop_skip_task(sb))
		return 0;
	func = is_exit ? exit_func(regs) : entry_func(regs);
	/*
	 * After the function id (without cookies the entry pushes it for the
	 * return to pop, so a call the gate leaves out keeps that balanced).
	 */
	if (func == NO_FUNC || ((sb & KSNOOP_SB_CHAIN) && ksnoop_chain_closed(func)) ||
	    (is_exit && ksnoop_no_calls(sb)))
		return 0;
	return ksnoop_pt_regs_call(regs, func, is_exit, is_exit || use_cookie ? 0 : regs->ip,
				   false);
}

SEC("kprobe")
int ksnoop_kprobe(struct pt_regs *ctx)
{
	return kprobe_stub((void *)ctx, false);
}

SEC("kretprobe")
int ksnoop_kretprobe(struct pt_regs *ctx)
{
	return kprobe_stub((void *)ctx, true);
}
