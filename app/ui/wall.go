package ui

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"github.com/paulmach/orb"

	"onescreen/app/desk"
	"onescreen/assets"
	"onescreen/city"
	"onescreen/widgets"
)

// The briefing wall (onescreen --wall) is the console's read-only, full
// screen form for the big display of the operations room: it rotates
// through the district overview, the alert board, one focus view per feed
// and the trend charts, in type readable across the room, with the clock,
// who is on duty and each feed's freshness always on top. It needs no
// clicks: no menu, no dialog; problems are logged and shown in the banner.
// It reuses the console's widgets (map, KPI tiles, badges, banner), which
// the pump keeps up to date, and adds its own board, focus list and charts.

// DefaultWallRotate is how long a wall view stays up by default.
const DefaultWallRotate = 20 * time.Second

// WallTextScale enlarges the theme's type on the wall: 16 px text becomes
// 24 px, readable from across a room at 1920×1080.
const WallTextScale = 1.5

// wallBoardRows is how many alerts the alert board lists.
const wallBoardRows = 10

// wallTrendEvery is how often the trend charts' history is read again.
const wallTrendEvery = time.Minute

// WallTheme is the console theme with every text and icon size scaled for
// the wall.
func WallTheme() fyne.Theme { return &scaledTheme{Theme: assets.NewTheme(), k: WallTextScale} }

type scaledTheme struct {
	fyne.Theme
	k float32
}

func (t *scaledTheme) Size(n fyne.ThemeSizeName) float32 {
	s := t.Theme.Size(n)
	switch n {
	case theme.SizeNameText, theme.SizeNameCaptionText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText,
		theme.SizeNameInlineIcon, theme.SizeNamePadding, theme.SizeNameInnerPadding, theme.SizeNameLineSpacing:
		return s * t.k
	}
	return s
}

// Wall is the rotation of views on the console's window.
type Wall struct {
	c     *Console
	views []string
	idx   int
	until time.Time // when the current view gives way to the next

	header    *canvas.Text
	viewName  *canvas.Text
	duty      *canvas.Text
	clock     *canvas.Text
	body      *fyne.Container
	tileRow   *fyne.Container
	board     *wallList
	boardHead *canvas.Text
	focusList *wallList
	focusHead *canvas.Text
	focusTile *fyne.Container

	charts      []*widgets.TrendChart
	chartTitles []*canvas.Text
	trendAt     time.Time // when the history was last asked for
	trendBusy   bool
}

// OnDuty names who is on duty for the wall's header: ConsoleOptions.OnDuty
// when set, else the shift on duty in the site roster with its 值班长 and
// officers, else the officer's name the desk records steps with.
func (c *Console) OnDuty() string {
	if c.opts.OnDuty != nil {
		if s := strings.TrimSpace(c.opts.OnDuty()); s != "" {
			return s
		}
	}
	if c.duty != nil {
		if st, ok := c.duty.OnDuty(dutyClock()); ok && st.Shift.Named() {
			return shiftLine(st) + " · " + crewLine(st.Shift)
		}
	}
	if c.desk != nil {
		if s := c.desk.Officer(); s != "" {
			return s
		}
	}
	return c.opts.Officer
}

// newWall puts the wall's layout on c's window.
func newWall(c *Console) *Wall {
	w := &Wall{c: c, views: c.site.Wall.Views}
	if len(w.views) == 0 {
		w.views = city.WallViews
	}
	big := func(scale float32, bold bool) *canvas.Text {
		t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
		t.TextSize = theme.TextSize() * scale
		t.TextStyle.Bold = bold
		return t
	}
	w.header = big(1.4, true)
	w.header.Text = lang.L("Huangpu District · One screen sees the whole city")
	w.viewName = big(1.4, true)
	w.viewName.Color = color.NRGBA{0x4F, 0xC3, 0xF7, 0xFF}
	w.duty = big(1.1, false)
	w.clock = big(1.4, true)

	// the badges in large type take two rows: five in one would be wider
	// than a 1920-pixel screen, and the window would grow past it
	strip := container.NewGridWithColumns((len(city.Feeds) + 1) / 2)
	for _, f := range city.Feeds {
		c.badges[f].OnTapped = nil // nothing on the wall opens a dialog
		strip.Add(c.badges[f])
	}
	w.tileRow = container.NewGridWithColumns(len(kpiOrder))
	for _, k := range kpiOrder {
		// a long caption (the worst crowd zone) is clipped in its own
		// tile rather than pushing the row past the screen's edge
		w.tileRow.Add(container.NewHScroll(c.tiles[k.id]))
	}
	top := container.NewVBox(
		container.NewHScroll(c.banner), // a long outage message must not widen the window past the screen
		container.NewBorder(nil, nil, container.NewHBox(w.header, w.viewName), container.NewHBox(w.duty, w.clock)),
		strip,
	)
	w.board = newWallList(wallBoardRows, 1.25)
	w.boardHead = big(1.3, true)
	w.focusList = newWallList(c.site.Wall.TopStations, 1.0)
	w.focusHead = big(1.1, true)
	w.focusHead.Text = lang.L("Top stations")
	w.focusTile = container.NewStack()
	for i := 0; i < 3; i++ {
		ch := widgets.NewTrendChart()
		w.charts = append(w.charts, ch)
		w.chartTitles = append(w.chartTitles, big(1.1, true))
	}
	w.body = container.NewStack()
	c.win.SetMainMenu(nil)
	// The views scroll (without bars a viewer could use) rather than
	// push the window past the screen when one is taller than it.
	c.win.SetContent(container.NewBorder(top, nil, nil, nil, container.NewScroll(w.body)))
	c.mapView.OnViewChanged = nil // the wall's views move the map; nothing to remember
	c.mapView.OnFeatureTapped = nil
	w.show(0, time.Now())
	return w
}

// viewTitle names a view on the wall.
func viewTitle(v string) string {
	switch v {
	case city.WallOverview:
		return lang.L("District overview")
	case city.WallAlerts:
		return lang.L("Alert board")
	case city.WallTrends:
		return lang.L("Trends")
	}
	if f, err := city.ParseFeed(v); err == nil {
		return feedName(f) + " · " + lang.L("Focus")
	}
	return v
}

// View is the view on screen now.
func (w *Wall) View() string { return w.views[w.idx] }

// Next shows the next view in the rotation.
func (w *Wall) Next(now time.Time) { w.show((w.idx+1)%len(w.views), now) }

// show puts view i on screen.
func (w *Wall) show(i int, now time.Time) {
	w.idx = i
	v := w.views[i]
	w.until = now.Add(w.c.site.Wall.Duration(v, w.c.opts.WallRotate))
	w.viewName.Text = "  " + viewTitle(v)
	w.viewName.Refresh()
	m := w.c.mapView
	var content fyne.CanvasObject
	switch v {
	case city.WallOverview:
		for _, f := range city.Feeds {
			m.SetLayerVisible(widgets.LayerID(f), true)
		}
		m.FitDistrict()
		content = container.NewBorder(w.tileRow, nil, nil, nil, m)
	case city.WallAlerts:
		content = container.NewBorder(container.NewPadded(w.boardHead), nil, nil, nil, w.board.box)
	case city.WallTrends:
		// the district AQI across the top, the mean PM2.5 and the people
		// in the crowd zones side by side under it: three charts stacked
		// would be taller than the screen in the wall's type
		chart := func(i int) fyne.CanvasObject {
			return container.NewBorder(w.chartTitles[i], nil, nil, nil, w.charts[i])
		}
		content = container.NewPadded(container.NewGridWithRows(2, chart(0), container.NewGridWithColumns(2, chart(1), chart(2))))
		w.refreshTrends(now)
	default:
		f, _ := city.ParseFeed(v)
		for _, g := range city.Feeds {
			m.SetLayerVisible(widgets.LayerID(g), g == f)
		}
		if b, ok := w.feedBound(f); ok {
			m.FitBounds(b)
		} else {
			m.FitDistrict()
		}
		w.focusTile.Objects = []fyne.CanvasObject{w.c.tiles[kpiOfFeed(f)]}
		w.focusTile.Refresh()
		side := container.NewVBox(w.focusTile, container.NewPadded(w.focusHead), w.focusList.box)
		width := canvas.NewRectangle(color.Transparent)
		width.SetMinSize(fyne.NewSize(w.sideWidth(), 1))
		content = container.NewBorder(nil, nil, nil, container.NewStack(width, side), m)
	}
	w.body.Objects = []fyne.CanvasObject{content}
	w.body.Refresh()
	if w.c.last != nil {
		w.apply(w.c.last)
	}
}

// sideWidth is the width of a focus view's side column: a third of the
// window, at least wide enough for the KPI tile.
func (w *Wall) sideWidth() float32 {
	s := w.c.win.Canvas().Size().Width / 3
	return float32(math.Max(float64(s), 420))
}

// kpiOfFeed is the KPI tile of a feed.
func kpiOfFeed(f city.Feed) string {
	switch f {
	case city.FeedAir:
		return "aqi"
	default:
		return string(f)
	}
}

// feedBound is the bound of a feed's stations in the last snapshot, padded
// so the outermost markers are not on the edge.
func (w *Wall) feedBound(f city.Feed) (orb.Bound, bool) {
	if w.c.last == nil {
		return orb.Bound{}, false
	}
	var b orb.Bound
	n := 0
	for _, ss := range w.c.last.Stations {
		if ss.Station.Feed != f {
			continue
		}
		sb := orb.Bound{Min: ss.Station.Location, Max: ss.Station.Location}
		if len(ss.Station.Area) > 0 {
			sb = ss.Station.Area.Bound()
		}
		if n == 0 {
			b = sb
		} else {
			b = b.Union(sb)
		}
		n++
	}
	if n == 0 {
		return b, false
	}
	pad := math.Max(math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])*0.1, 0.003)
	return b.Pad(pad), true
}

// apply brings the wall's own parts up to date with s and turns the
// rotation; the console's widgets were updated by Console.Apply.
func (w *Wall) apply(s *Snapshot) {
	if !s.Now.Before(w.until) {
		w.Next(s.Now)
		return // show applied the snapshot
	}
	w.clock.Text = s.Now.In(city.Shanghai).Format("2006-01-02 15:04:05")
	w.clock.Refresh()
	duty := w.c.OnDuty()
	if duty == "" {
		duty = lang.L("not set")
	}
	w.duty.Text = lang.L("On duty") + ": " + duty + "   "
	w.duty.Refresh()
	switch v := w.View(); v {
	case city.WallAlerts:
		w.applyBoard(s)
	case city.WallTrends:
		w.refreshTrends(s.Now)
	case city.WallOverview:
	default:
		f, _ := city.ParseFeed(v)
		w.applyFocus(s, f)
	}
}

// applyBoard lists the open alerts, most severe and oldest first.
func (w *Wall) applyBoard(s *Snapshot) {
	var open []desk.AlertView
	for _, v := range s.Alerts {
		if v.Alert.State != city.StateClosed {
			open = append(open, v)
		}
	}
	sort.SliceStable(open, func(i, j int) bool {
		a, b := open[i].Alert, open[j].Alert
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.Raised.Before(b.Raised)
	})
	w.boardHead.Text = fmt.Sprintf("%s: %d", lang.L("Open alerts"), len(open))
	if len(open) > wallBoardRows {
		w.boardHead.Text += fmt.Sprintf(" (%s %d)", lang.L("showing the most severe"), wallBoardRows)
	}
	w.boardHead.Refresh()
	items := make([]wallItem, 0, wallBoardRows)
	for _, v := range open {
		if len(items) == wallBoardRows {
			break
		}
		a := v.Alert
		name := v.StationName
		if name == "" {
			name = a.Station
		}
		cond, sev, state := a.Condition.Name(), a.Severity.Name(), a.State.Name()
		if !isZH() {
			cond, sev, state = a.Condition.NameEN(), a.Severity.String(), strings.ReplaceAll(string(a.State), "_", "-")
		}
		detail := state + " · " + city.FormatAge(s.Now.Sub(a.Raised))
		if a.Team != "" {
			detail += " · " + a.Team
		}
		items = append(items, wallItem{Swatch: widgets.SeverityColor(a.Severity), Text: sev + " · " + cond + " · " + name, Detail: detail})
	}
	if len(items) == 0 {
		items = append(items, wallItem{Swatch: normalColor, Text: lang.L("No open alerts")})
	}
	w.board.set(items)
}

// applyFocus lists a feed's stations that most need attention.
func (w *Wall) applyFocus(s *Snapshot, f city.Feed) {
	judged, _ := s.judgements(w.c.site, w.c.staleAfter())
	type ranked struct {
		name string
		j    Judgement
	}
	var rs []ranked
	for i, ss := range s.Stations {
		if ss.Station.Feed != f {
			continue
		}
		rs = append(rs, ranked{ss.Station.Name, judged[i]})
	}
	sort.SliceStable(rs, func(a, b int) bool {
		if rs[a].j.Severity != rs[b].j.Severity {
			return rs[a].j.Severity > rs[b].j.Severity
		}
		if rs[a].j.Stale != rs[b].j.Stale {
			return rs[a].j.Stale
		}
		return rs[a].j.Value > rs[b].j.Value
	})
	items := make([]wallItem, 0, len(w.focusList.rows))
	for _, r := range rs {
		if len(items) == len(w.focusList.rows) {
			break
		}
		items = append(items, wallItem{Swatch: r.j.Color, Text: r.name, Detail: r.j.Status})
	}
	w.focusList.set(items)
}

// refreshTrends reads the charts' history off the UI goroutine, at most
// every wallTrendEvery, and sets it when it arrives.
func (w *Wall) refreshTrends(now time.Time) {
	if w.trendBusy || (!w.trendAt.IsZero() && now.Sub(w.trendAt) < wallTrendEvery) || w.c.last == nil {
		return
	}
	w.trendBusy, w.trendAt = true, now
	window := w.c.site.Wall.TrendWindow
	if window <= 0 {
		window = 6 * time.Hour
	}
	from := now.Add(-window)
	var stations []city.Station
	for _, ss := range w.c.last.Stations {
		stations = append(stations, ss.Station)
	}
	src, site := w.c.src, w.c.site
	w.c.ask(func() func() {
		tr := districtTrends(src, stations, site, from, now)
		return func() {
			w.trendBusy = false
			w.setTrends(tr, from, now)
		}
	})
}

// setTrends puts the trend series on the charts.
func (w *Wall) setTrends(tr wallTrends, from, to time.Time) {
	titles := []string{lang.L("District AQI"), lang.L("District mean PM2.5") + " µg/m³", lang.L("People in crowd zones")}
	series := []widgets.Series{
		{Name: "AQI", Unit: "AQI", Color: color.NRGBA{0xFF, 0xC1, 0x07, 0xFF}, Points: tr.AQI},
		{Name: "PM2.5", Unit: "µg/m³", Color: color.NRGBA{0x4F, 0xC3, 0xF7, 0xFF}, Points: tr.PM25},
		{Name: lang.L("People"), Unit: lang.L("people"), Color: color.NRGBA{0xBA, 0x68, 0xC8, 0xFF}, Points: tr.People},
	}
	thresholds := [][]widgets.Threshold{
		{{Value: 100, Label: "AQI 100", Color: assets.SeverityMinor}, {Value: 200, Label: "AQI 200", Color: assets.SeverityMajor}},
		thresholdsFor(city.ParamPM25, w.c.site),
		nil,
	}
	// A young cache (a new installation, a demo) holds less than the
	// window: chart what there is, over at least half an hour.
	earliest := to
	for _, s := range series {
		for _, p := range s.Points {
			if p.T.Before(earliest) {
				earliest = p.T
			}
		}
	}
	if start := earliest.Add(-5 * time.Minute); start.After(from) {
		from = start
		if to.Sub(from) < 30*time.Minute {
			from = to.Add(-30 * time.Minute)
		}
	}
	for i, ch := range w.charts {
		w.chartTitles[i].Text = titles[i]
		w.chartTitles[i].Refresh()
		ch.SetWindow(from, to)
		ch.SetSeries([]widgets.Series{series[i]}, thresholds[i])
	}
}

// wallTrends are the district series the trend view charts.
type wallTrends struct {
	AQI, PM25, People []widgets.ChartPoint
}

// trendPoints is about how many points a district series has over the
// trend window (one a minute over the default six hours).
const trendPoints = 360

// districtTrends computes the district AQI (of the mean concentrations of
// all air stations per bucket), the mean PM2.5 and the people in the crowd
// zones from the cached history between from and to.
func districtTrends(src Source, stations []city.Station, site city.SiteConfig, from, to time.Time) wallTrends {
	air := map[string]map[int64][]float64{} // param → bucket → one value per station
	people := map[int64]map[string]float64{}
	trendBucket := max(time.Minute, to.Sub(from)/trendPoints)
	bucket := func(t time.Time) int64 { return t.Truncate(trendBucket).Unix() }
	airParams := []string{city.ParamPM25, city.ParamPM10, city.ParamO3, city.ParamNO2, city.ParamSO2, city.ParamCO}
	for _, st := range stations {
		switch st.Feed {
		case city.FeedAir:
			for _, p := range airParams {
				pts, err := src.History(st.ID, p, from, to)
				if err != nil {
					continue
				}
				if air[p] == nil {
					air[p] = map[int64][]float64{}
				}
				// one value per station and bucket: the bucket's last
				last := map[int64]float64{}
				for _, pt := range pts {
					last[bucket(pt.Time)] = pt.Value
				}
				for b, v := range last {
					air[p][b] = append(air[p][b], v)
				}
			}
		case city.FeedCrowd:
			pts, err := src.History(st.ID, city.ParamCount, from, to)
			if err != nil {
				continue
			}
			for _, pt := range pts {
				b := bucket(pt.Time)
				if people[b] == nil {
					people[b] = map[string]float64{}
				}
				people[b][st.ID] = pt.Value
			}
		}
	}
	var tr wallTrends
	var buckets []int64
	for b := range air[city.ParamPM25] {
		buckets = append(buckets, b)
	}
	for b := range air[city.ParamPM10] {
		if air[city.ParamPM25][b] == nil {
			buckets = append(buckets, b)
		}
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i] < buckets[j] })
	for _, b := range buckets {
		t := time.Unix(b, 0).Add(trendBucket / 2)
		byParam := map[string][]float64{}
		for p, m := range air {
			byParam[p] = m[b]
		}
		if vs := byParam[city.ParamPM25]; len(vs) > 0 {
			var sum float64
			for _, v := range vs {
				sum += v
			}
			tr.PM25 = append(tr.PM25, widgets.ChartPoint{T: t, V: sum / float64(len(vs))})
		}
		if res, err := city.DistrictAQI(byParam, site.EditionAt(t)); err == nil && res.Available {
			tr.AQI = append(tr.AQI, widgets.ChartPoint{T: t, V: float64(res.AQI)})
		}
	}
	var pb []int64
	for b := range people {
		pb = append(pb, b)
	}
	sort.Slice(pb, func(i, j int) bool { return pb[i] < pb[j] })
	// a zone that did not report in a bucket counts with its last count,
	// so a late or silent zone is not read as people leaving
	lastCount := map[string]float64{}
	for _, b := range pb {
		for id, v := range people[b] {
			lastCount[id] = v
		}
		var sum float64
		for _, v := range lastCount {
			sum += v
		}
		tr.People = append(tr.People, widgets.ChartPoint{T: time.Unix(b, 0).Add(trendBucket / 2), V: sum})
	}
	return tr
}

// wallItem is one line of a wall list: a colour swatch, a large line and a
// smaller detail line under it.
type wallItem struct {
	Swatch color.NRGBA
	Text   string
	Detail string
}

// wallList is a fixed number of rows whose texts are replaced in place, so
// a wall that runs for weeks makes no new objects per update.
type wallList struct {
	box  *fyne.Container
	rows []wallRow
}

type wallRow struct {
	box    *fyne.Container
	swatch *canvas.Rectangle
	text   *canvas.Text
	detail *canvas.Text
}

func newWallList(n int, scale float32) *wallList {
	l := &wallList{box: container.NewVBox()}
	for i := 0; i < n; i++ {
		r := wallRow{
			swatch: canvas.NewRectangle(color.Transparent),
			text:   canvas.NewText("", theme.Color(theme.ColorNameForeground)),
			detail: canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		}
		r.text.TextSize = theme.TextSize() * scale
		r.text.TextStyle.Bold = true
		r.detail.TextSize = theme.TextSize() * scale * 0.75
		r.detail.Color = color.NRGBA{0xB0, 0xBE, 0xC5, 0xFF}
		r.swatch.SetMinSize(fyne.NewSize(theme.TextSize()*0.6, r.text.TextSize))
		r.swatch.CornerRadius = theme.TextSize() * 0.15
		r.box = container.NewBorder(nil, nil, container.NewPadded(r.swatch), nil, container.NewVBox(r.text, r.detail))
		r.box.Hide()
		l.rows = append(l.rows, r)
		l.box.Add(r.box)
	}
	return l
}

func (l *wallList) set(items []wallItem) {
	for i, r := range l.rows {
		if i >= len(items) {
			if r.box.Visible() {
				r.box.Hide()
			}
			continue
		}
		it := items[i]
		if r.text.Text != it.Text || r.detail.Text != it.Detail || r.swatch.FillColor != color.Color(it.Swatch) {
			r.text.Text, r.detail.Text, r.swatch.FillColor = it.Text, it.Detail, it.Swatch
			r.text.Refresh()
			r.detail.Refresh()
			r.swatch.Refresh()
		}
		r.detail.Hidden = it.Detail == ""
		if !r.box.Visible() {
			r.box.Show()
		}
	}
}

// logw is where the wall logs what it would otherwise show in a dialog.
func (c *Console) logw() io.Writer {
	if c.opts.Log != nil {
		return c.opts.Log
	}
	return os.Stderr
}
