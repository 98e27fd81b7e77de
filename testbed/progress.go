package testbed

import (
	"fmt"
	"io"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/nodes"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// progress prints live progress: one redrawn line per phase on a
// terminal, a plain line every few seconds otherwise (CI logs).
type progress struct {
	w        io.Writer
	terminal bool
	every    time.Duration
	last     time.Time
}

func newProgress(w io.Writer, terminal bool) *progress {
	every := 2 * time.Second
	if terminal {
		every = 250 * time.Millisecond
	}
	return &progress{w: w, terminal: terminal, every: every}
}

// printf prints a whole line (an announcement), ending any redrawn line.
func (p *progress) printf(format string, args ...any) {
	if p.w == nil {
		return
	}
	if p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// update shows the state of phase; it rate-limits itself.
func (p *progress) update(phase string, target int, st status, force bool) {
	if p.w == nil || (!force && time.Since(p.last) < p.every) {
		return
	}
	p.last = time.Now()
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", p.line(phase, target, st))
	} else {
		fmt.Fprintf(p.w, "%6.1fs %s\n", st.seconds, p.line(phase, target, st))
	}
}

// finish leaves the phase's last state on the screen as a line of its own.
func (p *progress) finish(phase string, target int, st status) {
	if p.w == nil {
		return
	}
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s\n", p.line(phase, target, st))
	} else {
		fmt.Fprintf(p.w, "%6.1fs %s\n", st.seconds, p.line(phase, target, st))
	}
}

// line renders one progress line.
func (p *progress) line(phase string, target int, st status) string {
	line := fmt.Sprintf("%-12s established %s", phase, count(st.established))
	if target > 0 {
		line += "/" + count(int64(target))
	}
	if st.protocol != "" && st.protocol != nodes.ProtoEcho {
		line += fmt.Sprintf("  %s ready %s", st.protocol, count(st.ready))
	}
	line += fmt.Sprintf("  srv %s  %s conn/s", count(st.srvEstablished), count(int64(st.connectsPerSec)))
	if st.statsAge > 0 {
		line += fmt.Sprintf("  (workers' figures stale: %s old)", units.Duration(st.statsAge))
	}
	if st.reconnecting > 0 {
		line += "  reconnecting " + count(st.reconnecting)
	}
	switch {
	case st.kind == scenarios.PhaseTraffic:
		line += fmt.Sprintf("  msgs %s/s  rtt p99 %s", count(int64(st.answeredPerSec)), units.Duration(st.rttP99))
	case st.kind == scenarios.PhaseConnect && st.connectP99 > 0:
		line += "  connect p99 " + units.Duration(st.connectP99)
	}
	line += fmt.Sprintf("  errors %s  tcp-mem %s  avail %s  tw %s  orphans %s",
		units.ErrorCounts(st.errors), units.Bytes(float64(st.tcpMemPages*4096)), units.Bytes(float64(st.memAvailable)), count(st.tw), count(st.orphans))
	for _, cg := range []struct {
		name string
		c    *results.CgroupSample
	}{{"srv", st.srvCgroup}, {"cli", st.cliCgroup}} {
		if cg.c != nil {
			line += fmt.Sprintf("  %s cgroup %s oom %d throttled %d", cg.name, units.Bytes(float64(cg.c.Memory)), cg.c.OOMKills, cg.c.Throttled)
		}
	}
	return line
}

// status is what progress shows.
type status struct {
	seconds                     float64
	kind                        string        // the running phase's kind
	connectP99, rttP99          time.Duration // the last sample interval's; 0 when nothing was recorded
	answeredPerSec              float64       // messages answered per second, the last interval
	established, srvEstablished int64
	protocol                    string // the clients' ("echo" or "": no ready count shown)
	ready, reconnecting         int64  // connections with their handshake done; lost ones waiting for their backoff
	connectsPerSec              float64
	statsAge                    time.Duration // the oldest live worker's last stats line, 0 when fresh (fleet.statsAge)
	errors                      map[string]int64
	tcpMemPages, memAvailable   int64
	tw, orphans                 int64
	srvCgroup, cliCgroup        *results.CgroupSample // each limited role's cgroup (nil: no limits)
}

// count renders 1234567 as 1.23M.
func count(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
