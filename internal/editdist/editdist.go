// Package editdist measures how far a mistyped name is from a known one, for
// "did you mean" hints in error messages. Pure code, shared by the
// scenario decoder and the sysctl scope table.
package editdist

// maxLen bounds the inputs compared: a longer name is no typo of a key,
// and the quadratic distance stays cheap on hostile input.
const maxLen = 96

// Far is the distance reported for names too long to compare.
const Far = 99

// Distance is the Levenshtein edit distance of a and b (insertions,
// deletions and substitutions of bytes), or Far when either is longer
// than 96 bytes.
func Distance(a, b string) int {
	if len(a) > maxLen || len(b) > maxLen {
		return Far
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
