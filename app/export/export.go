package export

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"onescreen/cache"
	"onescreen/city"
)

// Exports from the cache: readings and alerts as CSV for reports, alerts
// as CAP 1.2 for exchange with other systems. They only read the cache, so
// they work on a cache opened with cache.OpenReadOnly while the dashboard
// runs.

// readingsHeader are the columns of ExportReadings. The first seven are
// the reading itself; the last three are filled on air rows.
var readingsHeader = []string{"time", "feed", "station", "station_name", "parameter", "value", "unit", "aqi", "aqi_level", "primary_pollutant"}

// readingTimeLayout is RFC 3339 with milliseconds, always three digits:
// the cache keeps observation times to the millisecond, and two events
// 23 ms apart must not look like one repeated.
const readingTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// ExportReadings writes the cached readings that match f as CSV with the
// documented site defaults (city.DefaultSiteConfig); see
// ExportReadingsWithConfig.
func ExportReadings(db *cache.DB, f cache.ReadingFilter, w io.Writer) error {
	return ExportReadingsWithConfig(db, f, city.DefaultSiteConfig(), w)
}

// ExportReadingsWithConfig writes the cached readings that match f as CSV:
// time, feed, station, station_name, parameter, value, unit, aqi,
// aqi_level, primary_pollutant; one row per value or event (an event's
// parameter is "event" and its value the event's name). Times are RFC 3339
// in Beijing time with milliseconds (2026-06-01T10:00:00.023+08:00).
//
// On the rows of an air station's observation, aqi is the hourly AQI of
// HJ 633 computed from that observation's values, in the edition cfg
// chooses for its time (SiteConfig.EditionAt); aqi_level its level 1–6;
// primary_pollutant the primary pollutant(s), e.g. "PM2.5" or "PM10,PM2.5"
// (empty at AQI 50 or below). The three stay empty on other feeds, and on
// an observation whose AQI is not available (HJ 633-2026 NA) or that holds
// a value the AQI cannot use.
func ExportReadingsWithConfig(db *cache.DB, f cache.ReadingFilter, cfg city.SiteConfig, w io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("export readings: %w", err)
	}
	sts, err := db.Stations()
	if err != nil {
		return fmt.Errorf("export readings: %w", err)
	}
	names := make(map[string]string, len(sts))
	for _, st := range sts {
		names[st.ID] = textCell(st.Name)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(readingsHeader); err != nil {
		return fmt.Errorf("export readings: %w", err)
	}
	// EachReading streams rows ordered by time, station and parameter, so
	// the rows of one observation arrive together: gather them, judge
	// them, write them.
	var obs []cache.Row
	flush := func() error {
		if len(obs) == 0 {
			return nil
		}
		aqi := observationAQI(obs, cfg)
		for _, r := range obs {
			param, value := r.Param, strconv.FormatFloat(r.Value, 'f', -1, 64)
			extra := []string{"", "", ""}
			if r.Event != "" {
				param, value = "event", r.Event
			} else if r.Feed == city.FeedAir {
				extra = aqi
			}
			row := append([]string{r.Time.In(city.Shanghai).Format(readingTimeLayout), string(r.Feed), r.Station, names[r.Station], param, value, r.Unit}, extra...)
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		obs = obs[:0]
		return nil
	}
	err = db.EachReading(f, func(r cache.Row) error {
		if len(obs) > 0 && (!r.Time.Equal(obs[0].Time) || r.Station != obs[0].Station) {
			if err := flush(); err != nil {
				return err
			}
		}
		obs = append(obs, r)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("export readings: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export readings: %w", err)
	}
	return nil
}

// observationAQI gives the aqi, aqi_level and primary_pollutant cells of
// one station's observation; empty when it is not an air observation, the
// AQI is not available, or a value is not a concentration (the AQI of the
// rest might understate it).
func observationAQI(obs []cache.Row, cfg city.SiteConfig) []string {
	empty := []string{"", "", ""}
	if obs[0].Feed != city.FeedAir {
		return empty
	}
	values := make(map[string]float64, len(obs))
	for _, r := range obs {
		if r.Event == "" && r.Param != "" {
			values[r.Param] = r.Value
		}
	}
	res, err := city.HourlyAQI(values, cfg.EditionAt(obs[0].Time))
	if err != nil || !res.Available {
		return empty
	}
	return []string{strconv.Itoa(res.AQI), strconv.Itoa(res.Level.Level), res.PrimaryLabel()}
}

// alertsHeader are the columns of ExportAlerts.
var alertsHeader = []string{
	"alert_id", "station", "station_name", "feed", "condition", "severity", "state",
	"step", "officer", "team", "note", "step_time", "value", "unit", "message",
}

// ExportAlerts writes the alerts f selects with their whole history as
// CSV, one row per step: alert_id, station, station_name, feed, condition,
// severity, state (as the alert stands now), step, officer, team, note,
// step_time, value, unit, message (the alert's latest value and Chinese
// message). Alerts come newest raised first, each alert's steps oldest
// first; an alert without a stored step still gets one row with the step
// columns empty. Times are RFC 3339 in Beijing time.
//
// Cells of free text (station name, officer, team, note, message) that
// begin with =, +, -, @, a tab or a carriage return get a leading
// apostrophe, so that a spreadsheet shows them rather than running them as
// a formula.
func ExportAlerts(db *cache.DB, f cache.AlertFilter, w io.Writer) error {
	alerts, err := db.Alerts(f)
	if err != nil {
		return fmt.Errorf("export alerts: %w", err)
	}
	names, err := stationNames(db)
	if err != nil {
		return fmt.Errorf("export alerts: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(alertsHeader); err != nil {
		return fmt.Errorf("export alerts: %w", err)
	}
	for _, a := range alerts {
		steps, err := db.AlertSteps(a.ID)
		if err != nil {
			return fmt.Errorf("export alerts: alert %s: %w", a.ID, err)
		}
		value := ""
		if !math.IsNaN(a.Value) {
			value = strconv.FormatFloat(a.Value, 'f', -1, 64)
		}
		head := []string{a.ID, a.Station, textCell(names[a.Station]), string(a.Feed), string(a.Condition), a.Severity.String(), string(a.State)}
		tail := []string{value, a.Unit, textCell(a.Message)}
		if len(steps) == 0 {
			steps = []city.Step{{}}
		}
		for _, s := range steps {
			at := ""
			if !s.Time.IsZero() {
				at = s.Time.In(city.Shanghai).Format(time.RFC3339)
			}
			row := append(append(append([]string{}, head...),
				string(s.Kind), textCell(s.Officer), textCell(s.Team), textCell(s.Note), at), tail...)
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("export alerts: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export alerts: %w", err)
	}
	return nil
}

// textCell defuses a free-text cell a spreadsheet would take for a formula.
func textCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func stationNames(db *cache.DB) (map[string]string, error) {
	sts, err := db.Stations()
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(sts))
	for _, st := range sts {
		m[st.ID] = st.Name
	}
	return m, nil
}

// capExport is what every CAP export needs from the cache.
type capExport struct {
	db       *cache.DB
	opts     city.CAPOptions
	all      []city.Alert // every cached alert, newest raised first
	numbers  map[string]city.CAPIssues
	stations map[string]city.Station
}

// newCAPExport numbers the CAP messages of every cached alert, whatever
// the export selects, so that an alert's identifiers (and the references
// of its updates) are the same in every export of the same cache.
func newCAPExport(db *cache.DB, opts city.CAPOptions) (*capExport, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	all, err := db.Alerts(cache.AlertFilter{})
	if err != nil {
		return nil, err
	}
	numbers, err := city.NumberCAP(all)
	if err != nil {
		return nil, err
	}
	sts, err := db.Stations()
	if err != nil {
		return nil, err
	}
	stations := make(map[string]city.Station, len(sts))
	for _, st := range sts {
		stations[st.ID] = st
	}
	return &capExport{db: db, opts: opts, all: all, numbers: numbers, stations: stations}, nil
}

// document gives the CAP document of alert a and its identifier.
func (x *capExport) document(a city.Alert) (doc []byte, identifier string, err error) {
	st, ok := x.stations[a.Station]
	if !ok {
		return nil, "", fmt.Errorf("alert %s: station %q is not in the cache", a.ID, a.Station)
	}
	steps, err := x.db.AlertSteps(a.ID)
	if err != nil {
		return nil, "", fmt.Errorf("alert %s: %w", a.ID, err)
	}
	n, ok := x.numbers[a.ID]
	if !ok {
		return nil, "", fmt.Errorf("alert %s was not numbered (stored while exporting?)", a.ID)
	}
	o := x.opts
	o.Issue, o.Original = n.Current, n.Raise
	doc, err = city.CAPAlert(a, st, steps, o)
	if err != nil {
		return nil, "", err
	}
	identifier, err = o.Identifier(o.Issue)
	if err != nil {
		return nil, "", err
	}
	return doc, identifier, nil
}

// ExportCAPAlert writes the alert with ID id as one CAP 1.2 document
// (see city.CAPAlert) to w.
func ExportCAPAlert(db *cache.DB, id string, opts city.CAPOptions, w io.Writer) error {
	if strings.TrimSpace(id) == "" {
		return errors.New("export CAP: no alert ID")
	}
	x, err := newCAPExport(db, opts)
	if err != nil {
		return fmt.Errorf("export CAP: %w", err)
	}
	for _, a := range x.all {
		if a.ID != id {
			continue
		}
		doc, _, err := x.document(a)
		if err != nil {
			return fmt.Errorf("export CAP: %w", err)
		}
		if _, err := w.Write(doc); err != nil {
			return fmt.Errorf("export CAP: %w", err)
		}
		return nil
	}
	return fmt.Errorf("export CAP: no alert %q in the cache", id)
}

// ExportCAP writes each alert f selects as a CAP 1.2 document into dir
// (created if missing), one file per alert named by its message's
// identifier, e.g. 31010100000000_20260310101530_0.cap, since a CAP
// document holds one alert. A file is written whole or not at all. An
// alert that cannot be exported (its station is not cached, a bad value)
// is reported in the error while the others are still written; the paths
// of the files written are returned either way.
func ExportCAP(db *cache.DB, f cache.AlertFilter, opts city.CAPOptions, dir string) ([]string, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("export CAP: no output directory")
	}
	x, err := newCAPExport(db, opts)
	if err != nil {
		return nil, fmt.Errorf("export CAP: %w", err)
	}
	alerts, err := db.Alerts(f)
	if err != nil {
		return nil, fmt.Errorf("export CAP: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export CAP: %w", err)
	}
	var written []string
	var errs []error
	for _, a := range alerts {
		doc, identifier, err := x.document(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		path := filepath.Join(dir, identifier+".cap")
		if err := writeFileWhole(path, doc); err != nil {
			errs = append(errs, fmt.Errorf("alert %s: %w", a.ID, err))
			continue
		}
		written = append(written, path)
	}
	if len(errs) > 0 {
		return written, fmt.Errorf("export CAP: %d of %d alerts not written: %w", len(errs), len(alerts), errors.Join(errs...))
	}
	return written, nil
}

// writeFileWhole writes b to path through a temporary file in the same
// directory, so that a reader never sees half a file.
func writeFileWhole(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
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

// Cache writes the exports from one cache; the console's File menu uses it.
type Cache struct{ DB *cache.DB }

// Readings writes the readings f selects (ExportReadingsWithConfig).
func (x Cache) Readings(f cache.ReadingFilter, site city.SiteConfig, w io.Writer) error {
	return ExportReadingsWithConfig(x.DB, f, site, w)
}

// Alerts writes the alerts f selects (ExportAlerts).
func (x Cache) Alerts(f cache.AlertFilter, w io.Writer) error { return ExportAlerts(x.DB, f, w) }

// CAP writes one CAP file per alert f selects into dir (ExportCAP).
func (x Cache) CAP(f cache.AlertFilter, opts city.CAPOptions, dir string) ([]string, error) {
	return ExportCAP(x.DB, f, opts, dir)
}

// Handovers writes the shift handovers between from and to (ExportHandovers).
func (x Cache) Handovers(from, to time.Time, w io.Writer) error {
	return ExportHandovers(x.DB, from, to, w)
}

// DutyLog writes the duty log between from and to (ExportDutyLog).
func (x Cache) DutyLog(from, to time.Time, w io.Writer) error {
	return ExportDutyLog(x.DB, from, to, w)
}
