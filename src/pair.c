// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pair.h"
#include "record.h"

/* The entries waiting for their return on one thread, oldest (shallowest) first. */
struct pair_thread {
	__u32 tid;
	int n;
	/* pairer_reap() found the thread exited; an entry since clears it */
	bool gone;
	struct ksnoop_rec *stack[KSNOOP_MAX_DEPTH];
	struct pair_thread *next;
};

/*
 * An entry of at most PAIR_SMALL bytes (a trace of scalars) waits in a buffer
 * of that size, which goes back to the pairer's spares once its call ends: a
 * malloc() and free() per call had cost a third of the pairing.
 */
#define PAIR_SMALL     512
#define PAIR_SPARE_MAX 64

struct pair_spare {
	struct pair_spare *next;
};

static struct ksnoop_rec *rec_alloc(struct pairer *p, __u32 size)
{
	struct pair_spare *s = p->spare;

	if (size > PAIR_SMALL)
		return malloc(size);
	if (!s)
		return malloc(PAIR_SMALL);
	p->spare = s->next;
	p->nspare--;
	return (struct ksnoop_rec *)s;
}

/* Free @e, a copy by rec_alloc() (its size is still the one it was made for). */
static void rec_free(struct pairer *p, struct ksnoop_rec *e)
{
	struct pair_spare *s = (struct pair_spare *)e;

	if (e->size > PAIR_SMALL || p->nspare >= PAIR_SPARE_MAX) {
		free(e);
		return;
	}
	s->next = p->spare;
	p->spare = s;
	p->nspare++;
}

void pairer_init(struct pairer *p, pair_call_fn call, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->call = call;
	p->ctx = ctx;
}

static struct pair_thread *thread_get(struct pairer *p, __u32 tid, bool create)
{
	struct pair_thread **pp = &p->threads[tid % PAIR_BUCKETS], *th;

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
	p->nthreads++;
	return th;
}

/* Show entry @e, whose call ended as @end without its return, and count it. */
static void show_ended(struct pairer *p, const struct ksnoop_rec *e, enum call_end end)
{
	if (end == CALL_RETURN_LOST)
		p->return_lost++;
	else if (end == CALL_IN_FLIGHT)
		p->in_flight++;
	p->call(p->ctx, e, NULL, end);
}

/* Show waiting entry @e, whose call ended as @end, and free it. */
static void finish(struct pairer *p, struct ksnoop_rec *e, enum call_end end)
{
	show_ended(p, e, end);
	rec_free(p, e);
}

/*
 * Entry @rec, at its place by time: the waiting entries before it at its
 * depth or deeper belong to calls the thread has returned from (it came back
 * to this depth), so their return records were lost; a waiting entry after
 * it at its depth or shallower means the same of @rec itself (only an entry
 * handed over late, at the stop, can have newer ones waiting).
 */
static int entry(struct pairer *p, const struct ksnoop_rec *rec)
{
	struct pair_thread *th = thread_get(p, rec->tid, true);
	struct ksnoop_rec *copy;
	int i, j, k;

	if (!th)
		return -ENOMEM;
	/* the thread id is in use again */
	th->gone = false;
	for (i = th->n; i > 0 && th->stack[i - 1]->ts > rec->ts; i--)
		;
	if (i < th->n && th->stack[i]->depth <= rec->depth) {
		p->return_lost++;
		p->call(p->ctx, rec, NULL, CALL_RETURN_LOST);
		return 0;
	}
	for (j = i; j > 0 && th->stack[j - 1]->depth >= rec->depth; j--)
		;
	/* Deepest first, as the returns would have come. */
	for (k = i; k > j; k--)
		finish(p, th->stack[k - 1], CALL_RETURN_LOST);
	/* Most entries go on top of the stack: no call of memmove() for nothing. */
	if (i > j && i < th->n)
		memmove(&th->stack[j], &th->stack[i], (th->n - i) * sizeof(th->stack[0]));
	th->n -= i - j;
	if (th->n >= KSNOOP_MAX_DEPTH) {
		p->call(p->ctx, rec, NULL, CALL_SEEN);
		return 0;
	}
	copy = rec_alloc(p, rec->size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, rec, rec->size);
	if (j < th->n)
		memmove(&th->stack[j + 1], &th->stack[j], (th->n - j) * sizeof(th->stack[0]));
	th->stack[j] = copy;
	th->n++;
	return 0;
}

/*
 * Exit @rec pairs with the waiting entry of its depth and function; deeper
 * ones waiting returned without their return records.
 */
static void exit_rec(struct pairer *p, const struct ksnoop_rec *rec)
{
	struct pair_thread *th = thread_get(p, rec->tid, false);

	while (th && th->n > 0) {
		struct ksnoop_rec *e = th->stack[th->n - 1];

		if (e->depth > rec->depth) {
			th->n--;
			finish(p, e, CALL_RETURN_LOST);
			continue;
		}
		if (e->depth == rec->depth && e->func == rec->func) {
			th->n--;
			if (!(rec->flags & KSNOOP_R_DROP))
				p->call(p->ctx, e, rec, CALL_SEEN);
			rec_free(p, e);
			return;
		}
		break;
	}
	p->unpaired++;
}

/*
 * A whole call in one sample of @size bytes (KSNOOP_R_CALL): entry @rec, its
 * exit record right after it. Nothing waits: it is shown as it comes. A
 * sample whose exit does not fit, or is no exit, is a bad record, as
 * rec_check() has them: not shown.
 */
static void whole_call(struct pairer *p, const struct ksnoop_rec *rec, size_t size)
{
	const struct ksnoop_rec *exit = (const void *)((const __u8 *)rec + rec->size);

	if (rec->size % 8 || rec_check(exit, size - rec->size) || exit->type != KSNOOP_REC_EXIT)
		return;
	p->call(p->ctx, rec, exit, CALL_SEEN);
}

/* The index of kept entry @rec among those a reap showed, or -1. */
static long reaped_find(const struct pairer *p, const struct ksnoop_rec *rec)
{
	size_t i;

	for (i = 0; i < p->nreaped; i++)
		if (p->reaped[i].tid == rec->tid && p->reaped[i].ts == rec->ts)
			return (long)i;
	return -1;
}

int pairer_feed(struct pairer *p, const struct ksnoop_rec *rec, size_t size)
{
	if (rec_check(rec, size))
		return 0;
	switch (rec->type) {
	case KSNOOP_REC_ENTRY:
		if (rec->flags & KSNOOP_R_GONE) {
			long i = reaped_find(p, rec);

			/* the program's copy of one a reap showed: the last of it */
			if (i >= 0)
				p->reaped[i] = p->reaped[--p->nreaped];
			else
				show_ended(p, rec, CALL_RETURN_LOST);
			return 0;
		}
		if (rec->flags & KSNOOP_R_CALL) {
			whole_call(p, rec, size);
			return 0;
		}
		if (rec->flags & KSNOOP_R_NOEXIT) {
			p->call(p->ctx, rec, NULL, CALL_SEEN);
			return 0;
		}
		return entry(p, rec);
	case KSNOOP_REC_EXIT:
		exit_rec(p, rec);
		return 0;
	}
	return 0;
}

/*
 * Add entry @e, whose call ended as @end, to the calls the stop or a reap shows; shown
 * at once if the list cannot grow (out of order, never dropped).
 */
static void ended_add(struct pairer *p, struct ksnoop_rec *e, enum call_end end)
{
	struct pair_ended *n;
	size_t cap;

	if (p->nended == p->ended_cap) {
		cap = p->ended_cap ? 2 * p->ended_cap : 64;
		n = realloc(p->ended, cap * sizeof(*n));
		if (!n) {
			finish(p, e, end);
			return;
		}
		p->ended = n;
		p->ended_cap = cap;
	}
	p->ended[p->nended].e = e;
	p->ended[p->nended++].end = end;
}

void pairer_held(struct pairer *p, const struct ksnoop_rec *rec, size_t size, bool gone)
{
	enum call_end end = gone ? CALL_RETURN_LOST : CALL_IN_FLIGHT;
	struct ksnoop_rec *e;

	if (rec_check(rec, size) || rec->type != KSNOOP_REC_ENTRY || reaped_find(p, rec) >= 0)
		return;
	e = rec_alloc(p, rec->size);
	if (!e) {
		/* shown at once, out of order */
		show_ended(p, rec, end);
		return;
	}
	memcpy(e, rec, rec->size);
	ended_add(p, e, end);
}

/* By start time; the same time on two threads by thread, deepest last. */
static int ended_by_time(const void *a, const void *b)
{
	const struct ksnoop_rec *x = ((const struct pair_ended *)a)->e,
				*y = ((const struct pair_ended *)b)->e;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (int)x->depth - (int)y->depth;
}

/* Show the calls ended_add() gathered, by start time. */
static void ended_show(struct pairer *p)
{
	size_t i;

	if (p->nended)
		qsort(p->ended, p->nended, sizeof(*p->ended), ended_by_time);
	for (i = 0; i < p->nended; i++)
		finish(p, p->ended[i].e, p->ended[i].end);
	p->nended = 0;
}

void pairer_stop(struct pairer *p, pair_depth_fn depth_of, void *ctx)
{
	struct pair_thread *th;
	int i, depth;

	for (i = 0; i < PAIR_BUCKETS; i++) {
		for (th = p->threads[i]; th; th = th->next) {
			if (!th->n)
				continue;
			depth = depth_of(ctx, th->stack[0]);
			while (th->n > 0) {
				struct ksnoop_rec *e = th->stack[--th->n];

				ended_add(p, e,
					  depth >= 0 && depth <= e->depth ? CALL_RETURN_LOST :
									    CALL_IN_FLIGHT);
			}
		}
	}
	ended_show(p);
}

void pairer_reap_held(struct pairer *p, const struct ksnoop_rec *rec, size_t size, __u64 before_ns,
		      pair_gone_fn gone, void *ctx)
{
	struct pair_reaped *n;
	size_t cap;

	if (rec_check(rec, size) || rec->type != KSNOOP_REC_ENTRY || rec->ts >= before_ns ||
	    reaped_find(p, rec) >= 0 || !gone(ctx, rec))
		return;
	if (p->nreaped == p->reaped_cap) {
		cap = p->reaped_cap ? 2 * p->reaped_cap : 16;
		n = realloc(p->reaped, cap * sizeof(*n));
		/* it cannot be told apart later: left to the stop */
		if (!n)
			return;
		p->reaped = n;
		p->reaped_cap = cap;
	}
	p->reaped[p->nreaped].tid = rec->tid;
	p->reaped[p->nreaped++].ts = rec->ts;
	show_ended(p, rec, CALL_RETURN_LOST);
}

void pairer_reap(struct pairer *p, __u64 before_ns, pair_gone_fn gone, void *ctx)
{
	struct pair_thread **pp, *th;
	int i, j;

	for (i = 0; i < PAIR_BUCKETS; i++) {
		for (pp = &p->threads[i]; (th = *pp);) {
			if (th->n && th->gone) {
				for (j = 0; j < th->n; j++)
					ended_add(p, th->stack[j], CALL_RETURN_LOST);
				th->n = 0;
			}
			if (!th->n) {
				*pp = th->next;
				free(th);
				p->nthreads--;
				continue;
			}
			th->gone = th->stack[0]->ts < before_ns && gone(ctx, th->stack[0]);
			pp = &th->next;
		}
	}
	ended_show(p);
}

void pairer_free(struct pairer *p)
{
	int i;

	for (i = 0; i < PAIR_BUCKETS; i++)
		while (p->threads[i]) {
			struct pair_thread *th = p->threads[i];

			p->threads[i] = th->next;
			while (th->n > 0)
				rec_free(p, th->stack[--th->n]);
			free(th);
			p->nthreads--;
		}
	while (p->nended > 0)
		rec_free(p, p->ended[--p->nended].e);
	free(p->ended);
	p->ended = NULL;
	p->ended_cap = 0;
	free(p->reaped);
	p->reaped = NULL;
	p->nreaped = p->reaped_cap = 0;
	while (p->spare) {
		struct pair_spare *s = p->spare;

		p->spare = s->next;
		free(s);
	}
	p->nspare = 0;
}
