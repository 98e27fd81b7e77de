package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats of a group: what each version offers. Fields the version (or the
// kernel, or the group's controllers) lacks stay 0, and Has says which
// fields are set.
type Stats struct {
	// MemoryBytes and MemoryPeak are memory.current and memory.peak (v2;
	// the peak where the kernel has it, 5.19 on), memory.usage_in_bytes
	// and memory.max_usage_in_bytes (v1).
	MemoryBytes, MemoryPeak int64
	// SocketBytes is memory.stat's "sock" (v2) or
	// memory.kmem.tcp.usage_in_bytes (v1).
	SocketBytes int64
	// OOMKills is the "oom_kill" count of memory.events (v2) or
	// memory.oom_control (v1, Linux 4.13 on).
	OOMKills int64
	// CPUSeconds is cpu.stat's usage_usec (v2) or cpuacct.usage (v1, when
	// the cpuacct hierarchy is there).
	CPUSeconds float64
	// Periods and Throttled are cpu.stat's nr_periods and nr_throttled.
	Periods, Throttled int64
	// ThrottledSeconds is cpu.stat's throttled_usec (v2) or
	// throttled_time (v1, in ns).
	ThrottledSeconds float64
	// Has tells which fields were read.
	Has Field
}

// Field names a group of Stats fields in Stats.Has.
type Field uint

// The fields of Stats, as bits of Stats.Has.
const (
	HasMemory           Field = 1 << iota // MemoryBytes
	HasMemoryPeak                         // MemoryPeak
	HasSocket                             // SocketBytes
	HasOOMKills                           // OOMKills
	HasCPU                                // CPUSeconds
	HasThrottling                         // Periods and Throttled
	HasThrottledSeconds                   // ThrottledSeconds
)

// Stats reads what the kernel accounted in the group. A file or key that
// is missing leaves its field unset; one that cannot be read or parsed is
// an error (the fields read are returned all the same).
func (g *Group) Stats() (Stats, error) {
	var s Stats
	var errs []error
	read := func(dir, file string, f Field, set func(string) error) {
		if dir == "" {
			return
		}
		p := filepath.Join(dir, file)
		text, err := readSmall(p)
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if err == nil {
			err = set(strings.TrimSpace(text))
		}
		if errors.Is(err, errMissingKey) {
			return
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("failed to read %s: %w", p, err))
			return
		}
		s.Has |= f
	}
	mem, cpu, acct := g.dirs[memoryCtl], g.dirs[cpuCtl], g.dirs[cpuacctCtl]
	if g.version == V2 {
		read(mem, "memory.current", HasMemory, intInto(&s.MemoryBytes))
		read(mem, "memory.peak", HasMemoryPeak, intInto(&s.MemoryPeak))
		read(mem, "memory.stat", HasSocket, keyInto("sock", &s.SocketBytes))
		read(mem, "memory.events", HasOOMKills, keyInto("oom_kill", &s.OOMKills))
		var usec, thr int64
		read(acct, "cpu.stat", HasCPU, keyInto("usage_usec", &usec))
		read(cpu, "cpu.stat", HasThrottling, keysInto(map[string]*int64{"nr_periods": &s.Periods, "nr_throttled": &s.Throttled}))
		read(cpu, "cpu.stat", HasThrottledSeconds, keyInto("throttled_usec", &thr))
		s.CPUSeconds, s.ThrottledSeconds = float64(usec)/1e6, float64(thr)/1e6
	} else {
		read(mem, "memory.usage_in_bytes", HasMemory, intInto(&s.MemoryBytes))
		read(mem, "memory.max_usage_in_bytes", HasMemoryPeak, intInto(&s.MemoryPeak))
		read(mem, "memory.kmem.tcp.usage_in_bytes", HasSocket, intInto(&s.SocketBytes))
		read(mem, "memory.oom_control", HasOOMKills, keyInto("oom_kill", &s.OOMKills))
		var ns, thr int64
		read(acct, "cpuacct.usage", HasCPU, intInto(&ns))
		read(cpu, "cpu.stat", HasThrottling, keysInto(map[string]*int64{"nr_periods": &s.Periods, "nr_throttled": &s.Throttled}))
		read(cpu, "cpu.stat", HasThrottledSeconds, keyInto("throttled_time", &thr))
		s.CPUSeconds, s.ThrottledSeconds = float64(ns)/1e9, float64(thr)/1e9
	}
	return s, errors.Join(errs...)
}

// intInto parses a file holding one integer into *v.
func intInto(v *int64) func(string) error {
	return func(text string) (err error) {
		*v, err = strconv.ParseInt(text, 10, 64)
		return err
	}
}

// keyInto parses the "key value" line named key of a flat-keyed file
// (memory.stat, memory.events, cpu.stat, memory.oom_control) into *v;
// a missing key is an error, so Has stays unset.
func keyInto(key string, v *int64) func(string) error {
	return keysInto(map[string]*int64{key: v})
}

// keysInto is keyInto for several keys, all required.
func keysInto(want map[string]*int64) func(string) error {
	return func(text string) error {
		found := 0
		for _, line := range strings.Split(text, "\n") {
			k, val, ok := strings.Cut(line, " ")
			v, wanted := want[k]
			if !ok || !wanted {
				continue
			}
			n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
			if err != nil {
				return fmt.Errorf("key %s: %w", k, err)
			}
			*v = n
			found++
		}
		if found < len(want) {
			return errMissingKey
		}
		return nil
	}
}

// errMissingKey marks a flat-keyed file without a key we read: the field
// is left unset rather than reported as an error.
var errMissingKey = errors.New("key not present")
