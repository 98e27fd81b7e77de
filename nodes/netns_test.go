package nodes

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// testAddrs are put on lo of every test namespace.
var testAddrs = []string{"198.18.0.1", "198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5"}

func skipUnlessRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to create a network namespace (run the tests with sudo)")
	}
}

// testNetns creates a throwaway named namespace c1m-<rand>-nt with lo up
// and testAddrs on lo, deleted (and checked gone) in t.Cleanup.
func testNetns(t testing.TB) netns.NsHandle {
	t.Helper()
	skipUnlessRoot(t)
	var rnd [3]byte
	rand.Read(rnd[:])
	name := "c1m-" + hex.EncodeToString(rnd[:]) + "-nt"
	var ns netns.NsHandle
	err := onThread(func() error {
		origin, err := netns.Get()
		if err != nil {
			return err
		}
		defer origin.Close()
		ns, err = netns.NewNamed(name) // switches this thread into it
		if err != nil {
			return fmt.Errorf("failed to create namespace %s: %w", name, err)
		}
		if err := netns.Set(origin); err != nil {
			return errSwitchBack
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("failed to delete namespace %s: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join("/var/run/netns", name)); !os.IsNotExist(err) {
			t.Errorf("namespace %s is still there after cleanup", name)
		}
	})
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatalf("failed to open netlink in %s: %v", name, err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
	for _, a := range testAddrs {
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: net.ParseIP(a), Mask: net.CIDRMask(32, 32)}}
		if err := h.AddrAdd(lo, addr); err != nil {
			t.Fatalf("failed to add %s to lo in %s: %v", a, name, err)
		}
	}
	return ns
}

var errSwitchBack = fmt.Errorf("failed to switch the thread back to its namespace")

// errGoexit is what onThread returns when f ended its goroutine (a
// t.Fatal inside f, which must report through its error instead).
var errGoexit = fmt.Errorf("the function run on the namespace's thread called runtime.Goexit (t.Fatal?): return an error from it instead")

// onThread runs f on a fresh locked OS thread (CNI's ns.Do shape); the
// thread is thrown away if f could not switch back (errSwitchBack) or
// ended its goroutine (errGoexit: the thread may still be inside another
// namespace, and a locked goroutine that exits takes its thread along).
// It always returns: a t.Fatal inside f used to leave the test waiting
// for ever.
func onThread(f func() error) error {
	done := make(chan error, 1)
	go func() {
		err := errGoexit
		defer func() { done <- err }()
		runtime.LockOSThread()
		err = f()
		if err != errSwitchBack {
			runtime.UnlockOSThread()
		}
	}()
	return <-done
}

// inNetns runs f on a locked thread inside ns and switches back.
func inNetns(ns netns.NsHandle, f func() error) error {
	return onThread(func() error {
		origin, err := netns.Get()
		if err != nil {
			return err
		}
		defer origin.Close()
		if err := netns.Set(ns); err != nil {
			return fmt.Errorf("failed to enter test namespace: %w", err)
		}
		ferr := f()
		if err := netns.Set(origin); err != nil {
			return errSwitchBack
		}
		return ferr
	})
}
