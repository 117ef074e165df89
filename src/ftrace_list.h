/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace's list of traceable functions (available_filter_functions), read at
 * most once per run. Selection reads it up front where it must (globs, the
 * kprobe backend, `info`); a trace of named functions by a backend whose
 * attach refuses an unlisted function anyway reads it only when the kernel
 * refused one, to say why. Under TCG the read costs half a second or more:
 * ftrace prints each of its 40,000-odd lines through a symbol lookup.
 */
#ifndef __KSNOOP_FTRACE_LIST_H
#define __KSNOOP_FTRACE_LIST_H

#include <stdbool.h>

/* Why a function ftrace does not list cannot be traced. */
#define FTRACE_UNLISTED_WHY                                                                        \
	"not in available_filter_functions (inlined, notrace or not a real symbol)"

/* Read the list now (once). */
void ftrace_list_load(void);
/* Whether the list has been read (or its read tried). */
bool ftrace_list_loaded(void);
/*
 * Whether ftrace lists @name; reads the list first if need be. True when the
 * kernel's list cannot be read: then only the attach can tell.
 */
bool ftrace_listed(const char *name);
void ftrace_list_free(void);

/*
 * Report that @backend cannot trace @func for @why (one line and a hint);
 * returns -EOPNOTSUPP.
 */
int ftrace_report_untraceable(const char *func, const char *backend, const char *why);

#endif /* __KSNOOP_FTRACE_LIST_H */
