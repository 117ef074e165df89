// SPDX-License-Identifier: GPL-2.0
/*
 * sleepfor MS: sleep MS milliseconds with nanosleep(). Gives a tracer a live, idle
 * process to attach around (busybox sleep takes whole seconds only on some builds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	char *end;
	long ms;

	if (argc != 2) {
		fprintf(stderr, "usage: sleepfor MS\n");
		return 2;
	}
	errno = 0;
	ms = strtol(argv[1], &end, 0);
	if (errno || end == argv[1] || *end || ms < 0) {
		fprintf(stderr, "sleepfor: bad MS '%s'\n", argv[1]);
		return 2;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	return 0;
}
