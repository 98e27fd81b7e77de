/*
 * args.h: the command lines the anchor programs share, so the epoll and
 * io_uring versions of a role read them, and compute a client's ports and
 * address pairs, the same way (a sitting compares their code, not their
 * arguments). Header-only: each program is built alone with cc -O2.
 */
#ifndef ANCHOR_ARGS_H
#define ANCHOR_ARGS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXL 256

/* the client's socket options, by number where the C library predates them */
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif

/* split cuts s at commas into out, at most max pieces. */
static inline int split(char *s, char **out, int max)
{
	int n = 0;
	for (char *t = strtok(s, ","); t && n < max; t = strtok(NULL, ","))
		out[n++] = t;
	return n;
}

/* addr parses an IPv4 address or exits 2. */
static inline struct in_addr addr(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "anchor: bad address %s\n", s);
		exit(2);
	}
	return a;
}

/* server_args: --listen ADDR[,ADDR] --ports PORT[,PORT]. */
struct server_args {
	char *addrs[MAXL], *ports[MAXL];
	int na, np;
};

/* parse_server reads a server's command line into a; 2 on a bad one. */
static inline int parse_server(int argc, char **argv, const char *name, struct server_args *a)
{
	a->na = a->np = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--listen"))
			a->na = split(argv[i + 1], a->addrs, MAXL);
		else if (!strcmp(argv[i], "--ports"))
			a->np = split(argv[i + 1], a->ports, MAXL);
	}
	if (a->na == 0 || a->np == 0) {
		fprintf(stderr, "usage: %s --listen ADDR[,ADDR] --ports PORT[,PORT]\n", name);
		return 2;
	}
	return 0;
}

/* client_plan is a client copy's share of the load: its connections,
 * its slice [plo, phi) of the port range, and its (source, destination)
 * pairs. Connection k gets port plo + k / pairs, source s[k % pairs % ns]
 * and server d[k % pairs / ns]. */
struct client_plan {
	long conns, worker, inflight, plo, phi, pairs;
	int ns, nd;
	struct sockaddr_in s[MAXL], d[MAXL * MAXL];
};

/* plan_client reads a client's command line:
 *   --sources S1,S2 --servers A1 --ports P1,P2 --connections N
 *   --worker W --workers K --namespaces M
 *   [--port-low 32768 --port-high 60999] [--in-flight 2048]
 * Copies are spread over M namespaces round robin (copy W in namespace
 * W mod M, as the testbed starts them); the copies of one namespace share
 * its sources, so each takes its own slice of the port range. 2 on a bad
 * command line or a load its ports cannot hold. */
static inline int plan_client(int argc, char **argv, const char *name, struct client_plan *p)
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
	if (!ns || !nd || !np || conns <= 0 || spaces < 1 || workers < 1 || inflight < 1) {
		fprintf(stderr, "usage: %s --sources S --servers A --ports P --connections N --worker W --workers K --namespaces M\n", name);
		return 2;
	}
	long mine = worker / spaces, peers = (workers - worker % spaces + spaces - 1) / spaces;
	long span = high - low + 1;
	*p = (struct client_plan){.conns = conns, .worker = worker, .inflight = inflight, .ns = ns, .nd = nd * np,
		.plo = low + span * mine / peers, .phi = low + span * (mine + 1) / peers, .pairs = (long)ns * nd * np};
	if (conns > p->pairs * (p->phi - p->plo)) {
		fprintf(stderr, "%s: %ld connections need more than %ld pairs x %ld ports\n", name, conns, p->pairs, p->phi - p->plo);
		return 2;
	}
	for (int i = 0; i < ns; i++)
		p->s[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr = addr(src[i])};
	for (int i = 0; i < nd; i++)
		for (int j = 0; j < np; j++)
			p->d[i * np + j] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr = addr(dst[i]), .sin_port = htons(atoi(prt[j]))};
	return 0;
}

#endif
