package city

import (
	"testing"
	"time"
)

// BenchmarkHourlyAQI is the baseline: judging one air reading's AQI alone.
func BenchmarkHourlyAQI(b *testing.B) {
	v := map[string]float64{ParamPM25: 88, ParamPM10: 100, ParamSO2: 10, ParamNO2: 40, ParamCO: 0.8, ParamO3: 60}
	start := time.Now()
	for b.Loop() {
		if _, err := HourlyAQI(v, Edition2026); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "readings/s")
}

// BenchmarkEngineObserve measures the whole path of an air reading through
// the alert engine (AQI, hysteresis, one open alert updated), to compare
// with BenchmarkHourlyAQI run alongside it.
func BenchmarkEngineObserve(b *testing.B) {
	cfg := DefaultSiteConfig()
	e, err := NewEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, Shanghai)
	r := airReading(t0, 88)
	n := 0
	start := time.Now()
	for b.Loop() {
		r.Time = t0.Add(time.Duration(n) * time.Minute)
		r.Values[0].Value = 80 + float64(n%20) // AQI flickers around 110–135
		if _, err := e.Observe(airStation, r); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "readings/s")
	if len(e.Alerts()) != 1 {
		b.Fatalf("%d alerts, want 1", len(e.Alerts()))
	}
}
