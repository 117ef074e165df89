// SPDX-License-Identifier: GPL-2.0
/*
 * Function selection: SPECs -> the kernel functions they name, each asked of
 * the backend (and ftrace) whether it can be traced, then resolved.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "select.h"
#include "compiler.h"
#include "ftrace_list.h"
#include "log.h"
#include "strbuf.h"

/* Why backend @be cannot trace @kf, or NULL. */
static const char *untraceable(const struct backend *be, const struct kfunc *kf, char *buf,
			       size_t n)
{
	if ((be->flags & BK_FTRACE) && ftrace_list_loaded() && !ftrace_listed(kf->name))
		return FTRACE_UNLISTED_WHY;
	return be->untraceable(kf, buf, n);
}

struct selection {
	const struct kbtf *k;
	const struct backend *be;
	const struct trace_opts *o;
	const struct spec *spec;
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
	why = selected(s, kf) ? NULL : untraceable(s->be, kf, buf, sizeof(buf));
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

/* A glob: every function it matches that the backend can trace and its items fit. */
static int select_glob(struct selection *s, struct kbtf *k, const struct spec *spec)
{
	int err, skipped;

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
			      "'%s' matches %d functions, none of which %s can trace", spec->text,
			      s->matched, s->be->name);
		return -ENOENT;
	}
	skipped = s->skipped_arg + s->skipped_other + s->skipped_untraceable;
	if (skipped == s->matched) {
		pr_error_hint(s->first_err.hint[0] ? s->first_err.hint : NULL,
			      "no function matching '%s' fits its items: %s", spec->text,
			      s->first_err.msg);
		return s->first_err.code ? s->first_err.code : -ENOENT;
	}
	s->tot_untraceable += s->skipped_untraceable;
	s->tot_arg += s->skipped_arg;
	s->tot_other += s->skipped_other;
	if (skipped && s->o->info && !s->o->quiet)
		pr_info(0,
			"ksnoop: '%s': %d functions matched, skipped %d (%d untraceable, %d without the named arguments, %d other)\n",
			spec->text, s->matched, skipped, s->skipped_untraceable, s->skipped_arg,
			s->skipped_other);
	return 0;
}

/*
 * No function @spec->func where @spec looks: say so, with the functions of a
 * near name, or where a function of that name is when it is elsewhere.
 */
static void report_missing(const struct kbtf *k, const struct spec *spec)
{
	const struct kfunc *kf;
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
			 spec->func, kf->module ? kf->module : "vmlinux", spec->module, spec->func);
	if (k->from_file)
		snprintf(where, sizeof(where), "the --btf file");
	else if (!spec->module || !strcmp(spec->module, "vmlinux"))
		snprintf(where, sizeof(where), "the kernel's BTF");
	else if (!strcmp(spec->module, "*"))
		snprintf(where, sizeof(where), "the BTF of the kernel or any module");
	else
		snprintf(where, sizeof(where), "the kernel's BTF of module %s", spec->module);
	pr_error_hint(n || kf ? hint : "'ksnoop info GLOB' lists functions",
		      "no function '%s' in %s", spec->func, where);
}

/* A function by name: it must exist, be traceable and fit the items. */
static int select_name(struct selection *s, struct kbtf *k, const struct spec *spec)
{
	struct resolve_err rerr;
	const struct kfunc *kf;
	char buf[256];
	const char *why;
	int err;

	kf = kbtf_find_func(k, spec->module, spec->func);
	if (!kf && !spec->module && !k->mods_loaded) {
		kbtf_load_modules(k);
		kf = kbtf_find_func(k, NULL, spec->func);
	}
	if (!kf) {
		report_missing(k, spec);
		return -ENOENT;
	}
	why = selected(s, kf) ? NULL : untraceable(s->be, kf, buf, sizeof(buf));
	if (why && !s->k->from_file)
		return ftrace_report_untraceable(kf->name, s->be->name, why);
	err = add_func(s, kf, &rerr);
	if (err && err != -ENOMEM)
		report_rerr(&rerr);
	return err;
}

static int select_spec(struct selection *s, struct kbtf *k, const struct spec *spec)
{
	s->spec = spec;
	if (spec->module)
		kbtf_load_modules(k);
	return spec->is_glob ? select_glob(s, k, spec) : select_name(s, k, spec);
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

/*
 * Whether ftrace's list can wait for the attach: a trace (not `info`) of
 * named functions only, by a backend whose attach refuses what ftrace does
 * not list. The attach then reads the list only if the kernel refused a
 * function (src/attach.c tracer_unlisted()).
 */
static bool ftrace_check_at_attach(const struct backend *be, const struct spec *specs, int nspecs,
				   bool tracing)
{
	int i;

	if (!tracing || !(be->flags & BK_REFUSES_UNLISTED))
		return false;
	for (i = 0; i < nspecs; i++)
		if (specs[i].is_glob)
			return false;
	return true;
}

static int select_all(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o,
		      const struct backend *be, bool tracing, struct selection *s)
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
	if (!k->from_file && !ftrace_check_at_attach(be, specs, nspecs, tracing))
		ftrace_list_load();
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
}

/*
 * What the backend choice needs from the SPECs. A few named functions want
 * the cheapest call; a glob, or more names than a per-function attach does
 * in a blink, want the fastest attach and detach.
 */
void select_want(const struct spec *specs, int nspecs, const struct trace_opts *o,
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

const struct backend *select_backend(const struct kbtf *k, const struct backend_want *w)
{
	const struct backend *be = NULL;

	if (!k->from_file)
		be = backend_pick(w);
	if (!be && w->name)
		be = backend_find(w->name);
	return be ? be : backends[0];
}

int select_funcs(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o,
		 const struct backend *be, struct selected *sel)
{
	struct backend_want w;
	struct selection s;
	int err, i;

	bool tracing = be != NULL;

	if (!be) {
		select_want(specs, nspecs, o, &w);
		be = select_backend(k, &w);
	}
	err = select_all(k, specs, nspecs, o, be, tracing, &s);
	*sel = (struct selected){
		.funcs = s.funcs,
		.n = s.n,
		.untraceable = s.tot_untraceable,
		.no_arg = s.tot_arg,
		.other = s.tot_other,
	};
	s.funcs = NULL;
	/* Read before the merged SPECs go: 'ksnoop -vv info' shows the plans of these. */
	sel->items_given = calloc(s.n ? s.n : 1, sizeof(*sel->items_given));
	for (i = 0; sel->items_given && i < s.n; i++)
		sel->items_given[i] = (s.merged[i].func ? &s.merged[i] : s.from[i])->nitems > 0;
	selection_free(&s);
	return err;
}

void selected_free(struct selected *sel)
{
	int i;

	for (i = 0; sel->funcs && i < sel->n; i++)
		tfunc_free(&sel->funcs[i]);
	free(sel->funcs);
	free(sel->items_given);
	sel->funcs = NULL;
	sel->items_given = NULL;
	sel->n = 0;
	/* read for this selection, or for its attach */
	ftrace_list_free();
}
