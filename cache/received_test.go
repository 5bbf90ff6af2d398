package cache

import (
	"path/filepath"
	"testing"
	"time"

	"onescreen/city"
)

// ReceivedAt and LastReceived read the receive times the writer stored.
func TestReceivedTimes(t *testing.T) {
	recv := time.Date(2026, 6, 1, 10, 30, 0, 0, time.UTC)
	db, err := Open(filepath.Join(t.TempDir(), "c"), Options{Now: func() time.Time { return recv }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.LastReceived(); err != nil || !got.IsZero() {
		t.Fatalf("empty cache: last received %v, %v; want zero", got, err)
	}
	obs := time.Date(2026, 6, 1, 10, 0, 0, 23e6, time.UTC)
	err = db.Submit(Batch{Stations: []city.Station{{ID: "smoke-1", Feed: city.FeedFire, Kind: city.KindSmokeDetector}},
		Readings: []city.Reading{{Feed: city.FeedFire, Station: "smoke-1", Time: obs, Event: city.EventAlarm}}})
	if err == nil {
		err = db.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.ReceivedAt("smoke-1", obs); err != nil || !got.Equal(recv) {
		t.Errorf("ReceivedAt = %v, %v; want %v", got, err, recv)
	}
	if got, err := db.ReceivedAt("smoke-1", obs.Add(time.Millisecond)); err != nil || !got.IsZero() {
		t.Errorf("ReceivedAt another time = %v, %v; want zero", got, err)
	}
	if got, err := db.ReceivedAt("smoke-2", obs); err != nil || !got.IsZero() {
		t.Errorf("ReceivedAt unknown station = %v, %v; want zero", got, err)
	}
	if got, err := db.LastReceived(); err != nil || !got.Equal(recv) {
		t.Errorf("LastReceived = %v, %v; want %v", got, err, recv)
	}
}
