// SPDX-License-Identifier: GPL-2.0
/*
 * openfiles COUNT PATH: open (read-only) and close PATH COUNT times. Prints nothing;
 * exits 1 if an open fails. Exercises do_sys_openat2(), vfs_open() and friends.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wl.h"

int main(int argc, char **argv)
{
	long count, i;

	if (argc != 3) {
		fprintf(stderr, "usage: openfiles COUNT PATH\n");
		return 2;
	}
	count = wl_arg("openfiles", argv[1], "COUNT", 0, LONG_MAX);
	for (i = 0; i < count; i++) {
		int fd = open(argv[2], O_RDONLY);

		if (fd < 0) {
			fprintf(stderr, "openfiles: %s: %m\n", argv[2]);
			return 1;
		}
		close(fd);
	}
	return 0;
}
