package procfs

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// ParseMeminfo returns the fields of /proc/meminfo (or of a
// /proc/<pid>/smaps_rollup, which has the same form) by name, in bytes
// where the file says kB. Lines it cannot read are left out.
func ParseMeminfo(data []byte) map[string]int64 {
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		if len(f) > 2 && f[2] == "kB" {
			v *= 1024
		}
		m[strings.TrimSuffix(f[0], ":")] = v
	}
	return m
}
