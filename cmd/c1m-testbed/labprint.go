package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/lab"
)

// printLab describes a lab: its nodes with their addresses, and its processes.
func printLab(w io.Writer, l *lab.Lab) {
	fmt.Fprintf(w, "lab %s: scenario %s (%s), owner pid %d, up since %s\n",
		l.RunID, l.Scenario, l.Source, l.OwnerPID, l.Started.Format("2006-01-02 15:04:05"))
	ports := make([]string, len(l.Ports))
	for i, p := range l.Ports {
		ports[i] = fmt.Sprint(p)
	}
	fmt.Fprintf(w, "  %-4s %-16s %s  ports %s\n", l.Server.Short, l.Server.Name, addrList(l.Server.Addrs), strings.Join(ports, ","))
	for _, c := range l.Clients {
		fmt.Fprintf(w, "  %-4s %-16s %s\n", c.Short, c.Name, addrList(c.Addrs))
	}
	for _, p := range l.Workers {
		what := "built-in node"
		if p.Command != "" {
			what = p.Command
		}
		fmt.Fprintf(w, "  %s %d: pid %d in %s: %s\n", p.Role, p.Index, p.PID, p.Namespace, what)
	}
	if l.Connect != "" {
		fmt.Fprintf(w, "  connect: %s\n", l.Connect)
	}
}

// addrList shows up to 4 addresses, then how many more.
func addrList(as []string) string {
	if len(as) <= 4 {
		return strings.Join(as, ",")
	}
	return fmt.Sprintf("%s,… (%d addresses)", strings.Join(as[:4], ","), len(as))
}
