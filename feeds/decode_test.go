package feeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"onescreen/city"
)

// testNow is the receiver's clock in these tests.
var testNow = time.Date(2026, 8, 14, 10, 0, 0, 0, city.Shanghai)

// testZone is a crowd zone on the Bund, closed ring, about 80 m × 110 m.
var testZone = orb.Polygon{{{121.4900, 31.2400}, {121.4910, 31.2400}, {121.4910, 31.2410}, {121.4900, 31.2410}, {121.4900, 31.2400}}}

// testStations are described in every validator made by testValidator.
var testStations = []city.Station{
	{ID: "air-1", Feed: city.FeedAir, Name: "黄浦空气站", Kind: city.KindAirStation, Location: orb.Point{121.4800, 31.2300}},
	{ID: "water-1", Feed: city.FeedWater, Name: "苏州河断面", Kind: city.KindWaterSection, Location: orb.Point{121.4850, 31.2450},
		Attrs: map[string]string{city.AttrTargetClass: "III", city.AttrWaterBody: "river"}},
	{ID: "noise-1", Feed: city.FeedNoise, Name: "南京路噪声站", Kind: city.KindNoiseStation, Location: orb.Point{121.4750, 31.2350},
		Attrs: map[string]string{city.AttrZoneClass: "4a"}},
	{ID: "smoke-1", Feed: city.FeedFire, Name: "烟感 1", Kind: city.KindSmokeDetector, Location: orb.Point{121.4760, 31.2310}},
	{ID: "zone-1", Feed: city.FeedCrowd, Name: "外滩观景平台", Kind: city.KindCrowdZone, Location: orb.Point{121.4905, 31.2405}, Area: testZone,
		Attrs: map[string]string{city.AttrCapacity: "20000"}},
}

func testValidator(opts ...ValidatorOption) *Validator {
	v := NewValidator(append([]ValidatorOption{WithClock(func() time.Time { return testNow })}, opts...)...)
	for _, st := range testStations {
		v.Know(st)
	}
	return v
}

// readingJSON builds a reading message; mods edit the reading object.
func readingJSON(feed, station string, seq uint64, at time.Time, values string) string {
	return fmt.Sprintf(`{"v":1,"type":"reading","reading":{"feed":%q,"seq":%d,"station":%q,"time":%q,"values":%s}}`,
		feed, seq, station, at.Format(time.RFC3339Nano), values)
}

func stationJSON(feed, id, kind, geometry, attrs string) string {
	s := fmt.Sprintf(`{"v":1,"type":"station","station":{"id":%q,"feed":%q,"name":"测试站","kind":%q,"geometry":%s`, id, feed, kind, geometry)
	if attrs != "" {
		s += `,"attrs":` + attrs
	}
	return s + "}}"
}

const (
	goodPoint   = `{"type":"Point","coordinates":[121.48,31.23]}`
	goodPolygon = `{"type":"Polygon","coordinates":[[[121.49,31.24],[121.491,31.24],[121.491,31.241],[121.49,31.241],[121.49,31.24]]]}`
	airValues   = `{"pm25":{"v":35,"unit":"µg/m³"}}`
)

// judge decodes and validates one message the way the client does.
func judge(v *Validator, raw string) (any, error) {
	env, err := Decode([]byte(raw))
	if err != nil {
		return nil, err
	}
	switch env.Type {
	case TypeReading:
		return v.Reading(env.Reading)
	case TypeStation:
		return v.Station(env.Station)
	case TypeGap:
		return nil, v.Gap(env.Gap)
	case TypeAction:
		return nil, v.Action(env.Action)
	}
	return env, nil
}

func TestRejections(t *testing.T) {
	now := testNow
	many := strings.Repeat(`{"v":1,"type":"heartbeat","epoch":"e"},`, MaxBatchMessages)
	tests := []struct {
		name     string
		raw      string
		opts     []ValidatorOption
		kind     error
		feed     string // the feed the rejection is reported against
		inReason string
	}{
		// decoding
		{"empty", ``, nil, ErrMalformed, "", "empty"},
		{"malformed JSON", `{"v":1,"type":"reading",`, nil, ErrMalformed, "", "malformed JSON"},
		{"not an object", `[1,2,3]`, nil, ErrMalformed, "", "array"},
		{"trailing data", `{"v":1,"type":"heartbeat","epoch":"e"} {}`, nil, ErrMalformed, "", "trailing"},
		{"unknown field", `{"v":1,"type":"heartbeat","epoch":"e","colour":"red"}`, nil, ErrMalformed, "", `unknown field "colour"`},
		{"seq as string", strings.Replace(readingJSON("air", "air-1", 1, now, airValues), `"seq":1`, `"seq":"1"`, 1), nil, ErrMalformed, "air", "reading.seq"},
		{"value as string", readingJSON("air", "air-1", 1, now, `{"pm25":{"v":"35","unit":"µg/m³"}}`), nil, ErrMalformed, "air", "JSON number"},
		{"value null", readingJSON("air", "air-1", 1, now, `{"pm25":{"v":null,"unit":"µg/m³"}}`), nil, ErrMalformed, "air", "JSON number"},
		{"values as array", readingJSON("air", "air-1", 1, now, `[35]`), nil, ErrMalformed, "air", "reading.values"},
		{"negative seq", strings.Replace(readingJSON("air", "air-1", 1, now, airValues), `"seq":1`, `"seq":-1`, 1), nil, ErrMalformed, "air", "reading.seq"},
		{"missing version", `{"type":"heartbeat","epoch":"e"}`, nil, ErrVersion, "", `missing protocol version`},
		{"future version", `{"v":2,"type":"heartbeat","epoch":"e"}`, nil, ErrVersion, "", "version 2"},
		{"version as string", `{"v":"1","type":"heartbeat","epoch":"e"}`, nil, ErrMalformed, "", "field v"},
		{"unknown type", `{"v":1,"type":"weather"}`, nil, ErrUnknownType, "", `"weather"`},
		{"missing type", `{"v":1}`, nil, ErrMalformed, "", `missing message "type"`},
		{"reading without reading", `{"v":1,"type":"reading"}`, nil, ErrMalformed, "", `without "reading"`},
		{"stray part", `{"v":1,"type":"heartbeat","epoch":"e","gap":{"feed":"air","from":1,"to":2}}`, nil, ErrMalformed, "air", `"gap" part`},
		{"huge batch", `{"v":1,"type":"batch","messages":[` + many + `{"v":1,"type":"heartbeat","epoch":"e"}]}`, nil, ErrMalformed, "", "batch of 1025"},
		{"hello without epoch", `{"v":1,"type":"hello"}`, nil, ErrMalformed, "", `"epoch"`},

		// readings
		{"unknown feed", readingJSON("traffic", "air-1", 1, now, airValues), nil, ErrUnknownFeed, "", `"traffic"`},
		{"seq zero", readingJSON("air", "air-1", 0, now, airValues), nil, ErrField, "air", "seq"},
		{"infinite value", readingJSON("air", "air-1", 1, now, `{"pm25":{"v":1e999,"unit":"µg/m³"}}`), nil, ErrNotFinite, "air", "1e999"},
		{"minus infinite value", readingJSON("air", "air-1", 1, now, `{"pm25":{"v":-1e999,"unit":"µg/m³"}}`), nil, ErrNotFinite, "air", "not a finite number"},
		{"missing time", strings.Replace(readingJSON("air", "air-1", 1, now, airValues), `"time":"2026-08-14T10:00:00+08:00",`, ``, 1), nil, ErrTime, "air", "missing observation time"},
		{"time without zone", strings.Replace(readingJSON("air", "air-1", 1, now, airValues), `+08:00`, ``, 1), nil, ErrTime, "air", "zone offset"},
		{"time in 1970", readingJSON("air", "air-1", 1, time.Unix(0, 0), airValues), nil, ErrTime, "air", "before 2000"},
		{"time 6 min ahead", readingJSON("air", "air-1", 1, now.Add(6*time.Minute), airValues), nil, ErrFuture, "air", "6m0s ahead"},
		{"time 2 min ahead, 1 min tolerance", readingJSON("air", "air-1", 1, now.Add(2*time.Minute), airValues), []ValidatorOption{WithFutureTolerance(time.Minute)}, ErrFuture, "air", "limit 1m0s"},
		{"unknown parameter", readingJSON("air", "air-1", 1, now, `{"pm1":{"v":3,"unit":"µg/m³"}}`), nil, ErrUnknownParam, "air", `"pm1"`},
		{"unknown HJ 212 code", readingJSON("water", "water-1", 1, now, `{"w01014":{"v":3,"unit":"uS/cm"}}`), nil, ErrUnknownParam, "water", `"w01014"`},
		{"parameter of another feed", readingJSON("air", "air-1", 1, now, `{"ph":{"v":7,"unit":"pH"}}`), nil, ErrParamNotInFeed, "air", "ph is not measured by the air feed"},
		{"wrong unit", readingJSON("air", "air-1", 1, now, `{"pm25":{"v":0.035,"unit":"mg/m3"}}`), nil, ErrUnit, "air", `"mg/m3" is wrong for pm25 (want µg/m³)`},
		{"missing unit", readingJSON("air", "air-1", 1, now, `{"pm25":{"v":35}}`), nil, ErrUnit, "air", "without a unit"},
		{"decibels for pH", readingJSON("water", "water-1", 1, now, `{"w01001":{"v":7,"unit":"dB"}}`), nil, ErrUnit, "water", "w01001"},
		{"station never described", readingJSON("air", "air-99", 1, now, airValues), nil, ErrUnknownStation, "air", "never described"},
		{"station of another feed", readingJSON("water", "air-1", 1, now, `{"ph":{"v":7,"unit":"pH"}}`), nil, ErrKind, "water", "belongs to the air feed"},
		{"parameter twice", readingJSON("air", "air-1", 1, now, `{"pm25":{"v":35,"unit":"µg/m³"},"a34004":{"v":36,"unit":"µg/m³"}}`), nil, ErrField, "air", "given twice"},
		{"event on air", strings.Replace(readingJSON("air", "air-1", 1, now, airValues), `"values":`, `"event":"alarm","values":`, 1), nil, ErrField, "air", "only fire devices"},
		{"unknown fire event", strings.Replace(readingJSON("fire", "smoke-1", 1, now, `{}`), `"values":{}`, `"event":"explosion"`, 1), nil, ErrField, "fire", "unknown fire event"},
		{"no values, no event", readingJSON("air", "air-1", 1, now, `{}`), nil, ErrField, "air", "neither values nor an event"},
		{"impossible pH", readingJSON("water", "water-1", 1, now, `{"ph":{"v":15,"unit":"pH"}}`), nil, ErrValue, "water", "impossible"},
		{"negative count", readingJSON("crowd", "zone-1", 1, now, `{"count":{"v":-4,"unit":"persons"}}`), nil, ErrValue, "crowd", "impossible"},
		{"battery over 100", readingJSON("fire", "smoke-1", 1, now, `{"battery":{"v":140,"unit":"%"}}`), nil, ErrValue, "fire", "impossible"},

		// stations
		{"station outside bounds", stationJSON("air", "air-2", city.KindAirStation, `{"type":"Point","coordinates":[116.40,39.90]}`, ""), nil, ErrOutOfBounds, "air", "outside the plausible bounds"},
		{"station outside custom bounds", stationJSON("air", "air-2", city.KindAirStation, goodPoint, ""),
			[]ValidatorOption{WithBounds(city.Bounds{MinLon: 116, MinLat: 39.5, MaxLon: 117, MaxLat: 40.5})}, ErrOutOfBounds, "air", "lon 116..117"},
		{"lat lon swapped", stationJSON("air", "air-2", city.KindAirStation, `{"type":"Point","coordinates":[31.23,121.48]}`, ""), nil, ErrOutOfBounds, "air", "outside"},
		{"station unknown feed", stationJSON("traffic", "t-1", "camera", goodPoint, ""), nil, ErrUnknownFeed, "", `"traffic"`},
		{"kind of another feed", stationJSON("air", "air-2", city.KindHydrant, goodPoint, ""), nil, ErrKind, "air", `kind "hydrant"`},
		{"empty id", stationJSON("air", "", city.KindAirStation, goodPoint, ""), nil, ErrField, "air", "empty station id"},
		{"control character in id", strings.Replace(stationJSON("air", "air-2", city.KindAirStation, goodPoint, ""), `"air-2"`, `"air\u0007"`, 1), nil, ErrField, "air", "control character"},
		{"id too long", stationJSON("air", strings.Repeat("x", MaxIDLen+1), city.KindAirStation, goodPoint, ""), nil, ErrField, "air", "limit 128"},
		{"missing geometry", stationJSON("air", "air-2", city.KindAirStation, `null`, ""), nil, ErrGeometry, "air", "missing geometry"},
		{"line geometry", stationJSON("air", "air-2", city.KindAirStation, `{"type":"LineString","coordinates":[[121.48,31.23],[121.49,31.24]]}`, ""), nil, ErrGeometry, "air", `"LineString" not allowed`},
		{"point with one number", stationJSON("air", "air-2", city.KindAirStation, `{"type":"Point","coordinates":[121.48]}`, ""), nil, ErrGeometry, "air", "1 numbers"},
		{"infinite coordinate", stationJSON("air", "air-2", city.KindAirStation, `{"type":"Point","coordinates":[1e999,31.2]}`, ""), nil, ErrNotFinite, "air", "1e999"},
		{"coordinate as string", stationJSON("air", "air-2", city.KindAirStation, `{"type":"Point","coordinates":["121.48",31.2]}`, ""), nil, ErrGeometry, "air", "JSON number"},
		{"geometry unknown member", stationJSON("air", "air-2", city.KindAirStation, `{"type":"Point","coordinates":[121.48,31.23],"crs":"x"}`, ""), nil, ErrGeometry, "air", `unknown field "crs"`},
		{"crowd zone as point", stationJSON("crowd", "zone-2", city.KindCrowdZone, goodPoint, ""), nil, ErrGeometry, "crowd", "needs a Polygon"},
		{"air station as polygon", stationJSON("air", "air-2", city.KindAirStation, goodPolygon, ""), nil, ErrGeometry, "air", "is a Point"},
		{"open ring", stationJSON("crowd", "zone-2", city.KindCrowdZone, `{"type":"Polygon","coordinates":[[[121.49,31.24],[121.491,31.24],[121.491,31.241],[121.49,31.241]]]}`, ""), nil, ErrGeometry, "crowd", "not closed"},
		{"short ring", stationJSON("crowd", "zone-2", city.KindCrowdZone, `{"type":"Polygon","coordinates":[[[121.49,31.24],[121.491,31.24],[121.49,31.24]]]}`, ""), nil, ErrGeometry, "crowd", "3 positions"},
		{"flat ring", stationJSON("crowd", "zone-2", city.KindCrowdZone, `{"type":"Polygon","coordinates":[[[121.49,31.24],[121.491,31.24],[121.492,31.24],[121.49,31.24]]]}`, ""), nil, ErrGeometry, "crowd", "no area"},
		{"vertex outside bounds", stationJSON("crowd", "zone-2", city.KindCrowdZone, `{"type":"Polygon","coordinates":[[[121.49,31.24],[125,31.24],[121.491,31.241],[121.49,31.24]]]}`, ""), nil, ErrOutOfBounds, "crowd", "vertex"},
		{"bad zone class", stationJSON("noise", "noise-2", city.KindNoiseStation, goodPoint, `{"zone_class":"5"}`), nil, ErrField, "noise", `zone_class "5"`},
		{"bad target class", stationJSON("water", "water-2", city.KindWaterSection, goodPoint, `{"target_class":"VI"}`), nil, ErrField, "water", `target_class "VI"`},
		{"bad capacity", stationJSON("crowd", "zone-2", city.KindCrowdZone, goodPolygon, `{"capacity":"-3"}`), nil, ErrField, "crowd", "capacity"},
		{"attribute as number", stationJSON("crowd", "zone-2", city.KindCrowdZone, goodPolygon, `{"capacity":300}`), nil, ErrMalformed, "crowd", "station.attrs"},
		{"id of another feed", stationJSON("water", "air-1", city.KindWaterSection, goodPoint, ""), nil, ErrField, "water", "already describes a station of the air feed"},

		// gaps and actions
		{"gap backwards", `{"v":1,"type":"gap","gap":{"feed":"air","from":9,"to":3}}`, nil, ErrField, "air", "9..3"},
		{"gap unknown feed", `{"v":1,"type":"gap","gap":{"feed":"rain","from":1,"to":3}}`, nil, ErrUnknownFeed, "", `"rain"`},
		{"action without id", `{"v":1,"type":"action","action":{"id":"","alert":"a1","step":"acknowledge","officer":"王","time":"2026-08-14T10:00:00+08:00"}}`, nil, ErrField, "", "empty action id"},
		{"action bad time", `{"v":1,"type":"action","action":{"id":"x1","alert":"a1","step":"acknowledge","officer":"王","time":"yesterday"}}`, nil, ErrTime, "", "action time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := testValidator(tc.opts...)
			_, err := judge(v, tc.raw)
			if err == nil {
				t.Fatalf("accepted; want %v", tc.kind)
			}
			var re *RejectError
			if !errors.As(err, &re) {
				t.Fatalf("error %T %v is not a *RejectError", err, err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("kind: got %v, want %v", re.Err, tc.kind)
			}
			if re.Feed != tc.feed {
				t.Errorf("feed: got %q, want %q", re.Feed, tc.feed)
			}
			if !strings.Contains(re.Reason, tc.inReason) {
				t.Errorf("reason %q does not contain %q", re.Reason, tc.inReason)
			}
		})
	}
}

func TestReadingAccepted(t *testing.T) {
	v := testValidator()
	raw := readingJSON("air", "air-1", 7, testNow.Add(4*time.Minute),
		`{"a34004":{"v":35,"unit":"ug/m3"},"pm10":{"v":60.5,"unit":"μg/m³"},"A21005":{"v":0.8,"unit":"mg/m3"},"o3":{"v":12,"unit":"GQ"}}`)
	got, err := judge(v, raw)
	if err != nil {
		t.Fatal(err)
	}
	want := city.Reading{
		Feed: city.FeedAir, Station: "air-1", Seq: 7, Time: testNow.Add(4 * time.Minute),
		Values: []city.Measurement{
			{Param: "co", Value: 0.8, Unit: "mg/m³"}, {Param: "o3", Value: 12, Unit: "µg/m³"},
			{Param: "pm10", Value: 60.5, Unit: "µg/m³"}, {Param: "pm25", Value: 35, Unit: "µg/m³"},
		},
	}
	r := got.(city.Reading)
	if !r.Time.Equal(want.Time) {
		t.Errorf("time: got %v, want %v", r.Time, want.Time)
	}
	if _, off := r.Time.Zone(); off != 8*3600 {
		t.Errorf("zone offset: got %d s, want 28800 (kept as sent)", off)
	}
	r.Time = want.Time
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
}

func TestFIWAREAndUnitAliases(t *testing.T) {
	tests := []struct {
		feed, station, values string
		param                 string
		value                 float64
		unit                  string
	}{
		{"water", "water-1", `{"pH":{"v":7.2,"unit":"pH"}}`, "ph", 7.2, "pH"},
		{"water", "water-1", `{"O2":{"v":6.1,"unit":"mg/l"}}`, "do", 6.1, "mg/L"},
		{"water", "water-1", `{"temperature":{"v":21,"unit":"℃"}}`, "temp", 21, "°C"},
		{"water", "water-1", `{"w21003":{"v":0.4,"unit":"M1"}}`, "nh3n", 0.4, "mg/L"},
		{"noise", "noise-1", `{"LAeq":{"v":63,"unit":"dBA"}}`, "laeq", 63, "dB(A)"},
		{"noise", "noise-1", `{"LAmax":{"v":80,"unit":"dB"}}`, "lmax", 80, "dB(A)"},
		{"crowd", "zone-1", `{"peopleCount":{"v":1200,"unit":"人"}}`, "count", 1200, "persons"},
		{"crowd", "zone-1", `{"inflow":{"v":35,"unit":"person/min"}}`, "inflow", 35, "persons/min"},
		{"fire", "smoke-1", `{"battery":{"v":80,"unit":"percent"}}`, "battery", 80, "%"},
	}
	for _, tc := range tests {
		t.Run(tc.values, func(t *testing.T) {
			got, err := judge(testValidator(), readingJSON(tc.feed, tc.station, 1, testNow, tc.values))
			if err != nil {
				t.Fatal(err)
			}
			want := []city.Measurement{{Param: tc.param, Value: tc.value, Unit: tc.unit}}
			if ms := got.(city.Reading).Values; !reflect.DeepEqual(ms, want) {
				t.Errorf("got %+v, want %+v", ms, want)
			}
		})
	}
}

func TestFireEventOnly(t *testing.T) {
	raw := strings.Replace(readingJSON("fire", "smoke-1", 3, testNow, `{}`), `"values":{}`, `"event":"alarm"`, 1)
	got, err := judge(testValidator(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.(city.Reading); r.Event != city.EventAlarm || len(r.Values) != 0 {
		t.Errorf("got %+v, want an alarm without values", r)
	}
}

func TestStationRoundTrip(t *testing.T) {
	for _, st := range testStations {
		t.Run(st.ID, func(t *testing.T) {
			raw, err := Encode(StationEnvelope(st))
			if err != nil {
				t.Fatal(err)
			}
			got, err := judge(NewValidator(), string(raw))
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			g := got.(city.Station)
			if len(st.Area) > 0 {
				// the receiver derives a zone's location from its polygon
				if d := math.Hypot(g.Location[0]-st.Location[0], g.Location[1]-st.Location[1]); d > 1e-6 {
					t.Errorf("zone centroid %v, want %v", g.Location, st.Location)
				}
				g.Location = st.Location
			}
			if !reflect.DeepEqual(g, st) {
				t.Errorf("got  %+v\nwant %+v", g, st)
			}
		})
	}
}

func TestStationMakesKnown(t *testing.T) {
	v := NewValidator(WithClock(func() time.Time { return testNow }))
	if _, err := judge(v, readingJSON("air", "air-7", 1, testNow, airValues)); !errors.Is(err, ErrUnknownStation) {
		t.Fatalf("before the station: got %v, want ErrUnknownStation", err)
	}
	if _, err := judge(v, stationJSON("air", "air-7", city.KindAirStation, goodPoint, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := judge(v, readingJSON("air", "air-7", 1, testNow, airValues)); err != nil {
		t.Fatalf("after the station: %v", err)
	}
}

func TestReadingRoundTrip(t *testing.T) {
	v := testValidator()
	in := city.Reading{Feed: city.FeedWater, Station: "water-1", Seq: 42, Time: time.Date(2026, 8, 14, 9, 59, 30, 123000000, city.Shanghai),
		Values: []city.Measurement{{Param: "do", Value: 6.25, Unit: "mg/L"}, {Param: "ph", Value: 7.1, Unit: "pH"}, {Param: "tp", Value: 0.1 + 0.2, Unit: "mg/L"}}}
	raw, err := Encode(ReadingEnvelope(in))
	if err != nil {
		t.Fatal(err)
	}
	got, err := judge(v, string(raw))
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out := got.(city.Reading)
	if !out.Time.Equal(in.Time) {
		t.Errorf("time %v, want %v", out.Time, in.Time)
	}
	out.Time = in.Time
	if !reflect.DeepEqual(out, in) {
		t.Errorf("got  %+v\nwant %+v", out, in)
	}
}

// TestSpliceReading checks the server's fast encoding against Encode.
func TestSpliceReading(t *testing.T) {
	at := time.Date(2026, 8, 14, 9, 59, 30, 123456789, city.Shanghai)
	tests := []city.Reading{
		{Feed: city.FeedFire, Station: "smoke-1", Time: testNow, Event: "alarm", Values: []city.Measurement{{Param: "battery", Value: 77, Unit: "%"}}},
		{Feed: city.FeedFire, Station: "smoke-1", Time: testNow.UTC(), Event: "fault"},
		{Feed: city.FeedAir, Station: `站<"&>\1`, Time: at, Values: []city.Measurement{
			{Param: "pm25", Value: 35.25, Unit: "µg/m³"}, {Param: "co", Value: 0.1 + 0.2, Unit: "mg/m³"},
			{Param: "o3", Value: 1e21, Unit: "µg/m³"}, {Param: "no2", Value: -0.0, Unit: "µg/m³"}, {Param: "so2", Value: 1e-7, Unit: "µg/m³"}}},
		{Feed: city.FeedCrowd, Station: "zone-1", Time: at, Values: []city.Measurement{{Param: "inflow", Value: 12, Unit: "persons/min"}, {Param: "count", Value: 72000, Unit: "persons"}}},
	}
	for _, r := range tests {
		body, err := encodeReadingBody(r)
		if err != nil {
			t.Fatal(err)
		}
		got := spliceReading(r.Feed, 99, body)
		r.Seq = 99
		want, err := Encode(ReadingEnvelope(r))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	bad := city.Reading{Feed: city.FeedAir, Station: "a", Time: at, Values: []city.Measurement{{Param: "pm25", Value: math.NaN(), Unit: "µg/m³"}}}
	if _, err := encodeReadingBody(bad); err == nil {
		t.Error("NaN encoded")
	}
}

func TestCheckReadingAndNormalize(t *testing.T) {
	v := testValidator()
	r := city.Reading{Feed: city.FeedAir, Station: "air-1", Time: testNow, Values: []city.Measurement{{Param: "pm25", Value: 30}, {Param: "co", Value: 1, Unit: "mg/m3"}}}
	n, err := NormalizeUnits(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{n.Values[0].Unit, n.Values[1].Unit}; !reflect.DeepEqual(got, []string{"µg/m³", "mg/m³"}) {
		t.Errorf("units %q", got)
	}
	if r.Values[0].Unit != "" {
		t.Error("NormalizeUnits changed its argument's values")
	}
	if err := v.CheckReading(n); err != nil {
		t.Errorf("CheckReading: %v", err)
	}
	bad := n
	bad.Values = []city.Measurement{{Param: "pm25", Value: math.NaN(), Unit: "µg/m³"}}
	if err := v.CheckReading(bad); !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN: got %v, want ErrNotFinite", err)
	}
	bad.Values = []city.Measurement{{Param: "pm25", Value: math.Inf(1), Unit: "µg/m³"}}
	if err := v.CheckReading(bad); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Inf: got %v, want ErrNotFinite", err)
	}
	if _, err := NormalizeUnits(city.Reading{Values: []city.Measurement{{Param: "pm25", Value: 1, Unit: "dB"}}}); !errors.Is(err, ErrUnit) {
		t.Errorf("wrong unit: got %v, want ErrUnit", err)
	}
}

func TestRejectErrorText(t *testing.T) {
	err := reject("air", "air-1", ErrUnit, "unit %q is wrong", "dB")
	if got, want := err.Error(), `air station "air-1" rejected: unit "dB" is wrong`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := reject("", "", ErrMalformed, "empty message").Error(), "message rejected: empty message"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// fuzzSeeds are valid messages of every type and broken ones.
func fuzzSeeds() []string {
	now := testNow
	return []string{
		`{"v":1,"type":"hello","epoch":"e1","server":"s","feeds":["air"],"latest":{"air":3},"time":"2026-08-14T10:00:00+08:00","heartbeat_ms":5000,"read_limit":65536}`,
		`{"v":1,"type":"heartbeat","epoch":"e1","latest":{"air":9},"time":"2026-08-14T10:00:00+08:00"}`,
		stationJSON("air", "air-2", city.KindAirStation, goodPoint, `{"street":"南京东路街道"}`),
		stationJSON("crowd", "zone-2", city.KindCrowdZone, goodPolygon, `{"capacity":"900"}`),
		readingJSON("air", "air-1", 1, now, airValues),
		readingJSON("water", "water-1", 2, now, `{"w01001":{"v":7.1,"unit":"pH"},"w01009":{"v":5,"unit":"mg/L"}}`),
		strings.Replace(readingJSON("fire", "smoke-1", 3, now, `{}`), `"values":{}`, `"event":"alarm"`, 1),
		`{"v":1,"type":"gap","gap":{"feed":"air","from":1,"to":30}}`,
		`{"v":1,"type":"action_ack","id":"act-1"}`,
		`{"v":1,"type":"error","code":"bad_action","id":"act-1","error":"no"}`,
		`{"v":1,"type":"subscribe","subscribe":{"air":{"epoch":"e1","after":3},"fire":{"after":0}}}`,
		`{"v":1,"type":"action","action":{"id":"act-1","alert":"al-1","step":"acknowledge","officer":"王伟","time":"2026-08-14T10:00:00+08:00"}}`,
		`{"v":1,"type":"batch","messages":[` + readingJSON("air", "air-1", 4, now, airValues) + `,{"v":1,"type":"heartbeat","epoch":"e"}]}`,
		readingJSON("air", "air-1", 1, now, `{"pm25":{"v":1e999,"unit":"µg/m³"}}`),
		readingJSON("air", "air-1", 1, now.Add(time.Hour), airValues),
		stationJSON("air", "air-2", city.KindAirStation, `{"type":"Point","coordinates":[0,0]}`, ""),
		`{"v":1,"type":"batch","messages":[{"v":1,"type":"batch","messages":[{}]}]}`,
		`{"v":1,"type":"reading","reading":{"feed":"air","seq":18446744073709551615,"station":"air-1","time":"9999-12-31T23:59:59Z","values":{"pm25":{"v":-0,"unit":""}}}}`,
		`{"v":1,"type":"station","station":{"id":"z","feed":"crowd","name":"z","kind":"crowd_zone","geometry":{"type":"Polygon","coordinates":[]}}}`,
		`{`, `null`, `""`, `{"v":1e999}`, "\xff\xfe",
	}
}

// FuzzDecode feeds arbitrary bytes through decoding and validation: they
// must never panic, every refusal must be a *RejectError with a reason, and
// a reading that passes must survive encoding and decoding unchanged.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := testValidator()
		check := func(raw []byte) {
			env, err := Decode(raw)
			if err != nil {
				mustReject(t, err)
				return
			}
			var res any
			switch env.Type {
			case TypeReading:
				res, err = v.Reading(env.Reading)
			case TypeStation:
				res, err = v.Station(env.Station)
			case TypeGap:
				err = v.Gap(env.Gap)
			case TypeAction:
				err = v.Action(env.Action)
			}
			if err != nil {
				mustReject(t, err)
				return
			}
			if r, ok := res.(city.Reading); ok {
				again, err := Encode(ReadingEnvelope(r))
				if err != nil {
					t.Fatalf("accepted reading does not encode: %v", err)
				}
				env2, err := Decode(again)
				if err != nil {
					t.Fatalf("re-encoded reading does not decode: %v\n%s", err, again)
				}
				r2, err := v.Reading(env2.Reading)
				if err != nil {
					t.Fatalf("re-encoded reading rejected: %v\n%s", err, again)
				}
				if !r2.Time.Equal(r.Time) || !reflect.DeepEqual(r2.Values, r.Values) || r2.Event != r.Event || r2.Seq != r.Seq {
					t.Fatalf("round trip changed the reading:\n%+v\n%+v", r, r2)
				}
			}
		}
		if msgs, ok := decodeBatchFast(raw); ok {
			// the one-pass batch decoding must agree with the message-by-message one
			env, err := Decode(raw)
			if err != nil || len(env.Messages) != len(msgs) {
				t.Fatalf("fast batch path accepted what Decode refuses (%v) or split it differently", err)
			}
			for i := range msgs {
				inner, err := Decode(env.Messages[i])
				if fastErr := checkEnvelope(&msgs[i]); (err == nil) != (fastErr == nil) {
					t.Fatalf("message %d: Decode says %v, the fast path %v", i, err, fastErr)
				}
				if err == nil && !reflect.DeepEqual(inner, msgs[i]) {
					t.Fatalf("message %d decodes differently:\n%+v\n%+v", i, inner, msgs[i])
				}
			}
		}
		env, err := Decode(raw)
		if err == nil && env.Type == TypeBatch {
			for _, m := range env.Messages {
				check(m)
			}
			return
		}
		check(raw)
	})
}

func mustReject(t *testing.T, err error) {
	t.Helper()
	var re *RejectError
	if !errors.As(err, &re) || re.Reason == "" || re.Err == nil {
		t.Fatalf("refusal %T %v is not a *RejectError with a reason and a kind", err, err)
	}
	if re.Feed != "" && !city.Feed(re.Feed).Valid() {
		t.Fatalf("refusal reported against unknown feed %q", re.Feed)
	}
}

func TestNumberStrict(t *testing.T) {
	tests := []struct {
		in   string
		want Number
		ok   bool
	}{
		{`12.5`, "12.5", true}, {`-3e2`, "-3e2", true}, {`1e999`, "1e999", true},
		{`"12"`, "", false}, {`null`, "", false}, {`true`, "", false},
	}
	for _, tc := range tests {
		var n Number
		err := json.Unmarshal([]byte(tc.in), &n)
		if (err == nil) != tc.ok || n != tc.want {
			t.Errorf("%s: got %q, %v; want %q, ok=%v", tc.in, n, err, tc.want, tc.ok)
		}
	}
	if _, err := json.Marshal(NumberOf(math.NaN())); err == nil {
		t.Error("NaN marshalled")
	}
	if _, err := json.Marshal(Number("1e999")); err == nil {
		t.Error("1e999 marshalled")
	}
}
