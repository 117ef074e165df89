/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commands `ksnoop trace` (trace.c: attach, consume records, pair entries
 * with exits per thread, hand calls to the output stage) and `ksnoop info`
 * (info.c), and the options they share with select.c.
 */
#ifndef __KSNOOP_TRACE_H
#define __KSNOOP_TRACE_H

#include <stdbool.h>
#include <linux/types.h>

#include "agg.h"
#include "attach.h"
#include "hist.h"
#include "kbtf.h"
#include "parse.h"

struct trace_opts {
	struct tracer_opts t;
	bool json;
	__u64 max_events; /* -n: stop after this many calls (0: no limit) */
	double duration;  /* --duration seconds (0: no limit) */
	char **excludes;  /* -x globs */
	int nexcludes;
	__u32 string_size;
	bool info;	     /* the info command: report glob skips */
	bool quiet;	     /* -q: no attach and summary lines on stderr */
	int color;	     /* --color: -1 auto (the default), 0 never, 1 always */
	const char *output;  /* -o FILE (already standard output), NULL: standard output */
	const char *backend; /* --backend NAME, NULL for auto */
	struct agg_opts agg; /* --stats (t.agg_mode): interval, sort */
	/* --hist, --count-by */
	struct hist_opts hist;
};

/* The commands: 0 or a negative errno, reported (main.c maps it to the exit status). */
int cmd_trace(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o);
int cmd_info(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o);

#endif /* __KSNOOP_TRACE_H */
