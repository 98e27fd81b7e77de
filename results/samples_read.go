package results

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/printable"
)

// recordReader splits samples.csv into records (lines, or several lines
// when a quoted field holds a line break), within MaxSampleLine bytes a
// record and MaxSamplesSize bytes in all.
type recordReader struct {
	br  *bufio.Reader
	n   int64  // bytes read
	buf []byte // the current record
}

func newRecordReader(r io.Reader) *recordReader {
	return &recordReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next record without its line break. At the end of the
// input it returns io.EOF, with the bytes of a last record that had no
// line break (cut by a killed run), if any. A record or input beyond its
// bound gives ErrOutOfBounds.
func (rr *recordReader) next() ([]byte, error) {
	rr.buf = rr.buf[:0]
	quotes := 0
	for {
		line, err := rr.br.ReadSlice('\n')
		rr.n += int64(len(line))
		if rr.n > MaxSamplesSize {
			return nil, outOfBounds("it is larger than %d MiB", MaxSamplesSize>>20)
		}
		if len(rr.buf)+len(line) > MaxSampleLine {
			return nil, outOfBounds("a row is longer than %d KiB", MaxSampleLine>>10)
		}
		rr.buf = append(rr.buf, line...)
		quotes += bytes.Count(line, []byte{'"'})
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return rr.buf, io.EOF
		case err != nil:
			return nil, fmt.Errorf("failed to read samples: %w", err)
		}
		if quotes%2 == 0 {
			return bytes.TrimSuffix(rr.buf[:len(rr.buf)-1], []byte{'\r'}), nil
		}
		// An open quote: a field holds a line break, the record goes on.
	}
}

// fieldCount returns how many fields rec has, or -1 when it is quoted
// (count it by parsing).
func fieldCount(rec []byte) int {
	if bytes.IndexByte(rec, '"') >= 0 {
		return -1
	}
	return bytes.Count(rec, []byte{','}) + 1
}

// splitFields appends the fields of one record to dst; ok is false when
// it is not one well-formed CSV record.
func splitFields(dst []string, rec []byte) (fields []string, ok bool) {
	if bytes.IndexByte(rec, '"') < 0 {
		// One string for the record, fields sliced from it: one
		// allocation a row, not one a cell (a caller keeping a field
		// clones it).
		line, out := string(rec), dst
		for {
			i := strings.IndexByte(line, ',')
			if i < 0 {
				return append(out, line), true
			}
			out = append(out, line[:i])
			line = line[i+1:]
		}
	}
	cr := csv.NewReader(bytes.NewReader(rec))
	cr.FieldsPerRecord = -1
	out, err := cr.Read()
	if err != nil {
		return nil, false
	}
	if _, err := cr.Read(); err != io.EOF {
		return nil, false
	}
	return out, true
}

// readSamples is ReadSamples: see there.
func readSamples(r io.Reader) (*Table, error) {
	rr := newRecordReader(r)
	rec, err := rr.next()
	if err != nil && !(errors.Is(err, io.EOF) && len(rec) > 0) {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("samples file has no header: %w", err)
		}
		return nil, err
	}
	if n := fieldCount(rec); n > MaxSampleColumns {
		return nil, outOfBounds("its header has %d columns, more than %d", n, MaxSampleColumns)
	}
	header, ok := splitFields(nil, rec)
	if !ok {
		return nil, errors.New("samples file has a malformed header")
	}
	if len(header) > MaxSampleColumns {
		return nil, outOfBounds("its header has %d columns, more than %d", len(header), MaxSampleColumns)
	}
	t := &Table{Header: header, Columns: map[string][]float64{}}
	seen := map[string]bool{}
	phase, seconds := -1, -1
	numeric := 0
	for j, h := range header {
		if seen[h] {
			return nil, fmt.Errorf("samples file names the column %q twice; a file c1m-testbed wrote names each once", printable.String(h))
		}
		seen[h] = true
		switch h {
		case "phase":
			phase = j
		case "seconds":
			seconds = j
		}
		if h != "phase" {
			numeric++
		}
	}
	cols := make([][]float64, len(header))
	nan := make([]bool, len(header))
	for j, h := range header {
		nan[j] = emptyIsNaN[h]
	}
	if errors.Is(err, io.EOF) { // a header alone, without its line break
		t.finish(cols)
		return t, nil
	}
	prevPhase := ""
	var fields []string
	for {
		rec, err := rr.next()
		if errors.Is(err, io.EOF) {
			t.cut = len(rec) > 0
			break
		}
		if err != nil {
			return nil, err
		}
		if n := fieldCount(rec); n >= 0 && n != len(header) {
			t.dropped++
			continue
		}
		fields, ok = splitFields(fields[:0], rec)
		if !ok || len(fields) != len(header) {
			t.dropped++
			continue
		}
		if seconds >= 0 {
			x, err := strconv.ParseFloat(fields[seconds], 64)
			if err != nil || !(math.Abs(x) <= MaxSampleSeconds) {
				t.dropped++ // no time, or a time no run reaches
				continue
			}
		}
		if t.Rows >= MaxSampleRows {
			return nil, outOfBounds("it has more than %d rows (a run of 100 h sampled every 500 ms has 720,000)", MaxSampleRows)
		}
		if (int64(t.Rows)+1)*int64(numeric) > MaxSampleCells {
			return nil, outOfBounds("it has more than %d cells (rows × columns)", MaxSampleCells)
		}
		for j, cell := range fields {
			if j == phase {
				if cell == prevPhase {
					cell = prevPhase // one copy of each phase's name
				} else {
					cell = strings.Clone(cell) // not the whole row's string
				}
				prevPhase = cell
				t.Phases = append(grow(t.Phases), cell)
				continue
			}
			cols[j] = append(grow(cols[j]), cellValue(cell, nan[j]))
		}
		t.Rows++
	}
	t.finish(cols)
	return t, nil
}

// grow doubles a full column's capacity: append alone grows large slices
// by a quarter at a time, allocating five times the column over its life.
func grow[E any](s []E) []E {
	if len(s) < cap(s) {
		return s
	}
	return slices.Grow(s, max(len(s), 64))
}

// cellValue reads one numeric cell: an empty cell of a column where that
// means "nothing recorded", and a value beyond MaxSampleValue (or NaN, or
// infinite), give NaN; another malformed cell gives 0.
func cellValue(cell string, emptyNaN bool) float64 {
	if cell == "" && emptyNaN {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(cell, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange):
		return math.NaN()
	case err != nil:
		return 0
	case !(math.Abs(v) <= MaxSampleValue):
		return math.NaN()
	}
	return v
}

// finish puts the columns read into t.Columns by name.
func (t *Table) finish(cols [][]float64) {
	for j, h := range t.Header {
		if h == "phase" {
			continue
		}
		if cols[j] == nil {
			cols[j] = []float64{}
		}
		t.Columns[h] = cols[j]
	}
}
