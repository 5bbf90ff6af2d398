package feeds

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"onescreen/city"
)

// publishWindow is how many readings may wait for their publish ack.
const publishWindow = 1024

// JetStreamPublisherConfig configures a publisher. Zero values take the
// defaults.
type JetStreamPublisherConfig struct {
	URLs     []string
	District string // "" = DefaultDistrict
	Token    string
	CAFile   string
	Domain   string        // JetStream domain of the servers holding the streams; "" = none
	Replicas int           // copies of each stream in the cluster when it is created: 1 or 3 (0 = 1)
	MaxAge   time.Duration // readings kept by the stream; 0 = DefaultReadingsMaxAge
	// OnAck is told of every reading the stream acked, with its stream
	// sequence, in about publish order (a retried one later). It runs on
	// the publisher's ack goroutine.
	OnAck func(r city.Reading, streamSeq uint64)
	// OnReject is told of every reading the NATS servers refuse for good
	// (see PublishRejectedError): it is not sent again and the publisher
	// goes on with the others. It runs on the goroutine that learnt of
	// the refusal (Publish's or the ack goroutine). Each is also logged
	// and counted (Rejected).
	OnReject  func(r city.Reading, err error)
	Validator *Validator // judges what is published; nil = NewValidator()
	Logf      func(format string, args ...any)
}

// JetStreamPublisher publishes a district's stations and readings into
// JetStream, creating the streams when missing. It is a sim.Publisher, so
// the simulator and a replay publish through it as through a Server.
// Readings are published asynchronously, up to publishWindow awaiting
// their ack; each carries Nats-Msg-Id = feed/station/time, so a reading
// sent again after a lost ack (a leader change) is stored once.
type JetStreamPublisher struct {
	cfg  JetStreamPublisherConfig
	subj Subjects
	nc   *nats.Conn
	js   jetstream.JetStream
	v    *Validator

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	seq    map[city.Feed]uint64
	sendMu sync.RWMutex // held for reading while a reading is queued, for writing to close the queue
	closed bool         // under sendMu
	// stopping: Close has begun; Publish takes no more readings
	stopping atomic.Bool
	pending  chan pendingPub
	wg       sync.WaitGroup
	errMu    sync.Mutex
	err      error

	published, acked, retried atomic.Uint64
	refused                   atomic.Uint64 // readings published, then refused for good (never acked)
	rejected                  atomic.Uint64 // every message refused for good: those, and readings and stations refused when sent
}

// PublishRejectedError is a message the NATS servers refuse for good: it
// is bigger than the servers' max_payload or the stream's largest message,
// its subject is invalid, or the publisher may not publish to it. Sending
// it again cannot succeed, so it is not sent again.
type PublishRejectedError struct {
	What string // "reading air/sh-air-01/2026-…", "station sh-air-01", "step act-7"
	Err  error
}

func (e *PublishRejectedError) Error() string {
	return fmt.Sprintf("%s refused by NATS for good, not sent again: %v", e.What, e.Err)
}

func (e *PublishRejectedError) Unwrap() error { return e.Err }

// Refused is true: the message alone is refused and the publisher goes on
// (the simulator skips such a reading).
func (e *PublishRejectedError) Refused() bool { return true }

// permanentPublishError reports whether a publish error can never clear
// by sending the same message again: a payload over the servers'
// max_payload, a message over the stream's largest, an invalid subject or
// header, a permission refused, or any JetStream answer of a bad request.
// Timeouts, a lost connection, no responders (a stream leader being
// elected) and the servers' temporary failures are not.
func permanentPublishError(err error) bool {
	if err == nil {
		return false
	}
	switch {
	case errors.Is(err, nats.ErrMaxPayload), errors.Is(err, nats.ErrBadSubject),
		errors.Is(err, nats.ErrPermissionViolation), errors.Is(err, nats.ErrBadHeaderMsg),
		errors.Is(err, nats.ErrHeadersNotSupported), errors.Is(err, nats.ErrInvalidMsg),
		errors.Is(err, jetstream.ErrStreamMessageExceedsMaximum), errors.Is(err, jetstream.ErrMaxBytesExceeded):
		return true
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch {
		case api.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum:
			return true
		case api.Code == 400 || api.Code == 403 || api.Code == 413:
			return true
		}
		return false
	}
	text := strings.ToLower(err.Error())
	return strings.Contains(text, "maximum payload exceeded") || strings.Contains(text, "permissions violation") ||
		strings.Contains(text, "message size exceeds maximum")
}

// reject counts and reports a reading refused for good.
func (p *JetStreamPublisher) reject(r city.Reading, err error) {
	p.rejected.Add(1)
	if n := p.rejected.Load(); n <= 10 || n%1000 == 0 {
		p.cfg.Logf("%v (%d refused so far)", err, n)
	}
	if p.cfg.OnReject != nil {
		p.cfg.OnReject(r, err)
	}
}

type pendingPub struct {
	r   city.Reading
	id  string
	msg *nats.Msg
	fut jetstream.PubAckFuture
}

// NewJetStreamPublisher connects and makes sure the district's streams
// exist.
func NewJetStreamPublisher(ctx context.Context, cfg JetStreamPublisherConfig) (*JetStreamPublisher, error) {
	subj, err := DistrictSubjects(cfg.District)
	if err != nil {
		return nil, err
	}
	if len(cfg.URLs) == 0 {
		return nil, errors.New("publisher: no NATS server")
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Replicas != 1 && cfg.Replicas != 3 {
		return nil, fmt.Errorf("publisher: %d replicas: want 1 or 3", cfg.Replicas)
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultReadingsMaxAge
	}
	if cfg.Validator == nil {
		cfg.Validator = NewValidator()
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	opts, err := natsOptions("onescreen publisher "+subj.District, cfg.Token, cfg.CAFile)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","), opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS %s: %w", strings.Join(cfg.URLs, ","), err)
	}
	js, err := newJetStream(nc, cfg.Domain, jetstream.WithDefaultTimeout(jsRequestWait),
		jetstream.WithPublishAsyncTimeout(jsRequestWait), jetstream.WithPublishAsyncMaxPending(2*publishWindow))
	if err != nil {
		nc.Close()
		return nil, err
	}
	p := &JetStreamPublisher{cfg: cfg, subj: subj, nc: nc, js: js, v: cfg.Validator,
		seq: map[city.Feed]uint64{}, pending: make(chan pendingPub, publishWindow)}
	if err := EnsureStreams(ctx, js, subj, cfg.Replicas, cfg.MaxAge); err != nil {
		nc.Close()
		return nil, err
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(1)
	go p.ackLoop()
	return p, nil
}

// EnsureStreams creates the district's three streams when missing (an
// existing stream is left as it is).
func EnsureStreams(ctx context.Context, js jetstream.JetStream, s Subjects, replicas int, maxAge time.Duration) error {
	cfgs := []jetstream.StreamConfig{
		{Name: s.Readings, Subjects: s.ReadingSubjects(), Storage: jetstream.FileStorage, Replicas: replicas,
			MaxAge: maxAge, Duplicates: ReadingDedupeWindow, Discard: jetstream.DiscardOld,
			Description: "onescreen readings of " + s.District + ", by feed"},
		{Name: s.Stations, Subjects: []string{s.StationsFilter}, Storage: jetstream.FileStorage, Replicas: replicas,
			MaxMsgsPerSubject: 1, AllowDirect: true,
			Description: "onescreen station descriptions of " + s.District + ", the last per station"},
		{Name: s.Steps, Subjects: []string{s.StepsSubject}, Storage: jetstream.FileStorage, Replicas: replicas,
			MaxAge: DefaultStepsMaxAge, Duplicates: StepDedupeWindow,
			Description: "onescreen officers' steps of " + s.District + ", by step id"},
	}
	for _, c := range cfgs {
		var err error
		for try := 0; try < 20; try++ { // a cluster may still be electing its meta leader
			rctx, cancel := context.WithTimeout(ctx, jsRequestWait)
			_, err = js.Stream(rctx, c.Name)
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				_, err = js.CreateStream(rctx, c)
			}
			cancel()
			if err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("stream %s: %w", c.Name, err)
		}
	}
	return nil
}

// Subjects returns the district's names.
func (p *JetStreamPublisher) Subjects() Subjects { return p.subj }

// JetStream is the publisher's JetStream handle.
func (p *JetStreamPublisher) JetStream() jetstream.JetStream { return p.js }

// PutStation publishes a station's description to its subject of the
// stations stream and waits for the ack.
func (p *JetStreamPublisher) PutStation(st city.Station) error {
	if p.isClosed() {
		return ErrClosed
	}
	st, msg, err := stationMessage(p.v, st)
	if err != nil {
		return err
	}
	if _, err := publishRetry(p.ctx, p.js, p.subj.Station(st.ID), "", "", msg); err != nil {
		if permanentPublishError(err) {
			p.rejected.Add(1)
			return &PublishRejectedError{What: "station " + st.ID, Err: err}
		}
		return fmt.Errorf("publish station %s: %w", st.ID, err)
	}
	return nil
}

// Publish checks a reading, numbers it in its feed (the body's seq, the
// publisher's own count) and publishes it; it returns that number. The
// ack comes later (OnAck, Flush); Publish blocks while publishWindow
// readings wait for theirs. A reading the NATS connection refuses at once
// for good (over max_payload) is not sent: Publish returns a
// *PublishRejectedError (also given to OnReject); one the stream refuses
// later is given to OnReject. Either way the publisher goes on with the
// next readings.
func (p *JetStreamPublisher) Publish(r city.Reading) (uint64, error) {
	if p.stopping.Load() {
		return 0, ErrClosed
	}
	if err := p.Err(); err != nil {
		return 0, err
	}
	r, err := NormalizeUnits(r)
	if err != nil {
		return 0, err
	}
	if err := p.v.CheckReading(r); err != nil {
		return 0, err
	}
	body, err := encodeReadingBody(r)
	if err != nil {
		return 0, err
	}
	p.sendMu.RLock()
	defer p.sendMu.RUnlock()
	if p.closed {
		return 0, ErrClosed
	}
	p.mu.Lock()
	p.seq[r.Feed]++
	seq := p.seq[r.Feed]
	p.mu.Unlock()
	r.Seq = seq
	id := ReadingMsgID(r)
	m := nats.NewMsg(p.subj.Reading(r.Feed))
	m.Data = spliceReading(r.Feed, seq, body)
	m.Header.Set(nats.MsgIdHdr, id)
	fut, err := p.js.PublishMsgAsync(m)
	if permanentPublishError(err) {
		rerr := &PublishRejectedError{What: "reading " + id, Err: err}
		p.reject(r, rerr)
		return 0, rerr
	}
	if err != nil {
		fut = nil // the ack loop publishes it synchronously
	}
	p.published.Add(1)
	select {
	case p.pending <- pendingPub{r: r, id: id, msg: m, fut: fut}:
	case <-p.ctx.Done():
		return 0, ErrClosed
	}
	return seq, nil
}

// ReadingMsgID is a reading's Nats-Msg-Id, made from its data alone: the
// feed, station and time, and a hash of its values and event (a smoke
// detector may send a heartbeat and an alarm at one instant). A reading
// published again is the same id, and JetStream stores it once.
func ReadingMsgID(r city.Reading) string {
	h := fnv.New64a()
	ms := r.Values
	if !slices.IsSortedFunc(ms, byParam) {
		ms = slices.SortedFunc(slices.Values(ms), byParam)
	}
	var b []byte
	for _, m := range ms {
		b = append(b[:0], m.Param...)
		b = append(b, '=')
		b = strconv.AppendFloat(b, m.Value, 'g', -1, 64)
		b = append(b, ';')
		h.Write(b)
	}
	h.Write([]byte("!" + r.Event))
	return fmt.Sprintf("%s/%s/%s/%016x", r.Feed, r.Station, r.Time.UTC().Format(time.RFC3339Nano), h.Sum64())
}

// ackLoop waits for the acks in publish order; a reading whose async
// publish failed is published again synchronously, with the same
// Nats-Msg-Id, until acked, unless the failure is for good: then it is
// refused (OnReject) and the loop goes on.
func (p *JetStreamPublisher) ackLoop() {
	defer p.wg.Done()
	for pp := range p.pending {
		var ack *jetstream.PubAck
		var perr error // why the stream refused it for good
		if pp.fut != nil {
			select {
			case ack = <-pp.fut.Ok():
			case err := <-pp.fut.Err():
				if permanentPublishError(err) {
					perr = err
					break
				}
				if n := p.retried.Load(); n%1000 == 0 { // the first of a burst, then one in a thousand
					p.cfg.Logf("reading %s: publish not acked (%v); sending it again (%d sent again so far)", pp.id, err, n)
				}
			case <-p.ctx.Done():
			}
		}
		if ack == nil && perr == nil && p.ctx.Err() == nil {
			p.retried.Add(1)
			var err error
			ack, err = publishRetry(p.ctx, p.js, pp.msg.Subject, pp.id, "", pp.msg.Data)
			if err != nil {
				ack = nil
				if permanentPublishError(err) {
					perr = err
				}
			}
		}
		if perr != nil {
			p.refused.Add(1)
			p.reject(pp.r, &PublishRejectedError{What: "reading " + pp.id, Err: perr})
			continue
		}
		if ack == nil {
			p.noteErr(ErrClosed)
			continue
		}
		p.acked.Add(1)
		if p.cfg.OnAck != nil {
			p.cfg.OnAck(pp.r, ack.Sequence)
		}
	}
}

func (p *JetStreamPublisher) noteErr(err error) {
	p.errMu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.errMu.Unlock()
}

// Err is the error that stopped the publisher, if any.
func (p *JetStreamPublisher) Err() error {
	p.errMu.Lock()
	defer p.errMu.Unlock()
	return p.err
}

func (p *JetStreamPublisher) isClosed() bool {
	p.sendMu.RLock()
	defer p.sendMu.RUnlock()
	return p.closed
}

// Counts returns how many readings were published, acked, and sent again
// after a failed ack.
func (p *JetStreamPublisher) Counts() (published, acked, retried uint64) {
	return p.published.Load(), p.acked.Load(), p.retried.Load()
}

// Rejected returns how many messages (readings and stations) the NATS
// servers refused for good and the publisher did not send again.
func (p *JetStreamPublisher) Rejected() uint64 { return p.rejected.Load() }

// Flush waits until every reading published so far is acked or refused
// for good (OnReject), or ctx ends.
func (p *JetStreamPublisher) Flush(ctx context.Context) error {
	want := p.published.Load()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for p.acked.Load()+p.refused.Load() < want {
		if err := p.Err(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("flush: %d of %d readings acked: %w", p.acked.Load(), want, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// Stop makes the publisher stop retrying: a Publish or PutStation blocked
// while the servers do not answer returns ErrClosed. Close still follows.
func (p *JetStreamPublisher) Stop() { p.cancel() }

// Close waits up to wait for the outstanding acks, then disconnects.
func (p *JetStreamPublisher) Close(wait time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	// Take no more readings, and let those being published finish, so
	// that the wait below covers every reading counted as published (one
	// published after the wait began was left unacked). A Publish stuck
	// while the servers do not answer is let go when the wait is up.
	p.stopping.Store(true)
	for !p.sendMu.TryLock() {
		if ctx.Err() != nil {
			p.cancel()
			p.sendMu.Lock()
			break
		}
		time.Sleep(time.Millisecond)
	}
	wasClosed := p.closed
	p.closed = true
	p.sendMu.Unlock()
	err := p.Flush(ctx)
	p.cancel() // the ack loop stops retrying
	if !wasClosed {
		close(p.pending)
	}
	p.wg.Wait()
	p.nc.Close()
	if errors.Is(err, ErrClosed) {
		err = nil
	}
	return err
}
