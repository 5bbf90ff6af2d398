package city_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"onescreen/city"
)

// capXSD is the CAP 1.2 schema the exports must validate against.
const capXSD = "testdata/cap12.xsd"

// xmllintValidate validates the CAP file at path against the schema and
// fails the test when xmllint rejects it or is not installed.
func xmllintValidate(t *testing.T, xsd, path string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint is needed to validate CAP against %s and is not installed: "+
			"apt-get install libxml2-utils (make deps-test installs it): %v", xsd, err)
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", xsd, path).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint rejects %s: %v\n%s", filepath.Base(path), err, out)
	}
	if !strings.Contains(string(out), "validates") {
		t.Fatalf("xmllint on %s did not say it validates:\n%s", filepath.Base(path), out)
	}
}

// capDoc is what the tests read back from a CAP document.
type capDoc struct {
	XMLName    xml.Name
	Identifier string `xml:"identifier"`
	Sender     string `xml:"sender"`
	Sent       string `xml:"sent"`
	Status     string `xml:"status"`
	MsgType    string `xml:"msgType"`
	Scope      string `xml:"scope"`
	References string `xml:"references"`
	Infos      []struct {
		Language     string   `xml:"language"`
		Category     []string `xml:"category"`
		Event        string   `xml:"event"`
		ResponseType []string `xml:"responseType"`
		Urgency      string   `xml:"urgency"`
		Severity     string   `xml:"severity"`
		Certainty    string   `xml:"certainty"`
		Onset        string   `xml:"onset"`
		Headline     string   `xml:"headline"`
		Description  string   `xml:"description"`
		Parameters   []struct {
			Name  string `xml:"valueName"`
			Value string `xml:"value"`
		} `xml:"parameter"`
		Areas []struct {
			Desc     string   `xml:"areaDesc"`
			Polygons []string `xml:"polygon"`
			Circles  []string `xml:"circle"`
		} `xml:"area"`
	} `xml:"info"`
}

// parseCAP reads our own output back, refusing any DTD.
func parseCAP(t *testing.T, b []byte) capDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("CAP is not well-formed XML: %v", err)
		}
		if _, ok := tok.(xml.Directive); ok {
			t.Fatalf("CAP carries a directive (DTD): %s", tok)
		}
	}
	var doc capDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("unmarshal CAP: %v", err)
	}
	return doc
}

var (
	capTimeRE       = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$`)
	capIdentifierRE = regexp.MustCompile(`^\d{14}_\d{14}_\d$`)
	capPairRE       = regexp.MustCompile(`^(-?[0-9.]+),(-?[0-9.]+)$`)
)

// capLatLon reads a "lat,lon" pair and checks it lies in Huangpu with the
// latitude first (31.x, 121.x).
func capLatLon(t *testing.T, s string) (lat, lon float64) {
	t.Helper()
	m := capPairRE.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%q is not lat,lon", s)
	}
	lat, _ = strconv.ParseFloat(m[1], 64)
	lon, _ = strconv.ParseFloat(m[2], 64)
	if lat < 31 || lat > 32 || lon < 121 || lon > 122 {
		t.Fatalf("%q does not read 31.x,121.x: lat and lon swapped or wrong", s)
	}
	return lat, lon
}

var (
	capRaised = time.Date(2026, 3, 10, 2, 15, 30, 250_000_000, time.UTC) // 10:15:30.25 Beijing time
	bundZone  = orb.Polygon{{                                            // unclosed on purpose: the CAP polygon must close it
		{121.4855, 31.2330}, {121.4880, 31.2330}, {121.4905, 31.2420}, {121.4880, 31.2420},
	}}
	capStations = map[city.Feed]city.Station{
		city.FeedAir: {ID: "air-shiwuchang", Feed: city.FeedAir, Name: "十五厂", Kind: city.KindAirStation,
			Location: orb.Point{121.478, 31.2036}, Attrs: map[string]string{city.AttrStreet: "半淞园路街道"}},
		city.FeedWater: {ID: "water-shiliupu", Feed: city.FeedWater, Name: "黄浦江十六铺", Kind: city.KindWaterSection,
			Location: orb.Point{121.4969, 31.2302}},
		city.FeedNoise: {ID: "noise-nanjingdonglu", Feed: city.FeedNoise, Name: "南京东路", Kind: city.KindNoiseStation,
			Location: orb.Point{121.4780, 31.2384}, Attrs: map[string]string{city.AttrStreet: "南京东路街道"}},
		city.FeedFire: {ID: "fire-smoke-001", Feed: city.FeedFire, Name: "独立式烟感 001", Kind: city.KindSmokeDetector,
			Location: orb.Point{121.4801, 31.2290}},
		city.FeedCrowd: {ID: "crowd-waitan-binshui", Feed: city.FeedCrowd, Name: "外滩滨水区", Kind: city.KindCrowdZone,
			Location: orb.Point{121.4880, 31.2375}, Area: bundZone, Attrs: map[string]string{city.AttrStreet: "外滩街道"}},
	}
	capConditions = map[city.Feed]city.Condition{
		city.FeedAir: city.CondAQI, city.FeedWater: city.CondWaterClass, city.FeedNoise: city.CondNoiseNight,
		city.FeedFire: city.CondFireAlarm, city.FeedCrowd: city.CondCrowdDensity,
	}
)

// capAlert makes an alert of feed f in the given state, with its steps.
func capAlert(f city.Feed, sev city.Severity, state city.AlertState) (city.Alert, []city.Step) {
	st := capStations[f]
	c := capConditions[f]
	a := city.Alert{
		ID: city.AlertID(st.ID, c, capRaised), Station: st.ID, Feed: f, Condition: c, Severity: sev,
		State: city.StateRaised, Began: capRaised.Add(-5 * time.Minute), Raised: capRaised, Updated: capRaised,
		Value: 3.7, Unit: "x", Message: c.Name() + " 测试", MessageEN: c.NameEN() + " test",
	}
	steps := []city.Step{{Alert: a.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Time: capRaised}}
	apply := func(s city.Step) {
		s.Alert = a.ID
		n, err := a.Apply(s)
		if err != nil {
			panic(err)
		}
		a = n
		steps = append(steps, s)
	}
	t := capRaised
	next := func() time.Time { t = t.Add(90 * time.Second); return t }
	switch state {
	case city.StateDispatched:
		apply(city.Step{Kind: city.StepAcknowledge, Officer: "王伟", Time: next()})
		apply(city.Step{Kind: city.StepDispatch, Officer: "王伟", Team: "外滩中队", Note: "<到场> & 核实", Time: next()})
	case city.StateClosed:
		apply(city.Step{Kind: city.StepDispatch, Officer: "王伟", Team: "外滩中队", Time: next()})
		apply(city.Step{Kind: city.StepResolve, Officer: "李娜", Time: next()})
		apply(city.Step{Kind: city.StepVerify, Officer: "王伟", Time: next()})
		apply(city.Step{Kind: city.StepClose, Officer: "王伟", Time: next()})
	case city.StateAutoCleared:
		a.State, a.Cleared, a.Updated = city.StateAutoCleared, next(), t
		steps = append(steps, city.Step{Alert: a.ID, Kind: city.StepClear, Officer: city.SystemOfficer, Time: t})
	}
	return a, steps
}

func TestCAPAlertValidatesForEveryFeed(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		feed                             city.Feed
		sev                              city.Severity
		state                            city.AlertState
		msgType, severity, urgency, cat  string
		polygon                          bool
		wantCircleRadius, wantAreaInDesc string
	}{
		{city.FeedAir, city.SeverityMajor, city.StateRaised, "Alert", "Moderate", "Expected", "Env", false, "2", "黄浦区半淞园路街道 十五厂"},
		{city.FeedAir, city.SeverityCritical, city.StateDispatched, "Update", "Severe", "Immediate", "Env", false, "2", "十五厂"},
		{city.FeedWater, city.SeverityMajor, city.StateClosed, "Cancel", "Moderate", "Past", "Env", false, "0.5", "黄浦区 黄浦江十六铺"},
		{city.FeedNoise, city.SeverityMinor, city.StateAutoCleared, "Cancel", "Minor", "Past", "Env", false, "0.2", "南京东路街道"},
		{city.FeedFire, city.SeverityCritical, city.StateRaised, "Alert", "Severe", "Immediate", "Fire", false, "0.05", "独立式烟感 001"},
		{city.FeedFire, city.SeverityCritical, city.StateDispatched, "Update", "Severe", "Immediate", "Fire", false, "0.05", "独立式烟感 001"},
		{city.FeedCrowd, city.SeverityMajor, city.StateRaised, "Alert", "Moderate", "Immediate", "Safety", true, "", "黄浦区外滩街道 外滩滨水区"},
		{city.FeedCrowd, city.SeverityCritical, city.StateClosed, "Cancel", "Severe", "Past", "Safety", true, "", "外滩滨水区"},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%s-%s", tc.feed, tc.state), func(t *testing.T) {
			a, steps := capAlert(tc.feed, tc.sev, tc.state)
			b, err := city.CAPAlert(a, capStations[tc.feed], steps, city.CAPOptions{})
			if err != nil {
				t.Fatalf("CAPAlert: %v", err)
			}
			path := filepath.Join(dir, fmt.Sprintf("cap-%d.cap", i))
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			xmllintValidate(t, capXSD, path)

			doc := parseCAP(t, b)
			if doc.XMLName.Space != city.CAPNamespace || doc.XMLName.Local != "alert" {
				t.Errorf("root = %v, want alert in %s", doc.XMLName, city.CAPNamespace)
			}
			if !capIdentifierRE.MatchString(doc.Identifier) || !strings.HasPrefix(doc.Identifier, "31010100000000_") || len(doc.Identifier) != 31 {
				t.Errorf("identifier = %q, want 31010100000000_YYYYMMDDhhmmss_N (31 characters)", doc.Identifier)
			}
			if doc.Sender != "onescreen@310101" || doc.Status != "Actual" || doc.Scope != "Restricted" {
				t.Errorf("sender, status, scope = %q, %q, %q; want onescreen@310101, Actual, Restricted", doc.Sender, doc.Status, doc.Scope)
			}
			if !capTimeRE.MatchString(doc.Sent) {
				t.Errorf("sent = %q: want YYYY-MM-DDThh:mm:ss+08:00 without Z or fractions", doc.Sent)
			}
			wantSent := a.Raised
			if tc.msgType != "Alert" {
				wantSent = a.Updated
			}
			if got, want := doc.Sent, wantSent.In(city.Shanghai).Truncate(time.Second).Format("2006-01-02T15:04:05+08:00"); got != want {
				t.Errorf("sent = %s, want %s", got, want)
			}
			if !strings.Contains(doc.Identifier, "_"+wantSent.In(city.Shanghai).Format("20060102150405")+"_") {
				t.Errorf("identifier %s does not carry the sent time in Beijing time", doc.Identifier)
			}
			if doc.MsgType != tc.msgType {
				t.Errorf("msgType = %s, want %s", doc.MsgType, tc.msgType)
			}
			if tc.msgType == "Alert" {
				if doc.References != "" {
					t.Errorf("references = %q on an Alert", doc.References)
				}
			} else {
				parts := strings.Split(doc.References, ",")
				if len(parts) != 3 || parts[0] != doc.Sender || parts[1] != "31010100000000_20260310101530_0" || parts[2] != "2026-03-10T10:15:30+08:00" {
					t.Errorf("references = %q, want sender,31010100000000_20260310101530_0,2026-03-10T10:15:30+08:00", doc.References)
				}
			}
			if len(doc.Infos) != 2 || doc.Infos[0].Language != "zh-CN" || doc.Infos[1].Language != "en-US" {
				t.Fatalf("infos: want zh-CN then en-US, got %d", len(doc.Infos))
			}
			for _, in := range doc.Infos {
				if len(in.Category) != 1 || in.Category[0] != tc.cat {
					t.Errorf("%s category = %v, want %s", in.Language, in.Category, tc.cat)
				}
				if in.Severity != tc.severity || in.Urgency != tc.urgency || in.Certainty != "Observed" {
					t.Errorf("%s severity, urgency, certainty = %s, %s, %s; want %s, %s, Observed", in.Language,
						in.Severity, in.Urgency, in.Certainty, tc.severity, tc.urgency)
				}
				if got := in.Onset; got != "2026-03-10T10:10:30+08:00" {
					t.Errorf("%s onset = %q, want the second the condition began", in.Language, got)
				}
				if cancel := tc.msgType == "Cancel"; cancel != (len(in.ResponseType) == 1 && in.ResponseType[0] == "AllClear") {
					t.Errorf("%s responseType = %v for a %s", in.Language, in.ResponseType, tc.msgType)
				}
				if len(in.Areas) != 1 {
					t.Fatalf("%s: %d areas, want 1", in.Language, len(in.Areas))
				}
				ar := in.Areas[0]
				if !strings.Contains(ar.Desc, capStations[tc.feed].Name) {
					t.Errorf("%s areaDesc %q lacks the station name", in.Language, ar.Desc)
				}
				if tc.polygon {
					if len(ar.Polygons) != 1 || len(ar.Circles) != 0 {
						t.Fatalf("%s: zone wants one polygon and no circle, got %v %v", in.Language, ar.Polygons, ar.Circles)
					}
					pts := strings.Fields(ar.Polygons[0])
					if len(pts) < 4 || pts[0] != pts[len(pts)-1] {
						t.Errorf("polygon %q is not closed with at least 4 points", ar.Polygons[0])
					}
					for j, p := range pts {
						lat, lon := capLatLon(t, p)
						if j < len(bundZone[0]) && (lat != bundZone[0][j][1] || lon != bundZone[0][j][0]) {
							t.Errorf("polygon point %d = %s, want %v,%v", j, p, bundZone[0][j][1], bundZone[0][j][0])
						}
					}
				} else {
					if len(ar.Circles) != 1 || len(ar.Polygons) != 0 {
						t.Fatalf("%s: point wants one circle and no polygon, got %v %v", in.Language, ar.Circles, ar.Polygons)
					}
					f := strings.Fields(ar.Circles[0])
					if len(f) != 2 || f[1] != tc.wantCircleRadius {
						t.Errorf("circle = %q, want lat,lon %s", ar.Circles[0], tc.wantCircleRadius)
					}
					lat, lon := capLatLon(t, f[0])
					if loc := capStations[tc.feed].Location; lat != loc[1] || lon != loc[0] {
						t.Errorf("circle centre %s, want %v,%v", f[0], loc[1], loc[0])
					}
				}
			}
			if got := doc.Infos[0].Areas[0].Desc; !strings.Contains(got, tc.wantAreaInDesc) {
				t.Errorf("zh areaDesc = %q, want it to contain %q", got, tc.wantAreaInDesc)
			}
			zh, en := doc.Infos[0], doc.Infos[1]
			if !strings.Contains(zh.Description, a.Message) || !strings.Contains(en.Description, a.MessageEN) {
				t.Errorf("descriptions do not carry the messages:\n%s\n%s", zh.Description, en.Description)
			}
			if zh.Event != a.Condition.Name() || en.Event != a.Condition.NameEN() {
				t.Errorf("events = %q, %q", zh.Event, en.Event)
			}
			if tc.state == city.StateDispatched && (!strings.Contains(zh.Description, "派遣（王伟，外滩中队）：<到场> & 核实") || !strings.Contains(en.Description, "dispatch by 王伟, team 外滩中队")) {
				t.Errorf("history missing from descriptions:\n%s\n%s", zh.Description, en.Description)
			}
			var gotID string
			for _, p := range zh.Parameters {
				if p.Name == "alert_id" {
					gotID = p.Value
				}
			}
			if gotID != a.ID {
				t.Errorf("alert_id parameter = %q, want %q", gotID, a.ID)
			}
			// No Z and no fractions anywhere a time is written.
			for _, tm := range []string{doc.Sent, zh.Onset, en.Onset} {
				if strings.ContainsAny(tm, "Z.") {
					t.Errorf("time %q has a Z or fractions", tm)
				}
			}
		})
	}
}

// The schema check can fail: a time in UTC with Z is rejected.
func TestXMLLintRejectsZTime(t *testing.T) {
	a, steps := capAlert(city.FeedAir, city.SeverityMajor, city.StateRaised)
	b, err := city.CAPAlert(a, capStations[city.FeedAir], steps, city.CAPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`<sent>[^<]*</sent>`).ReplaceAll(b, []byte("<sent>2026-03-10T02:15:30Z</sent>"))
	path := filepath.Join(t.TempDir(), "bad.cap")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", capXSD, path).CombinedOutput(); err == nil {
		t.Fatalf("xmllint accepted a sent time with Z:\n%s", out)
	}
}

func TestCAPAlertOptions(t *testing.T) {
	a, steps := capAlert(city.FeedAir, city.SeverityMajor, city.StateRaised)
	st := capStations[city.FeedAir]
	opts := city.CAPOptions{AdminCode: "310105", BodyCode: "123", UnitCode: "004", Extension: "07",
		Status: city.CAPExercise, Scope: city.CAPPrivate, Addresses: "ops@310105", Note: "演练",
		Issue: city.CAPIssue{Entered: capRaised.Add(2 * time.Second), N: 3}}
	b, err := city.CAPAlert(a, st, steps, opts)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "opts.cap")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	xmllintValidate(t, capXSD, path)
	doc := parseCAP(t, b)
	if got, want := doc.Identifier, "31010512300407_20260310101532_3"; got != want {
		t.Errorf("identifier = %s, want %s", got, want)
	}
	if doc.Sender != "onescreen@310105" || doc.Status != "Exercise" || doc.Scope != "Private" || doc.Sent != "2026-03-10T10:15:32+08:00" {
		t.Errorf("sender, status, scope, sent = %s, %s, %s, %s", doc.Sender, doc.Status, doc.Scope, doc.Sent)
	}
	for _, want := range []string{"<addresses>ops@310105</addresses>", "<note>演练</note>", "<value>310105</value>"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("output lacks %s", want)
		}
	}
	if bytes.Contains(b, []byte("<restriction>")) {
		t.Error("a Private message carries a restriction")
	}
}

// A NaN value is the cache's "no value": it is left out, not written as
// NaN; so is a value without a unit (the engine's alarms carry a bare 0).
func TestCAPAlertWithoutValue(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value float64
		unit  string
	}{{"NaN", math.NaN(), "AQI"}, {"no unit", 0, ""}} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := capAlert(city.FeedAir, city.SeverityMajor, city.StateRaised)
			a.Value, a.Unit, a.Message, a.MessageEN = tc.value, tc.unit, "", ""
			b, err := city.CAPAlert(a, capStations[city.FeedAir], nil, city.CAPOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("<valueName>value</valueName>")) {
				t.Errorf("a missing value was written:\n%s", b)
			}
			doc := parseCAP(t, b)
			if got := strings.SplitN(doc.Infos[0].Description, "\n", 2)[0]; got != "空气质量污染" {
				t.Errorf("description starts %q, want the condition alone", got)
			}
			if got := strings.SplitN(doc.Infos[1].Description, "\n", 2)[0]; got != "Air pollution" {
				t.Errorf("English description starts %q, want the condition alone", got)
			}
		})
	}
}

// An update in the same second as its raise still gets its own identifier.
func TestCAPAlertUpdateSameSecond(t *testing.T) {
	a, _ := capAlert(city.FeedAir, city.SeverityMajor, city.StateRaised)
	a.Updated = a.Raised.Add(300 * time.Millisecond)
	b, err := city.CAPAlert(a, capStations[city.FeedAir], nil, city.CAPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	doc := parseCAP(t, b)
	if doc.MsgType != "Update" || doc.Identifier != "31010100000000_20260310101530_1" ||
		doc.References != "onescreen@310101,31010100000000_20260310101530_0,2026-03-10T10:15:30+08:00" {
		t.Errorf("msgType %s identifier %s references %s", doc.MsgType, doc.Identifier, doc.References)
	}
}

func TestCAPAlertRejectsBadInput(t *testing.T) {
	good, steps := capAlert(city.FeedAir, city.SeverityMajor, city.StateRaised)
	st := capStations[city.FeedAir]
	zone := capStations[city.FeedCrowd]
	zoneAlert, _ := capAlert(city.FeedCrowd, city.SeverityMajor, city.StateRaised)
	tests := []struct {
		name  string
		alert func(*city.Alert)
		st    func(*city.Station)
		steps []city.Step
		opts  city.CAPOptions
		zone  bool
		want  string
	}{
		{name: "empty alert ID", alert: func(a *city.Alert) { a.ID = " " }, want: "alert has no ID"},
		{name: "empty station ID", st: func(s *city.Station) { s.ID = "" }, want: "station has no ID"},
		{name: "other station", alert: func(a *city.Alert) { a.Station = "air-x" }, want: "not \"air-shiwuchang\""},
		{name: "feed mismatch", st: func(s *city.Station) { s.Feed = city.FeedWater }, want: "differs from station feed"},
		{name: "unknown feed", alert: func(a *city.Alert) { a.Feed = "smell" }, want: "feed \"smell\" is unknown"},
		{name: "unknown condition", alert: func(a *city.Alert) { a.Condition = "vibes" }, want: "condition \"vibes\" is unknown"},
		{name: "bad severity", alert: func(a *city.Alert) { a.Severity = 9 }, want: "severity 9"},
		{name: "bad state", alert: func(a *city.Alert) { a.State = "lost" }, want: "state \"lost\""},
		{name: "no raise time", alert: func(a *city.Alert) { a.Raised = time.Time{} }, want: "raised: no time"},
		{name: "updated before raised", alert: func(a *city.Alert) { a.Updated = a.Raised.Add(-time.Hour) }, want: "is before raised"},
		{name: "infinite value", alert: func(a *city.Alert) { a.Value = math.Inf(1) }, want: "value +Inf"},
		{name: "NaN location", st: func(s *city.Station) { s.Location = orb.Point{math.NaN(), 31.2} }, want: "not a number"},
		{name: "latitude beyond the pole", st: func(s *city.Station) { s.Location = orb.Point{121.4, 95} }, want: "outside the globe"},
		{name: "longitude beyond 180", st: func(s *city.Station) { s.Location = orb.Point{221.4, 31} }, want: "outside the globe"},
		{name: "missing location", st: func(s *city.Station) { s.Location = orb.Point{} }, want: "neither an area nor a location"},
		{name: "step for another alert", steps: []city.Step{{Alert: "x", Kind: city.StepRaise, Time: capRaised}}, want: "step 1 is for alert \"x\""},
		{name: "step without time", steps: []city.Step{{Alert: good.ID, Kind: city.StepRaise}}, want: "step 1 (raise): no time"},
		{name: "short admin code", opts: city.CAPOptions{AdminCode: "3101"}, want: "admin code \"3101\" is not 6 digits"},
		{name: "letters in body code", opts: city.CAPOptions{BodyCode: "ab1"}, want: "body code"},
		{name: "sender with a space", opts: city.CAPOptions{Sender: "one screen"}, want: "sender"},
		{name: "bad status", opts: city.CAPOptions{Status: "Real"}, want: "status \"Real\""},
		{name: "private without addresses", opts: city.CAPOptions{Scope: city.CAPPrivate}, want: "needs addresses"},
		{name: "number 10", opts: city.CAPOptions{Issue: city.CAPIssue{Entered: capRaised, N: 10}}, want: "not 0–9"},
		{name: "degenerate zone", zone: true, st: func(s *city.Station) {
			s.Area = orb.Polygon{{{121.48, 31.23}, {121.49, 31.24}, {121.48, 31.23}}}
		}, want: "2 distinct points"},
		{name: "zone with an impossible point", zone: true, st: func(s *city.Station) {
			s.Area = orb.Polygon{{{121.48, 31.23}, {121.49, 31.24}, {121.49, -91}}}
		}, want: "polygon point 2"},
		{name: "zone with an empty polygon", zone: true, st: func(s *city.Station) { s.Area = orb.Polygon{{}} }, want: "0 distinct points"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, s := good, st
			if tc.zone {
				a, s = zoneAlert, zone
			}
			s.Attrs = map[string]string{}
			if tc.alert != nil {
				tc.alert(&a)
			}
			if tc.st != nil {
				tc.st(&s)
			}
			stp := steps
			if tc.zone {
				stp = nil
			}
			if tc.steps != nil {
				stp = tc.steps
			}
			b, err := city.CAPAlert(a, s, stp, tc.opts)
			if err == nil {
				t.Fatalf("no error; got %d bytes", len(b))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v\nwant it to mention %q", err, tc.want)
			}
		})
	}
}

func TestCAPPolygonSwapsAndCloses(t *testing.T) {
	tests := []struct {
		name string
		in   orb.Polygon
		want string
	}{
		{"open ring is closed", orb.Polygon{{{121.1, 31.1}, {121.2, 31.1}, {121.2, 31.2}}},
			"31.1,121.1 31.1,121.2 31.2,121.2 31.1,121.1"},
		{"closed ring stays", orb.Polygon{{{121.1, 31.1}, {121.2, 31.1}, {121.2, 31.2}, {121.1, 31.1}}},
			"31.1,121.1 31.1,121.2 31.2,121.2 31.1,121.1"},
		{"hole left out", orb.Polygon{{{121.1, 31.1}, {121.3, 31.1}, {121.3, 31.3}, {121.1, 31.1}}, {{121.15, 31.12}, {121.2, 31.12}, {121.2, 31.15}}},
			"31.1,121.1 31.1,121.3 31.3,121.3 31.1,121.1"},
		{"rounded to 1e-7", orb.Polygon{{{121.123456789, 31.1}, {121.2, 31.1}, {121.2, 31.2}}},
			"31.1,121.1234568 31.1,121.2 31.2,121.2 31.1,121.1234568"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := city.CAPPolygon(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if _, err := city.CAPCircle(orb.Point{121.4, 31.2}, -1); err == nil {
		t.Error("negative radius accepted")
	}
	if got, _ := city.CAPCircle(orb.Point{121.4, 31.2}, 0.5); got != "31.2,121.4 0.5" {
		t.Errorf("circle = %q, want 31.2,121.4 0.5", got)
	}
}

func TestNumberCAP(t *testing.T) {
	base := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	var alerts []city.Alert
	// Twelve alerts raised in the same second: numbers 0–9, then the next second.
	for i := 0; i < 12; i++ {
		st := fmt.Sprintf("s%02d", i)
		alerts = append(alerts, city.Alert{ID: city.AlertID(st, city.CondAQI, base), Station: st, Raised: base.Add(time.Duration(i) * time.Millisecond),
			Updated: base, State: city.StateRaised})
	}
	// One updated a second later, one closed in the same second as its raise.
	alerts[0].Updated, alerts[0].State = base.Add(time.Second), city.StateAcknowledged
	alerts[1].Updated, alerts[1].State = base.Add(500*time.Millisecond), city.StateClosed

	got, err := city.NumberCAP(alerts)
	if err != nil {
		t.Fatal(err)
	}
	at := func(sec, n int) city.CAPIssue {
		return city.CAPIssue{Entered: base.Add(time.Duration(sec) * time.Second), N: n}
	}
	// Messages sort by second, then ID: second 0 holds s00 raise, s01
	// raise, s01 cancel and the raises of s02…s08 (ten in all); the raises
	// of s09…s11 and then s00's update move to second 1.
	want := map[string]city.CAPIssues{
		alerts[0].ID:  {Raise: at(0, 0), Current: at(1, 3)},
		alerts[1].ID:  {Raise: at(0, 1), Current: at(0, 2)},
		alerts[2].ID:  {Raise: at(0, 3), Current: at(0, 3)},
		alerts[8].ID:  {Raise: at(0, 9), Current: at(0, 9)},
		alerts[9].ID:  {Raise: at(1, 0), Current: at(1, 0)},
		alerts[10].ID: {Raise: at(1, 1), Current: at(1, 1)},
		alerts[11].ID: {Raise: at(1, 2), Current: at(1, 2)},
	}
	for id, w := range want {
		g := got[id]
		if !g.Raise.Entered.Equal(w.Raise.Entered) || g.Raise.N != w.Raise.N || !g.Current.Entered.Equal(w.Current.Entered) || g.Current.N != w.Current.N {
			t.Errorf("%s: got raise %v/%d current %v/%d, want raise %v/%d current %v/%d", id,
				g.Raise.Entered.Unix()-base.Unix(), g.Raise.N, g.Current.Entered.Unix()-base.Unix(), g.Current.N,
				w.Raise.Entered.Unix()-base.Unix(), w.Raise.N, w.Current.Entered.Unix()-base.Unix(), w.Current.N)
		}
	}
	// Every message has its own identifier.
	opts := city.DefaultCAPOptions()
	seen := map[string]bool{}
	for _, is := range got {
		msgs := []city.CAPIssue{is.Raise}
		if is.Current != is.Raise {
			msgs = append(msgs, is.Current)
		}
		for _, m := range msgs {
			ident, err := opts.Identifier(m)
			if err != nil {
				t.Fatal(err)
			}
			if seen[ident] {
				t.Errorf("identifier %s given twice", ident)
			}
			seen[ident] = true
		}
	}
	if len(seen) != 14 {
		t.Errorf("%d identifiers, want 14 (12 raises, an update and a cancel)", len(seen))
	}
	// The same alerts in another order get the same numbers.
	rev := append([]city.Alert(nil), alerts...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	again, err := city.NumberCAP(rev)
	if err != nil {
		t.Fatal(err)
	}
	for id := range got {
		if got[id] != again[id] {
			t.Errorf("%s numbered %v, then %v", id, got[id], again[id])
		}
	}

	if _, err := city.NumberCAP([]city.Alert{alerts[0], alerts[0]}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("repeated ID: err = %v", err)
	}
	if _, err := city.NumberCAP([]city.Alert{{ID: "x"}}); err == nil || !strings.Contains(err.Error(), "no time") {
		t.Errorf("no raise time: err = %v", err)
	}
}

func TestParseCAPStatus(t *testing.T) {
	for in, want := range map[string]city.CAPStatus{"actual": city.CAPActual, " Exercise ": city.CAPExercise, "TEST": city.CAPTest} {
		if got, err := city.ParseCAPStatus(in); err != nil || got != want {
			t.Errorf("ParseCAPStatus(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := city.ParseCAPStatus("real"); err == nil {
		t.Error("ParseCAPStatus(real) gave no error")
	}
}
