package scenarios

import "sort"

// Errnos are the errno names a scenario may name in [expect]
// errors-present and errors-absent, with what they mean in this testbed.
var Errnos = map[string]string{
	"EADDRNOTAVAIL": "no free source port for (source, destination, port): five-tuples exhausted",
	"EADDRINUSE":    "address already in use (bind or listen)",
	"EMFILE":        "too many open files in one process (RLIMIT_NOFILE)",
	"ENFILE":        "too many open files in the system (fs.file-max)",
	"ENOBUFS":       "no buffer space available",
	"ENOMEM":        "out of memory (kernel allocation failed)",
	"ECONNREFUSED":  "connection refused (no listener, or a full backlog with tcp_abort_on_overflow)",
	"ECONNRESET":    "connection reset by peer (RST, tcp_mem abort)",
	"ECONNABORTED":  "connection aborted",
	"ETIMEDOUT":     "connect timed out (SYNs dropped: conntrack full, backlog full)",
	"EHOSTUNREACH":  "no route to host (neighbour table overflow)",
	"ENETUNREACH":   "network unreachable",
	"EPIPE":         "broken pipe (write after the peer closed)",
	"EAGAIN":        "resource temporarily unavailable",
	"EINTR":         "interrupted system call",
	"EINVAL":        "invalid argument",
	"EPERM":         "operation not permitted",
	"EACCES":        "permission denied",
	"ENOSPC":        "no space left on device",
}

// errnoNames returns the known errno names, sorted.
func errnoNames() []string {
	names := make([]string, 0, len(Errnos))
	for n := range Errnos {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
