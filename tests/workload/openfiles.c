// SPDX-License-Identifier: GPL-2.0
/*
 * openfiles COUNT PATH: open (read-only) and close PATH COUNT times. Prints nothing;
 * exits 1 if an open fails. Exercises do_sys_openat2(), vfs_open() and friends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count, i;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: openfiles COUNT PATH\n");
		return 2;
	}
	errno = 0;
	count = strtol(argv[1], &end, 0);
	if (errno || end == argv[1] || *end || count < 0) {
		fprintf(stderr, "openfiles: bad COUNT '%s'\n", argv[1]);
		return 2;
	}
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
