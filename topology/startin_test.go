package topology

import (
	"bufio"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/c1m-testbed/c1m-testbed/internal/hostlock"
)

func TestStartInSeesNamespace(t *testing.T) {
	hostlock.Shared(t)
	skipUnlessRoot(t)
	topo := buildForTest(t, Spec{ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1})
	var st unix.Stat_t
	if err := unix.Stat(nsPath(topo.Clients[0].Name), &st); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", "readlink /proc/self/ns/net; read line; exit 0") // stdin is the lifeline
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := StartIn(topo.Clients[0].Name, cmd); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("net:[%d]", st.Ino); strings.TrimSpace(line) != want {
		t.Errorf("child sees %q, want %q", strings.TrimSpace(line), want)
	}
	if pgid, err := syscall.Getpgid(cmd.Process.Pid); err != nil || pgid != cmd.Process.Pid {
		t.Errorf("child process group = %d (%v), want its own %d", pgid, err, cmd.Process.Pid)
	}
	if cmd.SysProcAttr.Pdeathsig != syscall.SIGKILL {
		t.Errorf("Pdeathsig = %v", cmd.SysProcAttr.Pdeathsig)
	}
	stdin.Close() // cut the lifeline: the child exits
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}
