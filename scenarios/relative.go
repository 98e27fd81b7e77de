package scenarios

import (
	"strings"
)

// RelativeHostKeys are the [host] settings that may be written "+N": the
// amount in use when the run starts plus N. A lab that lowers such a limit
// to show it being hit cannot know the host's own use in advance, and a
// fixed value below it would break every other process on the host (root
// processes of the host would not notice, others would). The value names
// what "in use" means for the key.
var RelativeHostKeys = map[string]string{
	"fs.file-max": "the files allocated (file-nr)",
}

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
