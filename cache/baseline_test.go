package cache

import (
	"reflect"
	"testing"
	"time"

	"onescreen/city"
)

func TestRawBaseline(t *testing.T) {
	dir := t.TempDir()
	raw, err := OpenRawBaseline(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if again, err := OpenRawBaseline(dir); err == nil {
		again.Close()
		t.Error("a second baseline in the same directory was opened")
	}
	rs := []city.Reading{
		air("air-a", t0, 1, 10),
		{Feed: city.FeedFire, Station: "smoke-7", Time: t0, Event: city.EventAlarm,
			Values: []city.Measurement{{Param: city.ParamBattery, Value: 80, Unit: "%"}}},
		air("air-a", t0.Add(time.Minute), 2, 11),
	}
	rows := raw.Rows(rs)
	if len(rows) != 14 {
		t.Fatalf("%d rows, want 6+2+6", len(rows))
	}
	ms := t0.UnixMilli()
	wantFire := []RawRow{{Station: 2, Param: 7, Time: ms, Value: 80}, {Station: 2, Param: 8, Time: ms, Event: true}}
	if got := rows[6:8]; !reflect.DeepEqual(got, wantFire) {
		t.Errorf("fire rows = %+v, want %+v", got, wantFire)
	}
	if rows[8].Station != 1 || rows[8].Param != 1 {
		t.Errorf("second air reading numbered %+v, want station 1, param 1", rows[8])
	}
	if err := raw.Insert(rows, 5); err != nil {
		t.Fatal(err)
	}
	if err := raw.Insert(rows[:3], 0); err != nil { // a second delivery
		t.Fatal(err)
	}
	if n, err := raw.Count(); err != nil || n != 14 {
		t.Errorf("Count = %d, %v; want 14", n, err)
	}
}
