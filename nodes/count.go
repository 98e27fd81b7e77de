package nodes

import "bytes"

var newline = []byte{'\n'}

// countNewlines counts newline-terminated messages in b (vectorised, no
// allocation). A message split across reads is counted once, at its '\n'.
func countNewlines(b []byte) int { return bytes.Count(b, newline) }
