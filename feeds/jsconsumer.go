package feeds

import (
	"context"
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
	last, quiet := w.last, time.Since(w.lastAt)
	w.mu.Unlock()
	if quiet < jsStallAfter {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, jsRequestWait)
	defer cancel()
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
	rctx, cancel = context.WithTimeout(ctx, jsRequestWait)
	defer cancel()
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

// watch checks the consumers every jsWatchEvery until ctx ends.
func watch(ctx context.Context, ws []*watchedConsumer) {
	t := time.NewTicker(jsWatchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			var wg sync.WaitGroup
			for _, w := range ws {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w.check(ctx)
				}()
			}
			wg.Wait()
		}
	}
}
