package feeds

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"onescreen/city"
)

// benchReadings returns n realistic air readings as the server sends them:
// six pollutants, some keyed by HJ 212 code, 200 stations.
func benchReadings(b *testing.B, n int) (msgs [][]byte, v *Validator) {
	b.Helper()
	v = NewValidator()
	for i := range 200 {
		v.Know(city.Station{ID: fmt.Sprintf("air-%03d", i), Feed: city.FeedAir, Kind: city.KindAirStation, Location: orb.Point{121.48, 31.23}})
	}
	at := time.Now().In(city.Shanghai).Truncate(time.Second)
	for i := range n {
		r := city.Reading{Feed: city.FeedAir, Station: fmt.Sprintf("air-%03d", i%200), Seq: uint64(i + 1), Time: at,
			Values: []city.Measurement{
				{Param: "pm25", Value: 30 + float64(i%70)*0.7, Unit: "µg/m³"}, {Param: "pm10", Value: 58.4, Unit: "µg/m³"},
				{Param: "so2", Value: 7, Unit: "µg/m³"}, {Param: "no2", Value: 41.5, Unit: "µg/m³"},
				{Param: "co", Value: 0.6, Unit: "mg/m³"}, {Param: "o3", Value: 88, Unit: "µg/m³"}}}
		raw, err := Encode(ReadingEnvelope(r))
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 1 { // half of them speak HJ 212 codes with ASCII units
			raw = []byte(strings.NewReplacer(`"pm25"`, `"a34004"`, `"µg/m³"`, `"ug/m3"`).Replace(string(raw)))
		}
		msgs = append(msgs, raw)
	}
	return msgs, v
}

// BenchmarkDecodeValidate measures how many reading messages per second one
// core decodes and validates, beside two baselines on the same bytes:
// json.Valid (looking at every byte once) and an untyped json.Unmarshal
// (what a decoder without checks costs).
func BenchmarkDecodeValidate(b *testing.B) {
	const n = 1024
	msgs, v := benchReadings(b, n)
	batch := []byte(`{"v":1,"type":"batch","messages":[` + string(joinMsgs(msgs[:256])) + `]}`)
	perSecond := func(b *testing.B, readings int) {
		b.ReportMetric(float64(readings)/b.Elapsed().Seconds(), "readings/s")
	}
	b.Run("baseline=json.Valid", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if !json.Valid(msgs[i%n]) {
				b.Fatal("invalid")
			}
		}
		perSecond(b, b.N)
	})
	b.Run("baseline=json.Unmarshal-any", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			var m map[string]any
			if err := json.Unmarshal(msgs[i%n], &m); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b, b.N)
	})
	b.Run("message", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			env, err := Decode(msgs[i%n])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Reading(env.Reading); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b, b.N)
	})
	b.Run("batch=256", func(b *testing.B) { // as the client decodes what the server sends under load
		for b.Loop() {
			msgs, ok := decodeBatchFast(batch)
			if !ok {
				b.Fatal("batch refused")
			}
			for i := range msgs {
				if err := checkEnvelope(&msgs[i]); err != nil {
					b.Fatal(err)
				}
				if _, err := v.Reading(msgs[i].Reading); err != nil {
					b.Fatal(err)
				}
			}
		}
		perSecond(b, b.N*256)
	})
}

func joinMsgs(msgs [][]byte) []byte {
	var out []byte
	for i, m := range msgs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, m...)
	}
	return out
}

// countingHandler counts readings and discards the rest.
type countingHandler struct{ readings, rejects atomic.Int64 }

func (h *countingHandler) Hello(string)                 {}
func (h *countingHandler) Station(city.Station)         {}
func (h *countingHandler) Reading(city.Reading, string) { h.readings.Add(1) }
func (h *countingHandler) Gap(WireGap, string)          {}
func (h *countingHandler) Reject(string, []byte, error) { h.rejects.Add(1) }
func (h *countingHandler) ActionAck(string)             {}
func (h *countingHandler) State(ConnState, error)       {}

// BenchmarkStream measures readings per second end to end: Publish on the
// server, one client over loopback websocket, decoded and validated into a
// handler. Publish alone (no client) is the baseline.
func BenchmarkStream(b *testing.B) {
	st := city.Station{ID: "air-1", Feed: city.FeedAir, Name: "a", Kind: city.KindAirStation, Location: orb.Point{121.48, 31.23}}
	reading := func(i int) city.Reading {
		return city.Reading{Feed: city.FeedAir, Station: "air-1", Time: time.Now(),
			Values: []city.Measurement{{Param: "pm25", Value: float64(i % 500), Unit: "µg/m³"}, {Param: "pm10", Value: 58, Unit: "µg/m³"},
				{Param: "no2", Value: 41.5, Unit: "µg/m³"}, {Param: "co", Value: 0.6, Unit: "mg/m³"}}}
	}
	b.Run("baseline=publish-only", func(b *testing.B) {
		s := NewServer(ServerConfig{ReplayPerFeed: 1 << 16})
		defer s.Close()
		if err := s.PutStation(st); err != nil {
			b.Fatal(err)
		}
		for i := 0; b.Loop(); i++ {
			if _, err := s.Publish(reading(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "readings/s")
	})
	b.Run("publish-to-client", func(b *testing.B) {
		s := NewServer(ServerConfig{ReplayPerFeed: 1 << 20})
		defer s.Close()
		if err := s.PutStation(st); err != nil {
			b.Fatal(err)
		}
		hs := httptest.NewServer(s)
		defer hs.Close()
		h := &countingHandler{}
		c, err := NewClient(ClientConfig{URL: "ws" + strings.TrimPrefix(hs.URL, "http"), Feeds: []city.Feed{city.FeedAir}, Handler: h})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = c.Run(ctx) }()
		defer func() { cancel(); <-done }()
		for s.Clients() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // subscribed
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if _, err := s.Publish(reading(i)); err != nil {
				b.Fatal(err)
			}
			if i%4096 == 4095 { // the ring is large; only keep the client within it
				for h.readings.Load() < int64(i-(1<<19)) {
					time.Sleep(time.Millisecond)
				}
			}
		}
		for h.readings.Load() < int64(b.N) {
			time.Sleep(100 * time.Microsecond)
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "readings/s")
		if r := h.rejects.Load(); r > 0 {
			b.Fatalf("%d rejects", r)
		}
	})
}

// BenchmarkStepLogAppend measures how many officer steps a file step log
// makes durable per second when many desks send steps at once. group=1
// writes and fsyncs each step on its own (the cost of one fsync per
// step, as before group commit); group=all lets every step accepted
// during an fsync share the next one.
func BenchmarkStepLogAppend(b *testing.B) {
	for _, desks := range []int{1, 16} {
		for _, group := range []int{1, 0} {
			name := fmt.Sprintf("desks=%d/group=%d", desks, group)
			if group == 0 {
				name = fmt.Sprintf("desks=%d/group=all", desks)
			}
			b.Run(name, func(b *testing.B) {
				l, err := OpenStepLog(filepath.Join(b.TempDir(), "steps.jsonl"))
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				l.group = group
				acts := make([]WireAction, b.N)
				for i := range acts {
					acts[i] = testAction(i)
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for range desks {
					wg.Go(func() {
						for {
							i := next.Add(1) - 1
							if i >= int64(len(acts)) {
								return
							}
							if _, _, _, err := l.Append(acts[i]); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				l.mu.Lock()
				syncs := l.syncs
				l.mu.Unlock()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "steps/s")
				b.ReportMetric(float64(b.N)/float64(max(syncs, 1)), "steps/fsync")
			})
		}
	}
}
