package testbed

import (
	"fmt"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/measure"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
	"github.com/c1m-testbed/c1m-testbed/verdict"
)

// record assembles run.json once, at the end, from what each step of the
// run returned: the host as found (r.env), the settings set (r.hostSet),
// each phase's result (r.phases), the counters, the samples' peaks, the
// workers, what teardown found (c) and the first failure. Nothing else
// writes a run's record.
func (r *runner) record(c closing, failure error) *results.Record {
	rec := &results.Record{Version: results.RecordVersion, Scenario: r.sc.Name, Source: r.sc.Source, Description: r.sc.Description,
		Scale: r.opt.Scale, Started: r.start, Ended: time.Now(), ScenarioBody: r.sc, Plan: r.plan, RunID: r.runID,
		Env: r.env, Phases: r.phases, Counters: r.counters, Host: r.hostSet, KernelLog: c.kernelLog,
		SharedWith: c.sharedWith, SharedHost: len(c.sharedWith) > 0}
	rec.Env.SysctlsAfter = c.sysctlsAfter
	for i := range rec.Host {
		h := &rec.Host[i]
		h.After = c.sysctlsAfter[h.Key]
		h.Restored = sameValue(h.Before, h.After)
	}
	rec.Actions = recordActions(r.actions, rec.Host)
	if ip := r.opt.InPlace; ip != nil {
		rec.Extra = map[string]string{results.ExtraMode: results.ModeClients, results.ExtraShard: ip.Shard.String(), results.ExtraTarget: ip.Target.String()}
	}
	rec.Summary = r.summary(c)
	for _, w := range r.fleet.all() {
		ww := results.Worker{Role: w.role, Index: w.index, Namespace: w.namespace, PID: w.pid(), Exit: exitString(w.exitErr), Killed: w.killedEarly()}
		if ww.Killed {
			rec.Summary.WorkersKilled++
			ww.Tail = w.tail.String()
		}
		rec.Workers = append(rec.Workers, ww)
		if p, ok := w.kind.(*externalProgram); ok {
			programExtra(rec, w, p)
		}
	}
	if r.sampler != nil {
		rec.Roles = r.sampler.Roles()
		if smp, meter, ran := r.sampler.Cost(); ran {
			rec.Measurement = &results.MeasurementCost{SamplerCPUSeconds: smp.Seconds(), MeterCPUSeconds: meter.Seconds(),
				OrchestratorCPUSeconds: measure.ProcessCPU().Seconds()}
		}
	}
	for i := range rec.Roles {
		cg := r.cgroupUsage(rec.Roles[i].Role)
		if cg == nil {
			continue
		}
		rec.Roles[i].Cgroup = cg
		rec.Summary.OOMKills += cg.OOMKills
		rec.Summary.MaxThrottledPercent = max(rec.Summary.MaxThrottledPercent, cg.ThrottledPercent())
	}
	rec.Expectations = verdict.Check(r.sc.Expect, r.sc.Topology, rec.Summary, rec.Phases, rec.Counters)
	rec.Passed = verdict.Passed(rec.Expectations)
	var fails []string
	if failure != nil {
		fails = append(fails, failure.Error())
	}
	fails = append(fails, c.failures()...)
	if len(fails) > 0 {
		rec.Failure = strings.Join(fails, "; ")
		rec.Passed = false
	}
	r.mu.Lock()
	rec.Notes = append(rec.Notes, r.notes...)
	r.mu.Unlock()
	return rec
}

// summary is the run's summary: peaks and memory per connection from the
// samples, the ramp and close times from the phases, latency, errors and
// what teardown found.
func (r *runner) summary(c closing) results.Summary {
	var s results.Summary
	if r.sampler != nil {
		p := r.sampler.Peaks()
		s.PeakEstablished, s.PeakServerEstablished = p.CliEstablished, p.SrvEstablished
		s.PeakTCPMemPages, s.PeakOrphans, s.PeakTimeWait = p.TCPMemPages, p.Orphans, p.TimeWait
		if p.CliEstablished > 0 {
			s.UserBytesPerConn = float64(p.PSSAtPeak) / float64(p.CliEstablished)
			s.UserRSSBytesPerConn = float64(p.RSSAtPeak) / float64(p.CliEstablished)
			s.KernelBytesPerConn = float64(p.SlabAtPeak-r.sampler.SlabAtStart()) / float64(p.CliEstablished)
		}
		s.Messages = r.fleet.RoleStats(roleServer).Messages
		r.summaryLatency(&s)
		if s.Protocol != nil {
			s.Protocol.PeakReady = p.CliReady
		}
	}
	// A lab that closes right after connecting may peak between two
	// samples; the connect phases saw every stats report, so their
	// reached counts are peaks too.
	for _, ph := range r.phases {
		if ph.Kind == scenarios.PhaseConnect {
			s.PeakEstablished = max(s.PeakEstablished, ph.Reached)
		}
	}
	if s.PeakEstablished > 0 {
		n := float64(s.PeakEstablished)
		s.ServerSyscallsPerConn = float64(r.fleet.RoleStats(roleServer).Syscalls) / n
		s.ClientSyscallsPerConn = float64(r.fleet.RoleStats(roleClient).Syscalls) / n
	}
	if !r.rampEnd.IsZero() {
		s.RampSeconds = r.rampEnd.Sub(r.rampStart).Seconds()
		if s.RampSeconds > 0 {
			s.ConnectsPerSecond = float64(r.rampConns) / s.RampSeconds
		}
	}
	for _, sec := range r.closeSeconds {
		s.CloseSeconds = max(s.CloseSeconds, sec)
	}
	s.Errors = r.fleet.Errors()
	s.KernelMessages = c.kernelMessages
	s.HostRestored = c.restored
	s.Leftovers, s.LeftoverItems = len(c.left), c.left
	return s
}

// programExtra records what was measured of an external program from
// outside in run.json's extra map, under "<role>.<index>.".
func programExtra(rec *results.Record, w *worker, prog *externalProgram) {
	if rec.Extra == nil {
		rec.Extra = map[string]string{}
	}
	w.mu.Lock()
	p := w.peak
	if w.hasFinal { // its CPU to the end, exit included
		p.CPUSeconds = (w.final.UserCPU + w.final.SystemCPU).Seconds()
	}
	w.mu.Unlock()
	k := fmt.Sprintf("%s.%d.", w.role, w.index)
	rec.Extra[k+"command"] = prog.command()
	rec.Extra[k+"exit"] = exitString(w.exitErr)
	rec.Extra[k+"cpu_seconds"] = fmt.Sprintf("%.2f", p.CPUSeconds)
	rec.Extra[k+"peak_rss_bytes"] = fmt.Sprint(p.RSS)
	rec.Extra[k+"peak_pss_bytes"] = fmt.Sprint(p.PSS)
	rec.Extra[k+"peak_fds"] = fmt.Sprint(p.FDs)
	if t := lastLines(w.tail.String(), 20); t != "" {
		rec.Extra[k+"output_tail"] = t
	}
}
