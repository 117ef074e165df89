/* SPDX-License-Identifier: GPL-2.0 */
/*
 * -s call chains: group the paired calls of the chain's functions per thread
 * and release a group when its outer (level 0) call ends, showing only the
 * calls on a complete chain: a call of level k is shown when a shown call of
 * level k+1 ran inside it, the last level always. The BPF program already
 * drops every call of level k > 0 made outside a level k-1 call; what it
 * cannot know at entry is whether a call will reach the last level, hence
 * this stage.
 *
 * A group is shown in entry order (the order the calls nest in), each call
 * with its chain level; the group id counts shown groups from 1.
 */
#ifndef __KSNOOP_CHAIN_H
#define __KSNOOP_CHAIN_H

#include <stdbool.h>
#include <linux/types.h>

#include "ksnoop.h"
#include "output.h"

/* Calls buffered per thread before a group is given up (counted in chains_dropped()). */
#define CHAIN_MAX_PENDING 4096

struct chain_call {
	int level;
	struct ksnoop_rec *entry; /* never NULL */
	struct ksnoop_rec *exit;  /* NULL for a call in flight or whose return was lost */
	enum call_end end;
	bool complete;
};

/* Show call @c of group @group; returns 0 or a negative errno that stops the group. */
typedef int (*chain_show_fn)(void *ctx, __u64 group, const struct chain_call *c);

struct chains;

/* A grouper for a chain of @nlevels functions (2..KSNOOP_MAX_CHAIN); NULL and errno on error. */
struct chains *chains_new(int nlevels, chain_show_fn show, void *ctx);
/*
 * A call of chain level @level ended: @entry (required) and @exit (NULL per
 * @end) are copied. Returns 0, -EINVAL for a bad level or no entry,
 * -ENOMEM, or what the show callback returned.
 */
int chains_add(struct chains *c, int level, const struct ksnoop_rec *entry,
	       const struct ksnoop_rec *exit, enum call_end end);
/* Calls not shown because their chain was incomplete (so far). */
__u64 chains_dropped(const struct chains *c);
/* Complete groups shown so far. */
__u64 chains_shown(const struct chains *c);
/* Free everything; calls still buffered (their level 0 call never ended) are dropped. */
void chains_free(struct chains *c);

#endif /* __KSNOOP_CHAIN_H */
