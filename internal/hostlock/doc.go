// Package hostlock serializes the tests that touch the host.
//
// `go test ./...` runs the packages' test binaries in parallel. Most root
// tests build their own namespaces and get along with each other; a test
// that changes a host-global setting (net.ipv4.tcp_mem, fs.file-max,
// nf_conntrack_max, the neighbour gc_thresh*, tcp_max_orphans) must not
// run while any other test builds namespaces or opens connections, since
// the lowered limit applies to them too. Every such test takes one flock
// on LockPath at its start: Shared for a test that only uses namespaces
// and sockets, Exclusive for one that changes the host. The lock is
// released by t.Cleanup, or by the kernel when the test process dies.
package hostlock
