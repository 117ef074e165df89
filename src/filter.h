/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filters the kernel applies before or instead of sending a call:
 * -c/--comm, --cgroup, --slower-than, --errors (string predicates are items,
 * see resolve.c). This file checks the options and sets them up in the BPF
 * object: read-only settings before load, maps after.
 */
#ifndef __KSNOOP_FILTER_H
#define __KSNOOP_FILTER_H

#include <stdbool.h>
#include <linux/types.h>

#include "ksnoop.h"

struct tracer;
struct tfunc;
struct tracer_opts;

struct filter_opts {
	const char *comms[KSNOOP_MAX_COMMS]; /* -c NAME or GLOB */
	int ncomms;
	const char *cgroup; /* --cgroup PATH */
	int cgroup_fd;	    /* its directory, opened by filter_set_cgroup() (0: none) */
	__u64 slower_than_ns;
	bool errors; /* --errors */
};

/* The option checks: each prints a one-line error naming the value; 0 or -EINVAL. */
int filter_add_comm(struct filter_opts *f, const char *name);
int filter_set_cgroup(struct filter_opts *f, const char *path);
/* "500us", "2ms", "1.5s", "100ns" into nanoseconds, for option @opt. */
int filter_parse_duration(const char *opt, const char *s, __u64 *ns);

/* Is some filter on the calling task set (-p, --tid, -c, --cgroup)? */
bool filter_task_any(const struct tracer_opts *o);
/*
 * The task filter is one -c NAME, no glob, and nothing else, read in place
 * (KSNOOP_SB_COMM1). After filter_prepare().
 */
bool filter_comm1(const struct tracer *t);
/*
 * Before the BPF object is loaded: read-only settings, the size of the
 * "patterns" map, and each string predicate's pattern index in the plans.
 */
int filter_prepare(struct tracer *t);
/*
 * The fentry backend's typed entry predicate (bpf/fentry.bpf.c): the first
 * entry predicate of every plan of @funcs, alike in all, when the verifier
 * types each of its loads (agg_typed_ok()): an integer member of 1, 2, 4 or 8
 * bytes, not a bitfield, or on a char[N] == and != with an exact string, or
 * ~ with a glob of one or of one followed by a final '*' (a prefix), whose
 * bytes to compare (the string and its NUL, a prefix alone) fit whole 8-byte
 * words in it.
 * true and @out filled if so (after filter_prepare(), which numbers the
 * patterns); else false and @out zeroed.
 */
bool filter_typed_pred(const struct tfunc *funcs, int nfuncs, struct ksnoop_typed_pred *out);
/* After the load, before attaching: the patterns and the cgroup into their maps. */
int filter_loaded(struct tracer *t);
void filter_close(struct filter_opts *f);

/* "ENOENT" for 2 (kernel-internal codes too: "ERESTARTSYS"), NULL if unknown. */
const char *errno_name(int err);

#endif /* __KSNOOP_FILTER_H */
