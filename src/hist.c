// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "btfx.h"
#include "format.h"
#include "hist.h"
#include "json.h"
#include "log.h"
#include "ksnoop.skel.h"
#include "ksnoop_hist.h"
#include "ksyms.h"
#include "output.h"

/* ---- options ---- */

static bool is_linear(const char *w, size_t n)
{
	return n >= 7 && !strncmp(w, "linear:", 7);
}

/* Calls @cb for each comma-separated word of @s; stops at the first non-zero return. */
static int for_each_word(const char *s, int (*cb)(const char *w, size_t n, void *ctx), void *ctx)
{
	const char *end;
	int err;

	do {
		end = strchrnul(s, ',');
		err = cb(s, end - s, ctx);
		if (err)
			return err;
		s = end + 1;
	} while (*end);
	return 0;
}

static int hist_word(const char *w, size_t n, void *ctx)
{
	if ((n == 4 && !strncmp(w, "log2", 4)) || (n == 8 && !strncmp(w, "duration", 8)) ||
	    is_linear(w, n))
		return 0;
	return 1;
}

bool hist_opt_word(const char *s)
{
	return s && *s && !for_each_word(s, hist_word, NULL);
}

bool count_opt_word(const char *s)
{
	return s && (!strcmp(s, "comm") || !strcmp(s, "caller"));
}

static int bad_hist(const char *arg, const char *why)
{
	pr_error_hint("e.g. --hist, --hist duration, --hist=linear:0:1000:100",
		      "invalid value '%s' for --hist: %s", arg, why);
	return -EINVAL;
}

/* One number of linear:MIN:MAX:STEP, ending at ':' or the word's end (@end). */
static int linear_num(const char **p, const char *end, long long *out)
{
	char *e;

	errno = 0;
	*out = strtoll(*p, &e, 0);
	if (errno || e == *p || (e != end && *e != ':'))
		return -EINVAL;
	*p = e + (e != end);
	return 0;
}

struct hist_parse {
	const char *arg;
	struct hist_opts *a;
	bool scale_set;
};

static int hist_parse_word(const char *w, size_t n, void *ctx)
{
	struct hist_parse *hp = ctx;
	struct hist_opts *a = hp->a;
	long long min, max, step;
	const char *p = w + 7, *end = w + n;

	if (n == 8 && !strncmp(w, "duration", 8)) {
		a->src = KSNOOP_SRC_DURATION;
		return 0;
	}
	if (hp->scale_set)
		return bad_hist(hp->arg, "give one of log2 and linear:MIN:MAX:STEP");
	hp->scale_set = true;
	if (n == 4 && !strncmp(w, "log2", 4))
		return 0;
	if (!is_linear(w, n))
		return bad_hist(hp->arg, "expected log2, linear:MIN:MAX:STEP or duration");
	if (linear_num(&p, end, &min) || p >= end || linear_num(&p, end, &max) || p >= end ||
	    linear_num(&p, end, &step) || p != end)
		return bad_hist(hp->arg, "expected linear:MIN:MAX:STEP with three integers");
	if (max <= min)
		return bad_hist(hp->arg, "MAX must be above MIN");
	if (step <= 0)
		return bad_hist(hp->arg, "STEP must be above 0");
	/* max - min may not fit a long long: compare in unsigned */
	if (((unsigned long long)max - (unsigned long long)min + step - 1) / step >
	    KSNOOP_HIST_MAX_BUCKETS) {
		char why[96];

		snprintf(why, sizeof(why), "more than %d buckets; raise STEP",
			 KSNOOP_HIST_MAX_BUCKETS);
		return bad_hist(hp->arg, why);
	}
	a->linear = true;
	a->min = min;
	a->max = max;
	a->step = step;
	return 0;
}

/* The mode of --hist or --count-by, given once, and only one of them. */
static int set_mode(struct hist_opts *a, enum ksnoop_agg_mode mode)
{
	if (a->mode == mode) {
		pr_error_hint("give it once", "%s given twice",
			      mode == KSNOOP_AGG_HIST ? "--hist" : "--count-by");
		return -EINVAL;
	}
	if (a->mode) {
		pr_error_hint("run one ksnoop for each",
			      "--hist and --count-by do not go together");
		return -EINVAL;
	}
	a->mode = mode;
	a->src = KSNOOP_SRC_ITEM;
	return 0;
}

int hist_parse_opt(const char *arg, struct hist_opts *a)
{
	struct hist_parse hp = {.arg = arg, .a = a};

	if (set_mode(a, KSNOOP_AGG_HIST))
		return -EINVAL;
	if (!arg)
		return 0;
	if (!*arg)
		return bad_hist(arg, "empty");
	return for_each_word(arg, hist_parse_word, &hp) ? -EINVAL : 0;
}

int count_parse_opt(const char *arg, struct hist_opts *a)
{
	if (set_mode(a, KSNOOP_AGG_COUNT))
		return -EINVAL;
	if (!arg)
		return 0;
	if (!count_opt_word(arg)) {
		pr_error_hint(
			"--count-by comm, --count-by caller, or --count-by 'FUNC(ITEM)' to count by an item's value",
			"invalid value '%s' for --count-by", arg);
		return -EINVAL;
	}
	a->src = strcmp(arg, "comm") ? KSNOOP_SRC_CALLER : KSNOOP_SRC_COMM;
	return 0;
}

/* ---- checking the functions against the mode ---- */

static const char *mode_name(const struct hist_opts *a)
{
	if (a->mode == KSNOOP_AGG_HIST)
		return a->src == KSNOOP_SRC_DURATION ? "--hist duration" : "--hist";
	if (a->src == KSNOOP_SRC_COMM)
		return "--count-by comm";
	return a->src == KSNOOP_SRC_CALLER ? "--count-by caller" : "--count-by";
}

static int check_func(const struct hist_opts *a, struct tfunc *tf, bool entry_only, bool *at_exit)
{
	const char *fn = tf->kf->name, *mode = mode_name(a);
	bool item = a->src == KSNOOP_SRC_ITEM, ret_items = false;
	const struct btf *btf = tf->kf->btf;
	const struct ksnoop_item *it0 = &tf->plan.items[0];
	const struct titem *ti0 = &tf->items[0];
	int i;

	if (item && !tf->nitems) {
		pr_error_hint(
			a->mode == KSNOOP_AGG_HIST ?
				"name it as the first item, e.g. --hist 'tcp_sendmsg(size)'" :
				"name it as the first item, e.g. --count-by 'ip_send_skb(skb->dev->name)'",
			"%s needs a value to count: '%s' has no item", mode, fn);
		return -EINVAL;
	}
	for (i = 0; i < tf->nitems; i++) {
		ret_items |= tf->items[i].is_ret;
		if ((item && i == 0) || (tf->plan.items[i].flags & (KSNOOP_I_PRED | KSNOOP_I_HIDE)))
			continue;
		pr_error_hint(
			item ? "the first item is the value; the others filter, e.g. 'f(len, flags == 0)'" :
			       "give predicates only, e.g. 'vfs_read(count > 4096)'",
			"%s: item '%s' of '%s' is not a predicate", mode, tf->items[i].label, fn);
		return -EINVAL;
	}
	*at_exit = a->src == KSNOOP_SRC_DURATION || ret_items;
	/* the stack is read at entry, into a per-CPU area the return cannot find again */
	if (a->src == KSNOOP_SRC_CALLER && ret_items) {
		pr_error_hint("drop the return predicate",
			      "%s counts at entry: '%s' has a predicate on the return", mode, fn);
		return -EINVAL;
	}
	if (item && !ti0->is_ret && ret_items) {
		pr_error_hint(
			"count the return value itself, or drop the return predicate",
			"%s: '%s' reads '%s' at entry and a predicate at the return: not supported",
			mode, fn, ti0->label);
		return -EINVAL;
	}
	if (*at_exit && entry_only) {
		pr_error_hint("drop --entry",
			      "%s needs the return of '%s', which --entry leaves out", mode, fn);
		return -EINVAL;
	}
	if (!item)
		return 0;
	if (a->mode == KSNOOP_AGG_HIST) {
		const struct btf_type *t =
			btf__type_by_id(btf, btfx_skip_id(btf, ti0->type_id, true));

		if ((ti0->kind != VAL_SCALAR && ti0->kind != VAL_BITFIELD) || !t ||
		    !(btf_is_int(t) || btf_is_any_enum(t)) || it0->size > 8) {
			struct strbuf sb;

			sb_init(&sb);
			type_decl(btf, ti0->expr_type_id, NULL, &sb);
			pr_error_hint("pick an integer member, or count values with --count-by",
				      "--hist counts integers: '%s' of '%s' is '%s'", ti0->label,
				      fn, sb_str(&sb));
			sb_free(&sb);
			return -EINVAL;
		}
	} else if (ti0->kind != VAL_STR && it0->size > KSNOOP_KEY_MAX) {
		pr_error_hint("count by a smaller member",
			      "--count-by keys are at most %d bytes: '%s' of '%s' has %u",
			      KSNOOP_KEY_MAX, ti0->label, fn, it0->size);
		return -E2BIG;
	}
	return 0;
}

int hist_check(const struct hist_opts *a, struct tfunc *funcs, int n, bool entry_only,
	       bool *need_exit)
{
	const struct tfunc *entry_fn = NULL, *exit_fn = NULL;
	int i, err;

	*need_exit = false;
	for (i = 0; i < n; i++) {
		bool at_exit;

		err = check_func(a, &funcs[i], entry_only, &at_exit);
		if (err)
			return err;
		*need_exit |= at_exit;
		if (!at_exit)
			entry_fn = &funcs[i];
		else if (a->src == KSNOOP_SRC_ITEM)
			exit_fn = &funcs[i];
	}
	/*
	 * A value read at entry is counted at entry, with no return traced; with
	 * returns traced for another function it would wait for a return that
	 * does not read it.
	 */
	if (entry_fn && exit_fn) {
		pr_error_hint("run one ksnoop for the values read at entry, one for the returns",
			      "%s: '%s' reads its value at entry, '%s' at the return: not together",
			      mode_name(a), entry_fn->kf->name, exit_fn->kf->name);
		return -EINVAL;
	}
	return 0;
}

void hist_conf(const struct hist_opts *a, struct ksnoop_agg_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->src = a->src;
	c->nslots = KSNOOP_HIST_LOG2_SLOTS;
	if (a->mode == KSNOOP_AGG_HIST && a->linear) {
		c->linear = 1;
		c->min = a->min;
		c->step = a->step;
		c->nbuckets = ((__u64)a->max - (__u64)a->min + a->step - 1) / a->step;
		c->nslots = c->nbuckets + 3;
	}
}

int hist_setup(const struct hist_opts *a, struct tfunc *funcs, int n, struct tracer_opts *t)
{
	bool need_exit;
	int err;

	err = hist_check(a, funcs, n, t->entry_only, &need_exit);
	if (err)
		return err;
	t->entry_only = !need_exit;
	t->agg_mode = a->mode;
	hist_conf(a, &t->agg_conf);
	if (a->mode == KSNOOP_AGG_COUNT)
		t->agg_conf.key_len = count_key_len(a, funcs, n);
	t->max_keys = a->max_keys;
	return 0;
}

/* --count-by caller: where each function's code is, for the BPF side to find its frame. */
static int caller_plans(struct tfunc *funcs, int n)
{
	struct ksyms *ks = ksyms_load();
	__u64 addr, size;
	int i, err = 0;

	if (!ks) {
		err = -errno;
		pr_error_hint("--count-by caller reads it to find each function's frame",
			      "cannot read /proc/kallsyms: %s", strerror(errno));
		return err;
	}
	for (i = 0; i < n; i++) {
		struct ksnoop_plan *p = &funcs[i].plan;
		const struct kfunc *kf = funcs[i].kf;

		if (ksyms_range(ks, kf->name, kf->module, &addr, &size)) {
			pr_error_hint("run as root: kallsyms hides addresses without CAP_SYSLOG",
				      "--count-by caller: no address for '%s' in /proc/kallsyms",
				      kf->name);
			err = -ENOENT;
			break;
		}
		p->text_addr = addr;
		p->text_size = size > UINT32_MAX ? UINT32_MAX : size;
	}
	ksyms_free(ks);
	return err;
}

int hist_plans(const struct hist_opts *a, struct tfunc *funcs, int n)
{
	int i;

	if (a->src == KSNOOP_SRC_CALLER)
		return caller_plans(funcs, n);
	if (a->src != KSNOOP_SRC_ITEM)
		return 0;
	for (i = 0; i < n; i++) {
		struct ksnoop_plan *p = &funcs[i].plan;

		p->items[0].flags &= ~KSNOOP_I_HIDE;
		p->flags |= funcs[i].items[0].is_ret ? KSNOOP_P_EXIT_PRED : KSNOOP_P_ENTRY_PRED;
	}
	return 0;
}

/* ---- histograms ---- */

void hist_slot_bounds(const struct ksnoop_agg_conf *c, __u32 slot, struct hist_bounds *b)
{
	memset(b, 0, sizeof(*b));
	b->has_lo = b->has_hi = true;
	if (!c->linear) {
		if (slot == 0) {
			b->has_lo = false;
			b->hi = 0;
		} else if (slot == 1) {
			b->lo = 0;
			b->hi = 1;
		} else {
			b->lo = (__s64)(1ULL << (slot - 2));
			b->hi = slot - 2 < 63 ? 1ULL << (slot - 1) : 0;
			b->hi_2_64 = slot - 2 == 63;
		}
		b->single = b->has_lo && b->hi == (__u64)b->lo + 1;
		return;
	}
	b->lo_signed = true;
	if (slot == 0) {
		b->has_lo = false;
		b->hi = c->min;
	} else if (slot <= c->nbuckets) {
		b->lo = c->min + (__s64)((slot - 1) * c->step);
		b->hi = (__u64)b->lo + c->step;
	} else {
		b->lo = c->min + (__s64)(c->nbuckets * c->step);
		b->has_hi = false;
	}
}

/* bpftrace's short form for log2 bounds: 1024 is 1K, 2^63 is 8E. */
static void put_pow(struct strbuf *sb, __u64 v, bool hi_2_64)
{
	static const char sfx[] = "KMGTPE";
	int i = -1;

	if (hi_2_64) {
		sb_puts(sb, "16E");
		return;
	}
	while (v >= 1024 && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	sb_put_u64(sb, v);
	if (i >= 0)
		sb_putc(sb, sfx[i]);
}

static void put_bound(struct strbuf *sb, const struct ksnoop_agg_conf *c, __u64 v, bool is_signed,
		      bool hi_2_64)
{
	if (!c->linear)
		put_pow(sb, v, hi_2_64);
	else if (is_signed)
		sb_put_s64(sb, (__s64)v);
	else
		sb_put_u64(sb, v);
}

static void hist_label(struct strbuf *sb, const struct ksnoop_agg_conf *c, __u32 slot)
{
	struct hist_bounds b;

	hist_slot_bounds(c, slot, &b);
	sb_putc(sb, b.has_lo ? '[' : '(');
	if (!b.has_lo)
		sb_puts(sb, "...");
	else
		put_bound(sb, c, b.lo, b.lo_signed, false);
	if (b.single && !c->linear) {
		sb_putc(sb, ']');
		return;
	}
	sb_puts(sb, ", ");
	if (b.has_hi)
		/* linear bounds are signed; log2 ones only go up */
		put_bound(sb, c, b.hi, c->linear, b.hi_2_64);
	else
		sb_puts(sb, "...");
	sb_putc(sb, ')');
}

#define BAR_WIDTH 52

void hist_render(struct strbuf *sb, bool json, const struct ksnoop_agg_conf *c, const char *func,
		 const char *value, const char *unit, const __u64 *counts)
{
	__u32 n = c->nslots - 1, first = n, last = 0, s;
	__u64 total = 0, max = 0, unreadable = counts[n];
	struct hist_bounds b;

	for (s = 0; s < n; s++) {
		total += counts[s];
		if (!counts[s])
			continue;
		if (s < first)
			first = s;
		last = s;
		if (counts[s] > max)
			max = counts[s];
	}
	if (json) {
		struct jw w;

		jw_record(&w, sb, "hist");
		JW_KEY(&w, "func");
		jw_strz(&w, func);
		JW_KEY(&w, "value");
		jw_strz(&w, value);
		if (unit) {
			JW_KEY(&w, "unit");
			jw_strz(&w, unit);
		}
		JW_KEY(&w, "scale");
		jw_strz(&w, c->linear ? "linear" : "log2");
		JW_KEY(&w, "calls");
		jw_u64(&w, total + unreadable);
		JW_KEY(&w, "unreadable");
		jw_u64(&w, unreadable);
		JW_KEY(&w, "buckets");
		jw_arr_begin(&w);
		for (s = first; s <= last && first < n; s++) {
			hist_slot_bounds(c, s, &b);
			jw_obj_begin(&w);
			JW_KEY(&w, "lo");
			if (!b.has_lo)
				jw_null(&w);
			else if (b.lo_signed)
				jw_s64(&w, b.lo);
			else
				jw_u64(&w, (__u64)b.lo);
			JW_KEY(&w, "hi");
			if (b.hi_2_64)
				JW_RAW(&w, "\"18446744073709551616\"");
			else if (!b.has_hi)
				jw_null(&w);
			else if (c->linear)
				jw_s64(&w, (__s64)b.hi);
			else
				jw_u64(&w, b.hi);
			JW_KEY(&w, "count");
			jw_u64(&w, counts[s]);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_record_end(&w);
		return;
	}
	sb_printf(sb, "%s %s%s%s%s: %llu call%s", func, value, unit ? " (" : "", unit ? unit : "",
		  unit ? ")" : "", (unsigned long long)(total + unreadable),
		  total + unreadable == 1 ? "" : "s");
	if (unreadable)
		sb_printf(sb, ", %llu unreadable", (unsigned long long)unreadable);
	sb_putc(sb, '\n');
	for (s = first; s <= last && first < n; s++) {
		struct strbuf label;
		int w = max ? (int)((counts[s] * BAR_WIDTH + max - 1) / max) : 0;

		sb_init(&label);
		hist_label(&label, c, s);
		sb_printf(sb, "%-16s%8llu |", sb_str(&label), (unsigned long long)counts[s]);
		sb_free(&label);
		for (int i = 0; i < BAR_WIDTH; i++)
			sb_putc(sb, i < w ? '@' : ' ');
		sb_puts(sb, "|\n");
	}
}

static int report_hists(struct tracer *t, const struct hist_opts *a, struct output *out,
			__u64 *counted)
{
	int fd = bpf_map__fd(t->skel->maps.hist), ncpus = libbpf_num_possible_cpus(), i, c;
	struct ksnoop_agg_conf conf;
	__u64 *vals, *counts;
	__u32 s;

	hist_conf(a, &conf);
	vals = calloc(ncpus, sizeof(__u64));
	counts = calloc(conf.nslots, sizeof(__u64));
	if (!vals || !counts) {
		free(vals);
		free(counts);
		return -ENOMEM;
	}
	for (i = 0; i < t->nfuncs; i++) {
		__u64 total = 0;

		for (s = 0; s < conf.nslots; s++) {
			__u32 key = i * conf.nslots + s;

			counts[s] = 0;
			if (bpf_map_lookup_elem(fd, &key, vals))
				continue;
			for (c = 0; c < ncpus; c++)
				counts[s] += vals[c];
			total += counts[s];
		}
		if (!total)
			continue;
		*counted += total;
		if (a->src == KSNOOP_SRC_DURATION)
			hist_render(&out->sb, out->json, &conf, t->funcs[i].kf->name, "duration",
				    "ns", counts);
		else
			hist_render(&out->sb, out->json, &conf, t->funcs[i].kf->name,
				    t->funcs[i].items[0].label, NULL, counts);
	}
	free(vals);
	free(counts);
	return 0;
}

int hist_report(struct tracer *t, const struct hist_opts *a, struct output *out, __u64 *counted,
		__u64 *not_counted)
{
	__u64 st[KSNOOP_STAT_MAX] = {};
	int err;

	*counted = *not_counted = 0;
	if (a->mode == KSNOOP_AGG_HIST)
		err = report_hists(t, a, out, counted);
	else
		err = count_report(t, a, out, counted);
	if (err == -ENOMEM)
		pr_error("out of memory reading the counts");
	if (!tracer_stats(t, st, KSNOOP_STAT_MAX))
		*not_counted = st[KSNOOP_STAT_KEYS_FULL];
	if (*not_counted)
		count_keys_full(&out->sb, out->json, *not_counted, a->max_keys);
	return output_flush(out);
}
