package nodes

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dropSysAdmin removes CAP_SYS_ADMIN from the calling OS thread, which
// must be locked to its goroutine for good. The kernel lets a task with
// CAP_SYS_ADMIN open files past fs.file-max; a worker started by root
// would otherwise never meet ENFILE as a real, unprivileged server does.
// Capabilities are per thread: only the event loop's thread, which makes
// every socket, needs to lose it.
func dropSysAdmin() error {
	return dropSysAdminWith(func(hdr *unix.CapUserHeader, data *unix.CapUserData) error { return unix.Capset(hdr, data) })
}

// dropSysAdminAllThreads removes CAP_SYS_ADMIN from every OS thread of the
// process at once (syscall.AllThreadsSyscall), and so from every thread
// made later, which inherits its creator's: the event loop then needs no
// locked thread. It fails with ENOTSUP in a binary that links cgo.
func dropSysAdminAllThreads() error {
	return dropSysAdminWith(func(hdr *unix.CapUserHeader, data *unix.CapUserData) error {
		_, _, e := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(hdr)), uintptr(unsafe.Pointer(data)), 0)
		return errnoErr(unix.Errno(e))
	})
}

// dropSysAdminWith drops CAP_SYS_ADMIN with capset.
func dropSysAdminWith(capset func(*unix.CapUserHeader, *unix.CapUserData) error) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("failed to read capabilities: %w", err)
	}
	bit := uint32(1) << (unix.CAP_SYS_ADMIN % 32)
	i := unix.CAP_SYS_ADMIN / 32
	if data[i].Effective&bit == 0 && data[i].Permitted&bit == 0 {
		return nil
	}
	data[i].Effective &^= bit
	data[i].Permitted &^= bit
	data[i].Inheritable &^= bit
	if err := capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("failed to drop CAP_SYS_ADMIN: %w", err)
	}
	return nil
}

// hasSysAdmin reports whether the calling thread has CAP_SYS_ADMIN in effect.
func hasSysAdmin() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if unix.Capget(&hdr, &data[0]) != nil {
		return false
	}
	return data[unix.CAP_SYS_ADMIN/32].Effective&(1<<(unix.CAP_SYS_ADMIN%32)) != 0
}
