package measure

import (
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// kernelPatterns are the kernel log messages that explain a limit; the
// run counts each and keeps the lines (see docs/results.md).
var kernelPatterns = []string{
	"TCP: out of memory",
	"too many orphaned sockets",
	"nf_conntrack: table full",
	"neighbor table overflow", // the kernel's spelling: "arp_cache: neighbor table overflow!" (IPv4), "ndisc_cache: …" (IPv6)
	"Possible SYN flooding",
	"TCP: time wait bucket table overflow",
	"Out of memory",
	"oom-kill",
	"VFS: file-max limit",
	"Memory cgroup out of memory", // a role's memory-limit: "Memory cgroup out of memory: Killed process 2760 (nginx) …"
}

// maxKernelLines caps the kernel lines kept in run.json.
const maxKernelLines = 200

// KernelLog follows /dev/kmsg from the run's start and keeps the lines
// that match kernelPatterns. It reads non-blocking, on each poll.
type KernelLog struct {
	fd     int
	mu     sync.Mutex
	counts map[string]int64
	lines  []string
	buf    []byte
}

// OpenKernelLog opens /dev/kmsg at its end; nil when it cannot be read
// (the run goes on without kernel messages).
func OpenKernelLog() *KernelLog {
	fd, err := unix.Open("/dev/kmsg", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	if _, err := unix.Seek(fd, 0, unix.SEEK_END); err != nil {
		unix.Close(fd)
		return nil
	}
	return &KernelLog{fd: fd, counts: map[string]int64{}, buf: make([]byte, 8192)}
}

// Poll reads every record the kernel logged since the last poll.
func (k *KernelLog) Poll() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for {
		n, err := unix.Read(k.fd, k.buf)
		if err == unix.EPIPE {
			continue // records were overwritten before we read them
		}
		if err != nil || n <= 0 {
			return
		}
		k.match(kmsgText(string(k.buf[:n])))
	}
}

// kmsgText returns the message of one /dev/kmsg record ("6,12,34,-;text").
func kmsgText(rec string) string {
	if _, text, ok := strings.Cut(rec, ";"); ok {
		rec = text
	}
	if i := strings.IndexByte(rec, '\n'); i >= 0 {
		rec = rec[:i]
	}
	return rec
}

func (k *KernelLog) match(text string) {
	for _, p := range kernelPatterns {
		if strings.Contains(text, p) {
			k.counts[p]++
			if len(k.lines) < maxKernelLines {
				k.lines = append(k.lines, text)
			}
			return
		}
	}
}

// Result returns the counts by pattern and the kept lines.
func (k *KernelLog) Result() (map[string]int64, []string) {
	if k == nil {
		return nil, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	counts := make(map[string]int64, len(k.counts))
	for p, n := range k.counts {
		counts[p] = n
	}
	return counts, append([]string(nil), k.lines...)
}

// Close stops following the kernel log.
func (k *KernelLog) Close() {
	if k != nil {
		unix.Close(k.fd)
	}
}
