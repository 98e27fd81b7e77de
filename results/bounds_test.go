package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c1m-testbed/c1m-testbed/results/resultstest"
)

// TestRecordBounds: run.json beyond the bounds of a real run is refused
// before it is decoded, with ErrOutOfBounds; a real one passes.
func TestRecordBounds(t *testing.T) {
	hist := `{"histogram":{"unit":"ns","sig":3}}`
	for _, tt := range []struct {
		name string
		data string
		ok   bool
	}{
		{"real", resultstest.ReadFile(t, filepath.Join(testdata, "heartbeat", RunFile)), true},
		{"deep", strings.Repeat("[", MaxJSONDepth+1), false},
		{"keys", `{"extra":{` + strings.Repeat(`"k":"",`, MaxObjectKeys) + `"k":""}}`, false},
		{"phases", `{"phases":[` + strings.Repeat(`{},`, MaxPhases) + `{}]}`, false},
		{"phases ok", `{"phases":[` + strings.Repeat(`{},`, MaxPhases-1) + `{}]}`, true},
		{"phases folded", `{"PHASES":[` + strings.Repeat(`{},`, MaxPhases) + `{}]}`, false},
		{"histograms", `{"x":[` + strings.Repeat(hist+",", MaxHistograms) + hist + `]}`, false},
		{"histograms escaped", `{"x":[` + strings.Repeat(`{"hi\u0073togram":1},`, MaxHistograms+1) + `1]}`, false},
		{"plan", `{"plan":{"a":"` + strings.Repeat("x", MaxSectionSize) + `"}}`, false},
		{"small values", `{"notes":[` + strings.Repeat(`[],`, MaxRecordMemory/costElement/2) + `[]]}`, false},
		{"malformed", `{"phases":]]]}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := recordCost([]byte(tt.data))
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrOutOfBounds) {
				t.Errorf("recordCost = %v, want ErrOutOfBounds", err)
			}
		})
	}
}

// TestLoadSparseRecord: a 2 GB sparse run.json needed 1.27 GB before it was
// refused; it is refused from its size, reading nothing, exit status 2.
func TestLoadSparseRecord(t *testing.T) {
	for _, name := range []string{RunFile, SamplesFile} {
		dir := resultstest.Copy(t, "fin")
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(2 << 30); err != nil {
			t.Skipf("cannot make a sparse file here: %v", err)
		}
		f.Close()
		var lerr error
		n := resultstest.Allocated(func() { _, lerr = Load(dir) })
		if !errors.Is(lerr, ErrOutOfBounds) {
			t.Errorf("%s: Load = %v, want ErrOutOfBounds", name, lerr)
		}
		if n > 8<<20 {
			t.Errorf("%s: Load allocated %d MiB to refuse it", name, n>>20)
		}
	}
}

// TestReadSamplesBounds: samples.csv beyond bounds is refused as it is
// read (10M columns took gigabytes); malformed rows are left out.
func TestReadSamplesBounds(t *testing.T) {
	cols := make([]string, MaxSampleColumns+1)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	for _, tt := range []struct {
		name string
		data string
		err  error // nil: read, with rows rows
		rows int
	}{
		{"columns", strings.Join(cols, ",") + "\n", ErrOutOfBounds, 0},
		{"columns quoted", `"` + strings.Join(cols, `","`) + "\"\n", ErrOutOfBounds, 0},
		{"line", "seconds,phase\n0," + strings.Repeat("x", MaxSampleLine) + "\n", ErrOutOfBounds, 0},
		{"line unterminated quote", "seconds,phase\n0,\"" + strings.Repeat("x\n", MaxSampleLine/2) + "\n", ErrOutOfBounds, 0},
		{"rows", "seconds\n" + strings.Repeat("0\n", MaxSampleRows+1), ErrOutOfBounds, 0},
		{"rows ok", "seconds\n" + strings.Repeat("0\n", 1000), nil, 1000},
		{"far seconds", "seconds,x\n0,1\n1e17,1\n1e17,2\nInf,3\nNaN,4\n-1e300,5\n1,2\n", nil, 2},
		{"quoted phase with a line break", "seconds,phase,x\n0,\"a\nb\",1\n1,b,2\n", nil, 2},
		{"duplicate column", "seconds,x,x\n0,1,2\n", errors.New("twice"), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var tab *Table
			var err error
			resultstest.ReturnsWithin(t, 10*time.Second, "ReadSamples", func() { tab, err = ReadSamples(strings.NewReader(tt.data)) })
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("ReadSamples: %v", err)
			case tt.err == nil && tab.Rows != tt.rows:
				t.Errorf("%d rows, want %d", tab.Rows, tt.rows)
			case tt.err == ErrOutOfBounds && !errors.Is(err, ErrOutOfBounds):
				t.Errorf("ReadSamples = %v, want ErrOutOfBounds", err)
			case tt.err != nil && tt.err != ErrOutOfBounds && (err == nil || !strings.Contains(err.Error(), tt.err.Error())):
				t.Errorf("ReadSamples = %v, want an error saying %q", err, tt.err)
			}
		})
	}
	tab, err := ReadSamples(strings.NewReader("seconds,x,connect_p99_ms\n0,1e400,\n1,2e19,3\n"))
	if err != nil || tab.Rows != 2 {
		t.Fatalf("ReadSamples: %v", err)
	}
	for _, v := range tab.Columns["x"] {
		if v == v { // not NaN
			t.Errorf("x = %v, want NaN for a value beyond MaxSampleValue", tab.Columns["x"])
		}
	}
}

// TestLeftTempManyEntries: the search for a left temporary lists the
// directory in batches and still finds the first in name order.
func TestLeftTempManyEntries(t *testing.T) {
	dir := t.TempDir()
	for i := range 600 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{RunFile + ".tmp-b", RunFile + ".tmp-a"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := leftTemp(d); got != RunFile+".tmp-a" {
		t.Errorf("leftTemp = %q, want %s", got, RunFile+".tmp-a")
	}
}
