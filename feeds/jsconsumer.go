package feeds

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Watchdog timing of the JetStream consumers.
const (
	// jsWatchEvery is how often every consumer is checked for a stall.
	jsWatchEvery = time.Second
	// jsStallAfter is how long a consumer may deliver nothing while its
	// stream holds newer messages for it before it is made again.
	jsStallAfter = 3 * time.Second
	// jsPullBatch is how many messages a consumer asks for at once.
	jsPullBatch = 2048
)

// watchedConsumer is an ordered consumer of one subject (or wildcard) of
// a stream that is made again from the last sequence it delivered when it
// stalls. The NATS client recovers an ordered consumer by itself after a
// missed heartbeat, but after a stream leader is lost a consumer can go
// quiet without an error; the watchdog notices that the stream holds
// messages newer than the last delivered and starts over after it. The
// sequence check makes a message delivered by both the old and the new
// consumer count once.
type watchedConsumer struct {
	stream  jetstream.Stream
	subject string
	whole   bool // subject covers the whole stream: its last sequence is the stream's
	cfg     jetstream.OrderedConsumerConfig
	fn      func(jetstream.Msg, *jetstream.MsgMetadata)
	logf    func(string, ...any)

	mu     sync.Mutex // held while a message is handled
	last   uint64     // stream sequence of the last message handed to fn
	lastAt time.Time
	cc     jetstream.ConsumeContext
	remade int
}

// start makes the consumer; after is the sequence it starts after (0:
// the configured deliver policy).
func (w *watchedConsumer) start(ctx context.Context, after uint64) error {
	cfg := w.cfg
	if after > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, after+1
	}
	c, err := w.stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return err
	}
	cc, err := c.Consume(w.handle, jetstream.PullMaxMessages(jsPullBatch), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		w.logf("consumer of %s: %v", w.subject, err)
	}))
	if err != nil {
		return err
	}
	w.mu.Lock()
	old := w.cc
	w.cc, w.lastAt = cc, time.Now()
	w.mu.Unlock()
	if old != nil {
		old.Stop()
	}
	return nil
}

func (w *watchedConsumer) handle(m jetstream.Msg) {
	md, err := m.Metadata()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		if md.Sequence.Stream <= w.last {
			return // delivered already, by the consumer this one replaced
		}
		w.last = md.Sequence.Stream
	} else {
		md = nil
	}
	w.lastAt = time.Now()
	w.fn(m, md)
}

// check makes the consumer again when it has been quiet for jsStallAfter
// while the stream holds a newer message for it.
func (w *watchedConsumer) check(ctx context.Context) {
	w.mu.Lock()
	last, quiet, running := w.last, time.Since(w.lastAt), w.cc != nil
	w.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, jsRequestWait)
	defer cancel()
	if !running {
		// its making failed: try again, after the last it delivered
		if err := w.start(rctx, last); err != nil {
			if ctx.Err() == nil {
				w.logf("consumer of %s: %v; trying again", w.subject, err)
			}
			return
		}
		w.logf("consumer of %s made after %d", w.subject, last)
		return
	}
	if quiet < jsStallAfter {
		return
	}
	var newest uint64
	if w.whole {
		info, err := w.stream.Info(rctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.logf("consumer of %s quiet for %v; stream info: %v", w.subject, quiet.Round(time.Second), err)
			return
		}
		newest = info.State.LastSeq
	} else {
		m, err := w.stream.GetLastMsgForSubject(rctx, w.subject)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.logf("consumer of %s quiet for %v; last message: %v", w.subject, quiet.Round(time.Second), err)
			return
		}
		newest = m.Sequence
	}
	if newest <= last {
		w.mu.Lock()
		w.lastAt = time.Now()
		w.mu.Unlock()
		return
	}
	w.remade++
	rctx, cancel2 := context.WithTimeout(ctx, jsRequestWait)
	defer cancel2()
	w.logf("consumer of %s quiet for %v with messages %d..%d waiting: made again after %d", w.subject, quiet.Round(time.Second), last+1, newest, last)
	if err := w.start(rctx, last); err != nil && ctx.Err() == nil {
		w.logf("consumer of %s: %v", w.subject, err)
	}
}

func (w *watchedConsumer) stop() {
	w.mu.Lock()
	cc := w.cc
	w.cc = nil
	w.mu.Unlock()
	if cc != nil {
		cc.Stop()
	}
}

// consumerSet is the consumers of one session, watched as they are added.
type consumerSet struct {
	mu sync.Mutex
	ws []*watchedConsumer
}

func (s *consumerSet) add(w *watchedConsumer) {
	s.mu.Lock()
	s.ws = append(s.ws, w)
	s.mu.Unlock()
}

func (s *consumerSet) list() []*watchedConsumer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ws)
}

func (s *consumerSet) stop() {
	for _, w := range s.list() {
		w.stop()
	}
}

// watch checks the consumers every jsWatchEvery until ctx ends. Each is
// checked on its own: one that waits on a slow cluster holds up no other.
func (s *consumerSet) watch(ctx context.Context) {
	t := time.NewTicker(jsWatchEvery)
	defer t.Stop()
	busy := map[*watchedConsumer]bool{}
	done := make(chan *watchedConsumer)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case w := <-done:
			delete(busy, w)
		case <-t.C:
			for _, w := range s.list() {
				if busy[w] {
					continue
				}
				busy[w] = true
				wg.Add(1)
				go func() {
					defer wg.Done()
					w.check(ctx)
					select {
					case done <- w:
					case <-ctx.Done():
					}
				}()
			}
		}
	}
}
