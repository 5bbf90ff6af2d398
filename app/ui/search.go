package ui

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"onescreen/assets"
	"onescreen/city"
	"onescreen/widgets"
)

// Search for a station or a place: a substring of a station's name or id,
// or of a base-map place's name (街道, rivers, roads), matched without
// regard to case. Choosing a result centres the map on it and opens its
// card: a station's detail card, or for a place the stations in it with
// their status.

// PlaceKind says what a search hit is.
type PlaceKind int

// Kinds of search hits, in the order they are listed.
const (
	PlaceStation PlaceKind = iota
	PlaceStreet
	PlaceWater
	PlaceRoad
)

// searchHit is one search result.
type searchHit struct {
	Kind    PlaceKind
	ID      string // station id; "" for a place
	Name    string
	Station city.Station     // a station hit
	Area    orb.MultiPolygon // a street's or a water body's outline
	Bound   orb.Bound        // where the map goes
	rank    int              // 0 exact, 1 prefix, 2 substring
	feed    city.Feed        // a station hit's feed
	lines   []orb.LineString // a road's segments
}

// searchResultsRightGap keeps the result list clear of the map's zoom
// buttons, in Fyne units.
const searchResultsRightGap = 64

// searchLimit is how many results the list shows.
const searchLimit = 12

// matchRank ranks how name matches q (both folded): exact, prefix or
// substring; -1 when it does not match.
func matchRank(name, q string) int {
	n := strings.ToLower(name)
	switch {
	case n == q:
		return 0
	case strings.HasPrefix(n, q):
		return 1
	case strings.Contains(n, q):
		return 2
	}
	return -1
}

// searchPlaces finds stations and places matching query, best first:
// exact before prefix before substring matches, stations before streets,
// water and roads, then by name. A road made of many segments is one hit.
func searchPlaces(query string, stations []city.Station, base *assets.BaseMap, limit int) []searchHit {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	var hits []searchHit
	for _, st := range stations {
		r := matchRank(st.Name, q)
		if ri := matchRank(st.ID, q); ri >= 0 && (r < 0 || ri < r) {
			r = ri
		}
		if r < 0 {
			continue
		}
		b := orb.Bound{Min: st.Location, Max: st.Location}
		if len(st.Area) > 0 {
			b = st.Area.Bound()
		}
		hits = append(hits, searchHit{Kind: PlaceStation, ID: st.ID, Name: st.Name, Station: st, Bound: b, rank: r, feed: st.Feed})
	}
	if base != nil {
		for _, group := range []struct {
			kind  PlaceKind
			areas []assets.Area
		}{{PlaceStreet, base.Streets}, {PlaceWater, base.Water}} {
			for _, a := range group.areas {
				r := matchRank(a.Name, q)
				if a.Code != "" {
					if rc := matchRank(a.Code, q); rc >= 0 && (r < 0 || rc < r) {
						r = rc
					}
				}
				if r < 0 || len(a.Geometry) == 0 {
					continue
				}
				hits = append(hits, searchHit{Kind: group.kind, Name: a.Name, Area: a.Geometry, Bound: a.Geometry.Bound(), rank: r})
			}
		}
		roads := map[string]int{} // name → index in hits
		for _, rd := range append(slices.Clone(base.Roads), base.Expressways...) {
			if rd.Name == "" || len(rd.Line) == 0 {
				continue
			}
			r := matchRank(rd.Name, q)
			if r < 0 {
				continue
			}
			if i, ok := roads[rd.Name]; ok {
				hits[i].Bound = hits[i].Bound.Union(rd.Line.Bound())
				hits[i].lines = append(hits[i].lines, rd.Line)
				continue
			}
			roads[rd.Name] = len(hits)
			hits = append(hits, searchHit{Kind: PlaceRoad, Name: rd.Name, Bound: rd.Line.Bound(), rank: r, lines: []orb.LineString{rd.Line}})
		}
	}
	slices.SortStableFunc(hits, func(a, b searchHit) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return strings.Compare(a.Name, b.Name)
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// placeKindName names a kind of hit for the result list.
func placeKindName(k PlaceKind) string {
	switch k {
	case PlaceStreet:
		return lang.L("Street (街道)")
	case PlaceWater:
		return lang.L("Water body")
	case PlaceRoad:
		return lang.L("Road")
	}
	return lang.L("Station")
}

// hitLabel is a result's line in the list.
func hitLabel(h searchHit) string {
	if h.Kind == PlaceStation {
		return h.Name + " · " + feedName(h.feed) + " · " + h.ID
	}
	return h.Name + " · " + placeKindName(h.Kind)
}

// placeSearch is the search box at the top of the console and its result
// list.
type placeSearch struct {
	entry *searchEntry
	list  *widget.List
	// box holds the result list at the map's top-right corner. It is part
	// of the window's content, not a pop-up: a pop-up would take the
	// keyboard from the entry while the officer is still typing.
	box   *fyne.Container
	sized *minWidthLayout // the list's size
	hits  []searchHit
}

// searchBoxEms is the search entry's width in the theme's text size.
const searchBoxEms = 18

// searchBox builds the console's search entry.
func (c *Console) searchBox() fyne.CanvasObject {
	s := &placeSearch{entry: newSearchEntry()}
	c.search = s
	s.entry.SetPlaceHolder(lang.L("Search a station or place…"))
	s.entry.ActionItem = widget.NewIcon(theme.SearchIcon())
	s.list = widget.NewList(
		func() int { return len(s.hits) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= 0 && i < len(s.hits) {
				o.(*widget.Label).SetText(hitLabel(s.hits[i]))
			}
		},
	)
	s.list.OnSelected = func(i widget.ListItemID) {
		s.list.UnselectAll()
		if i >= 0 && i < len(s.hits) {
			c.chooseHit(s.hits[i])
		}
	}
	s.sized = &minWidthLayout{}
	bg := canvas.NewRectangle(fyne.CurrentApp().Settings().Theme().Color(theme.ColorNameOverlayBackground, fyne.CurrentApp().Settings().ThemeVariant()))
	bg.CornerRadius = 4
	// Left of the map's zoom buttons, so they stay usable.
	gap := canvas.NewRectangle(color.Transparent)
	gap.SetMinSize(fyne.NewSize(searchResultsRightGap, 0))
	s.box = container.NewBorder(nil, nil, nil, container.NewHBox(container.NewVBox(container.NewStack(bg, container.New(s.sized, s.list))), gap))
	s.box.Hide()
	s.entry.OnChanged = func(text string) { c.runSearch(text) }
	s.entry.onKey = func(k *fyne.KeyEvent) bool {
		switch k.Name {
		case fyne.KeyEscape: // put the results away, keep the text
			s.box.Hide()
			return true
		case fyne.KeyDown: // into the results: arrows move, space chooses
			if s.box.Visible() {
				c.win.Canvas().Focus(s.list)
				return true
			}
		}
		return false
	}
	s.entry.OnSubmitted = func(text string) {
		c.runSearch(text)
		if len(s.hits) > 0 {
			c.chooseHit(s.hits[0])
		}
	}
	text := fyne.CurrentApp().Settings().Theme().Size(theme.SizeNameText)
	return container.New(minWidthLayout{min: fyne.NewSize(searchBoxEms*text, 0)}, s.entry)
}

// runSearch fills the result list for text and shows it under the entry.
func (c *Console) runSearch(text string) {
	s := c.search
	if s == nil {
		return
	}
	var sts []city.Station
	if c.last != nil {
		for _, ss := range c.last.Stations {
			sts = append(sts, ss.Station)
		}
	}
	s.hits = searchPlaces(text, sts, c.base, searchLimit)
	s.list.Refresh()
	if len(s.hits) == 0 {
		s.box.Hide()
		return
	}
	th := fyne.CurrentApp().Settings().Theme()
	rowH := widget.NewLabel("Hg").MinSize().Height + th.Size(theme.SizeNameSeparatorThickness)
	s.sized.min = fyne.NewSize(28*th.Size(theme.SizeNameText), rowH*float32(min(len(s.hits), 8)))
	s.box.Show()
	s.box.Refresh()
}

// searchResults is the result list's place over the map.
func (c *Console) searchResults() fyne.CanvasObject {
	if c.search == nil {
		return container.NewWithoutLayout()
	}
	return c.search.box
}

// SearchHits returns the labels of the results listed now.
func (c *Console) SearchHits() []string {
	if c.search == nil {
		return nil
	}
	out := make([]string, len(c.search.hits))
	for i, h := range c.search.hits {
		out[i] = hitLabel(h)
	}
	return out
}

// chooseHit centres the map on a result and opens its card.
func (c *Console) chooseHit(h searchHit) {
	if s := c.search; s != nil {
		s.box.Hide()
	}
	if h.Kind == PlaceStation {
		c.focusStation(h.ID)
		return
	}
	c.mapView.FitBounds(padBound(h.Bound))
	c.showPlace(h)
}

// padBound widens a box a little (and a point or a straight road to a
// street's size) so the place is not drawn against the map's edge.
func padBound(b orb.Bound) orb.Bound {
	const minSpan = 0.004 // degrees, about 400 m
	dx := max((b.Max[0]-b.Min[0])*0.15, (minSpan-(b.Max[0]-b.Min[0]))/2, 0)
	dy := max((b.Max[1]-b.Min[1])*0.15, (minSpan-(b.Max[1]-b.Min[1]))/2, 0)
	return orb.Bound{Min: orb.Point{b.Min[0] - dx, b.Min[1] - dy}, Max: orb.Point{b.Max[0] + dx, b.Max[1] + dy}}
}

// showPlace opens the card of a place: its kind, and the stations in it
// (in a 街道 or water body: inside its outline or filed under its name;
// along a road: within about 150 m) with their status.
func (c *Console) showPlace(h searchHit) {
	c.selected, c.param = "", ""
	d := widgets.Detail{Title: h.Name, Subtitle: placeKindName(h.Kind)}
	if c.last == nil {
		c.card.SetDetail(d)
		c.cardBox.Show()
		return
	}
	alertsBy := map[string][]city.Alert{}
	for _, v := range c.last.Alerts {
		alertsBy[v.Alert.Station] = append(alertsBy[v.Alert.Station], v.Alert)
	}
	n, alarms := 0, 0
	type row struct {
		v   widgets.DetailValue
		sev int // Judgement.Severity
	}
	var rows []row
	for _, ss := range c.last.Stations {
		if !placeHolds(h, ss.Station) {
			continue
		}
		n++
		j := Judge(ss, alertsBy[ss.Station.ID], c.site, c.last.Now, c.staleAfter())
		if j.Severity > 0 {
			alarms++
		}
		rows = append(rows, row{widgets.DetailValue{
			Label: ss.Station.Name, Value: j.Status, Unit: feedName(ss.Station.Feed),
			Age: city.FormatAge(c.last.Now.Sub(ss.Newest)), Stale: j.Stale, Color: readable(j.Color),
		}, j.Severity})
	}
	// Stations in alarm first, the most severe at the top.
	slices.SortStableFunc(rows, func(a, b row) int { return b.sev - a.sev })
	for _, r := range rows {
		d.Values = append(d.Values, r.v)
	}
	d.Status = fmt.Sprintf(lang.L("%d stations, %d with alerts"), n, alarms)
	c.card.SetDetail(d)
	c.cardBox.Show()
}

// roadReach is how far from a road a station counts as on it, in degrees
// (about 150 m).
const roadReach = 0.0015

// placeHolds reports whether station st lies in place h.
func placeHolds(h searchHit, st city.Station) bool {
	p := st.Location
	if len(st.Area) > 0 {
		p = st.Area.Bound().Center()
	}
	switch h.Kind {
	case PlaceStreet:
		if name := st.Attrs[city.AttrStreet]; name != "" {
			return name == h.Name
		}
		return planar.MultiPolygonContains(h.Area, p)
	case PlaceWater:
		return nearArea(h.Area, p)
	case PlaceRoad:
		for _, l := range h.lines {
			if planar.DistanceFrom(l, p) <= roadReach {
				return true
			}
		}
	}
	return false
}

// nearArea reports whether p is in area or within roadReach of its edge
// (water stations stand on the bank).
func nearArea(area orb.MultiPolygon, p orb.Point) bool {
	if planar.MultiPolygonContains(area, p) {
		return true
	}
	return planar.DistanceFrom(area, p) <= roadReach
}

// searchEntry is the search box: an entry that hands Escape and the down
// arrow to the search before typing them.
type searchEntry struct {
	widget.Entry
	onKey func(*fyne.KeyEvent) bool // true: handled
}

func newSearchEntry() *searchEntry {
	e := &searchEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey gives the search the keys it handles first.
func (e *searchEntry) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k) {
		return
	}
	e.Entry.TypedKey(k)
}
