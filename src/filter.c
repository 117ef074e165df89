// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-side filters: option checks and their set-up in the BPF object.
 *
 * -c/--comm and --cgroup are decided in ksnoop_skip_task(), which every stub
 * asks first, before any record is built; --slower-than and --errors at each return (the entry
 * record was sent already, the return then tells userspace to drop it).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "typed.h"
#include "attach.h"
#include "btfx.h"
#include "filter.h"
#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "pattern.h"
#include "log.h"

int filter_add_comm(struct filter_opts *f, const char *name)
{
	struct ksnoop_pattern pat;
	char why[160];
	size_t at;

	if (f->ncomms == KSNOOP_MAX_COMMS) {
		pr_error_hint("use a glob, e.g. -c 'nginx*'", "too many -c/--comm names (limit %d)",
			      KSNOOP_MAX_COMMS);
		return -EINVAL;
	}
	if (!*name) {
		pr_error_hint("-c takes a command name or glob, e.g. -c sshd",
			      "invalid value '' for --comm");
		return -EINVAL;
	}
	if (!pattern_is_glob(name) && strlen(name) >= KSNOOP_TASK_COMM_LEN) {
		pr_error_hint("the kernel keeps the first 15 bytes; give those, or a glob",
			      "invalid value '%s' for --comm: a task's comm holds at most %d bytes",
			      name, KSNOOP_TASK_COMM_LEN - 1);
		return -EINVAL;
	}
	if (pattern_is_glob(name) &&
	    pattern_compile(name, strlen(name), KSNOOP_OP_GLOB, &pat, why, sizeof(why), &at)) {
		pr_error_hint("globs: * ? [...]", "invalid value '%s' for --comm: %s", name, why);
		return -EINVAL;
	}
	f->comms[f->ncomms++] = name;
	return 0;
}

int filter_set_cgroup(struct filter_opts *f, const char *path)
{
	struct statfs sfs;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_error_hint("give a cgroup v2 directory, e.g. /sys/fs/cgroup/system.slice",
			      "cannot open cgroup '%s': %s", path, strerror(-err));
		return err == -ENOENT || err == -ENOTDIR ? -EINVAL : err;
	}
	if (fstatfs(fd, &sfs) || fstat(fd, &st) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		pr_error_hint("mount the unified hierarchy: mount -t cgroup2 none /sys/fs/cgroup",
			      "'%s' is not a cgroup v2 directory", path);
		return -EINVAL;
	}
	if (f->cgroup_fd > 0)
		close(f->cgroup_fd);
	f->cgroup = path;
	f->cgroup_fd = fd;
	return 0;
}

int filter_parse_duration(const char *opt, const char *s, __u64 *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (!errno && end != s && isfinite(v) && v > 0 && *s != '-') {
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			if (strcmp(end, units[i].unit))
				continue;
			if (v * units[i].ns < 1 || v * units[i].ns > 1e18)
				break;
			*ns = (__u64)(v * units[i].ns + 0.5);
			return 0;
		}
	}
	pr_error_hint("a number and a unit: ns, us, ms or s, e.g. 500us or 2ms",
		      "invalid value '%s' for %s", s, opt);
	return -EINVAL;
}

/*
 * Where the kernel's struct task_struct keeps comm, for -c and the records to
 * read it in place (bpf_get_current_task_btf(), Linux 5.11); 0 on older
 * kernels or if @btf does not say: then the BPF program asks
 * bpf_get_current_comm().
 */
static __u32 task_comm_off(const struct btf *btf)
{
	struct btfx_member m;
	int err, id;

	if (!feature_probe(FEAT_TASK_BTF, &err))
		return 0;
	id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
	if (id <= 0 || !btfx_find_member(btf, id, "comm", &m) || m.bit_size || m.bit_off % 8 ||
	    btf__resolve_size(btf, m.type) != KSNOOP_TASK_COMM_LEN)
		return 0;
	return m.bit_off / 8;
}

/* Is -c @name a glob? If so, compile it into *@pat (filter_add_comm() checked it). */
static bool comm_glob(const char *name, struct ksnoop_pattern *pat)
{
	char why[160];
	size_t at;

	return pattern_is_glob(name) &&
	       !pattern_compile(name, strlen(name), KSNOOP_OP_GLOB, pat, why, sizeof(why), &at);
}

/* Patterns in the "patterns" map: the --comm globs, then string predicates. */
static int count_patterns(const struct tracer *t, bool assign)
{
	const struct ksnoop_pattern *last = NULL;
	const struct filter_opts *f = &t->opts.filter;
	int i, j, n = 0;

	for (i = 0; i < f->ncomms; i++)
		n += pattern_is_glob(f->comms[i]);
	for (i = 0; i < t->nfuncs; i++) {
		struct tfunc *tf = &t->funcs[i];

		for (j = 0; j < tf->nitems; j++) {
			const struct ksnoop_pattern *p = tf->items[j].pattern;

			if (!p)
				continue;
			/* A glob SPEC gives each function the same pattern: store it once. */
			if (!last || memcmp(last, p, sizeof(*p)))
				n++;
			last = p;
			if (assign)
				tf->plan.items[j].value = n - 1;
		}
	}
	return n;
}

bool filter_task_any(const struct tracer_opts *o)
{
	return o->tgid || o->tid || o->filter.ncomms || o->filter.cgroup_fd > 0;
}

bool filter_comm1(const struct tracer *t)
{
	const struct ksnoop_bpf__rodata *ro = t->skel->rodata;

	return ro->filter_ncomms == 1 && !ro->filter_comms[0].pattern && ro->task_comm_off &&
	       !ro->filter_tgid && !ro->filter_tid && !ro->filter_cgroup;
}

int filter_prepare(struct tracer *t)
{
	const struct filter_opts *f = &t->opts.filter;
	struct ksnoop_bpf *skel = t->skel;
	int i, n = 0, npat;

	for (i = 0; i < f->ncomms; i++) {
		struct ksnoop_comm *c = (struct ksnoop_comm *)&skel->rodata->filter_comms[i];
		struct ksnoop_pattern pat;

		memset(c, 0, sizeof(*c));
		if (comm_glob(f->comms[i], &pat)) {
			c->pattern = ++n;
			c->prefix = pat.prefix;
			c->prefix_mask = pat.prefix_mask;
		} else {
			memcpy(c->name, f->comms[i], strlen(f->comms[i]));
		}
	}
	skel->rodata->filter_ncomms = f->ncomms;
	skel->rodata->filter_cgroup = f->cgroup_fd > 0;
	skel->rodata->slower_than_ns = f->slower_than_ns;
	skel->rodata->errors_only = f->errors;
	npat = count_patterns(t, true);
	skel->rodata->str_preds = npat > n;
	for (i = 0; i < t->nfuncs && !skel->rodata->early_preds; i++)
		skel->rodata->early_preds = t->funcs[i].plan.pre_item != 0;
	/* Every record has the comm (-c, --count-by comm's lean path too). */
	if (t->nfuncs)
		skel->rodata->task_comm_off = task_comm_off(t->funcs[0].kf->btf);
	return bpf_map__set_max_entries(skel->maps.patterns, npat ? npat : 1);
}

/* filter_typed_pred() but for clearing @out when the answer is no. */
static bool typed_pred_fill(const struct tfunc *funcs, int nfuncs, struct ksnoop_typed_pred *out)
{
	const struct ksnoop_item *it = NULL, *o;
	const struct ksnoop_pattern *pat = NULL;
	char lit[KSNOOP_MAX_PATTERN];
	__u32 pre, cmp, i;
	int len = -EINVAL, f;
	bool prefix = false;

	/* the whole item alike in every plan: a glob SPEC gives each the same pattern index */
	for (f = 0; f < nfuncs; f++) {
		pre = funcs[f].plan.pre_item;
		if (!pre || pre > KSNOOP_MAX_ITEMS)
			return false;
		o = &funcs[f].plan.items[pre - 1];
		if (it && memcmp(o, it, sizeof(*it)))
			return false;
		it = o;
		pat = funcs[f].items[pre - 1].pattern;
	}
	if (!it)
		return false;
	out->item = *it;
	if (!(it->flags & KSNOOP_I_SPRED))
		return agg_typed_ok(funcs, nfuncs, it, false);
	/*
	 * On a char[N]: == and != of an exact string, compared with its NUL; a
	 * glob of one (~ "eth0"), the same; a glob "LITERAL*", the literal's
	 * bytes alone (a NUL among them fails the compare, as it ends the
	 * subject for the matcher). Other globs keep the matcher.
	 */
	if (pat)
		len = pattern_literal(pat, lit, sizeof(lit));
	if (pat && len < 0 && it->op == KSNOOP_OP_GLOB) {
		len = pattern_prefix(pat, lit, sizeof(lit));
		prefix = true;
	}
	if (len < 0 || (__u32)len > it->size || (it->flags & KSNOOP_I_STR))
		return false;
	/* the string and its NUL, or the whole array when the string fills it */
	cmp = (__u32)len < it->size && !prefix ? (__u32)len + 1 : (__u32)len;
	out->item.size = (cmp + sizeof(__u64) - 1) / sizeof(__u64) * sizeof(__u64);
	memcpy(out->words, lit, len);
	for (i = 0; i < cmp; i++)
		((__u8 *)out->masks)[i] = 0xff;
	/* whole words inside the array: the verifier refuses a load past a member's end */
	return out->item.size <= it->size && agg_typed_ok(funcs, nfuncs, &out->item, true);
}

bool filter_typed_pred(const struct tfunc *funcs, int nfuncs, struct ksnoop_typed_pred *out)
{
	memset(out, 0, sizeof(*out));
	if (typed_pred_fill(funcs, nfuncs, out))
		return true;
	memset(out, 0, sizeof(*out));
	return false;
}

static int store_pattern(struct tracer *t, __u32 key, const struct ksnoop_pattern *p)
{
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.patterns), &key, p, 0)) {
		int err = -errno;

		pr_error("cannot store a string pattern: %s", strerror(-err));
		return err;
	}
	return 0;
}

int filter_loaded(struct tracer *t)
{
	const struct filter_opts *f = &t->opts.filter;
	struct ksnoop_pattern pat;
	__u32 key = 0;
	int i, j, err;

	for (i = 0; i < f->ncomms; i++) {
		if (!comm_glob(f->comms[i], &pat))
			continue;
		err = store_pattern(t, key++, &pat);
		if (err)
			return err;
	}
	for (i = 0; i < t->nfuncs; i++) {
		const struct tfunc *tf = &t->funcs[i];

		for (j = 0; j < tf->nitems; j++) {
			if (!tf->items[j].pattern || tf->plan.items[j].value < key)
				continue;
			err = store_pattern(t, key++, tf->items[j].pattern);
			if (err)
				return err;
		}
	}
	if (f->cgroup_fd > 0) {
		key = 0;
		if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.cgroup_filter), &key,
					&f->cgroup_fd, 0)) {
			err = -errno;
			pr_error("cannot filter by cgroup '%s': %s", f->cgroup, strerror(-err));
			return err;
		}
	}
	return 0;
}

void filter_close(struct filter_opts *f)
{
	if (f->cgroup_fd > 0)
		close(f->cgroup_fd);
	f->cgroup_fd = 0;
}

const char *errno_name(int err)
{
	/* Codes the kernel uses internally (include/linux/errno.h), unknown to libc. */
	static const char *const kernel[] = {
		[512 - 512] = "ERESTARTSYS",
		[513 - 512] = "ERESTARTNOINTR",
		[514 - 512] = "ERESTARTNOHAND",
		[515 - 512] = "ENOIOCTLCMD",
		[516 - 512] = "ERESTART_RESTARTBLOCK",
		[517 - 512] = "EPROBE_DEFER",
		[518 - 512] = "EOPENSTALE",
		[519 - 512] = "ENOPARAM",
		[521 - 512] = "EBADHANDLE",
		[522 - 512] = "ENOTSYNC",
		[523 - 512] = "EBADCOOKIE",
		[524 - 512] = "ENOTSUPP",
		[525 - 512] = "ETOOSMALL",
		[526 - 512] = "ESERVERFAULT",
		[527 - 512] = "EBADTYPE",
		[528 - 512] = "EJUKEBOX",
		[529 - 512] = "EIOCBQUEUED",
		[530 - 512] = "ERECALLCONFLICT",
		[531 - 512] = "ENOGRACE",
	};

	if (err >= 512 && err < 512 + (int)ARRAY_SIZE(kernel))
		return kernel[err - 512];
	if (err <= 0 || err >= 512)
		return NULL;
	return strerrorname_np(err);
}
