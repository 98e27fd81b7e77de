package topology

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// clientLinkIndex is the index of the client's veth end in its own
// namespace (lo is 1 in every fresh namespace).
const clientLinkIndex = 2

// serverLinkIndex is the index of client i's veth end in the server
// namespace, which holds only lo (1) and these.
func serverLinkIndex(i int) int { return i + 1 }

// buildWorkers is how many client namespaces are built at once. Creating a
// namespace is mostly kernel work, so a few more workers than cores keep
// both cores busy while one worker waits on the rtnl lock.
func buildWorkers(n int) int { return min(n, 4) }

// buildClients builds every client namespace over a few workers. Each
// worker is a locked throwaway thread holding one netlink socket in the
// server namespace (two with a link shape); for every client it creates the namespace by moving
// itself into it, so the client-side work needs no namespace switch.
func buildClients(parent context.Context, t *Topology, p plan, srvFd int, sysctls map[string]string) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for range buildWorkers(len(p.clients)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := onThrowawayThread(func() error {
				if err := unix.Setns(srvFd, unix.CLONE_NEWNET); err != nil {
					return fmt.Errorf("failed to enter the server namespace: %w", err)
				}
				sb, err := newRTBatch()
				if err != nil {
					return err
				}
				defer sb.close()
				var sh *netlink.Handle // for the server ends' qdiscs
				if !p.link.IsZero() {
					if sh, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
						return fmt.Errorf("failed to open a netlink socket in the server namespace: %w", err)
					}
					defer sh.Close()
				}
				for i := range jobs {
					if err := buildClient(t, p, i, srvFd, sb, sh, sysctls); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				cancel() // stops the feeder
			}
		}()
	}
feed:
	for i := range p.clients {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := parent.Err(); err != nil {
		return fmt.Errorf("build of run %s interrupted: %w", t.RunID, err)
	}
	return nil
}

// buildClient makes client i (0-based) on the calling worker thread, which
// it leaves inside the new namespace: lo up, the veth pair with its server
// end sent into the server namespace, the addresses, the route to the
// subnet through the first server address, then in the server namespace
// the link up and the route back to the client's block (through the
// client's first address, or on-link with Spec.DirectRoutes), then with a
// link shape the netem qdisc on both ends (sh is a handle in the server
// namespace, nil without a shape), and last the client's sysctls.
func buildClient(t *Topology, p plan, i, srvFd int, sb *rtBatch, sh *netlink.Handle, sysctls map[string]string) error {
	n := t.Clients[i]
	if err := createHere(n.Name); err != nil {
		return err
	}
	wrap := func(err error) error { return fmt.Errorf("in namespace %s: %w", n.Name, err) }
	cb, err := newRTBatch()
	if err != nil {
		return wrap(err)
	}
	defer cb.close()
	peer, peerIdx := serverLinkName(t.RunID, i+1), serverLinkIndex(i+1)
	c := p.clients[i]
	if c.block6.IsValid() {
		if err := writeSysctlsHere(n.Name, noDAD6); err != nil {
			return err
		}
	}
	if err := cb.linkUp(1, "lo"); err != nil {
		return wrap(err)
	}
	if err := cb.vethAdd(n.Link, clientLinkIndex, peer, peerIdx, srvFd); err != nil {
		return wrap(err)
	}
	for _, a := range n.Addrs {
		if err := cb.addrAdd(clientLinkIndex, n.Link, a); err != nil {
			return wrap(err)
		}
	}
	if c.block6.IsValid() {
		if err := cb.prefixAdd(clientLinkIndex, n.Link, linkLocal6[1]); err != nil {
			return wrap(err)
		}
	}
	if p.subnet.IsValid() {
		if err := cb.routeAdd(p.subnet, p.server[0], clientLinkIndex, n.Link); err != nil {
			return wrap(err)
		}
	}
	if p.subnet6.IsValid() {
		if err := cb.routeAdd(p.subnet6, linkLocal6[0].Addr(), clientLinkIndex, n.Link); err != nil {
			return wrap(err)
		}
	}
	if p.anyIP {
		if err := cb.routeAddLocal(c.block6, 1, "lo"); err != nil {
			return wrap(err)
		}
	}
	if err := cb.flush(); err != nil {
		return wrap(err)
	}
	if err := sb.linkUp(peerIdx, peer); err != nil {
		return wrap(err)
	}
	if c.block6.IsValid() {
		if err := sb.prefixAdd(peerIdx, peer, linkLocal6[0]); err != nil {
			return wrap(err)
		}
	}
	for _, block := range []netip.Prefix{c.block, c.block6} {
		if !block.IsValid() {
			continue
		}
		if p.direct {
			if err := sb.routeAddLink(block, peerIdx, peer); err != nil {
				return wrap(err)
			}
		} else if err := sb.routeAdd(block, gateway(n.Addrs, block), peerIdx, peer); err != nil {
			return wrap(err)
		}
	}
	if err := sb.flush(); err != nil {
		return fmt.Errorf("in namespace %s: %w", t.Server.Name, err)
	}
	if sh != nil {
		if err := shapeBothEnds(n.Link, peer, peerIdx, sh, p.link); err != nil {
			return err
		}
	}
	return writeSysctlsHere(n.Name, sysctls)
}

// shapeBothEnds puts the netem qdisc of s at the root of the client end
// (link clientLinkIndex of the calling thread's namespace) and of the
// server end peer (peerIdx, through sh), so both directions are shaped.
func shapeBothEnds(link, peer string, peerIdx int, sh *netlink.Handle, s LinkShape) error {
	ch, err := netlink.NewHandle(unix.NETLINK_ROUTE) // in the client namespace
	if err != nil {
		return fmt.Errorf("failed to open a netlink socket in namespace %s: %w", link, err)
	}
	defer ch.Close()
	if err := addNetem(ch, clientLinkIndex, link, s); err != nil {
		return fmt.Errorf("in namespace %s: %w", link, err)
	}
	if err := addNetem(sh, peerIdx, peer, s); err != nil {
		return fmt.Errorf("in the server namespace: %w", err)
	}
	return nil
}
