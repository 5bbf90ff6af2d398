package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"onescreen/cache"
	"onescreen/cache/model"
	"onescreen/city"
	"onescreen/feeds"
)

// ingestFlushEvery is the longest a received reading waits before it is
// handed to the cache's writer.
const ingestFlushEvery = 50 * time.Millisecond

// ingestChunk is how many readings are handed to the cache at once when
// they arrive faster than ingestFlushEvery.
const ingestChunk = 2048

// rawKeep is how much of a rejected message is kept for the officer to see.
const rawKeep = 4096

// Ingest takes what the feed client delivers, stores it in the cache with
// each feed's cursor in the same transaction, and keeps each feed's health.
// It implements feeds.Handler; its methods run on the client's goroutine.
type Ingest struct {
	db     *cache.DB
	now    func() time.Time
	health *healthBoard

	mu         sync.Mutex
	pending    cache.Batch
	stations   map[string]city.Station
	observer   func(city.Station, city.Reading) []city.Change // the alert engine, when set
	onAck      func(id string)                                // the outbox, when set
	onState    func(feeds.ConnState)                          // the outbox, when set
	peer       func(city.Step) ([]city.Change, bool, error)   // the alert desk, for other desks' steps
	peerCaseFn func(city.Step) error                          // the alert desk, for other desks' case steps
	peerDutyFn func(feeds.WireAction) (bool, []string, error) // the duty desk, for other desks' duty messages
	steps      ingestSteps                                    // the step cursor (peersteps.go)
	err        error                                          // the cache's last error
}

var _ feeds.Handler = (*Ingest)(nil)

// NewIngest stores into db. staleAfter is how old a feed's newest reading
// may be before the feed shows as degraded (0: city.DefaultStaleAfter).
func NewIngest(db *cache.DB, staleAfter time.Duration) (*Ingest, error) {
	in := &Ingest{db: db, now: time.Now, health: newHealthBoard(staleAfter), stations: map[string]city.Station{}}
	sts, err := db.Stations()
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		in.stations[st.ID] = st
	}
	counts, err := db.RejectCounts()
	if err != nil {
		return nil, err
	}
	latest, err := db.Latest()
	if err != nil {
		return nil, err
	}
	// Until the link comes up, it was last known up when the cache was
	// last handed data: an app started offline says "offline since" then.
	lastUp, err := db.LastReceived()
	if err != nil {
		return nil, err
	}
	in.health.mu.Lock()
	in.health.connSince = lastUp
	for f, n := range counts {
		in.health.feed(city.Feed(f)).rejected = n
	}
	for _, l := range latest {
		if h := in.health.feed(l.Feed); l.Time.After(h.newest) {
			h.newest = l.Time
		}
	}
	in.health.mu.Unlock()
	return in, nil
}

// KnownStations returns the stations held so far (from the cache and the feed).
func (in *Ingest) KnownStations() []city.Station {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]city.Station, 0, len(in.stations))
	for _, st := range in.stations {
		out = append(out, st)
	}
	return out
}

// Observe sets fn to judge each reading with its station (the alert
// engine); the alert changes it returns are stored in the same transaction
// as the reading. It runs on the client's goroutine.
func (in *Ingest) Observe(fn func(city.Station, city.Reading) []city.Change) {
	in.mu.Lock()
	in.observer = fn
	in.mu.Unlock()
}

// OnAction sets what is told of the server's action acks and of the
// connection's state (the outbox).
func (in *Ingest) OnAction(ack func(id string), state func(feeds.ConnState)) {
	in.mu.Lock()
	in.onAck, in.onState = ack, state
	in.mu.Unlock()
}

// Status returns every feed's health at the ingest clock's now.
func (in *Ingest) Status() []city.FeedStatus { return in.health.snapshot(in.now()) }

// Err returns the last error the cache reported, if any.
func (in *Ingest) Err() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.err
}

// Hello implements feeds.Handler.
func (in *Ingest) Hello(epoch string) {}

// Station implements feeds.Handler.
func (in *Ingest) Station(st city.Station) {
	in.mu.Lock()
	in.stations[st.ID] = st
	in.pending.Stations = append(in.pending.Stations, st)
	in.mu.Unlock()
}

// Reading implements feeds.Handler: the reading joins the next batch,
// with the alert changes it caused and its feed's cursor, so that all three
// are committed in one transaction.
func (in *Ingest) Reading(r city.Reading, epoch string) {
	now := in.now()
	in.mu.Lock()
	st, obs := in.stations[r.Station], in.observer
	in.mu.Unlock()
	var changes []city.Change
	if obs != nil {
		changes = obs(st, r)
	}

	in.mu.Lock()
	in.pending.Readings = append(in.pending.Readings, r)
	in.addChangesLocked(changes)
	if r.Seq > 0 {
		if in.pending.Cursors == nil {
			in.pending.Cursors = map[city.Feed]cache.Cursor{}
		}
		in.pending.Cursors[r.Feed] = cache.Cursor{Epoch: epoch, Seq: r.Seq, Updated: now}
	}
	full := len(in.pending.Readings) >= ingestChunk
	in.mu.Unlock()

	in.health.mu.Lock()
	h := in.health.feed(r.Feed)
	h.meter.add(now, 1)
	h.received++
	h.lastRecv = now
	if r.Time.After(h.newest) {
		h.newest = r.Time
	}
	in.health.mu.Unlock()

	if full {
		in.Flush()
	}
}

// Gap implements feeds.Handler: the gap is stored so the officer sees it.
func (in *Ingest) Gap(g feeds.WireGap, epoch string) {
	now := in.now()
	in.mu.Lock()
	in.pending.Gaps = append(in.pending.Gaps, cache.Gap{At: now, Feed: city.Feed(g.Feed), Epoch: epoch, From: g.From, To: g.To})
	in.mu.Unlock()
	in.health.mu.Lock()
	in.health.feed(city.Feed(g.Feed)).gaps++
	in.health.mu.Unlock()
}

// Reject implements feeds.Handler: the message is stored with its reason.
func (in *Ingest) Reject(feed string, raw []byte, reason error) {
	if len(raw) > rawKeep {
		raw = raw[:rawKeep]
	}
	now := in.now()
	in.mu.Lock()
	in.pending.Rejects = append(in.pending.Rejects, cache.Reject{At: now, Feed: feed, Reason: reason.Error(), Raw: append([]byte(nil), raw...)})
	in.mu.Unlock()
	in.health.mu.Lock()
	in.health.feed(city.Feed(feed)).rejected++
	in.health.mu.Unlock()
}

// ActionAck implements feeds.Handler: the outbox marks the step sent.
func (in *Ingest) ActionAck(id string) {
	in.mu.Lock()
	ack := in.onAck
	in.mu.Unlock()
	if ack != nil {
		ack(id)
	}
}

// ActionRefused implements feeds.ActionRefuser: the server will never
// accept that step, so it leaves the outbox and the refusal is kept with
// the rejected messages for the officer to see.
func (in *Ingest) ActionRefused(id, reason string) {
	now := in.now()
	in.mu.Lock()
	in.pending.Rejects = append(in.pending.Rejects, cache.Reject{At: now, Reason: "operator action " + id + " refused by the feed server: " + reason})
	ack := in.onAck
	in.mu.Unlock()
	in.health.mu.Lock()
	in.health.feed("").rejected++
	in.health.mu.Unlock()
	if ack != nil {
		ack(id) // nothing more to send
	}
}

var _ feeds.ActionRefuser = (*Ingest)(nil)

// State implements feeds.Handler.
func (in *Ingest) State(s feeds.ConnState, err error) {
	in.mu.Lock()
	onState := in.onState
	in.mu.Unlock()
	if onState != nil {
		onState(s)
	}
	now := in.now()
	in.health.mu.Lock()
	defer in.health.mu.Unlock()
	was := in.health.connected
	in.health.connected = s == feeds.Connected
	if was != in.health.connected {
		in.health.connSince = now
	}
	if err != nil {
		in.health.lastErr = err.Error()
	} else if in.health.connected {
		in.health.lastErr = ""
	}
}

// Submit stores b after everything the ingest holds for the cache. The
// desk stores officers' steps through it, so that the readings that
// raised an alert are stored before the steps taken on it, and the outbox
// keeps the steps in the order they happened.
func (in *Ingest) Submit(b model.Batch) error {
	in.Flush()
	return in.db.Submit(b)
}

// Flush hands what the ingest holds to the cache and waits until it is
// committed; a failure is kept for Err.
func (in *Ingest) Flush() {
	in.mu.Lock()
	b := in.pending
	in.pending = cache.Batch{}
	in.mu.Unlock()
	if len(b.Stations)+len(b.Readings)+len(b.Rejects)+len(b.Gaps)+len(b.Cursors)+len(b.AlertChanges) == 0 {
		return
	}
	if err := in.db.Submit(b); err != nil {
		in.mu.Lock()
		in.err = err
		in.mu.Unlock()
	}
}

// Run hands pending data to the cache every ingestFlushEvery until ctx
// ends, then flushes what is left and waits for it to be committed.
func (in *Ingest) Run(ctx context.Context) error {
	t := time.NewTicker(ingestFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			in.Flush()
			if err := in.db.Flush(); err != nil && !errors.Is(err, cache.ErrClosed) {
				return err
			}
			return nil
		case <-t.C:
			in.Flush()
		}
	}
}

// Cursors is what the client asks on every (re)connect: the last sequence
// stored per feed. Pending readings are flushed first so the cursor is as
// new as what has been received.
func (in *Ingest) Cursors() (map[city.Feed]feeds.Cursor, error) {
	in.Flush()
	if err := in.db.Flush(); err != nil {
		return nil, err
	}
	cs, err := in.db.Cursors()
	if err != nil {
		return nil, err
	}
	out := make(map[city.Feed]feeds.Cursor, len(cs))
	for f, c := range cs {
		out[f] = feeds.Cursor{Epoch: c.Epoch, After: c.Seq}
	}
	return out, nil
}

// SetClock sets the clock the feed health is judged by (time.Now unless
// set); a replay or a test sets its own.
func (in *Ingest) SetClock(now func() time.Time) {
	in.mu.Lock()
	in.now = now
	in.mu.Unlock()
}
