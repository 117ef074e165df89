// SPDX-License-Identifier: GPL-2.0
/*
 * The pairer (src/pair.c) on the host: records as the BPF program sends them,
 * in the orders the VM tests provoke (nesting, recursion, lost entries and
 * returns, calls in flight at the stop, --entry, too deep, return predicates),
 * and the calls it hands on, written as one line each:
 *	"FUNC@DEPTH:TID END" with END "e+x" (paired), "e" (entry only: --entry,
 *	too deep), "x" (exit only), "in-flight" or "return-lost".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pair.h"
#include "test.h"

struct log {
	char text[4096];
	size_t len;
};

static void log_call(void *ctx, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
		     enum call_end end)
{
	const struct ksnoop_rec *rec = entry ? entry : exit;
	static const char *const ends[] = {
		[CALL_SEEN] = "seen",
		[CALL_IN_FLIGHT] = "in-flight",
		[CALL_RETURN_LOST] = "return-lost",
	};
	struct log *l = ctx;
	const char *what = end != CALL_SEEN ? ends[end] : entry && exit ? "e+x" : entry ? "e" : "x";

	/* A paired call's records: the same call, the exit after the entry. */
	if (entry && exit &&
	    (entry->func != exit->func || entry->depth != exit->depth || entry->tid != exit->tid ||
	     exit->ts < entry->ts))
		what = "MISMATCH";
	l->len += snprintf(l->text + l->len, sizeof(l->text) - l->len, "f%u@%u:%u %s\n", rec->func,
			   rec->depth, rec->tid, what);
}

static struct ksnoop_rec mk(__u16 type, __u32 func, __u16 depth, __u32 tid, __u64 ts)
{
	struct ksnoop_rec r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.func = func;
	r.depth = depth;
	r.tid = r.tgid = tid;
	r.ts = ts;
	r.size = sizeof(r);
	return r;
}

static int feed(struct pairer *p, struct ksnoop_rec r)
{
	return pairer_feed(p, &r, sizeof(r));
}

#define E(func, depth, tid, ts) feed(&p, mk(KSNOOP_REC_ENTRY, func, depth, tid, ts))
#define X(func, depth, tid, ts) feed(&p, mk(KSNOOP_REC_EXIT, func, depth, tid, ts))

static int depth_of_stop;
static int stop_depth(void *ctx, const struct ksnoop_rec *oldest)
{
	return depth_of_stop;
}

TEST(pair_simple_and_nested)
{
	struct log l = {};
	struct pairer p;

	pairer_init(&p, log_call, &l);
	E(1, 0, 100, 10);
	E(2, 1, 100, 20);
	X(2, 1, 100, 30);
	X(1, 0, 100, 40);
	pairer_stop(&p, stop_depth, NULL);
	ASSERT_STREQ(l.text, "f2@1:100 e+x\nf1@0:100 e+x\n", "calls");
	ASSERT_EQ(p.unpaired + p.return_lost + p.in_flight, 0, "nothing unpaired");
	pairer_free(&p);
}

TEST(pair_threads_interleaved)
{
	struct log l = {};
	struct pairer p;

	pairer_init(&p, log_call, &l);
	E(1, 0, 100, 10);
	E(1, 0, 200, 11);
	/* Same bucket as 100 (PAIR_BUCKETS apart): must not be confused with it. */
	E(1, 0, 100 + PAIR_BUCKETS, 12);
	X(1, 0, 200, 13);
	X(1, 0, 100, 14);
	X(1, 0, 100 + PAIR_BUCKETS, 15);
	ASSERT_STREQ(l.text, "f1@0:200 e+x\nf1@0:100 e+x\nf1@0:1124 e+x\n", "calls");
	pairer_free(&p);
}

/* Recursion: the same function nested in itself pairs by depth. */
TEST(pair_recursion)
{
	struct log l = {};
	struct pairer p;
	int d;

	pairer_init(&p, log_call, &l);
	for (d = 0; d < 3; d++)
		E(7, d, 100, 10 + d);
	for (d = 2; d >= 0; d--)
		X(7, d, 100, 20 + d);
	ASSERT_STREQ(l.text, "f7@2:100 e+x\nf7@1:100 e+x\nf7@0:100 e+x\n", "calls");
	ASSERT_EQ(p.unpaired, 0, "unpaired");
	pairer_free(&p);
}

/* An entry record lost (ring buffer full): its exit is counted, not shown. */
TEST(pair_lost_entry)
{
	struct log l = {};
	struct pairer p;

	pairer_init(&p, log_call, &l);
	E(1, 0, 100, 10);
	X(2, 1, 100, 20); /* entry of f2 lost */
	X(1, 0, 100, 30);
	X(3, 0, 100, 40); /* nothing waiting at all */
	ASSERT_STREQ(l.text, "f1@0:100 e+x\n", "calls");
	ASSERT_EQ(p.unpaired, 2, "unpaired");
	pairer_free(&p);
}

/* A return record lost: a later record at that depth or above says the call returned. */
TEST(pair_lost_return)
{
	struct log l = {};
	struct pairer p;

	pairer_init(&p, log_call, &l);
	E(1, 0, 100, 10);
	E(2, 1, 100, 20);
	E(3, 2, 100, 30);
	X(1, 0, 100, 40); /* f3's and f2's returns lost */
	E(1, 0, 100, 50);
	E(1, 0, 100, 60); /* the previous f1's return lost */
	X(1, 0, 100, 70);
	ASSERT_STREQ(l.text,
		     "f3@2:100 return-lost\nf2@1:100 return-lost\nf1@0:100 e+x\n"
		     "f1@0:100 return-lost\nf1@0:100 e+x\n",
		     "calls");
	ASSERT_EQ(p.return_lost, 3, "return lost");
	ASSERT_EQ(p.unpaired, 0, "unpaired");
	pairer_free(&p);
}

/* A return predicate failed: the kernel says drop the call. */
TEST(pair_drop)
{
	struct ksnoop_rec x;
	struct log l = {};
	struct pairer p;

	pairer_init(&p, log_call, &l);
	E(1, 0, 100, 10);
	x = mk(KSNOOP_REC_EXIT, 1, 0, 100, 20);
	x.flags = KSNOOP_R_DROP;
	pairer_feed(&p, &x, sizeof(x));
	E(1, 0, 100, 30);
	X(1, 0, 100, 40);
	ASSERT_STREQ(l.text, "f1@0:100 e+x\n", "calls");
	ASSERT_EQ(p.unpaired + p.return_lost, 0, "nothing unpaired or lost");
	pairer_free(&p);
}

/* --entry and entries nested too deep: no return follows, shown at once. */
TEST(pair_noexit_and_deep)
{
	struct ksnoop_rec e;
	struct log l = {};
	struct pairer p;
	int d;

	pairer_init(&p, log_call, &l);
	e = mk(KSNOOP_REC_ENTRY, 1, 0, 100, 10);
	e.flags = KSNOOP_R_NOEXIT;
	pairer_feed(&p, &e, sizeof(e));
	ASSERT_STREQ(l.text, "f1@0:100 e\n", "--entry");

	l.len = 0;
	l.text[0] = '\0';
	for (d = 0; d < KSNOOP_MAX_DEPTH; d++)
		E(2, d, 200, 100 + d);
	e = mk(KSNOOP_REC_ENTRY, 3, KSNOOP_MAX_DEPTH, 200, 500);
	e.flags = KSNOOP_R_NOEXIT | KSNOOP_R_DEEP;
	pairer_feed(&p, &e, sizeof(e));
	ASSERT_STREQ(l.text, "f3@64:200 e\n", "too deep");
	for (d = KSNOOP_MAX_DEPTH - 1; d >= 0; d--)
		X(2, d, 200, 1000 + d);
	ASSERT_EQ(p.unpaired + p.return_lost, 0, "all 64 depths paired");
	ASSERT_TRUE(strstr(l.text, "f2@63:200 e+x\n") && strstr(l.text, "f2@0:200 e+x\n"),
		    "deepest and outermost paired");
	pairer_free(&p);
}

/*
 * At the stop: the thread's depth in the kernel says in flight (still above
 * the entry) or return lost (at or below it); a gone thread is depth 0.
 */
TEST(pair_stop_in_flight)
{
	static const struct {
		int depth;
		const char *want;
	} cases[] = {
		{-1, "f1@0:100 in-flight\nf2@1:100 in-flight\n"},
		{2, "f1@0:100 in-flight\nf2@1:100 in-flight\n"},
		{1, "f1@0:100 in-flight\nf2@1:100 return-lost\n"},
		{0, "f1@0:100 return-lost\nf2@1:100 return-lost\n"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct log l = {};
		struct pairer p;

		pairer_init(&p, log_call, &l);
		E(1, 0, 100, 10);
		E(2, 1, 100, 20);
		depth_of_stop = cases[i].depth;
		pairer_stop(&p, stop_depth, NULL);
		ASSERT_STREQ(l.text, cases[i].want, "stop");
		ASSERT_EQ(p.in_flight + p.return_lost, 2, "both counted");
		pairer_free(&p);
	}
}

/* Short or inconsistent samples are ignored, never read past. */
TEST(pair_bad_size)
{
	struct ksnoop_rec e = mk(KSNOOP_REC_ENTRY, 1, 0, 100, 10);
	struct log l = {};
	struct pairer p;

	pairer_init(&p, log_call, &l);
	ASSERT_OK(pairer_feed(&p, &e, sizeof(e) - 1), "short sample");
	e.size = sizeof(e) + 8;
	ASSERT_OK(pairer_feed(&p, &e, sizeof(e)), "record longer than the sample");
	e.flags = KSNOOP_R_NOEXIT;
	ASSERT_OK(pairer_feed(&p, &e, sizeof(e)), "record longer than the sample (--entry)");
	depth_of_stop = -1;
	pairer_stop(&p, stop_depth, NULL);
	ASSERT_STREQ(l.text, "", "nothing shown");
	pairer_free(&p);
}

/*
 * Waiting entries live in buffers the pairer reuses (small ones) or frees
 * (large ones, and spares beyond its cap): each call must still get its own
 * entry's bytes, over rounds where freed buffers come back.
 */
struct payload_check {
	unsigned int calls, bad;
};

static void check_payload(void *ctx, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
			  enum call_end end)
{
	struct payload_check *c = ctx;
	const __u8 *d = (const __u8 *)entry + sizeof(*entry);
	__u32 i, n = entry->size - sizeof(*entry);

	c->calls++;
	if (!exit || end != CALL_SEEN || exit->tid != entry->tid)
		c->bad++;
	for (i = 0; i < n; i++)
		if (d[i] != (__u8)(entry->tid + i)) {
			c->bad++;
			break;
		}
}

TEST(pair_buffers_reused)
{
	static __u8 buf[sizeof(struct ksnoop_rec) + 2048] __attribute__((aligned(8)));
	struct ksnoop_rec *r = (struct ksnoop_rec *)buf;
	struct payload_check c = {};
	struct pairer p;
	__u32 tid, i, n, round;

	pairer_init(&p, check_payload, &c);
	for (round = 0; round < 3; round++) {
		/* 200 threads in a call each: more than the pairer keeps spare. */
		for (tid = 1; tid <= 200; tid++) {
			*r = mk(KSNOOP_REC_ENTRY, 1, 0, tid, round * 1000 + tid);
			/* every 7th entry is large (whole structs), the others small */
			n = tid % 7 ? 8 * (tid % 40) : 2048;
			r->size += n;
			for (i = 0; i < n; i++)
				buf[sizeof(*r) + i] = (__u8)(tid + i);
			ASSERT_EQ(pairer_feed(&p, r, r->size), 0, "entry fed");
		}
		for (tid = 200; tid >= 1; tid--)
			ASSERT_EQ(X(1, 0, tid, round * 1000 + 500 + tid), 0, "exit fed");
	}
	ASSERT_EQ(c.calls, 600, "every call shown");
	ASSERT_EQ(c.bad, 0, "each with its own entry's bytes");
	ASSERT_EQ(p.unpaired + p.return_lost + p.in_flight, 0, "nothing unpaired");
	pairer_free(&p);
}

/*
 * A whole call in one sample (KSNOOP_R_CALL, the fentry stub's one record per
 * call): shown at once, with nothing left waiting, between calls paired the
 * two-record way on the same thread (a call whose frame slot was taken);
 * a sample whose exit part is short, misaligned or no exit is not shown.
 */
TEST(pair_whole_call)
{
	struct {
		struct ksnoop_rec e;
		__u8 val[24];
		struct ksnoop_rec x;
	} __attribute__((aligned(8))) s;
	struct log l = {};
	struct pairer p;

	memset(&s, 0, sizeof(s));
	s.e = mk(KSNOOP_REC_ENTRY, 3, 0, 100, 15);
	s.e.flags = KSNOOP_R_CALL;
	s.e.size = sizeof(s.e) + sizeof(s.val);
	s.x = mk(KSNOOP_REC_EXIT, 3, 0, 100, 16);
	pairer_init(&p, log_call, &l);
	E(1, 0, 100, 10);
	ASSERT_OK(pairer_feed(&p, &s.e, sizeof(s)), "whole call");
	X(1, 0, 100, 20);
	ASSERT_STREQ(l.text, "f3@0:100 e+x\nf1@0:100 e+x\n", "calls");
	ASSERT_EQ(p.unpaired + p.return_lost + p.in_flight, 0, "nothing unpaired");

	l.len = 0;
	l.text[0] = 0;
	ASSERT_OK(pairer_feed(&p, &s.e, sizeof(s) - 1), "exit cut short");
	s.x.type = KSNOOP_REC_ENTRY;
	ASSERT_OK(pairer_feed(&p, &s.e, sizeof(s)), "no exit after the entry");
	s.x.type = KSNOOP_REC_EXIT;
	s.e.size -= 4;
	ASSERT_OK(pairer_feed(&p, &s.e, sizeof(s)), "exit not 8-aligned");
	depth_of_stop = -1;
	pairer_stop(&p, stop_depth, NULL);
	ASSERT_STREQ(l.text, "", "bad whole calls not shown, nothing waiting");
	ASSERT_EQ(p.unpaired + p.return_lost + p.in_flight, 0, "nor counted as calls");
	pairer_free(&p);
}

/*
 * Entries the BPF program kept at the stop: in flight, or return lost if the
 * thread is gone, shown with the entries waiting in the pairer, all by start
 * time (the slots are by frame address, the waiting ones by thread).
 */
TEST(pair_held)
{
	struct ksnoop_rec e = mk(KSNOOP_REC_ENTRY, 4, 0, 100, 30);
	struct log l = {};
	struct pairer p;

	e.flags = KSNOOP_R_CALL;
	pairer_init(&p, log_call, &l);
	E(1, 0, 200, 20);
	E(2, 1, 200, 40);
	E(3, 0, 300, 10);
	pairer_held(&p, &e, sizeof(e), false);
	e.ts = 5;
	e.tid = 400;
	pairer_held(&p, &e, sizeof(e), true);
	ASSERT_STREQ(l.text, "", "nothing shown before the stop");
	e.size = 8;
	pairer_held(&p, &e, sizeof(e), false);
	e = mk(KSNOOP_REC_EXIT, 4, 0, 100, 10);
	pairer_held(&p, &e, sizeof(e), false);
	depth_of_stop = -1;
	pairer_stop(&p, stop_depth, NULL);
	ASSERT_STREQ(l.text,
		     "f4@0:400 return-lost\nf3@0:300 in-flight\nf1@0:200 in-flight\n"
		     "f4@0:100 in-flight\nf2@1:200 in-flight\n",
		     "held and waiting entries by time; a bad slot not shown");
	ASSERT_EQ(p.in_flight, 4, "in flight counted");
	ASSERT_EQ(p.return_lost, 1, "return lost counted");
	/* kept but never stopped: freed */
	e = mk(KSNOOP_REC_ENTRY, 4, 0, 100, 60);
	pairer_held(&p, &e, sizeof(e), false);
	E(1, 0, 200, 50);
	pairer_free(&p);
}

static bool gone_tid(void *ctx, const struct ksnoop_rec *rec)
{
	return rec->tid == 100 || rec->tid == 300 || rec->tid == 400 || rec->tid == 500;
}

/*
 * Reaps while tracing: threads with nothing waiting are forgotten; the
 * entries of a thread found exited at one reap are shown with their return
 * lost at the next, by start time, unless an entry of the thread id came in
 * between (reused) or they are too young to be checked.
 */
TEST(pair_reap)
{
	struct log l = {};
	struct pairer p;

	pairer_init(&p, log_call, &l);
	E(1, 0, 100, 10);
	E(2, 1, 100, 20);
	E(1, 0, 200, 15);
	E(1, 0, 300, 11);
	X(1, 0, 300, 12);
	E(1, 0, 400, 2000);
	E(1, 0, 500, 30);
	ASSERT_EQ(p.nthreads, 5, "threads known");
	pairer_reap(&p, 1000, gone_tid, NULL);
	ASSERT_STREQ(l.text, "f1@0:300 e+x\n", "nothing reaped at the first look");
	ASSERT_EQ(p.nthreads, 4, "the thread with nothing waiting forgotten");
	E(2, 1, 500, 40);
	l.len = 0;
	l.text[0] = 0;
	pairer_reap(&p, 1000, gone_tid, NULL);
	ASSERT_STREQ(l.text, "f1@0:100 return-lost\nf2@1:100 return-lost\n",
		     "the exited thread's calls, oldest first");
	ASSERT_EQ(p.return_lost, 2, "return lost counted");
	ASSERT_EQ(p.nthreads, 3, "the exited thread forgotten");
	l.len = 0;
	l.text[0] = 0;
	pairer_reap(&p, 3000, gone_tid, NULL);
	ASSERT_STREQ(l.text, "f1@0:500 return-lost\nf2@1:500 return-lost\n",
		     "a reused thread id looked at again");
	pairer_reap(&p, 3000, gone_tid, NULL);
	ASSERT_EQ(p.return_lost, 5, "the young entry once old enough");
	ASSERT_EQ(p.nthreads, 1, "the live thread kept");
	ASSERT_EQ(p.in_flight + p.unpaired, 0, "nothing else");
	pairer_free(&p);
	ASSERT_EQ(p.nthreads, 0, "all freed");
}

/*
 * Kept entries looked at by a reap: shown once when their thread is gone and
 * they are old enough; the program's copy (KSNOOP_R_GONE) and the stop do
 * not show them again.
 */
TEST(pair_reap_held)
{
	struct ksnoop_rec e = mk(KSNOOP_REC_ENTRY, 4, 0, 100, 10);
	struct log l = {};
	struct pairer p;

	e.flags = KSNOOP_R_CALL;
	pairer_init(&p, log_call, &l);
	pairer_reap_held(&p, &e, sizeof(e), 1000, gone_tid, NULL);
	pairer_reap_held(&p, &e, sizeof(e), 1000, gone_tid, NULL);
	ASSERT_STREQ(l.text, "f4@0:100 return-lost\n", "shown once");
	e.tid = 200;
	pairer_reap_held(&p, &e, sizeof(e), 1000, gone_tid, NULL);
	e.tid = 300;
	e.ts = 2000;
	pairer_reap_held(&p, &e, sizeof(e), 1000, gone_tid, NULL);
	ASSERT_STREQ(l.text, "f4@0:100 return-lost\n", "a live thread's, a young one: not shown");
	pairer_held(&p, &e, sizeof(e), true);
	e.ts = 10;
	e.tid = 100;
	pairer_held(&p, &e, sizeof(e), true);
	depth_of_stop = -1;
	pairer_stop(&p, stop_depth, NULL);
	ASSERT_STREQ(l.text, "f4@0:100 return-lost\nf4@0:300 return-lost\n",
		     "at the stop: the one shown is not shown again");
	e.flags = KSNOOP_R_GONE;
	ASSERT_OK(pairer_feed(&p, &e, sizeof(e)), "the program's copy fed");
	ASSERT_EQ(p.return_lost, 2, "nor its copy");
	ASSERT_OK(pairer_feed(&p, &e, sizeof(e)), "another copy fed");
	ASSERT_EQ(p.return_lost, 3, "which is another call's");
	pairer_free(&p);
}

/*
 * A kept entry sent alone because its thread exited in the call
 * (KSNOOP_R_GONE): shown at once with its return lost, nothing left waiting,
 * the thread's two-record calls paired around it.
 */
TEST(pair_gone)
{
	struct ksnoop_rec e = mk(KSNOOP_REC_ENTRY, 5, 0, 100, 10);
	struct log l = {};
	struct pairer p;

	e.flags = KSNOOP_R_GONE;
	pairer_init(&p, log_call, &l);
	E(1, 0, 100, 5);
	ASSERT_OK(pairer_feed(&p, &e, sizeof(e)), "gone fed");
	X(1, 0, 100, 20);
	ASSERT_STREQ(l.text, "f5@0:100 return-lost\nf1@0:100 e+x\n", "calls");
	ASSERT_EQ(p.return_lost, 1, "return lost counted");
	ASSERT_EQ(p.unpaired + p.in_flight, 0, "nothing unpaired");
	e.size = 8;
	ASSERT_OK(pairer_feed(&p, &e, sizeof(e)), "short gone fed");
	ASSERT_EQ(p.return_lost, 1, "a bad record is not shown");
	pairer_free(&p);
}
