/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 5: turn the ring buffer's records into calls. A call comes as an
 * entry record and an exit record, paired here per thread by depth: the
 * entries of calls not yet returned wait on a stack per thread; or, from the
 * fentry stub's lean record path, as one sample of both (KSNOOP_R_CALL), or
 * as its entry alone when the thread exited in the call (KSNOOP_R_GONE). What
 * cannot be paired is said, never dropped silently: an exit without its entry
 * is counted (unpaired), an entry whose return record was lost is shown as
 * such, and at the stop every entry still waiting is shown in flight or return
 * lost.
 */
#ifndef __KSNOOP_PAIR_H
#define __KSNOOP_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ksnoop.h"
#include "output.h"

/*
 * One call for the output stage: @entry and @exit as output_call() takes
 * them. The records are only valid during the call.
 */
typedef void (*pair_call_fn)(void *ctx, const struct ksnoop_rec *entry,
			     const struct ksnoop_rec *exit, enum call_end end);

/*
 * The thread's depth at the stop as the BPF program counts it (traced calls in
 * progress), 0 if the thread is gone, or negative if unknown; @oldest is the
 * oldest entry still waiting on the thread.
 */
typedef int (*pair_depth_fn)(void *ctx, const struct ksnoop_rec *oldest);

/* Has the thread of entry @rec exited? */
typedef bool (*pair_gone_fn)(void *ctx, const struct ksnoop_rec *rec);

struct pair_thread;

#define PAIR_BUCKETS 1024

struct pair_spare;

/* A kept entry a reap showed (pairer_reap_held()), by its thread and time. */
struct pair_reaped {
	__u32 tid;
	__u64 ts;
};

/* A call the stop or a reap shows: its entry (a copy the pairer owns) and how it ended. */
struct pair_ended {
	struct ksnoop_rec *e;
	enum call_end end;
};

struct pairer {
	pair_call_fn call;
	void *ctx;
	struct pair_thread *threads[PAIR_BUCKETS];
	/* Buffers of PAIR_SMALL bytes for the next small entries (pair.c). */
	struct pair_spare *spare;
	unsigned int nspare;
	size_t nthreads; /* threads known, with entries waiting or since the last reap */
	/* The calls the stop (or a reap) shows, gathered to be shown by start time. */
	struct pair_ended *ended;
	size_t nended, ended_cap;
	/* Kept entries shown by a reap, still in their slot or on their way. */
	struct pair_reaped *reaped;
	size_t nreaped, reaped_cap;
	__u64 unpaired;	   /* exit records whose entry was not waiting */
	__u64 return_lost; /* calls shown without their lost return */
	__u64 in_flight;   /* calls still running at the stop */
};

void pairer_init(struct pairer *p, pair_call_fn call, void *ctx);

/*
 * Feed the record @rec of @size bytes (a ring buffer sample): calls @p->call
 * for each call it completes. Entries are placed by time among those waiting,
 * so one that comes out of order pairs like one that came in order. Returns 0,
 * or -ENOMEM.
 */
int pairer_feed(struct pairer *p, const struct ksnoop_rec *rec, size_t size);

/*
 * At the stop, before pairer_stop(): entry @rec (@size bytes), which the BPF
 * program kept for a whole-call record that did not come
 * (tracer_held_calls()), to be shown in flight, or with its return lost if
 * its thread is @gone.
 */
void pairer_held(struct pairer *p, const struct ksnoop_rec *rec, size_t size, bool gone);

/*
 * At the stop, after the last record: show every entry still waiting, in
 * flight if its thread's depth (@depth) is above it, else with its return
 * lost, with those pairer_held() was given, all in the order their calls
 * began.
 */
void pairer_stop(struct pairer *p, pair_depth_fn depth, void *ctx);

/*
 * Every second or so, the ring buffer read to its end: forget the threads
 * with nothing waiting (a trace over many short-lived threads would keep one
 * each), and show with their return lost the waiting entries of each thread
 * that @gone found exited at the previous reap, when its oldest entry began
 * before @before_ns: it exited in those calls (do_exit(), a fatal signal), and
 * their returns will never come. A reap apart, so that every record the
 * thread sent before it exited has been read.
 */
void pairer_reap(struct pairer *p, __u64 before_ns, pair_gone_fn gone, void *ctx);

/*
 * At a reap: entry @rec (@size bytes), which the BPF program keeps for a
 * whole-call record (tracer_held_calls()). If it began before @before_ns and
 * its thread is @gone, the thread exited in the call: shown now with its
 * return lost, and remembered, so that neither the program's copy
 * (KSNOOP_R_GONE) nor the stop shows it again. One look is enough: the
 * entry is not in the ring buffer, where records could still be unread.
 */
void pairer_reap_held(struct pairer *p, const struct ksnoop_rec *rec, size_t size, __u64 before_ns,
		      pair_gone_fn gone, void *ctx);

void pairer_free(struct pairer *p);

#endif /* __KSNOOP_PAIR_H */
