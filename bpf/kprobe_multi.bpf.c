// SPDX-License-Identifier: GPL-2.0
/*
 * Entry stubs of the kprobe-multi backend: one kprobe.multi link over all
 * functions for entries, one kretprobe.multi link for returns (Linux 5.18+
 * with CONFIG_FPROBE), one program for both. The attach cookie is the
 * function id (with KSNOOP_COOKIE_EXIT on the return link); the arguments
 * come from pt_regs, the return value from the return register.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "capture.h"

/*
 * One program for both links: a kprobe.multi and a kretprobe.multi program are
 * the same program type, so the return link reuses this one and the verifier
 * runs once instead of twice (a tenth of a glob's start-up under TCG). The
 * return link's cookies carry KSNOOP_COOKIE_EXIT.
 */
SEC("kprobe.multi")
int ksnoop_km(struct pt_regs *regs)
{
	__u32 sb = stub.bits;
	__u64 cookie;

	/*
	 * -s: the chain's gate first, as in the fentry stub (the cookie's low
	 * half is the function id); a call that goes on asks for the cookie
	 * again rather than keep it across the filters.
	 */
	if ((sb & KSNOOP_SB_CHAIN) && ksnoop_chain_closed(bpf_get_attach_cookie(regs)))
		return 0;
	if (ksnoop_skip_task(sb))
		return 0;
	cookie = bpf_get_attach_cookie(regs);
	if ((cookie & KSNOOP_COOKIE_EXIT) && ksnoop_no_calls(sb))
		return 0;
	return ksnoop_pt_regs_call((void *)regs, (__u32)cookie, cookie & KSNOOP_COOKIE_EXIT, 0,
				   false);
}

/*
 * Where the kernel has them (6.10+, FEAT_KPROBE_SESSION), one kprobe.session
 * link instead of the two: the program runs at entry and at return, and an
 * entry that returns non-zero spares the call its return run. A call the task
 * filters or the first entry predicate leave out then costs one run, and its
 * entry keeps no state for the return to find. Written as kprobe.multi for
 * libbpf 1.1, which knows no kprobe.session section; userspace retypes it.
 */
SEC("kprobe.multi")
int ksnoop_ks(struct pt_regs *regs)
{
	__u32 sb = stub.bits;

	/* -s: the gate first, as in ksnoop_km(); 1 at entry: no return run. */
	if ((sb & KSNOOP_SB_CHAIN) && ksnoop_chain_closed(bpf_get_attach_cookie(regs)))
		return 1;
	if (ksnoop_skip_task(sb))
		return 1;
	return ksnoop_pt_regs_call((void *)regs, (__u32)bpf_get_attach_cookie(regs),
				   ksnoop_session_is_return(regs), 0, true);
}
