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

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif
#define MAXL 256

static int split(char *s, char **out, int max)
{
	int n = 0;
	for (char *t = strtok(s, ","); t && n < max; t = strtok(NULL, ","))
		out[n++] = t;
	return n;
}

static struct in_addr addr(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "client: bad address %s\n", s);
		exit(2);
	}
	return a;
}

int main(int argc, char **argv)
{
	char *src[MAXL], *dst[MAXL], *prt[MAXL];
	int ns = 0, nd = 0, np = 0;
	long conns = 0, worker = 0, workers = 1, spaces = 1, low = 32768, high = 60999, inflight = 2048;
	for (int i = 1; i + 1 < argc; i += 2) {
		char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--sources")) ns = split(v, src, MAXL);
		else if (!strcmp(k, "--servers")) nd = split(v, dst, MAXL);
		else if (!strcmp(k, "--ports")) np = split(v, prt, MAXL);
		else if (!strcmp(k, "--connections")) conns = atol(v);
		else if (!strcmp(k, "--worker")) worker = atol(v);
		else if (!strcmp(k, "--workers")) workers = atol(v);
		else if (!strcmp(k, "--namespaces")) spaces = atol(v);
		else if (!strcmp(k, "--port-low")) low = atol(v);
		else if (!strcmp(k, "--port-high")) high = atol(v);
		else if (!strcmp(k, "--in-flight")) inflight = atol(v);
	}
	if (!ns || !nd || !np || conns <= 0 || spaces < 1 || workers < 1) {
		fprintf(stderr, "usage: client --sources S --servers A --ports P --connections N --worker W --workers K --namespaces M\n");
		return 2;
	}
	/* this copy's slice of the port range among the copies of its namespace */
	long mine = worker / spaces, peers = (workers - worker % spaces + spaces - 1) / spaces;
	long span = high - low + 1, plo = low + span * mine / peers, phi = low + span * (mine + 1) / peers;
	long pairs = (long)ns * nd * np;
	if (conns > pairs * (phi - plo)) {
		fprintf(stderr, "client: %ld connections need more than %ld pairs x %ld ports\n", conns, pairs, phi - plo);
		return 2;
	}
	struct sockaddr_in s[MAXL], d[MAXL * MAXL];
	for (int i = 0; i < ns; i++)
		s[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr = addr(src[i])};
	for (int i = 0; i < nd; i++)
		for (int j = 0; j < np; j++)
			d[i * np + j] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr = addr(dst[i]), .sin_port = htons(atoi(prt[j]))};
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
