// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "util.h"

enum { FD_ENTRY_PROG, FD_EXIT_PROG, FD_ENTRY_LINK, FD_EXIT_LINK, FD_PER_FUNC };

static int *fd_of(struct tracer *t, int i, int which)
{
	return &t->fds[i * FD_PER_FUNC + which];
}

/* bpf(BPF_LINK_CREATE) for a tracing program with an attach cookie. */
static int link_create(int prog_fd, int attach_type, __u64 cookie, bool with_cookie)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog_fd;
	attr.link_create.attach_type = attach_type;
	if (with_cookie)
		attr.link_create.tracing.cookie = cookie;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* The kernel's fd for a module's BTF object, found by name. */
static int module_btf_fd(const char *module)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char name[64] = "";
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.name = (unsigned long)name;
		info.name_len = sizeof(name);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(name, module))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* Without attach cookies the program maps the function address to its id. */
static int fill_func_ids(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.func_ids), found = 0, i;
	char line[512], name[256], mod[128];
	unsigned long long addr;
	char type;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s %127s", &addr, &type, name, mod) < 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		for (i = 0; i < t->nfuncs; i++) {
			__u64 key = addr;
			__u32 val = i;

			if (strcmp(t->funcs[i].kf->name, name))
				continue;
			if (bpf_map_update_elem(fd, &key, &val, BPF_ANY) == 0)
				found++;
		}
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (verbosity >= 3 || (verbosity >= 1 && level == LIBBPF_WARN))
		return vfprintf(stderr, fmt, args);
	return 0;
}

/*
 * BTF func_info of a loaded program, re-based onto its original instructions.
 * The kernel insists on func_info for programs with callbacks (bpf_loop), and
 * libbpf 1.1 does not expose the records it built, so take the type ids from
 * the kernel (one per subprogram, in order) and find where each subprogram
 * starts in the instructions libbpf gave us: at 0 and at every BPF-to-BPF call
 * or callback target.
 */
static int func_info_get(struct bpf_program *prog, struct func_info *fi)
{
	const struct bpf_insn *insn = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog), i, j;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), starts[16], nstarts = 1;
	struct bpf_func_info recs[16];
	int fd = bpf_program__fd(prog);

	starts[0] = 0;
	for (i = 0; i < n; i++) {
		bool call = insn[i].code == (BPF_JMP | BPF_CALL) &&
			    insn[i].src_reg == BPF_PSEUDO_CALL;
		bool func = insn[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    insn[i].src_reg == BPF_PSEUDO_FUNC;
		__u32 target;

		if (!call && !func)
			continue;
		target = i + insn[i].imm + 1;
		for (j = 0; j < nstarts && starts[j] != target; j++)
			;
		if (j == nstarts) {
			if (nstarts == ARRAY_SIZE(starts))
				return -E2BIG;
			starts[nstarts++] = target;
		}
	}
	/* sort the starts */
	for (i = 1; i < nstarts; i++)
		for (j = i; j > 0 && starts[j - 1] > starts[j]; j--) {
			__u32 tmp = starts[j];

			starts[j] = starts[j - 1];
			starts[j - 1] = tmp;
		}
	info.nr_func_info = ARRAY_SIZE(recs);
	info.func_info_rec_size = sizeof(recs[0]);
	info.func_info = (unsigned long)recs;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.nr_func_info != nstarts)
		return -EINVAL;
	for (i = 0; i < nstarts; i++) {
		fi->recs[i].insn_off = starts[i];
		fi->recs[i].type_id = recs[i].type_id;
	}
	fi->cnt = nstarts;
	return 0;
}

int tracer_load(struct tracer *t, struct tfunc *funcs, int nfuncs, const struct tracer_opts *o)
{
	struct ksnoop_bpf *skel;
	struct rlimit rl;
	rlim_t want;
	int err, i, ncpus;
	__u32 pages;

	memset(t, 0, sizeof(*t));
	t->funcs = funcs;
	t->nfuncs = nfuncs;
	t->opts = *o;
	t->backend = "fentry";
	libbpf_set_print(libbpf_quiet);

	/* Two programs and two links per function; kernels < 5.11 also need memlock. */
	want = (rlim_t)nfuncs * 4 + 64;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_MEMLOCK, &rl);

	t->fds = malloc(sizeof(int) * FD_PER_FUNC * nfuncs);
	if (!t->fds)
		return -ENOMEM;
	for (i = 0; i < FD_PER_FUNC * nfuncs; i++)
		t->fds[i] = -1;

	skel = ksnoop_bpf__open();
	if (!skel) {
		err = -errno;
		pr_error("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	t->skel = skel;
	t->use_cookie = feature_probe(FEAT_COOKIE, &err);
	skel->rodata->filter_tgid = o->tgid;
	skel->rodata->filter_tid = o->tid;
	skel->rodata->use_cookie = t->use_cookie;
	skel->rodata->entry_only = o->entry_only;
	skel->rodata->kernel_format = o->kernel_format || o->format_check;
	skel->rodata->format_check = o->format_check;

	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1)
		ncpus = 1;
	pages = o->pages ? o->pages : 256;
	bpf_map__set_max_entries(skel->maps.plans, nfuncs);
	bpf_map__set_max_entries(skel->maps.lost, nfuncs);
	bpf_map__set_max_entries(skel->maps.func_ids, t->use_cookie ? 1 : nfuncs);
	bpf_map__set_max_entries(skel->maps.scratch, ncpus);
	bpf_map__set_max_entries(skel->maps.events, pages * (__u32)getpagesize());

	/* libbpf needs one target to load against; the others reuse its instructions. */
	bpf_program__set_attach_target(skel->progs.ksnoop_entry, 0, funcs[0].kf->name);
	bpf_program__set_attach_target(skel->progs.ksnoop_exit, 0, funcs[0].kf->name);
	if (o->entry_only)
		bpf_program__set_autoload(skel->progs.ksnoop_exit, false);

	err = ksnoop_bpf__load(skel);
	if (err) {
		if (err == -EPERM && have_bpf_caps())
			pr_error_hint("ksnoop needs fentry/fexit; 'make demo' shows ksnoop in a VM",
				      "this kernel does not permit BPF function tracing: loading the fentry program for '%s' failed (%s)",
				      funcs[0].kf->name, strerror(-err));
		else
			pr_error_hint("run with -d to see the verifier log",
				      "cannot load the BPF program for '%s': %s", funcs[0].kf->name,
				      strerror(-err));
		return err;
	}
	for (i = 0; i < nfuncs; i++) {
		__u32 key = i;

		err = bpf_map_update_elem(bpf_map__fd(skel->maps.plans), &key, &funcs[i].plan, 0);
		if (err) {
			err = -errno;
			pr_error("cannot store the plan for '%s': %s", funcs[i].kf->name,
				 strerror(-err));
			return err;
		}
	}
	err = func_info_get(skel->progs.ksnoop_entry, &t->finfo[0]);
	if (!err && !o->entry_only)
		err = func_info_get(skel->progs.ksnoop_exit, &t->finfo[1]);
	if (err) {
		pr_error("cannot read the BTF func_info of the loaded program: %s", strerror(-err));
		return err;
	}
	if (!t->use_cookie) {
		err = fill_func_ids(t);
		if (err) {
			pr_error_hint("ksnoop identifies functions by address on kernels without fentry attach cookies",
				      "cannot find the traced functions in /proc/kallsyms: %s",
				      strerror(-err));
			return err;
		}
	}
	return 0;
}

/* A copy of @prog for function @i: the relocated instructions, loaded against it. */
static int prog_for(struct tracer *t, struct bpf_program *prog, const struct func_info *fi, int i,
		    int attach_type, int *btf_fd)
{
	const struct tfunc *tf = &t->funcs[i];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type,
		    .attach_btf_id = tf->kf->id);
	int fd;

	if (i == 0)
		return dup(bpf_program__fd(prog));
	if (tf->kf->module) {
		if (*btf_fd < 0)
			*btf_fd = module_btf_fd(tf->kf->module);
		if (*btf_fd < 0)
			return *btf_fd;
		opts.attach_btf_obj_fd = *btf_fd;
	}
	opts.prog_btf_fd = btf__fd(bpf_object__btf(t->skel->obj));
	opts.func_info = fi->recs;
	opts.func_info_cnt = fi->cnt;
	opts.func_info_rec_size = sizeof(*fi->recs);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, bpf_program__name(prog), "GPL",
			   bpf_program__insns(prog), bpf_program__insn_cnt(prog), &opts);
	return fd < 0 ? -errno : fd;
}

static int attach_one(struct tracer *t, int i)
{
	const struct tfunc *tf = &t->funcs[i];
	int err, btf_fd = -1, fd;

	if (!t->opts.entry_only) {
		fd = prog_for(t, t->skel->progs.ksnoop_exit, &t->finfo[1], i, BPF_TRACE_FEXIT, &btf_fd);
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		*fd_of(t, i, FD_EXIT_PROG) = fd;
		fd = link_create(fd, BPF_TRACE_FEXIT, i, t->use_cookie);
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		*fd_of(t, i, FD_EXIT_LINK) = fd;
	}
	fd = prog_for(t, t->skel->progs.ksnoop_entry, &t->finfo[0], i, BPF_TRACE_FENTRY, &btf_fd);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	*fd_of(t, i, FD_ENTRY_PROG) = fd;
	fd = link_create(fd, BPF_TRACE_FENTRY, i, t->use_cookie);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	*fd_of(t, i, FD_ENTRY_LINK) = fd;
	if (btf_fd >= 0)
		close(btf_fd);
	return 0;
fail:
	if (btf_fd >= 0)
		close(btf_fd);
	pr_error_hint(err == -EMFILE ? "too many open files: raise 'ulimit -n'"
				     : "the function may be inlined, notrace, or not attachable by fentry",
		      "cannot attach to '%s': %s", tf->kf->name, strerror(-err));
	return err;
}

int tracer_attach(struct tracer *t)
{
	int i, err;

	for (i = 0; i < t->nfuncs; i++) {
		err = attach_one(t, i);
		if (err)
			return err;
		t->nattached++;
	}
	return 0;
}

void tracer_close(struct tracer *t)
{
	static const int order[] = { FD_ENTRY_LINK, FD_EXIT_LINK, FD_ENTRY_PROG, FD_EXIT_PROG };
	size_t k;
	int i;

	/* Entry links go first, so no entry is recorded whose exit we would miss. */
	for (k = 0; t->fds && k < ARRAY_SIZE(order); k++) {
		for (i = 0; i < t->nfuncs; i++) {
			int *fd = fd_of(t, i, order[k]);

			if (*fd >= 0)
				close(*fd);
			*fd = -1;
		}
	}
	free(t->fds);
	t->fds = NULL;
	ksnoop_bpf__destroy(t->skel);
	t->skel = NULL;
}

int tracer_stats(struct tracer *t, __u64 *out, int n)
{
	int ncpus = libbpf_num_possible_cpus(), i, c;
	__u64 *vals = calloc(ncpus, sizeof(__u64));

	if (!vals)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		__u32 key = i;

		out[i] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stats), &key, vals))
			continue;
		for (c = 0; c < ncpus; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

__u64 tracer_lost(struct tracer *t, int i)
{
	int ncpus = libbpf_num_possible_cpus(), c;
	__u64 *vals = calloc(ncpus, sizeof(__u64)), sum = 0;
	__u32 key = i;

	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost), &key, vals))
		for (c = 0; c < ncpus; c++)
			sum += vals[c];
	free(vals);
	return sum;
}
