package measure

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// fakeCgroup returns its readings one by one, then fails (as a removed
// cgroup does).
type fakeCgroup struct{ readings []results.CgroupSample }

func (f *fakeCgroup) Sample() (results.CgroupSample, error) {
	if len(f.readings) == 0 {
		return results.CgroupSample{}, errors.New("gone")
	}
	c := f.readings[0]
	f.readings = f.readings[1:]
	return c, nil
}

// TestSamplerReadsCgroups checks that each sample carries a limited
// role's cgroup, leaves the other's cells empty, and that the peak keeps
// the most memory even after an OOM kill freed it.
func TestSamplerReadsCgroups(t *testing.T) {
	d, err := results.CreateDir(filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, err := NewSampler(d, time.Now(), &fakeWorkers{}, Where{Clients: []Namespace{Here}}, func() string { return "connect" })
	if err != nil {
		t.Fatal(err)
	}
	srv := &fakeCgroup{readings: []results.CgroupSample{{Memory: 60 << 20, Socket: 1 << 20}, {Memory: 2 << 20, OOMKills: 1}}}
	s.SetCgroups(srv, nil)
	first := s.take()
	if first.SrvCgroup == nil || first.SrvCgroup.Memory != 60<<20 || first.CliCgroup != nil {
		t.Fatalf("first sample: server %+v, client %+v", first.SrvCgroup, first.CliCgroup)
	}
	row := first.Row()
	tail := row[len(row)-len(results.CgroupColumns)-len(results.WindowColumns) : len(row)-len(results.WindowColumns)]
	if got := strings.Join(tail, ","); got != "62914560,1048576,0,0,,,," {
		t.Errorf("cgroup cells = %s", got)
	}
	s.take()
	s.take() // the cgroup is gone: empty cells, the peak kept
	if got := s.Latest(); got.SrvCgroup != nil {
		t.Errorf("a cgroup that cannot be read wrote %+v", got.SrvCgroup)
	}
	peak, ok := s.CgroupPeak(RoleServer)
	if !ok || peak.Memory != 60<<20 || peak.Socket != 1<<20 || peak.OOMKills != 1 {
		t.Errorf("peak = %+v, %v; want the most memory and the kill", peak, ok)
	}
	if _, ok := s.CgroupPeak(RoleClient); ok {
		t.Error("a role without a cgroup has a peak")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
