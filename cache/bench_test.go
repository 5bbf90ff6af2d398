package cache

import (
	"fmt"
	"testing"
	"time"

	"onescreen/city"
)

// Benchmark shape: a district's air stations each sending six values, as
// after a reconnect when the feed server replays what was missed.
const (
	benchStations    = 200   // air stations
	benchPerIter     = 20000 // readings stored per benchmark iteration
	benchSubmitChunk = 256   // readings per Submit, like the app's ingest
	benchValues      = 6     // values per air reading
)

// benchReadings returns n air readings of benchStations stations, round
// after round a minute apart, starting at round first.
func benchReadings(n, first int) []city.Reading {
	out := make([]city.Reading, 0, n)
	base := t0.Add(-20 * 24 * time.Hour) // well inside the retention period
	for i := 0; len(out) < n; i++ {
		round := first + i/benchStations
		st := i % benchStations
		r := air(fmt.Sprintf("air-%03d", st), base.Add(time.Duration(round)*time.Minute), uint64(round*benchStations+st+1), float64(10+st%50))
		out = append(out, r)
	}
	return out
}

// openRaw opens the baseline in a fresh directory: the same reading
// table, the same pragmas, one prepared INSERT OR IGNORE reused within each
// transaction and one transaction per batch of the same size as the
// cache's.
func openRaw(b *testing.B) *RawBaseline {
	b.Helper()
	raw, err := OpenRawBaseline(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	return raw
}

// ingest submits rs in chunks and waits for the last commit.
func ingest(b *testing.B, db *DB, rs []city.Reading) {
	for len(rs) > 0 {
		n := min(benchSubmitChunk, len(rs))
		last := rs[n-1]
		err := db.Submit(Batch{Readings: rs[:n], Cursors: map[city.Feed]Cursor{city.FeedAir: {Epoch: "bench", Seq: last.Seq}}})
		if err != nil {
			b.Fatal(err)
		}
		rs = rs[n:]
	}
	if err := db.Flush(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIngest measures readings from Submit to commit.
func BenchmarkIngest(b *testing.B) {
	db := openTest(b, Options{})
	b.ReportAllocs()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		rs := benchReadings(benchPerIter, i*benchPerIter/benchStations)
		b.StartTimer()
		start := time.Now()
		ingest(b, db, rs)
		elapsed += time.Since(start)
	}
	total := float64(b.N * benchPerIter)
	b.ReportMetric(total/elapsed.Seconds(), "readings/s")
	b.ReportMetric(total*benchValues/elapsed.Seconds(), "rows/s")
}

// BenchmarkRawInsert is the baseline: the same rows straight into SQLite.
func BenchmarkRawInsert(b *testing.B) {
	raw := openRaw(b)
	b.ReportAllocs()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		rows := raw.Rows(benchReadings(benchPerIter, i*benchPerIter/benchStations))
		b.StartTimer()
		start := time.Now()
		if err := raw.Insert(rows, DefaultMaxBatch*benchValues); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	total := float64(b.N * benchPerIter * benchValues)
	b.ReportMetric(total/elapsed.Seconds(), "rows/s")
}

// BenchmarkIngestVsRaw runs both on the same rows in the same iteration and
// reports the cache's rate as a percentage of the raw one.
func BenchmarkIngestVsRaw(b *testing.B) {
	db := openTest(b, Options{})
	raw := openRaw(b)
	var cacheTime, rawTime time.Duration
	for i := 0; i < b.N; i++ {
		rs := benchReadings(benchPerIter, i*benchPerIter/benchStations)
		rows := raw.Rows(rs)
		start := time.Now()
		ingest(b, db, rs)
		cacheTime += time.Since(start)
		start = time.Now()
		if err := raw.Insert(rows, DefaultMaxBatch*benchValues); err != nil {
			b.Fatal(err)
		}
		rawTime += time.Since(start)
	}
	rows := float64(b.N * benchPerIter * benchValues)
	b.ReportMetric(rows/cacheTime.Seconds(), "cache_rows/s")
	b.ReportMetric(rows/rawTime.Seconds(), "raw_rows/s")
	b.ReportMetric(100*rawTime.Seconds()/cacheTime.Seconds(), "pct_of_raw")
}
