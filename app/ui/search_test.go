package ui

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/paulmach/orb"

	"onescreen/app"
	"onescreen/assets"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
	"onescreen/internal/desktest"
)

func TestSearchPlaces(t *testing.T) {
	base, err := assets.DemoBaseMap()
	if err != nil {
		t.Fatal(err)
	}
	sts := sim.New(sim.Config{Seed: 3}).Stations()
	names := func(hs []searchHit) []string {
		out := make([]string, len(hs))
		for i, h := range hs {
			out[i] = h.Name + "/" + placeKindName(h.Kind)
		}
		return out
	}
	if err := SetLanguage(LangZH); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query   string
		first   string   // the best hit
		has     []string // among the hits
		hasNot  []string
		atLeast int
	}{
		{query: "外滩", first: "外滩/站点", has: []string{"外滩街道/街道"}, atLeast: 2},
		{query: "  外滩街道 ", first: "外滩街道/街道"},
		{query: "AIR-WAITAN", first: "外滩/站点"}, // an id, in any case
		{query: "黄浦江", first: "黄浦江/水体"},
		{query: "延安东路", first: "延安东路/道路", hasNot: []string{"延安东路/道路#2"}},
		{query: "街道", atLeast: 10}, // every 街道 of Huangpu
		{query: "南京东路", has: []string{"南京东路街道/街道"}},
		{query: "no such place"},
	}
	for _, tc := range tests {
		hs := searchPlaces(tc.query, sts, base, 0)
		got := names(hs)
		if tc.first != "" && (len(got) == 0 || got[0] != tc.first) {
			t.Errorf("%q: first hit of %v, want %s", tc.query, got, tc.first)
		}
		for _, w := range tc.has {
			if !slices.Contains(got, w) {
				t.Errorf("%q: %v lacks %s", tc.query, got, w)
			}
		}
		seen := map[string]bool{}
		for _, g := range got {
			if seen[g] {
				t.Errorf("%q: %s listed twice in %v", tc.query, g, got)
			}
			seen[g] = true
		}
		if len(got) < tc.atLeast {
			t.Errorf("%q: %d hits %v, want at least %d", tc.query, len(got), got, tc.atLeast)
		}
		if tc.first == "" && tc.atLeast == 0 && len(tc.has) == 0 && len(got) != 0 {
			t.Errorf("%q: hits %v, want none", tc.query, got)
		}
	}
	if hs := searchPlaces("", sts, base, 0); hs != nil {
		t.Errorf("an empty query finds %d", len(hs))
	}
	if hs := searchPlaces("街道", sts, base, 3); len(hs) != 3 {
		t.Errorf("limit 3 gives %d hits", len(hs))
	}
}

// TestSearchFocusesAndOpensCard types in the console's search box and
// chooses results: a station opens its card with the map on it; a 街道
// fits the map to it and opens a card listing its stations.
func TestSearchFocusesAndOpensCard(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	sts := seedCache(t, dataDir, time.Now().Add(-time.Minute))
	_, addr := desktest.StartFeedServer(t, feeds.ServerConfig{Heartbeat: 200 * time.Millisecond})
	rt, err := app.Start(context.Background(), app.Options{DataDir: dataDir, FeedURL: "ws://" + addr + feeds.StreamPath})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, _ := newTestConsole(t, rt)
	apply(c, rt)

	test.Type(c.search.entry, "打浦")
	// The results are shown without an overlay, which would take the
	// keyboard from the entry while the officer types on.
	if !c.search.box.Visible() || c.win.Canvas().Overlays().Top() != nil {
		t.Fatalf("while typing: results shown %v, overlay %v", c.search.box.Visible(), c.win.Canvas().Overlays().Top())
	}
	test.Type(c.search.entry, "桥")
	if c.search.entry.Text != "打浦桥" {
		t.Fatalf("typed %q, want 打浦桥", c.search.entry.Text)
	}
	hits := c.SearchHits()
	if len(hits) < 2 || !strings.HasPrefix(hits[0], "打浦桥 · 空气") {
		t.Fatalf("hits for 打浦桥: %v", hits)
	}
	if !c.search.box.Visible() {
		t.Error("the result list is not shown under the search box")
	}
	c.search.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape}) // Escape puts the results away
	if c.search.box.Visible() || c.search.entry.Text != "打浦桥" {
		t.Errorf("after Escape: results shown %v, text %q", c.search.box.Visible(), c.search.entry.Text)
	}
	c.search.entry.OnSubmitted(c.search.entry.Text) // Enter takes the best hit
	if c.selected != "air-dapuqiao" || !c.cardBox.Visible() || c.card.Detail().Title != "打浦桥" {
		t.Errorf("after choosing the station: selected %q, card shown %v titled %q", c.selected, c.cardBox.Visible(), c.card.Detail().Title)
	}
	var station city.Station
	for _, st := range sts {
		if st.ID == "air-dapuqiao" {
			station = st
		}
	}
	if center, _ := c.mapView.View(); distDeg(center, station.Location) > 0.002 {
		t.Errorf("map centred on %v, station at %v", center, station.Location)
	}
	if c.search.box.Visible() {
		t.Error("the result list stays open after a choice")
	}

	c.search.entry.SetText("外滩街道")
	c.search.list.Select(0) // the officer clicks the result
	d := c.card.Detail()
	if d.Title != "外滩街道" || !c.cardBox.Visible() || c.selected != "" {
		t.Fatalf("place card %q shown %v (selected station %q)", d.Title, c.cardBox.Visible(), c.selected)
	}
	want := 0
	for _, st := range sts {
		if st.Attrs[city.AttrStreet] == "外滩街道" {
			want++
		}
	}
	if want == 0 || len(d.Values) != want || !strings.Contains(d.Status, "个站点") {
		t.Errorf("外滩街道 card lists %d stations (%q), want the %d filed under it", len(d.Values), d.Status, want)
	}
	var street orb.Bound
	for _, s := range c.base.Streets {
		if s.Name == "外滩街道" {
			street = s.Geometry.Bound()
		}
	}
	if center, _ := c.mapView.View(); !street.Contains(center) {
		t.Errorf("map centred on %v, outside 外滩街道 %v", center, street)
	}
}

func distDeg(a, b orb.Point) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	if dx < 0 {
		dx = -dx
	}
	if dy < 0 {
		dy = -dy
	}
	return max(dx, dy)
}
