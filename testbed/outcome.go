package testbed

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
	"github.com/c1m-testbed/c1m-testbed/report"
	"github.com/c1m-testbed/c1m-testbed/results"
)

// plainName is a name that may name a directory as it is: letters,
// digits, '.', '_' and '-', starting with a letter or digit, at most 64
// bytes (the built-in scenarios' names are all such).
var plainName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ResultsDirName is the default directory of an output of kind ("-sweep",
// "-repeat") made at now from the scenario named name, and a note when
// the name is not a plain one and so left out of it.
func ResultsDirName(name, kind string, now time.Time) (dir, note string) {
	return resultsDirName(name, kind, "", now, true)
}

// resultsDirName names a results directory when --out does not: every
// run, clients in place and merge name theirs here.
// results/<name><kind>-<UTC time><suffix>, kind being "-merged" for a
// merge and suffix a shard's "-shard-I-of-N". A merge reads the name from
// its shards, so it is untrusted: unless it is a plain name, the directory
// is results/<kind without its dash>-<UTC time><suffix>, with a note that
// says why. A run's name is its scenario's, as the user's file gives it.
func resultsDirName(name, kind, suffix string, now time.Time, untrusted bool) (dir, note string) {
	stamp := now.UTC().Format("20060102T150405Z")
	if !untrusted || plainName.MatchString(name) {
		return filepath.Join("results", name+kind+"-"+stamp+suffix), ""
	}
	base := strings.TrimPrefix(kind, "-")
	if base == "" {
		base = "run"
	}
	dir = filepath.Join("results", base+"-"+stamp+suffix)
	return dir, fmt.Sprintf("the scenario's name \"%s\" is not a plain name (at most 64 letters, digits, '.', '_' or '-', starting with a letter or digit), so the results directory is named %s instead; --out DIR names it", printable.Clip(name, 80), dir)
}

// writeOutcome ends every run, clients in place and merge alike: it
// prints the verdict (latency, expectations and peakLine, every name
// escaped), then writes run.json and, unless noReport, the report into
// out. The verdict reaches the terminal whatever the disk does: write
// errors (writeErrs, from during the run, and the ones here) are noted
// in the record, printed after it and returned in the outcome.
func writeOutcome(p *progress, out *results.Dir, rec *results.Record, failure error, peakLine string, writeErrs []string, noReport bool) *Outcome {
	for _, e := range writeErrs {
		rec.Notes = append(rec.Notes, "results: "+e)
	}
	shown := escapedForTerminal(rec)
	if t := report.LatencyText(shown.Phases, shown.Summary); t != "" {
		p.printf("\nlatency:\n%s", strings.TrimRight(t, "\n"))
	}
	p.printf("\nexpectations:\n%s", report.ExpectationsText(shown.Expectations))
	p.printf("%s", peakLine)
	if failure != nil {
		p.printf("run failed: %v", failure)
	}
	res := &Outcome{Dir: out.Path(), Passed: rec.Passed, WriteErrors: printable.Strings(writeErrs)}
	if err := out.WriteRecord(rec); err != nil {
		res.WriteErrors = append(res.WriteErrors, printable.String(err.Error()))
	} else if !noReport {
		if _, err := report.GenerateDir(out); err != nil {
			res.WriteErrors = append(res.WriteErrors, printable.String("report: "+err.Error()))
		}
	}
	for _, e := range res.WriteErrors {
		p.printf("results: %s", e)
	}
	p.printf("results: %s", printable.String(res.Dir))
	return res
}

// escapedForTerminal returns the parts of rec the verdict prints, with
// every name that may come from untrusted input (a merge's shards)
// clipped and escaped.
func escapedForTerminal(rec *results.Record) results.Record {
	var out results.Record
	out.Phases = make([]results.Phase, len(rec.Phases))
	for i, p := range rec.Phases {
		q := p // the tables read more than the name (asked/s needs Seconds)
		q.Name = printable.Clip(p.Name, 200)
		out.Phases[i] = q
	}
	out.Summary = rec.Summary
	if p := rec.Summary.Protocol; p != nil {
		q := *p
		q.Name = printable.Clip(p.Name, 64)
		q.Statuses = make(map[string]int64, len(p.Statuses))
		for k, v := range p.Statuses {
			q.Statuses[printable.Clip(k, 64)] = v
		}
		out.Summary.Protocol = &q
	}
	out.Expectations = make([]results.Expectation, len(rec.Expectations))
	for i, e := range rec.Expectations {
		out.Expectations[i] = results.Expectation{Name: printable.Clip(e.Name, 200), Want: printable.Clip(e.Want, 200), Got: printable.Clip(e.Got, 400), Held: e.Held}
	}
	return out
}
