// SPDX-License-Identifier: GPL-2.0
/*
 * flood SECONDS [PER_SEC]: send 64-byte UDP datagrams to 127.0.0.1:9997 as fast as
 * possible for SECONDS (a receiver in the same process is drained as we go), then print
 * the number sent. With PER_SEC, at most that many a second (paced in batches of 64).
 * SECONDS 0: until SIGINT or SIGTERM, which also end a timed flood early; either way
 * the count is printed and the status is 0. Tests that need a flood while something
 * else happens use 0 and stop it after: a timed flood may end first on a busy machine.
 * Used to overrun the tracer's ring buffer and to measure tracing overhead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t stopped;

static void on_stop(int sig)
{
	(void)sig;
	stopped = 1;
}

int main(int argc, char **argv)
{
	/* No SA_RESTART: a send blocked on a full socket returns EINTR and we stop. */
	struct sigaction sa = {.sa_handler = on_stop};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	char buf[64] = {0}, rbuf[2048];
	double secs, end, start, rate = 0;
	long sent = 0;
	char *endp;
	int tx, rx;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: flood SECONDS [PER_SEC]\n");
		return 2;
	}
	if (argc == 3) {
		errno = 0;
		rate = strtod(argv[2], &endp);
		if (errno || endp == argv[2] || *endp || !(rate > 0)) {
			fprintf(stderr, "flood: bad PER_SEC '%s'\n", argv[2]);
			return 2;
		}
	}
	errno = 0;
	secs = strtod(argv[1], &endp);
	if (errno || endp == argv[1] || *endp || secs < 0) {
		fprintf(stderr, "flood: bad SECONDS '%s'\n", argv[1]);
		return 2;
	}
	addr.sin_port = htons(9997);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("flood: socket/bind");
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = now();
	end = secs > 0 ? start + secs : 0;
	do {
		/* Paced: wait until this batch is due. */
		if (rate > 0) {
			double due = start + sent / rate;

			while (now() < due && !stopped)
				usleep(1000);
		}
		/* Check the clock every 64 sends: clock_gettime is not free under TCG. */
		for (int i = 0; i < 64 && !stopped; i++) {
			if (sendto(tx, buf, sizeof(buf), 0, (struct sockaddr *)&addr,
				   sizeof(addr)) != sizeof(buf)) {
				if (errno == EINTR)
					break;
				perror("flood: sendto");
				return 1;
			}
			sent++;
			while (recv(rx, rbuf, sizeof(rbuf), 0) >= 0)
				;
		}
	} while (!stopped && (!end || now() < end));
	printf("%ld\n", sent);
	return 0;
}
