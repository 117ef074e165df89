/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pipeline of `ksnoop trace` and `ksnoop info`: select functions for each
 * SPEC, resolve them, attach, consume records, pair entries with exits per
 * thread and hand calls to the output stage.
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

/* Exit codes, documented in man/ksnoop.8. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* runtime failure: load, attach, kernel refused */
	EXIT_USAGE = 2,	  /* bad command line or SPEC syntax */
	EXIT_RESOLVE = 3, /* SPEC does not fit the kernel: no such function, argument, member */
	EXIT_PRIV = 4,	  /* missing privilege */
	EXIT_NOSUP = 5,	  /* kernel lacks a needed feature */
};

int cmd_trace(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o);
int cmd_info(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o);

/*
 * The functions @specs select (excluding -x globs), resolved, in selection
 * order: *@funcs (free with tfuncs_free()) and *@n. Errors are reported.
 */
int select_funcs(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o,
		 struct tfunc **funcs, int *n);
void tfuncs_free(struct tfunc *funcs, int n);

/* Errno from the stages to an exit code. */
int exit_code(int err);

#endif /* __KSNOOP_TRACE_H */
