// SPDX-License-Identifier: GPL-2.0
/*
 * --count-by's report: the per-CPU key map read and summed, each key
 * rendered (integer, enum name, string, comm, caller), rows sorted with the
 * rest past --top summed, and the calls a full key map did not count.
 * --hist's parsing, checks and histograms are in hist.c.
 */
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
		struct jw w;

		jw_record(&w, sb, "count");
		JW_KEY(&w, "func");
		jw_strz(&w, func);
		JW_KEY(&w, "key");
		jw_strz(&w, key);
		JW_KEY(&w, "calls");
		jw_u64(&w, total);
		JW_KEY(&w, "keys");
		jw_s64(&w, nrows);
		JW_KEY(&w, "counts");
		jw_arr_begin(&w);
		for (i = 0; i < shown; i++) {
			jw_obj_begin(&w);
			JW_KEY(&w, "key");
			jw_raw(&w, rows[i].json, strlen(rows[i].json));
			JW_KEY(&w, "count");
			jw_u64(&w, rows[i].count);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		JW_KEY(&w, "other");
		jw_obj_begin(&w);
		JW_KEY(&w, "keys");
		jw_s64(&w, nrows - shown);
		JW_KEY(&w, "count");
		jw_u64(&w, other);
		jw_obj_end(&w);
		jw_record_end(&w);
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
	struct jw w;
	bool sign;
	__u64 v = 0;
	struct strbuf frame;

	/* In JSON, one value alone: the row's key, placed later by count_render(). */
	jw_init(&w, sb);
	if (a->src == KSNOOP_SRC_CALLER) {
		if ((k->flags & KSNOOP_V_UNREADABLE) || k->len != sizeof(v)) {
			if (json)
				jw_null(&w);
			else
				sb_puts(sb, "<unknown>");
			return;
		}
		memcpy(&v, k->data, sizeof(v));
		if (!json) {
			ksyms_put(ks, v, sb);
			return;
		}
		sb_init(&frame);
		ksyms_put(ks, v, &frame);
		jw_str(&w, sb_str(&frame), frame.len);
		sb_free(&frame);
		return;
	}
	if (k->flags & KSNOOP_V_UNREADABLE) {
		if (json)
			jw_null(&w);
		else
			sb_puts(sb, "<unreadable>");
		return;
	}
	t = btf__type_by_id(btf, btfx_skip_id(btf, ti->type_id, true));
	if (t && btf_is_array(t))
		el = btf__type_by_id(btf, btfx_skip_id(btf, btf_array(t)->type, true));
	if (a->src == KSNOOP_SRC_COMM || ti->kind == VAL_STR ||
	    (el && btf_is_int(el) && el->size == 1)) {
		if (json)
			fmt_cstring_json(&w, k->data, k->len);
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
		jw_s64(&w, (__s64)v);
	else if (json)
		jw_u64(&w, v);
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

void count_keys_full(struct strbuf *sb, bool json, __u64 n, __u32 max_keys)
{
	struct jw w;

	if (!json) {
		sb_printf(
			sb,
			"--- %llu call%s not counted (the key map is full: %u keys; raise --max-keys)\n",
			(unsigned long long)n, n == 1 ? "" : "s", max_keys);
		return;
	}
	jw_record(&w, sb, "lost");
	JW_KEY(&w, "count");
	jw_u64(&w, n);
	JW_KEY(&w, "reason");
	JW_RAW(&w, "\"keys_full\"");
	JW_KEY(&w, "max_keys");
	jw_u64(&w, max_keys);
	jw_record_end(&w);
}

__u16 count_key_len(const struct hist_opts *a, const struct tfunc *funcs, int n)
{
	__u32 len = 0;
	int i;

	if (a->src == KSNOOP_SRC_COMM)
		return KSNOOP_TASK_COMM_LEN;
	if (a->src == KSNOOP_SRC_CALLER)
		return sizeof(__u64);
	/* a value is at most its item's size: a string up to its NUL, bytes or a register */
	for (i = 0; i < n; i++)
		if (funcs[i].plan.nitems && funcs[i].plan.items[0].size > len)
			len = funcs[i].plan.items[0].size;
	len = len > KSNOOP_KEY_MAX ? KSNOOP_KEY_MAX : len;
	/* whole 8-byte words, as the kernel hashes them */
	return (len + 7) & ~7U;
}

/* Per function: the rows collected from the key map. */
struct func_rows {
	struct count_row *rows;
	int n, cap;
};

static int read_counts(struct tracer *t, const struct hist_opts *a, struct func_rows *fr)
{
	int fd = bpf_map__fd(t->skel->maps.counts), ncpus = libbpf_num_possible_cpus(), c;
	/* zeroed: the map's keys fill only their first bytes (count_key_len()) */
	struct ksnoop_count_key key = {}, next = {}, *prev = NULL;
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

int count_report(struct tracer *t, const struct hist_opts *a, struct output *out, __u64 *counted)
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
