package main

import (
	"fmt"
	"io"
	"os"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"github.com/c1m-testbed/c1m-testbed/lab"
)

func init() {
	register(&command{name: "status", summary: "show running labs: nodes, addresses, live connection counts", run: statusCmd})
}

func statusCmd(args []string) int {
	fs := newFlags("status", "",
		`Shows every lab started with 'c1m-testbed up': its run id, scenario, owner
pid, nodes and addresses, its processes, and what the kernel says now in each
node (established connections from Tcp: CurrEstab, and the TCP line of
/proc/net/sockstat, its inuse with /proc/net/sockstat6's IPv6 sockets). Also lists runs in progress, dead labs ('clean'
recovers those) and who holds the host lock.`,
		"  sudo c1m-testbed status")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	st, err := lab.Status()
	if err != nil {
		return exitFor("status", err)
	}
	for i := range st.Labs {
		l := &st.Labs[i]
		if !l.Alive {
			fmt.Printf("lab %s (%s): its owner, pid %d, is gone: 'sudo c1m-testbed clean' removes it and restores the host\n\n", l.RunID, l.Scenario, l.OwnerPID)
			continue
		}
		printLab(os.Stdout, &l.Lab)
		printCounts(os.Stdout, &l.Lab)
		printProcesses(os.Stdout, "server", l.Server.Name)
		fmt.Println()
	}
	for _, r := range st.Runs {
		state := "running, pid " + fmt.Sprint(r.PID)
		if !r.Alive {
			state = "dead: 'sudo c1m-testbed clean' recovers it"
		}
		fmt.Printf("run %s (not a lab: c1m-testbed run, or a lab starting): %s\n", r.RunID, state)
	}
	for _, h := range st.Holders {
		fmt.Printf("host lock: held by %s\n", h)
	}
	if len(st.Labs) == 0 && len(st.Runs) == 0 {
		fmt.Println("no lab is up: start one with 'sudo c1m-testbed up SCENARIO'")
	}
	return exitOK
}

// printCounts shows the live kernel counts of every namespace of the lab
// and whether the lab's processes still run.
func printCounts(w io.Writer, l *lab.Lab) {
	namespaces := append([]lab.Namespace{l.Server}, l.Clients...)
	fmt.Fprintf(w, "  %-4s %12s %10s %8s %8s %10s\n", "ns", "established", "inuse", "orphan", "tw", "alloc")
	for _, n := range namespaces {
		c, err := lab.CountsIn(n.Name)
		if err != nil {
			fmt.Fprintf(w, "  %-4s %v\n", n.Short, err)
			continue
		}
		fmt.Fprintf(w, "  %-4s %12d %10d %8d %8d %10d\n", n.Short, c.Established, c.Sockstat.Inuse, c.Sockstat.Orphan, c.Sockstat.TW, c.Sockstat.Alloc)
	}
	for _, p := range l.Ended() {
		fmt.Fprintf(w, "  %s %d (pid %d) has ended: see %s\n", p.Role, p.Index, p.PID, l.Log)
	}
}

// printProcesses lists every process in a node's namespace (an external
// server's forks included) with its memory, open files and CPU time, and
// their sum.
func printProcesses(w io.Writer, role, ns string) {
	procs := lab.ProcessesIn(ns)
	if len(procs) == 0 {
		fmt.Fprintf(w, "  %s processes: none running in %s\n", role, ns)
		return
	}
	fmt.Fprintf(w, "  %s processes (every process in %s):\n", role, ns)
	fmt.Fprintf(w, "    %7s %7s %-16s %10s %10s %8s %8s  %s\n", "pid", "ppid", "comm", "rss", "pss", "fds", "cpu s", "command")
	var rss, pss, fds int64
	for _, p := range procs {
		cmd := p.Command
		if len(cmd) > 60 {
			cmd = cmd[:57] + "..."
		}
		fmt.Fprintf(w, "    %7d %7d %-16s %10s %10s %8d %8.1f  %s\n", p.PID, p.PPID, p.Comm, units.Bytes(float64(p.RSS)), units.Bytes(float64(p.PSS)), p.FDs, p.CPUSeconds, cmd)
		rss, pss, fds = rss+p.RSS, pss+p.PSS, fds+p.FDs
	}
	fmt.Fprintf(w, "    %7s %7s %-16s %10s %10s %8d\n", "", "", fmt.Sprintf("total (%d)", len(procs)), units.Bytes(float64(rss)), units.Bytes(float64(pss)), fds)
}
