// SPDX-License-Identifier: GPL-2.0
/*
 * sleepfor MS: sleep MS milliseconds with nanosleep(). Gives a tracer a live, idle
 * process to attach around (busybox sleep takes whole seconds only on some builds).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wl.h"

int main(int argc, char **argv)
{
	struct timespec ts;
	long ms;

	if (argc != 2) {
		fprintf(stderr, "usage: sleepfor MS\n");
		return 2;
	}
	ms = wl_arg("sleepfor", argv[1], "MS", 0, LONG_MAX);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	return 0;
}
