/*
 * anchor io_uring client: client.c's behaviour with io_uring in place of
 * epoll, so a sitting can measure whether an io_uring engine beats epoll
 * per connection (kernel crossings and CPU). Raw system calls, no liburing
 * (uring.h).
 *
 *   client_uring --sources S1,S2 --servers A1 --ports P1,P2 --connections N
 *                --worker W --workers K --namespaces M
 *                [--port-low 32768 --port-high 60999] [--in-flight 2048]
 *
 * The same command line, port slices and address pairs as client.c: copy
 * W takes its slice of the port range among the copies of its namespace,
 * connection k gets port plo + k / pairs (IP_LOCAL_PORT_RANGE of one port,
 * with IP_BIND_ADDRESS_NO_PORT), source k % pairs % sources, server
 * k % pairs / sources; at most --in-flight connects in progress.
 *
 * Connection k lives in direct descriptor k of a sparse table registered
 * at start (as many slots as this copy's connections; the table is capped
 * by RLIMIT_NOFILE, whose soft limit is raised to the hard one first) and
 * never takes a file descriptor. It is one linked chain of 7 SQEs:
 *   SOCKET into slot k                                 -link->
 *   URING_CMD SETSOCKOPT IP_BIND_ADDRESS_NO_PORT       -hardlink->
 *   URING_CMD SETSOCKOPT IP_LOCAL_PORT_RANGE           -hardlink->
 *   BIND to the source                                 -link->
 *   CONNECT to the server                              -hardlink->
 *   POLL_ADD POLLRDHUP (one-shot)                      -link->
 *   CLOSE slot k
 * All but CONNECT carry CQE_SKIP_SUCCESS, so a connection's only
 * completion is its connect's; the poll fires when the server closes and
 * the close follows inside the kernel, with no step in user space. As in
 * client.c, setsockopt failures are ignored (hard links go on); a failed
 * socket or bind ends the chain (its own completion; the kernel cancels
 * the rest without any) and counts as a failed connect; a failed connect
 * goes on to its poll, which fires at once (HUP), and its close. The
 * close is soft-linked so that a cancelled poll (SIGTERM, below) takes
 * its close with it.
 *
 * Many chains go in each io_uring_enter, which submits them all and waits
 * for at least one completion; the loop makes no other system call. Kernel
 * crossings per connection = io_uring_enter calls / connections. Up to
 * 2048 / 7 = 292 chains fit one submission, but a wait for one completion
 * returns once the kernel has run about 20 items of its deferred work
 * (some 6 per chain): on a 20,000-connection run (4 copies, 2 CPUs) the
 * ramp took 0.04 enters per connection, about 26 connects per enter, and
 * SIGTERM a handful per copy. client.c makes 8 system calls per
 * connection (socket, setsockopt x2, bind, connect, epoll_ctl x2,
 * getsockopt) plus its share of epoll_wait, and closes in its exit.
 *
 * Fallback: when the kernel lacks IORING_OP_SOCKET, IORING_OP_BIND (6.11)
 * or the setsockopt command (6.7), when the table cannot be registered, or
 * with ANCHOR_URING_PLAIN=1 in the environment, socket, setsockopt and
 * bind are plain system calls (4 per connection) and the chain is
 * CONNECT -hardlink-> POLL_ADD -link-> CLOSE on the file descriptor.
 * io_uring_setup refused (kernel.io_uring_disabled): a message, exit 2.
 *
 * SIGTERM ends it as it ends client.c: every socket closed with FIN by
 * this process before it dies (uring.h's ring_finish: cancel every
 * connection's poll, its close with it, and reap them; then unregister
 * the table, which releases every socket at once; die of SIGTERM). Left
 * to the kernel, io_uring closes them only after the process is gone, in
 * a kernel worker, and the testbed's close phase, which waits for the
 * programs to exit, would find them still established and measure
 * nothing. (A connect still in flight at SIGTERM keeps its socket until
 * then.)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "args.h"
#include "uring.h"

#define CHAIN 7
/* user_data: the kind of request in the top byte, the chain's ticket (the
 * slot of its in-flight state; 0 for POLL and CLOSE, so that SIGTERM can
 * name every poll) in bits 24-55, the direct descriptor (or fd) in the
 * low 24 bits */
enum { SOCKET = 1, SETOPT, BIND, CONNECT, POLL, CLOSE, PROBE };
#define TAG(kind, t, c) ((unsigned long long)(kind) << 56 | (unsigned long long)(t) << 24 | (c))

static struct ring ring;
static int fixed; /* connections are direct descriptors, else plain fds */
static const int one = 1;
static unsigned *range, *tickets; /* per in-flight connect: IP_LOCAL_PORT_RANGE's value; the free tickets */
static long nfree;

/* poll_of is the user_data of connection i's poll (SIGTERM cancels it). */
static unsigned long long poll_of(long i)
{
	return TAG(POLL, 0, i);
}


/* setopt queues an IPPROTO_IP setsockopt of slot c (optval must live
 * until the chain has run it). */
static void setopt(unsigned c, int name, const void *val, unsigned flags, unsigned long long data)
{
	struct io_uring_sqe *s = ring_sqe(&ring, IORING_OP_URING_CMD, c, IOSQE_FIXED_FILE | flags, data);
	s->cmd_op = URING_SOCKET_OP_SETSOCKOPT;
	s->addr = (unsigned long long)name << 32 | IPPROTO_IP; /* level, optname */
	s->file_index = sizeof(int);                           /* optlen */
	s->addr3 = (unsigned long)val;                         /* optval */
}

/* closing queues IORING_OP_CLOSE of connection c. */
static void closing(unsigned c, unsigned flags, unsigned long long data)
{
	struct io_uring_sqe *s = ring_sqe(&ring, IORING_OP_CLOSE, fixed ? 0 : c, flags, data);
	if (fixed)
		s->file_index = c + 1;
}

/* direct_works: one chain on slot 0 (socket, setsockopt, close) to see
 * that the kernel takes the setsockopt command on a direct descriptor. */
static int direct_works(void)
{
	ring_reserve(&ring, 3);
	struct io_uring_sqe *s = ring_sqe(&ring, IORING_OP_SOCKET, AF_INET, IOSQE_IO_LINK, TAG(PROBE, 0, 0));
	s->off = SOCK_STREAM;
	s->file_index = 1;
	setopt(0, IP_BIND_ADDRESS_NO_PORT, &one, IOSQE_IO_HARDLINK, TAG(PROBE, 0, 0));
	closing(0, 0, TAG(PROBE, 0, 0));
	int ok = 1, seen = 0;
	while (seen < 3 && !stop) {
		ring_enter(&ring, 3 - seen, 0);
		for (struct io_uring_cqe *c; (c = ring_cqe(&ring)); ring_seen(&ring), seen++)
			if (c->res < 0 && ok) {
				fprintf(stderr, "client: direct socket setup unavailable (%s)\n", strerror(-c->res));
				ok = 0;
			}
	}
	return ok && seen == 3;
}

int main(int argc, char **argv)
{
	static struct client_plan p;
	if (plan_client(argc, argv, "client_uring", &p))
		return 2;
	long conns = p.conns, worker = p.worker, inflight = p.inflight, plo = p.plo, pairs = p.pairs;
	int ns = p.ns;
	long table = nofile();
	if (conns > table || conns >= 1 << 24) {
		fprintf(stderr, "client: %ld connections need as many direct descriptors or fds; RLIMIT_NOFILE allows %ld\n", conns, table);
		return 2;
	}
	struct sockaddr_in *s = p.s, *d = p.d;

	catch_term();
	ring_init(&ring, 2048, 4096, "client");
	static const int needed[] = {IORING_OP_CONNECT, IORING_OP_POLL_ADD, IORING_OP_CLOSE};
	static const int direct[] = {IORING_OP_SOCKET, IORING_OP_URING_CMD, URING_OP_BIND};
	if (!ring_supports(&ring, needed, 3)) {
		fprintf(stderr, "client: this kernel's io_uring lacks connect, poll or close\n");
		return 2;
	}
	fixed = !plain_wanted() && ring_supports(&ring, direct, 3) && ring_files(&ring, conns) == 0 && direct_works();
	if (!fixed)
		fprintf(stderr, "client: socket, setsockopt and bind as system calls; connect, poll and close through the ring\n");
	range = malloc(inflight * sizeof *range);
	tickets = malloc(inflight * sizeof *tickets);
	if (!range || !tickets) {
		fprintf(stderr, "client: out of memory for %ld connects in flight\n", inflight);
		return 1;
	}
	for (nfree = 0; nfree < inflight; nfree++)
		tickets[nfree] = nfree;

	long next = 0, pending = 0, done = 0, failed = 0, errs = 0;
	for (;;) {
		if (stop) /* the polls of connections 0 .. next-1 (of fds below the limit) */
			ring_finish(&ring, poll_of, fixed ? next : table);
		while (next < conns && pending < inflight) {
			long k = next++, pair = k % pairs;
			unsigned port = plo + k / pairs, c = k, t = tickets[--nfree], ff = fixed ? IOSQE_FIXED_FILE : 0;
			range[t] = port | port << 16;
			if (!fixed) { /* the fallback: the setup as system calls */
				int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
				if (fd < 0) {
					tickets[nfree++] = t;
					if (failed++ < 10)
						perror("client: socket");
					continue;
				}
				setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
				setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range[t], sizeof range[t]);
				if (bind(fd, (struct sockaddr *)&s[pair % ns], sizeof s[0]) < 0) {
					tickets[nfree++] = t;
					if (failed++ < 10)
						fprintf(stderr, "client: connect: %s\n", strerror(errno));
					close(fd);
					continue;
				}
				c = fd;
			}
			ring_reserve(&ring, CHAIN);
			if (fixed) {
				struct io_uring_sqe *q = ring_sqe(&ring, IORING_OP_SOCKET, AF_INET, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS, TAG(SOCKET, t, c));
				q->off = SOCK_STREAM;
				q->file_index = c + 1;
				setopt(c, IP_BIND_ADDRESS_NO_PORT, &one, IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS, TAG(SETOPT, t, c));
				setopt(c, IP_LOCAL_PORT_RANGE, &range[t], IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS, TAG(SETOPT, t, c));
				q = ring_sqe(&ring, URING_OP_BIND, c, IOSQE_FIXED_FILE | IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS, TAG(BIND, t, c));
				q->addr = (unsigned long)&s[pair % ns];
				q->off = sizeof s[0];
			}
			struct io_uring_sqe *q = ring_sqe(&ring, IORING_OP_CONNECT, c, ff | IOSQE_IO_HARDLINK, TAG(CONNECT, t, c));
			q->addr = (unsigned long)&d[pair / ns];
			q->off = sizeof d[0];
			ring_sqe(&ring, IORING_OP_POLL_ADD, c, ff | IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS, TAG(POLL, 0, c))->poll32_events = POLLRDHUP;
			closing(c, IOSQE_CQE_SKIP_SUCCESS, TAG(CLOSE, 0, c));
			pending++;
		}
		ring_enter(&ring, 1, 0);
		struct io_uring_cqe *cqe;
		while ((cqe = ring_cqe(&ring))) {
			unsigned long long u = cqe->user_data;
			int res = cqe->res, kind = u >> 56;
			unsigned t = (u >> 24) & 0xffffffff, c = u & 0xffffff;
			ring_seen(&ring);
			if (kind == CONNECT || kind == SOCKET || kind == BIND) { /* the chain's end, as far as connects go */
				pending--;
				tickets[nfree++] = t;
				if (res == 0) {
					if (++done + failed == conns)
						fprintf(stderr, "client %ld: %ld connected, %ld failed\n", worker, done, failed);
					continue;
				}
				if (++failed + done == conns)
					fprintf(stderr, "client %ld: %ld connected, %ld failed\n", worker, done, failed);
				if (failed <= 10)
					fprintf(stderr, "client: %s: %s\n", kind == SOCKET ? "socket" : kind == BIND ? "bind" : "connect", strerror(-res));
				if (kind == BIND) { /* the rest of its chain was cancelled: close its socket */
					ring_reserve(&ring, 1);
					closing(c, IOSQE_CQE_SKIP_SUCCESS, TAG(CLOSE, 0, c));
				}
			} else if (errs++ < 10) { /* a setsockopt, poll or close failed */
				fprintf(stderr, "client: %s: %s\n", kind == SETOPT ? "setsockopt" : kind == POLL ? "poll" : "close", strerror(-res));
			}
		}
	}
}
