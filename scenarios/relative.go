package scenarios

import (
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
)

// RelativeHostKeys are the [host] settings that may be written "+N": the
// amount in use when the run starts plus N. A lab that lowers such a limit
// to show it being hit cannot know the host's own use in advance, and a
// fixed value below it would break every other process on the host (root
// processes of the host would not notice, others would). The value names
// what "in use" means for the key. Derived from the scope table
// (internal/sysctlscope); the decoder stores "+N" with N in decimal.
var RelativeHostKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range sysctlscope.All() {
		if k.Relative {
			m[k.Name] = k.InUse
		}
	}
	return m
}()

// RelativeHostValue reports whether v is a relative [host] value "+N" and
// returns N.
func RelativeHostValue(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "+") {
		return 0, false
	}
	n, err := ParseCount(strings.TrimPrefix(v, "+"))
	if err != nil {
		return 0, false
	}
	return n, true
}
