package lab

import (
	"fmt"
	"os"
	"syscall"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// HostState is what 'c1m-testbed status' shows: the labs and the other
// runs on this host, and who holds the host lock.
type HostState struct {
	// Labs are the labs, live or dead.
	Labs []Info
	// Runs are the runs that are not labs (c1m-testbed run, or a lab
	// still starting), live or dead.
	Runs []topology.RunInfo
	// Holders hold the host lock now.
	Holders []Holder
}

// Status reads the state of every lab and run on this host.
func Status() (*HostState, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: reading the labs' namespaces needs root: try 'sudo c1m-testbed status'", ErrRefused)
	}
	labs, err := List()
	if err != nil {
		return nil, err
	}
	st := &HostState{Labs: labs, Holders: Holders("")}
	isLab := map[string]bool{}
	for _, l := range labs {
		isLab[l.RunID] = true
	}
	runs, err := topology.Runs()
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		if !isLab[r.RunID] {
			st.Runs = append(st.Runs, r)
		}
	}
	return st, nil
}

// Ended lists the lab's processes that have ended.
func (l *Lab) Ended() []Process {
	var out []Process
	for _, p := range l.Workers {
		if syscall.Kill(p.PID, 0) != nil {
			out = append(out, p)
		}
	}
	return out
}
