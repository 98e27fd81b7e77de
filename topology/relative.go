package topology

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/procfs"
)

// relativeBases maps the host settings that may be set relative to what
// is in use ("+N": in use now plus N) to how "in use" is read.
var relativeBases = map[string]func() (int64, error){
	"fs.file-max": filesAllocated,
}

// resolveRelative turns "+N" for a key of relativeBases into in-use + N;
// any other value is returned as it is.
func resolveRelative(key, value string) (string, error) {
	v := strings.TrimSpace(value)
	base, ok := relativeBases[key]
	if !ok || !strings.HasPrefix(v, "+") {
		return value, nil
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimPrefix(v, "+"), "_", ""), 10, 64)
	if err != nil || n < 0 {
		return "", fmt.Errorf("failed to set %s to %q: write \"+N\" with N a whole number", key, value)
	}
	b, err := base()
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(b+n, 10), nil
}

// filesAllocated is the first field of /proc/sys/fs/file-nr: the files
// the whole host has allocated now.
func filesAllocated() (int64, error) {
	data, err := os.ReadFile("/proc/sys/fs/file-nr")
	if err != nil {
		return 0, fmt.Errorf("failed to read /proc/sys/fs/file-nr: %w", err)
	}
	v, ok := procfs.FirstInt(data)
	if !ok {
		return 0, fmt.Errorf("failed to parse /proc/sys/fs/file-nr: %q", data)
	}
	return v, nil
}
