/*
 * anchor io_uring server: server.c's behaviour with io_uring in place of
 * epoll, so a sitting can measure whether an io_uring engine beats epoll
 * per connection (kernel crossings and CPU). Raw system calls, no liburing
 * (uring.h).
 *
 *   server_uring --listen 198.18.0.1[,...] --ports 8000,8001,...
 *
 * One SO_REUSEPORT listener per (address, port), made with plain system
 * calls at start, and on each one multishot IORING_OP_ACCEPT into direct
 * descriptors (IORING_FILE_INDEX_ALLOC: a connection never takes a file
 * descriptor), re-armed whenever a completion comes without
 * IORING_CQE_F_MORE. Per connection, in steady state:
 *   - its accept completion (no SQE: the multishot accept posts it);
 *   - one POLL_ADD, one-shot, POLLIN | POLLRDHUP, on its direct descriptor;
 *   - when that fires with RDHUP, HUP or ERR, one IORING_OP_CLOSE of the
 *     descriptor with CQE_SKIP_SUCCESS (no completion unless it fails).
 *     Data alone (POLLIN) gets a RECV into a shared buffer (dropped, as
 *     server.c drops it), hard-linked to a new POLL_ADD.
 * That is 2 SQEs and 2 CQEs per connection and no system call of its own:
 * the loop's only system call is one io_uring_enter that submits every
 * SQE queued and waits for at least one completion, so kernel crossings
 * per connection = io_uring_enter calls / connections, the inverse of the
 * connections each enter serves. Like epoll_wait, an enter returns with
 * what is ready: on a 20,000-connection run (2 copies, 2 CPUs) the ramp
 * took 0.26-0.43 enters per connection and the close storm 0.03.
 * server.c makes accept4 (and one more per burst, EAGAIN), epoll_ctl,
 * read (the EOF) and close, 4.4 system calls per connection there.
 *
 * Fallback: when the table of direct descriptors cannot be registered, or
 * with ANCHOR_URING_PLAIN=1 in the environment, accepts give plain file
 * descriptors and POLL_ADD, RECV and CLOSE act on those (same crossings).
 * io_uring_setup refused (kernel.io_uring_disabled): a message, exit 2.
 *
 * SIGTERM ends it as it ends server.c, what is left closed by this
 * process before it dies (uring.h's ring_finish: cancel the accepts and
 * every descriptor's poll, unregister the table, die of SIGTERM), not
 * after it by io_uring's exit work in a kernel worker.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "args.h"
#include "uring.h"

/* user_data: the kind of request in the top byte, a listener or a
 * connection (direct descriptor or fd) in the low 32 bits */
enum { ACCEPT = 1, POLL, RECV, CLOSE };
#define TAG(kind, v) ((unsigned long long)(kind) << 56 | (unsigned)(v))

static struct ring ring;
static int fixed; /* connections are direct descriptors, else plain fds */
static int lfd[MAXL * MAXL];
static char buf[16384];
static long nl; /* listeners */

/* held is the user_data of a request SIGTERM cancels: each listener's
 * accept, then the poll of every direct descriptor (or fd) there may be. */
static unsigned long long held(long i)
{
	return i < nl ? TAG(ACCEPT, i) : TAG(POLL, i - nl);
}


/* arm_accept starts listener i's multishot accept. */
static void arm_accept(int i)
{
	ring_reserve(&ring, 1);
	struct io_uring_sqe *s = ring_sqe(&ring, IORING_OP_ACCEPT, lfd[i], 0, TAG(ACCEPT, i));
	s->ioprio = IORING_ACCEPT_MULTISHOT;
	if (fixed)
		s->file_index = IORING_FILE_INDEX_ALLOC;
}

/* watch waits for connection c's data or close; with drain, it first
 * reads (and drops) what has arrived. */
/* hi is one past the highest descriptor (or fd) accepted: SIGTERM
 * cancels the polls below it, not one per slot of the table. */
static long hi;

static void watch(unsigned c, int drain)
{
	unsigned ff = fixed ? IOSQE_FIXED_FILE : 0;
	ring_reserve(&ring, 2);
	if (drain) {
		struct io_uring_sqe *s = ring_sqe(&ring, IORING_OP_RECV, c, ff | IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS, TAG(RECV, c));
		s->addr = (unsigned long)buf;
		s->len = sizeof buf;
	}
	ring_sqe(&ring, IORING_OP_POLL_ADD, c, ff, TAG(POLL, c))->poll32_events = POLLIN | POLLRDHUP;
}

/* drop closes connection c. */
static void drop(unsigned c)
{
	ring_reserve(&ring, 1);
	struct io_uring_sqe *s = ring_sqe(&ring, IORING_OP_CLOSE, fixed ? 0 : c, IOSQE_CQE_SKIP_SUCCESS, TAG(CLOSE, c));
	if (fixed)
		s->file_index = c + 1;
}

int main(int argc, char **argv)
{
	static struct server_args args;
	if (parse_server(argc, argv, "server_uring", &args))
		return 2;
	char **addrs = args.addrs, **ports = args.ports;
	int na = args.na, np = args.np;
	long table = nofile();
	catch_term();
	ring_init(&ring, 1024, 4096, "server");
	static const int ops[] = {IORING_OP_ACCEPT, IORING_OP_POLL_ADD, IORING_OP_RECV, IORING_OP_CLOSE};
	if (!ring_supports(&ring, ops, 4)) {
		fprintf(stderr, "server: this kernel's io_uring lacks accept, poll, recv or close\n");
		return 2;
	}
	int err = plain_wanted() ? -EPERM : ring_files(&ring, table);
	fixed = err == 0;
	if (!fixed)
		fprintf(stderr, "server: no table of %ld direct descriptors (%s): plain file descriptors\n",
			table, plain_wanted() ? "ANCHOR_URING_PLAIN" : strerror(-err));
	for (int a = 0; a < na; a++)
		for (int p = 0; p < np; p++) {
			struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(ports[p]))};
			if (inet_pton(AF_INET, addrs[a], &sa.sin_addr) != 1) {
				fprintf(stderr, "server: bad address %s\n", addrs[a]);
				return 2;
			}
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
			if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
			    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
			    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8192) < 0) {
				fprintf(stderr, "server: listen %s:%s: %s\n", addrs[a], ports[p], strerror(errno));
				return 1;
			}
			lfd[nl] = fd;
			arm_accept(nl++);
		}
	long errs = 0;
	for (;;) {
		if (stop)
			ring_finish(&ring, held, nl + hi);
		ring_enter(&ring, 1, 0);
		struct io_uring_cqe *c;
		while ((c = ring_cqe(&ring))) {
			unsigned long long d = c->user_data;
			int res = c->res, more = c->flags & IORING_CQE_F_MORE;
			unsigned v = (unsigned)d;
			ring_seen(&ring);
			switch (d >> 56) {
			case ACCEPT:
				if (res >= 0) {
					if (res >= hi)
						hi = res + 1;
					watch(res, 0);
				}
				else if (errs++ < 10)
					fprintf(stderr, "server: accept: %s\n", strerror(-res));
				if (!more)
					arm_accept(v);
				break;
			case POLL:
				if (res < 0 || (res & (POLLRDHUP | POLLHUP | POLLERR)))
					drop(v);
				else
					watch(v, 1);
				break;
			case CLOSE:
				if (errs++ < 10)
					fprintf(stderr, "server: close: %s\n", strerror(-res));
				break;
			} /* RECV completes only when it fails, and its POLL_ADD sees why */
		}
	}
}
