package cache

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"onescreen/city"
)

// asOfFixture stores readings at known times, on a real cache file:
//
//   - air-bund: all six values at t0-30m, t0-20m and t0-10m, PM2.5 10, 20, 30;
//   - air-rare: PM2.5 every 10 minutes from t0-60m to t0, but O3 only once,
//     at t0-50m (a parameter sent on its own, at another pace);
//   - smoke-7: heartbeats with the battery at t0-40m and t0-5m, an alarm at
//     t0-25m.
func asOfFixture(t *testing.T) *DB {
	t.Helper()
	db := openTest(t, Options{})
	var rs []city.Reading
	for i, v := range []float64{10, 20, 30} {
		rs = append(rs, air("air-bund", t0.Add(time.Duration(-30+10*i)*time.Minute), uint64(i+1), v))
	}
	for i := 0; i <= 6; i++ {
		rs = append(rs, city.Reading{Feed: city.FeedAir, Station: "air-rare", Time: t0.Add(time.Duration(-60+10*i) * time.Minute),
			Values: []city.Measurement{{Param: city.ParamPM25, Value: float64(100 + i), Unit: "µg/m³"}}})
	}
	rs = append(rs, city.Reading{Feed: city.FeedAir, Station: "air-rare", Time: t0.Add(-50 * time.Minute),
		Values: []city.Measurement{{Param: city.ParamO3, Value: 77, Unit: "µg/m³"}}})
	smoke := func(d time.Duration, event string, battery float64) city.Reading {
		r := city.Reading{Feed: city.FeedFire, Station: stationSmoke.ID, Time: t0.Add(d), Event: event}
		if battery > 0 {
			r.Values = []city.Measurement{{Param: city.ParamBattery, Value: battery, Unit: "%"}}
		}
		return r
	}
	rs = append(rs, smoke(-40*time.Minute, city.EventHeartbeat, 91), smoke(-25*time.Minute, city.EventAlarm, 0), smoke(-5*time.Minute, city.EventHeartbeat, 90))
	submit(t, db, Batch{Stations: []city.Station{stationAir, stationSmoke}, Readings: rs})
	return db
}

// key lists values as "station param value @minutes-before-t0".
func keyOf(ls []Latest) []string {
	var out []string
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s %s %g @%v", l.Station, l.Param, l.Value, t0.Sub(l.Time)))
	}
	return out
}

func TestLatestAsOf(t *testing.T) {
	db := asOfFixture(t)
	bund := func(pm25 float64, ago string) []string {
		return []string{
			"air-bund co 0.6 @" + ago, "air-bund no2 41 @" + ago, "air-bund o3 88 @" + ago,
			fmt.Sprintf("air-bund pm10 %g @%s", pm25*1.5, ago), fmt.Sprintf("air-bund pm25 %g @%s", pm25, ago), "air-bund so2 7 @" + ago,
		}
	}
	cases := []struct {
		name   string
		at     time.Duration // from t0
		window time.Duration
		want   []string
	}{
		{"before anything", -2 * time.Hour, time.Hour, nil},
		{"between the first two", -25 * time.Minute, time.Hour, append(bund(10, "30m0s"),
			"air-rare o3 77 @50m0s", "air-rare pm25 103 @30m0s", "smoke-7 battery 91 @40m0s")},
		{"exactly at a reading", -20 * time.Minute, time.Hour, append(bund(20, "20m0s"),
			"air-rare o3 77 @50m0s", "air-rare pm25 104 @20m0s", "smoke-7 battery 91 @40m0s")},
		{"the rare parameter falls out of a short window", -20 * time.Minute, 15 * time.Minute, append(bund(20, "20m0s"),
			"air-rare pm25 104 @20m0s")},
		{"now", 0, time.Hour, append(bund(30, "10m0s"),
			"air-rare o3 77 @50m0s", "air-rare pm25 106 @0s", "smoke-7 battery 90 @5m0s")},
		{"nothing within the window", 0, 3 * time.Minute, []string{"air-rare pm25 106 @0s"}},
		{"no window", 2 * time.Hour, 0, append(bund(30, "10m0s"),
			"air-rare o3 77 @50m0s", "air-rare pm25 106 @0s", "smoke-7 battery 90 @5m0s")},
	}
	for _, c := range cases {
		got, err := db.LatestAsOf(t0.Add(c.at), c.window)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if k := keyOf(got); !reflect.DeepEqual(k, c.want) {
			t.Errorf("%s: LatestAsOf(t0%+v, %v) =\n  %s\nwant\n  %s", c.name, c.at, c.window, strings.Join(k, "\n  "), strings.Join(c.want, "\n  "))
		}
	}
	// At the newest time, as of now is exactly what Latest says.
	live, err := db.Latest()
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.LatestAsOf(t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, live) {
		t.Errorf("LatestAsOf(now) =\n%v\nwant Latest()\n%v", got, live)
	}
	if got[0].Unit != "mg/m³" || got[0].Feed != city.FeedAir || got[0].Received.IsZero() {
		t.Errorf("LatestAsOf lost the unit, feed or received time: %+v", got[0])
	}
}

func TestLatestEventsAsOf(t *testing.T) {
	db := asOfFixture(t)
	for _, c := range []struct {
		at     time.Duration
		window time.Duration
		want   string // "" for none
	}{
		{-45 * time.Minute, time.Hour, ""},
		{-40 * time.Minute, time.Hour, "heartbeat @40m0s"},
		{-25 * time.Minute, time.Hour, "alarm @25m0s"},
		{-10 * time.Minute, time.Hour, "alarm @25m0s"},
		{-10 * time.Minute, 10 * time.Minute, ""},
		{0, time.Hour, "heartbeat @5m0s"},
	} {
		got, err := db.LatestEventsAsOf(t0.Add(c.at), c.window)
		if err != nil {
			t.Fatal(err)
		}
		var k string
		if len(got) > 1 {
			t.Fatalf("LatestEventsAsOf(t0%+v) = %v, want at most one", c.at, got)
		}
		if len(got) == 1 {
			if got[0].Station != stationSmoke.ID {
				t.Errorf("event of %q, want %s", got[0].Station, stationSmoke.ID)
			}
			k = fmt.Sprintf("%s @%v", got[0].Event, t0.Sub(got[0].Time))
		}
		if k != c.want {
			t.Errorf("LatestEventsAsOf(t0%+v, %v) = %q, want %q", c.at, c.window, k, c.want)
		}
	}
}

func TestEarliestReading(t *testing.T) {
	db := openTest(t, Options{})
	if got, err := db.EarliestReading(); err != nil || !got.IsZero() {
		t.Errorf("EarliestReading of an empty cache = %v, %v; want zero", got, err)
	}
	db = asOfFixture(t)
	if got, err := db.EarliestReading(); err != nil || !got.Equal(t0.Add(-60*time.Minute)) {
		t.Errorf("EarliestReading = %v, %v; want %v", got, err, t0.Add(-60*time.Minute))
	}
}

// An alert raised at t1, acknowledged at t2, dispatched, resolved, verified
// and closed later is, at every time, in the state it had then.
func TestAlertsAsOf(t *testing.T) {
	db := openTest(t, Options{})
	t1, t2 := at(-3*time.Hour), at(-2*time.Hour)
	a := raisedAlert("air-bund", city.FeedAir, city.CondAQI, t1)
	a.Message, a.MessageEN = "AQI 160 中度污染", "AQI 160 moderately polluted"
	// critical: its condition ends with an update and the workflow goes on
	// (a lesser alert would clear itself, as the engine does)
	a.Severity = city.SeverityCritical
	raise := city.Step{Alert: a.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Note: "AQI 120 轻度污染", Time: t1}
	upd := city.Step{Alert: a.ID, Kind: city.StepUpdate, Officer: city.SystemOfficer, Note: "AQI 160 中度污染", Time: at(-150 * time.Minute)}
	esc := city.Step{Alert: a.ID, Kind: city.StepEscalate, Officer: city.SystemOfficer, Note: "超过 15 分钟未确认", Time: at(-160 * time.Minute)}
	ack := step(a, city.StepAcknowledge, "王伟", t2)
	comment := step(a, city.StepComment, "王伟", at(-110*time.Minute))
	comment.Note = "已电话联系街道"
	dispatch := step(a, city.StepDispatch, "王伟", at(-100*time.Minute))
	dispatch.Team = "城管执法中队"
	clearStep := city.Step{Alert: a.ID, Kind: city.StepUpdate, Officer: city.SystemOfficer, Note: "条件已解除 / condition ended", Time: at(-90 * time.Minute)}
	resolve := step(a, city.StepResolve, "李娜", at(-80*time.Minute))
	verify := step(a, city.StepVerify, "张敏", at(-70*time.Minute))
	closeStep := step(a, city.StepClose, "张敏", at(-time.Hour))

	final := a
	final.State, final.Updated, final.Cleared = city.StateClosed, closeStep.Time, clearStep.Time
	final.Escalations, final.Escalated = 1, esc.Time
	final.AcknowledgedBy, final.Acknowledged = "王伟", t2
	final.Team, final.DispatchedBy, final.Dispatched = dispatch.Team, "王伟", dispatch.Time
	final.ResolvedBy, final.Resolved = "李娜", resolve.Time
	final.VerifiedBy, final.Verified = "张敏", verify.Time
	final.ClosedBy, final.Closed = "张敏", closeStep.Time
	var chs []city.Change
	for _, s := range []city.Step{raise, esc, upd, ack, comment, dispatch, clearStep, resolve, verify} {
		chs = append(chs, city.Change{Alert: a, Step: s})
	}
	chs = append(chs, city.Change{Alert: final, Step: closeStep})
	// A second alert that is still open, raised later.
	b := raisedAlert("noise-3", city.FeedNoise, city.CondNoiseNight, at(-30*time.Minute))
	chs = append(chs, city.Change{Alert: b, Step: city.Step{Alert: b.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Note: b.Message, Time: b.Raised}})
	submit(t, db, Batch{AlertChanges: chs})

	type want struct {
		state    city.AlertState
		ackBy    string
		team     string
		message  string
		comments int
		esc      int
		cleared  bool
	}
	for _, c := range []struct {
		name string
		at   time.Time
		want *want // nil: not listed
	}{
		{"before the raise", t1.Add(-time.Second), nil},
		{"at the raise", t1, &want{state: city.StateRaised, message: "AQI 120 轻度污染"}},
		{"escalated, still unacknowledged", t1.Add(30 * time.Minute), &want{state: city.StateRaised, message: "AQI 160 中度污染", esc: 1}},
		{"just before the ack", t2.Add(-time.Nanosecond), &want{state: city.StateRaised, message: "AQI 160 中度污染", esc: 1}},
		{"at the ack", t2, &want{state: city.StateAcknowledged, ackBy: "王伟", message: "AQI 160 中度污染", esc: 1}},
		{"commented", at(-105 * time.Minute), &want{state: city.StateAcknowledged, ackBy: "王伟", message: "AQI 160 中度污染", esc: 1, comments: 1}},
		{"dispatched, condition ended", at(-85 * time.Minute), &want{state: city.StateDispatched, ackBy: "王伟", team: "城管执法中队", message: "AQI 160 中度污染", esc: 1, comments: 1, cleared: true}},
		{"verified", at(-65 * time.Minute), &want{state: city.StateVerified, ackBy: "王伟", team: "城管执法中队", message: "AQI 160 中度污染", esc: 1, comments: 1, cleared: true}},
		{"closed", at(-59 * time.Minute), nil},
	} {
		got, err := db.AlertsAsOf(c.at, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var found *AsOfAlert
		for i := range got {
			if got[i].Alert.ID == a.ID {
				found = &got[i]
			}
			if got[i].Alert.ID == b.ID && c.at.Before(b.Raised) {
				t.Errorf("%s: the alert raised later is listed", c.name)
			}
		}
		if c.want == nil {
			if found != nil {
				t.Errorf("%s: listed as %s, want not listed", c.name, found.Alert.State)
			}
			continue
		}
		if found == nil {
			t.Errorf("%s: not listed", c.name)
			continue
		}
		g := found.Alert
		gw := want{state: g.State, ackBy: g.AcknowledgedBy, team: g.Team, message: g.Message, comments: found.Comments, esc: g.Escalations, cleared: !g.Cleared.IsZero()}
		if gw != *c.want {
			t.Errorf("%s: alert as of %v =\n  %+v\nwant\n  %+v", c.name, c.at, gw, *c.want)
		}
		if g.Unacknowledged() != (c.want.state == city.StateRaised) {
			t.Errorf("%s: Unacknowledged = %v in state %s", c.name, g.Unacknowledged(), g.State)
		}
		if g.Message == a.Message && (g.MessageEN != a.MessageEN || g.Value != a.Value) {
			t.Errorf("%s: the final message's English or value is lost: %q %v", c.name, g.MessageEN, g.Value)
		}
		if g.Message != a.Message && !math.IsNaN(g.Value) {
			t.Errorf("%s: an earlier message shows the final value %v", c.name, g.Value)
		}
	}
	// With closed alerts asked for, the closed one is listed, closed.
	got, err := db.AlertsAsOf(at(-30*time.Minute), at(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Alert.ID != b.ID || got[1].Alert.ID != a.ID || got[1].Alert.State != city.StateClosed || got[1].Alert.ClosedBy != "张敏" {
		t.Errorf("AlertsAsOf with closed ones = %+v; want the open %s then the closed %s", got, b.ID, a.ID)
	}
	// As of now, the rebuilt alert is the stored row.
	got, err = db.AlertsAsOf(at(0), at(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !reflect.DeepEqual(got[1].Alert, final) {
		t.Errorf("AlertsAsOf(now) =\n%+v\nwant the stored row\n%+v", got[1].Alert, final)
	}
}

// The as-of reads walk the reading key: no full scan of the readings.
func TestAsOfQueryPlans(t *testing.T) {
	db := asOfFixture(t)
	for _, q := range []string{sqlLatestAsOf, sqlEventsAsOf} {
		plan := queryPlan(t, db, q)
		t.Logf("plan:\n%s", strings.Join(plan, "\n"))
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN r ") || d == "SCAN r" {
				t.Errorf("an as-of read scans the readings: %q in\n%s", d, strings.Join(plan, "\n"))
			}
		}
	}
}

func queryPlan(t *testing.T, db *DB, q string) []string {
	t.Helper()
	rows, err := db.rdb.Query("EXPLAIN QUERY PLAN "+q, ms(t0), ms(t0.Add(-time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
