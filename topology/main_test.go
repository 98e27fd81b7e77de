package topology

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// helperEnv marks the test binary re-executed as a crashing run.
const helperEnv = "C1M_TOPOLOGY_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "crash" {
		if err := crashHelper(); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		select {} // wait for SIGKILL
	}
	if os.Getenv(helperEnv) == "burn-at-exit" {
		burnAtExit()
	}
	os.Exit(m.Run())
}

// crashHelper plays a run that dies: it claims C1M_RUN, builds a small
// topology, journals a host setting, starts a process inside a client
// namespace that outlives it, prints "ready <pid>" and waits to be killed.
func crashHelper() error {
	id := os.Getenv("C1M_RUN")
	if _, err := Claim(id); err != nil {
		return err
	}
	topo, err := Build(context.Background(), Spec{RunID: id, ClientNamespaces: 2, ClientAddresses: 2, ServerAddresses: 1})
	if err != nil {
		return err
	}
	j, err := OpenJournal(id)
	if err != nil {
		return err
	}
	if err := j.Set(os.Getenv("C1M_KEY"), os.Getenv("C1M_VALUE")); err != nil {
		return err
	}
	sleeper := exec.Command("sleep", "60") // no Pdeathsig: it survives us
	if err := Do(topo.Clients[0].Name, sleeper.Start); err != nil {
		return err
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "ready %s\n", strconv.Itoa(sleeper.Process.Pid))
	return w.Flush()
}
