package ingest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"onescreen/app/desk"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
	"onescreen/internal/desktest"
)

// Shape of BenchmarkIngestPipeline: the demo district at five times its
// size, replayed as after a reconnect, when the feed server sends what was
// missed as fast as the link allows.
const (
	pipeScale         = 5               // sim scale: 400 stations over the five feeds
	pipeInterval      = 5 * time.Second // sim reporting period
	pipePerIter       = 100_000         // reading messages ingested per iteration
	pipeFrameMessages = 512             // most messages per batch frame, as the feed server packs them
	pipeFrameBytes    = 256 << 10       // most bytes of messages per batch frame, likewise
	pipeEpoch         = "bench-epoch"   // the feed server's epoch the seqs belong to
)

// pipeWork is one iteration's input: the frames as they arrive on the
// websocket, and the readings behind them for the raw baseline.
type pipeWork struct {
	frames   [][]byte
	readings []city.Reading
	rows     int // rows stored: one per value and one per event, less repeats
}

// pipeSource makes reading messages of the simulated district, tick after
// tick, each feed with its own sequence numbers.
type pipeSource struct {
	sim  *sim.Simulator
	next time.Time
	seq  map[city.Feed]uint64
	left []city.Reading           // of the last tick, not yet used
	keys map[desktest.RowKey]bool // rows of the last tick (ticks do not share times)
}

func newPipeSource(start time.Time) *pipeSource {
	s := sim.New(sim.Config{Scale: pipeScale, Interval: pipeInterval, Seed: 1, Now: func() time.Time { return start }})
	return &pipeSource{sim: s, next: start, seq: map[city.Feed]uint64{}, keys: map[desktest.RowKey]bool{}}
}

// work encodes the next n readings into batch frames.
func (p *pipeSource) work(b *testing.B, n int) pipeWork {
	b.Helper()
	w := pipeWork{readings: make([]city.Reading, 0, n)}
	for len(w.readings) < n {
		if len(p.left) == 0 {
			p.left = p.sim.Tick(p.next)
			p.next = p.next.Add(pipeInterval)
			clear(p.keys)
			if err := p.sim.Err(); err != nil {
				b.Fatal(err)
			}
		}
		take := min(n-len(w.readings), len(p.left))
		for _, r := range p.left[:take] {
			w.rows += p.newRows(r)
		}
		w.readings = append(w.readings, p.left[:take]...)
		p.left = p.left[take:]
	}
	msgs := make([][]byte, 0, pipeFrameMessages)
	size := 0
	for i := range w.readings {
		r := &w.readings[i]
		p.seq[r.Feed]++
		r.Seq = p.seq[r.Feed]
		msg, err := feeds.Encode(feeds.ReadingEnvelope(*r))
		if err != nil {
			b.Fatal(err)
		}
		if len(msgs) == pipeFrameMessages || (len(msgs) > 0 && size+len(msg) > pipeFrameBytes) {
			w.frames = append(w.frames, batchFrame(b, msgs))
			msgs, size = msgs[:0], 0
		}
		msgs = append(msgs, msg)
		size += len(msg) + 1
	}
	if len(msgs) > 0 {
		w.frames = append(w.frames, batchFrame(b, msgs))
	}
	return w
}

// newRows returns how many rows r adds to those of its tick.
func (p *pipeSource) newRows(r city.Reading) int {
	n := 0
	add := func(param string) {
		k := desktest.RowKeyOf(r.Station, r.Time, param)
		if !p.keys[k] {
			p.keys[k] = true
			n++
		}
	}
	for _, m := range r.Values {
		add(m.Param)
	}
	if r.Event != "" {
		add("!" + r.Event)
	}
	return n
}

// batchFrame packs messages into one batch frame; a single message goes
// alone, as the feed server sends it.
func batchFrame(b *testing.B, msgs [][]byte) []byte {
	if len(msgs) == 1 {
		return msgs[0]
	}
	env := feeds.Envelope{V: feeds.ProtocolVersion, Type: feeds.TypeBatch}
	for _, m := range msgs {
		env.Messages = append(env.Messages, m)
	}
	frame, err := feeds.Encode(env)
	if err != nil {
		b.Fatal(err)
	}
	return frame
}

// pipeline is the receiving end as the app runs it: a validator that knows
// the stations, the ingest with the alert desk observing, the cache.
type pipeline struct {
	db *cache.DB
	v  *feeds.Validator
	in *Ingest
}

func newPipeline(b *testing.B, stations []city.Station, engine bool) *pipeline {
	b.Helper()
	db, err := cache.Open(b.TempDir(), cache.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	in, err := NewIngest(db, 0)
	if err != nil {
		b.Fatal(err)
	}
	if engine {
		desk, err := desk.NewAlertDesk(db, city.DefaultSiteConfig())
		if err != nil {
			b.Fatal(err)
		}
		in.Observe(desk.Observe)
	}
	v := feeds.NewValidator()
	for _, st := range stations {
		ws, err := feeds.WireStationOf(st)
		if err != nil {
			b.Fatal(err)
		}
		got, err := v.Station(ws)
		if err != nil {
			b.Fatal(err)
		}
		in.Station(got)
	}
	in.Hello(pipeEpoch)
	p := &pipeline{db: db, v: v, in: in}
	p.commit(b)
	return p
}

// decodeFrames decodes every frame of w and each message in a batch,
// validates the readings and hands them to the ingest.
func (p *pipeline) decodeFrames(b *testing.B, w pipeWork) {
	for _, raw := range w.frames {
		env, err := feeds.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		if env.Type != feeds.TypeBatch {
			p.message(b, &env)
			continue
		}
		for _, m := range env.Messages {
			inner, err := feeds.Decode(m)
			if err != nil {
				b.Fatal(err)
			}
			p.message(b, &inner)
		}
	}
}

func (p *pipeline) message(b *testing.B, env *feeds.Envelope) {
	if env.Type != feeds.TypeReading {
		b.Fatalf("a %s message among the readings", env.Type)
	}
	r, err := p.v.Reading(env.Reading)
	if err != nil {
		b.Fatal(err)
	}
	p.in.Reading(r, pipeEpoch)
}

// countingIngest is the ingest as the feed client's handler, counting the
// readings handed over and keeping the first rejection and the first
// connection lost: either spoils the measurement.
type countingIngest struct {
	*Ingest
	n, want  atomic.Int64
	reached  chan struct{} // a send when n reaches want
	rejected atomic.Value  // string: the first rejection
	lost     atomic.Value  // string: why the first connection ended
}

func (c *countingIngest) State(s feeds.ConnState, err error) {
	if s != feeds.Connecting && s != feeds.Connected && s != feeds.Stopped {
		c.lost.CompareAndSwap(nil, fmt.Sprintf("%s: %v", s, err))
	}
	c.Ingest.State(s, err)
}

func (c *countingIngest) Reading(r city.Reading, epoch string) {
	c.Ingest.Reading(r, epoch)
	if c.n.Add(1) == c.want.Load() {
		c.reached <- struct{}{}
	}
}

func (c *countingIngest) Reject(feed string, raw []byte, reason error) {
	c.rejected.CompareAndSwap(nil, fmt.Sprintf("%s: %v", feed, reason))
	c.Ingest.Reject(feed, raw, reason)
}

// startClient starts a loopback server that writes the frames it is given
// after its hello, and the app's feed client reading from it into the
// ingest. The function returned sends one iteration's frames and returns
// once the client has handed over every reading.
func (p *pipeline) startClient(b *testing.B) func(*testing.B, pipeWork) {
	b.Helper()
	frames := make(chan []byte, 64)
	hello, err := feeds.Encode(feeds.Envelope{V: feeds.ProtocolVersion, Type: feeds.TypeHello, Epoch: pipeEpoch})
	if err != nil {
		b.Fatal(err)
	}
	var upgrader websocket.Upgrader
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		if _, _, err := ws.ReadMessage(); err != nil { // the subscribe
			return
		}
		go func() { // answers pings, notices the close
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
		if err := ws.WriteMessage(websocket.TextMessage, hello); err != nil {
			return
		}
		for f := range frames {
			if err := ws.WriteMessage(websocket.TextMessage, f); err != nil {
				return
			}
		}
	}))
	h := &countingIngest{Ingest: p.in, reached: make(chan struct{}, 1)}
	connected := make(chan struct{})
	var once sync.Once
	p.in.OnAction(func(string) {}, func(s feeds.ConnState) {
		if s == feeds.Connected {
			once.Do(func() { close(connected) })
		}
	})
	c, err := feeds.NewClient(feeds.ClientConfig{
		URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Feeds: city.Feeds, Cursors: p.in.Cursors, Handler: h, Validator: p.v,
		// Liveness is not measured here: a loaded machine must not make
		// the client give up on the connection between iterations.
		PingInterval: 10 * time.Second, PongWait: time.Minute,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		close(frames)
		<-done
		srv.Close()
	})
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		b.Fatal("the feed client did not connect")
	}
	return func(b *testing.B, w pipeWork) {
		h.want.Store(h.n.Load() + int64(len(w.readings)))
		for _, f := range w.frames {
			frames <- f
		}
		select {
		case <-h.reached:
		case <-time.After(time.Minute):
			b.Fatalf("%d of %d readings arrived (connection lost: %v)", h.n.Load(), h.want.Load(), h.lost.Load())
		}
		if r := h.rejected.Load(); r != nil {
			b.Fatalf("rejected: %s", r)
		}
		if l := h.lost.Load(); l != nil {
			b.Fatalf("the connection was lost: %s", l)
		}
	}
}

// commit hands what the ingest holds to the cache and waits for the commit.
func (p *pipeline) commit(b *testing.B) {
	p.in.Flush()
	if err := p.db.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := p.in.Err(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIngestPipeline measures reading messages from the websocket's
// bytes to their commit in SQLite, and in the same run the same rows going
// into a plain SQLite table (cache.RawBaseline); pct_of_raw is the
// pipeline's rate as a percentage of that one. readings/s counts reading
// messages, values/s and raw_values/s stored rows (one per value or
// event). Every variant runs the ingest as the app does: Ingest.Reading
// with the alert desk observing, the cursor in the readings' transaction,
// the cache's writer, until Flush returns.
//
//   - path=client: the real feed client on a loopback websocket, fed the
//     frames by a server that only writes them: its batch decoding,
//     sequence checks and Validator.Reading.
//   - path=decode: the public API on the same frames, no socket:
//     feeds.Decode of each frame and of each message in it, then
//     Validator.Reading.
//   - engine=off: as path=client without the alert engine, to show its share.
func BenchmarkIngestPipeline(b *testing.B) {
	b.Run("path=client/engine=on", func(b *testing.B) { benchIngestPipeline(b, true, true) })
	b.Run("path=decode/engine=on", func(b *testing.B) { benchIngestPipeline(b, false, true) })
	b.Run("path=client/engine=off", func(b *testing.B) { benchIngestPipeline(b, true, false) })
}

func benchIngestPipeline(b *testing.B, client, engine bool) {
	// A week ago: well inside the cache's retention and the validator's
	// clock, with room for many iterations of about half an hour each.
	src := newPipeSource(time.Now().Add(-7 * 24 * time.Hour).Truncate(time.Second))
	p := newPipeline(b, src.sim.Stations(), engine)
	raw, err := cache.OpenRawBaseline(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	deliver := p.decodeFrames
	if client {
		deliver = p.startClient(b)
	}
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
		rawRows := raw.Rows(w.readings)
		perTx := cache.DefaultMaxBatch * len(rawRows) / len(w.readings) // rows of a full cache transaction
		b.StartTimer()

		start := time.Now()
		deliver(b, w)
		p.commit(b)
		pipeTime += time.Since(start)

		b.StopTimer() // ns/op and allocs/op are the pipeline's
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
	if n, err := raw.Count(); err != nil || int(n) != rows {
		b.Fatalf("the baseline holds %d rows (%v), want %d", n, err, rows)
	}
	alerts, err := p.db.Alerts(cache.AlertFilter{})
	if err != nil {
		b.Fatal(err)
	}
	if testing.Verbose() {
		b.Logf("%d readings, %d rows, %d alerts stored", readings, rows, len(alerts))
	}
	reportAgainstRaw(b, readings, rows, pipeTime, rawTime)
}

// checkBenchRows fails the benchmark unless the cache gained exactly rows
// reading rows since it held before.
func checkBenchRows(b *testing.B, db *cache.DB, before int64, rows int) {
	b.Helper()
	after, err := db.ReadingCount()
	if err != nil {
		b.Fatal(err)
	}
	if got := int(after - before); got != rows {
		b.Fatalf("the cache holds %d new rows, want %d", got, rows)
	}
}

// reportAgainstRaw reports a pipeline's throughput next to the raw insert
// baseline timed in the same run: readings and values a second through the
// pipeline, values a second raw, and the pipeline's speed as a percentage
// of raw.
func reportAgainstRaw(b *testing.B, readings, rows int, pipeTime, rawTime time.Duration) {
	b.ReportMetric(float64(readings)/pipeTime.Seconds(), "readings/s")
	b.ReportMetric(float64(rows)/pipeTime.Seconds(), "values/s")
	b.ReportMetric(float64(rows)/rawTime.Seconds(), "raw_values/s")
	b.ReportMetric(100*rawTime.Seconds()/pipeTime.Seconds(), "pct_of_raw")
}
