// SPDX-License-Identifier: GPL-2.0
/*
 * syscalls COUNT: call getppid() COUNT times through syscall(2), so libc cannot cache
 * or skip it. Prints nothing. A cheap, predictable load for overhead measurements.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl.h"

int main(int argc, char **argv)
{
	long count, i;

	if (argc != 2) {
		fprintf(stderr, "usage: syscalls COUNT\n");
		return 2;
	}
	count = wl_arg("syscalls", argv[1], "COUNT", 0, LONG_MAX);
	for (i = 0; i < count; i++)
		syscall(SYS_getppid);
	return 0;
}
