// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconn COUNT [PORT]: COUNT loopback TCP cycles of connect, send 100 bytes, close,
 * against a listener in the same process (default port 9998). Prints nothing; exits 1
 * on any error. Exercises tcp_v4_connect(), tcp_sendmsg(), tcp_close() and friends.
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

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	char buf[100], rbuf[256];
	long count, port = 9998, i;
	int one = 1, lfd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: tcpconn COUNT [PORT]\n");
		return 2;
	}
	count = wl_arg("tcpconn", argv[1], "COUNT", 0, 1L << 40);
	if (argc > 2)
		port = wl_arg("tcpconn", argv[2], "PORT", 1, 65535);
	memset(buf, 't', sizeof(buf));

	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 16)) {
		perror("tcpconn: listen");
		return 1;
	}
	for (i = 0; i < count; i++) {
		int cfd, afd;
		ssize_t n;

		/* Loopback connect completes via the backlog, so no second thread is needed. */
		cfd = socket(AF_INET, SOCK_STREAM, 0);
		if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof(addr))) {
			perror("tcpconn: connect");
			return 1;
		}
		afd = accept(lfd, NULL, NULL);
		if (afd < 0) {
			perror("tcpconn: accept");
			return 1;
		}
		if (send(cfd, buf, sizeof(buf), 0) != sizeof(buf)) {
			perror("tcpconn: send");
			return 1;
		}
		for (n = 0; n < (ssize_t)sizeof(buf);) {
			ssize_t r = recv(afd, rbuf, sizeof(rbuf), 0);

			if (r <= 0) {
				perror("tcpconn: recv");
				return 1;
			}
			n += r;
		}
		close(cfd);
		close(afd);
	}
	close(lfd);
	return 0;
}
