package nodes

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// rss reads the resident set size from /proc/self/statm, for the
// in-process benchmarks and the example server (Stats does not).
func (w *Worker) rss() int64 {
	fd, err := unix.Open("/proc/self/statm", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	buf := make([]byte, 128)
	n, err := unix.Read(fd, buf)
	if err != nil || n <= 0 {
		return 0
	}
	f := bytes.Fields(buf[:n])
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(unix.Getpagesize())
}

// pss reads the proportional set size from /proc/self/smaps_rollup: the
// honest share of a process when fifty workers map the same binary.
func pss() int64 {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0
	}
	i := bytes.Index(b, []byte("\nPss:"))
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+5:])
	if len(f) < 2 || string(f[1]) != "kB" {
		return 0
	}
	kb, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return 0
	}
	return kb << 10
}
