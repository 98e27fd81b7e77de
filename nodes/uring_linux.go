package nodes

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The little of io_uring the server's io_uring engine needs, by raw
// system calls (io_uring_setup, io_uring_enter, io_uring_register and
// two mmaps; x/sys names none of it): a ring, an SQE at a time, one
// io_uring_enter that submits what is queued and waits, the completions.
//
// The ring is set up SINGLE_ISSUER | DEFER_TASKRUN (Linux 6.1): every
// completion's work then runs inside the loop's own io_uring_enter, never
// as task work interrupting another system call, and a wait wakes only
// when a completion is posted. A single issuer must be one thread: the
// ring is created disabled (R_DISABLED, so that NewServer can create it
// before the worker gives up CAP_SYS_ADMIN, which io_uring_disabled = 1
// asks for) and enabled by the first Poll, which locks the loop's
// goroutine to its thread for good.

// io_uring ABI values (include/uapi/linux/io_uring.h).
const (
	uringSetupCQSize       = 1 << 3
	uringSetupRDisabled    = 1 << 6
	uringSetupSubmitAll    = 1 << 7
	uringSetupSingleIssuer = 1 << 12
	uringSetupDeferTaskrun = 1 << 13

	uringFeatSingleMmap = 1 << 0
	uringFeatNoDrop     = 1 << 1
	uringFeatExtArg     = 1 << 8
	uringFeatCQESkip    = 1 << 11

	uringEnterGetEvents = 1 << 0
	uringEnterExtArg    = 1 << 3

	uringRegisterEnableRings = 12

	uringOpPollAdd     = 6
	uringOpAccept      = 13
	uringOpAsyncCancel = 14
	uringOpClose       = 19

	uringSqeCQESkipSuccess = 1 << 6
	uringAcceptMultishot   = 1 << 0
	uringCQEFMore          = 1 << 1

	uringOffSQRing = 0
	uringOffCQRing = 0x8000000
	uringOffSQEs   = 0x10000000
)

// uringParams is struct io_uring_params.
type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
		userAddr                                                        uint64
	}
	cqOff struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
		userAddr                                                        uint64
	}
}

// uringSQE is struct io_uring_sqe (64 bytes), with the fields the engine
// sets named for its uses.
type uringSQE struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	opFlags  uint32 // poll32_events, accept_flags
	userData uint64
	_        [24]byte
}

// uringCQE is struct io_uring_cqe.
type uringCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

// uringGeteventsArg is struct io_uring_getevents_arg.
type uringGeteventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// ring is one io_uring instance, its two queues mapped.
type ring struct {
	fd                int
	sqHead, sqTail    *uint32
	sqMask, sqEntries uint32
	tail              uint32 // SQEs queued, not yet published to sqTail
	cqHead, cqTail    *uint32
	cqMask            uint32
	sqeBase           unsafe.Pointer
	cqeBase           unsafe.Pointer
	sqMap, sqeMap     []byte
	enabled           bool
	calls             *int64 // counts every io_uring_enter, when set
	ts                unix.Timespec
	ga                uringGeteventsArg
}

// errUringTooOld says what a kernel must have for the io_uring engine.
var errUringTooOld = errors.New("this kernel's io_uring lacks SINGLE_ISSUER | DEFER_TASKRUN, EXT_ARG or CQE_SKIP_SUCCESS (Linux 6.1 or later needed): use the epoll engine")

// newRing sets up a disabled ring of sq submission and cq completion
// entries. The error says why io_uring cannot be used here.
func newRing(sq, cq uint32) (*ring, error) {
	p := uringParams{flags: uringSetupSingleIssuer | uringSetupDeferTaskrun | uringSetupSubmitAll | uringSetupRDisabled | uringSetupCQSize, cqEntries: cq}
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(sq), uintptr(unsafe.Pointer(&p)), 0)
	switch {
	case e == unix.EINVAL:
		return nil, errUringTooOld
	case e != 0:
		return nil, fmt.Errorf("io_uring_setup: %w (kernel.io_uring_disabled, a seccomp filter or a kernel without io_uring): use the epoll engine", e)
	}
	r := &ring{fd: int(fd)}
	const need = uringFeatSingleMmap | uringFeatNoDrop | uringFeatExtArg | uringFeatCQESkip
	if p.features&need != need {
		unix.Close(r.fd)
		return nil, errUringTooOld
	}
	size := max(uintptr(p.sqOff.array)+uintptr(p.sqEntries)*4, uintptr(p.cqOff.cqes)+uintptr(p.cqEntries)*unsafe.Sizeof(uringCQE{}))
	var err error
	if r.sqMap, err = unix.Mmap(r.fd, uringOffSQRing, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		unix.Close(r.fd)
		return nil, fmt.Errorf("failed to map the io_uring queues: %w", err)
	}
	if r.sqeMap, err = unix.Mmap(r.fd, uringOffSQEs, int(p.sqEntries)*int(unsafe.Sizeof(uringSQE{})), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		unix.Munmap(r.sqMap)
		unix.Close(r.fd)
		return nil, fmt.Errorf("failed to map the io_uring submission entries: %w", err)
	}
	m := unsafe.Pointer(&r.sqMap[0])
	at := func(off uint32) *uint32 { return (*uint32)(unsafe.Add(m, off)) }
	r.sqHead, r.sqTail = at(p.sqOff.head), at(p.sqOff.tail)
	r.sqMask, r.sqEntries = *at(p.sqOff.ringMask), p.sqEntries
	r.tail = *r.sqTail
	r.cqHead, r.cqTail = at(p.cqOff.head), at(p.cqOff.tail)
	r.cqMask = *at(p.cqOff.ringMask)
	r.cqeBase = unsafe.Add(m, p.cqOff.cqes)
	r.sqeBase = unsafe.Pointer(&r.sqeMap[0])
	array := unsafe.Slice(at(p.sqOff.array), p.sqEntries)
	for i := range array { // the identity: slot i holds SQE i
		array[i] = uint32(i)
	}
	return r, nil
}

// enable makes the calling thread the ring's one submitter.
func (r *ring) enable() error {
	if r.enabled {
		return nil
	}
	if _, _, e := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), uringRegisterEnableRings, 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("failed to enable the io_uring: %w", e)
	}
	r.enabled = true
	return nil
}

// sqe returns the next free SQE, zeroed, submitting what is queued first
// when the queue is full (ok false: the kernel took none).
func (r *ring) sqe() (*uringSQE, bool) {
	if r.tail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
		if r.submit(0, 0, true) != nil || r.tail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
			return nil, false
		}
	}
	s := (*uringSQE)(unsafe.Add(r.sqeBase, uintptr(r.tail&r.sqMask)*unsafe.Sizeof(uringSQE{})))
	*s = uringSQE{}
	r.tail++
	return s, true
}

// queued is the number of SQEs queued and not yet submitted.
func (r *ring) queued() uint32 { return r.tail - atomic.LoadUint32(r.sqHead) }

// submit hands the kernel every queued SQE and, when wait > 0, waits up
// to timeout for that many completions in the same call. raw makes
// it a raw system call (the loop keeps its P: only while busy, as the
// epoll engine does). EINTR, ETIME, EBUSY and EAGAIN are not errors: the
// caller reaps what completed.
func (r *ring) submit(wait uint32, timeout time.Duration, raw bool) error {
	n := r.queued()
	if n == 0 && wait == 0 {
		return nil
	}
	atomic.StoreUint32(r.sqTail, r.tail)
	if r.calls != nil {
		*r.calls++
	}
	var flags, argSz uintptr
	var arg unsafe.Pointer
	if wait > 0 {
		// In the ring (on the heap, never moved): the kernel reads both
		// during the call.
		r.ts = unix.NsecToTimespec(int64(max(timeout, 0)))
		r.ga = uringGeteventsArg{ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
		flags = uringEnterGetEvents | uringEnterExtArg
		arg, argSz = unsafe.Pointer(&r.ga), unsafe.Sizeof(r.ga)
	}
	// The pointers go to the kernel in the call expressions themselves.
	var e unix.Errno
	if raw {
		_, _, e = unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(n), uintptr(wait), flags, uintptr(arg), argSz)
	} else {
		_, _, e = unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(n), uintptr(wait), flags, uintptr(arg), argSz)
	}
	runtime.KeepAlive(r)
	switch e {
	case 0, unix.EINTR, unix.ETIME, unix.EBUSY, unix.EAGAIN:
		return nil
	}
	return e // EBADR: a completion that overflowed was lost
}

// cqe returns the oldest completion not yet consumed, or nil.
func (r *ring) cqe() *uringCQE {
	h := atomic.LoadUint32(r.cqHead)
	if h == atomic.LoadUint32(r.cqTail) {
		return nil
	}
	return (*uringCQE)(unsafe.Add(r.cqeBase, uintptr(h&r.cqMask)*unsafe.Sizeof(uringCQE{})))
}

// headNow and tailNow are the completion queue's ends now.
func (r *ring) headNow() uint32 { return atomic.LoadUint32(r.cqHead) }
func (r *ring) tailNow() uint32 { return atomic.LoadUint32(r.cqTail) }

// seen consumes the completion cqe returned.
func (r *ring) seen() { atomic.AddUint32(r.cqHead, 1) }

// close unmaps the queues and closes the ring: the kernel cancels what
// is still pending.
func (r *ring) close() {
	unix.Munmap(r.sqeMap)
	unix.Munmap(r.sqMap)
	unix.Close(r.fd)
}

// IOUringUsable reports whether this process can run the server's
// io_uring engine: nil, or why not (the plan says it when it picks the
// engine).
func IOUringUsable() error {
	r, err := newRing(8, 16)
	if err != nil {
		return err
	}
	r.close()
	return nil
}
