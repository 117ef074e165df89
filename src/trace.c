// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "chain.h"
#include "detach.h"
#include "json.h"
#include "kfeatures.h"
#include "log.h"
#include "ksnoop.skel.h"
#include "output.h"
#include "pair.h"
#include "stats.h"
#include "trace.h"

int exit_code(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case -ENOENT:
	case -ESRCH:
	case -ERANGE:
	case -E2BIG:
		return EXIT_RESOLVE;
	case -EPERM:
	case -EACCES:
		return EXIT_PRIV;
	case -EOPNOTSUPP:
		return EXIT_NOSUP;
	case -EINVAL:
		return EXIT_RESOLVE;
	default:
		return EXIT_FAIL;
	}
}

/* ---- selecting functions ---- */

/*
 * ftrace's list of traceable functions, when the kernel lets us read it: a
 * hash set of the names (open addressing, linear probing) pointing into the
 * file's text. Only the selected functions are looked up, so hashing the
 * 40,000-odd lines once beats sorting them (a third of a second under TCG).
 */
struct traceable {
	char *text;   /* the file, each name NUL-terminated in place */
	char **slots; /* a power of two of them; NULL: empty */
	size_t mask;  /* slots - 1 */
	bool known;
};

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The whole of @f, NUL-terminated, or NULL. */
static char *read_all(FILE *f)
{
	size_t len = 0, cap = 1 << 20, n;
	char *buf = malloc(cap), *p;

	while (buf) {
		/* ftrace's seq_file hands out a page per read whatever we ask. */
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len < cap - 1)
			break;
		p = realloc(buf, cap *= 2);
		if (!p)
			free(buf);
		buf = p;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static void traceable_load(struct traceable *tr)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/available_filter_functions",
		"/sys/kernel/debug/tracing/available_filter_functions",
	};
	size_t i, lines = 0, nslots = 1;
	char *p, *end, *next;
	FILE *f = NULL;

	for (i = 0; i < ARRAY_SIZE(paths) && !f; i++)
		f = fopen(paths[i], "r");
	if (!f)
		return;
	tr->text = read_all(f);
	fclose(f);
	if (!tr->text)
		return;
	for (p = tr->text; (p = strchr(p, '\n')); p++)
		lines++;
	while (nslots < 2 * lines + 2)
		nslots *= 2;
	tr->slots = calloc(nslots, sizeof(*tr->slots));
	if (!tr->slots)
		return;
	tr->mask = nslots - 1;
	/* "name", or "name [module]": the name ends at the first blank. */
	for (p = tr->text; p && *p; p = next) {
		end = p + strcspn(p, "\n");
		next = *end ? end + 1 : NULL;
		*end = '\0';
		p[strcspn(p, " \t")] = '\0';
		if (!*p)
			continue;
		for (i = name_hash(p) & tr->mask; tr->slots[i]; i = (i + 1) & tr->mask)
			if (!strcmp(tr->slots[i], p))
				break;
		tr->slots[i] = p;
		tr->known = true;
	}
}

static bool traceable_has(const struct traceable *tr, const char *name)
{
	size_t i;

	for (i = name_hash(name) & tr->mask; tr->slots[i]; i = (i + 1) & tr->mask)
		if (!strcmp(tr->slots[i], name))
			return true;
	return false;
}

static void traceable_free(struct traceable *tr)
{
	free(tr->slots);
	free(tr->text);
}

/* Why backend @be cannot trace @kf, or NULL. */
static const char *untraceable(const struct backend *be, const struct kfunc *kf,
			       const struct traceable *tr, char *buf, size_t n)
{
	if ((be->flags & BK_FTRACE) && tr->known && !traceable_has(tr, kf->name))
		return "not in available_filter_functions (inlined, notrace or not a real symbol)";
	return be->untraceable(kf, buf, n);
}

struct selection {
	const struct kbtf *k;
	const struct backend *be;
	const struct trace_opts *o;
	const struct spec *spec;
	struct traceable tr;
	struct tfunc *funcs;
	/*
	 * Per function, the SPEC it was resolved with: from[i], or merged[i] when
	 * several SPECs select it (merged[i].func set); their items merge.
	 */
	const struct spec **from;
	struct spec *merged;
	int n, cap;
	int *slot; /* per k->funcs entry: its index in funcs + 1, or 0 */
	/* per glob */
	int matched, skipped_arg, skipped_untraceable, skipped_other;
	/* over all specs */
	int tot_untraceable, tot_arg, tot_other;
	struct resolve_err first_err;
	int err;
};

static bool excluded(const struct selection *s, const char *name)
{
	int i;

	for (i = 0; i < s->o->nexcludes; i++)
		if (!fnmatch(s->o->excludes[i], name, 0))
			return true;
	return false;
}

static bool selected(const struct selection *s, const struct kfunc *kf)
{
	return s->slot[kf - s->k->funcs];
}

static int grow(struct selection *s)
{
	int cap = s->cap ? s->cap * 2 : 16;
	struct tfunc *f = realloc(s->funcs, cap * sizeof(*f));
	const struct spec **from;
	struct spec *m;

	if (!f)
		return -ENOMEM;
	s->funcs = f;
	from = realloc(s->from, cap * sizeof(*from));
	if (!from)
		return -ENOMEM;
	s->from = from;
	m = realloc(s->merged, cap * sizeof(*m));
	if (!m)
		return -ENOMEM;
	s->merged = m;
	s->cap = cap;
	return 0;
}

/*
 * Resolve @kf for the current SPEC. A function an earlier SPEC selected gets
 * this SPEC's items after its own (items it already has are not repeated);
 * when they do not fit it, it keeps what it had and the error is returned.
 */
static int add_func(struct selection *s, const struct kfunc *kf, struct resolve_err *rerr)
{
	struct resolve_opts ropts = {
		.kernel_format = s->o->t.kernel_format || s->o->t.format_check,
		.string_size = s->o->string_size,
		.entry_only = s->o->t.entry_only,
		.no_default_items = s->o->hist.mode != KSNOOP_AGG_NONE,
	};
	int i = s->slot[kf - s->k->funcs] - 1, err;
	const struct spec *spec = s->spec;
	struct spec merged = {};
	struct tfunc tf;

	if (i >= 0) {
		const struct spec *prev = s->merged[i].func ? &s->merged[i] : s->from[i];
		struct parse_error perr;

		if (!spec->nitems)
			return 0;
		err = spec_merge(prev, spec, kf->module, kf->name, true, &merged, &perr);
		if (err == -EINVAL) {
			snprintf(rerr->msg, sizeof(rerr->msg), "%s", perr.msg);
			rerr->hint[0] = '\0';
			rerr->code = -E2BIG;
			return -E2BIG;
		}
		if (err)
			return err;
		spec = &merged;
	} else if (s->n == s->cap && grow(s)) {
		return -ENOMEM;
	}
	err = resolve_func(s->k, kf, spec, &ropts, &tf, rerr);
	if (err) {
		tfunc_free(&tf);
		spec_free(&merged);
		return err;
	}
	if (i < 0) {
		i = s->n++;
		s->slot[kf - s->k->funcs] = s->n;
		s->from[i] = s->spec;
	} else {
		tfunc_free(&s->funcs[i]);
		spec_free(&s->merged[i]);
	}
	s->funcs[i] = tf;
	s->merged[i] = merged;
	return 0;
}

static int glob_cb(const struct kfunc *kf, void *ctx)
{
	struct selection *s = ctx;
	struct resolve_err rerr;
	const char *why;
	char buf[256];
	int err;

	if (excluded(s, kf->name))
		return 0;
	s->matched++;
	why = selected(s, kf) ? NULL : untraceable(s->be, kf, &s->tr, buf, sizeof(buf));
	if (why) {
		s->skipped_untraceable++;
		pr_info(1, "skipping %s: %s\n", kf->name, why);
		return 0;
	}
	err = add_func(s, kf, &rerr);
	if (err == -ENOMEM)
		return err;
	if (err) {
		if (err == -ENOENT)
			s->skipped_arg++;
		else
			s->skipped_other++;
		if (!s->first_err.code)
			s->first_err = rerr;
		pr_info(1, "skipping %s: %s\n", kf->name, rerr.msg);
	}
	return 0;
}

static void report_rerr(const struct resolve_err *e)
{
	pr_error_hint(e->hint[0] ? e->hint : NULL, "%s", e->msg);
}

static int select_spec(struct selection *s, struct kbtf *k, const struct spec *spec)
{
	struct resolve_err rerr;
	const struct kfunc *kf;
	char buf[256];
	const char *why;
	int err;

	s->spec = spec;
	if (spec->module)
		kbtf_load_modules(k);
	if (spec->is_glob) {
		s->matched = s->skipped_arg = s->skipped_untraceable = s->skipped_other = 0;
		memset(&s->first_err, 0, sizeof(s->first_err));
		err = kbtf_for_each_func(k, spec->module, spec->func, glob_cb, s);
		if (err)
			return err;
		if (!s->matched) {
			pr_error_hint("'ksnoop info GLOB' lists what a pattern matches",
				      "no traceable function matches '%s'%s", spec->text,
				      s->o->nexcludes ? " (after -x exclusions)" : "");
			return -ENOENT;
		}
		if (s->skipped_untraceable == s->matched) {
			pr_error_hint("run with -v to see why each was skipped",
				      "'%s' matches %d functions, none of which %s can trace",
				      spec->text, s->matched, s->be->name);
			return -ENOENT;
		}
		if (s->skipped_arg + s->skipped_other + s->skipped_untraceable == s->matched) {
			pr_error_hint(s->first_err.hint[0] ? s->first_err.hint : NULL,
				      "no function matching '%s' fits its items: %s", spec->text,
				      s->first_err.msg);
			return s->first_err.code ? s->first_err.code : -ENOENT;
		}
		s->tot_untraceable += s->skipped_untraceable;
		s->tot_arg += s->skipped_arg;
		s->tot_other += s->skipped_other;
		if (s->skipped_arg + s->skipped_other + s->skipped_untraceable && s->o->info &&
		    !s->o->quiet)
			pr_info(0,
				"ksnoop: '%s': %d functions matched, skipped %d (%d untraceable, %d without the named arguments, %d other)\n",
				spec->text, s->matched,
				s->skipped_arg + s->skipped_other + s->skipped_untraceable,
				s->skipped_untraceable, s->skipped_arg, s->skipped_other);
		return 0;
	}

	kf = kbtf_find_func(k, spec->module, spec->func);
	if (!kf && !spec->module && !k->mods_loaded) {
		kbtf_load_modules(k);
		kf = kbtf_find_func(k, NULL, spec->func);
	}
	if (!kf) {
		const char *near[3];
		char hint[512] = "", where[300];
		int n = kbtf_suggest(k, spec->func, near, 3), i;

		if (n) {
			size_t len = snprintf(hint, sizeof(hint), "did you mean");
			for (i = 0; i < n && len < sizeof(hint); i++)
				len += snprintf(hint + len, sizeof(hint) - len, "%s '%s'",
						i ? (i == n - 1 ? " or" : ",") : "", near[i]);
			if (len < sizeof(hint))
				snprintf(hint + len, sizeof(hint) - len, "?");
		}
		/* "dummy:ip_send_skb": the name exists, in another module or vmlinux */
		kf = spec->module ? kbtf_find_func(k, "*", spec->func) : NULL;
		if (kf)
			snprintf(hint, sizeof(hint), "'%s' is in %s: drop '%s:', or write '*:%s'",
				 spec->func, kf->module ? kf->module : "vmlinux", spec->module,
				 spec->func);
		if (k->from_file)
			snprintf(where, sizeof(where), "the --btf file");
		else if (!spec->module || !strcmp(spec->module, "vmlinux"))
			snprintf(where, sizeof(where), "the kernel's BTF");
		else if (!strcmp(spec->module, "*"))
			snprintf(where, sizeof(where), "the BTF of the kernel or any module");
		else
			snprintf(where, sizeof(where), "the kernel's BTF of module %s",
				 spec->module);
		pr_error_hint(n || kf ? hint : "'ksnoop info GLOB' lists functions",
			      "no function '%s' in %s", spec->func, where);
		return -ENOENT;
	}
	why = selected(s, kf) ? NULL : untraceable(s->be, kf, &s->tr, buf, sizeof(buf));
	if (why && !s->k->from_file) {
		pr_error_hint(
			"pick a caller or callee that is not inlined ('ksnoop info' shows prototypes)",
			"function '%s' cannot be traced by %s: %s", kf->name, s->be->name, why);
		return -EOPNOTSUPP;
	}
	err = add_func(s, kf, &rerr);
	if (err == -ENOMEM)
		return err;
	if (err) {
		report_rerr(&rerr);
		return err;
	}
	return 0;
}

/* A SPEC's module must have BTF to search: say so, rather than "no function". */
static int check_module(const struct kbtf *k, const struct spec *spec)
{
	char hint[512];

	if (!spec->module || kbtf_has_module(k, spec->module))
		return 0;
	if (k->from_file) {
		pr_error_hint("drop --btf to search the running kernel's modules",
			      "module '%s': a --btf file holds no module BTF", spec->module);
		return -ENOENT;
	}
	if (kbtf_find_func(k, NULL, spec->module))
		snprintf(hint, sizeof(hint),
			 "'%s' is a function, not a module: items go in parentheses, e.g. '%s(%s)'",
			 spec->module, spec->module, spec->func);
	else
		snprintf(hint, sizeof(hint),
			 "load it (modprobe %s), or write '*:%s' to search every module",
			 spec->module, spec->func);
	pr_error_hint(hint, "module '%s' is not loaded or has no BTF (no /sys/kernel/btf/%s)",
		      spec->module, spec->module);
	return -ENOENT;
}

static int select_all(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o,
		      const struct backend *be, struct selection *s)
{
	int i, err = 0;

	memset(s, 0, sizeof(*s));
	s->k = k;
	s->o = o;
	/*
	 * Module BTF is loaded before selecting, never during: loading re-sorts
	 * k->funcs, which the selected functions point into.
	 */
	for (i = 0; i < nspecs; i++)
		if (specs[i].module ||
		    (!specs[i].is_glob && !kbtf_find_func(k, NULL, specs[i].func)))
			kbtf_load_modules(k);
	if (k->mods_loaded)
		timing_mark("module BTF loaded");
	for (i = 0; i < nspecs; i++) {
		err = check_module(k, &specs[i]);
		if (err)
			return err;
	}
	s->slot = calloc(k->nfuncs, sizeof(*s->slot));
	if (!s->slot)
		return -ENOMEM;
	s->be = be;
	if (!k->from_file) {
		traceable_load(&s->tr);
		timing_mark("available_filter_functions read");
	}
	for (i = 0; i < nspecs && !err; i++)
		err = select_spec(s, k, &specs[i]);
	timing_mark("functions selected and resolved");
	return err;
}

static void selection_free(struct selection *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (s->funcs)
			tfunc_free(&s->funcs[i]);
		spec_free(&s->merged[i]);
	}
	free(s->funcs);
	free(s->from);
	free(s->merged);
	free(s->slot);
	traceable_free(&s->tr);
}

/*
 * What the backend choice needs from the SPECs. A few named functions want
 * the cheapest call; a glob, or more names than a per-function attach does
 * in a blink, want the fastest attach and detach.
 */
static void backend_want(const struct spec *specs, int nspecs, const struct trace_opts *o,
			 struct backend_want *w)
{
	int i;

	memset(w, 0, sizeof(*w));
	w->name = o->backend;
	w->need_exit = !o->t.entry_only;
	w->exit_args = o->t.changes;
	w->many = nspecs > 4;
	for (i = 0; i < nspecs; i++) {
		w->many |= specs[i].is_glob;
		w->modules |= specs[i].module != NULL;
	}
}

/*
 * The backend whose limits the selection applies: the one a trace would use,
 * or, on a kernel that cannot trace (or with --btf), the named or first one.
 * Found quietly: SPEC errors are reported before what the kernel lacks.
 */
static const struct backend *selection_backend(const struct kbtf *k, const struct backend_want *w)
{
	const struct backend *be = NULL;

	if (!k->from_file)
		be = backend_pick(w);
	if (!be && w->name)
		be = backend_find(w->name);
	return be ? be : backends[0];
}

int select_funcs(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o,
		 struct tfunc **funcs, int *n)
{
	struct backend_want w;
	struct selection s;
	int err;

	backend_want(specs, nspecs, o, &w);
	err = select_all(k, specs, nspecs, o, selection_backend(k, &w), &s);
	*funcs = s.funcs;
	*n = s.n;
	s.funcs = NULL;
	selection_free(&s);
	return err;
}

void tfuncs_free(struct tfunc *funcs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		tfunc_free(&funcs[i]);
	free(funcs);
}

/* ---- trace ---- */

struct run {
	struct tracer t;
	struct output out;
	const struct trace_opts *o;
	struct pairer pair;
	__u64 shown, misses_reported;
	__u64 lost_reported[KSNOOP_LOST_REASONS]; /* per enum ksnoop_lost_reason */
	__u64 *lost_per_func;			  /* reported so far, per function and reason */
	__u64 deep;				  /* calls nested deeper than KSNOOP_MAX_DEPTH */
	double deadline; /* stop consuming then, to report losses and check limits */
	unsigned int nrec;
	__u64 unread;	       /* records still queued when we stopped reading: counted only */
	bool counting;	       /* on_record() only counts (the final drain after detaching) */
	struct chains *chains; /* -s: calls go through the chain grouper */
	bool done;
	int err;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * A write to stdout failed (the reader went away, e.g. | head; ENOSPC): stop
 * tracing. output.c keeps the error, so whichever write saw it first, every
 * later one reports it here.
 */
static bool out_ok(struct run *r, int err)
{
	if (err)
		r->done = true;
	return !err;
}

static int show_call(struct run *r, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
		     enum call_end end)
{
	const struct ksnoop_rec *rec = entry ? entry : exit;
	int err;

	if (r->done || rec->func >= (__u32)r->t.nfuncs)
		return 0;
	err = output_call(&r->out, &r->t.funcs[rec->func], entry, exit, end);
	if (!out_ok(r, err))
		return 0;
	r->shown++;
	if (r->o->max_events && r->shown >= r->o->max_events)
		r->done = true;
	return 0;
}

/* -s: a call on a complete chain, from the grouper. */
static int show_chained(void *ctx, __u64 group, const struct chain_call *c)
{
	struct run *r = ctx;
	int err;

	r->out.chain_group = group;
	r->out.chain_level = c->level;
	err = show_call(r, c->entry, c->exit, c->end);
	r->out.chain_group = 0;
	return err;
}

/*
 * The pairer's callback, a call ended: show it, or with -s hand it to the
 * grouper (function id = chain level).
 */
static void show(void *ctx, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
		 enum call_end end)
{
	const struct ksnoop_rec *rec = entry ? entry : exit;
	struct run *r = ctx;

	/* A grouper that cannot keep the call (ENOMEM) stops the trace, as output errors do. */
	if (r->chains && !r->done && entry)
		out_ok(r, chains_add(r->chains, rec->func, entry, exit, end));
	else
		show_call(r, entry, exit, end);
}

static double now_s(void);

static int on_record(void *ctx, void *data, size_t size)
{
	const struct ksnoop_rec *rec = data;
	struct run *r = ctx;

	if (size < sizeof(*rec) || rec->size > size)
		return 0;
	if (r->counting) {
		r->unread++;
		return 0;
	}
	/* Under a flood the ring never empties: stop now and then (the record is consumed). */
	if (r->deadline && (++r->nrec & 255) == 0 && now_s() > r->deadline) {
		int err = pairer_feed(&r->pair, rec, size);

		return err < 0 ? err : -EAGAIN;
	}
	return pairer_feed(&r->pair, rec, size);
}

/*
 * Has the thread of @rec exited? Then none of its calls is running. A check
 * apart from the BPF program's depth, which a return the kernel skipped (a
 * recursion miss) leaves too high. Only in the initial PID namespace, where
 * /proc names threads by the ids the BPF program records.
 */
static bool thread_gone(const struct ksnoop_rec *rec)
{
	static int init_ns = -1;
	char path[64], line[256];
	FILE *f;

	if (init_ns < 0) {
		/* "NSpid:\t<pid>" alone: no outer namespace. */
		init_ns = 0;
		f = fopen("/proc/self/status", "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "NSpid:", 6))
				init_ns = !strchr(line + 7, '\t');
		if (f)
			fclose(f);
	}
	if (!init_ns)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/task/%u", rec->tgid, rec->tid);
	return access(path, F_OK) != 0 && errno == ENOENT;
}

/* The pairer's view of a thread at the stop: the BPF program's depth, 0 if it exited. */
static int stop_depth(void *ctx, const struct ksnoop_rec *oldest)
{
	struct run *r = ctx;

	return thread_gone(oldest) ? 0 : tracer_thread_depth(&r->t, oldest->tid);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The "lost" map's reasons as output_lost() names them, by enum ksnoop_lost_reason. */
static const char *const lost_reason_names[KSNOOP_LOST_REASONS] = {
	[KSNOOP_LOST_RINGBUF] = "ringbuf",
	[KSNOOP_LOST_NESTED] = "nested",
};

/* The "stats" counter that sums each reason over functions. */
static const int lost_reason_stat[KSNOOP_LOST_REASONS] = {
	[KSNOOP_LOST_RINGBUF] = KSNOOP_STAT_LOST,
	[KSNOOP_LOST_NESTED] = KSNOOP_STAT_NESTED,
};

/* In-stream reports of what was lost since the last report, per reason and function. */
static void report_lost(struct run *r)
{
	__u64 st[KSNOOP_STAT_MAX], misses;
	const char **names = NULL;
	__u64 *counts = NULL;
	int i, reason;

	if (tracer_stats(&r->t, st, KSNOOP_STAT_MAX))
		return;
	for (reason = 0; reason < KSNOOP_LOST_REASONS; reason++) {
		__u64 total = 0, *seen;
		int nf = 0;

		if (st[lost_reason_stat[reason]] <= r->lost_reported[reason])
			continue;
		/*
		 * Count from the per-function map only, so that a report's
		 * total is the sum of its per-function counts even while the
		 * program goes on dropping (both maps grow together).
		 */
		if (!names)
			names = calloc(r->t.nfuncs, sizeof(*names));
		if (!counts)
			counts = calloc(r->t.nfuncs, sizeof(*counts));
		for (i = 0; names && counts && r->lost_per_func && i < r->t.nfuncs; i++) {
			__u64 l = tracer_lost(&r->t, i, reason);

			seen = &r->lost_per_func[i * KSNOOP_LOST_REASONS + reason];
			if (l <= *seen)
				continue;
			names[nf] = r->t.funcs[i].kf->name;
			counts[nf] = l - *seen;
			total += counts[nf++];
			*seen = l;
		}
		if (total)
			output_lost(&r->out, total, lost_reason_names[reason], names, counts, nf);
		r->lost_reported[reason] += total;
	}
	free(names);
	free(counts);
	misses = tracer_recursion_misses(&r->t);
	if (misses > r->misses_reported) {
		output_lost(&r->out, misses - r->misses_reported, "recursion", NULL, NULL, 0);
		r->misses_reported = misses;
	}
}

/*
 * -s: the SPECs, one function each, selected in order, are the chain's
 * levels: function id i is level i, which its plan tells the BPF program.
 */
/* -j: the {"type":"summary"} line at the end of a trace, @lost records lost in all. */
static void summary_json(const struct run *r, __u64 lost)
{
	const struct {
		const char *key;
		__u64 v;
	} by_reason[] =
		{
			{"ringbuf", r->lost_reported[KSNOOP_LOST_RINGBUF]},
			{"nested", r->lost_reported[KSNOOP_LOST_NESTED]},
			{"recursion", r->misses_reported},
		},
	  after[] = {
		  {"recursion_misses", r->misses_reported},
		  {"in_flight", r->pair.in_flight},
		  {"return_lost", r->pair.return_lost},
		  {"unpaired", r->pair.unpaired},
		  {"too_deep", r->deep},
		  {"unread", r->unread},
		  {"format_mismatches", r->out.format_mismatches},
	  };
	struct strbuf sb;
	struct jw w;
	size_t i;

	sb_init(&sb);
	jw_record(&w, &sb, "summary");
	JW_KEY(&w, "calls");
	jw_u64(&w, r->shown);
	JW_KEY(&w, "lost");
	jw_u64(&w, lost);
	JW_KEY(&w, "lost_by_reason");
	jw_obj_begin(&w);
	for (i = 0; i < ARRAY_SIZE(by_reason); i++) {
		jw_key(&w, by_reason[i].key, strlen(by_reason[i].key));
		jw_u64(&w, by_reason[i].v);
	}
	jw_obj_end(&w);
	for (i = 0; i < ARRAY_SIZE(after); i++) {
		jw_key(&w, after[i].key, strlen(after[i].key));
		jw_u64(&w, after[i].v);
	}
	jw_record_end(&w);
	fputs(sb_str(&sb), stdout);
	sb_free(&sb);
}

static int chain_setup(struct run *r, struct selection *s, int nspecs)
{
	int i;

	if (s->n != nspecs) {
		pr_error_hint("give each chain level its own function",
			      "-s/--stack: %d SPECs name %d distinct functions", nspecs, s->n);
		return -EINVAL;
	}
	for (i = 0; i < s->n; i++)
		s->funcs[i].plan.chain = i + 1;
	r->chains = chains_new(s->n, show_chained, r);
	return r->chains ? 0 : -errno;
}

int cmd_trace(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o)
{
	struct ring_buffer *rb = NULL;
	const struct backend *be;
	struct backend_want w;
	struct sigaction sa = {};
	struct tracer_opts topts = o->t;
	struct selection s;
	double start, last_lost;
	struct run *r;
	__u64 lost, not_counted = 0;
	int err, i;

	if (k->from_file) {
		pr_error_hint(
			"use --btf with 'info'; 'trace' reads the running kernel's BTF",
			"cannot trace with --btf: the BTF file need not describe this kernel");
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = o;
	pairer_init(&r->pair, show, r);
	backend_want(specs, nspecs, o, &w);
	be = selection_backend(k, &w);
	timing_mark("backends probed");
	err = select_all(k, specs, nspecs, o, be, &s);
	if (!err && o->hist.mode) {
		err = hist_setup(&o->hist, s.funcs, s.n, &topts);
		w.need_exit = !topts.entry_only;
	}
	if (err)
		goto out_sel;
	if (o->t.chain) {
		err = chain_setup(r, &s, nspecs);
		if (err)
			goto out_sel;
	}
	/* The same backend (the probes are cached), now with the error if there is none. */
	be = backend_choose(&w);
	if (!be) {
		err = -errno;
		goto out_sel;
	}
	if (verbosity >= 2)
		for (i = 0; i < s.n; i++) {
			struct strbuf sb;

			sb_init(&sb);
			tfunc_dump(&s.funcs[i], &sb);
			fputs(sb_str(&sb), stderr);
			sb_free(&sb);
		}
	if (o->t.kernel_format || o->t.format_check) {
		int ferr;

		if (!feature_probe(FEAT_SNPRINTF_BTF, &ferr)) {
			pr_error("--kernel-format needs bpf_snprintf_btf() (Linux 5.10+): %s",
				 strerror(-ferr));
			err = -EOPNOTSUPP;
			goto out_sel;
		}
	}

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o->t.agg_mode || o->hist.mode)
		agg_prepare_funcs(s.funcs, s.n);
	if (o->hist.mode)
		err = hist_plans(&o->hist, s.funcs, s.n);
	start = now_s();
	if (!err)
		err = tracer_load(&r->t, be, s.funcs, s.n, &topts);
	if (!err)
		err = tracer_attach(&r->t);
	/* -s: a level the kernel refused would hide every chain. */
	if (!err && r->chains && r->t.nattached < s.n) {
		pr_error_hint("run with -v to see which, and pick another function for that level",
			      "-s/--stack: the kernel refused %d of the chain's functions",
			      s.n - r->t.nattached);
		err = -EOPNOTSUPP;
	}
	if (err)
		goto out;
	r->lost_per_func = calloc(s.n * KSNOOP_LOST_REASONS, sizeof(*r->lost_per_func));
	rb = ring_buffer__new(bpf_map__fd(r->t.skel->maps.events), on_record, r, NULL);
	if (!rb) {
		err = -errno;
		pr_error("cannot open the ring buffer: %s", strerror(-err));
		goto out;
	}
	timing_mark("ring buffer opened");
	if (!o->quiet) {
		int skipped = s.tot_untraceable + s.tot_arg + s.tot_other + r->t.nskipped;

		fprintf(stderr, "ksnoop: attached %d function%s in %.2f s (%s)", r->t.nattached,
			r->t.nattached == 1 ? "" : "s", now_s() - start, be->name);
		if (skipped)
			fprintf(stderr,
				", skipped %d (%d untraceable, %d no such argument, %d other, %d refused by the kernel)",
				skipped, s.tot_untraceable, s.tot_arg, s.tot_other, r->t.nskipped);
		fprintf(stderr, "; Ctrl-C to stop\n");
	}

	if (o->output) {
		err = output_open(o->output);
		if (err)
			goto out;
	}
	/* Aggregation: no records, its own loop of tables. */
	if (o->t.agg_mode == KSNOOP_AGG_STATS) {
		err = stats_run(&r->t, o, &stop_signal);
		goto out;
	}
	output_init(&r->out, stdout, o->json);
	r->out.name = o->output;
	r->out.color = !o->json && output_want_color(o->color);
	r->out.show_errno = o->t.filter.errors;
	r->out.kstack = o->t.kstack;
	r->out.changes = o->t.changes;
	r->out.stack_fd = bpf_map__fd(r->t.skel->maps.stacks);
	if (!o->hist.mode && output_header(&r->out))
		r->done = true;
	start = last_lost = now_s();
	while (!stop_signal && !r->done && !output_gone(&r->out)) {
		/* on_record() hands control back after 100 ms of records (-EAGAIN). */
		r->deadline = now_s() + 0.1;
		err = ring_buffer__poll(rb, 100);
		/* The program wakes us only when the ring fills up: read it anyway. */
		if (err == 0) {
			r->deadline = now_s() + 0.1;
			err = ring_buffer__consume(rb);
		}
		if (err < 0 && err != -EINTR && err != -EAGAIN) {
			pr_error("reading the ring buffer failed: %s", strerror(-err));
			break;
		}
		err = 0;
		/* The ring is drained (or 100 ms of records were read): write them out. */
		out_ok(r, output_flush(&r->out));
		if (now_s() - last_lost >= 1.0) {
			report_lost(r);
			last_lost = now_s();
		}
		if (o->duration > 0 && now_s() - start >= o->duration)
			break;
	}
	/*
	 * The programs record nothing from here on (links stay until the end):
	 * what is in the ring buffer is all there will be. Drain it for at most
	 * 0.3 s (a full ring under --kernel-format takes longer to format), then
	 * count what is left, so that every record is shown, reported lost, or
	 * counted here, and say so.
	 */
	tracer_stop(&r->t);
	r->deadline = now_s() + 0.3;
	if (!r->done && ring_buffer__consume(rb) == -EAGAIN) {
		r->counting = true;
		r->deadline = 0;
		ring_buffer__consume(rb);
		fprintf(stderr,
			"ksnoop: stopped reading the ring buffer 0.3 s after the stop; %llu records still queued were not shown\n",
			(unsigned long long)r->unread);
	}
	report_lost(r);
	if (o->hist.mode)
		out_ok(r, hist_report(&r->t, &o->hist, &r->out, &r->shown, &not_counted));
	{
		__u64 st[KSNOOP_STAT_MAX];

		if (!tracer_stats(&r->t, st, KSNOOP_STAT_MAX))
			r->deep = st[KSNOOP_STAT_DEEP];
	}
	/*
	 * Entries still waiting: the BPF program's depth for the thread says
	 * whether the call is still running (in flight) or returned with its
	 * return record lost. Neither is dropped silently.
	 */
	pairer_stop(&r->pair, stop_depth, r);
	out_ok(r, output_flush(&r->out));
	lost = r->lost_reported[KSNOOP_LOST_RINGBUF] + r->lost_reported[KSNOOP_LOST_NESTED] +
	       r->misses_reported;
	if (o->json && !r->out.err)
		summary_json(r, lost);
	if (fflush(stdout) && !r->out.err)
		r->out.err = errno ? -errno : -EIO;
	/* A write error ends the run: say why, or nothing if the reader left (| head). */
	if (r->out.err) {
		err = output_write_error(o->output, r->out.err) == -EPIPE ? 0 : r->out.err;
		goto out;
	}
	if (o->quiet)
		goto summary_done;
	fprintf(stderr, "ksnoop: %llu calls %s, %llu records lost", (unsigned long long)r->shown,
		o->hist.mode ? "counted" : "shown", (unsigned long long)lost);
	if (lost)
		fprintf(stderr, " (%llu ring buffer full, %llu nested, %llu recursion)",
			(unsigned long long)r->lost_reported[KSNOOP_LOST_RINGBUF],
			(unsigned long long)r->lost_reported[KSNOOP_LOST_NESTED],
			(unsigned long long)r->misses_reported);
	fprintf(stderr, ", %llu in flight at exit", (unsigned long long)r->pair.in_flight);
	if (r->pair.return_lost)
		fprintf(stderr, ", %llu return lost", (unsigned long long)r->pair.return_lost);
	if (r->pair.unpaired)
		fprintf(stderr, ", %llu unpaired", (unsigned long long)r->pair.unpaired);
	if (r->deep)
		fprintf(stderr, ", %llu nested too deep to pair", (unsigned long long)r->deep);
	if (r->chains)
		fprintf(stderr, ", %llu chains (%llu calls on incomplete chains not shown)",
			(unsigned long long)chains_shown(r->chains),
			(unsigned long long)chains_dropped(r->chains));
	if (not_counted)
		fprintf(stderr, ", %llu not counted (key map full)",
			(unsigned long long)not_counted);
	if (r->unread)
		fprintf(stderr, ", %llu records queued at the stop not shown",
			(unsigned long long)r->unread);
	if (o->t.format_check)
		fprintf(stderr, ", %llu format mismatches",
			(unsigned long long)r->out.format_mismatches);
	fputc('\n', stderr);
summary_done:
	if (r->out.format_mismatches)
		err = -EBADMSG;
out:
	ring_buffer__free(rb);
	/* Many links take long to remove: a child may do it, the user has the summary. */
	detach_in_background(&r->t);
	tracer_close(&r->t);
	free(r->lost_per_func);
	chains_free(r->chains);
	output_free(&r->out);
	pairer_free(&r->pair);
out_sel:
	selection_free(&s);
	free(r);
	return err;
}
