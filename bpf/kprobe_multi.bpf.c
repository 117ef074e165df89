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
	if (ksnoop_skip_task())
		return 0;
	return ksnoop_pt_regs_call(regs, bpf_get_attach_cookie(regs), false, 0);
}

SEC("kretprobe.multi")
int ksnoop_km_exit(struct pt_regs *regs)
{
	if (ksnoop_skip_task())
		return 0;
	return ksnoop_pt_regs_call(regs, bpf_get_attach_cookie(regs), true, 0);
}
