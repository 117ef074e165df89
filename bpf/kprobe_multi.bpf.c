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
	__u64 cookie;

	if (ksnoop_skip_task())
		return 0;
	cookie = bpf_get_attach_cookie(regs);
	return ksnoop_pt_regs_call((void *)regs, (__u32)cookie, cookie & KSNOOP_COOKIE_EXIT, 0);
}
