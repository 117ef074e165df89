// SPDX-License-Identifier: GPL-2.0
/*
 * The "fentry-multi" backend: one fentry-multi link for all entries and one
 * fexit-multi link for all returns (Linux 7.x, BPF_TRACE_FENTRY_MULTI and
 * BPF_TRACE_FEXIT_MULTI). Libbpf 1.1 predates them: the programs are retyped
 * before load and the links made with a raw BPF_LINK_CREATE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "log.h"

/* The multi link over @funcs: BTF ids plus the function indices as cookies. */
static int fmulti_create(struct tracer *t, const __u64 *funcs, int n, bool is_exit)
{
	struct {
		__u32 prog_fd, target_fd, attach_type, flags;
		__aligned_u64 ids, cookies;
		__u32 cnt;
	} * lc;
	struct bpf_program *prog = t->stub[is_exit];
	__u32 type = is_exit ? KSNOOP_TRACE_FEXIT_MULTI : KSNOOP_TRACE_FENTRY_MULTI;
	__u32 *ids = calloc(n, sizeof(*ids));
	union bpf_attr attr;
	int fd, i;

	if (!ids)
		return -ENOMEM;
	/* A session link, made in the entries' pass, runs the one program at both. */
	if (t->session) {
		prog = t->skel->progs.ksnoop_session_multi;
		type = KSNOOP_TRACE_FSESSION_MULTI;
	}
	for (i = 0; i < n; i++)
		ids[i] = t->funcs[funcs[i]].kf->id;
	memset(&attr, 0, sizeof(attr));
	lc = (void *)&attr.link_create;
	lc->prog_fd = bpf_program__fd(prog);
	lc->attach_type = type;
	lc->ids = (unsigned long)ids;
	lc->cookies = (unsigned long)funcs;
	lc->cnt = n;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	fd = fd < 0 ? -errno : fd;
	free(ids);
	return fd;
}

/*
 * The kernel refuses fexit on functions that never return, and one such id
 * fails the whole link: a bisection over thousands of ids costs seconds under
 * TCG (__x64_sys_exit in a '__x64_sys_*' glob: 4 s instead of 0.8 s).
 */
static bool fmulti_skip(struct tracer *t, int i)
{
	const char *name = t->funcs[i].kf->name;

	if (t->opts.entry_only || !backend_noreturn(name))
		return false;
	pr_info(1, "skipping %s: it does not return, fexit cannot trace it\n", name);
	return true;
}

static int fmulti_attach(struct tracer *t)
{
	return tracer_attach_multi(t, fmulti_create, fmulti_skip);
}

static const enum feature fmulti_needs[] = {FEAT_FENTRY_MULTI, FEAT_RINGBUF};

static const char *fmulti_untraceable(const struct kfunc *kf, char *buf, size_t n)
{
	if (kf->module)
		return "a module function: fentry-multi links take vmlinux BTF ids";
	return backend_check_proto(kf, "fentry-multi", false, buf, n);
}

static int fmulti_prepare(struct tracer *t)
{
	/*
	 * Where the kernel has fsession (7.0+), the lean counting path takes one
	 * program and one link for entries and returns, and pairs each call by
	 * its session cookie instead of per-thread state (half the cost of
	 * --stats; tracer_fsession_prepare() says why only there).
	 */
	int err = tracer_fsession_prepare(t, FEAT_FSESSION_MULTI, KSNOOP_TRACE_FSESSION_MULTI);

	if (err)
		return err;
	if (t->session) {
		pr_info(1, "fentry-multi: entries and returns through one fsession link\n");
		return 0;
	}
	/* One program per attach type, no attach target: the link names the functions. */
	tracer_stub(t, false, t->skel->progs.ksnoop_entry_multi, KSNOOP_TRACE_FENTRY_MULTI, NULL);
	if (!t->opts.entry_only)
		tracer_stub(t, true, t->skel->progs.ksnoop_exit_multi, KSNOOP_TRACE_FEXIT_MULTI,
			    NULL);
	return 0;
}

static void fmulti_misses(struct tracer *t, struct tracer_misses *m)
{
	if (t->session) {
		m->both = tracer_prog_misses(bpf_program__fd(t->skel->progs.ksnoop_session_multi));
		return;
	}
	/* no exit program with --entry */
	m->entry = tracer_prog_misses(bpf_program__fd(t->stub[0]));
	m->exit = t->stub[1] ? tracer_prog_misses(bpf_program__fd(t->stub[1])) : 0;
}

const struct backend backend_fentry_multi = {
	.name = "fentry-multi",
	.summary = "one fentry-multi link for all functions (Linux 7.0+)",
	.flags = BK_FTRACE | BK_NO_MODULES | BK_REFUSES_UNLISTED | BK_EXIT_ARGS,
	.call_rank = 1,
	.attach_rank = 0,
	.needs = fmulti_needs,
	.nneeds = ARRAY_SIZE(fmulti_needs),
	.task_storage = FEAT_TLS_FENTRY,
	.untraceable = fmulti_untraceable,
	.prepare = fmulti_prepare,
	.attach = fmulti_attach,
	.detach = tracer_close_links,
	.misses = fmulti_misses,
};
