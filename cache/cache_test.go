package cache

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/paulmach/orb"

	"onescreen/city"
)

// t0 is the tests' "now": 2026-11-24 08:00 Beijing time.
var t0 = time.Date(2026, 11, 24, 8, 0, 0, 0, city.Shanghai)

// fixedClock returns a clock stopped at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// openTest opens a cache in a fresh temp dir with the clock at t0 and no
// background retention, and closes it when the test ends.
func openTest(t testing.TB, opt Options) *DB {
	t.Helper()
	if opt.Now == nil {
		opt.Now = fixedClock(t0)
	}
	opt.manualRetention = true
	db, err := Open(t.TempDir(), opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// submit stores b and waits for the commit.
func submit(t testing.TB, db *DB, b Batch) {
	t.Helper()
	if err := db.Submit(b); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if err := db.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// air returns an air reading with six values.
func air(station string, at time.Time, seq uint64, base float64) city.Reading {
	return city.Reading{Feed: city.FeedAir, Station: station, Time: at, Seq: seq, Values: []city.Measurement{
		{Param: city.ParamPM25, Value: base, Unit: "µg/m³"},
		{Param: city.ParamPM10, Value: base * 1.5, Unit: "µg/m³"},
		{Param: city.ParamSO2, Value: 7, Unit: "µg/m³"},
		{Param: city.ParamNO2, Value: 41, Unit: "µg/m³"},
		{Param: city.ParamCO, Value: 0.6, Unit: "mg/m³"},
		{Param: city.ParamO3, Value: 88, Unit: "µg/m³"},
	}}
}

var (
	stationAir = city.Station{ID: "air-bund", Feed: city.FeedAir, Name: "外滩", Kind: city.KindAirStation,
		Location: orb.Point{121.4905, 31.2397}, Attrs: map[string]string{city.AttrStreet: "外滩街道", city.AttrCode: "1141A"}}
	stationZone = city.Station{ID: "crowd-nanjing", Feed: city.FeedCrowd, Name: "南京路步行街", Kind: city.KindCrowdZone,
		Location: orb.Point{121.478, 31.236},
		Area:     orb.Polygon{{{121.474, 31.235}, {121.484, 31.235}, {121.484, 31.238}, {121.474, 31.238}, {121.474, 31.235}}},
		Attrs:    map[string]string{city.AttrCapacity: "20000"}}
	stationSmoke = city.Station{ID: "smoke-7", Feed: city.FeedFire, Name: "豫园商城 7号烟感", Kind: city.KindSmokeDetector,
		Location: orb.Point{121.492, 31.227}}
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	opt := Options{Now: fixedClock(t0), manualRetention: true}
	db, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	r1 := air("air-bund", t0.Add(-2*time.Hour), 10, 30)
	r2 := air("air-bund", t0.Add(-time.Hour), 11, 35)
	fire := city.Reading{Feed: city.FeedFire, Station: "smoke-7", Time: t0.Add(-30 * time.Minute), Seq: 5, Event: city.EventAlarm,
		Values: []city.Measurement{{Param: city.ParamBattery, Value: 81, Unit: "%"}}}
	heartbeat := city.Reading{Feed: city.FeedFire, Station: "smoke-7", Time: t0.Add(-40 * time.Minute), Seq: 4, Event: city.EventHeartbeat}
	b := Batch{
		Stations: []city.Station{stationAir, stationZone, stationSmoke},
		Readings: []city.Reading{r1, r2, heartbeat, fire},
		Cursors: map[city.Feed]Cursor{
			city.FeedAir:  {Epoch: "e1", Seq: 11, Updated: t0.Add(-time.Minute)},
			city.FeedFire: {Epoch: "e1", Seq: math.MaxUint64}, // Updated: now
		},
		Rejects: []Reject{
			{At: t0.Add(-3 * time.Minute), Feed: "air", Reason: "pm25: negative", Raw: []byte(`{"v":1}`)},
			{At: t0.Add(-2 * time.Minute), Feed: "", Reason: "not JSON", Raw: bytes.Repeat([]byte("x"), 10000)},
		},
		Gaps: []Gap{{At: t0.Add(-5 * time.Minute), Feed: city.FeedWater, Epoch: "e1", From: 100, To: 180}},
	}
	submit(t, db, b)
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Everything must come back from the file after a reopen.
	db, err = Open(dir, opt)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()

	sts, err := db.Stations()
	if err != nil {
		t.Fatal(err)
	}
	wantSts := []city.Station{stationAir, stationZone, stationSmoke}
	sort.Slice(wantSts, func(i, j int) bool { return wantSts[i].ID < wantSts[j].ID })
	if !reflect.DeepEqual(sts, wantSts) {
		t.Errorf("Stations:\n got %+v\nwant %+v", sts, wantSts)
	}

	latest, err := db.Latest()
	if err != nil {
		t.Fatal(err)
	}
	recv := t0.UTC()
	var wantLatest []Latest
	for _, m := range r2.Values {
		wantLatest = append(wantLatest, Latest{Station: "air-bund", Feed: city.FeedAir, Param: m.Param, Value: m.Value, Unit: m.Unit, Time: r2.Time.UTC(), Received: recv})
	}
	wantLatest = append(wantLatest, Latest{Station: "smoke-7", Feed: city.FeedFire, Param: city.ParamBattery, Value: 81, Unit: "%", Time: fire.Time.UTC(), Received: recv})
	sort.Slice(wantLatest, func(i, j int) bool {
		if wantLatest[i].Station != wantLatest[j].Station {
			return wantLatest[i].Station < wantLatest[j].Station
		}
		return wantLatest[i].Param < wantLatest[j].Param
	})
	if !reflect.DeepEqual(latest, wantLatest) {
		t.Errorf("Latest:\n got %+v\nwant %+v", latest, wantLatest)
	}

	events, err := db.LatestEvents()
	if err != nil {
		t.Fatal(err)
	}
	if want := []LatestEvent{{Station: "smoke-7", Event: city.EventAlarm, Time: fire.Time.UTC(), Received: recv}}; !reflect.DeepEqual(events, want) {
		t.Errorf("LatestEvents = %+v, want %+v", events, want)
	}

	cursors, err := db.Cursors()
	if err != nil {
		t.Fatal(err)
	}
	wantCursors := map[city.Feed]Cursor{
		city.FeedAir:  {Epoch: "e1", Seq: 11, Updated: t0.Add(-time.Minute).UTC()},
		city.FeedFire: {Epoch: "e1", Seq: math.MaxUint64, Updated: t0.UTC()},
	}
	if !reflect.DeepEqual(cursors, wantCursors) {
		t.Errorf("Cursors = %+v, want %+v", cursors, wantCursors)
	}

	rejects, err := db.Rejects(10)
	if err != nil {
		t.Fatal(err)
	}
	wantRejects := []Reject{
		{At: t0.Add(-2 * time.Minute).UTC(), Feed: "", Reason: "not JSON", Raw: bytes.Repeat([]byte("x"), maxRawBytes)},
		{At: t0.Add(-3 * time.Minute).UTC(), Feed: "air", Reason: "pm25: negative", Raw: []byte(`{"v":1}`)},
	}
	if !reflect.DeepEqual(rejects, wantRejects) {
		t.Errorf("Rejects = %+v, want %+v", rejects, wantRejects)
	}
	if one, err := db.Rejects(1); err != nil || len(one) != 1 || one[0].Reason != "not JSON" {
		t.Errorf("Rejects(1) = %+v, %v; want the newest only", one, err)
	}
	counts, err := db.RejectCounts()
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"": 1, "air": 1}; !reflect.DeepEqual(counts, want) {
		t.Errorf("RejectCounts = %v, want %v", counts, want)
	}

	gaps, err := db.Gaps(0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Gap{{At: t0.Add(-5 * time.Minute).UTC(), Feed: city.FeedWater, Epoch: "e1", From: 100, To: 180}}; !reflect.DeepEqual(gaps, want) {
		t.Errorf("Gaps = %+v, want %+v", gaps, want)
	}

	hist, err := db.History("air-bund", city.ParamPM25, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Point{{Time: r1.Time.UTC(), Value: 30}, {Time: r2.Time.UTC(), Value: 35}}; !reflect.DeepEqual(hist, want) {
		t.Errorf("History = %+v, want %+v", hist, want)
	}

	n, err := db.ReadingCount()
	if err != nil {
		t.Fatal(err)
	}
	// 2 air readings × 6 values, the alarm's battery value and two events.
	if want := int64(12 + 1 + 2); n != want {
		t.Errorf("ReadingCount = %d, want %d", n, want)
	}
	if err := db.IntegrityCheck(); err != nil {
		t.Errorf("IntegrityCheck: %v", err)
	}
}

func TestSecondDeliveryMakesNoSecondRow(t *testing.T) {
	db := openTest(t, Options{})
	r := air("air-bund", t0.Add(-time.Hour), 1, 30)
	again := air("air-bund", t0.Add(-time.Hour), 1, 99) // same key, other values
	submit(t, db, Batch{Readings: []city.Reading{r, r}})
	submit(t, db, Batch{Readings: []city.Reading{again}})
	n, err := db.ReadingCount()
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("ReadingCount = %d, want 6", n)
	}
	hist, err := db.History("air-bund", city.ParamPM25, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Point{{Time: r.Time.UTC(), Value: 30}}; !reflect.DeepEqual(hist, want) {
		t.Errorf("History = %v, want the first delivery %v", hist, want)
	}
	latest, err := db.Latest()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range latest {
		if l.Param == city.ParamPM25 && l.Value != 30 {
			t.Errorf("latest pm25 = %v, want the first delivery's 30", l.Value)
		}
	}
}

func TestLatestOnlyMovesForward(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]time.Duration // reading times (offsets from t0), per batch
		want    time.Duration
	}{
		{"newer then older, two batches", [][]time.Duration{{-time.Hour}, {-2 * time.Hour}}, -time.Hour},
		{"newer then older, one batch", [][]time.Duration{{-time.Hour, -2 * time.Hour}}, -time.Hour},
		{"older then newer, one batch", [][]time.Duration{{-2 * time.Hour, -time.Hour}}, -time.Hour},
		{"older then newer, two batches", [][]time.Duration{{-3 * time.Hour}, {-time.Minute}}, -time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t, Options{})
			for _, offs := range tt.batches {
				var b Batch
				for _, off := range offs {
					b.Readings = append(b.Readings, air("air-bund", t0.Add(off), 0, float64(-off/time.Minute)))
					b.Readings = append(b.Readings, city.Reading{Feed: city.FeedFire, Station: "smoke-7", Time: t0.Add(off), Event: fmt.Sprint(off)})
				}
				submit(t, db, b)
			}
			latest, err := db.Latest()
			if err != nil {
				t.Fatal(err)
			}
			if len(latest) != 6 {
				t.Fatalf("Latest has %d values, want 6", len(latest))
			}
			for _, l := range latest {
				if !l.Time.Equal(t0.Add(tt.want)) {
					t.Errorf("latest %s at %v, want %v", l.Param, l.Time, t0.Add(tt.want))
				}
			}
			for _, l := range latest {
				if l.Param == city.ParamPM25 && l.Value != float64(-tt.want/time.Minute) {
					t.Errorf("latest pm25 = %v, want %v", l.Value, float64(-tt.want/time.Minute))
				}
			}
			ev, err := db.LatestEvents()
			if err != nil {
				t.Fatal(err)
			}
			if len(ev) != 1 || ev[0].Event != fmt.Sprint(tt.want) || !ev[0].Time.Equal(t0.Add(tt.want)) {
				t.Errorf("LatestEvents = %+v, want event %v", ev, tt.want)
			}
		})
	}
}

// sideConn opens a second, ordinary connection to the cache file, the way
// another tool would.
func sideConn(t *testing.T, path string) *sql.DB {
	t.Helper()
	side, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { side.Close() })
	return side
}

func TestCursorCommitsWithItsReadings(t *testing.T) {
	db := openTest(t, Options{FlushInterval: time.Hour}) // only Flush commits
	// A trigger that fails the transaction storing the "poison" cursor.
	side := sideConn(t, db.Path())
	if _, err := side.Exec(`CREATE TRIGGER poison BEFORE INSERT ON cursor WHEN NEW.epoch = 'poison'
		BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	good := Batch{Readings: []city.Reading{air("air-a", t0.Add(-time.Hour), 7, 20)},
		Cursors: map[city.Feed]Cursor{city.FeedAir: {Epoch: "e1", Seq: 7}}}
	bad := Batch{Readings: []city.Reading{air("air-b", t0.Add(-time.Hour), 8, 20)},
		Cursors: map[city.Feed]Cursor{city.FeedWater: {Epoch: "poison", Seq: 8}}}
	if err := db.Submit(good); err != nil {
		t.Fatal(err)
	}
	if err := db.Submit(bad); err != nil {
		t.Fatal(err)
	}
	err := db.Flush()
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Flush = %v, want the write failure", err)
	}
	if err := db.Flush(); err != nil {
		t.Errorf("second Flush = %v, want nil (reported once)", err)
	}
	// The failure is also reported to the next Submit, which still queues.
	next := Batch{Readings: []city.Reading{air("air-c", t0.Add(-time.Hour), 9, 20)}}
	if err := db.Submit(next); err == nil {
		t.Errorf("Submit after a failed commit = nil, want the failure")
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	cursors, err := db.Cursors()
	if err != nil {
		t.Fatal(err)
	}
	if want := map[city.Feed]Cursor{city.FeedAir: {Epoch: "e1", Seq: 7, Updated: t0.UTC()}}; !reflect.DeepEqual(cursors, want) {
		t.Errorf("Cursors = %+v, want only the good batch's %+v", cursors, want)
	}
	for _, c := range []struct {
		station string
		want    int
	}{{"air-a", 1}, {"air-b", 0}, {"air-c", 1}} {
		h, err := db.History(c.station, city.ParamPM25, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != c.want {
			t.Errorf("%s has %d readings, want %d", c.station, len(h), c.want)
		}
	}
}

// A reader that sees a cursor must see the readings it covers.
func TestCursorNeverAheadOfReadings(t *testing.T) {
	db := openTest(t, Options{FlushInterval: time.Millisecond})
	const n = 300
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= n; i++ {
			b := Batch{Readings: []city.Reading{air("air-a", t0.Add(time.Duration(i-n)*time.Minute), uint64(i), 20)},
				Cursors: map[city.Feed]Cursor{city.FeedAir: {Epoch: "e", Seq: uint64(i)}}}
			if err := db.Submit(b); err != nil {
				t.Error(err)
				break
			}
		}
		if err := db.Flush(); err != nil {
			t.Error(err)
		}
		close(done)
	}()
	for stop := false; !stop; {
		select {
		case <-done:
			stop = true
		default:
		}
		cs, err := db.Cursors()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.ReadingCount()
		if err != nil {
			t.Fatal(err)
		}
		if got := uint64(rows / 6); got < cs[city.FeedAir].Seq {
			t.Fatalf("cursor at %d but only %d readings stored", cs[city.FeedAir].Seq, got)
		}
	}
	wg.Wait()
	if cs, _ := db.Cursors(); cs[city.FeedAir].Seq != n {
		t.Errorf("final cursor %d, want %d", cs[city.FeedAir].Seq, n)
	}
}

func TestNotDatabaseIsRefusedAndKept(t *testing.T) {
	foreign := filepath.Join(t.TempDir(), "other.db")
	other, err := sql.Open("sqlite3", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')`); err != nil {
		t.Fatal(err)
	}
	other.Close()
	foreignBytes, err := os.ReadFile(foreign)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
	}{
		{"text", []byte("these are my notes, not a database\n")},
		{"one byte", []byte{0}},
		{"random 8 KiB", bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 2048)},
		{"sqlite header, garbage after", append(append([]byte(nil), sqliteMagic...), bytes.Repeat([]byte{0xff}, 4096)...)},
		{"another program's database", foreignBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			db, err := Open(dir, Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want ErrNotDatabase")
			}
			if !errors.Is(err, ErrNotDatabase) {
				t.Fatalf("Open = %v, want ErrNotDatabase", err)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if !bytes.Equal(got, tt.content) {
				t.Errorf("the file was changed (%d bytes, was %d)", len(got), len(tt.content))
			}
			// The directory is not left locked.
			if db, err := Open(dir, Options{}); !errors.Is(err, ErrNotDatabase) {
				if err == nil {
					db.Close()
				}
				t.Errorf("second Open = %v, want ErrNotDatabase again", err)
			}
		})
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	db.Close()
	side := sideConn(t, path)
	if _, err := side.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	side.Close()
	db, err = Open(dir, Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open = %v, want a newer-schema error", err)
	}
}

func TestSecondInstanceIsLockedOut(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(dir, Options{manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(dir, Options{})
	if !errors.Is(err, ErrLocked) {
		if err == nil {
			second.Close()
		}
		first.Close()
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	submit(t, first, Batch{Readings: []city.Reading{air("air-a", t0, 1, 10)}})
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir, Options{manualRetention: true})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	defer again.Close()
	if n, err := again.ReadingCount(); err != nil || n != 6 {
		t.Errorf("ReadingCount after reopen = %d, %v; want 6", n, err)
	}
}

func TestClosedDB(t *testing.T) {
	db, err := Open(t.TempDir(), Options{manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	checks := map[string]error{
		"Submit": db.Submit(Batch{}),
		"Flush":  db.Flush(),
	}
	_, checks["Retain"] = db.Retain(t0)
	_, checks["Latest"] = db.Latest()
	_, checks["ReadingCount"] = db.ReadingCount()
	checks["EachReading"] = db.EachReading(ReadingFilter{}, func(Row) error { return nil })
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestUnstorableValuesBecomeRejects(t *testing.T) {
	db := openTest(t, Options{})
	r := air("air-a", t0, 1, 10)
	r.Values[0].Value = math.NaN()
	r.Values[1].Value = math.Inf(1)
	submit(t, db, Batch{Readings: []city.Reading{
		r,
		{Feed: city.FeedAir, Time: t0, Values: r.Values[2:]},                                     // no station
		{Feed: city.FeedAir, Station: "air-a", Values: r.Values[2:]},                             // no time
		{Feed: city.FeedAir, Station: "air-b", Time: t0, Values: []city.Measurement{{Value: 3}}}, // no param
	}, Stations: []city.Station{{Name: "no id"}}})
	n, err := db.ReadingCount()
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("ReadingCount = %d, want the 4 finite values", n)
	}
	counts, err := db.RejectCounts()
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"air": 5, "": 1}; !reflect.DeepEqual(counts, want) {
		t.Errorf("RejectCounts = %v, want %v", counts, want)
	}
}

func TestEachReadingFilters(t *testing.T) {
	db := openTest(t, Options{})
	h := time.Hour
	b := Batch{Stations: []city.Station{stationAir, stationSmoke}}
	b.Readings = []city.Reading{
		{Feed: city.FeedAir, Station: "air-bund", Time: t0.Add(-3 * h), Values: []city.Measurement{{Param: "pm25", Value: 1, Unit: "µg/m³"}, {Param: "co", Value: 0.5, Unit: "mg/m³"}}},
		{Feed: city.FeedAir, Station: "air-bund", Time: t0.Add(-1 * h), Values: []city.Measurement{{Param: "pm25", Value: 3, Unit: "µg/m³"}}},
		{Feed: city.FeedFire, Station: "smoke-7", Time: t0.Add(-3 * h), Event: city.EventTest, Values: []city.Measurement{{Param: "battery", Value: 90, Unit: "%"}}},
		{Feed: city.FeedFire, Station: "smoke-7", Time: t0.Add(-2 * h), Event: city.EventAlarm},
		{Feed: city.FeedNoise, Station: "noise-1", Time: t0.Add(-2 * h), Values: []city.Measurement{{Param: "laeq", Value: 61.5, Unit: "dB(A)"}}},
	}
	submit(t, db, b)
	key := func(r Row) string {
		what := r.Param
		if r.Event != "" {
			what = "!" + r.Event
		}
		return fmt.Sprintf("-%dh %s %s %v%s", int(t0.Sub(r.Time)/h), r.Station, what, r.Value, r.Unit)
	}
	tests := []struct {
		name string
		f    ReadingFilter
		want []string
	}{
		{"all", ReadingFilter{}, []string{
			"-3h air-bund co 0.5mg/m³", "-3h air-bund pm25 1µg/m³",
			"-3h smoke-7 !test 0", "-3h smoke-7 battery 90%",
			"-2h noise-1 laeq 61.5dB(A)", "-2h smoke-7 !alarm 0",
			"-1h air-bund pm25 3µg/m³"}},
		{"feed", ReadingFilter{Feed: city.FeedFire}, []string{"-3h smoke-7 !test 0", "-3h smoke-7 battery 90%", "-2h smoke-7 !alarm 0"}},
		{"from inclusive", ReadingFilter{From: t0.Add(-2 * h)}, []string{"-2h noise-1 laeq 61.5dB(A)", "-2h smoke-7 !alarm 0", "-1h air-bund pm25 3µg/m³"}},
		{"to exclusive", ReadingFilter{To: t0.Add(-2 * h)}, []string{
			"-3h air-bund co 0.5mg/m³", "-3h air-bund pm25 1µg/m³", "-3h smoke-7 !test 0", "-3h smoke-7 battery 90%"}},
		{"window and feed", ReadingFilter{From: t0.Add(-3 * h), To: t0, Feed: city.FeedAir}, []string{
			"-3h air-bund co 0.5mg/m³", "-3h air-bund pm25 1µg/m³", "-1h air-bund pm25 3µg/m³"}},
		{"empty window", ReadingFilter{From: t0, To: t0.Add(h)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := db.EachReading(tt.f, func(r Row) error {
				if r.Feed == "" {
					t.Errorf("row without feed: %+v", r)
				}
				got = append(got, key(r))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	stop := errors.New("enough")
	calls := 0
	err := db.EachReading(ReadingFilter{}, func(Row) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("EachReading with a failing fn = %v after %d calls, want %v after 1", err, calls, stop)
	}
}

func TestRetentionDeletesInChunks(t *testing.T) {
	const chunk = 100
	db := openTest(t, Options{Retention: 24 * time.Hour, retainChunk: chunk})
	stations := []string{"air-a", "air-b", "air-c", "air-d", "air-e"}
	var b Batch
	for _, st := range stations {
		for hrs := 0; hrs < 72; hrs++ { // hourly for three days
			b.Readings = append(b.Readings, air(st, t0.Add(-time.Duration(hrs)*time.Hour-time.Minute), 0, float64(hrs)))
		}
	}
	b.Rejects = []Reject{{At: t0.Add(-48 * time.Hour), Reason: "old"}, {At: t0.Add(-time.Hour), Reason: "new"}}
	b.Gaps = []Gap{{At: t0.Add(-48 * time.Hour), Feed: "air"}, {At: t0.Add(-time.Hour), Feed: "air"}}
	submit(t, db, b)

	before, _ := db.ReadingCount()
	res := db.retain(t0)
	if res.err != nil {
		t.Fatal(res.err)
	}
	// Readings within the last 24 h: offsets 0..23 h (each is a minute
	// older than its hour) stay; 48 per station go.
	wantDeleted := int64(len(stations) * 48 * 6)
	if res.deleted != wantDeleted {
		t.Errorf("deleted %d, want %d", res.deleted, wantDeleted)
	}
	if minSteps := int(wantDeleted / chunk); res.steps < minSteps {
		t.Errorf("%d steps, want at least %d of at most %d rows", res.steps, minSteps, chunk)
	}
	after, _ := db.ReadingCount()
	if before-after != wantDeleted || after != int64(len(stations)*24*6) {
		t.Errorf("count %d → %d, want %d left", before, after, len(stations)*24*6)
	}
	err := db.EachReading(ReadingFilter{}, func(r Row) error {
		if t0.Sub(r.Time) > 24*time.Hour {
			return fmt.Errorf("row of %v survived", r.Time)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if latest, _ := db.Latest(); len(latest) != len(stations)*6 {
		t.Errorf("%d latest values, want %d (latest is kept)", len(latest), len(stations)*6)
	}
	if r, _ := db.Rejects(0); len(r) != 1 || r[0].Reason != "new" {
		t.Errorf("rejects after retention = %+v, want the new one", r)
	}
	if g, _ := db.Gaps(0); len(g) != 1 {
		t.Errorf("gaps after retention = %+v, want one", g)
	}
	if n, err := db.Retain(t0); err != nil || n != 0 {
		t.Errorf("second Retain = %d, %v; want 0", n, err)
	}
	if err := db.IntegrityCheck(); err != nil {
		t.Error(err)
	}
}

// The background pass that starts with the writer removes old rows
// without being asked.
func TestBackgroundRetention(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{Now: fixedClock(t0), manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	for d := 0; d < 40; d++ {
		b.Readings = append(b.Readings, air("air-a", t0.Add(-time.Duration(d)*24*time.Hour-time.Minute), 0, 1))
	}
	submit(t, db, b)
	db.Close()

	db, err = Open(dir, Options{Now: fixedClock(t0), retainChunk: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := int64(30 * 6) // days 0..29 are within the default 30 days
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := db.ReadingCount()
		if err != nil {
			t.Fatal(err)
		}
		if n == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ReadingCount = %d after 10 s, want %d", n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUnitChangesAreKept(t *testing.T) {
	db := openTest(t, Options{})
	submit(t, db, Batch{Readings: []city.Reading{{Feed: city.FeedWater, Station: "w-1", Time: t0.Add(-time.Hour),
		Values: []city.Measurement{{Param: "temp", Value: 12, Unit: "°C"}}}}})
	submit(t, db, Batch{Readings: []city.Reading{{Feed: city.FeedWater, Station: "w-1", Time: t0,
		Values: []city.Measurement{{Param: "temp", Value: 13}}}}}) // no unit: keep the known one
	l, err := db.Latest()
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 1 || l[0].Unit != "°C" || l[0].Value != 13 {
		t.Errorf("Latest = %+v, want 13 °C", l)
	}
}

func TestConcurrentUse(t *testing.T) {
	db := openTest(t, Options{MaxBatch: 64, FlushInterval: 2 * time.Millisecond})
	const writers, per = 4, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				st := fmt.Sprintf("air-%d", w)
				if err := db.Submit(Batch{Readings: []city.Reading{air(st, t0.Add(time.Duration(-i)*time.Minute), 0, 1)}}); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					if err := db.Flush(); err != nil {
						t.Error(err)
					}
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if _, err := db.Latest(); err != nil {
					t.Error(err)
				}
				if _, err := db.History(fmt.Sprintf("air-%d", w), "pm25", time.Time{}, time.Time{}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, err := db.ReadingCount(); err != nil || n != writers*per*6 {
		t.Errorf("ReadingCount = %d, %v; want %d", n, err, writers*per*6)
	}
}

func TestMigrationsAreNumbered(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || SchemaVersion() != len(ms) {
		t.Fatalf("SchemaVersion = %d with %d migrations", SchemaVersion(), len(ms))
	}
	db := openTest(t, Options{})
	side := sideConn(t, db.Path())
	var v, app int
	if err := side.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := side.QueryRow("PRAGMA application_id").Scan(&app); err != nil {
		t.Fatal(err)
	}
	if v != len(ms) || app != appID {
		t.Errorf("user_version %d, application_id %#x; want %d, %#x", v, app, len(ms), appID)
	}
	var mode string
	if err := side.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// The error SQLite gives for a corrupt file maps onto ErrNotDatabase.
func TestClassify(t *testing.T) {
	err := classify(sqlite3.Error{Code: sqlite3.ErrNotADB})
	if !errors.Is(err, ErrNotDatabase) {
		t.Errorf("classify(NOTADB) = %v, want ErrNotDatabase", err)
	}
	if other := errors.New("x"); classify(other) != other {
		t.Error("classify changed an unrelated error")
	}
}

// The O_EXCL lock used where flock is missing (Windows) also keeps a second
// holder out and lets go on release.
func TestExclusiveLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), LockName)
	first, err := lockExcl(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockExcl(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock = %v, want ErrLocked", err)
	}
	if err := first.release(); err != nil {
		t.Fatal(err)
	}
	again, err := lockExcl(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	if err := again.release(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenReadOnlyWhileWriterRuns(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenReadOnly(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly of an empty dir = %v, want os.ErrNotExist", err)
	}
	w, err := Open(dir, Options{Now: fixedClock(t0), manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	submit(t, w, Batch{Readings: []city.Reading{air("air-a", t0, 1, 10)}})
	ro, err := OpenReadOnly(dir) // the lock does not stop a reader
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ro.ReadingCount(); err != nil || n != 6 {
		t.Errorf("ReadingCount = %d, %v; want 6", n, err)
	}
	submit(t, w, Batch{Readings: []city.Reading{air("air-a", t0.Add(time.Minute), 2, 10)}})
	if n, err := ro.ReadingCount(); err != nil || n != 12 {
		t.Errorf("ReadingCount after more ingest = %d, %v; want 12", n, err)
	}
	if err := ro.Submit(Batch{}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Submit on a read-only DB = %v, want ErrReadOnly", err)
	}
	if err := ro.Flush(); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Flush on a read-only DB = %v, want ErrReadOnly", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Latest(); !errors.Is(err, ErrClosed) {
		t.Errorf("Latest after Close = %v, want ErrClosed", err)
	}
}

// Batches long enough for the writer's multi-row INSERTs, with repeats in
// the same statement, in another statement of the same transaction and in
// a later transaction, store every row once with its first value.
func TestManyRowsStoredOnce(t *testing.T) {
	db := openTest(t, Options{})
	const readings = 3*insertRows + 7 // not a multiple of the rows per statement
	var first, repeat []city.Reading
	for i := range readings {
		first = append(first, air(fmt.Sprintf("air-%d", i%13), t0.Add(-time.Duration(i)*time.Minute), 0, float64(i)))
		repeat = append(repeat, air(fmt.Sprintf("air-%d", i%13), t0.Add(-time.Duration(i)*time.Minute), 0, -1))
	}
	b := append(append([]city.Reading(nil), first...), first[:2]...) // repeats within the batch
	b = append(b, repeat[insertRows/2:insertRows]...)
	submit(t, db, Batch{Readings: b})
	submit(t, db, Batch{Readings: repeat})
	if n, err := db.ReadingCount(); err != nil || n != readings*6 {
		t.Fatalf("ReadingCount = %d, %v; want %d", n, err, readings*6)
	}
	err := db.EachReading(ReadingFilter{}, func(r Row) error {
		if r.Param == city.ParamPM25 && r.Value < 0 {
			return fmt.Errorf("%s at %v: a repeat's value %v replaced the first", r.Station, r.Time, r.Value)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
