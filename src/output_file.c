// SPDX-License-Identifier: GPL-2.0
/*
 * Where the output goes: the file (-o) or standard output, colour on a
 * terminal, the writes and their errors. output.c renders; this file writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio_ext.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>

#include "log.h"
#include "output.h"

/*
 * A write cut short by an error (a full disk) is taken back out of a regular
 * file, so that the file holds complete records only: ksnoop's own failure
 * leaves no half line, as a crash cannot (a batch of whole records is one
 * write()).
 */
static void unwrite(int fd, size_t written)
{
	off_t end;

	if (!written)
		return;
	end = lseek(fd, 0, SEEK_CUR);
	if (end >= (off_t)written && ftruncate(fd, end - written) == 0)
		lseek(fd, end - written, SEEK_SET);
}

/*
 * Write out what @o->sb holds: the one place output reaches the file, so the
 * first write error (EPIPE: the reader went away, ENOSPC, ...) is kept in
 * @o->err and every later call returns it without writing.
 */
int output_flush(struct output *o)
{
	size_t len = o->sb.len, n, done = 0;
	const char *p = sb_str(&o->sb);
	int fd = fileno(o->f), err = 0;

	if (o->err || !len) {
		sb_reset(&o->sb);
		return o->err;
	}
	/*
	 * What @o->sb holds (one event on a terminal, a batch of whole events
	 * otherwise) goes out in one write(2) when the kernel takes it whole
	 * (always for a regular file): a crash leaves complete records. When
	 * stdio holds nothing for the stream, write(2) it directly: the same
	 * bytes in the same order, without stdio copying them into its buffer.
	 */
	if (fd >= 0 && !__fpending(o->f)) {
		while (done < len) {
			ssize_t w = write(fd, p + done, len - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				err = w < 0 ? -errno : -EIO;
				unwrite(fd, done);
				break;
			}
			done += w;
		}
	} else {
		errno = 0;
		n = fwrite(p, 1, len, o->f);
		if (n != len || fflush(o->f))
			err = errno ? -errno : -EIO;
	}
	sb_reset(&o->sb);
	o->err = err;
	return err;
}

bool output_want_color(int mode)
{
	const char *no = getenv("NO_COLOR");

	/* NO_COLOR (no-color.org): set and not empty turns auto off, not "always". */
	if (mode >= 0)
		return mode;
	return isatty(STDOUT_FILENO) && !(no && *no);
}

int output_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		pr_error_hint("check the path and the permissions of its directory",
			      "cannot open output file '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EBADF;
	}
	close(fd);
	return 0;
}

bool output_gone(struct output *o)
{
	struct pollfd pfd = {.fd = fileno(o->f)};

	/* POLLERR on the write end of a pipe whose reader closed it */
	if (o->err || pfd.fd < 0 || poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLERR))
		return o->err != 0;
	o->err = -EPIPE;
	return true;
}

int output_write_error(const char *name, int err)
{
	char buf[PATH_MAX + 32] = "standard output";
	char link[PATH_MAX];
	ssize_t n;

	if (!err || err == -EPIPE)
		return err;
	if (!name) {
		/* "standard output (/dev/full)": what the shell redirected it to */
		n = readlink("/proc/self/fd/1", link, sizeof(link) - 1);
		if (n > 0 && link[0] == '/') {
			link[n] = '\0';
			snprintf(buf, sizeof(buf), "standard output (%s)", link);
		}
		name = buf;
	}
	pr_error_hint(err == -ENOSPC || err == -EDQUOT ?
			      "free some space, or write elsewhere with -o FILE" :
			      "check the output file or device, or write elsewhere with -o FILE",
		      "cannot write to %s: %s", name, strerror(-err));
	return err;
}
