package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results"
)

// runAnchor runs an anchor sitting at scale f of million and prints each
// pair's ratios (product / C) and their medians, to stdout and to
// anchor.txt in the sitting's directory.
func runAnchor(f float64, pairs int, out string) error {
	if pairs < 1 {
		return fmt.Errorf("--pairs %d: run at least one pair", pairs)
	}
	vs, err := anchorVariants(f, pairs)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join("results", "bench-anchor-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	ms, err := run(vs, nil, out)
	if err != nil {
		return err
	}
	var b strings.Builder
	printAnchor(&b, ms, slabFloor())
	fmt.Print("\n" + b.String())
	return os.WriteFile(filepath.Join(out, "anchor.txt"), []byte(b.String()), 0o644)
}

// anchorFigure is one figure of a run of the sitting.
type anchorFigure struct {
	name, f string
	get     func(m measured) float64
}

var anchorFigures = []anchorFigure{
	{"ramp s", "%.1f", func(m measured) float64 { return m.rec.Summary.RampSeconds }},
	{"close s", "%.1f", func(m measured) float64 { return m.rec.Summary.CloseSeconds }},
	{"user B/conn (PSS)", "%.0f", func(m measured) float64 { return m.rec.Summary.UserBytesPerConn }},
	{"kernel B/conn", "%.0f", func(m measured) float64 { return m.rec.Summary.KernelBytesPerConn }},
	{"user CPU s", "%.1f", func(m measured) float64 { return m.user }},
	{"system CPU s", "%.1f", func(m measured) float64 { return m.sys }},
	{"workers' user CPU s", "%.1f", func(m measured) float64 { return rolesCPU(m.rec, false) }},
	{"workers' system CPU s", "%.1f", func(m measured) float64 { return rolesCPU(m.rec, true) }},
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

// printAnchor prints every pair (runs 2i and 2i+1: C, then product) and
// the medians of the ratios. floor is the slab floor per connection (0 =
// unknown).
func printAnchor(w io.Writer, ms []measured, floor float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"figure"}
	for i := 0; i+1 < len(ms); i += 2 {
		head = append(head, fmt.Sprintf("C %d", i/2+1), fmt.Sprintf("ours %d", i/2+1), "ratio")
	}
	head = append(head, "median ratio")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, fig := range anchorFigures {
		cells := []string{fig.name}
		var ratios []float64
		for i := 0; i+1 < len(ms); i += 2 {
			c, o := fig.get(ms[i]), fig.get(ms[i+1])
			r := "-"
			if c > 0 {
				ratios = append(ratios, o/c)
				r = fmt.Sprintf("x%.2f", o/c)
			}
			cells = append(cells, fmt.Sprintf(fig.f, c), fmt.Sprintf(fig.f, o), r)
		}
		med := "-"
		if len(ratios) > 0 {
			med = fmt.Sprintf("x%.2f", median(ratios))
		}
		fmt.Fprintln(tw, strings.Join(append(cells, med), "\t")+"\t")
	}
	if floor > 0 {
		cells := []string{"kernel / slab floor"}
		for i := 0; i+1 < len(ms); i += 2 {
			cells = append(cells, fmt.Sprintf("x%.2f", ms[i].rec.Summary.KernelBytesPerConn/floor),
				fmt.Sprintf("x%.2f", ms[i+1].rec.Summary.KernelBytesPerConn/floor), "")
		}
		fmt.Fprintln(tw, strings.Join(append(cells, ""), "\t")+"\t")
	}
	tw.Flush()
	for i, m := range ms {
		verdict := "passed"
		if !passed(m.rec) {
			verdict = "FAILED: " + m.rec.Failure
		}
		fmt.Fprintf(w, "run %d %s: peak %d, %s\n", i+1, m.rec.Scenario, m.rec.Summary.PeakEstablished, verdict)
	}
	if floor > 0 {
		fmt.Fprintf(w, "slab floor: %.0f B per connection (two sockets: %s)\n", floor, strings.Join(slabCaches, " + "))
	}
	fmt.Fprintln(w, "ratios are ours / C; CPU is the c1m-testbed process with everything it waited for (its workers or the C programs)")
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
