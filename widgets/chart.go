package widgets

import (
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onescreen/city"
)

// ChartPoint is one value of a series at one time.
type ChartPoint struct {
	T time.Time
	V float64
}

// Series is one line of a trend chart. Points need not be sorted; points
// with a non-finite value are skipped (and break the line).
type Series struct {
	Name   string       // legend text, already translated; empty for no legend entry
	Unit   string       // unit of the values, shown on the value axis, e.g. "µg/m³"
	Color  color.NRGBA  // line colour
	Points []ChartPoint // the series' values over time
}

// Threshold is a horizontal reference line, e.g. the AQI 100 line or a noise
// limit.
type Threshold struct {
	Value float64
	Label string // already translated, e.g. "AQI 100" or "昼间限值 60 dB(A)"
	Color color.NRGBA
}

// Chart drawing constants, in canvas units unless stated.
const (
	chartLineWidth      = 2.0  // width of a series line
	chartThresholdWidth = 1.5  // width of a threshold line
	chartDash           = 8.0  // length of a threshold dash and of the gap after it
	chartMinTickSpacing = 90.0 // at least this far between time-axis labels
	chartMinValueRows   = 36.0 // at least this far between value-axis labels
	chartAutoGapFactor  = 2.5  // points further apart than this × the usual spacing are not chartJoined
	chartHatchSpacing   = 8    // pixels between the stripes of the stale tail
	chartLabelScale     = 0.85 // axis label text size, × the theme's text size
	chartMaxDecimals    = 6    // most decimals a value-axis label shows
)

// timeSteps are the spacings the time axis may use between labels.
var timeSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
	30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour,
	12 * time.Hour, 24 * time.Hour,
}

// TrendChart is a line chart of the last hours. The lines, grid, threshold
// lines and the greyed stale tail are drawn into one raster image; only the
// handful of axis labels are text objects. Gaps in the data are drawn as
// breaks in the line, not chartJoined. Times are labelled in Beijing time.
type TrendChart struct {
	widget.BaseWidget

	// MaxGap is the longest spacing between two points that is still chartJoined
	// by a line; zero means automatic (2.5 × the series' usual spacing). The
	// stretch after a series' last point up to the window's end is greyed
	// when it is longer than this.
	MaxGap time.Duration

	series     []Series
	thresholds []Threshold
	from, to   time.Time
}

var _ fyne.Widget = (*TrendChart)(nil)

// NewTrendChart returns an empty chart.
func NewTrendChart() *TrendChart {
	c := &TrendChart{}
	c.ExtendBaseWidget(c)
	return c
}

// SetSeries replaces the lines and threshold lines and redraws the chart.
// The slices are copied.
func (c *TrendChart) SetSeries(series []Series, thresholds []Threshold) {
	c.series = make([]Series, len(series))
	for i, s := range series {
		s.Points = slices.Clone(s.Points)
		c.series[i] = s
	}
	c.thresholds = slices.Clone(thresholds)
	c.Refresh()
}

// SetWindow sets the time span the chart shows. With a zero window (or
// from not before to) the chart spans its data.
func (c *TrendChart) SetWindow(from, to time.Time) {
	c.from, c.to = from, to
	c.Refresh()
}

// Window returns the time span the chart shows.
func (c *TrendChart) Window() (from, to time.Time) {
	if c.to.After(c.from) {
		return c.from, c.to
	}
	return chartSpan(c.series)
}

// MinSize keeps the chart big enough for a few labels each way.
func (c *TrendChart) MinSize() fyne.Size {
	c.ExtendBaseWidget(c)
	return c.BaseWidget.MinSize()
}

// CreateRenderer links the chart to its renderer.
func (c *TrendChart) CreateRenderer() fyne.WidgetRenderer {
	c.ExtendBaseWidget(c)
	r := &chartRenderer{chart: c}
	r.raster = canvas.NewRaster(r.draw)
	r.empty.Alignment = fyne.TextAlignCenter
	r.Refresh()
	return r
}

// chartPlan is everything the raster needs, computed on the UI goroutine
// when the chart is refreshed or resized.
type chartPlan struct {
	from, to   time.Time
	lo, hi     float64
	lines      [][]ChartPoint // per series: points sorted by time; non-finite values break the line
	colors     []color.NRGBA
	gaps       []time.Duration // per series: longest chartJoined spacing
	thresholds []Threshold
	valueTicks []float64
	timeTicks  []time.Time
	staleFrom  time.Time // start of the greyed tail; zero for none
	scale      float32   // canvas scale, to turn canvas units into pixels

	background, grid, hatch color.NRGBA
}

type chartRenderer struct {
	chart  *TrendChart
	raster *canvas.Raster

	background canvas.Rectangle
	unit       canvas.Text
	empty      canvas.Text
	timeLabels []*canvas.Text
	valLabels  []*canvas.Text
	thrLabels  []*canvas.Text
	legend     []*canvas.Text

	plan    chartPlan
	version int // bumped whenever plan changes

	cache        *image.NRGBA
	cacheVersion int

	objects []fyne.CanvasObject
}

func (r *chartRenderer) labelSize() float32 {
	return r.chart.Theme().Size(theme.SizeNameText) * chartLabelScale
}

func (r *chartRenderer) MinSize() fyne.Size {
	p := r.chart.Theme().Size(theme.SizeNameInnerPadding)
	h := fyne.MeasureText("00:00", r.labelSize(), fyne.TextStyle{}).Height
	return fyne.NewSize(4*chartMinTickSpacing, 4*chartMinValueRows+3*h+2*p)
}

// plotRect is where the raster goes inside the widget.
func (r *chartRenderer) plotRect(size fyne.Size) (fyne.Position, fyne.Size) {
	p := r.chart.Theme().Size(theme.SizeNameInnerPadding)
	ls := r.labelSize()
	lh := fyne.MeasureText("00:00", ls, fyne.TextStyle{}).Height
	left := fyne.MeasureText(r.widestValueLabel(), ls, fyne.TextStyle{}).Width + p
	if u := fyne.MeasureText(r.unit.Text, ls, fyne.TextStyle{}).Width + p/2; u > left {
		left = u
	}
	top := lh + p/2 // unit and legend row
	bottom := lh + p/2
	w := max(size.Width-left-p, 1)
	h := max(size.Height-top-bottom, 1)
	return fyne.NewPos(left, top), fyne.NewSize(w, h)
}

func (r *chartRenderer) widestValueLabel() string {
	widest := "0000"
	for _, l := range r.valLabels {
		if len(l.Text) > len(widest) {
			widest = l.Text
		}
	}
	return widest
}

func (r *chartRenderer) Layout(size fyne.Size) {
	r.background.Move(fyne.NewPos(0, 0))
	r.background.Resize(size)
	r.replan(size)
	r.rebuildObjects() // the label pools may have grown or shrunk
	pos, ps := r.plotRect(size)
	r.raster.Move(pos)
	r.raster.Resize(ps)
	r.placeLabels(size, pos, ps)
}

func (r *chartRenderer) Refresh() {
	th := r.chart.Theme()
	r.background.FillColor = color.Transparent
	ls := r.labelSize()
	r.unit.Color = thColor(th, theme.ColorNamePlaceHolder)
	r.unit.TextSize = ls
	r.unit.Text = ""
	for _, s := range r.chart.series {
		if s.Unit != "" {
			r.unit.Text = s.Unit
			break
		}
	}
	r.empty.Text = lang.L("No data in this period")
	r.empty.Color = staleColor(th)
	r.empty.TextSize = th.Size(theme.SizeNameText)
	r.Layout(r.chart.Size())
	for _, o := range r.objects {
		if o != r.raster {
			o.Refresh()
		}
	}
	r.raster.Refresh()
}

// replan recomputes scales, ticks and colours for the given size.
func (r *chartRenderer) replan(size fyne.Size) {
	c := r.chart
	th := c.Theme()
	from, to := c.Window()
	p := chartPlan{from: from, to: to, thresholds: c.thresholds}
	p.scale = 1
	if cv := fyne.CurrentApp().Driver().CanvasForObject(c); cv != nil {
		p.scale = cv.Scale()
	}
	p.background = nrgbaOf(thColor(th, theme.ColorNameInputBackground))
	p.grid = nrgbaOf(thColor(th, theme.ColorNameSeparator))
	hatch := nrgbaOf(staleColor(th))
	hatch.A = hatch.A / 3
	p.hatch = hatch

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range c.series {
		pts := slices.Clone(s.Points)
		slices.SortStableFunc(pts, func(a, b ChartPoint) int { return a.T.Compare(b.T) })
		var last time.Time // newest finite point
		for _, pt := range pts {
			if !city.Finite(pt.V) {
				continue
			}
			last = pt.T
			if !pt.T.Before(from) && !pt.T.After(to) {
				lo, hi = min(lo, pt.V), max(hi, pt.V)
			}
		}
		gap := c.MaxGap
		if gap <= 0 {
			gap = chartAutoGap(pts)
		}
		p.lines = append(p.lines, pts)
		p.colors = append(p.colors, s.Color)
		p.gaps = append(p.gaps, gap)
		if !last.IsZero() && gap > 0 && to.Sub(last) > gap {
			if last.Before(from) {
				last = from
			}
			if p.staleFrom.IsZero() || last.After(p.staleFrom) {
				p.staleFrom = last
			}
		}
	}
	hasData := !math.IsInf(lo, 1)
	for _, t := range c.thresholds {
		if city.Finite(t.Value) {
			lo, hi = min(lo, t.Value), max(hi, t.Value)
		}
	}
	_, ps := r.plotRect(size)
	rows := max(int(ps.Height/chartMinValueRows), 2)
	p.lo, p.hi, p.valueTicks = chartNiceScale(lo, hi, rows)
	p.timeTicks = chartTimeTicks(from, to, max(int(ps.Width/chartMinTickSpacing), 1))
	r.empty.Hidden = hasData
	r.plan = p
	r.version++
	r.updateLabels()
}

// updateLabels sets the texts of the axis, threshold and legend labels.
func (r *chartRenderer) updateLabels() {
	th := r.chart.Theme()
	ls := r.labelSize()
	dim := thColor(th, theme.ColorNamePlaceHolder)
	p := r.plan

	step := 1.0
	if len(p.valueTicks) > 1 {
		step = p.valueTicks[1] - p.valueTicks[0]
	}
	r.valLabels = textPool(r.valLabels, len(p.valueTicks))
	for i, v := range p.valueTicks {
		l := r.valLabels[i]
		l.Text = chartTickLabel(v, step)
		l.Color, l.TextSize, l.Alignment = dim, ls, fyne.TextAlignTrailing
	}
	r.timeLabels = textPool(r.timeLabels, len(p.timeTicks))
	for i, t := range p.timeTicks {
		l := r.timeLabels[i]
		lt := t.In(city.Shanghai)
		if lt.Hour() == 0 && lt.Minute() == 0 {
			l.Text = lt.Format("01-02")
		} else {
			l.Text = lt.Format("15:04")
		}
		l.Color, l.TextSize, l.Alignment = dim, ls, fyne.TextAlignCenter
	}
	r.thrLabels = textPool(r.thrLabels, len(p.thresholds))
	for i, t := range p.thresholds {
		l := r.thrLabels[i]
		l.Text = t.Label
		l.Color, l.TextSize, l.Alignment = t.Color, ls, fyne.TextAlignTrailing
		l.TextStyle.Bold = true
	}
	named := 0
	for _, s := range r.chart.series {
		if s.Name != "" {
			named++
		}
	}
	r.legend = textPool(r.legend, named)
	i := 0
	for _, s := range r.chart.series {
		if s.Name == "" {
			continue
		}
		l := r.legend[i]
		l.Text = "— " + s.Name
		l.Color, l.TextSize = s.Color, ls
		l.TextStyle.Bold = true
		i++
	}
}

// placeLabels moves the labels next to the plot area at pos, size ps, in a
// widget of the given size.
func (r *chartRenderer) placeLabels(size fyne.Size, pos fyne.Position, ps fyne.Size) {
	p := r.plan
	th := r.chart.Theme()
	pad := th.Size(theme.SizeNameInnerPadding)
	ls := r.labelSize()
	lh := fyne.MeasureText("00:00", ls, fyne.TextStyle{}).Height

	for i, v := range p.valueTicks {
		y := pos.Y + chartY(v, p.lo, p.hi, ps.Height)
		l := r.valLabels[i]
		l.Move(fyne.NewPos(0, y-lh/2))
		l.Resize(fyne.NewSize(pos.X-pad/2, lh))
	}
	for i, t := range p.timeTicks {
		x := pos.X + chartX(t, p.from, p.to, ps.Width)
		w := fyne.MeasureText(r.timeLabels[i].Text, ls, fyne.TextStyle{}).Width + pad
		l := r.timeLabels[i]
		// Centred under its tick, but kept inside the widget at both ends.
		lx := min(max(x-w/2, 0), size.Width-w)
		l.Move(fyne.NewPos(lx, pos.Y+ps.Height+pad/4))
		l.Resize(fyne.NewSize(w, lh))
	}
	for i, t := range p.thresholds {
		y := pos.Y + chartY(t.Value, p.lo, p.hi, ps.Height)
		l := r.thrLabels[i]
		l.Move(fyne.NewPos(pos.X, y-lh))
		l.Resize(fyne.NewSize(ps.Width-pad/2, lh))
		l.Hidden = !city.Finite(t.Value)
	}
	r.unit.Move(fyne.NewPos(0, 0))
	r.unit.Resize(fyne.NewSize(pos.X, lh))
	x := pos.X
	for _, l := range r.legend {
		w := fyne.MeasureText(l.Text, ls, l.TextStyle).Width
		l.Move(fyne.NewPos(x, 0))
		l.Resize(fyne.NewSize(w, lh))
		x += w + pad
	}
	r.empty.Move(pos)
	r.empty.Resize(ps)
}

func (r *chartRenderer) rebuildObjects() {
	objs := []fyne.CanvasObject{&r.background, r.raster, &r.unit}
	for _, group := range [][]*canvas.Text{r.valLabels, r.timeLabels, r.thrLabels, r.legend} {
		for _, l := range group {
			objs = append(objs, l)
		}
	}
	r.objects = append(objs, &r.empty)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Destroy() {}

// draw renders the plot area at w×h pixels. It reuses the last image while
// neither the plan nor the size changed.
func (r *chartRenderer) draw(w, h int) image.Image {
	if w <= 0 || h <= 0 {
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	}
	if r.cache != nil && r.cacheVersion == r.version && r.cache.Rect.Dx() == w && r.cache.Rect.Dy() == h {
		return r.cache
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	chartPaint(img, &r.plan)
	r.cache, r.cacheVersion = img, r.version
	return img
}

// chartPaint paints the plot: background, grid, stale tail, thresholds, lines.
func chartPaint(img *image.NRGBA, p *chartPlan) {
	b := img.Rect
	w, h := b.Dx(), b.Dy()
	chartFillRect(img, b, p.background)
	fw, fh := float64(w), float64(h)
	xOf := func(t time.Time) float64 { return float64(chartX(t, p.from, p.to, float32(fw-1))) }
	yOf := func(v float64) float64 { return float64(chartY(v, p.lo, p.hi, float32(fh-1))) }

	for _, v := range p.valueTicks {
		y := int(math.Round(yOf(v)))
		chartFillRect(img, image.Rect(0, y, w, y+1), p.grid)
	}
	for _, t := range p.timeTicks {
		x := int(math.Round(xOf(t)))
		chartFillRect(img, image.Rect(x, 0, x+1, h), p.grid)
	}
	if !p.staleFrom.IsZero() {
		x0 := max(int(math.Ceil(xOf(p.staleFrom))), 0)
		for y := 0; y < h; y++ {
			for x := x0; x < w; x++ {
				if (x+y)%chartHatchSpacing < chartHatchSpacing/2 {
					chartBlend(img, x, y, p.hatch)
				}
			}
		}
	}
	scale := float64(p.scale)
	thr := max(chartThresholdWidth*scale, 1)
	dash := chartDash * scale
	for _, t := range p.thresholds {
		if !city.Finite(t.Value) {
			continue
		}
		y := yOf(t.Value)
		for x := 0.0; x < fw; x += 2 * dash {
			chartFillRectF(img, x, y-thr/2, min(x+dash, fw), y+thr/2, t.Color)
		}
	}
	lw := max(chartLineWidth*scale, 1)
	for i, pts := range p.lines {
		col := p.colors[i]
		gap := p.gaps[i]
		for j, pt := range pts {
			if !city.Finite(pt.V) {
				continue
			}
			x, y := xOf(pt.T), yOf(pt.V)
			joinedBefore := j > 0 && chartJoined(pts[j-1], pt, gap)
			joinedAfter := j+1 < len(pts) && chartJoined(pt, pts[j+1], gap)
			if joinedAfter {
				nx, ny := xOf(pts[j+1].T), yOf(pts[j+1].V)
				chartSegment(img, x, y, nx, ny, lw, col)
			}
			if !joinedBefore && !joinedAfter {
				// A lone reading between gaps: a dot, so it is not lost.
				chartFillRectF(img, x-lw, y-lw, x+lw, y+lw, col)
			}
		}
	}
}

// chartJoined reports whether two consecutive points are both values and close
// enough in time to be connected by a line.
func chartJoined(a, b ChartPoint, gap time.Duration) bool {
	return city.Finite(a.V) && city.Finite(b.V) && (gap <= 0 || b.T.Sub(a.T) <= gap)
}

// chartAutoGap is chartAutoGapFactor × the median spacing of sorted points, or
// zero (join everything) when there are too few points to tell.
func chartAutoGap(pts []ChartPoint) time.Duration {
	if len(pts) < 3 {
		return 0
	}
	d := make([]time.Duration, 0, len(pts)-1)
	for i := 1; i < len(pts); i++ {
		if s := pts[i].T.Sub(pts[i-1].T); s > 0 {
			d = append(d, s)
		}
	}
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return time.Duration(float64(d[len(d)/2]) * chartAutoGapFactor)
}

// chartSpan is the time span of all points, or the last hour before now when
// there are none.
func chartSpan(series []Series) (from, to time.Time) {
	for _, s := range series {
		for _, p := range s.Points {
			if from.IsZero() || p.T.Before(from) {
				from = p.T
			}
			if to.IsZero() || p.T.After(to) {
				to = p.T
			}
		}
	}
	if !to.After(from) {
		if to.IsZero() {
			to = time.Now()
		}
		from = to.Add(-time.Hour)
	}
	return from, to
}

// chartX maps t onto 0..width.
func chartX(t, from, to time.Time, width float32) float32 {
	span := to.Sub(from)
	if span <= 0 {
		return 0
	}
	return float32(float64(t.Sub(from)) / float64(span) * float64(width))
}

// chartY maps v onto height..0 (larger values higher up).
func chartY(v, lo, hi float64, height float32) float32 {
	if hi <= lo {
		return height / 2
	}
	return float32((hi - v) / (hi - lo) * float64(height))
}

// chartNiceScale widens lo..hi to round tick values, about rows of them. With no
// finite range it returns 0..1.
func chartNiceScale(lo, hi float64, rows int) (float64, float64, []float64) {
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi) {
		lo, hi = 0, 1
	}
	if hi == lo {
		pad := math.Max(math.Abs(lo)*0.1, 1)
		lo, hi = lo-pad, hi+pad
	}
	step := chartNiceStep((hi - lo) / float64(max(rows, 1)))
	nlo := math.Floor(lo/step) * step
	nhi := math.Ceil(hi/step) * step
	if nhi-hi < step*0.05 { // keep a little headroom above the highest value
		nhi += step
	}
	var ticks []float64
	for i := 0; ; i++ {
		v := nlo + float64(i)*step
		if v > nhi+step/2 {
			break
		}
		ticks = append(ticks, v)
	}
	return nlo, nhi, ticks
}

// chartNiceStep rounds raw up to 1, 2 or 5 × a power of ten.
func chartNiceStep(raw float64) float64 {
	if raw <= 0 || !city.Finite(raw) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / mag; {
	case f <= 1:
		return mag
	case f <= 2:
		return 2 * mag
	case f <= 5:
		return 5 * mag
	default:
		return 10 * mag
	}
}

// chartTimeTicks returns label times on round Beijing-time boundaries, at most
// n of them (unless even the longest step gives more).
func chartTimeTicks(from, to time.Time, n int) []time.Time {
	span := to.Sub(from)
	if span <= 0 {
		return nil
	}
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if int(span/s)+1 <= n { // labels at both ends of the intervals
			step = s
			break
		}
	}
	_, off := from.In(city.Shanghai).Zone()
	sec := int64(step / time.Second)
	local := from.Unix() + int64(off)
	first := (local + sec - 1) / sec * sec
	if local < 0 {
		first = local / sec * sec
	}
	var ticks []time.Time
	for t := time.Unix(first-int64(off), 0); !t.After(to); t = t.Add(step) {
		if !t.Before(from) {
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// chartTickLabel prints a value-axis label with as many decimals as step needs.
func chartTickLabel(v, step float64) string {
	dec := 0 // the fewest decimals that show step exactly
	for ; dec < chartMaxDecimals && step > 0; dec++ {
		if f := step * math.Pow(10, float64(dec)); math.Abs(f-math.Round(f)) < 1e-6 {
			break
		}
	}
	if math.Abs(v) < step/1e6 {
		v = 0 // avoid "-0"
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// textPool grows or shrinks a pool of text objects to n.
func textPool(pool []*canvas.Text, n int) []*canvas.Text {
	for len(pool) < n {
		pool = append(pool, &canvas.Text{})
	}
	return pool[:n]
}

// chartFillRect paints r (clipped to the image) with c, blending when c is
// translucent.
func chartFillRect(img *image.NRGBA, r image.Rectangle, c color.NRGBA) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			chartBlend(img, x, y, c)
		}
	}
}

// chartFillRectF paints the pixels whose centres lie in x0..x1 × y0..y1.
func chartFillRectF(img *image.NRGBA, x0, y0, x1, y1 float64, c color.NRGBA) {
	r := image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x1)), int(math.Round(y1)))
	if r.Dx() == 0 {
		r.Max.X = r.Min.X + 1
	}
	if r.Dy() == 0 {
		r.Max.Y = r.Min.Y + 1
	}
	chartFillRect(img, r, c)
}

// chartSegment draws a line of width lw from (x0,y0) to (x1,y1), clipped to
// the image, by stamping squares every half pixel.
func chartSegment(img *image.NRGBA, x0, y0, x1, y1, lw float64, c color.NRGBA) {
	m := lw
	ok, x0, y0, x1, y1 := chartClip(x0, y0, x1, y1, -m, -m, float64(img.Rect.Dx())+m, float64(img.Rect.Dy())+m)
	if !ok {
		return
	}
	steps := int(math.Ceil(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))*2)) + 1
	hw := lw / 2
	for i := 0; i <= steps; i++ {
		f := float64(i) / float64(steps)
		x, y := x0+(x1-x0)*f, y0+(y1-y0)*f
		chartFillRectF(img, x-hw, y-hw, x+hw, y+hw, c)
	}
}

// chartClip clips a segment to a box (Liang–Barsky); ok is false when
// nothing of it lies inside.
func chartClip(x0, y0, x1, y1, minX, minY, maxX, maxY float64) (ok bool, cx0, cy0, cx1, cy1 float64) {
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, e := range [4][2]float64{{-dx, x0 - minX}, {dx, maxX - x0}, {-dy, y0 - minY}, {dy, maxY - y0}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false, 0, 0, 0, 0
			}
			continue
		}
		t := q / p
		if p < 0 {
			if t > t1 {
				return false, 0, 0, 0, 0
			}
			t0 = max(t0, t)
		} else {
			if t < t0 {
				return false, 0, 0, 0, 0
			}
			t1 = min(t1, t)
		}
	}
	return true, x0 + t0*dx, y0 + t0*dy, x0 + t1*dx, y0 + t1*dy
}

// chartBlend draws c over the pixel at x, y.
func chartBlend(img *image.NRGBA, x, y int, c color.NRGBA) {
	if !(image.Point{X: x, Y: y}).In(img.Rect) {
		return
	}
	i := img.PixOffset(x, y)
	if c.A == 0xFF {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
		return
	}
	if c.A == 0 {
		return
	}
	a := uint32(c.A)
	da := uint32(img.Pix[i+3])
	outA := a + da*(0xFF-a)/0xFF
	if outA == 0 {
		return
	}
	mix := func(s, d uint8) uint8 {
		return uint8((uint32(s)*a + uint32(d)*da*(0xFF-a)/0xFF) / outA)
	}
	img.Pix[i], img.Pix[i+1], img.Pix[i+2] = mix(c.R, img.Pix[i]), mix(c.G, img.Pix[i+1]), mix(c.B, img.Pix[i+2])
	img.Pix[i+3] = uint8(outA)
}
