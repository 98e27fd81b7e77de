package scenarios

import (
	"fmt"
	"math"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// validateTraffic checks what traffic phases and the latency
// expectations need from the rest of the scenario: built-in clients, a
// server that echoes, connections to send on, and expectations that can
// hold.
func (d *decoder) validateTraffic(s *Scenario) {
	connected := false
	for i, p := range s.Phases {
		if p.Kind == PhaseConnect {
			connected = true
		}
		if p.Kind != PhaseTraffic {
			continue
		}
		at, name := fmt.Sprintf("phase[%d]", i), fmt.Sprintf("phase %d (traffic)", i+1)
		switch {
		case len(s.Client.Command) > 0:
			d.failKey(at, "remove client.command: the traffic phase's messages and round trips are the built-in clients' work",
				"%s: the clients are an external program and cannot be told to send heartbeats", name)
		case len(s.Server.Command) == 0 && s.Server.Protocol == DefaultProtocol && s.Server.OnData != "echo":
			fix := `set on-data = "echo" under [server]: a traffic phase times each message's round trip through the server's echo`
			if d.pos.written("server.on-data") {
				d.failVal("server.on-data", fix, "%s: the server's on-data is %q, so no message comes back", name, s.Server.OnData)
			} else {
				d.failKey(at, fix, "%s: the server's on-data is %q (the default), so no message comes back", name, s.Server.OnData)
			}
		case !connected:
			d.failKey(at, `put a [[phase]] kind = "connect" before it`, "%s: no connect phase comes before it, so no connection could send", name)
		}
	}
	e := s.Expect
	hasTraffic := hasPhase(s, PhaseTraffic)
	for _, x := range []struct {
		key  string
		set  bool
		need bool
		fix  string
		what string
	}{
		{"rtt-p99-max", e.RTTP99Max > 0, hasTraffic, `add a [[phase]] kind = "traffic", or remove rtt-p99-max`, "round trips are measured by traffic phases"},
		{"rtt-p50-min", e.RTTP50Min > 0, hasTraffic, `add a [[phase]] kind = "traffic", or remove rtt-p50-min`, "round trips are measured by traffic phases"},
		{"messages-per-second-min", e.MessagesPerSecondMin > 0, hasTraffic, `add a [[phase]] kind = "traffic", or remove messages-per-second-min`, "messages are sent by traffic phases"},
		{"connect-p99-max", e.ConnectP99Max > 0, hasPhase(s, PhaseConnect), `add a [[phase]] kind = "connect", or remove connect-p99-max`, "connect latency is measured by connect phases"},
		{"connect-p99-min", e.ConnectP99Min > 0, hasPhase(s, PhaseConnect), `add a [[phase]] kind = "connect", or remove connect-p99-min`, "connect latency is measured by connect phases"},
	} {
		if x.set && !x.need {
			d.failVal("expect."+x.key, x.fix, "expect: %s is set but no phase measures it (%s)", x.key, x.what)
		}
	}
	if (e.ConnectP99Max > 0 || e.ConnectP99Min > 0) && len(s.Client.Command) > 0 {
		key := "connect-p99-max"
		if e.ConnectP99Max == 0 {
			key = "connect-p99-min"
		}
		d.failVal("expect."+key, "remove it, or use the built-in clients (external clients time their own connects)",
			"expect: %s needs the built-in clients: they time each connect", key)
	}
	if e.ConnectP99Max > 0 && e.ConnectP99Min > e.ConnectP99Max {
		d.failVal("expect.connect-p99-min", "make connect-p99-min at most connect-p99-max",
			"expect: connect-p99-min %v is more than connect-p99-max %v", e.ConnectP99Min, e.ConnectP99Max)
	}
	if e.RTTP99Max > 0 && e.RTTP50Min > e.RTTP99Max {
		d.failVal("expect.rtt-p50-min", "make rtt-p50-min at most rtt-p99-max (a p50 is never above the p99)",
			"expect: rtt-p50-min %v is more than rtt-p99-max %v: both can never hold", e.RTTP50Min, e.RTTP99Max)
	}
	if e.MessagesPerSecondMin > 0 && hasTraffic {
		least, name := math.Inf(1), ""
		for i, p := range s.Phases {
			if p.Kind != PhaseTraffic {
				continue
			}
			if r := MessagesPerSecond(TrafficSenders(int64(s.Client.Connections), p.Fraction), p.Interval); r < least {
				least, name = r, fmt.Sprintf("phase %d (%s)", i+1, p.Name)
			}
		}
		if e.MessagesPerSecondMin > least {
			d.failVal("expect.messages-per-second-min", fmt.Sprintf("expect at most %s (connections × fraction / interval of %s), or send more often", units.Int(int64(least)), name),
				"expect: messages-per-second-min %s is more than %s can ever send (%s per second)", units.Int(int64(e.MessagesPerSecondMin)), name, units.Int(int64(least)))
		}
	}
}

// TrafficSenders is how many of conns connections send in a traffic
// phase of this fraction (each worker rounds its share up, so this is
// at least the whole fraction).
func TrafficSenders(conns int64, fraction float64) int64 {
	if fraction <= 0 || fraction != fraction {
		return 0
	}
	return int64(math.Ceil(float64(conns) * min(fraction, 1)))
}

// MessagesPerSecond is the rate senders ask for sending every interval.
func MessagesPerSecond(senders int64, interval time.Duration) float64 {
	if interval <= 0 {
		return 0
	}
	return float64(senders) / interval.Seconds()
}
