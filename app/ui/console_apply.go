package ui

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"onescreen/assets"
	"onescreen/city"
	"onescreen/widgets"
)

// historyWindow is how far back the detail card's trend chart reaches.
const historyWindow = 6 * time.Hour

// feedName is a feed's name in the interface language.
func feedName(f city.Feed) string {
	switch f {
	case city.FeedAir:
		return lang.L("Air")
	case city.FeedWater:
		return lang.L("Water")
	case city.FeedNoise:
		return lang.L("Noise")
	case city.FeedFire:
		return lang.L("Fire")
	case city.FeedCrowd:
		return lang.L("Crowds")
	}
	return string(f)
}

func baseShapes(b *assets.BaseMap) []widgets.BaseShape {
	var out []widgets.BaseShape
	out = append(out, widgets.BaseShape{Geom: b.District, Kind: widgets.BaseDistrict, Label: b.Name})
	for _, w := range b.Water {
		out = append(out, widgets.BaseShape{Geom: w.Geometry, Kind: widgets.BaseWater, Label: w.Name})
	}
	for _, r := range b.Roads {
		out = append(out, widgets.BaseShape{Geom: r.Line, Kind: widgets.BaseRoad, Label: r.Name})
	}
	for _, r := range b.Expressways {
		out = append(out, widgets.BaseShape{Geom: r.Line, Kind: widgets.BaseExpressway, Label: r.Name})
	}
	for _, s := range b.Streets {
		out = append(out, widgets.BaseShape{Geom: s.Geometry, Kind: widgets.BaseStreet, Label: s.Name})
	}
	return out
}

// legendFor lists a layer's colours from best to worst.
func legendFor(f city.Feed, site city.SiteConfig) []widgets.LegendEntry {
	stale := widgets.LegendEntry{Color: assets.StaleGrey, Text: lang.L("Stale")}
	switch f {
	case city.FeedAir:
		var out []widgets.LegendEntry
		for lvl := 1; lvl <= 6; lvl++ {
			l := city.AQILevelOf([]int{25, 75, 125, 175, 250, 400}[lvl-1])
			name := l.Name
			if !isZH() {
				name = l.NameEN
			}
			out = append(out, widgets.LegendEntry{Color: l.Colour, Text: name})
		}
		return append(out, stale)
	case city.FeedWater:
		var out []widgets.LegendEntry
		for c := city.WaterClass(1); c <= city.ClassWorseThanV; c++ {
			out = append(out, widgets.LegendEntry{Color: assets.WaterClassColor(int(c)), Text: classLabel(c)})
		}
		return append(out, stale)
	case city.FeedNoise:
		return []widgets.LegendEntry{
			{Color: normalColor, Text: lang.L("Within limit")},
			{Color: assets.SeverityMinor, Text: lang.L("Over limit")},
			{Color: assets.SeverityMajor, Text: lang.L("Over by 5 dB or night Lmax")},
			stale,
		}
	case city.FeedFire:
		var out []widgets.LegendEntry
		for _, s := range FireStates {
			c, t := fireLook(s)
			out = append(out, widgets.LegendEntry{Color: c, Text: t})
		}
		return out
	case city.FeedCrowd:
		return []widgets.LegendEntry{
			{Color: riskColor(city.RiskLow), Text: fmt.Sprintf("%s < %g %s", lang.L("Low"), site.Crowd.MediumAt, lang.L("persons/m²"))},
			{Color: riskColor(city.RiskMedium), Text: fmt.Sprintf("%s %g–%g", lang.L("Medium"), site.Crowd.MediumAt, site.Crowd.HighAt)},
			{Color: riskColor(city.RiskHigh), Text: fmt.Sprintf("%s ≥ %g", lang.L("High"), site.Crowd.HighAt)},
			{Color: riskColor(city.RiskCritical), Text: fmt.Sprintf("%s ≥ %g", lang.L("Critical"), site.Crowd.CriticalAt)},
			stale,
		}
	}
	return nil
}

// ShowClosed reports whether the panel lists closed alerts too; safe from
// any goroutine.
func (c *Console) ShowClosed() bool { return c.view.closed() }

// Apply draws a snapshot: badges, banner, KPI tiles, map layers and the
// alert panel. It runs on the UI goroutine (the pump calls it through
// fyne.Do; tests call it directly).
func (c *Console) Apply(s *Snapshot) {
	if c.dropSnapshot(s) {
		return // built for the mode the officer just left
	}
	c.last = s
	c.clock.SetText(s.statusNow().In(city.Shanghai).Format("2006-01-02 15:04:05"))
	c.applyStatus(s.statusView())
	judged, district := s.judgements(c.site, c.staleAfter())
	c.applyLayers(s, judged)
	c.applyKPIs(s, judged, district)
	c.applyAlerts(s)
	c.applyHistory(s)
	c.refreshAudit()
	c.refreshBoardForPeers()
	if c.selected != "" {
		c.refreshDetail()
	}
	if c.wall != nil {
		c.wall.apply(s)
	}
	if c.afterApply != nil {
		c.afterApply(s)
	}
}

func (c *Console) staleAfter() time.Duration {
	if c.opts.StaleAfter > 0 {
		return c.opts.StaleAfter
	}
	return city.DefaultStaleAfter
}

// applyStatus sets the feed badges and the freshness banner.
func (c *Console) applyStatus(s *Snapshot) {
	var down, offline []string
	var offSince, offReason string
	var offStart bool
	level := 0
	var newest time.Time
	for _, st := range s.Status {
		b := c.badges[st.Feed]
		if b == nil {
			continue
		}
		age := ""
		if a := st.Age(s.Now); a >= 0 {
			age = city.FormatAge(a)
			if st.Newest.After(newest) {
				newest = st.Newest
			}
		}
		bs := widgets.BadgeStatus{Feed: feedName(st.Feed), Rate: st.Rate, Age: age, Rejected: st.Rejected}
		switch st.State {
		case city.FeedLive:
			bs.State = widgets.BadgeLive
		case city.FeedDegraded:
			bs.State = widgets.BadgeDegraded
		default:
			bs.State = widgets.BadgeOffline
		}
		since := sinceText(st.Since, s.Now)
		if st.State != city.FeedLive {
			reason := linkReason(st.LastError)
			if st.State == city.FeedDegraded {
				reason = lang.L("no fresh data")
			}
			bs.Tooltip = fmt.Sprintf("%s %s %s %s", feedName(st.Feed), stateText(st.State), lang.L("since"), since)
			if reason != "" {
				bs.Tooltip += " · " + colonLabel(lang.L("reason")) + reason
				bs.Note = shortReason(st)
			}
			if st.State == city.FeedOffline {
				offline = append(offline, feedName(st.Feed))
				offSince, offReason, offStart = since, reason, st.SinceStart
				level = 2
			} else {
				down = append(down, fmt.Sprintf("%s %s %s %s", feedName(st.Feed), stateText(st.State), lang.L("since"), since))
				if level == 0 {
					level = 1
				}
			}
		}
		if st.Gaps > 0 {
			bs.Tooltip += fmt.Sprintf(" · %s %d", lang.L("gaps"), st.Gaps)
		}
		b.SetStatus(bs)
	}
	if len(offline) > 0 {
		// The feeds share one link: one line says since when and why.
		what := strings.Join(offline, "、")
		if len(offline) == len(s.Status) {
			what = lang.L("All feeds")
		}
		line := fmt.Sprintf("%s %s %s %s", what, lang.L("offline"), lang.L("since"), offSince)
		if offStart {
			line += " (" + lang.L("no link since the app started") + ")"
		}
		if offReason != "" {
			line += " · " + colonLabel(lang.L("reason")) + offReason
		}
		down = append([]string{line}, down...)
	}
	msg := ""
	if len(down) > 0 {
		msg = strings.Join(down, " · ")
		if !newest.IsZero() {
			msg += " — " + fmt.Sprintf(lang.L("showing the last known state, newest data %s old"), city.FormatAge(s.Now.Sub(newest)))
		} else {
			msg += " — " + lang.L("no data held yet")
		}
	}
	if s.Err != nil {
		msg = strings.TrimPrefix(msg+" · "+lang.L("Cache error")+": "+s.Err.Error(), " · ")
		level = 2
	}
	c.banner.SetMessage(msg, level)
}

func stateText(s city.FeedState) string {
	switch s {
	case city.FeedLive:
		return lang.L("live")
	case city.FeedDegraded:
		return lang.L("degraded")
	}
	return lang.L("offline")
}

// applyLayers hands each feed's features to the map; a layer whose features
// did not change is not touched, so it is not redrawn.
func (c *Console) applyLayers(s *Snapshot, judged []Judgement) {
	layers := map[city.Feed][]widgets.Feature{}
	for i, ss := range s.Stations {
		j := judged[i]
		st := ss.Station
		f := widgets.Feature{
			ID: st.ID, Layer: widgets.LayerOf(st.Feed), Point: st.Location, Color: j.Color,
			Stale: j.Stale, Label: st.Name + " · " + j.Status, Severity: j.Severity,
		}
		if len(st.Area) > 0 {
			f.Area = st.Area
		}
		layers[st.Feed] = append(layers[st.Feed], f)
	}
	for _, feed := range city.Feeds {
		fs := layers[feed]
		sum := featuresSum(fs)
		if old, ok := c.layerSums[feed]; ok && old == sum {
			continue
		}
		c.layerSums[feed] = sum
		c.mapView.SetLayer(widgets.LayerOf(feed), feedName(feed), fs)
	}
}

func featuresSum(fs []widgets.Feature) uint64 {
	h := fnv.New64a()
	for _, f := range fs {
		fmt.Fprintf(h, "%s|%v|%v|%s|%d|%v;", f.ID, f.Color, f.Stale, f.Label, f.Severity, f.Point)
	}
	return h.Sum64()
}

// applyKPIs fills the district tiles.
func (c *Console) applyKPIs(s *Snapshot, judged []Judgement, d *District) {
	fresh := d.fresh
	airLive := fresh[city.FeedAir].live
	aqi := widgets.KPIValue{Value: "—", Unit: "AQI", Stale: d.AirStale || !airLive}
	fresh[city.FeedAir].mark(&aqi, s.Now)
	if res := d.AQI; res.Available {
		name := res.Level.Name
		if !isZH() {
			name = res.Level.NameEN
		}
		aqi.Value, aqi.Accent = fmt.Sprint(res.AQI), res.Level.Colour
		aqi.Caption = name
		if p := res.PrimaryLabel(); p != "" {
			aqi.Caption += " · " + lang.L("primary pollutant") + " " + p
		}
	}
	c.tiles["aqi"].Set(aqi)

	water := widgets.KPIValue{Value: fmt.Sprintf("%d/%d", d.WaterOK, d.WaterN), Accent: normalColor}
	if d.WorstClass.Valid() {
		water.Caption = lang.L("worst") + " " + classLabel(d.WorstClass)
		if d.WaterOK < d.WaterN {
			water.Accent = assets.SeverityMajor
		}
	}
	fresh[city.FeedWater].mark(&water, s.Now)
	c.tiles["water"].Set(water)

	noise := widgets.KPIValue{Value: fmt.Sprintf("%d/%d", d.NoiseOver, d.NoiseN), Accent: normalColor,
		Caption: fmt.Sprintf("%s %s", lang.L("GB 3096 limits"), dayNight(s.Now, c.site))}
	if d.NoiseOver > 0 {
		noise.Accent = assets.SeverityMinor
	}
	fresh[city.FeedNoise].mark(&noise, s.Now)
	c.tiles["noise"].Set(noise)

	fire := fireKPI(d.FireAlarm, d.FireFault, d.FirePressure, d.FireOver, d.FireOffline)
	fresh[city.FeedFire].mark(&fire, s.Now)
	c.tiles["fire"].Set(fire)

	crowd := widgets.KPIValue{Value: fmt.Sprintf("%.0f", d.People), Unit: lang.L("people"), Stale: d.CrowdStale, Accent: normalColor}
	if d.WorstRisk > 0 {
		band, risk := d.WorstCrowd.Band.Name(), d.WorstRisk.Name()
		if !isZH() {
			band, risk = d.WorstCrowd.Band.String(), d.WorstRisk.String()
		}
		crowd.Caption = fmt.Sprintf("%s %.2f %s · %s · %s %s", d.WorstZone, d.WorstCrowd.Density, lang.L("persons/m²"), band, lang.L("risk"), risk)
		crowd.Accent = riskColor(d.WorstRisk)
	}
	fresh[city.FeedCrowd].mark(&crowd, s.Now)
	c.tiles["crowd"].Set(crowd)
}

func dayNight(t time.Time, site city.SiteConfig) string {
	if site.Noise.IsNight(t) {
		return lang.L("night")
	}
	return lang.L("day")
}

// applyAlerts fills the alert panel and sounds new critical alerts.
func (c *Console) applyAlerts(s *Snapshot) {
	rows := make([]widgets.AlertRow, 0, len(s.Alerts))
	flashing := false
	for _, v := range s.Alerts {
		a := v.Alert
		msg := a.Message
		cond := a.Condition.Name()
		if !isZH() {
			msg, cond = a.MessageEN, a.Condition.NameEN()
		}
		name := v.StationName
		if name == "" {
			name = a.Station
		}
		row := widgets.AlertRow{
			ID: a.ID, Title: cond + " · " + name, Station: msg, StateText: a.State.Name(),
			Team: TeamLabel(a.Team), Age: city.FormatAge(s.Now.Sub(a.Raised)), Severity: a.Severity,
			SeverityText: a.Severity.Name(), Raised: a.Raised,
			Acknowledged: a.State != city.StateRaised, Closed: a.State == city.StateClosed,
			Flash: v.Flash, Comments: v.Comments, Actions: v.Actions, Escalated: a.Escalations > 0,
			Feed: a.Feed, State: a.State,
			Overdue: v.Case.Overdue, CaseActions: v.Case.Actions,
		}
		if a.Open() {
			row.CaseText = caseText(v.Case)
		}
		if !isZH() {
			row.StateText, row.SeverityText = strings.ReplaceAll(string(a.State), "_", "-"), a.Severity.String()
		}
		if v.Late {
			row.StateText += " · " + lang.L("caught up")
		}
		if c.readOnly() {
			row.Actions, row.CaseActions = nil, nil
		}
		flashing = flashing || v.Flash
		rows = append(rows, row)
	}
	c.panel.SetAlerts(rows)
	if flashing && c.Alarm != nil {
		c.Alarm()
	}
}

var paramOrderList = []string{
	city.ParamPM25, city.ParamPM10, city.ParamO3, city.ParamNO2, city.ParamSO2, city.ParamCO,
	city.ParamDO, city.ParamCODMn, city.ParamNH3N, city.ParamTP, city.ParamPH, city.ParamTemp,
	city.ParamLAeq, city.ParamLmax, city.ParamCount, city.ParamInflow,
	city.ParamPressure, city.ParamResidualCurrent, city.ParamCableTemp, city.ParamBattery,
}

// focusAlert centres the map on the station of an alert chosen in the panel
// and opens its card.
func (c *Console) focusAlert(alertID string) {
	c.showAudit(alertID)
	if c.last == nil {
		return
	}
	for _, v := range c.last.Alerts {
		if v.Alert.ID == alertID {
			c.focusStation(v.Alert.Station)
			return
		}
	}
}

// focusStation centres the map on a station and opens its card.
func (c *Console) focusStation(id string) {
	if c.last == nil {
		return
	}
	for _, ss := range c.last.Stations {
		if ss.Station.ID != id {
			continue
		}
		p := ss.Station.Location
		if len(ss.Station.Area) > 0 {
			p = ss.Station.Area.Bound().Center()
		}
		_, zoom := c.mapView.View()
		c.mapView.SetView(p, math.Max(zoom, 15))
		c.showDetail(id)
		return
	}
}

// Refresh redraws from the last snapshot with the newest alerts.
func (c *Console) Refresh() {
	if c.last == nil || c.desk == nil {
		return
	}
	if c.last.History != nil {
		c.view.hist.poke() // the pump reads the past again
		return
	}
	s := *c.last
	s.Alerts = c.desk.Views(time.Now(), c.ShowClosed())
	c.Apply(&s)
}

func dialogError(err error, w fyne.Window) {
	if err == nil {
		return
	}
	var unwrapped = err
	for errors.Unwrap(unwrapped) != nil && len(unwrapped.Error()) > 300 {
		unwrapped = errors.Unwrap(unwrapped)
	}
	dialog.ShowError(unwrapped, w)
}
