package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/merge"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// TestMergeFailedEscapes: merge's errors quote what the shards hold
// (scenario and phase names, paths): printed raw, an escape sequence in
// them cleared the screen.
func TestMergeFailedEscapes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		want string
	}{
		{fmt.Errorf("%w: shard 0 of scenario x\x1b[2J\rall expectations held\u202e", merge.ErrInput), exitUsage, `x\x1b[2J\rall expectations held\u202e`},
		{fmt.Errorf("%w: results/a\x07 exists", results.ErrUnsafeDir), exitUsage, `results/a\x07 exists`},
		{errors.New("disk\x1b[31m full"), exitFailed, `disk\x1b[31m full`},
	} {
		var b bytes.Buffer
		if code := mergeFailed(&b, tc.err); code != tc.code {
			t.Errorf("mergeFailed(%q) = %d, want %d", tc.err, code, tc.code)
		}
		out := b.String()
		if !strings.HasPrefix(out, "c1m-testbed merge: ") || !strings.Contains(out, tc.want) || strings.ContainsAny(strings.TrimSuffix(out, "\n"), "\x1b\r\a\n\u202e") {
			t.Errorf("mergeFailed(%q) printed %q, want it escaped (%s)", tc.err, out, tc.want)
		}
	}
}
