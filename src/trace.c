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

#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "output.h"
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

/* ftrace's list of traceable functions, when the kernel lets us read it. */
struct traceable {
	char **names;
	int n;
	bool known;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void traceable_load(struct traceable *tr)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/available_filter_functions",
		"/sys/kernel/debug/tracing/available_filter_functions",
	};
	char line[512];
	size_t i;
	FILE *f = NULL;
	int cap = 0;

	for (i = 0; i < ARRAY_SIZE(paths) && !f; i++)
		f = fopen(paths[i], "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strpbrk(line, " \t\n");

		if (sp)
			*sp = '\0';
		if (tr->n == cap) {
			char **p = realloc(tr->names, (cap = cap ? cap * 2 : 4096) * sizeof(*p));

			if (!p)
				break;
			tr->names = p;
		}
		tr->names[tr->n] = strdup(line);
		if (tr->names[tr->n])
			tr->n++;
	}
	fclose(f);
	qsort(tr->names, tr->n, sizeof(*tr->names), cmp_str);
	tr->known = tr->n > 0;
}

static void traceable_free(struct traceable *tr)
{
	int i;

	for (i = 0; i < tr->n; i++)
		free(tr->names[i]);
	free(tr->names);
}

/* Why backend @be cannot trace @kf, or NULL. */
static const char *untraceable(const struct backend *be, const struct kfunc *kf,
			       const struct traceable *tr, char *buf, size_t n)
{
	if ((be->flags & BK_FTRACE) && tr->known &&
	    !bsearch(&kf->name, tr->names, tr->n, sizeof(char *), cmp_str))
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
	int n, cap;
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
	int i;

	for (i = 0; i < s->n; i++)
		if (s->funcs[i].kf == kf)
			return true;
	return false;
}

static int add_func(struct selection *s, const struct kfunc *kf, struct resolve_err *rerr)
{
	struct resolve_opts ropts = {
		.kernel_format = s->o->t.kernel_format || s->o->t.format_check,
		.string_size = s->o->string_size,
		.entry_only = s->o->t.entry_only,
	};
	int err;

	if (s->n == s->cap) {
		struct tfunc *p =
			realloc(s->funcs, (s->cap = s->cap ? s->cap * 2 : 16) * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->funcs = p;
	}
	err = resolve_func(s->k, kf, s->spec, &ropts, &s->funcs[s->n], rerr);
	if (err) {
		tfunc_free(&s->funcs[s->n]);
		return err;
	}
	s->n++;
	return 0;
}

static int glob_cb(const struct kfunc *kf, void *ctx)
{
	struct selection *s = ctx;
	struct resolve_err rerr;
	const char *why;
	char buf[256];
	int err;

	if (excluded(s, kf->name) || selected(s, kf))
		return 0;
	s->matched++;
	why = untraceable(s->be, kf, &s->tr, buf, sizeof(buf));
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
		if (s->skipped_arg + s->skipped_other + s->skipped_untraceable && s->o->info)
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
		char hint[512] = "";
		int n = kbtf_suggest(k, spec->func, near, 3), i;

		if (n) {
			size_t len = snprintf(hint, sizeof(hint), "did you mean");
			for (i = 0; i < n && len < sizeof(hint); i++)
				len += snprintf(hint + len, sizeof(hint) - len, "%s '%s'",
						i ? (i == n - 1 ? " or" : ",") : "", near[i]);
			if (len < sizeof(hint))
				snprintf(hint + len, sizeof(hint) - len, "?");
		}
		pr_error_hint(n ? hint : "'ksnoop info GLOB' lists functions",
			      "no function '%s' in %s%s%s", spec->func,
			      k->from_file ? "the --btf file" : "the kernel's BTF",
			      spec->module ? " of module " : "", spec->module ? spec->module : "");
		return -ENOENT;
	}
	if (selected(s, kf))
		return 0;
	why = untraceable(s->be, kf, &s->tr, buf, sizeof(buf));
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

static int select_all(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o,
		      const struct backend *be, struct selection *s)
{
	int i, err = 0;

	memset(s, 0, sizeof(*s));
	s->k = k;
	s->o = o;
	s->be = be;
	if (!k->from_file)
		traceable_load(&s->tr);
	for (i = 0; i < nspecs && !err; i++)
		err = select_spec(s, k, &specs[i]);
	return err;
}

static void selection_free(struct selection *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		tfunc_free(&s->funcs[i]);
	free(s->funcs);
	traceable_free(&s->tr);
}

/* ---- info ---- */

/* A struct's members with offsets; anonymous members' members inline, indented. */
static void dump_members(const struct btf *btf, __u32 id, __u32 base_bits, int depth,
			 struct strbuf *sb)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t) && depth < 16; i++, m++) {
		__u32 bits = btf_member_bitfield_size(t, i);
		__u32 off = base_bits + btf_member_bit_offset(t, i);
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 mid = kbtf_skip_mods(btf, m->type, true);
		const struct btf_type *mt = btf__type_by_id(btf, mid);

		sb_printf(sb, "%*s", 8 * (depth + 1), "");
		if ((!name || !*name) && mt && btf_is_composite(mt)) {
			sb_printf(sb, "%s { /* anonymous, offset %u */\n",
				  btf_is_union(mt) ? "union" : "struct", off / 8);
			dump_members(btf, mid, off, depth + 1, sb);
			sb_printf(sb, "%*s};\n", 8 * (depth + 1), "");
			continue;
		}
		type_decl(btf, m->type, name, sb);
		if (bits)
			sb_printf(sb, ": %u", bits);
		sb_printf(sb, "; /* offset %u", off / 8);
		if (bits || off % 8)
			sb_printf(sb, ", bit %u", off % 8);
		sb_puts(sb, " */\n");
	}
}

/*
 * Composite @id, reached from type @via (an argument's type, or the pointee).
 * An anonymous struct behind a typedef (sockptr_t) has no name of its own and
 * type_decl() would print its whole body: show the typedef's name in a comment.
 */
static void dump_composite(const struct btf *btf, __u32 via, __u32 id, struct strbuf *sb)
{
	const struct btf_type *t = btf__type_by_id(btf, id), *v;

	if (t->name_off) {
		type_decl(btf, id, NULL, sb);
	} else {
		sb_puts(sb, btf_is_union(t) ? "union" : "struct");
		for (v = btf__type_by_id(btf, via); v && v != t;
		     v = btf__type_by_id(btf, v->type)) {
			if (btf_is_typedef(v)) {
				sb_printf(sb, " /* %s */", btf__name_by_offset(btf, v->name_off));
				break;
			}
		}
	}
	sb_printf(sb, " { /* size %u */\n", t->size);
	dump_members(btf, id, 0, 0, sb);
	sb_puts(sb, "};\n");
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

int cmd_info(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o)
{
	struct backend_want w;
	struct selection s;
	struct strbuf sb;
	int i, j, err;

	backend_want(specs, nspecs, o, &w);
	err = select_all(k, specs, nspecs, o, selection_backend(k, &w), &s);
	sb_init(&sb);
	for (i = 0; i < s.n && !err; i++) {
		const struct tfunc *tf = &s.funcs[i];
		const struct btf *btf = tf->kf->btf;

		sb_reset(&sb);
		func_prototype(btf, tf->kf->id, &sb);
		sb_puts(&sb, ";");
		if (tf->kf->module)
			sb_printf(&sb, " /* module %s */", tf->kf->module);
		sb_putc(&sb, '\n');
		if (verbosity >= 1) {
			const struct btf_type *proto = btf__type_by_id(btf, tf->proto_id);
			const struct btf_param *p = btf_params(proto);
			__u32 ids[KSNOOP_MAX_ARGS + 1];
			int n = 0, a;

			ids[n++] = proto->type;
			for (a = 0; a < btf_vlen(proto) && n < (int)ARRAY_SIZE(ids); a++)
				ids[n++] = p[a].type;
			for (j = 0; j < n; j++) {
				__u32 via = ids[j], id = kbtf_skip_mods(btf, via, true);
				const struct btf_type *t = btf__type_by_id(btf, id);

				if (t && btf_is_ptr(t)) {
					via = t->type;
					id = kbtf_skip_mods(btf, via, true);
				}
				t = btf__type_by_id(btf, id);
				if (t && btf_is_composite(t) && btf_vlen(t))
					dump_composite(btf, via, id, &sb);
			}
		}
		if (verbosity >= 2 && s.spec && s.spec->nitems)
			tfunc_dump(tf, &sb);
		fputs(sb_str(&sb), stdout);
	}
	sb_free(&sb);
	selection_free(&s);
	return err;
}

/* ---- trace ---- */

struct pending {
	struct ksnoop_rec *rec;
};

struct thread {
	__u32 tid;
	int n;
	struct pending stack[KSNOOP_MAX_DEPTH];
	struct thread *next;
};

#define THREAD_BUCKETS 1024

struct run {
	struct tracer t;
	struct output out;
	const struct trace_opts *o;
	struct thread *threads[THREAD_BUCKETS];
	__u64 shown, unpaired, lost_reported, in_flight, misses_reported;
	__u64 *lost_per_func; /* reported so far, per function */
	__u64 deep;	      /* calls nested deeper than KSNOOP_MAX_DEPTH */
	double deadline;      /* stop consuming then, to report losses and check limits */
	unsigned int nrec;
	__u64 unread;  /* records still queued when we stopped reading: counted only */
	bool counting; /* on_record() only counts (the final drain after detaching) */
	bool done;
	int err;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static struct thread *thread_get(struct run *r, __u32 tid, bool create)
{
	struct thread **pp = &r->threads[tid % THREAD_BUCKETS], *th;

	for (th = *pp; th; th = th->next)
		if (th->tid == tid)
			return th;
	if (!create)
		return NULL;
	th = calloc(1, sizeof(*th));
	if (!th)
		return NULL;
	th->tid = tid;
	th->next = *pp;
	*pp = th;
	return th;
}

static int show(struct run *r, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
		bool in_flight)
{
	const struct ksnoop_rec *rec = entry ? entry : exit;
	int err;

	if (r->done || rec->func >= (__u32)r->t.nfuncs)
		return 0;
	err = output_call(&r->out, &r->t.funcs[rec->func], entry, exit, in_flight);
	if (err) {
		r->done = true; /* stdout went away (e.g. | head) */
		return 0;
	}
	r->shown++;
	if (r->o->max_events && r->shown >= r->o->max_events)
		r->done = true;
	return 0;
}

static double now_s(void);
static int handle_record(struct run *r, const struct ksnoop_rec *rec);

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
		int err = handle_record(r, rec);

		return err < 0 ? err : -EAGAIN;
	}
	return handle_record(r, rec);
}

static int handle_record(struct run *r, const struct ksnoop_rec *rec)
{
	struct thread *th;

	if (rec->type == KSNOOP_REC_ENTRY) {
		if (rec->flags & KSNOOP_R_NOEXIT)
			return show(r, rec, NULL, false);
		th = thread_get(r, rec->tid, true);
		if (!th)
			return -ENOMEM;
		/* Entries deeper than ours whose exits never came (lost records). */
		while (th->n > 0 && th->stack[th->n - 1].rec->depth >= rec->depth) {
			free(th->stack[--th->n].rec);
			r->unpaired++;
		}
		if (th->n >= KSNOOP_MAX_DEPTH)
			return show(r, rec, NULL, false);
		th->stack[th->n].rec = malloc(rec->size);
		if (!th->stack[th->n].rec)
			return -ENOMEM;
		memcpy(th->stack[th->n].rec, rec, rec->size);
		th->n++;
		return 0;
	}
	th = thread_get(r, rec->tid, false);
	while (th && th->n > 0) {
		struct ksnoop_rec *e = th->stack[th->n - 1].rec;

		if (e->depth > rec->depth) {
			free(e);
			th->n--;
			r->unpaired++;
			continue;
		}
		if (e->depth == rec->depth && e->func == rec->func) {
			th->n--;
			if (!(rec->flags & KSNOOP_R_DROP))
				show(r, e, rec, false);
			free(e);
			return 0;
		}
		break;
	}
	r->unpaired++;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* In-stream reports of what was lost since the last report, per function. */
static void report_lost(struct run *r)
{
	__u64 st[KSNOOP_STAT_MAX], misses;
	const char **names = NULL;
	__u64 *counts = NULL;
	int i, nf = 0;

	if (tracer_stats(&r->t, st, KSNOOP_STAT_MAX))
		return;
	if (st[KSNOOP_STAT_LOST] > r->lost_reported) {
		__u64 total = 0;

		/*
		 * Count from the per-function map only, so that a report's
		 * total is the sum of its per-function counts even while the
		 * program goes on dropping (both maps grow together).
		 */
		names = calloc(r->t.nfuncs, sizeof(*names));
		counts = calloc(r->t.nfuncs, sizeof(*counts));
		for (i = 0; names && counts && r->lost_per_func && i < r->t.nfuncs; i++) {
			__u64 l = tracer_lost(&r->t, i);

			if (l <= r->lost_per_func[i])
				continue;
			names[nf] = r->t.funcs[i].kf->name;
			counts[nf] = l - r->lost_per_func[i];
			total += counts[nf++];
			r->lost_per_func[i] = l;
		}
		if (total)
			output_lost(&r->out, total, "ringbuf", names, counts, nf);
		r->lost_reported += total;
		free(names);
		free(counts);
	}
	misses = tracer_recursion_misses(&r->t);
	if (misses > r->misses_reported) {
		output_lost(&r->out, misses - r->misses_reported, "recursion", NULL, NULL, 0);
		r->misses_reported = misses;
	}
}

int cmd_trace(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o)
{
	struct ring_buffer *rb = NULL;
	const struct backend *be;
	struct backend_want w;
	struct sigaction sa = {};
	struct selection s;
	double start, last_lost;
	struct run *r;
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
	backend_want(specs, nspecs, o, &w);
	err = select_all(k, specs, nspecs, o, selection_backend(k, &w), &s);
	if (err)
		goto out_sel;
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

	start = now_s();
	err = tracer_load(&r->t, be, s.funcs, s.n, &o->t);
	if (!err)
		err = tracer_attach(&r->t);
	if (err)
		goto out;
	r->lost_per_func = calloc(s.n, sizeof(*r->lost_per_func));
	rb = ring_buffer__new(bpf_map__fd(r->t.skel->maps.events), on_record, r, NULL);
	if (!rb) {
		err = -errno;
		pr_error("cannot open the ring buffer: %s", strerror(-err));
		goto out;
	}
	{
		int skipped = s.tot_untraceable + s.tot_arg + s.tot_other + r->t.nskipped;

		fprintf(stderr, "ksnoop: attached %d function%s in %.2f s (%s)", r->t.nattached,
			r->t.nattached == 1 ? "" : "s", now_s() - start, be->name);
		if (skipped)
			fprintf(stderr,
				", skipped %d (%d untraceable, %d no such argument, %d other, %d refused by the kernel)",
				skipped, s.tot_untraceable, s.tot_arg, s.tot_other, r->t.nskipped);
		fprintf(stderr, "; Ctrl-C to stop\n");
	}

	output_init(&r->out, stdout, o->json);
	output_header(&r->out);
	start = last_lost = now_s();
	while (!stop_signal && !r->done) {
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
		if (now_s() - last_lost >= 1.0) {
			report_lost(r);
			last_lost = now_s();
		}
		if (o->duration > 0 && now_s() - start >= o->duration)
			break;
	}
	/*
	 * Drain what is already in the ring buffer, for at most 0.3 s: under a
	 * flood the programs (still attached) refill it as fast as we read, and an
	 * unbounded drain would never return after Ctrl-C. Say so if records were left.
	 */
	r->deadline = now_s() + 0.3;
	if (!r->done && ring_buffer__consume(rb) == -EAGAIN) {
		/*
		 * Detached, the programs add nothing more: count what is left, so
		 * that every record is shown, reported lost, or counted here.
		 */
		tracer_detach(&r->t);
		r->counting = true;
		r->deadline = 0;
		ring_buffer__consume(rb);
		fprintf(stderr,
			"ksnoop: stopped reading the ring buffer 0.3 s after the stop; %llu records still queued were not shown\n",
			(unsigned long long)r->unread);
	}
	report_lost(r);
	{
		__u64 st[KSNOOP_STAT_MAX];

		if (!tracer_stats(&r->t, st, KSNOOP_STAT_MAX))
			r->deep = st[KSNOOP_STAT_DEEP];
	}
	/* Calls that had not returned when we stopped are not dropped silently. */
	for (i = 0; i < THREAD_BUCKETS; i++) {
		struct thread *th;

		for (th = r->threads[i]; th; th = th->next)
			while (th->n > 0) {
				struct ksnoop_rec *e = th->stack[--th->n].rec;

				if (!r->done)
					show(r, e, NULL, true);
				r->in_flight++;
				free(e);
			}
	}
	if (o->json)
		printf("{\"type\":\"summary\",\"calls\":%llu,\"lost\":%llu,\"recursion_misses\":%llu,\"in_flight\":%llu,\"unpaired\":%llu,\"too_deep\":%llu,\"unread\":%llu,\"format_mismatches\":%llu}\n",
		       (unsigned long long)r->shown, (unsigned long long)r->lost_reported,
		       (unsigned long long)r->misses_reported, (unsigned long long)r->in_flight,
		       (unsigned long long)r->unpaired, (unsigned long long)r->deep,
		       (unsigned long long)r->unread, (unsigned long long)r->out.format_mismatches);
	fflush(stdout);
	fprintf(stderr, "ksnoop: %llu calls shown, %llu records lost, %llu in flight at exit",
		(unsigned long long)r->shown, (unsigned long long)r->lost_reported,
		(unsigned long long)r->in_flight);
	if (r->unpaired)
		fprintf(stderr, ", %llu unpaired", (unsigned long long)r->unpaired);
	if (r->deep)
		fprintf(stderr, ", %llu nested too deep to pair", (unsigned long long)r->deep);
	if (r->unread)
		fprintf(stderr, ", %llu records queued at the stop not shown",
			(unsigned long long)r->unread);
	if (o->t.format_check)
		fprintf(stderr, ", %llu format mismatches",
			(unsigned long long)r->out.format_mismatches);
	fputc('\n', stderr);
	if (r->out.format_mismatches)
		err = -EBADMSG;
out:
	ring_buffer__free(rb);
	/* Read the counters while the programs still exist. */
	tracer_close(&r->t);
	free(r->lost_per_func);
	output_free(&r->out);
	for (i = 0; i < THREAD_BUCKETS; i++)
		while (r->threads[i]) {
			struct thread *th = r->threads[i];

			r->threads[i] = th->next;
			while (th->n > 0)
				free(th->stack[--th->n].rec);
			free(th);
		}
out_sel:
	selection_free(&s);
	free(r);
	return err;
}
