/*
 * uring.h: the little of io_uring that server_uring.c and client_uring.c
 * need, by raw system calls (io_uring_setup, io_uring_enter,
 * io_uring_register and mmap; no liburing): a ring, an SQE at a time,
 * one io_uring_enter that submits everything queued and waits, and the
 * completions.
 *
 * The ring is set up SINGLE_ISSUER | DEFER_TASKRUN | SUBMIT_ALL |
 * NO_SQARRAY when the kernel takes it (6.6 and later), else with
 * COOP_TASKRUN, else plain. With DEFER_TASKRUN every completion's work
 * runs inside this process's own io_uring_enter (no interrupting task
 * work), and a wait wakes only for as many completions as it asked for.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What this machine's <linux/io_uring.h> may be too old to name. */
#define URING_OP_BIND 56              /* IORING_OP_BIND, 6.11 */
#define URING_SOCKET_OP_SETSOCKOPT 3  /* SOCKET_URING_OP_SETSOCKOPT, 6.7 */
#define URING_SETUP_NO_SQARRAY (1U << 16) /* IORING_SETUP_NO_SQARRAY, 6.6 */

struct ring {
	int fd;
	unsigned *sq_head, *sq_tail, sq_mask, sq_entries, tail;
	unsigned *cq_head, *cq_tail, cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* ring_init sets up a ring of sq submission and cq completion entries,
 * or exits 2 with a clear message when io_uring is not available. */
static void ring_init(struct ring *r, unsigned sq, unsigned cq, const char *who)
{
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL | URING_SETUP_NO_SQARRAY,
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
		0,
	};
	struct io_uring_params p;
	int fd = -1;
	for (unsigned i = 0; i < sizeof tries / sizeof tries[0]; i++) {
		memset(&p, 0, sizeof p);
		p.flags = tries[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = cq;
		fd = syscall(__NR_io_uring_setup, sq, &p);
		if (fd >= 0 || errno != EINVAL)
			break;
	}
	if (fd < 0) {
		fprintf(stderr, "%s: io_uring_setup: %s: io_uring is not available here (kernel.io_uring_disabled, a seccomp filter, or a kernel without it)\n",
			who, strerror(errno));
		exit(2);
	}
	if (!(p.features & IORING_FEAT_SINGLE_MMAP) || !(p.features & IORING_FEAT_NODROP) || !(p.features & IORING_FEAT_EXT_ARG)) {
		fprintf(stderr, "%s: this kernel's io_uring is too old (5.11 or later needed)\n", who);
		exit(2);
	}
	size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (sqsz < cqsz)
		sqsz = cqsz;
	char *m = mmap(NULL, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_SQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_SQES);
	if (m == MAP_FAILED || r->sqes == MAP_FAILED) {
		fprintf(stderr, "%s: mmap of the ring: %s\n", who, strerror(errno));
		exit(1);
	}
	r->fd = fd;
	r->sq_head = (unsigned *)(m + p.sq_off.head);
	r->sq_tail = (unsigned *)(m + p.sq_off.tail);
	r->sq_mask = *(unsigned *)(m + p.sq_off.ring_mask);
	r->sq_entries = p.sq_entries;
	r->tail = *r->sq_tail;
	r->cq_head = (unsigned *)(m + p.cq_off.head);
	r->cq_tail = (unsigned *)(m + p.cq_off.tail);
	r->cq_mask = *(unsigned *)(m + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(m + p.cq_off.cqes);
	if (!(p.flags & URING_SETUP_NO_SQARRAY)) { /* the identity: SQE i is slot i */
		unsigned *array = (unsigned *)(m + p.sq_off.array);
		for (unsigned i = 0; i < p.sq_entries; i++)
			array[i] = i;
	}
}

/* SIGTERM is blocked but while a wait is in io_uring_enter (its own
 * signal mask), so a SIGTERM can never slip in between a check and a
 * wait: it ends the wait at once and sets stop. */
static volatile sig_atomic_t stop;
static sigset_t waitmask;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* catch_term installs on_term for SIGTERM, blocked outside waits. */
static void catch_term(void)
{
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
}

/* ring_enter submits every queued SQE and, when wait > 0, waits for at
 * least wait completions (at most ms milliseconds when ms > 0), in one
 * io_uring_enter. 0, or -EINTR (SIGTERM: stop is set) or -ETIME. */
static int ring_enter(struct ring *r, unsigned wait, long ms)
{
	unsigned n = r->tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
	if (n == 0 && wait == 0)
		return 0;
	__atomic_store_n(r->sq_tail, r->tail, __ATOMIC_RELEASE);
	struct __kernel_timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};
	struct io_uring_getevents_arg arg = {.sigmask = (unsigned long)&waitmask, .sigmask_sz = _NSIG / 8,
					     .ts = ms > 0 ? (unsigned long)&ts : 0};
	unsigned flags = wait ? IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG : 0;
	for (;;) {
		int ret = syscall(__NR_io_uring_enter, r->fd, n, wait, flags, wait ? &arg : NULL, wait ? sizeof arg : 0);
		if (ret >= 0 || errno == EBUSY || errno == EAGAIN)
			return 0; /* EBUSY, EAGAIN: completions first; the caller reaps them */
		if (errno == EINTR || errno == ETIME)
			return -errno;
		perror("io_uring_enter");
		exit(1);
	}
}

/* ring_reserve makes room for n SQEs in the queue, submitting what is
 * queued when there is not (a linked chain must not straddle two
 * submissions: the kernel ends a link at the end of each). */
static void ring_reserve(struct ring *r, unsigned n)
{
	if (r->tail + n - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE) <= r->sq_entries)
		return;
	ring_enter(r, 0, 0);
	if (r->tail + n - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE) > r->sq_entries) {
		fprintf(stderr, "io_uring_enter took none of a full submission queue\n");
		exit(1);
	}
}

/* ring_sqe is the next SQE, zeroed, with op, fd, SQE flags and user_data
 * (room must have been reserved). */
static struct io_uring_sqe *ring_sqe(struct ring *r, int op, int fd, unsigned flags, unsigned long long data)
{
	struct io_uring_sqe *s = &r->sqes[r->tail++ & r->sq_mask];
	memset(s, 0, sizeof *s);
	s->opcode = op;
	s->fd = fd;
	s->flags = flags;
	s->user_data = data;
	return s;
}

/* ring_cqe is the next unseen completion or NULL; ring_seen hands it
 * back to the kernel. */
static struct io_uring_cqe *ring_cqe(struct ring *r)
{
	unsigned h = *r->cq_head;
	return h == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) ? NULL : &r->cqes[h & r->cq_mask];
}

static void ring_seen(struct ring *r)
{
	__atomic_store_n(r->cq_head, *r->cq_head + 1, __ATOMIC_RELEASE);
}

/* ring_files registers a sparse table of n direct descriptors (all
 * empty); 0 or -errno. */
static int ring_files(struct ring *r, unsigned n)
{
	struct io_uring_rsrc_register reg = {.nr = n, .flags = IORING_RSRC_REGISTER_SPARSE};
	return syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_FILES2, &reg, sizeof reg) < 0 ? -errno : 0;
}

/* ring_supports: whether the kernel knows every opcode of ops (n of them). */
static int ring_supports(struct ring *r, const int *ops, int n)
{
	static char buf[sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op)];
	struct io_uring_probe *p = (struct io_uring_probe *)buf;
	memset(buf, 0, sizeof buf);
	if (syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_PROBE, p, 256) < 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (ops[i] > p->last_op || !(p->ops[ops[i]].flags & IO_URING_OP_SUPPORTED))
			return 0;
	return 1;
}

/* nofile raises the soft open-files limit to the hard one and returns it:
 * it also caps a ring's table of direct descriptors. */
static long nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur > (1 << 20) ? (1 << 20) : (long)rl.rlim_cur;
}

/* plain_wanted: ANCHOR_URING_PLAIN=1 asks for the fallback path (plain
 * file descriptors) on a kernel that would take the direct one. */
static int plain_wanted(void)
{
	const char *e = getenv("ANCHOR_URING_PLAIN");
	return e && *e && strcmp(e, "0") != 0;
}

/* ring_finish ends the process on SIGTERM the way an epoll process ends:
 * its sockets closed (FIN) by this process before it dies. Left to the
 * kernel, io_uring closes them after the process is gone, in a kernel
 * worker, and a run that waits for the programs to exit would see them
 * still established. It cancels the n requests that may hold a socket,
 * by their user_data (data(0) .. data(n-1)), and reaps their completions,
 * so that no request holds a socket; then unregisters the table of direct
 * descriptors, one system call that releases every socket at once (their
 * close work is then queued on this process, which finishes it even if a
 * SIGKILL follows); then dies of SIGTERM. One cancel per request, not one
 * IORING_ASYNC_CANCEL_ALL | ANY: the kernel leaves each poll it cancels in
 * its hash until its deferred work runs, so cancel-all rescans them all
 * for every next one, n * n / 2 steps (170 ms for 5,000 polls here). */
static void ring_finish(struct ring *r, unsigned long long (*data)(long i), long n)
{
	long next = 0, acked = 0, want = 0, seen = 0, batch = (r->cq_mask + 1) / 4;
	while (acked < n || seen < want) {
		for (long k = 0; next < n && k < batch; k++, next++) {
			ring_reserve(r, 1);
			ring_sqe(r, IORING_OP_ASYNC_CANCEL, -1, 0, ~0ULL)->addr = data(next);
		}
		long left = next - acked + want - seen; /* the completions still to come */
		if (ring_enter(r, left < batch ? left : batch, 1000) == -ETIME)
			break; /* one the count expected did not come (its poll fired meanwhile) */
		for (struct io_uring_cqe *c; (c = ring_cqe(r)); ring_seen(r)) {
			if (c->user_data == ~0ULL) {
				acked++;
				want += c->res == 0; /* found: its request completes -ECANCELED */
			} else if (c->res == -ECANCELED) {
				seen++;
			}
		}
	}
	syscall(__NR_io_uring_register, r->fd, IORING_UNREGISTER_FILES, NULL, 0);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_SETMASK, &waitmask, NULL);
	raise(SIGTERM);
	exit(143);
}
