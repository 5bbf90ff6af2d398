package app

import (
	"errors"
	"fmt"
	"hash/fnv"
	"image/color"
	"math"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
	"github.com/paulmach/orb"

	"onescreen/assets"
	"onescreen/city"
	"onescreen/internal/version"
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
func (c *Console) ShowClosed() bool { return c.showClosed.Load() }

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
	alertsBy := map[string][]city.Alert{}
	for _, v := range s.Alerts {
		alertsBy[v.Alert.Station] = append(alertsBy[v.Alert.Station], v.Alert)
	}
	judged := make([]Judgement, len(s.Stations))
	for i, ss := range s.Stations {
		judged[i] = Judge(ss, alertsBy[ss.Station.ID], c.site, s.Now, c.staleAfter())
	}
	c.applyLayers(s, judged)
	c.applyKPIs(s, judged)
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
}

func (c *Console) staleAfter() time.Duration {
	if c.opts.StaleAfter > 0 {
		return c.opts.StaleAfter
	}
	return DefaultStaleAfter
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
			age = FormatAge(a)
			if st.Newest.After(newest) {
				newest = st.Newest
			}
		}
		bs := widgets.BadgeStatus{Feed: feedName(st.Feed), Rate: st.Rate, Age: age, Rejected: st.Rejected}
		switch st.State {
		case FeedLive:
			bs.State = widgets.BadgeLive
		case FeedDegraded:
			bs.State = widgets.BadgeDegraded
		default:
			bs.State = widgets.BadgeOffline
		}
		since := sinceText(st.Since, s.Now)
		if st.State != FeedLive {
			reason := linkReason(st.LastError)
			if st.State == FeedDegraded {
				reason = lang.L("no fresh data")
			}
			bs.Tooltip = fmt.Sprintf("%s %s %s %s", feedName(st.Feed), stateText(st.State), lang.L("since"), since)
			if reason != "" {
				bs.Tooltip += " · " + colonLabel(lang.L("reason")) + reason
				bs.Note = shortReason(st)
			}
			if st.State == FeedOffline {
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
			msg += " — " + fmt.Sprintf(lang.L("showing the last known state, newest data %s old"), FormatAge(s.Now.Sub(newest)))
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

func stateText(s FeedState) string {
	switch s {
	case FeedLive:
		return lang.L("live")
	case FeedDegraded:
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
func (c *Console) applyKPIs(s *Snapshot, judged []Judgement) {
	var (
		airVals              = map[string][]float64{}
		airNewest            time.Time
		airStale             = true
		waterN, waterOK      int
		worstClass           city.WaterClass
		noiseN, noiseOver    int
		fireAlarm, fireFault int
		fireOffline          int
		firePressure         int
		fireOver             int
		people               float64
		worstRisk            city.CrowdRisk
		worstZone            string
		worstCrowd           city.CrowdAssessment
		crowdStale           = true
	)
	fresh := kpiFreshness(s, judged)
	// District AQI: of the live stations; in an outage, of the last known
	// values of all (greyed, with their age), never blank.
	airLive := fresh[city.FeedAir].live
	for i, ss := range s.Stations {
		j := judged[i]
		switch ss.Station.Feed {
		case city.FeedAir:
			if airLive && j.Stale {
				continue
			}
			airStale = false
			for p, l := range ss.Values {
				airVals[p] = append(airVals[p], l.Value)
			}
			if ss.Newest.After(airNewest) {
				airNewest = ss.Newest
			}
		case city.FeedWater:
			if j.Judged {
				waterN++
				if j.Meets {
					waterOK++
				}
				if j.Water.Class > worstClass {
					worstClass = j.Water.Class
				}
			}
		case city.FeedNoise:
			if j.Judged {
				noiseN++
				if j.Noise.Over || j.Noise.LmaxOver {
					noiseOver++
				}
			}
		case city.FeedFire:
			switch j.Fire {
			case FireAlarm:
				fireAlarm++
			case FireFault:
				fireFault++
			case FireOffline:
				fireOffline++
			case FirePressureLow, FirePressureHigh:
				firePressure++
			case FireOverSetting:
				fireOver++
			}
		case city.FeedCrowd:
			if j.Judged {
				if !j.Stale {
					crowdStale = false
				}
				people += j.Crowd.Count
				if j.Crowd.Density > worstCrowd.Density || worstZone == "" {
					worstRisk, worstZone, worstCrowd = j.Crowd.Risk, ss.Station.Name, j.Crowd
				}
			}
		}
	}
	// District AQI: the AQI of the mean concentrations of the live stations.
	mean := map[string]float64{}
	for p, vs := range airVals {
		var sum float64
		for _, v := range vs {
			sum += v
		}
		mean[p] = sum / float64(len(vs))
	}
	aqi := widgets.KPIValue{Value: "—", Unit: "AQI", Stale: airStale || !airLive}
	fresh[city.FeedAir].mark(&aqi, s.Now)
	if res, err := city.HourlyAQI(mean, c.site.EditionAt(airNewest)); err == nil && res.Available && len(mean) > 0 {
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

	water := widgets.KPIValue{Value: fmt.Sprintf("%d/%d", waterOK, waterN), Accent: normalColor}
	if worstClass.Valid() {
		water.Caption = lang.L("worst") + " " + classLabel(worstClass)
		if waterOK < waterN {
			water.Accent = assets.SeverityMajor
		}
	}
	fresh[city.FeedWater].mark(&water, s.Now)
	c.tiles["water"].Set(water)

	noise := widgets.KPIValue{Value: fmt.Sprintf("%d/%d", noiseOver, noiseN), Accent: normalColor,
		Caption: fmt.Sprintf("%s %s", lang.L("GB 3096 limits"), dayNight(s.Now, c.site))}
	if noiseOver > 0 {
		noise.Accent = assets.SeverityMinor
	}
	fresh[city.FeedNoise].mark(&noise, s.Now)
	c.tiles["noise"].Set(noise)

	fire := fireKPI(fireAlarm, fireFault, firePressure, fireOver, fireOffline)
	fresh[city.FeedFire].mark(&fire, s.Now)
	c.tiles["fire"].Set(fire)

	crowd := widgets.KPIValue{Value: fmt.Sprintf("%.0f", people), Unit: lang.L("people"), Stale: crowdStale, Accent: normalColor}
	if worstRisk > 0 {
		band, risk := worstCrowd.Band.Name(), worstRisk.Name()
		if !isZH() {
			band, risk = worstCrowd.Band.String(), worstRisk.String()
		}
		crowd.Caption = fmt.Sprintf("%s %.2f %s · %s · %s %s", worstZone, worstCrowd.Density, lang.L("persons/m²"), band, lang.L("risk"), risk)
		crowd.Accent = riskColor(worstRisk)
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
			Team: TeamLabel(a.Team), Age: FormatAge(s.Now.Sub(a.Raised)), Severity: a.Severity,
			SeverityText: a.Severity.Name(), Raised: a.Raised,
			Acknowledged: a.State != city.StateRaised, Closed: a.State == city.StateClosed,
			Flash: v.Flash, Comments: v.Comments, Actions: v.Actions, Escalated: a.Escalations > 0,
			Feed: a.Feed, State: a.State,
			Overdue: v.Case.Overdue, CaseActions: v.Case.Actions,
		}
		if a.Open() {
			row.CaseText = v.Case.Text()
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
			Label: paramLabel(p), Value: formatValue(l.Value), Unit: l.Unit, Age: FormatAge(now.Sub(l.Time)),
			Stale: now.Sub(l.Time) > limit, Late: !l.Received.IsZero() && l.Received.Sub(l.Time) > lateAfter,
		})
		d.Params = append(d.Params, widgets.ParamChoice{Param: p, Label: paramLabel(p)})
	}
	if ss.Event.Event != "" {
		d.Values = append(d.Values, widgets.DetailValue{Label: lang.L("Last event"), Value: ss.Event.Event, Age: FormatAge(now.Sub(ss.Event.Time)),
			Late: !ss.Event.Received.IsZero() && ss.Event.Received.Sub(ss.Event.Time) > lateAfter})
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
	c.background(func() {
		pts, err := src.History(id, param, to.Add(-historyWindow), to.Add(time.Second))
		fyne.Do(func() {
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
		})
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

var paramOrderList = []string{
	city.ParamPM25, city.ParamPM10, city.ParamO3, city.ParamNO2, city.ParamSO2, city.ParamCO,
	city.ParamDO, city.ParamCODMn, city.ParamNH3N, city.ParamTP, city.ParamPH, city.ParamTemp,
	city.ParamLAeq, city.ParamLmax, city.ParamCount, city.ParamInflow,
	city.ParamPressure, city.ParamResidualCurrent, city.ParamCableTemp, city.ParamBattery,
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

// act runs an officer's step from the panel, asking for a team or a note
// where the step needs one.
func (c *Console) act(id string, step city.StepKind) {
	if c.desk == nil || c.readOnly() {
		return
	}
	if c.desk.Officer() == "" {
		c.askOfficer(func() { c.act(id, step) })
		return
	}
	do := func(team, note string) {
		if _, err := c.desk.Act(id, step, team, note, time.Now()); err != nil {
			c.showError(err)
			return
		}
		c.Refresh()
	}
	switch step {
	case city.StepDispatch, city.StepResolve, city.StepComment:
		newStepForm(step, c.opts.Teams(), c.win, do).dlg.Show()
	default:
		do("", "")
	}
}

func stepTitle(k city.StepKind) string {
	if isZH() {
		return k.Name()
	}
	return string(k)
}

// askOfficer asks for the duty officer's name, remembers it, then runs next.
func (c *Console) askOfficer(next func()) {
	e := widget.NewEntry()
	e.SetText(c.desk.Officer())
	dialog.ShowForm(lang.L("Duty officer"), lang.L("OK"), lang.L("Cancel"), []*widget.FormItem{widget.NewFormItem(lang.L("Name"), e)}, func(ok bool) {
		name := strings.TrimSpace(e.Text)
		if !ok || name == "" {
			return
		}
		c.desk.SetOfficer(name)
		c.app.Preferences().SetString(prefOfficer, name)
		if next != nil {
			next()
		}
	}, c.win)
}

// Refresh redraws from the last snapshot with the newest alerts.
func (c *Console) Refresh() {
	if c.last == nil || c.desk == nil {
		return
	}
	if c.last.History != nil {
		c.hist.poke() // the pump reads the past again
		return
	}
	s := *c.last
	s.Alerts = c.desk.Views(time.Now(), c.ShowClosed())
	c.Apply(&s)
}

func (c *Console) showAbout() {
	text := lang.L("onescreen — the district operations dashboard.") + " " + version.String() + "\n\n" +
		lang.L("Base map") + ": " + c.base.Attribution + "\n" +
		lang.L("Font") + ": Noto Sans CJK SC (SIL Open Font License 1.1)\n" +
		lang.L("Standards") + ": HJ 633-2012 / HJ 633-2026, GB 3838-2002, GB 3096-2008, GB 50974-2014, GB 50116-2013"
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(l)
	scroll.SetMinSize(fyne.NewSize(640, 300))
	dialog.ShowCustom(lang.L("About and data sources"), lang.L("Close"), scroll, c.win)
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

var _ = orb.Point{}
