package scenarios

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestJSONDurations(t *testing.T) {
	s := mustLoad(t, "million")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"timeout_seconds":300`, `"duration_seconds":10`, `"close_within_seconds":60`, `"client_namespaces":4`, `"min_established":1000000`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("scenario JSON lacks %s: %s", want, b)
		}
	}
	var back Scenario
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Phases[0].Timeout != 5*time.Minute || back.Expect.CloseWithin != time.Minute || back.Phases[1].Duration != 10*time.Second {
		t.Errorf("round trip lost durations: %+v %+v", back.Phases, back.Expect)
	}
}
