package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/paulmach/orb"

	"onescreen/assets"
	"onescreen/city"
)

// A change the desk reports is drawn without waiting for the pump's
// period: with a period of an hour, a new fire alarm still reaches the
// alert panel, and the pump never read the cache for it.
func TestPumpDrawsAReportedChangeAtOnce(t *testing.T) {
	db, in, dk, live := newLiveDesk(t, true)
	det := city.Station{ID: "fire-smoke-902", Feed: city.FeedFire, Kind: city.KindSmokeDetector, Name: "烟感 902", Location: orb.Point{121.49, 31.23}}
	in.Station(det)
	in.Flush()

	a := test.NewTempApp(t)
	a.Settings().SetTheme(assets.NewTheme())
	if err := SetLanguage(LangZH); err != nil {
		t.Fatal(err)
	}
	c, err := NewConsole(a, db, ConsoleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.Connect(Parts{Data: db, Live: live, Desk: dk})
	shown := make(chan bool, 16)
	c.afterApply = func(s *Snapshot) {
		for _, v := range s.Alerts {
			if v.Alert.Station == det.ID {
				shown <- s.Stations != nil
				return
			}
		}
	}
	p := NewPump(db, live, c)
	p.every = time.Hour
	p.deliver = func(f func()) { f() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond) // the first, full snapshot is drawn
	in.Reading(city.Reading{Feed: city.FeedFire, Station: det.ID, Time: time.Now(), Event: city.EventAlarm}, "E1")
	select {
	case withStations := <-shown:
		if !withStations {
			t.Error("the change was drawn without the station values of the last snapshot")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the new fire alarm did not reach the alert panel before the pump's period")
	}
}
