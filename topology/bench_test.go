package topology

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

// BenchmarkBuildTeardown64x16 builds 64 client namespaces with 16
// addresses each (1,024 addresses) plus the server, and tears them down:
// once with this package, once with `ip -batch` doing the same work as a
// baseline (one batch to create the namespaces and veth pairs, one
// `ip -n NS -batch` per namespace for its links, addresses and routes, one
// batch to delete the namespaces).
//
//	go test -run '^$' -bench BuildTeardown64x16 -benchtime 5x ./topology/
func BenchmarkBuildTeardown64x16(b *testing.B) {
	hostlock.Shared(b)
	skipUnlessRoot(b)
	spec := Spec{ClientNamespaces: 64, ClientAddresses: 16, ServerAddresses: 1}
	b.Run("netlink", func(b *testing.B) {
		for b.Loop() {
			s := spec
			s.RunID = NewRunID()
			topo, err := Build(b.Context(), s)
			if err != nil {
				b.Fatal(err)
			}
			if err := topo.Teardown(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ip-batch", func(b *testing.B) {
		if _, err := exec.LookPath("ip"); err != nil {
			b.Skip("no ip binary for the baseline")
		}
		for b.Loop() {
			s := spec
			s.RunID = NewRunID()
			if err := ipBatchBuildTeardown(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// ipBatchBuildTeardown does with the ip command what Build and Teardown do.
func ipBatchBuildTeardown(s Spec) (err error) {
	p, err := makePlan(s)
	if err != nil {
		return err
	}
	srv := ServerName(s.RunID)
	var all []string
	defer func() { // never leave the baseline's namespaces behind
		var del strings.Builder
		for _, n := range all {
			fmt.Fprintf(&del, "netns del %s\n", n)
		}
		if derr := ipBatch("", del.String()); err == nil {
			err = derr
		}
	}()
	var create strings.Builder
	fmt.Fprintf(&create, "netns add %s\n", srv)
	all = append(all, srv)
	for i := range p.clients {
		c := ClientName(s.RunID, i+1)
		all = append(all, c)
		fmt.Fprintf(&create, "netns add %s\n", c)
		fmt.Fprintf(&create, "link add %s netns %s type veth peer name %s netns %s\n", c, c, serverLinkName(s.RunID, i+1), srv)
	}
	if err := ipBatch("", create.String()); err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("link set lo up\n")
	for _, a := range p.server {
		fmt.Fprintf(&sb, "addr add %s/32 dev lo\n", a)
	}
	for i, cp := range p.clients {
		c := ClientName(s.RunID, i+1)
		sl := serverLinkName(s.RunID, i+1)
		fmt.Fprintf(&sb, "link set %s up\nroute add %s via %s dev %s onlink\n", sl, cp.block, cp.addrs[0], sl)
		var cb strings.Builder
		fmt.Fprintf(&cb, "link set lo up\nlink set %s up\n", c)
		for _, a := range cp.addrs {
			fmt.Fprintf(&cb, "addr add %s/32 dev %s\n", a, c)
		}
		fmt.Fprintf(&cb, "route add %s via %s dev %s onlink\n", p.subnet, p.server[0], c)
		if err := ipBatch(c, cb.String()); err != nil {
			return err
		}
	}
	return ipBatch(srv, sb.String())
}

// ipBatch runs `ip [-n ns] -batch -` with script on stdin.
func ipBatch(ns, script string) error {
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	cmd := exec.Command("ip", args...)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ip %v: %w\n%s", args, err, out)
	}
	return nil
}
