package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/atomicfile"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// File and Log are the lab's description and its owner's log, in the
// run's record directory (topology.RunDir/<run id>/).
const (
	File = "lab.json"
	Log  = "log"
)

// Lab describes a laboratory that is up (c1m-testbed up), as its owner
// wrote it to File.
type Lab struct {
	RunID    string    `json:"run_id"`
	Scenario string    `json:"scenario"`
	Source   string    `json:"source"`
	OwnerPID int       `json:"owner_pid"`
	Started  time.Time `json:"started"`
	// Log is the owner's log file; it goes away with the lab.
	Log     string      `json:"log"`
	Ports   []int       `json:"ports"`
	Server  Namespace   `json:"server"`
	Clients []Namespace `json:"clients"`
	Workers []Process   `json:"workers"`
	// Connect says how the clients' connect went, when clients were started.
	Connect string `json:"connect,omitempty"`
	// Actions are the privileged actions the lab took (host settings with
	// their old and new values, namespaces, programs run as root).
	Actions []results.Action `json:"privileged_actions,omitempty"`
}

// Namespace is one network namespace of a lab: the short name the
// commands take for it (srv, c1, c2…: exec's NAMESPACE), its name under
// /run/netns and its addresses.
type Namespace struct {
	Short string   `json:"short"`
	Name  string   `json:"namespace"`
	Addrs []string `json:"addrs"`
}

// Process is one process a lab runs.
type Process struct {
	Role      string `json:"role"`
	Index     int    `json:"index"`
	Namespace string `json:"namespace"`
	PID       int    `json:"pid"`
	// Command is an external program's command line; empty for a built-in node.
	Command string `json:"command,omitempty"`
}

// Write writes l as File in the run's record directory dir, atomically
// and never through a symbolic link.
func Write(dir string, l *Lab) error {
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	r, err := os.OpenRoot(dir)
	if err == nil {
		err = atomicfile.Write(r, File, append(data, '\n'), 0o644)
		r.Close()
	}
	if err != nil {
		return fmt.Errorf("failed to write the lab description %s: %w", filepath.Join(dir, File), err)
	}
	return nil
}

// NamespaceOf maps a short name of the lab's namespaces (srv, server, c1,
// c2…) or a full namespace name of the lab to the namespace's name.
func (l *Lab) NamespaceOf(name string) (string, error) {
	if name == "srv" || name == "server" || name == l.Server.Name {
		return l.Server.Name, nil
	}
	for _, c := range l.Clients {
		if name == c.Short || name == c.Name {
			return c.Name, nil
		}
	}
	names := []string{"srv"}
	for _, c := range l.Clients {
		names = append(names, c.Short)
	}
	return "", notFound("lab %s has no namespace %q: use one of %s (or its full name)", l.RunID, name, strings.Join(names, ", "))
}
