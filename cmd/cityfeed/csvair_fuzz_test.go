package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"onescreen/city"
	"onescreen/feeds"
)

// FuzzAirCSV reads arbitrary bytes as a national air-quality CSV. It never
// panics; a refusal names the file; what it accepts is what a feed server
// takes: stations the validator accepts, inside the area served, each
// once, and readings of those stations in time order with finite values
// of air parameters in their canonical units, each parameter once.
func FuzzAirCSV(f *testing.F) {
	real, err := os.ReadFile("testdata/air_realtime_shanghai.csv")
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(real)), "\n")
	head, row := lines[0], lines[1]
	for _, s := range []string{
		string(real),
		"\ufeff" + head + "\r\n" + row + "\r\n",
		head + "\n" + row + "\n" + row + "\n", // the same station-hour twice
		head + "\n" + strings.Replace(row, ",6,7,48,", ",NA,—,abc,", 1) + "\n",
		head + "\n" + strings.Replace(row, "121.4,31.238", "116.4,39.9", 1) + "\n", // outside Shanghai
		head + "\n" + strings.Replace(row, "121.4,31.238", "NaN,Inf", 1) + "\n",
		head + "\n" + strings.Replace(row, "2026-04-21 08:00:00", "2026/4/21 8:00", 1) + "\n",
		head + "\n" + strings.Replace(row, "2026-04-21 08:00:00", "yesterday", 1) + "\n",
		head + "\n" + strings.Replace(row, "普陀", "\"普,陀\"", 1) + "\n" + "\"unterminated\n",
		head + "\n" + "2026-04-21 08:00:00,上海市,1141A\n",
		"timepoint,stationcode,positionname,longitude,latitude,pm2_5,pm2_5\n",
		"timepoint,stationcode,positionname,longitude,latitude\n2026-04-21 08:00:00,1,a,121.4,31.2\n",
		"timepoint,stationcode,positionname,longitude,latitude,co\n2026-04-21 08:00:00,1,,121.4,31.2,1e308\n",
		"",
	} {
		f.Add([]byte(s))
	}
	bounds := city.ShanghaiBounds
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz.csv"
		rows, err := parseAirCSV(path, bytes.NewReader(data), bounds)
		if err != nil {
			if !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("a refusal that does not name the file: %v", err)
			}
			return
		}
		if len(rows.readings) == 0 || len(rows.problems) >= maxCSVProblems {
			t.Fatalf("accepted with %d readings and %d problems", len(rows.readings), len(rows.problems))
		}
		v := feeds.NewValidator()
		ids := map[string]bool{}
		for _, st := range rows.stations {
			if ids[st.ID] {
				t.Fatalf("station %s twice", st.ID)
			}
			ids[st.ID] = true
			if err := v.CheckStation(st); err != nil {
				t.Fatalf("station %+v is refused by a feed server: %v", st, err)
			}
			if !bounds.Contains(st.Location) {
				t.Fatalf("station %s at %v is outside the area", st.ID, st.Location)
			}
		}
		for i, r := range rows.readings {
			if !ids[r.Station] || r.Feed != city.FeedAir {
				t.Fatalf("reading %d of %s station %q not among the stations", i, r.Feed, r.Station)
			}
			if i > 0 && r.Time.Before(rows.readings[i-1].Time) {
				t.Fatalf("reading %d at %v before reading %d at %v", i, r.Time, i-1, rows.readings[i-1].Time)
			}
			if len(r.Values) == 0 {
				t.Fatalf("reading %d has no values", i)
			}
			seen := map[string]bool{}
			for _, m := range r.Values {
				if !city.Finite(m.Value) || m.Unit != city.ParamUnits[m.Param] || seen[m.Param] {
					t.Fatalf("reading %d: value %+v (finite, canonical unit, once?)", i, m)
				}
				seen[m.Param] = true
			}
		}
	})
}

// TestAirCSVBadQuotes: a row the CSV reader cannot split (a stray quote,
// a quote left open to the end) is left out and reported by its line; the
// rows around it are read.
func TestAirCSVBadQuotes(t *testing.T) {
	data := "timepoint,stationcode,positionname,longitude,latitude,pm2_5\n" +
		"2026-04-21 08:00:00,1141A,普陀,121.4,31.238,39\n" +
		"2026-04-21 08:00:00,1142A,十\"五厂,121.478,31.2036,44\n" +
		"2026-04-21 09:00:00,1141A,普陀,121.4,31.238,41\n" +
		"\"2026-04-21 10:00:00,1141A,普陀,121.4,31.238,40\n"
	rows, err := parseAirCSV("quotes.csv", strings.NewReader(data), city.ShanghaiBounds)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.readings) != 2 || len(rows.stations) != 1 {
		t.Errorf("%d readings of %d stations, want 2 of 1", len(rows.readings), len(rows.stations))
	}
	var got []string
	for _, p := range rows.problems {
		got = append(got, p.Error())
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "line 3: ") || !strings.Contains(got[0], `bare "`) || !strings.HasPrefix(got[1], "line 5: ") {
		t.Errorf("problems %q, want line 3 (a bare quote) and line 5 (a quote left open)", got)
	}
}
