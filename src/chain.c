// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

/* One thread's ended calls, in the order they ended, until their group is released. */
struct cthread {
	__u32 tid;
	int n, cap;
	struct chain_call *calls;
};

struct chains {
	int nlevels;
	chain_show_fn show;
	void *ctx;
	__u64 groups, dropped;
	void *threads; /* tsearch() tree of struct cthread by tid */
};

struct chains *chains_new(int nlevels, chain_show_fn show, void *ctx)
{
	struct chains *c;

	if (nlevels < 2 || nlevels > KSNOOP_MAX_CHAIN || !show) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->nlevels = nlevels;
	c->show = show;
	c->ctx = ctx;
	return c;
}

static void call_free(struct chain_call *cc)
{
	free(cc->entry);
	free(cc->exit);
}

static struct ksnoop_rec *rec_dup(const struct ksnoop_rec *r)
{
	struct ksnoop_rec *p;

	if (!r)
		return NULL;
	p = malloc(r->size);
	if (p)
		memcpy(p, r, r->size);
	return p;
}

static int by_tid(const void *a, const void *b)
{
	__u32 x = ((const struct cthread *)a)->tid, y = ((const struct cthread *)b)->tid;

	return x < y ? -1 : x > y;
}

static struct cthread *cthread_get(struct chains *c, __u32 tid)
{
	struct cthread key = {.tid = tid}, *th, **found;

	found = tfind(&key, &c->threads, by_tid);
	if (found)
		return *found;
	th = calloc(1, sizeof(*th));
	if (!th)
		return NULL;
	th->tid = tid;
	found = tsearch(th, &c->threads, by_tid);
	if (!found || *found != th) {
		free(th);
		return NULL;
	}
	return th;
}

static void cthread_free(void *p)
{
	struct cthread *th = p;

	while (th->n > 0)
		call_free(&th->calls[--th->n]);
	free(th->calls);
	free(th);
}

/* Is @in nested inside @out? Both of one thread; @in ended before @out. */
static bool nested_in(const struct chain_call *in, const struct chain_call *out)
{
	return in->entry->ts >= out->entry->ts && in->entry->depth > out->entry->depth;
}

static int by_entry(const void *a, const void *b)
{
	const struct chain_call *x = *(struct chain_call *const *)a;
	const struct chain_call *y = *(struct chain_call *const *)b;

	if (x->entry->ts != y->entry->ts)
		return x->entry->ts < y->entry->ts ? -1 : 1;
	return x->entry->depth < y->entry->depth ? -1 : x->entry->depth > y->entry->depth;
}

/*
 * The level 0 call last in @th ended: take it and the calls that ended inside
 * it out of @th, decide which are on a complete chain, show those. Calls
 * buffered from before it (at its depth or deeper, so not around it) can no
 * longer complete: they are dropped.
 */
static int release(struct chains *c, struct cthread *th)
{
	struct chain_call *root = &th->calls[th->n - 1], **shown = NULL;
	int i, j, ns = 0, keep = 0, err = 0;

	/* In the order they ended: whatever ran inside a call ended before it. */
	for (i = 0; i < th->n; i++) {
		struct chain_call *cc = &th->calls[i];

		if (cc != root && !nested_in(cc, root))
			continue;
		cc->complete = cc->level == c->nlevels - 1;
		for (j = 0; j < i && !cc->complete; j++) {
			const struct chain_call *in = &th->calls[j];

			cc->complete =
				in->complete && in->level == cc->level + 1 && nested_in(in, cc);
		}
	}
	if (root->complete) {
		shown = calloc(th->n, sizeof(*shown));
		if (!shown)
			err = -ENOMEM;
		for (i = 0; shown && i < th->n; i++) {
			struct chain_call *cc = &th->calls[i];

			if ((cc == root || nested_in(cc, root)) && cc->complete)
				shown[ns++] = cc;
		}
		qsort(shown, ns, sizeof(*shown), by_entry);
		c->groups++;
		for (i = 0; i < ns && !err; i++)
			err = c->show(c->ctx, c->groups, shown[i]);
		free(shown);
	}
	/* Keep what is outside the root (calls around it, still running, end later). */
	for (i = 0; i < th->n; i++) {
		struct chain_call *cc = &th->calls[i];

		if (cc != root && cc->entry->depth < root->entry->depth) {
			th->calls[keep++] = *cc;
			continue;
		}
		if (!cc->complete || !root->complete)
			c->dropped++;
		call_free(cc);
	}
	th->n = keep;
	return err;
}

int chains_add(struct chains *c, int level, const struct ksnoop_rec *entry,
	       const struct ksnoop_rec *exit, enum call_end end)
{
	struct chain_call *cc;
	struct cthread *th;

	if (!entry || level < 0 || level >= c->nlevels)
		return -EINVAL;
	th = cthread_get(c, entry->tid);
	if (!th)
		return -ENOMEM;
	if (th->n == CHAIN_MAX_PENDING) {
		c->dropped++;
		return 0;
	}
	if (th->n == th->cap) {
		int cap = th->cap ? th->cap * 2 : 16;
		struct chain_call *p = realloc(th->calls, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		th->calls = p;
		th->cap = cap;
	}
	cc = &th->calls[th->n];
	memset(cc, 0, sizeof(*cc));
	cc->level = level;
	cc->end = end;
	cc->entry = rec_dup(entry);
	cc->exit = rec_dup(exit);
	if (!cc->entry || (exit && !cc->exit)) {
		call_free(cc);
		return -ENOMEM;
	}
	th->n++;
	return level == 0 ? release(c, th) : 0;
}

__u64 chains_dropped(const struct chains *c)
{
	return c->dropped;
}

__u64 chains_shown(const struct chains *c)
{
	return c->groups;
}

void chains_free(struct chains *c)
{
	if (!c)
		return;
	tdestroy(c->threads, cthread_free);
	free(c);
}
