// SPDX-License-Identifier: GPL-2.0
/*
 * syscalls COUNT: call getppid() COUNT times through syscall(2), so libc cannot cache
 * or skip it. Prints nothing. A cheap, predictable load for overhead measurements.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count, i;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: syscalls COUNT\n");
		return 2;
	}
	errno = 0;
	count = strtol(argv[1], &end, 0);
	if (errno || end == argv[1] || *end || count < 0) {
		fprintf(stderr, "syscalls: bad COUNT '%s'\n", argv[1]);
		return 2;
	}
	for (i = 0; i < count; i++)
		syscall(SYS_getppid);
	return 0;
}
