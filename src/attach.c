// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "util.h"

enum { FD_ENTRY_PROG, FD_EXIT_PROG, FD_ENTRY_LINK, FD_EXIT_LINK, FD_PER_FUNC };

/*
 * Where per-function attach time goes (-vv): program loads (the verifier) and
 * link creation (the trampoline), for entry and exit, summed over functions.
 */
enum { TM_EXIT_LOAD, TM_EXIT_LINK, TM_ENTRY_LOAD, TM_ENTRY_LINK, TM_N };
static double tm_sum[TM_N];

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

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
 * Pick the backend: --backend, else fentry-multi where the kernel has it and
 * every function is in vmlinux (multi links take vmlinux BTF ids), else
 * fentry per function.
 */
static int choose_backend(struct tracer *t)
{
	const char *want = t->opts.backend;
	bool can_multi, all_vmlinux = true;
	int i, err;

	for (i = 0; i < t->nfuncs; i++)
		if (t->funcs[i].kf->module)
			all_vmlinux = false;
	can_multi = feature_probe(FEAT_FENTRY_MULTI, &err);
	if (want && !strcmp(want, "fentry-multi")) {
		if (!can_multi) {
			pr_error_hint(
				"use --backend fentry, or leave --backend out",
				"--backend fentry-multi: this kernel lacks %s (Linux %s+): %s",
				feature_info[FEAT_FENTRY_MULTI].what,
				feature_info[FEAT_FENTRY_MULTI].since, strerror(-err));
			return -EOPNOTSUPP;
		}
		if (!all_vmlinux) {
			pr_error_hint(
				"use --backend fentry for module functions",
				"--backend fentry-multi: module functions cannot share the multi link");
			return -EOPNOTSUPP;
		}
		t->multi = true;
	} else if (!want || !strcmp(want, "auto")) {
		t->multi = can_multi && all_vmlinux;
	}
	t->backend = t->multi ? "fentry-multi" : "fentry";
	return 0;
}

/*
 * One multi link over the functions [lo, hi) (ids and cookies from @t). When
 * the kernel refuses the set (EINVAL: one function it cannot trace fails the
 * whole link), split it in halves to find and skip the offending functions.
 */
static int multi_link(struct tracer *t, int prog_fd, int attach_type, __u32 *ids, __u64 *cookies,
		      int lo, int hi, int **fds, int *nfds, bool *bad)
{
	struct {
		__u32 prog_fd, target_fd, attach_type, flags;
		__aligned_u64 ids, cookies;
		__u32 cnt;
	} * lc;
	union bpf_attr attr;
	int fd, mid, err, *p;

	memset(&attr, 0, sizeof(attr));
	lc = (void *)&attr.link_create;
	lc->prog_fd = prog_fd;
	lc->attach_type = attach_type;
	lc->ids = (unsigned long)(ids + lo);
	lc->cookies = (unsigned long)(cookies + lo);
	lc->cnt = hi - lo;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	if (fd >= 0) {
		p = realloc(*fds, (*nfds + 1) * sizeof(int));
		if (!p) {
			close(fd);
			return -ENOMEM;
		}
		*fds = p;
		(*fds)[(*nfds)++] = fd;
		return 0;
	}
	err = -errno;
	if (err != -EINVAL && err != -ENOENT && err != -ESRCH)
		return err;
	if (hi - lo == 1) {
		/* The cookie is the function's index (ids may be a compacted subset). */
		bad[cookies[lo]] = true;
		pr_info(1, "skipping %s: the kernel refused it in a multi link (%s)\n",
			t->funcs[cookies[lo]].kf->name, strerror(-err));
		return 0;
	}
	mid = lo + (hi - lo) / 2;
	err = multi_link(t, prog_fd, attach_type, ids, cookies, lo, mid, fds, nfds, bad);
	if (!err)
		err = multi_link(t, prog_fd, attach_type, ids, cookies, mid, hi, fds, nfds, bad);
	return err;
}

/*
 * Functions that never return: the verifier refuses fexit on them (noreturn_deny in
 * kernel/bpf/verifier.c, Linux 6.4+; the same names on 7.2).
 */
static bool noreturn(const char *name)
{
	static const char *const names[] = {
		"__ia32_sys_exit",
		"__ia32_sys_exit_group",
		"__x64_sys_exit",
		"__x64_sys_exit_group",
		"do_exit",
		"do_group_exit",
		"kthread_complete_and_exit",
		"kthread_exit",
		"make_task_dead",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static int attach_multi(struct tracer *t)
{
	__u32 *ids = calloc(t->nfuncs, sizeof(*ids)), *ids2 = NULL;
	__u64 *cookies = calloc(t->nfuncs, sizeof(*cookies)), *cookies2 = NULL;
	bool *bad = calloc(t->nfuncs, sizeof(*bad));
	int i, n = 0, err = -ENOMEM;

	if (!ids || !cookies || !bad)
		goto out;
	for (i = 0; i < t->nfuncs; i++) {
		/*
		 * The kernel refuses fexit on functions that never return, and one such id
		 * fails the whole link: a bisection over thousands of ids costs seconds
		 * under TCG (__x64_sys_exit in a '__x64_sys_*' glob: 4 s instead of 0.8 s).
		 */
		if (!t->opts.entry_only && noreturn(t->funcs[i].kf->name)) {
			bad[i] = true;
			pr_info(1, "skipping %s: it does not return, fexit cannot trace it\n",
				t->funcs[i].kf->name);
			continue;
		}
		ids[n] = t->funcs[i].kf->id;
		cookies[n++] = i;
	}
	/* fexit first, so every traced entry gets its exit; then fentry over the same set. */
	if (!t->opts.entry_only) {
		err = n ? multi_link(t, bpf_program__fd(t->skel->progs.ksnoop_exit_multi),
				     KSNOOP_TRACE_FEXIT_MULTI, ids, cookies, 0, n, &t->mfds[1],
				     &t->nmfds[1], bad) :
			  0;
		if (err)
			goto fail;
	}
	/* The entry link leaves out what the exit link could not take. */
	ids2 = calloc(t->nfuncs, sizeof(*ids2));
	cookies2 = calloc(t->nfuncs, sizeof(*cookies2));
	if (!ids2 || !cookies2) {
		err = -ENOMEM;
		goto out;
	}
	n = 0;
	for (i = 0; i < t->nfuncs; i++) {
		if (bad[i])
			continue;
		ids2[n] = t->funcs[i].kf->id;
		cookies2[n++] = i;
	}
	err = n ? multi_link(t, bpf_program__fd(t->skel->progs.ksnoop_entry_multi),
			     KSNOOP_TRACE_FENTRY_MULTI, ids2, cookies2, 0, n, &t->mfds[0],
			     &t->nmfds[0], bad) :
		  0;
	if (err)
		goto fail;
	t->nattached = 0;
	t->nskipped = 0;
	for (i = 0; i < t->nfuncs; i++) {
		if (bad[i])
			t->nskipped++;
		else
			t->nattached++;
	}
	if (!t->nattached) {
		pr_error_hint("run with -v to see each function's error",
			      "the kernel refused every function in the multi link");
		err = -EINVAL;
	}
	goto out;
fail:
	pr_error_hint("try --backend fentry", "cannot create the multi-fentry link: %s",
		      strerror(-err));
out:
	free(ids);
	free(cookies);
	free(ids2);
	free(cookies2);
	free(bad);
	return err;
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
		bool call =
			insn[i].code == (BPF_JMP | BPF_CALL) && insn[i].src_reg == BPF_PSEUDO_CALL;
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
	/* KSNOOP_VERIFIER_LOG: a log buffer per program of the object. */
	enum { VLOG_SIZE = 1 << 22 };
	char *vlogs[8] = {};
	int err, i, ncpus, vlog_level;
	__u32 pages;
	double t0;

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
	bpf_map__set_max_entries(skel->maps.lost, nfuncs * KSNOOP_LOST_REASONS);
	bpf_map__set_max_entries(skel->maps.func_ids, t->use_cookie ? 1 : nfuncs);
	bpf_map__set_max_entries(skel->maps.scratch, ncpus);
	/* Per-thread depth tracking pairs exits with entries: --entry has none. */
	if (o->entry_only)
		bpf_map__set_max_entries(skel->maps.threads, 1);
	bpf_map__set_max_entries(skel->maps.events, pages * (__u32)getpagesize());

	err = choose_backend(t);
	if (err)
		return err;
	if (t->multi) {
		/* One program per attach type, no attach target: the link names the functions. */
		bpf_program__set_type(skel->progs.ksnoop_entry_multi, BPF_PROG_TYPE_TRACING);
		bpf_program__set_expected_attach_type(skel->progs.ksnoop_entry_multi,
						      KSNOOP_TRACE_FENTRY_MULTI);
		bpf_program__set_type(skel->progs.ksnoop_exit_multi, BPF_PROG_TYPE_TRACING);
		bpf_program__set_expected_attach_type(skel->progs.ksnoop_exit_multi,
						      KSNOOP_TRACE_FEXIT_MULTI);
		bpf_program__set_autoload(skel->progs.ksnoop_entry, false);
		bpf_program__set_autoload(skel->progs.ksnoop_exit, false);
		if (o->entry_only)
			bpf_program__set_autoload(skel->progs.ksnoop_exit_multi, false);
	} else {
		/* libbpf needs one target to load against; the others reuse its instructions. */
		bpf_program__set_attach_target(skel->progs.ksnoop_entry, 0, funcs[0].kf->name);
		bpf_program__set_attach_target(skel->progs.ksnoop_exit, 0, funcs[0].kf->name);
		bpf_program__set_autoload(skel->progs.ksnoop_entry_multi, false);
		bpf_program__set_autoload(skel->progs.ksnoop_exit_multi, false);
		if (o->entry_only)
			bpf_program__set_autoload(skel->progs.ksnoop_exit, false);
	}

	/*
	 * KSNOOP_VERIFIER_LOG=N (developers): the verifier log at level N (2: every
	 * instruction, 4: statistics) of each program loaded, printed even on success.
	 */
	vlog_level = getenv("KSNOOP_VERIFIER_LOG") ? atoi(getenv("KSNOOP_VERIFIER_LOG")) : 0;
	if (vlog_level) {
		struct bpf_program *prog;
		int k = 0;

		bpf_object__for_each_program(prog, skel->obj)
		{
			if (k == ARRAY_SIZE(vlogs))
				break;
			vlogs[k] = calloc(1, VLOG_SIZE);
			if (!vlogs[k])
				break;
			bpf_program__set_log_level(prog, vlog_level);
			bpf_program__set_log_buf(prog, vlogs[k++], VLOG_SIZE);
		}
	}
	t0 = mono_s();
	err = ksnoop_bpf__load(skel);
	pr_info(2, "load timing: BPF object loaded in %.3f s\n", mono_s() - t0);
	if (vlog_level) {
		struct bpf_program *prog;
		int k = 0;

		/* The same order as above: program k logged into vlogs[k]. */
		bpf_object__for_each_program(prog, skel->obj)
		{
			if (k == ARRAY_SIZE(vlogs) || !vlogs[k])
				break;
			if (bpf_program__autoload(prog))
				fprintf(stderr, "verifier log of %s:\n%s\n",
					bpf_program__name(prog), vlogs[k]);
			bpf_program__set_log_buf(prog, NULL, 0);
			free(vlogs[k++]);
		}
	}
	t0 = mono_s();
	if (err) {
		if (err == -EPERM && have_bpf_caps())
			pr_error_hint(
				"ksnoop needs fentry/fexit; 'make demo' shows ksnoop in a VM",
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
	pr_info(2, "load timing: %d plans stored in %.3f s\n", nfuncs, mono_s() - t0);
	if (!t->multi) {
		err = func_info_get(skel->progs.ksnoop_entry, &t->finfo[0]);
		if (!err && !o->entry_only)
			err = func_info_get(skel->progs.ksnoop_exit, &t->finfo[1]);
	}
	if (err) {
		pr_error("cannot read the BTF func_info of the loaded program: %s", strerror(-err));
		return err;
	}
	if (!t->use_cookie) {
		err = fill_func_ids(t);
		if (err) {
			pr_error_hint(
				"ksnoop identifies functions by address on kernels without fentry attach cookies",
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
	static const int order[] = {FD_ENTRY_LINK, FD_EXIT_LINK, FD_ENTRY_PROG, FD_EXIT_PROG};
	int err, btf_fd = -1, fd;
	size_t k;

	double t0 = mono_s(), t1;

	if (!t->opts.entry_only) {
		fd = prog_for(t, t->skel->progs.ksnoop_exit, &t->finfo[1], i, BPF_TRACE_FEXIT,
			      &btf_fd);
		t1 = mono_s();
		tm_sum[TM_EXIT_LOAD] += t1 - t0;
		t0 = t1;
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		*fd_of(t, i, FD_EXIT_PROG) = fd;
		fd = link_create(fd, BPF_TRACE_FEXIT, i, t->use_cookie);
		t1 = mono_s();
		tm_sum[TM_EXIT_LINK] += t1 - t0;
		t0 = t1;
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		*fd_of(t, i, FD_EXIT_LINK) = fd;
	}
	fd = prog_for(t, t->skel->progs.ksnoop_entry, &t->finfo[0], i, BPF_TRACE_FENTRY, &btf_fd);
	t1 = mono_s();
	tm_sum[TM_ENTRY_LOAD] += t1 - t0;
	t0 = t1;
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	*fd_of(t, i, FD_ENTRY_PROG) = fd;
	fd = link_create(fd, BPF_TRACE_FENTRY, i, t->use_cookie);
	tm_sum[TM_ENTRY_LINK] += mono_s() - t0;
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
	/* Undo this function's half-done attach (its exit link may exist). */
	for (k = 0; k < FD_PER_FUNC; k++) {
		int *p = fd_of(t, (int)i, order[k]);

		if (*p >= 0)
			close(*p);
		*p = -1;
	}
	return err;
}

/*
 * The kernel refused this one function rather than failing as a whole: e.g. x86
 * trampolines before 6.6 take at most 6 arguments (ENOTSUPP, 524), which BTF alone
 * does not tell. Like the multi link's bisection, skip it and go on.
 */
static bool refused_by_kernel(int err)
{
	return err == -524 /* ENOTSUPP */ || err == -EOPNOTSUPP || err == -EINVAL ||
	       err == -E2BIG || err == -ENOENT || err == -ESRCH || err == -EBUSY;
}

static void attach_error(const struct tfunc *tf, int err)
{
	pr_error_hint(err == -EMFILE ?
			      "too many open files: raise 'ulimit -n'" :
			      "the function may be inlined, notrace, or not attachable by fentry",
		      "cannot attach to '%s': %s", tf->kf->name,
		      err == -524 ? "not supported by the kernel (ENOTSUPP)" : strerror(-err));
}

int tracer_attach(struct tracer *t)
{
	bool tty = isatty(STDERR_FILENO) && t->nfuncs > 8;
	int i, err;

	if (t->multi) {
		double t0 = mono_s();

		err = attach_multi(t);
		pr_info(2, "multi links created in %.3f s\n", mono_s() - t0);
		return err;
	}
	for (i = 0; i < t->nfuncs; i++) {
		if (tty && verbosity >= 0 && (i % 16 == 0))
			fprintf(stderr, "\rksnoop: attaching %d/%d", i, t->nfuncs);
		err = attach_one(t, i);
		if (err && t->nfuncs > 1 && refused_by_kernel(err)) {
			pr_info(1, "skipping %s: the kernel refused it (%s)\n",
				t->funcs[i].kf->name, err == -524 ? "ENOTSUPP" : strerror(-err));
			t->nskipped++;
			continue;
		}
		if (err) {
			attach_error(&t->funcs[i], err);
			return err;
		}
		t->nattached++;
	}
	if (!t->nattached) {
		pr_error_hint("run with -v to see each function's error",
			      "the kernel refused every function (%d)", t->nskipped);
		return -EINVAL;
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (verbosity >= 2 && t->nattached) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int n = t->nattached;

		bpf_obj_get_info_by_fd(*fd_of(t, n - 1, FD_ENTRY_PROG), &info, &len);
		pr_info(2,
			"attach timing over %d functions, ms per function: exit load %.1f, exit link %.1f, entry load %.1f, entry link %.1f; verified insns per program %u (xlated %u bytes)\n",
			n, tm_sum[TM_EXIT_LOAD] * 1e3 / n, tm_sum[TM_EXIT_LINK] * 1e3 / n,
			tm_sum[TM_ENTRY_LOAD] * 1e3 / n, tm_sum[TM_ENTRY_LINK] * 1e3 / n,
			info.verified_insns, info.xlated_prog_len);
	}
	return 0;
}

void tracer_detach(struct tracer *t)
{
	static const int order[] = {FD_ENTRY_LINK, FD_EXIT_LINK};
	size_t k;
	int i;

	/* Entry links go first, so no entry is recorded whose exit we would miss. */
	for (k = 0; k < 2; k++) {
		for (i = 0; i < t->nmfds[k]; i++)
			close(t->mfds[k][i]);
		free(t->mfds[k]);
		t->mfds[k] = NULL;
		t->nmfds[k] = 0;
	}
	for (k = 0; t->fds && k < ARRAY_SIZE(order); k++) {
		for (i = 0; i < t->nfuncs; i++) {
			int *fd = fd_of(t, i, order[k]);

			if (*fd >= 0)
				close(*fd);
			*fd = -1;
		}
	}
}

void tracer_stop(struct tracer *t)
{
	if (!t->skel || !t->skel->bss)
		return;
	t->skel->bss->stopped = true;
	/*
	 * A run that read the flag just before is still writing its record:
	 * wait for it, so that nothing reaches the ring buffer after this
	 * returns. Tracing programs run under rcu_read_lock(), and
	 * MEMBARRIER_CMD_GLOBAL waits for an RCU grace period (nothing to wait
	 * for on one CPU). nohz_full kernels refuse it: then a run may finish
	 * its record after our final read, uncounted.
	 */
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
}

int tracer_links(struct tracer *t)
{
	int n = t->nmfds[0] + t->nmfds[1], i;

	for (i = 0; t->fds && i < t->nfuncs; i++)
		n += (*fd_of(t, i, FD_ENTRY_LINK) >= 0) + (*fd_of(t, i, FD_EXIT_LINK) >= 0);
	return n;
}

void tracer_close(struct tracer *t)
{
	static const int order[] = {FD_ENTRY_PROG, FD_EXIT_PROG};
	double t0 = mono_s();
	size_t k;
	int i;

	tracer_detach(t);
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
	pr_info(2, "detached in %.3f s\n", mono_s() - t0);
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

__u64 tracer_lost(struct tracer *t, int i, int reason)
{
	int ncpus = libbpf_num_possible_cpus(), c;
	__u64 *vals = calloc(ncpus, sizeof(__u64)), sum = 0;
	__u32 key = i * KSNOOP_LOST_REASONS + reason;

	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost), &key, vals))
		for (c = 0; c < ncpus; c++)
			sum += vals[c];
	free(vals);
	return sum;
}

int tracer_thread_depth(struct tracer *t, __u32 tid)
{
	struct ksnoop_thread_state ts;

	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.threads), &tid, &ts))
		return -ENOENT;
	return ts.depth;
}

static __u64 prog_misses(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

__u64 tracer_recursion_misses(struct tracer *t)
{
	__u64 sum = 0;
	int i;

	if (t->multi)
		return prog_misses(bpf_program__fd(t->skel->progs.ksnoop_entry_multi)) +
		       prog_misses(bpf_program__fd(t->skel->progs.ksnoop_exit_multi));
	for (i = 0; i < t->nfuncs && t->fds; i++)
		sum += prog_misses(*fd_of(t, i, FD_ENTRY_PROG)) +
		       prog_misses(*fd_of(t, i, FD_EXIT_PROG));
	return sum;
}
