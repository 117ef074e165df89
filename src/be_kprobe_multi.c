// SPDX-License-Identifier: GPL-2.0
/*
 * The "kprobe-multi" backend: one kprobe.multi link for all entries and one
 * kretprobe.multi link for all returns (Linux 5.18+ with CONFIG_FPROBE).
 * Functions are named by symbol, their ids ride in the cookies. Attach and
 * detach are one fprobe registration each, whatever the number of functions;
 * each call pays a little more than with fentry (the kprobe entry path).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "compiler.h"

/*
 * A link over @funcs by name. The kernel resolves the names with kallsyms
 * (a name defined twice gets its first address, as fentry's attach by BTF id
 * does) and sorts them with their cookies. Both links run the one program:
 * the return link's cookies say so with KSNOOP_COOKIE_EXIT.
 */
static int kmulti_create(struct tracer *t, const __u64 *funcs, int n, bool is_exit)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	const char **syms = calloc(n, sizeof(*syms));
	__u64 *cookies = calloc(n, sizeof(*cookies));
	int fd = -ENOMEM, i;

	if (!syms || !cookies)
		goto out;
	for (i = 0; i < n; i++) {
		syms[i] = t->funcs[funcs[i]].kf->name;
		cookies[i] = funcs[i] | (is_exit ? KSNOOP_COOKIE_EXIT : 0);
	}
	lo.kprobe_multi.syms = syms;
	lo.kprobe_multi.cookies = cookies;
	lo.kprobe_multi.cnt = n;
	lo.kprobe_multi.flags = is_exit ? BPF_F_KPROBE_MULTI_RETURN : 0;
	fd = bpf_link_create(bpf_program__fd(t->skel->progs.ksnoop_km), 0, BPF_TRACE_KPROBE_MULTI,
			     &lo);
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
	/* kprobe.multi has had cookies from the start: no address lookups. */
	t->use_cookie = true;
	bpf_program__set_autoload(t->skel->progs.ksnoop_km, true);
	return 0;
}

static __u64 kmulti_misses(struct tracer *t)
{
	return tracer_prog_misses(bpf_program__fd(t->skel->progs.ksnoop_km));
}

const struct backend backend_kprobe_multi = {
	.name = "kprobe-multi",
	.summary = "one kprobe.multi link for all functions (Linux 5.18+, CONFIG_FPROBE)",
	.flags = BK_FTRACE,
	.call_rank = 2,
	.attach_rank = 1,
	.needs = kmulti_needs,
	.nneeds = ARRAY_SIZE(kmulti_needs),
	.untraceable = kmulti_untraceable,
	.prepare = kmulti_prepare,
	.attach = kmulti_attach,
	.detach = tracer_close_links,
	.misses = kmulti_misses,
};
