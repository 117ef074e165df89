// SPDX-License-Identifier: GPL-2.0
/*
 * Entry stubs of the kprobe-multi backend: one kprobe.multi link over all
 * functions for entries, one kretprobe.multi link for returns (Linux 5.18+
 * with CONFIG_FPROBE). The attach cookie is the function id; the arguments
 * come from pt_regs, the return value from the return register.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "capture.h"

SEC("kprobe.multi")
int ksnoop_km_entry(struct pt_regs *regs)
{
	__u32 func = bpf_get_attach_cookie(regs);
	struct ksnoop_regs *r;
	int hdr;

	hdr = ksnoop_begin(func, false);
	if (hdr == KSNOOP_BEGIN_SKIP)
		return 0;
	r = ksnoop_regs(hdr);
	if (r) {
		r->ip = 0;
		ksnoop_save_pt_regs(r, regs);
	}
	ksnoop_end(func, false, hdr);
	return 0;
}

SEC("kretprobe.multi")
int ksnoop_km_exit(struct pt_regs *regs)
{
	__u32 func = bpf_get_attach_cookie(regs);
	struct ksnoop_regs *r;
	int hdr;

	hdr = ksnoop_begin(func, true);
	if (hdr == KSNOOP_BEGIN_SKIP)
		return 0;
	r = ksnoop_regs(hdr);
	if (r) {
		r->ip = 0;
		r->nargs = 0;
		r->ret = regs->ax;
	}
	ksnoop_end(func, true, hdr);
	return 0;
}
