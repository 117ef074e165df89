/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 2: which kernel functions the SPECs select. Globs and names are looked
 * up in the kernel's BTF (modules too), -x globs left out, and each function
 * asked of the backend that will trace it (and of ftrace's list of traceable
 * functions) before it is resolved against its SPEC (resolve.c). A function
 * several SPECs select is resolved once with the items of each. What a glob
 * skips is counted by reason, and -v names each function skipped and why.
 */
#ifndef __KSNOOP_SELECT_H
#define __KSNOOP_SELECT_H

#include "backend.h"
#include "kbtf.h"
#include "parse.h"
#include "resolve.h"
#include "trace.h"

/* The functions selected, resolved, in selection order, and what globs skipped. */
struct selected {
	struct tfunc *funcs;
	int n;
	bool *items_given; /* per function: its SPEC (or one of them) named items; may be NULL */
	int untraceable;   /* functions the backend or ftrace cannot trace */
	int no_arg;	   /* functions without an argument the SPEC names */
	int other;	   /* functions the SPEC's items do not fit otherwise */
};

/* What the backend choice needs from the SPECs and the options. */
void select_want(const struct spec *specs, int nspecs, const struct trace_opts *o,
		 struct backend_want *w);

/*
 * The backend whose limits the selection applies: the one a trace would use,
 * or, on a kernel that cannot trace (or with --btf), the named or first one.
 * Found quietly: SPEC errors are reported before what the kernel lacks.
 */
const struct backend *select_backend(const struct kbtf *k, const struct backend_want *w);

/*
 * Select and resolve the functions @specs name (leaving out -x globs) for
 * backend @be (NULL, for `info`: the one select_backend() picks for them,
 * every function checked against ftrace's list here; a trace passes its
 * backend, whose attach may do that check: see ftrace_list.h) into @sel,
 * which is filled even on failure: free it with selected_free(). Errors are
 * reported; negative errno (-ENOENT, -E2BIG, -EOPNOTSUPP, -ENOMEM, ...).
 */
int select_funcs(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o,
		 const struct backend *be, struct selected *sel);
/* Free @sel, and ftrace's list if it was read (after the attach that may need it). */
void selected_free(struct selected *sel);

#endif /* __KSNOOP_SELECT_H */
