// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend COUNT SIZE [PORT] [DELAY_US]: send COUNT UDP datagrams of SIZE bytes to
 * 127.0.0.1:PORT (default 9999), sleeping DELAY_US between them. A receiving socket is
 * bound in the same process so sends never fail with ECONNREFUSED; it is drained as we
 * go so the receive queue never fills. Prints nothing; exits 1 on any error.
 * Each datagram passes ip_send_skb(), udp_sendmsg() and friends once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long arg(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "udpsend: bad %s '%s' (want %ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	long count, size, port = 9999, delay = 0, i;
	static char buf[65507], rbuf[65536];
	int tx, rx;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: udpsend COUNT SIZE [PORT] [DELAY_US]\n");
		return 2;
	}
	count = arg(argv[1], "COUNT", 0, 1L << 40);
	size = arg(argv[2], "SIZE", 0, sizeof(buf));
	if (argc > 3)
		port = arg(argv[3], "PORT", 1, 65535);
	if (argc > 4)
		delay = arg(argv[4], "DELAY_US", 0, 100000000);
	memset(buf, 'k', size);

	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("udpsend: socket/bind");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (sendto(tx, buf, size, 0, (struct sockaddr *)&addr, sizeof(addr)) != size) {
			perror("udpsend: sendto");
			return 1;
		}
		/* Drain so a long run never fills the receive queue (drops are harmless). */
		while (recv(rx, rbuf, sizeof(rbuf), 0) >= 0)
			;
		if (delay)
			usleep(delay);
	}
	close(tx);
	close(rx);
	return 0;
}
