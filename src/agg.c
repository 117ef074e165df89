// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel aggregation, the userspace half (see agg.h): plan flags before
 * load, then reading and summing the per-CPU "aggs" map.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "log.h"

static const char *const sort_names[] = {
	[AGG_SORT_CALLS] = "calls",
	[AGG_SORT_TIME] = "time",
	[AGG_SORT_ERRORS] = "errors",
	[AGG_SORT_P99] = "p99",
};

int agg_sort_parse(const char *name, enum agg_sort *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sort_names); i++)
		if (!strcmp(name, sort_names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

int agg_check_specs(const struct spec *specs, int nspecs, const char *what)
{
	int i, j;

	for (i = 0; i < nspecs; i++)
		for (j = 0; j < specs[i].nitems; j++) {
			const struct item *it = &specs[i].items[j];

			if (it->op != KSNOOP_OP_NONE)
				continue;
			pr_error_hint(
				"items with --stats filter what is counted, e.g. 'ip_send_skb(skb->len > 100)'",
				"%s counts calls and shows no values: item '%s' of '%s' is not a predicate",
				what, it->text, specs[i].text);
			return -EINVAL;
		}
	return 0;
}

/*
 * Aggregation modes show no values: every item only filters (hidden), and the
 * plan says in which phase a predicate needs the items captured.
 */
void agg_prepare_funcs(struct tfunc *funcs, int nfuncs)
{
	int i;
	__u32 j;

	for (i = 0; i < nfuncs; i++) {
		struct tfunc *tf = &funcs[i];
		struct ksnoop_plan *p = &tf->plan;

		p->flags = 0;
		for (j = 0; j < p->nitems && j < KSNOOP_MAX_ITEMS; j++) {
			struct ksnoop_item *it = &p->items[j];

			it->flags |= KSNOOP_I_HIDE;
			if (it->flags & KSNOOP_I_PRED)
				p->flags |= it->base == KSNOOP_BASE_RET ? KSNOOP_P_EXIT_PRED :
									  KSNOOP_P_ENTRY_PRED;
		}
	}
}

bool agg_lean_ok(enum ksnoop_agg_mode mode, __u8 src, const struct tfunc *funcs, int nfuncs)
{
	int i;
	__u32 j;

	/* --count-by caller reads the entry's frames into the scratch area. */
	if (mode == KSNOOP_AGG_NONE || src == KSNOOP_SRC_CALLER)
		return false;
	for (i = 0; i < nfuncs; i++) {
		const struct ksnoop_plan *p = &funcs[i].plan;

		for (j = 0; j < p->nitems && j < KSNOOP_MAX_ITEMS; j++)
			if (p->items[j].flags & KSNOOP_I_PRED)
				return false;
		if (mode != KSNOOP_AGG_STATS && src == KSNOOP_SRC_ITEM &&
		    (!p->nitems || (p->items[0].flags & KSNOOP_I_STR)))
			return false;
	}
	return true;
}

bool agg_item_same(const struct tfunc *funcs, int nfuncs, struct ksnoop_item *out)
{
	int i;

	if (nfuncs <= 0 || !funcs[0].plan.nitems)
		return false;
	/* the whole item: a difference anywhere only costs the constant */
	for (i = 1; i < nfuncs; i++)
		if (!funcs[i].plan.nitems ||
		    memcmp(&funcs[i].plan.items[0], &funcs[0].plan.items[0], sizeof(*out)))
			return false;
	*out = funcs[0].plan.items[0];
	return true;
}

bool agg_ret_same(const struct tfunc *funcs, int nfuncs, __u8 *kind, __u8 *size)
{
	int i;

	if (nfuncs <= 0)
		return false;
	for (i = 1; i < nfuncs; i++)
		if (funcs[i].plan.ret_kind != funcs[0].plan.ret_kind ||
		    funcs[i].plan.ret_size != funcs[0].plan.ret_size)
			return false;
	*kind = funcs[0].plan.ret_kind;
	*size = funcs[0].plan.ret_size;
	return true;
}

void agg_sum_cpus(const struct ksnoop_agg *percpu, int ncpus, __u64 epoch, struct ksnoop_agg *out)
{
	int c, b;

	memset(out, 0, sizeof(*out));
	out->imax_epoch = epoch;
	for (c = 0; c < ncpus; c++) {
		const struct ksnoop_agg *v = &percpu[c];

		out->calls += v->calls;
		out->errors += v->errors;
		out->lat_sum += v->lat_sum;
		if (v->lat_max > out->lat_max)
			out->lat_max = v->lat_max;
		if (v->imax_epoch == epoch && v->imax > out->imax)
			out->imax = v->imax;
		for (b = 0; b < KSNOOP_AGG_BUCKETS; b++)
			out->buckets[b] += v->buckets[b];
	}
	/* The program counts no lat_count: every latency it counts is in a bucket. */
	for (b = 0; b < KSNOOP_AGG_BUCKETS; b++)
		out->lat_count += out->buckets[b];
}

void agg_delta(const struct ksnoop_agg *cur, const struct ksnoop_agg *prev, struct ksnoop_agg *out)
{
	int b;

	*out = *cur;
	out->calls -= prev->calls;
	out->errors -= prev->errors;
	out->lat_count -= prev->lat_count;
	out->lat_sum -= prev->lat_sum;
	for (b = 0; b < KSNOOP_AGG_BUCKETS; b++)
		out->buckets[b] -= prev->buckets[b];
}

__u64 agg_percentile(const struct ksnoop_agg *s, double q, __u64 max)
{
	double want = q * (double)s->lat_count;
	__u64 rank = (__u64)want, seen = 0, lo, hi, mid;
	int b;

	if (!s->lat_count)
		return 0;
	if ((double)rank < want)
		rank++; /* ceil() without libm */
	if (rank < 1)
		rank = 1;
	if (rank > s->lat_count)
		rank = s->lat_count;
	for (b = 0; b < KSNOOP_AGG_BUCKETS; b++) {
		seen += s->buckets[b];
		if (seen >= rank)
			break;
	}
	if (b == KSNOOP_AGG_BUCKETS)
		return max; /* fewer calls in the buckets than lat_count: not from agg_sum_cpus() */
	lo = ksnoop_log2lin_lo(b);
	hi = ksnoop_log2lin_hi(b);
	mid = lo + (hi - lo) / 2;
	if (max && max >= lo && mid > max)
		mid = max;
	return mid;
}

int agg_init(struct agg *a, int map_fd, int nfuncs, volatile __u64 *epoch)
{
	memset(a, 0, sizeof(*a));
	a->map_fd = map_fd;
	a->nfuncs = nfuncs;
	a->epoch = epoch;
	a->ncpus = libbpf_num_possible_cpus();
	if (a->ncpus < 1)
		return a->ncpus < 0 ? a->ncpus : -EINVAL;
	a->percpu = calloc(a->ncpus, sizeof(*a->percpu));
	a->cur = calloc(nfuncs, sizeof(*a->cur));
	a->prev = calloc(nfuncs, sizeof(*a->prev));
	if (!a->percpu || !a->cur || !a->prev) {
		agg_free(a);
		return -ENOMEM;
	}
	return 0;
}

int agg_read(struct agg *a)
{
	struct ksnoop_agg *t;
	__u64 epoch = *a->epoch;
	__u32 i;

	/* Calls from here on keep their maximum apart: the next interval's. */
	*a->epoch = epoch + 1;
	t = a->prev;
	a->prev = a->cur;
	a->cur = t;
	for (i = 0; i < (__u32)a->nfuncs; i++) {
		if (bpf_map_lookup_elem(a->map_fd, &i, a->percpu))
			return -errno;
		agg_sum_cpus(a->percpu, a->ncpus, epoch, &a->cur[i]);
	}
	return 0;
}

void agg_free(struct agg *a)
{
	free(a->percpu);
	free(a->cur);
	free(a->prev);
	a->percpu = a->cur = a->prev = NULL;
}
