package ui

import (
	"fmt"
	"image/color"
	"math"
	"onescreen/app/desk"
	"onescreen/assets"
	"onescreen/city"
	"onescreen/widgets"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
)

// The station card: a station's values judged by the standards, its
// newest event and the trend of one parameter.

// showDetail opens the detail card for a station.
func (c *Console) showDetail(id string) {
	c.selected = id
	c.param = ""
	c.cardBox.Show()
	c.refreshDetail()
}

func (c *Console) closeDetail() {
	c.selected = ""
	c.cardBox.Hide()
}

// refreshDetail fills the card from the snapshot; the chart's history is
// read off the UI goroutine and set when it arrives.
func (c *Console) refreshDetail() {
	if c.last == nil || c.selected == "" {
		return
	}
	var ss *StationState
	for i := range c.last.Stations {
		if c.last.Stations[i].Station.ID == c.selected {
			ss = &c.last.Stations[i]
			break
		}
	}
	if ss == nil {
		return
	}
	var alerts []city.Alert
	for _, v := range c.last.Alerts {
		if v.Alert.Station == ss.Station.ID {
			alerts = append(alerts, v.Alert)
		}
	}
	now := c.last.Now
	j := Judge(*ss, alerts, c.site, now, c.staleAfter())
	// The chart shows the last hours of what is held: up to now while the
	// station is live, up to its newest value when that is old (an outage,
	// a replayed archive).
	to := now
	if !ss.Newest.IsZero() && now.Sub(ss.Newest) > historyWindow/2 {
		to = ss.Newest.Add(time.Minute)
	}
	d := widgets.Detail{
		Title: ss.Station.Name, Subtitle: stationSubtitle(ss.Station), Status: j.Status, StatusColor: readable(j.Color),
		From: to.Add(-historyWindow), To: to,
	}
	params := make([]string, 0, len(ss.Values))
	for p := range ss.Values {
		params = append(params, p)
	}
	sort.Slice(params, func(a, b int) bool { return paramOrder(params[a]) < paramOrder(params[b]) })
	limit := staleLimit(ss.Station.Feed, c.site, c.staleAfter())
	for _, p := range params {
		l := ss.Values[p]
		d.Values = append(d.Values, widgets.DetailValue{
			Label: paramLabel(p), Value: formatValue(l.Value), Unit: l.Unit, Age: city.FormatAge(now.Sub(l.Time)),
			Stale: now.Sub(l.Time) > limit, Late: !l.Received.IsZero() && l.Received.Sub(l.Time) > desk.LateAfter,
		})
		d.Params = append(d.Params, widgets.ParamChoice{Param: p, Label: paramLabel(p)})
	}
	if ss.Event.Event != "" {
		d.Values = append(d.Values, widgets.DetailValue{Label: lang.L("Last event"), Value: ss.Event.Event, Age: city.FormatAge(now.Sub(ss.Event.Time)),
			Late: !ss.Event.Received.IsZero() && ss.Event.Received.Sub(ss.Event.Time) > desk.LateAfter})
	}
	if c.param == "" && len(params) > 0 {
		c.param = params[0]
	}
	d.Param = c.param
	id, param := ss.Station.ID, c.param
	if prev := c.card.Detail(); prev.Title == d.Title && prev.Param == param {
		d.Series, d.Thresholds = prev.Series, prev.Thresholds // keep the chart until new history arrives
	}
	c.card.SetDetail(d)
	if param == "" {
		return
	}
	if c.cardReading {
		return // one read at a time: a slow cache never piles reads up
	}
	c.cardReading = true
	src := c.src
	c.ask(func() func() {
		pts, err := src.History(id, param, to.Add(-historyWindow), to.Add(time.Second))
		return func() {
			c.cardReading = false
			if c.selected != id || c.param != param {
				return
			}
			cur := c.card.Detail()
			if err != nil {
				cur.Status = err.Error()
			}
			series := widgets.Series{Name: paramLabel(param), Unit: city.ParamUnits[param], Color: color.NRGBA{0x4F, 0xC3, 0xF7, 0xFF}}
			for _, p := range pts {
				series.Points = append(series.Points, widgets.ChartPoint{T: p.Time, V: p.Value})
			}
			cur.Series = []widgets.Series{series}
			cur.Thresholds = thresholdsFor(param, c.site)
			c.card.SetDetail(cur)
		}
	})
}

// readable lightens a dark standard colour (HJ 633's maroon levels) so a
// status line written in it can be read on the dark theme; the map and the
// swatches keep the exact colour.
func readable(c color.NRGBA) color.NRGBA {
	lum := 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
	if lum >= 90 {
		return c
	}
	mix := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*0.45) }
	return color.NRGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: c.A}
}

func stationSubtitle(st city.Station) string {
	parts := []string{feedName(st.Feed), st.ID}
	if v := st.Attrs[city.AttrStreet]; v != "" {
		parts = append(parts, v)
	}
	if v := st.Attrs[city.AttrZoneClass]; v != "" {
		parts = append(parts, lang.L("zone class")+" "+v)
	}
	if v := st.Attrs[city.AttrTargetClass]; v != "" {
		parts = append(parts, lang.L("target class")+" "+v)
	}
	if len(st.Area) > 0 {
		if a, err := city.WalkableArea(st.Area); err == nil {
			parts = append(parts, fmt.Sprintf("%s %.0f m²", lang.L("walkable area"), a))
		}
	}
	return strings.Join(parts, " · ")
}

// thresholdsFor draws the standard's lines on a parameter's chart.
func thresholdsFor(param string, site city.SiteConfig) []widgets.Threshold {
	warn := assets.SeverityMajor
	switch param {
	case city.ParamPM25:
		return []widgets.Threshold{{Value: 75, Label: "IAQI 100 (2012)", Color: assets.SeverityMinor}, {Value: 60, Label: "IAQI 100 (2026)", Color: warn}}
	case city.ParamPM10:
		return []widgets.Threshold{{Value: 150, Label: "IAQI 100 (2012)", Color: assets.SeverityMinor}, {Value: 120, Label: "IAQI 100 (2026)", Color: warn}}
	case city.ParamPressure:
		return []widgets.Threshold{{Value: site.Fire.HydrantMinMPa, Label: lang.L("min"), Color: warn}, {Value: site.Fire.HydrantMaxMPa, Label: lang.L("max"), Color: warn}}
	case city.ParamResidualCurrent:
		return []widgets.Threshold{{Value: site.Fire.ResidualCurrentMA, Label: lang.L("alarm"), Color: warn}}
	case city.ParamCableTemp:
		return []widgets.Threshold{{Value: site.Fire.CableTempC, Label: lang.L("alarm"), Color: warn}}
	case city.ParamDO:
		return []widgets.Threshold{{Value: 5, Label: "III", Color: warn}}
	case city.ParamNH3N:
		return []widgets.Threshold{{Value: 1.0, Label: "III", Color: warn}}
	}
	return nil
}

func paramOrder(p string) int {
	for i, q := range paramOrderList {
		if q == p {
			return i
		}
	}
	return len(paramOrderList)
}

// paramLabel names a parameter for officers.
func paramLabel(p string) string {
	switch p {
	case city.ParamPM25:
		return "PM2.5"
	case city.ParamPM10:
		return "PM10"
	case city.ParamO3:
		return "O₃"
	case city.ParamNO2:
		return "NO₂"
	case city.ParamSO2:
		return "SO₂"
	case city.ParamCO:
		return "CO"
	case city.ParamDO:
		return lang.L("Dissolved oxygen")
	case city.ParamCODMn:
		return lang.L("Permanganate index")
	case city.ParamNH3N:
		return lang.L("Ammonia nitrogen")
	case city.ParamTP:
		return lang.L("Total phosphorus")
	case city.ParamPH:
		return "pH"
	case city.ParamTemp:
		return lang.L("Water temperature")
	case city.ParamLAeq:
		return "LAeq"
	case city.ParamLmax:
		return "Lmax"
	case city.ParamCount:
		return lang.L("People")
	case city.ParamInflow:
		return lang.L("Inflow")
	case city.ParamPressure:
		return lang.L("Pressure")
	case city.ParamResidualCurrent:
		return lang.L("Residual current")
	case city.ParamCableTemp:
		return lang.L("Cable temperature")
	case city.ParamBattery:
		return lang.L("Battery")
	}
	return p
}

func formatValue(v float64) string {
	switch {
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
