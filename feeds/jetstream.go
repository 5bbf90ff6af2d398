package feeds

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"onescreen/city"
)

// The JetStream layout of one district (docs/protocol.md §17). Every
// message body is one protocol message as on the websocket.
//
//	stream ONESCREEN_<D>           subjects onescreen.<d>.<feed>.reading   readings, by feed
//	stream ONESCREEN_<D>_STATIONS  subjects onescreen.<d>.station.>       one station description per subject (last value)
//	stream ONESCREEN_<D>_STEPS     subject  onescreen.<d>.steps           officers' steps, Nats-Msg-Id = the step's id
const (
	// DefaultDistrict is the district a JetStream transport reads when none is given.
	DefaultDistrict = "huangpu"
	// DeskHeader names the desk that published a step, so that it can tell
	// its own steps from other desks'.
	DeskHeader = "Onescreen-Desk"
	// DefaultReadingsMaxAge is how long a district's readings stream keeps
	// readings when the publisher creates it.
	DefaultReadingsMaxAge = 24 * time.Hour
	// DefaultStepsMaxAge is how long the steps stream keeps steps.
	DefaultStepsMaxAge = 30 * 24 * time.Hour
	// StepDedupeWindow is the steps stream's duplicate window: an outbox
	// that sends a step again within it is answered with the first ack.
	StepDedupeWindow = 24 * time.Hour
	// ReadingDedupeWindow is the readings stream's duplicate window: a
	// publisher that repeats a reading after a failed ack within it (the
	// Nats-Msg-Id is the feed, station, time and a hash of the values:
	// ReadingMsgID) stores it once.
	ReadingDedupeWindow = 10 * time.Minute

	// jsCatchUpWait bounds the wait for the station descriptions before
	// readings are consumed.
	jsCatchUpWait = 15 * time.Second
	// jsRequestWait bounds one JetStream API request.
	jsRequestWait = 5 * time.Second
)

// Subjects names a district's streams and subjects.
type Subjects struct {
	District                             string // lower case, e.g. "huangpu"
	Readings, Stations, Steps            string // stream names
	StationsFilter, StepsSubject, prefix string
}

// DistrictSubjects returns the names for district (letters, digits, - and _).
func DistrictSubjects(district string) (Subjects, error) {
	d := strings.ToLower(strings.TrimSpace(district))
	if d == "" {
		d = DefaultDistrict
	}
	for _, c := range d {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return Subjects{}, fmt.Errorf("district %q: only letters, digits, - and _", district)
		}
	}
	up := strings.ToUpper(strings.ReplaceAll(d, "-", "_"))
	p := "onescreen." + d + "."
	return Subjects{
		District: d, prefix: p,
		Readings: "ONESCREEN_" + up, Stations: "ONESCREEN_" + up + "_STATIONS", Steps: "ONESCREEN_" + up + "_STEPS",
		StationsFilter: p + "station.>", StepsSubject: p + "steps",
	}, nil
}

// Reading is the subject of a feed's readings.
func (s Subjects) Reading(f city.Feed) string { return s.prefix + string(f) + ".reading" }

// ReadingSubjects lists the readings stream's subjects, one per feed.
func (s Subjects) ReadingSubjects() []string {
	out := make([]string, 0, len(city.Feeds))
	for _, f := range city.Feeds {
		out = append(out, s.Reading(f))
	}
	return out
}

// Station is the subject of one station's description: the id itself when
// it is made of letters, digits, - and _ (and does not start with _),
// otherwise _ and its unpadded base64url form.
func (s Subjects) Station(id string) string {
	safe := id != "" && id[0] != '_'
	for i := 0; safe && i < len(id); i++ {
		c := id[i]
		safe = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	if safe {
		return s.prefix + "station." + id
	}
	return s.prefix + "station._" + base64.RawURLEncoding.EncodeToString([]byte(id))
}

// ParseNATSURLs splits a --feed value such as nats://a:4222,b:4222 (or
// nats://a:4222,nats://b:4222) into server URLs. tls:// is accepted too.
func ParseNATSURLs(s string) ([]string, error) {
	var out []string
	scheme := ""
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if i := strings.Index(part, "://"); i >= 0 {
			scheme = part[:i]
			if scheme != "nats" && scheme != "tls" {
				return nil, fmt.Errorf("NATS URL %q: scheme must be nats or tls", part)
			}
			part = part[i+3:]
		} else if scheme == "" {
			return nil, fmt.Errorf("NATS URL %q: no nats:// scheme", part)
		}
		if part == "" || strings.ContainsAny(part, "/?#@") {
			return nil, fmt.Errorf("NATS URL %q: want host:port", part)
		}
		out = append(out, scheme+"://"+part)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("NATS URL %q: no server", s)
	}
	return out, nil
}

// IsNATSURL reports whether a --feed value names NATS servers.
func IsNATSURL(s string) bool {
	return strings.HasPrefix(s, "nats://") || strings.HasPrefix(s, "tls://")
}

// natsOptions are the connection options both ends use.
func natsOptions(name, token, caFile string) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, time.Second), nats.RetryOnFailedConnect(false),
		nats.Timeout(handshakeTimeout), nats.PingInterval(2 * time.Second), nats.MaxPingsOutstanding(3),
	}
	if token != "" {
		opts = append(opts, nats.Token(token))
	}
	if caFile != "" {
		if _, err := loadCAFile(caFile); err != nil {
			return nil, err
		}
		opts = append(opts, nats.RootCAs(caFile))
	}
	return opts, nil
}

// newJetStream is the JetStream API of nc, in domain when one is given.
func newJetStream(nc *nats.Conn, domain string, opts ...jetstream.JetStreamOpt) (jetstream.JetStream, error) {
	if domain != "" {
		return jetstream.NewWithDomain(nc, domain, opts...)
	}
	return jetstream.New(nc, opts...)
}

// JetStreamConfig configures a JetStream transport. Zero values take the
// defaults.
type JetStreamConfig struct {
	URLs     []string // nats:// or tls:// servers (a cluster or the local leaf node)
	District string   // "" = DefaultDistrict
	Token    string   // NATS token, if the servers want one
	CAFile   string   // PEM of the CA that signs tls:// servers
	// Domain is the JetStream domain of the servers holding the streams
	// (the city hub's, when the desk connects to a leaf node); "" = none.
	Domain string
	Feeds  []city.Feed
	// Cursors is asked at every start: per feed, the stream sequence of
	// the last reading stored and the stream's epoch (ConsumerEpoch).
	Cursors   func() (map[city.Feed]Cursor, error)
	Handler   Handler
	Validator *Validator // nil = NewValidator()
	// Desk names this desk in the DeskHeader of its steps; its own steps
	// are not handed to PeerStep. "" = host name and process id.
	Desk                   string
	MinBackoff, MaxBackoff time.Duration
	// Logf, when set, is told of the consumers' transient errors (a
	// missed heartbeat, a consumer made again after a leader change).
	Logf func(format string, args ...any)
}

// JetStream is a Transport that consumes a district's feeds from NATS
// JetStream: an ordered (ephemeral, flow-controlled) consumer per feed that
// starts after the stream sequence the cache holds, one for the station
// descriptions (the last of each), and one for the steps of every desk.
// Every message is decoded and validated as a websocket message is; what
// fails is rejected with its reason through the Handler.
type JetStream struct {
	cfg   JetStreamConfig
	subj  Subjects
	feeds map[city.Feed]bool
	rnd   *rand.Rand
	steps PeerStepObserver // nil when the handler takes no steps

	hmu sync.Mutex // Handler methods run one at a time

	mu    sync.Mutex
	stepq chan pendingStep // the live connection's step queue, nil when none
	up    bool

	missMu sync.Mutex
	misses map[string]time.Time // station id → when a lookup last found no description
}

// jsMissWait is how long a station whose description a lookup did not find
// is not looked up again: a source that sends readings of a station it
// never described costs one request, not one per reading.
const jsMissWait = 30 * time.Second

var _ Transport = (*JetStream)(nil)

// NewJetStream checks cfg; nothing is dialled until Run.
func NewJetStream(cfg JetStreamConfig) (*JetStream, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("jetstream: no NATS server")
	}
	subj, err := DistrictSubjects(cfg.District)
	if err != nil {
		return nil, err
	}
	if cfg.Handler == nil {
		return nil, errors.New("jetstream: no handler")
	}
	if len(cfg.Feeds) == 0 {
		return nil, errors.New("jetstream: no feeds to consume")
	}
	feeds := map[city.Feed]bool{}
	for _, f := range cfg.Feeds {
		if !f.Valid() {
			return nil, fmt.Errorf("jetstream: unknown feed %q", f)
		}
		feeds[f] = true
	}
	if cfg.Cursors == nil {
		cfg.Cursors = func() (map[city.Feed]Cursor, error) { return nil, nil }
	}
	if cfg.Validator == nil {
		cfg.Validator = NewValidator()
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = min(DefaultMinBackoff, cfg.MaxBackoff)
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		return nil, fmt.Errorf("jetstream: MaxBackoff %v below MinBackoff %v", cfg.MaxBackoff, cfg.MinBackoff)
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Desk == "" {
		host, _ := os.Hostname()
		cfg.Desk = fmt.Sprintf("%s-%d-%x", host, os.Getpid(), rand.Uint32())
	}
	if _, err := natsOptions("", cfg.Token, cfg.CAFile); err != nil {
		return nil, err
	}
	j := &JetStream{cfg: cfg, subj: subj, feeds: feeds, rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	j.steps, _ = cfg.Handler.(PeerStepObserver)
	return j, nil
}

// Subjects returns the district's names.
func (j *JetStream) Subjects() Subjects { return j.subj }

// Desk is the name this desk puts on its steps.
func (j *JetStream) Desk() string { return j.cfg.Desk }

// call runs one Handler method, one at a time.
func (j *JetStream) call(fn func(h Handler)) {
	j.hmu.Lock()
	defer j.hmu.Unlock()
	fn(j.cfg.Handler)
}

func (j *JetStream) state(s ConnState, err error) {
	j.mu.Lock()
	j.up = s == Connected
	j.mu.Unlock()
	j.call(func(h Handler) { h.State(s, err) })
}

// Run connects, consumes and reconnects until ctx ends; then it reports
// Stopped and returns ctx's error. Once connected, the NATS client
// reconnects by itself (to any server of the cluster) and the ordered
// consumers resume after the last message they delivered.
func (j *JetStream) Run(ctx context.Context) error {
	attempt := 0
	for {
		j.state(Connecting, nil)
		err := j.session(ctx)
		if ctx.Err() != nil {
			j.state(Stopped, nil)
			return ctx.Err()
		}
		j.state(Disconnected, err)
		wait := backoff(attempt, j.cfg.MinBackoff, j.cfg.MaxBackoff, j.rnd)
		attempt++
		j.cfg.Logf("JetStream session ended: %v; starting again in %v", err, wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			j.state(Stopped, nil)
			return ctx.Err()
		case <-t.C:
		}
	}
}

// ConsumerEpoch is the epoch of a stream's sequence numbers: its name and
// creation time. A stream deleted and made again starts a new epoch.
func ConsumerEpoch(info *jetstream.StreamInfo) string {
	return "js:" + info.Config.Name + "@" + info.Created.UTC().Format(time.RFC3339Nano)
}

// session connects and consumes until ctx ends (nil) or setting up fails.
func (j *JetStream) session(ctx context.Context) error {
	opts, err := natsOptions("onescreen desk "+j.cfg.Desk, j.cfg.Token, j.cfg.CAFile)
	if err != nil {
		return err
	}
	var connected atomic.Bool // set once the consumers run
	opts = append(opts,
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if connected.Load() && ctx.Err() == nil {
				if err == nil {
					err = errors.New("disconnected from NATS")
				}
				j.state(Disconnected, err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			if connected.Load() && ctx.Err() == nil {
				j.state(Connected, nil)
			}
		}))
	nc, err := nats.Connect(strings.Join(j.cfg.URLs, ","), opts...)
	if err != nil {
		return fmt.Errorf("connect to NATS %s: %w", strings.Join(j.cfg.URLs, ","), err)
	}
	defer nc.Close()
	js, err := newJetStream(nc, j.cfg.Domain, jetstream.WithDefaultTimeout(jsRequestWait))
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, jsRequestWait)
	readings, err := js.Stream(rctx, j.subj.Readings)
	cancel()
	if err != nil {
		return fmt.Errorf("stream %s: %w (is a publisher running for district %s?)", j.subj.Readings, err, j.subj.District)
	}
	info := readings.CachedInfo()
	epoch := ConsumerEpoch(info)
	rctx, cancel = context.WithTimeout(ctx, jsRequestWait)
	stations, err := js.Stream(rctx, j.subj.Stations)
	cancel()
	if err != nil {
		return fmt.Errorf("stream %s: %w", j.subj.Stations, err)
	}
	rctx, cancel = context.WithTimeout(ctx, jsRequestWait)
	stepStream, err := js.Stream(rctx, j.subj.Steps)
	cancel()
	if err != nil {
		return fmt.Errorf("stream %s: %w", j.subj.Steps, err)
	}
	cursors, err := j.cfg.Cursors()
	if err != nil {
		return fmt.Errorf("read cursors: %w", err)
	}
	j.call(func(h Handler) { h.Hello(epoch) })

	// Every consumer is watched from the moment it is made: one whose
	// making fails (a stream leader being elected, an overloaded cluster)
	// is made by the watchdog as soon as the cluster answers, and the
	// consumers that run go on running. Ending the session instead would
	// stop them all and start every one over, which a cluster that is
	// slow to answer can keep failing for minutes.
	var watched consumerSet
	wctx, wcancel := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		watched.watch(wctx)
	}()
	defer func() {
		wcancel()
		<-watchDone
		watched.stop()
	}()
	consume := func(stream jetstream.Stream, subject string, whole bool, cfg jetstream.OrderedConsumerConfig, after uint64, fn func(jetstream.Msg, *jetstream.MsgMetadata)) error {
		cfg.FilterSubjects = []string{subject}
		w := &watchedConsumer{stream: stream, subject: subject, whole: whole, cfg: cfg, fn: fn, logf: j.cfg.Logf, last: after}
		rctx, cancel := context.WithTimeout(ctx, jsRequestWait)
		defer cancel()
		err := w.start(rctx, after)
		watched.add(w) // after its first making, so that the watchdog never makes it at the same time
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			j.cfg.Logf("consumer of %s: %v; made again when the cluster answers", subject, err)
		}
		return nil
	}

	// The stations first, so that readings find their stations known.
	caught := make(chan struct{})
	var once sync.Once
	if stations.CachedInfo().State.Msgs == 0 {
		once.Do(func() { close(caught) })
	}
	err = consume(stations, j.subj.StationsFilter, true, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy}, 0,
		func(m jetstream.Msg, md *jetstream.MsgMetadata) {
			j.station(m.Data())
			if md != nil && md.NumPending == 0 {
				once.Do(func() { close(caught) })
			}
		})
	if err != nil {
		return err
	}
	select {
	case <-caught:
	case <-time.After(jsCatchUpWait):
	case <-ctx.Done():
		return nil
	}

	for _, f := range city.Feeds {
		if !j.feeds[f] {
			continue
		}
		var after uint64
		if cur := cursors[f]; cur.Epoch == epoch && cur.After > 0 {
			after = cur.After
			if first := info.State.FirstSeq; after+1 < first {
				g := WireGap{Feed: string(f), From: after + 1, To: first - 1}
				j.call(func(h Handler) { h.Gap(g, epoch) })
				after = first - 1
			}
		}
		f := f
		if err := consume(readings, j.subj.Reading(f), false, jetstream.OrderedConsumerConfig{}, after,
			func(m jetstream.Msg, md *jetstream.MsgMetadata) { j.reading(ctx, f, epoch, stations, m, md) }); err != nil {
			return err
		}
	}

	if j.steps != nil {
		// From the start of the stream at every start: a step is applied
		// once by its id however often it is delivered.
		if err := consume(stepStream, j.subj.StepsSubject, true, jetstream.OrderedConsumerConfig{}, 0, j.step); err != nil {
			return err
		}
	}
	q := make(chan pendingStep, actionQueueLen)
	pctx, pcancel := context.WithCancel(ctx)
	pubDone := make(chan struct{})
	go func() {
		defer close(pubDone)
		j.publishSteps(pctx, js, q)
	}()
	j.mu.Lock()
	j.stepq = q
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		j.stepq = nil
		j.mu.Unlock()
		pcancel()
		<-pubDone
	}()
	connected.Store(true)
	j.state(Connected, nil)
	<-ctx.Done()
	return nil
}

// station takes one station description.
func (j *JetStream) station(raw []byte) {
	env, err := Decode(raw)
	if err == nil && env.Type != TypeStation {
		err = reject("", "", ErrUnexpectedType, "a %q message on a station subject", env.Type)
	}
	var st city.Station
	if err == nil {
		st, err = j.cfg.Validator.Station(env.Station)
	}
	j.call(func(h Handler) {
		if err != nil {
			h.Reject(rejectFeed(err), raw, err)
			return
		}
		h.Station(st)
	})
}

// reading takes one message of feed f's subject; its cursor is the stream
// sequence.
func (j *JetStream) reading(ctx context.Context, f city.Feed, epoch string, stations jetstream.Stream, m jetstream.Msg, md *jetstream.MsgMetadata) {
	raw := m.Data()
	if md == nil {
		j.call(func(h Handler) {
			h.Reject(string(f), raw, reject(string(f), "", ErrMalformed, "a message without JetStream metadata"))
		})
		return
	}
	env, err := Decode(raw)
	if err == nil {
		switch {
		case env.Type != TypeReading:
			err = reject(string(f), "", ErrUnexpectedType, "a %q message on the %s reading subject", env.Type, f)
		case env.Reading.Feed != string(f):
			err = reject(string(f), env.Reading.Station, ErrField, "a reading of feed %q on the %s reading subject", env.Reading.Feed, f)
		}
	}
	var r city.Reading
	if err == nil {
		r, err = j.cfg.Validator.Reading(env.Reading)
		if errors.Is(err, ErrUnknownStation) && j.lookupStation(ctx, stations, env.Reading.Station) {
			r, err = j.cfg.Validator.Reading(env.Reading)
		}
	}
	j.call(func(h Handler) {
		if err != nil {
			feed := rejectFeed(err)
			if feed == "" {
				feed = string(f) // the subject says which feed it came on
			}
			h.Reject(feed, raw, err)
			return
		}
		r.Seq = md.Sequence.Stream
		h.Reading(r, epoch)
	})
}

// lookupStation fetches a station's description that the stations
// consumer has not delivered yet (a station put just before its first
// reading) and hands it on; it reports whether the station is known now.
// A station not found is not looked up again for jsMissWait.
func (j *JetStream) lookupStation(ctx context.Context, stations jetstream.Stream, id string) bool {
	if id == "" {
		return false
	}
	j.missMu.Lock()
	missed, ok := j.misses[id]
	j.missMu.Unlock()
	if ok && time.Since(missed) < jsMissWait {
		return false
	}
	rctx, cancel := context.WithTimeout(ctx, jsRequestWait)
	defer cancel()
	m, err := stations.GetLastMsgForSubject(rctx, j.subj.Station(id))
	if err != nil {
		j.missMu.Lock()
		if j.misses == nil || len(j.misses) > 4096 {
			j.misses = map[string]time.Time{} // bounded: start again
		}
		j.misses[id] = time.Now()
		j.missMu.Unlock()
		return false
	}
	j.station(m.Data)
	return j.cfg.Validator.Known(id)
}

// step takes one step from the district's step subject and hands another
// desk's step to the handler's PeerStep.
func (j *JetStream) step(m jetstream.Msg, _ *jetstream.MsgMetadata) {
	if m.Headers().Get(DeskHeader) == j.cfg.Desk {
		return // this desk's own
	}
	raw := m.Data()
	env, err := Decode(raw)
	if err == nil && env.Type != TypeAction {
		err = reject("", "", ErrUnexpectedType, "a %q message on the steps subject", env.Type)
	}
	if err == nil {
		err = j.cfg.Validator.Action(env.Action)
	}
	j.call(func(h Handler) {
		if err != nil {
			h.Reject("", raw, err)
			return
		}
		j.steps.PeerStep(*env.Action)
	})
}

// SendAction queues an officer's step for the district's step subject,
// published with Nats-Msg-Id = its id, so that the stream stores it once
// however often it is sent. Steps are published one at a time in the
// order sent; the publish ack (also the ack of a duplicate) is reported
// through Handler.ActionAck; a publish that fails is tried again until
// acked or the session ends, unless it fails for good (too big, a
// subject or permission refused): that step is reported refused
// (ActionRefuser, else Reject with ErrRefused) and the next goes on.
func (j *JetStream) SendAction(a WireAction) error {
	if err := j.cfg.Validator.Action(&a); err != nil {
		return err
	}
	body, err := Encode(Envelope{V: ProtocolVersion, Type: TypeAction, Action: &a})
	if err != nil {
		return err
	}
	j.mu.Lock()
	q, up := j.stepq, j.up
	j.mu.Unlock()
	if q == nil || !up {
		return ErrNotConnected
	}
	select {
	case q <- pendingStep{id: a.ID, body: body}:
		return nil
	default:
		return fmt.Errorf("%d steps already waiting for their publish ack: %w", actionQueueLen, ErrNotConnected)
	}
}

// pendingStep is a step waiting to be published.
type pendingStep struct {
	id   string
	body []byte
}

// publishSteps publishes the queued steps one after the other, in the
// order the outbox sent them, each until acked, until ctx ends.
func (j *JetStream) publishSteps(ctx context.Context, js jetstream.JetStream, q chan pendingStep) {
	for {
		select {
		case <-ctx.Done():
			return
		case st := <-q:
			_, err := publishRetry(ctx, js, j.subj.StepsSubject, st.id, j.cfg.Desk, st.body)
			switch {
			case err == nil:
				j.call(func(h Handler) { h.ActionAck(st.id) })
			case permanentPublishError(err):
				// never acked: the outbox marks it failed, and the
				// steps queued after it go on
				rerr := &PublishRejectedError{What: "step " + st.id, Err: err}
				j.call(func(h Handler) {
					if r, ok := h.(ActionRefuser); ok {
						r.ActionRefused(st.id, rerr.Error())
						return
					}
					h.Reject("", st.body, &RejectError{Reason: rerr.Error(), Err: ErrRefused})
				})
			}
		}
	}
}

// publishRetry publishes one message with Nats-Msg-Id id until the stream
// acks it or ctx ends, or it fails for good (permanentPublishError): that
// error is returned at once. A repeat is safe: within the stream's
// duplicate window the server stores the message once and acks every
// copy.
func publishRetry(ctx context.Context, js jetstream.JetStream, subject, id, desk string, body []byte) (*jetstream.PubAck, error) {
	wait := 100 * time.Millisecond
	for {
		m := nats.NewMsg(subject)
		m.Data = body
		if id != "" {
			m.Header.Set(nats.MsgIdHdr, id)
		}
		if desk != "" {
			m.Header.Set(DeskHeader, desk)
		}
		pctx, cancel := context.WithTimeout(ctx, jsRequestWait)
		ack, err := js.PublishMsg(pctx, m)
		cancel()
		if err == nil {
			return ack, nil
		}
		if permanentPublishError(err) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}
