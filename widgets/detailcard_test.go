package widgets

import (
	"image/color"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func detailFixture() Detail {
	series, thresholds := chartFixture()
	return Detail{
		Title:       "Shiwuchang",
		Subtitle:    "air station · Xiaodongmen",
		Status:      "AQI 156 moderate pollution · PM2.5",
		StatusColor: AQILevelColor(4),
		Values: []DetailValue{
			{Label: "PM2.5", Value: "118", Unit: "µg/m³", Age: "2 min", Color: AQILevelColor(4)},
			{Label: "PM10", Value: "90", Unit: "µg/m³", Age: "3 h", Stale: true},
			{Label: "O3", Value: "40", Unit: "µg/m³", Age: "5 min", Late: true},
		},
		Params:     []ParamChoice{{Param: "pm25", Label: "PM2.5"}, {Param: "pm10", Label: "PM10"}, {Param: "o3", Label: "O3"}},
		Param:      "pm25",
		Series:     series,
		Thresholds: thresholds,
		From:       chartMinute(0),
		To:         chartMinute(60),
	}
}

// tableRows returns the card's value table as rows of cell texts, without
// the header row, and the cells themselves.
func tableRows(t *testing.T, r *detailCardRenderer) ([][]string, [][]*canvas.Text) {
	t.Helper()
	var texts [][]string
	var cells [][]*canvas.Text
	objs := r.table.Objects
	if len(objs)%detailColumns != 0 {
		t.Fatalf("%d table cells, not a multiple of %d columns", len(objs), detailColumns)
	}
	for i := detailColumns; i < len(objs); i += detailColumns {
		var row []string
		var rc []*canvas.Text
		for _, o := range objs[i : i+detailColumns] {
			tx := o.(*canvas.Text)
			row = append(row, tx.Text)
			rc = append(rc, tx)
		}
		texts = append(texts, row)
		cells = append(cells, rc)
	}
	return texts, cells
}

func TestDetailCardShowsValues(t *testing.T) {
	newPanelTestApp(t)
	d := NewDetailCard()
	d.SetDetail(detailFixture())
	c := showWidget(t, d, fyne.NewSize(420, 640))
	r := test.WidgetRenderer(d).(*detailCardRenderer)

	if r.title.Text != "Shiwuchang" || r.subtitle.Text != "air station · Xiaodongmen" {
		t.Errorf("title %q, subtitle %q", r.title.Text, r.subtitle.Text)
	}
	if r.status.Text != "AQI 156 moderate pollution · PM2.5" || r.status.Color != color.Color(AQILevelColor(4)) {
		t.Errorf("status %q in %v, want it in the AQI level colour", r.status.Text, r.status.Color)
	}
	rows, cells := tableRows(t, r)
	want := [][]string{
		{"PM2.5", "118 µg/m³", "2 min", ""},
		{"PM10", "90 µg/m³", "3 h", "stale"},
		{"O3", "40 µg/m³", "5 min", "arrived late"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("table %q, want %q", rows, want)
	}
	fg := thColor(d.Theme(), theme.ColorNameForeground)
	grey := color.Color(panelThemeColors[colorNameStale])
	if cells[0][1].Color != color.Color(AQILevelColor(4)) {
		t.Errorf("PM2.5 value colour %v, want its AQI level colour", cells[0][1].Color)
	}
	for i, cell := range cells[1][:3] {
		if cell.Color != grey {
			t.Errorf("stale row, cell %d: colour %v, want grey %v", i, cell.Color, grey)
		}
	}
	if cells[2][0].Color != fg || cells[2][3].Color == grey {
		t.Errorf("late row drawn as stale: label %v, mark %v", cells[2][0].Color, cells[2][3].Color)
	}
	// The cells are laid out in columns: values to the right of labels.
	for _, row := range cells {
		if !(row[0].Position().X < row[1].Position().X && row[1].Position().X < row[2].Position().X) {
			t.Errorf("row %q not laid out left to right", row[0].Text)
		}
	}
	// The chart got the series and window, and draws them on the card.
	if len(r.chart.series) != 1 || !r.chart.from.Equal(chartMinute(0)) || !r.chart.to.Equal(chartMinute(60)) {
		t.Errorf("chart has %d series, window %v..%v", len(r.chart.series), r.chart.from, r.chart.to)
	}
	if n := countColorNear(c.Capture(), drawnBounds(t, c, test.WidgetRenderer(r.chart).(*chartRenderer).raster), seriesMagenta, 0); n == 0 {
		t.Error("the card's chart draws no series pixels")
	}
	if r.params.Selected != "PM2.5" || !slices.Equal(r.params.Options, []string{"PM2.5", "PM10", "O3"}) {
		t.Errorf("selector shows %q of %v", r.params.Selected, r.params.Options)
	}
}

func TestDetailCardCallbacks(t *testing.T) {
	newPanelTestApp(t)
	d := NewDetailCard()
	var params []string
	closes := 0
	d.OnParamChanged = func(p string) { params = append(params, p) }
	d.OnClose = func() { closes++ }
	d.SetDetail(detailFixture())
	showWidget(t, d, fyne.NewSize(420, 640))
	r := test.WidgetRenderer(d).(*detailCardRenderer)
	if len(params) != 0 {
		t.Fatalf("SetDetail called OnParamChanged %v", params)
	}

	r.params.SetSelected("PM10")
	if !slices.Equal(params, []string{"pm10"}) {
		t.Errorf("picking PM10: OnParamChanged %v, want [pm10]", params)
	}
	r.params.SetSelected("PM10") // the same again: no call
	if len(params) != 1 {
		t.Errorf("picking the charted parameter again called OnParamChanged: %v", params)
	}

	// The app answers with the new series; that is no new choice.
	next := detailFixture()
	next.Param = "pm10"
	d.SetDetail(next)
	if len(params) != 1 || r.params.Selected != "PM10" {
		t.Errorf("after SetDetail: OnParamChanged %v, selector %q", params, r.params.Selected)
	}

	test.Tap(r.closeButton)
	if closes != 1 {
		t.Errorf("close button: OnClose called %d times, want 1", closes)
	}
}
