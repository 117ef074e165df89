// SPDX-License-Identifier: GPL-2.0
/*
 * udpconn COUNT SIZE [PORT] [DELAY_US]: like udpsend, but the sending socket is
 * connect()ed to 127.0.0.1:PORT (default 9999) and uses send(). A connected socket has
 * its destination in sk->__sk_common (skc_daddr, skc_dport), which an unconnected
 * sendto() leaves zero, so tests can read the port through skb->sk. Prints nothing;
 * exits 1 on any error.
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
		fprintf(stderr, "udpconn: bad %s '%s' (want %ld..%ld)\n", what, s, min, max);
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
		fprintf(stderr, "usage: udpconn COUNT SIZE [PORT] [DELAY_US]\n");
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
	/* The receiver is bound first so the connected sender never sees ECONNREFUSED. */
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&addr, sizeof(addr)) ||
	    connect(tx, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("udpconn: socket/bind/connect");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (send(tx, buf, size, 0) != size) {
			perror("udpconn: send");
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
