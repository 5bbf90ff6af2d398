package app

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"onescreen/cache"
	"onescreen/city"
)

// ExportReadings writes the cached readings that match f as CSV:
// time, feed, station, parameter, value, unit. Times are RFC 3339 in
// Beijing time.
func ExportReadings(db *cache.DB, f cache.ReadingFilter, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"time", "feed", "station", "parameter", "value", "unit"}); err != nil {
		return fmt.Errorf("export readings: %w", err)
	}
	err := db.EachReading(f, func(r cache.Row) error {
		param, value := r.Param, strconv.FormatFloat(r.Value, 'f', -1, 64)
		if r.Event != "" {
			param, value = "event", r.Event
		}
		return cw.Write([]string{r.Time.In(city.Shanghai).Format(time.RFC3339), string(r.Feed), r.Station, param, value, r.Unit})
	})
	if err != nil {
		return fmt.Errorf("export readings: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export readings: %w", err)
	}
	return nil
}

// ParseTime reads a time given on the command line: RFC 3339, or
// "2006-01-02 15:04[:05]" or "2006-01-02" in Beijing time.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, city.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-11-24T08:00:00+08:00) or 2026-11-24 08:00 (Beijing time)", s)
}
