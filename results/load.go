package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNotResults means a directory holds neither run.json nor samples.csv:
// it is not a results directory at all.
var ErrNotResults = errors.New("not a results directory")

// Run is one results directory as read back for a report: whatever of
// run.json and samples.csv could be read, and notices about what could not.
type Run struct {
	Dir     string   // the directory as named
	Record  *Record  // nil when run.json is missing or unreadable
	Samples *Table   // nil when samples.csv is missing or unreadable
	Notices []string // what is missing or damaged, for the reader

	fields map[string]bool // top-level run.json fields read; nil when all were
}

// Has reports whether run.json was read and holds the top-level field key.
func (r *Run) Has(key string) bool {
	return r.Record != nil && (r.fields == nil || r.fields[key])
}

// Load reads a results directory (through OpenDir: the directory itself
// may not be a symbolic link). It fails only when dir is not a results
// directory (ErrNotResults) or is unsafe (ErrUnsafeDir); a missing,
// truncated or malformed file becomes a notice and the rest is still
// returned.
func Load(dir string) (*Run, error) {
	d, err := OpenDir(dir)
	if err != nil {
		if errors.Is(err, ErrUnsafeDir) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (expected a directory with %s and %s)", err, RunFile, SamplesFile)
	}
	defer d.Close()
	return LoadDir(d)
}

// LoadDir is Load on an open directory. A symbolic link, a hard link or
// anything but a regular file in place of run.json or samples.csv is not
// read, and a notice says so. A file beyond the bounds of a real run
// (bounds.go) fails the whole load with ErrOutOfBounds, before it is read
// into memory.
func LoadDir(d *Dir) (*Run, error) {
	run := &Run{Dir: d.Path()}
	haveRec, err := run.loadRecord(d)
	if err != nil {
		return nil, err
	}
	haveSamples, err := run.loadSamples(d)
	if err != nil {
		return nil, err
	}
	if !haveRec && !haveSamples {
		return nil, fmt.Errorf("%s: %w: neither %s nor %s is there", d.Path(), ErrNotResults, RunFile, SamplesFile)
	}
	run.checkRecord()
	return run, nil
}

// leftTemp returns the name of a temporary run.json a killed run left
// behind (run.json.tmp-<random>, or run.json.tmp from older versions), or
// "": the first in name order. The directory is listed in batches, so a
// directory of millions of entries costs time, not memory.
func leftTemp(d *Dir) string {
	f, err := d.root.Open(".")
	if err != nil {
		return ""
	}
	defer f.Close()
	best := ""
	for {
		names, err := f.Readdirnames(256)
		for _, n := range names {
			if (n == RunFile+".tmp" || strings.HasPrefix(n, RunFile+".tmp-")) && (best == "" || n < best) {
				best = n
			}
		}
		if err != nil || len(names) == 0 {
			return best
		}
	}
}

// loadRecord reads run.json (or the temporary one a killed run left
// behind); it reports whether either file existed, and fails only for a
// file beyond bounds.
func (r *Run) loadRecord(d *Dir) (bool, error) {
	name := RunFile
	data, err := d.read(name, MaxRecordSize, true)
	if errors.Is(err, fs.ErrNotExist) {
		if tmp := leftTemp(d); tmp != "" {
			name = tmp
			data, err = d.read(name, MaxRecordSize, true)
			if err == nil {
				r.notice("%s is missing; using %s, which the run was still writing.", RunFile, name)
			}
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		r.notice("%s is missing (the run was killed before writing it?): no summary, environment, plan or expectations.", RunFile)
		return false, nil
	}
	if errors.Is(err, ErrOutOfBounds) {
		return true, err
	}
	if err != nil {
		r.notice("%s could not be read: %v.", RunFile, err)
		return true, nil
	}
	if err := r.parseRecord(name, data); err != nil {
		return true, fmt.Errorf("%s: %w; it was not read (a real run stays well within)", d.Join(name), err)
	}
	return true, nil
}

// parseRecord decodes run.json's content (data, read from the file name)
// into r.Record, or as much of it as can be read, with notices; it fails
// only when data is beyond bounds (recordCost), before decoding.
func (r *Run) parseRecord(name string, data []byte) error {
	if len(data) > MaxRecordSize {
		return outOfBounds("it is larger than %d MiB", MaxRecordSize>>20)
	}
	if err := recordCost(data); err != nil {
		return err
	}
	rec := &Record{}
	if err := decodeRecord(data, rec); err == nil {
		r.Record = rec
		return nil
	}
	rec, got, err := salvageRecord(data)
	if err != nil {
		r.notice("%s is malformed and nothing could be read from it: %v.", name, err)
		return nil
	}
	r.Record = rec
	r.fields = map[string]bool{}
	for _, k := range got {
		r.fields[k] = true
	}
	r.notice("%s is truncated or malformed: only these fields were read: %s; everything after them is missing.", name, strings.Join(got, ", "))
	return nil
}

// salvageRecord decodes the top-level fields of a truncated run.json one by
// one and keeps those that are complete.
func salvageRecord(data []byte) (*Record, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("it does not start with a JSON object")
	}
	fields := map[string]json.RawMessage{}
	var got []string
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			break
		}
		fields[key] = raw
		got = append(got, key)
	}
	if len(got) == 0 {
		return nil, nil, fmt.Errorf("no complete field")
	}
	rec := &Record{}
	var kept []string
	for _, k := range got {
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if json.Unmarshal(one, rec) == nil {
			kept = append(kept, k)
		}
	}
	upgradeRecord(rec)
	return rec, kept, nil
}

// loadSamples reads samples.csv, streaming; it reports whether the file
// existed, and fails only for a file beyond bounds.
func (r *Run) loadSamples(d *Dir) (bool, error) {
	f, size, err := d.openRead(SamplesFile)
	if errors.Is(err, fs.ErrNotExist) {
		r.notice("%s is missing: no charts.", SamplesFile)
		return false, nil
	}
	if err != nil {
		r.notice("%s could not be read: %v.", SamplesFile, err)
		return true, nil
	}
	defer f.Close()
	if size > MaxSamplesSize {
		return true, fmt.Errorf("%s: %w: it is larger than %d MiB; it was not read (a real run stays well within)", d.Join(SamplesFile), ErrOutOfBounds, MaxSamplesSize>>20)
	}
	if err := r.parseSamples(f); err != nil {
		return true, fmt.Errorf("%s: %w", d.Join(SamplesFile), err)
	}
	return true, nil
}

// parseSamples reads samples.csv from rd into r.Samples, with notices
// about what was left out; it fails only beyond bounds (ErrOutOfBounds).
func (r *Run) parseSamples(rd io.Reader) error {
	t, err := ReadSamples(rd)
	if errors.Is(err, ErrOutOfBounds) {
		return fmt.Errorf("%w; it was not read (a real run stays well within)", err)
	}
	if err != nil {
		r.notice("%s could not be read (%v): no charts.", SamplesFile, err)
		return nil
	}
	if t.cut {
		r.notice("%s ends in the middle of a row (the run was killed?): the partial row was left out.", SamplesFile)
	}
	if t.dropped > 0 {
		r.notice("%d of %d rows of %s were malformed and left out.", t.dropped, t.dropped+t.Rows, SamplesFile)
	}
	if t.Rows == 0 {
		r.notice("%s has no complete row: no charts.", SamplesFile)
	}
	var missing []string // the latency and process columns are optional: older files lack them
	for _, h := range Header() {
		if _, ok := t.Columns[h]; !ok && h != "phase" && !emptyIsNaN[h] && !slices.Contains(ProcessColumns, h) && !slices.Contains(ProtocolColumns, h) && !slices.Contains(CgroupColumns, h) && !slices.Contains(WindowColumns, h) {
			missing = append(missing, h)
		}
	}
	if len(missing) > 0 {
		r.notice("%s lacks the columns %s: the charts that need them are left out or incomplete.", SamplesFile, strings.Join(missing, ", "))
	}
	r.Samples = t
	return nil
}

// maxKilledNotices bounds the notices about workers that ended early, one
// each; the Workers table lists them all.
const maxKilledNotices = 20

// checkRecord adds notices about a run that did not end normally.
func (r *Run) checkRecord() {
	rec := r.Record
	if rec == nil {
		return
	}
	if rec.Ended.IsZero() && r.fields == nil {
		r.notice("The run has no end time: it did not finish.")
	}
	if rec.Failure != "" {
		r.notice("The run failed: %s", rec.Failure)
	}
	if rec.Version > RecordVersion {
		r.notice("%s is version %d, newer than this c1m-testbed reads (%d): fields it does not know are left out.", RunFile, rec.Version, RecordVersion)
	}
	if rec.SharedHost {
		with := ""
		if len(rec.SharedWith) > 0 {
			with = " (" + strings.Join(rec.SharedWith, ", ") + ")"
		}
		r.notice("Other runs were active on the host during this one%s: host-wide figures (slab, TCP memory, orphans, kernel bytes per connection) include theirs.", with)
	}
	killed := 0
	for _, w := range rec.Workers {
		if w.Killed {
			if killed++; killed <= maxKilledNotices {
				r.notice("Worker %s/%d (pid %d) ended early: %s.", w.Role, w.Index, w.PID, w.Exit)
			}
		}
	}
	if killed > maxKilledNotices {
		r.notice("%d more workers ended early: see the Workers table.", killed-maxKilledNotices)
	}
	if r.Has("summary") && (len(rec.Summary.LeftoverItems) > 0 || rec.Summary.Leftovers > 0) {
		r.notice("%d leftovers after teardown: %s. Run 'c1m-testbed clean'.", rec.Summary.Leftovers, strings.Join(rec.Summary.LeftoverItems, ", "))
	}
}

func (r *Run) notice(format string, args ...any) {
	r.Notices = append(r.Notices, fmt.Sprintf(format, args...))
}

// Title names the run for headings: the scenario and run id, or the directory.
func (r *Run) Title() string {
	if r.Record != nil && r.Record.Scenario != "" {
		if r.Record.RunID != "" {
			return r.Record.Scenario + " (" + r.Record.RunID + ")"
		}
		return r.Record.Scenario
	}
	return filepath.Base(filepath.Clean(r.Dir))
}

// Parse reads run.json's and samples.csv's contents from memory as Load
// reads them from a directory (nil: the file is missing): as much as can
// be read, with notices; it fails only when one is beyond bounds
// (ErrOutOfBounds).
func Parse(record, samples []byte) (*Run, error) {
	r := &Run{Dir: "-"}
	if record != nil {
		if err := r.parseRecord(RunFile, record); err != nil {
			return nil, err
		}
	}
	if samples != nil {
		if err := r.parseSamples(bytes.NewReader(samples)); err != nil {
			return nil, err
		}
	}
	r.checkRecord()
	return r, nil
}

// RecordCost estimates the memory decoding run.json's content takes, in
// one pass that allocates nothing in proportion to data; it fails with
// ErrOutOfBounds when data is beyond the bounds of a real run.
func RecordCost(data []byte) (int64, error) { return recordCostOf(data) }
