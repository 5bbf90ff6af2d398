package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
	"github.com/paulmach/orb"

	"onescreen/app/desk"
	"onescreen/assets"
	"onescreen/city"
	"onescreen/widgets"
)

// ConsoleOptions configure the duty officer's window.
type ConsoleOptions struct {
	Lang       string           // "zh" (default) or "en"
	Officer    string           // the officer's name; "" → from preferences
	FullScreen bool             // briefing wall: full screen
	Site       *city.SiteConfig // nil → the documented defaults
	StaleAfter time.Duration    // a value older than this is greyed (0 → city.DefaultStaleAfter)
	TeamNames  []string         // teams offered when dispatching (nil → DefaultTeams)
	BaseMapDir string           // a site's own base-map files (see assets.LoadBaseMap); "" → the demo district

	ReadOnly bool // alerts and their steps shown, no step offered, no officer asked (readonly.go)
	Wall     bool // the briefing wall: read-only, full screen, rotating views (wall.go)
	// WallRotate is how long each wall view stays up (0 → the site
	// settings' durations, else DefaultWallRotate).
	WallRotate    time.Duration
	SnapshotEvery time.Duration // save a stamped screenshot this often (0: never; snapshot.go)
	SnapshotDir   string        // where the scheduled screenshots go
	SnapshotKeep  int           // how many scheduled screenshots are kept (0: all)
	Log           io.Writer     // where background problems are logged (nil: standard error)
	// OnDuty names who is on duty for the wall (a site roster); nil or ""
	// → the officer's name.
	OnDuty func() string
}

// DefaultTeams are the disposal forces a Huangpu duty officer dispatches to.
var DefaultTeams = []string{"街道网格员", "城管执法中队", "消防救援站", "生态环境执法大队", "公安巡逻组", "水务所", "供电抢修"}

// Teams lists the teams offered when dispatching.
func (o ConsoleOptions) Teams() []string {
	if len(o.TeamNames) > 0 {
		return o.TeamNames
	}
	return DefaultTeams
}

// Preference keys: what the window remembers between runs.
const (
	prefWidth   = "window.width"
	prefHeight  = "window.height"
	prefLon     = "map.lon"
	prefLat     = "map.lat"
	prefZoom    = "map.zoom"
	prefLang    = "ui.lang"
	prefOfficer = "duty.officer"
	prefLayer   = "map.layer." // + layer id → visible
	// prefLegendCollapsed: the map's legend shows only its button.
	prefLegendCollapsed = "map.legend.collapsed"
)

// defaultWindowSize suits a 1920×1080 operations-room display.
var defaultWindowSize = fyne.NewSize(1600, 900)

// Console is the duty officer's window: the district map in the centre,
// the alert panel at the side, the feed status strip, the KPI tiles and the
// freshness banner. Only the UI goroutine touches it; the pump hands it
// snapshots through fyne.Do.
type Console struct {
	app  fyne.App
	win  fyne.Window
	opts ConsoleOptions
	site city.SiteConfig // the site settings the standards are applied with
	src  Source

	base    *assets.BaseMap
	mapView *widgets.MapView
	panel   *widgets.AlertPanel
	banner  *widgets.Banner
	badges  map[city.Feed]*widgets.FeedBadge
	tiles   map[string]*widgets.KPITile
	card    *widgets.DetailCard
	cardBox *fyne.Container
	clock   *widget.Label
	title   *widget.Label

	view       *viewChoice            // live or a past time, closed alerts listed; the pump reads it
	histBanner *widgets.HistoryBanner // says the screen shows history
	slider     *widgets.TimeSlider    // the history bar

	last        *Snapshot            // the snapshot on screen
	layerSums   map[city.Feed]uint64 // to redraw only layers that changed
	selected    string               // station whose detail card is open
	cardReading bool                 // the card's history is being read
	param       string               // parameter charted in the card

	desk *desk.AlertDesk // the alert workflow; nil in a read-only view
	duty *desk.DutyDesk  // roster, handover, duty log (console_duty.go); nil in a read-only view
	// board, handoverDialog, handoverNote and caseReason are the duty
	// window and the dialogs open now (console_duty.go).
	board          *dutyBoard
	handoverDialog dialog.Dialog
	handoverNote   *widget.Entry
	caseReason     *widget.Entry
	data           Data     // the cache's reads; nil when the console runs without a data path
	exports        Exporter // the File menu's exports; nil: none offered
	// Alarm is called on each snapshot while a new critical alert waits
	// for acknowledgement (the app sounds it).
	Alarm func()
	// ask runs a slow read (a station's history, an alert's record) off
	// the UI goroutine and what it returns on it: the pump's Request. A
	// console without a pump (tests) reads inline.
	ask func(read func() (apply func()))
	// onUI runs a function on the UI goroutine: the pump's deliver; inline
	// without a pump.
	onUI func(func())
	// afterApply, when set, is called at the end of Apply with the
	// snapshot drawn (the event latency benchmark watches it).
	afterApply func(*Snapshot)
	audit      alertAuditState // the alert detail under the panel
	search     *placeSearch    // the search box for stations and places
	wall       *Wall           // the briefing wall's rotation; nil on a desk
}

// NewConsole builds the window's content on a (not yet shown) window of a.
func NewConsole(a fyne.App, src Source, opts ConsoleOptions) (*Console, error) {
	site := city.DefaultSiteConfig()
	if opts.Site != nil {
		site = *opts.Site
	}
	base, err := loadBaseMap(opts.BaseMapDir)
	if err != nil {
		return nil, err
	}
	c := &Console{app: a, opts: opts, site: site, src: src, base: base, layerSums: map[city.Feed]uint64{},
		view: newViewChoice(), ask: readInline, onUI: func(f func()) { f() }}
	c.win = a.NewWindow(lang.L("onescreen · Huangpu district operations"))
	c.win.SetIcon(assets.Icon)
	c.build()
	c.restoreWindow()
	return c, nil
}

// loadBaseMap reads a site's base map from dir, or the demo district's.
func loadBaseMap(dir string) (*assets.BaseMap, error) {
	if dir == "" {
		b, err := assets.DemoBaseMap()
		if err != nil {
			return nil, fmt.Errorf("demo base map: %w", err)
		}
		return b, nil
	}
	b, err := assets.LoadBaseMap(os.DirFS(dir), city.DatumWGS84)
	if err != nil {
		return nil, fmt.Errorf("base map in %s: %w", dir, err)
	}
	return b, nil
}

// readInline runs a read and its result at once, on the caller's goroutine.
func readInline(read func() (apply func())) {
	if apply := read(); apply != nil {
		apply()
	}
}

// Window is the console's window.
func (c *Console) Window() fyne.Window { return c.win }

// build (re)creates every widget; called at start and after a language change.
func (c *Console) build() {
	shapes := baseShapes(c.base)
	c.mapView = widgets.NewMapView(shapes, c.base.Attribution)
	if c.opts.Wall {
		// a wall redraws once a second and runs for weeks: no image per
		// layer, a few screen-sized images less (README, memory)
		c.mapView.SetLayerImages(false)
	}
	c.mapView.OnFeatureTapped = c.showDetail
	c.mapView.OnViewChanged = c.saveView
	c.mapView.SetLegendCollapsed(c.app.Preferences().Bool(prefLegendCollapsed))
	c.mapView.OnLegendToggled = func(collapsed bool) { c.app.Preferences().SetBool(prefLegendCollapsed, collapsed) }
	for _, f := range city.Feeds {
		c.mapView.SetLegend(widgets.LayerID(f), legendFor(f, c.site))
	}
	keep := c.keepPanelState()
	c.panel = widgets.NewAlertPanel()
	c.panel.ReadOnly = c.readOnly()
	c.panel.SetShowClosed(c.ShowClosed())
	c.panel.OnSelect = c.focusAlert
	c.panel.OnAction = c.act
	c.panel.OnCaseAction = c.caseAct
	c.panel.OnShowClosed = c.setShowClosed
	c.panel.SetFeeds(alertFeedChoices())
	c.banner = widgets.NewBanner()
	c.badges = map[city.Feed]*widgets.FeedBadge{}
	strip := container.NewGridWithColumns(len(city.Feeds))
	for _, f := range city.Feeds {
		b := widgets.NewFeedBadge()
		feed := f
		b.OnTapped = func() { c.showFeedInfo(feed) }
		c.badges[f] = b
		strip.Add(b)
	}
	c.tiles = map[string]*widgets.KPITile{}
	tileRow := container.NewGridWithColumns(len(kpiOrder))
	for _, k := range kpiOrder {
		t := widgets.NewKPITile(lang.L(k.title))
		c.tiles[k.id] = t
		tileRow.Add(t)
	}
	c.card = widgets.NewDetailCard()
	c.card.OnClose = c.closeDetail
	c.card.OnParamChanged = func(p string) { c.param = p; c.refreshDetail() }
	// the card scrolls when the window is short, rather than making the
	// window taller than the screen
	c.cardBox = container.NewBorder(nil, nil, nil, container.NewVScroll(c.card))
	c.cardBox.Hide()

	c.title = widget.NewLabelWithStyle(lang.L("Huangpu District · One screen sees the whole city"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.clock = widget.NewLabel("")
	bar := c.historyBar()
	top := container.NewVBox(
		c.histBanner,
		c.banner,
		container.NewBorder(nil, nil, c.title, container.NewHBox(c.searchBox(), c.clock)),
		strip,
		tileRow,
	)
	mapArea := container.NewStack(c.mapView, c.cardBox, c.searchResults())
	split := container.NewHSplit(mapArea, c.sidePanel())
	split.SetOffset(0.74)
	c.win.SetContent(container.NewBorder(top, bar, nil, nil, split))
	c.win.SetMainMenu(c.menu())
	c.restoreMap()
	if c.last != nil {
		s := c.last
		c.last, c.layerSums = nil, map[city.Feed]uint64{}
		c.Apply(s)
	}
	keep()
}

// kpiOrder lists the district KPI tiles left to right.
var kpiOrder = []struct{ id, title string }{
	{"aqi", "Air quality index"},
	{"water", "Water sections on target"},
	{"noise", "Noise stations over limit"},
	{"fire", "Active fire alarms"},
	{"crowd", "People in crowd zones"},
}

func (c *Console) menu() *fyne.MainMenu {
	closed := fyne.NewMenuItem(lang.L("Show closed alerts"), nil)
	closed.Checked = c.ShowClosed()
	closed.Action = func() {
		c.view.showClosed.Store(!c.view.showClosed.Load())
		closed.Checked = c.ShowClosed()
		c.panel.SetShowClosed(c.ShowClosed())
		c.Refresh()
	}
	view := fyne.NewMenu(lang.L("View"),
		fyne.NewMenuItem(lang.L("Fit district"), func() { c.mapView.FitDistrict() }),
		fyne.NewMenuItem(lang.L("Full screen"), func() { c.win.SetFullScreen(!c.win.FullScreen()) }),
		closed,
	)
	duty := fyne.NewMenu(lang.L("Duty"),
		fyne.NewMenuItem(lang.L("Duty officer…"), func() {
			if c.desk != nil {
				c.askOfficer(nil)
			}
		}),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Duty board…"), c.ShowDutyWindow),
		fyne.NewMenuItem(lang.L("Shift handover…"), c.ShowHandover),
	)
	language := fyne.NewMenu(lang.L("Language"),
		fyne.NewMenuItem("中文", func() { c.SetLanguage(LangZH) }),
		fyne.NewMenuItem("English", func() { c.SetLanguage(LangEN) }),
	)
	help := fyne.NewMenu(lang.L("Help"),
		fyne.NewMenuItem(lang.L("About and data sources"), c.showAbout),
	)
	if c.readOnly() {
		return fyne.NewMainMenu(view, c.exportMenu(), language, help) // nobody on duty at a read-only screen
	}
	return fyne.NewMainMenu(view, duty, c.exportMenu(), language, help)
}

// SetLanguage switches the interface language and rebuilds the window.
func (c *Console) SetLanguage(code string) {
	if err := SetLanguage(code); err != nil {
		c.showError(err)
		return
	}
	c.opts.Lang = code
	c.app.Preferences().SetString(prefLang, code)
	c.win.SetTitle(lang.L("onescreen · Huangpu district operations"))
	c.build()
}

func (c *Console) restoreWindow() {
	p := c.app.Preferences()
	w := p.FloatWithFallback(prefWidth, float64(defaultWindowSize.Width))
	h := p.FloatWithFallback(prefHeight, float64(defaultWindowSize.Height))
	c.win.Resize(fyne.NewSize(float32(w), float32(h)))
	c.win.SetOnClosed(c.saveWindow)
	if c.opts.FullScreen {
		c.win.SetFullScreen(true)
	}
}

func (c *Console) saveWindow() {
	s := c.win.Canvas().Size()
	if s.Width > 100 && s.Height > 100 {
		c.app.Preferences().SetFloat(prefWidth, float64(s.Width))
		c.app.Preferences().SetFloat(prefHeight, float64(s.Height))
	}
}

func (c *Console) restoreMap() {
	p := c.app.Preferences()
	zoom := p.Float(prefZoom)
	if zoom > 0 {
		c.mapView.SetView(orb.Point{p.Float(prefLon), p.Float(prefLat)}, zoom)
	} else {
		c.mapView.FitDistrict()
	}
	for _, f := range city.Feeds {
		c.mapView.SetLayerVisible(widgets.LayerID(f), p.BoolWithFallback(prefLayer+string(f), true))
	}
}

func (c *Console) saveView(center orb.Point, zoom float64) {
	p := c.app.Preferences()
	p.SetFloat(prefLon, center[0])
	p.SetFloat(prefLat, center[1])
	p.SetFloat(prefZoom, zoom)
	for _, f := range city.Feeds {
		p.SetBool(prefLayer+string(f), c.mapView.LayerVisible(widgets.LayerID(f)))
	}
}

func (c *Console) showError(err error) {
	if c.showProblem(err) {
		return
	}
	dialogError(err, c.win)
}

// RunConsole shows the console for the running parts p and runs the Fyne
// event loop until the window closes or ctx ends.
func RunConsole(ctx context.Context, a fyne.App, p Parts, o ConsoleOptions) error {
	if o.Lang == "" {
		o.Lang = a.Preferences().StringWithFallback(prefLang, LangZH)
	}
	if err := SetLanguage(o.Lang); err != nil {
		return err
	}
	if o.Wall {
		a.Settings().SetTheme(WallTheme())
	} else {
		a.Settings().SetTheme(assets.NewTheme())
	}
	a.SetIcon(assets.Icon)
	if o.Officer == "" {
		o.Officer = a.Preferences().String(prefOfficer)
	}
	if o.Officer != "" {
		p.Desk.SetOfficer(o.Officer)
	}
	o.Site = p.Site
	if o.StaleAfter == 0 {
		o.StaleAfter = p.StaleAfter
	}
	c, err := NewConsole(a, p.Data, o)
	if err != nil {
		return err
	}
	c.Connect(p)
	c.Alarm = newAlarm().Sound
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pump := NewPump(p.Data, p.Live, c)
	go pump.Run(ctx)
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	c.startExtras(ctx)
	c.win.SetMaster()
	c.win.ShowAndRun()
	return nil
}

// Connect gives the console the desks, the cache's reads and the exports.
func (c *Console) Connect(p Parts) {
	c.desk = p.Desk
	c.duty = p.Duty
	c.data = p.Data
	c.exports = p.Exports
}
