package main

import (
	"testing"
	"time"

	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// BenchmarkSimulatedPublish measures what cityfeed serve can publish: the
// simulator's ticks at Scale 100 through a feeds.Server with no clients,
// against the simulator's ticks alone as the baseline.
func BenchmarkSimulatedPublish(b *testing.B) {
	start := time.Now()
	b.Run("tick_only", func(b *testing.B) {
		s := sim.New(sim.Config{Scale: 100, Interval: time.Second, Now: func() time.Time { return start }})
		n := 0
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			n += len(s.Tick(start.Add(time.Duration(i) * time.Second)))
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
	})
	b.Run("tick_and_publish", func(b *testing.B) {
		// the ticks end now: the server refuses readings from the future
		start := time.Now().Add(-time.Duration(b.N) * time.Second)
		s := sim.New(sim.Config{Scale: 100, Interval: time.Second, Now: func() time.Time { return start }})
		srv := feeds.NewServer(feeds.ServerConfig{ReplayPerFeed: 1 << 16})
		defer srv.Close()
		for _, st := range s.Stations() {
			if err := srv.PutStation(st); err != nil {
				b.Fatal(err)
			}
		}
		n := 0
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for _, r := range s.Tick(start.Add(time.Duration(i) * time.Second)) {
				if _, err := srv.Publish(r); err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
	})
}
