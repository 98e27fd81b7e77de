package nodes

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw system calls for the connection path. x/sys's Connect, Bind,
// Setsockopt, Getsockopt, Read, Write and Close enter the scheduler
// (entersyscall/exitsyscall) around the call, as a call that may block
// must; these never block (every socket is non-blocking, a close never
// lingers with a timeout), but a connect() over veth runs the whole
// handshake in softirq inside the call and often takes longer than the
// 20 µs after which sysmon takes the P away from a thread in a system
// call and wakes another thread to hold it: at a million connects that
// was ~10% of a worker's CPU in sysmon, futex wake-ups and rescheduling
// (perf, issue 16). Raw, the loop thread keeps its P. Blocking calls
// (epoll_pwait2, the stdin reader) stay on the scheduler's path.

// errnoErr returns e as an error, nil for 0 (no allocation: Errno values
// are small integers).
func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// rawBind and rawConnect pass sa in the kernel's form as it is (either
// family: the length tells the kernel which).
func rawBind(fd int, sa *sockaddr) error {
	_, _, e := unix.RawSyscall(unix.SYS_BIND, uintptr(fd), uintptr(unsafe.Pointer(&sa.raw[0])), uintptr(sa.n))
	return errnoErr(e)
}

func rawConnect(fd int, sa *sockaddr) error {
	_, _, e := unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa.raw[0])), uintptr(sa.n))
	return errnoErr(e)
}

func rawSetsockoptInt(fd, level, opt, value int) error {
	v := int32(value)
	_, _, e := unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(unsafe.Pointer(&v)), 4, 0)
	return errnoErr(e)
}

func rawGetsockoptInt(fd, level, opt int) (int, error) {
	var v int32
	l := uint32(4)
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&l)), 0)
	return int(v), errnoErr(e)
}

// rawGetsockoptTCPInfo reads TCP_INFO into info (no allocation, unlike
// unix.GetsockoptTCPInfo).
func rawGetsockoptTCPInfo(fd int, info *unix.TCPInfo) error {
	l := uint32(unix.SizeofTCPInfo)
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_INFO, uintptr(unsafe.Pointer(info)), uintptr(unsafe.Pointer(&l)), 0)
	return errnoErr(e)
}

// rawRead and rawWrite are read(2) and write(2) on a non-blocking socket.
func rawRead(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

func rawWrite(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

// rawClose closes a socket that does not linger with a timeout.
func rawClose(fd int) error {
	_, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	return errnoErr(e)
}
