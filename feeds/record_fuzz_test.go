package feeds

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"onescreen/city"
)

// FuzzReadRecording reads arbitrary bytes as a recording (what cityfeed
// replay plays). It never panics; a refusal names its line; the stations
// and readings it passes on are valid (finite values, a described station
// for each reading), and written out again as a recording they read back
// the same.
func FuzzReadRecording(f *testing.F) {
	station := stationJSON("air", "air-2", city.KindAirStation, goodPoint, `{"street":"南京东路街道"}`)
	zone := stationJSON("crowd", "zone-2", city.KindCrowdZone, goodPolygon, `{"capacity":"900"}`)
	reading := readingJSON("air", "air-2", 1, testNow, airValues)
	for _, s := range []string{
		station + "\n" + zone + "\n" + reading + "\n",
		station + "\r\n\r\n" + readingJSON("air", "air-2", 2, testNow.Add(-time.Hour), `{"pm25":{"v":35,"unit":"µg/m³"},"pm10":{"v":50,"unit":"µg/m³"}}`),
		reading + "\n" + station + "\n",                                  // a reading before its station
		station + "\n" + `{"v":1,"type":"heartbeat","epoch":"e"}` + "\n", // not a recording's message
		station + "\n" + strings.Replace(reading, "35", "1e999", 1),
		station + "\n" + `{"v":1,"type":"batch","messages":[` + reading + `]}`,
		"\n\n\n", "{", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := NewValidator(WithClock(func() time.Time { return testNow }))
		var stations []city.Station
		var readings []city.Reading
		var out bytes.Buffer
		err := ReadRecording(bytes.NewReader(data), v, func(st *city.Station, rd *city.Reading) error {
			var env Envelope
			switch {
			case st != nil:
				stations = append(stations, *st)
				ws, err := WireStationOf(*st)
				if err != nil {
					t.Fatalf("station %s read from a recording cannot be written: %v", st.ID, err)
				}
				env = Envelope{V: ProtocolVersion, Type: TypeStation, Station: ws}
			case rd != nil:
				if !v.Known(rd.Station) {
					t.Fatalf("a reading of station %q, never described", rd.Station)
				}
				for _, m := range rd.Values {
					if !city.Finite(m.Value) {
						t.Fatalf("reading of %s holds %v", rd.Station, m.Value)
					}
				}
				readings = append(readings, *rd)
				env = ReadingEnvelope(*rd)
			default:
				t.Fatal("called with neither a station nor a reading")
			}
			b, err := Encode(env)
			if err != nil {
				t.Fatalf("what was read cannot be written: %v", err)
			}
			out.Write(b)
			out.WriteByte('\n')
			return nil
		})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "recording line ") && !strings.HasPrefix(err.Error(), "read recording: ") {
				t.Fatalf("a refusal that names no line: %v", err)
			}
			return
		}
		v2 := NewValidator(WithClock(func() time.Time { return testNow }))
		var stations2 []city.Station
		var readings2 []city.Reading
		if err := ReadRecording(&out, v2, func(st *city.Station, rd *city.Reading) error {
			if st != nil {
				stations2 = append(stations2, *st)
			} else {
				readings2 = append(readings2, *rd)
			}
			return nil
		}); err != nil {
			t.Fatalf("the recording written again is refused: %v", err)
		}
		if len(stations2) != len(stations) || len(readings2) != len(readings) {
			t.Fatalf("read back %d stations, %d readings; want %d, %d", len(stations2), len(readings2), len(stations), len(readings))
		}
		for i := range stations {
			if !reflect.DeepEqual(stations[i], stations2[i]) {
				t.Fatalf("station %d reads back as\n%+v, was\n%+v", i, stations2[i], stations[i])
			}
		}
		for i, r := range readings {
			r2 := readings2[i]
			if !r2.Time.Equal(r.Time) || r2.Station != r.Station || r2.Seq != r.Seq || r2.Event != r.Event || !reflect.DeepEqual(r2.Values, r.Values) {
				t.Fatalf("reading %d reads back as\n%+v, was\n%+v", i, r2, r)
			}
		}
	})
}
