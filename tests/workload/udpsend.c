// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend COUNT SIZE [PORT] [DELAY_US]: send COUNT UDP datagrams of SIZE bytes to
 * 127.0.0.1:PORT (default 9999), sleeping DELAY_US between them. A receiving socket is
 * bound in the same process so sends never fail with ECONNREFUSED; it is drained as we
 * go so the receive queue never fills. Prints nothing; exits 1 on any error.
 * Each datagram passes ip_send_skb(), udp_sendmsg() and friends once.
 *
 * Built with UDP_CONNECTED (udpconn.c) the sending socket is connect()ed and uses
 * send(): a connected socket has its destination in sk->__sk_common (skc_daddr,
 * skc_dport), which an unconnected sendto() leaves zero, so tests can read the port
 * through skb->sk.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wl.h"

#ifdef UDP_CONNECTED
#define PROG "udpconn"
#else
#define PROG "udpsend"
#endif

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	long count, size, port = 9999, delay = 0, i;
	static char buf[65507], rbuf[65536];
	int tx, rx;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: " PROG " COUNT SIZE [PORT] [DELAY_US]\n");
		return 2;
	}
	count = wl_arg(PROG, argv[1], "COUNT", 0, 1L << 40);
	size = wl_arg(PROG, argv[2], "SIZE", 0, sizeof(buf));
	if (argc > 3)
		port = wl_arg(PROG, argv[3], "PORT", 1, 65535);
	if (argc > 4)
		delay = wl_arg(PROG, argv[4], "DELAY_US", 0, 100000000);
	memset(buf, 'k', size);

	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	/* The receiver is bound first so a connected sender never sees ECONNREFUSED. */
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&addr, sizeof(addr))) {
		perror(PROG ": socket/bind");
		return 1;
	}
#ifdef UDP_CONNECTED
	if (connect(tx, (struct sockaddr *)&addr, sizeof(addr))) {
		perror(PROG ": connect");
		return 1;
	}
#endif
	for (i = 0; i < count; i++) {
#ifdef UDP_CONNECTED
		if (send(tx, buf, size, 0) != size) {
#else
		if (sendto(tx, buf, size, 0, (struct sockaddr *)&addr, sizeof(addr)) != size) {
#endif
			perror(PROG ": send");
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
