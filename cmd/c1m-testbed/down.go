package main

import (
	"fmt"
	"os"

	"github.com/c1m-testbed/c1m-testbed/lab"
)

func init() {
	register(&command{name: "down", summary: "stop a running lab: processes, namespaces, host settings", run: downCmd})
}

func downCmd(args []string) int {
	fs := newFlags("down", "[RUN]",
		`Stops a lab started with 'c1m-testbed up': signals its owner, which stops
the lab's processes, deletes its namespaces, restores the host settings it
changed and exits. Waits for that, shows the owner's last log lines, and
checks that nothing of the lab is left. RUN may be left out when one lab is
up. A lab whose owner died is recovered by 'c1m-testbed clean'.

Exit status: 0 the lab is gone and the host restored, 1 something is left,
2 no such lab is up, 3 not root.`,
		"  sudo c1m-testbed down\n  sudo c1m-testbed down ab12cd")
	runFlag := fs.String("run", "", "the lab's run `ID` (same as the RUN argument)")
	if code, done := parseFlags(fs, reorder(fs, args)); done {
		return code
	}
	runID := *runFlag
	if fs.NArg() > 1 || (fs.NArg() == 1 && runID != "" && runID != fs.Arg(0)) {
		fmt.Fprintln(os.Stderr, "c1m-testbed down: name at most one lab, e.g. 'c1m-testbed down ab12cd'")
		return exitUsage
	}
	if fs.NArg() == 1 {
		runID = fs.Arg(0)
	}
	return exitFor("down", lab.Down(runID, os.Stdout))
}
