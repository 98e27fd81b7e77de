package testbed

import (
	"fmt"
	"sync"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/nodes"
)

// Roles.
const (
	roleServer = measure.RoleServer
	roleClient = measure.RoleClient
)

// fleet is every worker of a run, and the events they send.
type fleet struct {
	servers []*worker
	clients []*worker
	events  chan workerEvent
	// outside measures roles run by external programs; nil when every
	// role is built in.
	outside *measure.External
}

func newFleet() *fleet {
	return &fleet{events: make(chan workerEvent, 4096)}
}

// all returns every worker, servers first.
func (f *fleet) all() []*worker {
	return append(append([]*worker(nil), f.servers...), f.clients...)
}

// role returns the workers of one role.
func (f *fleet) role(r string) []*worker {
	if r == roleServer {
		return f.servers
	}
	return f.clients
}

// RoleStats sums the latest stats of a role's workers (measure.Workers;
// the kernel's view replaces it for a role of external programs).
func (f *fleet) RoleStats(r string) nodes.Stats {
	var s nodes.Stats
	s.Errors = map[string]int64{}
	for _, w := range f.role(r) {
		addStats(&s, w.snapshot())
	}
	f.outside.Overlay(r, &s)
	return s
}

func addStats(s *nodes.Stats, o nodes.Stats) {
	s.Established += o.Established
	s.Connecting += o.Connecting
	s.Window += o.Window
	s.Syscalls += o.Syscalls
	s.Accepted += o.Accepted
	s.Connected += o.Connected
	s.ClosedByPeer += o.ClosedByPeer
	s.ClosedByUs += o.ClosedByUs
	s.BytesIn += o.BytesIn
	s.BytesOut += o.BytesOut
	s.Messages += o.Messages
	s.Ready += o.Ready
	s.Handshakes += o.Handshakes
	s.Reconnects += o.Reconnects
	s.Reconnected += o.Reconnected
	s.ReconnectsPending += o.ReconnectsPending
	s.KeepSent += o.KeepSent
	s.KeepAnswered += o.KeepAnswered
	s.Pongs += o.Pongs
	s.Pushes += o.Pushes
	for k, v := range o.Statuses {
		if s.Statuses == nil {
			s.Statuses = map[string]int64{}
		}
		s.Statuses[k] += v
	}
	s.RSS += o.RSS
	s.FDs += o.FDs
	s.FDLimit += o.FDLimit
	for k, v := range o.Errors {
		s.Errors[k] += v
	}
}

// Errors returns every error count of every worker, by errno name
// (measure.Workers).
func (f *fleet) Errors() map[string]int64 {
	m := map[string]int64{}
	for _, w := range f.all() {
		for k, v := range w.snapshot().Errors {
			m[k] += v
		}
	}
	return m
}

// broadcast sends a command built per worker to every worker of a role.
func (f *fleet) broadcast(r string, build func(i int, w *worker) nodes.Command) error {
	for i, w := range f.role(r) {
		if !w.alive() {
			continue
		}
		if err := w.send(build(i, w)); err != nil {
			return err
		}
	}
	return nil
}

// stopAll stops every worker in parallel.
func (f *fleet) stopAll(grace time.Duration) {
	var wg sync.WaitGroup
	for _, w := range f.all() {
		wg.Add(1)
		go func() { defer wg.Done(); w.stop(grace) }()
	}
	wg.Wait()
}

// share splits total over n parts as evenly as possible; part i's share.
func share(total, n, i int) int {
	if n <= 0 {
		return 0
	}
	s := total / n
	if i < total%n {
		s++
	}
	return s
}

// errWorkerDied is returned by waits when a needed worker ended early.
type errWorkerDied struct{ w *worker }

func (e errWorkerDied) Error() string {
	return fmt.Sprintf("%s ended early: %s", e.w.describe(), exitString(e.w.exitErr)) + e.w.kind.lastWords(e.w)
}
