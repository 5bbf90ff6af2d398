package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
)

// outboxEvery is how often the outbox is checked for steps to send.
const outboxEvery = time.Second

// outboxBatch is the most steps sent per check.
const outboxBatch = 100

// Outbox sends the officers' alert steps to the feed server, oldest first,
// as operator actions. A step leaves the outbox only when the server acks
// its ID; steps sent on a connection that dropped before the ack are sent
// again, in order, after the reconnect, and the server drops a second
// delivery of the same ID — so each step takes effect once.
type Outbox struct {
	db     *cache.DB
	client feeds.Transport
	now    func() time.Time

	mu        sync.Mutex
	connected bool
	inflight  map[string]bool // sent on the current connection, not yet acked
	sent      int64           // acked this run
}

// NewOutbox sends db's outbox through client.
func NewOutbox(db *cache.DB, client feeds.Transport) *Outbox {
	return &Outbox{db: db, client: client, now: time.Now, inflight: map[string]bool{}}
}

// ConnState is told of every change of the client's connection.
func (o *Outbox) ConnState(s feeds.ConnState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	up := s == feeds.Connected
	if up != o.connected {
		o.inflight = map[string]bool{} // a new connection: unacked steps go again
	}
	o.connected = up
}

// Acked records the server's ack of a step.
func (o *Outbox) Acked(id string) error {
	o.mu.Lock()
	delete(o.inflight, id)
	o.sent++
	o.mu.Unlock()
	err := o.db.OutboxAcked(id, o.now())
	if errors.Is(err, cache.ErrNoOutboxItem) {
		err = o.db.DutyOutboxAcked(id, o.now()) // a duty message (app/duty.go)
	}
	return err
}

// Sent is how many steps the server acked this run.
func (o *Outbox) Sent() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent
}

// Pending is how many steps wait to be sent or acked.
func (o *Outbox) Pending() (int, error) {
	items, err := o.db.OutboxPending(0)
	if err != nil {
		return 0, err
	}
	duty, err := o.db.DutyOutboxPending(0)
	return len(items) + len(duty), err
}

// Run sends pending steps every outboxEvery until ctx ends.
func (o *Outbox) Run(ctx context.Context) error {
	t := time.NewTicker(outboxEvery)
	defer t.Stop()
	for {
		if err := o.send(); err != nil && !errors.Is(err, feeds.ErrNotConnected) && !errors.Is(err, cache.ErrClosed) {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (o *Outbox) send() error {
	o.mu.Lock()
	up := o.connected
	o.mu.Unlock()
	if !up {
		return nil
	}
	items, err := o.db.OutboxPending(outboxBatch)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := o.sendOnce(WireActionOf(it.ID, it.Step)); err != nil {
			return err // in order: stop at the first that cannot go
		}
	}
	return o.sendDuty()
}

// sendOnce sends a, unless it was sent already and waits for its ack.
func (o *Outbox) sendOnce(a feeds.WireAction) error {
	o.mu.Lock()
	skip := o.inflight[a.ID]
	o.mu.Unlock()
	if skip {
		return nil
	}
	if err := o.client.SendAction(a); err != nil {
		return err
	}
	o.mu.Lock()
	o.inflight[a.ID] = true
	o.mu.Unlock()
	return nil
}

// WireActionOf is a stored step as the protocol's operator action.
func WireActionOf(id string, s city.Step) feeds.WireAction {
	return feeds.WireAction{
		ID: id, Alert: s.Alert, Step: string(s.Kind), Officer: s.Officer,
		Time: s.Time.In(city.Shanghai).Format(time.RFC3339Nano), Team: s.Team, Note: s.Note,
	}
}

// sendDuty sends the pending duty messages after the alert steps, in the
// order they were stored.
func (o *Outbox) sendDuty() error {
	items, err := o.db.DutyOutboxPending(outboxBatch)
	if err != nil {
		return err
	}
	for _, it := range items {
		a := feeds.WireAction{ID: it.ID, Alert: it.Subject, Step: it.Kind, Officer: it.Officer,
			Time: it.Time.In(city.Shanghai).Format(time.RFC3339Nano), Team: it.Team, Note: it.Note}
		if err := o.sendOnce(a); err != nil {
			return err
		}
	}
	return nil
}
