/* SPDX-License-Identifier: GPL-2.0 */
/* Messages for the user: errors (text or JSON), warnings, verbose output, timings. */
#ifndef __KSNOOP_LOG_H
#define __KSNOOP_LOG_H

#include <stdbool.h>

#include "compiler.h"

/* Verbosity: 0 normal, 1 -v, 2 -vv, 3 -d (libbpf debug and verifier logs). */
extern int verbosity;
extern bool json_errors;

/*
 * One-line error for the user, "ksnoop: <msg>", with an optional hint line
 * ("  hint: ..."). In JSON mode (json_errors) one line on stderr,
 * {"type":"error","error":MSG,"hint":HINT,"exit":STATUS}, written by
 * pr_errors_flush(STATUS) when the exit status is known: call it before exit.
 */
void pr_error_hint(const char *hint, const char *fmt, ...) __printf(2, 3);
/* The same for an error at byte @pos of @input (JSON adds "spec" and "position"). */
void pr_error_at(const char *input, int pos, const char *hint, const char *fmt, ...) __printf(4, 5);
void pr_errors_flush(int status);
#define pr_error(...) pr_error_hint(NULL, __VA_ARGS__)
void pr_warn(const char *fmt, ...) __printf(1, 2);
void pr_info(int level, const char *fmt, ...) __printf(2, 3);

/*
 * KSNOOP_TIMINGS=1 (developers, tests/bench): where start-up time goes. Each
 * call prints "ksnoop: timing: PHASE S s" on stderr, S the seconds since the
 * previous mark (the first: since exec, 10 ms ticks). Nothing without it.
 */
void timing_mark(const char *phase);

#endif /* __KSNOOP_LOG_H */
