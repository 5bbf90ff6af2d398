package widgets

import (
	"image"
	"image/png"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// TestMapSnapshot writes pictures of the map for looking at by eye: the
// 1920×1080 district frame with 10 k features to $MAP_SNAPSHOT, and a
// 1280×800 window with the legend, buttons, 街道 names and a tooltip to
// $MAP_SNAPSHOT with "-window" before the extension. Skipped when the
// variable is unset.
func TestMapSnapshot(t *testing.T) {
	path := os.Getenv("MAP_SNAPSHOT")
	if path == "" {
		t.Skip("set MAP_SNAPSHOT=file.png to write a snapshot")
	}
	m := newLoadedMap(t, 10_000, mapBenchWidth, mapBenchHeight)
	writeMapPNG(t, path, m.render(mapBenchWidth, mapBenchHeight))

	test.NewTempApp(t).Settings().SetTheme(theme.DarkTheme())
	m = NewMapView(loadHuangpuBase(t), "© OpenStreetMap contributors")
	layers := mapSyntheticLayers(2000, 42)
	titles := map[LayerID]string{"air": "空气质量", "water": "水质", "noise": "噪声", "fire": "消防设施", "crowd": "客流"}
	for _, id := range fixtureLayerOrder {
		m.SetLayer(id, titles[id], layers[id])
	}
	m.SetLegend("air", []LegendEntry{{fxAQIGood, "优"}, {fxAQIModerate, "良"}, {fxAQIUnhealthy, "中度污染"}})
	m.SetLegend("fire", []LegendEntry{{fxFireNormal, "正常"}, {fxFireOffline, "离线"}, {fxFireFault, "故障"}, {fxFireAlarm, "报警"}})
	w := test.NewTempWindow(t, m)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(1280, 800))
	m.SetView(fxPeoplesSquare, 14.6)
	for _, f := range layers["air"] {
		if p := m.LonLatToScreen(f.Point); p.X > 300 && p.Y > 200 && p.X < 1000 && p.Y < 700 {
			if got, ok := m.FeatureAt(p); ok && got.ID == f.ID {
				test.MoveMouse(w.Canvas(), p)
				break
			}
		}
	}
	writeMapPNG(t, path[:len(path)-len(".png")]+"-window.png", w.Canvas().Capture())
}

func writeMapPNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
