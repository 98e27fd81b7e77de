package nodes

import (
	"strings"
	"testing"
)

// TestConnectNeedsInFlight: the node has no in-flight default; a connect
// without a positive in_flight is refused with a message that names it,
// and no connect job starts.
func TestConnectNeedsInFlight(t *testing.T) {
	w, err := NewClient(ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, n := range []int{0, -1} {
		err := w.Do(Command{Cmd: CmdConnect, Count: 1, InFlight: n})
		if err == nil || !strings.Contains(err.Error(), "in_flight") {
			t.Errorf("in_flight %d: got %v, want a refusal naming in_flight", n, err)
		}
		if w.cj.active {
			t.Fatalf("in_flight %d: the connect job started anyway", n)
		}
	}
}
