/* SPDX-License-Identifier: GPL-2.0 */
/* What the workload programs share: argument parsing that names the program. */
#ifndef WL_H
#define WL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* @s as a number in [min, max], or exit 2 with a message naming @prog and @what. */
static inline long wl_arg(const char *prog, const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (want %ld..%ld)\n", prog, what, s, min, max);
		exit(2);
	}
	return v;
}

#endif
