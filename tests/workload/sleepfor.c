// SPDX-License-Identifier: GPL-2.0
/*
 * sleepfor [-t] MS: sleep MS milliseconds with nanosleep(). Gives a tracer a live, idle
 * process to attach around (busybox sleep takes whole seconds only on some builds).
 * -t: print "slept NS" on stdout, the CLOCK_MONOTONIC nanoseconds around the sleep, so
 * that a test can bound a traced latency by what the sleeper saw (a loaded host makes
 * a VM's sleeps overrun by any amount: no fixed upper bound holds).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wl.h"

static long long mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	int timed = argc == 3 && !strcmp(argv[1], "-t");
	struct timespec ts;
	long long t0;
	long ms;

	if (argc != 2 && !timed) {
		fprintf(stderr, "usage: sleepfor [-t] MS\n");
		return 2;
	}
	ms = wl_arg("sleepfor", argv[argc - 1], "MS", 0, LONG_MAX);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	t0 = mono_ns();
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	if (timed)
		printf("slept %lld\n", mono_ns() - t0);
	return 0;
}
