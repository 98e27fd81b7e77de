package procfs

import (
	"os"
	"strconv"
	"strings"
)

// ReadFile returns a file's content, or nil when it cannot be read.
func ReadFile(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return data
}

// ReadInt reads the first integer of a file (a sysctl, file-nr, a
// conntrack count). ok is false when the file is missing, empty or does
// not start with an integer.
func ReadInt(path string) (v int64, ok bool) {
	return FirstInt(ReadFile(path))
}

// FirstInt parses the first whitespace-separated field of data as an
// integer. ok is false when there is none or it is not an integer.
func FirstInt(data []byte) (v int64, ok bool) {
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseInt(f[0], 10, 64)
	return v, err == nil
}
