package testbed

import (
	"context"
	"sync"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// connectOutside is the connect phase with external clients: they were
// started with their share of the connections, so it waits until the
// client namespaces' established count (the kernel's CurrEstab) reaches
// the target, and fails when a client program ends first.
func (r *runner) connectOutside(ctx context.Context, ph scenarios.Phase, rec *results.Phase) error {
	start := r.clientsStarted
	if start.IsZero() {
		start = time.Now()
	}
	var died *worker
	err := r.pollUntil(ctx, time.Now().Add(ph.Timeout), func() bool {
		est := r.fleet.RoleStats(roleClient).Established
		rec.Reached = max(rec.Reached, est)
		if est >= int64(rec.Target) {
			return true
		}
		for _, w := range r.fleet.clients {
			if w.killedEarly() {
				died = w
				return true
			}
		}
		return false
	})
	if err == nil && died != nil {
		err = errWorkerDied{died}
	}
	if r.rampStart.IsZero() {
		r.rampStart, r.rampEnd, r.rampConns = start, time.Now(), rec.Reached
	}
	return err
}

// closeOutside is the close phase on a side run by external programs:
// SIGTERM them (the kernel closes their sockets as they exit), then wait
// until the sockets are gone, as for built-in workers.
func (r *runner) closeOutside(ctx context.Context, ph scenarios.Phase, rec *results.Phase, side, other string) error {
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range r.fleet.role(side) {
		wg.Add(1)
		go func() { defer wg.Done(); w.terminate(programGrace) }()
	}
	wg.Wait()
	gone := func() bool {
		s, o := r.fleet.RoleStats(side), r.fleet.RoleStats(other)
		return o.Established <= s.Established && r.socketsGone()
	}
	err := r.pollUntil(ctx, start.Add(ph.Timeout), gone)
	if err == nil {
		r.closeSeconds = append(r.closeSeconds, time.Since(start).Seconds())
	}
	rec.Reached = r.fleet.RoleStats(roleClient).Established
	return err
}
