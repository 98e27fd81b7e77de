package topology

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// Build creates the laboratory of spec: the server namespace, the client
// namespaces, their veth pairs, addresses, routes, sysctls and, with
// spec.Link, a netem qdisc on both ends of every client link. It checks
// everything it can before it creates anything (a host-global sysctl in a
// namespace section builds nothing), claims the run if the caller has not,
// and on failure removes whatever it made.
func Build(ctx context.Context, spec Spec) (*Topology, error) {
	p, err := makePlan(spec)
	if err != nil {
		return nil, err
	}
	if err := checkNamespaceSysctls("server sysctls", spec.ServerSysctls); err != nil {
		return nil, err
	}
	if err := checkNamespaceSysctls("client sysctls", spec.ClientSysctls); err != nil {
		return nil, err
	}
	if err := checkNeighbours(spec); err != nil {
		return nil, err
	}
	if err := ensureNetnsDir(); err != nil {
		return nil, err
	}
	t := newTopology(spec.RunID, p)
	// A caller that claimed the run (testbed claims before it takes the
	// host lock) is not claimed for again; one that did not is.
	if info := readRun(spec.RunID); !info.Alive || info.PID != os.Getpid() {
		if t.claim, err = Claim(spec.RunID); err != nil {
			return nil, err
		}
	}
	success := false
	defer func() {
		if !success {
			t.Teardown() // best effort: the build error is what the caller needs
		}
	}()
	srv, err := buildServer(t.Server, p.subnet6.IsValid(), spec.ServerSysctls)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if spec.Conntrack {
		if err := engageConntrack(int(srv.Fd())); err != nil {
			return nil, err
		}
	}
	if err := buildClients(ctx, t, p, int(srv.Fd()), spec.ClientSysctls); err != nil {
		return nil, err
	}
	success = true
	return t, nil
}

// Preview returns the topology Build would make of spec, names and
// addresses, without touching the system; or why spec cannot be built.
func Preview(spec Spec) (*Topology, error) {
	p, err := makePlan(spec)
	if err != nil {
		return nil, err
	}
	return newTopology(spec.RunID, p), nil
}

// newTopology names the nodes of a plan.
func newTopology(runID string, p plan) *Topology {
	t := &Topology{RunID: runID, Subnet: p.subnet, Subnet6: p.subnet6, Server: Namespace{Name: ServerName(runID), Addrs: p.server}}
	for i, c := range p.clients {
		name := ClientName(runID, i+1)
		n := Namespace{Name: name, Addrs: c.addrs, Link: name}
		if p.anyIP {
			n.SourcePrefix = c.block6
		}
		t.Clients = append(t.Clients, n)
	}
	return t
}

// onThrowawayThread runs fn on a locked OS thread that fn may move into
// other namespaces (by setns or unshare). Afterwards the thread is put
// back into the namespace it came from and returned to the pool; if that
// fails it stays locked and the runtime destroys it. Putting it back
// matters even for a thread about to die: the goroutine may be running on
// the main thread, which the runtime cannot destroy, and /proc/self/ns/net
// is the main thread's namespace.
func onThrowawayThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := threadNS()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("%w: %w", ErrThreadStuck, err))
			return // still locked: the runtime discards this thread
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// buildServer creates the server namespace with lo up, the server
// addresses on lo and its sysctls, and returns it opened (close-on-exec).
// With v6 it first turns duplicate address detection off in it
// (noDAD6), before the client links arrive.
func buildServer(n Namespace, v6 bool, sysctls map[string]string) (*os.File, error) {
	var f *os.File
	err := onThrowawayThread(func() error {
		if err := createHere(n.Name); err != nil {
			return err
		}
		if v6 {
			if err := writeSysctlsHere(n.Name, noDAD6); err != nil {
				return err
			}
		}
		b, err := newRTBatch()
		if err != nil {
			return err
		}
		defer b.close()
		if err := b.linkUp(1, "lo"); err != nil {
			return err
		}
		for _, a := range n.Addrs {
			if err := b.addrAdd(1, "lo", a); err != nil {
				return err
			}
		}
		if err := b.flush(); err != nil {
			return fmt.Errorf("in namespace %s: %w", n.Name, err)
		}
		if err := writeSysctlsHere(n.Name, sysctls); err != nil {
			return err
		}
		f, err = threadNS()
		return err
	})
	return f, err
}

// checkNeighbours compares the neighbour entries the run needs (one per
// link end: two per client) with the host's gc_thresh3 of each family the
// run speaks (IPv4's ARP table, IPv6's neighbour discovery table), which
// are host-global on this kernel (Spec.CheckNeighbours).
func checkNeighbours(spec Spec) error {
	keys := []string{"net.ipv4.neigh.default.gc_thresh3"}
	switch spec.Family {
	case IPv6:
		keys = []string{"net.ipv6.neigh.default.gc_thresh3"}
	case Dual:
		keys = append(keys, "net.ipv6.neigh.default.gc_thresh3")
	}
	for _, k := range keys {
		v, err := ReadSysctl(k)
		if err != nil {
			continue // cannot tell; the kernel will say so if it is too small
		}
		have, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		if err := spec.checkNeighbours(k, have); err != nil {
			return err
		}
	}
	return nil
}

// noDAD6 turns IPv6 duplicate address detection off in a namespace, for
// the links created or moved into it afterwards. The addresses the run
// adds skip it anyway (IFA_F_NODAD), but a veth end's own link-local
// address would otherwise stay tentative for a second or more, and a
// server end whose only address is tentative sends no neighbour
// solicitation: the first SYN-ACKs would wait for it. Namespace-local;
// the host's own settings are not touched.
// It also stops the kernel generating link-local addresses: each link
// gets the two of linkLocal6 instead.
var noDAD6 = map[string]string{
	"net.ipv6.conf.all.accept_dad":        "0",
	"net.ipv6.conf.default.accept_dad":    "0",
	"net.ipv6.conf.default.addr_gen_mode": "1",
}
