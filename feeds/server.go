package feeds

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"onescreen/city"
)

// Server defaults and timing.
const (
	// DefaultHeartbeat is the period of heartbeat messages and pings.
	DefaultHeartbeat = 5 * time.Second
	// DefaultReplayPerFeed is how many readings per feed are kept for
	// clients that resume.
	DefaultReplayPerFeed = 16384

	// serverWriteWait is the longest one frame may take to write before
	// the client is presumed stuck and dropped.
	serverWriteWait = 10 * time.Second
	// missedHeartbeats is how many heartbeat periods may pass without a
	// pong or a message before a client is presumed dead.
	missedHeartbeats = 3
	// controlQueueLen is how many station updates, acks and errors may wait
	// for one client; a client that lets more pile up is dropped.
	controlQueueLen = 4096
	// maxFrameMessages is the most messages the server puts in one batch.
	maxFrameMessages = 512
	// maxFrameBytes is the most bytes of messages the server puts in one
	// batch; a larger single message is sent alone.
	maxFrameBytes = 256 << 10
	// readingsPerRound is how many readings a client's writer takes from
	// the rings before it looks at its control queue again.
	readingsPerRound = 4096
	// recordBufferBytes is the recording's write buffer.
	recordBufferBytes = 64 << 10
	// recordFlushEvery is how often the recording buffer is flushed, so a
	// crash loses at most this much of the recording.
	recordFlushEvery = 1 * time.Second
)

// ErrClosed is returned by a closed server.
var ErrClosed = errors.New("feed server closed")

// errTooSlow ends a client that fell behind the replay ring.
var errTooSlow = errors.New("client fell behind the replay ring")

// ServerConfig configures a feed server. Zero values take the defaults.
type ServerConfig struct {
	Token         string        // required bearer token; "" = no auth
	ReplayPerFeed int           // readings kept per feed for reconnecting clients (bounded ring); 0 = DefaultReplayPerFeed
	Heartbeat     time.Duration // heartbeat message period (and websocket ping period); 0 = DefaultHeartbeat
	// Record, when set, receives every station and reading published, each
	// as one JSON line exactly as sent (the recording format, see
	// docs/protocol.md). It is buffered and flushed every second and on Close.
	Record    io.Writer
	ReadLimit int64 // biggest client frame accepted, in bytes; 0 = DefaultServerReadLimit
	Logf      func(format string, args ...any)
	OnAction  func(WireAction) // called once per distinct action id, on the client's reader goroutine
	Validator *Validator       // judges what is published; nil = NewValidator()
	Name      string           // server name sent in hello; "" = "onescreen-cityfeed"
	// Steps keeps the officers' steps the server accepts, to relay them to
	// every client that subscribes to steps and to drop a repeated action
	// id, also after a restart when it is a file (OpenStepLog). The caller
	// closes it after the server. nil = a log in memory for this server life.
	Steps *StepLog
}

// Server is a feed server: it keeps the stations described, a bounded ring
// of recent readings per feed, and serves them over websocket to
// subscribed clients, which may resume from a cursor.
type Server struct {
	cfg      ServerConfig
	epoch    string
	v        *Validator
	rings    map[city.Feed]*feedRing
	upgrader websocket.Upgrader
	closed   atomic.Bool

	stMu      sync.Mutex
	stations  map[string]stationEntry
	stOrder   []string
	listeners map[*serverConn]struct{}      // subscribed clients, for station updates
	live      atomic.Pointer[[]*serverConn] // the same set, for lock-free wakeups

	connMu  sync.Mutex
	conns   map[*serverConn]struct{}
	closing bool
	wg      sync.WaitGroup

	recMu     sync.Mutex
	rec       *bufio.Writer
	recErr    error
	recClosed bool
	recStop   chan struct{}
	recDone   chan struct{}
	steps     *StepLog
	stepMu    sync.Mutex               // guards stepConns
	stepConns map[*serverConn]struct{} // clients subscribed to steps: the step log relays each durable step to them
	stepFails atomic.Uint64            // steps that could not be logged (not acknowledged)

	rejected     atomic.Uint64
	dropped      atomic.Uint64
	actionsIn    atomic.Uint64 // operator actions received
	actionsAgain atomic.Uint64 // of which repeats of an id already received
}

type stationEntry struct {
	feed city.Feed
	msg  []byte
}

// feedRing holds the newest readings of one feed, encoded, by seq.
type feedRing struct {
	mu   sync.Mutex
	buf  [][]byte // the message of seq s is at buf[s%len(buf)]
	next uint64   // the seq the next reading gets
}

// oldestLocked is the oldest seq held (next when none is).
func (r *feedRing) oldestLocked() uint64 {
	held := min(r.next-1, uint64(len(r.buf)))
	return r.next - held
}

// NewServer returns a server with a fresh random epoch.
func NewServer(cfg ServerConfig) *Server {
	if cfg.ReplayPerFeed <= 0 {
		cfg.ReplayPerFeed = DefaultReplayPerFeed
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.ReadLimit <= 0 {
		cfg.ReadLimit = DefaultServerReadLimit
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Name == "" {
		cfg.Name = "onescreen-cityfeed"
	}
	s := &Server{
		cfg: cfg, epoch: newEpoch(), v: cfg.Validator,
		rings:     map[city.Feed]*feedRing{},
		stations:  map[string]stationEntry{},
		listeners: map[*serverConn]struct{}{},
		conns:     map[*serverConn]struct{}{},
		stepConns: map[*serverConn]struct{}{},
		steps:     cfg.Steps,
		upgrader:  websocket.Upgrader{ReadBufferSize: 4 << 10, WriteBufferSize: 64 << 10, HandshakeTimeout: handshakeTimeout},
	}
	if s.v == nil {
		s.v = NewValidator()
	}
	if s.steps == nil {
		s.steps = NewMemoryStepLog(s.epoch)
	}
	s.steps.setRelay(s.relaySteps)
	for _, f := range city.Feeds {
		s.rings[f] = &feedRing{buf: make([][]byte, cfg.ReplayPerFeed), next: 1}
	}
	s.live.Store(&[]*serverConn{})
	if cfg.Record != nil {
		s.rec = bufio.NewWriterSize(cfg.Record, recordBufferBytes)
		s.recStop, s.recDone = make(chan struct{}), make(chan struct{})
		go s.flushRecording()
	}
	return s
}

// newEpoch is the start time and 64 random bits: unique per server life.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Epoch identifies this server life; sequence numbers are per epoch.
func (s *Server) Epoch() string { return s.epoch }

// Clients returns the number of connected clients.
func (s *Server) Clients() int {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return len(s.conns)
}

// ServerStats are a server's counters.
type ServerStats struct {
	Clients   int
	Latest    map[city.Feed]uint64 // newest seq per feed
	Rejected  uint64               // client messages refused (including oversize frames)
	Dropped   uint64               // clients disconnected for being too slow
	Stations  int
	RecordErr error // the first error writing the recording

	Actions       uint64 // operator actions received, repeats included
	ActionRepeats uint64 // actions whose id had been received before (acked again, not passed on)
	Steps         int    // steps in the step log
	StepFailures  uint64 // actions that could not be written to the step log (not acknowledged)
}

// Stats returns the server's counters.
func (s *Server) Stats() ServerStats {
	st := ServerStats{Clients: s.Clients(), Latest: s.latest(nil), Rejected: s.rejected.Load(), Dropped: s.dropped.Load(),
		Actions: s.actionsIn.Load(), ActionRepeats: s.actionsAgain.Load(),
		Steps: s.steps.Len(), StepFailures: s.stepFails.Load()}
	s.stMu.Lock()
	st.Stations = len(s.stations)
	s.stMu.Unlock()
	s.recMu.Lock()
	st.RecordErr = s.recErr
	s.recMu.Unlock()
	return st
}

// latest returns the newest seq of the given feeds (all when nil).
func (s *Server) latest(feeds []city.Feed) map[city.Feed]uint64 {
	if feeds == nil {
		feeds = city.Feeds
	}
	m := make(map[city.Feed]uint64, len(feeds))
	for _, f := range feeds {
		r := s.rings[f]
		r.mu.Lock()
		m[f] = r.next - 1
		r.mu.Unlock()
	}
	return m
}

// PutStation describes a station (or replaces its description). It is
// kept, sent to every client on connect and broadcast to connected ones.
// A zone whose Location is unset gets its polygon's centroid.
func (s *Server) PutStation(st city.Station) error {
	if s.closed.Load() {
		return ErrClosed
	}
	st, msg, err := stationMessage(s.v, st)
	if err != nil {
		return err
	}
	s.stMu.Lock()
	if _, ok := s.stations[st.ID]; !ok {
		s.stOrder = append(s.stOrder, st.ID)
	}
	s.stations[st.ID] = stationEntry{feed: st.Feed, msg: msg}
	for c := range s.listeners {
		if c.feeds[st.Feed] {
			c.enqueue(msg)
		}
	}
	s.stMu.Unlock()
	s.record(msg)
	return nil
}

// Publish assigns r the next seq of its feed, keeps it in the replay ring
// and sends it to subscribed clients. Units may be empty (the parameter's
// unit is used) or an accepted spelling. The station must have been put.
func (s *Server) Publish(r city.Reading) (seq uint64, err error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	r, err = NormalizeUnits(r)
	if err != nil {
		return 0, err
	}
	if err := s.v.CheckReading(r); err != nil {
		return 0, err
	}
	body, err := encodeReadingBody(r)
	if err != nil {
		return 0, err
	}
	ring := s.rings[r.Feed]
	ring.mu.Lock()
	seq = ring.next
	ring.next++
	msg := spliceReading(r.Feed, seq, body)
	ring.buf[seq%uint64(len(ring.buf))] = msg
	ring.mu.Unlock()
	s.record(msg)
	for _, c := range *s.live.Load() {
		c.poke()
	}
	return seq, nil
}

// record appends one message to the recording.
func (s *Server) record(msg []byte) {
	if s.rec == nil {
		return
	}
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if s.recErr != nil || s.recClosed {
		return
	}
	_, err := s.rec.Write(msg)
	if err == nil {
		err = s.rec.WriteByte('\n')
	}
	if err != nil {
		s.recErr = fmt.Errorf("recording: %w", err)
		s.cfg.Logf("feed server: %v; recording stopped", s.recErr)
	}
}

func (s *Server) flushRecording() {
	defer close(s.recDone)
	t := time.NewTicker(recordFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-s.recStop:
			return
		case <-t.C:
			s.recMu.Lock()
			if s.recErr == nil {
				if err := s.rec.Flush(); err != nil {
					s.recErr = fmt.Errorf("recording: %w", err)
					s.cfg.Logf("feed server: %v; recording stopped", s.recErr)
				}
			}
			s.recMu.Unlock()
		}
	}
}

// Close disconnects every client (close code 1001), waits for their
// goroutines and flushes the recording. It returns the first recording
// error, if any.
func (s *Server) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.connMu.Lock()
	s.closing = true
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.connMu.Unlock()
	for _, c := range conns {
		c.stop(websocket.CloseGoingAway, "server shutting down")
	}
	s.wg.Wait()
	if s.rec == nil {
		return nil
	}
	close(s.recStop)
	<-s.recDone
	s.recMu.Lock()
	defer s.recMu.Unlock()
	s.recClosed = true // a Publish racing with Close records nothing more
	if s.recErr == nil {
		if err := s.rec.Flush(); err != nil {
			s.recErr = fmt.Errorf("recording: %w", err)
		}
	}
	return s.recErr
}

// disconnectAll drops every client as if the network had failed them; they
// resume from their cursors.
func (s *Server) disconnectAll() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for c := range s.conns {
		c.stop(websocket.CloseGoingAway, "disconnected")
	}
}

// ServeHTTP serves the stream at StreamPath and 404 elsewhere. A server
// with a token answers 401 to a request without "Authorization: Bearer
// <token>".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != StreamPath {
		http.NotFound(w, r)
		return
	}
	if s.closed.Load() {
		http.Error(w, "feed server shutting down", http.StatusServiceUnavailable)
		return
	}
	if s.cfg.Token != "" {
		if why := s.checkToken(r.Header.Get("Authorization")); why != "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="onescreen", error="invalid_token"`)
			http.Error(w, why, http.StatusUnauthorized)
			s.cfg.Logf("feed server: %s refused: %s", r.RemoteAddr, why)
			return
		}
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.cfg.Logf("feed server: %s: websocket upgrade: %v", r.RemoteAddr, err)
		return // the upgrader has answered with an HTTP error
	}
	c := &serverConn{
		s: s, ws: ws, remote: r.RemoteAddr,
		ctl:  make(chan []byte, controlQueueLen),
		wake: make(chan struct{}, 1),
		plan: make(chan *subscription, 1),
		done: make(chan struct{}),
	}
	s.connMu.Lock()
	if s.closing {
		s.connMu.Unlock()
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(serverWriteWait))
		_ = ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	s.connMu.Unlock()
	go c.writeLoop()
	c.readLoop()
}

// checkToken returns why an Authorization header is refused, or "".
func (s *Server) checkToken(h string) string {
	const scheme = "Bearer "
	if h == "" {
		return "missing bearer token: send Authorization: Bearer <token>"
	}
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "Authorization header is not a bearer token"
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(h[len(scheme):])), []byte(s.cfg.Token)) != 1 {
		return "wrong bearer token"
	}
	return ""
}

// subscription is what a client's writer sends first after a subscribe.
type subscription struct {
	first   [][]byte // hello, stations, gaps
	cursors []feedCursor
}

// feedCursor is a writer's position in one feed's ring.
type feedCursor struct {
	ring  *feedRing
	after uint64
}

// serverConn is one client. Its reader goroutine decodes what the client
// sends; its writer goroutine owns every data write and the feed cursors.
type serverConn struct {
	s      *Server
	ws     *websocket.Conn
	remote string
	feeds  map[city.Feed]bool // set once, before the conn becomes a listener

	ctl  chan []byte        // stations, acks, errors, in order
	wake chan struct{}      // something to send
	plan chan *subscription // the subscription, once
	done chan struct{}      // closed by stop

	subscribed bool // reader-owned
	stopOnce   sync.Once
	closeCode  int
	closeText  string

	// writer-owned
	cursors  []feedCursor
	rr       int
	readBuf  [][]byte
	ctlBuf   [][]byte
	firstBuf [][]byte
	frameBuf []byte
}

// stop ends the connection with a close code; the writer sends the close
// frame and closes the socket.
func (c *serverConn) stop(code int, text string) {
	c.stopOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.done)
	})
}

// poke wakes the writer; it never blocks.
func (c *serverConn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue queues a control message; a client whose queue is full is too
// slow and is dropped.
func (c *serverConn) enqueue(msg []byte) {
	select {
	case c.ctl <- msg:
		c.poke()
	default:
		c.s.dropped.Add(1)
		c.s.cfg.Logf("feed server: %s: send queue full; client dropped", c.remote)
		c.stop(websocket.CloseTryAgainLater, "send queue full: client too slow; resume from your cursor")
	}
}

func (c *serverConn) readLoop() {
	s := c.s
	defer func() {
		c.stop(websocket.CloseNormalClosure, "")
		s.stMu.Lock()
		if _, ok := s.listeners[c]; ok {
			delete(s.listeners, c)
			s.publishLiveLocked()
		}
		s.stMu.Unlock()
		s.stepMu.Lock()
		delete(s.stepConns, c)
		s.stepMu.Unlock()
		s.connMu.Lock()
		delete(s.conns, c)
		s.connMu.Unlock()
		s.wg.Done()
	}()
	pongWait := missedHeartbeats * s.cfg.Heartbeat
	c.ws.SetReadLimit(s.cfg.ReadLimit)
	_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_, raw, err := c.ws.ReadMessage()
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				s.rejected.Add(1)
				s.cfg.Logf("feed server: %s: frame over the read limit of %d bytes; connection closed", c.remote, s.cfg.ReadLimit)
			case websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway):
			default:
				select {
				case <-c.done:
				default:
					s.cfg.Logf("feed server: %s: %v", c.remote, err)
				}
			}
			return
		}
		_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
		c.handle(raw, false)
	}
}

// handle acts on one client message.
func (c *serverConn) handle(raw []byte, inBatch bool) {
	env, err := Decode(raw)
	if err != nil {
		c.refuse(err, "")
		return
	}
	switch env.Type {
	case TypeBatch:
		if inBatch {
			c.refuse(reject("", "", ErrMalformed, "a batch inside a batch"), "")
			return
		}
		for _, m := range env.Messages {
			c.handle(m, true)
		}
	case TypeSubscribe:
		c.subscribe(env.Subscribe)
	case TypeAction:
		c.action(env.Action)
	default:
		c.refuse(reject("", "", ErrUnexpectedType, "a client does not send %q messages", env.Type), "")
	}
}

// refuse answers a bad client message with an error message.
func (c *serverConn) refuse(err error, id string) {
	code := CodeBadMessage
	switch {
	case errors.Is(err, ErrVersion):
		code = CodeBadVersion
	case errors.Is(err, ErrUnknownType):
		code = CodeUnknownType
	case errors.Is(err, ErrUnexpectedType):
		code = CodeUnexpectedType
	}
	c.refuseCode(code, "", id, err)
}

func (c *serverConn) refuseCode(code, feed, id string, err error) {
	c.s.rejected.Add(1)
	c.s.cfg.Logf("feed server: %s: %v", c.remote, err)
	c.enqueue(errorMessage(code, feed, id, err.Error()))
}

// subscribe plans what the writer sends first: hello, the stations of the
// feeds asked for, a gap per feed whose history is no longer held, then
// readings from each cursor on.
func (c *serverConn) subscribe(want map[string]Cursor) {
	s := c.s
	if c.subscribed {
		c.refuseCode(CodeAlreadySubscribed, "", "", errors.New("already subscribed on this connection; reconnect to change feeds"))
		return
	}
	feeds := map[city.Feed]bool{}
	stepCur, wantSteps := want[StepsKey]
	for name := range want {
		if f := city.Feed(name); f.Valid() {
			feeds[f] = true
		} else if name != StepsKey {
			c.refuseCode(CodeUnknownFeed, name, "", reject("", "", ErrUnknownFeed, "unknown feed %.40q: not subscribed", name))
		}
	}
	if len(feeds) == 0 && !wantSteps {
		return // each unknown feed has been refused; nothing is subscribed
	}
	sub := &subscription{cursors: []feedCursor{}} // not nil: heartbeats go also to a client of steps only
	var gaps [][]byte
	latest := map[string]uint64{}
	for _, f := range city.Feeds {
		if !feeds[f] {
			continue
		}
		ring := s.rings[f]
		ring.mu.Lock()
		oldest, newest := ring.oldestLocked(), ring.next-1
		ring.mu.Unlock()
		latest[string(f)] = newest
		var after uint64
		if cur := want[string(f)]; cur.Epoch == s.epoch {
			after = cur.After
		}
		if after+1 < oldest {
			gaps = append(gaps, gapMessage(WireGap{Feed: string(f), From: after + 1, To: oldest - 1}))
			after = oldest - 1
		}
		sub.cursors = append(sub.cursors, feedCursor{ring: ring, after: after})
	}
	now := time.Now()
	offered := make([]string, len(city.Feeds))
	for i, f := range city.Feeds {
		offered[i] = string(f)
	}
	sub.first = append(sub.first, mustEncode(Envelope{
		V: ProtocolVersion, Type: TypeHello, Epoch: s.epoch, Server: s.cfg.Name, Feeds: offered,
		Latest: latest, Time: &now, HeartbeatMS: s.cfg.Heartbeat.Milliseconds(), ReadLimit: s.cfg.ReadLimit,
	}))
	c.feeds = feeds
	c.subscribed = true
	s.stMu.Lock()
	for _, id := range s.stOrder {
		if e := s.stations[id]; feeds[e.feed] {
			sub.first = append(sub.first, e.msg)
		}
	}
	sub.first = append(sub.first, gaps...)
	s.listeners[c] = struct{}{}
	s.publishLiveLocked()
	if wantSteps {
		// the durable steps the client does not hold, then every step
		// made durable from now on: the log relays none between the two
		after := stepCur.After
		if stepCur.Epoch != s.steps.Epoch() {
			after = 0
		}
		s.steps.follow(after, func(first [][]byte) {
			sub.first = append(sub.first, first...)
			s.stepMu.Lock()
			s.stepConns[c] = struct{}{}
			s.stepMu.Unlock()
			c.plan <- sub // capacity 1, sent once; before any step is relayed to c
		})
	} else {
		c.plan <- sub
	}
	s.stMu.Unlock()
	c.poke()
}

// relaySteps queues steps just made durable, in seq order, to every
// client subscribed to steps. The step log calls it holding its lock.
func (s *Server) relaySteps(msgs [][]byte) {
	s.stepMu.Lock()
	defer s.stepMu.Unlock()
	for c := range s.stepConns {
		for _, m := range msgs {
			c.enqueue(m)
		}
	}
}

// publishLiveLocked republishes the listener list for Publish's wakeups.
func (s *Server) publishLiveLocked() {
	l := make([]*serverConn, 0, len(s.listeners))
	for c := range s.listeners {
		l = append(l, c)
	}
	s.live.Store(&l)
}

// action logs a new operator action and, once it is durable, has it
// relayed to every client subscribed to steps, passes it on and
// acknowledges it; a second delivery of an id (also from before a
// restart, with a file step log) is acknowledged again but neither
// logged, relayed nor passed on. An action the step log cannot take is
// not acknowledged: the client sends it again later. Waiting for the
// step log's fsync holds no lock another client needs.
func (c *serverConn) action(a *WireAction) {
	s := c.s
	if err := s.v.Action(a); err != nil {
		id := ""
		if a != nil {
			id = a.ID
		}
		c.refuseCode(CodeBadAction, "", id, err)
		return
	}
	s.actionsIn.Add(1)
	_, _, added, err := s.steps.Append(*a) // relayed by the log once durable
	switch {
	case err != nil:
		s.stepFails.Add(1)
		s.cfg.Logf("feed server: %s: action %s not acknowledged: %v", c.remote, a.ID, err)
		return
	case !added:
		s.actionsAgain.Add(1)
	case s.cfg.OnAction != nil:
		s.cfg.OnAction(*a)
	}
	c.enqueue(ackMessage(a.ID))
}

func (c *serverConn) writeLoop() {
	s := c.s
	defer s.wg.Done()
	defer c.ws.Close()
	t := time.NewTicker(s.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			c.writeClose()
			return
		case <-t.C:
			if c.cursors != nil {
				if err := c.writeFrames([][]byte{c.heartbeat()}); err != nil {
					c.fail(err)
					return
				}
			}
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(serverWriteWait)); err != nil {
				c.fail(err)
				return
			}
		case <-c.wake:
		}
		if err := c.flush(); err != nil {
			if errors.Is(err, errTooSlow) {
				s.dropped.Add(1)
				s.cfg.Logf("feed server: %s: fell behind the replay ring; client dropped", c.remote)
				c.stop(websocket.CloseTryAgainLater, fmt.Sprintf("client too slow: fell behind the replay ring of %d readings; resume from your cursor", s.cfg.ReplayPerFeed))
				c.writeClose()
				return
			}
			c.fail(err)
			return
		}
	}
}

// writeClose sends the close frame stop asked for.
func (c *serverConn) writeClose() {
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.closeText), time.Now().Add(serverWriteWait))
}

// fail ends a connection whose socket failed.
func (c *serverConn) fail(err error) {
	select {
	case <-c.done:
	default:
		c.s.cfg.Logf("feed server: %s: write: %v", c.remote, err)
	}
	c.stop(websocket.CloseAbnormalClosure, "")
}

// heartbeat builds a heartbeat with the newest seq of the client's feeds.
func (c *serverConn) heartbeat() []byte {
	latest := make(map[string]uint64, len(c.feeds))
	for f := range c.feeds {
		r := c.s.rings[f]
		r.mu.Lock()
		latest[string(f)] = r.next - 1
		r.mu.Unlock()
	}
	now := time.Now()
	return mustEncode(Envelope{V: ProtocolVersion, Type: TypeHeartbeat, Epoch: c.s.epoch, Time: &now, Latest: latest})
}

// flush sends what is waiting: first the subscription's opening, then
// control messages, then readings past the cursors. Readings are taken
// from the rings before the control queue is drained, so a station put
// before a reading was published is always sent before that reading.
func (c *serverConn) flush() error {
	for {
		more := false
		budget := uint64(readingsPerRound)
		c.readBuf = c.readBuf[:0]
		n := len(c.cursors)
		c.rr++
		for i := 0; i < n && budget > 0; i++ {
			fc := &c.cursors[(c.rr+i)%n]
			ring := fc.ring
			ring.mu.Lock()
			newest := ring.next - 1
			if fc.after < newest {
				if fc.after+1 < ring.oldestLocked() {
					ring.mu.Unlock()
					return errTooSlow
				}
				end := min(newest, fc.after+budget)
				size := uint64(len(ring.buf))
				for seq := fc.after + 1; seq <= end; seq++ {
					c.readBuf = append(c.readBuf, ring.buf[seq%size])
				}
				budget -= end - fc.after
				fc.after = end
				if end < newest {
					more = true
				}
			}
			ring.mu.Unlock()
		}
		c.ctlBuf = c.ctlBuf[:0]
	drain:
		for len(c.ctlBuf) < controlQueueLen {
			select {
			case m := <-c.ctl:
				c.ctlBuf = append(c.ctlBuf, m)
			default:
				break drain
			}
		}
		out := c.firstBuf[:0]
		select {
		case sub := <-c.plan:
			out = append(out, sub.first...)
			c.cursors = sub.cursors
			more = true
		default:
		}
		out = append(out, c.ctlBuf...)
		out = append(out, c.readBuf...)
		err := c.writeFrames(out)
		clear(out)
		c.firstBuf = out[:0]
		clear(c.readBuf)
		clear(c.ctlBuf)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
		select {
		case <-c.done:
			return nil
		default:
		}
	}
}

var (
	batchHead = []byte(`{"v":1,"type":"batch","messages":[`)
	batchTail = []byte(`]}`)
)

// writeFrames writes messages in order, several to a batch frame.
func (c *serverConn) writeFrames(msgs [][]byte) error {
	for len(msgs) > 0 {
		n, size := 0, 0
		for n < len(msgs) && n < maxFrameMessages && (n == 0 || size+len(msgs[n]) <= maxFrameBytes) {
			size += len(msgs[n]) + 1
			n++
		}
		if err := c.ws.SetWriteDeadline(time.Now().Add(serverWriteWait)); err != nil {
			return err
		}
		var frame []byte
		if n == 1 {
			frame = msgs[0]
		} else {
			frame = append(c.frameBuf[:0], batchHead...)
			for i, m := range msgs[:n] {
				if i > 0 {
					frame = append(frame, ',')
				}
				frame = append(frame, m...)
			}
			frame = append(frame, batchTail...)
			c.frameBuf = frame
		}
		if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

// stationMessage checks a station a publisher describes (a zone whose
// Location is unset gets its polygon's centroid), encodes its station
// message and makes v know it.
func stationMessage(v *Validator, st city.Station) (city.Station, []byte, error) {
	if len(st.Area) > 0 && st.Location == (orb.Point{}) {
		st.Location, _ = planar.CentroidArea(st.Area)
	}
	if err := v.CheckStation(st); err != nil {
		return st, nil, err
	}
	ws, err := WireStationOf(st)
	if err != nil {
		return st, nil, err
	}
	msg, err := Encode(Envelope{V: ProtocolVersion, Type: TypeStation, Station: ws})
	if err != nil {
		return st, nil, err
	}
	v.Know(st)
	return st, msg, nil
}
