package topology

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// skipUnlessRoot skips tests that build namespaces when not run as root.
func skipUnlessRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: this test builds network namespaces and needs root (run: sudo go test ./topology/)")
	}
}

// buildForTest builds spec with a fresh run id and tears it down at the
// end of the test, then checks that nothing of the run is left.
func buildForTest(t *testing.T, spec Spec) *Topology {
	t.Helper()
	spec.RunID = NewRunID()
	topo, err := Build(t.Context(), spec)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	t.Cleanup(func() {
		if err := topo.Teardown(); err != nil {
			t.Errorf("Teardown: %v", err)
		}
		if err := topo.Teardown(); err != nil {
			t.Errorf("second Teardown: %v", err)
		}
		assertNothingLeft(t, spec.RunID)
	})
	return topo
}

// assertNothingLeft checks with Leftovers and with `ip` (as an independent
// witness) that no namespace, link or record of runID remains.
func assertNothingLeft(t testing.TB, runID string) {
	t.Helper()
	left, err := Leftovers(runID)
	if err != nil {
		t.Errorf("Leftovers: %v", err)
	}
	if len(left) > 0 {
		t.Errorf("run %s left: %v", runID, left)
	}
	for _, args := range [][]string{{"netns", "list"}, {"-o", "link", "show"}} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Logf("ip %v: %v (check skipped)", args, err)
			continue
		}
		if strings.Contains(string(out), RunPrefix(runID)) {
			t.Errorf("ip %v still shows run %s:\n%s", args, runID, out)
		}
	}
}

// acceptInServer listens on the topology's first server address, port
// 5001, from a thread inside the server namespace, and accepts (and holds)
// every connection until the test ends.
func acceptInServer(t *testing.T, topo *Topology) net.Listener {
	t.Helper()
	var ln net.Listener
	err := Do(topo.Server.Name, func() error {
		var err error
		ln, err = net.Listen("tcp", netip.AddrPortFrom(topo.Server.Addrs[0], 5001).String())
		return err
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	accepted := make(chan []net.Conn, 1)
	go func() {
		var held []net.Conn
		defer func() { accepted <- held }()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for _, c := range <-accepted {
			c.Close()
		}
	})
	return ln
}
