package testbed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/report"
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

// maxResultLine bounds a result line (samples of a long run included).
const maxResultLine = 256 << 20

// WriteResultLine writes the results of the run in dir (its run.json and
// samples.csv) to w as one JSON line that merge reads back from a log.
func WriteResultLine(w io.Writer, dir string) error {
	d, err := report.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("failed to read the results to print them: %w", err)
	}
	defer d.Close()
	run, err := d.ReadFile(report.RunFile)
	if err != nil {
		return fmt.Errorf("failed to read %s to print it: %w", d.Join(report.RunFile), err)
	}
	samples, err := d.ReadFile(report.SamplesFile)
	if err != nil {
		return fmt.Errorf("failed to read %s to print it: %w", d.Join(report.SamplesFile), err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, run); err != nil {
		return fmt.Errorf("failed to encode %s: %w", d.Join(report.RunFile), err)
	}
	data, err := json.Marshal(resultLine{Marker: 1, Run: compact.Bytes(), Samples: string(samples)})
	if err != nil {
		return fmt.Errorf("failed to encode the results: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// shardRun is one shard's results as merge reads them.
type shardRun struct {
	from    string // where it was read: a directory, or "FILE line N"
	rec     *report.Record
	samples *report.Table
}

// errNoResults marks an input that holds no results.
var errNoResults = errors.New("no results")

// loadShardRuns reads each input: a results directory, or a file of
// output (kubectl logs) with one result line per run in it.
func loadShardRuns(paths []string) ([]shardRun, error) {
	var out []shardRun
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: failed to read %s: %w", errMergeInput, p, err)
		}
		if st.IsDir() {
			run, err := report.Load(p)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errMergeInput, err)
			}
			if run.Record == nil || run.Samples == nil {
				return nil, fmt.Errorf("%w: %s lacks run.json or samples.csv (%s): a shard that did not finish cannot be merged", errMergeInput, p, strings.Join(run.Notices, "; "))
			}
			out = append(out, shardRun{from: p, rec: run.Record, samples: run.Samples})
			continue
		}
		runs, err := readResultLines(p)
		if err != nil {
			return nil, err
		}
		out = append(out, runs...)
	}
	return out, nil
}

// readResultLines finds the result lines in a log file.
func readResultLines(path string) ([]shardRun, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errMergeInput, err)
	}
	defer f.Close()
	var out []shardRun
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxResultLine)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		// kubectl logs --prefix and --timestamps put text before the JSON.
		i := bytes.Index(line, []byte(`{"`+ResultMarker+`"`))
		if i < 0 {
			continue
		}
		var rl resultLine
		if err := json.Unmarshal(line[i:], &rl); err != nil {
			return nil, fmt.Errorf("%w: %s line %d: a result line that does not decode (cut short?): %w", errMergeInput, path, n, err)
		}
		var rec report.Record
		if err := json.Unmarshal(rl.Run, &rec); err != nil {
			return nil, fmt.Errorf("%w: %s line %d: its run record does not decode: %w", errMergeInput, path, n, err)
		}
		tab, err := report.ReadSamples(strings.NewReader(rl.Samples))
		if err != nil {
			return nil, fmt.Errorf("%w: %s line %d: its samples do not decode: %w", errMergeInput, path, n, err)
		}
		out = append(out, shardRun{from: fmt.Sprintf("%s line %d", path, n), rec: &rec, samples: tab})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: failed to read %s: %w", errMergeInput, path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: %w: neither a results directory nor a log with a %q line ('c1m-testbed clients --json' prints one)", errMergeInput, path, errNoResults, ResultMarker)
	}
	return out, nil
}
