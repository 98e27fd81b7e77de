package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/testbed"
)

// printLab describes a lab: its nodes with their addresses, and its processes.
func printLab(w io.Writer, lab *testbed.Lab) {
	fmt.Fprintf(w, "lab %s: scenario %s (%s), owner pid %d, up since %s\n",
		lab.RunID, lab.Scenario, lab.Source, lab.OwnerPID, lab.Started.Format("2006-01-02 15:04:05"))
	ports := make([]string, len(lab.Ports))
	for i, p := range lab.Ports {
		ports[i] = fmt.Sprint(p)
	}
	fmt.Fprintf(w, "  %-4s %-16s %s  ports %s\n", lab.Server.Node, lab.Server.Namespace, addrList(lab.Server.Addrs), strings.Join(ports, ","))
	for _, c := range lab.Clients {
		fmt.Fprintf(w, "  %-4s %-16s %s\n", c.Node, c.Namespace, addrList(c.Addrs))
	}
	for _, p := range lab.Workers {
		what := "built-in node"
		if p.Command != "" {
			what = p.Command
		}
		fmt.Fprintf(w, "  %s %d: pid %d in %s: %s\n", p.Role, p.Index, p.PID, p.Namespace, what)
	}
	if lab.Connect != "" {
		fmt.Fprintf(w, "  connect: %s\n", lab.Connect)
	}
}

// addrList shows up to 4 addresses, then how many more.
func addrList(as []string) string {
	if len(as) <= 4 {
		return strings.Join(as, ",")
	}
	return fmt.Sprintf("%s,… (%d addresses)", strings.Join(as[:4], ","), len(as))
}
