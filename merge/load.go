package merge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/results"
	"github.com/c1m-testbed/c1m-testbed/scenarios"
)

// ResultMarker is the key that marks a line of output (of 'clients
// --json', collected by 'kubectl logs') as one run's results.
const ResultMarker = "c1m_testbed_result"

// resultLine is that line: {"c1m_testbed_result":1,"run":{run.json},"samples_csv":"..."}.
type resultLine struct {
	Marker  int             `json:"c1m_testbed_result"`
	Run     json.RawMessage `json:"run"`
	Samples string          `json:"samples_csv"`
}

// WriteResultLine writes the results of the run in dir (its run.json and
// samples.csv) to w as one JSON line that merge reads back from a log.
func WriteResultLine(w io.Writer, dir string) error {
	d, err := results.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("failed to read the results to print them: %w", err)
	}
	defer d.Close()
	run, err := d.ReadFile(results.RunFile)
	if err != nil {
		return fmt.Errorf("failed to read %s to print it: %w", d.Join(results.RunFile), err)
	}
	samples, err := d.ReadFile(results.SamplesFile)
	if err != nil {
		return fmt.Errorf("failed to read %s to print it: %w", d.Join(results.SamplesFile), err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, run); err != nil {
		return fmt.Errorf("failed to encode %s: %w", d.Join(results.RunFile), err)
	}
	data, err := json.Marshal(resultLine{Marker: 1, Run: compact.Bytes(), Samples: string(samples)})
	if err != nil {
		return fmt.Errorf("failed to encode the results: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// shardRun is one shard's results as merge reads them: checked against
// limits, its latency histograms already added into the loader's
// sums (and dropped from rec), its scenario part decoded (and rec's
// scenario_body and plan dropped).
type shardRun struct {
	from    string // where it was read: a directory, or "FILE line N"
	shard   scenarios.Shard
	part    *scenarios.Scenario
	rec     *results.Record
	samples *shardSamples
}

// errNoResults marks an input that holds no results.
var errNoResults = errors.New("no results")

// shardLoader reads the shards' results within a budget.
type shardLoader struct {
	b    *budget
	lat  latencySums
	runs []shardRun
}

// loadShardRuns reads each input: a results directory, or a file of
// output (kubectl logs) with one result line per run in it. Only
// directories and regular files are read (a symbolic link, a FIFO, a
// device or a file with other hard links is refused without blocking),
// and everything is checked against lim before it is allocated.
func loadShardRuns(paths []string, lim limits) (*shardLoader, error) {
	l := &shardLoader{b: newBudget(lim)}
	if len(paths) > lim.shards {
		return nil, fmt.Errorf("%w: %d inputs, more than the %d shards a run can have", ErrInput, len(paths), lim.shards)
	}
	for _, p := range paths {
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: failed to read %s: %w", ErrInput, p, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%w: %s is a symbolic link: name the directory or file it points to", ErrInput, p)
		case fi.IsDir():
			err = l.readDir(p)
		default:
			err = l.readLog(p)
		}
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

// readDir reads a shard's results directory.
func (l *shardLoader) readDir(path string) error {
	d, err := results.OpenDir(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer d.Close()
	data, err := d.ReadFile(results.RunFile)
	if err != nil {
		return fmt.Errorf("%w: %s: failed to read its %s (a shard that did not finish cannot be merged): %w", ErrInput, path, results.RunFile, err)
	}
	if err := l.b.record(path, data); err != nil {
		return err
	}
	run, err := results.LoadDir(d)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	if run.Record == nil || run.Samples == nil {
		return fmt.Errorf("%w: %s lacks run.json or samples.csv (%s): a shard that did not finish cannot be merged", ErrInput, path, strings.Join(run.Notices, "; "))
	}
	if err := l.b.samples(path, len(run.Samples.Header), run.Samples.Rows); err != nil {
		return err
	}
	return l.accept(path, run.Record, run.Samples)
}

// readLog finds the result lines in a log file.
func (l *shardLoader) readLog(path string) error {
	lim := l.b.lim
	f, err := openLog(path, lim.logFile)
	if err != nil {
		return err
	}
	defer f.Close()
	in := &countingReader{r: f}
	sc := bufio.NewScanner(io.LimitReader(in, lim.logFile+1))
	sc.Buffer(make([]byte, min(64<<10, lim.line)), lim.line) // the larger of the two is the limit
	found := 0
	marker := []byte(`{"` + ResultMarker + `"`)
	n := 0
	for n = 1; sc.Scan(); n++ {
		line := sc.Bytes()
		// kubectl logs --prefix and --timestamps put text before the JSON.
		i := bytes.Index(line, marker)
		if i < 0 {
			continue
		}
		from := fmt.Sprintf("%s line %d", path, n)
		var rl resultLine
		if err := json.Unmarshal(line[i:], &rl); err != nil {
			return fmt.Errorf("%w: %s: a result line that does not decode (cut short?): %w", ErrInput, from, err)
		}
		if err := l.readLine(from, rl); err != nil {
			return err
		}
		found++
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		return fmt.Errorf("%w: %s line %d is longer than %d MiB, more than the result line of a %.0f-hour run: is this a log of 'c1m-testbed clients --json'?", ErrInput, path, n, lim.line>>20, float64(lim.shardRows)*results.SampleInterval.Hours())
	case err != nil:
		return fmt.Errorf("%w: failed to read %s: %w", ErrInput, path, err)
	case in.n > lim.logFile:
		return fmt.Errorf("%w: %s grew past %d MiB while it was read: merge a finished log", ErrInput, path, lim.logFile>>20)
	case found == 0:
		return fmt.Errorf("%w: %s: %w: neither a results directory nor a log with a %q line ('c1m-testbed clients --json' prints one)", ErrInput, path, errNoResults, ResultMarker)
	}
	return nil
}

// readLine decodes one result line within the budget.
func (l *shardLoader) readLine(from string, rl resultLine) error {
	if err := l.b.record(from, rl.Run); err != nil {
		return err
	}
	var rec results.Record
	if err := json.Unmarshal(rl.Run, &rec); err != nil {
		return fmt.Errorf("%w: %s: its run record does not decode: %w", ErrInput, from, err)
	}
	header, rows, widest := csvShape(rl.Samples)
	if err := l.b.samples(from, max(header, widest), rows); err != nil {
		return err
	}
	tab, err := results.ReadSamples(strings.NewReader(rl.Samples))
	if err != nil {
		return fmt.Errorf("%w: %s: its samples do not decode: %w", ErrInput, from, err)
	}
	return l.accept(from, &rec, tab)
}

// accept checks a shard's decoded results and keeps them.
func (l *shardLoader) accept(from string, rec *results.Record, tab *results.Table) error {
	sh, err := scenarios.ParseShard(rec.Extra[results.ExtraShard])
	if rec.Extra[results.ExtraMode] != results.ModeClients || err != nil {
		return fmt.Errorf("%w: %s is not a shard of clients in place (run.json extra.shard %q): merge the results of 'c1m-testbed clients --shard I/N'", ErrInput, from, printable.Clip(rec.Extra[results.ExtraShard], 40))
	}
	if err := checkRecord(from, rec, l.b.lim); err != nil {
		return err
	}
	names := map[string]map[string]int64{"errors": rec.Summary.Errors, "kernel messages": rec.Summary.KernelMessages, "counters": rec.Counters}
	if p := rec.Summary.Protocol; p != nil {
		names["protocol statuses"] = p.Statuses
	}
	for what, m := range names {
		if err := l.b.counterNames(from, what, m); err != nil {
			return err
		}
	}
	part, err := decodeScenario(rec.ScenarioBody)
	if err != nil {
		return fmt.Errorf("%w: %s: its scenario_body does not decode: %w", ErrInput, from, err)
	}
	if err := checkPart(from, part, l.b.lim); err != nil {
		return err
	}
	rec.ScenarioBody, rec.Plan = nil, nil
	if err := l.lat.add(from, rec); err != nil {
		return err
	}
	smp, err := compactSamples(from, tab, l.b)
	if err != nil {
		return err
	}
	l.runs = append(l.runs, shardRun{from: from, shard: sh, part: part, rec: rec, samples: smp})
	return nil
}

// openLog opens a log file for reading without blocking on it: a FIFO, a
// device, a socket, a symbolic link or a file with other hard links (it
// could be anyone's file under a name of ours) is refused, and so is one
// larger than limit.
func openLog(path string, limit int64) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%w: %s is a symbolic link: name the file it points to", ErrInput, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: failed to read %s: %w", ErrInput, path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: failed to read %s: %w", ErrInput, path, err)
	}
	var links uint64 = 1
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		links = uint64(st.Nlink)
	}
	switch {
	case !fi.Mode().IsRegular():
		err = fmt.Errorf("%w: %s is not a regular file (%s): save the log to a file first (kubectl logs … > shards.log) and merge that", ErrInput, path, fileType(fi.Mode()))
	case links > 1:
		err = fmt.Errorf("%w: %s has %d hard links, so it may be another file than the log you meant: copy it (cp %s shards.log) and merge the copy", ErrInput, path, links, path)
	case fi.Size() > limit:
		err = fmt.Errorf("%w: %s is %d MiB, more than a fleet's log (at most %d MiB): keep only the result lines (grep %s FILE > shards.log) and merge those", ErrInput, path, fi.Size()>>20, limit>>20, ResultMarker)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// fileType names what a file is, for an error.
func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsDir():
		return "a directory"
	}
	return m.Type().String()
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// csvShape measures a CSV text without parsing it into fields: the
// header's field count, the rows after it and the most fields of any
// row, counting commas and newlines outside quotes (as encoding/csv
// reads every record it accepts). It allocates nothing.
func csvShape(s string) (header, rows, widest int) {
	fields, records := 1, 0
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				fields++
			}
		case '\n':
			if quoted {
				continue
			}
			if records == 0 {
				header = fields
			}
			widest = max(widest, fields)
			records++
			fields = 1
		}
	}
	if records == 0 {
		header = fields
	}
	widest = max(widest, fields)
	return header, max(records-1, 0), widest
}
