package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// runAnchor runs an anchor sitting at scale f of million (with uring,
// the C io_uring pair and its mixes too) and prints each round's figures
// and the medians of their ratios against C/C, to stdout and to
// anchor.txt in the sitting's directory.
func runAnchor(f float64, pairs int, uring bool, out string) error {
	if pairs < 1 {
		return fmt.Errorf("--pairs %d: run at least one pair", pairs)
	}
	vs, err := anchorVariants(f, pairs, uring)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join("results", "bench-anchor-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	countSyscalls, withUring = true, uring
	ms, err := run(vs, nil, out)
	if err != nil {
		return err
	}
	var b strings.Builder
	printAnchor(&b, ms, slabFloor(), roundConfigs(uring))
	fmt.Print("\n" + b.String())
	return os.WriteFile(filepath.Join(out, "anchor.txt"), []byte(b.String()), 0o644)
}

// anchorFigure is one figure of a run of the sitting.
type anchorFigure struct {
	name, f string
	get     func(m measured) float64 // < 0: not measured
}

var anchorFigures = []anchorFigure{
	{"ramp s", "%.1f", func(m measured) float64 { return m.rec.Summary.RampSeconds }},
	{"close s", "%.1f", func(m measured) float64 { return m.rec.Summary.CloseSeconds }},
	{"user B/conn (PSS)", "%.0f", func(m measured) float64 { return m.rec.Summary.UserBytesPerConn }},
	{"kernel B/conn", "%.0f", func(m measured) float64 { return m.rec.Summary.KernelBytesPerConn }},
	{"server CPU s (user+sys)", "%.1f", func(m measured) float64 { return roleCPU(m.rec, "server") }},
	{"client CPU s (user+sys)", "%.1f", func(m measured) float64 { return roleCPU(m.rec, "client") }},
	{"workers' user CPU s", "%.1f", func(m measured) float64 { return rolesCPU(m.rec, false) }},
	{"workers' system CPU s", "%.1f", func(m measured) float64 { return rolesCPU(m.rec, true) }},
	{"syscalls / conn", "%.1f", func(m measured) float64 { return perConn(m, m.syscalls) }},
	{"context switches / conn", "%.2f", func(m measured) float64 { return perConn(m, m.switches) }},
	{"c1m-testbed CPU s (all)", "%.1f", func(m measured) float64 { return m.user + m.sys }},
}

// perConn divides a count of the whole run by its connections (-1 when
// not counted).
func perConn(m measured, v float64) float64 {
	if v < 0 || m.rec.Summary.PeakEstablished <= 0 {
		return -1
	}
	return v / float64(m.rec.Summary.PeakEstablished)
}

// roleCPU is one role's user + system CPU (run.json roles[]), -1 when
// absent.
func roleCPU(r *results.Record, role string) float64 {
	for _, ro := range r.Roles {
		if ro.Role == role {
			return ro.CPUUserSeconds + ro.CPUSystemSeconds
		}
	}
	return -1
}

// rolesCPU sums the roles' CPU (run.json roles[]: the processes in the
// lab's namespaces, the orchestrator not counted); 0 when absent.
func rolesCPU(r *results.Record, sys bool) float64 {
	var t float64
	for _, role := range r.Roles {
		if sys {
			t += role.CPUSystemSeconds
		} else {
			t += role.CPUUserSeconds
		}
	}
	return t
}

// anchorRatios are the ratios a sitting prints, each a config (by slug)
// against C/C (anchorConfigs[0]) round by round: which side holds the
// gap, and with --uring which side io_uring helps. A ratio whose config
// is not in the sitting is left out.
var anchorRatios = []struct {
	name, slug, means string
}{
	{"ours/C", "ours-ours", "both roles ours"},
	{"cli gap", "c-ours", "our clients with the C server"},
	{"srv gap", "ours-c", "our server with the C clients"},
	{"uring/C", "uring-uring", "both roles C io_uring"},
	{"uring srv", "uring-c", "the C io_uring server with the C epoll clients"},
	{"uring cli", "c-uring", "the C io_uring clients with the C epoll server"},
}

// printAnchor prints every figure of every config (each round's value)
// and the medians of the ratios against C/C: ms holds rounds of
// len(cfgs) runs in cfgs' order, C/C first. floor is the slab floor per
// connection (0 = unknown).
func printAnchor(w io.Writer, ms []measured, floor float64, cfgs []anchorConfig) {
	nc := len(cfgs)
	rounds := len(ms) / nc
	type ratio struct {
		name, means string
		cfg         int
	}
	var ratios []ratio
	for _, r := range anchorRatios {
		if k := slices.IndexFunc(cfgs, func(c anchorConfig) bool { return c.slug == r.slug }); k > 0 {
			ratios = append(ratios, ratio{r.name, r.means, k})
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"figure"}
	for _, c := range cfgs {
		head = append(head, c.name)
	}
	for _, r := range ratios {
		head = append(head, r.name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, fig := range anchorFigures {
		cells := []string{fig.name}
		for k := range cfgs {
			var vals []string
			for r := range rounds {
				if v := fig.get(ms[r*nc+k]); v >= 0 {
					vals = append(vals, fmt.Sprintf(fig.f, v))
				} else {
					vals = append(vals, "-")
				}
			}
			cells = append(cells, strings.Join(vals, " / "))
		}
		for _, ra := range ratios {
			var rs []float64
			for r := range rounds {
				c, o := fig.get(ms[r*nc]), fig.get(ms[r*nc+ra.cfg])
				if c > 0 && o >= 0 {
					rs = append(rs, o/c)
				}
			}
			med := "-"
			if len(rs) > 0 {
				med = fmt.Sprintf("x%.2f", median(rs))
			}
			cells = append(cells, med)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if floor > 0 {
		cells := []string{"kernel / slab floor"}
		for k := range cfgs {
			var vals []string
			for r := range rounds {
				vals = append(vals, fmt.Sprintf("x%.2f", ms[r*nc+k].rec.Summary.KernelBytesPerConn/floor))
			}
			cells = append(cells, strings.Join(vals, " / "))
		}
		for range ratios {
			cells = append(cells, "")
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
	for i, m := range ms {
		verdict := "passed"
		if !passed(m.rec) {
			verdict = "FAILED: " + m.rec.Failure
		}
		fmt.Fprintf(w, "run %d (%s, round %d) %s: peak %d, %s\n", i+1, cfgs[i%nc].name, i/nc+1, m.rec.Scenario, m.rec.Summary.PeakEstablished, verdict)
	}
	if floor > 0 {
		fmt.Fprintf(w, "slab floor: %.0f B per connection (two sockets: %s)\n", floor, strings.Join(slabCaches, " + "))
		if len(cfgs) > len(anchorConfigs) {
			fmt.Fprintln(w, "  (epoll's items: an io_uring run holds io_uring requests in their place)")
		}
	}
	fmt.Fprintln(w, "each cell lists the rounds in order; ratios are medians over the rounds against C/C in the same round:")
	var means []string
	for i, r := range ratios {
		means = append(means, r.name+" = "+r.means)
		if len(means) == 3 || i == len(ratios)-1 { // three to a line
			fmt.Fprintln(w, "  "+strings.Join(means, "; "))
			means = nil
		}
	}
	fmt.Fprintln(w, "role CPU is run.json roles[] (the processes in the role's namespaces); syscalls and context switches are perf stat over")
	fmt.Fprintln(w, "c1m-testbed and all it started (both roles and the orchestrator), per established connection; '-' where perf is absent")
}

func passed(r *results.Record) bool {
	if r.Failure != "" {
		return false
	}
	for _, e := range r.Expectations {
		if !e.Held {
			return false
		}
	}
	return true
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// slabCaches are the slab objects every connected socket holds: its TCP
// socket, inode, file, dentry, and epoll item and wait queue.
var slabCaches = []string{"TCP", "sock_inode_cache", "filp", "dentry", "eventpoll_epi", "eventpoll_pwq"}

// slabMerged are the sizes of caches a kernel may merge into a generic
// one (then absent from /proc/slabinfo): eventpoll_pwq is a kmalloc-64.
var slabMerged = map[string]float64{"eventpoll_pwq": 64}

// slabFloor is the kernel's floor per connection: two sockets' worth of
// slabCaches' object sizes (/proc/slabinfo), 0 when unreadable.
func slabFloor() float64 {
	f, err := os.Open("/proc/slabinfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	return parseSlabFloor(f)
}

// parseSlabFloor reads /proc/slabinfo text: name active num objsize ...
func parseSlabFloor(r io.Reader) float64 {
	size := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 {
			continue
		}
		if v, err := strconv.ParseFloat(fs[3], 64); err == nil {
			size[fs[0]] = v
		}
	}
	var per float64
	for _, c := range slabCaches {
		v := size[c]
		if v == 0 {
			v = slabMerged[c]
		}
		if v == 0 {
			return 0
		}
		per += v
	}
	return 2 * per
}
