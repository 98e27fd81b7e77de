package report

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	markStyle  = draw.LineStyle{Color: color.Gray{0x70}, Width: vg.Points(0.8), Dashes: []vg.Length{4, 3}}
	hlineStyle = draw.LineStyle{Color: color.RGBA{0xb0, 0x30, 0x30, 0xff}, Width: vg.Points(1), Dashes: []vg.Length{2, 3}}
)

func markText(c color.Color) text.Style {
	return text.Style{Color: c, Font: sansFont(9), Handler: plot.DefaultTextHandler}
}

// phaseMarks draws a dashed vertical line at each phase start, labelled
// with the phase name written upwards along the line.
type phaseMarks []mark

// Plot implements plot.Plotter.
func (m phaseMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := markText(color.Gray{0x40})
	sty.Rotation = math.Pi / 2
	sty.XAlign = draw.XRight
	sty.YAlign = draw.YTop
	for _, mk := range m {
		x := trX(mk.x)
		if x < c.Min.X-0.5 || x > c.Max.X+0.5 {
			continue
		}
		c.StrokeLine2(markStyle, x, c.Min.Y, x, c.Max.Y)
		c.FillText(sty, vg.Point{X: x + 2, Y: c.Max.Y - 3}, mk.label)
	}
}

// hlines draws horizontal threshold lines, each labelled at its right end.
type hlines []hline

// Plot implements plot.Plotter.
func (h hlines) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	sty := markText(hlineStyle.Color)
	sty.XAlign = draw.XRight
	for _, l := range h {
		y := trY(l.y)
		if !c.ContainsY(y) {
			continue
		}
		c.StrokeLine2(hlineStyle, c.Min.X, y, c.Max.X, y)
		c.FillText(sty, vg.Point{X: c.Max.X - 3, Y: y + 2}, l.label)
	}
}

// DataRange implements plot.DataRanger: the lines widen the y range only.
func (h hlines) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for _, l := range h {
		ymin, ymax = math.Min(ymin, l.y), math.Max(ymax, l.y)
	}
	return xmin, xmax, ymin, ymax
}

// Thumbnail implements plot.Thumbnailer for the legend.
func (h hlines) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(hlineStyle, c.Min.X, y, c.Max.X, y)
}

// siTicks label about six round values (1, 2 or 5 × 10^k apart) with k,
// M, G suffixes, with unlabelled minor ticks between them.
type siTicks struct{}

// maxTicks bounds the ticks siTicks makes: about 17 for any range;
// anything more is a range the float64 arithmetic cannot step through
// (1e17 to 1e17+16 in steps of 1).
const maxTicks = 64

// Ticks implements plot.Ticker. The ticks are counted from integers, so
// a step too small to change a value as large as min (1e17 + 1 == 1e17)
// cannot loop for ever: at most maxTicks are made.
func (siTicks) Ticks(min, max float64) []plot.Tick {
	finite := !math.IsNaN(min) && !math.IsNaN(max) && !math.IsInf(min, 0) && !math.IsInf(max, 0)
	if !finite || !(max > min) || math.IsInf(max-min, 0) {
		if !finite || !(max > min) {
			return []plot.Tick{{Value: min, Label: si(min)}}
		}
		return []plot.Tick{{Value: min, Label: si(min)}, {Value: max, Label: si(max)}}
	}
	raw := (max - min) / 8
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	minor := step / 2
	first, last := math.Ceil(min/minor), math.Floor((max+minor/1e6)/minor)
	if !(minor > 0) || !(last-first < maxTicks) {
		return []plot.Tick{{Value: min, Label: si(min)}, {Value: max, Label: si(max)}}
	}
	var ts []plot.Tick
	for i := 0; i <= int(last-first); i++ {
		v := (first + float64(i)) * minor
		t := plot.Tick{Value: v}
		if math.Abs(math.Remainder(v, step)) < minor/1e3 {
			t.Label = si(v)
		}
		ts = append(ts, t)
	}
	return ts
}

// si formats v briefly: 1500 → "1.5k", 2000000 → "2M".
func si(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trimFloat(v/1e9) + "G"
	case a >= 1e6:
		return trimFloat(v/1e6) + "M"
	case a >= 1e3:
		return trimFloat(v/1e3) + "k"
	}
	return trimFloat(v)
}

func trimFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// percentileX returns the position of percentile pct (0..100) on the log
// axis of 1/(1 − p) that ends at top: 100 % and anything beyond top is
// put at top.
func percentileX(pct, top float64) float64 {
	if math.IsNaN(pct) {
		return pct
	}
	if pct >= 100 {
		return top
	}
	return min(max(1/(1-pct/100), 1), top)
}

// percentileTop returns the right end of a percentile axis for count
// recordings: the power of ten at or above count (a percentile closer to
// 100 than 1/count is the maximum), at least 100 (99 %) and at most 10^6
// (99.9999 %).
func percentileTop(count uint64) float64 {
	top := 100.0
	for top < float64(count) && top < 1e6 {
		top *= 10
	}
	return top
}

// percentileTicks labels a log axis of 1/(1 − p) in percentiles:
// 1 is 0 %, 10 is 90 %, 100 is 99 %, 1000 is 99.9 %, …, up to top, with
// unlabelled minor ticks at 2 to 9 times each power of ten.
type percentileTicks float64

// Ticks implements plot.Ticker.
func (top percentileTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for dec := 1.0; dec <= float64(top)*1.0001; dec *= 10 {
		ts = append(ts, plot.Tick{Value: dec, Label: percentileLabel(dec)})
		for k := 2.0; k < 10 && dec*k < float64(top); k++ {
			ts = append(ts, plot.Tick{Value: dec * k})
		}
	}
	return ts
}

// percentileLabel names the percentile at 1/(1 − p) = x, a power of ten:
// 1 → "0%", 10 → "90%", 1000 → "99.9%".
func percentileLabel(x float64) string {
	if x <= 1 {
		return "0%"
	}
	switch nines := int(math.Round(math.Log10(x))); nines {
	case 1:
		return "90%"
	case 2:
		return "99%"
	default:
		return "99." + strings.Repeat("9", nines-2) + "%"
	}
}

// durTicks label a log axis of seconds with durations at each power of
// ten (100 µs, 1 ms, 10 ms, 1 s), with unlabelled minor ticks between.
type durTicks struct{}

// maxDecades bounds the powers of ten durTicks labels: 1 ns to 10^31 s.
const maxDecades = 40

// Ticks implements plot.Ticker. A range that is not positive and finite
// gets no ticks; at most maxDecades powers of ten get them.
func (durTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max >= min) || math.IsInf(max, 0) {
		return nil
	}
	var ts []plot.Tick
	few := max/min < 300 // under about two powers of ten: label 2 and 5 too
	dec := math.Pow(10, math.Floor(math.Log10(min)))
	if !(dec > 0) {
		dec = math.SmallestNonzeroFloat64
	}
	for n := 0; dec <= max && n < maxDecades; n++ {
		for k := 1.0; k < 10; k++ {
			v := dec * k
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if k == 1 || (few && (k == 2 || k == 5)) {
				t.Label = tickDur(v)
			}
			ts = append(ts, t)
		}
		dec *= 10
	}
	return ts
}

// tickDur is durText without trailing zeros: "1 s", "10 ms", "200 µs".
func tickDur(sec float64) string {
	s := units.Seconds(sec)
	num, unit, ok := strings.Cut(s, " ")
	if !ok || !strings.Contains(num, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(num, "0"), ".") + " " + unit
}
