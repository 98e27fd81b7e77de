package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"regexp"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// chart is what one picture shows, independent of the format it is drawn in.
type chart struct {
	name   string // file base name: charts/<name>.png
	title  string
	xlabel string
	ylabel string
	series []series
	hlines []hline // horizontal thresholds
	// hlegend names the thresholds in the legend ("" is "tcp_mem thresholds").
	hlegend string
	marks   []mark  // vertical phase boundaries
	xmin    float64 // when xmax > xmin, the x range shown
	xmax    float64

	// xlog draws x, a percentile (0..100), on HdrHistogram's log axis of
	// 1/(1 − p), from 0 % at the left to xtop (10, 100, 1000, …: 90 %,
	// 99 %, 99.9 %, …) at the right edge, where 100 % (the maximum) is put.
	xlog bool
	xtop float64

	// ylog draws y, in seconds, on a log axis labelled with durations,
	// for latencies that span several powers of ten; values ≤ 0 are gaps.
	ylog bool

	// nominal names the x positions 0, 1, 2, … when x is not a number
	// (a sweep's values such as "4096 87380 6291456").
	nominal []string

	lower  *chart    // a second panel drawn below this one, sharing its x axis
	height vg.Length // the picture's height; 0 is chartHeight (two panels: twice)
}

// series is one line of a chart.
type series struct {
	name   string
	xs, ys []float64
	color  int // index into palette
	dash   int // index into dashes
	// lo and hi, when set, are each point's spread (a sweep's min and
	// max): drawn as bars through the point, which is drawn as a dot.
	lo, hi []float64
}

// hline is a horizontal threshold line with its label.
type hline struct {
	label string
	y     float64
}

// mark is a vertical line at a phase boundary with its label.
type mark struct {
	phase string // the phase's name, as read
	label string // the name as drawn: escaped, shortened (label)
	x     float64
}

// Chart size: wide enough for a legend beside the plot.
const (
	chartWidth  = 760 * vg.Length(1)
	chartHeight = 340 * vg.Length(1)
)

var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, // blue
	color.RGBA{0xd6, 0x27, 0x28, 0xff}, // red
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, // green
	color.RGBA{0xff, 0x7f, 0x0e, 0xff}, // orange
	color.RGBA{0x94, 0x67, 0xbd, 0xff}, // purple
	color.RGBA{0x8c, 0x56, 0x4b, 0xff}, // brown
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, // pink
	color.RGBA{0x17, 0xbe, 0xcf, 0xff}, // cyan
	color.RGBA{0x7f, 0x7f, 0x7f, 0xff}, // grey
	color.RGBA{0xbc, 0xbd, 0x22, 0xff}, // olive
}

var dashes = [][]vg.Length{nil, {6, 3}, {2, 2}, {8, 3, 2, 3}}

func sansFont(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// plot builds the gonum plot of c and the legend drawn beside it.
func (c *chart) plot() (*plot.Plot, *plot.Legend, error) {
	p := plot.New()
	p.Title.Text = c.title
	p.Title.TextStyle.Font = sansFont(13)
	p.Title.Padding = 6
	p.X.Label.Text = c.xlabel
	p.Y.Label.Text = c.ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sansFont(11)
		a.Tick.Label.Font = sansFont(10)
		a.Tick.Marker = siTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{0xe0}
	grid.Horizontal.Color = color.Gray{0xe0}
	p.Add(grid)

	leg := plot.NewLegend()
	leg.TextStyle.Font = sansFont(10)
	leg.Top, leg.Left = true, true
	leg.Padding = 2
	if c.xlog {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = percentileTicks(c.xtop)
		p.X.Min, p.X.Max = 1, c.xtop
	}
	for _, s := range c.series {
		if err := c.addSeries(p, &leg, s); err != nil {
			return nil, nil, err
		}
	}
	if len(c.hlines) > 0 {
		h := hlines(c.hlines)
		p.Add(h)
		name := c.hlegend
		if name == "" {
			name = "tcp_mem thresholds"
		}
		leg.Add(name, h)
	}
	if len(c.marks) > 0 {
		p.Add(phaseMarks(c.marks))
	}
	p.Y.Min = 0
	if c.ylog {
		lo, hi := c.yRange()
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, durTicks{}
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
		if len(c.marks) > 0 {
			p.Y.Max = hi * 4 // room for the phase labels above the data
		}
	}
	if c.xlog {
		p.X.Min, p.X.Max = 1, c.xtop
	} else if len(c.nominal) > 0 {
		p.NominalX(c.nominal...)
		p.X.Min, p.X.Max = -0.5, float64(len(c.nominal))-0.5
	} else if c.xmax > c.xmin {
		p.X.Min, p.X.Max = c.xmin, c.xmax
	}
	if c.ylog {
		// the range is set above
	} else if p.Y.Max <= p.Y.Min {
		p.Y.Max = p.Y.Min + 1
	} else if len(c.marks) > 0 {
		p.Y.Max *= 1.2 // room for the phase labels above the data
	} else {
		p.Y.Max *= 1.05
	}
	return p, &leg, nil
}

// addSeries adds one series to p as a line, broken where a value is
// missing (NaN: an empty samples.csv cell); a value alone between gaps
// is drawn as a dot.
func (c *chart) addSeries(p *plot.Plot, leg *plot.Legend, s series) error {
	sty := draw.LineStyle{Color: palette[s.color%len(palette)], Width: vg.Points(1.6), Dashes: dashes[s.dash%len(dashes)]}
	var run plotter.XYs
	var first *plotter.Line
	flush := func() error {
		defer func() { run = nil }()
		switch len(run) {
		case 0:
			return nil
		case 1:
			sc, err := plotter.NewScatter(run)
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			return nil
		}
		l, err := plotter.NewLine(run)
		if err != nil {
			return err
		}
		l.LineStyle = sty
		p.Add(l)
		if first == nil {
			first = l
		}
		return nil
	}
	for i := range min(len(s.xs), len(s.ys)) {
		x, y := s.xs[i], s.ys[i]
		if c.xlog {
			x = percentileX(x, c.xtop)
		}
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) || (c.ylog && y <= 0) {
			if err := flush(); err != nil {
				return fmt.Errorf("failed to draw series %s of chart %s: %w", s.name, c.name, err)
			}
			continue
		}
		run = append(run, plotter.XY{X: x, Y: y})
	}
	if err := flush(); err != nil {
		return fmt.Errorf("failed to draw series %s of chart %s: %w", s.name, c.name, err)
	}
	if s.lo != nil {
		if err := addSpread(p, s, sty); err != nil {
			return fmt.Errorf("failed to draw the spread of series %s of chart %s: %w", s.name, c.name, err)
		}
	}
	if first == nil {
		first = &plotter.Line{LineStyle: sty}
	}
	leg.Add(s.name, first)
	return nil
}

// yRange returns the smallest positive and the largest finite y of the
// series (1 ms to 1 s when there is none).
func (c *chart) yRange() (lo, hi float64) {
	lo, hi = math.Inf(1), 0
	for _, s := range c.series {
		for _, y := range s.ys {
			if y > 0 && !math.IsInf(y, 0) {
				lo, hi = min(lo, y), max(hi, y)
			}
		}
	}
	if hi == 0 {
		return 1e-3, 1
	}
	return lo, hi
}

// size returns the picture's size.
func (c *chart) size() (vg.Length, vg.Length) {
	switch {
	case c.height > 0:
		return chartWidth, c.height
	case c.lower != nil:
		return chartWidth, 2 * chartHeight
	}
	return chartWidth, chartHeight
}

// draw draws c onto dc: the plot on the left, its legend on the right;
// with a lower panel, the two plots one above the other, their axes aligned.
func (c *chart) draw(dc draw.Canvas) error {
	p, leg, err := c.plot()
	if err != nil {
		return err
	}
	lw := leg.Rectangle(dc).Size().X + 12
	if c.lower == nil {
		p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
		top := p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding + 4
		leg.Draw(draw.Crop(dc, dc.Size().X-lw+8, 0, 0, -top))
		return nil
	}
	lo := *c.lower
	if !lo.xlog && !(lo.xmax > lo.xmin) {
		lo.xmin, lo.xmax = p.X.Min, p.X.Max
	}
	p2, leg2, err := lo.plot()
	if err != nil {
		return err
	}
	p2.X.Min, p2.X.Max = p.X.Min, p.X.Max
	lw = max(lw, leg2.Rectangle(dc).Size().X+12)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: 10}
	cs := plot.Align([][]*plot.Plot{{p}, {p2}}, tiles, draw.Crop(dc, 0, -lw, 0, 0))
	for i, pl := range []*plot.Plot{p, p2} {
		cv := cs[i][0]
		pl.Draw(cv)
		top := pl.Title.TextStyle.Height(pl.Title.Text) + pl.Title.Padding + 4
		lg := []*plot.Legend{leg, leg2}[i]
		lg.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: dc.Max.X - lw + 8, Y: cv.Min.Y}, Max: vg.Point{X: dc.Max.X, Y: cv.Max.Y - top}}})
	}
	return nil
}

// svg returns c as an SVG document.
func (c *chart) svg() ([]byte, error) {
	cv := vgsvg.New(c.size())
	if err := c.draw(draw.New(cv)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("failed to write chart %s as SVG: %w", c.name, err)
	}
	return b.Bytes(), nil
}

// png returns c as a PNG image.
func (c *chart) png() ([]byte, error) {
	w, h := c.size()
	cv := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	if err := c.draw(draw.New(cv)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("failed to write chart %s as PNG: %w", c.name, err)
	}
	return b.Bytes(), nil
}

var (
	svgProlog = regexp.MustCompile(`(?s)^.*?<svg `)
	svgSize   = regexp.MustCompile(`width="[^"]*" height="[^"]*" `)
	svgNS     = regexp.MustCompile(`\s*xmlns(:xlink)?="[^"]*"`)
)

// inlineSVG turns an SVG document into an element to embed in HTML: no XML
// prolog, no namespace URLs (HTML5 implies them), and a size set by CSS.
func inlineSVG(doc []byte) string {
	s := svgProlog.ReplaceAllString(string(doc), `<svg class="chart" `)
	s = svgSize.ReplaceAllString(s, "")
	return svgNS.ReplaceAllString(s, "")
}

// spreadXYs is a series' points with their spread, as gonum's error bars
// read them.
type spreadXYs struct {
	plotter.XYs
	lo, hi []float64 // distances below and above each point
}

func (s spreadXYs) YError(i int) (float64, float64) { return s.lo[i], s.hi[i] }

// addSpread draws s's points as dots with bars from lo to hi.
func addSpread(p *plot.Plot, s series, sty draw.LineStyle) error {
	var pts spreadXYs
	for i := range min(len(s.xs), len(s.ys), len(s.lo), len(s.hi)) {
		x, y, lo, hi := s.xs[i], s.ys[i], s.lo[i], s.hi[i]
		if !allFinite(x, y, lo, hi) {
			continue
		}
		pts.XYs = append(pts.XYs, plotter.XY{X: x, Y: y})
		pts.lo, pts.hi = append(pts.lo, max(0, y-lo)), append(pts.hi, max(0, hi-y))
	}
	if len(pts.XYs) == 0 {
		return nil
	}
	bars, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return err
	}
	bars.LineStyle = draw.LineStyle{Color: sty.Color, Width: vg.Points(1.2)}
	bars.CapWidth = vg.Points(7)
	dots, err := plotter.NewScatter(pts.XYs)
	if err != nil {
		return err
	}
	dots.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}
	p.Add(bars, dots)
	return nil
}

// allFinite reports whether every value is a finite number.
func allFinite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
