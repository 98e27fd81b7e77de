package topology

import (
	"os"
	"testing"
)

// TestProcessAliveSelf: this process is alive under its own start time, not
// under another, and a pid that cannot exist is not alive.
func TestProcessAliveSelf(t *testing.T) {
	start, err := ProcessStart(os.Getpid())
	if err != nil || start == 0 {
		t.Fatalf("ProcessStart(self) = %d, %v", start, err)
	}
	if !ProcessAlive(os.Getpid(), start) || !ProcessAlive(os.Getpid(), 0) {
		t.Errorf("ProcessAlive(self) = false")
	}
	if ProcessAlive(os.Getpid(), start+1) {
		t.Errorf("ProcessAlive(self, other start) = true: pid reuse would go unnoticed")
	}
	for _, pid := range []int{0, -1, 1 << 30} {
		if ProcessAlive(pid, 0) {
			t.Errorf("ProcessAlive(%d) = true", pid)
		}
	}
}
