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
		sb_puts(sb, "{\"type\":\"hist\",\"func\":");
		json_put_string(sb, func, strlen(func));
		sb_puts(sb, ",\"value\":");
		json_put_string(sb, value, strlen(value));
		if (unit)
			sb_printf(sb, ",\"unit\":\"%s\"", unit);
		sb_printf(sb, ",\"scale\":\"%s\",\"calls\":", c->linear ? "linear" : "log2");
		json_put_u64(sb, total + unreadable);
		sb_puts(sb, ",\"unreadable\":");
		json_put_u64(sb, unreadable);
		sb_puts(sb, ",\"buckets\":[");
		for (s = first; s <= last && first < n; s++) {
			hist_slot_bounds(c, s, &b);
			sb_puts(sb, s > first ? ",{\"lo\":" : "{\"lo\":");
			if (!b.has_lo)
				sb_puts(sb, "null");
			else if (b.lo_signed)
				json_put_s64(sb, b.lo);
			else
				json_put_u64(sb, (__u64)b.lo);
			sb_puts(sb, ",\"hi\":");
			if (b.hi_2_64)
				sb_puts(sb, "\"18446744073709551616\"");
			else if (!b.has_hi)
				sb_puts(sb, "null");
			else if (c->linear)
				json_put_s64(sb, (__s64)b.hi);
			else
				json_put_u64(sb, b.hi);
			sb_puts(sb, ",\"count\":");
			json_put_u64(sb, counts[s]);
			sb_putc(sb, '}');
		}
		sb_puts(sb, "]}\n");
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

/* ---- counts ---- */

static int cmp_row(const void *pa, const void *pb)
{
	const struct count_row *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->text, b->text);
}

static int cmp_row_text(const void *pa, const void *pb)
{
	return strcmp(((const struct count_row *)pa)->text, ((const struct count_row *)pb)->text);
}

/*
 * Rows whose keys print the same (a char array's bytes after its NUL may
 * differ in the kernel) are one key: merge them. Returns the new count.
 */
static int merge_rows(struct count_row *rows, int n)
{
	int i, j = 0;

	qsort(rows, n, sizeof(*rows), cmp_row_text);
	for (i = 0; i < n; i++) {
		if (j && !strcmp(rows[j - 1].text, rows[i].text)) {
			rows[j - 1].count += rows[i].count;
			free(rows[i].text);
			free(rows[i].json);
			continue;
		}
		rows[j++] = rows[i];
	}
	qsort(rows, j, sizeof(*rows), cmp_row);
	return j;
}

int count_render(struct strbuf *sb, bool json, const char *func, const char *key,
		 struct count_row *rows, int nrows, __u32 top)
{
	__u64 total = 0, other = 0;
	int i, shown;

	nrows = merge_rows(rows, nrows);
	shown = top && (__u32)nrows > top ? (int)top : nrows;
	for (i = 0; i < nrows; i++) {
		total += rows[i].count;
		if (i >= shown)
			other += rows[i].count;
	}
	if (json) {
		sb_puts(sb, "{\"type\":\"count\",\"func\":");
		json_put_string(sb, func, strlen(func));
		sb_puts(sb, ",\"key\":");
		json_put_string(sb, key, strlen(key));
		sb_puts(sb, ",\"calls\":");
		json_put_u64(sb, total);
		sb_printf(sb, ",\"keys\":%d,\"counts\":[", nrows);
		for (i = 0; i < shown; i++) {
			sb_printf(sb, "%s{\"key\":%s,\"count\":", i ? "," : "", rows[i].json);
			json_put_u64(sb, rows[i].count);
			sb_putc(sb, '}');
		}
		sb_printf(sb, "],\"other\":{\"keys\":%d,\"count\":", nrows - shown);
		json_put_u64(sb, other);
		sb_puts(sb, "}}\n");
		return nrows;
	}
	sb_printf(sb, "%s by %s: %llu call%s, %d key%s\n", func, key, (unsigned long long)total,
		  total == 1 ? "" : "s", nrows, nrows == 1 ? "" : "s");
	for (i = 0; i < shown; i++)
		sb_printf(sb, "%10llu  %s\n", (unsigned long long)rows[i].count, rows[i].text);
	if (shown < nrows)
		sb_printf(sb, "%10llu  (%d other key%s)\n", (unsigned long long)other,
			  nrows - shown, nrows - shown == 1 ? "" : "s");
	return nrows;
}

/*
 * The key of @k as text or as a JSON value. Strings: quoted with C escapes,
 * or a JSON string. Integers (bitfields too): decimal, or a JSON number.
 * Enums: the constant's name in text, {"name","value"} in JSON. A caller:
 * symbolized from @ks as --kstack shows a frame, "udp_sendmsg+0x7a4" (a JSON
 * string), "<unknown>" (null) when its frame was not found. Anything else as
 * ksnoop prints an item's value.
 */
static void key_render(const struct tfunc *tf, const struct hist_opts *a, const struct ksyms *ks,
		       const struct ksnoop_count_key *k, bool json, struct strbuf *sb)
{
	const struct ksnoop_item *it = &tf->plan.items[0];
	const struct titem *ti = &tf->items[0];
	const struct btf *btf = tf->kf->btf;
	const struct btf_type *t, *el = NULL;
	unsigned int bits;
	bool sign;
	__u64 v = 0;
	struct strbuf frame;

	if (a->src == KSNOOP_SRC_CALLER) {
		if ((k->flags & KSNOOP_V_UNREADABLE) || k->len != sizeof(v)) {
			sb_puts(sb, json ? "null" : "<unknown>");
			return;
		}
		memcpy(&v, k->data, sizeof(v));
		if (!json) {
			ksyms_put(ks, v, sb);
			return;
		}
		sb_init(&frame);
		ksyms_put(ks, v, &frame);
		json_put_string(sb, sb_str(&frame), frame.len);
		sb_free(&frame);
		return;
	}
	if (k->flags & KSNOOP_V_UNREADABLE) {
		sb_puts(sb, json ? "null" : "<unreadable>");
		return;
	}
	t = btf__type_by_id(btf, btfx_skip_id(btf, ti->type_id, true));
	if (t && btf_is_array(t))
		el = btf__type_by_id(btf, btfx_skip_id(btf, btf_array(t)->type, true));
	if (a->src == KSNOOP_SRC_COMM || ti->kind == VAL_STR ||
	    (el && btf_is_int(el) && el->size == 1)) {
		if (json)
			fmt_cstring_json(sb, k->data, k->len);
		else
			fmt_cstring_text(sb, k->data, k->len);
		return;
	}
	if (!t || !(btf_is_int(t) || btf_is_any_enum(t)) || it->size > 8 || k->len < it->size) {
		if ((json ? fmt_json : fmt_text)(btf, ti->type_id, k->data, k->len, sb))
			sb_puts(sb, json ? "null" : "<unprintable>");
		return;
	}
	if (json && btf_is_any_enum(t) && !it->bit_size &&
	    !fmt_json(btf, ti->type_id, k->data, k->len, sb))
		return;
	/* the bytes the BPF program read for the item, as its predicates see them */
	sign = it->flags & KSNOOP_I_SIGNED;
	bits = it->bit_size ? it->bit_size : it->size * 8;
	memcpy(&v, k->data, it->size);
	if (it->bit_size) {
		v >>= it->bit_off;
		if (bits < 64)
			v &= (1ULL << bits) - 1;
	}
	if (sign && bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~0ULL << bits;
	if (!json && btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);
		int i;

		for (i = 0; i < btf_vlen(t); i++, e++)
			if ((__u32)e->val == (__u32)v) {
				sb_puts(sb, btf__name_by_offset(btf, e->name_off));
				return;
			}
	}
	if (json && sign)
		json_put_s64(sb, (__s64)v);
	else if (json)
		json_put_u64(sb, v);
	else if (sign)
		sb_put_s64(sb, (__s64)v);
	else
		sb_put_u64(sb, v);
}

/* What a function's calls are counted by: "comm", "caller", or item 0's label. */
static const char *count_key_name(const struct hist_opts *a, const struct tfunc *tf)
{
	if (a->src == KSNOOP_SRC_COMM)
		return "comm";
	return a->src == KSNOOP_SRC_CALLER ? "caller" : tf->items[0].label;
}

/* Per function: the rows collected from the key map. */
struct func_rows {
	struct count_row *rows;
	int n, cap;
};

static int read_counts(struct tracer *t, const struct hist_opts *a, struct func_rows *fr)
{
	int fd = bpf_map__fd(t->skel->maps.counts), ncpus = libbpf_num_possible_cpus(), c;
	struct ksnoop_count_key key, next, *prev = NULL;
	__u64 *vals = calloc(ncpus, sizeof(__u64));
	struct ksyms *ks = NULL;
	struct strbuf sb;
	int err = 0;

	if (!vals)
		return -ENOMEM;
	/* NULL (kallsyms unreadable since the start): callers shown as addresses */
	if (a->src == KSNOOP_SRC_CALLER)
		ks = ksyms_load();
	sb_init(&sb);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct func_rows *f;
		struct count_row *r;
		__u64 sum = 0;

		key = next;
		prev = &key;
		if (key.func >= (__u32)t->nfuncs || bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (c = 0; c < ncpus; c++)
			sum += vals[c];
		f = &fr[key.func];
		if (f->n == f->cap) {
			int cap = f->cap ? f->cap * 2 : 16;

			r = realloc(f->rows, cap * sizeof(*r));
			if (!r) {
				err = -ENOMEM;
				break;
			}
			f->rows = r;
			f->cap = cap;
		}
		r = &f->rows[f->n];
		sb_reset(&sb);
		key_render(&t->funcs[key.func], a, ks, &key, false, &sb);
		r->text = strdup(sb_str(&sb));
		sb_reset(&sb);
		key_render(&t->funcs[key.func], a, ks, &key, true, &sb);
		r->json = strdup(sb_str(&sb));
		r->count = sum;
		if (!r->text || !r->json) {
			free(r->text);
			free(r->json);
			err = -ENOMEM;
			break;
		}
		f->n++;
	}
	sb_free(&sb);
	ksyms_free(ks);
	free(vals);
	return err;
}

static int report_counts(struct tracer *t, const struct hist_opts *a, struct output *out,
			 __u64 *counted)
{
	struct func_rows *fr = calloc(t->nfuncs ? t->nfuncs : 1, sizeof(*fr));
	int err, i, j;

	if (!fr)
		return -ENOMEM;
	err = read_counts(t, a, fr);
	for (i = 0; !err && i < t->nfuncs; i++) {
		const struct tfunc *tf = &t->funcs[i];

		if (!fr[i].n)
			continue;
		for (j = 0; j < fr[i].n; j++)
			*counted += fr[i].rows[j].count;
		fr[i].n = count_render(&out->sb, out->json, tf->kf->name, count_key_name(a, tf),
				       fr[i].rows, fr[i].n, a->top);
	}
	for (i = 0; i < t->nfuncs; i++) {
		for (j = 0; j < fr[i].n; j++) {
			free(fr[i].rows[j].text);
			free(fr[i].rows[j].json);
		}
		free(fr[i].rows);
	}
	free(fr);
	return err;
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
		err = report_counts(t, a, out, counted);
	if (err == -ENOMEM)
		pr_error("out of memory reading the counts");
	if (!tracer_stats(t, st, KSNOOP_STAT_MAX))
		*not_counted = st[KSNOOP_STAT_KEYS_FULL];
	if (*not_counted && out->json)
		sb_printf(
			&out->sb,
			"{\"type\":\"lost\",\"count\":%llu,\"reason\":\"keys_full\",\"max_keys\":%u}\n",
			(unsigned long long)*not_counted, a->max_keys);
	else if (*not_counted)
		sb_printf(
			&out->sb,
			"--- %llu call%s not counted (the key map is full: %u keys; raise --max-keys)\n",
			(unsigned long long)*not_counted, *not_counted == 1 ? "" : "s",
			a->max_keys);
	return output_flush(out);
}
