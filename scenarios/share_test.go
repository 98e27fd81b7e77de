package scenarios

import (
	"strings"
	"testing"
)

// TestEstablishedShare checks min- and max-established written as a
// share of client.connections: rounded towards what still holds, refused
// outside 0% to 100%, and following an override of the connections.
func TestEstablishedShare(t *testing.T) {
	const base = "[client]\nconnections = 1001\n[[phase]]\nkind = \"connect\"\n[expect]\n"
	for _, tc := range []struct {
		expect   string
		min, max int
		err      string
	}{
		{`min-established = "100%"`, 1001, 0, ""},
		{`min-established = "99%"`, 991, 0, ""}, // 990.99 rounds up: a floor
		{`max-established = "99%"`, 0, 990, ""}, // rounds down: a cap
		{`min-established = "50 %"`, 501, 0, ""},
		{`min-established = 1000`, 1000, 0, ""},
		{`min-established = "101%"`, 0, 0, "not 0% to 100%"},
		{`min-established = "-1%"`, 0, 0, "not 0% to 100%"},
		{`max-established = "many%"`, 0, 0, "not a percentage"},
	} {
		s, err := Parse("share.toml", []byte(base+tc.expect+"\n"))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "share.toml:6:") {
				t.Errorf("%s: %v, want an error at line 6 with %q", tc.expect, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.expect, err)
			continue
		}
		if s.Expect.MinEstablished != tc.min || s.Expect.MaxEstablished != tc.max {
			t.Errorf("%s: min %d max %d, want %d %d", tc.expect, s.Expect.MinEstablished, s.Expect.MaxEstablished, tc.min, tc.max)
		}
	}
	s, err := LoadWith("smoke", []Override{{Key: "client.connections", Value: "12k"}})
	if err != nil || s.Expect.MinEstablished != 12000 {
		t.Fatalf("smoke with 12k connections: %v, min-established %d", err, s.Expect.MinEstablished)
	}
}
