package procfs

import (
	"bytes"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// maxCmdline bounds what Cmdline returns, in bytes.
const maxCmdline = 512

// PSS is a process's proportional set size in bytes, from its
// /proc/<pid>/smaps_rollup (0 when it is gone). Reading it walks the
// process's page tables: not a cheap call.
func PSS(pid int) int64 {
	return ParseMeminfo(ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)))["Pss"]
}

// FDCount counts a process's open files: the size the kernel gives its
// /proc/<pid>/fd directory (Linux 6.2 and later), else by reading it (0
// when it is gone).
func FDCount(pid int) int64 {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	var st unix.Stat_t
	if unix.Stat(dir, &st) == nil && st.Size > 0 {
		return st.Size
	}
	d, err := os.Open(dir)
	if err != nil {
		return 0
	}
	defer d.Close()
	var n int64
	for {
		names, err := d.Readdirnames(4096)
		n += int64(len(names))
		if err != nil {
			return n
		}
	}
}

// Cmdline returns a process's command line from /proc/<pid>/cmdline,
// arguments joined by spaces, at most 512 bytes ("" when it is gone).
func Cmdline(pid int) string {
	return ParseCmdline(ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)))
}

// ParseCmdline turns the NUL-separated arguments of a /proc/<pid>/cmdline
// into one line, arguments joined by spaces, cut at 512 bytes.
func ParseCmdline(data []byte) string {
	b := bytes.TrimRight(data, "\x00")
	if len(b) > maxCmdline {
		b = b[:maxCmdline]
	}
	return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
}
