package procfs

import "strings"

// ParseCPUModel returns the first "model name" of /proc/cpuinfo, or "" when
// it has none (some architectures name it otherwise).
func ParseCPUModel(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
