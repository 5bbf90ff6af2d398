package widgets

import (
	"runtime"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"onescreen/assets"
	"onescreen/city"
)

// TestRefreshKeepsNoFontFaces: refreshing the map (with its legend) and an
// alert's detail and painting them again, as the console does every
// second and a scheduled screenshot does, keeps no memory. Fyne parses the
// font anew for every theme scope it paints text in and keeps each parse
// for good, and a container.ThemeOverride makes a new scope each time it is
// refreshed or its renderer is made again: a wall that painted the legend
// under one grew by some 10 MB a screenshot until it ran out of memory.
func TestRefreshKeepsNoFontFaces(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(assets.NewTheme())
	m := NewMapView(loadHuangpuBase(t), "© OpenStreetMap contributors")
	m.SetLayer("air", "空气质量", mapAirStations())
	m.SetLegend("air", []LegendEntry{{fxAQIGood, "优"}, {fxAQIModerate, "良"}, {fxAQIUnhealthy, "中度污染"}})
	d := NewAlertDetail()
	d.SetAudit(AlertAudit{
		ID: "a1", Title: "火警 · 测试烟感", Severity: city.SeverityCritical, State: "已派遣",
		Facts: []AuditFact{{"站点", "测试烟感 (fire-1)"}},
		Steps: []AuditStep{{Kind: city.StepRaise, Name: "上报", Time: "11-25 10:00:00", Officer: "系统"},
			{Kind: city.StepDispatch, Name: "派遣", Time: "11-25 10:02:00", Officer: "王伟", Team: "消防救援站", Note: "现场有浓烟"}},
	})
	w := test.NewTempWindow(t, container.NewHSplit(m, d))
	w.Resize(fyne.NewSize(1200, 700))
	m.SetView(fxPeoplesSquare, 14)

	paint := func() {
		m.Refresh()
		d.Refresh()
		w.Canvas().Capture()
	}
	live := func() float64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapAlloc) / (1 << 20)
	}
	for range 2 {
		paint()
	}
	before := live()
	const rounds = 8
	for range rounds {
		paint()
	}
	if grew := live() - before; grew > 8 {
		t.Errorf("%d refreshes and paints kept %.0f MB", rounds, grew)
	}
}
