package widgets

import (
	"image"
	"image/color"
	"math"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

var (
	seriesMagenta = color.NRGBA{0xFF, 0x00, 0xFF, 0xFF} // the test series
	thresholdCyan = color.NRGBA{0x00, 0xFF, 0xFF, 0xFF} // the test threshold
)

// chartT0 is 10:00 Beijing time, given in UTC.
var chartT0 = time.Date(2025, 3, 14, 2, 0, 0, 0, time.UTC)

func chartMinute(m int) time.Time { return chartT0.Add(time.Duration(m) * time.Minute) }

// chartFixture is a series with a reading a minute from 10:00 to 10:59,
// values 20..29, nothing from 10:20 to 10:39, and a broken reading (NaN)
// at 10:50; and a threshold at 50.
func chartFixture() ([]Series, []Threshold) {
	var pts []ChartPoint
	for m := range 60 {
		switch {
		case m >= 20 && m < 40:
			continue
		case m == 50:
			pts = append(pts, ChartPoint{T: chartMinute(m), V: math.NaN()})
		default:
			pts = append(pts, ChartPoint{T: chartMinute(m), V: 20 + float64(m%10)})
		}
	}
	// Hand them over out of order: the chart sorts.
	slices.Reverse(pts)
	return []Series{{Name: "PM2.5", Unit: "µg/m³", Color: seriesMagenta, Points: pts}},
		[]Threshold{{Value: 50, Label: "limit 50", Color: thresholdCyan}}
}

type chartProbe struct {
	t    *testing.T
	c    fyne.Canvas
	r    *chartRenderer
	plot image.Rectangle
}

func newChartProbe(t *testing.T, ch *TrendChart) chartProbe {
	c := showWidget(t, ch, fyne.NewSize(640, 320))
	r := test.WidgetRenderer(ch).(*chartRenderer)
	return chartProbe{t: t, c: c, r: r, plot: drawnBounds(t, c, r.raster)}
}

// column is a strip of the plot 2·half+1 pixels wide around time tm.
func (p chartProbe) column(tm time.Time, half int) image.Rectangle {
	x := p.plot.Min.X + int(math.Round(float64(chartX(tm, p.r.plan.from, p.r.plan.to, float32(p.plot.Dx()-1)))))
	return image.Rect(x-half, p.plot.Min.Y, x+half+1, p.plot.Max.Y)
}

// row is a strip of the plot 2·half+1 pixels high around value v.
func (p chartProbe) row(v float64, half int) image.Rectangle {
	y := p.plot.Min.Y + int(math.Round(float64(chartY(v, p.r.plan.lo, p.r.plan.hi, float32(p.plot.Dy()-1)))))
	return image.Rect(p.plot.Min.X, y-half, p.plot.Max.X, y+half+1)
}

func TestTrendChartDrawsSeriesGapsAndThresholds(t *testing.T) {
	newPanelTestApp(t)
	ch := NewTrendChart()
	ch.SetSeries(chartFixture())
	ch.SetWindow(chartMinute(0), chartMinute(60))
	p := newChartProbe(t, ch)
	img := p.c.Capture()

	// The line is there, in its colour, where there are readings.
	for _, m := range []int{5, 10, 15, 45, 55} {
		if n := countColorNear(img, p.column(chartMinute(m), 1), seriesMagenta, 0); n == 0 {
			t.Errorf("10:%02d: no series pixels in the column", m)
		}
	}
	// It passes through the right height: at 10:05 the value is 25.
	at := p.column(chartMinute(5), 1).Intersect(p.row(25, 3))
	if n := countColorNear(img, at, seriesMagenta, 0); n == 0 {
		t.Errorf("no series pixels around (10:05, 25) in %v", at)
	}
	// Missing readings are a break, not a straight line across.
	for _, m := range []int{25, 30, 35} {
		if n := countColorNear(img, p.column(chartMinute(m), 2), seriesMagenta, 0); n != 0 {
			t.Errorf("10:%02d is in a gap, yet %d series pixels are drawn there", m, n)
		}
	}
	// A broken (NaN) reading breaks the line too.
	if n := countColorNear(img, p.column(chartMinute(50), 1), seriesMagenta, 0); n != 0 {
		t.Errorf("10:50 has no valid value, yet %d series pixels are drawn there", n)
	}
	// The threshold: a dashed line across at 50, in its colour, labelled.
	line := p.row(50, 1)
	if n := countColorNear(img, line, thresholdCyan, 0); n < p.plot.Dx()*2/5 {
		t.Errorf("threshold line: %d cyan pixels along %d columns, want at least 40%%", n, p.plot.Dx())
	}
	if n := countColorNear(img, p.row(35, 2), thresholdCyan, 0); n != 0 {
		t.Errorf("%d threshold pixels away from its value", n)
	}
	if len(p.r.thrLabels) != 1 || p.r.thrLabels[0].Text != "limit 50" || p.r.thrLabels[0].Color != color.Color(thresholdCyan) {
		t.Errorf("threshold label %+v", p.r.thrLabels)
	}
	// The value axis covers data and threshold, with the unit.
	if p.r.plan.lo > 20 || p.r.plan.hi < 50 {
		t.Errorf("value axis %v..%v does not cover 20..50", p.r.plan.lo, p.r.plan.hi)
	}
	if p.r.unit.Text != "µg/m³" {
		t.Errorf("unit label %q", p.r.unit.Text)
	}
	// The time axis is in Beijing time.
	var labels []string
	for _, l := range p.r.timeLabels {
		labels = append(labels, l.Text)
	}
	if len(labels) < 3 || labels[0] != "10:00" || labels[len(labels)-1] != "11:00" {
		t.Errorf("time labels %v, want 10:00 … 11:00", labels)
	}
	if !p.r.empty.Hidden {
		t.Error("\"no data\" shown over a chart with data")
	}
}

func TestTrendChartStaleTail(t *testing.T) {
	newPanelTestApp(t)
	ch := NewTrendChart()
	ch.SetSeries(chartFixture())
	ch.SetWindow(chartMinute(0), chartMinute(60))
	p := newChartProbe(t, ch)
	hatch := func() color.NRGBA {
		px := image.NewNRGBA(image.Rect(0, 0, 1, 1))
		chartBlend(px, 0, 0, p.r.plan.background)
		chartBlend(px, 0, 0, p.r.plan.hatch)
		return px.NRGBAAt(0, 0)
	}()
	tail := func() image.Rectangle {
		return p.column(chartMinute(60), 0).Union(p.column(chartMinute(63), 0)).Union(p.column(chartMinute(88), 0))
	}

	// Readings up to 10:59 of a window ending 11:00: nothing is stale.
	if n := countColorNear(p.c.Capture(), p.plot, hatch, 2); n != 0 {
		t.Errorf("fresh series: %d stale-hatch pixels", n)
	}

	// The window runs on to 11:30 with no new readings: the tail is greyed.
	ch.SetWindow(chartMinute(0), chartMinute(90))
	img := p.c.Capture()
	tr := tail()
	if n := countColorNear(img, tr, hatch, 2); n < pixelArea(tr)/4 {
		t.Errorf("stale tail: %d of %d pixels hatched, want at least a quarter", n, pixelArea(tr))
	}
	before := p.column(chartMinute(2), 0).Union(p.column(chartMinute(55), 0))
	if n := countColorNear(img, before, hatch, 2); n != 0 {
		t.Errorf("%d hatch pixels before the last reading", n)
	}
}

func TestTrendChartEmpty(t *testing.T) {
	newPanelTestApp(t)
	ch := NewTrendChart()
	ch.SetWindow(chartMinute(0), chartMinute(60))
	p := newChartProbe(t, ch)
	if p.r.empty.Hidden || p.r.empty.Text != "No data in this period" {
		t.Errorf("empty chart: message hidden %v text %q", p.r.empty.Hidden, p.r.empty.Text)
	}
	img := p.c.Capture()
	if n := countColorNear(img, p.plot, seriesMagenta, 0); n != 0 {
		t.Errorf("empty chart draws %d series pixels", n)
	}
}

func TestChartNiceScale(t *testing.T) {
	tests := []struct {
		lo, hi                   float64
		rows                     int
		wantLo, wantHi, wantStep float64
	}{
		{20, 50, 5, 20, 60, 10},                     // a maximum on a tick gets a row of headroom
		{0, 1, 4, 0, 1.5, 0.5},                      // 0.25 a row rounds up to 0.5
		{63.2, 148.9, 6, 60, 160, 20},               // AQI-like
		{7, 7, 4, 6, 8.5, 0.5},                      // one value: widened to ±1
		{-12, 3, 5, -15, 5, 5},                      // below zero (water temperature in winter)
		{math.Inf(1), math.Inf(-1), 4, 0, 1.5, 0.5}, // no data at all
	}
	for _, tt := range tests {
		lo, hi, ticks := chartNiceScale(tt.lo, tt.hi, tt.rows)
		if lo != tt.wantLo || hi != tt.wantHi {
			t.Errorf("chartNiceScale(%v, %v, %d) = %v..%v, want %v..%v", tt.lo, tt.hi, tt.rows, lo, hi, tt.wantLo, tt.wantHi)
		}
		var want []float64
		for v := tt.wantLo; v <= tt.wantHi+1e-9; v += tt.wantStep {
			want = append(want, v)
		}
		if !slices.EqualFunc(ticks, want, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
			t.Errorf("chartNiceScale(%v, %v, %d) ticks %v, want %v", tt.lo, tt.hi, tt.rows, ticks, want)
		}
	}
}

func TestChartTickLabel(t *testing.T) {
	tests := []struct {
		v, step float64
		want    string
	}{{20, 10, "20"}, {0.5, 0.5, "0.5"}, {1.25, 0.25, "1.25"}, {-0.0000001, 0.1, "0.0"}, {1500, 500, "1500"}}
	for _, tt := range tests {
		if got := chartTickLabel(tt.v, tt.step); got != tt.want {
			t.Errorf("chartTickLabel(%v, %v) = %q, want %q", tt.v, tt.step, got, tt.want)
		}
	}
}

func TestChartTimeTicks(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2025, 3, 14, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		from, to time.Time
		n        int
		want     []string // Beijing wall-clock labels
	}{
		{"an hour, six labels", at(2, 0), at(3, 0), 6, []string{"10:00", "10:15", "10:30", "10:45", "11:00"}},
		{"odd start rounds up", at(2, 7), at(3, 7), 3, []string{"10:30", "11:00"}},
		{"six hours", at(1, 50), at(7, 50), 6, []string{"10:00", "12:00", "14:00"}},
		{"over Beijing midnight", at(15, 0), at(17, 0), 3, []string{"23:00", "00:00", "01:00"}},
		{"one label", at(2, 0), at(2, 30), 1, []string{"10:00"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tm := range chartTimeTicks(tt.from, tt.to, tt.n) {
			got = append(got, tm.In(time.FixedZone("CST", 8*3600)).Format("15:04"))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: ticks %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestChartClip(t *testing.T) {
	tests := []struct {
		x0, y0, x1, y1 float64
		ok             bool
		want           [4]float64
	}{
		{-10, 5, 20, 5, true, [4]float64{0, 5, 10, 5}},
		{2, 2, 8, 8, true, [4]float64{2, 2, 8, 8}},
		{-5, -5, -1, -1, false, [4]float64{}},
		{5, -1e9, 5, 1e9, true, [4]float64{5, 0, 5, 10}},
	}
	for _, tt := range tests {
		ok, a, b, c, d := chartClip(tt.x0, tt.y0, tt.x1, tt.y1, 0, 0, 10, 10)
		got := [4]float64{a, b, c, d}
		close := func() bool {
			for i := range got {
				if math.Abs(got[i]-tt.want[i]) > 1e-6 {
					return false
				}
			}
			return true
		}
		if ok != tt.ok || ok && !close() {
			t.Errorf("chartClip(%v,%v,%v,%v) = %v %v, want %v %v", tt.x0, tt.y0, tt.x1, tt.y1, ok, got, tt.ok, tt.want)
		}
	}
}
