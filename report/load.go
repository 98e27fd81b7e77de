package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// has reports whether run.json was read and holds the top-level field key.
func (r *Run) has(key string) bool {
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

// LoadDir is Load on an open directory. A symbolic link or anything but a
// regular file in place of run.json or samples.csv is not read, and a
// notice says so.
func LoadDir(d *Dir) (*Run, error) {
	run := &Run{Dir: d.Path()}
	haveRec := run.loadRecord(d)
	haveSamples := run.loadSamples(d)
	if !haveRec && !haveSamples {
		return nil, fmt.Errorf("%s: %w: neither %s nor %s is there", d.Path(), ErrNotResults, RunFile, SamplesFile)
	}
	run.checkRecord()
	return run, nil
}

// leftTemp returns the name of a temporary run.json a killed run left
// behind (run.json.tmp-<random>, or run.json.tmp from older versions), or "".
func leftTemp(d *Dir) string {
	f, err := d.root.Open(".")
	if err != nil {
		return ""
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	slices.Sort(names)
	for _, n := range names {
		if n == RunFile+".tmp" || strings.HasPrefix(n, RunFile+".tmp-") {
			return n
		}
	}
	return ""
}

// loadRecord reads run.json (or the temporary one a killed run left
// behind); it reports whether either file existed.
func (r *Run) loadRecord(d *Dir) bool {
	name := RunFile
	data, err := d.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		if tmp := leftTemp(d); tmp != "" {
			name = tmp
			data, err = d.ReadFile(name)
			if err == nil {
				r.notice("%s is missing; using %s, which the run was still writing.", RunFile, name)
			}
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		r.notice("%s is missing (the run was killed before writing it?): no summary, environment, plan or expectations.", RunFile)
		return false
	}
	if err != nil {
		r.notice("%s could not be read: %v.", RunFile, err)
		return true
	}
	rec := &Record{}
	if err := decodeRecord(data, rec); err == nil {
		r.Record = rec
		return true
	}
	rec, got, err := salvageRecord(data)
	if err != nil {
		r.notice("%s is malformed and nothing could be read from it: %v.", name, err)
		return true
	}
	r.Record = rec
	r.fields = map[string]bool{}
	for _, k := range got {
		r.fields[k] = true
	}
	r.notice("%s is truncated or malformed: only these fields were read: %s; everything after them is missing.", name, strings.Join(got, ", "))
	return true
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

// loadSamples reads samples.csv; it reports whether the file existed.
func (r *Run) loadSamples(d *Dir) bool {
	data, err := d.ReadFile(SamplesFile)
	if errors.Is(err, fs.ErrNotExist) {
		r.notice("%s is missing: no charts.", SamplesFile)
		return false
	}
	if err != nil {
		r.notice("%s could not be read: %v.", SamplesFile, err)
		return true
	}
	t, err := ReadSamples(bytes.NewReader(data))
	if err != nil {
		r.notice("%s could not be read (%v): no charts.", SamplesFile, err)
		return true
	}
	lines := bytes.Count(data, []byte("\n")) // complete lines, header included
	if len(data) > 0 && data[len(data)-1] != '\n' {
		r.notice("%s ends in the middle of a row (the run was killed?): the partial row was left out.", SamplesFile)
	}
	if dropped := lines - 1 - t.Rows; dropped > 0 {
		r.notice("%d of %d rows of %s were malformed and left out.", dropped, lines-1, SamplesFile)
	}
	if t.Rows == 0 {
		r.notice("%s has no complete row: no charts.", SamplesFile)
	}
	var missing []string // the latency and process columns are optional: older files lack them
	for _, h := range Header() {
		if _, ok := t.Columns[h]; !ok && h != "phase" && !emptyIsNaN[h] && !slices.Contains(ProcessColumns, h) && !slices.Contains(ProtocolColumns, h) {
			missing = append(missing, h)
		}
	}
	if len(missing) > 0 {
		r.notice("%s lacks the columns %s: the charts that need them are left out or incomplete.", SamplesFile, strings.Join(missing, ", "))
	}
	r.Samples = t
	return true
}

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
	for _, w := range rec.Workers {
		if w.Killed {
			r.notice("Worker %s/%d (pid %d) ended early: %s.", w.Role, w.Index, w.PID, w.Exit)
		}
	}
	if r.has("summary") && (len(rec.Summary.LeftoverItems) > 0 || rec.Summary.Leftovers > 0) {
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
