/*
 * anchor server: the smallest honest epoll TCP server, the baseline that
 * `go run ./bench --anchor` measures c1m-testbed's server against.
 *
 *   server --listen 198.18.0.1[,...] --ports 8000,8001,...
 *
 * One SO_REUSEPORT listener per (address, port), so several copies share
 * them; an accept4 loop per readable listener; every connection is
 * registered EPOLLIN|EPOLLRDHUP, its data is read and dropped, and it is
 * closed when the peer closes or fails. No connection table: the fd is
 * the connection. SIGTERM ends it (the kernel closes what is left).
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
	static struct server_args args;
	if (parse_server(argc, argv, "server", &args))
		return 2;
	char **addrs = args.addrs, **ports = args.ports;
	int na = args.na, np = args.np;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("epoll_create1");
		return 1;
	}
	for (int a = 0; a < na; a++)
		for (int p = 0; p < np; p++) {
			struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(ports[p]))};
			if (inet_pton(AF_INET, addrs[a], &sa.sin_addr) != 1) {
				fprintf(stderr, "server: bad address %s\n", addrs[a]);
				return 2;
			}
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
			if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
			    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
			    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8192) < 0) {
				fprintf(stderr, "server: listen %s:%s: %s\n", addrs[a], ports[p], strerror(errno));
				return 1;
			}
			struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (1ULL << 32) | (unsigned)fd};
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		}
	static struct epoll_event evs[1024];
	static char buf[16384];
	long accepted = 0, errs = 0;
	for (;;) {
		int n = epoll_wait(ep, evs, 1024, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = (int)(evs[i].data.u64 & 0xffffffff);
			if (evs[i].data.u64 >> 32) { /* a listener: accept until EAGAIN */
				for (;;) {
					int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (c < 0) {
						if (errno != EAGAIN && errno != EINTR && errs++ < 10)
							fprintf(stderr, "server: accept4: %s\n", strerror(errno));
						break;
					}
					struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = (unsigned)c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
					accepted++;
				}
				continue;
			}
			if (evs[i].events & EPOLLIN) {
				ssize_t r;
				while ((r = read(fd, buf, sizeof buf)) > 0)
					;
				if (r == 0 || (r < 0 && errno != EAGAIN)) {
					close(fd); /* close removes it from epoll */
					continue;
				}
			}
			if (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				close(fd);
		}
	}
}
