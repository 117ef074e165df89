// SPDX-License-Identifier: GPL-2.0
/*
 * The "kprobe" backend: the kprobe and kretprobe stubs (bpf/kprobe.bpf.c),
 * loaded and verified once, attached as a perf kprobe and kretprobe to every
 * function. It runs on every kernel with kprobes, the only backend before
 * 5.17 (no bpf_get_func_arg_cnt() for fentry), and traces functions with any
 * number of arguments (fentry trampolines before 6.6 take at most 6). Each
 * function costs a kprobe registration at attach and an RCU grace period at
 * detach; each call pays the kprobe entry path.
 *
 * Function ids ride in attach cookies where perf kprobes have them (5.15+);
 * elsewhere the stubs find them by address and from a per-thread stack.
 *
 * Limit: the kernel gives each kretprobe a fixed number of instances
 * (maxactive: max(10, 2 * CPUs) by default on preemptible kernels, the number
 * of CPUs otherwise, and perf kprobes cannot raise it). When more calls of one
 * function are in progress at once, in any process (our filters run later),
 * their returns are not seen, and those calls end as unpaired or in flight.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "log.h"

static struct bpf_link **link_of(struct tracer *t, int i, int which)
{
	return &t->links[i * KL_PER_FUNC + which];
}

static const enum feature kprobe_needs[] = {FEAT_KPROBE, FEAT_RINGBUF};

static const char *kprobe_untraceable(const struct kfunc *kf, char *buf, size_t n)
{
	return backend_check_proto(kf, "kprobe", true, buf, n);
}

static int kprobe_prepare(struct tracer *t)
{
	struct ksnoop_bpf *skel = t->skel;
	int err;

	/*
	 * KSNOOP_NO_COOKIE=1 (tests): find functions by address even where
	 * cookies work, so that path (ip - 5 on IBT kernels) is tested there.
	 */
	t->use_cookie = feature_probe(FEAT_KPROBE_COOKIE, &err) && !getenv("KSNOOP_NO_COOKIE");
	t->links = calloc((size_t)t->nfuncs * KL_PER_FUNC, sizeof(*t->links));
	if (!t->links)
		return -ENOMEM;
	/* The stack of entered functions, for kretprobes without cookies (as "threads"). */
	if (!t->use_cookie && !t->opts.entry_only)
		bpf_map__set_max_entries(skel->maps.func_stacks, tracer_threads_entries());
	bpf_program__set_autoload(skel->progs.ksnoop_kprobe, true);
	bpf_program__set_autoload(skel->progs.ksnoop_kretprobe, !t->opts.entry_only);
	return 0;
}

static int attach_probe(struct tracer *t, int i, int which)
{
	struct bpf_program *prog =
		which == KL_EXIT ? t->skel->progs.ksnoop_kretprobe : t->skel->progs.ksnoop_kprobe;
	/* Without cookie support libbpf refuses any non-zero cookie: pass none. */
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .retprobe = which == KL_EXIT,
		    .bpf_cookie = t->use_cookie ? (__u64)i : 0);
	struct bpf_link *link;

	link = bpf_program__attach_kprobe_opts(prog, t->funcs[i].kf->name, &opts);
	if (!link)
		return -errno;
	*link_of(t, i, which) = link;
	return 0;
}

static int attach_one(struct tracer *t, int i)
{
	int err = 0;

	/* The kretprobe first, so that every traced entry gets its return. */
	if (!t->opts.entry_only)
		err = attach_probe(t, i, KL_EXIT);
	if (!err)
		err = attach_probe(t, i, KL_ENTRY);
	if (err) {
		bpf_link__destroy(*link_of(t, i, KL_EXIT));
		*link_of(t, i, KL_EXIT) = NULL;
	}
	return err;
}

static int kprobe_attach(struct tracer *t)
{
	double t0 = mono_s();
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = tracer_attach_each(t, attach_one);
	if (err || verbosity < 2)
		return err;
	bpf_obj_get_info_by_fd(bpf_program__fd(t->skel->progs.ksnoop_kprobe), &info, &len);
	pr_info(2,
		"attach timing over %d functions: %.1f ms per function; verified insns of the kprobe program %u (xlated %u bytes), cookies %s\n",
		t->nattached, (mono_s() - t0) * 1e3 / t->nattached, info.verified_insns,
		info.xlated_prog_len, t->use_cookie ? "yes" : "no");
	return 0;
}

static void kprobe_detach(struct tracer *t)
{
	int i, k;

	/* Entry probes go first, so no entry is recorded whose return we would miss. */
	for (k = KL_ENTRY; t->links && k < KL_PER_FUNC; k++)
		for (i = 0; i < t->nfuncs; i++) {
			bpf_link__destroy(*link_of(t, i, k));
			*link_of(t, i, k) = NULL;
		}
}

static void kprobe_close(struct tracer *t)
{
	free(t->links);
	t->links = NULL;
}

/* Runs skipped while another BPF program ran on the CPU (counted by Linux 6.7+). */
static void kprobe_misses(struct tracer *t, struct tracer_misses *m)
{
	m->entry = tracer_prog_misses(bpf_program__fd(t->skel->progs.ksnoop_kprobe));
	m->exit = tracer_prog_misses(bpf_program__fd(t->skel->progs.ksnoop_kretprobe));
}

const struct backend backend_kprobe = {
	.name = "kprobe",
	.summary =
		"a perf kprobe and kretprobe per function, one program (any kernel with kprobes)",
	.flags = BK_FTRACE,
	/*
	 * Each call pays more than with fentry (the kprobe entry path). Attach
	 * and detach are faster than per-function fentry: 'tcp_*' on 6.1 (355
	 * functions, TCG, tests/bench/run-attach.sh) attached in 7-21 s and
	 * exited 25-37 s after Ctrl-C, fentry in 23 s and 77 s.
	 */
	.call_rank = 3,
	.attach_rank = 10,
	.needs = kprobe_needs,
	.nneeds = ARRAY_SIZE(kprobe_needs),
	.task_storage = FEAT_TLS_KPROBE,
	.untraceable = kprobe_untraceable,
	.prepare = kprobe_prepare,
	.attach = kprobe_attach,
	.detach = kprobe_detach,
	.close = kprobe_close,
	.misses = kprobe_misses,
};
