package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"onescreen/city"
	"onescreen/feeds"
)

// airColumns maps the national real-time publication's pollutant columns
// onto canonical parameters. CO is in mg/m³, the rest in µg/m³, as
// city.ParamUnits has them. Other columns (aqi, quality, primary_pollutant,
// 24 h means without a canonical parameter …) are ignored.
var airColumns = map[string]string{
	"so2": city.ParamSO2, "no2": city.ParamNO2, "co": city.ParamCO, "o3": city.ParamO3,
	"pm10": city.ParamPM10, "pm2_5": city.ParamPM25,
	"pm2_5_24h": city.ParamPM25h, "pm10_24h": city.ParamPM10h, "o3_8h": city.ParamO38h,
}

// The columns every row needs.
var airRequired = []string{"timepoint", "stationcode", "positionname", "longitude", "latitude"}

// timepoint layouts, Beijing time without a zone.
var timepointLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04",
	"2006/1/2 15:04:05", "2006/1/2 15:04", "2006-01-02 15",
}

// missingCell reports a cell that stands for no value.
func missingCell(s string) bool {
	switch s {
	case "", "-", "—", "--", "NA", "N/A", "null", "NULL":
		return true
	}
	return false
}

// maxCSVProblems is how many bad rows and cells make a CSV not worth
// replaying.
const maxCSVProblems = 1000

// airStationPrefix makes a station ID from a national station code.
const airStationPrefix = "air-"

// airRows is a parsed CSV: stations, then readings in time order.
type airRows struct {
	path     string
	stations []city.Station
	readings []city.Reading
	skipped  int     // stations outside the bounds
	problems []error // rows and cells left out, by line
}

func (a *airRows) kind() string {
	return fmt.Sprintf("national air-quality CSV: %d stations, %d station-hours, %d stations outside the area skipped",
		len(a.stations), len(a.readings), a.skipped)
}

func (a *airRows) each(ctx context.Context, fn func(st *city.Station, rd *city.Reading) error) error {
	for i := range a.stations {
		if err := fn(&a.stations[i], nil); err != nil {
			return err
		}
	}
	for i := range a.readings {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(nil, &a.readings[i]); err != nil {
			return err
		}
	}
	return nil
}

// readAirCSV parses a CSV in the layout of China's national real-time
// air-quality publication: one row per station and hour. Stations come
// from the rows (the first row of a code names and places it); stations
// outside the feed server's bounds (city.ShanghaiBounds) are skipped.
// Real files have errors: a cell that is not a number, a row without a
// usable time or a station without a usable position is left out and
// listed in problems, as is a station the feed server would refuse (a
// name that is not UTF-8, say); the file is refused only when nothing
// usable is left or its header is wrong.
func readAirCSV(path string) (*airRows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseAirCSV(path, f, feeds.NewValidator().Bounds())
}

func parseAirCSV(path string, r io.Reader, bounds city.Bounds) (*airRows, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: read header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("%s: column %q appears twice", path, h)
		}
		col[h] = i
	}
	for _, c := range airRequired {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s: no %q column (an air-quality CSV needs %s)", path, c, strings.Join(airRequired, ", "))
		}
	}
	type param struct {
		col   int
		name  string
		param string
	}
	var params []param
	for name, p := range airColumns {
		if i, ok := col[name]; ok {
			params = append(params, param{i, name, p})
		}
	}
	if len(params) == 0 {
		return nil, fmt.Errorf("%s: no pollutant columns (so2, no2, co, o3, pm10, pm2_5 …)", path)
	}
	sort.Slice(params, func(i, j int) bool { return params[i].param < params[j].param })

	v := feeds.NewValidator(feeds.WithBounds(bounds))
	out := &airRows{path: path}
	known := map[string]bool{} // station codes seen, kept or skipped
	kept := map[string]bool{}
	seen := map[string]int{} // station|time → line, for duplicates
	var errs []error
	for len(errs) < maxCSVProblems {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// a row the CSV reader cannot split (a stray or unterminated
			// quote) has no fields to ask the position of: its error
			// carries the line
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			errs = append(errs, fmt.Errorf("line %d: %w", pe.StartLine, pe.Err))
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		cell := func(name string) string {
			i := col[name]
			if i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...)))
		}
		code := cell("stationcode")
		if code == "" {
			bad("empty stationcode")
			continue
		}
		at, err := parseTimepoint(cell("timepoint"))
		if err != nil {
			bad("%v", err)
			continue
		}
		if !known[code] {
			known[code] = true
			lon, errLon := strconv.ParseFloat(cell("longitude"), 64)
			lat, errLat := strconv.ParseFloat(cell("latitude"), 64)
			if errLon != nil || errLat != nil || !city.Finite(lon) || !city.Finite(lat) {
				bad("station %s: longitude %q, latitude %q are not numbers", code, cell("longitude"), cell("latitude"))
				continue
			}
			pt := orb.Point{lon, lat}
			if !bounds.Contains(pt) {
				out.skipped++
				continue
			}
			name := cell("positionname")
			if name == "" {
				name = code
			}
			st := city.Station{
				ID: airStationPrefix + code, Feed: city.FeedAir, Name: name, Kind: city.KindAirStation,
				Location: pt, Attrs: map[string]string{city.AttrCode: code},
			}
			// a station the feed server would refuse (a name that is not
			// UTF-8, a code too long for an id …) is left out with its rows
			if err := v.CheckStation(st); err != nil {
				bad("station %s: %v", code, err)
				continue
			}
			out.stations = append(out.stations, st)
			kept[code] = true
		}
		if !kept[code] {
			continue
		}
		key := code + "|" + at.String()
		if prev, dup := seen[key]; dup {
			bad("station %s at %s already given on line %d", code, at.Format("2006-01-02 15:04"), prev)
			continue
		}
		seen[key] = line
		rd := city.Reading{Feed: city.FeedAir, Station: airStationPrefix + code, Time: at}
		for _, p := range params {
			s := ""
			if p.col < len(rec) {
				s = strings.TrimSpace(rec[p.col])
			}
			if missingCell(s) {
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				bad("column %s: %q is not a number", p.name, s)
				continue
			}
			rd.Values = append(rd.Values, city.Measurement{Param: p.param, Value: v, Unit: city.ParamUnits[p.param]})
		}
		if len(rd.Values) > 0 {
			out.readings = append(out.readings, rd)
		}
	}
	if len(errs) >= maxCSVProblems {
		return nil, errorsAt(path, "too many bad rows, stopped reading", errs)
	}
	if len(out.readings) == 0 {
		if len(errs) > 0 {
			return nil, errorsAt(path, "nothing usable", errs)
		}
		return nil, fmt.Errorf("%s: no readings of a station inside the area served (%d stations outside it)", path, out.skipped)
	}
	out.problems = errs
	sort.SliceStable(out.readings, func(i, j int) bool { return out.readings[i].Time.Before(out.readings[j].Time) })
	return out, nil
}

// parseTimepoint reads a timepoint in Beijing time.
func parseTimepoint(s string) (time.Time, error) {
	for _, l := range timepointLayouts {
		if t, err := time.ParseInLocation(l, s, city.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timepoint %q is not a date and time like 2026-04-21 14:00:00", s)
}
