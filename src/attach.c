// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
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

#include "agg.h"
#include "attach.h"
#include "ftrace_list.h"
#include "filter.h"
#include "ksyms.h"
#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "log.h"

/*
 * --kstack: distinct stacks kept (the kernel deduplicates them; a stack
 * that finds its bucket taken by another is not captured).
 */
#define KSTACK_ENTRIES 16384

double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int *tracer_fd(struct tracer *t, int i, int which)
{
	return &t->fds[i * FD_PER_FUNC + which];
}

void tracer_close_fds(struct tracer *t, const int *which, int n)
{
	int i, k;

	for (k = 0; t->fds && k < n; k++) {
		for (i = 0; i < t->nfuncs; i++) {
			int *fd = tracer_fd(t, i, which[k]);

			if (*fd >= 0)
				close(*fd);
			*fd = -1;
		}
	}
}

void tracer_close_links(struct tracer *t)
{
	int i, k;

	/* Entry links go first, so no entry is recorded whose exit we would miss. */
	for (k = 0; k < 2; k++) {
		for (i = 0; i < t->nmfds[k]; i++)
			close(t->mfds[k][i]);
		free(t->mfds[k]);
		t->mfds[k] = NULL;
		t->nmfds[k] = 0;
	}
}

/* Without attach cookies the program maps the function address to its id. */
struct fill_ids {
	struct tracer *t;
	int fd, found;
};

static int fill_id(__u64 addr, const char *name, const char *mod, void *ctx)
{
	struct fill_ids *f = ctx;
	int i;

	(void)mod;
	for (i = 0; i < f->t->nfuncs; i++) {
		__u64 key = addr;
		__u32 val = i;

		if (strcmp(f->t->funcs[i].kf->name, name))
			continue;
		if (bpf_map_update_elem(f->fd, &key, &val, BPF_ANY) == 0)
			f->found++;
	}
	return 0;
}

int tracer_fill_func_ids(struct tracer *t)
{
	struct fill_ids f = {.t = t, .fd = bpf_map__fd(t->skel->maps.func_ids)};
	int err = ksyms_for_each(fill_id, &f);

	if (err)
		return err;
	return f.found ? 0 : -ENOENT;
}

static int add_link(struct tracer *t, bool is_exit, int fd)
{
	int *p = realloc(t->mfds[is_exit], (t->nmfds[is_exit] + 1) * sizeof(int));

	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	t->mfds[is_exit] = p;
	p[t->nmfds[is_exit]++] = fd;
	return 0;
}

/*
 * A function the kernel refused that ftrace does not list: the selection left
 * that check to the attach (ftrace_list.h). Reported as the selection would
 * have, -EOPNOTSUPP; 0 for a listed function.
 */
static int tracer_unlisted(const struct tracer *t, const struct tfunc *tf)
{
	if (!(t->be->flags & BK_FTRACE) || ftrace_listed(tf->kf->name))
		return 0;
	return ftrace_report_untraceable(tf->kf->name, t->be->name, FTRACE_UNLISTED_WHY);
}

int tracer_multi_link(struct tracer *t, multi_create_fn create, __u64 *funcs, int n, bool is_exit,
		      bool *bad)
{
	int fd, mid, err;

	if (!n)
		return 0;
	fd = create(t, funcs, n, is_exit);
	if (fd >= 0)
		return add_link(t, is_exit, fd);
	err = fd;
	if (err != -EINVAL && err != -ENOENT && err != -ESRCH && err != -ENOMEM)
		return err;
	if (n == 1) {
		if (err == -ENOMEM)
			return err;
		bad[funcs[0]] = true;
		pr_info(1, "skipping %s: the kernel refused it in a %s link (%s)\n",
			t->funcs[funcs[0]].kf->name, t->be->name, strerror(-err));
		return 0;
	}
	if (err == -ENOMEM)
		pr_info(1, "%s: a link over %d functions failed (%s): retrying in halves\n",
			t->be->name, n, strerror(-err));
	mid = n / 2;
	err = tracer_multi_link(t, create, funcs, mid, is_exit, bad);
	if (!err)
		err = tracer_multi_link(t, create, funcs + mid, n - mid, is_exit, bad);
	return err;
}

/*
 * The error for @n functions (t->funcs[0] the first) that never return, whose
 * return this kernel refuses to trace.
 */
static void noreturn_error(const struct tracer *t, int n)
{
	if (n == 1)
		pr_error_hint(
			"trace its entry only with --entry",
			"'%s' never returns, and this kernel refuses to trace its return (%s)",
			t->funcs[0].kf->name, t->be->name);
	else
		pr_error_hint(
			"trace their entry only with --entry",
			"the %d functions matched ('%s', ...) never return, and this kernel refuses to trace their return (%s)",
			n, t->funcs[0].kf->name, t->be->name);
}

int tracer_attach_multi(struct tracer *t, multi_create_fn create, multi_skip_fn skip)
{
	__u64 *funcs = calloc(t->nfuncs ? t->nfuncs : 1, sizeof(*funcs));
	bool *bad = calloc(t->nfuncs ? t->nfuncs : 1, sizeof(*bad));
	int i, n, pass, nskip = 0, err = 0;

	if (!funcs || !bad) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < t->nfuncs && skip; i++)
		nskip += bad[i] = skip(t, i);
	/* every one skipped, as never returning: said as for one */
	if (nskip && nskip == t->nfuncs) {
		noreturn_error(t, nskip);
		err = -EINVAL;
		goto out;
	}
	/* exits first, so every traced entry gets its exit; then entries over what the exits took
	 */
	/* A session link serves both: it is made in the entries' pass. */
	for (pass = t->opts.entry_only || t->session ? 1 : 0; pass < 2 && !err; pass++) {
		bool is_exit = pass == 0;

		for (i = 0, n = 0; i < t->nfuncs; i++)
			if (!bad[i])
				funcs[n++] = i;
		err = tracer_multi_link(t, create, funcs, n, is_exit, bad);
		if (err)
			pr_error_hint(
				"run with -v to see each function's error; try another --backend",
				"cannot create the %s %s link: %s", t->be->name,
				is_exit ? "return" : "entry", strerror(-err));
	}
	if (err)
		goto out;
	t->nattached = 0;
	t->nskipped = 0;
	for (i = 0; i < t->nfuncs; i++) {
		if (bad[i])
			t->nskipped++;
		else
			t->nattached++;
		err = bad[i] ? tracer_unlisted(t, &t->funcs[i]) : 0;
		if (err)
			goto out;
	}
	if (!t->nattached) {
		pr_error_hint("run with -v to see each function's error",
			      "the kernel refused every function in the %s link", t->be->name);
		err = -EINVAL;
	}
out:
	free(bad);
	free(funcs);
	return err;
}

/*
 * Store each function's plan at its index in the plans map: one batch update
 * (array maps, Linux 5.6+) rather than a syscall per function; one by one
 * where the kernel has no batch for arrays (EINVAL, ENOTSUPP) or memory is short.
 */
static int store_plans(int fd, const struct tfunc *funcs, int nfuncs)
{
	struct ksnoop_plan *plans = malloc(sizeof(*plans) * (nfuncs ? nfuncs : 1));
	__u32 *keys = malloc(sizeof(*keys) * (nfuncs ? nfuncs : 1));
	__u32 count = nfuncs, i;
	int err = -ENOMEM;

	if (plans && keys) {
		for (i = 0; i < (__u32)nfuncs; i++) {
			keys[i] = i;
			plans[i] = funcs[i].plan;
		}
		err = bpf_map_update_batch(fd, keys, plans, &count, NULL);
		err = err ? -errno : (count == (__u32)nfuncs ? 0 : -EIO);
	}
	free(plans);
	free(keys);
	for (i = 0; err && i < (__u32)nfuncs; i++) {
		if (!bpf_map_update_elem(fd, &i, &funcs[i].plan, 0))
			continue;
		err = -errno;
		pr_error("cannot store the plan for '%s': %s", funcs[i].kf->name, strerror(-err));
		return err;
	}
	return 0;
}

/*
 * Entries of the "threads" map: one per thread with a traced call in
 * progress. An LRU hash is preallocated whole at load, and under TCG 16,384
 * thread states (11 MB) took as long to set up as attaching a thousand
 * functions. So: four times the threads running now (the total in
 * /proc/loadavg), at least 1,024 and at most 16,384; past that the LRU
 * recycles the threads idle longest, as it always did.
 */
__u32 tracer_threads_entries(void)
{
	unsigned long running, total = 0;
	__u32 n = 1024;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%*s %*s %*s %lu/%lu", &running, &total) != 2)
			total = 0;
		fclose(f);
	}
	if (!total)
		return 16384;
	while (n < 4 * total && n < 16384)
		n *= 2;
	return n;
}

/* Two programs and two links per function; kernels < 5.11 also need memlock. */
static void raise_limits(int nfuncs)
{
	rlim_t want = (rlim_t)nfuncs * 4 + 64;
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_MEMLOCK, &rl);
}

/*
 * What a run captures, so that it asks no item and saves no register it has
 * no use for: each plan's phase ends (plan_set_phase_ends()) and how many
 * argument registers the stubs save at entry and at the return (the most any
 * plan reads; at the return only --changes reads arguments again).
 */
static void set_capture_bounds(struct tracer *t, const struct tracer_opts *o)
{
	__u32 args = 0, n;
	int i;

	for (i = 0; i < t->nfuncs; i++) {
		n = plan_set_phase_ends(&t->funcs[i].plan, o->changes);
		if (n > args)
			args = n;
	}
	t->skel->rodata->entry_args = args;
	t->skel->rodata->exit_args = o->changes ? args : 0;
}

/* The BPF program's read-only settings: the filters and what each record holds. */
static int set_rodata(struct tracer *t, const struct tracer_opts *o)
{
	struct ksnoop_bpf *skel = t->skel;
	int err;

	skel->rodata->filter_tgid = o->tgid;
	skel->rodata->filter_tid = o->tid;
	skel->rodata->entry_only = o->entry_only;
	skel->rodata->kernel_format = o->kernel_format || o->format_check;
	skel->rodata->format_check = o->format_check;
	err = filter_prepare(t);
	if (err)
		return err;
	skel->rodata->chain_mode = o->chain;
	/*
	 * After filter_prepare(), which sets early_preds. Recording with returns,
	 * the gate spares the return of a call an entry predicate or a task
	 * filter left out the filters' work, for two atomic adds per call shown.
	 */
	skel->rodata->thread_gate =
		o->chain || ((skel->rodata->early_preds || filter_task_any(o)) && !o->agg_mode &&
			     !o->entry_only);
	skel->rodata->kstack = o->kstack > 0;
	skel->rodata->changes = o->changes;
	set_capture_bounds(t, o);
	return 0;
}

bool tracer_env_flag(const char *env)
{
	return env && *env && *env != '0';
}

/*
 * Where the BPF program keeps per-thread state (depth, entry times, chain
 * levels), which pairs returns with entries (--entry has none): with the task
 * where the kernel lets the backend's programs use task-local storage, else
 * in the "threads" hash. The one not used takes one entry; task storage
 * becomes a one-entry array then, a map type every kernel has (no program
 * uses it: the verifier drops the code behind the constant setting).
 * KSNOOP_THREAD_HASH=1 (tests, benches) keeps the hash where task storage works.
 */
static void thread_storage(struct tracer *t, const struct tracer_opts *o)
{
	struct ksnoop_bpf *skel = t->skel;
	int err;

	t->task_storage = !o->entry_only && !tracer_env_flag(getenv("KSNOOP_THREAD_HASH")) &&
			  feature_probe(t->be->task_storage, &err);
	skel->rodata->task_storage = t->task_storage;
	bpf_map__set_max_entries(skel->maps.threads,
				 o->entry_only || t->task_storage ? 1 : tracer_threads_entries());
	if (t->task_storage)
		return;
	bpf_map__set_type(skel->maps.thread_tls, BPF_MAP_TYPE_ARRAY);
	bpf_map__set_map_flags(skel->maps.thread_tls, 0);
	bpf_map__set_max_entries(skel->maps.thread_tls, 1);
}

/* Every map sized for @nfuncs functions and the mode: what a mode does not use, 1 entry. */
static void size_maps(struct tracer *t, const struct tracer_opts *o, int nfuncs)
{
	struct ksnoop_bpf *skel = t->skel;
	int ncpus = libbpf_num_possible_cpus();
	/* Aggregation sends no records: the smallest ring buffer. */
	__u32 pages = o->pages ? o->pages : o->agg_mode ? 1 : 256;

	if (ncpus < 1)
		ncpus = 1;
	if (o->kstack) {
		bpf_map__set_value_size(skel->maps.stacks, o->kstack * sizeof(__u64));
		bpf_map__set_max_entries(skel->maps.stacks, KSTACK_ENTRIES);
	}
	bpf_map__set_max_entries(skel->maps.plans, nfuncs);
	bpf_map__set_max_entries(skel->maps.lost, nfuncs * KSNOOP_LOST_REASONS);
	bpf_map__set_max_entries(skel->maps.scratch, ncpus);
	thread_storage(t, o);
	bpf_map__set_max_entries(skel->maps.events, pages * (__u32)getpagesize());
	skel->rodata->wake_bytes = pages * (__u32)getpagesize() / 4;
	/* Aggregation: a struct ksnoop_agg per function and CPU, else none. */
	skel->rodata->agg_mode = o->agg_mode;
	skel->rodata->agg_lean = agg_lean_ok(o->agg_mode, o->agg_conf.src, t->funcs, nfuncs);
	skel->rodata->agg_item_same =
		skel->rodata->agg_lean && o->agg_mode != KSNOOP_AGG_STATS &&
		o->agg_conf.src == KSNOOP_SRC_ITEM &&
		agg_item_same(t->funcs, nfuncs, (struct ksnoop_item *)&skel->rodata->agg_item);
	ksnoop_bucket_tbl_fill((__u8 *)skel->rodata->agg_bucket_tbl,
			       o->agg_mode == KSNOOP_AGG_STATS);
	skel->rodata->agg_ret_same =
		o->agg_mode == KSNOOP_AGG_STATS &&
		agg_ret_same(t->funcs, nfuncs, (__u8 *)&skel->rodata->agg_ret_kind,
			     (__u8 *)&skel->rodata->agg_ret_size);
	bpf_map__set_max_entries(skel->maps.aggs, o->agg_mode ? nfuncs : 1);
	skel->rodata->agg_conf = o->agg_conf;
	skel->rodata->caller_stack =
		o->agg_mode == KSNOOP_AGG_COUNT && o->agg_conf.src == KSNOOP_SRC_CALLER;
	bpf_map__set_max_entries(skel->maps.hist,
				 o->agg_mode == KSNOOP_AGG_HIST ? nfuncs * o->agg_conf.nslots : 1);
	bpf_map__set_max_entries(skel->maps.counts,
				 o->agg_mode == KSNOOP_AGG_COUNT ? o->max_keys : 1);
	if (o->agg_mode == KSNOOP_AGG_COUNT)
		bpf_map__set_key_size(skel->maps.counts, offsetof(struct ksnoop_count_key, data) +
								 o->agg_conf.key_len);
}

/*
 * KSNOOP_VERIFIER_LOG=N (developers): the verifier log at level N (2: every
 * instruction, 4: statistics) of each program loaded, printed even on success.
 * A log buffer per program of the object, in the object's program order.
 */
struct vlogs {
	char *buf[8];
	int level;
};

enum { VLOG_SIZE = 1 << 22 };

static void vlogs_start(struct vlogs *vl, struct bpf_object *obj)
{
	const char *env = getenv("KSNOOP_VERIFIER_LOG");
	struct bpf_program *prog;
	int k = 0;

	memset(vl, 0, sizeof(*vl));
	vl->level = env ? atoi(env) : 0;
	if (!vl->level)
		return;
	bpf_object__for_each_program(prog, obj)
	{
		if (k == ARRAY_SIZE(vl->buf))
			break;
		vl->buf[k] = calloc(1, VLOG_SIZE);
		if (!vl->buf[k])
			break;
		bpf_program__set_log_level(prog, vl->level);
		bpf_program__set_log_buf(prog, vl->buf[k++], VLOG_SIZE);
	}
}

/* Print the logs of the programs loaded, and free them. */
static void vlogs_print(struct vlogs *vl, struct bpf_object *obj)
{
	struct bpf_program *prog;
	int k = 0;

	if (!vl->level)
		return;
	/* The same order as vlogs_start(): program k logged into buf[k]. */
	bpf_object__for_each_program(prog, obj)
	{
		if (k == ARRAY_SIZE(vl->buf) || !vl->buf[k])
			break;
		if (bpf_program__autoload(prog))
			fprintf(stderr, "verifier log of %s:\n%s\n", bpf_program__name(prog),
				vl->buf[k]);
		bpf_program__set_log_buf(prog, NULL, 0);
		free(vl->buf[k++]);
	}
}

/*
 * The stubs' settings as the bits of stub.bits (enum ksnoop_stub_bit), from
 * the settings the rest of the program reads too and the tracer's choices:
 * last, once every one is known.
 */
static __u32 stub_bits_of(const struct tracer *t)
{
	const struct ksnoop_bpf__rodata *ro = t->skel->rodata;
	const struct ksnoop_item *tp = (const struct ksnoop_item *)&ro->stub.pred.item;
	__u32 sb = 0;

	sb |= ro->chain_mode ? KSNOOP_SB_CHAIN : 0;
	sb |= filter_task_any(&t->opts) ? KSNOOP_SB_TASK : 0;
	sb |= ro->thread_gate ? KSNOOP_SB_GATE : 0;
	sb |= ro->entry_only ? KSNOOP_SB_ENTRY_ONLY : 0;
	if (t->pred_typed) {
		sb |= KSNOOP_SB_PRED_TYPED;
		sb |= (tp->flags & KSNOOP_I_SPRED) ? KSNOOP_SB_PRED_STR : 0;
		sb |= tp->op == KSNOOP_OP_NE ? KSNOOP_SB_PRED_NE : 0;
		sb |= tp->base == 0 && tp->nsteps == 1 ? KSNOOP_SB_PRED_STEP1 : 0;
	}
	sb |= filter_comm1(t) ? KSNOOP_SB_COMM1 : 0;
	sb |= ro->agg_lean ? KSNOOP_SB_AGG_LEAN : 0;
	sb |= t->frame_pair ? KSNOOP_SB_FRAME : 0;
	sb |= t->rec_lean ? KSNOOP_SB_REC_LEAN : 0;
	/* one function: its id is 0, however the others would be found */
	sb |= t->nfuncs == 1 ? KSNOOP_SB_ONE_FUNC : ro->use_cookie ? KSNOOP_SB_COOKIE : 0;
	return sb;
}

void tracer_stub(struct tracer *t, bool is_exit, struct bpf_program *prog,
		 enum bpf_attach_type attach_type, const char *target)
{
	t->stub_conf[is_exit] = (struct stub_conf){prog, attach_type, target};
}

const struct stub_case tracer_stub_cases[] = {
#define STUB_CASE(name, bits, any_id) {#name, bits, any_id},
	KSNOOP_STUB_CASES(STUB_CASE)
#undef STUB_CASE
};
const size_t tracer_nstub_cases = ARRAY_SIZE(tracer_stub_cases);

const char *tracer_stub_case(__u32 sb)
{
	size_t i;

	for (i = 0; i < tracer_nstub_cases; i++) {
		const struct stub_case *c = &tracer_stub_cases[i];

		if ((c->any_id ? sb & ~KSNOOP_SB_ID_BITS : sb) == c->bits)
			return c->name;
	}
	return NULL;
}

/*
 * Set up the stub programs the backend asked for (tracer_stub()), each the
 * program of the case of stub.bits where there is one; t->stub[] the ones to
 * load. KSNOOP_NO_STUB_CASES=1 (tests): the generic ones.
 */
static int stubs_setup(struct tracer *t)
{
	__u32 sb = t->skel->rodata->stub.bits;
	const char *c =
		tracer_env_flag(getenv("KSNOOP_NO_STUB_CASES")) ? NULL : tracer_stub_case(sb);
	char name[64];
	int side, err;

	for (side = 0; side < 2; side++) {
		const struct stub_conf *sc = &t->stub_conf[side];
		struct bpf_program *p = sc->prog;

		if (!p)
			continue;
		if (c) {
			snprintf(name, sizeof(name), "%s_%s", bpf_program__name(sc->prog), c);
			p = bpf_object__find_program_by_name(t->skel->obj, name);
			if (!p) {
				pr_error("the BPF object has no program %s", name);
				return -ENOENT;
			}
		}
		/* the multi stubs are written in a generic section (libbpf 1.1) */
		bpf_program__set_type(p, BPF_PROG_TYPE_TRACING);
		bpf_program__set_expected_attach_type(p, sc->attach_type);
		/* After the attach type: libbpf finds the target's BTF id by it. */
		if (sc->target) {
			err = bpf_program__set_attach_target(p, 0, sc->target);
			if (err) {
				pr_error("cannot find '%s' in the kernel's BTF to attach to it: %s",
					 sc->target, strerror(-err));
				return err;
			}
		}
		bpf_program__set_autoload(p, true);
		t->stub[side] = p;
		pr_info(2, "%s stub: %s (stub bits %#x)\n", side ? "exit" : "entry",
			bpf_program__name(p), sb);
	}
	return 0;
}

/* Load the object: the verifier runs the chosen backend's programs. */
static int load_object(struct tracer *t)
{
	struct vlogs vl;
	double t0;
	int err;

	vlogs_start(&vl, t->skel->obj);
	timing_mark("BPF object opened, backend prepared");
	t0 = mono_s();
	err = ksnoop_bpf__load(t->skel);
	timing_mark("BPF object loaded (maps, verifier)");
	pr_info(2, "load timing: BPF object loaded in %.3f s\n", mono_s() - t0);
	vlogs_print(&vl, t->skel->obj);
	if (!err)
		return 0;
	if (err == -EPERM && have_bpf_caps())
		pr_error_hint(
			"'ksnoop features' lists what this kernel permits",
			"this kernel does not permit BPF function tracing: loading the %s program for '%s' failed (%s)",
			t->be->name, t->funcs[t->target].kf->name, strerror(-err));
	else if (err == -EINVAL && t->stub[1] && t->stub_conf[1].target &&
		 backend_noreturn(t->stub_conf[1].target))
		/* the exit stub's target: be_fentry.c chose one that returns if there was one */
		noreturn_error(t, t->nfuncs);
	else
		pr_error_hint("run with -d to see the verifier log",
			      "cannot load the BPF program (%s) for '%s': %s", t->be->name,
			      t->funcs[t->target].kf->name, strerror(-err));
	return err;
}

/* After the load: the plans, the filters' maps, the backend's and the address ids. */
static int fill_maps(struct tracer *t)
{
	double t0 = mono_s();
	int err;

	err = store_plans(bpf_map__fd(t->skel->maps.plans), t->funcs, t->nfuncs);
	if (err)
		return err;
	pr_info(2, "load timing: %d plans stored in %.3f s\n", t->nfuncs, mono_s() - t0);
	err = filter_loaded(t);
	if (err)
		return err;
	timing_mark("plans stored");
	if (t->be->loaded) {
		err = t->be->loaded(t);
		if (err)
			return err;
	}
	if (t->use_cookie)
		return 0;
	err = tracer_fill_func_ids(t);
	if (err)
		pr_error_hint(
			"ksnoop identifies functions by address on kernels without fentry attach cookies",
			"cannot find the traced functions in /proc/kallsyms: %s", strerror(-err));
	return err;
}

int tracer_load(struct tracer *t, const struct backend *be, struct tfunc *funcs, int nfuncs,
		const struct tracer_opts *o)
{
	struct bpf_program *prog;
	int err, i;

	memset(t, 0, sizeof(*t));
	t->funcs = funcs;
	t->nfuncs = nfuncs;
	t->opts = *o;
	t->be = be;
	raise_limits(nfuncs);
	t->fds = malloc(sizeof(int) * FD_PER_FUNC * nfuncs);
	if (!t->fds)
		return -ENOMEM;
	for (i = 0; i < FD_PER_FUNC * nfuncs; i++)
		t->fds[i] = -1;

	timing_mark("before the BPF object");
	t->skel = ksnoop_bpf__open();
	if (!t->skel) {
		err = -errno;
		pr_error("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	err = set_rodata(t, o);
	if (err)
		return err;
	size_maps(t, o, nfuncs);
	/* Only the chosen backend's programs are loaded; it may also retype them. */
	bpf_object__for_each_program(prog, t->skel->obj) bpf_program__set_autoload(prog, false);
	t->use_cookie = feature_probe(FEAT_COOKIE, &err);
	err = be->prepare(t);
	if (err)
		return err;
	t->skel->rodata->use_cookie = t->use_cookie;
	/* Known only now: with cookies the address-to-id map is not used. */
	bpf_map__set_max_entries(t->skel->maps.func_ids, t->use_cookie ? 1 : nfuncs);
	t->skel->rodata->stub.bits = stub_bits_of(t);
	err = stubs_setup(t);
	if (err)
		return err;
	err = load_object(t);
	return err ? err : fill_maps(t);
}

int tracer_attach(struct tracer *t)
{
	double t0 = mono_s();
	int err;

	err = t->be->attach(t);
	timing_mark("links created");
	pr_info(2, "attach timing: %s attached %d functions in %.3f s\n", t->be->name, t->nattached,
		mono_s() - t0);
	return err;
}

void tracer_detach(struct tracer *t)
{
	if (t->be)
		t->be->detach(t);
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
		n += (*tracer_fd(t, i, FD_ENTRY_LINK) >= 0) + (*tracer_fd(t, i, FD_EXIT_LINK) >= 0);
	for (i = 0; t->links && i < t->nfuncs * KL_PER_FUNC; i++)
		n += t->links[i] != NULL;
	return n;
}

void tracer_close(struct tracer *t)
{
	double t0 = mono_s();

	tracer_detach(t);
	if (t->be && t->be->close)
		t->be->close(t);
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

/*
 * A pidfd of thread @tid, for task storage lookups: PIDFD_THREAD (Linux 6.9)
 * names any thread; before it, only a process's main thread has one.
 */
static int thread_pidfd(__u32 tid)
{
	int fd = syscall(SYS_pidfd_open, tid, O_EXCL /* PIDFD_THREAD */);

	return fd >= 0 ? fd : syscall(SYS_pidfd_open, tid, 0);
}

int tracer_thread_depth(struct tracer *t, __u32 tid, bool local_ids)
{
	struct ksnoop_thread_state ts;
	int fd, err;

	if (!t->task_storage)
		return bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.threads), &tid, &ts) ?
			       -ENOENT :
			       (int)ts.depth;
	/* The kernel's thread ids name our threads only in the initial PID namespace. */
	fd = local_ids ? thread_pidfd(tid) : -1;
	if (fd < 0)
		return -ENOENT;
	err = bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.thread_tls), &fd, &ts);
	close(fd);
	return err ? -ENOENT : (int)ts.depth;
}

int tracer_patch_session(struct bpf_program *prog)
{
	size_t i, n = bpf_program__insn_cnt(prog);
	struct bpf_insn *insns = malloc(n * sizeof(*insns));
	int is_ret = feature_kfunc_id("bpf_session_is_return"), found = 0, err;
	int cookie = feature_kfunc_id("bpf_session_cookie");

	if (!insns)
		return -ENOMEM;
	memcpy(insns, bpf_program__insns(prog), n * sizeof(*insns));
	for (i = 0; i < n && is_ret > 0; i++) {
		if (insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg)
			continue;
		if (insns[i].imm == KSNOOP_SESSION_IS_RETURN_CALL) {
			feature_kfunc_call(&insns[i], is_ret);
			found++;
		} else if (insns[i].imm == KSNOOP_SESSION_COOKIE_CALL && cookie > 0) {
			feature_kfunc_call(&insns[i], cookie);
		}
	}
	/* Both kfuncs came in 6.10: one without the other is a kernel we do not know. */
	if (is_ret < 0 || cookie < 0)
		err = is_ret < 0 ? is_ret : cookie;
	else
		err = found ? bpf_program__set_insns(prog, insns, n) : -ENOENT;
	free(insns);
	return err;
}

int tracer_frame_prepare(struct tracer *t)
{
	const char *env = getenv("KSNOOP_FRAME_SLOTS");
	unsigned long n = KSNOOP_FRAME_SLOTS;
	char *end;

	if (env && *env) {
		errno = 0;
		n = strtoul(env, &end, 10);
		if (errno || *end || n > KSNOOP_FRAME_SLOTS || (n & (n - 1))) {
			pr_error("KSNOOP_FRAME_SLOTS=%s: expected 0 or a power of 2 up to %d", env,
				 KSNOOP_FRAME_SLOTS);
			return -EINVAL;
		}
	}
	t->frame_pair = n > 0;
	if (!t->frame_pair)
		return 0;
	t->skel->rodata->frame_mask = n - 1;
	/* the record path's slots are fewer: a smaller table is taken as it is */
	t->skel->rodata->rec_frame_mask =
		(n < KSNOOP_REC_FRAME_SLOTS ? n : KSNOOP_REC_FRAME_SLOTS) - 1;
	if (t->rec_lean)
		pr_info(1,
			"%s: one record per call, the entry kept by its trampoline frame (%u slot%s)\n",
			t->be->name, t->skel->rodata->rec_frame_mask + 1, n == 1 ? "" : "s");
	else
		pr_info(1, "%s: returns paired by their trampoline frame (%lu slot%s)\n",
			t->be->name, n, n == 1 ? "" : "s");
	return 0;
}

int tracer_held_calls(struct tracer *t, tracer_held_fn fn, void *ctx)
{
	__u64 a[KSNOOP_LEAN_REC_MAX / sizeof(__u64)], b[ARRAY_SIZE(a)];
	const struct ksnoop_rec_frame *f;
	__u32 i, n = 0;
	int tries;

	if (!t->skel || !t->skel->bss || !t->rec_lean || !t->frame_pair)
		return 0;
	for (i = 0; i <= t->skel->rodata->rec_frame_mask && i < KSNOOP_REC_FRAME_SLOTS; i++) {
		f = &t->skel->bss->rec_frames[i];
		/*
		 * While tracing, the program may rewrite a slot as we read it
		 * (fentry_rec_gone()): two reads that agree, or none. Each byte
		 * changes once per rewrite, so they agree only on a whole record.
		 */
		for (tries = 0; tries < 3; tries++) {
			if (!__atomic_load_n(&f->key, __ATOMIC_ACQUIRE))
				break;
			memcpy(a, f->rec, sizeof(a));
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			memcpy(b, f->rec, sizeof(b));
			if (!memcmp(a, b, sizeof(a)))
				break;
		}
		if (tries == 3 || !f->key)
			continue;
		fn(ctx, (const struct ksnoop_rec *)a, sizeof(a));
		n++;
	}
	return n;
}

int tracer_fsession_prepare(struct tracer *t, enum feature feat, int attach_type)
{
	struct bpf_program *prog = t->skel->progs.ksnoop_session_multi;
	int err;

	/*
	 * Only for the lean counting path: the kernel ignores what an fsession
	 * entry returns (the verifier wants 0), so unlike kprobe.session a call
	 * left out at entry still has its return run, and the record path would
	 * pay the session's cookie and flag stores for nothing (-s outside the
	 * chain: 118 instructions a run against 113, 7.2). With --entry there is
	 * no return at all; with -s the pairing keeps the chain levels
	 * (ksnoop_pair()). KSNOOP_NO_FSESSION=1 (tests, benches): two programs
	 * anyway.
	 */
	bool lean_returns =
		!t->opts.entry_only && t->skel->rodata->agg_lean && !t->skel->rodata->chain_mode;

	t->session = lean_returns && !tracer_env_flag(getenv("KSNOOP_NO_FSESSION")) &&
		     feature_probe(feat, &err);
	if (!t->session)
		return lean_returns ? tracer_frame_prepare(t) : 0;
	err = tracer_patch_session(prog);
	if (err)
		return err;
	bpf_program__set_type(prog, BPF_PROG_TYPE_TRACING);
	bpf_program__set_expected_attach_type(prog, attach_type);
	bpf_program__set_autoload(prog, true);
	return 0;
}

__u64 tracer_prog_misses(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

/*
 * A skipped entry costs its return record too: the return run finds no entry
 * to pair and emits nothing (on a session link it does not run). A program
 * that serves both cannot say which it skipped: one record each, the fewest
 * it can have cost.
 */
__u64 tracer_recursion_misses(struct tracer *t, __u64 *records)
{
	struct tracer_misses m = {};
	__u64 per_entry = t->opts.entry_only || t->opts.agg_mode ? 1 : 2;

	if (t->be && t->skel)
		t->be->misses(t, &m);
	if (records)
		*records = m.entry * per_entry + m.exit + m.both;
	return m.entry + m.exit + m.both;
}

/*
 * The kernel refused this one function rather than failing as a whole: e.g. x86
 * trampolines before 6.6 take at most 6 arguments (ENOTSUPP, 524), which BTF alone
 * does not tell; a kprobe on a function kprobes refuse (EINVAL) or cannot find
 * (ENOENT). Like the multi link's bisection, skip it and go on.
 */
static bool refused_by_kernel(int err)
{
	return err == -524 /* ENOTSUPP */ || err == -EOPNOTSUPP || err == -EINVAL ||
	       err == -E2BIG || err == -ENOENT || err == -ESRCH || err == -EBUSY || err == -EILSEQ;
}

/* Report the kernel's refusal of @tf; returns the error to fail with. */
static int attach_failed(const struct tracer *t, const struct tfunc *tf, int err)
{
	char hint[128];

	snprintf(hint, sizeof(hint),
		 "the function may be inlined, notrace, or not attachable by %s", t->be->name);
	pr_error_hint(err == -EMFILE ? "too many open files: raise 'ulimit -n'" : hint,
		      "cannot attach to '%s': %s", tf->kf->name,
		      err == -524 ? "not supported by the kernel (ENOTSUPP)" : strerror(-err));
	return err;
}

int tracer_attach_each(struct tracer *t, int (*one)(struct tracer *t, int i))
{
	bool tty = isatty(STDERR_FILENO) && t->nfuncs > 8;
	int i, err, unlisted;

	for (i = 0; i < t->nfuncs; i++) {
		if (tty && verbosity >= 0 && (i % 16 == 0))
			fprintf(stderr, "\rksnoop: attaching %d/%d", i, t->nfuncs);
		err = one(t, i);
		unlisted = err ? tracer_unlisted(t, &t->funcs[i]) : 0;
		if (unlisted)
			return unlisted;
		if (err && t->nfuncs > 1 && refused_by_kernel(err)) {
			bool noret = err == -EINVAL && !t->opts.entry_only &&
				     backend_noreturn(t->funcs[i].kf->name);

			if (noret)
				pr_info(1,
					"skipping %s: it does not return, fexit cannot trace it\n",
					t->funcs[i].kf->name);
			else
				pr_info(1, "skipping %s: the kernel refused it (%s)\n",
					t->funcs[i].kf->name,
					err == -524 ? "ENOTSUPP" : strerror(-err));
			t->nskipped++;
			continue;
		}
		if (err)
			return attach_failed(t, &t->funcs[i], err);
		t->nattached++;
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (!t->nattached) {
		pr_error_hint("run with -v to see each function's error",
			      "the kernel refused every function (%d)", t->nskipped);
		return -EINVAL;
	}
	return 0;
}
