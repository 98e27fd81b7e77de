/*
 * anchor client: the smallest honest epoll TCP client, the baseline that
 * `go run ./bench --anchor` measures c1m-testbed's clients against.
 *
 *   client --sources S1,S2 --servers A1 --ports P1,P2 --connections N
 *          --worker W --workers K --namespaces M
 *          [--port-low 32768 --port-high 60999] [--in-flight 2048]
 *
 * Copies are spread over M namespaces round robin (copy W in namespace
 * W mod M, as the testbed starts them); the copies of one namespace share
 * its sources, so each takes its own slice of the port range and every
 * socket gets one port of it through IP_LOCAL_PORT_RANGE (with
 * IP_BIND_ADDRESS_NO_PORT: the kernel never searches). Connects are
 * non-blocking, at most --in-flight at a time; a completed one is
 * re-armed for EPOLLRDHUP only and closed when the server closes.
 * SIGTERM ends it: the kernel closes every socket with FIN.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"

int main(int argc, char **argv)
{
	static struct client_plan p;
	if (plan_client(argc, argv, "client", &p))
		return 2;
	long conns = p.conns, worker = p.worker, inflight = p.inflight, plo = p.plo, pairs = p.pairs;
	int ns = p.ns;
	struct sockaddr_in *s = p.s, *d = p.d;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	static struct epoll_event evs[1024];
	long next = 0, pending = 0, done = 0, failed = 0;
	for (;;) {
		while (next < conns && pending < inflight) {
			long k = next++, pair = k % pairs;
			unsigned port = plo + k / pairs, range = port | port << 16, one = 1;
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				if (failed++ < 10)
					perror("client: socket");
				continue;
			}
			setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
			setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range, sizeof range);
			if (bind(fd, (struct sockaddr *)&s[pair % ns], sizeof s[0]) < 0 ||
			    (connect(fd, (struct sockaddr *)&d[pair / ns], sizeof d[0]) < 0 && errno != EINPROGRESS)) {
				if (failed++ < 10)
					fprintf(stderr, "client: connect: %s\n", strerror(errno));
				close(fd);
				continue;
			}
			struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			pending++;
		}
		int n = epoll_wait(ep, evs, 1024, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, err = 0;
			socklen_t len = sizeof err;
			if (evs[i].events & EPOLLOUT) { /* a connect completed */
				pending--;
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err) {
					if (failed++ < 10)
						fprintf(stderr, "client: connect: %s\n", strerror(err));
					close(fd);
					continue;
				}
				struct epoll_event ev = {.events = EPOLLRDHUP, .data.fd = fd};
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				if (++done == conns)
					fprintf(stderr, "client %ld: %ld connected, %ld failed\n", worker, done, failed);
				continue;
			}
			close(fd); /* the server closed or the connection failed */
		}
	}
}
