package main

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// perfEvents are what an anchor sitting counts per run: every system call
// entered and every context switch, of c1m-testbed and all it starts.
const perfEvents = "raw_syscalls:sys_enter,context-switches"

// perfStat is the command prefix that counts perfEvents over a command
// and its children into file, or nil when perf is not installed. perf
// stat counts (no sampling): one counter increment per system call.
func perfStat(file string) []string {
	p, err := exec.LookPath("perf")
	if err != nil {
		return nil
	}
	return []string{p, "stat", "-x", ",", "-o", file, "-e", perfEvents, "--"}
}

// readPerfStat reads perf stat's CSV output (-x ,): the counts of
// raw_syscalls:sys_enter and context-switches, -1 each when absent.
func readPerfStat(file string) (syscalls, switches float64) {
	syscalls, switches = -1, -1
	f, err := os.Open(file)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ",")
		if len(fields) < 3 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		switch fields[2] {
		case "raw_syscalls:sys_enter":
			syscalls = v
		case "context-switches":
			switches = v
		}
	}
	return
}
