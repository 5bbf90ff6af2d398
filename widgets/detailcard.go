package widgets

import (
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// DetailValue is one row of a detail card's table of latest values. Text
// arrives formatted and translated.
type DetailValue struct {
	Label string      // parameter, e.g. "PM2.5"
	Value string      // formatted value, e.g. "75"
	Unit  string      // e.g. "µg/m³"
	Age   string      // age of the value, e.g. "2 min"
	Stale bool        // too old to trust: greyed and marked
	Late  bool        // arrived late after a reconnect: marked
	Color color.NRGBA // colour of the value, e.g. its AQI level; transparent for the normal text colour
}

// ParamChoice is one entry of the chart's parameter selector.
type ParamChoice struct {
	Param string // canonical parameter name, e.g. "pm25"
	Label string // what the officer reads, e.g. "PM2.5"
}

// Detail is everything a detail card shows about one map feature.
type Detail struct {
	Title       string      // station name
	Subtitle    string      // kind · street · attributes
	Status      string      // e.g. "AQI 156 中度污染 · 首要污染物 PM2.5"
	StatusColor color.NRGBA // colour of the status line; transparent for the normal text colour
	Values      []DetailValue
	Params      []ParamChoice // parameters that can be charted
	Param       string        // the charted parameter
	Series      []Series      // the chart's lines for Param
	Thresholds  []Threshold   // the chart's reference lines
	From, To    time.Time     // the chart's window
}

// DetailCard is the card shown when a map feature is clicked: the station's
// name and attributes, a status line, its latest values with their age
// (stale ones greyed, late ones marked), a trend chart of the last hours
// with a parameter selector, and a close button.
type DetailCard struct {
	widget.BaseWidget

	// OnClose is called when the officer presses the close button.
	OnClose func() `json:"-"`
	// OnParamChanged is called with the canonical parameter name when the
	// officer picks another parameter to chart. It is not called by
	// SetDetail.
	OnParamChanged func(param string) `json:"-"`

	detail Detail
}

var _ fyne.Widget = (*DetailCard)(nil)

// NewDetailCard returns an empty card.
func NewDetailCard() *DetailCard {
	d := &DetailCard{}
	d.ExtendBaseWidget(d)
	return d
}

// SetDetail replaces what the card shows and redraws it.
func (d *DetailCard) SetDetail(v Detail) {
	v.Values = slices.Clone(v.Values)
	v.Params = slices.Clone(v.Params)
	d.detail = v
	d.Refresh()
}

// Detail returns what the card shows.
func (d *DetailCard) Detail() Detail { return d.detail }

// pickParam handles the selector: label is the chosen ParamChoice.Label.
func (d *DetailCard) pickParam(label string) {
	for _, p := range d.detail.Params {
		if p.Label == label {
			if p.Param == d.detail.Param {
				return
			}
			d.detail.Param = p.Param
			if d.OnParamChanged != nil {
				d.OnParamChanged(p.Param)
			}
			return
		}
	}
}

func (d *DetailCard) close() {
	if d.OnClose != nil {
		d.OnClose()
	}
}

// CreateRenderer links the card to its renderer.
func (d *DetailCard) CreateRenderer() fyne.WidgetRenderer {
	d.ExtendBaseWidget(d)
	r := &detailCardRenderer{card: d}
	r.title.TextStyle.Bold = true
	r.status.TextStyle.Bold = true
	r.subtitle = widget.NewLabel("")
	r.subtitle.Wrapping = fyne.TextWrapWord
	r.closeButton = widget.NewButtonWithIcon("", theme.CancelIcon(), d.close)
	r.closeButton.Importance = widget.LowImportance
	r.params = widget.NewSelect(nil, d.pickParam)
	r.paramLabel.TextStyle.Bold = true
	r.chart = NewTrendChart()
	r.table = container.New(&detailTableLayout{columns: detailColumns})

	header := container.NewBorder(nil, nil, nil, r.closeButton, &r.title)
	selector := container.NewBorder(nil, nil, &r.paramLabel, nil, r.params)
	top := container.NewVBox(header, r.subtitle, &r.status, r.table, selector)
	pad := container.NewPadded(container.NewBorder(top, nil, nil, nil, r.chart))
	r.content = pad
	r.objects = []fyne.CanvasObject{&r.background, pad}
	r.Refresh()
	return r
}

// detailColumns are the table's columns: parameter, value and unit, age,
// mark (stale / late).
const detailColumns = 4

type detailCardRenderer struct {
	card *DetailCard

	background  canvas.Rectangle
	title       canvas.Text
	subtitle    *widget.Label
	status      canvas.Text
	table       *fyne.Container
	paramLabel  canvas.Text
	params      *widget.Select
	chart       *TrendChart
	closeButton *widget.Button
	content     *fyne.Container

	objects []fyne.CanvasObject
}

func (r *detailCardRenderer) MinSize() fyne.Size { return r.content.MinSize() }

func (r *detailCardRenderer) Layout(size fyne.Size) {
	r.background.Move(fyne.NewPos(0, 0))
	r.background.Resize(size)
	r.content.Move(fyne.NewPos(0, 0))
	r.content.Resize(size)
}

func (r *detailCardRenderer) Refresh() {
	d := r.card.detail
	th := r.card.Theme()
	fg := thColor(th, theme.ColorNameForeground)
	text := th.Size(theme.SizeNameText)

	r.background.FillColor = thColor(th, theme.ColorNameOverlayBackground)
	r.background.StrokeColor = thColor(th, theme.ColorNameSeparator)
	r.background.StrokeWidth = 1
	r.background.CornerRadius = th.Size(theme.SizeNameInputRadius)

	r.title.Text = d.Title
	r.title.TextSize = th.Size(theme.SizeNameHeadingText)
	r.title.Color = fg
	r.subtitle.SetText(d.Subtitle)
	r.subtitle.Hidden = d.Subtitle == ""
	r.status.Text = d.Status
	r.status.TextSize = th.Size(theme.SizeNameSubHeadingText)
	r.status.Color = fg
	if d.StatusColor.A != 0 {
		r.status.Color = d.StatusColor
	}
	r.status.Hidden = d.Status == ""

	r.table.Objects = r.tableCells(th, text)
	r.table.Hidden = len(d.Values) == 0

	r.paramLabel.Text = lang.L("Chart")
	r.paramLabel.TextSize = text
	r.paramLabel.Color = fg
	labels := make([]string, len(d.Params))
	selected := ""
	for i, p := range d.Params {
		labels[i] = p.Label
		if p.Param == d.Param {
			selected = p.Label
		}
	}
	// Set the fields directly: SetSelected would call OnChanged, and a
	// refresh is not the officer's choice.
	r.params.Options = labels
	r.params.Selected = selected
	r.params.PlaceHolder = lang.L("Parameter")
	r.params.Hidden = len(d.Params) == 0
	r.paramLabel.Hidden = r.params.Hidden

	r.chart.from, r.chart.to = d.From, d.To
	r.chart.SetSeries(d.Series, d.Thresholds)
	r.chart.Hidden = len(d.Params) == 0 && len(d.Series) == 0 // a place's card: nothing to chart

	r.Layout(r.card.Size())
	r.background.Refresh()
	r.title.Refresh()
	r.status.Refresh()
	r.paramLabel.Refresh()
	r.params.Refresh()
	r.table.Refresh()
	r.content.Refresh()
}

// tableCells builds the value table: a header row, then one row per value.
func (r *detailCardRenderer) tableCells(th fyne.Theme, size float32) []fyne.CanvasObject {
	fg := thColor(th, theme.ColorNameForeground)
	dim := thColor(th, theme.ColorNamePlaceHolder)
	grey := staleColor(th)
	cell := func(s string, c color.Color, bold bool) fyne.CanvasObject {
		t := canvas.NewText(s, c)
		t.TextSize = size
		t.TextStyle.Bold = bold
		return t
	}
	cells := []fyne.CanvasObject{
		cell(lang.L("Parameter"), dim, false),
		cell(lang.L("Value"), dim, false),
		cell(lang.L("Age"), dim, false),
		cell("", dim, false),
	}
	for _, v := range r.card.detail.Values {
		label, value, age := fg, fg, dim
		if v.Color.A != 0 {
			value = v.Color
		}
		mark, markColor := "", dim
		switch {
		case v.Stale:
			label, value, age = grey, grey, grey
			mark, markColor = lang.L("stale"), grey
		case v.Late:
			mark, markColor = lang.L("arrived late"), BadgeDegraded.themed(th)
		}
		val := v.Value
		if v.Unit != "" {
			val += " " + v.Unit
		}
		cells = append(cells,
			cell(v.Label, label, false),
			cell(val, value, true),
			cell(v.Age, age, false),
			cell(mark, markColor, v.Late),
		)
	}
	return cells
}

func (r *detailCardRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *detailCardRenderer) Destroy() {}

// detailTableLayout lays its objects out in rows of a fixed number of columns,
// each column as wide as its widest cell.
type detailTableLayout struct{ columns int }

var _ fyne.Layout = (*detailTableLayout)(nil)

func (t *detailTableLayout) measure(objects []fyne.CanvasObject) (cols, rows []float32) {
	cols = make([]float32, t.columns)
	rows = make([]float32, (len(objects)+t.columns-1)/t.columns)
	for i, o := range objects {
		s := o.MinSize()
		cols[i%t.columns] = max(cols[i%t.columns], s.Width)
		rows[i/t.columns] = max(rows[i/t.columns], s.Height)
	}
	return cols, rows
}

// MinSize is the sum of the column widths and row heights with padding
// between columns.
func (t *detailTableLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	cols, rows := t.measure(objects)
	gap := theme.Padding() * 2
	var w, h float32
	for i, c := range cols {
		w += c
		if i > 0 {
			w += gap
		}
	}
	for _, r := range rows {
		h += r
	}
	return fyne.NewSize(w, h)
}

// Layout places each cell in its column and row.
func (t *detailTableLayout) Layout(objects []fyne.CanvasObject, _ fyne.Size) {
	cols, rows := t.measure(objects)
	gap := theme.Padding() * 2
	xs := make([]float32, len(cols))
	for i := 1; i < len(cols); i++ {
		xs[i] = xs[i-1] + cols[i-1] + gap
	}
	var y float32
	for i, o := range objects {
		c, row := i%t.columns, i/t.columns
		if c == 0 && row > 0 {
			y += rows[row-1]
		}
		o.Move(fyne.NewPos(xs[c], y))
		o.Resize(fyne.NewSize(cols[c], rows[row]))
	}
}
