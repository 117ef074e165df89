// SPDX-License-Identifier: GPL-2.0
/*
 * The -s grouper (src/chain.c): calls are fed as they end (innermost first),
 * a group is released when its level 0 call ends, and only the calls on a
 * complete chain are shown, in entry order. Records are bare headers: the
 * grouper looks at tid, ts and depth only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "test.h"

struct seen {
	int n;
	__u64 group[32];
	int level[32];
	__u64 ts[32];
};

static int record(void *ctx, __u64 group, const struct chain_call *c)
{
	struct seen *s = ctx;

	if (s->n < 32) {
		s->group[s->n] = group;
		s->level[s->n] = c->level;
		s->ts[s->n] = c->entry->ts;
		s->n++;
	}
	return 0;
}

/* A call of @level on thread @tid entered at @ts, at @depth, returned at @end_ts. */
static int add(struct chains *c, int level, __u32 tid, __u64 ts, int depth, __u64 end_ts)
{
	struct ksnoop_rec entry = {.type = KSNOOP_REC_ENTRY, .size = sizeof(entry)};
	struct ksnoop_rec exit = {.type = KSNOOP_REC_EXIT, .size = sizeof(exit)};

	entry.tid = exit.tid = tid;
	entry.depth = exit.depth = depth;
	entry.ts = ts;
	exit.ts = end_ts;
	return chains_add(c, level, &entry, &exit, CALL_SEEN);
}

TEST(chain_two_levels)
{
	struct seen s = {};
	struct chains *c = chains_new(2, record, &s);

	if (!ASSERT_TRUE(c != NULL, "chains_new"))
		return;
	/* udp_sendmsg (level 0) at depth 0 calls ip_send_skb (level 1) at depth 1, twice. */
	ASSERT_OK(add(c, 1, 7, 110, 1, 120), "inner 1");
	ASSERT_EQ(s.n, 0, "nothing before the outer call ends");
	ASSERT_OK(add(c, 0, 7, 100, 0, 130), "outer 1");
	ASSERT_OK(add(c, 1, 7, 210, 1, 220), "inner 2");
	ASSERT_OK(add(c, 0, 7, 200, 0, 230), "outer 2");
	ASSERT_EQ(s.n, 4, "calls shown");
	ASSERT_EQ(s.group[0], 1, "group");
	ASSERT_EQ(s.level[0], 0, "the outer call first");
	ASSERT_EQ(s.ts[0], 100, "its entry");
	ASSERT_EQ(s.level[1], 1, "then the inner");
	ASSERT_EQ(s.group[1], 1, "in the same group");
	ASSERT_EQ(s.group[2], 2, "the second group");
	ASSERT_EQ(s.ts[3], 210, "its inner call");
	ASSERT_EQ(chains_shown(c), 2, "groups");
	ASSERT_EQ(chains_dropped(c), 0, "dropped");
	chains_free(c);
}

TEST(chain_incomplete_dropped)
{
	struct seen s = {};
	struct chains *c = chains_new(3, record, &s);

	if (!ASSERT_TRUE(c != NULL, "chains_new"))
		return;
	/* A, then B inside it, but no C inside B: nothing shown. */
	ASSERT_OK(add(c, 1, 7, 110, 1, 120), "B");
	ASSERT_OK(add(c, 0, 7, 100, 0, 130), "A");
	ASSERT_EQ(s.n, 0, "an incomplete chain is not shown");
	ASSERT_EQ(chains_dropped(c), 2, "its calls are counted");
	/*
	 * A with two B's: the first without C, the second with C. Only the
	 * second B is on the chain.
	 */
	ASSERT_OK(add(c, 1, 7, 210, 1, 220), "B without C");
	ASSERT_OK(add(c, 2, 7, 240, 2, 245), "C");
	ASSERT_OK(add(c, 1, 7, 230, 1, 250), "B with C");
	ASSERT_OK(add(c, 0, 7, 200, 0, 260), "A");
	ASSERT_EQ(s.n, 3, "A, B, C shown");
	ASSERT_EQ(s.ts[0], 200, "A");
	ASSERT_EQ(s.ts[1], 230, "the B with C");
	ASSERT_EQ(s.ts[2], 240, "C");
	ASSERT_EQ(s.level[2], 2, "C's level");
	ASSERT_EQ(chains_dropped(c), 3, "the B without C counted too");
	chains_free(c);
}

TEST(chain_threads_apart)
{
	struct seen s = {};
	struct chains *c = chains_new(2, record, &s);

	if (!ASSERT_TRUE(c != NULL, "chains_new"))
		return;
	/* A level 1 call on another thread is not part of thread 7's chain. */
	ASSERT_OK(add(c, 1, 8, 110, 1, 120), "B on thread 8");
	ASSERT_OK(add(c, 0, 7, 100, 0, 130), "A on thread 7");
	ASSERT_EQ(s.n, 0, "no chain across threads");
	/* A level 1 call at the same depth as the level 0 call is not inside it. */
	ASSERT_OK(add(c, 1, 9, 150, 0, 160), "B beside A");
	ASSERT_OK(add(c, 0, 9, 170, 0, 180), "A after it");
	ASSERT_EQ(s.n, 0, "a sibling is not a callee");
	chains_free(c);
}

TEST(chain_bad_input)
{
	struct seen s = {};
	struct chains *c;

	ASSERT_TRUE(chains_new(1, record, &s) == NULL, "one level");
	ASSERT_TRUE(chains_new(KSNOOP_MAX_CHAIN + 1, record, &s) == NULL, "too many levels");
	c = chains_new(2, record, &s);
	if (!ASSERT_TRUE(c != NULL, "chains_new"))
		return;
	ASSERT_EQ(add(c, 2, 7, 1, 0, 2), -EINVAL, "a level beyond the chain");
	ASSERT_EQ(chains_add(c, 0, NULL, NULL, CALL_SEEN), -EINVAL, "no entry");
	chains_free(c);
}
