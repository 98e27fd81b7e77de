package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// TestPhasesCapped: a scenario of more than MaxPhases phases is refused
// (merge and report refuse records beyond it), MaxPhases is accepted.
func TestPhasesCapped(t *testing.T) {
	for _, n := range []int{MaxPhases, MaxPhases + 1} {
		src := "[client]\nconnections = 10\n" + strings.Repeat("[[phase]]\nkind = \"hold\"\nduration = \"1s\"\n", n)
		_, err := Parse("p.toml", []byte(src))
		var e *Error
		switch {
		case n <= MaxPhases && err != nil:
			t.Errorf("%d phases: %v", n, err)
		case n > MaxPhases && (!errors.As(err, &e) || !strings.Contains(e.Msg, "phases") || e.Fix == ""):
			t.Errorf("%d phases: got %v, want a refusal with a fix", n, err)
		}
	}
}
