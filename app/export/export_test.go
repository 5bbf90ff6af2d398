package export

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"onescreen/cache"
	"onescreen/city"
)

// exportXSD is the CAP 1.2 schema, shipped with city's tests.
const exportXSD = "../../city/testdata/cap12.xsd"

// exportValidateCAP fails the test when xmllint rejects the CAP file at
// path or is not installed.
func exportValidateCAP(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint is needed to validate CAP exports and is not installed: "+
			"apt-get install libxml2-utils (make deps-test installs it): %v", err)
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", exportXSD, path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "validates") {
		t.Fatalf("xmllint rejects %s: %v\n%s", filepath.Base(path), err, out)
	}
}

var (
	exportAir = city.Station{ID: "air-shiwuchang", Feed: city.FeedAir, Name: "十五厂", Kind: city.KindAirStation,
		Location: orb.Point{121.478, 31.2036}, Attrs: map[string]string{city.AttrStreet: "半淞园路街道", city.AttrCode: "1142A"}}
	exportAir2 = city.Station{ID: "air-waitan", Feed: city.FeedAir, Name: "外滩", Kind: city.KindAirStation,
		Location: orb.Point{121.4849, 31.2372}}
	exportWater = city.Station{ID: "water-shiliupu", Feed: city.FeedWater, Name: "黄浦江十六铺", Kind: city.KindWaterSection,
		Location: orb.Point{121.4969, 31.2302}, Attrs: map[string]string{city.AttrTargetClass: "III", city.AttrWaterBody: "river"}}
	exportSmoke = city.Station{ID: "fire-smoke-001", Feed: city.FeedFire, Name: "独立式烟感 001", Kind: city.KindSmokeDetector,
		Location: orb.Point{121.4801, 31.2290}}
	exportCrowd = city.Station{ID: "crowd-waitan-binshui", Feed: city.FeedCrowd, Name: "外滩滨水区", Kind: city.KindCrowdZone,
		Location: orb.Point{121.4880, 31.2375}, Attrs: map[string]string{city.AttrStreet: "外滩街道"},
		Area: orb.Polygon{{{121.4855, 31.2330}, {121.4880, 31.2330}, {121.4905, 31.2420}, {121.4880, 31.2420}, {121.4855, 31.2330}}}}

	// 2015-06-01 10:00 and 2026-06-01 10:00 Beijing time: the 2012 and the
	// 2026 edition of HJ 633.
	export2015 = time.Date(2015, 6, 1, 10, 0, 0, 0, city.Shanghai)
	export2026 = time.Date(2026, 6, 1, 10, 0, 0, 0, city.Shanghai)
)

func airReading(st string, at time.Time, pm25, pm10 float64) city.Reading {
	return city.Reading{Feed: city.FeedAir, Station: st, Time: at, Values: []city.Measurement{
		{Param: city.ParamPM25, Value: pm25, Unit: "µg/m³"}, {Param: city.ParamPM10, Value: pm10, Unit: "µg/m³"},
		{Param: city.ParamSO2, Value: 10, Unit: "µg/m³"}, {Param: city.ParamNO2, Value: 40, Unit: "µg/m³"},
		{Param: city.ParamCO, Value: 0.8, Unit: "mg/m³"}, {Param: city.ParamO3, Value: 60, Unit: "µg/m³"},
	}}
}

// exportFixture is a cache in a temporary directory holding stations,
// readings and alerts made by the real alert engine and officers' steps.
type exportFixture struct {
	dir             string
	aqiAlert        string // 2015, closed after the whole workflow
	aqi2026Alert    string // raised only
	fireAlert       string // dispatched
	crowdAlert      string // raised only
	orphanAlert     string // its station is not cached
	readingsWritten int
}

func newExportFixture(t *testing.T) exportFixture {
	t.Helper()
	dir := t.TempDir()
	db, err := cache.Open(dir, cache.Options{Retention: 20 * 365 * 24 * time.Hour,
		Now: func() time.Time { return export2026.Add(24 * time.Hour) }})
	if err != nil {
		t.Fatalf("open cache: %v", err)
	}
	defer db.Close()

	readings := []city.Reading{
		airReading(exportAir.ID, export2015, 88, 100),  // 2012: AQI 117, PM2.5
		airReading(exportAir2.ID, export2015, 20, 140), // same hour, other station: AQI 95, PM10
		airReading(exportAir.ID, export2026, 88, 100),  // 2026: AQI 126, PM2.5
		{Feed: city.FeedAir, Station: exportAir2.ID, Time: export2026, Values: []city.Measurement{ // 2026, PM2.5 only, ≤ 100: NA
			{Param: city.ParamPM25, Value: 20, Unit: "µg/m³"}}},
		{Feed: city.FeedWater, Station: exportWater.ID, Time: export2026, Values: []city.Measurement{
			{Param: city.ParamPH, Value: 7.4, Unit: "pH"}, {Param: city.ParamDO, Value: 6.1, Unit: "mg/L"}}},
		{Feed: city.FeedFire, Station: exportSmoke.ID, Time: export2026.Add(time.Minute), Event: city.EventAlarm},
	}
	eng, err := city.NewEngine(city.DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	stations := map[string]city.Station{}
	for _, st := range []city.Station{exportAir, exportAir2, exportWater, exportSmoke, exportCrowd} {
		stations[st.ID] = st
	}
	var changes []city.Change
	observe := func(rs []city.Reading) {
		t.Helper()
		for _, r := range rs {
			ch, err := eng.Observe(stations[r.Station], r)
			if err != nil {
				t.Fatalf("observe %s: %v", r.Station, err)
			}
			changes = append(changes, ch...)
		}
	}
	raisedBy := func(station string, at time.Time) string {
		t.Helper()
		for _, c := range changes {
			if c.Step.Kind == city.StepRaise && c.Alert.Station == station && c.Alert.Raised.Equal(at) {
				return c.Alert.ID
			}
		}
		t.Fatalf("the engine raised no alert on %s at %s: %+v", station, at, changes)
		return ""
	}
	step := func(id string, kind city.StepKind, officer, team, note string, at time.Time) {
		t.Helper()
		s := city.Step{Alert: id, Kind: kind, Officer: officer, Team: team, Note: note, Time: at}
		a, err := eng.Apply(s)
		if err != nil {
			t.Fatalf("%s %s: %v", kind, id, err)
		}
		changes = append(changes, city.Change{Alert: a, Step: s})
	}
	var fx exportFixture
	fx.dir = dir

	// 2015: an AQI alert taken through the whole workflow.
	observe(readings[:2])
	fx.aqiAlert = raisedBy(exportAir.ID, export2015)
	m := func(n int) time.Time { return export2015.Add(time.Duration(n) * time.Minute) }
	step(fx.aqiAlert, city.StepAcknowledge, "王伟", "", "", m(2))
	step(fx.aqiAlert, city.StepDispatch, "王伟", "半淞园路街道网格组", "", m(5))
	step(fx.aqiAlert, city.StepComment, "王伟", "", "=HYPERLINK(\"x\")", m(6))
	step(fx.aqiAlert, city.StepResolve, "李娜", "", "工地已停工洒水", m(40))
	step(fx.aqiAlert, city.StepVerify, "王伟", "", "", m(55))
	step(fx.aqiAlert, city.StepClose, "王伟", "", "", m(56))

	// 2026: a new AQI alert, and a fire alarm a team is sent to.
	observe(readings[2:])
	fx.aqi2026Alert = raisedBy(exportAir.ID, export2026)
	fx.fireAlert = raisedBy(exportSmoke.ID, export2026.Add(time.Minute))
	step(fx.fireAlert, city.StepDispatch, "张敏", "外滩消防站", "", export2026.Add(3*time.Minute))

	// A crowd alert made by hand (the engine needs minutes of readings).
	raised := export2026.Add(30 * time.Minute)
	crowd := city.Alert{ID: city.AlertID(exportCrowd.ID, city.CondCrowdDensity, raised), Station: exportCrowd.ID,
		Feed: city.FeedCrowd, Condition: city.CondCrowdDensity, Severity: city.SeverityMajor, State: city.StateRaised,
		Began: raised.Add(-time.Minute), Raised: raised, Updated: raised, Value: 2.7, Unit: "persons/m²",
		Message: "人群密度 2.7 人/m²", MessageEN: "crowd density 2.7 persons/m²"}
	fx.crowdAlert = crowd.ID
	changes = append(changes, city.Change{Alert: crowd, Step: city.Step{Alert: crowd.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Time: raised}})
	// An alert whose station was never described to the cache.
	orphan := crowd
	orphan.ID, orphan.Station = city.AlertID("crowd-unknown", city.CondCrowdDensity, raised), "crowd-unknown"
	fx.orphanAlert = orphan.ID
	changes = append(changes, city.Change{Alert: orphan, Step: city.Step{Alert: orphan.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Time: raised}})

	err = db.Submit(cache.Batch{
		Stations:     []city.Station{exportAir, exportAir2, exportWater, exportSmoke, exportCrowd},
		Readings:     readings,
		AlertChanges: changes,
	})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if err := db.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return fx
}

// openExport opens the fixture read-only, as `onescreen export` does.
func openExport(t *testing.T, fx exportFixture) *cache.DB {
	t.Helper()
	db, err := cache.OpenReadOnly(fx.dir)
	if err != nil {
		t.Fatalf("open read-only: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, b)
	}
	return rows
}

func TestExportReadingsAQI(t *testing.T) {
	fx := newExportFixture(t)
	db := openExport(t, fx)
	var buf bytes.Buffer
	if err := ExportReadings(db, cache.ReadingFilter{}, &buf); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if got, want := strings.Join(rows[0], ","), "time,feed,station,station_name,parameter,value,unit,aqi,aqi_level,primary_pollutant"; got != want {
		t.Fatalf("header = %s\nwant     %s", got, want)
	}
	// key: time|station|parameter → the AQI cells.
	got := map[string][]string{}
	for _, r := range rows[1:] {
		if len(r) != 10 {
			t.Fatalf("row %v has %d cells, want 10", r, len(r))
		}
		got[r[0]+"|"+r[2]+"|"+r[4]] = r[5:]
	}
	if n := len(rows) - 1; n != 6+6+6+1+2+1 {
		t.Errorf("%d rows, want 22", n)
	}
	tests := []struct {
		key  string
		want []string // value, unit, aqi, aqi_level, primary
	}{
		{"2015-06-01T10:00:00.000+08:00|air-shiwuchang|pm25", []string{"88", "µg/m³", "117", "3", "PM2.5"}},
		{"2015-06-01T10:00:00.000+08:00|air-shiwuchang|co", []string{"0.8", "mg/m³", "117", "3", "PM2.5"}},
		{"2015-06-01T10:00:00.000+08:00|air-waitan|pm25", []string{"20", "µg/m³", "95", "2", "PM10"}},
		{"2015-06-01T10:00:00.000+08:00|air-waitan|pm10", []string{"140", "µg/m³", "95", "2", "PM10"}},
		{"2026-06-01T10:00:00.000+08:00|air-shiwuchang|pm25", []string{"88", "µg/m³", "126", "3", "PM2.5"}},
		{"2026-06-01T10:00:00.000+08:00|air-waitan|pm25", []string{"20", "µg/m³", "", "", ""}},
		{"2026-06-01T10:00:00.000+08:00|water-shiliupu|ph", []string{"7.4", "pH", "", "", ""}},
		{"2026-06-01T10:01:00.000+08:00|fire-smoke-001|event", []string{"alarm", "", "", "", ""}},
	}
	for _, tc := range tests {
		g, ok := got[tc.key]
		if !ok {
			t.Errorf("no row %s", tc.key)
			continue
		}
		if strings.Join(g, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: got %q, want %q", tc.key, g, tc.want)
		}
	}

	// A pinned edition overrides the reading's time.
	cfg := city.DefaultSiteConfig()
	cfg.AQIEdition = city.Edition2026
	buf.Reset()
	if err := ExportReadingsWithConfig(db, cache.ReadingFilter{Feed: city.FeedAir, To: export2026}, cfg, &buf); err != nil {
		t.Fatal(err)
	}
	rows = readCSV(t, buf.Bytes())
	if len(rows) != 13 {
		t.Fatalf("air readings before 2026: %d rows, want header + 12", len(rows))
	}
	for _, r := range rows[1:] {
		if r[2] == exportAir.ID && r[7] != "126" {
			t.Errorf("pinned 2026: %s %s aqi = %q, want 126", r[2], r[4], r[7])
		}
	}

	bad := city.DefaultSiteConfig()
	bad.AQIEdition = 1999
	if err := ExportReadingsWithConfig(db, cache.ReadingFilter{}, bad, &buf); err == nil || !strings.Contains(err.Error(), "aqi_edition") {
		t.Errorf("bad site config: err = %v, want it named", err)
	}
}

func TestExportAlertsHistory(t *testing.T) {
	fx := newExportFixture(t)
	db := openExport(t, fx)
	var buf bytes.Buffer
	if err := ExportAlerts(db, cache.AlertFilter{}, &buf); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if got, want := strings.Join(rows[0], ","), "alert_id,station,station_name,feed,condition,severity,state,step,officer,team,note,step_time,value,unit,message"; got != want {
		t.Fatalf("header = %s\nwant     %s", got, want)
	}
	type row struct{ step, officer, team, note, at string }
	var aqi []row
	order := []string{}
	for _, r := range rows[1:] {
		if len(r) != 15 {
			t.Fatalf("row %v has %d cells, want 15", r, len(r))
		}
		if len(order) == 0 || order[len(order)-1] != r[0] {
			order = append(order, r[0])
		}
		if r[0] != fx.aqiAlert {
			continue
		}
		if r[1] != exportAir.ID || r[2] != "十五厂" || r[3] != "air" || r[4] != "aqi" || r[5] != "minor" || r[6] != "closed" ||
			r[12] != "117" || r[13] != "AQI" || !strings.HasPrefix(r[14], "AQI 117") {
			t.Errorf("AQI alert row %q: want station, name, feed, condition, severity, final state, value, unit and message of the alert", r)
		}
		aqi = append(aqi, row{r[7], r[8], r[9], r[10], r[11]})
	}
	want := []row{
		{"raise", "system", "", "", "2015-06-01T10:00:00+08:00"},
		{"acknowledge", "王伟", "", "", "2015-06-01T10:02:00+08:00"},
		{"dispatch", "王伟", "半淞园路街道网格组", "", "2015-06-01T10:05:00+08:00"},
		{"comment", "王伟", "", "'=HYPERLINK(\"x\")", "2015-06-01T10:06:00+08:00"},
		{"resolve", "李娜", "", "工地已停工洒水", "2015-06-01T10:40:00+08:00"},
		{"verify", "王伟", "", "", "2015-06-01T10:55:00+08:00"},
		{"close", "王伟", "", "", "2015-06-01T10:56:00+08:00"},
	}
	if len(aqi) != len(want) {
		t.Fatalf("AQI alert history: %d rows, want %d: %v", len(aqi), len(want), aqi)
	}
	for i := range want {
		// The engine's raise note is its message; only officers' notes are checked.
		if i == 0 {
			aqi[i].note = ""
		}
		if aqi[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, aqi[i], want[i])
		}
	}
	// Newest raised first: the crowd alert and the orphan (same raise
	// time, ID descending), the fire alarm, the 2026 and the 2015 AQI alert.
	if got, want := strings.Join(order, "\n"), strings.Join([]string{fx.crowdAlert, fx.orphanAlert, fx.fireAlert, fx.aqi2026Alert, fx.aqiAlert}, "\n"); got != want {
		t.Errorf("alert order:\n%s\nwant\n%s", got, want)
	}

	// The feed filter.
	buf.Reset()
	if err := ExportAlerts(db, cache.AlertFilter{Feed: city.FeedFire}, &buf); err != nil {
		t.Fatal(err)
	}
	rows = readCSV(t, buf.Bytes())
	if len(rows) != 3 || rows[1][0] != fx.fireAlert || rows[2][7] != "dispatch" || rows[2][9] != "外滩消防站" || rows[2][6] != "dispatched" {
		t.Errorf("fire alerts: %q", rows)
	}
}

var (
	capIdentRE = regexp.MustCompile(`<identifier>([^<]+)</identifier>`)
	capSentRE  = regexp.MustCompile(`<(sent|onset)>([^<]+)</`)
)

func TestExportCAP(t *testing.T) {
	fx := newExportFixture(t)
	db := openExport(t, fx)
	out := filepath.Join(t.TempDir(), "cap")
	files, err := ExportCAP(db, cache.AlertFilter{}, city.CAPOptions{}, out)
	if err == nil || !strings.Contains(err.Error(), "crowd-unknown") || !strings.Contains(err.Error(), "1 of 5") {
		t.Errorf("an alert whose station is not cached: err = %v, want it reported", err)
	}
	if len(files) != 4 {
		t.Fatalf("%d files written, want 4 (the orphan left out): %v", len(files), files)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Errorf("%d entries in the output directory, want 4 (no temporary files left)", len(entries))
	}
	byAlert := map[string][]byte{}
	for _, f := range files {
		exportValidateCAP(t, f)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Identifier string   `xml:"identifier"`
			MsgType    string   `xml:"msgType"`
			References string   `xml:"references"`
			Params     []string `xml:"info>parameter>value"`
			Polygons   []string `xml:"info>area>polygon"`
			Circles    []string `xml:"info>area>circle"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) != doc.Identifier+".cap" {
			t.Errorf("file %s holds identifier %s", filepath.Base(f), doc.Identifier)
		}
		for _, m := range capSentRE.FindAllSubmatch(b, -1) {
			if bytes.ContainsAny(m[2], "Z.") || !bytes.HasSuffix(m[2], []byte("+08:00")) {
				t.Errorf("%s time %s: want Beijing time without Z or fractions", m[1], m[2])
			}
		}
		id := doc.Params[0]
		byAlert[id] = b
		switch id {
		case fx.aqiAlert:
			if doc.MsgType != "Cancel" || doc.Identifier != "31010100000000_20150601105600_0" ||
				doc.References != "onescreen@310101,31010100000000_20150601100000_0,2015-06-01T10:00:00+08:00" {
				t.Errorf("closed AQI alert: msgType %s identifier %s references %s", doc.MsgType, doc.Identifier, doc.References)
			}
			if len(doc.Circles) != 2 || !strings.HasPrefix(doc.Circles[0], "31.2036,121.478 ") {
				t.Errorf("air station circles %q, want lat,lon 31.2036,121.478", doc.Circles)
			}
		case fx.aqi2026Alert:
			if doc.MsgType != "Alert" || doc.Identifier != "31010100000000_20260601100000_0" || doc.References != "" {
				t.Errorf("raised AQI alert: msgType %s identifier %s references %s", doc.MsgType, doc.Identifier, doc.References)
			}
		case fx.fireAlert:
			if doc.MsgType != "Update" || doc.Identifier != "31010100000000_20260601100300_0" ||
				doc.References != "onescreen@310101,31010100000000_20260601100100_0,2026-06-01T10:01:00+08:00" {
				t.Errorf("dispatched fire alert: msgType %s identifier %s references %s", doc.MsgType, doc.Identifier, doc.References)
			}
		case fx.crowdAlert:
			// Raised in the same second as the orphan, whose ID sorts first.
			if doc.MsgType != "Alert" || doc.Identifier != "31010100000000_20260601103000_1" || doc.References != "" {
				t.Errorf("raised crowd alert: msgType %s identifier %s references %s", doc.MsgType, doc.Identifier, doc.References)
			}
			if len(doc.Polygons) != 2 {
				t.Fatalf("crowd zone: polygons %q", doc.Polygons)
			}
			pts := strings.Fields(doc.Polygons[0])
			if len(pts) != 5 || pts[0] != pts[4] || pts[0] != "31.233,121.4855" {
				t.Errorf("crowd polygon %q: want 5 lat,lon points, closed, starting 31.233,121.4855", doc.Polygons[0])
			}
		default:
			t.Errorf("unexpected alert %s exported", id)
		}
	}

	// One alert to a writer: the same document as in the directory.
	var buf bytes.Buffer
	if err := ExportCAPAlert(db, fx.fireAlert, city.CAPOptions{}, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), byAlert[fx.fireAlert]) {
		t.Errorf("ExportCAPAlert differs from the file ExportCAP wrote:\n%s\n---\n%s", buf.Bytes(), byAlert[fx.fireAlert])
	}
	// Filtered exports keep the numbers of the whole cache.
	files, err = ExportCAP(db, cache.AlertFilter{Feed: city.FeedCrowd, OpenOnly: true}, city.CAPOptions{}, t.TempDir())
	if err == nil || len(files) != 1 || !strings.HasSuffix(files[0], "31010100000000_20260601103000_1.cap") {
		t.Errorf("crowd only: files %v, err %v; want the crowd alert under the same identifier and the orphan reported", files, err)
	}

	for _, tc := range []struct {
		name, id string
		opts     city.CAPOptions
		want     string
	}{
		{"unknown alert", "nope", city.CAPOptions{}, `no alert "nope"`},
		{"empty ID", " ", city.CAPOptions{}, "no alert ID"},
		{"bad options", fx.fireAlert, city.CAPOptions{AdminCode: "31"}, "admin code"},
		{"station not cached", fx.orphanAlert, city.CAPOptions{}, "not in the cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := ExportCAPAlert(db, tc.id, tc.opts, &b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", b.Len())
			}
		})
	}
	if _, err := ExportCAP(db, cache.AlertFilter{}, city.CAPOptions{}, ""); err == nil {
		t.Error("ExportCAP without a directory: no error")
	}
}

func TestTextCell(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "王伟": "王伟", "=1+1": "'=1+1", "+86": "'+86", "-x": "'-x", "@a": "'@a", "\tx": "'\tx", "a=b": "a=b",
	} {
		if got := textCell(in); got != want {
			t.Errorf("textCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// Two fire events 23 ms apart are two rows with two times, not a repeated
// row: the export keeps milliseconds, and names the station.
func TestExportReadingsKeepsMillisecondsAndStationName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := cache.Open(dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	smoke := city.Station{ID: "fire-smoke-007", Feed: city.FeedFire, Kind: city.KindSmokeDetector, Name: "=豫园烟感 007", Location: orb.Point{121.492, 31.227}}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second).Add(500 * time.Millisecond)
	err = db.Submit(cache.Batch{Stations: []city.Station{smoke}, Readings: []city.Reading{
		{Feed: city.FeedFire, Station: smoke.ID, Time: t0, Event: city.EventAlarm},
		{Feed: city.FeedFire, Station: smoke.ID, Time: t0.Add(23 * time.Millisecond), Event: city.EventAlarm},
	}})
	if err == nil {
		err = db.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := ExportReadings(db, cache.ReadingFilter{}, &buf); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, []byte(buf.String()))
	if len(rows) != 3 {
		t.Fatalf("%d rows, want header + 2:\n%s", len(rows), buf.String())
	}
	want := [][]string{
		{t0.In(city.Shanghai).Format("2006-01-02T15:04:05") + ".500+08:00", "fire", smoke.ID, "'=豫园烟感 007", "event", "alarm"},
		{t0.In(city.Shanghai).Format("2006-01-02T15:04:05") + ".523+08:00", "fire", smoke.ID, "'=豫园烟感 007", "event", "alarm"},
	}
	for i, w := range want {
		if got := strings.Join(rows[i+1][:6], ","); got != strings.Join(w, ",") {
			t.Errorf("row %d = %s\nwant     %s", i+1, got, strings.Join(w, ","))
		}
	}
}
