// Package nodes holds the programs that run inside the testbed's network
// namespaces: the epoll TCP server worker, the epoll TCP client worker, and
// the JSON-lines control protocol they speak with the orchestrator over
// stdin and stdout (see docs/node-protocol.md).
//
// A worker is one goroutine running one epoll loop (EPOLL_CLOEXEC) over a
// flat connection table indexed by file descriptor: 16 bytes per slot, one
// shared read buffer, no goroutine and no allocation per connection or per
// event in the steady state. Both speak IPv4 and IPv6. The server listens
// on every address × port (or each family's wildcard, or a dual-stack
// [::]) with SO_REUSEPORT so that many worker processes share the same
// ports; the client binds each socket to a source address with
// IP_BIND_ADDRESS_NO_PORT (a source of an AnyIP prefix with IPV6_FREEBIND
// too) and completes non-blocking connects on writability.
//
// A node process is started by the orchestrator as `c1m-testbed node
// server|client`, which calls Main. Tests and benchmarks drive workers in
// process with NewServer, NewClient, Worker.Do and Worker.Poll.
//
// This package knows nothing of TOML or topology: everything comes from
// the start command.
package nodes
