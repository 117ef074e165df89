// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "attach.h"
#include "detach.h"

/*
 * /proc/self/cmdline, what ps shows, becomes @title. As root (CAP_SYS_RESOURCE)
 * the kernel is pointed at a buffer of ours; otherwise @title overwrites the
 * argument strings in place, cut to their length. The name (comm, 15 bytes)
 * changes too, for ps -o comm and top.
 */
static void set_title(const char *title)
{
	unsigned long start = 0, end = 0;
	size_t len = strlen(title) + 1;
	char stat[1024], *p, *buf;
	ssize_t n;
	int fd, i;

	prctl(PR_SET_NAME, "ksnoop-detach", 0, 0, 0);
	/*
	 * The kernel reads cmdline from anonymous memory only (FOLL_ANON; not
	 * .data/.bss), and mappings lie below the stack where argv is: set the
	 * start first, then the end.
	 */
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf != MAP_FAILED) {
		memcpy(buf, title, len);
		if (!prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)buf, 0, 0) &&
		    !prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)buf + len, 0, 0))
			return;
		munmap(buf, len);
	}
	/* The argument area from /proc/self/stat: fields 48 and 49 (arg_start, arg_end). */
	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return;
	stat[n] = '\0';
	/* After "(comm)", which may hold spaces, field 3 starts. */
	p = strrchr(stat, ')');
	for (i = 2; p && i < 48; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lu %lu", &start, &end) != 2 || end <= start)
		return;
	len = len < end - start ? len : end - start;
	memset((char *)start, 0, end - start);
	memcpy((char *)start, title, len - 1);
}

/*
 * Pipes, sockets and terminals the child inherited beyond stdio (a shell's
 * "3>&1", a test harness's fds) would keep their readers waiting for it:
 * close them. The BPF objects' fds are anonymous inodes, none of these.
 */
static void close_inherited(int keep)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (fd <= STDERR_FILENO || fd == keep || fd == dirfd(d) || fstat(fd, &st))
			continue;
		if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode))
			close(fd);
	}
	closedir(d);
}

/* In the child: wait until the parent is gone, detach, exit. Never returns. */
static void __attribute__((noreturn)) child(struct tracer *t, int parent_fd, int nfuncs)
{
	char title[64], c;
	ssize_t n;
	int fd;

	/* A signal ends the child: the kernel then releases what it still holds. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* Out of the terminal's session, so | head and shells do not wait for it. */
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	close_inherited(parent_fd);
	snprintf(title, sizeof(title), "ksnoop: detaching %d function%s", nfuncs,
		 nfuncs == 1 ? "" : "s");
	set_title(title);
	/*
	 * KSNOOP_DETACH_STOP=1 (tests): stop here, everything still held, until
	 * SIGCONT: a test then sees the child hold its links however fast it
	 * would have removed them.
	 */
	if (tracer_env_flag(getenv("KSNOOP_DETACH_STOP")))
		raise(SIGSTOP);
	/*
	 * EOF once the parent has exited: its exit drops its references to the
	 * links, so each close here is the last one and does the unlinking, never
	 * one of the parent's (which would make it wait after all).
	 */
	do
		n = read(parent_fd, &c, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	tracer_close(t);
	_exit(0);
}

bool detach_in_background(struct tracer *t)
{
	int links = tracer_links(t), nfuncs = t->nattached, pfd[2];
	pid_t pid;

	if (links < DETACH_BG_LINKS)
		return false;
	fflush(stdout);
	fflush(stderr);
	if (pipe2(pfd, O_CLOEXEC))
		return false;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return false;
	}
	if (pid == 0) {
		close(pfd[1]);
		child(t, pfd[0], nfuncs);
	}
	/* The write end stays open until this process exits: the child's signal to go. */
	close(pfd[0]);
	return true;
}
