package topology

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// burnFor is the CPU the burn-at-exit helper spends after SIGTERM.
const burnFor = 300 * time.Millisecond

// burnAtExit plays a program whose work happens as it ends: it says
// "ready", and on SIGTERM spends burnFor of CPU and exits 3.
func burnAtExit() {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	os.Stdout.WriteString("ready\n")
	<-term
	var ru syscall.Rusage
	for {
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= burnFor {
			os.Exit(3)
		}
	}
}

// TestFinalReading: a child's CPU spent after its last live reading (here
// all of it, after SIGTERM) is in the reading taken as it exits, and the
// child is left for Wait, which still sees its exit status.
func TestFinalReading(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=burn-at-exit")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	live, err := ReadProcess(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	final, err := FinalReading(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if final.Start != live.Start {
		t.Errorf("final reading is of another process: start %d, live %d", final.Start, live.Start)
	}
	// The floor: what it burned, less one clock tick of rounding.
	if got, floor := final.UserCPU+final.SystemCPU, burnFor-time.Second/ClockTicks; got < floor {
		t.Errorf("final CPU %v, want at least %v (live reading before SIGTERM: %v)", got, floor, live.UserCPU+live.SystemCPU)
	}
	var exit *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("Wait after the final reading: %v, want exit status 3", err)
	}
}
