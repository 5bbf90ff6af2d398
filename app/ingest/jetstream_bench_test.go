package ingest

import (
	"context"
	"sync"
	"testing"
	"time"

	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/testutil"
)

// BenchmarkJetStreamIngest measures readings through NATS JetStream into
// SQLite: the district at scale 5 (as BenchmarkIngestPipeline), published
// into a single loopback nats-server's stream beforehand (not timed), then
// consumed by the app's JetStream transport from the cursor the cache
// holds, decoded, validated and committed with the alert engine on, as
// the app runs it. Each iteration starts the transport afresh, so its
// start (connect, stations, one ordered consumer per feed from its
// cursor) is counted too. The raw SQLite insert of the same rows
// (cache.RawBaseline) is timed in the same run; pct_of_raw compares them.
func BenchmarkJetStreamIngest(b *testing.B) {
	ns := testutil.StartNATS(b, 1)
	src := newPipeSource(time.Now().Add(-7 * 24 * time.Hour).Truncate(time.Second))
	p := newPipeline(b, src.sim.Stations(), true)
	raw, err := cache.OpenRawBaseline(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	urls, _ := feeds.ParseNATSURLs(ns.URLs())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	pub, err := feeds.NewJetStreamPublisher(ctx, feeds.JetStreamPublisherConfig{URLs: urls, MaxAge: 30 * 24 * time.Hour})
	cancel()
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close(5 * time.Second)
	for _, st := range src.sim.Stations() {
		if err := pub.PutStation(st); err != nil {
			b.Fatal(err)
		}
	}
	h := &countingIngest{Ingest: p.in, reached: make(chan struct{}, 1)}
	before, err := p.db.ReadingCount()
	if err != nil {
		b.Fatal(err)
	}

	var pipeTime, rawTime time.Duration
	var readings, rows int
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		w := src.work(b, pipePerIter)
		for _, r := range w.readings {
			if _, err := pub.Publish(r); err != nil {
				b.Fatal(err)
			}
		}
		fctx, fcancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if err := pub.Flush(fctx); err != nil {
			b.Fatal(err)
		}
		fcancel()
		rawRows := raw.Rows(w.readings)
		perTx := cache.DefaultMaxBatch * len(rawRows) / len(w.readings)
		h.want.Store(h.n.Load() + int64(len(w.readings)))
		j, err := feeds.NewJetStream(feeds.JetStreamConfig{URLs: urls, Feeds: city.Feeds, Handler: h, Cursors: p.in.Cursors, Validator: p.v})
		if err != nil {
			b.Fatal(err)
		}
		jctx, jcancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		b.StartTimer()

		start := time.Now()
		wg.Add(1)
		go func() { defer wg.Done(); _ = j.Run(jctx) }()
		select {
		case <-h.reached:
		case <-time.After(2 * time.Minute):
			b.Fatalf("%d of %d readings arrived", h.n.Load(), h.want.Load())
		}
		p.commit(b)
		pipeTime += time.Since(start)

		b.StopTimer()
		jcancel()
		wg.Wait()
		if r := h.rejected.Load(); r != nil {
			b.Fatalf("rejected: %s", r)
		}
		start = time.Now()
		if err := raw.Insert(rawRows, perTx); err != nil {
			b.Fatal(err)
		}
		rawTime += time.Since(start)
		b.StartTimer()
		readings += len(w.readings)
		rows += w.rows
	}
	b.StopTimer()
	checkBenchRows(b, p.db, before, rows)
	reportAgainstRaw(b, readings, rows, pipeTime, rawTime)
}
