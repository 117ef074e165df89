// SPDX-License-Identifier: GPL-2.0
/*
 * The "kprobe-multi" backend: one kprobe.multi link for all entries and one
 * kretprobe.multi link for all returns (Linux 5.18+ with CONFIG_FPROBE), or
 * where the kernel has sessions (6.10+) one kprobe.session link for both,
 * whose entry run decides whether the return runs (bpf/kprobe_multi.bpf.c).
 * Functions are named by symbol, their ids ride in the cookies. Attach and
 * detach are one fprobe registration each, whatever the number of functions;
 * each call pays a little more than with fentry (the kprobe entry path).
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
#include "compiler.h"
#include "log.h"

/*
 * A link over @funcs by name. The kernel resolves the names with kallsyms
 * (a name defined twice gets its first address, as fentry's attach by BTF id
 * does) and sorts them with their cookies. Both links run the one program:
 * the return link's cookies say so with KSNOOP_COOKIE_EXIT. A session link
 * (t->session) is made in the entries' pass and serves the returns too.
 */
static int kmulti_create(struct tracer *t, const __u64 *funcs, int n, bool is_exit)
{
	const char **syms = calloc(n, sizeof(*syms));
	__u64 *cookies = calloc(n, sizeof(*cookies));
	union bpf_attr attr;
	int fd = -ENOMEM, i;

	if (!syms || !cookies)
		goto out;
	for (i = 0; i < n; i++) {
		syms[i] = t->funcs[funcs[i]].kf->name;
		cookies[i] = funcs[i] | (is_exit ? KSNOOP_COOKIE_EXIT : 0);
	}
	/* The syscall itself: libbpf 1.1's bpf_link_create() refuses the session type. */
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd =
		bpf_program__fd(t->session ? t->skel->progs.ksnoop_ks : t->skel->progs.ksnoop_km);
	attr.link_create.attach_type =
		t->session ? KSNOOP_TRACE_KPROBE_SESSION : BPF_TRACE_KPROBE_MULTI;
	attr.link_create.kprobe_multi.syms = (unsigned long)syms;
	attr.link_create.kprobe_multi.cookies = (unsigned long)cookies;
	attr.link_create.kprobe_multi.cnt = n;
	attr.link_create.kprobe_multi.flags = is_exit ? BPF_F_KPROBE_MULTI_RETURN : 0;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	fd = fd < 0 ? -errno : fd;
out:
	free(cookies);
	free(syms);
	return fd;
}

static int kmulti_attach(struct tracer *t)
{
	return tracer_attach_multi(t, kmulti_create, NULL);
}

static const enum feature kmulti_needs[] = {FEAT_KPROBE_MULTI, FEAT_RINGBUF};

static const char *kmulti_untraceable(const struct kfunc *kf, char *buf, size_t n)
{
	return backend_check_proto(kf, "kprobe-multi", true, buf, n);
}

static int kmulti_prepare(struct tracer *t)
{
	int err;

	/* kprobe.multi has had cookies from the start: no address lookups. */
	t->use_cookie = true;
	/* With --entry there is no return to skip: the plain link does. */
	t->session = !t->opts.entry_only && feature_probe(FEAT_KPROBE_SESSION, &err);
	if (t->session) {
		err = tracer_patch_session(t->skel->progs.ksnoop_ks);
		if (err)
			return err;
		bpf_program__set_expected_attach_type(t->skel->progs.ksnoop_ks,
						      KSNOOP_TRACE_KPROBE_SESSION);
		bpf_program__set_autoload(t->skel->progs.ksnoop_ks, true);
		t->skel->rodata->session_link = true;
		pr_info(1, "kprobe-multi: entries and returns through one kprobe.session link\n");
	} else {
		bpf_program__set_autoload(t->skel->progs.ksnoop_km, true);
	}
	return 0;
}

/* One program serves the entries and returns (both links, or the session link). */
static void kmulti_misses(struct tracer *t, struct tracer_misses *m)
{
	__u64 n = tracer_prog_misses(
		bpf_program__fd(t->session ? t->skel->progs.ksnoop_ks : t->skel->progs.ksnoop_km));

	if (t->opts.entry_only)
		m->entry = n;
	else
		m->both = n;
}

const struct backend backend_kprobe_multi = {
	.name = "kprobe-multi",
	.summary = "one kprobe.multi link for all functions (Linux 5.18+, CONFIG_FPROBE)",
	.flags = BK_FTRACE | BK_REFUSES_UNLISTED,
	.call_rank = 2,
	.attach_rank = 1,
	.needs = kmulti_needs,
	.nneeds = ARRAY_SIZE(kmulti_needs),
	.task_storage = FEAT_TLS_KPROBE,
	.untraceable = kmulti_untraceable,
	.prepare = kmulti_prepare,
	.attach = kmulti_attach,
	.detach = tracer_close_links,
	.misses = kmulti_misses,
};
