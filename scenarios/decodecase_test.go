package scenarios

import (
	"strings"
	"testing"
)

// decodeCase is a scenario fragment decoded after a minimal base (a
// client of 100 connections, one connect phase): check holds for what
// it decodes to, or the error contains err.
type decodeCase struct {
	toml  string
	check func(*Scenario) bool
	err   string
}

// decodeCases decodes each case and checks it.
func decodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	const base = "[client]\nconnections = 100\n[[phase]]\nkind = \"connect\"\n"
	for _, tc := range cases {
		s, err := Parse("x.toml", []byte(base+tc.toml))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.toml, err, tc.err)
			}
			continue
		}
		if err != nil || !tc.check(s) {
			t.Errorf("%q: %v; decoded %+v %+v %+v", tc.toml, err, s.Server, s.Client, s.Expect)
		}
	}
}
