package city

import (
	"testing"
	"time"
)

func fireEvent(t time.Time, event string, vals ...Measurement) Reading {
	return Reading{Feed: FeedFire, Station: "S1", Time: t, Event: event, Values: vals}
}

func TestDetectorState(t *testing.T) {
	f := DefaultSiteConfig().Fire
	t0 := at(9, 0)
	steps := []struct {
		r    Reading
		want DetectorState
	}{
		{fireEvent(t0, EventHeartbeat), DetectorState{LastHeard: t0}},
		{fireEvent(t0.Add(time.Minute), EventTest), DetectorState{LastHeard: t0.Add(time.Minute), LastTest: t0.Add(time.Minute)}},
		{fireEvent(t0.Add(2*time.Minute), EventAlarm), DetectorState{Alarm: true, AlarmSince: t0.Add(2 * time.Minute),
			LastHeard: t0.Add(2 * time.Minute), LastTest: t0.Add(time.Minute)}},
		// A second alarm keeps the first alarm's start.
		{fireEvent(t0.Add(3*time.Minute), EventAlarm), DetectorState{Alarm: true, AlarmSince: t0.Add(2 * time.Minute),
			LastHeard: t0.Add(3 * time.Minute), LastTest: t0.Add(time.Minute)}},
		// A heartbeat does not clear an alarm; only "cleared" does.
		{fireEvent(t0.Add(4*time.Minute), EventHeartbeat), DetectorState{Alarm: true, AlarmSince: t0.Add(2 * time.Minute),
			LastHeard: t0.Add(4 * time.Minute), LastTest: t0.Add(time.Minute)}},
		{fireEvent(t0.Add(5*time.Minute), EventCleared), DetectorState{LastHeard: t0.Add(5 * time.Minute), LastTest: t0.Add(time.Minute)}},
		{fireEvent(t0.Add(6*time.Minute), EventFault), DetectorState{Fault: true, LastHeard: t0.Add(6 * time.Minute), LastTest: t0.Add(time.Minute)}},
		{fireEvent(t0.Add(7*time.Minute), EventTamper), DetectorState{Fault: true, Tamper: true, LastHeard: t0.Add(7 * time.Minute), LastTest: t0.Add(time.Minute)}},
		// A heartbeat says the device works again.
		{fireEvent(t0.Add(8*time.Minute), EventHeartbeat), DetectorState{LastHeard: t0.Add(8 * time.Minute), LastTest: t0.Add(time.Minute)}},
		{fireEvent(t0.Add(9*time.Minute), EventLowBattery, Measurement{Param: ParamBattery, Value: 18}),
			DetectorState{LowBattery: true, Battery: 18, HasBattery: true, LastHeard: t0.Add(9 * time.Minute), LastTest: t0.Add(time.Minute)}},
		// A battery value at the setting (20 %) ends low battery.
		{fireEvent(t0.Add(10*time.Minute), EventHeartbeat, Measurement{Param: ParamBattery, Value: 20}),
			DetectorState{Battery: 20, HasBattery: true, LastHeard: t0.Add(10 * time.Minute), LastTest: t0.Add(time.Minute)}},
		// An older reading changes nothing.
		{fireEvent(t0, EventAlarm), DetectorState{Battery: 20, HasBattery: true, LastHeard: t0.Add(10 * time.Minute), LastTest: t0.Add(time.Minute)}},
	}
	var s DetectorState
	for i, st := range steps {
		var err error
		s, err = s.Apply(st.r, f)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if s != st.want {
			t.Fatalf("step %d (%s): got %+v\nwant %+v", i, st.r.Event, s, st.want)
		}
	}
	if _, err := s.Apply(fireEvent(t0.Add(time.Hour), "smoke?"), f); err == nil {
		t.Error("unknown event accepted")
	}
	if _, err := s.Apply(fireEvent(t0.Add(time.Hour), "", Measurement{Param: ParamBattery, Value: 140}), f); err == nil {
		t.Error("battery 140 % accepted")
	}
}

func TestDetectorOffline(t *testing.T) {
	s := DetectorState{LastHeard: at(9, 0)}
	timeout := 15 * time.Minute
	tests := []struct {
		now  time.Time
		want bool
	}{
		{at(9, 14), false}, {at(9, 15), false}, {at(9, 15).Add(time.Second), true}, {at(11, 0), true},
	}
	for _, tt := range tests {
		if got := s.Offline(tt.now, timeout); got != tt.want {
			t.Errorf("Offline(%v) = %v", tt.now.Format("15:04:05"), got)
		}
	}
	if (DetectorState{}).Offline(at(12, 0), timeout) {
		t.Error("a device never heard from counts as offline")
	}
}

func TestHydrantPressureBand(t *testing.T) {
	f := DefaultSiteConfig().Fire
	tests := []struct {
		p    float64
		want PressureStatus
	}{
		{0, PressureLow}, {0.139, PressureLow}, {0.14, PressureNormal}, {0.35, PressureNormal},
		{0.70, PressureNormal}, {0.701, PressureHigh}, {1.2, PressureHigh},
	}
	for _, tt := range tests {
		got, err := HydrantPressure(tt.p, f)
		if err != nil || got != tt.want {
			t.Errorf("HydrantPressure(%v) = %v %v, want %v", tt.p, got, err, tt.want)
		}
	}
	if _, err := HydrantPressure(-0.1, f); err == nil {
		t.Error("negative pressure accepted")
	}
}

func TestElectricalFireSettings(t *testing.T) {
	f := DefaultSiteConfig().Fire
	for _, tt := range []struct {
		mA   float64
		want bool
	}{{0, false}, {299.9, false}, {300, true}, {480, true}} {
		if got, err := ResidualCurrentOver(tt.mA, f); err != nil || got != tt.want {
			t.Errorf("ResidualCurrentOver(%v) = %v %v", tt.mA, got, err)
		}
	}
	for _, tt := range []struct {
		c    float64
		want bool
	}{{25, false}, {69.9, false}, {70, true}, {95, true}} {
		if got, err := CableTempOver(tt.c, f); err != nil || got != tt.want {
			t.Errorf("CableTempOver(%v) = %v %v", tt.c, got, err)
		}
	}
	// The site moves the settings within the standard's ranges.
	f.ResidualCurrentMA, f.CableTempC = 500, 55
	if over, _ := ResidualCurrentOver(480, f); over {
		t.Error("480 mA over a 500 mA setting")
	}
	if over, _ := CableTempOver(60, f); !over {
		t.Error("60 °C not over a 55 °C setting")
	}
}
