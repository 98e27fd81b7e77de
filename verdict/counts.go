package verdict

import (
	"fmt"
	"math"
	"sort"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// counts checks the [expect] entries on counts (established, errors,
// bytes per connection, close time, workers, TcpExt counters, kernel
// log lines) against a finished run.
func counts(e scenarios.Expect, sum results.Summary, phases []results.Phase, counters map[string]int64) []results.Expectation {
	var out []results.Expectation
	add := func(name, want, got string, held bool) {
		out = append(out, results.Expectation{Name: name, Want: want, Got: got, Held: held})
	}
	if e.MinEstablished > 0 {
		add("min-established", fmt.Sprintf(">= %d", e.MinEstablished), fmt.Sprint(sum.PeakEstablished), sum.PeakEstablished >= int64(e.MinEstablished))
	}
	if e.MaxEstablished > 0 {
		add("max-established", fmt.Sprintf("<= %d", e.MaxEstablished), fmt.Sprint(sum.PeakEstablished), sum.PeakEstablished <= int64(e.MaxEstablished))
	}
	for _, name := range e.ErrorsPresent {
		add("errors-present "+name, "> 0", fmt.Sprint(sum.Errors[name]), sum.Errors[name] > 0)
	}
	for _, name := range e.ErrorsAbsent {
		if name == "*" {
			add("errors-absent *", "no errors", units.ErrorCounts(sum.Errors), TotalErrors(sum.Errors) == 0)
			continue
		}
		add("errors-absent "+name, "0", fmt.Sprint(sum.Errors[name]), sum.Errors[name] == 0)
	}
	if e.MinUserBytesPerConn > 0 {
		add("min-user-bytes-per-conn", fmt.Sprintf(">= %d B", e.MinUserBytesPerConn), fmt.Sprintf("%.0f B", sum.UserBytesPerConn), sum.UserBytesPerConn >= float64(e.MinUserBytesPerConn))
	}
	if e.MaxUserBytesPerConn > 0 {
		add("max-user-bytes-per-conn", fmt.Sprintf("<= %d B", e.MaxUserBytesPerConn), fmt.Sprintf("%.0f B", sum.UserBytesPerConn),
			sum.UserBytesPerConn > 0 && sum.UserBytesPerConn <= float64(e.MaxUserBytesPerConn))
	}
	if e.MinServerSyscallsPerConn > 0 {
		add("min-server-syscalls-per-conn", fmt.Sprintf(">= %d", e.MinServerSyscallsPerConn), fmt.Sprintf("%.2f", sum.ServerSyscallsPerConn),
			sum.ServerSyscallsPerConn >= float64(e.MinServerSyscallsPerConn))
	}
	if e.MaxServerSyscallsPerConn > 0 {
		add("max-server-syscalls-per-conn", fmt.Sprintf("<= %d", e.MaxServerSyscallsPerConn), fmt.Sprintf("%.2f", sum.ServerSyscallsPerConn),
			sum.ServerSyscallsPerConn > 0 && sum.ServerSyscallsPerConn <= float64(e.MaxServerSyscallsPerConn))
	}
	if e.CloseWithin > 0 {
		for _, ph := range phases {
			if ph.Kind != scenarios.PhaseClose {
				continue
			}
			held := ph.Outcome == "done" && ph.Seconds <= e.CloseWithin.Seconds()
			add("close-within "+ph.Name, fmt.Sprintf("<= %s", e.CloseWithin), fmt.Sprintf("%.1fs (%s)", ph.Seconds, ph.Outcome), held)
		}
	}
	if e.NoNodeKilled {
		add("no-node-killed", "0 workers ended early", fmt.Sprint(sum.WorkersKilled), sum.WorkersKilled == 0)
	}
	if e.MinOOMKills > 0 {
		add("min-oom-kills", fmt.Sprintf(">= %d", e.MinOOMKills), fmt.Sprint(sum.OOMKills), sum.OOMKills >= e.MinOOMKills)
	}
	if e.MaxOOMKills != nil {
		add("max-oom-kills", fmt.Sprintf("<= %d", *e.MaxOOMKills), fmt.Sprint(sum.OOMKills), sum.OOMKills <= *e.MaxOOMKills)
	}
	if e.MaxThrottled != nil {
		add("max-throttled", fmt.Sprintf("<= %g%% of CFS periods", *e.MaxThrottled), fmt.Sprintf("%.1f%%", sum.MaxThrottledPercent), sum.MaxThrottledPercent <= *e.MaxThrottled)
	}
	names := make([]string, 0, len(e.Counters))
	for n := range e.Counters {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		add("counter "+n, fmt.Sprintf(">= %d", e.Counters[n]), fmt.Sprint(counters[n]), counters[n] >= e.Counters[n])
	}
	names = names[:0]
	for n := range e.CountersMax {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		add("counter-max "+n, fmt.Sprintf("<= %d", e.CountersMax[n]), fmt.Sprint(counters[n]), counters[n] <= e.CountersMax[n])
	}
	for _, m := range e.KernelLog {
		n := sum.KernelMessages[m]
		add("kernel-log "+m, "> 0 lines", fmt.Sprint(n), n > 0)
	}
	return out
}

// TotalErrors adds up a run's error counts, saturating at the largest
// int64 (a record's counts may come from anywhere); negative counts add
// nothing.
func TotalErrors(m map[string]int64) int64 {
	var t int64
	for _, v := range m {
		if v > 0 {
			t = min(t, math.MaxInt64-v) + v // saturates: a record's counts may come from anywhere
		}
	}
	return t
}
